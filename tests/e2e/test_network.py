"""End to end: profile and offers, introductions, warm paths, graph, ledger, health, plan."""

import json
import os
import shutil
import subprocess
import unittest

from tendtest import TendTestCase


class ProfileTests(TendTestCase):
    def test_profile_set_show(self):
        p = self.json("profile")
        self.assertEqual(p["profile"], "unset")
        self.assertAlmostEqual(p["targets"]["strategic"], 1 / 3, places=6)
        p = self.json("profile", "set", "job")
        self.assertEqual(p["profile"], "job-seeking")
        self.assertGreater(p["targets"]["strategic"], p["targets"]["operational"])
        self.assertEqual(self.json("profile", "show")["profile"], "job-seeking")
        p = self.json("profile", "set", "growing", "--goal-every", "3w")
        self.assertGreater(p["targets"]["operational"], p["targets"]["strategic"])
        self.assertEqual(p["goal_followup_days"], 21)
        self.assertIn("operational 50%", self.ok("profile").stdout)
        self.assertEqual(self.json("profile", "set", "unset")["profile"], "unset")
        self.tend("profile", "set", "retired", check=2)
        self.tend("profile", "set", check=2)
        r = self.call("io.tend.Network.SetProfile", {"profile": "retired"})
        self.assertEqual(r["error"], "io.tend.Service.InvalidValue")

    def test_me_offers(self):
        self.assertEqual(self.json("me")["offers"], [])
        self.json("me", "offers", "Product", "discovery", "workshops")
        p = self.json("me", "offers", "Intros to Berlin founders")
        self.assertEqual(p["offers"], ["Product discovery workshops", "Intros to Berlin founders"])
        self.json("me", "offers", "product discovery workshops")  # no duplicate
        self.assertEqual(len(self.json("me")["offers"]), 2)
        p = self.json("me", "unoffer", "Product discovery workshops")
        self.assertEqual(p["offers"], ["Intros to Berlin founders"])
        self.assertIn("Intros to Berlin founders", self.ok("me").stdout)
        self.tend("me", "offers", "  ", check=2)
        r = self.call("io.tend.Network.SetProfile", {"add_offers": ["a\nb"]})
        self.assertEqual(r["error"], "io.tend.Service.InvalidValue")


class IntroPathGraphTests(TendTestCase):
    def setUp(self):
        super().setUp()
        # Ann (warm) introduced you to Bob (never touched) at Globex; Tara is at Globex too;
        # Cara (warm) works at Globex; Dan (warm) knows nobody.
        self.json("add", "Ann Lee", "--network", "operational", "--org", "Acme")
        self.json("add", "Bob Ray", "--network", "strategic", "--org", "Globex", "--met-via", "ann")
        self.json("add", "Tara Singh", "--network", "strategic", "--org", "Globex")
        self.json("add", "Cara Diaz", "--network", "personal", "--org", "globex")
        self.json("add", "Dan Wu", "--network", "personal")
        for who in ("ann", "cara", "dan"):
            self.ok("log", who, "coffee", "--at", "3 days ago")

    def test_path(self):
        r = self.json("path", "tara")
        self.assertEqual(r["target"]["name"], "Tara Singh")
        firsts = [c["people"][0]["contact"]["name"] for c in r["chains"]]
        self.assertEqual(firsts, ["Cara Diaz", "Ann Lee"])
        self.assertEqual(r["chains"][0]["people"][0]["link"], "same-org")
        # Hops from you: you → Cara → Tara is two, you → Ann → Bob → Tara three; both are as
        # strong as the shared organisation (weak, 20), so the shorter comes first.
        self.assertEqual(r["chains"][0]["hops"], 2)
        self.assertEqual(r["chains"][0]["weakest"], 20)
        self.assertEqual(r["chains"][0]["people"][0]["level"], "weak")
        self.assertGreater(r["chains"][0]["you_strength"], 50)  # a coffee three days ago
        self.assertEqual(r["chains"][1]["hops"], 3)
        self.assertEqual([s["contact"]["name"] for s in r["chains"][1]["people"]],
                         ["Ann Lee", "Bob Ray", "Tara Singh"])
        self.assertEqual(r["chains"][1]["people"][0]["link"], "met-via")
        human = self.ok("path", "tara", "singh").stdout
        self.assertIn("Cara Diaz —(both at Globex, weak)→ Tara Singh", human)
        self.assertIn("[2 hops, weakest: weak 20]", human)
        self.assertEqual(len(self.json("path", "tara", "--limit", "1")["chains"]), 1)
        # An introduction makes Dan a way to Bob.
        self.assertEqual(self.json("path", "bob")["chains"][0]["people"][0]["contact"]["name"],
                         "Ann Lee")
        i = self.json("intro", "dan", "bob", "--note", "both into robotics")
        self.assertEqual(i["a"]["name"], "Dan Wu")
        self.assertEqual(i["note"], "both into robotics")
        names = [c["people"][0]["contact"]["name"] for c in self.json("path", "bob")["chains"]]
        self.assertIn("Dan Wu", names)
        self.assertIn("you introduced them", self.ok("path", "bob").stdout)
        self.json("add", "Zed Lone")
        self.assertIn("No warm path", self.ok("path", "zed").stdout)
        self.tend("path", "nobody", check=1)

    def test_path_through_prospect_go_between(self):
        # The person you plan to go through (prospect --via) is a way in before you have met.
        self.json("add", "Wendy Warm", "--org", "Nowhere Ltd")
        self.ok("log", "wendy", "call")
        self.json("add", "Gil Between", "--met-via", "wendy")
        self.json("prospect", "add", "Quinn Prospect", "--via", "gil")
        r = self.json("path", "quinn")
        self.assertEqual([s["contact"]["name"] for s in r["chains"][0]["people"]],
                         ["Wendy Warm", "Gil Between", "Quinn Prospect"])
        self.assertEqual(r["chains"][0]["people"][1]["link"], "can-introduce")
        self.assertIn("Gil Between —(can introduce you to, medium)→ Quinn Prospect",
                      self.ok("path", "quinn").stdout)
        edges = self.json("graph")["edges"]
        self.assertIn("can-introduce", [e["kind"] for e in edges])

    def test_intro_list_and_errors(self):
        self.json("intro", "ann", "cara")
        self.json("intro", "dan", "cara", "--at", "2026-01-05")
        self.assertEqual(len(self.json("intro", "ls")), 2)
        mine = self.json("intro", "ls", "dan")
        self.assertEqual(len(mine), 1)
        self.assertTrue(mine[0]["at"].startswith("2026-01-05"))
        self.assertIn("Cara Diaz", self.ok("intro", "ls").stdout)
        self.tend("intro", "ann", "ann", check=1)
        self.tend("intro", "ann", check=2)
        self.tend("intro", "ann", "nobody", check=1)
        self.tend("intro", "ann", "cara", "--at", "in 3 days", check=1)
        self.assertEqual(len(self.json("intro", "ls")), 2)
        # Removing a person removes the introductions they were part of.
        self.ok("rm", "cara", "--yes")
        self.assertEqual(self.json("intro", "ls"), [])

    def test_graph(self):
        self.json("intro", "dan", "cara")
        g = self.json("graph")
        self.assertEqual(len(g["nodes"]), 5)
        kinds = sorted(e["kind"] for e in g["edges"])
        self.assertEqual(kinds, ["introduced", "met-via"])
        dot = self.ok("graph").stdout
        self.assertTrue(dot.startswith("digraph tend {"))
        self.assertIn('label="Ann Lee\\nAcme"', dot)
        self.assertIn("introduced you", dot)
        self.assertIn("#f4b183", dot)  # strategic colour
        st = self.json("graph", "--network", "strategic")
        self.assertEqual(sorted(n["name"] for n in st["nodes"]), ["Bob Ray", "Tara Singh"])
        self.assertEqual(st["edges"], [])
        linked = self.ok("graph", "--linked").stdout
        self.assertNotIn("Tara Singh", linked)
        self.tend("graph", "--format", "png", check=2)

    @unittest.skipUnless(shutil.which("dot"), "Graphviz's dot is not installed")
    def test_graph_svg(self):
        svg = self.ok("graph", "--format", "svg").stdout
        self.assertIn("<svg", svg)
        self.assertIn("Ann Lee", svg)

    def test_graph_svg_without_dot(self):
        p = self.tend("graph", "--format", "svg", env={"PATH": "/nonexistent"}, check=1)
        self.assertIn("graphviz", p.stderr.lower())


class LedgerTests(TendTestCase):
    def test_ledger(self):
        self.json("add", "Ann Lee", "--brings", "knows every PM in Berlin")
        self.json("add", "Bob Ray")
        self.json("add", "Cy Young")
        self.ok("log", "ann", "coffee", "--got", "intro to a recruiter", "--at", "2026-01-05")
        self.ok("log", "ann", "call", "--got", "CV feedback")
        self.ok("log", "bob", "coffee", "--gave", "reviewed his deck", "--got", "a book tip")
        self.ok("log", "cy", "email")
        r = self.json("ledger")
        self.assertEqual([p["contact"]["name"] for p in r["people"]], ["Ann Lee", "Bob Ray"])
        ann = r["people"][0]
        self.assertEqual((ann["gave"], ann["got"]), (0, 2))
        self.assertTrue(ann["only_asked"])
        self.assertTrue(ann["you_owe"])
        self.assertEqual(ann["brings"], "knows every PM in Berlin")
        self.assertFalse(r["people"][1]["only_asked"])
        self.assertEqual(r["totals"], {"gave": 1, "got": 3, "people": 2, "only_asked": 1,
                                       "you_owe": 1})
        human = self.ok("ledger").stdout
        self.assertIn("only asked", human)
        one = self.json("ledger", "ann")
        self.assertEqual(len(one["people"]), 1)
        self.assertEqual([e["got"] for e in one["people"][0]["entries"]],
                         ["CV feedback", "intro to a recruiter"])
        self.assertIn("only ever asked", self.ok("ledger", "ann").stdout)
        self.assertEqual(self.json("ledger", "cy")["people"][0]["got"], 0)
        self.tend("ledger", "nobody", check=1)

    def test_brings_edit(self):
        self.json("add", "Dee Park")
        c = self.json("edit", "dee", "--brings", "design systems")
        self.assertEqual(c["brings"], "design systems")
        self.assertIn("design systems", self.ok("show", "dee").stdout)
        self.assertIsNone(self.json("edit", "dee", "--brings", "")["brings"])


class HealthPlanTests(TendTestCase):
    def test_health(self):
        self.json("profile", "set", "job-seeking")
        self.json("add", "Ann Lee", "--network", "operational", "--org", "Acme", "--due",
                  "2026-01-05")
        self.json("add", "Bob Ray", "--network", "operational,strategic", "--org", "acme")
        self.json("add", "Cy Young", "--network", "personal")
        self.json("add", "Dee Park", "--network", "strategic", "--org", "Initech",
                  "--met-via", "ann")
        self.json("add", "Eve Ng")
        for at in ("10 days ago", "40 days ago", "70 days ago"):
            self.ok("log", "ann", "call", "--at", at)
        self.ok("log", "bob", "coffee", "--at", "60 days ago")
        self.ok("log", "dee", "coffee", "--at", "20 days ago")
        self.json("intro", "ann", "cy")
        h = self.json("health")
        self.assertEqual(h["people"], 5)
        self.assertEqual(h["unfiled"], 1)
        nets = {n["network"]: n for n in h["networks"]}
        op, pe, st = nets["operational"], nets["personal"], nets["strategic"]
        self.assertEqual((op["people"], op["touched_30"], op["touched_90"]), (2, 1, 2))
        self.assertEqual(op["organisations"], 1)
        self.assertEqual(op["touches_90"], 4)
        self.assertAlmostEqual(op["median_days_between_touches"], 30, delta=0.01)
        self.assertEqual(op["introductions_made"], 1)
        self.assertEqual(pe["never_touched"], 1)
        self.assertEqual(pe["verdict"], "under-served")
        self.assertEqual(st["organisations"], 2)
        self.assertEqual(st["introductions_received"], 1)
        self.assertEqual(op["verdict"], "over-served")
        self.assertAlmostEqual(op["share"], 4 / 6, places=6)
        self.assertAlmostEqual(st["target"], 0.45, places=6)
        self.assertTrue(any("personal" in a for a in h["advice"]))
        text = self.ok("health").stdout
        self.assertIn("under-served", text)
        self.assertIn("attention 67% of your touches, target 20%", text)
        self.assertNotIn("█", text)  # not a terminal: plain text

    def test_plan(self):
        self.json("profile", "set", "job-seeking")
        self.json("add", "Olga Overdue", "--network", "operational", "--due", "2026-01-05")
        self.json("add", "Gary Goal", "--network", "personal")
        self.json("add", "Owen Owed", "--network", "personal")
        self.json("add", "Quiet Quinn", "--network", "operational")
        self.ok("log", "owen", "coffee", "--got", "intro", "--at", "20 days ago")
        self.ok("log", "quinn", "coffee", "--at", "1 day ago")
        self.json("goal", "add", "Land a PM role")
        self.json("goal", "link", "pm", "gary", "--why", "hires PMs")
        self.json("prospect", "add", "Pat Prospect", "--via", "owen")
        r = self.json("plan")
        names = [i["contact"]["name"] for i in r["items"]]
        self.assertEqual(names[0], "Olga Overdue")
        self.assertIn("Gary Goal", names)
        self.assertIn("Owen Owed", names)
        # Pat's next step is asking Owen, who is in the plan too: one entry, with Owen.
        self.assertNotIn("Pat Prospect", names)
        self.assertEqual(len(names), len(set(names)))
        self.assertNotIn("Quiet Quinn", names)
        by_name = {i["contact"]["name"]: i for i in r["items"]}
        self.assertIn("overdue", [x["code"] for x in by_name["Olga Overdue"]["reasons"]])
        self.assertTrue(any("hires PMs" in x["text"] for x in by_name["Gary Goal"]["reasons"]))
        self.assertIn("owe", [x["code"] for x in by_name["Owen Owed"]["reasons"]])
        self.assertEqual(by_name["Owen Owed"]["action"],
                         "ask Owen Owed to introduce you to Pat Prospect")
        self.assertTrue(any(x["text"].startswith("Pat Prospect: prospect you want to meet")
                            for x in by_name["Owen Owed"]["reasons"]))
        overdue = [x for x in by_name["Olga Overdue"]["reasons"] if x["code"] == "overdue"][0]
        self.assertGreater(overdue["numbers"]["days_overdue"], 0)
        self.assertEqual(len(self.json("plan", "--limit", "2")["items"]), 2)
        text = self.ok("plan").stdout
        self.assertIn("1. Get in touch with Olga Overdue", text)
        self.assertRegex(text, r"   - \d+ \w+ overdue \((last: |nothing logged)")
        self.tend("plan", "--limit", "-1", check=2)

    def test_plan_empty(self):
        self.assertIn("Nothing pressing", self.ok("plan").stdout)
        self.assertEqual(self.json("plan")["items"], [])
        self.assertEqual(self.json("health")["touches_90"], 0)


if __name__ == "__main__":
    unittest.main()
