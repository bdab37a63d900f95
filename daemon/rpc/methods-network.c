/* io.tend.Network: your profile and offers, introductions and warm paths, the graph, the
 * give/ask ledger, the outreach pipeline, the weekly plan and network health. The analyses
 * (path, graph, ledger, plan, health) read the whole network once in one read transaction
 * (struct netdata) and hand plain arrays to the pure modules netgraph, health and rank. */
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

#define TOUCHES_MAX        200 /* most recent interactions per person used for health */
#define PATHS_DEFAULT      5
#define PLAN_DEFAULT       5
#define PLAN_PROSPECTS_MAX 100 /* prospects searched for warm paths when planning */
#define LEDGER_ENTRIES_MAX 200
#define INTROS_LIST_MAX    500

static json_t *str_or_null(const char *s)
{
        return s && *s ? json_string(s) : json_null();
}

static json_t *networks_json(uint32_t mask)
{
        json_t *a = json_array();

        for (int n = 0; a && n < _NETWORK_MAX; n++)
                if (mask & (1u << n))
                        json_array_append_new(a, json_string(network_to_string(n)));
        return a;
}

/* ---- the whole network, loaded once ---- */

struct person_data {
        struct contact *c;
        int64_t *touches; /* newest first, at most TOUCHES_MAX */
        size_t n_touches;
        int strength;     /* 0..100 at nd->now */
        uint64_t s_milli; /* the score folded from the history, for stores that kept none */
        int64_t s_ref;
        int64_t last_ask; /* latest intro, referral or ask interaction with them, 0 = none */
        unsigned gave, got;
        size_t n_goals; /* active goals linked */
        char *goal_title, *goal_why;
};

struct netdata {
        struct person_data *p;
        size_t n, cap;
        uint64_t *sorted_ids; /* ids ascending, with their index in p */
        size_t *sorted_idx;
        struct intro **intros;
        size_t n_intros, cap_intros;
        enum profile profile;
        int64_t goal_every;
        int64_t now;
        char **offers; /* me offers */
        size_t n_offers;
};

static void netdata_done(struct netdata *nd)
{
        for (size_t i = 0; i < nd->n; i++) {
                contact_free(nd->p[i].c);
                free(nd->p[i].touches);
                free(nd->p[i].goal_title);
                free(nd->p[i].goal_why);
        }
        free(nd->p);
        free(nd->sorted_ids);
        free(nd->sorted_idx);
        for (size_t i = 0; i < nd->n_intros; i++)
                intro_free(nd->intros[i]);
        free(nd->intros);
        strv_free(nd->offers);
        *nd = (struct netdata){0};
}

struct load_ctx {
        struct store_txn *t;
        struct netdata *nd;
        struct person_data *cur;
        size_t seen;
};

static int load_interaction(const struct interaction *i, void *userdata)
{
        struct load_ctx *ctx = userdata;
        struct person_data *p = ctx->cur;

        if (i->gave)
                p->gave++;
        if (i->got)
                p->got++;
        if (p->n_touches < TOUCHES_MAX)
                p->touches[p->n_touches++] = i->at;
        if (!p->c->strength_ref)
                strength_add(&p->s_milli, &p->s_ref, i->at, i->kind);
        /* An introduction asked for or given: the pipeline's next step is taken. */
        if (i->kind &&
            (streq(i->kind, "intro") || streq(i->kind, "referral") || streq(i->kind, "ask")) &&
            i->at > p->last_ask)
                p->last_ask = i->at;
        return 0;
}

static int load_goal_link(const struct goal_link *l, void *userdata)
{
        struct load_ctx *ctx = userdata;
        struct person_data *p = ctx->cur;
        _cleanup_(goal_freep) struct goal *g = NULL;
        int r = store_txn_goal_get(ctx->t, l->goal_id, &g);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (g->status != GOAL_ACTIVE)
                return 0;
        if (p->n_goals++ == 0) {
                p->goal_title = strdup(strempty(g->title));
                if (!p->goal_title || (l->why && !(p->goal_why = strdup(l->why))))
                        return -ENOMEM;
        }
        return 0;
}

static int load_contact(const struct contact *c, void *userdata)
{
        struct load_ctx *ctx = userdata;
        struct netdata *nd = ctx->nd;
        struct person_data *p;
        struct contact *copy;
        uint8_t *buf = NULL;
        size_t len;
        int r;

        if (nd->n == nd->cap) {
                size_t cap = nd->cap ? nd->cap * 2 : 64;
                struct person_data *v = reallocarray(nd->p, cap, sizeof(struct person_data));

                if (!v)
                        return -ENOMEM;
                nd->p = v;
                nd->cap = cap;
        }
        /* A deep copy through the codec: the visited contact lives only during the call. */
        r = codec_contact_encode(c, &buf, &len);
        if (r < 0)
                return r;
        r = codec_contact_decode(buf, len, &copy);
        free(buf);
        if (r < 0)
                return r;
        copy->id = c->id;
        p = &nd->p[nd->n++];
        *p = (struct person_data){.c = copy};
        p->touches = malloc(TOUCHES_MAX * sizeof(int64_t));
        if (!p->touches)
                return -ENOMEM;
        ctx->cur = p;
        r = store_txn_interaction_list(ctx->t, c->id, 0, load_interaction, ctx);
        if (r >= 0)
                r = store_txn_contact_goal_links(ctx->t, c->id, load_goal_link, ctx);
        ctx->cur = NULL;
        p->strength = copy->strength_ref
                          ? strength_contact(copy, nd->now)
                          : strength_from_score(strength_score(p->s_milli, p->s_ref, nd->now));
        return r < 0 ? r : 0;
}

static int load_intro(const struct intro *i, void *userdata)
{
        struct netdata *nd = userdata;
        struct intro *copy = intro_new();

        if (!copy)
                return -ENOMEM;
        if (nd->n_intros == nd->cap_intros) {
                size_t cap = nd->cap_intros ? nd->cap_intros * 2 : 16;
                struct intro **v = reallocarray(nd->intros, cap, sizeof(struct intro *));

                if (!v) {
                        intro_free(copy);
                        return -ENOMEM;
                }
                nd->intros = v;
                nd->cap_intros = cap;
        }
        *copy = *i;
        copy->note = NULL;
        copy->unknown = NULL;
        copy->unknown_len = 0;
        if (i->note && !(copy->note = strdup(i->note))) {
                intro_free(copy);
                return -ENOMEM;
        }
        nd->intros[nd->n_intros++] = copy;
        return 0;
}

static int idx_cmp(const void *a, const void *b, void *userdata)
{
        const struct netdata *nd = userdata;
        uint64_t x = nd->p[*(const size_t *)a].c->id, y = nd->p[*(const size_t *)b].c->id;

        return x < y ? -1 : x > y;
}

static int netdata_load(struct store_txn *t, int64_t now, int64_t conf_every, struct netdata *nd)
{
        struct load_ctx ctx = {.t = t, .nd = nd};
        _cleanup_free_ char *profile = NULL;
        int r;

        nd->now = now;
        r = store_txn_contact_list(t, NULL, load_contact, &ctx);
        if (r < 0)
                return r;
        r = store_txn_intro_list(t, load_intro, nd);
        if (r < 0)
                return r;
        r = store_txn_setting_get(t, SETTING_PROFILE, &profile);
        if (r < 0)
                return r;
        nd->profile = profile ? profile_from_string(profile) : PROFILE_UNSET;
        if (nd->profile < 0)
                nd->profile = PROFILE_UNSET;
        {
                _cleanup_free_ char *offers = NULL;

                r = store_txn_setting_get(t, SETTING_OFFERS, &offers);
                if (r < 0)
                        return r;
                for (const char *o = offers; o && *o;) {
                        size_t len = strcspn(o, "\n");
                        _cleanup_free_ char *one = strndup(o, len);

                        if (!one || (len > 0 && strv_push(&nd->offers, one) < 0))
                                return -ENOMEM;
                        o += len + (o[len] ? 1 : 0);
                }
                nd->n_offers = strv_length(nd->offers);
        }
        r = goals_every(t, conf_every, &nd->goal_every);
        if (r < 0)
                return r;
        nd->sorted_ids = malloc((nd->n + 1) * sizeof(uint64_t));
        nd->sorted_idx = malloc((nd->n + 1) * sizeof(size_t));
        if (!nd->sorted_ids || !nd->sorted_idx)
                return -ENOMEM;
        for (size_t i = 0; i < nd->n; i++)
                nd->sorted_idx[i] = i;
        qsort_r(nd->sorted_idx, nd->n, sizeof(size_t), idx_cmp, nd);
        for (size_t i = 0; i < nd->n; i++)
                nd->sorted_ids[i] = nd->p[nd->sorted_idx[i]].c->id;
        return 0;
}

/* The person with id, or NULL. */
static struct person_data *netdata_find(const struct netdata *nd, uint64_t id)
{
        size_t lo = 0, hi = nd->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (nd->sorted_ids[mid] == id)
                        return &nd->p[nd->sorted_idx[mid]];
                if (nd->sorted_ids[mid] < id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static bool is_open_prospect(const struct contact *c)
{
        return c->stage == STAGE_WANT_TO_MEET || c->stage == STAGE_REACHED_OUT ||
               c->stage == STAGE_SCHEDULED;
}

/* Someone you can ask: you have been in touch and they are no open prospect. */
static bool is_warm(const struct contact *c)
{
        return c->last_interaction != 0 && !is_open_prospect(c);
}

static int netdata_graph(const struct netdata *nd, struct netgraph **ret)
{
        _cleanup_(netgraph_freep) struct netgraph *g = netgraph_new();
        int r;

        if (!g)
                return -ENOMEM;
        for (size_t i = 0; i < nd->n; i++) {
                const struct contact *c = nd->p[i].c;
                struct netgraph_person p = {
                    .id = c->id,
                    .name = c->name,
                    .org = c->org,
                    .networks = c->networks,
                    .warm = is_warm(c),
                    .last_touch = c->last_interaction,
                    .strength = nd->p[i].strength,
                };

                r = netgraph_add_person(g, &p);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < nd->n; i++) {
                const struct contact *c = nd->p[i].c;

                if (!c->introduced_by || c->introduced_by == c->id)
                        continue;
                r = netgraph_add_edge(g, c->introduced_by, c->id, NETGRAPH_MET_VIA);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        /* A prospect's planned go-between knows them: that is a way in before you have met. */
        for (size_t i = 0; i < nd->n; i++) {
                const struct contact *c = nd->p[i].c;

                if (!c->prospect_via || c->prospect_via == c->id ||
                    c->prospect_via == c->introduced_by)
                        continue;
                r = netgraph_add_edge(g, c->prospect_via, c->id, NETGRAPH_VIA);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        for (size_t i = 0; i < nd->n_intros; i++) {
                const struct intro *in = nd->intros[i];
                int s = ties_record_strength(in);

                switch (in->kind) {
                case INTRO_KNOWS:
                        r = netgraph_add_tie(g, in->a, in->b, NETGRAPH_KNOWS, s, 0, in->note);
                        break;
                case INTRO_BY_OTHER:
                        /* They were introduced to each other, and whoever did it knows both. */
                        r = netgraph_add_tie(g, in->a, in->b, NETGRAPH_INTRO_BY, s, in->by,
                                             in->note);
                        if (in->by && (r >= 0 || r == -ENOENT || r == -EINVAL)) {
                                r = netgraph_add_tie(g, in->by, in->a, NETGRAPH_KNOWS, s, 0, NULL);
                                if (r >= 0 || r == -ENOENT || r == -EINVAL)
                                        r = netgraph_add_tie(g, in->by, in->b, NETGRAPH_KNOWS, s, 0,
                                                             NULL);
                        }
                        break;
                default:
                        r = netgraph_add_tie(g, in->a, in->b, NETGRAPH_INTRO, s, 0, in->note);
                        break;
                }
                if (r < 0 && r != -ENOENT && r != -EINVAL)
                        return r;
        }
        *ret = TAKE_PTR(g);
        return 0;
}

/* ---- operations ---- */

struct net_op {
        struct rpc *d;
        json_t *params;
        struct op_error err;
        json_t *result;
        int64_t now;
        /* parsed parameters */
        const char *text1, *text2, *text3;
        int64_t at;
        size_t limit;
        uint32_t networks;
        int64_t cadence;
        char **add, **remove;
};

static void net_op_done(struct net_op *op)
{
        op_error_done(&op->err);
        json_decref(op->result);
        strv_free(op->add);
        strv_free(op->remove);
}

static int run_op(struct varlink_call *call, struct net_op *op, bool write, store_txn_fn fn)
{
        int r = write ? store_write(op->d->store, fn, op) : store_read(op->d->store, fn, op);

        if (r < 0)
                r = op_error_reply(&op->err, call, r);
        else {
                r = varlink_call_reply(call, op->result);
                op->result = NULL;
        }
        net_op_done(op);
        return r;
}

static int reply_invalid(struct varlink_call *call, struct net_op *op, int r)
{
        r = op_error_reply(&op->err, call, r);
        net_op_done(op);
        return r;
}

static const char *param_str(struct net_op *op, const char *key)
{
        return json_string_value(json_object_get(op->params, key));
}

/* ---- profile and offers ---- */

static int offers_json(const char *offers, json_t **ret)
{
        json_t *a = json_array();
        const char *s = offers;

        if (!a)
                return -ENOMEM;
        while (s && *s) {
                size_t len = strcspn(s, "\n");

                if (len > 0)
                        json_array_append_new(a, json_stringn(s, len));
                s += len;
                if (*s)
                        s++;
        }
        *ret = a;
        return 0;
}

static int profile_json(struct store_txn *t, int64_t conf_every, json_t **ret)
{
        _cleanup_free_ char *profile = NULL, *offers = NULL;
        double tg[_NETWORK_MAX];
        enum profile p = PROFILE_UNSET;
        json_t *list = NULL;
        int64_t every;
        int r, from_profile;

        if ((r = store_txn_setting_get(t, SETTING_PROFILE, &profile)) < 0 ||
            (r = store_txn_setting_get(t, SETTING_OFFERS, &offers)) < 0 ||
            (r = from_profile = goals_every(t, conf_every, &every)) < 0)
                return r;
        if (profile && profile_from_string(profile) >= 0)
                p = profile_from_string(profile);
        profile_targets(p, tg);
        r = offers_json(offers, &list);
        if (r < 0)
                return r;
        *ret = json_pack("{s:s,s:s,s:{s:f,s:f,s:f},s:o,s:I,s:f}", "profile", profile_to_string(p),
                         "explanation", profile_explain(p), "targets", "operational",
                         tg[NETWORK_OPERATIONAL], "personal", tg[NETWORK_PERSONAL], "strategic",
                         tg[NETWORK_STRATEGIC], "offers", list, "goal_followup_seconds",
                         (json_int_t)every, "goal_followup_days", (double)every / 86400.0);
        if (*ret && json_object_set_new(*ret, "goal_followup_source",
                                        json_string(from_profile ? "profile" : "config")) < 0) {
                json_decref(*ret);
                *ret = NULL;
        }
        return *ret ? 0 : -ENOMEM;
}

static int get_profile_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        json_t *p = NULL;
        int r = profile_json(t, goals_conf_every(op->d->core), &p);

        if (r < 0)
                return r;
        op->result = json_pack("{s:o}", "profile", p);
        return op->result ? 0 : -ENOMEM;
}

static int method_get_profile(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {.d = userdata, .params = params};

        return run_op(call, &op, false, get_profile_fn);
}

static int set_profile_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(goals_redate_done) struct goals_redate rd = {0};
        _cleanup_free_ char *offers = NULL;
        _cleanup_strv_ char **list = NULL;
        json_t *p = NULL;
        size_t len = 0, moved = 0;
        int r;

        if (op->text1) {
                r = store_txn_setting_put(t, SETTING_PROFILE, op->text1);
                if (r < 0)
                        return r;
        }
        if (op->cadence >= 0) {
                char buf[32];

                /* The people the goal rule dated get dates from the new interval. */
                r = goals_redate_begin(t, goals_conf_every(op->d->core), &rd);
                if (r < 0)
                        return r;
                snprintf(buf, sizeof(buf), "%lld", (long long)op->cadence);
                r = store_txn_setting_put(t, SETTING_GOAL_EVERY, op->cadence ? buf : NULL);
                if (r < 0)
                        return r;
                r = goals_redate_finish(t, goals_conf_every(op->d->core), op->now, &rd, &moved);
                if (r < 0)
                        return r;
        }
        if (op->add || op->remove) {
                char *s, *save = NULL;

                r = store_txn_setting_get(t, SETTING_OFFERS, &offers);
                if (r < 0)
                        return r;
                for (s = offers ? strtok_r(offers, "\n", &save) : NULL; s;
                     s = strtok_r(NULL, "\n", &save))
                        if (!strv_contains(op->remove, s, true) && strv_push(&list, s) < 0)
                                return -ENOMEM;
                for (size_t i = 0; op->add && op->add[i]; i++)
                        if (!strv_contains(list, op->add[i], true) &&
                            strv_push(&list, op->add[i]) < 0)
                                return -ENOMEM;
                if (strv_length(list) > OFFERS_MAX)
                        return op_error_set(&op->err, "io.tend.Service.InvalidValue",
                                            json_pack("{s:s,s:s}", "parameter", "add_offers",
                                                      "reason", "at most 64 offers"));
                free(offers);
                offers = NULL;
                for (size_t i = 0; list && list[i]; i++)
                        len += strlen(list[i]) + 1;
                offers = calloc(len + 1, 1);
                if (!offers)
                        return -ENOMEM;
                for (size_t i = 0; list && list[i]; i++) {
                        strcat(offers, list[i]);
                        strcat(offers, "\n");
                }
                r = store_txn_setting_put(t, SETTING_OFFERS, offers);
                if (r < 0)
                        return r;
        }
        r = profile_json(t, goals_conf_every(op->d->core), &p);
        if (r < 0)
                return r;
        json_decref(op->result);
        op->result = json_pack("{s:o,s:I}", "profile", p, "moved", (json_int_t)moved);
        return op->result ? 0 : -ENOMEM;
}

static int offers_param(json_t *params, const char *key, struct op_error *e, char ***ret)
{
        json_t *a = json_object_get(params, key), *v;
        _cleanup_strv_ char **list = NULL;
        size_t i;

        *ret = NULL;
        if (!a)
                return 0;
        if (json_array_size(a) > OFFERS_MAX)
                return op_error_set(
                    e, "io.tend.Service.InvalidValue",
                    json_pack("{s:s,s:s}", "parameter", key, "reason", "at most 64 offers"));
        json_array_foreach(a, i, v)
        {
                const char *s = json_string_value(v);
                size_t n = strspn(s, " \t");

                if (text_validate(s, OFFER_MAX, false) < 0 || !s[n])
                        return op_error_set(e, "io.tend.Service.InvalidValue",
                                            json_pack("{s:s,s:s}", "parameter", key, "reason",
                                                      "an offer is one line of text, at most 256 "
                                                      "bytes"));
                if (strv_push(&list, s + n) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(list);
        return 0;
}

static int method_set_profile(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {.d = userdata,
                            .params = params,
                            .now = core_now(((struct rpc *)userdata)->core),
                            .cadence = -1};
        json_t *every = json_object_get(params, "goal_followup_seconds");
        int r;

        r = fields_text(params, "profile", 32, 0, &op.err, &op.text1);
        if (r >= 0 && op.text1) {
                enum profile p = profile_from_string(op.text1);

                if (p <= PROFILE_UNSET && !streq(op.text1, "unset"))
                        r = op_error_set(&op.err, "io.tend.Service.InvalidValue",
                                         json_pack("{s:s,s:s}", "parameter", "profile", "reason",
                                                   "expected job-seeking, growing, founder or "
                                                   "unset"));
                else
                        op.text1 = p == PROFILE_UNSET ? "" : profile_to_string(p);
        }
        if (r >= 0 && every) {
                json_int_t v = json_integer_value(every);

                if (v < 0 || v > 366 * 86400LL)
                        r = op_error_set(&op.err, "io.tend.Service.InvalidValue",
                                         json_pack("{s:s,s:s}", "parameter",
                                                   "goal_followup_seconds", "reason",
                                                   "between 0 (the default) and a year"));
                else
                        op.cadence = v;
        }
        if (r >= 0)
                r = offers_param(params, "add_offers", &op.err, &op.add);
        if (r >= 0)
                r = offers_param(params, "remove_offers", &op.err, &op.remove);
        if (r < 0)
                return reply_invalid(call, &op, r);
        return run_op(call, &op, true, set_profile_fn);
}

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
            person_ref(t, i->a), "b", person_ref(t, i->b), "note", str_or_null(i->note), "at",
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

        r = reply_resolve_who(t, param_str(op, "a"), &op->err, &a);
        if (r < 0)
                return r;
        r = reply_resolve_who(t, param_str(op, "b"), &op->err, &b);
        if (r < 0)
                return r;
        if (a->id == b->id)
                return op_error_set(&op->err, "io.tend.Service.InvalidValue",
                                    json_pack("{s:s,s:s}", "parameter", "b", "reason",
                                              "you introduce two different people"));
        i.a = a->id;
        i.b = b->id;
        if (param_str(op, "by")) {
                _cleanup_(contact_freep) struct contact *by = NULL;

                r = reply_resolve_who(t, param_str(op, "by"), &op->err, &by);
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

static int method_introduce(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        int r;

        if ((r = fields_text(params, "note", FIELD_NOTE_MAX, 1, &op.err, &op.text1)) < 0 ||
            (r = fields_time(params, "at", &op.err, &op.at)) < 0)
                return reply_invalid(call, &op, r);
        if (op.at > op.now + 300) {
                op_error_set(
                    &op.err, "io.tend.Service.InvalidValue",
                    json_pack("{s:s,s:s}", "parameter", "at", "reason", "is in the future"));
                return reply_invalid(call, &op, -ECANCELED);
        }
        return run_op(call, &op, true, introduce_fn);
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
        const char *who = param_str(op, "who");
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

static int method_introductions(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {.d = userdata, .params = params};

        return run_op(call, &op, false, intros_fn);
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
                r = reply_resolve_who(t, param_str(op, "a"), &op->err, &a);
                if (r >= 0)
                        r = reply_resolve_who(t, param_str(op, "b"), &op->err, &b);
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

static int method_remove_introduction(struct varlink_call *call, json_t *params, void *userdata)
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
                return reply_invalid(call, &op, -ECANCELED);
        }
        return run_op(call, &op, !json_is_true(json_object_get(params, "dry_run")),
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

        r = reply_resolve_who(t, param_str(op, "a"), &op->err, &a);
        if (r >= 0)
                r = reply_resolve_who(t, param_str(op, "b"), &op->err, &b);
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

static int method_know(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {.d = userdata,
                            .params = params,
                            .now = core_now(((struct rpc *)userdata)->core),
                            .cadence = -1};
        const char *level = NULL;
        int r;

        if ((r = fields_text(params, "note", FIELD_NOTE_MAX, 1, &op.err, &op.text1)) < 0 ||
            (r = fields_text(params, "strength", 16, 0, &op.err, &level)) < 0)
                return reply_invalid(call, &op, r);
        if (level && *level) {
                op.cadence = tie_level_from_string(level);
                if (op.cadence < 0) {
                        op_error_set(&op.err, "io.tend.Service.InvalidValue",
                                     json_pack("{s:s,s:s}", "parameter", "strength", "reason",
                                               "not weak, medium or strong"));
                        return reply_invalid(call, &op, -ECANCELED);
                }
        }
        return run_op(call, &op, true, know_fn);
}

static int ties_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        struct intros_ctx ctx = {.t = t, .array = json_array(), .ties = true};
        const char *who = param_str(op, "who");
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

static int method_ties(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {.d = userdata, .params = params};

        return run_op(call, &op, false, ties_fn);
}

static int remove_tie_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(contact_freep) struct contact *a = NULL, *b = NULL;
        int r;

        r = reply_resolve_who(t, param_str(op, "a"), &op->err, &a);
        if (r >= 0)
                r = reply_resolve_who(t, param_str(op, "b"), &op->err, &b);
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

static int method_remove_tie(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};

        return run_op(call, &op, true, remove_tie_fn);
}

/* ---- paths ---- */

static json_t *chain_json(const struct netdata *nd, const struct netgraph_chain *ch)
{
        json_t *people = json_array();

        if (!people)
                return NULL;
        for (size_t k = 0; k < ch->n; k++) {
                const struct netgraph_hop *h = &ch->hops[k];
                const struct person_data *p = netdata_find(nd, h->id);
                const struct person_data *by = h->by ? netdata_find(nd, h->by) : NULL;
                bool last = k + 1 == ch->n;
                const char *link = netgraph_link_to_string(h->link);
                json_t *o;

                if (h->link == NETGRAPH_MET_VIA && !h->introducer)
                        link = "met-via-them"; /* the next person introduced you to this one */
                o = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "contact",
                              reply_contact_ref(h->id, p ? p->c->name : "?"), "link",
                              last ? json_null() : json_string(link), "org",
                              !last && h->link == NETGRAPH_ORG ? str_or_null(h->org) : json_null(),
                              "strength", last ? json_null() : json_integer(h->strength), "level",
                              last ? json_null()
                                   : json_string(tie_level_to_string(strength_level(h->strength))),
                              "by", by ? reply_contact_ref(by->c->id, by->c->name) : json_null(),
                              "note", last ? json_null() : str_or_null(h->note));

                if (!o || json_array_append_new(people, o) < 0) {
                        json_decref(people);
                        return NULL;
                }
        }
        return json_pack("{s:i,s:s,s:i,s:s,s:b,s:i,s:o}", "weakest", ch->weakest, "weakest_level",
                         tie_level_to_string(strength_level(ch->weakest)), "you_strength",
                         ch->you_strength, "you_level",
                         tie_level_to_string(strength_level(ch->you_strength)), "you_introduced",
                         ch->you_introduced, "hops", (int)ch->n, "people", people);
}

static int path_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(netdata_done) struct netdata nd = {0};
        _cleanup_(netgraph_freep) struct netgraph *g = NULL;
        _cleanup_(contact_freep) struct contact *c = NULL;
        struct netgraph_chain *chains = NULL;
        size_t n = 0;
        json_t *array;
        int r;

        r = reply_resolve_who(t, param_str(op, "who"), &op->err, &c);
        if (r < 0)
                return r;
        r = netdata_load(t, op->now, goals_conf_every(op->d->core), &nd);
        if (r >= 0)
                r = netdata_graph(&nd, &g);
        if (r >= 0)
                r = netgraph_paths(g, c->id, op->now, op->limit ? op->limit : PATHS_DEFAULT,
                                   &chains, &n);
        if (r < 0)
                return r;
        array = json_array();
        for (size_t i = 0; array && i < n; i++) {
                json_t *o = chain_json(&nd, &chains[i]);

                if (!o || json_array_append_new(array, o) < 0) {
                        json_decref(array);
                        array = NULL;
                }
        }
        netgraph_chains_free(chains, n);
        if (!array)
                return -ENOMEM;
        /* A removed introducer is no path any more, but their name still tells who to ask. */
        op->result = json_pack("{s:o,s:o,s:o,s:o}", "target", reply_contact_ref(c->id, c->name),
                               "chains", array, "met_via_name", str_or_null(c->met_via_name),
                               "prospect_via_name", str_or_null(c->prospect_via_name));
        return op->result ? 0 : -ENOMEM;
}

static int method_path(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        int r = fields_limit(params, "limit", &op.err, &op.limit);

        if (r < 0)
                return reply_invalid(call, &op, r);
        return run_op(call, &op, false, path_fn);
}

/* ---- graph ---- */

static int graph_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(netdata_done) struct netdata nd = {0};
        _cleanup_(netgraph_freep) struct netgraph *g = NULL;
        _cleanup_free_ char *dot = NULL;
        json_t *nodes, *edges;
        bool linked_only = json_is_true(json_object_get(op->params, "linked_only"));
        int r;

        r = netdata_load(t, op->now, goals_conf_every(op->d->core), &nd);
        if (r >= 0)
                r = netdata_graph(&nd, &g);
        if (r >= 0)
                r = netgraph_dot(g, op->networks, linked_only, &dot);
        if (r < 0)
                return r;
        nodes = json_array();
        edges = json_array();
        if (!nodes || !edges)
                goto oom;
        for (size_t i = 0; i < nd.n; i++) {
                const struct contact *c = nd.p[i].c;

                if (op->networks && !(c->networks & op->networks))
                        continue;
                if (json_array_append_new(
                        nodes,
                        json_pack("{s:I,s:s,s:o,s:o,s:i}", "id", (json_int_t)c->id, "name",
                                  strempty(c->name), "org", str_or_null(c->org), "networks",
                                  networks_json(c->networks), "strength", nd.p[i].strength)) < 0)
                        goto oom;
                if (c->introduced_by) {
                        const struct person_data *via = netdata_find(&nd, c->introduced_by);

                        if (via && (!op->networks || (via->c->networks & op->networks)) &&
                            json_array_append_new(
                                edges, json_pack("{s:I,s:I,s:s}", "from", (json_int_t)via->c->id,
                                                 "to", (json_int_t)c->id, "kind", "met-via")) < 0)
                                goto oom;
                }
                if (c->prospect_via && c->prospect_via != c->introduced_by) {
                        const struct person_data *via = netdata_find(&nd, c->prospect_via);

                        if (via && via->c->id != c->id &&
                            (!op->networks || (via->c->networks & op->networks)) &&
                            json_array_append_new(edges, json_pack("{s:I,s:I,s:s}", "from",
                                                                   (json_int_t)via->c->id, "to",
                                                                   (json_int_t)c->id, "kind",
                                                                   "can-introduce")) < 0)
                                goto oom;
                }
        }
        for (size_t i = 0; i < nd.n_intros; i++) {
                const struct person_data *a = netdata_find(&nd, nd.intros[i]->a);
                const struct person_data *b = netdata_find(&nd, nd.intros[i]->b);

                if (!a || !b ||
                    (op->networks &&
                     (!(a->c->networks & op->networks) || !(b->c->networks & op->networks))))
                        continue;
                if (json_array_append_new(
                        edges, json_pack("{s:I,s:I,s:s,s:i,s:o}", "from", (json_int_t)a->c->id,
                                         "to", (json_int_t)b->c->id, "kind",
                                         nd.intros[i]->kind == INTRO_KNOWS      ? "knows"
                                         : nd.intros[i]->kind == INTRO_BY_OTHER ? "introduced-by"
                                                                                : "introduced",
                                         "strength", ties_record_strength(nd.intros[i]), "by",
                                         nd.intros[i]->kind == INTRO_BY_OTHER && nd.intros[i]->by
                                             ? json_integer((json_int_t)nd.intros[i]->by)
                                             : json_null())) < 0)
                        goto oom;
        }
        op->result = json_pack("{s:o,s:o,s:s}", "nodes", nodes, "edges", edges, "dot", dot);
        return op->result ? 0 : -ENOMEM;
oom:
        json_decref(nodes);
        json_decref(edges);
        return -ENOMEM;
}

static int method_graph(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        int r = fields_networks(params, "network", &op.err, &op.networks);

        if (r < 0)
                return reply_invalid(call, &op, r);
        return run_op(call, &op, false, graph_fn);
}

/* ---- ledger ---- */

struct entries_ctx {
        json_t *array;
};

static int ledger_entry(const struct interaction *i, void *userdata)
{
        struct entries_ctx *ctx = userdata;

        if (!i->gave && !i->got)
                return 0;
        if (json_array_size(ctx->array) >= LEDGER_ENTRIES_MAX)
                return 1;
        if (json_array_append_new(ctx->array,
                                  json_pack("{s:o,s:s,s:o,s:o,s:o}", "at",
                                            reply_time_or_null(i->at), "kind", strempty(i->kind),
                                            "gave", str_or_null(i->gave), "got",
                                            str_or_null(i->got), "note", str_or_null(i->note))) < 0)
                return -ENOMEM;
        return 0;
}

static json_t *ledger_person(const struct person_data *p, json_t *entries)
{
        return json_pack("{s:o,s:i,s:i,s:i,s:b,s:b,s:o,s:o}", "contact",
                         reply_contact_ref(p->c->id, p->c->name), "gave", (int)p->gave, "got",
                         (int)p->got, "balance", (int)p->gave - (int)p->got, "only_asked",
                         p->got > 0 && p->gave == 0, "you_owe", p->got > p->gave, "brings",
                         str_or_null(p->c->brings), "entries", entries ? entries : json_array());
}

static int ledger_cmp(const void *a, const void *b)
{
        const struct person_data *x = *(const struct person_data *const *)a;
        const struct person_data *y = *(const struct person_data *const *)b;
        int dx = (int)x->got - (int)x->gave, dy = (int)y->got - (int)y->gave;

        if (dx != dy)
                return dx > dy ? -1 : 1;
        if (x->gave + x->got != y->gave + y->got)
                return x->gave + x->got > y->gave + y->got ? -1 : 1;
        return x->c->id < y->c->id ? -1 : x->c->id > y->c->id;
}

static int ledger_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(netdata_done) struct netdata nd = {0};
        _cleanup_(contact_freep) struct contact *who = NULL;
        _cleanup_free_ const struct person_data **list = NULL;
        const char *w = param_str(op, "who");
        unsigned gave = 0, got = 0, only_asked = 0, owe = 0;
        size_t n = 0;
        json_t *people;
        int r;

        if (w) {
                r = reply_resolve_who(t, w, &op->err, &who);
                if (r < 0)
                        return r;
        }
        r = netdata_load(t, op->now, goals_conf_every(op->d->core), &nd);
        if (r < 0)
                return r;
        list = calloc(nd.n + 1, sizeof(*list));
        people = json_array();
        if (!list || !people) {
                json_decref(people);
                return -ENOMEM;
        }
        for (size_t i = 0; i < nd.n; i++) {
                const struct person_data *p = &nd.p[i];

                gave += p->gave;
                got += p->got;
                if (p->got > 0 && p->gave == 0)
                        only_asked++;
                if (p->got > p->gave)
                        owe++;
                if (who ? p->c->id == who->id : p->gave + p->got > 0)
                        list[n++] = p;
        }
        if (n > 1)
                qsort(list, n, sizeof(*list), ledger_cmp);
        for (size_t i = 0; i < n; i++) {
                struct entries_ctx ctx = {.array = who ? json_array() : NULL};

                if (who) {
                        if (!ctx.array)
                                r = -ENOMEM;
                        else
                                r = store_txn_interaction_list(t, who->id, 0, ledger_entry, &ctx);
                        if (r < 0) {
                                json_decref(ctx.array);
                                json_decref(people);
                                return r;
                        }
                }
                if (json_array_append_new(people, ledger_person(list[i], ctx.array)) < 0) {
                        json_decref(people);
                        return -ENOMEM;
                }
        }
        op->result = json_pack("{s:o,s:{s:i,s:i,s:i,s:i,s:i}}", "people", people, "totals", "gave",
                               (int)gave, "got", (int)got, "people", (int)n, "only_asked",
                               (int)only_asked, "you_owe", (int)owe);
        return op->result ? 0 : -ENOMEM;
}

static int method_ledger(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};

        return run_op(call, &op, false, ledger_fn);
}

/* ---- health ---- */

static int health_of(const struct netdata *nd, unsigned tolerance, struct health_report *ret)
{
        _cleanup_free_ struct health_person *people = calloc(nd->n + 1, sizeof(*people));
        _cleanup_free_ struct health_intro *intros = calloc(nd->n_intros + 1, sizeof(*intros));
        size_t k = 0;

        if (!people || !intros)
                return -ENOMEM;
        for (size_t i = 0; i < nd->n; i++) {
                const struct contact *c = nd->p[i].c;

                people[i] = (struct health_person){
                    .name = c->name,
                    .strength = nd->p[i].strength,
                    .networks = c->networks,
                    .last_touch = c->last_interaction,
                    .next_due = c->next_due,
                    .org = c->org,
                    .introduced = c->introduced_by != 0,
                    .touches = nd->p[i].touches,
                    .n_touches = nd->p[i].n_touches,
                };
        }
        for (size_t i = 0; i < nd->n_intros; i++) {
                const struct person_data *a = netdata_find(nd, nd->intros[i]->a);
                const struct person_data *b = netdata_find(nd, nd->intros[i]->b);

                if (!a || !b || nd->intros[i]->kind != INTRO_BY_YOU)
                        continue;
                intros[k++] = (struct health_intro){a->c->networks, b->c->networks};
        }
        return health_compute(people, nd->n, intros, k, nd->profile, tolerance, nd->now, ret);
}

static json_t *named_json(const struct netdata *nd, const size_t *idx, size_t n)
{
        json_t *a = json_array();

        for (size_t i = 0; a && i < n; i++) {
                const struct person_data *p = &nd->p[idx[i]];
                json_t *o = reply_contact_ref(p->c->id, p->c->name);

                if (!o || json_object_set_new(o, "strength", json_integer(p->strength)) < 0 ||
                    json_object_set_new(o, "last_touch",
                                        reply_time_or_null(p->c->last_interaction)) < 0 ||
                    json_array_append_new(a, o) < 0) {
                        json_decref(a);
                        return NULL;
                }
        }
        return a;
}

/* "Ann Lee, Bob Ray and 3 more" */
static void names_text(const struct netdata *nd, const size_t *idx, size_t n, size_t total,
                       char *buf, size_t size)
{
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < n && len < size; i++)
                len += (size_t)snprintf(buf + len, size - len, "%s%s",
                                        i == 0                     ? ""
                                        : i + 1 == n && total == n ? " and "
                                                                   : ", ",
                                        nd->p[idx[i]].c->name);
        if (total > n && len < size)
                snprintf(buf + len, size - len, " and %zu more", total - n);
}

static json_t *health_json(const struct netdata *nd, const struct health_report *h)
{
        json_t *networks = json_array(), *advice = json_array();
        char buf[1024], names[512];

        if (!networks || !advice) {
                json_decref(networks);
                json_decref(advice);
                return NULL;
        }
        for (int k = 0; k < _NETWORK_MAX; k++) {
                const struct health_network *n = &h->net[k];
                json_t *o = json_pack(
                    "{s:s,s:I,s:I,s:I,s:I,s:I,s:o,s:I,s:I,s:I,s:I,s:f,s:f,s:i,s:i,s:s}", "network",
                    network_to_string(k), "people", (json_int_t)n->people, "touched_30",
                    (json_int_t)n->touched_30, "touched_90", (json_int_t)n->touched_90,
                    "never_touched", (json_int_t)n->never_touched, "overdue",
                    (json_int_t)n->overdue, "median_days_between_touches",
                    n->median_gap_days < 0 ? json_null() : json_real(n->median_gap_days),
                    "organisations", (json_int_t)n->orgs, "introductions_made",
                    (json_int_t)n->intros_made, "introductions_received",
                    (json_int_t)n->intros_received, "touches_90", (json_int_t)n->touches_90,
                    "share", n->share, "target", n->target, "share_points", n->share_pct,
                    "target_points", n->target_pct, "verdict",
                    health_verdict_to_string(n->verdict));

                if (!o ||
                    json_object_set_new(o, "fading", json_integer((json_int_t)n->fading)) < 0 ||
                    json_object_set_new(o, "never_touched_people",
                                        named_json(nd, n->never_named, n->n_never_named)) < 0 ||
                    json_object_set_new(o, "fading_people",
                                        named_json(nd, n->fading_named, n->n_fading_named)) < 0 ||
                    json_array_append_new(networks, o) < 0) {
                        json_decref(o);
                        json_decref(networks);
                        json_decref(advice);
                        return NULL;
                }
                if (n->people == 0) {
                        snprintf(buf, sizeof(buf),
                                 "Your %s network is empty: add people with 'tend add NAME "
                                 "--network %s' or 'tend edit WHO --network %s'.",
                                 network_to_string(k), network_to_string(k), network_to_string(k));
                        json_array_append_new(advice, json_string(buf));
                } else if (n->verdict == HEALTH_UNDER) {
                        snprintf(buf, sizeof(buf),
                                 "Your %s network gets %d%% of your attention; a %s profile "
                                 "needs %d%% (±%u): under-served. 'tend plan' proposes its "
                                 "people first.",
                                 network_to_string(k), n->share_pct, profile_to_string(h->profile),
                                 n->target_pct, h->tolerance);
                        json_array_append_new(advice, json_string(buf));
                }
                if (n->n_fading_named > 0) {
                        names_text(nd, n->fading_named, n->n_fading_named, n->fading, names,
                                   sizeof(names));
                        snprintf(buf, sizeof(buf),
                                 "Fading in your %s network (not touched in %d days): %s.",
                                 network_to_string(k), HEALTH_ATTENTION_DAYS, names);
                        json_array_append_new(advice, json_string(buf));
                }
                if (n->n_never_named > 0) {
                        names_text(nd, n->never_named, n->n_never_named, n->never_touched, names,
                                   sizeof(names));
                        snprintf(buf, sizeof(buf), "Never touched in your %s network: %s.",
                                 network_to_string(k), names);
                        json_array_append_new(advice, json_string(buf));
                }
                if (n->overdue > 0) {
                        snprintf(buf, sizeof(buf), "%zu %s follow-up%s overdue ('tend due').",
                                 n->overdue, network_to_string(k),
                                 n->overdue == 1 ? " is" : "s are");
                        json_array_append_new(advice, json_string(buf));
                }
        }
        return json_pack("{s:s,s:f,s:i,s:I,s:I,s:I,s:o,s:o}", "profile",
                         profile_to_string(h->profile), "balance", h->balance, "tolerance_points",
                         (int)h->tolerance, "people", (json_int_t)h->people, "unfiled",
                         (json_int_t)h->unfiled, "touches_90", (json_int_t)h->touches_90,
                         "networks", networks, "advice", advice);
}

static int health_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(netdata_done) struct netdata nd = {0};
        struct health_report h;
        int r;

        r = netdata_load(t, op->now, goals_conf_every(op->d->core), &nd);
        if (r >= 0)
                r = health_of(&nd, op->d->core->config->plan_tolerance, &h);
        if (r < 0)
                return r;
        op->result = health_json(&nd, &h);
        return op->result ? 0 : -ENOMEM;
}

static int method_health(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};

        return run_op(call, &op, false, health_fn);
}

/* ---- plan ---- */

static bool intro_recorded(const struct netdata *nd, uint64_t id)
{
        for (size_t i = 0; i < nd->n_intros; i++)
                if (nd->intros[i]->kind != INTRO_KNOWS &&
                    (nd->intros[i]->a == id || nd->intros[i]->b == id))
                        return true;
        return false;
}

static bool intro_asked(const struct netdata *nd, const struct person_data *p,
                        const struct person_data *go_between)
{
        return rank_intro_asked(p->c->stage_changed, p->last_ask,
                                go_between ? go_between->last_ask : 0,
                                intro_recorded(nd, p->c->id));
}

static json_t *reason_json(const struct rank_reason *r)
{
        json_t *nums = json_object();
        json_t *o;

        for (size_t i = 0; nums && i < r->n_numbers; i++) {
                double v = r->numbers[i].value;

                json_object_set_new(nums, r->numbers[i].key,
                                    v == (double)(json_int_t)v ? json_integer((json_int_t)v)
                                                               : json_real(v));
        }
        o = json_pack("{s:s,s:i,s:s,s:o}", "code", rank_reason_to_string(r->code), "points",
                      r->points, "text", r->text, "numbers", nums ? nums : json_object());
        return o;
}

static int plan_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(netdata_done) struct netdata nd = {0};
        _cleanup_(netgraph_freep) struct netgraph *g = NULL;
        _cleanup_free_ struct rank_candidate *cand = NULL;
        _cleanup_free_ struct rank_item *items = NULL;
        const struct config *cfg = op->d->core->config;
        struct health_report h;
        size_t n_items = 0, prospects = 0;
        json_t *array, *networks;
        int r;

        r = netdata_load(t, op->now, goals_conf_every(op->d->core), &nd);
        if (r >= 0)
                r = health_of(&nd, cfg->plan_tolerance, &h);
        if (r >= 0)
                r = netdata_graph(&nd, &g);
        if (r < 0)
                return r;
        cand = calloc(nd.n + 1, sizeof(*cand));
        if (!cand)
                return -ENOMEM;
        for (size_t i = 0; i < nd.n; i++) {
                const struct person_data *p = &nd.p[i];
                const struct contact *c = p->c;
                const struct person_data *via = NULL;

                cand[i] = (struct rank_candidate){
                    .id = c->id,
                    .name = c->name,
                    .networks = c->networks,
                    .next_due = c->next_due,
                    .last_touch = c->last_interaction,
                    .last_kind = c->last_kind,
                    .stage = c->stage,
                    .stage_changed = c->stage_changed,
                    .n_goals = p->n_goals,
                    .goal_title = p->goal_title,
                    .goal_why = p->goal_why,
                    .gave = p->gave,
                    .got = p->got,
                    .strength = p->strength,
                };
                if (c->prospect_via && (via = netdata_find(&nd, c->prospect_via))) {
                        cand[i].via_name = via->c->name;
                        cand[i].via_id = via->c->id;
                }
                if (c->stage == STAGE_WANT_TO_MEET)
                        cand[i].intro_asked = intro_asked(&nd, p, via);
                cand[i].needs[0] = c->brings;
                cand[i].needs[1] = c->notes;
                cand[i].needs[2] = c->prospect_plan;
        }
        /* Warm paths: the best first person toward each open prospect not asked about yet. */
        for (size_t i = 0; i < nd.n && prospects < PLAN_PROSPECTS_MAX; i++) {
                const struct contact *c = nd.p[i].c;
                struct netgraph_chain *chains = NULL;
                size_t n = 0;

                if (c->stage != STAGE_WANT_TO_MEET && c->stage != STAGE_REACHED_OUT)
                        continue;
                if (cand[i].intro_asked)
                        continue;
                prospects++;
                r = netgraph_paths(g, c->id, op->now, 1, &chains, &n);
                if (r < 0)
                        return r;
                if (n == 1) {
                        const struct person_data *first = netdata_find(&nd, chains[0].hops[0].id);

                        if (first && !intro_asked(&nd, &nd.p[i], first)) {
                                struct rank_candidate *fc = &cand[first - nd.p];

                                if (!fc->warm_path_to) {
                                        fc->warm_path_to = c->name;
                                        fc->warm_path_to_id = c->id;
                                        fc->warm_path_stage = prospect_stage_to_string(c->stage);
                                }
                                if (!cand[i].via_name && c->stage == STAGE_WANT_TO_MEET) {
                                        cand[i].via_name = first->c->name;
                                        cand[i].via_id = first->c->id;
                                }
                        }
                }
                netgraph_chains_free(chains, n);
        }
        r = rank_plan(cand, nd.n,
                      &(struct rank_options){.health = &h,
                                             .goal_every = nd.goal_every,
                                             .recent = cfg->plan_recent,
                                             .now = op->now,
                                             .limit = op->limit ? op->limit : PLAN_DEFAULT,
                                             .offers = nd.offers,
                                             .n_offers = nd.n_offers},
                      &items, &n_items);
        if (r < 0)
                return r;
        array = json_array();
        for (size_t i = 0; array && i < n_items; i++) {
                const struct rank_item *it = &items[i];
                const struct rank_candidate *c = &cand[it->index];
                json_t *reasons = json_array(), *o;

                for (size_t k = 0; reasons && k < it->n_reasons; k++)
                        json_array_append_new(reasons, reason_json(&it->reasons[k]));
                o = json_pack("{s:o,s:i,s:s,s:o,s:o,s:o,s:o,s:i}", "contact",
                              reply_contact_ref(c->id, c->name), "score", it->score, "action",
                              it->action, "reasons", reasons ? reasons : json_array(), "next_due",
                              reply_time_or_null(c->next_due), "last_touch",
                              reply_time_or_null(c->last_touch), "networks",
                              networks_json(c->networks), "strength", c->strength);
                if (!o || json_array_append_new(array, o) < 0) {
                        json_decref(array);
                        array = NULL;
                }
        }
        if (!array)
                return -ENOMEM;
        /* The figures it ranked from: the same as `tend health`'s. */
        networks = json_array();
        for (int k = 0; networks && k < _NETWORK_MAX; k++)
                json_array_append_new(
                    networks,
                    json_pack("{s:s,s:f,s:f,s:i,s:i,s:s}", "network", network_to_string(k), "share",
                              h.net[k].share, "target", h.net[k].target, "share_points",
                              h.net[k].share_pct, "target_points", h.net[k].target_pct, "verdict",
                              health_verdict_to_string(h.net[k].verdict)));
        op->result =
            json_pack("{s:s,s:f,s:i,s:I,s:o,s:o}", "profile", profile_to_string(nd.profile),
                      "balance", h.balance, "tolerance_points", (int)h.tolerance, "recent_days",
                      (json_int_t)(cfg->plan_recent / DURATION_DAY), "networks",
                      networks ? networks : json_array(), "items", array);
        return op->result ? 0 : -ENOMEM;
}

static int method_plan(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        int r = fields_limit(params, "limit", &op.err, &op.limit);

        if (r < 0)
                return reply_invalid(call, &op, r);
        return run_op(call, &op, false, plan_fn);
}

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
            reply_time_or_null(c->stage_changed), "plan", str_or_null(c->prospect_plan), "via", via,
            "via_name", str_or_null(c->prospect_via_name), "next_due",
            reply_time_or_null(c->next_due), "last_touch", reply_time_or_null(c->last_interaction),
            "org", str_or_null(c->org));
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
        const char *goal = param_str(op, "goal"), *who_via = param_str(op, "via");
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
        r = prospect_existing(t, op, param_str(op, "name"), &c);
        if (r < 0)
                return r;
        existing = r > 0;
        if (!existing) {
                c = contact_new();
                if (!c || !(c->name = strdup(param_str(op, "name"))))
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

static int method_prospect_add(struct varlink_call *call, json_t *params, void *userdata)
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
                return reply_invalid(call, &op, r);
        if (!name || strspn(name, " \t") == strlen(name)) {
                op_error_set(&op.err, "io.tend.Service.InvalidValue",
                             json_pack("{s:s,s:s}", "parameter", "name", "reason", "empty"));
                return reply_invalid(call, &op, -ECANCELED);
        }
        return run_op(call, &op, true, prospect_add_fn);
}

static int prospect_next_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        const char *stage = param_str(op, "stage");
        enum prospect_stage from, to;
        int r;

        r = reply_resolve_who(t, param_str(op, "who"), &op->err, &c);
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

static int method_prospect_next(struct varlink_call *call, json_t *params, void *userdata)
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
                return reply_invalid(call, &op, -ECANCELED);
        }
        r = fields_time(params, "at", &op.err, &op.at);
        if (r < 0)
                return reply_invalid(call, &op, r);
        return run_op(call, &op, true, prospect_next_fn);
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
        const char *stage = param_str(op, "stage");
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
        qsort(sorted, n, sizeof(json_t *), stage_cmp);
        for (size_t i = 0; i < n; i++)
                json_array_append(out, sorted[i]);
        json_decref(ctx.array);
        op->result = json_pack("{s:o}", "prospects", out);
        return op->result ? 0 : -ENOMEM;
}

static int method_prospect_list(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {.d = userdata, .params = params};
        const char *stage = json_string_value(json_object_get(params, "stage"));

        if (stage && prospect_stage_from_string(stage) < 0) {
                op_error_set(&op.err, "io.tend.Service.InvalidValue",
                             json_pack("{s:s,s:s}", "parameter", "stage", "reason",
                                       "expected want-to-meet, reached-out, scheduled, met or "
                                       "ongoing"));
                return reply_invalid(call, &op, -ECANCELED);
        }
        return run_op(call, &op, false, prospects_fn);
}

static const struct varlink_param no_params[] = {
    {0},
};

static const struct varlink_param set_profile_params[] = {
    {"profile", VARLINK_STRING, false},
    {"goal_followup_seconds", VARLINK_INT, false},
    {"add_offers", VARLINK_STRV, false},
    {"remove_offers", VARLINK_STRV, false},
    {0},
};

static const struct varlink_param introduce_params[] = {
    {"a", VARLINK_STRING, true},   {"b", VARLINK_STRING, true},   {"note", VARLINK_STRING, false},
    {"at", VARLINK_STRING, false}, {"by", VARLINK_STRING, false}, {0},
};

static const struct varlink_param know_params[] = {
    {"a", VARLINK_STRING, true},
    {"b", VARLINK_STRING, true},
    {"note", VARLINK_STRING, false},
    {"strength", VARLINK_STRING, false},
    {0},
};

static const struct varlink_param remove_tie_params[] = {
    {"a", VARLINK_STRING, true},
    {"b", VARLINK_STRING, true},
    {0},
};

static const struct varlink_param remove_intro_params[] = {
    {"id", VARLINK_INT, false},
    {"a", VARLINK_STRING, false},
    {"b", VARLINK_STRING, false},
    {"dry_run", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_param who_opt_params[] = {
    {"who", VARLINK_STRING, false},
    {0},
};

static const struct varlink_param path_params[] = {
    {"who", VARLINK_STRING, true},
    {"limit", VARLINK_INT, false},
    {0},
};

static const struct varlink_param graph_params[] = {
    {"network", VARLINK_STRING, false},
    {"linked_only", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_param limit_params[] = {
    {"limit", VARLINK_INT, false},
    {0},
};

static const struct varlink_param prospect_add_params[] = {
    {"name", VARLINK_STRING, true},           {"goal", VARLINK_STRING, false},
    {"why", VARLINK_STRING, false},           {"via", VARLINK_STRING, false},
    {"plan", VARLINK_STRING, false},          {"org", VARLINK_STRING, false},
    {"networks", VARLINK_STRV, false},        {"cadence_seconds", VARLINK_INT, false},
    {"allow_duplicate", VARLINK_BOOL, false}, {0},
};

static const struct varlink_param prospect_next_params[] = {
    {"who", VARLINK_STRING, true},
    {"stage", VARLINK_STRING, false},
    {"at", VARLINK_STRING, false},
    {0},
};

static const struct varlink_param prospect_list_params[] = {
    {"stage", VARLINK_STRING, false},
    {"all", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_method network_methods[] = {
    {"GetProfile", method_get_profile, no_params},
    {"SetProfile", method_set_profile, set_profile_params},
    {"Introduce", method_introduce, introduce_params},
    {"Introductions", method_introductions, who_opt_params},
    {"RemoveIntroduction", method_remove_introduction, remove_intro_params},
    {"Know", method_know, know_params},
    {"Ties", method_ties, who_opt_params},
    {"RemoveTie", method_remove_tie, remove_tie_params},
    {"Path", method_path, path_params},
    {"Graph", method_graph, graph_params},
    {"Ledger", method_ledger, who_opt_params},
    {"Health", method_health, no_params},
    {"Plan", method_plan, limit_params},
    {"ProspectAdd", method_prospect_add, prospect_add_params},
    {"ProspectNext", method_prospect_next, prospect_next_params},
    {"ProspectList", method_prospect_list, prospect_list_params},
    {0},
};

const struct varlink_interface methods_network_interface = {
    .name = "io.tend.Network",
    .idl = idl_io_tend_Network,
    .methods = network_methods,
};
