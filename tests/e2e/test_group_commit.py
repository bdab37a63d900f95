"""End to end: group commit. Writes that arrive while tendd is busy share one transaction and
one commit; each client is answered only once that commit is durable, a write that fails in
the group takes nothing of the others with it, and every acknowledged write survives kill -9
right after its acknowledgement."""

import os
import re
import signal

from tendtest import TendTestCase, VarlinkSocket, wait_until

WRITERS = 50


def stopped(pid):
    """Whether every thread of pid is stopped (state T in /proc)."""
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
            if f.read().rsplit(")", 1)[1].split()[0] != "T":
                return False
    return True


class GroupCommitTests(TendTestCase):
    def populate(self):
        for i in range(5):
            self.ok("add", "Group Person%d" % i, "--email", "g%d@example.com" % i)
        self.ids = [c["id"] for c in self.json("ls")]

    def connect_all(self, n):
        socks = [VarlinkSocket(self.daemon.socket) for _ in range(n)]
        for v in socks:  # each connection accepted and served before the daemon is held
            v.send({"method": "org.varlink.service.GetInfo"})
            self.assertIn("parameters", v.recv())
        return socks

    def burst(self, socks, call_for):
        """Hold tendd, send one call on every connection, let it go: it reads them all in
        one turn of its loop. Returns the replies in connection order."""
        self.daemon.proc.send_signal(signal.SIGSTOP)
        try:
            # kill() returns once the signal is queued; on a busy machine tendd may still run
            # a moment and read the first calls on their own. Send only once it has stopped.
            wait_until(lambda: stopped(self.daemon.proc.pid), what="tendd to stop")
            for i, v in enumerate(socks):
                v.send(call_for(i))
        finally:
            self.daemon.proc.send_signal(signal.SIGCONT)
        return [v.recv() for v in socks]

    def log_call(self, i, who=None):
        return {"method": "io.tend.Interactions.Log",
                "parameters": {"who": who or str(self.ids[i % len(self.ids)]), "kind": "call",
                               "note": "burst note %d" % i}}

    def groups(self):
        return [int(n) for n in re.findall(r"(\d+) writes in one commit", self.daemon.read_log())]

    def notes(self):
        found = []
        for cid in self.ids:
            found += [i.get("note") for i in self.json("history", str(cid))]
        return found

    def test_concurrent_writers_share_one_commit_and_all_are_acknowledged(self):
        socks = self.connect_all(WRITERS)
        try:
            replies = self.burst(socks, self.log_call)
        finally:
            for v in socks:
                v.sock.close()
        for i, r in enumerate(replies):
            self.assertIn("parameters", r, r)
            self.assertEqual(r["parameters"]["interaction"]["note"], "burst note %d" % i)
        self.assertIn(WRITERS, self.groups())
        notes = self.notes()
        self.assertEqual(sorted(n for n in notes if n), sorted("burst note %d" % i
                                                              for i in range(WRITERS)))
        # Each write of the group is a change of its own: undo takes back only the last.
        self.ok("undo")
        self.assertEqual(len([n for n in self.notes() if n]), WRITERS - 1)
        self.assertEqual(self.json("check")["problems"], 0)

    def test_a_failing_write_does_not_take_the_group_with_it(self):
        socks = self.connect_all(WRITERS)

        def call(i):
            if i % 7 == 3:
                return self.log_call(i, who="Nobody Atall")
            if i % 7 == 5:
                return {"method": "io.tend.Interactions.Log",
                        "parameters": {"who": str(self.ids[0]), "kind": "not one word"}}
            return self.log_call(i)

        try:
            replies = self.burst(socks, call)
        finally:
            for v in socks:
                v.sock.close()
        good = []
        for i, r in enumerate(replies):
            if i % 7 == 3:
                self.assertEqual(r.get("error"), "io.tend.Contacts.NoSuchContact", r)
            elif i % 7 == 5:
                self.assertIn("error", r, r)
            else:
                self.assertIn("parameters", r, r)
                good.append("burst note %d" % i)
        self.assertIn(WRITERS, self.groups())
        self.assertEqual(sorted(n for n in self.notes() if n), sorted(good))
        self.assertEqual(self.json("check")["problems"], 0)

    def test_acknowledged_group_writes_survive_kill_9(self):
        acked = []
        for rnd in range(4):
            socks = self.connect_all(WRITERS)
            try:
                replies = self.burst(socks, lambda i, rnd=rnd: {
                    "method": "io.tend.Interactions.Log",
                    "parameters": {"who": str(self.ids[i % len(self.ids)]), "kind": "call",
                                   "note": "round %d note %d" % (rnd, i)}})
                # Killed the moment the acknowledgements are in.
                self.daemon.proc.send_signal(signal.SIGKILL)
                self.daemon.proc.wait()
            finally:
                for v in socks:
                    v.sock.close()
            for r in replies:
                if r is not None and "parameters" in r:
                    acked.append(r["parameters"]["interaction"]["note"])
            self.daemon.start()
        self.assertEqual(len(acked), 4 * WRITERS)
        notes = set(self.notes())
        self.assertEqual([n for n in acked if n not in notes], [], "acknowledged but lost")
        self.assertEqual(self.json("check")["problems"], 0)


if __name__ == "__main__":
    import unittest
    unittest.main()
