#include "commands.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

#include "model.h"
#include "output.h"
#include "strbuf.h"
#include "timeutil.h"

#define DATE_FORMS                                                                                 \
        "2026-12-01, '2026-12-01 09:00', today, tomorrow, "                                        \
        "fri, +3d or 'in 2 weeks'"
#define DURATION_FORMS      "a number and a unit such as 45m, 3h, 3d, 2w, 1mo or 1y"
#define RECENT_INTERACTIONS 5

/* ---- reading replies ---- */

const char *cmd_jstr(json_t *o, const char *key)
{
        return json_string_value(json_object_get(o, key));
}

long long cmd_jid(json_t *o)
{
        return (long long)json_integer_value(json_object_get(o, "id"));
}

/* An RFC 3339 member as UTC seconds; 0 when absent, null or malformed. */
int64_t cmd_jtime(json_t *o, const char *key)
{
        const char *s = cmd_jstr(o, key);
        int64_t t;

        if (!s || time_parse_rfc3339(s, &t) < 0)
                return 0;
        return t;
}

/* "Tue 2026-12-01 09:00 (in 3 days)" */
char *cmd_format_when(int64_t t, int64_t now, char *buf, size_t size)
{
        char local[64], rel[64];

        time_format_local(t, local, sizeof(local));
        time_format_relative(t, now, rel, sizeof(rel));
        snprintf(buf, size, "%s (%s)", local, rel);
        return buf;
}

/* ---- building calls, checking values first ---- */

int cmd_oom(struct cli *cli)
{
        return cli_fail(cli, -ENOMEM, "out of memory");
}

int cmd_check_text(struct cli *cli, const char *what, const char *s, size_t max, bool multiline)
{
        int r = text_validate(s, max, multiline);

        if (r == -E2BIG)
                return cli_usage(cli, "%s is too long (%zu bytes; at most %zu)", what, strlen(s),
                                 max);
        if (r < 0)
                return cli_usage(cli, "%s must be UTF-8 text without control characters", what);
        return 0;
}

int cmd_set_string(struct cli *cli, json_t *params, const char *key, const char *value)
{
        json_t *v = json_string(value);

        if (!v || json_object_set_new(params, key, v) < 0)
                return cmd_oom(cli);
        return 0;
}

int cmd_set_integer(struct cli *cli, json_t *params, const char *key, json_int_t value)
{
        json_t *v = json_integer(value);

        if (!v || json_object_set_new(params, key, v) < 0)
                return cmd_oom(cli);
        return 0;
}

int cmd_set_time(struct cli *cli, json_t *params, const char *key, int64_t t)
{
        char buf[TIME_RFC3339_MAX];

        return cmd_set_string(cli, params, key, time_format_rfc3339(t, buf));
}

/* Append value to the array params[key] (created on first use), skipping duplicates. */
int cmd_append_string(struct cli *cli, const char *what, json_t *params, const char *key,
                      const char *value)
{
        json_t *array = json_object_get(params, key), *v;
        size_t i;

        if (!array) {
                array = json_array();
                if (!array || json_object_set_new(params, key, array) < 0)
                        return cmd_oom(cli);
        }
        json_array_foreach(array, i, v)
        {
                if (streq(json_string_value(v), value))
                        return 0;
        }
        if (json_array_size(array) >= FIELD_LIST_MAX)
                return cli_usage(cli, "too many %s (at most %d)", what, FIELD_LIST_MAX);
        v = json_string(value);
        if (!v || json_array_append_new(array, v) < 0)
                return cmd_oom(cli);
        return 0;
}

int cmd_parse_who(struct cli *cli, json_t *params, const char *who)
{
        int r;

        if (!who[0])
                return cli_usage(cli, "WHO is empty; give an id, an email or a name");
        r = cmd_check_text(cli, "WHO", who, FIELD_NAME_MAX, false);
        if (r < 0)
                return r;
        return cmd_set_string(cli, params, "who", who);
}

int cmd_parse_networks(struct cli *cli, const char *opt, const char *arg, json_t *params,
                       const char *key, bool single)
{
        _cleanup_free_ char *copy = strdup(arg);
        size_t n = 0;
        char *save = NULL;
        int r;

        if (!copy)
                return cmd_oom(cli);
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                enum network net;

                tok += strspn(tok, " ");
                tok[strcspn(tok, " ")] = 0;
                if (!tok[0])
                        continue;
                net = network_from_string(tok);
                if (net < 0)
                        return cli_usage(cli,
                                         "unknown network '%s' for %s; expected operational, "
                                         "personal or strategic (or a unique prefix)",
                                         tok, opt);
                if (single && (n > 0 || json_object_get(params, key)))
                        return cli_usage(cli, "'tend %s' filters by one network at a time",
                                         cli->command->verb);
                if (single)
                        r = cmd_set_string(cli, params, key, network_to_string(net));
                else
                        r = cmd_append_string(cli, opt, params, key, network_to_string(net));
                if (r < 0)
                        return r;
                n++;
        }
        if (n == 0)
                return cli_usage(cli, "%s needs a network: operational, personal or strategic",
                                 opt);
        return 0;
}

int cmd_parse_duration(struct cli *cli, const char *opt, const char *arg, const char *hint,
                       int64_t *ret)
{
        int64_t d;
        int r = time_parse_duration(arg, &d);

        /* A bare 0 is a zero duration, not a syntax error. */
        if (r == -EINVAL && arg[0] && strspn(arg, "0 ") == strlen(arg))
                r = -ERANGE;
        if (r == -ERANGE)
                return cli_usage(cli,
                                 "duration '%s' for %s is out of range: it must be more than "
                                 "zero and at most 100 years%s",
                                 arg, opt, strempty(hint));
        if (r < 0)
                return cli_usage(cli, "invalid duration '%s' for %s; expected %s", arg, opt,
                                 DURATION_FORMS);
        *ret = d;
        return 0;
}

int cmd_parse_date(struct cli *cli, const char *opt, const char *arg, int64_t *ret)
{
        int64_t t;
        int r = time_parse_date(arg, cli->now, &t);

        if (r == -ERANGE)
                return cli_usage(cli, "date '%s' for %s does not exist on the calendar", arg, opt);
        if (r < 0)
                return cli_usage(cli, "invalid date '%s' for %s; expected %s", arg, opt,
                                 DATE_FORMS);
        *ret = t;
        return 0;
}

int cmd_parse_limit(struct cli *cli, const char *arg, json_t *params)
{
        char *end = NULL;
        long long n;

        errno = 0;
        n = strtoll(arg, &end, 10);
        if (!arg[0] || *end || errno || n < 0 || n > INT32_MAX)
                return cli_usage(cli,
                                 "invalid limit '%s' for --limit; expected a whole number "
                                 "(0 means all)",
                                 arg);
        if (n == 0)
                return 0;
        return cmd_set_integer(cli, params, "limit", n);
}

/* Options add and edit share; edit names list changes add_* / remove_*. */
struct contact_args {
        json_t *params;
        bool edit;
        bool every, no_cadence, due, no_due;
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
                if (!arg[0])
                        return cli_usage(cli, "--name needs a name");
                return set_text_option(cli, a, "--name", "name", arg, FIELD_NAME_MAX, false);
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
                r = cmd_parse_date(cli, "--due", arg, &v);
                if (r < 0)
                        return r;
                a->due = true;
                return cmd_set_time(cli, a->params, "next_due", v);
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
                if (json_object_size(params) == 1)
                        return cli_usage(cli, "nothing to change; give at least one option");
        } else {
                if (!p.pos[0][0])
                        return cli_usage(cli, "NAME is empty");
                r = cmd_check_text(cli, "NAME", p.pos[0], FIELD_NAME_MAX, false);
                if (r < 0)
                        return r;
                r = cmd_set_string(cli, params, "name", p.pos[0]);
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

/* Parse a command that takes only global options and its positionals. */
int cmd_parse_plain(struct cli_parser *p, struct cli *cli, int argc, char **argv)
{
        const char *arg;
        int r;

        r = cli_parser_init(p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(p, &arg)) > 0)
                ; /* a command without options of its own gets none here */
        return r;
}

int cmd_parse_limited(struct cli_parser *p, struct cli *cli, int argc, char **argv, json_t *params)
{
        const char *arg;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(p, &arg)) > 0)
                if (r == CLI_OPT_LIMIT && (r = cmd_parse_limit(cli, arg, params)) < 0)
                        return r;
        return r;
}

int cmd_who_params(struct cli *cli, const char *who, json_t **ret)
{
        json_t *params = json_object();
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cmd_parse_who(cli, params, who);
        if (r < 0) {
                json_decref(params);
                return r;
        }
        *ret = params;
        return 0;
}

/* ---- show ---- */

struct label_printer {
        struct cli *cli;
        int width;
};

static void label(const struct label_printer *lp, const char *name, const char *value,
                  enum output_style style)
{
        FILE *f = lp->cli->out;
        char lab[64];
        const char *s = value;

        snprintf(lab, sizeof(lab), "%s:", name);
        fprintf(f, "%-*s  ", lp->width + 1, lab);
        /* Continuation lines of multi-line values line up under the first. */
        for (;;) {
                size_t len = strcspn(s, "\n");
                _cleanup_free_ char *line = strndup(s, len);

                output_styled(f, lp->cli->color, style, line ? line : "");
                fputc('\n', f);
                if (!s[len])
                        break;
                s += len + 1;
                fprintf(f, "%-*s  ", lp->width + 1, "");
        }
}

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

static void label_list(const struct label_printer *lp, const char *name, json_t *array)
{
        _cleanup_free_ char *s = NULL;

        if (json_array_size(array) == 0)
                return;
        s = join_strings(array, ", ");
        if (s)
                label(lp, name, s, OUTPUT_PLAIN);
}

static void print_contact(struct cli *cli, json_t *c)
{
        const struct label_printer lp = {.cli = cli, .width = (int)strlen("Last interaction")};
        const char *org = cmd_jstr(c, "org"), *title = cmd_jstr(c, "title"),
                   *kind = cmd_jstr(c, "last_kind");
        json_t *met_via = json_object_get(c, "met_via");
        int64_t due = cmd_jtime(c, "next_due"), last = cmd_jtime(c, "last_interaction");
        int64_t created = cmd_jtime(c, "created");
        char buf[512], when[160], dur[32];

        snprintf(buf, sizeof(buf), "%s (#%lld)", strempty(cmd_jstr(c, "name")), cmd_jid(c));
        label(&lp, "Name", buf, OUTPUT_BOLD);
        label_list(&lp, "Networks", json_object_get(c, "networks"));
        if (cmd_jstr(c, "scope"))
                label(&lp, "Scope", cmd_jstr(c, "scope"), OUTPUT_PLAIN);
        label_list(&lp, "Emails", json_object_get(c, "emails"));
        label_list(&lp, "Phones", json_object_get(c, "phones"));
        label_list(&lp, "URLs", json_object_get(c, "urls"));
        if (org || title) {
                snprintf(buf, sizeof(buf), "%s%s%s", strempty(org), org && title ? " / " : "",
                         strempty(title));
                label(&lp, "Org/Title", buf, OUTPUT_PLAIN);
        }
        label_list(&lp, "Tags", json_object_get(c, "tags"));
        if (json_is_object(met_via)) {
                snprintf(buf, sizeof(buf), "%s (#%lld)", strempty(cmd_jstr(met_via, "name")),
                         cmd_jid(met_via));
                label(&lp, "Met via", buf, OUTPUT_PLAIN);
        }
        if (cmd_jstr(c, "how_met"))
                label(&lp, "How met", cmd_jstr(c, "how_met"), OUTPUT_PLAIN);
        if (cmd_jstr(c, "brings"))
                label(&lp, "Brings", cmd_jstr(c, "brings"), OUTPUT_PLAIN);
        if (json_is_object(json_object_get(c, "prospect"))) {
                json_t *pr = json_object_get(c, "prospect");

                snprintf(buf, sizeof(buf), "%s%s%s", strempty(cmd_jstr(pr, "stage")),
                         cmd_jstr(pr, "plan") ? " — " : "", strempty(cmd_jstr(pr, "plan")));
                label(&lp, "Pipeline", buf, OUTPUT_PLAIN);
        }
        if (json_integer_value(json_object_get(c, "cadence_seconds")) > 0) {
                time_format_duration(json_integer_value(json_object_get(c, "cadence_seconds")), dur,
                                     sizeof(dur));
                snprintf(buf, sizeof(buf), "every %s", dur);
                label(&lp, "Cadence", buf, OUTPUT_PLAIN);
        }
        if (due) {
                char local[64], rel[64];

                time_format_local(due, local, sizeof(local));
                snprintf(buf, sizeof(buf), "%s (%s)", local,
                         output_format_due(due, cli->now, rel, sizeof(rel)));
                label(&lp, "Next follow-up", buf, output_due_style(due, cli->now));
        } else {
                label(&lp, "Next follow-up", "—", OUTPUT_DIM);
        }
        if (last) {
                time_format_relative(last, cli->now, when, sizeof(when));
                snprintf(buf, sizeof(buf), "%s%s%s", strempty(kind), kind ? ", " : "", when);
                label(&lp, "Last interaction", buf, OUTPUT_PLAIN);
        } else {
                label(&lp, "Last interaction", "never", OUTPUT_DIM);
        }
        if (cmd_jstr(c, "notes"))
                label(&lp, "Notes", cmd_jstr(c, "notes"), OUTPUT_PLAIN);
        if (created)
                label(&lp, "Added", cmd_format_when(created, cli->now, when, sizeof(when)),
                      OUTPUT_DIM);
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
    {"WHEN", false},
    {"AGO", false},
    {"KIND", false},
    {"NOTE", false},
};

static const struct output_column interaction_columns_bare[] = {
    {NULL, false},
    {NULL, false},
    {NULL, false},
    {NULL, false},
};

int cmd_interaction_table(struct cli *cli, json_t *interactions, bool header)
{
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        json_t *i;
        size_t k;

        t = output_table_new(header ? interaction_columns : interaction_columns_bare,
                             ARRAY_SIZE(interaction_columns));
        if (!t)
                return cmd_oom(cli);
        if (!header)
                output_table_set_indent(t, 2);
        json_array_foreach(interactions, k, i)
        {
                int64_t at = cmd_jtime(i, "at");
                _cleanup_free_ char *text = interaction_text(i);
                char local[64], rel[64];

                if (!text)
                        return cmd_oom(cli);
                time_format_local(at, local, sizeof(local));
                time_format_relative(at, cli->now, rel, sizeof(rel));
                if (output_table_add(t, local, OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, rel, OUTPUT_DIM) < 0 ||
                    output_table_add(t, strempty(cmd_jstr(i, "kind")), OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, text[0] ? text : NULL, OUTPUT_PLAIN) < 0)
                        return cmd_oom(cli);
        }
        output_table_print(t, cli->out, cli->color);
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
                        0)
                        return cmd_oom(cli);
                return cli_print_json(cli, out);
        }

        print_contact(cli, contact);
        print_contact_goals(cli, goals);
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

int commands_rm(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *got = NULL;
        _cleanup_(json_decrefp) json_t *removed = NULL;
        json_t *params = NULL, *ref;
        const char *arg;
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
        if (!yes && !cli->in_tty)
                return cli_usage(cli,
                                 "not removing '%s': stdin is not a terminal, so tend cannot "
                                 "ask; pass --yes",
                                 p.pos[0]);
        r = cmd_who_params(cli, p.pos[0], &params);
        if (r < 0)
                return r;

        if (!yes) {
                json_t *contact;
                long long count;
                char question[512], id[32];

                r = cli_call(cli, "io.tend.Contacts.Get", params, &got);
                if (r < 0)
                        return r;
                contact = json_object_get(got, "contact");
                count = (long long)json_integer_value(json_object_get(got, "interaction_count"));
                if (count > 0)
                        snprintf(question, sizeof(question),
                                 "Remove %s (#%lld) and %lld interaction%s?",
                                 strempty(cmd_jstr(contact, "name")), cmd_jid(contact), count,
                                 count == 1 ? "" : "s");
                else
                        snprintf(question, sizeof(question), "Remove %s (#%lld)?",
                                 strempty(cmd_jstr(contact, "name")), cmd_jid(contact));
                if (!confirm(cli, question))
                        return cli_fail(cli, -ECANCELED, "nothing removed");
                /* Remove exactly the person confirmed. */
                snprintf(id, sizeof(id), "%lld", cmd_jid(contact));
                params = json_pack("{s:s}", "who", id);
                if (!params)
                        return cmd_oom(cli);
        }

        r = cli_call(cli, "io.tend.Contacts.Remove", params, &removed);
        if (r < 0)
                return r;
        ref = json_object_get(removed, "contact");
        if (cli->json) {
                _cleanup_(json_decrefp) json_t *out =
                    json_pack("{s:O}", "removed", ref ? ref : json_null());

                if (!out)
                        return cmd_oom(cli);
                return cli_print_json(cli, out);
        }
        fprintf(cli->out, "Removed %s (#%lld).\n", strempty(cmd_jstr(ref, "name")), cmd_jid(ref));
        return 0;
}

/* ---- ls, find, due ---- */

static const struct output_column contact_columns[] = {
    {"ID", true}, {"NAME", false}, {"NETWORKS", false}, {"ORG", false}, {"NEXT", false},
};

static int add_due_cell(struct cli *cli, struct output_table *t, json_t *c)
{
        int64_t due = cmd_jtime(c, "next_due");
        char buf[64];

        if (!due)
                return output_table_add(t, NULL, OUTPUT_DIM);
        return output_table_add(t, output_format_due(due, cli->now, buf, sizeof(buf)),
                                output_due_style(due, cli->now));
}

int cmd_contact_table(struct cli *cli, json_t *contacts)
{
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        json_t *c;
        size_t i;

        t = output_table_new(contact_columns, ARRAY_SIZE(contact_columns));
        if (!t)
                return cmd_oom(cli);
        json_array_foreach(contacts, i, c)
        {
                char nets[64];

                output_format_networks(json_object_get(c, "networks"), false, nets, sizeof(nets));
                if (output_table_addf(t, OUTPUT_DIM, "%lld", cmd_jid(c)) < 0 ||
                    output_table_add(t, strempty(cmd_jstr(c, "name")), OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, nets[0] ? nets : NULL, OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, cmd_jstr(c, "org"), OUTPUT_PLAIN) < 0 ||
                    add_due_cell(cli, t, c) < 0)
                        return cmd_oom(cli);
        }
        output_table_print(t, cli->out, cli->color);
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

int commands_ls(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        const char *arg;
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
                        r = cmd_parse_date(cli, "--due-before", arg, &t);
                        if (r >= 0)
                                r = cmd_set_time(cli, params, "due_before", t);
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

        r = cli_call(cli, "io.tend.Contacts.List", json_incref(params), &reply);
        if (r < 0)
                return r;
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
        if (!text[strspn(text, " ")])
                return cli_usage(cli, "TEXT is empty");
        r = cmd_check_text(cli, "TEXT", text, FIELD_NAME_MAX, false);
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

static const struct output_column due_columns[] = {
    {"ID", true},
    {"NAME", false},
    {"DUE", false},
    {"LAST", false},
};

int commands_due(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        json_t *contacts, *c;
        const char *arg;
        int64_t d;
        size_t i;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                if (r == CLI_OPT_WITHIN) {
                        r = cmd_parse_duration(cli, "--within", arg, NULL, &d);
                        if (r >= 0)
                                r = cmd_set_integer(cli, params, "within_seconds", d);
                } else if (r == CLI_OPT_LIMIT) {
                        r = cmd_parse_limit(cli, arg, params);
                }
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;

        r = cli_call(cli, "io.tend.FollowUps.Due", json_incref(params), &reply);
        if (r < 0)
                return r;
        contacts = json_object_get(reply, "contacts");
        if (!json_is_array(contacts))
                return cli_fail(cli, -EBADMSG, "tendd's reply has no contact list");
        if (cli->json)
                return cli_print_json(cli, contacts);
        if (json_array_size(contacts) == 0) {
                fputs("Nobody is due for a follow-up.\n", cli->out);
                return 0;
        }

        t = output_table_new(due_columns, ARRAY_SIZE(due_columns));
        if (!t)
                return cmd_oom(cli);
        json_array_foreach(contacts, i, c)
        {
                int64_t last = cmd_jtime(c, "last_interaction");
                const char *kind = cmd_jstr(c, "last_kind");
                char rel[64];

                if (output_table_addf(t, OUTPUT_DIM, "%lld", cmd_jid(c)) < 0 ||
                    output_table_add(t, strempty(cmd_jstr(c, "name")), OUTPUT_PLAIN) < 0 ||
                    add_due_cell(cli, t, c) < 0)
                        return cmd_oom(cli);
                if (last) {
                        time_format_relative(last, cli->now, rel, sizeof(rel));
                        r = output_table_addf(t, OUTPUT_PLAIN, "%s%s%s", strempty(kind),
                                              kind ? ", " : "", rel);
                } else {
                        r = output_table_add(t, NULL, OUTPUT_DIM);
                }
                if (r < 0)
                        return cmd_oom(cli);
        }
        output_table_print(t, cli->out, cli->color);
        return 0;
}

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
                        r = cmd_parse_date(cli, "--at", arg, &t);
                        if (r >= 0)
                                r = cmd_set_time(cli, params, "at", t);
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
        if (kind_validate(kind) < 0)
                return cli_usage(cli,
                                 "invalid KIND '%s'; use letters, digits and '-', e.g. coffee, "
                                 "call, informational-interview, email, meeting",
                                 p.pos[1]);
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

        r = cli_call(cli, "io.tend.Interactions.Log", json_incref(params), &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        interaction = json_object_get(reply, "interaction");
        due = cmd_jtime(reply, "next_due");
        fprintf(cli->out, "Logged %s with %s", strempty(cmd_jstr(interaction, "kind")),
                strempty(cmd_jstr(json_object_get(interaction, "contact"), "name")));
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

/* ---- snooze ---- */

int commands_snooze(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_free_ char *when = NULL;
        int64_t d, until, due;
        char buf[160];
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cmd_parse_plain(&p, cli, argc, argv);
        if (r < 0)
                return r;
        r = cmd_parse_who(cli, params, p.pos[0]);
        if (r < 0)
                return r;
        if (cli_parser_rest(&p, 1, &when) < 0)
                return cmd_oom(cli);

        if (time_parse_duration(when, &d) == 0)
                until = cli->now + d;
        else if ((r = time_parse_date(when, cli->now, &until)) < 0)
                return cli_usage(cli,
                                 r == -ERANGE ? "date '%s' does not exist on the calendar"
                                              : "invalid duration or date '%s'; expected a "
                                                "duration such as 3d, 2w or 1mo, or a date "
                                                "such as " DATE_FORMS,
                                 when);
        else if (until < cli->now)
                return cli_usage(cli, "'%s' is in the past; snooze to a later date", when);
        r = cmd_set_time(cli, params, "until", until);
        if (r < 0)
                return r;

        r = cli_call(cli, "io.tend.FollowUps.Snooze", json_incref(params), &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        due = cmd_jtime(reply, "next_due");
        fprintf(cli->out, "Snoozed %s (#%lld) until %s.\n",
                strempty(cmd_jstr(json_object_get(reply, "contact"), "name")),
                cmd_jid(json_object_get(reply, "contact")),
                cmd_format_when(due ? due : until, cli->now, buf, sizeof(buf)));
        return 0;
}

/* ---- status ---- */

static char *format_uptime(int64_t s, char *buf, size_t size)
{
        if (s >= DURATION_DAY)
                snprintf(buf, size, "%lldd %lldh", (long long)(s / DURATION_DAY),
                         (long long)(s % DURATION_DAY / 3600));
        else if (s >= 3600)
                snprintf(buf, size, "%lldh %lldm", (long long)(s / 3600),
                         (long long)(s % 3600 / 60));
        else if (s >= 60)
                snprintf(buf, size, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
        else
                snprintf(buf, size, "%llds", (long long)s);
        return buf;
}

static char *format_bytes(json_int_t n, char *buf, size_t size)
{
        static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = (double)n;
        size_t u = 0;

        while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
                v /= 1024;
                u++;
        }
        if (u == 0)
                snprintf(buf, size, "%lld B", (long long)n);
        else
                snprintf(buf, size, "%.1f %s", v, units[u]);
        return buf;
}

int commands_status(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *reply = NULL;
        const struct label_printer lp = {.cli = cli, .width = (int)strlen("connections")};
        json_t *next;
        int64_t due;
        char buf[512], a[64], b[64];
        int r;

        r = cmd_parse_plain(&p, cli, argc, argv);
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Service.Status", NULL, &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);

        snprintf(buf, sizeof(buf), "%s (tend %s)", strempty(cmd_jstr(reply, "version")),
                 TEND_VERSION);
        label(&lp, "version", buf, OUTPUT_PLAIN);
        snprintf(buf, sizeof(buf), "%lld",
                 (long long)json_integer_value(json_object_get(reply, "pid")));
        label(&lp, "pid", buf, OUTPUT_PLAIN);
        label(&lp, "uptime",
              format_uptime(json_integer_value(json_object_get(reply, "uptime_seconds")), a,
                            sizeof(a)),
              OUTPUT_PLAIN);
        label(&lp, "socket", strempty(cmd_jstr(reply, "socket")), OUTPUT_PLAIN);
        label(&lp, "data dir", strempty(cmd_jstr(reply, "data_dir")), OUTPUT_PLAIN);
        snprintf(buf, sizeof(buf), "%lld",
                 (long long)json_integer_value(json_object_get(reply, "contacts")));
        label(&lp, "contacts", buf, OUTPUT_PLAIN);
        snprintf(buf, sizeof(buf), "%lld",
                 (long long)json_integer_value(json_object_get(reply, "due_now")));
        label(&lp, "due now", buf,
              json_integer_value(json_object_get(reply, "due_now")) > 0 ? OUTPUT_RED
                                                                        : OUTPUT_PLAIN);
        due = cmd_jtime(reply, "next_due");
        next = json_object_get(reply, "next_contact");
        if (due) {
                snprintf(buf, sizeof(buf), "%s (#%lld), %s (%s)", strempty(cmd_jstr(next, "name")),
                         cmd_jid(next), time_format_local(due, a, sizeof(a)),
                         output_format_due(due, cli->now, b, sizeof(b)));
                label(&lp, "next due", buf, output_due_style(due, cli->now));
        } else {
                label(&lp, "next due", "—", OUTPUT_DIM);
        }
        label(&lp, "map size",
              format_bytes(json_integer_value(json_object_get(reply, "map_size")), a, sizeof(a)),
              OUTPUT_PLAIN);
        snprintf(buf, sizeof(buf), "%lld",
                 (long long)json_integer_value(json_object_get(reply, "connections")));
        label(&lp, "connections", buf, OUTPUT_PLAIN);
        return 0;
}
