/* tendd.conf parsing; see config.h for the keys.
 *
 * libinih does the ini parsing. We feed it lines through our own reader so that every
 * message carries its line number (Debian's libinih is built without INI_HANDLER_LINENO),
 * syntax errors inih would only count are named, over-long lines are refused instead of being
 * split, and leading white space is removed so that inih's multi-line continuation never
 * turns an indented "key = value" into part of the previous value. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "paths.h"
#include "sync-card.h"
#include "timeutil.h"
#include "util.h"

#define COMMAND_ARGS_MAX 64
#define ERRORS_MAX       100 /* a garbage file gives a readable number of messages */

static const char *const var_names[_CONFIG_VAR_MAX] = {
    [CONFIG_VAR_SUMMARY] = "summary", [CONFIG_VAR_BODY] = "body", [CONFIG_VAR_NAME] = "name",
    [CONFIG_VAR_ID] = "id",           [CONFIG_VAR_DUE] = "due",   [CONFIG_VAR_COUNT] = "count",
};

static const char *const var_envs[_CONFIG_VAR_MAX] = {
    [CONFIG_VAR_SUMMARY] = "TEND_SUMMARY",   [CONFIG_VAR_BODY] = "TEND_BODY",
    [CONFIG_VAR_NAME] = "TEND_CONTACT_NAME", [CONFIG_VAR_ID] = "TEND_CONTACT_ID",
    [CONFIG_VAR_DUE] = "TEND_DUE",           [CONFIG_VAR_COUNT] = "TEND_COUNT",
};

const char *config_var_name(enum config_var v)
{
        return v >= 0 && v < _CONFIG_VAR_MAX ? var_names[v] : NULL;
}

const char *config_var_env(enum config_var v)
{
        return v >= 0 && v < _CONFIG_VAR_MAX ? var_envs[v] : NULL;
}

void config_init(struct config *c)
{
        *c = (struct config){
            .preferred_time = 9 * 60,
            .quiet_start = 22 * 60,
            .quiet_end = 8 * 60,
            .digest_threshold = 3,
            .snooze = 7 * DURATION_DAY,
            .critical_after = 14 * DURATION_DAY,
            .cadence =
                {
                    [NETWORK_OPERATIONAL] = 14 * DURATION_DAY,
                    [NETWORK_STRATEGIC] = 30 * DURATION_DAY,
                    [NETWORK_PERSONAL] = 60 * DURATION_DAY,
                },
            .desktop = true,
            .goal_follow_up = 30 * DURATION_DAY,
            .backup_keep = 7,
            .backup_every = DURATION_DAY,
            .plan_tolerance = 10,
            .plan_recent = 14 * DURATION_DAY,
            .capture_max_recipients = 10,
            .capture_backfill = 90 * DURATION_DAY,
        };
}

void config_done(struct config *c)
{
        strv_free(c->command);
        strv_free(c->open_command);
        free(c->sync_vdir);
        free(c->sync_ics);
        free(c->backup_dir);
        free(c->capture_notmuch);
        free(c->capture_calendar);
        strv_free(c->capture_me);
        config_init(c);
}

int config_copy(struct config *dst, const struct config *src)
{
        char **cmd = NULL, **open = NULL, *vdir = NULL, *ics = NULL, *dir = NULL;
        char *notmuch = NULL, *calendar = NULL, **me = NULL;

        if (strv_copy(src->command, &cmd) < 0 || strv_copy(src->open_command, &open) < 0 ||
            (src->sync_vdir && !(vdir = strdup(src->sync_vdir))) ||
            (src->sync_ics && !(ics = strdup(src->sync_ics))) ||
            (src->backup_dir && !(dir = strdup(src->backup_dir))) ||
            (src->capture_notmuch && !(notmuch = strdup(src->capture_notmuch))) ||
            (src->capture_calendar && !(calendar = strdup(src->capture_calendar))) ||
            strv_copy(src->capture_me, &me) < 0) {
                strv_free(cmd);
                strv_free(open);
                free(vdir);
                free(ics);
                free(dir);
                free(notmuch);
                free(calendar);
                strv_free(me);
                return -ENOMEM;
        }
        config_done(dst);
        *dst = *src;
        dst->command = cmd;
        dst->open_command = open;
        dst->sync_vdir = vdir;
        dst->sync_ics = ics;
        dst->backup_dir = dir;
        dst->capture_notmuch = notmuch;
        dst->capture_calendar = calendar;
        dst->capture_me = me;
        return 0;
}

int64_t config_default_cadence(const struct config *c, uint32_t networks)
{
        int64_t best = 0;

        for (int n = 0; n < _NETWORK_MAX; n++)
                if ((networks & (1u << n)) && (best == 0 || c->cadence[n] < best))
                        best = c->cadence[n];
        return best;
}

/* ---- value parsers: return NULL or the reason the value is refused ---- */

static const char *parse_hhmm(const char *v, int *ret)
{
        unsigned h, m;
        int n = -1;

        if (sscanf(v, "%2u:%2u%n", &h, &m, &n) != 2 || n < 0 || v[n] || h > 23 || m > 59 ||
            !(v[0] >= '0' && v[0] <= '9'))
                return "expected a time of day HH:MM, 00:00 to 23:59";
        *ret = (int)(h * 60 + m);
        return NULL;
}

static const char *parse_time(const char *v, void *dst)
{
        return parse_hhmm(v, dst);
}

static const char *parse_quiet(const char *v, void *dst)
{
        struct config *c = dst;
        char start[8], end[8];
        const char *dash = strchr(v, '-');
        const char *why;
        int s, e;

        if (strcasecmp(v, "off") == 0 || strcasecmp(v, "no") == 0 || strcasecmp(v, "none") == 0) {
                c->quiet_start = c->quiet_end = 0;
                return NULL;
        }
        if (!dash || (size_t)(dash - v) >= sizeof(start) || strlen(dash + 1) >= sizeof(end))
                return "expected HH:MM-HH:MM (e.g. 22:00-08:00) or off";
        memcpy(start, v, dash - v);
        start[dash - v] = '\0';
        strcpy(end, dash + 1);
        why = parse_hhmm(start, &s);
        if (!why)
                why = parse_hhmm(end, &e);
        if (why)
                return "expected HH:MM-HH:MM (e.g. 22:00-08:00) or off";
        if (s == e)
                return "start and end are the same; write 'off' for no quiet hours";
        c->quiet_start = s;
        c->quiet_end = e;
        return NULL;
}

static const char *parse_threshold(const char *v, void *dst)
{
        char *end;
        unsigned long n;

        errno = 0;
        n = strtoul(v, &end, 10);
        if (!(v[0] >= '0' && v[0] <= '9') || *end || errno || n > CONFIG_DIGEST_THRESHOLD_MAX)
                return "expected a whole number from 0 to 1000";
        *(unsigned *)dst = (unsigned)n;
        return NULL;
}

static const char *parse_duration(const char *v, void *dst)
{
        int64_t s;

        if (time_parse_duration(v, &s) < 0)
                return "expected a duration such as 45s, 10m, 3h, 3d, 2w, 1mo";
        *(int64_t *)dst = s;
        return NULL;
}

static const char *parse_cadence(const char *v, void *dst)
{
        int64_t s;

        if (time_parse_duration(v, &s) < 0)
                return "expected a duration such as 3d, 2w, 1mo";
        if (s > CADENCE_MAX_SECONDS)
                return "a cadence may be at most 10 years";
        *(int64_t *)dst = s;
        return NULL;
}

static const char *parse_follow_up(const char *v, void *dst)
{
        int64_t s;

        if (time_parse_duration(v, &s) < 0 || s <= 0)
                return "expected a duration such as 14d, 30d, 6w";
        if (s > CONFIG_GOAL_FOLLOW_UP_MAX)
                return "a goal follow-up interval may be at most 366 days";
        *(int64_t *)dst = s;
        return NULL;
}

static const char *parse_tolerance(const char *v, void *dst)
{
        char *end;
        unsigned long n;

        errno = 0;
        n = strtoul(v, &end, 10);
        if (errno || end == v || *end || v[0] == '-' || n > CONFIG_PLAN_TOLERANCE_MAX)
                return "expected percentage points from 0 to 50";
        *(unsigned *)dst = (unsigned)n;
        return NULL;
}

static const char *parse_recent(const char *v, void *dst)
{
        int64_t s;

        if (streq(v, "0") || streq(v, "0s") || streq(v, "off")) {
                *(int64_t *)dst = 0;
                return NULL;
        }
        if (time_parse_duration(v, &s) < 0 || s < 0)
                return "expected a duration such as 14d, 2w, or 0s (off)";
        if (s > CONFIG_PLAN_RECENT_MAX)
                return "at most 366 days";
        *(int64_t *)dst = s;
        return NULL;
}

static const char *parse_bool(const char *v, void *dst)
{
        static const char *const yes[] = {"yes", "true", "on", "1"};
        static const char *const no[] = {"no", "false", "off", "0"};

        for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
                if (strcasecmp(v, yes[i]) == 0) {
                        *(bool *)dst = true;
                        return NULL;
                }
                if (strcasecmp(v, no[i]) == 0) {
                        *(bool *)dst = false;
                        return NULL;
                }
        }
        return "expected yes or no";
}

/* Check the placeholders of one argument. */
static const char *check_placeholders(const char *arg)
{
        for (const char *p = arg; *p; p++) {
                const char *close;
                bool known = false;

                if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
                        p++;
                        continue;
                }
                if (*p == '}')
                        return "a lone '}' (write }} for a literal brace)";
                if (*p != '{')
                        continue;
                close = strchr(p, '}');
                if (!close)
                        return "a '{' without '}' (write {{ for a literal brace)";
                for (int i = 0; i < _CONFIG_VAR_MAX; i++)
                        if (strlen(var_names[i]) == (size_t)(close - p - 1) &&
                            memcmp(var_names[i], p + 1, close - p - 1) == 0)
                                known = true;
                if (!known)
                        return "unknown placeholder; use {summary}, {body}, {name}, {id}, {due} "
                               "or {count}";
                p = close;
        }
        return NULL;
}

/* Split a command line into words: white space separates, '...' and "..." quote, a
 * backslash escapes the next character (outside single quotes). */
static const char *split_command(const char *v, char ***ret)
{
        _cleanup_strv_ char **argv = NULL;
        _cleanup_free_ char *word = malloc(strlen(v) + 1);
        const char *p = v, *why;
        size_t n = 0;

        if (!word)
                return "out of memory";
        while (*p) {
                bool have = false;
                size_t len = 0;
                char quote = 0;

                while (*p == ' ' || *p == '\t')
                        p++;
                if (!*p)
                        break;
                for (; *p && (quote || (*p != ' ' && *p != '\t')); p++) {
                        have = true;
                        if (quote == '\'' && *p == '\'')
                                quote = 0;
                        else if (quote == '"' && *p == '"')
                                quote = 0;
                        else if (!quote && (*p == '\'' || *p == '"'))
                                quote = *p;
                        else if (quote != '\'' && *p == '\\') {
                                if (!p[1])
                                        return "a backslash at the end of the command";
                                word[len++] = *++p;
                        } else
                                word[len++] = *p;
                }
                if (quote)
                        return "an unterminated quote in the command";
                if (!have)
                        break;
                word[len] = '\0';
                why = check_placeholders(word);
                if (why)
                        return why;
                if (++n > COMMAND_ARGS_MAX)
                        return "a command may have at most 64 arguments";
                if (strv_push(&argv, word) < 0)
                        return "out of memory";
        }
        strv_free(*ret);
        *ret = TAKE_PTR(argv); /* empty → NULL: no command */
        return NULL;
}

static const char *parse_command(const char *v, void *dst)
{
        return split_command(v, dst);
}

/* A folder: absolute, or ~/ for the home directory; empty: none. */
static const char *parse_path(const char *v, void *dst)
{
        char **ret = dst, *p = NULL;

        if (!*v) {
                free(*ret);
                *ret = NULL;
                return NULL;
        }
        if (strncmp(v, "~/", 2) == 0) {
                const char *home = getenv("HOME");

                if (!home || home[0] != '/')
                        return "~ needs $HOME";
                if (asprintf(&p, "%s/%s", home, v + 2) < 0)
                        return "out of memory";
        } else if (v[0] == '/') {
                p = strdup(v);
                if (!p)
                        return "out of memory";
        } else
                return "not an absolute path (/... or ~/...)";
        free(*ret);
        *ret = p;
        return NULL;
}

static const char *parse_exclude(const char *v, void *dst)
{
        int mask = sync_exclude_parse(v, NULL);

        if (mask < 0)
                return "not a list of notes, history, ledger, goals";
        *(unsigned *)dst = (unsigned)mask;
        return NULL;
}

static const char *parse_backup_keep(const char *v, void *dst)
{
        char *end;
        unsigned long n;

        errno = 0;
        n = strtoul(v, &end, 10);
        if (!(v[0] >= '0' && v[0] <= '9') || *end || errno || n > CONFIG_BACKUP_KEEP_MAX)
                return "expected a whole number from 0 (no backups) to 1000";
        *(unsigned *)dst = (unsigned)n;
        return NULL;
}

static const char *parse_backup_every(const char *v, void *dst)
{
        int64_t s;

        if (time_parse_duration(v, &s) < 0 || s < CONFIG_BACKUP_EVERY_MIN)
                return "expected a duration of at least 1h, such as 1d or 1w";
        if (s > CADENCE_MAX_SECONDS)
                return "backups may be at most 10 years apart";
        *(int64_t *)dst = s;
        return NULL;
}

static const char *parse_backup_dir(const char *v, void *dst)
{
        char *copy;

        if (v[0] != '/')
                return "expected an absolute path";
        if (strlen(v) >= PATH_MAX / 2)
                return "the path is too long";
        copy = strdup(v);
        if (!copy)
                return "out of memory";
        free(*(char **)dst);
        *(char **)dst = copy;
        return NULL;
}

/* [capture] notmuch: off (the default), auto (notmuch's own configuration) or a folder. */
static const char *parse_notmuch(const char *v, void *dst)
{
        char **ret = dst, *p;

        if (strcasecmp(v, "off") == 0 || strcasecmp(v, "no") == 0 || !*v) {
                free(*ret);
                *ret = NULL;
                return NULL;
        }
        if (strcasecmp(v, "auto") == 0) {
                p = strdup("auto");
                if (!p)
                        return "out of memory";
                free(*ret);
                *ret = p;
                return NULL;
        }
        if (parse_path(v, dst))
                return "expected auto, off or the notmuch mail folder (/... or ~/...)";
        return NULL;
}

/* [capture] me: addresses separated by commas or white space, stored lower-cased. */
static const char *parse_me(const char *v, void *dst)
{
        _cleanup_strv_ char **list = NULL;
        _cleanup_free_ char *copy = strdup(v);
        char *save = NULL;

        if (!copy)
                return "out of memory";
        for (char *w = strtok_r(copy, ", \t", &save); w; w = strtok_r(NULL, ", \t", &save)) {
                const char *at = strchr(w, '@');

                if (!at || at == w || !at[1] || strchr(at + 1, '@') || strlen(w) > FIELD_EMAIL_MAX)
                        return "expected email addresses separated by commas";
                for (char *c = w; *c; c++)
                        *c = (char)tolower((unsigned char)*c);
                if (strv_length(list) >= FIELD_LIST_MAX)
                        return "at most 64 addresses";
                if (strv_push(&list, w) < 0)
                        return "out of memory";
        }
        strv_free(*(char ***)dst);
        *(char ***)dst = TAKE_PTR(list);
        return NULL;
}

static const char *parse_received(const char *v, void *dst)
{
        if (strcasecmp(v, "touch") == 0)
                *(bool *)dst = true;
        else if (strcasecmp(v, "history") == 0)
                *(bool *)dst = false;
        else
                return "expected touch or history";
        return NULL;
}

static const char *parse_max_recipients(const char *v, void *dst)
{
        char *end;
        unsigned long n;

        errno = 0;
        n = strtoul(v, &end, 10);
        if (!(v[0] >= '0' && v[0] <= '9') || *end || errno || n < 1 ||
            n > CONFIG_CAPTURE_RECIPIENTS_MAX)
                return "expected a whole number from 1 to 1000";
        *(unsigned *)dst = (unsigned)n;
        return NULL;
}

static const char *parse_backfill(const char *v, void *dst)
{
        int64_t s;

        if (time_parse_duration(v, &s) < 0 || s < 0 || s > CONFIG_CAPTURE_BACKFILL_MAX)
                return "expected a duration up to 10 years, such as 90d or 1y (0s: none)";
        *(int64_t *)dst = s;
        return NULL;
}

/* ---- the key table ---- */

enum section {
        SECTION_SCHEDULE,
        SECTION_CADENCE,
        SECTION_NOTIFY,
        SECTION_GOALS,
        SECTION_SYNC,
        SECTION_BACKUP,
        SECTION_PLAN,
        SECTION_CAPTURE,
        _SECTION_MAX,
        _SECTION_INVALID = -EINVAL,
};

static const char *const section_names[_SECTION_MAX] = {
    [SECTION_SCHEDULE] = "schedule", [SECTION_CADENCE] = "cadence", [SECTION_NOTIFY] = "notify",
    [SECTION_GOALS] = "goals",       [SECTION_SYNC] = "sync",       [SECTION_BACKUP] = "backup",
    [SECTION_PLAN] = "plan",         [SECTION_CAPTURE] = "capture",
};

struct key {
        enum section section;
        const char *name;
        const char *(*parse)(const char *value, void *dst);
        size_t offset; /* into struct config; SIZE_MAX = the whole struct (quiet_hours) */
};

static const struct key keys[] = {
    {SECTION_SCHEDULE, "preferred_time", parse_time, offsetof(struct config, preferred_time)},
    {SECTION_SCHEDULE, "quiet_hours", parse_quiet, SIZE_MAX},
    {SECTION_SCHEDULE, "digest_threshold", parse_threshold,
     offsetof(struct config, digest_threshold)},
    {SECTION_SCHEDULE, "snooze", parse_duration, offsetof(struct config, snooze)},
    {SECTION_SCHEDULE, "critical_after", parse_duration, offsetof(struct config, critical_after)},
    {SECTION_CADENCE, "operational", parse_cadence,
     offsetof(struct config, cadence) + NETWORK_OPERATIONAL * sizeof(int64_t)},
    {SECTION_CADENCE, "strategic", parse_cadence,
     offsetof(struct config, cadence) + NETWORK_STRATEGIC * sizeof(int64_t)},
    {SECTION_CADENCE, "personal", parse_cadence,
     offsetof(struct config, cadence) + NETWORK_PERSONAL * sizeof(int64_t)},
    {SECTION_NOTIFY, "desktop", parse_bool, offsetof(struct config, desktop)},
    {SECTION_NOTIFY, "command", parse_command, offsetof(struct config, command)},
    {SECTION_NOTIFY, "open_command", parse_command, offsetof(struct config, open_command)},
    {SECTION_GOALS, "follow_up", parse_follow_up, offsetof(struct config, goal_follow_up)},
    {SECTION_SYNC, "vdir", parse_path, offsetof(struct config, sync_vdir)},
    {SECTION_SYNC, "ics", parse_path, offsetof(struct config, sync_ics)},
    {SECTION_SYNC, "exclude", parse_exclude, offsetof(struct config, sync_exclude)},
    {SECTION_BACKUP, "keep", parse_backup_keep, offsetof(struct config, backup_keep)},
    {SECTION_BACKUP, "every", parse_backup_every, offsetof(struct config, backup_every)},
    {SECTION_BACKUP, "dir", parse_backup_dir, offsetof(struct config, backup_dir)},
    {SECTION_PLAN, "tolerance", parse_tolerance, offsetof(struct config, plan_tolerance)},
    {SECTION_PLAN, "recent", parse_recent, offsetof(struct config, plan_recent)},
    {SECTION_CAPTURE, "notmuch", parse_notmuch, offsetof(struct config, capture_notmuch)},
    {SECTION_CAPTURE, "calendar", parse_path, offsetof(struct config, capture_calendar)},
    {SECTION_CAPTURE, "me", parse_me, offsetof(struct config, capture_me)},
    {SECTION_CAPTURE, "received", parse_received, offsetof(struct config, capture_received_touch)},
    {SECTION_CAPTURE, "max_recipients", parse_max_recipients,
     offsetof(struct config, capture_max_recipients)},
    {SECTION_CAPTURE, "backfill", parse_backfill, offsetof(struct config, capture_backfill)},
};

/* ---- parsing ---- */

struct parse_state {
        FILE *f;
        const char *name;
        struct config cfg;
        unsigned line;
        unsigned seen_line[ARRAY_SIZE(keys)]; /* where each key was set, 0 = not yet */
        bool section_bad;                     /* keys under an unknown section are skipped */
        char **errors;
        size_t n_errors;
        int oom;
};

static void add_error(struct parse_state *st, const char *fmt, ...) _printf_(2, 3);
static void add_error(struct parse_state *st, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL, *line = NULL;
        va_list ap;
        int r;

        if (st->n_errors >= ERRORS_MAX)
                return;
        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0 || asprintf(&line, "%s:%u: %s", st->name, st->line, msg) < 0 ||
            strv_push(&st->errors, line) < 0) {
                st->oom = -ENOMEM;
                return;
        }
        if (++st->n_errors == ERRORS_MAX) {
                st->line++; /* the note goes after the last line reported */
                if (strv_push(&st->errors, "(further errors not shown)") < 0)
                        st->oom = -ENOMEM;
                st->line--;
        }
}

static enum section section_from_string(const char *s)
{
        for (int i = 0; i < _SECTION_MAX; i++)
                if (strcasecmp(s, section_names[i]) == 0)
                        return (enum section)i;
        return _SECTION_INVALID;
}

/* Check one line's shape and normalise it for inih; errors are recorded here and the line is
 * handed on blank, so inih counts it but never calls the handler for it. */
static void check_line(struct parse_state *st, char *str)
{
        char *p = str, *end;
        size_t len;

        if (st->line == 1 && (unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbb &&
            (unsigned char)p[2] == 0xbf)
                p += 3;
        /* White space as inih sees it (isspace: also \v and \f), or a line this check takes
         * for a key could reach inih as a section header. */
        while (isspace((unsigned char)*p))
                p++;
        len = strlen(p);
        while (len > 0 && isspace((unsigned char)p[len - 1]))
                p[--len] = '\0';
        memmove(str, p, len + 1);
        if (len == 0 || str[0] == '#' || str[0] == ';')
                return;
        if (str[0] == '[') {
                char name[64];

                end = strchr(str, ']');
                if (!end) {
                        add_error(st, "a section header without ']'");
                        str[0] = '\0';
                        return;
                }
                if ((size_t)(end - str - 1) >= sizeof(name) ||
                    (*name = '\0', memcpy(name, str + 1, end - str - 1), name[end - str - 1] = '\0',
                     section_from_string(name) < 0)) {
                        add_error(
                            st,
                            "unknown section %.*s; the sections are [schedule], "
                            "[cadence], [notify], [goals], [sync], [backup], [plan] and [capture]",
                            (int)(end - str + 1), str);
                        st->section_bad = true;
                        str[0] = '\0';
                        return;
                }
                st->section_bad = false;
                return;
        }
        if (!strchr(str, '=')) {
                add_error(st, "expected 'key = value', a [section] or a # comment");
                str[0] = '\0';
                return;
        }
        /* inih also splits at ':'; we only document '=', so make it the first separator. */
        if (strchr(str, ':') && strchr(str, ':') < strchr(str, '=')) {
                add_error(st, "expected 'key = value'");
                str[0] = '\0';
        }
}

static char *reader(char *str, int num, void *stream)
{
        struct parse_state *st = stream;
        size_t len;

        if (!fgets(str, num, st->f))
                return NULL;
        st->line++;
        len = strlen(str);
        if (len + 1 == (size_t)num && str[len - 1] != '\n' && !feof(st->f)) {
                int ch;

                while ((ch = fgetc(st->f)) != EOF && ch != '\n')
                        ;
                add_error(st, "the line is longer than %d bytes", num - 1);
                str[0] = '\0';
                return str;
        }
        check_line(st, str);
        return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
        struct parse_state *st = user;
        enum section sec;
        const char *why;

        if (st->section_bad)
                return 1;
        if (!section[0]) {
                add_error(st,
                          "'%s' is outside a section; put it under [schedule], [cadence], "
                          "[notify], [goals], [sync], [backup], [plan] or [capture]",
                          name);
                return 1;
        }
        sec = section_from_string(section);
        if (sec < 0) {
                add_error(st, "'%s' is in an unknown section", name);
                return 1;
        }
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                void *dst;

                if (keys[i].section != sec || strcasecmp(keys[i].name, name) != 0)
                        continue;
                if (st->seen_line[i]) {
                        add_error(st, "'%s' is set twice (first on line %u)", keys[i].name,
                                  st->seen_line[i]);
                        return 1;
                }
                st->seen_line[i] = st->line;
                dst = keys[i].offset == SIZE_MAX ? (void *)&st->cfg
                                                 : (void *)((char *)&st->cfg + keys[i].offset);
                why = keys[i].parse(value, dst);
                if (why)
                        add_error(st, "%s = %s: %s", keys[i].name, value, why);
                return 1;
        }
        add_error(st, "unknown key '%s' in [%s]", name, section_names[sec]);
        return 1;
}

int config_parse_file(FILE *f, const char *name, struct config *ret, char ***ret_errors)
{
        struct parse_state st = {.f = f, .name = name ? name : "tendd.conf"};
        int r;

        config_init(&st.cfg);
        r = ini_parse_stream(reader, &st, handler, &st);
        if (r == -2)
                st.oom = -ENOMEM;
        else if (r > 0 && st.n_errors == 0) {
                st.line = (unsigned)r;
                add_error(&st, "syntax error");
        } else if (r < 0 && st.n_errors == 0) {
                st.line = 0;
                add_error(&st, "cannot be read");
        }
        if (ferror(f) && st.n_errors == 0)
                add_error(&st, "read error");
        if (st.oom) {
                strv_free(st.errors);
                config_done(&st.cfg);
                return -ENOMEM;
        }
        if (st.n_errors > 0) {
                for (char **e = st.errors; e && *e; e++)
                        if (strv_push(ret_errors, *e) < 0) {
                                strv_free(st.errors);
                                config_done(&st.cfg);
                                return -ENOMEM;
                        }
                strv_free(st.errors);
                config_done(&st.cfg);
                return -EINVAL;
        }
        config_done(ret);
        *ret = st.cfg;
        return 0;
}

int config_parse_string(const char *text, const char *name, struct config *ret, char ***ret_errors)
{
        FILE *f;
        int r;

        if (!*text) {
                config_done(ret);
                return 0;
        }
        f = fmemopen((void *)text, strlen(text), "r");
        if (!f)
                return -errno;
        r = config_parse_file(f, name, ret, ret_errors);
        fclose(f);
        return r;
}

int config_load(const char *path, struct config *ret, char ***ret_errors)
{
        _cleanup_free_ char *msg = NULL;
        FILE *f;
        int r;

        f = fopen(path, "re");
        if (!f) {
                r = -errno;
                if (r == -ENOENT) {
                        config_done(ret);
                        return 0;
                }
                if (asprintf(&msg, "%s: %s", path, strerror(-r)) < 0 ||
                    strv_push(ret_errors, msg) < 0)
                        return -ENOMEM;
                return r;
        }
        r = config_parse_file(f, path, ret, ret_errors);
        fclose(f);
        return r;
}

/* ---- output ---- */

static void fmt_hhmm(int minutes, char buf[static 8])
{
        unsigned m = (unsigned)minutes % (24 * 60);

        snprintf(buf, 8, "%02u:%02u", m / 60, m % 60);
}

/* Quote an argument so that split_command gives it back, through inih: in double quotes with
 * a backslash before '"' and '\\' (special inside them) and before ';' and '#' (after white
 * space inih would take either for the start of a comment, quotes or not). White space and
 * control characters are always quoted: inih strips them from the ends of a line. */
static void dump_arg(const char *a, FILE *f)
{
        bool plain = *a != '\0';

        for (const char *p = a; *p; p++)
                if (strchr("'\"\\;#", *p) || isspace((unsigned char)*p) ||
                    iscntrl((unsigned char)*p))
                        plain = false;
        if (plain) {
                fputs(a, f);
                return;
        }
        fputc('"', f);
        for (const char *p = a; *p; p++) {
                if (strchr("\"\\;#", *p))
                        fputc('\\', f);
                fputc(*p, f);
        }
        fputc('"', f);
}

/* A plain value after "key =", as inih gives it back: one that begins with ';' or '#' follows
 * the '=' or ',' with no space (inih takes either for a comment only after white space). inih
 * has stripped white space from its ends and cut it at a " ;" or " #", so nothing else in a
 * parsed value needs care. */
static void dump_value(const char *v, FILE *f)
{
        if (*v != ';' && *v != '#')
                fputc(' ', f);
        fputs(v, f);
}

static void dump_command(const char *key, char *const *argv, FILE *f)
{
        if (!argv) {
                fprintf(f, "# %s =\n", key);
                return;
        }
        fprintf(f, "%s =", key);
        for (char *const *a = argv; *a; a++) {
                fputc(' ', f);
                dump_arg(*a, f);
        }
        fputc('\n', f);
}

void config_dump(const struct config *c, FILE *f)
{
        char t1[8], t2[8], d[32];

        fmt_hhmm(c->preferred_time, t1);
        fprintf(f, "[schedule]\npreferred_time = %s\n", t1);
        if (c->quiet_start == c->quiet_end)
                fprintf(f, "quiet_hours = off\n");
        else {
                fmt_hhmm(c->quiet_start, t1);
                fmt_hhmm(c->quiet_end, t2);
                fprintf(f, "quiet_hours = %s-%s\n", t1, t2);
        }
        fprintf(f, "digest_threshold = %u\n", c->digest_threshold);
        fprintf(f, "snooze = %s\n", time_format_duration(c->snooze, d, sizeof(d)));
        fprintf(f, "critical_after = %s\n", time_format_duration(c->critical_after, d, sizeof(d)));
        fprintf(f, "\n[cadence]\n");
        for (int n = 0; n < _NETWORK_MAX; n++)
                fprintf(f, "%s = %s\n", network_to_string((enum network)n),
                        time_format_duration(c->cadence[n], d, sizeof(d)));
        fprintf(f, "\n[notify]\ndesktop = %s\n", c->desktop ? "yes" : "no");
        dump_command("command", c->command, f);
        dump_command("open_command", c->open_command, f);
        fprintf(f, "\n[goals]\nfollow_up = %s\n",
                time_format_duration(c->goal_follow_up, d, sizeof(d)));
        fputs("\n[sync]\nvdir =", f);
        dump_value(strempty(c->sync_vdir), f);
        fputs("\nics =", f);
        dump_value(strempty(c->sync_ics), f);
        fputs("\nexclude =", f);
        for (unsigned b = 0, first = 1; b < 4; b++)
                if (c->sync_exclude & (1u << b)) {
                        fprintf(f, "%s %s", first ? "" : ",",
                                (const char *const[]){"notes", "history", "ledger", "goals"}[b]);
                        first = 0;
                }
        fputc('\n', f);
        fprintf(f, "\n[backup]\nkeep = %u\nevery = %s\n", c->backup_keep,
                time_format_duration(c->backup_every, d, sizeof(d)));
        if (c->backup_dir) {
                fputs("dir =", f);
                dump_value(c->backup_dir, f);
                fputc('\n', f);
        } else
                fprintf(f, "# dir = $XDG_STATE_HOME/tend/backups\n");
        fprintf(f, "\n[plan]\ntolerance = %u\nrecent = %s\n", c->plan_tolerance,
                time_format_duration(c->plan_recent, d, sizeof(d)));
        fputs("\n[capture]\nnotmuch =", f);
        dump_value(c->capture_notmuch ? c->capture_notmuch : "off", f);
        fprintf(f, "\n%scalendar =", c->capture_calendar ? "" : "# ");
        dump_value(strempty(c->capture_calendar), f);
        fputs("\nme =", f);
        for (char **m = c->capture_me; m && *m; m++) {
                if (m != c->capture_me)
                        fputc(',', f);
                dump_value(*m, f);
        }
        fprintf(f, "\nreceived = %s\nmax_recipients = %u\nbackfill = %s\n",
                c->capture_received_touch ? "touch" : "history", c->capture_max_recipients,
                time_format_duration(c->capture_backfill, d, sizeof(d)));
}

/* ---- command expansion ---- */

int config_expand_command(char *const *tmpl, const char *const vars[static _CONFIG_VAR_MAX],
                          char ***ret)
{
        _cleanup_strv_ char **argv = NULL;

        for (char *const *a = tmpl; a && *a; a++) {
                _cleanup_free_ char *out = NULL;
                size_t size = 0;
                FILE *m = open_memstream(&out, &size);

                if (!m)
                        return -ENOMEM;
                for (const char *p = *a; *p; p++) {
                        const char *close;
                        int v = -1;

                        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
                                fputc(*p++, m);
                                continue;
                        }
                        if (*p == '{' && (close = strchr(p, '}')))
                                for (int i = 0; i < _CONFIG_VAR_MAX; i++)
                                        if (strlen(var_names[i]) == (size_t)(close - p - 1) &&
                                            memcmp(var_names[i], p + 1, close - p - 1) == 0)
                                                v = i;
                        if (v < 0) {
                                fputc(*p, m);
                                continue;
                        }
                        fputs(strempty(vars[v]), m);
                        p = strchr(p, '}');
                }
                if (fclose(m) != 0 || !out)
                        return -ENOMEM;
                if (strv_push(&argv, out) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(argv);
        return 0;
}

int config_check(const char *path, FILE *out, FILE *err)
{
        _cleanup_free_ char *def = NULL;
        _cleanup_strv_ char **errors = NULL;
        struct config c;
        int r;

        if (!path) {
                r = paths_config_file(&def);
                if (r < 0) {
                        fprintf(err, "tendd: cannot find the configuration file: %s\n",
                                strerror(-r));
                        return 1;
                }
                path = def;
        }
        config_init(&c);
        r = config_load(path, &c, &errors);
        for (char **e = errors; e && *e; e++)
                fprintf(err, "%s\n", *e);
        if (r < 0) {
                if (!errors)
                        fprintf(err, "%s: %s\n", path, strerror(-r));
                config_done(&c);
                return 1;
        }
        if (access(path, F_OK) < 0)
                fprintf(out, "# %s does not exist; these are the defaults.\n", path);
        else
                fprintf(out, "# %s is valid; the effective settings:\n", path);
        config_dump(&c, out);
        config_done(&c);
        return 0;
}
