"""The man pages stay in step with the programs: every tendd.conf key `tendd --check-config`
prints is documented in tendd.conf(5) under its section, the page's example is a valid
configuration, and every tendd option is in tendd(8). (tend(1) is checked against the
command table in test_completion.)"""

import os
import re
import subprocess
import tempfile
import unittest

from tendtest import TENDD

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def page(name):
    with open(os.path.join(SOURCE, "docs", name + ".scd")) as f:
        return f.read()


class DocsTests(unittest.TestCase):
    def effective_settings(self):
        p = subprocess.run([TENDD, "--check-config", "/dev/null"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        keys, section = [], None
        for line in p.stdout.splitlines():
            m = re.match(r"^\[(\w+)\]$", line)
            if m:
                section = m.group(1)
                continue
            m = re.match(r"^#?\s*(\w+)\s*=", line)
            if m and section:
                keys.append((section, m.group(1)))
        self.assertGreater(len(keys), 5, p.stdout)
        return keys

    def test_every_config_key_is_documented(self):
        text = page("tendd.conf.5")
        sections = {m.group(1): m.start() for m in re.finditer(r"^# SECTION \[(\w+)\]$", text,
                                                               re.M)}
        missing = []
        for section, key in self.effective_settings():
            if section not in sections:
                missing.append("[%s]" % section)
                continue
            start = sections[section]
            end = min([p for p in sections.values() if p > start] + [len(text)])
            if not re.search(r"^\*%s\* = " % re.escape(key), text[start:end], re.M):
                missing.append("[%s] %s" % (section, key))
        self.assertEqual(missing, [], "not in docs/tendd.conf.5.scd")

    def test_example_is_valid(self):
        text = page("tendd.conf.5")
        example = text.split("# EXAMPLE", 1)[1].split("```")[1]
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write(example.lstrip("\n"))
            f.flush()
            p = subprocess.run([TENDD, "--check-config", f.name], capture_output=True,
                               text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("preferred_time = 08:30", p.stdout)

    def test_every_tendd_option_is_documented(self):
        out = subprocess.run([TENDD, "--help"], capture_output=True, text=True).stdout
        text = page("tendd.8")
        options = re.findall(r"(?m)^\s+(?:-\w, )?(--[\w-]+)", out)
        self.assertGreater(len(options), 3, out)
        for o in options:
            self.assertIn("*%s*" % o, text)


if __name__ == "__main__":
    unittest.main()
