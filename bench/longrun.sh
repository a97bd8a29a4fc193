#!/bin/bash
# bench/longrun.sh — pyscope's RSS as a run gets longer (issue 12: at most 64 MiB, and flat), a section
# of `make bench` that runs only when asked: BENCH_LONG=SECONDS (600 for the issue's 10 minutes).
# For `pyscope events > /dev/null` and the D count script, on the realistic workload looping for that
# long, VmRSS of pyscope sampled every few seconds: after the first 10% of the run, at the end, and
# the peak (VmHWM).
source "$(dirname "$0")/lib.bash"
secs=${BENCH_LONG:-}
if [ -z "$secs" ]; then
	echo "longrun: skipped (BENCH_LONG=600 make bench: pyscope's RSS over a 10-minute run)"
	exit 0
fi
echo 'python$target:::function-return { @[copyinstr(arg1)] = count(); }' >"$TMP/count.d"
step=$(( secs / 20 )); [ "$step" -ge 1 ] || step=1
echo "longrun: pyscope's RSS over a ${secs}-s run of the realistic workload (sampled every ${step} s)"
json="{\"seconds\":$secs"
for mode in events dtrace; do
	cmd="$PY bench/workload.py $TMP/out real 0.4"
	if [ $mode = events ]; then
		BENCH_FOR=$secs $ON_READER_CPU "$PYSCOPE" events --markers function__entry,function__return -c "$cmd" \
			>/dev/null 2>"$TMP/err" & p=$!
	else
		BENCH_FOR=$secs $ON_READER_CPU "$PYSCOPE" dtrace -s "$TMP/count.d" -c "$cmd" >/dev/null 2>"$TMP/err" & p=$!
	fi
	: >"$TMP/rss"
	while kill -0 $p 2>/dev/null; do
		awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { if (r) print r, h }' /proc/$p/status 2>/dev/null >>"$TMP/rss"
		sleep "$step"
	done
	wait $p
	awk -v mode="$mode" 'NF == 2 { r[++n] = $1; h = $2 } END {
		e = int(n / 10) + 2; if (e > n) e = n
		printf "  %-8s RSS %6.1f MiB after %d%% of the run, %6.1f MiB at the end, peak %6.1f MiB (%d samples)\n",
			mode, r[e] / 1024, 100 * (e - 1) / (n > 1 ? n - 1 : 1), r[n] / 1024, h / 1024, n }' "$TMP/rss"
	json+=$(awk -v mode="$mode" 'NF == 2 { r[++n] = $1; h = $2 } END { e = int(n / 10) + 2; if (e > n) e = n
		printf ",\"%s\":{\"rss_early_kib\":%d,\"rss_end_kib\":%d,\"hwm_kib\":%d}", mode, r[e], r[n], h }' "$TMP/rss")
done
section_json "$json$(awk -v s="$secs" 'NF == 2 { h = $2 } END {
	printf ",\"readme\":\"Long run (%d s, D count): pyscope peak RSS %.1f MiB.\"", s, h / 1024 }' "$TMP/rss")}"
