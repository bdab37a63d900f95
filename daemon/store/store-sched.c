/* The scheduler's index; see store-sched.h. */
#include "store-sched.h"

#include "datemd.h"
#include "store-internal.h"
#include "store-transfer.h"
#include "util.h"

void store_sched_key(int64_t t, uint64_t id, uint32_t event,
                     uint8_t key[static STORE_SCHED_KEY_LEN])
{
        be64_put(key, time_to_key(t));
        be64_put(key + 8, id);
        key[16] = (uint8_t)(event >> 24);
        key[17] = (uint8_t)(event >> 16);
        key[18] = (uint8_t)(event >> 8);
        key[19] = (uint8_t)event;
}

int64_t store_sched_time(const struct contact *ct)
{
        if (!ct || ct->next_due == 0)
                return 0;
        if (ct->notified_due != ct->next_due)
                return ct->next_due;
        return ct->resurface_at;
}

size_t store_sched_events(const struct contact *ct,
                          struct store_sched_event out[static STORE_SCHED_EVENTS])
{
        struct date_occurrence o;
        struct contact_date bd;
        size_t n = 0;

        if (!ct)
                return 0;
        if (store_sched_time(ct) != 0)
                out[n++] = (struct store_sched_event){store_sched_time(ct), STORE_SCHED_FOLLOW_UP};
        if (contact_birthday_date(ct, &bd) > 0 && contact_date_pending(ct, &bd, &o) > 0)
                out[n++] = (struct store_sched_event){o.trigger, CONTACT_DATE_BIRTHDAY};
        for (size_t i = 0; i < ct->n_dates && n < STORE_SCHED_EVENTS; i++)
                if (ct->dates[i].id > CONTACT_DATE_BIRTHDAY &&
                    contact_date_pending(ct, &ct->dates[i], &o) > 0)
                        out[n++] = (struct store_sched_event){o.trigger, ct->dates[i].id};
        return n;
}

bool store_sched_differs(const struct contact *old, const struct contact *new)
{
        struct store_sched_event a[STORE_SCHED_EVENTS], b[STORE_SCHED_EVENTS];
        size_t na = store_sched_events(old, a), nb = store_sched_events(new, b);

        if (na != nb)
                return true;
        for (size_t i = 0; i < na; i++)
                if (a[i].t != b[i].t || a[i].event != b[i].event)
                        return true;
        return false;
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
                const uint8_t *p = k.mv_data;
                uint32_t event;

                if (k.mv_size != STORE_SCHED_KEY_LEN)
                        return -EBADMSG;
                r = store_txn_contact_get(t, be64_get(p + 8), &c);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                event = ((uint32_t)p[16] << 24) | ((uint32_t)p[17] << 16) | ((uint32_t)p[18] << 8) |
                        p[19];
                r = cb(time_from_key(be64_get(p)), c, event, userdata);
                if (r != 0)
                        return r;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return 0;
}

struct rebuild_op {
        struct store_txn *t;
        int n;
};

static int rebuild_cb(const struct contact *c, void *userdata)
{
        struct rebuild_op *op = userdata;
        struct store_sched_event ev[STORE_SCHED_EVENTS];
        size_t n = store_sched_events(c, ev);

        for (size_t i = 0; i < n; i++) {
                uint8_t key[STORE_SCHED_KEY_LEN];
                MDB_val sk = {sizeof(key), key}, sv = {0, NULL};
                int rc;

                store_sched_key(ev[i].t, c->id, ev[i].event, key);
                rc = mdb_put(op->t->txn, dbi(op->t, DB_SCHED), &sk, &sv, 0);
                if (rc)
                        return txn_err(op->t, rc);
                op->n++;
        }
        return 0;
}

int store_txn_sched_rebuild(struct store_txn *t)
{
        struct rebuild_op op = {.t = t};
        int rc, r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        r = index_queue_flush(t, DB_SCHED); /* queued entries would outlive the drop */
        if (r < 0)
                return r;
        rc = mdb_drop(t->txn, dbi(t, DB_SCHED), 0);
        if (rc)
                return txn_err(t, rc);
        r = store_txn_contact_walk(t, rebuild_cb, &op);
        if (r < 0)
                return r;
        return op.n;
}

int store_migrate_sched_events(struct store_txn *t)
{
        int r = store_txn_sched_rebuild(t);

        return r < 0 ? r : 0;
}
