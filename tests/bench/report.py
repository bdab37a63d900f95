"""The generated part of docs/BENCHMARKS.md from the results of run.py: machine, versions,
method, and the tables (each figure a median with its spread and n, the peer beside it,
issue 14's targets with met/missed)."""

import os
import platform
import re
import subprocess

from run import BEGIN, END, MIB, ROOT

# Issue 14's targets, checked against the largest tend scale of the run.
QUERY_MEDIAN_MS = 3
QUERY_P99_MS = 10
FIND_MEDIAN_MS = 5
COLD_MS = 50
EXPORT_JSON_PER_S = 200000
EXPORT_VCARD_PER_S = 20000
EXPORT_RSS = 32 * MIB
BACKUP_P99_MS = 10
RSS_ANON_REST = 8 * MIB
READY_MS = 50


def ms(x):
    if x is None or x != x:
        return "—"
    if x >= 10000:
        return "%.1f s" % (x / 1000)
    if x >= 1000:
        return "%.2f s" % (x / 1000)
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    return "%.2f" % x


def msu(x):
    """ms(x) with its unit."""
    t = ms(x)
    return t if t.endswith(" s") or t == "—" else t + " ms"


def fig(s, unit=False):
    """A median with its spread: "1.52 (1.41–1.90, n=50)" (p10–p90; min–max below n=10);
    with unit, "1.52 ms (…)". Runs that exited non-zero are named."""
    if not s:
        return "—"
    lo, hi = (s["p10"], s["p90"]) if s["n"] >= 10 else (s["min"], s["max"])
    med = ms(s["median"])
    if unit and not med.endswith(" s"):
        med += " ms"
    exit_note = (", some runs exited %s" % ",".join(map(str, s["exit"]))) if s.get("exit") else ""
    return "%s (%s–%s, n=%d%s)" % (med, ms(lo), ms(hi), s["n"], exit_note)


def num(x):
    return "{:,.0f}".format(x)


def rate(s):
    """Calls or records a second: the median of the rounds with min–max."""
    if not s:
        return "—"
    return "%s/s (%s–%s, n=%d)" % (num(s["median"]), num(s["min"]), num(s["max"]), s["n"])


def secs(x):
    return "%.2f s" % x if x < 1 else "%.1f s" % x


def mib(b):
    return "—" if b is None else "%.1f MiB" % (b / MIB)


def met(ok):
    return "—" if ok is None else ("**met**" if ok else "**missed**")


def scale(n):
    return num(n)


def cmd_out(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        m = re.search(r"model name\s*:\s*(.+)", f.read())
        cpu = m.group(1).strip() if m else cpu
    with open("/proc/meminfo") as f:
        ram = int(re.search(r"MemTotal:\s*(\d+)", f.read()).group(1)) * 1024
    debian = ""
    if os.path.exists("/etc/debian_version"):
        with open("/etc/debian_version") as f:
            debian = ", Debian " + f.read().strip()
    return "%s, %d cores, %.1f GiB RAM, Linux %s%s" % (cpu, os.cpu_count(), ram / (1 << 30),
                                                      platform.release(), debian)


def git_rev():
    return cmd_out(["git", "-C", ROOT, "describe", "--always", "--dirty"])


def versions(suite, rev):
    build = suite.build
    tend = cmd_out([os.path.join(build, "client", "tend"), "--version"])
    btype = ""
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        m = re.search(r"CMAKE_BUILD_TYPE:STRING=(\S*)", f.read())
        btype = m.group(1) if m else ""
    lmdb = cmd_out(["dpkg-query", "-W", "-f=${Version}", "liblmdb0"])
    parts = ["%s (git %s, %s build)" % (tend, rev, btype or "default"), "LMDB " + lmdb]
    if suite.cfg["peers"] or suite.cfg["big"]:
        parts.append("taskwarrior " + cmd_out(["task", "--version"]))
        rem = subprocess.run(["remind"], capture_output=True, text=True)
        m = re.search(r"REMIND (\S+)", rem.stdout + rem.stderr)
        parts.append("remind " + (m.group(1) if m else "?"))
    if suite.cfg["khard"]:
        parts.append(cmd_out(["khard", "--version"]))
    if suite.cfg["peers"]:
        m = re.search(r"v=(\S+)", cmd_out(["redis-server", "--version"]))
        parts.append("redis " + (m.group(1) if m else "?"))
    parts.append(cmd_out(["hyperfine", "--version"]))
    return ", ".join(parts)


def render(suite, r):
    cfg = suite.cfg
    tend = r["tend"]
    scales = sorted(tend)
    top = scales[-1]
    T = tend[top]
    peers, big, kh = r["peers"], r["big"], r["khard"]
    out = []
    w = out.append
    w(BEGIN)
    w("")
    w("## Results of the suite (`tests/bench/run.sh --%s`, generated)" % suite.a.scale)
    w("")
    w("Run %s UTC, %.0f minutes. **Machine:** %s. **Load average** (1 min) at each step: %s — "
      "the cores are shared with other engineers' builds and tests, so medians move with "
      "them; the spread beside each median shows how much. **Versions:** %s."
      % (r["started"].strftime("%Y-%m-%d %H:%M"), r["minutes"], r.get("machine") or machine(),
         ", ".join("%s %.1f" % (k, v) for k, v in r["loads"]),
         versions(suite, r.get("rev") or git_rev())))
    w("")
    w("**Method.** `tests/bench/gen-people.py` (fixed seed) writes the same people for every "
      "tool: tend's JSON lines (a contact and its last interaction, with a note), "
      "taskwarrior's import JSON (a pending task due at the next follow-up, the note as an "
      "annotation), a remind file (a REM at the next follow-up repeating every cadence), a "
      "vdir of vCards for khard and redis keys (the contact's JSON). tend: a fresh `tendd` on "
      "an empty store, `tend import` of the file, then every command of "
      "`tests/bench/queries.sh` timed end to end (process start, connect, round trip, output) "
      "by `hyperfine -N` (%d runs, 5 warm-up). Each figure is the median with p10–p90 and n "
      "(min–max below 10 runs); p99 where a target asks for it. Peers run in sandboxes "
      "(their own HOME, TASKRC/TASKDATA, khard config; redis-server on a Unix socket in the "
      "data directory with `--port 0`, `appendonly yes`, `appendfsync always`). Throughput: "
      "`tests/bench/tend-bench-load` (K connections, one call in flight each) against "
      "`redis-benchmark` with the same K, %d rounds of %g s. Memory: `/usr/bin/time -v` "
      "(client peak RSS), `/proc/PID/status` (tendd's RssAnon, sampled every 10 ms while "
      "exporting). Cold cache: `sync; echo 3 > /proc/sys/vm/drop_caches` before each run. "
      "Start to READY: exec of tendd to `READY=1` on `$NOTIFY_SOCKET`. Idle: "
      "`tests/e2e/test_idle.py` (strace of tendd's waits)."
      % (cfg["runs"], cfg["load_rounds"], cfg["load_seconds"]))
    w("")

    # --- targets ---
    q = T["queries"]
    worst_med = max(q.items(), key=lambda kv: kv[1]["median"])
    worst_p99 = max(q.items(), key=lambda kv: kv[1]["p99"])
    finds = {k: v for k, v in q.items() if k.startswith("find") and "--limit 20" in k}
    worst_find = max(finds.items(), key=lambda kv: kv[1]["median"]) if finds else None
    w("### Issue 14's targets at %s contacts%s" % (
        scale(top), "" if top >= 1000000 else " (the targets are set for 1,000,000)"))
    w("")
    w("| what | measured | target | |")
    w("|---|---|---|---|")
    w("| every command of queries.sh: worst median | `%s` %s | ≤ %d ms | %s |"
      % (worst_med[0], fig(worst_med[1], True), QUERY_MEDIAN_MS,
         met(worst_med[1]["median"] <= QUERY_MEDIAN_MS)))
    w("| every command of queries.sh: worst p99 | `%s` %s | ≤ %d ms | %s |"
      % (worst_p99[0], msu(worst_p99[1]["p99"]), QUERY_P99_MS,
         met(worst_p99[1]["p99"] <= QUERY_P99_MS)))
    if "cold" in T:
        for name, s in T["cold"].items():
            w("| `tend %s` right after dropping the page cache | %s | ≤ %d ms | %s |"
              % (name, fig(s, True), COLD_MS, met(s["median"] <= COLD_MS)))
    if worst_find:
        w("| `find --limit 20`, 1–4 words: worst median | `%s` %s | ≤ %d ms | %s |"
          % (worst_find[0], fig(worst_find[1], True), FIND_MEDIAN_MS,
             met(worst_find[1]["median"] <= FIND_MEDIAN_MS)))
    log_s = T["load"]["Log"]["per_second"]
    rp = peers.get("redis_rpush")
    w("| 50 clients logging, each acknowledged when durable | %s, p99 %s | ≥ redis "
      "(appendfsync always, same run): %s | %s |"
      % (rate(log_s), msu(T["load"]["Log"]["p99_ms"]),
         rate(rp["per_second"]) if rp else "not run",
         met(log_s["median"] >= rp["per_second"]["median"]) if rp else "—"))
    if "disk" in T and "bytes_per_call" in T["load"]["Log"]:
        dk = T["disk"]
        w("| … the profile of a durable write | tendd wrote %s KiB for each Log "
          "(the pages of its B-trees, then synced, and the reply); this disk's fdatasync of 1, 10, 100 and 500 dirty "
          "4 KiB pages: %s, %s, %s and %s ms (medians) | report | — |"
          % ("%.1f" % (T["load"]["Log"]["bytes_per_call"] / 1024),
             *("%.2f" % dk[k]["median"] for k in ("1", "10", "100", "500"))))
    for fmt, what, unit, target in (("json", "JSON lines", "records", EXPORT_JSON_PER_S),
                                    ("vcard", "vCard directory", "files",
                                     EXPORT_VCARD_PER_S)):
        e = T["export"][fmt]
        if "skipped" in e:
            w("| export, %s | not run: %s | ≥ %s %s/s, client and tendd each ≤ 32 MiB | — |"
              % (what, e["skipped"], num(target), unit))
            continue
        w("| export, %s | %s %s/s (%s %s in %s) | ≥ %s/s | %s |"
          % (what, num(e["per_second"]), unit, num(e["count"]), unit, secs(e["seconds"]),
             num(target), met(e["per_second"] >= target)))
        w("| export, %s: client peak RSS; tendd peak RssAnon | %s; %s (VmRSS with the "
          "mapped store: %s) | each ≤ 32 MiB | %s |"
          % (what, mib(e["client_rss"]), mib(e["tendd_anon"]), mib(e["tendd_rss"]),
             met(max(e["client_rss"] or 0, e["tendd_anon"] or 0) <= EXPORT_RSS)))
    b = T["backup"]
    w("| a backup while 10 clients query: their p99 | %s ms (p50 %s; without a backup p99 "
      "%s ms; %s calls; backup %.1f s) | ≤ %d ms | %s |"
      % (ms(b["p99"]), ms(b["p50"]), ms(b["idle_p99"]), num(b["calls"]), b["during_s"],
         BACKUP_P99_MS, met(b["p99"] <= BACKUP_P99_MS)))
    for what, key in (("after the import", "rss_anon_import"),
                      ("after the import and a full export", "rss_anon_export")):
        w("| tendd RssAnon at rest %s | %s | ≤ 8 MiB | %s |"
          % (what, mib(T[key]), met(T[key] is not None and T[key] <= RSS_ANON_REST)))
    w("| tendd start to READY | %s | ≤ %d ms | %s |"
      % (fig(T["ready"], True), READY_MS, met(T["ready"]["median"] <= READY_MS)))
    st = T["store"]
    dom = st["dbs"][0]
    w("| store size | %s bytes a contact (%.0f MiB of pages in use, file %.0f MiB); largest: "
      "`%s` %.0f%% | report | — |"
      % (num(st["per_contact"]), st["used"] / MIB, st["file"] / MIB, dom["name"],
         100 * dom["bytes"] / st["used"]))
    idle = r.get("idle")
    if idle and "seconds" in idle:
        if idle.get("skipped"):
            w("| idle, nothing due for a day | skipped: %s | 0 wake-ups in %d s | — |"
              % (idle["skipped"], idle["seconds"]))
        else:
            w("| idle, nothing due for a day | %s in %d s | 0 wake-ups in 60 s | %s |"
              % ("0 wake-ups" if idle["passed"] else "woke up (test_idle failed)",
                 idle["seconds"], met(idle["passed"])))
    elif idle:
        w("| idle, nothing due for a day | skipped: %s | 0 wake-ups in 60 s | — |"
          % idle["skipped"])
    w("")

    # --- peers ---
    if peers or kh or big:
        w("### tend beside its peers, same people, same run")
        w("")
        w("| what | people | tend: median ms (p10–p90, n) | peer | peer: median ms (p10–p90, "
          "n) | peer / tend |")
        w("|---|---|---|---|---|---|")

        def row(what, n, tfig, peer, pfig):
            ratio = "—"
            if tfig and pfig:
                x = pfig["median"] / tfig["median"]
                ratio = ("%.0f×" if x >= 10 else "%.2f×") % x
            w("| %s | %s | %s | %s | %s | %s |" % (what, scale(n), fig(tfig), peer, fig(pfig),
                                                    ratio))

        for group in (peers, big):
            n = group.get("n")
            if not n:
                continue
            tq = tend.get(n, {}).get("queries", {})
            row("due list", n, tq.get("due --limit 20"), "`task limit:20 due.before:tomorrow "
                "list`", group["task"]["due"])
            row("search", n, tq.get("find lovelace --limit 20"),
                "`task limit:20 /lovelace/ list`", group["task"]["search"])
            row("what is next, for everyone (`tend due --all`)", n,
                tend.get(n, {}).get("due_all"), "`remind -n` (every reminder's next date)",
                group["remind"])
        if kh:
            row("list everyone (`tend ls`)", kh["n"], kh["tend"], "`khard list`", kh["khard"])
        w("")
        w("| what | people | tend | peer | tend / peer |")
        w("|---|---|---|---|---|")
        for group in (peers, big):
            n = group.get("n")
            if n and "task_import" in group and n in tend:
                ti, pi = tend[n]["import"], group["task_import"]
                files = (", %d files" % ti["files"]) if ti.get("files", 1) > 1 else ""
                w("| import (one run each) | %s | %s people/s (%.1f s%s) | taskwarrior `task "
                  "import`: %s tasks/s (%.1f s) | %.1f× |"
                  % (scale(n), num(ti["per_second"]), ti["seconds"], files,
                     num(pi["per_second"]), pi["seconds"], ti["per_second"] / pi["per_second"]))
        if "redis_get" in peers and peers["n"] in tend:
            L = tend[peers["n"]]["load"]
            for what, key, method, p, pname in (
                    ("smallest round trip, 8 connections", "Info", "GetInfo",
                     peers["redis_ping"], "PING"),
                    ("read one person, 8 connections", "Get", "Contacts.Get",
                     peers["redis_get"], "GET"),
                    ("durable write, 50 connections", "Log", "Interactions.Log",
                     peers["redis_rpush"], "RPUSH, appendfsync always")):
                t = L[key]
                w("| %s | %s | %s %s, p99 %s | redis %s: %s, p99 %s | %.2f× |"
                  % (what, scale(peers["n"]), method, rate(t["per_second"]), msu(t["p99_ms"]),
                     pname, rate(p["per_second"]), msu(p["p99_ms"]),
                     t["per_second"]["median"] / p["per_second"]["median"]))
        w("")

    # --- every command ---
    w("### Every command of queries.sh")
    w("")
    w("Median ms (p10–p90, n) · p99; targets at %s: median ≤ %d ms (`find`: ≤ %d), p99 ≤ %d "
      "ms." % (scale(top), QUERY_MEDIAN_MS, FIND_MEDIAN_MS, QUERY_P99_MS))
    w("")
    w("| command | " + " | ".join("%s contacts" % scale(n) for n in scales) + " | |")
    w("|---|" + "---|" * len(scales) + "---|")
    for i, name in enumerate(T["query_order"]):
        cells = []
        for n in scales:
            key = tend[n]["query_order"][i]
            s = tend[n]["queries"].get(key)
            cells.append("%s · %s" % (fig(s), ms(s["p99"])) if s else "—")
        s = q[name]
        limit = FIND_MEDIAN_MS if name in finds else QUERY_MEDIAN_MS
        w("| `%s` | %s | %s |" % (name, " | ".join(cells),
                                  met(s["median"] <= limit and s["p99"] <= QUERY_P99_MS)))
    w("| `due --all` (every due person, streamed) | %s | |"
      % " | ".join(fig(tend[n]["due_all"]) for n in scales))
    w("")

    # --- the rest, per scale ---
    w("### Import, export, memory, start, load")
    w("")
    w("| | " + " | ".join("%s contacts" % scale(n) for n in scales) + " |")
    w("|---|" + "---|" * len(scales))

    def line(what, f):
        w("| %s | %s |" % (what, " | ".join(f(tend[n]) for n in scales)))

    def imported(t):
        i = t["import"]
        pieces = (", in %d files of %s people: one import of them all is one reply, longer "
                  "than the client's 30 s wait" % (i["files"], num(t["n"] / i["files"]))
                  if i.get("files", 1) > 1 else "")
        return "%s people/s (%s%s), client peak RSS %s" % (
            num(i["per_second"]), secs(i["seconds"]), pieces, mib(i["client_rss"]))

    def at_rest(t, key):
        settle = t.get(key.replace("rss_anon", "settle"))
        return mib(t[key]) + (" (tendd busy %s after it)" % secs(settle)
                              if settle and settle > 1.5 else "")

    line("`tend import` (JSON lines, empty store, one run)", imported)
    line("tendd RssAnon at rest after the import (no CPU for 1 s)",
         lambda t: at_rest(t, "rss_anon_import"))
    def export(t, fmt, unit):
        e = t["export"][fmt]
        if "skipped" in e:
            return "not run (projected too big, see the targets)"
        return "%s %s/s; client %s, tendd RssAnon peak %s" % (
            num(e["per_second"]), unit, mib(e["client_rss"]), mib(e["tendd_anon"]))

    line("`tend export` JSON lines", lambda t: export(t, "json", "records"))
    line("`tend export` vCard directory", lambda t: export(t, "vcard", "files"))
    line("tendd RssAnon at rest after both exports", lambda t: at_rest(t, "rss_anon_export"))
    line("tendd start to READY (ms)", lambda t: fig(t["ready"]))
    for k, what in (("Info", "GetInfo, 8 connections"), ("Get", "Contacts.Get, 8 connections"),
                    ("Log", "Interactions.Log (durable), 50 connections")):
        line(what, lambda t, k=k: "%s, p50 %s / p99 %s ms" % (
            rate(t["load"][k]["per_second"]), ms(t["load"][k]["p50_ms"]),
            ms(t["load"][k]["p99_ms"])))
    line("backup: alone; while 10 clients query", lambda t: "%.1f s; %.1f s, clients' p99 %s ms "
         "(%s without)" % (t["backup"]["alone_s"], t["backup"]["during_s"], ms(t["backup"]["p99"]),
                           ms(t["backup"]["idle_p99"])))
    line("store: bytes a contact (pages in use; data.mdb file)", lambda t: "%s; %s" % (
        num(t["store"]["per_contact"]), num(t["store"]["file"] / t["n"])))
    line("backup copy (compacted): bytes a contact", lambda t: num(t["backup"]["bytes"] / t["n"]))
    w("")
    w("What the store holds at %s contacts (`mdb_stat -a`, pages in use × page size):"
      % scale(top))
    w("")
    w("| database | entries | MiB | bytes a contact | share |")
    w("|---|---:|---:|---:|---:|")
    for db in [d for d in st["dbs"] if d["bytes"]][:8]:
        w("| `%s` | %s | %.1f | %s | %.0f%% |" % (db["name"], num(db["entries"]),
                                                 db["bytes"] / MIB, num(db["bytes"] / top),
                                                 100 * db["bytes"] / st["used"]))
    w("")
    w(END)
    return "\n".join(out) + "\n"


def splice(src, out, text):
    """Writes src to out with the text between the markers replaced (inserted before the
    first second-level section the first time), keeping the hand-written prose."""
    with open(src) as f:
        doc = f.read()
    if BEGIN in doc and END in doc:
        a = doc.index(BEGIN)
        b = doc.index(END) + len(END) + 1
        doc = doc[:a] + text + doc[b:]
    else:
        i = doc.index("\n## ") + 1
        doc = doc[:i] + text + "\n" + doc[i:]
    with open(out, "w") as f:
        f.write(doc)
