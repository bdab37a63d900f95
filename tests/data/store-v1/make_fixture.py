#!/usr/bin/python3
"""Write the schema-1 fixture stores that tests/e2e/test_undo.py upgrades.

Builds tend at the last commit that wrote schema 1 (a4b88bb, the main branch before the undo
journal) from `git archive` into a temporary directory, runs that tendd in a sandbox, makes a
small network through its tend (people, interactions, a goal with links, an introduction, a
prospect, settings, a deletion), and writes next to this script:

  data.mdb           a compacted backup of that store (tend backup)
  export.jsonl       what that tend exported from it (tend export --format json)
  future/data.mdb    the same store claiming schema 99, as a newer tend would leave it
                     (patched with mdb_dump/mdb_load from lmdb-utils)

Usage: tests/data/store-v1/make_fixture.py [COMMIT]   (run from anywhere in the repository)
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COMMIT = sys.argv[1] if len(sys.argv) > 1 else "a4b88bb"


def run(*args, **kw):
    return subprocess.run(args, check=True, **kw)


def main():
    top = subprocess.run(["git", "-C", HERE, "rev-parse", "--show-toplevel"], check=True,
                         capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="tend-fixture-") as tmp:
        src, build, root = (os.path.join(tmp, d) for d in ("src", "build", "root"))
        os.makedirs(src)
        archive = subprocess.run(["git", "-C", top, "archive", COMMIT], check=True,
                                 capture_output=True).stdout
        run("tar", "-x", "-C", src, input=archive)
        run("cmake", "-S", src, "-B", build, "-DTEND_TESTS=OFF", stdout=subprocess.DEVNULL)
        run("cmake", "--build", build, "-j2", "--target", "tendd", "tend",
            stdout=subprocess.DEVNULL)
        tendd = os.path.join(build, "daemon", "tendd")
        tend = os.path.join(build, "client", "tend")

        runtime = os.path.join(root, "runtime")
        os.makedirs(runtime, mode=0o700)
        env = dict(os.environ, XDG_DATA_HOME=os.path.join(root, "data"),
                   XDG_CONFIG_HOME=os.path.join(root, "config"), XDG_RUNTIME_DIR=runtime,
                   HOME=root, NO_COLOR="1", TZ="UTC",
                   DBUS_SESSION_BUS_ADDRESS="unix:path=" + os.path.join(root, "nobus"),
                   DBUS_SYSTEM_BUS_ADDRESS="unix:path=" + os.path.join(root, "nobus"))
        env.pop("TEND_SOCKET", None)
        daemon = subprocess.Popen([tendd], env=env, stdin=subprocess.DEVNULL)
        sock = os.path.join(runtime, "tend", "tendd.sock")
        for _ in range(500):
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(sock)
                break
            except OSError:
                time.sleep(0.02)

        def t(*args):
            run(tend, *args, env=env, stdout=subprocess.DEVNULL)

        t("add", "Lena Fischer", "--network", "strategic", "--email", "lena@example.com",
          "--org", "Northwind", "--title", "CTO", "--tag", "mentor", "--every", "6w")
        t("add", "David Okafor", "--network", "operational", "--every", "2w",
          "--met-via", "lena")
        t("add", "Fatima Zahra", "--network", "personal", "--met-via", "david")
        t("add", "Gone Person", "--network", "personal")
        t("log", "lena", "coffee", "Talked about the platform team", "--at", "2026-11-02")
        t("log", "david", "call", "--at", "2026-11-20", "--gave", "feedback")
        t("goal", "add", "Raise a seed round", "--by", "2027-06-01")
        t("goal", "link", "Raise a seed round", "lena", "--why", "knows investors")
        t("intro", "david", "fatima")
        t("prospect", "add", "Pat Lee", "--goal", "Raise a seed round", "--via", "lena")
        t("profile", "set", "founder")
        t("me", "offers", "intros to robotics people")
        t("rm", "Gone Person", "--yes")
        export = subprocess.run([tend, "export", "--format", "json"], env=env, check=True,
                                capture_output=True).stdout
        backup = os.path.join(root, "backup.mdb")
        t("backup", backup)
        daemon.terminate()
        daemon.wait(timeout=10)

        shutil.copyfile(backup, os.path.join(HERE, "data.mdb"))
        with open(os.path.join(HERE, "export.jsonl"), "wb") as f:
            f.write(export)

        future = os.path.join(HERE, "future")
        os.makedirs(future, exist_ok=True)
        shutil.copyfile(backup, os.path.join(future, "data.mdb"))
        dump = subprocess.run(["mdb_dump", "-n", "-s", "meta", os.path.join(future, "data.mdb")],
                              check=True, capture_output=True, text=True).stdout
        lines = dump.split("\n")
        key = "schema".encode().hex()
        i = lines.index(" " + key)
        if lines[i + 1] != " 00000001":
            sys.exit("unexpected schema value %r" % lines[i + 1])
        lines[i + 1] = " 00000063"
        run("mdb_load", "-n", "-s", "meta", os.path.join(future, "data.mdb"),
            input="\n".join(lines), text=True)
        for d in (HERE, future):  # mdb_dump/mdb_load -n leave a lock file next to the data
            lock = os.path.join(d, "data.mdb-lock")
            if os.path.exists(lock):
                os.remove(lock)


if __name__ == "__main__":
    main()
