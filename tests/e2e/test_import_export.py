"""End to end: tend import / export / backup / restore through the real daemon and client,
the corpus of tricky files in tests/data/import, round trips, and interop with real Debian
tools (khard, calcurse, python3-icalendar, mdb_stat)."""

import glob
import json
import os
import shutil
import subprocess
import unittest

from tendtest import TEND, Daemon, TendTestCase, VarlinkSocket

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "import")

# Internal state that vCard does not carry (notification bookkeeping, unknown codec fields).
NOT_IN_VCARD = {"id", "notified_due", "notified_at", "resurface_at", "notify_id", "unknown"}


def records(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class TransferTestCase(TendTestCase):
    def other_daemon(self, name):
        """A second tendd with its own data and socket, stopped at cleanup."""
        d = Daemon(os.path.join(self.root, name)).start()

        def stop():
            if d.alive():
                self.assertEqual(d.stop(), 0, d.read_log())
        self.addCleanup(stop)
        return d

    def run_in(self, daemon, *args, check=0, input=None):
        p = subprocess.run([TEND, *args], env=daemon.env, input=input, capture_output=True,
                           text=True, timeout=120)
        if check is not None:
            self.assertEqual(p.returncode, check, "tend %s\nstdout: %s\nstderr: %s" %
                             (" ".join(args), p.stdout, p.stderr))
        return p

    def export_json(self, daemon=None):
        return self.run_in(daemon or self.daemon, "export", "--format", "json").stdout

    def seed(self):
        """A store with every kind of record: contacts with most fields, interactions, an
        introducer, a deletion."""
        self.ok("add", "Jane Doe", "--network", "strategic", "--email", "jane@example.com",
                "--phone", "+1 555 0100", "--url", "https://example.com/jane", "--org", "Acme",
                "--title", "CTO", "--tag", "mentor", "--every", "6w", "--note",
                "Knows everyone in robotics;\nlikes climbing, tea", "--how-met", "PyCon",
                "--external")
        self.ok("add", "Sam Lee", "--network", "operational", "--every", "2w", "--met-via",
                "jane")
        self.ok("add", "Gone Person")
        self.ok("log", "jane", "coffee", "Talked about the platform team", "--gave", "an intro")
        self.ok("log", "sam", "call", "--at", "yesterday")
        self.ok("rm", "gone", "--yes")
        # Goals, links, introductions and settings (when this build has them).
        if self.tend("goal", "add", "Find a new role", "--by", "2031-06-01").returncode == 0:
            self.ok("goal", "add", "Old goal")
            self.ok("goal", "link", "Find a new role", "jane", "--why", "knows the CTOs")
            self.ok("goal", "rm", "Old goal", "--yes")
            self.ok("intro", "jane", "sam", "--note", "both into robotics")
            if self.tend("knows", "ls").returncode == 0:  # who knows whom
                self.ok("add", "Bo Chen")
                self.ok("knows", "jane", "bo", "--strength", "strong", "--note", "climbing")
                self.ok("intro", "sam", "bo", "--by", "jane")
            self.ok("me", "offers", "Rust code reviews")
        self.ok("import", os.path.join(DATA, "google30-grouped-labels.vcf"))
        self.ok("import", os.path.join(DATA, "apple30-bday-noyear-photo.vcf"))


class CorpusTests(TransferTestCase):
    start_daemon = False

    def test_every_corpus_file_imports_as_expected(self):
        files = sorted(f for f in glob.glob(os.path.join(DATA, "*"))
                       if not f.endswith(".expected.json"))
        self.assertGreaterEqual(len(files), 8)
        for path in files:
            name = os.path.basename(path)
            with self.subTest(file=name):
                d = self.other_daemon("store-" + name)
                with open(os.path.splitext(path)[0] + ".expected.json") as f:
                    expected = json.load(f)
                report = json.loads(self.run_in(d, "--json", "import", path).stdout)
                self.assertEqual(report["contacts"]["added"], len(expected["records"]), report)
                self.assertEqual(report["errors"], len(expected["errors"]))
                self.assertTrue(report["committed"])
                error_lines = [i["line"] for i in report["items"] if i["action"] == "error"]
                self.assertEqual(error_lines, expected["errors"])
                got = [r for r in records(self.export_json(d)) if r["type"] == "contact"]
                self.assertEqual(len(got), len(expected["records"]))
                for want, have in zip(expected["records"], got):
                    for key, value in want.items():
                        self.assertEqual(have.get(key), value, "%s: %s" % (name, key))
                # Importing the same file again merges into what is there: nothing new.
                again = json.loads(self.run_in(d, "--json", "import", path).stdout)
                self.assertEqual(again["contacts"]["added"], 0, again)
                self.assertEqual(again["contacts"]["unchanged"], len(expected["records"]))
                d.stop()


class ImportTests(TransferTestCase):
    def test_dry_run_reports_and_changes_nothing(self):
        self.ok("add", "Ada Lovelace", "--email", "ada@work.example")
        before = self.export_json()
        p = self.ok("import", "--dry-run", os.path.join(DATA, "broken-cards.vcf"))
        self.assertIn("Dry run", p.stdout)
        self.assertIn("line 1", p.stdout)
        self.assertIn("added", p.stdout)
        self.assertIn("line 9", p.stdout)
        self.assertIn("not a property", p.stdout)
        p = self.ok("import", "--dry-run", os.path.join(DATA, "google30-grouped-labels.vcf"))
        self.assertIn("merged", p.stdout)
        self.assertIn("same email ada@work.example", p.stdout)
        self.assertEqual(self.export_json(), before)

    def test_strict_rejects_everything(self):
        p = self.tend("import", "--strict", os.path.join(DATA, "broken-cards.vcf"), check=1)
        self.assertIn("4 broken records; with --strict nothing was imported", p.stderr)
        self.assertNotIn("ImportRejected", p.stderr)  # readable, not the raw error
        self.assertEqual(self.json("ls"), [])
        # Without --strict the good cards go in and the exit status is 0.
        report = self.json("import", os.path.join(DATA, "broken-cards.vcf"))
        self.assertEqual(report["contacts"]["added"], 2)
        self.assertEqual(report["errors"], 4)

    def test_merge_fills_and_joins(self):
        self.ok("add", "Ada Lovelace", "--email", "ada@home.example", "--note", "mine")
        report = self.json("import", "--tag", "imported", "--network", "personal",
                           os.path.join(DATA, "google30-grouped-labels.vcf"))
        self.assertEqual(report["contacts"]["merged"], 1)
        ada = self.json("show", "ada")
        self.assertEqual(ada["notes"], "mine")               # never overwritten
        self.assertEqual(ada["emails"], ["ada@home.example", "ada@work.example"])
        self.assertIn("imported", ada["tags"])
        self.assertEqual(ada["networks"], ["personal"])

    def test_linkedin_defaults_to_strategic(self):
        report = self.json("import", os.path.join(DATA, "linkedin-connections.csv"))
        self.assertEqual(report["contacts"]["added"], 3)
        self.assertEqual([i["line"] for i in report["items"] if i["action"] == "error"], [8])
        ada = self.json("show", "ada")
        self.assertEqual(ada["networks"], ["strategic"])
        self.assertEqual(ada["urls"], ["https://www.linkedin.com/in/ada-lovelace"])
        self.assertEqual(ada["how_met"], "LinkedIn, connected 2024-03-12")
        self.assertEqual(len(self.json("ls", "--network", "strategic")), 3)

    def test_linkedin_network_option(self):
        self.ok("import", "--network", "op", "--format", "linkedin",
                os.path.join(DATA, "linkedin-connections.csv"))
        self.assertEqual(self.json("show", "bob")["networks"], ["operational"])

    def test_stdin_and_large_file_in_pieces(self):
        # ~3 MB: several Upload calls under the 1 MiB message limit, one transaction.
        cards = []
        for i in range(3000):
            cards.append("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person %05d\r\nEMAIL:p%05d@example.com"
                         "\r\nNOTE:%s\r\nEND:VCARD\r\n" % (i, i, "x" * 900))
        text = "".join(cards)
        self.assertGreater(len(text), 2 << 20)
        report = self.json("import", "-", input=text)
        self.assertEqual(report["contacts"]["added"], 3000)
        self.assertEqual(self.json("status")["contacts"], 3000)
        report = self.json("import", "-", input=text)
        self.assertEqual(report["contacts"]["unchanged"], 3000)

    def test_unknown_format_and_bad_input(self):
        path = os.path.join(self.root, "what.txt")
        with open(path, "w") as f:
            f.write("hello\nworld\n")
        p = self.tend("import", path, check=1)
        self.assertIn("--format", p.stderr)
        self.tend("import", os.path.join(self.root, "missing.vcf"), check=1)
        self.tend("import", "--format", "pdf", path, check=2)
        empty = os.path.join(self.root, "empty.vcf")
        open(empty, "w").close()
        self.tend("import", "--format", "vcard", empty, check=1)

    def test_protocol_errors(self):
        r = self.call("io.tend.Transfer.Upload", {"upload": "nope", "records": []})
        self.assertEqual(r["error"], "io.tend.Transfer.NoSuchUpload")
        r = self.call("io.tend.Transfer.Import", {"upload": "nope"})
        self.assertEqual(r["error"], "io.tend.Transfer.NoSuchUpload")
        r = self.call("io.tend.Transfer.Backup", {"path": "relative.mdb"})
        self.assertEqual(r["error"], "io.tend.Service.InvalidValue")
        r = self.call("io.tend.Transfer.Export", {"types": ["nonsense"]})
        self.assertEqual(r["error"], "io.tend.Service.InvalidValue")
        r = self.call("io.tend.Transfer.Import", {"records": [1, "x"]})
        self.assertEqual(r["error"], "org.varlink.service.InvalidParameter")
        # Garbage records are reported, never fatal.
        r = self.call("io.tend.Transfer.Import", {"records": [
            {"type": "x"}, {}, {"type": "contact"}, {"type": "contact", "name": 5},
            {"type": "interaction", "contact": "nope"}, {"type": "tombstone", "uuid": "x"}]})
        self.assertEqual(r["parameters"]["report"]["errors"], 6)
        self.assertEqual(self.json("ls"), [])
        # An upload survives between calls and is gone after Import.
        with VarlinkSocket(self.daemon.socket) as v:
            v.send({"method": "io.tend.Transfer.Upload",
                    "parameters": {"records": [{"type": "contact", "name": "A"}]}})
            up = v.recv()["parameters"]["upload"]
            v.send({"method": "io.tend.Transfer.Upload",
                    "parameters": {"upload": up, "records": [{"type": "contact", "name": "B"}]}})
            self.assertEqual(v.recv()["parameters"]["records"], 2)
            v.send({"method": "io.tend.Transfer.Import", "parameters": {"upload": up}})
            self.assertEqual(v.recv()["parameters"]["report"]["contacts"]["added"], 2)
            v.send({"method": "io.tend.Transfer.Cancel", "parameters": {"upload": up}})
            self.assertEqual(v.recv()["error"], "io.tend.Transfer.NoSuchUpload")
        info = self.call("org.varlink.service.GetInfo")
        self.assertIn("io.tend.Transfer", info["parameters"]["interfaces"])


class ExportTests(TransferTestCase):
    def test_json_round_trip_is_byte_identical(self):
        self.seed()
        first = self.export_json()
        kinds = {r["type"] for r in records(first)}
        self.assertTrue({"tend", "contact", "interaction", "tombstone"} <= kinds, kinds)
        if "goal" in kinds:
            self.assertTrue({"goal_link", "introduction", "setting"} <= kinds, kinds)
        path = os.path.join(self.root, "all.jsonl")
        with open(path, "w") as f:
            f.write(first)
        other = self.other_daemon("restored")
        report = json.loads(self.run_in(other, "--json", "import", path).stdout)
        self.assertEqual(report["errors"], 0)
        self.assertEqual(self.export_json(other), first)
        # --out writes the same bytes.
        out = os.path.join(self.root, "again.jsonl")
        self.run_in(other, "export", "--format", "json", "--out", out)
        with open(out) as f:
            self.assertEqual(f.read(), first)
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)

    def test_vcard_round_trip_keeps_every_field(self):
        self.seed()
        self.ok("snooze", "jane", "2031-01-01")
        vcf = os.path.join(self.root, "all.vcf")
        self.ok("export", "--format", "vcard", "--out", vcf)
        with open(vcf, "rb") as f:
            raw = f.read()
        for line in raw.split(b"\r\n"):
            self.assertLessEqual(len(line), 75)
            line.decode("utf-8")
        other = self.other_daemon("from-vcard")
        self.run_in(other, "import", vcf)

        def contacts(text):
            out = {}
            for r in records(text):
                if r["type"] == "contact":
                    out[r["uuid"]] = {k: v for k, v in r.items() if k not in NOT_IN_VCARD}
            return out
        self.maxDiff = None
        self.assertEqual(contacts(self.export_json(other)), contacts(self.export_json()))

    def test_khard_lists_the_vcard_directory(self):
        if not shutil.which("khard"):
            self.skipTest("khard is not installed")
        self.seed()
        book = os.path.join(self.root, "book")
        self.ok("export", "--format", "vcard", "--out", book + "/")
        files = sorted(os.listdir(book))
        uuids = sorted(c["uuid"] + ".vcf" for c in self.json("ls"))
        self.assertEqual(files, uuids)
        conf = os.path.join(self.root, "khard")
        os.makedirs(conf)
        with open(os.path.join(conf, "khard.conf"), "w") as f:
            f.write("[addressbooks]\n[[tend]]\npath = %s\n" % book)
        env = dict(self.daemon.env, XDG_CONFIG_HOME=self.root)
        p = subprocess.run(["khard", "list"], env=env, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        for name in ("Jane Doe", "Sam Lee", "Ada Lovelace", "Hopper"):
            self.assertIn(name, p.stdout)
        p = subprocess.run(["khard", "email", "--parsable"], env=env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        emails = {line.split("\t")[0]: line.split("\t")[1] for line in p.stdout.splitlines()
                  if "\t" in line}
        self.assertEqual(emails.get("jane@example.com"), "Jane Doe")
        self.assertEqual(emails.get("ada@work.example"), "Ada Lovelace")
        self.assertEqual(emails.get("ada@home.example"), "Ada Lovelace")

    def test_ics_follow_ups(self):
        self.seed()
        ics = os.path.join(self.root, "followups.ics")
        p = self.json("export", "--format", "ics", "--out", ics)
        # Jane and Sam have follow-ups (VTODOs); the birthdays are yearly VEVENTs.
        with open(ics, "rb") as f:
            events = f.read().count(b"BEGIN:VEVENT")
        self.assertEqual(p["records"], 2 + events)
        with open(ics, "rb") as f:
            raw = f.read()
        try:
            import icalendar
        except ImportError:
            icalendar = None
        if icalendar:
            cal = icalendar.Calendar.from_ical(raw)
            todos = [c for c in cal.walk("VTODO")]
            self.assertEqual(len(todos), 2)
            jane = [t for t in todos if "Jane" in str(t["SUMMARY"])][0]
            self.assertEqual(jane["DUE"].dt.utcoffset().total_seconds(), 0)
            self.assertIn("@tend", str(jane["UID"]))
            self.assertIsNotNone(jane.get("DTSTAMP"))
            alarm = jane.walk("VALARM")[0]
            self.assertEqual(str(alarm["ACTION"]), "DISPLAY")
            self.assertIn("Knows everyone in robotics;", str(jane["DESCRIPTION"]))
        if shutil.which("calcurse"):
            cdir = os.path.join(self.root, "calcurse")
            os.makedirs(cdir)
            p = subprocess.run(["calcurse", "-D", cdir, "-i", ics], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("2 todos", p.stdout)
            self.assertIn("0 skipped", p.stdout)
            p = subprocess.run(["calcurse", "-D", cdir, "-t"], capture_output=True, text=True,
                               timeout=60)
            self.assertIn("Follow up with Jane Doe", p.stdout)
            self.assertIn("Follow up with Sam Lee", p.stdout)


class BackupTests(TransferTestCase):
    def test_backup_restore(self):
        self.seed()
        before = self.export_json()
        backup = os.path.join(self.root, "tend.backup")
        p = self.json("backup", backup)
        self.assertEqual(p["path"], backup)
        self.assertGreater(os.path.getsize(backup), 0)
        # The daemon kept serving: a write right after works.
        self.ok("add", "After Backup")
        if shutil.which("mdb_stat"):
            st = subprocess.run(["mdb_stat", "-n", "-a", backup], capture_output=True,
                                text=True, timeout=60)
            self.assertEqual(st.returncode, 0, st.stderr)
            self.assertIn("contacts", st.stdout)
        # Not onto the store tendd is serving.
        p = self.tend("restore", backup, "--force", check=1)
        self.assertIn("running", p.stderr)
        # Into a new data directory, then a daemon starts on it with the backed-up data.
        new = Daemon(os.path.join(self.root, "new"))
        p = self.tend("restore", backup, "--data-dir", new.data, check=0)
        d = new.start()
        self.addCleanup(lambda: d.alive() and d.stop())
        self.assertEqual(self.export_json(d), before)
        self.assertEqual(d.stop(), 0)
        # A second restore there needs --force and keeps the old store.
        self.tend("restore", backup, "--data-dir", new.data, check=1)
        self.tend("restore", backup, "--data-dir", new.data, "--force", check=0)
        self.assertTrue(os.path.exists(os.path.join(new.data, "data.mdb.before-restore")))
        # Not a backup at all.
        junk = os.path.join(self.root, "junk")
        with open(junk, "w") as f:
            f.write("x" * 100)
        self.tend("restore", junk, "--data-dir", os.path.join(self.root, "x"), check=1)

    def test_backup_to_bad_places(self):
        self.tend("backup", self.root, check=1)
        self.tend("backup", "/nonexistent-dir/x.mdb", check=1)


if __name__ == "__main__":
    unittest.main()
