#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""plt32-to-pc32.py MODULE.ko: rewrite the module's R_X86_64_PLT32
relocations as R_X86_64_PC32, in place; print how many.

binutils 2.31 and later emit R_X86_64_PLT32 for calls; the module loader of
x86_64 kernels before upstream's "x86: Treat R_X86_64_PLT32 as
R_X86_64_PC32" (v4.16, backported to some stable branches) refuses them
("Unknown rela relocation: 4").  A kernel module has no PLT, and the fix
makes the loader treat the two the same way: so does this rewrite.
scripts/run-selftest uses it only for a kernel whose loader lacks the fix.
"""
import struct
import sys

R_X86_64_PC32 = 2
R_X86_64_PLT32 = 4
SHT_RELA = 4
EM_X86_64 = 62


def main(path):
    with open(path, 'r+b') as f:
        data = bytearray(f.read())
        if data[:4] != b'\x7fELF' or data[4] != 2 or data[5] != 1:
            sys.exit(f'{path}: not a little-endian ELF64 file')
        if struct.unpack_from('<H', data, 18)[0] != EM_X86_64:
            sys.exit(f'{path}: not an x86_64 object')
        shoff, = struct.unpack_from('<Q', data, 40)
        shentsize, shnum = struct.unpack_from('<HH', data, 58)
        n = 0
        for i in range(shnum):
            sh = shoff + i * shentsize
            sh_type, = struct.unpack_from('<I', data, sh + 4)
            if sh_type != SHT_RELA:
                continue
            offset, size = struct.unpack_from('<QQ', data, sh + 24)
            entsize, = struct.unpack_from('<Q', data, sh + 56)
            for r in range(offset, offset + size, entsize or 24):
                info, = struct.unpack_from('<Q', data, r + 8)
                if info & 0xffffffff == R_X86_64_PLT32:
                    struct.pack_into('<Q', data, r + 8,
                                     (info & ~0xffffffff) | R_X86_64_PC32)
                    n += 1
        f.seek(0)
        f.write(data)
    print(n)


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: plt32-to-pc32.py MODULE.ko')
    main(sys.argv[1])
