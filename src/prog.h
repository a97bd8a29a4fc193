/*
 * prog.h — the one program representation every script dialect compiles to, and the runtime
 * (rt.c) executes. A program is a list of clauses in source order; each clause has the probe
 * descriptions it fires on, an optional predicate and a list of statements. Expressions and
 * statements are typed trees (int64 or string) whose types were checked by the front-end, so the
 * runtime never needs to know which dialect wrote them: D's `self->x` and SystemTap's per-thread
 * globals are both PG_SC_THREAD variables, D's `copyinstr` and SystemTap's `user_string` are both
 * PG_F_COPYSTR, and so on.
 *
 * Ownership: everything a program points to (nodes, names, string constants, compiled formats)
 * belongs to the program and is freed by pg_free.
 */
#ifndef PYSCOPE_PROG_H
#define PYSCOPE_PROG_H
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>
#include "value.h"
#include "event.h"
#include "fmt.h"
#include "agg.h"
#include "arena.h"

#define PG_MAX_KEYS 8            /* keys of an associative array or aggregation */
#define PG_MAX_CALL_ARGS 16      /* arguments of a call after printf's format */

/* Expression and statement kinds. */
enum pg_kind {
	PG_E_INT,                /* i */
	PG_E_STR,                /* s */
	PG_E_VAR,                /* variable op; kids: keys (associative arrays) */
	PG_E_BUILTIN,            /* built-in variable op (enum pg_builtin) */
	PG_E_ARG,                /* probe argument number i, as an integer */
	PG_E_CALL,               /* function op (enum pg_func); kids: arguments */
	PG_E_UNARY,              /* op (enum pg_op) applied to kids[0] */
	PG_E_BINARY,             /* kids[0] op kids[1]; && || ^^ short-circuit */
	PG_E_COND,               /* kids[0] ? kids[1] : kids[2] */
	PG_E_ASSIGN,             /* kids[0] (a PG_E_VAR) = kids[1]; op: 0 or the compound operator */
	PG_E_INCDEC,             /* kids[0] (a PG_E_VAR) += i (+1/-1); op: 1 prefix, 0 postfix */

	PG_S_EXPR,               /* kids[0], value discarded */
	PG_S_PRINTF,             /* fmt; kids: arguments */
	PG_S_PRINTA,             /* aggregation op; fmt or NULL for the default layout */
	PG_S_TRACE,              /* kids[0] */
	PG_S_EXIT,               /* kids[0]: the exit status */
	PG_S_AGG,                /* aggregation op; kids: keys (i of them... see nkeys), then the
				  * function's value argument and increment, when it has them */
	PG_S_CLEAR,              /* aggregation op */
	PG_S_TRUNC,              /* aggregation op; kids[0] (optional): how many to keep */
	PG_S_NORMALIZE,          /* aggregation op; kids[0]: the divisor */
	PG_S_IF,                 /* kids[0] condition, kids[1] then-block, kids[2] else-block or NULL */
	PG_S_BLOCK,              /* kids: statements */
};

/* Operators; the runtime evaluates them from one table. */
enum pg_op {
	PG_OP_NONE,
	PG_OP_ADD, PG_OP_SUB, PG_OP_MUL, PG_OP_DIV, PG_OP_MOD,
	PG_OP_BAND, PG_OP_BOR, PG_OP_BXOR, PG_OP_SHL, PG_OP_SHR,
	PG_OP_EQ, PG_OP_NE, PG_OP_LT, PG_OP_LE, PG_OP_GT, PG_OP_GE,
	PG_OP_LAND, PG_OP_LOR, PG_OP_LXOR,
	PG_OP_NOT, PG_OP_BNOT, PG_OP_NEG, PG_OP_PLUS,
	PG_OP_SEXT, PG_OP_ZEXT,  /* casts to a narrower integer: keep the low i bytes, then extend
				  * the sign (signed types) or zeros (unsigned ones) */
	PG_OP_COUNT,
};

/* Built-in variables (values of the event being processed). */
enum pg_builtin {
	PG_B_TIMESTAMP,          /* event time, monotonic ns */
	PG_B_VTIMESTAMP,         /* approximated as PG_B_TIMESTAMP (no per-thread CPU clock) */
	PG_B_WALLTIMESTAMP,      /* event time as ns since the epoch */
	PG_B_PID, PG_B_PPID, PG_B_TID, PG_B_CPU,
	PG_B_EXECNAME,           /* the thread's comm */
	PG_B_PROBEPROV,          /* provider, as the probe list shows it ("python1234") */
	PG_B_PROBEMOD,           /* object basename */
	PG_B_PROBEFUNC,          /* enclosing function */
	PG_B_PROBENAME,          /* name with "__" shown as "-" ("function-entry"); BEGIN, END, tick-1s */
	PG_B_PROBENAME_RAW,      /* name as the note spells it ("function__entry") */
	PG_B_PROBEID,            /* the probe's id */
	PG_B_TARGET,             /* pid of the -c command or the first -p process, 0 if none */
	PG_B_ERRNO,              /* p-sys: a syscall return probe's errno (ps_event.err), else 0 */
	PG_B_COUNT,
};

/* Functions (all pure except for faults). Signatures: pg_funcs[]. */
enum pg_func {
	PG_F_COPYSTR,            /* (addr[, n]) the string at addr, as copied at the hit */
	PG_F_STRINGOF,           /* (value) a string as a string; an integer as decimal */
	PG_F_BASENAME, PG_F_DIRNAME,
	PG_F_STRLEN,             /* (s) */
	PG_F_STRJOIN,            /* (a, b) */
	PG_F_SUBSTR,             /* (s, index[, length]); negative index counts from the end */
	PG_F_STRSTR,             /* (s, t) the part of s from t's first occurrence, "" if none */
	PG_F_INDEX,              /* (s, t[, start]) offset of t in s, -1 if none */
	PG_F_RINDEX,             /* (s, t) offset of t's last occurrence, -1 if none */
	PG_F_LLTOSTR,            /* (n[, base]) */
	PG_F_TOUPPER, PG_F_TOLOWER,
	PG_F_COUNT,
};

struct pg_funcsig {
	const char *name;        /* for messages; front-ends map their own names to enum pg_func */
	int minargs, maxargs;
	enum ps_vtype ret;
	enum ps_vtype args[3];   /* type of each argument */
};
extern const struct pg_funcsig pg_funcs[PG_F_COUNT];

/* Variable scopes. */
enum pg_scope {
	PG_SC_GLOBAL,            /* one per program (or one per key tuple) */
	PG_SC_THREAD,            /* one per thread (D's self->) */
	PG_SC_CLAUSE,            /* zeroed for every event (D's this->) */
};

struct pg_var {
	const char *name;        /* as the front-end spells it, for messages */
	enum pg_scope scope;
	enum ps_vtype type;      /* PS_V_NONE until declared or first assigned */
	int nkeys;               /* > 0: an associative array */
	enum ps_vtype keys[PG_MAX_KEYS];
	int isize;               /* an integer variable's bytes (as pg_node.isize); a value stored in
				  * a narrower variable is cut to it, as C's assignment does */
	bool is_unsigned;        /* ... and then zero-extended rather than sign-extended */
	bool keep_zero;          /* storing 0 or "" keeps the element (else it is deleted, as in D) */
};

struct pg_aggdef {
	const char *name;        /* without '@'; "" for the anonymous aggregation */
	enum agg_fn fn;
	int nkeys;
	enum ps_vtype keys[PG_MAX_KEYS];
	int keysize[PG_MAX_KEYS];    /* integer keys' bytes (as pg_node.isize) */
	int64_t params[3];       /* lquantize: low, high, step */
	int nparams;
	bool defined;            /* fn, keys and params set by a first use */
};

struct pg_node {
	enum pg_kind kind;
	enum ps_vtype type;      /* type of the expression's value (PS_V_NONE for statements) */
	int op;
	int64_t i;
	const char *s;
	struct fmt *fmt;
	int nkids;
	struct pg_node **kids;
	int nkeys;               /* PG_S_AGG: how many of kids are keys */
	int isize;               /* an integer's bytes in the dialect's type system (1, 2, 4, 8;
				  * 0: 8): how wide an aggregation key prints (agg_set_keysize) */
	int line, col;           /* where it was written */
};

/* Probe description. */
enum pg_pdkind {
	PG_PD_MARKER,            /* a marker probe, matched by globs */
	PG_PD_BEGIN, PG_PD_END,
	PG_PD_TICK,              /* every period ns, on one CPU */
};

struct pg_pdesc {
	enum pg_pdkind kind;
	const char *text;        /* as written, for messages */
	const char *provider;    /* glob ("python", "py*"); "" matches any */
	int pid;                 /* 0: any process; > 0: that one; PG_PID_TARGET: $target */
	const char *module, *function, *name;   /* globs; "" matches any */
	uint64_t period;         /* PG_PD_TICK */
	int line, col;
};
#define PG_PID_TARGET (-1)

struct pg_clause {
	int npdescs;
	struct pg_pdesc *pdescs;
	struct pg_node *pred;    /* NULL: always */
	int nstmts;
	struct pg_node **stmts;
	uint32_t strargs;        /* arguments the clause reads as strings (bit i: argument i) */
	bool strargs_any;        /* it reads strings through a pointer not known at compile time */
};


struct pg_prog {
	int nclauses;
	struct pg_clause *clauses;
	int nvars;
	struct pg_var *vars;
	int naggs;
	struct pg_aggdef *aggs;
	/* options the script set (#pragma D option ...): -1 when not set */
	int quiet;
	int strsize;
	int64_t aggsize, dynvarsize;   /* bytes (pg_parse_size) */
	int nfmts;
	struct fmt **fmts;       /* compiled formats, freed with the program */
	struct arena mem;        /* the program's allocations */
};

struct pg_prog *pg_new(void);
void pg_free(struct pg_prog *p);
/* Allocation owned by the program (zeroed); aborts on memory exhaustion like the rest of compile. */
void *pg_alloc(struct pg_prog *p, size_t n);
char *pg_strdup(struct pg_prog *p, const char *s);
char *pg_strndup(struct pg_prog *p, const char *s, size_t n);
struct pg_node *pg_node(struct pg_prog *p, enum pg_kind kind, enum ps_vtype type, int nkids);
/* The program takes F (a compiled format) and frees it with itself. */
void pg_own_fmt(struct pg_prog *p, struct fmt *f);
/* Add a clause, variable or aggregation; returns its index. */
int pg_add_clause(struct pg_prog *p);
int pg_add_var(struct pg_prog *p, const char *name, enum pg_scope scope);
int pg_find_var(const struct pg_prog *p, const char *name, enum pg_scope scope);
int pg_add_agg(struct pg_prog *p, const char *name);
int pg_find_agg(const struct pg_prog *p, const char *name);

/* Probe matching, the same for every dialect: PROVIDER matches "python" or "python1234", MODULE
 * the object's basename, FUNCTION the enclosing symbol, NAME either spelling ("function-entry",
 * "function__entry"); globs are ps_name_match's (event.h). TARGET resolves PG_PID_TARGET. */
bool pg_pdesc_match(const struct pg_pdesc *d, const struct ps_probe *p, int target);
/* A size as DTrace's options take it ("4m": a number with an optional k, m, g or t suffix, in
 * either case, for KiB..TiB) into *OUT: 0, or -EINVAL when malformed, below 1 or past
 * PG_MAX_SIZE. */
#define PG_MAX_SIZE (1ll << 40)
int pg_parse_size(const char *s, int64_t *out);
/* Operator spelling for messages ("+", "&&"). */
const char *pg_op_name(int op);
#endif
