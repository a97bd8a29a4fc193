/*
 * rt.h — the script runtime: runs a compiled program (prog.h) on marker events and prints what it
 * says to print. It knows nothing of the dialect that wrote the program, nor of where the events
 * come from (live capture or a replayed stream): the caller drives it —
 *   rt_new      match the program's probe descriptions against the probes that exist, and say
 *               which probes to enable and which of their arguments to copy as strings (rt_enabled)
 *   rt_begin    BEGIN clauses
 *   rt_event    one marker hit (also usable as a ps_sink through rt_sink)
 *   rt_tick     tick-N clauses that are due at a time (rt_next_tick says when the next one is)
 *   rt_end      END clauses, then every aggregation not yet printed
 * Faults in a clause (an address that was not copied as a string, a division by zero) abort that
 * clause; they are counted and handed to the caller's reporter (rt_opts.on_fault), which words
 * them in its dialect's terms. What else differs between dialects is data, not code: struct
 * rt_dialect (a fault ends the clause or the whole run, storing 0 deletes or keeps, the faulting
 * clause's output dropped or kept, SystemTap's end-of-run print-out of unread globals) and the
 * default-output callbacks below. Which probes a clause fires on, and which arguments are
 * copied, come from the shared passes in bind.h.
 */
#ifndef PYSCOPE_RT_H
#define PYSCOPE_RT_H
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>
#include "prog.h"
#include "event.h"

/* What went wrong, for a dialect to word it (SystemTap: "division by 0", "MAXNESTING
 * exceeded", "Array overflow, check MAXMAPENTRIES", ...). */
enum rt_fault_kind {
	RT_FAULT_ADDR,           /* a string address that was not copied at the hit */
	RT_FAULT_DIV0,           /* division or modulo by 0; node: the PG_E_BINARY / PG_E_ASSIGN */
	RT_FAULT_ILLOP,          /* illegal operation (lltostr base, normalize by <= 0) */
	RT_FAULT_NESTING,        /* a user call past maxnesting; node: the PG_E_UCALL */
	RT_FAULT_OVERFLOW,       /* a new element past the array's maxentries; node: the PG_E_VAR */
	RT_FAULT_EMPTY,          /* @avg/@min/@max/@variance/@hist of an empty statistic */
	RT_FAULT_MAXACTION,      /* more than maxaction statements in one handler */
	RT_FAULT_USER,           /* error(msg): what is the message */
	RT_FAULT_STRINGAT,       /* stringat past the end */
	RT_FAULT_LIBERR,         /* reported, and the clause goes on (D's setopt( ) failures):
				  * what is the whole message, with its "\n" */
};

/* A runtime fault, for the front-end to report in its dialect's words. */
struct rt_fault {
	enum rt_fault_kind kind;
	const struct pg_node *node;  /* the expression or statement that faulted (NULL: unknown) */
	const char *what;        /* "invalid address (0x17)", "divide-by-zero", "illegal operation" */
	const struct ps_probe *probe;
	int clause;              /* index in the program */
	int epid;                /* the (clause, probe) pair's number, DTrace's enabled probe ID */
	int action;              /* 1-based statement of the clause; 0: the predicate */
	int line, col;           /* where that statement (or predicate) was written */
};

/* What a dialect decides beyond its words (fault and default-output callbacks are in rt_opts).
 * NULL in rt_opts: DTrace's rules (all false). */
struct rt_dialect {
	bool keep_zero;          /* storing 0 / "" keeps an element (SystemTap); D deletes it */
	bool null_strings;       /* dtrace(1)'s NULL string: an unset self-> or array string, a
				  * string variable given 0/NULL, strstr's or strtok's "none" are
				  * NULL; it compares equal to "", and printing it or passing it
				  * to a string function or as a key faults ("invalid address
				  * (0x0)"). Off: all of those are "" (SystemTap). */
	bool fault_ends_run;     /* a fault ends the run (SystemTap's MAXERRORS 0): rt_* return
				  * exited, status 1; END clauses still run from rt_end
				  * unless error_skips_end */
	bool fault_keeps_output; /* what the faulting handler printed before the fault stays
				  * (SystemTap); D drops the clause's output */
	bool dump_globals;       /* at the end, print globals with dump_at_end, stap's way */
	bool error_skips_end;    /* SystemTap: after a fatal fault rt_end runs the PG_PD_ERROR
				  * clauses and skips the end clauses and the globals' dump
				  * (stap's STAP_SESSION_ERROR state); D runs END clauses */
	const char *begin_provider, *begin_name, *end_name;   /* the BEGIN/END probes' names for
				  * probeprov/probename (NULL: "dtrace", "BEGIN", "END") */
};

/* SystemTap's limits, named as stap names them (-D NAME=VALUE changes them). */
#define RT_MAXMAPENTRIES_DEFAULT 2048
#define RT_MAXNESTING_DEFAULT 10
#define RT_MAXACTION_DEFAULT 1000

struct rt_opts {
	const struct rt_dialect *dialect;   /* NULL: D's */
	int64_t maxmapentries;   /* elements of a global array without [N] (0: no bound, D) */
	int maxnesting;          /* user calls deep (0: RT_MAXNESTING_DEFAULT) */
	int64_t maxaction;       /* statements run per handler (0: no bound, D); begin and end
				  * handlers get ten times as many (stap's MAXACTION_INTERRUPTIBLE) */
	FILE *out;               /* where printf and friends write (stdout, or -o FILE) */
	/* The dialect's default output, all NULL for none (D's -q): RECORD_BEGIN and RECORD_END
	 * around the output of each clause that records something (D: the "CPU ID FUNCTION:NAME"
	 * line), TRACE to print a trace()d value (default: "%lld" or "%s"); ISIZE is an integer's
	 * width in its dialect's types (pg_node.isize: 1, 2, 4 or 8). */
	void (*record_begin)(FILE *out, const struct ps_event *ev, void *ctx);
	void (*record_end)(FILE *out, void *ctx);
	void (*trace)(FILE *out, struct ps_value v, int isize, void *ctx);
	void *output_ctx;
	bool record_begin_quiet; /* RECORD_BEGIN is called under quiet too (D's flowindent: dtrace
				  * prints its probe column even with -q; RECORD_END is not) */
	/* switch_file() (SystemTap): close the output and open the next; returns the new one, or
	 * NULL to keep writing where it writes (no -o file, or the next could not be opened). */
	FILE *(*switch_file)(void *ctx);
	void *switch_ctx;
	int strsize;             /* bytes kept of a string, NUL included (0: PS_STRSIZE_DEFAULT) */
	int jstackframes;        /* D's options: frames jstack() prints (0: RT_JSTACKFRAMES) */
	int jstackstrsize;       /* bytes of one jstack() frame's text (0: RT_JSTACKSTRSIZE) */
	int target;              /* $target: pid of the -c command or first -p process; 0 if none */
	/* Report a fault (the clause is then abandoned); NULL: a plain "pyscope: ..." line. */
	void (*on_fault)(const struct rt_fault *f, void *ctx);
	void *fault_ctx;
	bool final_aggs;         /* print the aggregations printa() did not print at the end (D) */
	bool replay;             /* events are recorded: processes are not asked (ppid is 0) */
	bool quiet;              /* D's quiet: record_begin/end and trace are not called (setopt
				  * may change it while running) */
	/* Memory bounds in bytes, as D's options (0: the script's #pragma, else the default):
	 * AGGSIZE for the entries of all aggregations, DYNVARSIZE for thread-local variables and
	 * associative-array elements. A new entry past the bound is not made (a drop). */
	int64_t aggsize, dynvarsize;
	/* Report drops since the last report, in the dialect's words (NULL: a "pyscope: ..."
	 * line); called with fault_ctx by rt_report_drops. */
	void (*on_drops)(uint64_t aggdrops, uint64_t dynvar_drops, void *ctx);
	/* Aggregation in the kernel (kagg.c): called before anything reads or changes an
	 * aggregation (printa, clear, trunc, normalize, the end of the run), to fold in what the
	 * kernel counted since the last call. NULL: nothing is aggregated elsewhere. */
	void (*sync_aggs)(void *ctx);
	void *sync_ctx;
	/* When non-NULL and set (by a signal handler), rt_tick fires nothing more and returns. */
	const volatile sig_atomic_t *stop;
};

/* DTrace's defaults for the jstackframes and jstackstrsize options. */
#define RT_JSTACKFRAMES 50
#define RT_JSTACKSTRSIZE 512

/* DTrace's defaults for aggsize and dynvarsize. pyscope charges the bytes it really holds per
 * entry (some 150-250 for a count() keyed by two strings), so these bound memory to a few MB:
 * tens of thousands of aggregation keys, thousands of dynamic variables. */
#define RT_AGGSIZE_DEFAULT (4ll << 20)
#define RT_DYNVARSIZE_DEFAULT (1ll << 20)

struct rt;

/* Match P against PROBES (NPROBES of them). P must outlive the runtime. */
int rt_new(const struct pg_prog *p, const struct ps_probe *const *probes, int nprobes,
	   const struct rt_opts *o, struct rt **out);
void rt_free(struct rt *r);

/* The I-th marker probe that at least one clause fires on (NULL past the last), with the
 * arguments its clauses read as strings. */
const struct ps_probe *rt_enabled(const struct rt *r, int i, uint32_t *strargs);
/* Everything the I-th probe's clauses ask the kernel to read at its hits (strings, memory, the
 * native stack, vtimestamp: the capture pass bind_capture), for cap_want. NULL past the last. */
const struct ps_capture *rt_capture(const struct rt *r, int i);
/* How many (clause, probe) pairs clauses FROM..TO-1 enabled, BEGIN/END/tick included (DTrace's
 * "matched N probes"). */
int rt_nmatched(const struct rt *r, int from, int to);

/* Each returns non-zero once the program has called exit() (nothing more should be fed but
 * rt_end). NOW is CLOCK_MONOTONIC ns. */
int rt_begin(struct rt *r, uint64_t now);
int rt_event(struct rt *r, const struct ps_event *ev);
/* rt_tick fires each tick at most RT_MAX_TICK_BURST (1000) times per call, then skips ahead to
 * its first firing after NOW: it never loops long, whatever the gap or the rate. */
int rt_tick(struct rt *r, uint64_t now);
/* When the next tick-N clause is due (0: none; a tick whose next firing is past the 64-bit
 * clock never fires). */
uint64_t rt_next_tick(const struct rt *r);
/* rt_end reports drops (see rt_opts.on_drops) before it prints the aggregations; a live loop
 * may report them as they happen with rt_report_drops. */
int rt_end(struct rt *r, uint64_t now);
void rt_report_drops(struct rt *r);

/* Aggregation in the kernel. rt_kernel_clause: clause CI runs in the kernel as kernel clause
 * KC (kagg_rec.h) when OK accepts every probe it is enabled on; returns 0, or -1 (it stays
 * here). rt_event then runs it only for an event whose kmiss has bit KC. rt_kernel_mask: the
 * kernel clauses of the I-th enabled probe (rt_enabled), *USER whether other clauses run on it.
 * rt_agg: the aggregation with index I of the program. */
int rt_kernel_clause(struct rt *r, int ci, int kc, bool (*ok)(const struct ps_probe *p, void *ctx),
		     void *ctx);
uint32_t rt_kernel_mask(const struct rt *r, int i, bool *user);
struct agg *rt_agg(const struct rt *r, int i);
/* SystemTap's statistic of global stat variable VAR with KEYS (NKEYS, the variable's), made
 * empty when new, and its histogram in *H: aggregation in the kernel folds into it. NULL when it
 * is not one, or a new element finds no room (its maxentries, dynvarsize): no fault is raised. */
struct agg_stat *rt_stat(struct rt *r, int var, const struct ps_value *keys, int nkeys,
			 const struct agg_histdef **h);

/* A sink whose on_event is rt_event. */
struct ps_sink rt_sink(struct rt *r);
/* The EPID (enabled probe: clause and probe) of the clause running now, for dtrace's flowindent. */
int rt_epid(const struct rt *r);
bool rt_exited(const struct rt *r);
int rt_status(const struct rt *r);          /* exit()'s argument, 0 if not called */
uint64_t rt_faults(const struct rt *r);
#endif
