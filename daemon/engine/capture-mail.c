/* Capture from notmuch on a thread; see capture-mail.h. */
#include "capture-mail.h"

#include <errno.h>
#include <fcntl.h>
#include <gmime/gmime.h>
#include <inttypes.h>
#include <notmuch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "config.h"
#include "core.h"
#include "log.h"
#include "util.h"

#define BATCH_ITEMS   500
#define HEADER_MAX    (256 * 1024) /* a header block longer than this is cut there */
#define READ_CHUNK    4096
#define DEBOUNCE      1.0 /* seconds after the last change in the Xapian folder */
#define ADDRESSES_MAX 1000

/* What one scan needs, copied on the loop when it starts (the settings may be reloaded). */
struct job {
        char *path;    /* NULL: notmuch's own configuration (auto) */
        char **me;     /* [capture] me */
        int64_t since; /* the window's start */
        unsigned max_recipients;
        uint64_t checkpoint;
        int64_t resume_at;
};

struct capture_mail {
        struct ev_loop *loop;
        struct core *core;
        bool auto_path;
        char *path_shown;
        /* the thread and what it shares with the loop, under lock */
        pthread_t thread;
        bool running;
        bool again; /* a scan was asked for while one ran */
        pthread_mutex_t lock;
        pthread_cond_t cond;
        ev_async async;
        const struct capture_batch *batch; /* handed to the loop, NULL when none */
        int batch_result;
        bool batch_done;
        bool finished; /* the thread ended; join it */
        bool stop;
        char *xapian_dir; /* found by the thread, watched by the loop */
        char *wait_dir;   /* no database yet: where notmuch will create it, watched meanwhile */
        bool found;
        struct job job;
        /* inotify */
        int inotify_fd;
        int wd;        /* the one watch: on xapian_dir, else on wait_dir */
        char *watched; /* what wd watches */
        ev_io inotify_io;
        ev_timer debounce;
};

static void job_done(struct job *j)
{
        free(j->path);
        strv_free(j->me);
        *j = (struct job){0};
}

/* ---- the thread: reading ---- */

struct reader {
        struct capture_mail *m;
        notmuch_database_t *db;
        char **me; /* [capture] me and notmuch's user addresses, lower-cased */
        struct capture_item items[BATCH_ITEMS];
        char **strings;      /* owned by the batch */
        const char **emails; /* all items' address pointers, into strings */
        size_t n_items, n_strings, cap_strings, n_emails_used;
        size_t email_off[BATCH_ITEMS];
        size_t n_email[BATCH_ITEMS];
        uint64_t done, total;
};

static void lower(char *s)
{
        for (; *s; s++)
                if (*s >= 'A' && *s <= 'Z')
                        *s = (char)(*s - 'A' + 'a');
}

static char *keep(struct reader *rd, const char *s)
{
        char *copy;

        if (rd->n_strings == rd->cap_strings) {
                size_t cap = rd->cap_strings ? rd->cap_strings * 2 : 4096;
                char **v = reallocarray(rd->strings, cap, sizeof(*v));

                if (!v)
                        return NULL;
                rd->strings = v;
                rd->cap_strings = cap;
        }
        copy = strdup(s);
        if (copy)
                rd->strings[rd->n_strings++] = copy;
        return copy;
}

static void batch_reset(struct reader *rd)
{
        for (size_t i = 0; i < rd->n_strings; i++)
                free(rd->strings[i]);
        rd->n_strings = 0;
        rd->n_items = 0;
        rd->n_emails_used = 0;
}

/* Hand the batch to the loop and wait for its write. Returns its result, -ECANCELED when the
 * engine stops. */
static int hand_over(struct reader *rd, uint64_t checkpoint, int64_t resume_at, const char *error)
{
        struct capture_mail *m = rd->m;
        struct capture_batch b = {.source = CAPTURE_MAIL,
                                  .items = rd->items,
                                  .n = rd->n_items,
                                  .checkpoint = checkpoint,
                                  .progress_done = rd->done,
                                  .progress_total = resume_at ? rd->total : 0,
                                  .resume_at = resume_at,
                                  .me = (const char *const *)rd->me,
                                  .n_me = strv_length(rd->me),
                                  .error = error};
        int r;

        if (!resume_at)
                b.progress_done = 0;
        for (size_t i = 0; i < rd->n_items; i++) {
                rd->items[i].emails = rd->emails + rd->email_off[i];
                rd->items[i].n_emails = rd->n_email[i];
        }
        pthread_mutex_lock(&m->lock);
        m->batch = &b;
        m->batch_done = false;
        ev_async_send(m->loop, &m->async);
        while (!m->batch_done && !m->stop)
                pthread_cond_wait(&m->cond, &m->lock);
        r = m->batch_done ? m->batch_result : -ECANCELED;
        m->batch = NULL;
        pthread_mutex_unlock(&m->lock);
        batch_reset(rd);
        return r;
}

/* The header block of a message file, up to its first empty line (never the body). */
static char *read_headers(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        char *buf = NULL;
        size_t len = 0;

        if (fd < 0)
                return NULL;
        buf = malloc(HEADER_MAX + 1);
        if (!buf)
                return NULL;
        while (len < HEADER_MAX) {
                size_t want = HEADER_MAX - len < READ_CHUNK ? HEADER_MAX - len : READ_CHUNK;
                ssize_t n = read(fd, buf + len, want);
                char *end;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
                buf[len] = '\0';
                /* An empty line ends the headers: stop reading there. */
                end = strstr(buf, "\n\n");
                if (!end)
                        end = strstr(buf, "\n\r\n");
                if (end) {
                        end[1] = '\0';
                        return buf;
                }
        }
        buf[len] = '\0';
        return buf;
}

/* Append the value of every header called name (unfolded) to *out, comma-separated. */
static bool header_values(const char *block, const char *name, char **out)
{
        size_t nl = strlen(name);
        bool found = false;

        for (const char *p = block; p && *p;) {
                const char *eol = strchr(p, '\n');
                size_t linelen = eol ? (size_t)(eol - p) : strlen(p);

                if (linelen > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
                        /* the value and its continuation lines */
                        const char *v = p + nl + 1, *q = eol;
                        size_t size = 0;
                        char *acc = NULL;
                        FILE *f = open_memstream(&acc, &size);

                        if (!f)
                                return found;
                        fwrite(v, 1, linelen - nl - 1, f);
                        while (q && (q[1] == ' ' || q[1] == '\t')) {
                                const char *e2 = strchr(q + 1, '\n');
                                size_t l2 = e2 ? (size_t)(e2 - q - 1) : strlen(q + 1);

                                fwrite(q + 1, 1, l2, f);
                                q = e2;
                        }
                        fclose(f);
                        if (acc) {
                                char *joined = NULL;

                                if (asprintf(&joined, "%s%s%s", *out ? *out : "", *out ? "," : "",
                                             acc) >= 0) {
                                        free(*out);
                                        *out = joined;
                                }
                                free(acc);
                        }
                        found = true;
                        p = q ? q + 1 : NULL;
                        continue;
                }
                p = eol ? eol + 1 : NULL;
        }
        return found;
}

static void addresses_from(InternetAddressList *list, char ***out, size_t *n)
{
        int len = list ? internet_address_list_length(list) : 0;

        for (int i = 0; i < len && *n < ADDRESSES_MAX; i++) {
                InternetAddress *a = internet_address_list_get_address(list, i);

                if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
                        const char *addr =
                            internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));

                        if (addr && strchr(addr, '@') && strv_push(out, addr) >= 0) {
                                lower((*out)[strv_length(*out) - 1]);
                                (*n)++;
                        }
                } else if (INTERNET_ADDRESS_IS_GROUP(a))
                        addresses_from(
                            internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), out, n);
        }
}

/* Parse an address list header value with GMime (what notmuch itself uses). */
static void parse_addresses(const char *value, char ***out, size_t *n)
{
        InternetAddressList *list;

        if (!value)
                return;
        list = internet_address_list_parse(NULL, value);
        if (!list)
                return;
        addresses_from(list, out, n);
        g_object_unref(list);
}

static bool is_me(char **me, const char *addr)
{
        for (char **p = me; p && *p; p++)
                if (strcasecmp(*p, addr) == 0)
                        return true;
        return false;
}

/* One message into the batch; returns 0, or -errno for the batch as a whole. */
static int read_message(struct reader *rd, const struct job *job, notmuch_message_t *msg)
{
        _cleanup_free_ char *block = NULL, *to = NULL, *list_id = NULL;
        _cleanup_strv_ char **from = NULL, **rcpt = NULL;
        const char *id = notmuch_message_get_message_id(msg);
        const char *hfrom = notmuch_message_get_header(msg, "from"); /* from the index */
        const char *file = notmuch_message_get_filename(msg);
        struct capture_item *it;
        size_t nf = 0, nr = 0;
        bool bulk;

        if (!id || !*id)
                return 0;
        parse_addresses(hfrom, &from, &nf);
        if (file)
                block = read_headers(file);
        if (block) {
                header_values(block, "To", &to);
                header_values(block, "Cc", &to);
                bulk = header_values(block, "List-Id", &list_id);
        } else
                bulk = false;
        parse_addresses(to, &rcpt, &nr);
        bulk = bulk || nr > job->max_recipients;

        it = &rd->items[rd->n_items];
        *it = (struct capture_item){
            .source = CAPTURE_MAIL,
            .direction = from && is_me(rd->me, from[0]) ? CAPTURE_SENT : CAPTURE_RECEIVED,
            .key = keep(rd, id),
            .at = (int64_t)notmuch_message_get_date(msg),
            .bulk = bulk,
        };
        if (!it->key)
                return -ENOMEM;
        {
                size_t need = rd->n_emails_used + nf + nr;
                const char **v = realloc(rd->emails, (need ? need : 1) * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                rd->emails = v;
        }
        rd->email_off[rd->n_items] = rd->n_emails_used;
        for (char **a = from; a && *a; a++)
                if (!(rd->emails[rd->n_emails_used++] = keep(rd, *a)))
                        return -ENOMEM;
        for (char **a = rcpt; a && *a; a++)
                if (!(rd->emails[rd->n_emails_used++] = keep(rd, *a)))
                        return -ENOMEM;
        rd->n_email[rd->n_items] = rd->n_emails_used - rd->email_off[rd->n_items];
        rd->n_items++;
        return 0;
}

static const char *status_text(notmuch_status_t st, const char *msg)
{
        return msg && *msg ? msg : notmuch_status_to_string(st);
}

/* Run one query, batch after batch. backfill: in date order, resumable at each batch's last
 * date; else each intermediate batch keeps the old checkpoint and the last one sets rev. */
static int run_query(struct reader *rd, const struct job *job, const char *text, bool backfill,
                     uint64_t rev, char **ret_error)
{
        notmuch_query_t *q = NULL;
        notmuch_messages_t *msgs = NULL;
        notmuch_status_t st;
        unsigned count = 0;
        int64_t last = 0;
        int r = 0;

        st = notmuch_query_create_with_syntax(rd->db, text, NOTMUCH_QUERY_SYNTAX_XAPIAN, &q);
        if (st)
                goto nm_error;
        notmuch_query_set_omit_excluded(q, NOTMUCH_EXCLUDE_FALSE);
        notmuch_query_set_sort(q, backfill ? NOTMUCH_SORT_OLDEST_FIRST : NOTMUCH_SORT_UNSORTED);
        st = notmuch_query_count_messages(q, &count);
        if (st)
                goto nm_error;
        rd->total = rd->done + count;
        st = notmuch_query_search_messages(q, &msgs);
        if (st)
                goto nm_error;
        for (; notmuch_messages_valid(msgs); notmuch_messages_move_to_next(msgs)) {
                notmuch_message_t *msg = notmuch_messages_get(msgs);

                if (__atomic_load_n(&rd->m->stop, __ATOMIC_RELAXED)) {
                        r = -ECANCELED;
                        break;
                }
                r = read_message(rd, job, msg);
                last = (int64_t)notmuch_message_get_date(msg);
                notmuch_message_destroy(msg);
                if (r < 0)
                        break;
                rd->done++;
                if (rd->n_items == BATCH_ITEMS) {
                        r = hand_over(rd, backfill ? rev : 0, backfill ? (last ? last : 1) : 0,
                                      NULL);
                        if (r < 0)
                                break;
                }
        }
        notmuch_messages_destroy(msgs);
        notmuch_query_destroy(q);
        if (r < 0)
                return r;
        /* the last batch: the window is done, the checkpoint is the revision read */
        return hand_over(rd, rev, 0, NULL);
nm_error:
        if (q)
                notmuch_query_destroy(q);
        if (asprintf(ret_error, "notmuch query failed: %s", notmuch_status_to_string(st)) < 0)
                *ret_error = NULL;
        return -EIO;
}

static void find_xapian(struct reader *rd)
{
        const char *bases[] = {notmuch_config_get(rd->db, NOTMUCH_CONFIG_DATABASE_PATH),
                               notmuch_database_get_path(rd->db),
                               notmuch_config_get(rd->db, NOTMUCH_CONFIG_MAIL_ROOT)};

        for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
                const char *subs[] = {"/xapian", "/.notmuch/xapian"};

                for (size_t k = 0; bases[i] && k < ARRAY_SIZE(subs); k++) {
                        _cleanup_free_ char *p = NULL;
                        struct stat sb;

                        if (asprintf(&p, "%s%s", bases[i], subs[k]) < 0)
                                return;
                        if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
                                pthread_mutex_lock(&rd->m->lock);
                                if (!rd->m->xapian_dir)
                                        rd->m->xapian_dir = TAKE_PTR(p);
                                pthread_mutex_unlock(&rd->m->lock);
                                return;
                        }
                }
        }
}

/* No database yet: the folder it will be created in (the configured database path, with
 * .notmuch/ inside it or as it), so that its creation by the first `notmuch new` is noticed. */
static void find_wait_dir(struct capture_mail *m, const char *path)
{
        notmuch_database_t *db = NULL;
        char *msg = NULL, *dir = NULL;
        notmuch_status_t st;

        st = notmuch_database_load_config(path, path ? "" : NULL, NULL, &db, &msg);
        free(msg);
        if (db && (st == NOTMUCH_STATUS_SUCCESS || st == NOTMUCH_STATUS_NO_DATABASE)) {
                const char *p = notmuch_config_get(db, NOTMUCH_CONFIG_DATABASE_PATH);

                if (p && *p)
                        dir = strdup(p);
        }
        if (db)
                notmuch_database_destroy(db);
        if (!dir && path)
                dir = strdup(path);
        pthread_mutex_lock(&m->lock);
        free(m->wait_dir);
        m->wait_dir = dir;
        pthread_mutex_unlock(&m->lock);
}

static bool waiting(struct capture_mail *m)
{
        bool w;

        pthread_mutex_lock(&m->lock);
        w = m->wait_dir != NULL;
        pthread_mutex_unlock(&m->lock);
        return w;
}

static void add_notmuch_me(struct reader *rd)
{
        const char *primary = notmuch_config_get(rd->db, NOTMUCH_CONFIG_PRIMARY_EMAIL);
        notmuch_config_values_t *v;

        if (primary && *primary && strv_push(&rd->me, primary) >= 0)
                lower(rd->me[strv_length(rd->me) - 1]);
        v = notmuch_config_get_values(rd->db, NOTMUCH_CONFIG_OTHER_EMAIL);
        for (; v && notmuch_config_values_valid(v); notmuch_config_values_move_to_next(v)) {
                const char *a = notmuch_config_values_get(v);

                if (a && *a && strv_push(&rd->me, a) >= 0)
                        lower(rd->me[strv_length(rd->me) - 1]);
        }
        if (v)
                notmuch_config_values_destroy(v);
}

static void *scan_thread(void *userdata)
{
        struct capture_mail *m = userdata;
        const struct job *job = &m->job;
        struct reader *rd = calloc(1, sizeof(*rd));
        _cleanup_free_ char *error = NULL, *query = NULL;
        char *msg = NULL;
        notmuch_status_t st;
        uint64_t rev;
        int r = 0;

        if (!rd)
                goto out;
        rd->m = m;
        if (strv_copy(job->me, &rd->me) < 0)
                goto out;
        st = notmuch_database_open_with_config(job->path, NOTMUCH_DATABASE_MODE_READ_ONLY,
                                               job->path ? "" : NULL, NULL, &rd->db, &msg);
        if (st) {
                bool absent = !job->path &&
                              (st == NOTMUCH_STATUS_NO_CONFIG || st == NOTMUCH_STATUS_NO_DATABASE);

                pthread_mutex_lock(&m->lock);
                m->found = false;
                pthread_mutex_unlock(&m->lock);
                if ((st == NOTMUCH_STATUS_NO_DATABASE || st == NOTMUCH_STATUS_FILE_ERROR) &&
                    !waiting(m))
                        find_wait_dir(m, job->path);
                if (!absent && asprintf(&error, "cannot open the notmuch database: %s",
                                        status_text(st, msg)) < 0)
                        error = NULL;
                free(msg);
                rd->db = NULL;
                if (error)
                        hand_over(rd, 0, 0, error);
                goto out;
        }
        free(msg);
        pthread_mutex_lock(&m->lock);
        m->found = true;
        pthread_mutex_unlock(&m->lock);
        find_xapian(rd);
        add_notmuch_me(rd);
        rev = notmuch_database_get_revision(rd->db, NULL);

        if (!job->checkpoint || job->resume_at) {
                /* the back-fill (or its rest): in date order up to the revision it began at */
                uint64_t rev0 = job->checkpoint ? job->checkpoint : rev;
                int64_t from = job->resume_at > job->since ? job->resume_at : job->since;

                if (asprintf(&query, "date:@%" PRId64 ".. and lastmod:..%" PRIu64, from, rev0) < 0)
                        goto out;
                r = run_query(rd, job, query, true, rev0, &error);
                free(query);
                query = NULL;
                if (r >= 0 && rev > rev0 &&
                    asprintf(&query, "date:@%" PRId64 ".. and lastmod:%" PRIu64 "..%" PRIu64,
                             job->since, rev0 + 1, rev) >= 0)
                        r = run_query(rd, job, query, false, rev, &error);
        } else if (rev > job->checkpoint) {
                if (asprintf(&query, "date:@%" PRId64 ".. and lastmod:%" PRIu64 "..%" PRIu64,
                             job->since, job->checkpoint + 1, rev) < 0)
                        goto out;
                r = run_query(rd, job, query, false, rev, &error);
        }
        if (r < 0 && r != -ECANCELED && error)
                hand_over(rd, 0, 0, error);
out:
        if (rd) {
                if (rd->db)
                        notmuch_database_destroy(rd->db); /* closed between scans */
                batch_reset(rd);
                free(rd->strings);
                free(rd->emails);
                strv_free(rd->me);
                free(rd);
        }
        pthread_mutex_lock(&m->lock);
        m->finished = true;
        pthread_mutex_unlock(&m->lock);
        ev_async_send(m->loop, &m->async);
        return NULL;
}

/* ---- the loop ---- */

static int state_fn(struct store_txn *t, void *userdata)
{
        return capture_state_get(t, CAPTURE_MAIL, userdata);
}

/* Watch the Xapian folder (a scan after every `notmuch new`), or while there is no database
 * the folder it will appear in. One watch at a time; changed when the thread found another. */
static void watch_xapian(struct capture_mail *m)
{
        _cleanup_free_ char *target = NULL;
        bool xapian;
        int wd;

        pthread_mutex_lock(&m->lock);
        xapian = m->xapian_dir != NULL;
        target = m->xapian_dir ? strdup(m->xapian_dir) : m->wait_dir ? strdup(m->wait_dir) : NULL;
        pthread_mutex_unlock(&m->lock);
        if (!target || (m->watched && streq(m->watched, target)))
                return;
        if (m->inotify_fd < 0) {
                m->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
                if (m->inotify_fd < 0) {
                        log_error_errno(-errno,
                                        "Capture: no inotify, mail is read at start only: %m");
                        return;
                }
                m->wd = -1;
                ev_io_set(&m->inotify_io, m->inotify_fd, EV_READ);
                ev_io_start(m->loop, &m->inotify_io);
        }
        wd = inotify_add_watch(m->inotify_fd, target,
                               xapian ? IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE
                                      : IN_CREATE | IN_MOVED_TO);
        if (wd < 0) {
                /* A mail folder that does not exist yet: the next scan (a rescan, a reload)
                 * tries again. */
                log_warning_errno(-errno, "Capture: cannot watch %s: %m", target);
                return;
        }
        if (m->wd >= 0 && m->wd != wd)
                inotify_rm_watch(m->inotify_fd, m->wd);
        m->wd = wd;
        free(m->watched);
        m->watched = TAKE_PTR(target);
}

void capture_mail_scan(struct capture_mail *m)
{
        const struct config *c;
        struct capture_state st = {0};
        int r;

        if (!m)
                return;
        if (m->running) {
                m->again = true;
                return;
        }
        c = m->core->config;
        r = store_read(m->core->store, state_fn, &st);
        if (r < 0) {
                log_error_errno(r, "Capture: cannot read the mail checkpoint: %m");
                return;
        }
        job_done(&m->job);
        m->job = (struct job){
            .since = core_now(m->core) - c->capture_backfill,
            .max_recipients = c->capture_max_recipients,
            .checkpoint = st.checkpoint,
            .resume_at = st.resume_at,
        };
        capture_state_done(&st);
        if ((!m->auto_path && !(m->job.path = strdup(c->capture_notmuch))) ||
            strv_copy(c->capture_me, &m->job.me) < 0) {
                log_error("Capture: out of memory.");
                return;
        }
        m->finished = false;
        __atomic_store_n(&m->stop, false, __ATOMIC_RELAXED);
        r = -pthread_create(&m->thread, NULL, scan_thread, m);
        if (r < 0) {
                log_error_errno(r, "Capture: cannot start a scan: %m");
                return;
        }
        m->running = true;
}

static void on_async(struct ev_loop *loop, ev_async *w, int revents)
{
        struct capture_mail *m = w->data;
        const struct capture_batch *b;
        bool finished;

        pthread_mutex_lock(&m->lock);
        b = m->batch_done ? NULL : m->batch;
        finished = m->finished;
        pthread_mutex_unlock(&m->lock);
        if (b) {
                int r = capture_sink(m->core, b);

                if (r < 0)
                        log_error_errno(r, "Capture: recording %zu messages failed: %m", b->n);
                pthread_mutex_lock(&m->lock);
                m->batch_result = r;
                m->batch_done = true;
                pthread_cond_signal(&m->cond);
                pthread_mutex_unlock(&m->lock);
        }
        watch_xapian(m);
        if (finished && m->running) {
                pthread_join(m->thread, NULL);
                m->running = false;
                m->finished = false;
                if (m->again) {
                        m->again = false;
                        capture_mail_scan(m);
                }
        }
}

static void on_debounce(struct ev_loop *loop, ev_timer *w, int revents)
{
        capture_mail_scan(w->data);
}

static void on_inotify(struct ev_loop *loop, ev_io *w, int revents)
{
        struct capture_mail *m = w->data;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

        while (read(m->inotify_fd, buf, sizeof(buf)) > 0)
                ;
        /* after the last change of a burst (notmuch new writes several files) */
        ev_timer_stop(loop, &m->debounce);
        ev_timer_set(&m->debounce, DEBOUNCE, 0.);
        ev_timer_start(loop, &m->debounce);
}

int capture_mail_new(struct ev_loop *loop, struct core *core, struct capture_mail **ret)
{
        struct capture_mail *m = calloc(1, sizeof(*m));

        if (!m)
                return -ENOMEM;
        m->loop = loop;
        m->core = core;
        m->inotify_fd = -1;
        m->wd = -1;
        m->auto_path = strcasecmp(core->config->capture_notmuch, "auto") == 0;
        m->path_shown = strdup(core->config->capture_notmuch);
        if (!m->path_shown) {
                free(m);
                return -ENOMEM;
        }
        pthread_mutex_init(&m->lock, NULL);
        pthread_cond_init(&m->cond, NULL);
        g_mime_init();
        ev_async_init(&m->async, on_async);
        m->async.data = m;
        ev_async_start(loop, &m->async);
        ev_timer_init(&m->debounce, on_debounce, DEBOUNCE, 0.);
        m->debounce.data = m;
        ev_io_init(&m->inotify_io, on_inotify, -1, EV_READ);
        m->inotify_io.data = m;
        capture_mail_scan(m);
        *ret = m;
        return 0;
}

void capture_mail_free(struct capture_mail *m)
{
        if (!m)
                return;
        if (m->running) {
                pthread_mutex_lock(&m->lock);
                __atomic_store_n(&m->stop, true, __ATOMIC_RELAXED);
                pthread_cond_signal(&m->cond);
                pthread_mutex_unlock(&m->lock);
                pthread_join(m->thread, NULL);
        }
        ev_async_stop(m->loop, &m->async);
        ev_timer_stop(m->loop, &m->debounce);
        if (m->inotify_fd >= 0) {
                ev_io_stop(m->loop, &m->inotify_io);
                close(m->inotify_fd);
        }
        job_done(&m->job);
        pthread_mutex_destroy(&m->lock);
        pthread_cond_destroy(&m->cond);
        free(m->xapian_dir);
        free(m->wait_dir);
        free(m->watched);
        free(m->path_shown);
        free(m);
}

json_t *capture_mail_status(struct capture_mail *m)
{
        json_t *o;

        if (!m)
                return json_pack("{s:b}", "enabled", 0);
        pthread_mutex_lock(&m->lock);
        o = json_pack("{s:b,s:s,s:b,s:b,s:s?}", "enabled", 1, "path", m->path_shown, "found",
                      m->found, "scanning", m->running, "watching", m->xapian_dir);
        pthread_mutex_unlock(&m->lock);
        return o;
}
