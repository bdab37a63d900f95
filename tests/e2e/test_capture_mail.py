"""Capture from mail: a maildir generated in the sandbox, indexed by the real `notmuch new`
(NOTMUCH_CONFIG points at the sandbox's own configuration), read by tendd ([capture] notmuch =
auto). Sent mail is an email touch, received mail history only, lists and mass mail never;
nothing twice across re-scans, restarts and kill -9; a deleted one never comes back; the
ignore list is undoable; and tendd reads headers, never bodies."""

import os
import shutil
import signal
import subprocess
import time
import unittest

from tendtest import TENDD, TendTestCase, WAIT, wait_until

DAY = 86400
NOTMUCH = shutil.which("notmuch", path="/usr/bin:/bin")


def rfc2822(t):
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(t))


@unittest.skipUnless(NOTMUCH, "notmuch is not installed")
class CaptureMailTests(TendTestCase):
    start_daemon = False

    def setUp(self):
        super().setUp()
        self.now = int(time.time())
        self.mail = os.path.join(self.root, "mail")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(self.mail, sub))
        self.nm_config = os.path.join(self.root, "notmuch-config")
        with open(self.nm_config, "w") as f:
            f.write("[database]\npath=%s\n[user]\nname=Me\nprimary_email=me@home.example\n"
                    "other_email=me2@work.example\n[new]\ntags=inbox\n" % self.mail)
        self.daemon.env["NOTMUCH_CONFIG"] = self.nm_config
        # Under the sanitizers: libnotmuch is built without frame pointers, and the leak of its
        # own that tests/lsan.supp names is only recognised with the slow unwinder.
        asan = self.daemon.env.get("ASAN_OPTIONS")
        if asan is not None:
            self.daemon.env["ASAN_OPTIONS"] = asan + ":fast_unwind_on_malloc=0"
        conf = os.path.join(self.root, "config", "tend")
        os.makedirs(conf)
        with open(os.path.join(conf, "tendd.conf"), "w") as f:
            f.write("[capture]\nnotmuch = auto\nme = me@home.example\n")
        self.n = 0

    # ---- the maildir ----

    def message(self, frm, to, days_ago, cc=(), list_id=None, body="hello\n", msgid=None,
                reply_to=None):
        self.n += 1
        msgid = msgid or "m%d.%d@test.example" % (self.n, self.now)
        head = ["From: %s" % frm, "To: %s" % ", ".join(to)]
        if cc:
            head.append("Cc: %s" % ",\n ".join(cc))  # folded over several lines
        if list_id:
            head.append("List-Id: <%s>" % list_id)
        if reply_to:
            head.append("In-Reply-To: <%s>" % reply_to)
        head += ["Subject: message %d" % self.n, "Date: %s" % rfc2822(self.now - days_ago * DAY),
                 "Message-ID: <%s>" % msgid]
        path = os.path.join(self.mail, "cur", "%d.%d.test:2,S" % (self.now, self.n))
        with open(path, "w") as f:
            f.write("\n".join(head) + "\n\n" + body)
        return msgid, path

    def notmuch_new(self):
        subprocess.run([NOTMUCH, "new", "--quiet"], check=True, timeout=WAIT * 5,
                       env=dict(self.daemon.env), capture_output=True)

    # ---- tend ----

    def status(self):
        return self.json("capture", "status")["mail"]

    def wait_scanned(self, captured=None, seen=None):
        def done():
            s = self.status()
            if s.get("scanning") or not s.get("last_scan") or s.get("backfill"):
                return None
            c = s["counts"]
            if captured is not None and c["captured"] < captured:
                return None
            if seen is not None and c["seen"] < seen:
                return None
            return s
        return wait_until(done, what="the mail scan")

    def history(self, who):
        return [i for i in self.json("history", who) if i.get("source")]

    def people(self):
        self.ok("add", "Ann Archer", "--email", "ann@a.example", "--email",
                "Ann.Alias@b.example", "--every", "30d")
        self.ok("add", "Bob Baker", "--email", "bob@b.example", "--every", "30d")
        self.ok("add", "Cy Cole", "--email", "cy@c.example", "--every", "30d")

    # ---- tests ----

    def test_capture_rescan_restart_delete_ignore(self):
        self.message("Me <me@home.example>", ["Ann <ANN@a.example>"], 10)
        self.message("Bob <bob@b.example>", ["me@home.example"], 5)
        self.message("Ann <ann@a.example>", ["list@lists.example"], 4, list_id="l.example")
        # from my second address (notmuch's other_email) to Ann's second address
        self.message("me2@work.example", ["\"Ann A.\" <ann.alias@b.example>"], 3)
        # a reply thread with Cy
        first, _ = self.message("Cy <cy@c.example>", ["me@home.example"], 2)
        self.message("me@home.example", ["cy@c.example"], 1, reply_to=first)
        # forty recipients, Bob among them: bulk
        self.message("me@home.example", ["bob@b.example"], 2,
                     cc=["p%d@many.example" % i for i in range(39)])
        self.notmuch_new()
        self.daemon.start()
        self.people()
        self.ok("capture", "rescan", "mail")  # the people came after the first scan
        s = self.wait_scanned(captured=4)
        # the list message and the forty recipients, counted at each read (two so far)
        self.assertEqual(s["counts"]["bulk"], 4)

        ann = self.history("ann")
        self.assertEqual([i["kind"] for i in ann], ["email", "email"])
        self.assertEqual({i["source"]["type"] for i in ann}, {"mail"})
        self.assertTrue(all(i["touch"] for i in ann))
        bob = self.history("bob")
        self.assertEqual([(i["kind"], i["touch"]) for i in bob], [("received", False)])
        self.assertIsNone(self.json("show", "bob").get("last_interaction"))
        cy = self.history("cy")
        self.assertEqual([(i["kind"], i["touch"]) for i in cy],
                         [("email", True), ("received", False)])
        shown = self.ok("history", "ann").stdout
        self.assertIn("from mail", shown)
        # the rhythm follows the latest sent mail: Ann is due 30 days after it
        due = self.json("due", "--within", "400d")
        ann_due = [c for c in due if c["name"] == "Ann Archer"][0]
        self.assertIsNotNone(ann_due["next_due"])

        def counts():
            return sorted((w, len(self.history(w))) for w in ("ann", "bob", "cy"))
        before = counts()
        # a re-scan and a restart find nothing new
        self.ok("capture", "rescan")
        self.wait_scanned(seen=s["counts"]["seen"] + 4)
        self.assertEqual(counts(), before)
        self.assertEqual(self.daemon.stop(), 0)
        self.daemon.start()
        self.assertEqual(counts(), before)

        # deleted: never captured again
        victim = ann[0]["id"]
        self.ok("interaction", "rm", str(victim), "--yes")
        seen = self.status()["counts"]["seen"]
        self.ok("capture", "rescan")
        self.wait_scanned(seen=seen + 5)  # the five captured, the deleted one among them
        self.assertEqual(len(self.history("ann")), 1)
        self.assertNotIn(victim, [i["id"] for i in self.history("ann")])

        # new mail arrives: notmuch new is noticed without being asked
        self.message("me@home.example", ["bob@b.example"], 0)
        self.notmuch_new()
        wait_until(lambda: len(self.history("bob")) == 2, what="the new mail")
        self.assertEqual(self.json("show", "bob")["last_kind"], "email")

        # ignoring a person, and undoing it
        self.assertIn("Ignoring", self.ok("capture", "ignore", "Cy Cole").stdout)
        self.message("me@home.example", ["cy@c.example"], 0)
        self.notmuch_new()
        wait_until(lambda: self.status()["counts"]["ignored"] >= 1, what="the ignored mail")
        self.assertEqual(len(self.history("cy")), 2)
        self.ok("undo")
        self.assertEqual(self.json("capture", "status")["ignored"], [])
        self.ok("capture", "ignore", "@C.example")
        self.assertEqual(self.json("capture", "status")["ignored"], ["@c.example"])
        self.ok("capture", "unignore", "c.example")
        self.assertEqual(self.json("capture", "status")["ignored"], [])
        r = self.tend("capture", "ignore", "nobody at all")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("'nobody at all' is no contact, address", r.stderr)
        self.assertNotIn("replied with the error", r.stderr)

    def test_due_plan_and_health_follow_captured_mail(self):
        """Turning capture on is all it takes: mail sent to an overdue person takes them out
        of `due` and the plan and counts in health, as a hand-logged touch would; mail only
        received from someone never touched leaves them never touched."""
        self.daemon.start()
        self.ok("add", "Dana Doe", "--email", "dana@d.example", "--every", "14d",
                "--network", "operational")
        self.ok("add", "Eve Early", "--email", "eve@e.example", "--every", "14d",
                "--network", "operational")
        self.ok("log", "dana", "coffee", "--at", time.strftime(
            "%Y-%m-%d", time.gmtime(self.now - 60 * DAY)))

        def planned():
            return [i["contact"]["name"] for i in self.json("plan")["items"]]

        def operational():
            return [n for n in self.json("health")["networks"]
                    if n["network"] == "operational"][0]
        self.assertIn("Dana Doe", [c["name"] for c in self.json("due")])
        self.assertIn("Dana Doe", planned())
        self.assertEqual(operational()["touched_30"], 0)

        self.message("me@home.example", ["Dana <dana@d.example>"], 2)
        self.message("Eve <eve@e.example>", ["me@home.example"], 1)
        self.notmuch_new()
        wait_until(lambda: self.json("show", "dana")["last_kind"] == "email",
                   what="the captured mail")
        self.wait_scanned(captured=2)
        self.assertNotIn("Dana Doe", [c["name"] for c in self.json("due")])
        self.assertNotIn("Dana Doe", planned())
        health = operational()
        self.assertEqual(health["touched_30"], 1)
        self.assertEqual([p["name"] for p in health["never_touched_people"]], ["Eve Early"])
        self.assertIsNone(self.json("show", "eve").get("last_interaction"))

    def test_kill_during_backfill_loses_and_repeats_nothing(self):
        for k in range(3000):
            self.message("me@home.example", ["ann@a.example"], 1 + (k % 80))
        self.notmuch_new()
        # the people first, capture on afterwards: the back-fill matches them
        with open(os.path.join(self.root, "config", "tend", "tendd.conf"), "w") as f:
            f.write("")
        self.daemon.start()
        self.ok("add", "Ann Archer", "--email", "ann@a.example")
        self.daemon.stop()
        with open(os.path.join(self.root, "config", "tend", "tendd.conf"), "w") as f:
            f.write("[capture]\nnotmuch = auto\n")
        self.daemon.start()
        wait_until(lambda: (lambda s: s["counts"]["captured"] > 0 or not s.get("scanning"))(
            self.status()), interval=0.01, what="the back-fill to start")
        self.daemon.proc.send_signal(signal.SIGKILL)
        self.daemon.proc.wait()
        self.daemon.log.close()
        self.daemon.start()
        self.wait_scanned(captured=1)
        wait_until(lambda: self.status()["counts"]["captured"] >= 3000 or None,
                   what="the whole back-fill")
        ann = self.history("ann")
        self.assertEqual(len(ann), 3000)
        self.assertEqual(len({i["source"]["id"] for i in ann}), 3000)

    @unittest.skipUnless(shutil.which("strace", path="/usr/bin:/bin"), "strace is not installed")
    def test_headers_only(self):
        """tendd reads the header block of a message and stops: strace counts the bytes it
        reads from a message with a 4 MB body."""
        _, big = self.message("me@home.example", ["ann@a.example"], 1,
                              body=("x" * 1000 + "\n") * 4096)
        self.message("me@home.example", ["bob@b.example"], 1)
        self.notmuch_new()
        trace = os.path.join(self.root, "strace.txt")
        strace = shutil.which("strace", path="/usr/bin:/bin")
        d = self.daemon
        d.log = open(d.log_path, "ab")
        d.proc = subprocess.Popen([strace, "-f", "-qq", "-e", "trace=read,pread64,readv,preadv",
                                   "-P", big, "-o", trace, TENDD, "--verbose"], env=d.env,
                                  stdin=subprocess.DEVNULL, stdout=d.log, stderr=subprocess.STDOUT)
        d.starts += 1
        d.wait_ready()
        self.people()
        self.ok("capture", "rescan")
        self.wait_scanned(captured=2)
        self.assertEqual(len(self.history("ann")), 1)
        # SIGTERM to tendd itself (strace would only detach), then strace ends with it
        kids = open("/proc/%d/task/%d/children" % (d.proc.pid, d.proc.pid)).read().split()
        self.assertEqual(len(kids), 1)
        os.kill(int(kids[0]), signal.SIGTERM)
        d.proc.wait(WAIT)
        d.log.close()
        total = 0
        with open(trace) as f:
            for line in f:
                if "= " in line and "read" in line:
                    n = line.rsplit("= ", 1)[1].split()[0]
                    if n.lstrip("-").isdigit() and int(n) > 0:
                        total += int(n)
        self.assertGreater(total, 0, "strace saw no read of the message")
        self.assertLess(total, 64 * 1024, "tendd read %d bytes of a message whose headers "
                        "are a few hundred" % total)


if __name__ == "__main__":
    unittest.main()
