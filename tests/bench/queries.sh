#!/usr/bin/env bash
# Query latency at scale: N synthetic contacts (default 100,000), a real tendd, and the real
# tend client timed end to end (process start + connect + round trip + output) by hyperfine.
#   tests/bench/queries.sh [BUILD_DIR] [N]
#   tests/bench/queries.sh --list      the commands only (run.sh times the same ones)
set -euo pipefail
# One "name<TAB>arguments of tend" a line; arguments are split on blanks.
QUERIES=$'status\tstatus
due --limit 20\tdue --limit 20
find lovelace --limit 20\tfind lovelace --limit 20
find ada lovelace 4242\tfind ada lovelace 4242
find Ana Smith 1 --limit 20\tfind Ana Smith 1 --limit 20
find zurich --limit 20 (notes)\tfind zurich --limit 20
find ada roadmap --limit 20\tfind ada roadmap --limit 20
find ada lovelace hiring roadmap --limit 20\tfind ada lovelace hiring roadmap --limit 20
find rene --limit 20 (no match)\tfind rene --limit 20
show person4242@… (email)\tshow person4242@acme.example
show 4242 (id)\tshow 4242
ls --tag mentor --limit 20\tls --tag mentor --limit 20
ls --due-before tomorrow --limit 20\tls --due-before tomorrow --limit 20
ls --limit 20\tls --limit 20
log 4242 call\tlog 4242 call'
if [ "${1:-}" = --list ]; then
    printf '%s\n' "$QUERIES"
    exit 0
fi
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

args=()
while IFS=$'\t' read -r name cmd; do
    args+=(-n "$name" "$tend $cmd")
done <<<"$QUERIES"
hyperfine -N --warmup 5 --runs 50 --export-markdown "$tmp/results.md" "${args[@]}" >/dev/null
cat "$tmp/results.md"
echo
grep VmHWM /proc/$pid/status | sed 's/^/tendd peak RSS: /'
du -sh "$tmp/data" | sed 's/^/store size: /'
