/* Tests for daemon/log.c: structured entries in journald's native protocol, received on a
 * datagram socket owned by the test, and the plain stderr fallback. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

struct fixture {
        char dir[64];
        char path[128];
        int fd;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct sockaddr_un sa = {.sun_family = AF_UNIX};

        assert_non_null(f);
        strcpy(f->dir, "/tmp/tend-log-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof(f->path), "%s/journal", f->dir);
        f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        assert_true(f->fd >= 0);
        strcpy(sa.sun_path, f->path);
        assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        log_set_journal_socket(f->path);
        log_set_max_level(LOG_INFO);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        log_set_journal_socket(NULL);
        close(f->fd);
        unlink(f->path);
        rmdir(f->dir);
        free(f);
        return 0;
}

static ssize_t receive(struct fixture *f, char *buf, size_t size)
{
        return recv(f->fd, buf, size, 0);
}

/* Whether the entry holds the line "NAME=value\n". */
static bool has_line(const char *buf, size_t len, const char *line)
{
        size_t n = strlen(line);

        for (size_t i = 0; i + n <= len; i++)
                if ((i == 0 || buf[i - 1] == '\n') && memcmp(buf + i, line, n) == 0 &&
                    buf[i + n] == '\n')
                        return true;
        return false;
}

static void test_fields(void **state)
{
        struct fixture *f = *state;
        char buf[4096];
        ssize_t n;

        assert_int_equal(log_struct(LOG_NOTICE,
                                    LOG_FIELDS({"TEND_EVENT", "fired"}, {"TEND_CONTACT_ID", "42"},
                                               {"TEND_CONTACT_NAME", "Jane Doe"}),
                                    "Follow up with %s.", "Jane Doe"),
                         0);
        n = receive(f, buf, sizeof(buf));
        assert_true(n > 0);
        assert_true(has_line(buf, (size_t)n, "MESSAGE=Follow up with Jane Doe."));
        assert_true(has_line(buf, (size_t)n, "PRIORITY=5"));
        assert_true(has_line(buf, (size_t)n, "SYSLOG_IDENTIFIER=tendd"));
        assert_true(has_line(buf, (size_t)n, "TEND_EVENT=fired"));
        assert_true(has_line(buf, (size_t)n, "TEND_CONTACT_ID=42"));
        assert_true(has_line(buf, (size_t)n, "TEND_CONTACT_NAME=Jane Doe"));
        assert_int_equal(buf[n - 1], '\n');
}

static void test_invalid_names_dropped(void **state)
{
        struct fixture *f = *state;
        char buf[4096];
        ssize_t n;

        log_struct(LOG_INFO,
                   LOG_FIELDS({"lower", "x"}, {"_TRUSTED", "x"}, {"BAD-NAME", "x"}, {"", "x"},
                              {"SKIPPED", NULL}, {"GOOD_1", "y"}),
                   "m");
        n = receive(f, buf, sizeof(buf));
        assert_true(n > 0);
        assert_true(has_line(buf, (size_t)n, "GOOD_1=y"));
        assert_null(memmem(buf, (size_t)n, "lower", 5));
        assert_null(memmem(buf, (size_t)n, "_TRUSTED", 8));
        assert_null(memmem(buf, (size_t)n, "BAD-NAME", 8));
        assert_null(memmem(buf, (size_t)n, "SKIPPED", 7));
}

static void test_binary_value(void **state)
{
        struct fixture *f = *state;
        static const char expect[] = "TEND_BODY\n\x0b\0\0\0\0\0\0\0line1\nline2\n";
        char buf[4096];
        ssize_t n;

        log_struct(LOG_INFO, LOG_FIELDS({"TEND_BODY", "line1\nline2"}), "m");
        n = receive(f, buf, sizeof(buf));
        assert_true(n > 0);
        /* A value with a newline uses the length-prefixed form. */
        assert_non_null(memmem(buf, (size_t)n, expect, sizeof(expect) - 1));
}

static void test_priority_filter(void **state)
{
        struct fixture *f = *state;
        char buf[64];

        log_struct(LOG_DEBUG, NULL, "not shown at the default level");
        assert_true(receive(f, buf, sizeof(buf)) < 0 && errno == EAGAIN);
}

/* Without a journal the entry becomes a plain stderr line (fields shown with --verbose). */
static void test_fallback_to_stderr(void **state)
{
        struct fixture *f = *state;
        char path[160], buf[512];
        int saved = dup(STDERR_FILENO), fd;
        ssize_t n;

        snprintf(path, sizeof(path), "%s/stderr", f->dir);
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0 && saved >= 0);
        fflush(stderr);
        dup2(fd, STDERR_FILENO);

        log_set_journal_socket("/nonexistent/journal-socket");
        assert_true(log_struct(LOG_WARNING, LOG_FIELDS({"TEND_EVENT", "fired"}), "first") < 0);
        log_set_max_level(LOG_DEBUG);
        log_struct(LOG_WARNING, LOG_FIELDS({"TEND_EVENT", "fired"}, {"TEND_DUE", "2026"}),
                   "second");
        log_set_max_level(LOG_INFO);

        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        close(fd);
        unlink(path);
        assert_true(n > 0);
        buf[n] = '\0';
        /* Not the journal (JOURNAL_STREAM does not match here): plain lines. */
        assert_string_equal(buf, "tendd: warning: first\n"
                                 "tendd: warning: second [TEND_EVENT=fired TEND_DUE=2026]\n");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
            cmocka_unit_test_setup_teardown(test_invalid_names_dropped, setup, teardown),
            cmocka_unit_test_setup_teardown(test_binary_value, setup, teardown),
            cmocka_unit_test_setup_teardown(test_priority_filter, setup, teardown),
            cmocka_unit_test_setup_teardown(test_fallback_to_stderr, setup, teardown),
        };

        unsetenv("JOURNAL_STREAM");
        return cmocka_run_group_tests(tests, NULL, NULL);
}
