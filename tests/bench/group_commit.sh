#!/usr/bin/env bash
# Durable writes with many concurrent writers: K connections each logging an interaction and
# waiting for its acknowledgement (tend-bench-load --mix 0:0:0:1), against redis-server with
# appendonly yes / appendfsync always on a Unix socket, in the same run on the same disk.
#   tests/bench/group_commit.sh [BUILD_DIR] [N_CONTACTS] [ROUNDS] [OTHER_BUILD_DIR]
# OTHER_BUILD_DIR (optional): another build's tendd measured the same way, alternately (a
# "before"). Every round uses a fresh copy of one generated store. Prints medians and ranges.
set -euo pipefail
build=${1:-build}
n=${2:-100000}
rounds=${3:-5}
other=${4:-}
conns=${CONNECTIONS:-50}
secs=${SECONDS_PER_RUN:-8}
command -v redis-server >/dev/null || { echo "needs redis-server (apt-get install redis-server)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/tend-gc-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -m 0700 "$tmp/run"
# Each build gets a store of its own generator (the schema may differ), settled: the synthetic
# store has most follow-ups overdue, so a first tendd shows them (one big write) and goes
# away, and the rounds measure the writers, not that first look.
settle() { # BUILD STORE
        "$1/tests/bench/tend-bench-gen" "$2" "$n" >/dev/null
        "$1/daemon/tendd" --data-dir "$2" --socket "$tmp/run/tendd.sock" 2>/dev/null &
        pid=$!
        for _ in $(seq 1200); do [ -S "$tmp/run/tendd.sock" ] && break; sleep 0.05; done
        TEND_SOCKET=$tmp/run/tendd.sock "$1/client/tend" status >/dev/null
        sleep 3
        TEND_SOCKET=$tmp/run/tendd.sock "$1/client/tend" status >/dev/null
        kill $pid; wait $pid || true; pid=
}
settle "$build" "$tmp/store"
[ -n "$other" ] && settle "$other" "$tmp/store-other"

tend_round() { # BUILD STORE → Log calls/s, p50, p99
        rm -rf "$tmp/data" && cp -r "$2" "$tmp/data"
        "$1/daemon/tendd" --data-dir "$tmp/data" --socket "$tmp/run/tendd.sock" 2>"$tmp/tendd.log" &
        pid=$!
        for _ in $(seq 400); do [ -S "$tmp/run/tendd.sock" ] && break; sleep 0.05; done
        "$build/tests/bench/tend-bench-load" "$tmp/run/tendd.sock" --connections "$conns" \
                --seconds "$secs" --mix 0:0:0:1 --contacts "$n" --json >"$tmp/load.json"
        kill $pid; wait $pid || true; pid=
        python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["methods"]["Log"]; print("%.0f %.2f %.2f" % (m["per_second"], m["p50_ms"], m["p99_ms"]))' "$tmp/load.json"
}

redis_round() { # → SET, INCR, LPUSH requests/s
        rm -rf "$tmp/redis" && mkdir "$tmp/redis"
        (cd "$tmp/redis" && exec redis-server --port 0 --unixsocket "$tmp/run/redis.sock" \
                --unixsocketperm 700 --appendonly yes --appendfsync always --save "" \
                --dir "$tmp/redis" >"$tmp/redis.log" 2>&1) &
        pid=$!
        for _ in $(seq 100); do [ -S "$tmp/run/redis.sock" ] && break; sleep 0.05; done
        redis-benchmark -s "$tmp/run/redis.sock" -c "$conns" -n 100000 -t set,incr,lpush --csv \
                2>/dev/null | python3 -c 'import csv,sys; r={row[0]:float(row[1]) for row in csv.reader(sys.stdin) if row and row[0]!="test"}; print("%.0f %.0f %.0f" % (r["SET"], r["INCR"], r["LPUSH"]))'
        kill $pid; wait $pid || true; pid=
}

: >"$tmp/tend" ; : >"$tmp/other" ; : >"$tmp/redis.txt"
for r in $(seq "$rounds"); do
        tend_round "$build" "$tmp/store" >>"$tmp/tend"
        [ -n "$other" ] && tend_round "$other" "$tmp/store-other" >>"$tmp/other"
        redis_round >>"$tmp/redis.txt"
        echo "round $r: tend $(tail -1 "$tmp/tend")${other:+ · other $(tail -1 "$tmp/other")} · redis $(tail -1 "$tmp/redis.txt") · load $(cut -d' ' -f1 /proc/loadavg)" >&2
done
summary() { # FILE LABEL COLUMN-NAMES...
        python3 - "$@" <<'PY'
import statistics, sys
f, label, names = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = [list(map(float, l.split())) for l in open(f) if l.strip()]
for i, name in enumerate(names):
    col = sorted(r[i] for r in rows)
    print("%-28s %-14s median %10.2f   min %10.2f   max %10.2f" % (label, name, statistics.median(col), col[0], col[-1]))
PY
}
echo "$conns connections, $n contacts, $rounds rounds of ${secs}s"
summary "$tmp/tend" "tend ($build)" "Log/s" "p50 ms" "p99 ms"
[ -n "$other" ] && summary "$tmp/other" "tend ($other)" "Log/s" "p50 ms" "p99 ms"
summary "$tmp/redis.txt" "redis appendfsync always" "SET/s" "INCR/s" "LPUSH/s"
