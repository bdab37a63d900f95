/* A record as one JSON line inside the JSON string of an io.tend.Transfer.Upload call.
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

/** Append v as compact JSON, escaped as the inside of a JSON string. Returns 0, or -ENOMEM
 * (check b->error too) or -EINVAL (jansson could not dump v either). */
int jsonline_put(struct strbuf *b, const json_t *v);
