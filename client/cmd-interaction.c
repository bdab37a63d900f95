/* Correcting the history: tend interaction edit|rm ID, tend kinds, and how a refused kind is
 * explained (shared with tend log). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd-complete.h"
#include "commands.h"
#include "model.h"
#include "output.h"
#include "timeutil.h"

const struct option_help cmd_interaction_options[] = {
    {"at", CLI_OPT_AT, "DATE", "edit: when it happened", NULL},
    {"kind", CLI_OPT_KIND, "KIND", "edit: what kind of interaction it was", NULL},
    {"new-kind", CLI_OPT_NEW_KIND, NULL, "edit: KIND is new on purpose, not a typo", NULL},
    {"note", CLI_OPT_NOTE, "TEXT", "edit: the note ('' clears it)", NULL},
    {"gave", CLI_OPT_GAVE, "TEXT", "edit: what you offered ('' clears it)", NULL},
    {"got", CLI_OPT_GOT, "TEXT", "edit: what they brought ('' clears it)", NULL},
    {"goal", CLI_OPT_GOAL, "GOAL", "edit: the goal it was toward ('' for none)", NULL},
    {"yes", CLI_OPT_YES, NULL, "rm: do not ask (needed when stdin is not a terminal)", NULL},
    {0},
};

const char cmd_interaction_help[] =
    "  tend interaction edit ID [--at DATE] [--kind KIND] [--note TEXT] [--gave TEXT]\n"
    "                           [--got TEXT] [--goal GOAL]\n"
    "  tend interaction rm ID [--yes]\n"
    "ID is the number 'tend history WHO' shows (#17). Afterwards the person's last\n"
    "interaction and next follow-up are worked out again from what remains; a later\n"
    "date set with 'tend snooze' stays.";

/* ---- calls whose errors a command explains itself ---- */

int cmd_call_raw(struct cli *cli, const char *method, json_t *params, json_t **ret_reply)
{
        _cleanup_(json_decrefp) json_t *msg = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        msg = json_pack("{s:s,s:O}", "method", method, "parameters", params);
        text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
        if (!text)
                return cmd_oom(cli);
        r = cli_send(cli, text, strlen(text));
        if (r < 0)
                return r;
        return cli_receive_raw(cli, ret_reply);
}

/* A word of the line quoted for a shell when it needs it. */
static void print_arg(FILE *f, const char *s)
{
        if (s[strcspn(s, " \t'\"$`\\!*?;&|<>()")] || !*s) {
                fputc('"', f);
                for (; *s; s++) {
                        if (strchr("\"$`\\", *s))
                                fputc('\\', f);
                        fputc(*s, f);
                }
                fputc('"', f);
        } else
                fputs(s, f);
}

int cmd_kind_error(struct cli *cli, json_t *reply, const char *who, char **rest, size_t n_rest)
{
        const char *error = json_string_value(json_object_get(reply, "error"));
        json_t *params = json_object_get(reply, "parameters");

        if (streq_ptr(error, "io.tend.Interactions.UnknownKind"))
                return cli_fail(cli, -EINVAL,
                                "'%s' is not a kind yet; did you mean %s? (--new-kind uses '%s' "
                                "as a new kind; 'tend kinds' lists them)",
                                strempty(cmd_jstr(params, "kind")),
                                strempty(cmd_jstr(params, "suggestion")),
                                strempty(cmd_jstr(params, "kind")));
        if (!streq_ptr(error, "io.tend.Interactions.KindNotOneWord"))
                return 1;
        cli_fail(cli, -EINVAL,
                 "KIND '%s' is not one word: a kind is one word such as coffee, call or meeting",
                 strempty(cmd_jstr(params, "kind")));
        if (!who)
                return -EINVAL;
        fputs("WHO names one person; put a note of several words in quotes", cli->err);
        if (n_rest > 0) {
                fputs(", e.g.\n  tend log ", cli->err);
                print_arg(cli->err, who);
                fputc(' ', cli->err);
                print_arg(cli->err, rest[0]);
                if (n_rest > 1) {
                        _cleanup_free_ char *note = NULL;
                        size_t len = 0;

                        for (size_t k = 1; k < n_rest; k++)
                                len += strlen(rest[k]) + 1;
                        note = calloc(1, len);
                        if (!note)
                                return cmd_oom(cli);
                        for (size_t k = 1; k < n_rest; k++) {
                                if (k > 1)
                                        strcat(note, " ");
                                strcat(note, rest[k]);
                        }
                        fputc(' ', cli->err);
                        print_arg(cli->err, note);
                }
        }
        fputs(".\nTo record it with someone else too: tend log WHO --with WHO2 KIND.\n", cli->err);
        return -EINVAL;
}

/* ---- tend interaction ---- */

struct edit_args {
        json_t *params;
        bool yes, edits;
};

static int parse_id(struct cli *cli, const char *arg, json_t *params)
{
        char *end = NULL;
        long long id;

        if (arg[0] == '#')
                arg++;
        errno = 0;
        id = strtoll(arg, &end, 10);
        if (errno || !end || *end || end == arg || id <= 0)
                return cli_usage(cli, "ID must be an interaction's number as 'tend history' shows "
                                      "it (e.g. 17 or #17)");
        return cmd_set_integer(cli, params, "id", id);
}

static int edit_option(struct cli *cli, struct edit_args *a, int opt, const char *arg)
{
        static const struct {
                int opt;
                const char *key, *name;
                size_t max;
        } texts[] = {
            {CLI_OPT_NOTE, "note", "--note", FIELD_NOTE_MAX},
            {CLI_OPT_GAVE, "gave", "--gave", FIELD_NOTE_MAX},
            {CLI_OPT_GOT, "got", "--got", FIELD_NOTE_MAX},
            {CLI_OPT_GOAL, "goal", "--goal", FIELD_NAME_MAX},
            {CLI_OPT_KIND, "kind", "--kind", FIELD_NOTE_MAX},
        };
        int64_t t;
        int r;

        if (opt == CLI_OPT_YES) {
                a->yes = true;
                return 0;
        }
        if (opt == CLI_OPT_NEW_KIND)
                return json_object_set_new(a->params, "new_kind", json_true()) < 0 ? cmd_oom(cli)
                                                                                   : 0;
        a->edits = true;
        if (opt == CLI_OPT_AT) {
                if (json_object_get(a->params, "at"))
                        return cli_usage(cli, "--at given more than once");
                r = cmd_parse_date(cli, "--at", arg, TIME_DATE_PAST, &t);
                return r < 0 ? r : cmd_set_time(cli, a->params, "at", t);
        }
        for (size_t k = 0; k < ARRAY_SIZE(texts); k++) {
                if (texts[k].opt != opt)
                        continue;
                if (json_object_get(a->params, texts[k].key))
                        return cli_usage(cli, "%s given more than once", texts[k].name);
                r = cmd_check_text(cli, texts[k].name, arg, texts[k].max,
                                   opt != CLI_OPT_GOAL && opt != CLI_OPT_KIND);
                return r < 0 ? r : cmd_set_string(cli, a->params, texts[k].key, arg);
        }
        return cli_usage(cli, "unexpected option");
}

/* The parameters of reply, or its error reported (NoSuchInteraction explained here). */
static int reply_or_error(struct cli *cli, json_t *reply, json_t **ret)
{
        json_t *params = json_object_get(reply, "parameters");

        if (streq_ptr(json_string_value(json_object_get(reply, "error")),
                      "io.tend.Interactions.NoSuchInteraction")) {
                long long id = cmd_jid(params);

                json_decref(reply);
                return cli_fail(cli, -ENOENT,
                                "no interaction #%lld ('tend history WHO' lists them)", id);
        }
        return cli_reply_params(cli, reply, ret);
}

static void print_next_due(struct cli *cli, json_t *reply)
{
        int64_t due = cmd_jtime(reply, "next_due");
        char date[64], rel[64];

        if (!due) {
                fputs("; no follow-up planned.\n", cli->out);
                return;
        }
        fprintf(cli->out, "; next follow-up %s (%s).\n",
                output_format_date(due, date, sizeof(date)),
                output_format_due(due, cli->now, rel, sizeof(rel)));
}

static void print_interaction_line(struct cli *cli, const char *what, json_t *i)
{
        char local[64];

        time_format_local(cmd_jtime(i, "at"), local, sizeof(local));
        fprintf(cli->out, "%s #%lld (%s with %s, %s)", what, cmd_jid(i),
                strempty(cmd_jstr(i, "kind")),
                strempty(cmd_jstr(json_object_get(i, "contact"), "name")), local);
}

static bool confirm(struct cli *cli, const char *question)
{
        char answer[64];

        fprintf(cli->err, "%s [y/N] ", question);
        fflush(cli->err);
        if (!fgets(answer, sizeof(answer), cli->in))
                return false;
        answer[strcspn(answer, "\r\n")] = 0;
        return strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
}

static int interaction_edit(struct cli *cli, struct edit_args *a)
{
        _cleanup_(json_decrefp) json_t *reply = NULL;
        json_t *params = NULL;
        int r;

        if (a->yes)
                return cli_usage(cli, "--yes belongs to 'tend interaction rm'");
        if (!a->edits)
                return cli_usage(cli, "nothing to change: give --at, --kind, --note, --gave, "
                                      "--got or --goal");
        if (json_object_get(a->params, "new_kind") && !json_object_get(a->params, "kind"))
                return cli_usage(cli, "--new-kind goes with --kind");
        r = cmd_call_raw(cli, "io.tend.Interactions.Update", a->params, &reply);
        if (r < 0)
                return r;
        r = cmd_kind_error(cli, reply, NULL, NULL, 0);
        if (r <= 0)
                return r;
        r = reply_or_error(cli, TAKE_PTR(reply), &params);
        if (r < 0)
                return r;
        reply = params;
        if (cli->json)
                return cli_print_json(cli, reply);
        print_interaction_line(cli, "Updated", json_object_get(reply, "interaction"));
        print_next_due(cli, reply);
        return 0;
}

static int interaction_rm(struct cli *cli, struct edit_args *a, const char *id)
{
        _cleanup_(json_decrefp) json_t *reply = NULL;
        int r;

        if (a->edits || json_object_get(a->params, "new_kind"))
                return cli_usage(cli, "'tend interaction rm' takes only --yes");
        if (!a->yes && !cli->in_tty)
                return cli_usage(cli,
                                 "not removing interaction %s: stdin is not a terminal, so tend "
                                 "cannot ask; pass --yes",
                                 id);
        if (!a->yes) {
                _cleanup_(json_decrefp) json_t *got = NULL;
                json_t *raw = NULL, *i;
                char local[64], question[512];

                r = cmd_call_raw(cli, "io.tend.Interactions.Get", a->params, &raw);
                if (r >= 0)
                        r = reply_or_error(cli, raw, &got);
                if (r < 0)
                        return r;
                i = json_object_get(got, "interaction");
                time_format_local(cmd_jtime(i, "at"), local, sizeof(local));
                snprintf(question, sizeof(question), "Remove interaction #%lld (%s with %s, %s)?",
                         cmd_jid(i), strempty(cmd_jstr(i, "kind")),
                         strempty(cmd_jstr(json_object_get(i, "contact"), "name")), local);
                if (!confirm(cli, question))
                        return cli_fail(cli, -ECANCELED, "nothing removed");
        }
        {
                json_t *raw = NULL;

                r = cmd_call_raw(cli, "io.tend.Interactions.Remove", a->params, &raw);
                if (r >= 0)
                        r = reply_or_error(cli, raw, &reply);
                if (r < 0)
                        return r;
        }
        if (cli->json)
                return cli_print_json(cli, reply);
        print_interaction_line(cli, "Removed", json_object_get(reply, "interaction"));
        print_next_due(cli, reply);
        return 0;
}

int commands_interaction(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        struct edit_args a = {.params = params};
        const char *arg, *sub;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                r = edit_option(cli, &a, r, arg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        sub = p.pos[0];
        if (!streq(sub, "edit") && !streq(sub, "rm"))
                return cli_usage(cli, "unknown subcommand '%s' (edit or rm)", sub);
        if (p.n_pos != 2)
                return cli_usage(cli, "'tend interaction %s' takes one ID", sub);
        r = parse_id(cli, p.pos[1], params);
        if (r < 0)
                return r;
        if (streq(sub, "edit"))
                return interaction_edit(cli, &a);
        return interaction_rm(cli, &a, p.pos[1]);
}

/* ---- tend kinds ---- */

static const struct output_column kind_columns[] = {
    {"KIND", false},
    {"COUNT", true},
    {"", false},
};

int commands_kinds(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        json_t *kinds, *k;
        size_t i;
        int r;

        r = cmd_parse_plain(&p, cli, argc, argv);
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Interactions.Kinds", NULL, &reply);
        if (r < 0)
                return r;
        kinds = json_object_get(reply, "kinds");
        if (!json_is_array(kinds))
                return cli_fail(cli, -EBADMSG, "tendd's reply has no kind list");
        if (cli->json)
                return cli_print_json(cli, kinds);
        t = output_table_new(kind_columns, ARRAY_SIZE(kind_columns));
        if (!t)
                return cmd_oom(cli);
        json_array_foreach(kinds, i, k)
        {
                char count[32];

                snprintf(count, sizeof(count), "%lld",
                         (long long)json_integer_value(json_object_get(k, "count")));
                if (output_table_add(t, strempty(cmd_jstr(k, "kind")), OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, count, OUTPUT_PLAIN) < 0 ||
                    output_table_add(
                        t, json_is_true(json_object_get(k, "builtin")) ? "built-in" : NULL,
                        OUTPUT_DIM) < 0)
                        return cmd_oom(cli);
        }
        output_table_print(t, cli->out, cli->color, cli->width);
        return 0;
}
