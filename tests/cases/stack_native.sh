#!/bin/bash
# profile --native: mixed stacks. Debian's python3.11 (and pyenv's builds) have no frame pointers,
# so the kernel's user stack stops after a frame or two: pyscope says so on stderr, and each
# sample still has the whole Python stack (<module> < outer < spin, in order) with the native
# frames that were unwound above it, named from ELF symbols ("python3.11`function").
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "profile --native" || exit 0
[ -x /usr/bin/python3.11 ] || { skip "profile --native" "no /usr/bin/python3.11"; exit 0; }
cat >"$TMP/busy.py" <<'P'
import time
def spin(end):
    while time.monotonic() < end:
        pass
def outer():
    spin(time.monotonic() + 1.5)
outer()
P
"$PYSCOPE" profile --native -F 499 -o "$TMP/n.folded" -c "/usr/bin/python3.11 $TMP/busy.py" 2>"$TMP/err"
total=$(awk '/busy.py:3|busy.py:4/{s += $NF} END {print s + 0}' "$TMP/n.folded")
ordered=$(awk '/<module> \(.*busy.py:7\);outer \(.*busy.py:6\);spin \(.*busy.py:[34]\)/{s += $NF} END {print s + 0}' "$TMP/n.folded")
native=$(awk '/busy.py:[34]\);python3.11`[A-Za-z_0-9]+/{s += $NF} END {print s + 0}' "$TMP/n.folded")
if [ "$total" -ge 100 ] && [ "$ordered" -eq "$total" ]; then
	pass "--native: every sample in spin has <module> < outer < spin ($total samples)"
else
	fail "--native: every sample in spin has <module> < outer < spin" "$ordered of $total" "$(sort -t' ' -k2 -n "$TMP/n.folded" | tail -5)"
fi
if [ "$native" -ge $((total / 4)) ]; then
	pass "--native: a named native frame of python3.11 above spin in $native of $total samples"
else
	fail "--native: a named native frame of python3.11 above spin in a quarter of the samples" "$native of $total" "$(grep busy "$TMP/n.folded" | sort -t' ' -k2 -n | tail -5)"
fi
expect_grep "--native: says the native stacks stop early (no frame pointers)" \
	"^pyscope: --native: [0-9]+ of [0-9]+ native stacks do not reach the thread's start \(code without frame pointers" "$TMP/err"
