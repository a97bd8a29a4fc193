/*
 * dtrace.c — `pyscope dtrace` (also pyscope started as `dtrace`): D scripts as dtrace(1) runs
 * them, on the python markers of a command (-c), of processes (-p), of every Python (neither), or
 * of a recorded stream (--replay FILE, no kernel needed). The script is compiled and checked
 * against the probes that exist before anything is attached; only the markers it names are
 * enabled, and an argument is copied as a string only where the script reads it as one.
 *
 *   pyscope dtrace [-qweZ] [-s FILE]... [-n 'PROBE {...}']... [-c CMD | -p PID... | --replay FILE]
 *                  [-o FILE] [-x strsize=N] [-l [-n PROBE | -P PROVIDER]] [ARG...]
 *
 * Where it differs from DTrace, and why:
 *   - vtimestamp is timestamp (there is no per-thread virtual clock at a uprobe); ppid is read from
 *     /proc at the event (0 in a replay); walltimestamp is timestamp shifted by the clock offset
 *     taken at start.
 *   - copyinstr() only sees strings copied at the hit: an argument the clause names directly
 *     (copyinstr(arg1), copyinstr(args[1])) is copied for that clause's probes; a pointer held in
 *     a variable makes the probe copy every argument, and only works at the same hit. Anything
 *     else faults with "invalid address", as a bad pointer does in DTrace.
 *   - Aggregations not printed by printa() are printed at the end even with -q, after one
 *     "\n", back to back, as dtrace(1) does. dtrace prints that "\n" even when no aggregation
 *     is left to print; pyscope does not, so a printf-only script (the page's call_stack.d)
 *     prints exactly its own lines.
 *   - PROBEFUNC is the symbol around the marker when known, "-" otherwise.
 *   - BEGIN, END and tick-N fire in no process: pid, tid and ppid are 0, execname is "" (in
 *     DTrace, BEGIN and END fire in dtrace itself).
 *   - Integers are 64-bit values; a variable typed by its first assignment stays 64-bit (D would
 *     give `x = 0` the type int and cut later values). Declared widths (int x;), casts and the
 *     widths of built-ins (pid, tid, cpu: int) do apply: to the values stored and cast, to
 *     aggregation keys and trace() output, and to printf's unsigned conversions.
 *   - printa() takes one aggregation.
 *   - syscall, proc and profile (capture_sys.c): under -c or -p only the traced processes and
 *     those they fork are seen (filtered in the kernel); pid return probes give arg0 0; pid
 *     probes exist for the functions the script's descriptions name.
 *   - Limits, each stated when it is hit (dt_parse.h): a script of at most 16 MiB; expressions and
 *     statements nested at most 1000 deep; 10,000 statements in a block; 100,000 clauses;
 *     tick-N periods from 200us (DTrace's fastest, 5000hz) to 365d.
 * As in DTrace: a clause naming a process (python1234:::) sees that process only; clause-local
 * (this->) variables start at 0 at each firing and keep their values across the clauses of that
 * firing; ending the trace before a -c command is done kills the command.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "capture.h"
#include "commands.h"
#include "dt_lex.h"
#include "dt_parse.h"
#include "prog.h"
#include "replay.h"
#include "rt.h"
#include "source.h"
#include "stop.h"

struct source {
	const char *name;        /* file name, or "-n" text's label */
	char *text;
	bool is_file;
	int first_clause, end_clause;   /* the clauses it compiled to */
};

struct opts {
	bool quiet, list, destructive, zero_ok, compile_only;
	int nsrc;
	struct source *src;
	const char *provider;    /* -P */
	int use_provider;        /* --provider 1, --no-provider -1 (cap_config.provider) */
	const char *command;     /* -c */
	pid_t *pids;
	int npids;
	const char *outfile;
	const char *replay;
	int strsize;
	int64_t aggsize, dynvarsize;   /* -x aggsize=, dynvarsize= (0: not given) */
	char **macros;
	int nmacros;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pyscope dtrace [-qweZ] [-s FILE]... [-n 'PROBE {...}']... [-c CMD | -p PID...]\n"
		"                      [--replay FILE] [-o FILE] [-x strsize=N] [-l] [-P PROVIDER]\n"
		"                      [ARG...]\n"
		"\n"
		"Run a D program on the python markers, as dtrace(1) does.\n"
		"  -s FILE        the D program in FILE (repeatable; ARGs after it are $1, $2...)\n"
		"  -n PROGRAM     a D program on the command line, e.g. -n 'python*:::gc-start { ... }';\n"
		"                 with -l, a probe description to list\n"
		"  -c CMD         run CMD (split into words) and trace it; $target is its pid; the trace\n"
		"                 ends when it exits (END clauses run, aggregations print)\n"
		"  -p PID         trace a running process (repeatable); $target is the first\n"
		"  --replay FILE  run on a recorded stream (pyscope events --json) instead of live\n"
		"                 markers; $target is the stream's first pid (or -p PID)\n"
		"  -q             quiet: only what the program prints\n"
		"  -o FILE        append the program's output to FILE\n"
		"  -x strsize=N   bytes kept of each string, NUL included (default %d); -x quiet\n"
		"  -x aggsize=SIZE, -x dynvarsize=SIZE  memory for aggregations (default 4m) and\n"
		"                 dynamic variables (default 1m); past it, drops are counted and reported\n"
		"  -l             list the probes (all, those -n describes, or -P PROVIDER's)\n"
		"  -P PROVIDER    without -l: trace every probe of PROVIDER (e.g. python1234)\n"
		"  -w             allow destructive actions (system())\n"
		"  -Z             allow probe descriptions that match no probe\n"
		"  -e             compile and check only, attach nothing\n"
		"  --provider     -c: load pyscope's provider into CMD (a CPython 3.8-3.14 without\n"
		"                 markers; done by itself for one named python*)\n"
		"  --no-provider  -c: never load it (see pyscope provider --help)\n"
		"Without -c, -p or --replay, every Python running is traced. Ctrl-C ends the trace.\n",
		PS_STRSIZE_DEFAULT);
}

/* Where the first NUL byte of TEXT (LEN bytes) is, reported as a compile error: the lexer reads a
 * string, which would silently end there. Returns -EINVAL if there is one, else 0. */
static int check_nul(const char *name, const char *text, size_t len)
{
	const char *nul = memchr(text, 0, len);
	if (!nul)
		return 0;
	int line = 1, col = 1;
	for (const char *c = text; c < nul; c++) {
		col = *c == '\n' ? 1 : col + 1;
		line += *c == '\n';
	}
	struct dt_lex lx = { .file = name, .src = text };
	dt_lex_report(&lx, line, col, "NUL byte in the script (a D program is text)");
	return -EINVAL;
}

/* A script's text, or NULL after saying why: what source_read refuses (unreadable, a directory,
 * larger than DT_MAX_SOURCE), or a NUL byte, reported at its line and column. */
static char *read_file(const char *path)
{
	size_t len;
	char *s = source_read(path, DT_MAX_SOURCE, &len);
	if (s && check_nul(path, s, len) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

static int add_source(struct opts *o, const char *name, char *text, bool is_file)
{
	struct source *s = realloc(o->src, sizeof(*s) * (size_t)(o->nsrc + 1));
	if (!s)
		return -ENOMEM;
	o->src = s;
	s[o->nsrc++] = (struct source){ .name = name, .text = text, .is_file = is_file };
	return 0;
}

static int parse_x(struct opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
	if (n == 7 && strncmp(arg, "strsize", 7) == 0 && eq) {
		char *end;
		long v = strtol(eq + 1, &end, 0);
		if ((*end == 'k' || *end == 'K') && v >= 0 && v <= 4096)
			v *= 1024, end++;
		if (*end || v < PS_STRSIZE_MIN || v > PS_STRSIZE_MAX) {
			fprintf(stderr, "pyscope: -x strsize wants a number from %d to %d, not '%s'\n",
				PS_STRSIZE_MIN, PS_STRSIZE_MAX, eq + 1);
			return -EINVAL;
		}
		o->strsize = (int)v;
	} else if (n == 5 && strncmp(arg, "quiet", 5) == 0) {
		o->quiet = true;
	} else if (n == 11 && strncmp(arg, "destructive", 11) == 0) {
		o->destructive = true;
	} else if (((n == 7 && strncmp(arg, "aggsize", 7) == 0) ||
		    (n == 10 && strncmp(arg, "dynvarsize", 10) == 0)) && eq) {
		if (pg_parse_size(eq + 1, n == 7 ? &o->aggsize : &o->dynvarsize) < 0) {
			fprintf(stderr, "pyscope: -x %.*s wants a size from 1 to 1t (a number with an "
				"optional k, m, g or t suffix), not '%s'\n", (int)n, arg, eq + 1);
			return -EINVAL;
		}
	} else if ((n == 7 && strncmp(arg, "bufsize", 7) == 0) ||
		   (n == 10 && strncmp(arg, "switchrate", 10) == 0)) {
		/* DTrace's kernel buffer tuning: nothing to tune here */
	} else {
		fprintf(stderr, "pyscope: unknown -x option '%s' (known: strsize=N, aggsize=SIZE, "
			"dynvarsize=SIZE, quiet, destructive; bufsize and switchrate are accepted and ignored)\n", arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "replay", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'H' },
		{ "provider", no_argument, NULL, 'V' },
		{ "no-provider", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	o->pids = calloc((size_t)argc, sizeof(pid_t));
	if (!o->pids)
		return -ENOMEM;
	/* '+': options stop at the first operand, which starts the macro arguments */
	while ((c = getopt_long(argc, argv, "+qs:n:c:p:o:lP:x:wZeh", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'q': o->quiet = true; break;
		case 'l': o->list = true; break;
		case 'w': o->destructive = true; break;
		case 'Z': o->zero_ok = true; break;
		case 'e': o->compile_only = true; break;
		case 'P': o->provider = optarg; break;
		case 'c': o->command = optarg; break;
		case 'o': o->outfile = optarg; break;
		case 'R': o->replay = optarg; break;
		case 'V': o->use_provider = 1; break;
		case 'N': o->use_provider = -1; break;
		case 's': {
			char *t = read_file(optarg);
			if (!t || add_source(o, optarg, t, true) < 0)
				return -EINVAL;
			break;
		}
		case 'n': {
			char *t = strdup(optarg);
			if (!t || add_source(o, "-n", t, false) < 0)
				return -ENOMEM;
			break;
		}
		case 'p': {
			long v = strtol(optarg, &end, 10);
			if (*end || v <= 0) {
				fprintf(stderr, "pyscope: -p wants a process id, not '%s'\n", optarg);
				return -EINVAL;
			}
			o->pids[o->npids++] = (pid_t)v;
			break;
		}
		case 'x':
			if (parse_x(o, optarg) < 0)
				return -EINVAL;
			break;
		case 'H':
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	o->macros = argv + optind;
	o->nmacros = argc - optind;
	if (o->provider && !o->list) {
		/* -P PROVIDER alone: every probe of the provider, with the default output */
		size_t n = strlen(o->provider) + 8;
		char *t = malloc(n);
		if (!t || add_source(o, "-P", t, false) < 0)
			return -ENOMEM;
		snprintf(t, n, "%s:::{}", o->provider);
	}
	if (!o->nsrc && !o->list && !o->provider) {
		fprintf(stderr, "pyscope: dtrace needs a program: -s FILE or -n 'PROBE { ... }'\n");
		usage(stderr);
		return -EINVAL;
	}
	if (o->command && (o->npids || o->replay)) {
		fprintf(stderr, "pyscope: -c cannot be combined with %s\n", o->replay ? "--replay" : "-p");
		return -EINVAL;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* ---- -l ---- */

static void list_header(FILE *f)
{
	fprintf(f, "%5s %10s %17s %33s %s\n", "ID", "PROVIDER", "MODULE", "FUNCTION", "NAME");
}

static void list_probe(FILE *f, const struct ps_probe *p)
{
	char prov[64], name[128];
	if (p->pid)
		snprintf(prov, sizeof(prov), "%s%d", p->provider, p->pid);
	else
		snprintf(prov, sizeof(prov), "%s", p->provider);
	fprintf(f, "%5d %10s %17s %33s %s\n", p->id, prov, p->module, p->function,
		ps_name_dashed(p->name, name, sizeof(name)));
}

/* -l: every probe, those of -P PROVIDER, or those the -n descriptions match. */
static int list_probes(const struct opts *o, const struct ps_probe *const *probes, int n, int target,
		       FILE *out)
{
	struct pg_prog *p = pg_new();
	struct pg_clause c = { 0 };
	struct pg_pdesc *d = NULL;
	int cap = 0;
	/* -n texts are descriptions here: parse them as clauses with an empty body (as many as
	 * given: the array grows) */
	for (int s = 0; s < o->nsrc; s++) {
		if (o->src[s].is_file)
			continue;
		char *text = o->src[s].text;
		for (char *item = strtok(text, ", \t\n"); item; item = strtok(NULL, ", \t\n")) {
			size_t len = strlen(item) + 4;
			char *src = pg_alloc(p, len);
			snprintf(src, len, "%s{}", item);
			struct dt_opts dopt = { .probes = probes, .nprobes = n, .target = target,
						.zero_ok = true };
			struct pg_prog *one = pg_new();
			int rc = dt_compile("-n", src, &dopt, one);
			if (rc < 0 || one->nclauses != 1) {
				if (rc == 0)    /* a comment, "#...", "a{}b" */
					fprintf(stderr, "pyscope: -l -n wants probe descriptions, not '%s'\n",
						item);
				pg_free(one);
				pg_free(p);
				return 2;
			}
			for (int k = 0; k < one->clauses[0].npdescs; k++) {
				if (c.npdescs == cap) {
					cap = cap ? cap * 2 : 16;
					struct pg_pdesc *nd = pg_alloc(p, sizeof(d[0]) * (size_t)cap);
					if (c.npdescs)
						memcpy(nd, d, sizeof(d[0]) * (size_t)c.npdescs);
					d = nd;
				}
				d[c.npdescs] = one->clauses[0].pdescs[k];
				d[c.npdescs].text = pg_strdup(p, d[c.npdescs].text);
				d[c.npdescs].provider = pg_strdup(p, d[c.npdescs].provider);
				d[c.npdescs].module = pg_strdup(p, d[c.npdescs].module);
				d[c.npdescs].function = pg_strdup(p, d[c.npdescs].function);
				d[c.npdescs].name = pg_strdup(p, d[c.npdescs].name);
				c.npdescs++;
			}
			pg_free(one);
		}
	}
	list_header(out);
	int shown = 0;
	for (int i = 0; i < n; i++) {
		bool hit = !c.npdescs;
		for (int k = 0; k < c.npdescs && !hit; k++)
			hit = pg_pdesc_match(&d[k], probes[i], target);
		if (hit && o->provider) {
			struct pg_pdesc pd = { .kind = PG_PD_MARKER, .provider = o->provider,
					       .module = "", .function = "", .name = "" };
			hit = pg_pdesc_match(&pd, probes[i], target);
		}
		if (hit) {
			list_probe(out, probes[i]);
			shown++;
		}
	}
	int rc = 0;
	if (!shown && (c.npdescs || o->provider)) {
		fprintf(stderr, "dtrace: no probe matches %s\n",
			o->provider ? o->provider : c.npdescs ? d[0].text : "");
		rc = 1;
	}
	pg_free(p);
	return rc;
}

/* ---- compile ---- */

static int compile(struct opts *o, const struct ps_probe *const *probes, int n, int target,
		   bool zero_ok, struct pg_prog **out)
{
	struct pg_prog *p = pg_new();
	struct dt_opts dopt = {
		.probes = probes, .nprobes = n, .target = target, .macros = o->macros,
		.nmacros = o->nmacros, .zero_ok = zero_ok || o->zero_ok,
	};
	for (int i = 0; i < o->nsrc; i++) {
		o->src[i].first_clause = p->nclauses;
		if (dt_compile(o->src[i].name, o->src[i].text, &dopt, p) < 0) {
			pg_free(p);
			return -EINVAL;
		}
		o->src[i].end_clause = p->nclauses;
	}
	*out = p;
	return 0;
}

static bool uses_markers(const struct pg_prog *p)
{
	for (int i = 0; i < p->nclauses; i++)
		for (int k = 0; k < p->clauses[i].npdescs; k++)
			if (p->clauses[i].pdescs[k].kind == PG_PD_MARKER)
				return true;
	return false;
}

/* The processes descriptions name, each once, in the order first named (no limit). */
struct pidlist {
	pid_t *v;
	int n, cap;
};

static void pidlist_add(struct pidlist *l, pid_t pid)
{
	for (int j = 0; j < l->n; j++)
		if (l->v[j] == pid)
			return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = realloc(l->v, sizeof(l->v[0]) * (size_t)l->cap);
		if (!l->v) {
			perror("pyscope: out of memory");
			exit(70);
		}
	}
	l->v[l->n++] = pid;
}

/* Without -c or -p, a program whose every marker description names a process
 * (python1234:::...) traces those processes, as their own providers (probeprov "python1234"),
 * rather than every Python on the machine. Returns how many pids went into L (0: not so). */
static int named_pids(const struct pg_prog *p, struct pidlist *l)
{
	for (int i = 0; i < p->nclauses; i++)
		for (int k = 0; k < p->clauses[i].npdescs; k++) {
			const struct pg_pdesc *d = &p->clauses[i].pdescs[k];
			if (d->kind != PG_PD_MARKER)
				continue;
			if (d->pid <= 0)
				return l->n = 0;
			pidlist_add(l, d->pid);
		}
	return l->n;
}

/* The process a provider names (the first N bytes of PROV: "python1234"): its trailing digits;
 * 0 when it names none (no digits, a glob, $target). */
static pid_t provider_pid(const char *prov, size_t n)
{
	size_t d = n;
	while (d > 0 && prov[d - 1] >= '0' && prov[d - 1] <= '9')
		d--;
	if (d == 0 || d == n || strcspn(prov, "*?[$") < n)
		return 0;
	errno = 0;
	long pid = strtol(prov + d, NULL, 10);
	return errno == ERANGE || pid > INT32_MAX ? 0 : (pid_t)pid;
}

/* The same for a probe description: only one with all four fields has a provider field
 * (fewer fields fill from the right). */
static pid_t desc_pid(const char *desc)
{
	int colons = 0;
	for (const char *c = desc; *c; c++)
		colons += *c == ':';
	return colons == 3 ? provider_pid(desc, strcspn(desc, ":")) : 0;
}

/* -l without -c or -p: the processes the -n descriptions (or -P) all name, as named_pids does
 * for a program. Returns how many went into L (0: some description names none). */
static int listed_pids(const struct opts *o, struct pidlist *l)
{
	if (o->provider) {
		pid_t pid = provider_pid(o->provider, strlen(o->provider));
		if (pid <= 0)
			return 0;
		pidlist_add(l, pid);
	}
	for (int s = 0; s < o->nsrc; s++) {
		if (o->src[s].is_file)
			return l->n = 0;
		char *copy = strdup(o->src[s].text), *save = NULL;
		if (!copy)
			return l->n = 0;
		for (char *item = strtok_r(copy, ", \t\n", &save); item;
		     item = strtok_r(NULL, ", \t\n", &save)) {
			pid_t pid = desc_pid(item);
			if (pid <= 0) {
				free(copy);
				return l->n = 0;
			}
			pidlist_add(l, pid);
		}
		free(copy);
	}
	return l->n;
}

/* p-sys: the descriptions a program (or -l's -n and -P) names, for capture to list the pid
 * provider's functions and profile-N's rates they want (cap_config.wants). */
struct wants {
	char **v;
	int n;
};

static void wants_add(struct wants *w, const char *text)
{
	char **nv = realloc(w->v, sizeof(*nv) * (size_t)(w->n + 1));
	char *t = strdup(text);
	if (!nv || !t) {
		perror("pyscope: out of memory");
		exit(70);
	}
	w->v = nv;
	w->v[w->n++] = t;
}

static void wants_from_prog(const struct pg_prog *p, struct wants *w)
{
	for (int i = 0; i < p->nclauses; i++)
		for (int k = 0; k < p->clauses[i].npdescs; k++)
			if (p->clauses[i].pdescs[k].kind == PG_PD_MARKER)
				wants_add(w, p->clauses[i].pdescs[k].text);
}

static void wants_from_list(const struct opts *o, struct wants *w)
{
	if (o->provider) {
		char t[256];
		snprintf(t, sizeof(t), "%s:::", o->provider);
		wants_add(w, t);
	}
	for (int s = 0; s < o->nsrc; s++) {
		char *copy = o->src[s].is_file ? NULL : strdup(o->src[s].text), *save = NULL;
		for (char *item = copy ? strtok_r(copy, ", \t\n", &save) : NULL; item;
		     item = strtok_r(NULL, ", \t\n", &save))
			wants_add(w, item);
		free(copy);
	}
}

/* DTrace's line per program: "script 'x.d' matched N probes", or for -n the description part
 * (the text before its body or predicate) "description 'BEGIN ' matched 1 probe". */
static void matched_messages(const struct opts *o, const struct rt *r)
{
	for (int i = 0; i < o->nsrc; i++) {
		int n = rt_nmatched(r, o->src[i].first_clause, o->src[i].end_clause);
		const char *plural = n == 1 ? "" : "s";
		if (o->src[i].is_file) {
			fprintf(stderr, "dtrace: script '%s' matched %d probe%s\n", o->src[i].name, n, plural);
		} else {
			int len = (int)strcspn(o->src[i].text, "{/");
			fprintf(stderr, "dtrace: description '%.*s' matched %d probe%s\n", len,
				o->src[i].text, n, plural);
		}
	}
}

/* DTrace's words for drops. Departure: DTrace counts aggregation drops per CPU buffer ("on CPU
 * N"); pyscope has one set of aggregations, so it names no CPU. */
static void report_drops(uint64_t aggdrops, uint64_t dyndrops, void *ctx)
{
	(void)ctx;
	if (dyndrops)
		fprintf(stderr, "dtrace: %llu dynamic variable drop%s\n", (unsigned long long)dyndrops,
			dyndrops == 1 ? "" : "s");
	if (aggdrops)
		fprintf(stderr, "dtrace: %llu aggregation drop%s\n", (unsigned long long)aggdrops,
			aggdrops == 1 ? "" : "s");
}

/* A runtime fault as DTrace reports it:
 *   dtrace: error on enabled probe ID 2 (ID 1: python1234:python3.11:-:function-entry):
 *   invalid address (0x17) in action #1 at DIF offset 0   (one line) */
static void report_fault(const struct rt_fault *f, void *ctx)
{
	(void)ctx;
	const struct ps_probe *p = f->probe;
	char prov[64], name[128];
	if (p->pid)
		snprintf(prov, sizeof(prov), "%s%d", p->provider, p->pid);
	else
		snprintf(prov, sizeof(prov), "%s", p->provider);
	fprintf(stderr, "dtrace: error on enabled probe ID %d (ID %d: %s:%s:%s:%s): %s%s", f->epid,
		p->id, prov, p->module, p->function, ps_name_dashed(p->name, name, sizeof(name)), f->what,
		f->kind == RT_FAULT_LIBERR ? "\n" : " in ");
	if (f->kind == RT_FAULT_LIBERR)
		return;                  /* dt_handle_liberr: the message and a blank line */
	if (f->action)
		fprintf(stderr, "action #%d at DIF offset 0\n", f->action);
	else
		fprintf(stderr, "predicate at DIF offset 0\n");
}

/* Without -q: DTrace's header once, then "CPU ID FUNCTION:NAME " before each record's output
 * and a newline after it; trace() values as dt_print_datum prints them: integers as wide as
 * their type (" %8d" for an int, " %16lld" for 64 bits), strings "  %-33s". */
static void record_begin(FILE *out, const struct ps_event *ev, void *ctx)
{
	bool *header_done = ctx;
	const struct ps_probe *p = ev->probe;
	char fn[256], name[128];
	if (!*header_done) {
		fprintf(out, "%3s %6s %32s\n", "CPU", "ID", "FUNCTION:NAME");
		*header_done = true;
	}
	snprintf(fn, sizeof(fn), "%s:%s", strcmp(p->function, "-") == 0 ? "" : p->function,
		 ps_name_dashed(p->name, name, sizeof(name)));
	fprintf(out, "%3u %6d %32s ", ev->cpu, p->id, fn);
}

static void record_end(FILE *out, void *ctx)
{
	(void)ctx;
	fputc('\n', out);
}

static void trace_value(FILE *out, struct ps_value v, int isize, void *ctx)
{
	(void)ctx;
	if (v.type == PS_V_STR)
		fprintf(out, "  %-33s", v.s);
	else if (isize == 1)
		fprintf(out, " %3d", (int)(uint8_t)v.i);
	else if (isize == 2)
		fprintf(out, " %5d", (int)(uint16_t)v.i);
	else if (isize == 4)
		fprintf(out, " %8d", (int)(int32_t)v.i);
	else
		fprintf(out, " %16lld", (long long)v.i);
}

/* DTrace's words for records the buffer could not take; a recording does not say on which CPU. */
static void report_lost(uint64_t lost, int cpu, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "dtrace: %llu drop%s", (unsigned long long)lost, lost == 1 ? "" : "s");
	if (cpu >= 0)
		fprintf(stderr, " on CPU %d", cpu);
	fputc('\n', stderr);
}

/* ---- runs ---- */

/* Every loop below looks at stop_requested (stop.h) at least every CAP_WAIT_MS, and so does
 * rt_tick between two firings. Live, ticks run one due time per rt_tick call within a time
 * budget, so late ticks cannot starve the events; replayed, and with no capture, rt_tick runs
 * them all up to UNTIL at once, where its burst limit (RT_MAX_TICK_BURST missed firings of one
 * tick, then a skip ahead, as DTrace's cyclics do not backlog) bounds a gap of any length. */
#define TICK_BUDGET_NS 20000000ull   /* live: longest spent on late ticks before the events */

/* Run the ticks due up to UNTIL; with BUDGET (ns, live), one due time at a time, giving up after
 * that long and leaving the rest for the next call. rt_exited(). */
static int catch_up(struct rt *r, uint64_t until, uint64_t budget)
{
	if (!budget)
		return rt_tick(r, until);
	uint64_t start = now_ns(), next;
	unsigned n = 0;
	while (!stop_requested && !rt_exited(r) && (next = rt_next_tick(r)) && next <= until) {
		rt_tick(r, next);
		if (++n % 64 == 0 && now_ns() - start > budget)
			break;
	}
	return rt_exited(r);
}

static int run_replay(struct rt *r, struct replay *rp)
{
	uint64_t first = replay_first_ts(rp);
	const struct ps_event *ev;
	uint64_t lost;
	if (!rt_begin(r, first))
		while (!stop_requested) {
			ev = replay_next(rp, &lost);
			if (lost)       /* also the drops recorded after the last event */
				report_lost(lost, -1, NULL);
			if (!ev || catch_up(r, ev->ts, 0) || rt_event(r, ev))
				break;
		}
	uint64_t last = replay_last_ts(rp);
	if (!rt_exited(r))
		catch_up(r, last, 0);
	return rt_end(r, last);
}

#define FLUSH_NS 200000000ull       /* live: longest printed output waits in the buffer */

struct live {
	struct rt *r;
	FILE *out;
	uint64_t flushed;
};

static int live_event(const struct ps_event *ev, void *ctx)
{
	struct live *l = ctx;
	if (catch_up(l->r, ev->ts, TICK_BUDGET_NS))
		return 1;
	return rt_event(l->r, ev);
}

/* Between two waits of the capture loop: the ticks now due; the next wait ends at the next.
 * What the clauses printed is shown when idle and at least every FLUSH_NS (a pipe's buffer
 * would hold it back, and a reader that left is only noticed at a write). */
static int live_between(void *ctx, int delivered)
{
	struct live *l = ctx;
	struct rt *r = l->r;
	if (!delivered || now_ns() - l->flushed >= FLUSH_NS) {
		fflush(l->out);
		l->flushed = now_ns();
	}
	if (catch_up(r, now_ns(), TICK_BUDGET_NS))
		return -1;
	uint64_t next = rt_next_tick(r), now = now_ns();
	if (!next)
		return CAP_WAIT_MS;
	if (next <= now)
		return 0;
	return next - now >= (uint64_t)CAP_WAIT_MS * 1000000 ? CAP_WAIT_MS
							       : (int)((next - now) / 1000000 + 1);
}

static int run_live(const struct opts *o, struct rt *r, struct cap *c, FILE *out)
{
	struct live l = { r, out, now_ns() };
	struct ps_sink sink = { live_event, report_lost, &l };
	struct cap_loop loop = { &sink, &stop_requested, live_between, &l };
	if (cap_attach(c) < 0)
		return 2;
	if (rt_begin(r, now_ns()))
		return rt_end(r, now_ns());
	if (cap_start(c) < 0) {
		fprintf(stderr, "pyscope: cannot start the command\n");
		return 2;
	}
	int end = cap_run(c, &loop);
	if (end == CAP_END_GONE && !o->quiet && o->command)
		fprintf(stderr, "dtrace: pid %d has exited\n", (int)cap_command_pid(c));
	return rt_end(r, now_ns());
}

/* BEGIN, END and ticks only: no capture; run until exit() or a stop, sleeping toward the next
 * tick in steps short enough to see a stop. */
static int run_ticks(struct rt *r)
{
	if (!rt_begin(r, now_ns()))
		while (!stop_requested && !rt_exited(r)) {
			uint64_t next = rt_next_tick(r), now = now_ns();
			if (!next || next > now) {
				uint64_t ns = (uint64_t)CAP_WAIT_MS * 1000000;
				if (next && next - now < ns)
					ns = next - now;
				struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
				nanosleep(&ts, NULL);
				continue;
			}
			catch_up(r, now, 0);
		}
	return rt_end(r, now_ns());
}

/* The output's last flush: a write that failed (a full disk, a closed pipe) is reported in one
 * line and fails the run, not lost. The runtime's own flushes leave the error on the stream and
 * errno as that failure set it. Returns 0, or -EIO after saying so. */
static int check_output(FILE *out, const char *name)
{
	int earlier = errno;
	errno = 0;
	bool flushed = fflush(out) == 0;
	int err = !flushed && errno ? errno : earlier;
	if (flushed && !ferror(out))
		return 0;
	fprintf(stderr, "pyscope: cannot write %s: %s\n", name ? name : "the output",
		strerror(err ? err : EIO));
	return -EIO;
}

int dtrace_main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct replay *rp = NULL;
	struct cap *cap = NULL;
	struct pg_prog *prog = NULL;
	struct rt *r = NULL;
	struct pidlist named = { 0 };
	struct wants wants = { 0 };
	FILE *out = stdout;
	int status = 2, rc;

	rc = parse_args(argc, argv, &o);
	if (rc) {
		status = rc > 0 ? 0 : 2;
		goto done;
	}

	const struct ps_probe *const *probes = NULL;
	int nprobes = 0, target = o.npids ? o.pids[0] : 0, nnamed = 0;
	bool need_markers = o.list;
	if (o.list && !o.command && !o.npids && (o.nsrc || o.provider))
		nnamed = listed_pids(&o, &named);
	if (o.list)
		wants_from_list(&o, &wants);
	if (!need_markers) {
		/* A program on BEGIN, END and ticks only needs no capture (nor root). */
		if (compile(&o, NULL, 0, target, true, &prog) < 0)
			goto done;
		need_markers = uses_markers(prog);
		/* #pragma D option strsize sizes the strings capture copies, as -x strsize does */
		if (!o.strsize && prog->strsize > 0)
			o.strsize = prog->strsize;
		if (!o.command && !o.npids)
			nnamed = named_pids(prog, &named);
		wants_from_prog(prog, &wants);
		pg_free(prog);
		prog = NULL;
	}
	if (o.replay) {
		if (replay_open(o.replay, &rp) < 0)
			goto done;
		nprobes = replay_probes(rp, &probes);
		if (!target)
			target = replay_target(rp);
	} else if (need_markers && !o.compile_only) {
		struct cap_config cfg = {
			.command = o.command, .pids = nnamed ? named.v : o.pids,
			.npids = nnamed ? nnamed : o.npids,
			.all = !o.command && !o.npids && !nnamed, .strsize = o.strsize,
			.wants = (const char *const *)wants.v, .nwants = wants.n, .os_probes = true,
			.provider = o.use_provider,
		};
		if (cap_open(&cfg, &cap) < 0)
			goto done;
		nprobes = cap_probes(cap, &probes);
		if (o.command)
			target = (int)cap_command_pid(cap);
	}
	if (o.outfile) {
		out = fopen(o.outfile, "a");   /* dtrace appends */
		if (!out) {
			fprintf(stderr, "pyscope: cannot write %s: %s\n", o.outfile, strerror(errno));
			out = stdout;
			goto done;
		}
	} else {
		out = stop_stdout();    /* a stalled reader cannot hold a stop up (stop.h) */
	}
	if (o.list) {
		status = list_probes(&o, probes, nprobes, target, out);
		goto done;
	}
	if (compile(&o, probes, nprobes, target, o.compile_only && !o.replay, &prog) < 0)
		goto done;
	if (o.compile_only) {
		status = 0;
		goto done;
	}
	bool quiet = o.quiet || prog->quiet == 1;
	int strsize = o.strsize ? o.strsize : prog->strsize > 0 ? prog->strsize : 0;
	static bool header_done;
	/* D's rules for the shared runtime: storing 0 deletes, a fault abandons its clause (and
	 * its output) and the run goes on, BEGIN and END are dtrace:::BEGIN and dtrace:::END */
	static const struct rt_dialect d_rules = {
		.begin_provider = "dtrace", .begin_name = "BEGIN", .end_name = "END",
	};
	struct rt_opts ro = { .dialect = &d_rules, .out = out, .strsize = strsize, .target = target,
			      .replay = rp != NULL, .on_fault = report_fault, .final_aggs = true,
			      .aggsize = o.aggsize, .dynvarsize = o.dynvarsize, .on_drops = report_drops,
			      .stop = &stop_requested };
	/* the default output's callbacks are always given: setopt("quiet", ...) may turn it on or
	 * off while running (ro.quiet) */
	ro.quiet = quiet;
	ro.record_begin = record_begin;
	ro.record_end = record_end;
	ro.trace = trace_value;
	ro.output_ctx = &header_done;
	/* system() is destructive: dtrace refuses to enable it without -w or the pragma */
	if (prog->destructive_at && !o.destructive && !prog->destructive) {
		fprintf(stderr, "dtrace: failed to enable '%s': Destructive actions not allowed\n",
			o.nsrc && o.src[0].is_file ? o.src[0].name : "(command line)");
		goto done;
	}
	if (rt_new(prog, probes, nprobes, &ro, &r) < 0)
		goto done;
	uint32_t strargs;
	const struct ps_probe *p;
	for (int i = 0; (p = rt_enabled(r, i, &strargs)); i++) {
		if (rp)
			replay_enable(rp, p->id, strargs);
		else if (cap && cap_enable(cap, p->id, strargs) < 0)
			goto done;
	}
	if (!quiet)
		matched_messages(&o, r);

	stop_catch();
	if (rp)
		status = run_replay(r, rp);
	else if (cap)
		status = run_live(&o, r, cap, out);   /* cap_close ends a -c command still running */
	else
		status = run_ticks(r);
	fflush(out);
	if (stop_out_error() == -ETIMEDOUT)
		fprintf(stderr, "pyscope: output cut short: its reader stopped reading\n");
done:
	/* A reader that went away (EPIPE) is a way to stop, not an error; a reader given up after a
	 * stop (ETIMEDOUT) was reported above. */
	if (stop_out_error() != -EPIPE && stop_out_error() != -ETIMEDOUT &&
	    check_output(out, o.outfile) < 0)
		status = 2;
	rt_free(r);
	pg_free(prog);
	replay_close(rp);
	cap_close(cap);
	for (int i = 0; i < o.nsrc; i++)
		free(o.src[i].text);
	free(o.src);
	free(o.pids);
	free(named.v);
	for (int i = 0; i < wants.n; i++)
		free(wants.v[i]);
	free(wants.v);
	if (out != stdout && fclose(out) != 0 && status != 2 && stop_out_error() != -EPIPE) {
		fprintf(stderr, "pyscope: cannot write %s: %s\n", o.outfile, strerror(errno));
		status = 2;
	}
	fflush(stdout);
	return status;
}
