#!/bin/bash
# bench/stacks.sh — what Python stack sampling costs (`pyscope profile`), next to Austin, the
# frame-stack sampler Debian packages (`austin`; it reads the target's memory from another process,
# as py-spy does). bench/run calls it; it runs alone too (as root): bench/stacks.sh
#   rate      samples a second pyscope takes system-wide (--all), one CPU-bound CPython per CPU,
#             and the kernel's own time per run of the sampling program (bpf_stats)
#   cost      per sample, in the sampled program: fib(N) timed by itself, untraced, under
#             `pyscope profile -F HZ -c`, and under `austin -i 1e6/HZ`; for each, (time - untraced)
#             / samples it took of the program (Austin's: the samples in its output)
# Debian's austin (1.0.1) knows CPython up to 3.10: the cost is measured on the first Python it can
# sample of $PY, then pyenv's 3.10, 3.9, 3.8 (AUSTIN_PY to choose), all three runs on that one;
# without any, on $PY with Austin skipped (said so).
# Each program run STACK_REPS times (interleaved), the fastest kept: wall clock on a shared machine
# is noisy, the minimum the least. Austin cannot sample the whole machine: its rate is the rate it
# reached on the one program.
cd "$(dirname "$0")/.." || exit 2
PYSCOPE=${PYSCOPE:-build/pyscope}
PY=${PY:-/usr/bin/python3.11}
HZ=${STACK_HZ:-4999}
REPS=${STACK_REPS:-5}
FIB=${STACK_FIB:-31}
[ "$(id -u)" = 0 ] || { echo "bench/stacks.sh: needs root (BPF)" >&2; exit 2; }
[ -x "$PY" ] || { echo "bench/stacks.sh: no $PY" >&2; exit 2; }
TMP=$(mktemp -d /tmp/pyscope-stacks.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
ON=""
[ -n "${BENCH_CPU:-}" ] && ON="taskset -c $BENCH_CPU"
min() { sort -n | head -1; }

cat >"$TMP/fib.py" <<'PY'
import sys, time
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
t = time.perf_counter_ns()
fib(int(sys.argv[2]))
open(sys.argv[1], "w").write(str(time.perf_counter_ns() - t))
PY
cat >"$TMP/spin.py" <<'PY'
import sys, time
def spin(end):
    while time.monotonic() < end:
        pass
spin(time.monotonic() + float(sys.argv[1]))
PY

# ---- rate, system-wide ----
pids=()
for i in $(seq "$(nproc)"); do "$PY" "$TMP/spin.py" 3 & pids+=($!); done
old=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)
sysctl -qw kernel.bpf_stats_enabled=1 2>/dev/null
"$PYSCOPE" profile --all -F "$HZ" -d 2 -o "$TMP/all.folded" 2>"$TMP/all.err" & prof=$!
sleep 1.5
stats=$(bpftool prog show name pystack_sample 2>/dev/null | grep -o 'run_time_ns [0-9]* run_cnt [0-9]*' | tail -1)
wait $prof
[ -n "$old" ] && sysctl -qw kernel.bpf_stats_enabled="$old" 2>/dev/null
wait "${pids[@]}"
n=$(sed -n 's/^pyscope: \([0-9]*\) samples, \([0-9]*\) process.*, \([0-9]*\) lost.*/\1 \2 \3/p' "$TMP/all.err")
echo "stacks: pyscope profile --all -F $HZ for 2 s, one CPU-bound python per CPU ($(nproc))"
awk -v v="$n" 'BEGIN { split(v, a, " "); printf "  rate       %8.0f samples/s system-wide, %d processes, %d lost\n", a[1] / 2, a[2], a[3] }'
awk -v v="$stats" 'BEGIN { split(v, a, " "); if (a[4] > 0)
	printf "  in kernel  %8.0f ns per run of the sampling program (bpf_stats: walk + record), %d runs\n", a[2] / a[4], a[4]
	else print "  in kernel  (bpf_stats not readable: no bpftool?)" }'

# ---- cost per sample in the target: untraced, pyscope, austin, interleaved ----
have_austin= why="not installed (Debian package austin)"
CPY=$PY
if command -v austin >/dev/null; then
	why="it samples none of $PY and pyenv's 3.8-3.10 (Debian's austin 1.0.1 stops at 3.10)"
	for c in ${AUSTIN_PY:-$PY "$HOME"/.pyenv/versions/3.10.*/bin/python3.10 "$HOME"/.pyenv/versions/3.9.*/bin/python3.9 "$HOME"/.pyenv/versions/3.8.*/bin/python3.8}; do
		[ -x "$c" ] || continue
		if austin -t 1000 -i 1000 -o "$TMP/probe.out" "$c" "$TMP/fib.py" "$TMP/e" 20 >/dev/null 2>&1 &&
		   grep -qv '^#' "$TMP/probe.out"; then
			have_austin=1 CPY=$c
			break
		fi
	done
fi
: >"$TMP/u"; : >"$TMP/p"; : >"$TMP/ps"; : >"$TMP/a"; : >"$TMP/as"
for i in $(seq "$REPS"); do
	$ON "$CPY" "$TMP/fib.py" "$TMP/e" "$FIB" && { cat "$TMP/e"; echo; } >>"$TMP/u"
	"$PYSCOPE" profile -F "$HZ" -o "$TMP/f.folded" -c "$ON $CPY $TMP/fib.py $TMP/e $FIB" 2>"$TMP/f.err" &&
		{ cat "$TMP/e"; echo; } >>"$TMP/p" &&
		echo "$(cat "$TMP/e") $(sed -n 's/^pyscope: \([0-9]*\) samples.*/\1/p' "$TMP/f.err")" >>"$TMP/ps"
	if [ -n "$have_austin" ]; then
		austin -i "$((1000000 / HZ))" -o "$TMP/austin.out" $ON "$CPY" "$TMP/fib.py" "$TMP/e" "$FIB" >/dev/null 2>&1 &&
			{ cat "$TMP/e"; echo; } >>"$TMP/a" &&
			echo "$(cat "$TMP/e") $(grep -vc '^#' "$TMP/austin.out")" >>"$TMP/as"
	fi
done
u=$(min <"$TMP/u")
# the fastest run of each, with the samples that run took
read -r p ps < <(sort -n "$TMP/ps" | head -1)
echo "cost: fib($FIB) on $CPY at $HZ Hz, fastest of $REPS (wall clock: noisy on a shared machine)"
awk -v u="$u" 'BEGIN { printf "  untraced   %8.1f ms\n", u / 1e6 }'
awk -v u="$u" -v p="$p" -v s="$ps" 'BEGIN {
	printf "  pyscope    %8.1f ms  %6d samples (%5.0f/s)  %6.1f us/sample in the target\n",
		p / 1e6, s, s / (p / 1e9), s ? (p - u) / s / 1e3 : 0 }'
if [ -n "$have_austin" ] && [ -s "$TMP/as" ]; then
	read -r a as < <(sort -n "$TMP/as" | head -1)
	awk -v u="$u" -v a="$a" -v s="$as" 'BEGIN {
		printf "  austin     %8.1f ms  %6d samples (%5.0f/s)  %6.1f us/sample in the target\n",
			a / 1e6, s, s / (a / 1e9), s ? (a - u) / s / 1e3 : 0 }'
else
	echo "  austin     skipped: $why"
fi
