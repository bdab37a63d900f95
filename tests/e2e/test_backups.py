"""End to end: rolling backups written off the loop, verified, rotated, listed, and one of them
restored into a new store that a second tendd serves."""

import json
import os
import subprocess

from tendtest import TEND, WAIT, Daemon, TendTestCase, wait_until


class BackupTests(TendTestCase):
    start_daemon = False

    def setUp(self):
        super().setUp()
        conf = os.path.join(self.root, "config", "tend")
        os.makedirs(conf)
        self.backups = os.path.join(self.root, "backups")
        with open(os.path.join(conf, "tendd.conf"), "w") as f:
            f.write("[backup]\nkeep = 2\nevery = 1d\ndir = %s\n" % self.backups)
        if self._testMethodName != "test_daily_timer_catches_up_at_start":
            self.daemon.start()

    def test_daily_timer_catches_up_at_start(self):
        """The newest backup is older than every: the timer (an absolute time one interval
        after it) is already past, so the daily backup is written right after start-up."""
        os.makedirs(self.backups, mode=0o700)
        old = os.path.join(self.backups, "tend-2000-01-01-000000-000.mdb")
        with open(old, "wb") as f:
            f.write(b"an old backup")
        two_days_ago = os.path.getmtime(old) - 2 * 86400
        os.utime(old, (two_days_ago, two_days_ago))
        self.daemon.start()
        new = wait_until(lambda: [n for n in os.listdir(self.backups)
                                  if n.startswith("tend-2") and n.endswith(".mdb")
                                  and n != os.path.basename(old)],
                         what="the daily backup")
        self.daemon.wait_log("Wrote a backup of the store to %s/%s" % (self.backups, new[0]))
        listed = self.json("backup", "--list")["backups"]
        self.assertEqual([b["name"] for b in listed], [new[0], os.path.basename(old)])

    def test_rolling_backups_rotate_and_restore(self):
        self.ok("add", "Ada Lovelace", "--email", "ada@example.org", "--every", "2w")
        self.ok("log", "Ada", "call", "about the engine")
        self.assertEqual(self.json("backup", "--list")["backups"], [])
        self.assertIn("No backups", self.ok("backup", "--list").stdout)
        written = []
        for i in range(3):
            self.ok("add", "Person %d" % i)
            r = self.json("backup")
            self.assertTrue(r["verified"])
            self.assertEqual(r["contacts"], 2 + i)
            self.assertEqual(os.path.dirname(r["path"]), self.backups)
            written.append(r["path"])
        listed = self.json("backup", "--list")
        self.assertEqual(listed["dir"], self.backups)
        # The oldest beyond keep = 2 is gone; newest first.
        self.assertEqual([b["path"] for b in listed["backups"]], written[:0:-1])
        self.assertFalse(os.path.exists(written[0]))
        for b in listed["backups"]:
            self.assertTrue(b["verified"])
            self.assertEqual(b["size"], os.path.getsize(b["path"]))
        self.assertEqual(sorted(os.listdir(self.backups)),
                         sorted(os.path.basename(p) for p in written[1:]))
        text = self.ok("backup", "--list").stdout
        self.assertIn(os.path.basename(written[2]), text)
        self.assertIn("verified", text)

        # Restore the newest into another directory and serve it with a second tendd.
        other = os.path.join(self.root, "other")
        os.makedirs(other)
        self.ok("restore", written[2], "--data-dir", os.path.join(other, "data"))
        second = Daemon(other)
        second.extra_args = ["--data-dir", os.path.join(other, "data")]
        second.start()
        try:
            env = dict(second.env)
            p = subprocess.run([TEND, "--json", "ls"], env=env, capture_output=True, text=True,
                               timeout=WAIT)
            self.assertEqual(p.returncode, 0, p.stderr)
            names = sorted(c["name"] for c in json.loads(p.stdout))
            self.assertEqual(names, ["Ada Lovelace", "Person 0", "Person 1", "Person 2"])
            p = subprocess.run([TEND, "history", "Ada"], env=env, capture_output=True,
                               text=True, timeout=WAIT)
            self.assertIn("about the engine", p.stdout)
            p = subprocess.run([TEND, "check"], env=env, capture_output=True, text=True,
                               timeout=WAIT)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        finally:
            self.assertEqual(second.stop(), 0)

    def test_backup_to_a_file_is_verified(self):
        self.ok("add", "Grace Hopper")
        path = os.path.join(self.root, "copy.mdb")
        r = self.json("backup", path)
        self.assertEqual(r["path"], path)
        self.assertTrue(r["verified"])
        self.assertEqual(r["contacts"], 1)
        self.assertEqual(os.listdir(self.root).count("copy.mdb"), 1)
        # Not a rolling backup: the folder stays empty.
        self.assertEqual(self.json("backup", "--list")["backups"], [])
        # A path that cannot be written: BackupFailed, exit 1, nothing left behind.
        p = self.tend("backup", os.path.join(self.root, "missing", "x.mdb"))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        # The connection goes on being served after a deferred reply.
        self.assertEqual(self.json("status")["contacts"], 1)

    def test_pipelined_calls_wait_for_the_backup_reply(self):
        """Calls sent behind a Backup on one connection are answered after it, in order."""
        from tendtest import VarlinkSocket
        self.ok("add", "Alan Turing")
        with VarlinkSocket(self.daemon.socket) as v:
            v.send({"method": "io.tend.Transfer.Backup"})
            v.send({"method": "io.tend.Service.Status"})
            first, second = v.recv(), v.recv()
        self.assertIn("verified", first["parameters"])
        self.assertEqual(second["parameters"]["contacts"], 1)


if __name__ == "__main__":
    import unittest
    unittest.main()
