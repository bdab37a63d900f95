"""End to end: `tend demo` loads a small network into an empty store (so every tour command
shows something), refuses a store with people in it, and `tend demo --remove` takes out
exactly the demo records."""

import os
import unittest

from tendtest import TendTestCase

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "examples")


class DemoTests(TendTestCase):
    def test_demo_fills_every_tour_command(self):
        out = self.ok("demo").stdout
        self.assertIn("three networks", out)
        people = self.json("ls")
        self.assertEqual(len(people), 12)
        networks = {n for c in people for n in c["networks"]}
        self.assertEqual(networks, {"operational", "personal", "strategic"})
        self.assertTrue(self.json("due"), "nothing due in the demo")
        self.assertEqual(len(self.json("goal", "ls")), 2)
        self.assertTrue(self.ok("plan").stdout.strip())
        self.assertIn("strategic", self.ok("health").stdout)
        self.assertIn("Fatima Zahra", self.ok("path", "Mia Wong").stdout)
        self.assertTrue(self.json("intro", "ls"))
        self.assertTrue(self.json("history", "jane"))
        self.assertTrue(self.json("prospect", "ls"))
        # The sample files import on top of it: a new person, a merge by email, a broken card.
        r = self.json("import", os.path.join(EXAMPLES, "contacts.vcf"), "--dry-run")
        self.assertEqual((r["contacts"]["added"], r["contacts"]["merged"], r["errors"]),
                         (2, 1, 1))
        r = self.json("import", os.path.join(EXAMPLES, "Connections.csv"), "--dry-run")
        self.assertEqual((r["contacts"]["added"], r["contacts"]["merged"]), (2, 1))

    def test_refused_when_the_store_has_people(self):
        self.ok("add", "Zed Zimmer")
        p = self.tend("demo", check=1)
        self.assertIn("empty store", p.stderr)
        self.assertEqual(len(self.json("ls")), 1)

    def test_remove_takes_exactly_the_demo_out(self):
        self.ok("demo")
        self.tend("demo", check=1)  # twice: refused, nothing doubled
        self.ok("add", "Zed Zimmer", "--tag", "demo")  # a person of mine, even so tagged
        self.ok("goal", "add", "My own goal")
        self.assertIn("12 people and 2 goals", self.ok("demo", "--remove").stdout)
        self.assertEqual([c["name"] for c in self.json("ls")], ["Zed Zimmer"])
        self.assertEqual([g["title"] for g in self.json("goal", "ls")], ["My own goal"])
        self.assertEqual(self.json("intro", "ls"), [])
        # And it can come back.
        self.ok("rm", "zed", "--yes")
        self.ok("goal", "rm", "My own goal", *(["--yes"] if self.has_yes("goal") else []))
        self.ok("demo")

    def test_refused_when_sync_is_configured(self):
        # Demo people must not travel to the user's address book server.
        self.assertEqual(self.daemon.stop(), 0)
        conf = os.path.join(self.root, "config", "tend")
        os.makedirs(conf, exist_ok=True)
        with open(os.path.join(conf, "tendd.conf"), "w") as f:
            f.write("[sync]\nvdir = %s\n" % os.path.join(self.root, "vdir"))
        self.daemon.start()
        p = self.tend("demo", check=1)
        self.assertIn("sync is configured", p.stderr)
        self.assertEqual(self.json("ls"), [])

    def has_yes(self, verb):
        return "--yes" in self.ok("help", verb).stdout


if __name__ == "__main__":
    unittest.main()
