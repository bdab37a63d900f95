/* Warm paths and DOT on small hand-checked networks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "netgraph.h"
#include "timeutil.h"

#define NOW    (1000 * DURATION_DAY)
#define AGO(d) (NOW - (d)*DURATION_DAY)

static void add(struct netgraph *g, uint64_t id, const char *name, const char *org, bool warm,
                int64_t last, uint32_t networks, int strength)
{
        struct netgraph_person p = {.id = id,
                                    .name = name,
                                    .org = org,
                                    .warm = warm,
                                    .last_touch = last,
                                    .networks = networks,
                                    .strength = strength};

        assert_int_equal(netgraph_add_person(g, &p), 0);
}

/* 1 Ann (strength 60, Acme) introduced you to 2 Bob (cold, Globex); 3 Tara (target, Globex);
 * 4 Cara (faded to 5, " globex "); 5 Dan (80) whom you introduced to 6 Eve (never touched),
 * who introduced you to Tara; 7 Finn (70) introduced you to Cara. */
static struct netgraph *sample(void)
{
        struct netgraph *g = netgraph_new();

        assert_non_null(g);
        add(g, 1, "Ann", "Acme", true, AGO(10), 1u << NETWORK_OPERATIONAL, 60);
        add(g, 2, "Bob", "Globex", false, 0, 1u << NETWORK_STRATEGIC, 0);
        add(g, 3, "Tara", "Globex", false, 0, 1u << NETWORK_STRATEGIC, 0);
        add(g, 4, "Cara", " globex ", true, AGO(400), 1u << NETWORK_PERSONAL, 5);
        add(g, 5, "Dan", NULL, true, AGO(5), (1u << NETWORK_PERSONAL) | (1u << NETWORK_STRATEGIC),
            80);
        add(g, 6, "Eve", NULL, false, 0, 0, 0);
        add(g, 7, "Finn", NULL, true, AGO(1), 0, 70);
        assert_int_equal(netgraph_add_edge(g, 1, 2, NETGRAPH_MET_VIA), 0);
        assert_int_equal(netgraph_add_edge(g, 5, 6, NETGRAPH_INTRO), 0);
        assert_int_equal(netgraph_add_edge(g, 6, 3, NETGRAPH_MET_VIA), 0);
        assert_int_equal(netgraph_add_edge(g, 7, 4, NETGRAPH_MET_VIA), 0);
        return g;
}

static void test_paths_ranked(void **state)
{
        struct netgraph *g = sample();
        struct netgraph_chain *c = NULL;
        size_t n = 0;

        assert_int_equal(netgraph_paths(g, 3, NOW, 0, &c, &n), 0);
        /* Eve: you introduced her (a medium tie, 50), she introduced you to Tara (50): weakest
         * 50, two hops. Dan → Eve → Tara is no better and passes Eve: left out (not "Dan →
         * (you introduced them) → Eve → Tara"). Ann → Bob → Tara and Finn → Cara → Tara: the
         * shared organisation is weak (20). Cara herself: her faded tie (5) is the weakest
         * hop, so the longer chain through Finn ranks before her. */
        assert_int_equal(n, 4);
        assert_int_equal(c[0].hops[0].id, 6);
        assert_int_equal(c[0].weakest, 50);
        assert_int_equal(c[0].you_strength, 50);
        assert_true(c[0].you_introduced);
        assert_int_equal(c[0].n, 2);
        assert_int_equal(c[0].hops[0].link, NETGRAPH_MET_VIA);
        assert_true(c[0].hops[0].introducer); /* Eve introduced you to Tara */
        assert_int_equal(c[0].hops[0].strength, 50);

        assert_int_equal(c[1].hops[0].id, 1);
        assert_int_equal(c[1].weakest, 20);
        assert_int_equal(c[1].you_strength, 60);
        assert_int_equal(c[1].n, 3);
        assert_true(c[1].hops[0].introducer); /* Ann introduced you to Bob */
        assert_int_equal(c[1].hops[1].id, 2);
        assert_int_equal(c[1].hops[1].link, NETGRAPH_ORG);
        assert_string_equal(c[1].hops[1].org, "Globex");
        assert_int_equal(c[1].hops[1].strength, NETGRAPH_ORG_STRENGTH);

        assert_int_equal(c[2].hops[0].id, 7);
        assert_int_equal(c[2].weakest, 20);
        assert_int_equal(c[3].hops[0].id, 4);
        assert_int_equal(c[3].weakest, 5);
        assert_int_equal(c[3].n, 2);
        netgraph_chains_free(c, n);

        assert_int_equal(netgraph_paths(g, 3, NOW, 1, &c, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(c[0].hops[0].id, 6);
        netgraph_chains_free(c, n);

        assert_int_equal(netgraph_paths(g, 99, NOW, 0, &c, &n), -ENOENT);
        netgraph_free(g);
}

/* Weakest hop first, then fewer hops: a strong three-hop chain beats a weak direct one, and of
 * two equally strong chains the shorter wins. */
static void test_weakest_then_hops(void **state)
{
        struct netgraph *g = netgraph_new();
        struct netgraph_chain *c = NULL;
        size_t n = 0;

        add(g, 1, "Target", NULL, false, 0, 0, 0);
        add(g, 2, "Weak direct", NULL, true, AGO(300), 0, 10);
        add(g, 3, "Strong", NULL, true, AGO(1), 0, 90);
        add(g, 4, "Middle", NULL, false, 0, 0, 0);
        add(g, 5, "Also strong", NULL, true, AGO(1), 0, 90);
        assert_int_equal(netgraph_add_tie(g, 2, 1, NETGRAPH_KNOWS, 85, 0, NULL), 0);
        assert_int_equal(netgraph_add_tie(g, 3, 4, NETGRAPH_KNOWS, 85, 0, NULL), 0);
        assert_int_equal(netgraph_add_tie(g, 4, 1, NETGRAPH_KNOWS, 85, 0, NULL), 0);
        assert_int_equal(netgraph_add_tie(g, 5, 1, NETGRAPH_KNOWS, 85, 0, NULL), 0);
        assert_int_equal(netgraph_paths(g, 1, NOW, 0, &c, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(c[0].hops[0].id, 5); /* 85, two hops */
        assert_int_equal(c[0].weakest, 85);
        assert_int_equal(c[1].hops[0].id, 3); /* 85, three hops */
        assert_int_equal(c[1].n, 3);
        assert_int_equal(c[2].hops[0].id, 2); /* 10 */
        assert_int_equal(c[2].weakest, 10);
        netgraph_chains_free(c, n);
        assert_int_equal(netgraph_add_tie(g, 1, 1, NETGRAPH_KNOWS, 50, 0, NULL), -EINVAL);
        assert_int_equal(netgraph_add_tie(g, 1, 2, NETGRAPH_KNOWS, 101, 0, NULL), -EINVAL);
        netgraph_free(g);
}

/* Carl introduced Rachel and Mia (tend intro --by): they know each other, and Carl knows both. */
static void test_intro_by_someone_else(void **state)
{
        struct netgraph *g = netgraph_new();
        struct netgraph_chain *c = NULL;
        size_t n = 0;

        add(g, 1, "Ann", NULL, true, AGO(1), 0, 70);
        add(g, 2, "Rachel", NULL, false, 0, 0, 0);
        add(g, 3, "Mia", NULL, false, 0, 0, 0);
        add(g, 4, "Carl", NULL, false, 0, 0, 0);
        assert_int_equal(netgraph_add_tie(g, 2, 3, NETGRAPH_INTRO_BY, 50, 4, NULL), 0);
        assert_int_equal(netgraph_add_tie(g, 4, 2, NETGRAPH_KNOWS, 50, 0, NULL), 0);
        assert_int_equal(netgraph_add_tie(g, 4, 3, NETGRAPH_KNOWS, 50, 0, NULL), 0);
        assert_int_equal(netgraph_add_tie(g, 1, 2, NETGRAPH_KNOWS, 20, 0, NULL), 0);
        assert_int_equal(netgraph_paths(g, 3, NOW, 0, &c, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(c[0].n, 3);
        assert_int_equal(c[0].weakest, 20);
        assert_int_equal(c[0].hops[0].link, NETGRAPH_KNOWS);
        assert_int_equal(c[0].hops[1].id, 2);
        assert_int_equal(c[0].hops[1].link, NETGRAPH_INTRO_BY);
        assert_int_equal(c[0].hops[1].by, 4);
        assert_string_equal(netgraph_link_to_string(NETGRAPH_INTRO_BY), "introduced-by");
        netgraph_chains_free(c, n);
        netgraph_free(g);
}

static void test_hop_bound(void **state)
{
        struct netgraph *g = netgraph_new();
        struct netgraph_chain *c = NULL;
        size_t n = 0;

        add(g, 10, "Start", NULL, true, AGO(1), 0, 50);
        for (uint64_t i = 11; i <= 15; i++)
                add(g, i, "Cold", NULL, false, 0, 0, 0);
        for (uint64_t i = 10; i < 15; i++)
                assert_int_equal(netgraph_add_edge(g, i, i + 1, NETGRAPH_MET_VIA), 0);
        assert_int_equal(netgraph_paths(g, 14, NOW, 0, &c, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(c[0].n, 5); /* four links: the bound */
        netgraph_chains_free(c, n);
        assert_int_equal(netgraph_paths(g, 15, NOW, 0, &c, &n), 0);
        assert_int_equal(n, 0); /* five links: too far */
        netgraph_chains_free(c, n);
        netgraph_free(g);
}

static void test_direction(void **state)
{
        struct netgraph *g = netgraph_new();
        struct netgraph_chain *c = NULL;
        size_t n = 0;

        /* Cold Carl introduced you to warm Wendy; Carl and Tom share an org. */
        add(g, 1, "Wendy", NULL, true, AGO(1), 0, 40);
        add(g, 2, "Carl", "Initech", false, 0, 0, 0);
        add(g, 3, "Tom", "Initech", false, 0, 0, 0);
        assert_int_equal(netgraph_add_edge(g, 2, 1, NETGRAPH_MET_VIA), 0);
        assert_int_equal(netgraph_paths(g, 3, NOW, 0, &c, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(c[0].n, 3);
        assert_int_equal(c[0].hops[0].id, 1);
        assert_int_equal(c[0].hops[0].link, NETGRAPH_MET_VIA);
        assert_false(c[0].hops[0].introducer); /* Carl introduced Wendy, not the reverse */
        assert_int_equal(c[0].hops[1].link, NETGRAPH_ORG);
        assert_int_equal(c[0].weakest, 20);
        netgraph_chains_free(c, n);
        netgraph_free(g);
}

/* A go-between named for a prospect (VIA) is a way in before anyone has met them; a recorded
 * strong tie straight to them is better. */
static void test_knows_edge(void **state)
{
        struct netgraph *g = netgraph_new();
        struct netgraph_chain *c = NULL;
        char *dot = NULL;
        size_t n = 0;

        add(g, 1, "Wendy", NULL, true, AGO(1), 0, 60);
        add(g, 2, "Gil", NULL, false, 0, 0, 0);
        add(g, 3, "Quinn", NULL, false, 0, 0, 0);
        assert_int_equal(netgraph_add_edge(g, 1, 2, NETGRAPH_MET_VIA), 0);
        assert_int_equal(netgraph_paths(g, 3, NOW, 0, &c, &n), 0);
        assert_int_equal(n, 0);
        netgraph_chains_free(c, n); /* an empty array is still one to free */
        c = NULL;
        assert_int_equal(netgraph_add_edge(g, 2, 3, NETGRAPH_VIA), 0);
        assert_int_equal(netgraph_paths(g, 3, NOW, 0, &c, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(c[0].n, 3);
        assert_int_equal(c[0].hops[1].id, 2);
        assert_int_equal(c[0].hops[1].link, NETGRAPH_VIA);
        assert_int_equal(c[0].weakest, 50);
        assert_string_equal(netgraph_link_to_string(NETGRAPH_VIA), "can-introduce");
        netgraph_chains_free(c, n);
        assert_int_equal(netgraph_add_tie(g, 1, 3, NETGRAPH_KNOWS, 85, 0, "climbing"), 0);
        assert_int_equal(netgraph_paths(g, 3, NOW, 0, &c, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(c[0].n, 2);
        assert_string_equal(c[0].hops[0].note, "climbing");
        assert_int_equal(c[0].weakest, 60);
        assert_int_equal(c[0].hops[0].link, NETGRAPH_KNOWS);
        netgraph_chains_free(c, n);
        assert_int_equal(netgraph_dot(g, 0, false, &dot), 0);
        assert_non_null(strstr(dot, "\"c2\" -> \"c3\" [style=dotted"));
        assert_non_null(strstr(dot, "\"c1\" -> \"c3\" [dir=none, style=dotted"));
        free(dot);
        netgraph_free(g);
}

static void test_edges_checked(void **state)
{
        struct netgraph *g = sample();
        struct netgraph_person dup = {.id = 1, .name = "Again"};

        assert_int_equal(netgraph_add_person(g, &dup), -EEXIST);
        assert_int_equal(netgraph_add_edge(g, 1, 1, NETGRAPH_INTRO), -EINVAL);
        assert_int_equal(netgraph_add_edge(g, 1, 42, NETGRAPH_INTRO), -ENOENT);
        assert_int_equal(netgraph_add_edge(g, 1, 2, NETGRAPH_ORG), -EINVAL);
        assert_string_equal(netgraph_name(g, 5), "Dan");
        assert_null(netgraph_name(g, 42));
        netgraph_free(g);
}

static void test_many_people(void **state)
{
        struct netgraph *g = netgraph_new();
        struct netgraph_chain *c = NULL;
        size_t n = 0;

        /* 2000 colleagues at one org: edges stay linear, every warm one reaches the target. */
        for (uint64_t i = 1; i <= 2000; i++)
                add(g, i, "Person", "BigCo", i % 2 == 0, i % 2 == 0 ? AGO(1) : 0, 0,
                    i % 2 == 0 ? 30 : 0);
        assert_int_equal(netgraph_paths(g, 1, NOW, 5, &c, &n), 0);
        assert_int_equal(n, 5);
        assert_int_equal(c[0].hops[0].id, 2);
        assert_int_equal(c[0].weakest, NETGRAPH_ORG_STRENGTH);
        netgraph_chains_free(c, n);
        netgraph_free(g);
}

static void test_dot(void **state)
{
        struct netgraph *g = sample();
        struct netgraph_person q = {.id = 8, .name = "Q \"Quote\" \\", .networks = 0};
        char *dot = NULL;

        assert_int_equal(netgraph_add_person(g, &q), 0);
        assert_int_equal(netgraph_dot(g, 0, false, &dot), 0);
        assert_non_null(strstr(dot, "digraph tend {"));
        /* You, with an edge to everyone you have a tie with (Eve: you introduced her). */
        assert_non_null(strstr(dot, "\"you\" [label=\"you\""));
        assert_non_null(strstr(dot, "\"you\" -> \"c1\" [dir=none"));
        assert_non_null(strstr(dot, "\"you\" -> \"c6\" [dir=none"));
        assert_null(strstr(dot, "\"you\" -> \"c2\""));
        /* Sized by strength, coloured by network, grouped by organisation. */
        assert_non_null(strstr(dot, "\"c1\" [label=\"Ann\\nAcme\", fontsize=16, penwidth=3.4, "
                                    "fillcolor=\"#8db3e2\"];"));
        assert_non_null(strstr(dot, "\"c2\" [label=\"Bob\\nGlobex\", fontsize=10, penwidth=1.0"));
        assert_non_null(strstr(dot, "style=striped, fillcolor=\"#a9d18e:#f4b183\"];"));
        assert_non_null(strstr(dot, "subgraph \"cluster_0\" {\n    label=\"Acme\";"));
        assert_non_null(strstr(dot, "subgraph \"cluster_1\" {\n    label=\"Globex\";"));
        assert_non_null(strstr(dot, "\"c1\" -> \"c2\" [label=\"introduced you\"];"));
        assert_non_null(strstr(dot, "\"c5\" -> \"c6\" [dir=none, style=dashed"));
        assert_non_null(strstr(dot, "label=\"Q \\\"Quote\\\" \\\\\""));
        assert_non_null(strstr(dot, "\"c8\""));
        free(dot);

        /* Strategic only: Bob, Tara, Dan; the Ann → Bob edge is gone with Ann. */
        assert_int_equal(netgraph_dot(g, 1u << NETWORK_STRATEGIC, false, &dot), 0);
        assert_null(strstr(dot, "\"c1\""));
        assert_non_null(strstr(dot, "\"c2\" [label=\"Bob"));
        assert_non_null(strstr(dot, "\"c5\""));
        assert_null(strstr(dot, "\"c2\" ->"));
        free(dot);

        /* Linked only: people without edges (Tara is linked to Eve; Q has none) are left out. */
        assert_int_equal(netgraph_dot(g, 0, true, &dot), 0);
        assert_null(strstr(dot, "\"c8\""));
        assert_non_null(strstr(dot, "\"c3\""));
        free(dot);
        netgraph_free(g);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_paths_ranked),
            cmocka_unit_test(test_weakest_then_hops),
            cmocka_unit_test(test_intro_by_someone_else),
            cmocka_unit_test(test_hop_bound),
            cmocka_unit_test(test_edges_checked),
            cmocka_unit_test(test_direction),
            cmocka_unit_test(test_many_people),
            cmocka_unit_test(test_dot),
            cmocka_unit_test(test_knows_edge),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
