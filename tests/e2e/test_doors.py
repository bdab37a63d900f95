"""End to end, table-driven: every door that records a touch and every door that moves a date,
over the same people, must leave the same rules standing.

Doors that record a touch: `tend log`, `tend done`, the notification's Done button, an import
that brings an interaction, a prospect reaching "met". Doors that move a date: snooze, a cadence
edit, goal link and unlink, a new goal interval, a profile change. The people: one with a
cadence, one without, a goal person without a cadence, a goal person with a long cadence, and
Pat — a prospect toward a goal who was met three days ago (the case where `tend done` once
left a goal person with no follow-up at all).

Invariants checked after each door, for each person:
  - a person linked to an active goal always has a next follow-up (never drops out), and it
    is no later than their last touch (or the link) plus the goal interval;
  - a person with a cadence always has a next follow-up;
  - after a touch: the last touch is now, exactly one interaction more is in the history, and
    the next follow-up is no later than now + cadence (when they have one) and not in the past;
  - `tend goal show` lists every goal person with a NEXT date, never "—"."""

import datetime as dt
import json
import os
import time
import unittest
import uuid

from test_notify import NotifyTestCase

GOAL = "Raise a seed round"
GOAL_EVERY = 30 * 86400
SLACK = 120  # seconds between the door and the check, on a busy machine


def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() if s else None


def rfc3339(t):
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# name -> (setup commands, cadence seconds or None, linked to the goal)
PEOPLE = {
    "Cal Cadence": ([["add", "Cal Cadence", "--every", "14d"]], 14 * 86400, False),
    "Nora Nocadence": ([["add", "Nora Nocadence", "--due", "+3d"]], None, False),
    "Gia Goal": ([["add", "Gia Goal"], ["goal", "link", GOAL, "gia goal", "--why", "angel"]],
                 None, True),
    "Lou Long": ([["add", "Lou Long", "--every", "90d"],
                  ["goal", "link", GOAL, "lou long", "--why", "advisor"]], 90 * 86400, True),
    "Pat Lee": ([["prospect", "add", "Pat Lee", "--goal", GOAL],
                 ["prospect", "next", "pat lee", "--stage", "met", "--at", "3 days ago"]],
                None, True),
}


class DoorTests(NotifyTestCase):
    def setUp(self):
        super().setUp()
        self.ok("goal", "add", GOAL)
        for cmds, _, _ in PEOPLE.values():
            for c in cmds:
                self.ok(*c)

    # ---- reading ----

    def show(self, name):
        return self.json("show", name)

    def history_len(self, name):
        h = self.json("history", name)
        return len(h["interactions"] if isinstance(h, dict) else h)

    def check(self, door, touched=None, before=None):
        now = time.time()
        for name, (_, cadence, goal) in PEOPLE.items():
            c = self.show(name)
            due, last = ts(c["next_due"]), ts(c["last_interaction"])
            where = "%s after %s" % (name, door)
            if goal:
                self.assertIsNotNone(due, "%s: a goal person dropped out" % where)
                ref = max(last or 0, now - SLACK - 10 * 86400)
                self.assertLessEqual(due, max(ref, now) + GOAL_EVERY + SLACK, where)
            if cadence:
                self.assertIsNotNone(due, "%s: a cadence and no follow-up" % where)
            if name == touched:
                self.assertAlmostEqual(last, now, delta=SLACK, msg=where)
                self.assertEqual(self.history_len(name), before + 1, where)
                if cadence:
                    self.assertLessEqual(due, now + cadence + SLACK, where)
                if due is not None:
                    self.assertGreater(due, now - SLACK, "%s: due in the past" % where)
        text = self.ok("goal", "show", GOAL).stdout
        people = text.split("People:")[1].split("Interactions")[0]
        for name, (_, _, goal) in PEOPLE.items():
            if goal:
                line = [ln for ln in people.splitlines() if name in ln]
                self.assertTrue(line, "%s missing from goal show after %s" % (name, door))
                self.assertFalse(line[0].rstrip().endswith("—"),
                                 "%s has no NEXT after %s: %s" % (name, door, line[0]))

    # ---- the doors that record a touch ----

    def door_log(self, name):
        self.ok("log", name, "coffee", "caught up")

    def door_done(self, name):
        self.ok("done", name)

    def door_button(self, name):
        n, before = len(self.server.notifies()), self.history_len(name)
        self.ok("snooze", name, "+1s")
        calls = self.server.wait_notifies(n + 1, timeout=30)
        # The id the server gave: the one replaced, or the next new one (the mock counts up).
        nid = calls[n][1] or sum(1 for c in calls[:n + 1] if not c[1])
        self.server.invoke(nid, "done")
        deadline = time.monotonic() + 30
        while self.history_len(name) == before and time.monotonic() < deadline:
            time.sleep(0.05)

    def door_import(self, name):
        c = self.show(name)
        path = os.path.join(self.root, "one-interaction.jsonl")
        with open(path, "w") as f:
            f.write(json.dumps({"type": "interaction", "contact": c["uuid"],
                                "uuid": str(uuid.uuid4()), "at": rfc3339(time.time()),
                                "kind": "call"}) + "\n")
        self.ok("import", path)

    def door_prospect_met(self, name):
        # Meeting someone is a touch unless one was logged at that very second already (then
        # that one was the meeting): step past the second of the doors before.
        time.sleep(1.1)
        self.ok("prospect", "next", name, "--stage", "met")

    TOUCH_DOORS = ["log", "done", "button", "import", "prospect_met"]

    def test_touch_doors(self):
        self.check("setup")
        for door in self.TOUCH_DOORS:
            for name in PEOPLE:
                with self.subTest(door=door, person=name):
                    before = self.history_len(name)
                    getattr(self, "door_" + door)(name)
                    self.check(door, touched=name, before=before)

    # ---- the doors that move a date ----

    def test_date_doors(self):
        self.ok("goal", "add", "Second goal")
        doors = [
            ("snooze", lambda n: self.ok("snooze", n, "5d")),
            ("cadence edit", lambda n: self.ok("edit", n, "--every", "7d")),
            ("goal link", lambda n: self.ok("goal", "link", "Second goal", n, "--why", "x")),
            ("goal unlink", lambda n: self.ok("goal", "unlink", "Second goal", n)),
            ("goal interval", lambda n: self.ok("profile", "set", "--goal-every", "10d")),
            ("goal interval back", lambda n: self.ok("profile", "set", "--goal-every", "30d")),
            ("profile", lambda n: self.ok("profile", "set", "founder")),
        ]
        self.check("setup")
        for door, act in doors:
            for name in PEOPLE:
                with self.subTest(door=door, person=name):
                    act(name)
                    self.check(door)


if __name__ == "__main__":
    unittest.main()
