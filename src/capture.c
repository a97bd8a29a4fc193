/*
 * capture.c — the user half of capture: finds the Python processes or binaries to trace, lists
 * their markers as probes, attaches one generic BPF program (capture.bpf.c) to the enabled ones
 * with libbpf's USDT support, and turns the records of the ring buffer back into struct ps_event.
 * The only file that includes libbpf.
 *
 * Targets. A target is one ELF object carrying python markers, in one process (-c, -p) or in every
 * process (--all, attached with pid -1 so that processes started later are covered too). The
 * object of an executable named by -c or --all is the executable itself or, for a Python built
 * with --enable-shared, the libpython it links to (sdt_find_needed: found as the dynamic loader
 * would). For -c the command is forked first and waits on a pipe (if pyscope dies first, the pipe
 * closes and the child leaves); its object is read and the probes attached to the child's pid
 * before it execs — a library too, as uprobes land in whatever the process maps later. Uprobe perf events filter by the target's memory map, which
 * survives exec, so the breakpoints land as the interpreter is mapped and the first Python call is
 * seen; cap_start() then lets the child go.
 *
 * Semaphores. CPython guards each marker with a semaphore. libbpf hands the kernel each
 * semaphore's file offset (ref_ctr_offset) with the uprobe; the kernel raises it in every process
 * the uprobe is installed in and lowers it when the perf event is closed — including when pyscope
 * is killed — so nothing is left behind.
 *
 * CPython 3.11. Its eval loop reaches the function__entry marker only on the path it takes for
 * frames entered from C, or when tracing is on; raising the `line` semaphore counts as tracing,
 * and then every Python function passes through it. function__return fires on every return
 * (generators, exceptions and coroutines included) either way, so only function-entry raises it:
 * the semaphore costs the interpreter some 0.2 us per call. pyscope raises it — through the kernel's
 * reference counting again — by attaching the empty program ps_nop to a spot that never runs
 * (Py_FatalError) with ref_ctr_offset = the line semaphore, instead of attaching to `line` itself,
 * which would cost a uprobe hit per line. The kernel wants a single ref_ctr_offset per
 * (inode, offset); Py_FatalError carries no marker, so nothing else of ours uses that spot (a
 * foreign uprobe there without that reference counter would make the attach fail, and pyscope
 * says so rather than tracing half the calls).
 * An interpreter is taken to be 3.11 when its file name, or the name it resolves to, says so
 * (python3.11, libpython3.11.so.1.0): CPython's install puts the version in the name of the
 * interpreter and of the library; other versions (3.10 and older, where every Python call goes
 * through the markers) are left alone.
 *
 * Ring. Records are variable-length (capture_rec.h); they are decoded in place into one reused
 * struct ps_event whose strings point into the ring: no allocation per event. BPF commits them
 * without waking the reader; the reader looks every POLL_TICK_MS, or sooner when BPF forces a
 * wake-up because the ring is filling (see cap_attach for why it does not use libbpf's poll).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "capture.h"
#include "capture_rec.h"
#include "capture_pystack.h"
#include "pystack_rec.h"          /* struct pystack_frame: the Python stack section */
#include "capture_sys.h"
#include "kagg_rec.h"
#include "capture.skel.h"
#include "procmaps.h"
#include "provider.h"
#include "pyoffsets.h"
#include "pythons.h"
#include "sdt.h"
#include "unwind.h"

#define RING_DEFAULT_KB (16 << 10)   /* 16 MiB: ~120,000 records of 140 bytes while the reader sleeps;
                                        RSS counts it twice (mapped twice): 64 MiB was 32 MiB */
#define POLL_TICK_MS 10              /* the reader's own wake-up: BPF commits without waking it */
#define LINE_SEM_SPOT "Py_FatalError"
#define HINT_MAX 8                   /* Pythons named after "no python markers in X" */

/* What CPython's documentation says each marker's string arguments are (bit i: argument i). */
static const uint32_t default_strargs[PS_M_COUNT] = {
	[PS_M_FUNCTION_ENTRY] = 0x3,    /* filename, funcname, lineno */
	[PS_M_FUNCTION_RETURN] = 0x3,
	[PS_M_LINE] = 0x3,
	[PS_M_GC_START] = 0,            /* generation */
	[PS_M_GC_DONE] = 0,             /* collected */
	[PS_M_IMPORT_START] = 0x1,      /* module name */
	[PS_M_IMPORT_DONE] = 0x1,       /* module name, found */
	[PS_M_AUDIT] = 0x1,             /* event name, args tuple (a pointer, kept as a number) */
};

struct target {
	pid_t pid;               /* for libbpf: the process, or -1 for every process */
	char *open_path;         /* the path pyscope opens and attaches to */
	char *path;              /* the path as the user or the process's maps name it */
	char *module;            /* basename of path */
	struct sdt_file *sdt;
	bool is_py311;
};

struct probe {
	struct ps_probe pub;
	int target;
	bool enabled;
	uint32_t strargs;
	uint32_t kmask;          /* kernel clauses on this probe (kagg_rec.h) */
	bool norecord;           /* ... and no other clause */
};

struct cap {
	struct cap_config cfg;
	struct target *targets;
	int ntargets;
	struct probe *probes;
	const struct ps_probe **probe_ptrs;  /* the markers', then sys's */
	int nprobes;             /* markers */
	struct cap_sys *sys;     /* the operating system's providers (capture_sys.c) */
	struct capy *py;         /* Python stacks at hits (capture_pystack.c) */
	int nall;                /* markers and sys's probes */
	struct cap_probe_cfg *cfgs;  /* per probe id - 1: the sections its records carry (NULL:
				      * none asked for), the probe_cfg map's contents */
	bool any_cfg;
	struct uw_procs *uw;     /* native stacks unwound with the CFI (CAP_SEC_UREGS) */

	struct capture_bpf *skel;
	struct ring_buffer *rb;
	int wake_fd;             /* epoll, edge-triggered on the ring: woken only when BPF forces it */
	struct bpf_link **links;
	int nlinks;

	pid_t child;             /* -c */
	char command_exe[PATH_MAX];   /* -c without markers (cfg.markers_optional): its executable */
	int child_go;            /* write end of the pipe the child waits on, -1 once released */
	bool child_reaped;
	int child_status;
	pid_t *pids;             /* -p */
	int npids;

	int ncpus;
	uint64_t lost_seen;      /* all CPUs */
	uint64_t *lost_cpu;      /* per CPU: what was reported of the kernel's lost[cpu] */
	volatile sig_atomic_t *stop;    /* cap_run's: checked between records */
	const struct ps_sink *sink;
	int sink_ret;
	int delivered;
	struct ps_event ev;      /* reused for every record */
	struct kagg_clause *ktab;   /* aggregation in the kernel: cap_kagg_set */
	int nktab, knstrs, kroom, kstr_off, kentries;
	bool kstrid;             /* string keys by identity: cap_kagg_strid */
	uint32_t *kpids;         /* processes looked at for them (open addressing, 0: empty) */
	size_t nkpids, capkpids;
};

/* libbpf's messages: kept quiet (pyscope says what failed itself), the last warning remembered
 * to explain a failure; PYSCOPE_DEBUG=1 shows them all. */
static char libbpf_last[256];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static int debug = -1;
	if (debug < 0)
		debug = getenv("PYSCOPE_DEBUG") != NULL;
	if (debug)
		return vfprintf(stderr, fmt, ap);
	if (level == LIBBPF_WARN) {
		vsnprintf(libbpf_last, sizeof(libbpf_last), fmt, ap);
		libbpf_last[strcspn(libbpf_last, "\n")] = 0;
	}
	return 0;
}

uint32_t cap_default_strargs(int marker)
{
	return marker >= 0 && marker < PS_M_COUNT ? default_strargs[marker] : 0;
}

/* Read OPEN_PATH's notes; 1 and the file when it carries python markers, 0 when not (or when it
 * is not an ELF object at all). */
static int read_python(const char *open_path, struct sdt_file **out)
{
	char err[160];
	*out = NULL;
	if (sdt_read(open_path, out, err, sizeof(err)) < 0)
		return 0;
	if (pys_nmarkers(*out) > 0)
		return 1;
	sdt_free(*out);
	*out = NULL;
	return 0;
}

/* A command without markers is most often a Python from a build without them (pyenv's, a shim)
 * while the system's own has them: say "no python markers in X", and name the machine's Pythons
 * that do carry markers, so the user knows what to run instead. */
static void say_no_markers(const char *what)
{
	char hint[1024] = "", obj[PATH_MAX];
	size_t used = 0;
	struct pys_list py;
	struct sdt_file *sdt;
	if (pys_find(&py) < 0)
		py.n = 0;
	for (int i = 0; i < py.n && i < HINT_MAX; i++) {
		if (!pys_markers(py.v[i].real, obj, sizeof(obj), &sdt))
			continue;
		sdt_free(sdt);
		int n = snprintf(hint + used, sizeof(hint) - used, "%s%s", used ? ", " : "", py.v[i].real);
		if (n < 0 || (size_t)n >= sizeof(hint) - used) {
			hint[used] = 0;
			break;
		}
		used += (size_t)n;
	}
	pys_free(&py);
	fprintf(stderr, "pyscope: no python markers in %s (built without --with-dtrace?)%s%s\n",
		what, used ? "; these have them: " : "", hint);
}

static int add_target(struct cap *c, pid_t pid, const char *open_path, const char *path,
		      struct sdt_file *sdt)
{
	struct target *t = realloc(c->targets, (c->ntargets + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	c->targets = t;
	t += c->ntargets++;
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->open_path = strdup(open_path);
	t->path = strdup(path);
	const char *slash = strrchr(path, '/');
	t->module = strdup(slash ? slash + 1 : path);
	t->sdt = sdt;
	/* A venv's python3 is a symlink to the real interpreter: look at the name it resolves to. */
	char real[PATH_MAX];
	t->is_py311 = !prov_is_module(path) && (strstr(t->module, "python3.11") != NULL ||
		      (realpath(open_path, real) && strstr(real, "python3.11") != NULL));
	return t->open_path && t->path && t->module ? 0 : -ENOMEM;
}

/* -c: split the command into words (blanks separate words; '...' and "..." group; no other shell
 * syntax, like dtrace -c), find the executable the way execvp does, fork a child that waits for
 * cap_start() before it execs. */
char **cap_split_command(const char *s, int *n)
{
	size_t len = strlen(s);
	char **argv = calloc(len / 2 + 2, sizeof(char *));
	char *buf = malloc(len + 1), *o = buf;
	*n = 0;
	if (!argv || !buf) {
		free(argv);
		free(buf);
		return NULL;
	}
	while (*s) {
		while (*s && isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		argv[(*n)++] = o;
		while (*s && !isspace((unsigned char)*s)) {
			if (*s == '\'' || *s == '"') {
				char q = *s++;
				while (*s && *s != q)
					*o++ = *s++;
				if (*s)
					s++;
			} else {
				*o++ = *s++;
			}
		}
		*o++ = 0;
	}
	argv[*n] = NULL;
	if (*n == 0)
		free(buf);
	return argv;
}

int cap_find_command(const char *name, char *out, size_t len)
{
	if (strchr(name, '/')) {
		struct stat st;
		snprintf(out, len, "%s", name);
		if (access(out, X_OK) != 0)
			return -errno;
		return stat(out, &st) == 0 && S_ISDIR(st.st_mode) ? -EISDIR : 0;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	int rc = -ENOENT;
	while (*path) {
		size_t dl = strcspn(path, ":");
		struct stat st;
		snprintf(out, len, "%.*s%s%s", (int)dl, dl ? path : ".", "/", name);
		if (access(out, X_OK) == 0 && stat(out, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
		if (errno == EACCES)
			rc = -EACCES;
		path += dl + (path[dl] == ':');
	}
	return rc;
}

/* A script run as a command: the interpreter its "#!" line names, the way the kernel finds it
 * ("#!/usr/bin/env python3.11" looks python3.11 up in PATH). One level only: a script whose
 * interpreter is itself a script (a pyenv shim) is not followed further. */
static int script_interpreter(const char *path, char *out, size_t len)
{
	char line[PATH_MAX + 64], *p, *end;
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	if (!p || strncmp(line, "#!", 2) != 0)
		return -ENOEXEC;
	p = line + 2 + strspn(line + 2, " \t");
	end = p + strcspn(p, " \t\r\n");
	char *arg = end + strspn(end, " \t");
	arg[strcspn(arg, " \t\r\n")] = 0;
	*end = 0;
	const char *base = strrchr(p, '/');
	if (strcmp(base ? base + 1 : p, "env") == 0 && *arg)
		return cap_find_command(arg, out, len);
	snprintf(out, len, "%s", p);
	return access(out, X_OK) == 0 ? 0 : -errno;
}

static int open_command(struct cap *c)
{
	int nw;
	char **argv = cap_split_command(c->cfg.command, &nw);
	char exe[PATH_MAX];
	struct sdt_file *sdt;
	int rc;

	if (!argv)
		return -ENOMEM;
	if (nw == 0) {
		fprintf(stderr, "pyscope: -c needs a command\n");
		free(argv);
		return -EINVAL;
	}
	rc = cap_find_command(argv[0], exe, sizeof(exe));
	if (rc < 0) {
		fprintf(stderr, "pyscope: cannot run '%s': %s\n", argv[0],
			rc == -ENOENT ? "command not found" :
			rc == -EISDIR ? "it is a directory" : strerror(-rc));
		goto out;
	}
	/* The executable (or its libpython), else the interpreter of a "#!" script (or its). */
	char traced[PATH_MAX], interp[PATH_MAX], so[PATH_MAX];
	const char *python = exe;
	bool has = pys_markers(exe, traced, sizeof(traced), &sdt), use_provider = false;
	if (!has && script_interpreter(exe, interp, sizeof(interp)) == 0) {
		python = interp;
		has = pys_markers(interp, traced, sizeof(traced), &sdt);
	}
	if (has && c->cfg.provider > 0) {
		fprintf(stderr, "pyscope: --provider: %s has built-in markers; the provider would "
			"report every event twice\n", python);
		sdt_free(sdt);
		rc = -EINVAL;
		goto out;
	}
	if (!has && !c->cfg.markers_optional) {
		/* A CPython without markers: pyscope's provider (provider.h) gives it them. */
		rc = c->cfg.provider < 0 ? 0 : prov_find(python, c->cfg.provider > 0, so, sizeof(so));
		if (rc == 0 && python != exe && c->cfg.provider == 0) {  /* a wrapper script named
			python* (a pyenv shim): the interpreter it runs answers for it */
			python = exe;
			rc = prov_find(exe, false, so, sizeof(so));
		}
		if (rc <= 0 || !read_python(so, &sdt)) {
			if (rc == 0)
				say_no_markers(exe);
			rc = rc < 0 ? rc : -ENOENT;
			goto out;
		}
		snprintf(traced, sizeof(traced), "%s", so);
		use_provider = true;
		fprintf(stderr, "pyscope: %s has no python markers; loading pyscope's provider into it "
			"(%s)\n", python, so);
	}

	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = -errno;
		sdt_free(sdt);
		goto out;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		rc = -errno;
		fprintf(stderr, "pyscope: cannot start '%s': %s\n", argv[0], strerror(-rc));
		close(pipefd[0]);
		close(pipefd[1]);
		sdt_free(sdt);
		goto out;
	}
	if (pid == 0) {
		/* Wait for cap_start. pyscope alone holds the write end: if it gives up or dies
		 * before (even by SIGKILL), the read sees end-of-file and the child goes quietly,
		 * never left waiting. */
		char go;
		close(pipefd[1]);
		if (read(pipefd[0], &go, 1) != 1)
			_exit(127);
		if (use_provider && prov_child_env(so) < 0)
			_exit(127);
		execv(exe, argv);
		fprintf(stderr, "pyscope: cannot run '%s': %s\n", exe, strerror(errno));
		_exit(127);
	}
	close(pipefd[0]);
	c->child = pid;
	c->child_go = pipefd[1];
	if (!has && !use_provider)       /* markers_optional: the OS probes only */
		snprintf(c->command_exe, sizeof(c->command_exe), "%s", exe);
	rc = has || use_provider ? add_target(c, pid, traced, traced, sdt) : 0;
out:
	if (nw > 0)
		free(argv[0]);
	free(argv);
	return rc;
}

/* -p PID: every object mapped into the process that carries python markers (the executable, or a
 * shared libpython), opened through /proc/PID/root so other mount namespaces work. */
static int open_pid(struct cap *c, pid_t pid)
{
	struct pmap_obj *objs;
	int nobj, found = 0;
	int rc = pid > 0 ? pmap_read(pid, &objs, &nobj) : -ESRCH;
	if (rc == -ESRCH) {
		fprintf(stderr, "pyscope: no process with pid %d\n", (int)pid);
		return rc;
	}
	if (rc < 0) {
		fprintf(stderr, "pyscope: cannot read the memory map of pid %d: %s\n", (int)pid,
			strerror(-rc));
		return rc;
	}
	for (int i = 0; i < nobj && rc == 0; i++) {
		char open_path[PATH_MAX];
		struct sdt_file *sdt;
		if (pmap_open_path(pid, objs[i].path, open_path, sizeof(open_path)) < 0)
			continue;
		if (read_python(open_path, &sdt)) {
			rc = add_target(c, pid, open_path, objs[i].path, sdt);
			found++;
		}
	}
	pmap_free(objs, nobj);
	const char *end = rc == 0 && !found ? pmap_end(pid) : NULL;
	if (end) {
		fprintf(stderr, "pyscope: process %d %s\n", (int)pid, end);
		rc = -ESRCH;
	} else if (rc == 0 && !found && c->cfg.family && c->cfg.binary) {
		rc = 0;             /* the script's executable is attached for its descendants */
	} else if (rc == 0 && !found) {
		char exe[PATH_MAX], link[64];
		snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
		ssize_t n = readlink(link, exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = 0;
		/* CPython 3.14+: the provider goes into the running process (provider.h) */
		int r = n > 0 && c->cfg.provider >= 0 ? prov_remote_load(pid, exe) : 0;
		if (r != 0)
			return r > 0 ? open_pid(c, pid) : r;
		bool prov = n > 0 && prov_supports(exe);   /* a CPython the provider can go into */
		fprintf(stderr, "pyscope: no python markers in process %d (%s)%s%s%s\n", (int)pid,
			n > 0 ? exe : "?", prov ? "; it has none built in: run it under pyscope -c, "
			"or run 'pyscope provider install " : "", prov ? exe : "",
			prov ? "' and restart it" : "");
		rc = -ENOENT;
	}
	return rc;
}

/* BINARY's markers (or its libpython's), for every process; an object already a target once. */
static int add_binary(struct cap *c, const char *binary)
{
	char real[PATH_MAX], traced[PATH_MAX];
	struct sdt_file *sdt;
	if (!realpath(binary, real)) {
		fprintf(stderr, "pyscope: %s: %s\n", binary, strerror(errno));
		return -ENOENT;
	}
	if (!pys_markers(real, traced, sizeof(traced), &sdt)) {
		say_no_markers(binary);
		return -ENOENT;
	}
	for (int k = 0; k < c->ntargets; k++)
		if (!strcmp(c->targets[k].path, traced)) {
			sdt_free(sdt);
			return 0;
		}
	return add_target(c, -1, traced, traced, sdt);
}

/* --all: BINARY, or the machine's Pythons (pythons.h) that carry markers; each object once. */
static int open_all(struct cap *c)
{
	char traced[PATH_MAX];
	struct sdt_file *sdt;
	if (c->cfg.binary)
		return add_binary(c, c->cfg.binary);

	struct pys_list py;
	int rc = pys_find(&py);
	for (int i = 0; i < py.n && rc == 0; i++) {
		/* built-in markers, else pyscope's provider installed in it (provider.h) */
		if (!pys_markers(py.v[i].real, traced, sizeof(traced), &sdt) &&
		    (!prov_installed(py.v[i].path, traced, sizeof(traced)) || !read_python(traced, &sdt)))
			continue;
		bool seen = false;      /* two Pythons using one libpython */
		for (int k = 0; k < c->ntargets; k++)
			seen |= strcmp(c->targets[k].path, traced) == 0;
		if (seen)
			sdt_free(sdt);
		else
			rc = add_target(c, -1, traced, traced, sdt);
	}
	pys_free(&py);
	if (rc == 0 && c->ntargets == 0) {
		fprintf(stderr, "pyscope: found no Python with markers (" PYS_WHERE "); "
			"name one: --all BINARY\n");
		rc = -ENOENT;
	}
	return rc;
}

/* One probe per marker name in each target, the eight CPython markers first in their fixed
 * order, then any other python-provider marker in note order. */
static int list_probes(struct cap *c)
{
	int total = 0;
	for (int t = 0; t < c->ntargets; t++)
		total += pys_nmarkers(c->targets[t].sdt);
	c->probes = calloc(total ? total : 1, sizeof(*c->probes));
	c->probe_ptrs = calloc(total ? total : 1, sizeof(*c->probe_ptrs));
	if (!c->probes || !c->probe_ptrs)
		return -ENOMEM;
	for (int t = 0; t < c->ntargets; t++) {
		const struct target *tg = &c->targets[t];
		/* rank: the marker's place in enum ps_marker; any other marker comes last */
		for (int rank = 0; rank <= PS_M_COUNT; rank++) {
			for (int i = 0; i < tg->sdt->nnotes; i++) {
				const struct sdt_note *n = &tg->sdt->notes[i];
				int marker = ps_marker_from_name(n->name);
				if (strcmp(n->provider, "python") != 0 ||
				    (marker == PS_M_OTHER ? PS_M_COUNT : marker) != rank)
					continue;
				bool dup = false;     /* a marker with several sites is one probe */
				for (int k = 0; k < c->nprobes; k++)
					dup |= c->probes[k].target == t &&
					       strcmp(c->probes[k].pub.name, n->name) == 0;
				if (dup)
					continue;
				struct probe *p = &c->probes[c->nprobes];
				p->target = t;
				p->pub.id = c->nprobes + 1;
				p->pub.marker = marker;
				p->pub.pid = tg->pid > 0 ? tg->pid : 0;
				p->pub.provider = n->provider;
				p->pub.name = n->name;
				p->pub.module = tg->module;
				p->pub.path = tg->path;
				p->pub.function = n->function ? n->function : "-";
				p->pub.nargs = n->nargs;
				c->probe_ptrs[c->nprobes] = &p->pub;
				c->nprobes++;
			}
		}
	}
	return 0;
}

/* The operating system's probes after the markers; the pid provider looks into the -c command
 * (its executable, not run yet) or the first -p process. */
static int open_sys(struct cap *c)
{
	pid_t pid = c->child > 0 ? c->child : c->npids > 0 ? c->pids[0] : 0;
	const char *obj = c->child > 0 && c->ntargets > 0 ? c->targets[0].open_path :
			  c->command_exe[0] ? c->command_exe : NULL;
	const struct ps_probe *const *sp;
	int rc = cap_sys_open(&c->cfg, pid, obj, c->nprobes + 1, &c->sys);
	if (rc < 0)
		return rc;
	int ns = cap_sys_probes(c->sys, &sp);
	const struct ps_probe **all = realloc(c->probe_ptrs, (c->nprobes + ns + 1) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	memcpy(all + c->nprobes, sp, ns * sizeof(*all));
	c->probe_ptrs = all;
	c->nall = c->nprobes + ns;
	return 0;
}

int cap_open(const struct cap_config *cfg, struct cap **out)
{
	struct cap *c = calloc(1, sizeof(*c));
	int rc = 0;
	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->cfg = *cfg;
	c->child_go = -1;
	c->wake_fd = -1;
	if (c->cfg.strsize <= 0)
		c->cfg.strsize = PS_STRSIZE_DEFAULT;
	if (c->cfg.strsize < PS_STRSIZE_MIN || c->cfg.strsize > PS_STRSIZE_MAX) {
		fprintf(stderr, "pyscope: strsize must be between %d and %d\n", PS_STRSIZE_MIN,
			PS_STRSIZE_MAX);
		free(c);
		return -EINVAL;
	}
	libbpf_set_print(libbpf_print);

	if (cfg->command) {
		/* family with the script's executable (BINARY): the command may be a shell or a
		 * wrapper that starts it, as stap's -c hierarchy sees it */
		if (cfg->family && cfg->binary)
			c->cfg.markers_optional = true;
		rc = open_command(c);
	} else if (cfg->npids > 0) {
		c->pids = malloc(cfg->npids * sizeof(pid_t));
		if (!c->pids)
			rc = -ENOMEM;
		for (int i = 0; rc == 0 && i < cfg->npids; i++) {
			/* -p 42 -p 42 is one process: attached twice, it would give each hit twice. */
			bool seen = false;
			for (int k = 0; k < c->npids; k++)
				seen |= c->pids[k] == cfg->pids[i];
			if (seen)
				continue;
			c->pids[c->npids++] = cfg->pids[i];
			rc = open_pid(c, cfg->pids[i]);
		}
	} else if (cfg->all) {
		rc = open_all(c);
	} else {
		fprintf(stderr, "pyscope: nothing to trace: give -c CMD, -p PID or --all\n");
		rc = -EINVAL;
	}
	/* family: the same objects, attached for every process (as open_all does); the kernel keeps
	 * the hits of the traced processes and their descendants (traced, ps_fork) */
	if (rc == 0 && cfg->family && cfg->binary && (cfg->command || cfg->npids))
		rc = add_binary(c, cfg->binary);
	for (int t = 0; rc == 0 && cfg->family && (cfg->command || cfg->npids) && t < c->ntargets; t++)
		c->targets[t].pid = -1;
	if (rc == 0)
		rc = list_probes(c);
	if (rc == 0 && cfg->os_probes)
		rc = open_sys(c);
	if (rc == 0 && !cfg->os_probes)
		c->nall = c->nprobes;
	if (rc < 0) {
		cap_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int cap_probes(const struct cap *c, const struct ps_probe *const **probes)
{
	*probes = c->probe_ptrs;
	return c->nall;
}

int cap_enable(struct cap *c, int id, uint32_t strargs)
{
	if ((strargs & CAP_STRARGS_PYSTACK) && (!c->py && !(c->py = capy_new())))
		return -ENOMEM;
	if ((strargs & CAP_STRARGS_PYSTACK) && capy_want(c->py, id, c->cfg.pystack_frames) < 0)
		return -ENOMEM;
	if ((strargs & CAP_STRARGS_PYSTACK) && id >= 1 && id <= c->nprobes &&
	    capy_object(c->py, id, c->targets[c->probes[id - 1].target].open_path) < 0)
		return -ENOMEM;
	if (cap_sys_has(c->sys, id))
		return cap_sys_enable(c->sys, id, strargs);
	if (id < 1 || id > c->nprobes)
		return -ENOENT;
	c->probes[id - 1].enabled = true;
	c->probes[id - 1].strargs = strargs & ((1u << PS_MAX_ARGS) - 1);
	return 0;
}

int cap_want(struct cap *c, int id, const struct ps_capture *w)
{
	int rc = cap_enable(c, id, w->strargs |
			    (w->sections & PS_SEC_PYSTACK ? CAP_STRARGS_PYSTACK : 0));
	if (rc < 0 || !(w->sections & (PS_SEC_MEM | PS_SEC_USTACK | PS_SEC_VTS)))
		return rc;
	if (id < 1 || id > c->nall || w->nmem > CAP_MEM_MAX)
		return -EINVAL;
	if (!c->cfgs && !(c->cfgs = calloc((size_t)c->nall, sizeof(*c->cfgs))))
		return -ENOMEM;
	struct cap_probe_cfg *cfg = &c->cfgs[id - 1];
	memset(cfg, 0, sizeof(*cfg));
	cfg->sections = w->sections & (CAP_SEC_MEM | CAP_SEC_USTACK | CAP_SEC_VTS);
	/* PYSCOPE_USTACK_CFI=0: frame pointers only (the benchmark's baseline; undocumented) */
	const char *cfi = getenv("PYSCOPE_USTACK_CFI");
	if ((w->sections & PS_SEC_USTACK) && w->stack_bytes > 0 && uw_supported() &&
	    !(cfi && strcmp(cfi, "0") == 0)) {
		cfg->sections |= CAP_SEC_UREGS;
		cfg->stack_bytes = w->stack_bytes < CAP_STACK_MAX ? (unsigned)w->stack_bytes : CAP_STACK_MAX;
	}
	cfg->nmem = w->nmem;
	cfg->ustack_frames = w->ustack_frames > 0 && w->ustack_frames < CAP_USTACK_MAX ?
		w->ustack_frames : CAP_USTACK_MAX;
	for (int i = 0; i < w->nmem; i++) {
		const struct ps_memread *m = &w->mem[i];
		cfg->mem[i] = (struct cap_mem_read){
			.base = m->base == PS_MEM_ARG ? CAP_MEM_ARG : m->base == PS_MEM_READ ?
				CAP_MEM_READ : CAP_MEM_ABS,
			.index = (unsigned char)m->index, .str = m->str,
			.size = (unsigned short)(m->size < CAP_MEM_SIZE_MAX ? m->size : CAP_MEM_SIZE_MAX),
			.off = m->off,
		};
	}
	c->any_cfg = true;
	return 0;
}

/* The probe_cfg map from c->cfgs, once loaded. */
static int load_cfgs(struct cap *c)
{
	int fd = bpf_map__fd(c->skel->maps.probe_cfg);
	for (int i = 0; c->cfgs && i < c->nall; i++) {
		__u32 key = (__u32)i + 1;
		if (c->cfgs[i].sections && bpf_map_update_elem(fd, &key, &c->cfgs[i], BPF_ANY) < 0) {
			int rc = -errno;
			fprintf(stderr, "pyscope: cannot configure the capture: %s\n", strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int cap_kagg_set(struct cap *c, const struct kagg_clause *tab, int n, int nstrs, int room,
		 int str_off, int entries)
{
	if (n < 0 || n > KAGG_MAX_CLAUSES || nstrs < 0 || nstrs > KAGG_MAX_STRS || room < 2 ||
	    room > KAGG_ROOM_MAX || room > c->cfg.strsize || str_off < KAGG_HDR ||
	    str_off > KAGG_STR_OFF || str_off % 8)
		return -EINVAL;
	free(c->ktab);
	c->ktab = NULL;
	c->nktab = 0;
	if (n > 0 && !(c->ktab = malloc(n * sizeof(*tab))))
		return -ENOMEM;
	if (n > 0)
		memcpy(c->ktab, tab, n * sizeof(*tab));
	c->nktab = n;
	c->knstrs = nstrs;
	c->kroom = room;
	c->kstr_off = str_off;
	c->kentries = entries;
	return 0;
}

int cap_kagg_strid(struct cap *c, bool on)
{
	c->kstrid = on;
	return 0;
}

/* A process whose hit came to user space, for the kernel's string identities (kagg_rec.h): the
 * first time, its PyUnicode_Type and header size when it runs a CPython whose layout pyscope
 * knows; otherwise it stays unconfigured (its strings are copied). */
static void kagg_track(struct cap *c, uint32_t pid)
{
	if (!pid || !c->skel)
		return;
	if ((c->nkpids + 1) * 2 > c->capkpids) {
		size_t ncap = c->capkpids ? c->capkpids * 2 : 64;
		uint32_t *n = calloc(ncap, sizeof(*n));
		if (!n)
			return;
		for (size_t i = 0; i < c->capkpids; i++) {
			if (!c->kpids[i])
				continue;
			size_t j = (c->kpids[i] * 2654435761u) & (ncap - 1);
			while (n[j])
				j = (j + 1) & (ncap - 1);
			n[j] = c->kpids[i];
		}
		free(c->kpids);
		c->kpids = n;
		c->capkpids = ncap;
	}
	size_t j = (pid * 2654435761u) & (c->capkpids - 1);
	while (c->kpids[j]) {
		if (c->kpids[j] == pid)
			return;
		j = (j + 1) & (c->capkpids - 1);
	}
	c->kpids[j] = pid;
	c->nkpids++;
	struct pyo_target t;
	char err[256];
	if (pyo_target_find((pid_t)pid, &t, err, sizeof(err)) < 0 || !t.unicode_type ||
	    t.off.unicode_length != 16 || t.off.unicode_state != 32 ||
	    (t.off.ascii_size != 40 && t.off.ascii_size != 48))
		return;
	struct kagg_pycfg cfg = { .utype = t.unicode_type, .hdr = (unsigned)t.off.ascii_size };
	bpf_map__update_elem(c->skel->maps.kagg_procs, &pid, sizeof(pid), &cfg, sizeof(cfg), BPF_ANY);
}

int cap_kagg_strtext(const struct cap *c, const void *sid, char *buf, size_t len)
{
	size_t n = (size_t)c->cfg.strsize;
	if (!c->skel || !c->kstrid || len < n)
		return -EINVAL;
	if (bpf_map__lookup_elem(c->skel->maps.kagg_strs, sid, KAGG_SID, buf, n, 0) < 0)
		return -errno;
	buf[n - 1] = 0;
	return 0;
}

int cap_strsize(const struct cap *c)
{
	return c->cfg.strsize;
}

bool cap_is_marker(const struct cap *c, int id)
{
	return id >= 1 && id <= c->nprobes;
}

int cap_enable_kagg(struct cap *c, int id, uint32_t kmask, bool norecord)
{
	if (!cap_is_marker(c, id))
		return -ENOENT;
	c->probes[id - 1].kmask = kmask & ((1u << KAGG_MAX_CLAUSES) - 1);
	c->probes[id - 1].norecord = kmask && norecord;
	return 0;
}

void cap_kagg_drops(const struct cap *c, uint64_t *agg, uint64_t *dyn)
{
	*agg = *dyn = 0;
	for (int i = 0; c->skel && c->nktab > 0 && i < c->ncpus; i++) {
		*agg += __atomic_load_n(&c->skel->bss->kagg_drops[i * KAGG_NDROPS + KAGG_DROP_AGG],
					__ATOMIC_RELAXED);
		*dyn += __atomic_load_n(&c->skel->bss->kagg_drops[i * KAGG_NDROPS + KAGG_DROP_DYN],
					__ATOMIC_RELAXED);
	}
}

/* One map's entries: per-CPU values added up. Counts and sums wrap at 64 bits as agg.c's do;
 * the 128-bit sums carry. */
static int kagg_read_map(struct cap *c, struct bpf_map *m, bool hist,
			 int (*cb)(const void *, int, const struct kagg_hval *, bool, void *), void *ctx)
{
	int fd = bpf_map__fd(m);
	uint32_t ksz = bpf_map__key_size(m);
	size_t vsz = hist ? sizeof(struct kagg_hval) : sizeof(struct kagg_val);
	unsigned char *key = calloc(2, ksz), *next = key + ksz;
	unsigned char *vals = calloc(c->ncpus, vsz);
	struct kagg_hval *tot = calloc(1, sizeof(*tot));
	int rc = key && vals && tot ? 0 : -ENOMEM;
	void *prev = NULL;
	while (rc == 0 && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, ksz);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, vals) < 0)
			continue;            /* gone meanwhile */
		memset(tot, 0, sizeof(*tot));
		bool any = false;
		for (int i = 0; i < c->ncpus; i++) {
			const struct kagg_hval *v = (const void *)(vals + i * vsz);
			if (v->v.count == 0)
				continue;
			unsigned long long lo = tot->v.sum_lo + v->v.sum_lo;
			tot->v.sum_hi += v->v.sum_hi + (lo < tot->v.sum_lo);
			tot->v.sum_lo = lo;
			lo = tot->v.sq_lo + v->v.sq_lo;
			tot->v.sq_hi += v->v.sq_hi + (lo < tot->v.sq_lo);
			tot->v.sq_lo = lo;
			if (!any || v->v.min < tot->v.min)
				tot->v.min = v->v.min;
			if (!any || v->v.max > tot->v.max)
				tot->v.max = v->v.max;
			tot->v.count = (long long)((unsigned long long)tot->v.count + v->v.count);
			for (int b = 0; hist && b < KAGG_NBUCKETS; b++)
				tot->buckets[b] = (long long)((unsigned long long)tot->buckets[b] +
							      (unsigned long long)v->buckets[b]);
			any = true;
		}
		if (any)
			rc = cb(key, (int)ksz, tot, hist, ctx);
	}
	free(key);
	free(vals);
	free(tot);
	return rc;
}

int cap_kagg_read(struct cap *c, int (*cb)(const void *key, int keysize, const struct kagg_hval *total,
					   bool hist, void *ctx), void *ctx)
{
	if (!c->skel || c->nktab == 0)
		return 0;
	int rc = kagg_read_map(c, c->skel->maps.kagg_map, false, cb, ctx);
	return rc ? rc : kagg_read_map(c, c->skel->maps.kagg_hmap, true, cb, ctx);
}

static int add_link(struct cap *c, struct bpf_link *l)
{
	struct bpf_link **nl = realloc(c->links, (c->nlinks + 1) * sizeof(*nl));
	if (!nl) {
		bpf_link__destroy(l);
		return -ENOMEM;
	}
	c->links = nl;
	c->links[c->nlinks++] = l;
	return 0;
}

static int add_link_cb(void *ctx, struct bpf_link *l)
{
	return add_link(ctx, l);
}

static void say_attach_error(const struct target *t, const char *what, int rc)
{
	char who[32] = "every process";
	/* A process that ends while pyscope attaches makes libbpf fail in ways (ENOENT on its
	 * /proc files, ESRCH, EINVAL) that say nothing useful: say what happened instead. */
	const char *end = t->pid > 0 ? pmap_end(t->pid) : NULL;
	if (end && strcmp(end, "is a kernel thread") != 0) {
		fprintf(stderr, "pyscope: process %d exited while pyscope attached to it\n", (int)t->pid);
		return;
	}
	if (t->pid > 0)
		snprintf(who, sizeof(who), "pid %d", (int)t->pid);
	fprintf(stderr, "pyscope: cannot attach to %s in %s (%s): %s%s%s\n", what, t->path, who,
		rc == -ESRCH ? "the process is gone" : strerror(-rc),
		libbpf_last[0] ? "; libbpf: " : "", libbpf_last);
}

/* CPython 3.11 (see the top of this file): hold the line semaphore up while function markers are
 * traced in T, without attaching to `line`. */
static int raise_line_semaphore(struct cap *c, const struct target *t)
{
	const struct sdt_note *line = NULL;
	for (int i = 0; i < t->sdt->nnotes && !line; i++)
		if (strcmp(t->sdt->notes[i].provider, "python") == 0 &&
		    strcmp(t->sdt->notes[i].name, "line") == 0)
			line = &t->sdt->notes[i];
	if (!line || !line->sem_off)
		return 0;
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .ref_ctr_offset = line->sem_off,
		    .func_name = LINE_SEM_SPOT);
	struct bpf_link *l = bpf_program__attach_uprobe_opts(c->skel->progs.ps_nop, t->pid,
							     t->open_path, 0, &opts);
	if (!l) {
		say_attach_error(t, "the line semaphore (" LINE_SEM_SPOT ")", -errno);
		return -errno;
	}
	return add_link(c, l);
}

static int on_record(void *ctx, void *data, size_t len);

static size_t ring_bytes(const struct cap *c)
{
	size_t kb = c->cfg.ring_kb > 0 ? (size_t)c->cfg.ring_kb : RING_DEFAULT_KB;
	size_t b = 4096;
	while (b < kb * 1024 && b < ((size_t)1 << 30))
		b <<= 1;                /* the ring must be a power-of-two number of pages */
	return b;
}

/* cap_config.family: the targets in the traced map, and the fork and exit tracepoints that keep
 * it (capture_sys.c attaches them when its providers are on; else here). */
static int attach_family(struct cap *c)
{
	__u8 one = 1;
	const pid_t *pids = c->child > 0 ? &c->child : c->pids;
	int n = c->child > 0 ? 1 : c->npids;
	for (int i = 0; i < n; i++) {
		__u32 pid = (__u32)pids[i];
		if (bpf_map__update_elem(c->skel->maps.traced, &pid, sizeof(pid), &one, sizeof(one),
					 BPF_ANY) < 0)
			return -errno;
	}
	if (c->sys)
		return 0;
	struct bpf_program *progs[] = { c->skel->progs.ps_fork, c->skel->progs.ps_exit };
	const char *tps[] = { "sched_process_fork", "sched_process_exit" };
	for (int i = 0; i < 2; i++) {
		struct bpf_link *l = bpf_program__attach_raw_tracepoint(progs[i], tps[i]);
		if (!l) {
			int rc = -errno;
			fprintf(stderr, "pyscope: cannot attach to %s: %s\n", tps[i], strerror(-rc));
			return rc;
		}
		int rc = add_link(c, l);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int cap_attach(struct cap *c)
{
	int rc;
	bool floor = c->cfg.floor;

	c->skel = capture_bpf__open();
	if (!c->skel) {
		rc = -errno;
		fprintf(stderr, "pyscope: cannot open the BPF program: %s\n", strerror(-rc));
		return rc;
	}
	size_t rb = ring_bytes(c);
	c->skel->rodata->strsize = c->cfg.strsize;
	c->skel->rodata->wake_at = rb / 8;

	bpf_map__set_max_entries(c->skel->maps.ring, rb);
	bpf_map__set_max_entries(c->skel->maps.probe_cfg, (__u32)c->nall + 1);
	c->skel->rodata->extra_on = c->any_cfg;
	if (c->nktab > 0) {
		uint32_t ksz = c->kstr_off + c->knstrs * c->kroom;
		int ent = c->kentries > 0 ? c->kentries : KAGG_ENTRIES_DEFAULT;
		c->skel->rodata->kagg_on = true;
		c->skel->rodata->kagg_nstrs = c->knstrs;
		c->skel->rodata->kagg_room = c->kroom;
		c->skel->rodata->kagg_str_off = c->kstr_off;
		c->skel->rodata->kagg_cut = c->kroom < c->cfg.strsize;
		for (int i = 0; i < c->nktab; i++) {
			const struct kagg_clause *k = &c->ktab[i];
			const struct kagg_part *ps[] = { &k->val, &k->val2, &k->stores[0].src,
							 &k->stores[1].src };
			for (size_t j = 0; j < sizeof(ps) / sizeof(ps[0]); j++)
				if (ps[j]->src == KAGG_S_TIMESTAMP)
					c->skel->rodata->kagg_need_ts = 1;
		}
		c->kstrid = c->kstrid && c->knstrs > 0 && c->kroom >= KAGG_SID;
		c->skel->rodata->kagg_strid = c->kstrid;
		c->skel->rodata->kagg_text = c->cfg.strsize;
		if (bpf_map__set_value_size(c->skel->maps.kagg_strs, c->kstrid ? c->cfg.strsize : 8) ||
		    bpf_map__set_max_entries(c->skel->maps.kagg_strs, c->kstrid ? ent : 1) ||
		    bpf_map__set_max_entries(c->skel->maps.kagg_procs, c->kstrid ? KAGG_PROCS : 1))
			return -EINVAL;
		if (bpf_map__set_key_size(c->skel->maps.kagg_map, ksz) ||
		    bpf_map__set_key_size(c->skel->maps.kagg_hmap, ksz) ||
		    bpf_map__set_max_entries(c->skel->maps.kagg_map, ent) ||
		    bpf_map__set_max_entries(c->skel->maps.kagg_hmap, ent))
			return -EINVAL;
	}
	cap_sys_prepare(c->sys, c->skel, c->child > 0 || c->npids > 0);
	if (c->cfg.family && (c->child > 0 || c->npids > 0)) {
		/* stap's -c/-x process hierarchy: the targets, and the processes they fork */
		c->skel->rodata->hit_family = true;
		bpf_program__set_autoload(c->skel->progs.ps_fork, true);
		bpf_program__set_autoload(c->skel->progs.ps_exit, true);
	}
	if (capy_any(c->py)) {
		capy_prepare(c->py, c->skel->maps.pystack_want, c->nall);
		c->skel->rodata->pystack_on = true;
	} else {
		bpf_map__set_max_entries(c->skel->maps.pystack_procs, 1);
		bpf_map__set_max_entries(c->skel->maps.pyw_seen, 1);
	}
	rc = capture_bpf__load(c->skel);
	if (rc == -EPERM) {
		fprintf(stderr, "pyscope: not allowed to load BPF programs: run pyscope as root "
			"(it needs CAP_BPF and CAP_PERFMON)\n");
		return rc;
	}
	if (rc < 0) {
		fprintf(stderr, "pyscope: cannot load the BPF program: %s%s%s\n", strerror(-rc),
			libbpf_last[0] ? "; libbpf: " : "", libbpf_last);
		return rc;
	}
	if ((rc = load_cfgs(c)) < 0)
		return rc;
	if (capy_any(c->py)) {
		rc = capy_load(c->py, c->skel->maps.pystack_want, c->skel->maps.pystack_procs);
		for (int i = 0; i < c->npids && rc >= 0; i++)
			rc = capy_track(c->py, c->pids[i], true);
		if (rc < 0) {
			fprintf(stderr, "pyscope: cannot hand the Python stack walker its offsets: %s\n",
				strerror(-rc));
			return rc;
		}
	}
	for (int i = 0; i < c->nktab; i++) {
		uint32_t k = i;
		if (bpf_map__update_elem(c->skel->maps.kagg_clauses, &k, sizeof(k), &c->ktab[i],
					 sizeof(c->ktab[i]), BPF_ANY) < 0)
			return -errno;
	}
	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0 || c->ncpus > CAP_MAX_CPUS)
		c->ncpus = CAP_MAX_CPUS;
	c->lost_cpu = calloc(c->ncpus, sizeof(*c->lost_cpu));
	if (!c->lost_cpu)
		return -ENOMEM;

	bool *want_sem = calloc(c->ntargets ? c->ntargets : 1, sizeof(bool));
	bool *has_line = calloc(c->ntargets ? c->ntargets : 1, sizeof(bool));
	if (!want_sem || !has_line) {
		free(want_sem);
		free(has_line);
		return -ENOMEM;
	}
	rc = 0;
	for (int i = 0; i < c->nprobes && rc == 0; i++) {
		struct probe *p = &c->probes[i];
		const struct target *t = &c->targets[p->target];
		if (!p->enabled)
			continue;
		LIBBPF_OPTS(bpf_usdt_opts, opts, .usdt_cookie = CAP_COOKIE(p->pub.id, p->strargs) |
			    KAGG_COOKIE(p->kmask, p->norecord));
		libbpf_last[0] = 0;
		struct bpf_link *l = bpf_program__attach_usdt(
			floor ? c->skel->progs.ps_nop : c->skel->progs.ps_hit, t->pid, t->open_path,
			p->pub.provider, p->pub.name, &opts);
		if (!l) {
			rc = -errno;
			char what[128];
			snprintf(what, sizeof(what), "%s:%s", p->pub.provider, p->pub.name);
			say_attach_error(t, what, rc);
			break;
		}
		rc = add_link(c, l);
		/* function-return fires for every frame without it (tests/cases/kagg_line_sem.sh) */
		if (p->pub.marker == PS_M_FUNCTION_ENTRY)
			want_sem[p->target] = true;
		if (p->pub.marker == PS_M_LINE)
			has_line[p->target] = true;
	}
	for (int t = 0; t < c->ntargets && rc == 0; t++)
		if (want_sem[t] && !has_line[t] && c->targets[t].is_py311)
			rc = raise_line_semaphore(c, &c->targets[t]);
	free(want_sem);
	free(has_line);
	if (rc == 0 && c->sys)
		rc = cap_sys_attach(c->sys, c->skel, c->child > 0 ? &c->child : c->pids,
				    c->child > 0 ? 1 : c->npids, add_link_cb, c);
	if (rc == 0 && c->skel->rodata->hit_family)
		rc = attach_family(c);
	if (rc < 0)
		return rc;

	/* libbpf's ring_buffer__poll() waits level-triggered: while the producer keeps adding
	 * records it returns at once, every time, and the reader ends up spinning a few records at a
	 * time, bouncing the ring's cache lines with the traced process. So the reader waits on its
	 * own edge-triggered epoll instead — a tick, or the wake-up BPF forces when the ring fills —
	 * and uses libbpf only to consume. */
	int map_fd = bpf_map__fd(c->skel->maps.ring);
	c->rb = ring_buffer__new(map_fd, on_record, c, NULL);
	c->wake_fd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ee = { .events = EPOLLIN | EPOLLET };
	if (!c->rb || c->wake_fd < 0 || epoll_ctl(c->wake_fd, EPOLL_CTL_ADD, map_fd, &ee) < 0) {
		rc = -errno;
		fprintf(stderr, "pyscope: cannot open the ring buffer: %s\n", strerror(-rc));
		return rc;
	}
	return 0;
}

static long now_ms(void);

int cap_start(struct cap *c)
{
	if (c->child_go < 0)
		return 0;
	int rc = write(c->child_go, "g", 1) == 1 ? 0 : -errno;
	close(c->child_go);
	c->child_go = -1;
	/* Python stacks: the command's recipe is wanted before its first hit, so look for its
	 * CPython as soon as it has exec'd (the interpreter starts for some ms before any call). */
	long until = now_ms() + 1000;
	while (rc == 0 && capy_any(c->py) && now_ms() < until && !pmap_end(c->child)) {
		if (capy_track(c->py, c->child, true) > 0)
			break;              /* else not mapped yet (or mapped but not readable yet) */
		struct timespec ts = { 0, 50000 };
		nanosleep(&ts, NULL);
	}
	return rc;
}

/* The CAP_SEC_UREGS section at P (before END): EV's native stack unwound with the CFI from the
 * registers and stack copy, where that goes further than the frame pointers' (unwind.c). */
static void unwind_ustack(struct cap *c, struct ps_event *ev, const struct cap_probe_cfg *cfg,
			  const char *p, const char *end)
{
	struct cap_uregs_hdr h;
	uint64_t regs[CAP_UREGS], fp[PS_USTACK_MAX];
	if (p + sizeof(h) + sizeof(regs) > end)
		return;
	memcpy(&h, p, sizeof(h));
	memcpy(regs, p + sizeof(h), sizeof(regs));
	p += sizeof(h) + sizeof(regs);
	if (h.len > (size_t)(end - p))
		return;
	if (!c->uw && !(c->uw = uw_procs_new()))
		return;
	int max = cfg->ustack_frames > 0 && cfg->ustack_frames < PS_USTACK_MAX ? cfg->ustack_frames
									      : PS_USTACK_MAX;
	bool cfi;
	memcpy(fp, ev->ustack, (size_t)ev->nustack * sizeof(*fp));
	ev->nustack = uw_stack(c->uw, (pid_t)ev->pid, (pid_t)ev->tid, regs, p, h.len, fp, ev->nustack,
			       ev->ustack, max, &cfi);
}

/* The sections after the strings (capture_rec.h), from P to END, into EV. A section cut short
 * (it cannot be, unless the record is not ours) ends the decoding. */
static void decode_sections(struct cap *c, const struct cap_rec *r, struct ps_event *ev,
			    const char *p, const char *end)
{
	const struct cap_probe_cfg *cfg = c->cfgs ? &c->cfgs[r->id - 1] : NULL;
	if ((r->sections & CAP_SEC_MEM) && cfg && p < end) {
		int n = (unsigned char)*p++;
		for (int i = 0; i < n && i < PS_MEM_MAX; i++) {
			struct cap_mem_hdr h;
			if (p + sizeof(h) > end)
				return;
			memcpy(&h, p, sizeof(h));
			p += sizeof(h);
			if (p + h.len > end || h.index >= CAP_MEM_MAX)
				return;
			struct ps_mem *m = &ev->mem[ev->nmem++];
			const struct cap_mem_read *want = &cfg->mem[h.index];
			*m = (struct ps_mem){ .addr = h.addr, .len = h.len, .ok = h.flags & CAP_MEM_OK,
					      .str = want->str, .cut = h.flags & CAP_MEM_CUT,
					      .size = want->size, .bytes = (const unsigned char *)p };
			if (m->str && m->ok && (m->len == 0 || p[m->len - 1] != 0))
				m->ok = false;      /* not a string after all: not ours */
			p += h.len;
		}
		ev->sections |= PS_SEC_MEM;
	}
	if (r->sections & CAP_SEC_USTACK) {
		unsigned short n;
		if (p + 2 > end)
			return;
		memcpy(&n, p, 2);
		p += 2;
		if (n > PS_USTACK_MAX || p + n * 8 > end)
			return;
		memcpy(ev->ustack, p, (size_t)n * 8);
		ev->nustack = n;
		p += n * 8;
		ev->sections |= PS_SEC_USTACK;
	}
	if (r->sections & CAP_SEC_VTS) {
		if (p + 8 > end)
			return;
		memcpy(&ev->vts, p, 8);
		ev->sections |= PS_SEC_VTS;
		p += 8;
	}
	if ((r->sections & CAP_SEC_UREGS) && (ev->sections & PS_SEC_USTACK) && cfg)
		unwind_ustack(c, ev, cfg, p, end);
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct cap *c = ctx;
	const struct cap_rec *r = data;
	struct ps_event *ev = &c->ev;
	const char *end = (const char *)data + len;
	uint64_t magic;

	if (len >= sizeof(magic) && (memcpy(&magic, data, sizeof(magic)), magic == PYSTACK_DEF_MAGIC)) {
		if (c->py)              /* a code object's definition, ahead of the stacks that hold it */
			capy_define(c->py, data, len);
		return 0;
	}
	if (len < sizeof(*r) || r->id < 1 || r->id > (unsigned)c->nall || r->nargs > PS_MAX_ARGS ||
	    len < sizeof(*r) + r->nargs * sizeof(r->args[0]))
		return 0;       /* not ours or malformed: nothing sensible to deliver */
	ev->ts = r->ts;
	ev->pid = r->pid;
	ev->tid = r->tid;
	ev->cpu = r->cpu;
	ev->probe = c->probe_ptrs[r->id - 1];
	ev->nargs = r->nargs;
	ev->cut = r->cut;
	ev->kmiss = r->kmiss;
	if (c->kstrid) {
		kagg_track(c, r->pid);
		/* sent only to say the process is new (kagg_ask): nothing for the clauses */
		if (!r->kmiss && r->id <= (unsigned)c->nprobes && c->probes[r->id - 1].norecord)
			return 0;
	}
	memcpy(ev->comm, r->comm, PS_COMM_LEN);
	ev->comm[PS_COMM_LEN - 1] = 0;
	const char *p = (const char *)&r->args[r->nargs];
	for (int i = 0; i < r->nargs; i++) {
		ev->args[i] = r->args[i];
		ev->str[i] = NULL;
		if (!(r->strmask & (1u << i)) || p + 2 > end)
			continue;
		unsigned short n;
		memcpy(&n, p, 2);
		p += 2;
		if (n == 0 || p + n > end)
			continue;       /* the read faulted at the hit: not copied */
		if (p[n - 1] == 0)
			ev->str[i] = p;
		p += n;
	}
	ev->sections = 0;
	ev->nmem = 0;
	ev->nustack = 0;
	ev->pyframes = NULL;
	ev->npyframes = 0;
	ev->pyflags = 0;
	if (r->sections & CAP_SEC_PYSTACK) {
		/* first, 8-byte aligned from the record's start (capture_rec.h) */
		p = (const char *)data + (((size_t)(p - (const char *)data) + 7) & ~(size_t)7);
		struct cap_pystack_sec h;
		if (p + sizeof(h) > end)
			goto done;
		memcpy(&h, p, sizeof(h));
		if (c->py)
			capy_decode(c->py, p, end, ev);
		p += sizeof(h) + (size_t)h.nframes * sizeof(struct pystack_frame);
		if (p > end)
			goto done;
	}
	if (r->sections & (CAP_SEC_MEM | CAP_SEC_USTACK | CAP_SEC_VTS))
		decode_sections(c, r, ev, p, end);
done:
	cap_sys_decode(c->sys, ev);
	c->delivered++;
	int rc = c->sink->on_event(ev, c->sink->ctx);
	if (rc) {
		c->sink_ret = rc;
		return -ECANCELED;      /* libbpf stops consuming on a negative return */
	}
	/* A ring kept full by a busy target would keep libbpf consuming for ever: a stop ends the
	 * batch (this record was delivered; the rest stays in the ring for the drain). */
	return c->stop && *c->stop ? -EINTR : 0;
}

/* The kernel counts the records the ring could not take per CPU: report each CPU's news. */
static void report_lost(struct cap *c)
{
	for (int i = 0; i < c->ncpus; i++) {
		uint64_t n = __atomic_load_n(&c->skel->bss->lost[i], __ATOMIC_RELAXED);
		if (n <= c->lost_cpu[i])
			continue;
		uint64_t d = n - c->lost_cpu[i];
		c->lost_cpu[i] = n;
		c->lost_seen += d;
		if (c->sink && c->sink->on_lost)
			c->sink->on_lost(d, i, c->sink->ctx);
	}
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

int cap_poll(struct cap *c, const struct ps_sink *sink, int timeout_ms)
{
	if (!c->rb)
		return -EINVAL;
	c->sink = sink;
	c->sink_ret = 0;
	c->delivered = 0;
	long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		int rc = ring_buffer__consume(c->rb);
		report_lost(c);
		if (c->sink_ret)
			return c->sink_ret;
		if (rc < 0 && rc != -EINTR)
			return rc;
		if (c->delivered > 0)
			return c->delivered;
		if (rc == -EINTR)
			return -EINTR;
		long left = deadline - now_ms();
		if (left <= 0)
			return 0;
		/* Woken early only when the ring is filling; otherwise look again after a tick. */
		struct epoll_event ee;
		if (epoll_wait(c->wake_fd, &ee, 1, left < POLL_TICK_MS ? (int)left : POLL_TICK_MS) < 0 &&
		    errno == EINTR)
			return -EINTR;
	}
}

int cap_run(struct cap *c, const struct cap_loop *l)
{
	int end = 0, wait = CAP_WAIT_MS;
	c->stop = l->stop;
	while (!end) {
		if (*l->stop) {
			end = CAP_END_STOP;
			break;
		}
		int rc = cap_poll(c, l->sink, wait);
		if (c->sink_ret) {
			end = CAP_END_SINK;
			break;
		}
		if (rc < 0 && rc != -EINTR) {
			fprintf(stderr, "pyscope: reading events failed: %s\n", strerror(-rc));
			end = rc;
			break;
		}
		int delivered = rc > 0 ? rc : 0;
		wait = l->between ? l->between(l->ctx, delivered) : CAP_WAIT_MS;
		if (wait < 0)
			end = CAP_END_SINK;
		else if (wait > CAP_WAIT_MS)
			wait = CAP_WAIT_MS;
		/* Idle: are the targets still there? (Their last events are in the ring before they
		 * are gone, so nothing is missed.) A command traced system-wide is looked for after
		 * busy polls too: other processes can keep the ring from ever being idle; the drain
		 * below still takes what it left. */
		if (!end && (rc == 0 || c->cfg.family) && cap_targets_gone(c))
			end = CAP_END_GONE;
	}
	/* Detached first, so that a busy system cannot keep the drain going; the drain is bounded by
	 * what the ring holds, and a sink that gives up (output gone) ends it. */
	c->stop = NULL;
	cap_detach(c);
	if (end != CAP_END_SINK)
		while (cap_poll(c, l->sink, 0) > 0 && !c->sink_ret)
			;
	return end;
}

void cap_detach(struct cap *c)
{
	for (int i = 0; i < c->nlinks; i++)
		bpf_link__destroy(c->links[i]);
	c->nlinks = 0;
}

static bool process_gone(pid_t pid)
{
	struct pmap_stat st;
	int rc = pmap_stat(pid, &st);
	return rc == -ESRCH || (rc == 0 && (st.state == 'Z' || st.state == 'X'));
}

bool cap_targets_gone(const struct cap *c)
{
	struct cap *m = (struct cap *)c;   /* reaping the child updates the recorded status */
	if (m->child > 0) {
		if (!m->child_reaped) {
			int st;
			pid_t r = waitpid(m->child, &st, WNOHANG);
			if (r == m->child || (r < 0 && errno == ECHILD)) {
				m->child_reaped = true;
				m->child_status = r == m->child ? st : 0;
			}
		}
		return m->child_reaped;
	}
	if (m->npids > 0) {
		for (int i = 0; i < m->npids; i++)
			if (!process_gone(m->pids[i]))
				return false;
		return true;
	}
	return false;
}

int cap_command_status(const struct cap *c)
{
	if (c->child <= 0 || !c->child_reaped)
		return -1;
	if (WIFEXITED(c->child_status))
		return WEXITSTATUS(c->child_status);
	if (WIFSIGNALED(c->child_status))
		return 128 + WTERMSIG(c->child_status);
	return -1;
}

pid_t cap_command_pid(const struct cap *c)
{
	return c->child;
}

uint64_t cap_lost(const struct cap *c)
{
	return c->lost_seen;
}

void cap_close(struct cap *c)
{
	if (!c)
		return;
	cap_detach(c);
	free(c->links);
	ring_buffer__free(c->rb);
	if (c->wake_fd >= 0)
		close(c->wake_fd);
	capture_bpf__destroy(c->skel);
	capy_free(c->py);
	if (c->child_go >= 0) {
		/* Never released: the child exits without running the command. */
		close(c->child_go);
		if (!c->child_reaped)
			waitpid(c->child, NULL, 0);
	} else if (c->child > 0 && !c->child_reaped) {
		/* As dtrace(1) does with a process it created: a trace that ends (Ctrl-C, SIGTERM,
		 * exit()) before its -c command does takes the command with it, reaped, so it
		 * neither runs on untraced nor stays a zombie. */
		kill(c->child, SIGKILL);
		waitpid(c->child, NULL, 0);
	}
	for (int i = 0; i < c->ntargets; i++) {
		free(c->targets[i].open_path);
		free(c->targets[i].path);
		free(c->targets[i].module);
		sdt_free(c->targets[i].sdt);
	}
	free(c->targets);
	free(c->probes);
	free(c->probe_ptrs);
	free(c->cfgs);
	uw_procs_free(c->uw);
	cap_sys_close(c->sys);
	free(c->pids);
	free(c->lost_cpu);
	free(c->ktab);
	free(c->kpids);
	free(c);
}
