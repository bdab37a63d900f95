#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <lmdb.h> /* only to plant another schema version, as another build would */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec.h"
#include "model.h"
#include "store-goals.h"
#include "store-transfer.h"
#include "store.h"
#include "util.h"

#define DAY 86400LL

/* ---- fixture ---- */

struct fixture {
        char base[PATH_MAX];     /* mkdtemp'd */
        char dir[PATH_MAX + 16]; /* base/data/tend: created by store_open */
        struct store *s;
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static struct fixture *fixture_new(void)
{
        struct fixture *f = calloc(1, sizeof(*f));
        const char *tmp = getenv("TMPDIR");

        assert_non_null(f);
        snprintf(f->base, sizeof(f->base), "%s/test_store.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        assert_non_null(mkdtemp(f->base));
        snprintf(f->dir, sizeof(f->dir), "%s/data/tend", f->base);
        return f;
}

static void fixture_open(struct fixture *f, size_t initial, size_t max)
{
        struct store_options o = {.dir = f->dir, .initial_map_size = initial, .max_map_size = max};

        assert_null(f->s);
        assert_int_equal(store_open(&o, &f->s), 0);
        assert_non_null(f->s);
}

static void fixture_close(struct fixture *f)
{
        store_close(f->s);
        f->s = NULL;
}

static int setup(void **state)
{
        struct fixture *f = fixture_new();

        fixture_open(f, 0, 0);
        *state = f;
        return 0;
}

static int setup_closed(void **state)
{
        *state = fixture_new();
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        fixture_close(f);
        assert_int_equal(nftw(f->base, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(f);
        return 0;
}

/* ---- helpers ---- */

static struct contact *mk(const char *name)
{
        struct contact *c = contact_new();

        assert_non_null(c);
        if (name)
                c->name = strdup(name);
        c->created = c->updated = 1000;
        return c;
}

static void push(char ***v, const char *s)
{
        assert_int_equal(strv_push(v, s), 0);
}

static int put_fn(struct store_txn *t, void *userdata)
{
        return store_txn_contact_put(t, userdata);
}

static int put(struct store *s, struct contact *c)
{
        return store_write(s, put_fn, c);
}

/* Put and free; returns the id. */
static uint64_t add(struct store *s, struct contact *c)
{
        uint64_t id;

        assert_int_equal(put(s, c), 0);
        id = c->id;
        assert_true(id > 0);
        contact_free(c);
        return id;
}

static uint64_t add_simple(struct store *s, const char *name, const char *email, const char *tag,
                           uint32_t networks, int64_t due)
{
        struct contact *c = mk(name);

        if (email)
                push(&c->emails, email);
        if (tag)
                push(&c->tags, tag);
        c->networks = networks;
        c->next_due = due;
        return add(s, c);
}

struct get_op {
        uint64_t id;
        struct contact *c;
};

static int get_fn(struct store_txn *t, void *userdata)
{
        struct get_op *op = userdata;

        return store_txn_contact_get(t, op->id, &op->c);
}

/* Returns the contact (caller frees) or NULL; *ret_r gets the result code. */
static struct contact *get(struct store *s, uint64_t id, int *ret_r)
{
        struct get_op op = {.id = id};
        int r = store_read(s, get_fn, &op);

        if (ret_r)
                *ret_r = r;
        return r < 0 ? NULL : op.c;
}

struct resolve_op {
        const char *who;
        uint64_t *ids;
        size_t max;
};

static int resolve_fn(struct store_txn *t, void *userdata)
{
        struct resolve_op *op = userdata;

        return store_txn_contact_resolve(t, op->who, op->ids, op->max);
}

static int resolve(struct store *s, const char *who, uint64_t *ids, size_t max)
{
        struct resolve_op op = {.who = who, .ids = ids, .max = max};

        return store_read(s, resolve_fn, &op);
}

/* Resolve expecting exactly one match; returns its id, 0 if none, UINT64_MAX if ambiguous. */
static uint64_t resolve1(struct store *s, const char *who)
{
        uint64_t ids[4] = {0};
        int n = resolve(s, who, ids, ARRAY_SIZE(ids));

        assert_true(n >= 0);
        return n == 0 ? 0 : n == 1 ? ids[0] : UINT64_MAX;
}

#define MAX_IDS 1024

struct list_op {
        struct contact_filter filter;
        uint64_t ids[MAX_IDS];
        size_t n;
        size_t stop_after; /* 0 = never */
};

static int list_cb(const struct contact *c, void *userdata)
{
        struct list_op *op = userdata;

        assert_true(op->n < MAX_IDS);
        op->ids[op->n++] = c->id;
        if (op->stop_after && op->n == op->stop_after)
                return 7;
        return 0;
}

static int list_fn(struct store_txn *t, void *userdata)
{
        struct list_op *op = userdata;

        return store_txn_contact_list(t, &op->filter, list_cb, op);
}

static int list(struct store *s, struct list_op *op)
{
        op->n = 0;
        return store_read(s, list_fn, op);
}

/* Assert the list result is exactly the given ids, in order (terminated by 0). */
static void assert_ids(const struct list_op *op, const uint64_t *want)
{
        size_t n = 0;

        while (want[n])
                n++;
        if (op->n != n) {
                print_error("got %zu ids, want %zu:", op->n, n);
                for (size_t i = 0; i < op->n; i++)
                        print_error(" %llu", (unsigned long long)op->ids[i]);
                print_error("\n");
        }
        assert_int_equal(op->n, n);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(op->ids[i], want[i]);
}

static void expect_list(struct store *s, struct contact_filter filter, const uint64_t *want)
{
        struct list_op op = {.filter = filter};

        assert_int_equal(list(s, &op), 0);
        if (filter.text && op.ids[0] != want[0])
                print_error("text \"%s\": ", filter.text);
        assert_ids(&op, want);
}

#define IDS(...) ((const uint64_t[]){__VA_ARGS__, 0})
#define NONE     ((const uint64_t[]){0})

struct due_op {
        int64_t first_due;
        uint64_t first_id;
};

static int due_first_fn(struct store_txn *t, void *userdata)
{
        struct due_op *op = userdata;

        return store_txn_due_first(t, &op->first_due, &op->first_id);
}

static int count_fn(struct store_txn *t, void *userdata)
{
        return store_txn_contact_count(t, userdata);
}

static uint64_t count(struct store *s)
{
        uint64_t n = UINT64_MAX;

        assert_int_equal(store_read(s, count_fn, &n), 0);
        return n;
}

/* list_cb casts userdata to struct list_op; make due_op share that prefix shape. */
struct due_list_op {
        struct contact_filter unused;
        uint64_t ids[MAX_IDS];
        size_t n;
        size_t stop_after;
        int64_t until;
        size_t limit;
};

static int due_list_fn(struct store_txn *t, void *userdata)
{
        struct due_list_op *op = userdata;

        return store_txn_due_list(t, op->until, op->limit, list_cb, op);
}

static void expect_due(struct store *s, int64_t until, size_t limit, const uint64_t *want)
{
        struct due_list_op op = {.until = until, .limit = limit};

        assert_int_equal(store_read(s, due_list_fn, &op), 0);
        assert_ids((const struct list_op *)&op, want);
}

/* ---- interactions helpers ---- */

static int ia_add_fn(struct store_txn *t, void *userdata)
{
        return store_txn_interaction_add(t, userdata);
}

static int ia_add(struct store *s, uint64_t contact, int64_t at, const char *kind,
                  uint32_t *ret_seq, char *ret_uuid)
{
        struct interaction *i = interaction_new();
        int r;

        assert_non_null(i);
        i->contact_id = contact;
        i->at = at;
        i->kind = strdup(kind);
        r = store_write(s, ia_add_fn, i);
        if (r >= 0 && ret_seq)
                *ret_seq = i->seq;
        if (r >= 0 && ret_uuid)
                memcpy(ret_uuid, i->uuid, UUID_STRING_LEN + 1);
        interaction_free(i);
        return r;
}

struct ia_list_op {
        uint64_t contact;
        size_t limit;
        int64_t at[MAX_IDS];
        uint32_t seq[MAX_IDS];
        char kind[MAX_IDS][16];
        size_t n;
        uint64_t count;
};

static int ia_cb(const struct interaction *i, void *userdata)
{
        struct ia_list_op *op = userdata;

        assert_true(op->n < MAX_IDS);
        assert_int_equal(i->contact_id, op->contact);
        op->at[op->n] = i->at;
        op->seq[op->n] = i->seq;
        snprintf(op->kind[op->n], sizeof(op->kind[0]), "%s", strempty(i->kind));
        op->n++;
        return 0;
}

static int ia_list_fn(struct store_txn *t, void *userdata)
{
        struct ia_list_op *op = userdata;
        int r;

        op->n = 0;
        r = store_txn_interaction_list(t, op->contact, op->limit, ia_cb, op);
        if (r < 0)
                return r;
        return store_txn_interaction_count(t, op->contact, &op->count);
}

static void ia_list(struct store *s, struct ia_list_op *op)
{
        assert_int_equal(store_read(s, ia_list_fn, op), 0);
}

struct uuid_op {
        const char *uuid;
        uint64_t id;
        int64_t deleted;
        int tomb;
};

static int uuid_fn(struct store_txn *t, void *userdata)
{
        struct uuid_op *op = userdata;
        int r = store_txn_contact_by_uuid(t, op->uuid, &op->id);

        op->tomb = store_txn_tombstone_get(t, op->uuid, &op->deleted);
        return r;
}

struct delete_op {
        uint64_t id;
        int64_t now;
};

static int delete_fn(struct store_txn *t, void *userdata)
{
        struct delete_op *op = userdata;

        return store_txn_contact_delete(t, op->id, op->now);
}

static int del(struct store *s, uint64_t id, int64_t now)
{
        struct delete_op op = {.id = id, .now = now};

        return store_write(s, delete_fn, &op);
}

/* ---- tests ---- */

static void test_open_reopen(void **state)
{
        struct fixture *f = *state;
        struct contact *c;
        struct stat st;
        uint64_t id1, id2;
        char uuid[UUID_STRING_LEN + 1];
        int r;

        assert_int_equal(stat(f->dir, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 0777, 0700);
        assert_string_equal(store_dir(f->s), f->dir);
        assert_false(store_is_broken(f->s));
        assert_int_equal(store_map_size(f->s), (size_t)64 << 20);
        assert_int_equal(count(f->s), 0);

        c = mk("Grace Hopper");
        push(&c->emails, "grace@navy.example");
        assert_int_equal(put(f->s, c), 0);
        id1 = c->id;
        assert_int_equal(id1, 1);
        assert_true(uuid_is_valid(c->uuid));
        memcpy(uuid, c->uuid, sizeof(uuid));
        contact_free(c);

        fixture_close(f);
        assert_int_equal(stat(f->dir, &st), 0);
        fixture_open(f, 0, 0);

        c = get(f->s, id1, &r);
        assert_int_equal(r, 0);
        assert_string_equal(c->name, "Grace Hopper");
        assert_string_equal(c->emails[0], "grace@navy.example");
        assert_string_equal(c->uuid, uuid);
        assert_int_equal(c->id, id1);
        contact_free(c);
        assert_int_equal(count(f->s), 1);
        assert_int_equal(resolve1(f->s, "grace hopper"), id1);

        /* Ids continue after a reopen. */
        id2 = add_simple(f->s, "Alan Turing", NULL, NULL, 0, 0);
        assert_int_equal(id2, 2);
        assert_int_equal(count(f->s), 2);
}

static void test_put_get(void **state)
{
        struct fixture *f = *state;
        struct contact *c, *d, *e;
        struct uuid_op u = {0};
        uint64_t id;
        int r;

        c = mk("Ada Lovelace");
        push(&c->emails, "ada@example.com");
        push(&c->phones, "+44 1");
        push(&c->urls, "https://example.com");
        push(&c->tags, "math");
        c->org = strdup("Engines");
        c->title = strdup("Countess");
        c->notes = strdup("notes\nmore");
        c->how_met = strdup("salon");
        c->networks = 1u << NETWORK_STRATEGIC;
        c->scope = SCOPE_EXTERNAL;
        c->cadence = 30 * DAY;
        c->next_due = 5000;
        c->last_interaction = 4000;
        c->last_kind = strdup("coffee");
        strcpy(c->uuid, "0B6E1C2A-3F4D-4E5F-8A9B-0C1D2E3F4A5B");
        assert_int_equal(put(f->s, c), 0);
        id = c->id;
        assert_string_equal(c->uuid, "0b6e1c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b"); /* lower-cased */

        d = get(f->s, id, &r);
        assert_int_equal(r, 0);
        assert_string_equal(d->name, "Ada Lovelace");
        assert_string_equal(d->phones[0], "+44 1");
        assert_string_equal(d->urls[0], "https://example.com");
        assert_string_equal(d->org, "Engines");
        assert_string_equal(d->title, "Countess");
        assert_string_equal(d->notes, "notes\nmore");
        assert_string_equal(d->how_met, "salon");
        assert_int_equal(d->networks, 1u << NETWORK_STRATEGIC);
        assert_int_equal(d->scope, SCOPE_EXTERNAL);
        assert_int_equal(d->cadence, 30 * DAY);
        assert_int_equal(d->next_due, 5000);
        assert_string_equal(d->last_kind, "coffee");
        assert_string_equal(d->uuid, c->uuid);

        u.uuid = "0B6E1C2A-3F4D-4E5F-8A9B-0C1D2E3F4A5B";
        assert_int_equal(store_read(f->s, uuid_fn, &u), 0);
        assert_int_equal(u.id, id);
        assert_int_equal(u.tomb, -ENOENT);
        u.uuid = "not-a-uuid";
        assert_int_equal(store_read(f->s, uuid_fn, &u), -ENOENT);

        /* Missing records and invalid input. */
        assert_null(get(f->s, 999, &r));
        assert_int_equal(r, -ENOENT);
        e = mk(NULL);
        assert_int_equal(put(f->s, e), -EINVAL);
        assert_int_equal(e->id, 0);
        e->name = strdup("");
        assert_int_equal(put(f->s, e), -EINVAL);
        free(e->name);
        e->name = strdup("Other");
        strcpy(e->uuid, "nope");
        assert_int_equal(put(f->s, e), -EINVAL);
        /* Another contact's uuid. */
        memcpy(e->uuid, c->uuid, sizeof(e->uuid));
        assert_int_equal(put(f->s, e), -EEXIST);
        assert_int_equal(e->id, 0);
        assert_int_equal(count(f->s), 1);
        contact_free(e);

        /* Replace with an empty uuid keeps the stored one. */
        d->uuid[0] = 0;
        free(d->title);
        d->title = strdup("Mathematician");
        assert_int_equal(put(f->s, d), 0);
        assert_int_equal(d->id, id);
        assert_string_equal(d->uuid, c->uuid);
        contact_free(d);
        d = get(f->s, id, &r);
        assert_string_equal(d->title, "Mathematician");
        assert_string_equal(d->uuid, c->uuid);
        assert_int_equal(count(f->s), 1);
        contact_free(d);
        contact_free(c);
}

static void test_index_maintenance(void **state)
{
        struct fixture *f = *state;
        struct contact *c;
        uint64_t a, b, x;
        int r;

        a = add_simple(f->s, "Alice Archer", "alice@old.example", "climbing",
                       1u << NETWORK_PERSONAL, 300);
        b = add_simple(f->s, "Bob Baker", "bob@example.com", "climbing", 1u << NETWORK_PERSONAL,
                       200);
        expect_due(f->s, 0, 0, IDS(b, a));
        expect_list(f->s, (struct contact_filter){.tag = "climbing"}, IDS(a, b));

        /* Rename, change email, drop the tag, change network and due. */
        c = get(f->s, a, &r);
        assert_int_equal(r, 0);
        free(c->name);
        c->name = strdup("Alicia Zed");
        free(c->emails[0]);
        c->emails[0] = strdup("alicia@new.example");
        strv_remove(c->tags, "climbing", false);
        push(&c->tags, "chess");
        c->networks = 1u << NETWORK_OPERATIONAL;
        c->next_due = 100;
        assert_int_equal(put(f->s, c), 0);
        assert_int_equal(c->id, a);
        contact_free(c);

        assert_int_equal(resolve1(f->s, "Alice Archer"), 0);
        assert_int_equal(resolve1(f->s, "alice"), 0);
        assert_int_equal(resolve1(f->s, "alicia zed"), a);
        assert_int_equal(resolve1(f->s, "alice@old.example"), 0);
        assert_int_equal(resolve1(f->s, "ALICIA@new.example"), a);
        expect_list(f->s, (struct contact_filter){.tag = "climbing"}, IDS(b));
        expect_list(f->s, (struct contact_filter){.tag = "Chess"}, IDS(a));
        expect_list(f->s, (struct contact_filter){.networks = 1u << NETWORK_PERSONAL}, IDS(b));
        expect_list(f->s, (struct contact_filter){.networks = 1u << NETWORK_OPERATIONAL}, IDS(a));
        expect_list(f->s, (struct contact_filter){.text = "archer"}, NONE);
        expect_list(f->s, (struct contact_filter){.text = "zed"}, IDS(a));
        expect_list(f->s, (struct contact_filter){.text = "old"}, NONE);
        expect_due(f->s, 0, 0, IDS(a, b));
        /* Name order follows the rename. */
        expect_list(f->s, (struct contact_filter){0}, IDS(a, b));

        /* Clearing the due date removes the due entry. */
        c = get(f->s, a, &r);
        c->next_due = 0;
        assert_int_equal(put(f->s, c), 0);
        contact_free(c);
        expect_due(f->s, 0, 0, IDS(b));

        /* Putting the same record again changes nothing. */
        c = get(f->s, b, &r);
        assert_int_equal(put(f->s, c), 0);
        contact_free(c);
        expect_due(f->s, 0, 0, IDS(b));
        expect_list(f->s, (struct contact_filter){.tag = "climbing"}, IDS(b));
        x = resolve1(f->s, "bob@example.com");
        assert_int_equal(x, b);
}

static void test_resolve(void **state)
{
        struct fixture *f = *state;
        uint64_t ann, anna, annabel, forty, bob1, bob2, ids[8];
        char buf[32];
        int n;

        ann = add_simple(f->s, "Ann", "ann@example.com", NULL, 0, 0);
        anna = add_simple(f->s, "Anna Smith", "shared@example.com", NULL, 0, 0);
        annabel = add_simple(f->s, "Annabel Lee", "shared@example.com", NULL, 0, 0);
        forty = add_simple(f->s, "42", NULL, NULL, 0, 0);
        bob1 = add_simple(f->s, "Bob", NULL, NULL, 0, 0);
        bob2 = add_simple(f->s, "bob", NULL, NULL, 0, 0);

        /* By id. */
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)anna);
        assert_int_equal(resolve1(f->s, buf), anna);
        snprintf(buf, sizeof(buf), "00%llu", (unsigned long long)anna);
        assert_int_equal(resolve1(f->s, buf), anna);
        /* Digits that are no id fall through to names. */
        assert_int_equal(resolve1(f->s, "42"), forty);
        assert_int_equal(resolve1(f->s, "99999999999999999999999"), 0);
        assert_int_equal(resolve1(f->s, "0"), 0);
        assert_int_equal(resolve1(f->s, "-1"), 0);
        assert_int_equal(resolve1(f->s, " 1"), 0);

        /* By email, case-insensitively, exact only. */
        assert_int_equal(resolve1(f->s, "ANN@example.com"), ann);
        assert_int_equal(resolve1(f->s, "ann@example"), 0);
        n = resolve(f->s, "shared@example.com", ids, ARRAY_SIZE(ids));
        assert_int_equal(n, 2);
        assert_int_equal(ids[0], anna);
        assert_int_equal(ids[1], annabel);

        /* Exact names win over prefixes. */
        assert_int_equal(resolve1(f->s, "ann"), ann);
        assert_int_equal(resolve1(f->s, "ANNA SMITH"), anna);
        /* Unique prefix. */
        assert_int_equal(resolve1(f->s, "annab"), annabel);
        /* Ambiguous prefix: total count, ids capped at max, in name order. */
        n = resolve(f->s, "anna", ids, ARRAY_SIZE(ids));
        assert_int_equal(n, 2); /* no exact "anna": prefix of Anna Smith and Annabel Lee */
        assert_int_equal(ids[0], anna);
        assert_int_equal(ids[1], annabel);
        n = resolve(f->s, "anna ", ids, ARRAY_SIZE(ids));
        assert_int_equal(n, 1);
        assert_int_equal(ids[0], anna);
        n = resolve(f->s, "an", ids, 1);
        assert_int_equal(n, 3);
        assert_int_equal(ids[0], ann);
        n = resolve(f->s, "an", NULL, 0);
        assert_int_equal(n, 3);
        /* Several exact matches (case-insensitive). */
        n = resolve(f->s, "BOB", ids, ARRAY_SIZE(ids));
        assert_int_equal(n, 2);
        assert_int_equal(ids[0], bob1);
        assert_int_equal(ids[1], bob2);
        /* None. */
        assert_int_equal(resolve1(f->s, "zelda"), 0);
        assert_int_equal(resolve1(f->s, "nobody@example.com"), 0);
        assert_int_equal(resolve(f->s, "", ids, 1), -EINVAL);
}

static void test_resolve_prefix_ambiguous(void **state)
{
        struct fixture *f = *state;
        uint64_t ids[2], a, b;
        int n;

        a = add_simple(f->s, "Chris Alpha", NULL, NULL, 0, 0);
        b = add_simple(f->s, "Chris Beta", NULL, NULL, 0, 0);
        add_simple(f->s, "Christine", NULL, NULL, 0, 0);
        n = resolve(f->s, "chris", ids, 2);
        assert_int_equal(n, 3);
        assert_int_equal(ids[0], a);
        assert_int_equal(ids[1], b);
        n = resolve(f->s, "chris ", ids, 2);
        assert_int_equal(n, 2);
}

static void test_list_filters(void **state)
{
        struct fixture *f = *state;
        const uint32_t op = 1u << NETWORK_OPERATIONAL, pe = 1u << NETWORK_PERSONAL,
                       st = 1u << NETWORK_STRATEGIC;
        uint64_t zoe, yan, xu, wes, vic;
        struct list_op lo = {0};

        zoe = add_simple(f->s, "Zoe", NULL, "work", op | st, 500);
        yan = add_simple(f->s, "yan", NULL, "work", op, 100);
        xu = add_simple(f->s, "Xu", NULL, "friend", pe, -50);
        wes = add_simple(f->s, "Wes", NULL, NULL, pe | st, 0);
        vic = add_simple(f->s, "Vic", NULL, "Work", 0, 300);

        /* No filter: name order (case-insensitive). */
        expect_list(f->s, (struct contact_filter){0}, IDS(vic, wes, xu, yan, zoe));
        expect_list(f->s, (struct contact_filter){.limit = 2}, IDS(vic, wes));

        /* Due: due order, negative first. */
        expect_list(f->s, (struct contact_filter){.due_before = 400}, IDS(xu, yan, vic));
        expect_list(f->s, (struct contact_filter){.due_before = 100}, IDS(xu));
        expect_list(f->s, (struct contact_filter){.due_before = INT64_MAX}, IDS(xu, yan, vic, zoe));
        expect_list(f->s, (struct contact_filter){.due_before = INT64_MAX, .limit = 2},
                    IDS(xu, yan));

        /* Tag (case-insensitive), in name order. */
        expect_list(f->s, (struct contact_filter){.tag = "WORK"}, IDS(vic, yan, zoe));
        expect_list(f->s, (struct contact_filter){.tag = "nothing"}, NONE);
        expect_list(f->s, (struct contact_filter){.tag = "work", .limit = 1}, IDS(vic));

        /* Networks: must be in all requested. */
        expect_list(f->s, (struct contact_filter){.networks = op}, IDS(yan, zoe));
        expect_list(f->s, (struct contact_filter){.networks = st}, IDS(wes, zoe));
        expect_list(f->s, (struct contact_filter){.networks = op | st}, IDS(zoe));
        expect_list(f->s, (struct contact_filter){.networks = pe | st}, IDS(wes));
        expect_list(f->s, (struct contact_filter){.networks = op | pe}, NONE);
        expect_list(f->s, (struct contact_filter){.networks = 1u << 20}, NONE);

        /* Combinations. */
        expect_list(f->s, (struct contact_filter){.tag = "work", .networks = op}, IDS(yan, zoe));
        expect_list(f->s, (struct contact_filter){.tag = "work", .due_before = 400}, IDS(yan, vic));
        expect_list(f->s, (struct contact_filter){.networks = pe, .due_before = 0}, IDS(wes, xu));
        expect_list(f->s, (struct contact_filter){.networks = pe, .due_before = 1}, IDS(xu));
        expect_list(f->s,
                    (struct contact_filter){.tag = "work", .networks = st, .due_before = 1000},
                    IDS(zoe));
        expect_list(f->s, (struct contact_filter){.text = "z", .tag = "work"}, IDS(zoe));
        expect_list(f->s, (struct contact_filter){.text = "work", .networks = op}, IDS(yan, zoe));
        expect_list(f->s, (struct contact_filter){.text = "y", .due_before = 200}, IDS(yan));

        /* An empty tag is an error; wordless text matches everything. */
        lo.filter.tag = "";
        assert_int_equal(list(f->s, &lo), -EINVAL);
        expect_list(f->s, (struct contact_filter){.text = " -- "}, IDS(vic, wes, xu, yan, zoe));

        /* Equal names (case-insensitively) come in id order on every path. */
        {
                uint64_t s1 = add_simple(f->s, "Sam", NULL, "twin", op, 0);
                uint64_t s2 = add_simple(f->s, "SAM", NULL, "twin", op, 0);

                expect_list(f->s, (struct contact_filter){.tag = "twin"}, IDS(s1, s2));
                expect_list(f->s, (struct contact_filter){.text = "sam"}, IDS(s1, s2));
                expect_list(f->s, (struct contact_filter){.limit = 3}, IDS(s1, s2, vic));
        }

        /* The callback can stop the iteration with a positive value. */
        memset(&lo, 0, sizeof(lo));
        lo.stop_after = 2;
        assert_int_equal(list(f->s, &lo), 7);
        assert_int_equal(lo.n, 2);
        memset(&lo, 0, sizeof(lo));
        lo.filter.tag = "work";
        lo.stop_after = 1;
        assert_int_equal(list(f->s, &lo), 7);
        assert_int_equal(lo.n, 1);
}

static void test_find_text(void **state)
{
        struct fixture *f = *state;
        struct contact *c;
        uint64_t ada, bob, eve;

        c = mk("Ada Lovelace");
        push(&c->emails, "a.king@Analytical.example");
        c->org = strdup("Engine Works");
        c->title = strdup("Programmer");
        push(&c->tags, "ex-colleague");
        ada = add(f->s, c);
        c = mk("Bob Lovejoy");
        c->org = strdup("Lovejoy & Sons");
        bob = add(f->s, c);
        c = mk("Ève Öhman"); /* Latin letters beyond ASCII fold too */
        eve = add(f->s, c);

        expect_list(f->s, (struct contact_filter){.text = "love"}, IDS(ada, bob));
        expect_list(f->s, (struct contact_filter){.text = "LOVE ada"}, IDS(ada));
        expect_list(f->s, (struct contact_filter){.text = "ada love"}, IDS(ada));
        expect_list(f->s, (struct contact_filter){.text = "lovejoy sons"}, IDS(bob));
        expect_list(f->s, (struct contact_filter){.text = "love sons"}, IDS(bob));
        expect_list(f->s, (struct contact_filter){.text = "love xyz"}, NONE);
        /* Email words and the whole address. */
        expect_list(f->s, (struct contact_filter){.text = "analytical"}, IDS(ada));
        expect_list(f->s, (struct contact_filter){.text = "king"}, IDS(ada));
        expect_list(f->s, (struct contact_filter){.text = "a.king@analytical.example"}, IDS(ada));
        /* Org, title, tag words. */
        expect_list(f->s, (struct contact_filter){.text = "engine prog"}, IDS(ada));
        expect_list(f->s, (struct contact_filter){.text = "colleague"}, IDS(ada));
        expect_list(f->s, (struct contact_filter){.text = "ex-coll"}, IDS(ada));
        /* Letters beyond ASCII fold (text_fold): case and accents. */
        expect_list(f->s, (struct contact_filter){.text = "Ève"}, IDS(eve));
        expect_list(f->s, (struct contact_filter){.text = "ève"}, IDS(eve));
        expect_list(f->s, (struct contact_filter){.text = "ÖH"}, IDS(eve));
        expect_list(f->s, (struct contact_filter){.text = "öh"}, IDS(eve));
        expect_list(f->s, (struct contact_filter){.text = "eve"}, IDS(eve)); /* accents folded */
        expect_list(f->s, (struct contact_filter){.text = "oh"}, IDS(eve));
        expect_list(f->s, (struct contact_filter){.text = "love", .limit = 1}, IDS(ada));
}

static int places_cb(const struct store_text_match *m, void *userdata)
{
        char *out = userdata;
        char one[64];

        snprintf(one, sizeof(one), "%s%d:%" PRIu64, *out ? " " : "", (int)m->field, m->id);
        strcat(out, one);
        return 0;
}

struct places_op {
        uint64_t id;
        const char *text;
        char out[256];
};

static int places_fn(struct store_txn *t, void *userdata)
{
        struct places_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r = store_txn_contact_get(t, op->id, &c);

        return r < 0 ? r : store_txn_contact_places(t, c, op->text, places_cb, op->out);
}

/* find (everywhere): interaction notes and the record's free text, narrowed word by word. */
static void test_find_everywhere(void **state)
{
        struct fixture *f = *state;
        struct interaction *i;
        struct contact *c;
        uint64_t rene, ivan, other;
        struct places_op op = {0};

        c = mk("René Girard");
        c->notes = strdup("Espresso at Café Nero");
        rene = add(f->s, c);
        c = mk("Иван Петров");
        c->how_met = strdup("Hackathon in Zürich");
        ivan = add(f->s, c);
        other = add(f->s, mk("Ada Lovelace"));
        i = interaction_new();
        i->contact_id = other;
        i->at = 1000;
        i->kind = strdup("coffee");
        i->note = strdup("Talked about the Zürich roadmap");
        assert_int_equal(store_write(f->s, ia_add_fn, i), 0);
        interaction_free(i);

        /* The record's own text is a token: ls finds it too. */
        expect_list(f->s, (struct contact_filter){.text = "cafe"}, IDS(rene));
        expect_list(f->s, (struct contact_filter){.text = "rene espresso"}, IDS(rene));
        /* An interaction note only with everywhere. */
        expect_list(f->s, (struct contact_filter){.text = "roadmap"}, NONE);
        expect_list(f->s, (struct contact_filter){.text = "roadmap", .everywhere = true},
                    IDS(other));
        expect_list(f->s, (struct contact_filter){.text = "zurich", .everywhere = true},
                    IDS(other, ivan));
        expect_list(f->s, (struct contact_filter){.text = "ada zur", .everywhere = true},
                    IDS(other));
        expect_list(f->s, (struct contact_filter){.text = "иван zurich", .everywhere = true},
                    IDS(ivan));
        expect_list(f->s, (struct contact_filter){.text = "ada cafe", .everywhere = true}, NONE);
        /* Where: the name (0), then interaction #1 (8). */
        op = (struct places_op){.id = other, .text = "ada roadmap"};
        assert_int_equal(store_read(f->s, places_fn, &op), 0);
        assert_string_equal(op.out, "0:0 8:1");
        op = (struct places_op){.id = ivan, .text = "zurich"};
        assert_int_equal(store_read(f->s, places_fn, &op), 0);
        assert_string_equal(op.out, "4:0"); /* how-met */
}

static void test_long_names(void **state)
{
        struct fixture *f = *state;
        char name[700];
        struct contact *c;
        uint64_t id;
        size_t i;

        /* 510 ASCII bytes, then two-byte characters: the 511-byte key limit falls inside one,
         * so keys are cut back to 510 bytes. */
        memset(name, 'q', 510);
        for (i = 510; i + 2 < sizeof(name) - 1; i += 2) {
                name[i] = (char)0xc3;
                name[i + 1] = (char)0xa9;
        }
        name[i] = 0;
        c = mk(name);
        push(&c->tags, name + 100); /* long tags are cut too */
        id = add(f->s, c);
        assert_int_equal(resolve1(f->s, name), id);
        name[20] = 0;
        assert_int_equal(resolve1(f->s, name), id);
        expect_list(f->s, (struct contact_filter){.text = name}, IDS(id));
}

static void test_delete(void **state)
{
        struct fixture *f = *state;
        struct ia_list_op ia = {0};
        struct uuid_op u = {0};
        char cuuid[UUID_STRING_LEN + 1], iuuid[2][UUID_STRING_LEN + 1];
        struct contact *c;
        uint64_t a, b;
        int r;

        c = mk("Dora Delete");
        push(&c->emails, "dora@example.com");
        push(&c->tags, "temp");
        c->networks = 1u << NETWORK_OPERATIONAL;
        c->next_due = 10;
        assert_int_equal(put(f->s, c), 0);
        a = c->id;
        memcpy(cuuid, c->uuid, sizeof(cuuid));
        contact_free(c);
        b = add_simple(f->s, "Dora Keep", NULL, "temp", 1u << NETWORK_OPERATIONAL, 20);
        assert_int_equal(ia_add(f->s, a, 100, "call", NULL, iuuid[0]), 0);
        assert_int_equal(ia_add(f->s, a, 200, "coffee", NULL, iuuid[1]), 0);
        assert_int_equal(ia_add(f->s, b, 150, "email", NULL, NULL), 0);

        assert_int_equal(del(f->s, a, 12345), 0);
        assert_int_equal(del(f->s, a, 12345), -ENOENT);

        assert_null(get(f->s, a, &r));
        assert_int_equal(r, -ENOENT);
        assert_int_equal(count(f->s), 1);
        assert_int_equal(resolve1(f->s, "dora delete"), 0);
        assert_int_equal(resolve1(f->s, "dora"), b);
        assert_int_equal(resolve1(f->s, "dora@example.com"), 0);
        expect_list(f->s, (struct contact_filter){.tag = "temp"}, IDS(b));
        expect_list(f->s, (struct contact_filter){.networks = 1u << NETWORK_OPERATIONAL}, IDS(b));
        expect_list(f->s, (struct contact_filter){.text = "delete"}, NONE);
        expect_due(f->s, 0, 0, IDS(b));

        ia.contact = a;
        ia_list(f->s, &ia);
        assert_int_equal(ia.n, 0);
        assert_int_equal(ia.count, 0);
        ia.contact = b;
        ia_list(f->s, &ia);
        assert_int_equal(ia.n, 1);
        assert_int_equal(ia.count, 1);

        u.uuid = cuuid;
        assert_int_equal(store_read(f->s, uuid_fn, &u), -ENOENT);
        assert_int_equal(u.tomb, 'C');
        assert_int_equal(u.deleted, 12345);
        for (int i = 0; i < 2; i++) {
                u.uuid = iuuid[i];
                u.deleted = 0;
                assert_int_equal(store_read(f->s, uuid_fn, &u), -ENOENT);
                assert_int_equal(u.tomb, 'I');
                assert_int_equal(u.deleted, 12345);
        }

        /* Re-adding the uuid revives it and clears the tombstone. */
        c = mk("Dora Again");
        memcpy(c->uuid, cuuid, sizeof(cuuid));
        a = add(f->s, c);
        u.uuid = cuuid;
        assert_int_equal(store_read(f->s, uuid_fn, &u), 0);
        assert_int_equal(u.id, a);
        assert_int_equal(u.tomb, -ENOENT);
}

static void test_interactions(void **state)
{
        struct fixture *f = *state;
        struct ia_list_op ia = {0};
        uint64_t a, b, c;
        uint32_t seq;

        a = add_simple(f->s, "A", NULL, NULL, 0, 0);
        b = add_simple(f->s, "B", NULL, NULL, 0, 0);
        c = add_simple(f->s, "C", NULL, NULL, 0, 0);

        assert_int_equal(ia_add(f->s, 999, 1, "call", NULL, NULL), -ENOENT);
        assert_int_equal(ia_add(f->s, 0, 1, "call", NULL, NULL), -ENOENT);

        assert_int_equal(ia_add(f->s, b, 100, "first", &seq, NULL), 0);
        assert_int_equal(seq, 0);
        assert_int_equal(ia_add(f->s, b, 300, "third", &seq, NULL), 0);
        assert_int_equal(seq, 0);
        assert_int_equal(ia_add(f->s, b, 200, "second", &seq, NULL), 0);
        assert_int_equal(ia_add(f->s, b, 200, "second-b", &seq, NULL), 0);
        assert_int_equal(seq, 1);
        assert_int_equal(ia_add(f->s, b, 200, "second-c", &seq, NULL), 0);
        assert_int_equal(seq, 2);
        assert_int_equal(ia_add(f->s, b, -5, "ancient", &seq, NULL), 0);
        /* Neighbours must not bleed into b's range. */
        assert_int_equal(ia_add(f->s, a, 1000, "a", NULL, NULL), 0);
        assert_int_equal(ia_add(f->s, c, -1000, "c", NULL, NULL), 0);

        ia.contact = b;
        ia_list(f->s, &ia);
        assert_int_equal(ia.n, 6);
        assert_int_equal(ia.count, 6);
        assert_string_equal(ia.kind[0], "third");
        assert_int_equal(ia.at[0], 300);
        assert_string_equal(ia.kind[1], "second-c");
        assert_int_equal(ia.seq[1], 2);
        assert_string_equal(ia.kind[2], "second-b");
        assert_string_equal(ia.kind[3], "second");
        assert_int_equal(ia.seq[3], 0);
        assert_string_equal(ia.kind[4], "first");
        assert_string_equal(ia.kind[5], "ancient");
        assert_int_equal(ia.at[5], -5);

        ia.limit = 2;
        ia_list(f->s, &ia);
        assert_int_equal(ia.n, 2);
        assert_string_equal(ia.kind[1], "second-c");

        ia = (struct ia_list_op){.contact = c};
        ia_list(f->s, &ia);
        assert_int_equal(ia.n, 1);
        assert_string_equal(ia.kind[0], "c");
        ia = (struct ia_list_op){.contact = a};
        ia_list(f->s, &ia);
        assert_int_equal(ia.n, 1);
        /* A given uuid is kept (lower-cased); a taken (contact, time, seq) never collides. */
        {
                struct interaction *i = interaction_new();

                i->contact_id = c;
                i->at = -1000;
                strcpy(i->uuid, "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE");
                assert_int_equal(store_write(f->s, ia_add_fn, i), 0);
                assert_string_equal(i->uuid, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
                assert_int_equal(i->seq, 1);
                interaction_free(i);
        }
        ia = (struct ia_list_op){.contact = 12345};
        ia_list(f->s, &ia);
        assert_int_equal(ia.n, 0);
        assert_int_equal(ia.count, 0);
}

static void test_due(void **state)
{
        struct fixture *f = *state;
        struct due_op d = {0};
        uint64_t a, b, c;

        assert_int_equal(store_read(f->s, due_first_fn, &d), -ENOENT);
        a = add_simple(f->s, "A", NULL, NULL, 0, 1000);
        b = add_simple(f->s, "B", NULL, NULL, 0, -1000);
        c = add_simple(f->s, "C", NULL, NULL, 0, 1000);
        add_simple(f->s, "D", NULL, NULL, 0, 0);

        assert_int_equal(store_read(f->s, due_first_fn, &d), 0);
        assert_int_equal(d.first_due, -1000);
        assert_int_equal(d.first_id, b);
        expect_due(f->s, 0, 0, IDS(b, a, c));
        expect_due(f->s, 1000, 0, IDS(b));
        expect_due(f->s, 1001, 0, IDS(b, a, c));
        expect_due(f->s, 0, 2, IDS(b, a));
        expect_due(f->s, INT64_MIN + 1, 0, NONE);
        assert_int_equal(del(f->s, b, 1), 0);
        assert_int_equal(store_read(f->s, due_first_fn, &d), 0);
        assert_int_equal(d.first_due, 1000);
        assert_int_equal(d.first_id, a);
}

struct due_after_op {
        struct contact_filter unused;
        uint64_t ids[MAX_IDS];
        size_t n;
        size_t stop_after;
        int64_t after_due, until;
        uint64_t after_id;
        size_t limit;
};

static int due_after_fn(struct store_txn *t, void *userdata)
{
        struct due_after_op *op = userdata;

        return store_txn_due_list_after(t, op->after_due, op->after_id, op->until, op->limit,
                                        list_cb, op);
}

static void expect_due_after(struct store *s, int64_t after_due, uint64_t after_id, int64_t until,
                             size_t limit, const uint64_t *want)
{
        struct due_after_op op = {
            .after_due = after_due, .after_id = after_id, .until = until, .limit = limit};

        assert_int_equal(store_read(s, due_after_fn, &op), 0);
        assert_ids((const struct list_op *)&op, want);
}

/* A due list read in pieces goes on after the last one visited, whether it still exists, and
 * covers the same people, in the same order, as the list in one go. */
static void test_due_list_after(void **state)
{
        struct fixture *f = *state;
        uint64_t a, b, c, d;

        a = add_simple(f->s, "A", NULL, NULL, 0, 1000);
        b = add_simple(f->s, "B", NULL, NULL, 0, -1000);
        c = add_simple(f->s, "C", NULL, NULL, 0, 1000);
        d = add_simple(f->s, "D", NULL, NULL, 0, 5000);
        expect_due(f->s, 0, 0, IDS(b, a, c, d));
        expect_due_after(f->s, -1000, b, 0, 0, IDS(a, c, d));
        expect_due_after(f->s, -1000, b, 0, 1, IDS(a));
        expect_due_after(f->s, 1000, a, 0, 1, IDS(c));
        expect_due_after(f->s, 1000, c, 0, 0, IDS(d));
        expect_due_after(f->s, 1000, c, 5000, 0, NONE); /* until still applies */
        expect_due_after(f->s, 5000, d, 0, 0, NONE);
        /* From an entry that is gone: the next one after where it was. */
        assert_int_equal(del(f->s, a, 1), 0);
        expect_due_after(f->s, 1000, a, 0, 0, IDS(c, d));
        expect_due_after(f->s, 999, 0, 0, 0, IDS(c, d));
        expect_due_after(f->s, INT64_MIN + 1, 0, 0, 0, IDS(b, c, d));
}

struct due_count_op {
        int64_t until;
        uint64_t n;
};

static int due_count_fn(struct store_txn *t, void *userdata)
{
        struct due_count_op *op = userdata;

        return store_txn_due_count(t, op->until, &op->n);
}

static void test_due_count(void **state)
{
        struct fixture *f = *state;
        struct due_count_op op = {.until = 1001};

        assert_int_equal(store_read(f->s, due_count_fn, &op), 0);
        assert_int_equal(op.n, 0);
        add_simple(f->s, "A", NULL, NULL, 0, 1000);
        add_simple(f->s, "B", NULL, NULL, 0, -5);
        add_simple(f->s, "C", NULL, NULL, 0, 1001);
        add_simple(f->s, "D", NULL, NULL, 0, 0);
        assert_int_equal(store_read(f->s, due_count_fn, &op), 0);
        assert_int_equal(op.n, 2);
        op.until = 1000;
        assert_int_equal(store_read(f->s, due_count_fn, &op), 0);
        assert_int_equal(op.n, 1);
}

/* A limited list over a large candidate set walks the name index instead of sorting every
 * candidate; both strategies must give the same people in the same order. */
/* The counts kept per bucket of time agree with a count of the due entries one by one, over
 * random adds, due moves (across buckets), removals of the date, deletions and undo. */
struct due_walk_op {
        int64_t until;
        uint64_t n;
};

static int due_walk_cb(const struct contact *c, void *userdata)
{
        ((struct due_walk_op *)userdata)->n++;
        return 0;
}

static int due_walk_fn(struct store_txn *t, void *userdata)
{
        struct due_walk_op *op = userdata;

        return store_txn_due_list(t, op->until, 0, due_walk_cb, op);
}

static int move_due_fn(struct store_txn *t, void *userdata)
{
        int64_t *p = userdata; /* id, new due (0: none) */
        struct contact *c = NULL;
        int r = store_txn_contact_get(t, (uint64_t)p[0], &c);

        if (r < 0)
                return r;
        c->next_due = p[1];
        r = store_txn_contact_put(t, c);
        contact_free(c);
        return r;
}

static int undo_one_fn(struct store_txn *t, void *userdata)
{
        return store_txn_undo(t, userdata);
}

static void expect_due_counts_agree(struct store *s, unsigned seed)
{
        /* Around bucket edges (2^16 s), far before and after, and at the extremes (not 0:
         * to store_txn_due_list that means everyone with a date). */
        const int64_t untils[] = {INT64_MIN + 1, -86400,  -1,           1,      65535,
                                  65536,         65537,   131072,       200000, 1000000,
                                  7 * 86400,     1 << 30, INT64_MAX - 1};

        for (size_t i = 0; i < ARRAY_SIZE(untils); i++) {
                struct due_count_op c = {.until = untils[i]};
                struct due_walk_op w = {.until = untils[i]};

                assert_int_equal(store_read(s, due_count_fn, &c), 0);
                assert_int_equal(store_read(s, due_walk_fn, &w), 0);
                if (c.n != w.n)
                        fail_msg("seed %u until %" PRId64 ": counted %" PRIu64 ", walked %" PRIu64,
                                 seed, untils[i], c.n, w.n);
        }
}

static void test_due_count_buckets(void **state)
{
        struct fixture *f = *state;
        unsigned seed = 12345;
        uint64_t n = 0;

        for (unsigned step = 0; step < 600; step++) {
                unsigned what = (unsigned)rand_r(&seed) % 10;
                int64_t due = ((int64_t)(rand_r(&seed) % 400000) - 100000) * (rand_r(&seed) % 3);

                if (what < 5 || n == 0) {
                        char name[32];

                        snprintf(name, sizeof(name), "Due Person %u", step);
                        add_simple(f->s, name, NULL, NULL, 0, due);
                        n++;
                } else if (what < 8) {
                        int64_t p[2] = {(int64_t)(1 + (uint64_t)rand_r(&seed) % n), due};

                        (void)store_write(f->s, move_due_fn, p); /* -ENOENT: deleted */
                } else if (what < 9) {
                        struct delete_op d = {.id = 1 + (uint64_t)rand_r(&seed) % n, .now = 5000};

                        (void)store_write(f->s, delete_fn, &d);
                } else {
                        struct store_journal_entry e;

                        (void)store_write(f->s, undo_one_fn, &e);
                }
                if (step % 50 == 49)
                        expect_due_counts_agree(f->s, step);
        }
        expect_due_counts_agree(f->s, 0);
}

static void test_limited_list_matches_full_list(void **state)
{
        struct fixture *f = *state;
        struct list_op full = {.filter = {.tag = "common"}};
        struct list_op lim = {.filter = {.tag = "common", .limit = 3}};
        struct list_op words = {.filter = {.text = "member 1", .limit = 2}};
        struct list_op words_full = {.filter = {.text = "1 member"}};
        char name[32];

        for (int i = 0; i < 60; i++) {
                snprintf(name, sizeof(name), "Member %02d", (i * 37) % 60);
                add_simple(f->s, name, NULL, i % 4 ? "common" : "rare", 0, 0);
        }
        assert_int_equal(store_read(f->s, list_fn, &full), 0);
        assert_int_equal(full.n, 45);
        assert_int_equal(store_read(f->s, list_fn, &lim), 0);
        assert_int_equal(lim.n, 3);
        for (size_t i = 0; i < lim.n; i++)
                assert_int_equal(lim.ids[i], full.ids[i]);
        /* Multi-word text drives from the rarest word ("1" < "member"), same answers. */
        assert_int_equal(store_read(f->s, list_fn, &words_full), 0);
        assert_int_equal(words_full.n, 10); /* Member 10..19 */
        assert_int_equal(store_read(f->s, list_fn, &words), 0);
        assert_int_equal(words.n, 2);
        assert_int_equal(words.ids[0], words_full.ids[0]);
        assert_int_equal(words.ids[1], words_full.ids[1]);
}

/* Does every word of query start a word of name (ASCII, case folded)? The brute force the
 * indexes must agree with. */
static bool name_matches(const char *name, const char *query)
{
        char q[64], *save = NULL;

        snprintf(q, sizeof(q), "%s", query);
        for (char *w = strtok_r(q, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                bool found = false;

                for (const char *p = name; *p && !found; p++)
                        if ((p == name || p[-1] == ' ') && strncasecmp(p, w, strlen(w)) == 0)
                                found = true;
                if (!found)
                        return false;
        }
        return true;
}

static const char *const many_first[] = {"Ada", "Adam", "Adams", "Bob", "Ann", "Anna", "Andy"};
static const char *const many_last[] = {"Love", "Lovelace", "Lowe", "Smith", "Smithers", "Ray"};

static void many_name(int i, char name[static 64])
{
        snprintf(name, 64, "%s %s %d", many_first[i % 7], many_last[i % 6], i);
}

static int many_names_fn(struct store_txn *t, void *userdata)
{
        for (int i = 0; i < 420; i++) {
                struct contact *c;
                char name[64];
                int r;

                many_name(i, name);
                c = mk(name);
                /* A few far above the others (an import can bring any id): the intersection
                 * then sorts and merges instead of using a bitmap. */
                if (userdata && i % 100 == 7)
                        c->id = (UINT64_C(1) << 40) + (uint64_t)i;
                r = store_txn_contact_put(t, c);
                contact_free(c);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Several words, each a prefix of several tokens (so its ids come as several sorted runs):
 * the intersection of their ranges is exactly who has them all. */
static void test_words_intersect_like_a_scan(void **state)
{
        struct fixture *f = *state;
        const char *queries[] = {"ada lov", "an lo",    "adam smi 1", "lovelace ada",
                                 "a l",     "andy ray", "smith bob 4"};

        for (int far = 0; far < 2; far++) {
                if (far) {
                        teardown(state);
                        setup(state);
                        f = *state;
                }
                assert_int_equal(store_write(f->s, many_names_fn, far ? f : NULL), 0);
                for (size_t q = 0; q < ARRAY_SIZE(queries); q++) {
                        struct list_op got = {.filter = {.text = queries[q]}};
                        size_t expected = 0;

                        assert_int_equal(store_read(f->s, list_fn, &got), 0);
                        for (int i = 0; i < 420; i++) {
                                char name[64];

                                many_name(i, name);
                                expected += name_matches(name, queries[q]);
                        }
                        if (got.n != expected)
                                fail_msg("'%s'%s: %zu found, %zu expected", queries[q],
                                         far ? " (far ids)" : "", got.n, expected);
                }
        }
}

/* A common tag and a small limit walk the names; when the tagged all sort last the walk runs
 * out of its budget and the tagged ids are read after all: the same answers either way. */
static int tagged_people_fn(struct store_txn *t, void *userdata)
{
        for (int i = 0; i < 2400; i++) {
                struct contact *c;
                char name[32];
                int r;

                snprintf(name, sizeof(name), "%s %04d", i < 1600 ? "Aaron" : "Zoe", (i * 7) % 2400);
                c = mk(name);
                push(&c->tags, i < 1600 ? (i % 2 ? "early" : "other") : "late");
                r = store_txn_contact_put(t, c);
                contact_free(c);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void test_limited_tag_list_walk_and_fallback(void **state)
{
        struct fixture *f = *state;
        const char *tags[] = {"late", "early"};

        assert_int_equal(store_write(f->s, tagged_people_fn, NULL), 0);
        for (size_t k = 0; k < ARRAY_SIZE(tags); k++) {
                struct list_op full = {.filter = {.tag = tags[k]}};
                struct list_op text_full = {.filter = {.tag = tags[k], .text = "1"}};

                assert_int_equal(store_read(f->s, list_fn, &full), 0);
                assert_int_equal(full.n, 800);
                assert_int_equal(store_read(f->s, list_fn, &text_full), 0);
                for (size_t limit = 1; limit <= 50; limit *= 7) {
                        struct list_op lim = {.filter = {.tag = tags[k], .limit = limit}};
                        struct list_op text = {
                            .filter = {.tag = tags[k], .text = "1", .limit = limit}};

                        assert_int_equal(store_read(f->s, list_fn, &lim), 0);
                        assert_int_equal(lim.n, limit);
                        for (size_t i = 0; i < lim.n; i++)
                                assert_int_equal(lim.ids[i], full.ids[i]);
                        assert_int_equal(store_read(f->s, list_fn, &text), 0);
                        assert_int_equal(text.n, limit < text_full.n ? limit : text_full.n);
                        for (size_t i = 0; i < text.n; i++)
                                assert_int_equal(text.ids[i], text_full.ids[i]);
                }
        }
}

/* ---- map growth ---- */

#define SMALL_MAP ((size_t)64 << 10)

struct bulk_op {
        struct contact **v;
        size_t n;
        unsigned runs;
};

static int bulk_fn(struct store_txn *t, void *userdata)
{
        struct bulk_op *op = userdata;
        int r;

        op->runs++;
        for (size_t i = 0; i < op->n; i++) {
                r = store_txn_contact_put(t, op->v[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static struct contact *bulk_contact(size_t i)
{
        char name[64], email[64], tag[16];
        struct contact *c;

        snprintf(name, sizeof(name), "Person %06zu Example", i);
        snprintf(email, sizeof(email), "person%zu@bulk.example", i);
        snprintf(tag, sizeof(tag), "group%zu", i % 10);
        c = mk(name);
        push(&c->emails, email);
        push(&c->tags, tag);
        c->networks = 1u << (i % _NETWORK_MAX);
        c->next_due = (int64_t)(i * 7 % 1000);
        return c;
}

static void test_map_growth(void **state)
{
        struct fixture *f = *state;
        struct bulk_op op = {0};
        const size_t separate = 1500, together = 3000;
        size_t grown;
        uint64_t ids[2];

        fixture_open(f, SMALL_MAP, 0);
        assert_int_equal(store_map_size(f->s), SMALL_MAP);

        for (size_t i = 0; i < separate; i++)
                add(f->s, bulk_contact(i));
        assert_true(store_map_size(f->s) > SMALL_MAP);
        assert_int_equal(count(f->s), separate);

        /* One big transaction: fn is re-run after every growth, with contacts whose ids were
         * assigned by an aborted attempt. */
        op.n = together;
        op.v = calloc(together, sizeof(*op.v));
        for (size_t i = 0; i < together; i++)
                op.v[i] = bulk_contact(separate + i);
        grown = store_map_size(f->s);
        assert_int_equal(store_write(f->s, bulk_fn, &op), 0);
        assert_true(op.runs > 1);
        assert_true(store_map_size(f->s) > grown);
        for (size_t i = 0; i < together; i++) {
                assert_int_equal(op.v[i]->id, separate + i + 1);
                contact_free(op.v[i]);
        }
        free(op.v);
        assert_int_equal(count(f->s), separate + together);

        /* Everything is there and indexed. */
        assert_int_equal(resolve1(f->s, "person 000000 example"), 1);
        assert_int_equal(resolve1(f->s, "Person 004499 Example"), separate + together);
        assert_int_equal(resolve1(f->s, "person4000@bulk.example"), 4001);
        assert_int_equal(resolve(f->s, "person 00", ids, 2), 2 + 1000); /* counting stops */

        /* The grown size survives a reopen; a larger initial size still applies. */
        grown = store_map_size(f->s);
        fixture_close(f);
        fixture_open(f, SMALL_MAP, 0);
        assert_int_equal(store_map_size(f->s), grown);
        assert_int_equal(count(f->s), separate + together);
        fixture_close(f);
        fixture_open(f, grown * 4, 0);
        assert_int_equal(store_map_size(f->s), grown * 4);
        assert_int_equal(count(f->s), separate + together);
}

static void test_map_max(void **state)
{
        struct fixture *f = *state;
        /* Room for every database root plus a few hundred contacts; more databases are added
         * as tend grows, so leave headroom rather than count pages. */
        const size_t max = (size_t)1 << 20;
        size_t ok = 0;
        int r = 0;

        fixture_open(f, SMALL_MAP, max);
        for (size_t i = 0; i < 100000; i++) {
                struct contact *c = bulk_contact(i);

                r = put(f->s, c);
                contact_free(c);
                if (r < 0)
                        break;
                ok++;
        }
        assert_int_equal(r, -ENOSPC);
        assert_true(ok > 100);
        assert_int_equal(store_map_size(f->s), max);
        assert_false(store_is_broken(f->s));
        assert_int_equal(count(f->s), ok);
        assert_int_equal(resolve1(f->s, "person 000000 example"), 1);
        {
                char name[64];

                snprintf(name, sizeof(name), "Person %06zu Example", ok - 1);
                assert_int_equal(resolve1(f->s, name), ok);
        }
        /* Still readable after a reopen. */
        fixture_close(f);
        fixture_open(f, SMALL_MAP, max);
        assert_int_equal(count(f->s), ok);
}

/* Another process grows the map beyond ours: our next transaction sees MDB_MAP_RESIZED and
 * adopts the new size. */
static void test_map_resized_by_other_process(void **state)
{
        struct fixture *f = *state;
        size_t before;
        pid_t pid;
        int status;

        fixture_open(f, SMALL_MAP, 0);
        add_simple(f->s, "Parent", NULL, NULL, 0, 0);
        before = store_map_size(f->s);

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* The child never touches the parent's environment; it opens its own. */
                struct store_options o = {.dir = f->dir, .initial_map_size = SMALL_MAP};
                struct store *s = NULL;
                int ok = store_open(&o, &s) == 0;

                for (size_t i = 0; ok && i < 1500; i++) {
                        struct contact *c = bulk_contact(i);

                        ok = put(s, c) == 0;
                        contact_free(c);
                }
                ok = ok && store_map_size(s) > SMALL_MAP;
                store_close(s);
                _exit(ok ? 0 : 1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);

        assert_int_equal(count(f->s), 1501);
        assert_true(store_map_size(f->s) > before);
        assert_int_equal(resolve1(f->s, "person 001499 example"), 1501);
        add_simple(f->s, "Parent Again", NULL, NULL, 0, 0);
        assert_int_equal(count(f->s), 1502);
}

struct failing_op {
        int ret;
};

static int failing_fn(struct store_txn *t, void *userdata)
{
        struct failing_op *op = userdata;
        struct contact *c = mk("Ghost");
        int r;

        push(&c->tags, "ghost");
        c->next_due = 5;
        r = store_txn_contact_put(t, c);
        contact_free(c);
        assert_int_equal(r, 0);
        return op->ret;
}

static void test_write_error_rolls_back(void **state)
{
        struct fixture *f = *state;
        struct failing_op op = {.ret = -EINVAL};
        struct due_op d = {0};

        assert_int_equal(store_write(f->s, failing_fn, &op), -EINVAL);
        assert_int_equal(count(f->s), 0);
        assert_int_equal(resolve1(f->s, "ghost"), 0);
        expect_list(f->s, (struct contact_filter){.tag = "ghost"}, NONE);
        assert_int_equal(store_read(f->s, due_first_fn, &d), -ENOENT);
        /* The id was not consumed either. */
        assert_int_equal(add_simple(f->s, "Real", NULL, NULL, 0, 0), 1);

        /* A positive return commits and is passed through. */
        op.ret = 3;
        assert_int_equal(store_write(f->s, failing_fn, &op), 3);
        assert_int_equal(resolve1(f->s, "ghost"), 2);
}

/* ---- group commit ---- */

struct group_put {
        struct contact *c;
        bool fail; /* writes its contact, then fails: only this write is rolled back */
        unsigned runs;
};

static int group_put_fn(struct store_txn *t, void *userdata)
{
        struct group_put *g = userdata;
        int r;

        g->runs++;
        r = store_txn_contact_put(t, g->c);
        if (r < 0)
                return r;
        return g->fail ? -EINVAL : 0;
}

static void count_committed(const struct store_changes *ch, void *userdata)
{
        (*(size_t *)userdata) += ch->contacts ? 1 : 0;
}

static int journal_count_cb(const struct store_journal_entry *e, void *userdata)
{
        (*(size_t *)userdata)++;
        return 0;
}

static int journal_count_fn(struct store_txn *t, void *userdata)
{
        return store_txn_journal_list(t, 0, journal_count_cb, userdata);
}

/* A group of n puts, every fifth failing after its write; checks every result, that only the
 * failing ones are missing, and that each written one reached the observer and the journal
 * on its own. */
static void check_group(struct fixture *f, size_t first, size_t n)
{
        struct store_write_op *ops = calloc(n, sizeof(*ops));
        struct group_put *g = calloc(n, sizeof(*g));
        size_t committed = 0, entries_before = 0, entries = 0, ok = 0;
        uint64_t before = count(f->s);

        assert_non_null(ops);
        assert_non_null(g);
        assert_int_equal(store_read(f->s, journal_count_fn, &entries_before), 0);
        store_set_observer(
            f->s, &(struct store_observer){.committed = count_committed, .userdata = &committed});
        for (size_t i = 0; i < n; i++) {
                g[i] = (struct group_put){.c = bulk_contact(first + i), .fail = i % 5 == 2};
                ops[i] = (struct store_write_op){.fn = group_put_fn, .userdata = &g[i]};
        }
        store_write_group(f->s, ops, n);
        store_set_observer(f->s, NULL);
        for (size_t i = 0; i < n; i++) {
                char name[64];

                snprintf(name, sizeof(name), "Person %06zu Example", first + i);
                assert_int_equal(ops[i].result, g[i].fail ? -EINVAL : 0);
                assert_int_equal(resolve1(f->s, name), g[i].fail ? 0 : g[i].c->id);
                ok += !g[i].fail;
                contact_free(g[i].c);
        }
        assert_int_equal(count(f->s), before + ok);
        assert_int_equal(committed, ok);
        assert_int_equal(store_read(f->s, journal_count_fn, &entries), 0);
        assert_int_equal(entries - entries_before, ok);
        free(ops);
        free(g);
}

static int group_undo_fn(struct store_txn *t, void *userdata)
{
        return store_txn_undo(t, userdata);
}

static void test_write_group(void **state)
{
        struct fixture *f = *state;

        check_group(f, 0, 1);
        check_group(f, 1, 2);
        check_group(f, 10, 40);
        /* The journal undoes them one by one: the last write of the group only. */
        {
                struct store_journal_entry e;

                assert_int_equal(store_write(f->s, group_undo_fn, &e), 0);
                assert_int_equal(resolve1(f->s, "Person 000049 Example"), 0);
                assert_true(resolve1(f->s, "Person 000048 Example") > 0);
        }
}

/* A group that fills the map is made again one write at a time, each through store_write's
 * growth: every write once, none lost. */
static void test_write_group_map_growth(void **state)
{
        struct fixture *f = *state;

        fixture_open(f, SMALL_MAP, 0);
        for (size_t k = 0; k < 10; k++)
                check_group(f, k * 300, 300);
        assert_true(store_map_size(f->s) > SMALL_MAP);
        assert_int_equal(count(f->s), 10 * 240);
}

/* Closing and opening the environment to give LMDB's page buffers back: refused while a
 * snapshot reads, and nothing is lost or changed by it; a big write does it by itself. */
static int snapshot_count_fn(struct store_txn *t, void *userdata)
{
        return store_txn_contact_count(t, userdata);
}

static void test_release_memory(void **state)
{
        struct fixture *f = *state;
        struct store_snapshot *snap = NULL;
        struct bulk_op op = {0};
        uint64_t n = 0;

        assert_int_equal(store_changed_since_release(f->s), 0);
        add_simple(f->s, "Before", "before@example.com", "x", 0, 1000);
        assert_int_equal(store_changed_since_release(f->s), 1);
        assert_int_equal(store_snapshot_open(f->s, &snap), 0);
        assert_int_equal(store_release_memory(f->s), -EBUSY);
        add_simple(f->s, "Meanwhile", NULL, NULL, 0, 0);
        assert_int_equal(store_snapshot_read(snap, snapshot_count_fn, &n), 0);
        assert_int_equal(n, 1); /* the store as it was when the snapshot was taken */
        store_snapshot_close(snap);
        assert_int_equal(store_changed_since_release(f->s), 2);
        assert_int_equal(store_release_memory(f->s), 0);
        assert_int_equal(store_changed_since_release(f->s), 0); /* what tendd waits for */
        assert_int_equal(count(f->s), 2);
        assert_int_equal(resolve1(f->s, "before@example.com"), 1);
        add_simple(f->s, "After", NULL, NULL, 0, 0);
        assert_int_equal(count(f->s), 3);

        /* A write of more than 10,000 people releases by itself, and the store goes on. */
        op.n = 12000;
        op.v = calloc(op.n, sizeof(*op.v));
        assert_non_null(op.v);
        for (size_t i = 0; i < op.n; i++)
                op.v[i] = bulk_contact(i);
        assert_int_equal(store_write(f->s, bulk_fn, &op), 0);
        for (size_t i = 0; i < op.n; i++)
                contact_free(op.v[i]);
        free(op.v);
        assert_int_equal(count(f->s), 3 + 12000);
        assert_int_equal(resolve1(f->s, "Person 011999 Example"), 3 + 12000);
        add_simple(f->s, "Last", NULL, NULL, 0, 0);
        assert_int_equal(count(f->s), 3 + 12001);
}

static void test_read_only(void **state)
{
        struct fixture *f = *state;
        struct contact *c = mk("Nope");

        /* A write inside store_read fails, it does not crash. */
        assert_int_equal(store_read(f->s, put_fn, c), -EROFS);
        contact_free(c);
        assert_int_equal(count(f->s), 0);
}

static void plant_schema(const char *dir, uint32_t version)
{
        MDB_env *env;
        MDB_txn *txn;
        MDB_dbi meta;
        uint8_t be[4] = {(uint8_t)(version >> 24), (uint8_t)(version >> 16),
                         (uint8_t)(version >> 8), (uint8_t)version};
        MDB_val k = {6, (void *)"schema"}, v = {sizeof(be), be};

        assert_int_equal(mdb_env_create(&env), 0);
        assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
        assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
        assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
        assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
        assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
        assert_int_equal(mdb_txn_commit(txn), 0);
        mdb_env_close(env);
}

static void test_schema_newer(void **state)
{
        struct fixture *f = *state;
        struct store_options o = {.dir = f->dir};
        struct store *s = NULL;

        fixture_open(f, 0, 0);
        add_simple(f->s, "Someone", NULL, NULL, 0, 0);
        fixture_close(f);

        plant_schema(f->dir, STORE_SCHEMA_VERSION + 1);
        assert_int_equal(store_open(&o, &s), -EPROTONOSUPPORT);
        assert_null(s);

        /* Back to the current version: opens, data intact. */
        plant_schema(f->dir, STORE_SCHEMA_VERSION);
        fixture_open(f, 0, 0);
        assert_int_equal(count(f->s), 1);
}

/* ---- global interaction ids and kind counts ---- */

struct iid_op {
        uint64_t id;
        int64_t now;
        struct interaction *i; /* get: the result; update/put: the input */
        const char *kind;
        uint64_t count, next;
        int r;
};

static int iid_get_fn(struct store_txn *t, void *userdata)
{
        struct iid_op *op = userdata;

        interaction_free(op->i);
        op->i = NULL;
        op->r = store_txn_interaction_get_id(t, op->id, &op->i);
        return store_txn_interaction_next_id(t, &op->next);
}

static struct interaction *iid_get(struct store *s, uint64_t id)
{
        struct iid_op op = {.id = id};

        assert_int_equal(store_read(s, iid_get_fn, &op), 0);
        if (op.r < 0)
                assert_int_equal(op.r, -ENOENT);
        return op.i;
}

static uint64_t next_iid(struct store *s)
{
        struct iid_op op = {0};

        assert_int_equal(store_read(s, iid_get_fn, &op), 0);
        return op.next;
}

static int kind_count_fn(struct store_txn *t, void *userdata)
{
        struct iid_op *op = userdata;

        return store_txn_kind_count(t, op->kind, &op->count);
}

static uint64_t kind_count(struct store *s, const char *kind)
{
        struct iid_op op = {.kind = kind};

        assert_int_equal(store_read(s, kind_count_fn, &op), 0);
        return op.count;
}

static int iid_update_fn(struct store_txn *t, void *userdata)
{
        return store_txn_interaction_update(t, userdata);
}

static int iid_delete_fn(struct store_txn *t, void *userdata)
{
        struct iid_op *op = userdata;

        return store_txn_interaction_delete(t, op->id, op->now);
}

static int iid_put_exact_fn(struct store_txn *t, void *userdata)
{
        return store_txn_interaction_put_exact(t, userdata);
}

static uint64_t ia_add_id(struct store *s, uint64_t contact, int64_t at, const char *kind)
{
        struct interaction *i = interaction_new();
        uint64_t id;

        assert_non_null(i);
        i->contact_id = contact;
        i->at = at;
        i->kind = strdup(kind);
        assert_int_equal(store_write(s, ia_add_fn, i), 0);
        id = i->id;
        interaction_free(i);
        return id;
}

struct move_op {
        uint64_t id, to;
};

static int iid_move_fn(struct store_txn *t, void *userdata)
{
        struct move_op *op = userdata;

        return store_txn_interaction_move_to(t, op->id, op->to);
}

static int iid_drop_fn(struct store_txn *t, void *userdata)
{
        return store_txn_interaction_drop(t, *(uint64_t *)userdata);
}

/* Sync gives an interaction back to the person it came from (the same record and id), or
 * drops it from a person without a tombstone (it lives on elsewhere). */
static void test_interaction_move_to_and_drop(void **state)
{
        struct fixture *f = *state;
        uint64_t ann = add(f->s, mk("Ann")), bob = add(f->s, mk("Bob"));
        uint64_t a1 = ia_add_id(f->s, ann, 200, "coffee"), a2 = ia_add_id(f->s, ann, 200, "call");
        struct interaction *i;
        struct uuid_op u = {0};
        char uuid[UUID_STRING_LEN + 1];

        assert_int_equal(store_write(f->s, iid_move_fn, &(struct move_op){a1, bob}), 0);
        i = iid_get(f->s, a1);
        assert_non_null(i);
        assert_int_equal(i->contact_id, bob);
        assert_int_equal(i->at, 200);
        assert_string_equal(i->kind, "coffee");
        interaction_free(i);
        assert_int_equal(kind_count(f->s, "coffee"), 1);
        assert_int_equal(store_write(f->s, iid_move_fn, &(struct move_op){a1, 999}), -ENOENT);
        assert_int_equal(store_write(f->s, iid_move_fn, &(struct move_op){77, bob}), -ENOENT);

        i = iid_get(f->s, a2);
        memcpy(uuid, i->uuid, sizeof(uuid));
        interaction_free(i);
        assert_int_equal(store_write(f->s, iid_drop_fn, &a2), 0);
        assert_null(iid_get(f->s, a2));
        assert_int_equal(kind_count(f->s, "call"), 0);
        u.uuid = uuid;
        assert_int_equal(store_read(f->s, uuid_fn, &u), -ENOENT);
        assert_int_equal(u.tomb, -ENOENT); /* no tombstone: it may come back */
}

static int goal_tagged_cb(const struct interaction *i, void *userdata)
{
        (*(size_t *)userdata)++;
        return 0;
}

struct goal_tagged_op {
        uint64_t goal;
        size_t n;
};

static int goal_tagged_fn(struct store_txn *t, void *userdata)
{
        struct goal_tagged_op *op = userdata;

        op->n = 0;
        return store_txn_goal_interactions(t, op->goal, goal_tagged_cb, &op->n);
}

static size_t goal_tagged(struct store *s, uint64_t goal)
{
        struct goal_tagged_op op = {.goal = goal};

        assert_int_equal(store_read(s, goal_tagged_fn, &op), 0);
        return op.n;
}

static void test_interaction_ids(void **state)
{
        struct fixture *f = *state;
        uint64_t ann = add_simple(f->s, "Ann", NULL, NULL, 0, 0);
        uint64_t bob = add_simple(f->s, "Bob", NULL, NULL, 0, 0);
        struct ia_list_op l = {.contact = ann};
        struct uuid_op u = {0};
        struct iid_op d = {.now = 5000};
        struct interaction *i;
        uint64_t a1, b1, a2;

        /* Global, not per contact, and handed out in order. */
        a1 = ia_add_id(f->s, ann, 100, "coffee");
        b1 = ia_add_id(f->s, bob, 100, "coffee");
        a2 = ia_add_id(f->s, ann, 200, "call");
        assert_int_equal(a1, 1);
        assert_int_equal(b1, 2);
        assert_int_equal(a2, 3);
        assert_int_equal(next_iid(f->s), 4);
        assert_int_equal(kind_count(f->s, "coffee"), 2);
        assert_int_equal(kind_count(f->s, "call"), 1);

        i = iid_get(f->s, b1);
        assert_non_null(i);
        assert_int_equal(i->contact_id, bob);
        assert_int_equal(i->at, 100);
        assert_string_equal(i->kind, "coffee");
        interaction_free(i);
        assert_null(iid_get(f->s, 99));

        /* A new time moves the record; the id stays and the list follows. */
        i = iid_get(f->s, a1);
        i->at = 300;
        free(i->kind);
        i->kind = strdup("meeting");
        assert_int_equal(store_write(f->s, iid_update_fn, i), 0);
        interaction_free(i);
        i = iid_get(f->s, a1);
        assert_int_equal(i->at, 300);
        assert_string_equal(i->kind, "meeting");
        assert_int_equal(i->contact_id, ann);
        interaction_free(i);
        ia_list(f->s, &l);
        assert_int_equal(l.n, 2);
        assert_int_equal(l.at[0], 300);
        assert_string_equal(l.kind[0], "meeting");
        assert_int_equal(l.at[1], 200);
        assert_int_equal(kind_count(f->s, "coffee"), 1);
        assert_int_equal(kind_count(f->s, "meeting"), 1);

        /* Removing leaves a tombstone; the id is never handed out again. */
        i = iid_get(f->s, a2);
        u.uuid = i->uuid;
        d.id = a2;
        assert_int_equal(store_write(f->s, iid_delete_fn, &d), 0);
        assert_int_equal(store_read(f->s, uuid_fn, &u), -ENOENT);
        assert_int_equal(u.tomb, 'I');
        assert_int_equal(u.deleted, 5000);
        interaction_free(i);
        assert_null(iid_get(f->s, a2));
        assert_int_equal(kind_count(f->s, "call"), 0);
        assert_int_equal(store_write(f->s, iid_delete_fn, &d), -ENOENT);
        assert_int_equal(ia_add_id(f->s, ann, 400, "call"), 4);

        /* Deleting the contact drops the ids and the counts of its interactions. */
        assert_int_equal(del(f->s, ann, 6000), 0);
        assert_null(iid_get(f->s, a1));
        assert_null(iid_get(f->s, 4));
        assert_int_equal(kind_count(f->s, "meeting"), 0);
        assert_int_equal(kind_count(f->s, "call"), 0);
        assert_int_equal(kind_count(f->s, "coffee"), 1);
        i = iid_get(f->s, b1);
        assert_non_null(i);
        interaction_free(i);
        assert_int_equal(next_iid(f->s), 5);
}

static void test_interaction_ids_put_exact(void **state)
{
        struct fixture *f = *state;
        uint64_t ann = add_simple(f->s, "Ann", NULL, NULL, 0, 0);
        struct interaction *i = interaction_new(), *got;

        /* A restore keeps a free id and moves the counter past it. */
        i->contact_id = ann;
        i->at = 100;
        i->id = 17;
        i->kind = strdup("coffee");
        strcpy(i->uuid, "11111111-2222-4333-8444-555555555555");
        assert_int_equal(store_write(f->s, iid_put_exact_fn, i), 0);
        assert_int_equal(i->id, 17);
        got = iid_get(f->s, 17);
        assert_non_null(got);
        assert_int_equal(got->at, 100);
        interaction_free(got);
        assert_int_equal(next_iid(f->s), 18);
        assert_int_equal(kind_count(f->s, "coffee"), 1);

        /* A taken id (another record) gets a fresh one; the first keeps its own. */
        i->at = 200;
        strcpy(i->uuid, "11111111-2222-4333-8444-555555555556");
        assert_int_equal(store_write(f->s, iid_put_exact_fn, i), 0);
        assert_int_equal(i->id, 18);
        got = iid_get(f->s, 17);
        assert_int_equal(got->at, 100);
        interaction_free(got);
        /* The same key again is refused before any id is drawn. */
        assert_int_equal(store_write(f->s, iid_put_exact_fn, i), -EEXIST);
        assert_int_equal(next_iid(f->s), 19);
        /* No id (an older export): the counter's next. */
        i->id = 0;
        i->at = 300;
        strcpy(i->uuid, "11111111-2222-4333-8444-555555555557");
        assert_int_equal(store_write(f->s, iid_put_exact_fn, i), 0);
        assert_int_equal(i->id, 19);
        assert_int_equal(kind_count(f->s, "coffee"), 3);
        interaction_free(i);

        /* store_txn_interaction_add refuses an id that is taken. */
        i = interaction_new();
        i->contact_id = ann;
        i->at = 400;
        i->id = 17;
        assert_int_equal(store_write(f->s, ia_add_fn, i), -EEXIST);
        interaction_free(i);
}

static int goal_put_fn(struct store_txn *t, void *userdata)
{
        return store_txn_goal_put(t, userdata);
}

static void test_interaction_update_goal_index(void **state)
{
        struct fixture *f = *state;
        uint64_t ann = add_simple(f->s, "Ann", NULL, NULL, 0, 0);
        struct goal *g = calloc(1, sizeof(*g)), *h = calloc(1, sizeof(*h));
        struct interaction *i = interaction_new();
        uint64_t id;

        g->title = strdup("Raise");
        h->title = strdup("Hire");
        assert_int_equal(store_write(f->s, goal_put_fn, g), 0);
        assert_int_equal(store_write(f->s, goal_put_fn, h), 0);
        i->contact_id = ann;
        i->at = 100;
        i->kind = strdup("coffee");
        i->goal_id = g->id;
        assert_int_equal(store_write(f->s, ia_add_fn, i), 0);
        id = i->id;
        interaction_free(i);
        assert_int_equal(goal_tagged(f->s, g->id), 1);

        /* Moving it in time keeps it listed under its goal (the index names the key). */
        i = iid_get(f->s, id);
        i->at = 50;
        assert_int_equal(store_write(f->s, iid_update_fn, i), 0);
        assert_int_equal(goal_tagged(f->s, g->id), 1);
        /* Another goal: listed there only. */
        i->goal_id = h->id;
        assert_int_equal(store_write(f->s, iid_update_fn, i), 0);
        assert_int_equal(goal_tagged(f->s, g->id), 0);
        assert_int_equal(goal_tagged(f->s, h->id), 1);
        interaction_free(i);
        goal_free(g);
        goal_free(h);
}

/* Turn the store in dir back into what schema 1 wrote: records without ids, no id index, no
 * kind counts, no id counter. */
static void plant_schema1(const char *dir)
{
        MDB_env *env;
        MDB_txn *txn;
        MDB_dbi meta, ia, ids, kinds;
        MDB_cursor *cur;
        MDB_val k, v, nk = {19, (void *)"next_interaction_id"};
        uint8_t keys[16][20];
        size_t n = 0;
        int rc;

        assert_int_equal(mdb_env_create(&env), 0);
        assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
        assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
        assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
        assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
        assert_int_equal(mdb_dbi_open(txn, "interactions", 0, &ia), 0);
        assert_int_equal(mdb_dbi_open(txn, "interaction_ids", 0, &ids), 0);
        assert_int_equal(mdb_dbi_open(txn, "kinds", 0, &kinds), 0);
        assert_int_equal(mdb_cursor_open(txn, ia, &cur), 0);
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                assert_true(n < 16);
                assert_int_equal(k.mv_size, 20);
                memcpy(keys[n++], k.mv_data, 20);
        }
        mdb_cursor_close(cur);
        for (size_t j = 0; j < n; j++) {
                struct interaction *i = NULL;
                uint8_t *buf = NULL;
                size_t len;

                k = (MDB_val){20, keys[j]};
                assert_int_equal(mdb_get(txn, ia, &k, &v), 0);
                assert_int_equal(codec_interaction_decode(v.mv_data, v.mv_size, &i), 0);
                i->id = 0;
                assert_int_equal(codec_interaction_encode(i, &buf, &len), 0);
                v = (MDB_val){len, buf};
                assert_int_equal(mdb_put(txn, ia, &k, &v, 0), 0);
                free(buf);
                interaction_free(i);
        }
        assert_int_equal(mdb_drop(txn, ids, 1), 0);
        assert_int_equal(mdb_drop(txn, kinds, 1), 0);
        assert_int_equal(mdb_del(txn, meta, &nk, NULL), 0);
        assert_int_equal(mdb_txn_commit(txn), 0);
        mdb_env_close(env);
        plant_schema(dir, 1);
}

static void test_migrate_interaction_ids(void **state)
{
        struct fixture *f = *state;
        uint64_t ann, bob;
        struct interaction *i;

        fixture_open(f, 0, 0);
        ann = add_simple(f->s, "Ann", NULL, NULL, 0, 0);
        bob = add_simple(f->s, "Bob", NULL, NULL, 0, 0);
        ia_add_id(f->s, ann, 300, "coffee");
        ia_add_id(f->s, bob, 100, "call");
        ia_add_id(f->s, ann, 200, "coffee");
        fixture_close(f);
        plant_schema1(f->dir);

        /* Opening upgrades: ids oldest first, the index, the counter and the kind counts. */
        fixture_open(f, 0, 0);
        i = iid_get(f->s, 1);
        assert_non_null(i);
        assert_int_equal(i->contact_id, bob);
        assert_int_equal(i->at, 100);
        interaction_free(i);
        i = iid_get(f->s, 2);
        assert_int_equal(i->contact_id, ann);
        assert_int_equal(i->at, 200);
        interaction_free(i);
        i = iid_get(f->s, 3);
        assert_int_equal(i->at, 300);
        assert_int_equal(i->id, 3);
        interaction_free(i);
        assert_int_equal(next_iid(f->s), 4);
        assert_int_equal(kind_count(f->s, "coffee"), 2);
        assert_int_equal(kind_count(f->s, "call"), 1);
        assert_int_equal(ia_add_id(f->s, bob, 400, "call"), 4);

        /* Once: a second open changes nothing. */
        fixture_close(f);
        fixture_open(f, 0, 0);
        assert_int_equal(next_iid(f->s), 5);
        assert_int_equal(kind_count(f->s, "call"), 2);
}

static void test_open_errors(void **state)
{
        struct fixture *f = *state;
        struct store_options o = {0};
        struct store *s = NULL;
        char path[PATH_MAX + 16];
        FILE *fp;

        assert_int_equal(store_open(&o, &s), -EINVAL);
        o.dir = "";
        assert_int_equal(store_open(&o, &s), -EINVAL);

        /* A file where the directory should be. */
        snprintf(path, sizeof(path), "%s/file", f->base);
        fp = fopen(path, "w");
        assert_non_null(fp);
        fclose(fp);
        o.dir = path;
        assert_true(store_open(&o, &s) < 0);
        assert_null(s);

        /* A too-open directory of ours is tightened. */
        snprintf(path, sizeof(path), "%s/open", f->base);
        assert_int_equal(mkdir(path, 0755), 0);
        assert_int_equal(chmod(path, 0755), 0);
        assert_int_equal(store_open(&o, &s), 0);
        store_close(s);
        {
                struct stat st;

                assert_int_equal(stat(path, &st), 0);
                assert_int_equal(st.st_mode & 0777, 0700);
        }
        store_close(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_open_reopen, setup, teardown),
            cmocka_unit_test_setup_teardown(test_put_get, setup, teardown),
            cmocka_unit_test_setup_teardown(test_write_group, setup, teardown),
            cmocka_unit_test_setup_teardown(test_release_memory, setup, teardown),
            cmocka_unit_test_setup_teardown(test_write_group_map_growth, setup_closed, teardown),
            cmocka_unit_test_setup_teardown(test_index_maintenance, setup, teardown),
            cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
            cmocka_unit_test_setup_teardown(test_resolve_prefix_ambiguous, setup, teardown),
            cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
            cmocka_unit_test_setup_teardown(test_find_text, setup, teardown),
            cmocka_unit_test_setup_teardown(test_find_everywhere, setup, teardown),
            cmocka_unit_test_setup_teardown(test_long_names, setup, teardown),
            cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
            cmocka_unit_test_setup_teardown(test_interactions, setup, teardown),
            cmocka_unit_test_setup_teardown(test_due, setup, teardown),
            cmocka_unit_test_setup_teardown(test_due_count, setup, teardown),
            cmocka_unit_test_setup_teardown(test_due_list_after, setup, teardown),
            cmocka_unit_test_setup_teardown(test_due_count_buckets, setup, teardown),
            cmocka_unit_test_setup_teardown(test_words_intersect_like_a_scan, setup, teardown),
            cmocka_unit_test_setup_teardown(test_limited_tag_list_walk_and_fallback, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_limited_list_matches_full_list, setup, teardown),
            cmocka_unit_test_setup_teardown(test_map_growth, setup_closed, teardown),
            cmocka_unit_test_setup_teardown(test_map_max, setup_closed, teardown),
            cmocka_unit_test_setup_teardown(test_map_resized_by_other_process, setup_closed,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_write_error_rolls_back, setup, teardown),
            cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
            cmocka_unit_test_setup_teardown(test_schema_newer, setup_closed, teardown),
            cmocka_unit_test_setup_teardown(test_interaction_ids, setup, teardown),
            cmocka_unit_test_setup_teardown(test_interaction_move_to_and_drop, setup, teardown),
            cmocka_unit_test_setup_teardown(test_interaction_ids_put_exact, setup, teardown),
            cmocka_unit_test_setup_teardown(test_interaction_update_goal_index, setup, teardown),
            cmocka_unit_test_setup_teardown(test_migrate_interaction_ids, setup_closed, teardown),
            cmocka_unit_test_setup_teardown(test_open_errors, setup_closed, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
