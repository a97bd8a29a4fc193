#!/bin/bash
# Threads marked by what they wait for (CPython 3.11+, whose thread states carry the kernel's
# thread id; told from /proc's state and the system call each is blocked in): `pyscope dump` says
# "waiting for the GIL" for a thread that competes for it with another CPU-bound one, "waiting on
# a lock" for Lock.acquire, "in clock_nanosleep" for time.sleep, "in read" for os.read; profile
# --idle ends such stacks in <idle: ...> the same way. On /usr/bin/python3.11 and pyenv's 3.12 and
# 3.13 where present (skipped visibly where absent).
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
need_trace "GIL and idle marking" || exit 0
PROG=$PYSCOPE_ROOT/tests/target/stack_gil.py
one() {    # NAME PYTHON
	local name=$1 py=$2 pid i gil=0 st
	rm -f "$TMP/ready"
	"$py" "$PROG" "$TMP/ready" & pid=$!
	track $pid
	wait_until test -s "$TMP/ready" || { fail "$name: the target starts"; kill $pid; return; }
	declare -A tid
	for kv in $(cat "$TMP/ready"); do tid[${kv%=*}]=${kv#*=}; done
	state() { sed -n "s/^Thread $1 (\(.*\))\$/\1/p" "$TMP/dump"; }
	# the two spinners take turns: over a few dumps, each is seen waiting for the GIL
	for i in $(seq 20); do
		"$PYSCOPE" dump -p $pid >"$TMP/dump" 2>&1
		for s in spin_1 spin_2; do
			[ "$(state "${tid[$s]}")" = "waiting for the GIL" ] && gil=$((gil + 1))
		done
	done
	if [ "$gil" -ge 5 ]; then
		pass "$name: dump: a CPU-bound thread waiting for its turn is 'waiting for the GIL' ($gil of 40 looks)"
	else
		fail "$name: dump: a CPU-bound thread waiting for its turn is 'waiting for the GIL'" "$gil of 40 looks" "$(cat "$TMP/dump")"
	fi
	expect_eq "$name: dump: Lock.acquire is 'waiting on a lock'" "waiting on a lock" "$(state "${tid[locked]}")"
	expect_eq "$name: dump: time.sleep is 'in clock_nanosleep'" "in clock_nanosleep" "$(state "${tid[sleeper]}")"
	expect_eq "$name: dump: os.read is 'in read'" "in read" "$(state "${tid[reader]}")"
	"$PYSCOPE" profile -p $pid --idle --threads -F 50 -d 1 -o "$TMP/idle.folded" 2>/dev/null
	expect_grep "$name: profile --idle: Lock.acquire's stack ends in <idle: waiting on a lock>" \
		"^thread ${tid[locked]};.*locked \(.*\);<idle: waiting on a lock> [0-9]+$" "$TMP/idle.folded"
	expect_grep "$name: profile --idle: os.read's stack ends in <idle: in read>" \
		"^thread ${tid[reader]};.*reader \(.*\);<idle: in read> [0-9]+$" "$TMP/idle.folded"
	expect_grep "$name: profile --idle: a spinner's stack ends in <idle: waiting for the GIL> at times" \
		"^thread (${tid[spin_1]}|${tid[spin_2]});.*spin \(.*\);<idle: waiting for the GIL> [0-9]+$" "$TMP/idle.folded"
	kill $pid
	wait $pid 2>/dev/null
	return 0
}
if [ -x /usr/bin/python3.11 ]; then one "python3.11" /usr/bin/python3.11; else skip "GIL marking on /usr/bin/python3.11" "absent"; fi
for m in 12 13; do
	py=$(ls "$HOME"/.pyenv/versions/3.$m.*/bin/python3.$m 2>/dev/null | head -1)
	if [ -x "$py" ]; then one "CPython 3.$m (pyenv)" "$py"; else skip "GIL marking on CPython 3.$m" "no pyenv 3.$m"; fi
done
