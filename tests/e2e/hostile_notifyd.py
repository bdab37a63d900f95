"""A misbehaving org.freedesktop.Notifications server for tests/e2e/test_hostile.py.

    hostile_notifyd.py MODE LOG

runs on the session bus in $DBUS_SESSION_BUS_ADDRESS, answers GetCapabilities and
GetServerInformation like a normal server, and handles Notify according to MODE:
  hang    never answers (the caller's own timeout is all that ends the call)
  hold    answers only when it receives SIGUSR1 (then every held call, with ids 1, 2, ...)
  error   answers with an error (org.freedesktop.DBus.Error.Failed)
  vanish  exits at once without answering: the server disappears in the middle of the call
Each Notify is appended to LOG as one JSON line {"summary", "body", "actions"} as soon as it
arrives, before it is answered (or not), so a test knows the call is in progress."""

import json
import os
import signal
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class Server(dbus.service.Object):
    def __init__(self, bus, mode, log):
        super().__init__(bus, PATH)
        self.mode = mode
        self.log = log
        self.held = []
        self.next_id = 1

    @dbus.service.method(NAME, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["body", "body-markup", "actions"]

    @dbus.service.method(NAME, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ["hostile", "tend tests", "1", "1.2"]

    @dbus.service.method(NAME, in_signature="u", out_signature="")
    def CloseNotification(self, notification_id):
        pass

    @dbus.service.method(NAME, in_signature="susssasa{sv}i", out_signature="u",
                         async_callbacks=("reply", "error"))
    def Notify(self, app, replaces, icon, summary, body, actions, hints, expire, reply, error):
        with open(self.log, "a") as f:
            f.write(json.dumps({"summary": str(summary), "body": str(body),
                                "actions": [str(a) for a in actions]}) + "\n")
            f.flush()
            os.fsync(f.fileno())
        if self.mode == "hold":
            self.held.append(reply)
        elif self.mode == "error":
            error(dbus.exceptions.DBusException("the hostile server refuses",
                                                name="org.freedesktop.DBus.Error.Failed"))
        elif self.mode == "vanish":
            os._exit(0)
        # hang: the call is dropped here and never answered.

    def release(self):
        for reply in self.held:
            reply(dbus.UInt32(self.next_id))
            self.next_id += 1
        self.held = []
        return True


def main():
    mode, log = sys.argv[1], sys.argv[2]
    if mode not in ("hang", "hold", "error", "vanish"):
        sys.exit("unknown mode " + mode)
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    server = Server(bus, mode, log)
    name = dbus.service.BusName(NAME, bus, do_not_queue=True)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, server.release)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, lambda: loop.quit() or False)
    loop.run()
    del name


if __name__ == "__main__":
    main()
