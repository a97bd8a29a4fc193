/*
 * stp_sema.c — SystemTap's elaboration into the shared program (see stp_sema.h). The order is
 * stap's: resolve probe points (expanding aliases, pulling in the tapsets that define what the
 * script uses), drop assignments to locals nobody reads, infer types to a fixed point, then
 * check and lower every handler and function. Checking and inferring are one walk (`emit` off:
 * only learn types; on: check and build nodes), so the two cannot disagree.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bind.h"
#include "stp_sema.h"

enum { T_NONE = PS_V_NONE, T_INT = PS_V_INT, T_STR = PS_V_STR, T_STAT = 3 };

static const char *tname(int t)
{
	return t == T_INT ? "long" : t == T_STR ? "string" : t == T_STAT ? "stats" : "unknown";
}

struct gsym {                    /* a global */
	const char *name;
	const struct stp_global *decl;
	int file;                    /* index in the sema's files */
	int type;                    /* T_* of the value (elements for an array) */
	int nkeys;                   /* -1 unknown */
	int keys[PG_MAX_KEYS];
	bool read, written;
	int var;                     /* pg variable, -1 before lowering */
	const struct stp_token *first;   /* where its type was first learnt */
};

struct lsym {                    /* a local of one frame */
	const char *name;
	int type;
	int var;
	const struct stp_token *first;
};

struct frame {
	struct lsym *v;
	int n, cap;
	int clause, func;            /* whose pg frame (its nlocals): one of them, the other -1 (the
				      * program's arrays move as they grow: indices, not pointers) */
};

struct fsym {                    /* a user function */
	const struct stp_func *fn;
	int file;
	int ret;
	int ptypes[32];
	bool used;
	int idx;                     /* pg function index */
	struct frame fr;
	struct stp_node *body;       /* after elision */
};

/* One handler after alias expansion: its points and the statement blocks run in order. */
struct rpoint {
	struct pg_pdesc d;
	const char *written;         /* the point as the tapset or script wrote it */
	const char *chain;           /* -p2's derivation chain (" <- ..."): struct sema's chain */
	bool optional;
	const struct ps_probe *const *probes;   /* the markers it matched (marker points) */
	int nprobes;
};

struct handler {
	struct rpoint *pts;
	int npts;
	struct stp_node **blocks;
	int nblocks;
	struct stp_node *body;       /* the blocks as one, after elision */
	struct frame fr;
	int clause;
	int file;
	bool oneshot;
};

struct sema {
	struct stp_file **files;     /* 0: the script; then tapsets */
	bool *used;
	bool *done;                  /* files whose globals and probes are in */
	int nfiles;
	const struct stp_sema_opts *o;
	struct pg_prog *p;
	struct stp_info *info;
	struct gsym *g;
	int ng, gcap;
	struct fsym *fn;
	int nfn;
	struct handler *h;
	int nh, hcap;
	bool emit, changed;
	const char *alias_pn;        /* the alias the script's point named (pn()), while expanding */
	/* -p2's derivation chain of the points being expanded, as derived_probe::printsig_nested
	 * prints it: " <- " and the script probe's points joined by ","; each alias expanded puts
	 * " <- NAME = POINT, ..." (probe_alias::printsig) in front */
	const char *chain;
	const char *libused[64];     /* the built-in (tapset) functions called, for -p2 */
	int nlibused;
	jmp_buf fail;
	/* the walk's context */
	struct frame *fr;
	struct handler *cur;
	struct fsym *curfn;
	int loops;
	int depth;
};

static _Noreturn void fail(struct sema *s, const struct stp_token *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static _Noreturn void fail(struct sema *s, const struct stp_token *t, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	stp_report("semantic error", t, "%s", msg);
	fprintf(stderr, "\nPass 2: analysis failed.  [man error::pass2]\n");
	longjmp(s->fail, 1);
}

static void *xalloc(struct sema *s, size_t n)
{
	return pg_alloc(s->p, n);
}

static void *grow(void *v, int n, int *cap, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 8;
	v = realloc(v, size * (size_t)*cap);
	if (!v) {
		perror("pyscope: out of memory");
		exit(70);
	}
	return v;
}

/* ---- probe points ---- */

static char *pp_text(struct sema *s, const struct stp_pp *pp)
{
	char buf[1024];
	size_t n = 0;
	buf[0] = 0;
	for (int i = 0; i < pp->ncomps && n < sizeof(buf) - 1; i++) {
		const struct stp_ppcomp *c = &pp->comps[i];
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "." : "", c->name);
		if (n >= sizeof(buf))
			break;
		if (c->arg == 1)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "(%lld)", (long long)c->n);
		else if (c->arg == 2)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "(\"%s\")", c->s);
		if (n >= sizeof(buf))
			break;
	}
	return pg_strdup(s->p, buf);
}

/* A point as probe_point::print prints it: pp_text, then "!" or "?". */
static char *pp_sig(struct sema *s, const struct stp_pp *pp)
{
	const char *t = pp_text(s, pp);
	size_t n = strlen(t) + 2;
	char *r = xalloc(s, n);
	snprintf(r, n, "%s%s", t, pp->sufficient ? "!" : pp->optional ? "?" : "");
	return r;
}

/* CHAIN with " <- " and PPS's points joined by SEP in front (-p2's derivation chain); NAMES
 * first, joined by " = ", for an alias. */
static const char *chain_add(struct sema *s, const struct stp_pp *names, int nnames,
			     const struct stp_pp *pps, int npps, const char *sep, const char *chain)
{
	size_t len = 8 + strlen(chain ? chain : "");
	const char *parts[64];
	int np = 0;
	for (int i = 0; i < nnames && np < 64; i++)
		parts[np++] = pp_sig(s, &names[i]);
	for (int i = 0; i < npps && np < 64; i++)
		parts[np++] = pp_sig(s, &pps[i]);
	for (int i = 0; i < np; i++)
		len += strlen(parts[i]) + 4;
	char *r = xalloc(s, len);
	size_t k = (size_t)snprintf(r, len, " <- ");
	for (int i = 0; i < np; i++)
		k += (size_t)snprintf(r + k, len - k, "%s%s", i == 0 ? "" : i < nnames ? " = " :
				      i == nnames ? " = " : sep, parts[i]);
	snprintf(r + k, len - k, "%s", chain ? chain : "");
	return r;
}

static int resolve_exe(const char *name, char *out, size_t len);
static char script_seen[PATH_MAX];   /* the last resolve_exe's "#!" script, if it was one */

/* stap's dwarf_builder: an executable that starts with "#!" is its interpreter ("#!/usr/bin/env
 * NAME": NAME found on PATH), when that is an executable regular file (a pyenv shim is bash). */
static void script_interpreter(char *exe, size_t len)
{
	FILE *f = fopen(exe, "r");
	char line[PATH_MAX], interp[PATH_MAX];
	if (!f)
		return;
	bool got = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	if (!got || strncmp(line, "#!", 2))
		return;
	char *p = line + 2;
	p += strspn(p, " \t");
	p[strcspn(p, "\r\n")] = 0;
	for (size_t n = strlen(p); n && (p[n - 1] == ' ' || p[n - 1] == '\t'); n--)
		p[n - 1] = 0;
	const char *envs[] = { "/usr/bin/env", "/bin/env" };
	for (int i = 0; i < 2; i++) {
		size_t n = strlen(envs[i]);
		if (!strncmp(p, envs[i], n) && (p[n] == ' ' || p[n] == '\t')) {
			p += n + strspn(p + n, " \t");
			p[strcspn(p, " \t")] = 0;   /* stap keeps the rest; a name has no blank */
			char script[PATH_MAX];
			snprintf(script, sizeof(script), "%s", exe);
			if (resolve_exe(p, interp, sizeof(interp)) == 0) {
				snprintf(exe, len, "%s", interp);
				snprintf(script_seen, sizeof(script_seen), "%s", script);
			}
			return;
		}
	}
	struct stat st;
	if (*p && realpath(p, interp) && access(interp, X_OK) == 0 && stat(interp, &st) == 0 &&
	    S_ISREG(st.st_mode)) {
		snprintf(script_seen, sizeof(script_seen), "%s", exe);
		snprintf(exe, len, "%s", interp);
	}
}

/* An executable as stap finds process("NAME"): NAME with a '/' as it is, else the first
 * executable NAME on PATH; then symlinks resolved; a "#!" script is its interpreter. */
static int resolve_exe(const char *name, char *out, size_t len)
{
	char cand[PATH_MAX];
	script_seen[0] = 0;
	if (strchr(name, '/')) {
		snprintf(cand, sizeof(cand), "%s", name);
	} else {
		const char *path = getenv("PATH");
		bool found = false;
		if (!path)
			path = "/usr/local/bin:/usr/bin:/bin";
		while (*path && !found) {
			size_t k = strcspn(path, ":");
			snprintf(cand, sizeof(cand), "%.*s/%s", (int)k, k ? path : ".", name);
			found = access(cand, X_OK) == 0;
			path += k + (path[k] == ':');
		}
		if (!found)
			return -ENOENT;
	}
	char real[PATH_MAX];
	if (!realpath(cand, real))
		return -errno;
	snprintf(out, len, "%s", real);
	script_interpreter(out, len);
	return 0;
}

static bool comp_is(const struct stp_ppcomp *c, const char *name)
{
	return strcmp(c->name, name) == 0;
}

/* Does alias name NAME (a probe point without globs) match what the script wrote, PP (which
 * may have globs in its names)? */
static bool alias_match(const struct stp_pp *name, const struct stp_pp *pp)
{
	if (name->ncomps != pp->ncomps)
		return false;
	for (int i = 0; i < pp->ncomps; i++) {
		const struct stp_ppcomp *a = &name->comps[i], *b = &pp->comps[i];
		if (fnmatch(b->name, a->name, 0) != 0 || a->arg != b->arg)
			return false;
		if (a->arg == 1 && a->n != b->n)
			return false;
		if (a->arg == 2 && strcmp(a->s, b->s) != 0)
			return false;
	}
	return true;
}

static void add_info_binary(struct sema *s, const char *path)
{
	for (int i = 0; i < s->info->nbinaries; i++)
		if (!strcmp(s->info->binaries[i], path))
			return;
	if (s->info->nbinaries < 8)
		s->info->binaries[s->info->nbinaries++] = strdup(path);
}

/* The names of the marks in PROBES, for "no match" ("function__entry, function__return ..."). */
static void mark_names(const struct ps_probe *const *probes, int n, char *buf, size_t len)
{
	size_t k = 0;
	buf[0] = 0;
	for (int i = 0; i < n && k + 1 < len; i++) {
		bool seen = false;
		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(probes[j]->name, probes[i]->name);
		if (!seen)
			k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? ", " : "", probes[i]->name);
	}
	if (k >= len && len > 4)
		strcpy(buf + len - 4, "...");
}

struct expansion {
	struct rpoint pt;
	struct stp_node **blocks;
	int nblocks;
};

static void add_point(struct handler *h, const struct rpoint *pt)
{
	int cap = h->npts;
	h->pts = grow(h->pts, h->npts, &cap, sizeof(h->pts[0]));
	h->pts[h->npts++] = *pt;
}

static void new_handler(struct sema *s, const struct rpoint *pt, struct stp_node **blocks, int nblocks,
			int file)
{
	/* the same blocks as the last handler: one more point of it */
	if (s->nh) {
		struct handler *l = &s->h[s->nh - 1];
		if (l->nblocks == nblocks && !memcmp(l->blocks, blocks, sizeof(blocks[0]) * (size_t)nblocks) &&
		    l->file == file) {
			add_point(l, pt);
			return;
		}
	}
	if (s->nh == STP_MAX_CLAUSES)
		fail(s, NULL, "too many probe handlers after alias expansion (at most %d)", STP_MAX_CLAUSES);
	s->h = grow(s->h, s->nh, &s->hcap, sizeof(s->h[0]));
	struct handler *h = &s->h[s->nh++];
	memset(h, 0, sizeof(*h));
	h->blocks = xalloc(s, sizeof(blocks[0]) * (size_t)nblocks);
	memcpy(h->blocks, blocks, sizeof(blocks[0]) * (size_t)nblocks);
	h->nblocks = nblocks;
	h->file = file;
	add_point(h, pt);
}

static int64_t comp_num(struct sema *s, const struct stp_ppcomp *c, const struct stp_pp *pp)
{
	if (c->arg != 1 || c->n <= 0)
		fail(s, c->tok, "while resolving probe point: %s wants a positive number", pp_text(s, pp));
	return c->n;
}

/* A point no alias names: stap's own. Returns the number of points it made (0: none matched). */
/* timer.s(N), .ms, .us, .ns, .hz, .jiffies, .profile: a tick of that period. */
static int timer_point(struct sema *s, const struct stp_pp *pp, struct rpoint pt,
			struct stp_node **blocks, int nblocks, int file)
{
	const struct stp_ppcomp *c = pp->comps;
	static const struct { const char *name; uint64_t mul; bool hz; } units[] = {
		{ "s", 1000000000ull, false }, { "sec", 1000000000ull, false },
		{ "ms", 1000000ull, false }, { "msec", 1000000ull, false },
		{ "us", 1000ull, false }, { "usec", 1000ull, false },
		{ "ns", 1ull, false }, { "nsec", 1ull, false },
		{ "jiffies", 4000000ull, false }, { "hz", 0, true },
	};
	const struct stp_ppcomp *u = &c[1];
	if (comp_is(u, "profile") && !u->arg) {
		pt.d.kind = PG_PD_TICK;
		pt.d.period = 4000000ull;   /* a jiffy at HZ=250 */
	} else {
		size_t k = 0;
		while (k < sizeof(units) / sizeof(units[0]) && !comp_is(u, units[k].name))
			k++;
		if (k == sizeof(units) / sizeof(units[0]))
			fail(s, u->tok, "while resolving probe point: no match for timer.%s (known: s, ms, "
			     "us, ns, hz, jiffies, profile)", u->name);
		int64_t v = comp_num(s, u, pp);
		pt.d.kind = PG_PD_TICK;
		if (units[k].hz) {
			if (v > 5000)
				fail(s, u->tok, "while resolving probe point: timer.hz(%lld) is faster than "
				     "pyscope's fastest timer (5000 Hz)", (long long)v);
			pt.d.period = 1000000000ull / (uint64_t)v;
		} else {
			if ((uint64_t)v > UINT64_MAX / units[k].mul)
				fail(s, u->tok, "while resolving probe point: timer period too long");
			pt.d.period = (uint64_t)v * units[k].mul;
		}
	}
	if (pt.d.period < 200000ull)
		fail(s, u->tok, "while resolving probe point: timer period below pyscope's shortest "
		     "(200us)");
	if (pt.d.period > 365ull * 86400 * 1000000000ull)
		fail(s, u->tok, "while resolving probe point: timer period above pyscope's longest "
		     "(365 days)");
	/* the runtime keeps one timer per name: one per point as written */
	pt.d.name = pt.d.text;
	s->info->uses_ticks = true;
	new_handler(s, &pt, blocks, nblocks, file);
	return 1;
}

/* process["(PATH)" | "(PID)"] [.library("LIB")] .mark("NAME"): the markers it names, checked
 * against those that exist. */
static int process_point(struct sema *s, const struct stp_pp *pp, struct rpoint pt,
			struct stp_node **blocks, int nblocks, int file)
{
	const struct stp_ppcomp *c = pp->comps;
	int n = pp->ncomps;
	/* process["(PATH)" | "(PID)"] ["." library("LIB")] "." mark("NAME") */
	char exe[PATH_MAX] = "";
	int k = 1;
	const struct stp_ppcomp *lib = NULL, *mark = NULL;
	if (k < n && comp_is(&c[k], "library") && c[k].arg == 2)
		lib = &c[k++];
	if (k < n && comp_is(&c[k], "mark") && c[k].arg == 2)
		mark = &c[k++];
	if (!mark || k != n)
		fail(s, c->tok, "while resolving probe point: pyscope knows process(...).mark(\"NAME\") "
		     "and process(...).library(\"LIB\").mark(\"NAME\") only, not %s", pt.d.text);
	if (c->arg == 2) {
		if (resolve_exe(c->s, exe, sizeof(exe)) < 0 && s->o->replay) {
			snprintf(exe, sizeof(exe), "%s", c->s);
		} else if (exe[0] == 0) {
			if (pp->optional)
				return 0;
			if (!strchr(c->s, '/'))
				fail(s, c->tok, "while resolving probe point: cannot find executable '%s' on "
				     "PATH (Debian's python-is-python3 package provides 'python'; or write "
				     "process(\"/usr/bin/python3.11\"))", c->s);
			fail(s, c->tok, "while resolving probe point: cannot find executable '%s'", c->s);
		}
	} else if (c->arg == 1) {
		char link[64];
		snprintf(link, sizeof(link), "/proc/%lld/exe", (long long)c->n);
		ssize_t r = readlink(link, exe, sizeof(exe) - 1);
		if (c->n <= 0 || c->n > INT_MAX || r < 0)
			fail(s, c->tok, "while resolving probe point: no process %lld", (long long)c->n);
		exe[r] = 0;
		pt.d.pid = (int)c->n;
		if (s->info->npids < 8)
			s->info->pids[s->info->npids++] = (int)c->n;
	} else {
		pt.d.pid = PG_PID_TARGET;
		if (!s->o->target_exe && pp->optional)
			return 0;
		if (!s->o->target_exe)
			fail(s, c->tok, "while resolving probe point: process.mark(...) names the target "
			     "process: give -c COMMAND or -x PID");
		snprintf(exe, sizeof(exe), "%s", s->o->target_exe);
		s->info->uses_target_process = true;
	}
	const char *obj = exe;
	char libpath[PATH_MAX];
	if (lib) {
		if (resolve_exe(lib->s, libpath, sizeof(libpath)) < 0)
			snprintf(libpath, sizeof(libpath), "%s", lib->s);
		obj = libpath;
	}
	s->info->uses_markers = true;
	if (c->arg != 1 && c->arg)
		add_info_binary(s, exe);
	/* with -c or -x, stap's process probes see the target's process hierarchy only (its
	 * task finder skips other processes, its uprobe handler ignores their hits: PR15278). The
	 * capture filters to that hierarchy (family); a recording is filtered to the target. */
	if (c->arg != 1 && s->o->family)
		pt.d.pid = 0;
	const char *base = strrchr(obj, '/');
	pt.d.kind = PG_PD_MARKER;
	pt.d.module = lib ? pg_strdup(s->p, base ? base + 1 : obj) : "";
	pt.d.name = pg_strdup(s->p, mark->s);
	if (!s->o->markers)
		return 1;
	const struct ps_probe *const *probes = NULL;
	int np = s->o->markers(exe, &probes, s->o->markers_ctx);
	if (np < 0)
		fail(s, c->tok, "while resolving probe point: cannot read the markers of %s", exe);
	/* a library none of the markers is in: say so, naming the ones that have markers (not
	 * "no match for mark" with the other libraries' marks) */
	if (lib && np > 0) {
		bool found = false;
		char libs[512] = "";
		size_t used = 0;
		for (int i = 0; i < np; i++) {
			struct pg_pdesc d = pt.d;
			d.pid = 0;
			d.name = "";
			found |= pg_pdesc_match(&d, probes[i], 0);
			const char *m = probes[i]->module ? probes[i]->module : "";
			if (*m && !strstr(libs, m) && used + strlen(m) + 3 < sizeof(libs))
				used += (size_t)snprintf(libs + used, sizeof(libs) - used, "%s%s",
							 used ? ", " : "", m);
		}
		if (!found) {
			if (pp->optional)
				return 0;
			fail(s, lib->tok, "while resolving probe point: no library \"%s\" with markers in "
			     "%s (its libraries with markers: %s)", lib->s, exe, *libs ? libs : "none");
		}
	}
	/* the points' markers: matched by name (either spelling) and library */
	const struct ps_probe **hit = xalloc(s, sizeof(hit[0]) * (size_t)(np + 1));
	int nhit = 0;
	for (int i = 0; i < np; i++) {
		struct pg_pdesc d = pt.d;
		d.pid = 0;
		if (pg_pdesc_match(&d, probes[i], 0))
			hit[nhit++] = probes[i];
	}
	if (!nhit) {
		if (pp->optional)
			return 0;
		char names[512];
		mark_names(probes, np, names, sizeof(names));
		if (!np && c->arg == 2 && script_seen[0] && !lib)
			fail(s, c->tok, "while resolving probe point: no match: %s has no markers (%s is a "
			     "script that %s runs, such as a pyenv shim, and stap probes the interpreter of "
			     "a script: name the Python, e.g. process(\"/usr/bin/python3.11\"))", obj,
			     script_seen, obj);
		if (!np)
			fail(s, c->tok, "while resolving probe point: no match: %s has no markers (a Python "
			     "built without --with-dtrace?)", obj);
		fail(s, mark->tok, "while resolving probe point: no match for mark(\"%s\") in %s (its "
		     "marks: %s)", mark->s, obj, names);
	}
	if (!lib && !s->o->replay)
		pt.d.module = pg_strdup(s->p, hit[0]->module);
	/* as stap's pp() and -p2 show it: the executable found, the mark as written */
	char text[PATH_MAX + 600];
	char libreal[PATH_MAX];
	if (lib && hit[0]->path && !s->o->replay && realpath(hit[0]->path, libreal))
		obj = libreal;       /* stap's build_library_probe: the library by its full path */
	if (lib) {
		snprintf(text, sizeof(text), "process(\"%s\").library(\"%s\")", exe, obj);
		pt.d.pp_lib = pg_strdup(s->p, text);
		snprintf(text, sizeof(text), "process(\"%s\").library(\"%s\").mark(\"%s\")", exe,
			 obj, mark->s);
	}
	else   /* process(PID) too: sdt_query::convert_location names the module, not the pid */
		snprintf(text, sizeof(text), "process(\"%s\").mark(\"%s\")", exe, mark->s);
	pt.d.text = pg_strdup(s->p, text);
	pt.probes = (const struct ps_probe *const *)hit;
	pt.nprobes = nhit;
	new_handler(s, &pt, blocks, nblocks, file);
	return 1;
}

static int builtin_point(struct sema *s, const struct stp_pp *pp, struct stp_node **blocks,
			 int nblocks, int file)
{
	struct rpoint pt = { .optional = pp->optional };
	const struct stp_ppcomp *c = pp->comps;
	int n = pp->ncomps;
	pt.d.text = pp_text(s, pp);
	pt.d.pn = s->alias_pn;
	pt.written = pt.d.text;
	pt.chain = s->chain;
	pt.d.line = pp->tok->line;
	pt.d.col = pp->tok->col;
	pt.d.provider = pt.d.module = pt.d.function = pt.d.name = "";
	if (n == 1 && (comp_is(c, "begin") || comp_is(c, "end") || comp_is(c, "oneshot"))) {
		pt.d.kind = comp_is(c, "end") ? PG_PD_END : PG_PD_BEGIN;
		if (comp_is(c, "end"))
			s->info->uses_end = true;
		new_handler(s, &pt, blocks, nblocks, file);
		if (comp_is(c, "oneshot"))
			s->h[s->nh - 1].oneshot = true;
		return 1;
	}
	if (n == 1 && comp_is(c, "never"))
		return 1;
	if (n == 1 && comp_is(c, "error")) {
		/* stap's error probe: run at the end instead of the end probes when a fault ended
		 * the run (rt_dialect.error_skips_end) */
		pt.d.kind = PG_PD_ERROR;
		new_handler(s, &pt, blocks, nblocks, file);
		return 1;
	}
	if (comp_is(c, "timer") && n == 2)
		return timer_point(s, pp, pt, blocks, nblocks, file);
	if (comp_is(c, "process"))
		return process_point(s, pp, pt, blocks, nblocks, file);
	return -1;
}

/* Every alias whose name matches PP, in every file (the script's first); a tapset that defines
 * one is used from then on. */
static int expand(struct sema *s, const struct stp_pp *pp, struct stp_node **blocks, int nblocks,
		  int file, int depth);

static int expand_alias(struct sema *s, const struct stp_pp *pp, struct stp_node **blocks,
			int nblocks, int depth)
{
	int made = 0;
	bool any = false;
	for (int fi = 0; fi < s->nfiles; fi++) {
		struct stp_file *f = s->files[fi];
		for (int i = 0; i < f->nprobes; i++) {
			struct stp_probe *a = &f->probes[i];
			if (!a->alias)
				continue;
			bool m = false;
			for (int k = 0; k < a->nnames && !m; k++)
				m = alias_match(&a->names[k], pp);
			if (!m)
				continue;
			any = true;
			s->used[fi] = true;
			struct stp_node **nb = xalloc(s, sizeof(nb[0]) * (size_t)(nblocks + 1));
			if (a->epilogue) {
				memcpy(nb, blocks, sizeof(nb[0]) * (size_t)nblocks);
				nb[nblocks] = a->body;
			} else {
				nb[0] = a->body;
				memcpy(nb + 1, blocks, sizeof(nb[0]) * (size_t)nblocks);
			}
			/* pn(): stap's script-level point, the alias's name with the script's
			 * wildcards expanded (the outermost alias when they nest) */
			const char *saved_pn = s->alias_pn, *saved_chain = s->chain;
			s->chain = chain_add(s, a->names, a->nnames, a->pps, a->npps, ", ", s->chain);
			if (!depth)
				for (int k = 0; k < a->nnames; k++)
					if (alias_match(&a->names[k], pp)) {
						s->alias_pn = pp_text(s, &a->names[k]);
						break;
					}
			for (int k = 0; k < a->npps; k++) {
				struct stp_pp sub = a->pps[k];
				if (pp->optional)
					sub.optional = true;
				int r = expand(s, &sub, nb, nblocks + 1, fi, depth + 1);
				if (r > 0) {
					made += r;
					if (a->pps[k].sufficient)
						break;
				}
			}
			s->alias_pn = saved_pn;
			s->chain = saved_chain;
		}
	}
	return any ? made : -1;
}

static int expand(struct sema *s, const struct stp_pp *pp, struct stp_node **blocks, int nblocks,
		  int file, int depth)
{
	if (depth > STP_MAX_ALIAS_DEPTH)
		fail(s, pp->tok, "while resolving probe point: aliases nested too deep (at most %d); "
		     "recursive alias?", STP_MAX_ALIAS_DEPTH);
	int r = expand_alias(s, pp, blocks, nblocks, depth);
	if (r >= 0)
		return r;
	r = builtin_point(s, pp, blocks, nblocks, file);
	if (r >= 0)
		return r;
	if (pp->optional)
		return 0;
	fail(s, pp->tok, "while resolving probe point: no match for %s (pyscope's points: process(...)"
	     ".mark(...), begin, end, timer.*, oneshot, never, and the tapsets' aliases)", pp_text(s, pp));
}

static void resolve_probes(struct sema *s, int fi)
{
	struct stp_file *f = s->files[fi];
	for (int i = 0; i < f->nprobes; i++) {
		struct stp_probe *pr = &f->probes[i];
		if (pr->alias)
			continue;
		struct stp_node *b = pr->body;
		int total = 0;
		s->chain = chain_add(s, NULL, 0, pr->pps, pr->npps, ",", NULL);
		for (int k = 0; k < pr->npps; k++) {
			int r = expand(s, &pr->pps[k], &b, 1, fi, 0);
			total += r;
			if (r > 0 && pr->pps[k].sufficient)
				break;
		}
		(void)total;
	}
}

/* ---- symbols ---- */

static struct gsym *find_global(struct sema *s, const char *name, bool pull)
{
	for (int i = 0; i < s->ng; i++)
		if (!strcmp(s->g[i].name, name))
			return &s->g[i];
	if (!pull)
		return NULL;
	/* a tapset global the script names pulls the tapset in */
	for (int fi = 1; fi < s->nfiles; fi++)
		for (int k = 0; k < s->files[fi]->nglobals; k++)
			if (!strcmp(s->files[fi]->globals[k].name, name)) {
				s->used[fi] = true;
				s->changed = true;
				return NULL;   /* declared on the next round, with the whole file */
			}
	return NULL;
}

static void declare_globals(struct sema *s, int fi)
{
	struct stp_file *f = s->files[fi];
	for (int k = 0; k < f->nglobals; k++) {
		const struct stp_global *d = &f->globals[k];
		struct gsym *old = find_global(s, d->name, false);
		if (old) {
			if (old->file == fi)
				fail(s, d->tok, "conflicting global variables: duplicate definition");
			continue;
		}
		s->g = grow(s->g, s->ng, &s->gcap, sizeof(s->g[0]));
		struct gsym *g = &s->g[s->ng++];
		memset(g, 0, sizeof(*g));
		g->name = d->name;
		g->decl = d;
		g->file = fi;
		g->nkeys = d->size ? -1 : -1;
		g->var = -1;
		if (d->init) {
			g->type = d->init->kind == STP_N_STR ? T_STR : T_INT;
			g->nkeys = 0;
			g->first = d->init->tok;
		}
		/* -G NAME=VALUE types the script's global as its value does, as an initializer would */
		for (int i = 0; fi == 0 && i < s->o->nglobals_set; i++) {
			const char *a = s->o->globals_set[i], *eq = strchr(a, '=');
			if (!eq || strlen(g->name) != (size_t)(eq - a) || strncmp(g->name, a, (size_t)(eq - a)))
				continue;
			if (g->type == T_NONE) {
				char *end;
				strtoll(eq + 1, &end, 0);
				g->type = eq[1] && !*end ? T_INT : T_STR;
			}
			g->nkeys = 0;
		}
	}
}

static struct fsym *find_func(struct sema *s, const char *name, int nargs, bool *arity_only)
{
	struct fsym *any = NULL;
	for (int i = 0; i < s->nfn; i++)
		if (!strcmp(s->fn[i].fn->name, name)) {
			if (s->fn[i].fn->nparams == nargs)
				return &s->fn[i];
			any = &s->fn[i];
		}
	if (arity_only)
		*arity_only = any != NULL;
	return NULL;
}

static struct lsym *find_local(struct frame *fr, const char *name)
{
	for (int i = 0; i < fr->n; i++)
		if (!strcmp(fr->v[i].name, name))
			return &fr->v[i];
	return NULL;
}

static struct lsym *add_local(struct sema *s, struct frame *fr, const char *name,
			      const struct stp_token *t)
{
	fr->v = grow(fr->v, fr->n, &fr->cap, sizeof(fr->v[0]));
	struct lsym *l = &fr->v[fr->n++];
	memset(l, 0, sizeof(*l));
	l->name = name;
	l->var = -1;
	l->first = t;
	(void)s;
	return l;
}

/* ---- elision: assignments to locals nobody reads ---- */

static bool is_global_name(struct sema *s, const char *name)
{
	if (find_global(s, name, false))
		return true;
	for (int fi = 0; fi < s->nfiles; fi++)
		for (int k = 0; k < s->files[fi]->nglobals; k++)
			if (!strcmp(s->files[fi]->globals[k].name, name))
				return true;
	return false;
}

struct names {
	const char **v;
	int n, cap;
};

static void names_add(struct names *r, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->v[i], name))
			return;
	r->v = grow(r->v, r->n, &r->cap, sizeof(r->v[0]));
	r->v[r->n++] = name;
}

static bool names_has(const struct names *r, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->v[i], name))
			return true;
	return false;
}

/* The variables N reads (an assignment's target is read when compound, or when an element). */
static void reads(const struct stp_node *n, struct names *r)
{
	if (!n)
		return;
	if (n->kind == STP_N_VAR)
		names_add(r, n->s);
	if (n->kind == STP_N_ASSIGN && n->kids[0]->kind == STP_N_VAR && !n->kids[0]->nkids &&
	    !strcmp(n->op, "=")) {
		reads(n->kids[1], r);
		return;
	}
	if (n->kind == STP_S_FOREACH) {
		names_add(r, n->fe->array);
	}
	for (int i = 0; i < n->nkids; i++)
		reads(n->kids[i], r);
}

static bool pure(const struct stp_node *n)
{
	if (!n)
		return true;
	switch (n->kind) {
	case STP_N_NUM: case STP_N_STR: case STP_N_VAR: case STP_N_TARGET: case STP_N_ARGV:
	case STP_N_ARGC: case STP_N_UNARY: case STP_N_BINARY: case STP_N_COND: case STP_N_DEFINED:
		break;
	default:
		return false;
	}
	for (int i = 0; i < n->nkids; i++)
		if (!pure(n->kids[i]))
			return false;
	return true;
}

/* A copy of statement N without the assignments to locals not in R. Returns true when it
 * dropped something. */
static bool elide(struct sema *s, struct stp_node *n, const struct names *r)
{
	bool dropped = false;
	if (!n)
		return false;
	for (int i = 0; i < n->nkids; i++) {
		struct stp_node *k = n->kids[i];
		if (k && k->kind == STP_S_EXPR && k->kids[0]->kind == STP_N_ASSIGN &&
		    !strcmp(k->kids[0]->op, "=") && k->kids[0]->kids[0]->kind == STP_N_VAR &&
		    !k->kids[0]->kids[0]->nkids && !names_has(r, k->kids[0]->kids[0]->s) &&
		    !is_global_name(s, k->kids[0]->kids[0]->s)) {
			if (pure(k->kids[0]->kids[1])) {
				k->kind = STP_S_NULL;
				k->nkids = 0;
			} else {
				k->kids[0] = k->kids[0]->kids[1];   /* its side effects stay */
			}
			dropped = true;
		} else if (k && k->kind >= STP_S_BLOCK) {
			dropped |= elide(s, k, r);
		} else if (k && n->kind == STP_S_FOREACH && i == 0) {
			dropped |= elide(s, k, r);
		}
	}
	return dropped;
}

static struct stp_node *join_blocks(struct sema *s, struct stp_node **blocks, int n)
{
	/* a private copy of the tree's top: elision edits nodes, and aliases share theirs */
	struct stp_node *b = pg_alloc(s->p, sizeof(*b));
	b->kind = STP_S_BLOCK;
	b->tok = blocks[0]->tok;
	b->nkids = n;
	b->kids = pg_alloc(s->p, sizeof(b->kids[0]) * (size_t)n);
	memcpy(b->kids, blocks, sizeof(b->kids[0]) * (size_t)n);
	return b;
}

static struct stp_node *clone(struct sema *s, const struct stp_node *n)
{
	if (!n)
		return NULL;
	struct stp_node *c = pg_alloc(s->p, sizeof(*c));
	*c = *n;
	if (n->nkids) {
		c->kids = pg_alloc(s->p, sizeof(c->kids[0]) * (size_t)n->nkids);
		for (int i = 0; i < n->nkids; i++)
			c->kids[i] = clone(s, n->kids[i]);
	}
	return c;
}

static struct stp_node *elided(struct sema *s, struct stp_node *body)
{
	struct stp_node *b = clone(s, body);
	while (!s->o->no_elide) {
		struct names r = { 0 };
		reads(b, &r);
		bool d = elide(s, b, &r);
		free(r.v);
		if (!d)
			break;
	}
	return b;
}

/* ---- types and lowering: one walk, `emit` off to learn types, on to check and build ---- */

struct val {
	int t;
	struct pg_node *n;
};

static const char *node_file(struct sema *s, const struct stp_token *t)
{
	return t && t->src && t->src != s->files[0]->src ? t->src->name : NULL;
}

static struct pg_node *mk(struct sema *s, enum pg_kind k, int t, int nkids, const struct stp_token *tok)
{
	if (!s->emit)
		return NULL;
	struct pg_node *n = pg_node(s->p, k, t == T_STAT ? PS_V_NONE : (enum ps_vtype)t, nkids);
	if (tok) {
		n->line = tok->line;
		n->col = tok->col;
		n->file = node_file(s, tok);
	}
	return n;
}

/* Learn that a slot has type T (first sighting at TOK); a different type is stap's mismatch. */
static void learn(struct sema *s, int *slot, const struct stp_token **first, int t,
		  const struct stp_token *tok)
{
	if (t == T_NONE)
		return;
	if (*slot == T_NONE) {
		*slot = t;
		if (first)
			*first = tok;
		s->changed = true;
		return;
	}
	if (*slot != t && s->emit)
		fail(s, tok, "type mismatch (%s vs. %s)", tname(*slot), tname(t));
}

static struct val expr(struct sema *s, const struct stp_node *n);
static struct pg_node *stmt(struct sema *s, const struct stp_node *n);

static struct val want(struct sema *s, const struct stp_node *n, int t)
{
	struct val v = expr(s, n);
	if (s->emit && v.t != t) {
		if (v.t == T_NONE)
			fail(s, n->tok, "unresolved type");
		fail(s, n->tok, "type mismatch (%s vs. %s)", tname(t), tname(v.t));
	}
	return v;
}

/* A variable reference: the frame's local, a global, or a new local. */
struct ref {
	struct lsym *l;
	struct gsym *g;
};

static struct ref lookup(struct sema *s, const char *name, const struct stp_token *t, bool create)
{
	struct ref r = { 0 };
	if ((r.l = find_local(s->fr, name)))
		return r;
	if ((r.g = find_global(s, name, true)))
		return r;
	if (create)
		r.l = add_local(s, s->fr, name, t);
	return r;
}

static int local_var(struct sema *s, struct lsym *l)
{
	if (l->var < 0) {
		int *nlocals = s->fr->func >= 0 ? &s->p->funcs[s->fr->func].nlocals
						 : &s->p->clauses[s->fr->clause].nlocals;
		l->var = pg_add_local(s->p, l->name, nlocals);
		s->p->vars[l->var].type = (enum ps_vtype)l->type;
	}
	return l->var;
}

static int global_var(struct sema *s, struct gsym *g)
{
	if (g->var >= 0)
		return g->var;
	g->var = pg_add_var(s->p, g->name, PG_SC_GLOBAL);
	struct pg_var *v = &s->p->vars[g->var];
	v->type = g->type == T_STAT ? PS_V_NONE : (enum ps_vtype)g->type;
	v->stat = g->type == T_STAT;
	v->nkeys = g->nkeys > 0 ? g->nkeys : 0;
	for (int i = 0; i < v->nkeys; i++)
		v->keys[i] = (enum ps_vtype)g->keys[i];
	v->maxentries = g->decl ? g->decl->size : 0;
	v->keep_zero = true;
	if (g->decl) {
		v->line = g->decl->tok->line;
		v->col = g->decl->tok->col;
		v->file = node_file(s, g->decl->tok);
	}
	return g->var;
}

/* An array's keys: their count and types learnt, their nodes made. */
static void keys(struct sema *s, struct gsym *g, const struct stp_node *n, int nk,
		 struct pg_node *out)
{
	if (nk > PG_MAX_KEYS)
		fail(s, n->kids[PG_MAX_KEYS]->tok, "too many array keys (at most %d)", PG_MAX_KEYS);
	if (g->nkeys < 0) {
		g->nkeys = nk;
		s->changed = true;
	}
	if (g->nkeys != nk && s->emit) {
		if (g->nkeys == 0)
			fail(s, n->tok, "invalid use of scalar '%s' as an array", g->name);
		fail(s, n->tok, "inconsistent arity (%d vs %d)", g->nkeys, nk);
	}
	for (int i = 0; i < nk; i++) {
		struct val k = expr(s, n->kids[i]);
		learn(s, &g->keys[i], NULL, k.t, n->kids[i]->tok);
		if (s->emit) {
			if (k.t == T_NONE)
				fail(s, n->kids[i]->tok, "unresolved type");
			if (k.t != g->keys[i])
				fail(s, n->kids[i]->tok, "type mismatch (%s vs. %s)", tname(g->keys[i]), tname(k.t));
			out->kids[i] = k.n;
		}
	}
}

/* A variable as an lvalue or rvalue: scalar local/global, or an array element. */
static struct val var(struct sema *s, const struct stp_node *n, bool write, bool read)
{
	struct val v = { T_NONE, NULL };
	struct ref r = lookup(s, n->s, n->tok, !n->nkids);
	if (n->nkids) {
		if (!r.g) {
			if (s->emit)
				fail(s, n->tok, "unresolved arity-%d global array %s, missing global declaration?",
				     n->nkids, n->s);
			return v;
		}
	}
	if (r.l) {
		v.t = r.l->type;
		if (s->emit) {
			if (v.t == T_NONE)
				fail(s, n->tok, "unresolved type");
			v.n = mk(s, PG_E_VAR, v.t, 0, n->tok);
			v.n->op = local_var(s, r.l);
		}
		return v;
	}
	struct gsym *g = r.g;
	g->read |= read;
	g->written |= write;
	if (!n->nkids && g->nkeys < 0 && (read || write)) {
		g->nkeys = 0;
		s->changed = true;
	}
	if (s->emit && !n->nkids && g->nkeys > 0)
		fail(s, n->tok, "unresolved arity-0 reference to array %s (it has %d keys)", g->name, g->nkeys);
	v.t = g->type;
	if (s->emit) {
		if (v.t == T_NONE)
			fail(s, n->tok, "unresolved type");
		v.n = mk(s, PG_E_VAR, v.t, n->nkids, n->tok);
		v.n->op = global_var(s, g);
	}
	if (n->nkids)
		keys(s, g, n, n->nkids, v.n);
	return v;
}

/* The variable node of N learning type T (an assignment's target). */
static struct val target_var(struct sema *s, const struct stp_node *n, int t, bool read,
			     const struct stp_token *at)
{
	struct ref r = lookup(s, n->s, n->tok, !n->nkids);
	if (r.l)
		learn(s, &r.l->type, &r.l->first, t, at);
	else if (r.g)
		learn(s, &r.g->type, &r.g->first, t, at);
	return var(s, n, true, read);
}

/* A built-in function the program calls (-p2 lists it under "# functions", as stap lists the
 * tapset functions a script pulls in). */
static void use_lib(struct sema *s, const char *name)
{
	for (int i = 0; i < s->nlibused; i++)
		if (!strcmp(s->libused[i], name))
			return;
	if (s->nlibused < (int)(sizeof(s->libused) / sizeof(s->libused[0])))
		s->libused[s->nlibused++] = name;
}

static const struct { const char *name; int b; int t; } ctxfns[] = {
	{ "pid", PG_B_PID, T_INT }, { "tid", PG_B_TID, T_INT }, { "ppid", PG_B_PPID, T_INT },
	{ "uid", PG_B_UID, T_INT }, { "cpu", PG_B_CPU, T_INT }, { "execname", PG_B_EXECNAME, T_STR },
	{ "gettimeofday_s", PG_B_GTOD_S, T_INT }, { "gettimeofday_ms", PG_B_GTOD_MS, T_INT },
	{ "gettimeofday_us", PG_B_GTOD_US, T_INT }, { "gettimeofday_ns", PG_B_GTOD_NS, T_INT },
	{ "local_clock_ns", PG_B_LOCAL_CLOCK_NS, T_INT }, { "get_cycles", PG_B_CYCLES, T_INT },
	{ "pp", PG_B_PP, T_STR }, { "pn", PG_B_PN, T_STR }, { "target", PG_B_TARGET, T_INT },
};

static const struct { const char *name; enum pg_func f; int minargs, maxargs; } libfns[] = {
	{ "user_string", PG_F_COPYSTR, 1, 1 }, { "user_string_n", PG_F_COPYSTR, 2, 2 },
	{ "user_string_warn", PG_F_COPYSTR_WARN, 1, 1 },
	{ "user_char", PG_F_USER_S8, 1, 1 }, { "user_int8", PG_F_USER_S8, 1, 1 },
	{ "user_uint8", PG_F_USER_U8, 1, 1 }, { "user_short", PG_F_USER_S16, 1, 1 },
	{ "user_int16", PG_F_USER_S16, 1, 1 }, { "user_ushort", PG_F_USER_U16, 1, 1 },
	{ "user_uint16", PG_F_USER_U16, 1, 1 }, { "user_int", PG_F_USER_S32, 1, 1 },
	{ "user_int32", PG_F_USER_S32, 1, 1 }, { "user_uint32", PG_F_USER_U32, 1, 1 },
	{ "user_long", PG_F_USER_S64, 1, 1 }, { "user_ulong", PG_F_USER_S64, 1, 1 },
	{ "user_int64", PG_F_USER_S64, 1, 1 }, { "user_uint64", PG_F_USER_S64, 1, 1 },
	{ "ubacktrace", PG_F_UBACKTRACE, 0, 0 },
	{ "sprint_ubacktrace", PG_F_SPRINT_UBACKTRACE, 0, 0 },
	{ "print_ubacktrace", PG_F_PRINT_UBACKTRACE, 0, 0 },
	{ "usymname", PG_F_USYMNAME, 1, 1 }, { "usymdata", PG_F_USYMDATA, 1, 1 }, { "strlen", PG_F_STRLEN, 1, 1 },
	{ "substr", PG_F_SUBSTR, 3, 3 }, { "isinstr", PG_F_ISINSTR, 2, 2 },
	{ "tokenize", PG_F_TOKENIZE, 2, 2 }, { "str_replace", PG_F_STR_REPLACE, 3, 3 },
	{ "text_str", PG_F_TEXT_STR, 1, 1 }, { "stringat", PG_F_STRINGAT, 2, 2 },
	{ "ctime", PG_F_CTIME, 1, 1 }, { "error", PG_F_ERROR, 1, 1 },
	{ "switch_file", PG_F_SWITCH_FILE, 0, 0 },
	{ "thread_indent", PG_F_THREAD_INDENT, 1, 1 },
	{ "ansi_clear_screen", PG_F_ANSI_CLEAR, 0, 0 }, { "ansi_set_color", PG_F_ANSI_COLOR, 1, 1 },
	{ "ansi_set_color2", PG_F_ANSI_COLOR, 2, 2 }, { "ansi_set_color3", PG_F_ANSI_COLOR, 3, 3 },
	{ "ansi_reset_color", PG_F_ANSI_RESET, 0, 0 }, { "ansi_cursor_move", PG_F_ANSI_CURSOR_XY, 2, 2 },
	{ "ansi_cursor_hide", PG_F_ANSI_CURSOR_HIDE, 0, 0 },
	{ "ansi_cursor_show", PG_F_ANSI_CURSOR_SHOW, 0, 0 },
	{ "ansi_cursor_save", PG_F_ANSI_CURSOR_SAVE, 0, 0 },
	{ "ansi_cursor_restore", PG_F_ANSI_CURSOR_RESTORE, 0, 0 },
	{ "ansi_new_line", PG_F_ANSI_NEW_LINE, 0, 0 },
	{ "pybacktrace", PG_F_PYBACKTRACE, 0, 0 },
	{ "print_pybacktrace", PG_F_PRINT_PYBACKTRACE, 0, 0 },
};

static const char *const printfns[] = {
	"printf", "sprintf", "print", "println", "printd", "printdln", "sprint", "sprintln", "exit",
};

static const char *const memfns[] = {
	"kernel_string", "kernel_long", "kernel_int", "user_buffer_quoted",
};

static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	int d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

static void similar(struct sema *s, const char *name, char *buf, size_t len)
{
	size_t k = 0;
	int shown = 0;
	buf[0] = 0;
#define OFFER(cand) do { \
		if (shown < 5 && distance(name, cand) <= 2 && k + 1 < len) { \
			k += (size_t)snprintf(buf + k, len - k, "%s%s", shown ? ", " : "", cand); \
			shown++; \
		} } while (0)
	for (size_t i = 0; i < sizeof(ctxfns) / sizeof(ctxfns[0]); i++)
		OFFER(ctxfns[i].name);
	for (size_t i = 0; i < sizeof(libfns) / sizeof(libfns[0]); i++)
		OFFER(libfns[i].name);
	for (size_t i = 0; i < sizeof(printfns) / sizeof(printfns[0]); i++)
		OFFER(printfns[i]);
	for (int i = 0; i < s->nfn; i++)
		OFFER(s->fn[i].fn->name);
#undef OFFER
}

static struct fmt *format(struct sema *s, const struct stp_node *n, const char *fn)
{
	if (n->kind != STP_N_STR)
		fail(s, n->tok, "%s wants a literal string as its format", fn);
	if (!s->emit)
		return NULL;
	struct fmt_error err;
	struct fmt *f = fmt_compile_dialect(n->s, FMT_STAP, &err);
	if (!f)
		fail(s, n->tok, "invalid format string: %s", err.msg);
	pg_own_fmt(s->p, f);
	return f;
}

/* printf / sprintf: the format, then one argument per conversion, of its type. */
static struct pg_node *formatted(struct sema *s, const struct stp_node *n, enum pg_kind k)
{
	if (n->nkids < 1)
		fail(s, n->tok, "Wrong number of args to formatted print operator");
	struct fmt *f = format(s, n->kids[0], n->s);
	int na = n->nkids - 1;
	if (na > PG_MAX_CALL_ARGS)
		fail(s, n->kids[PG_MAX_CALL_ARGS + 1]->tok, "too many arguments to %s (at most %d)", n->s,
		     PG_MAX_CALL_ARGS);
	struct pg_node *out = mk(s, k, k == PG_E_SPRINTF ? T_STR : T_NONE, na, n->tok);
	if (s->emit) {
		out->fmt = f;
		if (fmt_nargs(f) != na)
			fail(s, n->tok, "Wrong number of args to formatted print operator");
	}
	for (int i = 0; i < na; i++) {
		struct val v = expr(s, n->kids[i + 1]);
		if (!s->emit)
			continue;
		if (v.t == T_NONE)
			fail(s, n->kids[i + 1]->tok, "unresolved type");
		if ((int)fmt_argtype(f, i) != v.t)
			fail(s, n->kids[i + 1]->tok, "type mismatch (%s vs. %s)", tname((int)fmt_argtype(f, i)),
			     tname(v.t));
		int prec, ch = fmt_argmem(f, i, &prec);
		if ((ch == 'm' || ch == 'M') && !bind_addr_known(v.n))
			fail(s, n->kids[i + 1]->tok, "%%%c: the address is computed in user space after the "
			     "hit, and the kernel reads memory at the hit: use $argN, $argN plus a "
			     "constant, or user_long() of one", ch);
		out->kids[i] = v.n;
	}
	return out;
}


static struct pg_node *stat_var(struct sema *s, const struct stp_node *v, bool add)
{
	if (v->kind != STP_N_VAR)
		fail(s, v->tok, "expected a statistic variable");
	struct ref r = lookup(s, v->s, v->tok, !add);
	if (!r.g) {
		if (add || s->emit)
			fail(s, v->tok, "statistics (<<<) need a global variable: declare 'global %s'", v->s);
		return NULL;
	}
	learn(s, &r.g->type, &r.g->first, T_STAT, v->tok);
	if (s->emit && r.g->type != T_STAT)
		fail(s, v->tok, "type mismatch (%s vs. stats)", tname(r.g->type));
	return var(s, v, add, !add).n;
}

static int64_t const_int(struct sema *s, const struct stp_node *n)
{
	if (n->kind == STP_N_NUM)
		return n->n;
	fail(s, n->tok, "expected a literal number");
}

static struct pg_node *hist(struct sema *s, const struct stp_node *st, int ln)
{
	bool lin = !strcmp(st->s, "hist_linear");
	if (st->nkids != (lin ? 4 : 1))
		fail(s, st->tok, "@%s takes %d argument%s", st->s, lin ? 4 : 1, lin ? "s" : "");
	struct pg_node *vn = stat_var(s, st->kids[0], false);
	struct pg_node *h = mk(s, PG_S_HIST, T_NONE, 1, st->tok);
	if (!s->emit)
		return NULL;
	h->op = lin ? PG_HIST_LINEAR : PG_HIST_LOG;
	h->kids[0] = vn;
	h->i = ln;
	struct pg_var *pv = &s->p->vars[vn->op];
	struct pg_statdef d = { lin ? PG_HIST_LINEAR : PG_HIST_LOG, 0, 0, 0 };
	if (lin) {
		d.lo = const_int(s, st->kids[1]);
		d.hi = const_int(s, st->kids[2]);
		d.step = const_int(s, st->kids[3]);
		if (d.step <= 0 || d.hi <= d.lo)
			fail(s, st->tok, "@hist_linear wants lo < hi and a positive step");
		if ((d.hi - d.lo) / d.step > 1000)
			fail(s, st->tok, "@hist_linear: too many buckets (at most 1000)");
	}
	if (pv->statdef.hist != PG_HIST_NONE && memcmp(&pv->statdef, &d, sizeof(d)))
		fail(s, st->tok, "a statistic has one histogram: %s already has another", pv->name);
	pv->statdef = d;
	return h;
}

/* print, println, printd, printdln (statements) and sprint, sprintln (expressions). */
static struct pg_node *prints(struct sema *s, const struct stp_node *n, bool expr_form)
{
	bool ln = strstr(n->s, "ln") != NULL, d = !strncmp(n->s, "printd", 6);
	int first = d ? 1 : 0;
	if (n->nkids < first + 1)
		fail(s, n->tok, "%s wants at least %d argument%s", n->s, first + 1, first ? "s" : "");
	if (!expr_form && !d && n->nkids == 1 && n->kids[0]->kind == STP_N_STAT &&
	    !strncmp(n->kids[0]->s, "hist_", 5))
		return hist(s, n->kids[0], ln);
	struct pg_node *o = mk(s, expr_form ? PG_E_SPRINT : PG_S_PRINT, expr_form ? T_STR : T_NONE,
			       n->nkids - first, n->tok);
	if (d && n->kids[0]->kind != STP_N_STR)
		fail(s, n->kids[0]->tok, "%s wants a literal string as its delimiter", n->s);
	for (int i = first; i < n->nkids; i++) {
		struct val v = expr(s, n->kids[i]);
		if (s->emit) {
			if (v.t != T_INT && v.t != T_STR)
				fail(s, n->kids[i]->tok, "unresolved type");
			o->kids[i - first] = v.n;
		}
	}
	if (s->emit) {
		o->op = ln ? PG_PR_LN : 0;
		o->s = d ? pg_strdup(s->p, n->kids[0]->s) : NULL;
	}
	return o;
}

static struct val call(struct sema *s, const struct stp_node *n, bool as_stmt, struct pg_node **st)
{
	struct val v = { T_NONE, NULL };
	const char *name = n->s;
	/* the script's and the tapsets' functions first: they may redefine the library's */
	bool arity = false;
	struct fsym *f = find_func(s, name, n->nkids, &arity);
	if (f) {
		if (!f->used) {
			f->used = true;
			s->changed = true;
			s->used[f->file] = true;
		}
		v.n = mk(s, PG_E_UCALL, f->ret, n->nkids, n->tok);
		for (int i = 0; i < n->nkids; i++) {
			struct val a = expr(s, n->kids[i]);
			struct lsym *pl = &f->fr.v[i];   /* parameters are the frame's first locals */
			learn(s, &pl->type, &pl->first, a.t, n->kids[i]->tok);
			if (s->emit) {
				if (a.t != pl->type)
					fail(s, n->kids[i]->tok, "type mismatch (%s vs. %s)", tname(pl->type),
					     tname(a.t));
				v.n->kids[i] = a.n;
			}
		}
		v.t = f->ret;
		if (s->emit) {
			v.n->op = f->idx;
			if (f->ret == T_NONE) {
				if (!as_stmt)
					fail(s, n->tok, "function '%s' returns no value", name);
				v.n->type = PS_V_INT;
			}
		}
		return v;
	}
	for (size_t i = 0; i < sizeof(ctxfns) / sizeof(ctxfns[0]); i++)
		if (!strcmp(ctxfns[i].name, name)) {
			if (n->nkids)
				fail(s, n->tok, "wrong number of arguments to function '%s' (it takes none, not %d)",
				     name, n->nkids);
			v.t = ctxfns[i].t;
			use_lib(s, ctxfns[i].name);
			v.n = mk(s, PG_E_BUILTIN, v.t, 0, n->tok);
			if (v.n)
				v.n->op = ctxfns[i].b;
			return v;
		}
	for (size_t i = 0; i < sizeof(memfns) / sizeof(memfns[0]); i++)
		if (!strcmp(memfns[i], name))
			fail(s, n->tok, "%s: pyscope reads only the markers' arguments, not arbitrary user memory",
			     name);
	if (!strcmp(name, "printf") || !strcmp(name, "sprintf")) {
		bool e = name[0] == 's';
		if (!e && !as_stmt)
			fail(s, n->tok, "printf returns no value (sprintf does)");
		struct pg_node *o = formatted(s, n, e ? PG_E_SPRINTF : PG_S_PRINTF);
		if (e)
			return (struct val){ T_STR, o };
		*st = o;
		return v;
	}
	if (!strcmp(name, "print") || !strcmp(name, "println") || !strcmp(name, "printd") ||
	    !strcmp(name, "printdln")) {
		if (!as_stmt)
			fail(s, n->tok, "%s returns no value", name);
		*st = prints(s, n, false);
		return v;
	}
	if (!strcmp(name, "sprint") || !strcmp(name, "sprintln"))
		return (struct val){ T_STR, prints(s, n, true) };
	if (!strcmp(name, "exit")) {
		if (n->nkids)
			fail(s, n->tok, "wrong number of arguments to function 'exit' (it takes none, not %d)",
			     n->nkids);
		if (!as_stmt)
			fail(s, n->tok, "exit returns no value");
		use_lib(s, "exit");
		*st = mk(s, PG_S_EXIT, T_NONE, 1, n->tok);
		if (*st) {
			(*st)->kids[0] = mk(s, PG_E_INT, T_INT, 0, n->tok);
		}
		return v;
	}
	for (size_t i = 0; i < sizeof(libfns) / sizeof(libfns[0]); i++) {
		if (strcmp(libfns[i].name, name))
			continue;
		if (n->nkids < libfns[i].minargs || n->nkids > libfns[i].maxargs)
			fail(s, n->tok, "wrong number of arguments to function '%s' (it takes %d, not %d)", name,
			     libfns[i].minargs, n->nkids);
		const struct pg_funcsig *sig = &pg_funcs[libfns[i].f];
		use_lib(s, libfns[i].name);
		v.t = sig->ret == PS_V_NONE ? T_NONE : (int)sig->ret;
		if (v.t == T_NONE && !as_stmt)
			fail(s, n->tok, "function '%s' returns no value", name);
		v.n = mk(s, PG_E_CALL, v.t == T_NONE ? T_INT : v.t, n->nkids, n->tok);
		for (int k = 0; k < n->nkids; k++) {
			int at = k < 3 ? (int)sig->args[k] : T_INT;
			if (libfns[i].f == PG_F_COPYSTR && k == 1)
				at = T_INT;
			struct val a = want(s, n->kids[k], at);
			if (k == 0 && a.n && pg_memfn(libfns[i].f, NULL) && !bind_addr_known(a.n))
				fail(s, n->kids[0]->tok, "%s: the address is computed in user space after "
				     "the hit, and the kernel reads memory at the hit: use $argN, $argN "
				     "plus a constant, or user_long() of one", name);
			if (s->emit)
				v.n->kids[k] = a.n;
		}
		if (s->emit)
			v.n->op = libfns[i].f;   /* what capture copies: bind_capture (bind.c) */
		if (as_stmt && s->emit) {
			*st = mk(s, PG_S_EXPR, T_NONE, 1, n->tok);
			(*st)->kids[0] = v.n;
		}
		return v;
	}
	if (arity)
		fail(s, n->tok, "wrong number of arguments to function '%s' (no definition takes %d)", name,
		     n->nkids);
	char sim[256];
	similar(s, name, sim, sizeof(sim));
	if (sim[0])
		fail(s, n->tok, "unresolved function (similar: %s)", sim);
	fail(s, n->tok, "unresolved function");
}

static const struct { const char *op; int pg; } binops[] = {
	{ "+", PG_OP_ADD }, { "-", PG_OP_SUB }, { "*", PG_OP_MUL }, { "/", PG_OP_DIV },
	{ "%", PG_OP_MOD }, { "&", PG_OP_BAND }, { "|", PG_OP_BOR }, { "^", PG_OP_BXOR },
	{ "<<", PG_OP_SHL }, { ">>", PG_OP_SHR }, { "==", PG_OP_EQ }, { "!=", PG_OP_NE },
	{ "<", PG_OP_LT }, { "<=", PG_OP_LE }, { ">", PG_OP_GT }, { ">=", PG_OP_GE },
	{ "&&", PG_OP_LAND }, { "||", PG_OP_LOR }, { ".", PG_OP_CONCAT },
	{ "+=", PG_OP_ADD }, { "-=", PG_OP_SUB }, { "*=", PG_OP_MUL }, { "/=", PG_OP_DIV },
	{ "%=", PG_OP_MOD }, { "&=", PG_OP_BAND }, { "|=", PG_OP_BOR }, { "^=", PG_OP_BXOR },
	{ "<<=", PG_OP_SHL }, { ">>=", PG_OP_SHR }, { ".=", PG_OP_CONCAT }, { "=", PG_OP_NONE },
};

static int binop(const char *op)
{
	for (size_t i = 0; i < sizeof(binops) / sizeof(binops[0]); i++)
		if (!strcmp(binops[i].op, op))
			return binops[i].pg;
	return -1;
}

/* @defined(X), known at compile time: a $argN every point of the handler has. */
static int defined(struct sema *s, const struct stp_node *x)
{
	if (x->kind != STP_N_TARGET)
		return 1;
	if (!s->cur || s->curfn)
		return 0;
	const char *t = x->s;
	if (!strncmp(t, "$arg", 4) && t[4] >= '1' && t[4] <= '9') {
		long k = strtol(t + 4, NULL, 10);
		for (int i = 0; i < s->cur->npts; i++) {
			const struct rpoint *p = &s->cur->pts[i];
			if (p->d.kind != PG_PD_MARKER)
				return 0;
			for (int j = 0; j < p->nprobes; j++)
				if (p->probes[j]->nargs < k && (p->probes[j]->nargs || !s->o->replay))
					return 0;
		}
		return 1;
	}
	return !strcmp(t, "$$parms") || !strcmp(t, "$$vars") ? 1 : 0;
}

/* A condition known at compile time (@defined, or ! of one): 1 or 0; -1 when not known. */
static int static_cond(struct sema *s, const struct stp_node *c)
{
	if (c->kind == STP_N_DEFINED)
		return defined(s, c->kids[0]);
	if (c->kind == STP_N_UNARY && !strcmp(c->op, "!")) {
		int v = static_cond(s, c->kids[0]);
		return v < 0 ? -1 : !v;
	}
	return -1;
}

/* $argN, $$parms, $$vars: a marker's arguments. */
static struct val target(struct sema *s, const struct stp_node *n)
{
	struct val v = { T_INT, NULL };
	const char *t = n->s;
	if (!s->cur || s->curfn)
		fail(s, n->tok, "target variables ($...) can only be used in probe handlers");
	int maxargs = PS_MAX_ARGS;
	for (int i = 0; i < s->cur->npts; i++) {
		const struct rpoint *p = &s->cur->pts[i];
		if (p->d.kind != PG_PD_MARKER)
			fail(s, n->tok, "probe point does not support target variables (%s)", p->d.text);
		for (int j = 0; j < p->nprobes; j++)
			if (p->probes[j]->nargs < maxargs && (p->probes[j]->nargs || !s->o->replay))
				maxargs = p->probes[j]->nargs;   /* a recording without "nargs" says nothing */
	}
	if (!strncmp(t, "$arg", 4) && t[4] >= '1' && t[4] <= '9') {
		char *end;
		long k = strtol(t + 4, &end, 10);
		if (*end)
			goto unknown;
		if (k > maxargs && s->o->markers)
			fail(s, n->tok, "invalid argument number (the marker has %d argument%s: $arg1..$arg%d)",
			     maxargs, maxargs == 1 ? "" : "s", maxargs);
		v.n = mk(s, PG_E_ARG, T_INT, 0, n->tok);
		if (v.n)
			v.n->i = k - 1;
		return v;
	}
	if (!strcmp(t, "$$parms") || !strcmp(t, "$$vars") || !strcmp(t, "$$locals")) {
		v.t = T_STR;
		if (!s->emit)
			return v;
		char fmtbuf[256] = "";
		size_t k = 0;
		int na = !strcmp(t, "$$locals") ? 0 : maxargs;
		if (!s->o->markers)
			na = 0;
		for (int i = 0; i < na; i++)
			k += (size_t)snprintf(fmtbuf + k, sizeof(fmtbuf) - k, "%sarg%d=%%#x", i ? " " : "", i + 1);
		struct fmt_error err;
		struct fmt *f = fmt_compile_dialect(fmtbuf, FMT_STAP, &err);
		if (!f)
			fail(s, n->tok, "cannot build %s: %s", t, err.msg);
		pg_own_fmt(s->p, f);
		v.n = mk(s, PG_E_SPRINTF, T_STR, na, n->tok);
		v.n->fmt = f;
		for (int i = 0; i < na; i++) {
			v.n->kids[i] = mk(s, PG_E_ARG, T_INT, 0, n->tok);
			v.n->kids[i]->i = i;
		}
		return v;
	}
unknown:
	fail(s, n->tok, "unable to find target variable '%s' (a marker has $arg1..$argN, $$parms and "
	     "$$vars)", t);
}

static struct val expr(struct sema *s, const struct stp_node *n)
{
	struct val v = { T_NONE, NULL };
	if (++s->depth > STP_MAX_DEPTH)
		fail(s, n->tok, "nesting too deep (at most %d levels)", STP_MAX_DEPTH);
	switch (n->kind) {
	case STP_N_NUM:
		v.t = T_INT;
		if ((v.n = mk(s, PG_E_INT, T_INT, 0, n->tok)))
			v.n->i = n->n;
		break;
	case STP_N_STR:
		v.t = T_STR;
		if ((v.n = mk(s, PG_E_STR, T_STR, 0, n->tok)))
			v.n->s = pg_strdup(s->p, n->s);
		break;
	case STP_N_ARGV: {
		if (n->n < 1 || n->n > s->o->argc)
			fail(s, n->tok, "command line argument index %lld out of range [1-%d]", (long long)n->n,
			     s->o->argc);
		const char *a = s->o->argv[n->n - 1];
		if (n->op[0] == '@') {
			v.t = T_STR;
			if ((v.n = mk(s, PG_E_STR, T_STR, 0, n->tok)))
				v.n->s = pg_strdup(s->p, a);
		} else {
			char *end;
			errno = 0;
			long long x = strtoll(a, &end, 0);
			if (!*a || *end || errno)
				fail(s, n->tok, "command line argument $%lld ('%s') is not a number; use @%lld for a "
				     "string", (long long)n->n, a, (long long)n->n);
			v.t = T_INT;
			if ((v.n = mk(s, PG_E_INT, T_INT, 0, n->tok)))
				v.n->i = x;
		}
		break;
	}
	case STP_N_ARGC:
		v.t = T_INT;
		if ((v.n = mk(s, PG_E_INT, T_INT, 0, n->tok)))
			v.n->i = s->o->argc;
		break;
	case STP_N_VAR:
		if (n->nkids == 0) {
			struct ref r = lookup(s, n->s, n->tok, false);
			if (!r.l && !r.g) {
				if (s->emit)
					fail(s, n->tok, "unresolved type");
				break;
			}
			if (r.g && r.g->type == T_STAT && s->emit)
				fail(s, n->tok, "a statistic is read with @count, @sum, @min, @max, @avg, @variance or "
				     "@hist_*: '%s'", n->s);
		}
		v = var(s, n, false, true);
		break;
	case STP_N_TARGET:
		v = target(s, n);
		break;
	case STP_N_DEFINED:
		v.t = T_INT;
		if ((v.n = mk(s, PG_E_INT, T_INT, 0, n->tok)))
			v.n->i = defined(s, n->kids[0]);
		break;
	case STP_N_CALL: {
		struct pg_node *st = NULL;
		v = call(s, n, false, &st);
		break;
	}
	case STP_N_STAT: {
		static const struct { const char *name; int op; } stops[] = {
			{ "count", PG_ST_COUNT }, { "sum", PG_ST_SUM }, { "min", PG_ST_MIN },
			{ "max", PG_ST_MAX }, { "avg", PG_ST_AVG }, { "variance", PG_ST_VARIANCE },
		};
		size_t k = 0;
		while (k < sizeof(stops) / sizeof(stops[0]) && strcmp(stops[k].name, n->s))
			k++;
		if (k == sizeof(stops) / sizeof(stops[0]))
			fail(s, n->tok, "@%s is printed with print(@%s(...)), not used as a value", n->s, n->s);
		if (n->nkids != 1)
			fail(s, n->tok, "@%s takes one argument", n->s);
		struct pg_node *sv = stat_var(s, n->kids[0], false);
		v.t = T_INT;
		if ((v.n = mk(s, PG_E_STAT, T_INT, 1, n->tok))) {
			v.n->op = stops[k].op;
			v.n->kids[0] = sv;
		}
		break;
	}
	case STP_N_UNARY: {
		struct val a = want(s, n->kids[0], T_INT);
		v.t = T_INT;
		if ((v.n = mk(s, PG_E_UNARY, T_INT, 1, n->tok))) {
			v.n->op = !strcmp(n->op, "-") ? PG_OP_NEG : !strcmp(n->op, "+") ? PG_OP_PLUS :
				  !strcmp(n->op, "!") ? PG_OP_NOT : PG_OP_BNOT;
			v.n->kids[0] = a.n;
		}
		break;
	}
	case STP_N_BINARY: {
		if (!strcmp(n->op, "=~") || !strcmp(n->op, "!~"))
			fail(s, n->tok, "regular expression matching (%s) is not supported by pyscope", n->op);
		int op = binop(n->op);
		struct val a = expr(s, n->kids[0]), b = expr(s, n->kids[1]);
		bool cmp = op >= PG_OP_EQ && op <= PG_OP_GE;
		int t = op == PG_OP_CONCAT ? T_STR : cmp ? (a.t != T_NONE ? a.t : b.t) : T_INT;
		if (s->emit) {
			if (a.t == T_NONE)
				fail(s, n->kids[0]->tok, "unresolved type");
			if (b.t == T_NONE)
				fail(s, n->kids[1]->tok, "unresolved type");
			if (a.t != t)
				fail(s, n->kids[0]->tok, "type mismatch (%s vs. %s)", tname(t), tname(a.t));
			if (b.t != t)
				fail(s, n->kids[1]->tok, "type mismatch (%s vs. %s)", tname(t), tname(b.t));
		}
		v.t = op == PG_OP_CONCAT ? T_STR : T_INT;
		if ((v.n = mk(s, PG_E_BINARY, v.t, 2, n->tok))) {
			v.n->op = op;
			v.n->kids[0] = a.n;
			v.n->kids[1] = b.n;
		}
		break;
	}
	case STP_N_COND: {
		int sc = static_cond(s, n->kids[0]);
		if (sc >= 0) {
			v = expr(s, n->kids[sc ? 1 : 2]);
			break;
		}
		struct val c = want(s, n->kids[0], T_INT);
		struct val a = expr(s, n->kids[1]), b = expr(s, n->kids[2]);
		v.t = a.t != T_NONE ? a.t : b.t;
		if (s->emit && (a.t != v.t || b.t != v.t))
			fail(s, n->tok, "type mismatch (%s vs. %s)", tname(a.t), tname(b.t));
		if ((v.n = mk(s, PG_E_COND, v.t, 3, n->tok))) {
			v.n->kids[0] = c.n;
			v.n->kids[1] = a.n;
			v.n->kids[2] = b.n;
		}
		break;
	}
	case STP_N_ASSIGN: {
		if (!strcmp(n->op, "<<<"))
			fail(s, n->tok, "'<<<' is a statement: it has no value");
		int op = binop(n->op);
		struct val r = expr(s, n->kids[1]);
		int t = op == PG_OP_CONCAT ? T_STR : op == PG_OP_NONE ? r.t : T_INT;
		struct val l = target_var(s, n->kids[0], t, op != PG_OP_NONE, n->tok);
		if (s->emit) {
			if (r.t == T_NONE)
				fail(s, n->kids[1]->tok, "unresolved type");
			if (l.t != r.t || (op != PG_OP_NONE && op != PG_OP_CONCAT && l.t != T_INT) ||
			    (op == PG_OP_CONCAT && l.t != T_STR))
				fail(s, n->tok, "type mismatch (%s vs. %s)", tname(l.t), tname(r.t));
		}
		v.t = l.t;
		if ((v.n = mk(s, PG_E_ASSIGN, v.t, 2, n->tok))) {
			v.n->op = op;
			v.n->kids[0] = l.n;
			v.n->kids[1] = r.n;
		}
		break;
	}
	case STP_N_INCDEC: {
		struct val l = target_var(s, n->kids[0], T_INT, true, n->tok);
		if (s->emit && l.t != T_INT)
			fail(s, n->tok, "type mismatch (long vs. %s)", tname(l.t));
		v.t = T_INT;
		if ((v.n = mk(s, PG_E_INCDEC, T_INT, 1, n->tok))) {
			v.n->i = !strcmp(n->op, "++") ? 1 : -1;
			v.n->op = (int)n->n;
			v.n->kids[0] = l.n;
		}
		break;
	}
	case STP_N_IN: {
		const struct stp_node *arr = n->kids[n->nkids - 1];
		struct ref r = lookup(s, arr->s, arr->tok, false);
		if (!r.g) {
			if (s->emit)
				fail(s, arr->tok, "unresolved arity-%d global array %s, missing global declaration?",
				     n->nkids - 1, arr->s);
			v.t = T_INT;
			break;
		}
		r.g->read = true;
		v.t = T_INT;
		struct pg_node *vn = mk(s, PG_E_VAR, r.g->type, n->nkids - 1, arr->tok);
		if (vn)
			vn->op = global_var(s, r.g);
		keys(s, r.g, n, n->nkids - 1, vn);
		if ((v.n = mk(s, PG_E_IN, T_INT, 1, n->tok)))
			v.n->kids[0] = vn;
		break;
	}
	default:
		fail(s, n->tok, "not an expression");
	}
	s->depth--;
	return v;
}

/* ---- statements ---- */

static struct pg_node *block_of(struct sema *s, const struct stp_node *n)
{
	struct pg_node *b = mk(s, PG_S_BLOCK, T_NONE, n->nkids, n->tok);
	int k = 0;
	for (int i = 0; i < n->nkids; i++) {
		struct pg_node *c = stmt(s, n->kids[i]);
		if (b && c)
			b->kids[k++] = c;
	}
	if (b)
		b->nkids = k;
	return b;
}

static struct pg_node *sub(struct sema *s, const struct stp_node *n)
{
	struct pg_node *c = n ? stmt(s, n) : NULL;
	if (!c && s->emit)
		c = mk(s, PG_S_BLOCK, T_NONE, 0, n ? n->tok : NULL);
	return c;
}

static struct pg_node *foreach_stmt(struct sema *s, const struct stp_node *n)
{
	const struct stp_foreach *fe = n->fe;
	struct ref r = lookup(s, fe->array, fe->array_tok, false);
	if (!r.g)
		fail(s, fe->array_tok, "unresolved global array %s, missing global declaration?", fe->array);
	struct gsym *g = r.g;
	g->read = true;
	if (g->nkeys < 0) {
		g->nkeys = fe->nkeys;
		s->changed = true;
	}
	if (g->nkeys != fe->nkeys)
		fail(s, fe->array_tok, "inconsistent array arity: %s has %d key%s, foreach names %d", g->name,
		     g->nkeys, g->nkeys == 1 ? "" : "s", fe->nkeys);
	struct pg_foreach *pf = s->emit ? pg_alloc(s->p, sizeof(*pf)) : NULL;
	int keyvars[PG_MAX_KEYS];
	for (int i = 0; i < fe->nkeys; i++) {
		struct lsym *l = find_local(s->fr, fe->keys[i]);
		if (!l) {
			if (find_global(s, fe->keys[i], false))
				fail(s, n->tok, "foreach key '%s' must be a local, not a global", fe->keys[i]);
			l = add_local(s, s->fr, fe->keys[i], n->tok);
		}
		learn(s, &l->type, &l->first, g->keys[i], n->tok);
		if (s->emit) {
			if (l->type != g->keys[i])
				fail(s, n->tok, "type mismatch (%s vs. %s)", tname(l->type), tname(g->keys[i]));
			keyvars[i] = local_var(s, l);
		}
	}
	int valvar = -1;
	if (fe->value) {
		struct lsym *l = find_local(s->fr, fe->value);
		if (!l)
			l = add_local(s, s->fr, fe->value, n->tok);
		learn(s, &l->type, &l->first, g->type == T_STAT ? T_INT : g->type, n->tok);
		if (s->emit)
			valvar = local_var(s, l);
	}
	struct val lim = { T_NONE, NULL };
	if (n->kids[1])
		lim = want(s, n->kids[1], T_INT);
	s->loops++;
	struct pg_node *body = sub(s, n->kids[0]);
	s->loops--;
	if (!s->emit)
		return NULL;
	if (g->type == T_NONE)
		fail(s, fe->array_tok, "unresolved type");
	pf->arr = global_var(s, g);
	pf->nkeys = fe->nkeys;
	memcpy(pf->keyvars, keyvars, sizeof(int) * (size_t)fe->nkeys);
	pf->valvar = valvar;
	pf->sort = fe->sort_dir > 0 ? PG_SORT_ASC : fe->sort_dir < 0 ? PG_SORT_DESC : PG_SORT_NONE;
	pf->sort_key = fe->sort_key;
	pf->sort_stat = PG_ST_COUNT;
	pf->limit = lim.n;
	pf->body = body;
	struct pg_node *o = mk(s, PG_S_FOREACH, T_NONE, 0, n->tok);
	o->fe = pf;
	return o;
}

static struct pg_node *stmt(struct sema *s, const struct stp_node *n)
{
	struct pg_node *o = NULL;
	if (++s->depth > STP_MAX_DEPTH)
		fail(s, n->tok, "nesting too deep (at most %d levels)", STP_MAX_DEPTH);
	switch (n->kind) {
	case STP_S_BLOCK:
		o = block_of(s, n);
		break;
	case STP_S_NULL:
		break;
	case STP_S_EXPR: {
		const struct stp_node *e = n->kids[0];
		if (e->kind == STP_N_ASSIGN && !strcmp(e->op, "<<<")) {
			struct pg_node *sv = stat_var(s, e->kids[0], true);
			struct val v = want(s, e->kids[1], T_INT);
			if ((o = mk(s, PG_S_STATADD, T_NONE, 2, e->tok))) {
				o->kids[0] = sv;
				o->kids[1] = v.n;
			}
			break;
		}
		if (e->kind == STP_N_CALL) {
			struct pg_node *st = NULL;
			struct val v = call(s, e, true, &st);
			if (st || !s->emit) {
				o = st;
				break;
			}
			o = mk(s, PG_S_EXPR, T_NONE, 1, e->tok);
			o->kids[0] = v.n;
			break;
		}
		struct val v = expr(s, e);
		if ((o = mk(s, PG_S_EXPR, T_NONE, 1, e->tok)))
			o->kids[0] = v.n;
		break;
	}
	case STP_S_IF: {
		int sc = static_cond(s, n->kids[0]);
		if (sc >= 0) {
			o = n->kids[sc ? 1 : 2] ? stmt(s, n->kids[sc ? 1 : 2]) : NULL;
			break;
		}
		struct val c = want(s, n->kids[0], T_INT);
		struct pg_node *a = sub(s, n->kids[1]);
		struct pg_node *b = n->kids[2] ? sub(s, n->kids[2]) : NULL;
		if ((o = mk(s, PG_S_IF, T_NONE, 3, n->tok))) {
			o->kids[0] = c.n;
			o->kids[1] = a;
			o->kids[2] = b;
		}
		break;
	}
	case STP_S_WHILE: {
		struct val c = want(s, n->kids[0], T_INT);
		s->loops++;
		struct pg_node *b = sub(s, n->kids[1]);
		s->loops--;
		if ((o = mk(s, PG_S_WHILE, T_NONE, 2, n->tok))) {
			o->kids[0] = c.n;
			o->kids[1] = b;
		}
		break;
	}
	case STP_S_FOR: {
		struct pg_node *init = NULL, *step = NULL;
		struct val c = { T_NONE, NULL };
		if (n->kids[0]) {
			struct val v = expr(s, n->kids[0]);
			if ((init = mk(s, PG_S_EXPR, T_NONE, 1, n->kids[0]->tok)))
				init->kids[0] = v.n;
		}
		if (n->kids[1])
			c = want(s, n->kids[1], T_INT);
		if (n->kids[2]) {
			struct val v = expr(s, n->kids[2]);
			if ((step = mk(s, PG_S_EXPR, T_NONE, 1, n->kids[2]->tok)))
				step->kids[0] = v.n;
		}
		s->loops++;
		struct pg_node *b = sub(s, n->kids[3]);
		s->loops--;
		if ((o = mk(s, PG_S_FOR, T_NONE, 4, n->tok))) {
			o->kids[0] = init;
			o->kids[1] = c.n;
			o->kids[2] = step;
			o->kids[3] = b;
		}
		break;
	}
	case STP_S_FOREACH:
		o = foreach_stmt(s, n);
		break;
	case STP_S_DELETE: {
		const struct stp_node *v = n->kids[0];
		struct ref r = lookup(s, v->s, v->tok, false);
		if (!r.l && !r.g)
			fail(s, v->tok, "unresolved type");
		struct val x = { T_NONE, NULL };
		if (r.g && !v->nkids && r.g->nkeys > 0) {
			/* the whole array */
			if ((x.n = mk(s, PG_E_VAR, r.g->type, 0, v->tok)))
				x.n->op = global_var(s, r.g);
			r.g->written = true;
		} else {
			x = var(s, v, true, false);
		}
		if ((o = mk(s, PG_S_DELETE, T_NONE, 1, n->tok)))
			o->kids[0] = x.n;
		break;
	}
	case STP_S_NEXT:
		o = mk(s, PG_S_NEXT, T_NONE, 0, n->tok);
		break;
	case STP_S_BREAK:
	case STP_S_CONTINUE:
		if (!s->loops)
			fail(s, n->tok, "%s statement outside a loop", n->kind == STP_S_BREAK ? "break" : "continue");
		o = mk(s, n->kind == STP_S_BREAK ? PG_S_BREAK : PG_S_CONTINUE, T_NONE, 0, n->tok);
		break;
	case STP_S_RETURN: {
		if (!s->curfn)
			fail(s, n->tok, "return is only for functions (a probe handler ends with 'next')");
		struct fsym *f = s->curfn;
		if (!n->kids[0]) {
			if (s->emit && f->ret != T_NONE)
				fail(s, n->tok, "function '%s' must return a %s value", f->fn->name, tname(f->ret));
			o = mk(s, PG_S_RETURN, T_NONE, 0, n->tok);
			break;
		}
		struct val v = expr(s, n->kids[0]);
		learn(s, &f->ret, NULL, v.t, n->kids[0]->tok);
		if (s->emit && v.t != f->ret)
			fail(s, n->kids[0]->tok, "type mismatch (%s vs. %s)", tname(f->ret), tname(v.t));
		if ((o = mk(s, PG_S_RETURN, T_NONE, 1, n->tok)))
			o->kids[0] = v.n;
		break;
	}
	default:
		fail(s, n->tok, "not a statement");
	}
	s->depth--;
	return o;
}

/* ---- the driver ---- */

static void walk_all(struct sema *s)
{
	for (int i = 0; i < s->nh; i++) {
		struct handler *h = &s->h[i];
		s->cur = h;
		s->curfn = NULL;
		s->fr = &h->fr;
		s->loops = 0;
		struct pg_node *b = stmt(s, h->body);
		if (s->emit) {
			struct pg_clause *c = &s->p->clauses[h->clause];
			if (h->oneshot) {
				struct pg_node *x = mk(s, PG_S_EXIT, T_NONE, 1, h->body->tok);
				x->kids[0] = mk(s, PG_E_INT, T_INT, 0, h->body->tok);
				struct pg_node *nb = mk(s, PG_S_BLOCK, T_NONE, 2, h->body->tok);
				nb->kids[0] = b;
				nb->kids[1] = x;
				b = nb;
			}
			c->nstmts = b->nkids;
			c->stmts = b->kids;
		}
	}
	for (int i = 0; i < s->nfn; i++) {
		struct fsym *f = &s->fn[i];
		if (!f->used)
			continue;
		s->cur = NULL;
		s->curfn = f;
		s->fr = &f->fr;
		s->loops = 0;
		if (!f->body)
			f->body = elided(s, f->fn->body);
		struct pg_node *b = stmt(s, f->body);
		if (s->emit) {
			struct pg_ufunc *u = &s->p->funcs[f->idx];
			u->body = b;
			u->ret = f->ret == T_NONE ? PS_V_NONE : (enum ps_vtype)f->ret;
		}
	}
}

static void setup_function(struct sema *s, struct fsym *f)
{
	const struct stp_func *fn = f->fn;
	f->ret = fn->rettype == 1 ? T_INT : fn->rettype == 2 ? T_STR : T_NONE;
	for (int k = 0; k < fn->nparams; k++) {
		f->ptypes[k] = fn->ptypes[k] == 1 ? T_INT : fn->ptypes[k] == 2 ? T_STR : T_NONE;
		for (int j = 0; j < k; j++)
			if (!strcmp(fn->params[j], fn->params[k]))
				fail(s, fn->tok, "duplicate parameter '%s'", fn->params[k]);
		if (fn->nparams > PG_MAX_PARAMS)
			fail(s, fn->tok, "too many parameters (at most %d)", PG_MAX_PARAMS);
		add_local(s, &f->fr, fn->params[k], fn->tok)->type = f->ptypes[k];
	}
}

static void emit_vars(struct sema *s)
{
	/* parameters are their function's first locals, in order */
	for (int i = 0; i < s->nfn; i++) {
		struct fsym *f = &s->fn[i];
		if (!f->used)
			continue;
		f->idx = pg_add_func(s->p, f->fn->name);
		struct pg_ufunc *u = &s->p->funcs[f->idx];
		u->nparams = f->fn->nparams;
		u->line = f->fn->tok->line;
		u->col = f->fn->tok->col;
		u->file = node_file(s, f->fn->tok);
		f->fr.func = f->idx;
		f->fr.clause = -1;
		for (int k = 0; k < f->fn->nparams; k++) {
			struct lsym *l = &f->fr.v[k];
			if (l->type == T_NONE)
				fail(s, f->fn->tok, "unresolved type for parameter '%s' of function '%s'", l->name,
				     f->fn->name);
			s->fr = &f->fr;
			u->params[k] = local_var(s, l);
		}
	}
	for (int i = 0; i < s->nh; i++) {
		struct handler *h = &s->h[i];
		h->clause = pg_add_clause(s->p);
		struct pg_clause *c = &s->p->clauses[h->clause];
		h->fr.clause = h->clause;
		h->fr.func = -1;
		c->npdescs = h->npts;
		c->pdescs = pg_alloc(s->p, sizeof(c->pdescs[0]) * (size_t)h->npts);
		for (int k = 0; k < h->npts; k++)
			c->pdescs[k] = h->pts[k].d;
		/* -L lists an alias with the locals its handler keeps (stap's printscript:
		 * vardecl::printsig, "name:type"), in the order they appear */
		char loc[1024];
		size_t n = 0;
		loc[0] = 0;
		for (int k = 0; k < h->fr.n && n < sizeof(loc); k++)
			if (h->fr.v[k].type != T_NONE)
				n += (size_t)snprintf(loc + n, sizeof(loc) - n, "%s%s:%s", n ? " " : "",
						      h->fr.v[k].name, tname(h->fr.v[k].type));
		for (int k = 0; k < h->npts && loc[0]; k++)
			if (c->pdescs[k].pn)
				c->pdescs[k].locals = pg_strdup(s->p, loc);
	}
	for (int i = 0; i < s->ng; i++) {
		struct gsym *g = &s->g[i];
		if (!g->read && !g->written && !(g->decl && g->decl->init))
			continue;
		if (g->type == T_NONE)
			fail(s, g->decl ? g->decl->tok : NULL, "unresolved type");
		int v = global_var(s, g);
		struct pg_var *pv = &s->p->vars[v];
		if (g->decl && g->decl->init) {
			struct pg_node *in = mk(s, g->type == T_STR ? PG_E_STR : PG_E_INT, g->type, 0,
						g->decl->init->tok);
			in->i = g->decl->init->n;
			in->s = g->type == T_STR ? pg_strdup(s->p, g->decl->init->s) : NULL;
			pv->init = in;
		}
	}
}

/* ---- -p2 ---- */

const char *const stp_lib_sigs[] = {
	"cpu:long ()", "ctime:string (epochsecs:long)", "error (msg:string)",
	"execname:string ()", "exit ()", "get_cycles:long ()", "gettimeofday_ms:long ()",
	"gettimeofday_ns:long ()", "gettimeofday_s:long ()", "gettimeofday_us:long ()",
	"isinstr:long (s1:string, s2:string)", "local_clock_ns:long ()", "pid:long ()",
	"pn:string ()", "pp:string ()", "ppid:long ()", "print (...)", "printd (delim:string, ...)",
	"printdln (delim:string, ...)", "printf (fmt:string, ...)", "println (...)",
	"sprint:string (...)", "sprintf:string (fmt:string, ...)", "sprintln:string (...)",
	"str_replace:string (prnt_str:string, srch_str:string, rplc_str:string)",
	"stringat:long (str:string, pos:long)", "strlen:long (s:string)",
	"substr:string (str:string, start:long, length:long)", "switch_file ()", "target:long ()",
	"text_str:string (input:string)", "thread_indent:string (delta:long)", "tid:long ()",
	"tokenize:string (input:string, delim:string)", "uid:long ()",
	"user_string:string (addr:long)", "user_string_n:string (addr:long, n:long)",
	"user_string_warn:string (addr:long)",
	"user_char:long (addr:long)", "user_int8:long (addr:long)", "user_uint8:long (addr:long)",
	"user_short:long (addr:long)", "user_int16:long (addr:long)", "user_ushort:long (addr:long)",
	"user_uint16:long (addr:long)", "user_int:long (addr:long)", "user_int32:long (addr:long)",
	"user_uint32:long (addr:long)", "user_long:long (addr:long)", "user_ulong:long (addr:long)",
	"user_int64:long (addr:long)", "user_uint64:long (addr:long)",
	"ubacktrace:string ()", "sprint_ubacktrace:string ()", "print_ubacktrace ()",
	"usymname:string (addr:long)", "usymdata:string (addr:long)",
	"ansi_clear_screen ()", "ansi_cursor_hide ()",
	"ansi_cursor_move (x:long, y:long)", "ansi_cursor_restore ()", "ansi_cursor_save ()",
	"ansi_cursor_show ()", "ansi_new_line ()", "ansi_reset_color ()",
	"ansi_set_color (fg:long)", "ansi_set_color2 (fg:long, bg:long)",
	"ansi_set_color3 (fg:long, bg:long, attr:long)",
	"print_pybacktrace ()", "pybacktrace:string ()",
	NULL,
};

/* What stap's tapsets put behind some built-ins: the script-level functions (their locals, the
 * functions they call) and the globals they keep, as -p2 lists them with the script's own. The
 * indent chain is tapset/indent.stp's (thread_indent -> _generic_indent ->
 * _generic_indent_depth, __indent_timestamp -> gettimeofday_us); the context functions (tid,
 * execname, ...) are embedded C there: a signature, no locals. */
static const struct {
	const char *name, *sig, *locals, *calls, *globals;
} p2_tapset[] = {
	{ "thread_indent", NULL, NULL, "_generic_indent tid execname", NULL },
	{ "_generic_indent", "_generic_indent:string (idx:long, desc:string, delta:long)",
	  "ts:long depth:long", "__indent_timestamp _generic_indent_depth",
	  "_indent_counters _indent_timestamps" },
	{ "_generic_indent_depth", "_generic_indent_depth:long (idx:long, delta:long)", "x:long",
	  NULL, "_indent_counters" },
	{ "__indent_timestamp", "__indent_timestamp:long ()", NULL, "gettimeofday_us", NULL },
};

static int p2_tapset_find(const char *name)
{
	for (size_t i = 0; i < sizeof(p2_tapset) / sizeof(p2_tapset[0]); i++)
		if (!strcmp(p2_tapset[i].name, name))
			return (int)i;
	return -1;
}

/* NAME's signature as printsig prints it: the tapset's, typed ":unknown" when it returns
 * nothing (functiondecl::printsig prints the type it has). */
static void p2_lib_sig(FILE *f, const char *name)
{
	int t = p2_tapset_find(name);
	const char *sig = t >= 0 ? p2_tapset[t].sig : NULL;
	size_t len = strlen(name);
	for (int i = 0; !sig && stp_lib_sigs[i]; i++)
		if (!strncmp(stp_lib_sigs[i], name, len) &&
		    (stp_lib_sigs[i][len] == ':' || stp_lib_sigs[i][len] == ' '))
			sig = stp_lib_sigs[i];
	if (!sig) {
		fprintf(f, "%s:unknown ()\n", name);
		return;
	}
	if (sig[len] == ' ')
		fprintf(f, "%s:unknown%s\n", name, sig + len);
	else
		fprintf(f, "%s\n", sig);
	const char *l = t >= 0 ? p2_tapset[t].locals : NULL;
	if (l) {
		fputs("  # locals\n", f);
		for (const char *p = l; *p;) {
			size_t n = strcspn(p, " ");
			fprintf(f, "  %.*s\n", (int)n, p);
			p += n + (p[n] == ' ');
		}
	}
}

/* Every tapset function NAME calls, and the globals they keep, added to the lists (a closure:
 * thread_indent pulls in _generic_indent, which pulls in __indent_timestamp, ...). */
static void p2_closure(const char *name, const char **fns, int *nfns, int max, const char **gs,
		       int *ngs, int gmax)
{
	for (int i = 0; i < *nfns; i++)
		if (!strcmp(fns[i], name))
			return;
	if (*nfns == max)
		return;
	fns[(*nfns)++] = name;
	int t = p2_tapset_find(name);
	if (t < 0)
		return;
	static char words[sizeof(p2_tapset) / sizeof(p2_tapset[0])][2][128];
	const char *lists[2] = { p2_tapset[t].globals, p2_tapset[t].calls };
	for (int w = 0; w < 2; w++) {
		if (!lists[w])
			continue;
		snprintf(words[t][w], sizeof(words[t][w]), "%s", lists[w]);
		for (char *p = words[t][w]; *p;) {
			size_t n = strcspn(p, " ");
			bool more = p[n] == ' ';
			p[n] = 0;
			if (w == 1) {
				p2_closure(p, fns, nfns, max, gs, ngs, gmax);
			} else {
				bool seen = false;
				for (int k = 0; k < *ngs && !seen; k++)
					seen = !strcmp(gs[k], p);
				if (!seen && *ngs < gmax)
					gs[(*ngs)++] = p;
			}
			p += n + more;
		}
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* exp_type as stap prints it (staptree.cxx operator<<). */
static const char *p2_type(int t)
{
	return t == T_INT ? "long" : t == T_STR ? "string" : t == T_STAT ? "stat" : "unknown";
}

/* A frame's locals from FIRST on, as printscript lists them: "  # locals", then vardecl::printsig
 * ("name:type") each; locals never typed were elided, as stap's optimizer drops them. */
static void p2_locals(FILE *f, const struct frame *fr, int first)
{
	bool any = false;
	for (int k = first; k < fr->n; k++) {
		if (fr->v[k].type == T_NONE)
			continue;
		if (!any)
			fputs("  # locals\n", f);
		any = true;
		fprintf(f, "  %s:%s\n", fr->v[k].name, p2_type(fr->v[k].type));
	}
}

static int cmp_fsym_name(const void *a, const void *b)
{
	return strcmp((*(const struct fsym *const *)a)->fn->name, (*(const struct fsym *const *)b)->fn->name);
}

/* main.cxx printscript: the globals kept (vardecl::printsig: name[N]:type [key types]), the
 * functions used by name (a std::map; functiondecl::printsig: name:type (arg:type, ...)), then
 * one derived probe per resolved point with the handler's locals. A derived probe's signature
 * is its point, then its derivation chain in a comment (derived_probe::printsig_nested): here
 * the point as written and, through an alias, the alias the script named. A marker point with a
 * wildcard is one probe per mark it matched, by the mark's own name, as stap derives them. */
static void build_pass2(struct sema *s)
{
	size_t len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		perror("pyscope: out of memory");
		exit(70);
	}
	bool any = false;
	for (int i = 0; i < s->ng; i++) {
		const struct gsym *g = &s->g[i];
		if (!g->read && !g->written && !(g->decl && g->decl->init))
			continue;
		if (!any)
			fputs("# globals\n", f);
		any = true;
		fputs(g->name, f);
		if (g->decl && g->decl->size > 0)
			fprintf(f, "[%lld]", (long long)g->decl->size);
		fprintf(f, ":%s", p2_type(g->type));
		for (int k = 0; k < g->nkeys; k++)
			fprintf(f, "%s%s", k ? ", " : " [", p2_type(g->keys[k]));
		fputs(g->nkeys > 0 ? "]\n" : "\n", f);
	}
	/* the tapset functions the program calls, and the globals those keep (after the script's,
	 * as stap adds a tapset's globals when it pulls the tapset in) */
	const char *lib[96], *tg[8];
	int nlib = 0, ntg = 0;
	for (int i = 0; i < s->nlibused; i++)
		p2_closure(s->libused[i], lib, &nlib, 96, tg, &ntg, 8);
	for (int i = 0; i < ntg; i++) {
		if (!any)
			fputs("# globals\n", f);
		any = true;
		fprintf(f, "%s:long [long]\n", tg[i]);
	}
	const struct fsym **fs = xalloc(s, sizeof(fs[0]) * (size_t)(s->nfn + 1));
	int nfs = 0;
	for (int i = 0; i < s->nfn; i++)
		if (s->fn[i].used)
			fs[nfs++] = &s->fn[i];
	qsort(fs, (size_t)nfs, sizeof(fs[0]), cmp_fsym_name);
	qsort(lib, (size_t)nlib, sizeof(lib[0]), cmp_str);
	if (nfs || nlib)
		fputs("# functions\n", f);
	/* one std::map by name: the script's and the tapsets' functions interleaved */
	for (int i = 0, j = 0; i < nfs || j < nlib;) {
		if (j < nlib && (i == nfs || strcmp(lib[j], fs[i]->fn->name) < 0)) {
			p2_lib_sig(f, lib[j++]);
			continue;
		}
		const struct fsym *fn = fs[i++];
		fprintf(f, "%s:%s (", fn->fn->name, p2_type(fn->ret));
		for (int k = 0; k < fn->fn->nparams; k++)
			fprintf(f, "%s%s:%s", k ? ", " : "", fn->fn->params[k], p2_type(fn->fr.v[k].type));
		fputs(")\n", f);
		p2_locals(f, &fn->fr, fn->fn->nparams);
	}
	any = false;
	for (int i = 0; i < s->nh; i++) {
		const struct handler *h = &s->h[i];
		for (int k = 0; k < h->npts; k++) {
			const struct rpoint *pt = &h->pts[k];
			char chain[4096];
			snprintf(chain, sizeof(chain), " /*%s */", pt->chain ? pt->chain : "");
			bool each = pt->nprobes > 0 && !strncmp(pt->d.text, "process(\"", 9);
			int n = each ? pt->nprobes : 1;
			for (int j = 0; j < n; j++) {
				const char *name = NULL;
				if (each) {
					name = pt->probes[j]->name;
					bool seen = false;
					for (int m = 0; m < j && !seen; m++)
						seen = !strcmp(pt->probes[m]->name, name);
					if (seen)
						continue;
				}
				if (!any)
					fputs("# probes\n", f);
				any = true;
				if (!name) {
					fputs(pt->d.text, f);
				} else if (pt->d.pp_lib) {
					fprintf(f, "%s.mark(\"%s\")", pt->d.pp_lib, name);
				} else {
					/* process("EXE").mark("as written") -> the mark's own name */
					const char *m = strstr(pt->d.text, ").mark(\"");
					fprintf(f, "%.*s).mark(\"%s\")", m ? (int)(m - pt->d.text) : 0, pt->d.text, name);
				}
				fprintf(f, "%s\n", chain);
				p2_locals(f, &h->fr, 0);
			}
		}
	}
	fclose(f);
	s->info->pass2 = buf;
}

/* Every -G names a global of the script. */
static void check_globals_set(struct sema *s)
{
	for (int i = 0; i < s->o->nglobals_set; i++) {
		const char *a = s->o->globals_set[i], *eq = strchr(a, '=');
		size_t len = eq ? (size_t)(eq - a) : strlen(a);
		bool found = false;
		for (int k = 0; k < s->ng && !found; k++)
			found = s->g[k].file == 0 && strlen(s->g[k].name) == len && !strncmp(s->g[k].name, a, len);
		if (!found) {
			fprintf(stderr, "semantic error: -G %s: no global '%.*s' in the script\n", a, (int)len, a);
			fprintf(stderr, "\nPass 2: analysis failed.  [man error::pass2]\n");
			longjmp(s->fail, 1);
		}
	}
}

/* -G NAME=VALUE: a global's starting value, typed as the script uses it. */
static void set_globals(struct sema *s)
{
	for (int i = 0; i < s->o->nglobals_set; i++) {
		const char *a = s->o->globals_set[i], *eq = strchr(a, '=');
		size_t len = eq ? (size_t)(eq - a) : strlen(a);
		struct gsym *g = NULL;
		for (int k = 0; k < s->ng && !g; k++)
			if (strlen(s->g[k].name) == len && !strncmp(s->g[k].name, a, len))
				g = &s->g[k];
		if (!g || !eq || g->file != 0) {
			fprintf(stderr, "semantic error: -G %s: no global '%.*s' in the script\n", a, (int)len, a);
			fprintf(stderr, "\nPass 2: analysis failed.  [man error::pass2]\n");
			longjmp(s->fail, 1);
		}
		int t = g->type;
		if (t == T_NONE) {
			char *end;
			strtoll(eq + 1, &end, 0);
			t = eq[1] && !*end ? T_INT : T_STR;
			g->type = t;
		}
		if (g->var < 0) {
			g->nkeys = 0;
			global_var(s, g);
		}
		struct pg_var *pv = &s->p->vars[g->var];
		struct pg_node *in = pg_node(s->p, t == T_STR ? PG_E_STR : PG_E_INT, (enum ps_vtype)t, 0);
		if (t == T_STR) {
			in->s = pg_strdup(s->p, eq + 1);
		} else {
			char *end;
			errno = 0;
			in->i = strtoll(eq + 1, &end, 0);
			if (!eq[1] || *end || errno) {
				fprintf(stderr, "semantic error: -G %s: '%s' is a number (a long) in the script\n", a,
					g->name);
				fprintf(stderr, "\nPass 2: analysis failed.  [man error::pass2]\n");
				longjmp(s->fail, 1);
			}
		}
		pv->init = in;
	}
}

void stp_info_free(struct stp_info *i)
{
	for (int k = 0; k < i->nbinaries; k++)
		free(i->binaries[k]);
	free(i->pass2);
	memset(i, 0, sizeof(*i));
}

static void sema_free(struct sema *s)
{
	for (int i = 0; i < s->nh; i++) {
		free(s->h[i].pts);
		free(s->h[i].fr.v);
	}
	for (int i = 0; i < s->nfn; i++)
		free(s->fn[i].fr.v);
	free(s->h);
	free(s->g);
	free(s->fn);
	free(s->files);
	free(s->used);
	free(s->done);
}

int stp_elaborate(struct stp_file *main, struct stp_file *const *tapsets, int ntapsets,
		  const struct stp_sema_opts *o, struct pg_prog *p, struct stp_info *info)
{
	struct sema s = { .o = o, .p = p, .info = info };
	s.nfiles = ntapsets + 1;
	s.files = calloc((size_t)s.nfiles, sizeof(s.files[0]));
	s.used = calloc((size_t)s.nfiles, sizeof(s.used[0]));
	s.done = calloc((size_t)s.nfiles, sizeof(bool));
	bool *done = s.done;
	if (!s.files || !s.used || !done) {
		perror("pyscope: out of memory");
		exit(70);
	}
	s.files[0] = main;
	for (int i = 0; i < ntapsets; i++)
		s.files[i + 1] = tapsets[i];
	s.used[0] = true;
	if (setjmp(s.fail)) {
		sema_free(&s);
		return -EINVAL;
	}
	/* every function is a candidate; calling one uses its file */
	int nf = 0;
	for (int i = 0; i < s.nfiles; i++)
		nf += s.files[i]->nfuncs;
	s.fn = calloc((size_t)nf + 1, sizeof(s.fn[0]));
	for (int i = 0; i < s.nfiles; i++)
		for (int k = 0; k < s.files[i]->nfuncs; k++) {
			struct fsym *f = &s.fn[s.nfn++];
			f->fn = &s.files[i]->funcs[k];
			f->file = i;
			if (i == 0)
				for (int j = 0; j < s.nfn - 1; j++)
					if (!strcmp(s.fn[j].fn->name, f->fn->name) &&
					    s.fn[j].fn->nparams == f->fn->nparams)
						fail(&s, f->fn->tok, "function '%s' defined twice", f->fn->name);
			setup_function(&s, f);
		}
	/* files used so far: their globals, their probes (a tapset's plain probes run too) */
	for (int round = 0; round < 100; round++) {
		bool more = false;
		for (int i = 0; i < s.nfiles; i++)
			if (s.used[i] && !done[i]) {
				done[i] = true;
				more = true;
				declare_globals(&s, i);
				int before = s.nh;
				resolve_probes(&s, i);
				for (int k = before; k < s.nh; k++)
					s.h[k].body = NULL;
			}
		for (int k = 0; k < s.nh; k++)
			if (!s.h[k].body)
				s.h[k].body = elided(&s, join_blocks(&s, s.h[k].blocks, s.h[k].nblocks));
		s.changed = false;
		walk_all(&s);
		for (int i = 0; i < s.nfiles; i++)
			more |= s.used[i] && !done[i];
		if (!more && !s.changed)
			break;
	}
	bool any_probe = false;
	for (int i = 0; i < main->nprobes; i++)
		any_probe |= !main->probes[i].alias;
	if (!any_probe) {
		fprintf(stderr, "semantic error: no probes found\n\nPass 2: analysis failed.  [man error::pass2]\n");
		sema_free(&s);
		return -EINVAL;
	}
	if (o->list_mode) {
		sema_free(&s);
		return 0;
	}
	s.emit = true;
	check_globals_set(&s);
	emit_vars(&s);
	walk_all(&s);
	set_globals(&s);
	build_pass2(&s);
	/* stap's end-of-run print-out: the script's globals written and never read */
	if (bind_unread_globals(p) < 0) {
		perror("pyscope: out of memory");
		exit(70);
	}
	sema_free(&s);
	return 0;
}

void stp_print_resolved(FILE *out, const struct stp_info *info)
{
	if (info->pass2)
		fputs(info->pass2, out);
}
