/* Meetings in a calendar file; see calendar-events.h. */
#include "calendar-events.h"

#include <errno.h>
#include <libical/ical.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"

#define ZONE_NAME_MAX 64
/* set_start lands a little before the window: its conversion of a floating start is rough. */
#define SET_START_MARGIN (2 * 86400)
/* Embedded time zones are worked out from a year this long before the window. */
#define ZONE_TRIM_MARGIN (2 * 366 * 86400LL)

/* One occurrence of a series: its start in UTC and as written (the RID of its key). */
struct instance {
        int64_t at;
        struct icaltimetype t;
};

struct ctx {
        char *const *me;
        int64_t from, now;
        uint64_t deadline_ms;
        struct calendar_events *out;
        size_t cap;
        /* The VCALENDAR whose VTIMEZONEs were last checked, and whether they look like zones. */
        icalcomponent *checked_cal;
        bool cal_zones_plain;
        /* The last TZID resolved in which VCALENDAR (a file's events share it) and its zone. */
        char *last_tzid;
        icalcomponent *last_cal;
        icaltimezone *last_zone;
};

/* The budget is CPU time: a busy machine makes reading slower, not shorter. */
static uint64_t mono_ms(void)
{
        struct timespec ts;

        if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
                clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool over_budget(const struct ctx *c)
{
        return mono_ms() > c->deadline_ms;
}

_printf_(2, 3) static void problem(struct ctx *c, const char *fmt, ...)
{
        va_list ap;

        c->out->problems++;
        if (c->out->problem)
                return;
        va_start(ap, fmt);
        if (vasprintf(&c->out->problem, fmt, ap) < 0)
                c->out->problem = NULL;
        va_end(ap);
}

/* ---- time zones ---- */

/* A name that can only be a file under the system's zoneinfo directory (libical looks a
 * name it does not know up there): letters, digits, "/_-+", no "..", not absolute. */
static bool zone_name_ok(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > ZONE_NAME_MAX || s[0] == '/' || strstr(s, ".."))
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || strchr("/_-+", *s)))
                        return false;
        return true;
}

/* The system's zone for a TZID: the name itself, or what follows a prefix
 * ("/freeassociation.sourceforge.net/Tzfile/Europe/Berlin", "/mozilla.org/20050126_1/…"). */
static icaltimezone *system_zone(const char *tzid)
{
        for (const char *p = tzid; p; p = strchr(p, '/')) {
                if (*p == '/')
                        p++;
                /* A single word after a prefix is no zone of the data ("Berlin"). */
                if (p != tzid && !strchr(p, '/'))
                        break;
                if (zone_name_ok(p)) {
                        icaltimezone *z = icaltimezone_get_builtin_timezone(p);

                        if (z)
                                return z;
                }
        }
        return NULL;
}

/* Whether a VTIMEZONE rule is one a real zone could have: yearly, on one day of one month,
 * at DTSTART's time of day. Anything else (a secondly rule, lists of hours) would make
 * libical expand millions of transitions. */
static bool zone_rule_plain(const struct icalrecurrencetype *r)
{
        if (r->freq != ICAL_YEARLY_RECURRENCE)
                return false;
        if (r->by_second[0] != ICAL_RECURRENCE_ARRAY_MAX ||
            r->by_minute[0] != ICAL_RECURRENCE_ARRAY_MAX ||
            r->by_hour[0] != ICAL_RECURRENCE_ARRAY_MAX ||
            r->by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
            r->by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX ||
            r->by_set_pos[0] != ICAL_RECURRENCE_ARRAY_MAX)
                return false;
        if (r->by_month[0] != ICAL_RECURRENCE_ARRAY_MAX &&
            r->by_month[1] != ICAL_RECURRENCE_ARRAY_MAX)
                return false;
        if (r->by_day[0] != ICAL_RECURRENCE_ARRAY_MAX && r->by_day[1] != ICAL_RECURRENCE_ARRAY_MAX)
                return false;
        for (size_t i = 0; i < 8; i++)
                if (r->by_month_day[i] == ICAL_RECURRENCE_ARRAY_MAX)
                        return true;
        return false;
}

static bool cal_zones_plain(icalcomponent *cal)
{
        unsigned parts = 0;

        for (icalcomponent *tz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
             tz; tz = icalcomponent_get_next_component(cal, ICAL_VTIMEZONE_COMPONENT))
                for (icalcomponent *o = icalcomponent_get_first_component(tz, ICAL_ANY_COMPONENT);
                     o; o = icalcomponent_get_next_component(tz, ICAL_ANY_COMPONENT)) {
                        if (++parts > 64)
                                return false;
                        for (icalproperty *p =
                                 icalcomponent_get_first_property(o, ICAL_RRULE_PROPERTY);
                             p; p = icalcomponent_get_next_property(o, ICAL_RRULE_PROPERTY)) {
                                struct icalrecurrencetype r = icalproperty_get_rrule(p);

                                if (!zone_rule_plain(&r))
                                        return false;
                        }
                }
        return true;
}

/* libical works out a VTIMEZONE's transitions from its first DTSTART on, and Outlook writes
 * 1601 there: centuries of work for every file. Only times from the window on are converted,
 * so observances that started long before it start in `year` instead (their yearly rules give
 * the same dates), and those whose rule ended before then are dropped. */
static void zones_trim(icalcomponent *cal, int year)
{
        for (icalcomponent *tz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
             tz; tz = icalcomponent_get_next_component(cal, ICAL_VTIMEZONE_COMPONENT)) {
                icalcomponent *parts[64];
                size_t n = 0, left;

                for (icalcomponent *o = icalcomponent_get_first_component(tz, ICAL_ANY_COMPONENT);
                     o && n < ARRAY_SIZE(parts);
                     o = icalcomponent_get_next_component(tz, ICAL_ANY_COMPONENT))
                        parts[n++] = o;
                left = n;
                for (size_t i = 0; i < n; i++) {
                        icalproperty *dp =
                            icalcomponent_get_first_property(parts[i], ICAL_DTSTART_PROPERTY);
                        icalproperty *rp =
                            icalcomponent_get_first_property(parts[i], ICAL_RRULE_PROPERTY);
                        struct icaltimetype t;
                        struct icalrecurrencetype r;

                        if (!dp || !rp)
                                continue; /* a single observance costs nothing */
                        t = icalproperty_get_dtstart(dp);
                        r = icalproperty_get_rrule(rp);
                        if (icaltime_is_null_time(t) || t.year >= year || r.count > 0)
                                continue;
                        if (!icaltime_is_null_time(r.until) && r.until.year < year) {
                                if (left > 1) {
                                        icalcomponent_remove_component(tz, parts[i]);
                                        icalcomponent_free(parts[i]);
                                        left--;
                                }
                                continue;
                        }
                        t.year = year;
                        if (t.month == 2 && t.day == 29)
                                t.day = 28;
                        icalproperty_set_dtstart(dp, t);
                }
        }
}

static icaltimezone *embedded_zone(struct ctx *c, icalcomponent *ev, const char *tzid)
{
        icalcomponent *cal = icalcomponent_get_parent(ev);

        if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT)
                return NULL;
        if (cal != c->checked_cal) {
                time_t early = (time_t)(c->from - ZONE_TRIM_MARGIN);
                struct tm tm;

                c->checked_cal = cal;
                c->cal_zones_plain = cal_zones_plain(cal);
                if (c->cal_zones_plain && gmtime_r(&early, &tm))
                        zones_trim(cal, tm.tm_year + 1900);
        }
        return c->cal_zones_plain ? icalcomponent_get_timezone(cal, tzid) : NULL;
}

static icaltimezone *resolve_zone(struct ctx *c, icalcomponent *ev, const char *tzid)
{
        icalcomponent *cal = icalcomponent_get_parent(ev);
        icaltimezone *z;

        if (!tzid)
                return NULL;
        if (c->last_tzid && c->last_cal == cal && streq(c->last_tzid, tzid))
                return c->last_zone;
        z = system_zone(tzid);
        if (!z)
                z = embedded_zone(c, ev, tzid);
        if (free_and_strdup(&c->last_tzid, tzid) >= 0) {
                c->last_cal = cal;
                c->last_zone = z;
        }
        return z;
}

/* A property's DATE or DATE-TIME with its zone attached (UTC and floating stay as they are). */
static struct icaltimetype with_zone(struct ctx *c, icalcomponent *ev, icalproperty *p,
                                     struct icaltimetype t)
{
        icalparameter *tzid;
        icaltimezone *z;

        if (icaltime_is_null_time(t) || t.is_date || icaltime_is_utc(t))
                return t;
        tzid = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
        if (!tzid)
                return t;
        z = resolve_zone(c, ev, icalparameter_get_tzid(tzid));
        if (z)
                t = icaltime_set_timezone(&t, z);
        return t;
}

/* UTC seconds: a zoned time through its zone; floating times and dates as local time. */
static int64_t to_utc(struct icaltimetype t)
{
        struct tm tm = {
            .tm_year = t.year - 1900,
            .tm_mon = t.month - 1,
            .tm_mday = t.day,
            .tm_isdst = -1,
        };

        if (!t.is_date && t.zone)
                return (int64_t)icaltime_as_timet_with_zone(t, t.zone);
        if (!t.is_date) {
                tm.tm_hour = t.hour;
                tm.tm_min = t.minute;
                tm.tm_sec = t.second;
        }
        return (int64_t)mktime(&tm);
}

/* ---- people ---- */

/* The address in a CAL-ADDRESS: "mailto:" dropped; another scheme is no address. */
static const char *cal_address(const char *v)
{
        if (!v)
                return NULL;
        if (strncasecmp(v, "mailto:", 7) == 0)
                v += 7;
        else if (strchr(v, ':'))
                return NULL;
        return strchr(v, '@') && !strchr(v, ' ') ? v : NULL;
}

static int push_unique(char ***emails, const char *a)
{
        if (strv_contains(*emails, a, true))
                return 0;
        return strv_push(emails, a);
}

/* Whether an event (or one overridden occurrence) is a meeting that took place with someone:
 * 1 with *ret the others' addresses; 0 when cancelled, declined by you, without attendees or
 * with nobody but you; -ENOMEM. */
static int meeting_people(struct ctx *c, icalcomponent *ev, char ***ret)
{
        _cleanup_strv_ char **emails = NULL;
        bool attendees = false;
        icalproperty *p;
        const char *a;
        int r;

        *ret = NULL;
        if (icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED)
                return 0;
        for (p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); p;
             p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY)) {
                icalparameter *ps = icalproperty_get_first_parameter(p, ICAL_PARTSTAT_PARAMETER);
                bool declined = ps && icalparameter_get_partstat(ps) == ICAL_PARTSTAT_DECLINED;

                attendees = true;
                a = cal_address(icalproperty_get_attendee(p));
                if (!a)
                        continue;
                if (strv_contains(c->me, a, true)) {
                        if (declined)
                                return 0;
                        continue;
                }
                if (!declined && (r = push_unique(&emails, a)) < 0)
                        return r;
        }
        if (!attendees)
                return 0;
        p = icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY);
        a = p ? cal_address(icalproperty_get_organizer(p)) : NULL;
        if (a && !strv_contains(c->me, a, true) && (r = push_unique(&emails, a)) < 0)
                return r;
        if (!emails || !emails[0])
                return 0;
        *ret = TAKE_PTR(emails);
        return 1;
}

/* ---- occurrences ---- */

static char *make_key(const char *uid, const struct instance *rid)
{
        char *key = NULL;
        struct tm tm;
        time_t t;
        int r;

        if (!rid)
                return strdup(uid);
        t = (time_t)rid->at;
        if (rid->t.is_date)
                r = asprintf(&key, "%s/%04d%02d%02d", uid, rid->t.year, rid->t.month, rid->t.day);
        else if (!gmtime_r(&t, &tm))
                return NULL;
        else
                r = asprintf(&key, "%s/%04d%02d%02dT%02d%02d%02dZ", uid, tm.tm_year + 1900,
                             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        return r < 0 ? NULL : key;
}

/* Add one occurrence (key from rid, or the UID alone for a single event) starting at. */
static int add(struct ctx *c, const char *uid, const struct instance *rid, int64_t at,
               char *const *emails)
{
        struct calendar_occurrence *o;
        int r;

        if (c->out->n == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 8;
                struct calendar_occurrence *v = reallocarray(c->out->v, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                c->out->v = v;
                c->cap = cap;
        }
        o = &c->out->v[c->out->n];
        *o = (struct calendar_occurrence){.at = at};
        o->key = make_key(uid, rid);
        if (!o->key)
                return -ENOMEM;
        r = strv_copy(emails, &o->emails);
        if (r < 0) {
                free(o->key);
                return r;
        }
        c->out->n++;
        return 0;
}

static void note_next(struct ctx *c, int64_t at)
{
        if (at > c->now && at <= c->now + CALENDAR_LOOKAHEAD &&
            (c->out->next == 0 || at < c->out->next))
                c->out->next = at;
}

/* What a series leaves out: EXDATEs and the occurrences its overrides replace. */
struct exclusions {
        struct instance *ex;
        size_t n_ex;
        int64_t *rids;
        size_t n_rids;
};

static bool excluded(const struct exclusions *x, const struct instance *in)
{
        for (size_t i = 0; i < x->n_rids; i++)
                if (x->rids[i] == in->at)
                        return true;
        for (size_t i = 0; i < x->n_ex; i++) {
                const struct icaltimetype *e = &x->ex[i].t;

                if (e->is_date && !in->t.is_date) {
                        if (e->year == in->t.year && e->month == in->t.month && e->day == in->t.day)
                                return true;
                } else if (x->ex[i].at == in->at)
                        return true;
        }
        return false;
}

static int instance_cmp(const void *a, const void *b)
{
        const struct instance *x = a, *y = b;

        return x->at < y->at ? -1 : x->at > y->at;
}

/* The occurrences of a series found so far inside the window. */
struct found {
        struct instance *v;
        size_t n, cap;
        bool full;
};

/* One candidate occurrence of a series: kept when inside the window, the next one noted when
 * after now. Returns 1 when the series need not be searched further, 0 to go on, -ENOMEM. */
static int consider(struct ctx *c, const struct exclusions *x, struct found *f,
                    const struct instance *in)
{
        if (in->at > c->now) {
                if (excluded(x, in))
                        return 0;
                note_next(c, in->at);
                return 1;
        }
        if (in->at < c->from || excluded(x, in))
                return 0;
        if (f->n == CALENDAR_OCCURRENCES_MAX) {
                f->full = true;
                return 1;
        }
        if (f->n == f->cap) {
                size_t cap = f->cap ? f->cap * 2 : 8;
                struct instance *v = reallocarray(f->v, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                f->v = v;
                f->cap = cap;
        }
        f->v[f->n++] = *in;
        return 0;
}

static struct instance instance_of(struct icaltimetype t)
{
        return (struct instance){.at = to_utc(t), .t = t};
}

static int expand_rrule(struct ctx *c, const char *uid, struct icaltimetype start,
                        icalproperty *rrule, const struct exclusions *x, struct found *f)
{
        struct icalrecurrencetype rule = icalproperty_get_rrule(rrule);
        icaltimezone *utc = icaltimezone_get_utc_timezone();
        icalrecur_iterator *it;
        int r = 0;

        if (rule.freq == ICAL_NO_RECURRENCE)
                return 0;
        if (rule.freq < ICAL_DAILY_RECURRENCE) {
                problem(c, "%s: a series repeating more often than daily is not expanded", uid);
                return 0;
        }
        /* Nothing past the look-ahead is wanted: an UNTIL there ends the search even when the
         * rule's filters match nothing (libical would look until the year 2582). */
        if (rule.count == 0) {
                struct icaltimetype end = icaltime_from_timet_with_zone(
                    (time_t)(c->now + CALENDAR_LOOKAHEAD), start.is_date, utc);

                if (icaltime_is_null_time(rule.until) || icaltime_compare(rule.until, end) > 0)
                        rule.until = end;
        }
        it = icalrecur_iterator_new(rule, start);
        if (!it) {
                problem(c, "%s: RRULE not understood", uid);
                return 0;
        }
        if (rule.count == 0 && c->from - SET_START_MARGIN > to_utc(start))
                icalrecur_iterator_set_start(
                    it, icaltime_from_timet_with_zone((time_t)(c->from - SET_START_MARGIN),
                                                      start.is_date, utc));
        for (unsigned steps = 0;; steps++) {
                struct icaltimetype t;
                struct instance in;

                if (steps == CALENDAR_STEPS_MAX || (steps % 64 == 0 && over_budget(c))) {
                        problem(c, "%s: series cut short after %u occurrences", uid, steps);
                        break;
                }
                t = icalrecur_iterator_next(it);
                if (icaltime_is_null_time(t))
                        break;
                if (!t.is_date && !t.zone)
                        t.zone = start.zone;
                in = instance_of(t);
                r = consider(c, x, f, &in);
                if (r != 0)
                        break;
        }
        icalrecur_iterator_free(it);
        return r < 0 ? r : 0;
}

static int exclusions_add(struct ctx *c, icalcomponent *ev, struct exclusions *x)
{
        for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); p;
             p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
                struct icaltimetype t = with_zone(c, ev, p, icalproperty_get_exdate(p));
                struct instance *v;

                if (icaltime_is_null_time(t))
                        continue;
                v = reallocarray(x->ex, x->n_ex + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                x->ex = v;
                x->ex[x->n_ex++] = instance_of(t);
        }
        return 0;
}

/* A VEVENT's RECURRENCE-ID as an instance; false when it has none. */
static bool recurrence_id(struct ctx *c, icalcomponent *ev, struct instance *ret)
{
        icalproperty *p = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
        struct icaltimetype t;

        if (!p)
                return false;
        t = with_zone(c, ev, p, icalproperty_get_recurrenceid(p));
        if (icaltime_is_null_time(t))
                return false;
        *ret = instance_of(t);
        return true;
}

static bool start_of(struct ctx *c, icalcomponent *ev, struct icaltimetype *ret)
{
        icalproperty *p = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);

        if (!p)
                return false;
        *ret = with_zone(c, ev, p, icalproperty_get_dtstart(p));
        return !icaltime_is_null_time(*ret) && icaltime_is_valid_time(*ret);
}

/* A series' master (or a single event): its occurrences minus EXDATEs and overridden ones. */
static int expand_master(struct ctx *c, const char *uid, icalcomponent *m, icalcomponent **ovr,
                         size_t n_ovr)
{
        _cleanup_strv_ char **people = NULL;
        struct exclusions x = {};
        struct found f = {};
        struct icaltimetype start;
        struct instance first;
        icalproperty *rrule, *p;
        bool series;
        int r;

        if (!start_of(c, m, &start)) {
                problem(c, "%s: no valid DTSTART", uid);
                return 0;
        }
        r = meeting_people(c, m, &people);
        if (r <= 0)
                return r;
        first = instance_of(start);
        rrule = icalcomponent_get_first_property(m, ICAL_RRULE_PROPERTY);
        series = rrule || icalcomponent_get_first_property(m, ICAL_RDATE_PROPERTY) || n_ovr > 0;
        if (!series) {
                note_next(c, first.at);
                return first.at >= c->from && first.at <= c->now
                           ? add(c, uid, NULL, first.at, people)
                           : 0;
        }

        for (size_t i = 0; i < n_ovr; i++) {
                struct instance rid;
                int64_t *v;

                if (!recurrence_id(c, ovr[i], &rid))
                        continue;
                v = reallocarray(x.rids, x.n_rids + 1, sizeof(*v));
                if (!v) {
                        r = -ENOMEM;
                        goto finish;
                }
                x.rids = v;
                x.rids[x.n_rids++] = rid.at;
        }
        r = exclusions_add(c, m, &x);
        if (r < 0)
                goto finish;

        r = consider(c, &x, &f, &first);
        if (r < 0)
                goto finish;
        /* RFC 5545 allows one RRULE; a file with thousands is not a reason to work for each. */
        if (rrule && (r = expand_rrule(c, uid, start, rrule, &x, &f)) < 0)
                goto finish;
        for (p = icalcomponent_get_first_property(m, ICAL_RDATE_PROPERTY); p;
             p = icalcomponent_get_next_property(m, ICAL_RDATE_PROPERTY)) {
                struct icaldatetimeperiodtype d = icalproperty_get_rdate(p);
                struct icaltimetype t = icaltime_is_null_time(d.time) ? d.period.start : d.time;
                struct instance in;

                t = with_zone(c, m, p, t);
                if (icaltime_is_null_time(t))
                        continue;
                in = instance_of(t);
                r = consider(c, &x, &f, &in);
                if (r < 0)
                        goto finish;
                if (over_budget(c)) {
                        problem(c, "%s: series cut short", uid);
                        break;
                }
        }
        if (f.full)
                problem(c, "%s: more than %d occurrences in the window; the first kept", uid,
                        CALENDAR_OCCURRENCES_MAX);

        qsort_safe(f.v, f.n, sizeof(*f.v), instance_cmp);
        r = 0;
        for (size_t i = 0; i < f.n && r >= 0; i++)
                if (i == 0 || f.v[i].at != f.v[i - 1].at)
                        r = add(c, uid, &f.v[i], f.v[i].at, people);
finish:
        free(x.ex);
        free(x.rids);
        free(f.v);
        return r;
}

/* One overridden occurrence: its own time, status and people; the key of the one it replaces. */
static int add_override(struct ctx *c, const char *uid, icalcomponent *ev)
{
        _cleanup_strv_ char **people = NULL;
        struct icaltimetype start;
        struct instance rid;
        int64_t at;
        int r;

        if (!recurrence_id(c, ev, &rid)) {
                problem(c, "%s: RECURRENCE-ID not understood", uid);
                return 0;
        }
        at = start_of(c, ev, &start) ? to_utc(start) : rid.at;
        r = meeting_people(c, ev, &people);
        if (r <= 0)
                return r;
        note_next(c, at);
        return at >= c->from && at <= c->now ? add(c, uid, &rid, at, people) : 0;
}

/* ---- the file ---- */

struct vevent {
        const char *uid;
        icalcomponent *c;
        size_t order;
};

static int vevent_cmp(const void *a, const void *b)
{
        const struct vevent *x = a, *y = b;
        int d = strcmp(x->uid, y->uid);

        return d ? d : (x->order < y->order ? -1 : x->order > y->order);
}

static int collect(struct ctx *c, icalcomponent *comp, struct vevent **v, size_t *n)
{
        icalcomponent_kind kind = icalcomponent_isa(comp);

        if (kind == ICAL_XROOT_COMPONENT || kind == ICAL_VCALENDAR_COMPONENT) {
                icalcomponent_kind want =
                    kind == ICAL_XROOT_COMPONENT ? ICAL_VCALENDAR_COMPONENT : ICAL_VEVENT_COMPONENT;

                for (icalcomponent *sub = icalcomponent_get_first_component(comp, want); sub;
                     sub = icalcomponent_get_next_component(comp, want)) {
                        int r = collect(c, sub, v, n);

                        if (r < 0)
                                return r;
                }
                return 0;
        }
        if (kind != ICAL_VEVENT_COMPONENT)
                return 0;
        if (*n == CALENDAR_EVENTS_MAX) {
                problem(c, "more than %d events in one file; the rest skipped",
                        CALENDAR_EVENTS_MAX);
                return 0;
        }
        {
                const char *uid = icalcomponent_get_uid(comp);
                struct vevent *nv;

                if (!uid || !*uid) {
                        problem(c, "an event without UID");
                        return 0;
                }
                nv = reallocarray(*v, *n + 1, sizeof(**v));
                if (!nv)
                        return -ENOMEM;
                *v = nv;
                (*v)[*n] = (struct vevent){.uid = uid, .c = comp, .order = *n};
                (*n)++;
        }
        return 0;
}

/* One UID's VEVENTs (sorted: the master, if any, is the first without RECURRENCE-ID). */
static int one_uid(struct ctx *c, struct vevent *v, size_t n)
{
        _cleanup_free_ icalcomponent **ovr = calloc(n, sizeof(*ovr));
        icalcomponent *master = NULL;
        size_t n_ovr = 0;
        int r;

        if (!ovr)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (icalcomponent_get_first_property(v[i].c, ICAL_RECURRENCEID_PROPERTY))
                        ovr[n_ovr++] = v[i].c;
                else if (!master)
                        master = v[i].c;
        }
        /* A cancelled series takes its overridden occurrences with it. */
        if (master && icalcomponent_get_status(master) == ICAL_STATUS_CANCELLED)
                return 0;
        if (master && (r = expand_master(c, v[0].uid, master, ovr, n_ovr)) < 0)
                return r;
        for (size_t i = 0; i < n_ovr; i++) {
                if (over_budget(c)) {
                        problem(c, "%s: cut short", v[0].uid);
                        break;
                }
                r = add_override(c, v[0].uid, ovr[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

void calendar_events_done(struct calendar_events *e)
{
        if (!e)
                return;
        for (size_t i = 0; i < e->n; i++) {
                free(e->v[i].key);
                strv_free(e->v[i].emails);
        }
        free(e->v);
        free(e->problem);
        *e = (struct calendar_events){};
}

int calendar_events_parse(const char *text, char *const *me, int64_t from, int64_t now,
                          struct calendar_events *ret)
{
        struct ctx c = {
            .me = me,
            .from = from,
            .now = now,
            .deadline_ms = mono_ms() + CALENDAR_FILE_BUDGET_MS,
            .out = ret,
        };
        icalcomponent *root;
        struct vevent *v = NULL;
        size_t n = 0;
        int r;

        *ret = (struct calendar_events){};
        /* libical's default for an error it meets is to abort the process. */
        icalerror_set_errors_are_fatal(0);
        root = icalparser_parse_string(text);
        if (!root || (icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT &&
                      icalcomponent_isa(root) != ICAL_XROOT_COMPONENT &&
                      icalcomponent_isa(root) != ICAL_VEVENT_COMPONENT)) {
                if (root)
                        icalcomponent_free(root);
                ret->problem = strdup("not iCalendar");
                ret->problems = 1;
                return -EBADMSG;
        }
        r = collect(&c, root, &v, &n);
        if (r < 0)
                goto finish;
        qsort_safe(v, n, sizeof(*v), vevent_cmp);
        for (size_t i = 0, j; i < n; i = j) {
                for (j = i + 1; j < n && streq(v[j].uid, v[i].uid); j++)
                        ;
                if (over_budget(&c)) {
                        problem(&c, "the file took too long; the rest skipped");
                        break;
                }
                r = one_uid(&c, v + i, j - i);
                if (r < 0)
                        goto finish;
        }
        r = 0;
finish:
        free(v);
        free(c.last_tzid);
        icalcomponent_free(root);
        if (r < 0)
                calendar_events_done(ret);
        return r;
}
