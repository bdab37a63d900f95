/* Network health figures: see health.h. */
#include "health.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "timeutil.h"

static const char *const profile_names[_PROFILE_MAX] = {
    [PROFILE_UNSET] = "unset",
    [PROFILE_JOB_SEEKING] = "job-seeking",
    [PROFILE_GROWING] = "growing",
    [PROFILE_FOUNDER] = "founder",
};

const char *profile_to_string(enum profile p)
{
        if (p < 0 || p >= _PROFILE_MAX)
                return NULL;
        return profile_names[p];
}

enum profile profile_from_string(const char *s)
{
        int found = _PROFILE_INVALID;
        size_t len;

        if (!s || !*s)
                return _PROFILE_INVALID;
        len = strlen(s);
        for (int i = 0; i < _PROFILE_MAX; i++) {
                if (strcasecmp(s, profile_names[i]) == 0)
                        return (enum profile)i;
                if (strncasecmp(s, profile_names[i], len) == 0) {
                        if (found != _PROFILE_INVALID)
                                return _PROFILE_INVALID;
                        found = i;
                }
        }
        return (enum profile)found;
}

/* Shares of attention: operational, personal, strategic. */
static const double targets[_PROFILE_MAX][_NETWORK_MAX] = {
    [PROFILE_UNSET] = {1.0 / 3, 1.0 / 3, 1.0 / 3},
    [PROFILE_JOB_SEEKING] = {0.20, 0.35, 0.45},
    [PROFILE_GROWING] = {0.50, 0.20, 0.30},
    [PROFILE_FOUNDER] = {0.45, 0.15, 0.40},
};

void profile_targets(enum profile p, double ret[static _NETWORK_MAX])
{
        if (p < 0 || p >= _PROFILE_MAX)
                p = PROFILE_UNSET;
        memcpy(ret, targets[p], sizeof(targets[p]));
}

const char *profile_explain(enum profile p)
{
        switch (p) {
        case PROFILE_JOB_SEEKING:
                return "Looking for a position: strategic and personal networks open the doors "
                       "(referrals, informational interviews, people who walked the path).";
        case PROFILE_GROWING:
                return "Growing inside an organisation: a deep operational network gets the work "
                       "done; strategic ties show where to go next.";
        case PROFILE_FOUNDER:
                return "Running a business or side-hustle: a strong operational network (partners, "
                       "customers, suppliers) and strategic leverage.";
        default:
                return "No profile set: the three networks get equal attention. Set one with "
                       "'tend profile set job-seeking|growing|founder'.";
        }
}

static const char *const verdict_names[_HEALTH_VERDICT_MAX] = {
    [HEALTH_UNDER] = "under-served",
    [HEALTH_BALANCED] = "balanced",
    [HEALTH_OVER] = "over-served",
};

const char *health_verdict_to_string(enum health_verdict v)
{
        if (v < 0 || v >= _HEALTH_VERDICT_MAX)
                return NULL;
        return verdict_names[v];
}

static int i64_cmp(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

        return x < y ? -1 : x > y;
}

static int str_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Organisation name for counting: trimmed, ASCII lower-cased; NULL when empty. */
static char *org_key(const char *org)
{
        size_t len;
        char *k;

        if (!org)
                return NULL;
        while (*org == ' ' || *org == '\t')
                org++;
        len = strlen(org);
        while (len > 0 && (org[len - 1] == ' ' || org[len - 1] == '\t'))
                len--;
        if (len == 0)
                return NULL;
        k = strndup(org, len);
        if (!k)
                return NULL;
        return ascii_strlower(k);
}

struct pool {
        int64_t *v;
        size_t n, cap;
};

static int pool_push(struct pool *p, int64_t x)
{
        if (p->n == p->cap) {
                size_t cap = p->cap ? p->cap * 2 : 64;
                int64_t *v = reallocarray(p->v, cap, sizeof(int64_t));

                if (!v)
                        return -ENOMEM;
                p->v = v;
                p->cap = cap;
        }
        p->v[p->n++] = x;
        return 0;
}

static double pool_median_days(struct pool *p)
{
        double m;

        if (p->n == 0)
                return -1;
        qsort_safe(p->v, p->n, sizeof(int64_t), i64_cmp);
        if (p->n % 2)
                m = (double)p->v[p->n / 2];
        else
                m = ((double)p->v[p->n / 2 - 1] + (double)p->v[p->n / 2]) / 2;
        return m / (double)DURATION_DAY;
}

static size_t count_distinct(char **keys, size_t n)
{
        size_t d = 0;

        if (n == 0)
                return 0;
        qsort_safe(keys, n, sizeof(char *), str_cmp);
        for (size_t i = 0; i < n; i++)
                if (i == 0 || !streq(keys[i], keys[i - 1]))
                        d++;
        return d;
}

enum health_verdict health_verdict_of(int share_pct, int target_pct, unsigned tolerance)
{
        if (share_pct < target_pct - (int)tolerance)
                return HEALTH_UNDER;
        if (share_pct > target_pct + (int)tolerance)
                return HEALTH_OVER;
        return HEALTH_BALANCED;
}

/* Keep the strongest fading ties named: insertion into a short sorted list. */
static void name_fading(struct health_network *h, const struct health_person *people, size_t i)
{
        size_t k = h->n_fading_named;

        if (k == HEALTH_NAMED_MAX) {
                if (people[h->fading_named[k - 1]].strength >= people[i].strength)
                        return;
                k--;
        } else
                h->n_fading_named++;
        while (k > 0 && people[h->fading_named[k - 1]].strength < people[i].strength) {
                h->fading_named[k] = h->fading_named[k - 1];
                k--;
        }
        h->fading_named[k] = i;
}

int health_compute(const struct health_person *people, size_t n, const struct health_intro *intros,
                   size_t n_intros, enum profile profile, unsigned tolerance, int64_t now,
                   struct health_report *ret)
{
        struct health_report rep = {.profile = profile, .people = n, .tolerance = tolerance};
        struct pool gaps[_NETWORK_MAX] = {{0}};
        char **orgs[_NETWORK_MAX] = {0};
        size_t n_orgs[_NETWORK_MAX] = {0};
        int64_t *sorted = NULL;
        double tg[_NETWORK_MAX], dist = 0;
        int r = -ENOMEM;

        profile_targets(profile, tg);
        for (int k = 0; k < _NETWORK_MAX; k++) {
                orgs[k] = calloc(n ? n : 1, sizeof(char *));
                if (!orgs[k])
                        goto out;
        }
        for (size_t i = 0; i < n; i++) {
                const struct health_person *p = &people[i];
                size_t recent = 0;

                if (!(p->networks & NETWORK_MASK_ALL))
                        rep.unfiled++;
                free(sorted);
                sorted = NULL;
                if (p->n_touches > 0) {
                        sorted = malloc(p->n_touches * sizeof(int64_t));
                        if (!sorted)
                                goto out;
                        memcpy(sorted, p->touches, p->n_touches * sizeof(int64_t));
                        qsort_safe(sorted, p->n_touches, sizeof(int64_t), i64_cmp);
                }
                for (size_t j = 0; j < p->n_touches; j++)
                        if (sorted[j] >= now - HEALTH_ATTENTION_DAYS * DURATION_DAY &&
                            sorted[j] <= now)
                                recent++;
                for (int k = 0; k < _NETWORK_MAX; k++) {
                        struct health_network *h = &rep.net[k];

                        if (!(p->networks & (1u << k)))
                                continue;
                        h->people++;
                        if (p->last_touch == 0) {
                                if (h->never_touched++ < HEALTH_NAMED_MAX)
                                        h->never_named[h->n_never_named++] = i;
                        } else if (p->last_touch < now - HEALTH_ATTENTION_DAYS * DURATION_DAY) {
                                h->fading++;
                                name_fading(h, people, i);
                        }
                        if (p->last_touch &&
                            p->last_touch >= now - HEALTH_RECENT_DAYS * DURATION_DAY)
                                h->touched_30++;
                        if (p->last_touch &&
                            p->last_touch >= now - HEALTH_ATTENTION_DAYS * DURATION_DAY)
                                h->touched_90++;
                        if (p->next_due && p->next_due <= now)
                                h->overdue++;
                        if (p->introduced)
                                h->intros_received++;
                        h->touches_90 += recent;
                        for (size_t j = 1; j < p->n_touches; j++)
                                if (pool_push(&gaps[k], sorted[j] - sorted[j - 1]) < 0)
                                        goto out;
                        if (p->org) {
                                char *key = org_key(p->org);

                                if (key)
                                        orgs[k][n_orgs[k]++] = key;
                        }
                }
        }
        for (size_t i = 0; i < n_intros; i++) {
                uint32_t m = intros[i].networks_a | intros[i].networks_b;

                for (int k = 0; k < _NETWORK_MAX; k++)
                        if (m & (1u << k))
                                rep.net[k].intros_made++;
        }
        for (int k = 0; k < _NETWORK_MAX; k++)
                rep.touches_90 += rep.net[k].touches_90;
        for (int k = 0; k < _NETWORK_MAX; k++) {
                struct health_network *h = &rep.net[k];

                h->median_gap_days = pool_median_days(&gaps[k]);
                h->orgs = count_distinct(orgs[k], n_orgs[k]);
                h->target = tg[k];
                h->share = rep.touches_90 ? (double)h->touches_90 / (double)rep.touches_90 : 0;
                h->share_pct = (int)lround(h->share * 100);
                h->target_pct = (int)lround(h->target * 100);
                h->verdict = health_verdict_of(h->share_pct, h->target_pct, tolerance);
                dist += fabs(h->share - h->target);
        }
        rep.balance = rep.touches_90 ? 1.0 - dist / 2 : 0;
        *ret = rep;
        r = 0;
out:
        free(sorted);
        for (int k = 0; k < _NETWORK_MAX; k++) {
                for (size_t i = 0; i < n_orgs[k]; i++)
                        free(orgs[k][i]);
                free(orgs[k]);
                free(gaps[k].v);
        }
        return r;
}
