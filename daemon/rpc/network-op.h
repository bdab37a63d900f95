/* What the io.tend.Network handlers share (methods-network.c holds the interface; the
 * handlers live by concern: network-intros.c, network-analysis.c, network-prospects.c). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "rpc.h"
#include "store.h"
#include "varlink.h"

#define TOUCHES_MAX        200 /* most recent interactions per person used for health */
#define PATHS_DEFAULT      5
#define PLAN_DEFAULT       5
#define PLAN_PROSPECTS_MAX 100 /* prospects searched for warm paths when planning */
#define LEDGER_ENTRIES_MAX 200
#define INTROS_LIST_MAX    500

struct net_op {
        struct rpc *d;
        json_t *params;
        struct op_error err;
        json_t *result;
        int64_t now;
        /* parsed parameters */
        const char *text1, *text2, *text3;
        int64_t at;
        size_t limit;
        uint32_t networks;
        int64_t cadence;
        char **add, **remove;
};

/** Run fn in a write or read transaction and send its result or error; frees op's parts. */
int net_op_run(struct varlink_call *call, struct net_op *op, bool write, store_txn_fn fn);

/** Reply with op's recorded error (or r) and free op's parts. */
int net_op_invalid(struct varlink_call *call, struct net_op *op, int r);

/** The string parameter key of the call, or NULL. */
const char *net_op_param(struct net_op *op, const char *key);

void net_op_done(struct net_op *op);

/** s as a JSON string, or null when NULL or empty. */
json_t *net_str_or_null(const char *s);

/** The network names in mask as a JSON array. */
json_t *net_networks_json(uint32_t mask);

int method_introduce(struct varlink_call *call, json_t *params, void *userdata);
int method_introductions(struct varlink_call *call, json_t *params, void *userdata);
int method_remove_introduction(struct varlink_call *call, json_t *params, void *userdata);
int method_know(struct varlink_call *call, json_t *params, void *userdata);
int method_ties(struct varlink_call *call, json_t *params, void *userdata);
int method_remove_tie(struct varlink_call *call, json_t *params, void *userdata);
int method_path(struct varlink_call *call, json_t *params, void *userdata);
int method_graph(struct varlink_call *call, json_t *params, void *userdata);
int method_ledger(struct varlink_call *call, json_t *params, void *userdata);
int method_health(struct varlink_call *call, json_t *params, void *userdata);
int method_plan(struct varlink_call *call, json_t *params, void *userdata);
int method_prospect_add(struct varlink_call *call, json_t *params, void *userdata);
int method_prospect_next(struct varlink_call *call, json_t *params, void *userdata);
int method_prospect_list(struct varlink_call *call, json_t *params, void *userdata);
