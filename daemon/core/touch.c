/* Recording a touch; see touch.h. */
#include "touch.h"

#include "goals.h"
#include "util.h"

int touch_apply(struct store_txn *t, int64_t conf_every, struct contact *c,
                const struct interaction *in)
{
        int r;

        if (in->at < c->last_interaction)
                return 0;
        c->last_interaction = in->at;
        r = free_and_strdup(&c->last_kind, in->kind);
        if (r < 0)
                return r;
        if (c->cadence > 0)
                c->next_due = in->at + c->cadence;
        else if (c->next_due && c->next_due <= in->at)
                c->next_due = 0;
        return goals_apply_due_rules(t, conf_every, c);
}

int touch_record(struct store_txn *t, int64_t conf_every, struct contact *c, struct interaction *in,
                 int64_t now)
{
        int r;

        in->contact_id = c->id;
        if (!in->created)
                in->created = now;
        store_txn_describe(t, "log %s with %s", in->kind, c->name);
        r = store_txn_interaction_add(t, in);
        if (r < 0)
                return r;
        r = touch_apply(t, conf_every, c, in);
        if (r < 0)
                return r;
        c->updated = now;
        return store_txn_contact_put(t, c);
}
