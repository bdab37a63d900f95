/* Unit tests for the io.tend method handlers (daemon/methods-*.c, fields.c, reply.c): real
 * store in a temporary directory, calls dispatched in-process through varlink_dispatch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>

#include "methods.h"
#include "server.h"
#include "store.h"
#include "rpc.h"
#include "config.h"
#include <ev.h>
#include "timeutil.h"

struct fixture {
        char dir[64];
        struct store *store;
        struct ev_loop *loop;
        struct config config;
        struct core core;
        struct rpc d;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct store_options so = {0};

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/tend-test-methods-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        so.dir = f->dir;
        assert_int_equal(store_open(&so, &f->store), 0);
        config_init(&f->config);
        f->core = (struct core){.store = f->store, .config = &f->config};
        f->loop = ev_loop_new(EVFLAG_AUTO);
        assert_non_null(f->loop);
        f->d = (struct rpc){
            .core = &f->core, .store = f->store, .data_dir = f->dir, .started = time_now()};
        assert_int_equal(server_new(f->loop, NULL, methods_service(), &f->d, &f->d.server), 0);
        *state = f;
        return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        rpc_done(&f->d);
        server_free(f->d.server);
        store_close(f->store);
        ev_loop_destroy(f->loop);
        config_done(&f->config);
        nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
        free(f);
        return 0;
}

/* Dispatch one call given as JSON text; returns the whole reply message. */
static json_t *call(struct fixture *f, const char *fmt, ...) _printf_(2, 3);
static json_t *call(struct fixture *f, const char *fmt, ...)
{
        char msg[4096];
        json_t *reply = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        r = varlink_dispatch(methods_service(), msg, strlen(msg), &f->d, &reply);
        assert_int_equal(r, VARLINK_REPLY);
        assert_non_null(reply);
        return reply;
}

static json_t *ok(struct fixture *f, const char *method, const char *params)
{
        json_t *reply = call(f, "{\"method\":\"%s\",\"parameters\":%s}", method, params);
        json_t *p = json_object_get(reply, "parameters");

        if (json_object_get(reply, "error")) {
                char *s = json_dumps(reply, 0);

                print_error("unexpected error from %s: %s\n", method, s);
                free(s);
                fail();
        }
        json_incref(p);
        json_decref(reply);
        return p;
}

static void expect_error(struct fixture *f, const char *method, const char *params,
                         const char *error, const char *parameter)
{
        json_t *reply = call(f, "{\"method\":\"%s\",\"parameters\":%s}", method, params);
        const char *e = json_string_value(json_object_get(reply, "error"));

        if (!e || strcmp(e, error) != 0) {
                char *s = json_dumps(reply, 0);

                print_error("%s %s: want %s, got %s\n", method, params, error, s);
                free(s);
                fail();
        }
        if (parameter)
                assert_string_equal(json_string_value(json_object_get(
                                        json_object_get(reply, "parameters"), "parameter")),
                                    parameter);
        json_decref(reply);
}

static int64_t member_time(json_t *o, const char *key)
{
        int64_t t = 0;
        const char *s = json_string_value(json_object_get(o, key));

        if (s)
                assert_int_equal(time_parse_rfc3339(s, &t), 0);
        return t;
}

static void test_add_validation(void **state)
{
        struct fixture *f = *state;
        json_t *p;

        expect_error(f, "io.tend.Contacts.Add", "{}", "org.varlink.service.InvalidParameter",
                     "name");
        expect_error(f, "io.tend.Contacts.Add", "{\"name\":\"  \"}", "io.tend.Service.InvalidValue",
                     "name");
        expect_error(f, "io.tend.Contacts.Add", "{\"name\":\"a\\nb\"}",
                     "io.tend.Service.InvalidValue", "name");
        expect_error(f, "io.tend.Contacts.Add", "{\"name\":\"X\",\"emails\":[\"nope\"]}",
                     "io.tend.Service.InvalidValue", "emails");
        expect_error(f, "io.tend.Contacts.Add", "{\"name\":\"X\",\"phones\":[\"call me\"]}",
                     "io.tend.Service.InvalidValue", "phones");
        expect_error(f, "io.tend.Contacts.Add", "{\"name\":\"X\",\"tags\":[\"a,b\"]}",
                     "io.tend.Service.InvalidValue", "tags");
        expect_error(f, "io.tend.Contacts.Add", "{\"name\":\"X\",\"networks\":[\"social\"]}",
                     "io.tend.Service.InvalidValue", "networks");
        expect_error(f, "io.tend.Contacts.Add", "{\"name\":\"X\",\"cadence_seconds\":-5}",
                     "io.tend.Service.InvalidValue", "cadence_seconds");
        expect_error(f, "io.tend.Contacts.Add", "{\"name\":\"X\",\"next_due\":\"soon\"}",
                     "io.tend.Service.InvalidValue", "next_due");
        expect_error(f, "io.tend.Contacts.Add", "{\"name\":\"X\",\"scope\":\"inside\"}",
                     "io.tend.Service.InvalidValue", "scope");
        expect_error(f, "io.tend.Contacts.Add", "{\"name\":\"X\",\"met_via\":\"nobody\"}",
                     "io.tend.Contacts.NoSuchContact", NULL);
        /* Nothing was written by any of the above. */
        p = ok(f, "io.tend.Contacts.List", "{}");
        assert_int_equal(json_array_size(json_object_get(p, "contacts")), 0);
        json_decref(p);
}

static void test_add_defaults_and_dedupe(void **state)
{
        struct fixture *f = *state;
        json_t *p, *c;

        p = ok(f, "io.tend.Contacts.Add",
               "{\"name\":\"Ann\",\"emails\":[\"ann@x.example\",\"ANN@x.example\"],"
               "\"tags\":[\"Golf\",\"golf\"],\"networks\":[\"st\",\"strategic\"],"
               "\"cadence_seconds\":86400}");
        c = json_object_get(p, "contact");
        assert_int_equal(json_array_size(json_object_get(c, "emails")), 1);
        assert_int_equal(json_array_size(json_object_get(c, "tags")), 1);
        assert_string_equal(json_string_value(json_array_get(json_object_get(c, "tags"), 0)),
                            "golf");
        assert_int_equal(json_array_size(json_object_get(c, "networks")), 1);
        assert_int_equal(json_integer_value(json_object_get(c, "cadence_days")), 1);
        assert_int_equal(member_time(c, "next_due") - member_time(c, "created"), 86400);
        assert_true(json_is_null(json_object_get(c, "scope")));
        assert_true(json_is_null(json_object_get(c, "org")));
        json_decref(p);
        /* The email belongs to Ann now. */
        expect_error(f, "io.tend.Contacts.Add", "{\"name\":\"Bo\",\"emails\":[\"Ann@X.example\"]}",
                     "io.tend.Contacts.EmailInUse", NULL);
        expect_error(f, "io.tend.Contacts.Update",
                     "{\"who\":\"ann\",\"add_tags\":[\"x\"],\"remove_networks\":[\"zzz\"]}",
                     "io.tend.Service.InvalidValue", "remove_networks");
}

static void test_ambiguous_candidates(void **state)
{
        struct fixture *f = *state;
        json_t *reply, *cand;

        json_decref(ok(f, "io.tend.Contacts.Add", "{\"name\":\"Jo Smith\"}"));
        json_decref(ok(f, "io.tend.Contacts.Add", "{\"name\":\"Joanna Brown\"}"));
        reply = call(f, "{\"method\":\"io.tend.Contacts.Get\",\"parameters\":{\"who\":\"jo\"}}");
        assert_string_equal(json_string_value(json_object_get(reply, "error")),
                            "io.tend.Contacts.AmbiguousContact");
        cand = json_object_get(json_object_get(reply, "parameters"), "candidates");
        assert_int_equal(json_array_size(cand), 2);
        assert_string_equal(json_string_value(json_object_get(json_array_get(cand, 0), "name")),
                            "Jo Smith");
        json_decref(reply);
        /* An exact name wins over the prefix. */
        json_decref(ok(f, "io.tend.Contacts.Add", "{\"name\":\"Jo\"}"));
        reply = ok(f, "io.tend.Contacts.Get", "{\"who\":\"JO\"}");
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(reply, "contact"), "name")), "Jo");
        json_decref(reply);
}

static void test_update_cadence_and_due(void **state)
{
        struct fixture *f = *state;
        json_t *p, *c;
        int64_t now = time_now();

        json_decref(ok(f, "io.tend.Contacts.Add", "{\"name\":\"Cy\"}"));
        p = ok(f, "io.tend.Contacts.Update", "{\"who\":\"cy\",\"cadence_seconds\":604800}");
        c = json_object_get(p, "contact");
        assert_in_range(member_time(c, "next_due"), now + 604800 - 2, now + 604800 + 2);
        json_decref(p);
        p = ok(f, "io.tend.Contacts.Update", "{\"who\":\"cy\",\"clear_due\":true}");
        assert_true(json_is_null(json_object_get(json_object_get(p, "contact"), "next_due")));
        json_decref(p);
        expect_error(f, "io.tend.Contacts.Update",
                     "{\"who\":\"cy\",\"clear_due\":true,\"next_due\":\"2030-01-01T00:00:00Z\"}",
                     "io.tend.Service.InvalidValue", "clear_due");
        p = ok(f, "io.tend.Contacts.Update", "{\"who\":\"cy\",\"cadence_seconds\":0}");
        c = json_object_get(p, "contact");
        assert_true(json_is_null(json_object_get(c, "cadence_days")));
        assert_true(json_is_null(json_object_get(c, "next_due")));
        json_decref(p);
        expect_error(f, "io.tend.Contacts.Update", "{\"who\":\"cy\",\"met_via\":\"cy\"}",
                     "io.tend.Service.InvalidValue", "met_via");
}

static void test_log_rules(void **state)
{
        struct fixture *f = *state;
        json_t *p;

        /* Without a cadence: a met follow-up date is cleared, a future one kept. */
        json_decref(ok(f, "io.tend.Contacts.Add",
                       "{\"name\":\"Di\",\"next_due\":\"2026-01-10T00:00:00Z\"}"));
        p = ok(f, "io.tend.Interactions.Log",
               "{\"who\":\"di\",\"kind\":\"Informational Interview\",\"at\":"
               "\"2026-01-11T00:00:00Z\"}");
        assert_true(json_is_null(json_object_get(p, "next_due")));
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(p, "interaction"), "kind")),
            "informational-interview");
        json_decref(p);
        /* Several words are a kind only when they name a known one: here, a second name. */
        expect_error(f, "io.tend.Interactions.Log", "{\"who\":\"di\",\"kind\":\"marcus oyelaran\"}",
                     "io.tend.Interactions.KindNotOneWord", NULL);
        json_decref(ok(f, "io.tend.Contacts.Add",
                       "{\"name\":\"Ed\",\"next_due\":\"2099-01-10T00:00:00Z\"}"));
        p = ok(f, "io.tend.Interactions.Log", "{\"who\":\"ed\",\"kind\":\"email\"}");
        assert_string_equal(json_string_value(json_object_get(p, "next_due")),
                            "2099-01-10T00:00:00Z");
        json_decref(p);
        expect_error(f, "io.tend.Interactions.Log", "{\"who\":\"ed\",\"kind\":\"a/b\"}",
                     "io.tend.Service.InvalidValue", "kind");
        expect_error(f, "io.tend.Interactions.Log",
                     "{\"who\":\"ed\",\"kind\":\"call\",\"at\":\"2099-01-01T00:00:00Z\"}",
                     "io.tend.Service.InvalidValue", "at");
        p = ok(f, "io.tend.Interactions.List", "{\"who\":\"ed\"}");
        assert_int_equal(json_array_size(json_object_get(p, "interactions")), 1);
        json_decref(p);
}

static void test_due_snooze_status(void **state)
{
        struct fixture *f = *state;
        json_t *p;

        json_decref(ok(f, "io.tend.Contacts.Add",
                       "{\"name\":\"Fi\",\"next_due\":\"2020-01-01T00:00:00Z\"}"));
        json_decref(ok(f, "io.tend.Contacts.Add", "{\"name\":\"Gus\",\"cadence_seconds\":3600}"));
        p = ok(f, "io.tend.FollowUps.Due", "{}");
        assert_int_equal(json_array_size(json_object_get(p, "contacts")), 1);
        assert_int_equal(json_integer_value(json_object_get(p, "total")), 1);
        json_decref(p);
        p = ok(f, "io.tend.FollowUps.Due", "{\"within_seconds\":7200}");
        assert_int_equal(json_array_size(json_object_get(p, "contacts")), 2);
        assert_int_equal(json_integer_value(json_object_get(p, "total")), 2);
        json_decref(p);
        /* brief: the fields a table of who is due shows, and no others. */
        p = ok(f, "io.tend.FollowUps.Due", "{\"brief\":true}");
        {
                json_t *c = json_array_get(json_object_get(p, "contacts"), 0);
                const char *keys[] = {"id",        "name",  "next_due", "last_interaction",
                                      "last_kind", "agenda"};

                assert_int_equal(json_object_size(c), ARRAY_SIZE(keys));
                for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                        assert_non_null(json_object_get(c, keys[i]));
                assert_string_equal(json_string_value(json_object_get(c, "name")), "Fi");
                assert_string_equal(json_string_value(json_object_get(c, "next_due")),
                                    "2020-01-01T00:00:00Z");
        }
        json_decref(p);
        /* total counts everyone due in the window, whatever the limit. */
        p = ok(f, "io.tend.FollowUps.Due", "{\"within_seconds\":7200,\"limit\":1}");
        assert_int_equal(json_array_size(json_object_get(p, "contacts")), 1);
        assert_int_equal(json_integer_value(json_object_get(p, "total")), 2);
        json_decref(p);
        p = ok(f, "io.tend.Service.Status", "{}");
        assert_int_equal(json_integer_value(json_object_get(p, "contacts")), 2);
        assert_int_equal(json_integer_value(json_object_get(p, "due_now")), 1);
        json_decref(p);
        expect_error(f, "io.tend.FollowUps.Snooze",
                     "{\"who\":\"fi\",\"until\":\"2020-01-02T00:00:00Z\"}",
                     "io.tend.Service.InvalidValue", "until");
        json_decref(ok(f, "io.tend.FollowUps.Snooze",
                       "{\"who\":\"fi\",\"until\":\"2099-01-02T00:00:00Z\"}"));
        p = ok(f, "io.tend.FollowUps.Due", "{}");
        assert_int_equal(json_array_size(json_object_get(p, "contacts")), 0);
        assert_int_equal(json_integer_value(json_object_get(p, "total")), 0);
        json_decref(p);
        expect_error(f, "io.tend.FollowUps.Due", "{\"within_seconds\":-1}",
                     "io.tend.Service.InvalidValue", "within_seconds");
}

static void test_remove(void **state)
{
        struct fixture *f = *state;
        json_t *p;

        json_decref(
            ok(f, "io.tend.Contacts.Add", "{\"name\":\"Hal\",\"emails\":[\"h@x.example\"]}"));
        json_decref(ok(f, "io.tend.Interactions.Log", "{\"who\":\"hal\",\"kind\":\"call\"}"));
        p = ok(f, "io.tend.Contacts.Remove", "{\"who\":\"h@x.example\"}");
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(p, "contact"), "name")), "Hal");
        json_decref(p);
        expect_error(f, "io.tend.Contacts.Remove", "{\"who\":\"hal\"}",
                     "io.tend.Contacts.NoSuchContact", NULL);
        expect_error(f, "io.tend.Interactions.List", "{\"who\":\"hal\"}",
                     "io.tend.Contacts.NoSuchContact", NULL);
}

static void test_every_method_is_in_its_idl(void **state)
{
        const struct varlink_service *svc = methods_service();

        for (size_t i = 0; svc->interfaces[i]; i++) {
                const struct varlink_interface *iface = svc->interfaces[i];
                char want[128];

                snprintf(want, sizeof(want), "interface %s\n", iface->name);
                assert_non_null(strstr(iface->idl, want));
                for (const struct varlink_method *m = iface->methods; m->name; m++) {
                        const char *decl, *end;
                        char *args;

                        snprintf(want, sizeof(want), "method %s(", m->name);
                        decl = strstr(iface->idl, want);
                        if (!decl) {
                                print_error("%s.%s is missing from the IDL\n", iface->name,
                                            m->name);
                                fail();
                        }
                        /* The parameter list runs up to the ") ->" of the declaration. */
                        end = strstr(decl, ") ->");
                        assert_non_null(end);
                        args = strndup(decl, (size_t)(end - decl));
                        assert_non_null(args);
                        for (const struct varlink_param *pp = m->params; pp->name; pp++) {
                                char *hit;
                                bool found = false;

                                snprintf(want, sizeof(want), "%s: ", pp->name);
                                for (hit = strstr(args, want); hit && !found;
                                     hit = strstr(hit + 1, want))
                                        found = hit > args && strchr("( \n", hit[-1]);
                                if (!found) {
                                        free(args);
                                        print_error("%s.%s(%s) is missing from the IDL\n",
                                                    iface->name, m->name, pp->name);
                                        fail();
                                }
                        }
                        free(args);
                }
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_add_validation, setup, teardown),
            cmocka_unit_test_setup_teardown(test_add_defaults_and_dedupe, setup, teardown),
            cmocka_unit_test_setup_teardown(test_ambiguous_candidates, setup, teardown),
            cmocka_unit_test_setup_teardown(test_update_cadence_and_due, setup, teardown),
            cmocka_unit_test_setup_teardown(test_log_rules, setup, teardown),
            cmocka_unit_test_setup_teardown(test_due_snooze_status, setup, teardown),
            cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
            cmocka_unit_test(test_every_method_is_in_its_idl),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
