#!/bin/bash
# Python stacks of processes that are gone by the time pyscope reads their records, and of
# processes started after pyscope. The kernel sends each code object's definition (file, name,
# first line, line table) at its first sight, before the first stack that holds it, so:
#  - events --stack and profile of a short `python3.11 -c` have no "<unreadable>" frame (names
#    read from the process when its records are read would be gone with it);
#  - a program that frees code objects and makes new ones, often at the same addresses (exec of
#    generated functions in a loop), gets, at every function__entry, its innermost frame named as
#    the marker names the function entered: an address reused by another code object is named anew;
#  - the same on every CPython without markers pyenv has (3.8-3.13, through the provider: recipes
#    per process, made by user space), with each frame's line: the def line of a function just
#    entered (3.10's f_lasti -1 too), the call's line in its callers;
#  - profile --all: five short python3.11 runs started one after the other after pyscope are all
#    sampled (each exec is told by the kernel and looked at at once; a look at /proc each second
#    would miss most of them);
#  - system-wide (--all), a python3.11 started after pyscope has its stack on its very first
#    function__entry hit, and its functions' stacks whole (the recipe is made in the kernel at the
#    first hit, from where the interpreter's object is mapped).
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/provider.lib"
need_trace "stacks of exited processes" || exit 0
need_py311 "stacks of exited processes" || exit 0

# events --stack of a short program, three times: not one frame unnamed
bad=0; ev=0
for i in 1 2 3; do
	"$PYSCOPE" events --stack --markers function__entry -c "$PY311 -c 'def f(): pass
f()'" >"$TMP/short.$i" 2>"$TMP/short.err"
	bad=$((bad + $(grep -c '<unreadable>' "$TMP/short.$i")))
	ev=$((ev + $(grep -c ' function__entry ' "$TMP/short.$i")))
done
if [ "$bad" = 0 ] && [ "$ev" -gt 300 ]; then
	pass "events --stack of a short python3.11 -c: $ev hits, no <unreadable> frame"
else
	fail "events --stack of a short python3.11 -c: no <unreadable> frame" "$bad unreadable, $ev hits" "$(grep -m3 -B3 unreadable "$TMP/short.1")"
fi
got=$(awk '/function__entry <string> f 1$/{getline a; getline b; print a "|" b; exit}' "$TMP/short.3")
expect_eq "events --stack of a short program: f's stack" "    f (<string>:1)|    <module> (<string>:2)" "$got"

# profile of a short program
cat >"$TMP/shortspin.py" <<'P'
import time
def spin(end):
    while time.monotonic() < end:
        pass
spin(time.monotonic() + 0.3)
P
"$PYSCOPE" profile -F 997 -o "$TMP/p.folded" -c "$PY311 $TMP/shortspin.py" 2>"$TMP/p.err"
n=$(awk '{s += $NF} END {print s + 0}' "$TMP/p.folded")
u=$(grep -c 'unreadable' "$TMP/p.folded")
s=$(awk '/spin \(.*shortspin.py:[34]\)/ {s += $NF} END {print s + 0}' "$TMP/p.folded")
if [ "$u" = 0 ] && [ "$n" -gt 50 ] && [ "$s" -gt $((n / 2)) ]; then
	pass "profile of a program that ends at once: $n samples, $s in spin, none unreadable"
else
	fail "profile of a program that ends at once: named samples" "$n samples, $s in spin, $u lines unreadable" "$(head -5 "$TMP/p.folded")" "$(cat "$TMP/p.err")"
fi

# code objects freed and made again: every innermost frame is the function the marker entered
cat >"$TMP/reuse.py" <<'P'
for i in range(400):
    ns = {}
    exec(compile("def g%d():\n    return %d\n" % (i, i), "gen%d.py" % (i % 7), "exec"), ns)
    ns["g%d" % i]()
    del ns
P
"$PYSCOPE" events --stack --markers function__entry -c "$PY311 $TMP/reuse.py" >"$TMP/reuse" 2>"$TMP/reuse.err"
r=$(awk '$5 == "function__entry" && $6 ~ /^gen[0-6]\.py$/ && $7 ~ /^g[0-9]+$/ {
		want = "    " $7 " (" $6 ":" $8 ")"; n++
		getline f; if (f != want) { bad++; if (!first) first = want " != " f }
	} END { printf "%d %d %s", n, bad, first }' "$TMP/reuse")
read -r n nbad first <<<"$r"
if [ "$n" = 400 ] && [ "$nbad" = 0 ]; then
	pass "code objects made again at reused addresses: all $n innermost frames are the function entered"
else
	fail "code objects made again: innermost frame is the function entered" "$n entries, $nbad wrong: $first"
fi

# the same function, from a file of another name each time (same length: the name's length does
# not tell them apart)
cat >"$TMP/reuse2.py" <<'P'
for i in range(400):
    ns = {}
    exec(compile("def f():\n    return 1\n", "fa%03d.py" % i, "exec"), ns)
    ns["f"]()
    del ns
P
"$PYSCOPE" events --stack --markers function__entry -c "$PY311 $TMP/reuse2.py" >"$TMP/reuse2" 2>"$TMP/reuse2.err"
r=$(awk '$5 == "function__entry" && $6 ~ /^fa[0-9]+\.py$/ && $7 == "f" {
		want = "    f (" $6 ":" $8 ")"; n++
		getline f; if (f != want) { bad++; if (!first) first = want " != " f }
	} END { printf "%d %d %s", n, bad, first }' "$TMP/reuse2")
read -r n nbad first <<<"$r"
if [ "$n" = 400 ] && [ "$nbad" = 0 ]; then
	pass "one function made again from files of other names: all $n innermost frames name their file"
else
	fail "one function made again from files of other names: each frame names its file" "$n entries, $nbad wrong: $first"
fi

# --all: a python3.11 started after pyscope
cat >"$TMP/late.py" <<'P'
def late_leaf():
    return 1
def late_mid():
    return late_leaf()
late_mid()
P
"$PYSCOPE" events --all "$PY311" --stack --markers function__entry >"$TMP/late" 2>"$TMP/late.err" &
ps=$!
track $ps
for _ in $(seq 100); do grep -q tracing "$TMP/late.err" && break; sleep 0.1; done
"$PY311" "$TMP/late.py" & lp=$!
wait $lp
sleep 0.5
kill -INT $ps; wait $ps
first=$(awk -v p=$lp '$2 == p && $5 == "function__entry" {getline f; print f; exit}' "$TMP/late")
if [ -n "$first" ] && [ "$first" != "    <no python stack>" ]; then
	pass "--all: a python3.11 started later has its stack at its first hit ($first)"
else
	fail "--all: a python3.11 started later has its stack at its first hit" "first frame: '$first'" "$(head -3 "$TMP/late.err")"
fi
nost=$(awk -v p=$lp '$2 == p && $5 == "function__entry" {getline f; if (f == "    <no python stack>") n++} END {print n + 0}' "$TMP/late")
expect_eq "--all: no hit of the later python3.11 without its stack" 0 "$nost"
got=$(awk -v p=$lp '$2 == p && / late_leaf /{while ((getline f) > 0 && f ~ /^    /) printf "%s|", f; exit}' "$TMP/late")
expect_eq "--all: the later process's late_leaf stack" \
	"    late_leaf (${TMP}/late.py:1)|    late_mid (${TMP}/late.py:4)|    <module> (${TMP}/late.py:5)|" "$got"

# pyenv's CPythons (the provider): names after the exit, lines at entry and in the callers
cat >"$TMP/chain.py" <<'P'
def chain_leaf():
    return 1
def chain_mid():
    return chain_leaf()
chain_mid()
P
any=
for m in 8 9 10 12 13; do
	py=$(prov_python $m) || continue
	any=1
	"$PYSCOPE" events --stack --markers function__entry -c "$py $TMP/chain.py" >"$TMP/chain.$m" 2>"$TMP/chain.err"
	got=$(awk '/ function__entry .*chain.py chain_leaf /{while ((getline f) > 0 && f ~ /^    /) printf "%s|", f; exit}' "$TMP/chain.$m")
	expect_eq "CPython 3.$m (provider): chain_leaf's stack, lines" \
		"    chain_leaf (${TMP}/chain.py:1)|    chain_mid (${TMP}/chain.py:4)|    <module> (${TMP}/chain.py:5)|" "$got"
	expect_eq "CPython 3.$m (provider): no frame unnamed once the process is gone" 0 "$(grep -c '<unreadable>' "$TMP/chain.$m")"
done
[ -n "$any" ] || skip "stacks on pyenv's CPythons" "no pyenv CPython 3.8-3.13 without markers here"

# profile --all: short CPythons started later, each sampled
if need_py311 "profile --all: short programs started later"; then
	cat >"$TMP/brief.py" <<'P'
import time
def brief_spin(end):
    while time.monotonic() < end:
        pass
brief_spin(time.monotonic() + 0.2)
P
	"$PYSCOPE" profile --all -d 5 -o "$TMP/brief.folded" 2>"$TMP/brief.err" & pp=$!
	track $pp
	sleep 1.5
	pids=()
	for i in 1 2 3 4 5; do "$PY311" "$TMP/brief.py" & p=$!; wait $p; pids+=($p); sleep 0.3; done
	wait $pp
	seen=0
	for p in "${pids[@]}"; do grep -q "^python3.11 ($p);.*brief_spin" "$TMP/brief.folded" && seen=$((seen + 1)); done
	expect_eq "profile --all: five 0.2 s python3.11 runs started later are all sampled" 5 "$seen"
fi
