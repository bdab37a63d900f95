/* Recording a touch; see touch.h. */
#include "touch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goals.h"
#include "strength.h"
#include "util.h"

static int rule_due(struct store_txn *t, int64_t conf_every, const struct contact *c, int64_t last,
                    int64_t *ret);

int touch_apply(struct store_txn *t, int64_t conf_every, struct contact *c,
                const struct interaction *in)
{
        int64_t before;
        int r;

        if (in->no_touch)
                return 0; /* in the history only: no date, no strength */
        /* Every touch counts for strength, a back-filled one too (decayed to the latest). */
        if (!c->strength_ref && c->last_interaction) {
                r = strength_recompute(t, c); /* kept since the store's last upgrade */
                if (r < 0)
                        return r;
        } else
                strength_add(&c->strength_milli, &c->strength_ref, in->at, in->kind);
        if (in->at < c->last_interaction)
                return 0;
        if (c->cadence <= 0 && c->next_due) {
                /* Without a cadence a planned date stays until a touch meets it; a date the
                 * rules gave for the previous touch is derived again from this one. */
                r = rule_due(t, conf_every, c, c->last_interaction, &before);
                if (r < 0)
                        return r;
                if (c->next_due == before || c->next_due <= in->at)
                        c->next_due = 0;
        }
        c->last_interaction = in->at;
        r = free_and_strdup(&c->last_kind, in->kind);
        if (r < 0)
                return r;
        if (c->cadence > 0)
                c->next_due = in->at + c->cadence;
        return goals_apply_due_rules(t, conf_every, c);
}

int touch_record(struct store_txn *t, int64_t conf_every, struct contact *c, struct interaction *in,
                 int64_t now)
{
        _cleanup_free_ char *taken = NULL;
        char *before = in->agenda;
        int r;

        in->contact_id = c->id;
        if (!in->created)
                in->created = now;
        store_txn_describe(t, "log %s with %s", in->kind, c->name);
        /* The latest touch takes the agenda with it: kept in its record, cleared from c. The
         * caller's in->agenda is left as it was. */
        if (c->agenda && !in->no_touch && in->at >= c->last_interaction) {
                taken = TAKE_PTR(c->agenda);
                in->agenda = taken;
        }
        r = store_txn_interaction_add(t, in);
        in->agenda = before;
        if (r < 0)
                return r;
        r = touch_apply(t, conf_every, c, in);
        if (r < 0)
                return r;
        c->updated = now;
        return store_txn_contact_put(t, c);
}

int touch_record_group(struct store_txn *t, int64_t conf_every, struct contact *c,
                       struct contact **others, size_t n, struct interaction *in, int64_t now)
{
        _cleanup_free_ char *agenda = NULL;
        size_t size = 0;
        FILE *m;
        int r;

        /* Everyone's agenda goes into the one record, each under their name. */
        m = open_memstream(&agenda, &size);
        if (!m)
                return -ENOMEM;
        for (size_t k = 0; k < n; k++)
                if (others[k]->agenda && !in->no_touch && in->at >= others[k]->last_interaction) {
                        fprintf(m, "%s%s: %s", size || ftell(m) ? "\n" : "",
                                strempty(others[k]->name), others[k]->agenda);
                        free(others[k]->agenda);
                        others[k]->agenda = NULL;
                }
        if (fclose(m) != 0)
                return -ENOMEM;
        free(in->agenda);
        in->agenda = NULL;
        if (agenda && *agenda) {
                if (c->agenda && in->at >= c->last_interaction) {
                        char *both = NULL;

                        if (asprintf(&both, "%s: %s\n%s", strempty(c->name), c->agenda, agenda) < 0)
                                return -ENOMEM;
                        free(c->agenda);
                        c->agenda = both;
                        in->agenda = NULL;
                } else
                        in->agenda = TAKE_PTR(agenda);
        }
        free(in->with);
        in->with = NULL;
        in->n_with = 0;
        if (n > 0) {
                in->with = calloc(n, sizeof(*in->with));
                if (!in->with)
                        return -ENOMEM;
                for (size_t k = 0; k < n; k++)
                        in->with[k] = others[k]->id;
                in->n_with = n;
        }
        /* The record (and the others' entries, store.h) with c; then the rhythm of each. */
        r = touch_record(t, conf_every, c, in, now);
        if (r < 0)
                return r;
        for (size_t k = 0; k < n; k++) {
                r = touch_apply(t, conf_every, others[k], in);
                if (r < 0)
                        return r;
                others[k]->updated = now;
                r = store_txn_contact_put(t, others[k]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int touch_recompute_group(struct store_txn *t, int64_t conf_every, const struct interaction *i,
                          int64_t now)
{
        for (size_t k = 0; k < i->n_with; k++) {
                _cleanup_(contact_freep) struct contact *o = NULL;
                int r = store_txn_contact_get(t, i->with[k], &o);

                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                r = touch_recompute(t, conf_every, o);
                if (r < 0)
                        return r;
                o->updated = now;
                r = store_txn_contact_put(t, o);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The date the rules give c when its latest touch is at last (0 = none): the rhythm, then the
 * goal and pipeline rules. Without a cadence the rhythm gives no date. */
static int rule_due(struct store_txn *t, int64_t conf_every, const struct contact *c, int64_t last,
                    int64_t *ret)
{
        struct contact tmp = *c; /* shallow: the rules change next_due only; never freed */
        int r;

        tmp.last_interaction = last;
        tmp.next_due = c->cadence > 0 ? (last ? last : c->created) + c->cadence : 0;
        r = goals_apply_due_rules(t, conf_every, &tmp);
        if (r < 0)
                return r;
        *ret = tmp.next_due;
        return 0;
}

struct latest {
        int64_t at;
        char *kind;
        bool found;
};

static int latest_cb(const struct interaction *i, void *userdata)
{
        struct latest *l = userdata;

        if (i->no_touch)
                return 0; /* in the history only: never the last touch */
        l->found = true;
        l->at = i->at;
        l->kind = i->kind ? strdup(i->kind) : NULL;
        return i->kind && !l->kind ? -ENOMEM : 1;
}

int touch_recompute(struct store_txn *t, int64_t conf_every, struct contact *c)
{
        struct latest l = {0};
        int64_t before, after, set = c->next_due;
        bool by_hand;
        int r;

        r = store_txn_interaction_list(t, c->id, 0, latest_cb, &l);
        if (r < 0)
                goto out;
        r = rule_due(t, conf_every, c, c->last_interaction, &before);
        if (r < 0)
                goto out;
        by_hand = set && set != before;
        if (l.at != c->last_interaction || !l.found) {
                r = rule_due(t, conf_every, c, l.found ? l.at : 0, &after);
                if (r < 0)
                        goto out;
                /* A planned date without a cadence is "by hand" too: kept until met. */
                if (by_hand && set > (l.found ? l.at : 0) && (!after || set > after))
                        after = set;
                c->next_due = after;
        }
        c->last_interaction = l.found ? l.at : 0;
        r = strength_recompute(t, c);
        if (r < 0)
                goto out;
        free(c->last_kind);
        c->last_kind = TAKE_PTR(l.kind);
        r = 0;
out:
        free(l.kind);
        return r;
}
