"""End to end: follow-ups fire on time as desktop notifications, on a private bus with
python3-dbusmock's notification server (and its logind for suspend/resume); the buttons act on
the data; nothing fires twice or never (restarts, catch-up, resume); digests; watch streams."""

import datetime as dt
import json
import os
import select
import signal
import subprocess
import time
import unittest

from bustest import NotificationMock, PrivateBus, wait_for
from tendtest import TEND, TendTestCase

QUIET_OFF = "[schedule]\nquiet_hours = off\n"


def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def rfc3339(t):
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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
        self.daemon.start()

    def write_config(self, text):
        d = os.path.join(self.root, "config", "tend")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "tendd.conf"), "w") as f:
            f.write(text)

    def log_has(self, text, timeout=5.0):
        return wait_for(lambda: text in self.daemon.read_log(), timeout, what=repr(text))

    def restart(self):
        self.assertEqual(self.daemon.stop(), 0, self.daemon.read_log())
        self.daemon.start()


class NotifyTests(NotifyTestCase):
    def test_due_in_two_seconds_notifies_exactly_once(self):
        due = time.time() + 2
        self.ok("add", "Jane Doe", "--network", "strategic", "--every", "45s", "--due",
                rfc3339(due), "--note", "Knows everyone in robotics")
        self.assertEqual(self.server.notifies(), [])
        calls = wait_for(lambda: self.server.calls(), 10, what="Notify")
        stamp, args = calls[0]
        self.assertGreaterEqual(stamp, int(due) - 0.01, "fired before it was due")
        self.assertLess(stamp, int(due) + 2, "fired late")
        time.sleep(2.5)  # nothing more: no second Notify, no nagging
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
        before = time.time()
        self.server.invoke(1, "done")
        c = wait_for(lambda: (lambda c: c if c.get("last_kind") == "follow-up" else None)(
            self.json("show", "dana")), 5, what="done")
        self.assertAlmostEqual(ts(c["next_due"]), before + 45, delta=3)
        h = self.json("history", "dana")
        self.assertEqual([i["kind"] for i in h], ["follow-up"])
        self.assertIn("Done with Done Dana", self.daemon.read_log())
        # It is no longer due, and a second click on the same notification changes nothing.
        self.assertEqual(self.json("due"), [])
        self.server.invoke(1, "done")
        time.sleep(0.5)
        self.assertEqual(len(self.json("history", "dana")), 1)

    def test_snooze_button_moves_due_by_a_week(self):
        self.ok("add", "Snooze Sam", "--due", "+1s")
        self.server.wait_notifies(1)
        before = time.time()
        self.server.invoke(1, "snooze")
        c = wait_for(lambda: (lambda c: c if ts(c["next_due"]) > before + 3600 else None)(
            self.json("show", "sam")), 5, what="snooze")
        self.assertAlmostEqual(ts(c["next_due"]), before + 7 * 86400, delta=3)
        self.assertEqual(self.json("history", "sam"), [])

    def test_configured_snooze_length(self):
        self.assertEqual(self.daemon.stop(), 0)
        self.write_config(QUIET_OFF + "snooze = 2d\n")
        self.daemon.start()
        self.ok("add", "Two Day", "--due", "+1s")
        args = self.server.wait_notifies(1)[0]
        self.assertIn("Snooze 2d", args[5])
        before = time.time()
        self.server.invoke(1, "snooze")
        c = wait_for(lambda: (lambda c: c if ts(c["next_due"]) > before + 3600 else None)(
            self.json("show", "two")), 5, what="snooze")
        self.assertAlmostEqual(ts(c["next_due"]), before + 2 * 86400, delta=3)

    def test_restart_does_not_notify_again(self):
        self.ok("add", "Restart Rita", "--due", "+1s")
        self.server.wait_notifies(1)
        self.restart()
        self.restart()
        time.sleep(2.5)
        self.assertEqual(len(self.server.notifies()), 1)
        # Still due: it is listed, just not shown again.
        self.assertEqual([c["name"] for c in self.json("due")], ["Restart Rita"])

    def test_due_while_down_notifies_once_after_start(self):
        self.ok("add", "Down Dora", "--due", "+2s")
        self.assertEqual(self.daemon.stop(), 0)
        time.sleep(3)
        self.assertEqual(self.server.notifies(), [])
        start = time.time()
        self.daemon.start()
        calls = wait_for(lambda: self.server.calls(), 10, what="catch-up Notify")
        self.assertLess(calls[0][0] - start, 4, "catch-up was not right after start")
        time.sleep(2)
        self.assertEqual(len(self.server.notifies()), 1)
        self.assertEqual(calls[0][1][3], "Follow up with Down Dora")

    def test_past_due_at_add_fires_at_once(self):
        self.ok("add", "Past Pat", "--due", "2025-01-01")
        args = self.server.wait_notifies(1, timeout=5)[0]
        self.assertEqual(args[3], "Follow up with Past Pat")
        # Far overdue: critical urgency, which never expires on its own.
        self.assertEqual(args[6]["urgency"], 2)
        self.assertEqual(args[7], 0)
        self.assertIn("overdue", args[4])

    def test_many_due_at_once_one_digest(self):
        due = rfc3339(time.time() + 2)
        for name in ["Ann One", "Ben Two", "Cat Three", "Dan Four", "Eve Five"]:
            self.ok("add", name, "--due", due)
        calls = self.server.wait_notifies(1)
        time.sleep(2)
        calls = self.server.notifies()
        self.assertEqual(len(calls), 1, calls)
        app, replaces, icon, summary, body, actions, hints, expire = calls[0]
        self.assertEqual(summary, "5 follow-ups due")
        for name in ["Ann One", "Ben Two", "Cat Three", "Dan Four", "Eve Five"]:
            self.assertIn(name, body)
        self.assertNotIn("done", actions)
        # Each of them is recorded as shown: a restart shows nothing more.
        self.restart()
        time.sleep(2)
        self.assertEqual(len(self.server.notifies()), 1)

    def test_threshold_many_singles(self):
        due = rfc3339(time.time() + 2)
        for name in ["Ann One", "Ben Two", "Cat Three"]:
            self.ok("add", name, "--due", due)
        self.server.wait_notifies(3)
        time.sleep(1)
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
        time.sleep(0.3)
        self.ok("snooze", "cid", "2s")
        calls = self.server.wait_notifies(2)
        self.assertEqual(calls[1][1], 0, "replaces a notification that is gone")

    def test_markup_escaped_when_server_renders_it(self):
        self.assertEqual(self.daemon.stop(), 0)
        self.server.stop()
        self.server = NotificationMock(self.bus, "body body-markup actions")
        self.daemon.start()
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
            f.write("import json, os, sys\n"
                    "json.dump({'argv': sys.argv[1:], 'name': os.environ['TEND_CONTACT_NAME'],"
                    " 'count': os.environ['TEND_COUNT']}, open(%r, 'w'))\n" % out)
        self.assertEqual(self.daemon.stop(), 0)
        self.write_config(QUIET_OFF + "[notify]\ncommand = /usr/bin/python3 %s {name} "
                          "'summary: {summary}' {id}\n" % script)
        self.daemon.start()
        name = "Bob $(touch %s); `touch %s` 'q\"" % (pwned, pwned)
        cid = self.json("add", name, "--due", "+1s")["id"]
        got = wait_for(lambda: os.path.exists(out) and open(out).read() and
                       json.load(open(out)), 10, what="notify command")
        self.assertEqual(got["argv"], [name, "summary: Follow up with " + name, str(cid)])
        self.assertEqual(got["name"], name)
        self.assertEqual(got["count"], "1")
        self.assertFalse(os.path.exists(pwned))

    def test_watch_stream(self):
        env = dict(self.daemon.env)
        w = subprocess.Popen([TEND, "--json", "watch"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (w.poll() is None and w.kill(), w.wait()))

        def line(timeout=10):
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
        self.server.invoke(1, "done")
        ev = line()
        self.assertEqual((ev["event"], ev["contact"]["id"]), ("done", cid))
        self.assertAlmostEqual(ts(ev["next_due"]), time.time() + 45, delta=5)
        self.ok("snooze", "wes", "3d")
        ev = line()
        self.assertEqual(ev["event"], "snoozed")
        self.ok("done", "wes", "called her")
        self.assertEqual(line()["event"], "done")
        # The stream is exempt from the 60 s idle timeout and ends when tendd stops.
        self.assertEqual(self.daemon.stop(), 0)
        w.wait(10)
        self.assertNotEqual(w.returncode, 0)

    def test_watch_human(self):
        w = subprocess.Popen([TEND, "watch"], env=self.daemon.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (w.poll() is None and w.kill(), w.wait()))
        r, _, _ = select.select([w.stdout], [], [], 10)
        self.assertIn("Watching follow-ups", w.stdout.readline())
        self.ok("add", "Human Hal", "--due", "+1s")
        r, _, _ = select.select([w.stdout], [], [], 10)
        self.assertRegex(w.stdout.readline(), r"changed +Human Hal \(#\d+\)")
        r, _, _ = select.select([w.stdout], [], [], 10)
        self.assertRegex(w.stdout.readline(), r"fired +Human Hal")

    def test_watch_requires_more(self):
        r = self.call("io.tend.FollowUps.Watch")
        self.assertEqual(r["error"], "org.varlink.service.ExpectedMore")

    def test_done_command(self):
        self.ok("add", "Cmd Cora", "--every", "2w", "--due", "2025-01-01")
        r = self.json("done", "cora", "coffee", "at", "noon")
        self.assertEqual(r["interaction"]["kind"], "follow-up")
        self.assertEqual(r["interaction"]["note"], "coffee at noon")
        self.assertAlmostEqual(ts(r["next_due"]), time.time() + 14 * 86400, delta=5)
        self.assertIn("Done with Cmd Cora", self.ok("done", "cora").stdout)
        self.ok("add", "No Cadence", "--due", "2025-01-01")
        r = self.json("done", "no cadence")
        self.assertIsNone(r["next_due"])
        p = self.tend("done", "nobody-here", check=1)
        self.assertIn("no contact", p.stderr)


class NoServerTests(NotifyTestCase):
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
        time.sleep(2)
        self.assertEqual(len(server.notifies()), 1)
        # Shown now: a restart shows nothing, and its buttons work.
        self.restart()
        time.sleep(2.5)
        self.assertEqual(len(server.notifies()), 1)
        server.invoke(1, "snooze")
        wait_for(lambda: self.json("due") == [], 5, what="snooze")
        # The server also gets the next one as usual.
        self.ok("add", "Later Liz", "--due", "+1s")
        args = server.wait_notifies(2)[1]
        self.assertEqual(args[3], "Follow up with Later Liz")
        time.sleep(1)
        self.assertEqual(len(server.notifies()), 2)

    def test_server_arriving_while_down_shows_it_once_at_start(self):
        self.ok("add", "Absent Abe", "--due", "+1s")
        self.log_has("it stays due")
        self.assertEqual(self.daemon.stop(), 0)
        server = NotificationMock(self.bus, "body actions")
        self.daemon.start()
        args = server.wait_notifies(1)[0]
        self.assertEqual(args[3], "Follow up with Absent Abe")
        self.restart()
        time.sleep(2.5)
        self.assertEqual(len(server.notifies()), 1)

    def test_many_unshown_come_as_one_digest(self):
        due = rfc3339(time.time() + 1)
        names = ["Ann One", "Ben Two", "Cat Three", "Dan Four", "Eve Five"]
        for name in names:
            self.ok("add", name, "--due", due)
        wait_for(lambda: self.daemon.read_log().count("it stays due") >= 1, 10,
                 what="fired without a server")
        server = NotificationMock(self.bus, "body actions")
        calls = server.wait_notifies(1)
        time.sleep(2)
        calls = server.notifies()
        self.assertEqual(len(calls), 1, calls)
        self.assertEqual(calls[0][3], "5 follow-ups due")
        for name in names:
            self.assertIn(name, calls[0][4])
        self.restart()
        time.sleep(2.5)
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
        time.sleep(2)
        self.assertEqual(len(server.notifies()), 1)

    def test_bus_back_shows_what_it_missed(self):
        self.bus.close()  # the session bus itself goes away...
        self.log_has("bus connection went away")
        self.ok("add", "Busless Bo", "--due", "+1s")
        self.log_has("no user bus")
        bus = PrivateBus(self.root, "session")  # ...and comes back, with a server on it
        self.addCleanup(bus.close)
        server = NotificationMock(bus, "body actions")
        args = server.wait_notifies(1, timeout=15)[0]
        self.assertEqual(args[3], "Follow up with Busless Bo")
        time.sleep(2)
        self.assertEqual(len(server.notifies()), 1)


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
        self.ok("add", "Quiet Quinn", "--due", "+1s")
        time.sleep(2.5)
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
        time.sleep(1)
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


class ClockStepTests(NotifyTestCase):
    def test_a_step_of_the_wall_clock_rescans(self):
        """The timerfd with TFD_TIMER_CANCEL_ON_SET fires on any setting of the wall clock, even
        to (almost) the same time: set it to itself, a step of microseconds, and tendd must
        re-scan. Needs CAP_SYS_TIME (root on CI); skipped without it."""
        self.ok("add", "Later Lee", "--due", "+1d")
        self.assertNotIn("the wall clock changed", self.daemon.read_log())
        try:
            time.clock_settime_ns(time.CLOCK_REALTIME, time.clock_gettime_ns(time.CLOCK_REALTIME))
        except PermissionError:
            self.skipTest("setting the clock needs CAP_SYS_TIME")
        self.log_has("Re-scanning follow-ups (the wall clock changed)")
        # Nothing was due: nothing is shown, and tendd keeps serving.
        time.sleep(0.5)
        self.assertEqual(self.server.notifies(), [])
        self.assertEqual([c["name"] for c in self.json("ls")], ["Later Lee"])


if __name__ == "__main__":
    unittest.main()
