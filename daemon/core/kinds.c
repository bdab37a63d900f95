/* Interaction kinds; see kinds.h. */
#include "kinds.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "followups.h"
#include "model.h"
#include "util.h"

const char *const kinds_builtin[] = {
    "coffee",      "call",    "informational-interview",
    "email",       "message", "meeting",
    "event",       "intro",   "referral",
    FOLLOWUP_KIND, NULL,
};

size_t kinds_distance(const char *a, const char *b, size_t limit)
{
        size_t la = strlen(a), lb = strlen(b), best;
        size_t rows[3][FIELD_KIND_MAX + 1];
        size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2], *spare;

        /* Longer strings are no kinds: never a typo of one. */
        if ((la > lb ? la - lb : lb - la) > limit || la > FIELD_KIND_MAX || lb > FIELD_KIND_MAX)
                return limit + 1;
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                best = cur[0];
                for (size_t j = 1; j <= lb; j++) {
                        size_t cost = a[i - 1] != b[j - 1];
                        size_t d = prev[j] + 1;

                        if (cur[j - 1] + 1 < d)
                                d = cur[j - 1] + 1;
                        if (prev[j - 1] + cost < d)
                                d = prev[j - 1] + cost;
                        /* Optimal string alignment: "cofefe" is one swap from "coffee". */
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                            prev2[j - 2] + 1 < d)
                                d = prev2[j - 2] + 1;
                        cur[j] = d;
                        if (d < best)
                                best = d;
                }
                if (best > limit)
                        return limit + 1;
                spare = prev2;
                prev2 = prev;
                prev = cur;
                cur = spare;
        }
        return prev[lb] > limit ? limit + 1 : prev[lb];
}

size_t kinds_typo_edits(const char *kind)
{
        return strlen(kind) >= 6 ? 2 : 1;
}

const char *kinds_suggest(const char *kind, const char *const *known, size_t n)
{
        size_t limit = kinds_typo_edits(kind), best = limit + 1;
        const char *pick = NULL;

        for (size_t i = 0; i < n; i++) {
                size_t d = kinds_distance(kind, known[i], limit);

                if (d == 0)
                        return NULL;
                if (d < best) {
                        best = d;
                        pick = known[i];
                }
        }
        return pick;
}

/* ---- the known kinds of a store ---- */

struct known {
        char **v; /* built-in ones (not owned) first, then the store's (owned) */
        size_t n, cap, n_builtin;
};

static void known_done(struct known *k)
{
        for (size_t i = k->n_builtin; i < k->n; i++)
                free(k->v[i]);
        free(k->v);
        *k = (struct known){0};
}

static int known_push(struct known *k, char *s)
{
        if (k->n == k->cap) {
                size_t cap = k->cap ? k->cap * 2 : 32;
                char **v = reallocarray(k->v, cap, sizeof(char *));

                if (!v)
                        return -ENOMEM;
                k->v = v;
                k->cap = cap;
        }
        k->v[k->n++] = s;
        return 0;
}

static int known_add_stored(const char *kind, uint64_t count, void *userdata)
{
        struct known *k = userdata;
        char *s;
        int r;

        for (size_t i = 0; i < k->n_builtin; i++)
                if (streq(k->v[i], kind))
                        return 0;
        s = strdup(kind);
        if (!s)
                return -ENOMEM;
        r = known_push(k, s);
        if (r < 0)
                free(s);
        return r;
}

static int known_load(struct store_txn *t, struct known *k)
{
        int r;

        for (size_t i = 0; kinds_builtin[i]; i++) {
                r = known_push(k, (char *)kinds_builtin[i]);
                if (r < 0)
                        return r;
        }
        k->n_builtin = k->n;
        return store_txn_kind_walk(t, known_add_stored, k);
}

static bool known_has(const struct known *k, const char *kind)
{
        for (size_t i = 0; i < k->n; i++)
                if (streq(k->v[i], kind))
                        return true;
        return false;
}

/* Lower case, '_' → '-', runs of blanks → one ' ', none at either end. */
static char *normalise(const char *s, bool *ret_words)
{
        char *k = malloc(strlen(s) + 1), *o = k;

        if (!k)
                return NULL;
        *ret_words = false;
        for (; *s; s++) {
                if (*s == ' ' || *s == '\t') {
                        if (o > k && o[-1] != ' ')
                                *o++ = ' ';
                        continue;
                }
                *o++ = *s == '_' ? '-' : (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
        }
        while (o > k && o[-1] == ' ')
                o--;
        *o = 0;
        *ret_words = strchr(k, ' ') != NULL;
        return k;
}

int kinds_check(struct store_txn *t, const char *typed, bool allow_new, char **ret_kind,
                char **ret_suggestion)
{
        _cleanup_(known_done) struct known known = {0};
        _cleanup_free_ char *kind = NULL;
        const char *pick;
        bool words;
        int r;

        *ret_kind = *ret_suggestion = NULL;
        kind = normalise(typed, &words);
        if (!kind)
                return -ENOMEM;
        r = known_load(t, &known);
        if (r < 0)
                return r;
        if (words) {
                for (char *p = kind; *p; p++)
                        if (*p == ' ')
                                *p = '-';
                if (!known_has(&known, kind))
                        return KIND_NOT_WORD;
        }
        if (kind_validate(kind) < 0)
                return KIND_INVALID;
        if (!allow_new && !known_has(&known, kind)) {
                pick = kinds_suggest(kind, (const char *const *)known.v, known.n);
                if (pick) {
                        *ret_suggestion = strdup(pick);
                        if (!*ret_suggestion)
                                return -ENOMEM;
                        *ret_kind = TAKE_PTR(kind);
                        return KIND_TYPO;
                }
        }
        *ret_kind = TAKE_PTR(kind);
        return KIND_OK;
}
