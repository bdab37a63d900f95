/* The command-line framework: dispatch, global options, help, option parsing, calls to tendd and
 * error reporting. The commands themselves are in cmd-table.c and the cmd-*.c files. */
#include "cli.h"

#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmd-complete.h"
#include "commands.h"
#include "conn.h"
#include "output.h"
#include "pager.h"
#include "paths.h"
#include "timeutil.h"

/* A terminal that does not say its height, and the pager when $PAGER is unset. */
#define DEFAULT_ROWS  24
#define DEFAULT_PAGER "less -FRX"

/* ---- suggestions ---- */

static const char *const synonyms[][2] = {
    {"list", "ls"},      {"remove", "rm"},
    {"delete", "rm"},    {"del", "rm"},
    {"new", "add"},      {"create", "add"},
    {"update", "edit"},  {"set", "edit"},
    {"get", "show"},     {"info", "show"},
    {"view", "show"},    {"search", "find"},
    {"grep", "find"},    {"interactions", "history"},
    {"todo", "due"},     {"postpone", "snooze"},
    {"defer", "snooze"}, {"version", "--version"},
};

static size_t edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        size_t row[32];

        if (la >= ARRAY_SIZE(row) || lb >= ARRAY_SIZE(row))
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                row[j] = j;
        for (size_t i = 1; i <= la; i++) {
                size_t diag = row[0];

                row[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t up = row[j];
                        size_t best = diag + (a[i - 1] != b[j - 1]);

                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        if (up + 1 < best)
                                best = up + 1;
                        diag = up;
                        row[j] = best;
                }
        }
        return row[lb];
}

const char *cli_suggest(const char *word)
{
        const char *best = NULL, *prefix = NULL;
        size_t best_d = SIZE_MAX, n_prefix = 0, len = strlen(word), n_commands;
        const struct command *commands = cli_commands(&n_commands);

        for (size_t i = 0; i < ARRAY_SIZE(synonyms); i++)
                if (strcasecmp(word, synonyms[i][0]) == 0)
                        return synonyms[i][1];
        for (size_t i = 0; i < n_commands; i++) {
                size_t d;

                if (len > 0 && strncasecmp(word, commands[i].verb, len) == 0) {
                        prefix = commands[i].verb;
                        n_prefix++;
                }
                d = edit_distance(word, commands[i].verb);
                if (d < best_d) {
                        best_d = d;
                        best = commands[i].verb;
                }
        }
        if (n_prefix == 1)
                return prefix;
        if (best_d <= 2 && best_d < len)
                return best;
        return NULL;
}

/* ---- reporting ---- */

/* One error, as people read it ("tend: MESSAGE" and the hint, if any) or, under --json, as
 * one line holding {"error": name, "message": MESSAGE, "parameters": params}. */
static void print_error(struct cli *cli, const char *name, json_t *params, const char *hint,
                        const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static void print_error(struct cli *cli, const char *name, json_t *params, const char *hint,
                        const char *fmt, va_list ap)
{
        _cleanup_free_ char *message = NULL;
        _cleanup_(json_decrefp) json_t *o = NULL;

        if (vasprintf(&message, fmt, ap) < 0)
                message = NULL;
        if (!cli->json_errors) {
                fprintf(cli->err, "tend: %s\n", message ? message : "out of memory");
                if (hint)
                        fprintf(cli->err, "%s\n", hint);
                return;
        }
        o = json_pack("{s:s, s:s, s:o}", "error", name, "message",
                      message ? message : "out of memory", "parameters",
                      params ? json_incref(params) : json_object());
        if (!o || json_dumpf(o, cli->err, JSON_COMPACT) < 0 || fputc('\n', cli->err) == EOF)
                fprintf(cli->err, "tend: %s\n", message ? message : "out of memory");
}

int cli_usage(struct cli *cli, const char *fmt, ...)
{
        _cleanup_(json_decrefp) json_t *params =
            cli->command ? json_pack("{s:s}", "command", cli->command->verb) : NULL;
        char hint[64];
        va_list ap;

        if (cli->command)
                snprintf(hint, sizeof(hint), "Try 'tend help %s'.", cli->command->verb);
        else
                snprintf(hint, sizeof(hint), "Try 'tend --help'.");
        va_start(ap, fmt);
        print_error(cli, CLI_ERROR_USAGE, params, hint, fmt, ap);
        va_end(ap);
        cli->exit_code = CLI_EXIT_USAGE;
        return -EINVAL;
}

int cli_fail_named(struct cli *cli, int r, const char *name, json_t *params, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        print_error(cli, name, params, NULL, fmt, ap);
        va_end(ap);
        if (cli->exit_code < 0)
                cli->exit_code = CLI_EXIT_FAILED;
        return r < 0 ? r : -EIO;
}

int cli_fail(struct cli *cli, int r, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        print_error(cli, CLI_ERROR_FAILED, NULL, NULL, fmt, ap);
        va_end(ap);
        if (cli->exit_code < 0)
                cli->exit_code = CLI_EXIT_FAILED;
        return r < 0 ? r : -EIO;
}

int cli_print_json(struct cli *cli, json_t *v)
{
        int r = output_json(cli->out, v);

        if (r < 0)
                return cli_fail(cli, r, "cannot write the output: %s", strerror(-r));
        return 0;
}

/* ---- help ---- */

static void usage_line(const struct command *cmd, char *buf, size_t size)
{
        snprintf(buf, size, "%s%s%s%s", cmd->verb, cmd->args[0] ? " " : "", cmd->args,
                 cmd->options[0].name ? " [OPTIONS]" : "");
}

static void print_options(const struct option_help *opts, FILE *f)
{
        size_t width = 0;

        for (const struct option_help *o = opts; o->name; o++) {
                size_t w = strlen(o->name) + (o->arg ? strlen(o->arg) + 1 : 0);

                if (w > width)
                        width = w;
        }
        for (const struct option_help *o = opts; o->name; o++) {
                char left[128];

                snprintf(left, sizeof(left), "%s%s%s", o->name, o->arg ? " " : "",
                         strempty(o->arg));
                fprintf(f, "  --%-*s  %s\n", (int)width, left, o->help);
        }
}

void cli_print_command_help(const struct command *cmd, FILE *f)
{
        char usage[256];

        usage_line(cmd, usage, sizeof(usage));
        fprintf(f, "Usage: tend %s\n\n%s.\n", usage, cmd->summary);
        if (cmd->description)
                fprintf(f, "%s\n", cmd->description);
        if (cmd->options[0].name) {
                fputs("\nOptions:\n", f);
                print_options(cmd->options, f);
        }
        fputs("\nGlobal options: --json, --socket PATH, --help. Run 'tend --help' for WHO, DATE\n"
              "and DURATION forms and the exit status.\n",
              f);
}

void cli_print_help(FILE *f)
{
        size_t width = 0, n_commands;
        const struct command *commands = cli_commands(&n_commands);

        fputs(
            "Usage: tend [--json] [--socket PATH] COMMAND [ARGUMENTS] [OPTIONS]\n\n"
            "Keep in touch with the people who matter. tend asks the tendd daemon, which keeps\n"
            "your contacts, what happened between you, and when each one is due for a follow-up.\n"
            "\nCommands:\n",
            f);
        for (size_t i = 0; i < n_commands; i++) {
                size_t w = strlen(commands[i].verb) + 1 + strlen(commands[i].args);

                if (w > width)
                        width = w;
        }
        for (size_t i = 0; i < n_commands; i++) {
                char left[128];

                snprintf(left, sizeof(left), "%s %s", commands[i].verb, commands[i].args);
                fprintf(f, "  %-*s  %s\n", (int)width, left, commands[i].summary);
        }
        fputs("\nGlobal options (before or after the command):\n", f);
        print_options(cli_global_options(), f);
        fputs("\nThe socket is --socket PATH, else $TEND_SOCKET, else "
              "$XDG_RUNTIME_DIR/tend/tendd.sock.\n"
              "WHO names a person: an id, an email address, a name or a unique name prefix.\n"
              "DATE: 2026-12-01, '2026-12-01 09:00', today, yesterday, 'fri 15:00', 'next fri',\n"
              "  'last fri', 'next week', 'next month', 'end of month', 'in 3 days', 2027-W03.\n"
              "  --at: a day alone is at this time of day, a weekday the last one; --due and\n"
              "  snooze: a day alone is at tendd's preferred_time, a weekday the next one.\n"
              "DURATION: 45m, 3h, 3d, 2w, 1mo, 1y, '2 weeks'; several add up: '1w 2d'.\n"
              "NETWORK: operational, personal or strategic, or a unique prefix (op, pe, st).\n"
              "\nExit status:\n"
              "  0  success\n"
              "  1  the request failed (no such contact, invalid value, storage error…)\n"
              "  2  usage error (unknown command or option, bad date, duration or network);\n"
              "     nothing was sent to tendd\n"
              "  3  tendd could not be reached\n"
              "With --json an error is a JSON object on stderr: {\"error\", \"message\", "
              "\"parameters\"}.\n"
              "\nRun 'tend help COMMAND' for a command's options.\n",
              f);
}

static int unknown_command(struct cli *cli, const char *verb)
{
        const char *s = cli_suggest(verb);

        if (s)
                return cli_usage(cli, "unknown command '%s'; did you mean '%s'?", verb, s);
        return cli_usage(cli, "unknown command '%s'", verb);
}

int cli_help_command(struct cli *cli, int argc, char **argv)
{
        _cleanup_(cli_parser_donep) struct cli_parser p = {0};
        const struct command *cmd;
        const char *arg;
        int r;

        r = cli_parser_init(&p, cli, argc, argv);
        if (r < 0)
                return cli_fail(cli, r, "out of memory");
        while ((r = cli_parser_next(&p, &arg)) > 0)
                ;
        if (r < 0)
                return r;
        if (p.n_pos == 0) {
                cli_print_help(cli->out);
                return 0;
        }
        cmd = cli_find_command(p.pos[0]);
        if (!cmd) {
                cli->command = NULL;
                return unknown_command(cli, p.pos[0]);
        }
        cli_print_command_help(cmd, cli->out);
        return 0;
}

/* ---- option parsing ---- */

static size_t count_options(const struct option_help *o)
{
        size_t n = 0;

        while (o && o[n].name)
                n++;
        return n;
}

static const struct option_help *find_option(const struct command *cmd, int id)
{
        for (const struct option_help *o = cmd ? cmd->options : NULL; o && o->name; o++)
                if (o->id == id)
                        return o;
        for (const struct option_help *o = cli_global_options(); o->name; o++)
                if (o->id == id)
                        return o;
        return NULL;
}

static int build_longopts(const struct option_help *a, const struct option_help *b,
                          struct option **ret)
{
        size_t na = count_options(a), nb = count_options(b), k = 0;
        struct option *o = calloc(na + nb + 1, sizeof(*o));

        if (!o)
                return -ENOMEM;
        for (const struct option_help *list[] = {a, b}, **l = list; l < list + 2; l++)
                for (const struct option_help *h = *l; h && h->name; h++)
                        o[k++] = (struct option){h->name, h->arg ? required_argument : no_argument,
                                                 NULL, h->id};
        *ret = o;
        return 0;
}

int cli_parser_init(struct cli_parser *p, struct cli *cli, int argc, char **argv)
{
        int r;

        *p = (struct cli_parser){.cli = cli, .argc = argc, .argv = argv};
        r = build_longopts(cli->command->options, cli_global_options(), &p->longopts);
        if (r < 0)
                return r;
        p->pos = calloc((size_t)argc + 1, sizeof(char *));
        if (!p->pos)
                return -ENOMEM;
        optind = 0; /* glibc: start over, argv is a different vector */
        opterr = 0;
        return 0;
}

void cli_parser_done(struct cli_parser *p)
{
        free(p->longopts);
        free(p->pos);
        p->longopts = NULL;
        p->pos = NULL;
}

/* The i-th word of args without brackets and dots, into buf. */
static const char *arg_name(const char *args, size_t i, char *buf, size_t size)
{
        const char *s = args;

        for (;;) {
                size_t len;

                s += strspn(s, " ");
                len = strcspn(s, " ");
                if (len == 0)
                        return "ARGUMENT";
                if (i-- == 0) {
                        const char *b = s, *e = s + len;

                        while (b < e && *b == '[')
                                b++;
                        while (e > b && (e[-1] == ']' || e[-1] == '.'))
                                e--;
                        snprintf(buf, size, "%.*s", (int)(e - b), b);
                        return buf;
                }
                s += len;
        }
}

/* Counts of required and all positional words of args, and whether the last takes the rest. */
static void arg_counts(const char *args, size_t *ret_min, size_t *ret_max, bool *ret_rest)
{
        size_t min = 0, max = 0;
        bool rest = false;
        const char *s = args;

        for (;;) {
                size_t len;

                s += strspn(s, " ");
                len = strcspn(s, " ");
                if (len == 0)
                        break;
                max++;
                if (s[0] != '[')
                        min++;
                rest = len >= 3 && (strncmp(s + len - 3, "...", 3) == 0 ||
                                    (len >= 4 && strncmp(s + len - 4, "...]", 4) == 0));
                s += len;
        }
        *ret_min = min;
        *ret_max = max;
        *ret_rest = rest;
}

static int check_positionals(struct cli_parser *p)
{
        const struct command *cmd = p->cli->command;
        size_t min, max;
        bool rest;
        char name[64], usage[256];

        arg_counts(cmd->args, &min, &max, &rest);
        usage_line(cmd, usage, sizeof(usage));
        if (p->n_pos < min)
                return cli_usage(p->cli, "missing %s; usage: tend %s",
                                 arg_name(cmd->args, p->n_pos, name, sizeof(name)), usage);
        if (p->n_pos > max && !rest)
                return cli_usage(
                    p->cli, "unexpected argument '%s' (quote text with spaces); usage: tend %s",
                    p->pos[max], usage);
        return 0;
}

static int option_error(struct cli_parser *p, int c)
{
        const char *token = optind > 0 && optind <= p->argc ? p->argv[optind - 1] : "?";
        const struct option_help *o = find_option(p->cli->command, optopt);

        if (c == ':') {
                if (o)
                        return cli_usage(p->cli, "option '--%s' needs an argument (%s)", o->name,
                                         strempty(o->arg));
                return cli_usage(p->cli, "option '-%c' needs an argument", optopt);
        }
        if (o && optopt >= CLI_OPT_JSON)
                return cli_usage(p->cli, "option '--%s' takes no argument", o->name);
        if (optopt > 0 && optopt < 0x100)
                return cli_usage(p->cli, "unknown option '-%c' for '%s'", optopt,
                                 p->cli->command->verb);
        return cli_usage(p->cli, "unknown option '%.*s' for '%s'", (int)strcspn(token, "="), token,
                         p->cli->command->verb);
}

int cli_parser_next(struct cli_parser *p, const char **ret_arg)
{
        struct cli *cli = p->cli;

        if (p->finished)
                return 0;
        for (;;) {
                /* "-": positionals come back in order as 1, so options may follow them (tend add
                 * "Jane" --org X) and nothing depends on POSIXLY_CORRECT; "--" ends options. */
                int c = getopt_long(p->argc, p->argv, "-:h", p->longopts, NULL);

                switch (c) {
                case -1:
                        while (optind < p->argc)
                                p->pos[p->n_pos++] = p->argv[optind++];
                        p->finished = true;
                        return check_positionals(p);
                case 1:
                        p->pos[p->n_pos++] = optarg;
                        break;
                case CLI_OPT_JSON:
                        cli->json = cli->json_errors = true;
                        break;
                case CLI_OPT_SOCKET:
                        cli->socket_arg = optarg;
                        break;
                case CLI_OPT_NO_PAGER:
                        cli->no_pager = true;
                        break;
                case 'h':
                case CLI_OPT_HELP:
                        cli_print_command_help(cli->command, cli->out);
                        cli->exit_code = CLI_EXIT_OK;
                        return -ECANCELED;
                case CLI_OPT_VERSION:
                        fprintf(cli->out, "tend %s\n", TEND_VERSION);
                        cli->exit_code = CLI_EXIT_OK;
                        return -ECANCELED;
                case ':':
                case '?':
                        return option_error(p, c);
                default:
                        *ret_arg = optarg;
                        return c;
                }
        }
}

int cli_parser_rest(const struct cli_parser *p, size_t i, char **ret)
{
        const struct command *cmd = p->cli->command;
        size_t min, max, len = 0;
        bool rest;
        char *s;

        if (i >= p->n_pos) {
                *ret = NULL;
                return 0;
        }
        arg_counts(cmd->args, &min, &max, &rest);
        if (!rest || i + 1 < max) {
                s = strdup(p->pos[i]);
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }
        for (size_t k = i; k < p->n_pos; k++)
                len += strlen(p->pos[k]) + 1;
        s = malloc(len + 1);
        if (!s)
                return -ENOMEM;
        len = 0;
        for (size_t k = i; k < p->n_pos; k++) {
                size_t n = strlen(p->pos[k]);

                if (k > i)
                        s[len++] = ' ';
                memcpy(s + len, p->pos[k], n);
                len += n;
        }
        s[len] = 0;
        *ret = s;
        return 0;
}

/* ---- talking to tendd ---- */

static int cli_connect(struct cli *cli)
{
        const char *env = getenv("TEND_SOCKET");
        int r;

        if (cli->socket_arg)
                r = free_and_strdup(&cli->socket_path, cli->socket_arg);
        else if (env && env[0])
                r = free_and_strdup(&cli->socket_path, env);
        else {
                r = paths_socket(false, &cli->socket_path);
                if (r < 0 && r != -ENOMEM) {
                        cli->exit_code = CLI_EXIT_UNREACHABLE;
                        return cli_fail_named(
                            cli, r, CLI_ERROR_NO_DAEMON, NULL,
                            "cannot find tendd's socket (%s); set $XDG_RUNTIME_DIR "
                            "or $TEND_SOCKET, or pass --socket PATH",
                            strerror(-r));
                }
        }
        if (r < 0)
                return cli_fail(cli, r, "out of memory");

        r = tend_conn_open(cli->socket_path, &cli->conn);
        if (r < 0) {
                _cleanup_(json_decrefp) json_t *where =
                    json_pack("{s:s, s:s}", "socket", cli->socket_path, "reason", strerror(-r));

                cli->exit_code = CLI_EXIT_UNREACHABLE;
                if (r == -ENOENT || r == -ECONNREFUSED)
                        return cli_fail_named(cli, r, CLI_ERROR_NO_DAEMON, where,
                                              "cannot reach tendd at %s (%s); start it with "
                                              "'systemctl --user start tendd' or run 'tendd'",
                                              cli->socket_path, strerror(-r));
                return cli_fail_named(cli, r, CLI_ERROR_NO_DAEMON, where,
                                      "cannot reach tendd at %s (%s)", cli->socket_path,
                                      strerror(-r));
        }
        return 0;
}

static const char *param_str(json_t *params, const char *key)
{
        const char *s = json_string_value(json_object_get(params, key));

        return s ? s : "?";
}

/* Print the command line that was typed with the words that spelled `word` (one argument, or
 * several joined by spaces) replaced by `instead`: the command to type to name one thing. */
static void print_instead(struct cli *cli, const char *word, const char *instead)
{
        int from = -1, to = -1;

        for (int i = 1; i < cli->argc && from < 0; i++) {
                size_t len = 0;

                for (int j = i; j < cli->argc; j++) {
                        len += strlen(cli->argv[j]) + (j > i);
                        if (len > strlen(word))
                                break;
                        if (len == strlen(word)) {
                                _cleanup_free_ char *joined = calloc(len + 1, 1);

                                if (!joined)
                                        return;
                                for (int k = i; k <= j; k++) {
                                        if (k > i)
                                                strcat(joined, " ");
                                        strcat(joined, cli->argv[k]);
                                }
                                if (streq(joined, word)) {
                                        from = i;
                                        to = j;
                                }
                                break;
                        }
                }
        }
        fputs("tend", cli->err);
        for (int i = 0; i < cli->argc; i++) {
                const char *w = i == from ? instead : cli->argv[i];

                if (from >= 0 && i > from && i <= to)
                        continue;
                if (!*w || strpbrk(w, " \t'\"\\$"))
                        fprintf(cli->err, " \"%s\"", w);
                else
                        fprintf(cli->err, " %s", w);
        }
}

static int report_ambiguous(struct cli *cli, const char *error, json_t *params, const char *what,
                            const char *key, const char *label)
{
        json_t *candidates = json_object_get(params, "candidates"), *c;
        const char *word = param_str(params, key);
        long long example = 0;
        int width = 1;
        size_t i;

        json_array_foreach(candidates, i, c)
        {
                long long id = (long long)json_integer_value(json_object_get(c, "id"));
                int w = snprintf(NULL, 0, "%lld", id);

                if (!example)
                        example = id;
                if (w > width)
                        width = w;
        }
        if (cli->json_errors)
                return cli_fail_named(cli, -EADDRNOTAVAIL, error, params,
                                      "'%s' matches %zu %s; name one by its id instead, "
                                      "e.g. #%lld",
                                      word, json_array_size(candidates), what, example);
        fprintf(cli->err, "tend: '%s' matches %zu %s:\n", word, json_array_size(candidates), what);
        json_array_foreach(candidates, i, c)
        {
                fprintf(cli->err, "  #%-*lld  %s\n", width,
                        (long long)json_integer_value(json_object_get(c, "id")),
                        param_str(c, label));
        }
        if (cli->argc > 0) {
                char id[32];

                snprintf(id, sizeof(id), "%lld", example);
                fputs("Name one by its id instead, e.g. '", cli->err);
                print_instead(cli, word, id);
                fputs("'.\n", cli->err);
        }
        cli->exit_code = CLI_EXIT_FAILED;
        return -EADDRNOTAVAIL;
}

static int report_error(struct cli *cli, const char *error, json_t *params)
{
        _cleanup_free_ char *dump = NULL;

        if (streq(error, "io.tend.Contacts.NoSuchContact"))
                return cli_fail_named(cli, -ENOENT, error, params, "no contact matches '%s'",
                                      param_str(params, "who"));
        if (streq(error, "io.tend.Contacts.AmbiguousContact"))
                return report_ambiguous(cli, error, params, "contacts", "who", "name");
        if (streq(error, "io.tend.Capture.NotFound"))
                return cli_fail_named(cli, -ENOENT, error, params,
                                      "'%s' is no contact, address (name@example.com) or "
                                      "domain (@example.com)",
                                      param_str(params, "what"));
        if (streq(error, "io.tend.Goals.NoSuchGoal"))
                return cli_fail_named(cli, -ENOENT, error, params,
                                      "no goal matches '%s' ('tend goal ls' lists them)",
                                      param_str(params, "goal"));
        if (streq(error, "io.tend.Goals.AmbiguousGoal"))
                return report_ambiguous(cli, error, params, "goals", "goal", "title");
        if (streq(error, "io.tend.Goals.NotLinked"))
                return cli_fail_named(cli, -ENOENT, error, params,
                                      "%s is not linked to goal \"%s\"",
                                      param_str(json_object_get(params, "contact"), "name"),
                                      param_str(json_object_get(params, "goal"), "title"));
        if (streq(error, "io.tend.Network.NoSuchIntroduction")) {
                if (json_object_get(params, "id"))
                        return cli_fail(
                            cli, -ENOENT, "no introduction #%lld ('tend intro ls' lists them)",
                            (long long)json_integer_value(json_object_get(params, "id")));
                return cli_fail_named(cli, -ENOENT, error, params,
                                      "you have not introduced %s and %s",
                                      param_str(json_object_get(params, "a"), "name"),
                                      param_str(json_object_get(params, "b"), "name"));
        }
        if (streq(error, "io.tend.Network.PipelineFinished"))
                return cli_fail_named(cli, -EALREADY, error, params,
                                      "%s is already at the last stage (ongoing); use --stage to "
                                      "move them elsewhere",
                                      param_str(json_object_get(params, "contact"), "name"));
        if (streq(error, "io.tend.Contacts.EmailInUse")) {
                json_t *c = json_object_get(params, "contact");
                long long id = (long long)json_integer_value(json_object_get(c, "id"));

                /* The way out: one record for one person. */
                if (cli->command && streq(cli->command->verb, "edit") && cli->argc > 1)
                        return cli_fail_named(
                            cli, -EEXIST, error, params,
                            "%s already belongs to %s (#%lld); if they are one "
                            "person, 'tend merge %lld %s' makes one record of two",
                            param_str(params, "email"), param_str(c, "name"), id, id, cli->argv[1]);
                return cli_fail_named(
                    cli, -EEXIST, error, params,
                    "%s already belongs to %s (#%lld); if they are one person, add "
                    "to them with 'tend edit %lld', or make one record of two with "
                    "'tend merge %lld OTHER'",
                    param_str(params, "email"), param_str(c, "name"), id, id, id);
        }
        if (streq(error, "io.tend.Contacts.NameInUse")) {
                json_t *c = json_object_get(params, "contact");
                long long id = (long long)json_integer_value(json_object_get(c, "id"));

                return cli_fail_named(cli, -EEXIST, error, params,
                                      "%s (#%lld) already has the name '%s'; --new %s anyway, and "
                                      "'tend merge %lld OTHER' makes one person of two records",
                                      param_str(c, "name"), id, param_str(params, "name"),
                                      cli->command && streq(cli->command->verb, "edit")
                                          ? "renames"
                                          : "adds a second person of that name",
                                      id);
        }
        if (streq(error, "io.tend.Goals.TitleInUse")) {
                json_t *g = json_object_get(params, "goal");

                return cli_fail_named(
                    cli, -EEXIST, error, params,
                    "goal #%lld already has the title \"%s\"; --new adds a second "
                    "goal of that title anyway",
                    (long long)json_integer_value(json_object_get(g, "id")), param_str(g, "title"));
        }
        if (streq(error, "io.tend.Service.InvalidValue"))
                return cli_fail_named(cli, -EINVAL, error, params, "invalid %s: %s",
                                      param_str(params, "parameter"), param_str(params, "reason"));
        if (streq(error, "org.varlink.service.InvalidParameter"))
                return cli_fail_named(
                    cli, -EINVAL, error, params,
                    "tendd rejected the parameter '%s' (is tendd the same version "
                    "as tend %s?)",
                    param_str(params, "parameter"), TEND_VERSION);
        if (streq(error, "org.varlink.service.MethodNotFound") ||
            streq(error, "org.varlink.service.InterfaceNotFound"))
                return cli_fail_named(cli, -EOPNOTSUPP, error, params,
                                      "tendd does not know %s (is it older than tend %s?)",
                                      json_object_get(params, "method")
                                          ? param_str(params, "method")
                                          : param_str(params, "interface"),
                                      TEND_VERSION);
        if (streq(error, "io.tend.Service.DiskFull"))
                return cli_fail_named(cli, -ENOSPC, error, params,
                                      "the disk is full (or tendd's store reached its size limit); "
                                      "nothing was changed");
        if (streq(error, "io.tend.Service.StorageFailed"))
                return cli_fail_named(cli, -EIO, error, params,
                                      "tendd's store failed (%s); nothing was changed",
                                      param_str(params, "reason"));
        if (streq(error, "io.tend.Service.MessageTooLarge"))
                return cli_fail_named(
                    cli, -EMSGSIZE, error, params,
                    "the request is larger than tendd accepts (%lld bytes)",
                    (long long)json_integer_value(json_object_get(params, "limit")));
        if (streq(error, "io.tend.Service.InternalError") ||
            streq(error, "io.tend.Service.InvalidMessage"))
                return cli_fail_named(cli, -EPROTO, error, params, "tendd failed: %s",
                                      param_str(params, "reason"));

        dump = json_dumps(params, JSON_COMPACT);
        return cli_fail_named(cli, -EPROTO, error, params, "tendd replied with the error %s %s",
                              error, dump ? dump : "");
}

static int report_transport(struct cli *cli, int r)
{
        switch (r) {
        case -ETIMEDOUT:
                return cli_fail_named(cli, r, CLI_ERROR_CONNECTION, NULL,
                                      "tendd did not answer within %u seconds",
                                      tend_conn_timeout(cli->conn));
        case -ECONNRESET:
                return cli_fail_named(cli, r, CLI_ERROR_CONNECTION, NULL,
                                      "tendd closed the connection without answering");
        case -EBADMSG:
                return cli_fail_named(cli, r, CLI_ERROR_CONNECTION, NULL,
                                      "tendd sent a reply that is not a varlink reply");
        case -EMSGSIZE:
                return cli_fail_named(cli, r, CLI_ERROR_CONNECTION, NULL,
                                      "tendd's reply is larger than %u MiB",
                                      TEND_CONN_REPLY_MAX >> 20);
        default:
                return cli_fail_named(cli, r, CLI_ERROR_CONNECTION, NULL,
                                      "talking to tendd failed: %s", strerror(-r));
        }
}

static int reply_params(struct cli *cli, json_t *reply, json_t **ret_params);

int cli_call(struct cli *cli, const char *method, json_t *params, json_t **ret_params)
{
        json_t *reply = NULL;
        int r;

        if (!cli->conn) {
                r = cli_connect(cli);
                if (r < 0) {
                        json_decref(params);
                        return r;
                }
        }
        r = tend_conn_call(cli->conn, method, params, &reply);
        if (r < 0)
                return report_transport(cli, r);
        return reply_params(cli, reply, ret_params);
}

int cli_send(struct cli *cli, const char *msg, size_t len)
{
        int r;

        if (!cli->conn) {
                r = cli_connect(cli);
                if (r < 0)
                        return r;
        }
        r = tend_conn_send(cli->conn, msg, len);
        return r < 0 ? report_transport(cli, r) : 0;
}

int cli_receive_raw(struct cli *cli, json_t **ret_reply)
{
        int r;

        if (!cli->conn)
                return cli_fail(cli, -ENOTCONN, "no call to tendd is waiting for a reply");
        r = tend_conn_receive(cli->conn, ret_reply);
        return r < 0 ? report_transport(cli, r) : 0;
}

int cli_receive(struct cli *cli, json_t **ret_params)
{
        json_t *reply = NULL;
        int r;

        r = cli_receive_raw(cli, &reply);
        if (r < 0)
                return r;
        return reply_params(cli, reply, ret_params);
}

int cli_reply_params(struct cli *cli, json_t *reply, json_t **ret_params)
{
        return reply_params(cli, reply, ret_params);
}

/* A reply (stolen): its parameters, or its error reported. */
static int reply_params(struct cli *cli, json_t *reply, json_t **ret_params)
{
        const char *error;
        json_t *p;
        int r;

        error = json_string_value(json_object_get(reply, "error"));
        p = json_object_get(reply, "parameters");
        if (error) {
                _cleanup_(json_decrefp) json_t *empty = json_object();

                r = report_error(cli, error, p ? p : empty);
                json_decref(reply);
                return r;
        }
        p = p ? json_incref(p) : json_object();
        json_decref(reply);
        if (!p)
                return cli_fail(cli, -ENOMEM, "out of memory");
        *ret_params = p;
        return 0;
}

struct more_ctx {
        struct cli *cli;
        int (*cb)(struct cli *cli, json_t *params, void *userdata);
        void *userdata;
        bool reported;
};

static int more_reply(json_t *reply, void *userdata)
{
        struct more_ctx *m = userdata;
        const char *error = json_string_value(json_object_get(reply, "error"));
        json_t *p = json_object_get(reply, "parameters");
        _cleanup_(json_decrefp) json_t *empty = json_object();

        if (!p && !empty)
                return -ENOMEM;
        if (error) {
                m->reported = true;
                return report_error(m->cli, error, p ? p : empty);
        }
        return m->cb(m->cli, p ? p : empty, m->userdata);
}

int cli_call_more(struct cli *cli, const char *method, json_t *params,
                  int (*cb)(struct cli *cli, json_t *params, void *userdata), void *userdata)
{
        struct more_ctx m = {.cli = cli, .cb = cb, .userdata = userdata};
        int r;

        if (!cli->conn) {
                r = cli_connect(cli);
                if (r < 0) {
                        json_decref(params);
                        return r;
                }
        }
        r = tend_conn_call_more(cli->conn, method, params, more_reply, &m);
        if (r < 0 && !m.reported && cli->exit_code < 0)
                return report_transport(cli, r);
        return r;
}

/* ---- running ---- */

static int run(struct cli *cli, int argc, char **argv)
{
        _cleanup_free_ struct option *longopts = NULL;
        const struct option_help *o;
        const struct command *cmd;
        int r;

        r = build_longopts(cli_global_options(), NULL, &longopts);
        if (r < 0)
                return cli_fail(cli, r, "out of memory");

        /* Global options before the command; "+" stops at the verb. */
        optind = 0;
        opterr = 0;
        for (;;) {
                int c = getopt_long(argc, argv, "+:h", longopts, NULL);

                if (c == -1)
                        break;
                switch (c) {
                case CLI_OPT_JSON:
                        cli->json = cli->json_errors = true;
                        break;
                case CLI_OPT_SOCKET:
                        cli->socket_arg = optarg;
                        break;
                case CLI_OPT_NO_PAGER:
                        cli->no_pager = true;
                        break;
                case 'h':
                case CLI_OPT_HELP:
                        cli_print_help(cli->out);
                        return 0;
                case CLI_OPT_VERSION:
                        fprintf(cli->out, "tend %s\n", TEND_VERSION);
                        return 0;
                case ':':
                        o = find_option(NULL, optopt);
                        return cli_usage(cli, "option '--%s' needs an argument (%s)",
                                         o ? o->name : "?", o ? strempty(o->arg) : "?");
                default: {
                        const char *token = argv[optind - 1];

                        o = find_option(NULL, optopt);
                        if (o && optopt >= CLI_OPT_JSON)
                                return cli_usage(cli, "option '--%s' takes no argument", o->name);
                        if (optopt > 0)
                                return cli_usage(cli, "unknown option '-%c'", optopt);
                        return cli_usage(cli, "unknown option '%.*s'", (int)strcspn(token, "="),
                                         token);
                }
                }
        }
        if (optind >= argc)
                return cli_usage(cli, "no command given");
        if (cmd_complete_is_hidden(argv[optind]))
                return cmd_complete_run(cli, argc - optind, argv + optind);

        cmd = cli_find_command(argv[optind]);
        if (!cmd)
                return unknown_command(cli, argv[optind]);
        cli->command = cmd;
        cli->argc = argc - optind;
        cli->argv = argv + optind;
        return cmd->run(cli, argc - optind, argv + optind);
}

void cli_stream_output(struct cli *cli)
{
        if (!cli->pager.held)
                return;
        pager_release(&cli->pager);
        cli->out = cli->pager.real;
}

int cli_run(const struct cli_io *io, int argc, char **argv)
{
        struct cli cli = {
            .out = io->out,
            .err = io->err,
            .in = io->in ? io->in : stdin,
            .in_tty = io->in_tty,
            .out_tty = io->out_tty,
            .color = io->color,
            .now = io->now ? io->now : time_now(),
            .width = io->width,
            .exit_code = -1,
        };
        int r, code, written = 0;

        /* On a terminal, output is held back until it is known whether it fits the screen. */
        if (io->rows > 0 && io->pager && io->pager[0] &&
            pager_start(&cli.pager, io->out, io->rows, io->width, io->pager) >= 0)
                cli.out = cli.pager.held;

        /* Errors found before the parser reaches --json are JSON too. */
        for (int i = 1; i < argc && !streq(argv[i], "--"); i++)
                if (streq(argv[i], "--json"))
                        cli.json_errors = true;

        r = run(&cli, argc, argv);
        if (r < 0)
                code = cli.exit_code >= 0 ? cli.exit_code : CLI_EXIT_FAILED;
        else
                code = CLI_EXIT_OK;

        tend_conn_free(cli.conn);
        free(cli.socket_path);

        if (cli.pager.held) {
                cli.out = cli.pager.real;
                written = pager_finish(&cli.pager, !cli.no_pager);
        }
        if (written < 0 || fflush(cli.out) != 0 || ferror(cli.out)) {
                cli_fail(&cli, -EIO, "cannot write the output: %s", strerror(errno));
                if (code == CLI_EXIT_OK)
                        code = CLI_EXIT_FAILED;
        }
        return code;
}

/* A positive number from the environment, or 0. */
static size_t env_size(const char *name)
{
        const char *s = getenv(name);
        char *end = NULL;
        unsigned long v;

        if (!s || !s[0])
                return 0;
        errno = 0;
        v = strtoul(s, &end, 10);
        return errno || *end || v > 10000 ? 0 : (size_t)v;
}

int cli_main(int argc, char **argv, FILE *out, FILE *err)
{
        bool tty = isatty(fileno(out)) == 1;
        const char *pager = getenv("PAGER");
        struct winsize ws = {0};
        struct cli_io io = {
            .out = out,
            .err = err,
            .in = stdin,
            .in_tty = isatty(STDIN_FILENO) == 1,
            .out_tty = tty,
            .color = output_color_wanted(tty, getenv("NO_COLOR"), getenv("TERM")),
        };

        if (tty && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
                io.width = ws.ws_col;
        else
                io.width = env_size("COLUMNS");
        /* Only a terminal gets a pager, never a pipe or a file. */
        if (tty) {
                io.rows = ws.ws_row > 0 ? ws.ws_row : env_size("LINES");
                if (io.rows == 0)
                        io.rows = DEFAULT_ROWS;
                io.pager = pager ? pager : DEFAULT_PAGER;
        }
        return cli_run(&io, argc, argv);
}
