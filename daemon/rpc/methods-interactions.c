/* io.tend.Interactions: log what happened with someone, read their history, correct it
 * (edit or remove one interaction by its id) and list the kinds in use. */
#include <errno.h>
#include <string.h>

#include "fields.h"
#include "goals.h"
#include "interfaces.h"
#include "kinds.h"
#include "methods.h"
#include "reply.h"
#include "store-goals.h"
#include "rpc.h"
#include "timeutil.h"
#include "touch.h"

/* Logging "in the future" is planning, not an interaction; a little clock skew is fine. */
#define LOG_FUTURE_SLACK 300

struct log_op {
        struct rpc *d;
        json_t *params;
        const char *who;
        struct interaction in;
        struct op_error err;
        json_t *result;
        int64_t now;
        const char *goal;  /* GOAL the interaction was toward, NULL = none */
        const char *typed; /* KIND as sent */
        bool new_kind;     /* a kind close to a known one is meant as a new one */
        char *kind;        /* the normalised kind (owned) */
};

/* KIND as typed → a kind, or the error that explains what is wrong with it. */
static int check_kind(struct store_txn *t, const char *typed, bool new_kind, struct op_error *err,
                      char **kind)
{
        _cleanup_free_ char *suggestion = NULL;
        int v;

        free(*kind);
        *kind = NULL;
        v = kinds_check(t, typed, new_kind, kind, &suggestion);
        switch (v) {
        case KIND_OK:
                return 0;
        case KIND_TYPO:
                return op_error_set(
                    err, "io.tend.Interactions.UnknownKind",
                    json_pack("{s:s,s:s}", "kind", *kind, "suggestion", suggestion));
        case KIND_NOT_WORD:
                return op_error_set(err, "io.tend.Interactions.KindNotOneWord",
                                    json_pack("{s:s}", "kind", typed));
        case KIND_INVALID:
                return op_error_set(err, "io.tend.Service.InvalidValue",
                                    json_pack("{s:s,s:s}", "parameter", "kind", "reason",
                                              "use 1-64 letters, digits and dashes, e.g. coffee, "
                                              "call, informational-interview"));
        default:
                return v;
        }
}

/* The other people of a group interaction, seen from i's person: "with": [{id, name}]. */
static int set_with(struct store_txn *t, const struct interaction *i, json_t *o)
{
        json_t *a;
        int r;

        if (i->n_with == 0)
                return 0;
        a = json_array();
        if (!a || json_object_set_new(o, "with", a) < 0)
                return -ENOMEM;
        for (size_t k = 0; k <= i->n_with; k++) {
                _cleanup_(contact_freep) struct contact *c = NULL;
                /* The record's own person first, then the others as logged. */
                uint64_t id = k == 0 ? i->group_of : i->with[k - 1];

                if (id == 0 || id == i->contact_id)
                        continue;
                r = store_txn_contact_get(t, id, &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (json_array_append_new(a, reply_contact_ref(c->id, c->name)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Everyone else at a group interaction (Log's "with"): resolved, without repeats or c. */
static int resolve_with(struct store_txn *t, struct log_op *op, const struct contact *c,
                        struct contact ***ret, size_t *ret_n)
{
        json_t *with = json_object_get(op->params, "with"), *w;
        struct contact **v;
        size_t i, n = 0;
        int r;

        *ret = NULL;
        *ret_n = 0;
        if (json_array_size(with) == 0)
                return 0;
        if (json_array_size(with) > FIELD_LIST_MAX)
                return op_error_set(
                    &op->err, "io.tend.Service.InvalidValue",
                    json_pack("{s:s,s:s}", "parameter", "with", "reason", "at most 64 people"));
        v = calloc(json_array_size(with), sizeof(*v));
        if (!v)
                return -ENOMEM;
        *ret = v;
        json_array_foreach(with, i, w)
        {
                struct contact *o = NULL;
                bool seen = false;

                r = reply_resolve_who(t, json_string_value(w), &op->err, &o);
                if (r < 0)
                        return r;
                seen = o->id == c->id;
                for (size_t k = 0; k < n && !seen; k++)
                        seen = v[k]->id == o->id;
                if (seen)
                        contact_free(o);
                else
                        v[n++] = o;
                *ret_n = n;
        }
        return 0;
}

static void contacts_free(struct contact **v, size_t n)
{
        for (size_t k = 0; k < n; k++)
                contact_free(v[k]);
        free(v);
}

static int log_fn(struct store_txn *t, void *userdata)
{
        struct log_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        _cleanup_(goal_freep) struct goal *g = NULL;
        int r;

        r = reply_resolve_who(t, op->who, &op->err, &c);
        if (r < 0)
                return r;
        r = check_kind(t, op->typed, op->new_kind, &op->err, &op->kind);
        if (r < 0)
                return r;
        op->in.kind = op->kind;
        op->in.id = 0;
        if (op->goal) {
                r = goals_resolve(t, op->goal, &op->err, &op->in.goal_id);
                if (r < 0)
                        return r;
                r = store_txn_goal_get(t, op->in.goal_id, &g);
                if (r < 0)
                        return r;
        }
        op->in.uuid[0] = 0; /* a re-run after map growth draws a fresh one */
        op->in.created = op->now;
        {
                struct contact **others = NULL;
                size_t n = 0;
                json_t *o;

                r = resolve_with(t, op, c, &others, &n);
                if (r >= 0)
                        r = touch_record_group(t, goals_conf_every(op->d->core), c, others, n,
                                               &op->in, op->now);
                contacts_free(others, n);
                if (r < 0)
                        return r;
                o = reply_interaction(&op->in, c->name);
                if (!o || set_with(t, &op->in, o) < 0) {
                        json_decref(o);
                        return -ENOMEM;
                }
                json_decref(op->result);
                op->result = json_pack("{s:o,s:o,s:o}", "interaction", o, "next_due",
                                       reply_time_or_null(c->next_due), "goal",
                                       g ? goals_ref(g->id, g->title) : json_null());
        }
        return op->result ? 0 : -ENOMEM;
}

/* The text parameters of an interaction (Log, Update): note, gave, got and at. */
static int interaction_params(json_t *params, int64_t now, struct op_error *err, const char **note,
                              const char **gave, const char **got, int64_t *at)
{
        int r;

        if ((r = fields_text(params, "note", FIELD_NOTE_MAX, 1, err, note)) < 0 ||
            (r = fields_text(params, "gave", FIELD_NOTE_MAX, 1, err, gave)) < 0 ||
            (r = fields_text(params, "got", FIELD_NOTE_MAX, 1, err, got)) < 0 ||
            (r = fields_time(params, "at", err, at)) < 0)
                return r;
        if (*at > now + LOG_FUTURE_SLACK)
                return op_error_set(err, "io.tend.Service.InvalidValue",
                                    json_pack("{s:s,s:s}", "parameter", "at", "reason",
                                              "is in the future; log what happened, and use "
                                              "'tend snooze' to plan a follow-up"));
        return 0;
}

static int method_log(struct varlink_call *call, json_t *params, void *userdata)
{
        struct log_op op = {.d = userdata, .now = core_now(((struct rpc *)userdata)->core)};
        const char *note = NULL, *gave = NULL, *got = NULL;
        int r;

        op.params = params;
        op.who = json_string_value(json_object_get(params, "who"));
        op.goal = json_string_value(json_object_get(params, "goal"));
        op.typed = json_string_value(json_object_get(params, "kind"));
        op.new_kind = json_is_true(json_object_get(params, "new_kind"));
        op.in.at = op.now;
        r = interaction_params(params, op.now, &op.err, &note, &gave, &got, &op.in.at);
        if (r >= 0 && op.goal && !*op.goal)
                r = op_error_set(&op.err, "io.tend.Service.InvalidValue",
                                 json_pack("{s:s,s:s}", "parameter", "goal", "reason",
                                           "empty; name a goal by id or title"));
        if (r >= 0) {
                op.in.note = note && *note ? (char *)note : NULL;
                op.in.gave = gave && *gave ? (char *)gave : NULL;
                op.in.got = got && *got ? (char *)got : NULL;
                r = store_write(op.d->store, log_fn, &op);
        }
        if (r < 0)
                r = op_error_reply(&op.err, call, r);
        else {
                r = varlink_call_reply(call, op.result);
                op.result = NULL;
        }
        op_error_done(&op.err);
        json_decref(op.result);
        free(op.kind);
        free(op.in.agenda);
        free(op.in.with);
        return r;
}

struct history_op {
        struct store_txn *t;
        const char *who;
        size_t limit;
        struct op_error err;
        json_t *result;
        const char *name;
        json_t *array;
        struct goal *goal; /* the last goal looked up: a run of interactions shares one */
};

/* {id, title} of the goal an interaction was toward; null when none (or no longer there). */
static int history_goal(struct history_op *op, uint64_t id, json_t **ret)
{
        int r;

        *ret = json_null();
        if (id == 0)
                return 0;
        if (!op->goal || op->goal->id != id) {
                goal_free(op->goal);
                op->goal = NULL;
                r = store_txn_goal_get(op->t, id, &op->goal);
                if (r == -ENOENT)
                        return 0;
                if (r < 0)
                        return r;
        }
        *ret = goals_ref(op->goal->id, op->goal->title);
        return *ret ? 0 : -ENOMEM;
}

static int append_interaction(const struct interaction *i, void *userdata)
{
        struct history_op *op = userdata;
        json_t *o = reply_interaction(i, op->name), *goal;
        int r;

        if (!o)
                return -ENOMEM;
        r = history_goal(op, i->goal_id, &goal);
        if (r >= 0 && json_object_set_new(o, "goal", goal) < 0)
                r = -ENOMEM;
        if (r >= 0)
                r = set_with(op->t, i, o);
        if (r >= 0 && json_array_append_new(op->array, o) < 0)
                return -ENOMEM;
        if (r < 0)
                json_decref(o);
        return r;
}

static int history_fn(struct store_txn *t, void *userdata)
{
        struct history_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        r = reply_resolve_who(t, op->who, &op->err, &c);
        if (r < 0)
                return r;
        op->t = t;
        op->name = c->name;
        op->array = json_array();
        if (!op->array)
                return -ENOMEM;
        r = store_txn_interaction_list(t, c->id, op->limit, append_interaction, op);
        if (r < 0) {
                json_decref(op->array);
                return r;
        }
        op->result = json_pack("{s:o,s:o}", "contact", reply_contact_ref(c->id, c->name),
                               "interactions", op->array);
        return op->result ? 0 : -ENOMEM;
}

static int method_list(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        struct history_op op = {.who = json_string_value(json_object_get(params, "who"))};
        int r;

        r = fields_limit(params, "limit", &op.err, &op.limit);
        if (r >= 0) {
                r = store_read(d->store, history_fn, &op);
        }
        if (r < 0)
                r = op_error_reply(&op.err, call, r);
        else {
                r = varlink_call_reply(call, op.result);
                op.result = NULL;
        }
        op_error_done(&op.err);
        json_decref(op.result);
        goal_free(op.goal);
        return r;
}

/* ---- one interaction by id: Get, Update, Remove ---- */

struct one_op {
        struct rpc *d;
        uint64_t id;
        json_t *params;
        int64_t now;
        struct op_error err;
        json_t *result;
        char *kind; /* Update: the normalised new kind (owned) */
};

static int no_such_interaction(struct one_op *op)
{
        return op_error_set(&op->err, "io.tend.Interactions.NoSuchInteraction",
                            json_pack("{s:I}", "id", (json_int_t)op->id));
}

/* The interaction and its person; NoSuchInteraction when either is gone. */
static int load_one(struct store_txn *t, struct one_op *op, struct interaction **ret_i,
                    struct contact **ret_c)
{
        int r;

        r = store_txn_interaction_get_id(t, op->id, ret_i);
        if (r == -ENOENT)
                return no_such_interaction(op);
        if (r < 0)
                return r;
        r = store_txn_contact_get(t, (*ret_i)->contact_id, ret_c);
        return r == -ENOENT ? no_such_interaction(op) : r;
}

/* {interaction (with goal), next_due} */
static int one_result(struct store_txn *t, struct one_op *op, const struct interaction *i,
                      const struct contact *c, bool with_due)
{
        struct history_op h = {.t = t};
        json_t *o = reply_interaction(i, c->name), *goal = NULL;
        int r;

        if (!o)
                return -ENOMEM;
        r = history_goal(&h, i->goal_id, &goal);
        goal_free(h.goal);
        if (r >= 0 && json_object_set_new(o, "goal", goal) < 0)
                r = -ENOMEM;
        if (r >= 0)
                r = set_with(t, i, o);
        if (r < 0) {
                json_decref(o);
                return r < 0 ? r : -ENOMEM;
        }
        json_decref(op->result);
        op->result = with_due ? json_pack("{s:o,s:o}", "interaction", o, "next_due",
                                          reply_time_or_null(c->next_due))
                              : json_pack("{s:o}", "interaction", o);
        return op->result ? 0 : -ENOMEM;
}

static int get_fn(struct store_txn *t, void *userdata)
{
        struct one_op *op = userdata;
        _cleanup_(interaction_freep) struct interaction *i = NULL;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        r = load_one(t, op, &i, &c);
        if (r < 0)
                return r;
        return one_result(t, op, i, c, false);
}

/* A text field of Update: absent keeps, "" clears. */
static int update_text(struct one_op *op, const char *key, char **field)
{
        const char *v = NULL;
        int r = fields_text(op->params, key, FIELD_NOTE_MAX, 1, &op->err, &v);

        if (r < 0 || !v)
                return r;
        return free_and_strdup(field, *v ? v : NULL);
}

static int update_fn(struct store_txn *t, void *userdata)
{
        struct one_op *op = userdata;
        _cleanup_(interaction_freep) struct interaction *i = NULL;
        _cleanup_(contact_freep) struct contact *c = NULL;
        const char *kind = json_string_value(json_object_get(op->params, "kind"));
        const char *goal = json_string_value(json_object_get(op->params, "goal"));
        int r;

        r = load_one(t, op, &i, &c);
        if (r < 0)
                return r;
        if (kind) {
                r = check_kind(t, kind, json_is_true(json_object_get(op->params, "new_kind")),
                               &op->err, &op->kind);
                if (r < 0)
                        return r;
                r = free_and_strdup(&i->kind, op->kind);
                if (r < 0)
                        return r;
        }
        if (goal && !*goal)
                i->goal_id = 0;
        else if (goal) {
                r = goals_resolve(t, goal, &op->err, &i->goal_id);
                if (r < 0)
                        return r;
        }
        if ((r = update_text(op, "note", &i->note)) < 0 ||
            (r = update_text(op, "gave", &i->gave)) < 0 ||
            (r = update_text(op, "got", &i->got)) < 0)
                return r;
        if (json_object_get(op->params, "at")) {
                const char *n = NULL, *g = NULL, *o = NULL;

                r = interaction_params(op->params, op->now, &op->err, &n, &g, &o, &i->at);
                if (r < 0)
                        return r;
        }
        r = store_txn_interaction_update(t, i);
        if (r < 0)
                return r;
        /* A group interaction is one: everyone it names is re-derived. */
        r = touch_recompute_group(t, goals_conf_every(op->d->core), i, op->now);
        if (r < 0)
                return r;
        r = touch_recompute(t, goals_conf_every(op->d->core), c);
        if (r < 0)
                return r;
        c->updated = op->now;
        r = store_txn_contact_put(t, c);
        if (r < 0)
                return r;
        return one_result(t, op, i, c, true);
}

static int remove_fn(struct store_txn *t, void *userdata)
{
        struct one_op *op = userdata;
        _cleanup_(interaction_freep) struct interaction *i = NULL;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        r = load_one(t, op, &i, &c);
        if (r < 0)
                return r;
        r = store_txn_interaction_delete(t, op->id, op->now);
        if (r < 0)
                return r;
        r = touch_recompute_group(t, goals_conf_every(op->d->core), i, op->now);
        if (r < 0)
                return r;
        r = touch_recompute(t, goals_conf_every(op->d->core), c);
        if (r < 0)
                return r;
        c->updated = op->now;
        r = store_txn_contact_put(t, c);
        if (r < 0)
                return r;
        return one_result(t, op, i, c, true);
}

static int run_one(struct varlink_call *call, json_t *params, struct rpc *d, store_txn_fn fn,
                   bool write)
{
        struct one_op op = {.d = d, .params = params, .now = core_now(d->core)};
        json_int_t id = json_integer_value(json_object_get(params, "id"));
        int r = 0;

        op.id = id > 0 ? (uint64_t)id : 0;
        if (id <= 0)
                r = no_such_interaction(&op);
        if (r >= 0)
                r = write ? store_write(d->store, fn, &op) : store_read(d->store, fn, &op);
        if (r < 0)
                r = op_error_reply(&op.err, call, r);
        else {
                r = varlink_call_reply(call, op.result);
                op.result = NULL;
        }
        op_error_done(&op.err);
        json_decref(op.result);
        free(op.kind);
        return r;
}

static int method_get(struct varlink_call *call, json_t *params, void *userdata)
{
        return run_one(call, params, userdata, get_fn, false);
}

static int method_update(struct varlink_call *call, json_t *params, void *userdata)
{
        return run_one(call, params, userdata, update_fn, true);
}

static int method_remove(struct varlink_call *call, json_t *params, void *userdata)
{
        return run_one(call, params, userdata, remove_fn, true);
}

/* ---- kinds ---- */

struct kinds_op {
        json_t *list;
};

static int kinds_add(json_t *list, const char *kind, uint64_t count, bool builtin)
{
        json_t *o = json_pack("{s:s,s:I,s:b}", "kind", kind, "count", (json_int_t)count, "builtin",
                              builtin);

        return o && json_array_append_new(list, o) == 0 ? 0 : -ENOMEM;
}

static int kinds_stored(const char *kind, uint64_t count, void *userdata)
{
        struct kinds_op *op = userdata;
        size_t k;
        json_t *o;

        json_array_foreach(op->list, k, o)
        {
                if (streq(json_string_value(json_object_get(o, "kind")), kind))
                        return json_object_set_new(o, "count", json_integer((json_int_t)count));
        }
        return kinds_add(op->list, kind, count, false);
}

static int kinds_fn(struct store_txn *t, void *userdata)
{
        struct kinds_op *op = userdata;
        int r;

        json_decref(op->list);
        op->list = json_array();
        if (!op->list)
                return -ENOMEM;
        for (size_t k = 0; kinds_builtin[k]; k++) {
                r = kinds_add(op->list, kinds_builtin[k], 0, true);
                if (r < 0)
                        return r;
        }
        return store_txn_kind_walk(t, kinds_stored, op);
}

static int method_kinds(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        struct kinds_op op = {0};
        int r;

        r = store_read(d->store, kinds_fn, &op);
        if (r >= 0)
                r = varlink_call_reply(call, json_pack("{s:o}", "kinds", op.list));
        else
                json_decref(op.list);
        return r;
}

static const struct varlink_param log_params[] = {
    {"who", VARLINK_STRING, true},   {"kind", VARLINK_STRING, true},
    {"note", VARLINK_STRING, false}, {"at", VARLINK_STRING, false},
    {"gave", VARLINK_STRING, false}, {"got", VARLINK_STRING, false},
    {"goal", VARLINK_STRING, false}, {"new_kind", VARLINK_BOOL, false},
    {"with", VARLINK_STRV, false},   {0},
};

static const struct varlink_param list_params[] = {
    {"who", VARLINK_STRING, true},
    {"limit", VARLINK_INT, false},
    {0},
};

static const struct varlink_param id_params[] = {
    {"id", VARLINK_INT, true},
    {0},
};

static const struct varlink_param update_params[] = {
    {"id", VARLINK_INT, true},
    {"at", VARLINK_STRING, false},
    {"kind", VARLINK_STRING, false},
    {"new_kind", VARLINK_BOOL, false},
    {"note", VARLINK_STRING, false},
    {"gave", VARLINK_STRING, false},
    {"got", VARLINK_STRING, false},
    {"goal", VARLINK_STRING, false},
    {0},
};

static const struct varlink_param no_params[] = {
    {0},
};

struct agenda_op {
        struct rpc *d;
        const char *who, *text;
        bool clear;
        int64_t now;
        struct op_error err;
        json_t *result;
};

static int agenda_fn(struct store_txn *t, void *userdata)
{
        struct agenda_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        int r;

        r = reply_resolve_who(t, op->who, &op->err, &c);
        if (r < 0)
                return r;
        if (op->clear || op->text) {
                r = free_and_strdup(&c->agenda, op->clear || !*op->text ? NULL : op->text);
                if (r < 0)
                        return r;
                c->updated = op->now;
                r = store_txn_contact_put(t, c);
                if (r < 0)
                        return r;
        }
        json_decref(op->result);
        op->result = json_pack("{s:o,s:o}", "contact", reply_contact_ref(c->id, c->name), "agenda",
                               c->agenda ? json_string(c->agenda) : json_null());
        return op->result ? 0 : -ENOMEM;
}

/* What to talk about next time with someone: set (text), shown (neither), or cleared. The next
 * touch clears it and keeps it in its interaction's record (touch.h). */
static int method_agenda(struct varlink_call *call, json_t *params, void *userdata)
{
        struct agenda_op op = {
            .d = userdata,
            .who = json_string_value(json_object_get(params, "who")),
            .clear = json_is_true(json_object_get(params, "clear")),
            .now = core_now(((struct rpc *)userdata)->core),
        };
        int r;

        r = fields_text(params, "text", FIELD_NOTE_MAX, 1, &op.err, &op.text);
        if (r >= 0 && op.clear && op.text)
                r = op_error_set(
                    &op.err, "io.tend.Service.InvalidValue",
                    json_pack("{s:s,s:s}", "parameter", "clear", "reason", "goes without text"));
        if (r >= 0)
                r = op.clear || op.text ? store_write(op.d->store, agenda_fn, &op)
                                        : store_read(op.d->store, agenda_fn, &op);
        if (r < 0)
                r = op_error_reply(&op.err, call, r);
        else {
                r = varlink_call_reply(call, op.result);
                op.result = NULL;
        }
        op_error_done(&op.err);
        json_decref(op.result);
        return r;
}

static const struct varlink_param agenda_params[] = {
    {"who", VARLINK_STRING, true},
    {"text", VARLINK_STRING, false},
    {"clear", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_method interactions_methods[] = {
    {"Agenda", method_agenda, agenda_params}, {"Log", method_log, log_params},
    {"List", method_list, list_params},       {"Get", method_get, id_params},
    {"Update", method_update, update_params}, {"Remove", method_remove, id_params},
    {"Kinds", method_kinds, no_params},       {0},
};

const struct varlink_interface methods_interactions_interface = {
    .name = "io.tend.Interactions",
    .idl = idl_io_tend_Interactions,
    .methods = interactions_methods,
};
