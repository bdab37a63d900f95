"""End to end: start-up does no work proportional to the store. The sched index is kept by
every write and not rebuilt at start; only its date events depend on the time zone (they are
keyed under local midnights), so a start in another zone rebuilds it once, and tend check
finds it consistent either way."""

from tendtest import TendTestCase


class StartupTests(TendTestCase):
    def populate(self):
        self.ok("add", "Ada Lovelace", "--birthday", "12-10", "--every", "2w")
        self.ok("add", "Brian Kernighan", "--birthday", "1942-01-01")

    def restart(self, tz=None):
        self.assertEqual(self.daemon.stop(), 0)
        if tz:
            self.daemon.env["TZ"] = tz
        self.daemon.start()

    def rebuilds(self):
        self.ok("status")  # answered by the loop: start-up, and its log, are complete
        return self.daemon.read_log().count("Follow-ups indexed for this time zone")

    def test_restart_in_the_same_zone_rebuilds_nothing(self):
        before = self.rebuilds()
        self.restart()
        self.restart()
        self.assertEqual(self.rebuilds(), before)
        self.assertEqual(self.json("check")["problems"], 0)

    def test_start_in_another_zone_rebuilds_the_date_events_once(self):
        before = self.rebuilds()
        self.restart(tz="Asia/Tokyo")
        self.assertEqual(self.rebuilds(), before + 1)
        self.assertEqual(self.json("check")["problems"], 0)
        self.restart()
        self.assertEqual(self.rebuilds(), before + 1)
        self.restart(tz="America/Los_Angeles")
        self.assertEqual(self.rebuilds(), before + 2)
        self.assertEqual(self.json("check")["problems"], 0)


if __name__ == "__main__":
    import unittest
    unittest.main()
