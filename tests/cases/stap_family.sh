#!/bin/bash
# pyscope stap -c / -x: process probes see the target's process hierarchy, as stap's do (its task
# finder skips other processes in -c/-x mode and its uprobe handler ignores their hits, PR15278;
# stapprobes(3stap): "process probes are restricted to the process hierarchy associated with the
# target process"):
#   - -c CMD: the command, a child it forks and a python it starts (subprocess) are seen; another
#     python3.11 running on the machine is not, for process("PATH"), process.mark, and both mixed
#   - -x PID: PID, not another python3.11 running the same program, for the same three scripts
#     (PID alone, pid-attached: the process tree is followed, at a cost to other processes running
#     the executable, only when PID does not run it itself)
#   - a target that does not run the executable itself (a shell script that execs it or starts
#     it, a shell loop under -x) is followed into it
#   - neither: process("PATH") sees both programs
#   - pp() of process(PID) and of -x's process.mark names the executable
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "stap -c/-x family" || exit 0
need_py311 "stap -c/-x family" || exit 0

# a program that calls hit() until a file exists; two of them run beside every run below
cat >"$TMP/wait.py" <<'PY'
import os, sys, time
def hit():
    pass
while not os.path.exists(sys.argv[1]):
    hit()
    time.sleep(0.01)
PY
"$PY311" "$TMP/wait.py" "$TMP/stop" & p1=$!
"$PY311" "$TMP/wait.py" "$TMP/stop" & p2=$!
track "$p1" "$p2"
wait_exec "$p1" "$PY311"
wait_exec "$p2" "$PY311"

# the -c command: itself, a forked child, and a python started through subprocess
cat >"$TMP/fam.py" <<'PY'
import os, subprocess, sys
def in_parent(): pass
in_parent()
pid = os.fork()
if pid == 0:
    def in_child(): pass
    in_child()
    os._exit(0)
os.waitpid(pid, 0)
subprocess.run([sys.executable, "-c", "def in_subprocess(): pass\nin_subprocess()"])
PY

# Who called what: the functions named in_* and hit, each once, with "target" when pid() is
# target(), "p1"/"p2" for the two programs, "other" otherwise.
body='f = user_string($arg2); if (f == "hit" || substr(f, 0, 3) == "in_") {
	w = pid() == target() ? "target" : pid() == P1 ? "p1" : pid() == P2 ? "p2" : "other"; seen[f . ":" . w] = 1 } }
	probe end { foreach (k+ in seen) printf("%s ", k) }'
body=${body//P1/$p1}
body=${body//P2/$p2}
declare -A points=(
	[path]="process(\"$PY311\").mark(\"function__entry\")"
	[target]='process.mark("function__entry")'
	[mixed]="process(\"$PY311\").mark(\"function__entry\"), process.mark(\"function__return\")"
)
for k in path target mixed; do
	timeout 60 "$PYSCOPE" stap -e "global seen; probe ${points[$k]} { $body" -c "$PY311 $TMP/fam.py" \
		>"$TMP/out" 2>"$TMP/err"
	expect_eq "-c, $k: the command, its forked child and its subprocess; not the other pythons" \
		"0 in_child:other in_parent:target in_subprocess:other " "$? $(cat "$TMP/out" "$TMP/err")"
	timeout 60 "$PYSCOPE" stap -T 1 -e "global seen; probe ${points[$k]} { $body" -x "$p1" \
		>"$TMP/out" 2>"$TMP/err"
	expect_eq "-x, $k: that process, not the other one running the same program" \
		"0 hit:target " "$? $(cat "$TMP/out" "$TMP/err")"
done
timeout 60 "$PYSCOPE" stap -T 1 -e "global seen; probe ${points[path]} { $body" >"$TMP/out" 2>"$TMP/err"
expect_eq "neither -c nor -x: process(\"PATH\") sees both programs" "0 hit:p1 hit:p2 " \
	"$? $(grep -Eo 'hit:p[12] ' "$TMP/out" | tr -d '\n')$(cat "$TMP/err")"
# The target need not run the executable the script names: a shell that execs python3.11, a shell
# that starts it as a child (-c), a shell loop that keeps starting it (-x) are followed into it.
printf '#!/bin/sh\nexec %s -c "def in_exec(): pass\nin_exec()"\n' "$PY311" >"$TMP/exec.sh"
printf '#!/bin/sh\n%s -c "def in_child(): pass\nin_child()"\ntrue\n' "$PY311" >"$TMP/child.sh"
chmod +x "$TMP/exec.sh" "$TMP/child.sh"
for sh in exec child; do
	timeout 60 "$PYSCOPE" stap -e "global seen; probe ${points[path]} { $body" -c "$TMP/$sh.sh" \
		>"$TMP/out" 2>"$TMP/err"
	rc=$?
	want="in_exec:target "
	[ $sh = child ] && want="in_child:other "
	expect_eq "-c a shell script ($sh): the python3.11 it runs" "0 $want" "$rc $(cat "$TMP/out" "$TMP/err")"
done
sh -c "while [ ! -e '$TMP/stop' ]; do '$PY311' -c 'def in_loop(): pass
in_loop()'; sleep 0.1; done" & shloop=$!
track "$shloop"
timeout 60 "$PYSCOPE" stap -T 5 -e "global seen; probe ${points[path]} { $body" -x "$shloop" >"$TMP/out" 2>"$TMP/err"
expect_eq "-x a shell loop: the python3.11 children it starts" "0 in_loop:other " "$? $(cat "$TMP/out" "$TMP/err")"
# pp() of process(PID) and of process.mark under -x: the executable, as stap's
# sdt_query::convert_location names the module in place of the pid
real=$(readlink -f "$PY311")
timeout 30 "$PYSCOPE" stap -e "probe process($p1).mark(\"function__entry\") { println(pp()); exit() }" >"$TMP/out" 2>&1
expect_eq "process(PID): pp() names the executable" "process(\"$real\").mark(\"function__entry\")" "$(cat "$TMP/out")"
timeout 30 "$PYSCOPE" stap -x "$p1" -e 'probe process.mark("function__entry") { println(pp()); exit() }' >"$TMP/out" 2>&1
expect_eq "-x, process.mark: pp() names the executable" "process(\"$real\").mark(\"function__entry\")" "$(cat "$TMP/out")"
touch "$TMP/stop"
wait "$p1" "$p2" "$shloop" 2>/dev/null
true
