/* One person, one record: tend merge and tend dupes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "model.h"

const char cmd_merge_help[] =
    "Everything the OTHER records have moves to KEEP: interactions (with what was given and\n"
    "got), introductions, goal links, emails, phones, urls, tags and networks, and people\n"
    "whose met-via or prospect via named OTHER now name KEEP. A field only OTHER has is taken;\n"
    "one both have keeps KEEP's value and OTHER's is printed. OTHER is removed; its UID now\n"
    "points at KEEP, so re-importing OTHER's card updates KEEP. Quote names with spaces.";

static void print_count(struct cli *cli, bool *first, long long n, const char *one,
                        const char *many)
{
        if (n <= 0)
                return;
        fprintf(cli->out, "%s%lld %s", *first ? "" : ", ", n, n == 1 ? one : many);
        *first = false;
}

int commands_merge(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = NULL;
        _cleanup_(json_decrefp) json_t *reply = NULL;
        json_t *others, *keep, *merged, *moved, *conflicts, *v;
        bool first = true;
        size_t i;
        int r;

        r = cmd_parse_plain(&p, cli, argc, argv);
        if (r < 0)
                return r;
        others = json_array();
        params = json_pack("{s:s,s:o}", "keep", p.pos[0], "others", others);
        if (!params)
                return cmd_oom(cli);
        r = cmd_check_text(cli, "KEEP", p.pos[0], FIELD_NAME_MAX, false);
        if (r < 0)
                return r;
        for (i = 1; i < p.n_pos; i++) {
                if (!p.pos[i][0])
                        return cli_usage(cli, "OTHER is empty");
                r = cmd_check_text(cli, "OTHER", p.pos[i], FIELD_NAME_MAX, false);
                if (r < 0)
                        return r;
                if (json_array_append_new(others, json_string(p.pos[i])) < 0)
                        return cmd_oom(cli);
        }
        r = cli_call(cli, "io.tend.Contacts.Merge", json_incref(params), &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);

        keep = json_object_get(reply, "contact");
        merged = json_object_get(reply, "merged");
        moved = json_object_get(reply, "moved");
        conflicts = json_object_get(reply, "conflicts");
        fputs("Merged ", cli->out);
        json_array_foreach(merged, i, v)
        {
                fprintf(cli->out, "%s%s (#%lld)", i ? ", " : "", strempty(cmd_jstr(v, "name")),
                        cmd_jid(v));
        }
        fprintf(cli->out, " into %s (#%lld)", strempty(cmd_jstr(keep, "name")), cmd_jid(keep));
#define MOVED(key) ((long long)json_integer_value(json_object_get(moved, key)))
        if (MOVED("interactions") + MOVED("introductions") + MOVED("goal_links") +
                MOVED("met_via") + MOVED("prospect_via") >
            0) {
                fputs(": moved ", cli->out);
                print_count(cli, &first, MOVED("interactions"), "interaction", "interactions");
                print_count(cli, &first, MOVED("introductions"), "introduction", "introductions");
                print_count(cli, &first, MOVED("goal_links"), "goal link", "goal links");
                print_count(cli, &first, MOVED("met_via"), "person met via them",
                            "people met via them");
                print_count(cli, &first, MOVED("prospect_via"), "prospect via them",
                            "prospects via them");
        }
        fputs(".\n", cli->out);
        if (MOVED("introductions_dropped") > 0)
                fprintf(cli->out, "Dropped %lld introduction%s between the merged records.\n",
                        MOVED("introductions_dropped"),
                        MOVED("introductions_dropped") == 1 ? "" : "s");
#undef MOVED
        if (json_array_size(conflicts) > 0) {
                fprintf(cli->out, "Kept %s's values; the other records had:\n",
                        strempty(cmd_jstr(keep, "name")));
                json_array_foreach(conflicts, i, v)
                {
                        json_t *from = json_object_get(v, "from");

                        fprintf(cli->out, "  %s: %s (#%lld: %s; kept: %s)\n",
                                strempty(cmd_jstr(v, "field")), strempty(cmd_jstr(v, "other")),
                                cmd_jid(from), strempty(cmd_jstr(from, "name")),
                                strempty(cmd_jstr(v, "kept")));
                }
                fprintf(cli->out, "Change any of them with 'tend edit %lld'.\n", cmd_jid(keep));
        }
        return 0;
}

int commands_dupes(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *params = json_object();
        _cleanup_(json_decrefp) json_t *reply = NULL;
        json_t *groups, *g, *v;
        size_t i, k;
        int r;

        r = cmd_parse_limited(&p, cli, argc, argv, params);
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Contacts.Duplicates", json_incref(params), &reply);
        if (r < 0)
                return r;
        groups = json_object_get(reply, "duplicates");
        if (cli->json)
                return cli_print_json(cli, groups);
        if (json_array_size(groups) == 0) {
                fputs("No likely duplicates.\n", cli->out);
                return 0;
        }
        json_array_foreach(groups, i, g)
        {
                const char *reason = strempty(cmd_jstr(g, "reason"));

                if (streq(reason, "name words"))
                        fputs("Same name in another order: ", cli->out);
                else
                        fprintf(cli->out, "Same %s %s: ", reason, strempty(cmd_jstr(g, "value")));
                json_array_foreach(json_object_get(g, "contacts"), k, v)
                {
                        fprintf(cli->out, "%s%s (#%lld)", k ? ", " : "",
                                strempty(cmd_jstr(v, "name")), cmd_jid(v));
                }
                fputc('\n', cli->out);
        }
        fputs("Make one person of them with 'tend merge KEEP OTHER' (ids work).\n", cli->out);
        return 0;
}
