/* Important dates; see dates.h. */
#include "dates.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "reply.h"
#include "schedule.h"
#include "timeutil.h"
#include "util.h"

static bool label_eq(const char *a, const char *b)
{
        return a && b && strcasecmp(a, b) == 0;
}

int dates_get(const struct contact *ct, uint32_t event, struct contact_date *ret)
{
        if (event == CONTACT_DATE_BIRTHDAY)
                return contact_birthday_date(ct, ret);
        for (size_t i = 0; i < ct->n_dates; i++)
                if (ct->dates[i].id == event) {
                        *ret = ct->dates[i];
                        return 1;
                }
        return 0;
}

struct date_state *dates_state(struct contact *ct, uint32_t event)
{
        if (event == CONTACT_DATE_BIRTHDAY)
                return ct->birthday ? &ct->birthday_state : NULL;
        for (size_t i = 0; i < ct->n_dates; i++)
                if (ct->dates[i].id == event)
                        return &ct->dates[i].st;
        return NULL;
}

int64_t dates_fire_time(const struct config *c, const struct date_state *st,
                        const struct date_occurrence *o, int64_t now)
{
        time_t day = (time_t)o->trigger;
        struct tm tm;
        int64_t at;

        if (st->snoozed_to != 0 && st->shown_year == o->year)
                return schedule_fire_time(c, st->snoozed_to, now);
        localtime_r(&day, &tm);
        {
                /* The preferred time by the clock on the wall, DST included. */
                struct tm x = {.tm_year = tm.tm_year,
                               .tm_mon = tm.tm_mon,
                               .tm_mday = tm.tm_mday,
                               .tm_hour = c->preferred_time / 60,
                               .tm_min = c->preferred_time % 60,
                               .tm_isdst = -1};
                at = (int64_t)mktime(&x);
        }
        return schedule_fire_time(c, at, now);
}

int64_t dates_event_next(const struct config *c, const struct contact *ct, uint32_t event,
                         int64_t now)
{
        struct contact_date d;
        struct date_occurrence o;

        if (dates_get(ct, event, &d) <= 0 || contact_date_pending(ct, &d, &o) <= 0)
                return 0;
        return dates_fire_time(c, &d.st, &o, now);
}

int dates_mark_shown(struct contact *ct, uint32_t event)
{
        struct date_state *st = dates_state(ct, event);
        struct contact_date d;
        struct date_occurrence o;

        if (!st || dates_get(ct, event, &d) <= 0 || contact_date_pending(ct, &d, &o) <= 0)
                return 0;
        st->shown_year = o.year;
        st->snoozed_to = 0;
        st->notify_id = 0; /* the server's id for this showing comes with its answer */
        return o.year;
}

int dates_mark_unshown(struct contact *ct, uint32_t event, int64_t now)
{
        struct date_state *st = dates_state(ct, event);

        if (!st || st->shown_year == 0 || st->snoozed_to != 0 || st->notify_id != 0)
                return 0;
        st->notify_id = DATES_NOTIFY_UNSHOWN;
        st->snoozed_to = now + DATES_UNSHOWN_RETRY;
        return 1;
}

bool dates_unshown(const struct contact *ct, uint32_t event)
{
        struct contact_date d;

        return dates_get(ct, event, &d) > 0 && d.st.shown_year != 0 &&
               d.st.notify_id == DATES_NOTIFY_UNSHOWN && d.st.snoozed_to != 0;
}

int dates_deliver(struct contact *ct, uint32_t event, int64_t now)
{
        struct date_state *st = dates_state(ct, event);

        if (!st || !dates_unshown(ct, event))
                return 0;
        st->snoozed_to = now;
        return 1;
}

/* The occurrence a button acts on: the one shown, else the pending one (shown now). */
static struct date_state *button_state(struct contact *ct, uint32_t event)
{
        struct date_state *st = dates_state(ct, event);

        if (st && st->shown_year == 0)
                dates_mark_shown(ct, event);
        return st;
}

int dates_done(struct contact *ct, uint32_t event, int64_t now)
{
        struct date_state *st = button_state(ct, event);

        if (!st)
                return -ENOENT;
        st->acked_year = st->shown_year;
        st->snoozed_to = 0;
        if (st->notify_id == DATES_NOTIFY_UNSHOWN)
                st->notify_id = 0;
        return 0;
}

int dates_snooze(struct contact *ct, uint32_t event, int64_t now)
{
        struct date_state *st = button_state(ct, event);

        if (!st)
                return -ENOENT;
        if (st->shown_year == 0)
                return -ENOENT; /* a one-off date that has passed */
        st->snoozed_to = now + DATES_SNOOZE;
        if (st->notify_id == DATES_NOTIFY_UNSHOWN)
                st->notify_id = 0; /* answered: no longer waiting for a server */
        return 0;
}

int dates_label_validate(const char *label)
{
        if (!label || !*label || text_validate(label, DATE_LABEL_MAX, false) < 0)
                return -EINVAL;
        return 0;
}

static int normalize(const char *date, char buf[static DATE_TEXT_MAX])
{
        struct date_md d;

        if (date_md_parse(date, &d) < 0)
                return -EINVAL;
        date_md_format(&d, buf);
        return 0;
}

int dates_set_birthday(struct contact *ct, const char *date, int64_t now)
{
        char buf[DATE_TEXT_MAX];
        char *copy = NULL;

        if (date) {
                if (normalize(date, buf) < 0)
                        return -EINVAL;
                if (ct->birthday && streq(ct->birthday, buf))
                        return 0;
                copy = strdup(buf);
                if (!copy)
                        return -ENOMEM;
        }
        free(ct->birthday);
        ct->birthday = copy;
        ct->birthday_state = (struct date_state){.since = date ? now : 0};
        return 0;
}

int dates_add(struct contact *ct, const char *label, const char *date, bool yearly, int remind_days,
              int64_t now)
{
        char buf[DATE_TEXT_MAX];
        struct contact_date d = {0}, *nd;
        uint32_t id = CONTACT_DATE_BIRTHDAY + 1;
        int r;

        if (dates_label_validate(label) < 0 || normalize(date, buf) < 0 || remind_days < 0 ||
            remind_days > DATE_REMIND_MAX_DAYS)
                return -EINVAL;
        if (label_eq(label, "birthday")) {
                r = dates_set_birthday(ct, buf, now);
                return r < 0 ? r : CONTACT_DATE_BIRTHDAY;
        }
        for (size_t i = 0; i < ct->n_dates; i++) {
                if (label_eq(ct->dates[i].label, label))
                        return -EEXIST;
                if (ct->dates[i].id >= id)
                        id = ct->dates[i].id + 1;
        }
        if (ct->n_dates >= CONTACT_DATES_MAX)
                return -E2BIG;
        d = (struct contact_date){
            .id = id,
            .label = strdup(label),
            .date = strdup(buf),
            .yearly = yearly || label_eq(label, "anniversary"),
            .remind_days = remind_days,
            .st = {.since = now},
        };
        nd = reallocarray(ct->dates, ct->n_dates + 1, sizeof(*nd));
        if (!d.label || !d.date || !nd) {
                contact_date_done(&d);
                if (nd)
                        ct->dates = nd;
                return -ENOMEM;
        }
        ct->dates = nd;
        ct->dates[ct->n_dates++] = d;
        return (int)id;
}

int dates_remove(struct contact *ct, const char *id_or_label)
{
        char *end;
        unsigned long id = strtoul(id_or_label, &end, 10);
        bool numeric = *id_or_label && !*end;

        if (label_eq(id_or_label, "birthday") || (numeric && id == CONTACT_DATE_BIRTHDAY)) {
                if (!ct->birthday)
                        return -ENOENT;
                return dates_set_birthday(ct, NULL, 0);
        }
        for (size_t i = 0; i < ct->n_dates; i++)
                if ((numeric && ct->dates[i].id == id) ||
                    label_eq(ct->dates[i].label, id_or_label)) {
                        contact_date_done(&ct->dates[i]);
                        memmove(&ct->dates[i], &ct->dates[i + 1],
                                (ct->n_dates - i - 1) * sizeof(*ct->dates));
                        ct->n_dates--;
                        return 0;
                }
        return -ENOENT;
}

int dates_next_from_today(const struct contact *ct, const struct contact_date *d, int64_t now,
                          struct date_occurrence *ret)
{
        struct date_state fresh = {.since = now};
        struct date_md md;

        if (date_md_parse(d->date, &md) < 0)
                return 0;
        /* A one-off date counts from when it was added: it may lie ahead of today still. */
        return date_pending(&md, d->yearly, d->remind_days, &fresh, ct->created, ret);
}

static int days_between(int64_t from_day, int64_t to_day)
{
        /* Local midnights: a DST day is 23 or 25 hours, rounding absorbs it. */
        return (int)((to_day - from_day + 43200) / 86400);
}

static int64_t today(int64_t now)
{
        time_t t = (time_t)now;
        struct tm tm;

        localtime_r(&t, &tm);
        return date_local_midnight(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 0);
}

json_t *dates_to_json(const struct config *c, const struct contact *ct,
                      const struct contact_date *d, int64_t now)
{
        struct date_occurrence o, p;
        struct date_md md;
        json_t *j;
        char next[DATE_TEXT_MAX];

        if (date_md_parse(d->date, &md) < 0)
                return json_null();
        j = json_pack("{s:I,s:s,s:s,s:b,s:i}", "id", (json_int_t)d->id, "label", d->label, "date",
                      d->date, "yearly", d->yearly, "remind_days", (int)d->remind_days);
        if (!j)
                return NULL;
        if (dates_next_from_today(ct, d, now, &o) > 0) {
                struct date_md nd = {o.year, md.month, date_md_day_in(&md, o.year)};

                date_md_format(&nd, next);
                if (json_object_set_new(j, "next", json_string(next)) < 0 ||
                    json_object_set_new(j, "in_days",
                                        json_integer(days_between(today(now), o.day))) < 0 ||
                    (md.year > 0 &&
                     json_object_set_new(j, "years", json_integer(o.year - md.year)) < 0)) {
                        json_decref(j);
                        return NULL;
                }
        }
        if (d->st.acked_year &&
            json_object_set_new(j, "acknowledged", json_integer(d->st.acked_year)) < 0) {
                json_decref(j);
                return NULL;
        }
        if (contact_date_pending(ct, d, &p) > 0 &&
            json_object_set_new(j, "pending_at",
                                reply_time_or_null(dates_fire_time(c, &d->st, &p, now))) < 0) {
                json_decref(j);
                return NULL;
        }
        return j;
}

json_t *dates_contact_json(const struct config *c, const struct contact *ct, int64_t now)
{
        json_t *a = json_array();
        struct contact_date bd;

        if (!a)
                return NULL;
        if (contact_birthday_date(ct, &bd) > 0 &&
            json_array_append_new(a, dates_to_json(c, ct, &bd, now)) < 0)
                goto fail;
        for (size_t i = 0; i < ct->n_dates; i++)
                if (json_array_append_new(a, dates_to_json(c, ct, &ct->dates[i], now)) < 0)
                        goto fail;
        return a;
fail:
        json_decref(a);
        return NULL;
}

int dates_notification_text(const struct contact *ct, const struct contact_date *d, int year,
                            int64_t now, bool markup, char **ret_summary, char **ret_body)
{
        char *summary = NULL, *body = NULL;
        size_t size = 0;
        struct date_md md;
        FILE *m;
        int in_days;

        if (date_md_parse(d->date, &md) < 0)
                md = (struct date_md){0, 1, 1};
        in_days = days_between(today(now),
                               date_local_midnight(year, md.month, date_md_day_in(&md, year), 0));
        m = open_memstream(&summary, &size);
        if (!m)
                return -ENOMEM;
        schedule_put_text(m, strempty(ct->name), markup);
        fputs(": ", m);
        schedule_put_text(m, d->label, markup);
        if (fclose(m) != 0) {
                free(summary);
                return -ENOMEM;
        }
        m = open_memstream(&body, &size);
        if (!m) {
                free(summary);
                return -ENOMEM;
        }
        if (md.year > 0 && year > md.year) {
                if (d->id == CONTACT_DATE_BIRTHDAY)
                        fprintf(m, "Turns %d ", year - md.year);
                else
                        fprintf(m, "%d year%s ", year - md.year, year - md.year == 1 ? "" : "s");
        }
        if (in_days == 0)
                fputs(md.year > 0 && year > md.year ? "today" : "Today", m);
        else if (in_days > 0)
                fprintf(m, "%s %d day%s (%04d-%02d-%02d)",
                        md.year > 0 && year > md.year ? "in" : "In", in_days,
                        in_days == 1 ? "" : "s", year, md.month, date_md_day_in(&md, year));
        else
                fprintf(m, "%s%d day%s ago", md.year > 0 && year > md.year ? "" : "", -in_days,
                        in_days == -1 ? "" : "s");
        if (ct->agenda && *ct->agenda) {
                fputs("\nAgenda: ", m);
                schedule_put_text(m, ct->agenda, markup);
        }
        if (fclose(m) != 0) {
                free(summary);
                free(body);
                return -ENOMEM;
        }
        *ret_summary = summary;
        *ret_body = body;
        return 0;
}
