/* See store-transfer.h. */
#include "store-transfer.h"
#include "store-internal.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "store-goals.h"
#include "util.h"

int store_txn_contact_walk(struct store_txn *t, store_contact_cb cb, void *userdata)
{
        return store_txn_contact_walk_from(t, 0, cb, userdata);
}

int store_txn_contact_walk_from(struct store_txn *t, uint64_t from, store_contact_cb cb,
                                void *userdata)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint8_t start[ID_KEY_LEN];
        MDB_val k = {sizeof(start), start}, v;
        int rc, r;

        r = cursor_open(t, DB_CONTACTS, &cur);
        if (r < 0)
                return r;
        be64_put(start, from);
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_(contact_freep) struct contact *c = NULL;

                if (k.mv_size != ID_KEY_LEN)
                        return -EBADMSG;
                r = codec_contact_decode(v.mv_data, v.mv_size, &c);
                if (r < 0)
                        return r;
                c->id = be64_get(k.mv_data);
                r = cb(c, userdata);
                if (r != 0)
                        return r;
        }
        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

int store_txn_contact_walk_after(struct store_txn *t, uint64_t after, store_contact_cb cb,
                                 void *userdata)
{
        if (after == UINT64_MAX)
                return 0;
        return store_txn_contact_walk_from(t, after + 1, cb, userdata);
}

int store_txn_interaction_walk(struct store_txn *t, store_interaction_cb cb, void *userdata)
{
        return store_txn_interaction_walk_after(t, NULL, cb, userdata);
}

int store_txn_interaction_walk_after(struct store_txn *t, const struct interaction *after,
                                     store_interaction_cb cb, void *userdata)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint8_t from[INTERACTION_KEY_LEN];
        MDB_val k, v;
        MDB_cursor_op op = MDB_FIRST;
        int rc, r;

        r = cursor_open(t, DB_INTERACTIONS, &cur);
        if (r < 0)
                return r;
        if (after) {
                be64_put(from, after->contact_id);
                be64_put(from + 8, time_to_key(after->at));
                be32_put(from + 16, after->seq);
                k = (MDB_val){sizeof(from), from};
                op = MDB_SET_RANGE;
        }
        for (rc = mdb_cursor_get(cur, &k, &v, op); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_(interaction_freep) struct interaction *i = NULL;
                const uint8_t *kp = k.mv_data;

                if (k.mv_size != INTERACTION_KEY_LEN)
                        return -EBADMSG;
                if (after && memcmp(kp, from, sizeof(from)) == 0)
                        continue; /* the one it resumes after */
                r = codec_interaction_decode(v.mv_data, v.mv_size, &i);
                if (r < 0)
                        return r;
                i->contact_id = be64_get(kp);
                i->at = time_from_key(be64_get(kp + 8));
                i->seq = be32_get(kp + 16);
                r = cb(i, userdata);
                if (r != 0)
                        return r;
        }
        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

int store_txn_tombstone_walk(struct store_txn *t, store_tombstone_cb cb, void *userdata)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_TOMBSTONES, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                char uuid[UUID_STRING_LEN + 1];
                const uint8_t *vp = v.mv_data;

                if (k.mv_size > UUID_STRING_LEN ||
                    (v.mv_size != TOMBSTONE_LEN && v.mv_size != TOMBSTONE_MERGED_LEN))
                        return -EBADMSG;
                memcpy(uuid, k.mv_data, k.mv_size);
                uuid[k.mv_size] = 0;
                r = cb(uuid, vp[0], time_from_key(be64_get(vp + 1)), userdata);
                if (r != 0)
                        return r;
        }
        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

int store_txn_setting_walk(struct store_txn *t, store_setting_cb cb, void *userdata)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_val k, v;
        int rc, r;

        r = cursor_open(t, DB_SETTINGS, &cur);
        if (r < 0)
                return r;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                _cleanup_free_ char *name = strndup(k.mv_data, k.mv_size);
                _cleanup_free_ char *value = strndup(v.mv_data, v.mv_size);

                if (!name || !value)
                        return -ENOMEM;
                if (strlen(name) != k.mv_size || strlen(value) != v.mv_size ||
                    !utf8_is_clean_text(name, k.mv_size, false) ||
                    !utf8_is_clean_text(value, v.mv_size, true))
                        continue;
                r = cb(name, value, userdata);
                if (r != 0)
                        return r;
        }
        return rc == MDB_NOTFOUND ? 0 : txn_err(t, rc);
}

int store_txn_tombstone_put_exact(struct store_txn *t, const char *uuid, uint8_t type,
                                  int64_t deleted)
{
        char norm[UUID_STRING_LEN + 1];
        uint8_t val[TOMBSTONE_LEN];
        MDB_val k, v;
        int rc, r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        if (!uuid_is_valid(uuid))
                return -EINVAL;
        for (size_t i = 0; i <= UUID_STRING_LEN; i++)
                norm[i] = (char)ascii_lower((uint8_t)uuid[i]);
        k = (MDB_val){UUID_STRING_LEN, norm};
        rc = mdb_get(t->txn, dbi(t, DB_IDX_UUID), &k, &v);
        if (rc == 0)
                return -EEXIST;
        if (rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        rc = mdb_get(t->txn, dbi(t, DB_TOMBSTONES), &k, &v);
        if (rc == 0 && v.mv_size >= TOMBSTONE_LEN &&
            time_from_key(be64_get((const uint8_t *)v.mv_data + 1)) >= deleted)
                return 0;
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        val[0] = type;
        be64_put(val + 1, time_to_key(deleted));
        v = (MDB_val){sizeof(val), val};
        return txn_err(t, rec_put(t, DB_TOMBSTONES, &k, &v, 0));
}

int store_txn_next_id_get(struct store_txn *t, uint64_t *ret)
{
        return store_counter_get(t, META_NEXT_ID, ret);
}

int store_txn_next_id_raise(struct store_txn *t, uint64_t next)
{
        MDB_val k = {strlen(META_NEXT_ID), (void *)META_NEXT_ID}, v;
        uint8_t be[8];
        uint64_t cur;
        int r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        r = store_txn_next_id_get(t, &cur);
        if (r < 0)
                return r;
        if (next <= cur)
                return 0;
        be64_put(be, next);
        v = (MDB_val){sizeof(be), be};
        return txn_err(t, mdb_put(t->txn, dbi(t, DB_META), &k, &v, 0));
}

int store_txn_contact_exists(struct store_txn *t, uint64_t id)
{
        uint8_t key[ID_KEY_LEN];
        MDB_val k = {sizeof(key), key}, v;
        int rc;

        be64_put(key, id);
        rc = mdb_get(t->txn, dbi(t, DB_CONTACTS), &k, &v);
        if (rc == MDB_NOTFOUND)
                return 0;
        return rc ? txn_err(t, rc) : 1;
}

static int ids_by_key(struct store_txn *t, enum db db, const char *s, uint64_t *ret_ids, size_t max)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        uint8_t key[KEY_MAX];
        MDB_val k, v;
        size_t len, n = 0;
        int rc, r;

        len = key_normalize(s, strlen(s), t->store->max_key, key);
        if (len == 0)
                return 0;
        r = cursor_open(t, db, &cur);
        if (r < 0)
                return r;
        k = (MDB_val){len, key};
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET); rc == 0 && n <= max;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
                uint64_t id;

                r = val_to_id(&v, &id);
                if (r < 0)
                        return r;
                if (n < max)
                        ret_ids[n] = id;
                n++;
        }
        if (rc && rc != MDB_NOTFOUND)
                return txn_err(t, rc);
        return (int)n;
}

int store_txn_ids_by_email(struct store_txn *t, const char *email, uint64_t *ret_ids, size_t max)
{
        return ids_by_key(t, DB_IDX_EMAIL, email, ret_ids, max);
}

int store_txn_ids_by_name(struct store_txn *t, const char *name, uint64_t *ret_ids, size_t max)
{
        return ids_by_key(t, DB_IDX_NAME, name, ret_ids, max);
}

static void ikey(uint8_t key[static INTERACTION_KEY_LEN], uint64_t contact_id, int64_t at,
                 uint32_t seq)
{
        be64_put(key, contact_id);
        be64_put(key + 8, time_to_key(at));
        be32_put(key + 16, seq);
}

int store_txn_interaction_get(struct store_txn *t, uint64_t contact_id, int64_t at, uint32_t seq,
                              struct interaction **ret)
{
        uint8_t key[INTERACTION_KEY_LEN];
        MDB_val k = {sizeof(key), key}, v;
        struct interaction *i = NULL;
        int rc, r;

        ikey(key, contact_id, at, seq);
        rc = mdb_get(t->txn, dbi(t, DB_INTERACTIONS), &k, &v);
        if (rc)
                return txn_err(t, rc);
        r = codec_interaction_decode(v.mv_data, v.mv_size, &i);
        if (r < 0)
                return r;
        i->contact_id = contact_id;
        i->at = at;
        i->seq = seq;
        *ret = i;
        return 0;
}

int store_txn_interaction_put_exact(struct store_txn *t, struct interaction *i)
{
        _cleanup_free_ uint8_t *buf = NULL;
        uint8_t key[INTERACTION_KEY_LEN];
        MDB_val k = {sizeof(key), key}, v;
        size_t len;
        int r;

        r = txn_writable(t);
        if (r < 0)
                return r;
        if (!uuid_is_valid(i->uuid))
                return -EINVAL;
        r = store_txn_contact_exists(t, i->contact_id);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        ikey(key, i->contact_id, i->at, i->seq);
        if (mdb_get(t->txn, dbi(t, DB_INTERACTIONS), &k, &v) == 0)
                return -EEXIST; /* before the id is drawn: nothing written on refusal */
        r = interaction_id_assign(t, i);
        if (r < 0)
                return r;
        r = codec_interaction_encode(i, &buf, &len);
        if (r < 0)
                return r;
        v = (MDB_val){len, buf};
        r = txn_err(t, rec_put(t, DB_INTERACTIONS, &k, &v, MDB_NOOVERWRITE));
        if (r < 0)
                return r;
        r = store_goals_interaction_added(t, i);
        if (r < 0)
                return r;
        r = interaction_indexed(t, i, key);
        return r < 0 ? r : interaction_group_written(t, i);
}

int store_reserve(struct store *s, size_t bytes)
{
        MDB_envinfo info;
        MDB_stat st;
        size_t used, want, next;
        int rc;

        rc = mdb_env_info(s->env, &info);
        if (rc == 0)
                rc = mdb_env_stat(s->env, &st);
        if (rc)
                return lmdb_errno(s, NULL, rc);
        used = ((size_t)info.me_last_pgno + 1) * st.ms_psize;
        if (bytes > SIZE_MAX / 2 - used)
                return -ENOSPC;
        want = used + bytes;
        if (info.me_mapsize >= want)
                return 0;
        next = info.me_mapsize;
        while (next < want && next <= s->max_map_size / 2)
                next *= 2;
        if (next > s->max_map_size)
                next = s->max_map_size;
        if (next <= info.me_mapsize)
                return -ENOSPC;
        pthread_rwlock_wrlock(&s->resize_lock); /* a backup thread may be reading */
        rc = mdb_env_set_mapsize(s->env, next);
        pthread_rwlock_unlock(&s->resize_lock);
        if (rc)
                return lmdb_errno(s, NULL, rc);
        s->map_size = next;
        return 0;
}

/* The databases a store has, by name (store.c's table is the authority; a copy has them
 * all, some perhaps empty). */
static int verify_walk_db(MDB_txn *txn, const char *name, bool contacts, uint64_t *ret_n)
{
        _cleanup_(cursor_closep) MDB_cursor *cur = NULL;
        MDB_dbi d;
        MDB_val k, v;
        int rc;

        rc = mdb_dbi_open(txn, name, 0, &d);
        if (rc == MDB_NOTFOUND)
                return 0;
        if (rc)
                return lmdb_errno(NULL, NULL, rc);
        rc = mdb_cursor_open(txn, d, &cur);
        if (rc)
                return lmdb_errno(NULL, NULL, rc);
        /* Every entry read: every page of the copy is touched and its structure checked. */
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
                (*ret_n)++;
                if (contacts) {
                        _cleanup_(contact_freep) struct contact *c = NULL;
                        int r = codec_contact_decode(v.mv_data, v.mv_size, &c);

                        if (r < 0)
                                return r;
                }
        }
        return rc == MDB_NOTFOUND ? 0 : lmdb_errno(NULL, NULL, rc);
}

static void env_closep(MDB_env **e)
{
        if (*e)
                mdb_env_close(*e);
}

int store_backup_verify(const char *path, struct store_backup_check *ret)
{
        _cleanup_(env_closep) MDB_env *env = NULL;
        MDB_txn *txn = NULL;
        MDB_dbi meta;
        MDB_val k = {strlen(META_SCHEMA), (void *)META_SCHEMA}, v;
        struct store_backup_check c = {0};
        int rc, r;

        rc = mdb_env_create(&env);
        if (rc) {
                env = NULL;
                return lmdb_errno(NULL, NULL, rc);
        }
        rc = mdb_env_set_maxdbs(env, 64);
        if (!rc)
                rc = mdb_env_open(env, path, MDB_RDONLY | MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOTLS,
                                  0600);
        if (!rc)
                rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
        if (rc)
                return lmdb_errno(NULL, NULL, rc);
        rc = mdb_dbi_open(txn, "meta", 0, &meta);
        if (!rc)
                rc = mdb_get(txn, meta, &k, &v);
        if (rc) {
                mdb_txn_abort(txn);
                return rc == MDB_NOTFOUND ? -EBADMSG : lmdb_errno(NULL, NULL, rc);
        }
        c.schema = v.mv_size == 4 ? be32_get(v.mv_data) : 0;
        if (c.schema == 0 || c.schema > STORE_SCHEMA_VERSION) {
                mdb_txn_abort(txn);
                return -EPROTONOSUPPORT;
        }
        r = 0;
        for (int i = 0; r >= 0 && i < _DB_MAX; i++) {
                uint64_t n = 0;

                r = verify_walk_db(txn, store_db_name(i), i == DB_CONTACTS, &n);
                c.entries += n;
                if (i == DB_CONTACTS)
                        c.contacts = n;
                else if (i == DB_INTERACTIONS)
                        c.interactions = n;
        }
        mdb_txn_abort(txn);
        if (r < 0)
                return r;
        if (ret)
                *ret = c;
        return 0;
}

int store_backup(struct store *s, const char *path, uint64_t *ret_size)
{
        return store_backup_checked(s, path, ret_size, NULL);
}

int store_backup_checked(struct store *s, const char *path, uint64_t *ret_size,
                         struct store_backup_check *ret_check)
{
        _cleanup_free_ char *tmp = NULL, *dircopy = NULL;
        _cleanup_close_ int fd = -1, dfd = -1;
        struct stat st;
        int rc, r;

        if (!path || path[0] != '/')
                return -EINVAL;
        if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0)
                return -ENOMEM;
        dircopy = strdup(path);
        if (!dircopy)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* Its own read transaction, on whichever thread calls: the map must stay put. */
        pthread_rwlock_rdlock(&s->resize_lock);
        rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
        pthread_rwlock_unlock(&s->resize_lock);
        if (rc) {
                r = lmdb_errno(NULL, NULL, rc);
                goto fail;
        }
        if (fsync(fd) < 0 || fstat(fd, &st) < 0) {
                r = -errno;
                goto fail;
        }
        if (ret_check) { /* only a copy that reads back gets the name */
                r = store_backup_verify(tmp, ret_check);
                if (r < 0)
                        goto fail;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                goto fail;
        }
        dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void)fsync(dfd);
        *ret_size = (uint64_t)st.st_size;
        return 0;
fail:
        unlink(tmp);
        return r;
}
