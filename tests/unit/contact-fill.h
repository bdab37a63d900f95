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
                }
        }
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
