/*
 * fmt.c — DTrace's printf: formats are compiled once (parsed into literal text and conversions,
 * malformed ones rejected with DTrace's own wording and the byte offset of the bad '%'), checked
 * against the argument types the compiler knows, and printed many times.
 *
 * The parse follows DTrace's dt_printf_create() rules, including its quirks, because scripts
 * written for DTrace rely on them:
 *   - a '0' flag turns off an earlier '-', and a '-' turns off an earlier '0';
 *   - a precision of 0 ("%.0d", "%.f", or a '*' precision of 0) is dropped, as DTrace only emits
 *     a precision greater than zero;
 *   - a negative '*' width left-justifies; a zero width is no width;
 *   - '?' sets the width of a pointer (16 columns);
 *   - %p prints plain hex digits (DTrace maps it to %x); "%#p" gives the 0x prefix.
 * Besides C's conversions DTrace has %S and %C (string, char with C escapes), %Y and %T (a
 * walltimestamp as "2026 Nov 26 07:20:04" or RFC 822) and %a/%A (addresses: the runtime hands
 * printf the symbol as text; an integer %a, printa's keys, is a kernel symbol when
 * fmt_kernel_symbols is on, else 0x-hex). Extensions over DTrace: the length modifiers hh, z,
 * j, t are accepted (DTrace knows h, l, ll, L), and %e/%f/%g accept integers, converting them (D has no
 * floating-point values). %k prints a stack: ustack() and jstack() values are strings here, so it
 * is %s for them (as in printa("%k %@d", @stacks)). Not supported: %ls/%ws/%wc (wide strings).
 *
 * Every integer is 64 bits: %d/%i print signed, %u/%x/%X/%o the same bits unsigned (so -1 is
 * 18446744073709551615 / ffffffffffffffff). An h or hh modifier truncates to 16 or 8 bits, as a
 * cast would. %c prints the low byte.
 *
 * At run time the types were checked already; a value of the wrong type still prints something
 * useful rather than nothing: an integer under %s prints its decimal digits (with the width and
 * precision of the %s), and a string under a numeric conversion prints the string itself with the
 * conversion's width and '-' flag.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fmt.h"
#include "ksym.h"

/* %a of an integer (printa's keys; printf's come symbolised from the runtime): a kernel symbol
 * (fmt_kernel_symbols). */
static bool kernel_symbols;

void fmt_kernel_symbols(bool on)
{
	kernel_symbols = on;
}

/* The widest width or precision printed, written or passed by '*' (beyond it C's printf fails,
 * as with the INT_MIN width of "%*d": a wider one is cut to this). */
#define FMT_MAX_WIDTH 100000

static int clamp_width(int64_t w)
{
	return w > FMT_MAX_WIDTH ? FMT_MAX_WIDTH : w < -FMT_MAX_WIDTH ? -FMT_MAX_WIDTH : (int)w;
}

/* How a conversion prints its value. */
enum kind {
	K_SINT, K_UINT, K_CHAR, K_FP, K_STR, K_PTR, K_PCT,
	K_ESTR, K_ECHR,       /* %S, %C: the string or char with C escapes */
	K_ADDR,               /* %a, %A: an address (a symbol's text, or 0x-hex) */
	K_YTIME, K_RFCTIME,   /* %Y, %T: a nanosecond wall-clock time */
	K_SPTR,               /* SystemTap's %p: "0x" and 16 hex digits */
	K_BIN,                /* SystemTap's %b: the integer's bytes (width 1, 2, 4 or 8) */
	K_MEM,                /* SystemTap's %m, %M: PRECISION bytes at the address, raw or hex;
			       * the runtime hands over what the kernel read there (fmt_argmem) */
};

/* Conversions whose argument is a string. */
static int takes_str(enum kind k) { return k == K_STR || k == K_ESTR; }

/* Which length modifiers a conversion takes. */
enum { M_NONE = 1, M_INT = 2, M_LD = 4, M_WIDE = 8 };

struct convdef {
	char ch;              /* the conversion character */
	enum kind kind;
	int mods;             /* M_* allowed */
	const char *proto;    /* DTrace's prototype text for error messages */
};

static const char proto_xint[] = "char, short, int, long, or long long";
static const char proto_csi[] = "char, short, or int";
static const char proto_fp[] = "float, double, or long double";
static const char proto_addr[] = "pointer or integer";
static const char proto_str[] = "char [] or string (or use stringof)";

static const struct convdef convdefs[] = {
	{ 'd', K_SINT, M_NONE | M_INT, proto_xint },
	{ 'i', K_SINT, M_NONE | M_INT, proto_xint },
	{ 'u', K_UINT, M_NONE | M_INT, proto_xint },
	{ 'x', K_UINT, M_NONE | M_INT, proto_xint },
	{ 'X', K_UINT, M_NONE | M_INT, proto_xint },
	{ 'o', K_UINT, M_NONE | M_INT, proto_xint },
	{ 'c', K_CHAR, M_NONE | M_WIDE, proto_csi },
	{ 'C', K_ECHR, M_NONE, proto_csi },
	{ 's', K_STR, M_NONE, proto_str },
	{ 'S', K_ESTR, M_NONE, proto_str },
	{ 'k', K_STR, M_NONE, "stack" },
	{ 'p', K_PTR, M_NONE, proto_addr },
	{ 'a', K_ADDR, M_NONE, proto_addr },
	{ 'A', K_ADDR, M_NONE, proto_addr },
	{ 'Y', K_YTIME, M_NONE, "int64_t" },
	{ 'T', K_RFCTIME, M_NONE, "int64_t" },
	{ 'e', K_FP, M_NONE | M_LD, proto_fp },
	{ 'E', K_FP, M_NONE | M_LD, proto_fp },
	{ 'f', K_FP, M_NONE | M_LD, proto_fp },
	{ 'g', K_FP, M_NONE | M_LD, proto_fp },
	{ 'G', K_FP, M_NONE | M_LD, proto_fp },
	{ '%', K_PCT, M_NONE, "void" },
};

/* SystemTap's conversions (stap's printf has no floating point, %S, %Y, ...). */
static const struct convdef stap_convdefs[] = {
	{ 'd', K_SINT, M_NONE | M_INT, "long" },
	{ 'i', K_SINT, M_NONE | M_INT, "long" },
	{ 'u', K_UINT, M_NONE | M_INT, "long" },
	{ 'x', K_UINT, M_NONE | M_INT, "long" },
	{ 'X', K_UINT, M_NONE | M_INT, "long" },
	{ 'o', K_UINT, M_NONE | M_INT, "long" },
	{ 'c', K_CHAR, M_NONE, "long" },
	{ 's', K_STR, M_NONE, "string" },
	{ 'p', K_SPTR, M_NONE, "long" },
	{ 'b', K_BIN, M_NONE, "long" },
	{ 'm', K_MEM, M_NONE, "long" },
	{ 'M', K_MEM, M_NONE, "long" },
	{ '%', K_PCT, M_NONE, "void" },
};

enum {
	F_ALT = 1, F_ZPAD = 2, F_LEFT = 4, F_SPOS = 8, F_SPACE = 16, F_GROUP = 32,
	F_DYNWIDTH = 64, F_DYNPREC = 128, F_AGG = 256,
};

/* Length modifier: what it truncates to. */
enum lmod { L_NONE, L_HH, L_H, L_LONG, L_LD };

struct fmt_conv {
	char *prefix;                 /* literal text before the conversion (owned) */
	const struct convdef *def;    /* NULL: trailing literal text only */
	int offset;                   /* of the '%' in the format */
	int convno;                   /* DTrace's 1-based conversion number */
	unsigned flags;
	int width, prec;              /* prec -1: none */
	enum lmod lmod;
	char name[8];                 /* modifiers + conversion character, e.g. "lld" */
	bool stap;                    /* compiled as SystemTap's (FMT_STAP) */
};

/* One argument slot: which conversion it feeds, and whether it is a '*'. */
struct argslot {
	int conv;
	enum { A_VALUE, A_WIDTH, A_PREC } role;
	char text[16];                /* "%d", "%*s" for fmt_argconv */
};

struct fmt {
	enum fmt_dialect dialect;
	struct fmt_conv *convs;
	int nconvs;
	struct argslot *args;
	int nargs;
	int is_printa;
	int empty;                    /* the format string was "" */
};

static int seterr(struct fmt_error *err, int offset, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

static int seterr(struct fmt_error *err, int offset, const char *f, ...)
{
	if (err) {
		va_list ap;
		err->offset = offset;
		va_start(ap, f);
		vsnprintf(err->msg, sizeof(err->msg), f, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const struct convdef *find_def(char ch, enum fmt_dialect d)
{
	const struct convdef *t = d == FMT_STAP ? stap_convdefs : convdefs;
	size_t n = d == FMT_STAP ? sizeof(stap_convdefs) / sizeof(stap_convdefs[0])
				 : sizeof(convdefs) / sizeof(convdefs[0]);
	for (size_t i = 0; i < n; i++)
		if (t[i].ch == ch)
			return &t[i];
	return NULL;
}

/* Length-modifier spellings, longest first so "hh" wins over "h". */
static const struct { const char *text; enum lmod lmod; int mods; } lmods[] = {
	{ "hh", L_HH, M_INT }, { "h", L_H, M_INT }, { "ll", L_LONG, M_INT }, { "l", L_LONG, M_INT | M_WIDE },
	{ "z", L_LONG, M_INT }, { "j", L_LONG, M_INT }, { "t", L_LONG, M_INT }, { "L", L_LD, M_LD },
};

static int add_conv(struct fmt *f, int *cap)
{
	if (f->nconvs == *cap) {
		int ncap = *cap ? *cap * 2 : 8;
		struct fmt_conv *n = realloc(f->convs, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		f->convs = n;
		*cap = ncap;
	}
	memset(&f->convs[f->nconvs], 0, sizeof(f->convs[0]));
	f->convs[f->nconvs].prec = -1;
	return f->nconvs++;
}

static int add_arg(struct fmt *f, int *cap, int conv, int role)
{
	if (f->nargs == *cap) {
		int ncap = *cap ? *cap * 2 : 8;
		struct argslot *n = realloc(f->args, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		f->args = n;
		*cap = ncap;
	}
	struct argslot *a = &f->args[f->nargs++];
	const struct fmt_conv *c = &f->convs[conv];
	a->conv = conv;
	a->role = role;
	snprintf(a->text, sizeof(a->text), "%%%s%s",
		 role == A_WIDTH ? "*" : role == A_PREC ? ".*" : "", c->name);
	return 0;
}

/* Parse one conversion starting at the '%' at P; fill C; return the index just past it. */
static int parse_conv(const char *text, int p, struct fmt_conv *c, enum fmt_dialect d,
		      struct fmt_error *err)
{
	int start = p, dot = 0, digits = 0;
	char name[8];
	size_t namelen = 0;
	c->offset = start;
	for (;;) {
		char ch = text[++p];
		if (ch >= '0' && ch <= '9') {
			if (!dot && !digits && ch == '0') {
				c->flags |= F_ZPAD;
				c->flags &= ~F_LEFT;
				continue;
			}
			int n = 0;
			while (text[p] >= '0' && text[p] <= '9') {
				if (n <= FMT_MAX_WIDTH)
					n = n * 10 + (text[p] - '0');
				p++;
			}
			p--;
			if (dot)
				c->prec = clamp_width(n);
			else
				c->width = clamp_width(n);
			digits++;
			continue;
		}
		if (d == FMT_STAP && (ch == '\'' || ch == '@' || ch == '?' || ch == '$'))
			return seterr(err, start, "invalid or missing conversion specifier in "
				      "conversion #%d", c->convno);
		switch (ch) {
		case '#': c->flags |= F_ALT; continue;
		case '+': c->flags |= F_SPOS; continue;
		case ' ': c->flags |= F_SPACE; continue;
		case '\'': c->flags |= F_GROUP; continue;
		case '@': c->flags |= F_AGG; continue;
		case '?': c->width = 16; continue;
		case '-':
			c->flags |= F_LEFT;
			c->flags &= ~F_ZPAD;
			continue;
		case '*': {
			unsigned bit = dot ? F_DYNPREC : F_DYNWIDTH;
			if (c->flags & bit)
				return seterr(err, start, "format conversion #%d has more than one '*' "
					      "specified for the output %s", c->convno,
					      dot ? "precision" : "width");
			c->flags |= bit;
			continue;
		}
		case '.':
			if (dot++)
				return seterr(err, start, "format conversion #%d has more than one '.' "
					      "specified", c->convno);
			digits = 0;
			if (c->prec < 0)
				c->prec = 0;
			continue;
		case '$':
			return seterr(err, start, "format conversion #%d uses unsupported positional "
				      "format (%%n$)", c->convno);
		case '\0':
			return seterr(err, start, "format conversion #%d name expected before end of "
				      "format string", c->convno);
		case 'h': case 'l': case 'L': case 'z': case 'j': case 't':
			if (namelen < sizeof(name) - 2)
				name[namelen++] = ch;
			continue;
		case '%':
			if (p - 1 != start)
				return seterr(err, start, "format conversion #%d cannot be combined with "
					      "other format flags: %%%%", c->convno);
			/* fall through */
		default:
			name[namelen++] = ch;
			name[namelen] = '\0';
			break;
		}
		break;
	}
	memcpy(c->name, name, namelen + 1);
	c->def = find_def(name[namelen - 1], d);
	c->stap = d == FMT_STAP;
	if (d == FMT_STAP && !c->def)
		return seterr(err, start, "invalid or missing conversion specifier in conversion "
			      "#%d: %%%s", c->convno, name);
	int mods = M_NONE;
	c->lmod = L_NONE;
	if (c->def && namelen > 1) {
		mods = 0;
		for (size_t i = 0; i < sizeof(lmods) / sizeof(lmods[0]); i++)
			if (strlen(lmods[i].text) == namelen - 1 &&
			    memcmp(lmods[i].text, name, namelen - 1) == 0) {
				mods = lmods[i].mods;
				c->lmod = lmods[i].lmod;
			}
	}
	if (!c->def || !(c->def->mods & mods))
		return seterr(err, start, "format conversion #%d is undefined: %%%s", c->convno, name);
	if (c->def->kind == K_PCT)
		c->flags = 0;
	return p + 1;
}

struct fmt *fmt_compile(const char *text, struct fmt_error *err)
{
	return fmt_compile_dialect(text, FMT_D, err);
}

struct fmt *fmt_compile_dialect(const char *text, enum fmt_dialect d, struct fmt_error *err)
{
	struct fmt *f = calloc(1, sizeof(*f));
	int ccap = 0, acap = 0, q = 0, rc = 0;
	if (!f) {
		seterr(err, 0, "out of memory");
		return NULL;
	}
	f->dialect = d;
	f->empty = text[0] == '\0';
	for (;;) {
		const char *pct = strchr(text + q, '%');
		int p = pct ? (int)(pct - text) : (int)strlen(text);
		if (!pct && p == q && f->nconvs)
			break;
		int ci = add_conv(f, &ccap);
		if (ci < 0) {
			rc = seterr(err, q, "out of memory");
			goto fail;
		}
		struct fmt_conv *c = &f->convs[ci];
		c->convno = ci + 1;
		if (p > q && !(c->prefix = strndup(text + q, p - q))) {
			rc = seterr(err, q, "out of memory");
			goto fail;
		}
		if (!pct)
			break;
		int next = parse_conv(text, p, c, d, err);
		if (next < 0) {
			rc = next;
			goto fail;
		}
		if (c->def->kind != K_PCT) {
			if (((c->flags & F_DYNWIDTH) && add_arg(f, &acap, ci, A_WIDTH) < 0) ||
			    ((c->flags & F_DYNPREC) && add_arg(f, &acap, ci, A_PREC) < 0) ||
			    (!(c->flags & F_AGG) && add_arg(f, &acap, ci, A_VALUE) < 0)) {
				rc = seterr(err, p, "out of memory");
				goto fail;
			}
			if (c->flags & F_AGG)
				f->is_printa = 1;
		}
		q = next;
	}
	return f;
fail:
	(void)rc;
	fmt_free(f);
	return NULL;
}

void fmt_free(struct fmt *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->nconvs; i++)
		free(f->convs[i].prefix);
	free(f->convs);
	free(f->args);
	free(f);
}

int fmt_nargs(const struct fmt *f) { return f->nargs; }
int fmt_is_printa(const struct fmt *f) { return f->is_printa; }

enum ps_vtype fmt_argtype(const struct fmt *f, int i)
{
	if (i < 0 || i >= f->nargs)
		return PS_V_NONE;
	const struct argslot *a = &f->args[i];
	if (a->role == A_VALUE && takes_str(f->convs[a->conv].def->kind))
		return PS_V_STR;
	return PS_V_INT;
}

int fmt_argmem(const struct fmt *f, int i, int *prec)
{
	if (i < 0 || i >= f->nargs || f->args[i].role != A_VALUE)
		return 0;
	const struct fmt_conv *c = &f->convs[f->args[i].conv];
	if (!c->def || (c->def->kind != K_MEM && c->def->kind != K_ADDR))
		return 0;
	*prec = c->flags & F_DYNPREC ? -1 : c->prec > 0 ? c->prec : 0;
	return c->def->ch;
}

const char *fmt_argconv(const struct fmt *f, int i)
{
	return i >= 0 && i < f->nargs ? f->args[i].text : "";
}

/* How many '*' arguments conversion C consumes. */
static int nstars(const struct fmt_conv *c)
{
	return !!(c->flags & F_DYNWIDTH) + !!(c->flags & F_DYNPREC);
}

int fmt_check(const struct fmt *f, const char *func, int foff, const enum ps_vtype *types,
	      const char *const *names, int n, int flags, char *msg, size_t msglen)
{
	int j = 0;
	if (f->empty) {
		snprintf(msg, msglen, "%s( ) format string is empty", func);
		return -EINVAL;
	}
	for (int i = 0; i < f->nconvs; i++) {
		const struct fmt_conv *c = &f->convs[i];
		if (!c->def || c->def->kind == K_PCT)
			continue;
		/* DTrace checks a width '*' before a precision '*', as they are passed. */
		for (int k = 0; k < nstars(c); k++) {
			const char *dyn = (k == 0 && (c->flags & F_DYNWIDTH)) ? "*" : ".*";
			if (j >= n) {
				snprintf(msg, msglen, "%s( ) prototype mismatch: conversion #%d (%%%s) is "
					 "missing a corresponding \"%s\" argument", func, i + 1, c->name, dyn);
				return -EINVAL;
			}
			if (types[j] != PS_V_INT) {
				snprintf(msg, msglen, "%s( ) argument #%d is incompatible with conversion "
					 "#%d prototype:\n\tconversion: %% %s %s\n\t prototype: int\n"
					 "\t  argument: %s", func, j + foff + 1, i + 1, dyn, c->name,
					 names && names[j] ? names[j] : "string");
				return -EINVAL;
			}
			j++;
		}
		if (c->flags & F_AGG) {
			if (!(flags & FMT_CHECK_PRINTA)) {
				snprintf(msg, msglen, "%%@ conversion requires an aggregation and is not "
					 "for use with %s( )", func);
				return -EINVAL;
			}
			/* The value of every aggregating function is an integer. */
			if (takes_str(c->def->kind)) {
				snprintf(msg, msglen, "%s( ) aggregating action is incompatible with "
					 "conversion #%d prototype:\n\tconversion: %%%s\n\t prototype: %s\n"
					 "\t  argument: int64_t", func, i + 1, c->name, c->def->proto);
				return -EINVAL;
			}
			continue;
		}
		if (j >= n) {
			snprintf(msg, msglen, "%s( ) prototype mismatch: conversion #%d (%%%s) is missing "
				 "a corresponding value argument", func, i + 1, c->name);
			return -EINVAL;
		}
		enum ps_vtype want = takes_str(c->def->kind) ? PS_V_STR : PS_V_INT;
		if (types[j] != want) {
			snprintf(msg, msglen, "%s( ) argument #%d is incompatible with conversion #%d "
				 "prototype:\n\tconversion: %%%s\n\t prototype: %s\n\t  argument: %s",
				 func, j + foff + 1, i + 1, c->name, c->def->proto,
				 names && names[j] ? names[j] : types[j] == PS_V_STR ? "string" : "int");
			return -EINVAL;
		}
		j++;
	}
	if (!(flags & FMT_CHECK_PRINTA) && j < n) {
		snprintf(msg, msglen, "%s( ) prototype mismatch: only %d arguments required by this "
			 "format string", func, j);
		return -EINVAL;
	}
	return 0;
}

/* Build the C format for conversion C with WIDTH and PREC resolved; LENGTH and CH end it. */
static void cformat(char *buf, size_t len, const struct fmt_conv *c, int width, int prec,
		    const char *length, char ch)
{
	char *b = buf;
	unsigned fl = c->flags;
	*b++ = '%';
	if (fl & F_ALT) *b++ = '#';
	if (fl & F_ZPAD) *b++ = '0';
	if (width < 0 || (fl & F_LEFT)) *b++ = '-';
	if (fl & F_SPOS) *b++ = '+';
	if (fl & F_GROUP) *b++ = '\'';
	if (fl & F_SPACE) *b++ = ' ';
	size_t used = b - buf;
	if (width != 0)
		used += snprintf(buf + used, len - used, "%d", width < 0 ? -width : width);
	if (prec > 0)
		used += snprintf(buf + used, len - used, ".%d", prec);
	snprintf(buf + used, len - used, "%s%c", length, ch);
}

/* DTrace's %S/%C text: C escapes for \0 \a \b \f \n \r \t \v \" \\, octal "\ooo" for the
 * other bytes outside '!'..'~' except the space. */
static char *escape(const char *s, size_t n)
{
	static const char from[] = "\0\a\b\f\n\r\t\v\"\\", to[] = "0abfnrtv\"\\";
	char *out = malloc(n * 4 + 1), *q = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		const char *hit = memchr(from, ch, sizeof(from) - 1);
		if (hit) {
			*q++ = '\\';
			*q++ = to[hit - from];
		} else if (ch != ' ' && (ch < '!' || ch > '~')) {
			q += sprintf(q, "\\%03o", ch);
		} else {
			*q++ = (char)ch;
		}
	}
	*q = '\0';
	return out;
}

/* %Y: "2026 Nov 26 07:20:04"; %T: RFC 822, "Thu, 26 Nov 2026 07:20:04 UTC" — both in local
 * time, from nanoseconds since the epoch (walltimestamp). DTrace's %T prints the ISO 8601
 * week-based year (strftime %G), which differs from the calendar year around New Year; so
 * does this. */
static void wallclock(char *buf, size_t len, int64_t ns, int rfc822)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;
	if (!localtime_r(&sec, &tm)) {
		snprintf(buf, len, "%lld", (long long)ns);
		return;
	}
	strftime(buf, len, rfc822 ? "%a, %d %b %G %T %Z" : "%Y %b %e %T", &tm);
}

/* TEXT in C's width, left-justified with '-', no other flag (SystemTap's %p and "0x0"). */
static int print_padded(FILE *out, const struct fmt_conv *c, int width, const char *text)
{
	char cf[48];
	struct fmt_conv plain = *c;
	plain.flags &= F_LEFT;
	cformat(cf, sizeof(cf), &plain, width, 0, "", 's');
	return fprintf(out, cf, text);
}

static int print_conv(FILE *out, const struct fmt_conv *c, int width, int prec, struct ps_value v)
{
	char cf[48], num[32];
	enum kind k = c->def->kind;
	if (v.type == PS_V_NONE)
		v = ps_int(0);
	if (v.type == PS_V_STR && !takes_str(k)) {
		/* A string under a numeric conversion: print the string, keeping the layout. */
		struct fmt_conv s = *c;
		s.flags &= F_LEFT;
		cformat(cf, sizeof(cf), &s, width, 0, "", 's');
		return fprintf(out, cf, v.s ? v.s : "");
	}
	if (v.type == PS_V_INT && takes_str(k)) {
		snprintf(num, sizeof(num), "%lld", (long long)v.i);
		v = ps_str(num);
	}
	char text[64];
	int64_t i = v.i;
	switch (k) {
	case K_SINT:
		if (c->lmod == L_HH) i = (signed char)i;
		else if (c->lmod == L_H) i = (short)i;
		cformat(cf, sizeof(cf), c, width, prec, "ll", c->def->ch);
		return fprintf(out, cf, (long long)i);
	case K_UINT: {
		uint64_t u = (uint64_t)i;
		if (c->lmod == L_HH) u = (unsigned char)u;
		else if (c->lmod == L_H) u = (unsigned short)u;
		if (c->stap && u == 0 && (c->flags & F_ALT) && (c->def->ch == 'x' || c->def->ch == 'X')) {
			/* stap's runtime (as the kernel's vsprintf) prefixes 0 too: "0x0" */
			snprintf(text, sizeof(text), "0%c0", c->def->ch);
			return print_padded(out, c, width, text);
		}
		cformat(cf, sizeof(cf), c, width, prec, "ll", c->def->ch);
		return fprintf(out, cf, (unsigned long long)u);
	}
	case K_PTR:
		cformat(cf, sizeof(cf), c, width, prec, "ll", 'x');
		return fprintf(out, cf, (unsigned long long)i);
	case K_SPTR:
		snprintf(text, sizeof(text), "0x%016llx", (unsigned long long)i);
		return print_padded(out, c, width, text);
	case K_BIN: {
		/* the value's low WIDTH bytes as the machine holds them, as stap's %b writes */
		size_t n = width == 1 || width == 2 || width == 4 ? (size_t)width : 8;
		unsigned char b[8];
		uint64_t u = (uint64_t)i;
		uint16_t one = 1;
		memcpy(b, &u, sizeof(b));
		if (n < 8 && *(unsigned char *)&one == 0)
			memmove(b, b + 8 - n, n);      /* big-endian: the low bytes are last */
		return fwrite(b, 1, n, out) == n ? (int)n : -1;
	}
	case K_CHAR:
		cformat(cf, sizeof(cf), c, width, prec, "", 'c');
		return fprintf(out, cf, (int)(unsigned char)i);
	case K_FP:
		cformat(cf, sizeof(cf), c, width, prec, "", c->def->ch);
		return fprintf(out, cf, (double)i);
	case K_STR:
		cformat(cf, sizeof(cf), c, width, prec, "", 's');
		return fprintf(out, cf, v.s ? v.s : "");
	case K_PCT:
		return fputc('%', out) == EOF ? -1 : 1;
	case K_ESTR:
	case K_ECHR: {
		char ch = (char)i;
		char *esc = k == K_ESTR ? escape(v.s ? v.s : "", strlen(v.s ? v.s : ""))
					: escape(&ch, 1);
		if (!esc)
			return -1;
		cformat(cf, sizeof(cf), c, width, prec, "", 's');
		int n = fprintf(out, cf, esc);
		free(esc);
		return n;
	}
	case K_ADDR:
	case K_MEM:          /* not read (the runtime gives what was): the address */
		if (!(k == K_ADDR && c->def->ch == 'a' && kernel_symbols &&
		      ksym_text((uint64_t)i, text, sizeof(text))))
			snprintf(text, sizeof(text), "0x%llx", (unsigned long long)i);
		break;
	case K_YTIME:
	case K_RFCTIME:
		wallclock(text, sizeof(text), i, k == K_RFCTIME);
		break;
	}
	cformat(cf, sizeof(cf), c, width, prec, "", 's');
	return fprintf(out, cf, text);
}

int fmt_print_value(FILE *out, const struct fmt_conv *c, struct ps_value v)
{
	return print_conv(out, c, c->width, c->prec, v);
}

/* Take the next argument, or an integer 0 when the caller passed too few. */
static struct ps_value next_arg(const struct ps_value *args, int nargs, int *j)
{
	return *j < nargs ? args[(*j)++] : ps_int(0);
}

int fmt_print_agg(FILE *out, const struct fmt *f, const struct ps_value *args, int nargs,
		  fmt_aggval_fn aggval, void *ctx)
{
	int total = 0, j = 0;
	for (int i = 0; i < f->nconvs; i++) {
		const struct fmt_conv *c = &f->convs[i];
		int n;
		if (c->prefix) {
			if (fputs(c->prefix, out) == EOF)
				return -1;
			total += strlen(c->prefix);
		}
		if (!c->def)
			continue;
		int width = c->width, prec = c->prec;
		if (c->flags & F_DYNWIDTH) {
			struct ps_value w = next_arg(args, nargs, &j);
			width = w.type == PS_V_INT ? clamp_width(w.i) : 0;
		}
		if (c->flags & F_DYNPREC) {
			struct ps_value pv = next_arg(args, nargs, &j);
			prec = pv.type == PS_V_INT ? clamp_width(pv.i) : 0;
		}
		if (c->flags & F_AGG) {
			struct fmt_conv dyn = *c;
			dyn.width = width;
			dyn.prec = prec;
			n = aggval ? aggval(out, &dyn, ctx) : 0;
		} else if (c->def->kind == K_PCT) {
			n = print_conv(out, c, 0, 0, ps_int(0));
		} else {
			n = print_conv(out, c, width, prec, next_arg(args, nargs, &j));
		}
		if (n < 0)
			return -1;
		total += n;
	}
	return total;
}

int fmt_print(FILE *out, const struct fmt *f, const struct ps_value *args, int nargs)
{
	return fmt_print_agg(out, f, args, nargs, NULL, NULL);
}

void fmt_rawbytes(FILE *out, const char *s, size_t size)
{
	size_t len = strnlen(s, size);
	if (size == 0)
		return;
	fprintf(out, "\n%5s      ", "");
	for (int i = 0; i < 16; i++)
		fprintf(out, "  %c", "0123456789abcdef"[i]);
	fputs("  0123456789abcdef\n", out);
	for (size_t i = 0; i < size; i += 16) {
		size_t j;
		fprintf(out, "%5s%5zx:", "", i);
		for (j = i; j < i + 16 && j < size; j++)
			fprintf(out, " %02x", j < len ? (unsigned char)s[j] : 0);
		for (; j % 16; j++)
			fputs("   ", out);
		fputs("  ", out);
		for (j = i; j < i + 16 && j < size; j++) {
			char c = j < len ? s[j] : 0;
			fputc(c < ' ' || c > '~' ? '.' : c, out);
		}
		fputc('\n', out);
	}
}
