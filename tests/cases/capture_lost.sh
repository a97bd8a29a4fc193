#!/bin/bash
# Lost events are never silent: with a ring too small for the burst (one page), every hit is either
# delivered or counted as lost — on stderr as it happens and in the summary, in the JSON stream as
# {"lost":N} lines and in the end line — and what is delivered is still in order. Live.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
if ! can_trace; then skip "lost events" "needs root and BPF"; exit 0; fi

"$PYSCOPE" events --ring-kb 4 -c "$TARGET call:100000" >"$TMP/out" 2>"$TMP/err"
read -r events lost < <(tail -1 "$TMP/err" | sed -E 's/^pyscope: ([0-9]+) events, ([0-9]+) lost$/\1 \2/')
expect_eq "human: delivered + lost = 200000 hits" 200000 "$((events + lost))"
expect_eq "human: the summary's count is what was printed" "$events" "$(wc -l <"$TMP/out")"
if [ "${lost:-0}" -gt 0 ]; then pass "a one-page ring loses events under a burst ($lost)"
else fail "a one-page ring loses events under a burst" "$(tail -3 "$TMP/err")"; fi
expect_eq "human: 'events lost' lines on stderr add up to the summary's" "$lost" \
	"$(awk '/^pyscope: [0-9]+ events lost$/ { s += $2 } END { print s + 0 }' "$TMP/err")"
expect_eq "human: what arrived is in order" "" \
	"$(awk '$5 == "function__entry" { if ($NF <= last && NR > 1) { print "line " NR; exit } last = $NF }' "$TMP/out")"

"$PYSCOPE" events --json --ring-kb 4 -c "$TARGET call:100000" >"$TMP/json" 2>/dev/null
expect_eq "json: events + lost lines account for 200000 hits, and the end line agrees" \
	"200000 true" \
	"$(jq -s -r '(map(select(.probe)) | length) as $e | (map(.lost // 0) | add) as $l
		| "\($e + $l) \(.[-1].end == {events: $e, lost: $l})"' "$TMP/json")"
