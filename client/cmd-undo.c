/* Taking changes back: `tend undo [--list]` and `tend redo` (io.tend.Journal). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "output.h"
#include "timeutil.h"
#include "util.h"

const struct option_help cmd_undo_options[] = {
    {"list", CLI_OPT_LIST, NULL, "show the journal of changes instead, newest first", NULL},
    {"limit", CLI_OPT_LIMIT, "N", "with --list: at most N changes (default: all)", NULL},
    {0},
};

const char cmd_undo_help[] =
    "Takes back the most recent change that is still in effect, whatever made it: add, edit,\n"
    "rm (with everything it removed), log, done, snooze, goal, intro and prospect changes,\n"
    "an import as a whole, a notification button. Run again, it walks further back.\n"
    "'tend redo' puts back what undo took back, until a new change is made. The journal\n"
    "keeps at least the last 100 changes and every change of the last 30 days.";

const char cmd_redo_help[] = "Puts back the change 'tend undo' took back last; repeated, the one "
                             "before.\nA new change makes what was undone final.";

/* "Undid: added Jane Doe (2 hours ago)." */
static void print_change(struct cli *cli, const char *verb, json_t *change)
{
        char when[64];
        int64_t at = cmd_jtime(change, "at");

        fprintf(cli->out, "%s: %s", verb, strempty(cmd_jstr(change, "description")));
        /* "(2 hours ago)"; a change of the last minute needs no date */
        if (at && at < cli->now - 60)
                fprintf(cli->out, " (%s)", time_format_relative(at, cli->now, when, sizeof(when)));
        fputs(".\n", cli->out);
}

/* The call, with the journal's own errors worded here; others are reported as usual. */
static int journal_call(struct cli *cli, const char *method, json_t **ret_params)
{
        _cleanup_free_ char *msg = NULL;
        _cleanup_(json_decrefp) json_t *reply = NULL;
        const char *error;
        json_t *params;
        int r;

        if (asprintf(&msg, "{\"method\":\"%s\",\"parameters\":{}}", method) < 0)
                return cmd_oom(cli);
        r = cli_send(cli, msg, strlen(msg));
        if (r < 0)
                return r;
        r = cli_receive_raw(cli, &reply);
        if (r < 0)
                return r;
        error = cmd_jstr(reply, "error");
        params = json_object_get(reply, "parameters");
        if (error && streq(error, "io.tend.Journal.NothingToUndo"))
                return cli_fail(cli, -ENOENT, "nothing to undo");
        if (error && streq(error, "io.tend.Journal.NothingToRedo"))
                return cli_fail(cli, -ENOENT, "nothing to redo");
        if (error && streq(error, "io.tend.Journal.TooLargeToUndo")) {
                json_t *c = json_object_get(params, "change");

                return cli_fail(cli, -EXDEV,
                                "cannot undo '%s': it was too large to record. A backup of the "
                                "store from before it is %s; to go back, stop tendd and run "
                                "'tend restore %s'",
                                strempty(cmd_jstr(c, "description")),
                                strempty(cmd_jstr(c, "backup")), strempty(cmd_jstr(c, "backup")));
        }
        if (error && streq(error, "io.tend.Journal.NotRecorded"))
                return cli_fail(
                    cli, -ENODATA,
                    "cannot undo '%s': it was made while the disk was full, with no "
                    "room to record what it replaced",
                    strempty(cmd_jstr(json_object_get(params, "change"), "description")));
        return cli_reply_params(cli, TAKE_PTR(reply), ret_params);
}

static int print_list(struct cli *cli, json_t *params)
{
        _cleanup_(json_decrefp) json_t *reply = NULL;
        _cleanup_(output_table_freep) struct output_table *t = NULL;
        static const struct output_column cols[] = {
            {"#", true}, {"WHEN", false}, {"STATE", false}, {"CHANGE", false}};
        json_t *changes, *c;
        bool next_undo = true;
        size_t i;
        int r;

        r = cli_call(cli, "io.tend.Journal.List", json_incref(params), &reply);
        if (r < 0)
                return r;
        changes = json_object_get(reply, "changes");
        if (!json_is_array(changes))
                return cli_fail(cli, -EBADMSG, "tendd's reply has no changes");
        if (cli->json)
                return cli_print_json(cli, reply);
        if (json_array_size(changes) == 0) {
                fputs("No changes yet.\n", cli->out);
                return 0;
        }
        t = output_table_new(cols, ARRAY_SIZE(cols));
        if (!t)
                return cmd_oom(cli);
        json_array_foreach(changes, i, c)
        {
                bool undone = json_is_true(json_object_get(c, "undone"));
                const char *backup = cmd_jstr(c, "backup");
                const char *state = "";
                char when[64];

                if (undone)
                        state = "undone (redo)";
                else if (next_undo) {
                        state = backup ? "too large to undo"
                                : json_is_false(json_object_get(c, "recorded")) ? "not recorded"
                                                                                : "next undo";
                        next_undo = false;
                }
                r = output_table_addf(t, OUTPUT_PLAIN, "%lld",
                                      (long long)json_integer_value(json_object_get(c, "seq")));
                if (r >= 0)
                        r = output_table_add(
                            t,
                            time_format_relative(cmd_jtime(c, "at"), cli->now, when, sizeof(when)),
                            OUTPUT_PLAIN);
                if (r >= 0)
                        r = output_table_add(t, state, undone ? OUTPUT_DIM : OUTPUT_PLAIN);
                if (r >= 0 && backup)
                        r = output_table_addf(t, OUTPUT_PLAIN, "%s (backup: %s)",
                                              strempty(cmd_jstr(c, "description")), backup);
                else if (r >= 0)
                        r = output_table_add(t, cmd_jstr(c, "description"),
                                             undone ? OUTPUT_DIM : OUTPUT_PLAIN);
                if (r < 0)
                        return cmd_oom(cli);
        }
        output_table_print(t, cli->out, cli->color, cli->width);
        return 0;
}

static int undo_or_redo(struct cli *cli, bool redo)
{
        _cleanup_(json_decrefp) json_t *reply = NULL;
        int r;

        r = journal_call(cli, redo ? "io.tend.Journal.Redo" : "io.tend.Journal.Undo", &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        print_change(cli, redo ? "Redid" : "Undid", json_object_get(reply, "change"));
        return 0;
}

int commands_undo(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        bool list = false, limit = false;
        const char *arg;
        int r;

        if (!params)
                return cmd_oom(cli);
        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0) {
                if (r == CLI_OPT_LIST)
                        list = true;
                else if (r == CLI_OPT_LIMIT) {
                        r = cmd_parse_limit(cli, arg, params);
                        if (r < 0)
                                return r;
                        limit = true;
                }
        }
        if (r < 0)
                return r;
        if (limit && !list)
                return cli_usage(cli, "--limit goes with --list");
        return list ? print_list(cli, params) : undo_or_redo(cli, false);
}

int commands_redo(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        int r;

        r = cmd_parse_plain(&p, cli, argc, argv);
        if (r < 0)
                return r;
        return undo_or_redo(cli, true);
}
