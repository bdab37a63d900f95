/* The command handlers named in the command table (cli.c). Each parses its own arguments with
 * cli_parser, validates everything before talking to tendd, and returns 0 or a negative errno
 * after reporting (the exit status is in cli->exit_code). */
#pragma once

#include "cli.h"

int commands_add(struct cli *cli, int argc, char **argv);
int commands_show(struct cli *cli, int argc, char **argv);
int commands_edit(struct cli *cli, int argc, char **argv);
int commands_rm(struct cli *cli, int argc, char **argv);
int commands_ls(struct cli *cli, int argc, char **argv);
int commands_find(struct cli *cli, int argc, char **argv);
int commands_log(struct cli *cli, int argc, char **argv);
int commands_history(struct cli *cli, int argc, char **argv);
int commands_due(struct cli *cli, int argc, char **argv);
int commands_snooze(struct cli *cli, int argc, char **argv);
int commands_status(struct cli *cli, int argc, char **argv);
