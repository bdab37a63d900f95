/* Helpers the command files share: reading replies, checking values and building calls. */
#include <ctype.h>
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

/* tendd.conf(5)'s default preferred_time, 09:00. */
#define PREFERRED_TIME_DEFAULT (9 * 60)
#define DURATION_FORMS         "a number and a unit such as 45m, 3h, 3d, 2w, 1mo or 1y"

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
        time_format_days(t, now, TIME_DAYS_WHEN, rel, sizeof(rel));
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

static bool blank(const char *s)
{
        for (; *s; s++)
                if (!isspace((unsigned char)*s))
                        return false;
        return true;
}

int cmd_check_name(struct cli *cli, const char *what, const char *s)
{
        if (blank(s))
                return cli_usage(cli, "%s is empty", what);
        return cmd_check_text(cli, what, s, FIELD_NAME_MAX, false);
}

int cmd_parse_who(struct cli *cli, json_t *params, const char *who)
{
        int r;

        if (blank(who))
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

/* tendd's preferred notification time in minutes after midnight: the time of a follow-up date
 * given without one. Asked from tendd; its documented default when the reply does not say. */
static int preferred_minute(struct cli *cli, int *ret)
{
        _cleanup_(json_decrefp) json_t *status = NULL;
        const char *s;
        int h, m, r;
        char end;

        r = cli_call(cli, "io.tend.Service.Status", NULL, &status);
        if (r < 0)
                return r;
        s = cmd_jstr(status, "preferred_time");
        if (s && sscanf(s, "%2d:%2d%c", &h, &m, &end) == 2 && h >= 0 && h < 24 && m >= 0 && m < 60)
                *ret = h * 60 + m;
        else
                *ret = PREFERRED_TIME_DEFAULT;
        return 0;
}

static int date_error(struct cli *cli, const char *opt, const char *arg, int r)
{
        if (r == -ERANGE)
                return cli_usage(cli, "date '%s' for %s does not exist on the calendar", arg, opt);
        return cli_usage(cli, "invalid date '%s' for %s; expected %s", arg, opt, TIME_DATE_FORMS);
}

int cmd_check_date(struct cli *cli, const char *opt, const char *arg, enum time_date_use use)
{
        int64_t t;
        int r = time_parse_date_for(arg, cli->now, use, 0, &t);

        return r < 0 ? date_error(cli, opt, arg, r) : 0;
}

int cmd_parse_date(struct cli *cli, const char *opt, const char *arg, enum time_date_use use,
                   int64_t *ret)
{
        int64_t t;
        int minute, r = time_parse_date_for(arg, cli->now, use, -1, &t);

        if (r == -ENODATA) {
                r = preferred_minute(cli, &minute);
                if (r < 0)
                        return r;
                r = time_parse_date_for(arg, cli->now, use, minute, &t);
        }
        if (r < 0)
                return date_error(cli, opt, arg, r);
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

int cmd_add_due_cell(struct cli *cli, struct output_table *t, json_t *c)
{
        int64_t due = cmd_jtime(c, "next_due");
        char buf[64];

        if (!due)
                return output_table_add(t, NULL, OUTPUT_DIM);
        return output_table_add(t, output_format_due(due, cli->now, buf, sizeof(buf)),
                                output_due_style(due, cli->now));
}

void cmd_label(const struct cmd_label_printer *lp, const char *name, const char *value,
               enum output_style style)
{
        FILE *f = lp->cli->out;
        char lab[64];

        snprintf(lab, sizeof(lab), "%s:", name);
        fprintf(f, "%-*s  ", lp->width + 1, lab);
        /* Continuation lines, the value's own and those wrapped to the terminal, line up under
         * the first. */
        output_wrapped(f, lp->cli->color, style, value, (size_t)lp->width + 3, lp->cli->width);
        fputc('\n', f);
}

bool cmd_confirm(struct cli *cli, const char *question)
{
        char answer[64];

        fprintf(cli->err, "%s [y/N] ", question);
        fflush(cli->err);
        if (!fgets(answer, sizeof(answer), cli->in))
                return false;
        answer[strcspn(answer, "\r\n")] = 0;
        return strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
}

int cmd_need_yes(struct cli *cli, bool yes, const char *what)
{
        if (yes || cli->in_tty)
                return 0;
        return cli_usage(
            cli, "not removing %s: stdin is not a terminal, so tend cannot ask; pass --yes", what);
}
