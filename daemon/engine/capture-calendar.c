/* The calendar reader of capture; see capture-calendar.h. */
#include "capture-calendar.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calendar-events.h"
#include "log.h"
#include "timeutil.h"
#include "util.h"

#define WORK_FILES   32   /* files read per loop iteration at most */
#define WORK_SLICE   0.02 /* seconds of reading per loop iteration at most */
#define DIRS_MAX     1024 /* folders watched */
#define SETTLE_DELAY 0.3
#define WATCH_MASK                                                                                 \
        (IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF |   \
         IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)

/* One .ics file as the last scan saw it. */
struct cal_file {
        char *path; /* relative to the vdir */
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime, ctime;
        bool known;    /* read (or found unreadable) as it is now */
        int64_t next;  /* read again once this has passed, though unchanged (0: never) */
        char *problem; /* what was wrong with it, NULL: nothing */
};

/* Occurrences read and not yet handed to the sink, and the file they came from. */
struct held {
        struct calendar_events events;
        char *path;
};

struct capture_calendar {
        struct ev_loop *loop;
        char *dir;
        char **me;
        int64_t backfill;
        double delay;
        capture_sink_fn sink;
        void *userdata;

        int inotify_fd;
        ev_io watch;
        ev_timer settle;        /* a scan once the folder is quiet (and the retry) */
        ev_idle work;           /* a scan under way: some files per loop iteration */
        ev_periodic next_start; /* the earliest pending start among the files */

        struct cal_file *files; /* sorted by path */
        size_t n_files;

        /* The scan under way. */
        bool scanning, dirty, refused;
        int64_t now;
        size_t *queue; /* indexes into files */
        size_t n_queue, pos;
        struct held *held;
        size_t n_held, held_items;
        uint64_t read; /* files read this scan */

        int64_t last_scan;
        int64_t armed;
};

static void file_done(struct cal_file *f)
{
        free(f->path);
        free(f->problem);
}

static void held_clear(struct capture_calendar *cc)
{
        for (size_t i = 0; i < cc->n_held; i++) {
                calendar_events_done(&cc->held[i].events);
                free(cc->held[i].path);
        }
        free(cc->held);
        cc->held = NULL;
        cc->n_held = cc->held_items = 0;
}

static int file_cmp(const void *a, const void *b)
{
        return strcmp(((const struct cal_file *)a)->path, ((const struct cal_file *)b)->path);
}

static struct cal_file *file_find(struct capture_calendar *cc, const char *path)
{
        struct cal_file key = {.path = (char *)path};

        return cc->n_files ? bsearch(&key, cc->files, cc->n_files, sizeof(key), file_cmp) : NULL;
}

static bool same_file(const struct cal_file *a, const struct cal_file *b)
{
        return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
               a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
               a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static bool ics_name(const char *name)
{
        size_t n = strlen(name);

        return name[0] != '.' && n > 4 && strcasecmp(name + n - 4, ".ics") == 0;
}

/* ---- walking the vdir ---- */

struct walk {
        struct cal_file *v;
        size_t n, cap;
        unsigned dirs;
};

static int walk_add(struct walk *w, const char *rel, const struct stat *st)
{
        if (w->n == w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 64;
                struct cal_file *v = reallocarray(w->v, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                w->v = v;
                w->cap = cap;
        }
        w->v[w->n] = (struct cal_file){
            .path = strdup(rel),
            .dev = st->st_dev,
            .ino = st->st_ino,
            .size = st->st_size,
            .mtime = st->st_mtim,
            .ctime = st->st_ctim,
        };
        if (!w->v[w->n].path)
                return -ENOMEM;
        w->n++;
        return 0;
}

/* Every .ics file under rel (relative to the vdir, "" for the vdir itself), watching each
 * folder on the way (inotify_add_watch of a folder already watched changes nothing). */
static int walk_dir(struct capture_calendar *cc, struct walk *w, const char *rel, unsigned depth)
{
        _cleanup_free_ char *abs = NULL;
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (asprintf(&abs, "%s%s%s", cc->dir, *rel ? "/" : "", rel) < 0)
                return -ENOMEM;
        if (++w->dirs > DIRS_MAX)
                return 0;
        if (cc->inotify_fd >= 0 && inotify_add_watch(cc->inotify_fd, abs, WATCH_MASK) < 0 &&
            depth == 0)
                log_warning("Calendar capture cannot watch %s: %m", abs);
        d = opendir(abs);
        if (!d)
                return depth == 0 ? -errno : 0;
        while (r >= 0 && (de = readdir(d))) {
                _cleanup_free_ char *sub = NULL;
                struct stat st;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        if (depth < CAPTURE_CALENDAR_DEPTH)
                                r = walk_dir(cc, w, sub, depth + 1);
                } else if (ics_name(de->d_name))
                        r = walk_add(w, sub, &st);
        }
        closedir(d);
        return r;
}

/* ---- reading one file ---- */

static int read_text(const char *path, char **ret, const char **why)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n = 0;

        *why = NULL;
        if (fd < 0) {
                *why = errno == ELOOP ? "a symbolic link" : NULL;
                return -errno;
        }
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode)) {
                *why = "not a regular file";
                return -EINVAL;
        }
        if ((uint64_t)st.st_size > CAPTURE_CALENDAR_FILE_MAX) {
                *why = "bigger than 1 MiB";
                return -EFBIG;
        }
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (n < (size_t)st.st_size) {
                ssize_t k = read(fd, buf + n, (size_t)st.st_size - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        if (memchr(buf, '\0', n)) {
                *why = "not iCalendar (a NUL byte)";
                return -EBADMSG;
        }
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

static void set_problem(struct cal_file *f, const char *fmt, ...) _printf_(2, 3);
static void set_problem(struct cal_file *f, const char *fmt, ...)
{
        va_list ap;

        free(f->problem);
        f->problem = NULL;
        va_start(ap, fmt);
        if (vasprintf(&f->problem, fmt, ap) < 0)
                f->problem = NULL;
        va_end(ap);
}

/* Read one file of the queue; its occurrences wait in held for the sink. */
static int read_file(struct capture_calendar *cc, struct cal_file *f)
{
        _cleanup_free_ char *abs = NULL, *text = NULL;
        struct calendar_events ev;
        struct held *h;
        const char *why;
        int r;

        free(f->problem);
        f->problem = NULL;
        f->known = true;
        f->next = 0;
        if (asprintf(&abs, "%s/%s", cc->dir, f->path) < 0)
                return -ENOMEM;
        r = read_text(abs, &text, &why);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT)
                return 0; /* gone since the walk: the next scan forgets it */
        if (r < 0) {
                if (why)
                        set_problem(f, "%s", why);
                else
                        set_problem(f, "cannot be read: %s", strerror(-r));
                log_warning("Calendar capture skips %s: %s.", f->path, strempty(f->problem));
                return 0;
        }
        r = calendar_events_parse(text, cc->me, cc->now - cc->backfill, cc->now, &ev);
        if (r == -ENOMEM)
                return r;
        if (ev.problem) {
                set_problem(f, "%s", ev.problem);
                log_warning("Calendar capture: %s: %s%s.", f->path, ev.problem,
                            ev.problems > 1 ? " (and more)" : "");
        }
        if (r < 0) {
                calendar_events_done(&ev);
                return 0;
        }
        f->next = ev.next;
        if (ev.n == 0) {
                calendar_events_done(&ev);
                return 0;
        }
        h = reallocarray(cc->held, cc->n_held + 1, sizeof(*h));
        if (!h) {
                calendar_events_done(&ev);
                return -ENOMEM;
        }
        cc->held = h;
        h = &cc->held[cc->n_held];
        h->path = strdup(f->path);
        if (!h->path) {
                calendar_events_done(&ev);
                return -ENOMEM;
        }
        h->events = ev;
        cc->n_held++;
        cc->held_items += ev.n;
        return 0;
}

/* ---- handing to the sink ---- */

/* The scan's error for capture status: how many files had problems, and the first one. */
static char *scan_error(const struct capture_calendar *cc)
{
        const struct cal_file *first = NULL;
        size_t n = 0;
        char *s = NULL;

        for (size_t i = 0; i < cc->n_files; i++)
                if (cc->files[i].problem) {
                        first = first ? first : &cc->files[i];
                        n++;
                }
        if (!first)
                return NULL;
        if (asprintf(&s, "%s: %s%s", first->path, first->problem,
                     n > 1 ? " (and other files: see the log)" : "") < 0)
                return NULL;
        return s;
}

static int flush(struct capture_calendar *cc, bool final)
{
        _cleanup_free_ struct capture_item *items = NULL;
        _cleanup_free_ char *error = NULL;
        struct capture_batch b = {
            .source = CAPTURE_CALENDAR,
            .progress_done = final ? 0 : cc->pos,
            .progress_total = final ? 0 : cc->n_queue,
        };
        size_t n = 0;
        int r;

        if (!final && cc->held_items == 0)
                return 0;
        if (final && cc->held_items == 0 && cc->read == 0)
                return 0; /* nothing read: nothing to say */
        items = calloc(cc->held_items ? cc->held_items : 1, sizeof(*items));
        if (!items)
                return -ENOMEM;
        for (size_t i = 0; i < cc->n_held; i++)
                for (size_t j = 0; j < cc->held[i].events.n; j++) {
                        const struct calendar_occurrence *o = &cc->held[i].events.v[j];

                        items[n++] = (struct capture_item){
                            .source = CAPTURE_CALENDAR,
                            .direction = CAPTURE_SENT,
                            .key = o->key,
                            .at = o->at,
                            .emails = (const char *const *)o->emails,
                            .n_emails = strv_length(o->emails),
                        };
                }
        if (final)
                error = scan_error(cc);
        b.items = items;
        b.n = n;
        b.error = error;
        r = cc->sink(cc->userdata, &b);
        if (r < 0) {
                /* Read those files again later: the sink keeps nothing of a refused batch. */
                log_warning_errno(r, "Calendar capture could not record %zu meetings: %m", n);
                for (size_t i = 0; i < cc->n_held; i++) {
                        struct cal_file *f = file_find(cc, cc->held[i].path);

                        if (f)
                                f->known = false;
                }
                cc->refused = true;
        }
        held_clear(cc);
        return 0;
}

/* ---- scans ---- */

static void arm(struct capture_calendar *cc)
{
        int64_t next = 0;

        for (size_t i = 0; i < cc->n_files; i++)
                if (cc->files[i].next && (next == 0 || cc->files[i].next < next))
                        next = cc->files[i].next;
        if (next == cc->armed && (next == 0 || ev_is_active(&cc->next_start)))
                return;
        ev_periodic_stop(cc->loop, &cc->next_start);
        cc->armed = next;
        if (next == 0)
                return;
        ev_periodic_set(&cc->next_start, (ev_tstamp)next, 0., NULL);
        ev_periodic_start(cc->loop, &cc->next_start);
        {
                char buf[TIME_RFC3339_MAX];

                log_debug("Calendar capture: next meeting starts at %s.",
                          time_format_rfc3339(next, buf));
        }
}

static void scan_end(struct capture_calendar *cc)
{
        int r = flush(cc, true);

        if (r < 0)
                log_error_errno(r, "Calendar capture: %m");
        ev_idle_stop(cc->loop, &cc->work);
        free(cc->queue);
        cc->queue = NULL;
        cc->n_queue = cc->pos = 0;
        cc->scanning = false;
        cc->last_scan = cc->now;
        log_debug("Calendar capture scanned %s: %zu files, %" PRIu64 " read.", cc->dir, cc->n_files,
                  cc->read);
        arm(cc);
        if (cc->dirty || cc->refused) {
                ev_timer_stop(cc->loop, &cc->settle);
                ev_timer_set(&cc->settle, cc->refused ? CAPTURE_CALENDAR_RETRY : cc->delay, 0.);
                ev_timer_start(cc->loop, &cc->settle);
                cc->dirty = cc->refused = false;
        }
}

/* Walk the vdir, keep what is known of unchanged files, queue the rest. */
static int scan_start(struct capture_calendar *cc, int64_t now)
{
        struct walk w = {};
        int r;

        if (cc->scanning) {
                cc->dirty = true;
                return 0;
        }
        r = walk_dir(cc, &w, "", 0);
        if (r < 0) {
                for (size_t i = 0; i < w.n; i++)
                        file_done(&w.v[i]);
                free(w.v);
                return r;
        }
        qsort_safe(w.v, w.n, sizeof(*w.v), file_cmp);
        cc->queue = calloc(w.n ? w.n : 1, sizeof(*cc->queue));
        if (!cc->queue) {
                for (size_t i = 0; i < w.n; i++)
                        file_done(&w.v[i]);
                free(w.v);
                return -ENOMEM;
        }
        for (size_t i = 0; i < w.n; i++) {
                struct cal_file *old = file_find(cc, w.v[i].path);

                if (old && old->known && same_file(old, &w.v[i])) {
                        w.v[i].known = true;
                        w.v[i].next = old->next;
                        w.v[i].problem = TAKE_PTR(old->problem);
                }
                if (!w.v[i].known || (w.v[i].next && w.v[i].next <= now))
                        cc->queue[cc->n_queue++] = i;
        }
        for (size_t i = 0; i < cc->n_files; i++)
                file_done(&cc->files[i]);
        free(cc->files);
        cc->files = w.v;
        cc->n_files = w.n;
        cc->now = now;
        cc->pos = 0;
        cc->read = 0;
        cc->scanning = true;
        ev_idle_start(cc->loop, &cc->work);
        return 0;
}

static void scan(struct capture_calendar *cc, int64_t now)
{
        _cleanup_free_ char *error = NULL;
        int r = scan_start(cc, now);

        if (r >= 0)
                return;
        log_error_errno(r, "Calendar capture cannot read %s: %m", cc->dir);
        /* Said in capture status too; a change of the folder (or a reload) tries again. */
        if (asprintf(&error, "the calendar vdir %s cannot be read: %s", cc->dir, strerror(-r)) >= 0)
                (void)cc->sink(cc->userdata,
                               &(struct capture_batch){.source = CAPTURE_CALENDAR, .error = error});
}

static void on_work(struct ev_loop *loop, ev_idle *w, int revents)
{
        struct capture_calendar *cc = w->data;
        ev_tstamp until = ev_time() + WORK_SLICE;
        int r = 0;

        (void)loop;
        (void)revents;
        for (unsigned k = 0; k < WORK_FILES && cc->pos < cc->n_queue && r >= 0; k++) {
                r = read_file(cc, &cc->files[cc->queue[cc->pos++]]);
                cc->read++;
                if (r >= 0 && cc->held_items >= CAPTURE_CALENDAR_BATCH)
                        r = flush(cc, false);
                if (ev_time() > until)
                        break;
        }
        if (r < 0) {
                log_error_errno(r, "Calendar capture: %m");
                held_clear(cc);
                cc->refused = true; /* try again later */
                cc->pos = cc->n_queue;
        }
        if (cc->pos == cc->n_queue)
                scan_end(cc);
}

static void on_settle(struct ev_loop *loop, ev_timer *w, int revents)
{
        (void)loop;
        (void)revents;
        scan(w->data, time_now());
}

static void on_next_start(struct ev_loop *loop, ev_periodic *w, int revents)
{
        struct capture_calendar *cc = w->data;
        int64_t now = time_now(), at = cc->armed;

        (void)loop;
        (void)revents;
        /* The periodic fires once the wall clock reached the start; that start has passed. */
        cc->armed = 0;
        scan(cc, now > at ? now : at);
}

static void on_watch(struct ev_loop *loop, ev_io *w, int revents)
{
        struct capture_calendar *cc = w->data;
        char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
        bool any = false;

        (void)revents;
        for (;;) {
                ssize_t n = read(cc->inotify_fd, buf, sizeof(buf));

                if (n <= 0)
                        break;
                any = true;
        }
        if (!any)
                return;
        /* Read once the folder is quiet: a file being written is read whole. */
        ev_timer_stop(loop, &cc->settle);
        ev_timer_set(&cc->settle, cc->delay, 0.);
        ev_timer_start(loop, &cc->settle);
}

int capture_calendar_new(struct ev_loop *loop, const struct capture_calendar_options *o,
                         struct capture_calendar **ret)
{
        struct capture_calendar *cc = calloc(1, sizeof(*cc));
        int r;

        if (!cc)
                return -ENOMEM;
        cc->loop = loop;
        cc->inotify_fd = -EBADF;
        cc->backfill = o->backfill;
        cc->delay = o->delay > 0 ? o->delay : SETTLE_DELAY;
        cc->sink = o->sink;
        cc->userdata = o->userdata;
        cc->dir = strdup(o->dir);
        if (!cc->dir) {
                r = -ENOMEM;
                goto fail;
        }
        if (o->me && (r = strv_copy(o->me, &cc->me)) < 0)
                goto fail;
        cc->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (cc->inotify_fd < 0 || inotify_add_watch(cc->inotify_fd, cc->dir, WATCH_MASK) < 0) {
                r = -errno;
                log_error_errno(r, "Calendar capture cannot watch %s: %m", cc->dir);
                goto fail;
        }
        ev_io_init(&cc->watch, on_watch, cc->inotify_fd, EV_READ);
        cc->watch.data = cc;
        ev_io_start(loop, &cc->watch);
        ev_timer_init(&cc->settle, on_settle, 0., 0.);
        cc->settle.data = cc;
        ev_idle_init(&cc->work, on_work);
        cc->work.data = cc;
        ev_periodic_init(&cc->next_start, on_next_start, 0., 0., NULL);
        cc->next_start.data = cc;
        /* The first scan as soon as the loop runs: what happened while tendd was not running. */
        ev_timer_start(loop, &cc->settle);
        *ret = cc;
        return 0;
fail:
        capture_calendar_free(cc);
        return r;
}

void capture_calendar_free(struct capture_calendar *cc)
{
        if (!cc)
                return;
        if (cc->inotify_fd >= 0) {
                ev_io_stop(cc->loop, &cc->watch);
                close(cc->inotify_fd);
        }
        if (cc->loop) {
                ev_timer_stop(cc->loop, &cc->settle);
                ev_idle_stop(cc->loop, &cc->work);
                ev_periodic_stop(cc->loop, &cc->next_start);
        }
        held_clear(cc);
        for (size_t i = 0; i < cc->n_files; i++)
                file_done(&cc->files[i]);
        free(cc->files);
        free(cc->queue);
        strv_free(cc->me);
        free(cc->dir);
        free(cc);
}

void capture_calendar_rescan(struct capture_calendar *cc)
{
        if (!cc)
                return;
        for (size_t i = 0; i < cc->n_files; i++)
                cc->files[i].known = false;
        if (cc->scanning) {
                cc->dirty = true;
                return;
        }
        ev_timer_stop(cc->loop, &cc->settle);
        ev_timer_set(&cc->settle, 0., 0.);
        ev_timer_start(cc->loop, &cc->settle);
}

json_t *capture_calendar_status(const struct capture_calendar *cc)
{
        char buf[TIME_RFC3339_MAX];

        if (!cc)
                return json_pack("{s:b}", "enabled", 0);
        return json_pack(
            "{s:b,s:s,s:b,s:s,s:I,s:o}", "enabled", 1, "path", cc->dir, "scanning", cc->scanning,
            "watching", cc->dir, "files", (json_int_t)cc->n_files, "next",
            cc->armed ? json_string(time_format_rfc3339(cc->armed, buf)) : json_null());
}
