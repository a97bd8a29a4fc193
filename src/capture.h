/*
 * capture.h — markers → BPF records → ring buffer → struct ps_event. The only room that includes
 * libbpf. Two phases, so that a script can be checked against the probes that exist before
 * anything is attached:
 *   cap_open     resolve the targets (start the -c command stopped before exec, read the maps of
 *                -p processes, find the Pythons for --all) and list their markers; nothing attached
 *   cap_enable   choose markers and which of their arguments to copy as strings (cap_want:
 *                and what else the kernel reads at their hits)
 *   cap_attach   load the BPF program, attach, raise semaphores (kernel reference counted)
 *   cap_start    let the -c command run
 *   cap_run      deliver events to a sink until a stop, the sink, or the targets end it; then
 *                detach and drain (cap_poll: one wait, for callers with a loop of their own)
 *   cap_close    detach and free; semaphores drop back by themselves; a -c command still
 *                running is killed, as dtrace(1) kills a process it created
 */
#ifndef PYSCOPE_CAPTURE_H
#define PYSCOPE_CAPTURE_H
#include <stdint.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/types.h>
#include "event.h"

struct cap_config {
	const char *command;     /* -c: command line, split into words the way dtrace -c does */
	const pid_t *pids;       /* -p, repeatable */
	int npids;
	bool all;                /* system-wide: every process running BINARY (or the Pythons found) */
	const char *binary;      /* system-wide target path (NULL: python3 on PATH and its siblings);
	                            with family: the script's executable (see there) */
	int strsize;             /* bytes kept of each string, NUL included (0: PS_STRSIZE_DEFAULT) */
	int ring_kb;             /* ring buffer size (0: a default sized for bursts) */
	bool floor;              /* benchmark floor: attach an empty program, deliver nothing */
	/* the probe descriptions the consumer will use ("pid$target::malloc:entry"): the pid
	 * provider's functions and profile-N's rates are listed for these (see capture_sys.c) */
	const char *const *wants;
	int nwants;
	bool os_probes;          /* list the syscall, proc, profile and pid providers too */
	int pystack_frames;      /* Python frames kept at a hit that wants them (0: PYSTACK_MAX_DEPTH) */
	int provider;            /* -c on a Python without markers: 0 load pyscope's provider
	                            (provider.h) when it is a CPython, 1 --provider, -1 --no-provider */
	bool markers_optional;   /* -c: a command without python markers still runs, seen by the
	                            operating system's probes only (the script names no python probe) */
	bool family;             /* -c/-p: attach the markers for every process running the targets'
	                            objects, keep the hits of the targets and of the processes they
	                            fork (followed in the kernel): stap's -c/-x "process hierarchy";
	                            the command still starts held, is the target and ends the run.
	                            With BINARY: its markers too, for what the targets start (the
	                            command may be a shell running BINARY) */
};

struct cap;

/* Resolve targets; on failure print one line "pyscope: ..." to stderr and return a negative errno. */
int cap_open(const struct cap_config *cfg, struct cap **out);
/* Every marker found in the targets, each as a probe with a stable id (nothing enabled yet),
 * then the operating system's probes: syscall, proc, profile, and pid for the wanted functions. */
int cap_probes(const struct cap *c, const struct ps_probe *const **probes);
/* Enable probe ID; STRARGS bit i: copy argument i as a string at the hit; CAP_STRARGS_PYSTACK:
 * the thread's Python stack too (D's jstack(), events --stack). */
#define CAP_STRARGS_PYSTACK (1u << 31)
int cap_enable(struct cap *c, int id, uint32_t strargs);
/* Enable probe ID with everything W asks the kernel to read at its hits (event.h: strings,
 * memory, the native stack, vtimestamp). 0 or a negative errno. */
int cap_want(struct cap *c, int id, const struct ps_capture *w);

/* Aggregation in the kernel (kagg_rec.h, kagg.c). Before cap_attach: the table of N kernel
 * clauses, the string rooms of the key (NSTRS of ROOM bytes, from STR_OFF) and the entries of
 * each map (0: the default).
 * cap_enable_kagg: the kernel clauses (bit kc) that run on marker ID, and whether the probe has
 * no other clause (then the kernel sends a record only for a hit a kernel clause missed).
 * cap_is_marker: ID is a python marker (kernel clauses run only there). */
struct kagg_clause;
struct kagg_hval;
int cap_kagg_set(struct cap *c, const struct kagg_clause *tab, int n, int nstrs, int room,
		 int str_off, int entries);
int cap_enable_kagg(struct cap *c, int id, uint32_t kmask, bool norecord);
bool cap_is_marker(const struct cap *c, int id);
/* String keys by identity in the kernel (kagg_rec.h), before cap_attach; used only when the
 * table has string rooms of KAGG_SID bytes at least. cap_kagg_strtext: the text of identity SID
 * (KAGG_SID bytes of a key's room) into BUF (LEN at least strsize): 0, or a negative errno. */
int cap_kagg_strid(struct cap *c, bool on);
int cap_kagg_strtext(const struct cap *c, const void *sid, char *buf, size_t len);
/* The bytes capture keeps of a string (cap_config.strsize, or its default). */
int cap_strsize(const struct cap *c);
/* Every entry of the kernel's maps, its CPUs added up (in TOTAL.v; the buckets too for HIST),
 * handed to CB with its key (KEYSIZE bytes). Returns 0 or CB's first non-zero return. */
int cap_kagg_read(struct cap *c, int (*cb)(const void *key, int keysize, const struct kagg_hval *total,
					   bool hist, void *ctx), void *ctx);
/* What kernel clauses on self-> variables could not do since cap_attach (they cannot leave
 * the hit to user space): aggregation drops, dynamic variable drops. */
void cap_kagg_drops(const struct cap *c, uint64_t *agg, uint64_t *dyn);
/* The string arguments CPython's marker documents (e.g. function__entry: 0 and 1). */
uint32_t cap_default_strargs(int marker);
int cap_attach(struct cap *c);
int cap_start(struct cap *c);
/* Deliver what is in the ring, waiting up to TIMEOUT_MS for more. Returns the number of events
 * delivered, or a negative errno; a sink's non-zero return stops delivery and is passed back.
 * Returns as soon as something was delivered (0 only when the timeout passed with nothing);
 * records lost since the last call go to sink->on_lost first. -EINTR when a signal came. */
int cap_poll(struct cap *c, const struct ps_sink *sink, int timeout_ms);
/* One trace, the loop `events` and `dtrace` share. */
#define CAP_WAIT_MS 100          /* longest wait between two looks at the stop flag and targets */
struct cap_loop {
	const struct ps_sink *sink;
	volatile sig_atomic_t *stop; /* set (by a signal handler) to end the trace; checked between
	                                waits and between records */
	/* After each wait, DELIVERED events having come (0: it timed out idle): the longest the next
	 * wait may take in ms (at most CAP_WAIT_MS), or negative to end the trace. NULL: CAP_WAIT_MS. */
	int (*between)(void *ctx, int delivered);
	void *ctx;
};
enum cap_end {
	CAP_END_STOP = 1,        /* *stop was set */
	CAP_END_GONE,            /* every target exited */
	CAP_END_SINK,            /* the sink returned non-zero, or between() a negative number */
};
/* Run until one of enum cap_end happens (returned), or reading fails (a line on stderr, a
 * negative errno). Always detaches; then, unless the sink ended it, drains what the ring holds
 * into the sink (what the targets did before they exited or before the stop). */
int cap_run(struct cap *c, const struct cap_loop *l);
/* Detach every probe (semaphores drop back); what the ring holds can still be drained with
 * cap_poll. For a clean stop on a busy system: detach, then drain until cap_poll returns 0. */
void cap_detach(struct cap *c);
/* True once every target has exited (the -c command, or all -p processes). */
bool cap_targets_gone(const struct cap *c);
/* Exit status of the -c command in the shell's terms (128+signal when killed), -1 if none. */
int cap_command_status(const struct cap *c);
pid_t cap_command_pid(const struct cap *c);
uint64_t cap_lost(const struct cap *c);
void cap_close(struct cap *c);
/* -c's command line, as capture runs it (dtrace -c's rules): words split at blanks, '...' and
 * "..." grouping, no other shell syntax. Returns a NULL-terminated array (N words) to free, with
 * argv[0] when N > 0 (the words share it); NULL when out of memory. */
char **cap_split_command(const char *s, int *n);
/* The executable NAME runs, the way execvp finds it (PATH, or a path as given), into OUT.
 * 0, or -ENOENT, -EACCES, -EISDIR. */
int cap_find_command(const char *name, char *out, size_t len);
#endif
