/* tend status: what tendd is doing. */
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
        const struct cmd_label_printer lp = {.cli = cli, .width = (int)strlen("connections")};
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
        cmd_label(&lp, "version", buf, OUTPUT_PLAIN);
        snprintf(buf, sizeof(buf), "%lld",
                 (long long)json_integer_value(json_object_get(reply, "pid")));
        cmd_label(&lp, "pid", buf, OUTPUT_PLAIN);
        cmd_label(&lp, "uptime",
                  format_uptime(json_integer_value(json_object_get(reply, "uptime_seconds")), a,
                                sizeof(a)),
                  OUTPUT_PLAIN);
        cmd_label(&lp, "socket", strempty(cmd_jstr(reply, "socket")), OUTPUT_PLAIN);
        cmd_label(&lp, "data dir", strempty(cmd_jstr(reply, "data_dir")), OUTPUT_PLAIN);
        snprintf(buf, sizeof(buf), "%lld",
                 (long long)json_integer_value(json_object_get(reply, "contacts")));
        cmd_label(&lp, "contacts", buf, OUTPUT_PLAIN);
        snprintf(buf, sizeof(buf), "%lld",
                 (long long)json_integer_value(json_object_get(reply, "due_now")));
        cmd_label(&lp, "due now", buf,
                  json_integer_value(json_object_get(reply, "due_now")) > 0 ? OUTPUT_RED
                                                                            : OUTPUT_PLAIN);
        due = cmd_jtime(reply, "next_due");
        next = json_object_get(reply, "next_contact");
        if (due) {
                snprintf(buf, sizeof(buf), "%s (#%lld), %s (%s)", strempty(cmd_jstr(next, "name")),
                         cmd_jid(next), time_format_local(due, a, sizeof(a)),
                         output_format_due(due, cli->now, b, sizeof(b)));
                cmd_label(&lp, "next due", buf, output_due_style(due, cli->now));
        } else {
                cmd_label(&lp, "next due", "—", OUTPUT_DIM);
        }
        cmd_label(
            &lp, "map size",
            format_bytes(json_integer_value(json_object_get(reply, "map_size")), a, sizeof(a)),
            OUTPUT_PLAIN);
        snprintf(buf, sizeof(buf), "%lld",
                 (long long)json_integer_value(json_object_get(reply, "connections")));
        cmd_label(&lp, "connections", buf, OUTPUT_PLAIN);
        return 0;
}
