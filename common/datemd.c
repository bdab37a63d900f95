/* Important dates; see datemd.h. */
#include "datemd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool leap(int y)
{
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int year, int month)
{
        static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

        if (month == 2 && (year == 0 || leap(year)))
                return 29; /* year 0: unknown, Feb 29 allowed */
        return days[month - 1];
}

static int digits(const char *s, size_t n)
{
        int v = 0;

        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

int date_md_parse(const char *s, struct date_md *ret)
{
        struct date_md d = {0};
        size_t len;

        if (!s)
                return -EINVAL;
        if (s[0] == '-' && s[1] == '-')
                s += 2;
        len = strlen(s);
        if (len == 10 && s[4] == '-' && s[7] == '-') {
                d.year = digits(s, 4);
                s += 5;
                if (d.year < 1)
                        return -EINVAL;
        } else if (len != 5)
                return -EINVAL;
        if (s[2] != '-')
                return -EINVAL;
        d.month = digits(s, 2);
        d.day = digits(s + 3, 2);
        if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > month_days(d.year, d.month))
                return -EINVAL;
        *ret = d;
        return 0;
}

void date_md_format(const struct date_md *d, char buf[static DATE_TEXT_MAX])
{
        if (d->year > 0)
                snprintf(buf, DATE_TEXT_MAX, "%04u-%02u-%02u", (unsigned)d->year % 10000u,
                         (unsigned)d->month % 100u, (unsigned)d->day % 100u);
        else
                snprintf(buf, DATE_TEXT_MAX, "--%02u-%02u", (unsigned)d->month % 100u,
                         (unsigned)d->day % 100u);
}

int date_md_day_in(const struct date_md *d, int year)
{
        int max = month_days(year, d->month);

        return d->day > max ? max : d->day;
}

int64_t date_local_midnight(int year, int month, int day, int days)
{
        /* Without mktime: it re-reads the zone file on every call when TZ is unset, and this
         * runs for every contact written (the sched index). The UTC midnight of the day, moved
         * by the local UTC offset in force then (localtime_r, which does not re-read it). */
        struct tm u = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day + days};
        time_t t0 = timegm(&u), t = t0, prev = t0;

        for (int i = 0; i < 4; i++) {
                struct tm l;
                time_t n;

                if (!localtime_r(&t, &l))
                        return (int64_t)t0;
                n = t0 - l.tm_gmtoff;
                if (n == t)
                        return (int64_t)t;
                prev = t;
                t = n;
        }
        /* Midnight does not exist that day (a DST gap at 00:00): the later candidate, the
         * first instant of the day, as mktime would. */
        return (int64_t)(t > prev ? t : prev);
}

int date_local_year(int64_t t)
{
        time_t tt = (time_t)t;
        struct tm tm;

        localtime_r(&tt, &tm);
        return tm.tm_year + 1900;
}

int date_pending(const struct date_md *d, bool yearly, int remind_days, const struct date_state *st,
                 int64_t created, struct date_occurrence *ret)
{
        time_t since = (time_t)(st->since ? st->since : created);
        struct tm stm;
        int64_t since_day;
        int year;

        if (st->snoozed_to != 0 && st->shown_year != 0) {
                *ret = (struct date_occurrence){
                    .year = st->shown_year,
                    .day = date_local_midnight(st->shown_year, d->month,
                                               date_md_day_in(d, st->shown_year), 0),
                    .trigger = st->snoozed_to,
                };
                return 1;
        }
        /* A one-off date is shown once. */
        if (!yearly && st->shown_year != 0)
                return 0;
        localtime_r(&since, &stm);
        since_day = date_local_midnight(stm.tm_year + 1900, stm.tm_mon + 1, stm.tm_mday, 0);
        year = stm.tm_year + 1900;
        if (st->shown_year >= year)
                year = st->shown_year + 1;
        if (!yearly && d->year > 0) {
                if (d->year < year)
                        return 0;
                year = d->year;
        }
        /* Two tries: this year's may have passed already. */
        for (int i = 0; i < 2; i++, year++) {
                int64_t day;

                if (yearly && d->year > 0 && year < d->year)
                        year = d->year;
                day = date_local_midnight(year, d->month, date_md_day_in(d, year), 0);
                if (day < since_day) {
                        if (!yearly && d->year > 0)
                                return 0;
                        continue;
                }
                *ret = (struct date_occurrence){
                    .year = year,
                    .day = day,
                    .trigger =
                        date_local_midnight(year, d->month, date_md_day_in(d, year), -remind_days),
                };
                return 1;
        }
        return 0;
}

int contact_birthday_date(const struct contact *ct, struct contact_date *ret)
{
        struct date_md d;

        if (!ct->birthday || date_md_parse(ct->birthday, &d) < 0)
                return 0;
        *ret = (struct contact_date){
            .id = CONTACT_DATE_BIRTHDAY,
            .label = (char *)"birthday",
            .date = ct->birthday,
            .yearly = true,
            .st = ct->birthday_state,
        };
        return 1;
}

int contact_date_pending(const struct contact *ct, const struct contact_date *cd,
                         struct date_occurrence *ret)
{
        struct date_md d;

        if (date_md_parse(cd->date, &d) < 0)
                return 0;
        return date_pending(&d, cd->yearly, cd->remind_days, &cd->st, ct->created, ret);
}

int contact_date_copy(struct contact_date *dst, const struct contact_date *src)
{
        struct contact_date c = *src;

        c.label = src->label ? strdup(src->label) : NULL;
        c.date = src->date ? strdup(src->date) : NULL;
        if ((src->label && !c.label) || (src->date && !c.date)) {
                free(c.label);
                free(c.date);
                return -ENOMEM;
        }
        *dst = c;
        return 0;
}
