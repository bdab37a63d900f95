/* Merging two records of one person; see merge.h. */
#include "merge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datemd.h"
#include "goals.h"
#include "identity.h"
#include "reply.h"
#include "store-goals.h"
#include "strength.h"
#include "touch.h"
#include "util.h"

void merge_report_done(struct merge_report *r)
{
        json_decref(r->conflicts);
        r->conflicts = NULL;
}

static int conflict(struct merge_report *rep, const struct contact *other, const char *field,
                    json_t *kept, json_t *theirs)
{
        json_t *o = json_pack("{s:s,s:o,s:o,s:o}", "field", field, "kept", kept, "other", theirs,
                              "from", reply_contact_ref(other->id, other->name));

        if (!o || json_array_append_new(rep->conflicts, o) < 0)
                return -ENOMEM;
        return 0;
}

/* A text field: taken when KEEP has none, reported when both differ (report false: silent). */
static int merge_text(struct merge_report *rep, const struct contact *other, const char *field,
                      char **keep, char *const *theirs, bool report)
{
        if (!*theirs || !**theirs)
                return 0;
        if (!*keep || !**keep)
                return free_and_strdup(keep, *theirs);
        if (!report || streq(*keep, *theirs))
                return 0;
        return conflict(rep, other, field, json_string(*keep), json_string(*theirs));
}

static int merge_list(char ***keep, char *const *theirs, bool icase)
{
        for (size_t i = 0; theirs && theirs[i]; i++) {
                if (strv_contains(*keep, theirs[i], icase))
                        continue;
                /* A full list keeps what it has: the entry stays in the report's other record. */
                if (strv_length(*keep) >= FIELD_LIST_MAX)
                        break;
                if (strv_push(keep, theirs[i]) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* A cadence as the CLI writes it back: "30 days" ("45 seconds" for tests' short ones). */
static json_t *days(int64_t seconds)
{
        char buf[48];

        if (seconds % 86400 == 0)
                snprintf(buf, sizeof(buf), "%lld day%s", (long long)(seconds / 86400),
                         seconds == 86400 ? "" : "s");
        else
                snprintf(buf, sizeof(buf), "%lld seconds", (long long)seconds);
        return json_string(buf);
}

static json_t *ref_name(struct store_txn *t, uint64_t id)
{
        _cleanup_(contact_freep) struct contact *c = NULL;

        char buf[32];

        if (store_txn_contact_get(t, id, &c) < 0) {
                snprintf(buf, sizeof(buf), "#%llu", (unsigned long long)id);
                return json_string(buf);
        }
        return json_string(c->name);
}

/* The birthday like any text field; when KEEP takes OTHER's, its notification state comes too. */
static int merge_birthday(struct merge_report *rep, struct contact *keep, const struct contact *o)
{
        bool had = keep->birthday && *keep->birthday;
        int r = merge_text(rep, o, "birthday", &keep->birthday, &o->birthday, true);

        if (r >= 0 && !had && keep->birthday)
                keep->birthday_state = o->birthday_state;
        return r;
}

/* OTHER's important dates that KEEP has no date of that label for, with fresh ids. */
static int merge_dates(struct contact *keep, const struct contact *o)
{
        for (size_t k = 0; k < o->n_dates; k++) {
                struct contact_date *nd;
                uint32_t id = CONTACT_DATE_BIRTHDAY + 1;
                bool have = false;
                int r;

                for (size_t j = 0; j < keep->n_dates; j++) {
                        have |= streq_ptr(keep->dates[j].label, o->dates[k].label);
                        if (keep->dates[j].id >= id)
                                id = keep->dates[j].id + 1;
                }
                if (have || keep->n_dates >= CONTACT_DATES_MAX)
                        continue;
                nd = reallocarray(keep->dates, keep->n_dates + 1, sizeof(*nd));
                if (!nd)
                        return -ENOMEM;
                keep->dates = nd;
                r = contact_date_copy(&nd[keep->n_dates], &o->dates[k]);
                if (r < 0)
                        return r;
                nd[keep->n_dates++].id = id;
        }
        return 0;
}

static int merge_fields(struct store_txn *t, struct contact *keep, const struct contact *o,
                        struct merge_report *rep)
{
        int r = 0;

        /* OTHER's name is reported like any field: it may be the spelling worth keeping. */
        if ((r = merge_text(rep, o, "name", &keep->name, &o->name, true)) < 0 ||
            (r = merge_text(rep, o, "org", &keep->org, &o->org, true)) < 0 ||
            (r = merge_text(rep, o, "title", &keep->title, &o->title, true)) < 0 ||
            (r = merge_text(rep, o, "notes", &keep->notes, &o->notes, true)) < 0 ||
            (r = merge_text(rep, o, "how_met", &keep->how_met, &o->how_met, true)) < 0 ||
            (r = merge_text(rep, o, "brings", &keep->brings, &o->brings, true)) < 0 ||
            (r = merge_birthday(rep, keep, o)) < 0 ||
            (r = merge_text(rep, o, "agenda", &keep->agenda, &o->agenda, true)) < 0 ||
            (r = merge_text(rep, o, "name_parts", &keep->name_parts, &o->name_parts, false)) < 0)
                return r;
        if ((r = merge_list(&keep->emails, o->emails, true)) < 0 ||
            (r = merge_list(&keep->phones, o->phones, false)) < 0 ||
            (r = merge_list(&keep->urls, o->urls, false)) < 0 ||
            (r = merge_list(&keep->tags, o->tags, true)) < 0 ||
            (r = merge_list(&keep->vcard_extra, o->vcard_extra, false)) < 0 ||
            (r = merge_dates(keep, o)) < 0)
                return r;
        keep->networks |= o->networks;

        if (keep->scope == SCOPE_UNSET)
                keep->scope = o->scope;
        else if (o->scope != SCOPE_UNSET && o->scope != keep->scope)
                r = conflict(rep, o, "scope", json_string(scope_to_string(keep->scope)),
                             json_string(scope_to_string(o->scope)));
        if (r < 0)
                return r;
        if (!keep->cadence)
                keep->cadence = o->cadence;
        else if (o->cadence && o->cadence != keep->cadence)
                r = conflict(rep, o, "cadence", days(keep->cadence), days(o->cadence));
        if (r < 0)
                return r;
        /* A planned follow-up of OTHER's is not lost when KEEP has none. */
        if (!keep->next_due)
                keep->next_due = o->next_due;

        /* Who introduced you: a reference to KEEP itself is dropped further on. */
        if (!keep->introduced_by && !(keep->met_via_name && *keep->met_via_name)) {
                keep->introduced_by = o->introduced_by;
                r = free_and_strdup(&keep->met_via_name, o->met_via_name);
        } else if (o->introduced_by && keep->introduced_by &&
                   o->introduced_by != keep->introduced_by)
                r = conflict(rep, o, "met_via", ref_name(t, keep->introduced_by),
                             ref_name(t, o->introduced_by));
        if (r < 0)
                return r;

        /* The pipeline moves as a whole: stage, since, plan and via. */
        if (keep->stage == STAGE_NONE && o->stage != STAGE_NONE) {
                keep->stage = o->stage;
                keep->stage_changed = o->stage_changed;
                keep->prospect_via = o->prospect_via;
                if ((r = free_and_strdup(&keep->prospect_plan, o->prospect_plan)) < 0 ||
                    (r = free_and_strdup(&keep->prospect_via_name, o->prospect_via_name)) < 0)
                        return r;
        } else if (o->stage != STAGE_NONE && o->stage != keep->stage) {
                r = conflict(rep, o, "stage", json_string(prospect_stage_to_string(keep->stage)),
                             json_string(prospect_stage_to_string(o->stage)));
                if (r < 0)
                        return r;
        }
        if (keep->stage != STAGE_NONE && o->stage != STAGE_NONE)
                r = merge_text(rep, o, "prospect_plan", &keep->prospect_plan, &o->prospect_plan,
                               true);
        return r;
}

/* ---- what refers to OTHER ---- */

struct links {
        struct goal_link **v;
        size_t n, cap;
};

static void links_done(struct links *l)
{
        for (size_t i = 0; i < l->n; i++)
                goal_link_free(l->v[i]);
        free(l->v);
}

static int collect_link(const struct goal_link *l, void *userdata)
{
        struct links *ls = userdata;
        struct goal_link *copy;

        if (ls->n == ls->cap) {
                size_t cap = ls->cap ? ls->cap * 2 : 8;
                struct goal_link **v = reallocarray(ls->v, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                ls->v = v;
                ls->cap = cap;
        }
        copy = goal_link_new();
        if (!copy || (l->why && !(copy->why = strdup(l->why)))) {
                goal_link_free(copy);
                return -ENOMEM;
        }
        copy->goal_id = l->goal_id;
        copy->contact_id = l->contact_id;
        copy->linked_at = l->linked_at;
        ls->v[ls->n++] = copy;
        return 0;
}

static int move_links(struct store_txn *t, uint64_t keep, uint64_t other, struct merge_report *rep)
{
        _cleanup_(links_done) struct links ls = {0};
        int r;

        r = store_txn_contact_goal_links(t, other, collect_link, &ls);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ls.n; i++) {
                _cleanup_(goal_link_freep) struct goal_link *mine = NULL;

                r = store_txn_goal_link_delete(t, ls.v[i]->goal_id, other);
                if (r < 0 && r != -ENOENT)
                        return r;
                r = store_txn_goal_link_get(t, ls.v[i]->goal_id, keep, &mine);
                if (r >= 0)
                        continue; /* KEEP is linked already, with their own why */
                if (r != -ENOENT)
                        return r;
                ls.v[i]->contact_id = keep;
                r = store_txn_goal_link_put(t, ls.v[i]);
                if (r < 0)
                        return r;
                rep->goal_links++;
        }
        return 0;
}

struct intros {
        struct intro **v;
        size_t n, cap;
};

static void intros_done(struct intros *l)
{
        for (size_t i = 0; i < l->n; i++)
                intro_free(l->v[i]);
        free(l->v);
}

static int collect_intro(const struct intro *in, void *userdata)
{
        struct intros *ls = userdata;
        struct intro *copy;

        if (ls->n == ls->cap) {
                size_t cap = ls->cap ? ls->cap * 2 : 8;
                struct intro **v = reallocarray(ls->v, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                ls->v = v;
                ls->cap = cap;
        }
        copy = intro_new();
        if (!copy || (in->note && !(copy->note = strdup(in->note)))) {
                intro_free(copy);
                return -ENOMEM;
        }
        copy->id = in->id;
        memcpy(copy->uuid, in->uuid, sizeof(copy->uuid));
        copy->a = in->a;
        copy->b = in->b;
        copy->at = in->at;
        copy->created = in->created;
        ls->v[ls->n++] = copy;
        return 0;
}

/* Each introduction OTHER was part of is written again, same id and uuid, with KEEP in
 * OTHER's place; one between KEEP and OTHER themselves goes. */
static int move_intros(struct store_txn *t, uint64_t keep, uint64_t other, int64_t now,
                       struct merge_report *rep)
{
        _cleanup_(intros_done) struct intros ls = {0};
        int r;

        r = store_txn_contact_intros(t, other, collect_intro, &ls);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ls.n; i++) {
                struct intro *in = ls.v[i];

                r = store_txn_intro_delete(t, in->id, now);
                if (r < 0 && r != -ENOENT)
                        return r;
                if (in->a == other)
                        in->a = keep;
                if (in->b == other)
                        in->b = keep;
                if (in->a == in->b) {
                        rep->introductions_dropped++;
                        continue;
                }
                r = store_txn_intro_add(t, in);
                if (r < 0)
                        return r;
                rep->introductions++;
        }
        return 0;
}

/* People whose met-via (via false) or prospect via (via true), listed in ids, named OTHER now
 * name KEEP. */
static int move_referrers(struct store_txn *t, struct contact *keep, const uint64_t *ids, size_t n,
                          bool via, uint64_t *count)
{
        for (size_t i = 0; i < n; i++) {
                _cleanup_(contact_freep) struct contact *p = NULL;
                int r;

                if (ids[i] == keep->id) {
                        /* KEEP was met via OTHER: one person cannot introduce themselves. */
                        *(via ? &keep->prospect_via : &keep->introduced_by) = 0;
                        continue;
                }
                r = store_txn_contact_get(t, ids[i], &p);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                *(via ? &p->prospect_via : &p->introduced_by) = keep->id;
                r = store_txn_contact_put(t, p);
                if (r < 0)
                        return r;
                (*count)++;
        }
        return 0;
}

static int newest(const struct interaction *i, void *userdata)
{
        struct interaction **ret = userdata;

        if (i->no_touch)
                return 0; /* not a touch: the newest touch is further back */
        *ret = interaction_new();
        if (!*ret || free_and_strdup(&(*ret)->kind, i->kind) < 0)
                return -ENOMEM;
        (*ret)->contact_id = i->contact_id;
        (*ret)->at = i->at;
        return 1;
}

int merge_contact(struct store_txn *t, int64_t conf_every, struct contact *keep, uint64_t other_id,
                  int64_t now, struct merge_report *rep)
{
        _cleanup_(contact_freep) struct contact *other = NULL;
        _cleanup_(interaction_freep) struct interaction *last = NULL;
        _cleanup_(referrers_done) struct referrers rf = {0};
        uint64_t count = 0;
        int r;

        if (other_id == keep->id)
                return -EINVAL;
        if (!rep->conflicts && !(rep->conflicts = json_array()))
                return -ENOMEM;
        r = store_txn_contact_get(t, other_id, &other);
        if (r < 0)
                return r;
        r = merge_fields(t, keep, other, rep);
        if (r < 0)
                return r;
        if (keep->introduced_by == keep->id)
                keep->introduced_by = 0;
        if (keep->prospect_via == keep->id)
                keep->prospect_via = 0;

        r = store_txn_interaction_count(t, other->id, &count);
        if (r >= 0 && count)
                r = store_txn_interactions_move(t, other->id, keep->id);
        if (r < 0)
                return r;
        rep->interactions += count;
        if ((r = move_links(t, keep->id, other->id, rep)) < 0 ||
            (r = move_intros(t, keep->id, other->id, now, rep)) < 0 ||
            (r = identity_referrers(t, other->id, &rf)) < 0 ||
            (r = move_referrers(t, keep, rf.met, rf.n_met, false, &rep->met_via)) < 0 ||
            (r = move_referrers(t, keep, rf.via, rf.n_via, true, &rep->prospect_via)) < 0)
                return r;

        r = store_txn_contact_delete(t, other->id, now);
        if (r >= 0 && other->uuid[0] && keep->uuid[0])
                r = store_txn_tombstone_set_merged(t, other->uuid, keep->uuid);
        if (r < 0)
                return r;

        /* The last touch and the next follow-up: the touch rule over the newest interaction
         * KEEP now has (it changes nothing when that was KEEP's own). */
        r = store_txn_interaction_list(t, keep->id, 0, newest, &last);
        if (r < 0)
                return r;
        if (last && last->at > keep->last_interaction)
                r = touch_apply(t, conf_every, keep, last);
        else
                r = goals_apply_due_rules(t, conf_every, keep); /* goal links may have come */
        if (r >= 0)
                r = strength_recompute(t, keep); /* both histories count now */
        if (r < 0)
                return r;
        keep->updated = now;
        return store_txn_contact_put(t, keep);
}
