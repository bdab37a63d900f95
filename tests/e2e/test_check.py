"""End to end: tend check on a healthy store while tendd runs, and tendd --check-store on a
stopped one (with --repair); --check stays ambiguous between --check-config and --check-store."""

import json
import subprocess

from tendtest import TENDD, WAIT, TendTestCase


class CheckTests(TendTestCase):
    def populate(self):
        self.ok("add", "Ada Lovelace", "--email", "ada@example.org", "--tag", "math",
                "--every", "2w")
        self.ok("add", "Brian Kernighan", "--org", "Bell Labs", "--network", "personal")
        self.ok("log", "Ada", "call", "about engines")
        self.ok("goal", "add", "Find a co-founder")
        self.ok("goal", "link", "Find a co-founder", "Brian")
        self.ok("intro", "Ada", "Brian")
        self.ok("rm", "--yes", "Brian")

    def tendd(self, *args):
        return subprocess.run([TENDD, *args], env=self.daemon.env, capture_output=True,
                              text=True, timeout=WAIT)

    def test_check_on_a_healthy_store(self):
        self.populate()
        p = self.ok("check")
        self.assertIn("No problems found.", p.stdout)
        report = self.json("check")
        self.assertEqual(report["problems"], 0)
        self.assertEqual(report["remaining"], 0)
        self.assertTrue(report["schema_known"])
        self.assertEqual(report["records"]["contacts"], 1)
        self.assertEqual(report["records"]["interactions"], 1)
        names = {i["name"] for i in report["indexes"]}
        self.assertLessEqual({"idx_name", "idx_token", "idx_email", "idx_tag", "idx_network",
                              "idx_uuid", "due", "sched", "contact_goals", "idx_intro",
                              "goal_interactions", "interaction_ids", "kinds"}, names)
        # A repair of a healthy store changes nothing and says so.
        report = self.json("check", "--repair")
        self.assertEqual(report["problems"], 0)
        self.assertFalse(report["repaired"])
        self.assertEqual(self.json("show", "Ada")["name"], "Ada Lovelace")

    def test_check_store_with_the_daemon_stopped(self):
        self.populate()
        # Refused while tendd holds the store.
        p = self.tendd("--check-store")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("already using", p.stderr)
        self.assertEqual(self.daemon.stop(), 0)
        p = self.tendd("--check-store")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("No problems found.", p.stdout)
        p = self.tendd("--check-store", "-d", self.daemon.data, "--repair")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.daemon.start()
        self.assertEqual(self.json("show", "Ada")["name"], "Ada Lovelace")

    def test_check_options_are_unambiguous(self):
        self.assertEqual(self.daemon.stop(), 0)
        p = self.tendd("--check")
        self.assertEqual(p.returncode, 2)
        self.assertIn("ambiguous", p.stderr)
        p = self.tendd("--check-config")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("[schedule]", p.stdout)
        p = self.tendd("--repair")
        self.assertEqual(p.returncode, 2)
        p = self.tendd("--check-store", "--check-config")
        self.assertEqual(p.returncode, 2)
        p = self.tendd("--check-store")
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    import unittest
    unittest.main()
