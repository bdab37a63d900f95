"""End to end: correcting the history — interaction ids, tend interaction edit/rm (the person's
last touch and next follow-up follow), kinds (one word, typo refusal, --new-kind, tend kinds)."""

import datetime as dt
import json
import unittest

from tendtest import TendTestCase


def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


DAY = 86400


class HistoryTests(TendTestCase):
    def log(self, who, kind, at, *extra):
        return self.json("log", who, kind, "--at", at, *extra)["interaction"]

    def test_history_shows_global_ids(self):
        self.json("add", "Lena Fischer", "--every", "2w")
        self.json("add", "Marcus Oyelaran")
        a = self.log("lena", "coffee", "2026-01-10 12:00")
        b = self.log("marcus", "call", "2026-01-11 12:00")
        c = self.log("lena", "meeting", "2026-01-12 12:00", "Roadmap review")
        # Global, not per person.
        self.assertEqual([a["id"], b["id"], c["id"]], [a["id"], a["id"] + 1, a["id"] + 2])
        h = self.json("history", "lena")
        self.assertEqual([i["id"] for i in h], [c["id"], a["id"]])
        out = self.ok("history", "lena").stdout
        self.assertIn("#%d" % c["id"], out)
        self.assertIn("#%d" % a["id"], out)
        self.assertEqual(self.json("show", "lena")["interactions"][0]["id"], c["id"])
        self.assertIn("#%d" % c["id"], self.ok("show", "lena").stdout)
        got = self.call("io.tend.Interactions.Get", {"id": b["id"]})["parameters"]
        self.assertEqual(got["interaction"]["contact"]["name"], "Marcus Oyelaran")

    def test_edit_at_moves_last_touch_and_due(self):
        self.json("add", "Kim Park", "--every", "10d")
        old = self.log("kim", "coffee", "2026-01-01 12:00")
        self.log("kim", "call", "2026-01-05 12:00")
        self.assertEqual(self.json("show", "kim")["next_due"], "2026-01-15T12:00:00Z")
        # Moving the older one past the latest makes it the latest touch.
        r = self.json("interaction", "edit", "#%d" % old["id"], "--at", "2026-01-08 12:00",
                      "--note", "moved")
        self.assertEqual(r["interaction"]["at"], "2026-01-08T12:00:00Z")
        self.assertEqual(r["interaction"]["note"], "moved")
        self.assertEqual(r["next_due"], "2026-01-18T12:00:00Z")
        c = self.json("show", "kim")
        self.assertEqual(c["last_interaction"], "2026-01-08T12:00:00Z")
        self.assertEqual(c["last_kind"], "coffee")
        self.assertEqual(c["next_due"], "2026-01-18T12:00:00Z")
        self.assertEqual([i["id"] for i in self.json("history", "kim")][0], old["id"])
        out = self.ok("interaction", "edit", str(old["id"]), "--kind", "meeting").stdout
        self.assertIn("Updated #%d (meeting with Kim Park" % old["id"], out)
        self.assertEqual(self.json("show", "kim")["last_kind"], "meeting")

    def test_rm_recomputes_from_what_remains(self):
        self.json("add", "Ann Lee", "--every", "10d")
        first = self.log("ann", "coffee", "2026-01-01 12:00")
        latest = self.log("ann", "call", "2026-01-05 12:00")
        # rm of the latest falls back to the previous one.
        r = self.json("interaction", "rm", str(latest["id"]), "--yes")
        self.assertEqual(r["interaction"]["id"], latest["id"])
        self.assertEqual(r["next_due"], "2026-01-11T12:00:00Z")
        c = self.json("show", "ann")
        self.assertEqual(c["last_interaction"], "2026-01-01T12:00:00Z")
        self.assertEqual(c["last_kind"], "coffee")
        self.assertEqual([i["id"] for i in self.json("history", "ann")], [first["id"]])
        # Gone for good: no second removal, and the id is not handed out again.
        p = self.tend("interaction", "rm", str(latest["id"]), "--yes", check=1)
        self.assertIn("no interaction #%d" % latest["id"], p.stderr)
        nxt = self.log("ann", "email", "2026-01-06 12:00")
        self.assertGreater(nxt["id"], latest["id"])
        # Without a terminal rm insists on --yes.
        p = self.tend("interaction", "rm", str(first["id"]), check=2)
        self.assertIn("--yes", p.stderr)

    def test_rm_goal_person_stays_due(self):
        self.json("add", "Pat Lee")
        self.ok("goal", "add", "Raise a seed round")
        self.ok("goal", "link", "Raise a seed round", "pat")
        only = self.log("pat", "coffee", "2026-01-01 12:00")
        self.json("interaction", "rm", str(only["id"]), "--yes")
        c = self.json("show", "pat")
        self.assertIsNone(c["last_interaction"])
        self.assertIsNotNone(c["next_due"])

    def test_edit_goal(self):
        self.json("add", "Sam Roe")
        self.ok("goal", "add", "Hire a designer")
        i = self.log("sam", "coffee", "2026-01-01 12:00")
        self.json("interaction", "edit", str(i["id"]), "--goal", "Hire a designer")
        show = self.json("goal", "show", "Hire a designer")
        self.assertEqual([x["kind"] for x in show["interactions"]], ["coffee"])
        self.json("interaction", "edit", str(i["id"]), "--goal", "")
        self.assertEqual(self.json("goal", "show", "Hire a designer")["interactions"], [])

    def test_kinds(self):
        self.json("add", "Lena Fischer")
        self.json("add", "Marcus Oyelaran")
        # A second name where KIND goes: refused, with the line that was meant.
        p = self.tend("log", "lena fischer", "marcus oyelaran", "meeting", "Roadmap review",
                      check=1)
        self.assertIn("not one word", p.stderr)
        self.assertIn('tend log "lena fischer" meeting "Roadmap review"', p.stderr)
        self.assertEqual(self.json("history", "lena"), [])
        # A typo of a known kind: refused with the suggestion, unless --new-kind.
        p = self.tend("log", "lena", "cofee", check=1)
        self.assertIn("did you mean coffee?", p.stderr)
        self.assertEqual(self.json("history", "lena"), [])
        self.assertEqual(self.json("log", "lena", "coffee")["interaction"]["kind"], "coffee")
        self.assertEqual(self.json("log", "lena", "hackathon")["interaction"]["kind"],
                         "hackathon")
        self.assertEqual(self.json("log", "lena", "cofee", "--new-kind")["interaction"]["kind"],
                         "cofee")
        # Kinds in the store are known too.
        p = self.tend("log", "lena", "hackaton", check=1)
        self.assertIn("did you mean hackathon?", p.stderr)
        r = self.call("io.tend.Interactions.Log", {"who": "lena", "kind": "hackaton"})
        self.assertEqual(r["error"], "io.tend.Interactions.UnknownKind")
        self.assertEqual(r["parameters"], {"kind": "hackaton", "suggestion": "hackathon"})
        # interaction edit --kind follows the same rule.
        i = self.json("history", "lena")[0]
        p = self.tend("interaction", "edit", str(i["id"]), "--kind", "meetng", check=1)
        self.assertIn("did you mean meeting?", p.stderr)
        kinds = {k["kind"]: k for k in self.json("kinds")}
        self.assertEqual(kinds["coffee"]["count"], 1)
        self.assertEqual(kinds["hackathon"]["count"], 1)
        self.assertEqual(kinds["cofee"]["count"], 1)
        self.assertFalse(kinds["hackathon"]["builtin"])
        self.assertTrue(kinds["meeting"]["builtin"])
        self.assertEqual(kinds["meeting"]["count"], 0)
        out = self.ok("kinds").stdout
        self.assertRegex(out, r"hackathon\s+1")
        # Counts follow removals; a kind nobody uses any more is no longer listed.
        self.assertEqual(i["kind"], "cofee")
        self.json("interaction", "rm", str(i["id"]), "--yes")
        self.assertNotIn("cofee", [k["kind"] for k in self.json("kinds")])

    def test_export_import_keeps_ids(self):
        self.json("add", "Ann Lee")
        a = self.log("ann", "coffee", "2026-01-01 12:00")
        b = self.log("ann", "call", "2026-01-02 12:00")
        self.json("interaction", "rm", str(a["id"]), "--yes")
        out = self.ok("export", "--format", "json").stdout
        recs = [json.loads(line) for line in out.splitlines() if line.strip()]
        self.assertEqual([r["id"] for r in recs if r["type"] == "interaction"], [b["id"]])
        header = [r for r in recs if r["type"] == "tend"][0]
        self.assertEqual(header["next_interaction_id"], b["id"] + 1)


if __name__ == "__main__":
    unittest.main()
