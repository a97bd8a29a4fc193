#!/bin/bash
# pyscope profile, live: for each CPython on the machine (Debian's 3.11, pyenv's 3.8-3.13; the
# absent skipped visibly) a program that spends 20/30/50% of its CPU time in spin_a/spin_b/spin_c
# gets each fraction within 5 points; the SVG is well-formed and the speedscope JSON's weights add
# up to the samples. A process that starts and ends threads and then execs another CPython is
# followed through it and neither it nor pyscope fails; a corrupted frame chain gives stacks cut
# (<cut>) or truncated (<truncated>, a cycle), never a hang, and the target survives -- in dump,
# profile and at marker hits (events --stack: the walk jstack() uses).
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "profile" || exit 0
T=$PYSCOPE_ROOT/tests/target

# fraction FILE FUNC: percent of FILE's samples whose stack holds FUNC
fraction() { awk -v f="$2 (" '{n=$NF; t+=n; if (index($0, f)) s+=n} END {printf "%.0f", t ? 100*s/t : -1}' "$1"; }
within() { [ "$1" -ge $(($2 - 5)) ] && [ "$1" -le $(($2 + 5)) ]; }

check_version() {   # check_version LABEL PYTHON
	local label=$1 py=$2
	if [ ! -x "$py" ]; then skip "profile on $label" "no $py"; return; fi
	"$PYSCOPE" profile -F 499 -o "$TMP/p.folded" -c "$py $T/stack_fractions.py 1" 2>"$TMP/err"
	expect_eq "profile on $label: exits with the command's status" 0 "$?"
	local a b c
	a=$(fraction "$TMP/p.folded" spin_a); b=$(fraction "$TMP/p.folded" spin_b); c=$(fraction "$TMP/p.folded" spin_c)
	if within "$a" 20 && within "$b" 30 && within "$c" 50; then
		pass "profile on $label: 20/30/50% within 5 points ($a/$b/$c)"
	else
		fail "profile on $label: 20/30/50% within 5 points" "got $a/$b/$c" "$(head -3 "$TMP/p.folded")"
	fi
	expect_grep "profile on $label: exact lines (spin_a calls burn at line 15)" \
		"main \(.*/stack_fractions.py:29\);spin_a \(.*/stack_fractions.py:15\);burn \(.*/stack_fractions.py:(9|10)\) [0-9]+$" "$TMP/p.folded"
	expect_grep "profile on $label: the summary line" "^pyscope: [0-9]+ samples, 1 process, 0 lost; wrote $TMP/p.folded$" "$TMP/err"
}

check_version python3.11 "$PY311"
for v in 8 9 10 11 12 13; do
	py=$(ls -d "$HOME"/.pyenv/versions/3.$v.*/bin/python3.$v 2>/dev/null | tail -1)
	check_version python3.$v "${py:-/nonexistent/pyenv/python3.$v}"
done

PY=$PY311
[ -x "$PY" ] || PY=$(ls -d "$HOME"/.pyenv/versions/3.1[123].*/bin/python3.1? 2>/dev/null | tail -1)
if [ -z "$PY" ]; then skip "profile formats, churn" "no CPython 3.11+"; exit 0; fi

"$PYSCOPE" profile -o "$TMP/p.svg" -c "$PY $T/stack_fractions.py 1" 2>"$TMP/err"
n=$(sed -n 's/^pyscope: \([0-9]*\) samples.*/\1/p' "$TMP/err")
expect_grep "svg: the title holds the command and the samples" "<text [^>]*>$PY $T/stack_fractions.py 1 \($n samples\)</text>" "$TMP/p.svg"
expect_grep "svg: one frame per function, with its share" "<title>spin_c \(.*:23\) \([0-9]+ samples, [0-9.]+%\)</title>" "$TMP/p.svg"
if command -v xmllint >/dev/null; then
	expect_status "svg: well-formed XML" 0 xmllint --noout "$TMP/p.svg"
else
	skip "svg: well-formed XML" "no xmllint"
fi
"$PYSCOPE" profile -o "$TMP/p.json" -c "$PY $T/stack_fractions.py 1" 2>"$TMP/err"
n=$(sed -n 's/^pyscope: \([0-9]*\) samples.*/\1/p' "$TMP/err")
expect_eq "speedscope: weights add up to the samples, every sample's frames exist" "$n true" \
	"$(jq -r '(.profiles[0].weights | add) as $w | (.shared.frames | length) as $nf
		| "\($w) \([.profiles[0].samples[][] | . < $nf] | all)"' "$TMP/p.json")"
expect_eq "speedscope: frames carry file and line" "spin_a 15" \
	"$(jq -r '.shared.frames[] | select(.name == "spin_a") | "\(.name) \(.line)"' "$TMP/p.json")"

# threads that come and go, then an exec into another CPython (pyenv's 3.12 when there)
py2=$(ls -d "$HOME"/.pyenv/versions/3.12.*/bin/python3.12 2>/dev/null | tail -1)
"$PYSCOPE" profile -F 499 --threads -o "$TMP/c.folded" -c "$PY $T/stack_churn.py 1 ${py2:-$PY}" 2>"$TMP/err"
expect_eq "churn: threads coming and going and an exec: pyscope and the target exit 0" 0 "$?"
expect_grep "churn: short-lived threads sampled, each its own root" "^thread [0-9]+;.*churn_worker \(" "$TMP/c.folded"
expect_grep "churn: the program after the exec is sampled too" "after_exec \(.*stack_churn.py:18\);burn" "$TMP/c.folded"

# a corrupted frame chain (CPython 3.11's frame layout: Debian's python3.11)
if need_py311 "corrupted frame chain"; then
	for mode in cut loop code; do
		rm -f "$TMP/ready"
		"$PY311" "$T/stack_scribble.py" $mode 3 "$TMP/ready" >"$TMP/scr.out" & pid=$!
		track $pid
		wait_until test -e "$TMP/ready"
		timeout 20 "$PYSCOPE" dump -p $pid >"$TMP/dump" 2>&1
		expect_eq "$mode: dump ends" 0 "$?"
		timeout 20 "$PYSCOPE" profile -p $pid -d 1 -o "$TMP/s.folded" 2>"$TMP/err"
		expect_eq "$mode: profile ends" 0 "$?"
		# the kernel's walk at marker hits (events --stack, jstack()): a line marker per line
		timeout 20 "$PYSCOPE" events --stack --markers line -p $pid >"$TMP/ev.$mode" 2>"$TMP/ev.err"
		expect_eq "$mode: events --stack ends with the target" 0 "$?"
		wait $pid
		expect_eq "$mode: the target survives" "0 survived" "$? $(cat "$TMP/scr.out")"
		if [ $mode = cut ]; then
			expect_grep "cut: dump marks the stack cut after the scribbled frame" \
				"^    <cut: the next frame could not be read>$" "$TMP/dump"
			expect_grep "cut: profile roots the stacks at <cut>" \
				"^<cut>;scribbled \(.*stack_scribble.py:(24|25)\) [0-9]+$" "$TMP/s.folded"
			expect_grep "cut: events --stack marks the stack cut after the scribbled frame" \
				"^    <cut: the next frame could not be read>$" "$TMP/ev.$mode"
		elif [ $mode = code ]; then
			expect_grep "code: dump shows a frame whose code is no code object as <unreadable>" \
				"^    <unreadable>$" "$TMP/dump"
			expect_grep "code: profile too, between its neighbours" \
				"^<module> \(.*stack_scribble.py:[0-9]+\);<unreadable>;scribbled \(.*stack_scribble.py:(24|25)\) [0-9]+$" "$TMP/s.folded"
			expect_grep "code: events --stack too" "^    \? \(<unreadable>:0\)$" "$TMP/ev.$mode"
		else
			expect_grep "loop: dump stops at the depth" "^    <truncated at 128 frames>$" "$TMP/dump"
			expect_grep "loop: profile roots the stacks at <truncated>" "^<truncated>;scribbled" "$TMP/s.folded"
			expect_grep "loop: events --stack marks the stack truncated" "^    <truncated>$" "$TMP/ev.$mode"
		fi
	done
fi

# --all: a CPython started after pyscope is found and sampled, each stack rooted at its process
"$PYSCOPE" profile --all -d 4 -o "$TMP/all.folded" 2>"$TMP/all.err" & prof=$!
track $prof
sampler_loaded() { bpftool prog show name pystack_sample 2>/dev/null | grep -q pystack_sample; }
wait_until sampler_loaded
"$PY" "$T/stack_fractions.py" 1.5 & pid=$!
track $pid
wait $pid
wait $prof
expect_eq "--all: ends at -d with 0" 0 "$?"
expect_grep "--all: the late process is sampled, rooted at 'comm (pid)'" \
	"^[^;]* \($pid\);<module> \(.*stack_fractions.py:[0-9]+\);main .*;spin_c \(" "$TMP/all.folded"

# --top: the busiest functions, by own and total samples
"$PY" "$T/stack_fractions.py" 3 & pid=$!
track $pid
wait_exec $pid "$PY"
"$PYSCOPE" profile -p $pid --top -d 2.5 >"$TMP/top" 2>"$TMP/top.err"
expect_eq "--top: ends at -d with 0" 0 "$?"
expect_grep "--top: the header" "pyscope profile --top: [0-9]+ s, [0-9]+ samples in the last second, 0 lost" "$TMP/top"
expect_grep "--top: burn runs most of the time (own), main is always on the stack (total)" \
	"^ +(9[0-9]|100)\.[0-9] +(9[0-9]|100)\.[0-9]  burn \(.*stack_fractions.py\)$" "$TMP/top"
expect_grep "--top: main: no own samples, all in total" "^ +0\.0 +(9[0-9]|100)\.[0-9]  main \(" "$TMP/top"
kill $pid 2>/dev/null

# --idle: threads blocked in Event.wait take no cpu-clock samples; with --idle each is walked from
# user space once per period, its stack ending in <idle>
if need_py311 "--idle"; then
	rm -f "$TMP/exp"
	"$PY311" "$T/stack_threads.py" "$TMP/exp" & pid=$!
	track $pid
	wait_until test -e "$TMP/exp"
	"$PYSCOPE" profile -p $pid -d 1 -o "$TMP/noidle.folded" 2>/dev/null
	expect_eq "without --idle: blocked threads give no samples" 0 "$(wc -l <"$TMP/noidle.folded")"
	"$PYSCOPE" profile -p $pid --idle -F 50 -d 1 -o "$TMP/idle.folded" 2>/dev/null
	expect_eq "--idle: the 4 blocked threads, each stack ending in Condition.wait;<idle: waiting on a lock>" \
		"4" "$(grep -c 'Event.wait (.*);Condition.wait (.*threading.py:[0-9]*);<idle: waiting on a lock> [0-9]*$' "$TMP/idle.folded")"
	expect_eq "--idle: each about HZ samples a second (40 to 50 at -F 50 for 1 s)" "4" \
		"$(awk '$NF >= 40 && $NF <= 50' "$TMP/idle.folded" | wc -l)"
	expect_grep "--idle: the stacks are the threads' own" "^<module> .*;main_wait \(.*stack_threads.py:54\);Event.wait" "$TMP/idle.folded"
	kill $pid
fi

# a -c command that runs no CPython: an empty profile, said so, the command's status
"$PYSCOPE" profile -c "sh -c 'exit 3'" -o "$TMP/none.folded" 2>"$TMP/err"
expect_eq "no CPython in the command: its exit status" 3 "$?"
expect_eq "... said in one line after the summary" \
	"pyscope: 0 samples, 0 processes, 0 lost; wrote $TMP/none.folded
pyscope: the command ran no CPython pyscope knows (3.8 to 3.13): nothing sampled" "$(cat "$TMP/err")"
