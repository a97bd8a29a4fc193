#!/usr/bin/env python3
"""port_mkelf.py — writes a small ELF64 executable for another architecture, with stapsdt notes
whose argument specs are in that architecture's syntax, for tests/cases/port_*.sh.

    port_mkelf.py MACHINE OUT        MACHINE: arm64 (e_machine 183) or riscv (243)

Layout: ELF header, one PT_LOAD, .text, .probes (semaphores), .stapsdt.base, .note.stapsdt,
.shstrtab, then the section headers. Built in the test's temporary folder, never kept.
"""
import struct
import sys

TEXT, PROBES, BASE = 0x401000, 0x402000, 0x403000
NOTES = {
    "arm64": (183, [
        ("python", "function__entry", TEXT + 0x10, PROBES, "8@x0 8@x1 -4@w2"),
        ("python", "gc__start", TEXT + 0x20, PROBES + 2, "-4@[sp, 12]"),
        ("python", "line", TEXT + 0x30, 0, "8@[x19, -8] 4@[sp] -4@5"),
    ]),
    "riscv": (243, [
        ("python", "function__entry", TEXT + 0x10, PROBES, "8@a0 -8@-88(s0)"),
        ("python", "gc__start", TEXT + 0x20, 0, ""),
    ]),
}


def note(pc, sem, provider, name, args):
    desc = struct.pack("<QQQ", pc, BASE, sem) + b"\0".join(s.encode() for s in (provider, name, args)) + b"\0"
    out = struct.pack("<III", 8, len(desc), 3) + b"stapsdt\0" + desc
    return out + b"\0" * (-len(out) % 4)


def build(kind):
    machine, notes = NOTES[kind]
    blob = b"".join(note(pc, sem, p, n, a) for p, n, pc, sem, a in notes)
    names = [b"", b".text", b".probes", b".stapsdt.base", b".note.stapsdt", b".shstrtab"]
    shstrtab, name_off = b"\0", []
    for n in names:
        name_off.append(len(shstrtab) if n else 0)
        if n:
            shstrtab += n + b"\0"
    datas = [b"\0" * 0x100, b"\0" * 16, b"\0", blob, shstrtab]
    off, layout = 64 + 56, []
    for d in datas:
        off += -off % 8
        layout.append(off)
        off += len(d)
    shoff = off + (-off % 8)
    body = bytearray(shoff)
    for o, d in zip(layout, datas):
        body[o:o + len(d)] = d
    ident = b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9
    body[0:64] = ident + struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, TEXT, 64, shoff, 0, 64, 56, 1, 64,
                                     len(names), 5)
    body[64:120] = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, 0x4000, 0x4000, 0x1000)
    secs = [(0, 0, 0, 0, 0), (1, 6, TEXT, layout[0], 0x100), (1, 3, PROBES, layout[1], 16),
            (1, 2, BASE, layout[2], 1), (7, 0, 0, layout[3], len(blob)), (3, 0, 0, layout[4], len(shstrtab))]
    sh = b"".join(struct.pack("<IIQQQQIIQQ", name_off[i], t, f, a, o, s, 0, 0, 4 if t == 7 else 1, 0)
                  for i, (t, f, a, o, s) in enumerate(secs))
    return bytes(body) + sh


if __name__ == "__main__":
    with open(sys.argv[2], "wb") as f:
        f.write(build(sys.argv[1]))
