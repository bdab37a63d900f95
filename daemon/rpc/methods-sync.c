/* io.tend.Sync: the vdir mirror's status, conflicts, and the merge vdirsyncer's
 * conflict_resolution command asks for. */
#include <string.h>

#include "interfaces.h"
#include "methods.h"
#include "reply.h"
#include "rpc.h"
#include "sync-card.h"
#include "transfer.h"
#include "util.h"

static char *value_text(json_t *v)
{
        return json_dumps(v ? v : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
}

struct conflicts_op {
        struct store_txn *t;
        json_t *list;
};

static int conflicts_contact(const struct contact *c, void *userdata)
{
        struct conflicts_op *op = userdata;
        json_auto_t *card = json_object(), *lines = json_array(), *found = NULL;
        json_t *v;
        size_t i;

        if (!card || !lines)
                return -ENOMEM;
        for (char **l = c->vcard_extra; l && *l; l++)
                if (strncasecmp(*l, SYNC_CONFLICT ";", strlen(SYNC_CONFLICT) + 1) == 0)
                        json_array_append_new(lines, json_string(*l));
        if (!json_array_size(lines))
                return 0;
        json_object_set(card, "vcard", lines);
        found = sync_card_conflicts(card);
        json_array_foreach(found, i, v)
        {
                _cleanup_free_ char *other = value_text(json_object_get(v, "other"));
                const char *field = json_string_value(json_object_get(v, "field"));
                _cleanup_free_ char *value = NULL;
                json_auto_t *now = NULL;

                if (!field || !other)
                        continue;
                /* The current value, as the card names it. */
                now = transfer_contact_json(op->t, c);
                value = value_text(json_object_get(now, field));
                if (!value)
                        return -ENOMEM;
                json_array_append_new(op->list,
                                      json_pack("{s:o,s:s,s:s,s:s,s:s}", "contact",
                                                reply_contact_ref(c->id, c->name), "uuid", c->uuid,
                                                "field", field, "value", value, "other", other));
        }
        return 0;
}

static int conflicts_fn(struct store_txn *t, void *userdata)
{
        struct conflicts_op *op = userdata;

        op->t = t;
        return store_txn_contact_list(t, &(struct contact_filter){0}, conflicts_contact, userdata);
}

static int method_conflicts(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        struct conflicts_op op = {.list = json_array()};
        int r;

        (void)params;
        if (!op.list)
                return -ENOMEM;
        r = store_read(d->store, conflicts_fn, &op);
        if (r < 0) {
                json_decref(op.list);
                return r;
        }
        return varlink_call_reply(call, json_pack("{s:o}", "conflicts", op.list));
}

static int method_status(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        struct conflicts_op op = {.list = json_array()};
        json_t *st;
        int r;

        (void)params;
        if (!op.list)
                return -ENOMEM;
        r = store_read(d->store, conflicts_fn, &op);
        if (r < 0) {
                json_decref(op.list);
                return r;
        }
        st = d->sync_status ? d->sync_status(d->sync_userdata) : json_pack("{s:b}", "enabled", 0);
        if (!st) {
                json_decref(op.list);
                return -ENOMEM;
        }
        json_object_set_new(st, "conflicts", json_integer((json_int_t)json_array_size(op.list)));
        json_decref(op.list);
        return varlink_call_reply(call, st);
}

static int method_flush(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;

        (void)params;
        if (d->sync_flush)
                d->sync_flush(d->sync_userdata);
        return varlink_call_reply(call, json_object());
}

static int method_resolve(struct varlink_call *call, json_t *params, void *userdata)
{
        const char *a = json_string_value(json_object_get(params, "a"));
        const char *b = json_string_value(json_object_get(params, "b"));
        json_auto_t *ca = NULL, *cb = NULL, *merged = NULL;
        _cleanup_free_ char *text = NULL;
        char reason[256];
        unsigned conflicts = 0;
        size_t len;
        int r;

        (void)userdata;
        if (sync_card_read(a, strlen(a), &ca, reason, sizeof(reason)) < 0 ||
            sync_card_read(b, strlen(b), &cb, reason, sizeof(reason)) < 0)
                return varlink_call_error(call, "io.tend.Sync.NotTheSameCard",
                                          json_pack("{s:s}", "reason", reason));
        if (!json_equal(json_object_get(ca, "uuid"), json_object_get(cb, "uuid")))
                return varlink_call_error(call, "io.tend.Sync.NotTheSameCard",
                                          json_pack("{s:s}", "reason", "their UIDs differ"));
        r = sync_card_merge(ca, cb, &merged, &conflicts);
        if (r >= 0)
                r = sync_card_write(merged, &text, &len);
        if (r < 0)
                return r;
        return varlink_call_reply(
            call, json_pack("{s:s,s:I}", "card", text, "conflicts", (json_int_t)conflicts));
}

static const struct varlink_param no_params[] = {
    {0},
};

static const struct varlink_param resolve_params[] = {
    {"a", VARLINK_STRING, true},
    {"b", VARLINK_STRING, true},
    {0},
};

static const struct varlink_method sync_methods[] = {
    {"Status", method_status, no_params},
    {"Flush", method_flush, no_params},
    {"Conflicts", method_conflicts, no_params},
    {"Resolve", method_resolve, resolve_params},
    {0},
};

const struct varlink_interface methods_sync_interface = {
    .name = "io.tend.Sync",
    .idl = idl_io_tend_Sync,
    .methods = sync_methods,
};
