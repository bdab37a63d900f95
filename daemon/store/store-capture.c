/* Capture bookkeeping (core/capture.h): which mail and calendar items were captured, and each
 * reader's state. One database, not journaled:
 *   captured   source (u8, enum interaction_source) ‖ key → interaction id (u64)
 *              0 ‖ source (u8)                       → the reader's state (core's text)
 * A key stays when its interaction is deleted or its capture undone — what you took out is
 * never captured again — and undoing a delete brings back the record the key still names. The
 * state (checkpoint, counts) is where the reader is, not a change anyone undoes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "store-internal.h"
#include "store-transfer.h"

#define STATE_PREFIX 0

/* A key longer than LMDB takes keeps its head and a hash of the whole (FNV-1a 64). */
static size_t captured_key(struct store_txn *t, enum interaction_source src, const char *key,
                           uint8_t *buf)
{
        size_t len = strlen(key), max = t->store->max_key - 1;

        buf[0] = (uint8_t)src;
        if (len <= max) {
                memcpy(buf + 1, key, len);
                return len + 1;
        }
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        for (size_t i = 0; i < len; i++)
                h = (h ^ (uint8_t)key[i]) * UINT64_C(0x100000001b3);
        memcpy(buf + 1, key, max - 17);
        snprintf((char *)buf + 1 + max - 17, 18, "#%016llx", (unsigned long long)h);
        return max + 1;
}

int store_txn_captured_get(struct store_txn *t, enum interaction_source src, const char *key,
                           uint64_t *ret_id)
{
        uint8_t buf[KEY_MAX + 1];
        MDB_val k = {captured_key(t, src, key, buf), buf}, v;
        int rc;

        if (src <= SOURCE_NONE || src >= _SOURCE_MAX)
                return -EINVAL;
        rc = mdb_get(t->txn, dbi(t, DB_CAPTURED), &k, &v);
        if (rc)
                return txn_err(t, rc);
        if (v.mv_size != 8)
                return -EBADMSG;
        if (ret_id)
                *ret_id = be64_get(v.mv_data);
        return 0;
}

int store_txn_captured_put(struct store_txn *t, enum interaction_source src, const char *key,
                           uint64_t id)
{
        uint8_t buf[KEY_MAX + 1], be[8];
        MDB_val k = {captured_key(t, src, key, buf), buf}, v = {sizeof(be), be};

        if (src <= SOURCE_NONE || src >= _SOURCE_MAX || !*key)
                return -EINVAL;
        be64_put(be, id);
        return txn_err(t, mdb_put(t->txn, dbi(t, DB_CAPTURED), &k, &v, 0));
}

int store_txn_captured_count(struct store_txn *t, enum interaction_source src, uint64_t *ret)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint8_t prefix = (uint8_t)src;
        MDB_val k = {1, &prefix}, v;
        uint64_t n = 0;
        int rc, r;

        r = cursor_open(t, DB_CAPTURED, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
             rc == 0 && k.mv_size > 1 && ((uint8_t *)k.mv_data)[0] == prefix;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
                n++;
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        *ret = n;
        return 0;
}

int store_txn_capture_state_get(struct store_txn *t, enum interaction_source src, char **ret)
{
        uint8_t kb[2] = {STATE_PREFIX, (uint8_t)src};
        MDB_val k = {sizeof(kb), kb}, v;
        char *s;
        int rc;

        *ret = NULL;
        rc = mdb_get(t->txn, dbi(t, DB_CAPTURED), &k, &v);
        if (rc == MDB_NOTFOUND)
                return 0;
        if (rc)
                return txn_err(t, rc);
        s = strndup(v.mv_data, v.mv_size);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int store_txn_capture_state_put(struct store_txn *t, enum interaction_source src, const char *text)
{
        uint8_t kb[2] = {STATE_PREFIX, (uint8_t)src};
        MDB_val k = {sizeof(kb), kb}, v = {text ? strlen(text) : 0, (void *)text};
        int rc;

        if (!text || !*text) {
                rc = mdb_del(t->txn, dbi(t, DB_CAPTURED), &k, NULL);
                return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
        }
        return txn_err(t, mdb_put(t->txn, dbi(t, DB_CAPTURED), &k, &v, 0));
}

int store_txn_captured_register(struct store_txn *t, const struct interaction *i)
{
        int r;

        if (i->group_of || i->source <= SOURCE_NONE || !i->source_id || !*i->source_id)
                return 0;
        r = store_txn_captured_get(t, i->source, i->source_id, NULL);
        if (r != -ENOENT)
                return r;
        return store_txn_captured_put(t, i->source, i->source_id, i->id);
}

static int register_cb(const struct interaction *i, void *userdata)
{
        return store_txn_captured_register(userdata, i);
}

int store_txn_captured_rebuild(struct store_txn *t)
{
        return store_txn_interaction_walk(t, register_cb, t);
}

/* Schema 3 → 4: the captured database is new (created empty at open); interactions that
 * already name a source get their keys, by the same walk an import's rebuild uses. */
int store_migrate_captured(struct store_txn *t)
{
        return store_txn_captured_rebuild(t);
}
