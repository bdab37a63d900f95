"""End to end: the outreach pipeline, stage follow-ups."""

import datetime as dt
import time
import unittest

from tendtest import TendTestCase

DAY = 86400


def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


class ProspectTests(TendTestCase):
    def test_pipeline(self):
        self.json("add", "Ann Lee", "--every", "6w")
        self.json("goal", "add", "Land a PM role")
        r = self.json("prospect", "add", "Tara", "Singh", "--goal", "pm", "--why", "PM lead",
                      "--via", "ann", "--plan", "ask about the PM ladder", "--org", "Globex",
                      "--network", "strategic", "--every", "2mo")
        self.assertEqual(r["prospect"]["stage"], "want-to-meet")
        self.assertEqual(r["prospect"]["via"]["name"], "Ann Lee")
        self.assertEqual(r["goal"]["title"], "Land a PM role")
        self.assertEqual(r["contact"]["networks"], ["strategic"])
        self.assertEqual(r["contact"]["prospect"]["plan"], "ask about the PM ladder")
        show = self.json("goal", "show", "pm")
        self.assertEqual(show["people"][0]["why"], "PM lead")

        # reached out: a nudge after 7 days without a reply.
        r = self.json("prospect", "next", "tara")
        self.assertEqual((r["previous"], r["stage"]), ("want-to-meet", "reached-out"))
        self.assertAlmostEqual(ts(r["next_due"]), time.time() + 7 * DAY, delta=10)
        # scheduled: the meeting is the follow-up.
        r = self.json("prospect", "next", "tara", "--at", "2031-05-04 10:00")
        self.assertEqual(r["stage"], "scheduled")
        self.assertEqual(r["next_due"], "2031-05-04T10:00:00Z")
        # met (yesterday): a thank-you the day after; met via Ann now.
        r = self.json("prospect", "next", "tara", "--at", "yesterday")
        self.assertEqual(r["stage"], "met")
        self.assertLess(ts(r["next_due"]), time.time() + 1)
        self.assertEqual(self.json("show", "tara")["met_via"]["name"], "Ann Lee")
        # the thank-you is logged: then the normal cadence (2 months), or the goal's 30 days.
        r = self.json("log", "tara", "email", "thank-you note")
        self.assertAlmostEqual(ts(r["next_due"]), time.time() + 30 * DAY, delta=10)
        r = self.json("prospect", "next", "tara")
        self.assertEqual(r["stage"], "ongoing")
        p = self.tend("prospect", "next", "tara", check=1)
        self.assertIn("last stage", p.stderr)

    def test_ls_and_stages(self):
        self.json("prospect", "add", "Pia One")
        self.json("prospect", "add", "Pete Two")
        self.json("prospect", "next", "pete")
        self.json("add", "Old Friend")
        ls = self.json("prospect", "ls")
        self.assertEqual([(p["contact"]["name"], p["stage"]) for p in ls],
                         [("Pia One", "want-to-meet"), ("Pete Two", "reached-out")])
        self.assertEqual([p["contact"]["name"] for p in self.json("prospect", "ls", "--stage",
                                                                  "reached")],
                         ["Pete Two"])
        # An existing contact enters the pipeline; ongoing ones show with --all.
        self.json("prospect", "next", "old friend")
        self.json("prospect", "next", "pia", "--stage", "ongoing")
        names = [p["contact"]["name"] for p in self.json("prospect", "ls")]
        self.assertEqual(names, ["Old Friend", "Pete Two"])
        self.assertEqual(len(self.json("prospect", "ls", "--all")), 3)
        human = self.ok("prospect", "ls").stdout
        self.assertIn("reached-out", human)
        self.assertIn("Prospect", self.ok("show", "pete").stdout.replace("Pipeline", "Prospect"))

    def test_errors(self):
        self.tend("prospect", "add", check=2)
        self.tend("prospect", "add", "X", "--stage", "met", check=2)
        self.tend("prospect", "add", "X", "--why", "w", check=2)
        self.tend("prospect", "add", "X", "--goal", "nothing", check=1)
        self.tend("prospect", "add", "X", "--via", "nobody", check=1)
        self.assertEqual(self.json("prospect", "ls"), [])
        self.json("prospect", "add", "Yan")
        self.tend("prospect", "next", "yan", "--stage", "married", check=2)
        self.tend("prospect", "next", "yan", "--at", "in 3 days", check=1)
        self.tend("prospect", "next", "yan", "--goal", "x", check=2)
        self.tend("prospect", "ls", "--at", "today", check=2)
        self.tend("prospect", "fly", check=2)
        r = self.call("io.tend.Network.ProspectNext", {"who": "yan", "stage": "bogus"})
        self.assertEqual(r["error"], "io.tend.Service.InvalidValue")
        self.assertEqual(self.json("prospect", "ls")[0]["stage"], "want-to-meet")


if __name__ == "__main__":
    unittest.main()
