/*
 * dt_parse.h — the D front-end: parses D source and checks it (types, names, argument counts,
 * printf formats, probe descriptions against the probes that exist) into the shared program
 * representation (prog.h). The first error is reported compiler-style on stderr —
 *   call_stack.d:12:5: error: ...
 *   <the source line>
 *       ^
 * — and compilation stops, before anything is attached.
 */
#ifndef PYSCOPE_DT_PARSE_H
#define PYSCOPE_DT_PARSE_H
#include <stdbool.h>
#include "prog.h"
#include "event.h"

/* Limits of what the front-end accepts; each error message states its limit. */
#define DT_MAX_SOURCE (16 << 20)  /* bytes of one script (a D program is text, not data) */
#define DT_MAX_DEPTH 1000        /* nesting of expressions and statements: the parser and the
				  * runtime both recurse on it, and must not run out of stack */
#define DT_MAX_STATEMENTS 10000  /* statements in one block */
#define DT_MAX_CLAUSES 100000    /* clauses in one program */
#define DT_MAX_PDESCS 1000       /* probe descriptions in one clause */

struct dt_opts {
	const struct ps_probe *const *probes;   /* the probes descriptions are matched against */
	int nprobes;
	int target;              /* $target (0: none) */
	char *const *macros;     /* $1..$N: the arguments after the script */
	int nmacros;
	bool zero_ok;            /* -Z: a description may match no probe */
	bool defaultargs;        /* -x defaultargs: an unset $N is 0, $$N "" */
	const char *const *xopts;    /* -x options for the program (dt_display_option) */
	int nxopts;
};

/* A display option, "aggsortkey", "aggsortkeypos=1", "flowindent" ... (#pragma D option or -x),
 * into P's fields (P NULL: only checked). Returns 0, -ENOENT when OPT is not one of them, or
 * -EINVAL when its value is not valid. */
int dt_display_option(struct pg_prog *p, const char *opt);

/* How pyscope takes a DTrace option it does not act on itself (#pragma D option or -x):
 * DT_OPT_TUNING sizes a kernel buffer or rate that pyscope sizes itself (accepted silently);
 * DT_OPT_UNKNOWN is an error. Options acted on (quiet, strsize, aggsize, dynvarsize,
 * destructive, zdefs, defaultargs, and dt_display_option's) are each front-end's own. */
enum dt_optkind { DT_OPT_UNKNOWN, DT_OPT_TUNING };
enum dt_optkind dt_option_kind(const char *name, size_t len);

/* Compile SRC (named FILE in messages) into P; several sources may go into one program, in
 * order. Returns 0, or -EINVAL after reporting the error. */
int dt_compile(const char *file, const char *src, const struct dt_opts *o, struct pg_prog *p);
#endif
