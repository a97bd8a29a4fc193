#!/bin/bash
# Argument specs are decoded by the architecture of the object, from its ELF header, not the
# host's: `pyscope list` of a synthetic arm64 executable shows arm64 specs ("8@x0", "-4@[sp, 12]",
# "8@[x19, -8]", "4@[sp]", "-4@5", w registers) decoded, on any machine; an architecture pyscope
# does not decode says so per marker instead of misreading the specs.
source "$(dirname "$0")/../lib.sh"
MKELF="python3 $PYSCOPE_ROOT/tests/cases/port_mkelf.py"

$MKELF arm64 "$TMP/a64"
cd "$TMP" || exit 1
cat >"$TMP/want" <<'OUT'
a64  (ET_EXEC, 3 markers)
  PROVIDER  NAME             DTRACE NAME     LOCATION  SEMAPHORE  FUNCTION  ARGUMENTS                DECODED
  python    function__entry  function-entry  0x401010  0x402000   -         8@x0 8@x1 -4@w2          u64 x0, u64 x1, s32 w2
  python    gc__start        gc-start        0x401020  0x402002   -         -4@[sp, 12]              s32 [sp, 12]
  python    line             line            0x401030  -          -         8@[x19, -8] 4@[sp] -4@5  u64 [x19, -8], u32 [sp], s32 5
OUT
"$PYSCOPE" list a64 >"$TMP/got" 2>&1
expect_eq "arm64 list: exit 0" 0 "$?"
expect_file "arm64 list: specs decoded in arm64 syntax" "$TMP/want" "$TMP/got"

"$PYSCOPE" list --json a64 | jq -c '[.name, .args, .argspecs]' >"$TMP/got"
cat >"$TMP/want" <<'OUT'
["function__entry","8@x0 8@x1 -4@w2",[{"size":8,"signed":false,"kind":"register","register":"x0","register64":"x0"},{"size":8,"signed":false,"kind":"register","register":"x1","register64":"x1"},{"size":4,"signed":true,"kind":"register","register":"w2","register64":"x2"}]]
["gc__start","-4@[sp, 12]",[{"size":4,"signed":true,"kind":"memory","register":"sp","register64":"sp","offset":12}]]
["line","8@[x19, -8] 4@[sp] -4@5",[{"size":8,"signed":false,"kind":"memory","register":"x19","register64":"x19","offset":-8},{"size":4,"signed":false,"kind":"memory","register":"sp","register64":"sp","offset":0},{"size":4,"signed":true,"kind":"constant","value":5}]]
OUT
expect_file "arm64 list --json: argspecs" "$TMP/want" "$TMP/got"

# readelf agrees on the argument strings (the "[sp, 12]" blank is part of one spec).
if command -v readelf >/dev/null; then
	readelf -n a64 | sed -n 's/^ *Arguments: //p' >"$TMP/want"
	"$PYSCOPE" list --json a64 | jq -r .args >"$TMP/got"
	expect_file "arm64 argument strings match readelf -n" "$TMP/want" "$TMP/got"
else
	skip "arm64 argument strings match readelf -n" "readelf not installed"
fi

# A pattern in DTrace's spelling selects arm64 markers like any others.
expect_eq "arm64 list with a pattern" "gc__start" \
	"$("$PYSCOPE" list --json a64 'python:gc-*' | jq -r .name)"

# RISC-V: known to the ELF reader, not to the spec decoder: each marker says so, exit 0.
$MKELF riscv "$TMP/rv"
"$PYSCOPE" list rv >"$TMP/got" 2>&1
expect_eq "riscv list: exit 0" 0 "$?"
expect_grep "riscv list: specs not decoded, and why" \
	'8@a0 -8@-88\(s0\) +\? argument specs of ELF machine 243 are not decoded \(pyscope knows x86-64 and arm64\)$' \
	"$TMP/got"
expect_grep "riscv list: a marker without arguments is fine" '^  python +gc__start +gc-start .* - +-$' "$TMP/got"
