#!/bin/bash
# The pid provider (uprobes placed by libbpf by function name, capture_sys.c):
#   - pid$target::FUNC:entry / :return on a function of the executable: arg0.. on entry, arg1 the
#     return value on return; counts exact
#   - pid$target:libc.so.6:FUNC:entry on a library function; probemod the object's basename
#   - pid$target::FUNC:OFFSET (hex) inside a function
#   - globs in FUNC over the object's symbols; -l lists the functions a description names
#   - mallocs per Python function, as the published scripts count them
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "pid provider" || exit 0
T=$PYSCOPE_ROOT/$PYSCOPE_BUILD/tests/sys_target
D() { timeout 60 "$PYSCOPE" dtrace "$@"; }

D -q -n 'pid$target::sys_work:entry { @e = count(); @k = sum(arg1); @i = sum(arg0); }
	pid$target::sys_work:return { @r = sum(arg1); }
	END { printa("entries %@d\n", @e); printa("k %@d\n", @k); printa("i %@d\n", @i); printa("returned %@d\n", @r); }' \
	-c "$T call:100" >"$TMP/out" 2>"$TMP/err"
expect_eq "sys_work called 100 times: arg0 0..99, arg1 7, returns i*7" \
	"entries 100|k 700|i 4950|returned 34650" "$(grep -v '^$' "$TMP/out" | paste -sd'|')"

D -q -n 'pid$target:libc.so.6:write:entry { @[probeprov == strjoin("pid", lltostr($target)), probemod, probefunc, probename] = count(); }
	END { printa("%d %s %s %s %@d\n", @); }' -c "$T write:5" >"$TMP/out" 2>"$TMP/err"
if grep -q "lltostr" "$TMP/err"; then   # (before lltostr exists: the same without probeprov)
	D -q -n 'pid$target:libc.so.6:write:entry { @[probemod, probefunc, probename] = count(); }
		END { printa("1 %s %s %s %@d\n", @); }' -c "$T write:5" >"$TMP/out" 2>"$TMP/err"
fi
expect_eq "libc's write entered 5 times, probemod libc.so.6" "1 libc.so.6 write entry 5" \
	"$(grep -v '^$' "$TMP/out")"

D -q -n 'pid$target::sys_work:4 { @[probename] = count(); } END { printa("%s %@d\n", @); }' \
	-c "$T call:3" >"$TMP/out" 2>"$TMP/err"
expect_eq "an offset in the function fires once per call, named by its offset" "4 3" \
	"$(grep -v '^$' "$TMP/out")"

D -q -n 'pid$target:sys_target:sys_wor*:entry { @[probefunc] = count(); } END { printa("%s %@d\n", @); }' \
	-c "$T call:4" >"$TMP/out" 2>"$TMP/err"
expect_eq "a glob over the executable's functions" "sys_work 4" "$(grep -v '^$' "$TMP/out")"

D -l -n 'pid$target:sys_target:sys_work:' -c "$T" >"$TMP/out" 2>"$TMP/err"
expect_eq "-l lists a function's entry and return" "pid sys_target sys_work entry|pid sys_target sys_work return" \
	"$(awk 'NR > 1 { sub(/[0-9]+$/, "", $2); print $2, $3, $4, $5 }' "$TMP/out" | paste -sd'|')"

D -q -n 'pid$target::no_such_function_here:entry { x = 1; }' -c "$T" >"$TMP/out" 2>"$TMP/err"
expect_eq "a function the process does not have: no probe matches" \
	"-n:1:1: error: no probe matches pid\$target::no_such_function_here:entry" "$(head -1 "$TMP/err")"

if need_py311 "mallocs per Python function"; then
	cat >"$TMP/m.py" <<'PY'
def alloc(n):
    return [bytearray(100000 + i) for i in range(n)]
alloc(17)
PY
	cat >"$TMP/mallocs.d" <<'D'
#pragma D option quiet
python$target:::function-entry /copyinstr(arg1) == "alloc"/ { self->in = 1; }
python$target:::function-return /copyinstr(arg1) == "alloc"/ { self->in = 0; }
pid$target:libc.so.6:malloc:entry /self->in && arg0 >= 100000/ { @big = count(); }
END { printa("big mallocs %@d\n", @big); }
D
	D -s "$TMP/mallocs.d" -c "$PY311 $TMP/m.py" >"$TMP/out" 2>"$TMP/err"
	expect_eq "alloc(17) makes 17 mallocs of 100000 bytes or more" "big mallocs 17" \
		"$(grep -v '^$' "$TMP/out")"
fi

# -p: a running process's functions and system calls, attached before it makes them.
"$T" wait:"$TMP/go" call:5 write:4 >/dev/null 2>&1 &
spid=$!
track "$spid"
wait_exec "$spid" "$T"
stdbuf -oL "$PYSCOPE" dtrace -q -p "$spid" -n 'BEGIN { printf("attached\n"); }
	pid$target::sys_work:return { @r = count(); } syscall::write:entry /pid == $target/ { @w = count(); }
	END { printa("returns %@d\n", @r); printa("writes %@d\n", @w); }' >"$TMP/p.out" 2>"$TMP/p.err" &
dpid=$!
track "$dpid"
wait_for "$TMP/p.out" '^attached$' || fail "-p: pyscope attached" "$(cat "$TMP/p.err")"
touch "$TMP/go"
wait "$dpid"
expect_eq "-p: 5 returns of sys_work and 4 writes of the running process" "returns 5|writes 4" \
	"$(grep -E '^(returns|writes)' "$TMP/p.out" | paste -sd'|')"
