/* Keeping machines in step: tend sync status|resolve|now, and tend conflicts. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

const char cmd_sync_help[] =
    "tendd mirrors your contacts into the folder set as [sync] vdir in tendd.conf, one vCard\n"
    "per person with their interactions inside, and imports what changes there. vdirsyncer\n"
    "syncs that folder with a CardDAV server (Radicale, Nextcloud, Fastmail...), so several\n"
    "machines and phones share one address book. Subcommands:\n"
    "  status            the folder, last export and import, pending changes, conflicts and\n"
    "                    the files that could not be read\n"
    "  now               export and import right away\n"
    "  resolve FILE FILE merge two versions of a card field by field, writing the result into\n"
    "                    both (for vdirsyncer: conflict_resolution = [\"command\", \"tend\",\n"
    "                    \"sync\", \"resolve\"]); what cannot be settled stays visible in\n"
    "                    'tend conflicts'";

const char cmd_conflicts_help[] =
    "A field both machines changed since they last agreed keeps the newer value; the other\n"
    "is listed here until you settle it with 'tend edit WHO' (set the field to what it should\n"
    "be, even to the value it has).";

#define CARD_FILE_MAX (1u << 20)

static int read_file(struct cli *cli, const char *path, char **ret)
{
        _cleanup_free_ char *buf = malloc(CARD_FILE_MAX + 1);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        size_t got = 0;

        if (!buf)
                return cmd_oom(cli);
        if (fd < 0)
                return cli_fail(cli, -errno, "cannot read %s: %s", path, strerror(errno));
        for (;;) {
                ssize_t k = read(fd, buf + got, CARD_FILE_MAX + 1 - got);

                if (k < 0)
                        return cli_fail(cli, -errno, "cannot read %s: %s", path, strerror(errno));
                if (k == 0)
                        break;
                got += (size_t)k;
                if (got > CARD_FILE_MAX)
                        return cli_fail(cli, -EFBIG, "%s: bigger than 1 MiB", path);
        }
        buf[got] = 0;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int write_file(struct cli *cli, const char *path, const char *text)
{
        _cleanup_free_ char *tmp = NULL;
        size_t len = strlen(text), done = 0;
        int fd;

        if (asprintf(&tmp, "%s.tend-resolve.tmp", path) < 0)
                return cmd_oom(cli);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return cli_fail(cli, -errno, "cannot write %s: %s", tmp, strerror(errno));
        while (done < len) {
                ssize_t k = write(fd, text + done, len - done);

                if (k < 0) {
                        close(fd);
                        unlink(tmp);
                        return cli_fail(cli, -errno, "cannot write %s: %s", tmp, strerror(errno));
                }
                done += (size_t)k;
        }
        if (close(fd) < 0 || rename(tmp, path) < 0) {
                unlink(tmp);
                return cli_fail(cli, -errno, "cannot write %s: %s", path, strerror(errno));
        }
        return 0;
}

static int sync_resolve(struct cli *cli, const char *a, const char *b)
{
        _cleanup_free_ char *ta = NULL, *tb = NULL;
        _cleanup_(json_decrefp) json_t *reply = NULL;
        const char *card;
        int r;

        if ((r = read_file(cli, a, &ta)) < 0 || (r = read_file(cli, b, &tb)) < 0)
                return r;
        r = cli_call(cli, "io.tend.Sync.Resolve", json_pack("{s:s,s:s}", "a", ta, "b", tb), &reply);
        if (r < 0)
                return r;
        card = cmd_jstr(reply, "card");
        if (!card)
                return cli_fail(cli, -EBADMSG, "tendd sent no card");
        if ((r = write_file(cli, a, card)) < 0 || (r = write_file(cli, b, card)) < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        if (json_integer_value(json_object_get(reply, "conflicts")) > 0)
                fprintf(cli->err,
                        "tend: %lld field%s changed on both sides; see 'tend conflicts'.\n",
                        (long long)json_integer_value(json_object_get(reply, "conflicts")),
                        json_integer_value(json_object_get(reply, "conflicts")) == 1 ? "" : "s");
        return 0;
}

static void print_opt(struct cli *cli, const char *label, json_t *o, const char *key)
{
        const char *s = cmd_jstr(o, key);
        json_t *v = json_object_get(o, key);

        if (s)
                fprintf(cli->out, "%-12s %s\n", label, s);
        else if (json_is_integer(v))
                fprintf(cli->out, "%-12s %lld\n", label, (long long)json_integer_value(v));
        else
                fprintf(cli->out, "%-12s -\n", label);
}

static int sync_status(struct cli *cli)
{
        _cleanup_(json_decrefp) json_t *reply = NULL;
        json_t *errors, *e;
        size_t i;
        int r;

        r = cli_call(cli, "io.tend.Sync.Status", NULL, &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        if (!json_is_true(json_object_get(reply, "enabled"))) {
                fprintf(cli->out, "Sync is off: set [sync] vdir = PATH in tendd.conf.\n");
                return 0;
        }
        print_opt(cli, "vdir", reply, "vdir");
        if (cmd_jstr(reply, "ics"))
                print_opt(cli, "ics", reply, "ics");
        print_opt(cli, "last export", reply, "last_export");
        print_opt(cli, "last import", reply, "last_import");
        print_opt(cli, "pending", reply, "pending");
        print_opt(cli, "exported", reply, "exported");
        print_opt(cli, "imported", reply, "imported");
        print_opt(cli, "deleted", reply, "deleted");
        print_opt(cli, "conflicts", reply, "conflicts");
        errors = json_object_get(reply, "errors");
        fprintf(cli->out, "%-12s %zu\n", "errors", json_array_size(errors));
        json_array_foreach(errors, i, e)
            fprintf(cli->out, "  %s: %s (%s)\n", strempty(cmd_jstr(e, "file")),
                    strempty(cmd_jstr(e, "reason")), strempty(cmd_jstr(e, "at")));
        return 0;
}

int commands_sync(struct cli *cli, int argc, char **argv)
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
                        return cli_usage(cli, "'sync status' takes no arguments");
                return sync_status(cli);
        }
        if (streq(sub, "now")) {
                if (p.n_pos != 1)
                        return cli_usage(cli, "'sync now' takes no arguments");
                r = cli_call(cli, "io.tend.Sync.Flush", NULL, &reply);
                if (r < 0)
                        return r;
                return sync_status(cli);
        }
        if (streq(sub, "resolve")) {
                if (p.n_pos != 3)
                        return cli_usage(cli, "'sync resolve' takes two files");
                return sync_resolve(cli, p.pos[1], p.pos[2]);
        }
        return cli_usage(cli, "unknown subcommand '%s' (status, now, resolve)", sub);
}

int commands_conflicts(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        _cleanup_(json_decrefp) json_t *reply = NULL;
        json_t *list, *c;
        size_t i;
        int r;

        r = cmd_parse_plain(&p, cli, argc, argv);
        if (r < 0)
                return r;
        r = cli_call(cli, "io.tend.Sync.Conflicts", NULL, &reply);
        if (r < 0)
                return r;
        if (cli->json)
                return cli_print_json(cli, reply);
        list = json_object_get(reply, "conflicts");
        if (!json_array_size(list)) {
                fprintf(cli->out, "No conflicts.\n");
                return 0;
        }
        json_array_foreach(list, i, c)
        {
                json_t *who = json_object_get(c, "contact");

                fprintf(cli->out, "%s (#%lld) %s: kept %s, other %s\n",
                        strempty(cmd_jstr(who, "name")), cmd_jid(who),
                        strempty(cmd_jstr(c, "field")), strempty(cmd_jstr(c, "value")),
                        strempty(cmd_jstr(c, "other")));
        }
        fprintf(cli->out, "Settle each with 'tend edit WHO'.\n");
        return 0;
}
