"""End to end: tendd.conf — `tendd --check-config`, errors at start-up, SIGHUP reload that
keeps the old settings when the new file is bad, and default cadences per network."""

import os
import signal
import subprocess
import time
import unittest

from tendtest import TENDD, WAIT, TendTestCase

DAY = 86400


class ConfigTestCase(TendTestCase):
    start_daemon = False

    def conf_path(self):
        return os.path.join(self.root, "config", "tend", "tendd.conf")

    def write_config(self, text):
        os.makedirs(os.path.dirname(self.conf_path()), exist_ok=True)
        with open(self.conf_path(), "w") as f:
            f.write(text)

    def tendd(self, *args):
        return subprocess.run([TENDD, *args], env=self.daemon.env, capture_output=True,
                              text=True, timeout=WAIT)

    def wait_log(self, text):
        self.daemon.wait_log(text)


class CheckConfigTests(ConfigTestCase):
    def test_check_default_file_missing(self):
        p = self.tendd("--check-config")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("does not exist; these are the defaults", p.stdout)
        self.assertIn("preferred_time = 09:00", p.stdout)
        self.assertIn("quiet_hours = 22:00-08:00", p.stdout)
        self.assertIn("digest_threshold = 3", p.stdout)
        self.assertIn("operational = 2w", p.stdout)
        self.assertIn("strategic = 1mo", p.stdout)  # 1mo = 30 days
        self.assertIn("personal = 2mo", p.stdout)

    def test_check_errors_with_line_numbers(self):
        self.write_config("[schedule]\npreferred_time = 9\nsnooze = 1w\n[bogus]\n")
        p = self.tendd("--check-config")
        self.assertEqual(p.returncode, 1)
        self.assertIn(self.conf_path() + ":2: preferred_time = 9: expected a time of day",
                      p.stderr)
        self.assertIn(self.conf_path() + ":4: unknown section [bogus]", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_check_named_file(self):
        other = os.path.join(self.root, "other.conf")
        with open(other, "w") as f:
            f.write("[schedule]\ndigest_threshold = 7\n")
        for args in (["--check-config", other], ["--check-config=" + other]):
            p = self.tendd(*args)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("is valid", p.stdout)
            self.assertIn("digest_threshold = 7", p.stdout)
        p = self.tendd("--check-config", os.path.join(self.root, "missing", "x.conf"))
        self.assertEqual(p.returncode, 0)
        self.assertIn("defaults", p.stdout)

    def test_dump_is_a_valid_config(self):
        self.write_config("[notify]\ncommand = notify-send 'tend: {summary}' {body}\n")
        p = self.tendd("--check-config")
        self.assertEqual(p.returncode, 0, p.stderr)
        dumped = os.path.join(self.root, "dumped.conf")
        with open(dumped, "w") as f:
            f.write(p.stdout)
        p2 = self.tendd("--check-config", dumped)
        self.assertEqual(p2.returncode, 0, p2.stderr)
        self.assertEqual(p2.stdout.splitlines()[1:], p.stdout.splitlines()[1:])

    def test_broken_config_refuses_to_start(self):
        self.write_config("[schedule]\nquiet_hours = sometimes\n")
        p = self.tendd()
        self.assertEqual(p.returncode, 1)
        self.assertIn(":2: quiet_hours = sometimes", p.stderr)
        self.assertIn("--check-config", p.stderr)


class ReloadTests(ConfigTestCase):
    def test_sighup_bad_file_keeps_old_settings(self):
        self.write_config("[cadence]\noperational = 3d\n")
        self.daemon.start()
        c = self.json("add", "Op One", "--network", "operational")
        self.assertEqual(c["cadence_seconds"], 3 * DAY)

        self.write_config("[cadence]\noperational = often\n")
        self.daemon.proc.send_signal(signal.SIGHUP)
        self.wait_log("Keeping the previous settings")
        self.assertIn(":2: operational = often", self.daemon.read_log())
        self.assertTrue(self.daemon.alive())
        c = self.json("add", "Op Two", "--network", "operational")
        self.assertEqual(c["cadence_seconds"], 3 * DAY)

        self.write_config("[cadence]\noperational = 5d\n")
        self.daemon.proc.send_signal(signal.SIGHUP)
        self.wait_log("Settings reloaded")
        c = self.json("add", "Op Three", "--network", "operational")
        self.assertEqual(c["cadence_seconds"], 5 * DAY)


class DefaultCadenceTests(ConfigTestCase):
    start_daemon = True

    def test_default_cadence_by_network(self):
        now = time.time()
        c = self.json("add", "Oper Ann", "--network", "operational")
        self.assertEqual(c["cadence_seconds"], 14 * DAY)
        self.assertAlmostEqual(self.ts(c["next_due"]), now + 14 * DAY, delta=5)
        c = self.json("add", "Strat Ben", "--network", "strategic")
        self.assertEqual(c["cadence_seconds"], 30 * DAY)
        c = self.json("add", "Pers Cat", "--network", "personal")
        self.assertEqual(c["cadence_seconds"], 60 * DAY)
        # Several networks: the shortest.
        c = self.json("add", "Both Dan", "--network", "personal", "--network", "strategic")
        self.assertEqual(c["cadence_seconds"], 30 * DAY)
        # --every wins; --every 0 means none; no network means none.
        c = self.json("add", "Own Eve", "--network", "personal", "--every", "1w")
        self.assertEqual(c["cadence_seconds"], 7 * DAY)
        c = self.json("add", "No Net", "--org", "Acme")
        self.assertIsNone(c["cadence_seconds"])
        self.assertIsNone(c["next_due"])

    @staticmethod
    def ts(s):
        import datetime as dt
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


if __name__ == "__main__":
    unittest.main()
