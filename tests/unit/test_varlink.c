/* Tests for daemon/varlink.c: call parsing, parameter validation, errors, org.varlink.service.
 * jansson allocates through cmocka's checked allocator, so a leaked json_t fails the test. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "varlink.h"

struct fixture {
        unsigned calls;
};

static void *checked_malloc(size_t n)
{
        return _test_malloc(n, __FILE__, __LINE__);
}

static void checked_free(void *p)
{
        _test_free(p, __FILE__, __LINE__);
}

static int echo(struct varlink_call *call, json_t *params, void *userdata)
{
        struct fixture *f = userdata;

        /* The reply is a copy of what the handler saw. */
        f->calls++;
        return varlink_call_reply(call, json_deep_copy(params));
}

static int fail_errno(struct varlink_call *call, json_t *params, void *userdata)
{
        struct fixture *f = userdata;

        f->calls++;
        return -(int)json_integer_value(json_object_get(params, "errno"));
}

static int no_reply(struct varlink_call *call, json_t *params, void *userdata)
{
        return 0;
}

static int twice(struct varlink_call *call, json_t *params, void *userdata)
{
        varlink_call_reply(call, json_pack("{s:i}", "n", 1));
        varlink_call_error(call, "io.tend.Test.Second", NULL);
        return varlink_call_reply(call, json_pack("{s:i}", "n", 2));
}

static int reply_then_fail(struct varlink_call *call, json_t *params, void *userdata)
{
        varlink_call_invalid_value(call, "x", "bad x");
        return -EIO;
}

static int stream(struct varlink_call *call, json_t *params, void *userdata)
{
        return varlink_call_reply_continues(call, json_pack("{s:s}", "event", "hello"), "s1");
}

static const struct varlink_param echo_params[] = {
    {"text", VARLINK_STRING, true},
    {"count", VARLINK_INT, false},
    {"ratio", VARLINK_FLOAT, false},
    {"flag", VARLINK_BOOL, false},
    {"tags", VARLINK_STRV, false},
    {"extra", VARLINK_OBJECT, false},
    {0},
};

static const struct varlink_param fail_params[] = {
    {"errno", VARLINK_INT, true},
    {0},
};

static const struct varlink_method test_methods[] = {
    {"Echo", echo, echo_params},
    {"Fail", fail_errno, fail_params},
    {"NoReply", no_reply, NULL},
    {"Twice", twice, NULL},
    {"ReplyThenFail", reply_then_fail, NULL},
    {"Unimplemented", NULL, NULL},
    {"Stream", stream, NULL},
    {0},
};

static const char test_idl[] = "# A test interface.\n"
                               "interface io.tend.Test\n"
                               "method Echo(text: string) -> (text: string)\n";

static const struct varlink_interface test_interface = {
    .name = "io.tend.Test",
    .idl = test_idl,
    .methods = test_methods,
};

static const struct varlink_method other_methods[] = {
    {"Echo", echo, echo_params},
    {0},
};

static const struct varlink_interface other_interface = {
    .name = "io.tend.Other-Thing",
    .idl = "interface io.tend.Other-Thing\n",
    .methods = other_methods,
};

static const struct varlink_interface *const test_interfaces[] = {
    &test_interface,
    &other_interface,
    NULL,
};

static const struct varlink_service test_service = {
    .vendor = "tend",
    .product = "tendd",
    .version = "0.1.0",
    .url = "https://example.invalid/tend",
    .interfaces = test_interfaces,
};

static int setup(void **state)
{
        struct fixture *f = test_calloc(1, sizeof(*f));

        json_set_alloc_funcs(checked_malloc, checked_free);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        test_free(f);
        json_set_alloc_funcs(malloc, free);
        return 0;
}

/* Dispatch msg (a C string) and return the result; *ret gets the reply. */
static int dispatch(struct fixture *f, const char *msg, json_t **ret)
{
        json_t *reply = NULL;
        int r = varlink_dispatch(&test_service, msg, strlen(msg), f, &reply);

        assert_true(r >= 0);
        if (r == VARLINK_NO_REPLY)
                assert_null(reply);
        else
                assert_non_null(reply);
        *ret = reply;
        return r;
}

static const char *error_of(const json_t *reply)
{
        return json_string_value(json_object_get(reply, "error"));
}

static const char *param_str(const json_t *reply, const char *key)
{
        return json_string_value(json_object_get(json_object_get(reply, "parameters"), key));
}

/* Dispatch and expect the error name and, if key, a string parameter key == value. */
static void expect_error(struct fixture *f, const char *msg, int result, const char *error,
                         const char *key, const char *value)
{
        json_t *reply;

        assert_int_equal(dispatch(f, msg, &reply), result);
        assert_non_null(error_of(reply));
        assert_string_equal(error_of(reply), error);
        assert_true(json_is_object(json_object_get(reply, "parameters")));
        if (key) {
                assert_non_null(param_str(reply, key));
                assert_string_equal(param_str(reply, key), value);
        }
        json_decref(reply);
}

static void test_valid_call(void **state)
{
        struct fixture *f = *state;
        json_t *reply;
        char *enc;
        size_t len;

        assert_int_equal(dispatch(f,
                                  "{\"method\":\"io.tend.Test.Echo\",\"parameters\":"
                                  "{\"text\":\"h\\u00e9llo\",\"count\":3,\"ratio\":2,"
                                  "\"flag\":true,\"tags\":[\"a\",\"b\"],\"extra\":{\"k\":1}},"
                                  "\"future\":[1,2,3]}",
                                  &reply),
                         VARLINK_REPLY);
        assert_null(error_of(reply));
        assert_string_equal(param_str(reply, "text"), "h\xc3\xa9llo");
        assert_int_equal(f->calls, 1);

        enc = varlink_encode(reply, &len);
        assert_non_null(enc);
        assert_int_equal(strlen(enc), len);
        assert_null(strchr(enc, '\n'));
        /* Non-ASCII text goes out as UTF-8, not \u escapes. */
        assert_non_null(strstr(enc, "\"text\":\"h\xc3\xa9llo\""));
        assert_int_equal(strncmp(enc, "{\"parameters\":{", 15), 0);
        free(enc);
        json_decref(reply);
}

static void test_encode_nul_escaped(void **state)
{
        json_t *msg = json_pack("{s:s%}", "text", "a\0b", (size_t)3);
        size_t len;
        char *enc = varlink_encode(msg, &len);

        assert_non_null(enc);
        assert_int_equal(strlen(enc), len);
        assert_string_equal(enc, "{\"text\":\"a\\u0000b\"}");
        free(enc);
        json_decref(msg);
}

static void test_no_parameters(void **state)
{
        struct fixture *f = *state;
        json_t *reply;

        /* Absent, null and {} parameters are the same; NoReply has no parameter table. */
        expect_error(f, "{\"method\":\"io.tend.Test.NoReply\"}", VARLINK_REPLY,
                     "io.tend.Service.InternalError", NULL, NULL);
        expect_error(f, "{\"method\":\"io.tend.Test.NoReply\",\"parameters\":null}", VARLINK_REPLY,
                     "io.tend.Service.InternalError", NULL, NULL);
        expect_error(f, "{\"method\":\"io.tend.Test.NoReply\",\"parameters\":{\"x\":1}}",
                     VARLINK_REPLY, "org.varlink.service.InvalidParameter", "parameter", "x");
        assert_int_equal(dispatch(f,
                                  "{\"method\":\"io.tend.Other-Thing.Echo\","
                                  "\"parameters\":{\"text\":\"\"}}",
                                  &reply),
                         VARLINK_REPLY);
        assert_null(error_of(reply));
        json_decref(reply);
}

static void test_oneway(void **state)
{
        struct fixture *f = *state;
        json_t *reply;

        assert_int_equal(dispatch(f,
                                  "{\"method\":\"io.tend.Test.Echo\",\"oneway\":true,"
                                  "\"parameters\":{\"text\":\"x\"}}",
                                  &reply),
                         VARLINK_NO_REPLY);
        assert_int_equal(f->calls, 1);
        /* Errors of a well-formed oneway call are not sent either. */
        assert_int_equal(dispatch(f, "{\"method\":\"io.tend.Test.Nope\",\"oneway\":true}", &reply),
                         VARLINK_NO_REPLY);
        assert_int_equal(dispatch(f,
                                  "{\"method\":\"io.tend.Test.Fail\",\"oneway\":true,"
                                  "\"parameters\":{\"errno\":5}}",
                                  &reply),
                         VARLINK_NO_REPLY);
        assert_int_equal(f->calls, 2);
}

static void test_more_replies_once(void **state)
{
        struct fixture *f = *state;
        json_t *reply;

        assert_int_equal(dispatch(f,
                                  "{\"method\":\"io.tend.Test.Echo\",\"more\":true,"
                                  "\"oneway\":null,\"parameters\":{\"text\":\"x\"}}",
                                  &reply),
                         VARLINK_REPLY);
        assert_null(error_of(reply));
        assert_null(json_object_get(reply, "continues"));
        json_decref(reply);
}

static void test_upgrade_refused(void **state)
{
        expect_error(*state,
                     "{\"method\":\"io.tend.Test.Echo\",\"upgrade\":true,"
                     "\"parameters\":{\"text\":\"x\"}}",
                     VARLINK_REPLY, "org.varlink.service.InvalidParameter", "parameter", "upgrade");
        assert_int_equal(((struct fixture *)*state)->calls, 0);
}

static void test_unknown_interface_and_method(void **state)
{
        struct fixture *f = *state;

        expect_error(f, "{\"method\":\"io.tend.Nope.Echo\"}", VARLINK_REPLY,
                     "org.varlink.service.InterfaceNotFound", "interface", "io.tend.Nope");
        expect_error(f, "{\"method\":\"io.tend.Test.Nope\"}", VARLINK_REPLY,
                     "org.varlink.service.MethodNotFound", "method", "io.tend.Test.Nope");
        expect_error(f, "{\"method\":\"org.varlink.service.Nope\"}", VARLINK_REPLY,
                     "org.varlink.service.MethodNotFound", "method", "org.varlink.service.Nope");
        expect_error(f, "{\"method\":\"io.tend.Test.Unimplemented\"}", VARLINK_REPLY,
                     "org.varlink.service.MethodNotImplemented", "method",
                     "io.tend.Test.Unimplemented");
        /* A prefix of an interface name is not that interface. */
        expect_error(f, "{\"method\":\"io.tend.Tes.Echo\"}", VARLINK_REPLY,
                     "org.varlink.service.InterfaceNotFound", "interface", "io.tend.Tes");
}

static void test_bad_param_type(void **state)
{
        struct fixture *f = *state;
        static const char *const cases[][2] = {
            {"{\"text\":1}", "text"},
            {"{\"text\":\"x\",\"count\":1.5}", "count"},
            {"{\"text\":\"x\",\"count\":\"1\"}", "count"},
            {"{\"text\":\"x\",\"ratio\":\"1\"}", "ratio"},
            {"{\"text\":\"x\",\"flag\":1}", "flag"},
            {"{\"text\":\"x\",\"tags\":\"a\"}", "tags"},
            {"{\"text\":\"x\",\"tags\":[\"a\",1]}", "tags"},
            {"{\"text\":\"x\",\"extra\":[]}", "extra"},
        };
        char msg[256];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(msg, sizeof(msg), "{\"method\":\"io.tend.Test.Echo\",\"parameters\":%s}",
                         cases[i][0]);
                expect_error(f, msg, VARLINK_REPLY, "org.varlink.service.InvalidParameter",
                             "parameter", cases[i][1]);
        }
        assert_int_equal(f->calls, 0);
}

static void test_float_and_empty_list(void **state)
{
        struct fixture *f = *state;
        json_t *reply;

        assert_int_equal(dispatch(f,
                                  "{\"method\":\"io.tend.Test.Echo\",\"parameters\":"
                                  "{\"text\":\"x\",\"ratio\":1.25,\"tags\":[]}}",
                                  &reply),
                         VARLINK_REPLY);
        assert_null(error_of(reply));
        json_decref(reply);
}

static void test_unknown_param(void **state)
{
        expect_error(*state,
                     "{\"method\":\"io.tend.Test.Echo\",\"parameters\":"
                     "{\"text\":\"x\",\"bogus\":null}}",
                     VARLINK_REPLY, "org.varlink.service.InvalidParameter", "parameter", "bogus");
}

static void test_missing_required(void **state)
{
        struct fixture *f = *state;

        expect_error(f, "{\"method\":\"io.tend.Test.Echo\",\"parameters\":{\"count\":1}}",
                     VARLINK_REPLY, "org.varlink.service.InvalidParameter", "parameter", "text");
        expect_error(f, "{\"method\":\"io.tend.Test.Echo\",\"parameters\":{\"text\":null}}",
                     VARLINK_REPLY, "org.varlink.service.InvalidParameter", "parameter", "text");
        expect_error(f, "{\"method\":\"io.tend.Test.Echo\"}", VARLINK_REPLY,
                     "org.varlink.service.InvalidParameter", "parameter", "text");
        assert_int_equal(f->calls, 0);
}

static void test_null_optional_removed(void **state)
{
        struct fixture *f = *state;
        json_t *reply;

        assert_int_equal(dispatch(f,
                                  "{\"method\":\"io.tend.Test.Echo\",\"parameters\":"
                                  "{\"count\":null,\"text\":\"x\",\"tags\":null,"
                                  "\"extra\":null}}",
                                  &reply),
                         VARLINK_REPLY);
        assert_null(error_of(reply));
        assert_int_equal(json_object_size(json_object_get(reply, "parameters")), 1);
        assert_string_equal(param_str(reply, "text"), "x");
        json_decref(reply);
}

static void test_malformed(void **state)
{
        struct fixture *f = *state;
        static const char *const cases[] = {
            "{nope",
            "",
            "{\"method\":\"io.tend.Test.Echo\"} trailing",
            "{\"method\":\"io.tend.Test.Echo\",\"method\":\"io.tend.Test.Echo\"}",
            "[1,2]",
            "\"io.tend.Test.Echo\"",
            "42",
            "{}",
            "{\"parameters\":{}}",
            "{\"method\":7}",
            "{\"method\":null}",
            "{\"method\":\"Echo\"}",
            "{\"method\":\"io.tend.Test.echo\"}",
            "{\"method\":\"io.tend.Test.\"}",
            "{\"method\":\".Echo\"}",
            "{\"method\":\"io..Test.Echo\"}",
            "{\"method\":\"io.tend.Test.Ec-ho\"}",
            "{\"method\":\"1o.tend.Test.Echo\"}",
            "{\"method\":\"io.tend.Test.Echo\",\"parameters\":[]}",
            "{\"method\":\"io.tend.Test.Echo\",\"parameters\":\"x\"}",
            "{\"method\":\"io.tend.Test.Echo\",\"oneway\":1}",
            "{\"method\":\"io.tend.Test.Echo\",\"more\":\"yes\"}",
            "{\"method\":\"io.tend.Test.Echo\",\"upgrade\":{}}",
            "{\"method\":\"io.tend.Test.Echo\",\"oneway\":true,\"more\":true}",
            "{\"method\":\"io.tend.Test.Echo\",\"parameters\":{\"text\":\"\\u0000\"}}",
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                json_t *reply;

                assert_int_equal(dispatch(f, cases[i], &reply), VARLINK_REPLY_CLOSE);
                assert_string_equal(error_of(reply), "io.tend.Service.InvalidMessage");
                assert_non_null(param_str(reply, "reason"));
                assert_true(strlen(param_str(reply, "reason")) > 0);
                json_decref(reply);
        }
        assert_int_equal(f->calls, 0);
}

static void test_malformed_reason_is_clean(void **state)
{
        struct fixture *f = *state;
        /* Invalid UTF-8 and control bytes in the input must not break the reply. */
        static const char msg[] = "{\"method\":\"\xff\xfe\x01\"}";
        json_t *reply = NULL;
        const char *reason;

        assert_int_equal(varlink_dispatch(&test_service, msg, sizeof(msg) - 1, f, &reply),
                         VARLINK_REPLY_CLOSE);
        reason = param_str(reply, "reason");
        assert_non_null(reason);
        for (const char *p = reason; *p; p++)
                assert_true(*p >= 0x20 && *p < 0x7f);
        json_decref(reply);
}

static void test_message_not_nul_terminated(void **state)
{
        struct fixture *f = *state;
        /* len excludes the rest of the buffer: only the first object is parsed. */
        static const char buf[] = "{\"method\":\"io.tend.Test.NoReply\"}GARBAGE";
        json_t *reply = NULL;

        assert_int_equal(varlink_dispatch(&test_service, buf, strlen(buf) - 7, f, &reply),
                         VARLINK_REPLY);
        assert_string_equal(error_of(reply), "io.tend.Service.InternalError");
        json_decref(reply);
}

static void test_get_info(void **state)
{
        struct fixture *f = *state;
        json_t *reply, *params, *ifaces;

        assert_int_equal(dispatch(f, "{\"method\":\"org.varlink.service.GetInfo\"}", &reply),
                         VARLINK_REPLY);
        assert_null(error_of(reply));
        params = json_object_get(reply, "parameters");
        assert_string_equal(param_str(reply, "vendor"), "tend");
        assert_string_equal(param_str(reply, "product"), "tendd");
        assert_string_equal(param_str(reply, "version"), "0.1.0");
        assert_string_equal(param_str(reply, "url"), "https://example.invalid/tend");
        ifaces = json_object_get(params, "interfaces");
        assert_int_equal(json_array_size(ifaces), 3);
        assert_string_equal(json_string_value(json_array_get(ifaces, 0)), "org.varlink.service");
        assert_string_equal(json_string_value(json_array_get(ifaces, 1)), "io.tend.Test");
        assert_string_equal(json_string_value(json_array_get(ifaces, 2)), "io.tend.Other-Thing");
        json_decref(reply);

        expect_error(f, "{\"method\":\"org.varlink.service.GetInfo\",\"parameters\":{\"x\":1}}",
                     VARLINK_REPLY, "org.varlink.service.InvalidParameter", "parameter", "x");
}

static void test_get_interface_description(void **state)
{
        struct fixture *f = *state;
        json_t *reply;
        const char *d;

        assert_int_equal(dispatch(f,
                                  "{\"method\":\"org.varlink.service.GetInterfaceDescription\","
                                  "\"parameters\":{\"interface\":\"io.tend.Test\"}}",
                                  &reply),
                         VARLINK_REPLY);
        assert_null(error_of(reply));
        assert_string_equal(param_str(reply, "description"), test_idl);
        json_decref(reply);

        assert_int_equal(dispatch(f,
                                  "{\"method\":\"org.varlink.service.GetInterfaceDescription\","
                                  "\"parameters\":{\"interface\":\"org.varlink.service\"}}",
                                  &reply),
                         VARLINK_REPLY);
        d = param_str(reply, "description");
        assert_non_null(d);
        assert_non_null(strstr(d, "interface org.varlink.service\n"));
        assert_non_null(strstr(d, "method GetInfo() -> ("));
        assert_non_null(strstr(d, "interfaces: []string"));
        assert_non_null(strstr(d, "method GetInterfaceDescription(interface: string) -> "
                                  "(description: string)"));
        assert_non_null(strstr(d, "error InterfaceNotFound (interface: string)"));
        assert_non_null(strstr(d, "error MethodNotFound (method: string)"));
        assert_non_null(strstr(d, "error MethodNotImplemented (method: string)"));
        assert_non_null(strstr(d, "error InvalidParameter (parameter: string)"));
        assert_non_null(strstr(d, "error PermissionDenied ()"));
        assert_non_null(strstr(d, "error ExpectedMore ()"));
        json_decref(reply);

        expect_error(f,
                     "{\"method\":\"org.varlink.service.GetInterfaceDescription\","
                     "\"parameters\":{\"interface\":\"io.tend.Missing\"}}",
                     VARLINK_REPLY, "org.varlink.service.InterfaceNotFound", "interface",
                     "io.tend.Missing");
        expect_error(f, "{\"method\":\"org.varlink.service.GetInterfaceDescription\"}",
                     VARLINK_REPLY, "org.varlink.service.InvalidParameter", "parameter",
                     "interface");
}

static void test_errno_replies(void **state)
{
        struct fixture *f = *state;
        json_t *reply;

        expect_error(f, "{\"method\":\"io.tend.Test.Fail\",\"parameters\":{\"errno\":28}}",
                     VARLINK_REPLY, "io.tend.Service.DiskFull", NULL, NULL);
        expect_error(f, "{\"method\":\"io.tend.Test.Fail\",\"parameters\":{\"errno\":5}}",
                     VARLINK_REPLY, "io.tend.Service.StorageFailed", NULL, NULL);
        expect_error(f, "{\"method\":\"io.tend.Test.Fail\",\"parameters\":{\"errno\":12}}",
                     VARLINK_REPLY, "io.tend.Service.InternalError", NULL, NULL);

        reply = varlink_errno_reply(-EIO);
        assert_string_equal(error_of(reply), "io.tend.Service.StorageFailed");
        assert_non_null(param_str(reply, "reason"));
        json_decref(reply);
        reply = varlink_errno_reply(-ENOSPC);
        assert_string_equal(error_of(reply), "io.tend.Service.DiskFull");
        assert_int_equal(json_object_size(json_object_get(reply, "parameters")), 0);
        json_decref(reply);
        reply = varlink_errno_reply(-EINVAL);
        assert_string_equal(error_of(reply), "io.tend.Service.InternalError");
        assert_non_null(param_str(reply, "reason"));
        json_decref(reply);
}

static void test_handler_reply_rules(void **state)
{
        struct fixture *f = *state;
        json_t *reply;

        /* Replying twice: the first reply wins. */
        assert_int_equal(dispatch(f, "{\"method\":\"io.tend.Test.Twice\"}", &reply), VARLINK_REPLY);
        assert_null(error_of(reply));
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(reply, "parameters"), "n")), 1);
        json_decref(reply);

        /* A reply made before a negative return is sent. */
        expect_error(f, "{\"method\":\"io.tend.Test.ReplyThenFail\"}", VARLINK_REPLY,
                     "io.tend.Service.InvalidValue", "reason", "bad x");
        /* Returning 0 without a reply is a bug reported as InternalError. */
        expect_error(f, "{\"method\":\"io.tend.Test.NoReply\"}", VARLINK_REPLY,
                     "io.tend.Service.InternalError", NULL, NULL);
}

static void test_call_helpers(void **state)
{
        struct varlink_call call = {.method = "io.tend.Test.Echo"};

        assert_int_equal(varlink_call_invalid_parameter(&call, "p"), 0);
        assert_string_equal(error_of(call.reply), "org.varlink.service.InvalidParameter");
        assert_string_equal(param_str(call.reply, "parameter"), "p");
        json_decref(call.reply);

        call.reply = NULL;
        assert_int_equal(varlink_call_error(&call, "io.tend.Test.Err", NULL), 0);
        assert_string_equal(error_of(call.reply), "io.tend.Test.Err");
        assert_int_equal(json_object_size(json_object_get(call.reply, "parameters")), 0);
        json_decref(call.reply);

        call.reply = NULL;
        assert_int_equal(varlink_call_reply(&call, NULL), 0);
        assert_null(error_of(call.reply));
        assert_true(json_is_object(json_object_get(call.reply, "parameters")));
        json_decref(call.reply);
}

static void test_stream_kept_open(void **state)
{
        struct fixture *f = *state;
        static const char more[] = "{\"method\":\"io.tend.Test.Stream\",\"more\":true}";
        static const char once[] = "{\"method\":\"io.tend.Test.Stream\"}";
        static const char echo_more[] =
            "{\"method\":\"io.tend.Test.Echo\",\"parameters\":{\"text\":\"a\"},"
            "\"more\":true}";
        const char *name = "unset";
        json_t *reply = NULL;

        assert_int_equal(
            varlink_dispatch_stream(&test_service, more, strlen(more), f, &reply, &name),
            VARLINK_REPLY);
        assert_string_equal(name, "s1");
        assert_true(json_is_true(json_object_get(reply, "continues")));
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(reply, "parameters"), "event")),
            "hello");
        json_decref(reply);

        /* Without "more": ExpectedMore, and nothing is kept open. */
        name = "unset";
        assert_int_equal(
            varlink_dispatch_stream(&test_service, once, strlen(once), f, &reply, &name),
            VARLINK_REPLY);
        assert_null(name);
        assert_string_equal(error_of(reply), "org.varlink.service.ExpectedMore");
        assert_null(json_object_get(reply, "continues"));
        json_decref(reply);

        /* A method that does not stream answers a "more" call once, and keeps nothing. */
        name = "unset";
        assert_int_equal(
            varlink_dispatch_stream(&test_service, echo_more, strlen(echo_more), f, &reply, &name),
            VARLINK_REPLY);
        assert_null(name);
        assert_null(json_object_get(reply, "continues"));
        json_decref(reply);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_valid_call, setup, teardown),
            cmocka_unit_test_setup_teardown(test_stream_kept_open, setup, teardown),
            cmocka_unit_test_setup_teardown(test_encode_nul_escaped, setup, teardown),
            cmocka_unit_test_setup_teardown(test_no_parameters, setup, teardown),
            cmocka_unit_test_setup_teardown(test_oneway, setup, teardown),
            cmocka_unit_test_setup_teardown(test_more_replies_once, setup, teardown),
            cmocka_unit_test_setup_teardown(test_upgrade_refused, setup, teardown),
            cmocka_unit_test_setup_teardown(test_unknown_interface_and_method, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bad_param_type, setup, teardown),
            cmocka_unit_test_setup_teardown(test_float_and_empty_list, setup, teardown),
            cmocka_unit_test_setup_teardown(test_unknown_param, setup, teardown),
            cmocka_unit_test_setup_teardown(test_missing_required, setup, teardown),
            cmocka_unit_test_setup_teardown(test_null_optional_removed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
            cmocka_unit_test_setup_teardown(test_malformed_reason_is_clean, setup, teardown),
            cmocka_unit_test_setup_teardown(test_message_not_nul_terminated, setup, teardown),
            cmocka_unit_test_setup_teardown(test_get_info, setup, teardown),
            cmocka_unit_test_setup_teardown(test_get_interface_description, setup, teardown),
            cmocka_unit_test_setup_teardown(test_errno_replies, setup, teardown),
            cmocka_unit_test_setup_teardown(test_handler_reply_rules, setup, teardown),
            cmocka_unit_test_setup_teardown(test_call_helpers, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
