# pyscope doctor: one line per check in a fixed order, each Python found on a line of its own,
# a privilege problem reported with what to do, and the exit status saying whether tracing works.
# Not "kind: live", though it checks more where can_trace holds: doctor only probes the kernel (one
# BPF ring buffer map and one dummy perf event, created and closed) and reads ELF notes; it attaches
# nothing to any process, so it cannot see or disturb other tests' processes: it runs in parallel.
. "$(dirname "$0")/../lib.sh"
# A Python without markers first on PATH (any ELF executable named python3.N will do).
mkdir -p "$TMP/bin" && cp /bin/true "$TMP/bin/python3.99"
PATH=$TMP/bin:$PATH "$PYSCOPE" doctor >"$TMP/d" 2>"$TMP/err"
rc=$?
expect_eq "checks in order" \
	"privileges|BTF|BPF ring buffer|uprobes|perf events|kernel.perf_event_paranoid|lockdown" \
	"$(grep -v ': tracing\|^[a-zA-Z]* *python:' "$TMP/d" | sed -E 's/^(ok|warn|FAIL) +//; s/[:= ].*//; s/^BPF$/BPF ring buffer/; s/^perf$/perf events/' | paste -sd'|')"
expect_grep "every line is ok, warn or FAIL, or the summary" . "$TMP/d"
expect_eq "no other kind of line" "" "$(grep -Ev '^(ok  |warn|FAIL)  |^pyscope doctor: ' "$TMP/d")"
expect_eq "nothing on stderr" "" "$(cat "$TMP/err")"
expect_eq "a Python without markers: warn, and what to do" \
	"warn  python: $TMP/bin/python3.99: no python markers (built without --with-dtrace), and no provider for it yet: trace a Python built --with-dtrace" \
	"$(grep "python3.99" "$TMP/d")"
expect_grep "the system python3.11 (or its python3 alias): 8 markers" \
	'^ok    python: /usr/bin/python3(\.11)?: 8 python markers$' "$TMP/d"
p=$(cat /proc/sys/kernel/perf_event_paranoid)
expect_grep "perf_event_paranoid: the sysctl's value" \
	"^ok    kernel.perf_event_paranoid = $p \\(limits only users without CAP_PERFMON\\)\$" "$TMP/d"
if [ -e /sys/kernel/security/lockdown ]; then
	m=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/security/lockdown)
	expect_grep "lockdown: the active mode" "^(ok    |warn  )lockdown: $m" "$TMP/d"
else
	expect_grep "lockdown: absent" '^ok    lockdown: not present \(/sys/kernel/security/lockdown does not exist\)$' "$TMP/d"
fi
expect_eq "exit status 0 exactly when no line is FAIL" \
	"$(grep -q '^FAIL' "$TMP/d" && echo 1 || echo 0)" "$rc"
if can_trace; then
	expect_eq "tracing works here: exit 0" 0 "$rc"
	expect_eq "tracing works here: summary" "pyscope doctor: tracing works here (see the warn lines)" \
		"$(tail -1 "$TMP/d")"
else
	skip "doctor: tracing works here" "needs root and BPF"
fi
if [ "$(id -u)" = 0 ]; then
	expect_grep "as root: privileges ok" '^ok    privileges: root$' "$TMP/d"
	# Without root and capabilities: FAIL with the remedy, exit 1.
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$PYSCOPE" doctor >"$TMP/u"
	expect_eq "unprivileged: exit 1" 1 $?
	expect_eq "unprivileged: FAIL line says what to do" \
		"FAIL  privileges: uid 65534, without CAP_BPF and CAP_PERFMON; run pyscope as root (sudo pyscope ...)" \
		"$(head -1 "$TMP/u")"
	expect_eq "unprivileged: summary" \
		"pyscope doctor: 1 problem: tracing will not work until the FAIL lines are fixed" "$(tail -1 "$TMP/u")"
	# Root whose capabilities were dropped (a container's root): still FAIL, and why.
	setpriv --bounding-set=-all --inh-caps=-all "$PYSCOPE" doctor >"$TMP/c"
	expect_eq "root without capabilities: exit 1" 1 $?
	expect_eq "root without capabilities: FAIL line says what to do" \
		"FAIL  privileges: root, but without CAP_BPF and CAP_PERFMON (dropped, as in a container); run with them (docker run --cap-add BPF --cap-add PERFMON, or --privileged)" \
		"$(head -1 "$TMP/c")"
else
	skip "doctor without privileges" "needs root to drop them"
fi
expect_status "doctor takes no argument" 2 "$PYSCOPE" doctor --fix
expect_eq "doctor: bad argument message" "pyscope doctor: unexpected argument '--fix' (it takes none)" \
	"$(cat "$TMP/err")"
# A Python built --enable-shared: its markers are in the libpython it links to, and the line says so.
CONFIG=/usr/bin/python3.11-config
if [ -x "$CONFIG" ]; then
	# shellcheck disable=SC2046
	cc -O0 -o "$TMP/bin/python3.98" "$PYSCOPE_ROOT/tests/cases/pyshared.c" \
		$("$CONFIG" --embed --cflags --ldflags) 2>"$TMP/cc.err" || fail "build pyshared" "$(cat "$TMP/cc.err")"
	PATH=$TMP/bin:$PATH "$PYSCOPE" doctor >"$TMP/d" 2>&1
	expect_grep "a shared-libpython Python: its libpython's markers" \
		"^ok    python: $TMP/bin/python3.98: 8 python markers in /.*/libpython3\\.11\\.so\\.1\\.0\$" "$TMP/d"
else
	skip "shared-libpython Python" "no $CONFIG (python3.11-dev)"
fi
