#!/usr/bin/python3
"""Import benchmark: N generated vCards (gen_vcards.py) into an empty store through the real
tend and tendd, then the same file again (everything merges as unchanged), then N other people
(a second file) into that store of N.
Prints wall time, cards per second, and the CPU time of the client and of the daemon; with
RUNS > 1 it repeats everything with a fresh daemon and store and prints the medians too.
Usage: import_vcards.py BUILD_DIR [N] [RUNS]   (default N = 100000, RUNS = 1; results:
docs/BENCHMARKS.md)"""

import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def daemon_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_round(build, root, files, n, results):
    tend = os.path.join(build, "client", "tend")
    tendd = os.path.join(build, "daemon", "tendd")
    data = tempfile.mkdtemp(prefix="round-", dir=root)
    env = dict(os.environ, XDG_DATA_HOME=os.path.join(data, "data"),
               XDG_RUNTIME_DIR=os.path.join(data, "run"), HOME=data, TZ="UTC")
    os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
    d = subprocess.Popen([tendd], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sock = os.path.join(env["XDG_RUNTIME_DIR"], "tend", "tendd.sock")
    for _ in range(500):
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(sock)
            break
        except OSError:
            time.sleep(0.01)
    try:
        for run, cards in (("into an empty store", files[0]), ("again (all unchanged)", files[0]),
                           ("others into N", files[1])):
            c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            d0 = daemon_cpu(d.pid)
            t0 = time.monotonic()
            subprocess.run([tend, "import", cards], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            wall = time.monotonic() - t0
            c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            client = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
            daemon = daemon_cpu(d.pid) - d0
            results.setdefault(run, []).append((wall, client, daemon))
            print("%-24s wall %6.2f s  %7.0f cards/s   CPU: client %.2f s, tendd %.2f s "
                  "(%.0f cards per CPU-second)" % (run, wall, n / wall, client, daemon,
                                                   n / (client + daemon)))
    finally:
        d.send_signal(signal.SIGTERM)
        d.wait(10)


def main():
    build = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    root = tempfile.mkdtemp(prefix="tend-bench-import-")
    try:
        files = [os.path.join(root, "cards.vcf"), os.path.join(root, "others.vcf")]
        for path, first in zip(files, (0, n)):
            with open(path, "w") as f:
                subprocess.run([sys.executable, os.path.join(HERE, "gen_vcards.py"), str(n), "1",
                                str(first)], stdout=f, check=True)
        size = os.path.getsize(files[0])
        print("%d cards, %.1f MB, %d CPUs, load %.1f" % (n, size / 1e6, os.cpu_count(),
                                                         os.getloadavg()[0]))
        results = {}
        for _ in range(runs):
            one_round(build, root, files, n, results)
        if runs > 1:
            for run, rs in results.items():
                wall = statistics.median(r[0] for r in rs)
                print("median of %d, %-21s wall %6.2f s  %7.0f cards/s   CPU: client %.2f s, "
                      "tendd %.2f s" % (runs, run, wall, n / wall,
                                        statistics.median(r[1] for r in rs),
                                        statistics.median(r[2] for r in rs)))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
