#!/bin/bash
# The provider sees threads started with _thread.start_new_thread (not through threading, whose
# profile hook does not see them): on 3.8-3.11 the C profile function is per thread, so the
# provider wraps start_new_thread and gives a new thread its functions before its first call.
# Every CPython 3.8-3.14 without markers found here (absent versions skip visibly): entry/return
# counts of the threads' functions equal what the program knows it called, also for threads
# started after the tracer came (-p) and with threading imported before the provider; a thread's
# unhandled exception is reported as without the provider. Live.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/provider.lib"
need_trace "provider threads" || exit 0

# The target: N threads by _thread.start_new_thread (one with keyword arguments, one through the
# alias start_new where it exists), each calling leaf() 50 times, and one thread that raises.
# With "wait", it first waits until FILE.go exists (the tracer is there by then).
cat >"$TMP/threads.py" <<'P'
import os, sys, time
if "threading" in sys.argv:
    import threading  # noqa: F401 -- imported before the program starts its threads
import _thread
lock = _thread.allocate_lock()
done = []
def leaf(i):
    return i + 1
def worker(n, tag=""):
    for i in range(n):
        leaf(i)
    with lock:
        done.append(tag)
def boom():
    raise ValueError("pyscope thread test")
if "wait" in sys.argv:
    open(sys.argv[1] + ".ready", "w").close()
    while not os.path.exists(sys.argv[1] + ".go"):
        time.sleep(0.005)
_thread.start_new_thread(worker, (50,))
_thread.start_new_thread(worker, (50,), {"tag": "kw"})
getattr(_thread, "start_new", _thread.start_new_thread)(worker, (50, "alias"))
_thread.start_new_thread(boom, ())
while len(done) < 3:
    time.sleep(0.001)
time.sleep(0.05)   # boom has printed its report
P
# counts EVENTS — "worker E/R leaf E/R" from a `pyscope events --json` recording.
counts() {
	jq -s -r --arg f "$TMP/threads.py" '
	map(select(.probe and .str[0] == $f)) as $e
	| ["worker", "leaf", "boom"] | map(. as $n | "\($n) \($e | map(select(.str[1] == $n and .probe == "python:function__entry")) | length)/\($e | map(select(.str[1] == $n and .probe == "python:function__return")) | length)")
	| join(" ")' "$1"
}
want="worker 3/3 leaf 150/150 boom 1/1"

for m in $PROV_MINORS; do
	py=$(prov_python "$m") || { skip "provider threads on CPython 3.$m" "no CPython 3.$m without markers here"; continue; }
	so=$(prov_so "$m")
	[ -n "$so" ] || { fail "provider threads on CPython 3.$m: built by make" "no $PYSCOPE_BUILD/provider/3.$m"; continue; }
	"$py" "$TMP/threads.py" "$TMP/plain.$m" 2>"$TMP/plain.err.$m"
	for how in "" threading; do
		"$PYSCOPE" events --json --markers function__entry,function__return \
			-c "$py $TMP/threads.py $TMP/x.$m $how" >"$TMP/ev.$m.$how" 2>"$TMP/err.$m.$how"
		# on a mismatch, pyscope's summary ("N events, M lost") says whether events were lost
		got=$(counts "$TMP/ev.$m.$how")
		[ "$got" = "$want" ] || got="$got ($(tail -1 "$TMP/err.$m.$how"))"
		expect_eq "3.$m: -c, _thread threads${how:+ (threading imported first)}: entry/return counts" \
			"$want" "$got"
	done
	expect_eq "3.$m: a _thread thread's unhandled exception is reported as without the provider" \
		"$(grep -v '^pyscope' "$TMP/plain.err.$m" | sed 's/0x[0-9a-f]*//g')" \
		"$(grep -v '^pyscope' "$TMP/err.$m." | sed 's/0x[0-9a-f]*//g')"

	# -p: the provider loaded at start-up (as after `pyscope provider install`), the tracer comes,
	# then the threads start.
	rm -f "$TMP/p.$m.go" "$TMP/p.$m.ready"
	PYTHONPATH=$PYSCOPE_ROOT/$PYSCOPE_BUILD/provider/boot PYSCOPE_PROVIDER_SO=$so \
		"$py" "$TMP/threads.py" "$TMP/p.$m" wait 2>/dev/null &
	tpid=$!
	track "$tpid"
	wait_until test -e "$TMP/p.$m.ready"
	"$PYSCOPE" events --json -p "$tpid" --markers function__entry,function__return \
		>"$TMP/pev.$m" 2>"$TMP/perr.$m" &
	spid=$!
	track "$spid"
	wait_for "$TMP/perr.$m" 'tracing' || fail "3.$m: -p attaches" "$(cat "$TMP/perr.$m")"
	# the hooks follow the semaphores within the watcher's period: wait until a call is seen
	wait_until grep -q '"python:function__entry"' "$TMP/pev.$m"
	touch "$TMP/p.$m.go"
	wait "$tpid"
	wait "$spid"
	got=$(counts "$TMP/pev.$m")
	[ "$got" = "$want" ] || got="$got ($(tail -1 "$TMP/perr.$m"))"
	expect_eq "3.$m: -p, threads started after the tracer came: entry/return counts" "$want" "$got"
done
