#!/bin/bash
# bench/stacks.sh — Python stack sampling (`pyscope profile`), a section of `make bench`:
#   rate      samples a second pyscope takes system-wide (--all) with one CPU-bound CPython per CPU
#   cost      per sample, in the sampled program: a fixed amount of work (fib) timed by itself,
#             untraced and profiled at STACK_HZ; (profiled - untraced) / samples taken of it
#   austin    the same program and rate under Austin (a sampler that reads process memory), when
#             the `austin` command is installed; skipped otherwise (never required)
source "$(dirname "$0")/lib.bash"
hz=${STACK_HZ:-4999} reps=${STACK_REPS:-$REPS} fibn=31
[ -n "$BENCH_QUICK" ] && { reps=1; fibn=27; }
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
pids=()
for i in $(seq "$(nproc)"); do "$PY" "$TMP/spin.py" 3 & pids+=($!); done
# the kernel's own count of the sampling program's runs and time (bpf_stats), read while it runs
old=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)
sysctl -qw kernel.bpf_stats_enabled=1 2>/dev/null
"$PYSCOPE" profile --all -F "$hz" -d 2 -o "$TMP/all.folded" 2>"$TMP/all.err" & prof=$!
sleep 1.5
stats=$(bpftool prog show name pystack_sample 2>/dev/null | grep -o 'run_time_ns [0-9]* run_cnt [0-9]*' | tail -1)
wait $prof
[ -n "$old" ] && sysctl -qw kernel.bpf_stats_enabled="$old" 2>/dev/null
wait "${pids[@]}"
n=$(sed -n 's/^pyscope: \([0-9]*\) samples, \([0-9]*\) process.*, \([0-9]*\) lost.*/\1 \2 \3/p' "$TMP/all.err")
echo "stacks: pyscope profile --all -F $hz for 2 s, one CPU-bound python per CPU ($(nproc))"
awk -v v="$n" 'BEGIN { split(v, a, " "); printf "  rate       %8.0f samples/s system-wide, %d processes, %d lost\n", a[1] / 2, a[2], a[3] }'
awk -v v="$stats" 'BEGIN { split(v, a, " "); if (a[4] > 0)
	printf "  in kernel  %8.0f ns per run of the sampling program (bpf_stats: walk + record), %d runs\n", a[2] / a[4], a[4]
	else print "  in kernel  (bpf_stats not readable: no bpftool?)" }'
: >"$TMP/fu"; : >"$TMP/fp"; : >"$TMP/fs"; : >"$TMP/fa"
have_austin=$(command -v austin)
for i in $(seq "$reps"); do   # interleaved: untraced, pyscope, austin
	$BENCH_ON "$PY" "$TMP/fib.py" "$TMP/e" $fibn && cat "$TMP/e" >>"$TMP/fu" && echo >>"$TMP/fu"
	"$PYSCOPE" profile -F "$hz" -o "$TMP/f.folded" -c "$BENCH_ON $PY $TMP/fib.py $TMP/e $fibn" 2>"$TMP/f.err" &&
		cat "$TMP/e" >>"$TMP/fp" && echo >>"$TMP/fp" &&
		sed -n 's/^pyscope: \([0-9]*\) samples.*/\1/p' "$TMP/f.err" >>"$TMP/fs"
	[ -n "$have_austin" ] &&
		austin -i "$((1000000 / hz))" -o "$TMP/austin.out" $BENCH_ON "$PY" "$TMP/fib.py" "$TMP/e" $fibn \
			>/dev/null 2>"$TMP/austin.err" && cat "$TMP/e" >>"$TMP/fa" && echo >>"$TMP/fa"
done
u=$(min <"$TMP/fu"); p=$(min <"$TMP/fp"); s=$(sort -n "$TMP/fs" | head -1); a=$(min <"$TMP/fa")
awk -v u="$u" -v p="$p" -v s="$s" -v hz="$hz" -v f="$fibn" 'BEGIN {
	printf "  cost       fib(%d): untraced %.1f ms, profiled at %d Hz %.1f ms (%d samples): %.1f us/sample (best of runs; wall clock)\n",
		f, u / 1e6, hz, p / 1e6, s, s ? (p - u) / s / 1e3 : 0 }'
if [ -n "$have_austin" ] && [ -n "$a" ]; then
	awk -v u="$u" -v a="$a" -v hz="$hz" -v f="$fibn" 'BEGIN {
		printf "  austin     fib(%d) at %d Hz: %.1f ms (%.1f ms above untraced)\n", f, hz, a / 1e6, (a - u) / 1e6 }'
elif [ -n "$have_austin" ]; then
	echo "  austin     failed: $(tail -1 "$TMP/austin.err")"
else
	echo "  austin     skipped: not installed (Debian package austin)"
fi
st="not installed"; [ -n "$have_austin" ] && st="failed ($(tail -1 "$TMP/austin.err" | tr -d '"\\'))"
section_json "$(awk -v v="$n" -v u="$u" -v p="$p" -v s="$s" -v a="${a:-}" -v hz="$hz" -v st="$st" 'BEGIN {
	split(v, r, " ")
	printf "{\"hz\":%d,\"rate_per_s\":%.0f,\"lost\":%d,\"fib_untraced_ns\":%.0f,\"fib_profiled_ns\":%.0f,\"samples\":%d,\"us_per_sample\":%.2f,\"austin_ns\":%s",
		hz, r[1] / 2, r[3], u, p, s, s ? (p - u) / s / 1e3 : 0, a == "" ? "null" : a
	printf ",\"readme\":\"Stacks (`pyscope profile`): %.0f samples/s system-wide at -F %d, %d lost; %.1f us per sample in the sampled program (fib, wall clock)%s.\"}",
		r[1] / 2, hz, r[3], s ? (p - u) / s / 1e3 : 0,
		a == "" ? "; austin: " st : sprintf("; austin at the same rate: %.1f ms above untraced, pyscope %.1f ms", (a - u) / 1e6, (p - u) / 1e6) }')"
