/* Plan ranking: see rank.h. */
#include "rank.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "strength.h"
#include "timeutil.h"
#include "util.h"

#define JUST_TOUCHED (3 * DURATION_DAY)
#define SOON         (7 * DURATION_DAY)
#define NUDGE_AFTER  (7 * DURATION_DAY)

static const char *const reason_names[_RANK_REASON_MAX] = {
    [RANK_OVERDUE] = "overdue",
    [RANK_DUE_SOON] = "due-soon",
    [RANK_GOAL] = "goal",
    [RANK_UNDER_SERVED] = "under-served",
    [RANK_OWE] = "owe",
    [RANK_PIPELINE] = "pipeline",
    [RANK_WARM_PATH] = "warm-path",
    [RANK_PROFILE] = "profile",
    [RANK_OFFER] = "offer",
};

const char *rank_reason_to_string(enum rank_reason_code c)
{
        if (c < 0 || c >= _RANK_REASON_MAX)
                return NULL;
        return reason_names[c];
}

static struct rank_reason *add_reason(struct rank_item *it, enum rank_reason_code code, int points,
                                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Returns the reason, to attach its numbers, or NULL when the item is full. */
static struct rank_reason *add_reason(struct rank_item *it, enum rank_reason_code code, int points,
                                      const char *fmt, ...)
{
        struct rank_reason *r;
        va_list ap;

        if (it->n_reasons >= RANK_REASONS_MAX)
                return NULL;
        r = &it->reasons[it->n_reasons++];
        *r = (struct rank_reason){.code = code, .points = points};
        va_start(ap, fmt);
        vsnprintf(r->text, sizeof(r->text), fmt, ap);
        va_end(ap);
        it->score += points;
        return r;
}

static void number(struct rank_reason *r, const char *key, double value)
{
        if (r && r->n_numbers < RANK_NUMBERS_MAX)
                r->numbers[r->n_numbers++] = (struct rank_number){key, value};
}

static bool has_code(const struct rank_item *it, enum rank_reason_code code)
{
        for (size_t i = 0; i < it->n_reasons; i++)
                if (it->reasons[i].code == code)
                        return true;
        return false;
}

static long long days(int64_t seconds)
{
        return (long long)(seconds / DURATION_DAY);
}

static const char *plural(long long n)
{
        return n == 1 ? "" : "s";
}

static void last_touch_words(const struct rank_candidate *c, int64_t now, char *buf, size_t size)
{
        char rel[64];

        if (!c->last_touch) {
                snprintf(buf, size, "nothing logged yet");
                return;
        }
        time_format_days(c->last_touch, now, TIME_DAYS_WHEN, rel, sizeof(rel));
        snprintf(buf, size, "last: %s%s%s", c->last_kind ? c->last_kind : "",
                 c->last_kind ? ", " : "", rel);
}

static void due_reasons(const struct rank_candidate *c, int64_t now, struct rank_item *it)
{
        char last[96];
        long long d;

        if (!c->next_due || c->next_due > now + SOON)
                return;
        last_touch_words(c, now, last, sizeof(last));
        /* In local calendar days, by the function every output uses: plan, `tend due` and the
         * notification say the same. */
        d = -time_days_between(now, c->next_due);
        if (c->next_due <= now) {
                int extra = (int)(d / 3 > 20 ? 20 : d > 0 ? d / 3 : 0);
                char when[64];

                struct rank_reason *r;

                time_format_days(c->next_due, now, TIME_DAYS_DUE, when, sizeof(when));
                r = add_reason(it, RANK_OVERDUE, RANK_POINTS_OVERDUE + extra, "%s (%s)", when,
                               last);
                number(r, "days_overdue", (double)d);
        } else {
                char when[64];
                struct rank_reason *r;

                time_format_days(c->next_due, now, TIME_DAYS_WHEN, when, sizeof(when));
                r = add_reason(it, RANK_DUE_SOON, RANK_POINTS_DUE_SOON, "due %s (%s)", when, last);
                number(r, "days_until_due", (double)-d);
        }
        if (c->last_touch)
                number(&it->reasons[it->n_reasons - 1], "days_since_touch",
                       (double)days(now - c->last_touch));
}

static void goal_reason(const struct rank_candidate *c, int64_t goal_every, int64_t now,
                        struct rank_item *it)
{
        char more[48] = "";
        int points = RANK_POINTS_GOAL;
        bool stale = !c->last_touch || c->last_touch < now - goal_every;

        if (!c->n_goals)
                return;
        if (stale)
                points += 10;
        if (c->n_goals > 1)
                snprintf(more, sizeof(more), " and %zu more goal%s", c->n_goals - 1,
                         c->n_goals == 2 ? "" : "s");
        struct rank_reason *r = add_reason(
            it, RANK_GOAL, points, "linked to your goal \"%s\"%s%s%s%s",
            c->goal_title ? c->goal_title : "?", more, c->goal_why ? " — " : "",
            c->goal_why ? c->goal_why : "",
            stale ? (c->last_touch ? "; not touched within the goal's interval" : "; never touched")
                  : "");
        number(r, "goals", (double)c->n_goals);
        number(r, "goal_interval_days", (double)days(goal_every));
        if (c->last_touch)
                number(r, "days_since_touch", (double)days(now - c->last_touch));
}

/* The network health calls under-served, from its very figures (whole points, its tolerance),
 * for someone not touched within the recent window; a stronger tie to revive weighs more. */
static void network_reason(const struct rank_candidate *c, const struct rank_options *o,
                           struct rank_item *it)
{
        const struct health_report *h = o->health;
        struct rank_reason *r;
        char tie[96];
        int best = -1, gap = 0;

        if (!h || (c->last_touch && o->recent && c->last_touch >= o->now - o->recent))
                return;
        for (int k = 0; k < _NETWORK_MAX; k++) {
                const struct health_network *n = &h->net[k];

                if (!(c->networks & (1u << k)) || n->verdict != HEALTH_UNDER)
                        continue;
                if (n->target_pct - n->share_pct > gap) {
                        gap = n->target_pct - n->share_pct;
                        best = k;
                }
        }
        if (best < 0)
                return;
        if (!c->last_touch)
                snprintf(tie, sizeof(tie), "never touched");
        else
                snprintf(tie, sizeof(tie), "a %s tie (strength %d), last touched %lld days ago",
                         tie_level_to_string(strength_level(c->strength)), c->strength,
                         days(o->now - c->last_touch));
        r = add_reason(it, RANK_UNDER_SERVED, RANK_POINTS_UNDER_SERVED + gap + c->strength / 10,
                       "in your %s network, which gets %d%% of your attention against %d%% "
                       "(±%u) for your profile (%s); %s",
                       network_to_string(best), h->net[best].share_pct, h->net[best].target_pct,
                       h->tolerance, profile_to_string(h->profile), tie);
        number(r, "share", h->net[best].share);
        number(r, "target", h->net[best].target);
        number(r, "tolerance", h->tolerance / 100.0);
        number(r, "strength", c->strength);
        if (c->last_touch)
                number(r, "days_since_touch", (double)days(o->now - c->last_touch));
}

/* What the profile asks of their networks: weighs someone who already has a reason. */
static void profile_reason(const struct rank_candidate *c, const struct health_report *h,
                           struct rank_item *it)
{
        struct rank_reason *r;
        double best = -1;
        int k_best = -1, points;

        if (!h || h->profile == PROFILE_UNSET || it->n_reasons == 0)
                return;
        for (int k = 0; k < _NETWORK_MAX; k++)
                if ((c->networks & (1u << k)) && h->net[k].target > best) {
                        best = h->net[k].target;
                        k_best = k;
                }
        if (k_best < 0)
                return;
        points = (int)lround(RANK_POINTS_PROFILE * (best - 1.0 / 3));
        if (points == 0)
                return;
        r = add_reason(it, RANK_PROFILE, points,
                       "your %s profile gives their %s network %.0f%% of your attention",
                       profile_to_string(h->profile), network_to_string(k_best), best * 100);
        number(r, "target", best);
}

static bool open_prospect(const struct rank_candidate *c)
{
        return c->stage == STAGE_WANT_TO_MEET || c->stage == STAGE_REACHED_OUT ||
               c->stage == STAGE_SCHEDULED;
}

/* Your offers, against what someone you owe or want to meet needs. */
static void offer_reason(const struct rank_candidate *c, const struct rank_options *o,
                         struct rank_item *it)
{
        const char *offer = NULL;
        char word[48];

        if (!o->n_offers || it->n_reasons == 0 || (c->got <= c->gave && !open_prospect(c)))
                return;
        for (size_t k = 0; !offer && k < ARRAY_SIZE(c->needs); k++)
                offer = rank_offer_match(o->offers, o->n_offers, c->needs[k], word, sizeof(word));
        if (offer)
                add_reason(it, RANK_OFFER, RANK_POINTS_OFFER,
                           "you offer \"%s\", which matches what they need (\"%s\")", offer, word);
}

static void owe_reason(const struct rank_candidate *c, struct rank_item *it)
{
        unsigned diff;
        int points;

        if (c->got <= c->gave)
                return;
        diff = c->got - c->gave;
        points = RANK_POINTS_OWE + 5 * (int)(diff - 1);
        if (points > 30)
                points = 30;
        struct rank_reason *r = add_reason(
            it, RANK_OWE, points, "you owe them: they gave you %u thing%s and you gave back %u",
            c->got, c->got == 1 ? "" : "s", c->gave);
        number(r, "got", c->got);
        number(r, "gave", c->gave);
}

static void pipeline_reason(const struct rank_candidate *c, int64_t now, struct rank_item *it)
{
        long long d = c->stage_changed ? days(now - c->stage_changed) : 0;
        size_t before = it->n_reasons;

        switch (c->stage) {
        case STAGE_WANT_TO_MEET:
                if (c->intro_asked)
                        break; /* asked already: the next step is theirs */
                if (c->via_name)
                        add_reason(it, RANK_PIPELINE, RANK_POINTS_PIPELINE,
                                   "prospect you want to meet: next step, ask %s for an "
                                   "introduction",
                                   c->via_name);
                else
                        add_reason(it, RANK_PIPELINE, RANK_POINTS_PIPELINE,
                                   "prospect you want to meet: next step, reach out");
                break;
        case STAGE_REACHED_OUT:
                if (c->stage_changed && now - c->stage_changed >= NUDGE_AFTER)
                        number(add_reason(it, RANK_PIPELINE, RANK_POINTS_NUDGE,
                                          "you reached out %lld day%s ago with no reply: nudge", d,
                                          plural(d)),
                               "days_since_stage", (double)d);
                break;
        case STAGE_SCHEDULED:
                add_reason(it, RANK_PIPELINE, RANK_POINTS_PIPELINE / 2,
                           "meeting scheduled: prepare your questions");
                break;
        case STAGE_MET:
                if (!c->last_touch || c->last_touch <= c->stage_changed)
                        add_reason(it, RANK_PIPELINE, RANK_POINTS_THANKS,
                                   "you met %s: send a thank-you",
                                   d == 0   ? "today"
                                   : d == 1 ? "yesterday"
                                            : "recently");
                break;
        default:
                break;
        }
        if (it->n_reasons > before && it->reasons[before].n_numbers == 0)
                number(&it->reasons[before], "days_since_stage", (double)d);
}

static void warm_path_reason(const struct rank_candidate *c, struct rank_item *it)
{
        if (!c->warm_path_to)
                return;
        number(add_reason(it, RANK_WARM_PATH, RANK_POINTS_WARM_PATH,
                          "your warmest path to %s (%s): ask for an introduction", c->warm_path_to,
                          c->warm_path_stage ? c->warm_path_stage : "prospect"),
               "strength", c->strength);
}

static void choose_action(const struct rank_candidate *c, struct rank_item *it)
{
        const struct rank_reason *top = &it->reasons[0];

        /* Someone you have not met yet: the pipeline says what to do, whatever ranked them. */
        for (size_t i = 0; i < it->n_reasons; i++)
                if (it->reasons[i].code == RANK_PIPELINE && c->stage != STAGE_MET)
                        top = &it->reasons[i];

        switch (top->code) {
        case RANK_OVERDUE:
        case RANK_DUE_SOON:
                snprintf(it->action, sizeof(it->action), "get in touch with %s", c->name);
                break;
        case RANK_GOAL:
                snprintf(it->action, sizeof(it->action), "talk with %s about \"%s\"", c->name,
                         c->goal_title ? c->goal_title : "your goal");
                break;
        case RANK_UNDER_SERVED:
                snprintf(it->action, sizeof(it->action), "catch up with %s", c->name);
                break;
        case RANK_OWE:
                snprintf(it->action, sizeof(it->action), "offer %s something back", c->name);
                break;
        case RANK_PIPELINE:
                switch (c->stage) {
                case STAGE_WANT_TO_MEET:
                        if (c->via_name)
                                snprintf(it->action, sizeof(it->action),
                                         "ask %s to introduce you to %s", c->via_name, c->name);
                        else
                                snprintf(it->action, sizeof(it->action), "reach out to %s",
                                         c->name);
                        break;
                case STAGE_REACHED_OUT:
                        snprintf(it->action, sizeof(it->action), "send %s a friendly nudge",
                                 c->name);
                        break;
                case STAGE_SCHEDULED:
                        snprintf(it->action, sizeof(it->action), "prepare for meeting %s", c->name);
                        break;
                default:
                        snprintf(it->action, sizeof(it->action), "thank %s", c->name);
                        break;
                }
                break;
        case RANK_WARM_PATH:
                snprintf(it->action, sizeof(it->action), "ask %s for an introduction to %s",
                         c->name, c->warm_path_to);
                break;
        default:
                snprintf(it->action, sizeof(it->action), "get in touch with %s", c->name);
                break;
        }
}

static int reason_cmp(const void *a, const void *b)
{
        const struct rank_reason *x = a, *y = b;

        if (x->points != y->points)
                return x->points > y->points ? -1 : 1;
        return x->code < y->code ? -1 : x->code > y->code;
}

static int item_cmp(const void *a, const void *b, void *userdata)
{
        const struct rank_item *x = a, *y = b;
        const struct rank_candidate *c = userdata;
        int64_t dx = c[x->index].next_due, dy = c[y->index].next_due;

        if (x->score != y->score)
                return x->score > y->score ? -1 : 1;
        if (dx != dy) {
                if (!dx || !dy)
                        return dx ? -1 : 1;
                return dx < dy ? -1 : 1;
        }
        return c[x->index].id < c[y->index].id ? -1 : c[x->index].id > c[y->index].id;
}

/* A reason that is tied to a date: it may propose someone touched recently. */
static bool dated(const struct rank_item *it)
{
        return has_code(it, RANK_OVERDUE) || has_code(it, RANK_DUE_SOON) ||
               has_code(it, RANK_PIPELINE);
}

static ssize_t item_of(const struct rank_item *items, size_t k, const struct rank_candidate *c,
                       uint64_t id)
{
        for (size_t i = 0; i < k; i++)
                if (c[items[i].index].id == id)
                        return (ssize_t)i;
        return -1;
}

/* A prospect to be introduced by someone who is in the plan too: one entry, with the
 * go-between, whose warm-path reason the prospect's own reasons replace. */
static void merge_intros(const struct rank_candidate *c, struct rank_item *items, size_t *k)
{
        for (size_t i = 0; i < *k;) {
                const struct rank_candidate *p = &c[items[i].index];
                struct rank_item *via;
                ssize_t v;

                if (p->stage != STAGE_WANT_TO_MEET || !p->via_id || p->intro_asked ||
                    (v = item_of(items, *k, c, p->via_id)) < 0) {
                        i++;
                        continue;
                }
                via = &items[v];
                for (size_t r = 0; r < via->n_reasons; r++)
                        if (via->reasons[r].code == RANK_WARM_PATH &&
                            c[via->index].warm_path_to_id == p->id) {
                                via->score -= via->reasons[r].points;
                                memmove(&via->reasons[r], &via->reasons[r + 1],
                                        (via->n_reasons - r - 1) * sizeof(struct rank_reason));
                                via->n_reasons--;
                                break;
                        }
                for (size_t r = 0; r < items[i].n_reasons && via->n_reasons < RANK_REASONS_MAX;
                     r++) {
                        struct rank_reason *to = &via->reasons[via->n_reasons++];
                        const struct rank_reason from = items[i].reasons[r];
                        size_t name = strnlen(p->name, sizeof(to->text) - 3), rest;

                        /* "Tara: prospect you want to meet: ...", cut to fit */
                        *to = from;
                        memcpy(to->text, p->name, name);
                        memcpy(to->text + name, ": ", 2);
                        rest = strnlen(from.text, sizeof(to->text) - name - 3);
                        memcpy(to->text + name + 2, from.text, rest);
                        to->text[name + 2 + rest] = '\0';
                        via->score += to->points;
                }
                qsort_safe(via->reasons, via->n_reasons, sizeof(struct rank_reason), reason_cmp);
                snprintf(via->action, sizeof(via->action), "ask %s to introduce you to %s",
                         c[via->index].name, p->name);
                memmove(&items[i], &items[i + 1], (*k - i - 1) * sizeof(struct rank_item));
                (*k)--;
        }
}

/* What health calls under-served shows up in the plan: when such a network has people in the
 * ranked list but none within the limit, its best one takes the last place still held by
 * someone outside every under-served network. */
static void keep_under_served(const struct rank_candidate *c, const struct health_report *h,
                              struct rank_item *items, size_t k, size_t limit)
{
        size_t slot = limit;

        if (!h || !limit || k <= limit)
                return;
        for (int n = 0; n < _NETWORK_MAX; n++) {
                uint32_t bit = 1u << n, under = 0;
                size_t best = k;

                if (h->net[n].verdict != HEALTH_UNDER)
                        continue;
                for (size_t i = 0; i < limit; i++)
                        if (c[items[i].index].networks & bit)
                                best = 0;
                if (best == 0)
                        continue;
                for (size_t i = limit; i < k && best == k; i++)
                        if ((c[items[i].index].networks & bit) &&
                            has_code(&items[i], RANK_UNDER_SERVED))
                                best = i;
                if (best == k)
                        continue;
                for (int m = 0; m < _NETWORK_MAX; m++)
                        if (h->net[m].verdict == HEALTH_UNDER)
                                under |= 1u << m;
                while (slot > 0 && (c[items[slot - 1].index].networks & under))
                        slot--;
                if (slot == 0)
                        return;
                slot--;
                {
                        struct rank_item moved = items[best];

                        memmove(&items[slot + 1], &items[slot],
                                (best - slot) * sizeof(struct rank_item));
                        items[slot] = moved;
                }
        }
}

int rank_plan(const struct rank_candidate *c, size_t n, const struct rank_options *o,
              struct rank_item **ret, size_t *ret_n)
{
        struct rank_item *items = calloc(n ? n : 1, sizeof(struct rank_item));
        size_t k = 0;

        if (!items)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct rank_item *it = &items[k];
                bool pipeline;

                *it = (struct rank_item){.index = i};
                due_reasons(&c[i], o->now, it);
                goal_reason(&c[i], o->goal_every, o->now, it);
                network_reason(&c[i], o, it);
                owe_reason(&c[i], it);
                pipeline_reason(&c[i], o->now, it);
                warm_path_reason(&c[i], it);
                if (it->n_reasons == 0)
                        continue;
                /* Touched within the recent window: only a dated reason brings them back. */
                if (o->recent && c[i].last_touch && c[i].last_touch > o->now - o->recent &&
                    !dated(it))
                        continue;
                profile_reason(&c[i], o->health, it);
                offer_reason(&c[i], o, it);
                pipeline = has_code(it, RANK_PIPELINE);
                if (!pipeline && c[i].last_touch && c[i].last_touch > o->now - JUST_TOUCHED)
                        it->score -= RANK_PENALTY_JUST_TOUCHED;
                if (it->score <= 0)
                        continue;
                qsort_safe(it->reasons, it->n_reasons, sizeof(struct rank_reason), reason_cmp);
                choose_action(&c[i], it);
                k++;
        }
        merge_intros(c, items, &k);
        if (k > 0)
                qsort_r(items, k, sizeof(struct rank_item), item_cmp, (void *)c);
        keep_under_served(c, o->health, items, k, o->limit);
        if (o->limit && k > o->limit)
                k = o->limit;
        *ret = items;
        *ret_n = k;
        return 0;
}

bool rank_is_ask_kind(const char *kind)
{
        return kind && (streq(kind, "intro") || streq(kind, "referral") || streq(kind, "ask"));
}

bool rank_intro_asked(int64_t stage_changed, int64_t their_last_ask, int64_t via_last_ask,
                      bool intro_recorded)
{
        return intro_recorded || (their_last_ask && their_last_ask >= stage_changed) ||
               (via_last_ask && via_last_ask >= stage_changed);
}

/* Words of an offer worth matching: four letters or more, lower-cased, a plural's s dropped. */
static bool offer_word(const char **p, char *word, size_t size)
{
        while (**p) {
                size_t len = 0;

                while (**p && !isalnum((unsigned char)**p))
                        (*p)++;
                while (isalnum((unsigned char)**p)) {
                        if (len + 1 < size)
                                word[len++] = (char)tolower((unsigned char)**p);
                        (*p)++;
                }
                word[len] = '\0';
                if (len > 4 && word[len - 1] == 's')
                        word[--len] = '\0';
                if (len >= 4)
                        return true;
        }
        return false;
}

static bool starts_a_word(const char *text, const char *word)
{
        size_t len = strlen(word);

        for (const char *t = text; *t; t++)
                if ((t == text || !isalnum((unsigned char)t[-1])) && strncasecmp(t, word, len) == 0)
                        return true;
        return false;
}

const char *rank_offer_match(char *const *offers, size_t n, const char *text, char *word,
                             size_t size)
{
        static const char *const common[] = {"with",  "from", "that", "your", "into", "about",
                                             "their", "have", "this", "help", "some", "other"};

        if (!text || !*text || size == 0)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                const char *p = offers[i];

                while (offer_word(&p, word, size)) {
                        bool skip = false;

                        for (size_t j = 0; j < sizeof(common) / sizeof(common[0]); j++)
                                skip |= streq(word, common[j]);
                        if (!skip && starts_a_word(text, word))
                                return offers[i];
                }
        }
        word[0] = '\0';
        return NULL;
}
