/* A write transaction's change set and the observer it goes to after the commit; see
 * "what a committed write changed" in store.h. */
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"
#include "store-sched.h"

void store_set_observer(struct store *s, const struct store_observer *o)
{
        s->observer = o ? *o : (struct store_observer){0};
}

void store_txn_set_event(struct store_txn *t, const char *event)
{
        t->changes.event = event;
}

void store_changes_person(struct store_txn *t, uint64_t contact_id)
{
        struct store_changes *ch = &t->changes;

        ch->contacts = true;
        if (ch->n_changed && ch->n_changed <= STORE_CHANGED_MAX &&
            ch->changed[ch->n_changed - 1] == contact_id)
                return; /* the same one again (a contact and its interactions) */
        if (ch->n_changed < STORE_CHANGED_MAX)
                ch->changed[ch->n_changed] = contact_id;
        ch->n_changed++;
}

void store_changes_contact(struct store_txn *t, const struct contact *old,
                           const struct contact *new)
{
        struct store_changes *ch = &t->changes;
        int64_t was = old ? old->next_due : 0, now = new ? new->next_due : 0;
        const struct contact *c = new ? new : old;

        store_changes_person(t, c->id);
        if (store_sched_differs(old, new))
                ch->sched = true;
        if (was == now)
                return;
        if (ch->n_moves < STORE_MOVES_MAX) {
                struct store_due_move *m = &ch->moves[ch->n_moves];

                /* A failed copy only costs the watch event its name. */
                *m = (struct store_due_move){
                    .id = c->id, .next_due = now, .name = c->name ? strdup(c->name) : NULL};
        }
        ch->n_moves++;
}

void store_changes_reset(struct store_changes *ch)
{
        size_t n = ch->n_moves < STORE_MOVES_MAX ? ch->n_moves : STORE_MOVES_MAX;

        for (size_t i = 0; i < n; i++)
                free(ch->moves[i].name);
        *ch = (struct store_changes){0};
}

void store_changes_finish(struct store *s, struct store_changes *ch, bool ok)
{
        if (ok)
                s->changed_since_release += ch->n_changed;
        if (ok && s->observer.committed && (ch->contacts || ch->sched || ch->n_moves))
                s->observer.committed(ch, s->observer.userdata);
        store_changes_reset(ch);
}

void store_report_broken(struct store *s)
{
        if (!s->broken || s->broken_reported)
                return;
        s->broken_reported = true;
        if (s->observer.broken)
                s->observer.broken(s->observer.userdata);
}
