/*
 * argspec.h — decodes one stapsdt argument spec, the "N@OPERAND" words of a note's argument
 * string: "-4@%eax" (signed 4-byte register), "8@-8(%rbp)" (memory, offset from a register),
 * "8@$4660" (constant), "-4@112(%rsp)", "8@%rax". Size: 1, 2, 4 or 8 bytes, negative = signed;
 * a missing "N@" means a signed long (8). x86-64 register names of every width are accepted and
 * mapped to their 64-bit register.
 */
#ifndef PYSCOPE_ARGSPEC_H
#define PYSCOPE_ARGSPEC_H
#include <stdint.h>
#include <stdbool.h>

enum argspec_kind { ARGSPEC_CONST, ARGSPEC_REG, ARGSPEC_MEM };

struct argspec {
	enum argspec_kind kind;
	int size;                /* bytes: 1, 2, 4, 8 */
	bool is_signed;
	char reg[8];             /* as written, without '%': "eax", "rbp" (REG and MEM) */
	const char *reg64;       /* the full register it lives in: "rax", "rbp" */
	int64_t value;           /* CONST: the constant; MEM: the offset */
};

/* Parse one word. Returns 0, or -EINVAL with a reason in ERR. */
int argspec_parse(const char *word, struct argspec *out, char *err, int errlen);
/* Parse a whole argument string into at most MAX specs; returns the count or -EINVAL. */
int argspec_parse_all(const char *args, struct argspec *out, int max, char *err, int errlen);
/* "signed 4-byte register %eax" style description, for `pyscope list`. */
void argspec_describe(const struct argspec *a, char *buf, int len);
#endif
