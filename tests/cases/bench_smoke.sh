#!/bin/bash
# The benchmark's quick mode (bench/run with BENCH_QUICK=1) on the call-heavy workload: it runs, and
# its JSON has the figures issue 12 asks for, for every mode (bpftrace's present or skipped by name).
# Not a measurement: one round of a small workload, on a shared machine. `make bench` is never part of
# `make check`; this only keeps bench/run from rotting. ~15 s.
# kind: live
source "$(dirname "$0")/../lib.sh"
need_trace "bench quick mode" || exit 0
need_py311 "bench quick mode" || exit 0
need_cmd "bench quick mode" jq || exit 0

BENCH_QUICK=1 BENCH_WORKLOADS=call BENCH_SECTIONS=0 PY="$PY311" \
	"$PYSCOPE_ROOT/bench/run" --json "$TMP/bench.json" >"$TMP/out" 2>"$TMP/err"
rc=$?
expect_eq "BENCH_QUICK=1 bench/run exits 0" 0 "$rc"
[ "$rc" = 0 ] || { cat "$TMP/err"; exit 0; }

j=$TMP/bench.json
expect_eq "the JSON names the machine and the run" "true" \
	"$(jq '(.machine.cpu | length > 0) and (.machine.kernel | length > 0) and .quick and .reps == 1
		and (.date | test("^[0-9]{4}-[0-9]{2}-[0-9]{2} "))' "$j")"
expect_eq "one workload, call, with its marker hits counted" "true" \
	"$(jq '(.workloads | keys) == ["call"] and .workloads.call.events.ret > 10000
		and .workloads.call.events.fn == 2 * .workloads.call.events.ret' "$j")"
modes="untraced floor floor-ret events d-count d-count-user d-quantize d-flow stp-count stp-quantize stp-flow bt-count bt-count-sem bt-quantize bt-flow"
expect_eq "every mode is in the JSON" "$(echo $modes | tr ' ' '\n' | sort | paste -sd' ')" \
	"$(jq -r '.workloads.call.modes | keys[]' "$j" | sort | paste -sd' ')"
# every traced mode that ran has the five figures; a skipped one says why
bad=$(jq -r '.workloads.call.modes | to_entries[] | select(.key != "untraced") | .value as $v |
	select(($v.skipped | type) != "string" and
		([$v.median_ns, $v.ns_per_event, $v.x_floor, $v.cpu_ns_per_event, $v.cpu_x_floor, $v.lost,
		  $v.tracer_cpu_ms, $v.tracer_rss_mib, $v.tracer_pss_mib]
		 | map(type == "number") | all | not)) | .key' "$j" | grep -v '^floor' )
expect_eq "each traced mode has ns/event and x floor (wall clock and CPU time), lost, CPU time and peak RSS" "" "$bad"
expect_eq "the floors have ns/event, lost, CPU and RSS" "true" \
	"$(jq '[.workloads.call.modes["floor", "floor-ret"] | .ns_per_event, .lost, .tracer_cpu_ms, .tracer_rss_mib
		| type == "number"] | all' "$j")"
expect_eq "the count scripts counted every function return (D, stap)" "true" \
	"$(jq '.workloads.call as $w | [$w.modes["d-count", "stp-count"].seen] |
		map(. >= $w.events.ret * 0.99 and . <= $w.events.ret * 1.01) | all' "$j")"
expect_eq "the printf flows printed a line for every entry and return (D, stap)" "true" \
	"$(jq '.workloads.call as $w | [$w.modes["d-flow", "stp-flow"] | .seen + .lost] |
		map(. >= $w.events.fn * 0.99 and . <= $w.events.fn * 1.01) | all' "$j")"
if command -v bpftrace >/dev/null; then
	expect_eq "bpftrace present: its modes ran, and pyscope's have a ratio to them" "true" \
		"$(jq '.workloads.call.modes as $m | ($m["bt-count"].ns_per_event | type) == "number"
			and ($m["d-count"].x_bpftrace | type) == "number"' "$j")"
else
	expect_eq "bpftrace absent: its modes are skipped, by name" "bpftrace not installed" \
		"$(jq -r '.workloads.call.modes["bt-count"].skipped' "$j")"
fi
expect_eq "the table on stdout has the targets" "1" "$(grep -c '^targets (issue 12)' "$TMP/out")"

# --readme-only rewrites the part between the markers of a README, and nothing else
printf 'before\n<!-- bench:begin (bench/run --readme rewrites this part) -->\nold\n<!-- bench:end -->\nafter\n' >"$TMP/README.md"
python3 "$PYSCOPE_ROOT/bench/run" --readme-only --json "$j" --readme-file "$TMP/README.md" 2>/dev/null
expect_eq "--readme-only rewrites the tables (wall clock, CPU time) between the markers" "before|2|0|after" \
	"$(head -1 "$TMP/README.md")|$(grep -c '^| D count by function |' "$TMP/README.md")|$(grep -c '^old$' "$TMP/README.md")|$(tail -1 "$TMP/README.md")"
