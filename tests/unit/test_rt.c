/*
 * test_rt.c — the runtime's contract with capture: which probes a program enables and which
 * arguments it asks to be copied as strings ("only what a script uses is captured"), checked on
 * D programs compiled against a fixed list of probes; and the runtime driven directly with events
 * (per-thread variables, predicates in program order, faults counted, exit()).
 */
#include <stdlib.h>
#include <string.h>
#include "dt_parse.h"
#include "rt.h"
#include "unit.h"

static const struct ps_probe probes[] = {
	{ 1, PS_M_FUNCTION_ENTRY, 100, "python", "function__entry", "python3.11", "/usr/bin/python3.11", "-", 3 },
	{ 2, PS_M_FUNCTION_RETURN, 100, "python", "function__return", "python3.11", "/usr/bin/python3.11", "-", 3 },
	{ 3, PS_M_GC_START, 100, "python", "gc__start", "python3.11", "/usr/bin/python3.11", "-", 1 },
	{ 4, PS_M_LINE, 100, "python", "line", "python3.11", "/usr/bin/python3.11", "-", 3 },
	{ 5, PS_M_FUNCTION_ENTRY, 200, "python", "function__entry", "python3.11", "/usr/bin/python3.11", "-", 3 },
};
static const struct ps_probe *list[5] = { &probes[0], &probes[1], &probes[2], &probes[3], &probes[4] };

static char *out;
static size_t outlen;
static FILE *outf;
static struct rt_fault last_fault;
static char last_what[64];

static void on_fault(const struct rt_fault *f, void *ctx)
{
	(void)ctx;
	last_fault = *f;
	snprintf(last_what, sizeof(last_what), "%s", f->what);
}

static struct rt *make(const char *src, struct pg_prog **pp)
{
	struct dt_opts o = { .probes = list, .nprobes = 5, .target = 100 };
	struct pg_prog *p = pg_new();
	if (dt_compile("test.d", src, &o, p) < 0) {
		pg_free(p);
		return NULL;
	}
	if (outf)
		fclose(outf);
	free(out);
	out = NULL;
	outf = open_memstream(&out, &outlen);
	struct rt_opts ro = { .out = outf, .replay = true, .target = 100,
			      .final_aggs = true, .on_fault = on_fault };
	struct rt *r;
	if (rt_new(p, list, 5, &ro, &r) < 0)
		return NULL;
	*pp = p;
	return r;
}

/* Enabled probe ids as "id:mask id:mask". */
static const char *enabled(struct rt *r)
{
	static char buf[256];
	const struct ps_probe *p;
	uint32_t m;
	buf[0] = 0;
	for (int i = 0; (p = rt_enabled(r, i, &m)); i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%d:%x", i ? " " : "", p->id, m);
	return buf;
}

static void check_enabled(const char *name, const char *src, const char *want)
{
	struct pg_prog *p;
	struct rt *r = make(src, &p);
	CHECK_STR(name, want, r ? enabled(r) : "(compile error)");
	if (r) {
		rt_free(r);
		pg_free(p);
	}
}

static struct ps_event ev(int probe, uint32_t tid, const char *file, const char *func, int64_t line)
{
	struct ps_event e = { 0 };
	e.ts = 1000;
	e.pid = 100;
	e.tid = tid;
	e.probe = &probes[probe - 1];
	e.nargs = 3;
	e.args[0] = 0x1000;
	e.args[1] = 0x2000;
	e.args[2] = line;
	e.str[0] = file;
	e.str[1] = func;
	strcpy(e.comm, "python3.11");
	return e;
}

int main(void)
{
	check_enabled("nothing enabled for BEGIN only", "BEGIN { exit(0); }", "");
	check_enabled("only the named marker, of the target only",
		      "python$target:::gc-start { }", "3:0");
	check_enabled("copyinstr(arg1) asks for argument 1 only",
		      "python$target:::function-entry { @[copyinstr(arg1)] = count(); }", "1:2");
	check_enabled("args[0] and arg1 in predicate and body",
		      "python$target:::function-entry /copyinstr(args[0]) != \"\"/ { trace(copyinstr(arg1)); }",
		      "1:3");
	check_enabled("integers only: no strings",
		      "python$target:::function-entry, python$target:::function-return { @[arg2] = count(); }",
		      "1:0 2:0");
	check_enabled("masks are per probe",
		      "python$target:::function-entry { trace(copyinstr(arg0)); }\n"
		      "python$target:::function-return { trace(copyinstr(arg1)); }", "1:1 2:2");
	check_enabled("a pointer through a variable asks for every argument",
		      "python$target:::line { self->p = arg0; trace(copyinstr(self->p)); }", "4:7");
	check_enabled("python* matches every process", "python*:::function-entry { }", "1:0 5:0");
	check_enabled("python200 matches that process", "python200:::function-entry { }", "5:0");

	/* Driving the runtime: per-thread variables and clause order. */
	struct pg_prog *p;
	struct rt *r = make(
		"python$target:::function-entry /copyinstr(arg1) == \"start\"/ { self->t = 1; }\n"
		"python$target:::function-entry /self->t/ { printf(\"%d %s\\n\", tid, copyinstr(arg1)); }\n"
		"python$target:::line { x = copyinstr(arg2); }\n"
		"python$target:::gc-start { exit(4); }\n", &p);
	CHECK("compiles", r != NULL);
	if (!r)
		return unit_status();
	CHECK_INT("BEGIN: no exit", 0, rt_begin(r, 1000));
	struct ps_event e = ev(1, 7, "a.py", "start", 1);
	rt_event(r, &e);
	e = ev(1, 8, "a.py", "other", 1);
	rt_event(r, &e);                   /* thread 8 is not tracing */
	e = ev(1, 7, "a.py", "inner", 2);
	rt_event(r, &e);
	e = ev(4, 7, "a.py", "inner", 3);
	rt_event(r, &e);                   /* faults: arg2 was not copied */
	CHECK_INT("one fault counted", 1, rt_faults(r));
	CHECK_STR("fault: what", "invalid address (0x3)", last_what);
	CHECK_INT("fault: probe", 4, last_fault.probe->id);
	CHECK_INT("fault: clause", 2, last_fault.clause);
	CHECK_INT("fault: epid (clause by clause, probe by probe)", 3, last_fault.epid);
	CHECK_INT("fault: action", 1, last_fault.action);
	CHECK_INT("fault: line of the statement", 3, last_fault.line);
	e = ev(3, 7, NULL, NULL, 0);
	CHECK_INT("exit() stops the session", 1, rt_event(r, &e));
	e = ev(1, 7, "a.py", "late", 1);
	CHECK_INT("no event after exit()", 1, rt_event(r, &e));
	CHECK_INT("exit status", 4, rt_end(r, 2000));
	fflush(NULL);
	CHECK_STR("output: thread 7 from start() on, in clause order", "7 start\n7 inner\n", out);
	rt_free(r);
	pg_free(p);
	fclose(outf);
	free(out);
	return unit_status();
}
