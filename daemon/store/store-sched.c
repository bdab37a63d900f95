/* The scheduler's index; see store-sched.h. */
#include "store-sched.h"

#include "store-internal.h"
#include "util.h"

void store_sched_key(int64_t t, uint64_t id, uint8_t key[static STORE_SCHED_KEY_LEN])
{
        be64_put(key, time_to_key(t));
        be64_put(key + 8, id);
}

int64_t store_sched_time(const struct contact *ct)
{
        if (!ct || ct->next_due == 0)
                return 0;
        if (ct->notified_due != ct->next_due)
                return ct->next_due;
        return ct->resurface_at;
}

int store_txn_sched_walk(struct store_txn *t, store_sched_cb cb, void *userdata)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_SCHED, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_(contact_freep) struct contact *c = NULL;

                if (k.mv_size != STORE_SCHED_KEY_LEN)
                        return -EBADMSG;
                r = store_txn_contact_get(t, be64_get((const uint8_t *)k.mv_data + 8), &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                r = cb(time_from_key(be64_get(k.mv_data)), c, userdata);
                if (r != 0)
                        return r;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return 0;
}

int store_txn_sched_rebuild(struct store_txn *t)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int n = 0, rc, r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        r = index_queue_flush(t, DB_SCHED); /* queued entries would outlive the drop */
        if (r < 0)
                return r;
        rc = mdb_drop(t->txn, dbi(t, DB_SCHED), 0);
        if (rc)
                return txn_err(t, rc);
        r = cursor_open(t, DB_DUE, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_(contact_freep) struct contact *c = NULL;
                uint8_t key[STORE_SCHED_KEY_LEN];
                MDB_val sk = {sizeof(key), key}, sv = {0, NULL};
                uint64_t id;
                int64_t when;

                if (k.mv_size != DUE_KEY_LEN)
                        return -EBADMSG;
                id = be64_get((const uint8_t *)k.mv_data + 8);
                r = store_txn_contact_get(t, id, &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                when = store_sched_time(c);
                if (when == 0)
                        continue;
                store_sched_key(when, id, key);
                rc = mdb_put(t->txn, dbi(t, DB_SCHED), &sk, &sv, 0);
                if (rc)
                        return txn_err(t, rc);
                n++;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return n;
}
