#!/bin/bash
# After `pyscope provider install`, a Python without markers is traced with -p and --all like one
# with built-in markers, and `pyscope list -p` shows the provider's markers; after uninstall, -p on a
# new process says exactly what to do. On a venv (the machine's own Pythons are left alone). Live.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/provider.lib"
need_trace "provider install and -p" || exit 0
cat >"$TMP/app.py" <<'P'
import sys, time
def tick():
    return 1
open(sys.argv[1], "w").write("up\n")
while True:
    tick()
    time.sleep(0.005)
P
for m in $PROV_MINORS; do
	py=$(prov_python "$m") || { skip "provider install on CPython 3.$m" "no CPython 3.$m without markers here"; continue; }
	v=$TMP/venv$m
	"$py" -m venv --without-pip "$v" || { fail "3.$m: a venv"; continue; }
	"$PYSCOPE" provider install "$v/bin/python3" >/dev/null 2>&1
	expect_eq "3.$m: install" 0 "$?"
	"$v/bin/python3" "$TMP/app.py" "$TMP/up$m" &
	tpid=$!
	track "$tpid"
	wait_for "$TMP/up$m" up
	"$PYSCOPE" list -p "$tpid" >"$TMP/list$m" 2>&1
	expect_grep "3.$m: list -p shows the provider's markers" \
		"^$v/lib/python3\\.$m/site-packages/_pyscope_provider[^ ]*\\.so +\\(pid $tpid, ET_DYN, loaded at 0x[0-9a-f]+, 1[01] markers\\)\$" "$TMP/list$m"
	"$PYSCOPE" events -p "$tpid" --markers function__entry >"$TMP/ev$m" 2>/dev/null &
	spid=$!
	track "$spid"
	if wait_for "$TMP/ev$m" " function__entry $TMP/app.py tick 2 "; then
		pass "3.$m: -p sees the program's calls through the installed provider"
	else
		fail "3.$m: -p sees the program's calls through the installed provider" "$(head -3 "$TMP/ev$m")"
	fi
	kill -INT "$spid"; wait "$spid"
	kill "$tpid"; wait "$tpid" 2>/dev/null

	# system-wide: the Pythons found (the venv's first on PATH) with the provider installed
	PATH=$v/bin:$PATH "$PYSCOPE" events --all --markers function__entry >"$TMP/all$m" 2>"$TMP/allerr$m" &
	spid=$!
	track "$spid"
	wait_for "$TMP/allerr$m" tracing
	printf 'def pyscope_all():\n    pass\npyscope_all()\n' >"$TMP/all$m.py"
	"$v/bin/python3" "$TMP/all$m.py"
	if wait_for "$TMP/all$m" " function__entry $TMP/all$m.py pyscope_all 1 "; then
		pass "3.$m: --all sees a Python started later with the provider installed"
	else
		fail "3.$m: --all sees a Python started later with the provider installed" "$(cat "$TMP/allerr$m")"
	fi
	kill -INT "$spid"; wait "$spid"

	"$PYSCOPE" provider uninstall "$v/bin/python3" >/dev/null
	"$v/bin/python3" "$TMP/app.py" "$TMP/up2$m" &
	tpid=$!
	track "$tpid"
	wait_for "$TMP/up2$m" up
	real=$(readlink -f "$v/bin/python3")
	"$PYSCOPE" events -p "$tpid" >/dev/null 2>"$TMP/err$m"
	expect_eq "3.$m: -p without markers or provider: what to do" \
		"pyscope: no python markers in process $tpid ($real); it has none built in: run it under pyscope -c, or run 'pyscope provider install $real' and restart it" \
		"$(cat "$TMP/err$m")"
	kill "$tpid"; wait "$tpid" 2>/dev/null
done
