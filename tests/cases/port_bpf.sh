#!/bin/bash
# The BPF side is built per architecture and guards what it reads from libbpf:
#  - capture.bpf.c compiles for x86 and for arm64 (-D__TARGET_ARCH_*), each with its own register
#    frame, even though only the host's can run here; any other target is refused in one line;
#  - against a usdt.bpf.h whose enum __bpf_usdt_arg_type has a kind more (libbpf 1.7's
#    BPF_USDT_ARG_SIB), or whose spec moved a field, the build FAILS rather than misreading specs;
#  - the Makefile names the architectures it builds for when asked for another.
source "$(dirname "$0")/../lib.sh"

if ! command -v clang >/dev/null; then
	skip "capture.bpf.c builds per architecture" "clang not installed"
	exit 0
fi
SRC=$PYSCOPE_ROOT/src/capture.bpf.c
MULTIARCH=$(cc -print-multiarch 2>/dev/null)
# bpf_cc ARCH [INCLUDE_DIR]: compile capture.bpf.c as the Makefile does; compiler output in $TMP/cc.err
bpf_cc() {
	clang -g -O2 -target bpf -D__TARGET_ARCH_$1 ${2:+-I"$2"} -I/usr/include/"$MULTIARCH" \
		-I"$PYSCOPE_ROOT/src" -Wall -Werror -c "$SRC" -o "$TMP/capture-$1.bpf.o" 2>"$TMP/cc.err"
}

for arch in x86 arm64; do
	if bpf_cc $arch; then pass "capture.bpf.c builds for $arch"
	else fail "capture.bpf.c builds for $arch" "$(head -5 "$TMP/cc.err")"; fi
done
bpf_cc riscv
expect_eq "capture.bpf.c refuses riscv: status" 1 "$?"
expect_eq "capture.bpf.c refuses riscv: first error says why" \
	'error: "pyscope: capture.bpf.c is written for x86 and arm64 (-D__TARGET_ARCH_x86 or -D__TARGET_ARCH_arm64)"' \
	"$(grep -o 'error: .*' "$TMP/cc.err" | head -1)"

# A libbpf with one argument kind more than capture.bpf.c decodes.
mkdir -p "$TMP/sib/bpf" "$TMP/moved/bpf"
sed 's/^\tBPF_USDT_ARG_REG_DEREF,$/&\n\tBPF_USDT_ARG_SIB,/' /usr/include/bpf/usdt.bpf.h >"$TMP/sib/bpf/usdt.bpf.h"
if ! grep -q BPF_USDT_ARG_SIB /usr/include/bpf/usdt.bpf.h && grep -q BPF_USDT_ARG_SIB "$TMP/sib/bpf/usdt.bpf.h"; then
	for arch in x86 arm64; do
		bpf_cc $arch "$TMP/sib"
		expect_eq "an extra argument kind fails the $arch build" 1 "$?"
		expect_grep "an extra argument kind: the error names it ($arch)" \
			"error: enumeration value 'BPF_USDT_ARG_SIB' not handled in switch" "$TMP/cc.err"
	done
else
	skip "an extra argument kind fails the build" "this libbpf's usdt.bpf.h already has BPF_USDT_ARG_SIB or another layout"
fi

# A libbpf whose spec moved reg_off.
sed 's/^\tshort reg_off;$/\tshort idx_reg_off;\n&/' /usr/include/bpf/usdt.bpf.h >"$TMP/moved/bpf/usdt.bpf.h"
if grep -q idx_reg_off "$TMP/moved/bpf/usdt.bpf.h"; then
	bpf_cc x86 "$TMP/moved"
	expect_eq "a moved spec field fails the build" 1 "$?"
	expect_grep "a moved spec field: the error says so" \
		"libbpf's struct __bpf_usdt_arg_spec has the layout capture.bpf.c reads" "$TMP/cc.err"
else
	skip "a moved spec field fails the build" "this libbpf's usdt.bpf.h has another layout"
fi

# The Makefile on an architecture pyscope does not support: one line, naming the supported ones.
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$PYSCOPE_ROOT" -n ARCH=riscv64 all >"$TMP/out" 2>"$TMP/err"
expect_eq "make on riscv64: fails" 2 "$?"
expect_eq "make on riscv64: one line" 1 "$(wc -l <"$TMP/err")"
expect_grep "make on riscv64: says which it builds for" \
	'pyscope builds for x86_64 and aarch64 only, not riscv64' "$TMP/err"
