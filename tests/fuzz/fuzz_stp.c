/*
 * fuzz_stp.c — libFuzzer target for the SystemTap front-end (stp_lex, stp_parse, stp_sema) and,
 * for the scripts it accepts, the runtime: the input is a script, elaborated against the eight
 * python markers of one recorded process (as `pyscope stap --replay` would: no binary is read),
 * with no tapsets; a script that elaborates runs its begin probes, three hits of every marker it
 * enables, and its end probes, with stap's limits (MAXACTION bounds every loop) and its output
 * thrown away. Timers are never run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "prog.h"
#include "rt.h"
#include "stp_lex.h"
#include "stp_parse.h"
#include "stp_sema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { TARGET = 4242 };

static struct ps_probe probes[PS_M_COUNT];
static const struct ps_probe *probe_list[PS_M_COUNT];
static FILE *devnull;

static void no_fault(const struct rt_fault *f, void *ctx)
{
	(void)f;
	(void)ctx;
}

static int markers(const char *path, const struct ps_probe *const **out, void *ctx)
{
	(void)path;
	(void)ctx;
	*out = probe_list;
	return PS_M_COUNT;
}

static void setup(void)
{
	for (int i = 0; i < PS_M_COUNT; i++) {
		probes[i] = (struct ps_probe){
			.id = i + 1, .marker = i, .pid = TARGET, .provider = "python",
			.name = ps_marker_name(i), .module = "python3.11", .path = "/usr/bin/python3.11",
			.function = "-", .nargs = 3,
		};
		probe_list[i] = &probes[i];
	}
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	/* the front-end's messages are not what is being tested */
	if (!freopen("/dev/null", "w", stderr))
		abort();
}

static const struct rt_dialect stap = { .keep_zero = true, .fault_ends_run = true,
					 .fault_keeps_output = true, .dump_globals = true };

static void run(const struct pg_prog *p)
{
	struct rt_opts o = { .dialect = &stap, .out = devnull, .target = TARGET, .replay = true,
			     .on_fault = no_fault, .maxmapentries = RT_MAXMAPENTRIES_DEFAULT,
			     .maxnesting = RT_MAXNESTING_DEFAULT, .maxaction = RT_MAXACTION_DEFAULT };
	struct rt *r;
	if (rt_new(p, probe_list, PS_M_COUNT, &o, &r) < 0)
		return;
	uint64_t now = 1000000000;
	int stop = rt_begin(r, now);
	uint32_t strargs;
	const struct ps_probe *pr;
	for (int i = 0; !stop && (pr = rt_enabled(r, i, &strargs)); i++) {
		for (int k = 0; !stop && k < 3; k++) {
			struct ps_event ev = { .ts = now + 1000 * (uint64_t)(i * 3 + k), .pid = TARGET,
					       .tid = TARGET + k, .cpu = (uint32_t)k, .probe = pr, .nargs = 3 };
			static const char *const strs[3] = { "/tmp/app.py", "start", "x" };
			for (int a = 0; a < 3; a++) {
				ev.args[a] = k + a;
				ev.str[a] = (strargs >> a & 1) ? strs[a] : NULL;
			}
			strcpy(ev.comm, "python3.11");
			stop = rt_event(r, &ev);
		}
	}
	rt_end(r, now + 1000000);
	rt_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!devnull)
		setup();
	if (memchr(data, 0, size))
		return 0;   /* stap.c refuses a NUL byte before the lexer */
	struct stp_src src = { "fuzz.stp", malloc(size + 1) };
	if (!src.text)
		return 0;
	memcpy(src.text, data, size);
	src.text[size] = 0;
	struct stp_toks toks = { 0 };
	struct stp_file f = { 0 };
	char *argv[] = { "1", "two" };
	struct stp_ppenv env = { "6.1.0", "6.1.0-18-amd64", "x86_64", 2, argv };
	if (stp_lex(&src, &toks) == 0 && stp_parse(&toks, &src, &env, &f) == 0) {
		struct stp_sema_opts so = { .markers = markers, .target_exe = "/usr/bin/python3.11",
					    .target = TARGET, .argc = 2, .argv = argv, .replay = true };
		struct stp_info info = { 0 };
		struct pg_prog *p = pg_new();
		if (stp_elaborate(&f, NULL, 0, &so, p, &info) == 0)
			run(p);
		pg_free(p);
		stp_info_free(&info);
	}
	stp_file_free(&f);
	stp_toks_free(&toks);
	free(src.text);
	return 0;
}
