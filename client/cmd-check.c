/* tend check [--repair]: the store checked against itself (io.tend.Service.Check). */
#include <errno.h>

#include "commands.h"
#include "output.h"

const struct option_help cmd_check_options[] = {
    {"repair", CLI_OPT_REPAIR, NULL, "rebuild every index from the records (one write)", NULL},
    {0},
};

const char cmd_check_help[] =
    "Checks that every index entry matches its record and every record is indexed, that no\n"
    "tombstone shadows a live record, that nothing names a record that is gone, that the id\n"
    "counters are past the ids in use and that the schema version is known. It reads while\n"
    "tendd keeps serving; exit status 1 when anything is wrong. --repair rebuilds every index\n"
    "from the records in one write (records that do not decode are left alone).";

static json_int_t num(const json_t *o, const char *key)
{
        return json_integer_value(json_object_get(o, key));
}

static void print_report(struct cli *cli, const json_t *report)
{
        const json_t *records = json_object_get(report, "records"), *x;
        json_int_t problems = num(report, "problems");
        size_t i;

        fprintf(cli->out,
                "Checked %lld contacts, %lld interactions, %lld goals, %lld goal links and "
                "%lld introductions (store schema %lld).\n",
                (long long)num(records, "contacts"), (long long)num(records, "interactions"),
                (long long)num(records, "goals"), (long long)num(records, "goal_links"),
                (long long)num(records, "intros"), (long long)num(report, "schema"));
        if (problems == 0) {
                fprintf(cli->out, "No problems found.\n");
                return;
        }
        if (!json_is_true(json_object_get(report, "schema_known")))
                fprintf(cli->out, "  schema version %lld is not the one this tendd knows\n",
                        (long long)num(report, "schema"));
        json_array_foreach(json_object_get(report, "indexes"), i, x)
        {
                if (num(x, "missing") + num(x, "extra") + num(x, "wrong") == 0)
                        continue;
                fprintf(cli->out, "  %-18s %lld missing, %lld extra, %lld wrong (of %lld)\n",
                        json_string_value(json_object_get(x, "name")), (long long)num(x, "missing"),
                        (long long)num(x, "extra"), (long long)num(x, "wrong"),
                        (long long)num(x, "entries"));
        }
        if (num(report, "unreadable"))
                fprintf(cli->out, "  %lld records that do not decode (left alone)\n",
                        (long long)num(report, "unreadable"));
        if (num(report, "shadowing_tombstones"))
                fprintf(cli->out, "  %lld tombstones of records that are live\n",
                        (long long)num(report, "shadowing_tombstones"));
        if (num(report, "dangling"))
                fprintf(cli->out, "  %lld links, introductions or interactions of a record gone\n",
                        (long long)num(report, "dangling"));
        if (num(report, "counters"))
                fprintf(cli->out, "  %lld id counters behind the ids in use\n",
                        (long long)num(report, "counters"));
        if (num(json_object_get(report, "journal"), "problems"))
                fprintf(cli->out, "  %lld problems in the undo journal (a repair empties it)\n",
                        (long long)num(json_object_get(report, "journal"), "problems"));
        fprintf(cli->out, "%lld problem%s found%s.\n", (long long)problems,
                problems == 1 ? "" : "s",
                json_is_true(json_object_get(report, "repaired"))
                    ? "; repaired: every index rebuilt from the records"
                    : "; 'tend check --repair' rebuilds the indexes");
        if (json_is_true(json_object_get(report, "repaired")) && num(report, "remaining") > 0)
                fprintf(cli->out, "%lld problem%s remain (see tendd's log).\n",
                        (long long)num(report, "remaining"),
                        num(report, "remaining") == 1 ? "" : "s");
}

int commands_check(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *reply = NULL;
        bool repair = false;
        const char *arg;
        int r;

        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cmd_oom(cli);
        while ((r = cli_parser_next(&p, &arg)) > 0)
                if (r == CLI_OPT_REPAIR)
                        repair = true;
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Service.Check", json_pack("{s:b}", "repair", repair), &reply);
        if (r < 0)
                return r;
        if (cli->json)
                r = cli_print_json(cli, reply);
        else
                print_report(cli, reply);
        if (r >= 0 && num(reply, "remaining") > 0)
                cli->exit_code = 1;
        return r;
}
