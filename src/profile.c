/*
 * profile.c — `pyscope profile`: a sampling profiler of Python stacks. A cpu-clock perf event per
 * CPU fires HZ times a second; the kernel half (pystack.bpf.c) walks the interrupted thread's
 * Python frames when its process is one being profiled, and user space names the frames
 * (pysym.c), counts the stacks (flame.c) and writes them as folded stacks, speedscope JSON or an
 * SVG flame graph -- or shows the busiest functions live (--top).
 *
 * Targets: -p PIDs, a -c command (held before its exec until sampling runs, then found once its
 * CPython is mapped), or --all: every CPython process, found by a look at /proc each second
 * (a process is looked at again when the program it runs changes) and, for a python* that starts
 * meanwhile, at its exec (the kernel tells every exec with --all). An exec by a sampled process
 * drops what was known of it, and it is looked at again. Only running threads are sampled
 * (cpu-clock): a thread blocked in a system call or on the GIL's condition variable takes no
 * samples; --idle walks those from user space instead, once per period (idle_samples).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "commands.h"
#include "flame.h"
#include "elfsym.h"
#include "unwind.h"
#include "procmaps.h"
#include "pyoffsets.h"
#include "pysym.h"
#include "pystack.h"
#include "stop.h"

#define PROFILE_DEFAULT_HZ 99
#define PROFILE_MAX_TARGETS 4096     /* processes profiled at once (as many as the kernel map holds) */
#define PROFILE_MAX_DURATION 31536000.0 /* -d: at most a year, in seconds */
#define PROFILE_FRAME_MAX 600        /* bytes of one frame's text in a stack */
#define PROFILE_TOP_ROWS 25          /* functions shown by --top */

enum fmt { FMT_FOLDED, FMT_SPEEDSCOPE, FMT_SVG };

struct proc {
	pid_t pid;
	bool active;                     /* its recipe is in the kernel map */
	bool wanted;                     /* -p or -c: the run ends when every wanted one is gone */
	bool gone;
	bool sampled;                    /* was active at some time (the summary counts these) */
	char exe[512];                   /* what it ran when last looked at (--all, exec) */
	struct pysym_proc *sym;
	unsigned epoch;                  /* its recipe's: records of an older image are dropped */
	double look_until;               /* --all, after its exec: looked at on each turn until then */
	struct uw *uw;                   /* --native: its objects' CFI (unwinds the stack copies) */
	double uw_at;                    /* when uw was opened (re-opened, at most once a second,
	                                    when an unwind stops early: a library mapped since?) */
};

struct opts {
	const char *command, *output, *format;
	pid_t pids[PROFILE_MAX_TARGETS];
	int npids, hz, depth;
	int stack_bytes;                 /* --native: user stack copied per sample (0: none) */
	double duration;
	bool all, threads, top, native, idle;
};

struct prof {
	struct opts o;
	enum fmt fmt;
	struct pystack *ps;
	struct esym_cache *esym;         /* --native: the function symbols of every process's objects */
	struct proc *procs;
	int nprocs;
	struct flame *flame;
	uint64_t samples, nopy, lost_local;
	uint64_t native, native_short;   /* --native: samples with a user stack; of them, not
	                                    reaching the eval loop (no frame pointers) */
	uint64_t unwound, unwound_full;  /* --native: samples unwound from the stack copy (CFI);
	                                    of them, to the thread's start */
	char *buf;                       /* one stack's text */
	size_t bufcap;
	pid_t child;
	int child_status;
	bool child_done;
	/* --top: per function (name and file) own and total samples, cleared each second */
	struct flame *top_own, *top_total;
	const char *idle_why;            /* --idle: what the thread walked now is doing */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pyscope profile [-c CMD | -p PID... | --all] [-F HZ] [-d DURATION] [--threads]\n"
		"                       [--idle] [--native [--stack-bytes N]] [--depth N] [--format FORMAT]\n"
		"                       -o FILE\n"
		"       pyscope profile [-c CMD | -p PID... | --all] [-F HZ] [-d DURATION] [--idle] --top\n"
		"\n"
		"Sample the Python stacks of running threads and write where the time went.\n"
		"  -c CMD         run CMD (split into words: blanks separate, quotes group) and profile it\n"
		"                 until it exits; exits with CMD's exit status\n"
		"  -p PID         profile a running process (repeatable); ends when they have all exited\n"
		"  --all          every CPython process on the machine, including those started later\n"
		"  -F HZ          samples a second on each CPU (default %d, at most %d)\n"
		"  -d DURATION    stop after DURATION seconds (decimals allowed)\n"
		"  --threads      one root frame per thread (\"thread TID\")\n"
		"  --idle         also the threads that are not running (3.11+), HZ times a second each,\n"
		"                 their stacks ending in what they wait for: <idle: waiting for the GIL>,\n"
		"                 <idle: waiting on a lock>, <idle: in SYSCALL>\n"
		"  --native       mixed stacks: the native frames (the kernel's user stack, named from\n"
		"                 ELF symbols, \"module`function\") with the Python frames in place of\n"
		"                 the eval loop's; unwound with the objects' CFI from a copy of the top\n"
		"                 of the user stack (as perf --call-graph dwarf), else by frame pointers\n"
		"  --stack-bytes N  user stack bytes copied per sample for --native (default %d, at\n"
		"                 most %d; 0: frame pointers only)\n"
		"  --depth N      frames kept per sample (default %d, at most %d); deeper stacks are cut at\n"
		"                 the root end, marked <truncated>\n"
		"  --format F     folded, speedscope or svg (default: from FILE's name: .svg, .json, else\n"
		"                 folded)\n"
		"  -o FILE        where to write the profile\n"
		"  --top          instead of a file: the busiest functions, by own and total samples,\n"
		"                 refreshed every second\n"
		"\n"
		"Frames read \"function (file:line)\"; a stack whose walk could not go on is rooted at <cut>.\n"
		"CPython 3.%d to 3.%d. Ends at Ctrl-C, at -d, or when the targets have exited.\n",
		PROFILE_DEFAULT_HZ, PYSTACK_MAX_HZ, PYSTACK_STACK_DEFAULT, PYSTACK_STACK_MAX,
		PYSTACK_MAX_DEPTH, PYSTACK_MAX_DEPTH,
		PYO_MIN_MINOR, PYO_MAX_MINOR);
}

static int parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || !*s || *end || errno || v < lo || v > hi) {
		fprintf(stderr, "pyscope: %s wants a number from %ld to %ld, not '%s'\n", opt, lo, hi, s ? s : "");
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	o->hz = PROFILE_DEFAULT_HZ;
	o->depth = PYSTACK_MAX_DEPTH;
	o->stack_bytes = PYSTACK_STACK_DEFAULT;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		long n;
		bool takes = strcmp(a, "-c") == 0 || strcmp(a, "-p") == 0 || strcmp(a, "-F") == 0 ||
			     strcmp(a, "-d") == 0 || strcmp(a, "--depth") == 0 || strcmp(a, "-o") == 0 ||
			     strcmp(a, "--format") == 0 || strcmp(a, "--stack-bytes") == 0;
		if (takes && !v) {
			fprintf(stderr, "pyscope: %s wants a value\n", a);
			return 2;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 1;
		} else if (strcmp(a, "-c") == 0) {
			o->command = v;
		} else if (strcmp(a, "-p") == 0) {
			if (parse_long("-p", v, 1, 0x7fffffff, &n) < 0)
				return 2;
			if (o->npids == PROFILE_MAX_TARGETS) {
				fprintf(stderr, "pyscope: too many -p (at most %d)\n", PROFILE_MAX_TARGETS);
				return 2;
			}
			o->pids[o->npids++] = (pid_t)n;
		} else if (strcmp(a, "-F") == 0) {
			if (parse_long("-F", v, 1, PYSTACK_MAX_HZ, &n) < 0)
				return 2;
			o->hz = (int)n;
		} else if (strcmp(a, "--depth") == 0) {
			if (parse_long("--depth", v, 1, PYSTACK_MAX_DEPTH, &n) < 0)
				return 2;
			o->depth = (int)n;
		} else if (strcmp(a, "--stack-bytes") == 0) {
			if (parse_long("--stack-bytes", v, 0, PYSTACK_STACK_MAX, &n) < 0)
				return 2;
			o->stack_bytes = (int)n;
		} else if (strcmp(a, "-d") == 0) {
			char *end;
			errno = 0;
			o->duration = strtod(v, &end);
			if (!*v || *end || errno || !(o->duration > 0) || o->duration > PROFILE_MAX_DURATION) {
				fprintf(stderr, "pyscope: -d wants seconds, more than 0 and at most %.0f, not '%s'\n",
					PROFILE_MAX_DURATION, v);
				return 2;
			}
		} else if (strcmp(a, "-o") == 0) {
			o->output = v;
		} else if (strcmp(a, "--format") == 0) {
			o->format = v;
		} else if (strcmp(a, "--all") == 0) {
			o->all = true;
		} else if (strcmp(a, "--threads") == 0) {
			o->threads = true;
		} else if (strcmp(a, "--idle") == 0) {
			o->idle = true;
		} else if (strcmp(a, "--native") == 0) {
			o->native = true;
		} else if (strcmp(a, "--top") == 0) {
			o->top = true;
		} else {
			fprintf(stderr, "pyscope: profile: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
		if (takes)
			i++;
	}
	int modes = (o->command != NULL) + (o->npids > 0) + o->all;
	if (modes != 1) {
		fprintf(stderr, "pyscope: profile wants one of -c CMD, -p PID or --all\n");
		return 2;
	}
	if (!o->top && !o->output) {
		fprintf(stderr, "pyscope: profile wants -o FILE (or --top)\n");
		return 2;
	}
	if (o->top && (o->output || o->format)) {
		fprintf(stderr, "pyscope: --top writes no file: -o and --format do not go with it\n");
		return 2;
	}
	return 0;
}

static int pick_format(const struct opts *o, enum fmt *f)
{
	static const struct { const char *name; enum fmt f; } names[] = {
		{ "folded", FMT_FOLDED }, { "speedscope", FMT_SPEEDSCOPE }, { "svg", FMT_SVG },
	};
	if (o->format) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(o->format, names[i].name) == 0) {
				*f = names[i].f;
				return 0;
			}
		fprintf(stderr, "pyscope: unknown --format '%s' (folded, speedscope or svg)\n", o->format);
		return -1;
	}
	size_t n = o->output ? strlen(o->output) : 0;
	*f = n > 4 && strcmp(o->output + n - 4, ".svg") == 0 ? FMT_SVG :
	     n > 5 && strcmp(o->output + n - 5, ".json") == 0 ? FMT_SPEEDSCOPE : FMT_FOLDED;
	return 0;
}

/* -c: CMD's words, as dtrace -c splits them: blanks separate, single or double quotes group. */
static char **split_words(const char *cmd)
{
	size_t cap = strlen(cmd) + 2, n = 0;
	char **argv = calloc(cap, sizeof(*argv)), *buf = malloc(strlen(cmd) + 1), *w = buf;
	if (!argv || !buf) {
		free(argv);
		free(buf);
		return NULL;
	}
	const char *p = cmd;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		argv[n++] = w;
		char q = 0;
		for (; *p && (q || (*p != ' ' && *p != '\t')); p++) {
			if (!q && (*p == '\'' || *p == '"'))
				q = *p;
			else if (q && *p == q)
				q = 0;
			else
				*w++ = *p;
		}
		*w++ = '\0';
	}
	argv[n] = NULL;
	if (!n) {
		free(buf);
		free(argv);
		return NULL;
	}
	return argv;
}

static struct proc *find_proc(struct prof *p, pid_t pid)
{
	for (int i = 0; i < p->nprocs; i++)
		if (p->procs[i].pid == pid)
			return &p->procs[i];
	return NULL;
}

static struct proc *new_proc(struct prof *p, pid_t pid, bool wanted)
{
	if (p->nprocs == PROFILE_MAX_TARGETS)
		return NULL;
	struct proc *t = &p->procs[p->nprocs++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->wanted = wanted;
	return t;
}

static void exe_of(pid_t pid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(path, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/* Look at T: when it runs a known CPython, hand its recipe to the kernel. 0 when active now or
 * not (yet) a CPython; a negative errno with ERR for a CPython pyscope refuses. */
static int try_activate(struct prof *p, struct proc *t, char *err, int errlen)
{
	exe_of(t->pid, t->exe, sizeof(t->exe));
	struct pyo_target tg;
	int rc = pyo_target_find(t->pid, &tg, err, errlen);
	if (rc == -ESRCH) {
		t->gone = true;
		return 0;
	}
	if (rc < 0)
		return rc == -ENOENT ? 0 : rc;
	struct pystack_proc rec;
	pyo_to_proc(&tg, &rec);
	pysym_close(t->sym);
	t->sym = pysym_open(&tg);
	if (!t->sym || pystack_add(p->ps, t->pid, &rec) < 0)
		return -ENOMEM;
	t->epoch = rec.epoch;
	t->active = true;
	t->sampled = true;
	return 0;
}

/* --all: every process not seen yet, or whose program changed, is looked at. */
static void scan_all(struct prof *p)
{
	DIR *d = opendir("/proc");
	if (!d)
		return;
	struct dirent *e;
	pid_t self = getpid();
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == self)
			continue;
		struct proc *t = find_proc(p, (pid_t)pid);
		char exe[512];
		exe_of((pid_t)pid, exe, sizeof(exe));
		if (!exe[0])
			continue;                   /* kernel thread or gone */
		if (t && (t->active || strcmp(t->exe, exe) == 0) && !t->gone)
			continue;
		if (!t && !(t = new_proc(p, (pid_t)pid, false)))
			continue;
		t->gone = false;
		char err[512];
		try_activate(p, t, err, sizeof(err));
	}
	closedir(d);
}

static void append(struct prof *p, size_t *at, const char *s, size_t n)
{
	if (*at + n + 2 > p->bufcap) {
		size_t cap = (p->bufcap ? p->bufcap * 2 : 4096) + n;
		char *b = realloc(p->buf, cap);
		if (!b)
			return;
		p->buf = b;
		p->bufcap = cap;
	}
	for (size_t i = 0; i < n; i++)
		p->buf[*at + i] = s[i] == ';' ? ':' : s[i];   /* ';' separates frames */
	*at += n;
	p->buf[*at] = '\0';
}

static void append_frame(struct prof *p, size_t *at, const char *text)
{
	if (*at)
		append(p, at, "", 0), p->buf[(*at)++] = ';', p->buf[*at] = '\0';
	size_t n = strlen(text);
	append(p, at, text, n > PROFILE_FRAME_MAX ? PROFILE_FRAME_MAX : n);
}

static void top_add(struct prof *p, const struct pysym_frame *fr, int nf, const bool *bad)
{
	char text[PROFILE_FRAME_MAX];
	for (int k = 0; k < nf; k++) {
		if (bad[k])
			continue;
		snprintf(text, sizeof(text), "%s (%s)", fr[k].name, fr[k].file);
		for (char *c = text; *c; c++)
			if (*c == ';')
				*c = ':';
		/* total: once per sample, however often the function recurs */
		bool seen = false;
		for (int j = 0; j < k && !seen; j++)
			seen = strcmp(fr[j].name, fr[k].name) == 0 && strcmp(fr[j].file, fr[k].file) == 0;
		if (!seen)
			flame_add(p->top_total, text, 1);
		if (k == 0)
			flame_add(p->top_own, text, 1);
	}
}

static void on_sample(void *ctx, const struct pystack_rec *r);

static double now_s(void);

/* Python frame K of a sample, appended to the stack's text. */
static void py_frame(struct prof *p, size_t *at, const struct pysym_frame *fr, const bool *bad, int k)
{
	char text[PROFILE_FRAME_MAX + 64];
	if (bad[k])             /* freed before it was named, or not a code object */
		snprintf(text, sizeof(text), "<unreadable>");
	else
		snprintf(text, sizeof(text), "%s (%s:%d)", fr[k].name, fr[k].file, fr[k].line);
	append_frame(p, at, text);
}

/* The eval loop's C function: where --native puts Python frames (py-spy --native's splice). */
static bool is_eval(const char *fn)
{
	return fn && (strcmp(fn, "_PyEval_EvalFrameDefault") == 0 || strcmp(fn, "PyEval_EvalFrameEx") == 0);
}

/* --native: sample R's native frames, root first, named from ELF symbols ("module`function"),
 * each eval-loop frame replaced by Python frames: one per eval frame from the root, the innermost
 * eval frame taking the rest (3.11+ runs Python-to-Python calls in one C frame: without the
 * frames' entry marks, the split between eval frames is a guess, the order is not). When the
 * kernel's user stack does not reach the eval loop (the interpreter has no frame pointers, so the
 * unwind stops after a frame or two), the Python stack comes first and the native frames that
 * could be named are put above it, the leaf's the last. */
static void native_frames(struct prof *p, struct proc *t, const struct pystack_rec *r,
			  const struct pysym_frame *fr, const bool *bad, int nf, size_t *at)
{
	uint64_t ips[PYSTACK_NATIVE_DEPTH];
	const char *fn[PYSTACK_NATIVE_DEPTH], *mod[PYSTACK_NATIVE_DEPTH];
	char text[PROFILE_FRAME_MAX + 64];
	int n = 0, nev = 0;
	bool full = false;
	if (!p->esym && !(p->esym = esym_new()))
		return;
	if (r->flags & PYSTACK_F_UREGS) {       /* the stack copy, unwound with the CFI */
		const uint64_t *regs = (const uint64_t *)(const void *)(r->frames + r->nframes);
		if (!t->uw)
			t->uw = uw_open(t->pid), t->uw_at = now_s();
		n = uw_unwind(t->uw, (pid_t)r->tid, regs, regs + PYSTACK_UREGS, r->ubytes, ips,
			      PYSTACK_NATIVE_DEPTH, &full);
		if (!full && now_s() - t->uw_at > 1.0) {   /* a library mapped since? */
			uw_close(t->uw);
			t->uw = uw_open(t->pid);
			t->uw_at = now_s();
			n = uw_unwind(t->uw, (pid_t)r->tid, regs, regs + PYSTACK_UREGS, r->ubytes, ips,
				      PYSTACK_NATIVE_DEPTH, &full);
		}
		p->unwound++;
		p->unwound_full += full;
		if (!full && r->ustack >= 0) {   /* the frame pointers' stack, when it goes further */
			uint64_t fp[PYSTACK_NATIVE_DEPTH];
			int m = pystack_native(p->ps, r->ustack, fp, PYSTACK_NATIVE_DEPTH);
			if (m > n) {
				memcpy(ips, fp, (size_t)m * sizeof(*fp));
				n = m;
			}
		}
	} else {
		n = pystack_native(p->ps, r->ustack, ips, PYSTACK_NATIVE_DEPTH);
	}
	for (int i = 0; i < n; i++) {   /* (an address outside the maps reads them again) */
		struct esym_hit h;
		esym_lookup(p->esym, t->pid, ips[i], &h);
		fn[i] = h.sym;
		mod[i] = h.module;
		if (!mod[i] && t->uw)       /* the vDSO: no file, but libdwfl reads it from memory */
			uw_name(t->uw, ips[i], &fn[i], &mod[i]);
	}
	/* an address in no mapped object: the frame-pointer unwind went wrong there, drop it and
	 * what is above; a full CFI unwind is kept whole (the vDSO is in no file elfsym reads) */
	int keep = 0;
	while (keep < n && (mod[keep] || full))
		nev += is_eval(fn[keep++]);
	p->native++;
	const char *root = keep ? fn[keep - 1] : NULL;
	if (!full && (!root || keep < n || (!strstr(root, "_start") && strcmp(root, "clone") != 0 &&
				  strcmp(root, "clone3") != 0 && strcmp(root, "start_thread") != 0)))
		p->native_short++;          /* not unwound to the thread's start (a full CFI unwind
		                               is: libc's start_thread has no name in .dynsym) */
	if (!nev)
		for (int k = nf - 1; k >= 0; k--)
			py_frame(p, at, fr, bad, k);
	int e = 0, py = nf - 1;
	for (int i = keep - 1; i >= 0; i--) {
		if (nev && is_eval(fn[i])) {
			if (++e < nev) {            /* the E-th eval frame from the root */
				if (py >= 0)
					py_frame(p, at, fr, bad, py--);
			} else {
				while (py >= 0)
					py_frame(p, at, fr, bad, py--);
			}
			continue;
		}
		if (fn[i] && mod[i])
			snprintf(text, sizeof(text), "%s`%s", mod[i], fn[i]);
		else if (mod[i])
			snprintf(text, sizeof(text), "%s`0x%llx", mod[i], (unsigned long long)ips[i]);
		else
			snprintf(text, sizeof(text), "[unknown]`0x%llx", (unsigned long long)ips[i]);
		append_frame(p, at, text);
	}
	while (nev && py >= 0)                      /* more Python frames than eval frames seen */
		py_frame(p, at, fr, bad, py--);
}

/* --idle: threads that do not run take no cpu-clock samples, so user space walks them itself
 * (pysym_walk, as dump does), once per sampling period; a thread that runs is left to the kernel.
 * The kernel's thread id is needed to tell (3.11+). */
static void idle_samples(struct prof *p)
{
	static struct pystack_rec r;
	uint64_t states[PYSTACK_MAX_THREADS], tids[PYSTACK_MAX_THREADS];
	for (int i = 0; i < p->nprocs; i++) {
		struct proc *t = &p->procs[i];
		if (!t->active || t->gone || !t->sym)
			continue;
		const struct pyo_target *tg = pysym_target(t->sym);
		if (tg->off.tstate_native_id < 0)
			continue;
		int n = pysym_threads(tg, states, tids, PYSTACK_MAX_THREADS);
		for (int k = 0; k < n; k++) {
			char why[64];
			const char *w = pysym_wait(tg, tids[k], why, sizeof(why));
			if (!w || strcmp(w, "running") == 0)
				continue;           /* gone, or sampled by the kernel */
			p->idle_why = w;
			unsigned flags;
			int nf = pysym_walk(tg, states[k], r.frames, p->o.depth, &flags);
			r.pid = (unsigned)t->pid;
			r.tid = (unsigned)tids[k];
			r.nframes = (unsigned short)nf;
			r.flags = (unsigned short)(flags | PYSTACK_F_IDLE);
			const char *base = strrchr(t->exe, '/') ? strrchr(t->exe, '/') + 1 : t->exe;
			memset(r.comm, 0, sizeof(r.comm));
			memcpy(r.comm, base, strnlen(base, sizeof(r.comm) - 1));
			on_sample(p, &r);
		}
	}
}

/* A code object's definition, sent by the kernel at its first sight: named now, so that samples
 * of a process gone by the time they are read still have names. */
static void on_def(void *ctx, const struct pystack_def *d, size_t len)
{
	struct prof *p = ctx;
	struct proc *t = find_proc(p, (pid_t)d->pid);
	if (t && t->sym && t->epoch == d->epoch)
		pysym_define(t->sym, d, len);
}

static void on_sample(void *ctx, const struct pystack_rec *r)
{
	struct prof *p = ctx;
	struct proc *t = find_proc(p, (pid_t)r->pid);
	if (r->flags & PYSTACK_F_EXEC) {
		if (t) {
			t->active = false;
			pysym_close(t->sym);
			t->sym = NULL;
			esym_forget(p->esym, t->pid);
			t->exe[0] = '\0';       /* look at it again */
		}
		/* --all: every exec is told; a python* that starts is looked at now and on each turn
		 * for a second (its libpython may not be mapped yet), not at the next scan, which could
		 * miss a short program whole */
		char exe[512];
		if (p->o.all && !t) {
			exe_of((pid_t)r->pid, exe, sizeof(exe));
			const char *b = strrchr(exe, '/');
			if (strstr(b ? b + 1 : exe, "python"))
				t = new_proc(p, (pid_t)r->pid, false);
		}
		if (p->o.all && t) {
			char err[512];
			t->gone = false;
			t->look_until = now_s() + 1.0;
			try_activate(p, t, err, sizeof(err));
		}
		return;
	}
	if (!t || !t->sym || (!(r->flags & PYSTACK_F_IDLE) && r->epoch != t->epoch))
		return;
	if (r->nframes == 0 && !(r->flags & (PYSTACK_F_CUT | PYSTACK_F_TRUNCATED))) {
		p->nopy++;                      /* a thread running no Python code */
		return;
	}
	p->samples++;
	static struct pysym_frame fr[PYSTACK_MAX_DEPTH];
	static bool bad[PYSTACK_MAX_DEPTH];
	int nf = r->nframes;
	pysym_distrust(t->sym, r->flags & PYSTACK_F_NODEF);
	for (int k = 0; k < nf; k++)
		bad[k] = pysym_resolve(t->sym, &r->frames[k], &fr[k]) < 0;
	pysym_distrust(t->sym, false);
	if (p->o.top) {
		top_add(p, fr, nf, bad);
		return;
	}
	size_t at = 0;
	char text[PROFILE_FRAME_MAX + 64];
	if (p->buf)
		p->buf[0] = '\0';
	if (p->o.all || p->o.npids > 1) {
		snprintf(text, sizeof(text), "%.16s (%u)", r->comm, r->pid);
		append_frame(p, &at, text);
	}
	if (p->o.threads) {
		snprintf(text, sizeof(text), "thread %u", r->tid);
		append_frame(p, &at, text);
	}
	if (r->flags & PYSTACK_F_CUT)
		append_frame(p, &at, "<cut>");
	if (r->flags & PYSTACK_F_TRUNCATED)
		append_frame(p, &at, "<truncated>");
	if (p->o.native && (r->ustack >= 0 || (r->flags & PYSTACK_F_UREGS)) && !(r->flags & PYSTACK_F_IDLE))
		native_frames(p, t, r, fr, bad, nf, &at);
	else
		for (int k = nf - 1; k >= 0; k--)
			py_frame(p, &at, fr, bad, k);
	if (r->flags & PYSTACK_F_IDLE) {        /* "<idle: waiting for the GIL>" ... */
		snprintf(text, sizeof(text), "<idle: %s>", p->idle_why ? p->idle_why : "sleeping");
		append_frame(p, &at, text);
	}
	if (at && flame_add(p->flame, p->buf, 1) < 0)
		p->lost_local++;
}

struct toprow {
	const char *name;
	uint64_t own, total;
};

static int by_own(const void *a, const void *b)
{
	const struct toprow *x = a, *y = b;
	if (x->own != y->own)
		return x->own < y->own ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* --top: one screen of the busiest functions in the last second. The counts are read back from
 * the folded form of the two sets (a set's keys are single frames here). */
static void show_top(struct prof *p, double elapsed)
{
	char *own = NULL, *tot = NULL;
	size_t ol = 0, tl = 0;
	FILE *fo = open_memstream(&own, &ol), *ft = open_memstream(&tot, &tl);
	if (!fo || !ft) {
		if (fo) fclose(fo);
		if (ft) fclose(ft);
		return;
	}
	flame_write_folded(p->top_own, fo);
	flame_write_folded(p->top_total, ft);
	fclose(fo);
	fclose(ft);
	struct toprow rows[4096];
	int n = 0;
	for (char *line = strtok(tot, "\n"); line && n < 4096; line = strtok(NULL, "\n")) {
		char *sp = strrchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		rows[n++] = (struct toprow){ line, 0, strtoull(sp + 1, NULL, 10) };
	}
	for (char *line = strtok(own, "\n"); line; line = strtok(NULL, "\n")) {
		char *sp = strrchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		for (int i = 0; i < n; i++)
			if (strcmp(rows[i].name, line) == 0)
				rows[i].own = strtoull(sp + 1, NULL, 10);
	}
	qsort(rows, (size_t)n, sizeof(rows[0]), by_own);
	uint64_t all = flame_total(p->top_own);
	FILE *out = stop_stdout();
	fprintf(out, "\033[H\033[2Jpyscope profile --top: %.0f s, %llu samples in the last second, %llu lost\n\n"
		"  %%Own %%Total  Function (file)\n", elapsed, (unsigned long long)all,
		(unsigned long long)(pystack_lost(p->ps) + p->lost_local));
	for (int i = 0; i < n && i < PROFILE_TOP_ROWS; i++)
		fprintf(out, "%6.1f %6.1f  %s\n", all ? 100.0 * (double)rows[i].own / (double)all : 0.0,
			all ? 100.0 * (double)rows[i].total / (double)all : 0.0, rows[i].name);
	fflush(out);
	free(own);
	free(tot);
	flame_free(p->top_own);
	flame_free(p->top_total);
	p->top_own = flame_new();
	p->top_total = flame_new();
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Is every wanted target gone? (Reaps a -c command that exited.) */
static bool targets_gone(struct prof *p)
{
	if (p->child && !p->child_done) {
		int st;
		if (waitpid(p->child, &st, WNOHANG) == p->child) {
			p->child_done = true;
			p->child_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
	}
	bool any = false, left = false;
	for (int i = 0; i < p->nprocs; i++) {
		struct proc *t = &p->procs[i];
		if (!t->wanted)
			continue;
		any = true;
		if (!t->gone && (p->child == t->pid ? !p->child_done : !pmap_end(t->pid)))
			left = true;
		else
			t->gone = true;
	}
	return any && !left;
}

static int write_output(struct prof *p)
{
	FILE *f = fopen(p->o.output, "w");
	if (!f) {
		fprintf(stderr, "pyscope: cannot write %s: %s\n", p->o.output, strerror(errno));
		return -1;
	}
	const char *title = p->o.command ? p->o.command : "pyscope profile";
	int rc = p->fmt == FMT_SVG ? flame_write_svg(p->flame, f, title) :
		 p->fmt == FMT_SPEEDSCOPE ? flame_write_speedscope(p->flame, f, title) :
		 flame_write_folded(p->flame, f);
	if (fclose(f) != 0 || rc < 0) {
		fprintf(stderr, "pyscope: cannot write %s: %s\n", p->o.output, strerror(rc < 0 ? -rc : errno));
		return -1;
	}
	return 0;
}

/* Fork the -c command, held on a pipe until the sampler runs. */
static int start_command(struct prof *p, int *go)
{
	char **argv = split_words(p->o.command);
	if (!argv) {
		fprintf(stderr, "pyscope: -c wants a command\n");
		return -1;
	}
	int pfd[2];
	if (pipe(pfd) < 0) {
		free(argv[0]);
		free(argv);
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[1]);
		char c;
		if (read(pfd[0], &c, 1) != 1)
			_exit(127);
		close(pfd[0]);
		execvp(argv[0], argv);
		fprintf(stderr, "pyscope: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[0]);
	free(argv[0]);
	free(argv);
	if (pid < 0) {
		close(pfd[1]);
		return -1;
	}
	p->child = pid;
	*go = pfd[1];
	return 0;
}

static void progress(struct prof *p, bool last)
{
	int active = 0;
	for (int i = 0; i < p->nprocs; i++)
		active += last ? p->procs[i].sampled : p->procs[i].active && !p->procs[i].gone;
	if (!last && !isatty(2))
		return;
	fprintf(stderr, "%spyscope: %llu samples, %d process%s, %llu lost%s", last ? "" : "\r",
		(unsigned long long)p->samples, active, active == 1 ? "" : "es",
		(unsigned long long)(pystack_lost(p->ps) + p->lost_local), last ? "" : "   ");
}

int profile_main(int argc, char **argv)
{
	static struct prof p;
	int rc = parse_opts(argc, argv, &p.o);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (pick_format(&p.o, &p.fmt) < 0)
		return 2;
	p.procs = calloc(PROFILE_MAX_TARGETS, sizeof(*p.procs));
	p.flame = flame_new();
	p.top_own = flame_new();
	p.top_total = flame_new();
	if (!p.procs || !p.flame || !p.top_own || !p.top_total)
		return 1;
	char err[512];
	/* -p targets are checked before anything is loaded: a wrong PID attaches nothing */
	for (int i = 0; i < p.o.npids; i++) {
		struct pyo_target tg;
		if (pyo_target_find(p.o.pids[i], &tg, err, sizeof(err)) < 0) {
			fprintf(stderr, "pyscope: %s\n", err);
			return 2;
		}
		if (!find_proc(&p, p.o.pids[i]))
			new_proc(&p, p.o.pids[i], true);
	}
	stop_catch();
	if (!uw_supported())
		p.o.stack_bytes = 0;
	if (pystack_open(&p.ps, p.o.depth, p.o.native, p.o.stack_bytes, p.o.all, err, sizeof(err)) < 0) {
		fprintf(stderr, "pyscope: %s\n", err);
		return 1;
	}
	int go = -1;
	if (p.o.command) {
		if (start_command(&p, &go) < 0) {
			pystack_close(p.ps);
			return 2;
		}
		new_proc(&p, p.child, true);
	}
	for (int i = 0; i < p.nprocs; i++)
		if (try_activate(&p, &p.procs[i], err, sizeof(err)) < 0 && p.o.npids) {
			fprintf(stderr, "pyscope: %s\n", err);
			pystack_close(p.ps);
			return 2;
		}
	if (p.o.all)
		scan_all(&p);
	pystack_on_def(p.ps, on_def);
	if (pystack_start(p.ps, p.o.hz, err, sizeof(err)) < 0) {
		fprintf(stderr, "pyscope: %s\n", err);
		if (p.child)
			kill(p.child, SIGKILL), waitpid(p.child, NULL, 0);
		pystack_close(p.ps);
		return 1;
	}
	if (go >= 0) {
		if (write(go, "g", 1) != 1) { /* the child is gone: found below */ }
		close(go);
	}
	double t0 = now_s(), last_look = t0, next_idle = t0;
	while (!stop_requested) {
		/* while a target is still to be found (a -c command before its exec), look often: a
		 * short program would otherwise end before it is seen */
		bool pending = false;
		double now = now_s();
		for (int i = 0; i < p.nprocs && !pending; i++)
			pending = (p.procs[i].wanted || p.procs[i].look_until > now) && !p.procs[i].active &&
				  !p.procs[i].gone;
		int wait_ms = pending ? 5 : 100;
		if (p.o.idle && wait_ms > 1000 / p.o.hz)
			wait_ms = 1000 / p.o.hz > 0 ? 1000 / p.o.hz : 1;
		int n = pystack_poll(p.ps, wait_ms, on_sample, &p);
		if (n < 0 && n != -EINTR)
			break;
		double t = now_s();
		if (p.o.duration > 0 && t - t0 >= p.o.duration)
			break;
		/* one walk of the idle threads per period elapsed (periods missed are not made up) */
		if (p.o.idle && t >= next_idle) {
			idle_samples(&p);
			next_idle += 1.0 / p.o.hz;
			if (next_idle < t)
				next_idle = t + 1.0 / p.o.hz;
		}
		/* a -c command or an exec'd target not yet a CPython: look again, often at first */
		for (int i = 0; i < p.nprocs; i++)
			if ((p.procs[i].wanted || p.procs[i].look_until > t) && !p.procs[i].active &&
			    !p.procs[i].gone)
				try_activate(&p, &p.procs[i], err, sizeof(err));
		if (targets_gone(&p)) {
			pystack_poll(p.ps, 0, on_sample, &p);
			break;
		}
		if (t - last_look >= 1.0) {
			last_look = t;
			if (p.o.all)
				scan_all(&p);
			if (p.o.top)
				show_top(&p, t - t0);
			else
				progress(&p, false);
		}
	}
	pystack_poll(p.ps, 0, on_sample, &p);
	if (p.child && !p.child_done) {
		kill(p.child, SIGTERM);
		int st;
		if (waitpid(p.child, &st, 0) == p.child)
			p.child_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	int status = 0;
	if (!p.o.top) {
		if (isatty(2))
			fputc('\n', stderr);
		if (write_output(&p) < 0) {
			status = 1;
		} else {
			progress(&p, true);
			fprintf(stderr, "; wrote %s\n", p.o.output);
		}
		bool any = false;
		for (int i = 0; i < p.nprocs && !any; i++)
			any = p.procs[i].sampled;
		if (p.o.native && p.unwound)
			fprintf(stderr, "pyscope: --native: %llu of %llu samples unwound fully from the stack copy "
				"(CFI)%s\n", (unsigned long long)p.unwound_full, (unsigned long long)p.unwound,
				p.unwound_full < p.unwound ? "; the others fell back to the frame pointers' stack "
				"where it went further" : "");
		else if (p.o.native && p.o.stack_bytes)
			fprintf(stderr, "pyscope: --native: the kernel gave no stack copies: frame pointers only\n");
		if (p.o.native && p.native_short && p.unwound)
			fprintf(stderr, "pyscope: --native: %llu of %llu native stacks do not reach the thread's start "
				"(no CFI for a frame, or a stack deeper than the copy: see --stack-bytes); where "
				"the eval loop is not among what was unwound, the Python frames come first, then "
				"the native ones\n",
				(unsigned long long)p.native_short, (unsigned long long)p.native);
		else if (p.o.native && p.native_short)
			fprintf(stderr, "pyscope: --native: %llu of %llu native stacks do not reach the thread's start "
				"(code without frame pointers, which the kernel's unwinder needs); where the eval "
				"loop is not among what was unwound, the Python frames come first, then the "
				"native ones\n",
				(unsigned long long)p.native_short, (unsigned long long)p.native);
		if (!any && p.o.command)
			fprintf(stderr, "pyscope: the command ran no CPython pyscope knows (3.%d to 3.%d): nothing sampled\n",
				PYO_MIN_MINOR, PYO_MAX_MINOR);
	}
	pystack_close(p.ps);
	for (int i = 0; i < p.nprocs; i++) {
		pysym_close(p.procs[i].sym);
		uw_close(p.procs[i].uw);
	}
	esym_free(p.esym);
	free(p.procs);
	free(p.buf);
	flame_free(p.flame);
	flame_free(p.top_own);
	flame_free(p.top_total);
	if (!status && p.child)
		status = p.child_status;
	return status;
}
