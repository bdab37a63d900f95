"""`cmake --install BUILD --prefix DIR` lays out a complete tree under DIR: binaries, user
units naming the installed tendd, man pages and completions; nothing lands outside DIR."""

import os
import re
import subprocess
import tempfile
import unittest

from tendtest import TENDD

BUILD = os.path.dirname(os.path.dirname(os.path.abspath(TENDD)))


def cache():
    """The build's CMake cache as a dict."""
    values = {}
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        for line in f:
            m = re.match(r"^([A-Za-z_0-9]+):[A-Z]+=(.*)$", line.rstrip("\n"))
            if m:
                values[m.group(1)] = m.group(2)
    return values


class InstallTests(unittest.TestCase):
    def test_prefix_install_is_complete(self):
        with tempfile.TemporaryDirectory(prefix="tend-install-") as d:
            prefix = os.path.join(d, "x")
            p = subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            files = sorted(os.path.relpath(os.path.join(r, f), prefix)
                           for r, _, fs in os.walk(prefix) for f in fs)
            c = cache()
            want_files = ["bin/tend", "bin/tendd", "share/man/man1/tend.1",
                          "share/man/man8/tendd.8", "share/man/man5/tendd.conf.5"]
            # Directories packagers may point elsewhere: expected where configured (relative
            # to the prefix; the defaults are lib/systemd/user, share/bash-completion/...).
            for var, names in [("TEND_USER_UNIT_DIR", ["tendd.service", "tendd.socket"]),
                               ("TEND_BASH_COMPLETION_DIR", ["tend"]),
                               ("TEND_ZSH_COMPLETION_DIR", ["_tend"]),
                               ("TEND_FISH_COMPLETION_DIR", ["tend.fish"])]:
                d_ = c[var]
                # An absolute path under the configured prefix follows --prefix (CMake rule).
                if d_.startswith(c["CMAKE_INSTALL_PREFIX"] + "/"):
                    d_ = d_[len(c["CMAKE_INSTALL_PREFIX"]) + 1:]
                self.assertFalse(os.path.isabs(d_), "%s=%s escapes the prefix" % (var, d_))
                c[var] = d_
                want_files += [os.path.join(d_, n) for n in names]
            for want in want_files:
                self.assertIn(want, files)
            # Every installed path is under the prefix (install reports absolute paths).
            for line in p.stdout.splitlines():
                m = re.match(r"-- (?:Installing|Up-to-date): (.*)", line)
                if m:
                    self.assertTrue(m.group(1).startswith(prefix + "/"), line)
            with open(os.path.join(prefix, c["TEND_USER_UNIT_DIR"], "tendd.service")) as f:
                self.assertIn("ExecStart=%s/bin/tendd\n" % prefix, f.read())
            for exe in ("bin/tend", "bin/tendd"):
                self.assertTrue(os.access(os.path.join(prefix, exe), os.X_OK))
            out = subprocess.run([os.path.join(prefix, "bin/tendd"), "--version"],
                                 capture_output=True, text=True).stdout
            self.assertRegex(out, r"^tendd \d+\.\d+")
            page = subprocess.run(["man", "-l", "-Tutf8",
                                   os.path.join(prefix, "share/man/man1/tend.1")],
                                  capture_output=True, text=True,
                                  env=dict(os.environ, MANPAGER="cat", PAGER="cat"))
            if page.returncode == 0:
                self.assertIn("EXIT STATUS", re.sub(".\x08", "", page.stdout))


if __name__ == "__main__":
    unittest.main()
