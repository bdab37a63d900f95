/* A record as one JSON line inside the JSON string of an io.tend.Transfer.Upload call (the
 * client's imports) or of an Export reply with "lines" (tendd's streamed export).
 *
 * jsonline_put() writes exactly what json_dumps(v, JSON_COMPACT) writes (keys in insertion
 * order, jansson's escapes: \" \\ \b \f \n \r \t, other control characters as \u00XX, UTF-8
 * passed through), escaped once more as the inside of a JSON string, straight into b: no
 * jansson dump, no intermediate copy. tests/unit/test_jsonline.c checks it against jansson. */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "strbuf.h"

/** Append text (JSON text: valid UTF-8) escaped as the inside of a JSON string. Each character
 * is escaped on its own, so text may come in pieces. */
void jsonline_escape(struct strbuf *b, const char *text, size_t len);

/** Append the JSON string of s (len bytes of valid UTF-8) as jansson writes it ("..." with its
 * escapes), escaped once more. */
void jsonline_put_string(struct strbuf *b, const char *s, size_t len);

/** Append v as compact JSON, escaped as the inside of a JSON string. Returns 0, or -ENOMEM
 * (check b->error too) or -EINVAL (jansson could not dump v either). */
int jsonline_put(struct strbuf *b, const json_t *v);

/** Append v as json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) writes it, escaped as the inside of
 * a JSON string. Returns 0, -ENOMEM or -EINVAL. */
int jsonline_put_sorted(struct strbuf *b, const json_t *v);
