/*
 * argspec.h — decodes one stapsdt argument spec, the "N@OPERAND" words of a note's argument
 * string, in the syntax of the architecture the note was written for:
 *   x86-64 (AT&T): "-4@%eax" (signed 4-byte register), "8@-8(%rbp)" (memory, offset from a
 *                  register), "8@$4660" (constant); registers of every width map to their 64-bit
 *                  register; 32-bit x86 notes use the same syntax.
 *   arm64:         "8@x0", "-4@w1" (registers), "-4@[sp, 12]", "8@[x19, -8]", "4@[sp]" (memory),
 *                  "-4@5" (constant); w registers map to their x register.
 * Size: 1, 2, 4 or 8 bytes, negative = signed; a missing "N@" means a signed long (8). Each
 * register also gets its byte offset in that architecture's register frame, the offset libbpf's
 * USDT spec records for the BPF side.
 */
#ifndef PYSCOPE_ARGSPEC_H
#define PYSCOPE_ARGSPEC_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum argspec_kind { ARGSPEC_CONST, ARGSPEC_REG, ARGSPEC_MEM };

/* The syntaxes (and register tables) known. */
enum argspec_arch { ARGSPEC_X86, ARGSPEC_ARM64, ARGSPEC_ARCH_COUNT };

struct argspec {
	enum argspec_kind kind;
	enum argspec_arch arch;
	int size;                /* bytes: 1, 2, 4, 8 */
	bool is_signed;
	char reg[8];             /* as written, without '%': "eax", "rbp", "w1", "sp" (REG and MEM) */
	const char *reg64;       /* the full register it lives in: "rax", "rbp", "x1", "sp" */
	int reg_off;             /* byte offset of reg64 in the register frame: x86-64's struct
	                            pt_regs, arm64's struct user_pt_regs; -1 for a constant */
	int64_t value;           /* CONST: the constant; MEM: the offset */
};

/* The syntax of the notes of an ELF object whose e_machine is MACHINE; -1 when pyscope does not
 * decode that architecture's argument specs. */
int argspec_arch_of(unsigned machine);
/* "x86-64", "arm64". */
const char *argspec_arch_name(enum argspec_arch arch);

/* Parse one word written for ARCH. Returns 0, or -EINVAL with a reason in ERR. */
int argspec_parse(const char *word, enum argspec_arch arch, struct argspec *out, char *err, int errlen);
/* Parse a whole argument string into at most MAX specs; returns the count or -EINVAL. Words are
 * separated by blanks outside brackets ("-4@[sp, 12]" is one word). */
int argspec_parse_all(const char *args, enum argspec_arch arch, struct argspec *out, int max,
		      char *err, int errlen);
/* "signed 4-byte register %eax" style description. */
void argspec_describe(const struct argspec *a, char *buf, int len);
/* Compact form in the architecture's own syntax, for `pyscope list`: "u64 %rbx", "s32 112(%rsp)",
 * "u64 $4660"; "u64 x0", "s32 [sp, 12]", "s32 5". */
void argspec_short(const struct argspec *a, char *buf, size_t len);
#endif
