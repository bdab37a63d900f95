/* What the varlink methods work with: the core, plus the server-side state that only the
 * methods need (uploads in progress, the start time and paths that GetStatus reports). The
 * methods parse parameters, call the core inside a store transaction and build the reply;
 * after-commit effects (scheduler, STATUS, watch streams) happen in the store's observer, never
 * here. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core.h"
#include "reply.h"
#include "store-transfer.h"
#include "varlink.h"

/* The varlink stream `tend watch` subscribes to (io.tend.FollowUps.Watch). */
#define RPC_WATCH_STREAM "io.tend.FollowUps.Watch"

struct server;
struct transfer_uploads;
struct rpc_writes;

/** A backup ended (on the loop): r is 0 or -errno. path NULL: a rolling backup. */
typedef void (*rpc_backup_done_fn)(int r, const char *path, uint64_t size,
                                   const struct store_backup_check *check, void *userdata);

struct rpc {
        struct core *core;
        struct store *store; /* core->store */
        struct server *server;
        struct rpc_writes *writes;        /* group commit (writes.h); NULL: every write at once */
        struct transfer_uploads *uploads; /* imports arriving in pieces (methods-transfer.c) */
        int64_t started;
        const char *data_dir;
        const char *socket_path; /* NULL: socket activation */
        /* When the follow-up engine looks next (for the watch stream's first event); NULL: 0. */
        int64_t (*next_check)(void *userdata);
        void *next_check_userdata;
        /* The vdir mirror (io.tend.Sync): its status object, and export/import now. NULL: no
         * sync engine in this process. */
        json_t *(*sync_status)(void *userdata);
        void (*sync_flush)(void *userdata);
        void *sync_userdata;
        /* Backups off the loop (the daemon's backup engine); NULL: written in the call. */
        int (*backup_start)(const char *path, rpc_backup_done_fn done, void *done_userdata,
                            void *userdata);
        int (*backup_list)(json_t **ret_list, const char **ret_dir, void *userdata);
        void *backup_userdata;
        /* Capture (io.tend.Capture): what the readers know besides the store, as
         * {"mail": {...}, "calendar": {...}}, and a scan of one source ("mail", "calendar")
         * now. NULL: no capture engine in this process. */
        json_t *(*capture_status)(void *userdata);
        void (*capture_scan)(const char *source, void *userdata);
        void *capture_userdata;
};

/** Send a recorded error (ownership moves to the call) or, when none was recorded, the errno
 * mapping of r. Returns 0. */
int op_error_reply(struct op_error *e, struct varlink_call *call, int r);

/** Free what the methods keep between calls (uploads); the struct itself is the caller's. */
void rpc_done(struct rpc *rpc);
