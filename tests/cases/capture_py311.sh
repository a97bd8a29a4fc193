#!/bin/bash
# CPython 3.11 (/usr/bin/python3.11): function entries and returns pair exactly and match what the
# program counts of itself with sys.setprofile (threads, generators, exceptions, recursion) — which
# needs pyscope to raise the `line` semaphore; gc, import and audit markers carry the right values.
# Live.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
if ! can_trace; then skip "capture on python3.11" "needs root and BPF"; exit 0; fi
[ -x "$PY311" ] || { skip "capture on python3.11" "no $PY311"; exit 0; }
PROG=$PYSCOPE_ROOT/tests/target/profile_self.py

"$PYSCOPE" events --json --markers function__entry,function__return,audit \
	-c "$PY311 $PROG $TMP/self.json" >"$TMP/ev.json" 2>"$TMP/err"
expect_eq "profile_self.py runs and exits 0 under pyscope" 0 "$?"
jq -S . "$TMP/self.json" >"$TMP/self.sorted.json"
profile_counts "$TMP/ev.json" "$PROG" 1 >"$TMP/seen1.json"
expect_file "run 1 (no profiler): per-function entry/return counts equal sys.setprofile's" \
	"$TMP/self.sorted.json" "$TMP/seen1.json"
profile_counts "$TMP/ev.json" "$PROG" 2 >"$TMP/seen2.json"
expect_file "run 2 (under the profiler): the same counts" "$TMP/self.sorted.json" "$TMP/seen2.json"
expect_eq "the program exercised recursion, generators and threads" "4875 360 5" \
	"$(jq -r '[.fib[0], .countdown[0], .worker[0]] | join(" ")' "$TMP/self.json")"
expect_eq "entries and returns pair over the whole run" "0" \
	"$(jq -s '(map(select(.probe == "python:function__entry")) | length) - (map(select(.probe == "python:function__return")) | length)' "$TMP/ev.json")"
expect_eq "no line events delivered (the line semaphore is raised, not traced)" "0" \
	"$(jq -s 'map(select(.probe == "python:line")) | length' "$TMP/ev.json")"
expect_eq "--json ends with the end line" '{"end":{"events":'"$(grep -c '"probe"' "$TMP/ev.json")"',"lost":0}}' \
	"$(tail -1 "$TMP/ev.json")"

# gc: with automatic collection off, gc.collect(2) gives gc__start 2 then gc__done with what
# gc.collect returned.
cat >"$TMP/gc.py" <<'P'
import gc, sys
gc.disable()
class C: pass
for i in range(10):
    a = C(); a.me = a
del a
n = gc.collect(2)
open(sys.argv[1], "w").write(str(n))
P
"$PYSCOPE" events --markers 'gc*' -c "$PY311 $TMP/gc.py $TMP/gc.n" >"$TMP/gc" 2>/dev/null
expect_eq "gc.collect(2): gc__start 2, then gc__done N (N = what gc.collect returned: $(cat "$TMP/gc.n"))" \
	"gc__start 2|gc__done $(cat "$TMP/gc.n")" \
	"$(grep -m1 -A1 'gc__start 2$' "$TMP/gc" | cut -d' ' -f5- | paste -sd'|')"

# import: a module found (1) and one that is not (0); audit: the event name and a tuple pointer.
cat >"$TMP/imp.py" <<'P'
import sys
import json
try:
    import pyscope_no_such_module
except ImportError:
    pass
sys.audit("pyscope.test", 1, 2)
P
"$PYSCOPE" events --markers 'import*,audit' -c "$PY311 $TMP/imp.py" >"$TMP/imp" 2>/dev/null
expect_grep "import json: start" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+ import__find__load__start json$' "$TMP/imp"
expect_grep "import json: done, found 1" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+ import__find__load__done json 1$' "$TMP/imp"
expect_grep "failed import: done, found 0" \
	'^[0-9]+ [0-9]+ [0-9]+ [0-9]+ import__find__load__done pyscope_no_such_module 0$' "$TMP/imp"
expect_grep "sys.audit: event name and a tuple pointer" \
	'^[0-9]+ [0-9]+ [0-9]+ [0-9]+ audit pyscope.test 0x[0-9a-f]{6,}$' "$TMP/imp"
expect_grep "audit events of the import system arrive too" ' audit import 0x' "$TMP/imp"

# A symlink with another name (as in a venv) still gets the line semaphore: fib(5) is 15 calls,
# 14 of them from Python code.
ln -s "$PY311" "$TMP/python3"
printf 'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(5)\n' >"$TMP/fib.py"
"$PYSCOPE" events --markers function__entry -c "$TMP/python3 $TMP/fib.py" >"$TMP/fib" 2>/dev/null
expect_eq "python3.11 behind a symlink named python3: all 15 calls of fib(5) seen" 15 \
	"$(grep -c " function__entry $TMP/fib.py fib 1\$" "$TMP/fib")"

# A script as the command: its "#!" interpreter is traced, directly or through env.
printf '#!%s\ndef pyscope_hi():\n    pass\npyscope_hi()\n' "$PY311" >"$TMP/direct.py"
printf '#!/usr/bin/env python3.11\ndef pyscope_hi():\n    pass\npyscope_hi()\n' >"$TMP/env.py"
mkdir "$TMP/bin" && ln -s "$PY311" "$TMP/bin/python3.11"
chmod +x "$TMP/direct.py" "$TMP/env.py"
"$PYSCOPE" events --markers function__entry -c "$TMP/direct.py" >"$TMP/direct" 2>/dev/null
expect_grep "a #! script: its interpreter is traced" " function__entry $TMP/direct.py pyscope_hi 2\$" "$TMP/direct"
PATH=$TMP/bin:$PATH "$PYSCOPE" events --markers function__entry -c "$TMP/env.py" >"$TMP/env" 2>/dev/null
expect_grep "a #!/usr/bin/env script: the interpreter found in PATH is traced" \
	" function__entry $TMP/env.py pyscope_hi 2\$" "$TMP/env"
