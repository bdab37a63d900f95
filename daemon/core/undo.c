/* Undo and redo on the store's journal; see undo.h. */
#include "undo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "paths.h"
#include "store-transfer.h"
#include "util.h"

int undo_import_backup(struct store *s, const char *dir, size_t records, int64_t now,
                       char **ret_path)
{
        _cleanup_free_ char *backups = NULL, *path = NULL;
        time_t tt = (time_t)now;
        struct tm tm;
        char stamp[32];
        uint64_t size;
        int r;

        *ret_path = NULL;
        if (records <= UNDO_IMPORT_RECORDS_MAX)
                return 0;
        if (!gmtime_r(&tt, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
                return -EINVAL;
        if (asprintf(&backups, "%s/backups", dir) < 0)
                return -ENOMEM;
        r = dir_ensure_private(backups);
        if (r < 0)
                return r;
        if (asprintf(&path, "%s/before-import-%s.mdb", backups, stamp) < 0)
                return -ENOMEM;
        r = store_backup(s, path, &size);
        if (r < 0)
                return r;
        *ret_path = TAKE_PTR(path);
        return 0;
}

void undo_txn_describe_import(struct store_txn *t, size_t records, const char *backup)
{
        if (backup) {
                store_txn_journal_backup(t, backup);
                store_txn_describe(t, "import of %zu records (too large to undo; backup before it)",
                                   records);
        } else
                store_txn_describe(t, "import of %zu records", records);
}

json_t *undo_change_json(const struct store_journal_entry *e)
{
        return json_pack("{s:I,s:o,s:s,s:I,s:b,s:b,s:o}", "seq", (json_int_t)e->seq, "at",
                         reply_time_or_null(e->at), "description", e->description, "records",
                         (json_int_t)e->records, "undone", e->undone, "recorded", !e->unrecorded,
                         "backup", e->backup[0] ? json_string(e->backup) : json_null());
}

int undo_txn(struct store_txn *t, bool redo, struct op_error *err, json_t **ret)
{
        struct store_journal_entry e;
        json_t *change;
        int r;

        r = redo ? store_txn_redo(t, &e) : store_txn_undo(t, &e);
        if (r == -ENOENT)
                return op_error_set(
                    err, redo ? UNDO_ERROR_NOTHING_TO_REDO : UNDO_ERROR_NOTHING_TO_UNDO, NULL);
        if (r == -EXDEV || r == -ENODATA) {
                change = undo_change_json(&e);
                if (!change)
                        return -ENOMEM;
                return op_error_set(err,
                                    r == -EXDEV ? UNDO_ERROR_TOO_LARGE : UNDO_ERROR_NOT_RECORDED,
                                    json_pack("{s:o}", "change", change));
        }
        if (r < 0)
                return r;
        change = undo_change_json(&e);
        if (!change)
                return -ENOMEM;
        *ret = json_pack("{s:o}", "change", change);
        return *ret ? 0 : -ENOMEM;
}

struct list_ctx {
        json_t *changes;
        bool can_undo, can_redo;
        bool seen_done; /* a change in effect came before: older ones cannot be undone now */
};

static int list_cb(const struct store_journal_entry *e, void *userdata)
{
        struct list_ctx *ctx = userdata;
        json_t *c = undo_change_json(e);

        if (!c || json_array_append_new(ctx->changes, c) < 0)
                return -ENOMEM;
        if (e->undone)
                ctx->can_redo = true;
        else if (!ctx->seen_done) {
                ctx->seen_done = true;
                ctx->can_undo = !e->backup[0] && !e->unrecorded;
        }
        return 0;
}

int undo_txn_list(struct store_txn *t, size_t limit, json_t **ret)
{
        struct list_ctx ctx = {.changes = json_array()};
        int r;

        if (!ctx.changes)
                return -ENOMEM;
        r = store_txn_journal_list(t, limit, list_cb, &ctx);
        if (r < 0) {
                json_decref(ctx.changes);
                return r;
        }
        *ret = json_pack("{s:o,s:b,s:b}", "changes", ctx.changes, "can_undo", ctx.can_undo,
                         "can_redo", ctx.can_redo);
        return *ret ? 0 : -ENOMEM;
}
