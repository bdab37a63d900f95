#!/usr/bin/env bash
# Calendar capture: N generated .ics files (default 5,000) in a calendar vdir of two
# collections — a tenth of them weekly series, half in Europe/Berlin time, the rest single
# meetings over the last 90 days — with 200 contacts among their 1,000 organisers, and a real
# tendd with [capture] calendar: the time from start until `tend capture status` shows the
# first scan done, then the time of `tend capture rescan calendar` (every file read again,
# everything already captured), and tendd's peak memory.
#   tests/bench/capture-calendar.sh [BUILD_DIR] [N]
set -euo pipefail
build=${1:-build}
n=${2:-5000}
tmp=$(mktemp -d /tmp/tend-bench-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -m 0700 "$tmp/run"
mkdir -p "$tmp/cal/work" "$tmp/cal/home" "$tmp/config/tend"
export HOME=$tmp XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_RUNTIME_DIR=$tmp/run \
       NO_COLOR=1

echo "Generating $n events..."
python3 - "$tmp/cal" "$n" <<'PY'
import datetime, os, sys
d, n = sys.argv[1], int(sys.argv[2])
now = datetime.datetime.now(datetime.timezone.utc)
for k in range(n):
    at = now - datetime.timedelta(minutes=k * 90 * 1440 // n + 1)
    start = (";TZID=Europe/Berlin:" + at.strftime("%Y%m%dT%H%M%S") if k % 2
             else ":" + at.strftime("%Y%m%dT%H%M%SZ"))
    rule = "RRULE:FREQ=WEEKLY;BYDAY=MO,WE\r\n" if k % 10 == 0 else ""
    with open(os.path.join(d, ("work", "home")[k % 2], "e%06d.ics" % k), "w") as f:
        f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
                "UID:bench-%d\r\nDTSTAMP:20260101T000000Z\r\nDTSTART%s\r\n%s"
                "SUMMARY:Meeting %d\r\nORGANIZER:mailto:person%d@acme.example\r\n"
                "ATTENDEE;PARTSTAT=ACCEPTED:mailto:me@home.example\r\nEND:VEVENT\r\n"
                "END:VCALENDAR\r\n" % (k, start, rule, k, k % 1000))
PY

wait_socket() {
        for _ in $(seq 200); do [ -S "$tmp/run/tend/tendd.sock" ] && return; sleep 0.05; done
}
scan_done() {
        "$build/client/tend" --json capture status | python3 -c '
import json, sys
c = json.load(sys.stdin)["calendar"]
sys.exit(0 if c["last_scan"] and not c["scanning"] and c["last_scan"] >= sys.argv[1] else 1)' "$1"
}

# The contacts first, with capture off.
"$build/daemon/tendd" 2>"$tmp/tendd.log" &
pid=$!
wait_socket
for k in $(seq 0 5 999); do echo "{\"type\":\"contact\",\"name\":\"Person $k\",\"emails\":[\"person$k@acme.example\"]}"; done \
        >"$tmp/people.jsonl"
"$build/client/tend" import --format json "$tmp/people.jsonl" >/dev/null
kill $pid; wait $pid || true
rm -f "$tmp/run/tend/tendd.sock"
printf '[capture]\ncalendar = %s\nme = me@home.example\n' "$tmp/cal" >"$tmp/config/tend/tendd.conf"

since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
start=$(date +%s.%N)
"$build/daemon/tendd" 2>>"$tmp/tendd.log" &
pid=$!
wait_socket
until scan_done "$since"; do sleep 0.05; done
echo "first scan of $n files: $(echo "$(date +%s.%N) - $start" | bc) s"
"$build/client/tend" --json capture status |
        python3 -c 'import json,sys; c=json.load(sys.stdin)["calendar"]; print("files:", c["files"], "counts:", c["counts"])'

sleep 1.1
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
start=$(date +%s.%N)
"$build/client/tend" capture rescan calendar >/dev/null
until scan_done "$since"; do sleep 0.05; done
echo "rescan of $n files: $(echo "$(date +%s.%N) - $start" | bc) s"
grep VmHWM "/proc/$pid/status" | sed 's/^/tendd peak memory: /'
