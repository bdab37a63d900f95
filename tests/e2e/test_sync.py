"""Two machines kept in step through a real CardDAV server: Radicale on loopback, vdirsyncer,
and a tendd per machine mirroring its store into a vdir ([sync] vdir)."""

import json
import os
import shutil
import signal
import subprocess
import time
import unittest

from synctest import SyncTestCase
from tendtest import TendTestCase, WAIT, wait_until


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def interaction_id(machine, who, note):
    for i in machine.json("history", who):
        if i.get("note") == note:
            return str(i["id"])
    raise AssertionError("no interaction %r of %s" % (note, who))


class SyncTests(SyncTestCase):

    def test_everything_done_on_a_reaches_b_and_back(self):
        a, b = self.m["a"], self.m["b"]
        a.tend("add", "Ada Lovelace", "--email", "ada@example.com", "--network", "personal",
               "--note", "likes engines, and poetry; a lot")
        a.tend("add", "Bob Smith", "--email", "bob@example.com", "--every", "2w")
        a.tend("add", "Robert Smith", "--email", "robert@example.com", "--org", "ACME")
        a.tend("add", "Carol Doe", "--tag", "gone-soon")
        a.tend("edit", "ada", "--title", "Countess", "--tag", "math")
        a.tend("edit", "ada", "--org", "A wrong org")
        a.tend("undo")
        a.tend("log", "ada", "coffee", "first coffee", "--gave", "a book")
        a.tend("log", "ada", "call", "a call to fix")
        a.tend("log", "ada", "email", "an email to forget")
        a.tend("log", "Robert Smith", "meeting", "met robert")
        a.tend("interaction", "edit", interaction_id(a, "ada", "a call to fix"), "--note",
               "a call, fixed")
        a.tend("interaction", "rm", interaction_id(a, "ada", "an email to forget"), "--yes")
        a.tend("rm", "Carol Doe", "--yes")
        a.tend("merge", "Bob Smith", "Robert Smith")
        a.tend("date", "add", "ada", "anniversary", "2015-06-01")
        a.tend("agenda", "ada", "ask about the engine drawings")

        a.sync()
        b.sync()
        exp = self.assertSame(a, b)
        # Important dates and the agenda travel too.
        self.assertEqual([d["label"] for d in b.json("date", "ls", "ada")["dates"]],
                         ["anniversary"])
        self.assertEqual(b.json("show", "ada")["agenda"], "ask about the engine drawings")
        names = sorted(c["name"] for c in exp["contacts"].values())
        self.assertEqual(names, ["Ada Lovelace", "Bob Smith"])
        notes = sorted(i.get("note", "") for i in exp["interactions"].values())
        self.assertEqual(notes, ["a call, fixed", "first coffee", "met robert"])
        bob = [c for c in exp["contacts"].values() if c["name"] == "Bob Smith"][0]
        self.assertIn("robert@example.com", bob["emails"])
        self.assertEqual(b.json("show", "Bob Smith")["org"], "ACME")

        # The other way: B edits, logs and deletes; A gets all of it.
        b.tend("edit", "ada", "--org", "Analytical Engines", "--note", "")
        b.tend("log", "bob", "lunch", "lunch on b")
        b.tend("interaction", "rm", interaction_id(b, "ada", "first coffee"), "--yes")
        b.tend("add", "Dan Brown")
        b.sync()
        a.sync()
        exp = self.assertSame(a, b)
        ada = [c for c in exp["contacts"].values() if c["name"] == "Ada Lovelace"][0]
        self.assertEqual(ada["org"], "Analytical Engines")
        self.assertEqual(ada["title"], "Countess")
        self.assertNotIn("notes", ada)
        notes = sorted(i.get("note", "") for i in exp["interactions"].values())
        self.assertEqual(notes, ["a call, fixed", "lunch on b", "met robert"])
        # A deleted person stays deleted: no ghost card comes back from the server.
        a.sync()
        b.sync()
        self.assertEqual(sorted(c["name"] for c in self.assertSame(a, b)["contacts"].values()),
                         ["Ada Lovelace", "Bob Smith", "Dan Brown"])
        for m in (a, b):
            self.assertEqual(m.json("sync", "status")["errors"], [])

    def test_concurrent_edits(self):
        a, b = self.m["a"], self.m["b"]
        a.tend("add", "Ada Lovelace", "--email", "ada@example.com")
        a.sync()
        b.sync()
        # Different fields: both are kept.
        a.tend("edit", "ada", "--title", "Countess")
        b.tend("edit", "ada", "--org", "Analytical Engines")
        a.tend("log", "ada", "coffee", "coffee on a")
        b.tend("log", "ada", "call", "call on b")
        a.sync()
        b.sync()
        a.sync()
        exp = self.assertSame(a, b)
        ada = list(exp["contacts"].values())[0]
        self.assertEqual((ada.get("title"), ada.get("org")), ("Countess", "Analytical Engines"))
        self.assertEqual(sorted(i["note"] for i in exp["interactions"].values()),
                         ["call on b", "coffee on a"])
        self.assertEqual(a.json("conflicts")["conflicts"], [])

        # The same field: a conflict both machines list, nothing dropped.
        a.tend("edit", "ada", "--title", "Mathematician")
        b.tend("edit", "ada", "--title", "Enchantress of Numbers")
        a.sync()
        b.sync()
        a.sync()
        self.assertSame(a, b)
        for m in (a, b):
            conflicts = m.json("conflicts")["conflicts"]
            self.assertEqual(len(conflicts), 1, conflicts)
            self.assertEqual(conflicts[0]["field"], "title")
            kept = json.loads(conflicts[0]["value"])
            other = json.loads(conflicts[0]["other"])
            self.assertEqual(sorted([kept, other]), ["Enchantress of Numbers", "Mathematician"])
            self.assertEqual(m.json("sync", "status")["conflicts"], 1)
        # tend edit settles it, on both machines after a sync.
        b.tend("edit", "ada", "--title", "Mathematician")
        b.sync()
        a.sync()
        self.assertSame(a, b)
        for m in (a, b):
            self.assertEqual(m.json("conflicts")["conflicts"], [])

    def test_khard_edit_reaches_the_other_machine(self):
        a, b = self.m["a"], self.m["b"]
        a.tend("add", "Ada Lovelace", "--email", "ada@example.com")
        a.tend("log", "ada", "coffee", "kept through khard")
        a.sync()
        b.sync()
        shown = b.khard("show", "--format", "yaml", "Ada")
        self.assertEqual(shown.returncode, 0, shown.stderr)
        template = os.path.join(b.root, "ada.yaml")
        with open(template, "w") as f:
            f.write("\n".join("Organisation: Analytical Engines" if line.startswith(
                "Organisation:") else line for line in shown.stdout.splitlines()) + "\n")
        edited = b.khard("edit", "-i", template, "Ada", input="y\n")
        self.assertEqual(edited.returncode, 0, edited.stdout + edited.stderr)
        wait_until(lambda: b.json("show", "ada").get("org") == "Analytical Engines",
                   what="B's tendd to import khard's edit")
        b.sync()
        a.sync()
        self.assertEqual(a.json("show", "ada").get("org"), "Analytical Engines")
        exp = self.assertSame(a, b)
        self.assertEqual([i["note"] for i in exp["interactions"].values()],
                         ["kept through khard"])

    def test_interrupted_syncs_lose_nothing(self):
        a, b = self.m["a"], self.m["b"]
        for n in range(60):
            a.tend("add", "Person %02d" % n, "--email", "p%02d@example.com" % n)
        a.settle()
        # vdirsyncer killed mid-run, then run again.
        p = subprocess.Popen(["vdirsyncer", "-c", a.vdirsyncer_config, "sync"],
                             env=a.daemon.env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        wait_until(lambda: self.radicale.count() > 0 or p.poll() is not None,
                   what="the upload to start")
        p.kill()
        p.wait()
        a.sync()
        self.assertEqual(self.radicale.count(), 60)

        # tendd killed while importing, started again.
        b.vdirsyncer("sync")
        b.daemon.proc.kill()
        b.daemon.proc.wait()
        b.daemon.log.close()
        b.daemon.start()
        b.settle()
        self.assertSame(a, b)

        # A half-written file is named and skipped, then read once complete.
        with open(os.path.join(a.vdir, "Person 00.vcf".replace(" ", "")), "w") as f:
            f.write("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:0b9c2f7e-8c1e-4b7a-9a51-")
        wait_until(lambda: any("line" in e["reason"] or "UID" in e["reason"]
                               for e in a.json("sync", "status")["errors"]),
                   what="the half-written file to be named")
        with open(os.path.join(a.vdir, "Person00.vcf"), "w") as f:
            f.write("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:0b9c2f7e-8c1e-4b7a-9a51-"
                    "2d3c4b5a6f70\r\nFN:Half Written\r\nEND:VCARD\r\n")
        wait_until(lambda: a.tend("show", "Half Written", check=None).returncode == 0,
                   what="the completed file to be imported")
        a.sync()
        b.sync()
        self.assertSame(a, b)
        self.assertEqual(len(b.export()["contacts"]), 61)

    def _names(self, exp):
        return sorted(c["name"] for c in exp["contacts"].values())

    def _notes_of(self, exp, name):
        uuid = [u for u, c in exp["contacts"].items() if c["name"] == name][0]
        return sorted(i.get("note", "") for i in exp["interactions"].values()
                      if i["contact"] == uuid)

    def test_undo_of_a_synced_merge_reaches_the_other_machine(self):
        a, b = self.m["a"], self.m["b"]
        a.tend("add", "Bob Smith", "--email", "bob@example.com", "--tag", "friend")
        a.tend("add", "Robert Smith", "--email", "robert@example.com", "--org", "ACME",
               "--tag", "work")
        a.tend("log", "Bob Smith", "coffee", "coffee with bob")
        a.tend("log", "Robert Smith", "meeting", "met robert")
        a.tend("log", "Robert Smith", "call", "called robert")
        a.sync()
        b.sync()
        before = self.assertSame(a, b)
        met_on_b = interaction_id(b, "Robert Smith", "met robert")

        a.tend("merge", "Bob Smith", "Robert Smith")
        a.sync()
        b.sync()
        exp = self.assertSame(a, b)
        self.assertEqual(self._names(exp), ["Bob Smith"])
        self.assertEqual(self._notes_of(exp, "Bob Smith"),
                         ["called robert", "coffee with bob", "met robert"])

        # Undone on A: Robert is back with his own interactions and emails, on B too.
        a.tend("undo")
        a.sync()
        b.sync()
        exp = self.assertSame(a, b)
        self.assertEqual(self._names(exp), ["Bob Smith", "Robert Smith"])
        self.assertEqual(self._notes_of(exp, "Bob Smith"), ["coffee with bob"])
        self.assertEqual(self._notes_of(exp, "Robert Smith"), ["called robert", "met robert"])
        self.assertEqual(exp["contacts"], before["contacts"])
        self.assertEqual(sorted(exp["interactions"]), sorted(before["interactions"]))
        bob = b.json("show", "Bob Smith")
        self.assertEqual(bob["emails"], ["bob@example.com"])
        self.assertEqual(b.json("show", "Robert Smith")["emails"], ["robert@example.com"])
        # The same records came back to him on B, not copies.
        self.assertEqual(interaction_id(b, "Robert Smith", "met robert"), met_on_b)

        # Redo: B merges again.
        a.tend("redo")
        a.sync()
        b.sync()
        exp = self.assertSame(a, b)
        self.assertEqual(self._names(exp), ["Bob Smith"])
        self.assertEqual(self._notes_of(exp, "Bob Smith"),
                         ["called robert", "coffee with bob", "met robert"])
        self.assertIn("robert@example.com", b.json("show", "Bob Smith")["emails"])
        # Nothing comes back at the next rounds, either way.
        b.sync()
        a.sync()
        b.sync()
        exp = self.assertSame(a, b)
        self.assertEqual(self._names(exp), ["Bob Smith"])
        self.assertEqual(len(exp["interactions"]), 3)
        for m in (a, b):
            self.assertEqual(m.json("sync", "status")["errors"], [])

    def test_undo_of_a_synced_removal_brings_the_person_back(self):
        a, b = self.m["a"], self.m["b"]
        a.tend("add", "Carol Doe", "--email", "carol@example.com")
        a.tend("add", "Ada Lovelace")
        a.tend("log", "Carol Doe", "coffee", "coffee with carol")
        a.sync()
        b.sync()
        before = self.assertSame(a, b)
        a.tend("rm", "Carol Doe", "--yes")
        a.sync()
        b.sync()
        self.assertEqual(self._names(self.assertSame(a, b)), ["Ada Lovelace"])
        a.tend("undo")
        a.sync()
        b.sync()
        exp = self.assertSame(a, b)
        self.assertEqual(exp["contacts"], before["contacts"])
        self.assertEqual(self._notes_of(exp, "Carol Doe"), ["coffee with carol"])
        b.sync()
        a.sync()
        self.assertEqual(self._names(self.assertSame(a, b)), ["Ada Lovelace", "Carol Doe"])

    def test_hostile_files_are_named_and_skipped(self):
        a = self.m["a"]
        a.tend("add", "Ada Lovelace")
        a.settle()
        os.symlink("/etc/passwd", os.path.join(a.vdir, "link.vcf"))
        with open(os.path.join(a.vdir, "huge.vcf"), "wb") as f:
            f.write(b"BEGIN:VCARD\r\n" + b"NOTE:" + b"x" * (2 << 20) + b"\r\nEND:VCARD\r\n")
        with open(os.path.join(a.vdir, "nouid.vcf"), "w") as f:
            f.write("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:No Uid\r\nEND:VCARD\r\n")
        with open(os.path.join(a.vdir, "garbage.vcf"), "wb") as f:
            f.write(b"\xff\x00BEGIN:VCARD\x00" * 100)
        a.settle()
        wait_until(lambda: len(a.json("sync", "status")["errors"]) >= 4,
                   what="four files named")
        errors = {e["file"]: e["reason"] for e in a.json("sync", "status")["errors"]}
        self.assertIn("symbolic link", errors["link.vcf"])
        self.assertIn("1 MiB", errors["huge.vcf"])
        self.assertIn("UID", errors["nouid.vcf"])
        self.assertIn("garbage.vcf", errors)
        self.assertTrue(a.daemon.alive())
        self.assertEqual([c["name"] for c in a.json("ls")], ["Ada Lovelace"])
        for name in os.listdir(a.vdir):
            if not os.path.islink(os.path.join(a.vdir, name)) and name.count("-") == 4:
                self.assertEqual(os.stat(os.path.join(a.vdir, name)).st_mode & 0o777, 0o600)
        out = a.tend("sync", "status").stdout
        self.assertIn("link.vcf", out)


class FollowUpTests(SyncTestCase):
    """Each machine notifies; done on one withdraws the other's notification at the next
    sync, and nothing is shown twice on one machine."""

    def machine_bus(self, root):
        from bustest import PrivateBus
        bus = PrivateBus(root, "session")
        self.buses.append(bus)
        return bus.address

    def setUp(self):
        try:
            import dbus  # noqa: F401  (python3-dbus, as for test_notify)
        except ImportError:
            self.skipTest("python3-dbus is not installed")
        self.buses = []
        super().setUp()
        from bustest import NotificationMock
        self.servers = {name: NotificationMock(bus) for name, bus in zip(self.machines,
                                                                          self.buses)}

    def tearDown(self):
        try:
            super().tearDown()
        finally:
            for server in getattr(self, "servers", {}).values():
                server.stop()
            for bus in self.buses:
                bus.close()

    def test_done_on_one_machine_withdraws_the_other_notification(self):
        a, b = self.m["a"], self.m["b"]
        a.tend("add", "Dana Due", "--every", "2w", "--due", "+3s")
        a.sync()
        b.sync()
        shown_a = self.servers["a"].wait_notifies(1)
        shown_b = self.servers["b"].wait_notifies(1)
        self.assertIn("Dana Due", json.dumps(shown_a[0]) + json.dumps(shown_b[0]))
        b_id = self._notify_id(self.servers["b"])
        a.tend("done", "dana")
        a.sync()
        b.sync()
        closed = wait_until(lambda: self.servers["b"].calls("CloseNotification"),
                            what="B to withdraw its notification")
        self.assertEqual(closed[0][1][0], b_id)
        # Done on A moved the follow-up on B too; B shows nothing again for it.
        self.assertEqual(a.json("show", "dana").get("next_due"),
                         b.json("show", "dana").get("next_due"))
        b.settle()
        self.assertEqual(len(self.servers["b"].notifies()), 1)
        self.assertSame(a, b)

    @staticmethod
    def _notify_id(server):
        # dbusmock's notification_daemon numbers notifications from 1 in call order.
        return len(server.notifies()) if server.notifies() else None


class ResolveTests(TendTestCase):
    """tend sync resolve: vdirsyncer's conflict_resolution command."""

    CARD = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:0b9c2f7e-8c1e-4b7a-9a51-2d3c4b5a6f70\r\n"
            "FN:Ada Lovelace\r\n%sX-TEND-REVS:{\"name\":[10]\\,\"title\":[%s]\\,\"org\":[%s]}\r\n"
            "END:VCARD\r\n")

    def write(self, name, text):
        path = os.path.join(self.root, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_two_versions_become_one_with_the_conflict_shown(self):
        a = self.write("a.vcf", self.CARD % ("TITLE:Countess\r\nORG:Engines\r\n", "20,10", "10"))
        b = self.write("b.vcf", self.CARD % ("TITLE:Enchantress\r\nORG:Babbage & Co\r\n",
                                             "30,10", "40,10"))
        p = self.tend("sync", "resolve", a, b, check=0)
        self.assertIn("1 field changed on both sides", p.stderr)
        merged = read(a)
        self.assertEqual(merged, read(b))
        self.assertIn("ORG:Babbage & Co", merged)            # only b changed it: b's
        self.assertIn("TITLE:Enchantress", merged)           # both: the newer is kept...
        self.assertIn("X-TEND-CONFLICT;X-FIELD=title", merged)  # ...and the other shown
        self.assertIn("Countess", merged)
        other = self.write("other.vcf", (self.CARD % ("", "1", "1")).replace("0b9c", "1b9c"))
        self.tend("sync", "resolve", a, other, check=1)


class IcsTests(TendTestCase):
    """[sync] ics: one VTODO per follow-up, one way; needs no server."""

    start_daemon = False

    def test_follow_ups_as_icalendar_files(self):
        vdir, ics = os.path.join(self.root, "vdir"), os.path.join(self.root, "ics")
        os.makedirs(os.path.join(self.root, "config", "tend"))
        with open(os.path.join(self.root, "config", "tend", "tendd.conf"), "w") as f:
            f.write("[sync]\nvdir = %s\nics = %s\nexclude = notes, ledger\n" % (vdir, ics))
        self.daemon.start()
        ada = self.json("add", "Ada Lovelace", "--due", "2030-01-02", "--note", "private")
        self.json("add", "Bob Smith")
        self.json("log", "ada", "coffee", "--gave", "a book")
        self.json("sync", "now")
        path = os.path.join(ics, ada["uuid"] + ".ics")
        text = read(path)
        self.assertIn("BEGIN:VTODO", text)
        self.assertIn("SUMMARY:Follow up with Ada Lovelace", text)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        self.assertEqual(len(os.listdir(ics)), 1)  # Bob has no follow-up
        # What [sync] exclude keeps local is not in the card.
        card = read(os.path.join(vdir, ada["uuid"] + ".vcf"))
        self.assertNotIn("private", card)
        self.assertNotIn("a book", card)
        self.assertIn("X-TEND-INTERACTION:", card)
        self.ok("rm", "ada", "--yes")
        self.json("sync", "now")
        self.assertEqual(os.listdir(ics), [])
        self.assertEqual(os.listdir(vdir), [self.json("show", "bob")["uuid"] + ".vcf"])


class FirstExportTests(TendTestCase):
    """The first export of a big store into an empty vdir goes a slice at a time: clients are
    answered meanwhile, and a tendd killed half-way finishes the vdir when started again."""

    start_daemon = False
    PEOPLE = 5000

    def setUp(self):
        super().setUp()
        self.vdir = os.path.join(self.root, "vdir")
        self.state = os.path.join(self.daemon.data, "sync")
        cards = os.path.join(self.root, "people.vcf")
        with open(cards, "w") as f:
            for n in range(self.PEOPLE):
                f.write("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Person %05d\r\n"
                        "EMAIL:p%05d@example.com\r\nNOTE:%s\r\nEND:VCARD\r\n"
                        % (n, n, "a note to render " * 8))
        self.daemon.start()
        self.ok("import", cards)
        self.assertEqual(self.daemon.stop(), 0)
        os.makedirs(os.path.join(self.root, "config", "tend"), exist_ok=True)
        with open(os.path.join(self.root, "config", "tend", "tendd.conf"), "w") as f:
            f.write("[sync]\nvdir = %s\n" % self.vdir)

    @staticmethod
    def cards(folder):
        try:
            return [f for f in os.listdir(folder) if f.endswith(".vcf") and f[0] != "."]
        except FileNotFoundError:
            return []

    def assertComplete(self):
        names = sorted(self.cards(self.vdir))
        self.assertEqual(len(names), self.PEOPLE)
        self.assertEqual(sorted(self.cards(self.state)), names)
        for name in names:
            text = read(os.path.join(self.vdir, name))
            self.assertIn("UID:urn:uuid:" + name[:-4] + "\n", text)  # read() folds CRLF
            self.assertTrue(text.endswith("END:VCARD\n"), name)
        strays = [f for d in (self.vdir, self.state) for f in os.listdir(d) if f[0] == "."]
        self.assertEqual(strays, [])
        self.assertEqual(self.json("status")["contacts"], self.PEOPLE)
        self.assertEqual(self.json("sync", "status")["errors"], [])

    def test_clients_are_answered_while_the_first_export_runs(self):
        self.daemon.start()
        # Answered before the export is done: the vdir is still incomplete at the reply.
        self.assertEqual(len(self.json("ls", "--limit", "1")), 1)
        self.assertLess(len(self.cards(self.vdir)), self.PEOPLE)
        self.ok("status")
        self.assertLess(len(self.cards(self.vdir)), self.PEOPLE)
        # A change meanwhile, to someone the walk has not reached yet and to one it passed.
        self.ok("edit", "Person 04999", "--org", "Late Edit")
        wait_until(lambda: len(self.cards(self.vdir)) > 0, what="the first cards")
        self.ok("edit", "Person 00000", "--org", "Early Edit")
        wait_until(lambda: len(self.cards(self.vdir)) == self.PEOPLE and
                   len(self.cards(self.state)) == self.PEOPLE, what="the whole vdir")
        self.json("sync", "now")
        self.assertComplete()
        for who, org in (("Person 04999", "Late Edit"), ("Person 00000", "Early Edit")):
            uuid = self.json("show", who)["uuid"]
            self.assertIn("ORG:" + org, read(os.path.join(self.vdir, uuid + ".vcf")))

    def test_killed_half_way_the_vdir_is_completed_at_the_next_start(self):
        self.daemon.start()
        wait_until(lambda: len(self.cards(self.vdir)) > 0, what="the first cards")
        self.assertLess(len(self.cards(self.vdir)), self.PEOPLE)
        self.daemon.proc.kill()
        self.daemon.proc.wait()
        self.daemon.log.close()
        self.assertLess(len(self.cards(self.vdir)), self.PEOPLE)
        self.daemon.start()
        self.json("sync", "now")
        self.assertComplete()
        # Nothing reads as deleted: a second round changes nothing.
        self.json("sync", "now")
        self.assertComplete()


@unittest.skipIf(not shutil.which("strace"), "not installed: strace")
class DurableTests(TendTestCase):
    """vdir files are durable once written: the temporary files' data is flushed before they
    are renamed over their names, and each folder is synced after the renames of a batch."""

    start_daemon = False

    def test_cards_are_flushed_before_the_rename_and_the_folder_after(self):
        vdir = os.path.join(self.root, "vdir")
        os.makedirs(os.path.join(self.root, "config", "tend"))
        with open(os.path.join(self.root, "config", "tend", "tendd.conf"), "w") as f:
            f.write("[sync]\nvdir = %s\n" % vdir)
        self.daemon.start()
        self.json("sync", "now")
        out = os.path.join(self.root, "strace.txt")
        st = subprocess.Popen(["strace", "-f", "-y", "-o", out, "-e",
                               "trace=fsync,fdatasync,syncfs,rename,renameat,renameat2",
                               "-p", str(self.daemon.proc.pid)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        first = st.stderr.readline()
        if "Operation not permitted" in first:
            st.wait()
            self.skipTest("ptrace is not permitted here: " + first.strip())
        try:
            ada = self.json("add", "Ada Lovelace")
            self.json("add", "Bob Smith")
            self.json("sync", "now")
            wait_until(lambda: os.path.exists(os.path.join(vdir, ada["uuid"] + ".vcf")),
                       what="Ada's card")
        finally:
            st.terminate()
            st.communicate(timeout=WAIT)
        with open(out) as f:
            calls = [line.split(None, 1)[1] for line in f if " = " in line]
        renames = [i for i, c in enumerate(calls) if c.startswith("rename")
                   and ("/" + ada["uuid"] + ".vcf\"") in c]
        self.assertTrue(renames, "no rename of Ada's card:\n" + "".join(calls))
        first_rename, last_rename = renames[0], renames[-1]
        flushed = [c for c in calls[:first_rename] if c.startswith(("syncfs", "fsync",
                                                                    "fdatasync"))]
        self.assertTrue(flushed, "nothing flushed before the rename:\n" + "".join(calls))
        dirs = [c for c in calls[last_rename:] if c.startswith("fsync(")
                and (vdir + ">") in c]
        self.assertTrue(dirs, "the vdir was not synced after the rename:\n" + "".join(calls))


if __name__ == "__main__":
    unittest.main()
