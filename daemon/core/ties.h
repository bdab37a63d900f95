/* Who knows whom: ties between two of your contacts, kept as records beside the introductions
 * (store-goals.h struct intro, kind INTRO_KNOWS), and introductions someone else made
 * (INTRO_BY_OTHER). Paths (netgraph.h) walk them; a tie between two contacts is medium unless
 * its strength was given. */
#pragma once

#include <stdint.h>

#include "store-goals.h"
#include "strength.h"

/** The strength of the hop an introduction or tie record stands for (0..100): the level
 * given, medium otherwise. */
int ties_record_strength(const struct intro *i);

/** Record that a and b know each other (tie: TIE_* or -1 for not said), replacing an earlier
 * tie between them (either order); note may be NULL. *ret_replaced tells whether one was
 * replaced. The record is in *ret (id and uuid set; its note borrowed from note). Returns 0,
 * -EINVAL (a == b), -ENOENT or -errno. */
int ties_add(struct store_txn *t, uint64_t a, uint64_t b, int tie, const char *note, int64_t now,
             struct intro *ret, bool *ret_replaced);

/** Remove the ties (not introductions) between a and b, leaving tombstones. Returns how many,
 * or -errno. */
int ties_remove(struct store_txn *t, uint64_t a, uint64_t b, int64_t now);
