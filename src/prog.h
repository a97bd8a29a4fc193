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
#define PG_MAX_PARAMS 16         /* parameters of a user function (SystemTap's functions) */

/* Expression and statement kinds. */
enum pg_kind {
	PG_E_INT,                /* i */
	PG_E_STR,                /* s; i 1: D's NULL string (0 or NULL given as a string) */
	PG_E_VAR,                /* variable op; kids: keys (associative arrays) */
	PG_E_BUILTIN,            /* built-in variable op (enum pg_builtin) */
	PG_E_ARG,                /* probe argument number i, as an integer */
	PG_E_CALL,               /* function op (enum pg_func); kids: arguments */
	PG_E_UNARY,              /* op (enum pg_op) applied to kids[0] */
	PG_E_BINARY,             /* kids[0] op kids[1]; && || ^^ short-circuit */
	PG_E_COND,               /* kids[0] ? kids[1] : kids[2] */
	PG_E_ASSIGN,             /* kids[0] (a PG_E_VAR) = kids[1]; op: 0 or the compound operator */
	PG_E_INCDEC,             /* kids[0] (a PG_E_VAR) += i (+1/-1); op: 1 prefix, 0 postfix */
	/* SystemTap's additions (stap-ir.md says how a front-end builds each) */
	PG_E_UCALL,              /* user function op (index in pg_prog.funcs); kids: arguments */
	PG_E_IN,                 /* 1 when kids[0] (a PG_E_VAR of an array, keys as its kids) has
				  * that element, else 0 */
	PG_E_STAT,               /* op (enum pg_statop) of the statistic kids[0] (a PG_E_VAR of a
				  * stat variable, keys as its kids): @count(x) etc. */
	PG_E_SPRINTF,            /* fmt; kids: arguments; the printed text as a string */
	PG_E_SPRINT,             /* as PG_S_PRINT, the text returned as a string (sprint, sprintln,
				  * sprintd, sprintdln) */

	PG_S_EXPR,               /* kids[0], value discarded */
	PG_S_PRINTF,             /* fmt; kids: arguments */
	PG_S_PRINTA,             /* aggregation op; fmt or NULL for the default layout; kids:
				  * further aggregations (PG_E_INT nodes, i their index) for
				  * printa with several (keys joined, a missing value prints 0) */
	PG_S_TRACE,              /* kids[0] */
	PG_S_EXIT,               /* kids[0]: the exit status */
	PG_S_AGG,                /* aggregation op; kids: keys (i of them... see nkeys), then the
				  * function's value argument and increment, when it has them */
	PG_S_CLEAR,              /* aggregation op */
	PG_S_TRUNC,              /* aggregation op; kids[0] (optional): how many to keep */
	PG_S_NORMALIZE,          /* aggregation op; kids[0]: the divisor (denormalize: 1) */
	PG_S_IF,                 /* kids[0] condition, kids[1] then-block, kids[2] else-block or NULL */
	PG_S_BLOCK,              /* kids: statements */
	/* SystemTap's additions */
	PG_S_WHILE,              /* kids[0] condition, kids[1] body */
	PG_S_FOR,                /* kids[0] init (a statement or NULL), kids[1] condition (NULL:
				  * true), kids[2] step (a statement or NULL), kids[3] body */
	PG_S_BREAK, PG_S_CONTINUE,   /* of the innermost while/for/foreach */
	PG_S_NEXT,               /* end the probe handler (also from inside a function) */
	PG_S_RETURN,             /* kids[0]: the value, or nkids 0 (a void function) */
	PG_S_DELETE,             /* kids[0]: a PG_E_VAR. An array with its keys: that element; an
				  * array with nkids 0: every element; a scalar: back to 0 / "" /
				  * an empty statistic */
	PG_S_FOREACH,            /* fe (struct pg_foreach) */
	PG_S_STATADD,            /* kids[0] (a PG_E_VAR of a stat variable) <<< kids[1] */
	PG_S_PRINT,              /* kids: values printed back to back (print, println, printd,
				  * printdln): op PG_PR_* flags, s the delimiter (printd) or NULL */
	PG_S_HIST,               /* print(@hist_log(x)) / print(@hist_linear(x, lo, hi, step)):
				  * op PG_HIST_LOG or PG_HIST_LINEAR, kids[0] a PG_E_VAR of a stat
				  * variable; the variable's statdef says the buckets */
};

/* PG_S_PRINT / PG_E_SPRINT flags. */
#define PG_PR_LN 1               /* a "\n" after the values (println, printdln) */

/* What PG_E_STAT reads of a statistic (SystemTap's @count, @sum ...). */
enum pg_statop {
	PG_ST_COUNT, PG_ST_SUM, PG_ST_MIN, PG_ST_MAX, PG_ST_AVG, PG_ST_VARIANCE,
};

enum pg_hist { PG_HIST_NONE, PG_HIST_LOG, PG_HIST_LINEAR };

/* A statistic variable's histogram (set by the front-end from the @hist_* uses; one kind per
 * variable, as the runtime keeps one set of buckets). */
struct pg_statdef {
	enum pg_hist hist;
	int64_t lo, hi, step;    /* PG_HIST_LINEAR */
};

/* foreach ([k1, k2] in arr sort limit N) body, or foreach (v = [k1, k2] in ...). */
enum pg_sort { PG_SORT_NONE, PG_SORT_ASC, PG_SORT_DESC };
struct pg_foreach {
	int arr;                 /* the array (a global with nkeys > 0, or a stat array) */
	int nkeys;               /* == the array's nkeys */
	int keyvars[PG_MAX_KEYS];/* the local (PG_SC_LOCAL) each key is bound to */
	int valvar;              /* the local the value is bound to (v = [...]), -1: none */
	enum pg_sort sort;
	int sort_key;            /* 0: by value; k (1..nkeys): by key k */
	enum pg_statop sort_stat;   /* a stat array's value to sort by (default PG_ST_COUNT),
				     * also what valvar receives */
	struct pg_node *limit;   /* NULL: no limit; else an int expression evaluated once */
	struct pg_node *body;
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
	PG_OP_CONCAT,            /* SystemTap's string "a . b" (and ".=" as PG_E_ASSIGN's op) */
	PG_OP_COUNT,
};

/* Built-in variables (values of the event being processed). */
enum pg_builtin {
	PG_B_TIMESTAMP,          /* event time, monotonic ns */
	PG_B_VTIMESTAMP,         /* the thread's on-CPU ns at the hit (read by the kernel: the
				  * capture pass asks for it) */
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
	PG_B_ERRNO,              /* a syscall return probe's errno (ps_event.err), else 0 */
	/* SystemTap's context functions without arguments (pid() is PG_B_PID etc.) */
	PG_B_UID,                /* the process's real uid (from /proc; 0 when replayed) */
	PG_B_GTOD_S, PG_B_GTOD_MS, PG_B_GTOD_US, PG_B_GTOD_NS,   /* gettimeofday_*: event time
				  * on the wall clock */
	PG_B_LOCAL_CLOCK_NS,     /* local_clock_ns(): the event's monotonic ns */
	PG_B_CYCLES,             /* get_cycles(): the event's monotonic ns (no cycle counter) */
	PG_B_PP,                 /* pp(): the probe point as stap resolved it:
				  * process("PATH").mark("NAME"), or begin, end, timer.ms(N)... */
	PG_B_PN,                 /* pn(): the probe point as the script wrote it (pg_pdesc.text) */
	PG_B_UCALLER,            /* D's ucaller: the return address of the native function that
				  * fired (the native stack's second frame; 0 if not captured) */
	/* D's curpsinfo and the rest of its process built-ins, from /proc (psinfo.h; 0 or ""
	 * when replayed, but pr_pid and pr_fname, which the record has) */
	PG_B_GID, PG_B_EUID, PG_B_EGID, PG_B_PGID, PG_B_SID,
	PG_B_PR_PID, PG_B_PR_FNAME, PG_B_PR_PSARGS,
	PG_B_EPID,               /* DTrace's enabled probe ID of the running clause */
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
	PG_F_RINDEX,             /* (s, t[, start]) offset of t's last occurrence, -1 if none */
	PG_F_LLTOSTR,            /* (n[, base]) */
	PG_F_TOUPPER, PG_F_TOLOWER,
	PG_F_STRTOK,             /* (s or NULL, delim) D's strtok: NULL (0) continues the firing's
				  * last string; "" when no token is left (D's NULL) */
	PG_F_SYSTEM,             /* (fmt, args...) D's system(): the formatted command runs after
				  * the clause (void); fmt is the node's compiled format */
	PG_F_SETOPT,             /* (name[, value]) D's setopt: a dynamic option (void) */
	/* SystemTap's function library (names in pg_funcs are stap's) */
	PG_F_COPYSTR_WARN,       /* (addr) user_string_warn: "<unknown>" and a warning instead of
				  * a fault when the string was not copied */
	PG_F_THREAD_INDENT,      /* (delta) thread_indent: "%6d %s:%-*s" as stap's indent.stp */
	PG_F_ISINSTR,            /* (s, t) 1 when t occurs in s */
	PG_F_TOKENIZE,           /* (s, delim) stap's tokenize: "" continues the last string */
	PG_F_STR_REPLACE,        /* (s, old, new) every occurrence */
	PG_F_TEXT_STR,           /* (s) C-escaped, non-printables as \ooo */
	PG_F_STRINGAT,           /* (s, i) the byte at i (fault past the end) */
	PG_F_CTIME,              /* (secs) "Thu Nov 26 12:04:11 2026" in UTC, as stap's ctime */
	PG_F_ERROR,              /* (msg) a run-time error with that message (void) */
	PG_F_SWITCH_FILE,        /* () SystemTap's switch_file: output to the next -o file (void) */
	PG_F_ANSI_CLEAR,         /* () ansi_clear_screen: prints "\033[1;1H\033[J" (void) */
	PG_F_ANSI_COLOR,         /* (fg[, bg[, attr]]) ansi_set_color*: "\033[FG;BG;ATTRm" (void) */
	PG_F_ANSI_RESET,         /* () ansi_reset_color: "\033[0;0m" (void) */
	PG_F_ANSI_CURSOR_XY,     /* (x, y) ansi_cursor_move: "\033[Y;XH" (void) */
	PG_F_ANSI_CURSOR_HIDE, PG_F_ANSI_CURSOR_SHOW, PG_F_ANSI_CURSOR_SAVE,
	PG_F_ANSI_CURSOR_RESTORE, /* () (void) */
	PG_F_ANSI_NEW_LINE,      /* () "\n" (void) */
	/* Reads of user memory and of the native stack, made by the kernel at the hit (the capture
	 * pass bind_capture asks for them; an address must be one the kernel can compute there) */
	PG_F_USER_S8, PG_F_USER_U8, PG_F_USER_S16, PG_F_USER_U16,
	PG_F_USER_S32, PG_F_USER_U32, PG_F_USER_S64,   /* (addr) an integer of that width
				  * (SystemTap's user_char, user_int, user_long ...); pg_memfn */
	PG_F_COPYIN,             /* (addr, size) D's copyin: the bytes, as a string up to a NUL */
	PG_F_USTACK,             /* ([frames]) D's ustack(): the native stack, one frame a line */
	PG_F_UBACKTRACE,         /* () stap's ubacktrace(): the frames' addresses in hex */
	PG_F_SPRINT_UBACKTRACE,  /* () stap's sprint_ubacktrace(): symbolized, one frame a line */
	PG_F_PRINT_UBACKTRACE,   /* () stap's print_ubacktrace() (void) */
	PG_F_USYM, PG_F_UFUNC,   /* (pc) D: "module`symbol" */
	PG_F_UMOD,               /* (pc) D: "module" */
	PG_F_UADDR,              /* (pc) D: "module`symbol+0x1f" */
	PG_F_USYMNAME,           /* (pc) stap: "symbol" */
	PG_F_USYMDATA,           /* (pc) stap: "symbol+0x1f/0x40 [module]" */
	PG_F_COPYINTO,           /* (addr, size, dest) D's copyinto: refused by bind_capture (D's
				  * copyin gives the bytes as a value; no scratch memory to fill) */
	PG_F_INET_NTOA,          /* (addr) D: the 4 bytes at addr as "127.0.0.1" */
	PG_F_INET_NTOA6,         /* (addr) D: the 16 bytes at addr as "::1" */
	PG_F_INET_NTOP,          /* (af, addr) D: as inet_ntoa (af 2) or inet_ntoa6 (10, 26) */
	/* the Python stack captured at the hit (ps_event.pyframes), as text */
	PG_F_JSTACK,             /* ([frames[, strsize]]) D's jstack(): as ustack() prints */
	PG_F_PYBACKTRACE,        /* () stap's pybacktrace(): one " func (file:line)" a line */
	PG_F_PRINT_PYBACKTRACE,  /* () print_pybacktrace(): prints pybacktrace() (void) */
	PG_F_COUNT,
};

struct pg_funcsig {
	const char *name;        /* for messages; front-ends map their own names to enum pg_func */
	int minargs, maxargs;
	enum ps_vtype ret;       /* PS_V_NONE: a procedure (prints, faults), used as a statement */
	enum ps_vtype args[3];   /* type of each argument */
};
extern const struct pg_funcsig pg_funcs[PG_F_COUNT];
/* The bytes function F reads at its address (PG_F_USER_*), 0 for any other function; *IS_SIGNED
 * (may be NULL): whether the value is sign-extended. */
int pg_memfn(int f, bool *is_signed);

/* Variable scopes. */
enum pg_scope {
	PG_SC_GLOBAL,            /* one per program (or one per key tuple) */
	PG_SC_THREAD,            /* one per thread (D's self->) */
	PG_SC_CLAUSE,            /* zeroed for every event (D's this->) */
	PG_SC_LOCAL,             /* a local of one probe handler or user function: slot `slot` of
				  * its call frame, zeroed when the frame is made (recursion works) */
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
	bool store_whole;        /* D: a store keeps all 64 bits whatever isize says, as dtrace(1)
				  * does (illumos dt_cg.c dt_cg_asgn_op stores the whole register
				  * with STV); isize types the reads, and the value is cut to it
				  * where dtrace records it (printf, trace, aggregation keys) */
	bool keep_zero;          /* storing 0 or "" keeps the element (else it is deleted, as in D;
				  * rt_dialect.keep_zero sets it for every variable) */
	/* SystemTap */
	int slot;                /* PG_SC_LOCAL: index in its frame (pg_add_local) */
	bool stat;               /* a statistic (x <<< v), read with PG_E_STAT; type PS_V_NONE */
	struct pg_statdef statdef;
	int64_t maxentries;      /* global a[N]: N; 0: rt_opts.maxmapentries (MAXMAPENTRIES) */
	struct pg_node *init;    /* global x = 5: a PG_E_INT or PG_E_STR set before BEGIN; NULL */
	bool dump_at_end;        /* printed at the end of the run (SystemTap: a global written and
				  * never read; set by the front-end or pg_mark_unread_globals) */
	int line, col;           /* where it was declared (0: not known) */
	const char *file;
};

/* A SystemTap function (function name:type(a:type, ...) { body }). Its parameters are its
 * first nparams locals (slots 0..nparams-1), bound by value at the call. */
struct pg_ufunc {
	const char *name;
	enum ps_vtype ret;       /* PS_V_NONE: no value (a "return" with none; the call is a
				  * statement) */
	int nparams;
	int params[PG_MAX_PARAMS];   /* their variable indices (PG_SC_LOCAL) */
	int nlocals;             /* frame size: parameters and locals */
	struct pg_node *body;    /* a PG_S_BLOCK */
	int line, col;
	const char *file;
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
	struct pg_foreach *fe;   /* PG_S_FOREACH */
	int isize;               /* an integer's bytes in the dialect's type system (1, 2, 4, 8;
				  * 0: 8): how wide an aggregation key prints (agg_set_keysize) */
	int line, col;           /* where it was written */
	const char *file;        /* in which file (SystemTap's tapsets); NULL: the script */
};

/* Probe description. */
enum pg_pdkind {
	PG_PD_MARKER,            /* a marker probe, matched by globs */
	PG_PD_BEGIN, PG_PD_END,
	PG_PD_TICK,              /* every period ns, on one CPU */
	PG_PD_ERROR,             /* SystemTap's `error`: at the end, instead of the end probes,
				  * when a fault ended the run (rt_dialect.error_skips_end) */
};

struct pg_pdesc {
	enum pg_pdkind kind;
	const char *text;        /* as written, for messages */
	const char *provider;    /* glob ("python", "py*"); "" matches any */
	int pid;                 /* 0: any process; > 0: that one; PG_PID_TARGET: $target */
	const char *module, *function, *name;   /* globs; "" matches any */
	uint64_t period;         /* PG_PD_TICK */
	int line, col;
	/* SystemTap (NULL otherwise) */
	const char *pn;          /* pn() and -l/-L: the alias the script named, when the point
				  * came through one (stap's script-level point); NULL: text */
	const char *pp_lib;      /* a library point's pp() before .mark(...):
				  * process("EXE").library("LIB"), both by their full paths */
	const char *locals;      /* -L: the handler's locals, "name:type ..." (alias points) */
};
#define PG_PID_TARGET (-1)

/* Which arguments a clause reads as strings is not stored: the shared pass bind_strargs
 * (bind.h) works it out from the clause's copy-string calls. */
struct pg_clause {
	int npdescs;
	struct pg_pdesc *pdescs;
	struct pg_node *pred;    /* NULL: always */
	int nstmts;
	struct pg_node **stmts;
	int nlocals;             /* frame size of its PG_SC_LOCAL variables (SystemTap) */
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
	int ustackframes;        /* frames ustack() keeps (option ustackframes; 0: not set, the
				  * capture's limit, 127 frames) */
	int jstackframes, jstackstrsize;  /* #pragma D option: jstack()'s frames and text (0: not
				  * set; -x on the command line goes through rt_opts) */
	/* D display options (#pragma D option or -x; false/0 when not set): the aggregations'
	 * print order (agg_set_sort) and flowindent */
	bool aggsortkey, aggsortrev, flowindent, rawbytes;
	int aggsortkeypos, aggsortpos;
	bool destructive;        /* #pragma D option destructive */
	int destructive_at;      /* line of the first destructive action (system()); 0: none */
	int nfmts;
	struct fmt **fmts;       /* compiled formats, freed with the program */
	int nfuncs;
	struct pg_ufunc *funcs;  /* SystemTap's user functions */
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
/* A local (PG_SC_LOCAL) in the frame whose size is *NLOCALS (a clause's or a function's
 * nlocals): its slot is *NLOCALS, which grows by one. */
int pg_add_local(struct pg_prog *p, const char *name, int *nlocals);
/* A user function; returns its index. Its fields are the caller's to fill. */
int pg_add_func(struct pg_prog *p, const char *name);
int pg_find_func(const struct pg_prog *p, const char *name);
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
/* The token a message names for node N, as SystemTap's "near ..." does: "operator '/'" for an
 * operator (binary, compound assignment, @avg & co.), "identifier 'a'" for a variable, a user
 * function call or a library call; "" when N is NULL. Writes at most LEN bytes to BUF; returns
 * BUF. */
const char *pg_node_token(const struct pg_prog *p, const struct pg_node *n, char *buf, size_t len);
#endif
