/* libFuzzer target: the calendar reader of capture (daemon/core/calendar-events.c) on arbitrary
 * bytes, with libical underneath: whatever a file says, reading it ends (the budgets hold) and
 * what comes out keeps the rules — occurrences inside the window, a key, someone to meet, the
 * next start after now. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendar-events.h"

#define NOW  1796601600 /* 2026-12-07T00:00:00Z */
#define FROM (NOW - 90 * 86400)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static char *const me[] = {"me@example.org", NULL};
        struct calendar_events e;
        char *text = malloc(size + 1);

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        if (calendar_events_parse(text, me, FROM, NOW, &e) == 0) {
                for (size_t i = 0; i < e.n; i++) {
                        assert(e.v[i].at >= FROM && e.v[i].at <= NOW);
                        assert(e.v[i].key && e.v[i].key[0]);
                        assert(e.v[i].emails && e.v[i].emails[0]);
                        assert(strcmp(e.v[i].emails[0], "me@example.org") != 0);
                }
                assert(e.next == 0 || e.next > NOW);
        }
        calendar_events_done(&e);
        free(text);
        return 0;
}
