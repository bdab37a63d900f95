/* Warm paths and the DOT drawing of your network: see netgraph.h.
 *
 * Paths: a widest-path Dijkstra from the target over people and organisation nodes (a person
 * is joined to the node of their organisation, so a shared organisation is two half-steps
 * instead of an edge per pair of colleagues: edges stay linear in the number of people). A
 * node's label is the strongest weakest hop to the target, then the fewest hops; extending a
 * chain never improves either, so the first label settled is the best. A search never goes
 * past NETGRAPH_MAX_HOPS. Every person you have a tie with gives one chain, read back along the
 * predecessors toward the target. */
#include "netgraph.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "timeutil.h"
#include "util.h"

#define COST_HALF_ORG (NETGRAPH_COST_ORG / 2)
#define NONE          SIZE_MAX

static const char *const link_names[_NETGRAPH_LINK_MAX] = {
    [NETGRAPH_MET_VIA] = "met-via", [NETGRAPH_INTRO] = "introduced",
    [NETGRAPH_ORG] = "same-org",    [NETGRAPH_VIA] = "can-introduce",
    [NETGRAPH_KNOWS] = "knows",     [NETGRAPH_INTRO_BY] = "introduced-by",
};

const char *netgraph_link_to_string(enum netgraph_link l)
{
        if (l < 0 || l >= _NETGRAPH_LINK_MAX)
                return NULL;
        return link_names[l];
}

struct adj {
        size_t to;
        enum netgraph_link kind;
        bool forward; /* for MET_VIA: this person introduced `to` */
        int strength;
        uint64_t by;
        const char *note;
};

struct person {
        uint64_t id;
        char *name;
        char *org;
        char *org_key; /* trimmed, lower-cased; NULL = none */
        uint32_t networks;
        bool warm;
        int64_t last_touch;
        int strength;
        bool you_introduced;
        struct adj *adj;
        size_t n_adj, cap_adj;
};

struct netgraph {
        struct person *p;
        size_t n, cap;
        size_t *slots; /* open addressing: id → index + 1, 0 = empty */
        size_t n_slots;
};

struct netgraph *netgraph_new(void)
{
        return calloc(1, sizeof(struct netgraph));
}

void netgraph_free(struct netgraph *g)
{
        if (!g)
                return;
        for (size_t i = 0; i < g->n; i++) {
                free(g->p[i].name);
                free(g->p[i].org);
                free(g->p[i].org_key);
                free(g->p[i].adj);
        }
        free(g->p);
        free(g->slots);
        free(g);
}

static size_t hash_id(uint64_t id, size_t mask)
{
        id ^= id >> 33;
        id *= UINT64_C(0xff51afd7ed558ccd);
        id ^= id >> 33;
        return (size_t)id & mask;
}

static size_t find(const struct netgraph *g, uint64_t id)
{
        if (g->n_slots == 0)
                return NONE;
        for (size_t h = hash_id(id, g->n_slots - 1);; h = (h + 1) & (g->n_slots - 1)) {
                if (g->slots[h] == 0)
                        return NONE;
                if (g->p[g->slots[h] - 1].id == id)
                        return g->slots[h] - 1;
        }
}

static int rehash(struct netgraph *g, size_t n_slots)
{
        size_t *slots = calloc(n_slots, sizeof(size_t));

        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < g->n; i++) {
                size_t h = hash_id(g->p[i].id, n_slots - 1);

                while (slots[h])
                        h = (h + 1) & (n_slots - 1);
                slots[h] = i + 1;
        }
        free(g->slots);
        g->slots = slots;
        g->n_slots = n_slots;
        return 0;
}

static char *org_key(const char *org)
{
        size_t len;
        char *k;

        if (!org)
                return NULL;
        while (*org == ' ' || *org == '\t')
                org++;
        len = strlen(org);
        while (len > 0 && (org[len - 1] == ' ' || org[len - 1] == '\t'))
                len--;
        if (len == 0)
                return NULL;
        k = strndup(org, len);
        return k ? ascii_strlower(k) : NULL;
}

int netgraph_add_person(struct netgraph *g, const struct netgraph_person *in)
{
        struct person p = {.id = in->id,
                           .networks = in->networks,
                           .warm = in->warm,
                           .last_touch = in->last_touch,
                           .strength = in->strength};
        int r;

        if (find(g, in->id) != NONE)
                return -EEXIST;
        if ((g->n + 1) * 2 > g->n_slots) {
                r = rehash(g, g->n_slots ? g->n_slots * 2 : 64);
                if (r < 0)
                        return r;
        }
        if (g->n == g->cap) {
                size_t cap = g->cap ? g->cap * 2 : 32;
                struct person *v = reallocarray(g->p, cap, sizeof(struct person));

                if (!v)
                        return -ENOMEM;
                g->p = v;
                g->cap = cap;
        }
        p.name = strdup(strempty(in->name));
        p.org = in->org && *in->org ? strdup(in->org) : NULL;
        p.org_key = org_key(in->org);
        if (!p.name || (in->org && *in->org &&
                        (!p.org || (!p.org_key && strspn(in->org, " \t") != strlen(in->org))))) {
                free(p.name);
                free(p.org);
                free(p.org_key);
                return -ENOMEM;
        }
        g->p[g->n++] = p;
        {
                size_t h = hash_id(in->id, g->n_slots - 1);

                while (g->slots[h])
                        h = (h + 1) & (g->n_slots - 1);
                g->slots[h] = g->n;
        }
        return 0;
}

static int adj_push(struct person *p, struct adj a)
{
        for (size_t i = 0; i < p->n_adj; i++)
                if (p->adj[i].to == a.to && p->adj[i].kind == a.kind &&
                    p->adj[i].forward == a.forward) {
                        if (a.strength > p->adj[i].strength)
                                p->adj[i] = a; /* the stronger of two records */
                        return 0;
                }
        if (p->n_adj == p->cap_adj) {
                size_t cap = p->cap_adj ? p->cap_adj * 2 : 4;
                struct adj *v = reallocarray(p->adj, cap, sizeof(struct adj));

                if (!v)
                        return -ENOMEM;
                p->adj = v;
                p->cap_adj = cap;
        }
        p->adj[p->n_adj++] = a;
        return 0;
}

int netgraph_add_tie(struct netgraph *g, uint64_t a, uint64_t b, enum netgraph_link kind,
                     int strength, uint64_t by, const char *note)
{
        size_t ia = find(g, a), ib = find(g, b);
        int r;

        if (kind == NETGRAPH_ORG || kind < 0 || kind >= _NETGRAPH_LINK_MAX || strength < 0 ||
            strength > 100)
                return -EINVAL;
        if (ia == NONE || ib == NONE)
                return -ENOENT;
        if (ia == ib)
                return -EINVAL;
        r = adj_push(&g->p[ia], (struct adj){.to = ib,
                                             .kind = kind,
                                             .forward = true,
                                             .strength = strength,
                                             .by = by,
                                             .note = note});
        if (r < 0)
                return r;
        r = adj_push(&g->p[ib], (struct adj){.to = ia,
                                             .kind = kind,
                                             .forward = false,
                                             .strength = strength,
                                             .by = by,
                                             .note = note});
        if (r < 0)
                return r;
        if (kind == NETGRAPH_INTRO)
                g->p[ia].you_introduced = g->p[ib].you_introduced = true;
        return 0;
}

int netgraph_add_edge(struct netgraph *g, uint64_t a, uint64_t b, enum netgraph_link kind)
{
        return netgraph_add_tie(g, a, b, kind, NETGRAPH_LINK_STRENGTH, 0, NULL);
}

/* The hop from you: their strength; someone you introduced is at least medium; anyone you have
 * been in touch with is a tie, however faded (1). 0: no tie. */
static int you_strength(const struct person *p)
{
        int s = p->strength;

        if (p->you_introduced && s < NETGRAPH_YOU_INTRODUCED)
                s = NETGRAPH_YOU_INTRODUCED;
        if (p->warm && s < 1)
                s = 1;
        return s;
}

const char *netgraph_name(const struct netgraph *g, uint64_t id)
{
        size_t i = find(g, id);

        return i == NONE ? NULL : g->p[i].name;
}

/* ---- organisations as nodes ---- */

struct orgs {
        size_t *of;      /* person index → org node (0..n_orgs-1) or NONE */
        size_t *members; /* person indices grouped by org */
        size_t *start;   /* org → first member position; start[n_orgs] = end */
        size_t n_orgs;
};

static void orgs_done(struct orgs *o)
{
        free(o->of);
        free(o->members);
        free(o->start);
}

static int by_org(const void *a, const void *b, void *userdata)
{
        const struct netgraph *g = userdata;
        const struct person *x = &g->p[*(const size_t *)a];
        const struct person *y = &g->p[*(const size_t *)b];
        int c = strcmp(x->org_key, y->org_key);

        if (c)
                return c;
        return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int orgs_build(const struct netgraph *g, struct orgs *o)
{
        size_t m = 0;

        *o = (struct orgs){0};
        o->of = malloc((g->n + 1) * sizeof(size_t));
        o->members = malloc((g->n + 1) * sizeof(size_t));
        o->start = malloc((g->n + 2) * sizeof(size_t));
        if (!o->of || !o->members || !o->start)
                return -ENOMEM;
        for (size_t i = 0; i < g->n; i++) {
                o->of[i] = NONE;
                if (g->p[i].org_key)
                        o->members[m++] = i;
        }
        qsort_r(o->members, m, sizeof(size_t), by_org, (void *)g);
        for (size_t k = 0; k < m; k++) {
                size_t i = o->members[k];

                if (k == 0 || !streq(g->p[i].org_key, g->p[o->members[k - 1]].org_key))
                        o->start[o->n_orgs++] = k;
                o->of[i] = o->n_orgs - 1;
        }
        o->start[o->n_orgs] = m;
        return 0;
}

/* ---- Dijkstra ---- */

struct heap_item {
        unsigned cost;
        size_t node;
};

struct heap {
        struct heap_item *v;
        size_t n, cap;
};

static bool item_less(struct heap_item a, struct heap_item b)
{
        return a.cost < b.cost || (a.cost == b.cost && a.node < b.node);
}

static int heap_push(struct heap *h, struct heap_item it)
{
        size_t i;

        if (h->n == h->cap) {
                size_t cap = h->cap ? h->cap * 2 : 64;
                struct heap_item *v = reallocarray(h->v, cap, sizeof(struct heap_item));

                if (!v)
                        return -ENOMEM;
                h->v = v;
                h->cap = cap;
        }
        i = h->n++;
        h->v[i] = it;
        while (i > 0 && item_less(h->v[i], h->v[(i - 1) / 2])) {
                struct heap_item t = h->v[i];

                h->v[i] = h->v[(i - 1) / 2];
                h->v[(i - 1) / 2] = t;
                i = (i - 1) / 2;
        }
        return 0;
}

static struct heap_item heap_pop(struct heap *h)
{
        struct heap_item top = h->v[0];
        size_t i = 0;

        h->v[0] = h->v[--h->n];
        for (;;) {
                size_t l = 2 * i + 1, r = l + 1, m = i;

                if (l < h->n && item_less(h->v[l], h->v[m]))
                        m = l;
                if (r < h->n && item_less(h->v[r], h->v[m]))
                        m = r;
                if (m == i)
                        break;
                struct heap_item t = h->v[i];
                h->v[i] = h->v[m];
                h->v[m] = t;
                i = m;
        }
        return top;
}

struct search {
        unsigned *cost; /* the label as one number: (101 - weakest) * 32 + hops; lower is better */
        unsigned *hops;
        int *weakest;
        size_t *pred;
        enum netgraph_link *pred_kind; /* link from this node toward pred */
        bool *pred_introducer;         /* MET_VIA: this node introduced pred */
        int *pred_strength;
        uint64_t *pred_by;
        const char **pred_note;
        bool *done;
};

static void search_done(struct search *s)
{
        free(s->cost);
        free(s->hops);
        free(s->weakest);
        free(s->pred);
        free(s->pred_kind);
        free(s->pred_introducer);
        free(s->pred_strength);
        free(s->pred_by);
        free(s->pred_note);
        free(s->done);
}

static unsigned label(int weakest, unsigned hops)
{
        return (unsigned)(101 - weakest) * 32 + hops;
}

static int relax(struct heap *h, struct search *s, size_t from, size_t to, const struct adj *a,
                 unsigned hops, enum netgraph_link kind, bool introducer)
{
        int strength = a ? a->strength : NETGRAPH_ORG_STRENGTH;
        int w = s->weakest[from] < strength ? s->weakest[from] : strength;
        unsigned c = label(w, hops);

        if (hops > NETGRAPH_MAX_HOPS || s->done[to] || c >= s->cost[to])
                return 0;
        s->cost[to] = c;
        s->hops[to] = hops;
        s->weakest[to] = w;
        s->pred[to] = from;
        s->pred_kind[to] = kind;
        s->pred_introducer[to] = introducer;
        s->pred_strength[to] = strength;
        s->pred_by[to] = a ? a->by : 0;
        s->pred_note[to] = a ? a->note : NULL;
        return heap_push(h, (struct heap_item){c, to});
}

static int dijkstra(const struct netgraph *g, const struct orgs *o, size_t target, struct search *s)
{
        size_t total = g->n + o->n_orgs;
        struct heap h = {0};
        int r = 0;

        s->cost = malloc(total * sizeof(unsigned));
        s->hops = calloc(total, sizeof(unsigned));
        s->weakest = calloc(total, sizeof(int));
        s->pred = malloc(total * sizeof(size_t));
        s->pred_kind = calloc(total, sizeof(enum netgraph_link));
        s->pred_introducer = calloc(total, sizeof(bool));
        s->pred_strength = calloc(total, sizeof(int));
        s->pred_by = calloc(total, sizeof(uint64_t));
        s->pred_note = calloc(total, sizeof(const char *));
        s->done = calloc(total, sizeof(bool));
        if (!s->cost || !s->hops || !s->weakest || !s->pred || !s->pred_kind ||
            !s->pred_introducer || !s->pred_strength || !s->pred_by || !s->pred_note || !s->done)
                return -ENOMEM;
        for (size_t i = 0; i < total; i++) {
                s->cost[i] = UINT32_MAX;
                s->pred[i] = NONE;
        }
        s->cost[target] = 0;
        s->weakest[target] = 100;
        r = heap_push(&h, (struct heap_item){0, target});
        while (r >= 0 && h.n > 0) {
                struct heap_item it = heap_pop(&h);
                size_t u = it.node;

                if (s->done[u] || it.cost != s->cost[u])
                        continue;
                s->done[u] = true;
                if (u < g->n) {
                        const struct person *p = &g->p[u];

                        for (size_t k = 0; r >= 0 && k < p->n_adj; k++)
                                /* The chain is read from `to` toward u: `to` introduced u
                                 * exactly when u did not introduce `to`. */
                                r = relax(&h, s, u, p->adj[k].to, &p->adj[k], s->hops[u] + 1,
                                          p->adj[k].kind, !p->adj[k].forward);
                        if (r >= 0 && o->of[u] != NONE)
                                r = relax(&h, s, u, g->n + o->of[u], NULL, s->hops[u], NETGRAPH_ORG,
                                          false);
                } else {
                        size_t org = u - g->n;

                        for (size_t k = o->start[org]; r >= 0 && k < o->start[org + 1]; k++)
                                r = relax(&h, s, u, o->members[k], NULL, s->hops[u] + 1,
                                          NETGRAPH_ORG, false);
                }
        }
        free(h.v);
        return r;
}

void netgraph_chains_free(struct netgraph_chain *c, size_t n)
{
        for (size_t i = 0; c && i < n; i++)
                free(c[i].hops);
        free(c);
}

static int chain_cmp(const void *a, const void *b)
{
        const struct netgraph_chain *x = a, *y = b;

        if (x->weakest != y->weakest)
                return x->weakest > y->weakest ? -1 : 1;
        if (x->n != y->n)
                return x->n < y->n ? -1 : 1;
        return x->hops[0].id < y->hops[0].id ? -1 : x->hops[0].id > y->hops[0].id;
}

/* Read the chain from person start back to the target. */
static int chain_read(const struct netgraph *g, const struct orgs *o, const struct search *s,
                      size_t start, size_t target, struct netgraph_chain *ret)
{
        struct netgraph_hop *hops = calloc(NETGRAPH_MAX_HOPS + 1, sizeof(struct netgraph_hop));
        size_t n = 0, u = start;
        int you = you_strength(&g->p[start]);

        if (!hops)
                return -ENOMEM;
        while (u != target) {
                size_t next = s->pred[u];
                struct netgraph_hop hop = {.id = g->p[u].id,
                                           .link = s->pred_kind[u],
                                           .introducer = s->pred_introducer[u],
                                           .strength = s->pred_strength[u],
                                           .by = s->pred_by[u],
                                           .note = s->pred_note[u]};

                if (next >= g->n) { /* through an organisation node */
                        hop.link = NETGRAPH_ORG;
                        hop.org = g->p[o->members[o->start[next - g->n]]].org;
                        next = s->pred[next];
                }
                if (n >= NETGRAPH_MAX_HOPS || next == NONE) { /* cannot happen: bounded search */
                        free(hops);
                        return -EINVAL;
                }
                hops[n++] = hop;
                u = next;
        }
        hops[n++] = (struct netgraph_hop){.id = g->p[target].id};
        *ret = (struct netgraph_chain){
            .hops = hops,
            .n = n,
            .you_strength = you,
            .you_introduced = g->p[start].you_introduced,
            .weakest = you < s->weakest[start] ? you : s->weakest[start],
        };
        return 0;
}

/* Whether chain c passes someone whose own chain is at least as strong: ask them directly. */
static bool dominated(const struct netgraph *g, const struct netgraph_chain *c, const int *best_of)
{
        for (size_t k = 1; k + 1 < c->n; k++) {
                size_t i = find(g, c->hops[k].id);

                if (i != NONE && best_of[i] >= c->weakest)
                        return true;
        }
        return false;
}

int netgraph_paths(const struct netgraph *g, uint64_t target, int64_t now, size_t limit,
                   struct netgraph_chain **ret, size_t *ret_n)
{
        _cleanup_(orgs_done) struct orgs o = {0};
        _cleanup_(search_done) struct search s = {0};
        _cleanup_free_ int *best_of = NULL;
        struct netgraph_chain *chains = NULL;
        size_t t = find(g, target), n = 0, kept = 0;
        int r;

        (void)now;
        if (t == NONE)
                return -ENOENT;
        r = orgs_build(g, &o);
        if (r < 0)
                return r;
        r = dijkstra(g, &o, t, &s);
        if (r < 0)
                return r;
        chains = calloc(g->n ? g->n : 1, sizeof(struct netgraph_chain));
        best_of = malloc((g->n ? g->n : 1) * sizeof(int));
        if (!chains || !best_of) {
                free(chains);
                return -ENOMEM;
        }
        for (size_t i = 0; i < g->n; i++) {
                best_of[i] = -1;
                if (i == t || you_strength(&g->p[i]) <= 0 || s.cost[i] == UINT32_MAX)
                        continue;
                r = chain_read(g, &o, &s, i, t, &chains[n]);
                if (r < 0) {
                        netgraph_chains_free(chains, n);
                        return r;
                }
                best_of[i] = chains[n].weakest;
                n++;
        }
        for (size_t i = 0; i < n; i++) {
                if (dominated(g, &chains[i], best_of)) {
                        free(chains[i].hops);
                        continue;
                }
                chains[kept++] = chains[i];
        }
        n = kept;
        if (n > 0)
                qsort_safe(chains, n, sizeof(struct netgraph_chain), chain_cmp);
        if (limit && n > limit) {
                for (size_t i = limit; i < n; i++)
                        free(chains[i].hops);
                n = limit;
        }
        *ret = chains;
        *ret_n = n;
        return 0;
}

/* ---- DOT ---- */

static const char *const network_colors[_NETWORK_MAX] = {
    [NETWORK_OPERATIONAL] = "#8db3e2",
    [NETWORK_PERSONAL] = "#a9d18e",
    [NETWORK_STRATEGIC] = "#f4b183",
};

/* Text inside a DOT double-quoted string: backslashes and quotes escaped, line breaks as
 * spaces (names are single-line text anyway). */
static void dot_escaped(FILE *f, const char *s)
{
        for (; *s; s++) {
                if (*s == '"' || *s == '\\')
                        fputc('\\', f);
                fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
        }
}

static bool included(const struct person *p, uint32_t networks)
{
        return networks == 0 || (p->networks & networks) != 0;
}

static void dot_person(FILE *f, const struct person *p)
{
        size_t colours = 0;

        /* Sized by strength: a never-touched person is the smallest box. */
        fprintf(f, "  \"c%llu\" [label=\"", (unsigned long long)p->id);
        dot_escaped(f, p->name);
        if (p->org) {
                fputs("\\n", f);
                dot_escaped(f, p->org);
        }
        fprintf(f, "\", fontsize=%d, penwidth=%.1f", 10 + p->strength / 10,
                1.0 + p->strength / 25.0);
        for (int k = 0; k < _NETWORK_MAX; k++)
                if (p->networks & (1u << k))
                        colours++;
        if (colours == 1) {
                for (int k = 0; k < _NETWORK_MAX; k++)
                        if (p->networks & (1u << k))
                                fprintf(f, ", fillcolor=\"%s\"", network_colors[k]);
        } else if (colours > 1) {
                const char *sep = "";

                fputs(", style=striped, fillcolor=\"", f);
                for (int k = 0; k < _NETWORK_MAX; k++)
                        if (p->networks & (1u << k)) {
                                fprintf(f, "%s%s", sep, network_colors[k]);
                                sep = ":";
                        }
                fputc('"', f);
        }
        fputs("];\n", f);
}

int netgraph_dot(const struct netgraph *g, uint32_t networks, bool only_linked, char **ret)
{
        _cleanup_(orgs_done) struct orgs o = {0};
        _cleanup_free_ bool *shown = NULL;
        char *buf = NULL;
        size_t len = 0;
        FILE *f;
        int r;

        r = orgs_build(g, &o);
        if (r < 0)
                return r;
        shown = calloc(g->n + 1, sizeof(bool));
        if (!shown)
                return -ENOMEM;
        for (size_t i = 0; i < g->n; i++) {
                const struct person *p = &g->p[i];
                bool linked = false;

                if (!included(p, networks))
                        continue;
                for (size_t k = 0; !linked && k < p->n_adj; k++)
                        linked = included(&g->p[p->adj[k].to], networks);
                shown[i] = linked || !only_linked;
        }
        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        fputs("digraph tend {\n"
              "  graph [rankdir=LR, overlap=false, fontname=\"sans-serif\", label=\"operational: "
              "blue · personal: green · strategic: orange · bigger: a stronger tie\", "
              "labelloc=b, fontsize=10];\n"
              "  node [shape=box, style=filled, fillcolor=\"#eeeeee\", fontname=\"sans-serif\"];\n"
              "  edge [fontname=\"sans-serif\", fontsize=9];\n"
              "  \"you\" [label=\"you\", shape=ellipse, fillcolor=\"#ffe699\", fontsize=16];\n",
              f);
        /* People without an organisation, then one cluster per organisation. */
        for (size_t i = 0; i < g->n; i++)
                if (shown[i] && o.of[i] == NONE)
                        dot_person(f, &g->p[i]);
        for (size_t k = 0; k < o.n_orgs; k++) {
                bool any = false;

                for (size_t m = o.start[k]; m < o.start[k + 1]; m++)
                        any |= shown[o.members[m]];
                if (!any)
                        continue;
                fprintf(f, "  subgraph \"cluster_%zu\" {\n    label=\"", k);
                dot_escaped(f, g->p[o.members[o.start[k]]].org);
                fputs("\"; style=rounded; color=\"#999999\";\n", f);
                for (size_t m = o.start[k]; m < o.start[k + 1]; m++)
                        if (shown[o.members[m]]) {
                                fputs("  ", f);
                                dot_person(f, &g->p[o.members[m]]);
                        }
                fputs("  }\n", f);
        }
        for (size_t i = 0; i < g->n; i++) {
                int ys = you_strength(&g->p[i]);

                if (!shown[i] || ys <= 0)
                        continue;
                fprintf(f,
                        "  \"you\" -> \"c%llu\" [dir=none, color=\"#bbbbbb\", penwidth=%.1f, "
                        "tooltip=\"strength %d\"];\n",
                        (unsigned long long)g->p[i].id, 0.5 + ys / 25.0, ys);
        }
        for (size_t i = 0; i < g->n; i++) {
                const struct person *p = &g->p[i];

                if (!shown[i])
                        continue;
                for (size_t k = 0; k < p->n_adj; k++) {
                        const struct adj *a = &p->adj[k];
                        const struct person *q = &g->p[a->to];
                        unsigned long long x = p->id, y = q->id;

                        if (!a->forward || !shown[a->to])
                                continue;
                        switch (a->kind) {
                        case NETGRAPH_MET_VIA:
                                fprintf(f, "  \"c%llu\" -> \"c%llu\" [label=\"introduced you\"];\n",
                                        x, y);
                                break;
                        case NETGRAPH_VIA:
                                fprintf(f,
                                        "  \"c%llu\" -> \"c%llu\" [style=dotted, "
                                        "label=\"can introduce you\"];\n",
                                        x, y);
                                break;
                        case NETGRAPH_KNOWS:
                                fprintf(f,
                                        "  \"c%llu\" -> \"c%llu\" [dir=none, style=dotted, "
                                        "penwidth=%.1f, label=\"knows\"];\n",
                                        x, y, 0.5 + a->strength / 25.0);
                                break;
                        case NETGRAPH_INTRO_BY: {
                                size_t b = a->by ? find(g, a->by) : NONE;

                                fprintf(f,
                                        "  \"c%llu\" -> \"c%llu\" [dir=none, style=dashed, "
                                        "label=\"introduced by ",
                                        x, y);
                                dot_escaped(f, b != NONE ? g->p[b].name : "someone");
                                fputs("\"];\n", f);
                                break;
                        }
                        default:
                                fprintf(f,
                                        "  \"c%llu\" -> \"c%llu\" [dir=none, style=dashed, "
                                        "label=\"you introduced\"];\n",
                                        x, y);
                                break;
                        }
                }
        }
        fputs("}\n", f);
        if (fclose(f) != 0 || !buf) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}
