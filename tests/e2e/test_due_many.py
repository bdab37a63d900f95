"""End to end: `tend due` with many people due. Without --limit it shows the first 50 and says
exactly how many more are due (tendd counts them without walking everyone); --all streams
everyone (Due with "more", in pieces) in due order, as a table or one JSON array equal to the
single reply; --all and --limit together is a usage error."""

import json
import re

import test_terminal
from tendtest import TendTestCase, VarlinkSocket

DUE = 2500   # due now: three pieces of a streamed reply
LATER = 30   # due within the next days, not now


def due_at(i):
    # Every 10 minutes from 2025-01-01, in pairs of equal times (then ordered by id).
    m = (i // 2) * 10
    return "2025-01-%02dT%02d:%02d:00Z" % (1 + m // 1440, m // 60 % 24, m % 60)


class DueManyTests(TendTestCase):
    def populate(self):
        lines = [json.dumps({"type": "contact", "name": "Due %04d" % i, "next_due": due_at(i)})
                 for i in range(DUE)]
        lines += [json.dumps({"type": "contact", "name": "Later %02d" % i,
                              "next_due": "2099-01-01T00:00:00Z"}) for i in range(LATER)]
        report = self.json("import", "--format", "json", "-", input="\n".join(lines) + "\n")
        self.assertEqual(report["contacts"]["added"], DUE + LATER)
        # Reach the later ones with --within: move them to a few days from now.
        for i in range(LATER):
            self.ok("edit", "Later %02d" % i, "--due", "in %d days" % (2 + i % 5))

    def expected(self):
        return ["Due %04d" % i for i in range(DUE)]

    def table_names(self, out):
        return re.findall(r"^\s*\d+\s+(Due \d{4}|Later \d\d)\b", out, re.M)

    def test_memory_given_back_at_rest(self):
        """After writes that changed hundreds of people (the import), tendd gives back what
        LMDB and the heap held for them once writes stop (a couple of seconds later)."""
        self.daemon.wait_log("At rest: gave back the memory")
        self.assertEqual(self.json("due", "--limit", "1")[0]["name"], "Due 0000")

    def test_default_limit_says_how_many_more(self):
        out = self.ok("due").stdout
        self.assertEqual(self.table_names(out), self.expected()[:50])
        last = out.rstrip("\n").splitlines()[-1]
        self.assertEqual(last, "… and 2,450 more due (--all shows everyone, --limit N the first N)")
        # The count is for the window asked.
        out = self.ok("due", "--within", "1mo").stdout
        self.assertIn("… and 2,480 more due", out)
        out = self.ok("due", "--limit", "2490").stdout
        self.assertEqual(len(self.table_names(out)), 2490)
        self.assertIn("… and 10 more due", out)
        out = self.ok("due", "--limit", "2500").stdout
        self.assertNotIn("more due", out)
        # --json: the same first 50, the array scripts read today.
        self.assertEqual([c["name"] for c in self.json("due")], self.expected()[:50])
        # The reply says the total whatever the limit.
        reply = self.call("io.tend.FollowUps.Due", {"limit": 3})["parameters"]
        self.assertEqual((len(reply["contacts"]), reply["total"]), (3, DUE))

    def test_all_streams_everyone_in_order(self):
        out = self.ok("due", "--all").stdout
        self.assertEqual(self.table_names(out), self.expected())
        self.assertEqual(out.count("NAME"), 1)  # one header
        self.assertNotIn("more due", out)
        within = self.table_names(self.ok("due", "--all", "--within", "1mo").stdout)
        self.assertEqual(within[:DUE], self.expected())
        self.assertEqual(sorted(within[DUE:]), ["Later %02d" % i for i in range(LATER)])
        # --json: one array, the same as the single reply (as `tend due --json` lays it out).
        streamed = self.tend("--json", "due", "--all", check=0).stdout
        single = self.tend("--json", "due", "--limit", "100000", check=0).stdout
        self.assertEqual(streamed, single)
        self.assertEqual([c["name"] for c in json.loads(streamed)], self.expected())
        # --limit 0 means all, too.
        self.assertEqual(self.tend("--json", "due", "--limit", "0", check=0).stdout, single)

    def test_streamed_reply_comes_in_pieces(self):
        single = self.call("io.tend.FollowUps.Due")["parameters"]
        with VarlinkSocket(self.daemon.socket) as v:
            v.send({"method": "io.tend.FollowUps.Due", "more": True})
            pieces = []
            while True:
                r = v.recv()
                self.assertIsNotNone(r, "tendd closed the stream")
                self.assertNotIn("error", r, r)
                pieces.append(r)
                if not r.get("continues"):
                    break
        self.assertEqual(len(pieces), 3)
        self.assertEqual([p["parameters"]["total"] for p in pieces], [DUE] * 3)
        self.assertEqual([c for p in pieces for c in p["parameters"]["contacts"]],
                         single["contacts"])
        # A limit applies to the whole stream.
        with VarlinkSocket(self.daemon.socket) as v:
            v.send({"method": "io.tend.FollowUps.Due", "more": True,
                    "parameters": {"limit": 1500}})
            got = []
            while True:
                r = v.recv()
                got += r["parameters"]["contacts"]
                if not r.get("continues"):
                    break
        self.assertEqual(got, single["contacts"][:1500])

    def test_stream_is_one_snapshot_and_a_hang_up_costs_nothing(self):
        before = self.call("io.tend.FollowUps.Due")["parameters"]["contacts"]
        with VarlinkSocket(self.daemon.socket) as v:
            v.send({"method": "io.tend.FollowUps.Due", "more": True})
            got = v.recv()["parameters"]["contacts"]
            # Done with someone in a later piece, and a newcomer due first, meanwhile.
            self.ok("done", "Due 2300")
            self.ok("add", "Newcomer", "--due", "2024-01-01")
            while True:
                r = v.recv()
                got += r["parameters"]["contacts"]
                if not r.get("continues"):
                    break
        self.assertEqual(got, before)
        now = [c["name"] for c in self.json("due", "--all")]
        self.assertEqual(now[0], "Newcomer")
        self.assertNotIn("Due 2300", now)
        # A client that goes away after the first piece: tendd goes on serving.
        with VarlinkSocket(self.daemon.socket) as v:
            v.send({"method": "io.tend.FollowUps.Due", "more": True})
            self.assertTrue(v.recv().get("continues"))
        self.assertEqual(len(self.json("due", "--all")), DUE)

    def test_agenda_column_appears_when_needed(self):
        self.ok("agenda", "Due 2400", "ask about the move")
        out = self.ok("due", "--all").stdout
        self.assertEqual(self.table_names(out), self.expected())
        self.assertIn("ask about the move", out)
        self.assertEqual(out.count("AGENDA"), 1)

    def test_terminal_pages_the_first_50_but_streams_everyone(self):
        pager = {"PAGER": test_terminal.MARKING_PAGER}
        code, shown, err = test_terminal.TerminalTests.on_terminal(self, "due", env=pager)
        self.assertEqual(code, 0, err)
        self.assertIn("PAGED: … and 2,450 more due", shown)
        # Everyone is not held in memory for a pager: it goes straight to the terminal.
        code, shown, err = test_terminal.TerminalTests.on_terminal(self, "due", "--all",
                                                                   env=pager)
        self.assertEqual(code, 0, err)
        self.assertNotIn("PAGED:", shown)
        self.assertEqual(self.table_names(shown), self.expected())

    def test_all_with_limit_is_a_usage_error(self):
        p = self.tend("due", "--all", "--limit", "5", check=2)
        self.assertIn("--all and --limit", p.stderr)
        self.assertEqual(p.stdout, "")


class NobodyDueTests(TendTestCase):
    def test_nobody_due(self):
        self.ok("add", "Not Due", "--due", "in 3 days")
        for args in (("due",), ("due", "--all")):
            self.assertEqual(self.ok(*args).stdout, "Nobody is due for a follow-up.\n")
        self.assertEqual(self.json("due", "--all"), [])
        self.assertEqual(self.tend("--json", "due", "--all", check=0).stdout, "[]\n")
        self.assertEqual(self.json("due"), [])
