/*
 * doctor.c — `pyscope doctor`: can pyscope trace Python on this machine, and if not, why not and
 * what to do. One line per check, in the order a problem has to be fixed: privileges, the kernel
 * (BTF, BPF and its ring buffer, uprobes with reference-counted semaphores, perf events,
 * kernel.perf_event_paranoid, lockdown), then each Python found and whether it carries the python
 * markers. Each line starts with "ok", "warn" (works, with a caveat) or "FAIL" (tracing will not
 * work until it is fixed, and the line says how). Exit status 0 when nothing FAILed, 1 otherwise.
 */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "host.h"
#include "sdt.h"

enum level { OK, WARN, FAIL };

struct doctor {
	int fails;
	int warns;
};

static void line(struct doctor *d, enum level lv, const char *fmt, ...)
{
	static const char *const tag[] = { [OK] = "ok  ", [WARN] = "warn", [FAIL] = "FAIL" };
	va_list ap;

	if (lv == FAIL)
		d->fails++;
	if (lv == WARN)
		d->warns++;
	printf("%s  ", tag[lv]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void check_privileges(struct doctor *d)
{
	struct host_privs p;

	host_privs(&p);
	if (host_may_trace(&p)) {
		if (p.root)
			line(d, OK, "privileges: root");
		else
			line(d, OK, "privileges: uid %u with %s", p.euid,
			     p.cap_sys_admin ? "CAP_SYS_ADMIN" : "CAP_BPF and CAP_PERFMON");
		return;
	}
	if (p.root)
		line(d, FAIL, "privileges: root, but without CAP_BPF and CAP_PERFMON (dropped, as in a "
		     "container); run with them (docker run --cap-add BPF --cap-add PERFMON, or --privileged)");
	else
		line(d, FAIL, "privileges: uid %u, without CAP_BPF and CAP_PERFMON; run pyscope as root "
		     "(sudo pyscope ...)", p.euid);
}

static void check_kernel(struct doctor *d)
{
	char how[160], mode[64];
	int err, paranoid, rc;

	if (host_exists(HOST_BTF_PATH))
		line(d, OK, "BTF: %s", HOST_BTF_PATH);
	else
		line(d, FAIL, "BTF: no %s; boot a kernel built with CONFIG_DEBUG_INFO_BTF=y "
		     "(Debian's kernels are)", HOST_BTF_PATH);

	switch (host_ringbuf(how, sizeof(how))) {
	case HOST_YES:
		line(d, OK, "BPF ring buffer: yes (%s)", how);
		break;
	case HOST_NO:
		line(d, FAIL, "BPF ring buffer: no (%s); pyscope needs Linux 5.8 or later", how);
		break;
	case HOST_UNKNOWN:
		line(d, WARN, "BPF ring buffer: unknown (%s)", how);
		break;
	}

	if (!host_exists(HOST_UPROBE_PMU))
		line(d, FAIL, "uprobes: no %s; boot a kernel built with CONFIG_UPROBE_EVENTS=y",
		     HOST_UPROBE_PMU);
	else if (!host_exists(HOST_UPROBE_REFCTR))
		line(d, FAIL, "uprobes: %s, but without ref_ctr_offset (reference-counted semaphores, "
		     "Linux 4.20); pyscope raises CPython's semaphores only that way: use a newer kernel",
		     HOST_UPROBE_PMU);
	else
		line(d, OK, "uprobes: %s, with reference-counted semaphores", HOST_UPROBE_PMU);

	rc = host_perf_open();
	paranoid = host_paranoid(&err);
	if (rc < 0)
		line(d, FAIL, "perf events: perf_event_open failed: %s; %s", strerror(-rc),
		     rc == -ENOSYS ? "the kernel lacks CONFIG_PERF_EVENTS" :
		     "a seccomp profile (containers) may forbid it: allow perf_event_open and bpf");
	else
		line(d, OK, "perf events: perf_event_open works");
	if (err < 0)
		line(d, WARN, "kernel.perf_event_paranoid: %s unreadable: %s", HOST_PARANOID_PATH,
		     strerror(-err));
	else
		/* Root and CAP_PERFMON are exempt: the value only limits everyone else. */
		line(d, OK, "kernel.perf_event_paranoid = %d (limits only users without CAP_PERFMON)",
		     paranoid);

	rc = host_lockdown(mode, sizeof(mode));
	if (rc == -ENOENT)
		line(d, OK, "lockdown: not present (%s does not exist)", HOST_LOCKDOWN_PATH);
	else if (rc < 0)
		line(d, WARN, "lockdown: %s unreadable: %s", HOST_LOCKDOWN_PATH, strerror(-rc));
	else if (strcmp(mode, "confidentiality") == 0)
		line(d, WARN, "lockdown: confidentiality; the kernel may refuse BPF reads it considers "
		     "sensitive: if tracing fails, boot with lockdown=integrity");
	else
		line(d, OK, "lockdown: %s", mode);
}

/* The machine's Pythons: python3 and python3.* on PATH, then /usr/bin, each once by real path,
 * with the libpython each links to (DT_NEEDED), where a shared build keeps its markers.
 * (Stand-in until the one shared finder of Pythons lands; it follows the same rule as
 * `pyscope list` with no argument.) */
#define DOCTOR_MAX_PYTHONS 64

struct python {
	char path[PATH_MAX];
	char real[PATH_MAX];
	char libpython[PATH_MAX];  /* "" when it links to none */
};

static bool is_elf_exe(const char *path)
{
	struct stat st;
	unsigned char magic[4];
	FILE *f;
	bool ok;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return false;
	f = fopen(path, "rbe");
	if (!f)
		return false;
	ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "\177ELF", 4) == 0;
	fclose(f);
	return ok;
}

static void scan_dir(struct python *pys, int *n, bool *more, const char *dir)
{
	static const char *const names[] = { "python3", "python3.*" };
	char pat[PATH_MAX], real[PATH_MAX];
	glob_t g;

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (snprintf(pat, sizeof(pat), "%s/%s", dir, names[k]) >= (int)sizeof(pat) ||
		    glob(pat, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			bool seen = false;
			if (!is_elf_exe(g.gl_pathv[i]) || !realpath(g.gl_pathv[i], real))
				continue;
			for (int j = 0; j < *n; j++)
				seen |= strcmp(pys[j].real, real) == 0;
			if (seen)
				continue;
			if (*n == DOCTOR_MAX_PYTHONS) {
				*more = true;
				break;
			}
			snprintf(pys[*n].path, sizeof(pys[*n].path), "%s", g.gl_pathv[i]);
			snprintf(pys[*n].real, sizeof(pys[*n].real), "%s", real);
			pys[*n].libpython[0] = '\0';
			(*n)++;
		}
		globfree(&g);
	}
}

static int find_pythons(struct python *pys, bool *more)
{
	const char *env = getenv("PATH");
	char *path = strdup(env ? env : "/usr/local/bin:/usr/bin:/bin");
	int n = 0;

	if (!path)
		return -ENOMEM;
	for (char *save = NULL, *dir = strtok_r(path, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
		if (*dir)
			scan_dir(pys, &n, more, dir);
	free(path);
	scan_dir(pys, &n, more, "/usr/bin");
	for (int i = 0; i < n; i++) {
		struct sdt_file *f;
		char err[256];
		int next = 0;
		if (sdt_read(pys[i].path, &f, err, sizeof(err)) < 0)
			continue;
		if (sdt_find_needed(f, "libpython", &next, pys[i].libpython, sizeof(pys[i].libpython)) < 0)
			pys[i].libpython[0] = '\0';
		sdt_free(f);
	}
	return n;
}

/* The python markers of PATH: -1 when it cannot be read (ERR says why). */
static int python_markers(const char *path, char *err, int errlen)
{
	struct sdt_file *f;
	int n = 0;

	if (sdt_read(path, &f, err, errlen) < 0)
		return -1;
	for (int i = 0; i < f->nnotes; i++)
		n += strcmp(f->notes[i].provider, "python") == 0;
	sdt_free(f);
	return n;
}

static void check_one_python(struct doctor *d, const struct python *py, int *with)
{
	char err[256];
	int n = python_markers(py->path, err, sizeof(err));

	if (n < 0) {
		line(d, WARN, "python: %s: unreadable (%s)", py->path, err);
		return;
	}
	if (n > 0) {
		line(d, OK, "python: %s: %d python markers", py->path, n);
		(*with)++;
		return;
	}
	if (py->libpython[0]) {
		n = python_markers(py->libpython, err, sizeof(err));
		if (n > 0) {
			line(d, OK, "python: %s: %d python markers in %s", py->path, n, py->libpython);
			(*with)++;
			return;
		}
	}
	line(d, WARN, "python: %s: no python markers (built without --with-dtrace), and no provider "
	     "for it yet: trace a Python built --with-dtrace", py->path);
}

static void check_pythons(struct doctor *d)
{
	static struct python pys[DOCTOR_MAX_PYTHONS];
	bool more = false;
	int n = find_pythons(pys, &more), with = 0;

	if (n < 0) {
		line(d, FAIL, "python: looking for Pythons failed: %s", strerror(-n));
		return;
	}
	for (int i = 0; i < n; i++)
		check_one_python(d, &pys[i], &with);
	if (more)
		line(d, WARN, "python: more Pythons found than checked (at most %d are)",
		     DOCTOR_MAX_PYTHONS);
	if (n == 0)
		line(d, FAIL, "python: no python3 on PATH or in /usr/bin; install one built "
		     "--with-dtrace (Debian: apt install python3.11), or name yours to -c");
	else if (with == 0)
		line(d, FAIL, "python: none of the %d Pythons found has markers; install one built "
		     "--with-dtrace (Debian's /usr/bin/python3.11 is)", n);
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: pyscope doctor\n"
	        "\n"
	        "Check what this machine allows pyscope: privileges (root, or CAP_BPF and CAP_PERFMON),\n"
	        "BTF, the BPF ring buffer, uprobes with reference-counted semaphores, perf events,\n"
	        "kernel.perf_event_paranoid, lockdown; then each Python found (python3 and python3.*\n"
	        "on PATH, /usr/bin/python3*) and whether it has the python markers. One line per\n"
	        "check: \"ok\", \"warn\" or \"FAIL\", and for each problem what to do.\n"
	        "\n"
	        "Exit status: 0 when tracing works here (no FAIL), 1 otherwise, 2 on bad usage.\n");
}

int doctor_main(int argc, char **argv)
{
	struct doctor d = { 0 };

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "pyscope doctor: unexpected argument '%s' (it takes none)\n", argv[1]);
		return 2;
	}
	check_privileges(&d);
	check_kernel(&d);
	check_pythons(&d);
	if (d.fails)
		printf("pyscope doctor: %d problem%s: tracing will not work until the FAIL lines are "
		       "fixed\n", d.fails, d.fails == 1 ? "" : "s");
	else
		printf("pyscope doctor: tracing works here%s\n",
		       d.warns ? " (see the warn lines)" : "");
	return d.fails ? 1 : 0;
}
