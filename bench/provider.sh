#!/bin/bash
# bench/provider.sh — what pyscope's provider (provider/, for Pythons built without markers) costs,
# on each CPython it was built for (`make`; PROV_PYS="PY..." to choose), with the call-heavy
# bench/workload.py (~1,000,000 function entry + return events), which times only its own work:
#   no provider   the interpreter alone
#   loaded        the provider loaded (as after `pyscope provider install`), nobody tracing: its
#                 hooks are not in, so this must be the same (the zero-cost claim)
#   traced        under `pyscope events --markers function__entry,function__return > /dev/null`:
#                 ns per event above "loaded"
# and, for reference, the built-in markers of /usr/bin/python3.11 (Debian's, --with-dtrace) traced
# the same way. The workload's own timer is made to count its thread's CPU time (user + system,
# uprobe traps included) instead of wall time, so that the other processes of a shared machine
# weigh less; each is run REPS times, interleaved, and the fastest run of each is kept; the
# workload runs on the last CPU, pyscope on the first. Run as root from the top of the tree
# (bench/run calls it; `bash bench/provider.sh` alone works too).
cd "$(dirname "$0")/.." || exit 2
PYSCOPE=${PYSCOPE:-build/pyscope}
REPS=${REPS:-9}
MARKERS=function__entry,function__return
BOOT=build/provider/boot
TMP=$(mktemp -d /tmp/pyscope-bench-provider.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# The driver: bench/workload.py as it is, timed in CPU time.
cat >"$TMP/cpu.py" <<'P'
import runpy, sys, time
time.perf_counter_ns = time.thread_time_ns
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
P
WORK="$TMP/cpu.py bench/workload.py $TMP/elapsed"
[ "$(id -u)" = 0 ] || { echo "bench/provider.sh: needs root (BPF)" >&2; exit 2; }
[ -x "$PYSCOPE" ] || { echo "bench/provider.sh: no $PYSCOPE (make)" >&2; exit 2; }
ncpu=$(nproc)
if [ "$ncpu" -gt 1 ] && command -v taskset >/dev/null; then
	export BENCH_CPU=$((ncpu - 1))
	ON_READER_CPU="taskset -c 0"
fi
min() { sort -n | head -1; }
ms() { awk -v v="$1" 'BEGIN { printf "%.1f", v / 1e6 }'; }

# traced PY FILE — one traced run; appends the elapsed ns to FILE and "events lost" to FILE.sum
traced() {
	$ON_READER_CPU "$PYSCOPE" events --markers "$MARKERS" -c "$1 $WORK" \
		>/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; return 1; }
	cat "$TMP/elapsed" >>"$2"
	tail -1 "$TMP/err" >>"$2.sum"
}

if [ -z "${PROV_PYS:-}" ]; then
	for d in build/provider/3.*; do
		[ -f "$d/python" ] && PROV_PYS="$PROV_PYS $(cat "$d/python")"
	done
fi
echo "provider cost: bench/workload.py, best of $REPS, $(date -u +%Y-%m-%d), $(nproc) CPUs"
printf "  %-8s %10s %10s %8s %10s %9s %6s\n" python "no prov ms" "loaded ms" change "traced ms" ns/event lost
echo "  (CPU ms of the workload; ns/event: traced above loaded, per function entry or return)"
for py in $PROV_PYS; do
	m=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])') || continue
	so=$(ls build/provider/"$m"/_pyscope_provider*.so 2>/dev/null | head -1)
	[ -n "$so" ] || { echo "  $m: no provider built for $py (make)"; continue; }
	: >"$TMP/plain.$m"; : >"$TMP/loaded.$m"; : >"$TMP/traced.$m"; : >"$TMP/traced.$m.sum"
	for _ in $(seq "$REPS"); do
		"$py" $WORK && cat "$TMP/elapsed" >>"$TMP/plain.$m"
		PYTHONPATH=$BOOT PYSCOPE_PROVIDER_SO=$so "$py" $WORK &&
			cat "$TMP/elapsed" >>"$TMP/loaded.$m"
		traced "$py" "$TMP/traced.$m" || continue 2
	done
	pn=$(min <"$TMP/plain.$m") pl=$(min <"$TMP/loaded.$m") pt=$(min <"$TMP/traced.$m")
	n=$(awk '{ print $2 }' "$TMP/traced.$m.sum" | sort -n | tail -1)
	lost=$(awk '{ s += $4 } END { print s + 0 }' "$TMP/traced.$m.sum")
	awk -v m="$m" -v pn="$pn" -v pl="$pl" -v pt="$pt" -v n="$n" -v lost="$lost" 'BEGIN {
		printf "  %-8s %10.1f %10.1f %+7.1f%% %10.1f %9.0f %6d\n", m, pn / 1e6, pl / 1e6,
			(pl - pn) * 100 / pn, pt / 1e6, (pt - pl) / n, lost }'
done
# The reference: built-in markers.
ref=/usr/bin/python3.11
if [ -x "$ref" ] && "$ref" -c 'import sysconfig, sys; sys.exit(not sysconfig.get_config_var("WITH_DTRACE"))'; then
	: >"$TMP/ref"; : >"$TMP/reft"; : >"$TMP/reft.sum"
	for _ in $(seq "$REPS"); do
		"$ref" $WORK && cat "$TMP/elapsed" >>"$TMP/ref"
		traced "$ref" "$TMP/reft" || break
	done
	ru=$(min <"$TMP/ref") rt=$(min <"$TMP/reft")
	n=$(awk '{ print $2 }' "$TMP/reft.sum" | sort -n | tail -1)
	lost=$(awk '{ s += $4 } END { print s + 0 }' "$TMP/reft.sum")
	awk -v ru="$ru" -v rt="$rt" -v n="$n" -v lost="$lost" 'BEGIN {
		printf "  %-8s %10.1f %10s %8s %10.1f %9.0f %6d   (built-in markers, no provider)\n",
			"3.11deb", ru / 1e6, "-", "-", rt / 1e6, (rt - ru) / n, lost }'
fi
