"""End to end: goals, linking people with why, goal follow-ups, done/reopen/rm."""

import datetime as dt
import time
import unittest

from tendtest import TendTestCase

DAY = 86400


def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


class GoalTests(TendTestCase):
    def test_add_ls_show(self):
        g = self.json("goal", "add", "Land", "a", "PM", "role", "--by", "2031-03-01",
                      "--note", "Series B startups")
        self.assertEqual(g["title"], "Land a PM role")
        self.assertEqual(g["status"], "active")
        self.assertTrue(g["by"].startswith("2031-03-01"))
        self.assertEqual(g["note"], "Series B startups")
        self.assertEqual(g["people"], 0)
        self.json("goal", "add", "Learn Rust")
        goals = self.json("goal", "ls")
        self.assertEqual([x["title"] for x in goals], ["Land a PM role", "Learn Rust"])
        human = self.ok("goal", "ls").stdout
        self.assertIn("Land a PM role", human)
        self.assertIn("2031-03-01", human)
        show = self.json("goal", "show", "land")
        self.assertEqual(show["goal"]["id"], g["id"])
        self.assertEqual(show["people"], [])
        self.assertIn("Nobody is linked yet", self.ok("goal", "show", "pm role").stdout)

    def test_link_why_and_show(self):
        self.json("add", "Ann Lee", "--network", "strategic", "--org", "Acme")
        self.json("add", "Bob Ray")
        self.json("goal", "add", "Land a PM role")
        r = self.json("goal", "link", "land", "ann", "--why", "ran the PM guild")
        self.assertEqual(r["contact"]["name"], "Ann Lee")
        self.assertEqual(r["why"], "ran the PM guild")
        self.assertFalse(r["relinked"])
        # Never touched: due one goal interval (30 days) after the link.
        self.assertAlmostEqual(ts(r["next_due"]), time.time() + 30 * DAY, delta=10)
        self.ok("log", "ann", "coffee", "talked about PM interviews", "--at", "yesterday")
        self.json("goal", "link", "1", "bob")
        show = self.json("goal", "show", "1")
        people = {p["contact"]["name"]: p for p in show["people"]}
        self.assertEqual(people["Ann Lee"]["why"], "ran the PM guild")
        self.assertEqual(people["Ann Lee"]["last_kind"], "coffee")
        self.assertIsNotNone(people["Ann Lee"]["next_due"])
        self.assertIsNone(people["Bob Ray"]["why"])
        # Interactions toward the goal: since it was added (the coffee was yesterday, before).
        self.assertEqual(show["interactions"], [])
        self.ok("log", "bob", "call", "referral to Globex")
        show = self.json("goal", "show", "1")
        self.assertEqual([i["kind"] for i in show["interactions"]], ["call"])
        human = self.ok("goal", "show", "1").stdout
        self.assertIn("ran the PM guild", human)
        self.assertIn("Interactions toward it", human)
        # Linking again changes the why.
        r = self.json("goal", "link", "1", "ann", "--why", "now at Globex")
        self.assertTrue(r["relinked"])
        self.assertEqual(self.json("goal", "ls")[0]["people"], 2)
        out = self.ok("goal", "link", "1", "ann", "--why", "still at Globex").stdout
        self.assertRegex(out, r"^Updated why Ann \w+ \(#\d+\) matters for goal #1 ")

    def test_goal_rule_moves_due_and_relaxes(self):
        self.json("add", "Cy Young", "--every", "3mo")
        self.ok("log", "cy", "coffee", "--at", "10 days ago")
        before = self.json("show", "cy")["next_due"]
        self.json("goal", "add", "Raise a seed round")
        r = self.json("goal", "link", "seed", "cy", "--why", "angel investor")
        # At least every 30 days: 20 days from now instead of ~80.
        self.assertAlmostEqual(ts(r["next_due"]), time.time() + 20 * DAY, delta=10)
        # Logging keeps the 30-day rhythm while the goal is active.
        r = self.json("log", "cy", "call")
        self.assertAlmostEqual(ts(r["next_due"]), time.time() + 30 * DAY, delta=10)
        # Done: the cadence (3 months from the last touch) is back.
        self.json("goal", "done", "seed")
        due = ts(self.json("show", "cy")["next_due"])
        self.assertAlmostEqual(due, time.time() + 90 * DAY, delta=10)
        self.assertEqual(self.json("goal", "ls"), [])
        self.assertEqual(self.json("goal", "ls", "--all")[0]["status"], "done")
        # Reopen: the rule applies again.
        self.json("goal", "reopen", "seed")
        self.assertAlmostEqual(ts(self.json("show", "cy")["next_due"]), time.time() + 30 * DAY,
                               delta=10)
        r = self.json("goal", "unlink", "seed", "cy")
        self.assertAlmostEqual(ts(r["next_due"]), time.time() + 90 * DAY, delta=10)
        self.assertNotEqual(before, None)

    def test_goal_interval_configurable(self):
        self.json("add", "Dee Park")
        self.ok("profile", "set", "--goal-every", "2w")
        self.json("goal", "add", "Move to Berlin")
        r = self.json("goal", "link", "berlin", "dee")
        self.assertAlmostEqual(ts(r["next_due"]), time.time() + 14 * DAY, delta=10)

    def test_errors(self):
        self.json("add", "Eve Ng")
        self.json("goal", "add", "Learn Rust")
        self.json("goal", "add", "Learn Go")
        p = self.tend("goal", "show", "learn", check=1)
        self.assertIn("matches 2 goals", p.stderr)
        p = self.tend("goal", "show", "nothing", check=1)
        self.assertIn("no goal matches", p.stderr)
        p = self.tend("goal", "unlink", "rust", "eve", check=1)
        self.assertIn("not linked", p.stderr)
        self.tend("goal", "link", "rust", "nobody", check=1)
        self.tend("goal", "add", check=2)
        self.tend("goal", "frobnicate", check=2)
        self.tend("goal", "ls", "--why", "x", check=2)
        self.tend("goal", "add", "X", "--by", "someday", check=2)
        self.tend("goal", "link", "rust", check=2)
        r = self.call("io.tend.Goals.Add", {"title": "   "})
        self.assertEqual(r["error"], "io.tend.Service.InvalidValue")
        r = self.call("io.tend.Goals.Add", {"title": "x" * 300})
        self.assertEqual(r["error"], "io.tend.Service.InvalidValue")
        r = self.call("io.tend.Goals.Link", {"goal": "rust", "who": "eve", "bogus": 1})
        self.assertEqual(r["error"], "org.varlink.service.InvalidParameter")
        self.assertEqual(len(self.json("goal", "ls")), 2)

    def test_rm_and_contact_removal(self):
        self.json("add", "Fay Ho")
        self.json("add", "Gus Orr")
        self.json("goal", "add", "Write a book")
        self.json("goal", "link", "book", "fay", "--why", "editor")
        self.json("goal", "link", "book", "gus")
        self.ok("rm", "gus", "--yes")
        self.assertEqual([p["contact"]["name"] for p in self.json("goal", "show", "book")["people"]],
                         ["Fay Ho"])
        r = self.json("goal", "rm", "book", "--yes")
        self.assertEqual(r["title"], "Write a book")
        self.assertEqual(self.json("goal", "ls", "--all"), [])
        self.assertIsNone(self.json("show", "fay")["next_due"])

    def test_introspection(self):
        r = self.call("org.varlink.service.GetInterfaceDescription",
                      {"interface": "io.tend.Goals"})
        desc = r["parameters"]["description"]
        for m in ("Add", "List", "Get", "Link", "Unlink", "Done", "Reopen", "Remove"):
            self.assertIn("method %s(" % m, desc)
        info = self.call("org.varlink.service.GetInfo")["parameters"]
        self.assertIn("io.tend.Goals", info["interfaces"])
        self.assertIn("io.tend.Network", info["interfaces"])

    def test_help(self):
        out = self.ok("help", "goal").stdout
        for sub in ("add TITLE", "link GOAL WHO", "unlink", "done", "show"):
            self.assertIn(sub, out)


if __name__ == "__main__":
    unittest.main()
