/* Interaction kinds: one lower-case word, hyphens allowed ("coffee", "informational-interview").
 * "Known" kinds are the built-in ones and those already in the store (its kind counts). A new
 * kind a typo away from a known one (one edit; two for kinds of six letters or more) is refused
 * with a suggestion unless the caller says it is new on purpose. Imports and restores keep what
 * they bring and do not ask. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

/** The built-in kinds, NULL-terminated. */
extern const char *const kinds_builtin[];

/** Edit distance between a and b (insertions, deletions, substitutions and swaps of two
 * neighbouring letters count one each), counted up to limit + 1. */
size_t kinds_distance(const char *a, const char *b, size_t limit);

/** How many edits away from a known kind a new kind must be not to look like a typo of it. */
size_t kinds_typo_edits(const char *kind);

/** The closest of known[0..n) a typo of kind would give (kinds_typo_edits), or NULL when kind
 * is one of them or none is that close. Ties go to the earlier entry. */
const char *kinds_suggest(const char *kind, const char *const *known, size_t n);

enum kinds_verdict {
        KIND_OK = 0,       /* known, or new and not close to a known one, or allowed as new */
        KIND_TYPO = 1,     /* new and a typo away from *ret_suggestion */
        KIND_NOT_WORD = 2, /* several words that are no known kind ("marcus oyelaran") */
        KIND_INVALID = 3,  /* not a kind at all (characters, length) */
};

/** Turn what someone typed into a kind and judge it: lower case, '_' → '-'; several words are
 * a kind only when their hyphenated form is known ("Informational Interview"). *ret_kind gets
 * the normalised kind (KIND_OK, KIND_TYPO), *ret_suggestion the known kind for KIND_TYPO (both
 * freed by the caller). allow_new skips the typo check. Returns a verdict or -errno. */
int kinds_check(struct store_txn *t, const char *typed, bool allow_new, char **ret_kind,
                char **ret_suggestion);
