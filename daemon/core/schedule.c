/* Follow-up scheduling rules; see schedule.h. */
#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"
#include "util.h"

#define DIGEST_NAMES_MAX 10  /* contacts named in a digest body */
#define NOTE_EXCERPT_MAX 160 /* bytes of the notes quoted in a body */

static void local_tm(int64_t t, struct tm *tm)
{
        time_t tt = (time_t)t;

        localtime_r(&tt, tm);
}

static int minute_of_day(const struct tm *tm)
{
        return tm->tm_hour * 60 + tm->tm_min;
}

/* The instant of local time `minute` on the calendar day of tm plus days. mktime resolves a
 * time that does not exist (the spring-forward gap) by moving it forward and an ambiguous one
 * (fall back) to one of its two instants. */
static int64_t local_at(const struct tm *tm, int days, int minute)
{
        struct tm x = {
            .tm_year = tm->tm_year,
            .tm_mon = tm->tm_mon,
            .tm_mday = tm->tm_mday + days,
            .tm_hour = minute / 60,
            .tm_min = minute % 60,
            .tm_isdst = -1,
        };

        return (int64_t)mktime(&x);
}

static bool quiet_enabled(const struct config *c)
{
        return c->quiet_start != c->quiet_end;
}

static bool minute_in_quiet(const struct config *c, int m)
{
        if (!quiet_enabled(c))
                return false;
        if (c->quiet_start < c->quiet_end)
                return m >= c->quiet_start && m < c->quiet_end;
        return m >= c->quiet_start || m < c->quiet_end;
}

bool schedule_in_quiet(const struct config *c, int64_t t)
{
        struct tm tm;

        if (!quiet_enabled(c))
                return false;
        local_tm(t, &tm);
        return minute_in_quiet(c, minute_of_day(&tm));
}

int64_t schedule_after_quiet(const struct config *c, int64_t t)
{
        struct tm tm;
        int m, days;
        int64_t end;

        if (!quiet_enabled(c))
                return t;
        local_tm(t, &tm);
        m = minute_of_day(&tm);
        if (!minute_in_quiet(c, m))
                return t;
        /* A span crossing midnight ends tomorrow when we are in its evening part. */
        days = (c->quiet_start > c->quiet_end && m >= c->quiet_start) ? 1 : 0;
        end = local_at(&tm, days, c->quiet_end);
        for (int i = 1; end <= t && i < 4; i++) /* DST oddities: never go backwards */
                end = local_at(&tm, days + i, c->quiet_end);
        return end > t ? end : t;
}

int64_t schedule_fire_time(const struct config *c, int64_t due, int64_t now)
{
        return schedule_after_quiet(c, due > now ? due : now);
}

int64_t schedule_resurface_time(const struct config *c, int64_t notified)
{
        struct tm tm;
        int64_t t;

        local_tm(notified, &tm);
        t = local_at(&tm, 1, c->preferred_time);
        if (t <= notified) /* a 25-hour day, or mktime lost in a gap */
                t = local_at(&tm, 2, c->preferred_time);
        return schedule_after_quiet(c, t);
}

int64_t schedule_contact_next(const struct config *c, const struct contact *ct, int64_t now)
{
        if (ct->next_due == 0)
                return 0;
        if (ct->notified_due != ct->next_due)
                return schedule_fire_time(c, ct->next_due, now);
        if (ct->resurface_at == 0)
                return 0;
        return schedule_after_quiet(c, ct->resurface_at > now ? ct->resurface_at : now);
}

bool schedule_wants_digest(const struct config *c, size_t n)
{
        return n > c->digest_threshold;
}

enum schedule_urgency schedule_urgency(const struct config *c, int64_t due, int64_t now)
{
        if (due < now && now - due > c->critical_after)
                return SCHEDULE_URGENCY_CRITICAL;
        return SCHEDULE_URGENCY_NORMAL;
}

int64_t schedule_snoozed_due(const struct config *c, int64_t now)
{
        return now + c->snooze;
}

int64_t schedule_done_due(int64_t cadence, int64_t now)
{
        return cadence > 0 ? now + cadence : 0;
}

void schedule_mark_notified(const struct config *c, struct contact *ct, int64_t now)
{
        ct->notified_due = ct->next_due;
        ct->notified_at = now;
        ct->resurface_at = schedule_resurface_time(c, now);
}

bool schedule_already_told(const struct contact *ct)
{
        return ct->next_due != 0 && ct->notified_due != ct->next_due && ct->notified_at != 0 &&
               ct->notified_at >= ct->last_interaction && ct->next_due <= ct->notified_at;
}

bool schedule_unshown(const struct contact *ct)
{
        return ct->next_due != 0 && ct->notified_due == ct->next_due && ct->notify_unshown;
}

/* ---- text ---- */

/* Append s to m, escaping the markup the notification spec allows (a subset of HTML). */
static void put_text(FILE *m, const char *s, size_t len, bool markup)
{
        for (size_t i = 0; i < len; i++) {
                if (markup && s[i] == '&')
                        fputs("&amp;", m);
                else if (markup && s[i] == '<')
                        fputs("&lt;", m);
                else if (markup && s[i] == '>')
                        fputs("&gt;", m);
                else if (markup && s[i] == '"')
                        fputs("&quot;", m);
                else if (markup && s[i] == '\'')
                        fputs("&apos;", m);
                else
                        fputc(s[i], m);
        }
}

static void put_str(FILE *m, const char *s, bool markup)
{
        put_text(m, s, strlen(s), markup);
}

void schedule_put_text(FILE *m, const char *s, bool markup)
{
        put_str(m, s, markup);
}

/* The first line of the notes, cut at a UTF-8 boundary. */
static void put_excerpt(FILE *m, const char *notes, bool markup)
{
        size_t len = strcspn(notes, "\n");
        bool cut = len > NOTE_EXCERPT_MAX;

        if (cut) {
                len = NOTE_EXCERPT_MAX;
                while (len > 0 && ((unsigned char)notes[len] & 0xc0) == 0x80)
                        len--;
        }
        put_text(m, notes, len, markup);
        if (cut || notes[strcspn(notes, "\n")] == '\n')
                fputs("…", m);
}

/* A WHO for a shell command line that names ct exactly: the id is unambiguous and needs no
 * quoting, whatever the name holds. */
static void put_commands(FILE *m, const struct contact *ct)
{
        fprintf(m, "\nRun: tend done %llu   or: tend snooze %llu 1w", (unsigned long long)ct->id,
                (unsigned long long)ct->id);
}

char *schedule_summary(const struct contact *ct)
{
        char *s;

        if (asprintf(&s, "Follow up with %s", strempty(ct->name)) < 0)
                return NULL;
        return s;
}

char *schedule_body(const struct contact *ct, int64_t now, bool markup, bool actions)
{
        char *out = NULL, days[64];
        size_t size = 0;
        FILE *m = open_memstream(&out, &size);
        bool first = true;

        if (!m)
                return NULL;
        for (int n = 0; n < _NETWORK_MAX; n++)
                if (ct->networks & (1u << n)) {
                        fputs(first ? "" : ", ", m);
                        fputs(network_to_string((enum network)n), m);
                        first = false;
                }
        if (!first)
                fputs(" network", m);
        if (ct->org && *ct->org) {
                fputs(first ? "" : " · ", m);
                put_str(m, ct->org, markup);
                first = false;
        }
        if (ct->notes && *ct->notes) {
                fputs(first ? "" : "\n", m);
                put_excerpt(m, ct->notes, markup);
                first = false;
        }
        fputs(first ? "" : "\n", m);
        if (ct->last_interaction) {
                fputs("Last: ", m);
                put_str(m, ct->last_kind ? ct->last_kind : "contact", markup);
                fprintf(m, ", %s",
                        time_format_days(ct->last_interaction, now, TIME_DAYS_WHEN, days,
                                         sizeof(days)));
        } else
                fputs("No interaction logged yet", m);
        if (ct->agenda && *ct->agenda) {
                fputs("\nAgenda: ", m);
                put_excerpt(m, ct->agenda, markup);
        }
        if (ct->next_due && ct->next_due < now - 3600)
                fprintf(m, "\n%s",
                        time_format_days(ct->next_due, now, TIME_DAYS_DUE, days, sizeof(days)));
        if (!actions)
                put_commands(m, ct);
        if (fclose(m) != 0) {
                free(out);
                return NULL;
        }
        return out;
}

int schedule_digest_text(const struct contact *const *cts, size_t n, int64_t now, bool markup,
                         char **ret_summary, char **ret_body)
{
        char *summary = NULL, *body = NULL, days[64];
        size_t size = 0;
        FILE *m;

        if (asprintf(&summary, "%zu follow-up%s due", n, n == 1 ? "" : "s") < 0)
                return -ENOMEM;
        m = open_memstream(&body, &size);
        if (!m) {
                free(summary);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n && i < DIGEST_NAMES_MAX; i++) {
                if (i)
                        fputc('\n', m);
                put_str(m, strempty(cts[i]->name), markup);
                if (cts[i]->next_due && cts[i]->next_due < now - 3600)
                        fprintf(m, " (%s)",
                                time_format_days(cts[i]->next_due, now, TIME_DAYS_DUE, days,
                                                 sizeof(days)));
        }
        if (n > DIGEST_NAMES_MAX)
                fprintf(m, "\nand %zu more", n - DIGEST_NAMES_MAX);
        fputs("\nRun: tend due", m);
        if (fclose(m) != 0) {
                free(summary);
                free(body);
                return -ENOMEM;
        }
        *ret_summary = summary;
        *ret_body = body;
        return 0;
}
