#!/usr/bin/python3
"""Benchmark: the first export of a store of N contacts (default 10,000) into an empty vdir.
A tendd imports N synthetic vCards (gen_vcards.py) with no [sync], stops, and starts again
with [sync] vdir set; prints how long until every card and every agreed card (DATA/sync/) is
written, and how long `tend status` took to answer while the export ran. Run by hand (never
from ctest):

    TEND_BIN=build/client/tend TENDD_BIN=build/daemon/tendd tests/bench/vdir_first_export.py [N]

Results go in docs/BENCHMARKS.md (sync section)."""

import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
os.environ.setdefault("TEND_TEST_WAIT", "3600")

from tendtest import TEND, Daemon  # noqa: E402


def count(folder):
    try:
        return sum(1 for f in os.listdir(folder) if f.endswith(".vcf") and not f.startswith("."))
    except FileNotFoundError:
        return 0


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    root = tempfile.mkdtemp(prefix="tend-bench-vdir-")
    daemon = Daemon(root)
    try:
        cards = os.path.join(root, "cards.vcf")
        with open(cards, "w") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "gen_vcards.py"), str(n)],
                           stdout=f, check=True)
        daemon.start()
        subprocess.run([TEND, "import", cards], env=daemon.env, check=True,
                       stdout=subprocess.DEVNULL)
        daemon.stop()
        vdir = os.path.join(root, "vdir")
        state = os.path.join(daemon.data, "sync")
        os.makedirs(os.path.join(root, "config", "tend"), exist_ok=True)
        with open(os.path.join(root, "config", "tend", "tendd.conf"), "w") as f:
            f.write("[sync]\nvdir = %s\n" % vdir)
        t0 = time.monotonic()
        daemon.start()
        ready = time.monotonic() - t0
        answered = []
        while count(vdir) < n or count(state) < n:
            t = time.monotonic()
            subprocess.run([TEND, "status"], env=daemon.env, check=True,
                           stdout=subprocess.DEVNULL)
            answered.append((time.monotonic() - t, count(vdir)))
            time.sleep(0.2)
        total = time.monotonic() - t0
        print("%d contacts: tendd listening after %.2f s, vdir complete after %.2f s"
              % (n, ready, total))
        if answered:
            print("replies (seconds@cards written): " + " ".join("%.2f@%d" % a for a in answered))
            worst = max(answered)
            print("tend status answered %d times during the export; slowest %.2f s "
                  "(with %d cards written)" % (len(answered), worst[0], worst[1]))
    finally:
        if daemon.alive():
            daemon.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
