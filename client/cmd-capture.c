/* Capture: tend capture status|ignore|unignore|rescan. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

const char cmd_capture_help[] =
    "tendd logs interactions by itself from mail indexed by notmuch and meetings in a\n"
    "calendar vdir ([capture] in tendd.conf): mail you sent to a contact is an email touch,\n"
    "mail you received is shown in history as 'received', a meeting that took place is a\n"
    "meeting with everyone in it. Headers only; nothing is captured twice, and what you\n"
    "delete is never captured again. Subcommands:\n"
    "  status           each source: last scan, back-fill progress, counts, errors; the\n"
    "                   ignore list\n"
    "  ignore WHAT      leave out an address, a domain (@example.com or example.com) or a\n"
    "                   person (WHO: they are never captured); tend undo takes it back\n"
    "  unignore WHAT    take it off the list\n"
    "  rescan [SOURCE]  read mail (or calendar) again over its whole window";

static void print_source(struct cli *cli, const char *name, json_t *s)
{
        json_t *counts = json_object_get(s, "counts"), *bf = json_object_get(s, "backfill");

        if (!json_is_true(json_object_get(s, "enabled"))) {
                fprintf(cli->out, "%-9s off\n", name);
                return;
        }
        fprintf(cli->out, "%-9s %s%s%s\n", name, strempty(cmd_jstr(s, "path")),
                json_is_false(json_object_get(s, "found")) ? " (not found)" : "",
                json_is_true(json_object_get(s, "scanning")) ? " (scanning)" : "");
        fprintf(cli->out, "  last scan  %s\n",
                cmd_jstr(s, "last_scan") ? cmd_jstr(s, "last_scan") : "never");
        if (json_is_integer(json_object_get(s, "files")))
                fprintf(cli->out, "  files      %lld, next meeting %s\n",
                        (long long)json_integer_value(json_object_get(s, "files")),
                        cmd_jstr(s, "next") ? cmd_jstr(s, "next") : "none");
        if (json_is_object(bf))
                fprintf(cli->out, "  back-fill  %lld of %lld, up to %s\n",
                        (long long)json_integer_value(json_object_get(bf, "done")),
                        (long long)json_integer_value(json_object_get(bf, "total")),
                        strempty(cmd_jstr(bf, "at")));
        fprintf(cli->out,
                "  captured   %lld (received %lld)\n  bulk       %lld\n  seen again %lld\n"
                "  unmatched  %lld\n  ignored    %lld\n",
                (long long)json_integer_value(json_object_get(counts, "captured")),
                (long long)json_integer_value(json_object_get(counts, "received")),
                (long long)json_integer_value(json_object_get(counts, "bulk")),
                (long long)json_integer_value(json_object_get(counts, "seen")),
                (long long)json_integer_value(json_object_get(counts, "unmatched")),
                (long long)json_integer_value(json_object_get(counts, "ignored")));
        if (cmd_jstr(s, "error"))
                fprintf(cli->out, "  error      %s (%s)\n", cmd_jstr(s, "error"),
                        strempty(cmd_jstr(s, "error_at")));
}

static int capture_status(struct cli *cli)
{
        _cleanup_(json_decrefp) json_t *reply = NULL;
        json_t *list, *e;
        size_t i;
        int r;

        r = cli_call(cli, "io.tend.Capture.Status", NULL, &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        print_source(cli, "mail", json_object_get(reply, "mail"));
        print_source(cli, "calendar", json_object_get(reply, "calendar"));
        list = json_object_get(reply, "ignored");
        fprintf(cli->out, "ignored   %s", json_array_size(list) ? "" : "nothing\n");
        json_array_foreach(list, i, e) fprintf(cli->out, "%s%s", json_string_value(e),
                                               i + 1 < json_array_size(list) ? ", " : "\n");
        return 0;
}

static int capture_ignore(struct cli *cli, const char *what, bool remove)
{
        _cleanup_(json_decrefp) json_t *reply = NULL;
        int r;

        r = cli_call(cli, remove ? "io.tend.Capture.Unignore" : "io.tend.Capture.Ignore",
                     json_pack("{s:s}", "what", what), &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        if (!json_is_true(json_object_get(reply, "changed")))
                fprintf(cli->out, "%s was %s.\n", strempty(cmd_jstr(reply, "entry")),
                        remove ? "not ignored" : "already ignored");
        else
                fprintf(cli->out, "%s %s.\n", remove ? "No longer ignoring" : "Ignoring",
                        strempty(cmd_jstr(reply, "entry")));
        return 0;
}

int commands_capture(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *reply = NULL;
        const char *sub;
        int r;

        r = cmd_parse_plain(&p, cli, argc, argv);
        if (r < 0)
                return r;
        sub = p.pos[0];
        if (streq(sub, "status")) {
                if (p.n_pos != 1)
                        return cli_usage(cli, "'capture status' takes no arguments");
                return capture_status(cli);
        }
        if (streq(sub, "ignore") || streq(sub, "unignore")) {
                if (p.n_pos != 2)
                        return cli_usage(cli, "'capture %s' takes one address, domain or person",
                                         sub);
                return capture_ignore(cli, p.pos[1], streq(sub, "unignore"));
        }
        if (streq(sub, "rescan")) {
                if (p.n_pos > 2)
                        return cli_usage(cli, "'capture rescan' takes at most a source");
                r = cli_call(cli, "io.tend.Capture.Rescan",
                             p.n_pos == 2 ? json_pack("{s:s}", "source", p.pos[1]) : NULL, &reply);
                if (r < 0)
                        return r;
                if (cli->json)
                        return cli_print_json(cli, reply);
                fprintf(cli->out, "Reading %s again.\n", p.n_pos == 2 ? p.pos[1] : "every source");
                return 0;
        }
        return cli_usage(cli, "unknown subcommand '%s' (status, ignore, unignore, rescan)", sub);
}
