/*
 * capture_sys.c — the operating system's providers, with DTrace's names and arguments:
 *
 *   syscall:vmlinux:NAME:entry   arg0..arg5 the call's arguments
 *   syscall:vmlinux:NAME:return  arg0 = arg1 = the return value; on failure -1, errno set
 *   proc:vmlinux::exec-success, exit (arg0 CLD_EXITED/KILLED/DUMPED, arg1 the status or signal),
 *     create (arg0 the child's pid), lwp-start, lwp-exit (arg0 the thread's id)
 *   profile:::profile-N          a sample on every CPU N times a second (profile-10ms and the
 *                                other units too): the interrupted thread; arg0 kernel pc, arg1 user pc
 *   pidPID:MODULE:FUNCTION:entry, return, or a hex OFFSET in the function: uprobes; arg0.. on
 *                                entry, arg1 the return value on return
 *
 * syscall and proc come from raw tracepoints attached by name (no tracefs), profile from perf
 * events, pid from uprobes that libbpf places by function name. A syscall's name comes from the
 * table scripts/gen-syscalls writes from <asm/unistd.h>. Which system calls are enabled is a map
 * the BPF side looks up at each call (capture.bpf.c), and events are kept in the kernel only for
 * the traced processes when there are such (-c, -p), not the whole machine.
 *
 * The pid provider's functions are too many to list for every object (libc alone has thousands):
 * they are listed for the descriptions the script names (cap_config.wants), each FUNCTION glob
 * against the symbols of the process's executable and libraries; an OFFSET name makes its probe.
 * profile-N likewise: the usual rates are listed, and any other rate a description names.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "capture_sys.h"
#include "capture_rec.h"
#include "capture.skel.h"
#include "procmaps.h"
#include "sdt.h"

static const char *const sysnames[] = {
#include "syscalls.h"
};
#define CAP_MAX_PID_FUNCS 20000   /* functions one pid description may match in one object */
#define NSYS ((int)(sizeof(sysnames) / sizeof(sysnames[0])))
_Static_assert(sizeof(sysnames) / sizeof(sysnames[0]) <= CAP_MAX_SYSCALLS,
	       "the syscall enable map covers every number");

enum kind { K_SYS_ENTRY, K_SYS_RETURN, K_PROC, K_PROFILE, K_UENTRY, K_URETURN, K_UOFFSET };

static const char *const proc_names[CAP_PROC_COUNT] = {
	[CAP_PROC_EXEC_SUCCESS] = "exec__success", [CAP_PROC_EXIT] = "exit",
	[CAP_PROC_CREATE] = "create", [CAP_PROC_LWP_START] = "lwp__start",
	[CAP_PROC_LWP_EXIT] = "lwp__exit",
};
static const int profile_rates[] = { 97, 199, 499, 997, 1999, 4001, 4999 };

struct sprobe {
	struct ps_probe pub;
	enum kind kind;
	long arg;                /* syscall number, proc kind, period ns, offset */
	bool enabled;
	uint32_t strargs;
};

struct cap_sys {
	struct sprobe *v;
	const struct ps_probe **ptrs;
	int n, cap, first_id;
	char **strs;             /* names this module owns */
	int nstrs;
	pid_t pid;
};

static const char *keep(struct cap_sys *s, const char *str)
{
	char **ns = realloc(s->strs, (s->nstrs + 1) * sizeof(*ns));
	char *d = strdup(str);
	if (!ns || !d) {
		free(d);
		if (ns)
			s->strs = ns;
		return NULL;
	}
	s->strs = ns;
	return s->strs[s->nstrs++] = d;
}

static struct sprobe *add(struct cap_sys *s, enum kind k, long arg, const char *prov, int pid,
			  const char *mod, const char *path, const char *fn, const char *name, int nargs)
{
	if (s->n == s->cap) {
		int nc = s->cap ? s->cap * 2 : 1024;
		struct sprobe *nv = realloc(s->v, nc * sizeof(*nv));
		if (!nv)
			return NULL;
		s->v = nv;
		s->cap = nc;
	}
	struct sprobe *p = &s->v[s->n];
	memset(p, 0, sizeof(*p));
	p->kind = k;
	p->arg = arg;
	p->pub.id = s->first_id + s->n;
	p->pub.marker = PS_M_OTHER;
	p->pub.pid = pid;
	p->pub.provider = prov;
	p->pub.module = mod;
	p->pub.path = path;
	p->pub.function = fn;
	p->pub.name = name;
	p->pub.nargs = nargs;
	s->n++;
	return p;
}

/* "997", "997hz", "10ms", "1sec": the period in ns; 0 when malformed. */
static long rate_ns(const char *r)
{
	static const struct { const char *u; long ns; } units[] = {
		{ "ns", 1 }, { "nsec", 1 }, { "us", 1000 }, { "usec", 1000 }, { "ms", 1000000 },
		{ "msec", 1000000 }, { "s", 1000000000 }, { "sec", 1000000000 },
	};
	char *end;
	long v = strtol(r, &end, 10);
	if (end == r || v <= 0)
		return 0;
	if (!*end || strcmp(end, "hz") == 0)
		return 1000000000L / v;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].u) == 0)
			return v > LONG_MAX / units[i].ns ? 0 : v * units[i].ns;
	return 0;
}

/* A description "prov:mod:func:name" (fewer fields fill from the right) into F. */
static void split_desc(const char *text, char *buf, size_t len, char *f[4])
{
	int nf = 1;
	snprintf(buf, len, "%s", text);
	for (const char *c = buf; *c; c++)
		nf += *c == ':';
	for (int i = 0; i < 4; i++)
		f[i] = "";
	if (nf > 4)
		return;
	char *p = buf;
	for (int i = 4 - nf; i < 4; i++) {
		char *colon = strchr(p, ':');
		if (colon)
			*colon = 0;
		f[i] = p;
		p = colon ? colon + 1 : p + strlen(p);
	}
}

struct fnlist {
	const char *glob;
	char **v;                /* the matching names, strdup'd */
	int n, cap;
};

static int add_fn(const char *fn, void *ctx)
{
	struct fnlist *l = ctx;
	if (fnmatch(l->glob, fn, 0) != 0)
		return 0;
	if (l->n == CAP_MAX_PID_FUNCS)
		return -E2BIG;
	if (l->n == l->cap) {
		int nc = l->cap ? l->cap * 2 : 64;
		char **nv = realloc(l->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = nc;
	}
	if (!(l->v[l->n] = strdup(fn)))
		return -ENOMEM;
	l->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entry and return probes (those NAME matches) of the functions of PATH that GLOB matches,
 * each name once (a symbol table may have a name several times). */
static int add_functions(struct cap_sys *s, pid_t pid, const char *path, const char *mod,
			 const char *glob, const char *name)
{
	static const char *const names[] = { "entry", "return" };
	struct fnlist l = { .glob = glob };
	int rc = sdt_functions(path, add_fn, &l);
	if (rc == -E2BIG)
		fprintf(stderr, "pyscope: pid%d:%s:%s: more than %d functions match; name fewer\n",
			(int)pid, mod, glob, CAP_MAX_PID_FUNCS);
	if (rc == -E2BIG || rc == -ENOMEM)
		goto out;
	rc = 0;
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_name);
	for (int i = 0; i < l.n && rc == 0; i++) {
		if (i > 0 && strcmp(l.v[i], l.v[i - 1]) == 0)
			continue;
		const char *f = keep(s, l.v[i]);
		for (int k = 0; k < 2 && rc == 0; k++)
			if (!f || (fnmatch(*name ? name : "*", names[k], 0) == 0 &&
				   !add(s, k ? K_URETURN : K_UENTRY, 0, "pid", pid, mod, path, f, names[k],
					k ? 2 : CAP_SYS_ARGS)))
				rc = -ENOMEM;
	}
out:
	for (int i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	return rc;
}

static int find_fn(const char *fn, void *ctx)
{
	const struct fnlist *l = ctx;
	return strcmp(fn, l->glob) == 0;
}

/* pidN:MOD:FUNC:NAME: the functions of the objects of process PID (OBJ and its libraries when
 * it has not run yet) whose basename matches MOD. */
static int list_pid(struct cap_sys *s, pid_t pid, const char *obj, char *f[4])
{
	char **paths = NULL;
	int np = 0, rc = 0;
	if (obj) {
		char err[160], lib[PATH_MAX];
		struct sdt_file *sf;
		paths = calloc(64, sizeof(*paths));
		if (!paths)
			return -ENOMEM;
		paths[np++] = strdup(obj);
		if (sdt_read(obj, &sf, err, sizeof(err)) == 0) {
			for (int k = 0; np < 64 && sdt_find_needed(sf, "", &k, lib, sizeof(lib)) == 0;)
				paths[np++] = strdup(lib);
			sdt_free(sf);
		}
	} else {
		struct pmap_obj *objs;
		int nobj;
		if (pmap_read(pid, &objs, &nobj) < 0)
			return 0;
		paths = calloc(nobj ? nobj : 1, sizeof(*paths));
		for (int i = 0; paths && i < nobj; i++) {
			char open_path[PATH_MAX];
			if (pmap_open_path(pid, objs[i].path, open_path, sizeof(open_path)) == 0)
				paths[np++] = strdup(open_path);
		}
		pmap_free(objs, nobj);
		if (!paths)
			return -ENOMEM;
	}
	bool offset = *f[3] && strspn(f[3], "0123456789abcdefABCDEFx") == strlen(f[3]) &&
		      strcmp(f[3], "entry") != 0;
	for (int i = 0; i < np && rc == 0; i++) {
		if (!paths[i])
			continue;
		const char *path = keep(s, paths[i]);
		const char *slash = strrchr(paths[i], '/');
		if (!path || fnmatch(*f[1] ? f[1] : "*", slash ? slash + 1 : paths[i], 0) != 0)
			continue;
		const char *mod = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		if (offset) {
			/* one probe, in the objects that define FUNC (a name, not a glob) */
			struct fnlist l = { .glob = f[2] };
			if (!*f[2] || strpbrk(f[2], "*?[") || sdt_functions(path, find_fn, &l) != 1)
				continue;
			const char *fn = keep(s, f[2]), *nm = keep(s, f[3]);
			if (!fn || !nm || !add(s, K_UOFFSET, strtol(f[3], NULL, 16), "pid", pid, mod, path,
					       fn, nm, CAP_SYS_ARGS))
				rc = -ENOMEM;
			continue;
		}
		rc = add_functions(s, pid, path, mod, *f[2] ? f[2] : "*", f[3]);
	}
	for (int i = 0; i < np; i++)
		free(paths[i]);
	free(paths);
	return rc;
}

int cap_sys_open(const struct cap_config *cfg, pid_t pid, const char *obj, int first_id,
		 struct cap_sys **out)
{
	struct cap_sys *s = calloc(1, sizeof(*s));
	int rc = 0;
	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->first_id = first_id;
	s->pid = pid;
	for (int nr = 0; nr < NSYS; nr++)
		if (sysnames[nr])
			for (int k = 0; k < 2; k++)
				if (!add(s, k ? K_SYS_RETURN : K_SYS_ENTRY, nr, "syscall", 0, "vmlinux", "",
					 sysnames[nr], k ? "return" : "entry", k ? 2 : CAP_SYS_ARGS))
					rc = -ENOMEM;
	for (int k = 0; k < CAP_PROC_COUNT; k++)
		if (!add(s, K_PROC, k, "proc", 0, "vmlinux", "", "", proc_names[k],
			 k == CAP_PROC_EXIT ? 2 : k == CAP_PROC_EXEC_SUCCESS ? 0 : 1))
			rc = -ENOMEM;
	char name[64];
	for (size_t i = 0; i < sizeof(profile_rates) / sizeof(profile_rates[0]); i++) {
		snprintf(name, sizeof(name), "profile-%d", profile_rates[i]);
		const char *nm = keep(s, name);
		if (!nm || !add(s, K_PROFILE, 1000000000L / profile_rates[i], "profile", 0, "", "", "",
				nm, 2))
			rc = -ENOMEM;
	}
	for (int w = 0; w < cfg->nwants && rc == 0; w++) {
		char buf[1024], *f[4];
		split_desc(cfg->wants[w], buf, sizeof(buf), f);
		if (strncmp(f[3], "profile-", 8) == 0 && !strpbrk(f[3], "*?[") &&
		    (!*f[0] || strcmp(f[0], "profile") == 0)) {
			bool have = false;
			for (int i = 0; i < s->n; i++)
				have |= s->v[i].kind == K_PROFILE && strcmp(s->v[i].pub.name, f[3]) == 0;
			long ns = rate_ns(f[3] + 8);
			const char *nm = have || !ns ? NULL : keep(s, f[3]);
			if (nm && !add(s, K_PROFILE, ns, "profile", 0, "", "", "", nm, 2))
				rc = -ENOMEM;
		}
		/* pid provider: "pid" then the process's id or $target (PID) */
		if (pid > 0 && strncmp(f[0], "pid", 3) == 0) {
			const char *rest = f[0] + 3;
			char own[24];
			snprintf(own, sizeof(own), "%d", (int)pid);
			if (strcmp(rest, "$target") == 0 || strcmp(rest, own) == 0)
				rc = list_pid(s, pid, obj, f);
		}
	}
	s->ptrs = calloc(s->n ? s->n : 1, sizeof(*s->ptrs));
	if (!s->ptrs)
		rc = -ENOMEM;
	for (int i = 0; rc == 0 && i < s->n; i++) {
		s->v[i].pub.id = first_id + i;
		s->ptrs[i] = &s->v[i].pub;
	}
	if (rc < 0) {
		cap_sys_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

int cap_sys_probes(const struct cap_sys *s, const struct ps_probe *const **out)
{
	*out = s->ptrs;
	return s->n;
}

bool cap_sys_has(const struct cap_sys *s, int id)
{
	return s && id >= s->first_id && id < s->first_id + s->n;
}

int cap_sys_enable(struct cap_sys *s, int id, uint32_t strargs)
{
	if (!cap_sys_has(s, id))
		return -ENOENT;
	struct sprobe *p = &s->v[id - s->first_id];
	p->enabled = true;
	p->strargs = strargs & ((1u << CAP_SYS_ARGS) - 1);
	return 0;
}

static bool any_enabled(const struct cap_sys *s, enum kind k)
{
	for (int i = 0; s && i < s->n; i++)
		if (s->v[i].enabled && s->v[i].kind == k)
			return true;
	return false;
}

void cap_sys_prepare(struct cap_sys *s, struct capture_bpf *skel, bool filter)
{
	bool sys = any_enabled(s, K_SYS_ENTRY) || any_enabled(s, K_SYS_RETURN);
	bool proc = any_enabled(s, K_PROC);
	bool prof = any_enabled(s, K_PROFILE);
	bool uent = any_enabled(s, K_UENTRY) || any_enabled(s, K_UOFFSET);
	bool uret = any_enabled(s, K_URETURN);
	/* following the forks of a traced process matters to any filtered provider */
	bool follow = filter && (sys || proc || prof);
	skel->rodata->filter_pids = filter;
	bpf_program__set_autoload(skel->progs.ps_sys_enter, any_enabled(s, K_SYS_ENTRY));
	bpf_program__set_autoload(skel->progs.ps_sys_exit, any_enabled(s, K_SYS_RETURN));
	bpf_program__set_autoload(skel->progs.ps_fork, proc || follow);
	bpf_program__set_autoload(skel->progs.ps_exec, proc);
	bpf_program__set_autoload(skel->progs.ps_exit, proc || follow);
	bpf_program__set_autoload(skel->progs.ps_profile, prof);
	bpf_program__set_autoload(skel->progs.ps_uentry, uent);
	bpf_program__set_autoload(skel->progs.ps_ureturn, uret);
}

static int attach_raw(struct bpf_program *prog, const char *tp,
		      int (*addl)(void *ctx, struct bpf_link *l), void *ctx)
{
	if (!bpf_program__autoload(prog))
		return 0;
	struct bpf_link *l = bpf_program__attach_raw_tracepoint(prog, tp);
	if (!l) {
		int rc = -errno;
		fprintf(stderr, "pyscope: cannot attach to the kernel's %s tracepoint: %s\n", tp,
			strerror(-rc));
		return rc;
	}
	return addl(ctx, l);
}

/* One perf event per CPU, sampling every PERIOD ns of CPU time, running the profile program. */
static int attach_profile(struct capture_bpf *skel, const struct sprobe *p,
			  int (*addl)(void *ctx, struct bpf_link *l), void *ctx)
{
	int ncpus = libbpf_num_possible_cpus();
	for (int cpu = 0; cpu < ncpus; cpu++) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_SOFTWARE, .config = PERF_COUNT_SW_CPU_CLOCK,
			.size = sizeof(attr), .sample_period = (uint64_t)p->arg,
		};
		int fd = (int)syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			if (errno == ENODEV)      /* a possible CPU that is not online */
				continue;
			int rc = -errno;
			fprintf(stderr, "pyscope: cannot start %s on CPU %d: %s\n", p->pub.name, cpu,
				strerror(-rc));
			return rc;
		}
		LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = (uint64_t)p->pub.id);
		struct bpf_link *l = bpf_program__attach_perf_event_opts(skel->progs.ps_profile, fd,
									 &opts);
		if (!l) {
			int rc = -errno;
			close(fd);
			fprintf(stderr, "pyscope: cannot attach %s on CPU %d: %s\n", p->pub.name, cpu,
				strerror(-rc));
			return rc;
		}
		int rc = addl(ctx, l);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int attach_uprobe(struct capture_bpf *skel, const struct sprobe *p,
			 int (*addl)(void *ctx, struct bpf_link *l), void *ctx)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = p->pub.function,
		    .retprobe = p->kind == K_URETURN,
		    .bpf_cookie = CAP_COOKIE(p->pub.id, p->strargs));
	struct bpf_link *l = bpf_program__attach_uprobe_opts(
		p->kind == K_URETURN ? skel->progs.ps_ureturn : skel->progs.ps_uentry, p->pub.pid,
		p->pub.path, p->kind == K_UOFFSET ? (size_t)p->arg : 0, &opts);
	if (!l) {
		int rc = -errno;
		fprintf(stderr, "pyscope: cannot attach to pid%d:%s:%s:%s: %s\n", p->pub.pid,
			p->pub.module, p->pub.function, p->pub.name, strerror(-rc));
		return rc;
	}
	return addl(ctx, l);
}

int cap_sys_attach(struct cap_sys *s, struct capture_bpf *skel, const pid_t *pids, int npids,
		   int (*addl)(void *ctx, struct bpf_link *l), void *ctx)
{
	int rc = 0;
	__u8 one = 1;
	for (int i = 0; i < npids; i++) {
		__u32 pid = (__u32)pids[i];
		bpf_map__update_elem(skel->maps.traced, &pid, sizeof(pid), &one, sizeof(one), BPF_ANY);
	}
	for (int i = 0; i < s->n; i++) {
		const struct sprobe *p = &s->v[i];
		if (!p->enabled)
			continue;
		if (p->kind == K_SYS_ENTRY || p->kind == K_SYS_RETURN) {
			__u32 nr = (__u32)p->arg;
			struct cap_sys_on on = { 0 };
			bpf_map__lookup_elem(skel->maps.sys_on, &nr, sizeof(nr), &on, sizeof(on), 0);
			if (p->kind == K_SYS_ENTRY) {
				on.entry = (unsigned)p->pub.id;
				on.entry_strmask = p->strargs;
			} else {
				on.ret = (unsigned)p->pub.id;
			}
			rc = bpf_map__update_elem(skel->maps.sys_on, &nr, sizeof(nr), &on, sizeof(on),
						  BPF_ANY);
		} else if (p->kind == K_PROC) {
			skel->bss->proc_id[p->arg] = (__u32)p->pub.id;
		} else if (p->kind == K_PROFILE) {
			rc = attach_profile(skel, p, addl, ctx);
		} else {
			rc = attach_uprobe(skel, p, addl, ctx);
		}
		if (rc < 0)
			return rc;
	}
	if ((rc = attach_raw(skel->progs.ps_fork, "sched_process_fork", addl, ctx)) < 0 ||
	    (rc = attach_raw(skel->progs.ps_exec, "sched_process_exec", addl, ctx)) < 0 ||
	    (rc = attach_raw(skel->progs.ps_exit, "sched_process_exit", addl, ctx)) < 0 ||
	    (rc = attach_raw(skel->progs.ps_sys_enter, "sys_enter", addl, ctx)) < 0 ||
	    (rc = attach_raw(skel->progs.ps_sys_exit, "sys_exit", addl, ctx)) < 0)
		return rc;
	return 0;
}

void cap_sys_decode(const struct cap_sys *s, struct ps_event *ev)
{
	ev->err = 0;
	if (!cap_sys_has(s, ev->probe->id))
		return;
	const struct sprobe *p = &s->v[ev->probe->id - s->first_id];
	/* the kernel returns -errno; a program sees -1 and errno, as DTrace shows it */
	if (p->kind == K_SYS_RETURN && ev->nargs == 2 && ev->args[0] < 0 && ev->args[0] >= -4095) {
		ev->err = (int)-ev->args[0];
		ev->args[0] = ev->args[1] = -1;
	}
}

void cap_sys_close(struct cap_sys *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nstrs; i++)
		free(s->strs[i]);
	free(s->strs);
	free(s->v);
	free(s->ptrs);
	free(s);
}
