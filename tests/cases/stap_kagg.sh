#!/bin/bash
# SystemTap's statistics in the kernel (kagg), live on /usr/bin/python3.11:
#   - `x[keys] <<< v` keyed by user_string($argN), pid(), tid(), execname(), arguments, with
#     @count, @sum, @avg, @min, @max, @hist_log and @hist_linear read in the end probe and
#     foreach sorted by a statistic, prints the same whether the probe body runs in the kernel,
#     in user space (PYSCOPE_KAGG=0), or in the kernel with maps of 2 entries
#     (PYSCOPE_KAGG_ENTRIES=2: hits that find the map full run in user space)
#   - a condition guarding the whole body (`if (cond) x <<< v`) runs in the kernel as a predicate
#   - -v says where each probe body runs; @variance, a statistic read in a timer probe, and a
#     computed key stay in user space
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "stap kagg" || exit 0
need_py311 "stap kagg" || exit 0
S() { PYTHONHASHSEED=0 "$PYSCOPE" stap "$@"; }

cat >"$TMP/work.py" <<'PY'
import json, re
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
class C:
    def m(self, x): return x * 2
for i in range(300):
    sum(gen(10)); catcher(i); C().m(i)
    json.loads(json.dumps({"a": [i, str(i)]}))
    re.sub(r"\d", "x", "a1b2")
PY
RUN="$PY311 $TMP/work.py"
# process.mark: the -c target alone (process(PATH) would see every python3.11 on the machine,
# and another one running beside the test would change the counts of one run only)
M='process.mark'

cat >"$TMP/all.stp" <<EOF2
global calls, lines, lat, lq, byp, neg, hot
probe $M("function__return") { calls[user_string(\$arg2)] <<< 1 }
probe $M("function__return") { lines[user_string(\$arg1), user_string(\$arg2)] <<< \$arg3 }
probe $M("function__return") { lat <<< \$arg3 }
probe $M("function__return") { lq[execname()] <<< \$arg3 }
probe $M("function__entry") { byp[pid(), tid()] <<< \$arg3 }
# a computed value: user space, beside kernel bodies on the same probe
probe $M("function__entry") { neg[\$arg3] <<< 0 - \$arg3 }
probe $M("function__entry") { if (\$arg3 > 20) hot[user_string(\$arg2)] <<< \$arg3 }
probe end {
	foreach (f in calls- limit 12) printf("calls %s %d\n", f, @count(calls[f]))
	foreach ([f, n] in lines) printf("lines %s %s %d %d %d %d %d\n", f, n, @count(lines[f, n]),
		@sum(lines[f, n]), @min(lines[f, n]), @max(lines[f, n]), @avg(lines[f, n]))
	printf("lat %d %d %d %d %d\n", @count(lat), @sum(lat), @min(lat), @max(lat), @avg(lat))
	print(@hist_log(lat))
	foreach (e in lq) print(@hist_linear(lq[e], 0, 200, 20))
	foreach ([p, t] in byp) printf("byp %d %d %d\n", p == pid(), @count(byp[p, t]), @sum(byp[p, t]))
	foreach (l in neg+) printf("neg %d %d %d\n", l, @count(neg[l]), @min(neg[l]))
	print(@hist_log(neg[5]))
	foreach (f in hot) printf("hot %s %d %d %d\n", f, @count(hot[f]), @max(hot[f]), @sum(hot[f]))
}
EOF2
PYSCOPE_KAGG=0 S "$TMP/all.stp" -c "$RUN" >"$TMP/user.out" 2>"$TMP/user.err" </dev/null
S "$TMP/all.stp" -c "$RUN" >"$TMP/kernel.out" 2>"$TMP/kernel.err" </dev/null
S -v "$TMP/all.stp" -c "$RUN" >/dev/null 2>"$TMP/v.err" </dev/null
expect_eq "-v: every probe body but end and a computed value runs in the kernel" "6 kernel, 2 user" \
	"$(grep -c 'runs in kernel$' "$TMP/v.err") kernel, $(grep -c 'runs in user space' "$TMP/v.err") user"
PYSCOPE_KAGG=0 S -v "$TMP/all.stp" -c "$RUN" >/dev/null 2>"$TMP/off.err" </dev/null
expect_eq "PYSCOPE_KAGG=0 keeps every probe body in user space" "0" "$(grep -c 'runs in kernel$' "$TMP/off.err")"
[ -s "$TMP/user.out" ] && [ "$(grep -c '^calls' "$TMP/user.out")" -eq 12 ] && grep -q '^hot ' "$TMP/user.out" &&
	grep -q '@' "$TMP/user.out" && pass "user-space reference printed" \
	|| fail "user-space reference printed" "$(head -5 "$TMP/user.err")"
# An unsorted foreach visits elements in the order they were made, which for a statistic in the
# kernel is the order user space first saw its key (stap itself promises no order): the lines
# are compared sorted; the sorted foreach (calls- limit 12) and the histograms in order.
same() {
	expect_file "$1: sorted foreach and histograms in order" \
		<(grep -v -e '^lines' -e '^byp' -e '^hot' "$TMP/user.out") <(grep -v -e '^lines' -e '^byp' -e '^hot' "$2")
	expect_file "$1: every line" <(sort "$TMP/user.out") <(sort "$2")
}
same "kernel and user space print the same (count, sum, min, max, avg, hist_log, hist_linear)" \
	"$TMP/kernel.out"
PYSCOPE_KAGG_ENTRIES=2 S "$TMP/all.stp" -c "$RUN" >"$TMP/tiny.out" 2>"$TMP/tiny.err" </dev/null
same "a full kernel map (hits it cannot take run in user space)" "$TMP/tiny.out"

# What stays in user space, and why.
cat >"$TMP/user.stp" <<EOF2
global v, t, c
probe $M("function__return") { v[user_string(\$arg2)] <<< \$arg3 }
probe $M("function__return") { t <<< \$arg3 }
probe $M("function__return") { c[\$arg3 * 2] <<< 1 }
probe timer.s(100) { printf("%d\n", @count(t)) }
probe end { foreach (f in v) printf("%s %d\n", f, @variance(v[f])); printf("%d\n", @count(c[2])) }
EOF2
S -v "$TMP/user.stp" -c "$RUN" >/dev/null 2>"$TMP/u.err" </dev/null
expect_eq "@variance, a read outside end, a computed key: user space" \
	"user space (@variance)|user space (a statistic read outside end probes)|user space (a key the kernel cannot compute)" \
	"$(sed -nE 's/^pyscope: probe [1-3] \(line [0-9]+\) runs in (.*)$/\1/p' "$TMP/u.err" | paste -sd'|')"
