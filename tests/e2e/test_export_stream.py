"""End to end: the streamed export. tendd sends an export in pieces (Export with "more"), each
made as the client reads the one before, all from one snapshot of the store: an export
larger than any one message works, equals the single-reply export record for record, and
does not see writes made while it runs. A client that goes away mid-export costs nothing."""

import json
import os

from tendtest import TendTestCase, VarlinkSocket

PEOPLE = 6000  # with their notes, over 4 MiB of JSON (4 times the 1 MiB message limit)


class ExportStreamTests(TendTestCase):
    def populate(self):
        cards = ["BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person %05d\r\nEMAIL:p%05d@example.com\r\n"
                 "NOTE:%s\r\nEND:VCARD\r\n" % (i, i, "n%05d " % i * 120) for i in range(PEOPLE)]
        report = self.json("import", "-", input="".join(cards))
        self.assertEqual(report["contacts"]["added"], PEOPLE)
        for who in ("1", "2", str(PEOPLE)):
            self.ok("log", who, "call", "talked about the stream")

    def pieces(self, sock):
        replies = []
        while True:
            r = sock.recv()
            self.assertIsNotNone(r, "tendd closed the export")
            self.assertNotIn("error", r, r)
            replies.append(r)
            if not r.get("continues"):
                return replies

    def records(self, replies):
        return [rec for r in replies for rec in r["parameters"]["records"]]

    def test_streamed_export_equals_the_single_reply(self):
        with VarlinkSocket(self.daemon.socket) as v:
            v.send({"method": "io.tend.Transfer.Export", "more": True})
            streamed = self.pieces(v)
        single = self.call("io.tend.Transfer.Export")["parameters"]["records"]
        self.assertGreater(len(streamed), 5)
        self.assertEqual(self.records(streamed), single)
        total = sum(len(json.dumps(r)) for r in streamed)
        self.assertGreater(total, 4 << 20)
        self.assertLess(max(len(json.dumps(r)) for r in streamed), 1 << 20)
        # The client writes the same JSON lines either way.
        lines = self.ok("export").stdout.splitlines()
        self.assertEqual([json.loads(l) for l in lines], single)
        out = os.path.join(self.root, "all.jsonl")
        self.assertIn("Exported %d records" % (len(single) - 1), self.ok("export", "--out", out).stdout)
        with open(out) as f:
            self.assertEqual(f.read().splitlines(), lines)

    def test_lines_equal_the_records(self):
        """Export with lines (what `tend export` asks for): the same records as JSON lines,
        compact with sorted keys, in pieces under the message limit, counted."""
        single = self.call("io.tend.Transfer.Export")["parameters"]["records"]
        dumped = "".join(json.dumps(r, separators=(",", ":"), sort_keys=True,
                                    ensure_ascii=False) + "\n" for r in single)
        with VarlinkSocket(self.daemon.socket) as v:
            v.send({"method": "io.tend.Transfer.Export", "more": True,
                    "parameters": {"lines": True}})
            streamed = self.pieces(v)
        self.assertGreater(len(streamed), 5)
        self.assertNotIn("records", streamed[0]["parameters"])
        self.assertEqual("".join(r["parameters"]["lines"] for r in streamed), dumped)
        self.assertEqual(sum(r["parameters"]["count"] for r in streamed), len(single))
        self.assertLess(max(len(json.dumps(r)) for r in streamed), 1 << 20)
        # Without "more": one reply, the same text.
        whole = self.call("io.tend.Transfer.Export", {"lines": True})["parameters"]
        self.assertEqual(whole["lines"], dumped)
        self.assertEqual(whole["count"], len(single))
        # With types, and a bad value of lines is refused.
        only = self.call("io.tend.Transfer.Export", {"lines": True, "types": ["interaction"]})
        self.assertEqual(only["parameters"]["count"], 4)  # the header and three calls
        bad = self.call("io.tend.Transfer.Export", {"lines": "yes"})
        self.assertEqual(bad.get("error"), "org.varlink.service.InvalidParameter")

    def test_export_is_one_snapshot_while_writes_go_on(self):
        before = self.call("io.tend.Transfer.Export")["parameters"]["records"]
        with VarlinkSocket(self.daemon.socket) as v:
            v.send({"method": "io.tend.Transfer.Export", "more": True})
            first = v.recv()
            self.assertTrue(first.get("continues"))
            # Writes at both ends of the store while the export waits for its reader.
            self.ok("add", "Late Person", "--email", "late@example.com")
            self.ok("rm", str(PEOPLE - 1), "--yes")
            self.ok("log", str(PEOPLE), "coffee", "after the export began")
            self.ok("edit", "2", "--name", "Renamed Meanwhile")
            rest = self.pieces(v)
        self.assertEqual(self.records([first] + rest), before)
        after = self.call("io.tend.Transfer.Export")["parameters"]["records"]
        self.assertNotEqual(after, before)

    def test_vcard_directory_and_ics_stream(self):
        d = os.path.join(self.root, "cards") + "/"
        self.assertIn("Exported %d contacts" % PEOPLE,
                      self.ok("export", "--format", "vcard", "--out", d).stdout)
        self.assertEqual(len([f for f in os.listdir(d) if f.endswith(".vcf")]), PEOPLE)
        self.assertEqual([f for f in os.listdir(d) if ".tmp-" in f], [])
        ics = self.ok("export", "--format", "ics").stdout
        self.assertTrue(ics.startswith("BEGIN:VCALENDAR"))
        self.assertEqual(ics.count("BEGIN:VCALENDAR"), 1)
        self.assertTrue(ics.rstrip().endswith("END:VCALENDAR"))

    def test_a_client_that_leaves_mid_export(self):
        for _ in range(3):
            v = VarlinkSocket(self.daemon.socket)
            v.send({"method": "io.tend.Transfer.Export", "more": True})
            self.assertTrue(v.recv().get("continues"))
            v.sock.close()
        self.assertEqual(self.json("status")["contacts"], PEOPLE)
        self.ok("add", "After Everyone")
        self.assertEqual(self.json("check")["problems"], 0)


if __name__ == "__main__":
    import unittest
    unittest.main()
