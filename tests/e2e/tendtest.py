"""Shared harness for tend's end-to-end tests: a private XDG sandbox, a real tendd and the
real tend client. Binaries come from $TEND_BIN and $TENDD_BIN (set by ctest)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

TEND = os.environ.get("TEND_BIN", "tend")
TENDD = os.environ.get("TENDD_BIN", "tendd")


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
        self.log_path = os.path.join(root, "tendd.log")

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([TENDD, "--verbose", *self.extra_args], env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10.0):
        deadline = time.monotonic() + timeout
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

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
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
                           timeout=30)
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

    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
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
