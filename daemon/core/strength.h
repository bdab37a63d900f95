/* Tie strength: how strong your relationship with someone is, from the history of touches.
 *
 * Every touch adds its kind's weight to a score that halves every STRENGTH_HALF_LIFE_DAYS:
 *
 *     score(now) = Σ weight(kind_i) · 2^(−(now − at_i) / half-life)
 *     strength   = round(100 · (1 − e^(−score / STRENGTH_SCALE)))          (0..100)
 *
 * weight: 3 for meeting in person (meeting, coffee, event, informational-interview), 2 for a
 * call, 1 for everything else (email, message, intro, referral, follow-up, custom kinds). So a
 * coffee today is 63, an email today 28, monthly coffees for a year about 99; with nothing new
 * the strength fades by half its score every 90 days. Levels: weak below 34, medium below 67,
 * strong from 67.
 *
 * Cheap at query time: the contact keeps the score as of its latest touch (strength_milli,
 * strength_ref) and every touch folds in (strength_add); a query only decays it to now. A
 * history correction recomputes it from what remains (strength_recompute). */
#pragma once

#include <errno.h>
#include <stdint.h>

#include "model.h"
#include "store.h"

#define STRENGTH_HALF_LIFE_DAYS 90
#define STRENGTH_SCALE          3.0
#define STRENGTH_MEDIUM         34 /* from here on a tie is medium */
#define STRENGTH_STRONG         67 /* and from here strong */

enum tie_level {
        TIE_WEAK,
        TIE_MEDIUM,
        TIE_STRONG,
        _TIE_LEVEL_MAX,
        _TIE_LEVEL_INVALID = -EINVAL,
};

/** "weak", "medium", "strong"; NULL otherwise. */
const char *tie_level_to_string(enum tie_level l);
/** Parse one of those (case-insensitive); _TIE_LEVEL_INVALID otherwise. */
enum tie_level tie_level_from_string(const char *s);
/** The level of a strength 0..100. */
enum tie_level strength_level(int strength);
/** A representative strength for a level (a hop between two contacts): 20, 50, 85. */
int strength_of_level(enum tie_level l);

/** The weight of a touch of kind (NULL: 1). */
double strength_kind_weight(const char *kind);

/** Fold a touch at `at` of kind into the score kept in *milli as of *ref (both 0: none yet).
 * A touch older than *ref is decayed to *ref; a newer one moves *ref to it. */
void strength_add(uint64_t *milli, int64_t *ref, int64_t at, const char *kind);

/** The raw score as of now (never grows into the future: now < ref counts as ref). */
double strength_score(uint64_t milli, int64_t ref, int64_t now);

/** The strength 0..100 of a raw score. */
int strength_from_score(double score);

/** c's strength at now from its kept score. */
int strength_contact(const struct contact *c, int64_t now);

/** Recompute c's kept score from its whole history in t (after a correction, or for a store
 * written before strength was kept). Does not put c. Returns 0 or -errno. */
int strength_recompute(struct store_txn *t, struct contact *c);

/** c's strength at now: from the kept score, or computed from the history when c was written
 * before strength was kept. Returns 0..100 or -errno. */
int strength_get(struct store_txn *t, const struct contact *c, int64_t now);
