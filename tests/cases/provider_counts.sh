#!/bin/bash
# The provider on every CPython 3.8-3.14 without markers found here (pyenv's; absent versions skip
# visibly): `-c` loads it by itself and says so; per-function entry/return counts equal what the
# program counts of itself with sys.setprofile (threads, generators, coroutines' send/throw,
# exceptions, recursion), with no profiler of its own and under its own sys.setprofile; gc, import
# and audit markers carry what the interpreter reports (gc.collect, import, sys.audit). Live.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/provider.lib"
need_trace "provider counts" || exit 0
PROG=$PYSCOPE_ROOT/tests/target/profile_self.py

cat >"$TMP/gc.py" <<'P'
import gc, sys
gc.disable()
seen = {}
def cb(phase, info):
    seen[phase] = info["generation"] if phase == "start" else info["collected"] + info["uncollectable"]
gc.callbacks.append(cb)
class C: pass
for i in range(10):
    a = C(); a.me = a
del a
gc.collect(2)
gc.callbacks.clear()
open(sys.argv[1], "w").write("gc__start %d|gc__done %d" % (seen["start"], seen["stop"]))
P
cat >"$TMP/imp.py" <<'P'
import sys
import json
try:
    import pyscope_no_such_module
except ImportError:
    pass
sys.audit("pyscope.test", 1, 2)
P

for m in $PROV_MINORS; do
	py=$(prov_python "$m") || { skip "provider on CPython 3.$m" "no CPython 3.$m without markers here"; continue; }
	so=$(prov_so "$m")
	[ -n "$so" ] || { fail "provider on CPython 3.$m: built by make" "no $PYSCOPE_BUILD/provider/3.$m"; continue; }
	"$PYSCOPE" events --json --markers function__entry,function__return,audit \
		-c "$py $PROG $TMP/self.$m.json" >"$TMP/ev.$m.json" 2>"$TMP/err.$m"
	expect_eq "3.$m: profile_self.py runs and exits 0 under pyscope" 0 "$?"
	expect_eq "3.$m: -c says it loads the provider" \
		"pyscope: $py has no python markers; loading pyscope's provider into it ($so)" \
		"$(grep -m1 provider "$TMP/err.$m")"
	jq -S . "$TMP/self.$m.json" >"$TMP/self.$m.sorted.json"
	profile_counts "$TMP/ev.$m.json" "$PROG" 1 >"$TMP/seen1.$m.json"
	expect_file "3.$m: run 1 (no profiler): entry/return counts per function equal sys.setprofile's" \
		"$TMP/self.$m.sorted.json" "$TMP/seen1.$m.json"
	profile_counts "$TMP/ev.$m.json" "$PROG" 2 >"$TMP/seen2.$m.json"
	expect_file "3.$m: run 2 (under the program's own sys.setprofile): the same counts" \
		"$TMP/self.$m.sorted.json" "$TMP/seen2.$m.json"
	expect_eq "3.$m: recursion, generators and threads were exercised" "4875 360 5" \
		"$(jq -r '[.fib[0], .countdown[0], .worker[0]] | join(" ")' "$TMP/self.$m.json")"
	expect_eq "3.$m: entries and returns pair over the whole run" "0" \
		"$(jq -s '(map(select(.probe == "python:function__entry")) | length) - (map(select(.probe == "python:function__return")) | length)' "$TMP/ev.$m.json")"

	"$PYSCOPE" events --markers 'gc*' -c "$py $TMP/gc.py $TMP/gc.$m" >"$TMP/gc.ev.$m" 2>/dev/null
	expect_eq "3.$m: gc__start/gc__done carry gc.callbacks' generation and collected+uncollectable ($(cat "$TMP/gc.$m"))" \
		"$(cat "$TMP/gc.$m")" \
		"$(grep -m1 -A1 ' gc__start 2$' "$TMP/gc.ev.$m" | cut -d' ' -f5- | paste -sd'|')"

	"$PYSCOPE" events --markers 'import*,audit' -c "$py $TMP/imp.py" >"$TMP/imp.$m" 2>/dev/null
	expect_grep "3.$m: import json: start" ' import__find__load__start json$' "$TMP/imp.$m"
	expect_grep "3.$m: import json: done, found 1" ' import__find__load__done json 1$' "$TMP/imp.$m"
	expect_grep "3.$m: failed import: done, found 0" ' import__find__load__done pyscope_no_such_module 0$' "$TMP/imp.$m"
	expect_grep "3.$m: sys.audit: event name and a tuple pointer" ' audit pyscope.test 0x[0-9a-f]{6,}$' "$TMP/imp.$m"
done
