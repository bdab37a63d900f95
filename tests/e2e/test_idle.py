"""Idle: with follow-ups on file but nothing due in the next day, tendd makes no wake-ups at
all — shown with strace over 60 s (TEND_IDLE_SECONDS to change it). The daemon is connected
to a (private) session bus with a notification server, as on a desktop, and has a system bus
to watch for resume; one periodic is armed (a week ahead), sd-bus has nothing pending.
A step of the machine's wall clock during the window (tendd re-scans then, as it must) voids
the window and it is watched again.

Skipped only when strace is not installed (Debian: strace)."""

import os
import re
import shutil
import subprocess
import time
import unittest

from bustest import NotificationMock, PrivateBus
from tendtest import WAIT, TendTestCase, wait_until

SECONDS = float(os.environ.get("TEND_IDLE_SECONDS", "60"))
# Every syscall a sleeping event loop could return from.
WAITS = "epoll_wait,epoll_pwait,epoll_pwait2,poll,ppoll,select,pselect6,nanosleep," \
        "clock_nanosleep,read,recvmsg,timerfd_settime"
CLOCK_STEP = "(the wall clock changed)"


@unittest.skipIf(not shutil.which("strace"), "not installed: strace")
class IdleTests(TendTestCase):
    start_daemon = False

    def test_no_wakeups_when_nothing_is_due(self):
        bus = PrivateBus(self.root, "session")
        self.addCleanup(bus.close)
        system = PrivateBus(self.root, "system")
        self.addCleanup(system.close)
        NotificationMock(bus, "body actions")
        self.daemon.env["DBUS_SESSION_BUS_ADDRESS"] = bus.address
        self.daemon.env["DBUS_SYSTEM_BUS_ADDRESS"] = system.address
        self.daemon.start()
        pid = self.daemon.proc.pid
        bus.wait_peer(pid)
        system.wait_peer(pid)
        self.daemon.wait_log("Notification server ")
        idle_fds = open_fds(pid)
        # Some people, due in two days and later; one interaction logged.
        self.ok("add", "Jane Doe", "--network", "strategic", "--due", "in 2 days")
        self.ok("add", "Sam Lee", "--every", "2w")
        self.ok("log", "sam", "coffee")
        self.ok("status")
        # The client's connections are closed and the loop sleeps again.
        wait_until(lambda: open_fds(pid) == idle_fds, what="tendd to close the connections")
        wait_asleep(pid)

        # A window that saw the wall clock stepped (by NTP, or by another test run with
        # TEND_TEST_CLOCK_STEP=1) proves nothing: tendd must re-scan then. Watch again.
        for _ in range(3):
            steps = self.daemon.read_log().count(CLOCK_STEP)
            trace = self.watch(pid)
            if self.daemon.read_log().count(CLOCK_STEP) == steps:
                break
            wait_asleep(pid)
        else:
            self.skipTest("the wall clock kept being stepped during every window")
        # The loop entered its wait once (cut short by strace detaching) and never came back.
        completed = [line for line in trace.splitlines()
                     if re.search(r"\) += ", line) and "resumed" not in line]
        resumed = [line for line in trace.splitlines() if "resumed>" in line and
                   "+++" not in line and "ERESTART" not in line and "EINTR" not in line]
        self.assertEqual(completed + resumed, [],
                         "tendd woke up while nothing was due:\n" + trace)
        self.assertTrue(self.daemon.alive())

    def watch(self, pid):
        """strace tendd's waits for SECONDS; returns the trace."""
        out = os.path.join(self.root, "strace.txt")
        st = subprocess.Popen(["strace", "-f", "-tt", "-o", out, "-e", "trace=" + WAITS,
                               "-p", str(pid)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # The observation window itself: a span of time is what is being measured.
        time.sleep(SECONDS)
        st.terminate()
        _, err = st.communicate(timeout=WAIT)
        if "Operation not permitted" in err:
            self.skipTest("ptrace is not permitted here: " + err.strip())
        with open(out) as f:
            trace = f.read()
        self.assertTrue(trace, "strace recorded nothing: " + err)
        return trace


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def switches(pid):
    """Context switches of every thread of pid so far: they stop growing while it sleeps."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            for line in f:
                if "ctxt_switches:" in line:
                    total += int(line.split()[1])
    return total


def wait_asleep(pid):
    """Wait until pid ran no instruction for a whole second (its switch count stood still)."""
    last = [switches(pid)]

    def still():
        time.sleep(1)
        now = switches(pid)
        same = now == last[0]
        last[0] = now
        return same
    wait_until(still, interval=0, what="tendd to go to sleep")


if __name__ == "__main__":
    unittest.main()
