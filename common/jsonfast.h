/* A fast path in front of jansson's parser for the JSON tend itself writes.
 *
 * jansson reads a byte at a time through a stream and checks each one; a 1 MiB Upload message
 * (mostly one long string of escaped JSON lines) costs ~175 instructions per byte that way.
 * These functions read compact, well-formed JSON with bulk scans instead and decline (return
 * NULL / false) on anything outside the plain subset: fractions and exponents, numbers near
 * the limits, \u0000 and surrogate escapes, duplicate keys, deep nesting, raw control
 * characters, text that is not clean UTF-8. A caller then hands the same bytes to jansson, so
 * every error, and every value outside the subset, is exactly jansson's. For accepted input the
 * result equals what json_loadb(…, JSON_REJECT_DUPLICATES) returns. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

struct json_lexer {
        const char *p, *end;
        struct strbuf tmp; /* the last string read, unescaped */
        unsigned depth;
};

void json_lexer_done(struct json_lexer *x);

/* Skip white space; if c is next, take it. */
bool json_lex_char(struct json_lexer *x, char c);

/* Read a string (the opening quote is next) into x->tmp. false: declined. The caller has
 * checked that the text is clean UTF-8 (utf8_is_clean_text). */
bool json_lex_string(struct json_lexer *x);

/* Read any value. NULL: declined or out of memory. Same precondition. */
json_t *json_lex_value(struct json_lexer *x);

/* The whole of buf as one object or array, as json_loadb(buf, len, JSON_REJECT_DUPLICATES)
 * would return it; NULL: declined (call json_loadb for the verdict) or out of memory. */
json_t *json_fast_loadb(const char *buf, size_t len);

/* json_fast_loadb, else json_loadb(buf, len, JSON_REJECT_DUPLICATES, err): what every reader
 * of tend's JSON (messages, JSON lines) calls. err may be NULL. */
json_t *jsonfast_load(const char *buf, size_t len, json_error_t *err);
