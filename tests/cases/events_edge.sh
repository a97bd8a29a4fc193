#!/bin/bash
# `pyscope events` at the edges, as a new user meets them: pyscope killed while its -c command
# waits to start, odd targets (a directory, the same pid twice, one bad pid among good ones, no
# Python at all for --all), a stop under heavy load (also while blocked writing to a full pipe),
# JSON that jq accepts whatever the strings hold, strings exactly at strsize, --markers spellings
# and globs, and the human format as `events --help` documents it.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"

# err NAME WANT_STDERR ARGS... — pyscope events ARGS exits 2 with exactly the one line WANT_STDERR.
err() {
	local name=$1 want=$2; shift 2
	"$PYSCOPE" events "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	local rc=$?
	if [ "$rc" -eq 2 ] && [ "$(cat "$TMP/err")" == "$want" ]; then pass "$name"; else
		fail "$name" "exit status $rc (wanted 2)" "expected: $want" "actual:   $(cat "$TMP/err")"; fi
}
# The state letter of process PID ("gone" when there is none).
state() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo gone; return; }
	s=${s##*) }
	echo "${s%% *}"
}

err "-c a directory" "pyscope: cannot run '/tmp': it is a directory" -c /tmp
err "-c an empty command" "pyscope: -c needs a command" -c " "

# The human format is documented in --help: the line, and each marker's arguments.
"$PYSCOPE" events --help >"$TMP/help"
expect_grep "--help: the line format" '^Each line: TIME_NS PID TID CPU MARKER ARG\.\.\.' "$TMP/help"
expect_eq "--help: every marker with its arguments" \
	"function__entry FILENAME FUNCNAME LINENO|function__return FILENAME FUNCNAME LINENO|line FILENAME FUNCNAME LINENO|gc__start GENERATION|gc__done COLLECTED|import__find__load__start MODULE|import__find__load__done MODULE FOUND|audit EVENT ARGS_TUPLE" \
	"$(awk '/^The ARGs/ { on = 1; next } on && /^  / { print $1, $2, $3, $4; next } { on = 0 }' "$TMP/help" |
		sed 's/ *$//; s/ (a$//' | paste -sd'|')"

if ! can_trace; then skip "events edges" "need root and BPF"; exit 0; fi

# pyscope SIGKILLed while the -c command still waits to exec: the command does not wait forever,
# it goes (gone, or a zombie until its new parent reaps it). Caught before exec by stopping
# pyscope as soon as its child exists; a few tries, since the command may win the race.
caught=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
	"$PYSCOPE" events -c "$TARGET call:1" >/dev/null 2>&1 &
	ps=$!
	track "$ps"
	child=
	for _ in $(seq 100000); do
		read -r child _ <"/proc/$ps/task/$ps/children" 2>/dev/null
		[ -n "$child" ] && break
		[ -e "/proc/$ps" ] || break
	done
	kill -STOP "$ps" 2>/dev/null
	if [ -n "$child" ] && [ "$(readlink "/proc/$child/exe")" == "$(readlink -f "$PYSCOPE")" ]; then
		kill -9 "$ps"
		wait "$ps" 2>/dev/null
		track "$child"
		wait_until gone "$child"
		expect_eq "pyscope killed before the -c command execs: the command goes too" "gone" \
			"$(s=$(state "$child"); [[ $s == @(gone|Z) ]] && echo gone || echo "$s")"
		caught=1
		break
	fi
	kill -CONT "$ps" 2>/dev/null
	wait "$ps" 2>/dev/null
done
[ "$caught" = 1 ] || skip "pyscope killed before the -c command execs" "never caught the command before exec"

# -p the same process twice is one process: each hit once.
"$TARGET" wait:"$TMP/go1" call:3 &
t=$!
track "$t"
wait_exec "$t" "$TARGET"
"$PYSCOPE" events -p "$t" -p "$t" --markers function__entry >"$TMP/dup" 2>"$TMP/dup.err" &
tracer=$!
track "$tracer"
wait_for "$TMP/dup.err" tracing
touch "$TMP/go1"
wait "$t"
wait "$tracer"
expect_eq "-p PID -p PID: each hit once" "0 1 2" "$(awk '{ print $NF }' "$TMP/dup" | xargs)"

# -p with one bad pid among good ones: nothing traced, one line, exit 2.
"$TARGET" sleep:30000 &
good=$!
track "$good"
/bin/true & gone=$!
wait "$gone"
err "-p GOOD -p GONE: one line naming the bad pid" "pyscope: no process with pid $gone" -p "$good" -p "$gone"
kill "$good"; wait "$good" 2>/dev/null

# --all when the machine has no Python with markers: an empty /usr/bin and PATH, in a mount
# namespace of its own.
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	unshare -m /bin/bash -c "mount -t tmpfs none /usr/bin && PATH=/nonexistent exec '$PYSCOPE' events --all" \
		>"$TMP/out" 2>"$TMP/err"
	expect_eq "--all, no Python found: one line, exit 2" \
		"2 pyscope: found no Python with markers (python3 and python3.* on PATH, in /usr/local/bin and /usr/bin); name one: --all BINARY" \
		"$? $(cat "$TMP/err")"
else
	skip "--all, no Python found" "no unshare -m"
fi

# Stop under heavy load: what was captured is drained and printed, the summary counts it.
"$PYSCOPE" events -c "$TARGET call:100000000" >"$TMP/heavy" 2>"$TMP/heavy.err" &
p=$!
track "$p"
wait_until test "$(stat -c %s "$TMP/heavy")" -gt 5000000
read -r child _ <"/proc/$p/task/$p/children"
track "$child"
kill -INT "$p"
wait "$p"
expect_eq "Ctrl-C under heavy load: exit 0" 0 "$?"
kill "$child" 2>/dev/null
read -r events lost < <(tail -1 "$TMP/heavy.err" | sed -E 's/^pyscope: ([0-9]+) events, ([0-9]+) lost$/\1 \2/')
expect_eq "Ctrl-C under heavy load: every event counted was printed, whole lines" \
	"$events $events" "$(wc -l <"$TMP/heavy") $(grep -Ec '^[0-9]+ [0-9]+ [0-9]+ [0-9]+ function__(entry|return) sdt_target\.c .+ [0-9]+$' "$TMP/heavy")"

# ... and while pyscope is blocked writing to a full pipe: the stop must not cut that write short.
F=$TMP/fifo
mkfifo "$F"
exec 3<>"$F" 4<"$F" 5>"$F" 3>&-
head -c 65536 /dev/zero | tr '\0' x >&5        # the pipe full: pyscope's first write blocks
"$PYSCOPE" events --json -c "$TARGET call:100000000" >"$F" 2>"$TMP/pipe.err" 4<&- 5>&- &
p=$!
track "$p"
exec 5>&-
sc=
# (blocked: in write, or in the poll its stop-aware output waits in: syscalls 1 and 7 on x86-64)
in_write() { read -r sc _ <"/proc/$p/syscall" && { [ "$sc" = 1 ] || [ "$sc" = 7 ]; }; }
wait_until in_write
read -r child _ <"/proc/$p/task/$p/children"
track "$child"
kill -INT "$p"
# let the signal land while it is blocked: nothing pending any more, and back in write(2)
delivered() { ! grep -Eq '^(SigPnd|ShdPnd):.*[1-9a-f]' "/proc/$p/status" && in_write; }
wait_until delivered
{ head -c 65536 >/dev/null; cat; } <&4 >"$TMP/pipe.json" &
r=$!
track "$r"
exec 4<&-
wait "$p"
rc=$?
wait "$r"
kill "$child" 2>/dev/null
if [ "$sc" = 1 ] || [ "$sc" = 7 ]; then
	read -r events lost < <(tail -1 "$TMP/pipe.err" | sed -E 's/^pyscope: ([0-9]+) events, ([0-9]+) lost$/\1 \2/')
	expect_eq "Ctrl-C while blocked on a full pipe: exit 0, nothing dropped, valid JSON to the end" \
		"0 $events true" \
		"$rc $(grep -c '"probe"' "$TMP/pipe.json") $(jq -s '.[-1].end.events == (map(select(.probe)) | length)' "$TMP/pipe.json")"
else
	skip "Ctrl-C while blocked on a full pipe" "pyscope never blocked in write"
fi

# JSON for odd strings: quotes, backslashes, control bytes, DEL, a tab, bytes that are not UTF-8,
# and UTF-8 of 2, 3 and 4 bytes. jq reads every line; the bytes that are not UTF-8 are \u00XX.
ODD=$'q"u\\o\x01\x1f\x7f\t\xff\xc3(\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 end'
"$PYSCOPE" events --json --markers function__entry -c "$TARGET 'name:$ODD'" >"$TMP/odd.json" 2>/dev/null
expect_eq "--json, odd strings: as JSON" \
	'["sdt_target.c","q\"u\\o\u0001\u001f\u007f\t\u00ff\u00c3(é€😀 end",null]' \
	"$(grep -o '"str":\[[^]]*\]' "$TMP/odd.json" | sed 's/^"str"://')"
expect_eq "--json, odd strings: jq reads every line" "2" "$(jq -c . "$TMP/odd.json" | wc -l)"
"$PYSCOPE" events --markers function__entry -c "$TARGET 'name:$ODD'" >"$TMP/odd.txt" 2>/dev/null
expect_eq "human, odd strings: quoted JSON-style, one line" \
	'function__entry sdt_target.c "q\"u\\o\u0001\u001f\u007f\t\u00ff\u00c3(é€😀 end" 0' \
	"$(cut -d' ' -f5- "$TMP/odd.txt")"
# A cut through a multi-byte character, and a comm holding a quote and a control byte.
"$PYSCOPE" events --json --strsize 4 --markers function__entry -c "$TARGET name:é€" >"$TMP/cut.json" 2>/dev/null
expect_eq "--json, a string cut inside a UTF-8 character: \\u00XX for the stray byte, and jq reads it" \
	'"str":["sdt","é\u00e2",null],"cut":[0,1] 2' \
	"$(grep -o '"str":.*\]' "$TMP/cut.json") $(jq -c . "$TMP/cut.json" | wc -l)"
ODDEXE=$TMP/$'a"b\x01c'
cp "$TARGET" "$ODDEXE"
"$PYSCOPE" events --json --markers function__entry -c "'$ODDEXE' call:1" >"$TMP/comm.json" 2>/dev/null
expect_eq "--json, a comm with a quote and a control byte" '"a\"b\u0001c"' "$(jq -c 'select(.probe) | .comm' "$TMP/comm.json")"

# A string the process's memory does not give: null in JSON, its pointer in hex in human lines.
"$PYSCOPE" events --markers function__entry -c "$TARGET fault" >"$TMP/fault" 2>/dev/null
expect_eq "human: an unreadable string shows as its pointer, in hex" "function__entry sdt_target.c 0x10 0" \
	"$(cut -d' ' -f5- "$TMP/fault")"
"$PYSCOPE" events --json --markers function__entry -c "$TARGET fault" >"$TMP/fault.json" 2>/dev/null
expect_eq "--json: an unreadable string is null, its pointer in args" '["sdt_target.c",null,null] 16' \
	"$(jq -r 'select(.probe) | "\(.str | tojson) \(.args[1])"' "$TMP/fault.json")"

# Strings exactly at strsize (NUL included): strsize-1 characters are whole, strsize are cut.
lens() { awk '{ s = $7; c = sub(/\.\.\.$/, "", s); printf "%s%d%s", (NR > 1 ? " " : ""), length(s), c ? "cut" : "" }' "$1"; }
"$PYSCOPE" events --strsize 4096 --markers function__entry -c "$TARGET long:4095 long:4096 long:9000" >"$TMP/s4096" 2>/dev/null
expect_eq "--strsize 4096: 4095 whole, 4096 and 9000 cut to 4095" "4095 4095cut 4095cut" "$(lens "$TMP/s4096")"
"$PYSCOPE" events --strsize 2 --markers function__entry -c "$TARGET long:1 long:2 name:" >"$TMP/s2" 2>/dev/null
expect_eq "--strsize 2: 1 whole, 2 cut to 1, empty stays empty" 'x|x...|""' "$(awk '{ print $7 }' "$TMP/s2" | paste -sd'|')"

# --markers: both spellings, globs, provider part; the same marker named twice is traced once.
OPS="call:1 gc:0:0 import:m:1 audit:e"
sel() { "$PYSCOPE" events --markers "$1" -c "$TARGET $OPS" 2>/dev/null | awk '{ print $5 }' | xargs; }
expect_eq "--markers function-*" "function__entry function__return" "$(sel 'function-*')"
expect_eq "--markers '*-done'" "gc__done import__find__load__done" "$(sel '*-done')"
expect_eq "--markers '*__start'" "gc__start import__find__load__start" "$(sel '*__start')"
expect_eq "--markers 'python:import-*'" "import__find__load__start import__find__load__done" "$(sel 'python:import-*')"
expect_eq "--markers ':audit' (any provider)" "audit" "$(sel ':audit')"
expect_eq "--markers 'gc-start,gc__start,gc*start': one marker, each hit once" "gc__start" "$(sel 'gc-start,gc__start,gc*start')"
expect_eq "--markers '[ai]*'" "import__find__load__start import__find__load__done audit" "$(sel '[ai]*')"
err "--markers with another provider" \
	"pyscope: no marker matches 'perl:*'; markers: function__entry, function__return, line, gc__start, gc__done, import__find__load__start, import__find__load__done, audit" \
	--markers 'perl:*' -c "$TARGET call:1"
