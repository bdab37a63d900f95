#!/usr/bin/env python3
"""The layering rule of tendd, checked on the sources (ctest: lint.layers).

    common ← store ← core ← {rpc, engine} ← daemon (tendd.c, main.c)

A file may include headers of its own layer and of the layers below it, never of a layer
above or beside it; lmdb.h is included by the store alone. The build enforces the same through
include paths (daemon/CMakeLists.txt); this check names the offending line, and also catches an
include that happens to resolve through a system path."""

import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), "..", ".."))
LAYERS = {  # layer -> what it may include besides itself
    "common": set(),
    "store": {"common"},
    "core": {"common", "store"},
    "rpc": {"common", "store", "core"},
    "engine": {"common", "store", "core"},
    "daemon": {"common", "store", "core", "rpc", "engine"},
}
FOLDERS = {"common": "common", "store": "daemon/store", "core": "daemon/core",
           "rpc": "daemon/rpc", "engine": "daemon/engine", "daemon": "daemon"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def headers_of(layer):
    d = os.path.join(ROOT, FOLDERS[layer])
    return {f for f in os.listdir(d) if f.endswith(".h")}


def main():
    owner = {}
    for layer in LAYERS:
        for h in headers_of(layer):
            if h in owner:
                print("header %s exists in both %s and %s" % (h, owner[h], layer))
                return 1
            owner[h] = layer
    problems = 0
    for layer, folder in FOLDERS.items():
        d = os.path.join(ROOT, folder)
        for name in sorted(os.listdir(d)):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(d, name)
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    header = m.group(2)
                    if header == "lmdb.h" and layer != "store":
                        print("%s/%s:%d: lmdb.h outside the store" % (folder, name, n))
                        problems += 1
                    if m.group(1) != '"':
                        continue
                    target = owner.get(header)
                    if target is None or target == layer or target in LAYERS[layer]:
                        continue
                    print("%s/%s:%d: includes %s from the %s layer, which %s may not use"
                          % (folder, name, n, header, target, layer))
                    problems += 1
    if problems:
        print("%d include(s) break the layering (see docs/ARCHITECTURE.md)" % problems)
        return 1
    print("layering ok: %s" % " ← ".join(["common", "store", "core", "{rpc, engine}", "daemon"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
