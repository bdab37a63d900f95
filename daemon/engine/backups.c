#include "backups.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"
#include "timeutil.h"
#include "util.h"

#define NAME_PREFIX "tend-"
#define NAME_SUFFIX ".mdb"
#define FIRST_DELAY 3600.0 /* a folder without any backup: the first one an hour after start */

struct backups {
        struct ev_loop *loop;
        struct store *store;
        char *dir;
        unsigned keep;
        int64_t every;
        ev_periodic timer; /* absolute: the daemon sleeps until then */
        ev_async finished; /* the copying thread is done */

        /* The backup being written; the thread reads path and writes the results. */
        bool running;
        pthread_t thread;
        char *path;
        bool rolling;
        int result;
        uint64_t size;
        struct store_backup_check check;
        backups_done_fn done;
        void *userdata;
};

static bool is_backup_name(const char *name)
{
        size_t n = strlen(name);

        return n > strlen(NAME_PREFIX) + strlen(NAME_SUFFIX) &&
               strncmp(name, NAME_PREFIX, strlen(NAME_PREFIX)) == 0 &&
               streq(name + n - strlen(NAME_SUFFIX), NAME_SUFFIX) && !strstr(name, ".tmp-");
}

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rolling backups in the folder, oldest first (the names sort by time). */
static int list_names(const char *dir, char ***ret)
{
        _cleanup_strv_ char **names = NULL;
        DIR *d = opendir(dir);
        struct dirent *e;
        int r = 0;

        if (!d) {
                if (errno != ENOENT)
                        return -errno;
                *ret = NULL;
                return 0;
        }
        while (r >= 0 && (e = readdir(d)))
                if (is_backup_name(e->d_name))
                        r = strv_push(&names, e->d_name);
        closedir(d);
        if (r < 0)
                return r;
        if (names)
                qsort_safe(names, strv_length(names), sizeof(char *), name_cmp);
        *ret = TAKE_PTR(names);
        return 0;
}

static void *copy_thread(void *userdata)
{
        struct backups *b = userdata;

        b->result = store_backup_checked(b->store, b->path, &b->size, &b->check);
        ev_async_send(b->loop, &b->finished);
        return NULL;
}

/* Keep the newest keep backups. */
static void rotate(struct backups *b)
{
        _cleanup_strv_ char **names = NULL;
        size_t n;

        if (list_names(b->dir, &names) < 0 || !names)
                return;
        n = strv_length(names);
        for (size_t i = 0; i + b->keep < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", b->dir, names[i]) < 0)
                        return;
                if (unlink(path) < 0)
                        log_warning_errno(-errno, "Failed to remove the old backup %s: %m", path);
                else
                        log_info("Removed the old backup %s (keeping %u).", path, b->keep);
        }
}

/* When the next rolling backup is due: one interval after the newest there is. */
static void arm(struct backups *b)
{
        _cleanup_strv_ char **names = NULL;
        double at = ev_now(b->loop) + FIRST_DELAY;
        struct stat st;

        ev_periodic_stop(b->loop, &b->timer);
        if (b->keep == 0 || b->running)
                return; /* a backup being written re-arms when it ends */
        if (list_names(b->dir, &names) >= 0 && names) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", b->dir, names[strv_length(names) - 1]) >= 0 &&
                    stat(path, &st) == 0)
                        at = (double)st.st_mtime + (double)b->every;
        }
        if (at < ev_now(b->loop))
                at = ev_now(b->loop);
        ev_periodic_set(&b->timer, at, 0., NULL);
        ev_periodic_start(b->loop, &b->timer);
}

static void on_finished(struct ev_loop *loop, ev_async *w, int revents)
{
        struct backups *b = w->data;
        _cleanup_free_ char *path = NULL;
        backups_done_fn done = b->done;
        void *userdata = b->userdata;

        (void)loop, (void)revents;
        pthread_join(b->thread, NULL);
        ev_async_stop(b->loop, &b->finished);
        b->running = false;
        path = TAKE_PTR(b->path);
        if (b->result < 0)
                log_warning_errno(b->result, "Backup to %s failed: %m", path);
        else
                log_info("Wrote a backup of the store to %s (%llu bytes; read back: %llu "
                         "contacts, %llu interactions).",
                         path, (unsigned long long)b->size, (unsigned long long)b->check.contacts,
                         (unsigned long long)b->check.interactions);
        if (b->rolling && b->result >= 0)
                rotate(b);
        arm(b);
        if (done)
                done(b->result, path, b->size, &b->check, userdata);
}

static int rolling_path(struct backups *b, char **ret)
{
        struct timespec ts;
        struct tm tm;
        char stamp[32];
        int r;

        r = mkdir_parents(b->dir, 0700);
        if (r >= 0)
                r = dir_ensure_private(b->dir);
        if (r < 0)
                return r;
        clock_gettime(CLOCK_REALTIME, &ts);
        /* UTC date and time to the millisecond: names sort by time, and two backups in one
         * second do not replace each other. */
        if (!gmtime_r(&ts.tv_sec, &tm) ||
            strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H%M%S", &tm) == 0)
                return -EINVAL;
        if (asprintf(ret, "%s/" NAME_PREFIX "%s-%03ld" NAME_SUFFIX, b->dir, stamp,
                     ts.tv_nsec / 1000000) < 0)
                return -ENOMEM;
        return 0;
}

int backups_start(struct backups *b, const char *path, backups_done_fn done, void *userdata)
{
        char *p = NULL;
        int r;

        if (b->running)
                return -EBUSY;
        if (path)
                p = strdup(path);
        else if ((r = rolling_path(b, &p)) < 0)
                return r;
        if (!p)
                return -ENOMEM;
        b->path = p;
        b->rolling = !path;
        b->done = done;
        b->userdata = userdata;
        b->result = 0;
        b->size = 0;
        b->check = (struct store_backup_check){0};
        ev_async_start(b->loop, &b->finished);
        r = -pthread_create(&b->thread, NULL, copy_thread, b);
        if (r < 0) {
                ev_async_stop(b->loop, &b->finished);
                free(TAKE_PTR(b->path));
                return r;
        }
        b->running = true;
        ev_periodic_stop(b->loop, &b->timer);
        return 0;
}

static void on_timer(struct ev_loop *loop, ev_periodic *w, int revents)
{
        struct backups *b = w->data;
        int r;

        (void)loop, (void)revents;
        r = backups_start(b, NULL, NULL, NULL);
        if (r == -EBUSY)
                return; /* re-armed when that one ends */
        if (r < 0) {
                log_warning_errno(r, "Failed to start the daily backup into %s: %m", b->dir);
                ev_periodic_set(&b->timer, ev_now(b->loop) + FIRST_DELAY, 0., NULL);
                ev_periodic_start(b->loop, &b->timer);
        }
}

int backups_new(struct ev_loop *loop, struct store *store, struct backups **ret)
{
        struct backups *b = calloc(1, sizeof(*b));

        if (!b)
                return -ENOMEM;
        b->loop = loop;
        b->store = store;
        ev_periodic_init(&b->timer, on_timer, 0., 0., NULL);
        ev_async_init(&b->finished, on_finished);
        b->timer.data = b->finished.data = b;
        *ret = b;
        return 0;
}

int backups_configure(struct backups *b, const struct config *c)
{
        char *dir = NULL;
        int r;

        if (c->backup_dir)
                dir = strdup(c->backup_dir);
        else if ((r = paths_backup_dir(&dir)) < 0)
                return r;
        if (!dir)
                return -ENOMEM;
        free(b->dir);
        b->dir = dir;
        b->keep = c->backup_keep;
        b->every = c->backup_every;
        arm(b);
        return 0;
}

int backups_list(struct backups *b, json_t **ret)
{
        _cleanup_strv_ char **names = NULL;
        json_t *list = json_array();
        int r;

        if (!list)
                return -ENOMEM;
        r = list_names(b->dir, &names);
        for (size_t i = names ? strv_length(names) : 0; r >= 0 && i > 0; i--) {
                _cleanup_free_ char *path = NULL;
                char when[TIME_RFC3339_MAX];
                struct stat st;

                if (asprintf(&path, "%s/%s", b->dir, names[i - 1]) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (stat(path, &st) < 0)
                        continue; /* removed meanwhile */
                /* Only a copy that read back gets a backup's name: every one listed was. */
                if (json_array_append_new(
                        list, json_pack("{s:s,s:s,s:I,s:s,s:b}", "name", names[i - 1], "path", path,
                                        "size", (json_int_t)st.st_size, "time",
                                        time_format_rfc3339(st.st_mtime, when), "verified", 1)) < 0)
                        r = -ENOMEM;
        }
        if (r < 0) {
                json_decref(list);
                return r;
        }
        *ret = list;
        return 0;
}

const char *backups_dir(const struct backups *b)
{
        return b->dir;
}

void backups_free(struct backups *b)
{
        if (!b)
                return;
        if (b->running) { /* finish it: whoever asked hears how it went */
                pthread_join(b->thread, NULL);
                ev_async_stop(b->loop, &b->finished);
                if (b->done)
                        b->done(b->result, b->path, b->size, &b->check, b->userdata);
                free(b->path);
        }
        ev_periodic_stop(b->loop, &b->timer);
        free(b->dir);
        free(b);
}
