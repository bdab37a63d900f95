/* io.tend.Service: the daemon's own status; and the service description tying the
 * interfaces together. */
#include <unistd.h>

#include "check.h"
#include "interfaces.h"
#include "log.h"
#include "methods.h"
#include "reply.h"
#include "server.h"
#include "rpc.h"

struct status_op {
        int64_t now;
        uint64_t contacts, due_now;
        int64_t next_due;
        json_t *next_contact;
};

static int status_fn(struct store_txn *t, void *userdata)
{
        struct status_op *op = userdata;
        uint64_t id;
        int r;

        r = store_txn_contact_count(t, &op->contacts);
        if (r < 0)
                return r;
        r = store_txn_due_first(t, &op->next_due, &id);
        if (r == -ENOENT) {
                op->next_due = 0;
                return 0;
        }
        if (r < 0)
                return r;
        {
                _cleanup_(contact_freep) struct contact *c = NULL;

                if (store_txn_contact_get(t, id, &c) >= 0)
                        op->next_contact = reply_contact_ref(c->id, c->name);
        }
        return store_txn_due_count(t, op->now + 1, &op->due_now);
}

static int method_status(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        struct status_op op = {.now = core_now(d->core)};
        char preferred[8];
        int r;

        r = store_read(d->store, status_fn, &op);
        if (r < 0) {
                json_decref(op.next_contact);
                return r;
        }
        {
                int pt = d->core->config ? d->core->config->preferred_time : 9 * 60;

                snprintf(preferred, sizeof(preferred), "%02d:%02d", pt / 60 % 24, pt % 60);
        }
        return varlink_call_reply(
            call,
            json_pack("{s:s,s:I,s:I,s:s,s:s,s:I,s:I,s:o,s:o,s:I,s:I,s:s}", "version", TEND_VERSION,
                      "pid", (json_int_t)getpid(), "uptime_seconds",
                      (json_int_t)(op.now - d->started), "data_dir", d->data_dir, "socket",
                      d->socket_path ? d->socket_path : "(socket activation)", "contacts",
                      (json_int_t)op.contacts, "due_now", (json_int_t)op.due_now, "next_due",
                      reply_time_or_null(op.next_due), "next_contact",
                      op.next_contact ? op.next_contact : json_null(), "map_size",
                      (json_int_t)store_map_size(d->store), "connections",
                      (json_int_t)server_connection_count(d->server), "preferred_time", preferred));
}

/* Check runs in one read transaction (clients go on being served beside it); a repair in
 * one write transaction. */
static int method_check(struct varlink_call *call, json_t *params, void *userdata)
{
        struct rpc *d = userdata;
        bool repair = json_is_true(json_object_get(params, "repair"));
        json_t *report = NULL;
        int r;

        r = check_store(d->store, repair, &report);
        if (r < 0)
                return r;
        if (r > 0)
                log_warning("Store check found %d problem%s%s.", r, r == 1 ? "" : "s",
                            repair ? "; every index was rebuilt from the records" : "");
        return varlink_call_reply(call, report);
}

static const struct varlink_param no_params[] = {
    {0},
};

static const struct varlink_param check_params[] = {
    {"repair", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_method service_methods[] = {
    {"Status", method_status, no_params},
    {"Check", method_check, check_params},
    {0},
};

const struct varlink_interface methods_service_interface = {
    .name = "io.tend.Service",
    .idl = idl_io_tend_Service,
    .methods = service_methods,
};

static const struct varlink_interface *const interfaces[] = {
    &methods_service_interface,   &methods_contacts_interface, &methods_interactions_interface,
    &methods_followups_interface, &methods_goals_interface,    &methods_network_interface,
    &methods_transfer_interface,  &methods_journal_interface,  &methods_dates_interface,
    &methods_sync_interface,      &methods_capture_interface,  NULL,
};

static const struct varlink_service service = {
    .vendor = "tend",
    .product = "tendd",
    .version = TEND_VERSION,
    .url = "man:tendd(8)",
    .interfaces = interfaces,
};

const struct varlink_service *methods_service(void)
{
        return &service;
}
