"""End to end: tend check on a healthy store while tendd runs, and tendd --check-store on a
stopped one (with --repair); --check stays ambiguous between --check-config and --check-store."""

import json
import os
import shutil
import subprocess

from tendtest import TEND, TENDD, WAIT, Daemon, TendTestCase


HERE = os.path.dirname(os.path.abspath(__file__))
# Stores of every earlier released format: schema 1 (a data.mdb with its export) and schema 2
# (an mdb_dump); and one from a newer tend.
STORE_V1 = os.path.join(HERE, "..", "data", "store-v1")
STORE_V2 = os.path.join(HERE, "..", "data", "store-v2", "store.dump")
NEWER = os.path.join(HERE, "..", "data", "store-v1", "future")


class CheckTests(TendTestCase):
    def add_people(self):
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
        self.add_people()
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
        self.add_people()
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

    def plant(self, fixture):
        data = os.path.join(self.root, "planted")
        os.makedirs(data, mode=0o700)
        if fixture.endswith(".dump"):
            subprocess.run([shutil.which("mdb_load", path="/usr/bin:/bin"), "-f", fixture, data],
                           check=True, capture_output=True)
        else:
            shutil.copyfile(os.path.join(fixture, "data.mdb"), os.path.join(data, "data.mdb"))
        return data

    def upgraded_names(self, fixture, current, want):
        """Plant fixture, check it with tendd stopped (it is upgraded to schema current first),
        then serve it: tend check is clean and the contacts are want."""
        data = self.plant(fixture)
        p = self.tendd("--check-store", "-d", data)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("No problems found.", p.stdout)
        self.assertIn("(store schema %d)" % current, p.stdout)
        d = Daemon(os.path.join(self.root, "upgraded"), extra_args=["--data-dir", data])
        d.start()
        try:
            p = subprocess.run([TEND, "--json", "check"], env=d.env, capture_output=True,
                               text=True, timeout=WAIT)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertEqual(json.loads(p.stdout)["schema"], current)
            p = subprocess.run([TEND, "--json", "ls"], env=d.env, capture_output=True,
                               text=True, timeout=WAIT)
            self.assertEqual({c["name"] for c in json.loads(p.stdout)}, want)
        finally:
            self.assertEqual(d.stop(), 0)
        shutil.rmtree(data)

    def test_schema_guard_on_every_earlier_format(self):
        """An older store is upgraded (with a compacted backup first) and checks clean; a
        newer one is refused and left as it was."""
        current = self.json("check")["schema"]  # what a new store of this build has
        self.assertEqual(self.daemon.stop(), 0)
        with open(os.path.join(STORE_V1, "export.jsonl")) as f:
            records = [json.loads(line) for line in f]
        self.upgraded_names(STORE_V1, current,
                            {r["name"] for r in records if r.get("type") == "contact"})
        if shutil.which("mdb_load", path="/usr/bin:/bin"):
            self.upgraded_names(STORE_V2, current,
                                {"René Girard", "Siobhán Ní Bhriain", "Örjan Åström"})
        data = self.plant(NEWER)
        before = open(os.path.join(data, "data.mdb"), "rb").read()
        p = self.tendd("--check-store", "-d", data)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("newer", p.stderr)
        self.assertEqual(open(os.path.join(data, "data.mdb"), "rb").read(), before)

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
