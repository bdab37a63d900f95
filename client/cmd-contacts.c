/* People: tend add, edit, show, rm, ls and find. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "model.h"
#include "output.h"
#include "strbuf.h"
#include "timeutil.h"

#define RECENT_INTERACTIONS 5

/* Options add and edit share; edit names list changes add_* / remove_*. */
struct contact_args {
        json_t *params;
        bool edit;
        bool every, no_cadence, due, no_due;
        const char *due_arg; /* --due DATE, set once the rest is checked */
};

static int set_text_option(struct cli *cli, struct contact_args *a, const char *opt,
                           const char *key, const char *arg, size_t max, bool multiline)
{
        int r;

        if (json_object_get(a->params, key))
                return cli_usage(cli, "%s given more than once", opt);
        if (!arg[0] && !a->edit)
                return 0; /* nothing to add */
        r = cmd_check_text(cli, opt, arg, max, multiline);
        if (r < 0)
                return r;
        return cmd_set_string(cli, a->params, key, arg);
}

static int list_option(struct cli *cli, struct contact_args *a, const char *opt,
                       const char *add_key, const char *edit_key, const char *arg, size_t max)
{
        int r;

        if (!(a->edit ? edit_key : add_key))
                return cli_usage(cli, "%s only works with 'tend edit'", opt);
        if (!arg[0])
                return cli_usage(cli, "%s needs a value", opt);
        r = cmd_check_text(cli, opt, arg, max, false);
        if (r < 0)
                return r;
        return cmd_append_string(cli, opt, a->params, a->edit ? edit_key : add_key, arg);
}

static int contact_option(struct cli *cli, struct contact_args *a, int id, const char *arg)
{
        int64_t v;
        int r;

        switch (id) {
        case CLI_OPT_NETWORK:
                return cmd_parse_networks(cli, "--network", arg, a->params,
                                          a->edit ? "add_networks" : "networks", false);
        case CLI_OPT_DROP_NETWORK:
                return cmd_parse_networks(cli, "--drop-network", arg, a->params, "remove_networks",
                                          false);
        case CLI_OPT_EMAIL:
                return list_option(cli, a, "--email", "emails", "add_emails", arg, FIELD_EMAIL_MAX);
        case CLI_OPT_DROP_EMAIL:
                return list_option(cli, a, "--drop-email", NULL, "remove_emails", arg,
                                   FIELD_EMAIL_MAX);
        case CLI_OPT_PHONE:
                return list_option(cli, a, "--phone", "phones", "add_phones", arg, FIELD_PHONE_MAX);
        case CLI_OPT_DROP_PHONE:
                return list_option(cli, a, "--drop-phone", NULL, "remove_phones", arg,
                                   FIELD_PHONE_MAX);
        case CLI_OPT_URL:
                return list_option(cli, a, "--url", "urls", "add_urls", arg, FIELD_URL_MAX);
        case CLI_OPT_DROP_URL:
                return list_option(cli, a, "--drop-url", NULL, "remove_urls", arg, FIELD_URL_MAX);
        case CLI_OPT_TAG:
                return list_option(cli, a, "--tag", "tags", "add_tags", arg, FIELD_TAG_MAX);
        case CLI_OPT_UNTAG:
                return list_option(cli, a, "--untag", NULL, "remove_tags", arg, FIELD_TAG_MAX);
        case CLI_OPT_NAME:
                if (json_object_get(a->params, "name"))
                        return cli_usage(cli, "--name given more than once");
                r = cmd_check_name(cli, "--name", arg);
                return r < 0 ? r : cmd_set_string(cli, a->params, "name", arg);
        case CLI_OPT_ORG:
                return set_text_option(cli, a, "--org", "org", arg, FIELD_NAME_MAX, false);
        case CLI_OPT_TITLE:
                return set_text_option(cli, a, "--title", "title", arg, FIELD_NAME_MAX, false);
        case CLI_OPT_NOTE:
                return set_text_option(cli, a, "--note", "notes", arg, FIELD_NOTE_MAX, true);
        case CLI_OPT_HOW_MET:
                return set_text_option(cli, a, "--how-met", "how_met", arg, FIELD_NOTE_MAX, true);
        case CLI_OPT_MET_VIA:
                return set_text_option(cli, a, "--met-via", "met_via", arg, FIELD_NAME_MAX, false);
        case CLI_OPT_BRINGS:
                return set_text_option(cli, a, "--brings", "brings", arg, FIELD_NOTE_MAX, true);
        case CLI_OPT_BIRTHDAY:
                return set_text_option(cli, a, "--birthday", "birthday", arg, 16, false);
        case CLI_OPT_INTERNAL:
        case CLI_OPT_EXTERNAL: {
                const char *scope = id == CLI_OPT_INTERNAL ? "internal" : "external";
                const char *old = cmd_jstr(a->params, "scope");

                if (old && !streq(old, scope))
                        return cli_usage(cli, "--internal and --external exclude each other");
                return cmd_set_string(cli, a->params, "scope", scope);
        }
        case CLI_OPT_EVERY:
                if (a->every || a->no_cadence)
                        return cli_usage(cli, a->every ? "--every given more than once"
                                                       : "--every and --no-cadence exclude "
                                                         "each other");
                r = cmd_parse_duration(cli, "--every", arg,
                                       a->edit ? " (--no-cadence removes the cadence)" : NULL, &v);
                if (r < 0)
                        return r;
                if (v > CADENCE_MAX_SECONDS)
                        return cli_usage(cli, "cadence '%s' for --every is longer than 10 years",
                                         arg);
                a->every = true;
                return cmd_set_integer(cli, a->params, "cadence_seconds", v);
        case CLI_OPT_NO_CADENCE:
                if (a->every)
                        return cli_usage(cli, "--every and --no-cadence exclude each other");
                a->no_cadence = true;
                return cmd_set_integer(cli, a->params, "cadence_seconds", 0);
        case CLI_OPT_DUE:
                if (a->due || a->no_due)
                        return cli_usage(cli, a->due ? "--due given more than once"
                                                     : "--due and --no-due exclude each other");
                /* Resolved once everything else is checked: it may ask tendd the time of day. */
                r = cmd_check_date(cli, "--due", arg, TIME_DATE_AHEAD);
                if (r < 0)
                        return r;
                a->due = true;
                a->due_arg = arg;
                return 0;
        case CLI_OPT_NEW:
                return json_object_set_new(a->params, "allow_duplicate", json_true()) < 0
                           ? cmd_oom(cli)
                           : 0;
        case CLI_OPT_NO_DUE:
                if (a->due)
                        return cli_usage(cli, "--due and --no-due exclude each other");
                a->no_due = true;
                return json_object_set_new(a->params, "clear_due", json_true()) < 0 ? cmd_oom(cli)
                                                                                    : 0;
        default:
                return cli_usage(cli, "option not handled");
        }
}

/* ", next follow-up in 2 weeks" or "" */
static char *next_followup_suffix(struct cli *cli, json_t *contact, char *buf, size_t size)
{
        int64_t due = cmd_jtime(contact, "next_due");
        char rel[64];

        if (!due) {
                buf[0] = 0;
                return buf;
        }
        snprintf(buf, size, ", next follow-up %s",
                 output_format_due(due, cli->now, rel, sizeof(rel)));
        return buf;
}

static int contact_command(struct cli *cli, int argc, char **argv, bool edit)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        struct contact_args a = {.params = params, .edit = edit};
        const char *arg;
        json_t *contact;
        char suffix[96];
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                r = contact_option(cli, &a, r, arg);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;

        if (edit) {
                r = cmd_parse_who(cli, params, p.pos[0]);
                if (r < 0)
                        return r;
                if (json_object_get(params, "allow_duplicate") && !json_object_get(params, "name"))
                        return cli_usage(cli, "--new goes with --name");
                if (json_object_size(params) == 1 && !a.due_arg)
                        return cli_usage(cli, "nothing to change; give at least one option");
        } else {
                r = cmd_check_name(cli, "NAME", p.pos[0]);
                if (r < 0)
                        return r;
                r = cmd_set_string(cli, params, "name", p.pos[0]);
                if (r < 0)
                        return r;
        }

        if (a.due_arg) {
                int64_t due;

                r = cmd_parse_date(cli, "--due", a.due_arg, TIME_DATE_AHEAD, &due);
                if (r < 0)
                        return r;
                r = cmd_set_time(cli, params, "next_due", due);
                if (r < 0)
                        return r;
        }

        r = cli_call(cli, edit ? "io.tend.Contacts.Update" : "io.tend.Contacts.Add",
                     json_incref(params), &reply);
        if (r < 0)
                return r;
        contact = json_object_get(reply, "contact");
        if (!json_is_object(contact))
                return cli_fail(cli, -EBADMSG, "tendd's reply has no contact");
        if (cli->json)
                return cli_print_json(cli, contact);
        fprintf(cli->out, "%s %s (#%lld)%s.\n", edit ? "Updated" : "Added",
                strempty(cmd_jstr(contact, "name")), cmd_jid(contact),
                next_followup_suffix(cli, contact, suffix, sizeof(suffix)));
        return 0;
}

int commands_add(struct cli *cli, int argc, char **argv)
{
        return contact_command(cli, argc, argv, false);
}

int commands_edit(struct cli *cli, int argc, char **argv)
{
        return contact_command(cli, argc, argv, true);
}

/* ---- show ---- */

static char *join_strings(json_t *array, const char *sep)
{
        size_t i, len = 1;
        json_t *v;
        char *s;

        json_array_foreach(array, i, v)
        {
                len += strlen(strempty(json_string_value(v))) + strlen(sep);
        }
        s = malloc(len);
        if (!s)
                return NULL;
        s[0] = 0;
        json_array_foreach(array, i, v)
        {
                if (i > 0)
                        strcat(s, sep);
                strcat(s, strempty(json_string_value(v)));
        }
        return s;
}

static void label_list(const struct cmd_label_printer *lp, const char *name, json_t *array)
{
        _cleanup_free_ char *s = NULL;

        if (json_array_size(array) == 0)
                return;
        s = join_strings(array, ", ");
        if (s)
                cmd_label(lp, name, s, OUTPUT_PLAIN);
}

static void print_contact(struct cli *cli, json_t *c)
{
        const struct cmd_label_printer lp = {.cli = cli, .width = (int)strlen("Last interaction")};
        const char *org = cmd_jstr(c, "org"), *title = cmd_jstr(c, "title"),
                   *kind = cmd_jstr(c, "last_kind");
        json_t *met_via = json_object_get(c, "met_via");
        int64_t due = cmd_jtime(c, "next_due"), last = cmd_jtime(c, "last_interaction");
        int64_t created = cmd_jtime(c, "created");
        char buf[512], when[160], dur[32];

        snprintf(buf, sizeof(buf), "%s (#%lld)", strempty(cmd_jstr(c, "name")), cmd_jid(c));
        cmd_label(&lp, "Name", buf, OUTPUT_BOLD);
        label_list(&lp, "Networks", json_object_get(c, "networks"));
        if (json_is_integer(json_object_get(c, "strength"))) {
                snprintf(buf, sizeof(buf), "%lld/100 (%s)",
                         (long long)json_integer_value(json_object_get(c, "strength")),
                         strempty(cmd_jstr(c, "strength_level")));
                cmd_label(&lp, "Strength", buf, OUTPUT_PLAIN);
        }
        if (cmd_jstr(c, "scope"))
                cmd_label(&lp, "Scope", cmd_jstr(c, "scope"), OUTPUT_PLAIN);
        label_list(&lp, "Emails", json_object_get(c, "emails"));
        label_list(&lp, "Phones", json_object_get(c, "phones"));
        label_list(&lp, "URLs", json_object_get(c, "urls"));
        if (org || title) {
                snprintf(buf, sizeof(buf), "%s%s%s", strempty(org), org && title ? " / " : "",
                         strempty(title));
                cmd_label(&lp, "Org/Title", buf, OUTPUT_PLAIN);
        }
        label_list(&lp, "Tags", json_object_get(c, "tags"));
        if (json_is_object(met_via)) {
                snprintf(buf, sizeof(buf), "%s (#%lld)", strempty(cmd_jstr(met_via, "name")),
                         cmd_jid(met_via));
                cmd_label(&lp, "Met via", buf, OUTPUT_PLAIN);
        } else if (cmd_jstr(c, "met_via_name")) {
                snprintf(buf, sizeof(buf), "%s (no longer in tend)", cmd_jstr(c, "met_via_name"));
                cmd_label(&lp, "Met via", buf, OUTPUT_PLAIN);
        }
        if (cmd_jstr(c, "how_met"))
                cmd_label(&lp, "How met", cmd_jstr(c, "how_met"), OUTPUT_PLAIN);
        if (cmd_jstr(c, "brings"))
                cmd_label(&lp, "Brings", cmd_jstr(c, "brings"), OUTPUT_PLAIN);
        if (json_is_object(json_object_get(c, "prospect"))) {
                json_t *pr = json_object_get(c, "prospect");

                snprintf(buf, sizeof(buf), "%s%s%s", strempty(cmd_jstr(pr, "stage")),
                         cmd_jstr(pr, "plan") ? " — " : "", strempty(cmd_jstr(pr, "plan")));
                cmd_label(&lp, "Pipeline", buf, OUTPUT_PLAIN);
                if (json_is_object(json_object_get(pr, "via"))) {
                        snprintf(buf, sizeof(buf), "%s (#%lld)",
                                 strempty(cmd_jstr(json_object_get(pr, "via"), "name")),
                                 cmd_jid(json_object_get(pr, "via")));
                        cmd_label(&lp, "Via", buf, OUTPUT_PLAIN);
                } else if (cmd_jstr(pr, "via_name")) {
                        snprintf(buf, sizeof(buf), "%s (no longer in tend)",
                                 cmd_jstr(pr, "via_name"));
                        cmd_label(&lp, "Via", buf, OUTPUT_PLAIN);
                }
        }
        if (json_integer_value(json_object_get(c, "cadence_seconds")) > 0) {
                time_format_duration(json_integer_value(json_object_get(c, "cadence_seconds")), dur,
                                     sizeof(dur));
                snprintf(buf, sizeof(buf), "every %s", dur);
                cmd_label(&lp, "Cadence", buf, OUTPUT_PLAIN);
        }
        if (due) {
                char local[64], rel[64];

                time_format_local(due, local, sizeof(local));
                snprintf(buf, sizeof(buf), "%s (%s)", local,
                         output_format_due(due, cli->now, rel, sizeof(rel)));
                cmd_label(&lp, "Next follow-up", buf, output_due_style(due, cli->now));
        } else {
                cmd_label(&lp, "Next follow-up", "—", OUTPUT_DIM);
        }
        if (last) {
                time_format_days(last, cli->now, TIME_DAYS_WHEN, when, sizeof(when));
                snprintf(buf, sizeof(buf), "%s%s%s", strempty(kind), kind ? ", " : "", when);
                cmd_label(&lp, "Last interaction", buf, OUTPUT_PLAIN);
        } else {
                cmd_label(&lp, "Last interaction", "never", OUTPUT_DIM);
        }
        if (cmd_jstr(c, "agenda"))
                cmd_label(&lp, "Agenda", cmd_jstr(c, "agenda"), OUTPUT_PLAIN);
        if (cmd_jstr(c, "notes"))
                cmd_label(&lp, "Notes", cmd_jstr(c, "notes"), OUTPUT_PLAIN);
        if (created)
                cmd_label(&lp, "Added", cmd_format_when(created, cli->now, when, sizeof(when)),
                          OUTPUT_DIM);
}

/* Important dates and postal addresses (Contacts.Get's dates and addresses). */
static void print_contact_extras(struct cli *cli, json_t *reply)
{
        json_t *dates = json_object_get(reply, "dates"),
               *addrs = json_object_get(reply, "addresses");
        json_t *a, *l;
        size_t i, j;

        if (json_array_size(dates) > 0) {
                fputs("Dates:\n", cli->out);
                cmd_print_dates(cli, dates, "  ");
        }
        if (json_array_size(addrs) == 0)
                return;
        fputs("Addresses:\n", cli->out);
        json_array_foreach(addrs, i, a)
        {
                fputs("  ", cli->out);
                if (cmd_jstr(a, "type"))
                        fprintf(cli->out, "%s: ", cmd_jstr(a, "type"));
                json_array_foreach(json_object_get(a, "lines"), j, l)
                    fprintf(cli->out, "%s%s", j ? ", " : "", strempty(json_string_value(l)));
                fputc('\n', cli->out);
        }
}

/* The goals a person is linked to, each with why (Contacts.Get's goals). */
static void print_contact_goals(struct cli *cli, json_t *goals)
{
        json_t *g;
        size_t i;

        if (json_array_size(goals) == 0)
                return;
        fputs("Goals:\n", cli->out);
        json_array_foreach(goals, i, g)
        {
                json_t *ref = json_object_get(g, "goal");
                const char *why = cmd_jstr(g, "why"), *status = cmd_jstr(g, "status");
                bool done = status && !streq(status, "active");

                fprintf(cli->out, "  #%lld ", cmd_jid(ref));
                output_styled(cli->out, cli->color, done ? OUTPUT_DIM : OUTPUT_BOLD,
                              strempty(cmd_jstr(ref, "title")));
                if (done)
                        fprintf(cli->out, " (%s)", status);
                if (why) {
                        _cleanup_free_ char *line = strdup(why);

                        for (char *s = line; s && *s; s++)
                                if (*s == '\n' || *s == '\t')
                                        *s = ' ';
                        fprintf(cli->out, " — %s", line ? line : why);
                }
                fputc('\n', cli->out);
        }
}

/* The note of an interaction on one line, with what was given and got. */
/* "note; gave: …; got: …; goal: …" on one line, the parts there are. */
static char *interaction_text(json_t *i)
{
        const char *parts[][2] = {
            {"", cmd_jstr(i, "note")},
            {"gave: ", cmd_jstr(i, "gave")},
            {"got: ", cmd_jstr(i, "got")},
            {"goal: ", cmd_jstr(json_object_get(i, "goal"), "title")},
            /* captured from mail or a calendar: where from, and a received one is no touch */
            {"from ", cmd_jstr(json_object_get(i, "source"), "type")},
            {"", json_is_false(json_object_get(i, "touch")) ? "not a touch" : NULL},
        };
        struct strbuf b = {0};

        strbuf_puts(&b, ""); /* an empty text is "" too, not NULL */
        for (size_t k = 0; k < ARRAY_SIZE(parts); k++) {
                if (!parts[k][1])
                        continue;
                if (b.len)
                        strbuf_puts(&b, "; ");
                strbuf_puts(&b, parts[k][0]);
                strbuf_puts(&b, parts[k][1]);
        }
        /* A group interaction names the others who were there. */
        if (json_array_size(json_object_get(i, "with")) > 0) {
                json_t *w;
                size_t k;

                if (b.len)
                        strbuf_puts(&b, "; ");
                strbuf_puts(&b, "with ");
                json_array_foreach(json_object_get(i, "with"), k, w)
                {
                        if (k)
                                strbuf_puts(&b, ", ");
                        strbuf_puts(&b, strempty(cmd_jstr(w, "name")));
                }
        }
        if (b.error) {
                strbuf_done(&b);
                return NULL;
        }
        for (char *p = b.data; *p; p++)
                if (*p == '\n' || *p == '\t')
                        *p = ' ';
        return b.data;
}

static const struct output_column interaction_columns[] = {
    {"ID", true}, {"WHEN", false}, {"AGO", false}, {"KIND", false}, {"NOTE", false},
};

static const struct output_column interaction_columns_bare[] = {
    {NULL, true}, {NULL, false}, {NULL, false}, {NULL, false}, {NULL, false},
};

int cmd_interaction_table(struct cli *cli, json_t *interactions, bool header)
{
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        const struct output_column *columns =
            header ? interaction_columns : interaction_columns_bare;
        size_t n_columns = ARRAY_SIZE(interaction_columns);
        bool ids = false;
        json_t *i;
        size_t k;

        /* The #ID column is the handle for 'tend interaction edit/rm'; an older tendd sends
         * no ids, and then there is no column. */
        json_array_foreach(interactions, k, i) ids = ids || cmd_jid(i) > 0;
        if (!ids) {
                columns++;
                n_columns--;
        }
        t = output_table_new(columns, n_columns);
        if (!t)
                return cmd_oom(cli);
        if (!header)
                output_table_set_indent(t, 2);
        json_array_foreach(interactions, k, i)
        {
                int64_t at = cmd_jtime(i, "at");
                _cleanup_free_ char *text = interaction_text(i);
                char local[64], rel[64], id[32] = "";

                if (!text)
                        return cmd_oom(cli);
                time_format_local(at, local, sizeof(local));
                time_format_days(at, cli->now, TIME_DAYS_WHEN, rel, sizeof(rel));
                if (cmd_jid(i) > 0)
                        snprintf(id, sizeof(id), "#%lld", cmd_jid(i));
                if ((ids && output_table_add(t, id, OUTPUT_DIM) < 0) ||
                    output_table_add(t, local, OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, rel, OUTPUT_DIM) < 0 ||
                    output_table_add(t, strempty(cmd_jstr(i, "kind")), OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, text[0] ? text : NULL, OUTPUT_PLAIN) < 0)
                        return cmd_oom(cli);
        }
        output_table_print(t, cli->out, cli->color, cli->width);
        return 0;
}

int commands_show(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *got = NULL;
        _cleanup_(json_decrefp) json_t *list = NULL;
        json_t *params = NULL, *contact, *interactions, *goals;
        long long count;
        char id[32];
        int r;

        r = cmd_parse_plain(&p, cli, argc, argv);
        if (r < 0)
                return r;
        r = cmd_who_params(cli, p.pos[0], &params);
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Contacts.Get", params, &got);
        if (r < 0)
                return r;
        contact = json_object_get(got, "contact");
        if (!json_is_object(contact))
                return cli_fail(cli, -EBADMSG, "tendd's reply has no contact");
        count = (long long)json_integer_value(json_object_get(got, "interaction_count"));
        goals = json_object_get(got, "goals");
        if (!json_is_array(goals))
                goals = NULL; /* an older tendd */

        /* By id: the name may match someone else by now. */
        snprintf(id, sizeof(id), "%lld", cmd_jid(contact));
        params = json_pack("{s:s, s:i}", "who", id, "limit", RECENT_INTERACTIONS);
        if (!params)
                return cmd_oom(cli);
        r = cli_call(cli, "io.tend.Interactions.List", params, &list);
        if (r < 0)
                return r;
        interactions = json_object_get(list, "interactions");
        if (!json_is_array(interactions))
                return cli_fail(cli, -EBADMSG, "tendd's reply has no interaction list");

        if (cli->json) {
                _cleanup_(json_decrefp) json_t *out = json_deep_copy(contact);

                if (!json_is_object(out) ||
                    json_object_set(out, "interactions", interactions) < 0 ||
                    json_object_set_new(out, "interaction_count", json_integer(count)) < 0 ||
                    json_object_set_new(out, "goals", goals ? json_incref(goals) : json_array()) <
                        0 ||
                    json_object_set_new(out, "dates",
                                        json_incref(json_object_get(got, "dates"))
                                            ?: json_array()) < 0 ||
                    json_object_set_new(out, "addresses",
                                        json_incref(json_object_get(got, "addresses"))
                                            ?: json_array()) < 0)
                        return cmd_oom(cli);
                return cli_print_json(cli, out);
        }

        print_contact(cli, contact);
        print_contact_goals(cli, goals);
        print_contact_extras(cli, got);
        fputc('\n', cli->out);
        if (json_array_size(interactions) == 0) {
                fputs("No interactions yet.\n", cli->out);
                return 0;
        }
        if ((long long)json_array_size(interactions) < count)
                fprintf(cli->out, "Recent interactions (%zu of %lld):\n",
                        json_array_size(interactions), count);
        else
                fputs("Recent interactions:\n", cli->out);
        return cmd_interaction_table(cli, interactions, false);
}

/* ---- rm ---- */

static void print_refs(FILE *f, json_t *refs)
{
        json_t *v;
        size_t i;

        json_array_foreach(refs, i, v)
        {
                fprintf(f, "%s%s (#%lld)", i ? ", " : "", strempty(cmd_jstr(v, "name")),
                        cmd_jid(v));
        }
}

/* What removing someone takes with it and changes elsewhere (a RemoveCascade), to f. */
static void print_cascade(FILE *f, json_t *cascade, const char *name)
{
        long long n = (long long)json_integer_value(json_object_get(cascade, "interactions"));
        json_t *intros = json_object_get(cascade, "introductions"),
               *links = json_object_get(cascade, "goal_links"),
               *met = json_object_get(cascade, "met_via_of"),
               *via = json_object_get(cascade, "prospect_via_of"), *v;
        size_t i;

        if (n > 0)
                fprintf(f, "  %lld interaction%s go%s\n", n, n == 1 ? "" : "s", n == 1 ? "es" : "");
        json_array_foreach(intros, i, v)
        {
                json_t *with = json_object_get(v, "with");

                fprintf(f, "  introduction #%lld with %s (#%lld) goes\n", cmd_jid(v),
                        strempty(cmd_jstr(with, "name")), cmd_jid(with));
        }
        json_array_foreach(links, i, v)
        {
                fprintf(f, "  link to goal #%lld \"%s\" goes\n", cmd_jid(v),
                        strempty(cmd_jstr(v, "title")));
        }
        if (json_array_size(met)) {
                fputs("  met via them: ", f);
                print_refs(f, met);
                fprintf(f, " — keep \"%s\" as text\n", name);
        }
        if (json_array_size(via)) {
                fputs("  prospect via them: ", f);
                print_refs(f, via);
                fprintf(f, " — keep \"%s\" as text\n", name);
        }
}

static bool cascade_empty(json_t *cascade)
{
        return json_integer_value(json_object_get(cascade, "interactions")) == 0 &&
               json_array_size(json_object_get(cascade, "introductions")) == 0 &&
               json_array_size(json_object_get(cascade, "goal_links")) == 0 &&
               json_array_size(json_object_get(cascade, "met_via_of")) == 0 &&
               json_array_size(json_object_get(cascade, "prospect_via_of")) == 0;
}

int commands_rm(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *preview = NULL;
        _cleanup_(json_decrefp) json_t *removed = NULL;
        json_t *params = NULL, *ref, *cascade;
        const char *arg;
        char what[FIELD_NAME_MAX + 8];
        bool yes = false;
        int r;

        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0)
                if (r == CLI_OPT_YES)
                        yes = true;
        if (r < 0)
                return r;
        snprintf(what, sizeof(what), "'%s'", p.pos[0]);
        r = cmd_need_yes(cli, yes, what);
        if (r < 0)
                return r;
        r = cmd_who_params(cli, p.pos[0], &params);
        if (r < 0)
                return r;

        if (!yes) {
                char question[512], id[32];

                /* Ask with exactly what goes and what changes elsewhere (a dry run). */
                if (json_object_set_new(params, "dry_run", json_true()) < 0) {
                        json_decref(params);
                        return cmd_oom(cli);
                }
                r = cli_call(cli, "io.tend.Contacts.Remove", params, &preview);
                if (r < 0)
                        return r;
                ref = json_object_get(preview, "contact");
                cascade = json_object_get(preview, "cascade");
                if (!cascade_empty(cascade)) {
                        fprintf(cli->err, "Removing %s (#%lld):\n", strempty(cmd_jstr(ref, "name")),
                                cmd_jid(ref));
                        print_cascade(cli->err, cascade, strempty(cmd_jstr(ref, "name")));
                }
                snprintf(question, sizeof(question), "Remove %s (#%lld)?",
                         strempty(cmd_jstr(ref, "name")), cmd_jid(ref));
                if (!cmd_confirm(cli, question))
                        return cli_fail(cli, -ECANCELED, "nothing removed");
                /* Remove exactly the person confirmed. */
                snprintf(id, sizeof(id), "%lld", cmd_jid(ref));
                params = json_pack("{s:s}", "who", id);
                if (!params)
                        return cmd_oom(cli);
        }

        r = cli_call(cli, "io.tend.Contacts.Remove", params, &removed);
        if (r < 0)
                return r;
        ref = json_object_get(removed, "contact");
        cascade = json_object_get(removed, "cascade");
        if (cli->json) {
                _cleanup_(json_decrefp) json_t *out =
                    json_pack("{s:O,s:O}", "removed", ref ? ref : json_null(), "cascade",
                              cascade ? cascade : json_null());

                if (!out)
                        return cmd_oom(cli);
                return cli_print_json(cli, out);
        }
        fprintf(cli->out, "Removed %s (#%lld).\n", strempty(cmd_jstr(ref, "name")), cmd_jid(ref));
        if (yes && !cascade_empty(cascade))
                print_cascade(cli->out, cascade, strempty(cmd_jstr(ref, "name")));
        return 0;
}

/* ---- ls, find, due ---- */

static const struct output_column contact_columns[] = {
    {"ID", true}, {"NAME", false}, {"NETWORKS", false}, {"ORG", false}, {"NEXT", false},
};

/* Where find matched, said shortly: "in notes", "in a coffee note, 3 weeks ago"; the first place
 * other than the name (the row shows it), "(+N)" for more. Nothing for ls and due. */
static void find_place(struct cli *cli, json_t *c, char *buf, size_t size)
{
        json_t *matches = json_object_get(c, "matches"), *m;
        size_t i, shown = 0, more = 0;
        int n = 0;

        buf[0] = '\0';
        json_array_foreach(matches, i, m)
        {
                const char *field = strempty(cmd_jstr(m, "field")), *title = cmd_jstr(m, "title");
                char where[160], rel[64];

                if (strcmp(field, "name") == 0)
                        continue; /* the row shows the name */
                if (shown) {
                        more++;
                        continue;
                }
                if (strcmp(field, "interaction") == 0) {
                        const char *kind = cmd_jstr(m, "kind");

                        time_format_days(cmd_jtime(m, "at"), cli->now, TIME_DAYS_WHEN, rel,
                                         sizeof(rel));
                        snprintf(where, sizeof(where), "in %s %s note, %s",
                                 kind && strchr("aeiouAEIOU", kind[0]) ? "an" : "a",
                                 kind ? kind : "", rel);
                } else if (strcmp(field, "goal") == 0)
                        snprintf(where, sizeof(where), "in goal '%s'", strempty(title));
                else if (strcmp(field, "goal_why") == 0)
                        snprintf(where, sizeof(where), "in why for goal '%s'", strempty(title));
                else if (strcmp(field, "how_met") == 0)
                        snprintf(where, sizeof(where), "in how you met");
                else if (strcmp(field, "brings") == 0)
                        snprintf(where, sizeof(where), "in what they bring");
                else
                        snprintf(where, sizeof(where), "in %s", field);
                n = snprintf(buf, size, " — %s", where);
                shown++;
        }
        if (more && n > 0 && (size_t)n < size)
                snprintf(buf + n, size - (size_t)n, " (+%zu)", more);
}

static const struct output_column contact_columns_strength[] = {
    {"ID", true},   {"NAME", false},    {"NETWORKS", false},
    {"ORG", false}, {"STRENGTH", true}, {"NEXT", false},
};

int cmd_contact_table(struct cli *cli, json_t *contacts)
{
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        /* Strength comes with the list (ls), not with every reply that lists people. */
        bool strength = json_is_integer(json_object_get(json_array_get(contacts, 0), "strength"));
        json_t *c;
        size_t i;

        t = strength
                ? output_table_new(contact_columns_strength, ARRAY_SIZE(contact_columns_strength))
                : output_table_new(contact_columns, ARRAY_SIZE(contact_columns));
        if (!t)
                return cmd_oom(cli);
        json_array_foreach(contacts, i, c)
        {
                char nets[64], where[256];

                output_format_networks(json_object_get(c, "networks"), false, nets, sizeof(nets));
                find_place(cli, c, where, sizeof(where));
                if (output_table_addf(t, OUTPUT_DIM, "%lld", cmd_jid(c)) < 0 ||
                    output_table_addf(t, OUTPUT_PLAIN, "%s%s", strempty(cmd_jstr(c, "name")),
                                      where) < 0 ||
                    output_table_add(t, nets[0] ? nets : NULL, OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, cmd_jstr(c, "org"), OUTPUT_PLAIN) < 0 ||
                    (strength && output_table_addf(t, OUTPUT_PLAIN, "%lld",
                                                   (long long)json_integer_value(
                                                       json_object_get(c, "strength"))) < 0) ||
                    cmd_add_due_cell(cli, t, c) < 0)
                        return cmd_oom(cli);
        }
        output_table_print(t, cli->out, cli->color, cli->width);
        return 0;
}

int cmd_print_contacts(struct cli *cli, json_t *reply, const char *empty)
{
        json_t *contacts = json_object_get(reply, "contacts");

        if (!json_is_array(contacts))
                return cli_fail(cli, -EBADMSG, "tendd's reply has no contact list");
        if (cli->json)
                return cli_print_json(cli, contacts);
        if (json_array_size(contacts) == 0) {
                fprintf(cli->out, "%s\n", empty);
                return 0;
        }
        return cmd_contact_table(cli, contacts);
}

static int strength_cmp(const void *a, const void *b)
{
        json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
        json_int_t sx = json_integer_value(json_object_get(x, "strength")),
                   sy = json_integer_value(json_object_get(y, "strength"));

        if (sx != sy)
                return sx > sy ? -1 : 1;
        return strcmp(strempty(cmd_jstr(x, "name")), strempty(cmd_jstr(y, "name")));
}

/* Strongest ties first (then by name): the daemon lists by name or due date. */
static int sort_by_strength(json_t *reply)
{
        json_t *contacts = json_object_get(reply, "contacts"), *sorted;
        size_t n = json_array_size(contacts);
        _cleanup_free_ json_t **v = calloc(n ? n : 1, sizeof(json_t *));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                v[i] = json_array_get(contacts, i);
        qsort_safe(v, n, sizeof(json_t *), strength_cmp);
        sorted = json_array();
        if (!sorted)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                json_array_append(sorted, v[i]);
        return json_object_set_new(reply, "contacts", sorted) < 0 ? -ENOMEM : 0;
}

int commands_ls(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        const char *arg;
        bool by_strength = false;
        json_int_t limit = 0;
        int64_t t;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                switch (r) {
                case CLI_OPT_NETWORK:
                        r = cmd_parse_networks(cli, "--network", arg, params, "network", true);
                        break;
                case CLI_OPT_TAG:
                        if (json_object_get(params, "tag"))
                                return cli_usage(cli, "ls takes one --tag");
                        r = cmd_check_text(cli, "--tag", arg, FIELD_TAG_MAX, false);
                        if (r >= 0)
                                r = cmd_set_string(cli, params, "tag", arg);
                        break;
                case CLI_OPT_DUE_BEFORE:
                        r = cmd_parse_date(cli, "--due-before", arg, TIME_DATE_POINT, &t);
                        if (r >= 0)
                                r = cmd_set_time(cli, params, "due_before", t);
                        break;
                case CLI_OPT_ORG:
                        if (json_object_get(params, "org"))
                                return cli_usage(cli, "ls takes one --org");
                        r = cmd_check_text(cli, "--org", arg, FIELD_NAME_MAX, false);
                        if (r >= 0)
                                r = cmd_set_string(cli, params, "org", arg);
                        break;
                case CLI_OPT_INTERNAL:
                case CLI_OPT_EXTERNAL:
                        if (json_object_get(params, "scope"))
                                return cli_usage(cli, "ls takes --internal or --external, once");
                        r = cmd_set_string(cli, params, "scope",
                                           r == CLI_OPT_INTERNAL ? "internal" : "external");
                        break;
                case CLI_OPT_SORT:
                        if (streq(arg, "strength"))
                                by_strength = true;
                        else if (!streq(arg, "name"))
                                return cli_usage(cli, "--sort takes name or strength");
                        r = 0;
                        break;
                case CLI_OPT_LIMIT:
                        r = cmd_parse_limit(cli, arg, params);
                        break;
                }
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        if (by_strength && json_object_get(params, "due_before"))
                return cli_usage(cli, "--sort strength and --due-before each set the order: "
                                      "give one");
        if (by_strength) {
                /* The strongest N need everyone first. */
                limit = json_integer_value(json_object_get(params, "limit"));
                json_object_del(params, "limit");
        }

        r = cli_call(cli, "io.tend.Contacts.List", json_incref(params), &reply);
        if (r < 0)
                return r;
        if (by_strength) {
                if (sort_by_strength(reply) < 0)
                        return cmd_oom(cli);
                json_t *cs = json_object_get(reply, "contacts");
                while (limit > 0 && json_array_size(cs) > (size_t)limit)
                        json_array_remove(cs, json_array_size(cs) - 1);
        }
        return cmd_print_contacts(cli, reply,
                                  json_object_size(params) > 0 ? "No contacts match."
                                                               : "No contacts yet; add one with "
                                                                 "'tend add NAME'.");
}

int commands_find(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_free_ char *text = NULL, *empty = NULL;
        int r;

        r = cmd_parse_limited(&p, cli, argc, argv, params);
        if (r < 0)
                return r;
        if (cli_parser_rest(&p, 0, &text) < 0)
                return cmd_oom(cli);
        r = cmd_check_name(cli, "TEXT", text);
        if (r < 0)
                return r;
        r = cmd_set_string(cli, params, "text", text);
        if (r < 0)
                return r;

        r = cli_call(cli, "io.tend.Contacts.Find", json_incref(params), &reply);
        if (r < 0)
                return r;
        if (asprintf(&empty, "No contacts match '%s'.", text) < 0)
                return cmd_oom(cli);
        return cmd_print_contacts(cli, reply, empty);
}
