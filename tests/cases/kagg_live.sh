#!/bin/bash
# Aggregation in the kernel (kagg), live on /usr/bin/python3.11:
#   - every aggregating function, keyed by strings, pid, tid, execname and arguments, prints the
#     same whether its clause runs in the kernel, in user space (PYSCOPE_KAGG=0), or in the kernel
#     with maps of 2 entries (PYSCOPE_KAGG_ENTRIES=2: the hits that find the map full go to user
#     space), with printa, trunc and clear at END and a user-space clause on the same probe
#   - dtrace -v says where each clause runs; a probe whose clauses all run in the kernel sends no
#     event to user space, a full map sends the hits it could not take
#   - 3.11: function-return alone (the line semaphore down) sees every return: generators,
#     exceptions, coroutines, as many as with function-entry enabled too
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "kagg live" || exit 0
need_py311 "kagg live" || exit 0
D() { PYTHONHASHSEED=0 "$PYSCOPE" dtrace "$@"; }

cat >"$TMP/work.py" <<'PY'
import asyncio, json, re
def gen(n):
    for i in range(n):
        yield i
def boom(i):
    raise ValueError(i)
def catcher(i):
    try:
        boom(i)
    except ValueError:
        return -1
async def co(i):
    await asyncio.sleep(0)
    return i
async def main():
    return sum(await asyncio.gather(*(co(i) for i in range(50))))
class C:
    def m(self, x): return x * 2
for i in range(300):
    sum(gen(10)); catcher(i); C().m(i)
    json.loads(json.dumps({"a": [i, str(i)]}))
    re.sub(r"\d", "x", "a1b2")
asyncio.run(main())
PY
RUN="$PY311 $TMP/work.py"

cat >"$TMP/all.d" <<'DS'
python*:::function-return { @calls[copyinstr(arg1)] = count(); }
python*:::function-return { @lines[copyinstr(arg0), copyinstr(arg1)] = sum(arg2); }
python*:::function-return { @q = quantize(arg2); }
python*:::function-return { @lq[execname] = lquantize(arg2, 0, 200, 20); }
python*:::function-return { @mx[pid == pid] = max(arg2); }
python*:::function-entry { @mn[copyinstr(arg1)] = min(arg2); }
python*:::function-entry { @av[pid, tid] = avg(arg2); }
python*:::function-entry { @sd = stddev(arg2); }
python*:::function-entry { @e[copyinstr(arg1), arg2] = count(); }
python*:::function-entry /timestamp > 0/ { @user[copyinstr(arg1)] = count(); }
END { printa(@calls); trunc(@calls, 5); printa("%s %@d\n", @calls); clear(@e); }
DS
cat >"$TMP/pred.d" <<'DS'
python*:::function-return /copyinstr(arg1) == "m"/ { @m[copyinstr(arg0)] = count(); }
python*:::function-return /copyinstr(arg1) != "gen" && arg2 > 10/ { @g[copyinstr(arg1)] = sum(arg2); }
python*:::function-return /!(arg2 >= 100) && pid != 0 && 5 < arg2/ { @q = quantize(arg2); }
python*:::function-return /copyinstr(arg0) == "<frozen codecs>"/ { @c = count(); }
python*:::function-return /arg2/ { @n = count(); }
python*:::function-return /!arg2/ { @z = count(); }
DS
D -q -s "$TMP/all.d" -c "$RUN" >"$TMP/user.out" 2>"$TMP/user.err" </dev/null
# (-v writes to stderr before the command starts, which then is not at offset 0 of its stderr
# file: Python's encoder makes one setstate() call more. Outputs compared are made without -v.)
D -q -s "$TMP/all.d" -c "$RUN" >"$TMP/kernel.out" 2>"$TMP/kernel.err" </dev/null
D -v -q -s "$TMP/all.d" -c "$RUN" >/dev/null 2>"$TMP/kernel.err" </dev/null
expect_eq "clauses in the kernel: all but a computed predicate, a computed key and END" \
	"8 kernel, 3 user" \
	"$(grep -c 'runs in kernel$' "$TMP/kernel.err") kernel, $(grep -c 'runs in user space' "$TMP/kernel.err") user"
[ -s "$TMP/user.out" ] && [ "$(wc -l <"$TMP/user.out")" -gt 100 ] && pass "user-space reference printed" \
	|| fail "user-space reference printed" "$(head -5 "$TMP/user.err")"
# PYSCOPE_KAGG=0: the comparison run (above) and this one are both user space
PYSCOPE_KAGG=0 D -v -q -s "$TMP/all.d" -c "$RUN" >"$TMP/off.out" 2>"$TMP/off.err" </dev/null
expect_eq "PYSCOPE_KAGG=0 keeps every clause in user space" "0" "$(grep -c 'runs in kernel$' "$TMP/off.err")"
# @av[pid, tid]: the one line whose pid and tid (the same: one thread) change from run to run
pids() { sed -E 's/^ +([0-9]+) +\1 +([0-9]+)$/PID PID \2/' "$1" >"$1.p"; }
pids "$TMP/user.out"
pids "$TMP/kernel.out"
expect_eq "avg keyed by pid and tid: one line" "1" "$(grep -c '^PID PID' "$TMP/kernel.out.p")"
expect_file "kernel and user space print the same (all functions, printa/trunc/clear)" \
	"$TMP/user.out.p" "$TMP/kernel.out.p"
PYSCOPE_KAGG_ENTRIES=2 D -q -s "$TMP/all.d" -c "$RUN" >"$TMP/tiny.out" 2>"$TMP/tiny.err" </dev/null
pids "$TMP/tiny.out"
expect_file "a full kernel map: the same output (hits it cannot take run in user space)" \
	"$TMP/user.out.p" "$TMP/tiny.out.p"

# Strings longer than the kernel's room for them (here 8 bytes): those hits run in user space.
PYSCOPE_KAGG_ROOM=8 D -q -s "$TMP/all.d" -c "$RUN" >"$TMP/room.out" 2>"$TMP/room.err" </dev/null
pids "$TMP/room.out"
expect_file "an 8-byte string room: the same output (longer strings counted in user space)" \
	"$TMP/user.out.p" "$TMP/room.out.p"

# strsize below the room: strings cut at strsize in the kernel's key as in user space.
PYSCOPE_KAGG=0 D -q -x strsize=12 -s "$TMP/all.d" -c "$RUN" >"$TMP/s12u.out" 2>&1 </dev/null
D -q -x strsize=12 -s "$TMP/all.d" -c "$RUN" >"$TMP/s12k.out" 2>&1 </dev/null
pids "$TMP/s12u.out"
pids "$TMP/s12k.out"
expect_file "strsize=12: strings cut the same in the kernel" "$TMP/s12u.out.p" "$TMP/s12k.out.p"

# Predicates in the kernel: comparisons with constants, a string argument == / != a constant.
PYSCOPE_KAGG=0 D -q -s "$TMP/pred.d" -c "$RUN" >"$TMP/pu.out" 2>&1 </dev/null
D -v -q -s "$TMP/pred.d" -c "$RUN" >/dev/null 2>"$TMP/pk.err" </dev/null
expect_eq "predicates: every clause runs in the kernel" "6" "$(grep -c 'runs in kernel$' "$TMP/pk.err")"
D -q -s "$TMP/pred.d" -c "$RUN" >"$TMP/pk.out" 2>&1 </dev/null
expect_file "predicates: the same output in the kernel as in user space" "$TMP/pu.out" "$TMP/pk.out"
expect_eq "predicates: C.m counted 300 times" "300" \
	"$(awk -v f="$TMP/work.py" '$1 == f { print $2 }' "$TMP/pk.out")"
PYSCOPE_KAGG_ENTRIES=1 D -q -s "$TMP/pred.d" -c "$RUN" >"$TMP/pt.out" 2>&1 </dev/null
expect_file "predicates, 1-entry maps: the same output" "$TMP/pu.out" "$TMP/pt.out"

# A probe whose clauses all run in the kernel sends nothing to user space.
S='python*:::function-return { @[copyinstr(arg1)] = count(); }'
D -v -q -n "$S" -c "$RUN" >"$TMP/k1.out" 2>"$TMP/k1.err" </dev/null
expect_eq "count by function: no event reaches user space" "dtrace: 0 events reached user space" \
	"$(grep 'events reached' "$TMP/k1.err")"
PYSCOPE_KAGG=0 D -v -q -n "$S" -c "$RUN" >"$TMP/u1.out" 2>"$TMP/u1.err" </dev/null
expect_file "count by function: the same counts as in user space" "$TMP/u1.out" "$TMP/k1.out"
PYSCOPE_KAGG_ENTRIES=4 D -v -q -n "$S" -c "$RUN" >"$TMP/t1.out" 2>"$TMP/t1.err" </dev/null
n=$(sed -nE 's/^dtrace: ([0-9]+) events reached user space$/\1/p' "$TMP/t1.err")
[ -n "$n" ] && [ "$n" -gt 0 ] && pass "a full map sends its hits to user space ($n events)" \
	|| fail "a full map sends its hits to user space" "$(cat "$TMP/t1.err")"
expect_file "count by function, 4-entry map: the same counts" "$TMP/u1.out" "$TMP/t1.out"

# 3.11: function-return without function-entry (the line semaphore stays down) sees every return.
R='python*:::function-return /basename(copyinstr(arg0)) == "work.py"/ { @[copyinstr(arg1)] = count(); }'
D -q -n "$R" -c "$RUN" >"$TMP/ret.out" 2>&1 </dev/null
D -q -n "$R python*:::function-entry /0/ { }" -c "$RUN" >"$TMP/both.out" 2>&1 </dev/null
expect_file "3.11: function-return alone sees every return (as with function-entry on)" \
	"$TMP/both.out" "$TMP/ret.out"
expect_eq "3.11: generators, exceptions, coroutines are among them" "boom 300 co 100 gen 3300" \
	"$(awk '$1=="gen"||$1=="boom"||$1=="co"{print $1, $2}' "$TMP/ret.out" | sort | tr '\n' ' ' | sed 's/ $//')"
