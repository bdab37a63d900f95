"""End to end: a due moment notifies exactly once, whichever door moves the date.

The failure this guards against: after an overdue person had been notified, a change that
re-dated them to another moment in the past (a shorter cadence, a new goal interval) made them
pending again, and they were notified again — once per such change. One overdue episode
notifies once; the daily digest brings it back; a snooze or a touch starts a new episode."""

import time
import unittest

from bustest import wait_for
from test_notify import NotifyTestCase


class ExactlyOnceTests(NotifyTestCase):
    def notifies_for(self, name):
        return [c for c in self.server.notifies() if name in str(c[3]) + str(c[4])]

    def assert_stays(self, name, n, quiet=2.0):
        """No further notification for name within a quiet window (an absence can only be shown
        by waiting; the window is long against the scheduler's coalescing of one loop turn)."""
        time.sleep(quiet)
        self.assertEqual(len(self.notifies_for(name)), n, self.server.notifies())

    def test_redating_into_the_past_does_not_notify_again(self):
        self.ok("add", "Pat Lee", "--every", "30d")
        self.ok("log", "pat", "call", "--at", "10 days ago")
        # Due in 20 days; a shorter rhythm makes Pat 5 days overdue: one notification.
        self.ok("edit", "pat", "--every", "5d")
        wait_for(lambda: len(self.notifies_for("Pat Lee")) == 1, 20, what="first notification")
        # Re-dated again, still in the past and before that notification: old news.
        self.ok("edit", "pat", "--every", "3d")
        self.ok("edit", "pat", "--every", "4d")
        self.assert_stays("Pat Lee", 1)
        # A restart reads the same records: nothing again.
        self.daemon.stop()
        self.daemon.start()
        self.assert_stays("Pat Lee", 1)
        # A snooze starts a new episode: it fires when it falls due.
        self.ok("snooze", "pat", "+2s")
        wait_for(lambda: len(self.notifies_for("Pat Lee")) == 2, 20, what="after the snooze")
        self.assert_stays("Pat Lee", 2)

    def test_goal_interval_change_does_not_notify_again(self):
        self.ok("goal", "add", "Raise a seed round")
        self.ok("add", "Ada Byron", "--due", "+1s")
        wait_for(lambda: len(self.notifies_for("Ada Byron")) == 1, 20, what="first notification")
        self.ok("goal", "link", "Raise a seed round", "ada", "--why", "angel")
        for every in ("1d", "2d", "1d"):
            self.ok("profile", "set", "--goal-every", every)
        self.assert_stays("Ada Byron", 1)


if __name__ == "__main__":
    unittest.main()
