#!/bin/bash
# The proc provider (raw tracepoints sched_process_fork/exec/exit, capture_sys.c):
#   - proc:::create in the parent, arg0 the child's pid; exec-success in the child; exit with
#     arg0 DTrace's reason (CLD_EXITED 1, CLD_KILLED 2) and arg1 the status or signal
#   - lwp-start and lwp-exit once per thread, the process's own exit once
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "proc provider" || exit 0
T=$PYSCOPE_ROOT/$PYSCOPE_BUILD/tests/sys_target
D() { timeout 60 "$PYSCOPE" dtrace "$@"; }

D -q -n 'proc:::create /pid == $target/ { @c = count(); self->kid = arg0; }
	proc:::exec-success /pid != $target/ { @e[execname] = count(); }
	proc:::exit /pid != $target/ { @x[execname, arg0, arg1] = count(); }
	END { printa("create %@d\n", @c); printa("exec %s %@d\n", @e); printa("exit %s %d %d %@d\n", @x); }' \
	-c "$T fork:3 exitkid:5" >"$TMP/out" 2>"$TMP/err"
expect_eq "three forks and one more child: 4 creates, 3 execs of true, exits with their status" \
	"create 4|exec true 3|exit sys_target 1 5 1|exit true 1 0 3" \
	"$(grep -v '^$' "$TMP/out" | paste -sd'|')"

D -q -n 'proc:::create /pid == $target/ { printf("%d\n", arg0); }' -c "$T exitkid:0" >"$TMP/out" 2>"$TMP/err"
kid=$(cat "$TMP/out")
expect_eq "create's arg0 is a pid other than the target's" "yes" \
	"$([ -n "$kid" ] && [ "$kid" -gt 0 ] && echo yes)"

D -q -n 'proc:::lwp-start /pid == $target/ { @s = count(); @t = sum(tid != pid); }
	proc:::lwp-exit /pid == $target/ { @e = count(); }
	proc:::exit /pid == $target/ { @x = count(); }
	END { printa("start %@d\n", @s); printa("other tid %@d\n", @t); printa("lwp-exit %@d\n", @e); printa("exit %@d\n", @x); }' \
	-c "$T threads:4" >"$TMP/out" 2>"$TMP/err"
expect_eq "four threads: 4 lwp-start (each its own tid), 4 lwp-exit, one exit" \
	"start 4|other tid 4|lwp-exit 4|exit 1" "$(grep -v '^$' "$TMP/out" | paste -sd'|')"

if need_py311 "proc:::exit of a killed process"; then
	D -q -n 'proc:::exit /pid == $target/ { printf("%d %d\n", arg0, arg1); }' \
		-c "$PY311 -c 'import os; os.kill(os.getpid(), 9)'" >"$TMP/out" 2>"$TMP/err"
	expect_eq "killed by SIGKILL: CLD_KILLED (2), signal 9" "2 9" "$(cat "$TMP/out")"
fi
