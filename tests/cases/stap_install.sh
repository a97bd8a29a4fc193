#!/bin/bash
# pyscope stap installed: the built-in tapset is found beside the installed binary (its build
# folder gone), and install-compat adds the "stap" name, never over a real stap.
source "$(dirname "$0")/../lib.sh"
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE -u FUZZ -u OUTPUT make "$@"; }
src=$TMP/src root=$TMP/root
mkdir -p "$src"
tar -C "$PYSCOPE_ROOT" --exclude='./build*' --exclude=./.git --exclude=./debian/build -cf - . |
	tar -xf - -C "$src"
if [ "$PYSCOPE" = "$PYSCOPE_ROOT/build/pyscope" ]; then
	tar -C "$PYSCOPE_ROOT" --exclude=./build/test-logs -cf - ./build | tar -xf - -C "$src"
fi
mk -C "$src" -j2 >"$TMP/make.log" 2>&1
expect_eq "the copy builds" 0 $?
mk -C "$src" install-compat DESTDIR="$root" >"$TMP/install.log" 2>&1
expect_eq "make install-compat exits 0" 0 $?
rm -rf "$src/build"
bin=$root/usr/local/bin
expect_eq "install-compat: stap -> pyscope" "pyscope" "$(readlink "$bin/stap")"
# the installed tapset's aliases resolve (-p2: elaborate only, against a recording: no kernel)
"$bin/stap" -p2 --replay "$PYSCOPE_ROOT/tests/golden/stp/prog.events" \
	-e 'probe python.function.entry { println(funcname) }' >"$TMP/out" 2>"$TMP/err"
expect_eq "installed stap: the built-in tapset's python.function.entry resolves" \
	"0 .mark(\"function__entry\")" "$? $(sed -n '/^# probes/{n;p}' "$TMP/out" | grep -o '\.mark("[a-z_]*")' | head -1)"
expect_eq "installed: the tapset is the installed one" "yes" \
	"$([ -f "$root/usr/local/share/pyscope/tapset/python.stp" ] && echo yes || echo no)"
mk -C "$src" uninstall DESTDIR="$root" >/dev/null 2>&1
expect_eq "uninstall: stap name gone" "no" "$([ -e "$bin/stap" ] || [ -L "$bin/stap" ] && echo yes || echo no)"
mkdir -p "$root/usr/local/bin"
echo 'a real stap' >"$root/usr/local/bin/stap"
expect_status "install-compat refuses to replace a real stap" 2 mk -s -C "$src" install-compat DESTDIR="$root"
expect_eq "install-compat: the real stap is intact" "a real stap" "$(cat "$root/usr/local/bin/stap")"
