/*
 * capture_sys.h — the operating system's providers, beside the python markers: syscall (raw
 * tracepoints sys_enter/sys_exit), proc (sched_process_exec/exit/fork), profile-N (a perf event
 * per CPU) and pid (uprobes on the functions of a traced process and its libraries). Private to the
 * capture room (capture.c calls it; it sees libbpf and the BPF skeleton).
 */
#ifndef PYSCOPE_CAPTURE_SYS_H
#define PYSCOPE_CAPTURE_SYS_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "capture.h"

struct cap_sys;
struct capture_bpf;
struct bpf_link;

/* List the probes (ids from FIRST_ID on). PID: the traced process the pid provider looks into
 * (0: none), OBJ its executable when it has not run yet (-c), else NULL (its maps are read). */
int cap_sys_open(const struct cap_config *cfg, pid_t pid, const char *obj, int first_id,
		 struct cap_sys **out);
int cap_sys_probes(const struct cap_sys *s, const struct ps_probe *const **out);
/* Enable probe ID with string arguments STRARGS: 0, or -ENOENT when ID is not one of these. */
int cap_sys_enable(struct cap_sys *s, int id, uint32_t strargs);
/* Before the skeleton loads: only the programs enabled probes need are loaded; FILTER: the
 * kernel keeps only the traced processes' events. */
void cap_sys_prepare(struct cap_sys *s, struct capture_bpf *skel, bool filter);
/* After it loaded: the traced processes PIDS into the filter, then attach; each link goes to
 * ADD (which owns it from then on). A line on stderr and a negative errno on failure. */
int cap_sys_attach(struct cap_sys *s, struct capture_bpf *skel, const pid_t *pids, int npids,
		   int (*add)(void *ctx, struct bpf_link *l), void *ctx);
/* A record of one of these probes decoded into EV: DTrace's meaning of its values (errno). */
void cap_sys_decode(const struct cap_sys *s, struct ps_event *ev);
bool cap_sys_has(const struct cap_sys *s, int id);
void cap_sys_close(struct cap_sys *s);
#endif
