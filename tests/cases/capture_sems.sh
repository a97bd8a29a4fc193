#!/bin/bash
# Semaphores are raised through the kernel's reference counting: up while pyscope traces a process,
# back to 0 when pyscope is killed with SIGKILL, and the process keeps running. Live.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
if ! can_trace; then skip "semaphores" "needs root and BPF"; exit 0; fi

ZERO="function__entry=0 function__return=0 line=0 gc__start=0 gc__done=0 import__find__load__start=0 import__find__load__done=0 audit=0"
"$TARGET" sems spin:20 >"$TMP/sems" &
target=$!
track "$target"
wait_for "$TMP/sems" '^function__entry='
expect_eq "untraced: every semaphore 0" "$ZERO" "$(head -1 "$TMP/sems")"

"$PYSCOPE" events -p "$target" >"$TMP/out" 2>"$TMP/err" &
tracer=$!
track "$tracer"
wait_for "$TMP/err" 'tracing' || fail "pyscope attached" "$(cat "$TMP/err")"
wait_for "$TMP/out" 'function__entry sdt_target.c spin 1'
kill -USR1 "$target"
wait_for "$TMP/sems" 'function__entry=1'
expect_eq "traced with every marker: every semaphore 1" \
	"function__entry=1 function__return=1 line=1 gc__start=1 gc__done=1 import__find__load__start=1 import__find__load__done=1 audit=1" \
	"$(sed -n 2p "$TMP/sems")"

kill -9 "$tracer"
wait "$tracer" 2>/dev/null
kill -USR1 "$target"
wait_until lines_at_least 3 "$TMP/sems"
expect_eq "after kill -9 of pyscope: every semaphore back to 0" "$ZERO" "$(sed -n 3p "$TMP/sems")"
if kill -0 "$target" 2>/dev/null; then pass "target still running after kill -9 of pyscope"
else fail "target still running after kill -9 of pyscope"; fi

# Only the markers asked for are raised. Two tracers share the kernel's uprobe (one per file and
# offset) and so its one reference: the semaphore stays up until the last of them goes.
"$PYSCOPE" events -p "$target" --markers gc__start >/dev/null 2>"$TMP/err1" &
t1=$!
track "$t1"
"$PYSCOPE" events -p "$target" --markers gc__start,audit >/dev/null 2>"$TMP/err2" &
t2=$!
track "$t2"
wait_for "$TMP/err1" tracing && wait_for "$TMP/err2" tracing
kill -USR1 "$target"
wait_until lines_at_least 4 "$TMP/sems"
expect_eq "two tracers: gc__start=1, audit=1, the rest 0" \
	"function__entry=0 function__return=0 line=0 gc__start=1 gc__done=0 import__find__load__start=0 import__find__load__done=0 audit=1" \
	"$(sed -n 4p "$TMP/sems")"
kill -TERM "$t1"
wait "$t1"
expect_eq "SIGTERM: pyscope exits 0" 0 "$?"
expect_grep "SIGTERM: summary on stderr" '^pyscope: [0-9]+ events, 0 lost$' "$TMP/err1"
kill -USR1 "$target"
wait_until lines_at_least 5 "$TMP/sems"
expect_eq "first tracer gone: gc__start still 1, audit 1" \
	"function__entry=0 function__return=0 line=0 gc__start=1 gc__done=0 import__find__load__start=0 import__find__load__done=0 audit=1" \
	"$(sed -n 5p "$TMP/sems")"
kill -INT "$t2"
wait "$t2"
expect_eq "SIGINT: pyscope exits 0" 0 "$?"
kill -USR1 "$target"
wait_until lines_at_least 6 "$TMP/sems"
expect_eq "last tracer gone: every semaphore 0" "$ZERO" "$(sed -n 6p "$TMP/sems")"
kill "$target"
wait "$target" 2>/dev/null || true
