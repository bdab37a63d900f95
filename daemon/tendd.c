#include "tendd.h"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <systemd/sd-daemon.h>
#include <sys/socket.h>

#include "backups.h"
#include "capture-calendar.h"
#include "capture-mail.h"
#include "capture.h"
#include "check.h"
#include "config.h"
#include "goals.h"
#include "log.h"
#include "methods.h"
#include "scheduler.h"
#include "paths.h"
#include "sdnotify.h"
#include "rpc.h"
#include "writes.h"
#include "server.h"
#include "timeutil.h"
#include "vdir.h"

/* How long SIGTERM waits for replies still queued to slow clients. */
#define SHUTDOWN_GRACE 2.0

int64_t tendd_now(const struct tendd *d)
{
        return core_now(&d->core);
}

static void stop_loop(struct tendd *d, int exit_code)
{
        if (exit_code > d->exit_code)
                d->exit_code = exit_code;
        ev_break(d->loop, EVBREAK_ALL);
}

/* Memory at rest: LMDB keeps the page buffers of every write transaction for the next one
 * and never gives them back (a group commit of 50 writes: ~2 MiB), and the heap keeps what a
 * burst of requests freed. REST_AFTER seconds after the last commit, both are returned once
 * writes have changed REST_MIN_CHANGED people since the last time (store_release_memory
 * reopens the environment: tens of milliseconds to unmap a big store, and its pages are
 * mapped again as they are read, so not for a few writes; tried again later while an export
 * or a backup reads). Armed only by such commits: a daemon with little to do never wakes for
 * it. */
#define REST_AFTER       2.0
#define REST_MIN_CHANGED 500

static void at_rest(struct ev_loop *loop, ev_timer *w, int revents)
{
        struct tendd *d = w->data;
        int r;

        ev_timer_stop(loop, w);
        r = store_release_memory(d->store);
        if (r == -EBUSY) {
                ev_timer_again(loop, w);
                return;
        }
        malloc_trim(0);
        if (r >= 0)
                log_debug("At rest: gave back the memory the last writes held.");
}

/* The store's observer: every committed write, whichever door it came in by, reaches the
 * follow-up engine (re-arm, watch events) and the STATUS line here, and only here. */
static void on_committed(const struct store_changes *ch, void *userdata)
{
        struct tendd *d = userdata;

        scheduler_committed(d->scheduler, ch);
        sdnotify_status_changed(d->sdnotify);
        vdir_committed(d->vdir, ch);
        if (store_changed_since_release(d->store) >= REST_MIN_CHANGED)
                ev_timer_again(d->loop, &d->rest_timer);
}

static void sync_withdraw(uint32_t notify_id, void *userdata)
{
        struct tendd *d = userdata;

        scheduler_withdraw(d->scheduler, notify_id);
}

/* [sync]: (re)start the vdir mirror when its settings changed. A folder that cannot be used
 * is logged and leaves sync off; it never stops tendd. */
static void start_sync(struct tendd *d)
{
        _cleanup_free_ char *state = NULL;
        const struct config *c = d->config;
        int r;

        vdir_free(d->vdir);
        d->vdir = NULL;
        if (!c->sync_vdir)
                return;
        if (asprintf(&state, "%s/sync", d->data_dir) < 0)
                return;
        r = vdir_new(d->loop, d->store,
                     &(struct vdir_options){.dir = c->sync_vdir,
                                            .ics_dir = c->sync_ics,
                                            .state_dir = state,
                                            .exclude = c->sync_exclude,
                                            .conf_every = c->goal_follow_up,
                                            .withdraw = sync_withdraw,
                                            .userdata = d},
                     &d->vdir);
        if (r < 0)
                log_error_errno(r, "Sync is off: the vdir %s cannot be used: %m", c->sync_vdir);
        else
                log_info("Mirroring contacts to the vdir %s.", c->sync_vdir);
}

/* [capture] calendar: (re)start the calendar reader when its settings changed. A vdir that
 * cannot be watched leaves it off and says so in `tend capture status`; never fatal. */
static void start_capture_calendar(struct tendd *d)
{
        const struct config *c = d->config;
        int r;

        capture_calendar_free(d->capture_calendar);
        d->capture_calendar = NULL;
        if (!c->capture_calendar)
                return;
        r = capture_calendar_new(d->loop,
                                 &(struct capture_calendar_options){
                                     .dir = c->capture_calendar,
                                     .me = c->capture_me,
                                     .backfill = c->capture_backfill,
                                     .sink = capture_sink,
                                     .userdata = &d->core,
                                 },
                                 &d->capture_calendar);
        if (r < 0) {
                _cleanup_free_ char *error = NULL;

                if (asprintf(&error, "the calendar vdir %s cannot be watched: %s",
                             c->capture_calendar, strerror(-r)) >= 0)
                        (void)capture_sink(&d->core, &(struct capture_batch){
                                                         .source = CAPTURE_CALENDAR,
                                                         .error = error,
                                                     });
                return;
        }
        log_info("Capturing meetings from the calendar vdir %s.", c->capture_calendar);
}

static bool strv_equal(char *const *a, char *const *b)
{
        size_t n = strv_length(a);

        if (n != strv_length(b))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!streq(a[i], b[i]))
                        return false;
        return true;
}

/* [capture]: (re)start the mail reader when its source changed. A reader that cannot start is
 * logged and leaves capture off; it never stops tendd. */
static void start_capture(struct tendd *d)
{
        int r;

        capture_mail_free(d->capture_mail);
        d->capture_mail = NULL;
        if (!d->config->capture_notmuch)
                return;
        r = capture_mail_new(d->loop, &d->core, &d->capture_mail);
        if (r < 0)
                log_error_errno(r, "Capture from mail is off: %m");
        else
                log_info("Capturing interactions from notmuch (%s).", d->config->capture_notmuch);
}

static json_t *capture_status(void *userdata)
{
        struct tendd *d = userdata;

        return json_pack("{s:o,s:o}", "mail", capture_mail_status(d->capture_mail), "calendar",
                         capture_calendar_status(d->capture_calendar));
}

static void capture_scan(const char *source, void *userdata)
{
        struct tendd *d = userdata;

        if (streq(source, "mail"))
                capture_mail_scan(d->capture_mail);
        else if (streq(source, "calendar"))
                capture_calendar_rescan(d->capture_calendar);
}

static json_t *sync_status(void *userdata)
{
        struct tendd *d = userdata;

        return vdir_status(d->vdir);
}

static void sync_flush(void *userdata)
{
        struct tendd *d = userdata;

        vdir_flush(d->vdir);
}

static void on_store_broken(void *userdata)
{
        struct tendd *d = userdata;

        log_error("The store reported a fatal error (MDB_PANIC); exiting so the service "
                  "manager can restart tendd.");
        stop_loop(d, EXIT_FAILURE);
}

static int send_watch_event(json_t *event, void *userdata)
{
        struct tendd *d = userdata;

        return server_stream_send(d->server, RPC_WATCH_STREAM, event);
}

static int64_t next_check(void *userdata)
{
        struct tendd *d = userdata;

        return scheduler_next_wakeup(d->scheduler);
}

static void shutdown_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
        struct tendd *d = w->data;

        if ((!server_has_pending_output(d->server) && !rpc_writes_queued(d->rpc.writes)) ||
            ev_now(loop) >= d->shutdown_deadline)
                stop_loop(d, EXIT_SUCCESS);
}

static void on_stop_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
        struct tendd *d = w->data;

        /* Signals are handled between requests: the current one has completed. */
        log_info("Received %s, shutting down.", strsignal(w->signum));
        sdnotify_stopping(d->sdnotify);
        server_stop_accepting(d->server);
        d->shutdown_deadline = ev_now(loop) + SHUTDOWN_GRACE;
        ev_timer_init(&d->shutdown_timer, shutdown_poll, 0., 0.05);
        d->shutdown_timer.data = d;
        ev_timer_start(loop, &d->shutdown_timer);
}

/* Load d->config_path into cfg; log every error. */
static int load_config(struct tendd *d, struct config *cfg)
{
        _cleanup_strv_ char **errors = NULL;
        int r = config_load(d->config_path, cfg, &errors);

        for (char **e = errors; e && *e; e++)
                log_error("%s", *e);
        return r;
}

/* SIGHUP: take the new settings only when the whole file is good. */
static void on_sighup(struct ev_loop *loop, ev_signal *w, int revents)
{
        struct tendd *d = w->data;
        struct config cfg;
        int r;

        log_info("Received SIGHUP; reloading %s.", d->config_path);
        sdnotify_reloading(d->sdnotify);
        config_init(&cfg);
        r = load_config(d, &cfg);
        if (r < 0) {
                log_error("Keeping the previous settings: %s has errors.", d->config_path);
                config_done(&cfg);
        } else {
                int64_t old_goal_every = d->config->goal_follow_up;
                bool capture_changed = !streq_ptr(d->config->capture_notmuch, cfg.capture_notmuch);
                bool sync_changed = !streq_ptr(d->config->sync_vdir, cfg.sync_vdir) ||
                                    !streq_ptr(d->config->sync_ics, cfg.sync_ics) ||
                                    d->config->sync_exclude != cfg.sync_exclude;
                bool calendar_changed =
                    !streq_ptr(d->config->capture_calendar, cfg.capture_calendar) ||
                    !strv_equal(d->config->capture_me, cfg.capture_me) ||
                    d->config->capture_backfill != cfg.capture_backfill;

                config_done(d->config);
                *d->config = cfg;
                if (sync_changed)
                        start_sync(d);
                if (calendar_changed)
                        start_capture_calendar(d);
                if (capture_changed)
                        start_capture(d);
                scheduler_reload(d->scheduler);
                r = backups_configure(d->backups, d->config);
                if (r < 0)
                        log_error_errno(r, "Rolling backups are off: %m");
                /* A new [goals] follow_up re-dates the people the goal rule had dated. */
                r = goals_conf_every_changed(&d->core, old_goal_every);
                if (r < 0)
                        log_error_errno(r, "Could not re-date the goal follow-ups: %m");
                else if (r > 0)
                        log_info("%d goal follow-up%s moved to the new interval.", r,
                                 r == 1 ? "" : "s");
                log_info("Settings reloaded.");
        }
        sdnotify_reloaded(d->sdnotify, r >= 0);
}

/* The varlink methods' way to the backup engine (rpc.h). */
static int backup_start(const char *path, rpc_backup_done_fn done, void *done_userdata,
                        void *userdata)
{
        struct tendd *d = userdata;

        return backups_start(d->backups, path, done, done_userdata);
}

static int backup_list(json_t **ret_list, const char **ret_dir, void *userdata)
{
        struct tendd *d = userdata;

        *ret_dir = backups_dir(d->backups);
        return backups_list(d->backups, ret_list);
}

static int listen_socket(struct tendd *d, const struct tendd_options *opts)
{
        int n, r;

        n = sd_listen_fds(1);
        if (n < 0)
                return log_error_errno(n, "Failed to read socket activation fds: %m");
        if (n > 1)
                return log_error_errno(-EINVAL, "Expected one activation socket, got %d.", n);
        if (n == 1) {
                int fd = SD_LISTEN_FDS_START;

                if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0)
                        return log_error_errno(-ENOTSOCK,
                                               "The activation fd is not a listening Unix "
                                               "stream socket.");
                r = server_adopt_fd(d->server, fd);
                if (r < 0)
                        return log_error_errno(r, "Failed to serve the activation socket: %m");
                d->socket_activated = true;
                log_debug("Serving the socket passed by the service manager.");
                return 0;
        }

        if (opts->socket_path)
                d->socket_path = strdup(opts->socket_path);
        else {
                r = paths_socket(true, &d->socket_path);
                if (r < 0)
                        return log_error_errno(r, "Failed to find the runtime directory: %m");
        }
        if (!d->socket_path)
                return log_error_errno(-ENOMEM, "Out of memory.");
        r = server_listen_path(d->server, d->socket_path);
        if (r == -EADDRINUSE)
                return log_error_errno(r, "Another tendd is already listening on %s.",
                                       d->socket_path);
        if (r < 0)
                return log_error_errno(r, "Failed to listen on %s: %m", d->socket_path);
        log_debug("Listening on %s.", d->socket_path);
        return 0;
}

/* One daemon per store: a second one would serve the same data and fire the same follow-ups
 * twice. The lock dies with the process, so a crash never leaves it stale. */
static int lock_dir(const char *dir, int *ret_fd)
{
        _cleanup_free_ char *path = NULL;
        int r;

        r = mkdir_parents(dir, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", dir);
        r = dir_ensure_private(dir);
        if (r < 0)
                return log_error_errno(r, "The data directory %s is not private to us: %m", dir);
        if (asprintf(&path, "%s/tendd.lock", dir) < 0)
                return log_error_errno(-ENOMEM, "Out of memory.");
        *ret_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (*ret_fd < 0)
                return log_error_errno(-errno, "Failed to open %s: %m", path);
        if (flock(*ret_fd, LOCK_EX | LOCK_NB) < 0) {
                if (errno == EWOULDBLOCK)
                        return log_error_errno(-EBUSY, "Another tendd is already using %s.", dir);
                return log_error_errno(-errno, "Failed to lock %s: %m", path);
        }
        return 0;
}

static int lock_data_dir(struct tendd *d)
{
        return lock_dir(d->data_dir, &d->lock_fd);
}

int tendd_check_store(const struct tendd_options *opts, bool repair)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_(json_decrefp) json_t *report = NULL;
        _cleanup_close_ int lock_fd = -1;
        struct store_options so = {0};
        struct store *s = NULL;
        int r;

        if (opts->data_dir)
                dir = strdup(opts->data_dir);
        else if ((r = paths_data_dir(&dir)) < 0)
                return log_error_errno(r, "Failed to find the data directory: %m"), 1;
        if (!dir)
                return log_error_errno(-ENOMEM, "Out of memory."), 1;
        r = lock_dir(dir, &lock_fd);
        if (r == -EBUSY) {
                log_error("Stop it first, or run 'tend check' against the running tendd.");
                return 1;
        }
        if (r < 0)
                return 1;
        so.dir = dir;
        r = store_open(&so, &s);
        if (r == -EPROTONOSUPPORT)
                return log_error_errno(r, "The store in %s was written by a newer tend.", dir), 1;
        if (r < 0)
                return log_error_errno(r, "Failed to open the store in %s: %m", dir), 1;
        r = check_store(s, repair, &report);
        store_close(s);
        if (r < 0)
                return log_error_errno(r, "Failed to check the store in %s: %m", dir), 1;
        check_report_print(stdout, report, "'tendd --check-store --repair' rebuilds the indexes");
        return r > 0 ? 1 : 0;
}

int tendd_new(const struct tendd_options *opts, struct tendd **ret)
{
        struct tendd *d = calloc(1, sizeof(*d));
        struct store_options so = {0};
        int r;

        if (!d)
                return log_error_errno(-ENOMEM, "Out of memory.");
        d->lock_fd = -1;
        d->started = time_now();
        d->loop = ev_loop_new(EVFLAG_AUTO);
        if (!d->loop) {
                r = log_error_errno(-ENOMEM, "Failed to create the event loop.");
                goto fail;
        }
        /* Signals first: once the socket listens, a client (or a test) may send SIGTERM, and
         * it must be caught and handled by the loop rather than kill us half set up. */
        ev_signal_init(&d->sigterm, on_stop_signal, SIGTERM);
        ev_signal_init(&d->sigint, on_stop_signal, SIGINT);
        ev_signal_init(&d->sighup, on_sighup, SIGHUP);
        d->sigterm.data = d->sigint.data = d->sighup.data = d;
        ev_signal_start(d->loop, &d->sigterm);
        ev_signal_start(d->loop, &d->sigint);
        ev_signal_start(d->loop, &d->sighup);
        ev_timer_init(&d->rest_timer, at_rest, 0., REST_AFTER);
        d->rest_timer.data = d;
        /* A client that disappears mid-reply must not kill us. */
        signal(SIGPIPE, SIG_IGN);

        if (opts->data_dir)
                d->data_dir = strdup(opts->data_dir);
        else if ((r = paths_data_dir(&d->data_dir)) < 0) {
                log_error_errno(r, "Failed to find the data directory: %m");
                goto fail;
        }
        if (!d->data_dir) {
                r = log_error_errno(-ENOMEM, "Out of memory.");
                goto fail;
        }
        d->config = calloc(1, sizeof(*d->config));
        if (d->config)
                config_init(d->config);
        if (opts->config_path)
                d->config_path = strdup(opts->config_path);
        else if ((r = paths_config_file(&d->config_path)) < 0) {
                log_error_errno(r, "Failed to find the configuration file: %m");
                goto fail;
        }
        if (!d->config || !d->config_path) {
                r = log_error_errno(-ENOMEM, "Out of memory.");
                goto fail;
        }
        r = load_config(d, d->config);
        if (r < 0) {
                log_error("Not starting with a broken %s; check it with tendd --check-config.",
                          d->config_path);
                goto fail;
        }

        r = lock_data_dir(d);
        if (r < 0)
                goto fail;
        so.dir = d->data_dir;
        so.initial_map_size = opts->initial_map_size;
        r = store_open(&so, &d->store);
        if (r == -EREMOTE) {
                log_error_errno(r, "Refusing to keep the store on a network file system: %s",
                                d->data_dir);
                goto fail;
        }
        if (r == -EPROTONOSUPPORT) {
                log_error_errno(r, "The store in %s was written by a newer tend; upgrade tend.",
                                d->data_dir);
                goto fail;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to open the store in %s: %m", d->data_dir);
                goto fail;
        }
        if (store_upgraded_from(d->store)) {
                _cleanup_free_ char *was =
                    store_upgrade_backup_path(d->data_dir, store_upgraded_from(d->store));

                log_info("Upgraded the store in %s to format %d; the store as it was is kept "
                         "as %s.",
                         d->data_dir, STORE_SCHEMA_VERSION, strempty(was));
        }

        d->core = (struct core){.store = d->store, .config = d->config};
        store_set_observer(d->store, &(struct store_observer){.committed = on_committed,
                                                              .broken = on_store_broken,
                                                              .userdata = d});

        d->rpc = (struct rpc){
            .core = &d->core,
            .store = d->store,
            .started = d->started,
            .data_dir = d->data_dir,
            .next_check = next_check,
            .next_check_userdata = d,
            .sync_status = sync_status,
            .sync_flush = sync_flush,
            .sync_userdata = d,
            .backup_start = backup_start,
            .backup_list = backup_list,
            .backup_userdata = d,
            .capture_status = capture_status,
            .capture_scan = capture_scan,
            .capture_userdata = d,
        };
        r = server_new(d->loop, NULL, methods_service(), &d->rpc, &d->server);
        if (r < 0) {
                log_error_errno(r, "Failed to create the server: %m");
                goto fail;
        }
        d->rpc.server = d->server;
        r = rpc_writes_new(d->loop, &d->rpc, &d->rpc.writes);
        if (r < 0) {
                log_error_errno(r, "Out of memory.");
                goto fail;
        }
        r = listen_socket(d, opts);
        if (r < 0)
                goto fail;
        d->rpc.socket_path = d->socket_path;
        r = sdnotify_new(d->loop, &d->core, &d->sdnotify);
        if (r < 0) {
                log_error_errno(r, "Out of memory.");
                goto fail;
        }
        r = scheduler_new(d->loop, &d->core, send_watch_event, d, &d->scheduler);
        if (r < 0)
                goto fail;
        r = backups_new(d->loop, d->store, &d->backups);
        if (r < 0) {
                log_error_errno(r, "Out of memory.");
                goto fail;
        }
        r = backups_configure(d->backups, d->config);
        if (r < 0)
                log_error_errno(r, "Rolling backups are off: %m");
        start_sync(d);
        start_capture(d);
        start_capture_calendar(d);

        *ret = d;
        return 0;
fail:
        tendd_free(d);
        return r;
}

int tendd_run(struct tendd *d)
{
        log_info("tendd %s ready: data in %s, socket %s.", TEND_VERSION, d->data_dir,
                 d->socket_activated ? "from the service manager" : d->socket_path);
        sdnotify_ready(d->sdnotify);
        ev_run(d->loop, 0);
        log_debug("Event loop finished, exit code %d.", d->exit_code);
        return d->exit_code;
}

void tendd_free(struct tendd *d)
{
        if (!d)
                return;
        /* Writes still queued are made first, while everything their observer calls is up. */
        rpc_writes_free(d->rpc.writes);
        d->rpc.writes = NULL;
        vdir_free(d->vdir);
        capture_mail_free(d->capture_mail); /* a scan stops after its current message */
        capture_calendar_free(d->capture_calendar);
        backups_free(d->backups); /* a backup being written finishes and is answered first */
        scheduler_free(d->scheduler);
        sdnotify_free(d->sdnotify);
        rpc_done(&d->rpc);
        server_free(d->server);
        if (d->store)
                store_set_observer(d->store, NULL);
        store_close(d->store);
        if (d->loop) {
                /* libev keeps a signal attached to its loop until stopped: a later loop in
                 * this process (tests) could not take it otherwise. */
                ev_signal_stop(d->loop, &d->sigterm);
                ev_signal_stop(d->loop, &d->sigint);
                ev_signal_stop(d->loop, &d->sighup);
                ev_timer_stop(d->loop, &d->rest_timer);
                ev_loop_destroy(d->loop);
        }
        free(d->data_dir);
        free(d->socket_path);
        if (d->config) {
                config_done(d->config);
                free(d->config);
        }
        free(d->config_path);
        if (d->lock_fd >= 0)
                close(d->lock_fd);
        free(d);
}
