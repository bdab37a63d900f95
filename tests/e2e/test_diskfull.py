"""End to end: a full disk is an error reply, never a crash or lost data. tendd runs in a
private mount namespace on a 1 MiB tmpfs (unshare -rm: no root needed where unprivileged
user namespaces are allowed, as on Debian 12)."""

import os
import shutil
import subprocess
import unittest

from tendtest import TENDD, TendTestCase


def can_unshare():
    try:
        return subprocess.run(["unshare", "-rm", "true"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@unittest.skipUnless(shutil.which("unshare") and can_unshare(),
                     "needs unshare -rm (user and mount namespaces)")
class DiskFullTests(TendTestCase):
    start_daemon = False

    def test_full_disk_is_an_error_and_loses_nothing(self):
        mnt = os.path.join(self.root, "small")
        os.makedirs(mnt)
        os.makedirs(os.path.dirname(self.daemon.socket), mode=0o700)
        script = ('mount -t tmpfs -o size=1m,mode=0700 tmpfs "$1" && '
                  'exec "$2" --verbose --data-dir "$1/tend" --socket "$3"')
        self.daemon.log = open(self.daemon.log_path, "ab")  # closed by Daemon.stop()
        self.daemon.proc = subprocess.Popen(
            ["unshare", "-rm", "sh", "-c", script, "sh", mnt, TENDD, self.daemon.socket],
            env=self.daemon.env, stdin=subprocess.DEVNULL, stdout=self.daemon.log,
            stderr=subprocess.STDOUT)
        self.daemon.wait_ready()

        note = "n" * 60000
        added, failure = [], None
        for i in range(200):
            p = self.tend("add", "Filler %03d" % i, "--note", note, "--tag", "fill")
            if p.returncode != 0:
                failure = p
                break
            added.append("Filler %03d" % i)
        self.assertIsNotNone(failure, "the 1 MiB disk never filled up")
        self.assertEqual(failure.returncode, 1, failure.stderr)
        self.assertIn("disk is full", failure.stderr, self.daemon.read_log()[-3000:])
        self.assertGreater(len(added), 3)
        # The daemon is alive, everything acknowledged is there, and nothing half-written.
        self.assertTrue(self.daemon.alive(), self.daemon.read_log())
        names = [c["name"] for c in self.json("ls")]
        self.assertEqual(names, added)
        self.assertEqual([c["name"] for c in self.json("ls", "--tag", "fill")], added)
        self.assertEqual(self.json("status")["contacts"], len(added))
        # Removing someone frees pages for reuse: small writes work again.
        self.ok("rm", added[0], "--yes")
        self.ok("add", "Small One")
        self.assertIn("Small One", [c["name"] for c in self.json("ls")])


if __name__ == "__main__":
    unittest.main()
