"""End to end: output that fits the terminal. On a pseudo-terminal (the pty module) output longer
than the screen goes through $PAGER, shorter output and --no-pager do not, and a pipe never
does; notes and reasons wrap to the terminal's width; counts read right ("1 follow-up")."""

import fcntl
import os
import pty
import select
import stat
import struct
import subprocess
import termios
import unittest

from tendtest import TEND, TendTestCase

# A pager that shows it ran: every line it is given comes out marked.
MARKING_PAGER = "sed 's/^/PAGED: /'"
LONG_NOTE = ("Met at the Rust meetup in Lisbon; wants an introduction to someone who runs "
             "platform teams, and offered to review our hiring loop next quarter.")


def read_all(fd, timeout=30):
    chunks = []
    while True:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise TimeoutError("no output from the terminal")
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the other side of the pty is closed
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode().replace("\r\n", "\n")


class TerminalTests(TendTestCase):
    def on_terminal(self, *args, rows=24, cols=80, env=None):
        """Run tend with stdout on a fresh pseudo-terminal of rows x cols; returns (exit
        status, what the terminal showed, stderr)."""
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        e = dict(self.daemon.env)
        e.pop("COLUMNS", None)
        e.pop("LINES", None)
        e.update(env or {})
        p = subprocess.Popen([TEND, *args], stdin=subprocess.DEVNULL, stdout=slave,
                             stderr=subprocess.PIPE, env=e, cwd=self.root)
        os.close(slave)
        try:
            shown = read_all(master)
        finally:
            os.close(master)
        err = p.stderr.read().decode()
        p.stderr.close()
        return p.wait(timeout=30), shown, err

    def add_people(self, n):
        for i in range(n):
            self.ok("add", "Person %02d" % i)

    def test_long_output_goes_through_the_pager(self):
        self.add_people(30)
        code, shown, err = self.on_terminal("ls", rows=10, env={"PAGER": MARKING_PAGER})
        self.assertEqual(code, 0, err)
        lines = shown.strip("\n").split("\n")
        self.assertEqual(len(lines), 31)  # header and 30 people
        self.assertTrue(all(line.startswith("PAGED: ") for line in lines), shown)

    def test_short_output_and_no_pager_are_printed(self):
        self.add_people(3)
        code, shown, err = self.on_terminal("ls", rows=10, env={"PAGER": MARKING_PAGER})
        self.assertEqual(code, 0, err)
        self.assertNotIn("PAGED", shown)
        self.assertIn("Person 02", shown)
        for i in range(3, 30):
            self.ok("add", "Person %02d" % i)
        for args in (("--no-pager", "ls"), ("ls", "--no-pager")):
            code, shown, err = self.on_terminal(*args, rows=10, env={"PAGER": MARKING_PAGER})
            self.assertEqual(code, 0, err)
            self.assertNotIn("PAGED", shown)
            self.assertIn("Person 29", shown)
        # An empty $PAGER pages nothing.
        code, shown, _ = self.on_terminal("ls", rows=10, env={"PAGER": ""})
        self.assertNotIn("PAGED", shown)
        self.assertIn("Person 29", shown)

    def test_pipe_is_never_paged(self):
        self.add_people(30)
        p = self.tend("ls", env={"PAGER": MARKING_PAGER, "LINES": "5"})
        self.assertEqual(p.returncode, 0)
        self.assertNotIn("PAGED", p.stdout)
        self.assertEqual(len(p.stdout.strip().split("\n")), 31)

    def test_default_pager_is_less(self):
        """Without $PAGER: less -FRX (a stand-in named less, first on the child's PATH)."""
        self.add_people(30)
        bindir = os.path.join(self.root, "bin")
        os.mkdir(bindir)
        less = os.path.join(bindir, "less")
        with open(less, "w") as f:
            f.write("#!/bin/sh\necho \"less $*\"\nexec cat\n")
        os.chmod(less, stat.S_IRWXU)
        env = {"PATH": bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin")}
        self.daemon.env.pop("PAGER", None)
        code, shown, err = self.on_terminal("ls", rows=10, env=env)
        self.assertEqual(code, 0, err)
        self.assertTrue(shown.startswith("less -FRX\n"), shown)
        self.assertIn("Person 29", shown)

    def test_a_missing_pager_still_shows_the_output(self):
        self.add_people(30)
        code, shown, _ = self.on_terminal("ls", rows=10,
                                          env={"PAGER": "no-such-pager-anywhere"})
        self.assertEqual(code, 0)
        self.assertIn("Person 00", shown)
        self.assertIn("Person 29", shown)

    def test_notes_wrap_to_the_terminal(self):
        self.ok("add", "Lena Fischer", "--note", LONG_NOTE)
        self.ok("log", "lena", "coffee", LONG_NOTE)
        for args in (("show", "lena"), ("history", "lena")):
            code, shown, err = self.on_terminal(*args, cols=64, env={"PAGER": MARKING_PAGER})
            self.assertEqual(code, 0, err)
            for line in shown.split("\n"):
                self.assertLessEqual(len(line), 64, "%s:\n%s" % (args, shown))
            words = " ".join(shown.split())
            self.assertIn(" ".join(LONG_NOTE.split()), words)
        # In show, the note's continuation lines start under its first line.
        _, shown, _ = self.on_terminal("show", "lena", cols=50)
        note = shown[shown.index("Notes:"):].split("\n")
        start = note[0].index("Met")
        self.assertTrue(note[1].startswith(" " * start) and note[1][start] != " ", shown)
        # Wide enough: one line, as before.
        _, shown, _ = self.on_terminal("show", "lena", cols=250)
        self.assertIn(LONG_NOTE, shown)

    def test_columns_wraps_a_pipe_too(self):
        self.ok("add", "Lena Fischer", "--note", LONG_NOTE)
        p = self.tend("show", "lena", env={"COLUMNS": "50"})
        self.assertTrue(all(len(line) <= 50 for line in p.stdout.split("\n")), p.stdout)
        p = self.tend("show", "lena")
        self.assertIn(LONG_NOTE, p.stdout)

    def test_plan_reasons_wrap(self):
        self.ok("add", "Olga Overdue-With-A-Rather-Long-Name", "--due", "3 days ago")
        code, shown, err = self.on_terminal("plan", cols=40)
        self.assertEqual(code, 0, err)
        reasons = [line for line in shown.split("\n") if line.startswith("   ")]
        self.assertTrue(reasons, shown)
        for line in reasons:
            self.assertLessEqual(len(line), 40, shown)

    def test_health_draws_bars_on_a_terminal(self):
        self.ok("add", "Ann Bar", "--network", "strategic")
        self.ok("log", "ann", "coffee")
        code, shown, err = self.on_terminal("health", env={"PAGER": MARKING_PAGER})
        self.assertEqual(code, 0, err)
        self.assertIn("  target    ", shown)
        self.assertIn("·", shown)
        self.assertNotIn("of your touches", shown)
        self.assertIn("of your touches", self.ok("health").stdout)

    def test_plurals(self):
        self.ok("add", "Solo Person", "--due", "tomorrow 10:00")
        out = os.path.join(self.root, "f.ics")
        p = self.ok("export", "--format", "ics", "--out", out)
        self.assertIn("Exported 1 follow-up to", p.stdout)
        p = self.ok("export", "--format", "vcard", "--out", os.path.join(self.root, "c.vcf"))
        self.assertIn("Exported 1 contact to", p.stdout)
        self.ok("add", "Second Person", "--due", "tomorrow 11:00")
        p = self.ok("export", "--format", "ics", "--out", out)
        self.assertIn("Exported 2 follow-ups to", p.stdout)
        p = self.ok("health")
        self.assertIn("2 people", p.stdout)
        self.assertNotIn("1 people", p.stdout)
        self.ok("rm", "second", "--yes")
        self.assertIn("1 person", self.ok("health").stdout)


if __name__ == "__main__":
    unittest.main()
