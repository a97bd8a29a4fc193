#!/bin/bash
# -p PID on a running CPython 3.14+ without markers loads the provider into it through the remote
# debugging interface (PEP 768, sys.remote_exec), says so, and traces it; a target that forbids it
# (PYTHON_DISABLE_REMOTE_DEBUG) gets one line saying why and what to do, and is left alone;
# --no-provider does not load it. Older versions are refused with what to do (provider_install.sh).
# Skips visibly without a CPython 3.14+ without markers. Live.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/provider.lib"
need_trace "provider -p via sys.remote_exec" || exit 0
py=
for m in 14 15 16; do py=$(prov_python "$m") && break; done
[ -n "$py" ] || { skip "provider -p via sys.remote_exec" "no CPython 3.14+ without markers here"; exit 0; }
so=$(prov_so "$m")
[ -n "$so" ] || { fail "3.$m: provider built by make" "no $PYSCOPE_BUILD/provider/3.$m"; exit 0; }
real=$(readlink -f "$py")

cat >"$TMP/remote.py" <<'P'
import sys, time
def work():
    return 1
open(sys.argv[1], "w").close()
while True:
    work()
    time.sleep(0.005)
P
start() {   # start [ENV=VALUE...]: the target, running; its pid in $tpid
	rm -f "$TMP/ready"
	env "$@" "$py" "$TMP/remote.py" "$TMP/ready" &
	tpid=$!
	track "$tpid"
	wait_until test -e "$TMP/ready"
}

start
"$PYSCOPE" events --no-provider -p "$tpid" --markers function__entry >/dev/null 2>"$TMP/err0"
expect_eq "3.$m: --no-provider: not loaded, and said what to do" \
	"pyscope: no python markers in process $tpid ($real); it has none built in: run it under pyscope -c, or run 'pyscope provider install $real' and restart it" \
	"$(cat "$TMP/err0")"
"$PYSCOPE" events -p "$tpid" --markers function__entry >"$TMP/ev" 2>"$TMP/err" &
spid=$!
track "$spid"
wait_for "$TMP/ev" ' function__entry .*remote.py work ' ||
	fail "3.$m: -p traces the process after loading the provider" "$(cat "$TMP/err")"
expect_eq "3.$m: -p says it loads the provider through sys.remote_exec" \
	"pyscope: process $tpid ($real) has no python markers; loading pyscope's provider into it through sys.remote_exec ($(readlink -f "$so"))" \
	"$(head -1 "$TMP/err")"
kill -INT "$spid"; wait "$spid"
expect_grep "3.$m: the provider is in the process" "$(basename "$so")" "/proc/$tpid/maps"
"$PYSCOPE" events -p "$tpid" --markers function__entry >"$TMP/ev2" 2>"$TMP/err2" &
spid=$!
track "$spid"
wait_for "$TMP/ev2" ' function__entry .*remote.py work ' || fail "3.$m: a second -p traces it" "$(cat "$TMP/err2")"
kill -INT "$spid"; wait "$spid"
expect_eq "3.$m: a second -p finds it loaded: nothing said about loading" 0 "$(grep -c remote_exec "$TMP/err2")"
kill "$tpid"; wait "$tpid" 2>/dev/null

start PYTHON_DISABLE_REMOTE_DEBUG=1
"$PYSCOPE" events -p "$tpid" --markers function__entry >/dev/null 2>"$TMP/err3"
expect_eq "3.$m: a target without remote debugging: -p fails" 2 "$?"
expect_grep "3.$m: ... saying why and what to do" "^pyscope: process $tpid refused sys.remote_exec: .*pyscope provider install " "$TMP/err3"
expect_eq "3.$m: ... and the target is left without the provider" 0 "$(grep -c "$(basename "$so")" "/proc/$tpid/maps")"
kill "$tpid"; wait "$tpid" 2>/dev/null
