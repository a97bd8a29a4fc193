/*
 * session.h — one run of a compiled program, whatever dialect it was written in: the loop that
 * feeds the shared runtime (rt.h) from the live capture, from a recording, or from nothing but
 * its clock (BEGIN, END and ticks only), runs the ticks that fall due between events, flushes
 * what the clauses print, and ends the run when the program exits, a stop is asked for, the
 * targets end, or a deadline passes. `pyscope dtrace` and `pyscope stap` both run through here;
 * what differs between them (the words for lost records, dtrace's notice that the -c command
 * has exited, stap's -T deadline) is passed in as a small table (struct ses_dialect).
 *
 * A -c command with a program that needs no capture (no marker, no operating-system probe) is
 * still started, as dtrace -c and stap -c do: ses_command_open forks it held before its exec (so
 * its pid is $target / target() while the program compiles), ses_run lets it go after BEGIN and
 * ends the run when it exits. So do processes given with dtrace -p: the run ends (END runs,
 * aggregations print) when the last of them has exited.
 */
#ifndef PYSCOPE_SESSION_H
#define PYSCOPE_SESSION_H
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct rt;
struct cap;
struct replay;
struct ses_command;

/* What a dialect says, and how it ends a run. Every member may be NULL / 0. */
struct ses_dialect {
	/* LOST records the capture could not take (CPU -1: not known, as in a recording) */
	void (*on_lost)(uint64_t lost, int cpu, void *ctx);
	/* The -c command PID has exited, with exit code CODE, or killed by signal SIG (non-zero),
	 * before END runs. From the capture, whose status is in the shell's terms, an exit code
	 * above 128 reads as a signal. */
	void (*on_command_gone)(pid_t pid, int code, int sig, void *ctx);
	void *ctx;
};

struct ses_run {
	struct rt *r;
	/* where events come from: a recording, the capture, or neither (the clock only) */
	struct replay *replay;
	struct cap *cap;
	struct ses_command *command;     /* without a capture: the -c command (or NULL) */
	FILE **out;                      /* the current output (stap's switch_file() changes it) */
	uint64_t deadline;               /* live: CLOCK_MONOTONIC ns to end at (stap -T); 0 none */
	const struct ses_dialect *dialect;
	uint64_t *events;                /* live, if set: counts the records that reached the runtime */
	/* dtrace -p: the processes grabbed. Their ends are said (on_command_gone, status not
	 * known: code 0), each once; without a capture the run polls them and ends when all are
	 * gone, as a run with capture does. */
	const pid_t *pids;
	int npids;
};

/* Run S to its end (END clauses run, aggregations print). Returns the exit status the runtime
 * gives (rt_end), or 2 when the capture could not attach or the command could not start. */
int ses_run(const struct ses_run *s);

/* CLOCK_MONOTONIC in ns, the clock the runtime's live timestamps use. */
uint64_t ses_now_ns(void);

/* The -c command of a run with no capture: split into words as capture.h splits them (blanks
 * separate words; '...' and "..." group), looked up on PATH, forked and held before its exec.
 * Returns 0, or a negative errno after one line on stderr. */
int ses_command_open(const char *command, struct ses_command **out);
pid_t ses_command_pid(const struct ses_command *c);
/* Ends a command still running (SIGKILL, as dtrace kills a process it created) or never let go
 * (it leaves without running), and frees C. NULL is fine. */
void ses_command_close(struct ses_command *c);

/* The output's last flush: a write that failed (a full disk, a closed pipe) is reported in one
 * line ("pyscope: cannot write NAME: why") and fails the run, not lost. A reader that went away
 * (EPIPE) is a way to stop, not an error; a reader given up after a stop (ETIMEDOUT, stop.h) is
 * said once ("output cut short"). Returns 0, or -EIO after saying so. */
int ses_check_output(FILE *out, const char *name);
#endif
