#!/bin/bash
# pyscope stap live: real kernel, real BPF, /usr/bin/python3.11.
#   - the measure: show-call-hierarchy, tapset-call-hierarchy with -I and with the built-in tapset
#     print the same call tree as call_stack.d (the page's scripts when ../shared is present, the
#     project's own always), in thread_indent's exact layout
#   - process("python") is found through PATH (a directory with a "python" link is put first, as
#     Debian's python-is-python3 would); its absence is said clearly
#   - the page's tapset's frameptr = $arg4: elided when unused, stap's error when used
#   - top.stp system-wide with two programs: both PIDs, each one's calls as it counts them
#   - stap by name (the build/stap link)
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "stap live" || exit 0
need_py311 "stap live" || exit 0
G=$PYSCOPE_ROOT/tests/golden/stp
GD=$PYSCOPE_ROOT/tests/golden/d
SEED=$SHARED/seed-scripts
TREE=$G/call_tree.sh
# "python" on PATH is the Python under test (pyenv shims or no python-is-python3 otherwise)
mkdir -p "$TMP/bin"
ln -s "$PY311" "$TMP/bin/python"
ln -s "$PY311" "$TMP/bin/python3.11"
export PATH=$TMP/bin:$PATH
S() { "$PYSCOPE" stap "$@"; }

layout='^ {0,5}[0-9]+ python3\.11\([0-9]+\): *(=>|<=) [^ ]+ in .+:[0-9]+$'
# the tree compared is the thread that ran start() (the command's process hierarchy is one process
# here; tests/cases/stap_family.sh shows what -c sees)
target_lines() {
	local tid
	tid=$(sed -nE 's/.*python3\.11\(([0-9]+)\): *=> start in .*/\1/p' "$1" | head -1)
	grep -F "python3.11($tid):" "$1" >"$1.t"; mv "$1.t" "$1"
}

# The project's own: call_stack.d and the three SystemTap runs on prog.py.
"$PYSCOPE" dtrace -q -s "$GD/call_stack.d" -c "$PY311 $GD/prog.py" >"$TMP/d" 2>"$TMP/err"
"$TREE" "$TMP/d" >"$TMP/d.tree"
expect_eq "our call_stack.d on prog.py: a tree from start()" "=> 0 start" "$(head -1 "$TMP/d.tree")"
for run in "call_hierarchy.stp" "tapset_call_hierarchy.stp" "-I $G/tapset_page tapset_call_hierarchy.stp"; do
	# shellcheck disable=SC2086
	(cd "$G" && S $run -c "$PY311 $GD/prog.py") >"$TMP/s" 2>"$TMP/err"
	expect_eq "stap $run live: exit status 0, nothing on stderr" "0 " "$? $(cat "$TMP/err")"
	expect_eq "stap $run live: every line in thread_indent's layout" "" "$(grep -Ev "$layout" "$TMP/s" | head -3)"
	target_lines "$TMP/s"
	"$TREE" "$TMP/s" >"$TMP/s.tree"
	expect_file "stap $run live: call_stack.d's call tree" "$TMP/d.tree" "$TMP/s.tree"
done

# A script reading the page's tapset's frameptr gets stap's error; nothing runs.
(cd "$G" && S -I tapset_page -c "$PY311 $GD/prog.py" err.frameptr.stp) >"$TMP/out" 2>"$TMP/err"
expect_eq "frameptr used live: status 2, nothing printed" "2 " "$? $(cat "$TMP/out")"
expect_file "frameptr used live: the golden's error" "$G/err.frameptr.err" "$TMP/err"

# Started as "stap" (the build's link), pyscope is this command.
"$(dirname "$PYSCOPE")/stap" -e 'probe process("python").mark("function__entry") { printf("%s\n", user_string($arg2)); exit() }' \
	-c "$PY311 $GD/prog.py" >"$TMP/out" 2>"$TMP/err"
expect_eq "stap by name: the first function entered" "0 <module>" "$? $(cat "$TMP/out")"

# Without a python on PATH, process("python") says so.
PATH=/nonexistent S -p2 -e 'probe process("python").mark("function__entry") { }' >"$TMP/out" 2>"$TMP/err"
expect_eq "no python on PATH: status 2" 2 "$?"
expect_grep "no python on PATH: said clearly" "cannot find executable 'python' on PATH \(Debian's python-is-python3" "$TMP/err"

# The page's own scripts, as the issue runs them (skipped when ../shared is absent).
if [ -f "$SEED/show-call-hierarchy.stp" ] && [ -f "$SEED/call_stack.py" ]; then
	"$PYSCOPE" dtrace -q -s "$SEED/call_stack.d" -c "$PY311 $SEED/call_stack.py" >"$TMP/d" 2>&1
	"$TREE" "$TMP/d" >"$TMP/d.tree"
	expect_eq "page: call_stack.d's tree has 18 lines" 18 "$(wc -l <"$TMP/d.tree")"
	for run in "$SEED/show-call-hierarchy.stp" "-I $SEED $SEED/tapset-call-hierarchy.stp" \
		   "$SEED/tapset-call-hierarchy.stp"; do
		# shellcheck disable=SC2086
		S $run -c "$PY311 $SEED/call_stack.py" >"$TMP/s" 2>"$TMP/err"
		name="page: stap ${run//$SEED\//}"
		expect_eq "$name: exit status 0, nothing on stderr" "0 " "$? $(cat "$TMP/err")"
		expect_eq "$name: thread_indent's layout" "" "$(grep -Ev "$layout" "$TMP/s" | head -3)"
		target_lines "$TMP/s"
		"$TREE" "$TMP/s" >"$TMP/s.tree"
		expect_file "$name: call_stack.d's call tree" "$TMP/d.tree" "$TMP/s.tree"
	done
else
	skip "the page's .stp scripts live" "../shared/seed-scripts absent"
fi

# top: system-wide, two programs started after it attached; each calls hit() its own number of
# times and says how many. The per-second tables' CALLS of hit, summed per PID, are those numbers.
cat >"$TMP/hits.py" <<'PY'
import os, sys, time
def hit():
    pass
n = int(sys.argv[1])
for _ in range(n):
    hit()
print(os.getpid(), n, flush=True)
open(sys.argv[2], "w").close()
time.sleep(30)
PY
top_run() {   # top_run NAME SCRIPT [OPTIONS...]
	local name=$1 script=$2; shift 2
	rm -f "$TMP/done1" "$TMP/done2"
	S -T 60 "$@" "$script" >"$TMP/top" 2>"$TMP/toperr" &
	local tpid=$!
	track "$tpid"
	if ! wait_for "$TMP/top" 'PID +FILENAME'; then
		fail "$name: the table every second" "$(cat "$TMP/toperr")"
		return
	fi
	"$PY311" "$TMP/hits.py" 300 "$TMP/done1" >"$TMP/self1" &
	local p1=$!
	track "$p1"
	"$PY311" "$TMP/hits.py" 500 "$TMP/done2" >"$TMP/self2" &
	local p2=$!
	track "$p2"
	wait_until test -e "$TMP/done1" -a -e "$TMP/done2"
	# two more tables after both are done: the window holding their calls has been printed
	local n
	n=$(grep -cE 'PID +FILENAME' "$TMP/top")
	headers_past() { [ "$(grep -cE 'PID +FILENAME' "$TMP/top")" -ge "$1" ]; }
	wait_until headers_past $((n + 2))
	kill -INT "$tpid"
	wait "$tpid"
	kill "$p1" "$p2" 2>/dev/null
	wait "$p1" "$p2" 2>/dev/null
	expect_grep "$name: the screen-clear escape" $'^\e\\[2J\e\\[1;1H +PID' "$TMP/top"
	local got
	got=$(awk -v a="$p1" -v b="$p2" '$4 == "hit" && ($1 == a || $1 == b) { n[$1] += $5 }
		END { print a, n[a] + 0; print b, n[b] + 0 }' "$TMP/top")
	expect_eq "$name: both PIDs, each with the calls it counted" "$(cat "$TMP/self1" "$TMP/self2")" "$got"
}
top_run "top (ours, built-in tapset)" "$PYSCOPE_ROOT/examples/top.stp"
if [ -f "$SEED/top.stp" ]; then
	top_run "page: top.stp -I" "$SEED/top.stp" -I "$SEED"
else
	skip "the page's top.stp live" "../shared/seed-scripts absent"
fi

# -x PID and process(PID): a running program, traced until exit().
cat >"$TMP/wait.py" <<'PY'
import os, sys, time
def hit():
    pass
while not os.path.exists(sys.argv[1]):
    hit()
    time.sleep(0.01)
PY
"$PY311" "$TMP/wait.py" "$TMP/stop" &
wpid=$!
track "$wpid"
wait_exec "$wpid" "$PY311"
timeout 20 "$PYSCOPE" stap -x "$wpid" -e 'probe process.mark("function__entry") {
	if (user_string($arg2) == "hit") { printf("%d %d\n", pid(), target()); exit() } }' >"$TMP/out" 2>"$TMP/err"
expect_eq "-x PID: process.mark on the running process, target() its pid" "$wpid $wpid" "$(cat "$TMP/out" "$TMP/err")"
timeout 20 "$PYSCOPE" stap -e 'probe process('"$wpid"').mark("function-entry") {
	if (user_string($arg2) == "hit") { printf("%d\n", pid()); exit() } }' >"$TMP/out" 2>"$TMP/err"
expect_eq "process(PID).mark: that process" "$wpid" "$(cat "$TMP/out" "$TMP/err")"
touch "$TMP/stop"
wait "$wpid" 2>/dev/null
# -c and -x with process("PATH"), process.mark and both: the target's process hierarchy only
# (tests/cases/stap_family.sh).
