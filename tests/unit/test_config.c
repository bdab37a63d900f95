/* tendd.conf parsing: every key, defaults, errors with line numbers, dump round trip, commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

#define DAY 86400LL

static void test_defaults(void **state)
{
        struct config c;

        config_init(&c);
        assert_int_equal(c.preferred_time, 9 * 60);
        assert_int_equal(c.quiet_start, 22 * 60);
        assert_int_equal(c.quiet_end, 8 * 60);
        assert_int_equal(c.digest_threshold, 3);
        assert_int_equal(c.snooze, 7 * DAY);
        assert_int_equal(c.cadence[NETWORK_OPERATIONAL], 14 * DAY);
        assert_int_equal(c.cadence[NETWORK_STRATEGIC], 30 * DAY);
        assert_int_equal(c.cadence[NETWORK_PERSONAL], 60 * DAY);
        assert_true(c.desktop);
        assert_null(c.command);
        assert_null(c.open_command);
        assert_int_equal(c.goal_follow_up, 30 * DAY);
        /* The shortest cadence of a contact's networks. */
        assert_int_equal(config_default_cadence(&c, 0), 0);
        assert_int_equal(config_default_cadence(&c, 1u << NETWORK_PERSONAL), 60 * DAY);
        assert_int_equal(
            config_default_cadence(&c, (1u << NETWORK_PERSONAL) | (1u << NETWORK_STRATEGIC)),
            30 * DAY);
        assert_int_equal(config_default_cadence(&c, NETWORK_MASK_ALL), 14 * DAY);
        config_done(&c);
}

static void test_every_key(void **state)
{
        const char *text = "# tend\n"
                           "[schedule]\n"
                           "preferred_time = 7:30\n"
                           "quiet_hours = 23:00-06:45 ; comment\n"
                           "digest_threshold = 5\n"
                           "snooze = 3d\n"
                           "critical_after = 1mo\n"
                           "\n"
                           "[Cadence]\n"
                           "  Operational = 1w\n"
                           "strategic = 6 weeks\n"
                           "personal = 3mo\n"
                           "[notify]\n"
                           "desktop = no\n"
                           "command = notify-send -a tend '{summary}' \"{body} ok\" x\\ y\n"
                           "open_command = xdg-open tend://contact/{id}\n"
                           "[Goals]\n"
                           "follow_up = 2 weeks\n";
        struct config c;
        char **errors = NULL;

        config_init(&c);
        assert_int_equal(config_parse_string(text, "t.conf", &c, &errors), 0);
        assert_null(errors);
        assert_int_equal(c.preferred_time, 7 * 60 + 30);
        assert_int_equal(c.quiet_start, 23 * 60);
        assert_int_equal(c.quiet_end, 6 * 60 + 45);
        assert_int_equal(c.digest_threshold, 5);
        assert_int_equal(c.snooze, 3 * DAY);
        assert_int_equal(c.critical_after, 30 * DAY);
        assert_int_equal(c.cadence[NETWORK_OPERATIONAL], 7 * DAY);
        assert_int_equal(c.cadence[NETWORK_STRATEGIC], 42 * DAY);
        assert_int_equal(c.cadence[NETWORK_PERSONAL], 90 * DAY);
        assert_false(c.desktop);
        assert_int_equal(strv_length(c.command), 6);
        assert_string_equal(c.command[0], "notify-send");
        assert_string_equal(c.command[3], "{summary}");
        assert_string_equal(c.command[4], "{body} ok");
        assert_string_equal(c.command[5], "x y");
        assert_int_equal(strv_length(c.open_command), 2);
        assert_int_equal(c.goal_follow_up, 14 * DAY);
        config_done(&c);
}

static void test_quiet_off(void **state)
{
        struct config c;
        char **errors = NULL;

        config_init(&c);
        assert_int_equal(config_parse_string("[schedule]\nquiet_hours = off\n", "t", &c, &errors),
                         0);
        assert_int_equal(c.quiet_start, c.quiet_end);
        config_done(&c);
}

/* Parse text expecting failure; check the messages, in order, as exact strings. */
static void expect_errors(const char *text, const char *const *expected)
{
        struct config c;
        char **errors = NULL;
        size_t n = 0;

        config_init(&c);
        c.digest_threshold = 77; /* must survive a failed parse */
        assert_int_equal(config_parse_string(text, "t.conf", &c, &errors), -EINVAL);
        assert_int_equal(c.digest_threshold, 77);
        for (; expected[n]; n++) {
                assert_non_null(errors);
                assert_non_null(errors[n]);
                assert_string_equal(errors[n], expected[n]);
        }
        assert_int_equal(strv_length(errors), n);
        strv_free(errors);
        config_done(&c);
}

static void test_errors_with_line_numbers(void **state)
{
        expect_errors("[schedule]\n"
                      "preferred_time = 25:00\n"
                      "digest_threshold = lots\n"
                      "snooze = 0s\n"
                      "quiet_hours = 22:00-22:00\n"
                      "bogus = 1\n"
                      "digest_threshold = 2\n"
                      "just words\n"
                      "[nope]\n"
                      "x = 1\n"
                      "[notify]\n"
                      "desktop = maybe\n"
                      "command = echo 'unterminated\n"
                      "open_command = echo {nope}\n",
                      (const char *const[]){
                          "t.conf:2: preferred_time = 25:00: expected a time of day HH:MM, "
                          "00:00 to 23:59",
                          "t.conf:3: digest_threshold = lots: expected a whole number from 0 "
                          "to 1000",
                          "t.conf:4: snooze = 0s: expected a duration such as 45s, 10m, 3h, "
                          "3d, 2w, 1mo",
                          "t.conf:5: quiet_hours = 22:00-22:00: start and end are the same; "
                          "write 'off' for no quiet hours",
                          "t.conf:6: unknown key 'bogus' in [schedule]",
                          "t.conf:7: 'digest_threshold' is set twice (first on line 3)",
                          "t.conf:8: expected 'key = value', a [section] or a # comment",
                          "t.conf:9: unknown section [nope]; the sections are [schedule], "
                          "[cadence], [notify], [goals], [sync], [backup], [plan] and [capture]",
                          "t.conf:12: desktop = maybe: expected yes or no",
                          "t.conf:13: command = echo 'unterminated: an unterminated quote in "
                          "the command",
                          "t.conf:14: open_command = echo {nope}: unknown placeholder; use "
                          "{summary}, {body}, {name}, {id}, {due} or {count}",
                          NULL,
                      });
        expect_errors("[goals]\nfollow_up = 0s\nfollow_up = 367d\n",
                      (const char *const[]){
                          "t.conf:2: follow_up = 0s: expected a duration such as 14d, 30d, 6w",
                          "t.conf:3: 'follow_up' is set twice (first on line 2)",
                          NULL,
                      });
        expect_errors("[goals]\nfollow_up = 367d\n",
                      (const char *const[]){
                          "t.conf:2: follow_up = 367d: a goal follow-up interval may be at most "
                          "366 days",
                          NULL,
                      });
        expect_errors("snooze = 1d\n", (const char *const[]){
                                           "t.conf:1: 'snooze' is outside a section; put it "
                                           "under [schedule], [cadence], [notify], [goals], "
                                           "[sync], [backup], [plan] or [capture]",
                                           NULL,
                                       });
        /* A vertical tab or form feed is white space to inih as well: the header is checked. */
        expect_errors("\v[s\"e=]\nora =\n",
                      (const char *const[]){
                          "t.conf:1: unknown section [s\"e=]; the sections are [schedule], "
                          "[cadence], [notify], [goals], [sync], [backup], [plan] and [capture]",
                          NULL,
                      });
        expect_errors("[cadence]\npersonal = 11y\n[schedule\n",
                      (const char *const[]){
                          "t.conf:2: personal = 11y: a cadence may be at most 10 years",
                          "t.conf:3: a section header without ']'",
                          NULL,
                      });
}

static void test_long_line(void **state)
{
        char text[600];

        snprintf(text, sizeof(text), "[notify]\ncommand = echo %0400d\ndesktop = 1\n", 0);
        expect_errors(text, (const char *const[]){
                                "t.conf:2: the line is longer than 199 bytes",
                                NULL,
                            });
}

static void test_load_file(void **state)
{
        char dir[] = "/tmp/tend-config-XXXXXX", path[128];
        struct config c;
        char **errors = NULL;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/tendd.conf", dir);
        config_init(&c);
        /* Missing: the defaults. */
        c.digest_threshold = 9;
        assert_int_equal(config_load(path, &c, &errors), 0);
        assert_int_equal(c.digest_threshold, 3);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs("\xef\xbb\xbf[schedule]\r\ndigest_threshold = 0\r\n", f);
        fclose(f);
        assert_int_equal(config_load(path, &c, &errors), 0);
        assert_int_equal(c.digest_threshold, 0);
        f = fopen(path, "w");
        fputs("[schedule]\nsnooze = never\n", f);
        fclose(f);
        assert_int_equal(config_load(path, &c, &errors), -EINVAL);
        assert_int_equal(strv_length(errors), 1);
        assert_true(strncmp(errors[0], path, strlen(path)) == 0);
        assert_non_null(strstr(errors[0], ":2: snooze = never"));
        errors = strv_free(errors);
        unlink(path);
        rmdir(dir);
        config_done(&c);
}

static void test_dump_round_trip(void **state)
{
        struct config a, b;
        char **errors = NULL, *text = NULL;
        size_t size = 0;
        FILE *m;

        config_init(&a);
        config_init(&b);
        assert_int_equal(
            config_parse_string("[schedule]\nquiet_hours=off\npreferred_time=18:05\n"
                                "critical_after=3d\n[cadence]\npersonal=45d\n[notify]\n"
                                "command = prog 'a b' \"it's\" {name} \"x \\;y\" \"z \\#w\" "
                                "\"end\v\" 'back\\slash'\n[goals]\nfollow_up = 6w\n"
                                "[capture]\nme=;x@home.example,#y@home.example, z@home.example\n",
                                "t", &a, &errors),
            0);
        m = open_memstream(&text, &size);
        config_dump(&a, m);
        fclose(m);
        assert_int_equal(config_parse_string(text, "dump", &b, &errors), 0);
        assert_int_equal(b.preferred_time, a.preferred_time);
        assert_int_equal(b.quiet_start, b.quiet_end);
        assert_int_equal(b.critical_after, 3 * DAY);
        assert_int_equal(b.cadence[NETWORK_PERSONAL], 45 * DAY);
        assert_int_equal(b.goal_follow_up, 6 * 7 * DAY);
        /* An argument keeps what inih would take for a comment (white space, then ';' or '#')
         * or strip from the end of the line (a vertical tab), found by fuzz_config. */
        assert_int_equal(strv_length(b.command), 8);
        assert_string_equal(b.command[1], "a b");
        assert_string_equal(b.command[2], "it's");
        assert_string_equal(b.command[4], "x ;y");
        assert_string_equal(b.command[5], "z #w");
        assert_string_equal(b.command[6], "end\v");
        assert_string_equal(b.command[7], "back\\slash");
        assert_null(b.open_command);
        /* A value that begins with ';' or '#' (no white space before it in the file) comes
         * back too, found by fuzz_config. */
        assert_int_equal(strv_length(b.capture_me), 3);
        assert_string_equal(b.capture_me[0], ";x@home.example");
        assert_string_equal(b.capture_me[1], "#y@home.example");
        assert_string_equal(b.capture_me[2], "z@home.example");
        free(text);
        config_done(&a);
        config_done(&b);
}

static void test_copy(void **state)
{
        struct config a, b;
        char **errors = NULL;

        config_init(&a);
        config_init(&b);
        assert_int_equal(config_parse_string("[notify]\ncommand = x {id}\n", "t", &a, &errors), 0);
        assert_int_equal(config_copy(&b, &a), 0);
        config_done(&a);
        assert_string_equal(b.command[1], "{id}");
        config_done(&b);
}

static void test_expand_command(void **state)
{
        char *tmpl[] = {"prog", "{summary}", "--id={id}", "{{literal}}", "{name}{due}", NULL};
        const char *vars[_CONFIG_VAR_MAX] = {
            [CONFIG_VAR_SUMMARY] = "Follow up with Jane; rm -rf ~",
            [CONFIG_VAR_ID] = "7",
            [CONFIG_VAR_NAME] = "$(evil)",
        };
        char **argv = NULL;

        assert_int_equal(config_expand_command(tmpl, vars, &argv), 0);
        assert_int_equal(strv_length(argv), 5);
        assert_string_equal(argv[0], "prog");
        /* One argument each, whatever the text holds: there is no shell to split it. */
        assert_string_equal(argv[1], "Follow up with Jane; rm -rf ~");
        assert_string_equal(argv[2], "--id=7");
        assert_string_equal(argv[3], "{literal}");
        assert_string_equal(argv[4], "$(evil)");
        strv_free(argv);
        assert_string_equal(config_var_env(CONFIG_VAR_NAME), "TEND_CONTACT_NAME");
        assert_string_equal(config_var_name(CONFIG_VAR_COUNT), "count");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_defaults),        cmocka_unit_test(test_every_key),
            cmocka_unit_test(test_quiet_off),       cmocka_unit_test(test_errors_with_line_numbers),
            cmocka_unit_test(test_long_line),       cmocka_unit_test(test_load_file),
            cmocka_unit_test(test_dump_round_trip), cmocka_unit_test(test_copy),
            cmocka_unit_test(test_expand_command),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
