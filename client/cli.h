/* The tend command line: a table of commands {verb, args, handler, help}, global options,
 * dispatch and help. Shell completions and documentation are generated from the same table. */
#pragma once

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pager.h"
#include "util.h"

/* Exit status of tend (documented in `tend --help`). */
enum cli_exit {
        CLI_EXIT_OK = 0,
        CLI_EXIT_FAILED = 1,      /* the request failed: no such contact, invalid value… */
        CLI_EXIT_USAGE = 2,       /* bad command line; nothing was sent to tendd */
        CLI_EXIT_UNREACHABLE = 3, /* tendd could not be reached */
};

/* Names of the errors the client finds itself, in the style of tendd's (shown with --json). */
#define CLI_ERROR_USAGE      "io.tend.Client.Usage"      /* exit 2 */
#define CLI_ERROR_NO_DAEMON  "io.tend.Client.NoDaemon"   /* exit 3 */
#define CLI_ERROR_FAILED     "io.tend.Client.Failed"     /* exit 1: a file, memory, output */
#define CLI_ERROR_CONNECTION "io.tend.Client.Connection" /* exit 1: tendd hung up, no answer */

/* Option ids: the values getopt_long returns (above any character). */
enum cli_option {
        CLI_OPT_JSON = 0x100,
        CLI_OPT_SOCKET,
        CLI_OPT_NO_PAGER,
        CLI_OPT_HELP,
        CLI_OPT_VERSION,
        CLI_OPT_NETWORK,
        CLI_OPT_EMAIL,
        CLI_OPT_PHONE,
        CLI_OPT_URL,
        CLI_OPT_ORG,
        CLI_OPT_TITLE,
        CLI_OPT_TAG,
        CLI_OPT_EVERY,
        CLI_OPT_DUE,
        CLI_OPT_MET_VIA,
        CLI_OPT_HOW_MET,
        CLI_OPT_NOTE,
        CLI_OPT_INTERNAL,
        CLI_OPT_EXTERNAL,
        CLI_OPT_NAME,
        CLI_OPT_UNTAG,
        CLI_OPT_DROP_NETWORK,
        CLI_OPT_DROP_EMAIL,
        CLI_OPT_DROP_PHONE,
        CLI_OPT_DROP_URL,
        CLI_OPT_NO_CADENCE,
        CLI_OPT_NO_DUE,
        CLI_OPT_YES,
        CLI_OPT_DUE_BEFORE,
        CLI_OPT_LIMIT,
        CLI_OPT_AT,
        CLI_OPT_GAVE,
        CLI_OPT_GOT,
        CLI_OPT_WITHIN,
        /* issue 4: goals, network, pipeline (client/cmd-goals.c, client/cmd-network.c) */
        CLI_OPT_BY,
        CLI_OPT_WHY,
        CLI_OPT_ALL,
        CLI_OPT_BRINGS,
        CLI_OPT_GOAL,
        CLI_OPT_VIA,
        CLI_OPT_PLAN,
        CLI_OPT_FORMAT,
        CLI_OPT_STAGE,
        CLI_OPT_GOAL_EVERY,
        CLI_OPT_LINKED,
        /* issue 6: import, export, backup, restore (client/cmd-transfer.c) */
        CLI_OPT_OUT,
        CLI_OPT_DRY_RUN,
        CLI_OPT_STRICT,
        CLI_OPT_FORCE,
        CLI_OPT_DATA_DIR,
        /* tend demo (client/cmd-demo.c) */
        CLI_OPT_REMOVE,
        CLI_OPT_KIND,
        CLI_OPT_NEW_KIND,
        /* one person, one record: add/edit/goal add --new (client/cmd-merge.c) */
        CLI_OPT_NEW,
        /* tend check, tend backup --list */
        CLI_OPT_REPAIR,
        /* tend undo --list (client/cmd-undo.c) */
        CLI_OPT_LIST,
        /* tie strength, who knows whom, companies (client/cmd-network.c, ls) */
        CLI_OPT_SORT,
        CLI_OPT_STRENGTH,
        /* important dates, group interactions, agenda (client/cmd-dates.c, cmd-interactions.c) */
        CLI_OPT_BIRTHDAY,
        CLI_OPT_YEARLY,
        CLI_OPT_REMIND,
        CLI_OPT_WITH,
        CLI_OPT_CLEAR,
};

/* One option of a command, as parsed and as documented. */
struct option_help {
        const char *name;   /* long name without "--"; NULL ends a list */
        int id;             /* enum cli_option */
        const char *arg;    /* argument placeholder ("DATE"), NULL for a flag */
        const char *help;   /* one line */
        const char *values; /* space-separated words a shell may complete, or NULL */
};

struct cli;

/* One command. args names the positional arguments: "WHO KIND [NOTE...]" — a word in brackets
 * is optional and a trailing "..." takes the rest of the line (words joined by spaces); the
 * parser derives the argument counts and its messages from it. */
struct command {
        const char *verb;
        const char *args;
        int (*run)(struct cli *cli, int argc, char **argv);
        const char *summary;
        const struct option_help *options; /* ends with {NULL} */
        const char *description;           /* more lines for `tend help VERB`, or NULL */
};

/** The command table (client/cmd-table.c), in the order `tend --help` lists it. */
const struct command *cli_commands(size_t *ret_n);

/** The command named verb (exactly), or NULL. */
const struct command *cli_find_command(const char *verb);

/** The options every command takes as well (--json, --socket, --help, --version). */
const struct option_help *cli_global_options(void);

/** The verb closest to an unknown word (a known synonym, a unique prefix or an edit distance of
 * at most 2), or NULL. */
const char *cli_suggest(const char *word);

/* Where a run reads and writes; tests substitute streams and the terminal checks. */
struct cli_io {
        FILE *out;
        FILE *err;
        FILE *in;     /* answers to questions (rm) */
        bool in_tty;  /* in is a terminal, so rm may ask */
        bool out_tty; /* out is a terminal (even while a pager holds the output back) */
        bool color;   /* colour on out */
        int64_t now;  /* UTC seconds; 0 = time_now() */
        size_t width; /* columns notes and reasons wrap to; 0: no wrapping */
        /* When out is a terminal: its rows and the pager (a sh -c command) for output longer
         * than that; 0 / NULL: never page. The pager writes to out's file descriptor. */
        size_t rows;
        const char *pager;
};

/** Run tend with argv (argv[0] is the program name) and return its exit status (enum cli_exit).
 * Everything is printed to io's streams. */
int cli_run(const struct cli_io *io, int argc, char **argv);

/** Stop holding output back for a pager: what was written so far goes out now and the rest as it
 * comes (tend watch, which never ends). */
void cli_stream_output(struct cli *cli);

/** cli_run with out/err given, stdin as input, terminal checks and colour from the environment:
 * the width from the terminal (TIOCGWINSZ) or $COLUMNS, the pager from $PAGER (default
 * "less -FRX"; an empty $PAGER pages nothing) when out is a terminal. */
int cli_main(int argc, char **argv, FILE *out, FILE *err);

/* ---- for command handlers (client/cmd-*.c) ---- */

struct tend_conn;

/* State of one run; handlers get it as their first argument. */
struct cli {
        FILE *out, *err, *in;
        bool in_tty;
        bool out_tty; /* cli_io.out_tty */
        bool color;
        bool json;                     /* --json */
        bool json_errors;              /* errors as JSON: --json anywhere before "--" */
        bool no_pager;                 /* --no-pager */
        size_t width;                  /* cli_io.width */
        struct pager pager;            /* holds out back on a terminal (pager.h) */
        const char *socket_arg;        /* --socket PATH, or NULL */
        int64_t now;                   /* when the run started, UTC seconds */
        const struct command *command; /* the command running */
        struct tend_conn *conn;        /* opened by the first cli_call() */
        char *socket_path;             /* resolved socket path */
        int exit_code;                 /* set by whoever reports a failure, -1 while unset */
        int argc;                      /* the command's words (argv[0] the verb), so an */
        char **argv;                   /* error can show the command line to type instead */
};

/* Errors are reported as "tend: MESSAGE" on cli->err, or with --json as one line holding a JSON
 * object {"error": NAME, "message": MESSAGE, "parameters": {...}}: tendd's error name and
 * parameters for the errors it replies, CLI_ERROR_* for those the client finds. */

/** Report a usage error: "tend: MESSAGE" and "Try 'tend help VERB'." (CLI_ERROR_USAGE with
 * {"command": VERB}). Sets exit status 2 and returns -EINVAL. */
int cli_usage(struct cli *cli, const char *fmt, ...) _printf_(2, 3);

/** Report a failure: "tend: MESSAGE" (CLI_ERROR_FAILED). Sets exit status 1 (unless set
 * already) and returns r (a negative errno). */
int cli_fail(struct cli *cli, int r, const char *fmt, ...) _printf_(3, 4);

/** cli_fail with the error's name and parameters (borrowed, NULL for none) for --json. */
int cli_fail_named(struct cli *cli, int r, const char *name, json_t *params, const char *fmt, ...)
    _printf_(5, 6);

/** Call method on tendd (connecting on first use). params is stolen (NULL for none). Returns 0
 * with the reply's parameters (a new reference, an empty object when there were none) in
 * *ret_params, or a negative errno after reporting the failure: an error reply (exit 1), tendd
 * unreachable (exit 3), a broken or missing reply (exit 1). */
int cli_call(struct cli *cli, const char *method, json_t *params, json_t **ret_params);

/** Send a complete call message (JSON text) without waiting for its reply, connecting on first
 * use; failures are reported like cli_call. Returns 0 or a negative errno. */
int cli_send(struct cli *cli, const char *msg, size_t len);

/** The reply to the oldest call cli_send sent and nobody received yet: like cli_call. */
int cli_receive(struct cli *cli, json_t **ret_params);

/** Like cli_receive, but an error reply is not reported: *ret_reply is the whole reply (with
 * "parameters" or "error"), for a caller that handles one error itself. Transport failures
 * are reported. */
int cli_receive_raw(struct cli *cli, json_t **ret_reply);

/** The parameters of a whole reply (stolen), or its error reported: what cli_receive does after
 * cli_receive_raw. */
int cli_reply_params(struct cli *cli, json_t *reply, json_t **ret_params);

/** A streaming call (varlink "more"): cb gets the parameters of every reply (borrowed) until
 * the last one, or until it returns < 0. Errors are reported like cli_call; a daemon that hangs
 * up mid-stream is reported as "tendd closed the connection" (exit 1). Returns 0 or -errno. */
int cli_call_more(struct cli *cli, const char *method, json_t *params,
                  int (*cb)(struct cli *cli, json_t *params, void *userdata), void *userdata);

/** Print v for --json to cli->out. Returns 0 or a reported -EIO. */
int cli_print_json(struct cli *cli, json_t *v);

/* Option parser over a command's argv (argv[0] is the verb), driven by its option table. */
struct cli_parser {
        struct cli *cli;
        int argc;
        char **argv;
        struct option *longopts;
        char **pos; /* positional arguments in order, pointers into argv */
        size_t n_pos;
        bool finished;
};

/** Prepare to parse argv for cli->command. Returns 0 or -ENOMEM. */
int cli_parser_init(struct cli_parser *p, struct cli *cli, int argc, char **argv);
void cli_parser_done(struct cli_parser *p);

static inline void cli_parser_donep(struct cli_parser *p)
{
        cli_parser_done(p);
}

/** The next option: returns its id (enum cli_option, > 0) with its argument (or NULL) in
 * *ret_arg; 0 when all options are read and the positional count matches the command's args
 * (then p->pos / p->n_pos hold them); a negative errno after reporting a usage error. Global
 * options are handled here (--help prints the command's help and returns -ECANCELED with
 * exit status 0). */
int cli_parser_next(struct cli_parser *p, const char **ret_arg);

/** Positional i, with every later one joined by single spaces when the command's last argument
 * takes the rest of the line. Returns a heap string in *ret (NULL when i is absent), 0 or
 * -ENOMEM. */
int cli_parser_rest(const struct cli_parser *p, size_t i, char **ret);

/** Print the help of one command (usage, summary, options) to f. */
void cli_print_command_help(const struct command *cmd, FILE *f);

/** Print the overall help (every command, global options, exit status) to f. */
void cli_print_help(FILE *f);

/** `tend help [COMMAND]`: the handler the command table names for help. */
int cli_help_command(struct cli *cli, int argc, char **argv);
