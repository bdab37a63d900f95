#!/usr/bin/env bash
# The benchmark suite in one command: tend at every scale and its peers (taskwarrior, remind,
# khard, redis) on the same generated people, then the generated part of docs/BENCHMARKS.md
# (between its "run.sh begin/end" markers) rewritten with the results.
#
#   tests/bench/run.sh [--full|--quick|--smoke] [--build DIR] [--data DIR] [--out FILE] ...
#
#   --full   (default) tend at 100,000 and 1,000,000; peers at 100,000 (khard at 10,000),
#            taskwarrior and remind once more at 1,000,000 (three runs); under an hour on
#            two cores
#   --quick  everything at 10,000 (khard at 2,000): a few minutes
#   --smoke  300 people, no peers, no page-cache drop, no idle watch; the report goes to the
#            data directory, not docs/ (ctest -L bench-smoke runs this)
#
# Generated data (kept for the next run) and the sandboxes of tendd and every peer live in
# --data DIR (default: ${TMPDIR:-/tmp}/tend-bench), never in the repository or $HOME.
# `tests/bench/run.sh --help` lists every option. Exit status 77: hyperfine is missing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! command -v hyperfine >/dev/null; then
    echo "run.sh: hyperfine is not installed (apt-get install hyperfine): skipped" >&2
    exit 77
fi
exec python3 "$here/run.py" "$@"
