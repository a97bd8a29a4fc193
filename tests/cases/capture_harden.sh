#!/bin/bash
# kind: live
# Hardening of capture, events, list and the stop path: the one list of the machine's Pythons,
# control bytes from crafted notes escaped, clear messages for processes that are gone, zombies
# or out of reach, drops not pinned on a CPU they did not happen on, and stops that always work:
# a stalled reader of the output, SIGHUP and SIGPIPE, the fastest ticks (tick-5000hz). Mostly live.
source "$(dirname "$0")/../lib.sh"
CASES=$PYSCOPE_ROOT/tests/cases
# stops_within NAME SECONDS SIG PID — SIG ends process PID within SECONDS (one result named NAME);
# one still running ~10 s after the signal is ended with SIGKILL.
stops_within() {
	local name=$1 secs=$2 sig=$3 p=$4 t0 ms
	t0=$(date +%s%N)
	kill "-$sig" "$p"
	wait_gone "$p"
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "$name: $ms ms"
	if alive "$p"; then fail "$name" "still running $ms ms after SIG$sig"; kill -9 "$p"
	elif [ "$ms" -le $((secs * 1000)) ]; then pass "$name"
	else fail "$name" "$ms ms"; fi
}
# slept_at_least N PID — process PID has gone to sleep N times (voluntary context switches): a
# loop that sleeps toward each next tick has been running for a while.
slept_at_least() { [ "$(sed -n 's/^voluntary_ctxt_switches:\s*//p' "/proc/$2/status")" -ge "$1" ]; }
ZERO="function__entry=0 function__return=0 line=0 gc__start=0 gc__done=0 import__find__load__start=0 import__find__load__done=0 audit=0"

# ---- no kernel needed ----

# A crafted object whose notes carry an escape sequence, a bell and a C1 control (U+0085).
python3 "$CASES/list_mkelf.py" good64 "$TMP/g64"
python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
assert b.count(b"myapp\0no_sem\0") == 1
open(sys.argv[2], "wb").write(b.replace(b"myapp\0no_sem\0", b"\x1b[31m\0a\x07b\xc2\x85c\0"))' "$TMP/g64" "$TMP/evil"
"$PYSCOPE" list "$TMP/evil" >"$TMP/evil.out" 2>&1
expect_eq "list: control bytes of a crafted note are escaped" \
	'\x1b[31m  a\x07b\xc2\x85c  a\x07b\xc2\x85c  0x401030  -          -           -                      -' \
	"$(tail -1 "$TMP/evil.out" | sed 's/^  //')"
expect_eq "list: no raw control byte anywhere in the output" "0" "$(LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]' "$TMP/evil.out")"
"$PYSCOPE" list --json "$TMP/evil" >"$TMP/evil.json"
expect_eq "list --json: the same strings as JSON escapes (C1 too)" \
	'{"path":"'"$TMP"'/evil","provider":"\u001b[31m","name":"a\u0007b\u0085c","dtrace_name":"a\u0007b\u0085c"' \
	"$(tail -1 "$TMP/evil.json" | grep -o '^.*"dtrace_name":"[^"]*"')"

# A replayed drop says how many, and claims no CPU (the recording does not say which).
cat >"$TMP/lost.events" <<'EOF2'
{"ts":1000,"pid":7,"tid":7,"cpu":1,"comm":"python3.11","probe":"python:gc__start","module":"python3.11","function":"-","args":[0],"str":[null],"cut":[]}
{"lost":3}
{"end":{"events":1,"lost":3}}
EOF2
"$PYSCOPE" dtrace -q -n 'python*:::gc-start { printf("gc\n"); }' --replay "$TMP/lost.events" >"$TMP/lost.out" 2>"$TMP/lost.err"
expect_eq "replayed drops: 'dtrace: 3 drops', no CPU claimed" "dtrace: 3 drops" "$(cat "$TMP/lost.err")"

# BEGIN and ticks only, the fastest ticks (tick-5000hz): SIGINT still ends it, END runs.
# (the signal comes once its tick loop has slept 500 times: the ticks are running)
"$PYSCOPE" dtrace -q -n 'tick-5000hz { n++; } END { printf("end\n"); }' >"$TMP/t.out" 2>"$TMP/t.err" &
p=$!
track "$p"
wait_until slept_at_least 500 "$p" || fail "tick-5000hz without markers: the ticks run" "$(cat "$TMP/t.err")"
stops_within "tick-5000hz without markers: SIGINT ends it within 5 s" 5 INT "$p"
wait "$p"
expect_eq "tick-5000hz without markers: exit 0, END ran" "0 end" "$? $(cat "$TMP/t.out")"

if ! can_trace; then skip "live hardening" "needs root and BPF"; exit 0; fi

# ---- live ----

# The one list of Pythons: a copy of python3.11 in a PATH folder, under a name that is not
# python3, is found by the hint after "no python markers", by --all and by list alike.
if [ -x "$PY311" ]; then
	mkdir -p "$TMP/bin"
	cp "$PY311" "$TMP/bin/python3.77"
	PATH="$TMP/bin:/usr/bin:/bin" "$PYSCOPE" events -c /bin/true >/dev/null 2>"$TMP/hint"
	expect_eq "pythons: the hint names the PATH folder's Python too" \
		"pyscope: no python markers in /bin/true (built without --with-dtrace?); these have them: $TMP/bin/python3.77, /usr/bin/python3.11" \
		"$(cat "$TMP/hint")"
	PATH="$TMP/bin:/usr/bin:/bin" "$PYSCOPE" list >"$TMP/mlist" 2>&1
	expect_grep "pythons: list shows it" "^$TMP/bin/python3.77  \(ET_EXEC, 8 markers\)$" "$TMP/mlist"
	PATH="$TMP/bin:/usr/bin:/bin" "$PYSCOPE" dtrace -l -n 'python*:::gc-start' >"$TMP/dl" 2>&1
	expect_eq "pythons: dtrace without a target covers it and /usr/bin's" \
		"$(printf 'python3.77\npython3.11\n')" "$(awk 'NR > 1 { print $3 }' "$TMP/dl")"
else
	skip "pythons: one list" "no $PY311"
fi

# -p on a zombie and on a kernel thread: say so (not "no markers").
# (a parent that never reaps its child: no race with a shell's reaping)
python3 -c 'import os, time
pid = os.fork()
if pid == 0:
    os._exit(0)
print(pid, flush=True)
time.sleep(60)' >"$TMP/zpid" &
zparent=$!
track "$zparent"
zombie_in() { local z; z=$(cat "$1") && [ -n "$z" ] && grep -q '^State:.Z' "/proc/$z/status"; }
wait_until zombie_in "$TMP/zpid" || fail "-p ZOMBIE: a zombie to look at" "$(cat "$TMP/zpid")"
z=$(cat "$TMP/zpid")
expect_status "-p ZOMBIE: exit 2" 2 "$PYSCOPE" events -p "$z"
expect_eq "-p ZOMBIE: events says it is a zombie" \
	"pyscope: process $z is a zombie (it has exited; its parent has not reaped it yet)" "$(cat "$TMP/err")"
"$PYSCOPE" dtrace -n 'python$target:::gc-start {}' -p "$z" >/dev/null 2>"$TMP/err"
expect_eq "-p ZOMBIE: dtrace says it too" \
	"pyscope: process $z is a zombie (it has exited; its parent has not reaped it yet)" "$(cat "$TMP/err")"
expect_status "list -p ZOMBIE: exit 2" 2 "$PYSCOPE" list -p "$z"
expect_eq "list -p ZOMBIE: says it is a zombie (not 'built without --with-dtrace')" \
	"pyscope: process $z is a zombie (it has exited; its parent has not reaped it yet)" "$(cat "$TMP/err")"
kill "$zparent"; wait "$zparent" 2>/dev/null
expect_status "list -p 2 (kthreadd): exit 1" 1 "$PYSCOPE" list -p 2
expect_eq "list -p 2 (kthreadd): a kernel thread" "pyscope: process 2 is a kernel thread" "$(cat "$TMP/err")"
"$PYSCOPE" events -p 2 >/dev/null 2>"$TMP/err"
expect_eq "-p 2 (kthreadd): a kernel thread" "pyscope: process 2 is a kernel thread" "$(cat "$TMP/err")"

# A process that exits while pyscope attaches: one pyscope line, never libbpf's text.
for i in $(seq 15); do
	"$TARGET" sleep:$((i * 3)) &
	t=$!
	track "$t"
	"$PYSCOPE" events -p "$t" >/dev/null 2>>"$TMP/race.err" &
	tr=$!
	track "$tr"
	wait "$t"
	WAIT_S=3 wait_gone "$tr" || kill -INT "$tr"
	wait "$tr"
done
sort "$TMP/race.err" | uniq -c | sed 's/^/race: /'     # (in the log: which outcomes the runs had)
expect_eq "attach racing an exit: no libbpf text, only pyscope's lines" "" \
	"$(grep -Ev '^pyscope: (tracing; Ctrl-C to stop|[0-9]+ events, 0 lost|no process with pid [0-9]+|no python markers in process [0-9]+ \(.*\)|process [0-9]+ (has exited|is a zombie .*|is exiting|exited while pyscope attached to it))$' "$TMP/race.err")"

# list -p of a process root cannot read here (pid 1 in some sandboxes): not "run as root".
if [ "$(id -u)" = 0 ] && ! cat /proc/1/maps >/dev/null 2>&1; then
	"$PYSCOPE" list -p 1 >/dev/null 2>"$TMP/err"
	expect_eq "list -p 1 denied to root: says why, not 'run as root'" "" "$(grep 'run as root' "$TMP/err")"
	expect_grep "list -p 1 denied to root: one line" '^pyscope: cannot read /proc/1/maps: Permission denied \(.*root.*\)$' "$TMP/err"
else
	skip "list -p 1 denied to root" "pid 1's maps are readable here"
fi

# events --json: each lost line says on which CPU the records were lost.
"$PYSCOPE" events --json --ring-kb 4 -c "$TARGET call:100000" >"$TMP/lost.json" 2>/dev/null
expect_eq "lost lines name a CPU that exists" "true" \
	"$(jq -s --argjson n "$(nproc --all)" '[.[] | select(.lost) | .cpu >= 0 and .cpu < $n] | length > 0 and all' "$TMP/lost.json")"

# A stalled reader of the output: SIGINT and SIGTERM still end pyscope within seconds, and the
# semaphores go back to 0. The fifo is held open for reading but never read.
stalled() {
	local sig=$1
	"$TARGET" sems spin:60 >"$TMP/sems.$sig" &
	local target=$!
	track "$target"
	wait_for "$TMP/sems.$sig" '^function__entry='
	mkfifo "$TMP/fifo.$sig"
	exec 7<>"$TMP/fifo.$sig"
	"$PYSCOPE" events -p "$target" >"$TMP/fifo.$sig" 2>"$TMP/stall.$sig.err" &
	local p=$!
	track "$p"
	wait_for "$TMP/stall.$sig.err" tracing
	# until the pipe is full and pyscope waits on it
	wait_until in_syscall "$p" poll write ||
		fail "stalled reader, SIG$sig: pyscope waits on the full pipe" "$(cat "/proc/$p/syscall")"
	stops_within "stalled reader, SIG$sig: pyscope ends within 5 s" 5 "$sig" "$p"
	wait "$p"
	expect_eq "stalled reader, SIG$sig: exit 0, says the output was cut short" \
		"0 pyscope: output cut short: its reader stopped reading" "$? $(grep 'cut short' "$TMP/stall.$sig.err")"
	exec 7<&-
	kill -USR1 "$target"
	wait_until lines_at_least 2 "$TMP/sems.$sig"
	expect_eq "stalled reader, SIG$sig: every semaphore back to 0" "$ZERO" "$(sed -n 2p "$TMP/sems.$sig")"
	kill "$target"; wait "$target" 2>/dev/null
}
stalled INT
stalled TERM

# SIGHUP and SIGPIPE end the trace like SIGINT: the -c command is ended too.
# cmd_of PID: the -c command pyscope PID started.
for sig in HUP PIPE; do
	"$PYSCOPE" events -c "$TARGET spin:60" >"$TMP/s.out" 2>"$TMP/s.err" &
	p=$!
	track "$p"
	wait_for "$TMP/s.out" 'function__entry sdt_target.c spin 1'
	child=$(first_child "$p")
	[ -n "$child" ] && track "$child" || fail "SIG$sig: the -c command is running"
	kill "-$sig" "$p"
	wait "$p"
	expect_eq "SIG$sig: exit 0 with the summary" "0 1" "$? $(grep -Ec '^pyscope: [0-9]+ events, 0 lost$' "$TMP/s.err")"
	if [ -n "$child" ] && alive "$child"; then
		fail "SIG$sig: the -c command is ended too" "$(ps -o pid,stat,args -p "$child")"; kill "$child"
	else pass "SIG$sig: the -c command is ended too"; fi
done

# A reader that goes away (| head): pyscope stops quietly and ends the command.
mkfifo "$TMP/headfifo"
head -3 <"$TMP/headfifo" >"$TMP/head.out" &
h=$!
track "$h"
"$PYSCOPE" events -c "$TARGET spin:60" >"$TMP/headfifo" 2>"$TMP/head.err" &
p=$!
track "$p"
wait_until has_child "$p"
child=$(first_child "$p")
[ -n "$child" ] && track "$child" || fail "| head: the -c command is running"
wait "$h"
wait_gone "$p" || { fail "| head: pyscope ends"; kill -9 "$p"; }
wait "$p"
expect_eq "| head: exit 0, only the summary on stderr" "0 pyscope:" "$? $(grep -v '^pyscope: [0-9]* events, 0 lost$' "$TMP/head.err" | wc -l | sed 's/^0$/pyscope:/')"
if [ -n "$child" ] && alive "$child"; then fail "| head: the -c command is ended too"; kill "$child"
else pass "| head: the -c command is ended too"; fi

# The same for dtrace: a reader that goes away, and one that stalls.
mkfifo "$TMP/dheadfifo"
head -2 <"$TMP/dheadfifo" >"$TMP/dhead.out" &
h=$!
track "$h"
"$PYSCOPE" dtrace -q -n 'python$target:::function-entry { printf("%s\n", copyinstr(arg1)); }' \
	-c "$TARGET spin:60" >"$TMP/dheadfifo" 2>"$TMP/dhead.err" &
p=$!
track "$p"
wait_until has_child "$p"
child=$(first_child "$p")
[ -n "$child" ] && track "$child" || fail "dtrace | head: the -c command is running"
wait "$h"
wait_gone "$p" || { fail "dtrace | head: pyscope ends"; kill -9 "$p"; }
wait "$p"
expect_eq "dtrace | head: exit 0, nothing on stderr, head got its lines" "0  spin spin" \
	"$? $(cat "$TMP/dhead.err") $(cat "$TMP/dhead.out" | paste -sd' ')"
if [ -n "$child" ] && alive "$child"; then fail "dtrace | head: the -c command is ended too"; kill "$child"
else pass "dtrace | head: the -c command is ended too"; fi

mkfifo "$TMP/dstall"
exec 7<>"$TMP/dstall"
"$PYSCOPE" dtrace -q -n 'python$target:::function-entry { printf("%s %s\n", copyinstr(arg0), copyinstr(arg1)); }' \
	-c "$TARGET call:100000000" >"$TMP/dstall" 2>"$TMP/dstall.err" &
p=$!
track "$p"
wait_until in_syscall "$p" poll write ||
	fail "dtrace, stalled reader: dtrace waits on the full pipe" "$(cat "/proc/$p/syscall")"
child=$(first_child "$p")
[ -n "$child" ] && track "$child" || fail "dtrace, stalled reader: the -c command is running"
stops_within "dtrace, stalled reader: SIGINT ends it within 7 s" 7 INT "$p"
wait "$p"
expect_eq "dtrace, stalled reader: says the output was cut short" \
	"pyscope: output cut short: its reader stopped reading" "$(grep 'cut short' "$TMP/dstall.err")"
exec 7<&-
if [ -n "$child" ] && alive "$child"; then fail "dtrace, stalled reader: the -c command is ended too"; kill "$child"
else pass "dtrace, stalled reader: the -c command is ended too"; fi

# Live tick-5000hz beside markers: SIGINT ends it. (It comes once both have fired: the first
# entry and the 500th tick print a line, which dtrace shows within 200 ms while it traces.)
"$TARGET" spin:60 >"$TMP/lt.target" &
target=$!
track "$target"
wait_exec "$target" "$TARGET"
"$PYSCOPE" dtrace -q -n 'python$target:::function-entry { n++; } python$target:::function-entry /n == 1/ { printf("entry\n"); }
	tick-5000hz { t++; } tick-5000hz /t == 500/ { printf("ticking\n"); } END { printf("end\n"); }' \
	-p "$target" >"$TMP/lt.out" 2>"$TMP/lt.err" &
p=$!
track "$p"
{ wait_for "$TMP/lt.out" '^entry$' && wait_for "$TMP/lt.out" '^ticking$'; } ||
	fail "live tick-5000hz: markers and ticks both fire" "$(cat "$TMP/lt.out" "$TMP/lt.err")"
stops_within "live tick-5000hz: SIGINT ends it within 5 s" 5 INT "$p"
wait "$p"
expect_eq "live tick-5000hz: exit 0, END ran last" "0 end" "$? $(tail -1 "$TMP/lt.out")"
kill "$target"; wait "$target" 2>/dev/null
exit 0
