"""End to end: an acknowledged write survives the daemon being killed at any moment, and the
indexes always agree with the records (kill -9 loop)."""

import json
import os
import random
import signal
import socket
import threading
import time
import unittest

from tendtest import WAIT, Daemon, TendTestCase, VarlinkSocket


class DurabilityTests(TendTestCase):
    ROUNDS = int(os.environ.get("TEND_KILL_ROUNDS", "12"))

    def writer(self, round_no, acked, stop):
        """Pipeline Add calls and record every name whose reply arrived."""
        try:
            with VarlinkSocket(self.daemon.socket) as v:
                i = 0
                while not stop.is_set():
                    name = "Kill%02d Person%04d" % (round_no, i)
                    v.send({"method": "io.tend.Contacts.Add",
                            "parameters": {"name": name,
                                           "emails": ["k%02d.%04d@example.com" % (round_no, i)],
                                           "tags": ["round%02d" % round_no],
                                           "cadence_seconds": 86400}})
                    r = v.recv()
                    if r is None or "parameters" not in r:
                        return
                    acked.append(name)
                    i += 1
        except OSError:
            return  # the daemon died mid-call: whatever was acked must be there

    def test_kill_9_loses_no_acknowledged_write(self):
        rng = random.Random(4242)
        all_acked = []
        for rnd in range(self.ROUNDS):
            acked, stop = [], threading.Event()
            t = threading.Thread(target=self.writer, args=(rnd, acked, stop))
            t.start()
            time.sleep(rng.uniform(0.01, 0.08))
            self.daemon.proc.send_signal(signal.SIGKILL)
            self.daemon.proc.wait()
            stop.set()
            t.join(10)
            all_acked.extend(acked)
            self.daemon.start()  # stale socket and lock are taken over
        contacts = self.json("ls")
        names = {c["name"] for c in contacts}
        missing = [n for n in all_acked if n not in names]
        self.assertEqual(missing, [], "acknowledged but lost")
        self.assertGreater(len(all_acked), self.ROUNDS)  # the writer really wrote
        # Indexes agree with records: every contact is found by name, email, tag and due.
        due = {c["id"] for c in self.json("due", "--within", "2d", "--all")}
        for c in contacts:
            self.assertEqual(self.json("show", str(c["id"]))["name"], c["name"])
        by_tag = {}
        for c in contacts:
            by_tag.setdefault(c["tags"][0], set()).add(c["id"])
        for tag, ids in by_tag.items():
            self.assertEqual({c["id"] for c in self.json("ls", "--tag", tag)}, ids)
        self.assertEqual(due, {c["id"] for c in contacts})
        sample = contacts[:: max(1, len(contacts) // 25)]
        for c in sample:
            self.assertEqual(self.json("show", c["emails"][0])["id"], c["id"])
            self.assertEqual(self.json("show", c["name"])["id"], c["id"])
        self.assertEqual(self.json("status")["contacts"], len(contacts))


class MixedCrashTests(TendTestCase):
    """kill -9 at random instants over a mix of writes: add, log, edit, merge, undo and import.
    Every acknowledged write is there afterwards and `tend check` finds nothing wrong. CI runs
    a few kills; `./build.sh crash-long` sets TEND_CRASH_KILLS=1000."""

    KILLS = int(os.environ.get("TEND_CRASH_KILLS", "8"))
    CHECK_EVERY = int(os.environ.get("TEND_CRASH_CHECK_EVERY", "100"))  # kills per verify

    def setUp(self):
        super().setUp()
        self.rng = random.Random(int(os.environ.get("TEND_CRASH_SEED", "1313")))
        info = self.call("org.varlink.service.GetInfo")["parameters"]
        self.have_undo = "io.tend.Journal" in info["interfaces"]
        self.editable = []          # names added (acked) that only add/log/edit touch
        self.present = set()        # names that must exist
        self.absent = set()         # names that must not exist
        self.notes = set()          # interaction notes that must exist
        self.orgs = {}              # name -> set of org values it may have
        self.ops = {}               # op -> acknowledged count
        self.errors = []            # what the writer thread failed with

    def ack(self, op):
        self.ops[op] = self.ops.get(op, 0) + 1

    def writer(self, rnd, stop):
        """One connection, one call at a time; a call without a reply may or may not have
        happened, and the model allows both."""
        try:
            with VarlinkSocket(self.daemon.socket) as v:
                def call(method, params):
                    v.send({"method": method, "parameters": params})
                    r = v.recv()
                    if r is None:
                        raise OSError("closed")
                    if "error" in r:
                        raise AssertionError("%s: %s" % (method, r))
                    return r["parameters"]

                i = 0
                while not stop.is_set():
                    i += 1
                    op = self.rng.choice(["add", "add", "log", "log", "edit", "merge",
                                          "undo", "import"])
                    tag = "r%04d-%04d" % (rnd, i)
                    if op == "add" or not self.editable and op in ("log", "edit"):
                        name = "Crash %s" % tag
                        call("io.tend.Contacts.Add", {"name": name, "tags": ["crash"],
                                                      "emails": ["%s@example.org" % tag],
                                                      "cadence_seconds": 86400 * 7})
                        self.editable.append(name)
                        self.present.add(name)
                        self.ack("add")
                    elif op == "log":
                        name = self.rng.choice(self.editable)
                        note = "note %s" % tag
                        call("io.tend.Interactions.Log", {"who": name, "kind": "call",
                                                          "note": note})
                        self.notes.add(note)
                        self.ack("log")
                    elif op == "edit":
                        name = self.rng.choice(self.editable)
                        org = "Org %s" % tag
                        self.orgs.setdefault(name, {None}).add(org)  # in flight: may land
                        call("io.tend.Contacts.Update", {"who": name, "org": org})
                        self.orgs[name] = {org}
                        self.ack("edit")
                    elif op == "merge":
                        keep, other = "Keep %s" % tag, "Other %s" % tag
                        call("io.tend.Contacts.Add", {"name": keep})
                        self.present.add(keep)
                        call("io.tend.Contacts.Add", {"name": other})
                        call("io.tend.Interactions.Log", {"who": other, "kind": "email",
                                                          "note": "merged %s" % tag})
                        self.notes.add("merged %s" % tag)
                        call("io.tend.Contacts.Merge", {"keep": keep, "others": [other]})
                        self.absent.add(other)
                        self.ack("merge")
                    elif op == "undo" and self.have_undo:
                        name = "Undone %s" % tag
                        call("io.tend.Contacts.Add", {"name": name})
                        call("io.tend.Journal.Undo", {})
                        self.absent.add(name)
                        self.ack("undo")
                    elif op == "import":
                        names = ["Imported %s-%d" % (tag, k) for k in range(3)]
                        lines = "\n".join(json.dumps({"type": "contact", "name": n})
                                           for n in names)
                        call("io.tend.Transfer.Import", {"lines": lines, "quiet": True})
                        self.present.update(names)
                        self.ack("import")
        except OSError:
            return  # killed mid-call
        except Exception as e:  # a refused call is a failure of the test, not a crash
            self.errors.append(repr(e))

    def verify(self):
        self.assertEqual(self.errors, [])
        records = [json.loads(line) for line in
                   self.ok("export", "--format", "json").stdout.splitlines() if line]
        contacts = {r["name"]: r for r in records if r.get("type") == "contact"}
        notes = {r.get("note") for r in records if r.get("type") == "interaction"}
        self.assertEqual(sorted(self.present - contacts.keys()), [], "acknowledged, lost")
        self.assertEqual(sorted(self.absent & contacts.keys()), [], "merged/undone, back")
        self.assertEqual(sorted(self.notes - notes), [], "acknowledged interactions lost")
        for name, allowed in self.orgs.items():
            self.assertIn(contacts[name].get("org"), allowed, name)
        p = self.tend("check")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_kill_9_over_mixed_writes(self):
        for k in range(self.KILLS):
            stop = threading.Event()
            t = threading.Thread(target=self.writer, args=(k, stop))
            t.start()
            time.sleep(self.rng.uniform(0.005, 0.06))
            self.daemon.proc.send_signal(signal.SIGKILL)
            self.daemon.proc.wait()
            self.daemon.log.close()
            stop.set()
            t.join(WAIT)
            self.assertFalse(t.is_alive(), "writer stuck")
            self.daemon.start()
            if (k + 1) % self.CHECK_EVERY == 0:
                self.verify()
                print("%d kills: %r" % (k + 1, self.ops), flush=True)
        self.verify()
        print("%d kills, acknowledged: %r; %d contacts that must exist" %
              (self.KILLS, self.ops, len(self.present)), flush=True)
        self.assertGreater(sum(self.ops.values()), 0)  # the writer really wrote


if __name__ == "__main__":
    unittest.main()


class FatalStoreErrorTests(TendTestCase):
    """A commit whose last step fails (LMDB cannot write its meta page: a dying disk) leaves
    LMDB's environment failed, MDB_PANIC from then on. The client is told its write failed,
    tendd exits non-zero for the service manager to restart it (the unit says
    Restart=on-failure), and the store reopens with every acknowledged write and nothing of
    the failed one. The fault is real: an LD_PRELOAD library makes those pwrite() calls fail."""

    start_daemon = False

    def test_panic_exits_and_loses_nothing_acknowledged(self):
        lib = os.environ.get("TEND_FAULT_LIB")
        if not lib:
            self.fail("TEND_FAULT_LIB is not set: run the end-to-end tests through ctest")
        trigger = os.path.join(self.root, "fail-meta-writes")
        asan = os.environ.get("ASAN_OPTIONS", "")
        self.daemon = Daemon(self.root, env={
            "LD_PRELOAD": lib, "TEND_FAULT_TRIGGER": trigger,
            # The sanitizer build wants its runtime first; the fault library comes before it.
            "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0"})
        self.daemon.start()
        self.ok("add", "Kept Karl", "--every", "2w")
        self.ok("log", "karl", "coffee", "kept")
        open(trigger, "w").close()
        r = self.tend("add", "Lost Lisa")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("error", r.stderr.lower())
        # The next request meets the failed environment: tendd says why and exits.
        self.tend("ls")
        rc = self.daemon.proc.wait(WAIT)
        self.daemon.log.close()
        self.assertEqual(rc, 1, self.daemon.read_log())
        self.assertIn("fatal error (MDB_PANIC)", self.daemon.read_log())
        # Restarted (on a healthy disk): what was acknowledged is there, the failed write is
        # not, and every index agrees with the records.
        os.unlink(trigger)
        self.daemon = Daemon(self.root)
        self.daemon.start()
        self.assertEqual([c["name"] for c in self.json("ls")], ["Kept Karl"])
        self.assertEqual([i["note"] for i in self.json("history", "karl")], ["kept"])
        self.ok("check")
        self.ok("add", "Lisa Again")
