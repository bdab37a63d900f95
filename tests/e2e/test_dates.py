"""End to end: DATE words mean what people mean by them, and relative days are calendar days.
The sandbox runs in UTC, so the expected instants are computed here from the wall clock."""

import datetime as dt
import unittest

from tendtest import TendTestCase

UTC = dt.timezone.utc


def parse(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def now():
    return dt.datetime.now(UTC)


class DateTests(TendTestCase):
    def test_at_yesterday_is_a_day_ago(self):
        self.ok("add", "Sam Lee")
        before = now()
        at = parse(self.json("log", "sam", "call", "--at", "yesterday")["interaction"]["at"])
        after = now()
        self.assertLessEqual(before - dt.timedelta(days=1, seconds=1), at)
        self.assertLessEqual(at, after - dt.timedelta(days=1) + dt.timedelta(seconds=1))
        history = self.ok("history", "sam").stdout
        self.assertIn("yesterday", history)
        self.assertNotIn("00:00", history.split("\n")[1])

    def test_at_today_and_weekdays(self):
        self.ok("add", "Kim Park")
        before = now()
        at = parse(self.json("log", "kim", "call", "--at", "today")["interaction"]["at"])
        self.assertLess(abs((at - before).total_seconds()), 5)
        at = parse(self.json("log", "kim", "email", "--at", "last friday")["interaction"]["at"])
        self.assertEqual(at.weekday(), 4)
        self.assertTrue(1 <= (now().date() - at.date()).days <= 7)
        # A bare weekday in --at is the most recent one, today included.
        at = parse(self.json("log", "kim", "coffee", "--at", "fri")["interaction"]["at"])
        self.assertEqual(at.weekday(), 4)
        self.assertTrue(0 <= (now().date() - at.date()).days <= 6)

    def test_due_yesterday_is_one_day_overdue(self):
        c = self.json("add", "Ann Ode", "--due", "yesterday")
        due = parse(c["next_due"])
        self.assertEqual(due.date(), now().date() - dt.timedelta(days=1))
        self.assertEqual((due.hour, due.minute), (9, 0))  # tendd's default preferred_time
        self.assertIn("1 day overdue", self.ok("due").stdout)

    def test_due_words_ahead(self):
        self.ok("add", "Bo Ahead")
        today = now().date()
        due = parse(self.json("snooze", "bo", "next", "friday")["next_due"])
        self.assertEqual(due.weekday(), 4)
        self.assertTrue(1 <= (due.date() - today).days <= 7)
        self.assertEqual((due.hour, due.minute), (9, 0))
        due = parse(self.json("edit", "bo", "--due", "end of month")["next_due"])
        self.assertEqual((due + dt.timedelta(days=1)).day, 1)
        due = parse(self.json("edit", "bo", "--due", "2030-W03 14:30")["next_due"])
        self.assertEqual(due, dt.datetime(2030, 1, 14, 14, 30, tzinfo=UTC))
        due = parse(self.json("edit", "bo", "--due", "in 3 days")["next_due"])
        self.assertEqual(due.date(), today + dt.timedelta(days=3))

    def test_bad_date_lists_the_forms(self):
        self.ok("add", "Cy Bad")
        p = self.tend("log", "cy", "call", "--at", "someday", check=2)
        for form in ("yesterday", "next fri", "end of month", "2027-W03", "in 3 days"):
            self.assertIn(form, p.stderr)
        p = self.tend("edit", "cy", "--due", "2027-W53", check=2)
        self.assertIn("does not exist", p.stderr)


if __name__ == "__main__":
    unittest.main()
