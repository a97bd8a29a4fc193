#!/bin/bash
# The syscall provider (raw tracepoints sys_enter/sys_exit, capture_sys.c):
#   - syscall::write:entry counts a target's write()s exactly; arg0..arg2 are the call's arguments
#   - syscall::close:return on a failing close: arg0 and arg1 -1, errno EBADF (9)
#   - probefunc is the call's name; only the named syscalls fire (the per-syscall enable map)
#   - in the kernel, only the traced process (and what it forks) is kept under -c
#   - a Python script's syscalls per Python function, the published scripts' "syscalls by function"
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "syscall provider" || exit 0
T=$PYSCOPE_ROOT/$PYSCOPE_BUILD/tests/sys_target
D() { timeout 60 "$PYSCOPE" dtrace "$@"; }

D -q -n 'syscall::write:entry /pid == $target/ { @n = count(); @len = sum(arg2); @fd[arg0 > 2] = count(); }
	END { printa("writes %@d\n", @n); printa("bytes %@d\n", @len); printa("fd>2 %d %@d\n", @fd); }' \
	-c "$T write:37" >"$TMP/out" 2>"$TMP/err"
expect_eq "write:37 gives 37 write entries of 1 byte each, on a file descriptor past stderr" \
	"writes 37|bytes 37|fd>2 1 37" "$(grep -v '^$' "$TMP/out" | paste -sd'|')"

D -q -n 'syscall::close:return /pid == $target && errno != 0/ { printf("%s %d %d errno=%d\n", probefunc, arg0, arg1, errno); }' \
	-c "$T badclose" >"$TMP/out" 2>"$TMP/err"
expect_eq "a failing close returns -1 with errno EBADF" "close -1 -1 errno=9" "$(cat "$TMP/out")"

D -q -n 'syscall::write:entry,syscall::close:entry /pid == $target/ { @[probefunc, probename] = count(); }
	syscall::close:entry /pid == $target && (int)arg0 == -1/ { @bad = count(); }
	END { printa("%s %s\n", @); printa("bad %@d\n", @bad); }' -c "$T write:3 badclose" >"$TMP/out" 2>"$TMP/err"
expect_eq "only the syscalls named fire, with probefunc the call's name (the loader closes files too)" \
	"bad 1|close entry|write entry" "$(grep -v '^$' "$TMP/out" | sort | paste -sd'|')"
D -q -n 'syscall::write:entry /pid == $target/ { @ = count(); } END { printa("%@d\n", @); }' \
	-c "$T write:3 badclose" >"$TMP/out" 2>"$TMP/err"
expect_eq "and write, on its own, 3 times" "3" "$(grep -v '^$' "$TMP/out")"

# Under -c the kernel keeps only the target's events: no other process's writes arrive.
D -q -n 'syscall::write:entry { @[pid == $target] = count(); } END { printa("%d %@d\n", @); }' \
	-c "$T write:5" >"$TMP/out" 2>"$TMP/err"
expect_eq "under -c, every write seen is the target's" "1 5" "$(grep -v '^$' "$TMP/out")"

# Children the target forks are followed (their exec'd /bin/true makes its own syscalls).
D -q -n 'syscall::execve:return { @[pid == $target] = count(); } END { printa("%d %@d\n", @); }' \
	-c "$T fork:2" >"$TMP/out" 2>"$TMP/err"
expect_eq "the target's children are traced too: two execve returns in them (one in the target)" \
	"0 2|1 1" "$(grep -v '^$' "$TMP/out" | sort | paste -sd'|')"

# Syscalls per Python function, as published scripts count them.
if need_py311 "syscalls per Python function"; then
	cat >"$TMP/w.py" <<'PY'
import os
def writer(fd, n):
    for _ in range(n):
        os.write(fd, b"x")
fd = os.open("/dev/null", os.O_WRONLY)
writer(fd, 23)
PY
	cat >"$TMP/sysbyfunc.d" <<'D'
#pragma D option quiet
python$target:::function-entry /copyinstr(arg1) == "writer"/ { self->in = 1; }
python$target:::function-return /copyinstr(arg1) == "writer"/ { self->in = 0; }
syscall:::entry /pid == $target && self->in/ { @calls[probefunc] = count(); }
END { printa("%s %@d\n", @calls); }
D
	D -s "$TMP/sysbyfunc.d" -c "$PY311 $TMP/w.py" >"$TMP/out" 2>"$TMP/err"
	expect_eq "syscalls made inside writer(): exactly its 23 writes" "write 23" \
		"$(grep -v '^$' "$TMP/out")"
fi
