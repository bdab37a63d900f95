#!/usr/bin/python3
"""Benchmark: N contacts (default 10,000) from machine A to machine B through a real Radicale
on loopback, with the harness of tests/e2e/test_sync.py. Prints the wall time of each step:
tend import on A, A's export into its vdir, vdirsyncer's upload, B's download, B's import,
then a no-change round. Run by hand (never from ctest):

    TEND_BIN=build/client/tend TENDD_BIN=build/daemon/tendd tests/bench/sync_radicale.py [N]

Needs radicale, vdirsyncer and khard (as the e2e test). Results go in docs/BENCHMARKS.md."""

import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
os.environ.setdefault("TEND_TEST_WAIT", "3600")

from synctest import Machine, Radicale, missing_programs  # noqa: E402


def step(label, fn):
    t = time.monotonic()
    out = fn()
    print("%-40s %8.2f s" % (label, time.monotonic() - t), flush=True)
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    missing = missing_programs()
    if missing:
        sys.exit("not installed: " + ", ".join(missing))
    root = tempfile.mkdtemp(prefix="tend-bench-sync-")
    radicale = Radicale(root)
    machines = []
    try:
        url = radicale.make_addressbook("user", "tend")
        a = Machine(root, url, "a").start()
        b = Machine(root, url, "b").start()
        machines = [a, b]
        for m in machines:
            m.vdirsyncer("discover")
        cards = os.path.join(root, "cards.vcf")
        with open(cards, "w") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "gen_vcards.py"), str(n)],
                           stdout=f, check=True)
        print("%d contacts through Radicale %s" % (n, url))
        step("A: tend import", lambda: a.tend("import", cards))
        step("A: export into the vdir", a.settle)
        step("A: vdirsyncer sync (upload)", lambda: a.vdirsyncer("sync"))
        step("B: vdirsyncer sync (download)", lambda: b.vdirsyncer("sync"))
        step("B: import from the vdir", b.settle)
        step("A then B: a round with no change", lambda: (a.sync(), b.sync()))
        got = len(b.json("ls"))
        print("B has %d contacts; the server %d cards" % (got, radicale.count()))
        if got != n:
            sys.exit("B has %d contacts, not %d" % (got, n))
    finally:
        for m in machines:
            if m.daemon.alive():
                m.daemon.stop()
        radicale.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
