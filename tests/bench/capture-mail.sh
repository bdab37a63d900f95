#!/usr/bin/env bash
# Capture back-fill: N generated messages (default 50,000) in a maildir indexed by the real
# `notmuch new`, 200 contacts who wrote or were written to in a fifth of them, and a real
# tendd with [capture] notmuch = auto: the time from start until `tend capture status` shows
# the back-fill done, and tendd's peak memory.
#   tests/bench/capture-mail.sh [BUILD_DIR] [N]
set -euo pipefail
build=${1:-build}
n=${2:-50000}
tmp=$(mktemp -d /tmp/tend-bench-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -m 0700 "$tmp/run"
mkdir -p "$tmp/mail/cur" "$tmp/mail/new" "$tmp/mail/tmp" "$tmp/config/tend"
export NOTMUCH_CONFIG=$tmp/notmuch-config HOME=$tmp XDG_CONFIG_HOME=$tmp/config \
       XDG_DATA_HOME=$tmp/data XDG_RUNTIME_DIR=$tmp/run NO_COLOR=1
printf '[database]\npath=%s\n[user]\nprimary_email=me@home.example\n[new]\ntags=inbox\n' \
       "$tmp/mail" >"$NOTMUCH_CONFIG"
printf '[capture]\nnotmuch = auto\nbackfill = 1y\n' >"$tmp/config/tend/tendd.conf"

echo "Generating $n messages..."
python3 - "$tmp/mail/cur" "$n" <<'PY'
import os, sys, time
d, n = sys.argv[1], int(sys.argv[2])
now = int(time.time())
for k in range(n):
    other = "person%d@acme.example" % (k % 1000)  # 200 of the 1000 are contacts
    sent = k % 3 == 0
    frm, to = ("me@home.example", other) if sent else (other, "me@home.example")
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(now - (k % 360) * 86400 - k))
    with open(os.path.join(d, "%d.%d.bench:2,S" % (now, k)), "w") as f:
        f.write("From: %s\nTo: %s\nSubject: s%d\nDate: %s\nMessage-ID: <b%d@bench.example>\n\n"
                "%s" % (frm, to, k, date, k, "body line\n" * 40))
PY
start=$(date +%s.%N)
notmuch new --quiet
echo "notmuch new: $(echo "$(date +%s.%N) - $start" | bc) s"

"$build/daemon/tendd" 2>"$tmp/tendd.log" &
pid=$!
for _ in $(seq 200); do [ -S "$tmp/run/tend/tendd.sock" ] && break; sleep 0.05; done
# the contacts, then the back-fill from the start
for k in $(seq 0 5 999); do echo "{\"type\":\"contact\",\"name\":\"Person $k\",\"emails\":[\"person$k@acme.example\"]}"; done \
        >"$tmp/people.jsonl"
"$build/client/tend" import --format json "$tmp/people.jsonl" >/dev/null
start=$(date +%s.%N)
"$build/client/tend" capture rescan mail >/dev/null
while :; do
        s=$("$build/client/tend" --json capture status)
        if python3 -c 'import json,sys; m=json.loads(sys.argv[1])["mail"]; sys.exit(0 if m["last_scan"] and not m["scanning"] and not m["backfill"] else 1)' "$s"; then
                break
        fi
        sleep 0.2
done
end=$(date +%s.%N)
echo "back-fill of $n messages: $(echo "$end - $start" | bc) s"
echo "$s" | python3 -c 'import json,sys; print("counts:", json.load(sys.stdin)["mail"]["counts"])'
grep VmHWM "/proc/$pid/status" | sed 's/^/tendd peak memory: /'
