/* The contact field table; see contact-fields.h. */
#include <stdint.h>
#include <string.h>

#include "model.h"
#include "util.h"

#define CF_ENTRY(member_, type_, tag_, key_, arg_, merge_, reply_, vcard_)                         \
        {.member = #member_,                                                                       \
         .type = CF_##type_,                                                                       \
         .tag = tag_,                                                                              \
         .key = key_,                                                                              \
         .arg = arg_,                                                                              \
         .merge = CF_MERGE_##merge_,                                                               \
         .reply = CF_REPLY_##reply_,                                                               \
         .vcard = vcard_,                                                                          \
         .offset = offsetof(struct contact, member_)},

static const struct contact_field fields[] = {CONTACT_FIELDS(CF_ENTRY)};

const struct contact_field *contact_fields(size_t *ret_n)
{
        *ret_n = ARRAY_SIZE(fields);
        return fields;
}

const struct contact_field *contact_field_by_tag(unsigned tag)
{
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
                if (fields[i].tag == tag)
                        return &fields[i];
        return NULL;
}

const struct contact_field *contact_field_by_key(const char *key)
{
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
                if (fields[i].key && fields[i].key[0] == key[0] && strcmp(fields[i].key, key) == 0)
                        return &fields[i];
        return NULL;
}
