/* Plan ranking: see rank.h. */
#include "rank.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

#define JUST_TOUCHED (3 * DURATION_DAY)
#define SOON         (7 * DURATION_DAY)
#define NUDGE_AFTER  (7 * DURATION_DAY)
#define STALE_TOUCH  (14 * DURATION_DAY)

static const char *const reason_names[_RANK_REASON_MAX] = {
    [RANK_OVERDUE] = "overdue",
    [RANK_DUE_SOON] = "due-soon",
    [RANK_GOAL] = "goal",
    [RANK_UNDER_SERVED] = "under-served",
    [RANK_OWE] = "owe",
    [RANK_PIPELINE] = "pipeline",
    [RANK_WARM_PATH] = "warm-path",
};

const char *rank_reason_to_string(enum rank_reason_code c)
{
        if (c < 0 || c >= _RANK_REASON_MAX)
                return NULL;
        return reason_names[c];
}

static void add_reason(struct rank_item *it, enum rank_reason_code code, int points,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void add_reason(struct rank_item *it, enum rank_reason_code code, int points,
                       const char *fmt, ...)
{
        struct rank_reason *r;
        va_list ap;

        if (it->n_reasons >= RANK_REASONS_MAX)
                return;
        r = &it->reasons[it->n_reasons++];
        r->code = code;
        r->points = points;
        va_start(ap, fmt);
        vsnprintf(r->text, sizeof(r->text), fmt, ap);
        va_end(ap);
        it->score += points;
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

                time_format_days(c->next_due, now, TIME_DAYS_DUE, when, sizeof(when));
                add_reason(it, RANK_OVERDUE, RANK_POINTS_OVERDUE + extra, "%s (%s)", when, last);
        } else {
                char when[64];

                time_format_days(c->next_due, now, TIME_DAYS_WHEN, when, sizeof(when));
                add_reason(it, RANK_DUE_SOON, RANK_POINTS_DUE_SOON, "due %s (%s)", when, last);
        }
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
        add_reason(
            it, RANK_GOAL, points, "linked to your goal \"%s\"%s%s%s%s",
            c->goal_title ? c->goal_title : "?", more, c->goal_why ? " — " : "",
            c->goal_why ? c->goal_why : "",
            stale ? (c->last_touch ? "; not touched within the goal's interval" : "; never touched")
                  : "");
}

static void network_reason(const struct rank_candidate *c, const struct health_report *h,
                           int64_t now, struct rank_item *it)
{
        int best = -1;
        double gap = 0;

        if (!h || (c->last_touch && c->last_touch >= now - STALE_TOUCH))
                return;
        for (int k = 0; k < _NETWORK_MAX; k++) {
                const struct health_network *n = &h->net[k];

                if (!(c->networks & (1u << k)) || n->verdict != HEALTH_UNDER)
                        continue;
                if (n->target - n->share > gap) {
                        gap = n->target - n->share;
                        best = k;
                }
        }
        if (best < 0)
                return;
        add_reason(it, RANK_UNDER_SERVED, RANK_POINTS_UNDER_SERVED + (int)(gap * 20 + 0.5),
                   "in your %s network, which gets %.0f%% of your attention against %.0f%% for "
                   "your profile (%s)",
                   network_to_string(best), h->net[best].share * 100, h->net[best].target * 100,
                   profile_to_string(h->profile));
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
        add_reason(it, RANK_OWE, points,
                   "you owe them: they gave you %u thing%s and you gave back %u", c->got,
                   c->got == 1 ? "" : "s", c->gave);
}

static void pipeline_reason(const struct rank_candidate *c, int64_t now, struct rank_item *it)
{
        long long d = c->stage_changed ? days(now - c->stage_changed) : 0;

        switch (c->stage) {
        case STAGE_WANT_TO_MEET:
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
                        add_reason(it, RANK_PIPELINE, RANK_POINTS_NUDGE,
                                   "you reached out %lld day%s ago with no reply: nudge", d,
                                   plural(d));
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
}

static void warm_path_reason(const struct rank_candidate *c, struct rank_item *it)
{
        if (!c->warm_path_to)
                return;
        add_reason(it, RANK_WARM_PATH, RANK_POINTS_WARM_PATH,
                   "your warmest path to %s (%s): ask for an introduction", c->warm_path_to,
                   c->warm_path_stage ? c->warm_path_stage : "prospect");
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

int rank_plan(const struct rank_candidate *c, size_t n, const struct health_report *health,
              int64_t goal_every, int64_t now, size_t limit, struct rank_item **ret, size_t *ret_n)
{
        struct rank_item *items = calloc(n ? n : 1, sizeof(struct rank_item));
        size_t k = 0;

        if (!items)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct rank_item *it = &items[k];
                bool pipeline;

                *it = (struct rank_item){.index = i};
                due_reasons(&c[i], now, it);
                goal_reason(&c[i], goal_every, now, it);
                network_reason(&c[i], health, now, it);
                owe_reason(&c[i], it);
                pipeline_reason(&c[i], now, it);
                warm_path_reason(&c[i], it);
                if (it->n_reasons == 0)
                        continue;
                pipeline = false;
                for (size_t r = 0; r < it->n_reasons; r++)
                        pipeline |= it->reasons[r].code == RANK_PIPELINE;
                if (!pipeline && c[i].last_touch && c[i].last_touch > now - JUST_TOUCHED)
                        it->score -= RANK_PENALTY_JUST_TOUCHED;
                if (it->score <= 0)
                        continue;
                qsort(it->reasons, it->n_reasons, sizeof(struct rank_reason), reason_cmp);
                choose_action(&c[i], it);
                k++;
        }
        if (k > 0)
                qsort_r(items, k, sizeof(struct rank_item), item_cmp, (void *)c);
        if (limit && k > limit)
                k = limit;
        *ret = items;
        *ret_n = k;
        return 0;
}
