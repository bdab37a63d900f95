/* tend goal SUBCOMMAND: what you work toward, and who matters for it and why. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "model.h"
#include "output.h"
#include "timeutil.h"

const struct option_help cmd_goal_options[] = {
    {"by", CLI_OPT_BY, "DATE", "add: the target date", NULL},
    {"note", CLI_OPT_NOTE, "TEXT", "add: a note on the goal", NULL},
    {"why", CLI_OPT_WHY, "TEXT", "link: why this person matters for the goal", NULL},
    {"all", CLI_OPT_ALL, NULL, "ls: include done goals", NULL},
    {"new", CLI_OPT_NEW, NULL, "add: even when a goal has this title", NULL},
    {"yes", CLI_OPT_YES, NULL, "rm: do not ask (needed when stdin is not a terminal)", NULL},
    {0},
};

const char cmd_goal_help[] =
    "Subcommands:\n"
    "  add TITLE... [--by DATE] [--note TEXT]  add a goal\n"
    "  ls [--all]                              active goals (--all: done ones too)\n"
    "  show GOAL...                            a goal, its people (why, last and next touch)\n"
    "                                          and the interactions toward it: [goal] logged\n"
    "                                          with 'tend log ... --goal GOAL', [linked] with\n"
    "                                          linked people since the goal was added\n"
    "  link GOAL WHO [--why TEXT]              link a person to a goal, with why\n"
    "  unlink GOAL WHO                         unlink them\n"
    "  done GOAL...                            mark a goal done\n"
    "  reopen GOAL...                          make a done goal active again\n"
    "  rm GOAL... [--yes]                      remove a goal and its links (asks first)\n"
    "GOAL is an id, a title, a unique title prefix or words of the title (quote it in link\n"
    "and unlink). People linked to an active goal are followed up at least every 30 days\n"
    "after their last touch: 'tend profile set --goal-every DURATION' sets it, and wins over\n"
    "tendd.conf's [goals] follow_up ('--goal-every default' hands it back to tendd.conf).";

struct goal_args {
        json_t *params;
        bool all, new, yes;
        const char *by, *note, *why;
};

static const struct output_column goal_columns[] = {
    {"ID", true},          {"TITLE", false}, {"BY", false},     {"PEOPLE", true},
    {"LAST TOUCH", false}, {"NEXT", false},  {"STATUS", false},
};

static int goal_table(struct cli *cli, json_t *goals, bool status)
{
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        json_t *g;
        size_t i;

        t = output_table_new(goal_columns, ARRAY_SIZE(goal_columns) - (status ? 0 : 1));
        if (!t)
                return cmd_oom(cli);
        json_array_foreach(goals, i, g)
        {
                int64_t by = cmd_jtime(g, "by"), last = cmd_jtime(g, "last_touch"),
                        next = cmd_jtime(g, "next_touch");
                char a[64], b[64], c[64];
                int r = 0;

                if (output_table_addf(t, OUTPUT_DIM, "%lld", cmd_jid(g)) < 0 ||
                    output_table_add(t, strempty(cmd_jstr(g, "title")), OUTPUT_BOLD) < 0 ||
                    output_table_add(t, by ? output_format_date(by, a, sizeof(a)) : NULL,
                                     by && by < cli->now ? OUTPUT_RED : OUTPUT_PLAIN) < 0 ||
                    output_table_addf(t, OUTPUT_PLAIN, "%lld",
                                      (long long)json_integer_value(json_object_get(g, "people"))) <
                        0 ||
                    output_table_add(
                        t,
                        last ? time_format_days(last, cli->now, TIME_DAYS_WHEN, b, sizeof(b))
                             : NULL,
                        OUTPUT_PLAIN) < 0 ||
                    output_table_add(t,
                                     next ? output_format_due(next, cli->now, c, sizeof(c)) : NULL,
                                     next ? output_due_style(next, cli->now) : OUTPUT_DIM) < 0)
                        r = -ENOMEM;
                if (r >= 0 && status)
                        r = output_table_add(t, strempty(cmd_jstr(g, "status")), OUTPUT_PLAIN);
                if (r < 0)
                        return cmd_oom(cli);
        }
        output_table_print(t, cli->out, cli->color, cli->width);
        return 0;
}

static void print_goal_line(struct cli *cli, const char *verb, json_t *g)
{
        int64_t by = cmd_jtime(g, "by");
        char date[64];

        fprintf(cli->out, "%s goal #%lld \"%s\"", verb, cmd_jid(g), strempty(cmd_jstr(g, "title")));
        if (by)
                fprintf(cli->out, " (by %s)", output_format_date(by, date, sizeof(date)));
        fputs(".\n", cli->out);
}

static const struct output_column people_columns[] = {
    {"ID", true}, {"NAME", false}, {"WHY", false}, {"LAST TOUCH", false}, {"NEXT", false},
};

static const struct output_column toward_columns[] = {
    {NULL, false}, {NULL, false}, {NULL, false}, {NULL, false}, {NULL, false}, {NULL, false},
};

/* Interactions toward a goal: when, who, kind, how it counts (goal: logged with --goal;
 * linked: with a linked person since the goal was added) and the note. */
static int toward_table(struct cli *cli, json_t *inter)
{
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        json_t *i;
        size_t k;

        t = output_table_new(toward_columns, ARRAY_SIZE(toward_columns));
        if (!t)
                return cmd_oom(cli);
        output_table_set_indent(t, 2);
        json_array_foreach(inter, k, i)
        {
                int64_t at = cmd_jtime(i, "at");
                bool tagged = streq_ptr(cmd_jstr(i, "toward"), "tagged");
                const char *note = cmd_jstr(i, "note");
                _cleanup_free_ char *line = note ? strdup(note) : NULL;
                char date[64], rel[64];

                for (char *s = line; s && *s; s++)
                        if (*s == '\n' || *s == '\t')
                                *s = ' ';
                time_format_days(at, cli->now, TIME_DAYS_WHEN, rel, sizeof(rel));
                if (output_table_add(t, output_format_date(at, date, sizeof(date)), OUTPUT_PLAIN) <
                        0 ||
                    output_table_add(t, rel, OUTPUT_DIM) < 0 ||
                    output_table_add(t, strempty(cmd_jstr(json_object_get(i, "contact"), "name")),
                                     OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, strempty(cmd_jstr(i, "kind")), OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, tagged ? "[goal]" : "[linked]",
                                     tagged ? OUTPUT_BOLD : OUTPUT_DIM) < 0 ||
                    output_table_add(t, line, OUTPUT_PLAIN) < 0)
                        return cmd_oom(cli);
        }
        output_table_print(t, cli->out, cli->color, cli->width);
        return 0;
}

static int print_goal(struct cli *cli, json_t *reply)
{
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        json_t *g = json_object_get(reply, "goal"), *people = json_object_get(reply, "people");
        json_t *inter = json_object_get(reply, "interactions"), *p;
        int64_t by = cmd_jtime(g, "by"), created = cmd_jtime(g, "created");
        char buf[160];
        size_t i;

        fprintf(cli->out, "Goal #%lld: ", cmd_jid(g));
        output_styled(cli->out, cli->color, OUTPUT_BOLD, strempty(cmd_jstr(g, "title")));
        fprintf(cli->out, " (%s)\n", strempty(cmd_jstr(g, "status")));
        if (by)
                fprintf(cli->out, "By:    %s\n", cmd_format_when(by, cli->now, buf, sizeof(buf)));
        if (created)
                fprintf(cli->out, "Added: %s\n", output_format_date(created, buf, sizeof(buf)));
        if (cmd_jstr(g, "note")) {
                fputs("Note:  ", cli->out);
                output_wrapped(cli->out, false, OUTPUT_PLAIN, cmd_jstr(g, "note"), 7, cli->width);
                fputc('\n', cli->out);
        }
        if (json_array_size(people) == 0) {
                fprintf(cli->out, "\nNobody is linked yet: 'tend goal link %lld WHO --why TEXT'.\n",
                        cmd_jid(g));
        } else {
                fputs("\nPeople:\n", cli->out);
                t = output_table_new(people_columns, ARRAY_SIZE(people_columns));
                if (!t)
                        return cmd_oom(cli);
                output_table_set_indent(t, 2);
                json_array_foreach(people, i, p)
                {
                        json_t *c = json_object_get(p, "contact");
                        int64_t last = cmd_jtime(p, "last_touch"), next = cmd_jtime(p, "next_due");
                        const char *kind = cmd_jstr(p, "last_kind");
                        char a[96], rel[64], b[64];

                        if (last) {
                                time_format_days(last, cli->now, TIME_DAYS_WHEN, rel, sizeof(rel));
                                snprintf(a, sizeof(a), "%s%s%s", kind ? kind : "", kind ? ", " : "",
                                         rel);
                        }
                        if (output_table_addf(t, OUTPUT_DIM, "%lld", cmd_jid(c)) < 0 ||
                            output_table_add(t, strempty(cmd_jstr(c, "name")), OUTPUT_PLAIN) < 0 ||
                            output_table_add(t, cmd_jstr(p, "why"), OUTPUT_PLAIN) < 0 ||
                            output_table_add(t, last ? a : NULL, OUTPUT_PLAIN) < 0 ||
                            output_table_add(
                                t, next ? output_format_due(next, cli->now, b, sizeof(b)) : NULL,
                                next ? output_due_style(next, cli->now) : OUTPUT_DIM) < 0)
                                return cmd_oom(cli);
                }
                output_table_print(t, cli->out, cli->color, cli->width);
        }
        if (json_array_size(inter) > 0) {
                long long total = (long long)json_integer_value(
                              json_object_get(reply, "interactions_total")),
                          tagged = (long long)json_integer_value(
                              json_object_get(reply, "interactions_tagged"));

                fputs("\nInteractions toward it", cli->out);
                if (total > (long long)json_array_size(inter))
                        fprintf(cli->out, " (%zu most recent of %lld)", json_array_size(inter),
                                total);
                fprintf(cli->out,
                        ": %lld logged with --goal, the rest with linked people since "
                        "the goal was added\n",
                        tagged);
                return toward_table(cli, inter);
        }
        return 0;
}

static int goal_option(struct cli *cli, struct goal_args *a, int id, const char *arg)
{
        switch (id) {
        case CLI_OPT_BY:
                if (a->by)
                        return cli_usage(cli, "--by given more than once");
                a->by = arg;
                return 0;
        case CLI_OPT_NOTE:
                if (a->note)
                        return cli_usage(cli, "--note given more than once");
                a->note = arg;
                return cmd_check_text(cli, "--note", arg, FIELD_NOTE_MAX, true);
        case CLI_OPT_WHY:
                if (a->why)
                        return cli_usage(cli, "--why given more than once");
                a->why = arg;
                return cmd_check_text(cli, "--why", arg, FIELD_NOTE_MAX, true);
        case CLI_OPT_ALL:
                a->all = true;
                return 0;
        case CLI_OPT_NEW:
                a->new = true;
                return 0;
        case CLI_OPT_YES:
                a->yes = true;
                return 0;
        default:
                return cli_usage(cli, "option not handled");
        }
}

/* Options only some subcommands take. */
static int check_options(struct cli *cli, const struct goal_args *a, const char *sub, bool by_note,
                         bool why, bool all)
{
        if (!by_note && (a->by || a->note))
                return cli_usage(cli, "--by and --note go with 'tend goal add', not '%s'", sub);
        if (!why && a->why)
                return cli_usage(cli, "--why goes with 'tend goal link', not '%s'", sub);
        if (!all && a->all)
                return cli_usage(cli, "--all goes with 'tend goal ls', not '%s'", sub);
        if (a->new && !by_note)
                return cli_usage(cli, "--new goes with 'tend goal add', not '%s'", sub);
        if (a->yes && !streq(sub, "rm") && !streq(sub, "remove"))
                return cli_usage(cli, "--yes goes with 'tend goal rm', not '%s'", sub);
        return 0;
}

/* Words from i on, joined by spaces, as params[key] (a usage error names what is missing). */
static int set_rest(struct cli *cli, struct cli_parser *p, size_t i, json_t *params,
                    const char *key, const char *what)
{
        _cleanup_free_ char *s = NULL;
        size_t len = 0;
        int r;

        if (i >= p->n_pos)
                return cli_usage(cli, "missing %s", what);
        for (size_t k = i; k < p->n_pos; k++)
                len += strlen(p->pos[k]) + 1;
        s = calloc(len + 1, 1);
        if (!s)
                return cmd_oom(cli);
        for (size_t k = i; k < p->n_pos; k++) {
                if (k > i)
                        strcat(s, " ");
                strcat(s, p->pos[k]);
        }
        r = cmd_check_name(cli, what, s);
        if (r < 0)
                return r;
        return cmd_set_string(cli, params, key, s);
}

static int expect_args(struct cli *cli, struct cli_parser *p, size_t n, const char *usage)
{
        if (p->n_pos != n + 1)
                return cli_usage(cli, "%s arguments; usage: tend goal %s",
                                 p->n_pos < n + 1 ? "missing" : "too many", usage);
        return 0;
}

/* goal rm asks first on a terminal, naming the goal and how many people it is linked to; the
 * goal confirmed is then named by id. Without a terminal, --yes is required. */
static int confirm_goal_rm(struct cli *cli, const struct goal_args *a, json_t *params)
{
        _cleanup_(json_decrefp) json_t *got = NULL;
        char what[FIELD_NAME_MAX + 16], question[FIELD_NAME_MAX + 128];
        json_t *g;
        long long people;
        int r;

        snprintf(what, sizeof(what), "goal '%s'", strempty(cmd_jstr(params, "goal")));
        r = cmd_need_yes(cli, a->yes, what);
        if (r < 0 || a->yes)
                return r;
        r = cli_call(cli, "io.tend.Goals.Get", json_incref(params), &got);
        if (r < 0)
                return r;
        g = json_object_get(got, "goal");
        people = (long long)json_integer_value(json_object_get(g, "people"));
        if (people > 0)
                snprintf(question, sizeof(question),
                         "Remove goal #%lld \"%s\" and its links to %lld %s?", cmd_jid(g),
                         strempty(cmd_jstr(g, "title")), people, people == 1 ? "person" : "people");
        else
                snprintf(question, sizeof(question), "Remove goal #%lld \"%s\"?", cmd_jid(g),
                         strempty(cmd_jstr(g, "title")));
        if (!cmd_confirm(cli, question))
                return cli_fail(cli, -ECANCELED, "nothing removed");
        snprintf(what, sizeof(what), "%lld", cmd_jid(g)); /* exactly the goal confirmed */
        if (json_object_set_new(params, "goal", json_string(what)) < 0)
                return cmd_oom(cli);
        return 0;
}

int commands_goal(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        struct goal_args a = {.params = params};
        const char *arg, *sub;
        int64_t t;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                r = goal_option(cli, &a, r, arg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        sub = p.pos[0];

        if (streq(sub, "add") || streq(sub, "new")) {
                if ((r = check_options(cli, &a, sub, true, false, false)) < 0 ||
                    (r = set_rest(cli, &p, 1, params, "title", "TITLE")) < 0)
                        return r;
                if (a.by) {
                        r = cmd_parse_date(cli, "--by", a.by, TIME_DATE_POINT, &t);
                        if (r >= 0)
                                r = cmd_set_time(cli, params, "by", t);
                        if (r < 0)
                                return r;
                }
                if (a.note && a.note[0] && (r = cmd_set_string(cli, params, "note", a.note)) < 0)
                        return r;
                if (a.new &&json_object_set_new(params, "allow_duplicate", json_true()) < 0)
                        return cmd_oom(cli);
                r = cli_call(cli, "io.tend.Goals.Add", json_incref(params), &reply);
                if (r < 0)
                        return r;
                if (cli->json)
                        return cli_print_json(cli, json_object_get(reply, "goal"));
                print_goal_line(cli, "Added", json_object_get(reply, "goal"));
                return 0;
        }
        if (streq(sub, "ls") || streq(sub, "list")) {
                json_t *goals;

                if ((r = check_options(cli, &a, sub, false, false, true)) < 0 ||
                    (r = expect_args(cli, &p, 0, "ls [--all]")) < 0)
                        return r;
                if (a.all && json_object_set_new(params, "all", json_true()) < 0)
                        return cmd_oom(cli);
                r = cli_call(cli, "io.tend.Goals.List", json_incref(params), &reply);
                if (r < 0)
                        return r;
                goals = json_object_get(reply, "goals");
                if (!json_is_array(goals))
                        return cli_fail(cli, -EBADMSG, "tendd's reply has no goal list");
                if (cli->json)
                        return cli_print_json(cli, goals);
                if (json_array_size(goals) == 0) {
                        fputs(a.all ? "No goals yet: 'tend goal add TITLE'.\n"
                                    : "No active goals: 'tend goal add TITLE'.\n",
                              cli->out);
                        return 0;
                }
                return goal_table(cli, goals, a.all);
        }
        if (streq(sub, "show")) {
                if ((r = check_options(cli, &a, sub, false, false, false)) < 0 ||
                    (r = set_rest(cli, &p, 1, params, "goal", "GOAL")) < 0)
                        return r;
                r = cli_call(cli, "io.tend.Goals.Get", json_incref(params), &reply);
                if (r < 0)
                        return r;
                if (cli->json)
                        return cli_print_json(cli, reply);
                return print_goal(cli, reply);
        }
        if (streq(sub, "link") || streq(sub, "unlink")) {
                bool link = streq(sub, "link");
                json_t *g, *c;
                char date[64], rel[64];
                int64_t due;

                if ((r = check_options(cli, &a, sub, false, link, false)) < 0 ||
                    (r = expect_args(cli, &p, 2,
                                     link ? "link GOAL WHO [--why TEXT]" : "unlink GOAL WHO")) <
                        0 ||
                    (r = set_rest(cli, &p, 1, params, "goal", "GOAL")) < 0)
                        return r;
                /* set_rest joined GOAL and WHO: set GOAL alone. */
                if ((r = cmd_set_string(cli, params, "goal", p.pos[1])) < 0 ||
                    (r = cmd_parse_who(cli, params, p.pos[2])) < 0)
                        return r;
                if (a.why && (r = cmd_set_string(cli, params, "why", a.why)) < 0)
                        return r;
                r = cli_call(cli, link ? "io.tend.Goals.Link" : "io.tend.Goals.Unlink",
                             json_incref(params), &reply);
                if (r < 0)
                        return r;
                if (cli->json)
                        return cli_print_json(cli, reply);
                g = json_object_get(reply, "goal");
                c = json_object_get(reply, "contact");
                if (link && json_is_true(json_object_get(reply, "relinked")))
                        /* Already linked: only the why changed. */
                        fprintf(cli->out, "Updated why %s (#%lld) matters for goal #%lld \"%s\"",
                                strempty(cmd_jstr(c, "name")), cmd_jid(c), cmd_jid(g),
                                strempty(cmd_jstr(g, "title")));
                else
                        fprintf(cli->out, "%s %s (#%lld) %s goal #%lld \"%s\"",
                                link ? "Linked" : "Unlinked", strempty(cmd_jstr(c, "name")),
                                cmd_jid(c), link ? "to" : "from", cmd_jid(g),
                                strempty(cmd_jstr(g, "title")));
                due = cmd_jtime(reply, "next_due");
                if (due)
                        fprintf(cli->out, "; next follow-up %s (%s)",
                                output_format_date(due, date, sizeof(date)),
                                output_format_due(due, cli->now, rel, sizeof(rel)));
                fputs(".\n", cli->out);
                return 0;
        }
        if (streq(sub, "done") || streq(sub, "reopen") || streq(sub, "rm") ||
            streq(sub, "remove")) {
                const char *method = streq(sub, "done")     ? "io.tend.Goals.Done"
                                     : streq(sub, "reopen") ? "io.tend.Goals.Reopen"
                                                            : "io.tend.Goals.Remove";

                if ((r = check_options(cli, &a, sub, false, false, false)) < 0 ||
                    (r = set_rest(cli, &p, 1, params, "goal", "GOAL")) < 0)
                        return r;
                if (streq(method, "io.tend.Goals.Remove")) {
                        r = confirm_goal_rm(cli, &a, params);
                        if (r < 0)
                                return r;
                }
                r = cli_call(cli, method, json_incref(params), &reply);
                if (r < 0)
                        return r;
                if (cli->json)
                        return cli_print_json(cli, json_object_get(reply, "goal"));
                print_goal_line(cli,
                                streq(sub, "done")     ? "Done:"
                                : streq(sub, "reopen") ? "Reopened"
                                                       : "Removed",
                                json_object_get(reply, "goal"));
                return 0;
        }
        return cli_usage(cli,
                         "unknown subcommand '%s'; expected add, ls, show, link, unlink, done, "
                         "reopen or rm",
                         sub);
}
