"""Shared harness for tend's end-to-end tests: a private XDG sandbox, a real tendd and the
real tend client. Binaries come from $TEND_BIN and $TENDD_BIN (set by ctest): never from
PATH, which may hold an installed tend of another version.

Waits are on events (a socket answering, a log line, a D-Bus call) and give up only after
WAIT seconds ($TEND_TEST_WAIT, default 60): a loaded machine makes a test slower, never red."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest



def _binary(var):
    path = os.environ.get(var)
    if not path:
        raise SystemExit("%s is not set: run the end-to-end tests through ctest "
                         "(ctest --test-dir build -L e2e)" % var)
    return os.path.abspath(path)


TEND = _binary("TEND_BIN")
TENDD = _binary("TENDD_BIN")
WAIT = float(os.environ.get("TEND_TEST_WAIT", "60"))


def wait_until(predicate, timeout=None, interval=0.05, what="condition"):
    """predicate()'s first true value, polled until timeout (default WAIT) seconds."""
    deadline = time.monotonic() + (WAIT if timeout is None else timeout)
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)


class Daemon:
    """A tendd process in a sandbox directory."""

    def __init__(self, root, extra_args=(), env=None):
        self.root = root
        self.data = os.path.join(root, "data", "tend")
        self.runtime = os.path.join(root, "runtime")
        os.makedirs(self.runtime, mode=0o700, exist_ok=True)
        self.socket = os.path.join(self.runtime, "tend", "tendd.sock")
        self.env = dict(os.environ)
        self.env.update({
            "XDG_DATA_HOME": os.path.join(root, "data"),
            "XDG_CONFIG_HOME": os.path.join(root, "config"),
            "XDG_RUNTIME_DIR": self.runtime,
            "HOME": root,
            "NO_COLOR": "1",
            "TZ": "UTC",
            # No desktop session and no system bus: tests never pop up notifications on the
            # developer's screen; test_notify.py starts private buses instead.
            "DBUS_SESSION_BUS_ADDRESS": "unix:path=" + os.path.join(root, "no-session-bus"),
            "DBUS_SYSTEM_BUS_ADDRESS": "unix:path=" + os.path.join(root, "no-system-bus"),
        })
        self.env.pop("TEND_SOCKET", None)
        if env:
            self.env.update(env)
        self.extra_args = list(extra_args)
        self.proc = None
        self.starts = 0  # how many times start() ran: each run appends to the same log
        self.log_path = os.path.join(root, "tendd.log")

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([TENDD, "--verbose", *self.extra_args], env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.starts += 1
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=None):
        deadline = time.monotonic() + (WAIT if timeout is None else timeout)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("tendd exited with %d:\n%s" % (self.proc.returncode,
                                                                   self.read_log()))
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.connect(self.socket)
                return
            except OSError:
                time.sleep(0.02)
        raise AssertionError("tendd did not start listening:\n" + self.read_log())

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def wait_log(self, text, timeout=None):
        """Wait until the log holds text; returns the log."""
        return wait_until(lambda: (lambda log: text in log and log)(self.read_log()), timeout,
                          what="tendd to log %r" % text)

    def current_log(self):
        """The log of the latest run, once that run has logged its first line; else None."""
        log = self.read_log()
        marker = "tendd: Listening on "
        if log.count(marker) < self.starts:
            return None
        return marker + log.rsplit(marker, 1)[1]

    def stop(self, sig=signal.SIGTERM, timeout=None):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(WAIT if timeout is None else timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("tendd did not stop on signal %d" % sig)
        self.log.close()
        return rc

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


class TendTestCase(unittest.TestCase):
    """Each test gets its own sandbox and a running daemon."""

    start_daemon = True

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="tend-e2e-")
        self.daemon = Daemon(self.root)
        if self.start_daemon:
            self.daemon.start()
        try:
            self.populate()
        except BaseException:
            self.tearDown()  # the daemon is stopped even when setting up fails
            raise

    def populate(self):
        """What every test of the class starts from, made once tendd runs (none by default)."""

    def tearDown(self):
        try:
            if self.daemon.alive():
                rc = self.daemon.stop()
                self.assertEqual(rc, 0, "tendd exit code\n" + self.daemon.read_log())
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def tend(self, *args, input=None, env=None, check=None):
        """Run the client; returns CompletedProcess. check=N asserts the exit code."""
        e = dict(self.daemon.env)
        if env:
            e.update(env)
        p = subprocess.run([TEND, *args], env=e, input=input, capture_output=True, text=True,
                           timeout=WAIT)
        if check is not None:
            self.assertEqual(p.returncode, check,
                             "tend %s\nstdout: %s\nstderr: %s" % (" ".join(args), p.stdout,
                                                                   p.stderr))
        return p

    def ok(self, *args, **kw):
        return self.tend(*args, check=0, **kw)

    def json(self, *args, **kw):
        p = self.tend("--json", *args, check=0, **kw)
        return json.loads(p.stdout)

    def call(self, method, parameters=None, **flags):
        """One raw varlink call on a fresh connection; returns the reply object."""
        msg = {"method": method}
        if parameters is not None:
            msg["parameters"] = parameters
        msg.update(flags)
        with VarlinkSocket(self.daemon.socket) as v:
            v.send(msg)
            return v.recv()


class VarlinkSocket:
    """A raw varlink client for protocol-level tests."""

    def __init__(self, path, timeout=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(WAIT if timeout is None else timeout)
        self.sock.connect(path)
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, obj):
        self.send_raw(json.dumps(obj).encode() + b"\0")

    def recv(self):
        """The next reply, or None when the daemon closed the connection."""
        while b"\0" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        msg, _, self.buf = self.buf.partition(b"\0")
        return json.loads(msg)

    def closed_by_peer(self):
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
