#!/bin/bash
# Malformed and wrong input never crashes `pyscope list`: each case gives exactly one line on
# stderr (pinned here), nothing on stdout, and exit status 2. The broken ELF files are made in
# $TMP by list_mkelf.py, truncated copies of real binaries by head -c.
source "$(dirname "$0")/../lib.sh"
MKELF="python3 $PYSCOPE_ROOT/tests/cases/list_mkelf.py"

# bad NAME FILE MESSAGE: `pyscope list FILE` prints "pyscope: FILE: MESSAGE", alone, exit 2.
bad() {
	local name=$1 file=$2 msg=$3
	"$PYSCOPE" list "$file" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	local got; got=$(cat "$TMP/err")
	if [ "$rc" -eq 2 ] && [ "$got" == "pyscope: $file: $msg" ] && [ ! -s "$TMP/out" ]; then
		pass "$name"
	else
		fail "$name" "exit status $rc (want 2)" "stderr: $got" "want:   pyscope: $file: $msg" \
			"stdout: $(head -3 "$TMP/out")"
	fi
	# The same with --json: still one line, no partial JSON.
	"$PYSCOPE" list --json "$file" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && [ ! -s "$TMP/out" ]; then
		pass "$name (--json)"
	else
		fail "$name (--json)" "exit status $rc" "stderr: $(cat "$TMP/err")"
	fi
}

bad "missing file" "$TMP/nonexistent" "No such file or directory"
mkdir "$TMP/dir"
bad "directory" "$TMP/dir" "is a directory"
bad "device" /dev/null "not a regular file"
mkfifo "$TMP/fifo"
bad "named pipe (must not hang)" "$TMP/fifo" "not a regular file"
: >"$TMP/empty"
bad "empty file" "$TMP/empty" "not an ELF file"
echo 'print("hello")' >"$TMP/script.py"
bad "text file" "$TMP/script.py" "not an ELF file"
printf '#!/usr/bin/env bash\nexec pyenv exec python3.11 "$@"\n' >"$TMP/shim"
chmod +x "$TMP/shim"
bad "pyenv-style shim" "$TMP/shim" "not an ELF file"
printf '\177ELF' >"$TMP/magic-only"
bad "ELF magic only" "$TMP/magic-only" "not an ELF file"
if need_py311 "python3.11 cut short"; then
	head -c 20 "$PY311" >"$TMP/py-20"
	bad "python3.11 cut to 20 bytes" "$TMP/py-20" "not an ELF file"
	head -c 4096 "$PY311" >"$TMP/py-4k"
	bad "python3.11 cut to 4 KiB" "$TMP/py-4k" "truncated file (its header tables run past the end of the file)"
	head -c $(( $(stat -c %s "$PY311") - 1 )) "$PY311" >"$TMP/py-1"
	bad "python3.11 less its last byte" "$TMP/py-1" "truncated file (its header tables run past the end of the file)"
fi
head -c 8000 "$TARGET" >"$TMP/target-8k"
bad "sdt_target cut to 8000 bytes" "$TMP/target-8k" "truncated file (its header tables run past the end of the file)"
if [ "$(id -u)" != 0 ]; then
	cp "$TARGET" "$TMP/unreadable" && chmod 000 "$TMP/unreadable"
	bad "unreadable file" "$TMP/unreadable" "Permission denied"
fi

while IFS='|' read -r kind msg; do
	$MKELF "$kind" "$TMP/$kind"
	bad "synthetic $kind" "$TMP/$kind" "$msg"
done <<'EOF'
lying_namesz|malformed note in .note.stapsdt (its sizes run past the section)
lying_descsz|malformed note in .note.stapsdt (its sizes run past the section)
short_desc|stapsdt note too short (no room for its strings)
unterminated|stapsdt note with an unterminated string
missing_strings|stapsdt note with missing strings
note_past_eof|cannot read .note.stapsdt (invalid section header; truncated file?)
shdrs_truncated|truncated file (its header tables run past the end of the file)
huge_shnum|truncated file (its header tables run past the end of the file)
bad_class|not an ELF file
rel|not an executable or shared library (a relocatable object; link it first)
EOF

# A note whose argument string is not x86 is listed, not refused: the reason is in the output.
$MKELF badargs "$TMP/badargs"
expect_status "unknown argument syntax is listed" 0 "$PYSCOPE" list --json "$TMP/badargs" 'python:arm'
expect_grep "unknown argument syntax: argspecs null, reason given" \
	'"argspecs":null,"args_error":"bad argument spec '"'"'8@x0'"'"': symbolic operands are not supported"' "$TMP/out"

# Command-line errors: one line, exit 2.
expect_status "-p with a non-number" 2 "$PYSCOPE" list -p abc
expect_eq "-p with a non-number: message" "pyscope: list: 'abc' is not a process id" "$(cat "$TMP/err")"
expect_status "-p of no process" 2 "$PYSCOPE" list -p 2147483000
expect_eq "-p of no process: message" "pyscope: no process with pid 2147483000" "$(cat "$TMP/err")"
expect_status "-p without a pid" 2 "$PYSCOPE" list -p
expect_grep "-p without a pid: message" '^pyscope: list: -p needs a process id$' "$TMP/err"
expect_status "unknown option" 2 "$PYSCOPE" list --frobnicate /bin/true
expect_grep "unknown option: message" "^pyscope: list: unknown option '--frobnicate'$" "$TMP/err"
