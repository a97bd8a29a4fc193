/*
 * unwind.c — native stacks from a sample's registers and stack copy, unwound with the objects'
 * CFI by elfutils' libdwfl, the way perf's util/unwind-libdw.c does it. One Dwfl per process: its
 * modules are reported from /proc/PID/maps once, and the CFI libdw reads from each object is kept
 * across samples. The Dwfl is attached with callbacks that read "the current sample": its one
 * thread's initial registers are the sample's, and memory reads are served from the stack copy
 * only (an address outside it ends the unwind there; the live process is never read, as its
 * stack has moved on since the sample).
 */
#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "unwind.h"

#define UW_DWARF_NREGS 17         /* x86-64 DWARF registers 0-16 (16: the return address, rip) */

/* DWARF register N of x86-64 is pt_regs word uw_from_pt[N]: rax rdx rcx rbx rsi rdi rbp rsp
 * r8-r15 rip (the kernel's struct pt_regs: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di
 * orig_ax ip cs flags sp ss). */
static const unsigned char uw_from_pt[UW_DWARF_NREGS] = {
	10, 12, 11, 5, 13, 14, 4, 19, 9, 8, 7, 6, 3, 2, 1, 0, 16,
};

struct uw {
	Dwfl *dwfl;
	pid_t pid;
	bool attached;
	/* the sample being unwound */
	pid_t tid;
	const uint64_t *regs;
	const unsigned char *stack;
	uint64_t sp;
	size_t len;
	uint64_t *ips;
	int n, max;
	bool raw;                     /* ips as the frames hold them: return addresses, not minus one */
	bool outside;                 /* a read outside the copy was asked for (and failed) */
};

bool uw_supported(void)
{
#if defined(__x86_64__)
	return true;
#else
	return false;
#endif
}

static pid_t uw_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl;
	struct uw *u = arg;
	if (*thread_argp)
		return 0;
	*thread_argp = u;
	return u->tid;
}

static bool uw_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	(void)dwfl; (void)tid;
	*thread_argp = arg;
	return true;
}

static bool uw_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	(void)dwfl;
	struct uw *u = arg;
	if (addr < u->sp || addr - u->sp > u->len || u->len - (addr - u->sp) < sizeof(*result)) {
		u->outside = true;
		return false;
	}
	memcpy(result, u->stack + (addr - u->sp), sizeof(*result));
	return true;
}

static bool uw_set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	struct uw *u = thread_arg;
	Dwarf_Word dw[UW_DWARF_NREGS];
	for (int i = 0; i < UW_DWARF_NREGS; i++)
		dw[i] = u->regs[uw_from_pt[i]];
	if (!dwfl_thread_state_registers(thread, 0, UW_DWARF_NREGS, dw))
		return false;
	dwfl_thread_state_register_pc(thread, dw[16]);
	return true;
}

static const Dwfl_Thread_Callbacks uw_thread_cbs = {
	.next_thread = uw_next_thread,
	.get_thread = uw_get_thread,
	.memory_read = uw_memory_read,
	.set_initial_registers = uw_set_initial_registers,
};

static char *uw_debuginfo_path;
static const Dwfl_Callbacks uw_cbs = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &uw_debuginfo_path,
};

struct uw *uw_open(pid_t pid)
{
	if (!uw_supported())
		return NULL;
	struct uw *u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->pid = pid;
	u->dwfl = dwfl_begin(&uw_cbs);
	if (!u->dwfl)
		goto fail;
	dwfl_report_begin(u->dwfl);
	if (dwfl_linux_proc_report(u->dwfl, pid) != 0)
		goto fail;
	if (dwfl_report_end(u->dwfl, NULL, NULL) != 0)
		goto fail;
	if (!dwfl_attach_state(u->dwfl, NULL, pid, &uw_thread_cbs, u))
		goto fail;
	return u;
fail:
	uw_close(u);
	return NULL;
}

void uw_close(struct uw *u)
{
	if (!u)
		return;
	if (u->dwfl)
		dwfl_end(u->dwfl);
	free(u);
}

bool uw_name(struct uw *u, uint64_t ip, const char **func, const char **module)
{
	*func = *module = NULL;
	Dwfl_Module *m = u ? dwfl_addrmodule(u->dwfl, ip) : NULL;
	if (!m)
		return false;
	const char *name = dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	if (!name)
		return false;
	const char *slash = strrchr(name, '/');
	*module = strncmp(name, "[vdso", 5) == 0 ? "[vdso]" : slash ? slash + 1 : name;
	*func = dwfl_module_addrname(m, ip);
	return *func != NULL;
}

static int uw_frame(Dwfl_Frame *state, void *arg)
{
	struct uw *u = arg;
	Dwarf_Addr pc;
	bool activation;
	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	if (!pc)
		return DWARF_CB_ABORT;
	u->ips[u->n++] = activation || u->raw ? pc : pc - 1;
	return u->n < u->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

static int unwind(struct uw *u, pid_t tid, const uint64_t *regs, const void *stack, size_t len,
		  uint64_t *ips, int max, bool raw, bool *complete)
{
	*complete = false;
	if (!u || max <= 0)
		return 0;
	u->tid = tid;
	u->regs = regs;
	u->stack = stack;
	u->len = len;
	u->sp = regs[19];
	u->ips = ips;
	u->n = 0;
	u->max = max;
	u->raw = raw;
	u->outside = false;
	int rc = dwfl_getthread_frames(u->dwfl, tid, uw_frame, u);
	/* 0: no frame had an error; but libdw ends quietly, too, on a return address it could not
	 * read: complete only when the CFI said where the stack ends (undefined return address)
	 * without a read past the copy */
	*complete = rc == 0 && !u->outside && u->n > 0 && u->n < max;
	u->regs = NULL;
	u->stack = NULL;
	return u->n;
}

int uw_unwind(struct uw *u, pid_t tid, const uint64_t *regs, const void *stack, size_t len,
	      uint64_t *ips, int max, bool *complete)
{
	return unwind(u, tid, regs, stack, len, ips, max, false, complete);
}

/* ---- the unwinders of many processes ---- */

struct uw_proc {
	pid_t pid;
	struct uw *u;
	double opened, used;
};

struct uw_procs {
	int n;
	struct uw_proc p[UW_PROCS_MAX];
};

static double uw_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct uw_procs *uw_procs_new(void)
{
	return calloc(1, sizeof(struct uw_procs));
}

void uw_procs_free(struct uw_procs *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n; i++)
		uw_close(c->p[i].u);
	free(c);
}

/* PID's entry: found, or made (the least recently used one closed when all are taken); its
 * unwinder opened again when REOPEN and the last opening is a second old. */
static struct uw_proc *uw_proc_get(struct uw_procs *c, pid_t pid, double now, bool reopen)
{
	struct uw_proc *e = NULL;
	for (int i = 0; i < c->n && !e; i++)
		if (c->p[i].pid == pid)
			e = &c->p[i];
	if (e && (!reopen || now - e->opened < 1.0))
		return e;
	if (!e && c->n < UW_PROCS_MAX)
		e = &c->p[c->n++];
	else if (!e) {
		e = &c->p[0];
		for (int i = 1; i < c->n; i++)
			if (c->p[i].used < e->used)
				e = &c->p[i];
	}
	uw_close(e->u);
	*e = (struct uw_proc){ .pid = pid, .u = uw_open(pid), .opened = now, .used = now };
	return e;
}

int uw_stack(struct uw_procs *c, pid_t pid, pid_t tid, const uint64_t *regs, const void *stack,
	     size_t len, const uint64_t *fp, int nfp, uint64_t *ips, int max, bool *cfi)
{
	int n = 0;
	bool complete = false;
	*cfi = false;
	if (max <= 0)
		return 0;
	if (c) {
		double now = uw_now();
		struct uw_proc *e = uw_proc_get(c, pid, now, false);
		n = unwind(e->u, tid, regs, stack, len, ips, max, true, &complete);
		if (!complete && now - e->opened >= 1.0) {   /* a library mapped since? an exec? */
			e = uw_proc_get(c, pid, now, true);
			n = unwind(e->u, tid, regs, stack, len, ips, max, true, &complete);
		}
		e->used = now;
	}
	if (nfp > max)
		nfp = max;
	if (complete || n >= nfp) {   /* (both cut at MAX: the CFI's, frame pointers may be wrong) */
		*cfi = n > 0;
		return n;
	}
	n = nfp;
	memcpy(ips, fp, (size_t)n * sizeof(*ips));
	return n;
}
