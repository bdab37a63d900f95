"""End to end: every mistake a person can make through the CLI can be taken back with
`tend undo` (and put back with `tend redo`), and a store written before the journal existed is
upgraded, with a backup, while a store from a newer tend is refused.

"The same state" is `tend export --format json`, with two exceptions that are no change a
person made: the header's next_id (ids are never handed out twice, so an undone add does not
give its id back) and the follow-up engine's own bookkeeping on a contact (notified_due,
notified_at, notify_unshown, resurface_at), which it writes outside the journal."""

import json
import os
import select
import shutil
import subprocess
import unittest

from tendtest import TEND, TendTestCase

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "data", "store-v1")
VCARDS = os.path.join(HERE, "..", "data", "import", "apple30-bday-noyear-photo.vcf")
BOOKKEEPING = ("notified_due", "notified_at", "notify_unshown", "resurface_at")


def comparable(export_text):
    records = []
    for line in export_text.splitlines():
        r = json.loads(line)
        if r.get("type") == "tend":
            r.pop("next_id", None)
            r.pop("next_interaction_id", None)  # a counter too: ids are never given twice
        for k in BOOKKEEPING:
            r.pop(k, None)
        records.append(r)
    return records


class UndoTests(TendTestCase):
    def state(self):
        return comparable(self.ok("export", "--format", "json").stdout)

    def setUp(self):
        super().setUp()
        self.ok("add", "Jane Doe", "--network", "strategic", "--email", "jane@example.com",
                "--every", "6w", "--org", "Acme")
        self.ok("add", "David Okafor", "--network", "operational", "--every", "2w",
                "--met-via", "jane")
        self.ok("add", "Fatima Zahra", "--met-via", "david", "--every", "3mo")
        self.ok("add", "Sam Lee", "--every", "2w")
        self.ok("log", "david", "call", "Planning", "--at", "yesterday")
        self.ok("goal", "add", "Raise a seed round")
        self.ok("goal", "link", "Raise a seed round", "david", "--why", "knows investors")
        self.ok("intro", "david", "sam")
        self.ok("prospect", "add", "Tara Quinn", "--via", "david")

    def yes(self, verb):
        """["--yes"] when the verb's removal asks first (and so wants --yes in a script)."""
        return ["--yes"] if "--yes" in self.ok("help", verb).stdout else []

    def take_back(self, *args, expect=None):
        """Run one command, then undo it, redo it and undo it again; every step must land on
        the exact state before or after. Returns what undo printed."""
        before = self.state()
        self.ok(*args)
        after = self.state()
        self.assertNotEqual(after, before, "tend %s changed nothing" % " ".join(args))
        undone = self.ok("undo").stdout
        self.assertTrue(undone.startswith("Undid: "), undone)
        if expect:
            self.assertIn(expect, undone)
        self.assertEqual(self.state(), before, "after undoing tend %s" % " ".join(args))
        redone = self.ok("redo").stdout
        self.assertTrue(redone.startswith("Redid: "), redone)
        self.assertEqual(self.state(), after, "after redoing tend %s" % " ".join(args))
        self.ok("undo")
        self.assertEqual(self.state(), before, "after undoing tend %s again" % " ".join(args))
        return undone

    def test_add(self):
        self.take_back("add", "Rachel Green", "--email", "rachel@example.com",
                       expect="added Rachel Green")
        self.assertEqual(self.tend("show", "rachel").returncode, 1)

    def test_edit(self):
        self.take_back("edit", "jane", "--org", "Initech", "--tag", "board", "--name",
                       "Jane Smith", expect="changed Jane Smith")
        self.ok("show", "jane doe")
        self.assertEqual(self.json("find", "acme")[0]["name"], "Jane Doe")

    def test_rm_with_its_cascade(self):
        # David has an interaction, a goal link, an introduction, and Fatima and Tara name
        # him (met via, prospect via): all of it comes back.
        out = self.take_back("rm", "david", "--yes", expect="removed David Okafor")
        self.assertIn("1 interaction removed", out)
        self.assertIn("1 goal link removed", out)
        self.assertIn("1 introduction removed", out)
        self.assertEqual(self.json("show", "fatima")["met_via"]["name"], "David Okafor")
        self.assertEqual(len(self.json("intro", "ls")), 1)

    def test_log(self):
        self.take_back("log", "jane", "coffee", "Roadmap", expect="log coffee with Jane Doe")
        self.assertEqual(self.json("history", "jane"), [])

    def test_done_and_snooze(self):
        self.take_back("done", "sam", "caught up", expect="done with Sam Lee")
        self.take_back("snooze", "david", "3d", expect="snooze David Okafor")

    def test_goals(self):
        self.take_back("goal", "add", "Hire a designer", expect="added goal Hire a designer")
        self.take_back("goal", "link", "Raise a seed round", "jane", "--why", "angel",
                       expect="1 goal link added")
        self.take_back("goal", "done", "Raise a seed round")
        out = self.take_back("goal", "rm", "Raise a seed round", *self.yes("goal"),
                             expect="removed goal Raise a seed round")
        self.assertIn("1 goal link removed", out)

    def test_intro_and_prospect(self):
        self.take_back("intro", "jane", "fatima", expect="1 introduction added")
        self.take_back("intro", "rm", "david", "sam", "--yes", expect="1 introduction removed")
        self.take_back("prospect", "add", "Pat Lee", "--via", "jane", expect="added Pat Lee")
        self.take_back("prospect", "next", "tara", expect="changed Tara Quinn")
        self.take_back("prospect", "next", "tara", "--stage", "met", "--at", "yesterday")

    def test_settings(self):
        self.take_back("profile", "set", "founder", expect="setting")

    def test_import_as_a_whole(self):
        out = self.take_back("import", VCARDS, expect="import of")
        self.assertNotIn("backup", out)
        # A tend export of 300 people with interactions, one of them Jane (merged by email:
        # a tag and a phone added to her), goes in as one change and comes out as one.
        path = os.path.join(self.root, "people.jsonl")
        with open(path, "w") as f:
            f.write('{"type":"tend","version":1}\n')
            for i in range(300):
                uuid = "00000000-0000-4000-8000-%012d" % i
                f.write(json.dumps({"type": "contact", "uuid": uuid, "name": "Person %d" % i,
                                    "tags": ["imported"], "cadence_seconds": 86400 * 30,
                                    "last_interaction": "2026-11-01T00:00:00Z"}) + "\n")
                f.write(json.dumps({"type": "interaction", "contact": uuid,
                                    "at": "2026-11-01T00:00:00Z", "kind": "meeting"}) + "\n")
            f.write(json.dumps({"type": "contact", "name": "Jane Doe",
                                "emails": ["jane@example.com"], "tags": ["imported"],
                                "phones": ["+1 555 0100"]}) + "\n")
        out = self.take_back("import", path, expect="import of 602 records")
        self.assertEqual(self.json("ls", "--tag", "imported"), [])

    def test_walks_back_through_everything(self):
        states = [self.state()]
        steps = [
            ("add", "Rachel Green"),
            ("log", "rachel", "coffee"),
            ("edit", "rachel", "--org", "Central Perk"),
            ("goal", "link", "Raise a seed round", "rachel"),
            ("intro", "rachel", "jane"),
            ("snooze", "jane", "2w"),
            ("rm", "david", "--yes"),
            ("import", VCARDS),
        ]
        for step in steps:
            self.ok(*step)
            states.append(self.state())
        listed = self.json("undo", "--list")
        self.assertTrue(listed["can_undo"])
        self.assertFalse(listed["can_redo"])
        self.assertEqual(len(listed["changes"]), len(steps) + 9)
        self.assertEqual(listed["changes"][0]["description"].split(" ")[0], "import")
        for i in range(len(steps), 0, -1):
            change = self.json("undo")["change"]
            self.assertTrue(change["undone"])
            self.assertEqual(self.state(), states[i - 1], "undo of %s" % (steps[i - 1],))
        text = self.ok("undo", "--list").stdout
        self.assertIn("undone (redo)", text)
        self.assertIn("next undo", text)
        self.assertTrue(self.json("undo", "--list")["can_redo"])
        # Redo two, then a new change: the rest can no longer be redone.
        self.ok("redo")
        self.ok("redo")
        self.assertEqual(self.state(), states[2])
        self.ok("add", "Monica Geller")
        self.assertFalse(self.json("undo", "--list")["can_redo"])
        p = self.tend("redo", check=1)
        self.assertIn("nothing to redo", p.stderr)
        self.assertEqual(len(self.json("undo", "--list", "--limit", "3")["changes"]), 3)
        # All the way back to the empty store, then nothing.
        while self.json("undo", "--list")["can_undo"]:
            self.ok("undo")
        self.assertEqual(self.json("ls"), [])
        p = self.tend("undo", check=1)
        self.assertIn("nothing to undo", p.stderr)

    def test_usage(self):
        self.tend("undo", "--limit", "3", check=2)
        self.tend("redo", "extra", check=2)


class FollowUpTests(TendTestCase):
    """A follow-up must fire whatever the hour the suite runs at: no quiet hours."""
    start_daemon = False

    def setUp(self):
        super().setUp()
        conf = os.path.join(self.root, "config", "tend")
        os.makedirs(conf, exist_ok=True)
        with open(os.path.join(conf, "tendd.conf"), "w") as f:
            f.write("[schedule]\nquiet_hours = off\n")
        self.daemon.start()

    def test_undone_snooze_rearms_the_follow_up(self):
        w = subprocess.Popen([TEND, "--json", "watch"], env=self.daemon.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (w.poll() is None and w.kill(), w.wait()))

        def event(timeout=15):
            r, _, _ = select.select([w.stdout], [], [], timeout)
            self.assertTrue(r, "no watch event")
            return json.loads(w.stdout.readline())

        self.assertEqual(event()["event"], "watching")
        due = self.json("add", "Wes Watch", "--due", "+3s")["next_due"]
        self.assertEqual(event()["event"], "changed")
        self.ok("snooze", "wes", "3d")
        self.assertEqual(event()["event"], "snoozed")
        self.ok("undo")
        ev = event()
        self.assertEqual((ev["event"], ev["contact"]["name"], ev["next_due"]),
                         ("changed", "Wes Watch", due))
        # Only a re-armed follow-up engine fires now rather than in three days.
        ev = event()
        self.assertEqual((ev["event"], ev["contact"]["name"]), ("fired", "Wes Watch"))


def can_unshare():
    try:
        return subprocess.run(["unshare", "-rm", "true"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@unittest.skipUnless(shutil.which("unshare") and can_unshare(),
                     "needs unshare -rm (user and mount namespaces)")
class DiskFullTests(TendTestCase):
    start_daemon = False

    def test_full_disk_still_lets_you_remove_and_says_it_cannot_undo_that(self):
        from tendtest import TENDD
        mnt = os.path.join(self.root, "small")
        os.makedirs(mnt)
        os.makedirs(os.path.dirname(self.daemon.socket), mode=0o700)
        script = ('mount -t tmpfs -o size=1m,mode=0700 tmpfs "$1" && '
                  'exec "$2" --verbose --data-dir "$1/tend" --socket "$3"')
        self.daemon.log = open(self.daemon.log_path, "ab")
        self.daemon.proc = subprocess.Popen(
            ["unshare", "-rm", "sh", "-c", script, "sh", mnt, TENDD, self.daemon.socket],
            env=self.daemon.env, stdin=subprocess.DEVNULL, stdout=self.daemon.log,
            stderr=subprocess.STDOUT)
        self.daemon.wait_ready()
        added = []
        for i in range(200):
            if self.tend("add", "Filler %03d" % i, "--note", "n" * 60000).returncode != 0:
                break
            added.append("Filler %03d" % i)
        self.assertGreater(len(added), 3)
        # The before-image of a 60 kB record does not fit any more: the removal is made
        # anyway, and the journal says it cannot be taken back.
        self.ok("rm", added[0], "--yes")
        newest = self.json("undo", "--list", "--limit", "1")["changes"][0]
        self.assertEqual((newest["description"], newest["recorded"]),
                         ("removed " + added[0], False))
        self.assertFalse(self.json("undo", "--list")["can_undo"])
        p = self.tend("undo", check=1)
        self.assertIn("disk was full", p.stderr)
        self.assertNotIn(added[0], [c["name"] for c in self.json("ls")])


class LargeImportTests(TendTestCase):
    def test_import_over_the_limit_writes_a_backup_and_is_refused_by_undo(self):
        self.ok("add", "Jane Doe")
        path = os.path.join(self.root, "big.jsonl")
        with open(path, "w") as f:
            f.write('{"type":"tend","version":1}\n')
            for i in range(100001):
                f.write('{"type":"contact","name":"Person %d"}\n' % i)
        report = self.json("import", path, "--format", "json")
        self.assertEqual(report["contacts"]["added"], 100001)
        change = self.json("undo", "--list", "--limit", "1")["changes"][0]
        backup = change["backup"]
        self.assertTrue(backup.startswith(os.path.join(self.daemon.data, "backups") + "/"),
                        backup)
        self.assertTrue(os.path.getsize(backup) > 0)
        self.assertEqual(change["records"], 0)
        p = self.tend("undo", check=1)
        self.assertIn("too large to record", p.stderr)
        self.assertIn(backup, p.stderr)
        self.assertIn("tend restore", p.stderr)
        self.assertEqual(self.json("status")["contacts"], 100002)
        # The backup is the store as it was: only Jane.
        other = os.path.join(self.root, "restored")
        self.ok("restore", backup, "--data-dir", other)
        out = subprocess.run(["mdb_stat", "-s", "contacts", other], capture_output=True,
                             text=True)
        if out.returncode == 0:
            self.assertIn("Entries: 1\n", out.stdout)


class UpgradeTests(TendTestCase):
    start_daemon = False

    def plant(self, fixture):
        os.makedirs(self.daemon.data, mode=0o700)
        shutil.copyfile(fixture, os.path.join(self.daemon.data, "data.mdb"))

    def test_store_from_before_the_journal_is_upgraded_with_a_backup(self):
        self.plant(os.path.join(FIXTURE, "data.mdb"))
        self.daemon.start()
        backup = os.path.join(self.daemon.data, "data.mdb.v1-backup")
        self.assertTrue(os.path.getsize(backup) > 0)
        self.assertIn("Upgraded the store", self.daemon.read_log())
        self.assertIn(backup, self.daemon.read_log())
        with open(os.path.join(FIXTURE, "export.jsonl")) as f:
            want = comparable(f.read())
        # Schema 1 had no interaction ids: the upgrade numbered them, oldest first.
        state = self.state()
        ids = [r.pop("id") for r in state if r.get("type") == "interaction"]
        self.assertEqual(sorted(ids), list(range(1, len(ids) + 1)))
        self.assertEqual(state, want)
        # The upgrade is no change to undo; changes after it are.
        self.assertIn("nothing to undo", self.tend("undo", check=1).stderr)
        self.ok("log", "lena", "coffee")
        self.ok("undo")
        state = self.state()
        for r in state:
            if r.get("type") == "interaction":
                r.pop("id")
        self.assertEqual(state, want)
        # The backup is the old store as it was: a v1 tendd would open it.
        with open(backup, "rb") as f, open(os.path.join(FIXTURE, "data.mdb"), "rb") as g:
            self.assertEqual(f.read(4096)[:16], g.read(4096)[:16])
        # Restarting does not upgrade (or back up) again.
        os.remove(backup)
        self.daemon.stop()
        self.daemon.start()
        self.assertFalse(os.path.exists(backup))
        state = self.state()
        for r in state:
            if r.get("type") == "interaction":
                r.pop("id")
        self.assertEqual(state, want)

    def test_store_from_a_newer_tend_is_refused(self):
        self.plant(os.path.join(FIXTURE, "future", "data.mdb"))
        self.daemon.start(wait=False)
        rc = self.daemon.proc.wait(timeout=10)
        self.assertNotEqual(rc, 0)
        self.assertIn("written by a newer tend", self.daemon.read_log())
        self.assertFalse(os.path.exists(os.path.join(self.daemon.data, "data.mdb.v99-backup")))
        self.assertFalse(os.path.exists(os.path.join(self.daemon.data, "data.mdb.v1-backup")))

    def state(self):
        return comparable(self.ok("export", "--format", "json").stdout)


if __name__ == "__main__":
    unittest.main()
