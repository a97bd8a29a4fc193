/*
 * dtrace.c — `pyscope dtrace` (also pyscope started as `dtrace`): D scripts as dtrace(1) runs
 * them, on the python markers of a command (-c), of processes (-p), of every Python (neither), or
 * of a recorded stream (--replay FILE, no kernel needed). The script is compiled and checked
 * against the probes that exist before anything is attached; only the markers it names are
 * enabled, and an argument is copied as a string only where the script reads it as one.
 *
 *   pyscope dtrace [-qvweZCH] [-s FILE]... [-n 'PROBE {...}']...
 *                  [-c CMD | -p PID... | --replay FILE]
 *                  [-o FILE] [-x OPT[=VAL]] [-D NAME[=DEF]] [-U NAME] [-I DIR]
 *                  [-l [-n PROBE | -P PROVIDER]] [ARG...]
 *
 * Where it differs from DTrace, and why (README.md's "Deviations from dtrace(1)" says the same):
 *   - vtimestamp is the scheduler's count of the thread's on-CPU time, which the kernel brings up
 *     to date at each tick and context switch: within a tick of dtrace's (a call much shorter
 *     than a tick shows 0 or a whole tick; sums over many calls come out right). ppid, uid, gid and
 *     curpsinfo's fields are read from /proc once per process (psinfo.c; a later setuid is not
 *     seen; 0 or "" in a replay, but pr_pid and pr_fname); walltimestamp is timestamp shifted by
 *     the clock offset taken at start.
 *   - copyinstr() only sees strings copied at the hit: an argument the clause names directly
 *     (copyinstr(arg1), copyinstr(args[1])) is copied for that clause's probes; a pointer held in
 *     a variable makes the probe copy every argument, and only works at the same hit. An
 *     argument plus a constant (or an 8-byte read of one) is read by the kernel at the hit, as
 *     copyin(addr, SIZE) and inet_ntoa/inet_ntoa6/inet_ntop are; copyin at any other address is
 *     a compile error (the address is known only after the hit). A read that faults is "invalid address", as in DTrace.
 *   - ustack() follows frame pointers and (x86-64) unwinds the registers and stack top copied at
 *     the hit with the CFI, keeping whichever goes further; symbols come from .symtab/.dynsym
 *     while the process lives (hex after it). %a names kernel addresses from /proc/kallsyms
 *     (ksym.h): hex where no symbol holds the address, where kallsyms hides addresses from the
 *     user, and in a replay; no module`0x... form. jstack() gives the Python frames only, not
 *     mixed into the native ones.
 *   - Aggregations not printed by printa() are printed at the end even with -q, after one
 *     "\n", back to back, as dtrace(1) does. dtrace prints that "\n" even when no aggregation
 *     is left to print; pyscope does not, so a printf-only script (the page's call_stack.d)
 *     prints exactly its own lines.
 *   - PROBEFUNC is the symbol around the marker when known, "-" otherwise (as the default
 *     output's FUNCTION:NAME and flowindent's column show it).
 *   - BEGIN, END and tick-N fire in no process: pid, tid and ppid are 0, execname is "" (in
 *     DTrace, BEGIN and END fire in dtrace itself).
 *   - As dtrace(1) (illumos dt_cg.c, dt_cg_asgn_op: a variable store is STV of the whole
 *     register), an integer variable holds 64 bits whatever its type; the type (declared, or
 *     its first assignment's: `x = 0` is an int) cuts values where DTrace records them: printf,
 *     trace(), aggregation keys. Casts cut as in C. Whether an expression is unsigned (for %d)
 *     is worked out from declarations, casts and C's promotions, not from full C types.
 *   - A variable read before its first assignment is 0 or "" (an unset self-> or array string
 *     is D's NULL string, which equals ""; printed, it is "", where dtrace faults); its type is its first
 *     assignment's anywhere in the program, found by silent passes over it. A variable read as
 *     a string before its first assignment gets its type only when that assignment is in
 *     another clause (a pass reads an unknown as an integer and goes on at the next clause
 *     after the type error this makes).
 *   - -C: cpp's line markers give errors the user's file and line; a column after a macro
 *     expanded on that line is cpp's. flowindent: a return record shows when the next record
 *     begins or the output ends (dtrace: at each read of the buffers), and the indentation is
 *     not reset per buffer read. rawbytes dumps trace( )'s strings and printa's string keys;
 *     jstackframes, jstackstrsize and ustackframes are honoured; the buffer tunings are
 *     accepted.
 *   - The -c command's end is said as dtrace's notice does ("has exited", "exited with status N",
 *     "terminated by SIGx"); from a traced command, whose status capture keeps in the shell's
 *     terms, an exit code above 128 reads as a signal.
 *   - Aggregations counted in the kernel (kagg.h; -v names the clauses) are folded in when
 *     printa, clear, trunc, normalize or the end read them, with the hits the kernel has counted
 *     by then: a hit that lands after exit() but before tracing stops counts, and an aggregation
 *     printed by a clause of another probe includes hits of that moment the ring still holds.
 *   - syscall, proc and profile (capture_sys.c): under -c or -p only the traced processes and
 *     those they fork are seen (filtered in the kernel); pid return probes give arg0 0; pid
 *     probes exist for the functions the script's descriptions name. Under -Z, a provider
 *     pyscope does not have (fbt, sched, io...) is said on stderr once.
 *   - Not there, each a compile error at its use: stop() (pyscope never stops a traced
 *     process), copyinto (it fills alloca()'d scratch memory read back through pointers, and
 *     pyscope's D has neither; copyin gives the bytes as a value), the ERROR
 *     probe, speculations, llquantize, stack() and the other kernel-side functions, getopt, C
 *     types beyond integers and strings (struct, pointers, -> on arguments, translators,
 *     inline, sizeof).
 *   - Limits, each stated when it is hit (dt_parse.h): a script of at most 16 MiB; expressions and
 *     statements nested at most 1000 deep; 10,000 statements in a block; 100,000 clauses;
 *     tick-N periods from 200us (DTrace's fastest, 5000hz) to 365d.
 * As in DTrace: a clause naming a process (python1234:::) sees that process only; clause-local
 * (this->) variables start at 0 at each firing and keep their values across the clauses of that
 * firing; ending the trace before a -c command is done kills the command.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bind.h"
#include <unistd.h>
#include <sys/wait.h>
#include "capture.h"
#include "commands.h"
#include "dt_lex.h"
#include "dt_parse.h"
#include "fmt.h"
#include "kagg.h"
#include "prog.h"
#include "replay.h"
#include "rt.h"
#include "session.h"
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
	bool verbose;            /* -v: where each clause runs (kernel or user space) */
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
	int jstackframes, jstackstrsize;   /* -x jstackframes=N, jstackstrsize=N (0: default) */
	int64_t aggsize, dynvarsize;   /* -x aggsize=, dynvarsize= (0: not given) */
	char **macros;
	int nmacros;
	bool defaultargs;        /* -x defaultargs */
	const char **xopts;      /* -x options for the program: aggsort*, flowindent */
	int nxopts;
	bool cpp;                /* -C */
	const char **cppargs;    /* -D, -U, -I, -H for cpp, in order */
	int ncppargs;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pyscope dtrace [-qvweZCH] [-s FILE]... [-n 'PROBE {...}']... [-c CMD | -p PID...]\n"
		"                      [--replay FILE] [-o FILE] [-x OPT[=VAL]] [-l] [-P PROVIDER]\n"
		"                      [-D NAME[=DEF]] [-U NAME] [-I DIR] [ARG...]\n"
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
		"  -v             say where each clause runs (kernel or user space, and why) and, at\n"
		"                 the end, how many events reached user space\n"
		"  -o FILE        append the program's output to FILE\n"
		"  -x strsize=N   bytes kept of each string, NUL included (default %d); -x quiet\n"
		"  -x aggsize=SIZE, -x dynvarsize=SIZE  memory for aggregations (default 4m) and\n"
		"                 dynamic variables (default 1m); past it, drops are counted and reported\n"
		"  -x jstackframes=N, -x jstackstrsize=N  jstack(): frames printed (default 50, at\n"
		"                 most 128) and bytes of each frame's text (default 512)\n"
		"                 -x zdefs (-Z), defaultargs (unset $N: 0, \"\"), flowindent, aggsortkey,\n"
		"                 aggsortrev, aggsortkeypos=N, rawbytes; buffer tunings (bufsize, switchrate,\n"
		"                 aggrate, ...) are accepted and ignored\n"
		"  -l             list the probes (all, those -n describes, or -P PROVIDER's)\n"
		"  -P PROVIDER    without -l: trace every probe of PROVIDER (e.g. python1234)\n"
		"  -w             allow destructive actions (system())\n"
		"  -Z             allow probe descriptions that match no probe\n"
		"  -e             compile and check only, attach nothing\n"
		"  -C             run the C preprocessor (cpp) over each -s FILE, as dtrace does\n"
		"  -D NAME[=DEF]  -C: define NAME for cpp\n"
		"  -U NAME        -C: undefine NAME\n"
		"  -I DIR         -C: a directory cpp searches for #include files\n"
		"  -H             -C: cpp lists the files it includes\n"
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

/* -C: TEXT becomes cpp's output for FILE, as dtrace(1) preprocesses a script; cpp's line
 * markers ("# 12 \"FILE\"") keep messages at the user's file and line (dt_lex.c). Returns 0,
 * or -EINVAL after cpp said why on stderr. */
static int preprocess(const struct opts *o, const char *file, char **text)
{
	const char **argv = calloc((size_t)o->ncppargs + 6, sizeof(*argv));
	int n = 0;
	if (!argv)
		return -ENOMEM;
	argv[n++] = "cpp";
	argv[n++] = "-D__SUNW_D=1";     /* what dtrace defines for D programs */
	argv[n++] = "-D__SUNW_D_64";
	for (int i = 0; i < o->ncppargs; i++)
		argv[n++] = o->cppargs[i];
	argv[n++] = file;
	argv[n] = NULL;
	int fd[2];
	pid_t pid = -1;
	if (pipe(fd) == 0 && (pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
	}
	if (pid < 0) {
		perror("pyscope: -C");
		free(argv);
		return -EINVAL;
	}
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execvp("cpp", (char *const *)argv);
		fprintf(stderr, "pyscope: -C needs the C preprocessor 'cpp' (Debian package cpp): %s\n",
			strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	free(argv);
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	ssize_t got = 0;
	while (out && (got = read(fd[0], out + len, cap - len - 1)) > 0) {
		len += (size_t)got;
		if (len + 1 == cap) {
			char *b = len < DT_MAX_SOURCE ? realloc(out, cap *= 2) : NULL;
			if (!b)
				free(out);
			out = b;
		}
	}
	close(fd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!out) {
		fprintf(stderr, "pyscope: %s: the preprocessed script is larger than %d bytes\n", file,
			DT_MAX_SOURCE);
		return -EINVAL;
	}
	out[len] = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 127)
			fprintf(stderr, "pyscope: failed to preprocess %s (cpp exited with status %d)\n",
				file, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		free(out);
		return -EINVAL;
	}
	free(*text);
	*text = out;
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
	} else if (((n == 12 && strncmp(arg, "jstackframes", 12) == 0) ||
		    (n == 13 && strncmp(arg, "jstackstrsize", 13) == 0)) && eq) {
		char *end;
		long v = strtol(eq + 1, &end, 0);
		if (*end || v < 1 || v > (n == 12 ? 128 : PS_STRSIZE_MAX)) {
			fprintf(stderr, "pyscope: -x %.*s wants a number from 1 to %d, not '%s'\n", (int)n,
				arg, n == 12 ? 128 : PS_STRSIZE_MAX, eq + 1);
			return -EINVAL;
		}
		*(n == 12 ? &o->jstackframes : &o->jstackstrsize) = (int)v;
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
	} else if (n == 5 && strncmp(arg, "zdefs", 5) == 0) {
		o->zero_ok = true;
	} else if (n == 11 && strncmp(arg, "defaultargs", 11) == 0) {
		o->defaultargs = true;
	} else if (dt_display_option(NULL, arg) != -ENOENT) {
		if (dt_display_option(NULL, arg) < 0) {
			fprintf(stderr, "pyscope: -x %.*s wants a number (0 or more), not '%s'\n", (int)n,
				arg, eq ? eq + 1 : "");
			return -EINVAL;
		}
		const char **v = realloc(o->xopts, sizeof(*v) * (size_t)(o->nxopts + 1));
		if (!v)
			return -ENOMEM;
		o->xopts = v;
		o->xopts[o->nxopts++] = arg;
	} else if (dt_option_kind(arg, n) == DT_OPT_TUNING) {
		/* DTrace's kernel buffer tuning: nothing to tune here */
	} else {
		fprintf(stderr, "pyscope: unknown -x option '%s' (known: strsize=N, aggsize=SIZE, "
			"dynvarsize=SIZE, jstackframes=N, jstackstrsize=N, quiet, destructive, zdefs, "
			"defaultargs; bufsize, switchrate, aggrate and other buffer tunings are accepted and "
			"ignored)\n", arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "replay", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
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
	while ((c = getopt_long(argc, argv, "+qs:n:c:p:o:lP:x:wZehvCD:U:I:H", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'q': o->quiet = true; break;
		case 'v': o->verbose = true; break;
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
		case 'h':
			usage(stdout);
			return 1;
		case 'C': o->cpp = true; break;
		case 'D':
		case 'U':
		case 'I':
		case 'H': {
			/* cpp's own spelling: -DNAME=DEF, -UNAME, -IDIR, -H */
			size_t len = (optarg ? strlen(optarg) : 0) + 3;
			char *a = malloc(len);
			const char **v = realloc(o->cppargs, sizeof(*v) * (size_t)(o->ncppargs + 1));
			if (!a || !v) {
				free(a);
				return -ENOMEM;
			}
			snprintf(a, len, "-%c%s", c, optarg ? optarg : "");
			o->cppargs = v;
			o->cppargs[o->ncppargs++] = a;
			break;
		}
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	o->macros = argv + optind;
	o->nmacros = argc - optind;
	for (int i = 0; o->cpp && i < o->nsrc; i++)
		if (o->src[i].is_file && preprocess(o, o->src[i].name, &o->src[i].text) < 0)
			return -EINVAL;
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

/* flowindent (#pragma D option or -x): the default output's probe column as dt_consume.c's
 * dt_flowindent and dtrace(1)'s chew() print it: " -> FUNC" for a probe named entry or
 * *-entry (python's function-entry), indented 2 more after it, " <- FUNC" for *-return, 2 less
 * before it, "| FUNC:NAME" for others; FUNC is probefunc. dtrace's heuristic for several
 * clauses on one probe is kept as it is: an entry record is not an entry when the record
 * before it came from the same probe but another EPID (clause), and a return record is not a
 * return when the record after it does. That look ahead is why a return record is held:
 * everything written after its start waits (the stream below) until the next record begins
 * or the output ends, then its column is written in front of it. */
enum { FLOW_NONE, FLOW_ENTRY, FLOW_RETURN };
static struct {
	bool on;
	int indent;
	struct rt *r;                   /* for the EPID of the clause that records */
	int last_epid;                  /* the record before (0: none yet) */
	const struct ps_probe *last_probe;
	bool pending;                   /* a return record waits for the next record */
	int p_epid;
	const struct ps_probe *p_probe;
	unsigned p_cpu;
	char p_fn[256];
	FILE *real, *cookie;            /* the output, and the stream that holds back */
	char *held;
	size_t nheld, capheld;
	bool failed;
} flow;

/* rawbytes: trace( )'s strings dumped as records of this size (the strsize); 0: off. */
static size_t rawbytes;

static bool ends_with_word(const char *name, const char *w)
{
	size_t n = strlen(name), k = strlen(w);
	return n >= k && strcmp(name + n - k, w) == 0 && (n == k || name[n - k - 1] == '-');
}

static void flow_print(FILE *out, unsigned cpu, int kind, const char *fn, const char *name)
{
	char col[600];
	if (kind != FLOW_NONE)
		snprintf(col, sizeof(col), "%*s%s%s", flow.indent, "",
			 kind == FLOW_ENTRY ? " -> " : " <- ", fn);
	else
		snprintf(col, sizeof(col), "%*s| %s:%s", flow.indent, "", fn, name);
	fprintf(out, "%3u %-41s ", cpu, col);
}

/* The held return record: a return unless NEXT_PROBE (NULL: the output ends) is its probe
 * from another EPID. Its column goes out, then what was held behind it. */
static void flow_resolve(int next_epid, const struct ps_probe *next_probe, bool closing)
{
	if (!flow.pending)
		return;
	if (!closing)
		fflush(flow.cookie);     /* the record's text, into the hold */
	flow.pending = false;
	int kind = next_probe == flow.p_probe && next_epid != flow.p_epid ? FLOW_NONE : FLOW_RETURN;
	if (kind == FLOW_RETURN && flow.indent > 0)
		flow.indent -= 2;
	char name[128];
	flow_print(flow.real, flow.p_cpu, kind, flow.p_fn,
		   ps_name_dashed(flow.p_probe->name, name, sizeof(name)));
	if (flow.nheld && fwrite(flow.held, 1, flow.nheld, flow.real) != flow.nheld)
		flow.failed = true;
	flow.nheld = 0;
	if (flow.real)
		fflush(flow.real);
}

static ssize_t flow_write(void *ctx, const char *buf, size_t n)
{
	(void)ctx;
	if (flow.pending) {
		if (flow.nheld + n > flow.capheld) {
			size_t cap = (flow.nheld + n) * 2;
			char *h = realloc(flow.held, cap);
			if (!h)
				return -1;
			flow.held = h;
			flow.capheld = cap;
		}
		memcpy(flow.held + flow.nheld, buf, n);
		flow.nheld += n;
		return (ssize_t)n;
	}
	if (fwrite(buf, 1, n, flow.real) != n || fflush(flow.real) != 0)
		return -1;
	return (ssize_t)n;
}

static int flow_close(void *ctx)
{
	(void)ctx;
	flow_resolve(0, NULL, true);
	free(flow.held);
	flow.held = NULL;
	return flow.failed || ferror(flow.real) ? -1 : 0;
}

/* Under flowindent, the output the runtime writes to: OUT behind the hold. */
static FILE *flow_stream(FILE *out)
{
	cookie_io_functions_t io = { .write = flow_write, .close = flow_close };
	flow.real = out;
	flow.cookie = fopencookie(NULL, "w", io);
	return flow.cookie ? flow.cookie : out;
}

static void flow_column(FILE *out, const struct ps_event *ev, const char *fn, const char *name)
{
	int epid = flow.r ? rt_epid(flow.r) : 0;
	flow_resolve(epid, ev->probe, false);
	int kind = ends_with_word(name, "entry") ? FLOW_ENTRY :
		   ends_with_word(name, "return") ? FLOW_RETURN : FLOW_NONE;
	if (kind == FLOW_ENTRY && flow.last_epid && epid != flow.last_epid &&
	    ev->probe == flow.last_probe)
		kind = FLOW_NONE;
	flow.last_epid = epid;
	flow.last_probe = ev->probe;
	if (kind == FLOW_RETURN && flow.cookie) {
		fflush(flow.cookie);
		flow.pending = true;
		flow.p_epid = epid;
		flow.p_probe = ev->probe;
		flow.p_cpu = ev->cpu;
		snprintf(flow.p_fn, sizeof(flow.p_fn), "%s", fn);
		return;
	}
	if (kind == FLOW_RETURN && flow.indent > 0)   /* no hold (no stream): no look ahead */
		flow.indent -= 2;
	flow_print(out, ev->cpu, kind, fn, name);
	if (kind == FLOW_ENTRY)
		flow.indent += 2;
}

static int compile(struct opts *o, const struct ps_probe *const *probes, int n, int target,
		   bool zero_ok, struct pg_prog **out)
{
	struct pg_prog *p = pg_new();
	struct dt_opts dopt = {
		.probes = probes, .nprobes = n, .target = target, .macros = o->macros,
		.nmacros = o->nmacros, .zero_ok = zero_ok || o->zero_ok,
		.defaultargs = o->defaultargs, .xopts = o->xopts, .nxopts = o->nxopts,
	};
	for (int i = 0; i < o->nsrc; i++) {
		o->src[i].first_clause = p->nclauses;
		if (dt_compile(o->src[i].name, o->src[i].text, &dopt, p) < 0) {
			pg_free(p);
			return -EINVAL;
		}
		o->src[i].end_clause = p->nclauses;
		/* what the kernel must read at the hit, checked here to point at the call */
		for (int c = o->src[i].first_clause; c < p->nclauses; c++) {
			struct ps_capture cap = { 0 };
			struct bind_err be;
			if (bind_capture(p, c, 0, &cap, &be) < 0) {
				struct dt_lex lx;
				dt_lex_init(&lx, o->src[i].name, o->src[i].text);
				dt_lex_report(&lx, be.line, be.col, be.msg);
				dt_lex_free(&lx);
				pg_free(p);
				return -EINVAL;
			}
		}
	}
	flow.on = p->flowindent;
	rawbytes = !p->rawbytes ? 0 : (size_t)(o->strsize ? o->strsize : p->strsize > 1 ?
					     p->strsize : PS_STRSIZE_DEFAULT);
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

/* Some description may name a python marker (its provider glob matches "python", or is empty):
 * without one, a -c command need not carry markers (syscall, proc, pid, profile only). */
static bool names_python(const struct pg_prog *p)
{
	for (int i = 0; i < p->nclauses; i++)
		for (int k = 0; k < p->clauses[i].npdescs; k++) {
			const struct pg_pdesc *d = &p->clauses[i].pdescs[k];
			if (d->kind == PG_PD_MARKER && fnmatch(d->provider, "python", 0) == 0)
				return true;
		}
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
		if (flow.on)
			fprintf(out, "%3s %-41s\n", "CPU", "FUNCTION");
		else
			fprintf(out, "%3s %6s %32s\n", "CPU", "ID", "FUNCTION:NAME");
		*header_done = true;
	}
	if (flow.on) {
		flow_column(out, ev, p->function, ps_name_dashed(p->name, name, sizeof(name)));
		return;
	}
	snprintf(fn, sizeof(fn), "%s:%s", p->function, ps_name_dashed(p->name, name, sizeof(name)));
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
	if (v.type == PS_V_STR && rawbytes)
		fmt_rawbytes(out, v.s, rawbytes);   /* dt_print_bytes under rawbytes */
	else if (v.type == PS_V_STR)
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

/* dtrace's notice when the -c command ends (dtrace.c's prochandler, on stderr). Like every
 * notice it is kept out of quiet output (-q, or #pragma D option quiet). */
static void command_gone(pid_t pid, int code, int sig, void *ctx)
{
	if (*(const bool *)ctx)
		return;
	flow_resolve(0, NULL, false);   /* a held return record first: the buffers' end */
	if (flow.real)
		fflush(flow.real);
	if (sig) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev)
			fprintf(stderr, "dtrace: pid %d terminated by SIG%s\n", (int)pid, abbrev);
		else
			fprintf(stderr, "dtrace: pid %d terminated by signal %d\n", (int)pid, sig);
	} else if (code) {
		fprintf(stderr, "dtrace: pid %d exited with status %d\n", (int)pid, code);
	} else {
		fprintf(stderr, "dtrace: pid %d has exited\n", (int)pid);
	}
}

int dtrace_main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct replay *rp = NULL;
	struct cap *cap = NULL;
	struct ses_command *cmd = NULL;
	struct pg_prog *prog = NULL;
	struct rt *r = NULL;
	struct kagg_run ks = { 0 };
	struct pidlist named = { 0 };
	struct wants wants = { 0 };
	FILE *out = stdout, *fout = NULL;    /* fout: flowindent's stream in front of out */
	int status = 2, rc;

	rc = parse_args(argc, argv, &o);
	if (rc) {
		status = rc > 0 ? 0 : 2;
		goto done;
	}

	const struct ps_probe *const *probes = NULL;
	int nprobes = 0, target = o.npids ? o.pids[0] : 0, nnamed = 0;
	bool need_markers = o.list, python = o.list;
	if (o.list && !o.command && !o.npids && (o.nsrc || o.provider))
		nnamed = listed_pids(&o, &named);
	if (o.list)
		wants_from_list(&o, &wants);
	if (!need_markers) {
		/* A program on BEGIN, END and ticks only needs no capture (nor root). */
		if (compile(&o, NULL, 0, target, true, &prog) < 0)
			goto done;
		need_markers = uses_markers(prog);
		python = names_python(prog);
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
			.provider = o.use_provider, .markers_optional = o.command && !python,
		};
		if (cap_open(&cfg, &cap) < 0)
			goto done;
		nprobes = cap_probes(cap, &probes);
		if (o.command)
			target = (int)cap_command_pid(cap);
	} else if (o.command && !o.compile_only) {
		/* -c with a program that needs no capture: the command still runs, is $target,
		 * and its end ends the trace (session.h) */
		if (ses_command_open(o.command, &cmd) < 0)
			goto done;
		target = (int)ses_command_pid(cmd);
	} else if (o.npids && !o.compile_only) {
		/* -p with a program that needs no capture: the processes are still watched, and
		 * the run ends when the last has exited (session.h) */
		for (int i = 0; i < o.npids; i++)
			if (kill(o.pids[i], 0) < 0 && errno == ESRCH) {
				fprintf(stderr, "pyscope: no process with pid %d\n", (int)o.pids[i]);
				goto done;
			}
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
		.null_strings = true,
	};
	if (flow.on)
		fout = flow_stream(out);
	fmt_kernel_symbols(!rp);     /* printa's %a keys; a replay's kernel is not this one */
	struct rt_opts ro = { .dialect = &d_rules, .out = fout ? fout : out, .strsize = strsize,
			      .target = target,
			      .replay = rp != NULL, .on_fault = report_fault, .final_aggs = true,
			      .aggsize = o.aggsize, .dynvarsize = o.dynvarsize, .on_drops = report_drops,
			      .stop = &stop_requested, .jstackframes = o.jstackframes,
			      .jstackstrsize = o.jstackstrsize };
	/* the default output's callbacks are always given: setopt("quiet", ...) may turn it on or
	 * off while running (ro.quiet) */
	ro.quiet = quiet;
	ro.record_begin = record_begin;
	ro.record_end = record_end;
	ro.trace = trace_value;
	ro.output_ctx = &header_done;
	ro.record_begin_quiet = flow.on;   /* chew(): the flow column even under quiet */
	/* system() is destructive: dtrace refuses to enable it without -w or the pragma */
	if (prog->destructive_at && !o.destructive && !prog->destructive) {
		fprintf(stderr, "dtrace: failed to enable '%s': Destructive actions not allowed\n",
			o.nsrc && o.src[0].is_file ? o.src[0].name : "(command line)");
		goto done;
	}
	kagg_hook(&ks, cap, &ro);     /* aggregation in the kernel (kagg.h) */
	if (rt_new(prog, probes, nprobes, &ro, &r) < 0 || kagg_setup(&ks, prog, r, strsize) < 0)
		goto done;
	flow.r = r;
	for (int ci = 0; o.verbose && ci < prog->nclauses; ci++) {
		char where[96];
		fprintf(stderr, "dtrace: clause %d (line %d) runs in %s\n", ci + 1,
			prog->clauses[ci].npdescs ? prog->clauses[ci].pdescs[0].line : 0,
			kagg_run_where(&ks, ci, where, sizeof(where)));
	}
	uint32_t strargs;
	const struct ps_probe *p;
	for (int i = 0; (p = rt_enabled(r, i, &strargs)); i++) {
		if (rp)
			replay_enable(rp, p->id, strargs);
		else if (cap && (cap_want(cap, p->id, rt_capture(r, i)) < 0 ||
				 kagg_enable(&ks, r, i, p->id) < 0))
			goto done;
	}
	if (!quiet)
		matched_messages(&o, r);

	stop_catch();
	/* dtrace's words: drops, and the end of the -c command (a notice: not under quiet) */
	const struct ses_dialect words = { report_lost, command_gone, &quiet };
	uint64_t events = 0;
	FILE **sout = fout ? &fout : &out;
	const struct ses_run run = { .r = r, .replay = rp, .cap = cap, .command = cmd, .out = sout,
				     .dialect = &words, .events = &events, .pids = o.pids,
				     .npids = o.npids };
	status = ses_run(&run);   /* cap_close and ses_command_close end a -c command still running */
	if (ks.k && cap) {       /* what kernel clauses on self-> variables could not do */
		uint64_t kagg_agg, kagg_dyn;
		cap_kagg_drops(cap, &kagg_agg, &kagg_dyn);
		report_drops(kagg_agg, kagg_dyn, NULL);
	}
	if (o.verbose && cap)
		fprintf(stderr, "dtrace: %llu events reached user space\n", (unsigned long long)events);
	fflush(out);
done:
	if (fout && fout != out && fclose(fout) != 0)   /* the held return record goes out */
		status = 2;
	if (ses_check_output(out, o.outfile) < 0)
		status = 2;
	rt_free(r);
	kagg_run_free(&ks);
	pg_free(prog);
	replay_close(rp);
	cap_close(cap);
	ses_command_close(cmd);
	for (int i = 0; i < o.nsrc; i++)
		free(o.src[i].text);
	free(o.src);
	free(o.pids);
	for (int i = 0; i < o.ncppargs; i++)
		free((char *)o.cppargs[i]);
	free(o.cppargs);
	free(o.xopts);
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
