# pyscope version / --version: each field against its source (src/version.h, git, the libbpf
# headers, uname, /sys), and the version defined once (debian/changelog agrees with it).
# Not "kind: live", though it checks more where can_trace holds: version only creates (and closes)
# one BPF ring buffer map to see that the kernel has them; it attaches nothing to any process, so
# it runs in parallel with the others.
. "$(dirname "$0")/../lib.sh"
"$PYSCOPE" version >"$TMP/v" 2>"$TMP/err"
expect_eq "version exits 0" 0 $?
field() { sed -n "s/^$1: //p" "$TMP/v"; }
want=$(sed -n 's/^#define PYSCOPE_VERSION "\(.*\)"$/\1/p' "$PYSCOPE_ROOT/src/version.h")
expect_eq "line 1: pyscope VERSION (from src/version.h)" "pyscope $want" "$(head -1 "$TMP/v")"
expect_eq "fields in order" "git revision|libbpf|kernel|BTF|uprobe ref counting|ring buffer|data directory" \
	"$(sed 1d "$TMP/v" | cut -d: -f1 | paste -sd'|')"
if [ -e "$PYSCOPE_ROOT/.git" ]; then
	rev=$(git -C "$PYSCOPE_ROOT" describe --always 2>/dev/null)
	expect_grep "git revision: git describe of the tree built (dirty or not)" \
		"^git revision: $rev(-dirty)?\$" "$TMP/v"
else
	expect_eq "git revision: unknown outside git" "unknown" "$(field 'git revision')"
fi
lv=$(awk '/define LIBBPF_MAJOR_VERSION/{M=$3} /define LIBBPF_MINOR_VERSION/{m=$3} END{print M "." m}' \
	/usr/include/bpf/libbpf_version.h)
expect_eq "libbpf: the headers' version" "$lv (the headers pyscope was built with)" "$(field libbpf)"
expect_eq "kernel: uname -r" "$(uname -r)" "$(field kernel)"
yn() { [ -e "$1" ] && echo yes || echo no; }
expect_eq "BTF: as /sys says" "$(yn /sys/kernel/btf/vmlinux) (/sys/kernel/btf/vmlinux)" "$(field BTF)"
r=/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset
expect_eq "uprobe ref counting: as /sys says" "$(yn $r) ($r)" "$(field 'uprobe ref counting')"
if can_trace; then
	expect_eq "ring buffer: created one (as root)" "yes (created one)" "$(field 'ring buffer')"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$PYSCOPE" version >"$TMP/v2"
	k=$(uname -r | cut -d. -f1,2)
	expect_grep "ring buffer: judged by the kernel version without privilege" \
		"^ring buffer: yes \\(kernel $k, at least 5.8; bpf\\(2\\) refused: Operation not permitted\\)\$" "$TMP/v2"
else
	skip "ring buffer created" "needs root and BPF"
fi
expect_eq "data directory: ../share/pyscope beside the binary's directory" \
	"$PYSCOPE_ROOT/share/pyscope" "$(field 'data directory')"
"$PYSCOPE" --version >"$TMP/v3" 2>&1
expect_eq "--version is version" "$(cat "$TMP/v")" "$(cat "$TMP/v3")"
expect_status "version takes no argument" 2 "$PYSCOPE" version now
expect_eq "version: bad argument message" "pyscope version: unexpected argument 'now' (it takes none)" \
	"$(cat "$TMP/err")"
expect_eq "version: nothing on stdout for a bad argument" "" "$(cat "$TMP/out")"
expect_eq "debian/changelog has src/version.h's version" "$want" \
	"$(sed -n '1s/^pyscope (\(.*\)) .*/\1/p' "$PYSCOPE_ROOT/debian/changelog")"
