#include "ical.h"

#include <stdio.h>
#include <time.h>

void ical_begin(struct strbuf *out)
{
        strbuf_puts(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tend//tend " TEND_VERSION
                         "//EN\r\nCALSCALE:GREGORIAN\r\n");
}

char *ical_format_time(int64_t t, char buf[static 17])
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm))
                tm = (struct tm){.tm_year = 70, .tm_mday = 1};
        snprintf(buf, 17, "%04u%02u%02uT%02u%02u%02uZ", (unsigned)(tm.tm_year + 1900) % 10000u,
                 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
                 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
                 (unsigned)tm.tm_sec % 100u);
        return buf;
}

static void prop_text(struct strbuf *out, struct strbuf *line, const char *name, const char *text)
{
        strbuf_reset(line);
        strbuf_puts(line, name);
        strbuf_putc(line, ':');
        strbuf_put_text(line, text, false);
        if (line->error)
                out->error = line->error;
        else
                strbuf_put_folded(out, line->data, line->len);
}

static void prop_raw(struct strbuf *out, struct strbuf *line, const char *name, const char *value)
{
        strbuf_reset(line);
        strbuf_puts(line, name);
        strbuf_putc(line, ':');
        strbuf_puts(line, value);
        if (line->error)
                out->error = line->error;
        else
                strbuf_put_folded(out, line->data, line->len);
}

int ical_add_todo(struct strbuf *out, const struct ical_todo *t)
{
        struct strbuf line = {0};
        char buf[17], pri[4];

        if (!t->uid || !*t->uid || !t->summary || !*t->summary || t->due == 0)
                return -EINVAL;
        strbuf_puts(out, "BEGIN:VTODO\r\n");
        prop_text(out, &line, "UID", t->uid);
        prop_raw(out, &line, "DTSTAMP", ical_format_time(t->dtstamp, buf));
        prop_text(out, &line, "SUMMARY", t->summary);
        if (t->description && *t->description)
                prop_text(out, &line, "DESCRIPTION", t->description);
        if (t->url && *t->url)
                prop_raw(out, &line, "URL", t->url);
        if (t->categories && *t->categories) {
                /* A list: commas separate categories and stay unescaped. */
                strbuf_reset(&line);
                strbuf_puts(&line, "CATEGORIES:");
                strbuf_put_text(&line, t->categories, true);
                if (!line.error)
                        strbuf_put_folded(out, line.data, line.len);
        }
        prop_raw(out, &line, "DUE", ical_format_time(t->due, buf));
        if (t->priority > 0 && t->priority <= 9) {
                snprintf(pri, sizeof(pri), "%d", t->priority);
                prop_raw(out, &line, "PRIORITY", pri);
        }
        strbuf_puts(out, "STATUS:NEEDS-ACTION\r\n"
                         "BEGIN:VALARM\r\n"
                         "ACTION:DISPLAY\r\n");
        prop_text(out, &line, "DESCRIPTION", t->summary);
        strbuf_puts(out, "TRIGGER;RELATED=END:PT0S\r\n"
                         "END:VALARM\r\n"
                         "END:VTODO\r\n");
        strbuf_done(&line);
        return 0;
}

int ical_add_date(struct strbuf *out, const struct ical_date *d)
{
        static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        struct strbuf line = {0};
        char buf[32];
        int year = d->year > 0 ? d->year : 2000;

        if (!d->uid || !*d->uid || !d->summary || !*d->summary || d->month < 1 || d->month > 12 ||
            d->day < 1 || d->day > mdays[d->month - 1] || year > 9999 ||
            (d->month == 2 && d->day == 29 && !(year % 4 == 0 && (year % 100 || year % 400 == 0))))
                return -EINVAL;
        strbuf_puts(out, "BEGIN:VEVENT\r\n");
        prop_text(out, &line, "UID", d->uid);
        prop_raw(out, &line, "DTSTAMP", ical_format_time(d->dtstamp, buf));
        snprintf(buf, sizeof(buf), "%04d%02d%02d", year, d->month, d->day);
        prop_raw(out, &line, "DTSTART;VALUE=DATE", buf);
        prop_text(out, &line, "SUMMARY", d->summary);
        if (d->description && *d->description)
                prop_text(out, &line, "DESCRIPTION", d->description);
        if (d->categories && *d->categories) {
                strbuf_reset(&line);
                strbuf_puts(&line, "CATEGORIES:");
                strbuf_put_text(&line, d->categories, true);
                if (!line.error)
                        strbuf_put_folded(out, line.data, line.len);
        }
        if (d->yearly)
                /* A Feb 29 date falls on the last day of February in other years. */
                strbuf_puts(out, d->month == 2 && d->day == 29
                                     ? "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1\r\n"
                                     : "RRULE:FREQ=YEARLY\r\n");
        strbuf_puts(out, "TRANSP:TRANSPARENT\r\n");
        if (d->remind_days > 0) {
                strbuf_puts(out, "BEGIN:VALARM\r\nACTION:DISPLAY\r\n");
                prop_text(out, &line, "DESCRIPTION", d->summary);
                snprintf(buf, sizeof(buf), "-P%dD", d->remind_days);
                prop_raw(out, &line, "TRIGGER", buf);
                strbuf_puts(out, "END:VALARM\r\n");
        }
        strbuf_puts(out, "END:VEVENT\r\n");
        strbuf_done(&line);
        return 0;
}

int ical_end(struct strbuf *out)
{
        strbuf_puts(out, "END:VCALENDAR\r\n");
        return out->error;
}
