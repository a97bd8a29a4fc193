# The Debian package: `make deb` (dpkg-buildpackage -us -uc -b) on a copy of the tree builds
# pyscope_VERSION_ARCH.deb into build/deb/, with its run-time dependencies declared; unpacked into
# a clean directory tree, its pyscope runs (--version, list) and finds its data under that tree.
. "$(dirname "$0")/../lib.sh"
# A make of its own: not a sub-make of `make check` (its -j jobserver, SANITIZE=1 of check-san).
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE -u FUZZ -u OUTPUT make "$@"; }
for t in dpkg-buildpackage dh; do
	command -v $t >/dev/null || { fail "$t is installed" "run scripts/install-deps (dpkg-dev, debhelper)"; exit 0; }
done
src=$TMP/work/src root=$TMP/root
mkdir -p "$src" "$root"
tar -C "$PYSCOPE_ROOT" --exclude='./build*' --exclude=./.git --exclude=./debian/build -cf - . |
	tar -xf - -C "$src"
version=$(sed -n 's/^#define PYSCOPE_VERSION "\(.*\)"$/\1/p' "$src/src/version.h")
arch=$(dpkg --print-architecture)
deb=$src/build/deb/pyscope_${version}_$arch.deb
mk -C "$src" deb >"$TMP/deb.log" 2>&1
expect_eq "make deb exits 0" 0 $?
[ -f "$deb" ] || { fail "make deb: $deb built" "$(tail -20 "$TMP/deb.log")"; exit 0; }
pass "make deb: build/deb/pyscope_${version}_$arch.deb built"
expect_eq "nothing left in the parent directory" "src" "$(ls "$TMP/work")"
expect_eq "the package build leaves build/ to the developer (only build/deb)" "deb" "$(ls "$src/build")"

dpkg-deb -f "$deb" Package Version Depends >"$TMP/ctl"
expect_grep "control: Package pyscope" '^Package: pyscope$' "$TMP/ctl"
expect_grep "control: Version from src/version.h" "^Version: $version\$" "$TMP/ctl"
expect_grep "control: Depends on libbpf, libelf and libc" '^Depends: .*libbpf1.*' "$TMP/ctl"
expect_grep "control: Depends on libelf" '^Depends: .*libelf1' "$TMP/ctl"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./||' | grep -v '/$' | LC_ALL=C sort >"$TMP/files"
for f in usr/bin/pyscope usr/share/man/man1/pyscope.1.gz usr/share/man/man1/pyscope-dtrace.1.gz \
         usr/share/bash-completion/completions/pyscope usr/share/pyscope/examples/call_hierarchy.d \
         usr/share/doc/pyscope/copyright; do
	expect_grep "package holds $f" "^$f\$" "$TMP/files"
done
expect_eq "no dtrace name in the package (it would shadow systemtap-sdt-dev's)" "" \
	"$(grep -E 'bin/(dtrace|stap)$' "$TMP/files")"

# A clean tree: only what the package holds.
dpkg -x "$deb" "$root"
"$root/usr/bin/pyscope" --version >"$TMP/v" 2>&1
expect_eq "unpacked: pyscope --version exits 0" 0 $?
expect_eq "unpacked: version" "pyscope $version" "$(head -1 "$TMP/v")"
expect_grep "unpacked: finds its data in the tree" "^data directory: $root/usr/share/pyscope\$" "$TMP/v"
"$root/usr/bin/pyscope" list >"$TMP/list" 2>"$TMP/err"
expect_eq "unpacked: pyscope list exits 0" 0 $?
expect_grep "unpacked: pyscope list shows the system Python's markers" \
	'^/usr/bin/python3(\.11)?( |$)' "$TMP/list"
expect_grep "unpacked: function__entry listed" 'function__entry' "$TMP/list"
