/* libFuzzer target: DATE and DURATION parsing and the formatters (common/timeutil.c).
 * The input is read twice: as text for the parsers, and its first 8 bytes as an instant for the
 * formatters. Invariants: a parsed DURATION is within (0, 100 years] and formats back to text
 * that parses to the same value; a parsed DATE formats as RFC 3339 and parses back (to the same
 * instant within the four-digit years RFC 3339 output is clamped to); every formatter gives a
 * NUL-terminated string for any instant. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

#define NOW           1796644800LL /* 2026-12-07T12:00:00Z, a fixed "now" keeps runs reproducible */
#define HUNDRED_YEARS (100 * 365 * DURATION_DAY)
/* RFC 3339 output is clamped to four-digit years (0000-01-01T00:00:00Z..9999-12-31T23:59:59Z);
 * a local date at either end can fall outside by the zone's offset. */
#define RFC3339_MIN (-62167219200LL)
#define RFC3339_MAX 253402300799LL

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        /* A zone with DST, so local midnights and weekday arithmetic cross a change. */
        setenv("TZ", "Europe/Berlin", 1);
        tzset();
        return 0;
}

static void check_duration_round_trip(int64_t d)
{
        char buf[64];
        int64_t back;

        time_format_duration(d, buf, sizeof(buf));
        if (time_parse_duration(buf, &back) < 0 || back != d)
                abort();
}

static void check_formatters(int64_t t)
{
        char rfc[TIME_RFC3339_MAX], buf[128];

        time_format_rfc3339(t, rfc);
        if (!memchr(rfc, 0, sizeof(rfc)))
                abort();
        time_format_relative(t, NOW, buf, sizeof(buf));
        time_format_days(t, NOW, TIME_DAYS_WHEN, buf, sizeof(buf));
        time_format_days(t, NOW, TIME_DAYS_DUE, buf, sizeof(buf));
        time_format_local(t, buf, sizeof(buf));
        time_format_duration(t, buf, sizeof(buf));
        time_days_between(NOW, t);
        /* Tiny buffers must be cut, never overrun. */
        time_format_relative(t, NOW, buf, 3);
        time_format_days(t, NOW, TIME_DAYS_DUE, buf, 4);
        time_format_duration(t, buf, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1), rfc[TIME_RFC3339_MAX];
        int64_t v, back;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = 0;

        if (time_parse_duration(s, &v) == 0) {
                if (v <= 0 || v > HUNDRED_YEARS)
                        abort();
                check_duration_round_trip(v);
        }
        if (time_parse_date(s, NOW, &v) == 0) {
                time_format_rfc3339(v, rfc);
                if (time_parse_rfc3339(rfc, &back) < 0)
                        abort();
                if (v >= RFC3339_MIN && v <= RFC3339_MAX && back != v)
                        abort();
                check_formatters(v);
        }
        if (time_parse_rfc3339(s, &v) == 0) {
                time_format_rfc3339(v, rfc);
                if (time_parse_rfc3339(rfc, &back) < 0)
                        abort();
                if (v >= RFC3339_MIN && v <= RFC3339_MAX && back != v)
                        abort();
        }

        if (size >= sizeof(v)) {
                memcpy(&v, data, sizeof(v));
                check_formatters(v);
                if (v > 0 && v <= HUNDRED_YEARS)
                        check_duration_round_trip(v);
        }
        free(s);
        return 0;
}
