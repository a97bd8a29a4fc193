#!/bin/bash
# printf("%a"): a kernel address as dtrace(1) prints it (dt_subr.c's dtrace_addr2str):
# "module`symbol+0xoff", "module`symbol" at its start, "vmlinux" the kernel image, from
# /proc/kallsyms; hex for an address no kernel symbol holds, for a user who sees kallsyms'
# addresses as zeros, and in a replay (the recording's kernel is not this one). No tracing:
# BEGIN programs only.
source "$(dirname "$0")/../lib.sh"
D() { "$PYSCOPE" dtrace "$@"; }

a=$(awk '$3 == "schedule" && $4 == "" { print $1; exit }' /proc/kallsyms)
if [ -z "$a" ] || [ "$a" = 0000000000000000 ]; then
	skip "%a: kernel symbols" "kallsyms shows no addresses to this user"
else
	D -q -n "BEGIN { printf(\"%a|%a|%-24a|%a\n\", 0x$a, 0x$a + 0x10, 0x$a + 1, 0x400000); exit(0); }" \
		>"$TMP/out" 2>"$TMP/err"
	expect_eq "%a: kernel symbols, with offset and width; a user address in hex" \
		"vmlinux\`schedule|vmlinux\`schedule+0x10|vmlinux\`schedule+0x1    |0x400000" \
		"$(cat "$TMP/out")"
	# a module's symbol: its module's name (the first text symbol of a loaded module, if any)
	read -r ma mname mmod < <(awk '$2 ~ /^[tT]$/ && $4 ~ /^\[/ && $4 !~ /bpf|ftrace/ {
		gsub(/[][]/, "", $4); print $1, $3, $4; exit }' /proc/kallsyms)
	if [ -n "$ma" ]; then
		D -q -n "BEGIN { printf(\"%a\n\", 0x$ma + 2); exit(0); }" >"$TMP/out" 2>"$TMP/err"
		expect_eq "%a: a module's symbol" "$mmod\`$mname+0x2" "$(cat "$TMP/out")"
	else
		skip "%a: a module's symbol" "no module loaded"
	fi
	# a user who sees zeros in kallsyms gets hex
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
		seen=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
			awk '$3 == "schedule" { print $1; exit }' /proc/kallsyms)
		want="0x$a"
		[ "$seen" = "$a" ] && want="vmlinux\`schedule"
		out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$PYSCOPE" dtrace -q -n "BEGIN { printf(\"%a\n\", 0x$a); exit(0); }" 2>&1)
		expect_eq "%a as a user who sees kallsyms as $seen" "$want" "$out"
	fi
fi

# In a replay, hex whatever the address.
printf 'BEGIN { printf("%%a\\n", 0xffffffff81000000); exit(0); }\n' >"$TMP/a.d"
D -q -s "$TMP/a.d" --replay "$PYSCOPE_ROOT/tests/golden/d/prog.events" >"$TMP/out" 2>"$TMP/err"
expect_eq "%a in a replay: hex" "0xffffffff81000000" "$(cat "$TMP/out")"

# printa's %a on an integer key: the kernel symbol too (dt_printf.c's pfprint_addr).
if [ -n "$a" ] && [ "$a" != 0000000000000000 ]; then
	D -q -n "BEGIN { @[0x$a + 4] = count(); printa(\"%-26a|%@d\n\", @); exit(0); }" \
		>"$TMP/out" 2>"$TMP/err"
	expect_eq "printa %a: a key's kernel symbol" "vmlinux\`schedule+0x4      |1" "$(cat "$TMP/out")"
fi
