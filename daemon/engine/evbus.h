/* An sd-bus connection driven from the libev loop (one ev_io on the bus fd, one ev_timer for
 * sd-bus's own timeouts, one ev_prepare that refreshes both before the loop blocks), with
 * connection and reconnection handled here: when the bus goes away the connection is dropped
 * and retried with exponential backoff (1 s doubling to 64 s, then no more timed retries;
 * evbus_connect_now() tries again on demand). Nothing here blocks the loop: every call made on
 * the bus by users of this module must be asynchronous. */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>

enum evbus_kind {
        EVBUS_USER,   /* $DBUS_SESSION_BUS_ADDRESS, or $XDG_RUNTIME_DIR/bus */
        EVBUS_SYSTEM, /* $DBUS_SYSTEM_BUS_ADDRESS, or the system bus */
};

struct evbus;

/* Called with a freshly opened connection (add matches and start calls here, asynchronously),
 * and when it went away (bus is then about to be released). */
struct evbus_callbacks {
        void (*connected)(struct evbus *b, sd_bus *bus, void *userdata);
        void (*disconnected)(struct evbus *b, void *userdata);
};

/** Create and try to connect once right away. A failure to connect is not an error here (it
 * is retried with backoff). Returns 0 or -ENOMEM. */
int evbus_new(struct ev_loop *loop, enum evbus_kind kind, const struct evbus_callbacks *cb,
              void *userdata, struct evbus **ret);

/** Flush what is queued (bounded by sd-bus), close and free; accepts NULL. */
void evbus_free(struct evbus *b);

/** The connection, or NULL while there is none. */
sd_bus *evbus_get(const struct evbus *b);

/** Connect now if not connected (on demand, e.g. before sending). Returns 0 when a connection
 * exists afterwards, -errno otherwise. */
int evbus_connect_now(struct evbus *b);

/** "user" or "system", for messages. */
const char *evbus_kind_name(const struct evbus *b);
