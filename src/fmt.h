/*
 * fmt.h — printf as DTrace does it: a format is compiled (and checked) once when the script is
 * compiled, then printed many times against argument values.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %e %f %g %% with flags (- + space # 0), width and
 * precision (literal or *), length modifiers (h hh l ll z j t: accepted, values are 64-bit), and %@
 * forms (%@d, %@u, ...) that only printa() uses for the aggregation value. Escapes (\n, \t, \\, \")
 * are the lexer's business: fmt receives the string with escapes already decoded.
 */
#ifndef PYSCOPE_FMT_H
#define PYSCOPE_FMT_H
#include <stdio.h>
#include "value.h"

struct fmt;                       /* opaque compiled format */

struct fmt_error {
	int offset;                   /* byte offset in the format string of the bad conversion */
	char msg[256];                /* e.g. "invalid conversion '%y'" */
};

/* Compile TEXT. Returns NULL and fills ERR on a malformed format. */
struct fmt *fmt_compile(const char *text, struct fmt_error *err);
void fmt_free(struct fmt *f);

/* Arguments a call must pass after the format: one per conversion, plus one per '*'. */
int fmt_nargs(const struct fmt *f);
/* The type argument I must have (PS_V_INT or PS_V_STR). */
enum ps_vtype fmt_argtype(const struct fmt *f, int i);
/* Conversion text for argument I ("%d", "%*s" for a width star), for error messages. */
const char *fmt_argconv(const struct fmt *f, int i);
/* True when the format holds %@ conversions (a printa format). */
int fmt_is_printa(const struct fmt *f);

/* Print with ARGS (types already checked at compile time; a mismatch at run time prints as best
 * it can). Returns the number of bytes written, or -1 on an output error. */
int fmt_print(FILE *out, const struct fmt *f, const struct ps_value *args, int nargs);
#endif
