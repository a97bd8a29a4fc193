/*
 * test_sdt.c — the ELF note reader, the marker filter and the process-map reader.
 * Notes are read from the test target ($PYSCOPE_BUILD/tests/sdt_target, build/ by default, ET_DYN with semaphores) and the
 * real /usr/bin/python3.11 (ET_EXEC); the exact values are cross-checked against readelf by
 * tests/cases/list_readelf.sh, here the structure and the derived fields are pinned.
 * Run from the repository root (tests/run does that).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "event.h"
#include "sdt.h"
#include "procmaps.h"
#include "unit.h"

static const struct sdt_note *find(const struct sdt_file *f, const char *name)
{
	for (int i = 0; i < f->nnotes; i++)
		if (strcmp(f->notes[i].name, name) == 0)
			return &f->notes[i];
	return NULL;
}

static void check_target(void)
{
	struct sdt_file *f;
	char err[256];
	/* the build this test belongs to: build/, or build-san/ under make check-san */
	const char *b = getenv("PYSCOPE_BUILD");
	char target[512];
	snprintf(target, sizeof(target), "%s/tests/sdt_target", b && *b ? b : "build");
	int rc = sdt_read(target, &f, err, sizeof(err));
	CHECK_INT("sdt_read sdt_target", 0, rc);
	if (rc < 0) {
		printf("  %s\n", err);
		return;
	}
	CHECK_INT("sdt_target has 8 notes", 8, f->nnotes);
	CHECK("sdt_target is ET_DYN", f->is_dyn);
	CHECK("sdt_target: file offset 0 at address 0", f->vaddr_at_0 == 0);
	int libc = 0;
	for (int i = 0; i < f->nneeded; i++)
		libc += strcmp(f->needed[i], "libc.so.6") == 0;
	CHECK_INT("sdt_target needs libc.so.6", 1, libc);
	CHECK("sdt_target has no runpath", f->runpath == NULL);
	const struct sdt_note *n = find(f, "function__entry");
	CHECK("sdt_target function__entry found", n != NULL);
	if (!n)
		return;
	CHECK_STR("function__entry provider", "python", n->provider);
	CHECK_STR("function__entry args", "8@%rax 8@-8(%rbp) -4@-12(%rbp)", n->args);
	CHECK_INT("function__entry decoded 3 args", 3, n->nargs);
	CHECK("function__entry no args error", n->args_err == NULL);
	CHECK_INT("function__entry 3rd arg is memory", ARGSPEC_MEM, n->spec[2].kind);
	CHECK("function__entry has a semaphore", n->sem != 0 && n->sem_adj == n->sem);
	/* Not pre-linked: .stapsdt.base sits where the note says, no adjustment. */
	CHECK("function__entry location unadjusted", n->pc_adj == n->pc);
	/* GNU ld maps the file 1:1 from address 0 for a PIE: offset == address. */
	CHECK("function__entry file offset", n->pc_off == n->pc_adj);
	CHECK("function__entry semaphore offset", n->sem_off != 0);
	CHECK_STR("function__entry enclosing function", "fire_call", n->function);
	const struct sdt_note *g = find(f, "gc__start");
	CHECK("gc__start semaphore differs from function__entry's", g && g->sem != n->sem);
	sdt_free(f);
}

static void check_python(void)
{
	struct sdt_file *f;
	char err[256];
	if (access("/usr/bin/python3.11", R_OK) < 0) {
		printf("SKIP: /usr/bin/python3.11 (not installed)\n");
		return;
	}
	int rc = sdt_read("/usr/bin/python3.11", &f, err, sizeof(err));
	CHECK_INT("sdt_read python3.11", 0, rc);
	if (rc < 0)
		return;
	CHECK_INT("python3.11 has 8 notes", 8, f->nnotes);
	CHECK("python3.11 is ET_EXEC", !f->is_dyn);
	CHECK("python3.11: file offset 0 at 0x400000", f->vaddr_at_0 == 0x400000);
	const struct sdt_note *n = find(f, "gc__start");
	CHECK("python3.11 gc__start found", n != NULL);
	if (n) {
		CHECK_STR("gc__start args", "-4@112(%rsp)", n->args);
		CHECK_INT("gc__start memory offset", 112, n->spec[0].value);
		/* The data segment: address 0x945dc8 at file offset 0x544dc8. */
		CHECK("gc__start semaphore", n->sem_adj == n->sem && n->sem_off == n->sem - 0x401000);
		/* Non-PIE: the text segment starts at 0x41f000 for file offset 0x1f000. */
		CHECK("gc__start file offset", n->pc_off == n->pc - 0x400000);
	}
	sdt_free(f);
}

static void check_errors(void)
{
	struct sdt_file *f = (struct sdt_file *)1;
	char err[256];
	CHECK_INT("missing file", -ENOENT, sdt_read("/nonexistent/file", &f, err, sizeof(err)));
	CHECK_STR("missing file reason", "No such file or directory", err);
	CHECK("missing file: no result", f == NULL);
	CHECK_INT("directory", -EISDIR, sdt_read("/", &f, err, sizeof(err)));
	CHECK_STR("directory reason", "is a directory", err);
	CHECK_INT("not ELF", -ENOEXEC, sdt_read("tests/unit/test_sdt.c", &f, err, sizeof(err)));
	CHECK_STR("not ELF reason", "not an ELF file", err);
	CHECK_INT("device", -EINVAL, sdt_read("/dev/null", &f, err, sizeof(err)));
	CHECK_STR("device reason", "not a regular file", err);
}

static void check_names(void)
{
	char buf[64];
	CHECK_STR("dtrace spelling", "function-entry",
		  ps_name_dashed("function__entry", buf, sizeof(buf)));
	CHECK_STR("dtrace spelling, two", "import-find-load-start",
		  ps_name_dashed("import__find__load__start", buf, sizeof(buf)));
	CHECK_STR("dtrace spelling, none", "line", ps_name_dashed("line", buf, sizeof(buf)));
	CHECK_STR("dtrace spelling, single _", "a_b", ps_name_dashed("a_b", buf, sizeof(buf)));
	CHECK_STR("dtrace spelling, short buffer", "func", ps_name_dashed("function__entry", buf, 5));

	static const struct { const char *pat, *prov, *name; bool want; } m[] = {
		{ "python:function*",       "python", "function__entry",  true },
		{ "python:function*",       "python", "line",             false },
		{ "python:function__entry", "python", "function__entry",  true },
		{ "python:function-entry",  "python", "function__entry",  true },
		{ "python:function-*",      "python", "function__return", true },
		{ "python:function-*",      "python", "line",             false },
		{ "function*",              "python", "function__entry",  true },
		{ "function*",              "libstdcxx", "function__entry", true },
		{ "py*:*",                  "python", "gc__done",         true },
		{ "py*:",                   "python", "gc__done",         true },
		{ ":gc*",                   "python", "gc__done",         true },
		{ "libc:*",                 "python", "gc__done",         false },
		{ "python:gc-done",         "python", "gc__start",        false },
		{ "*",                      "python", "audit",            true },
		{ "python:[a-g]*",          "python", "audit",            true },
		{ "python:[h-z]*",          "python", "audit",            false },
		{ "python:import-find-load-*", "python", "import__find__load__done", true },
	};
	char name[160];
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		snprintf(name, sizeof(name), "match '%s' %s:%s", m[i].pat, m[i].prov, m[i].name);
		CHECK_INT(name, m[i].want, sdt_match(m[i].pat, m[i].prov, m[i].name));
	}
}

static void check_maps(void)
{
	struct pmap_obj *o;
	int n;
	CHECK_INT("pmap_read self", 0, pmap_read(getpid(), &o, &n));
	char self[4096];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[len > 0 ? len : 0] = 0;
	int found = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(o[i].path, self) == 0) {
			found++;
			/* The test is a PIE: its bias is where its first page went. */
			CHECK("pmap self: load is the lowest mapping", o[i].load == o[i].start);
			CHECK("pmap self: end after start", o[i].end > o[i].start);
			/* main lies inside the executable's mappings. */
			uintptr_t m = (uintptr_t)&check_maps;
			CHECK("pmap self: code inside", m >= o[i].start && m < o[i].end);
		}
		CHECK("pmap paths are absolute", o[i].path[0] == '/');
	}
	CHECK_INT("pmap self listed once", 1, found);
	pmap_free(o, n);
	CHECK_INT("pmap no such process", -ESRCH, pmap_read(999999999, &o, &n));
	char buf[64];
	CHECK_INT("pmap_open_path", 0, pmap_open_path(42, "/usr/bin/python3.11", buf, sizeof(buf)));
	CHECK_STR("pmap_open_path text", "/proc/42/root/usr/bin/python3.11", buf);
	CHECK_INT("pmap_open_path too long", -ENAMETOOLONG,
		  pmap_open_path(42, "/usr/bin/python3.11", buf, 10));
}

int main(void)
{
	check_target();
	check_python();
	check_errors();
	check_names();
	check_maps();
	return unit_status();
}
