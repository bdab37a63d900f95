"""End to end: important dates (birthdays, anniversaries, custom dates). They are set and shown,
listed soonest first, notified exactly once at the preferred time on the day through the same
scheduler as follow-ups (a dbusmock notification server), acknowledged with Done for the year,
snoozed a day, and carried by the iCalendar, vCard and JSON exports."""

import datetime as dt
import os
import time

from bustest import wait_for
from bustest import NotificationMock
from test_notify import DeliveryChecks, NotifyTestCase
from tendtest import TendTestCase


def today(delta=0):
    return dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=delta)


def md(d):
    return d.strftime("%m-%d")


def date_fired(log, label):
    return log.count(": %s " % label)


class DateCommands(TendTestCase):
    def test_birthday_set_shown_and_cleared(self):
        self.ok("add", "Jane Doe")
        self.ok("edit", "jane", "--birthday", "1990-03-14")
        c = self.json("show", "jane")
        self.assertEqual(c["birthday"], "1990-03-14")
        [b] = c["dates"]
        self.assertEqual(b["label"], "birthday")
        self.assertTrue(b["yearly"])
        out = self.ok("show", "jane").stdout
        self.assertIn("birthday: 1990-03-14", out)
        self.ok("edit", "jane", "--birthday", "03-15")
        self.assertEqual(self.json("show", "jane")["birthday"], "--03-15")
        self.ok("edit", "jane", "--birthday", "")
        self.assertIsNone(self.json("show", "jane")["birthday"])
        r = self.tend("edit", "jane", "--birthday", "1990-02-30")
        self.assertNotEqual(r.returncode, 0)

    def test_date_add_ls_rm_and_upcoming(self):
        self.ok("add", "Ann Lee")
        self.ok("add", "Bo Chen", "--birthday", "%d-%s" % (today().year - 40, md(today(3))))
        self.ok("date", "add", "ann", "anniversary", "2015-" + md(today(10)))
        self.ok("date", "add", "ann", "launch", md(today(1)), "--remind", "3d")
        r = self.tend("date", "add", "ann", "launch", "12-01")
        self.assertNotEqual(r.returncode, 0)
        dates = self.json("date", "ls", "ann")["dates"]
        self.assertEqual([d["label"] for d in dates], ["anniversary", "launch"])
        self.assertTrue(dates[0]["yearly"])
        self.assertFalse(dates[1]["yearly"])
        self.assertEqual(dates[1]["remind_days"], 3)
        up = self.json("dates", "--within", "30d")["dates"]
        self.assertEqual([(d["contact"]["name"], d["label"]) for d in up],
                         [("Ann Lee", "launch"), ("Bo Chen", "birthday"),
                          ("Ann Lee", "anniversary")])
        self.assertEqual(up[1]["years"], 40)
        self.assertEqual(up[1]["in_days"], 3)
        self.assertEqual(up[2]["years"], today(10).year - 2015)
        out = self.ok("dates", "--within", "30d").stdout
        self.assertIn("turns 40", out)
        self.assertEqual(len(self.json("dates", "--within", "2d")["dates"]), 1)
        self.ok("check")  # the sched index holds what the records say
        self.ok("date", "rm", "ann", "launch")
        self.assertEqual([d["label"] for d in self.json("date", "ls", "ann")["dates"]],
                         ["anniversary"])
        self.assertNotEqual(self.tend("date", "rm", "ann", "launch").returncode, 0)

    def test_merge_keeps_dates(self):
        self.ok("add", "Ann Lee")
        self.ok("add", "A. Lee", "--new", "--birthday", "1990-05-06")
        self.ok("date", "add", "A. Lee", "anniversary", "2015-06-20")
        self.ok("merge", "Ann Lee", "A. Lee")
        c = self.json("show", "ann")
        self.assertEqual(c["birthday"], "1990-05-06")
        self.assertEqual([d["label"] for d in c["dates"]], ["birthday", "anniversary"])

    def test_addresses_shown(self):
        vcf = os.path.join(self.root, "a.vcf")
        with open(vcf, "w") as f:
            f.write("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Adr Person\r\n"
                    "ADR;TYPE=home:;;1 Main St;Springfield;;12345;USA\r\n"
                    "BDAY:19800102\r\nEND:VCARD\r\n")
        self.ok("import", vcf)
        c = self.json("show", "adr")
        self.assertEqual(c["addresses"], [{"type": "home", "lines": [
            "1 Main St", "Springfield", "12345", "USA"]}])
        self.assertEqual(c["birthday"], "1980-01-02")
        self.assertIn("1 Main St, Springfield", self.ok("show", "adr").stdout)


class DateTransfer(TendTestCase):
    def setUp(self):
        super().setUp()
        self.ok("add", "Ann Lee", "--birthday", "1988-02-29", "--every", "30d")
        self.ok("date", "add", "ann", "anniversary", "2015-06-20")
        self.ok("date", "add", "ann", "launch; day", "03-01", "--yearly", "--remind", "3d")
        self.ok("date", "add", "ann", "trip", "2031-01-05")

    def test_icalendar_parses(self):
        import icalendar
        out = os.path.join(self.root, "tend.ics")
        self.ok("export", "--format", "ical", "--out", out)
        with open(out, "rb") as f:
            cal = icalendar.Calendar.from_ical(f.read())
        events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
        self.assertEqual(set(events), {"Ann Lee's birthday", "Ann Lee: anniversary",
                                       "Ann Lee: launch; day", "Ann Lee: trip"})
        b = events["Ann Lee's birthday"]
        self.assertEqual(b["DTSTART"].dt, dt.date(1988, 2, 29))
        self.assertEqual(b["RRULE"]["FREQ"], ["YEARLY"])
        self.assertEqual(b["RRULE"]["BYMONTHDAY"], [-1])
        self.assertEqual(events["Ann Lee: anniversary"]["DTSTART"].dt, dt.date(2015, 6, 20))
        launch = events["Ann Lee: launch; day"]
        self.assertEqual(launch["DTSTART"].dt, dt.date(2000, 3, 1))
        [alarm] = launch.walk("VALARM")
        self.assertEqual(alarm["TRIGGER"].dt, -dt.timedelta(days=3))
        self.assertNotIn("RRULE", events["Ann Lee: trip"])
        # The follow-up is still a VTODO next to them.
        self.assertEqual(len(cal.walk("VTODO")), 1)

    def labels(self, who):
        return {(d["label"], d["date"], d["yearly"], d["remind_days"])
                for d in self.json("show", who)["dates"]}

    def test_vcard_round_trip(self):
        want = self.labels("ann")
        out = os.path.join(self.root, "tend.vcf")
        self.ok("export", "--format", "vcard", "--out", out)
        with open(out) as f:
            text = f.read()
        self.assertIn("BDAY:19880229", text)
        self.assertIn("ANNIVERSARY:20150620", text)
        self.assertIn("X-TEND-DATE:launch\\; day;--03-01;1;3", text)
        other = self.fresh_store()
        other.ok("import", out)
        self.assertEqual(other.labels("ann"), want)

    def test_json_round_trip(self):
        want = self.labels("ann")
        out = os.path.join(self.root, "tend.json")
        self.ok("export", "--format", "json", "--out", out)
        other = self.fresh_store()
        other.ok("import", out)
        self.assertEqual(other.labels("ann"), want)
        self.assertEqual(other.json("show", "ann")["birthday"], "1988-02-29")

    def fresh_store(self):
        """A second sandbox with its own tendd."""
        t = DateTransfer("test_json_round_trip")
        TendTestCase.setUp(t)
        self.addCleanup(t.tearDown)
        return t


class DateNotifications(NotifyTestCase):
    config = "[schedule]\nquiet_hours = off\npreferred_time = 00:00\n"

    def test_birthday_today_notifies_exactly_once(self):
        self.ok("add", "Bday Bea", "--birthday", "%d-%s" % (today().year - 30, md(today())))
        args = self.server.wait_notifies(1)[0]
        summary, body, actions = args[3], args[4], args[5]
        self.assertEqual(summary, "Bday Bea: birthday")
        self.assertIn("Turns 30 today", body)
        self.assertEqual(actions, ["default", "Open", "done", "Done", "snooze", "Snooze 1 day"])
        self.log_has("Bday Bea: birthday")
        self.signals_handled()
        self.assertEqual(date_fired(self.daemon.read_log(), "birthday"), 1)
        # A restart does not show it again: the year is recorded as shown.
        self.restart()
        self.scan_done()
        self.signals_handled()
        self.assertEqual(len(self.server.notifies()), 1)
        # Its Done button still works after the restart, and acknowledges it for this year.
        self.server.invoke(1, "done")
        wait_for(lambda: self.json("show", "bea")["dates"][0].get("acknowledged") == today().year,
                 what="acknowledged")
        self.assertEqual(len(self.server.notifies()), 1)

    def test_snooze_moves_a_day(self):
        self.ok("add", "Snooze Sue")
        self.ok("date", "add", "sue", "anniversary", md(today()))
        self.server.wait_notifies(1)
        before = time.time()
        self.server.invoke(1, "snooze")
        d = wait_for(lambda: (lambda d: d if d.get("pending_at", "").startswith(
            str(today(1))) else None)(self.json("date", "ls", "sue")["dates"][0]),
            what="snoozed")
        at = dt.datetime.fromisoformat(d["pending_at"].replace("Z", "+00:00")).timestamp()
        self.assertGreaterEqual(at, before + 86400 - 5)
        self.signals_handled()
        self.assertEqual(len(self.server.notifies()), 1)

    def test_remind_days_before(self):
        self.ok("add", "Early Eve")
        self.ok("date", "add", "eve", "launch", md(today(2)), "--remind", "2d")
        args = self.server.wait_notifies(1)[0]
        self.assertEqual(args[3], "Early Eve: launch")
        self.assertIn("In 2 days", args[4])
        # Not one later than the remind: a date 3 days ahead with a 2-day remind waits.
        self.ok("date", "add", "eve", "trip", md(today(3)), "--remind", "2d")
        self.log_has("Early Eve: launch")
        self.signals_handled()
        self.assertEqual(len(self.server.notifies()), 1)


class DateAtPreferredTime(NotifyTestCase):
    """The preferred time lies ahead (the next minute): the date waits for it."""

    def setUp(self):
        now = dt.datetime.now(dt.timezone.utc)
        self.at = (now + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
        if self.at.date() != now.date():  # just before midnight: tomorrow's date
            self.at = self.at.replace(hour=0, minute=0)
        self.config = "[schedule]\nquiet_hours = off\npreferred_time = %s\n" % (
            self.at.strftime("%H:%M"))
        super().setUp()

    def test_fires_at_preferred_time(self):
        self.ok("add", "Timely Tom", "--birthday", md(self.at.date()))
        self.assertEqual(self.server.notifies(), [])
        calls = wait_for(lambda: self.server.calls(), timeout=120, what="Notify")
        stamp = calls[0][0]
        self.assertGreaterEqual(stamp, self.at.timestamp() - 0.01, "fired before its time")
        self.log_has("Timely Tom: birthday")
        self.signals_handled()
        self.assertEqual(len(self.server.notifies()), 1)


class DateWithoutServer(DeliveryChecks, NotifyTestCase):
    """A date that falls due while no notification server is there is shown once one appears
    (as a follow-up is), not recorded as shown and lost."""
    with_server = False
    config = "[schedule]\nquiet_hours = off\npreferred_time = 00:00\n"

    def test_server_arriving_later_shows_the_date_once(self):
        self.ok("add", "Late Lena", "--birthday", "%d-%s" % (today().year - 40, md(today())))
        self.log_has("Late Lena: birthday")
        self.log_has("it stays due")
        server = NotificationMock(self.bus, "body actions")
        self.log_has("notification server appeared")
        args = server.wait_notifies(1)[0]
        self.assertEqual(args[3], "Late Lena: birthday")
        self.assertIn("Turns 40 today", args[4])
        self.signals_handled(server)
        self.assertEqual(len(server.notifies()), 1, server.notifies())
        # Shown now: a restart shows nothing more, and its Done button acknowledges the year.
        self.restart()
        self.scan_done()
        self.signals_handled(server)
        self.assertEqual(len(server.notifies()), 1, server.notifies())
        server.invoke(1, "done")
        wait_for(lambda: self.json("show", "lena")["dates"][0].get("acknowledged") ==
                 today().year, what="acknowledged")
        self.assertEqual(len(server.notifies()), 1)
