"""Sync harness: a real Radicale on loopback and "machines" — a tendd in its own sandbox with
its own vdir ([sync] vdir in tendd.conf) and its own vdirsyncer config and status folder.

Radicale, vdirsyncer and khard are Debian packages CI installs (build.sh TEST_PKGS); tests
skip, naming what is missing, only when one is not installed."""

import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from tendtest import TEND, WAIT, Daemon, wait_until

PROGRAMS = ("radicale", "vdirsyncer", "khard")
# Fields that belong to one machine and never travel: its local ids, notification state and
# when the follow-up engine showed something.
PER_MACHINE = ("id", "notified_due", "notified_at", "resurface_at", "notify_id",
               "notify_unshown")


def missing_programs():
    return [p for p in PROGRAMS if not shutil.which(p)]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Radicale:
    """A Radicale server with a throw-away storage folder and no authentication."""

    def __init__(self, root):
        self.root = root
        self.port = free_port()
        self.storage = os.path.join(root, "radicale-storage")
        self.config = os.path.join(root, "radicale.conf")
        with open(self.config, "w") as f:
            f.write("[server]\nhosts = 127.0.0.1:%d\n[auth]\ntype = none\n"
                    "[rights]\ntype = authenticated\n"
                    "[storage]\nfilesystem_folder = %s\n[logging]\nlevel = warning\n"
                    % (self.port, self.storage))
        self.log = open(os.path.join(root, "radicale.log"), "wb")
        self.proc = subprocess.Popen(["radicale", "--config", self.config],
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_until(self._answers, what="Radicale to listen")

    def _answers(self):
        if self.proc.poll() is not None:
            raise AssertionError("radicale exited: " + open(self.log.name).read())
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            c.request("OPTIONS", "/")
            c.getresponse().read()
            return True
        except OSError:
            return False

    def make_addressbook(self, user, name):
        body = ('<?xml version="1.0" encoding="utf-8"?>'
                '<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
                '<D:set><D:prop><D:resourcetype><D:collection/><C:addressbook/>'
                '</D:resourcetype></D:prop></D:set></D:mkcol>')
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        c.request("MKCOL", "/%s/%s/" % (user, name), body=body,
                  headers={"Content-Type": "application/xml",
                           "Authorization": "Basic dXNlcjp4"})  # user:x
        r = c.getresponse()
        r.read()
        if r.status not in (200, 201):
            raise AssertionError("MKCOL: %d %s" % (r.status, r.reason))
        return "http://127.0.0.1:%d/%s/%s/" % (self.port, user, name)

    def count(self):
        n = 0
        for dirpath, dirs, files in os.walk(self.storage):
            dirs[:] = [d for d in dirs if not d.startswith(".")]  # Radicale's caches
            n += sum(1 for f in files if f.endswith(".vcf"))
        return n

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Machine:
    """One tendd with its vdir and vdirsyncer config, in its own sandbox."""

    def __init__(self, root, url, name, exclude=None, bus=None):
        self.name = name
        self.root = os.path.join(root, name)
        os.makedirs(os.path.join(self.root, "config", "tend"), exist_ok=True)
        self.vdir = os.path.join(self.root, "vdir")
        with open(os.path.join(self.root, "config", "tend", "tendd.conf"), "w") as f:
            # Follow-ups show at any hour of the test run.
            f.write("[schedule]\nquiet_hours = off\n[sync]\nvdir = %s\n" % self.vdir)
            if exclude:
                f.write("exclude = %s\n" % exclude)
        self.daemon = Daemon(self.root, env={"DBUS_SESSION_BUS_ADDRESS": bus} if bus else None)
        self.vdirsyncer_config = os.path.join(self.root, "vdirsyncer.conf")
        with open(self.vdirsyncer_config, "w") as f:
            f.write(VDIRSYNCER_CONFIG % {"status": os.path.join(self.root, "vdirsyncer-status"),
                                         "tend": TEND, "vdir": self.vdir, "url": url})
        self.khard_config = os.path.join(self.root, "khard.conf")
        with open(self.khard_config, "w") as f:
            f.write("[addressbooks]\n[[tend]]\npath = %s\n[general]\neditor = true\n"
                    "merge_editor = true\n[vcard]\npreferred_version = 4.0\n" % self.vdir)

    def start(self):
        self.daemon.start()
        return self

    def tend(self, *args, check=0, input=None):
        p = subprocess.run([TEND, *args], env=self.daemon.env, capture_output=True, text=True,
                           timeout=WAIT, input=input)
        if check is not None and p.returncode != check:
            raise AssertionError("%s: tend %s exited %d\nstdout: %s\nstderr: %s\nlog: %s" % (
                self.name, " ".join(args), p.returncode, p.stdout, p.stderr,
                self.daemon.read_log()[-3000:]))
        return p

    def json(self, *args):
        return json.loads(self.tend("--json", *args).stdout)

    def settle(self):
        """Let tendd export and import everything now (the quiet delay skipped)."""
        return self.json("sync", "now")

    def vdirsyncer(self, *args, check=True, **kw):
        p = subprocess.run(["vdirsyncer", "-c", self.vdirsyncer_config, *args],
                           env=self.daemon.env, capture_output=True, text=True,
                           timeout=kw.pop("timeout", WAIT * 5), **kw)
        if check and p.returncode != 0:
            raise AssertionError("%s: vdirsyncer %s exited %d\n%s\n%s" % (
                self.name, " ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def sync(self):
        """tendd's export, vdirsyncer sync, tendd's import of what came."""
        self.settle()
        self.vdirsyncer("sync")
        self.settle()

    def khard(self, *args, input=None):
        return subprocess.run(["khard", "-c", self.khard_config, *args], env=self.daemon.env,
                              capture_output=True, text=True, timeout=WAIT, input=input)

    def export(self):
        """tend export --format json, without what belongs to one machine, keyed by uuid."""
        out = self.tend("export", "--format", "json").stdout
        recs = [json.loads(line) for line in out.splitlines() if line.strip()]
        contacts, interactions, tombstones = {}, {}, {}
        for r in recs:
            for k in PER_MACHINE:
                r.pop(k, None)
            if r["type"] == "contact":
                contacts[r["uuid"]] = r
            elif r["type"] == "interaction":
                r.pop("seq", None)
                interactions[r["uuid"]] = r
            elif r["type"] == "tombstone" and r.get("record") == "contact":
                tombstones[r["uuid"]] = r.get("merged_into")
        return {"contacts": contacts, "interactions": interactions, "gone": tombstones}


VDIRSYNCER_CONFIG = """[general]
status_path = "%(status)s/"

[pair tend]
a = "tend_local"
b = "tend_remote"
collections = null
conflict_resolution = ["command", "%(tend)s", "sync", "resolve"]

[storage tend_local]
type = "filesystem"
path = "%(vdir)s"
fileext = ".vcf"

[storage tend_remote]
type = "carddav"
url = "%(url)s"
username = "user"
password = "x"
"""


class SyncTestCase(unittest.TestCase):
    """A Radicale and two machines, A and B, sharing one address book."""

    machines = ("a", "b")

    def machine_bus(self, root):
        """The session bus address a machine's tendd uses; None: none (no notifications)."""
        return None

    def setUp(self):
        missing = missing_programs()
        if missing:
            self.skipTest("not installed: %s (CI installs them; apt-get install %s)"
                          % (", ".join(missing), " ".join(missing)))
        self.root = tempfile.mkdtemp(prefix="tend-sync-")
        self.radicale = Radicale(self.root)
        self.url = self.radicale.make_addressbook("user", "tend")
        self.m = {}
        for name in self.machines:
            mroot = os.path.join(self.root, name)
            os.makedirs(mroot)
            self.m[name] = Machine(self.root, self.url, name, bus=self.machine_bus(mroot)).start()
            self.m[name].vdirsyncer("discover")

    def tearDown(self):
        try:
            for m in self.m.values():
                if m.daemon.alive():
                    rc = m.daemon.stop()
                    self.assertEqual(rc, 0, "tendd exit code\n" + m.daemon.read_log())
        finally:
            self.radicale.stop()
            shutil.rmtree(self.root, ignore_errors=True)

    def assertSame(self, a, b):
        ea, eb = a.export(), b.export()
        self.assertEqual(ea["contacts"], eb["contacts"])
        self.assertEqual(ea["interactions"], eb["interactions"])
        # A person deleted or merged on one machine is gone on the other too.
        for uuid in ea["gone"]:
            self.assertNotIn(uuid, eb["contacts"])
        for uuid in eb["gone"]:
            self.assertNotIn(uuid, ea["contacts"])
        return ea
