#!/bin/bash
# bench/rss.sh — pyscope's memory as a run gets longer (issue 12: RSS at most 64 MiB, and flat), as a
# series: `pyscope events > /dev/null` and a D count by function, side by side, each tracing its own
# realistic workload (bench/workload.py looping for SECONDS), VmRSS and PSS of each pyscope sampled
# every STEP seconds, then the first and last samples, the peak (VmHWM) and what each saw and lost.
#   bash bench/rss.sh [SECONDS [STEP]]     (as root; default 600 s, every 30 s)
# A section of `make bench` only when asked: BENCH_RSS=SECONDS (the issue's 10 minutes: 600); not
# part of make check. RSS counts the ring buffer twice (the kernel maps its pages twice, for records
# that wrap around); PSS counts them once.
source "$(dirname "$0")/lib.bash"
secs=${1:-${BENCH_RSS:-}}
step=${2:-${BENCH_RSS_STEP:-30}}
if [ -z "$secs" ]; then
	if [ -n "${BENCH_SECTION_JSON:-}" ]; then
		echo "rss: skipped (BENCH_RSS=600 make bench, or bash bench/rss.sh 600: pyscope's RSS and PSS over 10 minutes)"
		exit 0
	fi
	secs=600
fi
[ "$(id -u)" = 0 ] || { echo "rss: needs root (BPF)" >&2; exit 2; }
echo 'python$target:::function-return { @[copyinstr(arg1)] = count(); }' >"$TMP/count.d"
cmd="$PY bench/workload.py $TMP/out.%s real 0.4"
BENCH_FOR=$secs $ON_READER_CPU "$PYSCOPE" events --markers function__entry,function__return \
	-c "$(printf "$cmd" events)" >/dev/null 2>"$TMP/err.events" & pe=$!
BENCH_FOR=$secs $ON_READER_CPU "$PYSCOPE" dtrace -s "$TMP/count.d" -c "$(printf "$cmd" dtrace)" \
	>"$TMP/counts" 2>"$TMP/err.dtrace" & pd=$!
# sample PID: "VmRSS_KiB Pss_KiB VmHWM_KiB", or nothing once it is gone
sample() {
	local st pss
	st=$(awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { if (r) print r, h }' /proc/$1/status 2>/dev/null)
	pss=$(awk '/^Pss:/ { print $2 }' /proc/$1/smaps_rollup 2>/dev/null)
	[ -n "$st" ] && [ -n "$pss" ] && set -- $st && echo "$1 $pss $2"
}
echo "rss: pyscope's memory over a ${secs}-s run of the realistic workload, sampled every ${step} s (MiB)"
printf '  %6s  %14s %14s  %14s %14s\n' "s" "events RSS" "PSS" "D count RSS" "PSS"
t0=$(date +%s)
# from when both have mapped their ring buffer (attached), at most a minute
for _ in $(seq 300); do
	grep -q bpf-map /proc/$pe/maps 2>/dev/null && grep -q bpf-map /proc/$pd/maps 2>/dev/null && break
	sleep 0.2
done
sleep 1
: >"$TMP/series"
while kill -0 $pe 2>/dev/null || kill -0 $pd 2>/dev/null; do
	e=$(sample $pe) d=$(sample $pd)
	[ -n "$e$d" ] || break
	t=$(( $(date +%s) - t0 ))
	echo "$t ${e:-- - -} ${d:-- - -}" >>"$TMP/series"
	awk -v t=$t -v e="${e:-}" -v d="${d:-}" 'BEGIN {
		split(e, a); split(d, b)
		printf "  %6d  %14s %14s  %14s %14s\n", t,
			a[1] ? sprintf("%.1f", a[1] / 1024) : "-", a[2] ? sprintf("%.1f", a[2] / 1024) : "-",
			b[1] ? sprintf("%.1f", b[1] / 1024) : "-", b[2] ? sprintf("%.1f", b[2] / 1024) : "-" }'
	# the next sample at the next multiple of STEP, or as soon as both have ended
	next=$(( (t / step + 1) * step ))
	while [ $(( $(date +%s) - t0 )) -lt $next ]; do
		kill -0 $pe 2>/dev/null || kill -0 $pd 2>/dev/null || break
		sleep 0.2
	done
done
wait $pe; re=$?
wait $pd; rd=$?
json="{\"seconds\":$secs,\"step\":$step"
for m in events dtrace; do
	col=2; [ $m = dtrace ] && col=5
	lost=$(grep -Eo '([0-9]+) lost|^dtrace: [0-9]+ drops?' "$TMP/err.$m" | grep -Eo '[0-9]+' | awk '{ s += $1 } END { print s + 0 }')
	seen=$([ $m = events ] && grep -Eo '^pyscope: [0-9]+ events' "$TMP/err.$m" | grep -Eo '[0-9]+' ||
		awk '{ s += $NF } END { print s + 0 }' "$TMP/counts")
	awk -v m=$m -v c=$col -v lost="$lost" -v seen="${seen:-0}" '$c != "-" { n++; if (n == 1) f = $c; l = $c; if ($c > mx) mx = $c; h = $(c + 2) }
		END { printf "  %-8s RSS %.1f MiB at the first sample, %.1f at the last, largest sample %.1f, peak (VmHWM) %.1f; %d hits seen, %d lost\n",
			m == "dtrace" ? "D count" : m, f / 1024, l / 1024, mx / 1024, h / 1024, seen, lost }' "$TMP/series"
	json+=$(awk -v m=$m -v c=$col -v lost="$lost" '$c != "-" { n++; if (n == 1) f = $c; l = $c; h = $(c + 2)
		s = s (s ? "," : "") "[" $1 "," $c "," $(c + 1) "]" }
		END { printf ",\"%s\":{\"rss_first_kib\":%d,\"rss_last_kib\":%d,\"hwm_kib\":%d,\"lost\":%d,\"series_s_rss_pss_kib\":[%s]}", m, f, l, h, lost, s }' "$TMP/series")
done
[ $re = 0 ] && [ $rd = 0 ] || echo "rss: pyscope exited $re (events), $rd (dtrace)"
section_json "$json$(awk '$2 != "-" && $2 > m { m = $2 } $5 != "-" && $5 > m { m = $5 } END {
	printf ",\"readme\":\"rss.sh (%d s): pyscope peak RSS sample %.1f MiB.\"", '"$secs"', m / 1024 }' "$TMP/series")}"
