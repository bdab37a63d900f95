#!/usr/bin/env bash
# Client latency during a backup: N synthetic contacts (default 100,000), a real tendd, and a
# loop of client calls (default `tend status`; PROBE="show 4242" for another) timed end to
# end, first with nothing else going on, then while `tend backup FILE` copies the store (on
# tendd's backup thread).
#   [PROBE=...] tests/bench/backup.sh [BUILD_DIR] [N]
set -euo pipefail
build=${1:-build}
n=${2:-100000}
tmp=$(mktemp -d /tmp/tend-bench-XXXXXX)
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -m 0700 "$tmp/run"

echo "Generating $n contacts..."
"$build/tests/bench/tend-bench-gen" "$tmp/data" "$n" >/dev/null
"$build/daemon/tendd" --data-dir "$tmp/data" --socket "$tmp/run/tendd.sock" 2>"$tmp/tendd.log" &
pid=$!
for _ in $(seq 200); do [ -S "$tmp/run/tendd.sock" ] && break; sleep 0.05; done
export TEND_SOCKET=$tmp/run/tendd.sock NO_COLOR=1 XDG_STATE_HOME=$tmp/state
du -sh "$tmp/data" | sed 's/^/store size: /'

python3 - "$build/client/tend" "$tmp" "${PROBE:-status}" <<'PY'
import subprocess, sys, threading, time

tend, tmp, probe = sys.argv[1], sys.argv[2], sys.argv[3].split()

def status_loop(stop, out):
    while not stop.is_set():
        t = time.perf_counter()
        subprocess.run([tend, *probe], check=True, stdout=subprocess.DEVNULL)
        out.append((t, (time.perf_counter() - t) * 1000))

def summary(name, calls, start=0, end=float("inf")):
    xs = sorted(d for t, d in calls if start <= t <= end)
    pct = lambda p: xs[min(len(xs) - 1, int(len(xs) * p))]
    print("| %s | %d | %.1f | %.1f | %.1f |" % (name, len(xs), pct(0.5), pct(0.99), xs[-1]))

# Warm up: the follow-up engine's first look at a big store happens right after start-up.
warm, stop = [], threading.Event()
th = threading.Thread(target=status_loop, args=(stop, warm)); th.start()
time.sleep(5); stop.set(); th.join()

idle, stop = [], threading.Event()
th = threading.Thread(target=status_loop, args=(stop, idle)); th.start()
time.sleep(5); stop.set(); th.join()

during, stop = [], threading.Event()
th = threading.Thread(target=status_loop, args=(stop, during)); th.start()
time.sleep(0.5)
t = time.perf_counter()
subprocess.run([tend, "backup", tmp + "/copy.mdb"], check=True)
t1 = time.perf_counter()
backup_s = t1 - t
stop.set(); th.join()
print("backup (written and read back): %.2f s" % backup_s)
print()
print("| tend %s | calls | p50 ms | p99 ms | max ms |" % " ".join(probe))
print("|---|---|---|---|---|")
summary("idle", idle)
summary("during a backup (calls started while it ran)", during, t, t1)
PY
