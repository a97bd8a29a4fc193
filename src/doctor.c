/*
 * doctor.c — `pyscope doctor`: can pyscope trace Python on this machine, and if not, why not and
 * what to do. One line per check, in the order a problem has to be fixed: privileges, the kernel
 * (BTF, BPF and its ring buffer, uprobes with reference-counted semaphores, perf events,
 * kernel.perf_event_paranoid, lockdown), then each Python found and whether it carries the python
 * markers. Each line starts with "ok", "warn" (works, with a caveat) or "FAIL" (tracing will not
 * work until it is fixed, and the line says how). Exit status 0 when nothing FAILed, 1 otherwise.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "host.h"
#include "provider.h"
#include "pythons.h"
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

static void check_pythons(struct doctor *d)
{
	struct pys_list pys;
	struct sdt_file *f;
	char obj[PATH_MAX];
	int with = 0;

	if (pys_find(&pys) < 0) {
		line(d, FAIL, "python: looking for Pythons failed: out of memory");
		return;
	}
	for (int i = 0; i < pys.n; i++) {
		const char *path = pys.v[i].path;
		if (!pys_markers(path, obj, sizeof(obj), &f)) {
			/* pyscope's provider (provider.h) gives a CPython 3.8-3.14 the markers */
			const char *st = prov_supports(path) ? prov_state(path) : NULL;
			if (st && strcmp(st, "installed") == 0) {
				line(d, OK, "python: %s: no built-in markers; pyscope's provider is installed", path);
				with++;
			} else if (st && strcmp(st, "built") == 0) {
				line(d, OK, "python: %s: no built-in markers; pyscope's provider is built for it "
				     "(-c loads it; for -p: pyscope provider install %s)", path, path);
				with++;
			} else if (st) {
				line(d, WARN, "python: %s: no python markers, and no provider built for it: run "
				     "pyscope provider build %s", path, path);
			} else {
				line(d, WARN, "python: %s: no python markers (built without --with-dtrace), and no "
				     "provider for it yet: trace a Python built --with-dtrace", path);
			}
			continue;
		}
		if (strcmp(obj, path) == 0)
			line(d, OK, "python: %s: %d python markers", path, pys_nmarkers(f));
		else
			line(d, OK, "python: %s: %d python markers in %s", path, pys_nmarkers(f), obj);
		sdt_free(f);
		with++;
	}
	if (pys.n == 0)
		line(d, FAIL, "python: no Python found (%s); install one built --with-dtrace "
		     "(Debian: apt install python3.11), or name yours to -c", PYS_WHERE);
	else if (with == 0)
		line(d, FAIL, "python: none of the %d Pythons found has markers; install one built "
		     "--with-dtrace (Debian's /usr/bin/python3.11 is)", pys.n);
	pys_free(&pys);
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: pyscope doctor\n"
	        "\n"
	        "Check what this machine allows pyscope: privileges (root, or CAP_BPF and CAP_PERFMON),\n"
	        "BTF, the BPF ring buffer, uprobes with reference-counted semaphores, perf events,\n"
	        "kernel.perf_event_paranoid, lockdown; then each Python found\n"
	        "(" PYS_WHERE "),\n"
	        "and whether it, or the libpython it links to, has the python markers.\n"
	        "One line per check: \"ok\", \"warn\" or \"FAIL\", and for each problem what to do.\n"
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
