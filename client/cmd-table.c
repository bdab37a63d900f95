/* The command table: every verb with its arguments, handler, options and help, in the order
 * `tend --help` lists them. Help, shell completions and the man page checks read it. */
#include "cli.h"
#include "commands.h"

#define NETWORK_VALUES "operational personal strategic"

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
    {"birthday", CLI_OPT_BIRTHDAY, "DATE", "their birthday: YYYY-MM-DD, or MM-DD without a year",
     NULL},
    {"new", CLI_OPT_NEW, NULL, "add even when someone already has this name", NULL},
    {0},
};

static const struct option_help edit_options[] = {
    {"name", CLI_OPT_NAME, "NAME", "rename them", NULL},
    {"new", CLI_OPT_NEW, NULL, "with --name: even when someone else has that name", NULL},
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
    {"birthday", CLI_OPT_BIRTHDAY, "DATE", "set the birthday: YYYY-MM-DD or MM-DD ('' clears)",
     NULL},
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
    {"org", CLI_OPT_ORG, "ORG", "only people at this organisation (its name or first words)", NULL},
    {"internal", CLI_OPT_INTERNAL, NULL, "only people inside your organisation", NULL},
    {"external", CLI_OPT_EXTERNAL, NULL, "only people outside your organisation", NULL},
    {"sort", CLI_OPT_SORT, "ORDER", "name (default) or strength (strongest first)",
     "name strength"},
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
    {"new-kind", CLI_OPT_NEW_KIND, NULL, "KIND is new on purpose, not a typo of a known one", NULL},
    {"with", CLI_OPT_WITH, "WHO",
     "someone else who was there: one interaction for all (repeatable)", NULL},
    {0},
};

static const struct option_help dupes_options[] = {
    {"limit", CLI_OPT_LIMIT, "N", "at most N groups (default: all)", NULL},
    {0},
};

static const struct option_help history_options[] = {
    {"limit", CLI_OPT_LIMIT, "N", "only the N most recent (default: all)", NULL},
    {0},
};

static const struct option_help due_options[] = {
    {"within", CLI_OPT_WITHIN, "DURATION", "also people due within DURATION from now", NULL},
    {"limit", CLI_OPT_LIMIT, "N", "at most N people (default: 50; 0 means all)", NULL},
    {"all", CLI_OPT_ALL, NULL, "everyone due, printed as it comes", NULL},
    {0},
};

static const struct option_help no_options[] = {
    {0},
};

static const struct option_help global_options[] = {
    {"json", CLI_OPT_JSON, NULL, "print the result as JSON", NULL},
    {"socket", CLI_OPT_SOCKET, "PATH", "talk to tendd at PATH", NULL},
    {"no-pager", CLI_OPT_NO_PAGER, NULL, "never send long output through $PAGER", NULL},
    {"help", CLI_OPT_HELP, NULL, "show help (also -h)", NULL},
    {"version", CLI_OPT_VERSION, NULL, "show tend's version", NULL},
    {0},
};

static const struct command commands[] = {
    {"add", "NAME", commands_add, "Add a person", add_options,
     "A cadence (--every) without --due makes them due one cadence from now.\n"
     "A name someone already has is refused: --new adds a second person anyway."},
    {"show", "WHO", commands_show, "Show a person and their recent interactions", no_options,
     "Also the goals they are linked to (with why) and their pipeline stage."},
    {"edit", "WHO", commands_edit, "Change a person", edit_options,
     "Options not given keep their value; list options add or drop single entries.\n"
     "Renaming to a name someone else has is refused unless --new."},
    {"rm", "WHO", commands_rm, "Remove a person and their interactions", rm_options,
     "First lists what goes with them (interactions, introductions, goal links) and whose\n"
     "met-via or prospect via named them (those keep the name as text), then asks when stdin\n"
     "is a terminal; otherwise --yes is required."},
    {"merge", "KEEP OTHER...", commands_merge, "Make one person of duplicate records", no_options,
     cmd_merge_help},
    {"dupes", "", commands_dupes, "List likely duplicates: same email, phone or name",
     dupes_options, "Merge them with 'tend merge KEEP OTHER'."},
    {"ls", "", commands_ls, "List people", ls_options,
     "Sorted by name, or by follow-up date with --due-before, or by tie strength with\n"
     "--sort strength. STRENGTH is 0-100 from recency, frequency and kind of touches."},
    {"find", "TEXT...", commands_find, "Search people, notes, interactions and goals", find_options,
     "Names, organisations, titles, emails, tags, notes, how-met, brings, interaction notes,\n"
     "goal titles and why. Every word must match the start of a word; case and accents are\n"
     "ignored ('rene' finds René). Each result says where it matched."},
    {"log", "WHO KIND [NOTE...]", commands_log, "Log an interaction", log_options,
     "KIND is one word such as coffee, call, informational-interview, email, message,\n"
     "meeting, event, intro or referral ('tend kinds' lists them). A new kind one typo\n"
     "away from a known one is refused with a suggestion unless --new-kind.\n"
     "Their next follow-up moves one cadence on.\n"
     "--goal GOAL records that it was toward a goal (see 'tend goal show')."},
    {"history", "WHO", commands_history, "Show the interactions with a person", history_options,
     "Each interaction's #ID is what 'tend interaction edit|rm' takes."},
    {"interaction", "edit|rm ID", commands_interaction,
     "Correct an interaction: 'interaction edit ID --at DATE', 'interaction rm ID'",
     cmd_interaction_options, cmd_interaction_help},
    {"agenda", "WHO [TEXT...]", commands_agenda, "Keep what to talk about next time with a person",
     cmd_agenda_options, cmd_agenda_help},
    {"date", "SUBCOMMAND [ARGS...]", commands_date,
     "Important dates: 'date add WHO LABEL DATE', 'date ls WHO', 'date rm WHO LABEL'",
     cmd_date_options, cmd_date_help},
    {"dates", "", commands_dates, "List birthdays, anniversaries and other dates coming up",
     cmd_dates_options,
     "Soonest first, with the age or the number of years when the year is known."},
    {"kinds", "", commands_kinds, "List the kinds of interaction, with how often each was logged",
     no_options, NULL},
    {"due", "", commands_due, "Show who is due for a follow-up, overdue first", due_options,
     "The first 50, then how many more are due; --all prints everyone as it comes (with\n"
     "--json, one array). --json alone prints the first 50 too."},
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
     "'tend intro rm A B' removes those between A and B, 'tend intro rm ID' one by id;\n"
     "it asks first when stdin is a terminal, otherwise --yes is required.\n"
     "--by C records an introduction C made between A and B."},
    {"knows", "A [B...]", commands_knows,
     "Record that A and B know each other ('knows ls [WHO]', 'knows rm A B')", cmd_knows_options,
     "Quote names with spaces. A tie is a hop for 'tend path', medium unless --strength\n"
     "says otherwise; recording it again replaces it."},
    {"path", "WHO...", commands_path, "Warm paths: chains from you through people you know to WHO",
     cmd_path_options,
     "Through who introduced you to whom (--met-via), introductions (tend intro), who knows\n"
     "whom (tend knows) and shared organisations. A chain is as strong as its weakest hop:\n"
     "strongest first, then fewer hops."},
    {"graph", "", commands_graph, "Your network as Graphviz DOT (or SVG), coloured by network",
     cmd_graph_options,
     "You in the middle, people sized by tie strength and grouped by organisation.\n"
     "SVG needs Graphviz's dot program: 'tend graph --format svg > net.svg'."},
    {"org", "NAME...", commands_org, "The people at an organisation, strongest tie first",
     no_options,
     "With their networks, strength and last touch; NAME is the name or its first words."},
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
    {"backup", "[FILE]", commands_backup,
     "Write a consistent copy of the store while tendd runs (--list: the rolling ones)",
     cmd_backup_options, cmd_backup_help},
    {"restore", "FILE", commands_restore, "Put a backup in place (tendd stopped)",
     cmd_restore_options, cmd_restore_help},
    {"sync", "SUBCOMMAND [FILE...]", commands_sync,
     "Machines in step through a vdir and vdirsyncer: status, now, resolve", no_options,
     cmd_sync_help},
    {"capture", "SUBCOMMAND [WHAT]", commands_capture,
     "Interactions from mail and calendar: status, ignore, unignore, rescan", no_options,
     cmd_capture_help},
    {"conflicts", "", commands_conflicts, "List fields two machines changed differently",
     no_options, cmd_conflicts_help},
    {"check", "", commands_check, "Check the store's indexes against its records (--repair)",
     cmd_check_options, cmd_check_help},
    {"undo", "", commands_undo, "Take back the most recent change (--list: the journal)",
     cmd_undo_options, cmd_undo_help},
    {"redo", "", commands_redo, "Put back what undo took back", no_options, cmd_redo_help},
    {"demo", "", commands_demo, "Load a small example network to try tend on (--remove: out)",
     cmd_demo_options, cmd_demo_help},
    {"help", "[COMMAND]", cli_help_command, "Show help for tend or one command", no_options, NULL},
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
