/*
 * stop.h — how a trace is asked to end, and output that never keeps it from ending.
 *
 * stop_catch() makes SIGINT, SIGTERM, SIGHUP and SIGPIPE set one flag, stop_requested, that every
 * loop which waits or works checks (capture's cap_run, the D runtime's ticks, replay). SIGHUP is
 * left alone when it is ignored (nohup). The handlers are installed without SA_RESTART, so a
 * wait or a write that blocks returns at the signal. Ending the trace then ends a -c command
 * still running, as dtrace(1) does (cap_close).
 *
 * stop_stdout() is stdout for output whose reader may stall (`pyscope events | less`): its
 * writes wait for the reader in short steps and check the flag between them; after a stop they
 * give up once the reader has taken nothing for STOP_GRACE_MS, so Ctrl-C always ends pyscope
 * while a reader that is only slow still gets everything. A reader that is gone (EPIPE) ends the
 * trace quietly: nothing more is written. A pipe is written through a non-blocking open file
 * description of its own (/proc/self/fd/1), never by changing the flags of the one pyscope
 * shares with its parent and its -c command.
 */
#ifndef PYSCOPE_STOP_H
#define PYSCOPE_STOP_H
#include <signal.h>
#include <stdio.h>

#define STOP_GRACE_MS 2000       /* after a stop, how long a stalled reader is waited for */

extern volatile sig_atomic_t stop_requested;

void stop_catch(void);
/* The signal that asked to stop (SIGINT, ...), 0 when none did (a write that failed may set
 * stop_requested too). */
int stop_signal(void);

/* Stdout as above (fully buffered, line-buffered on a terminal); the same stream at every call.
 * stdout itself if it cannot be made. */
FILE *stop_stdout(void);
/* 0 while stop_stdout() writes fine; -EPIPE when its reader is gone, -ETIMEDOUT when it was
 * given up after a stop, another negative errno for a write error. */
int stop_out_error(void);
#endif
