/* A load generator for tendd's varlink socket: K connections, each a thread sending one call
 * at a time (the next when the reply came), with a mix of io.tend methods. Prints throughput
 * and latency percentiles per method, measured from sending a call to its whole reply.
 *
 *   tend-bench-load SOCKET [--connections K] [--seconds S] [--mix get:find:due:log[:info]]
 *                          [--contacts N] [--json]
 *
 * The mix gives relative weights (default 40:30:20:10:0). Get asks for a random id in 1..N,
 * Find for a random common word, Due for the first 20, Log logs a "call" with a random id
 * (a durable write: acknowledged only after the commit), Info is org.varlink.service.GetInfo
 * (the smallest round trip: the cost of the loop and the protocol alone). A benchmark, not a test:
 * it asserts nothing about time. Bounded by --seconds; talks only to the socket it is given. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

enum op { OP_GET, OP_FIND, OP_DUE, OP_LOG, OP_INFO, OP_MAX };

static const char *const op_names[OP_MAX] = {"Get", "Find", "Due", "Log", "Info"};
static const char *const words[] = {"ada", "smith", "engineer", "acme", "lee", "mentor"};

struct options {
        const char *socket;
        unsigned connections;
        double seconds;
        unsigned weights[OP_MAX];
        uint64_t contacts;
        bool json;
};

struct samples {
        double *v;
        size_t n, cap;
};

struct worker {
        const struct options *o;
        pthread_t thread;
        unsigned seed;
        struct samples lat[OP_MAX];
        uint64_t errors;
        int failed; /* -errno when the connection broke */
};

static double now_mono(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int samples_add(struct samples *s, double x)
{
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 4096;
                double *v = realloc(s->v, cap * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                s->v = v;
                s->cap = cap;
        }
        s->v[s->n++] = x;
        return 0;
}

static int connect_socket(const char *path)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        return fd;
}

/* Send one NUL-terminated message and read until the reply's NUL. buf grows as needed.
 * Returns whether the reply was an error (1), a reply (0), or -errno. */
static int roundtrip(int fd, const char *msg, size_t len, char **buf, size_t *cap)
{
        size_t have = 0, off = 0;

        while (off < len + 1) {
                ssize_t n = send(fd, msg + off, len + 1 - off, MSG_NOSIGNAL);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                off += (size_t)n;
        }
        for (;;) {
                ssize_t n;

                if (have == *cap) {
                        size_t c = *cap ? *cap * 2 : 65536;
                        char *b = realloc(*buf, c);

                        if (!b)
                                return -ENOMEM;
                        *buf = b;
                        *cap = c;
                }
                n = recv(fd, *buf + have, *cap - have, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -ECONNRESET;
                if (memchr(*buf + have, '\0', (size_t)n)) {
                        json_t *reply;
                        int error;

                        if (!strstr(*buf, "\"error\""))
                                return 0; /* the common case, without parsing */
                        reply = json_loads(*buf, JSON_DISABLE_EOF_CHECK, NULL);
                        error = json_object_get(reply, "error") != NULL;
                        json_decref(reply);
                        return error;
                }
                have += (size_t)n;
        }
}

static enum op pick(struct worker *w)
{
        unsigned total = 0, x;

        for (int i = 0; i < OP_MAX; i++)
                total += w->o->weights[i];
        x = (unsigned)rand_r(&w->seed) % (total ? total : 1);
        for (int i = 0; i < OP_MAX; i++) {
                if (x < w->o->weights[i])
                        return (enum op)i;
                x -= w->o->weights[i];
        }
        return OP_GET;
}

static int build_call(struct worker *w, enum op op, char *out, size_t size)
{
        uint64_t id = 1 + (uint64_t)rand_r(&w->seed) % (w->o->contacts ? w->o->contacts : 1);

        switch (op) {
        case OP_GET:
                return snprintf(
                    out, size,
                    "{\"method\":\"io.tend.Contacts.Get\",\"parameters\":{\"who\":\"%" PRIu64
                    "\"}}",
                    id);
        case OP_FIND:
                return snprintf(
                    out, size,
                    "{\"method\":\"io.tend.Contacts.Find\",\"parameters\":{\"text\":\"%s\","
                    "\"limit\":20}}",
                    words[(unsigned)rand_r(&w->seed) % (sizeof(words) / sizeof(*words))]);
        case OP_DUE:
                return snprintf(
                    out, size,
                    "{\"method\":\"io.tend.FollowUps.Due\",\"parameters\":{\"limit\":20}}");
        case OP_INFO:
                return snprintf(out, size, "{\"method\":\"org.varlink.service.GetInfo\"}");
        default:
                return snprintf(
                    out, size,
                    "{\"method\":\"io.tend.Interactions.Log\",\"parameters\":{\"who\":\"%" PRIu64
                    "\",\"kind\":\"call\"}}",
                    id);
        }
}

static void *work(void *userdata)
{
        struct worker *w = userdata;
        char msg[512], *buf = NULL;
        size_t cap = 0;
        double end = now_mono() + w->o->seconds;
        int fd = connect_socket(w->o->socket);

        if (fd < 0) {
                w->failed = fd;
                return NULL;
        }
        while (now_mono() < end) {
                enum op op = pick(w);
                int len = build_call(w, op, msg, sizeof(msg));
                double t0 = now_mono();
                int r = roundtrip(fd, msg, (size_t)len, &buf, &cap);

                if (r < 0) {
                        w->failed = r;
                        break;
                }
                if (r > 0)
                        w->errors++;
                if (samples_add(&w->lat[op], now_mono() - t0) < 0) {
                        w->failed = -ENOMEM;
                        break;
                }
        }
        free(buf);
        close(fd);
        return NULL;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static double percentile(const struct samples *s, double p)
{
        size_t i;

        if (!s->n)
                return 0;
        i = (size_t)(p * (double)(s->n - 1) + 0.5);
        return s->v[i < s->n ? i : s->n - 1];
}

/* get:find:due:log, optionally :info (older command lines give four weights). */
static int parse_mix(const char *s, unsigned w[OP_MAX])
{
        for (int i = 0; i < OP_MAX; i++) {
                char *end;
                unsigned long v = strtoul(s, &end, 10);

                if (end == s || (*end != ':' && *end != '\0'))
                        return -EINVAL;
                w[i] = (unsigned)v;
                if (*end == '\0') {
                        if (i < OP_LOG)
                                return -EINVAL;
                        for (int k = i + 1; k < OP_MAX; k++)
                                w[k] = 0;
                        return 0;
                }
                s = end + 1;
        }
        return -EINVAL;
}

static int usage(void)
{
        fprintf(stderr, "usage: tend-bench-load SOCKET [--connections K] [--seconds S] "
                        "[--mix get:find:due:log[:info]] [--contacts N] [--json]\n");
        return 2;
}

int main(int argc, char **argv)
{
        struct options o = {
            .connections = 8, .seconds = 10, .weights = {40, 30, 20, 10, 0}, .contacts = 100000};
        struct worker *ws;
        struct samples all[OP_MAX] = {0}, every = {0};
        uint64_t errors = 0, total = 0;
        double t0, elapsed;
        json_t *out;

        if (argc < 2)
                return usage();
        o.socket = argv[1];
        for (int i = 2; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

                if (strcmp(a, "--json") == 0) {
                        o.json = true;
                        continue;
                }
                if (!v)
                        return usage();
                i++;
                if (strcmp(a, "--connections") == 0)
                        o.connections = (unsigned)strtoul(v, NULL, 10);
                else if (strcmp(a, "--seconds") == 0)
                        o.seconds = strtod(v, NULL);
                else if (strcmp(a, "--contacts") == 0)
                        o.contacts = strtoull(v, NULL, 10);
                else if (strcmp(a, "--mix") != 0 || parse_mix(v, o.weights) < 0)
                        return usage();
        }
        if (o.connections == 0 || o.connections > 1000 || o.seconds <= 0 || o.seconds > 3600)
                return usage();
        ws = calloc(o.connections, sizeof(*ws));
        if (!ws)
                return 1;
        t0 = now_mono();
        for (unsigned i = 0; i < o.connections; i++) {
                ws[i].o = &o;
                ws[i].seed = 0x7e9d + i;
                if (pthread_create(&ws[i].thread, NULL, work, &ws[i]) != 0)
                        return 1;
        }
        for (unsigned i = 0; i < o.connections; i++)
                pthread_join(ws[i].thread, NULL);
        elapsed = now_mono() - t0;
        for (unsigned i = 0; i < o.connections; i++) {
                if (ws[i].failed)
                        fprintf(stderr, "connection %u: %s\n", i, strerror(-ws[i].failed));
                errors += ws[i].errors;
                for (int k = 0; k < OP_MAX; k++)
                        for (size_t j = 0; j < ws[i].lat[k].n; j++)
                                if (samples_add(&all[k], ws[i].lat[k].v[j]) < 0)
                                        return 1;
        }
        out = json_pack("{s:I,s:f,s:I,s:{}}", "connections", (json_int_t)o.connections, "seconds",
                        elapsed, "errors", (json_int_t)errors, "methods");
        for (int k = 0; k < OP_MAX; k++) {
                qsort_safe(all[k].v, all[k].n, sizeof(double), cmp_double);
                total += all[k].n;
                json_object_set_new(
                    json_object_get(out, "methods"), op_names[k],
                    json_pack("{s:I,s:f,s:f,s:f,s:f}", "calls", (json_int_t)all[k].n, "per_second",
                              (double)all[k].n / elapsed, "p50_ms", percentile(&all[k], 0.5) * 1e3,
                              "p99_ms", percentile(&all[k], 0.99) * 1e3, "p999_ms",
                              percentile(&all[k], 0.999) * 1e3));
        }
        json_object_set_new(out, "per_second", json_real((double)total / elapsed));
        /* Percentiles over every call, whatever its method. */
        for (int k = 0; k < OP_MAX; k++)
                for (size_t j = 0; j < all[k].n; j++)
                        if (samples_add(&every, all[k].v[j]) < 0)
                                return 1;
        qsort_safe(every.v, every.n, sizeof(double), cmp_double);
        json_object_set_new(out, "p50_ms", json_real(percentile(&every, 0.5) * 1e3));
        json_object_set_new(out, "p99_ms", json_real(percentile(&every, 0.99) * 1e3));
        json_object_set_new(out, "p999_ms", json_real(percentile(&every, 0.999) * 1e3));
        free(every.v);
        if (o.json) {
                json_dumpf(out, stdout, JSON_INDENT(2));
                putchar('\n');
        } else {
                printf("%u connections, %.1f s: %" PRIu64 " calls, %.0f calls/s, %" PRIu64
                       " error replies\n",
                       o.connections, elapsed, total, (double)total / elapsed, errors);
                printf("%-6s %10s %10s %9s %9s %9s\n", "method", "calls", "calls/s", "p50 ms",
                       "p99 ms", "p999 ms");
                for (int k = 0; k < OP_MAX; k++)
                        printf("%-6s %10zu %10.0f %9.3f %9.3f %9.3f\n", op_names[k], all[k].n,
                               (double)all[k].n / elapsed, percentile(&all[k], 0.5) * 1e3,
                               percentile(&all[k], 0.99) * 1e3, percentile(&all[k], 0.999) * 1e3);
        }
        json_decref(out);
        for (int k = 0; k < OP_MAX; k++)
                free(all[k].v);
        for (unsigned i = 0; i < o.connections; i++)
                for (int k = 0; k < OP_MAX; k++)
                        free(ws[i].lat[k].v);
        free(ws);
        return 0;
}
