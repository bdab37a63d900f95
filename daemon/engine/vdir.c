/* The vdir mirror; see vdir.h. */
#include "vdir.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ical.h"
#include "log.h"
#include "paths.h"
#include "store-transfer.h"
#include "strbuf.h"
#include "sync-card.h"
#include "timeutil.h"
#include "util.h"

enum folder { FOLDER_VDIR, FOLDER_STATE, FOLDER_ICS };

struct vdir {
        struct ev_loop *loop;
        struct store *store;
        char *dir, *ics_dir, *state_dir;
        unsigned exclude;
        int64_t conf_every;
        double delay;
        void (*withdraw)(uint32_t notify_id, void *userdata);
        void *userdata;
        int inotify_fd;
        ev_io watch;
        ev_timer import_timer, export_timer;
        json_t *pending;  /* file names (set) changed in the vdir since the last import */
        json_t *rendered; /* uuid → the local card text last compared (skips unchanged people) */
        json_t *dirty;    /* contact id → true: written since the last export */
        bool full;        /* export everyone (at start, or more changed than were listed) */
        bool walking;     /* the walk over everyone is under way, from walk_next */
        uint64_t walk_next;
        ev_idle slice;  /* runs the walk's next slice while the loop has nothing else to do */
        json_t *errors; /* [{file, reason, at}], newest last */
        int64_t last_export, last_import;
        uint64_t exported, imported, deleted;
        bool rescan;       /* the watch overflowed, or at start: look at every file */
        unsigned unsynced; /* 1 << enum folder: folders with renames not yet fsynced */
        struct rename {
                char *tmp, *path;
                enum folder folder;
        } * renames; /* written, to be renamed when the batch is committed */
        size_t n_renames, max_renames;
};

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

static int64_t now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void add_error(struct vdir *v, const char *file, const char *fmt, ...) _printf_(3, 4);
static void add_error(struct vdir *v, const char *file, const char *fmt, ...)
{
        char reason[512], at[TIME_RFC3339_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        log_warning("vdir: %s: %s; skipped.", file, reason);
        while (json_array_size(v->errors) >= VDIR_ERRORS_MAX)
                json_array_remove(v->errors, 0);
        json_array_append_new(v->errors, json_pack("{s:s,s:s,s:s}", "file", file, "reason", reason,
                                                   "at", time_format_rfc3339(time_now(), at)));
}

/* A file name tend considers: NAME.vcf, no hidden or temporary file, no path. */
static bool card_name(const char *name)
{
        size_t n = strlen(name);

        return n > 4 && n < NAME_MAX && name[0] != '.' && !strchr(name, '/') &&
               strcmp(name + n - 4, ".vcf") == 0;
}

/* Read a regular file of at most VDIR_FILE_MAX bytes without following a symlink. Returns
 * 0, -ENOENT, -ELOOP (a symlink), -EFTYPE-like -EBADF (not a regular file), -EFBIG or
 * -errno, with a reason. */
static int read_card_file(const char *dir, const char *name, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *path = NULL, *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        size_t got = 0;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        if (st.st_size > (off_t)VDIR_FILE_MAX)
                return -EFBIG;
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (got < (size_t)st.st_size) {
                ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                got += (size_t)k;
        }
        buf[got] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = got;
        return 0;
}

static const char *read_error_reason(int r)
{
        switch (r) {
        case -ELOOP:
                return "a symbolic link (not followed)";
        case -EBADF:
                return "not a regular file";
        case -EFBIG:
                return "bigger than 1 MiB";
        default:
                return strerror(-r);
        }
}

static const char *folder_path(struct vdir *v, enum folder f)
{
        return f == FOLDER_STATE ? v->state_dir : f == FOLDER_ICS ? v->ics_dir : v->dir;
}

/* Finish a batch of writes durably: one syncfs flushes the temporary files' data (their
 * writeback started when each was written), then each is renamed over its name, then each
 * folder that changed is fsynced once. One flush per batch, not one per file: an fsync of each
 * file is a journal commit each, and took a first export of 10,000 people from seconds to
 * minutes (even batched after the writes, half a minute). The cards go first and the agreed
 * state after: an agreed card is never newer than the one in the vdir (one newer would read as
 * "unchanged here, gone from the vdir": a deletion to import). A crash before the renames
 * leaves the old files and a stray hidden temporary one (ignored, overwritten next time). */
static void batch_commit(struct vdir *v)
{
        static const enum folder order[] = {FOLDER_VDIR, FOLDER_ICS, FOLDER_STATE};

        for (size_t k = 0; v->n_renames && k < ARRAY_SIZE(order); k++) {
                const char *dir = folder_path(v, order[k]);
                _cleanup_close_ int fd = -EBADF;

                /* The vdir and the data folder are one file system in the usual case; the
                 * second syncfs of the same one finds nothing left to do. */
                if (!dir)
                        continue;
                fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0 || syncfs(fd) < 0)
                        log_warning("vdir: cannot flush %s: %s", dir, strerror(errno));
        }
        for (size_t k = 0; k < ARRAY_SIZE(order); k++)
                for (size_t i = 0; i < v->n_renames; i++) {
                        struct rename *m = &v->renames[i];

                        if (m->folder != order[k])
                                continue;
                        if (rename(m->tmp, m->path) < 0) {
                                if (errno != ENOENT) /* ENOENT: one name twice in a batch */
                                        add_error(v, m->path, "cannot write: %s", strerror(errno));
                                unlink(m->tmp);
                        } else
                                v->unsynced |= 1u << m->folder;
                }
        for (size_t i = 0; i < v->n_renames; i++) {
                free(v->renames[i].tmp);
                free(v->renames[i].path);
        }
        v->n_renames = 0;
        for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
                _cleanup_close_ int fd = -EBADF;

                if (!(v->unsynced & (1u << order[i])))
                        continue;
                fd = open(folder_path(v, order[i]), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0 || fsync(fd) < 0)
                        log_warning("vdir: cannot sync %s: %s", folder_path(v, order[i]),
                                    strerror(errno));
        }
        v->unsynced = 0;
}

/* Write data to folder/name atomically: a temporary file beside it now, renamed over the name
 * when the batch is committed (batch_commit, which makes it durable). */
static int write_atomic(struct vdir *v, enum folder f, const char *name, const char *data,
                        size_t len)
{
        const char *dir = folder_path(v, f);
        _cleanup_free_ char *path = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t done = 0;
        int r;

        if (asprintf(&path, "%s/%s", dir, name) < 0 ||
            asprintf(&tmp, "%s/.%s.tend-%d.tmp", dir, name, (int)getpid()) < 0)
                return -ENOMEM;
        if (v->n_renames == v->max_renames) {
                size_t max = v->max_renames ? v->max_renames * 2 : 64;
                struct rename *grown = reallocarray(v->renames, max, sizeof(*grown));

                if (!grown)
                        return -ENOMEM;
                v->renames = grown;
                v->max_renames = max;
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        while (done < len) {
                ssize_t k = write(fd, data + done, len - done);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = -errno;
                        unlink(tmp);
                        return r;
                }
                done += (size_t)k;
        }
        /* Writeback starts now; batch_commit waits for it. */
        (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
        if (close(TAKE_FD(fd)) < 0) {
                r = -errno;
                unlink(tmp);
                return r;
        }
        v->renames[v->n_renames++] =
            (struct rename){.tmp = TAKE_PTR(tmp), .path = TAKE_PTR(path), .folder = f};
        return 0;
}

static void remove_file(struct vdir *v, enum folder f, const char *name)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", folder_path(v, f), name) < 0)
                return;
        if (unlink(path) == 0)
                v->unsynced |= 1u << f;
        else if (errno != ENOENT)
                log_warning("vdir: cannot remove %s: %s", path, strerror(errno));
}

/* The card this machine last agreed with for name (state dir), parsed; NULL when none. */
static json_t *load_base(struct vdir *v, const char *name, char **ret_text, size_t *ret_len)
{
        _cleanup_free_ char *text = NULL;
        json_t *card = NULL;
        char reason[256];
        size_t len = 0;

        if (read_card_file(v->state_dir, name, &text, &len) < 0)
                return NULL;
        if (sync_card_read(text, len, &card, reason, sizeof(reason)) < 0)
                card = NULL;
        if (ret_text) {
                *ret_text = TAKE_PTR(text);
                *ret_len = len;
        }
        return card;
}

static int save_base(struct vdir *v, const char *name, const char *text, size_t len)
{
        return write_atomic(v, FOLDER_STATE, name, text, len);
}

/* Who this machine holds merged into card's person: what base (the card last agreed) named
 * and what tombstones here newly name (more, may be NULL), but nobody who lives again here (an
 * undone merge). "merged" is versioned like a field, so it must be whole before stamping. */
static int set_merged(struct store_txn *t, json_t *card, json_t *base, json_t *more)
{
        json_t *lists[] = {json_object_get(base, "merged"), more}, *m = json_array(), *e, *f;
        size_t i, j;

        if (!m)
                return -ENOMEM;
        for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
                json_array_foreach(lists[l], i, e)
                {
                        bool have = false;

                        if (!json_string_value(e) ||
                            store_txn_contact_by_uuid(t, json_string_value(e), &(uint64_t){0}) >= 0)
                                continue;
                        json_array_foreach(m, j, f) if (json_equal(e, f)) have = true;
                        if (!have && json_array_append(m, e) < 0) {
                                json_decref(m);
                                return -ENOMEM;
                        }
                }
        if (json_array_size(m) == 0) {
                json_decref(m);
                json_object_del(card, "merged");
                return 0;
        }
        return json_object_set_new(card, "merged", m) < 0 ? -ENOMEM : 0;
}

/* ---- out: the store to the vdir ---- */

struct export_ctx {
        struct vdir *v;
        struct store_txn *t;
        json_t *live;   /* uuid → true */
        json_t *merged; /* keeper uuid → [uuids merged into it] */
        json_t *settle; /* uuid → the raw lines to keep after settling conflicts */
        int64_t now_us;
        unsigned written;
        bool slice;          /* a slice of the walk over everyone, not the changed people */
        uint64_t next;       /* the walk: the id to go on from */
        int64_t deadline_us; /* the slice ends at this CLOCK_MONOTONIC time; 0: at the end */
        size_t done_people;
        bool walk_done;
};

static bool interaction_deleted(const char *uuid, void *userdata)
{
        struct export_ctx *x = userdata;
        int64_t when;

        return store_txn_tombstone_get(x->t, uuid, &when) == 'I';
}

static void write_ics(struct vdir *v, const struct contact *c)
{
        _cleanup_(strbuf_donep) struct strbuf out = {0};
        _cleanup_free_ char *name = NULL, *summary = NULL;

        if (asprintf(&name, "%s.ics", c->uuid) < 0)
                return;
        if (!c->next_due) {
                remove_file(v, FOLDER_ICS, name);
                return;
        }
        if (asprintf(&summary, "Follow up with %s", c->name) < 0)
                return;
        ical_begin(&out);
        if (ical_add_todo(&out, &(struct ical_todo){.uid = c->uuid,
                                                    .dtstamp = time_now(),
                                                    .due = c->next_due,
                                                    .summary = summary,
                                                    .categories = "tend"}) < 0 ||
            ical_end(&out) < 0)
                return;
        if (write_atomic(v, FOLDER_ICS, name, out.data, out.len) < 0)
                add_error(v, name, "cannot write the iCalendar file");
}

static int export_one(const struct contact *c, void *userdata)
{
        struct export_ctx *x = userdata;
        struct vdir *v = x->v;
        json_auto_t *card = NULL, *base = NULL;
        _cleanup_free_ char *name = NULL, *dump = NULL, *base_text = NULL, *text = NULL;
        size_t base_len = 0, len = 0;
        json_t *extra;
        struct stat st;
        int r;

        json_object_set_new(x->live, c->uuid, json_true());
        if (v->ics_dir)
                write_ics(v, c);
        r = sync_card_local(x->t, c, v->exclude, &card);
        if (r < 0)
                return r;
        extra = json_object_get(x->merged, c->uuid);
        if (extra)
                json_object_set(card, "merged", extra);
        dump = json_dumps(card, JSON_COMPACT | JSON_SORT_KEYS);
        if (asprintf(&name, "%s.vcf", c->uuid) < 0 || !dump)
                return -ENOMEM;
        if (streq_ptr(json_string_value(json_object_get(v->rendered, c->uuid)), dump) &&
            fstatat(AT_FDCWD, v->dir, &st, 0) == 0) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", v->dir, name) >= 0 && lstat(path, &st) == 0)
                        return 0; /* nothing changed since the last pass */
        }
        base = load_base(v, name, &base_text, &base_len);
        r = set_merged(x->t, card, base, extra);
        if (r >= 0)
                r = sync_card_stamp(card, base, x->now_us, interaction_deleted, x);
        if (r < 0)
                return r;
        if (sync_card_settle(card)) {
                json_t *lines = json_object_get(card, "vcard");

                json_object_set_new(x->settle, c->uuid,
                                    lines ? json_deep_copy(lines) : json_array());
        }
        r = sync_card_write(card, &text, &len);
        if (r < 0) {
                add_error(v, name, "cannot be written as a vCard: %s", strerror(-r));
                return 0;
        }
        {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", v->dir, name) < 0)
                        return -ENOMEM;
                if (base_text && base_len == len && memcmp(base_text, text, len) == 0) {
                        if (lstat(path, &st) < 0 && errno == ENOENT) {
                                /* Unchanged here and gone from the vdir: a deletion still
                                 * to import, not a card to write back. */
                                json_object_set_new(v->pending, name, json_true());
                                if (!ev_is_active(&v->import_timer)) {
                                        ev_timer_set(&v->import_timer, v->delay, 0.);
                                        ev_timer_start(v->loop, &v->import_timer);
                                }
                                return 0;
                        }
                        json_object_set_new(v->rendered, c->uuid, json_string(dump));
                        return 0;
                }
        }
        r = save_base(v, name, text, len);
        if (r >= 0)
                r = write_atomic(v, FOLDER_VDIR, name, text, len);
        if (r < 0) {
                add_error(v, name, "cannot write: %s", strerror(-r));
                return 0;
        }
        json_object_set_new(v->rendered, c->uuid, json_string(dump));
        v->exported++;
        x->written++;
        return 0;
}

/* People this machine had synced who are gone from the store: their files go; a merged
 * one is named in the keeper's card. */
static int export_gone(struct export_ctx *x, bool remove)
{
        struct vdir *v = x->v;
        _cleanup_(closedirp) DIR *d = opendir(v->state_dir);
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                char uuid[UUID_STRING_LEN + 1], into[UUID_STRING_LEN + 1];
                size_t n = strlen(de->d_name);
                json_t *l;

                if (!card_name(de->d_name) || n != UUID_STRING_LEN + 4)
                        continue;
                snprintf(uuid, sizeof(uuid), "%.*s", UUID_STRING_LEN, de->d_name);
                if (store_txn_contact_by_uuid(x->t, uuid, &(uint64_t){0}) >= 0)
                        continue;
                if (!remove) {
                        if (store_txn_tombstone_merged_into(x->t, uuid, into) < 0)
                                continue;
                        l = json_object_get(x->merged, into);
                        if (!l) {
                                l = json_array();
                                json_object_set_new(x->merged, into, l);
                        }
                        json_array_append_new(l, json_string(uuid));
                        continue;
                }
                /* The state first: a vanished file without state is no deletion to import. */
                remove_file(v, FOLDER_STATE, de->d_name);
                remove_file(v, FOLDER_VDIR, de->d_name);
                if (v->ics_dir) {
                        char ics[UUID_STRING_LEN + 8];

                        snprintf(ics, sizeof(ics), "%s.ics", uuid);
                        remove_file(v, FOLDER_ICS, ics);
                }
                json_object_del(v->rendered, uuid);
                v->exported++;
        }
        return 0;
}

static int64_t monotonic_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One person of the walk; stops (1) once the slice has used its time or its people. */
static int export_slice_one(const struct contact *c, void *userdata)
{
        struct export_ctx *x = userdata;
        int r = export_one(c, x);

        if (r < 0)
                return r;
        x->next = c->id + 1;
        if (!x->deadline_us)
                return 0;
        return ++x->done_people >= VDIR_SLICE_PEOPLE || monotonic_us() >= x->deadline_us;
}

static int export_txn(struct store_txn *t, void *userdata)
{
        struct export_ctx *x = userdata;
        int r;

        x->t = t;
        r = export_gone(x, false);
        if (r < 0)
                return r;
        if (x->slice) {
                /* The next slice of the walk over everyone, in id order from where the last
                 * one stopped. Each slice reads the store as committed now, and no commit
                 * happens while it runs (one loop), so nobody is written stale: a person
                 * changed behind the walk is written by the after-commit path, one ahead of
                 * it when the walk gets there. */
                r = store_txn_contact_walk_from(t, x->next, export_slice_one, x);
                if (r < 0)
                        return r;
                if (r > 0)
                        return 0; /* more to come */
                x->walk_done = true;
        } else {
                const char *key;
                json_t *val;

                /* Only the people written since the last export. */
                json_object_foreach(x->v->dirty, key, val)
                {
                        _cleanup_(contact_freep) struct contact *c = NULL;

                        r = store_txn_contact_get(t, strtoull(key, NULL, 10), &c);
                        if (r == -ENOENT)
                                continue; /* gone: export_gone removes their file */
                        if (r >= 0)
                                r = export_one(c, x);
                        if (r < 0)
                                return r;
                }
                r = 0;
        }
        if (r < 0)
                return r;
        return export_gone(x, true);
}

struct settle_ctx {
        json_t *settle;
};

static int settle_txn(struct store_txn *t, void *userdata)
{
        struct settle_ctx *x = userdata;
        const char *uuid;
        json_t *lines;
        int r;

        /* Bookkeeping after the edit that settled them, not a change of its own. */
        store_txn_no_journal(t);
        json_object_foreach(x->settle, uuid, lines)
        {
                _cleanup_(contact_freep) struct contact *c = NULL;
                _cleanup_strv_ char **keep = NULL;
                uint64_t id;
                json_t *l;
                size_t i;

                if (store_txn_contact_by_uuid(t, uuid, &id) < 0 ||
                    store_txn_contact_get(t, id, &c) < 0)
                        continue;
                json_array_foreach(lines, i, l) if (json_string_value(l) &&
                                                    strv_push(&keep, json_string_value(l)) <
                                                        0) return -ENOMEM;
                strv_free(c->vcard_extra);
                c->vcard_extra = TAKE_PTR(keep);
                r = store_txn_contact_put(t, c);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* One export pass: the people written since the last one, or (slice) the next slice of the
 * walk over everyone (to its end when budget_us is 0). Returns 0 or -errno. */
static int export_run(struct vdir *v, bool slice, int64_t budget_us)
{
        json_auto_t *live = json_object(), *merged = json_object(), *settle = json_object();
        struct export_ctx x = {.v = v,
                               .live = live,
                               .merged = merged,
                               .settle = settle,
                               .now_us = now_us(),
                               .slice = slice,
                               .next = v->walk_next,
                               .deadline_us = budget_us ? monotonic_us() + budget_us : 0};
        int r;

        if (!live || !merged || !settle)
                return -ENOMEM;
        if (!slice)
                batch_commit(v); /* what a slice left pending is read back as agreed state */
        r = store_read(v->store, export_txn, &x);
        if (!slice || x.walk_done || r < 0 || v->n_renames >= VDIR_BATCH_FILES)
                batch_commit(v);
        if (r >= 0 && slice) {
                v->walk_next = x.next;
                v->walking = !x.walk_done;
        } else if (r >= 0)
                json_object_clear(v->dirty);
        if (r < 0) {
                log_warning("vdir: export failed: %s", strerror(-r));
                return r;
        }
        if (json_object_size(settle)) {
                /* Conflicts settled by an edit leave the store too. */
                r = store_write(v->store, settle_txn, &(struct settle_ctx){.settle = settle});
                if (r < 0)
                        log_warning("vdir: settling conflicts failed: %s", strerror(-r));
        }
        v->last_export = time_now();
        return 0;
}

static void walk_stop(struct vdir *v)
{
        v->walking = false;
        ev_idle_stop(v->loop, &v->slice);
}

/* The changed people now; everyone (at start, or after more changes than were listed) by the
 * walk, a slice at a time whenever the loop is idle, so clients are answered in between. */
static void export_all(struct vdir *v)
{
        if (v->full) {
                v->full = false;
                v->walking = true;
                v->walk_next = 0; /* from the start again: a big change may be behind it */
                ev_idle_start(v->loop, &v->slice);
        }
        export_run(v, false, 0);
}

static void on_slice(struct ev_loop *loop, ev_idle *w, int revents)
{
        struct vdir *v = w->data;

        (void)loop;
        (void)revents;
        if (export_run(v, true, VDIR_SLICE_US) < 0) {
                v->full = true; /* tried again after the next commit */
                walk_stop(v);
        } else if (!v->walking)
                walk_stop(v);
}

/* ---- in: the vdir to the store ---- */

struct import_ctx {
        struct vdir *v;
        json_t *incoming;  /* the card as read */
        json_t *base;      /* the card this machine last agreed with, or NULL */
        json_t *result;    /* the card the store now holds (set by the transaction) */
        bool skip;         /* deleted here after that version: not applied */
        uint32_t withdraw; /* a notification to take down once committed */
        char reason[256];
        int64_t now_us;
};

static int64_t newest_rev(json_t *card)
{
        json_t *revs = json_object_get(card, "revs"), *l;
        const char *k;
        int64_t newest = 0;

        json_object_foreach(revs, k, l)
        {
                int64_t h = json_integer_value(json_array_get(l, 0));

                if (h > newest)
                        newest = h;
        }
        return newest;
}

static bool deleted_here(const char *uuid, void *userdata)
{
        struct store_txn *t = userdata;
        int64_t when;

        return store_txn_tombstone_get(t, uuid, &when) == 'I';
}

static int import_txn(struct store_txn *t, void *userdata)
{
        struct import_ctx *x = userdata;
        json_auto_t *in = json_deep_copy(x->incoming), *local = NULL, *base = NULL;
        const char *uuid = json_string_value(json_object_get(in, "uuid"));
        _cleanup_(contact_freep) struct contact *c = NULL;
        uint64_t id = 0;
        int64_t deleted = 0;
        int r;

        json_decref(x->result);
        x->result = NULL;
        x->skip = false;
        x->withdraw = 0;
        if (!in || !uuid)
                return -ENOMEM;
        base = x->base ? json_deep_copy(x->base) : NULL;
        /* A foreign editor (khard, a phone) changes values without touching X-TEND-REVS: what
         * differs from the last agreed card is new from the other side. */
        r = sync_card_stamp(in, base, x->now_us, NULL, NULL);
        if (r < 0)
                return r;
        r = store_txn_contact_by_uuid(t, uuid, &id);
        if (r >= 0) {
                r = store_txn_contact_get(t, id, &c);
                if (r < 0)
                        return r;
                r = sync_card_local(t, c, x->v->exclude, &local);
                if (r < 0)
                        return r;
                r = set_merged(t, local, base, NULL);
                if (r < 0)
                        return r;
                r = sync_card_stamp(local, base, x->now_us, deleted_here, t);
                if (r < 0)
                        return r;
                r = sync_card_merge(local, in, &x->result, NULL);
                if (r < 0)
                        return r;
        } else if (r != -ENOENT)
                return r;
        else {
                int type = store_txn_tombstone_get(t, uuid, &deleted);

                if (type == 'C' && deleted * 1000000 >= newest_rev(in)) {
                        x->skip = true; /* deleted here after the card's last change */
                        return 0;
                }
                x->result = json_incref(in);
        }
        r = sync_card_apply(t, x->result, x->v->exclude, x->v->conf_every, time_now(), x->reason,
                            sizeof(x->reason), &x->withdraw);
        if (r == -EINVAL)
                return -ECANCELED;
        return r;
}

static int delete_txn(struct store_txn *t, void *userdata)
{
        struct import_ctx *x = userdata;
        const char *uuid = json_string_value(json_object_get(x->base, "uuid"));
        _cleanup_(contact_freep) struct contact *c = NULL;
        json_auto_t *local = NULL, *base = json_deep_copy(x->base);
        uint64_t id;
        json_t *revs, *brevs, *l;
        const char *k;
        int r;

        x->skip = false;
        if (!uuid || !base)
                return -ENOMEM;
        r = store_txn_contact_by_uuid(t, uuid, &id);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        r = store_txn_contact_get(t, id, &c);
        if (r < 0)
                return r;
        r = sync_card_local(t, c, x->v->exclude, &local);
        if (r >= 0)
                r = set_merged(t, local, base, NULL);
        if (r >= 0)
                r = sync_card_stamp(local, base, x->now_us, deleted_here, t);
        if (r < 0)
                return r;
        /* Changed here since it was last synced: it stays (and is written back). */
        revs = json_object_get(local, "revs");
        brevs = json_object_get(base, "revs");
        json_object_foreach(revs, k, l) if (!json_equal(l, json_object_get(brevs, k)))
        {
                x->skip = true;
                return 0;
        }
        return store_txn_contact_delete(t, id, time_now());
}

/* One file of an import batch: read and parsed before the transaction, applied inside it,
 * its state written after the commit. */
struct import_entry {
        char *name;
        char own[UUID_STRING_LEN + 5]; /* UID.vcf: where tend keeps this person */
        char *text;                    /* the file as read */
        size_t len;
        json_t *base, *incoming;
        bool deletion; /* the file vanished after it had been synced */
        bool failed;   /* not applied: the reason is in x.reason */
        bool back;     /* a person merged into another here, coming back (applied first) */
        struct import_ctx x;
};

static void entry_done(struct import_entry *e)
{
        free(e->name);
        free(e->text);
        json_decref(e->base);
        json_decref(e->incoming);
        json_decref(e->x.result);
}

/* Read and parse one file. Returns true when there is something to apply. */
static bool entry_prepare(struct vdir *v, const char *name, struct import_entry *e)
{
        char reason[256] = "";
        const char *uuid;
        int r;

        *e = (struct import_entry){.x = {.v = v, .now_us = now_us()}};
        e->name = strdup(name);
        if (!e->name)
                return false;
        e->base = load_base(v, name, NULL, NULL);
        r = read_card_file(v->dir, name, &e->text, &e->len);
        if (r == -ENOENT) {
                if (!e->base)
                        return false; /* never synced (or removed by tend itself) */
                e->deletion = true;
                e->x.base = e->base;
                snprintf(e->own, sizeof(e->own), "%s", name);
                return true;
        }
        if (r < 0) {
                add_error(v, name, "%s", read_error_reason(r));
                return false;
        }
        {
                _cleanup_free_ char *base_text = NULL;
                size_t base_len = 0;

                if (read_card_file(v->state_dir, name, &base_text, &base_len) >= 0 &&
                    base_len == e->len && memcmp(base_text, e->text, e->len) == 0)
                        return false; /* what tend wrote itself */
        }
        r = sync_card_read(e->text, e->len, &e->incoming, reason, sizeof(reason));
        if (r < 0) {
                add_error(v, name, "%s", r == -EINVAL ? reason : strerror(-r));
                return false;
        }
        uuid = json_string_value(json_object_get(e->incoming, "uuid"));
        snprintf(e->own, sizeof(e->own), "%s.vcf", uuid);
        if (!streq(e->own, name)) {
                /* A card under another name (a phone's UID): tend's file is UID.vcf. */
                json_decref(e->base);
                e->base = load_base(v, e->own, NULL, NULL);
        }
        e->x.incoming = e->incoming;
        e->x.base = e->base;
        return true;
}

struct batch_ctx {
        struct import_entry *v;
        size_t n;
};

/* Every file of the batch in one transaction (one commit, not one per file). A card that
 * cannot become a contact is refused before anything of it is written, so it is skipped and
 * the others go on. */
static int batch_txn(struct store_txn *t, void *userdata)
{
        struct batch_ctx *b = userdata;

        store_txn_describe(t, "sync: %zu card%s from the vdir", b->n, b->n == 1 ? "" : "s");
        /* People coming back from a merge first (an undone merge): they take their
         * interactions back from the one they were merged into, the same records, before
         * that one's card says they left. */
        for (size_t i = 0; i < b->n; i++) {
                struct import_entry *e = &b->v[i];
                const char *uuid = json_string_value(json_object_get(e->incoming, "uuid"));
                char into[UUID_STRING_LEN + 1];

                e->back = !e->deletion && uuid &&
                          store_txn_contact_by_uuid(t, uuid, &(uint64_t){0}) == -ENOENT &&
                          store_txn_tombstone_merged_into(t, uuid, into) >= 0;
        }
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < b->n; i++) {
                        struct import_entry *e = &b->v[i];
                        int r;

                        if (e->back != (pass == 0))
                                continue;
                        e->failed = false;
                        e->x.reason[0] = 0;
                        r = e->deletion ? delete_txn(t, &e->x) : import_txn(t, &e->x);
                        if (r == -ECANCELED) {
                                e->failed = true;
                                continue;
                        }
                        if (r < 0)
                                return r;
                }
        return 0;
}

static void entry_finish(struct vdir *v, struct import_entry *e)
{
        _cleanup_free_ char *out = NULL;
        size_t out_len = 0;
        int r;

        if (e->failed) {
                add_error(v, e->name, "%s", e->x.reason[0] ? e->x.reason : "not a contact");
                return;
        }
        if (e->x.withdraw && v->withdraw)
                v->withdraw(e->x.withdraw, v->userdata);
        if (e->deletion) {
                /* Either deleted here now, or changed here since: the export writes it
                 * again. The agreed state goes in both cases. */
                remove_file(v, FOLDER_STATE, e->name);
                json_object_del(v->rendered, json_string_value(json_object_get(e->base, "uuid")));
                if (!e->x.skip)
                        v->deleted++;
                return;
        }
        if (e->x.skip) {
                /* Deleted here after its last change: no ghost card. */
                remove_file(v, FOLDER_VDIR, e->name);
                return;
        }
        /* The merged card is what this machine now agrees with; the vdir file is rewritten
         * only when it differs from what came in. */
        r = sync_card_write(e->x.result, &out, &out_len);
        if (r >= 0) {
                save_base(v, e->own, out, out_len);
                if (!streq(e->own, e->name) || out_len != e->len ||
                    memcmp(out, e->text, e->len) != 0) {
                        write_atomic(v, FOLDER_VDIR, e->own, out, out_len);
                        if (!streq(e->own, e->name))
                                remove_file(v, FOLDER_VDIR, e->name);
                }
        }
        json_object_del(v->rendered, json_string_value(json_object_get(e->incoming, "uuid")));
        v->imported++;
        v->last_import = time_now();
}

/* Import the named files: changed ones first, vanished ones after (a merge names the person
 * whose file goes). */
static void import_files(struct vdir *v, json_t *changed, json_t *vanished)
{
        size_t n = json_array_size(changed) + json_array_size(vanished), k = 0, i;
        struct import_entry *entries = calloc(n ? n : 1, sizeof(*entries));
        json_t *lists[] = {changed, vanished}, *name;
        int r;

        if (!entries)
                return;
        batch_commit(v);
        for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
                json_array_foreach(lists[l], i, name)
                {
                        if (entry_prepare(v, json_string_value(name), &entries[k]))
                                k++;
                        else
                                entry_done(&entries[k]);
                }
        if (k) {
                r = store_write(v->store, batch_txn, &(struct batch_ctx){.v = entries, .n = k});
                for (i = 0; i < k; i++) {
                        if (r < 0)
                                add_error(v, entries[i].name, "could not be applied: %s",
                                          strerror(-r));
                        else
                                entry_finish(v, &entries[i]);
                }
                batch_commit(v);
        }
        for (i = 0; i < k; i++)
                entry_done(&entries[i]);
        free(entries);
}

static void queue_all(struct vdir *v)
{
        const char *dirs[] = {v->dir, v->state_dir};

        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                _cleanup_(closedirp) DIR *d = opendir(dirs[i]);
                struct dirent *de;

                while (d && (de = readdir(d)))
                        if (card_name(de->d_name))
                                json_object_set_new(v->pending, de->d_name, json_true());
        }
}

static void import_pending(struct vdir *v)
{
        json_auto_t *batch = v->pending, *changed = json_array(), *vanished = json_array();
        const char *name;
        json_t *val;

        v->pending = json_object();
        if (!changed || !vanished || !v->pending)
                return;
        if (v->rescan) {
                v->rescan = false;
                queue_all(v);
                json_object_update(batch, v->pending);
                json_object_clear(v->pending);
        }
        json_object_foreach(batch, name, val)
        {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                if (asprintf(&path, "%s/%s", v->dir, name) < 0)
                        continue;
                json_array_append_new(lstat(path, &st) < 0 && errno == ENOENT ? vanished : changed,
                                      json_string(name));
        }
        import_files(v, changed, vanished);
}

static void on_import_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
        struct vdir *v = w->data;

        (void)loop;
        (void)revents;
        import_pending(v);
        export_all(v);
}

static void on_export_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
        struct vdir *v = w->data;

        (void)loop;
        (void)revents;
        export_all(v);
}

static void on_watch(struct ev_loop *loop, ev_io *w, int revents)
{
        struct vdir *v = w->data;
        char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
        bool any = false;

        (void)revents;
        for (;;) {
                ssize_t n = read(v->inotify_fd, buf, sizeof(buf));

                if (n <= 0)
                        break;
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *e = (const struct inotify_event *)p;

                        if (e->mask & IN_Q_OVERFLOW)
                                v->rescan = true;
                        else if (e->len && card_name(e->name))
                                json_object_set_new(v->pending, e->name, json_true());
                        any = true;
                        p += sizeof(*e) + e->len;
                }
        }
        if (any) {
                /* Wait for the folder to be quiet: a file being written is read once done. */
                ev_timer_stop(loop, &v->import_timer);
                ev_timer_set(&v->import_timer, v->delay, 0.);
                ev_timer_start(loop, &v->import_timer);
        }
}

/* Temporary files of a tendd that was killed before renaming them (tend's own only: named
 * .NAME.tend-PID.tmp). */
static void remove_strays(struct vdir *v)
{
        static const enum folder folders[] = {FOLDER_VDIR, FOLDER_STATE, FOLDER_ICS};

        for (size_t i = 0; i < ARRAY_SIZE(folders); i++) {
                const char *dir = folder_path(v, folders[i]);
                _cleanup_(closedirp) DIR *d = dir ? opendir(dir) : NULL;
                struct dirent *de;

                while (d && (de = readdir(d))) {
                        size_t n = strlen(de->d_name);

                        if (de->d_name[0] == '.' && n > 4 && streq(de->d_name + n - 4, ".tmp") &&
                            strstr(de->d_name, ".tend-"))
                                remove_file(v, folders[i], de->d_name);
                }
        }
}

int vdir_new(struct ev_loop *loop, struct store *store, const struct vdir_options *o,
             struct vdir **ret)
{
        struct vdir *v = calloc(1, sizeof(*v));
        int r;

        if (!v)
                return -ENOMEM;
        v->loop = loop;
        v->store = store;
        v->inotify_fd = -EBADF;
        v->exclude = o->exclude;
        v->conf_every = o->conf_every;
        v->delay = o->delay > 0 ? o->delay : 0.3;
        v->withdraw = o->withdraw;
        v->userdata = o->userdata;
        v->dir = strdup(o->dir);
        v->state_dir = strdup(o->state_dir);
        v->ics_dir = o->ics_dir ? strdup(o->ics_dir) : NULL;
        v->pending = json_object();
        v->rendered = json_object();
        v->dirty = json_object();
        v->full = true;
        v->errors = json_array();
        if (!v->dir || !v->state_dir || (o->ics_dir && !v->ics_dir) || !v->pending ||
            !v->rendered || !v->dirty || !v->errors) {
                r = -ENOMEM;
                goto fail;
        }
        r = mkdir_parents(v->dir, 0700);
        if (r >= 0)
                r = mkdir_parents(v->state_dir, 0700);
        if (r >= 0 && v->ics_dir)
                r = mkdir_parents(v->ics_dir, 0700);
        if (r < 0) {
                log_error("vdir: cannot create %s: %s", v->dir, strerror(-r));
                goto fail;
        }
        v->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (v->inotify_fd < 0 ||
            inotify_add_watch(v->inotify_fd, v->dir,
                              IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                  IN_ONLYDIR | IN_DONT_FOLLOW) < 0) {
                r = -errno;
                log_error("vdir: cannot watch %s: %s", v->dir, strerror(-r));
                goto fail;
        }
        remove_strays(v);
        ev_io_init(&v->watch, on_watch, v->inotify_fd, EV_READ);
        v->watch.data = v;
        ev_io_start(loop, &v->watch);
        ev_timer_init(&v->import_timer, on_import_timer, 0., 0.);
        v->import_timer.data = v;
        ev_timer_init(&v->export_timer, on_export_timer, 0., 0.);
        v->export_timer.data = v;
        ev_idle_init(&v->slice, on_slice);
        v->slice.data = v;
        /* What changed while tendd was not running: every file once, then the export. */
        v->rescan = true;
        ev_timer_set(&v->import_timer, 0., 0.);
        ev_timer_start(loop, &v->import_timer);
        *ret = v;
        return 0;
fail:
        vdir_free(v);
        return r;
}

void vdir_free(struct vdir *v)
{
        if (!v)
                return;
        if (v->inotify_fd >= 0) {
                ev_io_stop(v->loop, &v->watch);
                close(v->inotify_fd);
        }
        ev_timer_stop(v->loop, &v->import_timer);
        ev_timer_stop(v->loop, &v->export_timer);
        ev_idle_stop(v->loop, &v->slice);
        batch_commit(v);
        free(v->renames);
        json_decref(v->pending);
        json_decref(v->rendered);
        json_decref(v->dirty);
        json_decref(v->errors);
        free(v->dir);
        free(v->ics_dir);
        free(v->state_dir);
        free(v);
}

void vdir_committed(struct vdir *v, const struct store_changes *ch)
{
        char key[24];

        if (!v)
                return;
        if (ch->n_changed > STORE_CHANGED_MAX)
                v->full = true;
        else
                for (size_t i = 0; i < ch->n_changed; i++) {
                        snprintf(key, sizeof(key), "%" PRIu64, ch->changed[i]);
                        json_object_set_new(v->dirty, key, json_true());
                }
        if (ev_is_active(&v->export_timer))
                return;
        ev_timer_set(&v->export_timer, v->delay, 0.);
        ev_timer_start(v->loop, &v->export_timer);
}

void vdir_flush(struct vdir *v)
{
        if (!v)
                return;
        ev_timer_stop(v->loop, &v->import_timer);
        ev_timer_stop(v->loop, &v->export_timer);
        import_pending(v);
        export_all(v);
        if (v->walking && export_run(v, true, 0) < 0)
                v->full = true;
        walk_stop(v);
}

json_t *vdir_status(struct vdir *v)
{
        char a[TIME_RFC3339_MAX], b[TIME_RFC3339_MAX];

        if (!v)
                return json_pack("{s:b}", "enabled", false);
        return json_pack(
            "{s:b,s:s,s:s?,s:s?,s:s?,s:I,s:I,s:I,s:I,s:O}", "enabled", true, "vdir", v->dir, "ics",
            v->ics_dir, "last_export",
            v->last_export ? time_format_rfc3339(v->last_export, a) : NULL, "last_import",
            v->last_import ? time_format_rfc3339(v->last_import, b) : NULL, "pending",
            (json_int_t)(json_object_size(v->pending) + (ev_is_active(&v->export_timer) ? 1 : 0) +
                         (v->walking ? 1 : 0)),
            "exported", (json_int_t)v->exported, "imported", (json_int_t)v->imported, "deleted",
            (json_int_t)v->deleted, "errors", v->errors);
}
