"""End to end against a real notification daemon: dunst under Xvfb on a private session bus.
A follow-up falls due, dunst shows it, its context menu (driven by a scripted dmenu) presses
Done, tendd logs the follow-up, and `dunstctl history` has the notification as tend sent it.

Skipped only when dunst, dunstctl, busctl or Xvfb are not installed (Debian: dunst, xvfb)."""

import json
import os
import shutil
import subprocess
import time
import unittest

from bustest import PrivateBus, wait_for
from tendtest import TendTestCase

TOOLS = ["dunst", "dunstctl", "busctl", "Xvfb", "dbus-send"]
MISSING = [t for t in TOOLS if not shutil.which(t)]

DMENU = """import os, sys
data = sys.stdin.read()
with open(%(log)r, "a") as f:
    f.write(data)
for line in data.splitlines():
    if line.startswith("#Done"):
        os.write(1, (line + "\\n").encode())
        break
"""


@unittest.skipIf(MISSING, "not installed: " + " ".join(MISSING))
class DunstTests(TendTestCase):
    start_daemon = False

    def setUp(self):
        super().setUp()
        self.bus = PrivateBus(self.root, "session")
        self.addCleanup(self.bus.close)
        self.env = dict(self.daemon.env)
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.bus.address
        self.daemon.env["DBUS_SESSION_BUS_ADDRESS"] = self.bus.address

        # Xvfb picks a free display and writes its number to the pipe.
        r, w = os.pipe()
        self.xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-nolisten", "tcp",
                                      "-screen", "0", "1024x768x24"], pass_fds=(w,),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        self.addCleanup(self.stop, self.xvfb)
        with os.fdopen(r) as f:
            display = f.readline().strip()
        self.assertTrue(display, "Xvfb did not start")
        self.env["DISPLAY"] = ":" + display

        self.menu_log = os.path.join(self.root, "dmenu.txt")
        script = os.path.join(self.root, "dmenu.py")
        with open(script, "w") as f:
            f.write(DMENU % {"log": self.menu_log})
        rc = os.path.join(self.root, "dunstrc")
        with open(rc, "w") as f:
            f.write("[global]\ndmenu = /usr/bin/python3 %s\n" % script)
        self.dunst_log = open(os.path.join(self.root, "dunst.log"), "wb")
        self.addCleanup(self.dunst_log.close)
        self.dunst = subprocess.Popen(["dunst", "-config", rc], env=self.env,
                                      stdin=subprocess.DEVNULL, stdout=self.dunst_log,
                                      stderr=subprocess.STDOUT)
        self.addCleanup(self.stop, self.dunst)
        wait_for(lambda: self.bus.has_owner("org.freedesktop.Notifications") or
                 self.dunst.poll() is not None, what="dunst on the bus")
        self.assertIsNone(self.dunst.poll(), "dunst exited")

        d = os.path.join(self.root, "config", "tend")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "tendd.conf"), "w") as f:
            f.write("[schedule]\nquiet_hours = off\n")
        self.daemon.start()

    @staticmethod
    def stop(proc):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def dunstctl(self, *args):
        p = subprocess.run(["dunstctl", *args], env=self.env, capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def history(self):
        data = json.loads(self.dunstctl("history"))["data"][0]
        return [{k: v["data"] for k, v in n.items()} for n in data]

    def test_follow_up_shown_and_done_through_dunst(self):
        start = time.time()
        self.ok("add", "Jane Doe", "--network", "strategic", "--every", "45s", "--due", "+1s",
                "--note", "Knows everyone in robotics")
        wait_for(lambda: self.dunstctl("count", "displayed").strip() == "1",
                 what="dunst displaying the follow-up")
        # Exactly one: tendd is past the firing (its timer re-armed after it) and showed it once.
        wait_for(lambda: "Next follow-up check at " in
                 self.daemon.read_log().rpartition("Follow up with Jane Doe")[2],
                 what="tendd to re-arm after the firing")
        self.assertEqual(self.daemon.read_log().count("Follow up with Jane Doe (due"), 1)
        self.assertEqual(self.dunstctl("count", "displayed").strip(), "1")

        # Press Done through dunst's context menu (dmenu picks "#Done ...").
        self.dunstctl("context")
        c = wait_for(lambda: (lambda c: c if c.get("last_kind") == "follow-up" else None)(
            self.json("show", "jane")), what="the Done button to log the follow-up")
        with open(self.menu_log) as f:
            menu = f.read()
        self.assertIn("#Done (Follow up with Jane Doe)", menu)
        self.assertIn("#Snooze 1w (Follow up with Jane Doe)", menu)
        self.assertIn("#Open (Follow up with Jane Doe)", menu)
        due = c["next_due"]
        import datetime as dt
        t = dt.datetime.fromisoformat(due.replace("Z", "+00:00")).timestamp()
        self.assertGreater(t, start + 40)

        # The notification went to dunst's history, as tend sent it.
        hist = wait_for(lambda: self.history(), what="dunst history")
        self.assertEqual(len(hist), 1)
        n = hist[0]
        self.assertEqual(n["appname"], "tend")
        self.assertEqual(n["summary"], "Follow up with Jane Doe")
        self.assertIn("Knows everyone in robotics", n["body"])
        self.assertEqual(n["category"], "x-tend.followup")
        self.assertIn("Done with Jane Doe", self.daemon.read_log())


if __name__ == "__main__":
    unittest.main()
