/* io.tend.Transfer: uploads and imports, exports, backups (issue 6).
 *
 * How an import reaches the daemon: the client reads the user's file (path or stdin), parses
 * it (vCard, LinkedIn CSV or JSON lines) and sends the records in Upload calls of under 1 MiB
 * each, then Import applies them in one write transaction. The daemon never opens
 * a path a client names for reading, and a big import never needs a big message. Backup writes
 * the path it is given: the peer is the same user (SO_PEERCRED is checked), so it can create
 * nothing the user could not. */
#include <malloc.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fields.h"
#include "interfaces.h"
#include "jsonfast.h"
#include "log.h"
#include "methods.h"
#include "reply.h"
#include "store-transfer.h"
#include "rpc.h"
#include "server.h"
#include "transfer.h"
#include "undo.h"

struct upload {
        char id[33];
        struct import_set *set;
        double touched; /* monotonic seconds */
        struct upload *next;
};

struct transfer_uploads {
        struct upload *head;
        size_t n;
};

static double mono_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void upload_free(struct upload *u)
{
        if (!u)
                return;
        import_set_free(u->set);
        free(u);
}

void transfer_uploads_free(struct transfer_uploads *u)
{
        if (!u)
                return;
        for (struct upload *p = u->head, *next; p; p = next) {
                next = p->next;
                upload_free(p);
        }
        free(u);
}

static struct transfer_uploads *uploads_of(struct rpc *d)
{
        if (!d->uploads)
                d->uploads = calloc(1, sizeof(struct transfer_uploads));
        return d->uploads;
}

/* Forget uploads nobody touched for a while. */
static void uploads_expire(struct transfer_uploads *u, double now)
{
        for (struct upload **p = &u->head; *p;) {
                if (now - (*p)->touched > TRANSFER_UPLOAD_IDLE) {
                        struct upload *dead = *p;

                        *p = dead->next;
                        upload_free(dead);
                        u->n--;
                } else
                        p = &(*p)->next;
        }
}

/* Take an upload out of the list (the caller owns it then). */
static struct upload *uploads_take(struct transfer_uploads *u, const char *id)
{
        for (struct upload **p = &u->head; *p; p = &(*p)->next)
                if (streq((*p)->id, id)) {
                        struct upload *found = *p;

                        *p = found->next;
                        found->next = NULL;
                        u->n--;
                        return found;
                }
        return NULL;
}

static struct upload *uploads_find(struct transfer_uploads *u, const char *id)
{
        for (struct upload *p = u->head; p; p = p->next)
                if (streq(p->id, id))
                        return p;
        return NULL;
}

static int reply_no_upload(struct varlink_call *call, const char *id)
{
        return varlink_call_error(call, "io.tend.Transfer.NoSuchUpload",
                                  json_pack("{s:s}", "upload", id));
}

static int reply_too_large(struct varlink_call *call, long long limit)
{
        return varlink_call_error(call, "io.tend.Transfer.TooLarge",
                                  json_pack("{s:I}", "limit", (json_int_t)limit));
}

/* Stage the records of a call: "records" (objects) and "lines" (JSON lines, one record each:
 * what tend sends, cheaper to read than objects). */
static int add_lines(struct varlink_call *call, struct import_set *set, json_t *params)
{
        json_t *records = json_object_get(params, "records"),
               *lines = json_object_get(params, "lines");
        int r = 0;

        if (records)
                r = import_set_add_records(set, records, TRANSFER_UPLOAD_RECORDS);
        if (r >= 0 && lines)
                r = import_set_add_lines(set, json_string_value(lines), json_string_length(lines),
                                         TRANSFER_UPLOAD_RECORDS);
        if (r == -E2BIG) {
                reply_too_large(call, TRANSFER_UPLOAD_RECORDS);
                return -ECANCELED;
        }
        return r;
}

static int method_upload(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        struct transfer_uploads *u = uploads_of(d);
        const char *id = json_string_value(json_object_get(params, "upload"));
        struct upload *up;
        double now = mono_now();
        int r;

        if (!u)
                return -ENOMEM;
        if (!json_object_get(params, "records") && !json_object_get(params, "lines"))
                return varlink_call_invalid_value(call, "records", "give records or lines");
        uploads_expire(u, now);
        if (id) {
                up = uploads_find(u, id);
                if (!up)
                        return reply_no_upload(call, id);
        } else {
                char uuid[UUID_STRING_LEN + 1];
                size_t k = 0;

                if (u->n >= TRANSFER_UPLOADS_MAX)
                        return reply_too_large(call, TRANSFER_UPLOADS_MAX);
                up = calloc(1, sizeof(*up));
                if (!up)
                        return -ENOMEM;
                up->set = import_set_new();
                r = up->set ? uuid_generate_v4(uuid) : -ENOMEM;
                if (r < 0) {
                        upload_free(up);
                        return r;
                }
                for (const char *c = uuid; *c; c++)
                        if (*c != '-')
                                up->id[k++] = *c;
                up->next = u->head;
                u->head = up;
                u->n++;
        }
        up->touched = now;
        r = add_lines(call, up->set, params);
        if (r == -ECANCELED)
                return 0;
        if (r < 0)
                return r;
        return varlink_call_reply(call, json_pack("{s:s,s:I}", "upload", up->id, "records",
                                                  (json_int_t)import_set_count(up->set)));
}

static int method_cancel(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        struct transfer_uploads *u = uploads_of(d);
        const char *id = json_string_value(json_object_get(params, "upload"));
        struct upload *up;

        if (!u)
                return -ENOMEM;
        up = uploads_take(u, id);
        if (!up)
                return reply_no_upload(call, id);
        upload_free(up);
        return varlink_call_reply(call, NULL);
}

struct import_op {
        const struct import_set *set;
        struct import_options opts;
        const char *backup; /* too large to journal: the backup written before it */
        json_t *report;
};

static int import_fn(struct store_txn *t, void *userdata)
{
        struct import_op *op = userdata;

        json_decref(op->report); /* a re-run after map growth starts over */
        op->report = NULL;
        undo_txn_describe_import(t, import_set_count(op->set), op->backup);
        return import_run(t, op->set, &op->opts, &op->report);
}

static int method_import(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        struct transfer_uploads *u = uploads_of(d);
        const char *id = json_string_value(json_object_get(params, "upload"));
        struct import_op op = {
            .opts =
                {
                    .dry_run = json_is_true(json_object_get(params, "dry_run")),
                    .strict = json_is_true(json_object_get(params, "strict")),
                    .quiet = json_is_true(json_object_get(params, "quiet")),
                    .now = core_now(d->core),
                    .conf_every = core_goal_conf_every(d->core),
                },
        };
        struct op_error err = {0};
        struct upload *up = NULL;
        struct import_set *set = NULL;
        _cleanup_free_ char *backup = NULL;
        int r;

        if (!u)
                return -ENOMEM;
        uploads_expire(u, mono_now());
        if ((r = fields_networks(params, "networks", &err, &op.opts.networks)) < 0 ||
            (r = fields_list(params, "tags", FIELD_TAG, &err, &op.opts.tags)) < 0) {
                r = op_error_reply(&err, call, r);
                goto out;
        }
        if (id) {
                up = uploads_take(u, id);
                if (!up) {
                        r = reply_no_upload(call, id);
                        goto out;
                }
                set = up->set;
        } else {
                set = import_set_new();
                if (!set) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        r = add_lines(call, set, params);
        if (r < 0) {
                r = r == -ECANCELED ? 0 : r;
                goto out;
        }
        op.set = set;
        /* Room for the whole import up front, so store_write does not redo it per doubling. */
        (void)store_reserve(d->store, import_set_bytes(set) * 4);
        if (!op.opts.dry_run) {
                r = undo_import_backup(d->store, d->data_dir, import_set_count(set), op.opts.now,
                                       &backup);
                if (r < 0)
                        goto out;
                if (backup)
                        log_info("Wrote a backup of the store to %s before importing %zu "
                                 "records (too many to undo).",
                                 backup, import_set_count(set));
                op.backup = backup;
        }
        r = store_write(d->store, import_fn, &op);
        if (r == -ECANCELED && op.report) {
                if (json_is_true(json_object_get(op.report, "rejected")))
                        r = varlink_call_error(call, "io.tend.Transfer.ImportRejected",
                                               json_pack("{s:O}", "report", op.report));
                else
                        r = varlink_call_reply(call, json_pack("{s:O}", "report", op.report));
                goto out;
        }
        if (r < 0)
                goto out;
        log_info("Imported %zu records.", import_set_count(set));
        r = varlink_call_reply(call, json_pack("{s:O}", "report", op.report));
out:
        if (backup &&
            (r < 0 || !op.report || !json_is_true(json_object_get(op.report, "committed"))))
                (void)unlink(backup); /* nothing was imported: no way back needed */
        if (up)
                upload_free(up);
        else
                import_set_free(set);
        json_decref(op.report);
        strv_free(op.opts.tags);
        op_error_done(&err);
        /* An import's records were many small allocations: give their pages back now rather
         * than keep them for the life of the daemon. */
        malloc_trim(0);
        return r;
}

struct export_op {
        unsigned types;
        json_t *records;
};

static int export_fn(struct store_txn *t, void *userdata)
{
        struct export_op *op = userdata;

        return transfer_export(t, op->types, op->records);
}

/* ---- the export streamed ----
 * Called with "more", Export answers in pieces ({records, continues: true}, the last without
 * continues), each made when the client has read most of the one before (the server's
 * backpressure), so neither side holds the whole store. All pieces come from one read
 * transaction kept open for the export (a store snapshot): the export is the store at one
 * instant, as the single reply was, while writes go on beside it. That costs the reuse of
 * pages freed meanwhile (the file may grow during a long export with heavy writes); pieces
 * read in short transactions would not, but an export could then hold a contact as it was
 * and its interactions as they became. */

/* Records per piece: a few hundred KiB of JSON, well under a client's message limit. */
#define EXPORT_PIECE 1000

struct export_stream {
        struct rpc *d;
        unsigned types;
        bool lines; /* pieces as {count, lines}: JSON lines in one string, no objects */
        struct store_snapshot *snap;
        struct transfer_export_pos pos;
        json_t *records;
        struct strbuf msg; /* a lines piece: the whole reply message */
        size_t count;
};

static void export_stream_free(struct export_stream *x)
{
        store_snapshot_close(x->snap);
        json_decref(x->records);
        strbuf_done(&x->msg);
        free(x);
        malloc_trim(0); /* the pieces were many small allocations */
}

static int export_piece_fn(struct store_txn *t, void *userdata)
{
        struct export_stream *x = userdata;

        if (x->lines)
                return transfer_export_lines(t, x->types, &x->pos, EXPORT_PIECE, &x->msg,
                                             &x->count);
        return transfer_export_chunk(t, x->types, &x->pos, EXPORT_PIECE, x->records);
}

/* The next piece with lines: its message written here, around the lines the export appends
 * (already escaped), so that half a megabyte of string never goes through jansson's dump. */
static int export_lines_piece(struct server *s, uint64_t handle, struct export_stream *x)
{
        static const char head[] = "{\"parameters\":{\"lines\":\"";
        char tail[96];
        int r, n;

        strbuf_reset(&x->msg);
        strbuf_append(&x->msg, head, sizeof(head) - 1);
        r = store_snapshot_read(x->snap, export_piece_fn, x);
        if (r < 0)
                return r;
        n = snprintf(tail, sizeof(tail), "\",\"count\":%zu}%s}", x->count,
                     r == 0 ? ",\"continues\":true" : "");
        strbuf_append(&x->msg, tail, (size_t)n);
        if (x->msg.error)
                return -ENOMEM;
        if (r == 0) /* on failure the connection is closed, and its cancel frees the export */
                (void)server_call_continue_text(s, handle, x->msg.data, x->msg.len);
        return r;
}

static void export_produce(struct server *s, uint64_t handle, bool cancel, void *userdata)
{
        struct export_stream *x = userdata;
        json_t *params;
        int r;

        if (cancel) {
                export_stream_free(x);
                return;
        }
        if (x->lines) {
                r = export_lines_piece(s, handle, x);
        } else {
                x->records = json_array();
                r = x->records ? store_snapshot_read(x->snap, export_piece_fn, x) : -ENOMEM;
        }
        if (r < 0) {
                json_t *msg = r == -ESTALE ? json_pack("{s:s,s:{s:s}}", "error",
                                                       "io.tend.Transfer.ExportInterrupted",
                                                       "parameters", "reason",
                                                       "the store grew during the export; run "
                                                       "it again")
                                           : varlink_errno_reply(r);

                (void)server_call_finish(s, handle, msg);
                export_stream_free(x);
                return;
        }
        if (x->lines) {
                if (r == 0)
                        return;
                /* The last piece: its text as a json string (a final reply goes through
                 * server_call_finish); the export's end is rare enough not to matter. */
                params = jsonfast_load(x->msg.data, x->msg.len, NULL);
                (void)server_call_finish(s, handle, params ? params : varlink_errno_reply(-ENOMEM));
                export_stream_free(x);
                return;
        }
        params = json_pack("{s:o}", "records", x->records);
        x->records = NULL;
        if (r == 0) {
                /* On failure the connection is closed, and its cancel frees the export. */
                (void)server_call_continue(s, handle, params);
                return;
        }
        (void)server_call_finish(s, handle, json_pack("{s:o}", "parameters", params));
        export_stream_free(x);
}

static int export_stream(struct rpc *d, struct varlink_call *call, unsigned types, bool lines)
{
        struct export_stream *x = calloc(1, sizeof(*x));
        uint64_t handle;
        int r;

        if (!x)
                return -ENOMEM;
        x->d = d;
        x->types = types;
        x->lines = lines;
        r = store_snapshot_open(d->store, &x->snap);
        if (r >= 0)
                r = server_call_produce(d->server, call, export_produce, x, &handle);
        if (r < 0) {
                export_stream_free(x);
                return r;
        }
        return 0;
}

struct export_lines_op {
        unsigned types;
        struct strbuf lines;
        size_t count;
};

static int export_lines_fn(struct store_txn *t, void *userdata)
{
        struct export_lines_op *op = userdata;
        struct transfer_export_pos pos = {0};
        int r;

        strbuf_reset(&op->lines);
        strbuf_putc(&op->lines, '"');
        op->count = 0;
        do {
                size_t n = 0;

                r = transfer_export_lines(t, op->types, &pos, SIZE_MAX, &op->lines, &n);
                op->count += n;
        } while (r == 0);
        strbuf_putc(&op->lines, '"');
        return r < 0 ? r : op->lines.error ? -ENOMEM : 0;
}

/* Export with lines but without "more": one reply. The lines, written escaped, are read back
 * into a string for it (the reply goes through jansson). */
static int export_lines_whole(struct rpc *d, struct varlink_call *call, unsigned types)
{
        struct export_lines_op op = {.types = types};
        json_t *text;
        int r;

        r = store_read(d->store, export_lines_fn, &op);
        if (r < 0) {
                strbuf_done(&op.lines);
                return r;
        }
        text = json_loadb(op.lines.data, op.lines.len, JSON_DECODE_ANY, NULL);
        strbuf_done(&op.lines);
        if (!text)
                return -ENOMEM;
        return varlink_call_reply(
            call, json_pack("{s:o,s:I}", "lines", text, "count", (json_int_t)op.count));
}

static int method_export(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        struct export_op op = {.types = 0};
        json_t *types = json_object_get(params, "types"), *v;
        bool lines;
        size_t i;
        int r;

        json_array_foreach(types, i, v)
        {
                const char *s = json_string_value(v);

                if (streq(s, "contact"))
                        op.types |= TRANSFER_CONTACTS;
                else if (streq(s, "interaction"))
                        op.types |= TRANSFER_INTERACTIONS;
                else if (streq(s, "tombstone"))
                        op.types |= TRANSFER_TOMBSTONES;
                else if (streq(s, "goal"))
                        op.types |= TRANSFER_GOALS;
                else if (streq(s, "setting"))
                        op.types |= TRANSFER_SETTINGS;
                else
                        return varlink_call_invalid_value(call, "types",
                                                          "use contact, interaction, goal, "
                                                          "setting or tombstone");
        }
        if (!op.types)
                op.types = TRANSFER_ALL;
        lines = json_is_true(json_object_get(params, "lines"));
        if (call->more && d->server)
                return export_stream(d, call, op.types, lines);
        if (lines)
                return export_lines_whole(d, call, op.types);
        op.records = json_array();
        if (!op.records)
                return -ENOMEM;
        r = store_read(d->store, export_fn, &op);
        if (r < 0) {
                json_decref(op.records);
                return r;
        }
        return varlink_call_reply(call, json_pack("{s:o}", "records", op.records));
}

struct backup_job {
        struct rpc *d;
        uint64_t handle;
};

/* The parameters of a backup's reply: of BackupFailed when r < 0. */
static json_t *backup_reply_params(int r, const char *path, uint64_t size,
                                   const struct store_backup_check *check)
{
        if (r < 0)
                return json_pack("{s:s,s:s}", "path", path ? path : "", "reason", strerror(-r));
        return json_pack("{s:s,s:I,s:b,s:I}", "path", path, "size", (json_int_t)size, "verified",
                         check != NULL, "contacts", (json_int_t)(check ? check->contacts : 0));
}

static json_t *backup_reply(int r, const char *path, uint64_t size,
                            const struct store_backup_check *check)
{
        json_t *p = backup_reply_params(r, path, size, check);

        if (!p)
                return NULL;
        if (r < 0)
                return json_pack("{s:s,s:o}", "error", "io.tend.Transfer.BackupFailed",
                                 "parameters", p);
        return json_pack("{s:o}", "parameters", p);
}

static void backup_done(int r, const char *path, uint64_t size,
                        const struct store_backup_check *check, void *userdata)
{
        struct backup_job *job = userdata;

        (void)server_call_finish(job->d->server, job->handle, backup_reply(r, path, size, check));
        free(job);
}

/* The copy runs on a thread of the daemon's backup engine: the reply comes when it is
 * written and read back, and other clients are served meanwhile. */
static int method_backup(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        const char *path = json_string_value(json_object_get(params, "path"));
        struct store_backup_check check;
        struct backup_job *job;
        uint64_t size = 0;
        int r;

        if (path && (path[0] != '/' || strlen(path) >= 4096))
                return varlink_call_invalid_value(call, "path", "not an absolute path");
        if (!d->backup_start) { /* no engine (tests of the methods alone): right here */
                if (!path)
                        return varlink_call_invalid_value(call, "path", "no backup folder");
                r = store_backup_checked(d->store, path, &size, &check);
                if (r < 0)
                        return varlink_call_error(call, "io.tend.Transfer.BackupFailed",
                                                  backup_reply_params(r, path, 0, NULL));
                return varlink_call_reply(call, backup_reply_params(0, path, size, &check));
        }
        job = calloc(1, sizeof(*job));
        if (!job)
                return -ENOMEM;
        job->d = d;
        r = d->backup_start(path, backup_done, job, d->backup_userdata);
        if (r < 0) {
                free(job);
                return varlink_call_error(
                    call, "io.tend.Transfer.BackupFailed",
                    json_pack("{s:s,s:s}", "path", path ? path : "", "reason",
                              r == -EBUSY ? "another backup is being written; try again shortly"
                                          : strerror(-r)));
        }
        r = server_call_defer(d->server, call, &job->handle);
        if (r < 0) /* not from a connection (never in the daemon): the job answers nobody */
                job->handle = 0;
        return 0;
}

static int method_backup_list(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        const char *dir = NULL;
        json_t *list = NULL;
        int r;

        (void)params;
        if (!d->backup_list)
                return varlink_call_reply(call, json_pack("{s:s,s:[]}", "dir", "", "backups"));
        r = d->backup_list(&list, &dir, d->backup_userdata);
        if (r < 0)
                return r;
        return varlink_call_reply(call,
                                  json_pack("{s:s,s:o}", "dir", dir ? dir : "", "backups", list));
}

static const struct varlink_param upload_params[] = {
    {"upload", VARLINK_STRING, false},
    {"records", VARLINK_OBJECTV, false},
    {"lines", VARLINK_STRING, false},
    {0},
};

static const struct varlink_param import_params[] = {
    {"upload", VARLINK_STRING, false},
    {"records", VARLINK_OBJECTV, false},
    {"lines", VARLINK_STRING, false},
    {"networks", VARLINK_STRV, false},
    {"tags", VARLINK_STRV, false},
    {"dry_run", VARLINK_BOOL, false},
    {"strict", VARLINK_BOOL, false},
    {"quiet", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_param cancel_params[] = {
    {"upload", VARLINK_STRING, true},
    {0},
};

static const struct varlink_param export_params[] = {
    {"types", VARLINK_STRV, false},
    {"lines", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_param backup_params[] = {
    {"path", VARLINK_STRING, false},
    {0},
};

static const struct varlink_param no_params[] = {
    {0},
};

static const struct varlink_method transfer_methods[] = {
    {"Upload", method_upload, upload_params},
    {"Import", method_import, import_params},
    {"Cancel", method_cancel, cancel_params},
    {"Export", method_export, export_params},
    {"Backup", method_backup, backup_params},
    {"BackupList", method_backup_list, no_params},
    {0},
};

const struct varlink_interface methods_transfer_interface = {
    .name = "io.tend.Transfer",
    .idl = idl_io_tend_Transfer,
    .methods = transfer_methods,
};
