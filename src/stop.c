/*
 * stop.c — the stop request and the stop-aware stdout (see stop.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "stop.h"

#define STEP_MS 50               /* a blocked write looks at the stop flag this often */

volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	if (!stop_sig)
		stop_sig = sig;
	stop_requested = 1;
}

void stop_catch(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa = { .sa_handler = on_signal }, old;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigs[i] == SIGHUP && sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;       /* nohup: the user asked to outlive the terminal */
		sigaction(sigs[i], &sa, NULL);
	}
}

int stop_signal(void)
{
	return stop_sig;
}

struct sout {
	int fd;
	bool nonblock;           /* fd is a description of our own, O_NONBLOCK */
	bool sock;               /* a socket: send(MSG_DONTWAIT) never blocks */
	int err;
};

static struct sout out = { .fd = -1 };
static FILE *out_file;

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* stdio's write: everything or, on failure, 0 (and the stream's error flag); never blocks past a
 * stop for longer than STOP_GRACE_MS without progress. */
static ssize_t out_write(void *cookie, const char *buf, size_t size)
{
	struct sout *o = cookie;
	size_t done = 0;
	long progress = now_ms(), stop_seen = 0;
	bool blocking = !o->nonblock && !o->sock, wait = blocking;
	while (done < size && !o->err) {
		if (wait || stop_requested) {
			/* Wait for room a step at a time. On a blocking descriptor, waiting first keeps
			 * the write from blocking while the reader stalls, and the step bounds the race
			 * of a signal that lands just before a write starts. */
			struct pollfd p = { .fd = o->fd, .events = POLLOUT };
			int r = poll(&p, 1, STEP_MS);
			if (stop_requested) {
				long now = now_ms();
				if (!stop_seen)
					stop_seen = now;
				if (now - (progress > stop_seen ? progress : stop_seen) >= STOP_GRACE_MS) {
					o->err = -ETIMEDOUT;
					break;
				}
			}
			if (r == 0 || (r < 0 && errno == EINTR))
				continue;
		}
		ssize_t n = o->sock ? send(o->fd, buf + done, size - done, MSG_DONTWAIT | MSG_NOSIGNAL)
				    : write(o->fd, buf + done, size - done);
		wait = blocking;
		if (n > 0) {
			done += (size_t)n;
			progress = now_ms();
		} else if (n < 0 && errno == EPIPE) {
			o->err = -EPIPE;
			stop_requested = 1;     /* the reader is gone: end the trace, quietly */
		} else if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			wait = true;
		} else {
			o->err = n < 0 ? -errno : -EIO;
		}
	}
	return o->err ? 0 : (ssize_t)size;
}

FILE *stop_stdout(void)
{
	if (out_file)
		return out_file;
	struct stat st;
	int fd = STDOUT_FILENO;
	fflush(stdout);
	out.fd = fd;
	if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
		/* A description of our own, so O_NONBLOCK changes nobody else's. */
		int nfd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (nfd >= 0) {
			out.fd = nfd;
			out.nonblock = true;
		}
	} else if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
		out.sock = true;
	}
	cookie_io_functions_t io = { .write = out_write };
	out_file = fopencookie(&out, "w", io);
	if (!out_file)
		return stdout;
	setvbuf(out_file, NULL, isatty(fd) ? _IOLBF : _IOFBF, BUFSIZ);
	return out_file;
}

int stop_out_error(void)
{
	return out.err;
}
