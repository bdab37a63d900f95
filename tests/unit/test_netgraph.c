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
                int64_t last, uint32_t networks)
{
        struct netgraph_person p = {.id = id,
                                    .name = name,
                                    .org = org,
                                    .warm = warm,
                                    .last_touch = last,
                                    .networks = networks};

        assert_int_equal(netgraph_add_person(g, &p), 0);
}

/* 1 Ann (warm, Acme) introduced you to 2 Bob (cold, Globex); 3 Tara (target, Globex);
 * 4 Cara (warm but 400 days cold, " globex "); 5 Dan (warm) whom you introduced to 6 Eve, who
 * introduced you to Tara; 7 Finn (warm) introduced you to Cara. */
static struct netgraph *sample(void)
{
        struct netgraph *g = netgraph_new();

        assert_non_null(g);
        add(g, 1, "Ann", "Acme", true, AGO(10), 1u << NETWORK_OPERATIONAL);
        add(g, 2, "Bob", "Globex", false, 0, 1u << NETWORK_STRATEGIC);
        add(g, 3, "Tara", "Globex", false, 0, 1u << NETWORK_STRATEGIC);
        add(g, 4, "Cara", " globex ", true, AGO(400), 1u << NETWORK_PERSONAL);
        add(g, 5, "Dan", NULL, true, AGO(5), (1u << NETWORK_PERSONAL) | (1u << NETWORK_STRATEGIC));
        add(g, 6, "Eve", NULL, false, 0, 0);
        add(g, 7, "Finn", NULL, true, AGO(1), 0);
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
        /* Cara: same org (6) + coldness 2 = 8, one hop. Dan: intro (4) + met-via (4) = 8, two
         * hops. Ann: met-via (4) + org (6) = 10. Finn goes through Cara (warm): left out. */
        assert_int_equal(n, 3);
        assert_int_equal(c[0].hops[0].id, 4);
        assert_int_equal(c[0].cost, 8);
        assert_int_equal(c[0].n, 2);
        assert_int_equal(c[0].hops[0].link, NETGRAPH_ORG);
        assert_string_equal(c[0].hops[0].org, "Globex");
        assert_int_equal(c[0].hops[1].id, 3);

        assert_int_equal(c[1].hops[0].id, 5);
        assert_int_equal(c[1].cost, 8);
        assert_int_equal(c[1].n, 3);
        assert_int_equal(c[1].hops[0].link, NETGRAPH_INTRO);
        assert_int_equal(c[1].hops[1].id, 6);
        assert_int_equal(c[1].hops[1].link, NETGRAPH_MET_VIA);
        assert_true(c[1].hops[1].introducer); /* Eve introduced you to Tara */
        assert_int_equal(c[1].hops[2].id, 3);

        assert_int_equal(c[2].hops[0].id, 1);
        assert_true(c[2].hops[0].introducer); /* Ann introduced you to Bob */
        assert_int_equal(c[2].cost, 10);
        assert_int_equal(c[2].hops[1].id, 2);
        assert_int_equal(c[2].hops[1].link, NETGRAPH_ORG);
        netgraph_chains_free(c, n);

        assert_int_equal(netgraph_paths(g, 3, NOW, 1, &c, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(c[0].hops[0].id, 4);
        netgraph_chains_free(c, n);

        assert_int_equal(netgraph_paths(g, 99, NOW, 0, &c, &n), -ENOENT);
        netgraph_free(g);
}

static void test_paths_to_warm_person(void **state)
{
        struct netgraph *g = sample();
        struct netgraph_chain *c = NULL;
        size_t n = 0;

        /* Cara herself is warm. Finn introduced you to her: Finn → Cara, cost 4. Ann's way goes
         * via Bob (cold) and the shared org: Ann → Bob → Cara, cost 10. Dan's: Dan → Eve →
         * Tara → Cara (intro, met-via, org), cost 14, three links. */
        assert_int_equal(netgraph_paths(g, 4, NOW, 0, &c, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(c[0].hops[0].id, 7);
        assert_true(c[0].hops[0].introducer);
        assert_int_equal(c[0].cost, 4);
        assert_int_equal(c[1].hops[0].id, 1);
        assert_int_equal(c[1].cost, 10);
        assert_int_equal(c[2].hops[0].id, 5);
        assert_int_equal(c[2].cost, 14);
        assert_int_equal(c[2].n, 4);
        netgraph_chains_free(c, n);
        netgraph_free(g);
}

static void test_hop_bound(void **state)
{
        struct netgraph *g = netgraph_new();
        struct netgraph_chain *c = NULL;
        size_t n = 0;

        add(g, 10, "Start", NULL, true, AGO(1), 0);
        for (uint64_t i = 11; i <= 15; i++)
                add(g, i, "Cold", NULL, false, 0, 0);
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
        add(g, 1, "Wendy", NULL, true, AGO(1), 0);
        add(g, 2, "Carl", "Initech", false, 0, 0);
        add(g, 3, "Tom", "Initech", false, 0, 0);
        assert_int_equal(netgraph_add_edge(g, 2, 1, NETGRAPH_MET_VIA), 0);
        assert_int_equal(netgraph_paths(g, 3, NOW, 0, &c, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(c[0].n, 3);
        assert_int_equal(c[0].hops[0].id, 1);
        assert_int_equal(c[0].hops[0].link, NETGRAPH_MET_VIA);
        assert_false(c[0].hops[0].introducer); /* Carl introduced Wendy, not the reverse */
        assert_int_equal(c[0].hops[1].link, NETGRAPH_ORG);
        assert_int_equal(c[0].cost, 10);
        netgraph_chains_free(c, n);
        netgraph_free(g);
}

/* A go-between named for a prospect (KNOWS) is a way in before anyone has met them. */
static void test_knows_edge(void **state)
{
        struct netgraph *g = netgraph_new();
        struct netgraph_chain *c = NULL;
        char *dot = NULL;
        size_t n = 0;

        add(g, 1, "Wendy", NULL, true, AGO(1), 0);
        add(g, 2, "Gil", NULL, false, 0, 0);
        add(g, 3, "Quinn", NULL, false, 0, 0);
        assert_int_equal(netgraph_add_edge(g, 1, 2, NETGRAPH_MET_VIA), 0);
        assert_int_equal(netgraph_paths(g, 3, NOW, 0, &c, &n), 0);
        assert_int_equal(n, 0);
        netgraph_chains_free(c, n); /* an empty array is still one to free */
        c = NULL;
        assert_int_equal(netgraph_add_edge(g, 2, 3, NETGRAPH_KNOWS), 0);
        assert_int_equal(netgraph_paths(g, 3, NOW, 0, &c, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(c[0].n, 3);
        assert_int_equal(c[0].hops[1].id, 2);
        assert_int_equal(c[0].hops[1].link, NETGRAPH_KNOWS);
        assert_string_equal(netgraph_link_to_string(NETGRAPH_KNOWS), "knows");
        netgraph_chains_free(c, n);
        assert_int_equal(netgraph_dot(g, 0, false, &dot), 0);
        assert_non_null(strstr(dot, "\"c2\" -> \"c3\" [style=dotted"));
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
                add(g, i, "Person", "BigCo", i % 2 == 0, i % 2 == 0 ? AGO(1) : 0, 0);
        assert_int_equal(netgraph_paths(g, 1, NOW, 5, &c, &n), 0);
        assert_int_equal(n, 5);
        assert_int_equal(c[0].hops[0].id, 2);
        assert_int_equal(c[0].cost, 6);
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
        assert_non_null(strstr(dot, "\"c1\" [label=\"Ann\\nAcme\", fillcolor=\"#8db3e2\"];"));
        assert_non_null(
            strstr(dot, "\"c5\" [label=\"Dan\", style=striped, fillcolor=\"#a9d18e:#f4b183\"];"));
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
        assert_null(strstr(dot, "->"));
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
            cmocka_unit_test(test_paths_ranked), cmocka_unit_test(test_paths_to_warm_person),
            cmocka_unit_test(test_hop_bound),    cmocka_unit_test(test_edges_checked),
            cmocka_unit_test(test_direction),    cmocka_unit_test(test_many_people),
            cmocka_unit_test(test_dot),          cmocka_unit_test(test_knows_edge),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
