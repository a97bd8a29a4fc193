#!/bin/bash
# The project's own D scripts for Python (examples/d/, in the style of the published Python D
# toolkits), each run live on a workload that reports what it did, and checked for meaning:
#   - py_syscalls_byfunc.d: f() makes exactly 13 os.stat calls: 13 newfstatat charged to f,
#     the sleep in slow() charged to slow
#   - py_mallocs_byfunc.d: g() makes 7 bytearrays of 1 MiB: at least 7 mallocs and 7 x 1 MiB
#     charged to g (less than one more MiB besides), printed by one printa of two aggregations
#   - py_flowdelta.d: the flow has inner() called 14 times, indented one level under its caller;
#     the call after slow()'s 50 ms sleep shows a delta of 50 ms to 2 s
# Scripts for on-CPU time (vtimestamp) and sampled Python stacks (jstack) are in examples/d too;
# they wait for the helpers doing vtimestamp and jstack and have no test here.
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
line_inner=$(grep -A1 -- '-> slow:' "$TMP/f.out" | tail -1)
ind() { sed -E 's/^[0-9]+ +[^ ]+ +[0-9]+ ( *)[-<].*/\1/' <<<"$1" | awk '{ print length($0) }'; }
delta=$(awk '{ print $3 }' <<<"$line_inner")
expect_eq "py_flowdelta.d: inner under slow is indented one level (2 columns) more" \
	"$(( $(ind "$line_slow") + 2 ))" "$(ind "$line_inner")"
if [[ $line_inner == *"-> inner:"* ]] && [ "${delta:-0}" -ge 50000 ] && [ "$delta" -lt 2000000 ]; then
	pass "py_flowdelta.d: the call after slow's 50 ms sleep shows a delta of $delta us"
else
	fail "py_flowdelta.d: the call after slow's sleep (delta '$delta')" "$line_slow" "$line_inner"
fi
