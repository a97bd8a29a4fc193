/*
 * unit.h — the smallest unit-test helper: each CHECK prints one "PASS: name" or "FAIL: name" line
 * for tests/run to count. A unit test is a main() calling CHECK* and returning unit_status().
 */
#ifndef PYSCOPE_UNIT_H
#define PYSCOPE_UNIT_H
#include <stdio.h>
#include <string.h>

static int unit_failures;

#define CHECK(name, cond) do { \
	if (cond) printf("PASS: %s\n", (name)); \
	else { printf("FAIL: %s\n  %s:%d: %s\n", (name), __FILE__, __LINE__, #cond); unit_failures++; } \
} while (0)

#define CHECK_STR(name, want, got) do { \
	const char *w_ = (want), *g_ = (got); \
	if (g_ && strcmp(w_, g_) == 0) printf("PASS: %s\n", (name)); \
	else { printf("FAIL: %s\n  want: \"%s\"\n  got:  \"%s\"\n", (name), w_, g_ ? g_ : "(null)"); \
	       unit_failures++; } \
} while (0)

#define CHECK_INT(name, want, got) do { \
	long long w_ = (long long)(want), g_ = (long long)(got); \
	if (w_ == g_) printf("PASS: %s\n", (name)); \
	else { printf("FAIL: %s\n  want: %lld\n  got:  %lld\n", (name), w_, g_); unit_failures++; } \
} while (0)

static inline int unit_status(void) { return unit_failures ? 1 : 0; }
#endif
