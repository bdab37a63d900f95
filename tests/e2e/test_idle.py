"""Idle: with follow-ups on file but nothing due in the next day, tendd makes no wake-ups at
all — shown with strace over 60 s (TEND_IDLE_SECONDS to change it). The daemon is connected
to a (private) session bus with a notification server, as on a desktop, and has a system bus
to watch for resume; one periodic is armed (a week ahead), sd-bus has nothing pending.

Skipped only when strace is not installed (Debian: strace)."""

import os
import re
import shutil
import subprocess
import time
import unittest

from bustest import NotificationMock, PrivateBus
from tendtest import TendTestCase

SECONDS = float(os.environ.get("TEND_IDLE_SECONDS", "60"))
# Every syscall a sleeping event loop could return from.
WAITS = "epoll_wait,epoll_pwait,epoll_pwait2,poll,ppoll,select,pselect6,nanosleep," \
        "clock_nanosleep,read,recvmsg,timerfd_settime"


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
        # Some people, due in two days and later; one interaction logged.
        self.ok("add", "Jane Doe", "--network", "strategic", "--due", "in 2 days")
        self.ok("add", "Sam Lee", "--every", "2w")
        self.ok("log", "sam", "coffee")
        self.ok("status")
        time.sleep(1)  # let the client's connections close and the loop settle

        out = os.path.join(self.root, "strace.txt")
        st = subprocess.Popen(["strace", "-f", "-tt", "-o", out, "-e", "trace=" + WAITS,
                               "-p", str(self.daemon.proc.pid)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(SECONDS)
        st.terminate()
        _, err = st.communicate(timeout=10)
        if "Operation not permitted" in err:
            self.skipTest("ptrace is not permitted here: " + err.strip())
        with open(out) as f:
            trace = f.read()
        self.assertTrue(trace, "strace recorded nothing: " + err)
        # The loop entered its wait once (cut short by strace detaching) and never came back.
        completed = [line for line in trace.splitlines()
                     if re.search(r"\) += ", line) and "resumed" not in line]
        resumed = [line for line in trace.splitlines() if "resumed>" in line and
                   "+++" not in line and "ERESTART" not in line and "EINTR" not in line]
        self.assertEqual(completed + resumed, [],
                         "tendd woke up while nothing was due:\n" + trace)
        self.assertTrue(self.daemon.alive())


if __name__ == "__main__":
    unittest.main()
