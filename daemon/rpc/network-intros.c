/* io.tend.Network: introductions you and others made, and who knows whom. */
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

/* ---- introductions ---- */

static const char *intro_kind_name(const struct intro *i)
{
        return i->kind == INTRO_KNOWS ? "knows" : i->kind == INTRO_BY_OTHER ? "by-other" : "by-you";
}

static json_t *person_ref(struct store_txn *t, uint64_t id)
{
        _cleanup_(contact_freep) struct contact *c = NULL;

        if (store_txn_contact_get(t, id, &c) < 0)
                return reply_contact_ref(id, "?");
        return reply_contact_ref(c->id, c->name);
}

static json_t *intro_json(struct store_txn *t, const struct intro *i)
{
        json_t *o = json_pack(
            "{s:I,s:s,s:o,s:o,s:o,s:o,s:s,s:o}", "id", (json_int_t)i->id, "uuid", i->uuid, "a",
            person_ref(t, i->a), "b", person_ref(t, i->b), "note", net_str_or_null(i->note), "at",
            reply_time_or_null(i->at), "kind", intro_kind_name(i), "by",
            i->kind == INTRO_BY_OTHER && i->by ? person_ref(t, i->by) : json_null());

        if (o && i->kind == INTRO_KNOWS) {
                int s = ties_record_strength(i);

                json_object_set_new(o, "strength",
                                    json_string(tie_level_to_string(strength_level(s))));
                json_object_set_new(o, "strength_given", json_boolean(i->tie != 0));
        }
        return o;
}

static int introduce_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(contact_freep) struct contact *a = NULL, *b = NULL;
        struct intro i = {0};
        int r;

        r = reply_resolve_who(t, net_op_param(op, "a"), &op->err, &a);
        if (r < 0)
                return r;
        r = reply_resolve_who(t, net_op_param(op, "b"), &op->err, &b);
        if (r < 0)
                return r;
        if (a->id == b->id)
                return op_error_set(&op->err, "io.tend.Service.InvalidValue",
                                    json_pack("{s:s,s:s}", "parameter", "b", "reason",
                                              "you introduce two different people"));
        i.a = a->id;
        i.b = b->id;
        if (net_op_param(op, "by")) {
                _cleanup_(contact_freep) struct contact *by = NULL;

                r = reply_resolve_who(t, net_op_param(op, "by"), &op->err, &by);
                if (r < 0)
                        return r;
                if (by->id == a->id || by->id == b->id)
                        return op_error_set(&op->err, "io.tend.Service.InvalidValue",
                                            json_pack("{s:s,s:s}", "parameter", "by", "reason",
                                                      "someone introduces two other people"));
                i.kind = INTRO_BY_OTHER;
                i.by = by->id;
        }
        i.note = (char *)(op->text1 && *op->text1 ? op->text1 : NULL);
        i.at = op->at ? op->at : op->now;
        i.created = op->now;
        r = store_txn_intro_add(t, &i);
        if (r < 0)
                return r;
        json_decref(op->result);
        op->result = json_pack("{s:o}", "introduction", intro_json(t, &i));
        return op->result ? 0 : -ENOMEM;
}

int method_introduce(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        int r;

        if ((r = fields_text(params, "note", FIELD_NOTE_MAX, 1, &op.err, &op.text1)) < 0 ||
            (r = fields_time(params, "at", &op.err, &op.at)) < 0)
                return net_op_invalid(call, &op, r);
        if (op.at > op.now + 300) {
                op_error_set(
                    &op.err, "io.tend.Service.InvalidValue",
                    json_pack("{s:s,s:s}", "parameter", "at", "reason", "is in the future"));
                return net_op_invalid(call, &op, -ECANCELED);
        }
        return net_op_run(call, &op, true, introduce_fn);
}

struct intros_ctx {
        struct store_txn *t;
        json_t *array;
        bool ties; /* list who-knows-whom records instead of introductions */
};

/* ids as ContactRefs (those gone meanwhile left out). */
static int refs_json(struct store_txn *t, const uint64_t *ids, size_t n, json_t **ret)
{
        json_t *a = json_array();

        for (size_t k = 0; a && k < n; k++) {
                _cleanup_(contact_freep) struct contact *p = NULL;
                int r = store_txn_contact_get(t, ids[k], &p);

                if (r == -ENOENT)
                        continue;
                if (r < 0 || json_array_append_new(a, reply_contact_ref(p->id, p->name)) < 0) {
                        json_decref(a);
                        return r < 0 ? r : -ENOMEM;
                }
        }
        *ret = a;
        return a ? 0 : -ENOMEM;
}

static int append_intro(const struct intro *i, void *userdata)
{
        struct intros_ctx *ctx = userdata;
        json_t *o;

        if ((i->kind == INTRO_KNOWS) != ctx->ties)
                return 0;
        if (json_array_size(ctx->array) >= INTROS_LIST_MAX)
                return 1;
        o = intro_json(ctx->t, i);
        if (!o || json_array_append_new(ctx->array, o) < 0)
                return -ENOMEM;
        return 0;
}

static int intros_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        struct intros_ctx ctx = {.t = t, .array = json_array()};
        const char *who = net_op_param(op, "who");
        int r;

        if (!ctx.array)
                return -ENOMEM;
        if (who) {
                r = reply_resolve_who(t, who, &op->err, &c);
                if (r >= 0)
                        r = store_txn_contact_intros(t, c->id, append_intro, &ctx);
        } else
                r = store_txn_intro_list(t, append_intro, &ctx);
        if (r < 0) {
                json_decref(ctx.array);
                return r;
        }
        op->result = json_pack("{s:o}", "introductions", ctx.array);
        if (op->result && c) {
                /* Their introductions also include the people they introduced you to, and
                 * those they could (prospect via). */
                _cleanup_(referrers_done) struct referrers rf = {0};
                json_t *met = NULL, *via = NULL;

                r = identity_referrers(t, c->id, &rf);
                if (r >= 0)
                        r = refs_json(t, rf.met, rf.n_met, &met);
                if (r >= 0)
                        r = refs_json(t, rf.via, rf.n_via, &via);
                if (r < 0) {
                        json_decref(met);
                        return r;
                }
                json_object_set_new(op->result, "who", reply_contact_ref(c->id, c->name));
                json_object_set_new(op->result, "introduced_you_to", met);
                json_object_set_new(op->result, "could_introduce_you_to", via);
        }
        return op->result ? 0 : -ENOMEM;
}

int method_introductions(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {.d = userdata, .params = params};

        return net_op_run(call, &op, false, intros_fn);
}

/* ---- removing an introduction ---- */

struct intro_match {
        uint64_t a, b;
        json_t *removed; /* Introduction objects, before deletion */
        uint64_t *ids;
        size_t n, cap;
        struct store_txn *t;
};

static int match_intro(const struct intro *i, void *userdata)
{
        struct intro_match *m = userdata;
        json_t *o;

        if (i->kind == INTRO_KNOWS ||
            !((i->a == m->a && i->b == m->b) || (i->a == m->b && i->b == m->a)))
                return 0;
        if (m->n == m->cap) {
                size_t cap = m->cap ? m->cap * 2 : 4;
                uint64_t *v = reallocarray(m->ids, cap, sizeof(uint64_t));

                if (!v)
                        return -ENOMEM;
                m->ids = v;
                m->cap = cap;
        }
        o = intro_json(m->t, i);
        if (!o || json_array_append_new(m->removed, o) < 0)
                return -ENOMEM;
        m->ids[m->n++] = i->id;
        return 0;
}

static int remove_intro_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(contact_freep) struct contact *a = NULL, *b = NULL;
        struct intro_match m = {.t = t, .removed = json_array()};
        json_t *id = json_object_get(op->params, "id");
        int r;

        if (!m.removed)
                return -ENOMEM;
        if (id) {
                _cleanup_(intro_freep) struct intro *i = NULL;

                r = json_integer_value(id) > 0
                        ? store_txn_intro_get(t, (uint64_t)json_integer_value(id), &i)
                        : -ENOENT;
                if (r >= 0) {
                        m.a = i->a;
                        m.b = i->b;
                        r = match_intro(i, &m);
                }
                if (r == -ENOENT)
                        r = op_error_set(&op->err, "io.tend.Network.NoSuchIntroduction",
                                         json_pack("{s:I}", "id", json_integer_value(id)));
        } else {
                r = reply_resolve_who(t, net_op_param(op, "a"), &op->err, &a);
                if (r >= 0)
                        r = reply_resolve_who(t, net_op_param(op, "b"), &op->err, &b);
                if (r >= 0) {
                        m.a = a->id;
                        m.b = b->id;
                        r = store_txn_contact_intros(t, a->id, match_intro, &m);
                }
                if (r >= 0 && m.n == 0)
                        r = op_error_set(&op->err, "io.tend.Network.NoSuchIntroduction",
                                         json_pack("{s:o,s:o}", "a",
                                                   reply_contact_ref(a->id, a->name), "b",
                                                   reply_contact_ref(b->id, b->name)));
        }
        /* dry_run: which would go, for the question the CLI asks first. */
        for (size_t k = 0;
             r >= 0 && !json_is_true(json_object_get(op->params, "dry_run")) && k < m.n; k++)
                r = store_txn_intro_delete(t, m.ids[k], op->now);
        free(m.ids);
        if (r < 0) {
                json_decref(m.removed);
                return r;
        }
        json_decref(op->result);
        op->result = json_pack("{s:o}", "removed", m.removed);
        return op->result ? 0 : -ENOMEM;
}

int method_remove_introduction(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        bool has_id = json_object_get(params, "id") != NULL;
        bool has_a = json_object_get(params, "a") != NULL,
             has_b = json_object_get(params, "b") != NULL;

        if (has_id == (has_a || has_b) || has_a != has_b) {
                op_error_set(&op.err, "io.tend.Service.InvalidValue",
                             json_pack("{s:s,s:s}", "parameter", has_id ? "id" : "a", "reason",
                                       "give either id, or both a and b"));
                return net_op_invalid(call, &op, -ECANCELED);
        }
        return net_op_run(call, &op, !json_is_true(json_object_get(params, "dry_run")),
                          remove_intro_fn);
}

/* ---- who knows whom ---- */

static int know_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(contact_freep) struct contact *a = NULL, *b = NULL;
        struct intro i;
        bool replaced = false;
        int r;

        r = reply_resolve_who(t, net_op_param(op, "a"), &op->err, &a);
        if (r >= 0)
                r = reply_resolve_who(t, net_op_param(op, "b"), &op->err, &b);
        if (r < 0)
                return r;
        if (a->id == b->id)
                return op_error_set(&op->err, "io.tend.Service.InvalidValue",
                                    json_pack("{s:s,s:s}", "parameter", "b", "reason",
                                              "a tie is between two different people"));
        r = ties_add(t, a->id, b->id, (int)op->cadence, op->text1 && *op->text1 ? op->text1 : NULL,
                     op->now, &i, &replaced);
        if (r < 0)
                return r;
        json_decref(op->result);
        op->result = json_pack("{s:o,s:b}", "tie", intro_json(t, &i), "replaced", replaced);
        return op->result ? 0 : -ENOMEM;
}

int method_know(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {.d = userdata,
                            .params = params,
                            .now = core_now(((struct rpc *)userdata)->core),
                            .cadence = -1};
        const char *level = NULL;
        int r;

        if ((r = fields_text(params, "note", FIELD_NOTE_MAX, 1, &op.err, &op.text1)) < 0 ||
            (r = fields_text(params, "strength", 16, 0, &op.err, &level)) < 0)
                return net_op_invalid(call, &op, r);
        if (level && *level) {
                op.cadence = tie_level_from_string(level);
                if (op.cadence < 0) {
                        op_error_set(&op.err, "io.tend.Service.InvalidValue",
                                     json_pack("{s:s,s:s}", "parameter", "strength", "reason",
                                               "not weak, medium or strong"));
                        return net_op_invalid(call, &op, -ECANCELED);
                }
        }
        return net_op_run(call, &op, true, know_fn);
}

static int ties_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        struct intros_ctx ctx = {.t = t, .array = json_array(), .ties = true};
        const char *who = net_op_param(op, "who");
        int r;

        if (!ctx.array)
                return -ENOMEM;
        if (who) {
                r = reply_resolve_who(t, who, &op->err, &c);
                if (r >= 0)
                        r = store_txn_contact_intros(t, c->id, append_intro, &ctx);
        } else
                r = store_txn_intro_list(t, append_intro, &ctx);
        if (r < 0) {
                json_decref(ctx.array);
                return r;
        }
        op->result = json_pack("{s:o}", "ties", ctx.array);
        return op->result ? 0 : -ENOMEM;
}

int method_ties(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {.d = userdata, .params = params};

        return net_op_run(call, &op, false, ties_fn);
}

static int remove_tie_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(contact_freep) struct contact *a = NULL, *b = NULL;
        int r;

        r = reply_resolve_who(t, net_op_param(op, "a"), &op->err, &a);
        if (r >= 0)
                r = reply_resolve_who(t, net_op_param(op, "b"), &op->err, &b);
        if (r >= 0)
                r = ties_remove(t, a->id, b->id, op->now);
        if (r < 0)
                return r;
        if (r == 0)
                return op_error_set(&op->err, "io.tend.Network.NoSuchTie",
                                    json_pack("{s:o,s:o}", "a", reply_contact_ref(a->id, a->name),
                                              "b", reply_contact_ref(b->id, b->name)));
        json_decref(op->result);
        op->result = json_pack("{s:i}", "removed", r);
        return op->result ? 0 : -ENOMEM;
}

int method_remove_tie(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};

        return net_op_run(call, &op, true, remove_tie_fn);
}
