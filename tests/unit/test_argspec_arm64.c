/*
 * test_argspec_arm64.c — argument specs as arm64 compilers write them ("8@x0", "-4@[sp, 12]",
 * "8@[x19, -8]", "4@[sp]", "-4@5", w registers), decoded by the arm64 register table with each
 * register's offset in arm64's user_pt_regs; x86's offsets in its pt_regs; the architecture taken
 * from e_machine; and one syntax refused in the other's words.
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include "argspec.h"
#include "unit.h"

static const struct {
	const char *word;
	enum argspec_kind kind;
	int size;
	bool is_signed;
	const char *reg, *reg64;
	int reg_off;
	int64_t value;
} good[] = {
	{ "8@x0",          ARGSPEC_REG,   8, false, "x0",  "x0",  0,   0 },
	{ "-8@x4",         ARGSPEC_REG,   8, true,  "x4",  "x4",  32,  0 },
	{ "-4@w1",         ARGSPEC_REG,   4, true,  "w1",  "x1",  8,   0 },
	{ "4@w30",         ARGSPEC_REG,   4, false, "w30", "x30", 240, 0 },
	{ "8@x29",         ARGSPEC_REG,   8, false, "x29", "x29", 232, 0 },
	{ "8@sp",          ARGSPEC_REG,   8, false, "sp",  "sp",  248, 0 },
	{ "-4@[sp, 12]",   ARGSPEC_MEM,   4, true,  "sp",  "sp",  248, 12 },
	{ "-4@[sp,12]",    ARGSPEC_MEM,   4, true,  "sp",  "sp",  248, 12 },
	{ "8@[x19, -8]",   ARGSPEC_MEM,   8, false, "x19", "x19", 152, -8 },
	{ "4@[sp]",        ARGSPEC_MEM,   4, false, "sp",  "sp",  248, 0 },
	{ "2@[ x2 , #0x10 ]", ARGSPEC_MEM, 2, false, "x2", "x2",  16,  16 },
	{ "-4@5",          ARGSPEC_CONST, 4, true,  "",    NULL,  -1,  5 },
	{ "8@-1",          ARGSPEC_CONST, 8, false, "",    NULL,  -1,  -1 },
	{ "1@0x7f",        ARGSPEC_CONST, 1, false, "",    NULL,  -1,  127 },
	{ "x3",            ARGSPEC_REG,   8, true,  "x3",  "x3",  24,  0 },   /* no size: signed long */
};

static const struct {
	const char *word;
	const char *why;
} bad[] = {
	{ "8@x31",         "unknown register" },     /* x31 is not a register: sp or xzr */
	{ "8@x01",         "unknown register" },
	{ "8@X0",          "unknown register" },
	{ "8@%rax",        "unknown operand" },      /* x86 syntax in an arm64 note */
	{ "8@$5",          "unknown operand" },
	{ "8@-8(%rbp)",    "trailing characters" },
	{ "8@[x0",         "expected ']'" },
	{ "8@[x0, 8",      "expected ']'" },
	{ "8@[x0, x1]",    "indexed memory operands" },
	{ "8@[q0, 8]",     "unknown base register" },
	{ "8@[x0, ]",      "memory offset is not an integer" },
	{ "8@",            "operand missing" },
	{ "3@x0",          "size must be 1, 2, 4 or 8" },
	{ "8@x0]",         "trailing characters" },
};

static void check_arm64(void)
{
	char name[160], err[160];
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct argspec a;
		err[0] = 0;
		int rc = argspec_parse(good[i].word, ARGSPEC_ARM64, &a, err, sizeof(err));
		snprintf(name, sizeof(name), "arm64 parse '%s'", good[i].word);
		CHECK_INT(name, 0, rc);
		if (rc < 0) {
			printf("  error: %s\n", err);
			continue;
		}
		snprintf(name, sizeof(name), "arm64 '%s' kind", good[i].word);
		CHECK_INT(name, good[i].kind, a.kind);
		snprintf(name, sizeof(name), "arm64 '%s' size and sign", good[i].word);
		CHECK_INT(name, good[i].size * (good[i].is_signed ? -1 : 1), a.size * (a.is_signed ? -1 : 1));
		snprintf(name, sizeof(name), "arm64 '%s' value", good[i].word);
		CHECK(name, good[i].value == a.value);
		snprintf(name, sizeof(name), "arm64 '%s' offset in user_pt_regs", good[i].word);
		CHECK_INT(name, good[i].reg_off, a.reg_off);
		if (good[i].kind != ARGSPEC_CONST) {
			snprintf(name, sizeof(name), "arm64 '%s' register", good[i].word);
			CHECK_STR(name, good[i].reg, a.reg);
			snprintf(name, sizeof(name), "arm64 '%s' 64-bit register", good[i].word);
			CHECK_STR(name, good[i].reg64, a.reg64);
		}
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct argspec a = { .size = 99 };
		err[0] = 0;
		snprintf(name, sizeof(name), "arm64 refuse '%s' (%s)", bad[i].word, bad[i].why);
		CHECK_INT(name, -EINVAL, argspec_parse(bad[i].word, ARGSPEC_ARM64, &a, err, sizeof(err)));
		CHECK(name, strstr(err, bad[i].why) != NULL && a.size == 99);
		if (!strstr(err, bad[i].why))
			printf("  error was: %s\n", err);
	}
}

static void check_x86_offsets(void)
{
	static const struct { const char *word; int off; } x[] = {
		{ "8@%r15", 0 }, { "8@%rbp", 32 }, { "-4@%eax", 80 }, { "1@%al", 80 }, { "8@%rcx", 88 },
		{ "8@%rdx", 96 }, { "8@%rsi", 104 }, { "-4@%edi", 112 }, { "8@%rip", 128 },
		{ "-4@112(%rsp)", 152 }, { "8@%r8", 72 }, { "2@%r12w", 24 }, { "8@$1", -1 },
	};
	char name[96];
	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		struct argspec a = { .reg_off = 12345 };
		argspec_parse(x[i].word, ARGSPEC_X86, &a, NULL, 0);
		snprintf(name, sizeof(name), "x86 '%s' offset in pt_regs", x[i].word);
		CHECK_INT(name, x[i].off, a.reg_off);
	}
}

static void check_all_and_forms(void)
{
	struct argspec s[6];
	char err[160], buf[96];
	CHECK_INT("arm64 parse_all: blanks inside brackets", 4,
		  argspec_parse_all("-4@[sp, 12] 8@x0  8@[x19, -8]\t-4@5", ARGSPEC_ARM64, s, 6, err,
				    sizeof(err)));
	CHECK_INT("arm64 parse_all: 1st is memory", ARGSPEC_MEM, s[0].kind);
	CHECK_INT("arm64 parse_all: 1st offset", 12, s[0].value);
	CHECK_STR("arm64 parse_all: 3rd base", "x19", s[2].reg);
	CHECK_INT("arm64 parse_all: 4th constant", 5, s[3].value);
	CHECK_INT("arm64 parse_all: a bad word", -EINVAL,
		  argspec_parse_all("8@x0 8@[x99, 8]", ARGSPEC_ARM64, s, 6, err, sizeof(err)));
	CHECK_STR("arm64 parse_all: a bad word says which",
		  "bad argument spec '8@[x99, 8]': unknown base register", err);
	CHECK_INT("x86 words stay blank-separated", -EINVAL,
		  argspec_parse_all("-4@[sp, 12]", ARGSPEC_X86, s, 6, err, sizeof(err)));

	static const struct { const char *word, *shrt, *desc; } f[] = {
		{ "8@x0",        "u64 x0",       "unsigned 8-byte register x0" },
		{ "-4@w1",       "s32 w1",       "signed 4-byte register w1" },
		{ "-4@[sp, 12]", "s32 [sp, 12]", "signed 4-byte memory at [sp, 12]" },
		{ "8@[x19, -8]", "u64 [x19, -8]", "unsigned 8-byte memory at [x19, -8]" },
		{ "4@[sp]",      "u32 [sp]",     "unsigned 4-byte memory at [sp]" },
		{ "-4@5",        "s32 5",        "signed 4-byte constant 5" },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		char name[96];
		argspec_parse(f[i].word, ARGSPEC_ARM64, &s[0], NULL, 0);
		argspec_short(&s[0], buf, sizeof(buf));
		snprintf(name, sizeof(name), "arm64 short '%s'", f[i].word);
		CHECK_STR(name, f[i].shrt, buf);
		argspec_describe(&s[0], buf, sizeof(buf));
		snprintf(name, sizeof(name), "arm64 describe '%s'", f[i].word);
		CHECK_STR(name, f[i].desc, buf);
	}
	static const struct { const char *word, *shrt; } g[] = {
		{ "8@%rbx", "u64 %rbx" }, { "-4@112(%rsp)", "s32 112(%rsp)" }, { "8@$4660", "u64 $4660" },
		{ "2@(%rax)", "u16 (%rax)" },
	};
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		char name[96];
		argspec_parse(g[i].word, ARGSPEC_X86, &s[0], NULL, 0);
		argspec_short(&s[0], buf, sizeof(buf));
		snprintf(name, sizeof(name), "x86 short '%s'", g[i].word);
		CHECK_STR(name, g[i].shrt, buf);
	}
}

static void check_arch_of(void)
{
	CHECK_INT("EM_X86_64 is x86", ARGSPEC_X86, argspec_arch_of(EM_X86_64));
	CHECK_INT("EM_386 is x86", ARGSPEC_X86, argspec_arch_of(EM_386));
	CHECK_INT("EM_AARCH64 is arm64", ARGSPEC_ARM64, argspec_arch_of(EM_AARCH64));
	CHECK_INT("EM_RISCV is not known", -1, argspec_arch_of(EM_RISCV));
	CHECK_STR("arch name arm64", "arm64", argspec_arch_name(ARGSPEC_ARM64));
	CHECK_STR("arch name x86-64", "x86-64", argspec_arch_name(ARGSPEC_X86));
	struct argspec a;
	char err[96];
	CHECK_INT("unknown arch refused", -EINVAL, argspec_parse("8@x0", (enum argspec_arch)7, &a, err,
								 sizeof(err)));
}

int main(void)
{
	check_arm64();
	check_x86_offsets();
	check_all_and_forms();
	check_arch_of();
	return unit_status();
}
