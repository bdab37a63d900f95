/* io.tend.Dates: birthdays, anniversaries and custom dates of a person, and the dates coming up
 * across everyone. The rules are core/dates.c. */
#include <string.h>

#include "dates.h"
#include "fields.h"
#include "interfaces.h"
#include "methods.h"
#include "reply.h"
#include "rpc.h"
#include "store-transfer.h"

static int invalid(struct op_error *e, const char *param, const char *reason)
{
        return op_error_set(e, "io.tend.Service.InvalidValue",
                            json_pack("{s:s,s:s}", "parameter", param, "reason", reason));
}

struct date_op {
        struct rpc *d;
        const char *who, *label, *date, *which;
        bool yearly;
        int remind_days;
        int64_t now, within;
        struct op_error err;
        json_t *result;
};

static int reply_dates(struct date_op *op, struct contact *c)
{
        json_decref(op->result);
        op->result = json_pack("{s:o,s:o}", "contact", reply_contact_ref(c->id, c->name), "dates",
                               dates_contact_json(op->d->core->config, c, op->now));
        return op->result ? 0 : -ENOMEM;
}

static int add_fn(struct store_txn *t, void *userdata)
{
        struct date_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        r = reply_resolve_who(t, op->who, &op->err, &c);
        if (r < 0)
                return r;
        r = dates_add(c, op->label, op->date, op->yearly, op->remind_days, op->now);
        if (r == -EEXIST)
                return op_error_set(&op->err, "io.tend.Dates.LabelInUse",
                                    json_pack("{s:s}", "label", op->label));
        if (r == -E2BIG)
                return invalid(&op->err, "label", "a person holds at most 32 dates");
        if (r == -EINVAL)
                return invalid(&op->err, "date", "not a date: YYYY-MM-DD or MM-DD");
        if (r < 0)
                return r;
        c->updated = op->now;
        r = store_txn_contact_put(t, c);
        if (r < 0)
                return r;
        return reply_dates(op, c);
}

static int remove_fn(struct store_txn *t, void *userdata)
{
        struct date_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        r = reply_resolve_who(t, op->who, &op->err, &c);
        if (r < 0)
                return r;
        r = dates_remove(c, op->which);
        if (r == -ENOENT)
                return op_error_set(&op->err, "io.tend.Dates.NoSuchDate",
                                    json_pack("{s:s}", "date", op->which));
        if (r < 0)
                return r;
        c->updated = op->now;
        r = store_txn_contact_put(t, c);
        if (r < 0)
                return r;
        return reply_dates(op, c);
}

static int list_fn(struct store_txn *t, void *userdata)
{
        struct date_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        r = reply_resolve_who(t, op->who, &op->err, &c);
        if (r < 0)
                return r;
        return reply_dates(op, c);
}

static int append_upcoming(struct date_op *op, const struct contact *c,
                           const struct contact_date *d)
{
        struct date_occurrence o;
        json_t *j;

        if (dates_next_from_today(c, d, op->now, &o) <= 0 || o.day > op->now + op->within)
                return 0;
        j = dates_to_json(op->d->core->config, c, d, op->now);
        if (!j || json_object_set_new(j, "contact", reply_contact_ref(c->id, c->name)) < 0 ||
            json_array_append_new(op->result, j) < 0)
                return -ENOMEM;
        return 0;
}

static int upcoming_cb(const struct contact *c, void *userdata)
{
        struct date_op *op = userdata;
        struct contact_date bd;
        int r = 0;

        if (contact_birthday_date(c, &bd) > 0)
                r = append_upcoming(op, c, &bd);
        for (size_t i = 0; r >= 0 && i < c->n_dates; i++)
                r = append_upcoming(op, c, &c->dates[i]);
        return r;
}

static int by_days(const void *a, const void *b)
{
        json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "in_days"));
        json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "in_days"));

        return x < y ? -1 : x > y;
}

static int upcoming_fn(struct store_txn *t, void *userdata)
{
        struct date_op *op = userdata;
        json_t **v, *sorted;
        size_t n;
        int r;

        json_decref(op->result);
        op->result = json_array();
        if (!op->result)
                return -ENOMEM;
        r = store_txn_contact_walk(t, upcoming_cb, op);
        if (r < 0)
                return r;
        /* Soonest first. */
        n = json_array_size(op->result);
        v = calloc(n ? n : 1, sizeof(*v));
        sorted = json_array();
        if (!v || !sorted) {
                free(v);
                json_decref(sorted);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                v[i] = json_array_get(op->result, i);
        qsort_safe(v, n, sizeof(*v), by_days);
        for (size_t i = 0; i < n; i++)
                json_array_append(sorted, v[i]);
        free(v);
        json_decref(op->result);
        op->result = json_pack("{s:o,s:o}", "now", reply_time_or_null(op->now), "dates", sorted);
        return op->result ? 0 : -ENOMEM;
}

static int finish(struct varlink_call *call, struct date_op *op, int r)
{
        if (r < 0)
                r = op_error_reply(&op->err, call, r);
        else {
                r = varlink_call_reply(call, op->result);
                op->result = NULL;
        }
        op_error_done(&op->err);
        json_decref(op->result);
        return r;
}

static void op_init(struct date_op *op, void *userdata, json_t *params)
{
        *op = (struct date_op){
            .d = userdata,
            .who = json_string_value(json_object_get(params, "who")),
            .now = core_now(((struct rpc *)userdata)->core),
        };
}

static int method_add(struct varlink_call *call, json_t *params, void *userdata)
{
        struct date_op op;
        json_t *remind = json_object_get(params, "remind_days");
        int r;

        op_init(&op, userdata, params);
        op.date = json_string_value(json_object_get(params, "date"));
        op.yearly = json_is_true(json_object_get(params, "yearly"));
        r = fields_text(params, "label", DATE_LABEL_MAX, 0, &op.err, &op.label);
        if (r >= 0 && dates_label_validate(op.label) < 0)
                r = invalid(&op.err, "label", "empty");
        if (r >= 0 && remind) {
                json_int_t v = json_integer_value(remind);

                if (v < 0 || v > DATE_REMIND_MAX_DAYS)
                        r = invalid(&op.err, "remind_days", "between 0 and 366");
                op.remind_days = (int)v;
        }
        if (r >= 0)
                r = store_write(op.d->store, add_fn, &op);
        return finish(call, &op, r);
}

static int method_remove(struct varlink_call *call, json_t *params, void *userdata)
{
        struct date_op op;

        op_init(&op, userdata, params);
        op.which = json_string_value(json_object_get(params, "date"));
        return finish(call, &op, store_write(op.d->store, remove_fn, &op));
}

static int method_list(struct varlink_call *call, json_t *params, void *userdata)
{
        struct date_op op;

        op_init(&op, userdata, params);
        return finish(call, &op, store_read(op.d->store, list_fn, &op));
}

static int method_upcoming(struct varlink_call *call, json_t *params, void *userdata)
{
        struct date_op op;
        json_t *within = json_object_get(params, "within_seconds");
        int r = 0;

        op_init(&op, userdata, params);
        op.within = within ? json_integer_value(within) : 366LL * 86400;
        if (op.within < 0 || op.within > 366LL * 86400)
                r = invalid(&op.err, "within_seconds", "negative or over a year");
        if (r >= 0)
                r = store_read(op.d->store, upcoming_fn, &op);
        return finish(call, &op, r);
}

static const struct varlink_param add_params[] = {
    {"who", VARLINK_STRING, true},       {"label", VARLINK_STRING, true},
    {"date", VARLINK_STRING, true},      {"yearly", VARLINK_BOOL, false},
    {"remind_days", VARLINK_INT, false}, {0},
};

static const struct varlink_param remove_params[] = {
    {"who", VARLINK_STRING, true},
    {"date", VARLINK_STRING, true},
    {0},
};

static const struct varlink_param list_params[] = {
    {"who", VARLINK_STRING, true},
    {0},
};

static const struct varlink_param upcoming_params[] = {
    {"within_seconds", VARLINK_INT, false},
    {0},
};

static const struct varlink_method dates_methods[] = {
    {"Add", method_add, add_params},
    {"Remove", method_remove, remove_params},
    {"List", method_list, list_params},
    {"Upcoming", method_upcoming, upcoming_params},
    {0},
};

const struct varlink_interface methods_dates_interface = {
    .name = "io.tend.Dates",
    .idl = idl_io_tend_Dates,
    .methods = dates_methods,
};
