"""End to end: the exit status of every command is one a script can trust (tend(1), EXIT
STATUS): 0 success, 1 the request failed, 2 a usage error (nothing sent to tendd), 3 tendd
unreachable. Every verb of the command table is covered, so a new command needs a row here."""

import json
import os
import subprocess
import unittest

from tendtest import TEND, TendTestCase

# verb: (arguments that succeed, arguments that fail with 1), each run on the store set up in
# setUp (Ann, Bob and Zed; goal "Raise a seed round"). None: no such case for that verb.
CASES = {
    "add": (["add", "Cy New"], ["add", "Dup", "--email", "ann@example.com"]),
    "show": (["show", "ann"], ["show", "nobody"]),
    "edit": (["edit", "ann", "--org", "Acme"], ["edit", "nobody", "--org", "Acme"]),
    "rm": (["rm", "zed", "--yes"], ["rm", "nobody", "--yes"]),
    "ls": (["ls"], None),
    "find": (["find", "ann"], None),
    "log": (["log", "ann", "call"], ["log", "nobody", "call"]),
    "history": (["history", "ann"], ["history", "nobody"]),
    "interaction": (None, ["interaction", "rm", "999999", "--yes"]),
    "kinds": (["kinds"], None),
    "agenda": (["agenda", "ann", "the move"], ["agenda", "nobody", "x"]),
    "date": (["date", "add", "ann", "anniversary", "06-20"], ["date", "rm", "ann", "nope"]),
    "dates": (["dates"], None),
    "merge": (None, ["merge", "ann", "nobody"]),
    "dupes": (["dupes"], None),
    "undo": (["undo"], None),  # the setup's last change
    "redo": (["redo"], None),
    "due": (["due"], None),
    "snooze": (["snooze", "ann", "3d"], ["snooze", "nobody", "3d"]),
    "done": (["done", "ann"], ["done", "nobody"]),
    "watch": (None, None),  # runs until interrupted; usage and unreachable only
    "status": (["status"], None),
    "plan": (["plan"], None),
    "goal": (["goal", "show", "seed"], ["goal", "show", "nope"]),
    "prospect": (["prospect", "add", "Pat Lee"], ["prospect", "next", "nobody"]),
    "intro": (["intro", "ann", "bob"], ["intro", "rm", "99", "--yes"]),
    "knows": (["knows", "ann", "bob"], ["knows", "ann", "nobody"]),
    "path": (["path", "bob"], ["path", "nobody"]),
    "graph": (["graph"], None),
    "org": (["org", "Acme"], None),
    "ledger": (["ledger"], ["ledger", "nobody"]),
    "health": (["health"], None),
    "profile": (["profile", "set", "founder"], None),
    "me": (["me"], None),
    "import": (["import", "good.vcf"], ["import", "broken.vcf"]),
    "export": (["export", "--format", "json"], ["export", "--out", "/nonexistent/dir/x"]),
    "backup": (["backup", "copy.tend"], ["backup", "/nonexistent/dir/copy.tend"]),
    "restore": (None, ["restore", "copy.tend"]),  # tendd is running: refused
    "sync": (["sync", "status"], ["sync", "resolve", "/nonexistent/a", "/nonexistent/b"]),
    "capture": (["capture", "status"], ["capture", "ignore", "nobody at all"]),
    "conflicts": (["conflicts"], None),
    "demo": (None, ["demo"]),  # the store has people: refused
    "check": (["check"], None),  # a damaged store: tests/unit/test_store_check.c
    "help": (["help", "add"], None),
}

# Verbs that never talk to tendd, so cannot find it unreachable.
LOCAL = {"help", "restore"}

# Blank names and titles are one usage error everywhere.
BLANK_NAMES = [
    ["add", ""], ["add", "   "], ["add", "\t"],
    ["edit", "ann", "--name", ""], ["edit", "ann", "--name", "  "],
    ["prospect", "add", "  "], ["goal", "add", " "], ["show", "  "], ["find", " "],
    ["intro", "ann", " "], ["me", "offers", "  "],
]

GOOD_CARD = "BEGIN:VCARD\nVERSION:3.0\nFN:Good Card\nEND:VCARD\n"
BROKEN_CARD = "BEGIN:VCARD\nVERSION:3.0\nN:;;;\nEND:VCARD\n"


def verbs():
    p = subprocess.run([TEND, "--help"], capture_output=True, text=True, timeout=30)
    listed, section = [], False
    for line in p.stdout.splitlines():
        if line == "Commands:":
            section = True
        elif section and not line.strip():
            break
        elif section:
            listed.append(line.split()[0])
    return listed


class ExitCodeTests(TendTestCase):
    def setUp(self):
        super().setUp()
        self.ok("add", "Ann Example", "--email", "ann@example.com")
        self.ok("add", "Bob Example")
        self.ok("add", "Zed Example")
        self.ok("goal", "add", "Raise a seed round")
        self.ok("backup", os.path.join(self.root, "copy.tend"))
        for name, text in (("good.vcf", GOOD_CARD), ("broken.vcf", BROKEN_CARD + BROKEN_CARD),
                           ("partial.vcf", GOOD_CARD + BROKEN_CARD)):
            with open(os.path.join(self.root, name), "w") as f:
                f.write(text)

    def run_in_root(self, args, extra_env=None):
        e = dict(self.daemon.env)
        e.update(extra_env or {})
        return subprocess.run([TEND, *args], env=e, cwd=self.root, capture_output=True,
                              text=True, timeout=60)

    def assertExit(self, args, code, **kw):
        p = self.run_in_root(args, **kw)
        self.assertEqual(p.returncode, code, "tend %s\nstdout: %s\nstderr: %s"
                         % (" ".join(args), p.stdout, p.stderr))
        return p

    def test_every_command_has_a_row(self):
        self.assertEqual(sorted(verbs()), sorted(CASES))

    def test_success_is_0_and_failure_is_1(self):
        for verb, (ok, fail) in CASES.items():
            with self.subTest(verb=verb):
                if ok:
                    self.assertExit(ok, 0)
                if fail:
                    p = self.assertExit(fail, 1)
                    self.assertTrue(p.stderr.startswith("tend: "), p.stderr)

    def test_usage_error_is_2(self):
        for verb in CASES:
            with self.subTest(verb=verb):
                p = self.assertExit([verb, "--no-such-option"], 2)
                self.assertIn("unknown option", p.stderr)
        self.assertExit(["no-such-command"], 2)
        self.assertExit(["log", "ann"], 2)               # a missing argument
        self.assertExit(["log", "ann", "call", "--at", "someday"], 2)
        self.assertExit(["snooze", "ann", "whenever"], 2)

    def test_unreachable_is_3(self):
        for verb, (ok, fail) in CASES.items():
            args = ok or fail
            if verb in LOCAL or not args:
                continue
            with self.subTest(verb=verb):
                p = self.assertExit(["--socket", "/nonexistent/tendd.sock", *args], 3)
                self.assertIn("cannot reach tendd", p.stderr)
        self.assertExit(["--socket", "/nonexistent/tendd.sock", "watch"], 3)

    def json_error(self, args, code):
        """Run with --json: the exit status is code and stderr is one JSON error object."""
        p = self.assertExit(["--json", *args], code)
        lines = p.stderr.splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        err = json.loads(lines[0])
        self.assertEqual(sorted(err), ["error", "message", "parameters"])
        self.assertTrue(err["error"].startswith("io.tend."), err)
        self.assertTrue(err["message"], err)
        self.assertIsInstance(err["parameters"], dict)
        return err

    def test_json_errors(self):
        for verb, (ok, fail) in CASES.items():
            with self.subTest(verb=verb):
                err = self.json_error([verb, "--no-such-option"], 2)
                self.assertEqual(err["error"], "io.tend.Client.Usage")
                self.assertEqual(err["parameters"], {"command": verb})
                if fail:
                    err = self.json_error(fail, 1)
                    self.assertNotEqual(err["error"], "io.tend.Client.Usage")
                if verb not in LOCAL and (ok or fail):
                    err = self.json_error(["--socket", "/nonexistent/s", *(ok or fail)], 3)
                    self.assertEqual(err["error"], "io.tend.Client.NoDaemon")
                    self.assertEqual(err["parameters"]["socket"], "/nonexistent/s")
        # tendd's own errors keep their names and parameters.
        err = self.json_error(["show", "nobody"], 1)
        self.assertEqual(err["error"], "io.tend.Contacts.NoSuchContact")
        self.assertEqual(err["parameters"], {"who": "nobody"})
        self.ok("add", "Ann Other")
        err = self.json_error(["show", "ann"], 1)
        self.assertEqual(err["error"], "io.tend.Contacts.AmbiguousContact")
        self.assertEqual(len(err["parameters"]["candidates"]), 2)
        # --json after the command, and an error found before the parser reaches it.
        err = self.json_error(["ls", "--bogus", "--json"], 2)
        self.assertEqual(err["error"], "io.tend.Client.Usage")
        err = self.json_error(["add", "  "], 2)
        self.assertIn("empty", err["message"])
        # Imports: every record broken, and --strict.
        err = self.json_error(["import", "broken.vcf"], 1)
        self.assertEqual(err, {"error": "io.tend.Client.NothingImported",
                               "message": "every record was broken (2); nothing was imported",
                               "parameters": {"broken": 2}})
        err = self.json_error(["import", "--strict", "partial.vcf"], 1)
        self.assertEqual(err["error"], "io.tend.Transfer.ImportRejected")
        self.assertEqual(err["parameters"]["report"]["errors"], 1)

    def test_blank_names_are_usage_errors(self):
        for args in BLANK_NAMES:
            with self.subTest(args=args):
                p = self.assertExit(args, 2)
                self.assertIn("empty", p.stderr)

    def test_import_all_broken_fails_partial_succeeds(self):
        p = self.assertExit(["import", "broken.vcf"], 1)
        self.assertIn("2 broken", p.stdout)
        self.assertIn("every record was broken", p.stderr)
        self.assertExit(["import", "--dry-run", "broken.vcf"], 1)
        p = self.assertExit(["--json", "import", "broken.vcf"], 1)
        self.assertEqual(json.loads(p.stdout)["errors"], 2)
        p = self.assertExit(["import", "partial.vcf"], 0)
        self.assertIn("1 added", p.stdout)
        self.assertIn("1 broken", p.stdout)
        self.assertIn("line 5", p.stdout)

    def test_strict_import_is_readable(self):
        p = self.assertExit(["import", "--strict", "partial.vcf"], 1)
        self.assertNotIn("{", p.stderr)
        self.assertIn("1 broken record; with --strict nothing was imported", p.stderr)
        self.assertIn("line 5", p.stdout)
        self.assertEqual(len(self.json("ls")), 3)


if __name__ == "__main__":
    unittest.main()
