/*
 * session.c — the run loop every dialect shares (see session.h): a compiled program fed by the
 * capture, a recording, or its clock alone, until it ends. Before this room, `pyscope dtrace`
 * and `pyscope stap` each had their own copy of these loops; what really differs between them
 * is a few words and stap's -T deadline, which come in through struct ses_dialect / ses_run.
 *
 * Every loop here looks at stop_requested (stop.h) at least every CAP_WAIT_MS, and so does
 * rt_tick between two firings. Live, ticks run one due time per rt_tick call within a time
 * budget, so late ticks cannot starve the events; replayed, and with no capture, rt_tick runs
 * them all up to UNTIL at once, where its burst limit (RT_MAX_TICK_BURST missed firings of one
 * tick, then a skip ahead, as DTrace's cyclics do not backlog) bounds a gap of any length.
 */
#include "session.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "capture.h"
#include "procmaps.h"
#include "replay.h"
#include "rt.h"
#include "stop.h"

#define TICK_BUDGET_NS 20000000ull   /* live: longest spent on late ticks before the events */
#define FLUSH_NS 200000000ull        /* live: longest printed output waits in the buffer */
#define CHILD_POLL_NS 10000000ull    /* clock-only run with -c or -p: how soon the exit ends
                                        the run (a waitpid every 10 ms costs nothing) */

uint64_t ses_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* ---- the -c command of a run without capture ---- */

struct ses_command {
	pid_t pid;
	int go;                      /* write end of the pipe the child waits on; -1 once let go */
	bool reaped;
	int status;
};

int ses_command_open(const char *command, struct ses_command **out)
{
	char exe[4096];
	int nw;
	char **argv = cap_split_command(command, &nw);
	int rc = 0, pipefd[2];
	*out = NULL;
	if (!argv)
		return -ENOMEM;
	if (nw == 0) {
		fprintf(stderr, "pyscope: -c needs a command\n");
		rc = -EINVAL;
		goto done;
	}
	rc = cap_find_command(argv[0], exe, sizeof(exe));
	if (rc < 0) {
		fprintf(stderr, "pyscope: cannot run '%s': %s\n", argv[0],
			rc == -ENOENT ? "command not found" :
			rc == -EISDIR ? "it is a directory" : strerror(-rc));
		goto done;
	}
	struct ses_command *c = calloc(1, sizeof(*c));
	if (!c || pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = c ? -errno : -ENOMEM;
		free(c);
		goto done;
	}
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		rc = -errno;
		fprintf(stderr, "pyscope: cannot start '%s': %s\n", argv[0], strerror(-rc));
		close(pipefd[0]);
		close(pipefd[1]);
		free(c);
		goto done;
	}
	if (c->pid == 0) {
		/* Wait to be let go. pyscope alone holds the write end: if it gives up or dies
		 * first, the read sees end-of-file and the child leaves without running. */
		char go;
		close(pipefd[1]);
		if (read(pipefd[0], &go, 1) != 1)
			_exit(127);
		execv(exe, argv);
		fprintf(stderr, "pyscope: cannot run '%s': %s\n", exe, strerror(errno));
		_exit(127);
	}
	close(pipefd[0]);
	c->go = pipefd[1];
	*out = c;
done:
	if (nw > 0)
		free(argv[0]);    /* the words' buffer */
	free(argv);
	return rc;
}

pid_t ses_command_pid(const struct ses_command *c)
{
	return c ? c->pid : 0;
}

static int command_start(struct ses_command *c)
{
	int rc = write(c->go, "g", 1) == 1 ? 0 : -errno;
	close(c->go);
	c->go = -1;
	return rc;
}

static bool command_gone(struct ses_command *c)
{
	if (!c->reaped) {
		int st;
		pid_t r = waitpid(c->pid, &st, WNOHANG);
		if (r == c->pid || (r < 0 && errno == ECHILD)) {
			c->reaped = true;
			c->status = r == c->pid ? st : 0;
		}
	}
	return c->reaped;
}

void ses_command_close(struct ses_command *c)
{
	if (!c)
		return;
	if (c->go >= 0) {
		close(c->go);            /* never let go: it leaves without running */
		if (!c->reaped)
			waitpid(c->pid, NULL, 0);
	} else if (!c->reaped) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	free(c);
}

/* ---- the loops ---- */

/* Run the ticks due up to UNTIL; with BUDGET (ns, live), one due time at a time, giving up after
 * that long and leaving the rest for the next call. rt_exited(). */
static int catch_up(struct rt *r, uint64_t until, uint64_t budget)
{
	if (!budget)
		return rt_tick(r, until);
	/* Called at every live event: the clock is read only when a tick is due (reading it at
	 * each event cost a printf flow a tenth of its CPU time). */
	uint64_t next = rt_next_tick(r);
	if (!next || next > until)
		return rt_exited(r);
	uint64_t start = ses_now_ns();
	unsigned n = 0;
	while (!stop_requested && !rt_exited(r) && (next = rt_next_tick(r)) && next <= until) {
		rt_tick(r, next);
		if (++n % 64 == 0 && ses_now_ns() - start > budget)
			break;
	}
	return rt_exited(r);
}

static void lost(const struct ses_run *s, uint64_t n, int cpu)
{
	if (s->dialect && s->dialect->on_lost)
		s->dialect->on_lost(n, cpu, s->dialect->ctx);
}

static void gone(const struct ses_run *s, pid_t pid, int code, int sig)
{
	if (s->dialect && s->dialect->on_command_gone)
		s->dialect->on_command_gone(pid, code, sig, s->dialect->ctx);
}

/* A -p process has exited: no such pid, or a zombie its parent has not reaped yet. */
static bool pid_gone(pid_t pid)
{
	struct pmap_stat st;
	int rc = pmap_stat(pid, &st);
	return rc == -ESRCH || rc == -ENOENT || (rc == 0 && (st.state == 'Z' || st.state == 'X'));
}

/* The -p processes that have exited since the last call, said (GONE_SAID: one flag each);
 * returns whether all of them are gone. */
static bool pids_gone(const struct ses_run *s, bool *gone_said)
{
	int left = 0;
	for (int i = 0; i < s->npids; i++) {
		if (!gone_said[i] && pid_gone(s->pids[i])) {
			gone_said[i] = true;
			fflush(*s->out);
			gone(s, s->pids[i], 0, 0);
		}
		left += !gone_said[i];
	}
	return left == 0;
}

static int run_replay(const struct ses_run *s)
{
	struct rt *r = s->r;
	uint64_t first = replay_first_ts(s->replay);
	const struct ps_event *ev;
	uint64_t n;
	if (!rt_begin(r, first))
		while (!stop_requested) {
			ev = replay_next(s->replay, &n);
			if (n)          /* also the drops recorded after the last event */
				lost(s, n, -1);
			if (!ev || catch_up(r, ev->ts, 0) || rt_event(r, ev))
				break;
		}
	uint64_t last = replay_last_ts(s->replay);
	if (!rt_exited(r))
		catch_up(r, last, 0);
	return rt_end(r, last);
}

struct live {
	const struct ses_run *s;
	uint64_t flushed;
	bool *gone_said;             /* -p: each process's end said (NULL: no -p) */
	uint64_t polled;             /* when the -p processes were last looked at */
};

static int live_event(const struct ps_event *ev, void *ctx)
{
	struct live *l = ctx;
	if (l->s->events)
		++*l->s->events;
	if (catch_up(l->s->r, ev->ts, TICK_BUDGET_NS))
		return 1;
	return rt_event(l->s->r, ev);
}

static void live_lost(uint64_t n, int cpu, void *ctx)
{
	struct live *l = ctx;
	lost(l->s, n, cpu);
}

/* Between two waits of the capture loop: the ticks now due; the next wait ends at the next tick
 * or the deadline. What the clauses printed is shown when idle and at least every FLUSH_NS (a
 * pipe's buffer would hold it back, and a reader that left is only noticed at a write). */
static int live_between(void *ctx, int delivered)
{
	struct live *l = ctx;
	struct rt *r = l->s->r;
	uint64_t now = ses_now_ns(), deadline = l->s->deadline;
	if (!delivered || now - l->flushed >= FLUSH_NS) {
		fflush(*l->s->out);
		l->flushed = now;
	}
	if (deadline && now >= deadline)
		return -1;
	if (l->gone_said && now - l->polled >= CHILD_POLL_NS) {   /* each -p end, as it comes */
		l->polled = now;
		pids_gone(l->s, l->gone_said);
	}
	if (catch_up(r, now, TICK_BUDGET_NS))
		return -1;
	uint64_t next = rt_next_tick(r);
	now = ses_now_ns();
	if (deadline && (!next || next > deadline))
		next = deadline;
	if (!next)
		return CAP_WAIT_MS;
	if (next <= now)
		return 0;
	return next - now >= (uint64_t)CAP_WAIT_MS * 1000000 ? CAP_WAIT_MS
							       : (int)((next - now) / 1000000 + 1);
}

static int run_live_loop(struct live *l);

static int run_live(const struct ses_run *s)
{
	struct live l = { s, ses_now_ns(), NULL, 0 };
	if (s->npids > 0 && !(l.gone_said = calloc((size_t)s->npids, sizeof(bool))))
		return 2;
	int rc = run_live_loop(&l);
	free(l.gone_said);
	return rc;
}

static int run_live_loop(struct live *l)
{
	const struct ses_run *s = l->s;
	struct ps_sink sink = { live_event, live_lost, l };
	struct cap_loop loop = { &sink, &stop_requested, live_between, l };
	if (cap_attach(s->cap) < 0)
		return 2;
	if (rt_begin(s->r, ses_now_ns()))
		return rt_end(s->r, ses_now_ns());
	if (cap_start(s->cap) < 0) {
		fprintf(stderr, "pyscope: cannot start the command\n");
		return 2;
	}
	int end = cap_run(s->cap, &loop);
	pid_t pid = cap_command_pid(s->cap);
	if (end == CAP_END_GONE && pid > 0) {
		int st = cap_command_status(s->cap);   /* the shell's terms: 128+N for signal N */
		gone(s, pid, st > 128 ? 0 : st < 0 ? 0 : st, st > 128 ? st - 128 : 0);
	} else if (end == CAP_END_GONE && l->gone_said) {
		for (int i = 0; i < s->npids; i++)   /* -p: the ends not said yet */
			if (!l->gone_said[i]) {
				l->gone_said[i] = true;
				fflush(*s->out);
				gone(s, s->pids[i], 0, 0);
			}
	}
	return rt_end(s->r, ses_now_ns());
}

static int run_clock_loop(const struct ses_run *s, struct ses_command *c, bool *gone_said)
{
	struct rt *r = s->r;
	if (rt_begin(r, ses_now_ns()))
		return rt_end(r, ses_now_ns());
	if (c && command_start(c) < 0) {
		fprintf(stderr, "pyscope: cannot start the command\n");
		return 2;
	}
	while (!stop_requested && !rt_exited(r)) {
		uint64_t next = rt_next_tick(r), now = ses_now_ns();
		if (s->deadline && now >= s->deadline)
			break;
		if (c && command_gone(c)) {
			fflush(*s->out);
			gone(s, c->pid, WIFEXITED(c->status) ? WEXITSTATUS(c->status) : 0,
			     WIFSIGNALED(c->status) ? WTERMSIG(c->status) : 0);
			break;
		}
		if (gone_said && pids_gone(s, gone_said))
			break;
		if (!next || next > now) {
			uint64_t ns = c || gone_said ? CHILD_POLL_NS : (uint64_t)CAP_WAIT_MS * 1000000;
			if (next && next - now < ns)
				ns = next - now;
			if (s->deadline && s->deadline - now < ns)
				ns = s->deadline - now;
			struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
			fflush(*s->out);     /* what was printed shows while nothing is due */
			nanosleep(&ts, NULL);
			continue;
		}
		catch_up(r, now, 0);
	}
	return rt_end(r, ses_now_ns());
}

/* BEGIN, END and ticks only: no capture; run until exit(), a stop, the deadline, the end of
 * the -c command or of the last -p process, sleeping toward the next tick in steps short
 * enough to see each. */
static int run_clock(const struct ses_run *s)
{
	struct ses_command *c = s->command;
	bool *gone_said = s->npids > 0 ? calloc((size_t)s->npids, sizeof(bool)) : NULL;
	if (s->npids > 0 && !gone_said)
		return 2;
	int rc = run_clock_loop(s, c, gone_said);
	free(gone_said);
	return rc;
}

int ses_run(const struct ses_run *s)
{
	if (s->replay)
		return run_replay(s);
	if (s->cap)
		return run_live(s);   /* cap_close ends a -c command still running */
	return run_clock(s);
}

int ses_check_output(FILE *out, const char *name)
{
	int oe = stop_out_error();
	if (oe == -ETIMEDOUT)
		fprintf(stderr, "pyscope: output cut short: its reader stopped reading\n");
	if (oe == -EPIPE || oe == -ETIMEDOUT)
		return 0;
	/* The runtime's own flushes leave the error on the stream and errno as that failure set it. */
	int earlier = errno;
	errno = 0;
	bool flushed = fflush(out) == 0;
	int err = !flushed && errno ? errno : earlier;
	if (flushed && !ferror(out))
		return 0;
	fprintf(stderr, "pyscope: cannot write %s: %s\n", name ? name : "the output",
		strerror(err ? err : EIO));
	return -EIO;
}
