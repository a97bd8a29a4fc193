/*
 * stap.c — `pyscope stap` (also pyscope started as `stap`): SystemTap scripts as stap(1) runs
 * them, on the python markers of a command (-c), a process (-x), every process running the
 * executables the script names (neither), or a recorded stream (--replay FILE, no kernel needed).
 * The script and the tapsets it uses are parsed (stp_parse.c) and elaborated (stp_sema.c) into the
 * shared program before anything is attached; the shared runtime runs it on the shared capture,
 * exactly as `pyscope dtrace` does, with stap's words for what goes wrong.
 *
 *   pyscope stap [OPTIONS] SCRIPT [ARG...] | -e SCRIPT [ARG...] | -l PROBE | -L PROBE
 * (options may come after the script too, as stap takes them; "--" ends them)
 *
 * Tapsets: the -I directories (in order), then the built-in one (share/pyscope/tapset beside the
 * binary: ../share/pyscope/tapset from its directory); only those the script uses are resolved.
 *
 * Where it differs from stap, and why:
 *   - No kernel module is built: -p3 and -p4 have nothing to show, -k nothing to keep, -g (guru
 *     mode, embedded C) is refused.
 *   - With -c or -x, process("PATH"), process.mark and process(PID) points see the target's
 *     process hierarchy, as stap's do (its task finder and uprobe handler skip other
 *     processes): the target and the processes it forks, followed in the kernel, into the
 *     executable the script names when the target does not run it itself (a shell, a wrapper);
 *     a script naming two executables follows the target's own only. The markers are
 *     attached for every process running the executable and filtered in the kernel, so other
 *     processes running it trap on every marker while the session runs (an unrelated
 *     python3.11 calling a function in a loop: 0.10 s -> 2.9 s for 2M calls); stap's task
 *     finder raises the semaphores in the target's tree only. So -x does that only when PID
 *     does not run the script's executable itself; else it traces PID alone (pid-attached,
 *     no cost to other processes), missing the children PID starts during the session.
 *   - $argN are 64-bit numbers; user memory (user_string, user_long, ...) is read by the kernel
 *     at the hit, so its address must be one the kernel computes there ($argN, plus a
 *     constant, or user_long() of one; else a semantic error); print_ubacktrace() follows frame
 *     pointers.
 *   - timer.profile and timer.jiffies take a jiffy as 4 ms (HZ=250); the error probe runs
 *     instead of the end probes when a fault ended the run, as stap's does.
 *   - -L lists an alias's locals as its handler keeps them (stap's -L keeps every local too,
 *     but a local whose assignment @defined removed has no type here and is left out).
 *   - -p2 prints stap's "# globals / # functions / # probes" layout, the tapset functions the
 *     script calls (and those they call: thread_indent's indent.stp chain, with its locals and
 *     globals) among the functions, each probe's derivation chain as printsig_nested prints it
 *     (the script probe's points; through an alias, "NAME = POINT, ..." first). A marker probe
 *     is named by its resolved point (process("EXE").mark("NAME")) with that chain, where stap
 *     names the uprobe it derives, process("EXE").statement(0xPC) with a "pc=.dynamic+0xPC"
 *     comment, and its chain stops at that statement (tapsets.cxx: dwarf_derived_probe::
 *     printsig, sdt_query::convert_location); a recording knows no marker addresses.
 */
#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "bind.h"
#include "capture.h"
#include "kagg.h"
#include "commands.h"
#include "prog.h"
#include "pythons.h"
#include "replay.h"
#include "rt.h"
#include "sdt.h"
#include "session.h"
#include "source.h"
#include "stop.h"
#include "stp_lex.h"
#include "stp_parse.h"
#include "stp_sema.h"
#include "version.h"

/* stap's default MAXSTRINGLEN (bytes, NUL included): its runtime_defines.h has 256 where
 * BITS_PER_LONG is 32 and 512 otherwise (PR10486: strings hold backtraces). The language
 * reference's "128" is from before that change. */
#define STAP_MAXSTRINGLEN ((int)(sizeof(long) == 4 ? 256 : 512))
#define STAP_MAX_TAPSET_FILES 1000
#define STAP_MAX_INCLUDES 32

struct opts {
	const char *script_file;     /* NULL with -e */
	const char *script_text;     /* -e */
	const char *command;         /* -c */
	pid_t pid;                   /* -x */
	const char *includes[STAP_MAX_INCLUDES];
	int nincludes;
	const char *outfile;
	char **globals;              /* -G */
	int nglobals;
	int64_t timeout_s;           /* -T */
	int pass;                    /* -p N (0: run) */
	const char *list;            /* -l / -L PROBE */
	bool list_args;              /* -L */
	bool dump_functions, unoptimized, verbose;
	const char *replay;
	int strsize;
	int64_t maxmapentries, maxaction;
	int maxnesting;
	char **argv;                 /* $1.. */
	int argc;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pyscope stap [-c CMD | -x PID | --replay FILE] [-I DIR]... [-o FILE] [-G NAME=VALUE]...\n"
		"                    [-D NAME=VALUE]... [-T SECS] [-p N] [-u] [-v] SCRIPT [ARG...]\n"
		"       pyscope stap [OPTIONS] -e 'SCRIPT' [ARG...]\n"
		"       pyscope stap [-c CMD | -x PID] [-I DIR]... -l PROBE | -L PROBE\n"
		"       pyscope stap [-I DIR]... --dump-functions\n"
		"\n"
		"Run a SystemTap script on the python markers, as stap(1) does.\n"
		"  SCRIPT         the script file ('-': standard input); ARGs are $1/@1, $2/@2...\n"
		"  -e SCRIPT      the script on the command line\n"
		"  -c CMD         run CMD (split into words) and trace it and the processes it starts;\n"
		"                 target() is its pid; the run ends when it exits\n"
		"  -x PID         trace process PID; target() is PID\n"
		"  --replay FILE  run on a recorded stream (pyscope events --json)\n"
		"  -I DIR         look for tapsets in DIR too (before the built-in tapset)\n"
		"  -o FILE        write the output to FILE\n"
		"  -G NAME=VALUE  set a global variable of the script\n"
		"  -D NAME=VALUE  MAXSTRINGLEN, MAXMAPENTRIES, MAXACTION, MAXNESTING\n"
		"  -T SECS        end the run after SECS seconds\n"
		"  -p N           stop after pass N: 1 parse, 2 elaborate (prints the resolved probes)\n"
		"  -l PROBE       list the probe points PROBE matches\n"
		"  -L PROBE       the same, with their $arg variables\n"
		"  -u             unoptimized: keep assignments to locals nobody reads\n"
		"  -v             say which probes were resolved (on stderr)\n"
		"  -k             accepted (pyscope keeps no temporary files)\n"
		"  -g             refused: pyscope has no guru mode (embedded C)\n"
		"  --dump-functions  the functions scripts can call\n"
		"Without -c, -x or --replay, every process running the executables the script names is\n"
		"traced. Ctrl-C ends the run (end probes run).\n");
}

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "pyscope: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return -EINVAL;
}

static int parse_D(struct opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq)
		return bad("-D wants NAME=VALUE, not '%s'", arg);
	char *end;
	errno = 0;
	long long v = strtoll(eq + 1, &end, 0);
	size_t n = (size_t)(eq - arg);
	bool num = eq[1] && !*end && !errno && v > 0;
	if (n == 12 && !strncmp(arg, "MAXSTRINGLEN", n)) {
		/* stap's buffers are MAXSTRINGLEN bytes, NUL included, as pyscope's strsize */
		if (!num || v < PS_STRSIZE_MIN || v > PS_STRSIZE_MAX) {
			fprintf(stderr, "pyscope: -D MAXSTRINGLEN wants a number from %d to %d, not '%s'\n",
				PS_STRSIZE_MIN, PS_STRSIZE_MAX, eq + 1);
			return -EINVAL;
		}
		o->strsize = (int)v;
	} else if (n == 13 && !strncmp(arg, "MAXMAPENTRIES", n)) {
		if (!num || v > 100000000)
			return bad("-D MAXMAPENTRIES wants a number from 1 to 100000000, not '%s'", eq + 1);
		o->maxmapentries = v;
	} else if (n == 9 && !strncmp(arg, "MAXACTION", n)) {
		if (!num)
			return bad("-D MAXACTION wants a positive number, not '%s'", eq + 1);
		o->maxaction = v;
	} else if (n == 10 && !strncmp(arg, "MAXNESTING", n)) {
		if (!num || v > 1000)
			return bad("-D MAXNESTING wants a number from 1 to 1000, not '%s'", eq + 1);
		o->maxnesting = (int)v;
	}
	/* other names are C macros for stap's module: nothing to set here */
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "replay", required_argument, NULL, 'R' },
		{ "dump-functions", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	o->globals = calloc((size_t)argc, sizeof(char *));
	if (!o->globals)
		return -ENOMEM;
	while ((c = getopt_long(argc, argv, "c:x:e:I:o:G:T:D:p:l:L:uvkgh", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'c': o->command = optarg; break;
		case 'e': o->script_text = optarg; break;
		case 'o': o->outfile = optarg; break;
		case 'R': o->replay = optarg; break;
		case 'F': o->dump_functions = true; break;
		case 'u': o->unoptimized = true; break;
		case 'v': o->verbose = true; break;
		case 'k': break;
		case 'G':
			if (!strchr(optarg, '='))
				return bad("-G wants NAME=VALUE, not '%s'", optarg);
			o->globals[o->nglobals++] = optarg;
			break;
		case 'g':
			fprintf(stderr, "pyscope: -g (guru mode) is refused: pyscope runs no embedded C\n");
			return -EINVAL;
		case 'I':
			if (o->nincludes == STAP_MAX_INCLUDES) {
				fprintf(stderr, "pyscope: too many -I directories (at most %d)\n", STAP_MAX_INCLUDES);
				return -EINVAL;
			}
			o->includes[o->nincludes++] = optarg;
			break;
		case 'x': {
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || errno || v > INT32_MAX)
				return bad("-x wants a process id, not '%s'", optarg);
			o->pid = (pid_t)v;
			break;
		}
		case 'T': {
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || errno || v > 365L * 86400)
				return bad("-T wants seconds from 1 to 31536000, not '%s'", optarg);
			o->timeout_s = v;
			break;
		}
		case 'D':
			if (parse_D(o, optarg) < 0)
				return -EINVAL;
			break;
		case 'p':
			if (!strchr("12345", optarg[0]) || optarg[1])
				return bad("-p wants a pass from 1 to 5, not '%s'", optarg);
			o->pass = optarg[0] - '0';
			break;
		case 'l':
		case 'L':
			o->list = optarg;
			o->list_args = c == 'L';
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
	if (!o->script_text && !o->list && !o->dump_functions) {
		if (optind >= argc) {
			fprintf(stderr, "pyscope: stap needs a script: SCRIPT, -e 'SCRIPT', -l PROBE or "
				"--dump-functions\n");
			usage(stderr);
			return -EINVAL;
		}
		o->script_file = argv[optind++];
	}
	o->argv = argv + optind;
	o->argc = argc - optind;
	if (o->command && (o->pid || o->replay))
		return bad("-c cannot be combined with %s", o->replay ? "--replay" : "-x");
	if (o->pid && o->replay)
		return bad("%s", "-x cannot be combined with --replay");
	return 0;
}

/* A script or tapset's text, or NULL after saying why (source_read's refusals, or a NUL byte). */
static char *read_text(const char *path)
{
	size_t len;
	char *s = source_read(path, STP_MAX_SOURCE, &len);
	if (s && memchr(s, 0, len)) {
		fprintf(stderr, "pyscope: cannot read %s: it holds a NUL byte (a script is text)\n", path);
		free(s);
		return NULL;
	}
	return s;
}

/* ---- sources: the script and the tapsets ---- */

struct unit {
	struct stp_src src;
	struct stp_toks toks;
	struct stp_file file;
};

struct units {
	struct unit **v;
	int n;
};

static void units_free(struct units *u)
{
	for (int i = 0; i < u->n; i++) {
		stp_file_free(&u->v[i]->file);
		stp_toks_free(&u->v[i]->toks);
		free(u->v[i]->src.name);
		free(u->v[i]->src.text);
		free(u->v[i]);
	}
	free(u->v);
	u->v = NULL;
	u->n = 0;
}

static int add_unit(struct units *u, const char *name, char *text, const struct stp_ppenv *env)
{
	struct unit *x = calloc(1, sizeof(*x));
	struct unit **v = realloc(u->v, sizeof(u->v[0]) * (size_t)(u->n + 1));
	if (!x || !v) {
		perror("pyscope: out of memory");
		exit(70);
	}
	u->v = v;
	u->v[u->n++] = x;
	x->src.name = strdup(name);
	x->src.text = text;
	if (stp_lex(&x->src, &x->toks) < 0 || stp_parse(&x->toks, &x->src, env, &x->file) < 0)
		return -EINVAL;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A tapset of that file name is already loaded from an earlier directory (stap: an -I directory's
 * python.stp shadows the built-in python.stp). */
static bool shadowed(const struct units *u, const char *name)
{
	for (int i = 1; i < u->n; i++) {
		const char *b = strrchr(u->v[i]->src.name, '/');
		if (!strcmp(b ? b + 1 : u->v[i]->src.name, name))
			return true;
	}
	return false;
}

/* Every .stp file of DIR (sorted), parsed into U. A missing built-in directory is no error. */
static int add_tapset_dir(struct units *u, const char *dir, bool must_exist, const struct stp_ppenv *env)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (!must_exist)
			return 0;
		fprintf(stderr, "pyscope: cannot read tapset directory %s: %s\n", dir, strerror(errno));
		return -EINVAL;
	}
	char **names = NULL;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".stp") || shadowed(u, e->d_name))
			continue;
		if (n == STAP_MAX_TAPSET_FILES) {
			fprintf(stderr, "pyscope: too many tapsets in %s (at most %d)\n", dir,
				STAP_MAX_TAPSET_FILES);
			break;
		}
		char **t = realloc(names, sizeof(names[0]) * (size_t)(n + 1));
		if (!t)
			exit(70);
		names = t;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, (size_t)n, sizeof(names[0]), cmp_names);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		char *text = rc ? NULL : read_text(path);
		if (!rc && (!text || add_unit(u, path, text, env) < 0))
			rc = -EINVAL;
		free(names[i]);
	}
	free(names);
	return rc;
}

/* ---- markers: read from the binary (before the capture), then the capture's or recording's ---- */

struct markers {
	/* read from the ELF notes */
	struct mfile {
		char *exe;
		struct ps_probe *store;
		const struct ps_probe **ptrs;
		char **strs;
		int n, nstrs;
	} files[16];
	int nfiles;
	/* the session's (capture or replay), when there is one */
	const struct ps_probe *const *probes;
	int nprobes;
	bool replay;
	const struct ps_probe **out;
};

static char *keep(struct mfile *m, const char *s)
{
	char **t = realloc(m->strs, sizeof(m->strs[0]) * (size_t)(m->nstrs + 1));
	if (!t)
		exit(70);
	m->strs = t;
	return m->strs[m->nstrs++] = strdup(s ? s : "-");
}

static int markers_cb(const char *exe, const struct ps_probe *const **probes, void *ctx)
{
	struct markers *mk = ctx;
	if (mk->replay) {
		/* a recording is of one Python: every one of its probes, wherever it ran */
		*probes = mk->probes;
		return mk->nprobes;
	}
	char obj[PATH_MAX], real[PATH_MAX];
	struct sdt_file *sdt = NULL;
	int has = pys_markers(exe, obj, sizeof(obj), &sdt);
	if (mk->probes) {
		free(mk->out);
		mk->out = calloc((size_t)mk->nprobes + 1, sizeof(mk->out[0]));
		int n = 0;
		if (has > 0 && realpath(obj, real))
			for (int i = 0; i < mk->nprobes; i++) {
				char pr[PATH_MAX];
				const char *pp = mk->probes[i]->path;
				if (pp && (!strcmp(pp, obj) || !strcmp(pp, real) ||
					   (realpath(pp, pr) && !strcmp(pr, real))))
					mk->out[n++] = mk->probes[i];
			}
		sdt_free(sdt);
		*probes = mk->out;
		return n;
	}
	for (int i = 0; i < mk->nfiles; i++)
		if (!strcmp(mk->files[i].exe, exe)) {
			sdt_free(sdt);
			*probes = mk->files[i].ptrs;
			return mk->files[i].n;
		}
	if (mk->nfiles == 16) {
		sdt_free(sdt);
		return -1;
	}
	struct mfile *m = &mk->files[mk->nfiles++];
	memset(m, 0, sizeof(*m));
	m->exe = strdup(exe);
	int n = has > 0 ? sdt->nnotes : 0;
	m->store = calloc((size_t)n + 1, sizeof(m->store[0]));
	m->ptrs = calloc((size_t)n + 1, sizeof(m->ptrs[0]));
	const char *base = strrchr(obj, '/');
	for (int i = 0; i < n; i++) {
		struct sdt_note *no = &sdt->notes[i];
		struct ps_probe *p = &m->store[i];
		p->id = i + 1;
		p->marker = ps_marker_from_name(no->name);
		p->provider = keep(m, no->provider);
		p->name = keep(m, no->name);
		p->module = keep(m, base ? base + 1 : obj);
		p->path = keep(m, obj);
		p->function = keep(m, no->function);
		p->nargs = no->nargs;
		m->ptrs[i] = p;
	}
	m->n = n;
	sdt_free(sdt);
	*probes = m->ptrs;
	return n;
}

static void markers_free(struct markers *mk)
{
	for (int i = 0; i < mk->nfiles; i++) {
		struct mfile *m = &mk->files[i];
		for (int k = 0; k < m->nstrs; k++)
			free(m->strs[k]);
		free(m->strs);
		free(m->store);
		free(m->ptrs);
		free(m->exe);
	}
	free(mk->out);
	memset(mk, 0, sizeof(*mk));
}

/* ---- run-time messages, stap's words ---- */

struct faults {
	const char *script;          /* the main script's name (a node's file NULL) */
	const struct pg_prog *p;
	uint64_t n;
};

static const char *fault_what(const struct rt_fault *f)
{
	switch (f->kind) {
	case RT_FAULT_DIV0: return "division by 0";
	case RT_FAULT_OVERFLOW: return "Array overflow, check MAXMAPENTRIES";
	case RT_FAULT_NESTING: return "MAXNESTING exceeded";
	case RT_FAULT_EMPTY: return "empty aggregate";
	case RT_FAULT_MAXACTION: return "MAXACTION exceeded";
	default: return f->what ? f->what : "error";
	}
}

/* ERROR: division by 0 near operator '/' at top.stp:3:12 */
static void report_fault(const struct rt_fault *f, void *ctx)
{
	struct faults *fs = ctx;
	const struct pg_node *n = f->node;
	fs->n++;
	unsigned long long addr;
	if (f->kind == RT_FAULT_ADDR && f->what && sscanf(f->what, "invalid address (%llx)", &addr) == 1)
		fprintf(stderr, "ERROR: user string copy fault -14 at %016llx [man error::fault]", addr);
	else if (f->kind == RT_FAULT_OVERFLOW && n && n->kind == PG_E_VAR && fs->p->vars[n->op].maxentries)
		/* global a[N]: stap names the array's own size */
		fprintf(stderr, "ERROR: Array overflow, check size limit (%lld)",
			(long long)fs->p->vars[n->op].maxentries);
	else
		fprintf(stderr, "ERROR: %s", fault_what(f));
	if (n) {
		/* stap's token: an expression statement is its expression's; ++/-- are operators; a
		 * statement that is a keyword (for, while, if, ...) prints as "keyword" alone
		 * (parse.cxx operator<< prints no content for keywords) */
		char near[128];
		const struct pg_node *t = n->kind == PG_S_EXPR && n->nkids ? n->kids[0] : n;
		pg_node_token(fs->p, t, near, sizeof(near));
		if (!near[0] && t->kind == PG_E_INCDEC)
			snprintf(near, sizeof(near), "operator '%s'", t->i > 0 ? "++" : "--");
		if (!near[0] && t->kind == PG_S_BLOCK)
			snprintf(near, sizeof(near), "operator '{'");
		if (!near[0])
			snprintf(near, sizeof(near), "%s", t->kind == PG_E_INT ? "number" :
				 t->kind == PG_E_STR ? "string" : "keyword");
		fprintf(stderr, " near %s at %s:%d:%d", near, n->file ? n->file : fs->script, n->line,
			n->col);
	}
	fputc('\n', stderr);
}

static void report_lost(uint64_t lost, int cpu, void *ctx)
{
	(void)ctx;
	(void)cpu;
	fprintf(stderr, "WARNING: %llu marker hit%s lost (the buffer was full)\n",
		(unsigned long long)lost, lost == 1 ? "" : "s");
}

static void report_drops(uint64_t aggdrops, uint64_t dyndrops, void *ctx)
{
	(void)ctx;
	if (aggdrops + dyndrops)
		fprintf(stderr, "WARNING: %llu array entr%s not stored (memory bound)\n",
			(unsigned long long)(aggdrops + dyndrops), aggdrops + dyndrops == 1 ? "y" : "ies");
}

/* ---- -p1: the parse tree, printed back in stap's pass-1 style ---- */

/* As stap's staptree.cxx prints its nodes (stapfile::print and the print methods): every operand
 * of an operator in parentheses (an assignment is a binary expression there too), one statement
 * per line ending in ";", no indentation; strings as the source wrote them
 * (stap keeps escapes for the C compiler), a print format quoted once more (lex_cast_qstring). */
static void p1_expr(FILE *out, const struct stp_node *n);

static void p1_list(FILE *out, struct stp_node *const *kids, int nkids)
{
	for (int i = 0; i < nkids; i++) {
		if (i)
			fputs(", ", out);
		p1_expr(out, kids[i]);
	}
}

/* The string as stap's lexer keeps it: escapes passed through for the C compiler, except \"
 * (pyscope's lexer decodes them all). */
static void p1_raw(char *buf, size_t len, const char *s)
{
	size_t o = 0;
	for (; *s && o + 5 < len; s++) {
		if (*s == '\n')
			o += (size_t)snprintf(buf + o, len - o, "\\n");
		else if (*s == '\t')
			o += (size_t)snprintf(buf + o, len - o, "\\t");
		else if (*s == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\\\");
		else if (!isprint((unsigned char)*s))
			o += (size_t)snprintf(buf + o, len - o, "\\%03o", (unsigned char)*s);
		else
			buf[o++] = *s;        /* \" is no escape left for C: a plain '"' */
	}
	buf[o] = 0;
}

/* literal_string::print: the source's spelling, '"' escaped once more. */
static void p1_str(FILE *out, const char *s)
{
	char raw[4 * 4096 + 8];
	p1_raw(raw, sizeof(raw), s);
	fputc('"', out);
	for (const char *c = raw; *c; c++) {
		if (*c == '"')
			fputc('\\', out);
		fputc(*c, out);
	}
	fputc('"', out);
}

/* print_format::print: the format through lex_cast_qstring ('"' and '\\' escaped, others in
 * octal), so printf("%d\n") reads printf("%d\\n"). */
static void p1_format(FILE *out, const char *s)
{
	char raw[4 * 4096 + 8];
	p1_raw(raw, sizeof(raw), s);
	fputc('"', out);
	for (const char *c = raw; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (!isprint((unsigned char)*c))
			fprintf(out, "\\%03o", (unsigned char)*c);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

static bool p1_is_format_call(const char *name)
{
	static const char *const fmts[] = { "printf", "sprintf", "printd", "printdln", "sprintd",
					    "sprintdln" };
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		if (!strcmp(name, fmts[i]))
			return true;
	return false;
}

static void p1_expr(FILE *out, const struct stp_node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case STP_N_NUM: fprintf(out, "%lld", (long long)n->n); break;
	case STP_N_STR: p1_str(out, n->s); break;
	case STP_N_VAR:
		fputs(n->s, out);
		if (n->nkids) {
			fputc('[', out);
			p1_list(out, n->kids, n->nkids);
			fputc(']', out);
		}
		break;
	case STP_N_TARGET: fputs(n->s, out); break;
	case STP_N_ARGV: fprintf(out, "%s%lld", n->op ? n->op : "$", (long long)n->n); break;
	case STP_N_ARGC: fputs(n->op && *n->op == '@' ? "@#" : "$#", out); break;
	case STP_N_CALL:
		fprintf(out, "%s(", n->s);
		if (n->nkids && n->kids[0] && n->kids[0]->kind == STP_N_STR && p1_is_format_call(n->s)) {
			p1_format(out, n->kids[0]->s);
			for (int i = 1; i < n->nkids; i++) {
				fputs(", ", out);
				p1_expr(out, n->kids[i]);
			}
		} else {
			p1_list(out, n->kids, n->nkids);
		}
		fputc(')', out);
		break;
	case STP_N_STAT:
		fprintf(out, "@%s(", n->s);
		p1_list(out, n->kids, n->nkids);
		fputc(')', out);
		break;
	case STP_N_UNARY:
		fprintf(out, "%s(", n->op);
		p1_expr(out, n->kids[0]);
		fputc(')', out);
		break;
	case STP_N_BINARY:
		fputc('(', out);
		p1_expr(out, n->kids[0]);
		fprintf(out, ") %s (", n->op);
		p1_expr(out, n->kids[1]);
		fputc(')', out);
		break;
	case STP_N_COND:
		fputc('(', out);
		p1_expr(out, n->kids[0]);
		fputs(")?(", out);
		p1_expr(out, n->kids[1]);
		fputs("):(", out);
		p1_expr(out, n->kids[2]);
		fputc(')', out);
		break;
	case STP_N_ASSIGN:           /* a binary_expression in staptree */
		fputc('(', out);
		p1_expr(out, n->kids[0]);
		fprintf(out, ") %s (", n->op);
		p1_expr(out, n->kids[1]);
		fputc(')', out);
		break;
	case STP_N_INCDEC:           /* pre_crement as a unary: ++(x); post_crement: (x)++ */
		if (n->n)
			fprintf(out, "%s(", n->op);
		else
			fputc('(', out);
		p1_expr(out, n->kids[0]);
		fputc(')', out);
		if (!n->n)
			fputs(n->op, out);
		break;
	case STP_N_IN:
		fputc('[', out);
		p1_list(out, n->kids, n->nkids - 1);
		fputs("] in ", out);
		p1_expr(out, n->kids[n->nkids - 1]);
		break;
	case STP_N_DEFINED:
		fputs("@defined(", out);
		p1_expr(out, n->kids[0]);
		fputc(')', out);
		break;
	default:
		break;
	}
}

static void p1_stmt(FILE *out, const struct stp_node *n)
{
	if (!n) {
		fputc(';', out);
		return;
	}
	switch (n->kind) {
	case STP_S_BLOCK:            /* block::print: each statement, then ";" and a newline */
		fputs("{\n", out);
		for (int i = 0; i < n->nkids; i++) {
			p1_stmt(out, n->kids[i]);
			fputs(";\n", out);
		}
		fputc('}', out);
		break;
	case STP_S_EXPR: p1_expr(out, n->kids[0]); break;
	case STP_S_IF:
		fputs("if (", out);
		p1_expr(out, n->kids[0]);
		fputs(") ", out);
		p1_stmt(out, n->kids[1]);
		fputc('\n', out);
		if (n->nkids > 2 && n->kids[2]) {
			fputs("else ", out);
			p1_stmt(out, n->kids[2]);
			fputc('\n', out);
		}
		break;
	case STP_S_WHILE:             /* stap parses while as a for loop */
		fputs("for (; ", out);
		p1_expr(out, n->kids[0]);
		fputs("; ) ", out);
		p1_stmt(out, n->kids[1]);
		break;
	case STP_S_FOR:
		fputs("for (", out);
		if (n->kids[0])
			p1_stmt(out, n->kids[0]);
		fputs("; ", out);
		p1_expr(out, n->kids[1]);
		fputs("; ", out);
		if (n->kids[2])
			p1_stmt(out, n->kids[2]);
		fputs(") ", out);
		p1_stmt(out, n->kids[3]);
		break;
	case STP_S_FOREACH: {
		const struct stp_foreach *fe = n->fe;
		fputs("foreach (", out);
		if (fe->value)
			fprintf(out, "%s = ", fe->value);
		fputc('[', out);
		for (int i = 0; i < fe->nkeys; i++)
			fprintf(out, "%s%s%s", i ? ", " : "", fe->keys[i],
				fe->sort_key == i + 1 ? (fe->sort_dir > 0 ? "+" : "-") : "");
		/* sort_column 0 (the values) is marked after the array, however it was written */
		fprintf(out, "] in %s%s", fe->array,
			!fe->sort_key && fe->sort_dir ? (fe->sort_dir > 0 ? "+" : "-") : "");
		if (n->nkids > 1 && n->kids[1]) {
			fputs(" limit ", out);
			p1_expr(out, n->kids[1]);
		}
		fputs(") ", out);
		p1_stmt(out, n->kids[0]);
		break;
	}
	case STP_S_DELETE: fputs("delete ", out); p1_expr(out, n->kids[0]); break;
	case STP_S_NEXT: fputs("next", out); break;
	case STP_S_BREAK: fputs("break", out); break;
	case STP_S_CONTINUE: fputs("continue", out); break;
	case STP_S_RETURN:
		fputs("return", out);
		if (n->nkids && n->kids[0]) {
			fputc(' ', out);
			p1_expr(out, n->kids[0]);
		}
		break;
	case STP_S_NULL: fputc(';', out); break;
	default: p1_expr(out, n); break;
	}
}

static void p1_point(FILE *out, const struct stp_pp *pp)
{
	for (int c = 0; c < pp->ncomps; c++) {
		const struct stp_ppcomp *k = &pp->comps[c];
		fprintf(out, "%s%s", c ? "." : "", k->name);
		if (k->arg == 1)
			fprintf(out, "(%lld)", (long long)k->n);
		else if (k->arg == 2) {
			fputc('(', out);
			p1_str(out, k->s);
			fputc(')', out);
		}
	}
	fputs(pp->optional ? "?" : pp->sufficient ? "!" : "", out);
}

/* The script (not the tapsets), as stap -p1 prints it: a header, then its globals, probes and
 * aliases, then its functions. */
static void p1_dump(FILE *out, const struct stp_file *f, const char *name)
{
	fprintf(out, "# parse tree dump\n# file %s\n", name);
	for (int i = 0; i < f->nglobals; i++) {
		const struct stp_global *g = &f->globals[i];
		fprintf(out, "%sglobal %s", g->is_private ? "private " : "", g->name);
		if (g->size)
			fprintf(out, "[%lld]", (long long)g->size);
		if (g->init) {
			fputs(" = ", out);
			p1_expr(out, g->init);
		}
		fputc('\n', out);
	}
	/* the aliases, then the probes (stapfile keeps them apart) */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < f->nprobes; i++) {
			const struct stp_probe *pr = &f->probes[i];
			if (!pr->alias != pass)
				continue;
			fputs("probe ", out);
			for (int k = 0; pr->alias && k < pr->nnames; k++) {
				if (k)
					fputs(" = ", out);    /* probe_alias::printsig */
				p1_point(out, &pr->names[k]);
			}
			if (pr->alias)
				fputs(pr->epilogue ? " += " : " = ", out);
			for (int k = 0; k < pr->npps; k++) {
				if (k)
					fputs(pr->alias ? ", " : ",", out);
				p1_point(out, &pr->pps[k]);
			}
			p1_stmt(out, pr->body);
			fputc('\n', out);
		}
	/* functiondecl::print: the parameters' names only */
	for (int i = 0; i < f->nfuncs; i++) {
		const struct stp_func *fn = &f->funcs[i];
		fprintf(out, "function %s (", fn->name);
		for (int k = 0; k < fn->nparams; k++)
			fprintf(out, "%s%s", k ? ", " : "", fn->params[k]);
		fputs(")\n", out);
		p1_stmt(out, fn->body);
		fputc('\n', out);
	}
	fputc('\n', out);       /* main.cxx: an endl after the user's files */
}

/* ---- --dump-functions ---- */

static void dump_functions(FILE *out, struct units *u)
{
	for (int i = 0; stp_lib_sigs[i]; i++)
		fprintf(out, "%s\n", stp_lib_sigs[i]);
	for (int i = 0; i < u->n; i++) {
		const struct stp_file *f = &u->v[i]->file;
		for (int k = 0; k < f->nfuncs; k++) {
			const struct stp_func *fn = &f->funcs[k];
			fprintf(out, "%s%s (", fn->name, fn->rettype == 1 ? ":long" : fn->rettype == 2 ? ":string" : "");
			for (int j = 0; j < fn->nparams; j++)
				fprintf(out, "%s%s%s", j ? ", " : "", fn->params[j],
					fn->ptypes[j] == 1 ? ":long" : fn->ptypes[j] == 2 ? ":string" : "");
			fprintf(out, ")\n");
		}
	}
}

/* ---- -l / -L ---- */

/* -l / -L as stap lists (main.cxx printscript): each matching probe point once, in its
 * well-formed name (sdt_query::convert_location: the executable's full path, the mark's own
 * name; build_library_probe: a library by its full path), sorted by that name (a std::map),
 * -L with the point's $arg variables. */
struct listed {
	char *name;
	int nargs;
	const char *locals;      /* an alias's: "name:type ..." (-L), or NULL */
};

static int cmp_listed(const void *a, const void *b)
{
	return strcmp(((const struct listed *)a)->name, ((const struct listed *)b)->name);
}

static void listed_add(struct listed **v, int *n, const char *name, int nargs, const char *locals)
{
	/* an alias expanding to several points is listed once, with the $args they all have
	 * (printscript prints the set intersection) */
	for (int i = 0; i < *n; i++)
		if (!strcmp((*v)[i].name, name)) {
			if (nargs < (*v)[i].nargs)
				(*v)[i].nargs = nargs;
			return;
		}
	struct listed *t = realloc(*v, sizeof(**v) * (size_t)(*n + 1));
	char *d = strdup(name);
	if (!t || !d) {
		perror("pyscope: out of memory");
		exit(70);
	}
	*v = t;
	(*v)[(*n)++] = (struct listed){ d, nargs, locals };
}

/* The executable a marker point's text names: process("EXE")... (empty for process(PID)). */
static void point_exe(const char *text, char *exe, size_t len)
{
	exe[0] = 0;
	if (strncmp(text, "process(\"", 9) == 0) {
		const char *end = strstr(text + 9, "\")");
		if (end)
			snprintf(exe, len, "%.*s", (int)(end - text - 9), text + 9);
	}
}

static void list_points(FILE *out, const struct pg_prog *p, struct markers *mk,
			const struct stp_info *info, bool args)
{
	struct listed *v = NULL;
	int n = 0;
	for (int i = 0; i < p->nclauses; i++)
		for (int k = 0; k < p->clauses[i].npdescs; k++) {
			const struct pg_pdesc *d = &p->clauses[i].pdescs[k];
			if (d->kind != PG_PD_MARKER) {
				listed_add(&v, &n, d->pn ? d->pn : d->text, 0, d->locals);
				continue;
			}
			char exe[PATH_MAX];
			point_exe(d->text, exe, sizeof(exe));
			bool library = strstr(d->text, "\").library(\"") != NULL;
			for (int b = 0; b < (exe[0] ? 1 : info->nbinaries); b++) {
				const char *bin = exe[0] ? exe : info->binaries[b];
				const struct ps_probe *const *pr;
				int np = markers_cb(bin, &pr, mk);
				for (int j = 0; j < np; j++) {
					struct pg_pdesc dd = *d;
					dd.pid = 0;
					if (!pg_pdesc_match(&dd, pr[j], 0))
						continue;
					char name[3 * PATH_MAX + 128], lib[PATH_MAX];
					if (d->pn) {
						/* stap lists an alias by its name (printscript) */
						listed_add(&v, &n, d->pn, pr[j]->nargs, d->locals);
						continue;
					}
					if (library) {
						if (!pr[j]->path || !realpath(pr[j]->path, lib))
							snprintf(lib, sizeof(lib), "%s", pr[j]->path ? pr[j]->path : "");
						snprintf(name, sizeof(name), "process(\"%s\").library(\"%s\").mark(\"%s\")",
							 bin, lib, pr[j]->name);
					} else {
						snprintf(name, sizeof(name), "process(\"%s\").mark(\"%s\")", bin,
							 pr[j]->name);
					}
					listed_add(&v, &n, name, pr[j]->nargs, NULL);
				}
			}
		}
	if (n)
		qsort(v, (size_t)n, sizeof(v[0]), cmp_listed);
	for (int i = 0; i < n; i++) {
		fputs(v[i].name, out);
		if (args && v[i].locals)
			fprintf(out, " %s", v[i].locals);
		for (int a = 0; args && a < v[i].nargs; a++)
			fprintf(out, " $arg%d:long", a + 1);
		fputc('\n', out);
		free(v[i].name);
	}
	free(v);
}

/* ---- -o FILE and switch_file() ---- */

/* switch_file(): stap's staprun closes the output file and opens the next, named FILE.N with N
 * counting the switches (1, 2, ...): relay.c's switch_outfile and common.c's make_outfile_name in
 * stream mode (without -S the first file is FILE itself). Without -o the output stays on stdout,
 * as stap's does. FILE may hold strftime(3) conversions, expanded in local time at each open, as
 * staprun's stap_strfloctime does ("-o FILE  Send output to FILE. This supports strftime(3)
 * formats for FILE."). */
struct outfiles {
	const char *base;            /* -o FILE, or NULL */
	FILE **out;
	int n;                       /* switches so far */
	int err;                     /* a file could not be written or opened: exit 2 */
};

/* -o FILE's name now: its strftime conversions expanded. Returns 0, or -EINVAL after saying so. */
static int out_name(const char *fmt, char *buf, size_t len)
{
	if (!strchr(fmt, '%')) {
		snprintf(buf, len, "%s", fmt);
		return 0;
	}
	time_t now = time(NULL);
	struct tm tm;
	if (!localtime_r(&now, &tm) || strftime(buf, len, fmt, &tm) == 0) {
		fprintf(stderr, "pyscope: -o %s: invalid FILE name format\n", fmt);
		return -EINVAL;
	}
	return 0;
}

static FILE *switch_output(void *ctx)
{
	struct outfiles *of = ctx;
	if (!of->base)
		return NULL;
	char path[PATH_MAX], base[PATH_MAX];
	if (out_name(of->base, base, sizeof(base)) < 0) {
		of->err = 1;
		return NULL;
	}
	if (snprintf(path, sizeof(path), "%s.%d", base, of->n + 1) >= (int)sizeof(path)) {
		fprintf(stderr, "pyscope: switch_file: output file name too long\n");
		of->err = 1;
		return NULL;
	}
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "pyscope: cannot write %s: %s\n", path, strerror(errno));
		of->err = 1;
		return NULL;
	}
	if (fclose(*of->out) != 0) {
		fprintf(stderr, "pyscope: cannot write %s: %s\n", of->base, strerror(errno));
		of->err = 1;
	}
	of->n++;
	*of->out = f;
	return f;
}

/* The executable of the -c command (its first word, found on PATH) or of the -x process. */
static int target_exe(const struct opts *o, char *buf, size_t len)
{
	if (o->pid) {
		char link[64];
		snprintf(link, sizeof(link), "/proc/%d/exe", (int)o->pid);
		ssize_t n = readlink(link, buf, len - 1);
		if (n < 0) {
			fprintf(stderr, "pyscope: -x %d: no such process (or not readable: %s)\n", (int)o->pid,
				strerror(errno));
			return -ESRCH;
		}
		buf[n] = 0;
		return 0;
	}
	char word[PATH_MAX];
	size_t k = strspn(o->command, " \t");
	size_t n = strcspn(o->command + k, " \t");
	snprintf(word, sizeof(word), "%.*s", (int)n, o->command + k);
	if (strchr(word, '/')) {
		if (!realpath(word, buf) || access(buf, X_OK) != 0) {
			fprintf(stderr, "pyscope: -c: cannot run '%s': %s\n", word, strerror(errno));
			return -ENOENT;
		}
		return 0;
	}
	const char *path = getenv("PATH");
	for (path = path ? path : "/usr/bin:/bin"; *path;) {
		size_t m = strcspn(path, ":");
		char cand[2 * PATH_MAX + 2];
		snprintf(cand, sizeof(cand), "%.*s/%s", (int)m, path, word);
		if (access(cand, X_OK) == 0 && realpath(cand, buf))
			return 0;
		path += m + (path[m] == ':');
	}
	fprintf(stderr, "pyscope: -c: cannot find executable '%s' on PATH\n", word);
	return -ENOENT;
}

static void ppenv(struct stp_ppenv *e, struct utsname *u, char *kv, size_t len, const struct opts *o)
{
	uname(u);
	snprintf(kv, len, "%.*s", (int)strspn(u->release, "0123456789."), u->release);
	e->kernel_v = kv;
	e->kernel_vr = u->release;
	e->arch = !strcmp(u->machine, "aarch64") ? "arm64" : u->machine;
	e->argc = o->argc;
	e->argv = o->argv;
}

static int elaborate(struct units *u, const struct opts *o, struct stp_sema_opts *so,
		     struct pg_prog **out, struct stp_info *info)
{
	struct stp_file **taps = calloc((size_t)u->n + 1, sizeof(taps[0]));
	if (!taps)
		exit(70);
	for (int i = 1; i < u->n; i++)
		taps[i - 1] = &u->v[i]->file;
	struct pg_prog *p = pg_new();
	stp_info_free(info);
	(void)o;
	int rc = stp_elaborate(&u->v[0]->file, taps, u->n - 1, so, p, info);
	free(taps);
	/* what the kernel reads at the hits: more than it can is stap's semantic error */
	for (int c = 0; rc == 0 && c < p->nclauses; c++) {
		struct ps_capture cap = { 0 };
		struct bind_err be;
		if (bind_capture(p, c, 0, &cap, &be) < 0) {
			fprintf(stderr, "semantic error: %s at %s:%d:%d\n\nPass 2: analysis failed.  "
				"[man error::pass2]\n", be.msg, be.file ? be.file : u->v[0]->src.name,
				be.line, be.col);
			rc = -EINVAL;
		}
	}
	if (rc < 0) {
		pg_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

static const struct rt_dialect stap_dialect = {
	.keep_zero = true, .fault_ends_run = true, .fault_keeps_output = true, .dump_globals = true,
	.error_skips_end = true,
	.begin_provider = "", .begin_name = "begin", .end_name = "end",
};

int stap_main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct units u = { 0 };
	struct markers mk = { 0 };
	struct stp_info info = { 0 };
	struct replay *rp = NULL;
	struct cap *cap = NULL;
	struct ses_command *cmd = NULL;
	struct pg_prog *prog = NULL;
	struct rt *r = NULL;
	struct kagg_run ks = { 0 };
	FILE *out = stdout;
	int status = 2, rc;
	char exe[PATH_MAX];
	struct utsname uts;
	char kv[64];
	struct stp_ppenv env = { 0 };

	rc = parse_args(argc, argv, &o);
	if (rc) {
		status = rc > 0 ? 0 : 2;
		goto done;
	}
	ppenv(&env, &uts, kv, sizeof(kv), &o);

	/* the script first, then the -I directories, then the built-in tapset */
	char *text;
	if (o.list) {
		size_t n = strlen(o.list) + 16;
		text = malloc(n);
		if (!text)
			exit(70);
		snprintf(text, n, "probe %s {}\n", o.list);
		if (add_unit(&u, "<input>", text, &env) < 0)
			goto done;
	} else if (o.script_text || o.dump_functions) {
		text = strdup(o.script_text ? o.script_text : "");
		if (!text || add_unit(&u, "<input>", text, &env) < 0)
			goto done;
	} else {
		text = read_text(o.script_file);
		if (!text || add_unit(&u, strcmp(o.script_file, "-") ? o.script_file : "<input>", text, &env) < 0)
			goto done;
	}
	for (int i = 0; i < o.nincludes; i++)
		if (add_tapset_dir(&u, o.includes[i], true, &env) < 0)
			goto done;
	char data[PATH_MAX], dir[PATH_MAX + 16];
	if (version_datadir(data, sizeof(data)) == 0) {
		snprintf(dir, sizeof(dir), "%s/tapset", data);
		if (add_tapset_dir(&u, dir, false, &env) < 0)
			goto done;
	}
	if (o.dump_functions) {
		dump_functions(stdout, &u);
		status = 0;
		goto done;
	}
	if (o.pass == 1) {
		p1_dump(stdout, &u.v[0]->file, u.v[0]->src.name);
		status = 0;
		goto done;
	}

	struct stp_sema_opts so = {
		.markers = markers_cb, .markers_ctx = &mk, .argc = o.argc, .argv = o.argv,
		.globals_set = o.globals, .nglobals_set = o.nglobals,
		/* -L keeps every local, as stap's -L sets unoptimized (main.cxx) */
		.no_elide = o.unoptimized || (o.list && o.list_args),
	};
	if (o.command || o.pid) {
		if (target_exe(&o, exe, sizeof(exe)) < 0)
			goto done;
		so.target_exe = exe;
		so.target = o.pid;
		so.family = o.command && !o.replay && !o.list;   /* -x: decided below */
	}
	if (o.replay) {
		if (replay_open(o.replay, &rp) < 0)
			goto done;
		mk.nprobes = replay_probes(rp, &mk.probes);
		mk.replay = true;
		so.replay = true;
		so.target = replay_target(rp);
	}
	/* pass 2 against the binaries' own notes: errors before anything runs */
	if (elaborate(&u, &o, &so, &prog, &info) < 0)
		goto done;
	if (o.list) {
		list_points(stdout, prog, &mk, &info, o.list_args);
		status = 0;
		goto done;
	}
	if (o.pass >= 2 && o.pass <= 4) {
		if (o.pass > 2)
			fprintf(stderr, "pyscope: -p%d: pyscope translates to no C and builds no module; this is "
				"pass 2's result\n", o.pass);
		stp_print_resolved(stdout, &info);
		status = 0;
		goto done;
	}
	int strsize = o.strsize ? o.strsize : STAP_MAXSTRINGLEN;
	if (!rp && info.uses_markers) {
		struct cap_config cfg = {
			.command = o.command, .pids = o.pid ? &o.pid : (pid_t *)info.pids,
			.npids = o.pid ? 1 : info.npids, .strsize = strsize,
		};
		if (!o.command && !o.pid && !info.npids) {
			cfg.all = true;
			cfg.binary = info.nbinaries == 1 ? info.binaries[0] : NULL;
		}
		/* stap's -c/-x: every process probe sees the target's process hierarchy (the
		 * target and the processes it forks), not other processes running the same
		 * executable. The capture follows that tree with the markers attached for every
		 * process (filtered in the kernel), which costs other processes running the
		 * executable a trap per marker hit: -c pays it for the command's run; -x, on a
		 * live system, only when PID does not run the script's executable itself (a shell
		 * that starts it), else PID alone is traced, as before (its own later children
		 * are missed). */
		char breal[PATH_MAX];
		if (o.pid && !o.replay && !o.list && info.nbinaries == 1 &&
		    realpath(info.binaries[0], breal) && strcmp(breal, exe))
			so.family = true;
		cfg.family = so.family;
		/* ... the executable the script names too, when the command or process is not it
		 * (a shell, a wrapper script): stap follows the target's children into it */
		if (cfg.family && info.nbinaries == 1)
			cfg.binary = info.binaries[0];
		if (cap_open(&cfg, &cap) < 0)
			goto done;
		mk.nprobes = cap_probes(cap, &mk.probes);
		if (o.command)
			so.target = (int)cap_command_pid(cap);
		/* pass 2 again, on the markers the capture found */
		pg_free(prog);
		prog = NULL;
		if (elaborate(&u, &o, &so, &prog, &info) < 0)
			goto done;
	} else if (!rp && o.command) {
		/* -c with begin, end and timer probes only: the command still runs, is target(),
		 * and its end ends the run (session.h) */
		if (ses_command_open(o.command, &cmd) < 0)
			goto done;
		so.target = (int)ses_command_pid(cmd);
	}
	char outname[PATH_MAX];
	if (o.outfile && out_name(o.outfile, outname, sizeof(outname)) < 0)
		goto done;
	if (o.outfile) {
		out = fopen(outname, "w");
		if (!out) {
			fprintf(stderr, "pyscope: cannot write %s: %s\n", outname, strerror(errno));
			out = stdout;
			goto done;
		}
	} else {
		out = stop_stdout();
	}
	struct faults fs = { u.v[0]->src.name, prog, 0 };
	struct outfiles of = { o.outfile, &out, 0, 0 };
	struct rt_opts ro = {
		.switch_file = switch_output, .switch_ctx = &of,
		.dialect = &stap_dialect, .out = out, .strsize = strsize, .target = so.target,
		.replay = rp != NULL, .on_fault = report_fault, .fault_ctx = &fs,
		.on_drops = report_drops, .stop = &stop_requested,
		.maxmapentries = o.maxmapentries ? o.maxmapentries : RT_MAXMAPENTRIES_DEFAULT,
		.maxnesting = o.maxnesting ? o.maxnesting : RT_MAXNESTING_DEFAULT,
		.maxaction = o.maxaction ? o.maxaction : RT_MAXACTION_DEFAULT,
	};
	kagg_hook(&ks, cap, &ro);     /* statistics in the kernel (kagg.h) */
	if (rt_new(prog, mk.probes, mk.nprobes, &ro, &r) < 0 || kagg_setup(&ks, prog, r, strsize) < 0)
		goto done;
	uint32_t strargs;
	const struct ps_probe *p;
	for (int i = 0; (p = rt_enabled(r, i, &strargs)); i++) {
		if (rp)
			replay_enable(rp, p->id, strargs);
		else if (cap && (cap_want(cap, p->id, rt_capture(r, i)) < 0 ||
				 kagg_enable(&ks, r, i, p->id) < 0))
			goto done;
	}
	if (o.verbose)
		for (int i = 0; i < prog->nclauses; i++) {
			char where[96];
			for (int k = 0; k < prog->clauses[i].npdescs; k++)
				fprintf(stderr, "pyscope: probe %s\n", prog->clauses[i].pdescs[k].text);
			if (cap)     /* live: where its body runs */
				fprintf(stderr, "pyscope: probe %d (line %d) runs in %s\n", i + 1,
					prog->clauses[i].npdescs ? prog->clauses[i].pdescs[0].line : 0,
					kagg_run_where(&ks, i, where, sizeof(where)));
		}
	stop_catch();
	static const struct ses_dialect words = { .on_lost = report_lost };
	const struct ses_run run = {
		.r = r, .replay = rp, .cap = cap, .command = cmd, .out = &out, .dialect = &words,
		.deadline = o.timeout_s ? ses_now_ns() + (uint64_t)o.timeout_s * 1000000000ull : 0,
	};
	status = ses_run(&run);
	fflush(out);
	if (status == 0 && (fs.n || rt_faults(r))) {
		fprintf(stderr, "WARNING: Number of errors: %llu, skipped probes: 0\n",
			(unsigned long long)(fs.n ? fs.n : rt_faults(r)));
		fprintf(stderr, "Pass 5: run failed.  [man error::pass5]\n");
		status = 1;
	} else if (fs.n) {
		fprintf(stderr, "WARNING: Number of errors: %llu, skipped probes: 0\n",
			(unsigned long long)fs.n);
		fprintf(stderr, "Pass 5: run failed.  [man error::pass5]\n");
	}
	if (of.err)
		status = 2;
done:
	if (out && ses_check_output(out, o.outfile) < 0)
		status = 2;
	rt_free(r);
	kagg_run_free(&ks);
	pg_free(prog);
	replay_close(rp);
	cap_close(cap);
	ses_command_close(cmd);
	stp_info_free(&info);
	markers_free(&mk);
	units_free(&u);
	free(o.globals);
	if (out != stdout && fclose(out) != 0 && status != 2) {
		fprintf(stderr, "pyscope: cannot write %s: %s\n", o.outfile, strerror(errno));
		status = 2;
	}
	fflush(stdout);
	return status;
}
