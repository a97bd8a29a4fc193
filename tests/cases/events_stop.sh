#!/bin/bash
# Ending a trace before its -c command ends takes the command with it, as dtrace(1) does with a
# process it created: SIGTERM to pyscope events, and exit() in a D script. Live.
source "$(dirname "$0")/../lib.sh"
if ! can_trace; then skip "stopping a -c trace" "needs root and BPF"; exit 0; fi

# alive N: an sdt_target started as "sdt_target spin:N" is still running (31: events, 32: dtrace).
alive() { pgrep -f "sdt_target spin:$1\$" >/dev/null; }

"$PYSCOPE" events -c "$TARGET spin:31" >"$TMP/out" 2>"$TMP/err" &
tracer=$!
wait_for "$TMP/out" 'function__entry sdt_target.c spin 1' || fail "events: the command runs traced"
alive 31 && pass "events: the command runs while traced" || fail "events: the command runs while traced"
kill -TERM "$tracer"
wait "$tracer"
expect_eq "events: SIGTERM exits 0" 0 "$?"
expect_grep "events: SIGTERM prints the summary" '^pyscope: [0-9]+ events, 0 lost$' "$TMP/err"
if alive 31; then fail "events: SIGTERM ends the -c command too" "$(pgrep -af 'spin:31')"
else pass "events: SIGTERM ends the -c command too"; fi

"$PYSCOPE" dtrace -q -n 'python$target:::function-entry { printf("%s\n", copyinstr(arg1)); exit(0); }' \
	-c "$TARGET spin:32" >"$TMP/d.out" 2>"$TMP/d.err"
expect_eq "dtrace: exit(0) ends the trace with status 0" "0" "$?"
expect_eq "dtrace: the clause ran once" "spin" "$(cat "$TMP/d.out")"
if alive 32; then fail "dtrace: exit() ends the -c command too" "$(pgrep -af 'spin:32')"
else pass "dtrace: exit() ends the -c command too"; fi
pkill -f 'sdt_target spin:3[12]$' 2>/dev/null
exit 0
