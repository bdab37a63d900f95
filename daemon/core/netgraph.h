/* The graph of the people you know: who introduced whom (met via), the introductions you and
 * others made, who knows whom, and shared organisations. Finds warm paths — chains from you
 * through people you know to someone — and draws the graph as Graphviz DOT. Pure computation:
 * the caller adds people and edges loaded from the store.
 *
 * Every hop has a strength 0..100 (strength.h). The first hop, from you, is the person's tie
 * strength; someone you introduced to another is your own direct tie, at least medium. A hop
 * between two contacts (met via, an introduction, a recorded tie, a go-between) is medium
 * unless its strength was given; a shared organisation is weak. A chain is as strong as its
 * weakest hop: chains rank by that, then by fewer hops. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum netgraph_link {
        NETGRAPH_MET_VIA,  /* a introduced you to b */
        NETGRAPH_INTRO,    /* you introduced a and b */
        NETGRAPH_ORG,      /* both at the same organisation */
        NETGRAPH_VIA,      /* a can introduce you to b: a prospect's go-between (prospect --via) */
        NETGRAPH_KNOWS,    /* a and b know each other (tend knows) */
        NETGRAPH_INTRO_BY, /* someone else (by) introduced a and b (tend intro --by) */
        _NETGRAPH_LINK_MAX,
};

/** "met-via", "introduced", "same-org", "can-introduce", "knows", "introduced-by". */
const char *netgraph_link_to_string(enum netgraph_link l);

struct netgraph_person {
        uint64_t id;
        const char *name;   /* copied */
        const char *org;    /* copied; NULL = none */
        uint32_t networks;  /* bit mask of 1u << enum network */
        bool warm;          /* you have a relationship: someone you can ask */
        int64_t last_touch; /* 0 = never */
        int strength;       /* tie strength 0..100 */
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

/** Add an edge of medium strength between two people added before (-ENOENT otherwise; a == b
 * is -EINVAL). For NETGRAPH_MET_VIA, a is the introducer. Organisations need no edges: people
 * whose org matches (trimmed, case-insensitive) are linked automatically. */
int netgraph_add_edge(struct netgraph *g, uint64_t a, uint64_t b, enum netgraph_link kind);

/** The same with the hop's strength (0..100), for NETGRAPH_INTRO_BY who made the
 * introduction (0 = unknown), and the record's note (borrowed: it must outlive g; NULL =
 * none). NETGRAPH_INTRO makes a and b your direct ties. */
int netgraph_add_tie(struct netgraph *g, uint64_t a, uint64_t b, enum netgraph_link kind,
                     int strength, uint64_t by, const char *note);

#define NETGRAPH_MAX_HOPS       4  /* links between contacts in a chain, the hop from you aside */
#define NETGRAPH_LINK_STRENGTH  50 /* a hop between two contacts when not given: medium */
#define NETGRAPH_ORG_STRENGTH   20 /* a shared organisation: weak */
#define NETGRAPH_YOU_INTRODUCED 50 /* someone you introduced is at least a medium tie */

struct netgraph_hop {
        uint64_t id;             /* a person */
        enum netgraph_link link; /* how they connect to the next person in the chain */
        bool introducer;         /* NETGRAPH_MET_VIA: they introduced you to the next person
                                  * (false: the next person introduced you to them) */
        const char *org;         /* for NETGRAPH_ORG: the organisation, as first written */
        int strength;            /* of the link to the next person */
        uint64_t by;             /* NETGRAPH_INTRO_BY: who introduced them, 0 = unknown */
        const char *note;        /* the note of the record behind the link, or NULL */
};

struct netgraph_chain {
        struct netgraph_hop *hops; /* from the person you would ask to the target */
        size_t n;                  /* people in the chain, target included (>= 2) */
        int you_strength;          /* the hop from you to the first person */
        bool you_introduced;       /* the first person is someone you introduced */
        int weakest;               /* the weakest hop, the one from you included */
};

/** Warm paths to target, best first: for everyone you have a tie with (touched, or whom you
 * introduced) other than the target, their strongest chain of at most NETGRAPH_MAX_HOPS links
 * to the target, ranked by the weakest hop (from you included), then fewer hops, then id. A
 * chain through someone whose own chain is at least as strong is left out (ask them directly).
 * At most limit chains (0 = all). Returns 0 with an array to free with netgraph_chains_free,
 * -ENOENT when target is unknown, or -ENOMEM. */
int netgraph_paths(const struct netgraph *g, uint64_t target, int64_t now, size_t limit,
                   struct netgraph_chain **ret, size_t *ret_n);

void netgraph_chains_free(struct netgraph_chain *c, size_t n);

/** The name of person id, or NULL. */
const char *netgraph_name(const struct netgraph *g, uint64_t id);

/** Graphviz DOT of the people in networks (bit mask; 0 = everyone): a "you" node with an edge
 * to everyone you have a tie with (thicker for stronger ties), people sized by strength and
 * coloured by network, grouped in one cluster per organisation, with met-via edges (arrows
 * from the introducer), your introductions (dashed, no arrow), introductions others made,
 * recorded ties and go-betweens (dotted). With only_linked, people without any edge between
 * contacts are left out. Returns 0 with a heap string, or -ENOMEM. */
int netgraph_dot(const struct netgraph *g, uint32_t networks, bool only_linked, char **ret);
