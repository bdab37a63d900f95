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
