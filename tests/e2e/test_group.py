"""End to end: one interaction with several people (tend log --with) and the agenda. The group
record resets everyone's rhythm, shows once in each history, and an edit or a removal acts on it
for all; the agenda shows in show and due, and the next touch clears it into its record."""

from tendtest import TendTestCase


class GroupTests(TendTestCase):
    def setUp(self):
        super().setUp()
        for name in ("Ann Lee", "Bo Chen", "Cy Diaz"):
            self.ok("add", name, "--every", "30d")

    def test_one_record_everyone_reset(self):
        out = self.ok("log", "ann", "--with", "bo", "--with", "cy", "meeting", "roadmap").stdout
        self.assertIn("with Ann Lee", out)
        self.assertIn("Bo Chen", out)
        ids = set()
        for who in ("ann", "bo", "cy"):
            h = self.json("history", who)
            self.assertEqual(len(h), 1, (who, h))
            self.assertEqual(h[0]["kind"], "meeting")
            self.assertEqual(h[0]["note"], "roadmap")
            self.assertEqual(len(h[0]["with"]), 2)
            ids.add(h[0]["id"])
            c = self.json("show", who)
            self.assertEqual(c["last_kind"], "meeting")
            self.assertEqual(c["interaction_count"], 1)
        self.assertEqual(len(ids), 1)
        self.assertIn("with Ann Lee, Cy Diaz", self.ok("history", "bo").stdout)
        # One interaction: counted once among the kinds.
        kinds = {k["kind"]: k["count"] for k in self.json("kinds")}
        self.assertEqual(kinds["meeting"], 1)
        # The store's own check agrees: one id, one count, every entry where it belongs.
        self.ok("check")

    def test_edit_and_rm_act_on_all(self):
        i = self.json("log", "ann", "--with", "bo", "call", "first")["interaction"]
        self.ok("interaction", "edit", str(i["id"]), "--note", "second", "--kind", "meeting")
        for who in ("ann", "bo"):
            [h] = self.json("history", who)
            self.assertEqual((h["note"], h["kind"]), ("second", "meeting"))
        self.ok("interaction", "edit", str(i["id"]), "--at", "2 days ago")
        for who in ("ann", "bo"):
            [h] = self.json("history", who)
            self.assertEqual(h["at"], self.json("history", "ann")[0]["at"])
        self.ok("interaction", "rm", str(i["id"]), "--yes")
        for who in ("ann", "bo"):
            self.assertEqual(self.json("history", who), [])
            self.assertIsNone(self.json("show", who)["last_interaction"])
        self.assertEqual(len(self.json("history", "cy")), 0)

    def test_undo_and_removed_participant(self):
        self.ok("log", "ann", "--with", "bo", "--with", "cy", "meeting")
        self.ok("undo")
        for who in ("ann", "bo", "cy"):
            self.assertEqual(self.json("history", who), [])
            self.assertIsNone(self.json("show", who)["last_interaction"])
        self.ok("redo")
        self.assertEqual(len(self.json("history", "cy")), 1)
        i = self.json("history", "ann")[0]
        # Someone removed leaves the others' record; an edit does not bring them back.
        self.ok("rm", "cy", "--yes")
        self.ok("interaction", "edit", str(i["id"]), "--note", "after")
        [h] = self.json("history", "ann")
        self.assertEqual([w["name"] for w in h["with"]], ["Bo Chen"])
        self.assertEqual(self.json("history", "bo")[0]["note"], "after")

    def test_find_and_merge(self):
        self.ok("log", "ann", "--with", "bo", "meeting", "quarterly zeppelin review")
        found = {c["name"] for c in self.json("find", "zeppelin")}
        self.assertEqual(found, {"Ann Lee", "Bo Chen"})
        # Merging a participant into someone else keeps the record whole.
        self.ok("add", "Bo C.", "--new")
        self.ok("merge", "Bo C.", "Bo Chen")
        self.assertEqual(len(self.json("history", "ann")), 1)
        self.ok("undo")
        self.assertEqual(len(self.json("history", "Bo Chen")), 1)

    def test_with_self_or_twice_counts_once(self):
        self.ok("log", "ann", "--with", "bo", "--with", "Bo Chen", "--with", "ann", "coffee")
        self.assertEqual(len(self.json("history", "bo")), 1)
        self.assertEqual(len(self.json("history", "ann")[0]["with"]), 1)

    def test_agenda_cleared_by_next_touch(self):
        self.ok("agenda", "ann", "ask about the move")
        self.assertIn("ask about the move", self.ok("agenda", "ann").stdout)
        self.assertEqual(self.json("show", "ann")["agenda"], "ask about the move")
        self.assertIn("Agenda", self.ok("show", "ann").stdout)
        self.ok("edit", "ann", "--due", "yesterday")
        self.assertIn("ask about the move", self.ok("due").stdout)
        self.ok("agenda", "bo", "the offsite")
        self.ok("log", "ann", "--with", "bo", "coffee")
        self.assertIsNone(self.json("show", "ann")["agenda"])
        self.assertIsNone(self.json("show", "bo")["agenda"])
        agenda = self.json("history", "ann")[0]["agenda"]
        self.assertIn("ask about the move", agenda)
        self.assertIn("the offsite", agenda)
        # Export and import carry the group and the agenda kept in the record.
        out = self.root + "/g.json"
        self.ok("export", "--format", "json", "--out", out)
        other = GroupTests("test_agenda_cleared_by_next_touch")
        TendTestCase.setUp(other)
        self.addCleanup(other.tearDown)
        other.ok("import", out)
        [h] = other.json("history", "bo")
        self.assertEqual([w["name"] for w in h["with"]], ["Ann Lee"])
        self.assertIn("the offsite", h["agenda"])
        self.assertEqual(len(other.json("history", "ann")), 1)
        self.ok("agenda", "cy", "x")
        self.ok("agenda", "cy", "--clear")
        self.assertIsNone(self.json("show", "cy")["agenda"])
