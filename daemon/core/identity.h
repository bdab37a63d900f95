/* One person, one record: the rules that keep a second record of someone from appearing by
 * accident (a name or goal title already taken), that say what removing someone takes with it,
 * and that find the duplicates that exist anyway (tend dupes). Names and titles compare
 * case-insensitively with the store's folding (utf8_casefold), the way WHO lookups match. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "reply.h"
#include "store.h"

/** A contact other than self named name (case-insensitively): 1 with it loaded in *ret, 0 when
 * there is none, or -errno. */
int identity_name_taken(struct store_txn *t, const char *name, uint64_t self, struct contact **ret);

/** Refuse name when someone other than self has it: records io.tend.Contacts.NameInUse naming
 * them and returns -ECANCELED; 0 when the name is free, or is self's own already (a rename
 * that only changes case, or none, is never refused). */
int identity_check_name(struct store_txn *t, const char *name, uint64_t self, struct op_error *e);

/** Refuse a goal title another goal (not self) has: records io.tend.Goals.TitleInUse and
 * returns -ECANCELED; 0 when free. */
int identity_check_goal_title(struct store_txn *t, const char *title, uint64_t self,
                              struct op_error *e);

/** What removing c takes with it and changes elsewhere, as the RemoveCascade object of
 * io.tend.Contacts: interactions (a count), introductions and goal links (removed), and the
 * people whose met-via or prospect via names c (their reference becomes text). */
int identity_remove_cascade(struct store_txn *t, const struct contact *c, json_t **ret);

/** Remove c: every reference to c by met-via or prospect via keeps c's name as text
 * (met_via_name, prospect_via_name), then the store deletes c with its interactions, goal
 * links and introductions. Returns 0 or -errno. */
int identity_remove(struct store_txn *t, const struct contact *c, int64_t now);

/* The people who refer to someone: met via them (introduced_by) or prospects via them. */
struct referrers {
        uint64_t *met, *via; /* ids, in id order */
        size_t n_met, n_via;
};

void referrers_done(struct referrers *rf);

/** Fill rf with the contacts whose introduced_by or prospect_via is id. One walk of the
 * contacts (nothing indexes these references). Returns 0 or -errno. */
int identity_referrers(struct store_txn *t, uint64_t id, struct referrers *rf);

/** Likely duplicates, as an array of {reason, value, contacts: [ContactRef]}: the same email
 * (the email index), the same name (the name index), the same phone number (digits only) or
 * the same name words in another order ("Green Rachel"). Email and name come from a walk of
 * their index; phones and word order from one pass over the contacts, sorted: O(n log n),
 * never a comparison of every pair. At most limit groups (0: all). */
int identity_duplicates(struct store_txn *t, size_t limit, json_t **ret);
