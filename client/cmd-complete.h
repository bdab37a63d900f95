/* Shell completion support, generated from the command table (cmd-table.c) so that it can never
 * fall out of step with it: tend __completion bash|zsh|fish   the completion script for a shell
 * (the build installs these) tend __complete-names [PREFIX]    contact names starting with PREFIX,
 * asked of tendd tend __commands                   the command table as JSON (for tests and
 * documentation) These verbs start with "__", are not in the table and are not listed by `tend
 * --help`. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"

/* Most names `__complete-names` prints. */
#define COMPLETE_NAMES_MAX 1000

/* What the argument of an option or a positional word completes to. */
enum complete_kind {
        COMPLETE_NONE,    /* free text: nothing to offer */
        COMPLETE_VALUES,  /* a fixed list of words */
        COMPLETE_WHO,     /* contact names from tendd */
        COMPLETE_COMMAND, /* a tend command */
        COMPLETE_KIND,    /* an interaction kind (common ones) */
        COMPLETE_PATH,    /* a file name */
        _COMPLETE_KIND_MAX,
        _COMPLETE_KIND_INVALID = -EINVAL,
};

/** Whether argv[0] names a hidden completion verb (starts with "__"). */
bool cmd_complete_is_hidden(const char *verb);

/** Run a hidden verb: argv[0] is "__completion", "__complete-names" or "__commands". Returns 0 or
 * a negative errno after reporting (usage errors exit 2, an unreachable tendd exits 3). */
int cmd_complete_run(struct cli *cli, int argc, char **argv);

/** Write the completion script for shell ("bash", "zsh" or "fish") to f. Returns 0, -EINVAL for
 * an unknown shell, or -EBADMSG when a word in the table is not safe to put in a script (a
 * verb, option name or value outside [A-Za-z0-9._-]). */
int cmd_complete_script(const char *shell, FILE *f);

/** What an option's argument completes to (COMPLETE_NONE for a flag). */
enum complete_kind cmd_complete_option_kind(const struct option_help *o);

/** What positional word i of a command's args completes to; *ret_rest tells whether word i is
 * the last one and takes the rest of the line. Returns _COMPLETE_KIND_INVALID when the command
 * has no word i. */
enum complete_kind cmd_complete_positional_kind(const struct command *cmd, size_t i,
                                                bool *ret_rest);

/** Number of positional words in a command's args. */
size_t cmd_complete_positional_count(const struct command *cmd);

/** The interaction kinds offered for KIND, space-separated. */
const char *cmd_complete_kinds(void);
