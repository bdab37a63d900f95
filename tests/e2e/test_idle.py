"""Idle: with follow-ups on file but nothing due in the next day (capture from a calendar vdir
on, with a meeting tomorrow, and from mail when notmuch is installed), tendd makes no wake-ups
at all — shown with strace over 60 s (TEND_IDLE_SECONDS to change it). The daemon is connected
to a (private) session bus with a notification server, as on a desktop, and has a system bus
to watch for resume; one periodic is armed (a week ahead), sd-bus has nothing pending.
A step of the machine's wall clock during the window (tendd re-scans then, as it must) is the
one wake-up that passes, recognised by its ECANCELED clock watch and the logged re-scan.

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
WAIT_CALL = r"\b(epoll_wait|epoll_pwait2?|p?poll|pselect6|select|(clock_)?nanosleep)\b"
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
        notmuch = shutil.which("notmuch", path="/usr/bin:/bin")
        os.makedirs(os.path.join(self.root, "config", "tend"))
        with open(os.path.join(self.root, "config", "tend", "tendd.conf"), "w") as f:
            f.write("[capture]\ncalendar = %s\n" % self.calendar_on())
            if notmuch:
                f.write("notmuch = auto\n")
        if notmuch:
            self.capture_on(notmuch)
        self.daemon.start()
        pid = self.daemon.proc.pid
        bus.wait_peer(pid)
        system.wait_peer(pid)
        self.daemon.wait_log("Notification server ")
        if notmuch:
            # the first scan over, its inotify watch on the notmuch database in place
            wait_until(lambda: (lambda m: m["last_scan"] and not m["scanning"] and m["watching"])(
                self.json("capture", "status")["mail"]), what="the first mail scan")
        # The calendar's first scan over: armed for tomorrow's meeting, nothing sooner.
        wait_until(lambda: (lambda c: c["last_scan"] and not c["scanning"] and c["next"])(
            self.json("capture", "status")["calendar"]), what="the first calendar scan")
        # The status calls above were clients too: their connections closed and tendd asleep
        # before its sockets are counted (counted while one was still open, the count after the
        # commands below could never come back to it).
        wait_asleep(pid)
        idle_fds = open_fds(pid)
        # Some people, due in two days and later; one interaction logged.
        self.ok("add", "Jane Doe", "--network", "strategic", "--due", "in 2 days")
        self.ok("add", "Sam Lee", "--every", "2w")
        self.ok("log", "sam", "coffee")
        self.ok("status")
        # The client's connections are closed and the loop sleeps again.
        wait_until(lambda: len(open_fds(pid)) <= len(idle_fds),
                   what="tendd to close the connections (sockets at idle: %s)" % idle_fds)
        wait_asleep(pid)

        steps = self.daemon.read_log().count(CLOCK_STEP)
        trace = self.watch(pid)
        stepped = self.daemon.read_log().count(CLOCK_STEP) > steps
        # The loop entered its wait once (cut short by strace detaching) and never came back.
        # Except for a step of the machine's wall clock (NTP, or another test run with
        # TEND_TEST_CLOCK_STEP=1): tendd must wake for it. Such a wake-up is recognisable
        # (its clock watch reads ECANCELED) and tendd logs the re-scan; nothing else passes.
        unexplained = [w for w in wakeups(trace)
                       if not (stepped and any("ECANCELED" in line for line in w))]
        self.assertEqual(unexplained, [], "tendd woke up while nothing was due:\n" + trace)
        self.assertTrue(self.daemon.alive())

    def capture_on(self, notmuch):
        """Capture from mail on, as for a user with notmuch: a maildir indexed for real."""
        mail = os.path.join(self.root, "mail")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(mail, sub))
        with open(os.path.join(mail, "cur", "1.idle:2,S"), "w") as f:
            f.write("From: me@home.example\nTo: sam@example.org\nSubject: hi\n"
                    "Date: %s\nMessage-ID: <idle@test.example>\n\nhello\n"
                    % time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()))
        config = os.path.join(self.root, "notmuch-config")
        with open(config, "w") as f:
            f.write("[database]\npath=%s\n[user]\nprimary_email=me@home.example\n" % mail)
        self.daemon.env["NOTMUCH_CONFIG"] = config
        subprocess.run([notmuch, "new", "--quiet"], env=self.daemon.env, check=True,
                       capture_output=True, timeout=WAIT)

    def calendar_on(self):
        """A calendar vdir with a meeting yesterday and one tomorrow; returns its path."""
        vdir = os.path.join(self.root, "calendars")
        os.makedirs(os.path.join(vdir, "work"))
        for name, delta in (("yesterday", -86400), ("tomorrow", 86400)):
            with open(os.path.join(vdir, "work", name + ".ics"), "w") as f:
                f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:%s\r\n"
                        "DTSTART:%s\r\nORGANIZER:mailto:sam@example.org\r\n"
                        "ATTENDEE:mailto:me@home.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
                        % (name, time.strftime("%Y%m%dT%H%M%SZ",
                                               time.gmtime(time.time() + delta))))
        return vdir

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


def wakeups(trace):
    """The trace's wake-ups: each a list of the calls that returned, from a wait's return up
    to the next wait (calls interrupted by strace detaching are not returns)."""
    groups = []
    for line in trace.splitlines():
        if "resumed>" in line:
            if "+++" in line or "ERESTART" in line or "EINTR" in line:
                continue
        elif not re.search(r"\) += ", line):
            continue  # a call still blocked (unfinished), or strace's own notes
        if re.search(WAIT_CALL, line) or not groups:
            groups.append([])
        groups[-1].append(line)
    return groups


def open_fds(pid):
    """tendd's open sockets (the listening one, the buses, clients): what a client's closed
    connection gives back. Other descriptors (a capture scan's files, LMDB's after a reopen)
    come and go on their own schedule and do not say whether the connections are closed."""
    fds = {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            fds[fd] = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            pass
    return sorted(link for link in fds.values() if link.startswith("socket:"))


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
