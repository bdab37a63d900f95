/* Tests for daemon/sdnotify.c: the status line, and the real messages a tendd object sends to
 * a $NOTIFY_SOCKET datagram socket owned by the test (READY=1, STATUS=, WATCHDOG=1,
 * RELOADING=1, STOPPING=1). Times are UTC (ctest sets TZ=UTC). */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "sdnotify.h"
#include "tendd.h"

/* 2026-03-03 (a Tuesday) 12:00:00 UTC */
#define NOW 1772539200

static void test_format_empty(void **state)
{
        struct sdnotify_summary s = {0};
        char buf[SDNOTIFY_STATUS_MAX];

        assert_string_equal(sdnotify_format_status(&s, NOW, buf, sizeof(buf)),
                            "0 contacts · no follow-ups scheduled");
        s.contacts = 1;
        assert_string_equal(sdnotify_format_status(&s, NOW, buf, sizeof(buf)),
                            "1 contact · no follow-ups scheduled");
}

static void test_format_next(void **state)
{
        struct sdnotify_summary s = {
            .contacts = 42, .next_due = NOW + 86400 - 3 * 3600, .next_name = "Jane Doe"};
        char buf[SDNOTIFY_STATUS_MAX];

        /* Within a week: the weekday. */
        assert_string_equal(sdnotify_format_status(&s, NOW, buf, sizeof(buf)),
                            "42 contacts · next follow-up Wed 09:00 · Jane Doe");
        /* Further away: the date. */
        s.next_due = NOW + 30 * 86400;
        assert_string_equal(sdnotify_format_status(&s, NOW, buf, sizeof(buf)),
                            "42 contacts · next follow-up 2026-04-02 12:00 · Jane Doe");
        /* No name known. */
        s.next_name = NULL;
        assert_string_equal(sdnotify_format_status(&s, NOW, buf, sizeof(buf)),
                            "42 contacts · next follow-up 2026-04-02 12:00");
}

static void test_format_due(void **state)
{
        struct sdnotify_summary s = {
            .contacts = 7, .due_now = 3, .next_due = NOW - 3600, .next_name = "Sam Lee"};
        char buf[SDNOTIFY_STATUS_MAX];

        assert_string_equal(sdnotify_format_status(&s, NOW, buf, sizeof(buf)),
                            "7 contacts · 3 follow-ups due · Sam Lee since Tue 11:00");
        s.due_now = 1;
        s.next_name = NULL;
        assert_string_equal(sdnotify_format_status(&s, NOW, buf, sizeof(buf)),
                            "7 contacts · 1 follow-up due · since Tue 11:00");
        s.due_now = 10000;
        s.next_name = "A";
        assert_string_equal(sdnotify_format_status(&s, NOW, buf, sizeof(buf)),
                            "7 contacts · 10000+ follow-ups due · A since Tue 11:00");
}

static void test_format_hostile_names(void **state)
{
        struct sdnotify_summary s = {
            .contacts = 1, .next_due = NOW + 60, .next_name = "Eve\nREADY=1\tX"};
        char buf[SDNOTIFY_STATUS_MAX], longname[600];

        sdnotify_format_status(&s, NOW, buf, sizeof(buf));
        assert_null(strchr(buf, '\n'));
        assert_string_equal(buf, "1 contact · next follow-up Tue 12:01 · Eve READY=1 X");

        /* A long name made of 2-byte characters is cut at a character boundary. */
        for (size_t i = 0; i + 2 < sizeof(longname); i += 2)
                memcpy(longname + i, "\xc3\xa9", 2);
        longname[sizeof(longname) - 2] = '\0';
        s.next_name = longname;
        sdnotify_format_status(&s, NOW, buf, sizeof(buf));
        assert_true(strlen(buf) < sizeof(buf));
        {
                size_t n = strlen(buf);

                /* The last character is complete: a 2-byte sequence ends the string. */
                assert_true((unsigned char)buf[n - 2] == 0xc3 && (unsigned char)buf[n - 1] == 0xa9);
        }
        /* A tiny buffer is still terminated. */
        sdnotify_format_status(&s, NOW, buf, 8);
        assert_int_equal(strlen(buf), 7);
}

/* ---- a real tendd talking to a test-owned notify socket ---- */

struct fixture {
        char dir[64];
        char notify[128];
        int fd;
        struct tendd *d;
};

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct sockaddr_un sa = {.sun_family = AF_UNIX};

        assert_non_null(f);
        strcpy(f->dir, "/tmp/tend-sdnotify-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->notify, sizeof(f->notify), "%s/notify", f->dir);
        f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        assert_true(f->fd >= 0);
        strcpy(sa.sun_path, f->notify);
        assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        setenv("NOTIFY_SOCKET", f->notify, 1);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        tendd_free(f->d);
        close(f->fd);
        unsetenv("NOTIFY_SOCKET");
        unsetenv("WATCHDOG_USEC");
        unsetenv("WATCHDOG_PID");
        nftw(f->dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
        free(f);
        return 0;
}

static void start(struct fixture *f)
{
        char data[128], sock[128];
        struct tendd_options o = {
            .data_dir = data, .socket_path = sock, .initial_map_size = 1 << 20};

        snprintf(data, sizeof(data), "%s/data", f->dir);
        snprintf(sock, sizeof(sock), "%s/run/tendd.sock", f->dir);
        assert_int_equal(tendd_new(&o, &f->d), 0);
        assert_non_null(f->d->sdnotify);
}

/* A message that must come is waited for this long: a busy host only makes it slower. */
#define WAIT_SECONDS 60.0

static double now_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Next datagram, or NULL when none arrived (the loop is stepped meanwhile for up to secs). */
static char *next_message(struct fixture *f, double secs, char *buf, size_t size)
{
        double end = now_seconds() + secs;

        do {
                ssize_t n = recv(f->fd, buf, size - 1, 0);

                if (n >= 0) {
                        buf[n] = '\0';
                        return buf;
                }
                assert_true(errno == EAGAIN);
                ev_run(f->d->loop, EVRUN_NOWAIT);
                usleep(10000);
        } while (now_seconds() < end);
        return NULL;
}

static void test_ready_and_stopping(void **state)
{
        struct fixture *f = *state;
        char buf[512];

        start(f);
        assert_true(sdnotify_enabled(f->d->sdnotify));
        assert_int_equal(sdnotify_watchdog_usec(f->d->sdnotify), 0);
        sdnotify_ready(f->d->sdnotify);
        assert_non_null(next_message(f, WAIT_SECONDS, buf, sizeof(buf)));
        assert_string_equal(buf, "READY=1");
        /* The status line follows from the loop's first turn. */
        assert_non_null(next_message(f, WAIT_SECONDS, buf, sizeof(buf)));
        assert_string_equal(buf, "STATUS=0 contacts · no follow-ups scheduled");

        /* A change that does not alter the line sends nothing. */
        sdnotify_status_changed(f->d->sdnotify);
        assert_null(next_message(f, 0.3, buf, sizeof(buf)));

        sdnotify_reloading(f->d->sdnotify);
        assert_non_null(next_message(f, WAIT_SECONDS, buf, sizeof(buf)));
        assert_memory_equal(buf, "RELOADING=1\nMONOTONIC_USEC=", 27);
        sdnotify_reloaded(f->d->sdnotify, false);
        assert_non_null(next_message(f, WAIT_SECONDS, buf, sizeof(buf)));
        assert_string_equal(buf, "READY=1\nSTATUS=Configuration rejected, old settings kept · "
                                 "0 contacts · no follow-ups scheduled");
        sdnotify_reloaded(f->d->sdnotify, true);
        assert_non_null(next_message(f, WAIT_SECONDS, buf, sizeof(buf)));
        assert_string_equal(buf, "READY=1\nSTATUS=0 contacts · no follow-ups scheduled");

        sdnotify_stopping(f->d->sdnotify);
        assert_non_null(next_message(f, WAIT_SECONDS, buf, sizeof(buf)));
        assert_string_equal(buf, "STOPPING=1\nSTATUS=Shutting down");
}

static void test_watchdog(void **state)
{
        struct fixture *f = *state;
        char buf[512], pid[32];
        unsigned pings = 0;

        setenv("WATCHDOG_USEC", "100000", 1);
        snprintf(pid, sizeof(pid), "%d", (int)getpid());
        setenv("WATCHDOG_PID", pid, 1);
        start(f);
        assert_int_equal(sdnotify_watchdog_usec(f->d->sdnotify), 100000);
        /* Read once: children must not inherit it. */
        assert_null(getenv("WATCHDOG_USEC"));
        assert_null(getenv("WATCHDOG_PID"));
        for (int i = 0; i < 3; i++) {
                assert_non_null(next_message(f, WAIT_SECONDS, buf, sizeof(buf)));
                if (streq(buf, "WATCHDOG=1"))
                        pings++;
        }
        assert_int_equal(pings, 3);
}

static void test_watchdog_other_pid(void **state)
{
        struct fixture *f = *state;
        char buf[512];

        setenv("WATCHDOG_USEC", "100000", 1);
        setenv("WATCHDOG_PID", "1", 1);
        start(f);
        assert_int_equal(sdnotify_watchdog_usec(f->d->sdnotify), 0);
        assert_null(next_message(f, 0.4, buf, sizeof(buf)));
}

static void test_disabled_without_socket(void **state)
{
        struct fixture *f = *state;
        char buf[512];

        unsetenv("NOTIFY_SOCKET");
        setenv("WATCHDOG_USEC", "100000", 1);
        start(f);
        assert_false(sdnotify_enabled(f->d->sdnotify));
        assert_int_equal(sdnotify_watchdog_usec(f->d->sdnotify), 0);
        sdnotify_ready(f->d->sdnotify);
        sdnotify_status_changed(f->d->sdnotify);
        sdnotify_stopping(f->d->sdnotify);
        assert_null(next_message(f, 0.3, buf, sizeof(buf)));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_format_empty),
            cmocka_unit_test(test_format_next),
            cmocka_unit_test(test_format_due),
            cmocka_unit_test(test_format_hostile_names),
            cmocka_unit_test_setup_teardown(test_ready_and_stopping, setup, teardown),
            cmocka_unit_test_setup_teardown(test_watchdog, setup, teardown),
            cmocka_unit_test_setup_teardown(test_watchdog_other_pid, setup, teardown),
            cmocka_unit_test_setup_teardown(test_disabled_without_socket, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
