/* libFuzzer target: varlink framing and dispatch. The input is a whole client byte stream: it is
 * fed in uneven pieces through the server's input buffer (common/frame.c) and every complete
 * message goes to varlink_dispatch_stream with the real io.tend method tables
 * (methods_service()) on a real store, exactly as daemon/rpc/server.c does for a connection
 * (a message over the limit, a malformed message or a call after a kept stream ends it).
 * Every reply must be an object that encodes without an inner NUL.
 *
 * The store lives in a fresh directory on tmpfs ($TEND_FUZZ_DIR, else /dev/shm when there is
 * one, else $TMPDIR; removed at exit, left behind only by a crash), opened with a
 * small map and without fsync (store_options.unsafe_no_sync, a test-only switch). It is closed
 * and removed after every input, so each input runs on an empty store: runs are reproducible
 * from one input and the store never grows past what one input can write.
 *
 * One change to the tables: io.tend.Transfer.Backup writes a file at the path the client
 * names (the peer is the same user), which a fuzzer must not do on the host; here an absolute
 * path is pointed into the sandbox before the real handler runs. */
#include <errno.h>
#include <ev.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "frame.h"
#include "log.h"
#include "methods.h"
#include "rpc.h"
#include "server.h"
#include "store.h"
#include "timeutil.h"

#define MAX_MESSAGE (64 * 1024) /* smaller than the daemon's 1 MiB: faster to reach */
#define MAP_INITIAL (256 * 1024)
#define MAP_MAX     (8 * 1024 * 1024) /* a store that fills this gives DiskFull */
#define METHODS_MAX 32

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What lives for the whole run: libFuzzer gives no other place for it. */
static struct {
        char root[128];  /* sandbox directory, removed at exit */
        char store[160]; /* root/store, recreated for each input */
        char backup[160];
        struct config config;
        struct ev_loop *loop;
        struct server *server;
        struct varlink_method transfer_methods[METHODS_MAX];
        struct varlink_interface transfer;
        const struct varlink_interface *interfaces[16];
        struct varlink_service service;
        varlink_handler backup_handler;
} fz;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static void remove_tree(const char *dir)
{
        nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void cleanup_at_exit(void)
{
        remove_tree(fz.root);
}

static int sandboxed_backup(struct varlink_call *call, json_t *params, void *userdata)
{
        const char *path = json_string_value(json_object_get(params, "path"));

        if (path && path[0] == '/' && json_object_set_new(params, "path", json_string(fz.backup)))
                return -ENOMEM;
        return fz.backup_handler(call, params, userdata);
}

/* The real service, with Transfer.Backup sandboxed. */
static void build_service(void)
{
        const struct varlink_service *real = methods_service();
        size_t n = 0, m = 0;

        fz.service = *real;
        for (const struct varlink_interface *const *i = real->interfaces; *i; i++) {
                if (n + 1 >= sizeof(fz.interfaces) / sizeof(fz.interfaces[0]))
                        abort();
                if (*i != &methods_transfer_interface) {
                        fz.interfaces[n++] = *i;
                        continue;
                }
                fz.transfer = **i;
                for (const struct varlink_method *meth = (*i)->methods; meth->name; meth++) {
                        if (m + 1 >= METHODS_MAX)
                                abort();
                        fz.transfer_methods[m] = *meth;
                        if (strcmp(meth->name, "Backup") == 0) {
                                fz.backup_handler = meth->handler;
                                fz.transfer_methods[m].handler = sandboxed_backup;
                        }
                        m++;
                }
                fz.transfer.methods = fz.transfer_methods;
                fz.interfaces[n++] = &fz.transfer;
        }
        if (!fz.backup_handler)
                abort(); /* the tables changed: sandbox the new way of writing files */
        fz.service.interfaces = fz.interfaces;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        const char *base = getenv("TEND_FUZZ_DIR");

        if (!base)
                base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");

        snprintf(fz.root, sizeof(fz.root), "%s/tend-fuzz-dispatch-XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(fz.root))
                abort();
        atexit(cleanup_at_exit);
        snprintf(fz.store, sizeof(fz.store), "%s/store", fz.root);
        snprintf(fz.backup, sizeof(fz.backup), "%s/backup.mdb", fz.root);
        /* Method handlers log refused writes and the like; a fuzzer makes millions of them. */
        log_set_max_level(LOG_CRIT);
        setenv("TZ", "UTC", 1);
        config_init(&fz.config);
        build_service();
        fz.loop = ev_loop_new(EVFLAG_AUTO);
        if (!fz.loop || server_new(fz.loop, NULL, &fz.service, NULL, &fz.server) < 0)
                abort();
        return 0;
}

/* Dispatch every complete message held; returns false once the connection would be closed. */
static bool dispatch_held(struct frame_in *in, struct rpc *rpc, bool *streaming)
{
        for (;;) {
                const char *msg, *stream = NULL;
                json_t *reply = NULL;
                size_t len, enc_len;
                char *enc;
                int r;

                r = frame_in_next(in, &msg, &len);
                if (r == 0)
                        return true;
                if (r < 0 || *streaming)
                        return false; /* over the limit, or a call after a kept stream */
                if (strlen(msg) != len)
                        abort();
                r = varlink_dispatch_stream(&fz.service, msg, len, rpc, &reply, &stream);
                if (r < 0)
                        abort(); /* only -ENOMEM, which a fuzzer does not cause */
                if (r == VARLINK_NO_REPLY) {
                        if (reply)
                                abort();
                } else {
                        if (!json_is_object(reply))
                                abort();
                        enc = varlink_encode(reply, &enc_len);
                        if (!enc || strlen(enc) != enc_len)
                                abort();
                        free(enc);
                }
                json_decref(reply);
                if (stream)
                        *streaming = true;
                if (r == VARLINK_REPLY_CLOSE)
                        return false;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct store_options so = {.dir = fz.store,
                                   .initial_map_size = MAP_INITIAL,
                                   .max_map_size = MAP_MAX,
                                   .unsafe_no_sync = true};
        struct frame_in in;
        struct core core;
        struct rpc rpc;
        bool streaming = false;
        size_t off = 0;

        if (store_open(&so, &core.store) < 0)
                abort();
        core.config = &fz.config;
        rpc = (struct rpc){.core = &core,
                           .store = core.store,
                           .server = fz.server,
                           .started = time_now(),
                           .data_dir = fz.store,
                           .socket_path = "/run/user/fuzz/tend/tend.sock"};
        frame_in_init(&in, MAX_MESSAGE);
        /* Uneven pieces, as reads of a socket deliver them: a message split anywhere. */
        for (size_t piece = 1; off < size; piece = piece * 7 % 4093 + 1) {
                size_t n = size - off < piece ? size - off : piece;

                if (frame_in_append(&in, data + off, n) < 0)
                        abort();
                off += n;
                if (!dispatch_held(&in, &rpc, &streaming))
                        break;
        }
        frame_in_done(&in);
        rpc_done(&rpc);
        store_close(core.store);
        remove_tree(fz.store);
        return 0;
}
