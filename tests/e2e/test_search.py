"""tend find across everything, folded: names, notes, how-met, brings, interaction notes
(and gave/got), goal titles and the why of goal links, with where each match is; WHO lookup
and the duplicate-name check with accents; the re-index of a schema-2 store on upgrade."""

import os
import shutil
import subprocess
import unittest

from tendtest import TendTestCase, WAIT

HERE = os.path.dirname(os.path.abspath(__file__))
STORE_V2 = os.path.join(HERE, "..", "data", "store-v2", "store.dump")

# Names, notes and words in several scripts.
CORPUS = [
    ("René Girard", ["--note", "Loves espresso at Café Nero"]),
    ("Siobhán Ní Bhriain", ["--how-met", "Dublin conference, 2019"]),
    ("Örjan Åström", ["--brings", "Straße planning and bridge design"]),
    ("Işık Yılmaz", []),
    ("Иван Петров", ["--note", "Говорит по-русски"]),
    ("Σωκράτης Παππάς", []),
    ("محمد علي", []),
    ("山田太郎", ["--note", "東京 office"]),
]


class SearchTests(TendTestCase):
    def setUp(self):
        super().setUp()
        for name, extra in CORPUS:
            self.ok("add", name, *extra)

    def found(self, *words):
        return [c["name"] for c in self.json("find", *words)]

    def test_names_fold_case_and_accents(self):
        self.assertEqual(self.found("Rene"), ["René Girard"])
        self.assertEqual(self.found("siobhan"), ["Siobhán Ní Bhriain"])
        self.assertEqual(self.found("ÖRJAN"), ["Örjan Åström"])
        self.assertEqual(self.found("orjan", "astrom"), ["Örjan Åström"])
        self.assertEqual(self.found("isik"), ["Işık Yılmaz"])
        self.assertEqual(self.found("IŞIK"), ["Işık Yılmaz"])
        self.assertEqual(self.found("иван"), ["Иван Петров"])
        self.assertEqual(self.found("ИВАН"), ["Иван Петров"])
        self.assertEqual(self.found("σωκρατης"), ["Σωκράτης Παππάς"])
        self.assertEqual(self.found("ΣΩΚΡΆΤΗΣ"), ["Σωκράτης Παππάς"])
        self.assertEqual(self.found("محمد"), ["محمد علي"])
        self.assertEqual(self.found("山田"), ["山田太郎"])
        self.assertEqual(self.found("nobody"), [])

    def test_fields_of_the_record_and_where(self):
        got = self.json("find", "cafe")
        self.assertEqual([c["name"] for c in got], ["René Girard"])
        self.assertEqual(got[0]["matched"], ["notes"])
        got = self.json("find", "dublin")
        self.assertEqual(got[0]["matched"], ["how_met"])
        got = self.json("find", "strasse")  # ß folds to ss
        self.assertEqual([c["name"] for c in got], ["Örjan Åström"])
        self.assertEqual(got[0]["matched"], ["brings"])
        self.assertEqual(self.found("говорит"), ["Иван Петров"])
        self.assertEqual(self.found("東京"), ["山田太郎"])
        # Every word must match, each anywhere: one in the name, one in the notes.
        self.assertEqual(self.found("rene", "espresso"), ["René Girard"])
        self.assertEqual(self.found("rene", "dublin"), [])
        human = self.ok("find", "cafe").stdout
        self.assertIn("René Girard — in notes", human)
        # ls --text is about the record only, as before.
        listed = self.call("io.tend.Contacts.List", {"text": "cafe"})["parameters"]["contacts"]
        self.assertEqual([c["name"] for c in listed], ["René Girard"])
        self.assertNotIn("matched", listed[0])

    def test_interaction_notes_gave_and_got(self):
        self.ok("log", "siobhan", "coffee", "Talked about the Øresund bridge and Zürich")
        self.ok("log", "ИВАН", "call", "--gave", "an intro to Ünal", "--got", "a pitch deck")
        got = self.json("find", "zurich")
        self.assertEqual([c["name"] for c in got], ["Siobhán Ní Bhriain"])
        hist = self.json("history", "siobhan")
        iid = hist[0]["id"] if isinstance(hist, list) else hist["interactions"][0]["id"]
        self.assertEqual(got[0]["matched"], ["interaction #%d" % iid])
        self.assertEqual(got[0]["matches"][0]["kind"], "coffee")
        self.assertIn("— in a coffee note, today", self.ok("find", "zurich").stdout)
        self.assertEqual(self.found("unal"), ["Иван Петров"])
        self.assertEqual(self.found("pitch", "deck"), ["Иван Петров"])
        # A word in the brings of one person and a note of another: both, each with its place.
        got = {c["name"]: c["matched"] for c in self.json("find", "bridge")}
        self.assertEqual(set(got), {"Siobhán Ní Bhriain", "Örjan Åström"})
        self.assertEqual(got["Örjan Åström"], ["brings"])
        # Editing and removing the interaction keeps the index in step.
        self.ok("interaction", "edit", str(iid), "--note", "Lunch in Malmö")
        self.assertEqual(self.found("zurich"), [])
        self.assertEqual(self.found("malmo"), ["Siobhán Ní Bhriain"])
        self.ok("interaction", "rm", str(iid), "--yes")
        self.assertEqual(self.found("malmo"), [])

    def test_goal_titles_and_why(self):
        self.ok("goal", "add", "Open the Zürich office")
        self.ok("goal", "link", "open", "rene", "--why", "knows every café owner in Genève")
        self.ok("goal", "link", "open", "иван")
        got = {c["name"]: c["matched"] for c in self.json("find", "zurich")}
        self.assertEqual(set(got), {"René Girard", "Иван Петров"})
        self.assertEqual(got["Иван Петров"], ["goal #1"])
        self.assertEqual(self.found("geneve"), ["René Girard"])
        self.assertIn("goal #1 why", self.json("find", "geneve")[0]["matched"])
        self.ok("goal", "unlink", "open", "rene")
        self.assertEqual(self.found("geneve"), [])
        self.assertEqual(self.found("zurich"), ["Иван Петров"])

    def test_undo_and_redo_keep_the_text_index(self):
        self.ok("log", "siobhan", "coffee", "Talked about Zürich")
        self.ok("undo")
        self.assertEqual(self.found("zurich"), [])
        self.ok("redo")
        self.assertEqual(self.found("zurich"), ["Siobhán Ní Bhriain"])
        self.ok("goal", "add", "Open the Genève office")
        self.ok("goal", "link", "open", "rene", "--why", "knows Lyon")
        self.assertEqual(self.found("geneve"), ["René Girard"])
        self.ok("undo")  # the link
        self.assertEqual(self.found("lyon"), [])
        self.assertEqual(self.found("geneve"), [])
        self.ok("redo")
        self.assertEqual(self.found("lyon"), ["René Girard"])
        self.ok("goal", "rm", "open", "--yes")
        self.assertEqual(self.found("geneve"), [])
        self.ok("undo")
        self.assertEqual(self.found("geneve"), ["René Girard"])

    def test_who_and_duplicate_names_fold(self):
        self.assertEqual(self.json("show", "rene girard")["name"], "René Girard")
        self.assertEqual(self.json("show", "siobhan")["name"], "Siobhán Ní Bhriain")
        self.assertEqual(self.json("show", "ORJAN")["name"], "Örjan Åström")
        p = self.tend("add", "Rene Girard")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("--new", p.stderr)
        p = self.tend("add", "SIOBHAN NI BHRIAIN")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.ok("add", "Rene Girard", "--new")
        groups = self.json("dupes")
        names = sorted(sorted(c["name"] for c in g["contacts"]) for g in groups)
        self.assertIn(["Rene Girard", "René Girard"], names)


class UpgradeTests(TendTestCase):
    """A store written by schema 2 (tests/data/store-v2, an mdb_dump of a store the previous
    tendd wrote) opens re-indexed: its keys folded, its history and goals searchable."""
    start_daemon = False

    def test_schema2_store_is_reindexed(self):
        mdb_load = shutil.which("mdb_load", path="/usr/bin:/bin")
        if not mdb_load:
            self.skipTest("mdb_load (lmdb-utils) is not installed")
        os.makedirs(self.daemon.data, exist_ok=True)
        subprocess.run([mdb_load, "-f", STORE_V2, self.daemon.data], check=True,
                       timeout=WAIT)
        self.daemon.start()
        self.assertEqual(self.found("rene"), ["René Girard"])
        self.assertEqual(self.found("siobhan"), ["Siobhán Ní Bhriain"])
        self.assertEqual(self.found("cafe"), ["René Girard"])
        self.assertEqual(self.json("find", "zurich")[0]["matched"][0][:13], "interaction #")
        self.assertEqual(self.found("office"), ["René Girard"])  # a goal title
        self.assertEqual(self.json("show", "orjan")["name"], "Örjan Åström")
        p = self.tend("add", "Rene Girard")
        self.assertEqual(p.returncode, 1, p.stderr)
        # The kind counts were re-keyed: the kind of the old interaction is still known.
        kinds = self.json("kinds")
        self.assertIn("coffee", str(kinds))
        # Writes after the upgrade keep the index in step.
        self.ok("log", "orjan", "call", "Planned a trip to Köln")
        self.assertEqual(self.found("koln"), ["Örjan Åström"])

    def found(self, *words):
        return [c["name"] for c in self.json("find", *words)]


if __name__ == "__main__":
    unittest.main()
