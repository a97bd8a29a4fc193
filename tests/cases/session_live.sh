#!/bin/bash
# The shared run loop (session.c) live, on what issue 9 found: a -c command whose program names no
# python probe still runs and ends the trace, traced by the operating system's probes only (a
# command with no python markers is fine then); dtrace's "pid N has exited" notice is kept out of
# quiet output, also when quiet comes from the script's #pragma.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "session live" || exit 0
D() { timeout 60 "$PYSCOPE" dtrace "$@"; }

# syscall only, on a command with no python markers: its one write(2), END, the aggregation.
D -q -n 'syscall::write:entry /pid == $target/ { @w = count(); } END { printf("END ran\n"); }' \
	-c '/bin/echo hello' >"$TMP/out" 2>"$TMP/err"
expect_eq "-c /bin/echo, syscall only: status 0, nothing on stderr" "0|" "$?|$(cat "$TMP/err")"
expect_eq "-c /bin/echo, syscall only: the echo, END, its one write" "hello|END ran||1" \
	"$(sed -E 's/^ +//' "$TMP/out" | tr '\n' '|' | sed 's/|$//')"

# proc only: the command's own exit, with its status (arg0 of proc:::exit is CLD_EXITED, 1).
D -q -n 'proc:::exit /pid == $target/ { printf("exit %d\n", pid == $target); }' \
	-c "/bin/sh -c 'exit 0'" >"$TMP/out" 2>"$TMP/err"
expect_eq "-c sh, proc only: its exit seen, the trace ends" "0 exit 1" "$? $(cat "$TMP/out")"

# pid provider on a command with no python markers: the functions of its executable's libraries.
D -q -n 'pid$target::write:entry { @w = count(); }' -c '/bin/echo hi' >"$TMP/out" 2>"$TMP/err"
expect_eq "-c /bin/echo, pid\$target::write:entry: one call" "hi|1" \
	"$(sed -E 's/^ +//; /^$/d' "$TMP/out" | tr '\n' '|' | sed 's/|$//')"

# A program that names a python probe still wants markers in the command.
D -q -n 'python$target:::function-entry { }' -c '/bin/echo hi' >"$TMP/out" 2>"$TMP/err"
expect_grep "-c /bin/echo with a python probe: no python markers, said" '^pyscope: no python markers in /bin/echo' "$TMP/err"

if need_py311 "pragma quiet, live"; then
	printf '#pragma D option quiet\npython$target:::function-entry { @n = count(); }\nEND { printf("end\\n"); }\n' >"$TMP/q.d"
	D -s "$TMP/q.d" -c "$PY311 -c pass" >"$TMP/out" 2>"$TMP/err"
	expect_eq "#pragma D option quiet, live -c: END ran, and no notice on stderr" "0 end|" \
		"$? $(head -1 "$TMP/out")|$(cat "$TMP/err")"
	D -n 'python$target:::function-entry { @n = count(); }' -c "$PY311 -c 'import sys; sys.exit(4)'" \
		>"$TMP/out" 2>"$TMP/err"
	expect_grep "not quiet, live -c: a failing command's status in dtrace's words" \
		'^dtrace: pid [0-9]+ exited with status 4$' "$TMP/err"
fi
