/* tend check [--repair]: the store checked against itself (io.tend.Service.Check). */
#include <errno.h>

#include "commands.h"
#include "check-report.h"
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

static void print_report(struct cli *cli, const json_t *report)
{
        check_report_print(cli->out, report, "'tend check --repair' rebuilds the indexes");
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
        if (r >= 0 && json_integer_value(json_object_get(reply, "remaining")) > 0)
                cli->exit_code = 1;
        return r;
}
