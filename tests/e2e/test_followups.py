"""End to end: logging interactions, history, due lists and snoozing."""

import datetime as dt
import time
import unittest

from tendtest import TendTestCase


def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


class FollowUpTests(TendTestCase):
    def test_log_moves_due_by_cadence(self):
        self.json("add", "Kim Park", "--every", "2w")
        r = self.json("log", "kim", "coffee", "talked about the new team")
        self.assertEqual(r["interaction"]["kind"], "coffee")
        self.assertEqual(r["interaction"]["note"], "talked about the new team")
        self.assertAlmostEqual(ts(r["next_due"]) - ts(r["interaction"]["at"]), 14 * 86400,
                               delta=1)
        c = self.json("show", "kim")
        self.assertEqual(c["last_kind"], "coffee")
        self.assertEqual(c["next_due"], r["next_due"])

    def test_log_at_past_date(self):
        self.json("add", "Lee Ray", "--every", "10d")
        r = self.json("log", "lee", "call", "--at", "2026-01-10T12:00:00Z")
        self.assertEqual(r["interaction"]["at"], "2026-01-10T12:00:00Z")
        self.assertEqual(r["next_due"], "2026-01-20T12:00:00Z")
        # Overdue now: it shows in `due`.
        self.assertEqual([c["name"] for c in self.json("due")], ["Lee Ray"])
        # Back-filling an older interaction does not move the due date.
        r2 = self.json("log", "lee", "email", "--at", "2026-01-01")
        self.assertEqual(r2["next_due"], "2026-01-20T12:00:00Z")
        self.assertEqual(self.json("show", "lee")["last_kind"], "call")

    def test_log_in_future_rejected(self):
        self.json("add", "Future Fay")
        p = self.tend("log", "fay", "coffee", "--at", "in 3 days", check=1)
        self.assertIn("future", p.stderr)
        self.assertEqual(self.json("history", "fay"), [])

    def test_history_newest_first(self):
        self.json("add", "Hist Ory")
        self.ok("log", "hist", "email", "--at", "2026-03-01")
        self.ok("log", "hist", "coffee", "--at", "2026-05-01", "--gave", "intro to Bob",
                "--got", "a book tip")
        self.ok("log", "hist", "call", "--at", "2026-04-01")
        h = self.json("history", "hist")
        self.assertEqual([i["kind"] for i in h], ["coffee", "call", "email"])
        self.assertEqual(h[0]["gave"], "intro to Bob")
        self.assertEqual(h[0]["got"], "a book tip")
        self.assertIn("coffee", self.ok("history", "hist").stdout)

    def test_kind_normalised(self):
        self.json("add", "Kind Kate")
        r = self.json("log", "kate", "Informational Interview")
        self.assertEqual(r["interaction"]["kind"], "informational-interview")

    def test_due_order_and_within(self):
        self.json("add", "Soon Sam", "--due", "in 2 days")
        self.json("add", "Over Olga", "--due", "2026-01-05")
        self.json("add", "Later Lou", "--due", "in 20 days")
        self.json("add", "Way Over Walt", "--due", "2025-06-01")
        self.assertEqual([c["name"] for c in self.json("due")], ["Way Over Walt", "Over Olga"])
        self.assertEqual([c["name"] for c in self.json("due", "--within", "1w")],
                         ["Way Over Walt", "Over Olga", "Soon Sam"])
        self.assertEqual(len(self.json("due", "--within", "1mo")), 4)
        self.assertEqual(len(self.json("due", "--within", "1mo", "--limit", "1")), 1)
        human = self.ok("due").stdout
        self.assertIn("Way Over Walt", human)
        self.assertIn("overdue", human)

    def test_snooze(self):
        self.json("add", "Snoozy Sue", "--due", "2026-01-05")
        r = self.json("snooze", "sue", "1w")
        self.assertAlmostEqual(ts(r["next_due"]), time.time() + 7 * 86400, delta=5)
        self.assertEqual(self.json("due"), [])
        r = self.json("snooze", "sue", "2031-01-01")
        self.assertTrue(r["next_due"].startswith("2031-01-01"))
        self.tend("snooze", "sue", "2020-01-01", check=2)  # not in the future: usage error
        # The daemon refuses it too, for clients that do not check.
        r = self.call("io.tend.FollowUps.Snooze", {"who": "sue", "until": "2020-01-01T00:00:00Z"})
        self.assertEqual(r["error"], "io.tend.Service.InvalidValue")
        self.tend("snooze", "nobody", "1w", check=1)

    def test_status(self):
        self.json("add", "Stat One", "--due", "2026-01-01")
        self.json("add", "Stat Two")
        s = self.json("status")
        self.assertEqual(s["contacts"], 2)
        self.assertEqual(s["due_now"], 1)
        self.assertEqual(s["next_contact"]["name"], "Stat One")
        self.assertIn("2", self.ok("status").stdout)


if __name__ == "__main__":
    unittest.main()
