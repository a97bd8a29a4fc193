/*
 * argspec.c — decodes the argument specs of a stapsdt note ("-4@%eax", "8@-8(%rbp)", "8@$4660" on
 * x86; "-4@w1", "8@[x19, -8]", "-4@5" on arm64), by the architecture of the object the note is in.
 *
 * <sys/sdt.h> writes each argument as "SIZE@OPERAND" where SIZE is the byte width (negative when
 * the C type is signed) and OPERAND is whatever the compiler's "nor" asm constraint produced, in
 * the target's assembler syntax. The grammar accepted here:
 *
 *   spec    -> [ SIZE '@' ] operand
 *   SIZE    -> ['-'] ( '1' | '2' | '4' | '8' )
 *   x86:   operand -> '%' REG                       register
 *                   | '$' INT                       constant
 *                   | [ INT ] '(' '%' REG ')'       memory at REG + INT
 *   arm64: operand -> REG                           register
 *                   | INT                           constant
 *                   | '[' REG [ ',' ['#'] INT ] ']' memory at REG + INT (blanks allowed inside)
 *   INT     -> ['-'|'+'] ( decimal | '0x' hex )
 *
 * Indexed (base,index,scale) and symbolic (sym(%rip)) operands are rejected with a reason: the
 * capture side reads the register frame plus one user-memory load, so only these shapes can be
 * evaluated. The architecture comes from the object's ELF header, never from the machine pyscope
 * runs on, so an arm64 binary lists the same on an x86 machine as on its own.
 *
 * One register table per architecture gives each name the full register it is part of and that
 * register's byte offset in the frame a uprobe program sees (x86-64's struct pt_regs, arm64's
 * struct user_pt_regs, the first part of its pt_regs): the offsets libbpf's USDT support records
 * in its spec for the BPF side (capture.bpf.c) to read. The frames are written out below because
 * the host's headers describe only the host.
 */
#include <elf.h>
#include <errno.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "argspec.h"

/* x86-64's struct pt_regs as the UAPI <asm/ptrace.h> lays it out. */
struct x86_64_pt_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi, orig_rax,
		 rip, cs, eflags, rsp, ss;
};
_Static_assert(sizeof(struct x86_64_pt_regs) == 21 * 8, "x86-64 pt_regs is 21 words");

/* arm64's struct user_pt_regs (UAPI <asm/ptrace.h>): x0..x30, then sp, pc, pstate. */
struct arm64_user_pt_regs {
	uint64_t regs[31], sp, pc, pstate;
};
_Static_assert(sizeof(struct arm64_user_pt_regs) == 34 * 8, "arm64 user_pt_regs is 34 words");

struct regdef {
	const char *name;        /* as a note writes it */
	const char *full;        /* the 64-bit register */
	int off;                 /* its offset in the frame */
};

#define X(name, full) { name, #full, (int)offsetof(struct x86_64_pt_regs, full) }
static const struct regdef x86_regs[] = {
	X("rax", rax), X("eax", rax), X("ax", rax), X("al", rax), X("ah", rax),
	X("rbx", rbx), X("ebx", rbx), X("bx", rbx), X("bl", rbx), X("bh", rbx),
	X("rcx", rcx), X("ecx", rcx), X("cx", rcx), X("cl", rcx), X("ch", rcx),
	X("rdx", rdx), X("edx", rdx), X("dx", rdx), X("dl", rdx), X("dh", rdx),
	X("rsi", rsi), X("esi", rsi), X("si", rsi), X("sil", rsi),
	X("rdi", rdi), X("edi", rdi), X("di", rdi), X("dil", rdi),
	X("rbp", rbp), X("ebp", rbp), X("bp", rbp), X("bpl", rbp),
	X("rsp", rsp), X("esp", rsp), X("sp", rsp), X("spl", rsp),
	X("rip", rip), X("eip", rip),
#define XN(n) X("r" #n, r##n), X("r" #n "d", r##n), X("r" #n "w", r##n), X("r" #n "b", r##n), \
	      X("r" #n "l", r##n)
	XN(8), XN(9), XN(10), XN(11), XN(12), XN(13), XN(14), XN(15),
#undef XN
};
#undef X

/* x0..x30 and their 32-bit halves w0..w30, then the stack pointer. */
#define A(n) { "x" #n, "x" #n, (int)offsetof(struct arm64_user_pt_regs, regs[n]) }, \
	     { "w" #n, "x" #n, (int)offsetof(struct arm64_user_pt_regs, regs[n]) }
static const struct regdef arm64_regs[] = {
	A(0), A(1), A(2), A(3), A(4), A(5), A(6), A(7), A(8), A(9), A(10), A(11), A(12), A(13),
	A(14), A(15), A(16), A(17), A(18), A(19), A(20), A(21), A(22), A(23), A(24), A(25), A(26),
	A(27), A(28), A(29), A(30),
	{ "sp", "sp", (int)offsetof(struct arm64_user_pt_regs, sp) },
	{ "wsp", "sp", (int)offsetof(struct arm64_user_pt_regs, sp) },
};
#undef A

static const struct {
	const char *name;
	const struct regdef *regs;
	size_t nregs;
} arches[ARGSPEC_ARCH_COUNT] = {
	[ARGSPEC_X86] = { "x86-64", x86_regs, sizeof(x86_regs) / sizeof(x86_regs[0]) },
	[ARGSPEC_ARM64] = { "arm64", arm64_regs, sizeof(arm64_regs) / sizeof(arm64_regs[0]) },
};

int argspec_arch_of(unsigned machine)
{
	switch (machine) {
	case EM_X86_64:
	case EM_386:             /* same names; pyscope traces only 64-bit processes */
		return ARGSPEC_X86;
	case EM_AARCH64:
		return ARGSPEC_ARM64;
	default:
		return -1;
	}
}

const char *argspec_arch_name(enum argspec_arch arch)
{
	return (unsigned)arch < ARGSPEC_ARCH_COUNT ? arches[arch].name : "unknown";
}

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

/* A register name of A's architecture at *P (letters and digits); fills reg, reg64 and reg_off
 * and advances *P. */
static int parse_reg(const char **p, struct argspec *a)
{
	const char *s = *p;
	size_t n = 0;
	while (isalnum((unsigned char)s[n]))
		n++;
	if (n == 0 || n >= sizeof(a->reg))
		return -EINVAL;
	for (size_t i = 0; i < arches[a->arch].nregs; i++) {
		const struct regdef *r = &arches[a->arch].regs[i];
		if (strlen(r->name) == n && memcmp(r->name, s, n) == 0) {
			memcpy(a->reg, s, n);
			a->reg[n] = 0;
			a->reg64 = r->full;
			a->reg_off = r->off;
			*p = s + n;
			return 0;
		}
	}
	return -EINVAL;
}

/* x86 operand (AT&T); advances *P past it. */
static int x86_operand(const char **pp, struct argspec *a, const char *word, char *err, int errlen)
{
	const char *p = *pp;
	if (*p == '$') {
		p++;
		a->kind = ARGSPEC_CONST;
		if (parse_int(&p, &a->value) < 0)
			return fail(err, errlen, word, "constant is not an integer");
	} else if (*p == '%') {
		a->kind = ARGSPEC_REG;
		p++;
		if (parse_reg(&p, a) < 0)
			return fail(err, errlen, word, "unknown register");
	} else if (*p == '(' || *p == '-' || *p == '+' || isdigit((unsigned char)*p)) {
		a->kind = ARGSPEC_MEM;
		if (*p != '(' && parse_int(&p, &a->value) < 0)
			return fail(err, errlen, word, "memory offset is not an integer");
		if (*p++ != '(')
			return fail(err, errlen, word, "expected '(' after the memory offset");
		if (*p++ != '%' || parse_reg(&p, a) < 0)
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
	*pp = p;
	return 0;
}

/* arm64 operand; advances *P past it. */
static int arm64_operand(const char **pp, struct argspec *a, const char *word, char *err, int errlen)
{
	const char *p = *pp;
	if (*p == '[') {
		a->kind = ARGSPEC_MEM;
		p++;
		while (*p == ' ')
			p++;
		if (parse_reg(&p, a) < 0)
			return fail(err, errlen, word, "unknown base register");
		while (*p == ' ')
			p++;
		if (*p == ',') {
			p++;
			while (*p == ' ')
				p++;
			if (*p == '#')
				p++;
			if (parse_int(&p, &a->value) < 0)
				return fail(err, errlen, word,
					    isalpha((unsigned char)*p) ?
					    "indexed memory operands are not supported" :
					    "memory offset is not an integer");
			while (*p == ' ')
				p++;
		}
		if (*p++ != ']')
			return fail(err, errlen, word, "expected ']' to close the memory operand");
	} else if (*p == '-' || *p == '+' || isdigit((unsigned char)*p)) {
		a->kind = ARGSPEC_CONST;
		if (parse_int(&p, &a->value) < 0)
			return fail(err, errlen, word, "constant is not an integer");
	} else if (isalpha((unsigned char)*p)) {
		a->kind = ARGSPEC_REG;
		if (parse_reg(&p, a) < 0)
			return fail(err, errlen, word, "unknown register");
	} else if (*p == 0) {
		return fail(err, errlen, word, "operand missing");
	} else {
		return fail(err, errlen, word, "unknown operand");
	}
	*pp = p;
	return 0;
}

int argspec_parse(const char *word, enum argspec_arch arch, struct argspec *out, char *err, int errlen)
{
	struct argspec a = { .arch = arch, .size = 8, .is_signed = true, .reg_off = -1 };
	const char *p = word;

	if ((unsigned)arch >= ARGSPEC_ARCH_COUNT)
		return fail(err, errlen, word, "unknown architecture");
	/* The size prefix is there when an '@' follows an optional '-' and digits. */
	const char *q = p + (*p == '-');
	while (isdigit((unsigned char)*q))
		q++;
	if (*q == '@' && q > p + (*p == '-')) {
		long size = strtol(p, NULL, 10);
		/* strtol saturates at LONG_MIN/LONG_MAX: bound it before taking its magnitude. */
		long mag = size < -8 || size > 8 ? 0 : size < 0 ? -size : size;
		if (mag != 1 && mag != 2 && mag != 4 && mag != 8)
			return fail(err, errlen, word, "size must be 1, 2, 4 or 8 bytes");
		a.size = (int)mag;
		a.is_signed = size < 0;
		p = q + 1;
	}
	int rc = arch == ARGSPEC_X86 ? x86_operand(&p, &a, word, err, errlen)
				     : arm64_operand(&p, &a, word, err, errlen);
	if (rc < 0)
		return rc;
	if (*p != 0)
		return fail(err, errlen, word, "trailing characters after the operand");
	*out = a;
	return 0;
}

int argspec_parse_all(const char *args, enum argspec_arch arch, struct argspec *out, int max,
		      char *err, int errlen)
{
	int n = 0;
	const char *p = args ? args : "";
	char word[128];
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == 0)
			return n;
		/* A word ends at a blank outside brackets: arm64 writes "-4@[sp, 12]". */
		size_t len = 0;
		for (int depth = 0; p[len] && (depth > 0 || (p[len] != ' ' && p[len] != '\t')); len++)
			depth += p[len] == '[' ? 1 : p[len] == ']' && depth > 0 ? -1 : 0;
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
		int rc = argspec_parse(word, arch, &out[n], err, errlen);
		if (rc < 0)
			return rc;
		n++;
		p += len;
	}
}

/* The operand in the architecture's syntax: "%eax", "112(%rsp)", "$5"; "w1", "[sp, 12]", "5". */
static void operand(const struct argspec *a, char *buf, size_t len)
{
	bool x86 = a->arch == ARGSPEC_X86;
	switch (a->kind) {
	case ARGSPEC_CONST:
		snprintf(buf, len, "%s%" PRId64, x86 ? "$" : "", a->value);
		break;
	case ARGSPEC_REG:
		snprintf(buf, len, "%s%s", x86 ? "%" : "", a->reg);
		break;
	case ARGSPEC_MEM:
		if (x86 && a->value)
			snprintf(buf, len, "%" PRId64 "(%%%s)", a->value, a->reg);
		else if (x86)
			snprintf(buf, len, "(%%%s)", a->reg);
		else if (a->value)
			snprintf(buf, len, "[%s, %" PRId64 "]", a->reg, a->value);
		else
			snprintf(buf, len, "[%s]", a->reg);
		break;
	}
}

void argspec_describe(const struct argspec *a, char *buf, int len)
{
	static const char *const kinds[] = {
		[ARGSPEC_CONST] = "constant", [ARGSPEC_REG] = "register", [ARGSPEC_MEM] = "memory at",
	};
	char op[64];
	if (a->kind == ARGSPEC_CONST)    /* the number, without x86's '$' */
		snprintf(op, sizeof(op), "%" PRId64, a->value);
	else
		operand(a, op, sizeof(op));
	snprintf(buf, len, "%s %d-byte %s %s", a->is_signed ? "signed" : "unsigned", a->size,
		 kinds[a->kind], op);
}

void argspec_short(const struct argspec *a, char *buf, size_t len)
{
	char op[64];
	operand(a, op, sizeof(op));
	snprintf(buf, len, "%c%d %s", a->is_signed ? 's' : 'u', a->size * 8, op);
}
