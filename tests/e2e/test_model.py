"""End to end: a month replayed as a new user would live it (touches logged at dated --at
values, week by week), checking after each step that `tend health` and `tend plan` tell one
story; tie strength in show/ls/org; who knows whom and the paths it opens."""

import json
import os
import unittest

from tendtest import TendTestCase


def names(plan):
    return [i["contact"]["name"] for i in plan["items"]]


class MonthTests(TendTestCase):
    def setUp(self):
        super().setUp()
        self.json("profile", "set", "job-seeking")  # targets: operational 20, personal 35, strategic 45
        people = [
            ("Olive Ops", "operational", "Acme"), ("Oscar Ops", "operational", "Acme"),
            ("Omar Ops", "operational", "Acme"),
            ("Pia Pal", "personal", None), ("Pete Pal", "personal", None),
            ("Sam Strat", "strategic", "Globex"), ("Sara Strat", "strategic", "Initech"),
            ("Fatima Khan", "strategic", "Initech"), ("David Cho", "strategic", None),
        ]
        for name, net, org in people:
            args = ["add", name, "--network", net]
            if org:
                args += ["--org", org]
            self.json(*args)

    def check_one_story(self, plan, health):
        """What health calls under-served has its people in the plan, with health's figures;
        one entry per person."""
        nets = {n["network"]: n for n in health["networks"]}
        self.assertEqual(len(names(plan)), len(set(names(plan))), names(plan))
        self.assertEqual(plan["tolerance_points"], health["tolerance_points"])
        for pn in plan["networks"]:
            hn = nets[pn["network"]]
            self.assertEqual((pn["share_points"], pn["target_points"], pn["verdict"]),
                             (hn["share_points"], hn["target_points"], hn["verdict"]))
        for n in health["networks"]:
            if n["verdict"] != "under-served" or n["people"] == 0:
                continue
            inside = [i for i in plan["items"] if n["network"] in i["networks"]]
            self.assertTrue(inside, "%s is under-served but not in the plan: %s"
                            % (n["network"], names(plan)))
            reasons = [r for i in inside for r in i["reasons"] if r["code"] == "under-served"]
            self.assertTrue(reasons)
            self.assertAlmostEqual(reasons[0]["numbers"]["share"], n["share"], places=6)
            self.assertAlmostEqual(reasons[0]["numbers"]["target"], n["target"], places=6)

    def test_a_month(self):
        # Week 1: all operational, one strategic coffee.
        for who, ago in (("olive", 28), ("oscar", 27), ("omar", 26), ("olive", 25),
                         ("oscar", 24)):
            self.ok("log", who, "meeting", "--at", "%d days ago" % ago)
        self.ok("log", "sam", "coffee", "--at", "23 days ago")
        h = self.json("health")
        nets = {n["network"]: n for n in h["networks"]}
        self.assertEqual(h["tolerance_points"], 10)
        self.assertEqual(nets["operational"]["share_points"], 83)
        self.assertEqual(nets["operational"]["verdict"], "over-served")
        self.assertEqual(nets["personal"]["verdict"], "under-served")
        self.assertEqual(nets["personal"]["never_touched"], 2)
        self.assertEqual(sorted(p["name"] for p in nets["personal"]["never_touched_people"]),
                         ["Pete Pal", "Pia Pal"])
        text = self.ok("health").stdout
        self.assertIn("target 35% ±10: under-served", text)
        self.assertIn("2 never touched", text)
        self.assertIn("Never touched in your personal network: Pete Pal and Pia Pal.", text)
        plan = self.json("plan")
        self.check_one_story(plan, h)
        self.assertTrue(any(n in names(plan) for n in ("Pia Pal", "Pete Pal")))
        self.assertIn("personal 0% of 35% ±10", self.ok("plan").stdout)

        # Week 2: personal catch-ups, a deck review with Fatima eight days ago.
        self.ok("log", "pia", "coffee", "--at", "20 days ago")
        self.ok("log", "pete", "call", "--at", "18 days ago")
        self.ok("log", "fatima", "meeting", "deck review", "--at", "8 days ago")
        h = self.json("health")
        plan = self.json("plan", "--limit", "10")
        self.check_one_story(plan, h)
        # Touched last week with nothing dated: not proposed.
        self.assertNotIn("Fatima Khan", names(plan))

        # Week 3: a prospect through David; the warm path and the prospect's step are one entry.
        self.ok("log", "david", "coffee", "--at", "16 days ago")
        self.json("prospect", "add", "Tara Singh", "--via", "david", "--network", "strategic")
        plan = self.json("plan", "--limit", "10")
        self.check_one_story(plan, self.json("health"))
        self.assertNotIn("Tara Singh", names(plan))
        david = [i for i in plan["items"] if i["contact"]["name"] == "David Cho"]
        self.assertEqual(len(david), 1)
        self.assertEqual(david[0]["action"], "ask David Cho to introduce you to Tara Singh")
        # The ask is logged: neither David's path nor Tara's step comes back.
        self.ok("log", "david", "ask", "--new-kind", "asked for an intro to Tara")
        plan = self.json("plan", "--limit", "10")
        self.assertNotIn("Tara Singh", names(plan))
        for item in plan["items"]:
            self.assertNotIn("Tara", item["action"])

        # Week 4: the profile changes the ranking on the same data.
        self.ok("log", "sara", "coffee", "--at", "6 days ago")
        job = names(self.json("plan", "--limit", "6"))
        self.json("profile", "set", "founder")
        founder = names(self.json("plan", "--limit", "6"))
        self.assertNotEqual(job, founder)
        h = self.json("health")
        self.check_one_story(self.json("plan"), h)
        self.assertNotIn("Sara Strat", founder)  # touched six days ago

    def test_tolerance_is_configurable(self):
        self.daemon.stop()
        conf = os.path.join(self.root, "config", "tend", "tendd.conf")
        os.makedirs(os.path.dirname(conf), exist_ok=True)
        with open(conf, "w") as f:
            f.write("[plan]\ntolerance = 0\nrecent = 0s\n")
        self.daemon.start()
        self.ok("log", "fatima", "coffee", "--at", "2 days ago")
        h = self.json("health")
        self.assertEqual(h["tolerance_points"], 0)
        self.assertIn("±0", self.ok("health").stdout)
        self.assertEqual(self.json("plan")["recent_days"], 0)


class OfferTests(TendTestCase):
    def test_me_offers_matched_against_needs(self):
        self.json("me", "offers", "Product discovery workshops")
        self.json("prospect", "add", "Tara Singh", "--plan", "she needs help with discovery")
        self.json("add", "Owen Owed", "--brings", "Berlin investors")
        self.ok("log", "owen", "coffee", "--got", "an intro", "--at", "30 days ago")
        items = {i["contact"]["name"]: i for i in self.json("plan", "--limit", "10")["items"]}
        offer = [r for r in items["Tara Singh"]["reasons"] if r["code"] == "offer"]
        self.assertEqual(len(offer), 1)
        self.assertIn('"Product discovery workshops"', offer[0]["text"])
        self.assertIn('"discovery"', offer[0]["text"])
        self.assertNotIn("offer", [r["code"] for r in items["Owen Owed"]["reasons"]])
        self.assertIn("owe", [r["code"] for r in items["Owen Owed"]["reasons"]])


class StrengthTests(TendTestCase):
    def test_strength_in_show_ls_and_org(self):
        self.json("add", "Ann Lee", "--org", "Acme", "--internal")
        self.json("add", "Bob Ray", "--org", "acme ", "--external")
        self.json("add", "Cy Young", "--org", "Globex")
        self.ok("log", "ann", "coffee")
        self.ok("log", "bob", "email")
        ann = self.json("show", "ann")
        self.assertEqual(ann["strength"], 63)  # a coffee today: 100 * (1 - e^-1)
        self.assertEqual(ann["strength_level"], "medium")
        self.assertIn("Strength", self.ok("show", "ann").stdout)
        self.assertEqual(self.json("show", "bob")["strength"], 28)
        self.assertEqual(self.json("show", "cy")["strength"], 0)
        # An old coffee counts for less than a recent one.
        self.ok("log", "cy", "coffee", "--at", "180 days ago")
        self.assertEqual(self.json("show", "cy")["strength"], 22)
        ls = self.json("ls", "--sort", "strength")
        self.assertEqual([c["name"] for c in ls], ["Ann Lee", "Bob Ray", "Cy Young"])
        self.assertEqual([c["name"] for c in self.json("ls", "--sort", "strength",
                                                       "--limit", "1")], ["Ann Lee"])
        self.assertIn("STRENGTH", self.ok("ls").stdout)
        # Correcting the history recomputes it.
        hist = self.json("history", "bob")
        self.ok("interaction", "rm", str(hist[0]["id"]), "--yes")
        self.assertEqual(self.json("show", "bob")["strength"], 0)
        # Companies.
        self.assertEqual([c["name"] for c in self.json("ls", "--org", "ACME")],
                         ["Ann Lee", "Bob Ray"])
        self.assertEqual([c["name"] for c in self.json("ls", "--internal")], ["Ann Lee"])
        self.assertEqual([c["name"] for c in self.json("ls", "--external")], ["Bob Ray"])
        self.tend("ls", "--internal", "--external", check=2)
        self.tend("ls", "--sort", "age", check=2)
        org = self.json("org", "acme")
        self.assertEqual([c["name"] for c in org], ["Ann Lee", "Bob Ray"])
        text = self.ok("org", "acme").stdout
        self.assertIn("2 people", text)
        self.assertIn("never", text)  # Bob's email was removed
        self.assertIn("Nobody at Initech", self.ok("org", "Initech").stdout)
        self.json("add", "Dee Park", "--org", "ACME Robotics")
        self.json("add", "Eli Fox", "--org", "Acmewerk")
        self.assertEqual([c["name"] for c in self.json("ls", "--org", "acme")],
                         ["Ann Lee", "Bob Ray", "Dee Park"])


class KnowsTests(TendTestCase):
    def setUp(self):
        super().setUp()
        for name in ("Fatima Khan", "Rachel Green", "Mia Wong", "Carl Diaz", "Ann Lee"):
            self.json("add", name)
        self.ok("log", "fatima", "coffee", "--at", "2 days ago")
        self.ok("log", "ann", "coffee", "--at", "2 days ago")

    def test_you_introduced_them_is_one_hop(self):
        # You introduced Fatima and Rachel: Rachel is your own tie. Rachel knows Mia.
        self.json("intro", "fatima", "rachel")
        self.json("knows", "rachel", "mia")
        r = self.json("path", "mia")
        first = r["chains"][0]
        self.assertEqual([p["contact"]["name"] for p in first["people"]],
                         ["Rachel Green", "Mia Wong"])
        self.assertTrue(first["you_introduced"])
        self.assertEqual(first["hops"], 2)
        self.assertEqual(first["weakest"], 50)
        text = self.ok("path", "mia").stdout
        self.assertIn("1. you —(you introduced them, medium 50)→ Rachel Green —(knows, medium)→ "
                      "Mia Wong", text)
        self.assertNotIn("Fatima Khan —(you introduced them)→ Rachel", text)

    def test_knows_strength_ls_rm(self):
        t = self.json("knows", "ann", "mia", "--strength", "weak", "--note", "old colleagues")
        self.assertEqual(t["strength"], "weak")
        self.assertTrue(t["strength_given"])
        self.assertEqual(t["kind"], "knows")
        self.assertEqual(self.json("path", "mia")["chains"][0]["weakest"], 20)
        # Recording it again replaces it.
        self.assertIn("Updated", self.ok("knows", "mia", "ann", "--strength", "strong").stdout)
        ties = self.json("knows", "ls")
        self.assertEqual(len(ties), 1)
        self.assertEqual(ties[0]["strength"], "strong")
        self.assertEqual(len(self.json("knows", "ls", "mia")), 1)
        self.assertGreater(self.json("path", "mia")["chains"][0]["weakest"], 50)
        self.json("knows", "mia", "ann", "--strength", "strong", "--note", "old colleagues")
        self.assertIn("Ann Lee —(knows: old colleagues, strong)→ Mia Wong",
                      self.ok("path", "mia").stdout)
        # Ties are no introductions, and the reverse; an export keeps them apart.
        self.assertEqual(self.json("intro", "ls"), [])
        recs = [json.loads(line) for line in self.ok("export").stdout.splitlines() if line]
        self.assertEqual([(r.get("kind"), r.get("strength")) for r in recs
                          if r.get("type") == "introduction"], [("knows", "strong")])
        self.tend("knows", "ann", "ann", check=1)
        self.tend("knows", "ann", "mia", "--strength", "huge", check=2)
        self.tend("knows", "ann", check=2)
        self.ok("knows", "rm", "ann", "mia")
        self.assertEqual(self.json("knows", "ls"), [])
        self.tend("knows", "rm", "ann", "mia", check=1)
        self.assertEqual(self.json("path", "mia")["chains"], [])

    def test_intro_by_someone_else(self):
        i = self.json("intro", "rachel", "mia", "--by", "carl")
        self.assertEqual(i["kind"], "by-other")
        self.assertEqual(i["by"]["name"], "Carl Diaz")
        self.assertIn("Carl Diaz (#4) introduced Rachel Green", self.ok(
            "intro", "rachel", "mia", "--by", "carl").stdout)
        self.tend("intro", "rachel", "mia", "--by", "mia", check=1)
        self.assertIn("Carl Diaz", self.ok("intro", "ls").stdout)
        self.json("knows", "ann", "carl")
        r = self.json("path", "mia")
        steps = r["chains"][0]["people"]
        self.assertEqual([s["contact"]["name"] for s in steps], ["Ann Lee", "Carl Diaz", "Mia Wong"])
        self.assertEqual(steps[1]["link"], "knows")  # Carl made the introduction: he knows Mia
        # Only the introductions you made count for health's leverage.
        h = self.json("health")
        self.assertEqual(sum(n["introductions_made"] for n in h["networks"]), 0)
        g = self.json("graph")
        kinds = sorted(e["kind"] for e in g["edges"])
        self.assertIn("introduced-by", kinds)
        self.assertIn("knows", kinds)
        dot = g["dot"]
        self.assertIn('"you" [label="you"', dot)
        self.assertIn("introduced by Carl Diaz", dot)


if __name__ == "__main__":
    unittest.main()
