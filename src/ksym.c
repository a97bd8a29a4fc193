/*
 * ksym.c — kernel addresses as symbols, for D's printf("%a") (see ksym.h). The table is
 * /proc/kallsyms, read once at the first lookup and sorted by address. kallsyms gives no sizes:
 * a symbol is taken to run to the next one, and at most KSYM_MAX_OFF past its start (past the
 * last symbol of the kernel image or of a module, an address is no symbol's). The kernel hides
 * the addresses from readers without CAP_SYSLOG (kptr_restrict: every address reads 0): then
 * the table is empty and every lookup fails, so %a prints hex as before.
 */
#include "ksym.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KSYM_MAX_OFF 0x100000ull   /* 1 MiB: far past any kernel function */

struct ksym {
	uint64_t addr;
	char *name;              /* "module`symbol": the object is "vmlinux" for the image */
	int rank;                /* which of several at one address wins (lower) */
	int order;               /* kallsyms' line, the tie-break after rank */
};

static struct {
	bool loaded;
	struct ksym *v;
	size_t n;
} tab;

static int by_addr(const void *l, const void *r)
{
	const struct ksym *a = l, *b = r;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank - b->rank;
	return a->order - b->order;
}

/* A global function first, then a local one, then data. */
static int rank_of(char type)
{
	return type == 'T' ? 0 : type == 't' ? 1 : type == 'W' ? 2 : 3;
}

static void load(void)
{
	tab.loaded = true;
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return;
	char line[512];
	size_t cap = 0;
	int order = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256], mod[128] = "vmlinux";
		int n = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, mod);
		if (n < 3 || addr == 0 || type == 'a' || type == 'A' || type == 'U')
			continue;
		if (tab.n == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			struct ksym *v = realloc(tab.v, cap * sizeof(*v));
			if (!v)
				break;
			tab.v = v;
		}
		size_t ml = strlen(mod), nl = strlen(name);
		char *s = malloc(ml + nl + 2);
		if (!s)
			break;
		memcpy(s, mod, ml);
		s[ml] = '`';
		memcpy(s + ml + 1, name, nl + 1);
		tab.v[tab.n++] = (struct ksym){ addr, s, rank_of(type), order++ };
	}
	fclose(f);
	if (tab.n)
		qsort(tab.v, tab.n, sizeof(*tab.v), by_addr);
}

bool ksym_text(uint64_t addr, char *buf, size_t len)
{
	if (!tab.loaded)
		load();
	if (!tab.n || addr < tab.v[0].addr)
		return false;
	size_t lo = 0, hi = tab.n;        /* the last symbol at or below ADDR */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (tab.v[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	while (lo > 0 && tab.v[lo - 1].addr == tab.v[lo].addr)
		lo--;                     /* the best ranked of those at that address */
	const struct ksym *k = &tab.v[lo];
	uint64_t off = addr - k->addr;
	if (off > KSYM_MAX_OFF)
		return false;
	if (off)
		snprintf(buf, len, "%s+0x%llx", k->name, (unsigned long long)off);
	else
		snprintf(buf, len, "%s", k->name);
	return true;
}

void ksym_free(void)
{
	for (size_t i = 0; i < tab.n; i++)
		free(tab.v[i].name);
	free(tab.v);
	tab.v = NULL;
	tab.n = 0;
	tab.loaded = false;
}
