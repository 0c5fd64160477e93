#!/usr/bin/env python3
"""Marks chosen symbol-version requirements of an ELF shared object weak, and checks the rest.

Why: TorchSharp 0.107.0's libLibTorchSharp.so lists GLIBCXX_3.4.32 among its libstdc++ version
requirements (.gnu.version_r) for one symbol it never binds. Debian 12's libstdc++ stops at
GLIBCXX_3.4.30, so the dynamic loader refuses the whole library. A requirement whose Vernaux entry
carries VER_FLG_WEAK is only a warning for the loader, so setting that flag on exactly that entry
makes the library load. Every OTHER version the library requires from libstdc++ must exist in the
system's libstdc++; if one is missing the build fails here instead of at run time.

Standard library only (CI is a fresh Debian 12 machine). Idempotent: running it twice is harmless.
Usage: fix_glibcxx_requirement.py --weaken GLIBCXX_3.4.32[;MORE] path/to/libLibTorchSharp.so
       fix_glibcxx_requirement.py --list path/to/lib.so      (print the requirements and their weak flags)
"""
import argparse
import os
import struct
import subprocess
import sys

SHT_GNU_VERDEF = 0x6FFFFFFD
SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


class ElfError(Exception):
    pass


def read_sections(data):
    """Returns [(type, offset, size, link)] for an ELF64 little-endian image."""
    if data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    if data[4] != 2 or data[5] != 1:
        raise ElfError("only ELF64 little-endian is supported")
    e_shoff, = struct.unpack_from("<Q", data, 0x28)
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = []
    for i in range(e_shnum):
        base = e_shoff + i * e_shentsize
        _name, sh_type, _flags, _addr, sh_offset, sh_size, sh_link = struct.unpack_from("<IIQQQQI", data, base)
        sections.append((sh_type, sh_offset, sh_size, sh_link))
    return sections


def c_string(data, offset):
    end = data.index(b"\0", offset)
    return data[offset:end].decode("ascii")


def version_requirements(data):
    """Yields (file name, version name, byte offset of the Vernaux flags field, flags)."""
    sections = read_sections(data)
    found = False
    for sh_type, offset, _size, link in sections:
        if sh_type != SHT_GNU_VERNEED:
            continue
        found = True
        strtab = sections[link][1]
        entry = offset
        while True:
            _ver, count, file_off, aux_off, next_off = struct.unpack_from("<HHIII", data, entry)
            file_name = c_string(data, strtab + file_off)
            aux = entry + aux_off
            for _ in range(count):
                _hash, flags, _other, name_off, aux_next = struct.unpack_from("<IHHII", data, aux)
                yield file_name, c_string(data, strtab + name_off), aux + 4, flags
                if aux_next == 0:
                    break
                aux += aux_next
            if next_off == 0:
                break
            entry += next_off
    if not found:
        raise ElfError("no .gnu.version_r section")


def version_definitions(data):
    """Returns the set of version names an ELF shared object defines (.gnu.version_d)."""
    sections = read_sections(data)
    names = set()
    for sh_type, offset, _size, link in sections:
        if sh_type != SHT_GNU_VERDEF:
            continue
        strtab = sections[link][1]
        entry = offset
        while True:
            _ver, _flags, _ndx, count, _hash, aux_off, next_off = struct.unpack_from("<HHHHIII", data, entry)
            if count > 0:
                name_off, = struct.unpack_from("<I", data, entry + aux_off)
                names.add(c_string(data, strtab + name_off))
            if next_off == 0:
                break
            entry += next_off
    return names


def find_system_library(soname):
    """Locates a shared library the way the loader would for this machine (ldconfig cache, then usual dirs)."""
    for ldconfig in ("ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"):
        try:
            out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            continue
        for line in out.splitlines():
            line = line.strip()
            if line.startswith(soname + " ") and "x86-64" in line and "=>" in line:
                return line.split("=>", 1)[1].strip()
        break
    for directory in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"):
        candidate = os.path.join(directory, soname)
        if os.path.exists(candidate):
            return candidate
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weaken", default="", help="';'- or ','-separated version names to mark weak")
    parser.add_argument("--libstdcxx", help="path of the system libstdc++.so.6 (default: found via ldconfig)")
    parser.add_argument("--list", action="store_true", help="only print every version requirement and its flags")
    parser.add_argument("library")
    args = parser.parse_args()
    weaken = {v for v in args.weaken.replace(",", ";").split(";") if v}

    path = args.library
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if args.list:
        for file_name, version, _at, flags in version_requirements(data):
            print(f"{file_name} {version}{' weak' if flags & VER_FLG_WEAK else ''}")
        return 0

    libstdcxx = args.libstdcxx or find_system_library("libstdc++.so.6")
    if libstdcxx is None:
        print(f"error: {path}: cannot find the system libstdc++.so.6 to check against", file=sys.stderr)
        return 1
    with open(libstdcxx, "rb") as f:
        available = version_definitions(f.read())

    missing, patched, already = [], [], []
    for file_name, version, flags_at, flags in list(version_requirements(data)):
        if not file_name.startswith("libstdc++"):
            continue
        if version in available:
            continue
        if version in weaken:
            if flags & VER_FLG_WEAK:
                already.append(version)
            else:
                struct.pack_into("<H", data, flags_at, flags | VER_FLG_WEAK)
                patched.append(version)
        else:
            missing.append(version)

    if missing:
        print(f"error: {path} requires {', '.join(sorted(set(missing)))} which {libstdcxx} does not provide "
              f"(only {', '.join(sorted(weaken)) or 'nothing'} may be weakened)", file=sys.stderr)
        return 1
    if patched:
        # Write through a temporary sibling and rename, so an interrupted build never leaves a torn library.
        tmp = path + ".weak.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.chmod(tmp, os.stat(path).st_mode)
        os.replace(tmp, path)
        print(f"{os.path.basename(path)}: marked {', '.join(patched)} weak (not in {libstdcxx})")
    elif already:
        print(f"{os.path.basename(path)}: {', '.join(already)} already weak")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ElfError, OSError, struct.error, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
