/* Goals, the people linked to them, introductions you made, and your own settings (profile,
 * offers): the records and store operations behind intentional networking. Like store.h, every
 * operation works inside a transaction run by store_read/store_write.
 *
 * Layout (integers big-endian):
 *   goals           goal id → goal record (codec 'G')
 *   goal_links      goal id ‖ contact id → link record (codec 'L': why, linked_at)
 *   contact_goals   DUPSORT contact id → goal id       (a person's goals)
 *   intros          intro id → introduction record (codec 'N': a, b, note, at; kind, by,
 *                   tie): introductions you made, ones someone else made, and "a knows b"
 *   idx_intro       DUPSORT contact id → intro id      (both people of an introduction)
 *   settings        name → value (profile, offers, goal follow-up interval)
 *   goal_interactions DUPSORT goal id → interaction key (contact id ‖ time ‖ seq): the
 *                   interactions logged toward a goal (interaction codec tag 50, goal_id)
 *   meta            "next_goal_id", "next_intro_id" → u64
 * Deleting a goal or an introduction leaves a tombstone ('G' / 'N') with its uuid; deleting a
 * contact removes their links and the introductions they were part of in the same transaction. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "store.h"

#define GOAL_TITLE_MAX     FIELD_NAME_MAX
#define GOALS_MAX          10000 /* goals per store: a person's goals, not a task list */
#define OFFER_MAX          FIELD_NAME_MAX
#define OFFERS_MAX         FIELD_LIST_MAX
#define GOAL_EVERY_DEFAULT (30LL * 86400)

enum goal_status {
        GOAL_ACTIVE,
        GOAL_DONE,
        _GOAL_STATUS_MAX,
        _GOAL_STATUS_INVALID = -EINVAL,
};

const char *goal_status_to_string(enum goal_status s);

struct goal {
        uint64_t id;
        char uuid[UUID_STRING_LEN + 1];
        char *title;
        char *note;
        int64_t by; /* target date, 0 = none */
        enum goal_status status;
        int64_t created;
        int64_t updated;
        int64_t done_at;
        uint8_t *unknown;
        size_t unknown_len;
};

struct goal_link {
        uint64_t goal_id;
        uint64_t contact_id;
        char *why;
        int64_t linked_at;
        uint8_t *unknown;
        size_t unknown_len;
};

enum intro_kind {
        INTRO_BY_YOU,   /* you introduced a and b */
        INTRO_BY_OTHER, /* `by` introduced a and b */
        INTRO_KNOWS,    /* a and b know each other (tend knows) */
        _INTRO_KIND_MAX,
};

struct intro {
        uint64_t id;
        char uuid[UUID_STRING_LEN + 1];
        uint64_t a, b; /* the two people introduced, or who know each other */
        uint32_t kind; /* enum intro_kind (codec tag 8; absent: INTRO_BY_YOU) */
        uint64_t by;   /* INTRO_BY_OTHER: who introduced them (tag 9) */
        uint32_t tie;  /* how strong a and b's tie is: 0 = not said, else enum tie_level + 1
                        * (tag 10) */
        char *note;
        int64_t at;
        int64_t created;
        uint8_t *unknown;
        size_t unknown_len;
};

struct goal *goal_new(void);
void goal_free(struct goal *g);
static inline void goal_freep(struct goal **g)
{
        goal_free(*g);
}

struct goal_link *goal_link_new(void);
void goal_link_free(struct goal_link *l);
static inline void goal_link_freep(struct goal_link **l)
{
        goal_link_free(*l);
}

struct intro *intro_new(void);
void intro_free(struct intro *i);
static inline void intro_freep(struct intro **i)
{
        intro_free(*i);
}

/* ---- goals ---- */

/** Load goal id. Returns 0, -ENOENT, -EBADMSG or -errno. */
int store_txn_goal_get(struct store_txn *t, uint64_t id, struct goal **ret);

/** Insert or replace a goal. id 0 assigns the next goal id (written to g->id) and, when g->uuid
 * is empty, a UUID; a replace with an empty uuid keeps the stored one. An explicit id that does
 * not exist inserts under it (store_write re-runs are safe). Returns 0, -EINVAL (no title),
 * -EDQUOT (GOALS_MAX goals exist) or -errno. */
int store_txn_goal_put(struct store_txn *t, struct goal *g);

/** Delete a goal and its links, leaving a tombstone. Returns 0, -ENOENT or -errno. */
int store_txn_goal_delete(struct store_txn *t, uint64_t id, int64_t now);

typedef int (*store_goal_cb)(const struct goal *g, void *userdata);

/** Visit every goal in id order. Returns 0, the callback's positive stop value, or -errno. */
int store_txn_goal_list(struct store_txn *t, store_goal_cb cb, void *userdata);

/** Resolve a GOAL: a decimal id of an existing goal; else a case-insensitive exact title; else
 * goals whose title starts with it; else goals where every word of it starts a word of the title.
 * Fills at most max ids and returns the number of candidates (0 none, 1 unique), or -errno. */
int store_txn_goal_resolve(struct store_txn *t, const char *goal, uint64_t *ret_ids, size_t max);

/* ---- goal links ---- */

/** Insert or replace the link (goal_id, contact_id) (both must exist: -ENOENT). */
int store_txn_goal_link_put(struct store_txn *t, const struct goal_link *l);

/** Load one link. Returns 0 or -ENOENT. */
int store_txn_goal_link_get(struct store_txn *t, uint64_t goal_id, uint64_t contact_id,
                            struct goal_link **ret);

/** Delete one link. Returns 0 or -ENOENT. */
int store_txn_goal_link_delete(struct store_txn *t, uint64_t goal_id, uint64_t contact_id);

typedef int (*store_goal_link_cb)(const struct goal_link *l, void *userdata);

/** Visit the links of one goal in contact id order. */
int store_txn_goal_links(struct store_txn *t, uint64_t goal_id, store_goal_link_cb cb,
                         void *userdata);

/** Visit the links of one contact in goal id order. */
int store_txn_contact_goal_links(struct store_txn *t, uint64_t contact_id, store_goal_link_cb cb,
                                 void *userdata);

/* ---- introductions ---- */

/** Add an introduction (a and b must exist and differ). Assigns i->id and, if empty, i->uuid. */
int store_txn_intro_add(struct store_txn *t, struct intro *i);

typedef int (*store_intro_cb)(const struct intro *i, void *userdata);

/** Visit every introduction in id order. */
int store_txn_intro_list(struct store_txn *t, store_intro_cb cb, void *userdata);

/** Visit the introductions one contact was part of, in id order. */
int store_txn_contact_intros(struct store_txn *t, uint64_t contact_id, store_intro_cb cb,
                             void *userdata);

/** Load introduction id. Returns 0, -ENOENT, -EBADMSG or -errno. */
int store_txn_intro_get(struct store_txn *t, uint64_t id, struct intro **ret);

/** Delete introduction id and its index entries, leaving a tombstone ('N').
 * Returns 0, -ENOENT or -errno. */
int store_txn_intro_delete(struct store_txn *t, uint64_t id, int64_t now);

/* ---- interactions toward a goal ---- */

/** Visit the interactions tagged with goal_id (struct interaction.goal_id), in key order
 * (contact, time, seq); contact_id, at and seq are filled in. Entries whose interaction is gone
 * or no longer tagged with the goal are skipped. Returns 0, the callback's stop value or -errno. */
int store_txn_goal_interactions(struct store_txn *t, uint64_t goal_id, store_interaction_cb cb,
                                void *userdata);

/* ---- settings ---- */

/** A setting as a new NUL-terminated string in *ret (NULL when unset). Returns 0 or -errno. */
int store_txn_setting_get(struct store_txn *t, const char *name, char **ret);

/** Set a setting to a string; NULL or "" removes it. */
int store_txn_setting_put(struct store_txn *t, const char *name, const char *value);

/* ---- hooks for the contact store ---- */

/** Index an interaction that was just written (i->contact_id, at, seq final): an entry in
 * goal_interactions when i->goal_id is set. Called by store_txn_interaction_add,
 * store_txn_interaction_put_exact and store_txn_interaction_update in the same transaction
 * (an update removes the old entry first: the key or the goal may have changed). */
int store_goals_interaction_added(struct store_txn *t, const struct interaction *i);

/** Drop the index entry of an interaction being deleted (called with contact_id, at, seq). */
int store_goals_interaction_removed(struct store_txn *t, const struct interaction *i);

/** Remove what refers to a contact that is being deleted: its goal links and the introductions
 * it was part of (tombstoned). Called by store_txn_contact_delete in the same transaction. */
int store_goals_contact_deleted(struct store_txn *t, uint64_t contact_id, int64_t now);
