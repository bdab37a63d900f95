/* The daemon object: one struct tendd built in main and passed as userdata everywhere. */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "core.h"
#include "rpc.h"
#include "store.h"

struct server;
struct sdnotify;
struct config;
struct scheduler;
struct vdir;
struct capture_calendar;
struct backups;
struct capture_mail;

struct tendd_options {
        const char *data_dir;    /* NULL = $XDG_DATA_HOME/tend */
        const char *socket_path; /* NULL = $XDG_RUNTIME_DIR/tend/tendd.sock */
        bool verbose;
        size_t initial_map_size; /* 0 = store default (tests use tiny maps) */
        const char *config_path; /* NULL = $XDG_CONFIG_HOME/tend/tendd.conf */
};

struct tendd {
        struct ev_loop *loop;
        struct store *store;
        struct server *server;
        char *data_dir;
        char *socket_path;
        bool socket_activated;
        int lock_fd; /* flock on DATA/tendd.lock: one daemon per store */
        int64_t started;
        ev_signal sigterm, sigint, sighup;
        ev_timer shutdown_timer;
        ev_timer rest_timer; /* memory given back once writes stop (at_rest) */
        double shutdown_deadline;
        int exit_code;
        struct sdnotify *sdnotify; /* systemd notify/watchdog glue (sdnotify.c) */
        struct config *config;     /* tendd.conf, replaced whole on SIGHUP (config.h) */
        char *config_path;
        struct scheduler *scheduler;       /* follow-up timer and notifications (scheduler.h) */
        struct vdir *vdir;                 /* [sync] vdir mirror (vdir.h), NULL when off */
        struct backups *backups;           /* rolling and on-demand backups off the loop */
        struct capture_mail *capture_mail; /* [capture] notmuch (capture-mail.h), NULL: off */
        struct capture_calendar *capture_calendar; /* [capture] calendar reader, NULL: off */
        struct core core; /* store + settings + clock, for every door (core.h) */
        struct rpc rpc;   /* what the varlink methods work with (rpc.h) */
};

/** Open the store, create the server and listen (socket activation or bind). Logs what
 * fails. Returns 0 or -errno. */
int tendd_new(const struct tendd_options *opts, struct tendd **ret);

/** Run the loop until SIGTERM/SIGINT (or a fatal store error). Returns the exit code. */
int tendd_run(struct tendd *d);

/** tendd --check-store [--repair]: check (and repair) the store in opts->data_dir with no
 * daemon running on it (its lock is taken), print the report. Returns the exit status: 0 all
 * is well (after a repair: nothing remains), 1 problems or a failure. */
int tendd_check_store(const struct tendd_options *opts, bool repair);

/** Close everything; accepts NULL. */
void tendd_free(struct tendd *d);

/** Wall-clock now in UTC seconds. */
int64_t tendd_now(const struct tendd *d);
