/* io.tend.Network: the interface's method table, and your profile and offers. The other
 * handlers live by concern: introductions and who knows whom (network-intros.c), the analyses —
 * paths, graph, ledger, health, plan (network-analysis.c) — and the outreach pipeline
 * (network-prospects.c); what they share is network-op.h. */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "fields.h"
#include "goals.h"
#include "health.h"
#include "identity.h"
#include "interfaces.h"
#include "methods.h"
#include "netgraph.h"
#include "rank.h"
#include "reply.h"
#include "store-goals.h"
#include "store-transfer.h"
#include "rpc.h"
#include "strength.h"
#include "ties.h"
#include "timeutil.h"
#include "touch.h"

#include "network-op.h"

/* ---- profile and offers ---- */

static int offers_json(const char *offers, json_t **ret)
{
        json_t *a = json_array();
        const char *s = offers;

        if (!a)
                return -ENOMEM;
        while (s && *s) {
                size_t len = strcspn(s, "\n");

                if (len > 0)
                        json_array_append_new(a, json_stringn(s, len));
                s += len;
                if (*s)
                        s++;
        }
        *ret = a;
        return 0;
}

static int profile_json(struct store_txn *t, int64_t conf_every, json_t **ret)
{
        _cleanup_free_ char *profile = NULL, *offers = NULL;
        double tg[_NETWORK_MAX];
        enum profile p = PROFILE_UNSET;
        json_t *list = NULL;
        int64_t every;
        int r, from_profile;

        if ((r = store_txn_setting_get(t, SETTING_PROFILE, &profile)) < 0 ||
            (r = store_txn_setting_get(t, SETTING_OFFERS, &offers)) < 0 ||
            (r = from_profile = goals_every(t, conf_every, &every)) < 0)
                return r;
        if (profile && profile_from_string(profile) >= 0)
                p = profile_from_string(profile);
        profile_targets(p, tg);
        r = offers_json(offers, &list);
        if (r < 0)
                return r;
        *ret = json_pack("{s:s,s:s,s:{s:f,s:f,s:f},s:o,s:I,s:f}", "profile", profile_to_string(p),
                         "explanation", profile_explain(p), "targets", "operational",
                         tg[NETWORK_OPERATIONAL], "personal", tg[NETWORK_PERSONAL], "strategic",
                         tg[NETWORK_STRATEGIC], "offers", list, "goal_followup_seconds",
                         (json_int_t)every, "goal_followup_days", (double)every / 86400.0);
        if (*ret && json_object_set_new(*ret, "goal_followup_source",
                                        json_string(from_profile ? "profile" : "config")) < 0) {
                json_decref(*ret);
                *ret = NULL;
        }
        return *ret ? 0 : -ENOMEM;
}

static int get_profile_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        json_t *p = NULL;
        int r = profile_json(t, goals_conf_every(op->d->core), &p);

        if (r < 0)
                return r;
        op->result = json_pack("{s:o}", "profile", p);
        return op->result ? 0 : -ENOMEM;
}

static int method_get_profile(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {.d = userdata, .params = params};

        return net_op_run(call, &op, false, get_profile_fn);
}

static int set_profile_fn(struct store_txn *t, void *userdata)
{
        struct net_op *op = userdata;
        _cleanup_(goals_redate_done) struct goals_redate rd = {0};
        _cleanup_free_ char *offers = NULL;
        _cleanup_strv_ char **list = NULL;
        json_t *p = NULL;
        size_t len = 0, moved = 0;
        int r;

        if (op->text1) {
                r = store_txn_setting_put(t, SETTING_PROFILE, op->text1);
                if (r < 0)
                        return r;
        }
        if (op->cadence >= 0) {
                char buf[32];

                /* The people the goal rule dated get dates from the new interval. */
                r = goals_redate_begin(t, goals_conf_every(op->d->core), &rd);
                if (r < 0)
                        return r;
                snprintf(buf, sizeof(buf), "%lld", (long long)op->cadence);
                r = store_txn_setting_put(t, SETTING_GOAL_EVERY, op->cadence ? buf : NULL);
                if (r < 0)
                        return r;
                r = goals_redate_finish(t, goals_conf_every(op->d->core), op->now, &rd, &moved);
                if (r < 0)
                        return r;
        }
        if (op->add || op->remove) {
                char *s, *save = NULL;

                r = store_txn_setting_get(t, SETTING_OFFERS, &offers);
                if (r < 0)
                        return r;
                for (s = offers ? strtok_r(offers, "\n", &save) : NULL; s;
                     s = strtok_r(NULL, "\n", &save))
                        if (!strv_contains(op->remove, s, true) && strv_push(&list, s) < 0)
                                return -ENOMEM;
                for (size_t i = 0; op->add && op->add[i]; i++)
                        if (!strv_contains(list, op->add[i], true) &&
                            strv_push(&list, op->add[i]) < 0)
                                return -ENOMEM;
                if (strv_length(list) > OFFERS_MAX)
                        return op_error_set(&op->err, "io.tend.Service.InvalidValue",
                                            json_pack("{s:s,s:s}", "parameter", "add_offers",
                                                      "reason", "at most 64 offers"));
                free(offers);
                offers = NULL;
                for (size_t i = 0; list && list[i]; i++)
                        len += strlen(list[i]) + 1;
                offers = calloc(len + 1, 1);
                if (!offers)
                        return -ENOMEM;
                for (size_t i = 0; list && list[i]; i++) {
                        strcat(offers, list[i]);
                        strcat(offers, "\n");
                }
                r = store_txn_setting_put(t, SETTING_OFFERS, offers);
                if (r < 0)
                        return r;
        }
        r = profile_json(t, goals_conf_every(op->d->core), &p);
        if (r < 0)
                return r;
        json_decref(op->result);
        op->result = json_pack("{s:o,s:I}", "profile", p, "moved", (json_int_t)moved);
        return op->result ? 0 : -ENOMEM;
}

static int offers_param(json_t *params, const char *key, struct op_error *e, char ***ret)
{
        json_t *a = json_object_get(params, key), *v;
        _cleanup_strv_ char **list = NULL;
        size_t i;

        *ret = NULL;
        if (!a)
                return 0;
        if (json_array_size(a) > OFFERS_MAX)
                return op_error_set(
                    e, "io.tend.Service.InvalidValue",
                    json_pack("{s:s,s:s}", "parameter", key, "reason", "at most 64 offers"));
        json_array_foreach(a, i, v)
        {
                const char *s = json_string_value(v);
                size_t n = strspn(s, " \t");

                if (text_validate(s, OFFER_MAX, false) < 0 || !s[n])
                        return op_error_set(e, "io.tend.Service.InvalidValue",
                                            json_pack("{s:s,s:s}", "parameter", key, "reason",
                                                      "an offer is one line of text, at most 256 "
                                                      "bytes"));
                if (strv_push(&list, s + n) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(list);
        return 0;
}

static int method_set_profile(struct varlink_call *call, json_t *params, void *userdata)
{
        struct net_op op = {.d = userdata,
                            .params = params,
                            .now = core_now(((struct rpc *)userdata)->core),
                            .cadence = -1};
        json_t *every = json_object_get(params, "goal_followup_seconds");
        int r;

        r = fields_text(params, "profile", 32, 0, &op.err, &op.text1);
        if (r >= 0 && op.text1) {
                enum profile p = profile_from_string(op.text1);

                if (p <= PROFILE_UNSET && !streq(op.text1, "unset"))
                        r = op_error_set(&op.err, "io.tend.Service.InvalidValue",
                                         json_pack("{s:s,s:s}", "parameter", "profile", "reason",
                                                   "expected job-seeking, growing, founder or "
                                                   "unset"));
                else
                        op.text1 = p == PROFILE_UNSET ? "" : profile_to_string(p);
        }
        if (r >= 0 && every) {
                json_int_t v = json_integer_value(every);

                if (v < 0 || v > 366 * 86400LL)
                        r = op_error_set(&op.err, "io.tend.Service.InvalidValue",
                                         json_pack("{s:s,s:s}", "parameter",
                                                   "goal_followup_seconds", "reason",
                                                   "between 0 (the default) and a year"));
                else
                        op.cadence = v;
        }
        if (r >= 0)
                r = offers_param(params, "add_offers", &op.err, &op.add);
        if (r >= 0)
                r = offers_param(params, "remove_offers", &op.err, &op.remove);
        if (r < 0)
                return net_op_invalid(call, &op, r);
        return net_op_run(call, &op, true, set_profile_fn);
}

static const struct varlink_param no_params[] = {
    {0},
};

static const struct varlink_param set_profile_params[] = {
    {"profile", VARLINK_STRING, false},
    {"goal_followup_seconds", VARLINK_INT, false},
    {"add_offers", VARLINK_STRV, false},
    {"remove_offers", VARLINK_STRV, false},
    {0},
};

static const struct varlink_param introduce_params[] = {
    {"a", VARLINK_STRING, true},   {"b", VARLINK_STRING, true},   {"note", VARLINK_STRING, false},
    {"at", VARLINK_STRING, false}, {"by", VARLINK_STRING, false}, {0},
};

static const struct varlink_param know_params[] = {
    {"a", VARLINK_STRING, true},
    {"b", VARLINK_STRING, true},
    {"note", VARLINK_STRING, false},
    {"strength", VARLINK_STRING, false},
    {0},
};

static const struct varlink_param remove_tie_params[] = {
    {"a", VARLINK_STRING, true},
    {"b", VARLINK_STRING, true},
    {0},
};

static const struct varlink_param remove_intro_params[] = {
    {"id", VARLINK_INT, false},
    {"a", VARLINK_STRING, false},
    {"b", VARLINK_STRING, false},
    {"dry_run", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_param who_opt_params[] = {
    {"who", VARLINK_STRING, false},
    {0},
};

static const struct varlink_param path_params[] = {
    {"who", VARLINK_STRING, true},
    {"limit", VARLINK_INT, false},
    {0},
};

static const struct varlink_param graph_params[] = {
    {"network", VARLINK_STRING, false},
    {"linked_only", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_param limit_params[] = {
    {"limit", VARLINK_INT, false},
    {0},
};

static const struct varlink_param prospect_add_params[] = {
    {"name", VARLINK_STRING, true},           {"goal", VARLINK_STRING, false},
    {"why", VARLINK_STRING, false},           {"via", VARLINK_STRING, false},
    {"plan", VARLINK_STRING, false},          {"org", VARLINK_STRING, false},
    {"networks", VARLINK_STRV, false},        {"cadence_seconds", VARLINK_INT, false},
    {"allow_duplicate", VARLINK_BOOL, false}, {0},
};

static const struct varlink_param prospect_next_params[] = {
    {"who", VARLINK_STRING, true},
    {"stage", VARLINK_STRING, false},
    {"at", VARLINK_STRING, false},
    {0},
};

static const struct varlink_param prospect_list_params[] = {
    {"stage", VARLINK_STRING, false},
    {"all", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_method network_methods[] = {
    {"GetProfile", method_get_profile, no_params},
    {"SetProfile", method_set_profile, set_profile_params},
    {"Introduce", method_introduce, introduce_params},
    {"Introductions", method_introductions, who_opt_params},
    {"RemoveIntroduction", method_remove_introduction, remove_intro_params},
    {"Know", method_know, know_params},
    {"Ties", method_ties, who_opt_params},
    {"RemoveTie", method_remove_tie, remove_tie_params},
    {"Path", method_path, path_params},
    {"Graph", method_graph, graph_params},
    {"Ledger", method_ledger, who_opt_params},
    {"Health", method_health, no_params},
    {"Plan", method_plan, limit_params},
    {"ProspectAdd", method_prospect_add, prospect_add_params},
    {"ProspectNext", method_prospect_next, prospect_next_params},
    {"ProspectList", method_prospect_list, prospect_list_params},
    {0},
};

const struct varlink_interface methods_network_interface = {
    .name = "io.tend.Network",
    .idl = idl_io_tend_Network,
    .methods = network_methods,
};
