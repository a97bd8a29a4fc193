#!/bin/bash
# bench/provider.sh — the provider (provider/, for Pythons built without markers), a section of
# `make bench`: on PROV_PY (default: pyenv's CPython 3.11 without markers, the same version as the
# built-in markers of the main table, else the newest found), untraced without and with the provider
# loaded (the zero-cost claim: its hooks are in only while traced), and traced through it: ns/event
# above untraced, next to the built-in markers' (BENCH_REF_NS_PER_EVENT, from bench/run).
source "$(dirname "$0")/lib.bash"
MARKERS=function__entry,function__return
py=${PROV_PY:-} boot=build/provider/boot
if [ -z "$py" ]; then
	for m in 11 13 12 10 9 8; do
		for py in "$HOME"/.pyenv/versions/3.$m.*/bin/python3.$m; do [ -x "$py" ] && break 2; done
		py=
	done
fi
[ -n "$py" ] || { echo "provider: skipped: no CPython without markers found (PROV_PY=...)"; exit 0; }
m=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
so=$(ls build/provider/"$m"/_pyscope_provider*.so 2>/dev/null | head -1)
[ -n "$so" ] || { echo "provider: skipped: none built for $py (make)"; exit 0; }
scale=0.1; [ -n "$BENCH_QUICK" ] && scale=0.02
cmd="$py bench/workload.py $TMP/elapsed call $scale"
: >"$TMP/p_plain"; : >"$TMP/p_loaded"; : >"$TMP/p_traced"; : >"$TMP/p_sum"
for r in $(seq "$REPS"); do
	$cmd && cat "$TMP/elapsed" >>"$TMP/p_plain"
	PYTHONPATH=$boot PYSCOPE_PROVIDER_SO=$so $cmd && cat "$TMP/elapsed" >>"$TMP/p_loaded"
	$ON_READER_CPU "$PYSCOPE" events --markers "$MARKERS" -c "$cmd" >/dev/null 2>"$TMP/err" ||
		{ cat "$TMP/err" >&2; exit 1; }
	cat "$TMP/elapsed" >>"$TMP/p_traced"
	grep '^pyscope: [0-9]* events, ' "$TMP/err" | tail -1 >>"$TMP/p_sum"
done
med() { cut -d' ' -f1 "$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
pn=$(med "$TMP/p_plain") pl=$(med "$TMP/p_loaded") pt=$(med "$TMP/p_traced")
pe=$(awk '{ print $2 }' "$TMP/p_sum" | sort -n | tail -1)
plost=$(awk '{ s += $4 } END { print s + 0 }' "$TMP/p_sum")
awk -v pn="$pn" -v pl="$pl" -v pt="$pt" -v n="$pe" -v lost="$plost" -v py="$py" -v ref="${BENCH_REF_NS_PER_EVENT:-}" 'BEGIN {
	printf "provider: %s (no built-in markers), call-heavy workload, %d events per run, median of runs\n", py, n
	printf "  untraced, no provider      %8.1f ms\n", pn / 1e6
	printf "  untraced, provider loaded  %8.1f ms   %+.1f%% (target: no measurable change)\n", pl / 1e6, (pl - pn) * 100 / pn
	printf "  traced through provider    %8.1f ms   %6.0f ns/event above untraced (function markers only)\n", pt / 1e6, (pt - pl) / n
	if (ref != "") printf "  built-in markers (events)  %8s      %6.0f ns/event above untraced (main table, call-heavy)\n", "", ref
	printf "  events lost: %d\n", lost
}'
echo "  (all runs: no provider $(spread "$TMP/p_plain"), loaded $(spread "$TMP/p_loaded"), traced $(spread "$TMP/p_traced"))"
section_json "$(awk -v pn="$pn" -v pl="$pl" -v pt="$pt" -v n="$pe" -v lost="$plost" -v py="$py" 'BEGIN {
	printf "{\"python\":\"%s\",\"untraced_ns\":%.0f,\"loaded_ns\":%.0f,\"traced_ns\":%.0f,\"events\":%d,\"ns_per_event\":%.0f,\"lost\":%d",
		py, pn, pl, pt, n, (pt - pl) / n, lost
	printf ",\"readme\":\"Provider (%s, no built-in markers; call-heavy workload, function markers): untraced %.1f ms, with the provider loaded %.1f ms (%+.0f%%); traced through it %.0f ns/event above untraced, %d lost.\"}",
		py, pn / 1e6, pl / 1e6, (pl - pn) * 100 / pn, (pt - pl) / n, lost }')"
