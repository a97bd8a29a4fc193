#!/bin/bash
# Shared libraries are found where the dynamic loader finds them, with no directory written into
# pyscope: RPATH, LD_LIBRARY_PATH, RUNPATH, the loader's cache (/etc/ld.so.cache, what
# `ldconfig -p` lists) and the loader's default directories for the object's machine. A
# libpython registered only in the cache, in an unusual directory, is found. The cache used here
# is one ldconfig writes into the test's own folder (the machine's cache is never touched).
source "$(dirname "$0")/../lib.sh"

if ! command -v ldconfig >/dev/null && [ ! -x /sbin/ldconfig ]; then
	skip "libraries found through ld.so.cache" "ldconfig not installed"; exit 0
fi
LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)
DRV=$TMP/port_ldcache
B=$PYSCOPE_ROOT/$PYSCOPE_BUILD
san=   # objects of the sanitizer build (make check-san) link only with the sanitizers' runtimes
case $PYSCOPE_BUILD in *san*) san="-fsanitize=address,undefined" ;; esac
# shellcheck disable=SC2086
cc $san -std=c11 -D_GNU_SOURCE -I"$PYSCOPE_ROOT/src" -o "$DRV" "$PYSCOPE_ROOT/tests/cases/port_ldcache.c" \
	"$B/sdt.o" "$B/argspec.o" "$B/event.o" -lelf 2>"$TMP/cc.err" ||
	{ fail "build the driver" "$(cat "$TMP/cc.err")"; exit 0; }

# A libpython-like library in a directory nothing else names, and a program that needs it
# (no RUNPATH: only the cache can say where it is).
ODD=$TMP/odd/place
mkdir -p "$ODD"
echo 'int pyfake(void) { return 42; }' >"$TMP/lib.c"
echo 'int pyfake(void); int main(void) { return pyfake() != 42; }' >"$TMP/app.c"
cc -shared -fPIC -Wl,-soname,libpython9.9.so.1.0 -o "$ODD/libpython9.9.so.1.0" "$TMP/lib.c" &&
	cc -o "$TMP/app" "$TMP/app.c" "$ODD/libpython9.9.so.1.0" 2>"$TMP/cc.err" ||
	{ fail "build the library and the program" "$(cat "$TMP/cc.err")"; exit 0; }
expect_eq "the program has no RUNPATH or RPATH" "" "$(readelf -d "$TMP/app" | grep -E 'RUNPATH|RPATH')"

# ldconfig run on a root of its own (-r), so that it writes nothing of the machine's (not even its
# aux-cache, which -C alone still rewrites), and touches no links (-X). Inside that root the
# library sits at the same path as outside, so the cache names the real file.
ROOT=$TMP/root
mkdir -p "$ROOT$ODD"
cp "$ODD/libpython9.9.so.1.0" "$ROOT$ODD/"
echo "$ODD" >"$ROOT/ld.so.conf"
"$LDCONFIG" -X -r "$ROOT" -C /ld.so.cache -f /ld.so.conf 2>"$TMP/ldc.err" &&
	mv "$ROOT/ld.so.cache" "$TMP/ld.so.cache" ||
	{ fail "ldconfig writes a cache" "$(cat "$TMP/ldc.err")"; exit 0; }
expect_grep "ldconfig lists the library in the test cache" "libpython9\.9\.so\.1\.0 .*=> $ODD/libpython9\.9\.so\.1\.0" \
	<("$LDCONFIG" -p -C "$TMP/ld.so.cache" 2>/dev/null || true)

expect_eq "found through the cache, in an unusual directory" "$ODD/libpython9.9.so.1.0" \
	"$("$DRV" find "$TMP/app" libpython9.9.so.1.0 "$TMP/ld.so.cache")"
expect_eq "cache look-up" "$ODD/libpython9.9.so.1.0" \
	"$("$DRV" lookup "$TMP/ld.so.cache" libpython9.9.so.1.0 "$TMP/app")"
expect_eq "not found without that cache (the system's does not list it)" "error: -2" \
	"$("$DRV" find "$TMP/app" libpython9.9.so.1.0 /etc/ld.so.cache)"
expect_eq "LD_LIBRARY_PATH is searched" "$ODD/libpython9.9.so.1.0" \
	"$(LD_LIBRARY_PATH=/nonexistent:$ODD "$DRV" find "$TMP/app" libpython9.9.so.1.0 /nonexistent)"
# A file of the right name but another machine's does not count.
cp "$TMP/lib.c" "$TMP/odd/libpython9.9.so.1.0"
expect_eq "a non-ELF file of that name is passed over" "$ODD/libpython9.9.so.1.0" \
	"$(LD_LIBRARY_PATH=$TMP/odd:$ODD "$DRV" find "$TMP/app" libpython9.9.so.1.0 /nonexistent)"

# Caches that are not caches.
head -c 100 "$TMP/ld.so.cache" >"$TMP/short.cache"
expect_eq "a cut cache: not listed" "error: -2" "$("$DRV" lookup "$TMP/short.cache" libpython9.9.so.1.0 "$TMP/app")"
echo "not a cache at all, but long enough to hold a header of forty-eight bytes" >"$TMP/bad.cache"
expect_eq "not a cache: -EINVAL" "error: -22" "$("$DRV" lookup "$TMP/bad.cache" libc.so.6 "$TMP/app")"
expect_eq "no cache file: -ENOENT" "error: -2" "$("$DRV" lookup "$TMP/none.cache" libc.so.6 "$TMP/app")"

# The machine's own cache reads as `ldconfig -p` lists it, for the libraries pyscope itself uses.
for lib in libc.so.6 libelf.so.1 libbpf.so.1 libz.so.1 libpython3.11.so.1.0; do
	want=$("$LDCONFIG" -p | awk -v l="$lib" '$1 == l && /x86-64|AArch64/ { print $NF; exit }')
	if [ -z "$want" ]; then skip "system cache: $lib" "not in ldconfig -p"; continue; fi
	expect_eq "system cache: $lib as ldconfig -p lists it" "$want" \
		"$("$DRV" lookup /etc/ld.so.cache "$lib" "$PYSCOPE")"
done

# A cache with the old format's part first ("ld.so-1.7.0", entries of 12 bytes), as ldconfig
# before glibc 2.32 wrote by default: the new part after it, 8-aligned, is the one read.
python3 -c '
import struct, sys
new = open(sys.argv[1], "rb").read()
old = b"ld.so-1.7.0\0" + struct.pack("<I", 3) + b"\0" * 36
old += b"\0" * (-len(old) % 8)
open(sys.argv[2], "wb").write(old + new)' "$TMP/ld.so.cache" "$TMP/compat.cache"
expect_eq "a cache with the old format first" "$ODD/libpython9.9.so.1.0" \
	"$("$DRV" lookup "$TMP/compat.cache" libpython9.9.so.1.0 "$TMP/app")"
