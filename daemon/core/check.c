#include "check.h"

#include <errno.h>

#include "store-check.h"

static int check_fn(struct store_txn *t, void *userdata)
{
        return store_txn_check(t, userdata);
}

static int repair_fn(struct store_txn *t, void *userdata)
{
        return store_txn_repair(t, userdata);
}

static json_t *report_json(const struct store_check_report *r, bool repaired)
{
        json_t *indexes = json_array();

        if (!indexes)
                return NULL;
        for (int i = 0; i < _STORE_CHECK_INDEX_MAX; i++) {
                const struct store_check_index_result *x = &r->index[i];

                if (json_array_append_new(indexes, json_pack("{s:s,s:I,s:I,s:I,s:I}", "name",
                                                             store_check_index_name(i), "entries",
                                                             (json_int_t)x->entries, "missing",
                                                             (json_int_t)x->missing, "extra",
                                                             (json_int_t)x->extra, "wrong",
                                                             (json_int_t)x->wrong)) < 0) {
                        json_decref(indexes);
                        return NULL;
                }
        }
        return json_pack(
            "{s:I,s:b,s:I,s:b,s:{s:I,s:I,s:I,s:I,s:I},s:o,s:I,s:I,s:I,s:I,s:{s:I,"
            "s:I}}",
            "problems", (json_int_t)store_check_problems(r), "repaired", repaired, "schema",
            (json_int_t)r->schema, "schema_known", r->schema_known, "records", "contacts",
            (json_int_t)r->contacts, "interactions", (json_int_t)r->interactions, "goals",
            (json_int_t)r->goals, "goal_links", (json_int_t)r->goal_links, "intros",
            (json_int_t)r->intros, "indexes", indexes, "unreadable", (json_int_t)r->unreadable,
            "shadowing_tombstones", (json_int_t)r->shadowing_tombstones, "dangling",
            (json_int_t)r->dangling, "counters", (json_int_t)r->counters, "journal", "entries",
            (json_int_t)r->journal_entries, "problems", (json_int_t)r->journal_problems);
}

int check_store(struct store *s, bool repair, json_t **ret)
{
        struct store_check_report r = {0};
        uint64_t problems;
        json_t *o;
        int rc;

        rc = repair ? store_write(s, repair_fn, &r) : store_read(s, check_fn, &r);
        if (rc < 0)
                return rc;
        problems = store_check_problems(&r);
        o = report_json(&r, repair && problems > 0);
        if (!o)
                return -ENOMEM;
        if (repair && problems > 0) { /* what a repair could not fix (unreadable records) */
                struct store_check_report after = {0};

                rc = store_read(s, check_fn, &after);
                if (rc < 0) {
                        json_decref(o);
                        return rc;
                }
                problems = store_check_problems(&after);
        }
        if (json_object_set_new(o, "remaining", json_integer((json_int_t)problems)) < 0) {
                json_decref(o);
                return -ENOMEM;
        }
        *ret = o;
        return problems > INT32_MAX ? INT32_MAX : (int)problems;
}
