"""End to end: adding, showing, editing, listing, finding and removing contacts through the
real daemon and client."""

import datetime as dt
import unittest

from tendtest import TendTestCase


def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


class ContactTests(TendTestCase):
    def add(self, *args):
        return self.json("add", *args)

    def test_add_and_show_round_trip(self):
        c = self.add("Jane Doe", "--network", "strategic", "--network", "personal",
                     "--email", "jane@example.com", "--phone", "+1 555 0100", "--org", "Acme",
                     "--title", "CTO", "--tag", "Mentor", "--tag", "climbing", "--every", "2w",
                     "--note", "Met at PyCon")
        for key in ("id", "name", "networks", "emails", "phones", "org", "title", "tags",
                    "cadence_days", "next_due", "last_interaction"):
            self.assertIn(key, c)
        self.assertEqual(c["name"], "Jane Doe")
        self.assertEqual(sorted(c["networks"]), ["personal", "strategic"])
        self.assertEqual(c["emails"], ["jane@example.com"])
        self.assertEqual(c["phones"], ["+1 555 0100"])
        self.assertEqual(c["tags"], ["mentor", "climbing"])
        self.assertEqual(c["cadence_days"], 14)
        self.assertIsNone(c["last_interaction"])
        # First due one cadence after it was added.
        self.assertAlmostEqual(ts(c["next_due"]) - ts(c["created"]), 14 * 86400, delta=2)

        shown = self.json("show", "jane")
        self.assertEqual(shown["id"], c["id"])
        self.assertEqual(shown["notes"], "Met at PyCon")
        human = self.ok("show", "Jane Doe").stdout
        self.assertIn("Jane Doe", human)
        self.assertIn("jane@example.com", human)
        self.assertIn("Acme", human)

    def test_no_cadence_means_no_due_date(self):
        c = self.add("No Rhythm")
        self.assertIsNone(c["next_due"])
        self.assertIsNone(c["cadence_days"])
        self.assertEqual(self.json("due", "--within", "10y"), [])

    def test_explicit_due_wins_over_cadence(self):
        c = self.add("Dated", "--every", "1w", "--due", "2031-05-04T10:00Z")
        self.assertEqual(c["next_due"], "2031-05-04T10:00:00Z")

    def test_who_resolution(self):
        a = self.add("Jo Smith", "--email", "jo@smith.example")
        b = self.add("Joanna Brown")
        self.add("Bob Stone")
        self.assertEqual(self.json("show", str(a["id"]))["name"], "Jo Smith")
        self.assertEqual(self.json("show", "JO@SMITH.example")["id"], a["id"])
        self.assertEqual(self.json("show", "jo smith")["id"], a["id"])   # exact, any case
        self.assertEqual(self.json("show", "joa")["id"], b["id"])        # unique prefix
        p = self.tend("show", "jo", check=1)                             # ambiguous
        self.assertIn("Jo Smith", p.stdout + p.stderr)
        self.assertIn("Joanna Brown", p.stdout + p.stderr)
        p = self.tend("show", "nobody", check=1)
        self.assertIn("nobody", p.stderr)

    def test_edit(self):
        self.add("Ann Lee", "--network", "operational", "--tag", "work", "--tag", "golf",
                 "--email", "ann@old.example")
        c = self.json("edit", "ann", "--tag", "board", "--untag", "golf", "--network",
                      "strategic", "--drop-network", "operational", "--org", "Initech",
                      "--email", "ann@new.example", "--every", "30d")
        self.assertEqual(sorted(c["tags"]), ["board", "work"])
        self.assertEqual(c["networks"], ["strategic"])
        self.assertEqual(c["org"], "Initech")
        self.assertEqual(sorted(c["emails"]), ["ann@new.example", "ann@old.example"])
        self.assertEqual(c["cadence_days"], 30)
        self.assertIsNotNone(c["next_due"])
        # The tag index follows the edit.
        self.assertEqual([x["name"] for x in self.json("ls", "--tag", "board")], ["Ann Lee"])
        self.assertEqual(self.json("ls", "--tag", "golf"), [])
        self.assertEqual(self.json("ls", "--network", "operational"), [])

    def test_met_via(self):
        intro = self.add("Carol Intro")
        c = self.add("Dan Met", "--met-via", "carol")
        self.assertEqual(c["met_via"], {"id": intro["id"], "name": "Carol Intro"})
        p = self.tend("add", "Eve", "--met-via", "nobody-here", check=1)
        self.assertIn("nobody-here", p.stderr)
        self.assertEqual([x["name"] for x in self.json("ls")], ["Carol Intro", "Dan Met"])

    def test_duplicate_email_rejected(self):
        self.add("First Person", "--email", "same@example.com")
        p = self.tend("add", "Second Person", "--email", "SAME@example.com", check=1)
        self.assertIn("same@example.com", p.stderr.lower())
        self.assertEqual(len(self.json("ls")), 1)

    def test_ls_filters_and_limit(self):
        self.add("Alpha", "--network", "operational", "--tag", "eng", "--every", "1d")
        self.add("Bravo", "--network", "strategic", "--tag", "eng", "--every", "10d")
        self.add("Charlie", "--network", "personal", "--network", "strategic")
        self.add("Delta")
        names = lambda *a: [x["name"] for x in self.json("ls", *a)]
        self.assertEqual(names(), ["Alpha", "Bravo", "Charlie", "Delta"])
        self.assertEqual(names("--network", "strategic"), ["Bravo", "Charlie"])
        self.assertEqual(names("--network", "op"), ["Alpha"])
        self.assertEqual(names("--tag", "ENG"), ["Alpha", "Bravo"])
        self.assertEqual(names("--due-before", "in 5 days"), ["Alpha"])
        self.assertEqual(names("--due-before", "in 3 weeks"), ["Alpha", "Bravo"])
        self.assertEqual(names("--tag", "eng", "--network", "strategic"), ["Bravo"])
        self.assertEqual(names("--limit", "2"), ["Alpha", "Bravo"])
        human = self.ok("ls").stdout
        for n in ("Alpha", "Bravo", "Charlie", "Delta"):
            self.assertIn(n, human)

    def test_find(self):
        self.add("Grace Hopper", "--org", "US Navy", "--title", "Rear Admiral",
                 "--email", "grace@navy.example", "--tag", "compilers")
        self.add("Alan Turing", "--org", "Bletchley Park")
        names = lambda *a: [x["name"] for x in self.json("find", *a)]
        self.assertEqual(names("grace"), ["Grace Hopper"])
        self.assertEqual(names("hop"), ["Grace Hopper"])
        self.assertEqual(names("navy"), ["Grace Hopper"])
        self.assertEqual(names("compil"), ["Grace Hopper"])
        self.assertEqual(names("bletchley"), ["Alan Turing"])
        self.assertEqual(names("grace navy"), ["Grace Hopper"])
        self.assertEqual(names("grace bletchley"), [])
        self.assertEqual(names("zzz"), [])

    def test_rm(self):
        self.add("Gone Soon", "--email", "gone@example.com")
        self.ok("log", "gone", "coffee")
        # Without a terminal and without --yes nothing is removed.
        p = self.tend("rm", "gone", input="")
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(len(self.json("ls")), 1)
        self.ok("rm", "gone", "--yes")
        self.assertEqual(self.json("ls"), [])
        self.tend("show", "gone@example.com", check=1)
        # The email is free again.
        self.add("Back Again", "--email", "gone@example.com")

    def test_bad_input_changes_nothing(self):
        self.add("Keep Me", "--every", "1w")
        before = self.json("ls")
        cases = [
            ("add", "X", "--due", "2026-02-30"),
            ("add", "X", "--due", "someday"),
            ("add", "X", "--every", "3x"),
            ("add", "X", "--every", "0d"),
            ("add", "X", "--network", "imaginary"),
            ("add", "X", "--bogus-option"),
            ("add",),
            ("add", "   "),  # a blank name is the same usage error as an empty one
            ("edit", "keep", "--due", "not a date"),
            ("log", "keep"),
            ("snooze", "keep", "whenever"),
            ("ls", "--due-before", "yesterday-ish"),
            ("ls", "--limit", "-3"),
            ("nonsense-command",),
        ]
        for args in cases:
            p = self.tend(*args)
            self.assertEqual(p.returncode, 2, "%r: %s %s" % (args, p.stdout, p.stderr))
            self.assertTrue(p.stderr.strip(), args)
        # Daemon-side validation: exit 1 with a message.
        for args in [("add", "X", "--email", "not-an-email"),
                     ("log", "nobody", "coffee"), ("edit", "nobody", "--org", "x"),
                     ("add", "X", "--tag", "has space")]:
            p = self.tend(*args)
            self.assertEqual(p.returncode, 1, "%r: %s %s" % (args, p.stdout, p.stderr))
            self.assertTrue(p.stderr.strip(), args)
        self.assertEqual(self.json("ls"), before)

    def test_unicode_names(self):
        c = self.add("Zoë Ångström", "--org", "Café Ünïcode")
        self.assertEqual(self.json("show", "zoë")["id"], c["id"])
        self.assertIn("Zoë Ångström", self.ok("ls").stdout)
        # Case-insensitive beyond ASCII: names are found however they are typed.
        o = self.add("Örjan Åsberg", "--tag", "Ärende")
        self.assertEqual(self.json("show", "ÖRJAN")["id"], o["id"])
        self.assertEqual(self.json("show", "åsberg")["id"], o["id"])
        self.assertEqual(o["tags"], ["ärende"])
        self.assertEqual([x["name"] for x in self.json("ls", "--tag", "ÄRENDE")], ["Örjan Åsberg"])

    def test_data_survives_restart(self):
        c = self.add("Persistent Pat", "--email", "pat@example.com", "--every", "3d",
                     "--tag", "keep")
        self.ok("log", "pat", "call", "talked about the move")
        self.assertEqual(self.daemon.stop(), 0)
        self.daemon.start()
        shown = self.json("show", "pat@example.com")
        self.assertEqual(shown["id"], c["id"])
        self.assertEqual(shown["tags"], ["keep"])
        self.assertEqual(shown["last_kind"], "call")
        hist = self.json("history", "pat")
        self.assertEqual(len(hist), 1)
        self.assertEqual(hist[0]["note"], "talked about the move")
        # New ids continue after the old ones.
        self.assertGreater(self.json("add", "Next One")["id"], c["id"])


if __name__ == "__main__":
    unittest.main()
