/*
 * unwind.h — native stacks of a sampled thread from a copy of its user registers and of the top of
 * its user stack, unwound in user space with the call frame information (.eh_frame, .debug_frame)
 * of the objects the process maps, as perf --call-graph dwarf does: what `pyscope profile
 * --native` uses when the interpreter has no frame pointers (the kernel's user stack then stops
 * after a frame or two). The CFI interpreter is elfutils' libdw (libdwfl); this file only feeds it
 * the sample. Also D's ustack() and SystemTap's print_ubacktrace family at a probe's hit, from the
 * same copy taken by the capture (capture_extra.bpf.h), through uw_stack. Part of the ELF room.
 * x86-64 only (uw_supported() says so).
 */
#ifndef PYSCOPE_UNWIND_H
#define PYSCOPE_UNWIND_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct uw;
/* Whether this build can unwind (x86-64). */
bool uw_supported(void);
/* PID's objects as mapped now (their CFI is read lazily, then kept); NULL when they cannot be. */
struct uw *uw_open(pid_t pid);
void uw_close(struct uw *u);
/* IP's function and object (basename; "[vdso]") as libdwfl knows them, for what nsym cannot name
 * (the vDSO is in no file); strings owned by U. False when IP is in no object U knows. */
bool uw_name(struct uw *u, uint64_t ip, const char **func, const char **module);
/* Thread TID's native stack: REGS are its user registers in the kernel's struct pt_regs order
 * (PYSTACK_UREGS words, pystack_rec.h), STACK the LEN bytes of its stack from REGS' stack pointer
 * up. Fills IPS, innermost first (callers' return addresses minus one, so that each names the
 * call), with at most MAX entries; returns their count. *COMPLETE: the unwind ended where the CFI
 * says the stack ends (the thread's start), not on an error, a missing CFI or the copy's end. */
int uw_unwind(struct uw *u, pid_t tid, const uint64_t *regs, const void *stack, size_t len,
	      uint64_t *ips, int max, bool *complete);

/* The unwinders of every process one consumer sees (the capture's), one Dwfl per process, kept
 * for UW_PROCS_MAX processes (the least recently used goes); one that stops early is opened again
 * at most once a second (a library mapped since, an exec). */
#define UW_PROCS_MAX 32
struct uw_procs;
struct uw_procs *uw_procs_new(void);
void uw_procs_free(struct uw_procs *c);
/* The native stack of thread TID of process PID at a hit: REGS, STACK and LEN as for uw_unwind,
 * FP the NFP addresses the frame pointers gave (the kernel's user stack; leaf first). Fills IPS
 * (at most MAX) as the kernel's stack reads, innermost first: the thread's pc, then return
 * addresses. The CFI's unwind, unless it stops early and FP goes further; *CFI says which it was.
 * Returns the count. */
int uw_stack(struct uw_procs *c, pid_t pid, pid_t tid, const uint64_t *regs, const void *stack,
	     size_t len, const uint64_t *fp, int nfp, uint64_t *ips, int max, bool *cfi);
#endif
