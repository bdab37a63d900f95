#!/usr/bin/env bash
# The daemon at a million contacts (issue 14): start to READY, status and due with a cold page
# cache, the streamed export (throughput and resident memory of both ends), memory at rest.
#   tests/bench/scale.sh BUILD_DIR DATA_DIR [RUNS]
# DATA_DIR: a store built once (tend-bench-gen DATA_DIR 1000000, then one tendd run to let its
# first look at the overdue follow-ups settle); it is only read here. Dropping the page cache
# needs root (echo 3 > /proc/sys/vm/drop_caches): without it the "cold" rows are skipped.
set -euo pipefail
build=${1:?BUILD_DIR}
data=${2:?DATA_DIR}
runs=${3:-11}
tmp=$(mktemp -d /tmp/tend-scale-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -m 0700 "$tmp/run"
sock=$tmp/run/tendd.sock
tend="$build/client/tend"
export TEND_SOCKET=$sock NO_COLOR=1
cold=false
[ -w /proc/sys/vm/drop_caches ] && cold=true
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# READY=1 on a notify socket of our own, timed from the fork (Python's clock on both ends).
start_ready() { # → milliseconds from exec to READY=1
        python3 - "$build/daemon/tendd" "$data" "$sock" "$tmp/notify" <<'PY'
import os, socket, subprocess, sys, time
tendd, data, sock, path = sys.argv[1:]
if os.path.exists(path): os.unlink(path)
n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); n.bind(path)
env = dict(os.environ, NOTIFY_SOCKET=path)
t0 = time.monotonic()
p = subprocess.Popen([tendd, "--data-dir", data, "--socket", sock], env=env,
                     stderr=subprocess.DEVNULL)
n.settimeout(120)
while True:
    msg = n.recv(4096).decode()
    if "READY=1" in msg:
        break
t = (time.monotonic() - t0) * 1000
p.terminate(); p.wait()
print("%.1f" % t)
PY
}

stats() { # LABEL < numbers → median, min, max, n
        python3 -c '
import statistics, sys
v = sorted(float(x) for x in sys.stdin.read().split())
print("%-46s median %9.1f   min %9.1f   max %9.1f   (n=%d)" % (sys.argv[1], statistics.median(v), v[0], v[-1], len(v)))' "$1"
}

ms() { # command... → wall milliseconds
        local t0 t1
        t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000)) | awk '{printf "%.2f\n", $1/1000}'
}

echo "store: $(du -sh "$data" | cut -f1), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$runs"); do start_ready; done | stats "start to READY=1, warm cache (ms)"
if $cold; then
        for i in $(seq "$runs"); do drop; start_ready; done | stats "start to READY=1, cold cache (ms)"
fi

"$build/daemon/tendd" --data-dir "$data" --socket "$sock" 2>/dev/null &
pid=$!
for _ in $(seq 600); do [ -S "$sock" ] && break; sleep 0.05; done
"$tend" status >/dev/null
for cmd in "status" "due --limit 20" "due --limit 100"; do
        # shellcheck disable=SC2086
        for i in $(seq "$runs"); do ms "$tend" $cmd; done | stats "tend $cmd, warm (ms)"
        if $cold; then
                # shellcheck disable=SC2086
                for i in $(seq "$runs"); do drop; ms "$tend" $cmd; done | stats "tend $cmd, cold (ms)"
        fi
done

# Streamed export: wall time, records, the client's peak RSS, tendd's peak RssAnon (sampled).
sample() { # PID → peak RssAnon and RssFile (kB) while it runs, until $tmp/stop exists
        local a=0 f=0 x y
        while [ ! -e "$tmp/stop" ]; do
                x=$(awk '/^RssAnon/ {print $2}' /proc/$1/status); y=$(awk '/^RssFile/ {print $2}' /proc/$1/status)
                [ "$x" -gt "$a" ] && a=$x; [ "$y" -gt "$f" ] && f=$y
                sleep 0.02
        done
        echo "$a $f"
}
export_run() { # ARGS... → "seconds records client_maxrss_kB tendd_anon_kB tendd_file_kB"
        rm -f "$tmp/stop"
        sample $pid >"$tmp/sample" &
        local sp=$!
        /usr/bin/time -f "%e %M" -o "$tmp/time" "$tend" --json export "$@" >"$tmp/out.json"
        touch "$tmp/stop"; wait $sp
        echo "$(cut -d' ' -f1 "$tmp/time") $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$tmp/out.json") $(cut -d' ' -f2 "$tmp/time") $(cat "$tmp/sample")"
}
for i in 1 2 3; do
        export_run --out "$tmp/all.jsonl"
        rm -f "$tmp/all.jsonl"
done >"$tmp/json"
awk '{print $2/$1}' "$tmp/json" | stats "export JSON lines (records/s)"
awk '{print $3/1024}' "$tmp/json" | stats "  tend peak RSS (MiB)"
awk '{print $4/1024}' "$tmp/json" | stats "  tendd peak RssAnon (MiB)"
awk '{print $5/1024}' "$tmp/json" | stats "  tendd peak RssFile (MiB, the mapped store)"
for i in 1 2 3; do
        export_run --format vcard --out "$tmp/cards/"
        rm -rf "$tmp/cards"
done >"$tmp/vcf"
awk '{print $2/$1}' "$tmp/vcf" | stats "export vCard directory (files/s)"
awk '{print $3/1024}' "$tmp/vcf" | stats "  tend peak RSS (MiB)"
awk '{print $4/1024}' "$tmp/vcf" | stats "  tendd peak RssAnon (MiB)"
sleep 2
echo "tendd at rest after the exports: $(grep -E 'RssAnon' /proc/$pid/status | tr -s ' ')"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
