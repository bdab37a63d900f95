#!/usr/bin/env bash
# tendd's anonymous memory at rest (RssAnon) after a big import and a full export (issue 14:
# ≤ 8 MiB after a 1M import and export).
#   tests/bench/rest_memory.sh BUILD_DIR [N]
# A fresh tendd and store, `tend import` of N generated vCards (gen_vcards.py, in files of
# 100,000), RssAnon two
# seconds later; `tend export --out FILE` (JSON lines), RssAnon two seconds later.
set -euo pipefail
build=${1:-build}
n=${2:-1000000}
here=$(dirname "$0")
tmp=$(mktemp -d /tmp/tend-rest-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -m 0700 "$tmp/run"
export TEND_SOCKET=$tmp/run/tendd.sock
# In files of 100,000 cards: one import of a million would outlast the client's 30 s reply
# timeout on a loaded machine (each import is one transaction).
per=100000
for ((first = 0; first < n; first += per)); do
        python3 "$here/gen_vcards.py" $((n - first < per ? n - first : per)) 1 "$first" \
                >"$tmp/cards-$first.vcf"
done
"$build/daemon/tendd" --data-dir "$tmp/data" --socket "$TEND_SOCKET" 2>"$tmp/tendd.log" &
pid=$!
for _ in $(seq 200); do [ -S "$TEND_SOCKET" ] && break; sleep 0.05; done
rss() { grep -E "^(RssAnon|VmHWM)" /proc/$pid/status | tr -s ' \t' ' ' | tr '\n' ' '; }
echo "fresh: $(rss)"
t0=$(date +%s%N)
for f in "$tmp"/cards-*.vcf; do
        "$build/client/tend" import "$f" >/dev/null
done
echo "import of $n cards: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
sleep 2
echo "after the import: $(rss)"
/usr/bin/time -f "export: %e s, tend peak RSS %M kB" "$build/client/tend" export --out "$tmp/all.jsonl"
sleep 2
echo "after the export too: $(rss)"
echo "store: $(du -sh "$tmp/data" | cut -f1)"
