/*
 * test_fmt.c — DTrace printf: every conversion, flag, width and precision form that scripts use,
 * the compile errors with their byte offsets, and the compile-time argument checks with DTrace's
 * messages. Expected strings are what C's printf gives for the format DTrace hands it (see the
 * rules at the top of src/fmt.c), written out literally so a change in either shows up.
 */
#include <stdlib.h>
#include <time.h>
#include "fmt.h"
#include "unit.h"

static char outbuf[4096];

/* Compile FMT, print it with ARGS, return the text (or "<compile error: msg>"). */
static const char *pf(const char *text, const struct ps_value *args, int nargs)
{
	struct fmt_error err;
	struct fmt *f = fmt_compile(text, &err);
	if (!f) {
		snprintf(outbuf, sizeof(outbuf), "<compile error @%d: %s>", err.offset, err.msg);
		return outbuf;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int n = fmt_print(m, f, args, nargs);
	fclose(m);
	snprintf(outbuf, sizeof(outbuf), "%s", buf);
	if (n != (int)len)
		snprintf(outbuf, sizeof(outbuf), "<byte count %d != %zu>", n, len);
	free(buf);
	fmt_free(f);
	return outbuf;
}

#define ARGS(...) (struct ps_value[]){ __VA_ARGS__ }, \
	(int)(sizeof((struct ps_value[]){ __VA_ARGS__ }) / sizeof(struct ps_value))
#define P(text, ...) pf(text, ARGS(__VA_ARGS__))
#define P0(text) pf(text, NULL, 0)
#define I(x) ps_int(x)
#define S(x) ps_str(x)

/* The compile error for TEXT as "@offset: msg", or "ok". */
static const char *cerr(const char *text)
{
	struct fmt_error err;
	struct fmt *f = fmt_compile(text, &err);
	if (f) {
		fmt_free(f);
		return "ok";
	}
	snprintf(outbuf, sizeof(outbuf), "@%d: %s", err.offset, err.msg);
	return outbuf;
}

/* fmt_check's verdict for TEXT against argument TYPES, as printf would call it. */
static const char *chk(const char *text, int flags, const enum ps_vtype *types, int n)
{
	struct fmt_error err;
	struct fmt *f = fmt_compile(text, &err);
	if (!f)
		return "compile error";
	int rc = fmt_check(f, flags ? "printa" : "printf", 1, types, NULL, n, flags, outbuf,
			   sizeof(outbuf));
	fmt_free(f);
	return rc ? outbuf : "ok";
}
#define T(...) (enum ps_vtype[]){ __VA_ARGS__ }, \
	(int)(sizeof((enum ps_vtype[]){ __VA_ARGS__ }) / sizeof(enum ps_vtype))

static void test_integers(void)
{
	CHECK_STR("%d", "42", P("%d", I(42)));
	CHECK_STR("%i negative", "-42", P("%i", I(-42)));
	CHECK_STR("%d int64 max", "9223372036854775807", P("%d", I(INT64_MAX)));
	CHECK_STR("%d int64 min", "-9223372036854775808", P("%d", I(INT64_MIN)));
	CHECK_STR("%u", "42", P("%u", I(42)));
	CHECK_STR("%u of -1 is unsigned 64-bit", "18446744073709551615", P("%u", I(-1)));
	CHECK_STR("%x", "ff", P("%x", I(255)));
	CHECK_STR("%X", "FF", P("%X", I(255)));
	CHECK_STR("%x of -1 is 64-bit", "ffffffffffffffff", P("%x", I(-1)));
	CHECK_STR("%o", "17", P("%o", I(15)));
	CHECK_STR("%#o", "017", P("%#o", I(15)));
	CHECK_STR("%#x", "0xff", P("%#x", I(255)));
	CHECK_STR("%#X", "0XFF", P("%#X", I(255)));
	CHECK_STR("%5d", "   42", P("%5d", I(42)));
	CHECK_STR("%-5d|", "42   |", P("%-5d|", I(42)));
	CHECK_STR("%05d", "00042", P("%05d", I(42)));
	CHECK_STR("%05d negative", "-0042", P("%05d", I(-42)));
	CHECK_STR("%+d", "+42", P("%+d", I(42)));
	CHECK_STR("% d", " 42", P("% d", I(42)));
	CHECK_STR("%+d negative", "-42", P("%+d", I(-42)));
	CHECK_STR("%.3d", "042", P("%.3d", I(42)));
	CHECK_STR("%8.3d", "     042", P("%8.3d", I(42)));
	CHECK_STR("%-8.3d|", "042     |", P("%-8.3d|", I(42)));
	CHECK_STR("%08x", "000000ff", P("%08x", I(255)));
	CHECK_STR("%#08x", "0x0000ff", P("%#08x", I(255)));
	/* DTrace quirks: a later '0' cancels '-', a later '-' cancels '0'. */
	CHECK_STR("%-05d: 0 after - wins", "00042", P("%-05d", I(42)));
	CHECK_STR("%0-5d: - after 0 wins", "42   |", P("%0-5d|", I(42)));
	/* DTrace drops a zero precision. */
	CHECK_STR("%.0d prints as %d", "0", P("%.0d", I(0)));
	CHECK_STR("%.d prints as %d", "7", P("%.d", I(7)));
}

static void test_length_modifiers(void)
{
	CHECK_STR("%ld", "-5", P("%ld", I(-5)));
	CHECK_STR("%lld", "1234567890123", P("%lld", I(1234567890123LL)));
	CHECK_STR("%lu", "18446744073709551611", P("%lu", I(-5)));
	CHECK_STR("%llu", "7", P("%llu", I(7)));
	CHECK_STR("%lx", "fffffffffffffffb", P("%lx", I(-5)));
	CHECK_STR("%llX", "ABC", P("%llX", I(0xabc)));
	CHECK_STR("%li", "3", P("%li", I(3)));
	CHECK_STR("%zd", "3", P("%zd", I(3)));
	CHECK_STR("%jd", "3", P("%jd", I(3)));
	CHECK_STR("%td", "3", P("%td", I(3)));
	CHECK_STR("%zu", "9", P("%zu", I(9)));
	CHECK_STR("%hd truncates to short", "-1", P("%hd", I(65535)));
	CHECK_STR("%hu truncates to unsigned short", "65535", P("%hu", I(-1)));
	CHECK_STR("%hx", "ffff", P("%hx", I(-1)));
	CHECK_STR("%hhd truncates to char", "44", P("%hhd", I(300)));
	CHECK_STR("%hhx", "ff", P("%hhx", I(-1)));
	CHECK_STR("%Lf", "1.000000", P("%Lf", I(1)));
}

static void test_chars_strings(void)
{
	CHECK_STR("%c", "A", P("%c", I('A')));
	CHECK_STR("%c low byte", "A", P("%c", I(0x141)));
	CHECK_STR("%3c", "  x", P("%3c", I('x')));
	CHECK_STR("%-3c|", "x  |", P("%-3c|", I('x')));
	CHECK_STR("%s", "hello", P("%s", S("hello")));
	CHECK_STR("%10s", "     hello", P("%10s", S("hello")));
	CHECK_STR("%-10s|", "hello     |", P("%-10s|", S("hello")));
	CHECK_STR("%.3s", "hel", P("%.3s", S("hello")));
	CHECK_STR("%6.2s", "    he", P("%6.2s", S("hello")));
	CHECK_STR("%s empty", "[]", P("[%s]", S("")));
	CHECK_STR("%*s", "   ab", P("%*s", I(5), S("ab")));
	CHECK_STR("%*s negative width left-justifies", "ab   |", P("%*s|", I(-5), S("ab")));
	CHECK_STR("%-*s", "ab   |", P("%-*s|", I(5), S("ab")));
	CHECK_STR("%.*s", "abc", P("%.*s", I(3), S("abcdef")));
	CHECK_STR("%.*s zero precision dropped", "abcdef", P("%.*s", I(0), S("abcdef")));
	CHECK_STR("%*.*s", "  abc", P("%*.*s", I(5), I(3), S("abcdef")));
	CHECK_STR("%*d", "   42", P("%*d", I(5), I(42)));
	CHECK_STR("%*d zero width", "42", P("%*d", I(0), I(42)));
	CHECK_STR("%15s as call_stack.d uses it", " function-entry:",
		  P("%15s:", S("function-entry")));
	CHECK_STR("%*s indent of 0", "[]", P("[%*s]", I(0), S("")));
	CHECK_STR("%*s indent of 4", "[    ]", P("[%*s]", I(4), S("")));
}

static void test_pointers_floats(void)
{
	CHECK_STR("%p is plain hex, as DTrace's %p maps to %x", "7f001234", P("%p", I(0x7f001234)));
	CHECK_STR("%#p adds 0x", "0x7f001234", P("%#p", I(0x7f001234)));
	CHECK_STR("%?p pointer width", "        7f001234", P("%?p", I(0x7f001234)));
	CHECK_STR("%p of 0", "0", P("%p", I(0)));
	CHECK_STR("%f of an int converts", "3.000000", P("%f", I(3)));
	CHECK_STR("%5.2f", " 3.00", P("%5.2f", I(3)));
	CHECK_STR("%e", "1.500000e+03", P("%e", I(1500)));
	CHECK_STR("%E", "1.500000E+03", P("%E", I(1500)));
	CHECK_STR("%g", "1500", P("%g", I(1500)));
	CHECK_STR("%G large", "1.5E+07", P("%G", I(15000000)));
	CHECK_STR("%.2e", "1.50e+03", P("%.2e", I(1500)));
	CHECK_STR("%.0f keeps the default precision (DTrace drops zero)", "2.000000",
		  P("%.0f", I(2)));
	CHECK_STR("%+.1f", "-2.0", P("%+.1f", I(-2)));
}


/* real: Oracle DTrace test suite expected outputs (test/unittest/printf/tst.basics.r,
 * tst.flags.r, tst.widths1.r) for the conversions pyscope supports, with i = 'a' = 97. */
static void test_real_dtrace(void)
{
	CHECK_STR("real: tst.basics",
		  "%c = a\n%d = 97\n%hd = 97\n%hi = 97\n%ho = 141\n%hu = 97\n%hx = 61\n"
		  "%hX = 61\n%i = 97\n%lc = a\n%ld = 97\n%li = 97\n%lo = 141\n%lu = 97\n"
		  "%lx = 61\n%lX = 61\n%o = 141\n%p = 61\n%s = hello\n%u = 97\n%x = 61\n"
		  "%X = 61\n",
		  P("%%c = %c\n%%d = %d\n%%hd = %hd\n%%hi = %hi\n%%ho = %ho\n%%hu = %hu\n"
		    "%%hx = %hx\n%%hX = %hX\n%%i = %i\n%%lc = %lc\n%%ld = %ld\n%%li = %li\n"
		    "%%lo = %lo\n%%lu = %lu\n%%lx = %lx\n%%lX = %lX\n%%o = %o\n%%p = %p\n"
		    "%%s = %s\n%%u = %u\n%%x = %x\n%%X = %X\n",
		    I(97), I(97), I(97), I(97), I(97), I(97), I(97), I(97), I(97), I(97), I(97),
		    I(97), I(97), I(97), I(97), I(97), I(97), I(97), S("hello"), I(97), I(97),
		    I(97)));
	CHECK_STR("real: tst.flags", "0 00000123\n- 123     \n+     +123\n       123\n",
		  P("0 %08x\n- %-8x\n+ %+8d\n  % 8d\n", I(0x123), I(0x123), I(123), I(123)));
	CHECK_STR("real: tst.flags %#8x", "#    0x123\n", P("# %#8x\n", I(0x123)));
	CHECK_STR("real: tst.widths1", "               0\n               5\n",
		  P("%?d\n%?d\n", I(0), I(5)));
}

static void test_dtrace_extras(void)
{
	CHECK_STR("%S escapes", "a\\tb\\n\\\"q\\\\ \\001\\377",
		  P("%S", S("a\tb\n\"q\\ \001\377")));
	CHECK_STR("%10S", "      x\\ny|", P("%10S|", S("x\ny")));
	CHECK_STR("%C", "\\n", P("%C", I('\n')));
	CHECK_STR("%C plain", "z", P("%C", I('z')));
	CHECK_STR("%a", "0xffffffff81000000", P("%a", I((int64_t)0xffffffff81000000ULL)));
	CHECK_STR("%-20A|", "0x401000            |", P("%-20A|", I(0x401000)));
	setenv("TZ", "UTC", 1);
	tzset();
	CHECK_STR("%Y of 0", "1970 Jan  1 00:00:00", P("%Y", I(0)));
	CHECK_STR("%Y of a walltimestamp", "2026 Nov 26 07:20:04",
		  P("%Y", I(1795677604LL * 1000000000LL + 123)));
	CHECK_STR("%T", "Thu, 26 Nov 2026 07:20:04 UTC", P("%T", I(1795677604LL * 1000000000LL)));
	CHECK_STR("%T uses the ISO week year, as DTrace's does", "Wed, 31 Dec 2026 00:00:00 UTC",
		  P("%T", I(1767139200LL * 1000000000LL)));
	CHECK_STR("%24Y", "    1970 Jan  1 00:00:00", P("%24Y", I(0)));
	struct fmt_error e;
	struct fmt *f = fmt_compile("%d%S%Y", &e);
	CHECK_INT("%S takes a string", PS_V_STR, fmt_argtype(f, 1));
	CHECK_INT("%Y takes an int", PS_V_INT, fmt_argtype(f, 2));
	fmt_free(f);
}

static void test_literals(void)
{
	CHECK_STR("no conversions", "plain text\n", P0("plain text\n"));
	CHECK_STR("%%", "100%", P("%d%%", I(100)));
	CHECK_STR("%% only", "%", P0("%%"));
	CHECK_STR("empty format", "", P0(""));
	CHECK_STR("text around conversions", "a=1 b=two c\n",
		  P("a=%d b=%s c\n", I(1), S("two")));
	CHECK_STR("tab and newline pass through", "\t1\n", P("\t%d\n", I(1)));
	CHECK_STR("call_stack.d line", "123\tfunction-entry:  -> start.py:start:23\n",
		  P("%d\t%s:%*s-> %s:%s:%d\n", I(123), S("function-entry"), I(2), S(""),
		    S("start.py"), S("start"), I(23)));
}

static void test_runtime_mismatch(void)
{
	CHECK_STR("%s of an int prints its digits", "[   -12]", P("[%6s]", I(-12)));
	CHECK_STR("%d of a string prints the string", "[   abc]", P("[%6d]", S("abc")));
	CHECK_STR("%-6x of a string keeps '-'", "[abc   ]", P("[%-6x]", S("abc")));
	CHECK_STR("missing argument prints as 0", "0 ", P0("%d "));
}

static void test_compile_errors(void)
{
	CHECK_STR("undefined conversion", "@3: format conversion #1 is undefined: %y", cerr("ab %y"));
	CHECK_STR("undefined, second conversion",
		  "@3: format conversion #2 is undefined: %w", cerr("%d %w"));
	CHECK_STR("%%w is a literal w", "ok", cerr("%d %%w"));
	CHECK_STR("%% counts as a conversion (number)",
		  "@6: format conversion #3 is undefined: %q", cerr("%d %% %q"));
	CHECK_STR("trailing %", "@2: format conversion #1 name expected before end of format string",
		  cerr("ab%"));
	CHECK_STR("trailing %-5",
		  "@0: format conversion #1 name expected before end of format string", cerr("%-5"));
	CHECK_STR("two dots", "@0: format conversion #1 has more than one '.' specified",
		  cerr("%1.2.3d"));
	CHECK_STR("two width stars",
		  "@0: format conversion #1 has more than one '*' specified for the output width",
		  cerr("%**d"));
	CHECK_STR("two precision stars",
		  "@0: format conversion #1 has more than one '*' specified for the output precision",
		  cerr("%.**d"));
	CHECK_STR("positional", "@0: format conversion #1 uses unsupported positional format (%n$)",
		  cerr("%1$d"));
	CHECK_STR("%5%", "@1: format conversion #1 cannot be combined with other format flags: %%",
		  cerr(" %5%"));
	CHECK_STR("%k (a stack) compiles", "ok", cerr("%k%@8d"));
	CHECK_STR("%k prints a stack (a string here)", "\n  [ a.py:3 (f) ]|",
		  P("%k|", S("\n  [ a.py:3 (f) ]")));
	CHECK_STR("%ls is not supported", "@0: format conversion #1 is undefined: %ls",
		  cerr("%ls"));
	CHECK_STR("%Ld is undefined", "@0: format conversion #1 is undefined: %Ld", cerr("%Ld"));
	CHECK_STR("%lf is undefined", "@0: format conversion #1 is undefined: %lf", cerr("%lf"));
	CHECK_STR("%hs is undefined", "@0: format conversion #1 is undefined: %hs", cerr("%hs"));
	CHECK_STR("%lllld is undefined", "@0: format conversion #1 is undefined: %lllld",
		  cerr("%lllld"));
	CHECK_STR("good format compiles", "ok", cerr("%-+ #08.3lld %% %*.*s %@d %?p"));
}

static void test_args(void)
{
	struct fmt_error err;
	struct fmt *f = fmt_compile("%d %*s %.*x %% %c %@u %f", &err);
	CHECK("compile for args", f != NULL);
	if (!f)
		return;
	CHECK_INT("nargs counts stars, not %% or %@", 7, fmt_nargs(f));
	CHECK_INT("arg 0 int", PS_V_INT, fmt_argtype(f, 0));
	CHECK_INT("arg 1 (width star) int", PS_V_INT, fmt_argtype(f, 1));
	CHECK_INT("arg 2 string", PS_V_STR, fmt_argtype(f, 2));
	CHECK_INT("arg 3 (precision star) int", PS_V_INT, fmt_argtype(f, 3));
	CHECK_INT("arg 6 float conversion takes int", PS_V_INT, fmt_argtype(f, 6));
	CHECK_INT("argtype out of range", PS_V_NONE, fmt_argtype(f, 7));
	CHECK_STR("argconv 0", "%d", fmt_argconv(f, 0));
	CHECK_STR("argconv 1", "%*s", fmt_argconv(f, 1));
	CHECK_STR("argconv 3", "%.*x", fmt_argconv(f, 3));
	CHECK_STR("argconv 5", "%c", fmt_argconv(f, 5));
	CHECK("is printa", fmt_is_printa(f));
	fmt_free(f);
	f = fmt_compile("%ld\n", &err);
	CHECK("printf format is not printa", f && !fmt_is_printa(f));
	CHECK_STR("argconv keeps the modifier", "%ld", f ? fmt_argconv(f, 0) : "");
	fmt_free(f);
}

static void test_check(void)
{
	CHECK_STR("matching args", "ok", chk("%d %s %*d", 0, T(PS_V_INT, PS_V_STR, PS_V_INT,
								PS_V_INT)));
	CHECK_STR("string for %d",
		  "printf( ) argument #2 is incompatible with conversion #1 prototype:\n"
		  "\tconversion: %d\n\t prototype: char, short, int, long, or long long\n"
		  "\t  argument: string", chk("%d\n", 0, T(PS_V_STR)));
	CHECK_STR("int for %s",
		  "printf( ) argument #3 is incompatible with conversion #2 prototype:\n"
		  "\tconversion: %s\n\t prototype: char [] or string (or use stringof)\n"
		  "\t  argument: int", chk("%d %s", 0, T(PS_V_INT, PS_V_INT)));
	CHECK_STR("conversion number counts %%",
		  "printf( ) argument #2 is incompatible with conversion #2 prototype:\n"
		  "\tconversion: %lu\n\t prototype: char, short, int, long, or long long\n"
		  "\t  argument: string", chk("%% %lu", 0, T(PS_V_STR)));
	CHECK_STR("string for *",
		  "printf( ) argument #2 is incompatible with conversion #1 prototype:\n"
		  "\tconversion: % * s\n\t prototype: int\n\t  argument: string",
		  chk("%*s", 0, T(PS_V_STR, PS_V_STR)));
	CHECK_STR("string for %c",
		  "printf( ) argument #2 is incompatible with conversion #1 prototype:\n"
		  "\tconversion: %c\n\t prototype: char, short, or int\n\t  argument: string",
		  chk("%c", 0, T(PS_V_STR)));
	CHECK_STR("missing value",
		  "printf( ) prototype mismatch: conversion #2 (%s) is missing a corresponding "
		  "value argument", chk("%d %s", 0, T(PS_V_INT)));
	CHECK_STR("missing star",
		  "printf( ) prototype mismatch: conversion #1 (%s) is missing a corresponding "
		  "\"*\" argument", chk("%*s", 0, NULL, 0));
	CHECK_STR("extra argument",
		  "printf( ) prototype mismatch: only 1 arguments required by this format string",
		  chk("%d\n", 0, T(PS_V_INT, PS_V_INT)));
	CHECK_STR("empty format", "printf( ) format string is empty", chk("", 0, NULL, 0));
	CHECK_STR("%@ in printf",
		  "%@ conversion requires an aggregation and is not for use with printf( )",
		  chk("%@d", 0, NULL, 0));
	CHECK_STR("printa: %@ and fewer conversions than keys", "ok",
		  chk("%s %@d\n", FMT_CHECK_PRINTA, T(PS_V_STR, PS_V_INT)));
	CHECK_STR("printa: key type mismatch",
		  "printa( ) argument #2 is incompatible with conversion #1 prototype:\n"
		  "\tconversion: %d\n\t prototype: char, short, int, long, or long long\n"
		  "\t  argument: string", chk("%d %@d\n", FMT_CHECK_PRINTA, T(PS_V_STR)));
	CHECK_STR("printa: %@s",
		  "printa( ) aggregating action is incompatible with conversion #2 prototype:\n"
		  "\tconversion: %s\n\t prototype: char [] or string (or use stringof)\n"
		  "\t  argument: int64_t", chk("%s %@s\n", FMT_CHECK_PRINTA, T(PS_V_STR)));
	const char *names[] = { "int64_t" };
	struct fmt_error err;
	struct fmt *f = fmt_compile("%s", &err);
	char msg[512];
	int rc = fmt_check(f, "printf", 1, (enum ps_vtype[]){ PS_V_INT }, names, 1, 0, msg,
			   sizeof(msg));
	CHECK_INT("check returns -EINVAL", -22, rc);
	CHECK_STR("caller's type name",
		  "printf( ) argument #2 is incompatible with conversion #1 prototype:\n"
		  "\tconversion: %s\n\t prototype: char [] or string (or use stringof)\n"
		  "\t  argument: int64_t", msg);
	fmt_free(f);
}

/* printa's path: keys fill the ordinary conversions, each %@ calls back for the value. */
static int aggval(FILE *out, const struct fmt_conv *c, void *ctx)
{
	return fmt_print_value(out, c, ps_int(*(int64_t *)ctx));
}

static void test_print_agg(void)
{
	struct fmt_error err;
	struct fmt *f = fmt_compile("%-10s %@8d|%@x\n", &err);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int64_t v = 255;
	int n = fmt_print_agg(m, f, (struct ps_value[]){ ps_str("key") }, 1, aggval, &v);
	fclose(m);
	CHECK_STR("printa line", "key             255|ff\n", buf);
	CHECK_INT("printa byte count", (long long)len, n);
	free(buf);
	fmt_free(f);
}

int main(void)
{
	test_integers();
	test_length_modifiers();
	test_chars_strings();
	test_pointers_floats();
	test_real_dtrace();
	test_dtrace_extras();
	test_literals();
	test_runtime_mismatch();
	test_compile_errors();
	test_args();
	test_check();
	test_print_agg();
	return unit_status();
}
