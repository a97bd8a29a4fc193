/*
 * replay.h — a recorded event stream (the JSON lines `pyscope events --json` writes; format in
 * event.h) played back as if it were a live capture, so that scripts and views can be run and
 * tested without a kernel.
 *
 * The probes of a replay are those the stream names: each distinct (pid, provider:name, module,
 * function) of its event lines, numbered in order of first appearance, unless the stream starts
 * with a {"probes":[...]} line listing them (then probes that never fired exist too): an object
 * with a "probes" array and no "ts", so an event that merely mentions the word is an event.
 * Limits: at most 1,000,000 probes (ids 1 to 1,000,000), JSON nested at most 64 deep, no negative
 * times. As capture would, replay hands a consumer only the strings it asked for (replay_enable), so a script that
 * reads an argument it did not ask for faults as it would live.
 */
#ifndef PYSCOPE_REPLAY_H
#define PYSCOPE_REPLAY_H
#include <stdint.h>
#include "event.h"

struct replay;

/* Read PATH ("-": stdin). On a malformed stream print "pyscope: FILE:LINE: what" on stderr and
 * return a negative errno; likewise "pyscope: cannot open FILE: ...", "pyscope: FILE: empty
 * recording (...)" for a file with neither probes nor events. */
int replay_open(const char *path, struct replay **out);
int replay_probes(const struct replay *r, const struct ps_probe *const **probes);
/* The stream's target: the header's "target", else the pid of its first event (0: none). */
int replay_target(const struct replay *r);
/* Deliver probe ID's events with the strings of arguments STRARGS (bit i: argument i); once any
 * probe is enabled, the others are not delivered. Without any call, everything is. */
int replay_enable(struct replay *r, int id, uint32_t strargs);
/* Next event (valid until the next call), or NULL at the end. LOST: records the stream reports
 * lost just before it (may be NULL). */
const struct ps_event *replay_next(struct replay *r, uint64_t *lost);
/* Timestamp of the first and of the last event (0 for an empty stream). */
uint64_t replay_first_ts(const struct replay *r);
uint64_t replay_last_ts(const struct replay *r);
/* Feed every remaining event to SINK; stops early when on_event returns non-zero (and returns it). */
int replay_run(struct replay *r, const struct ps_sink *sink);
void replay_close(struct replay *r);
#endif
