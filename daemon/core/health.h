/* Network health: per network (operational, personal, strategic) how many people, how recently
 * touched, how deep (median days between touches), how broad (distinct organisations) and how
 * much leverage (introductions made and received), and the balance of your attention against
 * what your profile needs. Pure computation on plain arrays: the caller loads the data. */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* What you use your network for; it sets the attention each network deserves. */
enum profile {
        PROFILE_UNSET,
        PROFILE_JOB_SEEKING, /* strategic and personal matter most */
        PROFILE_GROWING,     /* growing inside an organisation: operational first */
        PROFILE_FOUNDER,     /* running a business or side-hustle: operational, then strategic */
        _PROFILE_MAX,
        _PROFILE_INVALID = -EINVAL,
};

/** "unset", "job-seeking", "growing", "founder"; NULL for anything else. */
const char *profile_to_string(enum profile p);
/** Parse a profile name (case-insensitive, unique prefixes); _PROFILE_INVALID if none. */
enum profile profile_from_string(const char *s);

/** The share of attention (touches in the last 90 days) each network deserves under p; the
 * shares sum to 1. */
void profile_targets(enum profile p, double ret[static _NETWORK_MAX]);

/** One sentence on why the profile weighs the networks as it does. */
const char *profile_explain(enum profile p);

#define HEALTH_RECENT_DAYS    30
#define HEALTH_ATTENTION_DAYS 90

struct health_person {
        const char *name;       /* for the people health names; NULL = unnamed */
        int strength;           /* tie strength 0..100 (strength.h) */
        uint32_t networks;      /* bit mask */
        int64_t last_touch;     /* 0 = never */
        int64_t next_due;       /* 0 = none */
        const char *org;        /* NULL = none */
        bool introduced;        /* someone introduced you to them (met via) */
        const int64_t *touches; /* interaction times, any order */
        size_t n_touches;
};

struct health_intro {
        uint32_t networks_a, networks_b; /* networks of the two people you introduced */
};

enum health_verdict {
        HEALTH_UNDER,
        HEALTH_BALANCED,
        HEALTH_OVER,
        _HEALTH_VERDICT_MAX,
};

const char *health_verdict_to_string(enum health_verdict v);

#define HEALTH_NAMED_MAX     5  /* people named per list */
#define HEALTH_TOLERANCE_DEF 10 /* percentage points either side of the target */

struct health_network {
        size_t people;
        size_t touched_30, touched_90; /* people touched in the last 30 / 90 days */
        size_t never_touched;
        size_t overdue;
        double median_gap_days;    /* between consecutive touches with members; < 0 = unknown */
        size_t orgs;               /* distinct organisations (case-insensitive) */
        size_t intros_made;        /* introductions you made involving a member */
        size_t intros_received;    /* members someone introduced you to */
        size_t touches_90;         /* interactions with members in the last 90 days */
        double share;              /* touches_90 over all networks' touches_90 (0 when none) */
        double target;             /* what the profile asks for */
        int share_pct, target_pct; /* the two rounded to whole points: what the verdict compares */
        enum health_verdict verdict;
        /* Named: never touched (in input order) and fading — touched once, but not in the last
         * HEALTH_ATTENTION_DAYS — strongest first, the ties most worth reviving. Indexes into
         * the people array, at most HEALTH_NAMED_MAX of each. */
        size_t never_named[HEALTH_NAMED_MAX], n_never_named;
        size_t fading;
        size_t fading_named[HEALTH_NAMED_MAX], n_fading_named;
};

struct health_report {
        enum profile profile;
        unsigned tolerance; /* percentage points either side of a target that count as balanced */
        size_t people;      /* everyone, in any network or none */
        size_t unfiled;     /* people in no network */
        struct health_network net[_NETWORK_MAX];
        double balance; /* 0..1: 1 - half the summed distance of shares from targets */
        size_t touches_90;
};

/** The verdict on a share against a target, both in whole percentage points: under-served when
 * the share is more than tolerance points below the target, over-served when more than
 * tolerance above, balanced otherwise (the bounds included). Whole points, so the same figures
 * always give the same verdict. */
enum health_verdict health_verdict_of(int share_pct, int target_pct, unsigned tolerance);

/** Compute the report for n people and n_intros introductions at time now, with tolerance
 * points either side of the profile's targets. Returns 0 or -ENOMEM. */
int health_compute(const struct health_person *people, size_t n, const struct health_intro *intros,
                   size_t n_intros, enum profile profile, unsigned tolerance, int64_t now,
                   struct health_report *ret);
