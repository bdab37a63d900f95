"""End to end: a big import goes to tendd in pipelined Upload calls (one in flight while the
client parses the next piece) carrying JSON lines; errors mid-way, strict rejections after
several pieces, and the daemon's handling of pipelined calls with an error in between."""

import json
import os
import socket
import threading
import unittest

from tendtest import TendTestCase, VarlinkSocket


def cards(n, broken_at=None, note=900):
    out = []
    for i in range(n):
        if i == broken_at:
            out.append("BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:nobody\r\nEND:VCARD\r\n")
            continue
        out.append("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person %05d\r\nEMAIL:p%05d@example.com\r\n"
                   "NOTE:%s \"quoted\" back\\\\slash\r\nEND:VCARD\r\n" % (i, i, "x" * note))
    return "".join(out)


class OlderTendd:
    """A proxy in front of the real tendd that answers like a tendd from before Import's quiet
    parameter: org.varlink.service.InvalidParameter for a call that has it (as any tendd does
    for a parameter it does not know), everything else passed through."""

    def __init__(self, path, upstream):
        self.path, self.upstream, self.refused = path, upstream, 0
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(path)
        self.listener.listen()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            up = socket.socket(socket.AF_UNIX)
            up.connect(self.upstream)
            threading.Thread(target=self.pump, args=(up, client), daemon=True).start()
            threading.Thread(target=self.calls, args=(client, up), daemon=True).start()

    @staticmethod
    def pump(src, dst):
        while True:
            data = src.recv(65536)
            if not data:
                dst.close()
                return
            dst.sendall(data)

    def calls(self, client, up):
        buf = b""
        while True:
            data = client.recv(65536)
            if not data:
                up.close()
                return
            buf += data
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                call = json.loads(msg)
                if "quiet" in call.get("parameters", {}):
                    self.refused += 1
                    client.sendall(json.dumps({
                        "error": "org.varlink.service.InvalidParameter",
                        "parameters": {"parameter": "quiet"}}).encode() + b"\0")
                else:
                    up.sendall(msg + b"\0")

    def close(self):
        self.listener.close()


class PipelineTests(TendTestCase):
    def test_an_older_tendd_without_quiet_still_imports(self):
        """After a package upgrade the running tendd may be older than tend: an Import it
        refuses for `quiet` is sent again without it; the upload is still there."""
        proxy = OlderTendd(os.path.join(self.root, "older.sock"), self.daemon.socket)
        try:
            p = self.tend("--socket", proxy.path, "import", "-", input=cards(3000), check=0)
            self.assertIn("3000 added", p.stdout)
            self.assertEqual(proxy.refused, 1)
            # A small import (its records go with the Import call itself) too.
            small = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Small One\r\nEND:VCARD\r\n"
                     "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Small Two\r\nEND:VCARD\r\n")
            p = self.tend("--socket", proxy.path, "import", "-", input=small, check=0)
            self.assertIn("2 added", p.stdout)
            self.assertEqual(proxy.refused, 2)
        finally:
            proxy.close()
        self.assertEqual(self.json("status")["contacts"], 3002)

    def test_strict_rejection_after_several_pieces_writes_nothing(self):
        self.ok("add", "Existing Person", "--email", "e@example.com")
        text = cards(4000, broken_at=3990)  # ~4 MB: five or more Upload calls
        self.assertGreater(len(text), 3 << 20)
        p = self.tend("import", "--strict", "-", input=text, check=1)
        self.assertIn("line", p.stdout + p.stderr)
        self.assertEqual(self.json("status")["contacts"], 1)
        self.assertEqual([c["name"] for c in self.json("ls")], ["Existing Person"])
        # Without --strict the broken card is reported and the rest goes in, in one piece.
        report = self.json("import", "-", input=text)
        self.assertEqual(report["contacts"]["added"], 3999)
        self.assertEqual(report["errors"], 1)
        broken = [i for i in report["items"] if i["action"] == "error"]
        self.assertEqual(len(broken), 1)
        self.assertEqual(broken[0]["line"], 3990 * 6 + 1)
        self.assertEqual(self.json("status")["contacts"], 4000)
        c = self.json("show", "p00007@example.com")
        self.assertTrue(c["notes"].endswith('x "quoted" back\\slash'), c["notes"])

    def test_client_reports_an_upload_refused_and_writes_nothing(self):
        # Every upload slot taken by another client: the first Upload of the import is refused.
        with VarlinkSocket(self.daemon.socket) as v:
            for _ in range(4):
                v.send({"method": "io.tend.Transfer.Upload", "parameters": {"lines": ""}})
                self.assertIn("upload", v.recv()["parameters"])
            p = self.tend("import", "-", input=cards(3000), check=1)
            self.assertIn("tend:", p.stderr)
        self.assertEqual(self.json("status")["contacts"], 0)

    def test_pipelined_calls_with_an_error_in_between(self):
        lines = "\n".join(json.dumps({"type": "contact", "name": "L%d" % i, "line": i + 1})
                          for i in range(3))
        with VarlinkSocket(self.daemon.socket) as v:
            v.send({"method": "io.tend.Transfer.Upload", "parameters": {"lines": lines}})
            up = v.recv()["parameters"]["upload"]
            # Three calls sent before any reply is read; the middle one fails.
            v.send({"method": "io.tend.Transfer.Upload",
                    "parameters": {"upload": up, "lines": '{"type":"contact","name":"M"}'}})
            v.send({"method": "io.tend.Transfer.Upload",
                    "parameters": {"upload": "nope", "lines": '{"type":"contact","name":"X"}'}})
            v.send({"method": "io.tend.Transfer.Upload",
                    "parameters": {"upload": up, "records": [{"type": "contact", "name": "N"}],
                                   "lines": '{"type":"contact","name":"O"}\n{broken\n'}})
            self.assertEqual(v.recv()["parameters"]["records"], 4)
            self.assertEqual(v.recv()["error"], "io.tend.Transfer.NoSuchUpload")
            self.assertEqual(v.recv()["parameters"]["records"], 7)
            v.send({"method": "io.tend.Transfer.Import", "parameters": {"upload": up}})
            report = v.recv()["parameters"]["report"]
        self.assertEqual(report["contacts"]["added"], 6)
        self.assertEqual(report["errors"], 1)
        self.assertEqual(sorted(c["name"] for c in self.json("ls")),
                         ["L0", "L1", "L2", "M", "N", "O"])
        r = self.call("io.tend.Transfer.Upload", {})
        self.assertEqual(r["error"], "io.tend.Service.InvalidValue")


if __name__ == "__main__":
    unittest.main()
