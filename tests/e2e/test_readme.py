"""End to end: README.md's tour runs as written.

Every command in the ```sh blocks between "## A tour" and "## Installing" is run, top to
bottom, by bash in a sandbox with its own HOME (the working directory is the source tree, as
for someone who just cloned it; `tend` and `tendd` on PATH are this build's). Each must exit
0, except a line whose comment starts with "# refused", which must exit 1: the README and the
program cannot drift apart."""

import os
import re
import subprocess
import unittest

from tendtest import TEND, TENDD, TendTestCase

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
README = os.path.join(SOURCE, "README.md")


def tour_commands():
    text = open(README, encoding="utf-8").read()
    start, end = text.index("## A tour"), text.index("## Installing")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text[start:end], re.S):
        pending = ""
        for line in block.splitlines():
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            line = pending + line
            pending = ""
            if line.strip() and not line.lstrip().startswith("#"):
                commands.append(line.strip())
    return commands


class ReadmeTourTests(TendTestCase):
    def test_the_tour_runs_as_written(self):
        commands = tour_commands()
        self.assertGreater(len(commands), 30, "the tour lost its commands")
        bindir = os.path.join(self.root, "bin")
        os.makedirs(bindir)
        os.symlink(os.path.abspath(TEND), os.path.join(bindir, "tend"))
        os.symlink(os.path.abspath(TENDD), os.path.join(bindir, "tendd"))
        env = dict(self.daemon.env)
        env["PATH"] = bindir + ":/usr/bin:/bin"
        env.pop("COLUMNS", None)
        for cmd in commands:
            refused = re.search(r"#\s*refused", cmd) is not None
            with self.subTest(command=cmd):
                p = subprocess.run(["bash", "-c", cmd], cwd=SOURCE, env=env, text=True,
                                   stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
                want = 1 if refused else 0
                self.assertEqual(p.returncode, want,
                                 "%s\nstdout:\n%s\nstderr:\n%s" % (cmd, p.stdout, p.stderr))
        # It wrote only under HOME (and nothing in the source tree).
        st = subprocess.run(["git", "-C", SOURCE, "status", "--porcelain", "--ignored", "--",
                             "network.svg", "everything.jsonl", "followups.ics"],
                            capture_output=True, text=True)
        self.assertEqual(st.stdout.strip(), "")
        self.assertTrue(os.path.exists(os.path.join(self.root, "network.svg")))


if __name__ == "__main__":
    unittest.main()
