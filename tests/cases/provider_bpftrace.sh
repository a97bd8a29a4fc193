#!/bin/bash
# bpftrace sees the provider's markers like any USDT tool's: `usdt:PATH_OF_THE_MODULE:python:...`
# on a pyenv CPython with the provider loaded. bpftrace raises the marker's semaphore (the kernel's
# uprobe reference counter), the provider's hooks come, and the per-function counts of
# function__entry equal the program's own; when bpftrace leaves, the hooks go. Two ways, as README
# says: by the module's path alone (every process that maps it, also ones started later), and
# with -p PID. (`bpftrace -c` does not work with the provider: bpftrace 0.17 looks for the probe
# in the child before the child has loaded the module.) Skips visibly without bpftrace. Live.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/provider.lib"
need_trace "provider and bpftrace" || exit 0
need_cmd "provider and bpftrace" bpftrace || exit 0

# The target: the provider loaded at start-up (as after `pyscope provider install`); writes
# FILE.ready, waits until its hooks are in place (a tracer came), calls its functions while
# counting them itself, writes the counts ("name count" lines) to FILE, waits until its hooks went
# (the tracer left) and writes FILE.gone.
cat >"$TMP/bt.py" <<'P'
import os, sys, time
import _pyscope_provider
out = sys.argv[1]
mine = {}
def count(name):
    mine[name] = mine.get(name, 0) + 1
def leaf(i):
    count("leaf")
    return i
def middle(n):
    count("middle")
    return sum(leaf(i) for i in range(n))
def fact(n):
    count("fact")
    return 1 if n < 2 else n * fact(n - 1)
open(out + ".ready", "w").close()
t = time.time()
while not _pyscope_provider.state()["calls"] and time.time() - t < 20:
    time.sleep(0.005)
# the semaphore goes up when the tracer's uprobe is made, its BPF program is attached to it just
# after: hits in between reach no program
time.sleep(0.3)
for i in range(7):
    middle(10)
fact(5)
with open(out, "w") as f:
    for k in sorted(mine):
        f.write("%s %d\n" % (k, mine[k]))
t = time.time()
while _pyscope_provider.state()["calls"] and time.time() - t < 20:
    time.sleep(0.005)
if not _pyscope_provider.state()["calls"]:
    open(out + ".gone", "w").close()
P

m=$(for m in $PROV_MINORS; do prov_python "$m" >/dev/null && echo "$m"; done | tail -1)
[ -n "$m" ] || { skip "provider and bpftrace" "no CPython 3.8-3.14 without markers here"; exit 0; }
py=$(prov_python "$m")
so=$(prov_so "$m")
[ -n "$so" ] || { fail "provider and bpftrace: built by make" "no $PYSCOPE_BUILD/provider/3.$m"; exit 0; }
# Only this program's functions; str() reads 64 bytes by default, enough for the test's path.
prog="usdt:$so:python:function__entry /str(arg0) == \"$TMP/bt.py\"/ { @[str(arg1)] = count(); }"
# bt_counts FILE — bpftrace's map as "name count" lines, for the functions the program counts.
bt_counts() { sed -n 's/^@\[\(fact\|leaf\|middle\)\]: \([0-9]*\)$/\1 \2/p' "$1" | sort; }

for how in path pid; do
	f=$TMP/$how
	rm -f "$f" "$f.ready" "$f.gone"
	if [ "$how" = path ]; then
		BPFTRACE_STRLEN=200 bpftrace -e "$prog" >"$TMP/bt.$how" 2>"$TMP/bt.err.$how" &
		bpid=$!
		track "$bpid"
		wait_for "$TMP/bt.$how" '^Attaching' || fail "$how: bpftrace attaches" "$(cat "$TMP/bt.err.$how")"
	fi
	PYTHONPATH=$PYSCOPE_ROOT/$PYSCOPE_BUILD/provider/boot PYSCOPE_PROVIDER_SO=$so "$py" "$TMP/bt.py" "$f" &
	tpid=$!
	track "$tpid"
	if [ "$how" = pid ]; then
		wait_until test -e "$f.ready"
		BPFTRACE_STRLEN=200 bpftrace -p "$tpid" -e "$prog" >"$TMP/bt.$how" 2>"$TMP/bt.err.$how" &
		bpid=$!
		track "$bpid"
	fi
	wait_until test -s "$f" || fail "3.$m, bpftrace by $how: the hooks came" "$(cat "$TMP/bt.err.$how")"
	kill -INT "$bpid"
	wait "$bpid"
	wait "$tpid"
	expect_eq "3.$m, bpftrace by $how: the program called fact, leaf and middle" "fact 5|leaf 70|middle 7" \
		"$(paste -sd'|' "$f")"
	expect_eq "3.$m, bpftrace by $how: function__entry counts equal the program's own" \
		"$(cat "$f")" "$(bt_counts "$TMP/bt.$how")"
	expect_eq "3.$m, bpftrace by $how: the hooks went when bpftrace left" yes \
		"$([ -e "$f.gone" ] && echo yes)"
done
