#!/bin/bash
# pyscope dump: for each CPython on the machine (Debian's 3.11, pyenv's 3.8-3.13; the absent are
# skipped visibly), a program whose threads sit blocked in known functions gives exactly the
# stacks Python itself reports (sys._current_frames: function, file, exact line) for every thread.
# Also: the errors (not a Python, no such process, bad options) with their exact messages.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
PROG=$PYSCOPE_ROOT/tests/target/stack_threads.py

threads_are() { [ "$(ls "/proc/$1/task" 2>/dev/null | wc -l)" = "$2" ]; }

check_version() {   # check_version LABEL PYTHON
	local label=$1 py=$2
	if [ ! -x "$py" ]; then skip "dump on $label" "no $py"; return; fi
	rm -f "$TMP/exp"
	"$py" "$PROG" "$TMP/exp" & local pid=$!
	track $pid
	# the writer thread has written what Python sees and exited: 4 threads remain
	if ! wait_until test -e "$TMP/exp" || ! wait_until threads_are $pid 4; then
		fail "dump on $label" "the target did not get ready"; return
	fi
	"$PYSCOPE" dump -p $pid >"$TMP/dump" 2>"$TMP/err"
	sed -e '/^Process/d' -e '/^$/d' -e 's/^Thread [0-9].*/Thread/' "$TMP/dump" >"$TMP/got"
	expect_file "dump on $label: every thread's stack as sys._current_frames gives it" "$TMP/exp" "$TMP/got"
	expect_grep "dump on $label: the header names the version" "^Process $pid: CPython ${label#python}" "$TMP/dump"
	"$PYSCOPE" dump -p $pid --locals >"$TMP/locals" 2>&1
	expect_eq "dump --locals on $label: run_b's locals, under each of its 4 frames" \
		"4 x        locals: self, depth" \
		"$(grep -A1 'run_b (' "$TMP/locals" | grep -v 'run_b (' | grep -v '^--' | sort | uniq -c | sed 's/^ *\([0-9]*\) /\1 x/')"
	kill $pid; wait $pid 2>/dev/null
}

if [ "$(id -u)" != 0 ]; then skip "dump" "needs root (process_vm_readv of other users' processes)"; exit 0; fi
check_version python3.11 "$PY311"
for v in 8 9 10 11 12 13; do
	py=$(ls -d "$HOME"/.pyenv/versions/3.$v.*/bin/python3.$v 2>/dev/null | tail -1)
	check_version python3.$v "${py:-/nonexistent/pyenv/python3.$v}"
done
# (the thread states are also "sleeping": all blocked)
expect_status "dump of a process that is not a Python: exit 2" 2 "$PYSCOPE" dump -p $$
expect_eq "... and says so in one line" \
	"pyscope: process $$ is not a CPython process (no python3.N or libpython3.N with _PyRuntime mapped)" \
	"$(cat "$TMP/err")"
expect_status "dump without -p: exit 2" 2 "$PYSCOPE" dump
expect_eq "... and says so" "pyscope: dump needs -p PID" "$(head -1 "$TMP/err")"
expect_status "dump --depth 0: exit 2" 2 "$PYSCOPE" dump -p 1 --depth 0
expect_eq "... with the limit" "pyscope: --depth wants a number from 1 to 128, not '0'" "$(cat "$TMP/err")"

# a CPython whose layout pyscope does not know is refused in one line (pyenv's 3.7, when there)
py37=$(ls -d "$HOME"/.pyenv/versions/3.7.*/bin/python3.7 2>/dev/null | tail -1)
if [ -n "$py37" ]; then
	"$py37" -c 'import sys, time; open(sys.argv[1], "w").close(); time.sleep(60)' "$TMP/up37" & pid=$!
	track $pid
	wait_until test -e "$TMP/up37"
	expect_status "dump of CPython 3.7: exit 2" 2 "$PYSCOPE" dump -p $pid
	expect_eq "... refused in one line (naming the object: python3.7 or its libpython)" \
		"pyscope: process $pid runs CPython 3.7 (OBJ), whose layout pyscope does not know (3.8 to 3.13)" \
		"$(sed -E 's#\((/[^)]*/(lib)?python3\.7[^)/]*)\)#(OBJ)#' "$TMP/err")"
else
	skip "dump of an unknown CPython version" "no pyenv python3.7"
fi
