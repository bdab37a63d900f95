/* Interactions: tend log and history. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd-complete.h"
#include "commands.h"
#include "model.h"
#include "output.h"
#include "strbuf.h"
#include "timeutil.h"

/* ---- log, history ---- */

/* "Informational Interview" → "informational-interview": lower case, runs of blanks and
 * underscores become one '-', none at either end. */
static char *normalise_kind(const char *s)
{
        char *k = malloc(strlen(s) + 1), *o = k;

        if (!k)
                return NULL;
        for (; *s; s++) {
                if (*s == ' ' || *s == '\t' || *s == '_') {
                        if (o > k && o[-1] != '-')
                                *o++ = '-';
                        continue;
                }
                *o++ = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
        }
        while (o > k && o[-1] == '-')
                o--;
        *o = 0;
        return k;
}

/* Whether kind is one of the built-in kinds (the completion list). */
static bool builtin_kind(const char *kind)
{
        const char *list = cmd_complete_kinds(), *p = list;
        size_t len = strlen(kind);

        while ((p = strstr(p, kind))) {
                if ((p == list || p[-1] == ' ') && (p[len] == ' ' || !p[len]))
                        return true;
                p += len;
        }
        return false;
}

int commands_log(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_free_ char *kind = NULL, *note = NULL;
        const char *arg;
        json_t *interaction;
        int64_t t, due;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                const char *key = r == CLI_OPT_GAVE ? "gave" : "got";
                const char *opt = r == CLI_OPT_GAVE ? "--gave" : "--got";

                if (r == CLI_OPT_AT) {
                        if (json_object_get(params, "at"))
                                return cli_usage(cli, "--at given more than once");
                        r = cmd_parse_date(cli, "--at", arg, TIME_DATE_PAST, &t);
                        if (r >= 0)
                                r = cmd_set_time(cli, params, "at", t);
                } else if (r == CLI_OPT_NEW_KIND) {
                        r = json_object_set_new(params, "new_kind", json_true()) < 0 ? cmd_oom(cli)
                                                                                     : 0;
                } else if (r == CLI_OPT_WITH) {
                        /* A group: one interaction with every one of them. */
                        json_t *with = json_object_get(params, "with");

                        if (!arg[0])
                                return cli_usage(cli, "--with needs a WHO");
                        r = cmd_check_text(cli, "--with", arg, FIELD_NAME_MAX, false);
                        if (r >= 0 && !with) {
                                with = json_array();
                                if (!with || json_object_set_new(params, "with", with) < 0)
                                        return cmd_oom(cli);
                        }
                        if (r >= 0 && json_array_append_new(with, json_string(arg)) < 0)
                                return cmd_oom(cli);
                } else if (r == CLI_OPT_GOAL) {
                        if (json_object_get(params, "goal"))
                                return cli_usage(cli, "--goal given more than once");
                        if (!arg[0])
                                return cli_usage(cli, "--goal needs a GOAL (an id or a title)");
                        r = cmd_check_text(cli, "--goal", arg, FIELD_NAME_MAX, false);
                        if (r >= 0)
                                r = cmd_set_string(cli, params, "goal", arg);
                } else {
                        if (json_object_get(params, key))
                                return cli_usage(cli, "%s given more than once", opt);
                        r = cmd_check_text(cli, opt, arg, FIELD_NOTE_MAX, true);
                        if (r >= 0 && arg[0])
                                r = cmd_set_string(cli, params, key, arg);
                }
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;

        r = cmd_parse_who(cli, params, p.pos[0]);
        if (r < 0)
                return r;
        kind = normalise_kind(p.pos[1]);
        if (!kind)
                return cmd_oom(cli);
        if (p.pos[1][strcspn(p.pos[1], " \t")] && !builtin_kind(kind)) {
                /* Several words: tendd knows whether they name a kind ("Coffee Chat" used
                 * before) or, most likely, a second person. */
                r = cmd_check_text(cli, "KIND", p.pos[1], FIELD_NAME_MAX, false);
                if (r >= 0)
                        r = cmd_set_string(cli, params, "kind", p.pos[1]);
                if (r < 0)
                        return r;
        } else if (kind_validate(kind) < 0)
                return cli_usage(cli,
                                 "invalid KIND '%s'; use letters, digits and '-', e.g. coffee, "
                                 "call, informational-interview, email, meeting",
                                 p.pos[1]);
        else
                r = cmd_set_string(cli, params, "kind", kind);
        if (r < 0)
                return r;
        if (cli_parser_rest(&p, 2, &note) < 0)
                return cmd_oom(cli);
        if (note && note[0]) {
                r = cmd_check_text(cli, "NOTE", note, FIELD_NOTE_MAX, true);
                if (r < 0)
                        return r;
                r = cmd_set_string(cli, params, "note", note);
                if (r < 0)
                        return r;
        }

        r = cmd_call_raw(cli, "io.tend.Interactions.Log", params, &reply);
        if (r < 0)
                return r;
        r = cmd_kind_error(cli, reply, p.pos[0], p.pos + 2, p.n_pos > 2 ? p.n_pos - 2 : 0);
        if (r <= 0)
                return r;
        {
                json_t *ok = NULL;

                r = cli_reply_params(cli, TAKE_PTR(reply), &ok);
                if (r < 0)
                        return r;
                reply = ok;
        }
        if (cli->json)
                return cli_print_json(cli, reply);
        interaction = json_object_get(reply, "interaction");
        due = cmd_jtime(reply, "next_due");
        fprintf(cli->out, "Logged %s with %s", strempty(cmd_jstr(interaction, "kind")),
                strempty(cmd_jstr(json_object_get(interaction, "contact"), "name")));
        {
                json_t *w, *with = json_object_get(interaction, "with");
                size_t k;

                json_array_foreach(with, k, w)
                    fprintf(cli->out, "%s%s", k + 1 == json_array_size(with) ? " and " : ", ",
                            strempty(cmd_jstr(w, "name")));
        }
        if (json_is_object(json_object_get(reply, "goal")))
                fprintf(cli->out, " toward goal #%lld \"%s\"",
                        cmd_jid(json_object_get(reply, "goal")),
                        strempty(cmd_jstr(json_object_get(reply, "goal"), "title")));
        if (due) {
                char date[64], rel[64];

                fprintf(cli->out, "; next follow-up %s (%s)",
                        output_format_date(due, date, sizeof(date)),
                        output_format_due(due, cli->now, rel, sizeof(rel)));
        }
        fputs(".\n", cli->out);
        return 0;
}

int commands_history(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        json_t *interactions, *contact;
        int r;

        r = cmd_parse_limited(&p, cli, argc, argv, params);
        if (r < 0)
                return r;
        r = cmd_parse_who(cli, params, p.pos[0]);
        if (r < 0)
                return r;

        r = cli_call(cli, "io.tend.Interactions.List", json_incref(params), &reply);
        if (r < 0)
                return r;
        interactions = json_object_get(reply, "interactions");
        contact = json_object_get(reply, "contact");
        if (!json_is_array(interactions))
                return cli_fail(cli, -EBADMSG, "tendd's reply has no interaction list");
        if (cli->json)
                return cli_print_json(cli, interactions);
        if (json_array_size(interactions) == 0) {
                fprintf(cli->out, "No interactions with %s (#%lld) yet.\n",
                        strempty(cmd_jstr(contact, "name")), cmd_jid(contact));
                return 0;
        }
        return cmd_interaction_table(cli, interactions, true);
}

/* ---- agenda ---- */

const struct option_help cmd_agenda_options[] = {
    {"clear", CLI_OPT_CLEAR, NULL, "forget it without logging anything", NULL},
    {0},
};

const char cmd_agenda_help[] =
    "  tend agenda WHO TEXT    keep what to talk about next time\n"
    "  tend agenda WHO         show it\n"
    "  tend agenda WHO --clear forget it\n"
    "It shows in 'tend due', 'tend show' and the follow-up notification. The next\n"
    "interaction logged with them clears it and keeps it in that interaction.";

int commands_agenda(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_free_ char *text = NULL;
        const char *arg, *name;
        bool clear = false;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0)
                clear = true; /* --clear, the only option */
        if (r < 0)
                return r;
        r = cmd_parse_who(cli, params, p.pos[0]);
        if (r < 0)
                return r;
        if (cli_parser_rest(&p, 1, &text) < 0)
                return cmd_oom(cli);
        if (clear && text && text[0])
                return cli_usage(cli, "--clear takes no TEXT");
        if (text && text[0]) {
                r = cmd_check_text(cli, "TEXT", text, FIELD_NOTE_MAX, true);
                if (r >= 0)
                        r = cmd_set_string(cli, params, "text", text);
        } else if (clear && json_object_set_new(params, "clear", json_true()) < 0)
                r = cmd_oom(cli);
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Interactions.Agenda", json_incref(params), &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        name = strempty(cmd_jstr(json_object_get(reply, "contact"), "name"));
        if (cmd_jstr(reply, "agenda"))
                fprintf(cli->out, "Next time with %s: %s\n", name, cmd_jstr(reply, "agenda"));
        else
                fprintf(cli->out, "Nothing on the agenda with %s.\n", name);
        return 0;
}
