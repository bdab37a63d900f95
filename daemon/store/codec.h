/* Turns records into bytes and back. Format: a record-type byte ('C' contact, 'I'
 * interaction), a codec version byte, then fields as TLV (tag u16 BE, length u32 BE, value).
 * Strings are raw UTF-8 without NUL, integers are 8 bytes big-endian, a list repeats its tag
 * once per entry; the record ends with an end marker (tag 0, length 0), so a truncated record is
 * always detected. Fields with tags this version does not know are kept verbatim in
 * ->unknown and written back unchanged, so an older daemon never destroys a newer field. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define CODEC_VERSION 1

/** Encode c into a new heap buffer. Returns 0 or -ENOMEM (-E2BIG for a field over 4 GiB).
 * Rules on versions, zero values and unknown fields: see the comment atop codec.c. */
int codec_contact_encode(const struct contact *c, uint8_t **ret_buf, size_t *ret_len);

/** Decode into a new contact. Returns 0, -EBADMSG for a corrupt or foreign record (bounds are
 * checked, never trusted), -ENOMEM. */
int codec_contact_decode(const void *buf, size_t len, struct contact **ret);

int codec_interaction_encode(const struct interaction *i, uint8_t **ret_buf, size_t *ret_len);
int codec_interaction_decode(const void *buf, size_t len, struct interaction **ret);

/* Goals ('G'), goal links ('L') and introductions ('N'): see store-goals.h. Same format and
 * rules as contacts. */
struct goal;
struct goal_link;
struct intro;
int codec_goal_encode(const struct goal *g, uint8_t **ret_buf, size_t *ret_len);
int codec_goal_decode(const void *buf, size_t len, struct goal **ret);
int codec_goal_link_encode(const struct goal_link *l, uint8_t **ret_buf, size_t *ret_len);
int codec_goal_link_decode(const void *buf, size_t len, struct goal_link **ret);
int codec_intro_encode(const struct intro *i, uint8_t **ret_buf, size_t *ret_len);
int codec_intro_decode(const void *buf, size_t len, struct intro **ret);
