#!/bin/bash
# Attach modes on real Pythons: -p on a running /usr/bin/python3.11 (markers in the executable),
# -p on a program embedding the shared libpython (markers in a library), and --all, which must see
# a process started after pyscope. Live.
# kind: live, system-wide (--all): run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
if ! can_trace; then skip "attach modes" "needs root and BPF"; exit 0; fi
[ -x "$PY311" ] || { skip "attach modes" "no $PY311"; exit 0; }
EMBED=$PYSCOPE_ROOT/$PYSCOPE_BUILD/tests/embed_py

# The line and function__entry semaphores of python3.11 (non-PIE: their addresses are absolute).
sem_addr() {
	readelf -n "$PY311" | awk -v m="$1" '$1 == "Name:" { name = $2 }
		$1 == "Location:" && name == m { sub(",", "", $6); print $6 }'
}
LINE_SEM=$(sem_addr line)
ENTRY_SEM=$(sem_addr function__entry)

# A Python program that waits for a go file, reads its own semaphores, then calls ping() 100 times
# from Python code (which 3.11 only reports with the line semaphore up).
cat >"$TMP/wait.py" <<P
import ctypes, os, sys, time
def sems():
    if "SEMS" not in os.environ:        # only python3.11 has them at these addresses
        return "-"
    return "%d %d" % (ctypes.c_ushort.from_address($LINE_SEM).value,
                      ctypes.c_ushort.from_address($ENTRY_SEM).value)
def ping(i):
    return i
go = os.environ["GO"]
open(go + ".ready", "w").write(sems())
while not os.path.exists(go):
    time.sleep(0.01)
open(go + ".traced", "w").write(sems())
for i in range(100):
    ping(i)
P
SEMS=1 GO=$TMP/go "$PY311" "$TMP/wait.py" &
py=$!
track "$py"
wait_for "$TMP/go.ready" .
"$PYSCOPE" events -p "$py" --markers function__entry,function__return >"$TMP/p.out" 2>"$TMP/p.err" &
tracer=$!
track "$tracer"
wait_for "$TMP/p.err" tracing
touch "$TMP/go"
wait "$py"
wait "$tracer"
expect_eq "-p: pyscope exits 0 when the process exits" 0 "$?"
expect_eq "-p: line and function__entry semaphores 0 before pyscope" "0 0" "$(cat "$TMP/go.ready")"
expect_eq "-p: line semaphore raised with function markers (and function__entry)" "1 1" "$(cat "$TMP/go.traced")"
expect_eq "-p: 100 entries and 100 returns of ping()" "100 100" \
	"$(awk '$7 == "ping" { n[$5]++ } END { print n["function__entry"] + 0, n["function__return"] + 0 }' "$TMP/p.out")"
expect_eq "-p: events carry the process's pid" "$py" "$(awk '{ print $2 }' "$TMP/p.out" | sort -u)"

# The same on an embedding program: the markers are in libpython3.11.so.1.0.
GO=$TMP/go2 "$EMBED" "exec(open('$TMP/wait.py').read())" &
emb=$!
track "$emb"
wait_for "$TMP/go2.ready" .
"$PYSCOPE" events --json -p "$emb" --markers function__entry >"$TMP/e.out" 2>"$TMP/e.err" &
tracer=$!
track "$tracer"
wait_for "$TMP/e.err" tracing
touch "$TMP/go2"
wait "$emb"
wait "$tracer"
expect_eq "-p, shared libpython: pyscope exits 0" 0 "$?"
expect_eq "-p, shared libpython: 100 entries of ping(), from libpython3.11.so.1.0" \
	"100 libpython3.11.so.1.0" \
	"$(jq -r 'select(.str[1] == "ping") | .module' "$TMP/e.out" | sort | uniq -c | xargs)"

# --all: the Pythons found (python3.11 here), and a process started after pyscope.
"$PYSCOPE" events --all --markers function__entry >"$TMP/a.out" 2>"$TMP/a.err" &
tracer=$!
track "$tracer"
wait_for "$TMP/a.err" tracing || fail "--all attached" "$(cat "$TMP/a.err")"
"$PY311" -c 'def pyscope_hello_all(): pass
pyscope_hello_all()' &
late=$!
track "$late"
wait "$late"
wait_for "$TMP/a.out" "^[0-9]+ $late $late [0-9]+ function__entry <string> pyscope_hello_all 1\$"
kill -INT "$tracer"
wait "$tracer"
expect_eq "--all: Ctrl-C exits 0" 0 "$?"
expect_grep "--all: a python3.11 started after pyscope is seen" \
	"^[0-9]+ $late $late [0-9]+ function__entry <string> pyscope_hello_all 1\$" "$TMP/a.out"
expect_grep "--all: summary on stderr" '^pyscope: [0-9]+ events, 0 lost$' "$TMP/a.err"

# --all BINARY: a shared libpython, and an embedding program started after pyscope. The library
# is the one the loader finds (embed_py dlopens it by soname), on any architecture.
libpy=$(lib_path libpython3.11.so.1.0)
if [ -z "$libpy" ]; then
	skip "--all LIBPYTHON" "no libpython3.11.so.1.0 where the loader looks (ldconfig -p)"
else
	"$PYSCOPE" events --all "$libpy" --markers function__entry \
		>"$TMP/l.out" 2>"$TMP/l.err" &
	tracer=$!
	track "$tracer"
	wait_for "$TMP/l.err" tracing || fail "--all libpython attached" "$(cat "$TMP/l.err")"
	"$EMBED" 'def pyscope_hello_lib(): pass
pyscope_hello_lib()' &
	late=$!
	track "$late"
	wait "$late"
	wait_for "$TMP/l.out" " $late $late [0-9]+ function__entry <string> pyscope_hello_lib 1\$"
	kill -TERM "$tracer"
	wait "$tracer"
	expect_grep "--all LIBPYTHON: an embedding program started after pyscope is seen" \
		" $late $late [0-9]+ function__entry <string> pyscope_hello_lib 1\$" "$TMP/l.out"
fi

# -p twice: both processes traced, each hit once; pyscope exits when the last one is gone.
"$TARGET" wait:"$TMP/go3" call:100 &
a=$!
track "$a"
"$TARGET" wait:"$TMP/go3" call:100 sleep:300 &
b=$!
track "$b"
wait_exec "$a" "$TARGET" && wait_exec "$b" "$TARGET"   # -p of a shell not yet exec'd has no markers
"$PYSCOPE" events -p "$a" -p "$b" --markers function__entry >"$TMP/pp.out" 2>"$TMP/pp.err" &
tracer=$!
track "$tracer"
wait_for "$TMP/pp.err" tracing
touch "$TMP/go3"
wait "$a" "$b"
wait "$tracer"
rc=$?
[ "$rc" = 0 ] || cat "$TMP/pp.err"
expect_eq "-p A -p B: exits 0 once both are gone" 0 "$rc"
expect_eq "-p A -p B: 100 entries from each" "$(printf '100 %s\n' "$a" "$b" | sort -k2n | paste -sd'|')" \
	"$(awk '{ print $2 }' "$TMP/pp.out" | sort | uniq -c | sort -k2n | awk '{ print $1, $2 }' | paste -sd'|')"
