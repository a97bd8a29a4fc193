#!/bin/bash
# The project's own D scripts for Python (examples/d/, in the style of the published Python D
# toolkits), each run live on a workload that reports what it did, and checked for meaning:
#   - py_syscalls_byfunc.d: f() makes exactly 13 os.stat calls: 13 newfstatat charged to f,
#     the sleep in slow() charged to slow
#   - py_mallocs_byfunc.d: g() makes 7 bytearrays of 1 MiB: at least 7 mallocs and 7 x 1 MiB
#     charged to g (less than one more MiB besides), printed by one printa of two aggregations
#   - py_flowdelta.d: the flow has inner() called 14 times, indented one level under its caller;
#     the call after slow()'s 50 ms sleep shows a delta of 50 ms to 2 s
#   - py_cputime.d: sleeper() sleeps 300 ms, spin() spins 300 ms on the clock: both show ~300 ms
#     elapsed; spin's on-CPU time is most of that, sleeper's next to nothing (vtimestamp is the
#     thread's CPU clock, not the wall clock)
#   - py_profile.d: the hottest sampled Python stack is spin (at a line of its loop) called from
#     main (at the line of the call), each frame with its file:line; its count is most samples
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "example D scripts" || exit 0
need_py311 "example D scripts" || exit 0
EX=$PYSCOPE_ROOT/examples/d
D() { timeout 120 "$PYSCOPE" dtrace "$@"; }

cat >"$TMP/w.py" <<'PY'
import os, time
def inner(i):
    return i * 2
def f(k):
    for i in range(k):
        os.stat("/")
        inner(i)
def g(n):
    out = []
    for _ in range(n):
        out.append(bytearray(1 << 20))
    return out
def slow():
    time.sleep(0.05)
    inner(0)
f(13)
g(7)
slow()
print("workload: 13 os.stat calls in f, 7 bytearrays of 1 MiB in g, 50 ms asleep in slow")
PY
W="$PY311 $TMP/w.py"

D -s "$EX/py_syscalls_byfunc.d" -c "$W" >"$TMP/s.out" 2>"$TMP/s.err"
grep -q "^workload: 13 os.stat" "$TMP/s.out" || fail "the workload ran under py_syscalls_byfunc.d" "$(head -5 "$TMP/s.err")"
expect_eq "py_syscalls_byfunc.d: f's 13 os.stat calls are 13 newfstatat in f" \
	"w.py f newfstatat 13" "$(awk '$2 == "f" && $3 ~ /stat/ { print $1, $2, $3, $4 }' "$TMP/s.out")"
expect_eq "py_syscalls_byfunc.d: slow's sleep is charged to slow" "1" \
	"$(awk '$2 == "slow" && $3 ~ /sleep/ { print $4 }' "$TMP/s.out")"

D -s "$EX/py_mallocs_byfunc.d" -c "$W" >"$TMP/m.out" 2>"$TMP/m.err"
read -r mallocs bytes <<<"$(awk '$1 == "g" && NF == 3 { print $2, $3 }' "$TMP/m.out")"
if [ -n "$bytes" ] && [ "$mallocs" -ge 7 ] && [ "$bytes" -ge $((7 * 1048577)) ] &&
	[ "$bytes" -lt $((8 * 1048576)) ]; then
	pass "py_mallocs_byfunc.d: g's 7 MiB arrays are $mallocs mallocs of $bytes bytes in g"
else
	fail "py_mallocs_byfunc.d: g's 7 MiB arrays (mallocs '$mallocs', bytes '$bytes')" \
		"$(head -20 "$TMP/m.out")" "$(head -5 "$TMP/m.err")"
fi

D -s "$EX/py_flowdelta.d" -c "$W" >"$TMP/f.out" 2>"$TMP/f.err"
expect_eq "py_flowdelta.d: inner is entered 14 times" "14" "$(grep -c -- '-> inner:' "$TMP/f.out")"
# the lines of slow's call: its own, then inner's, one level deeper, after the sleep
line_slow=$(grep -- '-> slow:' "$TMP/f.out" | head -1)
# (the workload's own line goes to the same stdout when it exits: it may land among the trace's)
line_inner=$(grep -v '^workload:' "$TMP/f.out" | grep -A1 -- '-> slow:' | tail -1)
ind() { sed -E 's/^[0-9]+ +[^ ]+ +[0-9]+ ( *)[-<].*/\1/' <<<"$1" | awk '{ print length($0) }'; }
delta=$(awk '{ print $3 }' <<<"$line_inner")
expect_eq "py_flowdelta.d: inner under slow is indented one level (2 columns) more" \
	"$(( $(ind "$line_slow") + 2 ))" "$(ind "$line_inner")"
if [[ $line_inner == *"-> inner:"* ]] && [ "${delta:-0}" -ge 50000 ] && [ "$delta" -lt 2000000 ]; then
	pass "py_flowdelta.d: the call after slow's 50 ms sleep shows a delta of $delta us"
else
	fail "py_flowdelta.d: the call after slow's sleep (delta '$delta')" "$line_slow" "$line_inner"
fi

# On-CPU time and the sampled profile: a sleeper and a spinner of 300 ms each, called from main.
cat >"$TMP/c.py" <<'PY'
import time
def sleeper():
    time.sleep(0.3)
def spin():
    t = time.perf_counter() + 0.3
    n = 0
    while time.perf_counter() < t:
        n += 1
    return n
def main():
    sleeper()
    spin()
main()
print("workload: 300 ms asleep in sleeper, 300 ms spinning in spin (lines 7-8), called from main (line 12)")
PY
C="$PY311 $TMP/c.py"

D -s "$EX/py_cputime.d" -c "$C" >"$TMP/t.out" 2>"$TMP/t.err"
grep -q "^workload: 300 ms asleep" "$TMP/t.out" || fail "the workload ran under py_cputime.d" "$(head -5 "$TMP/t.err")"
# the lines "c.py FUNC CALLS CPU(us) ELAPSED(us)"
read -r s_calls s_cpu s_wall <<<"$(awk '$1 == "c.py" && $2 == "sleeper" { print $3, $4, $5 }' "$TMP/t.out")"
read -r p_calls p_cpu p_wall <<<"$(awk '$1 == "c.py" && $2 == "spin" { print $3, $4, $5 }' "$TMP/t.out")"
# generous bounds for a loaded machine: elapsed 300 ms to 3 s; the spinner on CPU at least a tenth
# of its 300 ms (2 CPUs shared by many runs) and 3 times the sleeper's; the sleeper under 50 ms
# (vtimestamp moves at the scheduler's ticks, 1 to 10 ms)
if [ "$s_calls" = 1 ] && [ "$p_calls" = 1 ] &&
	[ "$s_wall" -ge 300000 ] && [ "$s_wall" -lt 3000000 ] &&
	[ "$p_wall" -ge 300000 ] && [ "$p_wall" -lt 3000000 ] &&
	[ "$p_cpu" -ge 30000 ] && [ "$p_cpu" -le "$p_wall" ] &&
	[ "$s_cpu" -lt 50000 ] && [ "$p_cpu" -gt $((3 * s_cpu)) ]; then
	pass "py_cputime.d: spin ${p_cpu} us on CPU of ${p_wall} us, sleeper ${s_cpu} us of ${s_wall} us"
else
	fail "py_cputime.d: spin on CPU, sleeper not (sleeper '$s_calls $s_cpu $s_wall', spin '$p_calls $p_cpu $p_wall')" \
		"$(grep -E 'FILE|c\.py' "$TMP/t.out")" "$(head -5 "$TMP/t.err")"
fi
# main includes both: its CPU time is its callees', its elapsed time their sum
read -r m_cpu m_wall <<<"$(awk '$1 == "c.py" && $2 == "main" { print $4, $5 }' "$TMP/t.out")"
if [ -n "$m_wall" ] && [ "$m_wall" -ge $((s_wall + p_wall)) ] && [ "$m_cpu" -ge "$p_cpu" ] &&
	[ "$m_cpu" -lt $((p_cpu + s_cpu + 50000)) ]; then
	pass "py_cputime.d: main's inclusive times hold its callees' ($m_cpu us CPU, $m_wall us elapsed)"
else
	fail "py_cputime.d: main's inclusive times ('$m_cpu' '$m_wall')" "$(grep -E 'FILE|c\.py' "$TMP/t.out")"
fi

D -s "$EX/py_profile.d" -c "$C" >"$TMP/p.out" 2>"$TMP/p.err"
grep -q "^workload: 300 ms asleep" "$TMP/p.out" || fail "the workload ran under py_profile.d" "$(head -5 "$TMP/p.err")"
# the stacks print as DTrace's printa("%k%@8d\n\n"): a blank line, the frames "[ FILE:LINE (FUNC) ]"
# innermost first, the count on a line of its own; the hottest prints last
awk -v RS= '/\[/ { last = $0 } END { print last }' "$TMP/p.out" >"$TMP/hot"
samples=$(awk '/^samples/ { print $2 }' "$TMP/p.out")
frames=$(grep -o '\[ [^]]* \]' "$TMP/hot" | head -3 | sed "s|$TMP/||" | tr '\n' ' ')
hot=$(awk 'NF == 1 && $1 ~ /^[0-9]+$/ { print $1 }' "$TMP/hot")
# all the stacks whose innermost frame is spin (one per line of its loop) hold most samples
in_spin=$(awk -v RS= '$0 ~ /^ *\[ [^]]*c\.py:[0-9]+ \(spin\) \]/ { s += $NF } END { print s + 0 }' "$TMP/p.out")
if [[ $frames =~ ^'[ c.py:'[78]' (spin) ] [ c.py:12 (main) ] [ c.py:13 (<module>) ] '$ ]] &&
	[ -n "$samples" ] && [ "${hot:-0}" -ge 3 ] && [ $((2 * in_spin)) -ge "$samples" ]; then
	pass "py_profile.d: the hottest stack is spin < main < <module> with file:line ($hot of $samples samples, $in_spin in spin)"
else
	fail "py_profile.d: the hottest stack (frames '$frames', count '$hot', in spin '$in_spin', samples '$samples')" \
		"$(tail -20 "$TMP/p.out")" "$(head -5 "$TMP/p.err")"
fi
