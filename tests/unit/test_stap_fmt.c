/*
 * test_stap_fmt.c — printf in SystemTap's dialect (fmt_compile_dialect FMT_STAP): stap's
 * conversions with flags, width, precision and '*', %p as "0x" and 16 hex digits, %b writing the
 * integer's bytes, %m/%M and D-only conversions refused; and D's table unchanged by it.
 */
#include <stdlib.h>
#include <string.h>
#include "fmt.h"
#include "unit.h"

static const char *print(const char *text, const struct ps_value *args, int n, size_t *len)
{
	static char *buf;
	size_t blen = 0;
	struct fmt_error err;
	struct fmt *f = fmt_compile_dialect(text, FMT_STAP, &err);
	if (!f)
		return "(compile error)";
	free(buf);
	buf = NULL;
	FILE *out = open_memstream(&buf, &blen);
	fmt_print(out, f, args, n);
	fclose(out);
	fmt_free(f);
	if (len)
		*len = blen;
	return buf;
}

static const char *error_of(const char *text, enum fmt_dialect d)
{
	static struct fmt_error err;
	struct fmt *f = fmt_compile_dialect(text, d, &err);
	if (f) {
		fmt_free(f);
		return "(compiled)";
	}
	return err.msg;
}

int main(void)
{
	struct ps_value a[] = { ps_int(-42), ps_int(255), ps_str("py"), ps_int(65) };
	CHECK_STR("%d %i %u %x %X %o", "-42 -42 18446744073709551574 ff FF 377",
		  print("%d %i %u %x %X %o", (struct ps_value[]){ a[0], a[0], a[0], a[1], a[1], a[1] },
			6, NULL));
	CHECK_STR("widths, '-', '0', precision", "[  -42][-42  ][00255][   py][p]",
		  print("[%5d][%-5d][%05d][%5s][%.1s]",
			(struct ps_value[]){ a[0], a[0], a[1], a[2], a[2] }, 5, NULL));
	CHECK_STR("'*' width and precision", "[    py][ab]",
		  print("[%*s][%.*s]", (struct ps_value[]){ ps_int(6), a[2], ps_int(2), ps_str("abc") },
			4, NULL));
	CHECK_STR("%c and %%", "A%", print("%c%%", &a[3], 1, NULL));
	CHECK_STR("%#x: 0x even for 0, as stap", "0x0 0xff 0X0",
		  print("%#x %#x %#X", (struct ps_value[]){ ps_int(0), a[1], ps_int(0) }, 3, NULL));
	CHECK_STR("%p: 0x and 16 digits", "0x00000000000000ff", print("%p", &a[1], 1, NULL));
	size_t len = 0;
	const char *b = print("%1b%4b", (struct ps_value[]){ ps_int(0x41), ps_int(0x44434241) }, 2,
			      &len);
	CHECK_INT("%1b%4b: five bytes", 5, len);
	CHECK("%1b%4b: the bytes in the machine's order", memcmp(b, "AABCD", 5) == 0 ||
	      memcmp(b, "ADCBA", 5) == 0);
	CHECK_STR("%m compiles", "(compiled)", error_of("%m", FMT_STAP));
	{
		struct fmt_error err;
		struct fmt *f = fmt_compile_dialect("%m %8.4M %.*m %d", FMT_STAP, &err);
		int prec = 99;
		CHECK("%m: argument 0 is a memory conversion, precision none (0)",
		      f && fmt_argmem(f, 0, &prec) == 'm' && prec == 0);
		CHECK("%8.4M: argument 1, precision 4", f && fmt_argmem(f, 1, &prec) == 'M' && prec == 4);
		CHECK("%.*m: the star is not one, the value is, precision from it",
		      f && fmt_argmem(f, 2, &prec) == 0 && fmt_argmem(f, 3, &prec) == 'm' && prec == -1);
		CHECK("%d is no memory conversion", f && fmt_argmem(f, 4, &prec) == 0);
		fmt_free(f);
	}
	CHECK_STR("%f is not stap's", "invalid or missing conversion specifier in conversion #1: %f",
		  error_of("%f", FMT_STAP));
	CHECK_STR("%@d is not stap's", "invalid or missing conversion specifier in conversion #1",
		  error_of("%@d", FMT_STAP));
	CHECK_STR("D: %b stays undefined", "format conversion #1 is undefined: %b",
		  error_of("%b", FMT_D));
	CHECK_STR("D: %Y still compiles", "(compiled)", error_of("%Y", FMT_D));
	return unit_status();
}
