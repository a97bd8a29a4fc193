#!/bin/bash
# pyscope dtrace's command line, without a kernel: --replay runs, -n, -l, -o, macro arguments,
# programs that need no capture (BEGIN/tick only), the `dtrace` name, usage errors — and the
# page's call_stack.d output compared with the page itself.
source "$(dirname "$0")/../lib.sh"
G=$PYSCOPE_ROOT/tests/golden/d
D() { "$PYSCOPE" dtrace "$@"; }

# The page's 18 lines. The page shows the output with runs of blanks collapsed (the tab after the
# timestamp, the alignment of "%*s" and the indentation all became one space); so compare with
# blanks squeezed, timestamps (different on every run) replaced.
page=$PYSCOPE_ROOT/../shared/seed/instrumentation.html
if [ -f "$page" ]; then
	sed -n '/The output looks like this:/,/<\/pre>/p' "$page" | head -21 |
		sed -e 's/<[^>]*>//g' | grep -E '^[0-9]+ ' | sed -E 's/^[0-9]+/TS/' >"$TMP/page"
	D -q -s "$G/call_stack.d" --replay "$G/call_stack.events" | tr -s ' \t' '  ' |
		sed -E 's/^[0-9]+/TS/' >"$TMP/ours"
	expect_eq "page has 18 lines" 18 "$(wc -l <"$TMP/page")"
	expect_file "call_stack.d replay = the page's lines (blanks squeezed)" "$TMP/page" "$TMP/ours"
else
	skip "call_stack.d replay vs the page's lines" "../shared/seed absent"
fi

# -n programs, several of them, in order.
D -q --replay "$G/prog.events" -n 'python$target:::gc-start /arg0 == 2/ { @g["gen2"] = count(); }' \
	-n 'END { printf("end\n"); }' >"$TMP/out" 2>&1
printf 'end\n\n  gen2                                                              5\n' >"$TMP/want"
expect_file "-n programs run in order" "$TMP/want" "$TMP/out"

# -l: DTrace's columns, provider with the pid.
pid=$(head -1 "$G/prog.events" | sed -E 's/.*"target":([0-9]+).*/\1/')
D -l --replay "$G/prog.events" >"$TMP/out"
{
	printf '%5s %10s %17s %33s %s\n' ID PROVIDER MODULE FUNCTION NAME
	i=1
	for n in function-entry function-return line gc-start gc-done import-find-load-start \
		import-find-load-done audit; do
		printf '%5d %10s %17s %33s %s\n' $i "python$pid" python3.11 - $n
		i=$((i + 1))
	done
} >"$TMP/want"
expect_file "-l lists every probe in dtrace -l columns" "$TMP/want" "$TMP/out"
D -l -n 'python$target:::function-*' --replay "$G/prog.events" >"$TMP/out"
expect_eq "-l -n lists the matching probes" "ID function-entry function-return" \
	"$(awk '{print $NF == "NAME" ? "ID" : $NF}' "$TMP/out" | tr '\n' ' ' | sed 's/ $//')"
D -l -P 'py*' --replay "$G/prog.events" >"$TMP/out"
expect_eq "-l -P lists a provider's probes" 9 "$(wc -l <"$TMP/out")"
expect_status "-l -n matching nothing fails" 1 "$PYSCOPE" dtrace -l -n 'python$target:::nope' --replay "$G/prog.events"
expect_eq "-l -n matching nothing says so" "dtrace: no probe matches python\$target:::nope" "$(cat "$TMP/err")"

# -o FILE
D -q -o "$TMP/o.txt" -s "$G/gc.d" --replay "$G/prog.events" >"$TMP/out"
expect_file "-o writes the output to the file" "$G/gc.out" "$TMP/o.txt"
expect_eq "-o leaves stdout empty" "" "$(cat "$TMP/out")"

# Macro arguments after the script: $1 as a number, $$2 as a string.
printf 'BEGIN { printf("%%d %%s %%s\\n", $1 + 1, $$2, $3); exit(0); }\n' >"$TMP/m.d"
expect_eq "macro arguments \$1 \$\$2 \$3" "42 word text" "$(D -q -s "$TMP/m.d" 41 word text 2>&1)"

# Programs on BEGIN, END and ticks need no capture, so no root.
expect_eq "BEGIN-only program, no capture" "hello" \
	"$(D -qn 'BEGIN { printf("hello\n"); exit(0); }' 2>&1)"
expect_eq "tick clauses run live until exit()" "3 ticks, then END" \
	"$(D -qn 'tick-10ms { n++; } tick-10ms /n == 3/ { exit(0); } END { printf("%d ticks, then END\n", n); }' 2>&1)"
expect_eq "started as dtrace" "as dtrace" \
	"$("$PYSCOPE_ROOT/$PYSCOPE_BUILD/dtrace" -qn 'BEGIN { printf("as dtrace\n"); exit(0); }' 2>&1)"
expect_status "exit(N) is the exit status" 7 "$PYSCOPE" dtrace -qn 'BEGIN { exit(7); }'

# Without -q: the "matched" line and the CPU/ID/FUNCTION:NAME header and lines.
D -n 'BEGIN { trace("x"); exit(0); }' >"$TMP/out" 2>"$TMP/err"
expect_eq "without -q: matched line on stderr (the description part)" "dtrace: description 'BEGIN ' matched 1 probe" "$(cat "$TMP/err")"
printf '%3s %6s %32s\n%3d %6d %32s   %-33s\n' CPU ID FUNCTION:NAME 0 1 :BEGIN x >"$TMP/want"
expect_file "without -q: header, probe line, trace() of a string" "$TMP/want" "$TMP/out"

# -e: compile and check only.
expect_status "-e checks and attaches nothing" 0 "$PYSCOPE" dtrace -e -n 'python*:::gc-start { @ = count(); }'
expect_status "-e still reports errors" 2 "$PYSCOPE" dtrace -e -n 'BEGIN { x = ; }'
expect_eq "-n errors name the source -n" "-n:1:13: error: expression expected, found ';'" "$(head -1 "$TMP/err")"

# -x strsize and -Z
D -qZ -n 'python$target:::nothing-like-this { } BEGIN { printf("ok\n"); exit(0); }' --replay "$G/prog.events" >"$TMP/out" 2>&1
expect_eq "-Z: a description may match nothing" "ok" "$(cat "$TMP/out")"
expect_status "-x strsize out of range" 2 "$PYSCOPE" dtrace -x strsize=1 -n 'BEGIN{}'
expect_eq "-x strsize message" "pyscope: -x strsize wants a number from 2 to 4096, not '1'" "$(cat "$TMP/err")"
expect_status "-x unknown option" 2 "$PYSCOPE" dtrace -x turbo -n 'BEGIN{}'
expect_eq "-x unknown option message" "pyscope: unknown -x option 'turbo' (known: strsize=N, aggsize=SIZE, dynvarsize=SIZE, jstackframes=N, jstackstrsize=N, quiet, destructive, zdefs, defaultargs; bufsize, switchrate, aggrate and other buffer tunings are accepted and ignored)" "$(cat "$TMP/err")"
expect_status "-x aggsortkeypos without a number" 2 "$PYSCOPE" dtrace -x aggsortkeypos=x -n 'BEGIN{}'
expect_eq "-x aggsortkeypos message" "pyscope: -x aggsortkeypos wants a number (0 or more), not 'x'" "$(cat "$TMP/err")"
D -q -x zdefs -x defaultargs -x switchrate=10hz -x jstackframes=50 --replay "$G/prog.events" \
	-n 'nosuch$target:::nothing { } BEGIN { printf("%d \"%s\"\n", $1, $$2); exit(0); }' >"$TMP/out" 2>/dev/null
expect_eq "-x zdefs, defaultargs and tunings" '0 ""' "$(cat "$TMP/out")"
printf '#include "no-such-file.h"\nBEGIN { exit(0); }\n' >"$TMP/inc.d"
expect_status "-C: a missing #include is cpp's error, exit 2" 2 "$PYSCOPE" dtrace -C -s "$TMP/inc.d" --replay "$G/prog.events"
expect_grep "-C: says cpp failed" "^pyscope: failed to preprocess .*inc.d \(cpp exited with status 1\)$" "$TMP/err"

# $target in a replay is the stream's process; -p overrides it.
expect_status "-p with --replay sets \$target" 2 "$PYSCOPE" dtrace -q -p 999 --replay "$G/prog.events" -n 'python$target:::gc-start { }'
expect_eq "... so nothing matches pid 999" "-n:1:1: error: no probe matches python\$target:::gc-start" "$(head -1 "$TMP/err")"

# Usage errors
expect_status "--help" 0 "$PYSCOPE" dtrace --help
expect_grep "--help documents --replay" '--replay FILE' "$TMP/out"
expect_status "no program" 2 "$PYSCOPE" dtrace -q
expect_eq "no program: message" "pyscope: dtrace needs a program: -s FILE or -n 'PROBE { ... }'" "$(head -1 "$TMP/err")"
expect_status "-c with --replay" 2 "$PYSCOPE" dtrace -c true --replay "$G/prog.events" -n 'BEGIN{}'
expect_status "missing script file" 2 "$PYSCOPE" dtrace -s "$TMP/none.d"
expect_eq "missing script file: message" "pyscope: cannot read $TMP/none.d: No such file or directory" "$(cat "$TMP/err")"
expect_status "malformed stream" 2 "$PYSCOPE" dtrace --replay <(echo '{"ts":1,"probe":') -n 'BEGIN{}'
expect_grep "malformed stream: file and line" '^pyscope: /dev/fd/[0-9]+:1: ' "$TMP/err"

# -w is accepted (pyscope has no destructive actions to allow).
expect_eq "-w accepted" "ok" "$(D -qw -n 'BEGIN { printf("ok\n"); exit(0); }' 2>&1)"

# -o appends, as dtrace's does.
D -q -o "$TMP/o.txt" -s "$G/gc.d" --replay "$G/prog.events"
expect_file "-o appends" <(cat "$G/gc.out" "$G/gc.out") "$TMP/o.txt"

# -P PROVIDER without -l traces every probe of the provider with the default output.
D -P python --replay "$G/call_stack.events" >"$TMP/out" 2>"$TMP/err"
expect_eq "-P: matched line" "dtrace: description 'python:::' matched 8 probes" "$(cat "$TMP/err")"
expect_eq "-P: one line per event, and the header" 21 "$(wc -l <"$TMP/out")"
expect_grep "-P: probe lines" '^  0      2                -:function-return $' "$TMP/out"

# -c with a program that needs no capture (BEGIN, END, ticks): the command still runs, its pid is
# $target, and its end ends the trace (END runs, aggregations print), with dtrace's notice on
# stderr unless quiet (dtrace.c's notice() is silent under -q and #pragma D option quiet).
D -n 'BEGIN { printf("target %d\n", $target); } END { printf("END ran\n"); }' \
	-c "/bin/sh -c 'echo child \$\$'" >"$TMP/out" 2>"$TMP/err"
rc=$?
t=$(sed -n 's/.*target \([0-9]*\).*/\1/p' "$TMP/out")
expect_eq "-c, BEGIN/END only: exit 0, the command ran as \$target" "0 child $t" \
	"$rc $(grep '^child' "$TMP/out")"
expect_grep "-c, BEGIN/END only: END ran" 'END ran' "$TMP/out"
expect_eq "-c, BEGIN/END only: dtrace's notice, last on stderr" "dtrace: pid $t has exited" "$(tail -1 "$TMP/err")"
D -q -n 'BEGIN { printf("%d\n", $target > 0); } tick-10ms { @ticks = count(); } END { printf("end\n"); }' \
	-c '/bin/sleep 0.3' >"$TMP/out" 2>"$TMP/err"
expect_eq "-c -q, ticks: ends with the command, the aggregation printed" "1 end  ok" \
	"$(head -2 "$TMP/out" | tr '\n' ' ')$(awk 'NR == 4 && $1 >= 10 && $1 <= 40 { print " ok" }' "$TMP/out")"
expect_eq "-c -q: no notice" "" "$(cat "$TMP/err")"
printf '#pragma D option quiet\nEND { printf("end\\n"); }\n' >"$TMP/quiet.d"
expect_eq "-c, #pragma D option quiet: no notice either" "end|" \
	"$(D -s "$TMP/quiet.d" -c /bin/true 2>"$TMP/err")|$(cat "$TMP/err")"
D -n 'END { }' -c "/bin/sh -c 'exit 3'" >/dev/null 2>"$TMP/err"
expect_grep "-c: a failing command's status, in dtrace's words" '^dtrace: pid [0-9]+ exited with status 3$' "$TMP/err"
D -n 'END { }' -c "/bin/sh -c 'kill -TERM \$\$'" >/dev/null 2>"$TMP/err"
expect_grep "-c: a killed command, in dtrace's words" '^dtrace: pid [0-9]+ terminated by SIGTERM$' "$TMP/err"
expect_status "-c: exit() in BEGIN never lets the command run" 0 \
	"$PYSCOPE" dtrace -qn 'BEGIN { exit(0); }' -c "/bin/touch $TMP/ran"
expect_eq "... nothing ran" "no file" "$([ -e "$TMP/ran" ] && echo ran || echo no file)"
expect_status "-c: a command that is not there" 2 "$PYSCOPE" dtrace -qn 'END {}' -c "$TMP/none"
expect_eq "... message (capture's words)" "pyscope: cannot run '$TMP/none': command not found" "$(cat "$TMP/err")"
# -x jstackframes: a number from 1 to 128 (what the kernel keeps)
"$PYSCOPE" dtrace -e -x jstackframes=0 -n 'BEGIN { jstack(); }' >"$TMP/out" 2>&1
expect_eq "-x jstackframes=0 refused" "pyscope: -x jstackframes wants a number from 1 to 128, not '0'" "$(cat "$TMP/out")"
