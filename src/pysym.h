/*
 * pysym.h — turning what the stack walker copied (code object address, instruction position) into
 * file, function and line, by reading the target's memory (process_vm_readv, bounded, sizes read
 * from the target never trusted past a named limit), cached per process; and the same walk the
 * kernel does, done from user space for `pyscope dump` (threads that sleep are never sampled).
 */
#ifndef PYSCOPE_PYSYM_H
#define PYSCOPE_PYSYM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "pyoffsets.h"
#include "pystack_rec.h"

#define PYSYM_MAX_STR 1024          /* longest file or function name read (longer ones are cut) */
#define PYSYM_MAX_LINETABLE (1 << 20) /* largest line table read; a larger one gives the first line */
#define PYSYM_MAX_CODES (1 << 20)   /* code objects cached per process; past that the cache restarts */

struct pysym_frame {
	const char *file;           /* owned by the cache: valid until pysym_close */
	const char *name;
	int line;                   /* 0 when unknown */
};

struct pysym_proc;
/* A cache for target T (copied). NULL when out of memory. */
struct pysym_proc *pysym_open(const struct pyo_target *t);
void pysym_close(struct pysym_proc *p);
const struct pyo_target *pysym_target(const struct pysym_proc *p);
/* ON: check a cached code object is still the one at its address at each look-up (one read of
 * the target per frame), for names exact at the moment of a marker hit. */
void pysym_verify(struct pysym_proc *p, bool on);
/* A cache for a process known only by the kernel's definitions (3.MINOR, the code object's
 * co_code_adaptive offset): no _PyRuntime needed. NULL when out of memory. */
struct pysym_proc *pysym_open_bare(pid_t pid, int minor, int code_adaptive);
/* A code object's definition the kernel sent (LEN bytes at D, pystack_rec.h): cached, replacing
 * what was known at its address. Names from it are not checked again against the target (the
 * kernel did that at the hit), unless pysym_distrust is on. 0, or -EINVAL, -ENOMEM. */
int pysym_define(struct pysym_proc *p, const struct pystack_def *d, size_t len);
/* ON: names from the kernel's definitions are checked like the others (a record sent when a
 * definition could not be: PYSTACK_F_NODEF). */
void pysym_distrust(struct pysym_proc *p, bool on);
/* F's file, function and line. 0; -EFAULT when the code object cannot be read (OUT then says
 * "<unreadable>"), -ESRCH when the process is gone. */
int pysym_resolve(struct pysym_proc *p, const struct pystack_frame *f, struct pysym_frame *out);

#define PYSYM_MAX_LOCALS 256       /* local variable names listed per frame */
/* The names of code object CODE's local variables (arguments first; cells too, not free
 * variables), joined by ", " into BUF (cut to fit). 0, or a negative errno. */
int pysym_locals(struct pysym_proc *p, uint64_t code, char *buf, size_t len);

/* The line of code unit offset OFF (byte offset for 3.8/3.9) in line table LT of a 3.MINOR code
 * object whose first line is FIRST; 0 when the table does not say. */
int pysym_line(int minor, const unsigned char *lt, size_t len, int first, long off);

/* What thread TID (the kernel's id) of T is doing, as /proc tells (its state, and the system
 * call it is blocked in, with that call's arguments): "running"; "waiting for the GIL" (a futex
 * wait on an address inside _PyRuntime, where the main interpreter's GIL condition and mutex
 * live); "waiting on a lock" (another futex: Lock.acquire, Event.wait, queue.get...); "in
 * SYSCALL" (read, clock_nanosleep, epoll_wait...); "sleeping" (blocked, the call not readable);
 * "stopped", "zombie". NULL when the thread is gone. */
const char *pysym_wait(const struct pyo_target *t, uint64_t tid, char *buf, size_t len);

/* The thread states of T's main interpreter: up to MAX of them into STATES and their thread ids
 * into TIDS (the kernel's on 3.11+, pthread_self() before). The count, or a negative errno. */
int pysym_threads(const struct pyo_target *t, uint64_t *states, uint64_t *tids, int max);
/* Walk thread state TSTATE's frames, leaf first, at most MAX: the count, with PYSTACK_F_* in
 * *FLAGS. */
int pysym_walk(const struct pyo_target *t, uint64_t tstate, struct pystack_frame *frames, int max,
	       unsigned *flags);
#endif
