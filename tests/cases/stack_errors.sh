#!/bin/bash
# pyscope profile and dump: bad command lines get one clear line and exit 2, nothing attached
# (no kernel needed); --help prints the usage and exits 0.
source "$(dirname "$0")/../lib.sh"

err_is() {   # err_is NAME EXPECTED_FIRST_LINE ARGS...
	local name=$1 want=$2; shift 2
	"$PYSCOPE" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	expect_eq "$name" "2 $want" "$rc $(head -1 "$TMP/err")"
}
err_is "profile without a target" "pyscope: profile wants one of -c CMD, -p PID or --all" profile -o x
err_is "profile with two targets" "pyscope: profile wants one of -c CMD, -p PID or --all" profile --all -p 1 -o x
err_is "profile without -o" "pyscope: profile wants -o FILE (or --top)" profile --all
err_is "profile --top with -o" "pyscope: --top writes no file: -o and --format do not go with it" profile --all --top -o x
err_is "profile -F 0" "pyscope: -F wants a number from 1 to 10000, not '0'" profile --all -F 0 -o x
err_is "profile -F past the limit" "pyscope: -F wants a number from 1 to 10000, not '10001'" profile --all -F 10001 -o x
err_is "profile --depth past the limit" "pyscope: --depth wants a number from 1 to 128, not '129'" profile --all --depth 129 -o x
err_is "profile -d 0" "pyscope: -d wants seconds, more than 0 and at most 31536000, not '0'" profile --all -d 0 -o x
err_is "profile -d words" "pyscope: -d wants seconds, more than 0 and at most 31536000, not 'soon'" profile --all -d soon -o x
err_is "profile --format unknown" "pyscope: unknown --format 'png' (folded, speedscope or svg)" profile --all --format png -o x
err_is "profile -p missing value" "pyscope: -p wants a value" profile -o x -p
err_is "profile unknown option" "pyscope: profile: unknown option '--bogus'" profile --bogus
err_is "profile -p of no process" "pyscope: process 2147483647: no such process" profile -p 2147483647 -o x
err_is "dump -p of no process" "pyscope: process 2147483647: no such process" dump -p 2147483647
err_is "dump -p not a number" "pyscope: -p wants a number from 1 to 2147483647, not 'x'" dump -p x
err_is "dump unknown option" "pyscope: dump: unknown option '--values'" dump -p 1 --values
expect_status "profile --help exits 0" 0 "$PYSCOPE" profile --help
expect_grep "profile --help starts with usage" "^usage: pyscope profile " "$TMP/out"
expect_status "dump --help exits 0" 0 "$PYSCOPE" dump --help
expect_grep "dump --help starts with usage" "^usage: pyscope dump -p PID" "$TMP/out"
