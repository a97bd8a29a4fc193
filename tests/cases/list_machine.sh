#!/bin/bash
# `pyscope list` with no target: the Pythons on PATH (python3, python3.*), each once by real path,
# non-ELF files such as pyenv shims skipped, those without markers said so, and the libpython a
# dynamically linked one needs (found through its DT_RUNPATH $ORIGIN) listed after it. The PATH is
# a folder made here; /usr/bin/python3* is added by pyscope too, so only this folder's lines are
# pinned, plus the rule that /usr/bin's copy of the same python is not listed twice.
source "$(dirname "$0")/../lib.sh"
need_py311 "the Pythons on this machine" || exit 0
mkdir -p "$TMP/bin" "$TMP/lib" "$TMP/src"
ln -s "$PY311" "$TMP/bin/python3"
ln -s "$PY311" "$TMP/bin/python3.11"
cp /bin/true "$TMP/bin/python3.98"
printf '#!/usr/bin/env bash\nexec pyenv exec python3.99 "$@"\n' >"$TMP/bin/python3.99"
chmod +x "$TMP/bin/python3.99"
cp /bin/true "$TMP/bin/python2"

# A "shared build": an executable without markers whose libpython has one.
cat >"$TMP/src/lib.c" <<'EOF'
#include <sys/sdt.h>
void py_main(int n) { STAP_PROBE1(python, function__entry, n); }
EOF
cat >"$TMP/src/main.c" <<'EOF'
void py_main(int n);
int main(void) { py_main(1); return 0; }
EOF
if ! cc -shared -fPIC -Wl,-soname,libpython3.96.so.1.0 -o "$TMP/lib/libpython3.96.so.1.0" "$TMP/src/lib.c" ||
   ! cc -o "$TMP/bin/python3.96" "$TMP/src/main.c" "$TMP/lib/libpython3.96.so.1.0" \
	-Wl,-rpath,'$ORIGIN/../lib' -Wl,--enable-new-dtags; then
	fail "build the shared-build python" "cc failed"
fi

PATH="$TMP/bin:/nonexistent" "$PYSCOPE" list >"$TMP/out" 2>"$TMP/err"
rc=$?
expect_eq "machine: exit 0" 0 "$rc"
grep -E "^$TMP/" "$TMP/out" >"$TMP/heads"
cat >"$TMP/want" <<EOF
$TMP/bin/python3  (ET_EXEC, 8 markers)
$TMP/bin/python3.96  (no markers: built without --with-dtrace?)
$TMP/lib/libpython3.96.so.1.0  (ET_DYN, 1 marker)
$TMP/bin/python3.98  (no markers: built without --with-dtrace?)
EOF
expect_file "machine: each python once, shims skipped, libpython after its python" "$TMP/want" "$TMP/heads"
expect_eq "machine: /usr/bin/python3.11 not listed again" "" "$(grep -E '^/usr/bin/python3(\.11)?  ' "$TMP/out")"
expect_grep "machine: libpython's marker row" \
	"^  python +function__entry +function-entry +0x[0-9a-f]+ +- +py_main +-?4@" "$TMP/out"
expect_eq "machine: nothing on stderr" "" "$(cat "$TMP/err")"

# A lone pattern filters the machine's Pythons.
PATH="$TMP/bin" "$PYSCOPE" list 'python:gc*' >"$TMP/out" 2>"$TMP/err"
expect_eq "machine + pattern: exit 0" 0 "$?"
grep -E "^$TMP/" "$TMP/out" >"$TMP/heads"
cat >"$TMP/want" <<EOF
$TMP/bin/python3  (ET_EXEC, 2 markers)
$TMP/bin/python3.96  (no markers: built without --with-dtrace?)
$TMP/lib/libpython3.96.so.1.0  (libpython of $TMP/bin/python3.96; no markers match)
$TMP/bin/python3.98  (no markers: built without --with-dtrace?)
EOF
expect_file "machine + pattern: only matching markers" "$TMP/want" "$TMP/heads"

# --json: only marker records on stdout; the Pythons without markers are named on stderr.
PATH="$TMP/bin" "$PYSCOPE" list --json >"$TMP/out" 2>"$TMP/err"
python3 -c '
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["path"].startswith(sys.argv[2]): print(o["path"], o["name"])' "$TMP/out" "$TMP/" >"$TMP/got"
expect_eq "machine --json: markers of this folder's objects" \
	"$(printf "$TMP/bin/python3 %s\n" audit gc__done gc__start line import__find__load__start \
		import__find__load__done function__entry function__return; echo "$TMP/lib/libpython3.96.so.1.0 function__entry")" \
	"$(cat "$TMP/got")"
expect_grep "machine --json: no-marker python named on stderr" \
	"^pyscope: no markers in $TMP/bin/python3.98 \(built without --with-dtrace\?\)$" "$TMP/err"
