#!/bin/bash
# pyscope stap: errors in a script given with -e or on standard input ("-"). stap parses both
# under the name "<input>" (main.cxx: parse (s, "<input>", ...)), so its messages say
# "<input>:LINE:COL", then the source line and a caret under the column (tabs kept, as
# print_error_source keeps white space), then the pass that failed; exit status 2, nothing on
# stdout. No kernel needed: every error is found before anything is attached.
source "$(dirname "$0")/../lib.sh"

# err_case NAME EXPECTED-STDERR -- pyscope stap ARGS... (stdin from $IN when set)
err_case() {
	local name=$1 want=$2
	shift 3
	if [ -n "${IN+x}" ]; then
		printf '%s' "$IN" | "$PYSCOPE" stap "$@" >"$TMP/out" 2>"$TMP/err"
	else
		"$PYSCOPE" stap "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
	fi
	local rc=$?
	expect_eq "$name: exit status 2, nothing on stdout" "2 " "$rc $(cat "$TMP/out")"
	expect_file "$name: stap's message" <(printf '%s' "$want") "$TMP/err"
}

err_case "-e, parse error" "parse error: expected: statement or expression
	at: operator '}' at <input>:1:41
     source: probe begin { exit() } probe begin { 1 +}
                                                     ^

1 parse error.
Pass 1: parse failed.  [man error::pass1]
" -- -e 'probe begin { exit() } probe begin { 1 +}'

err_case "-e, unterminated string (the lexer's error: a place, no token)" "parse error: Could not find matching closing quote
	at: <input>:1:19
     source: probe begin { x = \"abc }
                               ^

1 parse error.
Pass 1: parse failed.  [man error::pass1]
" -- -e 'probe begin { x = "abc }'

err_case "-e, semantic error on the second line, a tab before it" "semantic error: unresolved function: identifier 'foo' at <input>:2:2
        source: 	foo(1) }
                	^

Pass 2: analysis failed.  [man error::pass2]
" -- -e 'probe begin {
	foo(1) }'

err_case "-e, type mismatch" "semantic error: type mismatch (long vs. string): string 'a' at <input>:1:23
        source: probe begin { x = 1 + \"a\"; println(x); exit() }
                                      ^

Pass 2: analysis failed.  [man error::pass2]
" -- -e 'probe begin { x = 1 + "a"; println(x); exit() }'

err_case "-e, empty script" "semantic error: no probes found

Pass 2: analysis failed.  [man error::pass2]
" -- -e ''

IN=$'probe begin {\n  printf("%d\\n", y)\n}\n' err_case "stdin, semantic error" "semantic error: unresolved type: identifier 'y' at <input>:2:18
        source:   printf(\"%d\\n\", y)
                                 ^

Pass 2: analysis failed.  [man error::pass2]
" -- -

IN=$'global a\nprobe begin { a[1] = 1 }\nprobe end { a = 2 }\n' err_case "stdin, parse-time and use errors name <input> too" \
"$("$PYSCOPE" stap -e $'global a\nprobe begin { a[1] = 1 }\nprobe end { a = 2 }\n' 2>&1 >/dev/null)
" -- -


# process("NAME") on a "#!" script is its interpreter, as stap's dwarf_builder takes it (with
# "#!/usr/bin/env NAME" found on PATH): a pyenv shim is bash, said so; a script run by Python
# is that Python.
mkdir -p "$TMP/bin"
printf '#!/usr/bin/env bash\nexec python3 "$@"\n' >"$TMP/bin/python"
chmod +x "$TMP/bin/python"
BASH_REAL=$(readlink -f "$(command -v bash)")
PATH=$TMP/bin:$PATH "$PYSCOPE" stap -p2 -e 'probe process("python").mark("function__entry") { }' >"$TMP/out" 2>"$TMP/err"
expect_eq "a shim on PATH: exit status 2" 2 "$?"
expect_eq "a shim on PATH: its interpreter has no markers, and why" \
	"semantic error: while resolving probe point: no match: $BASH_REAL has no markers ($TMP/bin/python is a script that $BASH_REAL runs, such as a pyenv shim, and stap probes the interpreter of a script: name the Python, e.g. process(\"/usr/bin/python3.11\")): identifier 'process' at <input>:1:7" \
	"$(head -1 "$TMP/err")"
if [ -x "$PY311" ]; then
	printf '#!%s\nprint(1)\n' "$PY311" >"$TMP/bin/myapp"
	chmod +x "$TMP/bin/myapp"
	PATH=$TMP/bin:$PATH "$PYSCOPE" stap -p2 -e 'probe process("myapp").mark("function__entry") { }' >"$TMP/out" 2>&1
	expect_eq "a Python script on PATH: its interpreter's markers" \
		"process(\"$(readlink -f "$PY311")\").mark(\"function__entry\")" "$(sed -n 's/ \/\*.*//; 2p' "$TMP/out")"
else
	skip "a Python script on PATH" "no $PY311"
fi
true
