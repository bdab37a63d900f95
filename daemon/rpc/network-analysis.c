/* io.tend.Network: the analyses — warm paths, the graph, the give/ask ledger, health and the
 * weekly plan. They read the whole network once in one read transaction (struct netdata) and
 * hand plain arrays to the pure modules netgraph, health and rank. */
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

        if (i->no_touch)
                return 0; /* in the history only (received mail): not a touch */
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
                              !last && h->link == NETGRAPH_ORG ? net_str_or_null(h->org)
                                                               : json_null(),
                              "strength", last ? json_null() : json_integer(h->strength), "level",
                              last ? json_null()
                                   : json_string(tie_level_to_string(strength_level(h->strength))),
                              "by", by ? reply_contact_ref(by->c->id, by->c->name) : json_null(),
                              "note", last ? json_null() : net_str_or_null(h->note));

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

        r = reply_resolve_who(t, net_op_param(op, "who"), &op->err, &c);
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
                               "chains", array, "met_via_name", net_str_or_null(c->met_via_name),
                               "prospect_via_name", net_str_or_null(c->prospect_via_name));
        return op->result ? 0 : -ENOMEM;
}

int method_path(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        int r = fields_limit(params, "limit", &op.err, &op.limit);

        if (r < 0)
                return net_op_invalid(call, &op, r);
        return net_op_run(call, &op, false, path_fn);
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
                        nodes, json_pack("{s:I,s:s,s:o,s:o,s:i}", "id", (json_int_t)c->id, "name",
                                         strempty(c->name), "org", net_str_or_null(c->org),
                                         "networks", net_networks_json(c->networks), "strength",
                                         nd.p[i].strength)) < 0)
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

int method_graph(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        int r = fields_networks(params, "network", &op.err, &op.networks);

        if (r < 0)
                return net_op_invalid(call, &op, r);
        return net_op_run(call, &op, false, graph_fn);
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
        if (json_array_append_new(
                ctx->array,
                json_pack("{s:o,s:s,s:o,s:o,s:o}", "at", reply_time_or_null(i->at), "kind",
                          strempty(i->kind), "gave", net_str_or_null(i->gave), "got",
                          net_str_or_null(i->got), "note", net_str_or_null(i->note))) < 0)
                return -ENOMEM;
        return 0;
}

static json_t *ledger_person(const struct person_data *p, json_t *entries)
{
        return json_pack(
            "{s:o,s:i,s:i,s:i,s:b,s:b,s:o,s:o}", "contact", reply_contact_ref(p->c->id, p->c->name),
            "gave", (int)p->gave, "got", (int)p->got, "balance", (int)p->gave - (int)p->got,
            "only_asked", p->got > 0 && p->gave == 0, "you_owe", p->got > p->gave, "brings",
            net_str_or_null(p->c->brings), "entries", entries ? entries : json_array());
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
        const char *w = net_op_param(op, "who");
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
                qsort_safe(list, n, sizeof(*list), ledger_cmp);
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

int method_ledger(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};

        return net_op_run(call, &op, false, ledger_fn);
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

int method_health(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};

        return net_op_run(call, &op, false, health_fn);
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
                              net_networks_json(c->networks), "strength", c->strength);
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

int method_plan(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        int r = fields_limit(params, "limit", &op.err, &op.limit);

        if (r < 0)
                return net_op_invalid(call, &op, r);
        return net_op_run(call, &op, false, plan_fn);
}
