/*
 * test_argspec.c — the stapsdt argument-spec decoder: registers of every width, sizes and
 * signedness, memory operands with and without (negative, hex) offsets, constants, a missing size
 * prefix, whole argument strings, descriptions, and garbage that must be refused with a reason.
 */
#include <errno.h>
#include <stdint.h>
#include "argspec.h"
#include "unit.h"

/* One well-formed word and what it must decode to. */
static const struct {
	const char *word;
	enum argspec_kind kind;
	int size;
	bool is_signed;
	const char *reg, *reg64;
	int64_t value;
} good[] = {
	{ "8@%rax",       ARGSPEC_REG,   8, false, "rax",  "rax", 0 },
	{ "-4@%eax",      ARGSPEC_REG,   4, true,  "eax",  "rax", 0 },
	{ "2@%ax",        ARGSPEC_REG,   2, false, "ax",   "rax", 0 },
	{ "-1@%al",       ARGSPEC_REG,   1, true,  "al",   "rax", 0 },
	{ "1@%ah",        ARGSPEC_REG,   1, false, "ah",   "rax", 0 },
	{ "1@%bh",        ARGSPEC_REG,   1, false, "bh",   "rbx", 0 },
	{ "8@%rbp",       ARGSPEC_REG,   8, false, "rbp",  "rbp", 0 },
	{ "-4@%ebp",      ARGSPEC_REG,   4, true,  "ebp",  "rbp", 0 },
	{ "1@%bpl",       ARGSPEC_REG,   1, false, "bpl",  "rbp", 0 },
	{ "1@%sil",       ARGSPEC_REG,   1, false, "sil",  "rsi", 0 },
	{ "2@%di",        ARGSPEC_REG,   2, false, "di",   "rdi", 0 },
	{ "4@%esp",       ARGSPEC_REG,   4, false, "esp",  "rsp", 0 },
	{ "8@%r8",        ARGSPEC_REG,   8, false, "r8",   "r8",  0 },
	{ "-4@%r8d",      ARGSPEC_REG,   4, true,  "r8d",  "r8",  0 },
	{ "2@%r8w",       ARGSPEC_REG,   2, false, "r8w",  "r8",  0 },
	{ "-1@%r8b",      ARGSPEC_REG,   1, true,  "r8b",  "r8",  0 },
	{ "8@%r12",       ARGSPEC_REG,   8, false, "r12",  "r12", 0 },
	{ "-4@%r15d",     ARGSPEC_REG,   4, true,  "r15d", "r15", 0 },
	{ "2@%r11w",      ARGSPEC_REG,   2, false, "r11w", "r11", 0 },
	{ "1@%r14b",      ARGSPEC_REG,   1, false, "r14b", "r14", 0 },
	{ "-8@%r12",      ARGSPEC_REG,   8, true,  "r12",  "r12", 0 },
	{ "%rdi",         ARGSPEC_REG,   8, true,  "rdi",  "rdi", 0 },      /* no size: signed long */
	{ "-4@112(%rsp)", ARGSPEC_MEM,   4, true,  "rsp",  "rsp", 112 },
	{ "8@-8(%rbp)",   ARGSPEC_MEM,   8, false, "rbp",  "rbp", -8 },
	{ "-4@-12(%rbp)", ARGSPEC_MEM,   4, true,  "rbp",  "rbp", -12 },
	{ "8@-80(%rbx)",  ARGSPEC_MEM,   8, false, "rbx",  "rbx", -80 },
	{ "8@(%rax)",     ARGSPEC_MEM,   8, false, "rax",  "rax", 0 },
	{ "2@0x10(%r9)",  ARGSPEC_MEM,   2, false, "r9",   "r9",  16 },
	{ "1@+3(%rcx)",   ARGSPEC_MEM,   1, false, "rcx",  "rcx", 3 },
	{ "-8(%rbp)",     ARGSPEC_MEM,   8, true,  "rbp",  "rbp", -8 },     /* no size, memory */
	{ "8@$4660",      ARGSPEC_CONST, 8, false, "",     NULL,  4660 },
	{ "-4@$-1",       ARGSPEC_CONST, 4, true,  "",     NULL,  -1 },
	{ "4@$0",         ARGSPEC_CONST, 4, false, "",     NULL,  0 },
	{ "8@$0x1234",    ARGSPEC_CONST, 8, false, "",     NULL,  0x1234 },
	{ "$7",           ARGSPEC_CONST, 8, true,  "",     NULL,  7 },
	{ "-8@$-9223372036854775808", ARGSPEC_CONST, 8, true, "", NULL, INT64_MIN },
	{ "8@$9223372036854775807",   ARGSPEC_CONST, 8, false, "", NULL, INT64_MAX },
};

/* Words that must be refused, and a piece of the reason each must give. */
static const struct {
	const char *word;
	const char *why;
} bad[] = {
	{ "",               "operand missing" },
	{ "8@",             "operand missing" },
	{ "3@%rax",         "size must be 1, 2, 4 or 8" },
	{ "16@%rax",        "size must be 1, 2, 4 or 8" },
	{ "-0@%rax",        "size must be 1, 2, 4 or 8" },
	/* strtol saturates: its LONG_MIN once overflowed when negated (found by fuzz_argspec) */
	{ "-99999999999999999999@%rax", "size must be 1, 2, 4 or 8" },
	{ "99999999999999999999@%rax",  "size must be 1, 2, 4 or 8" },
	{ "8@%xyz",         "unknown register" },
	{ "8@%",            "unknown register" },
	{ "8@%raxx",        "unknown register" },
	{ "8@%RAX",         "unknown register" },
	{ "8@%rax)",        "trailing characters" },
	{ "8@%rax junk",    "trailing characters" },
	{ "8@$",            "constant is not an integer" },
	{ "8@$abc",         "constant is not an integer" },
	{ "8@$0x",          "constant is not an integer" },
	{ "8@$0x0x5",       "constant is not an integer" },
	{ "8@$99999999999999999999", "constant is not an integer" },
	{ "8@$12abc",       "trailing characters" },
	{ "8@-8",           "expected '('" },
	{ "8@-8(%rbp",      "expected ')'" },
	{ "8@-8(rbp)",      "unknown base register" },
	{ "8@(%rax,%rbx,8)", "indexed memory operands" },
	{ "8@foo(%rip)",    "symbolic operands" },
	{ "8@x0",           "symbolic operands" },   /* an AArch64 register: not x86 */
	{ "8@*%rax",        "unknown operand" },
	{ "@%rax",          "unknown operand" },
	{ "-@%rax",         "memory offset is not an integer" },
};

static void check_good(void)
{
	char name[160], err[160];
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct argspec a;
		err[0] = 0;
		int rc = argspec_parse(good[i].word, ARGSPEC_X86, &a, err, sizeof(err));
		snprintf(name, sizeof(name), "parse '%s'", good[i].word);
		CHECK_INT(name, 0, rc);
		if (rc < 0) {
			printf("  error: %s\n", err);
			continue;
		}
		snprintf(name, sizeof(name), "'%s' kind", good[i].word);
		CHECK_INT(name, good[i].kind, a.kind);
		snprintf(name, sizeof(name), "'%s' size", good[i].word);
		CHECK_INT(name, good[i].size, a.size);
		snprintf(name, sizeof(name), "'%s' signedness", good[i].word);
		CHECK_INT(name, good[i].is_signed, a.is_signed);
		snprintf(name, sizeof(name), "'%s' value", good[i].word);
		CHECK(name, good[i].value == a.value);
		if (good[i].kind != ARGSPEC_CONST) {
			snprintf(name, sizeof(name), "'%s' register", good[i].word);
			CHECK_STR(name, good[i].reg, a.reg);
			snprintf(name, sizeof(name), "'%s' 64-bit register", good[i].word);
			CHECK_STR(name, good[i].reg64, a.reg64);
		}
	}
}

static void check_bad(void)
{
	char name[160], err[160];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct argspec a = { .size = 99 };
		err[0] = 0;
		int rc = argspec_parse(bad[i].word, ARGSPEC_X86, &a, err, sizeof(err));
		snprintf(name, sizeof(name), "refuse '%s'", bad[i].word);
		CHECK_INT(name, -EINVAL, rc);
		snprintf(name, sizeof(name), "refuse '%s' says why (%s)", bad[i].word, bad[i].why);
		CHECK(name, strstr(err, bad[i].why) != NULL);
		if (!strstr(err, bad[i].why))
			printf("  error was: %s\n", err);
		snprintf(name, sizeof(name), "refuse '%s' leaves the output alone", bad[i].word);
		CHECK_INT(name, 99, a.size);
	}
}

static void check_all(void)
{
	struct argspec s[4];
	char err[160];
	CHECK_INT("parse_all python3.11 function__entry", 3,
		  argspec_parse_all("8@%rbp 8@%r12 -4@%eax", ARGSPEC_X86, s, 4, err, sizeof(err)));
	CHECK_STR("parse_all 1st register", "rbp", s[0].reg);
	CHECK_STR("parse_all 2nd register", "r12", s[1].reg);
	CHECK_INT("parse_all 3rd size", 4, s[2].size);
	CHECK_INT("parse_all 3rd signed", 1, s[2].is_signed);
	CHECK_INT("parse_all sdt_target mixed", 3,
		  argspec_parse_all("8@%rax 8@-8(%rbp) -4@-12(%rbp)", ARGSPEC_X86, s, 4, err, sizeof(err)));
	CHECK_INT("parse_all mixed: memory offset", -12, s[2].value);
	CHECK_INT("parse_all empty string", 0, argspec_parse_all("", ARGSPEC_X86, s, 4, err, sizeof(err)));
	CHECK_INT("parse_all NULL", 0, argspec_parse_all(NULL, ARGSPEC_X86, s, 4, err, sizeof(err)));
	CHECK_INT("parse_all extra blanks", 2,
		  argspec_parse_all("  8@%rax\t\t-4@%edx  ", ARGSPEC_X86, s, 4, err, sizeof(err)));
	CHECK_STR("parse_all extra blanks: 2nd register", "edx", s[1].reg);
	CHECK_INT("parse_all too many", -EINVAL,
		  argspec_parse_all("8@%rax 8@%rax 8@%rax", ARGSPEC_X86, s, 2, err, sizeof(err)));
	CHECK_STR("parse_all too many: reason", "more than 2 argument specs", err);
	CHECK_INT("parse_all one bad word", -EINVAL,
		  argspec_parse_all("8@%rax 8@%bogus", ARGSPEC_X86, s, 4, err, sizeof(err)));
	CHECK_STR("parse_all one bad word: reason", "bad argument spec '8@%bogus': unknown register", err);
	char longw[300];
	memset(longw, '1', sizeof(longw) - 1);
	longw[sizeof(longw) - 1] = 0;
	CHECK_INT("parse_all overlong word", -EINVAL, argspec_parse_all(longw, ARGSPEC_X86, s, 4, err, sizeof(err)));
}

static void check_describe(void)
{
	static const struct { const char *word, *text; } d[] = {
		{ "-4@%eax",      "signed 4-byte register %eax" },
		{ "8@%r12",       "unsigned 8-byte register %r12" },
		{ "-4@112(%rsp)", "signed 4-byte memory at 112(%rsp)" },
		{ "8@-8(%rbp)",   "unsigned 8-byte memory at -8(%rbp)" },
		{ "2@(%rax)",     "unsigned 2-byte memory at (%rax)" },
		{ "8@$4660",      "unsigned 8-byte constant 4660" },
		{ "-4@$-1",       "signed 4-byte constant -1" },
	};
	char buf[128], name[128];
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		struct argspec a;
		argspec_parse(d[i].word, ARGSPEC_X86, &a, NULL, 0);
		argspec_describe(&a, buf, sizeof(buf));
		snprintf(name, sizeof(name), "describe '%s'", d[i].word);
		CHECK_STR(name, d[i].text, buf);
	}
}

int main(void)
{
	check_good();
	check_bad();
	check_all();
	check_describe();
	return unit_status();
}
