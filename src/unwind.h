/*
 * unwind.h — native stacks of a sampled thread from a copy of its user registers and of the top of
 * its user stack, unwound in user space with the call frame information (.eh_frame, .debug_frame)
 * of the objects the process maps, as perf --call-graph dwarf does: what `pyscope profile
 * --native` uses when the interpreter has no frame pointers (the kernel's user stack then stops
 * after a frame or two). The CFI interpreter is elfutils' libdw (libdwfl); this file only feeds it
 * the sample. Part of the ELF room. x86-64 only (uw_supported() says so).
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
#endif
