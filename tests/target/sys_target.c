/*
 * sys_target — a program whose system calls, function calls, forks, threads and CPU time are known
 * exactly, for the tests of the operating system's providers (syscall, pid, proc, profile). It
 * carries one python marker only so that `-c` accepts it as a target.
 *
 *   sys_target OP...   ops run in order:
 *   write:N      N one-byte write()s to /dev/null
 *   badclose     one close(-1): fails with EBADF
 *   call:N       N calls of sys_work(i, 7), which returns i * 7 (not inlined)
 *   fork:N       N children, each exec'ing /bin/true; each one waited for
 *   exitkid:C    one child that exits with status C; waited for
 *   threads:N    N threads, each started and joined
 *   spin:MS      MS milliseconds of CPU
 *   wait:FILE    wait until FILE exists
 */
#define _GNU_SOURCE
#include <sys/sdt.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) long sys_work(long i, long k)
{
	__asm__ volatile("" ::: "memory");
	return i * k;
}

static void *thread_main(void *arg)
{
	return arg;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	STAP_PROBE(python, sys_target__start);
	volatile long sum = 0;
	for (int a = 1; a < argc; a++) {
		const char *op = argv[a], *v = strchr(op, ':');
		long n = v ? atol(v + 1) : 0;
		if (strncmp(op, "write:", 6) == 0) {
			int fd = open("/dev/null", O_WRONLY);
			for (long i = 0; i < n; i++)
				if (write(fd, "x", 1) != 1)
					return 1;
			close(fd);
		} else if (strcmp(op, "badclose") == 0) {
			close(-1);
		} else if (strncmp(op, "call:", 5) == 0) {
			for (long i = 0; i < n; i++)
				sum += sys_work(i, 7);
		} else if (strncmp(op, "fork:", 5) == 0) {
			for (long i = 0; i < n; i++) {
				pid_t p = fork();
				if (p == 0) {
					execl("/bin/true", "true", (char *)NULL);
					_exit(127);
				}
				waitpid(p, NULL, 0);
			}
		} else if (strncmp(op, "exitkid:", 8) == 0) {
			pid_t p = fork();
			if (p == 0)
				_exit((int)n);
			waitpid(p, NULL, 0);
		} else if (strncmp(op, "threads:", 8) == 0) {
			for (long i = 0; i < n; i++) {
				pthread_t t;
				pthread_create(&t, NULL, thread_main, NULL);
				pthread_join(t, NULL);
			}
		} else if (strncmp(op, "spin:", 5) == 0) {
			double end = now() + n / 1000.0;
			while (now() < end)
				sum++;
		} else if (strncmp(op, "wait:", 5) == 0) {
			while (access(v + 1, F_OK) != 0)
				usleep(1000);
		} else {
			fprintf(stderr, "sys_target: unknown op %s\n", op);
			return 2;
		}
	}
	return 0;
}
