/*
 * fuzz_replay.c — libFuzzer target for the replay reader (replay.h): the input is a recorded
 * stream (JSON lines, with or without a {"probes":[...]} header); it is opened and read to the
 * end, every event's strings enabled, as `dtrace --replay` reads one.
 */
#include <stdint.h>
#include "fuzz_util.h"
#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct replay *r;
	if (replay_open(fuzz_as_file(data, size), &r) < 0)
		return 0;
	const struct ps_probe *const *probes;
	int n = replay_probes(r, &probes);
	for (int i = 0; i < n; i++)
		replay_enable(r, probes[i]->id, ~0u);
	replay_target(r);
	uint64_t lost;
	while (replay_next(r, &lost))
		;
	replay_first_ts(r);
	replay_last_ts(r);
	replay_close(r);
	return 0;
}
