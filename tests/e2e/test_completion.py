"""End to end: shell completions and the man page stay in step with the client's command
table (`tend __commands`), and they work: bash, zsh and fish are driven for real against a
running tendd for contact names (zsh through its line editor on a pseudo-terminal:
zsh_complete.zsh)."""

import json
import os
import shutil
import subprocess
import unittest

from tendtest import TEND, TENDD, TendTestCase

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.dirname(os.path.dirname(os.path.abspath(TENDD)))
BIN_DIR = os.path.dirname(os.path.abspath(TEND))


def table():
    out = subprocess.run([TEND, "__commands"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def generated(shell):
    return subprocess.run([TEND, "__completion", shell], capture_output=True, text=True,
                          check=True).stdout


class TableTests(unittest.TestCase):
    def test_hidden_verbs_stay_hidden(self):
        out = subprocess.run([TEND, "--help"], capture_output=True, text=True).stdout
        self.assertNotIn("__", out)
        p = subprocess.run([TEND, "__completion", "tcsh"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown shell", p.stderr)

    def test_help_lists_exactly_the_table(self):
        out = subprocess.run([TEND, "--help"], capture_output=True, text=True).stdout
        listed = []
        section = False
        for line in out.splitlines():
            if line == "Commands:":
                section = True
            elif section and not line.strip():
                break
            elif section:
                listed.append(line.split()[0])
        self.assertEqual(listed, [c["verb"] for c in table()["commands"]])

    def test_built_scripts_are_current(self):
        for shell in ("bash", "zsh", "fish"):
            with open(os.path.join(BUILD, "completions", "tend." + shell)) as f:
                self.assertEqual(f.read(), generated(shell), shell)

    def test_man_page_documents_every_command_and_option(self):
        with open(os.path.join(SOURCE, "docs", "tend.1.scd")) as f:
            page = f.read()
        t = table()
        missing = []
        for c in t["commands"]:
            if "*%s*" % c["verb"] not in page:
                missing.append(c["verb"])
            for o in c["options"]:
                if "*--%s*" % o["name"] not in page:
                    missing.append("%s --%s" % (c["verb"], o["name"]))
        for o in t["global_options"]:
            if "*--%s*" % o["name"] not in page:
                missing.append("--" + o["name"])
        self.assertEqual(missing, [], "not in docs/tend.1.scd")

    @unittest.skipUnless(shutil.which("zsh"), "zsh is not installed")
    def test_zsh_script_parses(self):
        p = subprocess.run(["zsh", "-n"], input=generated("zsh"), capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(generated("zsh").startswith("#compdef tend\n"))


class CompletionTests(TendTestCase):
    """Drives the real scripts against a real tendd."""

    def setUp(self):
        super().setUp()
        self.ok("add", "Jane Doe", "--org", "Acme")
        self.ok("add", "jack Black")
        self.ok("add", "Sam Lee")
        self.ok("add", "$(touch pwned) `touch pwned2`")
        self.scripts = os.path.join(self.root, "scripts")
        os.makedirs(self.scripts)
        for shell in ("bash", "zsh", "fish"):
            with open(os.path.join(self.scripts, "tend." + shell), "w") as f:
                f.write(generated(shell))
        # zsh finds completion functions by name on $fpath.
        self.zsh_fpath = os.path.join(self.root, "zsh-functions")
        os.makedirs(self.zsh_fpath)
        with open(os.path.join(self.zsh_fpath, "_tend"), "w") as f:
            f.write(generated("zsh"))
        self.env = dict(self.daemon.env)
        self.env["PATH"] = BIN_DIR + os.pathsep + self.env.get("PATH", "")

    def bash(self, *words, env=None):
        """COMPREPLY for the command line words (the last one is being completed)."""
        script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
                  'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _tend; '
                  'printf "%s\\n" "${COMPREPLY[@]}"')
        p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash",
                            os.path.join(self.scripts, "tend.bash"), *words],
                           capture_output=True, text=True, env=env or self.env,
                           cwd=self.root, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return sorted(x for x in p.stdout.split("\n") if x)

    def test_bash_commands_and_options(self):
        t = table()
        verbs = sorted(c["verb"] for c in t["commands"])
        self.assertEqual(self.bash("tend", ""), verbs)
        self.assertEqual(self.bash("tend", "sh"), ["show"])
        self.assertEqual(self.bash("tend", "--json", "sn"), ["snooze"])
        globals_ = ["--" + o["name"] for o in t["global_options"]]
        self.assertEqual(self.bash("tend", "--"), sorted(globals_))
        # Every command offers exactly its options and the global ones.
        for c in t["commands"]:
            want = sorted(["--" + o["name"] for o in c["options"]] + globals_)
            self.assertEqual(self.bash("tend", c["verb"], "--"), want, c["verb"])
        self.assertEqual(self.bash("tend", "help", "hi"), ["history"])

    def test_bash_option_values(self):
        self.assertEqual(self.bash("tend", "add", "X", "--network", ""),
                         ["operational", "personal", "strategic"])
        self.assertEqual(self.bash("tend", "ls", "--network", "=", "st"), ["strategic"])
        self.assertEqual(self.bash("tend", "ls", "--network", "=", ""),
                         ["operational", "personal", "strategic"])
        self.assertEqual(self.bash("tend", "add", "X", "--network", "op,st"), ["op,strategic"])
        # A free-text argument offers nothing, and is not mistaken for a positional.
        self.assertEqual(self.bash("tend", "add", "X", "--org", ""), [])
        self.assertEqual(self.bash("tend", "log", "--at", "today", "jane", "co"), ["coffee"])
        self.assertIn("follow-up", self.bash("tend", "log", "jane", ""))
        self.assertEqual(self.bash("tend", "add", "X", "--met-via", "sa"), ["Sam Lee"])

    def test_bash_names_from_daemon(self):
        self.assertEqual(self.bash("tend", "show", "j"), ["Jane Doe", "jack Black"])
        self.assertEqual(self.bash("tend", "show", "JA"), ["Jane Doe", "jack Black"])
        self.assertEqual(self.bash("tend", "show", "jan"), ["Jane Doe"])
        self.assertEqual(self.bash("tend", "show", "Jane\\ D"), ["Jane Doe"])
        self.assertEqual(self.bash("tend", "show", "nobody"), [])
        # Only WHO positions ask for names.
        self.assertEqual(self.bash("tend", "show", "jane", ""), [])
        self.assertEqual(self.bash("tend", "add", ""), [])
        # Names are data, never code.
        self.assertEqual(self.bash("tend", "rm", "$"), ["$(touch pwned) `touch pwned2`"])
        self.assertFalse(os.path.exists(os.path.join(self.root, "pwned")))
        self.assertFalse(os.path.exists(os.path.join(self.root, "pwned2")))

    def test_bash_socket_option_and_no_daemon(self):
        env = dict(self.env)
        env["XDG_RUNTIME_DIR"] = os.path.join(self.root, "elsewhere")
        self.assertEqual(self.bash("tend", "show", "sa", env=env), [])
        self.assertEqual(self.bash("tend", "--socket", self.daemon.socket, "show", "sa",
                                   env=env), ["Sam Lee"])

    def test_complete_names_command(self):
        out = self.tend("__complete-names", "--", "j", check=0).stdout
        self.assertEqual(sorted(out.splitlines()), ["Jane Doe", "jack Black"])
        self.assertEqual(len(self.tend("__complete-names", check=0).stdout.splitlines()), 4)
        # Prefix words beyond the first still narrow (the token index) and match the start.
        self.assertEqual(self.tend("__complete-names", "--", "Jane D", check=0).stdout,
                         "Jane Doe\n")
        self.assertEqual(self.tend("__complete-names", "--", "Doe", check=0).stdout, "")
        p = self.tend("__complete-names", "a", "b")
        self.assertEqual(p.returncode, 2)
        self.daemon.stop()
        p = self.tend("__complete-names", "j")
        self.assertEqual(p.returncode, 3)
        self.assertEqual(p.stdout, "")

    def zsh(self, line):
        p = subprocess.run(["zsh", "-f", os.path.join(os.path.dirname(__file__),
                                                     "zsh_complete.zsh"), self.zsh_fpath, line],
                           capture_output=True, text=True, env=self.env, cwd=self.root,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return sorted(x for x in p.stdout.split("\n") if x)

    @unittest.skipUnless(shutil.which("zsh"), "zsh is not installed")
    def test_zsh(self):
        t = table()
        globals_ = ["--" + o["name"] for o in t["global_options"]]
        self.assertEqual(self.zsh("tend "), sorted(c["verb"] for c in t["commands"]))
        self.assertEqual(self.zsh("tend sh"), ["show"])
        self.assertEqual(self.zsh("tend --json sn"), ["snooze"])
        for c in t["commands"]:
            got = self.zsh("tend %s --" % c["verb"])
            for o in c["options"] + t["global_options"]:
                self.assertIn("--" + o["name"], got, c["verb"])
        self.assertEqual(sorted(self.zsh("tend --")), sorted(globals_))
        self.assertEqual(self.zsh("tend add X --network "),
                         ["operational", "personal", "strategic"])
        self.assertEqual(self.zsh("tend ls --network=st"), ["strategic"])
        self.assertIn("coffee", self.zsh("tend log jane "))
        self.assertIn("history", self.zsh("tend help hi"))
        # Names come from tendd, at WHO positions only, and are never run as code.
        self.assertEqual(self.zsh("tend show j"), ["Jane Doe", "jack Black"])
        self.assertEqual(self.zsh("tend show jan"), ["Jane Doe"])
        self.assertEqual(self.zsh("tend show JA"), ["Jane Doe", "jack Black"])
        self.assertEqual(self.zsh("tend show Jane\\ D"), ["Jane Doe"])
        self.assertEqual(self.zsh('tend show "Jane D'), ["Jane Doe"])
        self.assertEqual(self.zsh("tend add X --met-via sa"), ["Sam Lee"])
        self.assertEqual(self.zsh("tend show nobody"), [])
        self.assertIn("$(touch pwned) `touch pwned2`", self.zsh("tend rm "))
        self.assertFalse(os.path.exists(os.path.join(self.root, "pwned")))
        self.assertFalse(os.path.exists(os.path.join(self.root, "pwned2")))

    def fish(self, line):
        p = subprocess.run(["fish", "--no-config", "-c",
                            'source $argv[1]; complete -C $argv[2]',
                            os.path.join(self.scripts, "tend.fish"), line],
                           capture_output=True, text=True, env=self.env, cwd=self.root,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return sorted(x.split("\t")[0] for x in p.stdout.split("\n") if x)

    @unittest.skipUnless(shutil.which("fish"), "fish is not installed")
    def test_fish(self):
        t = table()
        self.assertEqual(self.fish("tend "), sorted(c["verb"] for c in t["commands"]))
        for c in t["commands"]:
            got = self.fish("tend %s --" % c["verb"])
            for o in c["options"]:
                self.assertIn("--" + o["name"], got, c["verb"])
        self.assertEqual(self.fish("tend add X --network "),
                         ["operational", "personal", "strategic"])
        self.assertEqual(self.fish("tend show jan"), ["Jane Doe"])
        self.assertIn("coffee", self.fish("tend log jane "))
        self.assertEqual(self.fish("tend log jane coffee "), [])
        self.assertIn("history", self.fish("tend help "))
        self.assertIn("$(touch pwned) `touch pwned2`", self.fish("tend rm "))
        self.assertFalse(os.path.exists(os.path.join(self.root, "pwned")))


if __name__ == "__main__":
    unittest.main()
