/*
 * fuzz_dt.c — libFuzzer target for the D front-end (dt_parse.h) and, for the programs it
 * accepts, the runtime (rt.h): the input is a D program, compiled against the eight python
 * probes of one process as `dtrace -s` would, without attaching anything; a program that
 * compiles then runs BEGIN, three hits of every probe it enables (strings and small integers as
 * arguments), and END, with its output thrown away. Ticks are never run (no clock, no loops);
 * a program calling system() is never run (dtrace refuses it without -w).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dt_parse.h"
#include "event.h"
#include "prog.h"
#include "rt.h"

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
}

static void run(const struct pg_prog *p)
{
	struct rt_opts o = { .out = devnull, .target = TARGET, .replay = true, .on_fault = no_fault,
			     .final_aggs = true };
	struct rt *r;
	if (p->destructive_at)     /* system() would run the fuzzer's commands: never (no -w) */
		return;
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
	char *src = malloc(size + 1);
	if (!src)
		return 0;
	memcpy(src, data, size);
	src[size] = 0;
	struct dt_opts o = { .probes = probe_list, .nprobes = PS_M_COUNT, .target = TARGET };
	struct pg_prog *p = pg_new();
	if (dt_compile("fuzz.d", src, &o, p) == 0)
		run(p);
	pg_free(p);
	free(src);
	return 0;
}
