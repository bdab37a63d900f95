#!/usr/bin/env bash
# Query latency at scale: N synthetic contacts (default 100,000), a real tendd, and the real
# tend client timed end to end (process start + connect + round trip + output) by hyperfine.
#   tests/bench/queries.sh [BUILD_DIR] [N]
set -euo pipefail
build=${1:-build}
n=${2:-100000}
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/tend-bench-XXXXXX)
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -m 0700 "$tmp/run"

echo "Generating $n contacts..."
/usr/bin/time -f "generated in %es, max RSS %MkB" "$build/tests/bench/tend-bench-gen" "$tmp/data" "$n"
"$build/daemon/tendd" --data-dir "$tmp/data" --socket "$tmp/run/tendd.sock" 2>"$tmp/tendd.log" &
pid=$!
for _ in $(seq 100); do [ -S "$tmp/run/tendd.sock" ] && break; sleep 0.05; done
export TEND_SOCKET=$tmp/run/tendd.sock NO_COLOR=1
tend="$build/client/tend"

hyperfine -N --warmup 5 --runs 50 --export-markdown "$tmp/results.md" \
    -n "status" "$tend status" \
    -n "due --limit 20" "$tend due --limit 20" \
    -n "find lovelace --limit 20" "$tend find lovelace --limit 20" \
    -n "find ada lovelace 4242" "$tend find ada lovelace 4242" \
    -n "find zurich --limit 20 (notes)" "$tend find zurich --limit 20" \
    -n "find ada roadmap --limit 20" "$tend find ada roadmap --limit 20" \
    -n "find ada lovelace hiring roadmap --limit 20" \
        "$tend find ada lovelace hiring roadmap --limit 20" \
    -n "find rene --limit 20 (no match)" "$tend find rene --limit 20" \
    -n "show person4242@… (email)" "$tend show person4242@acme.example" \
    -n "show 4242 (id)" "$tend show 4242" \
    -n "ls --tag mentor --limit 20" "$tend ls --tag mentor --limit 20" \
    -n "ls --due-before tomorrow --limit 20" "$tend ls --due-before tomorrow --limit 20" \
    -n "ls --limit 20" "$tend ls --limit 20" \
    -n "log 4242 call" "$tend log 4242 call" >/dev/null
cat "$tmp/results.md"
echo
grep VmHWM /proc/$pid/status | sed 's/^/tendd peak RSS: /'
du -sh "$tmp/data" | sed 's/^/store size: /'
