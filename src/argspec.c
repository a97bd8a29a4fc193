/*
 * argspec.c — decodes the argument specs of a stapsdt note ("-4@%eax", "8@-8(%rbp)", "8@$4660").
 *
 * <sys/sdt.h> writes each argument as "SIZE@OPERAND" where SIZE is the byte width (negative when
 * the C type is signed) and OPERAND is whatever the compiler's "nor" asm constraint produced, in
 * AT&T syntax: a register, a constant or a base-register memory reference. The grammar
 * accepted here:
 *
 *   spec    -> [ SIZE '@' ] operand
 *   SIZE    -> ['-'] ( '1' | '2' | '4' | '8' )
 *   operand -> '%' REG                       register
 *            | '$' INT                       constant
 *            | [ INT ] '(' '%' REG ')'       memory at REG + INT
 *   INT     -> ['-'|'+'] ( decimal | '0x' hex )
 *
 * Indexed (base,index,scale) and symbolic (sym(%rip)) operands are rejected with a reason: the
 * capture side reads pt_regs plus one user-memory load, so only these shapes can be evaluated.
 * The same syntax is used by 32-bit x86 notes (registers %eax ... %edi map to rax ... rdi).
 */
#include <errno.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "argspec.h"

/* Every x86 register name a note can carry, each with the 64-bit register it is part of. */
static const struct {
	const char *name;
	const char *reg64;
} regs[] = {
	{ "rax", "rax" }, { "eax", "rax" }, { "ax", "rax" }, { "al", "rax" }, { "ah", "rax" },
	{ "rbx", "rbx" }, { "ebx", "rbx" }, { "bx", "rbx" }, { "bl", "rbx" }, { "bh", "rbx" },
	{ "rcx", "rcx" }, { "ecx", "rcx" }, { "cx", "rcx" }, { "cl", "rcx" }, { "ch", "rcx" },
	{ "rdx", "rdx" }, { "edx", "rdx" }, { "dx", "rdx" }, { "dl", "rdx" }, { "dh", "rdx" },
	{ "rsi", "rsi" }, { "esi", "rsi" }, { "si", "rsi" }, { "sil", "rsi" },
	{ "rdi", "rdi" }, { "edi", "rdi" }, { "di", "rdi" }, { "dil", "rdi" },
	{ "rbp", "rbp" }, { "ebp", "rbp" }, { "bp", "rbp" }, { "bpl", "rbp" },
	{ "rsp", "rsp" }, { "esp", "rsp" }, { "sp", "rsp" }, { "spl", "rsp" },
	{ "rip", "rip" }, { "eip", "rip" },
	{ "r8", "r8" },   { "r8d", "r8" },   { "r8w", "r8" },   { "r8b", "r8" },   { "r8l", "r8" },
	{ "r9", "r9" },   { "r9d", "r9" },   { "r9w", "r9" },   { "r9b", "r9" },   { "r9l", "r9" },
	{ "r10", "r10" }, { "r10d", "r10" }, { "r10w", "r10" }, { "r10b", "r10" }, { "r10l", "r10" },
	{ "r11", "r11" }, { "r11d", "r11" }, { "r11w", "r11" }, { "r11b", "r11" }, { "r11l", "r11" },
	{ "r12", "r12" }, { "r12d", "r12" }, { "r12w", "r12" }, { "r12b", "r12" }, { "r12l", "r12" },
	{ "r13", "r13" }, { "r13d", "r13" }, { "r13w", "r13" }, { "r13b", "r13" }, { "r13l", "r13" },
	{ "r14", "r14" }, { "r14d", "r14" }, { "r14w", "r14" }, { "r14b", "r14" }, { "r14l", "r14" },
	{ "r15", "r15" }, { "r15d", "r15" }, { "r15w", "r15" }, { "r15b", "r15" }, { "r15l", "r15" },
};

static int fail(char *err, int errlen, const char *word, const char *why)
{
	if (err && errlen > 0)
		snprintf(err, errlen, "bad argument spec '%s': %s", word, why);
	return -EINVAL;
}

/* An integer at *P (decimal or 0x hex, optional sign); advances *P. 0 or -EINVAL. */
static int parse_int(const char **p, int64_t *out)
{
	const char *s = *p;
	bool neg = false;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			return -EINVAL;   /* strtoull would take a second "0x" */
	}
	if (!isxdigit((unsigned char)*s) || (base == 10 && !isdigit((unsigned char)*s)))
		return -EINVAL;
	char *end;
	errno = 0;
	uint64_t v = strtoull(s, &end, base);
	/* One more than INT64_MAX is fine when negative: "$-9223372036854775808". */
	if (errno == ERANGE || v > (uint64_t)INT64_MAX + neg)
		return -EINVAL;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	*p = end;
	return 0;
}

/* "%NAME" at *P (up to END or ')'); fills reg/reg64 and advances *P. */
static int parse_reg(const char **p, struct argspec *a)
{
	const char *s = *p;
	if (*s++ != '%')
		return -EINVAL;
	size_t n = 0;
	while (isalnum((unsigned char)s[n]))
		n++;
	if (n == 0 || n >= sizeof(a->reg))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		if (strlen(regs[i].name) == n && memcmp(regs[i].name, s, n) == 0) {
			memcpy(a->reg, s, n);
			a->reg[n] = 0;
			a->reg64 = regs[i].reg64;
			*p = s + n;
			return 0;
		}
	}
	return -EINVAL;
}

int argspec_parse(const char *word, struct argspec *out, char *err, int errlen)
{
	struct argspec a = { .size = 8, .is_signed = true };
	const char *p = word;

	/* The size prefix is there when an '@' follows an optional '-' and digits. */
	const char *q = p + (*p == '-');
	while (isdigit((unsigned char)*q))
		q++;
	if (*q == '@' && q > p + (*p == '-')) {
		long size = strtol(p, NULL, 10);
		long mag = size < 0 ? -size : size;
		if (mag != 1 && mag != 2 && mag != 4 && mag != 8)
			return fail(err, errlen, word, "size must be 1, 2, 4 or 8 bytes");
		a.size = (int)mag;
		a.is_signed = size < 0;
		p = q + 1;
	}

	if (*p == '$') {
		p++;
		a.kind = ARGSPEC_CONST;
		if (parse_int(&p, &a.value) < 0)
			return fail(err, errlen, word, "constant is not an integer");
	} else if (*p == '%') {
		a.kind = ARGSPEC_REG;
		if (parse_reg(&p, &a) < 0)
			return fail(err, errlen, word, "unknown register");
	} else if (*p == '(' || *p == '-' || *p == '+' || isdigit((unsigned char)*p)) {
		a.kind = ARGSPEC_MEM;
		if (*p != '(' && parse_int(&p, &a.value) < 0)
			return fail(err, errlen, word, "memory offset is not an integer");
		if (*p++ != '(')
			return fail(err, errlen, word, "expected '(' after the memory offset");
		if (parse_reg(&p, &a) < 0)
			return fail(err, errlen, word, "unknown base register");
		if (*p == ',')
			return fail(err, errlen, word, "indexed memory operands are not supported");
		if (*p++ != ')')
			return fail(err, errlen, word, "expected ')' after the base register");
	} else if (*p == 0) {
		return fail(err, errlen, word, "operand missing");
	} else {
		return fail(err, errlen, word,
			    isalpha((unsigned char)*p) || *p == '_' ?
			    "symbolic operands are not supported" : "unknown operand");
	}
	if (*p != 0)
		return fail(err, errlen, word, "trailing characters after the operand");
	*out = a;
	return 0;
}

int argspec_parse_all(const char *args, struct argspec *out, int max, char *err, int errlen)
{
	int n = 0;
	const char *p = args ? args : "";
	char word[128];
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == 0)
			return n;
		size_t len = strcspn(p, " \t");
		if (len >= sizeof(word)) {
			if (err && errlen > 0)
				snprintf(err, errlen, "bad argument spec: a word of %zu characters", len);
			return -EINVAL;
		}
		if (n == max) {
			if (err && errlen > 0)
				snprintf(err, errlen, "more than %d argument specs", max);
			return -EINVAL;
		}
		memcpy(word, p, len);
		word[len] = 0;
		int rc = argspec_parse(word, &out[n], err, errlen);
		if (rc < 0)
			return rc;
		n++;
		p += len;
	}
}

void argspec_describe(const struct argspec *a, char *buf, int len)
{
	const char *sign = a->is_signed ? "signed" : "unsigned";
	switch (a->kind) {
	case ARGSPEC_CONST:
		snprintf(buf, len, "%s %d-byte constant %" PRId64, sign, a->size, a->value);
		break;
	case ARGSPEC_REG:
		snprintf(buf, len, "%s %d-byte register %%%s", sign, a->size, a->reg);
		break;
	case ARGSPEC_MEM:
		if (a->value)
			snprintf(buf, len, "%s %d-byte memory at %" PRId64 "(%%%s)", sign, a->size,
				 a->value, a->reg);
		else
			snprintf(buf, len, "%s %d-byte memory at (%%%s)", sign, a->size, a->reg);
		break;
	}
}
