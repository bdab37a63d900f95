#include "cli.h"

#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd-complete.h"
#include "commands.h"
#include "conn.h"
#include "output.h"
#include "paths.h"
#include "timeutil.h"

#define NETWORK_VALUES "operational personal strategic"

/* ---- the table ---- */

static const struct option_help add_options[] = {
    {"network", CLI_OPT_NETWORK, "NETWORK",
     "operational, personal or strategic; repeat or comma-separate (prefixes work)",
     NETWORK_VALUES},
    {"email", CLI_OPT_EMAIL, "ADDR", "an email address (repeatable)", NULL},
    {"phone", CLI_OPT_PHONE, "NUM", "a phone number (repeatable)", NULL},
    {"url", CLI_OPT_URL, "URL", "a web address such as a profile page (repeatable)", NULL},
    {"org", CLI_OPT_ORG, "ORG", "organisation", NULL},
    {"title", CLI_OPT_TITLE, "TITLE", "job title", NULL},
    {"tag", CLI_OPT_TAG, "TAG", "a tag (repeatable)", NULL},
    {"every", CLI_OPT_EVERY, "DURATION", "keep in touch this often: 2w, 1mo, 3mo…", NULL},
    {"due", CLI_OPT_DUE, "DATE", "next follow-up (default: one cadence from now)", NULL},
    {"met-via", CLI_OPT_MET_VIA, "WHO", "the contact who introduced you", NULL},
    {"how-met", CLI_OPT_HOW_MET, "TEXT", "how or where you met", NULL},
    {"note", CLI_OPT_NOTE, "TEXT", "notes about them", NULL},
    {"internal", CLI_OPT_INTERNAL, NULL, "inside your organisation", NULL},
    {"external", CLI_OPT_EXTERNAL, NULL, "outside your organisation", NULL},
    {"brings", CLI_OPT_BRINGS, "TEXT", "what they bring to the table ('' clears)", NULL},
    {0},
};

static const struct option_help edit_options[] = {
    {"name", CLI_OPT_NAME, "NAME", "rename them", NULL},
    {"network", CLI_OPT_NETWORK, "NETWORK",
     "add to a network; repeat or comma-separate (prefixes work)", NETWORK_VALUES},
    {"drop-network", CLI_OPT_DROP_NETWORK, "NETWORK", "remove from a network", NETWORK_VALUES},
    {"email", CLI_OPT_EMAIL, "ADDR", "add an email address (repeatable)", NULL},
    {"drop-email", CLI_OPT_DROP_EMAIL, "ADDR", "remove an email address", NULL},
    {"phone", CLI_OPT_PHONE, "NUM", "add a phone number (repeatable)", NULL},
    {"drop-phone", CLI_OPT_DROP_PHONE, "NUM", "remove a phone number", NULL},
    {"url", CLI_OPT_URL, "URL", "add a web address (repeatable)", NULL},
    {"drop-url", CLI_OPT_DROP_URL, "URL", "remove a web address", NULL},
    {"tag", CLI_OPT_TAG, "TAG", "add a tag (repeatable)", NULL},
    {"untag", CLI_OPT_UNTAG, "TAG", "remove a tag", NULL},
    {"org", CLI_OPT_ORG, "ORG", "set the organisation ('' clears)", NULL},
    {"title", CLI_OPT_TITLE, "TITLE", "set the job title ('' clears)", NULL},
    {"every", CLI_OPT_EVERY, "DURATION", "set the cadence: 2w, 1mo, 3mo…", NULL},
    {"no-cadence", CLI_OPT_NO_CADENCE, NULL, "remove the cadence", NULL},
    {"due", CLI_OPT_DUE, "DATE", "set the next follow-up", NULL},
    {"no-due", CLI_OPT_NO_DUE, NULL, "remove the next follow-up", NULL},
    {"met-via", CLI_OPT_MET_VIA, "WHO", "the contact who introduced you ('' clears)", NULL},
    {"how-met", CLI_OPT_HOW_MET, "TEXT", "how or where you met ('' clears)", NULL},
    {"note", CLI_OPT_NOTE, "TEXT", "replace the notes ('' clears)", NULL},
    {"internal", CLI_OPT_INTERNAL, NULL, "inside your organisation", NULL},
    {"external", CLI_OPT_EXTERNAL, NULL, "outside your organisation", NULL},
    {"brings", CLI_OPT_BRINGS, "TEXT", "what they bring to the table ('' clears)", NULL},
    {0},
};

static const struct option_help rm_options[] = {
    {"yes", CLI_OPT_YES, NULL, "do not ask (needed when stdin is not a terminal)", NULL},
    {0},
};

static const struct option_help ls_options[] = {
    {"network", CLI_OPT_NETWORK, "NETWORK", "only people in this network", NETWORK_VALUES},
    {"tag", CLI_OPT_TAG, "TAG", "only people with this tag", NULL},
    {"due-before", CLI_OPT_DUE_BEFORE, "DATE", "only people due before DATE, soonest first", NULL},
    {"limit", CLI_OPT_LIMIT, "N", "at most N people (default: all)", NULL},
    {0},
};

static const struct option_help find_options[] = {
    {"limit", CLI_OPT_LIMIT, "N", "at most N people (default: all)", NULL},
    {0},
};

static const struct option_help log_options[] = {
    {"at", CLI_OPT_AT, "DATE", "when it happened (default: now)", NULL},
    {"gave", CLI_OPT_GAVE, "TEXT", "what you offered", NULL},
    {"got", CLI_OPT_GOT, "TEXT", "what they brought to the table", NULL},
    {"goal", CLI_OPT_GOAL, "GOAL", "the goal it was toward (listed by 'tend goal show')", NULL},
    {0},
};

static const struct option_help history_options[] = {
    {"limit", CLI_OPT_LIMIT, "N", "only the N most recent (default: all)", NULL},
    {0},
};

static const struct option_help due_options[] = {
    {"within", CLI_OPT_WITHIN, "DURATION", "also people due within DURATION from now", NULL},
    {"limit", CLI_OPT_LIMIT, "N", "at most N people (default: all)", NULL},
    {0},
};

static const struct option_help no_options[] = {
    {0},
};

static const struct option_help global_options[] = {
    {"json", CLI_OPT_JSON, NULL, "print the result as JSON", NULL},
    {"socket", CLI_OPT_SOCKET, "PATH", "talk to tendd at PATH", NULL},
    {"help", CLI_OPT_HELP, NULL, "show help (also -h)", NULL},
    {"version", CLI_OPT_VERSION, NULL, "show tend's version", NULL},
    {0},
};

static int cmd_help(struct cli *cli, int argc, char **argv);

static const struct command commands[] = {
    {"add", "NAME", commands_add, "Add a person", add_options,
     "A cadence (--every) without --due makes them due one cadence from now."},
    {"show", "WHO", commands_show, "Show a person and their recent interactions", no_options,
     "Also the goals they are linked to (with why) and their pipeline stage."},
    {"edit", "WHO", commands_edit, "Change a person", edit_options,
     "Options not given keep their value; list options add or drop single entries."},
    {"rm", "WHO", commands_rm, "Remove a person and their interactions", rm_options,
     "Asks first when stdin is a terminal; otherwise --yes is required."},
    {"ls", "", commands_ls, "List people", ls_options,
     "Sorted by name, or by follow-up date with --due-before."},
    {"find", "TEXT...", commands_find, "Search names, organisations, titles, emails and tags",
     find_options, "Every word must match the start of a word in one of those fields."},
    {"log", "WHO KIND [NOTE...]", commands_log, "Log an interaction", log_options,
     "KIND is a word such as coffee, call, informational-interview, email, message,\n"
     "meeting, event, intro or referral. Their next follow-up moves one cadence on.\n"
     "--goal GOAL records that it was toward a goal (see 'tend goal show')."},
    {"history", "WHO", commands_history, "Show the interactions with a person", history_options,
     NULL},
    {"due", "", commands_due, "Show who is due for a follow-up, overdue first", due_options, NULL},
    {"snooze", "WHO DURATION|DATE...", commands_snooze, "Move a person's next follow-up",
     no_options, "A DURATION counts from now: 'tend snooze jane 3d', 'tend snooze jane fri'."},
    {"done", "WHO [NOTE...]", commands_done, "Mark a follow-up done (logs a follow-up interaction)",
     no_options, cmd_done_help},
    {"watch", "", commands_watch, "Print follow-up events as they happen", no_options,
     cmd_watch_help},
    {"status", "", commands_status, "Show what tendd is doing", no_options, NULL},
    {"plan", "", commands_plan, "Who to reach out to this week, ranked, with reasons",
     cmd_plan_options,
     "Overdue follow-ups, goal people, under-served networks for your profile,\n"
     "people you owe (ledger), pipeline steps and warm paths to prospects."},
    {"goal", "SUBCOMMAND [ARGS...]", commands_goal,
     "Goals: add, ls, show, link, unlink, done, reopen, rm", cmd_goal_options, cmd_goal_help},
    {"prospect", "SUBCOMMAND [ARGS...]", commands_prospect, "The outreach pipeline: add, next, ls",
     cmd_prospect_options, cmd_prospect_help},
    {"intro", "A [B...]", commands_intro,
     "Record that you introduced A and B ('intro ls [WHO]', 'intro rm A B|ID')", cmd_intro_options,
     "Quote names with spaces. 'tend intro ls [WHO]' lists introductions (with ids);\n"
     "'tend intro rm A B' removes those between A and B, 'tend intro rm ID' one by id."},
    {"path", "WHO...", commands_path, "Warm paths: chains of people you know that lead to WHO",
     cmd_path_options,
     "Through who introduced you to whom (--met-via), your introductions (tend intro) and\n"
     "shared organisations, starting from people you have been in touch with; best first."},
    {"graph", "", commands_graph, "Your network as Graphviz DOT (or SVG), coloured by network",
     cmd_graph_options, "SVG needs Graphviz's dot program: 'tend graph --format svg > net.svg'."},
    {"ledger", "[WHO...]", commands_ledger, "What you gave and got, per person and in total",
     no_options, "From 'tend log ... --gave TEXT --got TEXT'; flags people you only ever asked."},
    {"health", "", commands_health, "Per-network figures and the balance against your profile",
     no_options, NULL},
    {"profile", "[SUBCOMMAND] [PROFILE]", commands_profile,
     "Your profile: show, set job-seeking|growing|founder", cmd_profile_options, cmd_profile_help},
    {"me", "[SUBCOMMAND] [TEXT...]", commands_me, "You: your profile and what you offer",
     cmd_me_options, cmd_me_help},
    {"import", "FILE|-", commands_import,
     "Bring in an address book, a LinkedIn export or a tend export", cmd_import_options,
     cmd_import_help},
    {"export", "", commands_export,
     "Take everything out: vCard, iCalendar follow-ups or JSON lines", cmd_export_options,
     cmd_export_help},
    {"backup", "FILE", commands_backup, "Write a consistent copy of the store while tendd runs",
     no_options, cmd_backup_help},
    {"restore", "FILE", commands_restore, "Put a backup in place (tendd stopped)",
     cmd_restore_options, cmd_restore_help},
    {"help", "[COMMAND]", cmd_help, "Show help for tend or one command", no_options, NULL},
};

const struct command *cli_commands(size_t *ret_n)
{
        *ret_n = ARRAY_SIZE(commands);
        return commands;
}

const struct command *cli_find_command(const char *verb)
{
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
                if (streq(commands[i].verb, verb))
                        return &commands[i];
        return NULL;
}

const struct option_help *cli_global_options(void)
{
        return global_options;
}

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
        size_t best_d = SIZE_MAX, n_prefix = 0, len = strlen(word);

        for (size_t i = 0; i < ARRAY_SIZE(synonyms); i++)
                if (strcasecmp(word, synonyms[i][0]) == 0)
                        return synonyms[i][1];
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
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

int cli_usage(struct cli *cli, const char *fmt, ...)
{
        va_list ap;

        fputs("tend: ", cli->err);
        va_start(ap, fmt);
        vfprintf(cli->err, fmt, ap);
        va_end(ap);
        if (cli->command)
                fprintf(cli->err, "\nTry 'tend help %s'.\n", cli->command->verb);
        else
                fputs("\nTry 'tend --help'.\n", cli->err);
        cli->exit_code = CLI_EXIT_USAGE;
        return -EINVAL;
}

int cli_fail(struct cli *cli, int r, const char *fmt, ...)
{
        va_list ap;

        fputs("tend: ", cli->err);
        va_start(ap, fmt);
        vfprintf(cli->err, fmt, ap);
        va_end(ap);
        fputc('\n', cli->err);
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
        size_t width = 0;

        fputs(
            "Usage: tend [--json] [--socket PATH] COMMAND [ARGUMENTS] [OPTIONS]\n\n"
            "Keep in touch with the people who matter. tend asks the tendd daemon, which keeps\n"
            "your contacts, what happened between you, and when each one is due for a follow-up.\n"
            "\nCommands:\n",
            f);
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
                size_t w = strlen(commands[i].verb) + 1 + strlen(commands[i].args);

                if (w > width)
                        width = w;
        }
        for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
                char left[128];

                snprintf(left, sizeof(left), "%s %s", commands[i].verb, commands[i].args);
                fprintf(f, "  %-*s  %s\n", (int)width, left, commands[i].summary);
        }
        fputs("\nGlobal options (before or after the command):\n", f);
        print_options(global_options, f);
        fputs("\nThe socket is --socket PATH, else $TEND_SOCKET, else "
              "$XDG_RUNTIME_DIR/tend/tendd.sock.\n"
              "WHO names a person: an id, an email address, a name or a unique name prefix.\n"
              "DATE: 2026-12-01, '2026-12-01 09:00', today, tomorrow, fri, +3d, 'in 2 weeks'.\n"
              "DURATION: 45m, 3h, 3d, 2w, 1mo, 1y, '2 weeks'; several add up: '1w 2d'.\n"
              "NETWORK: operational, personal or strategic, or a unique prefix (op, pe, st).\n"
              "\nExit status:\n"
              "  0  success\n"
              "  1  the request failed (no such contact, invalid value, storage error…)\n"
              "  2  usage error (unknown command or option, bad date, duration or network);\n"
              "     nothing was sent to tendd\n"
              "  3  tendd could not be reached\n"
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

static int cmd_help(struct cli *cli, int argc, char **argv)
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
        for (const struct option_help *o = global_options; o->name; o++)
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
        r = build_longopts(cli->command->options, global_options, &p->longopts);
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
                        cli->json = true;
                        break;
                case CLI_OPT_SOCKET:
                        cli->socket_arg = optarg;
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
                        return cli_fail(cli, r,
                                        "cannot find tendd's socket (%s); set $XDG_RUNTIME_DIR "
                                        "or $TEND_SOCKET, or pass --socket PATH",
                                        strerror(-r));
                }
        }
        if (r < 0)
                return cli_fail(cli, r, "out of memory");

        r = tend_conn_open(cli->socket_path, &cli->conn);
        if (r < 0) {
                cli->exit_code = CLI_EXIT_UNREACHABLE;
                if (r == -ENOENT || r == -ECONNREFUSED)
                        return cli_fail(cli, r,
                                        "cannot reach tendd at %s (%s); start it with "
                                        "'systemctl --user start tendd' or run 'tendd'",
                                        cli->socket_path, strerror(-r));
                return cli_fail(cli, r, "cannot reach tendd at %s (%s)", cli->socket_path,
                                strerror(-r));
        }
        return 0;
}

static const char *param_str(json_t *params, const char *key)
{
        const char *s = json_string_value(json_object_get(params, key));

        return s ? s : "?";
}

static int report_ambiguous(struct cli *cli, json_t *params)
{
        json_t *candidates = json_object_get(params, "candidates"), *c;
        long long example = 0;
        int width = 1;
        size_t i;

        fprintf(cli->err, "tend: '%s' matches %zu contacts:\n", param_str(params, "who"),
                json_array_size(candidates));
        json_array_foreach(candidates, i, c)
        {
                int w = snprintf(NULL, 0, "%lld",
                                 (long long)json_integer_value(json_object_get(c, "id")));

                if (w > width)
                        width = w;
        }
        json_array_foreach(candidates, i, c)
        {
                long long id = (long long)json_integer_value(json_object_get(c, "id"));

                if (!example)
                        example = id;
                fprintf(cli->err, "  #%-*lld  %s\n", width, id, param_str(c, "name"));
        }
        fprintf(cli->err, "Name them by id instead, e.g. 'tend %s %lld'.\n",
                cli->command ? cli->command->verb : "show", example);
        cli->exit_code = CLI_EXIT_FAILED;
        return -EADDRNOTAVAIL;
}

static int report_error(struct cli *cli, const char *error, json_t *params)
{
        _cleanup_free_ char *dump = NULL;

        if (streq(error, "io.tend.Contacts.NoSuchContact"))
                return cli_fail(cli, -ENOENT, "no contact matches '%s'", param_str(params, "who"));
        if (streq(error, "io.tend.Contacts.AmbiguousContact"))
                return report_ambiguous(cli, params);
        if (streq(error, "io.tend.Goals.NoSuchGoal"))
                return cli_fail(cli, -ENOENT, "no goal matches '%s' ('tend goal ls' lists them)",
                                param_str(params, "goal"));
        if (streq(error, "io.tend.Goals.AmbiguousGoal"))
                return cli_fail(cli, -EADDRNOTAVAIL,
                                "'%s' matches %lld goals; name one by its id ('tend goal ls')",
                                param_str(params, "goal"),
                                (long long)json_integer_value(json_object_get(params, "total")));
        if (streq(error, "io.tend.Goals.NotLinked"))
                return cli_fail(cli, -ENOENT, "%s is not linked to goal \"%s\"",
                                param_str(json_object_get(params, "contact"), "name"),
                                param_str(json_object_get(params, "goal"), "title"));
        if (streq(error, "io.tend.Network.NoSuchIntroduction")) {
                if (json_object_get(params, "id"))
                        return cli_fail(
                            cli, -ENOENT, "no introduction #%lld ('tend intro ls' lists them)",
                            (long long)json_integer_value(json_object_get(params, "id")));
                return cli_fail(cli, -ENOENT, "you have not introduced %s and %s",
                                param_str(json_object_get(params, "a"), "name"),
                                param_str(json_object_get(params, "b"), "name"));
        }
        if (streq(error, "io.tend.Network.PipelineFinished"))
                return cli_fail(cli, -EALREADY,
                                "%s is already at the last stage (ongoing); use --stage to "
                                "move them elsewhere",
                                param_str(json_object_get(params, "contact"), "name"));
        if (streq(error, "io.tend.Contacts.EmailInUse")) {
                json_t *c = json_object_get(params, "contact");

                return cli_fail(cli, -EEXIST, "%s already belongs to %s (#%lld)",
                                param_str(params, "email"), param_str(c, "name"),
                                (long long)json_integer_value(json_object_get(c, "id")));
        }
        if (streq(error, "io.tend.Service.InvalidValue"))
                return cli_fail(cli, -EINVAL, "invalid %s: %s", param_str(params, "parameter"),
                                param_str(params, "reason"));
        if (streq(error, "org.varlink.service.InvalidParameter"))
                return cli_fail(cli, -EINVAL,
                                "tendd rejected the parameter '%s' (is tendd the same version "
                                "as tend %s?)",
                                param_str(params, "parameter"), TEND_VERSION);
        if (streq(error, "org.varlink.service.MethodNotFound") ||
            streq(error, "org.varlink.service.InterfaceNotFound"))
                return cli_fail(cli, -EOPNOTSUPP,
                                "tendd does not know %s (is it older than tend %s?)",
                                json_object_get(params, "method") ? param_str(params, "method")
                                                                  : param_str(params, "interface"),
                                TEND_VERSION);
        if (streq(error, "io.tend.Service.DiskFull"))
                return cli_fail(cli, -ENOSPC,
                                "the disk is full (or tendd's store reached its size limit); "
                                "nothing was changed");
        if (streq(error, "io.tend.Service.StorageFailed"))
                return cli_fail(cli, -EIO, "tendd's store failed (%s); nothing was changed",
                                param_str(params, "reason"));
        if (streq(error, "io.tend.Service.MessageTooLarge"))
                return cli_fail(cli, -EMSGSIZE,
                                "the request is larger than tendd accepts (%lld bytes)",
                                (long long)json_integer_value(json_object_get(params, "limit")));
        if (streq(error, "io.tend.Service.InternalError") ||
            streq(error, "io.tend.Service.InvalidMessage"))
                return cli_fail(cli, -EPROTO, "tendd failed: %s", param_str(params, "reason"));

        dump = json_dumps(params, JSON_COMPACT);
        return cli_fail(cli, -EPROTO, "tendd replied with the error %s %s", error,
                        dump ? dump : "");
}

static int report_transport(struct cli *cli, int r)
{
        switch (r) {
        case -ETIMEDOUT:
                return cli_fail(cli, r, "tendd did not answer within %d seconds",
                                TEND_CONN_TIMEOUT_SEC);
        case -ECONNRESET:
                return cli_fail(cli, r, "tendd closed the connection without answering");
        case -EBADMSG:
                return cli_fail(cli, r, "tendd sent a reply that is not a varlink reply");
        case -EMSGSIZE:
                return cli_fail(cli, r, "tendd's reply is larger than %u MiB",
                                TEND_CONN_REPLY_MAX >> 20);
        default:
                return cli_fail(cli, r, "talking to tendd failed: %s", strerror(-r));
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

        r = build_longopts(global_options, NULL, &longopts);
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
                        cli->json = true;
                        break;
                case CLI_OPT_SOCKET:
                        cli->socket_arg = optarg;
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
        return cmd->run(cli, argc - optind, argv + optind);
}

int cli_run(const struct cli_io *io, int argc, char **argv)
{
        struct cli cli = {
            .out = io->out,
            .err = io->err,
            .in = io->in ? io->in : stdin,
            .in_tty = io->in_tty,
            .color = io->color,
            .now = io->now ? io->now : time_now(),
            .exit_code = -1,
        };
        int r, code;

        r = run(&cli, argc, argv);
        if (r < 0)
                code = cli.exit_code >= 0 ? cli.exit_code : CLI_EXIT_FAILED;
        else
                code = CLI_EXIT_OK;

        tend_conn_free(cli.conn);
        free(cli.socket_path);

        if (fflush(cli.out) != 0 || ferror(cli.out)) {
                fprintf(cli.err, "tend: cannot write the output: %s\n", strerror(errno));
                if (code == CLI_EXIT_OK)
                        code = CLI_EXIT_FAILED;
        }
        return code;
}

int cli_main(int argc, char **argv, FILE *out, FILE *err)
{
        struct cli_io io = {
            .out = out,
            .err = err,
            .in = stdin,
            .in_tty = isatty(STDIN_FILENO) == 1,
            .color =
                output_color_wanted(isatty(fileno(out)) == 1, getenv("NO_COLOR"), getenv("TERM")),
        };

        return cli_run(&io, argc, argv);
}
