/* Follow-ups: tend due, snooze, done and watch. */
#include <string.h>
#include <time.h>

#include "commands.h"
#include "model.h"
#include "output.h"
#include "timeutil.h"

const char cmd_done_help[] =
    "Logs an interaction of kind follow-up (with NOTE, if given) and moves their next\n"
    "follow-up one cadence on; without a cadence a passed follow-up date is cleared.\n"
    "The notification's Done button does the same.";

const char cmd_watch_help[] = "Prints follow-up events as tendd sees them, until interrupted:\n"
                              "  fired    a follow-up was shown (alone, or in a digest)\n"
                              "  done     marked done (tend done, or the Done button)\n"
                              "  snoozed  moved (tend snooze, or the Snooze button)\n"
                              "  changed  someone's follow-up data changed (add, edit, log, rm)\n"
                              "With --json, one JSON object per line.";

/* ---- done ---- */

int commands_done(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_free_ char *note = NULL;
        char buf[160];
        int64_t due;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cmd_parse_plain(&p, cli, argc, argv);
        if (r < 0)
                return r;
        r = cmd_parse_who(cli, params, p.pos[0]);
        if (r < 0)
                return r;
        if (cli_parser_rest(&p, 1, &note) < 0)
                return cmd_oom(cli);
        if (note && note[0]) {
                r = cmd_check_text(cli, "NOTE", note, FIELD_NOTE_MAX, true);
                if (r < 0)
                        return r;
                r = cmd_set_string(cli, params, "note", note);
                if (r < 0)
                        return r;
        }

        r = cli_call(cli, "io.tend.FollowUps.Done", json_incref(params), &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        due = cmd_jtime(reply, "next_due");
        fprintf(cli->out, "Done with %s (#%lld).",
                strempty(cmd_jstr(json_object_get(reply, "contact"), "name")),
                cmd_jid(json_object_get(reply, "contact")));
        if (due)
                fprintf(cli->out, " Next follow-up %s.\n",
                        cmd_format_when(due, cli->now, buf, sizeof(buf)));
        else
                fprintf(cli->out, " No follow-up planned (no cadence).\n");
        return 0;
}

/* ---- watch ---- */

static int print_event(struct cli *cli, json_t *ev, void *userdata)
{
        const char *event = strempty(cmd_jstr(ev, "event"));
        json_t *contact = json_object_get(ev, "contact");
        int64_t at = cmd_jtime(ev, "at"), due = cmd_jtime(ev, "next_due"), now = time_now();
        char when[64], rel[64], clock[16] = "";
        struct tm tm;
        time_t t = (time_t)(at ? at : now);

        if (cli->json) {
                /* One object per line, flushed: a pipe sees each event as it happens. */
                if (json_dumpf(ev, cli->out, JSON_COMPACT) < 0 || fputc('\n', cli->out) == EOF ||
                    fflush(cli->out) == EOF)
                        return cli_fail(cli, -EIO, "cannot write the output");
                return 0;
        }
        if (localtime_r(&t, &tm))
                strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
        if (streq(event, "watching")) {
                int64_t next = cmd_jtime(ev, "next_check");

                if (next)
                        fprintf(cli->out, "Watching follow-ups; next check %s. Ctrl-C stops.\n",
                                cmd_format_when(next, now, when, sizeof(when)));
                else
                        fprintf(cli->out, "Watching follow-ups; nothing is due. Ctrl-C stops.\n");
        } else {
                fprintf(cli->out, "%s  %-8s %s (#%lld)", clock, event,
                        strempty(cmd_jstr(contact, "name")), cmd_jid(contact));
                if (json_is_true(json_object_get(ev, "digest")))
                        fputs(" in a digest", cli->out);
                if (due) {
                        if (streq(event, "fired"))
                                fprintf(cli->out, " · %s",
                                        output_format_due(due, now, rel, sizeof(rel)));
                        else
                                fprintf(
                                    cli->out, " · next follow-up %s",
                                    time_format_days(due, now, TIME_DAYS_WHEN, rel, sizeof(rel)));
                } else if (!streq(event, "fired"))
                        fputs(" · no follow-up planned", cli->out);
                fputc('\n', cli->out);
        }
        if (fflush(cli->out) == EOF)
                return cli_fail(cli, -EIO, "cannot write the output");
        return 0;
}

int commands_watch(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        int r;

        r = cmd_parse_plain(&p, cli, argc, argv);
        if (r < 0)
                return r;
        cli_stream_output(cli); /* events as they happen, never held for a pager */
        r = cli_call_more(cli, "io.tend.FollowUps.Watch", NULL, print_event, NULL);
        if (r < 0)
                return r;
        /* The daemon ended the stream (it is shutting down). */
        return cli_fail(cli, -ECONNRESET, "tendd ended the stream");
}

/* ---- due ----
 * Without --limit, the first DUE_DEFAULT_LIMIT and a line saying how many more are due (the
 * daemon counts them without walking everyone). --all streams everyone: tendd answers in
 * pieces and each is printed as it comes, so neither side holds the whole list. */

#define DUE_DEFAULT_LIMIT 50

/* A streamed list longer than this goes straight out rather than being held for the pager. */
#define DUE_HOLD_MAX 1000

static const struct output_column due_columns[] = {
    {"ID", true}, {"NAME", false}, {"DUE", false}, {"LAST", false}, {"AGENDA", false},
};

/* The rows of contacts, the AGENDA column when agenda. */
static int due_rows(struct cli *cli, struct output_table *t, json_t *contacts, bool agenda)
{
        json_t *c;
        size_t i;
        int r;

        json_array_foreach(contacts, i, c)
        {
                int64_t last = cmd_jtime(c, "last_interaction");
                const char *kind = cmd_jstr(c, "last_kind");
                char rel[64];

                if (output_table_addf(t, OUTPUT_DIM, "%lld", cmd_jid(c)) < 0 ||
                    output_table_add(t, strempty(cmd_jstr(c, "name")), OUTPUT_PLAIN) < 0 ||
                    cmd_add_due_cell(cli, t, c) < 0)
                        return cmd_oom(cli);
                if (last) {
                        time_format_days(last, cli->now, TIME_DAYS_WHEN, rel, sizeof(rel));
                        r = output_table_addf(t, OUTPUT_PLAIN, "%s%s%s", strempty(kind),
                                              kind ? ", " : "", rel);
                } else {
                        r = output_table_add(t, NULL, OUTPUT_DIM);
                }
                /* What to talk about (tend agenda). */
                if (r >= 0 && agenda)
                        r = output_table_add(t, cmd_jstr(c, "agenda"), OUTPUT_PLAIN);
                if (r < 0)
                        return cmd_oom(cli);
        }
        return 0;
}

static bool due_any_agenda(json_t *contacts)
{
        json_t *c;
        size_t i;

        json_array_foreach(contacts, i, c) if (cmd_jstr(c, "agenda")) return true;
        return false;
}

/* n with a comma between thousands: 569,950. */
static char *due_format_count(unsigned long long n, char *buf, size_t size)
{
        char digits[32];
        size_t len = (size_t)snprintf(digits, sizeof(digits), "%llu", n), o = 0;

        for (size_t i = 0; i < len && o + 2 < size; i++) {
                if (i > 0 && (len - i) % 3 == 0)
                        buf[o++] = ',';
                buf[o++] = digits[i];
        }
        buf[o] = '\0';
        return buf;
}

struct due_stream {
        size_t n;    /* people printed so far */
        bool agenda; /* the AGENDA column is shown */
        size_t widths[ARRAY_SIZE(due_columns)];
};

/* One piece of `tend due --all`: its rows in the columns so far (they only widen), the
 * header again when the AGENDA column first appears; with --json, its elements of one JSON
 * array written as they come, laid out as `tend due --json` prints the whole array. */
static int due_piece(struct cli *cli, json_t *params, void *userdata)
{
        struct due_stream *x = userdata;
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        json_t *contacts = json_object_get(params, "contacts"), *c;
        bool header;
        size_t i;
        int r;

        if (!json_is_array(contacts))
                return cli_fail(cli, -EBADMSG, "tendd's reply has no contact list");
        if (x->n == 0 && json_integer_value(json_object_get(params, "total")) > DUE_HOLD_MAX)
                cli_stream_output(cli);
        if (cli->json) {
                json_array_foreach(contacts, i, c)
                {
                        _cleanup_free_ char *text = json_dumps(c, JSON_INDENT(2));

                        if (!text)
                                return cmd_oom(cli);
                        fputs(x->n++ == 0 ? "[\n  " : ",\n  ", cli->out);
                        for (const char *p = text; *p; p++) {
                                fputc(*p, cli->out);
                                if (*p == '\n')
                                        fputs("  ", cli->out);
                        }
                }
                return ferror(cli->out) ? cli_fail(cli, -EIO, "cannot write the output") : 0;
        }
        if (json_array_size(contacts) == 0)
                return 0;
        header = x->n == 0;
        if (!x->agenda && due_any_agenda(contacts))
                header = x->agenda = true;
        t = output_table_new(due_columns, ARRAY_SIZE(due_columns) - (x->agenda ? 0 : 1));
        if (!t)
                return cmd_oom(cli);
        r = due_rows(cli, t, contacts, x->agenda);
        if (r < 0)
                return r;
        output_table_print_piece(t, cli->out, cli->color, cli->width, x->widths, header);
        x->n += json_array_size(contacts);
        return ferror(cli->out) ? cli_fail(cli, -EIO, "cannot write the output") : 0;
}

static int due_all(struct cli *cli, json_t *params)
{
        struct due_stream x = {0};
        int r;

        r = cli_call_more(cli, "io.tend.FollowUps.Due", json_incref(params), due_piece, &x);
        if (r < 0)
                return r;
        if (cli->json)
                fputs(x.n ? "\n]\n" : "[]\n", cli->out);
        else if (x.n == 0)
                fputs("Nobody is due for a follow-up.\n", cli->out);
        return 0;
}

int commands_due(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        json_t *contacts;
        const char *arg;
        long long total;
        bool all = false, limited = false, agenda;
        int64_t d;
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
                        limited = true;
                        r = cmd_parse_limit(cli, arg, params);
                } else if (r == CLI_OPT_ALL) {
                        all = true;
                        r = 0;
                }
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        if (all && limited)
                return cli_usage(cli, "--all and --limit cannot be used together");
        /* A table needs only a few fields of each person; --json prints them all. */
        if (!cli->json && json_object_set_new(params, "brief", json_true()) < 0)
                return cmd_oom(cli);
        /* --limit 0 means everyone, as --all does. */
        if (all || (limited && !json_object_get(params, "limit")))
                return due_all(cli, params);
        if (!limited) {
                r = cmd_set_integer(cli, params, "limit", DUE_DEFAULT_LIMIT);
                if (r < 0)
                        return r;
        }

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
        agenda = due_any_agenda(contacts);
        t = output_table_new(due_columns, ARRAY_SIZE(due_columns) - (agenda ? 0 : 1));
        if (!t)
                return cmd_oom(cli);
        r = due_rows(cli, t, contacts, agenda);
        if (r < 0)
                return r;
        output_table_print(t, cli->out, cli->color, cli->width);
        /* How many more the limit left out (a tendd without total: none said). */
        total = json_integer_value(json_object_get(reply, "total"));
        if (total > (long long)json_array_size(contacts)) {
                char buf[32];

                fprintf(cli->out,
                        "… and %s more due (--all shows everyone, --limit N the first N)\n",
                        due_format_count((unsigned long long)total - json_array_size(contacts), buf,
                                         sizeof(buf)));
        }
        return 0;
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
        else {
                /* A day that is over is in the past whatever the preferred time: said before
                 * asking tendd for it. */
                r = time_parse_date_for(when, cli->now, TIME_DATE_AHEAD, 24 * 60 - 1, &until);
                if (r == -ERANGE)
                        return cli_usage(cli, "date '%s' does not exist on the calendar", when);
                if (r < 0)
                        return cli_usage(cli,
                                         "invalid duration or date '%s'; expected a duration such "
                                         "as 3d, 2w or 1mo, or a date such as " TIME_DATE_FORMS,
                                         when);
                if (until >= cli->now)
                        r = cmd_parse_date(cli, "DATE", when, TIME_DATE_AHEAD, &until);
                if (r < 0)
                        return r;
        }
        if (until < cli->now)
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
