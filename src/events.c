/*
 * events.c — `pyscope events`: the first consumer of capture. Prints every marker hit of a
 * command, of running processes or of the whole system, one line per hit: readable by default,
 * or the JSON-lines stream documented in event.h with --json (what replay reads back).
 *
 *   pyscope events [-c CMD | -p PID... | --all [BINARY]] [--markers LIST] [--json] [--strsize N]
 *                  [--stack] [--vtimestamp] [--ustack | --ustack-cfi]
 *
 * Human lines: TIME_NS PID TID CPU MARKER ARGS..., strings as they are (quoted JSON-style when
 * empty or holding blanks or control bytes, "..." after one that was cut at strsize), integers in
 * decimal, the audit tuple pointer in hex. Lost records are reported on stderr as they happen and
 * in the summary; with --json the stream carries them as {"lost":N} lines and ends with
 * {"end":{...}}. --vtimestamp and --ustack (with --json) add what a replayed D script reads of
 * the hit beyond the arguments: "vts" (the thread's on-CPU ns: vtimestamp) and "ustack" (the
 * native return addresses: ustack(), ucaller), so that a script replays as it ran live. (The
 * stream's "mem" section, copyin's bytes, needs the script's addresses: events never asks.)
 * The exit status is the command's with -c, 0 after a stop (stop.h), 2 when
 * nothing could be traced.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "capture.h"
#include "commands.h"
#include "event.h"
#include "jsonw.h"
#include "sdt.h"
#include "stop.h"

#define OUTBUF (1 << 20)         /* the output buffer: flushed after each batch, not each line */
#define FLUSH_MS 200             /* longest a line waits in the output buffer while events flow */

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Arguments shown in hex by the human format: pointers (bit i: argument i). */
static const uint32_t pointer_args[PS_M_COUNT] = {
	[PS_M_AUDIT] = 0x2,
};

struct out {
	FILE *f;                 /* stop_stdout(): a stalled reader cannot hold a stop up */
	bool json;
	uint64_t events, lost;
	long flushed;            /* when f was last flushed (ms) */
	int err;                 /* the output failed (negative errno): nothing more is written */
	char **probe_json;       /* per probe id: its constant "probe","module","function" members */
	int nprobe_json;
	char **probe_name;       /* per probe id: its name as human lines show it (escaped) */
	int nprobe_name;
};

/* What each marker's arguments are, for the help (CPython's instrumentation howto). */
static const char *const marker_args[PS_M_COUNT] = {
	[PS_M_FUNCTION_ENTRY] = "FILENAME FUNCNAME LINENO",
	[PS_M_FUNCTION_RETURN] = "FILENAME FUNCNAME LINENO",
	[PS_M_LINE] = "FILENAME FUNCNAME LINENO",
	[PS_M_GC_START] = "GENERATION",
	[PS_M_GC_DONE] = "COLLECTED",
	[PS_M_IMPORT_START] = "MODULE",
	[PS_M_IMPORT_DONE] = "MODULE FOUND",
	[PS_M_AUDIT] = "EVENT ARGS_TUPLE (a pointer, in hex)",
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pyscope events [-c CMD | -p PID... | --all [BINARY]] [--markers LIST] [--json]\n"
		"                      [--strsize N] [--stack] [--vtimestamp] [--ustack | --ustack-cfi]\n"
		"\n"
		"Print every python marker hit, one line per hit. (The operating system's providers,\n"
		"syscall, proc, pid and profile, are D's: pyscope dtrace -l lists them.)\n"
		"  -c CMD          run CMD (split into words like dtrace -c: blanks separate, quotes group)\n"
		"                  and trace it from its first instruction; exits with CMD's exit status\n"
		"  -p PID          trace a running process (repeatable); ends when they have all exited\n"
		"  --all [BINARY]  every process running BINARY (default: the Pythons found: python3 and\n"
		"                  python3.* on PATH, in /usr/local/bin and /usr/bin), including processes\n"
		"                  started later; for a Python built with --enable-shared, every user of\n"
		"                  its libpython\n"
		"  --markers LIST  comma-separated marker names or globs, either spelling, provider\n"
		"                  optional (function__entry, function-entry, 'python:gc*'); default: all\n"
		"  --json          JSON lines instead (the stream replay reads: one object per hit,\n"
		"                  {\"lost\":N} when records were lost, {\"end\":{...}} last)\n"
		"  --strsize N     bytes kept of each string, NUL included (default %d, at most %d)\n"
		"  --stack         under each hit, the thread's Python stack, innermost first, walked in\n"
		"                  the kernel at the hit (\"    func (file:line)\"; JSON: \"pystack\")\n"
		"  --vtimestamp    with --json: each hit's \"vts\", the thread's on-CPU nanoseconds\n"
		"                  (what a replayed D script's vtimestamp reads)\n"
		"  --ustack        with --json: each hit's \"ustack\", the native user stack's return\n"
		"                  addresses, innermost first (a replayed script's ustack(), ucaller),\n"
		"                  from the frame pointers\n"
		"  --ustack-cfi    --ustack, also unwinding with the CFI where frame pointers stop\n"
		"                  (8 KiB of stack copied per hit: a fast program can fill the ring)\n"
		"  --provider      -c: load pyscope's provider into the command (a CPython 3.8-3.14\n"
		"                  without markers; done by itself for one named python*)\n"
		"  --no-provider   -c: never load it (see pyscope provider --help)\n"
		"\n"
		"Each line: TIME_NS PID TID CPU MARKER ARG..., separated by single spaces, where TIME_NS is\n"
		"CLOCK_MONOTONIC nanoseconds taken at the hit and MARKER is in the stapsdt spelling.\n"
		"The ARGs, in the marker's order:\n",
		PS_STRSIZE_DEFAULT, PS_STRSIZE_MAX);
	for (int m = 0; m < PS_M_COUNT; m++)
		fprintf(f, "  %-26s %s\n", ps_marker_name(m), marker_args[m]);
	fprintf(f,
		"Integers in decimal. Strings as they are, or in JSON double quotes (with JSON escapes)\n"
		"when empty or holding a blank, a quote or a control byte; a string cut at strsize is\n"
		"followed by \"...\". A string the process's memory did not give at the hit is shown as\n"
		"its pointer, in hex (0x...).\n"
		"\n"
		"Lost records (the ring buffer was full) are reported on stderr as they happen\n"
		"(\"pyscope: N events lost\") and in the summary. Ctrl-C, SIGTERM, SIGHUP, or the\n"
		"output's reader going away (SIGPIPE) stops: what was captured is printed (to a reader\n"
		"that stalls, for at most %d s more), then the summary \"pyscope: N events, M lost\" on\n"
		"stderr, exit 0; a -c command still running then is ended too, as dtrace(1) ends a\n"
		"process it created. (Killed by SIGKILL, pyscope can end nothing: the command runs on,\n"
		"untraced, as under dtrace(1).)\n"
		"Exit status: the command's with -c (128+N when killed by signal N), 0 otherwise;\n"
		"2 when nothing could be traced (one line on stderr says why).\n", STOP_GRACE_MS / 1000);
}

/* Output is the hot path of the reader: lines are put together with the helpers below (decimal
 * digits by hand, unlocked stdio) rather than printf, which costs more than the rest together. */
static void put_u64(FILE *f, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	fwrite_unlocked(p, 1, buf + sizeof(buf) - p, f);
}

static void put_i64(FILE *f, int64_t v)
{
	if (v < 0) {
		putc_unlocked('-', f);
		put_u64(f, -(uint64_t)v);
	} else {
		put_u64(f, (uint64_t)v);
	}
}

static void put_str(FILE *f, const char *s)
{
	fputs_unlocked(s, f);
}

/* Printable ASCII without quote or backslash: written as it is, in JSON and in human lines. */
static bool plain_ascii(const char *s, size_t *len)
{
	const char *p = s;
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e || *p == '"' || *p == '\\')
			return false;
	*len = p - s;
	return true;
}

static void put_json_str(FILE *f, const char *s)
{
	size_t len;
	if (s && plain_ascii(s, &len)) {
		putc_unlocked('"', f);
		fwrite_unlocked(s, 1, len, f);
		putc_unlocked('"', f);
	} else {
		jsonw_str(f, s);
	}
}

/* Human lines keep a string bare unless it is empty or holds a blank, a quote or a control byte:
 * its length when it is bare, 0 when not. */
static size_t plain_len(const char *s)
{
	bool high = false;
	const char *p = s;
	for (; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == 0x7f)
			return 0;
		high |= (unsigned char)*p >= 0x80;
	}
	/* Beyond ASCII: bare only when it is UTF-8 without C1 controls (no escape sequences). */
	return !high || jsonw_text_safe(s) ? (size_t)(p - s) : 0;
}

/* A human line is put together here and handed to stdio in one write: a write per field cost
 * more than the rest of the reader together. A field that does not fit flushes what is there. */
struct line {
	FILE *f;
	size_t n;
	char buf[8192];
};

static void line_flush(struct line *l)
{
	if (l->n)
		fwrite_unlocked(l->buf, 1, l->n, l->f);
	l->n = 0;
}

static void line_put(struct line *l, const char *s, size_t len)
{
	if (l->n + len > sizeof(l->buf)) {
		line_flush(l);
		if (len > sizeof(l->buf)) {
			fwrite_unlocked(s, 1, len, l->f);
			return;
		}
	}
	memcpy(l->buf + l->n, s, len);
	l->n += len;
}

/* V in decimal, after a byte SEP (0: none). */
static void line_u64(struct line *l, char sep, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	if (sep)
		*--p = sep;
	line_put(l, p, tmp + sizeof(tmp) - p);
}

/* --stack: the Python frames under the event, as `pyscope dump` prints them. */
static void print_pystack(FILE *f, const struct ps_event *ev)
{
	for (int i = 0; i < ev->npyframes; i++)
		fprintf(f, "    %s (%s:%d)\n", ev->pyframes[i].func, ev->pyframes[i].file,
			ev->pyframes[i].line);
	if (ev->pyflags & PS_PYSTACK_CUT)
		put_str(f, "    <cut: the next frame could not be read>\n");
	if (ev->pyflags & PS_PYSTACK_TRUNCATED)
		put_str(f, "    <truncated>\n");
	if (!ev->npyframes && !(ev->pyflags & PS_PYSTACK_CUT))
		put_str(f, "    <no python stack>\n");
}

static int print_human(const struct ps_event *ev, struct out *o)
{
	static struct line l;
	const struct ps_probe *p = ev->probe;
	/* Pointers in hex: the audit tuple, and a string the process's memory did not give. */
	uint32_t ptrs = p->marker >= 0 && p->marker < PS_M_COUNT ?
			pointer_args[p->marker] | cap_default_strargs(p->marker) : 0;
	l.f = o->f;
	l.n = 0;
	line_u64(&l, 0, ev->ts);
	line_u64(&l, ' ', ev->pid);
	line_u64(&l, ' ', ev->tid);
	line_u64(&l, ' ', ev->cpu);
	line_put(&l, " ", 1);
	line_put(&l, o->probe_name[p->id], strlen(o->probe_name[p->id]));
	for (int i = 0; i < ev->nargs; i++) {
		line_put(&l, " ", 1);
		if (ev->str[i]) {
			size_t len = plain_len(ev->str[i]);
			if (len) {
				line_put(&l, ev->str[i], len);
			} else {
				line_flush(&l);
				jsonw_str(o->f, ev->str[i]);
			}
			if (ev->cut & (1u << i))
				line_put(&l, "...", 3);
		} else if (ptrs & (1u << i)) {
			line_flush(&l);
			fprintf(o->f, "0x%llx", (unsigned long long)ev->args[i]);
		} else if (ev->args[i] < 0) {
			line_u64(&l, '-', -(uint64_t)ev->args[i]);
		} else {
			line_u64(&l, 0, (uint64_t)ev->args[i]);
		}
	}
	line_put(&l, "\n", 1);
	line_flush(&l);
	if (ev->pyframes)
		print_pystack(o->f, ev);
	return 0;
}

static int print_json(const struct ps_event *ev, struct out *o)
{
	FILE *f = o->f;
	put_str(f, "{\"ts\":");
	put_u64(f, ev->ts);
	put_str(f, ",\"pid\":");
	put_u64(f, ev->pid);
	put_str(f, ",\"tid\":");
	put_u64(f, ev->tid);
	put_str(f, ",\"cpu\":");
	put_u64(f, ev->cpu);
	put_str(f, ",\"comm\":");
	put_json_str(f, ev->comm);
	put_str(f, o->probe_json[ev->probe->id]);
	put_str(f, ",\"args\":[");
	for (int i = 0; i < ev->nargs; i++) {
		if (i)
			putc_unlocked(',', f);
		put_i64(f, ev->args[i]);
	}
	put_str(f, "],\"str\":[");
	for (int i = 0; i < ev->nargs; i++) {
		if (i)
			putc_unlocked(',', f);
		put_json_str(f, ev->str[i]);
	}
	put_str(f, "],\"cut\":[");
	for (int i = 0, n = 0; i < ev->nargs; i++)
		if (ev->cut & (1u << i)) {
			if (n++)
				putc_unlocked(',', f);
			put_u64(f, i);
		}
	putc_unlocked(']', f);
	if (ev->sections & PS_SEC_VTS) {
		put_str(f, ",\"vts\":");
		put_u64(f, ev->vts);
	}
	if (ev->sections & PS_SEC_USTACK) {
		put_str(f, ",\"ustack\":[");
		for (int i = 0; i < ev->nustack; i++) {
			if (i)
				putc_unlocked(',', f);
			put_i64(f, (int64_t)ev->ustack[i]);   /* replay reads the bits back as they are */
		}
		putc_unlocked(']', f);
	}
	if (ev->pyframes) {
		/* "pystack": innermost first; "pyflags": event.h's PS_PYSTACK_* when not 0 */
		put_str(f, ",\"pystack\":[");
		for (int i = 0; i < ev->npyframes; i++) {
			put_str(f, i ? ",{\"func\":" : "{\"func\":");
			put_json_str(f, ev->pyframes[i].func);
			put_str(f, ",\"file\":");
			put_json_str(f, ev->pyframes[i].file);
			put_str(f, ",\"line\":");
			put_i64(f, ev->pyframes[i].line);
			putc_unlocked('}', f);
		}
		putc_unlocked(']', f);
		if (ev->pyflags) {
			put_str(f, ",\"pyflags\":");
			put_u64(f, ev->pyflags);
		}
	}
	put_str(f, "}\n");
	return 0;
}

static int on_event(const struct ps_event *ev, void *ctx)
{
	struct out *o = ctx;
	if (o->err)
		return 1;       /* the output is gone: stop delivering */
	o->events++;
	return o->json ? print_json(ev, o) : print_human(ev, o);
}

/* The output's state after a write: once it failed, the trace ends. */
static int check_out(struct out *o)
{
	if (!o->err && ferror(o->f))
		o->err = stop_out_error() ? stop_out_error() : -EIO;
	return o->err;
}

static void on_lost(uint64_t lost, int cpu, void *ctx)
{
	struct out *o = ctx;
	o->lost += lost;
	if (o->json && !o->err)
		fprintf(o->f, "{\"lost\":%llu,\"cpu\":%d}\n", (unsigned long long)lost, cpu);
	fflush(o->f);
	check_out(o);
	fprintf(stderr, "pyscope: %llu events lost\n", (unsigned long long)lost);
}

/* Between two waits of the capture loop: show what there is when idle and at least every
 * FLUSH_MS while busy; a failed output ends the trace. */
static int between(void *ctx, int delivered)
{
	struct out *o = ctx;
	long now = now_ms();
	if (delivered == 0 || now - o->flushed >= FLUSH_MS) {
		fflush(o->f);
		o->flushed = now;
	}
	return check_out(o) ? -1 : CAP_WAIT_MS;
}

/* The "probe", "module" and "function" members of each probe's JSON lines, built once. */
static int build_probe_json(struct out *o, const struct ps_probe *const *probes, int n)
{
	o->probe_json = calloc(n + 1, sizeof(char *));
	if (!o->probe_json)
		return -ENOMEM;
	o->nprobe_json = n + 1;
	for (int i = 0; i < n; i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);
		if (!m)
			return -ENOMEM;
		fputs(",\"probe\":", m);
		char full[256];
		snprintf(full, sizeof(full), "%s:%s", probes[i]->provider, probes[i]->name);
		jsonw_str(m, full);
		fputs(",\"module\":", m);
		jsonw_str(m, probes[i]->module);
		fputs(",\"function\":", m);
		jsonw_str(m, probes[i]->function);
		fclose(m);
		o->probe_json[probes[i]->id] = buf;
	}
	return 0;
}

/* Each probe's name for human lines, escaped once (a crafted object's notes may hold any byte). */
static int build_probe_names(struct out *o, const struct ps_probe *const *probes, int n)
{
	o->probe_name = calloc(n + 1, sizeof(char *));
	if (!o->probe_name)
		return -ENOMEM;
	o->nprobe_name = n + 1;
	for (int i = 0; i < n; i++)
		if (!(o->probe_name[probes[i]->id] = jsonw_printable(probes[i]->name)))
			return -ENOMEM;
	return 0;
}

/* --markers: every item must match some probe; enable what matches, with SECTIONS (PS_SEC_*:
 * the Python stack, the native stack, vtimestamp) read at each hit. */
static int enable_markers(struct cap *c, const char *list, uint32_t sections, int stack_bytes)
{
	const struct ps_probe *const *probes;
	int n = cap_probes(c, &probes), rc = 0;
	char *copy = strdup(list ? list : "*"), *save = NULL;
	if (!copy)
		return -ENOMEM;
	for (char *item = strtok_r(copy, ",", &save); item && rc == 0;
	     item = strtok_r(NULL, ",", &save)) {
		int hits = 0;
		for (int i = 0; i < n; i++)
			if (sdt_match(item, probes[i]->provider, probes[i]->name)) {
				struct ps_capture w = {
					.strargs = cap_default_strargs(probes[i]->marker),
					.sections = sections,
					.stack_bytes = stack_bytes,
				};
				if ((rc = cap_want(c, probes[i]->id, &w)) < 0) {
					fprintf(stderr, "pyscope: cannot enable %s: %s\n",
						probes[i]->name, strerror(-rc));
					break;
				}
				hits++;
			}
		if (hits || rc < 0)
			continue;
		fprintf(stderr, "pyscope: no marker matches '%s'; markers:", item);
		for (int i = 0, k = 0; i < n; i++) {
			bool seen = false;
			for (int j = 0; j < i; j++)
				seen |= strcmp(probes[j]->name, probes[i]->name) == 0;
			if (!seen)
				fprintf(stderr, "%s %s", k++ ? "," : "", probes[i]->name);
		}
		fputc('\n', stderr);
		rc = -ENOENT;
	}
	free(copy);
	return rc;
}

static int parse_int(const char *opt, const char *s, int min, int max, int *out)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || errno || *end || end == s || v < min || v > max) {
		fprintf(stderr, "pyscope: %s wants a number from %d to %d, not '%s'\n", opt, min, max,
			s ? s : "");
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

int events_main(int argc, char **argv)
{
	struct cap_config cfg = { 0 };
	const char *markers = NULL;
	bool json = false;
	uint32_t sections = 0;       /* PS_SEC_*: --stack, --ustack, --vtimestamp */
	int stack_bytes = 0;         /* --ustack-cfi */
	pid_t *pids = calloc(argc, sizeof(pid_t));
	int modes = 0, status = 2;
	struct cap *c = NULL;
	struct out o = { .f = stdout };

	if (!pids)
		return 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			status = 0;
			goto out;
		} else if (strcmp(a, "-c") == 0 && val) {
			cfg.command = val;
			modes++;
			i++;
		} else if (strcmp(a, "-p") == 0 && val) {
			int pid;
			if (parse_int("-p", val, 1, 0x7fffffff, &pid) < 0)
				goto out;
			if (cfg.npids++ == 0)
				modes++;
			pids[cfg.npids - 1] = pid;
			i++;
		} else if (strcmp(a, "--all") == 0) {
			cfg.all = true;
			modes++;
			if (val && val[0] != '-') {
				cfg.binary = val;
				i++;
			}
		} else if (strcmp(a, "--markers") == 0 && val) {
			markers = val;
			i++;
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "--stack") == 0) {
			sections |= PS_SEC_PYSTACK;
		} else if (strcmp(a, "--ustack") == 0) {
			sections |= PS_SEC_USTACK;
		} else if (strcmp(a, "--ustack-cfi") == 0) {
			/* the stack's top copied at each hit: a stack the CFI unwinds where frame
			 * pointers stop, at 8 KiB a record (not the default: a call-heavy program
			 * outruns the ring with records that size) */
			sections |= PS_SEC_USTACK;
			stack_bytes = PS_STACK_BYTES;
		} else if (strcmp(a, "--vtimestamp") == 0) {
			sections |= PS_SEC_VTS;
		} else if (strcmp(a, "--strsize") == 0 && val) {
			if (parse_int("--strsize", val, PS_STRSIZE_MIN, PS_STRSIZE_MAX,
				      &cfg.strsize) < 0)
				goto out;
			i++;
		} else if (strcmp(a, "--ring-kb") == 0 && val) {       /* undocumented: tests */
			if (parse_int("--ring-kb", val, 4, 1 << 20, &cfg.ring_kb) < 0)
				goto out;
			i++;
		} else if (strcmp(a, "--provider") == 0 || strcmp(a, "--no-provider") == 0) {
			cfg.provider = a[2] == 'p' ? 1 : -1;
		} else if (strcmp(a, "--floor") == 0) {    /* undocumented: bench/run's floor */
			cfg.floor = true;
		} else {
			bool wants_value = strcmp(a, "-c") == 0 || strcmp(a, "-p") == 0 ||
					   strcmp(a, "--markers") == 0 || strcmp(a, "--strsize") == 0;
			if (wants_value)
				fprintf(stderr, "pyscope: events: %s needs a value\n", a);
			else
				fprintf(stderr, "pyscope: events: unknown argument '%s'\n", a);
			usage(stderr);
			goto out;
		}
	}
	cfg.pids = pids;
	if (modes != 1) {
		fprintf(stderr, "pyscope: events needs exactly one of -c CMD, -p PID or --all\n");
		usage(stderr);
		goto out;
	}

	if ((sections & (PS_SEC_USTACK | PS_SEC_VTS)) && !json) {
		fprintf(stderr, "pyscope: events: --%s is for --json recordings (add --json)\n",
			sections & PS_SEC_VTS ? "vtimestamp" : "ustack");
		goto out;
	}
	if (cap_open(&cfg, &c) < 0 || enable_markers(c, markers, sections, stack_bytes) < 0 || cap_attach(c) < 0)
		goto out;
	const struct ps_probe *const *probes;
	int nprobes = cap_probes(c, &probes);
	o.json = json;
	if (json ? build_probe_json(&o, probes, nprobes) < 0 : build_probe_names(&o, probes, nprobes) < 0)
		goto out;
	o.f = stop_stdout();
	setvbuf(o.f, NULL, _IOFBF, OUTBUF);

	stop_catch();
	if (!cfg.command)
		fprintf(stderr, "pyscope: tracing; Ctrl-C to stop\n");
	if (cap_start(c) < 0) {
		fprintf(stderr, "pyscope: cannot start the command\n");
		goto out;
	}

	struct ps_sink sink = { on_event, on_lost, &o };
	struct cap_loop loop = { &sink, &stop_requested, between, &o };
	o.flushed = now_ms();
	int end = cap_run(c, &loop);
	if (json && !o.err)
		fprintf(o.f, "{\"end\":{\"events\":%llu,\"lost\":%llu}}\n",
			(unsigned long long)o.events, (unsigned long long)o.lost);
	fflush(o.f);
	check_out(&o);
	/* A reader that went away (EPIPE) is a way to stop, not an error: said nothing of. */
	if (o.err == -ETIMEDOUT)
		fprintf(stderr, "pyscope: output cut short: its reader stopped reading\n");
	else if (o.err && o.err != -EPIPE)
		fprintf(stderr, "pyscope: cannot write the output: %s\n", strerror(-o.err));
	fprintf(stderr, "pyscope: %llu events, %llu lost\n", (unsigned long long)o.events,
		(unsigned long long)o.lost);
	status = 0;
	if (cfg.command && end == CAP_END_GONE)
		status = cap_command_status(c) < 0 ? 0 : cap_command_status(c);
	if (end < 0 || (o.err && o.err != -EPIPE && o.err != -ETIMEDOUT))
		status = 2;
out:
	cap_close(c);
	for (int i = 0; i < o.nprobe_json; i++)
		free(o.probe_json[i]);
	free(o.probe_json);
	for (int i = 0; i < o.nprobe_name; i++)
		free(o.probe_name[i]);
	free(o.probe_name);
	free(pids);
	fflush(stdout);
	return status;
}
