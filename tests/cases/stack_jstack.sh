#!/bin/bash
# jstack() in a python$target:::function-entry clause gives the call hierarchy the markers give:
# at each entry into a function of tests/target/jstack_prog.py, the frames of that file in
# jstack()'s output, innermost first, are the functions entered and not yet returned (kept from
# the function-entry and function-return markers), newest first; the entered function is the
# innermost frame, at its def line (where the frame starts). On /usr/bin/python3.11 (markers) and on every
# CPython without markers pyenv has (through pyscope's provider); skipped visibly where absent.
# Then events --stack: the same frames in text and JSON; stap's print_pybacktrace() the same.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/provider.lib"
need_trace "jstack" || exit 0
PROG=$PYSCOPE_ROOT/tests/target/jstack_prog.py
D='python$target:::function-entry /basename(copyinstr(arg0)) == "jstack_prog.py"/ { printf("entry %s\n", copyinstr(arg1)); jstack(); }
python$target:::function-return /basename(copyinstr(arg0)) == "jstack_prog.py"/ { printf("return %s\n", copyinstr(arg1)); }'
# check OUT: every entry's jstack frames of jstack_prog.py are the marker stack; prints "ok N" or
# the first difference
check() {
	python3 - "$1" <<'P'
import re, sys
stack, n, bad = [], 0, None
lines = open(sys.argv[1]).read().split("\n")
i = 0
while i < len(lines) and not bad:
    l = lines[i]; i += 1
    if l.startswith("return "):
        if not stack or stack[-1] != l[7:]:
            bad = "return from %s with %s open" % (l[7:], stack)
        else:
            stack.pop()
    elif l.startswith("entry "):
        stack.append(l[6:])
        frames = []
        i += 1                       # jstack's leading newline
        while i < len(lines) and lines[i].startswith("              ["):
            m = re.match(r"\s+\[ (.*):(\d+) \((.*)\) \]$", lines[i]); i += 1
            if m and m.group(1).endswith("jstack_prog.py"):
                frames.append(m.group(3).split(".")[-1])
        if frames != stack[::-1]:
            bad = "at entry %d: jstack %s, markers %s" % (n + 1, frames, stack[::-1])
        n += 1
print(bad or "ok %d" % n)
P
}
# 3.11: entries <module> top <listcomp> middle leaf middle leaf
run_one() {    # NAME PYTHON
	"$PYSCOPE" dtrace -q -n "$D" -c "$2 $PROG" >"$TMP/out.$1" 2>"$TMP/err.$1"
	local r; r=$(check "$TMP/out.$1")
	if [[ $r == ok* ]] && [ "${r#ok }" -ge 5 ]; then
		pass "$1: jstack() at each of ${r#ok } entries is the markers' call hierarchy"
	else
		fail "$1: jstack() at each entry is the markers' call hierarchy" "$r" "$(head -30 "$TMP/out.$1")" "$(head -5 "$TMP/err.$1")"
	fi
}
if [ -x /usr/bin/python3.11 ]; then
	run_one "python3.11 (markers)" /usr/bin/python3.11
	# events --stack, text: leaf's entry shows the whole chain
	"$PYSCOPE" events --stack --markers function__entry -c "/usr/bin/python3.11 $PROG" >"$TMP/ev" 2>/dev/null
	got=$(awk '/function__entry .*jstack_prog.py leaf /{on=1; next} on && /^    /{sub(/ \(.*\/jstack_prog.py:/, " "); sub(/\)$/, ""); printf "%s|", $0; next} on{exit}' "$TMP/ev")
	expect_eq "events --stack: leaf's stack, innermost first, with lines" \
		"    leaf 7|    middle 12|    top.<locals>.<listcomp> 16|    top 16|    <module> 19|" "$got"
	"$PYSCOPE" events --stack --json --markers function__entry -c "/usr/bin/python3.11 $PROG" >"$TMP/evj" 2>/dev/null
	got=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("str", [None, None])[1] == "leaf":
        print("|".join("%s %d" % (f["func"], f["line"]) for f in o["pystack"])); break' "$TMP/evj")
	expect_eq "events --stack --json: \"pystack\" of leaf's entry" \
		"leaf 7|middle 12|top.<locals>.<listcomp> 16|top 16|<module> 19" "$got"
	"$PYSCOPE" stap -e 'probe process("/usr/bin/python3.11").mark("function__entry") { if (pid() == target() && user_string($arg2) == "leaf") { print_pybacktrace(); exit() } }' \
		-c "/usr/bin/python3.11 $PROG" >"$TMP/stp" 2>"$TMP/stp.err"
	expect_eq "stap print_pybacktrace(): leaf's stack" \
		"leaf middle top.<locals>.<listcomp> top <module>" "$(awk '{printf "%s%s", (NR > 1 ? " " : ""), $1}' "$TMP/stp")"
	# profile-N: the sampled thread's stack (ps_profile walks it too)
	cat >"$TMP/busy.py" <<'P'
import time
def spin(end):
    while time.monotonic() < end:
        pass
def outer():
    spin(time.monotonic() + 1)
outer()
P
	"$PYSCOPE" dtrace -q -n 'profile-97 /pid == $target/ { @[jstack()] = count(); }' -c "/usr/bin/python3.11 $TMP/busy.py" >"$TMP/prof" 2>/dev/null
	read -r n total < <(awk '/busy.py:[34] \(spin\)/{s=1; next} s==1 && /busy.py:6 \(outer\)/{s=2; next} s==2 && /busy.py:7 \(<module>\)/{s=3; next} /^ *[0-9]+$/{t += $1; if (s==3) n += $1} {s=0} END {print n + 0, t + 0}' "$TMP/prof")
	# the machine may be shared: at least 5 samples, and most of them in the busy second
	if [ "$n" -ge 5 ] && [ $((2 * n)) -ge "$total" ]; then
		pass "profile-97 with jstack(): spin < outer < <module> in $n of $total samples"
	else
		fail "profile-97 with jstack(): spin < outer < <module> in most samples" "$n of $total" "$(tail -12 "$TMP/prof")"
	fi
else
	skip "jstack on python3.11 with markers" "no /usr/bin/python3.11"
fi
any=
for m in $PROV_MINORS; do
	py=$(prov_python "$m") || continue
	[ "$m" -ge 8 ] && [ "$m" -le 13 ] || continue
	any=1
	run_one "CPython 3.$m (pyenv, provider)" "$py"
done
[ -n "$any" ] || skip "jstack on a pyenv CPython through the provider" "no pyenv CPython 3.8-3.13 without markers here"
