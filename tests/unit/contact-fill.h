/* For tests: a contact with every field of the table (common/contact-fields.h) set to a valid,
 * distinctive value, and a field-by-field comparison — so a round trip through the codec, the
 * export format or a merge is checked for every field there is, including ones added later. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

static char **fill_strv(const char *a, const char *b)
{
        char **v = calloc(3, sizeof(char *));

        assert_non_null(v);
        v[0] = strdup(a);
        v[1] = strdup(b);
        return v;
}

static void fill_date_state(struct date_state *st, int64_t base)
{
        st->since = base;
        st->shown_year = 2026;
        st->acked_year = 2025;
        st->snoozed_to = base + 3600;
        st->notify_id = 7;
}

/* ref: a contact id the references may point at (0: leave them unset). */
static inline void fill_every_field(struct contact *c, uint64_t ref)
{
        size_t n;
        const struct contact_field *f = contact_fields(&n);

        for (size_t i = 0; i < n; i++) {
                char buf[64];

                snprintf(buf, sizeof(buf), "%s value", f[i].member);
                switch (f[i].type) {
                case CF_STR:
                case CF_NOTE:
                        *CONTACT_FIELD_PTR(c, &f[i], char *) = strdup(buf);
                        break;
                case CF_KIND:
                        *CONTACT_FIELD_PTR(c, &f[i], char *) = strdup("informational-interview");
                        break;
                case CF_BIRTHDAY:
                        *CONTACT_FIELD_PTR(c, &f[i], char *) = strdup("1990-03-14");
                        break;
                case CF_LIST:
                        switch ((enum field_kind)f[i].arg) {
                        case FIELD_EMAIL:
                                *CONTACT_FIELD_PTR(c, &f[i], char **) =
                                    fill_strv("ada@example.com", "ada@work.example");
                                break;
                        case FIELD_PHONE:
                                *CONTACT_FIELD_PTR(c, &f[i], char **) =
                                    fill_strv("+44 20 7946 0000", "+1 555 0100");
                                break;
                        case FIELD_URL:
                                *CONTACT_FIELD_PTR(c, &f[i], char **) =
                                    fill_strv("https://example.com/ada", "https://example.org/a");
                                break;
                        case FIELD_TAG:
                                *CONTACT_FIELD_PTR(c, &f[i], char **) =
                                    fill_strv("mentor", "board");
                                break;
                        }
                        break;
                case CF_LINES:
                        *CONTACT_FIELD_PTR(c, &f[i], char **) =
                            fill_strv("X-ABC:one", "ADR;TYPE=home:;;1 Main St;Town;;123;UK");
                        break;
                case CF_TIME:
                        *CONTACT_FIELD_PTR(c, &f[i], int64_t) = 1780000000LL + 60 * (int64_t)i;
                        break;
                case CF_SECONDS:
                        *CONTACT_FIELD_PTR(c, &f[i], int64_t) = 3 * 86400;
                        break;
                case CF_U32:
                        *CONTACT_FIELD_PTR(c, &f[i], uint32_t) = 1;
                        break;
                case CF_NETWORKS:
                        *CONTACT_FIELD_PTR(c, &f[i], uint32_t) = 1u << NETWORK_STRATEGIC;
                        break;
                case CF_SCOPE:
                        *CONTACT_FIELD_PTR(c, &f[i], enum scope) = SCOPE_EXTERNAL;
                        break;
                case CF_STAGE:
                        *CONTACT_FIELD_PTR(c, &f[i], enum prospect_stage) = STAGE_MET;
                        break;
                case CF_REF:
                        *CONTACT_FIELD_PTR(c, &f[i], uint64_t) = ref;
                        break;
                case CF_U64:
                        *CONTACT_FIELD_PTR(c, &f[i], uint64_t) = 4242;
                        break;
                case CF_DATE_STATE:
                        fill_date_state(CONTACT_FIELD_PTR(c, &f[i], struct date_state),
                                        1780000000LL + 60 * (int64_t)i);
                        break;
                case CF_DATES:
                        c->dates = calloc(2, sizeof(*c->dates));
                        assert_non_null(c->dates);
                        c->n_dates = 2;
                        for (size_t k = 0; k < 2; k++) {
                                c->dates[k].id = CONTACT_DATE_BIRTHDAY + 1 + (uint32_t)k;
                                c->dates[k].label = strdup(k ? "anniversary" : "started");
                                c->dates[k].date = strdup(k ? "--06-21" : "2019-09-02");
                                c->dates[k].yearly = k == 1;
                                c->dates[k].remind_days = 3 + (int32_t)k;
                                fill_date_state(&c->dates[k].st, 1780000000LL + (int64_t)k);
                        }
                        break;
                }
        }
}

/* The notify_id of a date is this machine's notification server's: not exported. */
static bool date_state_same(const struct date_state *a, const struct date_state *b,
                            bool exported_only)
{
        return a->since == b->since && a->shown_year == b->shown_year &&
               a->acked_year == b->acked_year && a->snoozed_to == b->snoozed_to &&
               (exported_only || a->notify_id == b->notify_id);
}

/* Every field of the table equal in a and b (names the first one that is not); with
 * exported_only, the fields the export format carries (key set). */
static inline void assert_every_field_equal(const struct contact *a, const struct contact *b,
                                            bool exported_only)
{
        size_t n;
        const struct contact_field *f = contact_fields(&n);

        for (size_t i = 0; i < n; i++) {
                bool same = true;

                if (exported_only && !f[i].key)
                        continue;
                switch (f[i].type) {
                case CF_STR:
                case CF_NOTE:
                case CF_KIND:
                case CF_BIRTHDAY:
                        same = streq_ptr(*CONTACT_FIELD_PTR(a, &f[i], char *),
                                         *CONTACT_FIELD_PTR(b, &f[i], char *));
                        break;
                case CF_LIST:
                case CF_LINES: {
                        char **x = *CONTACT_FIELD_PTR(a, &f[i], char **),
                             **y = *CONTACT_FIELD_PTR(b, &f[i], char **);

                        same = strv_length(x) == strv_length(y);
                        for (size_t k = 0; same && k < strv_length(x); k++)
                                same = streq(x[k], y[k]);
                        break;
                }
                case CF_TIME:
                case CF_SECONDS:
                        same = *CONTACT_FIELD_PTR(a, &f[i], int64_t) ==
                               *CONTACT_FIELD_PTR(b, &f[i], int64_t);
                        break;
                case CF_U32:
                case CF_NETWORKS:
                        same = *CONTACT_FIELD_PTR(a, &f[i], uint32_t) ==
                               *CONTACT_FIELD_PTR(b, &f[i], uint32_t);
                        break;
                case CF_SCOPE:
                        same = *CONTACT_FIELD_PTR(a, &f[i], enum scope) ==
                               *CONTACT_FIELD_PTR(b, &f[i], enum scope);
                        break;
                case CF_STAGE:
                        same = *CONTACT_FIELD_PTR(a, &f[i], enum prospect_stage) ==
                               *CONTACT_FIELD_PTR(b, &f[i], enum prospect_stage);
                        break;
                case CF_REF:
                case CF_U64:
                        same = *CONTACT_FIELD_PTR(a, &f[i], uint64_t) ==
                               *CONTACT_FIELD_PTR(b, &f[i], uint64_t);
                        break;
                case CF_DATE_STATE:
                        same = date_state_same(CONTACT_FIELD_PTR(a, &f[i], struct date_state),
                                               CONTACT_FIELD_PTR(b, &f[i], struct date_state),
                                               exported_only);
                        break;
                case CF_DATES:
                        same = a->n_dates == b->n_dates;
                        for (size_t k = 0; same && k < a->n_dates; k++)
                                same = a->dates[k].id == b->dates[k].id &&
                                       streq_ptr(a->dates[k].label, b->dates[k].label) &&
                                       streq_ptr(a->dates[k].date, b->dates[k].date) &&
                                       a->dates[k].yearly == b->dates[k].yearly &&
                                       a->dates[k].remind_days == b->dates[k].remind_days &&
                                       date_state_same(&a->dates[k].st, &b->dates[k].st,
                                                       exported_only);
                        break;
                }
                if (!same)
                        fail_msg("field %s differs after the round trip", f[i].member);
        }
}

/* The struct is generated from the table: a member added beside it (not in CONTACT_FIELDS)
 * moves what follows it, and this layout — generated from the table alone — no longer
 * matches. */
struct contact_layout_from_table {
        uint64_t id;
        char uuid[UUID_STRING_LEN + 1];
        CONTACT_FIELDS(CONTACT_MEMBER)
        uint8_t *unknown;
        size_t unknown_len;
};

static inline void assert_contact_is_the_table(void)
{
        size_t n;
        const struct contact_field *f = contact_fields(&n);

#define CHECK_OFFSET(member, ...)                                                                  \
        assert_int_equal(offsetof(struct contact, member),                                         \
                         offsetof(struct contact_layout_from_table, member));
        CONTACT_FIELDS(CHECK_OFFSET)
#undef CHECK_OFFSET
        assert_int_equal(offsetof(struct contact, unknown),
                         offsetof(struct contact_layout_from_table, unknown));
        assert_int_equal(sizeof(struct contact), sizeof(struct contact_layout_from_table));
        assert_int_equal(n, CONTACT_FIELDS_N);
        /* Tags and keys are unique. */
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++) {
                        assert_int_not_equal(f[i].tag, f[j].tag);
                        assert_false(f[i].key && f[j].key && streq(f[i].key, f[j].key));
                }
}
