"""End to end: what reacts after a committed write does so whichever door the write came in by.

The store hands every committed write's change set to one observer: the scheduler (re-arm and
`tend watch` events) and the STATUS= line systemd shows. Two doors once skipped it: the
notification's Done button left STATUS stale, and `prospect next --stage scheduled` moved a
date without a watch event."""

import json
import select
import subprocess
import unittest

from test_notify import NotifyTestCase
from test_systemd import NotifySocket
from tendtest import TEND


class ObserverTests(NotifyTestCase):
    def write_config(self, text):
        # Called by NotifyTestCase.setUp right before tendd starts: stand in for systemd.
        super().write_config(text)
        self.notify = NotifySocket(self.root)
        self.addCleanup(self.notify.close)
        self.daemon.env["NOTIFY_SOCKET"] = self.notify.path

    def watch(self):
        w = subprocess.Popen([TEND, "--json", "watch"], env=self.daemon.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (w.poll() is None and w.kill(), w.wait()))

        def line(timeout=30):
            r, _, _ = select.select([w.stdout], [], [], timeout)
            self.assertTrue(r, "no watch event")
            return json.loads(w.stdout.readline())

        self.assertEqual(line()["event"], "watching")
        return line

    def test_prospect_scheduled_sends_a_watch_event(self):
        self.ok("prospect", "add", "Mia Wong")
        line = self.watch()
        self.ok("prospect", "next", "mia", "--stage", "scheduled", "--at", "+1d")
        ev = line()
        self.assertEqual((ev["event"], ev["contact"]["name"]), ("changed", "Mia Wong"))
        self.assertIsNotNone(ev["next_due"])

    def test_done_button_updates_status(self):
        self.ok("add", "Button Bea", "--every", "2w", "--due", "+1s")
        self.server.wait_notifies(1, timeout=30)
        self.notify.wait_for(lambda m: "1 follow-up due" in m, timeout=30)
        self.server.invoke(1, "done")
        m = self.notify.wait_for(lambda m: "STATUS=" in m and "next follow-up" in m, timeout=30)
        self.assertIn("Button Bea", m)


if __name__ == "__main__":
    unittest.main()
