/* The command handlers named in the command table (cmd-table.c). Each parses its own arguments with
 * cli_parser, validates everything before talking to tendd, and returns 0 or a negative errno
 * after reporting (the exit status is in cli->exit_code). */
#pragma once

#include "cli.h"

/* People: client/cmd-contacts.c. */
int commands_add(struct cli *cli, int argc, char **argv);
int commands_show(struct cli *cli, int argc, char **argv);
int commands_edit(struct cli *cli, int argc, char **argv);
int commands_rm(struct cli *cli, int argc, char **argv);
int commands_ls(struct cli *cli, int argc, char **argv);
int commands_find(struct cli *cli, int argc, char **argv);

/* One person, one record: client/cmd-merge.c. */
int commands_merge(struct cli *cli, int argc, char **argv);
int commands_dupes(struct cli *cli, int argc, char **argv);
extern const char cmd_merge_help[];

/* Interactions: client/cmd-interactions.c; correcting them and kinds: client/cmd-interaction.c. */
int commands_log(struct cli *cli, int argc, char **argv);
int commands_history(struct cli *cli, int argc, char **argv);
int commands_interaction(struct cli *cli, int argc, char **argv);
int commands_date(struct cli *cli, int argc, char **argv);
int commands_dates(struct cli *cli, int argc, char **argv);
int commands_agenda(struct cli *cli, int argc, char **argv);
extern const struct option_help cmd_date_options[];
extern const char cmd_date_help[];
extern const struct option_help cmd_dates_options[];
extern const struct option_help cmd_agenda_options[];
extern const char cmd_agenda_help[];
/** Print a person's dates (io.tend.Dates.Date objects), one a line after indent. */
void cmd_print_dates(struct cli *cli, json_t *dates, const char *indent);
int commands_kinds(struct cli *cli, int argc, char **argv);
extern const struct option_help cmd_interaction_options[];
extern const char cmd_interaction_help[];
/** Call method with params (borrowed) and hand back the whole reply, error or not, for a
 * command that explains some errors itself. Transport failures are reported. */
int cmd_call_raw(struct cli *cli, const char *method, json_t *params, json_t **ret_reply);
/** Explain a refused kind (UnknownKind, KindNotOneWord) in reply: returns a reported negative
 * errno, or 1 when reply is no such error. who and rest (the words after KIND) let tend log
 * show the line it probably meant; NULL for none. */
int cmd_kind_error(struct cli *cli, json_t *reply, const char *who, char **rest, size_t n_rest);

/* Interactions that log themselves: client/cmd-capture.c. */
int commands_capture(struct cli *cli, int argc, char **argv);
extern const char cmd_capture_help[];

/* Keeping machines in step through a vdir: client/cmd-sync.c. */
int commands_sync(struct cli *cli, int argc, char **argv);
int commands_conflicts(struct cli *cli, int argc, char **argv);
extern const char cmd_sync_help[];
extern const char cmd_conflicts_help[];

/* What tendd is doing: client/cmd-status.c. */
int commands_status(struct cli *cli, int argc, char **argv);

/* Intentional networking (issue 4): client/cmd-goals.c, client/cmd-network.c. A verb with
 * subcommands dispatches inside its file; its help text lists them. */
int commands_goal(struct cli *cli, int argc, char **argv);
int commands_profile(struct cli *cli, int argc, char **argv);
int commands_me(struct cli *cli, int argc, char **argv);
int commands_intro(struct cli *cli, int argc, char **argv);
int commands_knows(struct cli *cli, int argc, char **argv);
int commands_org(struct cli *cli, int argc, char **argv);
int commands_path(struct cli *cli, int argc, char **argv);
int commands_graph(struct cli *cli, int argc, char **argv);
int commands_ledger(struct cli *cli, int argc, char **argv);
int commands_prospect(struct cli *cli, int argc, char **argv);
int commands_plan(struct cli *cli, int argc, char **argv);
int commands_health(struct cli *cli, int argc, char **argv);
extern const char cmd_goal_help[];
extern const char cmd_profile_help[];
extern const char cmd_me_help[];
extern const char cmd_prospect_help[];
extern const struct option_help cmd_goal_options[];
extern const struct option_help cmd_profile_options[];
extern const struct option_help cmd_me_options[];
extern const struct option_help cmd_intro_options[];
extern const struct option_help cmd_knows_options[];
extern const struct option_help cmd_path_options[];
extern const struct option_help cmd_graph_options[];
extern const struct option_help cmd_prospect_options[];
extern const struct option_help cmd_plan_options[];

/* Import, export, backup and restore (issue 6): client/cmd-transfer.c. */
int commands_import(struct cli *cli, int argc, char **argv);
int commands_export(struct cli *cli, int argc, char **argv);
int commands_backup(struct cli *cli, int argc, char **argv);
int commands_restore(struct cli *cli, int argc, char **argv);
int commands_demo(struct cli *cli, int argc, char **argv);
extern const struct option_help cmd_demo_options[];
extern const char cmd_demo_help[];
extern const struct option_help cmd_import_options[];
extern const struct option_help cmd_export_options[];
extern const struct option_help cmd_restore_options[];
extern const char cmd_import_help[];
extern const char cmd_export_help[];
extern const char cmd_backup_help[];
extern const char cmd_restore_help[];

/* The store checked against itself: client/cmd-check.c. */
int commands_check(struct cli *cli, int argc, char **argv);
extern const struct option_help cmd_check_options[];
extern const char cmd_check_help[];
extern const struct option_help cmd_backup_options[];
/* Taking changes back: client/cmd-undo.c. */
int commands_undo(struct cli *cli, int argc, char **argv);
int commands_redo(struct cli *cli, int argc, char **argv);
extern const struct option_help cmd_undo_options[];
extern const char cmd_undo_help[];
extern const char cmd_redo_help[];

/* Follow-ups: client/cmd-followups.c. */
int commands_due(struct cli *cli, int argc, char **argv);
int commands_snooze(struct cli *cli, int argc, char **argv);
int commands_done(struct cli *cli, int argc, char **argv);
int commands_watch(struct cli *cli, int argc, char **argv);
extern const char cmd_done_help[];
extern const char cmd_watch_help[];

/* ---- helpers shared by the command files: client/cmd-util.c ---- */

#include <jansson.h>
#include <stdint.h>

#include "output.h"
#include "timeutil.h"

struct cli_parser;
struct output_table;

/** String member of o, or NULL. */
const char *cmd_jstr(json_t *o, const char *key);
/** The "id" member of o. */
long long cmd_jid(json_t *o);
/** An RFC 3339 member as UTC seconds; 0 when absent, null or malformed. */
int64_t cmd_jtime(json_t *o, const char *key);
/** "Tue 2026-12-01 09:00 (in 3 days)" into buf; returns buf. */
char *cmd_format_when(int64_t t, int64_t now, char *buf, size_t size);
/** Report out of memory (exit 1); returns -ENOMEM. */
int cmd_oom(struct cli *cli);
/** Check free text against a field limit; a usage error names what. */
int cmd_check_text(struct cli *cli, const char *what, const char *s, size_t max, bool multiline);
/** Check a name or title: empty or only white space is a usage error ("WHAT is empty"), like
 * text that is too long or not text. */
int cmd_check_name(struct cli *cli, const char *what, const char *s);
/** params[key] = value (a usage error if it was set already). */
int cmd_set_string(struct cli *cli, json_t *params, const char *key, const char *value);
/** params[key] = value. */
int cmd_set_integer(struct cli *cli, json_t *params, const char *key, json_int_t value);
/** params[key] = t as RFC 3339 UTC. */
int cmd_set_time(struct cli *cli, json_t *params, const char *key, int64_t t);
/** Append value to the string array params[key], checking it as text. */
int cmd_append_string(struct cli *cli, const char *what, json_t *params, const char *key,
                      const char *value);
/** Check a WHO and set params["who"]. */
int cmd_parse_who(struct cli *cli, json_t *params, const char *who);
/** Parse --network values (comma lists, prefixes) into params[key] (a single string when single).
 */
int cmd_parse_networks(struct cli *cli, const char *opt, const char *arg, json_t *params,
                       const char *key, bool single);
/** Parse a DURATION option argument; a usage error names opt and hint. */
int cmd_parse_duration(struct cli *cli, const char *opt, const char *arg, const char *hint,
                       int64_t *ret);
/** Parse a DATE option argument against cli->now for use (timeutil.h); a usage error lists the
 * forms. With TIME_DATE_AHEAD a day without a time is at tendd's preferred notification time,
 * which is asked from tendd when needed: call it once every other argument is checked (see
 * cmd_check_date). */
int cmd_parse_date(struct cli *cli, const char *opt, const char *arg, enum time_date_use use,
                   int64_t *ret);
/** Check a DATE option argument without asking tendd anything. */
int cmd_check_date(struct cli *cli, const char *opt, const char *arg, enum time_date_use use);
/** Parse --limit N into params["limit"]. */
int cmd_parse_limit(struct cli *cli, const char *arg, json_t *params);
/** Parse a command that takes only global options and its positionals. */
int cmd_parse_plain(struct cli_parser *p, struct cli *cli, int argc, char **argv);
/** Parse a command whose only option is --limit (into params, which may be NULL: out of
 * memory) and its positionals. */
int cmd_parse_limited(struct cli_parser *p, struct cli *cli, int argc, char **argv, json_t *params);
/** Ask question on stderr and read the answer from cli->in: true for y or yes. */
bool cmd_confirm(struct cli *cli, const char *question);
/** Before a removal: exit 2 with "not removing WHAT: ... pass --yes" unless yes is given or
 * stdin is a terminal (where the command asks). Returns 0 or the usage error. */
int cmd_need_yes(struct cli *cli, bool yes, const char *what);
/** A new params object holding {"who": who}. */
int cmd_who_params(struct cli *cli, const char *who, json_t **ret);
/** Add a contact's next follow-up as a table cell (relative, styled by how near it is). */
int cmd_add_due_cell(struct cli *cli, struct output_table *t, json_t *c);
/* Labelled lines ("Name:  value") with the labels padded to width. */
struct cmd_label_printer {
        struct cli *cli;
        int width;
};
/** Print "NAME:  value"; continuation lines of a multi-line value line up under the first. */
void cmd_label(const struct cmd_label_printer *lp, const char *name, const char *value,
               enum output_style style);
/** Print contacts (a JSON array of Contact) as the ls table. */
int cmd_contact_table(struct cli *cli, json_t *contacts);
/** Print reply["contacts"] as JSON (--json) or the ls table, or empty when there are none. */
int cmd_print_contacts(struct cli *cli, json_t *reply, const char *empty);
/** Print interactions (a JSON array) as a table. */
int cmd_interaction_table(struct cli *cli, json_t *interactions, bool header);
