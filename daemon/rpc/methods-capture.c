/* io.tend.Capture: what capture found (per source), the ignore list, a re-scan. */
#include <errno.h>
#include <string.h>

#include "capture.h"
#include "interfaces.h"
#include "methods.h"
#include "reply.h"
#include "rpc.h"
#include "util.h"

static const char *const source_names[] = {
    [CAPTURE_MAIL] = "mail", [CAPTURE_CALENDAR] = "calendar"};

struct status_op {
        struct capture_state st[2];
        char **ignore;
};

static int status_fn(struct store_txn *t, void *userdata)
{
        struct status_op *op = userdata;
        int r;

        for (int s = 0; s < 2; s++) {
                capture_state_done(&op->st[s]);
                r = capture_state_get(t, (enum capture_source)s, &op->st[s]);
                if (r < 0)
                        return r;
        }
        strv_free(op->ignore);
        op->ignore = NULL;
        return capture_ignore_list(t, &op->ignore);
}

static json_t *source_json(const struct capture_state *st, json_t *engine)
{
        json_t *o = engine ? json_incref(engine) : json_pack("{s:b}", "enabled", 0);

        if (!o)
                return NULL;
        json_object_update_new(
            o, json_pack(
                   "{s:o,s:I,s:o,s:{s:I,s:I,s:I,s:I,s:I,s:I},s:o,s:o}", "last_scan",
                   reply_time_or_null(st->last_scan), "checkpoint", (json_int_t)st->checkpoint,
                   "backfill",
                   st->resume_at ? json_pack("{s:I,s:I,s:o}", "done", (json_int_t)st->progress_done,
                                             "total", (json_int_t)st->progress_total, "at",
                                             reply_time_or_null(st->resume_at))
                                 : json_null(),
                   "counts", "captured", (json_int_t)st->counts.captured, "received",
                   (json_int_t)st->counts.received, "bulk", (json_int_t)st->counts.bulk, "seen",
                   (json_int_t)st->counts.seen, "unmatched", (json_int_t)st->counts.unmatched,
                   "ignored", (json_int_t)st->counts.ignored, "error",
                   st->error ? json_string(st->error) : json_null(), "error_at",
                   reply_time_or_null(st->error_at)));
        return o;
}

static int method_status(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        struct status_op op = {0};
        json_auto_t *engines = NULL;
        json_t *reply = NULL, *list;
        int r;

        (void)params;
        r = store_read(d->store, status_fn, &op);
        if (r < 0)
                goto out;
        engines = d->capture_status ? d->capture_status(d->capture_userdata) : json_object();
        list = json_array();
        reply = json_pack(
            "{s:o,s:o,s:o}", "mail",
            source_json(&op.st[CAPTURE_MAIL], json_object_get(engines, "mail")), "calendar",
            source_json(&op.st[CAPTURE_CALENDAR], json_object_get(engines, "calendar")), "ignored",
            list);
        for (char **e = op.ignore; reply && e && *e; e++)
                json_array_append_new(list, json_string(*e));
        r = reply ? 0 : -ENOMEM;
out:
        for (int s = 0; s < 2; s++)
                capture_state_done(&op.st[s]);
        strv_free(op.ignore);
        return r < 0 ? r : varlink_call_reply(call, reply);
}

struct ignore_op {
        const char *what;
        bool remove;
        char *entry;
        int decided; /* capture_ignore_entry's refusal */
        int changed;
};

static int ignore_fn(struct store_txn *t, void *userdata)
{
        struct ignore_op *op = userdata;
        int r;

        free(op->entry);
        op->entry = NULL;
        op->decided = capture_ignore_entry(t, op->what, &op->entry);
        if (op->decided == -ENOENT && op->remove && strchr(op->what, ':')) {
                /* an entry as the list shows it (contact:UUID of someone removed since) */
                op->entry = strdup(op->what);
                op->decided = op->entry ? 0 : -ENOMEM;
        }
        if (op->decided < 0)
                return op->decided == -ENOMEM ? -ENOMEM : 0;
        store_txn_describe(t, "capture %s %s", op->remove ? "unignore" : "ignore", op->entry);
        r = op->remove ? capture_ignore_remove(t, op->entry) : capture_ignore_add(t, op->entry);
        if (r < 0)
                return r;
        op->changed = r;
        return 0;
}

static int ignore_call(struct varlink_call *call, json_t *params, void *userdata, bool remove)
{
        struct rpc *d = userdata;
        struct ignore_op op = {.what = json_string_value(json_object_get(params, "what")),
                               .remove = remove};
        int r;

        r = store_write(d->store, ignore_fn, &op);
        if (r >= 0 && op.decided == -EINVAL)
                r = varlink_call_error(call, "io.tend.Capture.InvalidValue",
                                       json_pack("{s:s,s:s}", "what", op.what, "reason",
                                                 "not an address, a domain or a person"));
        else if (r >= 0 && op.decided == -ENOENT)
                r = varlink_call_error(call, "io.tend.Capture.NotFound",
                                       json_pack("{s:s}", "what", op.what));
        else if (r >= 0 && op.decided == -ENOTUNIQ)
                r = varlink_call_error(call, "io.tend.Capture.Ambiguous",
                                       json_pack("{s:s}", "what", op.what));
        else if (r == -E2BIG)
                r = varlink_call_error(
                    call, "io.tend.Capture.InvalidValue",
                    json_pack("{s:s,s:s}", "what", op.what, "reason", "the ignore list is full"));
        else if (r >= 0)
                r = varlink_call_reply(
                    call, json_pack("{s:s,s:b}", "entry", op.entry, "changed", op.changed > 0));
        free(op.entry);
        return r;
}

static int method_ignore(struct varlink_call *call, json_t *params, void *userdata)
{
        return ignore_call(call, params, userdata, false);
}

static int method_unignore(struct varlink_call *call, json_t *params, void *userdata)
{
        return ignore_call(call, params, userdata, true);
}

struct rescan_op {
        int source; /* -1: every source */
};

static int rescan_fn(struct store_txn *t, void *userdata)
{
        struct rescan_op *op = userdata;

        store_txn_no_journal(t); /* where a reader is: no change anyone undoes */
        for (int s = 0; s < 2; s++)
                if (op->source < 0 || op->source == s) {
                        int r = capture_rescan(t, (enum capture_source)s);

                        if (r < 0)
                                return r;
                }
        return 0;
}

static int method_rescan(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        const char *source = json_string_value(json_object_get(params, "source"));
        struct rescan_op op = {.source = -1};
        int r;

        if (source) {
                for (int s = 0; s < 2; s++)
                        if (streq(source, source_names[s]))
                                op.source = s;
                if (op.source < 0)
                        return varlink_call_error(call, "io.tend.Capture.InvalidValue",
                                                  json_pack("{s:s,s:s}", "what", source, "reason",
                                                            "the sources are mail and calendar"));
        }
        r = store_write(d->store, rescan_fn, &op);
        if (r < 0)
                return r;
        if (d->capture_scan)
                for (int s = 0; s < 2; s++)
                        if (op.source < 0 || op.source == s)
                                d->capture_scan(source_names[s], d->capture_userdata);
        return varlink_call_reply(call, json_object());
}

static const struct varlink_param no_params[] = {
    {0},
};

static const struct varlink_param ignore_params[] = {
    {"what", VARLINK_STRING, true},
    {0},
};

static const struct varlink_param rescan_params[] = {
    {"source", VARLINK_STRING, false},
    {0},
};

static const struct varlink_method capture_methods[] = {
    {"Status", method_status, no_params},
    {"Ignore", method_ignore, ignore_params},
    {"Unignore", method_unignore, ignore_params},
    {"Rescan", method_rescan, rescan_params},
    {0},
};

const struct varlink_interface methods_capture_interface = {
    .name = "io.tend.Capture",
    .idl = idl_io_tend_Capture,
    .methods = capture_methods,
};
