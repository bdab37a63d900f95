/* Validation and normalisation of contact and interaction fields sent by clients. Each
 * function checks one parameter and, on a bad value, records io.tend.Service.InvalidValue
 * naming the parameter and the reason, returning -ECANCELED (see reply.h). */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "reply.h"

/** Validate a text parameter of at most max bytes; empty strings are allowed (they clear).
 * *ret points into params (borrowed). Absent → *ret = NULL, returns 0. */
int fields_text(json_t *params, const char *key, size_t max, int multiline, struct op_error *e,
                const char **ret);

/** Validate a list parameter of kind: every entry checked, tags lower-cased (emails keep
 * their case but compare case-insensitively), duplicates dropped. An empty array gives an
 * allocated empty vector.
 * Absent → *ret = NULL. Returns 0, -ECANCELED or -ENOMEM. */
int fields_list(json_t *params, const char *key, enum field_kind kind, struct op_error *e,
                char ***ret);

/** Parse a list of network names into a bit mask. Absent → 0. */
int fields_networks(json_t *params, const char *key, struct op_error *e, uint32_t *ret);

/** Parse an RFC 3339 time parameter. Absent → *ret unchanged, returns 0. */
int fields_time(json_t *params, const char *key, struct op_error *e, int64_t *ret);

/** Parse a cadence in seconds (0 allowed: none; negative or over the maximum rejected).
 * Absent → *ret unchanged. Returns 1 when present. */
int fields_cadence(json_t *params, const char *key, struct op_error *e, int64_t *ret);

/** Parse a limit (>= 0). Absent → 0. */
int fields_limit(json_t *params, const char *key, struct op_error *e, size_t *ret);

/** Validate one value of a kind; returns NULL when fine, else the reason. */
const char *fields_check(enum field_kind kind, const char *value);
