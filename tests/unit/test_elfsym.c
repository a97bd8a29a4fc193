/*
 * test_elfsym.c — the one ELF symbolizer (elfsym.c), on this very process: a function of the test
 * program (its .symtab), one of libc (its .dynsym), an address inside a function, addresses in no
 * object or in no function; aliases named the same way every time (the fewest leading
 * underscores, then a global before a local); a symbol found by name as pyoffsets.c finds
 * _PyRuntime, with its run-time address; and files that are not ELF or are cut short, which name
 * nothing and never crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "elfsym.h"
#include "procmaps.h"
#include "unit.h"

int esym_test_target(int x);
__attribute__((noinline)) int esym_test_target(int x)
{
	return x * 3 + 1;
}

/* a global and a local name for one function: the global is the one shown */
__attribute__((noinline)) static int esym_test_local(int x)
{
	return x * 5 + 2;
}
int esym_test_alias(int x) __attribute__((alias("esym_test_local")));

int esym_test_data = 42;

static int name(struct esym_cache *c, uint64_t ip, const char **fn, const char **mod)
{
	struct esym_hit h;
	int rc = esym_lookup(c, getpid(), ip, &h);
	*fn = h.sym;
	*mod = h.module;
	return rc;
}

/* The load bias of the object mapped at ADDR in this process, and its path. */
static int self_obj(uint64_t addr, uint64_t *load, char *path, size_t len)
{
	struct pmap_obj *o;
	int n, rc = -ENOENT;
	if (pmap_read(getpid(), &o, &n) < 0)
		return -ENOENT;
	for (int i = 0; i < n; i++)
		if (addr >= o[i].start && addr < o[i].end) {
			*load = o[i].load;
			snprintf(path, len, "%s", o[i].path);
			rc = 0;
		}
	pmap_free(o, n);
	return rc;
}

int main(void)
{
	struct esym_cache *c = esym_new();
	const char *fn, *mod;
	CHECK("esym_new", c != NULL);
	CHECK_INT("a function of the program: named", 0, name(c, (uint64_t)(uintptr_t)&esym_test_target, &fn, &mod));
	CHECK_STR("... by its name", "esym_test_target", fn);
	CHECK_STR("... in the program", "test_elfsym", mod);
	name(c, (uint64_t)(uintptr_t)&esym_test_target + 2, &fn, &mod);
	CHECK_STR("an address inside it: named by the function's name", "esym_test_target", fn);
	for (int i = 0; i < 3; i++) {
		name(c, (uint64_t)(uintptr_t)&esym_test_alias + 1, &fn, &mod);
		CHECK_STR("two names for one function: the global one, every time", "esym_test_alias", fn);
	}
	CHECK_INT("... it runs", 7, esym_test_local(1));
	name(c, (uint64_t)(uintptr_t)&getppid, &fn, &mod);
	CHECK_STR("a libc function: named getppid", "getppid", fn);
	CHECK("... in libc", mod && strncmp(mod, "libc", 4) == 0);
	name(c, (uint64_t)(uintptr_t)&getpid, &fn, &mod);
	CHECK_STR("getpid, a weak alias of the global __getpid in glibc: by its public name", "getpid", fn);
	CHECK_INT("an address in no object: not mapped", -ENOENT, name(c, 0x10, &fn, &mod));
	CHECK("... nothing named", !fn && !mod);
	name(c, (uint64_t)(uintptr_t)&esym_test_data, &fn, &mod);
	CHECK("a variable of the program: in the program, in none of its sized functions", mod &&
	      strcmp(mod, "test_elfsym") == 0 && (!fn || strncmp(fn, "esym_test", 9) != 0));
	esym_forget(c, getpid());
	name(c, (uint64_t)(uintptr_t)&esym_test_target, &fn, &mod);
	CHECK_STR("forgotten maps: read again at the next look-up", "esym_test_target", fn);
	CHECK_INT("a process that does not exist: not mapped", -ENOENT,
		  esym_lookup(c, 0x7ffffff0, (uint64_t)(uintptr_t)&getppid, &(struct esym_hit){ 0 }));

	/* by name, as pyoffsets.c finds _PyRuntime and PyCode_Type */
	char path[4096];
	uint64_t load = 0, addr = 0, size = 0;
	CHECK_INT("this program's load bias", 0, self_obj((uint64_t)(uintptr_t)&esym_test_data, &load, path, sizeof(path)));
	CHECK_INT("a variable by name", 0, esym_file_symbol(path, "esym_test_data", load, &addr, &size));
	CHECK("... at its run-time address", addr == (uint64_t)(uintptr_t)&esym_test_data);
	CHECK_INT("... its size", sizeof(int), size);
	CHECK_INT("a function by name (in .symtab only: a local)", 0,
		  esym_file_symbol(path, "esym_test_local", load, &addr, &size));
	CHECK("... at its run-time address", addr == (uint64_t)(uintptr_t)&esym_test_local);
	CHECK_INT("a name the file does not define", -ENOENT, esym_file_symbol(path, "esym_test_none", load, &addr, &size));
	CHECK_INT("a prefix of a name is not the name", -ENOENT, esym_file_symbol(path, "esym_test_dat", load, &addr, &size));
	CHECK_INT("a file that is not there", -ENOENT, esym_file_symbol("/nonexistent/x", "main", 0, &addr, &size));

	/* files that are not ELF, or cut short: no symbols, no crash */
	char tmp[] = "/tmp/test_elfsym.XXXXXX";
	int fd = mkstemp(tmp);
	CHECK("a temporary file", fd >= 0);
	FILE *self = fopen(path, "rb");
	unsigned char buf[4096];
	size_t got = self ? fread(buf, 1, sizeof(buf), self) : 0;
	if (self)
		fclose(self);
	CHECK("... the program's first page", got == sizeof(buf));
	CHECK("... written", fd >= 0 && write(fd, buf, got) == (ssize_t)got);
	if (fd >= 0)
		close(fd);
	struct esym_hit h;
	CHECK_INT("a cut ELF file: readable", 0, esym_file_lookup(c, tmp, 0x1000, &h));
	CHECK("... but names nothing", h.sym == NULL);
	CHECK_INT("... and finds no symbol by name", -ENOENT, esym_file_symbol(tmp, "main", 0, &addr, &size));
	CHECK_INT("a text file: no symbol by name", -ENOENT, esym_file_symbol("/etc/hostname", "main", 0, &addr, &size));
	unlink(tmp);
	esym_free(c);
	return unit_status();
}
