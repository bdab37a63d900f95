"""End to end: meetings log themselves from a calendar vdir ([capture] calendar). A real tendd
reads a sandbox vdir (collections of .ics files, written the way vdirsyncer writes them: a
temporary file renamed into place) with single and recurring events across time zones and
DST, a cancellation, a declined invitation and events that have not happened yet; each
occurrence that took place is one `meeting` with all the people it matched, once — across
changes, restarts and kill -9 — and a deleted one never comes back."""

import datetime
import os
import signal
from zoneinfo import ZoneInfo

from tendtest import TendTestCase, wait_until

UTC = datetime.timezone.utc
ME = "me@example.org"
SCANNED = "Calendar capture scanned"

NEW_YORK_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Eastern Standard Time
BEGIN:STANDARD
DTSTART:16011104T020000
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010311T020000
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
END:VTIMEZONE
"""


def utc_text(dt):
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def rfc3339(dt):
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def vevent(uid, start, attendees=(), organizer="ada@example.com", extra=()):
    """A VEVENT; start is a DTSTART line's value part (";TZID=...:..." or ":...Z")."""
    lines = ["BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20260101T000000Z", "DTSTART" + start,
             "SUMMARY:Never read", "DESCRIPTION:Never read either"]
    if organizer:
        lines.append("ORGANIZER:mailto:" + organizer)
    for a in attendees:
        lines.append("ATTENDEE" + (a if a.startswith(";") else ":mailto:" + a))
    lines += list(extra)
    lines.append("END:VEVENT")
    return "\n".join(lines) + "\n"


def calendar(*parts):
    text = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//tend tests//EN\n" + "".join(parts) + \
        "END:VCALENDAR\n"
    return text.replace("\n", "\r\n")


def last_transition(zone, now):
    """The local date of the zone's most recent change of UTC offset before now."""
    tz = ZoneInfo(zone)
    day = now.astimezone(tz).date()

    def offset(d):
        return datetime.datetime.combine(d, datetime.time(12), tz).utcoffset()

    for _ in range(400):
        prev = day - datetime.timedelta(days=1)
        if offset(prev) != offset(day):
            return day
        day = prev
    raise AssertionError("no DST change in %s within 400 days" % zone)


class CaptureCalendarTests(TendTestCase):
    start_daemon = False

    def setUp(self):
        super().setUp()
        self.vdir = os.path.join(self.root, "calendars")
        for c in ("work", "home"):
            os.makedirs(os.path.join(self.vdir, c))
        os.makedirs(os.path.join(self.root, "config", "tend"))
        with open(os.path.join(self.root, "config", "tend", "tendd.conf"), "w") as f:
            f.write("[capture]\ncalendar = %s\nme = %s, me@home.example\nbackfill = 400d\n"
                    % (self.vdir, ME))
        self.daemon.start()
        self.ok("add", "Ada Lovelace", "--email", "ada@example.com", "--every", "30d")
        self.ok("add", "Bob Chen", "--email", "bob@example.com", "--every", "30d")
        self.ok("add", "Cy Diaz", "--email", "cy@example.com", "--every", "30d")
        self.ok("add", "Dee Evans", "--email", "dee@example.com", "--every", "30d")

    def write(self, name, text):
        """Write a file as vdirsyncer does: a hidden temporary file renamed into place."""
        path = os.path.join(self.vdir, name)
        tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, path)

    def meetings(self, who):
        return [h for h in self.json("history", who) if h["kind"] == "meeting"]

    def keys(self, who):
        return sorted(h["source"]["id"] for h in self.meetings(who))

    def wait_meeting(self, who, key):
        return wait_until(lambda: [h for h in self.meetings(who) if h["source"]["id"] == key],
                          what="the meeting %s in %s's history" % (key, who))[0]

    def scans(self):
        return (self.daemon.current_log() or "").count(SCANNED)

    def restart(self, sig=signal.SIGTERM):
        rc = self.daemon.stop(sig)
        if sig == signal.SIGTERM:
            self.assertEqual(rc, 0, self.daemon.read_log())
        self.daemon.start()
        # The start-up scan has read the vdir (and handed everything to the store).
        wait_until(lambda: self.scans() >= 1, what="the start-up scan")

    def test_meetings_across_zones_and_dst(self):
        now = datetime.datetime.now(UTC)
        ago = lambda **kw: now - datetime.timedelta(**kw)  # noqa: E731

        # What must log nothing, written first: a scan that read the last file read these.
        self.write("work/cancelled.ics", calendar(vevent(
            "cancelled", ":" + utc_text(ago(days=2)), [ME, "dee@example.com"],
            extra=["STATUS:CANCELLED"])))
        self.write("work/declined.ics", calendar(vevent(
            "declined", ":" + utc_text(ago(days=2)), [";PARTSTAT=DECLINED:mailto:" + ME,
                                                      "dee@example.com"])))
        self.write("home/tomorrow.ics", calendar(vevent(
            "tomorrow", ":" + utc_text(now + datetime.timedelta(days=1)),
            [ME, "dee@example.com"])))
        self.write("home/alone.ics", calendar(vevent(
            "alone", ":" + utc_text(ago(days=2)), ["me@home.example"], organizer=ME)))
        self.write("home/junk.ics", "this is no calendar\n")

        # Weekly on Mondays 09:00 Berlin time, three weeks either side of Berlin's latest
        # change of offset (the system's zone data): the 2nd excluded, the 4th moved to
        # Tuesday 11:00, the 5th cancelled.
        berlin = ZoneInfo("Europe/Berlin")
        monday = last_transition("Europe/Berlin", now) + datetime.timedelta(days=1)
        monday -= datetime.timedelta(days=monday.weekday())
        first = monday - datetime.timedelta(weeks=3)
        starts = [datetime.datetime.combine(first + datetime.timedelta(weeks=k),
                                            datetime.time(9), berlin) for k in range(6)]
        local = lambda dt: dt.strftime("%Y%m%dT%H%M%S")  # noqa: E731
        moved = datetime.datetime.combine(starts[3].date() + datetime.timedelta(days=1),
                                          datetime.time(11), berlin)
        self.write("work/standup.ics", calendar(
            vevent("standup", ";TZID=Europe/Berlin:" + local(starts[0]), [ME, "cy@example.com"],
                   organizer=ME, extra=["RRULE:FREQ=WEEKLY;COUNT=6",
                          "EXDATE;TZID=Europe/Berlin:" + local(starts[1])]),
            vevent("standup", ";TZID=Europe/Berlin:" + local(moved), [ME, "cy@example.com"],
                   organizer=ME, extra=["RECURRENCE-ID;TZID=Europe/Berlin:" + local(starts[3])]),
            vevent("standup", ";TZID=Europe/Berlin:" + local(starts[4]), [ME, "cy@example.com"],
                   organizer=ME, extra=["RECURRENCE-ID;TZID=Europe/Berlin:" + local(starts[4]),
                          "STATUS:CANCELLED"])))
        berlin_expected = {}
        for k, at in ((0, starts[0]), (2, starts[2]), (3, moved), (5, starts[5])):
            if at <= now:
                berlin_expected["standup/" + utc_text(starts[k])] = rfc3339(at)

        # Weekly on Thursdays 10:00 New York time around New York's latest change, the zone
        # from the file's own VTIMEZONE under the name Outlook gives it; Bob organises.
        ny = ZoneInfo("America/New_York")
        thursday = last_transition("America/New_York", now)
        thursday += datetime.timedelta(days=(3 - thursday.weekday()) % 7)
        ny_first = thursday - datetime.timedelta(weeks=3)
        ny_starts = [datetime.datetime.combine(ny_first + datetime.timedelta(weeks=k),
                                               datetime.time(10), ny) for k in range(6)]
        self.write("work/sync.ics", calendar(
            NEW_YORK_VTIMEZONE.replace("\n", "\r\n"),
            vevent("AAMkAGI2TG93AAA=", ";TZID=Eastern Standard Time:" + local(ny_starts[0]),
                   [";PARTSTAT=ACCEPTED:mailto:" + ME], organizer="bob@example.com",
                   extra=["RRULE:FREQ=WEEKLY;COUNT=6"])))
        ny_expected = {"AAMkAGI2TG93AAA=/" + utc_text(at): rfc3339(at)
                       for at in ny_starts if at <= now}

        # Last: one meeting with Ada and Bob three days ago, in UTC.
        single_at = ago(days=3).replace(microsecond=0)
        self.write("home/coffee.ics", calendar(vevent(
            "coffee-1", ":" + utc_text(single_at), [ME, "bob@example.com",
                                                    ";PARTSTAT=DECLINED:mailto:cy@example.com"])))

        coffee = self.wait_meeting("ada", "coffee-1")
        # One group interaction with everyone who came (not Cy, who declined), at its start.
        self.assertEqual(coffee["at"], rfc3339(single_at))
        self.assertEqual([w["name"] for w in coffee["with"]], ["Bob Chen"])
        self.assertEqual(coffee["source"], {"type": "calendar", "id": "coffee-1"})
        self.assertEqual(self.keys("ada"), ["coffee-1"])
        bob = {h["source"]["id"]: h for h in self.meetings("bob")}
        self.assertEqual(bob["coffee-1"]["id"], coffee["id"])

        # Every occurrence that took place, once, at its start in UTC (DST-correct).
        cy = {h["source"]["id"]: h["at"] for h in self.meetings("cy")}
        self.assertEqual(cy, berlin_expected)
        self.assertEqual({k: h["at"] for k, h in bob.items() if k != "coffee-1"}, ny_expected)
        # Cancelled, declined, not yet happened, nobody else: nothing.
        self.assertEqual(self.meetings("dee"), [])

        # The rhythm moved as for a hand-logged meeting: Ada is due 30 days after it.
        ada = self.json("show", "ada")
        self.assertEqual(ada["last_kind"], "meeting")
        due_at = datetime.datetime.strptime(ada["next_due"], "%Y-%m-%dT%H:%M:%SZ")
        self.assertEqual(due_at.replace(tzinfo=UTC), single_at + datetime.timedelta(days=30))
        self.assertNotIn("Ada Lovelace", self.ok("due").stdout)

        # The junk file is named in the log; the daemon carried on.
        self.assertIn("junk.ics", self.daemon.read_log())

        # A restart reads it all again and records nothing twice.
        before = {w: self.keys(w) for w in ("ada", "bob", "cy", "dee")}
        self.restart()
        self.assertEqual({w: self.keys(w) for w in ("ada", "bob", "cy", "dee")}, before)
        self.ok("check")

    def test_future_meeting_captured_when_it_starts(self):
        start = (datetime.datetime.now(UTC) + datetime.timedelta(seconds=3)).replace(
            microsecond=0) + datetime.timedelta(seconds=1)
        self.write("work/soon.ics", calendar(vevent("soon", ":" + utc_text(start),
                                                    [ME, "dee@example.com"])))
        # Armed for its start, and nothing before: no polling.
        self.daemon.wait_log("Calendar capture: next meeting starts at " + rfc3339(start))
        status = self.json("capture", "status")["calendar"]
        self.assertTrue(status["enabled"])
        self.assertEqual((status["path"], status["files"]), (self.vdir, 1))
        self.assertIn(status["next"], (rfc3339(start), None))  # None: it started already
        h = self.wait_meeting("dee", "soon")
        self.assertEqual(h["at"], rfc3339(start))
        self.assertGreaterEqual(datetime.datetime.now(UTC), start)
        self.assertEqual(self.keys("dee"), ["soon"])

    def test_changed_file_and_new_collection_picked_up(self):
        day = datetime.datetime.now(UTC) - datetime.timedelta(days=5)
        first = vevent("lunch-1", ":" + utc_text(day), [ME, "cy@example.com"])
        self.write("home/lunch.ics", calendar(first))
        self.wait_meeting("cy", "lunch-1")
        # The same file again with another event in it (changed under the running daemon).
        second = vevent("lunch-2", ":" + utc_text(day + datetime.timedelta(days=1)),
                        [ME, "cy@example.com"])
        self.write("home/lunch.ics", calendar(first, second))
        self.wait_meeting("cy", "lunch-2")
        # A collection made while tendd runs is watched as well.
        os.makedirs(os.path.join(self.vdir, "shared"))
        self.write("shared/review.ics", calendar(vevent(
            "review", ":" + utc_text(day), [ME, "dee@example.com"])))
        self.wait_meeting("dee", "review")
        self.assertEqual(self.keys("cy"), ["lunch-1", "lunch-2"])

    def test_deleted_meeting_not_captured_again(self):
        day = datetime.datetime.now(UTC) - datetime.timedelta(days=5)
        text = calendar(vevent("one-on-one", ":" + utc_text(day), [ME, "ada@example.com"],
                               organizer="bob@example.com"))
        self.write("work/1on1.ics", text)
        h = self.wait_meeting("ada", "one-on-one")
        self.ok("interaction", "rm", str(h["id"]), "--yes")
        self.assertEqual(self.meetings("ada"), [])
        # The file changes (read again) and tendd restarts (everything read again): gone.
        scans = self.scans()
        self.write("work/1on1.ics", text.replace("Never read either", "Changed"))
        wait_until(lambda: self.scans() > scans, what="a scan after the change")
        self.assertEqual(self.meetings("ada"), [])
        self.restart()
        self.assertEqual(self.meetings("ada"), [])
        self.assertEqual(self.meetings("bob"), [])

    def test_reload_turns_calendar_on(self):
        day = datetime.datetime.now(UTC) - datetime.timedelta(days=4)
        self.write("work/call.ics", calendar(vevent("call", ":" + utc_text(day),
                                                    [ME, "dee@example.com"])))
        self.wait_meeting("dee", "call")
        # Off by a reload: a new file is not read.
        conf = os.path.join(self.root, "config", "tend", "tendd.conf")
        with open(conf, "w") as f:
            f.write("[capture]\nme = %s\n" % ME)
        reloads = self.daemon.read_log().count("Settings reloaded.")
        self.daemon.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: self.daemon.read_log().count("Settings reloaded.") > reloads,
                   what="the reload")
        self.assertFalse(self.json("capture", "status")["calendar"]["enabled"])
        self.write("work/call2.ics", calendar(vevent("call-2", ":" + utc_text(day),
                                                     [ME, "dee@example.com"])))
        # On again: what was added meanwhile is read, nothing twice.
        with open(conf, "w") as f:
            f.write("[capture]\ncalendar = %s\nme = %s\nbackfill = 30d\n" % (self.vdir, ME))
        self.daemon.proc.send_signal(signal.SIGHUP)
        self.wait_meeting("dee", "call-2")
        self.assertEqual(self.keys("dee"), ["call", "call-2"])

    def test_unreadable_vdir_and_files_reported(self):
        self.write("work/junk.ics", "BEGIN:VCARD\r\nFN:Not an event\r\nEND:VCARD\r\n")
        wait_until(lambda: (self.json("capture", "status")["calendar"]["error"] or "")
                   .startswith("work/junk.ics: not iCalendar"), what="the junk file reported")
        self.assertIn("work/junk.ics", self.ok("capture", "status").stdout)
        # A vdir that is not there: said in the status, tendd runs on.
        self.daemon.stop()
        with open(os.path.join(self.root, "config", "tend", "tendd.conf"), "w") as f:
            f.write("[capture]\ncalendar = %s/missing\n" % self.vdir)
        self.daemon.start()
        status = wait_until(lambda: (lambda c: "missing" in (c["error"] or "") and c)(
            self.json("capture", "status")["calendar"]), what="the missing vdir reported")
        self.assertIn("cannot be watched", status["error"])
        self.ok("status")

    def test_kill_during_backfill_no_duplicates(self):
        # Many meetings with Ada, read in several batches at the next start.
        self.daemon.stop()
        now = datetime.datetime.now(UTC)
        n = 1500
        for i in range(n):
            at = now - datetime.timedelta(days=1 + i * 80 / n)
            self.write("work/m%04d.ics" % i, calendar(vevent(
                "m%04d" % i, ":" + utc_text(at), [ME], organizer="ada@example.com")))
        self.daemon.start()
        # Killed once the first batch is in, likely before the last.
        wait_until(lambda: len(self.meetings("ada")) > 0, interval=0.01,
                   what="the first captured batch")
        self.daemon.stop(signal.SIGKILL)
        self.daemon.start()
        wait_until(lambda: len(self.meetings("ada")) >= n, what="every meeting")
        keys = self.keys("ada")
        self.assertEqual(len(keys), n)
        self.assertEqual(len(set(keys)), n)
        self.restart()
        self.assertEqual(self.keys("ada"), keys)
        self.ok("check")
