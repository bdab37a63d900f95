/* Intentional networking commands: profile, me, intro, path, graph, ledger, prospect, plan and
 * health. Everything is computed by tendd (io.tend.Network); this file prints it. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "model.h"
#include "output.h"
#include "timeutil.h"

extern char **environ;

#define PROFILE_VALUES "job-seeking growing founder unset"
#define STAGE_VALUES   "want-to-meet reached-out scheduled met ongoing"

/* ---- shared bits ---- */

/* Words from i on, joined by spaces, into a heap string (NULL when there are none). */
static char *join_words(struct cli_parser *p, size_t i)
{
        size_t len = 1;
        char *s;

        if (i >= p->n_pos)
                return NULL;
        for (size_t k = i; k < p->n_pos; k++)
                len += strlen(p->pos[k]) + 1;
        s = calloc(len, 1);
        if (!s)
                return NULL;
        for (size_t k = i; k < p->n_pos; k++) {
                if (k > i)
                        strcat(s, " ");
                strcat(s, p->pos[k]);
        }
        return s;
}

static int parse_who_rest(struct cli *cli, struct cli_parser *p, size_t i, json_t *params,
                          const char *key)
{
        _cleanup_free_ char *who = join_words(p, i);
        int r;

        if (!who)
                return i >= p->n_pos ? cli_usage(cli, "missing WHO") : cmd_oom(cli);
        r = cmd_parse_who(cli, params, who);
        if (r < 0 || streq(key, "who"))
                return r;
        /* cmd_parse_who sets "who": move it. */
        if (json_object_set(params, key, json_object_get(params, "who")) < 0)
                return cmd_oom(cli);
        json_object_del(params, "who");
        return 0;
}

static double jreal(json_t *o, const char *key)
{
        return json_number_value(json_object_get(o, key));
}

static long long jint(json_t *o, const char *key)
{
        return (long long)json_integer_value(json_object_get(o, key));
}

/* ---- profile and me ---- */

const struct option_help cmd_profile_options[] = {
    {"goal-every", CLI_OPT_GOAL_EVERY, "DURATION",
     "set: follow up people linked to an active goal this often; wins over tendd.conf's "
     "[goals] follow_up (30d); 'default' removes it",
     NULL},
    {0},
};

const char cmd_profile_help[] =
    "Subcommands:\n"
    "  show                         your profile, what it asks of each network, your offers\n"
    "  set PROFILE [--goal-every D] job-seeking, growing, founder, or unset\n"
    "Someone looking for a position gets the most from strategic and personal networks; someone\n"
    "growing inside an organisation, or running a business, needs a strong operational one.\n"
    "The profile weighs 'tend plan' and 'tend health'. Without a subcommand: show.";

static void print_profile(struct cli *cli, json_t *p)
{
        json_t *targets = json_object_get(p, "targets"), *offers = json_object_get(p, "offers"), *o;
        size_t i;

        fprintf(cli->out, "Profile:    %s\n", strempty(cmd_jstr(p, "profile")));
        fprintf(cli->out, "            %s\n", strempty(cmd_jstr(p, "explanation")));
        fprintf(cli->out, "Attention:  operational %.0f%%, personal %.0f%%, strategic %.0f%%\n",
                jreal(targets, "operational") * 100, jreal(targets, "personal") * 100,
                jreal(targets, "strategic") * 100);
        fprintf(cli->out, "Goal people: followed up at least every %g %s (%s)\n",
                jreal(p, "goal_followup_days"),
                jreal(p, "goal_followup_days") == 1 ? "day" : "days",
                streq_ptr(cmd_jstr(p, "goal_followup_source"), "profile")
                    ? "your profile; '--goal-every default' hands it to tendd.conf"
                    : "tendd.conf [goals] follow_up");
        if (json_array_size(offers) == 0) {
                fputs("Offers:     none yet ('tend me offers TEXT')\n", cli->out);
                return;
        }
        fputs("Offers:\n", cli->out);
        json_array_foreach(offers, i, o)
        {
                fprintf(cli->out, "  - %s\n", strempty(json_string_value(o)));
        }
}

static int profile_call(struct cli *cli, const char *method, json_t *params)
{
        _cleanup_(json_decrefp) json_t *reply = NULL;
        int r = cli_call(cli, method, params, &reply);
        long long moved;

        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, json_object_get(reply, "profile"));
        print_profile(cli, json_object_get(reply, "profile"));
        moved = json_integer_value(json_object_get(reply, "moved"));
        if (moved > 0)
                fprintf(cli->out, "%lld follow-up%s moved to the new goal interval.\n", moved,
                        moved == 1 ? "" : "s");
        return 0;
}

int commands_profile(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        const char *arg, *every = NULL;
        int64_t d;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0)
                if (r == CLI_OPT_GOAL_EVERY)
                        every = arg;
        if (r < 0)
                return r;
        if (p.n_pos == 0 || streq(p.pos[0], "show")) {
                if (every)
                        return cli_usage(cli, "--goal-every goes with 'tend profile set'");
                if (p.n_pos > 1)
                        return cli_usage(cli, "'tend profile show' takes no arguments");
                return profile_call(cli, "io.tend.Network.GetProfile", NULL);
        }
        if (!streq(p.pos[0], "set"))
                return cli_usage(cli, "unknown subcommand '%s'; expected show or set", p.pos[0]);
        if (p.n_pos > 2)
                return cli_usage(cli, "usage: tend profile set PROFILE [--goal-every DURATION]");
        if (p.n_pos < 2 && !every)
                return cli_usage(cli, "missing PROFILE: job-seeking, growing, founder or unset");
        if (p.n_pos == 2) {
                static const char *const names[] = {"job-seeking", "growing", "founder", "unset"};
                const char *match = NULL;
                size_t n = 0, len = strlen(p.pos[1]);

                for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                        if (strcasecmp(p.pos[1], names[i]) == 0) {
                                match = names[i];
                                n = 1;
                                break;
                        }
                        if (len && strncasecmp(p.pos[1], names[i], len) == 0) {
                                match = names[i];
                                n++;
                        }
                }
                if (n != 1)
                        return cli_usage(cli,
                                         "unknown profile '%s'; expected job-seeking, growing, "
                                         "founder or unset",
                                         p.pos[1]);
                r = cmd_set_string(cli, params, "profile", match);
                if (r < 0)
                        return r;
        }
        if (every && (streq(every, "default") || streq(every, "config"))) {
                r = cmd_set_integer(cli, params, "goal_followup_seconds", 0);
                if (r < 0)
                        return r;
        } else if (every) {
                r = cmd_parse_duration(cli, "--goal-every", every, NULL, &d);
                if (r < 0)
                        return r;
                if (d > 366 * DURATION_DAY)
                        return cli_usage(cli, "--goal-every is at most a year");
                r = cmd_set_integer(cli, params, "goal_followup_seconds", d);
                if (r < 0)
                        return r;
        }
        return profile_call(cli, "io.tend.Network.SetProfile", json_incref(params));
}

const struct option_help cmd_me_options[] = {
    {0},
};

const char cmd_me_help[] = "Subcommands:\n"
                           "  (none)            your profile and what you offer\n"
                           "  offers [TEXT...]  add a skill or help you can offer (none: list)\n"
                           "  unoffer TEXT...   remove an offer";

int commands_me(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_free_ char *text = NULL;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cmd_parse_plain(&p, cli, argc, argv);
        if (r < 0)
                return r;
        if (p.n_pos == 0 || (streq(p.pos[0], "offers") && p.n_pos == 1))
                return profile_call(cli, "io.tend.Network.GetProfile", NULL);
        if (!streq(p.pos[0], "offers") && !streq(p.pos[0], "unoffer"))
                return cli_usage(cli, "unknown subcommand '%s'; expected offers or unoffer",
                                 p.pos[0]);
        text = join_words(&p, 1);
        if (!text)
                return p.n_pos < 2 ? cli_usage(cli, "missing TEXT") : cmd_oom(cli);
        r = cmd_check_name(cli, "TEXT", text);
        if (r < 0)
                return r;
        r = cmd_append_string(cli, "offers", params,
                              streq(p.pos[0], "offers") ? "add_offers" : "remove_offers", text);
        if (r < 0)
                return r;
        return profile_call(cli, "io.tend.Network.SetProfile", json_incref(params));
}

/* ---- intro ---- */

const struct option_help cmd_intro_options[] = {
    {"note", CLI_OPT_NOTE, "TEXT", "why you introduced them", NULL},
    {"at", CLI_OPT_AT, "DATE", "when (default: now)", NULL},
    {"by", CLI_OPT_BY, "WHO", "someone else made the introduction", NULL},
    {"yes", CLI_OPT_YES, NULL, "rm: do not ask (needed when stdin is not a terminal)", NULL},
    {0},
};

static const struct output_column intro_columns[] = {
    {"ID", true},          {"WHEN", false}, {"BY", false},
    {"INTRODUCED", false}, {"TO", false},   {"NOTE", false},
};

/* "Zoe Park (#1) introduced you to Tara Singh (#4), Bo Lin (#7)." when people is not empty. */
static void print_who_introduced(struct cli *cli, json_t *who, const char *verb, json_t *people)
{
        json_t *c;
        size_t k;

        if (json_array_size(people) == 0)
                return;
        fprintf(cli->out, "%s (#%lld) %s ", strempty(cmd_jstr(who, "name")), cmd_jid(who), verb);
        json_array_foreach(people, k, c)
        {
                fprintf(cli->out, "%s%s (#%lld)", k ? ", " : "", strempty(cmd_jstr(c, "name")),
                        cmd_jid(c));
        }
        fputs(".\n", cli->out);
}

static int intro_list(struct cli *cli, struct cli_parser *p)
{
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        json_t *list, *i, *who;
        size_t k;
        int r;

        if (!params)
                return cmd_oom(cli);
        if (p->n_pos > 1 && (r = parse_who_rest(cli, p, 1, params, "who")) < 0)
                return r;
        r = cli_call(cli, "io.tend.Network.Introductions", json_incref(params), &reply);
        if (r < 0)
                return r;
        list = json_object_get(reply, "introductions");
        if (cli->json)
                return cli_print_json(cli, list);
        who = json_object_get(reply, "who");
        print_who_introduced(cli, who, "introduced you to",
                             json_object_get(reply, "introduced_you_to"));
        print_who_introduced(cli, who, "could introduce you to",
                             json_object_get(reply, "could_introduce_you_to"));
        if (json_array_size(list) == 0) {
                if (json_is_object(who))
                        fprintf(cli->out,
                                "You have not introduced %s (#%lld) to anyone yet: "
                                "'tend intro A B'.\n",
                                strempty(cmd_jstr(who, "name")), cmd_jid(who));
                else
                        fputs("No introductions yet: 'tend intro A B'.\n", cli->out);
                return 0;
        }
        t = output_table_new(intro_columns, ARRAY_SIZE(intro_columns));
        if (!t)
                return cmd_oom(cli);
        json_array_foreach(list, k, i)
        {
                char date[64];

                if (output_table_addf(t, OUTPUT_DIM, "%lld", cmd_jid(i)) < 0 ||
                    output_table_add(t, output_format_date(cmd_jtime(i, "at"), date, sizeof(date)),
                                     OUTPUT_PLAIN) < 0 ||
                    output_table_add(t,
                                     json_is_object(json_object_get(i, "by"))
                                         ? cmd_jstr(json_object_get(i, "by"), "name")
                                     : streq_ptr(cmd_jstr(i, "kind"), "by-other") ? "someone"
                                                                                  : "you",
                                     OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, cmd_jstr(json_object_get(i, "a"), "name"), OUTPUT_PLAIN) <
                        0 ||
                    output_table_add(t, cmd_jstr(json_object_get(i, "b"), "name"), OUTPUT_PLAIN) <
                        0 ||
                    output_table_add(t, cmd_jstr(i, "note"), OUTPUT_PLAIN) < 0)
                        return cmd_oom(cli);
        }
        output_table_print(t, cli->out, cli->color, cli->width);
        return 0;
}

static void print_intro_line(struct cli *cli, FILE *f, const char *verb, json_t *i)
{
        fprintf(
            f, "%s introduction #%lld: %s (#%lld) and %s (#%lld).\n", verb, cmd_jid(i),
            strempty(cmd_jstr(json_object_get(i, "a"), "name")), cmd_jid(json_object_get(i, "a")),
            strempty(cmd_jstr(json_object_get(i, "b"), "name")), cmd_jid(json_object_get(i, "b")));
        (void)cli;
}

/* intro rm asks first on a terminal, listing what would go (a dry run). */
static int confirm_intro_rm(struct cli *cli, bool yes, json_t *params)
{
        _cleanup_(json_decrefp) json_t *preview = NULL;
        json_t *list, *i;
        size_t k;
        int r;

        r = cmd_need_yes(cli, yes, "an introduction");
        if (r < 0 || yes)
                return r;
        if (json_object_set_new(params, "dry_run", json_true()) < 0)
                return cmd_oom(cli);
        r = cli_call(cli, "io.tend.Network.RemoveIntroduction", json_incref(params), &preview);
        json_object_del(params, "dry_run");
        if (r < 0)
                return r;
        list = json_object_get(preview, "removed");
        json_array_foreach(list, k, i)
        {
                print_intro_line(cli, cli->err, "Would remove", i);
        }
        if (!cmd_confirm(cli, json_array_size(list) == 1 ? "Remove this introduction?"
                                                         : "Remove these introductions?"))
                return cli_fail(cli, -ECANCELED, "nothing removed");
        return 0;
}

/* tend intro rm A B | rm ID */
static int intro_remove(struct cli *cli, struct cli_parser *p, bool yes)
{
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        json_t *list, *i;
        size_t k;
        int r;

        if (!params)
                return cmd_oom(cli);
        if (p->n_pos == 2) {
                const char *s = p->pos[1] + (p->pos[1][0] == '#');
                char *end = NULL;
                unsigned long long id;

                errno = 0;
                id = strtoull(s, &end, 10);
                if (!*s || *s < '0' || *s > '9' || *end || errno || id == 0 || id > INT64_MAX)
                        return cli_usage(cli,
                                         "'%s' is not an introduction id (see 'tend intro "
                                         "ls'); to name the two people: tend intro rm A B",
                                         p->pos[1]);
                r = cmd_set_integer(cli, params, "id", (int64_t)id);
        } else if (p->n_pos == 3) {
                if ((r = cmd_parse_who(cli, params, p->pos[1])) < 0 ||
                    (r = cmd_set_string(cli, params, "a", p->pos[1])) < 0 ||
                    (r = cmd_parse_who(cli, params, p->pos[2])) < 0 ||
                    (r = cmd_set_string(cli, params, "b", p->pos[2])) < 0)
                        return r;
                json_object_del(params, "who");
        } else
                return cli_usage(cli, "usage: tend intro rm A B (quote names with spaces), or "
                                      "tend intro rm ID");
        if (r < 0)
                return r;
        r = confirm_intro_rm(cli, yes, params);
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Network.RemoveIntroduction", json_incref(params), &reply);
        if (r < 0)
                return r;
        list = json_object_get(reply, "removed");
        if (cli->json)
                return cli_print_json(cli, list);
        json_array_foreach(list, k, i)
        {
                print_intro_line(cli, cli->out, "Removed", i);
        }
        return 0;
}

int commands_intro(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        const char *arg, *note = NULL, *at = NULL, *by = NULL;
        bool yes = false;
        json_t *i;
        int64_t t;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                if (r == CLI_OPT_NOTE)
                        note = arg;
                else if (r == CLI_OPT_AT)
                        at = arg;
                else if (r == CLI_OPT_BY)
                        by = arg;
                else if (r == CLI_OPT_YES)
                        yes = true;
        }
        if (r < 0)
                return r;
        if (by && p.n_pos >= 1 &&
            (streq(p.pos[0], "ls") || streq(p.pos[0], "list") || streq(p.pos[0], "rm") ||
             streq(p.pos[0], "remove") || streq(p.pos[0], "delete")))
                return cli_usage(cli, "--by goes with 'tend intro A B'");
        if (streq(p.pos[0], "ls") || streq(p.pos[0], "list")) {
                if (note || at || yes)
                        return cli_usage(cli, "--note and --at go with 'tend intro A B', --yes "
                                              "with 'tend intro rm'");
                return intro_list(cli, &p);
        }
        if (p.n_pos >= 1 &&
            (streq(p.pos[0], "rm") || streq(p.pos[0], "remove") || streq(p.pos[0], "delete"))) {
                if (note || at)
                        return cli_usage(cli, "--note and --at go with 'tend intro A B'");
                return intro_remove(cli, &p, yes);
        }
        if (yes)
                return cli_usage(cli, "--yes goes with 'tend intro rm'");
        if (p.n_pos != 2)
                return cli_usage(cli, "usage: tend intro A B [--note TEXT] (quote names with "
                                      "spaces), tend intro ls [WHO], or tend intro rm A B|ID");
        if ((r = cmd_parse_who(cli, params, p.pos[0])) < 0 ||
            (r = cmd_set_string(cli, params, "a", p.pos[0])) < 0 ||
            (r = cmd_parse_who(cli, params, p.pos[1])) < 0 ||
            (r = cmd_set_string(cli, params, "b", p.pos[1])) < 0)
                return r;
        json_object_del(params, "who");
        if (by) {
                if ((r = cmd_parse_who(cli, params, by)) < 0 ||
                    (r = cmd_set_string(cli, params, "by", by)) < 0)
                        return r;
                json_object_del(params, "who");
        }
        if (note) {
                r = cmd_check_text(cli, "--note", note, FIELD_NOTE_MAX, true);
                if (r >= 0 && note[0])
                        r = cmd_set_string(cli, params, "note", note);
                if (r < 0)
                        return r;
        }
        if (at) {
                r = cmd_parse_date(cli, "--at", at, TIME_DATE_PAST, &t);
                if (r >= 0)
                        r = cmd_set_time(cli, params, "at", t);
                if (r < 0)
                        return r;
        }
        r = cli_call(cli, "io.tend.Network.Introduce", json_incref(params), &reply);
        if (r < 0)
                return r;
        i = json_object_get(reply, "introduction");
        if (cli->json)
                return cli_print_json(cli, i);
        if (json_is_object(json_object_get(i, "by")))
                fprintf(cli->out, "Recorded: %s (#%lld) introduced ",
                        strempty(cmd_jstr(json_object_get(i, "by"), "name")),
                        cmd_jid(json_object_get(i, "by")));
        else
                fputs("Recorded: you introduced ", cli->out);
        fprintf(
            cli->out, "%s (#%lld) and %s (#%lld).\n",
            strempty(cmd_jstr(json_object_get(i, "a"), "name")), cmd_jid(json_object_get(i, "a")),
            strempty(cmd_jstr(json_object_get(i, "b"), "name")), cmd_jid(json_object_get(i, "b")));
        return 0;
}

/* ---- knows ---- */

const struct option_help cmd_knows_options[] = {
    {"note", CLI_OPT_NOTE, "TEXT", "how they know each other", NULL},
    {"strength", CLI_OPT_STRENGTH, "LEVEL", "weak, medium (the default for paths) or strong",
     "weak medium strong"},
    {0},
};

static const struct output_column tie_columns[] = {
    {"ID", true}, {"PERSON", false}, {"KNOWS", false}, {"STRENGTH", false}, {"NOTE", false},
};

static int knows_list(struct cli *cli, struct cli_parser *p)
{
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        json_t *list, *i;
        size_t k;
        int r;

        if (!params)
                return cmd_oom(cli);
        if (p->n_pos > 1 && (r = parse_who_rest(cli, p, 1, params, "who")) < 0)
                return r;
        r = cli_call(cli, "io.tend.Network.Ties", json_incref(params), &reply);
        if (r < 0)
                return r;
        list = json_object_get(reply, "ties");
        if (cli->json)
                return cli_print_json(cli, list);
        if (json_array_size(list) == 0) {
                fputs("No ties recorded yet: 'tend knows A B'.\n", cli->out);
                return 0;
        }
        t = output_table_new(tie_columns, ARRAY_SIZE(tie_columns));
        if (!t)
                return cmd_oom(cli);
        json_array_foreach(list, k, i)
        {
                char level[32];

                snprintf(level, sizeof(level), "%s%s", strempty(cmd_jstr(i, "strength")),
                         json_is_true(json_object_get(i, "strength_given")) ? "" : " (default)");
                if (output_table_addf(t, OUTPUT_DIM, "%lld", cmd_jid(i)) < 0 ||
                    output_table_add(t, cmd_jstr(json_object_get(i, "a"), "name"), OUTPUT_PLAIN) <
                        0 ||
                    output_table_add(t, cmd_jstr(json_object_get(i, "b"), "name"), OUTPUT_PLAIN) <
                        0 ||
                    output_table_add(t, level, OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, cmd_jstr(i, "note"), OUTPUT_PLAIN) < 0)
                        return cmd_oom(cli);
        }
        output_table_print(t, cli->out, cli->color, cli->width);
        return 0;
}

static int set_pair(struct cli *cli, struct cli_parser *p, size_t first, json_t *params)
{
        int r;

        if ((r = cmd_parse_who(cli, params, p->pos[first])) < 0 ||
            (r = cmd_set_string(cli, params, "a", p->pos[first])) < 0 ||
            (r = cmd_parse_who(cli, params, p->pos[first + 1])) < 0 ||
            (r = cmd_set_string(cli, params, "b", p->pos[first + 1])) < 0)
                return r;
        json_object_del(params, "who");
        return 0;
}

int commands_knows(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        const char *arg, *note = NULL, *level = NULL;
        json_t *tie;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                if (r == CLI_OPT_NOTE)
                        note = arg;
                else if (r == CLI_OPT_STRENGTH)
                        level = arg;
        }
        if (r < 0)
                return r;
        if (p.n_pos >= 1 && (streq(p.pos[0], "ls") || streq(p.pos[0], "list"))) {
                if (note || level)
                        return cli_usage(cli, "--note and --strength go with 'tend knows A B'");
                return knows_list(cli, &p);
        }
        if (p.n_pos >= 1 && (streq(p.pos[0], "rm") || streq(p.pos[0], "remove"))) {
                if (note || level)
                        return cli_usage(cli, "--note and --strength go with 'tend knows A B'");
                if (p.n_pos != 3)
                        return cli_usage(cli, "usage: tend knows rm A B");
                if ((r = set_pair(cli, &p, 1, params)) < 0)
                        return r;
                r = cli_call(cli, "io.tend.Network.RemoveTie", json_incref(params), &reply);
                if (r < 0)
                        return r;
                if (cli->json)
                        return cli_print_json(cli, reply);
                fprintf(cli->out, "Removed the tie between %s and %s.\n", p.pos[1], p.pos[2]);
                return 0;
        }
        if (p.n_pos != 2)
                return cli_usage(cli, "usage: tend knows A B [--note TEXT] [--strength "
                                      "weak|medium|strong] (quote names with spaces), tend knows "
                                      "ls [WHO], or tend knows rm A B");
        if ((r = set_pair(cli, &p, 0, params)) < 0)
                return r;
        if (note) {
                r = cmd_check_text(cli, "--note", note, FIELD_NOTE_MAX, true);
                if (r >= 0 && note[0])
                        r = cmd_set_string(cli, params, "note", note);
                if (r < 0)
                        return r;
        }
        if (level) {
                if (!streq(level, "weak") && !streq(level, "medium") && !streq(level, "strong"))
                        return cli_usage(cli, "--strength takes weak, medium or strong");
                r = cmd_set_string(cli, params, "strength", level);
                if (r < 0)
                        return r;
        }
        r = cli_call(cli, "io.tend.Network.Know", json_incref(params), &reply);
        if (r < 0)
                return r;
        tie = json_object_get(reply, "tie");
        if (cli->json)
                return cli_print_json(cli, tie);
        fprintf(cli->out, "%s: %s (#%lld) and %s (#%lld) know each other (%s tie).\n",
                json_is_true(json_object_get(reply, "replaced")) ? "Updated" : "Recorded",
                strempty(cmd_jstr(json_object_get(tie, "a"), "name")),
                cmd_jid(json_object_get(tie, "a")),
                strempty(cmd_jstr(json_object_get(tie, "b"), "name")),
                cmd_jid(json_object_get(tie, "b")), strempty(cmd_jstr(tie, "strength")));
        return 0;
}

/* ---- path ---- */

const struct option_help cmd_path_options[] = {
    {"limit", CLI_OPT_LIMIT, "N", "at most N chains (default 5)", NULL},
    {0},
};

static const char *link_words(const char *link)
{
        if (!link)
                return "";
        if (streq(link, "met-via"))
                return "introduced you to";
        if (streq(link, "met-via-them"))
                return "was introduced to you by";
        if (streq(link, "introduced"))
                return "you introduced them";
        if (streq(link, "can-introduce"))
                return "can introduce you to";
        if (streq(link, "knows"))
                return "knows";
        if (streq(link, "introduced-by"))
                return "were introduced to each other";
        return "works with";
}

int commands_path(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        json_t *chains, *ch, *target;
        size_t i;
        int r;

        r = cmd_parse_limited(&p, cli, argc, argv, params);
        if (r < 0)
                return r;
        r = parse_who_rest(cli, &p, 0, params, "who");
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Network.Path", json_incref(params), &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        chains = json_object_get(reply, "chains");
        target = json_object_get(reply, "target");
        if (cmd_jstr(reply, "met_via_name"))
                fprintf(cli->out, "You met %s via %s, who is no longer in tend.\n",
                        strempty(cmd_jstr(target, "name")), cmd_jstr(reply, "met_via_name"));
        if (cmd_jstr(reply, "prospect_via_name"))
                fprintf(cli->out, "%s (no longer in tend) could introduce you to %s.\n",
                        cmd_jstr(reply, "prospect_via_name"), strempty(cmd_jstr(target, "name")));
        if (json_array_size(chains) == 0) {
                fprintf(cli->out,
                        "No warm path to %s yet. Paths go through who introduced you to whom "
                        "('--met-via'), introductions ('tend intro'), who knows whom ('tend "
                        "knows') and shared organisations ('--org'), starting from someone you "
                        "have been in touch with or introduced.\n",
                        strempty(cmd_jstr(target, "name")));
                return 0;
        }
        fprintf(cli->out,
                "Warm paths to %s, strongest first (a chain is as strong as its weakest "
                "hop):\n",
                strempty(cmd_jstr(target, "name")));
        json_array_foreach(chains, i, ch)
        {
                json_t *people = json_object_get(ch, "people"), *step;
                size_t k;

                fprintf(cli->out, "%zu. you —(%s, %s %lld)→ ", i + 1,
                        json_is_true(json_object_get(ch, "you_introduced")) ? "you introduced them"
                                                                            : "your tie",
                        strempty(cmd_jstr(ch, "you_level")), jint(ch, "you_strength"));
                json_array_foreach(people, k, step)
                {
                        const char *link = cmd_jstr(step, "link");
                        json_t *c = json_object_get(step, "contact");

                        output_styled(cli->out, cli->color, k == 0 ? OUTPUT_BOLD : OUTPUT_PLAIN,
                                      strempty(cmd_jstr(c, "name")));
                        if (!link)
                                break;
                        if (streq(link, "same-org") && cmd_jstr(step, "org"))
                                fprintf(cli->out, " —(both at %s, %s)→ ", cmd_jstr(step, "org"),
                                        strempty(cmd_jstr(step, "level")));
                        else if (streq(link, "introduced-by") &&
                                 json_is_object(json_object_get(step, "by")))
                                fprintf(cli->out, " —(%s introduced them, %s)→ ",
                                        strempty(cmd_jstr(json_object_get(step, "by"), "name")),
                                        strempty(cmd_jstr(step, "level")));
                        else if (cmd_jstr(step, "note"))
                                fprintf(cli->out, " —(%s: %s, %s)→ ", link_words(link),
                                        cmd_jstr(step, "note"), strempty(cmd_jstr(step, "level")));
                        else
                                fprintf(cli->out, " —(%s, %s)→ ", link_words(link),
                                        strempty(cmd_jstr(step, "level")));
                }
                fprintf(cli->out, "   [%lld hop%s, weakest: %s %lld]\n", jint(ch, "hops"),
                        jint(ch, "hops") == 1 ? "" : "s", strempty(cmd_jstr(ch, "weakest_level")),
                        jint(ch, "weakest"));
        }
        fputs("Ask the first person on a path for a warm introduction.\n", cli->out);
        return 0;
}

/* ---- graph ---- */

const struct option_help cmd_graph_options[] = {
    {"network", CLI_OPT_NETWORK, "NETWORK", "only people in this network",
     "operational personal strategic"},
    {"format", CLI_OPT_FORMAT, "FORMAT", "dot (default) or svg (needs Graphviz's dot)", "dot svg"},
    {"linked", CLI_OPT_LINKED, NULL, "leave out people without any introduction edge", NULL},
    {0},
};

/* Run `dot -Tsvg` (argument vector, no shell) with the DOT text on its standard input and copy
 * its output to cli->out. */
static int render_svg(struct cli *cli, const char *dot)
{
        _cleanup_close_ int in = -1;
        int out[2] = {-1, -1}, status = 0, r;
        posix_spawn_file_actions_t fa;
        char *args[] = {(char *)"dot", (char *)"-Tsvg", NULL};
        size_t len = strlen(dot), off = 0;
        pid_t pid;
        char buf[8192];
        ssize_t n;

        in = memfd_create("tend-graph", MFD_CLOEXEC);
        if (in < 0)
                return cli_fail(cli, -errno, "cannot create a buffer for dot: %m");
        while (off < len) {
                n = write(in, dot + off, len - off);
                if (n < 0)
                        return cli_fail(cli, -errno, "cannot write the graph for dot: %m");
                off += (size_t)n;
        }
        if (lseek(in, 0, SEEK_SET) < 0 || pipe2(out, O_CLOEXEC) < 0)
                return cli_fail(cli, -errno, "cannot prepare dot: %m");
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
        r = posix_spawnp(&pid, "dot", &fa, NULL, args, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(out[1]);
        if (r != 0) {
                close(out[0]);
                if (r == ENOENT)
                        return cli_fail(cli, -r,
                                        "Graphviz's 'dot' program is not installed (Debian: "
                                        "apt install graphviz); use --format dot and render it "
                                        "elsewhere");
                return cli_fail(cli, -r, "cannot run dot: %s", strerror(r));
        }
        while ((n = read(out[0], buf, sizeof(buf))) != 0) {
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                fwrite(buf, 1, (size_t)n, cli->out);
        }
        close(out[0]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return cli_fail(cli, -EIO, "dot failed (exit status %d)",
                                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return 0;
}

int commands_graph(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        const char *arg, *format = "dot", *dot;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                if (r == CLI_OPT_NETWORK)
                        r = cmd_parse_networks(cli, "--network", arg, params, "network", true);
                else if (r == CLI_OPT_FORMAT) {
                        if (!streq(arg, "dot") && !streq(arg, "svg"))
                                return cli_usage(cli, "unknown format '%s'; expected dot or svg",
                                                 arg);
                        format = arg;
                } else if (r == CLI_OPT_LINKED)
                        r = json_object_set_new(params, "linked_only", json_true()) < 0
                                ? cmd_oom(cli)
                                : 0;
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Network.Graph", json_incref(params), &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        dot = cmd_jstr(reply, "dot");
        if (!dot)
                return cli_fail(cli, -EBADMSG, "tendd's reply has no graph");
        if (streq(format, "svg")) {
                fflush(cli->out);
                return render_svg(cli, dot);
        }
        fputs(dot, cli->out);
        return 0;
}

/* ---- ledger ---- */

static const struct output_column ledger_columns[] = {
    {"ID", true}, {"NAME", false}, {"GAVE", true}, {"GOT", true}, {"", false},
};

int commands_ledger(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        json_t *people, *totals, *e;
        size_t i;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cmd_parse_plain(&p, cli, argc, argv);
        if (r < 0)
                return r;
        if (p.n_pos > 0 && (r = parse_who_rest(cli, &p, 0, params, "who")) < 0)
                return r;
        r = cli_call(cli, "io.tend.Network.Ledger", json_incref(params), &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        people = json_object_get(reply, "people");
        totals = json_object_get(reply, "totals");
        if (p.n_pos > 0) {
                json_t *one = json_array_get(people, 0), *entries = json_object_get(one, "entries");
                json_t *c = json_object_get(one, "contact");

                fprintf(cli->out, "%s (#%lld): you gave %lld, you got %lld.%s\n",
                        strempty(cmd_jstr(c, "name")), cmd_jid(c), jint(one, "gave"),
                        jint(one, "got"),
                        json_is_true(json_object_get(one, "only_asked"))
                            ? " You have only ever asked: offer something back."
                        : json_is_true(json_object_get(one, "you_owe")) ? " You owe them."
                                                                        : "");
                if (cmd_jstr(one, "brings"))
                        fprintf(cli->out, "They bring: %s\n", cmd_jstr(one, "brings"));
                json_array_foreach(entries, i, e)
                {
                        char date[64];

                        fprintf(cli->out, "  %s  %s",
                                output_format_date(cmd_jtime(e, "at"), date, sizeof(date)),
                                strempty(cmd_jstr(e, "kind")));
                        if (cmd_jstr(e, "gave"))
                                fprintf(cli->out, "  gave: %s", cmd_jstr(e, "gave"));
                        if (cmd_jstr(e, "got"))
                                fprintf(cli->out, "  got: %s", cmd_jstr(e, "got"));
                        fputc('\n', cli->out);
                }
                return 0;
        }
        if (json_array_size(people) == 0) {
                fputs("Nothing given or got yet: 'tend log WHO KIND --gave TEXT --got TEXT'.\n",
                      cli->out);
                return 0;
        }
        t = output_table_new(ledger_columns, ARRAY_SIZE(ledger_columns));
        if (!t)
                return cmd_oom(cli);
        json_array_foreach(people, i, e)
        {
                json_t *c = json_object_get(e, "contact");
                bool asked = json_is_true(json_object_get(e, "only_asked"));
                bool owe = json_is_true(json_object_get(e, "you_owe"));

                if (output_table_addf(t, OUTPUT_DIM, "%lld", cmd_jid(c)) < 0 ||
                    output_table_add(t, strempty(cmd_jstr(c, "name")), OUTPUT_PLAIN) < 0 ||
                    output_table_addf(t, OUTPUT_PLAIN, "%lld", jint(e, "gave")) < 0 ||
                    output_table_addf(t, OUTPUT_PLAIN, "%lld", jint(e, "got")) < 0 ||
                    output_table_add(t,
                                     asked ? "only asked"
                                     : owe ? "you owe"
                                           : "",
                                     asked ? OUTPUT_RED
                                     : owe ? OUTPUT_YELLOW
                                           : OUTPUT_PLAIN) < 0)
                        return cmd_oom(cli);
        }
        output_table_print(t, cli->out, cli->color, cli->width);
        fprintf(cli->out, "\nIn total you gave %lld and got %lld; %lld %s only ever asked.\n",
                jint(totals, "gave"), jint(totals, "got"), jint(totals, "only_asked"),
                jint(totals, "only_asked") == 1 ? "person you have" : "people you have");
        return 0;
}

/* ---- prospect ---- */

const struct option_help cmd_prospect_options[] = {
    {"goal", CLI_OPT_GOAL, "GOAL", "add: link them to this goal", NULL},
    {"why", CLI_OPT_WHY, "TEXT", "add: why they matter for the goal", NULL},
    {"via", CLI_OPT_VIA, "WHO", "add: who could introduce you", NULL},
    {"plan", CLI_OPT_PLAN, "TEXT", "add: what you want to ask or talk about", NULL},
    {"org", CLI_OPT_ORG, "ORG", "add: their organisation", NULL},
    {"network", CLI_OPT_NETWORK, "NETWORK", "add: their networks (repeatable)",
     "operational personal strategic"},
    {"every", CLI_OPT_EVERY, "DURATION", "add: the cadence once you are in touch", NULL},
    {"stage", CLI_OPT_STAGE, "STAGE", "next: go to this stage; ls: only this stage", STAGE_VALUES},
    {"at", CLI_OPT_AT, "DATE", "next: when it happened; for scheduled, when you meet", NULL},
    {"all", CLI_OPT_ALL, NULL, "ls: include ongoing relationships", NULL},
    {"new", CLI_OPT_NEW, NULL, "add: a new person even when someone has this name", NULL},
    {0},
};

const char cmd_prospect_help[] =
    "Subcommands:\n"
    "  add NAME... [--goal GOAL] [--via WHO] [--plan TEXT]  someone you want to meet\n"
    "  next WHO... [--stage STAGE] [--at DATE]               move them one stage on\n"
    "  ls [--stage STAGE] [--all]                            the pipeline, by stage\n"
    "Stages: want-to-meet → reached-out → scheduled → met → ongoing. Reached out with no\n"
    "reply: a nudge after 7 days; scheduled: the meeting is the follow-up; met: a thank-you\n"
    "the next day, then the normal cadence. add NAME of someone already in tend makes them\n"
    "the prospect (no second record); --new adds a new person of that name instead.";

static const struct output_column prospect_columns[] = {
    {"ID", true},    {"NAME", false}, {"STAGE", false}, {"SINCE", false},
    {"NEXT", false}, {"VIA", false},  {"PLAN", false},
};

static int prospect_table(struct cli *cli, json_t *list)
{
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        json_t *e;
        size_t i;

        t = output_table_new(prospect_columns, ARRAY_SIZE(prospect_columns));
        if (!t)
                return cmd_oom(cli);
        json_array_foreach(list, i, e)
        {
                json_t *c = json_object_get(e, "contact");
                int64_t since = cmd_jtime(e, "since"), next = cmd_jtime(e, "next_due");
                char a[64], b[64];

                if (output_table_addf(t, OUTPUT_DIM, "%lld", cmd_jid(c)) < 0 ||
                    output_table_add(t, strempty(cmd_jstr(c, "name")), OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, strempty(cmd_jstr(e, "stage")), OUTPUT_BOLD) < 0 ||
                    output_table_add(
                        t,
                        since ? time_format_days(since, cli->now, TIME_DAYS_WHEN, a, sizeof(a))
                              : NULL,
                        OUTPUT_PLAIN) < 0 ||
                    output_table_add(t,
                                     next ? output_format_due(next, cli->now, b, sizeof(b)) : NULL,
                                     next ? output_due_style(next, cli->now) : OUTPUT_DIM) < 0 ||
                    output_table_add(t,
                                     json_is_object(json_object_get(e, "via"))
                                         ? cmd_jstr(json_object_get(e, "via"), "name")
                                         : cmd_jstr(e, "via_name"),
                                     OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, cmd_jstr(e, "plan"), OUTPUT_PLAIN) < 0)
                        return cmd_oom(cli);
        }
        output_table_print(t, cli->out, cli->color, cli->width);
        return 0;
}

static int check_stage(struct cli *cli, const char *s)
{
        if (prospect_stage_from_string(s) < 0)
                return cli_usage(cli,
                                 "unknown stage '%s'; expected want-to-meet, reached-out, "
                                 "scheduled, met or ongoing",
                                 s);
        return 0;
}

int commands_prospect(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_free_ char *name = NULL;
        const char *arg, *sub, *stage = NULL, *at = NULL;
        bool all = false, add_opts = false;
        int64_t t, d;
        json_t *pr;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                int id = r;

                r = 0;
                add_opts |= id != CLI_OPT_STAGE && id != CLI_OPT_AT && id != CLI_OPT_ALL;
                switch (id) {
                case CLI_OPT_GOAL:
                        r = cmd_check_text(cli, "--goal", arg, FIELD_NAME_MAX, false);
                        if (r >= 0)
                                r = cmd_set_string(cli, params, "goal", arg);
                        break;
                case CLI_OPT_WHY:
                        r = cmd_check_text(cli, "--why", arg, FIELD_NOTE_MAX, true);
                        if (r >= 0 && arg[0])
                                r = cmd_set_string(cli, params, "why", arg);
                        break;
                case CLI_OPT_VIA:
                        r = cmd_check_text(cli, "--via", arg, FIELD_NAME_MAX, false);
                        if (r >= 0)
                                r = cmd_set_string(cli, params, "via", arg);
                        break;
                case CLI_OPT_PLAN:
                        r = cmd_check_text(cli, "--plan", arg, FIELD_NOTE_MAX, true);
                        if (r >= 0 && arg[0])
                                r = cmd_set_string(cli, params, "plan", arg);
                        break;
                case CLI_OPT_ORG:
                        r = cmd_check_text(cli, "--org", arg, FIELD_NAME_MAX, false);
                        if (r >= 0 && arg[0])
                                r = cmd_set_string(cli, params, "org", arg);
                        break;
                case CLI_OPT_NETWORK:
                        r = cmd_parse_networks(cli, "--network", arg, params, "networks", false);
                        break;
                case CLI_OPT_EVERY:
                        r = cmd_parse_duration(cli, "--every", arg, NULL, &d);
                        if (r >= 0 && d > CADENCE_MAX_SECONDS)
                                r = cli_usage(cli, "--every is at most 10 years");
                        if (r >= 0)
                                r = cmd_set_integer(cli, params, "cadence_seconds", d);
                        break;
                case CLI_OPT_STAGE:
                        stage = arg;
                        r = check_stage(cli, arg);
                        break;
                case CLI_OPT_AT:
                        at = arg;
                        break;
                case CLI_OPT_ALL:
                        all = true;
                        break;
                case CLI_OPT_NEW:
                        if (json_object_set_new(params, "allow_duplicate", json_true()) < 0)
                                r = cmd_oom(cli);
                        break;
                default:
                        break;
                }
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        sub = p.pos[0];
        if (streq(sub, "add") || streq(sub, "new")) {
                if (stage || at || all)
                        return cli_usage(cli, "--stage, --at and --all do not go with 'tend "
                                              "prospect add'");
                name = join_words(&p, 1);
                if (!name)
                        return p.n_pos < 2 ? cli_usage(cli, "missing NAME") : cmd_oom(cli);
                if ((r = cmd_check_name(cli, "NAME", name)) < 0 ||
                    (r = cmd_set_string(cli, params, "name", name)) < 0)
                        return r;
                if (json_object_get(params, "why") && !json_object_get(params, "goal"))
                        return cli_usage(cli, "--why goes with --goal");
                r = cli_call(cli, "io.tend.Network.ProspectAdd", json_incref(params), &reply);
                if (r < 0)
                        return r;
                if (cli->json)
                        return cli_print_json(cli, reply);
                pr = json_object_get(reply, "prospect");
                fprintf(cli->out,
                        json_is_true(json_object_get(reply, "existing"))
                            ? "%s (#%lld) was in tend already: now a prospect you want to meet"
                            : "Added %s (#%lld) as a prospect you want to meet",
                        strempty(cmd_jstr(json_object_get(pr, "contact"), "name")),
                        cmd_jid(json_object_get(pr, "contact")));
                if (json_is_object(json_object_get(reply, "goal")))
                        fprintf(cli->out, ", linked to goal \"%s\"",
                                strempty(cmd_jstr(json_object_get(reply, "goal"), "title")));
                fputs(".\nNext: 'tend path' for a warm introduction, then 'tend prospect next' "
                      "once you reach out.\n",
                      cli->out);
                return 0;
        }
        if (add_opts)
                return cli_usage(cli, "--goal, --why, --via, --plan, --org, --network and --every "
                                      "go with 'tend prospect add'");
        if (streq(sub, "next")) {
                char date[64], rel[64];
                int64_t due;

                if (all)
                        return cli_usage(cli, "--all goes with 'tend prospect ls'");
                if ((r = parse_who_rest(cli, &p, 1, params, "who")) < 0)
                        return r;
                if (stage && (r = cmd_set_string(cli, params, "stage", stage)) < 0)
                        return r;
                if (at) {
                        /* When it happened, or for a meeting being scheduled, when it will. */
                        r = cmd_parse_date(cli, "--at", at,
                                           stage && streq(stage, "scheduled") ? TIME_DATE_AHEAD
                                                                              : TIME_DATE_PAST,
                                           &t);
                        if (r >= 0)
                                r = cmd_set_time(cli, params, "at", t);
                        if (r < 0)
                                return r;
                }
                r = cli_call(cli, "io.tend.Network.ProspectNext", json_incref(params), &reply);
                if (r < 0)
                        return r;
                if (cli->json)
                        return cli_print_json(cli, reply);
                pr = json_object_get(reply, "prospect");
                fprintf(cli->out, "%s (#%lld): %s → %s",
                        strempty(cmd_jstr(json_object_get(pr, "contact"), "name")),
                        cmd_jid(json_object_get(pr, "contact")),
                        strempty(cmd_jstr(reply, "previous")), strempty(cmd_jstr(reply, "stage")));
                due = cmd_jtime(reply, "next_due");
                if (due)
                        fprintf(cli->out, "; next follow-up %s (%s)",
                                output_format_date(due, date, sizeof(date)),
                                output_format_due(due, cli->now, rel, sizeof(rel)));
                fputs(".\n", cli->out);
                return 0;
        }
        if (streq(sub, "ls") || streq(sub, "list")) {
                json_t *list;

                if (at)
                        return cli_usage(cli, "--at goes with 'tend prospect next'");
                if (p.n_pos > 1)
                        return cli_usage(cli, "'tend prospect ls' takes no arguments");
                if (stage && (r = cmd_set_string(cli, params, "stage", stage)) < 0)
                        return r;
                if (all && json_object_set_new(params, "all", json_true()) < 0)
                        return cmd_oom(cli);
                r = cli_call(cli, "io.tend.Network.ProspectList", json_incref(params), &reply);
                if (r < 0)
                        return r;
                list = json_object_get(reply, "prospects");
                if (cli->json)
                        return cli_print_json(cli, list);
                if (json_array_size(list) == 0) {
                        fputs("Nobody in the pipeline: 'tend prospect add NAME'.\n", cli->out);
                        return 0;
                }
                return prospect_table(cli, list);
        }
        return cli_usage(cli, "unknown subcommand '%s'; expected add, next or ls", sub);
}

/* ---- plan ---- */

const struct option_help cmd_plan_options[] = {
    {"limit", CLI_OPT_LIMIT, "N", "at most N people (default 5)", NULL},
    {0},
};

int commands_plan(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        json_t *items, *it;
        size_t i;
        int r;

        r = cmd_parse_limited(&p, cli, argc, argv, params);
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Network.Plan", json_incref(params), &reply);
        if (r < 0)
                return r;
        items = json_object_get(reply, "items");
        if (!json_is_array(items))
                return cli_fail(cli, -EBADMSG, "tendd's reply has no plan");
        if (cli->json)
                return cli_print_json(cli, reply);
        if (json_array_size(items) == 0) {
                fputs("Nothing pressing this week: nobody is due, no goal or pipeline step is "
                      "waiting.\nAdd goals ('tend goal add') and prospects ('tend prospect add') "
                      "to plan ahead.\n",
                      cli->out);
                return 0;
        }
        fprintf(cli->out, "This week (profile: %s", strempty(cmd_jstr(reply, "profile")));
        {
                json_t *nets = json_object_get(reply, "networks"), *n;
                size_t k;
                bool first = true;

                json_array_foreach(nets, k, n)
                {
                        if (!streq(strempty(cmd_jstr(n, "verdict")), "under-served"))
                                continue;
                        fprintf(cli->out, "%s%s %lld%% of %lld%% ±%lld",
                                first ? "; under-served: " : ", ", strempty(cmd_jstr(n, "network")),
                                jint(n, "share_points"), jint(n, "target_points"),
                                jint(reply, "tolerance_points"));
                        first = false;
                }
        }
        fputs("):\n", cli->out);
        json_array_foreach(items, i, it)
        {
                json_t *c = json_object_get(it, "contact"),
                       *reasons = json_object_get(it, "reasons"), *why;
                char head[512];
                size_t k;

                snprintf(head, sizeof(head), "%s", strempty(cmd_jstr(it, "action")));
                if (head[0] >= 'a' && head[0] <= 'z')
                        head[0] = (char)(head[0] - 'a' + 'A');
                fprintf(cli->out, "\n%zu. ", i + 1);
                output_styled(cli->out, cli->color, OUTPUT_BOLD, head);
                fprintf(cli->out, " (#%lld)\n", cmd_jid(c));
                json_array_foreach(reasons, k, why)
                {
                        fputs("   - ", cli->out);
                        output_wrapped(cli->out, false, OUTPUT_PLAIN,
                                       strempty(cmd_jstr(why, "text")), 5, cli->width);
                        fputc('\n', cli->out);
                }
        }
        return 0;
}

/* ---- health ---- */

/* A bar of width cells for a share 0..1: full blocks and one eighth-block remainder. */
static void bar(FILE *f, double share, int width)
{
        static const char *const eighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
        int units = (int)(share * width * 8 + 0.5), cells = 0;

        if (units > width * 8)
                units = width * 8;
        for (; units >= 8; units -= 8, cells++)
                fputs("█", f);
        if (units > 0) {
                fputs(eighths[units], f);
                cells++;
        }
        for (; cells < width; cells++)
                fputs("·", f);
}

int commands_health(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *reply = NULL;
        json_t *nets, *n, *advice, *a;
        bool tty = cli->out_tty;
        size_t i;
        int r;

        r = cmd_parse_plain(&p, cli, argc, argv);
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Network.Health", NULL, &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        nets = json_object_get(reply, "networks");
        advice = json_object_get(reply, "advice");
        fprintf(cli->out, "Network health — %lld %s (%lld in no network), profile %s\n\n",
                jint(reply, "people"), output_plural(jint(reply, "people"), "person", "people"),
                jint(reply, "unfiled"), strempty(cmd_jstr(reply, "profile")));
        json_array_foreach(nets, i, n)
        {
                const char *verdict = strempty(cmd_jstr(n, "verdict"));
                json_t *median = json_object_get(n, "median_days_between_touches");
                char med[32];

                if (json_is_number(median)) {
                        long long d = (long long)(json_number_value(median) + 0.5);

                        snprintf(med, sizeof(med), "%lld %s", d, output_plural(d, "day", "days"));
                } else
                        snprintf(med, sizeof(med), "unknown");
                output_styled(cli->out, cli->color, OUTPUT_BOLD, strempty(cmd_jstr(n, "network")));
                fprintf(cli->out,
                        "  %lld %s, %lld touched in 30 days, %lld in 90, %lld never touched, "
                        "%lld fading, %lld overdue\n",
                        jint(n, "people"), jint(n, "people") == 1 ? "person" : "people",
                        jint(n, "touched_30"), jint(n, "touched_90"), jint(n, "never_touched"),
                        jint(n, "fading"), jint(n, "overdue"));
                fprintf(cli->out,
                        "  depth: median %s between touches · breadth: %lld organisation%s · "
                        "leverage: %lld introduction%s made, %lld received\n",
                        med, jint(n, "organisations"), jint(n, "organisations") == 1 ? "" : "s",
                        jint(n, "introductions_made"),
                        jint(n, "introductions_made") == 1 ? "" : "s",
                        jint(n, "introductions_received"));
                if (tty) {
                        fputs("  attention ", cli->out);
                        bar(cli->out, jreal(n, "share"), 20);
                        fprintf(cli->out, " %3lld%%\n  target    ", jint(n, "share_points"));
                        bar(cli->out, jreal(n, "target"), 20);
                        fprintf(cli->out, " %3lld%% ±%lld  ", jint(n, "target_points"),
                                jint(reply, "tolerance_points"));
                } else {
                        fprintf(cli->out,
                                "  attention %lld%% of your touches, target %lld%% ±%lld: ",
                                jint(n, "share_points"), jint(n, "target_points"),
                                jint(reply, "tolerance_points"));
                }
                output_styled(cli->out, cli->color,
                              streq(verdict, "under-served") ? OUTPUT_RED : OUTPUT_PLAIN, verdict);
                fputs("\n\n", cli->out);
        }
        if (jint(reply, "touches_90") > 0)
                fprintf(cli->out,
                        "Balance against your profile: %.0f%% (100%% = exactly as the "
                        "profile asks)\n",
                        jreal(reply, "balance") * 100);
        else
                fputs("Balance: no interactions in the last 90 days yet.\n", cli->out);
        json_array_foreach(advice, i, a)
        {
                fprintf(cli->out, "- %s\n", strempty(json_string_value(a)));
        }
        return 0;
}

/* ---- org ---- */

static const struct output_column org_columns[] = {
    {"ID", true},       {"NAME", false},     {"TITLE", false},
    {"STRENGTH", true}, {"NETWORKS", false}, {"LAST TOUCH", false},
};

static int org_strength_cmp(const void *a, const void *b)
{
        json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
        long long sx = jint(x, "strength"), sy = jint(y, "strength");

        if (sx != sy)
                return sx > sy ? -1 : 1;
        return strcmp(strempty(cmd_jstr(x, "name")), strempty(cmd_jstr(y, "name")));
}

int commands_org(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        _cleanup_free_ json_t **v = NULL;
        _cleanup_free_ char *name = NULL;
        json_t *people;
        size_t n, per_net[3] = {0};
        static const char *const nets[3] = {"operational", "personal", "strategic"};
        int r;

        r = cmd_parse_plain(&p, cli, argc, argv);
        if (r < 0)
                return r;
        if (!params || cli_parser_rest(&p, 0, &name) < 0)
                return cmd_oom(cli);
        r = cmd_check_text(cli, "ORG", name, FIELD_NAME_MAX, false);
        if (r >= 0)
                r = cmd_set_string(cli, params, "org", name);
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Contacts.List", json_incref(params), &reply);
        if (r < 0)
                return r;
        people = json_object_get(reply, "contacts");
        if (!json_is_array(people))
                return cli_fail(cli, -EBADMSG, "tendd's reply has no contact list");
        n = json_array_size(people);
        v = calloc(n ? n : 1, sizeof(json_t *));
        if (!v)
                return cmd_oom(cli);
        for (size_t i = 0; i < n; i++)
                v[i] = json_array_get(people, i);
        qsort_safe(v, n, sizeof(json_t *), org_strength_cmp);
        if (cli->json) {
                json_t *sorted = json_array();

                for (size_t i = 0; sorted && i < n; i++)
                        json_array_append(sorted, v[i]);
                if (!sorted)
                        return cmd_oom(cli);
                r = cli_print_json(cli, sorted);
                json_decref(sorted);
                return r;
        }
        if (n == 0) {
                fprintf(cli->out, "Nobody at %s in tend.\n", name);
                return 0;
        }
        t = output_table_new(org_columns, ARRAY_SIZE(org_columns));
        if (!t)
                return cmd_oom(cli);
        for (size_t i = 0; i < n; i++) {
                char netbuf[64], when[64];
                json_t *nw = json_object_get(v[i], "networks"), *x;
                size_t k;
                int64_t last = cmd_jtime(v[i], "last_interaction");

                json_array_foreach(nw, k, x)
                {
                        for (size_t m = 0; m < 3; m++)
                                if (streq(strempty(json_string_value(x)), nets[m]))
                                        per_net[m]++;
                }
                output_format_networks(nw, false, netbuf, sizeof(netbuf));
                if (last)
                        output_format_date(last, when, sizeof(when));
                else
                        snprintf(when, sizeof(when), "never");
                if (output_table_addf(t, OUTPUT_DIM, "%lld", cmd_jid(v[i])) < 0 ||
                    output_table_add(t, strempty(cmd_jstr(v[i], "name")), OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, cmd_jstr(v[i], "title"), OUTPUT_PLAIN) < 0 ||
                    output_table_addf(t, OUTPUT_PLAIN, "%lld %s", jint(v[i], "strength"),
                                      strempty(cmd_jstr(v[i], "strength_level"))) < 0 ||
                    output_table_add(t, netbuf[0] ? netbuf : NULL, OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, when, OUTPUT_PLAIN) < 0)
                        return cmd_oom(cli);
        }
        fprintf(cli->out,
                "%s: %zu %s (operational %zu, personal %zu, strategic %zu), strongest "
                "tie first\n",
                strempty(cmd_jstr(v[0], "org")), n, n == 1 ? "person" : "people", per_net[0],
                per_net[1], per_net[2]);
        output_table_print(t, cli->out, cli->color, cli->width);
        return 0;
}
