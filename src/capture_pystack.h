/*
 * capture_pystack.h — the user half of the Python stack at a marker hit (part of the capture room:
 * capture.c calls it; the kernel half is capture_pystack.bpf.h). Which probes want frames and how
 * many; each traced process's walking recipe handed to the kernel (pyoffsets.c), as `pyscope
 * profile` does; the CAP_SEC_PYSTACK section of a record turned into the event's frames, named
 * through a pysym.c cache per process.
 */
#ifndef PYSCOPE_CAPTURE_PYSTACK_H
#define PYSCOPE_CAPTURE_PYSTACK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "event.h"

struct capy;
struct bpf_map;
struct capy *capy_new(void);
void capy_free(struct capy *y);
/* Probe ID wants FRAMES frames (at most PYSTACK_MAX_DEPTH) at each hit. */
int capy_want(struct capy *y, int id, int frames);
/* Probe ID's marker is in the object at PATH (as pyscope opens it): when that object is a
 * CPython's own (python3.N, libpython3.N), every process that hits the marker gets its recipe
 * from the kernel at its first hit. */
int capy_object(struct capy *y, int id, const char *path);
bool capy_any(const struct capy *y);
/* Before the BPF object is loaded: size the per-probe map for NALL probes. */
void capy_prepare(struct capy *y, struct bpf_map *want, int nall);
/* After: hand the kernel the maps (per-probe frames now, recipes from capy_track on). */
int capy_load(struct capy *y, struct bpf_map *want, struct bpf_map *procs);
/* Look at PID: when it runs a CPython pyscope knows, its recipe goes to the kernel. 1 when
 * tracked (now or before), 0 when not (yet) a CPython, a negative errno. Looks at a PID that was
 * not a CPython again only after a while, unless FORCE. */
int capy_track(struct capy *y, pid_t pid, bool force);
/* Forget PID (it exec'd or exited). */
void capy_forget(struct capy *y, pid_t pid);
/* A code object's definition the kernel sent (struct pystack_def, LEN bytes at D). */
void capy_define(struct capy *y, const void *d, size_t len);
/* Decode a CAP_SEC_PYSTACK section at P (END: the record's end) into EV's frames (valid until
 * the next call). The section's end, or NULL when it does not fit. */
const char *capy_decode(struct capy *y, const char *p, const char *end, struct ps_event *ev);
#endif
