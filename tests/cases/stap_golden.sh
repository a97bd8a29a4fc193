#!/bin/bash
# SystemTap golden tests, no kernel needed: every tests/golden/stp/NAME.stp runs with
# `pyscope stap` on a recorded stream and must print exactly NAME.out.
#   - the stream is NAME.events if it exists, else prog.events (the D goldens' recordings, with
#     the markers' argument counts and path added to their probe lists)
#   - a first line "# stap: ARGS" gives the options (e.g. -I tapset_page, -G x=1) and script
#     arguments ("-- a b": $1 $2)
#   - NAME.err, when present, is the exact expected stderr; NAME.status the exit status (else 0)
# err.NAME.stp files are compile errors: stderr must be exactly err.NAME.err, the status 2, and
# nothing may be printed on stdout.
source "$(dirname "$0")/../lib.sh"
G=$PYSCOPE_ROOT/tests/golden/stp
cd "$G" || exit 1
for s in *.stp; do
	name=${s%.stp}
	events=prog.events
	[ -f "$name.events" ] && events=$name.events
	opts=() args=()
	first=$(head -1 "$s")
	if [[ $first =~ ^#\ stap:\ (.*)$ ]]; then
		eval "opts=(${BASH_REMATCH[1]})"
	fi
	# script arguments follow "--" in the header
	for ((i = 0; i < ${#opts[@]}; i++)); do
		if [ "${opts[i]}" = -- ]; then
			args=("${opts[@]:i+1}")
			opts=("${opts[@]:0:i}")
			break
		fi
	done
	"$PYSCOPE" stap --replay "$events" "${opts[@]}" "$s" "${args[@]}" >"$TMP/out" 2>"$TMP/err"
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
