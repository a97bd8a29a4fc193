/*
 * sdt_target — a small program carrying the same eight markers as CPython (provider "python", same
 * names, argument order and types, each guarded by its semaphore, as CPython's PyDTrace_* macros
 * are), driven by its arguments to fire exact, known sequences. Live tests use it where a real
 * interpreter would be too noisy to predict.
 *
 *   sdt_target [-t THREADS] OP...
 *
 * Ops run in order, in each of THREADS threads (default 1; thread k numbers its hits k*1000000+i):
 *   call:N          N pairs function__entry/function__return("sdt_target.c", NAME(i), i), i = 0..N-1,
 *                   where NAME(i) is names[i % 8] (short, long, empty, non-ASCII ones)
 *   line:N          N line("sdt_target.c", "loop", i)
 *   long:LEN        one function__entry/return pair whose function name is LEN 'x' characters
 *   name:STR        one function__entry/return pair whose function name is STR, bytes as given
 *   fault           one function__entry/return pair whose function name points to unmapped memory
 *   gc:GEN:N        gc__start(GEN) then gc__done(N)
 *   import:NAME:F   import__find__load__start(NAME), import__find__load__done(NAME, F)
 *   audit:EVENT     audit(EVENT, (void *)0x1234)
 *   sleep:MS        sleep MS milliseconds
 *   wait:FILE       wait until FILE exists (lets a tracer attach first)
 *   sems            print each marker's semaphore value, "name=value" on one line
 *   spin:SECS       for SECS seconds: call:1 every millisecond (a process to attach to or kill under)
 * Whatever the ops, SIGUSR1 prints the semaphores too.
 */
#define _GNU_SOURCE
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEMAPHORE(name) \
	unsigned short python_##name##_semaphore __attribute__((section(".probes"), used)) = 0
SEMAPHORE(function__entry);
SEMAPHORE(function__return);
SEMAPHORE(line);
SEMAPHORE(gc__start);
SEMAPHORE(gc__done);
SEMAPHORE(import__find__load__start);
SEMAPHORE(import__find__load__done);
SEMAPHORE(audit);

#define ON(name) __builtin_expect(python_##name##_semaphore, 0)

static const char *names[8] = {
	"f", "function_with_a_longer_name", "", "caf\xc3\xa9", "a b", "x1", "__init__", "<module>",
};

static int nops;
static char **ops;

static void print_sems(void)
{
	printf("function__entry=%u function__return=%u line=%u gc__start=%u gc__done=%u "
	       "import__find__load__start=%u import__find__load__done=%u audit=%u\n",
	       python_function__entry_semaphore, python_function__return_semaphore,
	       python_line_semaphore, python_gc__start_semaphore, python_gc__done_semaphore,
	       python_import__find__load__start_semaphore, python_import__find__load__done_semaphore,
	       python_audit_semaphore);
	fflush(stdout);
}

static void on_usr1(int sig)
{
	(void)sig;
	print_sems();
}

static void fire_call(const char *name, int lineno)
{
	if (ON(function__entry))
		STAP_PROBE3(python, function__entry, "sdt_target.c", name, lineno);
	if (ON(function__return))
		STAP_PROBE3(python, function__return, "sdt_target.c", name, lineno);
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void *run_ops(void *arg)
{
	int base = (int)(long)arg * 1000000;
	for (int k = 0; k < nops; k++) {
		char *op = ops[k], *a = strchr(op, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		long n = a ? strtol(a + 1, NULL, 10) : 0;
		if (strncmp(op, "call:", 5) == 0) {
			for (long i = 0; i < n; i++)
				fire_call(names[i % 8], base + (int)i);
		} else if (strncmp(op, "line:", 5) == 0) {
			for (long i = 0; i < n; i++)
				if (ON(line))
					STAP_PROBE3(python, line, "sdt_target.c", "loop", base + (int)i);
		} else if (strncmp(op, "long:", 5) == 0) {
			char *s = malloc(n + 1);
			memset(s, 'x', n);
			s[n] = 0;
			fire_call(s, base);
			free(s);
		} else if (strncmp(op, "name:", 5) == 0) {
			fire_call(a + 1, base);
		} else if (strcmp(op, "fault") == 0) {
			fire_call((const char *)16, base);
		} else if (strncmp(op, "gc:", 3) == 0 && b) {
			int gen = (int)n;
			long collected = strtol(b + 1, NULL, 10);
			if (ON(gc__start))
				STAP_PROBE1(python, gc__start, gen);
			if (ON(gc__done))
				STAP_PROBE1(python, gc__done, collected);
		} else if (strncmp(op, "import:", 7) == 0 && b) {
			char name[256];
			snprintf(name, sizeof(name), "%.*s", (int)(b - a - 1), a + 1);
			int found = atoi(b + 1);
			if (ON(import__find__load__start))
				STAP_PROBE1(python, import__find__load__start, name);
			if (ON(import__find__load__done))
				STAP_PROBE2(python, import__find__load__done, name, found);
		} else if (strncmp(op, "audit:", 6) == 0) {
			if (ON(audit))
				STAP_PROBE2(python, audit, a + 1, (void *)0x1234);
		} else if (strncmp(op, "sleep:", 6) == 0) {
			msleep(n);
		} else if (strncmp(op, "wait:", 5) == 0) {
			while (access(a + 1, F_OK) != 0)
				msleep(5);
		} else if (strcmp(op, "sems") == 0) {
			print_sems();
		} else if (strncmp(op, "spin:", 5) == 0) {
			time_t end = time(NULL) + n;
			while (time(NULL) < end) {
				fire_call("spin", 1);
				msleep(1);
			}
		} else {
			fprintf(stderr, "sdt_target: unknown op '%s'\n", op);
			exit(2);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 1, i = 1;
	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		threads = atoi(argv[2]);
		i = 3;
	}
	ops = argv + i;
	nops = argc - i;
	signal(SIGUSR1, on_usr1);
	if (threads <= 1) {
		run_ops(0);
		return 0;
	}
	pthread_t tids[64];
	if (threads > 64)
		threads = 64;
	for (int t = 0; t < threads; t++)
		pthread_create(&tids[t], NULL, run_ops, (void *)(long)t);
	for (int t = 0; t < threads; t++)
		pthread_join(tids[t], NULL);
	return 0;
}
