#!/bin/bash
# profile --native: mixed stacks. Debian's python3.11 (and pyenv's builds) have no frame pointers,
# so the kernel's user stack stops after a frame or two; pyscope copies the user registers and the
# top of the user stack with each sample and unwinds them with the objects' CFI (libdw), as perf
# --call-graph dwarf does. A program that spends its time in a Python function calling a C function
# of the standard library (zlib.crc32) gives stacks that go from python3.11's _start through
# __libc_start_main and Py_BytesMain to the eval loop, where the Python frames are spliced
# (<module> < outer < crc_loop, in order), then through the call into zlib's crc32. With
# --stack-bytes 0 (frame pointers only) the old behaviour holds: the native stacks stop early,
# pyscope says so, and each sample still has the whole Python stack in order.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "profile --native" || exit 0
[ -x /usr/bin/python3.11 ] || { skip "profile --native" "no /usr/bin/python3.11"; exit 0; }
cat >"$TMP/crc.py" <<'P'
import time, zlib
buf = b"x" * 65536
def crc_loop(end):
    n = 0
    while time.monotonic() < end:
        n = zlib.crc32(buf, n)
    return n
def outer():
    return crc_loop(time.monotonic() + 1.5)
outer()
P
"$PYSCOPE" profile --native -F 499 -o "$TMP/c.folded" -c "/usr/bin/python3.11 $TMP/crc.py" 2>"$TMP/cerr"
if grep -q "the kernel gave no stack copies" "$TMP/cerr"; then
	skip "--native: CFI unwinding" "the kernel refused the stack copy (bpf_task_pt_regs, BTF): frame pointers only"
else
	total=$(awk '/crc.py:[56]\)/{s += $NF} END {print s + 0}' "$TMP/c.folded")
	# the whole way: _start < __libc_start_main < ... < Py_BytesMain < ... < the Python frames
	# in place of the eval loop < ... < zlib's crc32 (libz's crc32_z, the leaf)
	full=$(awk '/^python3\.11`_start;libc\.so\.6`__libc_start_main;.*python3\.11`Py_BytesMain;.*<module> \(.*crc\.py:10\);outer \(.*crc\.py:9\);crc_loop \(.*crc\.py:6\);([^;(]*;)*libz[^;]*`crc32[_a-z]* [0-9]+$/{s += $NF} END {print s + 0}' "$TMP/c.folded")
	spliced=$(awk '/python3\.11`_PyEval_EvalFrameDefault/{s += $NF} END {print s + 0}' "$TMP/c.folded")
	if [ "$total" -ge 100 ] && [ "$full" -ge $((total * 3 / 4)) ]; then
		pass "--native: _start < __libc_start_main < Py_BytesMain < <module> < outer < crc_loop < libz\`crc32 in $full of $total samples"
	else
		fail "--native: _start ... crc_loop ... libz\`crc32 in three quarters of the samples" "$full of $total" \
			"$(sort -t' ' -k2 -n "$TMP/c.folded" | tail -3)" "$(cat "$TMP/cerr")"
	fi
	if [ "$spliced" -eq 0 ]; then
		pass "--native: no eval loop frame left unspliced"
	else
		fail "--native: no eval loop frame left unspliced" "$spliced samples"
	fi
	n=$(sed -n 's/^pyscope: --native: \([0-9]*\) of \([0-9]*\) samples unwound fully.*/\1 \2/p' "$TMP/cerr")
	if [ -n "$n" ] && [ "${n% *}" -ge $((${n#* } * 9 / 10)) ] && [ "${n#* }" -ge 100 ]; then
		pass "--native: says how many samples were unwound fully ($n)"
	else
		fail "--native: says how many samples were unwound fully (9 in 10)" "$(cat "$TMP/cerr")"
	fi
fi

# a thread's stack: from libc's thread start (clone3, start_thread: static, named by address)
# through threading's Python frames to zlib's crc32
cat >"$TMP/thr.py" <<'P'
import threading, time, zlib
buf = b"x" * 65536
def crc_loop(end):
    n = 0
    while time.monotonic() < end:
        n = zlib.crc32(buf, n)
    return n
def outer():
    return crc_loop(time.monotonic() + 1.5)
t = threading.Thread(target=outer)
t.start()
t.join()
P
"$PYSCOPE" profile --native --threads -F 499 -o "$TMP/t.folded" -c "/usr/bin/python3.11 $TMP/thr.py" 2>"$TMP/terr"
if ! grep -q "the kernel gave no stack copies" "$TMP/terr"; then
	total=$(awk '/Thread\.run .*crc_loop \(.*thr\.py:[56]\)/{s += $NF} END {print s + 0}' "$TMP/t.folded")
	full=$(awk '/^thread [0-9]+;libc\.so\.6`[^;]*;libc\.so\.6`[^;]*;python3\.11`[^;]*;.*Thread\._bootstrap .*Thread\.run \(.*\);outer \(.*thr\.py:9\);crc_loop \(.*thr\.py:6\);([^;(]*;)*libz[^;]*`crc32[_a-z]* [0-9]+$/{s += $NF} END {print s + 0}' "$TMP/t.folded")
	if [ "$total" -ge 100 ] && [ "$full" -ge $((total * 3 / 4)) ]; then
		pass "--native, a thread: libc's thread start < Thread.run < outer < crc_loop < libz\`crc32 in $full of $total samples"
	else
		fail "--native, a thread: libc's thread start ... crc_loop ... libz\`crc32 in three quarters of the samples" \
			"$full of $total" "$(sort -t' ' -k2 -n "$TMP/t.folded" | tail -3)"
	fi
fi

cat >"$TMP/busy.py" <<'P'
import time
def spin(end):
    while time.monotonic() < end:
        pass
def outer():
    spin(time.monotonic() + 1.5)
outer()
P
"$PYSCOPE" profile --native --stack-bytes 0 -F 499 -o "$TMP/n.folded" -c "/usr/bin/python3.11 $TMP/busy.py" 2>"$TMP/err"
total=$(awk '/busy.py:3|busy.py:4/{s += $NF} END {print s + 0}' "$TMP/n.folded")
ordered=$(awk '/<module> \(.*busy.py:7\);outer \(.*busy.py:6\);spin \(.*busy.py:[34]\)/{s += $NF} END {print s + 0}' "$TMP/n.folded")
native=$(awk '/busy.py:[34]\);python3.11`[A-Za-z_0-9]+/{s += $NF} END {print s + 0}' "$TMP/n.folded")
if [ "$total" -ge 100 ] && [ "$ordered" -eq "$total" ]; then
	pass "--stack-bytes 0: every sample in spin has <module> < outer < spin ($total samples)"
else
	fail "--stack-bytes 0: every sample in spin has <module> < outer < spin" "$ordered of $total" "$(sort -t' ' -k2 -n "$TMP/n.folded" | tail -5)"
fi
if [ "$native" -ge $((total / 4)) ]; then
	pass "--stack-bytes 0: a named native frame of python3.11 above spin in $native of $total samples"
else
	fail "--stack-bytes 0: a named native frame of python3.11 above spin in a quarter of the samples" "$native of $total" "$(grep busy "$TMP/n.folded" | sort -t' ' -k2 -n | tail -5)"
fi
expect_grep "--stack-bytes 0: says the native stacks stop early (no frame pointers)" \
	"^pyscope: --native: [0-9]+ of [0-9]+ native stacks do not reach the thread's start \(code without frame pointers" "$TMP/err"
