/* The follow-up engine (scheduler.c) in a real tendd, with its wall clock injected
 * (scheduler_set_clock_offset) and stepped forwards and backwards the way the clock watch
 * reports a step (scheduler_clock_changed): nothing fires twice, nothing is missed. There is no
 * bus (the addresses point nowhere), so every follow-up that fires is recorded as unshown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "model.h"
#include "scheduler.h"
#include "store.h"
#include "tendd.h"
#include "timeutil.h"

#define HOUR 3600LL
#define DAY  86400LL
#define T0   1780315200LL /* 2026-06-01 12:00:00 UTC */

struct fixture {
        char dir[64];
        struct tendd *d;
};

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        char data[128], sock[128], conf[128];
        struct tendd_options o = {.data_dir = data,
                                  .socket_path = sock,
                                  .config_path = conf,
                                  .initial_map_size = 1 << 20};

        assert_non_null(f);
        setenv("TZ", "UTC", 1);
        tzset();
        setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/tend-test-bus", 1);
        setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/tend-test-bus", 1);
        strcpy(f->dir, "/tmp/tend-scheduler-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(data, sizeof(data), "%s/data", f->dir);
        snprintf(sock, sizeof(sock), "%s/run/tendd.sock", f->dir);
        snprintf(conf, sizeof(conf), "%s/tendd.conf", f->dir); /* missing: the defaults */
        assert_int_equal(tendd_new(&o, &f->d), 0);
        assert_non_null(f->d->scheduler);
        f->d->config->quiet_start = f->d->config->quiet_end = 0; /* no quiet hours */
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        tendd_free(f->d);
        nftw(f->dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
        free(f);
        return 0;
}

/* Let the loop handle what is ready (re-arms after writes, runs), without blocking. */
static void spin(struct fixture *f)
{
        for (int i = 0; i < 20; i++)
                ev_run(f->d->loop, EVRUN_NOWAIT);
}

/* Step the scheduler's wall clock to `to`, as a clock change would. */
static void jump(struct fixture *f, int64_t to)
{
        scheduler_set_clock_offset(f->d->scheduler, to - time_now());
        scheduler_clock_changed(f->d->scheduler);
        spin(f);
}

static int put_fn(struct store_txn *t, void *userdata)
{
        return store_txn_contact_put(t, userdata);
}

static uint64_t add(struct fixture *f, const char *name, int64_t due)
{
        struct contact c = {.name = (char *)name, .next_due = due, .created = T0 - DAY};

        assert_int_equal(store_write(f->d->store, put_fn, &c), 0);
        spin(f);
        return c.id;
}

struct get_op {
        uint64_t id;
        struct contact *c;
};

static int get_fn(struct store_txn *t, void *userdata)
{
        struct get_op *op = userdata;

        contact_free(op->c);
        op->c = NULL;
        return store_txn_contact_get(t, op->id, &op->c);
}

static struct contact *get(struct fixture *f, uint64_t id)
{
        struct get_op op = {.id = id};

        assert_int_equal(store_read(f->d->store, get_fn, &op), 0);
        return op.c;
}

static uint64_t fired(struct fixture *f)
{
        return scheduler_fired_count(f->d->scheduler);
}

static void assert_notified(struct fixture *f, uint64_t id, int64_t due)
{
        struct contact *c = get(f, id);

        assert_int_equal(c->next_due, due);
        assert_int_equal(c->notified_due, due);
        assert_int_equal(c->notify_unshown, 1); /* no notification server */
        contact_free(c);
}

static void test_clock_steps_never_twice_never_missed(void **state)
{
        struct fixture *f = *state;
        struct scheduler *s = f->d->scheduler;
        uint64_t a, b, c;
        struct contact *x;
        int64_t a_back;

        jump(f, T0);
        a = add(f, "Ada", T0 + HOUR);
        b = add(f, "Ben", T0 + 2 * HOUR);
        c = add(f, "Cy", T0 + 10 * DAY);
        assert_int_equal(fired(f), 0);
        assert_int_equal(scheduler_next_wakeup(s), T0 + HOUR);

        /* Forward past Ada's due date: she fires once, right away. */
        jump(f, T0 + 90 * 60);
        assert_int_equal(fired(f), 1);
        assert_notified(f, a, T0 + HOUR);
        assert_int_equal(scheduler_next_wakeup(s), T0 + 2 * HOUR);

        /* Back a day, then forward over her due date again: nothing more. */
        jump(f, T0 - DAY);
        assert_int_equal(fired(f), 1);
        assert_int_equal(scheduler_next_wakeup(s), T0 + 2 * HOUR);
        jump(f, T0 + 90 * 60);
        assert_int_equal(fired(f), 1);
        jump(f, T0 + HOUR - 1);
        jump(f, T0 + HOUR + 1);
        assert_int_equal(fired(f), 1);

        /* Ben's turn, then back before both and forward again. */
        jump(f, T0 + 2 * HOUR + 60);
        assert_int_equal(fired(f), 2);
        assert_notified(f, b, T0 + 2 * HOUR);
        jump(f, T0);
        jump(f, T0 + 3 * HOUR);
        assert_int_equal(fired(f), 2);
        /* Still overdue, they come back once, at 09:00 the next day (the digest). */
        assert_int_equal(scheduler_next_wakeup(s), T0 + DAY - 3 * HOUR);

        /* A jump of ten days: Cy fires, Ada and Ben come back once each (not once per day
         * skipped). */
        jump(f, T0 + 10 * DAY + 60);
        assert_int_equal(fired(f), 5);
        assert_notified(f, c, T0 + 10 * DAY);
        assert_notified(f, a, T0 + HOUR);
        x = get(f, a);
        a_back = x->resurface_at;
        assert_int_equal(a_back, T0 + 11 * DAY - 3 * HOUR);
        contact_free(x);

        /* Back over all of it and forward again: nothing. */
        jump(f, T0 - 5 * DAY);
        assert_int_equal(fired(f), 5);
        jump(f, T0 + 10 * DAY + 120);
        assert_int_equal(fired(f), 5);
        assert_int_equal(scheduler_next_wakeup(s), a_back);

        /* The next morning they come back once more, all three. */
        jump(f, a_back + 1);
        assert_int_equal(fired(f), 8);
        jump(f, a_back + 2);
        assert_int_equal(fired(f), 8);
}

static void test_periodic_follows_the_injected_clock(void **state)
{
        struct fixture *f = *state;
        uint64_t id;

        jump(f, T0);
        /* Due in two seconds by the injected clock (real time plus an offset): the armed
         * periodic fires it, once. On a machine so busy that two seconds passed before the add
         * returned it has fired already, from the add's own scan: no periodic to look at. */
        id = add(f, "Soon", T0 + 2);
        if (fired(f) == 0)
                assert_int_equal(scheduler_next_wakeup(f->d->scheduler), T0 + 2);
        for (int i = 0; i < 300 && fired(f) == 0; i++) {
                ev_run(f->d->loop, EVRUN_ONCE);
                spin(f);
        }
        assert_int_equal(fired(f), 1);
        assert_notified(f, id, T0 + 2);
        spin(f);
        assert_int_equal(fired(f), 1);
}

static void test_added_in_the_past_fires_after_a_backward_step(void **state)
{
        struct fixture *f = *state;
        uint64_t id;

        /* Written while the clock is ahead, then the clock is put right: it is due later. */
        jump(f, T0 + DAY);
        id = add(f, "Later", T0 + 2 * HOUR);
        assert_int_equal(fired(f), 1); /* due in the past by then: at once */
        jump(f, T0);
        assert_int_equal(fired(f), 1);
        jump(f, T0 + 3 * HOUR);
        assert_int_equal(fired(f), 1);
        assert_notified(f, id, T0 + 2 * HOUR);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_clock_steps_never_twice_never_missed, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_periodic_follows_the_injected_clock, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(test_added_in_the_past_fires_after_a_backward_step,
                                            setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
