#!/usr/bin/env python3
"""list_mkelf.py — writes small synthetic ELF files with stapsdt notes for tests/cases/list_*.sh.

    list_mkelf.py KIND OUT

Each KIND is a well-formed object (good64, good32, prelinked, badargs, rel) or one broken in one
specific way (lying note sizes, strings running off the note, sections past the end of the file,
...). The layout: ELF header, one PT_LOAD program header, .text, .probes (semaphores),
.stapsdt.base, .note.stapsdt, .shstrtab, then the section headers. Nothing here is copied into
the repository as a binary: the tests build what they need in their temporary folder.
"""
import struct
import sys

TEXT_ADDR = 0x401000
PROBES_ADDR = 0x402000
BASE_ADDR = 0x403000


def note(word, pc, base, sem, provider, name, args, namesz=None, descsz=None, strings=None):
    desc = struct.pack("<" + word * 3, pc, base, sem)
    desc += strings if strings is not None else (provider + b"\0" + name + b"\0" + args + b"\0")
    owner = b"stapsdt\0"
    nsz = len(owner) if namesz is None else namesz
    dsz = len(desc) if descsz is None else descsz
    out = struct.pack("<III", nsz, dsz, 3) + owner
    out += desc + b"\0" * (-len(desc) % 4)
    return out


def build(kind):
    is32 = kind == "good32"
    word = "I" if is32 else "Q"
    notes = [
        ("python", "function__entry", TEXT_ADDR + 0x10, PROBES_ADDR, "8@%rbp 8@%r12 -4@%eax"),
        ("python", "gc__start", TEXT_ADDR + 0x20, PROBES_ADDR + 2, "-4@112(%rsp)"),
        ("myapp", "no_sem", TEXT_ADDR + 0x30, 0, ""),
    ]
    if is32:
        notes[0] = ("python", "function__entry", TEXT_ADDR + 0x10, PROBES_ADDR, "4@%esi 4@%edi -4@-12(%ebp)")
    if kind == "badargs":
        notes.append(("python", "arm", TEXT_ADDR + 0x40, 0, "8@x0 -4@[sp, 8]"))
    base_in_note = BASE_ADDR
    base_section = BASE_ADDR + (0x1000 if kind == "prelinked" else 0)
    blob = b"".join(
        note(word, pc, base_in_note, sem, p.encode(), n.encode(), a.encode()) for p, n, pc, sem, a in notes)
    if kind == "lying_namesz":
        blob += note(word, TEXT_ADDR, base_in_note, 0, b"python", b"x", b"", namesz=0x7fffffff)
    elif kind == "lying_descsz":
        blob += note(word, TEXT_ADDR, base_in_note, 0, b"python", b"x", b"", descsz=0x10000)
    elif kind == "short_desc":
        blob += struct.pack("<III", 8, 8, 3) + b"stapsdt\0" + b"\1" * 8
    elif kind == "unterminated":
        blob += note(word, TEXT_ADDR, base_in_note, 0, b"", b"", b"", strings=b"python\0name-without-end")
    elif kind == "missing_strings":
        blob += note(word, TEXT_ADDR, base_in_note, 0, b"", b"", b"", strings=b"python\0")

    # A function symbol covering the first two markers, not the third: FUNCTION is "probe_site"
    # for those and unknown ("-") for the last. A local alias of the same code must lose to it.
    strtab = b"\0probe_site\0local_alias\0"
    if is32:
        sym = lambda name, value, size, info: struct.pack("<IIIBBH", name, value, size, info, 0, 1)
    else:
        sym = lambda name, value, size, info: struct.pack("<IBBHQQ", name, info, 0, 1, value, size)
    symtab = sym(0, 0, 0, 0) + sym(12, TEXT_ADDR, 0x28, 0x02) + sym(1, TEXT_ADDR, 0x28, 0x12)

    names = [b"", b".text", b".probes", b".stapsdt.base", b".note.stapsdt", b".shstrtab",
             b".symtab", b".strtab"]
    shstrtab = b"\0"
    name_off = []
    for n in names:
        if n:
            name_off.append(len(shstrtab))
            shstrtab += n + b"\0"
        else:
            name_off.append(0)

    ehsize, phsize, shsize = (52, 32, 40) if is32 else (64, 56, 64)
    text = b"\x90" * 0x100
    probes = b"\0" * 16
    sbase = b"\0"
    off = ehsize + phsize
    layout = []
    for data in (text, probes, sbase, blob, shstrtab, symtab, strtab):
        off += -off % 8
        layout.append((off, data))
        off += len(data)
    off += -off % 8
    shoff = off

    body = bytearray(shoff)
    for o, d in layout:
        body[o:o + len(d)] = d

    e_type = 1 if kind == "rel" else 2
    e_machine = 3 if is32 else 62
    shnum = len(names)
    if kind == "huge_shnum":
        shnum = 0xfff0
    if is32:
        ident = b"\x7fELF" + bytes([1, 1, 1]) + b"\0" * 9
        ehdr = ident + struct.pack("<HHIIIIIHHHHHH", e_type, e_machine, 1, TEXT_ADDR, ehsize, shoff, 0,
                                   ehsize, phsize, 1, shsize, shnum, 5)
        # One PT_LOAD mapping the whole file at 0x400000.
        phdr = struct.pack("<IIIIIIII", 1, 0, 0x400000, 0x400000, 0x4000, 0x4000, 5, 0x1000)
    else:
        ident = b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9
        if kind == "bad_class":
            ident = b"\x7fELF" + bytes([7, 1, 1]) + b"\0" * 9
        ehdr = ident + struct.pack("<HHIQQQIHHHHHH", e_type, e_machine, 1, TEXT_ADDR, ehsize, shoff, 0,
                                   ehsize, phsize, 1, shsize, shnum, 5)
        phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, 0x4000, 0x4000, 0x1000)
    body[0:len(ehdr)] = ehdr
    body[ehsize:ehsize + phsize] = phdr

    # Section headers: (type, flags, addr, offset, size)
    secs = [
        (0, 0, 0, 0, 0),
        (1, 6, TEXT_ADDR, layout[0][0], len(text)),
        (1, 3, PROBES_ADDR, layout[1][0], len(probes)),
        (1, 2, base_section, layout[2][0], len(sbase)),
        (7, 0, 0, layout[3][0], len(blob)),
        (3, 0, 0, layout[4][0], len(shstrtab)),
        (2, 0, 0, layout[5][0], len(symtab)),
        (3, 0, 0, layout[6][0], len(strtab)),
    ]
    if kind == "note_past_eof":
        t, f, a, o, s = secs[4]
        secs[4] = (t, f, a, o, s + 0x100000)
    sh = b""
    for i, (t, f, a, o, s) in enumerate(secs):
        align = 4 if t == 7 else 1
        link, info, entsize = (7, 2, 16 if is32 else 24) if t == 2 else (0, 0, 0)
        if is32:
            sh += struct.pack("<IIIIIIIIII", name_off[i], t, f, a, o, s, link, info, align, entsize)
        else:
            sh += struct.pack("<IIQQQQIIQQ", name_off[i], t, f, a, o, s, link, info, align, entsize)
    out = bytes(body) + sh
    if kind == "shdrs_truncated":
        out = out[:shoff + shsize * 2]
    return out


if __name__ == "__main__":
    with open(sys.argv[2], "wb") as f:
        f.write(build(sys.argv[1]))
