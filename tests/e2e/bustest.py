"""Private D-Bus buses and python3-dbusmock servers for the notification tests.

A PrivateBus is a dbus-daemon of our own (session or system flavour) listening in the test's
sandbox, with no service activation, so nothing on the machine (a real notification daemon,
logind) can answer in place of the mock. Mocks run as `python3 -m dbusmock --template ...`
(Debian's python3-dbusmock) and are driven through org.freedesktop.DBus.Mock."""

import os
import socket
import subprocess
import sys

import dbus

from tendtest import WAIT, wait_until

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>{kind}</type>
  <listen>unix:path={path}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

NOTIFY_NAME = "org.freedesktop.Notifications"
NOTIFY_PATH = "/org/freedesktop/Notifications"
MOCK_IFACE = "org.freedesktop.DBus.Mock"


wait_for = wait_until  # the harness's event wait: WAIT seconds unless told


class PrivateBus:
    def __init__(self, root, kind="session"):
        self.kind = kind
        self.path = os.path.join(root, "%s-bus" % kind)
        self.address = "unix:path=" + self.path
        conf = os.path.join(root, "%s-bus.conf" % kind)
        with open(conf, "w") as f:
            f.write(BUS_CONFIG.format(kind=kind, path=self.path))
        self.proc = subprocess.Popen(["dbus-daemon", "--config-file=" + conf, "--nofork",
                                      "--nopidfile"], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # The socket file appears at bind(), a moment before dbus-daemon listens on it.
        wait_for(self._accepts, what="dbus-daemon listening")
        self.mocks = []
        self._conn = None

    def _accepts(self):
        if self.proc.poll() is not None:
            raise AssertionError("dbus-daemon exited with %d" % self.proc.returncode)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            try:
                s.connect(self.path)
            except (FileNotFoundError, ConnectionRefusedError):
                return False
        return True

    @property
    def conn(self):
        if self._conn is None:
            self._conn = dbus.bus.BusConnection(self.address)
        return self._conn

    def has_owner(self, name):
        return bool(self.conn.name_has_owner(name))

    def peer_pids(self):
        """Process ids of every connection that completed its Hello on this bus."""
        bus = self.conn.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
        pids = set()
        for name in bus.ListNames(dbus_interface="org.freedesktop.DBus"):
            if name.startswith(":"):
                try:
                    pids.add(int(bus.GetConnectionUnixProcessID(
                        name, dbus_interface="org.freedesktop.DBus")))
                except dbus.exceptions.DBusException:
                    pass  # gone meanwhile
        return pids

    def wait_peer(self, pid):
        """Wait until process pid is connected to this bus."""
        wait_for(lambda: pid in self.peer_pids(), what="pid %d on the %s bus" % (pid, self.kind))

    def start_mock(self, template, parameters=None, name=None):
        """Start a dbusmock template on this bus and wait until it owns its name."""
        args = [PYTHON, "-m", "dbusmock", "--template", template]
        if self.kind == "system":
            args.append("--system")
        if parameters:
            import json
            args += ["-p", json.dumps(parameters)]
        env = dict(os.environ)
        env["DBUS_SESSION_BUS_ADDRESS" if self.kind == "session" else
            "DBUS_SYSTEM_BUS_ADDRESS"] = self.address
        proc = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.mocks.append(proc)
        wait_for(lambda: self.has_owner(name) or proc.poll() is not None,
                 what="dbusmock %s" % template)
        if proc.poll() is not None:
            raise AssertionError("dbusmock failed: " + proc.stderr.read().decode())
        return proc

    def stop_mock(self, proc):
        proc.terminate()
        proc.wait(WAIT)
        proc.stderr.close()
        self.mocks.remove(proc)

    def mock_object(self, name, path):
        return self.conn.get_object(name, path)

    def close(self):
        for proc in self.mocks:
            proc.terminate()
            try:
                proc.wait(WAIT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stderr.close()
        if self._conn is not None:
            self._conn.close()
        self.proc.terminate()
        self.proc.wait(WAIT)


class NotificationMock:
    """python3-dbusmock's notification_daemon template on a PrivateBus."""

    def __init__(self, bus, capabilities="body actions"):
        self.bus = bus
        self.proc = bus.start_mock("notification_daemon", {"capabilities": capabilities},
                                   name=NOTIFY_NAME)
        self.obj = bus.mock_object(NOTIFY_NAME, NOTIFY_PATH)

    def calls(self, method="Notify"):
        """[(timestamp, args)] of the recorded calls of method."""
        out = []
        for stamp, name, args in self.obj.GetCalls(dbus_interface=MOCK_IFACE):
            if name == method:
                out.append((float(stamp), [unwrap(a) for a in args]))
        return out

    def notifies(self):
        return [args for _, args in self.calls("Notify")]

    def wait_notifies(self, n, timeout=None):
        return wait_for(lambda: len(self.notifies()) >= n and self.notifies(), timeout,
                        what="%d Notify call(s)" % n)

    def invoke(self, notification_id, action):
        self.obj.EmitSignal("org.freedesktop.Notifications", "ActionInvoked", "us",
                            [dbus.UInt32(notification_id), action], dbus_interface=MOCK_IFACE)

    def close_notification(self, notification_id, reason=2):
        self.obj.EmitSignal("org.freedesktop.Notifications", "NotificationClosed", "uu",
                            [dbus.UInt32(notification_id), dbus.UInt32(reason)],
                            dbus_interface=MOCK_IFACE)

    def stop(self):
        self.bus.stop_mock(self.proc)


def unwrap(v):
    """dbus-python values to plain Python ones."""
    if isinstance(v, dbus.String):
        return str(v)
    if isinstance(v, (dbus.Byte, dbus.Int32, dbus.UInt32, dbus.Int64, dbus.UInt64,
                      dbus.Int16, dbus.UInt16)):
        return int(v)
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, dbus.Array):
        return [unwrap(x) for x in v]
    if isinstance(v, dbus.Dictionary):
        return {unwrap(k): unwrap(x) for k, x in v.items()}
    if isinstance(v, dbus.Struct):
        return tuple(unwrap(x) for x in v)
    return v
