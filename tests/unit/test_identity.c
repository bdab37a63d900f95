/* One person, one record (daemon/core/identity.c, merge.c) on a real LMDB store: names and goal
 * titles someone has are found case-insensitively; likely duplicates by email, name, phone
 * digits and name words; a remove keeps the removed person's name as text where others
 * referred to them; a merge moves everything to the kept person, reports fields both had,
 * recomputes the last touch and leaves a tombstone naming the keeper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "merge.h"
#include "model.h"
#include "store-goals.h"
#include "store.h"

#define NOW 1800000000
#define DAY 86400

struct fixture {
        char dir[PATH_MAX];
        struct store *s;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct store_options o = {.dir = f->dir, .initial_map_size = 1 << 20};

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/tend-test-identity-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        assert_int_equal(store_open(&o, &f->s), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        char cmd[PATH_MAX + 32];

        store_close(f->s);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

/* ---- helpers, inside a write transaction ---- */

static uint64_t add(struct store_txn *t, const char *name, const char *email, const char *phone)
{
        struct contact *c = contact_new();
        uint64_t id;

        assert_non_null(c);
        c->name = strdup(name);
        if (email)
                assert_int_equal(strv_push(&c->emails, email), 0);
        if (phone)
                assert_int_equal(strv_push(&c->phones, phone), 0);
        c->created = c->updated = NOW;
        assert_int_equal(store_txn_contact_put(t, c), 0);
        id = c->id;
        contact_free(c);
        return id;
}

static struct contact *get(struct store_txn *t, uint64_t id)
{
        struct contact *c = NULL;

        assert_int_equal(store_txn_contact_get(t, id, &c), 0);
        return c;
}

static void log_at(struct store_txn *t, uint64_t id, int64_t at, const char *kind, const char *gave,
                   uint64_t goal)
{
        struct interaction i = {.contact_id = id, .at = at, .created = NOW, .goal_id = goal};

        i.kind = (char *)kind;
        i.gave = (char *)gave;
        assert_int_equal(store_txn_interaction_add(t, &i), 0);
}

/* ---- duplicate refusal ---- */

static int name_taken_fn(struct store_txn *t, void *userdata)
{
        struct contact *c = NULL;
        struct op_error e = {0};
        uint64_t rachel, other;
        struct goal g = {.title = "Raise a Seed Round", .status = GOAL_ACTIVE};

        (void)userdata;
        rachel = add(t, "Rachel Green", NULL, NULL);
        other = add(t, "Ross", NULL, NULL);
        assert_int_equal(identity_name_taken(t, "rachel GREEN", 0, &c), 1);
        assert_int_equal(c->id, rachel);
        contact_free(c);
        c = NULL;
        /* Their own name is no duplicate; a prefix is none either. */
        assert_int_equal(identity_name_taken(t, "RACHEL GREEN", rachel, &c), 0);
        assert_int_equal(identity_name_taken(t, "Rachel", other, &c), 0);
        assert_int_equal(identity_check_name(t, "Rachel Green", other, &e), -ECANCELED);
        assert_string_equal(e.name, "io.tend.Contacts.NameInUse");
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(e.params, "contact"), "id")),
            (json_int_t)rachel);
        op_error_done(&e);
        assert_int_equal(identity_check_name(t, "Ross Geller", other, &e), 0);

        assert_int_equal(store_txn_goal_put(t, &g), 0);
        assert_int_equal(identity_check_goal_title(t, "raise a seed round", 0, &e), -ECANCELED);
        assert_string_equal(e.name, "io.tend.Goals.TitleInUse");
        op_error_done(&e);
        assert_int_equal(identity_check_goal_title(t, "RAISE A SEED ROUND", g.id, &e), 0);
        assert_int_equal(identity_check_goal_title(t, "Raise a seed", 0, &e), 0);
        return 0;
}

static void test_names_and_titles_taken(void **state)
{
        struct fixture *f = *state;

        assert_int_equal(store_write(f->s, name_taken_fn, NULL), 0);
}

/* ---- duplicates ---- */

static json_t *find_group(json_t *groups, const char *reason)
{
        json_t *g;
        size_t i;

        json_array_foreach(groups, i, g)
        {
                if (strcmp(json_string_value(json_object_get(g, "reason")), reason) == 0)
                        return g;
        }
        return NULL;
}

static int dupes_fn(struct store_txn *t, void *userdata)
{
        json_t **ret = userdata;

        /* The store takes a second owner of an email (the methods refuse it): an old store or
         * an import of two addresses that differ in case may hold such pairs. */
        add(t, "Chandler Bing", "chandler@example.com", NULL);
        add(t, "C. Bing", "CHANDLER@example.com", NULL);
        add(t, "Monica Geller", NULL, "+1 (555) 010-0300");
        add(t, "Mon G", NULL, "15550100300");
        add(t, "Joey Tribbiani", NULL, "12345"); /* too short to be a number */
        add(t, "Joey", NULL, "12345");
        add(t, "Phoebe Buffay", NULL, NULL);
        add(t, "phoebe buffay", NULL, NULL);
        add(t, "Geller Ross", NULL, NULL);
        add(t, "Ross Geller", NULL, NULL);
        return identity_duplicates(t, 0, ret);
}

static int dupes_limit_fn(struct store_txn *t, void *userdata)
{
        return identity_duplicates(t, 1, userdata);
}

static void test_duplicates(void **state)
{
        struct fixture *f = *state;
        json_t *groups = NULL, *g;

        assert_int_equal(store_write(f->s, dupes_fn, &groups), 0);
        g = find_group(groups, "email");
        assert_non_null(g);
        assert_string_equal(json_string_value(json_object_get(g, "value")), "chandler@example.com");
        assert_int_equal(json_array_size(json_object_get(g, "contacts")), 2);
        g = find_group(groups, "phone");
        assert_non_null(g);
        assert_string_equal(json_string_value(json_object_get(g, "value")), "15550100300");
        g = find_group(groups, "name");
        assert_non_null(g);
        assert_string_equal(json_string_value(json_object_get(g, "value")), "phoebe buffay");
        g = find_group(groups, "name words");
        assert_non_null(g);
        assert_string_equal(json_string_value(json_object_get(g, "value")), "geller ross");
        /* email, phone, name, and word order once each; Phoebe's exact twin is no word-order
         * group; the short numbers are no group. */
        assert_int_equal(json_array_size(groups), 4);
        json_decref(groups);

        /* A limit stops early. */
        groups = NULL;
        assert_int_equal(store_read(f->s, dupes_limit_fn, &groups), 0);
        assert_int_equal(json_array_size(groups), 1);
        json_decref(groups);
}

/* ---- remove: references become text ---- */

struct people {
        uint64_t david, fatima, tara, rachel;
        uint64_t goal;
};

static int remove_setup_fn(struct store_txn *t, void *userdata)
{
        struct people *p = userdata;
        struct contact *c;
        struct goal g = {.title = "Raise", .status = GOAL_ACTIVE};
        struct goal_link l = {0};
        struct intro in = {.at = NOW};

        p->david = add(t, "David Kim", NULL, NULL);
        p->fatima = add(t, "Fatima Zahra", NULL, NULL);
        p->tara = add(t, "Tara Singh", NULL, NULL);
        p->rachel = add(t, "Rachel Green", NULL, NULL);
        c = get(t, p->fatima);
        c->introduced_by = p->david;
        assert_int_equal(store_txn_contact_put(t, c), 0);
        contact_free(c);
        c = get(t, p->tara);
        c->stage = STAGE_WANT_TO_MEET;
        c->prospect_via = p->david;
        assert_int_equal(store_txn_contact_put(t, c), 0);
        contact_free(c);
        assert_int_equal(store_txn_goal_put(t, &g), 0);
        p->goal = g.id;
        l.goal_id = g.id;
        l.contact_id = p->david;
        assert_int_equal(store_txn_goal_link_put(t, &l), 0);
        in.a = p->david;
        in.b = p->rachel;
        assert_int_equal(store_txn_intro_add(t, &in), 0);
        log_at(t, p->david, NOW - 2 * DAY, "coffee", NULL, 0);
        return 0;
}

static int cascade_fn(struct store_txn *t, void *userdata)
{
        struct people *p = userdata;
        struct contact *c = get(t, p->david);
        json_t *j = NULL;

        assert_int_equal(identity_remove_cascade(t, c, &j), 0);
        assert_int_equal(json_integer_value(json_object_get(j, "interactions")), 1);
        assert_int_equal(json_array_size(json_object_get(j, "introductions")), 1);
        assert_int_equal(json_array_size(json_object_get(j, "goal_links")), 1);
        assert_int_equal(json_integer_value(json_object_get(
                             json_array_get(json_object_get(j, "met_via_of"), 0), "id")),
                         (json_int_t)p->fatima);
        assert_int_equal(json_integer_value(json_object_get(
                             json_array_get(json_object_get(j, "prospect_via_of"), 0), "id")),
                         (json_int_t)p->tara);
        json_decref(j);
        assert_int_equal(identity_remove(t, c, NOW), 0);
        contact_free(c);
        return 0;
}

static int after_remove_fn(struct store_txn *t, void *userdata)
{
        struct people *p = userdata;
        struct contact *c = NULL;

        assert_int_equal(store_txn_contact_get(t, p->david, &c), -ENOENT);
        c = get(t, p->fatima);
        assert_int_equal(c->introduced_by, 0);
        assert_string_equal(c->met_via_name, "David Kim");
        contact_free(c);
        c = get(t, p->tara);
        assert_int_equal(c->prospect_via, 0);
        assert_string_equal(c->prospect_via_name, "David Kim");
        contact_free(c);
        return 0;
}

static void test_remove_keeps_names_as_text(void **state)
{
        struct fixture *f = *state;
        struct people p = {0};

        assert_int_equal(store_write(f->s, remove_setup_fn, &p), 0);
        assert_int_equal(store_write(f->s, cascade_fn, &p), 0);
        assert_int_equal(store_read(f->s, after_remove_fn, &p), 0);
}

/* ---- merge ---- */

static int count_cb(const struct interaction *i, void *userdata)
{
        (*(int *)userdata)++;
        (void)i;
        return 0;
}

static int count_intro(const struct intro *i, void *userdata)
{
        (*(int *)userdata)++;
        (void)i;
        return 0;
}

struct merge_case {
        struct people p;
        uint64_t keep, other;
        char keep_uuid[UUID_STRING_LEN + 1], other_uuid[UUID_STRING_LEN + 1];
        struct merge_report rep;
};

static int merge_setup_fn(struct store_txn *t, void *userdata)
{
        struct merge_case *m = userdata;
        struct contact *k, *o;

        remove_setup_fn(t, &m->p);
        m->keep = m->p.rachel;
        m->other = add(t, "Rachel G", "rg@example.org", "+1 555 0100");
        k = get(t, m->keep);
        k->org = strdup("Bloomingdale's");
        k->cadence = 30 * DAY;
        k->last_interaction = NOW - 10 * DAY;
        k->next_due = NOW + 20 * DAY;
        assert_int_equal(strv_push(&k->emails, "rachel@example.com"), 0);
        assert_int_equal(store_txn_contact_put(t, k), 0);
        o = get(t, m->other);
        o->org = strdup("Ralph Lauren");
        o->title = strdup("Buyer");
        o->introduced_by = m->keep; /* the other record says Rachel introduced her: dropped */
        assert_int_equal(store_txn_contact_put(t, o), 0);
        memcpy(m->keep_uuid, k->uuid, sizeof(m->keep_uuid));
        memcpy(m->other_uuid, o->uuid, sizeof(m->other_uuid));
        contact_free(k);
        contact_free(o);
        /* Fatima was met via the other record; an introduction and a goal link of it. */
        k = get(t, m->p.fatima);
        k->introduced_by = m->other;
        assert_int_equal(store_txn_contact_put(t, k), 0);
        contact_free(k);
        {
                struct intro in = {.a = m->other, .b = m->p.tara, .at = NOW};
                struct goal_link l = {.goal_id = m->p.goal, .contact_id = m->other};

                assert_int_equal(store_txn_intro_add(t, &in), 0);
                assert_int_equal(store_txn_goal_link_put(t, &l), 0);
        }
        log_at(t, m->keep, NOW - 10 * DAY, "coffee", NULL, 0);
        log_at(t, m->other, NOW - 1 * DAY, "call", "a referral", m->p.goal);
        return 0;
}

static int merge_fn(struct store_txn *t, void *userdata)
{
        struct merge_case *m = userdata;
        struct contact *k = get(t, m->keep);
        int r;

        r = merge_contact(t, 0, k, m->other, NOW, &m->rep);
        contact_free(k);
        return r;
}

static int after_merge_fn(struct store_txn *t, void *userdata)
{
        struct merge_case *m = userdata;
        struct contact *c = NULL;
        struct goal_link *l = NULL;
        char into[UUID_STRING_LEN + 1];
        int n = 0;

        assert_int_equal(store_txn_contact_get(t, m->other, &c), -ENOENT);
        assert_int_equal(store_txn_tombstone_get(t, m->other_uuid, NULL), 'C');
        assert_int_equal(store_txn_tombstone_merged_into(t, m->other_uuid, into), 0);
        assert_string_equal(into, m->keep_uuid);

        c = get(t, m->keep);
        assert_string_equal(c->org, "Bloomingdale's");
        assert_string_equal(c->title, "Buyer");
        assert_int_equal(strv_length(c->emails), 2);
        assert_string_equal(c->phones[0], "+1 555 0100");
        assert_int_equal(c->introduced_by, 0);
        /* The touch rule over the newest interaction: yesterday's call + 30 days. */
        assert_int_equal(c->last_interaction, NOW - 1 * DAY);
        assert_string_equal(c->last_kind, "call");
        assert_int_equal(c->next_due, NOW - 1 * DAY + 30 * DAY);
        contact_free(c);

        assert_int_equal(store_txn_interaction_list(t, m->keep, 0, count_cb, &n), 0);
        assert_int_equal(n, 2);
        n = 0;
        assert_int_equal(store_txn_goal_interactions(t, m->p.goal, count_cb, &n), 0);
        assert_int_equal(n, 1); /* the call toward the goal is still indexed, under KEEP */
        n = 0;
        assert_int_equal(store_txn_contact_intros(t, m->keep, count_intro, &n), 0);
        assert_int_equal(n, 2); /* David's and the other record's */
        assert_int_equal(store_txn_goal_link_get(t, m->p.goal, m->keep, &l), 0);
        goal_link_free(l);
        c = get(t, m->p.fatima);
        assert_int_equal(c->introduced_by, m->keep);
        contact_free(c);

        assert_int_equal(m->rep.interactions, 1);
        assert_int_equal(m->rep.introductions, 1);
        assert_int_equal(m->rep.goal_links, 1);
        assert_int_equal(m->rep.met_via, 1);
        assert_int_equal(json_array_size(m->rep.conflicts), 2); /* name and org */
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(m->rep.conflicts, 1), "other")),
            "Ralph Lauren");
        return 0;
}

static int merge_self_fn(struct store_txn *t, void *userdata)
{
        struct merge_case *m = userdata;
        struct contact *k = get(t, m->keep);
        int r = merge_contact(t, 0, k, m->keep, NOW, &m->rep);

        contact_free(k);
        return r;
}

static void test_merge(void **state)
{
        struct fixture *f = *state;
        struct merge_case m = {0};

        assert_int_equal(store_write(f->s, merge_setup_fn, &m), 0);
        assert_int_equal(store_write(f->s, merge_self_fn, &m), -EINVAL);
        assert_int_equal(store_write(f->s, merge_fn, &m), 0);
        assert_int_equal(store_read(f->s, after_merge_fn, &m), 0);
        merge_report_done(&m.rep);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_names_and_titles_taken, setup, teardown),
            cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
            cmocka_unit_test_setup_teardown(test_remove_keeps_names_as_text, setup, teardown),
            cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
