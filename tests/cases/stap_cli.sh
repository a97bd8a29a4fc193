#!/bin/bash
# pyscope stap's command line, no kernel needed (begin/timer scripts and recordings): -e, a
# script on stdin, -o, -G, -T, -D, -p1/-p2, -l/-L, --dump-functions, -u, -g/-k/-v, bad options,
# script arguments, and options after the script as stap takes them.
source "$(dirname "$0")/../lib.sh"
G=$PYSCOPE_ROOT/tests/golden/stp
S() { "$PYSCOPE" stap "$@"; }

expect_eq "-e: a begin probe" "hi" "$(S -e 'probe begin { println("hi"); exit() }' 2>&1)"
expect_eq "script on stdin (-)" "stdin" "$(echo 'probe begin { println("stdin"); exit() }' | S - 2>&1)"
echo 'probe begin { printf("%s %d %d\n", @1, $2, $#); exit() }' >"$TMP/args.stp"
expect_eq "script arguments: @1 \$2 \$#" "a 5 2" "$(S "$TMP/args.stp" a 5 2>&1)"
expect_eq "options after the script, as stap takes them" "a 5 2" \
	"$(S "$TMP/args.stp" -o "$TMP/after.txt" a 5 2>&1; cat "$TMP/after.txt")"
S -o "$TMP/o.txt" -e 'probe begin { println("to a file"); exit() }' >"$TMP/out" 2>&1
expect_eq "-o FILE: the output there, none on stdout" "to a file|" "$(cat "$TMP/o.txt")|$(cat "$TMP/out")"
expect_eq "-G NAME=VALUE: a number and a string" "7 abc" \
	"$(S -G n=7 -G s=abc -e 'global n, s; probe begin { printf("%d %s\n", n, s); exit() }' 2>&1)"
S -G nosuch=1 -e 'global n; probe begin { println(n); exit() }' >"$TMP/out" 2>"$TMP/err"
expect_eq "-G of an unknown global: status 2, said" "2 semantic error: -G nosuch=1: no global 'nosuch' in the script" \
	"$? $(head -1 "$TMP/err")"
start=$(date +%s%N)
S -T 1 -e 'probe timer.ms(300) { println("tick") } probe end { println("end") }' >"$TMP/out" 2>&1
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "-T 1: ends after a second, end probe run" "0 tick tick tick end" "$? $(tr '\n' ' ' <"$TMP/out" | sed 's/ $//')"
expect_eq "-T 1: about a second" yes "$([ "$took" -ge 900 ] && [ "$took" -lt 5000 ] && echo yes || echo "no ($took ms)")"
S -D MAXACTION=5 -e 'probe begin { for (i = 0; i < 100; i++) x++; exit() }' >"$TMP/out" 2>"$TMP/err"
expect_eq "-D MAXACTION=5 (begin: 10 times that, as stap): stap's error, status 1" "1 ERROR: MAXACTION exceeded" "$? $(head -1 "$TMP/err" | cut -c1-25)"
S -D MAXNESTING=3 -e 'function f(n) { return n ? f(n - 1) : 0 } probe begin { println(f(5)); exit() }' >"$TMP/out" 2>"$TMP/err"
expect_grep "-D MAXNESTING=3: stap's error" "^ERROR: MAXNESTING exceeded near identifier 'f'" "$TMP/err"
S -D MAXMAPENTRIES=2 -e 'global a; probe begin { a[1] = 1; a[2] = 2; a[3] = 3; exit() }' >"$TMP/out" 2>"$TMP/err"
expect_grep "-D MAXMAPENTRIES=2: array overflow" "^ERROR: Array overflow, check MAXMAPENTRIES near identifier 'a'" "$TMP/err"
expect_status "-D MAXSTRINGLEN=0: refused" 2 S -D MAXSTRINGLEN=0 -e 'probe begin { exit() }'
expect_grep "-D MAXSTRINGLEN=0: says the range" "^pyscope: -D MAXSTRINGLEN wants a number from" "$TMP/err"
expect_status "-g: refused" 2 S -g -e 'probe begin { exit() }'
expect_eq "-g: says why" "pyscope: -g (guru mode) is refused: pyscope runs no embedded C" "$(cat "$TMP/err")"
expect_eq "-k: accepted" "k" "$(S -k -e 'probe begin { println("k"); exit() }' 2>&1)"
expect_status "-x not a pid: refused" 2 S -x abc -e 'probe begin { exit() }'
expect_status "-c with --replay: refused" 2 S -c true --replay "$G/prog.events" -e 'probe begin { exit() }'
expect_status "-p 9: refused" 2 S -p 9 -e 'probe begin { exit() }'
expect_status "no script: usage" 2 S
expect_status "a directory as script" 2 S "$TMP"
expect_eq "a directory as script: said" "pyscope: cannot read $TMP: it is a directory" "$(cat "$TMP/err")"
expect_status "-p1: parse only" 0 S -p1 -e 'probe begin { undefined_fn() }'
expect_eq "-p1: the parse tree, no semantic check, an empty line last (main.cxx)" "# parse tree dump|# file <input>|probe begin{|undefined_fn();|}||" "$(tr '\n' '|' <"$TMP/out")"
expect_status "-p2: elaborate (an unknown function is an error there)" 2 S -p2 -e 'probe begin { undefined_fn() }'
# -p2 in stap's layout (main.cxx printscript): "# globals" (vardecl::printsig: name[N]:type [keys]),
# "# functions" by name (functiondecl::printsig) with their "# locals", the tapset functions the
# script calls among them, "# probes": one derived probe per mark a wildcard matched, by the mark's
# own name, its derivation in a comment (derived_probe::printsig_nested: the script probe's points
# joined by ","; through an alias, probe_alias::printsig "NAME = POINT, ..." first), then the
# handler's locals (an unread one elided, as stap's optimizer drops it).
S -p2 --replay "$G/prog.events" -e 'probe process("/usr/bin/python3.11").mark("gc__*"), begin, timer.s(2) { }' >"$TMP/out" 2>&1
chain='/* <- process("/usr/bin/python3.11").mark("gc__*"),begin,timer.s(2) */'
expect_file "-p2: the resolved probe points" <(printf '%s\n' '# probes' \
	"process(\"/usr/bin/python3.11\").mark(\"gc__start\") $chain" \
	"process(\"/usr/bin/python3.11\").mark(\"gc__done\") $chain" \
	"begin $chain" "timer.s(2) $chain") "$TMP/out"
S -p2 --replay "$G/prog.events" -e 'global counts[100], total, names
	function fmt:string (n:long, s) { t = sprintf("%d %s", n, s); return t }
	probe python.function.entry { counts[funcname, lineno]++; total++; names[filename] = fmt(lineno, funcname) }
	probe begin { x = 1; y = x; println(x) }' 2>&1 | sed 's/process("[^"]*")/process(P)/g' >"$TMP/out"
expect_file "-p2: globals, functions (the tapset's too), probes, locals" <(printf '%s\n' '# globals' \
	'counts[100]:long [string, long]' 'total:long' 'names:string [string]' '# functions' \
	'fmt:string (n:long, s:string)' '  # locals' '  t:string' 'user_string:string (addr:long)' '# probes' \
	'process(P).mark("function__entry") /* <- python.function.entry = process.mark("function__entry")!, process(P).mark("function__entry")!, process(P).mark("function__entry") <- python.function.entry */' \
	'  # locals' '  filename:string' '  funcname:string' '  lineno:long' 'begin /* <- begin */' '  # locals' '  x:long') "$TMP/out"
S --dump-functions >"$TMP/out" 2>&1
expect_grep "--dump-functions: thread_indent" '^thread_indent:string \(delta:long\)$' "$TMP/out"
expect_grep "--dump-functions: user_string" '^user_string:string \(addr:long\)$' "$TMP/out"
# -u keeps the page's tapset's unused frameptr = $arg4, which then is the error it is in stap -u.
S -u --replay "$G/call_stack.events" -I "$G/tapset_page" -e 'probe python.function.entry { exit() }' >"$TMP/out" 2>"$TMP/err"
expect_eq "-u: the unused \$arg4 is an error" "2 semantic error: invalid argument number" "$? $(head -1 "$TMP/err" | cut -c1-39)"
S --replay "$G/call_stack.events" -I "$G/tapset_page" -e 'probe python.function.entry { println(funcname); exit() }' >"$TMP/out" 2>"$TMP/err"
expect_eq "without -u: elided, the run goes" "0 <module>" "$? $(cat "$TMP/out" "$TMP/err")"
# pn() through an alias is stap's script-level point: the alias's name, the script's wildcards
# expanded (probe-name tapset: "including wild-card expansion effects"); pp() the resolved point.
S --replay "$G/call_stack.events" -e 'probe python.function.* { println(pn(), "|", pp()); exit() }' >"$TMP/out" 2>&1
expect_eq "pn() of an alias point: the alias's name; pp(): the mark" \
	'python.function.entry|process("/usr/bin/python3.11").mark("function__entry")' "$(cat "$TMP/out")"
# -l/-L list an alias by its name, once (main.cxx printscript); -L, which keeps every local as
# stap's -L does (unoptimized), with the handler's locals then the $args all its points have.
S --replay "$G/call_stack.events" -l 'python.function.*' >"$TMP/out" 2>&1
expect_eq "-l through aliases: their names" "python.function.entry python.function.return" \
	"$(tr '\n' ' ' <"$TMP/out" | sed 's/ $//')"
S --replay "$G/call_stack.events" -L 'python.function.entry' >"$TMP/out" 2>&1
expect_eq "-L through an alias: its locals, then its \$args" \
	'python.function.entry filename:string funcname:string lineno:long $arg1:long $arg2:long $arg3:long' "$(cat "$TMP/out")"
S -v --replay "$G/prog.events" -e 'probe process("/usr/bin/python3.11").mark("audit") { exit() }' >"$TMP/out" 2>"$TMP/err"
expect_eq "-v: the resolved probes on stderr" 'pyscope: probe process("/usr/bin/python3.11").mark("audit")' "$(cat "$TMP/err")"
# A run-time fault ends the run (MAXERRORS 0): stap's error state skips the end probes and runs
# the error probes; status 1.
S -e 'probe begin { x = 0; println(10 / x) } probe end { println("end ran") } probe error { println("error ran") }' >"$TMP/out" 2>"$TMP/err"
expect_eq "fault: status 1, error probe ran, end probe did not" "1 error ran" "$? $(cat "$TMP/out")"
expect_file "fault: stap's words" <(printf '%s\n' "ERROR: division by 0 near operator '/' at <input>:1:33" \
	"WARNING: Number of errors: 1, skipped probes: 0" "Pass 5: run failed.  [man error::pass5]") "$TMP/err"
# A -c command that cannot be found is said so, before anything else (not as a binary without
# markers).
S -c 'pyscope-no-such-command arg' -e 'probe process.mark("function__entry") { }' >"$TMP/out" 2>"$TMP/err"
expect_eq "-c not found: status 2, one line" \
	"2 pyscope: -c: cannot find executable 'pyscope-no-such-command' on PATH" "$? $(cat "$TMP/out" "$TMP/err")"
# MAXACTION names the statement as stap's tokens print: an expression statement by its operator, a
# block by its '{'.
S -D MAXACTION=10 -e 'probe begin { for (i = 0; i < 100; i++) x++; println(x); exit() }' >"$TMP/out" 2>"$TMP/err"
expect_eq "MAXACTION: status 1, stap's words, the statement's token" \
	"1 ERROR: MAXACTION exceeded near operator '++' at <input>:1:37" "$? $(head -1 "$TMP/err")"
S -D MAXACTION=10 -e 'probe begin { while (1) { x-- } }' >"$TMP/out" 2>"$TMP/err"
expect_eq "MAXACTION: a block is its '{'" "ERROR: MAXACTION exceeded near operator '{' at <input>:1:25" \
	"$(head -1 "$TMP/err")"
# Listing: -l/-L read the binary's notes (no kernel).
if need_py311 "stap -l/-L"; then
	S -L 'process("'"$PY311"'").mark("function__*")' >"$TMP/out" 2>&1
	expect_file "-L: the marks with their \$arg variables" <(printf '%s\n' \
		"process(\"$PY311\").mark(\"function__entry\") \$arg1:long \$arg2:long \$arg3:long" \
		"process(\"$PY311\").mark(\"function__return\") \$arg1:long \$arg2:long \$arg3:long") "$TMP/out"
	S -l 'process("'"$PY311"'").mark("gc-*")' >"$TMP/out" 2>&1
	expect_eq "-l: both spellings, no variables" "process(\"$PY311\").mark(\"gc__done\") process(\"$PY311\").mark(\"gc__start\")" \
		"$(LC_ALL=C sort "$TMP/out" | tr '\n' ' ' | sed 's/ $//')"
fi
# Two timers of different periods are two timers (the faster fires more often).
S -T 1 -e 'global a, b; probe timer.ms(100) { a++ } probe timer.ms(400) { b++ } probe end { printf("%d %d\n", a, b) }' >"$TMP/out" 2>&1
expect_eq "two timers: each its own period" yes "$(awk '{ print ($1 >= 7 && $1 <= 11 && $2 >= 1 && $2 <= 3) ? "yes" : "no: " $0 }' "$TMP/out")"
# -c with begin, end and timer probes only (no capture): the command runs, target() is its pid, the
# run ends when it does (end probes run), with nothing on stderr (stap has no notice for it). The
# command's lines and the script's reach the file in no fixed order: compare them sorted.
S -e 'global n; probe begin { printf("target %d\n", target()) } probe timer.ms(10) { n++ }
	probe end { printf("end %s\n", n > 3 ? "ticked" : "no ticks") }' \
	-c "/bin/sh -c 'echo child \$\$; sleep 0.3'" >"$TMP/out" 2>"$TMP/err"
rc=$?
t=$(sed -n 's/^target \([0-9]*\)$/\1/p' "$TMP/out")
expect_eq "-c, begin/end/timer only: the command ran as target(), the run ended with it" \
	"0 child $t|end ticked|target $t|" "$rc $(LC_ALL=C sort "$TMP/out" | tr '\n' '|')$(cat "$TMP/err")"
# MAXSTRINGLEN: stap's runtime default (runtime_defines.h) is 512 bytes on a 64-bit machine, NUL
# included, so a string holds 511 characters; -D lowers it.
if [ "$(getconf LONG_BIT)" = 64 ]; then
	expect_eq "MAXSTRINGLEN default 512 (64-bit): a string keeps 511 characters" 511 \
		"$(S -e 'probe begin { s = "x"; for (i = 0; i < 10; i++) s .= s; println(strlen(s)); exit() }' 2>&1)"
fi
expect_eq "-D MAXSTRINGLEN=16: 15 characters" 15 \
	"$(S -D MAXSTRINGLEN=16 -e 'probe begin { s = "x"; for (i = 0; i < 10; i++) s .= s; println(strlen(s)); exit() }' 2>&1)"
# -p1 as stap's staptree.cxx prints a file: globals, aliases, then probes (points joined by ","),
# functions with their parameters' names; each statement of a block ends in ";" (an if's in a line
# of its own), operands and assignments in parentheses, ++(x) and (x)++, while as for (; c; ), a
# print format quoted once more.
printf '%s\n' 'global a, n = 3' 'probe begin, timer.s(1) {' \
	'  if (n > 1) printf("%d\n", f(n)); else println("no")' '  n++; --n' '  while (n < 5) n += 1' \
	'  foreach (v = [k] in a- limit 2) delete a[k]' '}' 'function f:long (v:long) { return v * 2 }' \
	'probe x.y = begin, end { z = 1 }' >"$TMP/p1.stp"
S -p1 "$TMP/p1.stp" >"$TMP/out" 2>&1
expect_file "-p1: stap's layout" <(printf '%s\n' '# parse tree dump' "# file $TMP/p1.stp" 'global a' 'global n = 3' \
	'probe x.y = begin, end{' '(z) = (1);' '}' 'probe begin,timer.s(1){' \
	'if ((n) > (1)) printf("%d\\n", f(n))' 'else println("no")' ';' '(n)++;' '--(n);' \
	'for (; (n) < (5); ) (n) += (1);' 'foreach (v = [k] in a- limit 2) delete a[k];' '}' \
	'function f (v)' '{' 'return (v) * (2);' '}' '') "$TMP/out"
# pp() and pn() of the built-in points are their names as written (stap's be_derived_probe and
# timer points are their own script location): begin, error, timer.ms(100).
S -e 'global x; probe begin { printf("%s|%s\n", pp(), pn()); x = 1 / 0 }
	probe error { printf("%s|%s\n", pp(), pn()) }' >"$TMP/out" 2>/dev/null
expect_eq "pp()/pn() in begin and in the error probe" "begin|begin error|error" "$(paste -sd' ' "$TMP/out")"
expect_eq "pp()/pn() in a timer" "timer.ms(100)|timer.ms(100)" \
	"$(S -e 'probe timer.ms(100) { printf("%s|%s\n", pp(), pn()); exit() }' 2>&1)"
