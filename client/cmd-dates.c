/* Important dates: tend date add|ls|rm and tend dates. */
#include <errno.h>
#include <string.h>

#include "commands.h"
#include "model.h"
#include "output.h"
#include "timeutil.h"

const struct option_help cmd_date_options[] = {
    {"yearly", CLI_OPT_YEARLY, NULL, "add: every year (birthdays and anniversaries always are)",
     NULL},
    {"remind", CLI_OPT_REMIND, "DURATION", "add: notify this long before the day (3d, 1w)", NULL},
    {0},
};

const char cmd_date_help[] =
    "  tend date add WHO LABEL DATE [--yearly] [--remind 3d]\n"
    "  tend date ls WHO\n"
    "  tend date rm WHO LABEL|ID\n"
    "DATE is YYYY-MM-DD, or MM-DD without a year. The label 'birthday' sets the birthday\n"
    "(like 'tend edit WHO --birthday'); 'anniversary' is always yearly. A date is notified at\n"
    "the preferred time on its day (--remind: earlier), once a year; the notification's Done\n"
    "acknowledges it for the year, Snooze brings it back the next day.";

const struct option_help cmd_dates_options[] = {
    {"within", CLI_OPT_WITHIN, "DURATION", "only dates within this long (default: a year)", NULL},
    {0},
};

/* "in 3 days", "today", "in 1 day". */
static void format_in(json_t *d, char *buf, size_t size)
{
        json_int_t n = json_integer_value(json_object_get(d, "in_days"));

        if (!json_object_get(d, "in_days"))
                snprintf(buf, size, "passed");
        else if (n == 0)
                snprintf(buf, size, "today");
        else
                snprintf(buf, size, "in %lld day%s", (long long)n, n == 1 ? "" : "s");
}

/* "turns 37" for a birthday, "12 years" for another date with a year. */
static void format_years(json_t *d, char *buf, size_t size)
{
        json_t *y = json_object_get(d, "years");

        buf[0] = 0;
        if (!json_is_integer(y) || json_integer_value(y) <= 0)
                return;
        if (streq_ptr(cmd_jstr(d, "label"), "birthday"))
                snprintf(buf, size, "turns %lld", (long long)json_integer_value(y));
        else
                snprintf(buf, size, "%lld year%s", (long long)json_integer_value(y),
                         json_integer_value(y) == 1 ? "" : "s");
}

void cmd_print_dates(struct cli *cli, json_t *dates, const char *indent)
{
        size_t i;
        json_t *d;

        json_array_foreach(dates, i, d)
        {
                char in[64], years[64];
                json_int_t remind = json_integer_value(json_object_get(d, "remind_days"));

                format_in(d, in, sizeof(in));
                format_years(d, years, sizeof(years));
                fprintf(cli->out, "%s%s: %s", indent, strempty(cmd_jstr(d, "label")),
                        strempty(cmd_jstr(d, "date")));
                if (cmd_jstr(d, "next"))
                        fprintf(cli->out, " (next %s, %s%s%s)", cmd_jstr(d, "next"), in,
                                years[0] ? ", " : "", years);
                if (!json_is_true(json_object_get(d, "yearly")))
                        fputs(" once", cli->out);
                if (remind > 0)
                        fprintf(cli->out, ", reminded %lld day%s before", (long long)remind,
                                remind == 1 ? "" : "s");
                fputc('\n', cli->out);
        }
}

static int date_reply(struct cli *cli, const char *method, json_t *params, const char *done)
{
        _cleanup_(json_decrefp) json_t *reply = NULL;
        json_t *dates;
        int r;

        r = cli_call(cli, method, json_incref(params), &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        dates = json_object_get(reply, "dates");
        if (done)
                fprintf(cli->out, "%s %s.\n", done,
                        strempty(cmd_jstr(json_object_get(reply, "contact"), "name")));
        if (json_array_size(dates) == 0)
                fprintf(cli->out, "No dates for %s.\n",
                        strempty(cmd_jstr(json_object_get(reply, "contact"), "name")));
        cmd_print_dates(cli, dates, done ? "  " : "");
        return 0;
}

int commands_date(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        const char *arg, *sub;
        bool yearly = false;
        int64_t remind = -1;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                if (r == CLI_OPT_YEARLY)
                        yearly = true;
                else if (r == CLI_OPT_REMIND) {
                        r = cmd_parse_duration(cli, "--remind", arg, NULL, &remind);
                        if (r < 0)
                                return r;
                        if (remind > DATE_REMIND_MAX_DAYS * 86400LL)
                                return cli_usage(cli, "--remind is at most a year");
                }
        }
        if (r < 0)
                return r;
        sub = p.pos[0];
        if (!streq(sub, "add") && !streq(sub, "ls") && !streq(sub, "rm"))
                return cli_usage(cli, "unknown subcommand '%s' (add, ls or rm)", sub);
        if ((yearly || remind >= 0) && !streq(sub, "add"))
                return cli_usage(cli, "--yearly and --remind go with 'tend date add'");
        if (p.n_pos < 2)
                return cli_usage(cli, "'tend date %s' needs WHO", sub);
        r = cmd_parse_who(cli, params, p.pos[1]);
        if (r < 0)
                return r;
        if (streq(sub, "ls")) {
                if (p.n_pos != 2)
                        return cli_usage(cli, "'tend date ls' takes only WHO");
                return date_reply(cli, "io.tend.Dates.List", params, NULL);
        }
        if (streq(sub, "rm")) {
                if (p.n_pos != 3)
                        return cli_usage(cli, "'tend date rm' takes WHO and a LABEL or ID");
                r = cmd_set_string(cli, params, "date", p.pos[2]);
                return r < 0 ? r
                             : date_reply(cli, "io.tend.Dates.Remove", params, "Removed a date of");
        }
        if (p.n_pos != 4)
                return cli_usage(cli, "'tend date add' takes WHO LABEL DATE (quote a label of "
                                      "several words)");
        r = cmd_check_text(cli, "LABEL", p.pos[2], DATE_LABEL_MAX, false);
        if (r >= 0)
                r = cmd_set_string(cli, params, "label", p.pos[2]);
        if (r >= 0)
                r = cmd_set_string(cli, params, "date", p.pos[3]);
        if (r >= 0 && yearly && json_object_set_new(params, "yearly", json_true()) < 0)
                r = cmd_oom(cli);
        /* Whole days: --remind 36h is a day and a half, counted as one. */
        if (r >= 0 && remind >= 0)
                r = cmd_set_integer(cli, params, "remind_days", remind / 86400);
        return r < 0 ? r : date_reply(cli, "io.tend.Dates.Add", params, "Dates of");
}

static const struct output_column dates_columns[] = {
    {"WHEN", false}, {"", false}, {"WHO", false}, {"WHAT", false}, {"", false},
};

int commands_dates(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        const char *arg;
        json_t *dates, *d;
        size_t i;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                int64_t within;

                r = cmd_parse_duration(cli, "--within", arg, NULL, &within);
                if (r < 0)
                        return r;
                if (within > 366LL * 86400)
                        return cli_usage(cli, "--within is at most a year");
                r = cmd_set_integer(cli, params, "within_seconds", within);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Dates.Upcoming", json_incref(params), &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        dates = json_object_get(reply, "dates");
        if (json_array_size(dates) == 0) {
                fputs("No dates coming up.\n", cli->out);
                return 0;
        }
        t = output_table_new(dates_columns, ARRAY_SIZE(dates_columns));
        if (!t)
                return cmd_oom(cli);
        json_array_foreach(dates, i, d)
        {
                char in[64], years[64];

                format_in(d, in, sizeof(in));
                format_years(d, years, sizeof(years));
                if (output_table_add(t, strempty(cmd_jstr(d, "next")), OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, in, OUTPUT_DIM) < 0 ||
                    output_table_add(t, strempty(cmd_jstr(json_object_get(d, "contact"), "name")),
                                     OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, strempty(cmd_jstr(d, "label")), OUTPUT_PLAIN) < 0 ||
                    output_table_add(t, years, OUTPUT_DIM) < 0)
                        return cmd_oom(cli);
        }
        output_table_print(t, cli->out, cli->color, cli->width);
        return 0;
}
