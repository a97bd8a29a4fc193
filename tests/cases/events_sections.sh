#!/bin/bash
# `pyscope events --json --vtimestamp --ustack` records what a D script reads of a hit beyond its
# arguments ("vts", "ustack": event.h's stream), so that the script replays as it ran live:
#   - the recording's lines carry "vts" and "ustack" with the flags, and neither without them
#   - replayed, vtimestamp and ucaller are exactly the recorded "vts" and "ustack"[1]
#   - examples/d/py_cputime.d replayed on a recording of a 300 ms sleeper and a 300 ms spinner
#     finds the spinner on CPU and the sleeper not (without --vtimestamp, a replay has only the
#     wall clock: vtimestamp is timestamp, and both look busy)
#   - --vtimestamp or --ustack without --json is refused with one line, exit 2
# kind: live
source "$(dirname "$0")/../lib.sh"
need_trace "events --vtimestamp --ustack" || exit 0
need_py311 "events --vtimestamp --ustack" || exit 0

cat >"$TMP/c.py" <<'PY'
import time
def sleeper():
    time.sleep(0.3)
def spin():
    t = time.perf_counter() + 0.3
    while time.perf_counter() < t:
        pass
def main():
    sleeper()
    spin()
main()
PY
M=function__entry,function__return
timeout 120 "$PYSCOPE" events --json --vtimestamp --ustack --markers $M -c "$PY311 $TMP/c.py" \
	>"$TMP/rec" 2>"$TMP/rec.err"
timeout 120 "$PYSCOPE" events --json --markers $M -c "$PY311 $TMP/c.py" >"$TMP/plain" 2>/dev/null

n=$(grep -c '"ts":' "$TMP/rec")
expect_eq "every hit recorded with --vtimestamp --ustack carries \"vts\" and \"ustack\"" "$n" \
	"$(grep '"ts":' "$TMP/rec" | grep -c '"vts":[0-9]*,"ustack":\[[0-9]')"
[ "$n" -gt 10 ] || fail "the recording has hits ($n)" "$(head -3 "$TMP/rec.err")"
expect_eq "without the flags, no hit carries \"vts\" or \"ustack\"" "0" \
	"$(grep -c '"vts"\|"ustack"' "$TMP/plain")"

# the recorded values of spin's entry, and what a replayed script reads there
line=$(grep 'function__entry"' "$TMP/rec" | grep '"str":\["[^"]*c.py","spin"' | head -1)
vts=$(sed -E 's/.*"vts":([0-9]+).*/\1/' <<<"$line")
caller=$(sed -E 's/.*"ustack":\[[0-9]+,([0-9]+).*/\1/' <<<"$line")
got=$("$PYSCOPE" dtrace -q --replay "$TMP/rec" -n 'python*:::function-entry
	/copyinstr(arg1) == "spin"/ { printf("%d %d\n", vtimestamp, ucaller); }' 2>&1)
expect_eq "replayed, spin's vtimestamp and ucaller are the recorded vts and ustack[1]" \
	"$vts $caller" "$got"

cpu() { "$PYSCOPE" dtrace --replay "$1" -s "$PYSCOPE_ROOT/examples/d/py_cputime.d" 2>&1 |
	awk -v f="$2" '$1 == "c.py" && $2 == f { print $4 }'; }
s_cpu=$(cpu "$TMP/rec" sleeper); p_cpu=$(cpu "$TMP/rec" spin); s_plain=$(cpu "$TMP/plain" sleeper)
if [ -n "$s_cpu" ] && [ -n "$p_cpu" ] && [ "$s_cpu" -lt 50000 ] && [ "$p_cpu" -ge 30000 ] &&
	[ "$p_cpu" -gt $((3 * s_cpu)) ] && [ "${s_plain:-0}" -ge 300000 ]; then
	pass "py_cputime.d replayed: spin $p_cpu us on CPU, sleeper $s_cpu us (without --vtimestamp: $s_plain us)"
else
	fail "py_cputime.d replayed (spin '$p_cpu', sleeper '$s_cpu', sleeper without --vtimestamp '$s_plain')"
fi

expect_status "--vtimestamp without --json is refused" 2 "$PYSCOPE" events --vtimestamp -c true
expect_eq "... with one line saying so" "pyscope: events: --vtimestamp is for --json recordings (add --json)" \
	"$(cat "$TMP/err")"
