#!/usr/bin/env python3
"""The same N synthetic people for tend and for every peer of the benchmark suite (run.sh).

    gen-people.py OUTDIR N [--seed S] [--now EPOCH] [--formats tend,task,remind,khard,redis]

Writes into OUTDIR, for person i = 1..N (a fixed seed gives the same people every time):
  people.jsonl   tend import (JSON lines: a contact and its last interaction, with a note)
  tasks.json     taskwarrior import (one pending task a person, due at the next follow-up,
                 the interaction's note as an annotation)
  reminders.rem  remind (one REM a person: the next follow-up, repeating every cadence)
  khard/         a vdir of vCard 3.0 files (one UID.vcf a person), as khard reads it
  redis.resp     redis protocol for `redis-cli --pipe`: SET key:%012d (i - 1) to the person's
                 JSON, the key names redis-benchmark -r N picks from

The mix follows tend-bench-gen (tests/bench/gen_contacts.c), so the query words of
tests/bench/queries.sh find what they find there: names "First Last i" with Latin, Nordic and
Cyrillic letters ("Ada Lovelace 4242"), email personI@acme.example, one of ten orgs and ten
tags ("mentor"), 1-3 networks, a cadence of 7-96 days, the last interaction up to 120 days
ago (about 57% overdue) with a note where "roadmap", "hiring" and "zurich" are common words.
Times are relative to --now (default: today 00:00 UTC)."""

import argparse
import datetime
import json
import os
import random
import sys
import uuid

FIRST = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances",
         "John", "Radia", "Tim", "Sophie", "Guido", "Anita", "Bjarne", "Karen", "Edsger", "Hedy",
         "Niklaus", "Zoë", "Örjan", "Иван", "Yukihiro"]
LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson",
        "Allen", "McCarthy", "Perlman", "Berners-Lee", "Wilson", "van Rossum", "Borg",
        "Stroustrup", "Jones", "Dijkstra", "Lamarr", "Wirth"]
ORGS = ["Acme", "Initech", "Globex", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne",
        "Cyberdyne", "Tyrell"]
TAGS = ["mentor", "alumni", "climbing", "board", "investor", "hiring", "rust", "design",
        "sales", "friend"]
KINDS = ["coffee", "call", "email", "meeting", "event"]
TOPICS = ["the roadmap", "hiring plans", "a café in Zürich", "the board deck",
          "climbing in Åre", "Rust at work", "the Série A round", "a conference talk"]
MOODS = ["Talked about", "Caught up on", "Asked about", "Planned", "Shared notes on"]
NETWORKS = ["personal", "strategic", "operational"]
DAY = 86400
FORMATS = ("tend", "task", "remind", "khard", "redis")


def people(n, seed, now):
    rng = random.Random(seed)
    pick = rng.choice
    for i in range(1, n + 1):
        mask = rng.randrange(1, 8)
        cadence = rng.randrange(7, 97) * DAY
        last = now - rng.randrange(120 * DAY)
        yield {
            "i": i,
            "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "note_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "name": "%s %s %d" % (pick(FIRST), pick(LAST), i),
            "org": pick(ORGS),
            "email": "person%d@acme.example" % i,
            "networks": [NETWORKS[b] for b in range(3) if mask & (1 << b)],
            "cadence": cadence,
            "last": last,
            "kind": pick(KINDS),
            "tag": pick(TAGS),
            "note": "%s %s and %s, follow-up %d" % (pick(MOODS), pick(TOPICS), pick(TOPICS),
                                                    i % 1000),
        }


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def compact(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class Writers:
    def __init__(self, out, formats, now):
        self.now = now
        self.files = {}
        self.khard = None
        if "tend" in formats:
            self.files["tend"] = open(os.path.join(out, "people.jsonl"), "w")
        if "task" in formats:
            self.files["task"] = open(os.path.join(out, "tasks.json"), "w")
        if "remind" in formats:
            self.files["remind"] = open(os.path.join(out, "reminders.rem"), "w")
        if "redis" in formats:
            self.files["redis"] = open(os.path.join(out, "redis.resp"), "wb")
        if "khard" in formats:
            self.khard = os.path.join(out, "khard")
            os.makedirs(self.khard, exist_ok=True)

    def write(self, p):
        created = iso(self.now)
        due = p["last"] + p["cadence"]
        contact = {"type": "contact", "uuid": p["uuid"], "name": p["name"],
                   "emails": [p["email"]], "org": p["org"], "tags": [p["tag"]],
                   "networks": p["networks"], "cadence_seconds": p["cadence"],
                   "last_interaction": iso(p["last"]), "last_kind": p["kind"],
                   "next_due": iso(due), "created": created, "updated": created}
        f = self.files.get("tend")
        if f:
            f.write(dumps(contact) + "\n")
            f.write(dumps({"type": "interaction", "uuid": p["note_uuid"],
                           "contact": p["uuid"], "at": iso(p["last"]), "kind": p["kind"],
                           "note": p["note"], "created": created}) + "\n")
        f = self.files.get("task")
        if f:
            f.write(dumps({"uuid": p["uuid"], "status": "pending",
                           "description": "Follow up with %s (%s)" % (p["name"], p["org"]),
                           "entry": compact(self.now), "modified": compact(self.now),
                           "due": compact(due), "project": p["org"], "tags": [p["tag"]],
                           "annotations": [{"entry": compact(p["last"]),
                                            "description": p["note"]}]}) + "\n")
        f = self.files.get("remind")
        if f:
            d = datetime.datetime.fromtimestamp(due, datetime.timezone.utc)
            f.write("REM %s *%d MSG Follow up with %s (%s)\n"
                    % (d.strftime("%Y-%m-%d"), p["cadence"] // DAY, p["name"], p["org"]))
        f = self.files.get("redis")
        if f:
            key = b"key:%012d" % (p["i"] - 1)
            value = dumps(contact).encode()
            f.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
                    % (len(key), key, len(value), value))
        if self.khard:
            given, family = p["name"].split(" ", 1)
            card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s\r\nFN:%s\r\nN:%s;%s;;;\r\n"
                    "EMAIL;TYPE=INTERNET:%s\r\nORG:%s\r\nCATEGORIES:%s\r\nNOTE:%s\r\n"
                    "END:VCARD\r\n" % (p["uuid"], p["name"], family, given, p["email"],
                                       p["org"], p["tag"], p["note"].replace(",", "\\,")))
            with open(os.path.join(self.khard, p["uuid"] + ".vcf"), "w") as v:
                v.write(card)

    def close(self):
        for f in self.files.values():
            f.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=88172645463325252)
    ap.add_argument("--now", type=int,
                    help="reference time, seconds since the epoch (default: today 00:00 UTC)")
    ap.add_argument("--formats", default=",".join(FORMATS),
                    help="comma-separated subset of " + ",".join(FORMATS))
    a = ap.parse_args()
    formats = set(a.formats.split(","))
    unknown = formats - set(FORMATS)
    if unknown:
        ap.error("unknown formats: " + ",".join(sorted(unknown)))
    now = a.now if a.now is not None else int(datetime.datetime.now(datetime.timezone.utc)
                                               .timestamp()) // DAY * DAY
    os.makedirs(a.outdir, exist_ok=True)
    w = Writers(a.outdir, formats, now)
    for p in people(a.n, a.seed, now):
        w.write(p)
    w.close()
    print("%d people written to %s (%s)" % (a.n, a.outdir, ",".join(sorted(formats))),
          file=sys.stderr)


if __name__ == "__main__":
    main()
