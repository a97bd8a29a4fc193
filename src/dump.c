/*
 * dump.c — `pyscope dump -p PID`: every thread's current Python stack, once, like `py-spy dump`.
 *
 * Why the walk is done from user space here and in the kernel for `profile`: a thread blocked on
 * a lock or in a system call does not run, so no perf event or probe fires in its context, and
 * most threads a dump is asked about are exactly those. The walk reads the target's memory with
 * process_vm_readv, following the same recipe pystack.bpf.c follows (pysym_walk), bounded the
 * same way; the target is not stopped, so a running thread's stack is a snapshot that may be cut
 * (marked so). Each thread says what it is doing when the kernel's thread id is known (3.11+):
 * running, waiting for the GIL, waiting on a lock, in a system call (pysym_wait).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "procmaps.h"
#include "pyoffsets.h"
#include "pysym.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pyscope dump -p PID [--depth N] [--locals]\n"
		"\n"
		"Print each Python thread's current stack of process PID, innermost frame first.\n"
		"  -p PID      the process (CPython 3.%d to 3.%d)\n"
		"  --depth N   frames kept per thread (default %d, at most %d)\n"
		"  --locals    under each frame, the names of its local variables\n",
		PYO_MIN_MINOR, PYO_MAX_MINOR, PYSTACK_MAX_DEPTH, PYSTACK_MAX_DEPTH);
}

static int parse_num(const char *opt, const char *s, long lo, long hi, long *out)
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

int dump_main(int argc, char **argv)
{
	long pid = 0, depth = PYSTACK_MAX_DEPTH;
	int locals = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "-p") == 0) {
			if (parse_num("-p", v, 1, 0x7fffffff, &pid) < 0)
				return 2;
			i++;
		} else if (strcmp(a, "--locals") == 0) {
			locals = 1;
		} else if (strcmp(a, "--depth") == 0) {
			if (parse_num("--depth", v, 1, PYSTACK_MAX_DEPTH, &depth) < 0)
				return 2;
			i++;
		} else {
			fprintf(stderr, "pyscope: dump: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!pid) {
		fprintf(stderr, "pyscope: dump needs -p PID\n");
		usage(stderr);
		return 2;
	}
	struct pyo_target t;
	char err[512];
	if (pyo_target_find((pid_t)pid, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "pyscope: %s\n", err);
		return 2;
	}
	struct pysym_proc *sym = pysym_open(&t);
	uint64_t states[PYSTACK_MAX_THREADS], tids[PYSTACK_MAX_THREADS];
	int n = sym ? pysym_threads(&t, states, tids, PYSTACK_MAX_THREADS) : -ENOMEM;
	if (n < 0) {
		fprintf(stderr, "pyscope: process %ld: cannot read its thread states (%s)\n", pid,
			n == -ESRCH ? "it has exited" : "memory unreadable");
		pysym_close(sym);
		return 1;
	}
	int native = t.off.tstate_native_id >= 0;
	printf("Process %ld: CPython 3.%d (%s)\n", pid, t.minor, t.object);
	static struct pystack_frame frames[PYSTACK_MAX_DEPTH];
	/* The interpreter lists its newest thread first: print the oldest (the main thread) first. */
	for (int i = n - 1; i >= 0; i--) {
		unsigned flags;
		int nf = pysym_walk(&t, states[i], frames, (int)depth, &flags);
		char why[64];
		const char *st = native ? pysym_wait(&t, tids[i], why, sizeof(why)) : NULL;
		if (native)
			printf("\nThread %llu%s%s%s\n", (unsigned long long)tids[i], st ? " (" : "", st ? st : "", st ? ")" : "");
		else
			printf("\nThread 0x%llx\n", (unsigned long long)tids[i]);
		for (int k = 0; k < nf; k++) {
			struct pysym_frame f;
			if (pysym_resolve(sym, &frames[k], &f) < 0) {
				printf("    <unreadable>\n");
				continue;
			}
			printf("    %s (%s:%d)\n", f.name, f.file, f.line);
			char names[1024];
			if (locals && pysym_locals(sym, frames[k].code, names, sizeof(names)) == 0 && names[0])
				printf("        locals: %s\n", names);
		}
		if (flags & PYSTACK_F_CUT)
			printf("    <cut: the next frame could not be read>\n");
		if (flags & PYSTACK_F_TRUNCATED)
			printf("    <truncated at %ld frames>\n", depth);
	}
	pysym_close(sym);
	return 0;
}
