#!/bin/bash
# dtrace -p PID ends when the process exits, as dtrace(1) does (its prochandler counts the
# grabbed processes down, then the run stops): END clauses run, the aggregations print, and
# "dtrace: pid N has exited" is said on stderr (not under -q, as every notice).
#   - a program on BEGIN, tick and END only (no capture: the processes are polled)
#   - a program on python probes (the capture sees the process go), when tracing is possible
#   - -p on a pid that does not exist is refused at once
# kind: live: the python part traces a process (the rest needs no kernel and runs under --fast)
source "$(dirname "$0")/../lib.sh"

# A plain process to watch: no tracing is needed for a program without probes in it.
sleep 60 &
spid=$!
track "$spid"
"$PYSCOPE" dtrace -n 'tick-10ms { @ticks = count(); } END { printf("END ran\n"); }' -p "$spid" \
	>"$TMP/out" 2>"$TMP/err" &
dpid=$!
track "$dpid"
wait_for "$TMP/err" 'matched' || fail "clock-only -p: started" "$(cat "$TMP/err")"
WAIT_S=2 wait_gone "$dpid" && fail "clock-only -p: runs while the process lives" "$(cat "$TMP/err")"
kill "$spid"
wait "$spid" 2>/dev/null
if WAIT_S=10 wait_gone "$dpid"; then pass "clock-only -p: the process's exit ends the run"; else
	fail "clock-only -p: the process's exit ends the run" "$(cat "$TMP/err")"; fi
wait "$dpid"
expect_eq "clock-only -p: exit status 0" 0 "$?"
expect_grep "clock-only -p: END ran" 'END ran' "$TMP/out"
expect_grep "clock-only -p: the aggregation printed at the end" '^ +[0-9]+$' "$TMP/out"
expect_grep "clock-only -p: dtrace's notice" "^dtrace: pid $spid has exited$" "$TMP/err"

# Under -q, no notice; two processes: the run ends with the last.
sleep 60 &
s1=$!
sleep 60 &
s2=$!
track "$s1" "$s2"
"$PYSCOPE" dtrace -q -n 'BEGIN { printf("begin\n"); } END { printf("end\n"); }' \
	-p "$s1" -p "$s2" >"$TMP/out" 2>"$TMP/err" &
dpid=$!
track "$dpid"
wait_for "$TMP/out" 'begin' || fail "clock-only -p twice: started" "$(cat "$TMP/err")"
kill "$s1"
wait "$s1" 2>/dev/null
WAIT_S=1 wait_gone "$dpid" && fail "clock-only -p twice: one process gone, the run goes on"
kill "$s2"
wait "$s2" 2>/dev/null
if WAIT_S=10 wait_gone "$dpid"; then pass "clock-only -p twice: the last exit ends the run"; else
	fail "clock-only -p twice: the last exit ends the run"; fi
wait "$dpid"
expect_eq "clock-only -p -q: END's output" "begin
end" "$(cat "$TMP/out")"
expect_eq "clock-only -p -q: no notice" "" "$(cat "$TMP/err")"

expect_status "-p on a pid that does not exist" 2 \
	"$PYSCOPE" dtrace -n 'tick-1s { }' -p 999999999
expect_eq "-p on a pid that does not exist: the message" "pyscope: no process with pid 999999999" \
	"$(cat "$TMP/err")"

# With python probes, the capture sees the process go: the same notice.
need_trace "python -p: the notice" || exit 0
[ -x "$TARGET" ] || { skip "python -p: the notice" "no $TARGET"; exit 0; }
"$TARGET" spin:20 >/dev/null 2>&1 &
tpid=$!
track "$tpid"
wait_exec "$tpid" "$TARGET"
stdbuf -oL "$PYSCOPE" dtrace -n 'BEGIN { printf("attached\n"); }
	python$target:::function-entry { @calls = count(); } END { printf("END ran\n"); }' \
	-p "$tpid" >"$TMP/out" 2>"$TMP/err" &
dpid=$!
track "$dpid"
wait_for "$TMP/out" 'attached' || fail "python -p: started" "$(cat "$TMP/err")"
kill "$tpid"
wait "$tpid" 2>/dev/null
WAIT_S=10 wait_gone "$dpid" || fail "python -p: the process's exit ends the run"
wait "$dpid"
expect_grep "python -p: END ran" 'END ran' "$TMP/out"
expect_grep "python -p: dtrace's notice" "^dtrace: pid $tpid has exited$" "$TMP/err"

# Two python -p processes: each end is said when it comes, the run ends with the last.
"$TARGET" spin:20 >/dev/null 2>&1 &
t1=$!
"$TARGET" spin:20 >/dev/null 2>&1 &
t2=$!
track "$t1" "$t2"
wait_exec "$t1" "$TARGET"
wait_exec "$t2" "$TARGET"
stdbuf -oL "$PYSCOPE" dtrace -n 'BEGIN { printf("attached\n"); }
	python$target:::function-entry { @calls = count(); }' \
	-p "$t1" -p "$t2" >"$TMP/out" 2>"$TMP/err" &
dpid=$!
track "$dpid"
wait_for "$TMP/out" 'attached' || fail "python -p twice: started" "$(cat "$TMP/err")"
kill "$t1"
wait "$t1" 2>/dev/null
if wait_for "$TMP/err" "^dtrace: pid $t1 has exited$"; then
	pass "python -p twice: the first end is said while the other runs"
else
	fail "python -p twice: the first end is said while the other runs" "$(cat "$TMP/err")"
fi
alive "$dpid" && pass "python -p twice: the run goes on" || fail "python -p twice: the run goes on"
kill "$t2"
wait "$t2" 2>/dev/null
WAIT_S=10 wait_gone "$dpid" || fail "python -p twice: the last exit ends the run"
wait "$dpid"
expect_grep "python -p twice: the second end said" "^dtrace: pid $t2 has exited$" "$TMP/err"
expect_eq "python -p twice: each said once" 2 "$(grep -c 'has exited' "$TMP/err")"
