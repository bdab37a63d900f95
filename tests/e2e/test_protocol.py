"""End to end at the protocol level: a raw varlink client against the real daemon, hostile
input, limits, permissions and signals."""

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import time
import unittest

from tendtest import TEND, TENDD, WAIT, TendTestCase, VarlinkSocket, wait_until


class ProtocolTests(TendTestCase):
    def assert_still_serving(self):
        r = self.call("io.tend.Service.Status")
        self.assertIn("parameters", r, r)
        self.assertTrue(self.daemon.alive())

    def test_get_info_and_descriptions(self):
        info = self.call("org.varlink.service.GetInfo")["parameters"]
        for iface in ("io.tend.Contacts", "io.tend.Interactions", "io.tend.FollowUps",
                      "io.tend.Service"):
            self.assertIn(iface, info["interfaces"])
            d = self.call("org.varlink.service.GetInterfaceDescription",
                          {"interface": iface})["parameters"]["description"]
            self.assertIn("interface " + iface, d)
        d = self.call("org.varlink.service.GetInterfaceDescription",
                      {"interface": "io.tend.Contacts"})["parameters"]["description"]
        self.assertIn("method Add(", d)
        self.assertIn("error NoSuchContact", d)
        r = self.call("org.varlink.service.GetInterfaceDescription", {"interface": "no.such"})
        self.assertEqual(r["error"], "org.varlink.service.InterfaceNotFound")

    def test_unknown_method_and_bad_parameters(self):
        r = self.call("io.tend.Contacts.Explode")
        self.assertEqual(r["error"], "org.varlink.service.MethodNotFound")
        r = self.call("io.tend.Nope.Get")
        self.assertEqual(r["error"], "org.varlink.service.InterfaceNotFound")
        r = self.call("io.tend.Contacts.Add", {"name": 42})
        self.assertEqual(r["error"], "org.varlink.service.InvalidParameter")
        r = self.call("io.tend.Contacts.Add", {"name": "X", "colour": "blue"})
        self.assertEqual(r["error"], "org.varlink.service.InvalidParameter")
        r = self.call("io.tend.Contacts.Get", {})
        self.assertEqual(r["error"], "org.varlink.service.InvalidParameter")
        r = self.call("io.tend.Contacts.Add", {"name": "X", "next_due": "tomorrow"})
        self.assertEqual(r["error"], "io.tend.Service.InvalidValue")
        self.assertEqual(self.call("io.tend.Contacts.List")["parameters"]["contacts"], [])
        self.assert_still_serving()

    def test_malformed_json_then_valid_call(self):
        with VarlinkSocket(self.daemon.socket) as v:
            v.send_raw(b'{"method": "io.tend.Service.Status", \0')
            r = v.recv()
            self.assertEqual(r["error"], "io.tend.Service.InvalidMessage")
            self.assertIsNone(v.recv())  # closed after the error
        with VarlinkSocket(self.daemon.socket) as v:
            v.send_raw(b'[1,2,3]\0')
            self.assertEqual(v.recv()["error"], "io.tend.Service.InvalidMessage")
        with VarlinkSocket(self.daemon.socket) as v:
            v.send_raw(b'\xff\xfe garbage \0')
            self.assertEqual(v.recv()["error"], "io.tend.Service.InvalidMessage")
        self.assert_still_serving()

    def test_frame_without_nul(self):
        with VarlinkSocket(self.daemon.socket) as v:
            v.send_raw(b'{"method":"io.tend.Service.Status"}')
            v.sock.shutdown(socket.SHUT_WR)
            self.assertIsNone(v.recv())
        self.assert_still_serving()

    def test_oversized_frame(self):
        with VarlinkSocket(self.daemon.socket) as v:
            big = b'{"method":"io.tend.Contacts.Add","parameters":{"name":"' + b"x" * (
                3 * 1024 * 1024) + b'"}}\0'
            try:
                v.send_raw(big)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the daemon may close before we finish writing
            try:
                r = v.recv()
            except ConnectionResetError:
                r = None
            if r is not None:
                self.assertEqual(r["error"], "io.tend.Service.MessageTooLarge")
        self.assertEqual(self.call("io.tend.Contacts.List")["parameters"]["contacts"], [])
        self.assert_still_serving()

    def test_oversized_field_is_an_error_not_a_crash(self):
        r = self.call("io.tend.Contacts.Add", {"name": "N", "notes": "y" * 100000})
        self.assertEqual(r["error"], "io.tend.Service.InvalidValue")
        self.assertEqual(r["parameters"]["parameter"], "notes")
        self.assert_still_serving()

    def test_pipelined_calls_answered_in_order(self):
        with VarlinkSocket(self.daemon.socket) as v:
            batch = b""
            for i in range(50):
                batch += json.dumps({"method": "io.tend.Contacts.Add",
                                     "parameters": {"name": "Pipe %02d" % i}}).encode() + b"\0"
            batch += b'{"method":"io.tend.Contacts.List"}\0'
            v.send_raw(batch)
            for i in range(50):
                r = v.recv()
                self.assertEqual(r["parameters"]["contact"]["name"], "Pipe %02d" % i)
            names = [c["name"] for c in v.recv()["parameters"]["contacts"]]
            self.assertEqual(names, ["Pipe %02d" % i for i in range(50)])

    def test_oneway_gets_no_reply(self):
        with VarlinkSocket(self.daemon.socket) as v:
            v.send({"method": "io.tend.Contacts.Add", "parameters": {"name": "Quiet"},
                    "oneway": True})
            v.send({"method": "io.tend.Service.Status"})
            r = v.recv()
            self.assertEqual(r["parameters"]["contacts"], 1)

    def test_socket_permissions(self):
        st = os.stat(self.daemon.socket)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.daemon.socket)).st_mode),
                         0o700)
        data = os.path.join(self.daemon.root, "data", "tend")
        self.assertEqual(stat.S_IMODE(os.stat(data).st_mode), 0o700)

    def test_many_connections_do_not_kill_the_daemon(self):
        socks = []
        try:
            for _ in range(200):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.daemon.socket)
                socks.append(s)
        finally:
            for s in socks:
                s.close()

        # Until tendd has seen the hang-ups it may still be at its connection limit, and it
        # closes a new connection at once (that is the limit working): it serves again after.
        def serves():
            try:
                r = self.call("io.tend.Service.Status")
            except (ConnectionResetError, BrokenPipeError):
                return None
            return r and "parameters" in r
        wait_until(serves, what="tendd to serve after the flood")
        self.assertTrue(self.daemon.alive())

    def test_second_daemon_refuses_same_socket(self):
        p = subprocess.run([TENDD, "--data-dir", os.path.join(self.root, "other")],
                           env=self.daemon.env, capture_output=True, text=True, timeout=WAIT)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("already", p.stderr)
        self.assert_still_serving()

    def test_sigint_stops_cleanly(self):
        self.assertEqual(self.daemon.stop(signal.SIGINT), 0)
        self.assertFalse(os.path.exists(self.daemon.socket))


class UnreachableTests(TendTestCase):
    start_daemon = False

    def test_client_without_daemon(self):
        p = self.tend("ls")
        self.assertEqual(p.returncode, 3)
        self.assertIn("tendd", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)

    def test_stale_socket_is_replaced(self):
        os.makedirs(os.path.dirname(self.daemon.socket), mode=0o700)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(self.daemon.socket)
        s.close()  # bound but nobody listening: stale
        self.daemon.start()
        self.assertEqual(self.tend("ls", check=0).returncode, 0)


# Run in a mount namespace of their own with an empty /tmp and /run/user: the fallback
# directory is then nobody else's (not a real tendd's, not another test run's).
# The binaries are held open first: the build tree may itself be under /tmp.
FALLBACK_SCRIPT = r"""
set -e
exec 3<"$1" 4<"$2"
tendd=/proc/$$/fd/3 tend=/proc/$$/fd/4
mount -t tmpfs -o mode=1777 tmpfs /tmp
if [ -d /run/user ]; then mount -t tmpfs tmpfs /run/user; fi
"$tendd" 2>/dev/null &
daemon=$!
tries=0
until "$tend" status --json >"$3" 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt "$4" ] || ! kill -0 "$daemon" 2>/dev/null; then
        kill "$daemon" 2>/dev/null || true
        echo "tendd did not answer in its fallback directory" >&2
        exit 1
    fi
    sleep 0.05
done
socket=$(sed -n 's/.*"socket": *"\([^"]*\)".*/\1/p' "$3")
echo "$socket"
stat -c '%u %a' "$(dirname "$(dirname "$socket")")"
kill -TERM "$daemon"
wait "$daemon"
"""


def can_unshare():
    try:
        return subprocess.run(["unshare", "-rm", "true"], capture_output=True,
                              timeout=WAIT).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@unittest.skipUnless(shutil.which("unshare") and can_unshare(),
                     "needs unshare -rm (user and mount namespaces)")
class RuntimeFallbackTests(TendTestCase):
    """Without XDG_RUNTIME_DIR (containers, CI, root shells) client and daemon agree on the
    same private fallback directory."""

    start_daemon = False

    def test_client_and_daemon_agree_without_xdg_runtime_dir(self):
        env = dict(self.daemon.env)
        del env["XDG_RUNTIME_DIR"]
        status = "/tmp/status.json"  # on the namespace's own /tmp (the sandbox is hidden)
        p = subprocess.run(["unshare", "-rm", "sh", "-c", FALLBACK_SCRIPT, "sh", TENDD, TEND,
                            status, str(int(WAIT / 0.05))],
                           env=env, capture_output=True, text=True, timeout=2 * WAIT)
        self.assertEqual(p.returncode, 0, p.stderr)  # tendd stopped cleanly, too
        sock, uid, mode = p.stdout.split()
        # In the namespace we are uid 0; /run/user/0 is not there, so /tmp/tend-0 it is.
        self.assertEqual(os.path.dirname(os.path.dirname(sock)), "/tmp/tend-0")
        self.assertEqual(uid, "0")
        self.assertEqual(int(mode, 8) & 0o077, 0)


class CliTests(TendTestCase):
    start_daemon = False

    def test_version_and_help(self):
        self.assertIn("0.1.0", self.ok("--version").stdout)
        out = self.ok("--help").stdout
        for verb in ("add", "show", "edit", "rm", "ls", "find", "log", "history", "due",
                     "snooze", "status"):
            self.assertIn(verb, out)
        self.assertIn("3", out)  # exit codes documented
        self.assertIn("--every", self.ok("help", "add").stdout)
        self.assertIn("--every", self.ok("add", "--help").stdout)


if __name__ == "__main__":
    unittest.main()
