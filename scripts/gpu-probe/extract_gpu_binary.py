#!/usr/bin/env python3
"""Extract the payload of each #gpu.object in the gpu.binary ops of an MLIR file
(the output of `mlir-opt --gpu-module-to-binary`).

usage: extract_gpu_binary.py IN.mlir OUTDIR SUFFIX
writes OUTDIR/<binary-symbol>.SUFFIX for each gpu.binary (first object only).
The payload is an MLIR string literal: printable characters as-is, '\\\\' for a
backslash, and '\\XX' (two hex digits) for every other byte.
"""
import re
import sys


def unescape(s: str) -> bytes:
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            if s[i + 1] == "\\":
                out.append(0x5C)
                i += 2
            else:
                out.append(int(s[i + 1:i + 3], 16))
                i += 3
        else:
            out += c.encode("latin-1")
            i += 1
    return bytes(out)


def main():
    src, outdir, suffix = sys.argv[1], sys.argv[2], sys.argv[3]
    text = open(src, encoding="latin-1").read()
    # gpu.binary @name [#gpu.object<#nvvm.target<...>, [properties = {...},] KEY = "payload">]
    # KEY is assembly (isa), offload (llvm), bin, or absent (fatbin).
    pat = re.compile(r'gpu\.binary @(\w+)\s*\[#gpu\.object<#nvvm\.target<[^>]*>,'
                     r'\s*(?:properties\s*=\s*\{[^}]*\},\s*)?'
                     r'(?:(?:assembly|offload|bin)\s*=\s*)?"((?:[^"\\]|\\.)*)"\s*>',
                     re.S)
    n = 0
    for m in pat.finditer(text):
        name, payload = m.group(1), m.group(2)
        path = f"{outdir}/{name}.{suffix}"
        with open(path, "wb") as f:
            f.write(unescape(payload))
        print(path)
        n += 1
    if n == 0:
        sys.exit(f"{src}: no gpu.binary found")


if __name__ == "__main__":
    main()
