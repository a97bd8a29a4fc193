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

struct dt_opts {
	const struct ps_probe *const *probes;   /* the probes descriptions are matched against */
	int nprobes;
	int target;              /* $target (0: none) */
	char *const *macros;     /* $1..$N: the arguments after the script */
	int nmacros;
	bool zero_ok;            /* -Z: a description may match no probe */
};

/* Compile SRC (named FILE in messages) into P; several sources may go into one program, in
 * order. Returns 0, or -EINVAL after reporting the error. */
int dt_compile(const char *file, const char *src, const struct dt_opts *o, struct pg_prog *p);
#endif
