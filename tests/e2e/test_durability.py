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

from tendtest import TendTestCase, VarlinkSocket


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
        due = {c["id"] for c in self.json("due", "--within", "2d")}
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


if __name__ == "__main__":
    unittest.main()
