/*
 * list.c — `pyscope list`: the stapsdt markers of a file, of a running process, or of the Pythons
 * installed on this machine; what `readelf -n` and `dtrace -l -P python$PID` show, in one command.
 *
 *   pyscope list [--json] PATH [PATTERN...]     an executable or shared library
 *   pyscope list [--json] -p PID [PATTERN...]   every object mapped into PID that carries notes
 *   pyscope list [--json]                       the Pythons on this machine (pythons.h: python3 and
 *                                               python3.* on PATH, /usr/local/bin, /usr/bin) and
 *                                               the libpython each one links to
 *
 * PATTERN is "provider:name" with shell globs, in either spelling of the name ("python:function*",
 * "python:function-entry", "gc__*"); a marker is listed when it matches any pattern. Without -p, a
 * first word that has ':', '*', '?' or '[', no '/', and names no file is a pattern, not a PATH:
 * `pyscope list 'python:gc*'` filters the machine's Pythons.
 *
 * Human output is one aligned table per object. --json writes one object per marker per line:
 *   path, provider, name, dtrace_name, location, base, semaphore, offset, semaphore_offset,
 *   function, args, argspecs (and args_error when the argument string did not decode);
 *   with -p also pid, load (where the object's first byte is mapped), bias (what is added to its
 *   ELF addresses: 0 for ET_EXEC), address, semaphore_address.
 * Addresses and file offsets are strings "0x..." (lower-case hex): 64-bit addresses do not fit the
 * 53 bits a JSON number holds exactly in most consumers. Sizes, register offsets, constants and
 * the pid are plain integers. "location" and "semaphore" are after the .stapsdt.base adjustment
 * (equal to what the note records unless the object was pre-linked); "base" is as recorded.
 * A marker without a semaphore has "semaphore": null; an unknown function is null ("-" in tables).
 *
 * Run-time addresses (-p): for an ET_DYN object the load bias from /proc/PID/maps plus the adjusted
 * address; for ET_EXEC the address as is. The bias is the mapped address of file offset 0 less
 * the ELF address of file offset 0 (the latter is 0 except in pre-linked libraries).
 *
 * Exit status: 0 when markers were listed, 1 when none were found (a line says why), 2 on errors.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "commands.h"
#include "event.h"
#include "jsonw.h"
#include "procmaps.h"
#include "pythons.h"
#include "sdt.h"

static const char usage_text[] =
	"usage: pyscope list [--json] [PATH | -p PID] [PATTERN...]\n"
	"\n"
	"List the static markers (stapsdt notes) of an executable or shared library, of every object\n"
	"mapped into a running process, or, with no PATH or PID, of the Pythons on this machine\n"
	"(" PYS_WHERE ", and their libpython).\n"
	"\n"
	"  PATTERN        provider:name globs, either spelling: 'python:function*', 'function-entry'\n"
	"                 (without -p, a first word with ':', '*', '?' or '[' that names no file is\n"
	"                 a pattern, and the machine's Pythons are listed)\n"
	"  -p, --pid PID  the markers of a running process, with run-time addresses\n"
	"  -j, --json     one JSON object per marker per line (addresses as \"0x...\" strings)\n"
	"  -h, --help     this text\n"
	"\n"
	"Exit status: 0 markers listed, 1 none found, 2 error.\n";

struct listing {
	bool json;
	char **pats;
	int npats;
	int shown;           /* markers written so far */
	int blocks;          /* objects written so far (human output: a blank line between them) */
};

/* Where an object sits in a process (-p), for run-time addresses. */
struct placement {
	pid_t pid;
	uint64_t load;
};

static bool wanted(const struct listing *l, const struct sdt_note *n)
{
	if (l->npats == 0)
		return true;
	for (int i = 0; i < l->npats; i++)
		if (sdt_match(l->pats[i], n->provider, n->name))
			return true;
	return false;
}

static int count_wanted(const struct listing *l, const struct sdt_file *f)
{
	int c = 0;
	for (int i = 0; i < f->nnotes; i++)
		c += wanted(l, &f->notes[i]);
	return c;
}

/* The load bias: where file offset 0 is mapped, less the ELF address of file offset 0 (which
 * is 0 for everything but a pre-linked library). */
static uint64_t bias(const struct sdt_file *f, const struct placement *pl)
{
	return f->is_dyn ? pl->load - f->vaddr_at_0 : 0;
}

static uint64_t runtime(const struct sdt_file *f, const struct placement *pl, uint64_t addr)
{
	return bias(f, pl) + addr;
}

static void json_hex(FILE *out, const char *key, uint64_t v, bool null_if_zero)
{
	if (null_if_zero && v == 0)
		fprintf(out, ",\"%s\":null", key);
	else
		fprintf(out, ",\"%s\":\"0x%" PRIx64 "\"", key, v);
}

static const char *kind_names[] = {
	[ARGSPEC_CONST] = "constant", [ARGSPEC_REG] = "register", [ARGSPEC_MEM] = "memory",
};

static void json_note(FILE *out, const struct sdt_file *f, const char *path,
		      const struct sdt_note *n, const struct placement *pl)
{
	char dname[256];
	fputs("{\"path\":", out);
	jsonw_str(out, path);
	if (pl)
		fprintf(out, ",\"pid\":%d", (int)pl->pid);
	fputs(",\"provider\":", out);
	jsonw_str(out, n->provider);
	fputs(",\"name\":", out);
	jsonw_str(out, n->name);
	fputs(",\"dtrace_name\":", out);
	jsonw_str(out, ps_name_dashed(n->name, dname, sizeof(dname)));
	json_hex(out, "location", n->pc_adj, false);
	json_hex(out, "base", n->base, false);
	json_hex(out, "semaphore", n->sem_adj, true);
	json_hex(out, "offset", n->pc_off, false);
	json_hex(out, "semaphore_offset", n->sem_off, true);
	if (pl) {
		json_hex(out, "load", pl->load, false);
		json_hex(out, "bias", bias(f, pl), false);
		json_hex(out, "address", runtime(f, pl, n->pc_adj), false);
		if (n->sem_adj)
			json_hex(out, "semaphore_address", runtime(f, pl, n->sem_adj), false);
		else
			fputs(",\"semaphore_address\":null", out);
	}
	fputs(",\"function\":", out);
	jsonw_str(out, n->function);
	fputs(",\"args\":", out);
	jsonw_str(out, n->args);
	if (n->args_err) {
		fputs(",\"argspecs\":null,\"args_error\":", out);
		jsonw_str(out, n->args_err);
	} else {
		fputs(",\"argspecs\":[", out);
		for (int i = 0; i < n->nargs; i++) {
			const struct argspec *a = &n->spec[i];
			fprintf(out, "%s{\"size\":%d,\"signed\":%s,\"kind\":\"%s\"", i ? "," : "",
				a->size, a->is_signed ? "true" : "false", kind_names[a->kind]);
			if (a->kind != ARGSPEC_CONST) {
				fputs(",\"register\":", out);
				jsonw_str(out, a->reg);
				fputs(",\"register64\":", out);
				jsonw_str(out, a->reg64);
			}
			if (a->kind == ARGSPEC_MEM)
				fprintf(out, ",\"offset\":%" PRId64, a->value);
			if (a->kind == ARGSPEC_CONST)
				fprintf(out, ",\"value\":%" PRId64, a->value);
			putc('}', out);
		}
		putc(']', out);
	}
	fputs("}\n", out);
}

/* A table of strings, printed with every column as wide as its widest cell. */
#define COLS 10
struct table {
	int ncols, nrows, cap;
	char *(*cells)[COLS];
};

static int table_add(struct table *t, const char *const *row)
{
	if (t->nrows == t->cap) {
		int cap = t->cap ? 2 * t->cap : 16;
		char *(*nc)[COLS] = realloc(t->cells, cap * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		t->cells = nc;
		t->cap = cap;
	}
	for (int c = 0; c < t->ncols; c++)
		if (!(t->cells[t->nrows][c] = jsonw_printable(row[c] ? row[c] : "")))
			return -ENOMEM;
	t->nrows++;
	return 0;
}

static void table_print(FILE *out, struct table *t)
{
	int w[COLS] = { 0 };
	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			int len = (int)strlen(t->cells[r][c]);
			if (len > w[c])
				w[c] = len;
		}
	for (int r = 0; r < t->nrows; r++) {
		fputs("  ", out);
		for (int c = 0; c < t->ncols; c++) {
			if (c == t->ncols - 1)
				fprintf(out, "%s\n", t->cells[r][c]);
			else
				fprintf(out, "%-*s  ", w[c], t->cells[r][c]);
		}
	}
	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++)
			free(t->cells[r][c]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

static int table_note(struct table *t, const struct sdt_file *f, const struct sdt_note *n,
		      const struct placement *pl)
{
	char dname[256], loc[24], sem[24], addr[24], saddr[24], dec[512];
	snprintf(loc, sizeof(loc), "0x%" PRIx64, n->pc_adj);
	if (n->sem_adj)
		snprintf(sem, sizeof(sem), "0x%" PRIx64, n->sem_adj);
	else
		snprintf(sem, sizeof(sem), "-");
	if (pl) {
		snprintf(addr, sizeof(addr), "0x%" PRIx64, runtime(f, pl, n->pc_adj));
		if (n->sem_adj)
			snprintf(saddr, sizeof(saddr), "0x%" PRIx64, runtime(f, pl, n->sem_adj));
		else
			snprintf(saddr, sizeof(saddr), "-");
	}
	size_t used = 0;
	dec[0] = 0;
	if (n->args_err) {
		snprintf(dec, sizeof(dec), "? %s", n->args_err);
	} else if (n->nargs == 0) {
		snprintf(dec, sizeof(dec), "-");
	} else {
		for (int i = 0; i < n->nargs && used < sizeof(dec); i++) {
			char one[64];
			argspec_short(&n->spec[i], one, sizeof(one));
			used += snprintf(dec + used, sizeof(dec) - used, "%s%s", i ? ", " : "", one);
		}
	}
	const char *fn = n->function ? n->function : "-";
	const char *args = n->args[0] ? n->args : "-";
	ps_name_dashed(n->name, dname, sizeof(dname));
	if (pl) {
		const char *row[] = { n->provider, n->name, dname, addr, loc, saddr, fn, args, dec };
		return table_add(t, row);
	}
	const char *row[] = { n->provider, n->name, dname, loc, sem, fn, args, dec };
	return table_add(t, row);
}

/* Write F's wanted markers; PATH is the name to show (the maps name with -p). Returns the count
 * written or -ENOMEM. */
static int show_file(struct listing *l, const struct sdt_file *f, const char *path,
		     const struct placement *pl)
{
	int count = count_wanted(l, f);
	if (count == 0)
		return 0;
	if (l->json) {
		for (int i = 0; i < f->nnotes; i++)
			if (wanted(l, &f->notes[i]))
				json_note(stdout, f, path, &f->notes[i], pl);
		l->shown += count;
		return count;
	}
	const char *kind = f->is_dyn ? "ET_DYN" : "ET_EXEC";
	if (l->blocks++)
		putchar('\n');
	char *shown = jsonw_printable(path);
	if (!shown)
		return -ENOMEM;
	if (pl)
		printf("%s  (pid %d, %s, loaded at 0x%" PRIx64 ", %d marker%s)\n", shown, (int)pl->pid,
		       kind, pl->load, count, count == 1 ? "" : "s");
	else
		printf("%s  (%s, %d marker%s)\n", shown, kind, count, count == 1 ? "" : "s");
	free(shown);
	struct table t = { .ncols = pl ? 9 : 8 };
	static const char *const head[] = { "PROVIDER", "NAME", "DTRACE NAME", "LOCATION", "SEMAPHORE",
					    "FUNCTION", "ARGUMENTS", "DECODED" };
	static const char *const head_pid[] = { "PROVIDER", "NAME", "DTRACE NAME", "ADDRESS", "LOCATION",
						"SEMAPHORE", "FUNCTION", "ARGUMENTS", "DECODED" };
	int rc = table_add(&t, pl ? head_pid : head);
	for (int i = 0; rc == 0 && i < f->nnotes; i++)
		if (wanted(l, &f->notes[i]))
			rc = table_note(&t, f, &f->notes[i], pl);
	table_print(stdout, &t);
	if (rc < 0)
		return rc;
	l->shown += count;
	return count;
}

static void no_markers(const struct listing *l, const char *what, int total)
{
	if (total > 0 && l->npats > 0)
		fprintf(stderr, "pyscope: no markers in %s match %s%s (it has %d; 'pyscope list' without "
			"a pattern shows them)\n", what, l->pats[0], l->npats > 1 ? " or the others" : "",
			total);
	else
		fprintf(stderr, "pyscope: no markers in %s (built without --with-dtrace?)\n", what);
}

static int list_path(struct listing *l, const char *path)
{
	struct sdt_file *f;
	char err[256];
	int rc = sdt_read(path, &f, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "pyscope: %s: %s\n", path, err);
		return 2;
	}
	int n = show_file(l, f, path, NULL);
	if (n == 0)
		no_markers(l, path, f->nnotes);
	sdt_free(f);
	if (n < 0) {
		fprintf(stderr, "pyscope: out of memory\n");
		return 2;
	}
	return n > 0 ? 0 : 1;
}

/* Why the kernel refused pyscope a process's maps (its ptrace read check): as another user,
 * becoming root or that user helps; as root, only the missing capability, if it is missing, can
 * be named, and otherwise the process is shielded from root here (not dumpable, a security
 * module, capabilities pyscope's own bounding set lacks). */
static const char *denied_why(void)
{
	if (geteuid() != 0)
		return " (run as root or as the process's user)";
	char line[256];
	unsigned long long eff = 0;
	FILE *f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	if (f)
		fclose(f);
	if (!(eff & (1ull << 19)))     /* CAP_SYS_PTRACE */
		return " (pyscope runs as root but without CAP_SYS_PTRACE, which reading another "
		       "process's memory map needs)";
	return " (the kernel refuses it even to root here: the process is not dumpable, has "
	       "capabilities pyscope lacks, or a security module protects it)";
}

static int list_pid(struct listing *l, pid_t pid)
{
	struct pmap_obj *objs;
	int nobj, total = 0, rc;
	rc = pmap_read(pid, &objs, &nobj);
	if (rc == -ESRCH) {
		fprintf(stderr, "pyscope: no process with pid %d\n", (int)pid);
		return 2;
	}
	if (rc < 0) {
		fprintf(stderr, "pyscope: cannot read /proc/%d/maps: %s%s\n", (int)pid, strerror(-rc),
			rc != -EACCES && rc != -EPERM ? "" : denied_why());
		return 2;
	}
	for (int i = 0; i < nobj; i++) {
		char open_path[PATH_MAX + 64], err[256];
		struct sdt_file *f;
		/* Files replaced since they were mapped, and memfd objects, cannot be opened by name. */
		size_t len = strlen(objs[i].path);
		if (len > 10 && strcmp(objs[i].path + len - 10, " (deleted)") == 0)
			continue;
		if (strncmp(objs[i].path, "/memfd:", 7) == 0)
			continue;
		if (pmap_open_path(pid, objs[i].path, open_path, sizeof(open_path)) < 0)
			continue;
		/* Mapped devices and data files (locale archives, caches) are no objects: not worth a
		 * word. A broken ELF object is. */
		struct stat st;
		if (stat(open_path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		rc = sdt_read(open_path, &f, err, sizeof(err));
		if (rc < 0) {
			if (rc != -ENOEXEC)
				fprintf(stderr, "pyscope: warning: %s: %s\n", objs[i].path, err);
			continue;
		}
		struct placement pl = { .pid = pid, .load = objs[i].load };
		total += f->nnotes;
		rc = show_file(l, f, objs[i].path, &pl);
		sdt_free(f);
		if (rc < 0) {
			pmap_free(objs, nobj);
			fprintf(stderr, "pyscope: out of memory\n");
			return 2;
		}
	}
	pmap_free(objs, nobj);
	/* Nothing mapped: not "built without markers", but a process that is gone or no user
	 * process at all. */
	const char *end = l->shown == 0 && nobj == 0 ? pmap_end(pid) : NULL;
	if (end) {
		fprintf(stderr, "pyscope: process %d %s\n", (int)pid, end);
		return strcmp(end, "is a kernel thread") == 0 ? 1 : 2;
	}
	if (l->shown == 0) {
		char what[64];
		snprintf(what, sizeof(what), "process %d", (int)pid);
		no_markers(l, what, total);
		return 1;
	}
	return 0;
}

/* Show one of the machine's Pythons (or a libpython, named by WHOSE) as a block. */
static int show_python(struct listing *l, const char *path, const char *whose)
{
	struct sdt_file *f;
	char err[256];
	if (sdt_read(path, &f, err, sizeof(err)) < 0) {
		fprintf(stderr, "pyscope: warning: %s: %s\n", path, err);
		return 0;
	}
	int n = show_file(l, f, path, NULL);
	if (n == 0 && !l->json) {
		if (l->blocks++)
			putchar('\n');
		char *shown = jsonw_printable(path), *by = whose ? jsonw_printable(whose) : NULL;
		printf("%s  (%s%s%sno markers%s)\n", shown ? shown : "?", whose ? "libpython of " : "",
		       by ? by : "", whose ? "; " : "",
		       f->nnotes ? " match" : ": built without --with-dtrace?");
		free(shown);
		free(by);
	} else if (n == 0) {
		no_markers(l, path, f->nnotes);
	}
	sdt_free(f);
	return n < 0 ? n : 0;
}

/* Each of the machine's Pythons (pythons.h), then the libpython it links to, where a shared build
 * keeps its markers (shown by its real path: "$ORIGIN/../lib" would read poorly); a libpython
 * shared by several Pythons once. */
static int list_machine(struct listing *l)
{
	struct pys_list py;
	int rc = pys_find(&py);
	if (rc == 0 && py.n == 0) {
		fprintf(stderr, "pyscope: no Python found (" PYS_WHERE "); name one: pyscope list PATH\n");
		return 1;
	}
	for (int i = 0; i < py.n && rc == 0; i++) {
		rc = show_python(l, py.v[i].path, NULL);
		bool seen = false;
		for (int k = 0; k < i && py.v[i].lib; k++)
			seen |= py.v[k].lib && strcmp(py.v[k].lib, py.v[i].lib) == 0;
		if (rc == 0 && py.v[i].lib && !seen)
			rc = show_python(l, py.v[i].lib, py.v[i].path);
	}
	pys_free(&py);
	if (rc < 0) {
		fprintf(stderr, "pyscope: out of memory\n");
		return 2;
	}
	if (l->shown == 0) {
		fprintf(stderr, "pyscope: none of the Pythons found has %s\n",
			l->npats ? "markers matching the pattern" : "markers (built without --with-dtrace?)");
		return 1;
	}
	return 0;
}

static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > INT_MAX)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

int list_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid",  required_argument, NULL, 'p' },
		{ "json", no_argument,       NULL, 'j' },
		{ "help", no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct listing l = { 0 };
	pid_t pid = 0;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_pid(optarg, &pid) < 0) {
				fprintf(stderr, "pyscope: list: '%s' is not a process id\n", optarg);
				return 2;
			}
			break;
		case 'j':
			l.json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			if (optopt == 'p')
				fprintf(stderr, "pyscope: list: -p needs a process id\n");
			else
				fprintf(stderr, "pyscope: list: unknown option '%s'\n", argv[optind - 1]);
			fputs(usage_text, stderr);
			return 2;
		}
	}
	/* Options may follow the target too: "pyscope list PATH --json". */
	char *rest[argc];
	int nrest = 0;
	bool dashdash = optind > 1 && strcmp(argv[optind - 1], "--") == 0;
	for (int i = optind; i < argc; i++) {
		if (dashdash || argv[i][0] != '-')
			rest[nrest++] = argv[i];
		else if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0)
			l.json = true;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			return 0;
		} else
			rest[nrest++] = argv[i];
	}
	if (pid) {
		l.pats = rest;
		l.npats = nrest;
		return list_pid(&l, pid);
	}
	/* A lone pattern ("python:gc*") filters the machine's Pythons: a word without '/' that names
	 * no file but looks like a pattern is taken as one. */
	struct stat st;
	if (nrest == 0 || (!strchr(rest[0], '/') && strpbrk(rest[0], ":*?[") && stat(rest[0], &st) < 0)) {
		l.pats = rest;
		l.npats = nrest;
		return list_machine(&l);
	}
	l.pats = rest + 1;
	l.npats = nrest - 1;
	return list_path(&l, rest[0]);
}
