/* The graph of the people you know: who introduced whom (met via), the introductions you made,
 * and shared organisations. Finds warm paths — the shortest chains of people you know that lead
 * to someone — and draws the graph as Graphviz DOT. Pure computation: the caller adds people and
 * edges loaded from the store. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum netgraph_link {
        NETGRAPH_MET_VIA, /* a introduced you to b */
        NETGRAPH_INTRO,   /* you introduced a and b */
        NETGRAPH_ORG,     /* both at the same organisation */
        NETGRAPH_KNOWS,   /* a knows b: the person you plan to meet b through (prospect --via) */
        _NETGRAPH_LINK_MAX,
};

/** "met-via", "introduced", "same-org", "knows". */
const char *netgraph_link_to_string(enum netgraph_link l);

struct netgraph_person {
        uint64_t id;
        const char *name;   /* copied */
        const char *org;    /* copied; NULL = none */
        uint32_t networks;  /* bit mask of 1u << enum network */
        bool warm;          /* you have a relationship: someone you can ask */
        int64_t last_touch; /* 0 = never */
};

struct netgraph;

/** A new empty graph, or NULL when out of memory. */
struct netgraph *netgraph_new(void);
void netgraph_free(struct netgraph *g);
static inline void netgraph_freep(struct netgraph **g)
{
        netgraph_free(*g);
}

/** Add a person (ids unique; a repeated id is -EEXIST). Returns 0 or -errno. */
int netgraph_add_person(struct netgraph *g, const struct netgraph_person *p);

/** Add an edge between two people added before (-ENOENT otherwise; a == b is -EINVAL). For
 * NETGRAPH_MET_VIA, a is the introducer. Organisations need no edges: people whose org matches
 * (trimmed, case-insensitive) are linked automatically. */
int netgraph_add_edge(struct netgraph *g, uint64_t a, uint64_t b, enum netgraph_link kind);

/* Path costs: a met-via or introduction link costs LINK, a shared organisation ORG (weaker);
 * the first person's coldness adds up to 3 (never touched). At most NETGRAPH_MAX_HOPS links. */
#define NETGRAPH_COST_LINK 4
#define NETGRAPH_COST_ORG  6
#define NETGRAPH_MAX_HOPS  4

struct netgraph_hop {
        uint64_t id;             /* a person */
        enum netgraph_link link; /* how they connect to the next person in the chain */
        bool introducer;         /* NETGRAPH_MET_VIA: they introduced you to the next person
                                  * (false: the next person introduced you to them) */
        const char *org;         /* for NETGRAPH_ORG: the organisation, as first written */
};

struct netgraph_chain {
        struct netgraph_hop *hops; /* from the warm person you would ask to the target */
        size_t n;                  /* people in the chain, target included (>= 2) */
        unsigned cost;
};

/** Warm paths to target, best first: for every warm person other than the target, their
 * cheapest chain of at most NETGRAPH_MAX_HOPS links to the target, ranked by cost (links plus
 * how cold the first person is), then fewer links, then id. Chains through another warm person
 * are left out (ask that person directly). At most limit chains (0 = all). Returns 0 with an
 * array to free with netgraph_chains_free, -ENOENT when target is unknown, or -ENOMEM. */
int netgraph_paths(const struct netgraph *g, uint64_t target, int64_t now, size_t limit,
                   struct netgraph_chain **ret, size_t *ret_n);

void netgraph_chains_free(struct netgraph_chain *c, size_t n);

/** The name of person id, or NULL. */
const char *netgraph_name(const struct netgraph *g, uint64_t id);

/** Graphviz DOT of the people in networks (bit mask; 0 = everyone), coloured by network, with
 * met-via edges (arrows from the introducer) and your introductions (dashed, no arrow). With
 * only_linked, people without any edge are left out. Returns 0 with a heap string, or -ENOMEM. */
int netgraph_dot(const struct netgraph *g, uint32_t networks, bool only_linked, char **ret);
