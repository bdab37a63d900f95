"""End to end: the goal gaps a demanding user hits — `tend show` lists a person's goals and
pipeline stage, `tend log --goal` tags an interaction toward a goal (and `goal show` tells tagged
from linked ones, export/import carry it), `tend intro rm`, and tendd.conf's [goals] follow_up
with the profile setting winning."""

import datetime as dt
import json
import os
import signal
import subprocess
import time
import unittest

from tendtest import TENDD, WAIT, TendTestCase

DAY = 86400


class ConfigTestCase(TendTestCase):
    start_daemon = False

    def write_config(self, text):
        path = os.path.join(self.root, "config", "tend", "tendd.conf")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def tendd(self, *args):
        return subprocess.run([TENDD, *args], env=self.daemon.env, capture_output=True,
                              text=True, timeout=WAIT)

    def wait_log(self, text):
        self.daemon.wait_log(text)


def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


class ShowGoalsTests(TendTestCase):
    def test_show_lists_goals_with_why_and_stage(self):
        self.json("add", "Ann Lee", "--network", "strategic")
        self.json("goal", "add", "Land a PM role")
        self.json("goal", "add", "Learn Rust")
        self.json("goal", "link", "land", "ann", "--why", "ran the PM guild")
        self.json("goal", "link", "rust", "ann")
        self.json("goal", "done", "rust")
        s = self.json("show", "ann")
        self.assertEqual([(g["goal"]["title"], g["status"], g["why"]) for g in s["goals"]],
                         [("Land a PM role", "active", "ran the PM guild"),
                          ("Learn Rust", "done", None)])
        self.assertIsNone(s["prospect"])
        human = self.ok("show", "ann").stdout
        self.assertIn("Goals:", human)
        self.assertIn("Land a PM role — ran the PM guild", human)
        self.assertIn("Learn Rust (done)", human)
        # The raw call answers the same.
        r = self.call("io.tend.Contacts.Get", {"who": "ann"})
        self.assertEqual(len(r["parameters"]["goals"]), 2)

    def test_show_prospect_stage_and_no_goals(self):
        self.json("goal", "add", "Raise a seed round")
        self.json("prospect", "add", "Tara Singh", "--goal", "seed", "--plan", "ask about SAFEs")
        self.json("prospect", "next", "tara")
        s = self.json("show", "tara")
        self.assertEqual(s["prospect"]["stage"], "reached-out")
        self.assertEqual([g["goal"]["title"] for g in s["goals"]], ["Raise a seed round"])
        human = self.ok("show", "tara").stdout
        self.assertIn("Pipeline:", human)
        self.assertIn("reached-out", human)
        self.assertIn("Raise a seed round", human)
        self.json("add", "Nobody Special")
        self.assertEqual(self.json("show", "nobody")["goals"], [])
        self.assertNotIn("Goals:", self.ok("show", "nobody").stdout)


class LogGoalTests(TendTestCase):
    def setUp(self):
        super().setUp()
        self.json("add", "Ann Lee")
        self.json("add", "Bob Ray")
        self.json("add", "Cy Young")
        self.goal = self.json("goal", "add", "Land a PM role")
        self.json("goal", "link", "land", "ann", "--why", "PM guild")

    def test_tagged_and_linked_are_told_apart(self):
        # Bob is not linked: only the tag brings his interaction in.
        r = self.json("log", "bob", "coffee", "asked for a referral", "--goal", "land")
        self.assertEqual(r["goal"]["id"], self.goal["id"])
        self.assertEqual(r["interaction"]["goal_id"], self.goal["id"])
        self.ok("log", "ann", "call", "mock interview")          # linked, not tagged
        self.ok("log", "ann", "email", "sent CV", "--goal", "pm role")  # linked and tagged
        self.ok("log", "cy", "call", "unrelated")                # neither
        show = self.json("goal", "show", "land")
        got = sorted((i["contact"]["name"], i["kind"], i["toward"]) for i in show["interactions"])
        self.assertEqual(got, [("Ann Lee", "call", "linked"), ("Ann Lee", "email", "tagged"),
                               ("Bob Ray", "coffee", "tagged")])
        self.assertEqual(show["interactions_tagged"], 2)
        self.assertEqual(show["interactions_total"], 3)
        human = self.ok("goal", "show", "land").stdout
        self.assertIn("2 logged with --goal", human)
        self.assertIn("Bob Ray", human)
        self.assertIn("[goal]", human)
        self.assertIn("[linked]", human)
        self.assertNotIn("unrelated", human)
        out = self.ok("log", "cy", "coffee", "--goal", "1").stdout
        self.assertIn('toward goal #%d "Land a PM role"' % self.goal["id"], out)
        # History carries the goal, by id and title, and says it in the human table too.
        hist = self.json("history", "bob")
        self.assertEqual([h["goal_id"] for h in hist], [self.goal["id"]])
        self.assertEqual([h["goal"] for h in hist],
                         [{"id": self.goal["id"], "title": "Land a PM role"}])
        self.assertIsNone(self.json("history", "ann")[-1]["goal"])  # the untagged call
        human = self.ok("history", "bob").stdout
        self.assertIn('asked for a referral; goal: Land a PM role', human)
        ann = self.ok("history", "ann").stdout.splitlines()
        self.assertEqual([line.endswith("mock interview") for line in ann if "call" in line],
                         [True])
        self.assertEqual(len([line for line in ann if "sent CV; goal: Land a PM role" in line]), 1)

    def test_bad_goal_changes_nothing(self):
        p = self.tend("log", "bob", "coffee", "--goal", "nope")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("nope", p.stderr)
        self.json("goal", "add", "Land a board seat")
        p = self.tend("log", "bob", "coffee", "--goal", "land")
        self.assertEqual(p.returncode, 1)
        self.assertIn("matches 2 goals", p.stderr)
        self.assertEqual(self.tend("log", "bob", "coffee", "--goal", "").returncode, 2)
        r = self.call("io.tend.Interactions.Log", {"who": "bob", "kind": "call", "goal": ""})
        self.assertEqual(r["error"], "io.tend.Service.InvalidValue")
        self.assertIsNone(self.json("show", "bob")["last_interaction"])

    def test_goal_rm_untags_and_export_round_trip(self):
        self.ok("log", "bob", "coffee", "--goal", "land")
        lines = [json.loads(x) for x in self.ok("export").stdout.splitlines()]
        goal_uuid = [x for x in lines if x["type"] == "goal"][0]["uuid"]
        inter = [x for x in lines if x["type"] == "interaction"]
        self.assertEqual([x.get("goal") for x in inter], [goal_uuid])
        dump = self.ok("export").stdout
        # Into a fresh store: byte-identical, and the goal still lists the interaction.
        other = TendTestCase("run")
        other.setUp()
        try:
            other.tend("import", "-", input=dump, check=0)
            self.assertEqual(other.ok("export").stdout, dump)
            show = other.json("goal", "show", "land")
            self.assertEqual([(i["contact"]["name"], i["toward"]) for i in show["interactions"]],
                             [("Bob Ray", "tagged")])
        finally:
            other.tearDown()
        # Removing the goal untags the interaction.
        self.ok("goal", "rm", "land", "--yes")
        lines = [json.loads(x) for x in self.ok("export").stdout.splitlines()]
        self.assertEqual([x.get("goal") for x in lines if x["type"] == "interaction"], [None])
        self.assertIsNone(self.json("history", "bob")[0]["goal_id"])

    def test_contact_rm_drops_tagged_interactions(self):
        self.ok("log", "bob", "coffee", "--goal", "land")
        self.ok("rm", "bob", "--yes")
        show = self.json("goal", "show", "land")
        self.assertEqual(show["interactions"], [])
        self.assertEqual(show["interactions_tagged"], 0)


class IntroRemoveTests(TendTestCase):
    def setUp(self):
        super().setUp()
        for name in ("Ann Lee", "Bob Ray", "Cy Young"):
            self.json("add", name)

    def test_rm_by_people_and_by_id(self):
        self.json("intro", "ann", "bob", "--note", "both into robotics")
        second = self.json("intro", "bob", "ann")
        third = self.json("intro", "ann", "cy")
        self.assertIn("ID", self.ok("intro", "ls").stdout)
        # By the two people, either order: both introductions between them go.
        removed = self.json("intro", "rm", "bob", "ann", "--yes")
        self.assertEqual(sorted(i["id"] for i in removed), sorted([1, second["id"]]))
        self.assertEqual([i["id"] for i in self.json("intro", "ls")], [third["id"]])
        # By id; a tombstone is left.
        out = self.ok("intro", "rm", str(third["id"]), "--yes").stdout
        self.assertIn("Removed introduction #%d: Ann Lee" % third["id"], out)
        self.assertEqual(self.json("intro", "ls"), [])
        tomb = [json.loads(x) for x in self.ok("export").stdout.splitlines()]
        self.assertEqual(len([x for x in tomb if x["type"] == "tombstone"
                              and x["record"] == "introduction"]), 3)
        # Health no longer counts them.
        h = self.json("health")
        self.assertEqual(sum(n["introductions_made"] for n in h["networks"]), 0)

    def test_rm_errors_change_nothing(self):
        self.json("intro", "ann", "bob")
        p = self.tend("intro", "rm", "ann", "cy", "--yes")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("you have not introduced Ann Lee and Cy Young", p.stderr)
        self.assertIn("no introduction #99", self.tend("intro", "rm", "#99", "--yes").stderr)
        r = self.call("io.tend.Network.RemoveIntroduction", {"a": "ann", "b": "cy"})
        self.assertEqual(r["error"], "io.tend.Network.NoSuchIntroduction")
        self.assertEqual(r["parameters"]["b"]["name"], "Cy Young")
        self.assertEqual(self.tend("intro", "rm", "99", "--yes").returncode, 1)
        self.assertEqual(self.tend("intro", "rm", "ann").returncode, 2)
        self.assertEqual(self.tend("intro", "rm").returncode, 2)
        self.assertEqual(self.tend("intro", "rm", "a", "b", "c").returncode, 2)
        r = self.call("io.tend.Network.RemoveIntroduction", {"id": 1, "a": "ann", "b": "bob"})
        self.assertEqual(r["error"], "io.tend.Service.InvalidValue")
        r = self.call("io.tend.Network.RemoveIntroduction", {"a": "ann"})
        self.assertEqual(r["error"], "io.tend.Service.InvalidValue")
        self.assertEqual(len(self.json("intro", "ls")), 1)


class GoalFollowUpConfigTests(ConfigTestCase):
    def test_config_then_profile_wins_then_default_hands_back(self):
        self.write_config("[goals]\nfollow_up = 10d\n")
        self.daemon.start()
        p = self.json("profile", "show")
        self.assertEqual(p["goal_followup_seconds"], 10 * DAY)
        self.assertEqual(p["goal_followup_source"], "config")
        self.assertIn("tendd.conf [goals] follow_up", self.ok("profile", "show").stdout)
        # A long cadence: each log resets the date, and the goal rule pulls it in.
        self.json("add", "Ann Lee", "--every", "1y")
        self.json("goal", "add", "Land a PM role")
        r = self.json("goal", "link", "land", "ann")
        self.assertAlmostEqual(ts(r["next_due"]), time.time() + 10 * DAY, delta=10)
        # The profile setting wins over tendd.conf.
        p = self.json("profile", "set", "--goal-every", "3d")
        self.assertEqual(p["goal_followup_seconds"], 3 * DAY)
        self.assertEqual(p["goal_followup_source"], "profile")
        r = self.json("log", "ann", "coffee")
        self.assertAlmostEqual(ts(r["next_due"]), time.time() + 3 * DAY, delta=10)
        # A reload changes the config value; the profile still wins.
        self.write_config("[goals]\nfollow_up = 20d\n")
        self.daemon.proc.send_signal(signal.SIGHUP)
        self.wait_log("Settings reloaded")
        self.assertEqual(self.json("profile", "show")["goal_followup_seconds"], 3 * DAY)
        # 'default' removes the profile setting: tendd.conf applies again.
        p = self.json("profile", "set", "--goal-every", "default")
        self.assertEqual(p["goal_followup_seconds"], 20 * DAY)
        self.assertEqual(p["goal_followup_source"], "config")
        r = self.json("log", "ann", "call")
        self.assertAlmostEqual(ts(r["next_due"]), time.time() + 20 * DAY, delta=10)

    def test_a_new_interval_moves_the_dates_it_set(self):
        """Changing the goal interval re-dates the people it had dated, at once: through
        `profile set --goal-every` and through a reload of tendd.conf."""
        self.write_config("[goals]\nfollow_up = 30d\n")
        self.daemon.start()
        self.json("add", "Ann Lee", "--every", "1y")
        self.json("add", "Bob Ray", "--every", "3d")     # his cadence is sooner than any rule
        self.json("add", "Cy Young", "--every", "1y")    # on no goal
        self.json("goal", "add", "Land a PM role")
        self.json("goal", "link", "land", "ann")
        self.json("goal", "link", "land", "bob")
        def due(who):
            return ts(self.json("show", who)["next_due"])
        cy = due("cy")
        self.assertAlmostEqual(due("ann"), time.time() + 30 * DAY, delta=10)
        # Shorter: Ann moves in; Bob keeps his 3-day cadence; Cy is not on a goal.
        out = self.ok("profile", "set", "--goal-every", "1w").stdout
        self.assertAlmostEqual(due("ann"), time.time() + 7 * DAY, delta=10)
        self.assertAlmostEqual(due("bob"), time.time() + 3 * DAY, delta=10)
        self.assertEqual(due("cy"), cy)
        self.assertIn("1 follow-up moved", out)
        # Longer again ('default' hands back to tendd.conf's 30 days): Ann moves out.
        self.json("profile", "set", "--goal-every", "default")
        self.assertAlmostEqual(due("ann"), time.time() + 30 * DAY, delta=10)
        # A reload with another follow_up moves her too; a closed goal's people stay put.
        self.write_config("[goals]\nfollow_up = 2w\n")
        self.daemon.proc.send_signal(signal.SIGHUP)
        self.wait_log("Settings reloaded")
        self.assertAlmostEqual(due("ann"), time.time() + 14 * DAY, delta=10)
        self.assertAlmostEqual(due("bob"), time.time() + 3 * DAY, delta=10)
        self.json("goal", "done", "land")
        self.assertAlmostEqual(due("ann"), time.time() + 365 * DAY, delta=10)
        self.json("profile", "set", "--goal-every", "1w")
        self.assertAlmostEqual(due("ann"), time.time() + 365 * DAY, delta=10)

    def test_bad_values_are_refused(self):
        for value in ("0s", "often", "400d"):
            self.write_config("[goals]\nfollow_up = %s\n" % value)
            p = self.tendd("--check-config")
            self.assertEqual(p.returncode, 1, value)
            self.assertIn(":2: follow_up = %s" % value, p.stderr)
        self.write_config("[goals]\nfollow_up = 6w\n")
        p = self.tendd("--check-config")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("[goals]\nfollow_up = 6w", p.stdout)


if __name__ == "__main__":
    unittest.main()
