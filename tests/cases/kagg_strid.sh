#!/bin/bash
# String keys by identity in the kernel (kagg_rec.h), live on /usr/bin/python3.11:
#   - a CPython's function and file names are keyed by their str object's identity (pid, address,
#     hash, length) instead of a copy of their text (PYSCOPE_KAGG_STRID=1), and output is
#     byte-identical to copying (the default) and to user space (PYSCOPE_KAGG=0), D and SystemTap
#     alike
#   - addresses reused by other names (functions made and freed, names of one length) are never
#     counted as the old name: PYSCOPE_KAGG_STATS=1 shows identities at reused addresses, and the
#     counts are still the copying ones
#   - non-ASCII names, file names whose hash is not computed yet, and a process that is not a
#     CPython (tests/target's C markers) are copied; a 73-byte name (longer than the kernel's
#     64-byte room) is keyed by identity and stays in the kernel
#   - two processes system-wide: the same names in both merge into one key
#   - full maps (PYSCOPE_KAGG_ENTRIES=4): the same output
#   - pyscope's provider (CPython 3.10 and 3.13 without markers, pyenv's; absent ones skip): its
#     markers pass the same str buffers, keyed by identity with the same output
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/provider.lib"
need_trace "kagg strid" || exit 0
need_py311 "kagg strid" || exit 0
D() { PYTHONHASHSEED=0 "$PYSCOPE" dtrace "$@"; }

cat >"$TMP/work.py" <<'PY'
import sys
tok, n = sys.argv[1], int(sys.argv[2])
ns = {}
long = tok + "_" + "x" * 70
exec(f"def {tok}_fn(): pass\ndef {tok}_café(): pass\ndef {long}(): pass", ns)
for i in range(n):
    ns[tok + "_fn"](); ns[tok + "_café"](); ns[long]()
# functions made and freed: names of one length at addresses other names had
addrs, reused = {}, 0
for i in range(2000):
    name = "%s_r%03d" % (tok, i % 500)
    d = {}
    exec(compile(f"def {name}(): pass", f"<strid {i % 3}>", "exec"), d)
    f = d[name]
    for _ in range(i % 5 + 1):
        f()
    a = id(f.__code__.co_name)
    reused += addrs.get(a, name) != name
    addrs[a] = name
    del f, d
print("reused", reused, file=sys.stderr)
PY
RUN="$PY311 $TMP/work.py tk 1000"
cat >"$TMP/s.d" <<'DS'
python*:::function-return { @[copyinstr(arg1)] = count(); }
python*:::function-return { @f[copyinstr(arg0), copyinstr(arg1)] = count(); }
python*:::function-entry { @q[copyinstr(arg1)] = quantize(arg2); }
DS
run3() {  # NAME OUT-PREFIX ARGS...: identities, copying, user space
	local name=$1 out=$2
	shift 2
	PYSCOPE_KAGG_STATS=1 PYSCOPE_KAGG_STRID=1 "$@" >"$out.id" 2>"$out.id.err" </dev/null
	PYSCOPE_KAGG_STATS=1 "$@" >"$out.copy" 2>"$out.copy.err" </dev/null
	PYSCOPE_KAGG=0 "$@" >"$out.user" 2>"$out.user.err" </dev/null
	[ "$(wc -l <"$out.user")" -gt 100 ] && pass "$name: user-space reference printed" \
		|| fail "$name: user-space reference printed" "$(head -5 "$out.user.err")"
	expect_file "$name: identities print what copying prints" "$out.copy" "$out.id"
	expect_file "$name: identities print what user space prints" "$out.user" "$out.id"
}
run3 "D" "$TMP/d" D -q -s "$TMP/s.d" -c "$RUN"
stats() { sed -nE 's/^kagg: (identities (on|off)), ([0-9]+) string identities, ([0-9]+) at a reused address$/\1 \3 \4/p' "$1"; }
read -r on n r <<<"$(stats "$TMP/d.id.err" | sed 's/identities //')"
[ "$on" = on ] && [ "${n:-0}" -gt 500 ] && pass "D: names keyed by identity ($n identities)" \
	|| fail "D: names keyed by identity" "$(cat "$TMP/d.id.err")"
[ "${r:-0}" -gt 0 ] && pass "D: identities at reused addresses ($r), counted right" \
	|| fail "D: identities at reused addresses" "$(cat "$TMP/d.id.err")"
expect_eq "without PYSCOPE_KAGG_STRID=1 (the default): no identities" "identities off 0 0" "$(stats "$TMP/d.copy.err")"
expect_eq "counts: 1000 each for the plain, non-ASCII and 70-byte names" "1000 1000 1000" \
	"$(awk 'NF == 2 && ($1 == "tk_fn" || $1 == "tk_café" || $1 ~ /^tk_xxxx/) { print $2 }' "$TMP/d.id" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "counts: the freed functions' names, as the workload called them" "tk_r000 4 tk_r001 8 tk_r499 20" \
	"$(awk 'NF == 2 && ($1 == "tk_r000" || $1 == "tk_r001" || $1 == "tk_r499") { print $1, $2 }' "$TMP/d.id" | sort | tr '\n' ' ' | sed 's/ $//')"

# Full maps (4 entries; kagg_strs as many): the hits that find no room run in user space.
PYSCOPE_KAGG_STRID=1 PYSCOPE_KAGG_ENTRIES=4 D -q -s "$TMP/s.d" -c "$RUN" >"$TMP/d.tiny" 2>"$TMP/d.tiny.err" </dev/null
expect_file "D: identities with 4-entry maps print what copying prints" "$TMP/d.copy" "$TMP/d.tiny"

# SystemTap's statistics: the same planner, the same keys
cat >"$TMP/s.stp" <<'EOF2'
global calls, lines
probe process.mark("function__return") { calls[user_string($arg2)] <<< 1 }
probe process.mark("function__return") { lines[user_string($arg1), user_string($arg2)] <<< $arg3 }
probe end {
	foreach (k in calls) printf("%s %d\n", k, @count(calls[k]))
	foreach ([a, b] in lines) printf("%s %s %d %d\n", a, b, @count(lines[a, b]), @sum(lines[a, b]))
}
EOF2
# (foreach's order is the order keys were made: sorted to compare)
S() { PYTHONHASHSEED=0 "$PYSCOPE" stap "$@" | LC_ALL=C sort; }
run3 "stap" "$TMP/s" S "$TMP/s.stp" -c "$RUN"
read -r on n r <<<"$(stats "$TMP/s.id.err" | sed 's/identities //')"
[ "$on" = on ] && [ "${n:-0}" -gt 500 ] && pass "stap: names keyed by identity ($n identities)" \
	|| fail "stap: names keyed by identity" "$(cat "$TMP/s.id.err")"

# Not a CPython: tests/target's C markers (short, long, empty, non-ASCII names) are copied.
if [ -x "$TARGET" ]; then
	T='python*:::function-return { @[copyinstr(arg1)] = count(); }'
	PYSCOPE_KAGG_STATS=1 PYSCOPE_KAGG_STRID=1 "$PYSCOPE" dtrace -q -n "$T" -c "$TARGET call:800" >"$TMP/t.id" 2>"$TMP/t.id.err" </dev/null
	PYSCOPE_KAGG=0 "$PYSCOPE" dtrace -q -n "$T" -c "$TARGET call:800" >"$TMP/t.user" 2>&1 </dev/null
	expect_file "C markers: the same counts as in user space" "$TMP/t.user" "$TMP/t.id"
	expect_eq "C markers: no identities (not a CPython)" "identities on 0 0" "$(stats "$TMP/t.id.err")"
else
	skip "C markers" "no $TARGET"
fi

# Two processes, system-wide: names of one text in both (two pids, two addresses) are one key.
cat >"$TMP/sw.d" <<'DS'
BEGIN { printf("ready\n"); }
python*:::function-return { @[copyinstr(arg1)] = count(); }
DS
tok="sw$$"
sysrun() {  # OUT, with the environment given
	"$PYSCOPE" dtrace -q -s "$TMP/sw.d" >"$1" 2>"$1.err" &
	local dp=$!
	track "$dp"
	if ! wait_for "$1" '^ready$'; then
		fail "system-wide: started" "$(cat "$1.err")"
		kill -INT "$dp"
		return
	fi
	"$PY311" "$TMP/work.py" "$tok" 1000 2>/dev/null &
	local a=$!
	"$PY311" "$TMP/work.py" "$tok" 1500 2>/dev/null &
	local b=$!
	track "$a" "$b"
	wait "$a" "$b"
	kill -INT "$dp"
	wait "$dp"
	grep -E "^ +${tok}_" "$1" | sort >"$1.mine"
}
PYSCOPE_KAGG_STATS=1 PYSCOPE_KAGG_STRID=1 sysrun "$TMP/sw.id"
sysrun "$TMP/sw.copy"
expect_eq "system-wide: two processes' names merged (1000 + 1500 calls)" "2500 2500 2500" \
	"$(awk -v t="$tok" '$1 == t "_fn" || $1 == t "_café" || $1 ~ ("^" t "_xxxx") { print $2 }' "$TMP/sw.id.mine" | tr '\n' ' ' | sed 's/ $//')"
[ "$(wc -l <"$TMP/sw.id.mine")" -eq 503 ] && pass "system-wide: every name of both processes (503)" \
	|| fail "system-wide: every name of both processes" "$(wc -l <"$TMP/sw.id.mine") lines"
expect_file "system-wide: identities print what copying prints" "$TMP/sw.copy.mine" "$TMP/sw.id.mine"
read -r on n r <<<"$(stats "$TMP/sw.id.err" | sed 's/identities //')"
[ "$on" = on ] && [ "${n:-0}" -gt 1000 ] && pass "system-wide: both processes keyed by identity ($n identities)" \
	|| fail "system-wide: both processes keyed by identity" "$(cat "$TMP/sw.id.err")"

# The provider's markers (3.12+ has no function markers of its own): the same str buffers.
for m in 10 13; do
	py=$(prov_python "$m") && [ -n "$(prov_so "$m")" ] ||
		{ skip "provider on CPython 3.$m" "no CPython 3.$m without markers, or no provider built"; continue; }
	P="$py $TMP/work.py tk 300"
	PYSCOPE_KAGG_STATS=1 PYSCOPE_KAGG_STRID=1 D -q -s "$TMP/s.d" -c "$P" >"$TMP/p$m.id" 2>"$TMP/p$m.id.err" </dev/null
	D -q -s "$TMP/s.d" -c "$P" >"$TMP/p$m.copy" 2>"$TMP/p$m.copy.err" </dev/null
	[ "$(wc -l <"$TMP/p$m.copy")" -gt 100 ] && pass "provider 3.$m: reference printed" \
		|| fail "provider 3.$m: reference printed" "$(head -5 "$TMP/p$m.copy.err")"
	expect_file "provider 3.$m: identities print what copying prints" "$TMP/p$m.copy" "$TMP/p$m.id"
	read -r on n r <<<"$(stats "$TMP/p$m.id.err" | sed 's/identities //')"
	[ "$on" = on ] && [ "${n:-0}" -gt 300 ] && pass "provider 3.$m: names keyed by identity ($n identities)" \
		|| fail "provider 3.$m: names keyed by identity" "$(cat "$TMP/p$m.id.err")"
done
