/* sd-bus on libev; see evbus.h. */
#include "evbus.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"

#define BACKOFF_FIRST 1.0
#define BACKOFF_MAX   64.0

struct evbus {
        struct ev_loop *loop;
        enum evbus_kind kind;
        struct evbus_callbacks cb;
        void *userdata;
        sd_bus *bus;
        ev_io io;
        ev_timer timeout; /* sd-bus's next timeout */
        ev_prepare prepare;
        ev_timer retry; /* reconnect backoff */
        double backoff;
};

const char *evbus_kind_name(const struct evbus *b)
{
        return b->kind == EVBUS_SYSTEM ? "system" : "user";
}

sd_bus *evbus_get(const struct evbus *b)
{
        return b ? b->bus : NULL;
}

static void drop(struct evbus *b)
{
        if (!b->bus)
                return;
        ev_io_stop(b->loop, &b->io);
        ev_timer_stop(b->loop, &b->timeout);
        ev_prepare_stop(b->loop, &b->prepare);
        if (b->cb.disconnected)
                b->cb.disconnected(b, b->userdata);
        b->bus = sd_bus_flush_close_unref(b->bus);
}

static void schedule_retry(struct evbus *b)
{
        if (b->backoff > BACKOFF_MAX) {
                log_debug("Giving up timed reconnects to the %s bus; retrying on demand.",
                          evbus_kind_name(b));
                return;
        }
        ev_timer_set(&b->retry, b->backoff, 0.);
        ev_timer_start(b->loop, &b->retry);
        b->backoff *= 2;
}

/* Run sd-bus until it has nothing more to do; notice a lost connection. */
static void process(struct evbus *b)
{
        int r;

        do {
                r = sd_bus_process(b->bus, NULL);
        } while (r > 0);
        if (r < 0 || !sd_bus_is_open(b->bus)) {
                log_info("The %s bus connection went away%s%s; reconnecting.", evbus_kind_name(b),
                         r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
                drop(b);
                b->backoff = BACKOFF_FIRST;
                schedule_retry(b);
        }
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
        process(w->data);
}

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
        process(w->data);
}

/* Before the loop blocks: wait for what sd-bus wants, until its next timeout. */
static void prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
        struct evbus *b = w->data;
        int events, want = 0;
        uint64_t usec;

        if (!b->bus)
                return;
        events = sd_bus_get_events(b->bus);
        if (events < 0) {
                process(b);
                return;
        }
        if (events & POLLIN)
                want |= EV_READ;
        if (events & POLLOUT)
                want |= EV_WRITE;
        if (want != (b->io.events & (EV_READ | EV_WRITE))) {
                ev_io_stop(loop, &b->io);
                ev_io_set(&b->io, b->io.fd, want);
                if (want)
                        ev_io_start(loop, &b->io);
        } else if (want && !ev_is_active(&b->io))
                ev_io_start(loop, &b->io);

        ev_timer_stop(loop, &b->timeout);
        if (sd_bus_get_timeout(b->bus, &usec) >= 0 && usec != UINT64_MAX) {
                struct timespec ts;
                double left = 0.;

                clock_gettime(CLOCK_MONOTONIC, &ts);
                if (usec > (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u)
                        left = (double)(usec - ((uint64_t)ts.tv_sec * 1000000u +
                                                (uint64_t)ts.tv_nsec / 1000u)) /
                               1e6;
                ev_timer_set(&b->timeout, left, 0.);
                ev_timer_start(loop, &b->timeout);
        }
}

static int open_bus(struct evbus *b)
{
        sd_bus *bus = NULL;
        int fd, r;

        r = b->kind == EVBUS_SYSTEM ? sd_bus_open_system(&bus) : sd_bus_open_user(&bus);
        if (r < 0)
                return r;
        fd = sd_bus_get_fd(bus);
        if (fd < 0) {
                sd_bus_close_unref(bus);
                return fd;
        }
        b->bus = bus;
        ev_io_init(&b->io, io_cb, fd, EV_READ | EV_WRITE);
        b->io.data = b;
        ev_io_start(b->loop, &b->io);
        ev_prepare_start(b->loop, &b->prepare);
        b->backoff = BACKOFF_FIRST;
        log_debug("Connected to the %s bus.", evbus_kind_name(b));
        if (b->cb.connected)
                b->cb.connected(b, bus, b->userdata);
        return 0;
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
        struct evbus *b = w->data;
        int r;

        if (b->bus)
                return;
        r = open_bus(b);
        if (r < 0) {
                log_debug_errno(r, "Still no %s bus: %m", evbus_kind_name(b));
                schedule_retry(b);
        }
}

int evbus_connect_now(struct evbus *b)
{
        int r;

        if (!b)
                return -ENOTCONN;
        if (b->bus)
                return 0;
        r = open_bus(b);
        if (r >= 0)
                ev_timer_stop(b->loop, &b->retry);
        return r;
}

int evbus_new(struct ev_loop *loop, enum evbus_kind kind, const struct evbus_callbacks *cb,
              void *userdata, struct evbus **ret)
{
        struct evbus *b = calloc(1, sizeof(*b));
        int r;

        if (!b)
                return -ENOMEM;
        b->loop = loop;
        b->kind = kind;
        if (cb)
                b->cb = *cb;
        b->userdata = userdata;
        b->backoff = BACKOFF_FIRST;
        ev_init(&b->timeout, timeout_cb);
        ev_prepare_init(&b->prepare, prepare_cb);
        ev_init(&b->retry, retry_cb);
        b->timeout.data = b->prepare.data = b->retry.data = b;
        r = open_bus(b);
        if (r < 0)
                /* Not fatal: tend works without a bus; tell once, at debug level for the
                 * system bus (containers, tests) and info for the user bus. */
                log_internal(kind == EVBUS_SYSTEM ? LOG_DEBUG : LOG_INFO, r,
                             "No %s bus (%m); will retry.", evbus_kind_name(b));
        if (r < 0)
                schedule_retry(b);
        *ret = b;
        return 0;
}

void evbus_free(struct evbus *b)
{
        if (!b)
                return;
        ev_timer_stop(b->loop, &b->retry);
        b->cb.disconnected = NULL; /* the owner is going away too */
        drop(b);
        free(b);
}
