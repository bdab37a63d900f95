#!/usr/bin/env python3
"""Every write to a record database goes through the journal (ctest: lint.record_writes).

The undo journal (daemon/store/store-journal.c) sees a change because every write to a record
database — the ones store-journal.c lists in journaled[] — goes through rec_put / rec_del,
which take the record's before-image first. A raw mdb_put, mdb_del, mdb_cursor_put,
mdb_cursor_del or mdb_drop on one of them would change a record that undo cannot put back.
This check finds such a call on a database named in the call (dbi(t, DB_CONTACTS)) or on a
cursor the same function opened on one (cursor_open(t, DB_INTERACTIONS, &cur))."""

import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), "..", ".."))
STORE = os.path.join(ROOT, "daemon", "store")
JOURNAL = os.path.join(STORE, "store-journal.c")
WRITE = re.compile(r"\bmdb_(put|del|drop)\s*\(([^;]*)")
CURSOR_WRITE = re.compile(r"\bmdb_cursor_(put|del)\s*\(\s*(\w+)")
CURSOR_OPEN = re.compile(r"\b(?:cursor_open\s*\(\s*\w+\s*,\s*|mdb_cursor_open\s*\([^;]*?dbi\s*\(\s*\w+\s*,\s*)(DB_\w+)[^;]*?&\s*(\w+)")
FUNCTION = re.compile(r"^[a-z].*\)\s*$|^\{", re.M)


def record_databases():
    with open(JOURNAL) as f:
        text = f.read()
    table = re.search(r"journaled\[_DB_MAX\]\s*=\s*\{(.*?)\};", text, re.S)
    if not table:
        sys.exit("store-journal.c: no journaled[] table")
    return set(re.findall(r"\[(DB_\w+)\]\s*=\s*true", table.group(1)))


def main():
    records = record_databases()
    bad = 0
    for name in sorted(os.listdir(STORE)):
        path = os.path.join(STORE, name)
        if not name.endswith(".c") or path == JOURNAL:
            continue
        with open(path) as f:
            lines = f.read().split("\n")
        cursors = {}  # cursor variable -> database, within the current function
        for n, line in enumerate(lines, 1):
            if line.startswith("{"):
                cursors = {}
            statement = " ".join(lines[n - 1:n + 3])
            for m in CURSOR_OPEN.finditer(statement if "cursor_open" in line else ""):
                cursors[m.group(2)] = m.group(1)
            for m in WRITE.finditer(line):
                args = " ".join(lines[n - 1:n + 3])[line.find(m.group(0)):]
                db = re.search(r"dbi\s*\(\s*\w+\s*,\s*(DB_\w+)\s*\)", args.split(";")[0])
                if db and db.group(1) in records:
                    print("%s:%d: mdb_%s on %s bypasses the journal: use rec_put/rec_del"
                          % (os.path.relpath(path, ROOT), n, m.group(1), db.group(1)))
                    bad += 1
            for m in CURSOR_WRITE.finditer(line):
                db = cursors.get(m.group(2))
                if db in records:
                    print("%s:%d: mdb_cursor_%s on a cursor over %s bypasses the journal: "
                          "use rec_put/rec_del" % (os.path.relpath(path, ROOT), n, m.group(1), db))
                    bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
