/* Tie strength; see strength.h for the formula. */
#include "strength.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "timeutil.h"
#include "util.h"

static const char *const level_names[_TIE_LEVEL_MAX] = {
    [TIE_WEAK] = "weak",
    [TIE_MEDIUM] = "medium",
    [TIE_STRONG] = "strong",
};

const char *tie_level_to_string(enum tie_level l)
{
        if (l < 0 || l >= _TIE_LEVEL_MAX)
                return NULL;
        return level_names[l];
}

enum tie_level tie_level_from_string(const char *s)
{
        for (int i = 0; s && i < _TIE_LEVEL_MAX; i++)
                if (strcasecmp(s, level_names[i]) == 0)
                        return (enum tie_level)i;
        return _TIE_LEVEL_INVALID;
}

enum tie_level strength_level(int strength)
{
        if (strength >= STRENGTH_STRONG)
                return TIE_STRONG;
        if (strength >= STRENGTH_MEDIUM)
                return TIE_MEDIUM;
        return TIE_WEAK;
}

int strength_of_level(enum tie_level l)
{
        switch (l) {
        case TIE_STRONG:
                return 85;
        case TIE_MEDIUM:
                return 50;
        default:
                return 20;
        }
}

double strength_kind_weight(const char *kind)
{
        static const char *const in_person[] = {"meeting", "coffee", "event",
                                                "informational-interview"};

        if (!kind)
                return 1;
        for (size_t i = 0; i < ARRAY_SIZE(in_person); i++)
                if (streq(kind, in_person[i]))
                        return 3;
        if (streq(kind, "call"))
                return 2;
        return 1;
}

static double decay(int64_t seconds)
{
        if (seconds <= 0)
                return 1;
        return exp2(-(double)seconds / (double)(STRENGTH_HALF_LIFE_DAYS * DURATION_DAY));
}

void strength_add(uint64_t *milli, int64_t *ref, int64_t at, const char *kind)
{
        double score = (double)*milli / 1000.0, w = strength_kind_weight(kind);

        if (!*ref || at >= *ref) {
                score = (*ref ? score * decay(at - *ref) : 0) + w;
                *ref = at;
        } else
                score += w * decay(*ref - at);
        *milli = (uint64_t)llround(score * 1000.0);
}

double strength_score(uint64_t milli, int64_t ref, int64_t now)
{
        if (!ref)
                return 0;
        return (double)milli / 1000.0 * decay(now - ref);
}

int strength_from_score(double score)
{
        if (score <= 0)
                return 0;
        return (int)lround(100.0 * (1.0 - exp(-score / STRENGTH_SCALE)));
}

int strength_contact(const struct contact *c, int64_t now)
{
        return strength_from_score(strength_score(c->strength_milli, c->strength_ref, now));
}

struct fold {
        uint64_t milli;
        int64_t ref;
};

static int fold_cb(const struct interaction *i, void *userdata)
{
        struct fold *f = userdata;

        if (i->no_touch)
                return 0; /* in the history only */
        strength_add(&f->milli, &f->ref, i->at, i->kind);
        return 0;
}

int strength_recompute(struct store_txn *t, struct contact *c)
{
        struct fold f = {0};
        int r = store_txn_interaction_list(t, c->id, 0, fold_cb, &f);

        if (r < 0)
                return r;
        c->strength_milli = f.milli;
        c->strength_ref = f.ref;
        return 0;
}

int strength_get(struct store_txn *t, const struct contact *c, int64_t now)
{
        struct fold f = {0};
        int r;

        if (c->strength_ref || !c->last_interaction)
                return strength_contact(c, now);
        r = store_txn_interaction_list(t, c->id, 0, fold_cb, &f);
        if (r < 0)
                return r;
        return strength_from_score(strength_score(f.milli, f.ref, now));
}
