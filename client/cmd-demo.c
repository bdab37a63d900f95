/* tend demo: a small, realistic network to try every command on, and taking exactly it out
 * again. The records are made here, dated relative to now, and go in through the same
 * io.tend.Transfer.Import as any import (one transaction), so the daemon's rules — rhythms,
 * goal follow-ups, the pipeline — date them exactly as if they had been logged by hand. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "timeutil.h"
#include "util.h"

#define DAY 86400LL

/* Every demo record has a uuid of this shape (a valid version-4 uuid): `tend demo --remove`
 * takes out these and nothing else, whatever was added since. */
#define DEMO_UUID_PREFIX "7e9d0000-de30-4000-8000-"
#define DEMO_TAG         "demo"

struct demo_person {
        unsigned n; /* uuid suffix */
        const char *name, *networks, *org, *title, *email, *tags, *notes, *how_met, *brings;
        int cadence_days;
        unsigned met_via;
};

struct demo_touch {
        unsigned who, n;
        int days_ago;
        const char *kind, *note, *gave, *got;
};

struct demo_goal {
        unsigned n;
        const char *title, *note;
        int added_days_ago;
};

struct demo_link {
        unsigned goal, who;
        const char *why;
};

static const struct demo_person people[] = {
    {1, "Jane Doe", "strategic", "Acme Robotics", "CTO", "jane@acme.example", "mentor",
     "Knows everyone in robotics; prefers mornings.", "RoboConf 2025, after her talk",
     "Introductions across the robotics industry", 42, 0},
    {2, "Sam Lee", "operational", "Your team", "Staff Engineer", "sam@work.example", "team",
     "Tech lead of the platform team.", NULL, "Reviews that catch what tests miss", 14, 0},
    {3, "Priya Raman", "operational", "Your company", "Product Manager", "priya@work.example",
     "product", NULL, NULL, "Customer insight, roadmap context", 21, 0},
    {4, "Bo Chen", "strategic", "Kinetic Labs", "VP Engineering", "bo@kinetic.example", "hiring",
     "Building a staff-engineer bench this year.", NULL, NULL, 60, 1},
    {5, "Lena Fischer", "personal", "Globex", "Director of Engineering", "lena@globex.example",
     "mentor alumni", "My manager at Globex; honest career advice.", "Globex, 2019-2023", NULL, 60,
     0},
    {6, "Marcus Oyelaran", "personal", NULL, NULL, "marcus@climb.example", "climbing", NULL,
     "Tuesday climbing club", NULL, 30, 0},
    {7, "Aisha Bello", "personal", "Northwind", "Data Scientist", "aisha@northwind.example",
     "alumni", NULL, "University, same year", NULL, 90, 0},
    {8, "Tom Becker", "operational personal", "Your company", "SRE", "tom@work.example",
     "team climbing", NULL, NULL, "Knows where every service's bodies are buried", 30, 0},
    {9, "Fatima Zahra", "strategic", "Nimbus", "Head of Product", "fatima@nimbus.example", "mentor",
     "Ran product at two startups before Nimbus.", "Product meetup in March", NULL, 30, 0},
    {10, "Rachel Green", "strategic", "Kinetic Labs", "Technical Recruiter",
     "rachel@kinetic.example", "hiring", NULL, NULL, NULL, 21, 4},
    {11, "David Cho", "personal", NULL, NULL, "david@example.org", "friends", NULL,
     "Coding bootcamp, 2018", NULL, 0, 0},
};

/* The prospect: someone to meet, reached through Fatima, toward the mentor goal. */
static const struct demo_person prospect = {
    12,           "Mia Wong", "strategic", "Orbital",
    "VP Product", NULL,       NULL,        "Wrote the product-discovery playbook everyone quotes.",
    NULL,         NULL,       0,           0};

static const struct demo_touch touches[] = {
    {1, 101, 50, "coffee", "Talked about the platform team; she offered an intro to Bo",
     "feedback on her keynote draft", "intro to Bo Chen"},
    {1, 102, 120, "meeting", "Met at RoboConf", NULL, NULL},
    {2, 103, 3, "meeting", "1:1: promotion packet", NULL, NULL},
    {3, 104, 25, "meeting", "Roadmap review", NULL, NULL},
    {4, 105, 10, "email", "Thanks for the intro call; he'll share the staff role", NULL,
     "a look at the staff role"},
    {4, 106, 40, "call", "Intro call through Jane", NULL, NULL},
    {5, 107, 70, "call", "Career check-in", NULL, "advice on the staff track"},
    {6, 108, 12, "event", "Bouldering night", NULL, NULL},
    {7, 109, 100, "message", "Congratulated her on the new job", NULL, NULL},
    {8, 110, 40, "lunch", NULL, "help with the on-call rota", NULL},
    {9, 111, 8, "informational-interview", "How she moved from engineering into product", NULL,
     "reading list"},
    {10, 112, 20, "call", "Screening call for Kinetic's staff role", NULL, NULL},
    {11, 113, 5, "message", "Planning a reunion", NULL, NULL},
};

static const struct demo_goal goals[] = {
    {201, "Land a staff engineer role in robotics", "By the summer; Kinetic Labs first.", 45},
    {202, "Find a mentor in product management", NULL, 20},
};

static const struct demo_link links[] = {
    {201, 1, "Knows every robotics CTO"},  {201, 4, "Kinetic is hiring staff engineers"},
    {201, 10, "Runs the Kinetic process"}, {202, 9, "Ran product at two startups"},
    {202, 12, "Wrote the playbook"},
};

const struct option_help cmd_demo_options[] = {
    {"remove", CLI_OPT_REMOVE, NULL, "take the demo network out again (and nothing else)", NULL},
    {0},
};

const char cmd_demo_help[] =
    "Loads a small, realistic network into an empty store, so that every command of the tour\n"
    "shows something: a dozen people across the operational, personal and strategic networks,\n"
    "two goals with the people who matter for them, an introduction, a prospect to meet, and a\n"
    "few months of history (some of it overdue). Refused when the store has people in it.\n"
    "'tend demo --remove' takes out exactly the demo records, whatever you added since.";

static void demo_uuid(unsigned n, char buf[static 37])
{
        snprintf(buf, 37, DEMO_UUID_PREFIX "%012u", n);
}

static bool is_demo_uuid(const char *uuid)
{
        return uuid && strncmp(uuid, DEMO_UUID_PREFIX, strlen(DEMO_UUID_PREFIX)) == 0;
}

/* A JSON array of the space-separated words of s (none for NULL). */
static json_t *words(const char *s)
{
        json_t *a = json_array();

        while (a && s && *s) {
                size_t n = strcspn(s, " ");

                if (json_array_append_new(a, json_stringn(s, n)) < 0) {
                        json_decref(a);
                        return NULL;
                }
                s += n + (s[n] == ' ');
        }
        return a;
}

static json_t *time_json(int64_t t)
{
        char buf[TIME_RFC3339_MAX];

        return json_string(time_format_rfc3339(t, buf));
}

static int set_opt_str(json_t *o, const char *key, const char *v)
{
        if (!v)
                return 0;
        return json_object_set_new(o, key, json_string(v)) < 0 ? -ENOMEM : 0;
}

static json_t *person_record(const struct demo_person *p, int64_t now)
{
        char uuid[37], via[37];
        json_t *o = json_object(), *tags = words(p->tags);
        int r = o && tags ? 0 : -ENOMEM;

        demo_uuid(p->n, uuid);
        if (r >= 0 && json_array_append_new(tags, json_string(DEMO_TAG)) < 0)
                r = -ENOMEM;
        if (r >= 0 && (json_object_set_new(o, "type", json_string("contact")) < 0 ||
                       json_object_set_new(o, "uuid", json_string(uuid)) < 0 ||
                       json_object_set_new(o, "name", json_string(p->name)) < 0 ||
                       json_object_set_new(o, "networks", words(p->networks)) < 0 ||
                       json_object_set_new(o, "tags", tags) < 0 ||
                       json_object_set_new(o, "created", time_json(now - 200 * DAY)) < 0))
                r = -ENOMEM;
        tags = NULL;
        if (r >= 0 && p->email && json_object_set_new(o, "emails", json_pack("[s]", p->email)) < 0)
                r = -ENOMEM;
        if (r >= 0 && p->cadence_days &&
            json_object_set_new(o, "cadence_seconds", json_integer(p->cadence_days * DAY)) < 0)
                r = -ENOMEM;
        if (r >= 0 && p->met_via) {
                demo_uuid(p->met_via, via);
                r = set_opt_str(o, "met_via", via);
        }
        if (r >= 0)
                r = set_opt_str(o, "org", p->org);
        if (r >= 0)
                r = set_opt_str(o, "title", p->title);
        if (r >= 0)
                r = set_opt_str(o, "notes", p->notes);
        if (r >= 0)
                r = set_opt_str(o, "how_met", p->how_met);
        if (r >= 0)
                r = set_opt_str(o, "brings", p->brings);
        json_decref(tags);
        if (r < 0) {
                json_decref(o);
                return NULL;
        }
        return o;
}

/* Every record of the demo network, dated relative to now. */
static json_t *demo_records(int64_t now)
{
        json_t *recs = json_array(), *o;
        char uuid[37], a[37], b[37];

        if (!recs)
                return NULL;
        for (size_t i = 0; i < ARRAY_SIZE(people); i++)
                if (json_array_append_new(recs, person_record(&people[i], now)) < 0)
                        goto oom;
        /* Mia: want to meet, through Fatima; the first step a week ago. */
        o = person_record(&prospect, now);
        demo_uuid(9, a);
        if (!o || json_object_set_new(o, "stage", json_string("want-to-meet")) < 0 ||
            json_object_set_new(o, "stage_changed", time_json(now - 7 * DAY)) < 0 ||
            json_object_set_new(o, "prospect_via", json_string(a)) < 0 ||
            json_object_set_new(o, "prospect_plan",
                                json_string("Ask Fatima for an intro at the product meetup")) < 0 ||
            json_object_set_new(o, "next_due", time_json(now + 2 * DAY)) < 0 ||
            json_array_append_new(recs, o) < 0)
                goto oom;
        for (size_t i = 0; i < ARRAY_SIZE(goals); i++) {
                demo_uuid(goals[i].n, uuid);
                o = json_pack("{s:s,s:s,s:s,s:s,s:o}", "type", "goal", "uuid", uuid, "title",
                              goals[i].title, "status", "active", "created",
                              time_json(now - goals[i].added_days_ago * DAY));
                if (!o || set_opt_str(o, "note", goals[i].note) < 0 ||
                    json_array_append_new(recs, o) < 0)
                        goto oom;
        }
        for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
                demo_uuid(links[i].goal, a);
                demo_uuid(links[i].who, b);
                o = json_pack("{s:s,s:s,s:s,s:s,s:o}", "type", "goal_link", "goal", a, "contact", b,
                              "why", links[i].why, "linked_at", time_json(now - 15 * DAY));
                if (!o || json_array_append_new(recs, o) < 0)
                        goto oom;
        }
        /* You introduced Tom and Marcus (both climb); Jane introduced you to Bo (met_via). */
        demo_uuid(301, uuid);
        demo_uuid(8, a);
        demo_uuid(6, b);
        o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "type", "introduction", "uuid", uuid, "a", a,
                      "b", b, "note", "Both climb; Tom wanted a bouldering partner", "at",
                      time_json(now - 30 * DAY));
        if (!o || json_array_append_new(recs, o) < 0)
                goto oom;
        /* Oldest first: each touch is newer than the last, as if logged on the day. */
        for (int pass = 200; pass >= 0; pass--)
                for (size_t i = 0; i < ARRAY_SIZE(touches); i++) {
                        const struct demo_touch *t = &touches[i];

                        if (t->days_ago != pass)
                                continue;
                        demo_uuid(t->n, uuid);
                        demo_uuid(t->who, a);
                        o = json_pack("{s:s,s:s,s:s,s:s,s:o}", "type", "interaction", "uuid", uuid,
                                      "contact", a, "kind", t->kind, "at",
                                      time_json(now - t->days_ago * DAY));
                        if (!o || set_opt_str(o, "note", t->note) < 0 ||
                            set_opt_str(o, "gave", t->gave) < 0 ||
                            set_opt_str(o, "got", t->got) < 0 || json_array_append_new(recs, o) < 0)
                                goto oom;
                }
        return recs;
oom:
        json_decref(recs);
        return NULL;
}

static int store_is_empty(struct cli *cli, bool *ret)
{
        json_t *reply = NULL;
        int r = cli_call(cli, "io.tend.Service.Status", NULL, &reply);

        if (r < 0)
                return r;
        *ret = json_integer_value(json_object_get(reply, "contacts")) == 0;
        json_decref(reply);
        return 0;
}

/* Whether tendd mirrors the store into a vdir ([sync] vdir): demo people would travel to the
 * user's address book server and their other machines. */
static int sync_enabled(struct cli *cli, bool *ret)
{
        json_t *reply = NULL;
        int r = cli_call(cli, "io.tend.Sync.Status", NULL, &reply);

        if (r < 0)
                return r;
        *ret = json_is_true(json_object_get(reply, "enabled"));
        json_decref(reply);
        return 0;
}

static int demo_add(struct cli *cli)
{
        json_t *recs, *reply = NULL;
        bool empty = false, syncing = false;
        int r;

        r = store_is_empty(cli, &empty);
        if (r < 0)
                return r;
        r = sync_enabled(cli, &syncing);
        if (r < 0)
                return r;
        if (syncing)
                return cli_fail(cli, -EPERM,
                                "sync is configured ([sync] vdir in tendd.conf): the demo people "
                                "would travel to your address book; try tend demo without it");
        if (!empty)
                return cli_fail(cli, -EEXIST,
                                "the demo network goes into an empty store only; this one has "
                                "people in it (see 'tend demo --remove' to take a demo out)");
        recs = demo_records(cli->now);
        if (!recs)
                return cmd_oom(cli);
        r = cli_call(cli, "io.tend.Transfer.Import", json_pack("{s:o}", "records", recs), &reply);
        if (r < 0)
                return r;
        if (cli->json)
                r = cli_print_json(cli, reply);
        else
                fprintf(cli->out,
                        "Added the demo network: %zu people in three networks, %zu goals, an "
                        "introduction, a prospect and %zu interactions.\n"
                        "Try: tend due · tend plan · tend health · tend goal ls · tend path "
                        "\"Mia Wong\" · tend show jane\n"
                        "Sample files to import: docs/examples/ in the source tree "
                        "(installed: " TEND_DOCDIR "/examples).\n"
                        "'tend demo --remove' takes exactly this out again.\n",
                        ARRAY_SIZE(people) + 1, ARRAY_SIZE(goals), ARRAY_SIZE(touches));
        json_decref(reply);
        return r;
}

static int demo_remove(struct cli *cli)
{
        json_t *reply = NULL, *contacts, *c, *gl = NULL, *g;
        size_t i, people_removed = 0, goals_removed = 0;
        int r;

        r = cli_call(cli, "io.tend.Contacts.List", json_pack("{s:s}", "tag", DEMO_TAG), &reply);
        if (r < 0)
                return r;
        contacts = json_object_get(reply, "contacts");
        json_array_foreach(contacts, i, c)
        {
                json_t *rm = NULL;
                char id[32];

                if (!is_demo_uuid(json_string_value(json_object_get(c, "uuid"))))
                        continue;
                snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
                         json_integer_value(json_object_get(c, "id")));
                r = cli_call(cli, "io.tend.Contacts.Remove", json_pack("{s:s}", "who", id), &rm);
                json_decref(rm);
                if (r < 0)
                        break;
                people_removed++;
        }
        json_decref(reply);
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Goals.List", json_pack("{s:b}", "all", true), &gl);
        if (r < 0)
                return r;
        json_array_foreach(json_object_get(gl, "goals"), i, g)
        {
                json_t *rm = NULL;

                if (!is_demo_uuid(json_string_value(json_object_get(g, "uuid"))))
                        continue;
                char id[32];

                snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
                         json_integer_value(json_object_get(g, "id")));
                r = cli_call(cli, "io.tend.Goals.Remove", json_pack("{s:s}", "goal", id), &rm);
                json_decref(rm);
                if (r < 0)
                        break;
                goals_removed++;
        }
        json_decref(gl);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli,
                                      json_pack("{s:I,s:I}", "people", (json_int_t)people_removed,
                                                "goals", (json_int_t)goals_removed));
        fprintf(cli->out, "Removed the demo network: %zu %s and %zu %s.\n", people_removed,
                people_removed == 1 ? "person" : "people", goals_removed,
                goals_removed == 1 ? "goal" : "goals");
        return 0;
}

int commands_demo(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        const char *arg;
        bool remove = false;
        int r;

        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0)
                if (r == CLI_OPT_REMOVE)
                        remove = true;
        if (r < 0)
                return r;
        return remove ? demo_remove(cli) : demo_add(cli);
}
