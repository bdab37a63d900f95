/* Records as JSON (the objects of the io.tend interfaces), and the error a core operation
 * decided on inside its transaction (a qualified error name with parameters, replayed as the
 * reply after the transaction ends, because store_write may run an operation more than once;
 * rpc.h turns it into a varlink error). */
#pragma once

#include <jansson.h>

#include "model.h"
#include "store.h"

struct op_error {
        const char *name; /* qualified varlink error, NULL = none */
        json_t *params;   /* owned */
};

/** Record an error (params stolen; NULL = {}), replacing an earlier one. Returns -ECANCELED,
 * the value operations return to abort their transaction with a prepared reply. */
int op_error_set(struct op_error *e, const char *name, json_t *params);

void op_error_done(struct op_error *e);

/** Resolve WHO to one contact, loading it. On no match or several, records NoSuchContact or
 * AmbiguousContact (with candidates) in err and returns -ECANCELED. */
int reply_resolve_who(struct store_txn *t, const char *who, struct op_error *err,
                      struct contact **ret);

/** {id, name} */
json_t *reply_contact_ref(uint64_t id, const char *name);

/** The Contact object of io.tend.Contacts (met_via resolved to {id,name} through t). */
json_t *reply_contact(struct store_txn *t, const struct contact *c);

/** The fields of c a list of who is due shows: {id, name, next_due, last_interaction,
 * last_kind, agenda}, a fifth of reply_contact's bytes and work for a list of a million. */
json_t *reply_contact_brief(const struct contact *c);

/** The postal addresses kept among c's vCard properties (ADR), as [{type, lines}]. */
json_t *reply_addresses(const struct contact *c);

/** The Interaction object of io.tend.Interactions. */
json_t *reply_interaction(const struct interaction *i, const char *contact_name);

/** RFC 3339 string for t, or JSON null when t is 0. */
json_t *reply_time_or_null(int64_t t);
