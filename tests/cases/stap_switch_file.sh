#!/bin/bash
# -o FILE with switch_file(): the output starts in FILE; each switch_file() closes the current file
# and opens FILE.N (N = 1, 2, ... as stap's staprun numbers them); what a handler printed before
# the switch stays in the old file. Without -o, switch_file() leaves the output on stdout.
source "$(dirname "$0")/../lib.sh"
G=$PYSCOPE_ROOT/tests/golden/stp
D=$TMP/sw
mkdir -p "$D"
"$PYSCOPE" stap --replay "$G/prog.events" -o "$D/out" -e '
global n
probe begin { println("first"); printf("before "); switch_file(); println("after") }
probe process("/usr/bin/python3.11").mark("function__entry") {
	if (++n == 3) { switch_file(); printf("third entry\n") }
}
probe end { printf("end: %d\n", n) }' >"$TMP/stdout" 2>"$TMP/err"
expect_eq "switch_file: status 0, nothing on stdout or stderr" "0||" "$?|$(cat "$TMP/stdout")|$(cat "$TMP/err")"
expect_eq "switch_file: the files" "out out.1 out.2" "$(cd "$D" && echo *)"
expect_eq "switch_file: FILE has what came before the first switch" "first|before " "$(tr '\n' '|' <"$D/out")"
expect_eq "switch_file: FILE.1 up to the second" "after" "$(cat "$D/out.1")"
expect_eq "switch_file: FILE.2 the rest, end probes too" "third entry|end: 25|" "$(tr '\n' '|' <"$D/out.2")"
"$PYSCOPE" stap --replay "$G/prog.events" -e 'probe begin { print("a"); switch_file(); println("b"); exit() }' >"$TMP/stdout" 2>"$TMP/err"
expect_eq "switch_file without -o: stdout stays" "0 ab" "$? $(cat "$TMP/stdout" "$TMP/err")"
"$PYSCOPE" stap --replay "$G/prog.events" -e 'probe begin { switch_file(1) }' >"$TMP/stdout" 2>"$TMP/err"
expect_eq "switch_file(1): wrong arity, exit 2" "2 semantic error: wrong number of arguments to function 'switch_file' (it takes 0, not 1): identifier 'switch_file' at <input>:1:15" "$? $(head -1 "$TMP/err")"
# -o FILE with strftime(3) conversions, as staprun's stap_strfloctime expands them (local time,
# at each open); switch_file() numbers the expanded name. Checked against the year at both ends of
# the run, so a run across New Year's midnight cannot fail it.
D2=$TMP/strf; mkdir -p "$D2"
y0=$(date +%Y)
"$PYSCOPE" stap -o "$D2/run-%Y.log" -e 'probe begin { println("a"); switch_file(); println("b"); exit() }' \
	>"$TMP/stdout" 2>"$TMP/err"
y1=$(date +%Y)
got=$(cd "$D2" && echo *)
if [ "$got" = "run-$y0.log run-$y0.log.1" ] || [ "$got" = "run-$y1.log run-$y1.log.1" ]; then
	pass "-o with %Y: the year in the name, FILE then FILE.1"
else
	fail "-o with %Y: the year in the name, FILE then FILE.1" "files: $got" "stderr: $(cat "$TMP/err")"
fi
