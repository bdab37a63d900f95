#!/usr/bin/env python3
"""Regenerate the seed corpora that come from a real session: tests/fuzz/corpus-dispatch
(what the real `tend` client sends, captured between client and daemon) and
tests/fuzz/corpus-codec (the records the daemon stored, read back with mdb_dump).

    tests/fuzz/make-seeds.py BUILD_DIR

Each dispatch seed is a whole client byte stream (NUL-framed messages) that starts from an
empty store, as the dispatch fuzz target runs it: session-N holds the first N steps of the
session below, so later seeds reach methods that need contacts, goals and introductions."""

import os
import socket
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

STEPS = [
    ["add", "Ann Example", "--email", "ann@example.org", "--tag", "rust", "--network", "op",
     "--every", "2w"],
    ["add", "Bob <b>Builder</b>", "--org", "ACME; $(touch pwned)", "--network", "pe"],
    ["add", "Cy Prospect", "--network", "st"],
    ["log", "ann", "call", "talked about the job\nsecond line"],
    ["done", "bob", "coffee"],
    ["snooze", "ann", "in 2 weeks"],
    ["edit", "ann", "--title", "CTO", "--every", "1mo"],
    ["ls"], ["find", "ann"], ["due"], ["show", "ann"], ["history", "ann"], ["status"],
    ["goal", "add", "Find a job", "--by", "2027-03-01"],
    ["goal", "link", "find", "ann", "--why", "knows people"],
    ["goal", "show", "find"], ["goal", "done", "find"], ["goal", "reopen", "find"],
    ["intro", "ann", "bob", "--note", "both like rust"],
    ["intro", "ls"], ["path", "bob"], ["ledger"], ["health"], ["plan"],
    ["profile", "set", "job-seeking"], ["me", "add", "rust reviews"],
    ["prospect", "add", "Dee Lead", "--plan", "ask about the team"],
    ["prospect", "next", "dee"], ["prospect", "ls"], ["graph"],
    ["export", "--format", "json"],
    ["goal", "unlink", "find", "ann"], ["goal", "rm", "find"],
    ["intro", "rm", "ann", "bob"], ["rm", "cy"],
]
IMPORT = os.path.join(HERE, "..", "data", "import", "google30-grouped-labels.vcf")


class Recorder:
    """A Unix socket between the client and tendd that keeps what the client sends."""

    def __init__(self, path, target):
        self.sent = bytearray()
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(8)
        self.target = target
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            client, _ = self.srv.accept()
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            threading.Thread(target=self.pipe, args=(upstream, client, False), daemon=True).start()
            self.pipe(client, upstream, True)

    def pipe(self, src, dst, record):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if record:
                    self.sent += data
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def dump_records(data_dir, out_dir):
    """Every value of the record databases, as mdb_dump prints it (hex, one per line)."""
    names = {"contacts": "contact", "interactions": "interaction", "goals": "goal",
             "goal_links": "goal-link", "intros": "intro"}
    for db, stem in names.items():
        p = subprocess.run(["mdb_dump", "-s", db, data_dir], capture_output=True, text=True)
        if p.returncode != 0:
            continue
        lines = p.stdout.split("HEADER=END\n", 1)[1].splitlines()
        values = [bytes.fromhex(v.strip()) for v in lines[1::2] if v.strip() != "DATA=END"]
        for n, v in enumerate(values[:4]):
            with open(os.path.join(out_dir, "%s-%d" % (stem, n)), "wb") as f:
                f.write(v)


def main():
    build = os.path.abspath(sys.argv[1])
    os.environ["TEND_BIN"] = os.path.join(build, "client", "tend")
    os.environ["TENDD_BIN"] = os.path.join(build, "daemon", "tendd")
    from tendtest import Daemon  # after TEND_BIN/TENDD_BIN are set

    root = tempfile.mkdtemp(prefix="tend-seeds-")
    daemon = Daemon(root).start()
    proxy = os.path.join(root, "proxy.sock")
    rec = Recorder(proxy, daemon.socket)
    env = dict(daemon.env, TEND_SOCKET=proxy)
    out = os.path.join(HERE, "corpus-dispatch")
    steps = STEPS + [["import", IMPORT]]
    try:
        for n, step in enumerate(steps, 1):
            subprocess.run([os.environ["TEND_BIN"], *step], env=env, capture_output=True,
                           timeout=30)
            with open(os.path.join(out, "session-%02d" % n), "wb") as f:
                f.write(bytes(rec.sent))
            if step[0] == "export":  # everything is there, nothing removed yet
                dump_records(daemon.data, os.path.join(HERE, "corpus-codec"))
    finally:
        daemon.stop()
    subprocess.run(["rm", "-rf", root])


if __name__ == "__main__":
    main()
