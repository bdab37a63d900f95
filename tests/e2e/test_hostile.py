"""End to end: hostile neighbours. A notification server that never answers, answers late,
answers with an error or disappears in the middle of a call does not stall tendd: other
clients are served while the call is in progress, and the follow-up is not lost (it stays due
in `tend due`, and notifications work again once a working server is there). Untrusted text
reaches a notification escaped and the notify command as one argument per placeholder.

The misbehaving servers are tests/e2e/hostile_notifyd.py on a private session bus; the working
one is python3-dbusmock's notification_daemon template (tests/e2e/bustest.py)."""

import json
import os
import shutil
import signal
import stat
import subprocess
import unittest

from bustest import NOTIFY_NAME, PYTHON, NotificationMock, wait_for
from tendtest import TEND, TendTestCase
from test_notify import QUIET_OFF, NotifyTestCase

HOSTILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile_notifyd.py")

# Every wait is for an event; this only bounds how long a broken build takes to fail (generous:
# the suite also runs with tendd under valgrind on a busy machine).
WAIT = 60

# What tendd logs when a Notify call ends without the notification being shown.
NO_ANSWER = "the notification server did not answer"
REFUSED = "the notification server refused it"


class HostileServerTestCase(NotifyTestCase):
    with_server = False

    def start_hostile(self, mode):
        """Start hostile_notifyd.py in mode; returns (process, path of its call log)."""
        log = os.path.join(self.root, "hostile-%s.jsonl" % mode)
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.bus.address)
        proc = subprocess.Popen([PYTHON, HOSTILE, mode, log], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)

        def stop():
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
            proc.stderr.close()
        self.addCleanup(stop)
        wait_for(lambda: self.bus.has_owner(NOTIFY_NAME) or proc.poll() is not None, WAIT,
                 what="hostile server on the bus")
        if proc.poll() is not None:
            self.fail("hostile_notifyd.py failed: " + proc.stderr.read().decode())
        # tendd knows it once it has its capabilities: asked when the server appeared, or at
        # tendd's own connection to the bus if that came later (a slow start, e.g. valgrind).
        owner = str(self.bus.conn.get_name_owner(NOTIFY_NAME))
        self.log_has("Notification server %s: " % owner, timeout=WAIT)
        return proc, log

    def calls(self, log):
        if not os.path.exists(log):
            return []
        with open(log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def wait_call(self, log, summary):
        """Wait until tendd's Notify with this summary reached the server."""
        wait_for(lambda: any(c["summary"] == summary for c in self.calls(log)), WAIT,
                 what="Notify %r at the server" % summary)

    def due_names(self):
        return sorted(c["name"] for c in self.json("due"))

    def served_meanwhile(self, tag):
        """Round trips of other clients, each of which must complete (self.tend has its own
        generous timeout): reads, a write and a streaming call's first reply."""
        self.assertGreaterEqual(self.json("status")["contacts"], 1)
        self.ok("ls")
        cid = self.json("add", "Bystander %s" % tag)["id"]
        self.ok("log", str(cid), "call", "still answering")
        self.assertEqual(self.json("show", str(cid))["name"], "Bystander %s" % tag)
        self.ok("due")
        watch = subprocess.Popen([TEND, "--json", "watch"], env=self.daemon.env,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            first = watch.stdout.readline()
            self.assertEqual(json.loads(first)["event"], "watching")
        finally:
            watch.kill()
            watch.wait(10)
            watch.stdout.close()

    def working_server_shows_the_next_one(self, name):
        """Replace whatever is on the bus by a working server: a new follow-up is shown."""
        server = NotificationMock(self.bus, "body actions")
        self.addCleanup(lambda: server.proc.poll() is None and server.stop())
        self.ok("add", name, "--due", "+1s")
        wait_for(lambda: any(a[3] == "Follow up with " + name for a in server.notifies()), WAIT,
                 what="the next follow-up on a working server")
        return server


class HostileServerTests(HostileServerTestCase):
    def test_server_that_never_answers(self):
        proc, log = self.start_hostile("hang")
        self.ok("add", "Hung Hugo", "--due", "+1s")
        self.wait_call(log, "Follow up with Hung Hugo")
        # The call hangs until tendd's own 25 s timeout: clients are served in the meantime,
        # that is, before tendd gives up on the call.
        self.served_meanwhile("one")
        self.assertNotIn(NO_ANSWER, self.daemon.read_log(),
                         "clients were only served after the Notify call timed out")
        self.assertIn("Hung Hugo", self.due_names())
        # tendd gives up on the call; the follow-up stays due and tendd keeps serving.
        self.log_has(NO_ANSWER, timeout=WAIT + 25)
        self.assertTrue(self.daemon.alive())
        self.assertIn("Hung Hugo", self.due_names())
        self.served_meanwhile("two")
        proc.kill()
        self.log_has("notification server went away", timeout=WAIT)
        self.working_server_shows_the_next_one("After Ann")
        self.assertIn("Hung Hugo", self.due_names())

    def test_server_that_answers_late(self):
        proc, log = self.start_hostile("hold")
        self.ok("add", "Slow Sue", "--due", "+1s")
        self.wait_call(log, "Follow up with Slow Sue")
        self.served_meanwhile("slow")
        self.assertNotIn(NO_ANSWER, self.daemon.read_log())
        # The answer comes: the notification counts as shown, once.
        proc.send_signal(signal.SIGUSR1)
        self.ok("add", "Slow Sid", "--due", "+1s")
        self.wait_call(log, "Follow up with Slow Sid")
        proc.send_signal(signal.SIGUSR1)
        self.restart()
        # A probe that falls due after the restart: once its call arrives, the start-up scan
        # (which would show an unshown follow-up again) is long done.
        self.ok("add", "Probe Pat", "--due", "+1s")
        self.wait_call(log, "Follow up with Probe Pat")
        self.assertEqual(sorted(c["summary"] for c in self.calls(log)),
                         ["Follow up with Probe Pat", "Follow up with Slow Sid",
                          "Follow up with Slow Sue"])
        self.assertEqual(self.due_names(), ["Probe Pat", "Slow Sid", "Slow Sue"])
        self.assertNotIn(NO_ANSWER, self.daemon.read_log())

    def test_server_that_returns_errors(self):
        proc, log = self.start_hostile("error")
        self.ok("add", "Err Eve", "--due", "+1s")
        self.wait_call(log, "Follow up with Err Eve")
        self.log_has(REFUSED, timeout=WAIT)
        self.assertTrue(self.daemon.alive())
        self.served_meanwhile("err")
        self.assertIn("Err Eve", self.due_names())
        proc.terminate()
        self.log_has("notification server went away", timeout=WAIT)
        self.working_server_shows_the_next_one("Fine Fay")
        self.assertIn("Err Eve", self.due_names())

    def test_server_that_disappears_mid_call(self):
        proc, log = self.start_hostile("vanish")
        self.ok("add", "Gone Gus", "--due", "+1s")
        self.wait_call(log, "Follow up with Gone Gus")
        proc.wait(10)
        self.log_has("notification server went away", timeout=WAIT)
        self.log_has("Could not show the notification for Gone Gus", timeout=WAIT)
        self.assertTrue(self.daemon.alive())
        self.served_meanwhile("gone")
        self.assertIn("Gone Gus", self.due_names())
        self.working_server_shows_the_next_one("Back Bea")
        self.assertIn("Gone Gus", self.due_names())

    def test_server_killed_while_holding_the_call(self):
        proc, log = self.start_hostile("hold")
        self.ok("add", "Held Hal", "--due", "+1s")
        self.wait_call(log, "Follow up with Held Hal")
        proc.kill()
        self.log_has("notification server went away", timeout=WAIT)
        self.log_has("Could not show the notification for Held Hal", timeout=WAIT)
        self.served_meanwhile("killed")
        self.assertIn("Held Hal", self.due_names())
        self.working_server_shows_the_next_one("Next Nia")


class OtherUserTests(TendTestCase):
    """Another local user who gets past the file modes (here: uid 65534 given
    CAP_DAC_OVERRIDE, so the 0700 directory and the 0600 socket do not stop it) is still
    refused by the peer-credential check: no reply, the connection closed, and tendd keeps
    serving its own user. Needs root to act as another uid; skipped otherwise."""

    PROBE = ("import socket, sys\n"
             "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
             "s.settimeout(20)\n"
             "s.connect(sys.argv[1])\n"
             "try:\n"
             "    s.sendall(b'{\"method\":\"io.tend.Contacts.List\"}\\0')\n"
             "    data = s.recv(65536)\n"
             "except (ConnectionResetError, BrokenPipeError):\n"
             "    data = b''\n"
             "print('REPLY' if data else 'CLOSED')\n")

    def test_another_uid_is_refused_even_past_the_file_modes(self):
        if os.getuid() != 0 or not shutil.which("setpriv"):
            self.skipTest("acting as another uid needs root and setpriv")
        self.ok("add", "Private Pam", "--note", "not for other users")
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            "--inh-caps=+dac_override", "--ambient-caps=+dac_override",
                            PYTHON, "-c", self.PROBE, self.daemon.socket],
                           capture_output=True, text=True, timeout=60)
        if "Operation not permitted" in p.stderr and p.returncode != 0:
            self.skipTest("cannot change uid here: " + p.stderr.strip())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "CLOSED")
        self.assertEqual([c["name"] for c in self.json("ls")], ["Private Pam"])


    def test_store_files_are_private(self):
        self.ok("add", "Private Pam")
        for name in ("data.mdb", "lock.mdb"):
            st = os.stat(os.path.join(self.daemon.data, name))
            self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, name)
            self.assertEqual(st.st_uid, os.getuid(), name)


class UntrustedTextTests(NotifyTestCase):
    """A name and a note full of markup, shell syntax and newlines: the notification body is
    escaped for a server that renders markup, and the notify command gets each placeholder as
    exactly one argument, byte for byte, with no shell in between. (test_notify.py covers the
    summary as plain text and a name with shell syntax on its own.)"""

    capabilities = "body body-markup actions"

    def test_untrusted_text_escaped_and_one_argument_each(self):
        out = os.path.join(self.root, "argv.json")
        pwned = os.path.join(self.root, "pwned")
        script = os.path.join(self.root, "record.py")
        with open(script, "w") as f:
            f.write("import json, sys\njson.dump(sys.argv[1:], open(%r, 'w'))\n" % out)
        self.assertEqual(self.daemon.stop(), 0)
        self.write_config(QUIET_OFF + "[notify]\ncommand = /usr/bin/python3 %s {name} {body} "
                          "{summary} {id}\n" % script)
        self.daemon.start()
        name = "Eve <b>Evil</b> & $(touch %s) `touch %s`; 'q\" | x" % (pwned, pwned)
        note = ("line <i>one</i> & $(touch %s)\nsecond; rm -rf \"$HOME\" # done" % pwned)
        cid = self.json("add", name, "--note", note, "--due", "+1s")["id"]
        args = self.server.wait_notifies(1, timeout=WAIT)[0]
        summary, body = args[3], args[4]
        self.assertEqual(summary, "Follow up with " + name)  # summary: plain text by spec
        self.assertNotIn("<i>", body)
        self.assertNotIn("<b>", body)
        self.assertIn("line &lt;i&gt;one&lt;/i&gt; &amp; $(touch %s)" % pwned, body)
        argv = wait_for(lambda: os.path.exists(out) and open(out).read() and
                        json.load(open(out)), WAIT, what="notify command")
        self.assertEqual(len(argv), 4, argv)
        self.assertEqual(argv[0], name)
        # {body} is the plain text (the note's first line and the last touch, on lines of
        # their own): one argument, newline and all.
        self.assertIn("line <i>one</i> & $(touch %s)" % pwned, argv[1])
        self.assertIn("\n", argv[1])
        self.assertEqual(argv[2], "Follow up with " + name)
        self.assertEqual(argv[3], str(cid))
        self.assertFalse(os.path.exists(pwned))


if __name__ == "__main__":
    unittest.main()
