#!/bin/bash
# pyscope list: the human table and the JSON lines (golden, on synthetic files made by
# list_mkelf.py, so every value is known), provider:name filters in both spellings, exit statuses
# and --help.
source "$(dirname "$0")/../lib.sh"
CASES=$PYSCOPE_ROOT/tests/cases
cd "$TMP" || exit 2
python3 "$CASES/list_mkelf.py" good64 good64
python3 "$CASES/list_mkelf.py" good32 good32

"$PYSCOPE" list good64 >out 2>err
expect_file "table: ELF64, function from .symtab, no semaphore, no args" "$CASES/list_good64.out" out
"$PYSCOPE" list --json good64 >out 2>err
expect_file "json: ELF64" "$CASES/list_good64.json" out
"$PYSCOPE" list good32 'python:function-*' 'myapp:*' >out 2>err
expect_file "table: ELF32 with two patterns" "$CASES/list_good32_filtered.out" out
"$PYSCOPE" list good64 --json >out 2>err
expect_file "json: --json after the path" "$CASES/list_good64.json" out

if need_py311 "filters on python3.11"; then
	# names PATTERN...: the marker names `list --json /usr/bin/python3.11 PATTERN...` gives, sorted.
	names() {
		"$PYSCOPE" list --json "$PY311" "$@" | python3 -c '
import json, sys
print(" ".join(sorted(json.loads(l)["name"] for l in sys.stdin)))'
	}
	expect_eq "filter python:function*" "function__entry function__return" "$(names 'python:function*')"
	expect_eq "filter DTrace spelling" "function__entry" "$(names 'python:function-entry')"
	expect_eq "filter DTrace spelling with glob" "import__find__load__done import__find__load__start" \
		"$(names 'python:import-find-*')"
	expect_eq "filter note spelling" "gc__done" "$(names 'python:gc__done')"
	expect_eq "filter without provider" "gc__done gc__start" "$(names 'gc*')"
	expect_eq "filter provider only" "8" "$(names 'python:*' | wc -w)"
	expect_eq "filter provider glob" "audit" "$(names 'py*:audit')"
	expect_eq "filter empty provider" "line" "$(names ':line')"
	expect_eq "filter several patterns" "audit gc__start line" "$(names audit line gc-start)"
	expect_eq "filter bracket range" "audit function__entry function__return gc__done gc__start" \
		"$(names 'python:[a-g]*')"

	expect_status "markers found: exit 0" 0 "$PYSCOPE" list "$PY311" 'python:line'
	expect_status "filter matches nothing: exit 1" 1 "$PYSCOPE" list "$PY311" 'python:nosuch*'
	expect_eq "filter matches nothing: why" \
		"pyscope: no markers in $PY311 match python:nosuch* (it has 8; 'pyscope list' without a pattern shows them)" \
		"$(cat "$TMP/err")"
	expect_eq "filter matches nothing: no output" "" "$(cat "$TMP/out")"
	expect_status "other provider: exit 1" 1 "$PYSCOPE" list "$PY311" 'libc:*'
fi
expect_status "no notes: exit 1" 1 "$PYSCOPE" list /bin/true
expect_eq "no notes: why" "pyscope: no markers in /bin/true (built without --with-dtrace?)" "$(cat "$TMP/err")"
expect_status "no notes, --json: exit 1" 1 "$PYSCOPE" list --json /bin/true
expect_eq "no notes, --json: stdout empty" "" "$(cat "$TMP/out")"

expect_status "--help: exit 0" 0 "$PYSCOPE" list --help
expect_grep "--help: usage line" '^usage: pyscope list \[--json\] \[PATH \| -p PID\] \[PATTERN\.\.\.\]$' "$TMP/out"
expect_grep "--help: exit statuses" '^Exit status: 0 markers listed, 1 none found, 2 error\.$' "$TMP/out"
if need_py311 "-h after a path"; then
	expect_status "-h after a path" 0 "$PYSCOPE" list "$PY311" -h
	expect_grep "-h after a path: usage" '^usage: pyscope list' "$TMP/out"
fi

# "--" ends the options: a file named like an option is a file.
cp good64 ./--json
expect_status "-- then a file named --json" 0 "$PYSCOPE" list -- --json
expect_grep "-- then a file named --json: listed as a table" '^--json  \(ET_EXEC, 3 markers\)$' "$TMP/out"
