#!/usr/bin/env bash
# The long fuzzing run: every parser target for at least 10 million executions and the dispatch
# target (framing + the io.tend method tables on a store in tmpfs, no fsync) for at least
# 1 million, then a summary of executions, coverage and crashes.
#
#   tests/fuzz/run-long.sh BUILD_DIR        BUILD_DIR configured with CC=clang -DTEND_FUZZ=ON
#
# Two lanes run side by side (one per core): the dispatch target alone, and the parser targets
# in turn, a chunk each (at most 1,000,000 executions or FUZZ_LONG_SLICE seconds), round
# robin, so that a time budget is shared fairly. Each target stops
# at its goal; with a budget every lane also stops at the deadline and the summary says which
# goals were not reached. Settings (environment):
#   FUZZ_LONG_PARSER_RUNS    executions per parser target     (default 10000000)
#   FUZZ_LONG_DISPATCH_RUNS  executions of the dispatch target (default 1000000)
#   FUZZ_LONG_BUDGET         seconds for the whole run, 0 = until every goal is reached
#                            (default 0)
#   FUZZ_LONG_SLICE          seconds a parser target runs before the next one's turn
#                            (default 300)
#   FUZZ_LONG_OUT            where corpora, logs, crashes and summary go
#                            (default BUILD_DIR/fuzz-long)
# Output: $FUZZ_LONG_OUT/summary.md (a Markdown table, the one docs/SECURITY.md records) and
# summary.tsv; crash inputs in $FUZZ_LONG_OUT/crashes/<target>/ (each becomes a committed
# regression input in tests/fuzz/corpus-<target>/ once fixed). Exit status 1 when any target
# crashed, 0 otherwise (also when the budget ran out first: the summary says so).
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1/tests/fuzz" ]; then
    sed -n '2,24p' "$0" >&2
    exit 2
fi
SRC=$(cd "$(dirname "$0")" && pwd)
BIN=$(cd "$1/tests/fuzz" && pwd)
OUT=${FUZZ_LONG_OUT:-$(cd "$1" && pwd)/fuzz-long}
PARSER_RUNS=${FUZZ_LONG_PARSER_RUNS:-10000000}
DISPATCH_RUNS=${FUZZ_LONG_DISPATCH_RUNS:-1000000}
BUDGET=${FUZZ_LONG_BUDGET:-0}
SLICE=${FUZZ_LONG_SLICE:-300}
PARSERS=(time codec config jsonfast csv vcard)

START=$(date +%s)
DEADLINE=0
[ "$BUDGET" -gt 0 ] && DEADLINE=$((START + BUDGET))

rm -rf "$OUT/state" "$OUT/logs"
mkdir -p "$OUT/state" "$OUT/logs" "$OUT/bin"
# Private copies: a rebuild during the run does not change what is being fuzzed.
for t in dispatch "${PARSERS[@]}"; do
    [ -x "$BIN/fuzz_$t" ] || { echo "missing $BIN/fuzz_$t" >&2; exit 2; }
    cp "$BIN/fuzz_$t" "$OUT/bin/"
    mkdir -p "$OUT/corpus/$t" "$OUT/crashes/$t"
    echo 0 >"$OUT/state/$t.execs"
    echo 0 >"$OUT/state/$t.crashes"
    echo "-" >"$OUT/state/$t.cov"
    echo 0 >"$OUT/state/$t.secs"
done
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# The dispatch target's stores: on tmpfs when there is one, removed at the end (a crashed
# process cannot remove its own).
if [ -w /dev/shm ]; then
    TEND_FUZZ_DIR=$(mktemp -d /dev/shm/tend-fuzz-long-XXXXXX)
else
    TEND_FUZZ_DIR=$(mktemp -d "$OUT/tmp-XXXXXX")
fi
export TEND_FUZZ_DIR
trap 'rm -rf "$TEND_FUZZ_DIR"' EXIT

time_left() {   # seconds until the deadline (a large number without one)
    if [ "$DEADLINE" -eq 0 ]; then echo 1000000000; else echo $((DEADLINE - $(date +%s))); fi
}

# chunk TARGET GOAL RUNS MAX_LEN SLICE: one libFuzzer run of at most RUNS executions and SLICE
# seconds (0: no limit) within the time left, adding its executions, coverage and any crash to
# the target's state.
chunk() {
    local t=$1 goal=$2 runs=$3 maxlen=$4 slice=$5 done left log n cov t0
    done=$(cat "$OUT/state/$t.execs")
    [ $((goal - done)) -lt "$runs" ] && runs=$((goal - done))
    left=$(time_left)
    [ "$left" -le 5 ] && return 0
    [ "$slice" -gt 0 ] && [ "$slice" -lt "$left" ] && left=$slice
    log="$OUT/logs/$t.chunk"
    t0=$(date +%s)
    echo "=== $(date -u +%FT%TZ) $t: $runs runs (done $done of $goal)" >"$log"
    ( cd "$OUT/crashes/$t" &&
        "$OUT/bin/fuzz_$t" -runs="$runs" -max_total_time="$left" -max_len="$maxlen" \
            -timeout=30 -print_final_stats=1 "$OUT/corpus/$t" "$SRC/corpus-$t" ) \
        >>"$log" 2>&1 || echo $(($(cat "$OUT/state/$t.crashes") + 1)) >"$OUT/state/$t.crashes"
    echo $(($(cat "$OUT/state/$t.secs") + $(date +%s) - t0)) >"$OUT/state/$t.secs"
    # libFuzzer's final stats: stat::number_of_executed_units counts this run's executions.
    n=$(grep -oP 'stat::number_of_executed_units: *\K[0-9]+' "$log" | tail -n1 || true)
    cov=$(grep -oP '(DONE|pulse|NEW|REDUCE|INITED) +cov: \K[0-9]+ ft: [0-9]+' "$log" |
          tail -n1 || true)
    n=${n:-0}
    cat "$log" >>"$OUT/logs/$t.log"
    echo $((done + n)) >"$OUT/state/$t.execs"
    [ -n "$cov" ] && echo "$cov" >"$OUT/state/$t.cov"
    return 0
}

reached() { [ "$(cat "$OUT/state/$1.execs")" -ge "$2" ]; }

lane_dispatch() {
    while ! reached dispatch "$DISPATCH_RUNS" && [ "$(time_left)" -gt 5 ]; do
        chunk dispatch "$DISPATCH_RUNS" 100000 66000 0
    done
}

lane_parsers() {
    local busy=1 t
    while [ $busy -eq 1 ] && [ "$(time_left)" -gt 5 ]; do
        busy=0
        for t in "${PARSERS[@]}"; do
            reached "$t" "$PARSER_RUNS" && continue
            busy=1
            chunk "$t" "$PARSER_RUNS" 1000000 16384 "$SLICE"
        done
    done
}

lane_dispatch &
dispatch_pid=$!
lane_parsers
wait "$dispatch_pid"

ELAPSED=$(($(date +%s) - START))
crashed=0
{
    echo "Run of $(date -u +%F) on $(nproc) cores (shared), $((ELAPSED / 60)) min in all," \
         "$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo "unknown commit")" \
         "(tests/fuzz/run-long.sh, budget ${BUDGET}s; 0 = none):"
    echo
    echo "| target | executions | goal | reached | coverage (edges, features) | corpus | crashes | wall time |"
    echo "|---|---:|---:|---|---|---:|---:|---:|"
} >"$OUT/summary.md"
printf 'target\texecutions\tgoal\tcoverage\tcorpus\tcrashes\tseconds\n' >"$OUT/summary.tsv"
for t in "${PARSERS[@]}" dispatch; do
    goal=$PARSER_RUNS
    [ "$t" = dispatch ] && goal=$DISPATCH_RUNS
    execs=$(cat "$OUT/state/$t.execs")
    crashes=$(cat "$OUT/state/$t.crashes")
    cov=$(cat "$OUT/state/$t.cov")
    secs=$(cat "$OUT/state/$t.secs")
    corpus=$(find "$OUT/corpus/$t" -type f | wc -l)
    reached_goal=yes
    [ "$execs" -lt "$goal" ] && reached_goal="no ($((execs * 100 / goal))%)"
    [ "$crashes" -gt 0 ] && crashed=1
    echo "| $t | $execs | $goal | $reached_goal | ${cov/ ft: /, } | $corpus | $crashes | ${secs}s |" \
        >>"$OUT/summary.md"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$execs" "$goal" "$cov" "$corpus" "$crashes" \
        "$secs" >>"$OUT/summary.tsv"
done
cat "$OUT/summary.md"
if [ $crashed -ne 0 ]; then
    echo "Crashes: see $OUT/crashes/ and $OUT/logs/" >&2
    exit 1
fi
