/*
 * fmt.h — printf as DTrace does it: a format is compiled (and checked) once when the script is
 * compiled, then printed many times against argument values.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %e %E %f %g %G %% and DTrace's %S %C %Y %T %a %A, with
 * flags (- + space # 0 '), width and precision (literal, * or ?), length modifiers (h hh l ll L z
 * j t: accepted, values are 64-bit), and %@ forms (%@d, %@u, ...) that only printa() uses for the
 * aggregation value. The rules, and DTrace's quirks kept on purpose, are in fmt.c. Escapes (\n, \t, \\, \")
 * are the lexer's business: fmt receives the string with escapes already decoded.
 */
#ifndef PYSCOPE_FMT_H
#define PYSCOPE_FMT_H
#include <stdbool.h>
#include <stdio.h>
#include "value.h"

struct fmt;                       /* opaque compiled format */

struct fmt_error {
	int offset;                   /* byte offset in the format string of the bad conversion */
	char msg[256];                /* e.g. "invalid conversion '%y'" */
};

/* Compile TEXT. Returns NULL and fills ERR on a malformed format. */
struct fmt *fmt_compile(const char *text, struct fmt_error *err);
/* The same for a dialect: FMT_D is fmt_compile; FMT_STAP takes SystemTap's conversions
 * (%d %i %u %x %X %o %s %c %p %b %% with flags, width, precision and '*'; %m and %M are
 * refused: they read user memory) and prints %p as stap does ("0x" and 16 hex digits). */
enum fmt_dialect { FMT_D, FMT_STAP };
struct fmt *fmt_compile_dialect(const char *text, enum fmt_dialect d, struct fmt_error *err);
void fmt_free(struct fmt *f);

/* Arguments a call must pass after the format: one per conversion, plus one per '*'. */
int fmt_nargs(const struct fmt *f);
/* The type argument I must have (PS_V_INT or PS_V_STR). */
enum ps_vtype fmt_argtype(const struct fmt *f, int i);
/* Conversion text for argument I ("%d", "%*s" for a width star), for error messages. */
const char *fmt_argconv(const struct fmt *f, int i);
/* For argument I, the value of an address conversion — D's %a/%A, SystemTap's %m/%M — its
 * character (0 for any other argument) and *PREC its precision (0: none; -1: a '*' argument,
 * the one before I; for %m/%M the bytes to print). The runtime hands such a conversion the text it
 * prints: the symbol, the bytes read at the hit. */
int fmt_argmem(const struct fmt *f, int i, int *prec);
/* D's %a given an integer (printa's keys) prints the kernel symbol there (ksym.h), when ON;
 * off (the default, and in a replay), hex. */
void fmt_kernel_symbols(bool on);
/* True when the format holds %@ conversions (a printa format). */
int fmt_is_printa(const struct fmt *f);

/* The argument list a call passes, checked as DTrace's compiler checks it. FUNC names the action
 * ("printf", "printa"); FOFF is how many arguments come before the first value (1 for printf: the
 * format is argument #1). TYPES are the argument types; NAMES their D type names for the message
 * (NULL: "int"/"string"). FLAGS: FMT_CHECK_PRINTA allows %@ and fewer conversions than arguments
 * (printa's keys). Returns 0, or -EINVAL with DTrace's message in MSG, e.g.
 *   printf( ) argument #2 is incompatible with conversion #1 prototype:
 *   \tconversion: %d
 *   \t prototype: char, short, int, long, or long long
 *   \t  argument: string
 * (no trailing newline). */
#define FMT_CHECK_PRINTA 1
int fmt_check(const struct fmt *f, const char *func, int foff, const enum ps_vtype *types,
	      const char *const *names, int n, int flags, char *msg, size_t msglen);

/* Print with ARGS (types already checked at compile time; a mismatch at run time prints as best
 * it can). Returns the number of bytes written, or -1 on an output error. */
int fmt_print(FILE *out, const struct fmt *f, const struct ps_value *args, int nargs);

/* printa's side: ARGS are the keys; each %@ conversion calls AGGVAL, which prints the aggregation
 * value for conversion C (with fmt_print_value for a scalar, or a histogram). The return value is
 * the byte count as for fmt_print. */
struct fmt_conv;
typedef int (*fmt_aggval_fn)(FILE *out, const struct fmt_conv *c, void *ctx);
int fmt_print_agg(FILE *out, const struct fmt *f, const struct ps_value *args, int nargs,
		  fmt_aggval_fn aggval, void *ctx);
/* Print one value V the way conversion C prints it (width, flags, precision). */
int fmt_print_value(FILE *out, const struct fmt_conv *c, struct ps_value v);
/* D's rawbytes option: string S as the SIZE-byte record DTrace keeps (S, then NULs), dumped as
 * dt_print_rawbytes does: a header of column digits, then 16 bytes a line in hex and as text. */
void fmt_rawbytes(FILE *out, const char *s, size_t size);
#endif
