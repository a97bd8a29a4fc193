/*
 * bind.h — the shared passes over a compiled program (prog.h) that every dialect's front-end
 * gets for free, run before anything is attached:
 *   bind_probes   which probes each clause fires on: its probe descriptions matched against the
 *                 probes that exist (markers by pg_pdesc_match; BEGIN, END and ticks as they
 *                 are), each (clause, probe) pair numbered clause by clause, probe by probe
 *                 (DTrace's enabled probe IDs; any dialect may show or ignore them)
 *   bind_strargs  which arguments of a probe the capture must copy as strings for a clause: a
 *                 copy-string call (D's copyinstr, SystemTap's user_string*) on argument N asks
 *                 for N, one on any other address asks for every argument; user functions the
 *                 clause calls are followed
 *   bind_capture  bind_strargs and the rest the kernel reads at a hit (memory, stacks, vtimestamp)
 *   bind_unread_globals  which globals SystemTap prints at the end (written, never read)
 * The runtime (rt_new) consumes both; the capture enables what rt_enabled then lists.
 */
#ifndef PYSCOPE_BIND_H
#define PYSCOPE_BIND_H
#include <stdbool.h>
#include <stdint.h>
#include "prog.h"
#include "event.h"

#define BIND_MAX_PIDS 4          /* processes one enabling filters on; past it: any process */

/* One (clause, probe) pair. */
struct bind_enabling {
	int clause;
	int pdesc;               /* the clause's first description that matched */
	enum pg_pdkind kind;     /* PG_PD_MARKER: probe is set; else BEGIN, END or a tick */
	int probe;               /* index in the probes given (markers), -1 otherwise */
	int epid;                /* 1-based, in the order above */
	/* The processes the matching descriptions name (python1234:::) when the probe itself is
	 * system-wide: other processes' hits are skipped. npids 0: any process. */
	int npids;
	int pids[BIND_MAX_PIDS];
};

struct bind {
	int n;
	struct bind_enabling *en;    /* in epid order */
	int *nmatched;               /* per clause: its enablings */
};

/* Match P's clauses against PROBES; TARGET resolves $target / process.mark. 0 or -ENOMEM. */
int bind_probes(const struct pg_prog *p, const struct ps_probe *const *probes, int nprobes,
		int target, struct bind *out);
void bind_free(struct bind *b);

/* The arguments (bit i: argument i) clause CI reads as strings, for a probe with NARGS arguments
 * (0: unknown, PS_MAX_ARGS assumed). */
/* Bit BIND_PYSTACK of the mask: the clause wants the thread's Python stack (jstack(),
 * pybacktrace()); it is capture.h's CAP_STRARGS_PYSTACK. */
#define BIND_PYSTACK (1u << 31)
uint32_t bind_strargs(const struct pg_prog *p, int ci, int nargs);

/* What clause CI asks the kernel to read at the hits of a probe with NARGS arguments, merged into
 * *IO: strings as bind_strargs finds them, memory at the addresses of D's copyin, SystemTap's
 * user_long & co. and copy-string calls on computed addresses (kernel-computable ones: an
 * argument, a constant, an 8-byte read of one, plus or minus constants), the native stack
 * (ustack, ucaller, *ubacktrace), vtimestamp. 0; -EINVAL or -E2BIG with the call and a one-line
 * reason in *ERR ("copyin() reads ..."): an address the kernel cannot compute, more reads than
 * PS_MEM_MAX; -ENOMEM. */
struct bind_err {
	int err;
	int line, col;
	const char *file;        /* the node's (NULL: the script) */
	char msg[256];
};
int bind_capture(const struct pg_prog *p, int ci, int nargs, struct ps_capture *io,
		 struct bind_err *err);
/* Whether the kernel can compute ADDR at the hit (a front-end checks its memory reads with it,
 * to refuse at the call's line and column). */
bool bind_addr_known(const struct pg_node *addr);

/* SystemTap's rule for its end-of-run print-out: mark dump_at_end on every global that is
 * written (assigned, incremented, <<<'d, deleted, or given an initial value) and never read
 * (as a value, by `in`, @count & co., @hist_*, or foreach), and declared in the script itself
 * (pg_var.file NULL: a tapset's globals are never printed, as in stap). 0 or -ENOMEM. */
int bind_unread_globals(struct pg_prog *p);
#endif
