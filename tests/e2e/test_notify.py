"""End to end: follow-ups fire on time as desktop notifications, on a private bus with
python3-dbusmock's notification server (and its logind for suspend/resume); the buttons act on
the data; nothing fires twice or never (restarts, catch-up, resume); digests; watch streams."""

import datetime as dt
import json
import os
import re
import select
import signal
import subprocess
import time
import unittest

from bustest import NotificationMock, PrivateBus, wait_for
from tendtest import TEND, WAIT, TendTestCase

QUIET_OFF = "[schedule]\nquiet_hours = off\n"


def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def rfc3339(t):
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


REARMED = "Next follow-up check at "  # tendd logs it whenever it re-arms its timer


class NotifyTestCase(TendTestCase):
    """A sandbox with a private session bus (with or without a notification server), a private
    system bus when asked, and tendd configured without quiet hours."""

    start_daemon = False
    capabilities = "body actions"
    with_server = True
    with_system_bus = False
    config = QUIET_OFF

    def setUp(self):
        super().setUp()
        self.bus = PrivateBus(self.root, "session")
        self.addCleanup(self.bus.close)
        self.daemon.env["DBUS_SESSION_BUS_ADDRESS"] = self.bus.address
        self.system = None
        if self.with_system_bus:
            self.system = PrivateBus(self.root, "system")
            self.addCleanup(self.system.close)
            self.daemon.env["DBUS_SYSTEM_BUS_ADDRESS"] = self.system.address
        self.server = NotificationMock(self.bus, self.capabilities) if self.with_server else None
        self.write_config(self.config)
        self.start()

    def start(self):
        """Start tendd and wait until it is on the session bus (Hello done): from then on it
        sees what happens there, the bus going away included."""
        self.daemon.start()
        self.bus.wait_peer(self.daemon.proc.pid)
        if self.system:
            self.system.wait_peer(self.daemon.proc.pid)

    def write_config(self, text):
        d = os.path.join(self.root, "config", "tend")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "tendd.conf"), "w") as f:
            f.write(text)

    def log_has(self, text, timeout=None):
        return self.daemon.wait_log(text, timeout)

    def restart(self):
        self.assertEqual(self.daemon.stop(), 0, self.daemon.read_log())
        self.start()

    def scan_done(self):
        """Wait until the running tendd finished its start-up scan (it re-arms its timer at
        the end of it); returns the log of this run. What the scan shows is logged by then."""
        def done():
            log = self.daemon.current_log()
            scan = log and log.partition("Start-up scan of the follow-ups.")[2]
            return scan and REARMED in scan and log
        return wait_for(done, what="the start-up scan")

    def rearmed_after(self, text):
        """Wait until tendd re-armed its timer after its last log line holding text: the
        firing that logged it is over, and everything it showed is logged. Returns the log."""
        def done():
            log = self.daemon.read_log()
            return text in log and REARMED in log.rsplit(text, 1)[1] and log
        return wait_for(done, what="tendd to re-arm after %r" % text)

    def signals_handled(self, server=None):
        """Wait until tendd handled every signal the notification server sent so far: signals
        from one sender arrive in order, so a last one of our own that tendd logs marks it."""
        self.barriers = getattr(self, "barriers", 0) + 1
        key = "barrier-%d" % self.barriers
        (server or self.server).invoke(4000000000, key)
        self.log_has("Action %s on notification 4000000000 we do not know." % key)


class DeliveryChecks:
    """What a notification server that (re)appears gets: what it missed, once."""

    def assert_delivered_once(self, server):
        self.signals_handled(server)  # tendd is past the delivery
        self.assertEqual(self.daemon.read_log().count("Showing "), 1, self.daemon.read_log())
        self.assertEqual(len(server.notifies()), 1, server.notifies())

    def assert_restart_shows_nothing(self, server):
        self.scan_done()
        self.signals_handled(server)
        log = self.daemon.current_log()
        self.assertNotIn("Showing ", log)
        self.assertNotIn("Follow up with", log)


def fired(log, name):
    """How many times tendd showed the follow-up for name (one log line per showing)."""
    return log.count("Follow up with %s (due" % name)


def between(value, low, high):
    return low <= value <= high


class NotifyTests(NotifyTestCase):
    def test_due_in_two_seconds_notifies_exactly_once(self):
        due = time.time() + 2
        self.ok("add", "Jane Doe", "--network", "strategic", "--every", "45s", "--due",
                rfc3339(due), "--note", "Knows everyone in robotics")
        self.assertEqual(self.server.notifies(), [])
        calls = wait_for(lambda: self.server.calls(), what="Notify")
        stamp, args = calls[0]
        self.assertGreaterEqual(stamp, int(due) - 0.01, "fired before it was due")
        log = self.rearmed_after("Follow up with Jane Doe")
        # On time: the timer was armed for the second it fell due (not for a later scan).
        self.assertIn(REARMED + rfc3339(due) + ".", log)
        # Nothing more: shown once, and the timer now points past it (no nagging).
        self.assertEqual(fired(log, "Jane Doe"), 1)
        self.assertEqual(len(self.server.notifies()), 1)
        app, replaces, icon, summary, body, actions, hints, expire = args
        self.assertEqual(app, "tend")
        self.assertEqual(replaces, 0)
        self.assertEqual(summary, "Follow up with Jane Doe")
        self.assertIn("strategic", body)
        self.assertIn("Knows everyone in robotics", body)
        self.assertIn("No interaction logged yet", body)
        self.assertEqual(actions, ["default", "Open", "done", "Done", "snooze", "Snooze 1w"])
        self.assertEqual(hints["urgency"], 1)
        self.assertEqual(hints["category"], "x-tend.followup")
        self.assertEqual(hints["desktop-entry"], "tend")
        self.assertIn("Follow up with Jane Doe", self.daemon.read_log())

    def test_done_button_logs_and_moves_due_by_cadence(self):
        self.ok("add", "Done Dana", "--every", "45s", "--due", "+1s")
        self.server.wait_notifies(1)
        before = int(time.time())
        self.server.invoke(1, "done")
        c = wait_for(lambda: (lambda c: c if c.get("last_kind") == "follow-up" else None)(
            self.json("show", "dana")), what="done")
        self.assertTrue(between(ts(c["next_due"]), before + 45, time.time() + 45), c)
        h = self.json("history", "dana")
        self.assertEqual([i["kind"] for i in h], ["follow-up"])
        self.assertIn("Done with Done Dana", self.daemon.read_log())
        # It is no longer due, and a second click on the same notification changes nothing.
        self.assertEqual(self.json("due"), [])
        self.server.invoke(1, "done")
        self.signals_handled()
        self.assertEqual(len(self.json("history", "dana")), 1)

    def test_snooze_button_moves_due_by_a_week(self):
        self.ok("add", "Snooze Sam", "--due", "+1s")
        self.server.wait_notifies(1)
        before = int(time.time())
        self.server.invoke(1, "snooze")
        c = wait_for(lambda: (lambda c: c if ts(c["next_due"]) > before + 3600 else None)(
            self.json("show", "sam")), what="snooze")
        self.assertTrue(between(ts(c["next_due"]), before + 7 * 86400,
                                time.time() + 7 * 86400), c)
        self.assertEqual(self.json("history", "sam"), [])

    def test_configured_snooze_length(self):
        self.assertEqual(self.daemon.stop(), 0)
        self.write_config(QUIET_OFF + "snooze = 2d\n")
        self.start()
        self.ok("add", "Two Day", "--due", "+1s")
        args = self.server.wait_notifies(1)[0]
        self.assertIn("Snooze 2d", args[5])
        before = int(time.time())
        self.server.invoke(1, "snooze")
        c = wait_for(lambda: (lambda c: c if ts(c["next_due"]) > before + 3600 else None)(
            self.json("show", "two")), what="snooze")
        self.assertTrue(between(ts(c["next_due"]), before + 2 * 86400,
                                time.time() + 2 * 86400), c)

    def test_restart_does_not_notify_again(self):
        self.ok("add", "Restart Rita", "--due", "+1s")
        self.server.wait_notifies(1)
        self.restart()
        self.restart()
        self.assertEqual(fired(self.scan_done(), "Restart Rita"), 0)
        self.assertEqual(fired(self.daemon.read_log(), "Restart Rita"), 1)
        self.assertEqual(len(self.server.notifies()), 1)
        # Still due: it is listed, just not shown again.
        self.assertEqual([c["name"] for c in self.json("due")], ["Restart Rita"])

    def test_due_while_down_notifies_once_after_start(self):
        due = int(time.time()) + 2
        self.ok("add", "Down Dora", "--due", rfc3339(due))
        self.assertEqual(self.daemon.stop(), 0)
        wait_for(lambda: time.time() >= due + 1, what="the due time to pass")
        self.assertEqual(self.server.notifies(), [])
        self.start()
        # Caught up by the start-up scan itself, not by a later check; once.
        log = self.scan_done()
        self.assertEqual(fired(log.partition(REARMED)[0], "Down Dora"), 1, log)
        self.assertEqual(fired(log, "Down Dora"), 1, log)
        calls = self.server.wait_notifies(1)
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0][3], "Follow up with Down Dora")

    def test_past_due_at_add_fires_at_once(self):
        self.ok("add", "Past Pat", "--due", "2025-01-01")
        args = self.server.wait_notifies(1)[0]
        self.assertEqual(args[3], "Follow up with Past Pat")
        # Far overdue: critical urgency, which never expires on its own.
        self.assertEqual(args[6]["urgency"], 2)
        self.assertEqual(args[7], 0)
        self.assertIn("overdue", args[4])

    def test_many_due_at_once_one_digest(self):
        due = rfc3339(time.time() + 2)
        for name in ["Ann One", "Ben Two", "Cat Three", "Dan Four", "Eve Five"]:
            self.ok("add", name, "--due", due)
        self.server.wait_notifies(1)
        log = self.rearmed_after("Follow up with")
        for name in ["Ann One", "Ben Two", "Cat Three", "Dan Four", "Eve Five"]:
            self.assertEqual(fired(log, name), 1, log)
        calls = self.server.notifies()
        self.assertEqual(len(calls), 1, calls)
        app, replaces, icon, summary, body, actions, hints, expire = calls[0]
        self.assertEqual(summary, "5 follow-ups due")
        for name in ["Ann One", "Ben Two", "Cat Three", "Dan Four", "Eve Five"]:
            self.assertIn(name, body)
        self.assertNotIn("done", actions)
        # Each of them is recorded as shown: a restart shows nothing more.
        self.restart()
        self.assertNotIn("Follow up with", self.scan_done())
        self.assertEqual(len(self.server.notifies()), 1)

    def test_threshold_many_singles(self):
        due = rfc3339(time.time() + 2)
        for name in ["Ann One", "Ben Two", "Cat Three"]:
            self.ok("add", name, "--due", due)
        self.server.wait_notifies(3)
        log = self.rearmed_after("Follow up with")
        self.assertEqual(log.count("Follow up with"), 3, log)
        summaries = sorted(a[3] for a in self.server.notifies())
        self.assertEqual(summaries, ["Follow up with Ann One", "Follow up with Ben Two",
                                     "Follow up with Cat Three"])

    def test_update_replaces_the_notification(self):
        self.ok("add", "Again Abe", "--due", "+1s")
        self.server.wait_notifies(1)
        self.ok("snooze", "abe", "2s")
        calls = self.server.wait_notifies(2)
        self.assertEqual(calls[1][1], 1, "second notification does not replace the first")

    def test_closed_notification_is_not_replaced(self):
        self.ok("add", "Closed Cid", "--due", "+1s")
        self.server.wait_notifies(1)
        self.server.close_notification(1)  # dismissed: its id is invalid from now on
        self.signals_handled()
        self.ok("snooze", "cid", "2s")
        calls = self.server.wait_notifies(2)
        self.assertEqual(calls[1][1], 0, "replaces a notification that is gone")

    def test_markup_escaped_when_server_renders_it(self):
        self.assertEqual(self.daemon.stop(), 0)
        self.server.stop()
        self.server = NotificationMock(self.bus, "body body-markup actions")
        self.start()
        self.ok("add", "Mark <b>Up</b> & Co", "--note", "likes <i>tags</i> & ampersands",
                "--due", "+1s")
        args = self.server.wait_notifies(1)[0]
        self.assertEqual(args[3], "Follow up with Mark <b>Up</b> & Co")  # summary: plain text
        self.assertIn("likes &lt;i&gt;tags&lt;/i&gt; &amp; ampersands", args[4])
        self.assertNotIn("<i>", args[4])

    def test_command_gets_arguments_without_a_shell(self):
        out = os.path.join(self.root, "cmd.json")
        pwned = os.path.join(self.root, "pwned")
        script = os.path.join(self.root, "record.py")
        with open(script, "w") as f:
            # Written whole, then renamed: the test never reads half a file.
            f.write("import json, os, sys\n"
                    "json.dump({'argv': sys.argv[1:], 'name': os.environ['TEND_CONTACT_NAME'],"
                    " 'count': os.environ['TEND_COUNT']}, open(%r, 'w'))\n"
                    "os.rename(%r, %r)\n" % (out + ".tmp", out + ".tmp", out))
        self.assertEqual(self.daemon.stop(), 0)
        self.write_config(QUIET_OFF + "[notify]\ncommand = /usr/bin/python3 %s {name} "
                          "'summary: {summary}' {id}\n" % script)
        self.start()
        name = "Bob $(touch %s); `touch %s` 'q\"" % (pwned, pwned)
        cid = self.json("add", name, "--due", "+1s")["id"]
        got = wait_for(lambda: os.path.exists(out) and json.load(open(out)),
                       what="notify command")
        self.assertEqual(got["argv"], [name, "summary: Follow up with " + name, str(cid)])
        self.assertEqual(got["name"], name)
        self.assertEqual(got["count"], "1")
        self.assertFalse(os.path.exists(pwned))

    def test_watch_stream(self):
        env = dict(self.daemon.env)
        w = subprocess.Popen([TEND, "--json", "watch"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (w.poll() is None and w.kill(), w.wait()))

        def line(timeout=WAIT):
            r, _, _ = select.select([w.stdout], [], [], timeout)
            self.assertTrue(r, "no watch event")
            return json.loads(w.stdout.readline())

        self.assertEqual(line()["event"], "watching")
        cid = self.json("add", "Watch Wes", "--every", "45s", "--due", "+1s")["id"]
        ev = line()
        self.assertEqual((ev["event"], ev["contact"]["id"], ev["contact"]["name"]),
                         ("changed", cid, "Watch Wes"))
        ev = line()
        self.assertEqual((ev["event"], ev["contact"]["id"], ev["digest"]), ("fired", cid, False))
        self.server.wait_notifies(1)
        before = int(time.time())
        self.server.invoke(1, "done")
        ev = line()
        self.assertEqual((ev["event"], ev["contact"]["id"]), ("done", cid))
        self.assertTrue(between(ts(ev["next_due"]), before + 45, time.time() + 45), ev)
        self.ok("snooze", "wes", "3d")
        ev = line()
        self.assertEqual(ev["event"], "snoozed")
        self.ok("done", "wes", "called her")
        self.assertEqual(line()["event"], "done")
        # The stream is exempt from the 60 s idle timeout and ends when tendd stops.
        self.assertEqual(self.daemon.stop(), 0)
        w.wait(WAIT)
        self.assertNotEqual(w.returncode, 0)

    def test_watch_human(self):
        w = subprocess.Popen([TEND, "watch"], env=self.daemon.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (w.poll() is None and w.kill(), w.wait()))

        def line():
            r, _, _ = select.select([w.stdout], [], [], WAIT)
            self.assertTrue(r, "no watch event")
            return w.stdout.readline()

        self.assertIn("Watching follow-ups", line())
        self.ok("add", "Human Hal", "--due", "+1s")
        self.assertRegex(line(), r"changed +Human Hal \(#\d+\)")
        self.assertRegex(line(), r"fired +Human Hal")

    def test_watch_requires_more(self):
        r = self.call("io.tend.FollowUps.Watch")
        self.assertEqual(r["error"], "org.varlink.service.ExpectedMore")

    def test_done_command(self):
        self.ok("add", "Cmd Cora", "--every", "2w", "--due", "2025-01-01")
        before = int(time.time())
        r = self.json("done", "cora", "coffee", "at", "noon")
        self.assertEqual(r["interaction"]["kind"], "follow-up")
        self.assertEqual(r["interaction"]["note"], "coffee at noon")
        self.assertTrue(between(ts(r["next_due"]), before + 14 * 86400,
                                time.time() + 14 * 86400), r)
        self.assertIn("Done with Cmd Cora", self.ok("done", "cora").stdout)
        self.ok("add", "No Cadence", "--due", "2025-01-01")
        r = self.json("done", "no cadence")
        self.assertIsNone(r["next_due"])
        p = self.tend("done", "nobody-here", check=1)
        self.assertIn("no contact", p.stderr)


class NoServerTests(DeliveryChecks, NotifyTestCase):
    with_server = False

    def test_no_server_logs_and_stays_due(self):
        self.ok("add", "Lonely Lou", "--due", "+1s")
        self.log_has("Follow up with Lonely Lou")
        self.log_has("it stays due")
        self.assertEqual([c["name"] for c in self.json("due")], ["Lonely Lou"])
        self.assertTrue(self.daemon.alive())

    def test_server_arriving_later_shows_it_once(self):
        self.ok("add", "Early Eli", "--due", "+2s")
        self.log_has("Follow up with Early Eli")
        self.log_has("it stays due")
        server = NotificationMock(self.bus, "body actions")
        self.log_has("notification server appeared")
        args = server.wait_notifies(1)[0]
        self.assertEqual(args[3], "Follow up with Early Eli")
        self.assertEqual(args[5], ["default", "Open", "done", "Done", "snooze", "Snooze 1w"])
        self.assert_delivered_once(server)
        # Shown now: a restart shows nothing, and its buttons work.
        self.restart()
        self.assert_restart_shows_nothing(server)
        self.assertEqual(len(server.notifies()), 1)
        server.invoke(1, "snooze")
        wait_for(lambda: self.json("due") == [], what="snooze")
        # The server also gets the next one as usual.
        self.ok("add", "Later Liz", "--due", "+1s")
        args = server.wait_notifies(2)[1]
        self.assertEqual(args[3], "Follow up with Later Liz")
        self.assertEqual(fired(self.rearmed_after("Follow up with Later Liz"), "Later Liz"), 1)
        self.assertEqual(len(server.notifies()), 2)

    def test_server_arriving_while_down_shows_it_once_at_start(self):
        self.ok("add", "Absent Abe", "--due", "+1s")
        self.log_has("it stays due")
        self.assertEqual(self.daemon.stop(), 0)
        server = NotificationMock(self.bus, "body actions")
        self.start()
        args = server.wait_notifies(1)[0]
        self.assertEqual(args[3], "Follow up with Absent Abe")
        self.restart()
        self.assert_restart_shows_nothing(server)
        self.assertEqual(len(server.notifies()), 1)

    def test_many_unshown_come_as_one_digest(self):
        due = rfc3339(time.time() + 1)
        names = ["Ann One", "Ben Two", "Cat Three", "Dan Four", "Eve Five"]
        for name in names:
            self.ok("add", name, "--due", due)
        self.log_has("it stays due")
        server = NotificationMock(self.bus, "body actions")
        server.wait_notifies(1)
        self.assert_delivered_once(server)
        calls = server.notifies()
        self.assertEqual(calls[0][3], "5 follow-ups due")
        for name in names:
            self.assertIn(name, calls[0][4])
        self.restart()
        self.assert_restart_shows_nothing(server)
        self.assertEqual(len(server.notifies()), 1)

    def test_server_gone_and_back_shows_only_what_it_missed(self):
        server = NotificationMock(self.bus, "body actions")
        self.log_has("notification server appeared")
        self.ok("add", "Seen Sid", "--due", "+1s")
        server.wait_notifies(1)
        server.stop()
        self.log_has("notification server went away")
        self.ok("add", "Missed Mo", "--due", "+1s")
        self.log_has("Follow up with Missed Mo")
        self.log_has("it stays due")
        server = NotificationMock(self.bus, "body actions")
        args = server.wait_notifies(1)[0]
        self.assertEqual(args[3], "Follow up with Missed Mo")
        self.assert_delivered_once(server)

    def test_bus_back_shows_what_it_missed(self):
        self.bus.close()  # the session bus itself goes away...
        self.log_has("bus connection went away")
        self.ok("add", "Busless Bo", "--due", "+1s")
        self.log_has("no user bus")
        bus = PrivateBus(self.root, "session")  # ...and comes back, with a server on it
        self.addCleanup(bus.close)
        server = NotificationMock(bus, "body actions")
        # tendd retries with a backoff (1, 2, 4 ... 64 s): WAIT covers the longest step.
        args = server.wait_notifies(1)[0]
        self.assertEqual(args[3], "Follow up with Busless Bo")
        self.assert_delivered_once(server)


class NoActionsTests(NotifyTestCase):
    capabilities = "body"

    def test_without_actions_the_body_says_what_to_run(self):
        cid = self.json("add", "Plain Pia", "--due", "+1s")["id"]
        args = self.server.wait_notifies(1)[0]
        self.assertEqual(args[5], [])
        self.assertIn("tend done %d" % cid, args[4])
        self.assertIn("tend snooze %d 1w" % cid, args[4])


class QuietHoursTests(NotifyTestCase):
    # Quiet all day long except a minute that has passed: everything is deferred.
    config = "[schedule]\nquiet_hours = 00:00-23:59\n"

    def test_deferred_in_quiet_hours(self):
        mark = len(self.daemon.read_log())
        due = int(time.time()) + 1
        self.ok("add", "Quiet Quinn", "--due", rfc3339(due))
        # Past its due time, tendd's timer points beyond it: it was deferred, not shown.
        wait_for(lambda: time.time() >= due + 1, what="the due time to pass")
        self.ok("status")  # a later loop iteration: the re-arm after the add is done
        log = self.daemon.read_log()
        self.assertGreater(ts(re.findall(REARMED + r"(\S+)\.", log)[-1]), due, log)
        self.assertNotIn("Follow up with", log[mark:])
        self.assertEqual(self.server.notifies(), [])
        self.assertEqual([c["name"] for c in self.json("due")], ["Quiet Quinn"])
        # Turning quiet hours off (SIGHUP) shows it at once.
        self.write_config(QUIET_OFF)
        self.daemon.proc.send_signal(signal.SIGHUP)
        args = self.server.wait_notifies(1)[0]
        self.assertEqual(args[3], "Follow up with Quiet Quinn")


class SuspendTests(NotifyTestCase):
    with_system_bus = True

    def test_resume_rescans_without_duplicates(self):
        logind = self.system.start_mock("logind", name="org.freedesktop.login1")
        self.restart()  # connect to the system bus with logind on it
        self.ok("add", "Sleepy Sue", "--due", "+1s")
        self.server.wait_notifies(1)
        obj = self.system.mock_object("org.freedesktop.login1", "/org/freedesktop/login1")
        obj.EmitSignal("org.freedesktop.login1.Manager", "PrepareForSleep", "b", [True],
                       dbus_interface="org.freedesktop.DBus.Mock")
        obj.EmitSignal("org.freedesktop.login1.Manager", "PrepareForSleep", "b", [False],
                       dbus_interface="org.freedesktop.DBus.Mock")
        self.log_has("Re-scanning follow-ups (resumed from suspend)")
        self.ok("status")  # a later loop iteration: the re-scan is over
        self.assertEqual(fired(self.daemon.read_log(), "Sleepy Sue"), 1)
        self.assertEqual(len(self.server.notifies()), 1)
        self.assertTrue(logind.poll() is None)

    def test_resume_catches_up(self):
        self.system.start_mock("logind", name="org.freedesktop.login1")
        self.restart()
        # What fell due "during the suspend" is shown by the re-scan.
        self.ok("add", "Wake Walt", "--due", "+1s")
        self.server.wait_notifies(1)
        obj = self.system.mock_object("org.freedesktop.login1", "/org/freedesktop/login1")
        obj.EmitSignal("org.freedesktop.login1.Manager", "PrepareForSleep", "b", [False],
                       dbus_interface="org.freedesktop.DBus.Mock")
        self.log_has("resumed from suspend")


@unittest.skipUnless(os.environ.get("TEND_TEST_CLOCK_STEP") == "1",
                     "sets the machine's wall clock: only with TEND_TEST_CLOCK_STEP=1")
class ClockStepTests(NotifyTestCase):
    def test_a_step_of_the_wall_clock_rescans(self):
        """The timerfd with TFD_TIMER_CANCEL_ON_SET fires on any setting of the wall clock, even
        to (almost) the same time: set it to itself, a step of microseconds, and tendd must
        re-scan. Every process on the machine sees that step (a time namespace cannot hold a
        wall clock of its own), so it runs only when asked for (TEND_TEST_CLOCK_STEP=1, as
        root or with CAP_SYS_TIME) and never beside another test run."""
        self.ok("add", "Later Lee", "--due", "+1d")
        self.assertNotIn("the wall clock changed", self.daemon.read_log())
        try:
            time.clock_settime_ns(time.CLOCK_REALTIME, time.clock_gettime_ns(time.CLOCK_REALTIME))
        except PermissionError:
            self.skipTest("setting the clock needs CAP_SYS_TIME")
        self.log_has("Re-scanning follow-ups (the wall clock changed)")
        # Nothing was due: nothing is shown, and tendd keeps serving.
        self.ok("status")  # a later loop iteration: the re-scan is over
        self.assertNotIn("Follow up with", self.daemon.read_log())
        self.assertEqual(self.server.notifies(), [])
        self.assertEqual([c["name"] for c in self.json("ls")], ["Later Lee"])


if __name__ == "__main__":
    unittest.main()
