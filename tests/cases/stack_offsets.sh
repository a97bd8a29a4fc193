#!/bin/bash
# The offsets table (src/pyoffsets.c) against the headers of every CPython on the machine that has
# them: stack_offsets_probe.c, compiled against each include directory (Py_BUILD_CORE, internal
# headers), prints offsetof() of each field; the table's row for that version must be the same.
# On 3.13, what pyscope reads from a running interpreter's _Py_DebugOffsets equals the headers too.
# kind: live: run one at a time (tests/run)
source "$(dirname "$0")/../lib.sh"
HERE=$PYSCOPE_ROOT/tests/cases
need_cmd "offsets table" cc || exit 0
# (from the sources, not the build's objects: those may be a sanitizer build's)
if ! cc -std=c11 -D_GNU_SOURCE -I"$PYSCOPE_ROOT/src" "$HERE/stack_offsets_table.c" "$PYSCOPE_ROOT/src/pyoffsets.c" \
	"$PYSCOPE_ROOT/src/procmaps.c" "$PYSCOPE_ROOT/src/elfsym.c" -o "$TMP/table" 2>"$TMP/cc.err"; then
	fail "the table printer builds" "$(head -5 "$TMP/cc.err")"; exit 0
fi
n=0
for inc in /usr/include/python3.* "$HOME"/.pyenv/versions/3.*/include/python3.*; do
	[ -e "$inc/Python.h" ] && [ -d "$inc/internal" ] || continue
	minor=$(sed -n 's/^#define PY_MINOR_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$inc/patchlevel.h")
	[ "$minor" -ge 8 ] || continue
	n=$((n + 1))
	if ! cc -w -I"$inc" -I"$inc/internal" "$HERE/stack_offsets_probe.c" -o "$TMP/probe" 2>"$TMP/cc.err"; then
		fail "offsets of $inc" "the probe does not build: $(head -3 "$TMP/cc.err")"; continue
	fi
	"$TMP/probe" >"$TMP/want"
	"$TMP/table" "$minor" >"$TMP/have" 2>&1
	expect_file "offsets table row 3.$minor equals $inc" "$TMP/want" "$TMP/have"
done
[ $n -gt 0 ] || skip "offsets table" "no CPython headers on this machine"

py=$(ls -d "$HOME"/.pyenv/versions/3.13.*/bin/python3.13 2>/dev/null | tail -1)
if [ -n "$py" ] && [ "$(id -u)" = 0 ]; then
	"$py" -c 'import sys; open(sys.argv[1], "w").close(); import time; time.sleep(60)' "$TMP/up" & pid=$!
	track $pid
	wait_until test -e "$TMP/up"
	"$TMP/table" -p $pid >"$TMP/live" 2>&1
	expect_eq "3.13: the offsets come from the interpreter's _Py_DebugOffsets" "from_debug 1" "$(head -1 "$TMP/live")"
	"$TMP/table" 13 >"$TMP/row"
	expect_file "3.13: _Py_DebugOffsets agrees with the headers" "$TMP/row" <(tail -n +2 "$TMP/live")
else
	skip "3.13 _Py_DebugOffsets" "no pyenv python3.13 (or not root)"
fi
expect_status "an unknown version has no row" 1 "$TMP/table" 7
