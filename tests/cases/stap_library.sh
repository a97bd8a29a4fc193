#!/bin/bash
# process("PATH").library("LIB").mark("NAME"): a program that embeds Python through
# libpython3.11.so (built as capture_shared.sh builds it) has no markers itself; its library does.
# The points resolve in the library and see the -c target's calls; a library the program does not
# load with markers is a semantic error naming the ones it has. Live.
# kind: live
source "$(dirname "$0")/../lib.sh"
CONFIG=/usr/bin/python3.11-config
[ -x "$CONFIG" ] || { skip "stap library marks" "no $CONFIG (python3.11-dev)"; exit 0; }
PYSHARED=$TMP/pyshared
# shellcheck disable=SC2046
cc -O0 -o "$PYSHARED" "$PYSCOPE_ROOT/tests/cases/pyshared.c" $("$CONFIG" --embed --cflags --ldflags) \
	2>"$TMP/cc.err" || { fail "build pyshared" "$(cat "$TMP/cc.err")"; exit 0; }
LIB=libpython3.11.so.1.0

# Listing and pass 2 (no kernel): stap names a library point by the executable's and the library's
# full paths (tapsets.cxx build_library_probe, sdt_query::convert_location) and the mark's own
# name; -l/-L print each point once, sorted (main.cxx printscript's std::map).
LIBPATH=$(ldd "$PYSHARED" | awk -v l="$LIB" '$1 == l { print $3 }')
LIBREAL=$(realpath "$LIBPATH")
"$PYSCOPE" stap -l "process(\"$PYSHARED\").library(\"$LIB\").mark(\"gc*\")" >"$TMP/out" 2>&1
expect_eq "-l library marks: full paths, the marks' own names, sorted" \
	"process(\"$PYSHARED\").library(\"$LIBREAL\").mark(\"gc__done\")|process(\"$PYSHARED\").library(\"$LIBREAL\").mark(\"gc__start\")" \
	"$(paste -sd'|' "$TMP/out")"
"$PYSCOPE" stap -L "process(\"$PYSHARED\").library(\"$LIB\").mark(\"function-entry\")" >"$TMP/out" 2>&1
expect_eq "-L library mark: the dashed spelling resolves, \$arg variables" \
	"process(\"$PYSHARED\").library(\"$LIBREAL\").mark(\"function__entry\") \$arg1:long \$arg2:long \$arg3:long" \
	"$(cat "$TMP/out")"
"$PYSCOPE" stap -p2 -e "probe process(\"$PYSHARED\").library(\"$LIB\").mark(\"gc__start\") { }" >"$TMP/out" 2>&1
expect_eq "-p2 library point: the library by its full path" \
	"process(\"$PYSHARED\").library(\"$LIBREAL\").mark(\"gc__start\")" "$(sed -n '2s| /\*.*||p' "$TMP/out")"

if ! can_trace; then skip "stap library marks, live" "needs root and BPF"; exit 0; fi
timeout 60 "$PYSCOPE" stap -e "probe process(\"$PYSHARED\").library(\"$LIB\").mark(\"function__entry\") {
	if (user_string(\$arg2) == \"f\") printf(\"%s %s:%d\\n\", user_string(\$arg2), user_string(\$arg1), \$arg3)
}
probe process(\"$PYSHARED\").library(\"$LIB\").mark(\"function-return\") {
	if (user_string(\$arg2) == \"f\") println(\"return\")
}" -c "$PYSHARED -c 'def f(): pass
f()
f()'" >"$TMP/out" 2>"$TMP/err"
expect_eq "library marks: exit 0, nothing on stderr" "0 " "$? $(cat "$TMP/err")"
expect_eq "library marks: both calls of f, entry and return" "f <string>:1|return|f <string>:1|return" \
	"$(paste -sd'|' "$TMP/out")"
timeout 60 "$PYSCOPE" stap -e "probe process(\"$PYSHARED\").library(\"libnosuch.so\").mark(\"function__entry\") { }" \
	-c "$PYSHARED -c pass" >"$TMP/out" 2>"$TMP/err"
expect_eq "a library without markers: exit 2, named with the ones there are" \
	"2 semantic error: while resolving probe point: no library \"libnosuch.so\" with markers in $PYSHARED (its libraries with markers: $LIB): identifier 'library' at <input>:1:$((${#PYSHARED} + 19))" \
	"$? $(head -1 "$TMP/err")"
# pp() of a library point is stap's: process("/full/exe").library("/full/lib").mark("NAME"), the
# mark by its own name (the point's text in tapsets.cxx build_library_probe + sdt_query).
timeout 60 "$PYSCOPE" stap -e "probe process(\"$PYSHARED\").library(\"$LIB\").mark(\"function-entry\") {
	println(pp()); exit()
}" -c "$PYSHARED -c 'pass'" >"$TMP/out" 2>"$TMP/err"
expect_eq "pp() of a library point: the executable and the library by their full paths" \
	"process(\"$PYSHARED\").library(\"$LIBREAL\").mark(\"function__entry\")" "$(cat "$TMP/out")"
