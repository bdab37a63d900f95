"""End to end: tendd as a systemd service. The units pass `systemd-analyze --user verify`;
tendd serves a client from a socket passed by systemd-socket-activate; and it talks to the
service manager over $NOTIFY_SOCKET (a datagram socket this test owns): READY=1, STATUS=
kept up to date, WATCHDOG=1 at half of $WATCHDOG_USEC, STOPPING=1."""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from tendtest import TEND, TENDD, WAIT, Daemon, TendTestCase

SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# TENDD_BIN is BUILD/daemon/tendd; the configured unit is BUILD/systemd/tendd.service.
BUILD = os.path.dirname(os.path.dirname(os.path.abspath(TENDD)))


def have(tool):
    return shutil.which(tool) is not None


class NotifySocket:
    """A datagram socket standing in for the service manager's $NOTIFY_SOCKET."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []

    def close(self):
        self.sock.close()

    def collect(self, timeout):
        """Receive messages for up to timeout seconds; returns the new ones."""
        new = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                break
            new.append(data.decode())
        self.messages += new
        return new

    def wait_for(self, predicate, timeout=WAIT):
        """Receive until a message satisfies predicate; returns that message."""
        for m in self.messages:
            if predicate(m):
                return m
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.collect(min(0.2, deadline - time.monotonic())):
                if predicate(m):
                    return m
        raise AssertionError("no matching notify message; got %r" % self.messages)

    def assignments(self):
        """Every KEY=value sent so far, in order."""
        out = []
        for m in self.messages:
            for line in m.split("\n"):
                if line:
                    key, _, value = line.partition("=")
                    out.append((key, value))
        return out


def status_of(message):
    for line in message.split("\n"):
        if line.startswith("STATUS="):
            return line[len("STATUS="):]
    return None


class UnitFileTests(unittest.TestCase):
    @unittest.skipUnless(have("systemd-analyze"), "systemd-analyze is not installed")
    def test_units_verify_without_warnings(self):
        service_in = os.path.join(BUILD, "systemd", "tendd.service")
        self.assertTrue(os.path.exists(service_in), "configured unit missing: " + service_in)
        with tempfile.TemporaryDirectory(prefix="tend-units-") as d:
            # A test copy of the unit whose ExecStart is the binary just built.
            with open(service_in) as f:
                text = f.read()
            self.assertRegex(text, r"(?m)^ExecStart=\S+/tendd$")
            text = re.sub(r"(?m)^ExecStart=.*$", "ExecStart=" + os.path.abspath(TENDD), text)
            with open(os.path.join(d, "tendd.service"), "w") as f:
                f.write(text)
            shutil.copy(os.path.join(SOURCE, "systemd", "tendd.socket"), d)
            env = dict(os.environ)
            env.setdefault("XDG_RUNTIME_DIR", d)
            p = subprocess.run(["systemd-analyze", "--user", "verify", "--man=no",
                                os.path.join(d, "tendd.socket"),
                                os.path.join(d, "tendd.service")],
                               capture_output=True, text=True, env=env, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stderr.strip(), "", "systemd-analyze warned")

    def test_unit_contents(self):
        with open(os.path.join(BUILD, "systemd", "tendd.service")) as f:
            service = f.read()
        with open(os.path.join(SOURCE, "systemd", "tendd.socket")) as f:
            sock = f.read()
        for line in ["Type=notify", "Restart=on-failure", "WantedBy=default.target",
                     "PrivateUsers=yes", "Requires=tendd.socket"]:
            self.assertIn(line + "\n", service)
        self.assertRegex(service, r"(?m)^WatchdogSec=\d+s$")
        for line in ["ListenStream=%t/tend/tendd.sock", "SocketMode=0600", "DirectoryMode=0700",
                     "FileDescriptorName=control", "WantedBy=sockets.target"]:
            self.assertIn(line + "\n", sock)


@unittest.skipUnless(have("systemd-socket-activate"), "systemd-socket-activate is not installed")
class SocketActivationTests(TendTestCase):
    start_daemon = False

    def test_serves_client_on_passed_socket(self):
        d = self.daemon
        sock = os.path.join(self.root, "activation.sock")
        proc = subprocess.Popen(["systemd-socket-activate", "-l", sock, "--fdname=control",
                                 TENDD, "--verbose"],
                                env=d.env, stdin=subprocess.DEVNULL,
                                stdout=open(d.log_path, "ab"), stderr=subprocess.STDOUT)
        try:
            # The activator says so once it listens (its socket file appears a moment before).
            d.wait_log("Listening on %s as " % sock)
            self.assertIsNone(proc.poll(), d.read_log())
            # The first connection starts tendd with the socket (LISTEN_FDS=1).
            env = {"TEND_SOCKET": sock}
            self.tend("add", "Jane Doe", "--every", "2w", "--org", "Acme", env=env, check=0)
            out = self.json("ls", env=env)
            self.assertEqual([c["name"] for c in out], ["Jane Doe"])
            st = self.json("status", env=env)
            self.assertEqual(st["pid"], proc.pid, "tendd runs in the activator's process")
            self.assertEqual(st["contacts"], 1)
            log = d.read_log()
            self.assertIn("socket from the service manager", log)
            # tendd did not bind its own socket.
            self.assertFalse(os.path.exists(d.socket), log)
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(WAIT), 0, d.read_log())
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


class NotifyTests(TendTestCase):
    start_daemon = False

    def start(self, watchdog_usec=None, watchdog_pid="self"):
        self.notify = NotifySocket(self.root)
        self.addCleanup(self.notify.close)
        env = {"NOTIFY_SOCKET": self.notify.path}
        if watchdog_usec is not None:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        self.daemon.env.update(env)
        if watchdog_pid == "self":
            # systemd sets WATCHDOG_PID to the service's main pid: the shell's pid, which
            # exec keeps for tendd.
            args = ["sh", "-c", 'WATCHDOG_PID=$$ exec "$0" --verbose', TENDD]
        else:
            if watchdog_pid is not None:
                self.daemon.env["WATCHDOG_PID"] = str(watchdog_pid)
            args = [TENDD, "--verbose"]
        d = self.daemon
        d.log = open(d.log_path, "ab")
        d.proc = subprocess.Popen(args, env=d.env, stdin=subprocess.DEVNULL, stdout=d.log,
                                  stderr=subprocess.STDOUT)
        d.wait_ready()

    def test_ready_status_watchdog_stopping(self):
        self.start(watchdog_usec=200000)  # 0.2 s: pings every 0.1 s
        self.notify.wait_for(lambda m: "READY=1" in m)
        # Ready first; the status line follows from the loop's first turn.
        status = self.notify.wait_for(lambda m: status_of(m) is not None)
        self.assertEqual(status_of(status), "0 contacts · no follow-ups scheduled")

        # Watchdog pings at about half the interval: several within a second.
        self.notify.collect(1.0)
        pings = [m for m in self.notify.messages if m == "WATCHDOG=1"]
        self.assertGreaterEqual(len(pings), 5, self.notify.messages)
        self.assertLessEqual(len(pings), 15, self.notify.messages)

        # STATUS= follows writes.
        self.ok("add", "Jane Doe", "--every", "2w", "--due", "2030-01-01T09:00:00Z")
        m = self.notify.wait_for(lambda m: (status_of(m) or "").startswith("1 contact "))
        self.assertEqual(status_of(m),
                         "1 contact · next follow-up 2030-01-01 09:00 · Jane Doe")
        self.ok("add", "Sam Lee", "--due", "2030-01-01T08:00:00Z")
        m = self.notify.wait_for(lambda m: (status_of(m) or "").startswith("2 contacts "))
        self.assertEqual(status_of(m),
                         "2 contacts · next follow-up 2030-01-01 08:00 · Sam Lee")
        self.ok("snooze", "sam", "2031-01-01T00:00:00Z")
        m = self.notify.wait_for(lambda m: "Jane Doe" in (status_of(m) or "") and
                                 (status_of(m) or "").startswith("2 contacts "))
        self.assertEqual(status_of(m),
                         "2 contacts · next follow-up 2030-01-01 09:00 · Jane Doe")
        # A read does not send anything new; an unchanged write does not resend the status.
        n = len([a for a in self.notify.assignments() if a[0] == "STATUS"])
        self.ok("ls")
        self.notify.collect(0.5)
        self.assertEqual(n, len([a for a in self.notify.assignments() if a[0] == "STATUS"]))

        self.assertEqual(self.daemon.stop(), 0, self.daemon.read_log())
        self.notify.wait_for(lambda m: "STOPPING=1" in m)
        keys = [k for k, _ in self.notify.assignments()]
        self.assertEqual(keys.count("READY"), 1)
        self.assertLess(keys.index("READY"), keys.index("STOPPING"))
        self.assertEqual(keys[0], "READY", "nothing before READY=1")

    def test_overdue_status(self):
        self.start()
        self.ok("add", "Ann Bo", "--due", "2020-01-01T10:00:00Z")
        m = self.notify.wait_for(lambda m: (status_of(m) or "").startswith("1 contact "))
        self.assertEqual(status_of(m), "1 contact · 1 follow-up due · Ann Bo since 2020-01-01 10:00")

    def test_status_names_are_one_line(self):
        self.start()
        # A name cannot carry a newline into the notify message (it would be a new key).
        p = self.tend("add", "Evil\nREADY=1")
        self.assertNotEqual(p.returncode, 0)
        self.ok("add", "Zoë Ünal", "--due", "2030-05-05T05:05:00Z")
        m = self.notify.wait_for(lambda m: (status_of(m) or "").startswith("1 contact "))
        self.assertEqual(m.count("\n"), 0, m)
        self.assertIn("Zoë Ünal", status_of(m))

    def test_no_watchdog_without_usec(self):
        self.start()
        self.notify.wait_for(lambda m: "READY=1" in m)
        self.notify.collect(0.6)
        self.assertNotIn("WATCHDOG=1", self.notify.messages)

    def test_watchdog_for_another_pid_is_ignored(self):
        # WATCHDOG_PID names another process: the watchdog is not ours to feed.
        self.start(watchdog_usec=100000, watchdog_pid=1)
        self.notify.wait_for(lambda m: "READY=1" in m)
        self.notify.collect(0.6)
        self.assertNotIn("WATCHDOG=1", self.notify.messages)

    def test_watchdog_without_pid(self):
        self.start(watchdog_usec=200000, watchdog_pid=None)
        self.notify.wait_for(lambda m: m == "WATCHDOG=1")

    def test_without_notify_socket_nothing_breaks(self):
        self.daemon.start()
        self.ok("add", "Jane Doe", "--every", "2w")
        self.assertEqual(self.json("status")["contacts"], 1)


if __name__ == "__main__":
    unittest.main()
