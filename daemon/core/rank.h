/* The weekly plan: who to reach out to, ranked, each with the reasons in words. Pure
 * computation over plain candidate records: the caller loads them from the store and passes
 * the health report (for under-served networks) and the profile. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "health.h"
#include "model.h"

enum rank_reason_code {
        RANK_OVERDUE,
        RANK_DUE_SOON,
        RANK_GOAL,
        RANK_UNDER_SERVED,
        RANK_OWE,
        RANK_PIPELINE,
        RANK_WARM_PATH,
        _RANK_REASON_MAX,
};

/** "overdue", "due-soon", "goal", "under-served", "owe", "pipeline", "warm-path". */
const char *rank_reason_to_string(enum rank_reason_code c);

struct rank_candidate {
        uint64_t id;
        const char *name;
        uint32_t networks;
        int64_t next_due;   /* 0 = none */
        int64_t last_touch; /* 0 = never */
        const char *last_kind;
        enum prospect_stage stage;
        int64_t stage_changed;
        const char *via_name;   /* a prospect: who could introduce you, or NULL */
        size_t n_goals;         /* active goals they are linked to */
        const char *goal_title; /* the first of them */
        const char *goal_why;
        unsigned gave, got;          /* ledger: what you gave them, what they gave you */
        const char *warm_path_to;    /* a prospect they are your best way to, or NULL */
        const char *warm_path_stage; /* that prospect's stage */
};

#define RANK_REASONS_MAX 8
#define RANK_TEXT_MAX    256

struct rank_reason {
        enum rank_reason_code code;
        int points;
        char text[RANK_TEXT_MAX];
};

struct rank_item {
        size_t index; /* into the candidate array */
        int score;
        struct rank_reason reasons[RANK_REASONS_MAX]; /* strongest first */
        size_t n_reasons;
        char action[RANK_TEXT_MAX]; /* what to do, in words */
};

/* Points; the numbers are what the unit tests check the order against. */
#define RANK_POINTS_OVERDUE       40 /* plus a day per 3 days overdue, at most 20 more */
#define RANK_POINTS_DUE_SOON      20
#define RANK_POINTS_GOAL          25 /* plus 10 when not touched within the goal interval */
#define RANK_POINTS_UNDER_SERVED  10 /* plus 20 times the missing share */
#define RANK_POINTS_OWE           15 /* plus 5 per further favour, at most 30 in all */
#define RANK_POINTS_PIPELINE      20
#define RANK_POINTS_NUDGE         30
#define RANK_POINTS_THANKS        30
#define RANK_POINTS_WARM_PATH     20
#define RANK_PENALTY_JUST_TOUCHED 25 /* touched in the last 3 days (not for pipeline steps) */

/** Rank n candidates at time now: only people with at least one reason and a positive score,
 * best first (score, then earlier due date, then id), at most limit (0 = all). goal_every is
 * the follow-up interval for people linked to an active goal. Returns 0 with a heap array in
 * *ret (free()) and its length, or -ENOMEM. */
int rank_plan(const struct rank_candidate *c, size_t n, const struct health_report *health,
              int64_t goal_every, int64_t now, size_t limit, struct rank_item **ret, size_t *ret_n);
