/*
 * pystack.h — Python stacks sampled in the kernel (part of the capture room: the only other file
 * that includes libbpf). Lifecycle: open (depth, native) -> add the processes to sample (their
 * walking recipe, pyo_to_proc) -> start (a cpu-clock perf event per CPU at HZ) -> poll, which
 * hands each record (struct pystack_rec, only nframes frames valid) to a callback -> close.
 * Processes may be added and removed while sampling.
 */
#ifndef PYSCOPE_PYSTACK_H
#define PYSCOPE_PYSTACK_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "pystack_rec.h"

#define PYSTACK_MAX_HZ 10000     /* highest sampling rate (per CPU) */

struct pystack;
/* 0, or a negative errno with a one-line reason in ERR. NATIVE: keep the kernel's user stack
 * (frame pointers) and, with STACK_BYTES > 0, the user registers and that many bytes of the user
 * stack in each record's tail (PYSTACK_F_UREGS, pystack_rec.h), for unwind.c. ALL_EXECS: every
 * process's exec comes as a PYSTACK_F_EXEC record, not only those of the processes added. */
int pystack_open(struct pystack **out, int depth, int native, int stack_bytes, int all_execs, char *err,
		 int errlen);
/* P->epoch is set (records and definitions of this image of PID carry it). */
int pystack_add(struct pystack *s, pid_t pid, struct pystack_proc *p);
int pystack_remove(struct pystack *s, pid_t pid);
int pystack_start(struct pystack *s, int hz, char *err, int errlen);
typedef void (*pystack_cb)(void *ctx, const struct pystack_rec *r);
/* Code object definitions (struct pystack_def, LEN bytes) go to CB, with poll's CTX, in ring
 * order: before the first record that holds the code object. */
typedef void (*pystack_def_cb)(void *ctx, const struct pystack_def *d, size_t len);
void pystack_on_def(struct pystack *s, pystack_def_cb cb);
/* Deliver the records waiting, waiting up to TIMEOUT_MS: the count, or a negative errno. */
int pystack_poll(struct pystack *s, int timeout_ms, pystack_cb cb, void *ctx);
/* Records the ring could not take, so far. */
uint64_t pystack_lost(const struct pystack *s);
/* --native: the user stack ID (instruction addresses, innermost first) into IPS; the count. */
int pystack_native(const struct pystack *s, int id, uint64_t *ips, int max);
void pystack_close(struct pystack *s);
#endif
