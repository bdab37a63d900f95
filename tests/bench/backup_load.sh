#!/usr/bin/env bash
# Clients querying while a backup of the store is written (issue 14: p99 ≤ 10 ms at 1M).
#   tests/bench/backup_load.sh BUILD_DIR DATA_DIR [SECONDS]
# K connections (default 10) of tend-bench-load with the read mix Get:Find:Due 40:30:20, first
# with nothing else going on, then while `tend backup FILE` copies the store (the copy runs on
# a thread of tendd's own). DATA_DIR is only read (the backup goes to a temporary folder).
set -euo pipefail
build=${1:?BUILD_DIR}
data=${2:?DATA_DIR}
secs=${3:-15}
conns=${CONNECTIONS:-10}
tmp=$(mktemp -d /tmp/tend-backup-load-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -m 0700 "$tmp/run"
sock=$tmp/run/tendd.sock
export TEND_SOCKET=$sock
"$build/daemon/tendd" --data-dir "$data" --socket "$sock" 2>"$tmp/tendd.log" &
pid=$!
for _ in $(seq 600); do [ -S "$sock" ] && break; sleep 0.05; done
contacts=$("$build/client/tend" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["contacts"])')
load() {
        "$build/tests/bench/tend-bench-load" "$sock" --connections "$conns" --seconds "$1" \
                --mix 40:30:20:0 --contacts "$contacts"
}
echo "$conns connections, $contacts contacts, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== idle (no backup)"
load "$secs"
echo "== while a backup is written"
( t0=$(date +%s%N); "$build/client/tend" backup "$tmp/copy.mdb" >/dev/null;
  echo "backup took $(( ($(date +%s%N) - t0) / 1000000 )) ms" >"$tmp/backup.txt" ) &
bp=$!
load "$secs"
wait $bp
cat "$tmp/backup.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
