# make install / install-compat / uninstall, on a copy of the tree (the real build folder is left
# alone): the exact files installed, the installed pyscope working with its build folder gone
# (it finds its data through /proc/self/exe, never the build folder), and uninstall removing
# every file it installed.
# kind: live (the installed dtrace traces its example under -c: uprobes on a real python3.11)
. "$(dirname "$0")/../lib.sh"
# A make of its own: not a sub-make of `make check` (its -j jobserver, SANITIZE=1 of check-san).
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE -u FUZZ -u OUTPUT make "$@"; }
src=$TMP/src root=$TMP/root
mkdir -p "$src"
tar -C "$PYSCOPE_ROOT" --exclude='./build*' --exclude=./.git --exclude=./debian/build -cf - . |
	tar -xf - -C "$src"
# The build folder comes along (times kept, so make finds it up to date and only relinks): the test
# is about what install puts down and that it works without that folder, not about compiling.
if [ "$PYSCOPE" = "$PYSCOPE_ROOT/build/pyscope" ]; then
	tar -C "$PYSCOPE_ROOT" --exclude=./build/test-logs -cf - ./build | tar -xf - -C "$src"
fi
mk -C "$src" -j2 >"$TMP/make.log" 2>&1
expect_eq "the copy builds" 0 $?
mk -C "$src" install DESTDIR="$root" >"$TMP/install.log" 2>&1
expect_eq "make install exits 0" 0 $?

# Every file and link install puts down, nothing more: a new file needs a line here and in uninstall.
expected="usr/local/bin/pyscope
usr/local/share/bash-completion/completions/pyscope
usr/local/share/man/man1/pyscope-doctor.1
usr/local/share/man/man1/pyscope-dtrace.1
usr/local/share/man/man1/pyscope-dump.1
usr/local/share/man/man1/pyscope-events.1
usr/local/share/man/man1/pyscope-list.1
usr/local/share/man/man1/pyscope-profile.1
usr/local/share/man/man1/pyscope-provider.1
usr/local/share/man/man1/pyscope-stap.1
usr/local/share/man/man1/pyscope-version.1
usr/local/share/man/man1/pyscope.1
usr/local/share/pyscope/README
usr/local/share/pyscope/examples/call_hierarchy.d
usr/local/share/pyscope/examples/call_hierarchy.stp
usr/local/share/pyscope/examples/orders.py
usr/local/share/pyscope/examples/top.stp
usr/local/share/pyscope/provider/build
usr/local/share/pyscope/provider/pyscope_provider.c
usr/local/share/pyscope/provider/sitecustomize.py
usr/local/share/pyscope/tapset/python.stp"
installed() { (cd "$root" && find . \( -type f -o -type l \) | sed 's|^\./||' | LC_ALL=C sort); }
expect_eq "install: exactly these files" "$expected" "$(installed)"
expect_eq "install: no dtrace name by default" "no" "$([ -e "$root/usr/local/bin/dtrace" ] && echo yes || echo no)"

# The build folder goes; the installed binary must not need it.
rm -rf "$src/build"
bin=$root/usr/local/bin/pyscope data=$root/usr/local/share/pyscope
"$bin" version >"$TMP/ver" 2>&1
expect_grep "installed: version runs" '^pyscope [0-9]+\.[0-9]+\.[0-9]+$' "$TMP/ver"
expect_grep "installed: data directory beside the binary" "^data directory: $data\$" "$TMP/ver"
expect_grep "installed: built without git says so" '^git revision: unknown$' "$TMP/ver"
if can_trace; then
	"$bin" dtrace -q -s "$data/examples/call_hierarchy.d" \
		-c "$PY311 $data/examples/orders.py" >"$TMP/out" 2>"$TMP/err"
	expect_eq "installed: dtrace on the installed example exits 0" 0 $?
	expect_grep "installed: main entered" '^-> main:31$' "$TMP/out"
	expect_grep "installed: aggregation printed" '^  discount +6$' "$TMP/out"
	expect_eq "installed: nothing on stderr" "" "$(cat "$TMP/err")"
else
	skip "installed: live dtrace" "needs root and BPF"
fi

# install-compat adds the dtrace name, and the binary started as dtrace is pyscope dtrace.
mk -C "$src" install-compat DESTDIR="$root" >"$TMP/compat.log" 2>&1
expect_eq "make install-compat exits 0" 0 $?
expect_eq "install-compat: dtrace -> pyscope" "pyscope" "$(readlink "$root/usr/local/bin/dtrace")"
"$root/usr/local/bin/dtrace" -e -n 'BEGIN { exit(0); }' >"$TMP/out" 2>&1
expect_eq "install-compat: dtrace -e compiles a script" 0 $?

# uninstall (the build folder still gone) leaves no file, link or pyscope directory behind.
mk -C "$src" uninstall DESTDIR="$root" >"$TMP/uninstall.log" 2>&1
expect_eq "make uninstall exits 0" 0 $?
expect_eq "uninstall: no file left" "" "$(installed)"
expect_eq "uninstall: data directory removed" "no" "$([ -e "$data" ] && echo yes || echo no)"
# The directories other packages share are left, empty; pyscope's own are gone.
expect_eq "uninstall: only the shared directories are left, empty" "usr
usr/local
usr/local/bin
usr/local/share
usr/local/share/bash-completion
usr/local/share/bash-completion/completions
usr/local/share/man
usr/local/share/man/man1" "$(cd "$root" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort)"

# PREFIX moves everything; install-compat never replaces a dtrace that is not pyscope.
mk -C "$src" install DESTDIR="$root" PREFIX=/usr >"$TMP/install2.log" 2>&1
expect_eq "install PREFIX=/usr: binary in usr/bin" "yes" \
	"$([ -x "$root/usr/bin/pyscope" ] && echo yes || echo no)"
expect_grep "install PREFIX=/usr: finds usr/share/pyscope" "^data directory: $root/usr/share/pyscope\$" \
	<("$root/usr/bin/pyscope" version)
echo 'a real dtrace' >"$root/usr/bin/dtrace"
expect_status "install-compat refuses to replace a real dtrace" 2 \
	mk -s -C "$src" install-compat DESTDIR="$root" PREFIX=/usr
expect_grep "install-compat: says why" "^pyscope: $root/usr/bin/dtrace exists and is not pyscope; remove it first\$" "$TMP/err"
expect_eq "install-compat: the real dtrace is intact" "a real dtrace" "$(cat "$root/usr/bin/dtrace")"
mk -C "$src" uninstall DESTDIR="$root" PREFIX=/usr >/dev/null 2>&1
expect_eq "uninstall PREFIX=/usr: only the foreign dtrace is left" "usr/bin/dtrace" "$(installed)"
