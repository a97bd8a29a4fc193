#!/bin/bash
# The syscall provider's number -> name table (scripts/gen-syscalls, from <asm/unistd.h>): the
# numbers of a few calls agree with the C library's <sys/syscall.h>, and the table is complete
# enough to be the machine's (at least 250 calls, no number twice).
source "$(dirname "$0")/../lib.sh"
need_cmd "syscall table" cc || exit 0
H=$PYSCOPE_ROOT/$PYSCOPE_BUILD/syscalls.h
scripts=$PYSCOPE_ROOT/scripts
"$scripts/gen-syscalls" cc "$TMP/syscalls.h"
expect_eq "the generator writes the table the build uses" "same" \
	"$(cmp -s "$TMP/syscalls.h" "$H" && echo same)"
cat >"$TMP/nr.c" <<'C'
#include <stdio.h>
#include <sys/syscall.h>
int main(void)
{
	printf("[%d] = \"read\",\n[%d] = \"write\",\n[%d] = \"openat\",\n[%d] = \"close\",\n"
	       "[%d] = \"exit_group\",\n[%d] = \"execve\",\n", SYS_read, SYS_write, SYS_openat,
	       SYS_close, SYS_exit_group, SYS_execve);
	return 0;
}
C
cc -o "$TMP/nr" "$TMP/nr.c"
"$TMP/nr" >"$TMP/want"
tr -d '\t' <"$TMP/syscalls.h" >"$TMP/flat"
expect_eq "read, write, openat, close, exit_group, execve at <sys/syscall.h>'s numbers" "" \
	"$(while read -r l; do grep -q -F -x "$l" "$TMP/flat" || echo "missing: $l"; done <"$TMP/want")"
n=$(grep -c '^	\[' "$TMP/syscalls.h")
expect_eq "at least 250 calls" "yes" "$([ "$n" -ge 250 ] && echo yes)"
expect_eq "no number twice" "" "$(grep -o '^	\[[0-9]*\]' "$TMP/syscalls.h" | sort | uniq -d)"
