/* io.tend.Network: the outreach pipeline (prospects and their stages). */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "fields.h"
#include "goals.h"
#include "health.h"
#include "identity.h"
#include "interfaces.h"
#include "methods.h"
#include "netgraph.h"
#include "rank.h"
#include "reply.h"
#include "store-goals.h"
#include "store-transfer.h"
#include "rpc.h"
#include "strength.h"
#include "ties.h"
#include "timeutil.h"
#include "touch.h"

#include "network-op.h"

/* ---- the outreach pipeline ---- */

static json_t *prospect_json(struct store_txn *t, const struct contact *c)
{
        json_t *via = json_null();

        if (c->prospect_via) {
                _cleanup_(contact_freep) struct contact *v = NULL;

                if (store_txn_contact_get(t, c->prospect_via, &v) >= 0) {
                        json_decref(via);
                        via = reply_contact_ref(v->id, v->name);
                }
        }
        return json_pack(
            "{s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "contact", reply_contact_ref(c->id, c->name),
            "stage", prospect_stage_to_string(c->stage), "since",
            reply_time_or_null(c->stage_changed), "plan", net_str_or_null(c->prospect_plan), "via",
            via, "via_name", net_str_or_null(c->prospect_via_name), "next_due",
            reply_time_or_null(c->next_due), "last_touch", reply_time_or_null(c->last_interaction),
            "org", net_str_or_null(c->org));
}

/* prospect add NAME when NAME is someone's already: the one person of that name becomes the
 * prospect (nothing is lost and no second record appears); several of that name, or one who is
 * a prospect already, is refused with NameInUse. allow_duplicate adds a new person anyway.
 * Returns 1 with *ret loaded, 0 (nobody of that name), or -ECANCELED/-errno. */
static int prospect_existing(struct store_txn *t, struct net_op *op, const char *name,
                             struct contact **ret)
{
        _cleanup_(contact_freep) struct contact *c = NULL;
        uint64_t ids[2];
        int n, r;

        if (json_is_true(json_object_get(op->params, "allow_duplicate")))
                return 0;
        n = store_txn_ids_by_name(t, name, ids, 2);
        if (n <= 0)
                return n;
        r = store_txn_contact_get(t, ids[0], &c);
        if (r < 0)
                return r;
        if (n > 1 || c->stage != STAGE_NONE)
                return identity_check_name(t, name, 0, &op->err);
        *ret = TAKE_PTR(c);
        return 1;
}

static int prospect_add_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        _cleanup_(contact_freep) struct contact *via = NULL;
        _cleanup_(goal_freep) struct goal *g = NULL;
        const char *goal = net_op_param(op, "goal"), *who_via = net_op_param(op, "via");
        uint64_t goal_id = 0;
        bool existing;
        int r;

        if (goal) {
                r = goals_resolve(t, goal, &op->err, &goal_id);
                if (r >= 0)
                        r = store_txn_goal_get(t, goal_id, &g);
                if (r < 0)
                        return r;
        }
        r = prospect_existing(t, op, net_op_param(op, "name"), &c);
        if (r < 0)
                return r;
        existing = r > 0;
        if (!existing) {
                c = contact_new();
                if (!c || !(c->name = strdup(net_op_param(op, "name"))))
                        return -ENOMEM;
                c->created = op->now;
        }
        if (who_via) {
                r = reply_resolve_who(t, who_via, &op->err, &via);
                if (r < 0)
                        return r;
                if (via->id == c->id)
                        return op_error_set(&op->err, "io.tend.Service.InvalidValue",
                                            json_pack("{s:s,s:s}", "parameter", "via", "reason",
                                                      "a contact cannot introduce themselves"));
                c->prospect_via = via->id;
        }
        /* An existing person keeps what they have; the prospect's own fields are set. */
        if ((op->text1 && *op->text1 && free_and_strdup(&c->prospect_plan, op->text1) < 0) ||
            (op->text3 && *op->text3 && !c->org && !(c->org = strdup(op->text3))))
                return -ENOMEM;
        c->networks |= op->networks;
        if (op->cadence > 0 && !c->cadence) {
                c->cadence = op->cadence;
                if (existing)
                        c->next_due =
                            (c->last_interaction ? c->last_interaction : op->now) + c->cadence;
        }
        c->stage = STAGE_WANT_TO_MEET;
        c->stage_changed = op->now;
        c->updated = op->now;
        r = store_txn_contact_put(t, c);
        if (r < 0)
                return r;
        if (g) {
                struct goal_link l = {.goal_id = g->id,
                                      .contact_id = c->id,
                                      .why = (char *)(op->text2 && *op->text2 ? op->text2 : NULL),
                                      .linked_at = op->now};

                r = store_txn_goal_link_put(t, &l);
                if (r >= 0)
                        r = goals_apply_due_rules(t, goals_conf_every(op->d->core), c);
                if (r >= 0)
                        r = store_txn_contact_put(t, c);
                if (r < 0)
                        return r;
        }
        json_decref(op->result);
        op->result = json_pack("{s:o,s:o,s:o,s:b}", "prospect", prospect_json(t, c), "contact",
                               reply_contact(t, c), "goal",
                               g ? goals_ref(g->id, g->title) : json_null(), "existing", existing);
        return op->result ? 0 : -ENOMEM;
}

int method_prospect_add(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        const char *name = NULL;
        int r;

        if ((r = fields_text(params, "name", FIELD_NAME_MAX, 0, &op.err, &name)) < 0 ||
            (r = fields_text(params, "plan", FIELD_NOTE_MAX, 1, &op.err, &op.text1)) < 0 ||
            (r = fields_text(params, "why", FIELD_NOTE_MAX, 1, &op.err, &op.text2)) < 0 ||
            (r = fields_text(params, "org", FIELD_NAME_MAX, 0, &op.err, &op.text3)) < 0 ||
            (r = fields_networks(params, "networks", &op.err, &op.networks)) < 0 ||
            (r = fields_cadence(params, "cadence_seconds", &op.err, &op.cadence)) < 0)
                return net_op_invalid(call, &op, r);
        if (!name || strspn(name, " \t") == strlen(name)) {
                op_error_set(&op.err, "io.tend.Service.InvalidValue",
                             json_pack("{s:s,s:s}", "parameter", "name", "reason", "empty"));
                return net_op_invalid(call, &op, -ECANCELED);
        }
        return net_op_run(call, &op, true, prospect_add_fn);
}

static int prospect_next_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        const char *stage = net_op_param(op, "stage");
        enum prospect_stage from, to;
        int r;

        r = reply_resolve_who(t, net_op_param(op, "who"), &op->err, &c);
        if (r < 0)
                return r;
        from = c->stage;
        if (stage)
                to = prospect_stage_from_string(stage);
        else if (from == STAGE_ONGOING)
                return op_error_set(
                    &op->err, "io.tend.Network.PipelineFinished",
                    json_pack("{s:o}", "contact", reply_contact_ref(c->id, c->name)));
        else
                to = (enum prospect_stage)(from + 1);
        if (op->at > op->now + 300 && to != STAGE_SCHEDULED)
                return op_error_set(&op->err, "io.tend.Service.InvalidValue",
                                    json_pack("{s:s,s:s}", "parameter", "at", "reason",
                                              "is in the future (only a scheduled meeting may "
                                              "be)"));
        c->stage = to;
        c->stage_changed = op->at && to != STAGE_SCHEDULED ? op->at : op->now;
        /* The previous stage's follow-up ends; the new stage sets its own. */
        c->next_due = c->cadence > 0
                          ? (c->last_interaction ? c->last_interaction : c->created) + c->cadence
                          : 0;
        switch (to) {
        case STAGE_SCHEDULED:
                c->next_due = op->at ? op->at : op->now + PROSPECT_CONFIRM_AFTER;
                break;
        case STAGE_MET:
                if (!c->introduced_by && c->prospect_via && c->prospect_via != c->id)
                        c->introduced_by = c->prospect_via;
                break;
        case STAGE_NONE:
                c->stage_changed = 0;
                break;
        default:
                break;
        }
        if (to == STAGE_MET && c->last_interaction < c->stage_changed) {
                /* Meeting them is a touch, recorded like any other (touch.h) unless one at that
                 * moment or later was logged already. */
                struct interaction in = {.at = c->stage_changed, .kind = (char *)"meeting"};

                r = touch_record(t, goals_conf_every(op->d->core), c, &in, op->now);
                if (r < 0)
                        return r;
        } else {
                if (to != STAGE_SCHEDULED) {
                        r = goals_apply_due_rules(t, goals_conf_every(op->d->core), c);
                        if (r < 0)
                                return r;
                }
                c->updated = op->now;
                r = store_txn_contact_put(t, c);
                if (r < 0)
                        return r;
        }
        json_decref(op->result);
        op->result =
            json_pack("{s:o,s:s,s:s,s:o}", "prospect", prospect_json(t, c), "previous",
                      prospect_stage_to_string(from), "stage", prospect_stage_to_string(to),
                      "next_due", reply_time_or_null(c->next_due));
        return op->result ? 0 : -ENOMEM;
}

int method_prospect_next(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        const char *stage = json_string_value(json_object_get(params, "stage"));
        int r;

        if (stage && prospect_stage_from_string(stage) < 0) {
                op_error_set(&op.err, "io.tend.Service.InvalidValue",
                             json_pack("{s:s,s:s}", "parameter", "stage", "reason",
                                       "expected want-to-meet, reached-out, scheduled, met, "
                                       "ongoing or none"));
                return net_op_invalid(call, &op, -ECANCELED);
        }
        r = fields_time(params, "at", &op.err, &op.at);
        if (r < 0)
                return net_op_invalid(call, &op, r);
        return net_op_run(call, &op, true, prospect_next_fn);
}

struct prospects_ctx {
        struct store_txn *t;
        json_t *array;
        int stage; /* -1 = open stages and met */
        bool all;
};

static int append_prospect(const struct contact *c, void *userdata)
{
        struct prospects_ctx *ctx = userdata;
        json_t *o;

        if (c->stage == STAGE_NONE)
                return 0;
        if (ctx->stage >= 0 ? (int)c->stage != ctx->stage
                            : (!ctx->all && c->stage == STAGE_ONGOING))
                return 0;
        o = prospect_json(ctx->t, c);
        if (!o || json_array_append_new(ctx->array, o) < 0)
                return -ENOMEM;
        return 0;
}

static int stage_cmp(const void *a, const void *b)
{
        json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
        int sx = prospect_stage_from_string(json_string_value(json_object_get(x, "stage")));
        int sy = prospect_stage_from_string(json_string_value(json_object_get(y, "stage")));

        if (sx != sy)
                return sx < sy ? -1 : 1;
        return strcmp(strempty(json_string_value(json_object_get(x, "since"))),
                      strempty(json_string_value(json_object_get(y, "since"))));
}

static int prospects_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        struct prospects_ctx ctx = {.t = t, .array = json_array(), .stage = -1};
        const char *stage = net_op_param(op, "stage");
        _cleanup_free_ json_t **sorted = NULL;
        json_t *out;
        size_t n;
        int r;

        if (!ctx.array)
                return -ENOMEM;
        ctx.all = json_is_true(json_object_get(op->params, "all"));
        if (stage)
                ctx.stage = prospect_stage_from_string(stage);
        r = store_txn_contact_list(t, NULL, append_prospect, &ctx);
        if (r < 0) {
                json_decref(ctx.array);
                return r;
        }
        n = json_array_size(ctx.array);
        sorted = calloc(n + 1, sizeof(json_t *));
        out = json_array();
        if (!sorted || !out) {
                json_decref(ctx.array);
                json_decref(out);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                sorted[i] = json_array_get(ctx.array, i);
        qsort_safe(sorted, n, sizeof(json_t *), stage_cmp);
        for (size_t i = 0; i < n; i++)
                json_array_append(out, sorted[i]);
        json_decref(ctx.array);
        op->result = json_pack("{s:o}", "prospects", out);
        return op->result ? 0 : -ENOMEM;
}

int method_prospect_list(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {.d = userdata, .params = params};
        const char *stage = json_string_value(json_object_get(params, "stage"));

        if (stage && prospect_stage_from_string(stage) < 0) {
                op_error_set(&op.err, "io.tend.Service.InvalidValue",
                             json_pack("{s:s,s:s}", "parameter", "stage", "reason",
                                       "expected want-to-meet, reached-out, scheduled, met or "
                                       "ongoing"));
                return net_op_invalid(call, &op, -ECANCELED);
        }
        return net_op_run(call, &op, false, prospects_fn);
}
