#!/bin/bash
# D golden tests, no kernel needed: every tests/golden/d/NAME.d runs on a recorded stream with
# `pyscope dtrace --replay` and must print exactly NAME.out.
#   - the stream is NAME.events if it exists, else prog.events (see record.sh)
#   - call_stack.d is the project's own script in the layout of the page's call_stack.d (the page's
#     own script runs only in dtrace_live, when ../shared is present); call_stack_long.d links to it
#   - a first line "/* dtrace: ARGS */" gives the command-line options (default: -q)
#   - NAME.err, when present, is the exact expected stderr; NAME.status the exit status (else 0)
# err.NAME.d files are compile errors: stderr must be exactly err.NAME.err, the status 2, and
# nothing may be printed on stdout.
source "$(dirname "$0")/../lib.sh"
G=$PYSCOPE_ROOT/tests/golden/d
cd "$G" || exit 1
for d in *.d; do
	name=${d%.d}
	events=prog.events
	[ -f "$name.events" ] && events=$name.events
	args=-q
	first=$(head -1 "$d")
	if [[ $first =~ ^/\*\ dtrace:\ (.*)\ \*/$ ]]; then
		eval "args=(${BASH_REMATCH[1]})"
	else
		args=(-q)
	fi
	"$PYSCOPE" dtrace -s "$d" --replay "$events" "${args[@]}" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [[ $name == err.* ]]; then
		if [ ! -f "$name.err" ]; then fail "$name" "missing $name.err"; continue; fi
		if [ "$rc" -ne 2 ]; then fail "$name" "exit status $rc, wanted 2" "$(cat "$TMP/err")"; continue; fi
		if [ -s "$TMP/out" ]; then fail "$name" "printed on stdout:" "$(head -5 "$TMP/out")"; continue; fi
		expect_file "$name" "$name.err" "$TMP/err"
		continue
	fi
	want=0
	[ -f "$name.status" ] && want=$(cat "$name.status")
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit status $rc, wanted $want" "$(head -5 "$TMP/err")"
		continue
	fi
	if [ -f "$name.err" ]; then
		if ! diff -u "$name.err" "$TMP/err" >"$TMP/diff"; then fail "$name (stderr)" "$(head -40 "$TMP/diff")"; continue; fi
	elif [ -s "$TMP/err" ]; then
		fail "$name" "unexpected stderr:" "$(head -5 "$TMP/err")"
		continue
	fi
	expect_file "$name" "$name.out" "$TMP/out"
done
