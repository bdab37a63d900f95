/* Goals, goal links, introductions and settings in the store, and their codecs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "model.h"
#include "store-goals.h"
#include "store.h"
#include "util.h"

struct fixture {
        char base[PATH_MAX];
        char dir[PATH_MAX + 16];
        struct store *s;
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct store_options o = {0};
        const char *tmp = getenv("TMPDIR");

        assert_non_null(f);
        snprintf(f->base, sizeof(f->base), "%s/test_store_goals.XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        assert_non_null(mkdtemp(f->base));
        snprintf(f->dir, sizeof(f->dir), "%s/data", f->base);
        o.dir = f->dir;
        o.initial_map_size = 1 << 20;
        assert_int_equal(store_open(&o, &f->s), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        store_close(f->s);
        nftw(f->base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(f);
        return 0;
}

/* ---- a tiny scripted transaction runner ---- */

typedef void (*step_fn)(struct store_txn *t, void *userdata);

struct step {
        step_fn fn;
        void *userdata;
};

static int run_step(struct store_txn *t, void *userdata)
{
        struct step *s = userdata;

        s->fn(t, s->userdata);
        return 0;
}

static void write_txn(struct fixture *f, step_fn fn, void *userdata)
{
        struct step s = {fn, userdata};

        assert_int_equal(store_write(f->s, run_step, &s), 0);
}

static void read_txn(struct fixture *f, step_fn fn, void *userdata)
{
        struct step s = {fn, userdata};

        assert_int_equal(store_read(f->s, run_step, &s), 0);
}

static uint64_t add_contact(struct store_txn *t, const char *name)
{
        struct contact c = {0};

        c.name = (char *)name;
        assert_int_equal(store_txn_contact_put(t, &c), 0);
        return c.id;
}

struct ids {
        uint64_t ann, bob, cy;
        uint64_t g1, g2;
        uint64_t intro;
        char intro_uuid[UUID_STRING_LEN + 1];
        char goal_uuid[UUID_STRING_LEN + 1];
};

static void populate(struct store_txn *t, void *userdata)
{
        struct ids *ids = userdata;
        struct goal g1 = {0}, g2 = {0};
        struct goal_link l = {0};
        struct intro i = {0};

        ids->ann = add_contact(t, "Ann Lee");
        ids->bob = add_contact(t, "Bob Ray");
        ids->cy = add_contact(t, "Cy Young");
        g1.title = (char *)"Land a PM role";
        g1.created = 100;
        assert_int_equal(store_txn_goal_put(t, &g1), 0);
        assert_true(uuid_is_valid(g1.uuid));
        g2.title = (char *)"Learn Rust";
        assert_int_equal(store_txn_goal_put(t, &g2), 0);
        assert_int_equal(g2.id, g1.id + 1);
        ids->g1 = g1.id;
        ids->g2 = g2.id;
        memcpy(ids->goal_uuid, g2.uuid, sizeof(ids->goal_uuid));

        l = (struct goal_link){
            .goal_id = g1.id, .contact_id = ids->ann, .why = (char *)"PM lead", .linked_at = 50};
        assert_int_equal(store_txn_goal_link_put(t, &l), 0);
        l = (struct goal_link){.goal_id = g1.id, .contact_id = ids->bob, .linked_at = 60};
        assert_int_equal(store_txn_goal_link_put(t, &l), 0);
        l = (struct goal_link){
            .goal_id = g2.id, .contact_id = ids->ann, .why = (char *)"rustacean"};
        assert_int_equal(store_txn_goal_link_put(t, &l), 0);
        l = (struct goal_link){.goal_id = 999, .contact_id = ids->ann};
        assert_int_equal(store_txn_goal_link_put(t, &l), -ENOENT);
        l = (struct goal_link){.goal_id = g1.id, .contact_id = 999};
        assert_int_equal(store_txn_goal_link_put(t, &l), -ENOENT);

        i = (struct intro){.a = ids->ann, .b = ids->cy, .note = (char *)"both climb", .at = 70};
        assert_int_equal(store_txn_intro_add(t, &i), 0);
        ids->intro = i.id;
        memcpy(ids->intro_uuid, i.uuid, sizeof(ids->intro_uuid));
        i = (struct intro){.a = ids->bob, .b = ids->bob};
        assert_int_equal(store_txn_intro_add(t, &i), -EINVAL);
        i = (struct intro){.a = ids->bob, .b = 999};
        assert_int_equal(store_txn_intro_add(t, &i), -ENOENT);
}

struct collect {
        uint64_t v[16];
        char why[16][32];
        size_t n;
};

static int collect_link(const struct goal_link *l, void *userdata)
{
        struct collect *c = userdata;

        c->v[c->n] = l->goal_id * 1000 + l->contact_id;
        snprintf(c->why[c->n], sizeof(c->why[0]), "%s", l->why ? l->why : "-");
        c->n++;
        return 0;
}

static int collect_intro(const struct intro *i, void *userdata)
{
        struct collect *c = userdata;

        c->v[c->n++] = i->a * 1000 + i->b;
        return 0;
}

static int collect_goal(const struct goal *g, void *userdata)
{
        struct collect *c = userdata;

        snprintf(c->why[c->n], sizeof(c->why[0]), "%s", g->title);
        c->v[c->n++] = g->id;
        return 0;
}

static void check_populated(struct store_txn *t, void *userdata)
{
        struct ids *ids = userdata;
        struct collect c = {0};
        struct goal *g = NULL;
        struct goal_link *l = NULL;
        uint64_t found[4];

        assert_int_equal(store_txn_goal_get(t, ids->g1, &g), 0);
        assert_string_equal(g->title, "Land a PM role");
        assert_int_equal(g->created, 100);
        assert_int_equal(g->status, GOAL_ACTIVE);
        goal_free(g);

        assert_int_equal(store_txn_goal_links(t, ids->g1, collect_link, &c), 0);
        assert_int_equal(c.n, 2);
        assert_int_equal(c.v[0], ids->g1 * 1000 + ids->ann);
        assert_string_equal(c.why[0], "PM lead");
        assert_int_equal(c.v[1], ids->g1 * 1000 + ids->bob);
        assert_string_equal(c.why[1], "-");

        c = (struct collect){0};
        assert_int_equal(store_txn_contact_goal_links(t, ids->ann, collect_link, &c), 0);
        assert_int_equal(c.n, 2);
        assert_int_equal(c.v[0], ids->g1 * 1000 + ids->ann);
        assert_int_equal(c.v[1], ids->g2 * 1000 + ids->ann);
        assert_string_equal(c.why[1], "rustacean");

        assert_int_equal(store_txn_goal_link_get(t, ids->g1, ids->bob, &l), 0);
        assert_int_equal(l->linked_at, 60);
        goal_link_free(l);
        assert_int_equal(store_txn_goal_link_get(t, ids->g2, ids->bob, &l), -ENOENT);

        c = (struct collect){0};
        assert_int_equal(store_txn_contact_intros(t, ids->cy, collect_intro, &c), 0);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.v[0], ids->ann * 1000 + ids->cy);

        c = (struct collect){0};
        assert_int_equal(store_txn_goal_list(t, collect_goal, &c), 0);
        assert_int_equal(c.n, 2);
        assert_string_equal(c.why[1], "Learn Rust");

        /* GOAL resolution: id, exact title, prefix, words; ambiguity counted. */
        assert_int_equal(store_txn_goal_resolve(t, "2", found, 4), 1);
        assert_int_equal(found[0], ids->g2);
        assert_int_equal(store_txn_goal_resolve(t, "learn rust", found, 4), 1);
        assert_int_equal(found[0], ids->g2);
        assert_int_equal(store_txn_goal_resolve(t, "Land", found, 4), 1);
        assert_int_equal(found[0], ids->g1);
        assert_int_equal(store_txn_goal_resolve(t, "pm role", found, 4), 1);
        assert_int_equal(found[0], ids->g1);
        assert_int_equal(store_txn_goal_resolve(t, "l", found, 4), 2);
        assert_int_equal(store_txn_goal_resolve(t, "nothing", found, 4), 0);
        assert_int_equal(store_txn_goal_resolve(t, "", found, 4), -EINVAL);
}

static void delete_bob_and_ann(struct store_txn *t, void *userdata)
{
        struct ids *ids = userdata;

        assert_int_equal(store_txn_contact_delete(t, ids->bob, 500), 0);
        assert_int_equal(store_txn_contact_delete(t, ids->ann, 500), 0);
        assert_int_equal(store_txn_goal_delete(t, ids->g2, 600), 0);
        assert_int_equal(store_txn_goal_delete(t, ids->g2, 600), -ENOENT);
}

static void check_deleted(struct store_txn *t, void *userdata)
{
        struct ids *ids = userdata;
        struct collect c = {0};
        struct goal *g = NULL;
        int64_t when = 0;

        assert_int_equal(store_txn_goal_links(t, ids->g1, collect_link, &c), 0);
        assert_int_equal(c.n, 0);
        assert_int_equal(store_txn_contact_intros(t, ids->cy, collect_intro, &c), 0);
        assert_int_equal(c.n, 0);
        assert_int_equal(store_txn_intro_list(t, collect_intro, &c), 0);
        assert_int_equal(c.n, 0);
        assert_int_equal(store_txn_tombstone_get(t, ids->intro_uuid, &when), 'N');
        assert_int_equal(when, 500);
        assert_int_equal(store_txn_tombstone_get(t, ids->goal_uuid, &when), 'G');
        assert_int_equal(when, 600);
        assert_int_equal(store_txn_goal_get(t, ids->g2, &g), -ENOENT);
        assert_int_equal(store_txn_goal_get(t, ids->g1, &g), 0);
        goal_free(g);
}

static void test_goals_links_intros(void **state)
{
        struct fixture *f = *state;
        struct ids ids = {0};

        write_txn(f, populate, &ids);
        read_txn(f, check_populated, &ids);
        write_txn(f, delete_bob_and_ann, &ids);
        read_txn(f, check_deleted, &ids);
}

/* ---- interactions toward a goal, removing introductions ---- */

struct tagged {
        uint64_t ann, bob, g1, g2;
        uint64_t intro;
        char intro_uuid[UUID_STRING_LEN + 1];
        uint64_t seen[8];
        size_t n;
};

static int collect_tagged(const struct interaction *i, void *userdata)
{
        struct tagged *x = userdata;

        assert_true(x->n < ARRAY_SIZE(x->seen));
        x->seen[x->n++] = (uint64_t)i->at;
        return 0;
}

static void tagged_populate(struct store_txn *t, void *userdata)
{
        struct tagged *x = userdata;
        struct goal g1 = {0}, g2 = {0};
        struct interaction i = {0};
        struct intro in = {0};

        x->ann = add_contact(t, "Ann Lee");
        x->bob = add_contact(t, "Bob Ray");
        g1.title = (char *)"Land a PM role";
        g2.title = (char *)"Learn Rust";
        assert_int_equal(store_txn_goal_put(t, &g1), 0);
        assert_int_equal(store_txn_goal_put(t, &g2), 0);
        x->g1 = g1.id;
        x->g2 = g2.id;
        /* Two toward g1 (Ann, Bob), one toward g2, one toward nothing. */
        i = (struct interaction){
            .contact_id = x->ann, .at = 1000, .kind = (char *)"coffee", .goal_id = g1.id};
        assert_int_equal(store_txn_interaction_add(t, &i), 0);
        i = (struct interaction){
            .contact_id = x->bob, .at = 2000, .kind = (char *)"call", .goal_id = g1.id};
        assert_int_equal(store_txn_interaction_add(t, &i), 0);
        i = (struct interaction){
            .contact_id = x->bob, .at = 2000, .kind = (char *)"email", .goal_id = g2.id};
        assert_int_equal(store_txn_interaction_add(t, &i), 0);
        assert_int_equal(i.seq, 1);
        i = (struct interaction){.contact_id = x->ann, .at = 3000, .kind = (char *)"call"};
        assert_int_equal(store_txn_interaction_add(t, &i), 0);

        in = (struct intro){.a = x->ann, .b = x->bob, .at = 5};
        assert_int_equal(store_txn_intro_add(t, &in), 0);
        x->intro = in.id;
        memcpy(x->intro_uuid, in.uuid, sizeof(x->intro_uuid));
}

static void tagged_check(struct store_txn *t, void *userdata)
{
        struct tagged *x = userdata;

        x->n = 0;
        assert_int_equal(store_txn_goal_interactions(t, x->g1, collect_tagged, x), 0);
        assert_int_equal(x->n, 2);
        assert_int_equal(x->seen[0], 1000); /* key order: contact, time, seq */
        assert_int_equal(x->seen[1], 2000);
        x->n = 0;
        assert_int_equal(store_txn_goal_interactions(t, x->g2, collect_tagged, x), 0);
        assert_int_equal(x->n, 1);
        x->n = 0;
        assert_int_equal(store_txn_goal_interactions(t, 999, collect_tagged, x), 0);
        assert_int_equal(x->n, 0);
}

static int check_untagged(const struct interaction *i, void *userdata)
{
        uint64_t goal = *(uint64_t *)userdata;

        assert_int_not_equal(i->goal_id, goal);
        return 0;
}

static void tagged_remove(struct store_txn *t, void *userdata)
{
        struct tagged *x = userdata;
        struct intro *in = NULL;
        int64_t deleted = 0;

        /* A goal that goes untags its interactions. */
        assert_int_equal(store_txn_goal_delete(t, x->g1, 77), 0);
        x->n = 0;
        assert_int_equal(store_txn_goal_interactions(t, x->g1, collect_tagged, x), 0);
        assert_int_equal(x->n, 0);
        assert_int_equal(store_txn_interaction_list(t, x->ann, 0, check_untagged, &x->g1), 0);
        assert_int_equal(store_txn_interaction_list(t, x->bob, 0, check_untagged, &x->g1), 0);
        /* A contact that goes takes its index entries along. */
        assert_int_equal(store_txn_contact_delete(t, x->bob, 78), 0);
        x->n = 0;
        assert_int_equal(store_txn_goal_interactions(t, x->g2, collect_tagged, x), 0);
        assert_int_equal(x->n, 0);
        /* Introductions: removed by id, with a tombstone; a second time -ENOENT. */
        assert_int_equal(store_txn_intro_get(t, x->intro, &in), -ENOENT); /* bob took it */
        in = &(struct intro){.a = x->ann, .b = add_contact(t, "Cy Young"), .at = 6};
        assert_int_equal(store_txn_intro_add(t, in), 0);
        x->intro = in->id;
        memcpy(x->intro_uuid, in->uuid, sizeof(x->intro_uuid));
        in = NULL;
        assert_int_equal(store_txn_intro_get(t, x->intro, &in), 0);
        assert_int_equal(in->a, x->ann);
        intro_free(in);
        assert_int_equal(store_txn_intro_delete(t, x->intro, 79), 0);
        assert_int_equal(store_txn_intro_delete(t, x->intro, 79), -ENOENT);
        assert_int_equal(store_txn_intro_get(t, x->intro, &in), -ENOENT);
        assert_int_equal(store_txn_tombstone_get(t, x->intro_uuid, &deleted), 'N');
        assert_int_equal(deleted, 79);
}

static int count_intros(const struct intro *i, void *userdata)
{
        (*(size_t *)userdata)++;
        return 0;
}

static void tagged_after(struct store_txn *t, void *userdata)
{
        struct tagged *x = userdata;
        size_t n = 0;

        assert_int_equal(store_txn_contact_intros(t, x->ann, count_intros, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(store_txn_intro_list(t, count_intros, &n), 0);
        assert_int_equal(n, 0);
}

static void test_goal_interactions_and_intro_delete(void **state)
{
        struct fixture *f = *state;
        struct tagged x = {0};

        write_txn(f, tagged_populate, &x);
        read_txn(f, tagged_check, &x);
        write_txn(f, tagged_remove, &x);
        read_txn(f, tagged_after, &x);
}

static void settings_write(struct store_txn *t, void *userdata)
{
        char *v = NULL;

        assert_int_equal(store_txn_setting_get(t, "profile", &v), 0);
        assert_null(v);
        assert_int_equal(store_txn_setting_put(t, "profile", "founder"), 0);
        assert_int_equal(store_txn_setting_get(t, "profile", &v), 0);
        assert_string_equal(v, "founder");
        free(v);
        assert_int_equal(store_txn_setting_put(t, "offers", "a\nb\n"), 0);
        assert_int_equal(store_txn_setting_put(t, "gone", "x"), 0);
        assert_int_equal(store_txn_setting_put(t, "gone", ""), 0);
        assert_int_equal(store_txn_setting_get(t, "gone", &v), 0);
        assert_null(v);
        assert_int_equal(store_txn_setting_put(t, "", "x"), -EINVAL);
}

static void settings_read(struct store_txn *t, void *userdata)
{
        char *v = NULL;

        assert_int_equal(store_txn_setting_get(t, "offers", &v), 0);
        assert_string_equal(v, "a\nb\n");
        free(v);
        assert_int_equal(store_txn_setting_put(t, "x", "y"), -EROFS);
}

static void test_settings(void **state)
{
        struct fixture *f = *state;

        write_txn(f, settings_write, NULL);
        read_txn(f, settings_read, NULL);
}

static void test_codecs(void **state)
{
        struct goal g = {.id = 7,
                         .title = (char *)"T",
                         .note = (char *)"N",
                         .by = -5,
                         .status = GOAL_DONE,
                         .created = 1,
                         .updated = 2,
                         .done_at = 3};
        struct goal_link l = {
            .goal_id = 7, .contact_id = 9, .why = (char *)"because", .linked_at = 11};
        struct intro i = {.id = 4, .a = 1, .b = 2, .note = (char *)"n", .at = 5, .created = 6};
        struct goal *g2 = NULL;
        struct goal_link *l2 = NULL;
        struct intro *i2 = NULL;
        uint8_t *buf = NULL, *big = NULL;
        size_t len;
        static const uint8_t extra[] = {0, 99, 0, 0, 0, 2, 'h', 'i'}; /* tag 99, "hi" */

        strcpy(g.uuid, "0e3c9a5e-7f7e-4d2b-9d7e-3f2a1b0c9d8e");
        assert_int_equal(codec_goal_encode(&g, &buf, &len), 0);
        /* A newer build's field (tag 99) before the end marker survives a round trip. */
        big = malloc(len + sizeof(extra));
        assert_non_null(big);
        memcpy(big, buf, len - 6);
        memcpy(big + len - 6, extra, sizeof(extra));
        memcpy(big + len - 6 + sizeof(extra), buf + len - 6, 6);
        free(buf);
        assert_int_equal(codec_goal_decode(big, len + sizeof(extra), &g2), 0);
        free(big);
        assert_string_equal(g2->title, "T");
        assert_string_equal(g2->note, "N");
        assert_int_equal(g2->by, -5);
        assert_int_equal(g2->status, GOAL_DONE);
        assert_int_equal(g2->done_at, 3);
        assert_string_equal(g2->uuid, g.uuid);
        assert_int_equal(g2->unknown_len, sizeof(extra));
        assert_int_equal(codec_goal_encode(g2, &buf, &len), 0);
        assert_non_null(memmem(buf, len, extra, sizeof(extra)));
        /* Truncation and the wrong record type are refused. */
        assert_int_equal(codec_goal_decode(buf, len - 1, &g2 /* unchanged on error */), -EBADMSG);
        buf[0] = 'C';
        assert_int_equal(codec_goal_decode(buf, len, &g2), -EBADMSG);
        free(buf);
        goal_free(g2);

        assert_int_equal(codec_goal_link_encode(&l, &buf, &len), 0);
        assert_int_equal(codec_goal_link_decode(buf, len, &l2), 0);
        assert_string_equal(l2->why, "because");
        assert_int_equal(l2->linked_at, 11);
        assert_int_equal(l2->contact_id, 9);
        free(buf);
        goal_link_free(l2);

        assert_int_equal(codec_intro_encode(&i, &buf, &len), 0);
        assert_int_equal(codec_intro_decode(buf, len, &i2), 0);
        assert_int_equal(i2->a, 1);
        assert_int_equal(i2->b, 2);
        assert_string_equal(i2->note, "n");
        assert_int_equal(i2->at, 5);
        free(buf);
        intro_free(i2);
}

static void test_contact_fields(void **state)
{
        struct contact c = {.id = 3,
                            .name = (char *)"P",
                            .brings = (char *)"design",
                            .stage = STAGE_SCHEDULED,
                            .stage_changed = 42,
                            .prospect_plan = (char *)"ask about X",
                            .prospect_via = 8};
        struct contact *d = NULL;
        uint8_t *buf = NULL;
        size_t len;

        assert_int_equal(codec_contact_encode(&c, &buf, &len), 0);
        assert_int_equal(codec_contact_decode(buf, len, &d), 0);
        assert_string_equal(d->brings, "design");
        assert_int_equal(d->stage, STAGE_SCHEDULED);
        assert_int_equal(d->stage_changed, 42);
        assert_string_equal(d->prospect_plan, "ask about X");
        assert_int_equal(d->prospect_via, 8);
        assert_int_equal(d->unknown_len, 0);
        free(buf);
        contact_free(d);

        assert_string_equal(prospect_stage_to_string(STAGE_REACHED_OUT), "reached-out");
        assert_int_equal(prospect_stage_from_string("sched"), STAGE_SCHEDULED);
        assert_int_equal(prospect_stage_from_string("MET"), STAGE_MET);
        assert_int_equal(prospect_stage_from_string("m"), STAGE_MET);
        assert_int_equal(prospect_stage_from_string("x"), _STAGE_INVALID);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_goals_links_intros, setup, teardown),
            cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
            cmocka_unit_test_setup_teardown(test_goal_interactions_and_intro_delete, setup,
                                            teardown),
            cmocka_unit_test(test_codecs),
            cmocka_unit_test(test_contact_fields),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
