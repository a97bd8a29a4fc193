#!/bin/bash
# pyscope dtrace against hostile input, without a kernel: nesting far past the limits (the stack
# must not overflow), the limits themselves (each message states its limit), programs just inside
# them (they run), script files that are not scripts, -l -n past 64 descriptions, output that
# cannot be written, and a program of 40,000 clauses.
source "$(dirname "$0")/../lib.sh"
G=$PYSCOPE_ROOT/tests/golden/d
D() { "$PYSCOPE" dtrace "$@"; }

# gen FILE PYTHON-EXPR: write the string PYTHON-EXPR evaluates to into FILE.
gen() { python3 -c "import sys; sys.stdout.write($2)" >"$1"; }

# rejects NAME FILE MESSAGE: compiling FILE fails with status 2, nothing on stdout, and the first
# line of stderr is FILE:MESSAGE.
rejects() {
	D -q -s "$2" --replay "$G/prog.events" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" -ne 2 ]; then fail "$1" "exit status $rc, wanted 2" "$(head -c 300 "$TMP/err")"; return; fi
	if [ -s "$TMP/out" ]; then fail "$1" "printed on stdout"; return; fi
	expect_eq "$1" "$2:$3" "$(head -1 "$TMP/err")"
}

# Far past the nesting limit: each of these overflowed the stack (SIGSEGV) before.
gen "$TMP/paren.d" "'BEGIN { x = ' + '(' * 100000 + '1' + ')' * 100000 + '; }'"
rejects "100,000 nested parentheses" "$TMP/paren.d" "1:1012: error: nested too deeply (at most 1000 levels)"
gen "$TMP/if.d" "'BEGIN { ' + 'if (1) { ' * 5000 + 'x = 1;' + ' }' * 5000 + ' }'"
rejects "5,000 nested ifs" "$TMP/if.d" "1:9013: error: nested too deeply (at most 1000 levels)"
gen "$TMP/if2.d" "'BEGIN { ' + 'if (1) ' * 5000 + 'x = 1; }'"
rejects "5,000 nested ifs without braces" "$TMP/if2.d" "1:7013: error: nested too deeply (at most 1000 levels)"
gen "$TMP/not.d" "'BEGIN { x = ' + '!' * 100000 + '1; }'"
rejects "100,000 '!'" "$TMP/not.d" "1:1012: error: nested too deeply (at most 1000 levels)"
gen "$TMP/neg.d" "'BEGIN { x = ' + '- ' * 100000 + '1; }'"
rejects "100,000 unary '-'" "$TMP/neg.d" "1:2011: error: nested too deeply (at most 1000 levels)"
gen "$TMP/cond.d" "'BEGIN { x = ' + '1 ? 2 : ' * 100000 + '3; }'"
rejects "a ?: chain of 100,000" "$TMP/cond.d" "1:8001: error: nested too deeply (at most 1000 levels)"
gen "$TMP/cond2.d" "'BEGIN { x = ' + '1 ? ' * 100000 + '3' + ' : 4' * 100000 + '; }'"
rejects "?: nested 100,000 deep in the middle" "$TMP/cond2.d" "1:4009: error: nested too deeply (at most 1000 levels)"
gen "$TMP/cast.d" "'BEGIN { x = ' + '(int)' * 100000 + '1; }'"
rejects "100,000 casts" "$TMP/cast.d" "1:5008: error: nested too deeply (at most 1000 levels)"
gen "$TMP/assign.d" "'BEGIN { ' + 'x = ' * 100000 + '1; }'"
rejects "100,000 chained assignments" "$TMP/assign.d" "1:4009: error: nested too deeply (at most 1000 levels)"
gen "$TMP/call.d" "'BEGIN { x = ' + 'strlen(lltostr(' * 50000 + '1' + '))' * 50000 + '; }'"
rejects "100,000 nested calls" "$TMP/call.d" "1:7505: error: nested too deeply (at most 1000 levels)"
gen "$TMP/keys.d" "'BEGIN { x[1] = 1; y = ' + 'x[' * 100000 + '1' + ']' * 100000 + '; }'"
rejects "100,000 nested keys" "$TMP/keys.d" "1:2021: error: nested too deeply (at most 1000 levels)"
# A flat chain parses in a loop, but the runtime's recursion follows the tree it makes.
gen "$TMP/flat.d" "'BEGIN { a = 1; x = ' + '+'.join(['a'] * 20000) + '; printf(\"%d\\\\n\", x); exit(0); }'"
rejects "a 20,000-term flat expression" "$TMP/flat.d" \
	"1:38024: error: expression too deep (at most 1000 levels of operations and statements)"

# Just inside the limits, the same shapes compile and run.
gen "$TMP/ok.d" "'BEGIN { a = 1; x = ' + '(' * 990 + '1' + ')' * 990 + ';\n' +
	'y = ' + '!' * 991 + '0;\n' + 'z = ' + '0 ? 1 : ' * 990 + '3;\n' + 'c = ' + '(int)' * 990 + '4;\n' +
	's = ' + '+'.join(['a'] * 990) + ';\n' + 'if (1) { ' * 400 + 'i = 5;' + ' }' * 400 + '\n' +
	'printf(\"%d %d %d %d %d %d\\\\n\", x, y, z, c, s, i); exit(0); }'"
expect_eq "nesting just inside the limits runs" "1 1 3 4 990 5" "$(D -q -s "$TMP/ok.d" 2>&1)"

# Statements and clauses: the limits, stated.
gen "$TMP/stmts.d" "'BEGIN {\n' + 'x = 1;\n' * 10001 + '}\n'"
rejects "10,001 statements in a block" "$TMP/stmts.d" \
	"10002:1: error: too many statements in one block (at most 10000)"
gen "$TMP/stmts_ok.d" "'BEGIN {\n' + 'x++;\n' * 9998 + 'printf(\"%d\\\\n\", x); exit(0); }\n'"
expect_eq "10,000 statements in a block run" "9998" "$(D -q -s "$TMP/stmts_ok.d" 2>&1)"
gen "$TMP/clauses.d" "'BEGIN {}\n' * 100001"
rejects "100,001 clauses" "$TMP/clauses.d" "100001:1: error: too many clauses (at most 100000)"

# Tick rates at the bounds are accepted.
for t in 200us 5000hz 365d 1; do
	expect_status "tick-$t is a valid rate" 0 "$PYSCOPE" dtrace -e -n "tick-$t { exit(0); }"
done

# Script files that are not D programs.
printf 'BEGIN\n{\n\tx = 1;\0 exit(0);\n}\n' >"$TMP/nul.d"
expect_status "a NUL byte in a script is an error" 2 "$PYSCOPE" dtrace -q -s "$TMP/nul.d"
printf '%s\n' "$TMP/nul.d:3:8: error: NUL byte in the script (a D program is text)" \
	$'\tx = 1;' $'\t      ^' >"$TMP/want"
expect_file "a NUL byte is located" "$TMP/want" "$TMP/err"
printf 'BEGIN { exit(0); }\0' | D -q -s - >"$TMP/out" 2>"$TMP/err"
expect_eq "a NUL byte on stdin is an error" "2 -:1:19: error: NUL byte in the script (a D program is text)" \
	"$? $(head -1 "$TMP/err")"
expect_status "-s DIRECTORY fails" 2 "$PYSCOPE" dtrace -q -s "$TMP"
expect_eq "-s DIRECTORY says so" "pyscope: cannot read $TMP: it is a directory" "$(cat "$TMP/err")"
expect_status "-s /dev/zero fails" 2 "$PYSCOPE" dtrace -q -s /dev/zero
expect_eq "-s /dev/zero states the limit" "pyscope: cannot read /dev/zero: a script may be at most 16 MiB" \
	"$(cat "$TMP/err")"

# -l -n: every description counts, not only the first 64.
args=()
for i in $(seq 70); do args+=(-n "python\$target:::nomatch$i"); done
D -l "${args[@]}" -n 'python$target:::gc-start' --replay "$G/prog.events" >"$TMP/out" 2>&1
expect_eq "-l -n uses the 71st description" "NAME gc-start" "$(awk '{print $NF}' "$TMP/out" | tr '\n' ' ' | sed 's/ $//')"
expect_status "-l -n with no description in it fails" 2 "$PYSCOPE" dtrace -l -n '//' --replay "$G/prog.events"
expect_eq "-l -n with no description in it says so" "pyscope: -l -n wants probe descriptions, not '//'" \
	"$(cat "$TMP/err")"

# Output that cannot be written: one line, status 2.
D -n 'BEGIN { printf("x\n"); exit(0); }' >/dev/full 2>"$TMP/err"
expect_eq "a full stdout fails the run" "2 pyscope: cannot write the output: No space left on device" \
	"$? $(tail -1 "$TMP/err")"
D -q -o /dev/full -n 'BEGIN { printf("x\n"); exit(0); }' 2>"$TMP/err"
expect_eq "a full -o FILE fails the run" "2 pyscope: cannot write /dev/full: No space left on device" \
	"$? $(cat "$TMP/err")"
D -l --replay "$G/prog.events" >/dev/full 2>"$TMP/err"
expect_eq "-l to a full stdout fails" "2 pyscope: cannot write the output: No space left on device" \
	"$? $(cat "$TMP/err")"

# 40,000 clauses, each with its own variables and aggregation, compile and run on a replay.
# (Compiling them took 19 s when names were looked up one by one; the timing is not asserted.)
gen "$TMP/many.d" "''.join('python\$target:::gc-start { @a%d = count(); x%d = %d; self->y%d = 1; n++; }\n' % (i, i, i, i) for i in range(40000)) + 'END { printf(\"%d %d\\\\n\", n, x39999); }\n'"
expect_eq "40,000 clauses compile and run" "720000 39999" \
	"$(D -q -s "$TMP/many.d" --replay "$G/prog.events" 2>&1 | head -1)"
