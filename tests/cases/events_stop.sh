#!/bin/bash
# Ending a trace before its -c command ends takes the command with it, as dtrace(1) does with a
# process it created: SIGTERM to pyscope events, and exit() in a D script. Live.
# The command's pid is read from the trace itself (never looked up by name).
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "stopping a -c trace" || exit 0

"$PYSCOPE" events -c "$TARGET spin:31" >"$TMP/out" 2>"$TMP/err" &
tracer=$!
track "$tracer"
wait_for "$TMP/out" 'function__entry sdt_target.c spin 1' || fail "events: the command runs traced"
cmd=$(awk '/function__entry sdt_target.c spin 1$/ { print $2; exit }' "$TMP/out")
track "$cmd"
alive "$cmd" && pass "events: the command runs while traced" || fail "events: the command runs while traced"
kill -TERM "$tracer"
wait "$tracer"
expect_eq "events: SIGTERM exits 0" 0 "$?"
expect_grep "events: SIGTERM prints the summary" '^pyscope: [0-9]+ events, 0 lost$' "$TMP/err"
if alive "$cmd"; then fail "events: SIGTERM ends the -c command too" "pid $cmd still running"
else pass "events: SIGTERM ends the -c command too"; fi

"$PYSCOPE" dtrace -q -n 'python$target:::function-entry { printf("%s %d\n", copyinstr(arg1), pid); exit(0); }' \
	-c "$TARGET spin:32" >"$TMP/d.out" 2>"$TMP/d.err"
expect_eq "dtrace: exit(0) ends the trace with status 0" "0" "$?"
read -r fn cmd <"$TMP/d.out"
track "$cmd"
expect_eq "dtrace: the clause ran once" "spin|" "$fn|$(sed 1d "$TMP/d.out")"
if alive "$cmd"; then fail "dtrace: exit() ends the -c command too" "pid $cmd still running"
else pass "dtrace: exit() ends the -c command too"; fi
exit 0
