"""End to end: one person, one record — duplicates refused (--new), tend merge, tend dupes,
what tend rm takes with it (asked first, met-via kept as text), goal rm and intro rm asking."""

import json
import os
import pty
import select
import subprocess
import time
import unittest

from tendtest import TEND, TendTestCase


class DuplicateRefusalTests(TendTestCase):
    def test_add_of_an_existing_name_is_refused_and_new_adds_anyway(self):
        self.json("add", "Rachel Green")
        p = self.tend("add", "rachel green", check=1)
        self.assertIn("Rachel Green (#1) already has the name", p.stderr)
        self.assertIn("--new", p.stderr)
        self.assertIn("tend merge 1", p.stderr)
        self.assertEqual(len(self.json("ls")), 1)
        c = self.json("add", "Rachel Green", "--new")
        self.assertEqual(c["id"], 2)
        r = self.call("io.tend.Contacts.Add", {"name": "RACHEL GREEN"})
        self.assertEqual(r["error"], "io.tend.Contacts.NameInUse")
        self.assertEqual(r["parameters"]["contact"]["name"], "Rachel Green")

    def test_rename_to_an_existing_name_is_refused(self):
        self.json("add", "Lena Fischer")
        self.json("add", "Lena F")
        p = self.tend("edit", "Lena F", "--name", "lena fischer", check=1)
        self.assertIn("Lena Fischer (#1) already has the name", p.stderr)
        self.assertIn("--new renames", p.stderr)
        self.assertEqual(self.json("show", "2")["name"], "Lena F")
        # Their own name in another case is no duplicate.
        self.assertEqual(self.json("edit", "1", "--name", "LENA FISCHER")["name"], "LENA FISCHER")
        self.assertEqual(self.json("edit", "2", "--name", "Lena Fischer", "--new")["name"],
                         "Lena Fischer")
        self.tend("edit", "2", "--new", check=2)  # --new goes with --name
        # Two of one name now: either may still be edited, name included, without --new.
        self.assertEqual(self.json("edit", "2", "--name", "lena fischer", "--org", "Acme")["org"],
                         "Acme")

    def test_an_email_in_use_is_refused_with_the_merge_hint(self):
        self.json("add", "Ann Lee", "--email", "ann@example.com")
        p = self.tend("add", "Annie", "--email", "ANN@example.com", check=1)
        self.assertIn("already belongs to Ann Lee (#1)", p.stderr)
        self.assertIn("tend merge 1", p.stderr)

    def test_goal_title_is_refused_and_new_adds_anyway(self):
        self.ok("goal", "add", "Raise a seed round")
        p = self.tend("goal", "add", "raise A SEED round", check=1)
        self.assertIn('goal #1 already has the title "Raise a seed round"', p.stderr)
        self.assertEqual(len(self.json("goal", "ls")), 1)
        self.ok("goal", "add", "raise a seed round", "--new")
        self.assertEqual(len(self.json("goal", "ls")), 2)
        r = self.call("io.tend.Goals.Add", {"title": "RAISE A SEED ROUND"})
        self.assertEqual(r["error"], "io.tend.Goals.TitleInUse")

    def test_prospect_add_of_one_existing_person_makes_them_the_prospect(self):
        self.json("add", "Pat Lee", "--email", "pat@example.com")
        p = self.ok("prospect", "add", "pat lee", "--plan", "ask about hiring")
        self.assertIn("Pat Lee (#1) was in tend already: now a prospect", p.stdout)
        people = self.json("ls")
        self.assertEqual(len(people), 1)
        self.assertEqual(people[0]["prospect"]["stage"], "want-to-meet")
        self.assertEqual(people[0]["prospect"]["plan"], "ask about hiring")
        self.assertEqual(people[0]["emails"], ["pat@example.com"])
        # A prospect already: refused; --new adds a second person.
        self.tend("prospect", "add", "Pat Lee", check=1)
        self.ok("prospect", "add", "Pat Lee", "--new")
        self.assertEqual(len(self.json("ls")), 2)
        # Two of that name: refused (which one?).
        p = self.tend("prospect", "add", "pat lee", check=1)
        self.assertIn("already has the name", p.stderr)


class MergeTests(TendTestCase):
    def setUp(self):
        super().setUp()
        self.keep = self.json("add", "Rachel Green", "--email", "rachel@example.com",
                              "--org", "Bloomingdale's", "--every", "30d", "--network", "personal")
        self.other = self.json("add", "Rachel Green", "--new", "--email", "rg@example.org",
                               "--phone", "+1 555 0100 200", "--org", "Ralph Lauren",
                               "--title", "Buyer", "--tag", "fashion", "--network", "strategic")
        self.json("add", "Ross Geller")
        self.json("add", "Fatima Zahra", "--met-via", str(self.other["id"]))
        self.json("prospect", "add", "Tara Singh", "--via", str(self.other["id"]))
        self.ok("goal", "add", "Open a shop")
        self.ok("goal", "link", "Open a shop", str(self.other["id"]), "--why", "knows retail")
        self.ok("log", "1", "coffee", "--at", "5 days ago")
        self.ok("log", "2", "call", "--at", "2 days ago", "--gave", "a referral", "--got",
                "advice")
        self.ok("intro", "2", "Ross Geller")
        self.ok("intro", "1", "2")  # between the two records: goes with the merge

    def test_merge_moves_everything_and_reports_conflicts(self):
        r = self.json("merge", "1", "2")
        self.assertEqual([m["id"] for m in r["merged"]], [2])
        self.assertEqual(r["moved"]["interactions"], 1)
        self.assertEqual(r["moved"]["introductions"], 1)
        self.assertEqual(r["moved"]["introductions_dropped"], 1)
        self.assertEqual(r["moved"]["goal_links"], 1)
        self.assertEqual(r["moved"]["met_via"], 1)
        self.assertEqual(r["moved"]["prospect_via"], 1)
        conflicts = {c["field"]: c for c in r["conflicts"]}
        self.assertEqual(conflicts["org"]["kept"], "Bloomingdale's")
        self.assertEqual(conflicts["org"]["other"], "Ralph Lauren")
        self.assertEqual(conflicts["org"]["from"]["id"], 2)

        c = self.json("show", "1")
        self.assertEqual(c["emails"], ["rachel@example.com", "rg@example.org"])
        self.assertEqual(c["phones"], ["+1 555 0100 200"])
        self.assertEqual(c["tags"], ["fashion"])
        self.assertEqual(c["title"], "Buyer")  # only OTHER had one: taken
        self.assertEqual(sorted(c["networks"]), ["personal", "strategic"])
        # The touch rule over the newest interaction: the call 2 days ago, + 30 days.
        self.assertEqual(c["last_kind"], "call")
        hist = self.json("history", "1")
        self.assertEqual(sorted(i["kind"] for i in hist), ["call", "coffee"])
        call = [i for i in hist if i["kind"] == "call"][0]
        self.assertEqual((call["gave"], call["got"]), ("a referral", "advice"))
        self.assertEqual(self.json("show", "Fatima")["met_via"]["id"], 1)
        self.assertEqual(self.json("show", "Tara")["prospect"]["via"]["id"], 1)
        goal = self.json("goal", "show", "Open a shop")
        self.assertEqual([(p["contact"]["id"], p["why"]) for p in goal["people"]],
                         [(1, "knows retail")])
        intros = self.json("intro", "ls")
        self.assertEqual([(i["a"]["id"], i["b"]["id"]) for i in intros], [(1, 3)])
        self.assertEqual(self.tend("show", "2", check=1).returncode, 1)
        self.assertEqual(len(self.json("ls")), 4)

    def test_merge_prints_what_moved_and_the_conflicting_fields(self):
        p = self.ok("merge", "1", "2")
        self.assertIn("Merged Rachel Green (#2) into Rachel Green (#1): moved 1 interaction",
                      p.stdout)
        self.assertIn("org: Ralph Lauren (#2: Rachel Green; kept: Bloomingdale's)", p.stdout)

    def test_merge_of_a_person_into_themselves_is_refused(self):
        p = self.tend("merge", "1", "1", check=1)
        self.assertIn("names the person kept", p.stderr)
        self.tend("merge", "1", check=2)
        self.assertEqual(len(self.json("ls")), 5)

    def test_tombstone_names_keeper_and_a_reimport_of_other_updates_keep(self):
        other_uuid = self.other["uuid"]
        vcf = os.path.join(self.root, "other.vcf")
        self.ok("export", "--format", "vcard", "--out", vcf)
        with open(vcf) as f:
            cards = f.read().split("END:VCARD")
        card = [c for c in cards if other_uuid in c][0].strip() + "\r\nEND:VCARD\r\n"
        card = card.replace("Ralph Lauren", "Ralph Lauren Corp")
        card = card.replace("rg@example.org", "rachel.g@example.net")
        with open(vcf, "w") as f:
            f.write(card)
        self.json("merge", "1", "2")
        export = [json.loads(line) for line in
                  self.ok("export", "--format", "json").stdout.splitlines()]
        tomb = [r for r in export if r.get("type") == "tombstone" and r["uuid"] == other_uuid]
        self.assertEqual(len(tomb), 1)
        self.assertEqual(tomb[0]["merged_into"], self.keep["uuid"])
        report = self.json("import", vcf)
        self.assertEqual(report["contacts"]["added"], 0, report)
        self.assertEqual(report["contacts"]["merged"], 1, report)
        self.assertEqual(len(self.json("ls")), 4)  # no second Rachel came back
        keep = self.json("show", "1")
        self.assertIn("rachel.g@example.net", keep["emails"])
        self.assertEqual(keep["uuid"], self.keep["uuid"])

    def test_merge_several_and_follow_a_chain_of_merges(self):
        third = self.json("add", "Rach", "--email", "rach@example.net", "--every", "2w")
        r = self.json("merge", "1", "2", str(third["id"]), "2")
        self.assertEqual([m["id"] for m in r["merged"]], [2, third["id"]])
        self.assertIn({"field": "cadence", "kept": "30 days", "other": "14 days",
                       "from": {"id": third["id"], "name": "Rach"}}, r["conflicts"])
        self.assertEqual(sorted(r["contact"]["emails"]),
                         ["rach@example.net", "rachel@example.com", "rg@example.org"])
        # Merged again into a newer record: a JSON line of the first OTHER still finds it.
        newest = self.json("add", "Rachel Karen Green")
        self.json("merge", str(newest["id"]), "1")
        line = json.dumps({"type": "contact", "uuid": self.other["uuid"], "name": "Rachel Green",
                           "emails": ["rachel@bloomies.example"]})
        report = self.json("import", "--format", "json", "-", input=line + "\n")
        self.assertEqual(report["contacts"]["merged"], 1, report)
        self.assertIn("rachel@bloomies.example", self.json("show", str(newest["id"]))["emails"])
        self.assertEqual(len(self.json("ls")), 4)

    def test_dupes_lists_by_email_phone_and_name(self):
        self.json("add", "Monica Geller", "--phone", "+1 (555) 0100-300")
        self.json("add", "Geller Monica", "--phone", "15550100300")
        self.json("add", "Joey T", "--email", "joey@example.com")
        groups = self.json("dupes")
        reasons = {(g["reason"], tuple(c["id"] for c in g["contacts"])) for g in groups}
        self.assertIn(("name", (1, 2)), reasons)
        self.assertIn(("phone", (6, 7)), reasons)
        self.assertIn(("name words", (6, 7)), reasons)
        p = self.ok("dupes")
        self.assertIn("Same name rachel green: Rachel Green (#1), Rachel Green (#2)", p.stdout)
        self.assertIn("tend merge", p.stdout)
        self.json("merge", "1", "2")
        self.json("merge", "Monica Geller", "Geller Monica")
        self.assertEqual(self.json("dupes"), [])
        self.assertIn("No likely duplicates", self.ok("dupes").stdout)


class RemoveCascadeTests(TendTestCase):
    def setUp(self):
        super().setUp()
        self.json("add", "David Kim")
        self.json("add", "Fatima Zahra", "--met-via", "David Kim")
        self.json("prospect", "add", "Tara Singh", "--via", "David Kim")
        self.json("add", "Rachel Green")
        self.ok("intro", "David Kim", "Rachel Green")
        self.ok("goal", "add", "Raise a seed round")
        self.ok("goal", "link", "Raise a seed round", "David Kim")
        self.ok("log", "David Kim", "coffee", "--at", "2 days ago")
        self.ok("log", "David Kim", "call", "--at", "1 day ago")

    def test_dry_run_lists_the_cascade_and_changes_nothing(self):
        r = self.call("io.tend.Contacts.Remove", {"who": "David Kim", "dry_run": True})
        cascade = r["parameters"]["cascade"]
        self.assertTrue(r["parameters"]["dry_run"])
        self.assertEqual(cascade["interactions"], 2)
        self.assertEqual([(i["id"], i["with"]["name"]) for i in cascade["introductions"]],
                         [(1, "Rachel Green")])
        self.assertEqual([g["title"] for g in cascade["goal_links"]], ["Raise a seed round"])
        self.assertEqual([c["name"] for c in cascade["met_via_of"]], ["Fatima Zahra"])
        self.assertEqual([c["name"] for c in cascade["prospect_via_of"]], ["Tara Singh"])
        self.assertEqual(self.json("show", "David Kim")["name"], "David Kim")
        self.assertEqual(len(self.json("intro", "ls")), 1)

    def test_rm_keeps_met_via_as_text(self):
        r = self.json("rm", "David Kim", "--yes")
        self.assertEqual(r["cascade"]["interactions"], 2)
        fatima = self.json("show", "Fatima")
        self.assertIsNone(fatima["met_via"])
        self.assertEqual(fatima["met_via_name"], "David Kim")
        self.assertIn("Met via:           David Kim (no longer in tend)",
                      self.ok("show", "Fatima").stdout)
        tara = self.json("show", "Tara")
        self.assertIsNone(tara["prospect"]["via"])
        self.assertEqual(tara["prospect"]["via_name"], "David Kim")
        path = self.json("path", "Tara")
        self.assertEqual(path["prospect_via_name"], "David Kim")
        self.assertIn("David Kim (no longer in tend) could introduce you to Tara Singh.",
                      self.ok("path", "Tara").stdout)
        self.assertEqual(self.json("intro", "ls"), [])
        # Naming a person again replaces the text.
        self.json("add", "David Kim")
        self.assertIsNone(self.json("edit", "Fatima", "--met-via", "David Kim")["met_via_name"])

    def test_rm_on_a_terminal_lists_what_goes_before_asking(self):
        out, rc = run_on_pty(self.daemon.env, ["rm", "David Kim"], "n\n")
        self.assertEqual(rc, 1, out)
        self.assertIn("Removing David Kim (#1):", out)
        self.assertIn("2 interactions go", out)
        self.assertIn("introduction #1 with Rachel Green (#4) goes", out)
        self.assertIn('link to goal #1 "Raise a seed round" goes', out)
        self.assertIn('met via them: Fatima Zahra (#2) — keep "David Kim" as text', out)
        self.assertIn('prospect via them: Tara Singh (#3) — keep "David Kim" as text', out)
        self.assertIn("Remove David Kim (#1)? [y/N]", out)
        self.assertEqual(self.json("show", "David Kim")["name"], "David Kim")
        out, rc = run_on_pty(self.daemon.env, ["rm", "David Kim"], "y\n")
        self.assertEqual(rc, 0, out)
        self.assertIn("Removed David Kim (#1).", out)
        self.tend("show", "David Kim", check=1)

    def test_rm_without_a_terminal_needs_yes(self):
        p = self.tend("rm", "David Kim", check=2)
        self.assertIn("pass --yes", p.stderr)


class ConfirmTests(TendTestCase):
    def setUp(self):
        super().setUp()
        self.json("add", "Ann Lee")
        self.json("add", "Bob Ray")
        self.ok("goal", "add", "Raise a seed round")
        self.ok("goal", "link", "Raise a seed round", "Ann Lee")
        self.ok("intro", "Ann Lee", "Bob Ray")

    def test_goal_rm_asks_on_a_terminal_and_needs_yes_otherwise(self):
        p = self.tend("goal", "rm", "Raise a seed round", check=2)
        self.assertIn("pass --yes", p.stderr)
        self.assertEqual(len(self.json("goal", "ls")), 1)
        out, rc = run_on_pty(self.daemon.env, ["goal", "rm", "Raise a seed round"], "n\n")
        self.assertEqual(rc, 1, out)
        self.assertIn('Remove goal #1 "Raise a seed round" and its links to 1 person? [y/N]', out)
        self.assertEqual(len(self.json("goal", "ls")), 1)
        out, rc = run_on_pty(self.daemon.env, ["goal", "rm", "Raise a seed round"], "yes\n")
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.json("goal", "ls"), [])

    def test_goal_rm_yes(self):
        self.ok("goal", "rm", "Raise a seed round", "--yes")
        self.assertEqual(self.json("goal", "ls"), [])
        self.tend("goal", "ls", "--yes", check=2)

    def test_intro_rm_asks_on_a_terminal_and_needs_yes_otherwise(self):
        p = self.tend("intro", "rm", "Ann Lee", "Bob Ray", check=2)
        self.assertIn("pass --yes", p.stderr)
        out, rc = run_on_pty(self.daemon.env, ["intro", "rm", "1"], "n\n")
        self.assertEqual(rc, 1, out)
        self.assertIn("Would remove introduction #1: Ann Lee (#1) and Bob Ray (#2).", out)
        self.assertIn("Remove this introduction? [y/N]", out)
        self.assertEqual(len(self.json("intro", "ls")), 1)
        out, rc = run_on_pty(self.daemon.env, ["intro", "rm", "Ann Lee", "Bob Ray"], "y\n")
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.json("intro", "ls"), [])

    def test_intro_rm_yes(self):
        self.ok("intro", "rm", "1", "--yes")
        self.assertEqual(self.json("intro", "ls"), [])


class SmallFixesTests(TendTestCase):
    def test_ambiguous_person_under_goal_link_shows_the_command_to_type(self):
        self.json("add", "Zoe Park")
        self.json("add", "Zoe Smith")
        self.ok("goal", "add", "Raise a seed round")
        p = self.tend("goal", "link", "Raise a seed round", "zoe", check=1)
        self.assertIn("'zoe' matches 2 contacts", p.stderr)
        self.assertIn("'tend goal link \"Raise a seed round\" 1'", p.stderr)
        self.assertNotIn("'tend goal 1'", p.stderr)

    def test_ambiguous_goal_under_goal_link_shows_the_command_to_type(self):
        self.json("add", "Zoe Park")
        self.ok("goal", "add", "Raise a seed round")
        self.ok("goal", "add", "Raise a series A")
        p = self.tend("goal", "link", "raise", "zoe", check=1)
        self.assertIn("'raise' matches 2 goals", p.stderr)
        self.assertIn("#1  Raise a seed round", p.stderr)
        self.assertIn("'tend goal link 1 zoe'", p.stderr)

    def test_intro_ls_who_lists_their_introductions(self):
        self.json("add", "Zoe Park")
        self.json("add", "Ann Lee")
        self.json("add", "Bob Ray")
        self.ok("intro", "Ann Lee", "Zoe Park")
        self.ok("intro", "Zoe Park", "Bob Ray")
        for who in ("zoe", "Zoe Park", "1"):
            intros = self.json("intro", "ls", who)
            self.assertEqual(len(intros), 2, who)
            self.assertIn("Zoe Park", self.ok("intro", "ls", who).stdout)
        p = self.ok("intro", "ls", "Ann")
        self.assertIn("Ann Lee", p.stdout)

    def test_intro_ls_who_lists_whom_they_introduced_you_to(self):
        self.json("add", "Zoe Park")
        self.json("add", "Tara Singh", "--met-via", "zoe")
        self.json("add", "Ann Lee")
        self.ok("intro", "Ann Lee", "Tara Singh")
        p = self.ok("intro", "ls", "zoe")
        self.assertIn("Zoe Park (#1) introduced you to Tara Singh (#2).", p.stdout)
        self.assertNotIn("No introductions yet", p.stdout)
        r = self.call("io.tend.Network.Introductions", {"who": "zoe"})["parameters"]
        self.assertEqual([c["name"] for c in r["introduced_you_to"]], ["Tara Singh"])
        p = self.ok("intro", "ls", "Ann")
        self.assertNotIn("No introductions yet", p.stdout)
        p = self.ok("intro", "ls", "Zoe Park")
        self.assertNotIn("introduced you to Ann", p.stdout)
        self.json("add", "Bob Ray")
        self.assertIn("You have not introduced Bob Ray (#4) to anyone yet",
                      self.ok("intro", "ls", "bob").stdout)
        self.json("prospect", "add", "Cy Young", "--via", "zoe")
        self.assertIn("Zoe Park (#1) could introduce you to Cy Young (#5).",
                      self.ok("intro", "ls", "zoe").stdout)


def run_on_pty(env, args, answer, timeout=20.0):
    """Run tend on a pseudo-terminal (stdin, stdout and stderr), type answer when it asks;
    returns (everything it printed, exit code)."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(TEND, [TEND, *args], env)
        finally:
            os._exit(127)
    out = b""
    sent = False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if fd in r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if not sent and b"[y/N]" in out:
            os.write(fd, answer.encode())
            sent = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return out.decode(errors="replace").replace("\r\n", "\n"), os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    unittest.main()
