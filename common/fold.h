/* Matching keys for names, words and tags: Unicode case folding, compatibility decomposition
 * (NFKD) and no combining marks, so "René", "RENE" and "rene" are one key, "ß" matches "ss"
 * and "ﬁ" matches "fi". libunistring does the Unicode work; the Turkish dotless ı is folded
 * to i so that "Işık" is found by "isik" as well as by "ışık". Index keys and every lookup
 * (find, WHO resolution, duplicate names, tags) go through these functions alone. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Fold s[0..len) into out, at most max bytes, cut at a code point boundary. Returns the
 * length written. Invalid UTF-8 is folded as ASCII (its other bytes kept as they are). */
size_t text_fold(const char *s, size_t len, char *out, size_t max);

/* Fold all of s into a new NUL-terminated string. NULL when out of memory. */
char *text_fold_dup(const char *s);

/* The next word of s[0..len) at or after *pos: a maximal run of letters, digits and marks
 * (Unicode general categories L, N, M). Sets *ret_start and *ret_len, advances *pos past it.
 * Returns false when there is none. Not folded: fold each word with text_fold. */
bool text_next_word(const char *s, size_t len, size_t *pos, size_t *ret_start, size_t *ret_len);

/* Whether folded(a) == folded(b). False when out of memory. */
bool text_fold_equal(const char *a, const char *b);

/* s in lower case (Unicode, composed: NFC), for values kept lower-cased but shown as typed
 * otherwise (tags). NULL when out of memory; invalid UTF-8 is lower-cased as ASCII. */
char *text_lower_dup(const char *s);
