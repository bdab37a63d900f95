/* The weekly plan: who to reach out to, ranked, each with the reasons in words and numbers.
 * Pure computation over plain candidate records: the caller loads them from the store and
 * passes the health report, so the plan ranks from the very figures `tend health` shows —
 * under-served networks, their targets and tolerance, the profile — and what health calls
 * under-served shows up in the plan. One entry per person; someone touched within the
 * "recent" window is not proposed without a dated reason (a follow-up due, a pipeline step);
 * an introduction already asked for is not proposed again. */
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
        RANK_PROFILE, /* weighs a person with another reason by what the profile asks of their
                       * networks; never a reason on its own */
        RANK_OFFER,   /* one of your offers (me offers) matches what they need */
        _RANK_REASON_MAX,
};

/** "overdue", "due-soon", "goal", "under-served", "owe", "pipeline", "warm-path", "profile",
 * "offer". */
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
        uint64_t warm_path_to_id;    /* that prospect's id */
        uint64_t via_id;             /* a prospect: the id behind via_name, 0 = none */
        bool intro_asked;     /* a prospect: the introduction was already asked for or made */
        int strength;         /* tie strength 0..100 */
        const char *needs[3]; /* what they need, in their record's words: what they bring,
                               * the notes, the plan for them (NULL = none) */
};

#define RANK_REASONS_MAX 8
#define RANK_TEXT_MAX    256

#define RANK_NUMBERS_MAX 5

/* A figure behind a reason ("days_overdue" 12, "share" 0.2, "target" 0.35), for --json. */
struct rank_number {
        const char *key; /* static */
        double value;
};

struct rank_reason {
        enum rank_reason_code code;
        int points;
        char text[RANK_TEXT_MAX];
        struct rank_number numbers[RANK_NUMBERS_MAX];
        size_t n_numbers;
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
#define RANK_POINTS_UNDER_SERVED  15 /* plus the missing points of share, plus strength / 10 */
#define RANK_POINTS_PROFILE       60 /* times (the best target of their networks - 1/3) */
#define RANK_POINTS_OFFER         10
#define RANK_POINTS_OWE           15 /* plus 5 per further favour, at most 30 in all */
#define RANK_POINTS_PIPELINE      20
#define RANK_POINTS_NUDGE         30
#define RANK_POINTS_THANKS        30
#define RANK_POINTS_WARM_PATH     20
#define RANK_PENALTY_JUST_TOUCHED 25 /* touched in the last 3 days (not for pipeline steps) */

struct rank_options {
        const struct health_report *health; /* NULL: no network figures, no profile */
        int64_t goal_every; /* the follow-up interval for people linked to an active goal */
        int64_t recent;     /* touched within this: only with a dated reason; 0 = off */
        int64_t now;
        size_t limit;        /* 0 = all */
        char *const *offers; /* me offers, matched against what people you owe and open
                              * prospects need */
        size_t n_offers;
};

/** Rank n candidates: only people with at least one reason and a positive score, best first
 * (score, then earlier due date, then id), at most o->limit. A prospect whose go-between is
 * in the plan too becomes one entry with them ("ask David to introduce you to Tara"). When an
 * under-served network has people in the plan but none within the limit, its best one takes
 * the last place. Returns 0 with a heap array in *ret (free()) and its length, or -ENOMEM. */
int rank_plan(const struct rank_candidate *c, size_t n, const struct rank_options *o,
              struct rank_item **ret, size_t *ret_n);

/** Whether an interaction of kind asks for or makes an introduction: intro, referral, ask. */
bool rank_is_ask_kind(const char *kind);

/** Whether the introduction to a prospect (want-to-meet since stage_changed) is already
 * asked for or made: an ask-kind touch with them (their_last_ask) or with the go-between
 * (via_last_ask) since then, or an introduction recorded with them (0 = none). */
bool rank_intro_asked(int64_t stage_changed, int64_t their_last_ask, int64_t via_last_ask,
                      bool intro_recorded);

/** The first of offers[0..n) one of whose words (four letters or more, a plural's s aside)
 * starts a word of text, case-insensitively; NULL when none. The matched word goes to word. */
const char *rank_offer_match(char *const *offers, size_t n, const char *text, char *word,
                             size_t size);
