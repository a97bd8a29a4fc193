#!/bin/bash
# -c and --all with a Python built with --enable-shared: the executable carries no markers, the
# libpython it links to (DT_NEEDED, found as the dynamic loader would) does. pyscope attaches to the
# library's markers for the child before it execs, so the first call is seen, and 3.11's line
# semaphore is raised in the library: entry/return counts equal sys.setprofile's. Live.
# kind: live, system-wide (--all): run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
if ! can_trace; then skip "shared libpython" "needs root and BPF"; exit 0; fi
CONFIG=/usr/bin/python3.11-config
[ -x "$CONFIG" ] || { skip "shared libpython" "no $CONFIG (python3.11-dev)"; exit 0; }
PYSHARED=$TMP/pyshared
# shellcheck disable=SC2046
cc -O0 -o "$PYSHARED" "$PYSCOPE_ROOT/tests/cases/pyshared.c" $("$CONFIG" --embed --cflags --ldflags) \
	2>"$TMP/cc.err" || { fail "build pyshared" "$(cat "$TMP/cc.err")"; exit 0; }
expect_eq "pyshared links libpython3.11.so.1.0 and has no markers itself" "libpython3.11.so.1.0|0" \
	"$(readelf -d "$PYSHARED" | sed -n 's/.*NEEDED.*\[\(libpython[^]]*\)\].*/\1/p')|$(readelf -n "$PYSHARED" | grep -c stapsdt)"

"$PYSCOPE" events --markers function__entry,function__return -c "$PYSHARED -c 'def f(): pass
f()'" >"$TMP/f" 2>"$TMP/f.err"
expect_eq "-c pyshared: exits 0" 0 "$?"
expect_eq "-c pyshared: f's entry and return, from the first call on" \
	"function__entry <string> f 1|function__return <string> f 1" \
	"$(awk '$7 == "f"' "$TMP/f" | cut -d' ' -f5- | paste -sd'|')"

"$PYSCOPE" events --json --markers function__entry -c "$PYSHARED -c pass" >"$TMP/mod.json" 2>/dev/null
expect_eq "-c pyshared: the probes are in libpython3.11.so.1.0" "libpython3.11.so.1.0" \
	"$(jq -r 'select(.probe) | .module' "$TMP/mod.json" | sort -u)"

# The 3.11 line-semaphore trick in the library: the counts of capture_py311.sh.
PROG=$PYSCOPE_ROOT/tests/target/profile_self.py
"$PYSCOPE" events --json --markers function__entry,function__return,audit \
	-c "$PYSHARED $PROG $TMP/self.json" >"$TMP/ev.json" 2>"$TMP/err"
expect_eq "profile_self.py on pyshared exits 0 under pyscope" 0 "$?"
jq -S . "$TMP/self.json" >"$TMP/self.sorted.json"
profile_counts "$TMP/ev.json" "$PROG" 1 >"$TMP/seen1.json"
expect_file "pyshared, no profiler: per-function entry/return counts equal sys.setprofile's" \
	"$TMP/self.sorted.json" "$TMP/seen1.json"
profile_counts "$TMP/ev.json" "$PROG" 2 >"$TMP/seen2.json"
expect_file "pyshared, under the profiler: the same counts" "$TMP/self.sorted.json" "$TMP/seen2.json"

# --all PYSHARED: its libpython, in every process (a pyshared started after pyscope).
"$PYSCOPE" events --all "$PYSHARED" --markers function__entry >"$TMP/a.out" 2>"$TMP/a.err" &
tracer=$!
track "$tracer"
wait_for "$TMP/a.err" tracing || fail "--all pyshared attached" "$(cat "$TMP/a.err")"
"$PYSHARED" -c 'def pyscope_hello_shared(): pass
pyscope_hello_shared()' &
late=$!
track "$late"
wait "$late"
wait_for "$TMP/a.out" " $late $late [0-9]+ function__entry <string> pyscope_hello_shared 1\$"
kill -INT "$tracer"
wait "$tracer"
expect_grep "--all PYSHARED: a process started after pyscope is seen through its libpython" \
	" $late $late [0-9]+ function__entry <string> pyscope_hello_shared 1\$" "$TMP/a.out"
