/* The tend CLI: command table, argument checking before any call, exit codes, output formats
 * (tables, due wording, colour, JSON) and the error mapping, against a scripted fake tendd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"
#include "timeutil.h"
#include "util.h"

/* 2026-11-28T12:00:00Z, a Saturday; TZ=UTC under ctest. */
#define NOW 1795867200LL
#define DAY 86400LL

/* ---- running the CLI ---- */

struct result {
        int code;
        char *out;
        char *err;
};

static void result_done(struct result *r)
{
        free(r->out);
        free(r->err);
        *r = (struct result){0};
}

/* Run tend with the NULL-terminated args, input as stdin (a terminal when in_tty). */
static void run_full(struct result *res, const char *input, bool in_tty, bool color,
                     const char *const *args)
{
        char *argv[64];
        size_t out_len = 0, err_len = 0;
        int argc = 0;
        FILE *out, *err, *in = NULL;

        argv[argc++] = (char *)"tend";
        for (; *args; args++)
                argv[argc++] = (char *)*args;
        argv[argc] = NULL;

        *res = (struct result){0};
        out = open_memstream(&res->out, &out_len);
        err = open_memstream(&res->err, &err_len);
        assert_non_null(out);
        assert_non_null(err);
        if (input) {
                in = fmemopen((void *)input, strlen(input), "r");
                assert_non_null(in);
        }
        res->code = cli_run(
            &(struct cli_io){
                .out = out, .err = err, .in = in, .in_tty = in_tty, .color = color, .now = NOW},
            argc, argv);
        fclose(out);
        fclose(err);
        if (in)
                fclose(in);
}

#define RUN(res, ...) run_full(res, NULL, false, false, (const char *const[]){__VA_ARGS__, NULL})

/* ---- a scripted fake tendd ---- */

struct fake {
        char dir[40];
        char path[48];
        int listen_fd;
        const char *const *replies; /* one per request; "" closes instead, "!x" sends garbage */
        json_t *requests;           /* what the client sent, in order */
        pthread_t thread;
};

static int read_message(int fd, char **ret)
{
        size_t len = 0, cap = 256;
        char *buf = malloc(cap);

        for (;;) {
                char c;
                ssize_t n = read(fd, &c, 1);

                if (n <= 0) {
                        free(buf);
                        return -1;
                }
                if (len + 1 >= cap)
                        buf = realloc(buf, cap *= 2);
                buf[len++] = c;
                if (c == 0) {
                        *ret = buf;
                        return 0;
                }
        }
}

static void *fake_serve(void *userdata)
{
        struct fake *f = userdata;
        int fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);

        if (fd < 0)
                return NULL;
        for (const char *const *reply = f->replies; *reply; reply++) {
                char *msg;

                if (read_message(fd, &msg) < 0)
                        break;
                json_array_append_new(f->requests, json_loads(msg, 0, NULL));
                free(msg);
                if (!(*reply)[0])
                        break;
                if (write(fd, *reply, strlen(*reply) + 1) < 0)
                        break;
        }
        close(fd);
        return NULL;
}

static void fake_start(struct fake *f, const char *const *replies)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};

        snprintf(f->dir, sizeof(f->dir), "/tmp/test-cli-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof(f->path), "%s/s", f->dir);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
        f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(f->listen_fd >= 0);
        assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(f->listen_fd, 4), 0);
        f->replies = replies;
        f->requests = json_array();
        assert_int_equal(pthread_create(&f->thread, NULL, fake_serve, f), 0);
}

static void fake_stop(struct fake *f)
{
        shutdown(f->listen_fd, SHUT_RDWR); /* wakes accept() when the client never came */
        pthread_join(f->thread, NULL);
        close(f->listen_fd);
        unlink(f->path);
        rmdir(f->dir);
        json_decref(f->requests);
}

/* Run tend against the fake: --socket is put first. */
static void run_fake(struct result *res, struct fake *f, const char *input, bool in_tty, bool color,
                     const char *const *args)
{
        const char *full[64] = {"--socket", f->path};
        size_t n = 2;

        for (; *args; args++)
                full[n++] = *args;
        full[n] = NULL;
        run_full(res, input, in_tty, color, full);
}

#define RUN_FAKE(res, f, ...)                                                                      \
        run_fake(res, f, NULL, false, false, (const char *const[]){__VA_ARGS__, NULL})

static json_t *request(struct fake *f, size_t i)
{
        return json_array_get(f->requests, i);
}

static const char *request_method(struct fake *f, size_t i)
{
        return json_string_value(json_object_get(request(f, i), "method"));
}

static json_t *request_param(struct fake *f, size_t i, const char *key)
{
        return json_object_get(json_object_get(request(f, i), "parameters"), key);
}

/* A reply with contacts whose next_due is given in days from NOW (0 = none). */
#define CONTACT(id, name, nets, org, due)                                                          \
        "{\"id\":" #id ",\"uuid\":\"u\",\"name\":\"" name "\",\"networks\":" nets                  \
        ",\"scope\":null,\"emails\":[],\"phones\":[],\"urls\":[],\"org\":" org                     \
        ",\"title\":null,\"tags\":[],\"notes\":null,\"how_met\":null,\"met_via\":null,"            \
        "\"cadence_days\":null,\"cadence_seconds\":null,\"next_due\":" due                         \
        ",\"last_interaction\":null,\"last_kind\":null,\"created\":\"2026-11-01T00:00:00Z\","      \
        "\"updated\":\"2026-11-01T00:00:00Z\"}"

/* NOW ± 3 days, NOW + 2 h, as RFC 3339. */
#define DUE_OVERDUE_3D "\"2026-11-25T12:00:00Z\""
#define DUE_IN_3D      "\"2026-12-01T12:00:00Z\""
#define DUE_IN_2H      "\"2026-11-28T14:00:00Z\""

/* ---- the table ---- */

static void test_table_complete(void **state)
{
        static const struct {
                const char *verb;
                const char *options[28];
        } want[] = {
            {"add",
             {"network", "email", "phone", "url", "org", "title", "tag", "every", "due", "met-via",
              "how-met", "note", "internal", "external", "brings", "new"}},
            {"show", {NULL}},
            {"edit", {"name",       "new",      "network",    "drop-network", "email",
                      "drop-email", "phone",    "drop-phone", "url",          "drop-url",
                      "tag",        "untag",    "org",        "title",        "every",
                      "no-cadence", "due",      "no-due",     "met-via",      "how-met",
                      "note",       "internal", "external",   "brings",       "birthday"}},
            {"rm", {"yes"}},
            {"merge", {NULL}},
            {"dupes", {"limit"}},
            {"ls",
             {"network", "tag", "due-before", "org", "internal", "external", "sort", "limit"}},
            {"find", {NULL}},
            {"log", {"at", "gave", "got", "goal", "new-kind", "with"}},
            {"history", {"limit"}},
            {"interaction", {"at", "kind", "new-kind", "note", "gave", "got", "goal", "yes"}},
            {"agenda", {"clear"}},
            {"date", {"yearly", "remind"}},
            {"dates", {"within"}},
            {"kinds", {NULL}},
            {"due", {"within", "limit"}},
            {"snooze", {NULL}},
            {"done", {NULL}},
            {"watch", {NULL}},
            {"status", {NULL}},
            {"plan", {"limit"}},
            {"goal", {"by", "note", "why", "all", "new", "yes"}},
            {"prospect",
             {"goal", "why", "via", "plan", "org", "network", "every", "stage", "at", "all",
              "new"}},
            {"intro", {"note", "at", "by", "yes"}},
            {"knows", {"note", "strength"}},
            {"path", {"limit"}},
            {"graph", {"network", "format", "linked"}},
            {"org", {NULL}},
            {"ledger", {NULL}},
            {"health", {NULL}},
            {"profile", {"goal-every"}},
            {"me", {NULL}},
            {"import", {"format", "network", "tag", "dry-run", "strict"}},
            {"export", {"format", "out"}},
            {"backup", {"list"}},
            {"restore", {"data-dir", "force"}},
            {"sync", {NULL}},
            {"capture", {NULL}},
            {"conflicts", {NULL}},
            {"check", {"repair"}},
            {"undo", {"list", "limit"}},
            {"redo", {NULL}},
            {"demo", {"remove"}},
            {"help", {NULL}},
        };
        size_t n;
        const struct command *all = cli_commands(&n);

        assert_int_equal(n, ARRAY_SIZE(want));
        for (size_t i = 0; i < n; i++) {
                assert_non_null(all[i].verb);
                assert_non_null(all[i].args);
                assert_non_null(all[i].run);
                assert_non_null(all[i].summary);
                assert_true(strlen(all[i].summary) > 0);
                assert_non_null(all[i].options);
                for (const struct option_help *o = all[i].options; o->name; o++) {
                        assert_non_null(o->help);
                        assert_true(o->id >= CLI_OPT_JSON);
                }
        }
        for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
                const struct command *cmd = cli_find_command(want[i].verb);

                assert_non_null(cmd);
                for (size_t k = 0; want[i].options[k]; k++) {
                        bool found = false;

                        for (const struct option_help *o = cmd->options; o->name; o++)
                                found = found || streq(o->name, want[i].options[k]);
                        if (!found)
                                fail_msg("%s lacks --%s", want[i].verb, want[i].options[k]);
                }
        }
        for (const char *const *g =
                 (const char *const[]){"json", "socket", "help", "version", NULL};
             *g; g++) {
                bool found = false;

                for (const struct option_help *o = cli_global_options(); o->name; o++)
                        found = found || streq(o->name, *g);
                assert_true(found);
        }
        assert_null(cli_find_command("nope"));
}

static void test_help(void **state)
{
        struct result r;
        size_t n;
        const struct command *all = cli_commands(&n);

        RUN(&r, "--help");
        assert_int_equal(r.code, 0);
        for (size_t i = 0; i < n; i++)
                assert_non_null(strstr(r.out, all[i].verb));
        assert_non_null(strstr(r.out, "Exit status"));
        assert_non_null(strstr(r.out, "3  tendd could not be reached"));
        result_done(&r);

        for (size_t i = 0; i < n; i++) {
                RUN(&r, "help", all[i].verb);
                assert_int_equal(r.code, 0);
                assert_non_null(strstr(r.out, "Usage: tend "));
                for (const struct option_help *o = all[i].options; o->name; o++) {
                        char opt[64];

                        snprintf(opt, sizeof(opt), "--%s", o->name);
                        assert_non_null(strstr(r.out, opt));
                }
                result_done(&r);
        }

        RUN(&r, "log", "--help");
        assert_int_equal(r.code, 0);
        assert_non_null(strstr(r.out, "Usage: tend log WHO KIND [NOTE...] [OPTIONS]"));
        result_done(&r);

        RUN(&r, "--version");
        assert_int_equal(r.code, 0);
        assert_string_equal(r.out, "tend " TEND_VERSION "\n");
        result_done(&r);

        RUN(&r, "lst");
        assert_int_equal(r.code, CLI_EXIT_USAGE);
        assert_non_null(strstr(r.err, "did you mean 'ls'?"));
        result_done(&r);

        RUN(&r, "help", "shwo");
        assert_int_equal(r.code, CLI_EXIT_USAGE);
        assert_non_null(strstr(r.err, "did you mean 'show'?"));
        result_done(&r);

        assert_string_equal(cli_suggest("remove"), "rm");
        assert_string_equal(cli_suggest("hist"), "history");
        assert_null(cli_suggest("xyzzy"));
}

/* ---- errors under --json ---- */

static void test_json_errors(void **state)
{
        struct result r;
        json_t *e;

        RUN(&r, "--json", "add", " ");
        assert_int_equal(r.code, CLI_EXIT_USAGE);
        e = json_loads(r.err, 0, NULL);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(e, "error")), CLI_ERROR_USAGE);
        assert_string_equal(json_string_value(json_object_get(e, "message")), "NAME is empty");
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(e, "parameters"), "command")), "add");
        json_decref(e);
        result_done(&r);

        /* Before the parser reaches --json, too; nothing else on stderr. */
        RUN(&r, "nonsense", "--json");
        assert_int_equal(r.code, CLI_EXIT_USAGE);
        assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1); /* one line */
        e = json_loads(r.err, 0, NULL);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(e, "error")), CLI_ERROR_USAGE);
        json_decref(e);
        result_done(&r);

        RUN(&r, "--json", "--socket", "/nonexistent/tend-test/s", "ls");
        assert_int_equal(r.code, CLI_EXIT_UNREACHABLE);
        e = json_loads(r.err, 0, NULL);
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(e, "error")), CLI_ERROR_NO_DAEMON);
        json_decref(e);
        result_done(&r);

        /* After "--" it is a note, not an option. */
        RUN(&r, "--socket", "/nonexistent/tend-test/s", "log", "a", "", "--", "--json");
        assert_int_equal(r.code, CLI_EXIT_USAGE);
        assert_true(strncmp(r.err, "tend: ", 6) == 0);
        result_done(&r);
}

/* ---- usage errors: exit 2, nothing sent ---- */

static void expect_usage(const char *const *args, const char *needle)
{
        const char *full[32] = {"--socket", "/nonexistent/tend-test/s"};
        struct result r;
        size_t n = 2;

        for (; *args; args++)
                full[n++] = *args;
        full[n] = NULL;
        run_full(&r, NULL, false, false, full);
        if (r.code != CLI_EXIT_USAGE || !strstr(r.err, needle))
                fail_msg("%s %s: exit %d, stderr: %s", full[2], full[3] ? full[3] : "", r.code,
                         r.err);
        assert_string_equal(r.out, "");
        assert_null(strstr(r.err, "cannot reach"));
        result_done(&r);
}

#define EXPECT_USAGE(needle, ...) expect_usage((const char *const[]){__VA_ARGS__, NULL}, needle)

static void test_usage_errors(void **state)
{
        EXPECT_USAGE("invalid date 'someday' for --due", "add", "Jane", "--due", "someday");
        EXPECT_USAGE("'2026-02-30' for --due", "add", "Jane", "--due", "2026-02-30");
        EXPECT_USAGE("Try 'tend help add'.", "add", "Jane", "--due", "2026-02-30");
        EXPECT_USAGE("invalid duration '3x' for --every", "add", "Jane", "--every", "3x");
        EXPECT_USAGE("--no-cadence", "edit", "jane", "--every", "0");
        EXPECT_USAGE("unknown network 'foo' for --network", "add", "Jane", "--network", "foo");
        EXPECT_USAGE("unknown network 'xx'", "add", "Jane", "--network", "op,xx");
        EXPECT_USAGE("unknown network 'x'", "edit", "jane", "--drop-network", "x");
        EXPECT_USAGE("unknown option '--bogus' for 'add'", "add", "Jane", "--bogus");
        EXPECT_USAGE("unknown option '--bogus'", "--bogus", "ls");
        EXPECT_USAGE("option '--org' needs an argument", "add", "Jane", "--org");
        EXPECT_USAGE("option '--yes' takes no argument", "rm", "jane", "--yes=1");
        EXPECT_USAGE("missing NAME", "add");
        EXPECT_USAGE("missing KIND", "log", "jane");
        EXPECT_USAGE("missing DURATION|DATE", "snooze", "jane");
        EXPECT_USAGE("unexpected argument 'Doe'", "add", "Jane", "Doe");
        EXPECT_USAGE("unexpected argument 'b'", "show", "a", "b");
        EXPECT_USAGE("invalid limit 'abc'", "ls", "--limit", "abc");
        EXPECT_USAGE("invalid date 'soon' for --due-before", "ls", "--due-before", "soon");
        EXPECT_USAGE("one network at a time", "ls", "--network", "op,st");
        EXPECT_USAGE("invalid duration '2 fortnights' for --within", "due", "--within",
                     "2 fortnights");
        EXPECT_USAGE("invalid date 'later' for --at", "log", "jane", "coffee", "--at", "later");
        EXPECT_USAGE("invalid KIND 'coffee!'", "log", "jane", "coffee!");
        EXPECT_USAGE("invalid duration or date 'whenever'", "snooze", "jane", "whenever");
        EXPECT_USAGE("in the past", "snooze", "jane", "2020-01-01");
        EXPECT_USAGE("pass --yes", "rm", "jane");
        EXPECT_USAGE("--internal and --external", "add", "Jane", "--internal", "--external");
        EXPECT_USAGE("--due and --no-due", "edit", "jane", "--due", "tomorrow", "--no-due");
        EXPECT_USAGE("nothing to change", "edit", "jane");
        EXPECT_USAGE(
            "NAME is too long", "add",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        EXPECT_USAGE("unknown command 'frobnicate'", "frobnicate");
        EXPECT_USAGE("no command given", "--json");
}

/* ---- daemon unreachable: exit 3 ---- */

static void test_unreachable(void **state)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        char dir[] = "/tmp/test-cli-XXXXXX", path[64];
        struct result r;
        int fd;

        RUN(&r, "--socket", "/nonexistent/tend-test/s", "ls");
        assert_int_equal(r.code, CLI_EXIT_UNREACHABLE);
        assert_string_equal(r.err, "tend: cannot reach tendd at /nonexistent/tend-test/s (No such "
                                   "file or directory); start it with 'systemctl --user start "
                                   "tendd' or run 'tendd'\n");
        assert_string_equal(r.out, "");
        result_done(&r);

        /* A socket nobody listens on: ECONNREFUSED. */
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/s", dir);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        close(fd);
        RUN(&r, "status", "--socket", path);
        assert_int_equal(r.code, CLI_EXIT_UNREACHABLE);
        assert_non_null(strstr(r.err, "Connection refused"));
        result_done(&r);
        unlink(path);
        rmdir(dir);

        /* $TEND_SOCKET is used without --socket. */
        setenv("TEND_SOCKET", "/nonexistent/tend-test/env", 1);
        RUN(&r, "due");
        assert_int_equal(r.code, CLI_EXIT_UNREACHABLE);
        assert_non_null(strstr(r.err, "/nonexistent/tend-test/env"));
        result_done(&r);
        unsetenv("TEND_SOCKET");
}

/* ---- output helpers ---- */

static void test_text_width(void **state)
{
        assert_int_equal(output_text_width(""), 0);
        assert_int_equal(output_text_width("Bob"), 3);
        assert_int_equal(output_text_width("Zoë Åström"), 10);
        assert_int_equal(output_text_width("—"), 1);
        assert_int_equal(output_text_width("\xff"
                                           "a"),
                         2); /* invalid byte counts one */
        if (setlocale(LC_CTYPE, "C.UTF-8")) {
                assert_int_equal(output_text_width("日本"), 4);
                assert_int_equal(output_text_width("e\xcc\x81"), 1); /* combining acute */
                setlocale(LC_CTYPE, "C");
        }
}

/* A table printed in pieces: one header, and columns that only widen from piece to piece. */
static void test_table_pieces(void **state)
{
        static const struct output_column cols[] = {{"ID", true}, {"NAME", false}, {"ORG", false}};
        _cleanup_(output_table_freep) struct output_table *a = output_table_new(cols, 3);
        _cleanup_(output_table_freep) struct output_table *b = output_table_new(cols, 3);
        size_t widths[3] = {0}, len = 0;
        char *buf = NULL;
        FILE *f = open_memstream(&buf, &len);

        (void)state;
        assert_non_null(a);
        assert_non_null(b);
        assert_int_equal(output_table_add(a, "7", OUTPUT_PLAIN), 0);
        assert_int_equal(output_table_add(a, "Zoë Åström", OUTPUT_PLAIN), 0);
        assert_int_equal(output_table_add(a, "Café", OUTPUT_PLAIN), 0);
        assert_int_equal(output_table_add(b, "1200", OUTPUT_PLAIN), 0);
        assert_int_equal(output_table_add(b, "Bo", OUTPUT_PLAIN), 0);
        assert_int_equal(output_table_add(b, "X", OUTPUT_PLAIN), 0);
        output_table_print_piece(a, f, false, 0, widths, true);
        output_table_print_piece(b, f, false, 0, widths, false);
        fclose(f);
        assert_string_equal(buf, "ID  NAME        ORG\n"
                                 " 7  Zoë Åström  Café\n"
                                 "1200  Bo          X\n");
        assert_int_equal(widths[0], 4);
        assert_int_equal(widths[1], 10);
        free(buf);
}

static void test_table_alignment(void **state)
{
        static const struct output_column cols[] = {{"ID", true}, {"NAME", false}, {"ORG", false}};
        _cleanup_(output_table_freep) struct output_table *t = output_table_new(cols, 3);
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(t);
        assert_int_equal(output_table_add(t, "7", OUTPUT_PLAIN), 0);
        assert_int_equal(output_table_add(t, "Zoë Åström", OUTPUT_PLAIN), 0);
        assert_int_equal(output_table_add(t, "Café", OUTPUT_PLAIN), 0);
        assert_int_equal(output_table_add(t, "12", OUTPUT_PLAIN), 0);
        assert_int_equal(output_table_add(t, "Bob", OUTPUT_RED), 0);
        assert_int_equal(output_table_add(t, NULL, OUTPUT_PLAIN), 0);
        output_table_print(t, f, false, 0);
        fclose(f);
        assert_string_equal(buf, "ID  NAME        ORG\n"
                                 " 7  Zoë Åström  Café\n"
                                 "12  Bob         —\n");
        free(buf);

        /* Colour codes do not count towards the width. */
        buf = NULL;
        f = open_memstream(&buf, &len);
        output_table_print(t, f, true, 0);
        fclose(f);
        assert_non_null(strstr(buf, "\033[1;31mBob\033[0m         "));
        free(buf);
}

static char *wrapped(const char *text, size_t col, size_t width)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        output_wrapped(f, false, OUTPUT_PLAIN, text, col, width);
        fclose(f);
        return buf;
}

static void test_wrap(void **state)
{
        char *s;

        /* Text starting at column 4 of a 30-column line: 26 columns a line. */
        s = wrapped("the quick brown fox jumps over the lazy dog again and again", 4, 30);
        assert_string_equal(s, "the quick brown fox jumps\n"
                               "    over the lazy dog again\n"
                               "    and again");
        free(s);
        /* No width: as it is, its own lines indented. */
        s = wrapped("one two\nthree", 2, 0);
        assert_string_equal(s, "one two\n  three");
        free(s);
        /* Own line breaks kept, each wrapped; a long word stays whole. */
        s = wrapped("aaa bbb\nhttps://example.com/a/very/long/path ccc", 0, 22);
        assert_string_equal(s, "aaa bbb\nhttps://example.com/a/very/long/path\nccc");
        free(s);
        /* Width counts columns, not bytes. */
        s = wrapped("Zoë Åström Zoë Åström Zoë Åström", 0, 22);
        assert_string_equal(s, "Zoë Åström Zoë Åström\nZoë Åström");
        free(s);
        /* Too little room: still OUTPUT_WRAP_MIN columns of text a line. */
        s = wrapped("aaaa bbbb cccc dddd eeee ffff", 30, 35);
        assert_string_equal(s, "aaaa bbbb cccc dddd\n"
                               "                              eeee ffff");
        free(s);
        /* Fits: unchanged. */
        s = wrapped("short", 10, 80);
        assert_string_equal(s, "short");
        free(s);
}

static void test_due_wording(void **state)
{
        char buf[64];

        assert_string_equal(output_format_due(NOW - 3 * DAY, NOW, buf, sizeof(buf)),
                            "3 days overdue");
        assert_string_equal(output_format_due(NOW - DAY, NOW, buf, sizeof(buf)), "1 day overdue");
        /* Calendar days, not 24-hour periods: NOW is 12:00, so 37 hours back is the day
         * before yesterday and 13 hours back is yesterday. */
        assert_string_equal(output_format_due(NOW - 37 * 3600, NOW, buf, sizeof(buf)),
                            "2 days overdue");
        assert_string_equal(output_format_due(NOW - 13 * 3600, NOW, buf, sizeof(buf)),
                            "1 day overdue");
        assert_string_equal(output_format_due(NOW - 2 * 3600, NOW, buf, sizeof(buf)), "due today");
        assert_string_equal(output_format_due(NOW, NOW, buf, sizeof(buf)), "due today");
        assert_string_equal(output_format_due(NOW + 11 * 3600, NOW, buf, sizeof(buf)), "due today");
        assert_string_equal(output_format_due(NOW + 13 * 3600, NOW, buf, sizeof(buf)), "tomorrow");
        assert_string_equal(output_format_due(NOW + 2 * DAY, NOW, buf, sizeof(buf)), "in 2 days");
        assert_int_equal(output_due_style(NOW - 1, NOW), OUTPUT_RED);
        assert_int_equal(output_due_style(NOW + 3600, NOW), OUTPUT_YELLOW);
        assert_int_equal(output_due_style(NOW + 3 * DAY, NOW), OUTPUT_PLAIN);
}

static void test_color_wanted(void **state)
{
        assert_true(output_color_wanted(true, NULL, "xterm-256color"));
        assert_true(output_color_wanted(true, "", "xterm"));
        assert_true(output_color_wanted(true, NULL, NULL));
        assert_false(output_color_wanted(false, NULL, "xterm"));
        assert_false(output_color_wanted(true, "1", "xterm"));
        assert_false(output_color_wanted(true, NULL, "dumb"));
}

/* ---- against the fake daemon ---- */

#define LS_BOB  CONTACT(3, "Bob", "[\"personal\"]", "null", DUE_OVERDUE_3D)
#define LS_ZOE  CONTACT(12, "Zoë Åström", "[\"operational\",\"strategic\"]", "\"Café Ü\"", DUE_IN_3D)
#define LS_AL   CONTACT(7, "Al", "[]", "null", "null")
#define LS_BARE "{\"parameters\":{\"contacts\":[" LS_BOB "," LS_ZOE "," LS_AL "]}}"

static void test_ls_table(void **state)
{
        static const char *const replies[] = {
            LS_BARE,
            NULL,
        };
        struct fake f;
        struct result r;

        fake_start(&f, replies);
        RUN_FAKE(&r, &f, "ls", "--network", "str", "--tag", "eng", "--limit", "10");
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        assert_string_equal(r.err, "");
        assert_string_equal(r.out, "ID  NAME        NETWORKS  ORG     NEXT\n"
                                   " 3  Bob         pe        —       3 days overdue\n"
                                   "12  Zoë Åström  op,st     Café Ü  in 3 days\n"
                                   " 7  Al          —         —       —\n");
        result_done(&r);
}

static void test_ls_requests_and_json(void **state)
{
        static const char *const replies[] = {
            "{\"parameters\":{\"contacts\":[" CONTACT(1, "Ann", "[]", "null", "null") "]}}",
            NULL,
        };
        struct fake f;
        struct result r;
        json_t *j;

        fake_start(&f, replies);
        RUN_FAKE(&r, &f, "ls", "--network", "str", "--tag", "eng", "--due-before", "2026-12-01",
                 "--json");
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        j = json_loads(r.out, 0, NULL);
        assert_true(json_is_array(j));
        assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "name")),
                            "Ann");
        json_decref(j);
        result_done(&r);

        /* Global option before the verb works the same way. */
        fake_start(&f, replies);
        run_fake(&r, &f, NULL, false, false,
                 (const char *const[]){"--json", "ls", "--network", "str", "--tag", "eng",
                                       "--due-before", "2026-12-01", NULL});
        assert_string_equal(request_method(&f, 0), "io.tend.Contacts.List");
        assert_string_equal(json_string_value(request_param(&f, 0, "network")), "strategic");
        assert_string_equal(json_string_value(request_param(&f, 0, "tag")), "eng");
        assert_string_equal(json_string_value(request_param(&f, 0, "due_before")),
                            "2026-12-01T00:00:00Z");
        assert_null(request_param(&f, 0, "limit"));
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        assert_int_equal(r.out[0], '[');
        result_done(&r);

        /* Nothing found. */
        fake_start(&f, (const char *const[]){"{\"parameters\":{\"contacts\":[]}}", NULL});
        RUN_FAKE(&r, &f, "ls", "--tag", "none");
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        assert_string_equal(r.out, "No contacts match.\n");
        result_done(&r);
}

static void test_add_request(void **state)
{
        static const char *const replies[] = {
            "{\"parameters\":{\"contact\":" CONTACT(12, "Jane Doe", "[\"strategic\"]", "null",
                                                    "\"2026-12-12T12:00:00Z\"") "}}",
            NULL,
        };
        struct fake f;
        struct result r;
        json_t *nets;

        fake_start(&f, replies);
        RUN_FAKE(&r, &f, "add", "Jane Doe", "--network", "op,strategic", "--network", "pers",
                 "--every", "2w", "--due", "2026-12-12 12:00", "--email", "jane@example.com",
                 "--tag", "a", "--tag", "b", "--met-via", "bob", "--note", "hi", "--how-met",
                 "PyCon", "--external", "--url", "https://example.com/jane");
        assert_int_equal(r.code, 0);
        assert_string_equal(request_method(&f, 0), "io.tend.Contacts.Add");
        assert_string_equal(json_string_value(request_param(&f, 0, "name")), "Jane Doe");
        nets = request_param(&f, 0, "networks");
        assert_int_equal(json_array_size(nets), 3);
        assert_string_equal(json_string_value(json_array_get(nets, 0)), "operational");
        assert_string_equal(json_string_value(json_array_get(nets, 1)), "strategic");
        assert_string_equal(json_string_value(json_array_get(nets, 2)), "personal");
        assert_int_equal(json_integer_value(request_param(&f, 0, "cadence_seconds")), 14 * DAY);
        assert_string_equal(json_string_value(request_param(&f, 0, "next_due")),
                            "2026-12-12T12:00:00Z");
        assert_int_equal(json_array_size(request_param(&f, 0, "tags")), 2);
        assert_string_equal(json_string_value(request_param(&f, 0, "met_via")), "bob");
        assert_string_equal(json_string_value(request_param(&f, 0, "notes")), "hi");
        assert_string_equal(json_string_value(request_param(&f, 0, "how_met")), "PyCon");
        assert_string_equal(json_string_value(request_param(&f, 0, "scope")), "external");
        assert_int_equal(json_array_size(request_param(&f, 0, "urls")), 1);
        fake_stop(&f);
        assert_string_equal(r.out, "Added Jane Doe (#12), next follow-up in 2 weeks.\n");
        result_done(&r);
}

/* --due yesterday is yesterday at the preferred time, and at noon that is one day overdue. */
static void test_add_due_yesterday(void **state)
{
        static const char *const replies[] = {
            "{\"parameters\":{\"preferred_time\":\"09:00\"}}",
            "{\"parameters\":{\"contact\":" CONTACT(12, "Jane Doe", "[]", "null",
                                                    "\"2026-11-27T09:00:00Z\"") "}}",
            NULL,
        };
        struct fake f;
        struct result r;

        fake_start(&f, replies);
        RUN_FAKE(&r, &f, "add", "Jane Doe", "--due", "yesterday");
        assert_int_equal(r.code, 0);
        assert_string_equal(request_method(&f, 0), "io.tend.Service.Status");
        assert_string_equal(json_string_value(request_param(&f, 1, "next_due")),
                            "2026-11-27T09:00:00Z");
        fake_stop(&f);
        assert_string_equal(r.out, "Added Jane Doe (#12), next follow-up 1 day overdue.\n");
        result_done(&r);

        /* A bad option after --due is a usage error before tendd is asked anything. */
        RUN(&r, "--socket", "/nonexistent/s", "add", "Jane", "--due", "fri", "--every", "soon");
        assert_int_equal(r.code, 2);
        result_done(&r);
}

static void test_edit_request(void **state)
{
        static const char *const replies[] = {
            "{\"parameters\":{\"contact\":" CONTACT(12, "Jane Roe", "[]", "null", "null") "}}",
            NULL,
        };
        struct fake f;
        struct result r;

        fake_start(&f, replies);
        RUN_FAKE(&r, &f, "edit", "jane", "--name", "Jane Roe", "--untag", "old", "--tag", "new",
                 "--drop-network", "op", "--drop-email", "a@b.c", "--no-cadence", "--no-due",
                 "--org", "");
        assert_string_equal(request_method(&f, 0), "io.tend.Contacts.Update");
        assert_string_equal(json_string_value(request_param(&f, 0, "who")), "jane");
        assert_string_equal(json_string_value(request_param(&f, 0, "name")), "Jane Roe");
        assert_string_equal(
            json_string_value(json_array_get(request_param(&f, 0, "remove_tags"), 0)), "old");
        assert_string_equal(json_string_value(json_array_get(request_param(&f, 0, "add_tags"), 0)),
                            "new");
        assert_string_equal(
            json_string_value(json_array_get(request_param(&f, 0, "remove_networks"), 0)),
            "operational");
        assert_string_equal(
            json_string_value(json_array_get(request_param(&f, 0, "remove_emails"), 0)), "a@b.c");
        assert_int_equal(json_integer_value(request_param(&f, 0, "cadence_seconds")), 0);
        assert_true(json_is_true(request_param(&f, 0, "clear_due")));
        assert_string_equal(json_string_value(request_param(&f, 0, "org")), "");
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        assert_string_equal(r.out, "Updated Jane Roe (#12).\n");
        result_done(&r);
}

static void test_errors(void **state)
{
        struct fake f;
        struct result r;

        fake_start(&f, (const char *const[]){
                           "{\"error\":\"io.tend.Contacts.NoSuchContact\",\"parameters\":{"
                           "\"who\":\"xyz\"}}",
                           NULL});
        RUN_FAKE(&r, &f, "show", "xyz");
        fake_stop(&f);
        assert_int_equal(r.code, CLI_EXIT_FAILED);
        assert_string_equal(r.err, "tend: no contact matches 'xyz'\n");
        assert_string_equal(r.out, "");
        result_done(&r);

        fake_start(&f, (const char *const[]){
                           "{\"error\":\"io.tend.Contacts.AmbiguousContact\",\"parameters\":{"
                           "\"who\":\"jo\",\"candidates\":[{\"id\":12,\"name\":\"Jo Smith\"},"
                           "{\"id\":4,\"name\":\"Joanne Roe\"},{\"id\":140,\"name\":\"Jon "
                           "Bee\"}]}}",
                           NULL});
        RUN_FAKE(&r, &f, "history", "jo");
        fake_stop(&f);
        assert_int_equal(r.code, CLI_EXIT_FAILED);
        assert_string_equal(r.err, "tend: 'jo' matches 3 contacts:\n"
                                   "  #12   Jo Smith\n"
                                   "  #4    Joanne Roe\n"
                                   "  #140  Jon Bee\n"
                                   "Name one by its id instead, e.g. 'tend history 12'.\n");
        result_done(&r);

        fake_start(&f, (const char *const[]){
                           "{\"error\":\"io.tend.Service.InvalidValue\",\"parameters\":{"
                           "\"parameter\":\"emails\",\"reason\":\"not an email address\"}}",
                           NULL});
        RUN_FAKE(&r, &f, "add", "X", "--email", "nope");
        fake_stop(&f);
        assert_int_equal(r.code, CLI_EXIT_FAILED);
        assert_string_equal(r.err, "tend: invalid emails: not an email address\n");
        result_done(&r);

        fake_start(&f, (const char *const[]){
                           "{\"error\":\"io.tend.Contacts.EmailInUse\",\"parameters\":{"
                           "\"email\":\"a@b.c\",\"contact\":{\"id\":3,\"name\":\"Ann\"}}}",
                           NULL});
        RUN_FAKE(&r, &f, "edit", "bob", "--email", "a@b.c");
        fake_stop(&f);
        assert_int_equal(r.code, CLI_EXIT_FAILED);
        assert_string_equal(r.err, "tend: a@b.c already belongs to Ann (#3); if they are one "
                                   "person, 'tend merge 3 bob' makes one record of two\n");
        result_done(&r);

        fake_start(&f, (const char *const[]){"{\"error\":\"org.varlink.service.InvalidParameter\","
                                             "\"parameters\":{\"parameter\":\"limit\"}}",
                                             NULL});
        RUN_FAKE(&r, &f, "due");
        fake_stop(&f);
        assert_int_equal(r.code, CLI_EXIT_FAILED);
        assert_non_null(strstr(r.err, "'limit'"));
        result_done(&r);

        fake_start(&f, (const char *const[]){"{\"error\":\"io.tend.Service.DiskFull\"}", NULL});
        RUN_FAKE(&r, &f, "log", "ann", "coffee");
        fake_stop(&f);
        assert_int_equal(r.code, CLI_EXIT_FAILED);
        assert_non_null(strstr(r.err, "disk is full"));
        result_done(&r);

        fake_start(&f, (const char *const[]){
                           "{\"error\":\"com.example.Odd\",\"parameters\":{\"x\":1}}", NULL});
        RUN_FAKE(&r, &f, "status");
        fake_stop(&f);
        assert_int_equal(r.code, CLI_EXIT_FAILED);
        assert_non_null(strstr(r.err, "com.example.Odd {\"x\":1}"));
        result_done(&r);

        /* Garbage and a daemon that hangs up. */
        fake_start(&f, (const char *const[]){"[1,2", NULL});
        RUN_FAKE(&r, &f, "status");
        fake_stop(&f);
        assert_int_equal(r.code, CLI_EXIT_FAILED);
        assert_non_null(strstr(r.err, "not a varlink reply"));
        result_done(&r);

        fake_start(&f, (const char *const[]){"", NULL});
        RUN_FAKE(&r, &f, "status");
        fake_stop(&f);
        assert_int_equal(r.code, CLI_EXIT_FAILED);
        assert_non_null(strstr(r.err, "closed the connection"));
        result_done(&r);
}

static void test_show(void **state)
{
        static const char *const replies[] = {
            "{\"parameters\":{\"contact\":{\"id\":12,\"uuid\":\"u\",\"name\":\"Jane Doe\","
            "\"networks\":[\"strategic\",\"personal\"],\"scope\":\"external\",\"emails\":["
            "\"jane@example.com\"],\"phones\":[],\"urls\":[],\"org\":\"Acme\",\"title\":"
            "\"CTO\",\"tags\":[\"mentor\"],\"notes\":\"line one\\nline two\",\"how_met\":null,"
            "\"met_via\":{\"id\":3,\"name\":\"Bob\"},\"cadence_days\":14,\"cadence_seconds\":"
            "1209600,\"next_due\":" DUE_IN_3D ",\"last_interaction\":\"2026-11-18T12:00:00Z\","
            "\"last_kind\":\"coffee\",\"created\":\"2026-11-01T00:00:00Z\",\"updated\":"
            "\"2026-11-01T00:00:00Z\"},\"interaction_count\":7}}",
            "{\"parameters\":{\"contact\":{\"id\":12,\"name\":\"Jane Doe\"},\"interactions\":[{"
            "\"uuid\":\"i\",\"contact\":{\"id\":12,\"name\":\"Jane Doe\"},\"at\":"
            "\"2026-11-18T12:00:00Z\",\"kind\":\"coffee\",\"note\":\"AI\",\"gave\":\"intro\","
            "\"got\":null}]}}",
            NULL,
        };
        struct fake f;
        struct result r;
        json_t *j;

        fake_start(&f, replies);
        RUN_FAKE(&r, &f, "show", "jane");
        assert_string_equal(request_method(&f, 0), "io.tend.Contacts.Get");
        assert_string_equal(request_method(&f, 1), "io.tend.Interactions.List");
        assert_string_equal(json_string_value(request_param(&f, 1, "who")), "12");
        assert_int_equal(json_integer_value(request_param(&f, 1, "limit")), 5);
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        assert_string_equal(r.out,
                            "Name:              Jane Doe (#12)\n"
                            "Networks:          strategic, personal\n"
                            "Scope:             external\n"
                            "Emails:            jane@example.com\n"
                            "Org/Title:         Acme / CTO\n"
                            "Tags:              mentor\n"
                            "Met via:           Bob (#3)\n"
                            "Cadence:           every 2w\n"
                            "Next follow-up:    Tue 2026-12-01 12:00 (in 3 days)\n"
                            "Last interaction:  coffee, 10 days ago\n"
                            "Notes:             line one\n"
                            "                   line two\n"
                            "Added:             Sun 2026-11-01 00:00 (4 weeks ago)\n"
                            "\n"
                            "Recent interactions (1 of 7):\n"
                            "  Wed 2026-11-18 12:00  10 days ago  coffee  AI; gave: intro\n");
        result_done(&r);

        fake_start(&f, replies);
        RUN_FAKE(&r, &f, "show", "jane", "--json");
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        j = json_loads(r.out, 0, NULL);
        assert_int_equal(json_integer_value(json_object_get(j, "id")), 12);
        assert_int_equal(json_array_size(json_object_get(j, "interactions")), 1);
        assert_int_equal(json_integer_value(json_object_get(j, "interaction_count")), 7);
        json_decref(j);
        result_done(&r);
}

static void test_rm(void **state)
{
        static const char *const replies[] = {
            "{\"parameters\":{\"contact\":{\"id\":12,\"name\":\"Jane Doe\"},\"dry_run\":true,"
            "\"cascade\":{\"contact\":{\"id\":12,\"name\":\"Jane Doe\"},\"interactions\":4,"
            "\"introductions\":[{\"id\":3,\"with\":{\"id\":5,\"name\":\"Bo Lin\"}}],"
            "\"goal_links\":[{\"id\":2,\"title\":\"Raise\"}],"
            "\"met_via_of\":[{\"id\":7,\"name\":\"Fatima Zahra\"}],\"prospect_via_of\":[]}}}",
            "{\"parameters\":{\"contact\":{\"id\":12,\"name\":\"Jane Doe\"},\"dry_run\":false,"
            "\"cascade\":{\"contact\":{\"id\":12,\"name\":\"Jane Doe\"},\"interactions\":0,"
            "\"introductions\":[],\"goal_links\":[],\"met_via_of\":[],\"prospect_via_of\":[]}}}",
            NULL,
        };
        struct fake f;
        struct result r;

        /* First a dry run says what goes and what changes elsewhere; then exactly that person. */
        fake_start(&f, replies);
        run_fake(&r, &f, "y\n", true, false, (const char *const[]){"rm", "jane", NULL});
        assert_string_equal(request_method(&f, 0), "io.tend.Contacts.Remove");
        assert_true(json_is_true(request_param(&f, 0, "dry_run")));
        assert_string_equal(request_method(&f, 1), "io.tend.Contacts.Remove");
        assert_string_equal(json_string_value(request_param(&f, 1, "who")), "12");
        assert_null(request_param(&f, 1, "dry_run"));
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        assert_string_equal(r.err, "Removing Jane Doe (#12):\n"
                                   "  4 interactions go\n"
                                   "  introduction #3 with Bo Lin (#5) goes\n"
                                   "  link to goal #2 \"Raise\" goes\n"
                                   "  met via them: Fatima Zahra (#7) — keep \"Jane Doe\" as text\n"
                                   "Remove Jane Doe (#12)? [y/N] ");
        assert_string_equal(r.out, "Removed Jane Doe (#12).\n");
        result_done(&r);

        /* Declined: only the dry run went out. */
        fake_start(&f, replies);
        run_fake(&r, &f, "\n", true, false, (const char *const[]){"rm", "jane", NULL});
        assert_int_equal(json_array_size(f.requests), 1);
        fake_stop(&f);
        assert_int_equal(r.code, CLI_EXIT_FAILED);
        assert_non_null(strstr(r.err, "nothing removed"));
        assert_string_equal(r.out, "");
        result_done(&r);

        /* --yes removes at once; --json prints {"removed": …, "cascade": …}. */
        fake_start(&f, replies + 1);
        RUN_FAKE(&r, &f, "rm", "--yes", "jane", "--json");
        assert_string_equal(request_method(&f, 0), "io.tend.Contacts.Remove");
        assert_string_equal(json_string_value(request_param(&f, 0, "who")), "jane");
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        assert_non_null(strstr(r.out, "\"removed\": {"));
        assert_non_null(strstr(r.out, "\"cascade\": {"));
        result_done(&r);
}

static void test_interaction_rm_asks(void **state)
{
        static const char *const replies[] = {
            "{\"parameters\":{\"interaction\":{\"id\":17,\"uuid\":\"i\",\"contact\":{\"id\":12,"
            "\"name\":\"Jane Doe\"},\"at\":\"2026-11-18T12:00:00Z\",\"kind\":\"coffee\","
            "\"note\":null,\"gave\":null,\"got\":null,\"goal_id\":null,\"goal\":null}}}",
            "{\"parameters\":{\"interaction\":{\"id\":17,\"uuid\":\"i\",\"contact\":{\"id\":12,"
            "\"name\":\"Jane Doe\"},\"at\":\"2026-11-18T12:00:00Z\",\"kind\":\"coffee\","
            "\"note\":null,\"gave\":null,\"got\":null,\"goal_id\":null,\"goal\":null},"
            "\"next_due\":\"2026-12-12T12:00:00Z\"}}",
            NULL,
        };
        struct fake f;
        struct result r;

        fake_start(&f, replies);
        run_fake(&r, &f, "y\n", true, false,
                 (const char *const[]){"interaction", "rm", "#17", NULL});
        assert_string_equal(request_method(&f, 0), "io.tend.Interactions.Get");
        assert_string_equal(request_method(&f, 1), "io.tend.Interactions.Remove");
        assert_int_equal(json_integer_value(request_param(&f, 1, "id")), 17);
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        assert_string_equal(r.err,
                            "Remove interaction #17 (coffee with Jane Doe, Wed 2026-11-18 12:00)? "
                            "[y/N] ");
        assert_string_equal(r.out, "Removed #17 (coffee with Jane Doe, Wed 2026-11-18 12:00); next "
                                   "follow-up Sat 2026-12-12 (in 2 weeks).\n");
        result_done(&r);

        /* Declined: only the Get went out. */
        fake_start(&f, replies);
        run_fake(&r, &f, "\n", true, false, (const char *const[]){"interaction", "rm", "17", NULL});
        assert_int_equal(json_array_size(f.requests), 1);
        fake_stop(&f);
        assert_int_equal(r.code, CLI_EXIT_FAILED);
        assert_non_null(strstr(r.err, "nothing removed"));
        result_done(&r);

        /* No terminal, no --yes: nothing is sent. */
        fake_start(&f, replies);
        RUN_FAKE(&r, &f, "interaction", "rm", "17");
        assert_int_equal(json_array_size(f.requests), 0);
        fake_stop(&f);
        assert_int_equal(r.code, CLI_EXIT_USAGE);
        result_done(&r);

        /* Not an id. */
        fake_start(&f, replies);
        RUN_FAKE(&r, &f, "interaction", "edit", "jane", "--note", "x");
        assert_int_equal(json_array_size(f.requests), 0);
        fake_stop(&f);
        assert_int_equal(r.code, CLI_EXIT_USAGE);
        result_done(&r);
}

static void test_log_due_history_snooze(void **state)
{
        struct fake f;
        struct result r;

        fake_start(&f, (const char *const[]){
                           "{\"parameters\":{\"interaction\":{\"uuid\":\"i\",\"contact\":{"
                           "\"id\":12,\"name\":\"Jane Doe\"},\"at\":\"2026-11-28T12:00:00Z\","
                           "\"kind\":\"informational-interview\",\"note\":\"a b\",\"gave\":"
                           "null,\"got\":\"tip\"},\"next_due\":\"2026-12-12T12:00:00Z\"}}",
                           NULL});
        RUN_FAKE(&r, &f, "log", "jane", "Informational Interview", "a", "b", "--got", "tip", "--at",
                 "now");
        assert_string_equal(request_method(&f, 0), "io.tend.Interactions.Log");
        assert_string_equal(json_string_value(request_param(&f, 0, "kind")),
                            "informational-interview");
        assert_string_equal(json_string_value(request_param(&f, 0, "note")), "a b");
        assert_string_equal(json_string_value(request_param(&f, 0, "got")), "tip");
        assert_string_equal(json_string_value(request_param(&f, 0, "at")), "2026-11-28T12:00:00Z");
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        assert_string_equal(r.out, "Logged informational-interview with Jane Doe; next follow-up "
                                   "Sat 2026-12-12 (in 2 weeks).\n");
        result_done(&r);

        /* --at yesterday: a day ago at this time of day, shown as "yesterday". */
        fake_start(&f, (const char *const[]){
                           "{\"parameters\":{\"interaction\":{\"kind\":\"call\",\"contact\":{"
                           "\"id\":12,\"name\":\"Jane Doe\"},\"at\":\"2026-11-27T12:00:00Z\"},"
                           "\"next_due\":null}}",
                           NULL});
        RUN_FAKE(&r, &f, "log", "jane", "call", "--at", "yesterday");
        assert_string_equal(json_string_value(request_param(&f, 0, "at")), "2026-11-27T12:00:00Z");
        assert_int_equal(r.code, 0);
        result_done(&r);
        fake_stop(&f);
        fake_start(&f, (const char *const[]){
                           "{\"parameters\":{\"contact\":{\"id\":12,\"name\":\"Jane Doe\"},"
                           "\"interactions\":[{\"kind\":\"call\",\"at\":\"2026-11-27T12:00:00Z\"}"
                           "]}}",
                           NULL});
        RUN_FAKE(&r, &f, "history", "jane");
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        assert_non_null(strstr(r.out, "Fri 2026-11-27 12:00  yesterday  call"));
        result_done(&r);

        /* "--" ends options: a note may start with a dash. */
        fake_start(&f, (const char *const[]){
                           "{\"parameters\":{\"interaction\":{\"kind\":\"call\",\"contact\":{"
                           "\"id\":1,\"name\":\"A\"}},\"next_due\":null}}",
                           NULL});
        RUN_FAKE(&r, &f, "log", "a", "call", "--", "-5 degrees", "--at");
        assert_string_equal(json_string_value(request_param(&f, 0, "note")), "-5 degrees --at");
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        assert_string_equal(r.out, "Logged call with A.\n");
        result_done(&r);

        fake_start(&f, (const char *const[]){
                           "{\"parameters\":{\"now\":\"2026-11-28T12:00:00Z\",\"contacts\":["
                           "{\"id\":3,\"name\":\"Bob\",\"next_due\":" DUE_OVERDUE_3D
                           ",\"last_interaction\":\"2026-10-28T12:00:00Z\",\"last_kind\":"
                           "\"call\"},{\"id\":12,\"name\":\"Zoë\",\"next_due\":" DUE_IN_2H
                           ",\"last_interaction\":null,\"last_kind\":null}]}}",
                           NULL});
        RUN_FAKE(&r, &f, "due", "--within", "1d");
        assert_string_equal(request_method(&f, 0), "io.tend.FollowUps.Due");
        assert_int_equal(json_integer_value(request_param(&f, 0, "within_seconds")), DAY);
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        assert_string_equal(r.out, "ID  NAME  DUE             LAST\n"
                                   " 3  Bob   3 days overdue  call, 4 weeks ago\n"
                                   "12  Zoë   due today       —\n");
        result_done(&r);

        fake_start(
            &f, (const char *const[]){
                    "{\"parameters\":{\"now\":\"2026-11-28T12:00:00Z\",\"contacts\":[]}}", NULL});
        RUN_FAKE(&r, &f, "due");
        fake_stop(&f);
        assert_string_equal(r.out, "Nobody is due for a follow-up.\n");
        result_done(&r);

        fake_start(&f, (const char *const[]){
                           "{\"parameters\":{\"contact\":{\"id\":12,\"name\":\"Jane Doe\"},"
                           "\"next_due\":\"2026-12-01T12:00:00Z\"}}",
                           NULL});
        RUN_FAKE(&r, &f, "snooze", "jane", "3", "days");
        assert_string_equal(request_method(&f, 0), "io.tend.FollowUps.Snooze");
        assert_string_equal(json_string_value(request_param(&f, 0, "until")),
                            "2026-12-01T12:00:00Z");
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        assert_string_equal(r.out,
                            "Snoozed Jane Doe (#12) until Tue 2026-12-01 12:00 (in 3 days).\n");
        result_done(&r);

        /* A day without a time: at tendd's preferred notification time. */
        fake_start(&f, (const char *const[]){
                           "{\"parameters\":{\"preferred_time\":\"08:30\"}}",
                           "{\"parameters\":{\"contact\":{\"id\":12,\"name\":\"Jane Doe\"},"
                           "\"next_due\":\"2026-12-01T08:30:00Z\"}}",
                           NULL});
        RUN_FAKE(&r, &f, "snooze", "jane", "2026-12-01");
        assert_string_equal(request_method(&f, 0), "io.tend.Service.Status");
        assert_string_equal(request_method(&f, 1), "io.tend.FollowUps.Snooze");
        assert_string_equal(json_string_value(request_param(&f, 1, "until")),
                            "2026-12-01T08:30:00Z");
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        result_done(&r);

        /* A tendd that does not say: its default, 09:00. Next Friday from Saturday the 28th. */
        fake_start(&f, (const char *const[]){
                           "{\"parameters\":{}}",
                           "{\"parameters\":{\"contact\":{\"id\":12,\"name\":\"Jane Doe\"},"
                           "\"next_due\":\"2026-12-04T09:00:00Z\"}}",
                           NULL});
        RUN_FAKE(&r, &f, "snooze", "jane", "next", "fri");
        assert_string_equal(json_string_value(request_param(&f, 1, "until")),
                            "2026-12-04T09:00:00Z");
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        result_done(&r);

        /* With a time, tendd is not asked. */
        fake_start(&f, (const char *const[]){
                           "{\"parameters\":{\"contact\":{\"id\":12,\"name\":\"Jane Doe\"},"
                           "\"next_due\":\"2026-12-04T14:00:00Z\"}}",
                           NULL});
        RUN_FAKE(&r, &f, "snooze", "jane", "fri", "14:00");
        assert_string_equal(request_method(&f, 0), "io.tend.FollowUps.Snooze");
        assert_string_equal(json_string_value(request_param(&f, 0, "until")),
                            "2026-12-04T14:00:00Z");
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        result_done(&r);
}

static void test_color(void **state)
{
        static const char *const replies[] = {
            "{\"parameters\":{\"contacts\":[" CONTACT(3, "Bob", "[]", "null", DUE_OVERDUE_3D) "]}}",
            NULL,
        };
        struct fake f;
        struct result r;

        /* Not a terminal (cli_main on a memory stream): no escapes, even with TERM set. */
        fake_start(&f, replies);
        {
                char *out = NULL, *err = NULL;
                size_t ol = 0, el = 0;
                FILE *o = open_memstream(&out, &ol), *e = open_memstream(&err, &el);
                char *argv[] = {(char *)"tend", (char *)"--socket", f.path, (char *)"ls", NULL};

                setenv("TERM", "xterm", 1);
                unsetenv("NO_COLOR");
                assert_int_equal(cli_main(4, argv, o, e), 0);
                fclose(o);
                fclose(e);
                assert_null(strstr(out, "\033["));
                assert_non_null(strstr(out, "Bob")); /* cli_main runs at the real time */
                free(out);
                free(err);
        }
        fake_stop(&f);

        /* Colour on: the overdue date is red. */
        fake_start(&f, replies);
        run_fake(&r, &f, NULL, false, true, (const char *const[]){"ls", NULL});
        fake_stop(&f);
        assert_non_null(strstr(r.out, "\033[1;31m3 days overdue\033[0m"));
        result_done(&r);

        /* A real terminal: colour unless NO_COLOR is set. */
        for (int no_color = 0; no_color < 2; no_color++) {
                int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), slave;
                char buf[4096];
                ssize_t n;
                FILE *o;
                char *err = NULL;
                size_t el = 0;
                FILE *e = open_memstream(&err, &el);
                char *argv[] = {(char *)"tend", (char *)"--socket", f.path, (char *)"ls", NULL};

                if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
                        if (master >= 0)
                                close(master);
                        fclose(e);
                        free(err);
                        skip();
                }
                slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
                assert_true(slave >= 0);
                o = fdopen(slave, "w");
                if (no_color)
                        setenv("NO_COLOR", "1", 1);
                fake_start(&f, replies);
                argv[2] = f.path;
                assert_int_equal(cli_main(4, argv, o, e), 0);
                fake_stop(&f);
                fclose(o);
                unsetenv("NO_COLOR");
                n = read(master, buf, sizeof(buf) - 1);
                assert_true(n > 0);
                buf[n] = 0;
                if (no_color)
                        assert_null(strstr(buf, "\033["));
                else
                        assert_non_null(strstr(buf, "\033[1m"));
                close(master);
                fclose(e);
                free(err);
        }
}

static void test_status(void **state)
{
        struct fake f;
        struct result r;

        fake_start(&f, (const char *const[]){
                           "{\"parameters\":{\"version\":\"0.1.0\",\"pid\":42,"
                           "\"uptime_seconds\":3725,\"data_dir\":\"/d\",\"socket\":\"/s\","
                           "\"contacts\":5,\"due_now\":0,\"next_due\":" DUE_IN_3D
                           ",\"next_contact\":{\"id\":2,\"name\":\"Ann\"},\"map_size\":"
                           "67108864,\"connections\":1}}",
                           NULL});
        RUN_FAKE(&r, &f, "status");
        assert_string_equal(request_method(&f, 0), "io.tend.Service.Status");
        fake_stop(&f);
        assert_int_equal(r.code, 0);
        assert_string_equal(r.out, "version:      0.1.0 (tend " TEND_VERSION ")\n"
                                   "pid:          42\n"
                                   "uptime:       1h 2m\n"
                                   "socket:       /s\n"
                                   "data dir:     /d\n"
                                   "contacts:     5\n"
                                   "due now:      0\n"
                                   "next due:     Ann (#2), Tue 2026-12-01 12:00 (in 3 days)\n"
                                   "map size:     64.0 MiB\n"
                                   "connections:  1\n");
        result_done(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_table_complete),
            cmocka_unit_test(test_help),
            cmocka_unit_test(test_usage_errors),
            cmocka_unit_test(test_unreachable),
            cmocka_unit_test(test_text_width),
            cmocka_unit_test(test_table_alignment),
            cmocka_unit_test(test_table_pieces),
            cmocka_unit_test(test_wrap),
            cmocka_unit_test(test_due_wording),
            cmocka_unit_test(test_color_wanted),
            cmocka_unit_test(test_ls_table),
            cmocka_unit_test(test_ls_requests_and_json),
            cmocka_unit_test(test_json_errors),
            cmocka_unit_test(test_add_request),
            cmocka_unit_test(test_add_due_yesterday),
            cmocka_unit_test(test_edit_request),
            cmocka_unit_test(test_errors),
            cmocka_unit_test(test_show),
            cmocka_unit_test(test_rm),
            cmocka_unit_test(test_interaction_rm_asks),
            cmocka_unit_test(test_log_due_history_snooze),
            cmocka_unit_test(test_color),
            cmocka_unit_test(test_status),
        };

        setenv("TZ", "UTC", 1);
        unsetenv("TEND_SOCKET");
        return cmocka_run_group_tests(tests, NULL, NULL);
}
