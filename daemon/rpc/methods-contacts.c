/* io.tend.Contacts: add, look up, change, remove and list people. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fields.h"
#include "goals.h"
#include "identity.h"
#include "interfaces.h"
#include "merge.h"
#include "methods.h"
#include "config.h"
#include "dates.h"
#include "reply.h"
#include "rpc.h"
#include "strength.h"

/* Everything a client may set on a contact, validated before any transaction starts. */
struct contact_input {
        const char *name, *org, *title, *notes, *how_met, *met_via, *scope;
        const char *brings;   /* what they bring to the table (issue 4) */
        const char *birthday; /* "YYYY-MM-DD", "MM-DD"; "" clears */
        char **emails, **phones, **urls, **tags;
        char **remove_emails, **remove_phones, **remove_urls, **remove_tags;
        uint32_t networks, remove_networks;
        int64_t cadence;
        bool has_cadence;
        int64_t next_due;
        bool clear_due;
        bool allow_duplicate; /* --new: a name someone already has */
};

static void contact_input_done(struct contact_input *in)
{
        strv_free(in->emails);
        strv_free(in->phones);
        strv_free(in->urls);
        strv_free(in->tags);
        strv_free(in->remove_emails);
        strv_free(in->remove_phones);
        strv_free(in->remove_urls);
        strv_free(in->remove_tags);
}

static int parse_contact_input(json_t *p, bool update, struct contact_input *in, struct op_error *e)
{
        const char *pre = update ? "add_" : "";
        char key[32];
        int r;

        if ((r = fields_text(p, "name", FIELD_NAME_MAX, 0, e, &in->name)) < 0 ||
            (r = fields_text(p, "org", FIELD_NAME_MAX, 0, e, &in->org)) < 0 ||
            (r = fields_text(p, "title", FIELD_NAME_MAX, 0, e, &in->title)) < 0 ||
            (r = fields_text(p, "notes", FIELD_NOTE_MAX, 1, e, &in->notes)) < 0 ||
            (r = fields_text(p, "how_met", FIELD_NAME_MAX, 0, e, &in->how_met)) < 0 ||
            (r = fields_text(p, "met_via", FIELD_NAME_MAX, 0, e, &in->met_via)) < 0 ||
            (r = fields_text(p, "scope", 16, 0, e, &in->scope)) < 0)
                return r;
        if ((r = fields_text(p, "brings", FIELD_NOTE_MAX, 1, e, &in->brings)) < 0)
                return r;
        if ((r = fields_text(p, "birthday", 16, 0, e, &in->birthday)) < 0)
                return r;
        if (in->birthday && *in->birthday) {
                struct date_md d;

                if (date_md_parse(in->birthday, &d) < 0)
                        return op_error_set(e, "io.tend.Service.InvalidValue",
                                            json_pack("{s:s,s:s}", "parameter", "birthday",
                                                      "reason", "not a date: YYYY-MM-DD or MM-DD"));
        }
        if (in->name) {
                /* A name is what people are found by: no empty or blank names. */
                const char *s = in->name;

                while (*s == ' ' || *s == '\t')
                        s++;
                if (!*s)
                        return op_error_set(
                            e, "io.tend.Service.InvalidValue",
                            json_pack("{s:s,s:s}", "parameter", "name", "reason", "empty"));
        }
        if (in->scope && *in->scope && scope_from_string(in->scope) < SCOPE_INTERNAL)
                return op_error_set(e, "io.tend.Service.InvalidValue",
                                    json_pack("{s:s,s:s}", "parameter", "scope", "reason",
                                              "not internal or external"));

#define LIST(field, name, kind)                                                                    \
        snprintf(key, sizeof(key), "%s%s", pre, name);                                             \
        if ((r = fields_list(p, key, kind, e, &in->field)) < 0)                                    \
                return r;
        LIST(emails, "emails", FIELD_EMAIL);
        LIST(phones, "phones", FIELD_PHONE);
        LIST(urls, "urls", FIELD_URL);
        LIST(tags, "tags", FIELD_TAG);
#undef LIST
        snprintf(key, sizeof(key), "%snetworks", pre);
        if ((r = fields_networks(p, key, e, &in->networks)) < 0)
                return r;
        if (update) {
                if ((r = fields_list(p, "remove_emails", FIELD_EMAIL, e, &in->remove_emails)) < 0 ||
                    (r = fields_list(p, "remove_phones", FIELD_PHONE, e, &in->remove_phones)) < 0 ||
                    (r = fields_list(p, "remove_urls", FIELD_URL, e, &in->remove_urls)) < 0 ||
                    (r = fields_list(p, "remove_tags", FIELD_TAG, e, &in->remove_tags)) < 0 ||
                    (r = fields_networks(p, "remove_networks", e, &in->remove_networks)) < 0)
                        return r;
                in->clear_due = json_is_true(json_object_get(p, "clear_due"));
        }
        in->allow_duplicate = json_is_true(json_object_get(p, "allow_duplicate"));
        r = fields_cadence(p, "cadence_seconds", e, &in->cadence);
        if (r < 0)
                return r;
        in->has_cadence = r > 0;
        return fields_time(p, "next_due", e, &in->next_due);
}

/* Fails the transaction with EmailInUse when another contact already has one of emails. */
static int check_emails_free(struct store_txn *t, char **emails, uint64_t self, struct op_error *e)
{
        for (size_t i = 0; emails && emails[i]; i++) {
                uint64_t ids[2];
                int n = store_txn_contact_resolve(t, emails[i], ids, 2);

                if (n < 0)
                        return n;
                for (int k = 0; k < n && k < 2; k++) {
                        struct contact *other = NULL;
                        json_t *ref;

                        if (ids[k] == self)
                                continue;
                        if (store_txn_contact_get(t, ids[k], &other) < 0)
                                continue;
                        ref = reply_contact_ref(other->id, other->name);
                        contact_free(other);
                        return op_error_set(
                            e, "io.tend.Contacts.EmailInUse",
                            json_pack("{s:s,s:o}", "email", emails[i], "contact", ref));
                }
        }
        return 0;
}

static int resolve_met_via(struct store_txn *t, const char *who, uint64_t self, struct op_error *e,
                           uint64_t *ret)
{
        struct contact *c = NULL;
        int r;

        if (!who || !*who) {
                *ret = 0;
                return 0;
        }
        r = reply_resolve_who(t, who, e, &c);
        if (r < 0)
                return r;
        if (c->id == self) {
                contact_free(c);
                return op_error_set(e, "io.tend.Service.InvalidValue",
                                    json_pack("{s:s,s:s}", "parameter", "met_via", "reason",
                                              "a contact cannot introduce themselves"));
        }
        *ret = c->id;
        contact_free(c);
        return 0;
}

static int set_text(char **dst, const char *src)
{
        if (!src)
                return 0;
        return free_and_strdup(dst, *src ? src : NULL);
}

static int merge_list(char ***dst, char **add, char **remove, bool icase)
{
        for (size_t i = 0; remove && remove[i]; i++)
                strv_remove(*dst, remove[i], icase);
        for (size_t i = 0; add && add[i]; i++)
                if (!strv_contains(*dst, add[i], icase) && strv_push(dst, add[i]) < 0)
                        return -ENOMEM;
        if (strv_length(*dst) > FIELD_LIST_MAX)
                return -E2BIG;
        return 0;
}

/* Apply input onto c: shared by Add (c empty) and Update (c loaded). */
static int apply_input(struct contact *c, const struct contact_input *in)
{
        int r;

        if ((r = set_text(&c->name, in->name)) < 0 || (r = set_text(&c->org, in->org)) < 0 ||
            (r = set_text(&c->title, in->title)) < 0 || (r = set_text(&c->notes, in->notes)) < 0 ||
            (r = set_text(&c->how_met, in->how_met)) < 0 ||
            (r = set_text(&c->brings, in->brings)) < 0)
                return r;
        if (in->scope)
                c->scope = *in->scope ? scope_from_string(in->scope) : SCOPE_UNSET;
        if ((r = merge_list(&c->emails, in->emails, in->remove_emails, true)) < 0 ||
            (r = merge_list(&c->phones, in->phones, in->remove_phones, false)) < 0 ||
            (r = merge_list(&c->urls, in->urls, in->remove_urls, false)) < 0 ||
            (r = merge_list(&c->tags, in->tags, in->remove_tags, true)) < 0)
                return r;
        c->networks = (c->networks | in->networks) & ~in->remove_networks;
        return 0;
}

struct write_op {
        struct rpc *d;
        json_t *params;
        struct contact_input in;
        struct op_error err;
        json_t *result;
        int64_t now;
};

static int list_full(struct op_error *e)
{
        return op_error_set(e, "io.tend.Service.InvalidValue",
                            json_pack("{s:s,s:s}", "parameter", "list", "reason",
                                      "a contact holds at most 64 emails, phones, urls or tags"));
}

static int add_fn(struct store_txn *t, void *userdata)
{
        struct write_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = contact_new();
        int r;

        if (!c)
                return -ENOMEM;
        r = apply_input(c, &op->in);
        if (r == -E2BIG)
                return list_full(&op->err);
        if (r < 0)
                return r;
        if (!op->in.allow_duplicate) {
                r = identity_check_name(t, c->name, 0, &op->err);
                if (r < 0)
                        return r;
        }
        r = check_emails_free(t, c->emails, 0, &op->err);
        if (r < 0)
                return r;
        r = resolve_met_via(t, op->in.met_via, 0, &op->err, &c->introduced_by);
        if (r < 0)
                return r;
        /* Without --every, the shortest default cadence of its networks (tendd.conf). */
        c->cadence = op->in.has_cadence ? op->in.cadence
                                        : config_default_cadence(op->d->core->config, c->networks);
        if (op->in.next_due)
                c->next_due = op->in.next_due;
        else if (c->cadence > 0)
                c->next_due = op->now + c->cadence;
        c->created = c->updated = op->now;
        if (op->in.birthday && *op->in.birthday) {
                r = dates_set_birthday(c, op->in.birthday, op->now);
                if (r < 0)
                        return r;
        }
        r = store_txn_contact_put(t, c);
        if (r < 0)
                return r;
        json_decref(op->result);
        op->result = reply_contact(t, c);
        return op->result ? 0 : -ENOMEM;
}

static int run_write(struct varlink_call *call, struct write_op *op, store_txn_fn fn)
{
        int r = store_write(op->d->store, fn, op);

        if (r < 0)
                return op_error_reply(&op->err, call, r);
        return varlink_call_reply(call, json_pack("{s:O}", "contact", op->result));
}

static void write_op_done(struct write_op *op)
{
        contact_input_done(&op->in);
        op_error_done(&op->err);
        json_decref(op->result);
}

static int method_add(struct varlink_call *call, json_t *params, void *userdata)
{
        struct write_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        int r;

        r = parse_contact_input(params, false, &op.in, &op.err);
        if (r >= 0 && !op.in.name)
                r = op_error_set(&op.err, "org.varlink.service.InvalidParameter",
                                 json_pack("{s:s}", "parameter", "name"));
        if (r < 0)
                r = op_error_reply(&op.err, call, r);
        else
                r = run_write(call, &op, add_fn);
        write_op_done(&op);
        return r;
}

static int update_fn(struct store_txn *t, void *userdata)
{
        struct write_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        const char *who = json_string_value(json_object_get(op->params, "who"));
        int r;

        r = reply_resolve_who(t, who, &op->err, &c);
        if (r < 0)
                return r;
        r = apply_input(c, &op->in);
        if (r == -E2BIG)
                return list_full(&op->err);
        if (r < 0)
                return r;
        if (op->in.name && !op->in.allow_duplicate) {
                r = identity_check_name(t, op->in.name, c->id, &op->err);
                if (r < 0)
                        return r;
        }
        r = check_emails_free(t, op->in.emails, c->id, &op->err);
        if (r < 0)
                return r;
        if (op->in.met_via) {
                r = resolve_met_via(t, op->in.met_via, c->id, &op->err, &c->introduced_by);
                if (r < 0)
                        return r;
                /* A person named, or none: the name kept of a removed one has had its day. */
                free(c->met_via_name);
                c->met_via_name = NULL;
        }
        if (op->in.has_cadence && op->in.cadence != c->cadence) {
                /* A new rhythm counts from the last touch (or from now, never touched); with no
                 * cadence left, the recurring follow-up goes away. */
                c->cadence = op->in.cadence;
                if (c->cadence > 0)
                        c->next_due =
                            (c->last_interaction ? c->last_interaction : op->now) + c->cadence;
                else
                        c->next_due = 0;
                /* People linked to an active goal, prospects: their own rules (goals.h). */
                r = goals_apply_due_rules(t, goals_conf_every(op->d->core), c);
                if (r < 0)
                        return r;
        }
        if (op->in.clear_due)
                c->next_due = 0;
        if (op->in.next_due)
                c->next_due = op->in.next_due;
        if (op->in.birthday) {
                r = dates_set_birthday(c, *op->in.birthday ? op->in.birthday : NULL, op->now);
                if (r < 0)
                        return r;
        }
        c->updated = op->now;
        r = store_txn_contact_put(t, c);
        if (r < 0)
                return r;
        json_decref(op->result);
        op->result = reply_contact(t, c);
        return op->result ? 0 : -ENOMEM;
}

static int method_update(struct varlink_call *call, json_t *params, void *userdata)
{
        struct write_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        int r;

        r = parse_contact_input(params, true, &op.in, &op.err);
        if (r >= 0 && op.in.clear_due && op.in.next_due)
                r = op_error_set(&op.err, "io.tend.Service.InvalidValue",
                                 json_pack("{s:s,s:s}", "parameter", "clear_due", "reason",
                                           "conflicts with next_due"));
        if (r < 0)
                r = op_error_reply(&op.err, call, r);
        else
                r = run_write(call, &op, update_fn);
        write_op_done(&op);
        return r;
}

static int remove_fn(struct store_txn *t, void *userdata)
{
        struct write_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        const char *who = json_string_value(json_object_get(op->params, "who"));
        bool dry_run = json_is_true(json_object_get(op->params, "dry_run"));
        json_t *cascade = NULL;
        int r;

        r = reply_resolve_who(t, who, &op->err, &c);
        if (r < 0)
                return r;
        /* What goes and what changes elsewhere, told before (dry_run) and after. */
        r = identity_remove_cascade(t, c, &cascade);
        if (r < 0)
                return r;
        if (!dry_run) {
                r = identity_remove(t, c, op->now);
                if (r < 0) {
                        json_decref(cascade);
                        return r;
                }
        }
        json_decref(op->result);
        op->result = json_pack("{s:o,s:o,s:b}", "contact", reply_contact_ref(c->id, c->name),
                               "cascade", cascade, "dry_run", dry_run);
        return op->result ? 0 : -ENOMEM;
}

static int method_remove(struct varlink_call *call, json_t *params, void *userdata)
{
        struct write_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        bool dry_run = json_is_true(json_object_get(params, "dry_run"));
        int r;

        r = dry_run ? store_read(op.d->store, remove_fn, &op)
                    : store_write(op.d->store, remove_fn, &op);
        if (r < 0)
                r = op_error_reply(&op.err, call, r);
        else {
                r = varlink_call_reply(call, op.result);
                op.result = NULL;
        }
        write_op_done(&op);
        return r;
}

/* ---- merge ---- */

struct merge_op {
        struct rpc *d;
        json_t *params;
        struct op_error err;
        json_t *result;
        int64_t now;
};

/* Whether refs (ContactRef objects) names id already: an OTHER given twice merges once. */
static bool ref_listed(json_t *refs, uint64_t id)
{
        json_t *v;
        size_t i;

        json_array_foreach(refs, i, v)
        {
                if ((uint64_t)json_integer_value(json_object_get(v, "id")) == id)
                        return true;
        }
        return false;
}

static int merge_fn(struct store_txn *t, void *userdata)
{
        struct merge_op *op = userdata;
        _cleanup_(contact_freep) struct contact *keep = NULL;
        _cleanup_(merge_report_done) struct merge_report rep = {0};
        json_t *others = json_object_get(op->params, "others"), *v, *merged;
        size_t i;
        int r;

        r = reply_resolve_who(t, json_string_value(json_object_get(op->params, "keep")), &op->err,
                              &keep);
        if (r < 0)
                return r;
        merged = json_array();
        if (!merged)
                return -ENOMEM;
        /* Resolve every OTHER before moving anything: a typo merges nobody. */
        json_array_foreach(others, i, v)
        {
                _cleanup_(contact_freep) struct contact *o = NULL;

                r = reply_resolve_who(t, json_string_value(v), &op->err, &o);
                if (r >= 0 && o->id == keep->id)
                        r = op_error_set(&op->err, "io.tend.Service.InvalidValue",
                                         json_pack("{s:s,s:s}", "parameter", "others", "reason",
                                                   "names the person kept"));
                if (r >= 0 && !ref_listed(merged, o->id) &&
                    json_array_append_new(merged, reply_contact_ref(o->id, o->name)) < 0)
                        r = -ENOMEM;
                if (r < 0) {
                        json_decref(merged);
                        return r;
                }
        }
        json_array_foreach(merged, i, v)
        {
                uint64_t id = (uint64_t)json_integer_value(json_object_get(v, "id"));

                r = merge_contact(t, goals_conf_every(op->d->core), keep, id, op->now, &rep);
                if (r < 0) {
                        json_decref(merged);
                        return r;
                }
        }
        json_decref(op->result);
        op->result =
            json_pack("{s:o,s:o,s:{s:I,s:I,s:I,s:I,s:I,s:I},s:O}", "contact",
                      reply_contact(t, keep), "merged", merged, "moved", "interactions",
                      (json_int_t)rep.interactions, "introductions", (json_int_t)rep.introductions,
                      "introductions_dropped", (json_int_t)rep.introductions_dropped, "goal_links",
                      (json_int_t)rep.goal_links, "met_via", (json_int_t)rep.met_via,
                      "prospect_via", (json_int_t)rep.prospect_via, "conflicts", rep.conflicts);
        return op->result ? 0 : -ENOMEM;
}

static int method_merge(struct varlink_call *call, json_t *params, void *userdata)
{
        struct merge_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};
        json_t *others = json_object_get(params, "others");
        int r;

        if (json_array_size(others) == 0) {
                op_error_set(&op.err, "io.tend.Service.InvalidValue",
                             json_pack("{s:s,s:s}", "parameter", "others", "reason", "empty"));
                r = op_error_reply(&op.err, call, -ECANCELED);
        } else {
                r = store_write(op.d->store, merge_fn, &op);
                if (r < 0)
                        r = op_error_reply(&op.err, call, r);
                else {
                        r = varlink_call_reply(call, op.result);
                        op.result = NULL;
                }
        }
        op_error_done(&op.err);
        json_decref(op.result);
        return r;
}

struct read_op {
        struct rpc *d;
        json_t *params;
        struct op_error err;
        json_t *result;
        struct contact_filter filter;
        int64_t now;
        const char *org;  /* List: whole organisation name, case-insensitive; NULL = any */
        enum scope scope; /* List: SCOPE_UNSET = any */
        size_t limit;     /* List with org or scope: applied after them */
};

/* The tie strength at now, added to a Contact object. */
static int add_strength(struct store_txn *t, const struct contact *c, int64_t now, json_t *o)
{
        int s = strength_get(t, c, now);

        if (s < 0)
                return s;
        if (json_object_set_new(o, "strength", json_integer(s)) < 0 ||
            json_object_set_new(o, "strength_level",
                                json_string(tie_level_to_string(strength_level(s)))) < 0)
                return -ENOMEM;
        return 0;
}

static int get_fn(struct store_txn *t, void *userdata)
{
        struct read_op *op = userdata;
        _cleanup_(contact_freep) struct contact *c = NULL;
        const char *who = json_string_value(json_object_get(op->params, "who"));
        uint64_t count = 0;
        json_t *goals = NULL;
        int r;

        r = reply_resolve_who(t, who, &op->err, &c);
        if (r < 0)
                return r;
        r = store_txn_interaction_count(t, c->id, &count);
        if (r < 0)
                return r;
        r = goals_contact_json(t, c->id, &goals); /* issue 4: the goals they matter for */
        if (r < 0)
                return r;
        op->result = json_pack("{s:o,s:I,s:o,s:o,s:o}", "contact", reply_contact(t, c),
                               "interaction_count", (json_int_t)count, "goals", goals, "dates",
                               dates_contact_json(op->d->core->config, c, op->now), "addresses",
                               reply_addresses(c));
        if (!op->result)
                return -ENOMEM;
        return add_strength(t, c, op->now, json_object_get(op->result, "contact"));
}

static int run_read(struct varlink_call *call, struct rpc *d, struct read_op *op, store_txn_fn fn)
{
        int r = store_read(d->store, fn, op);

        if (r < 0)
                r = op_error_reply(&op->err, call, r);
        else {
                r = varlink_call_reply(call, op->result);
                op->result = NULL;
        }
        op_error_done(&op->err);
        json_decref(op->result);
        return r;
}

static int method_get(struct varlink_call *call, json_t *params, void *userdata)
{
        struct read_op op = {
            .d = userdata, .params = params, .now = core_now(((struct rpc *)userdata)->core)};

        return run_read(call, userdata, &op, get_fn);
}

struct list_ctx {
        struct store_txn *t;
        json_t *array;
        const struct read_op *op;
};

/* The organisation by its whole name or its first words, case-insensitively: "acme" finds
 * "Acme" and "ACME Robotics", not "Acmewerk". */
static bool org_matches(const char *org, const char *want)
{
        size_t len = strlen(want);

        if (!org)
                return false;
        while (*org == ' ' || *org == '\t')
                org++;
        if (strncasecmp(org, want, len) != 0)
                return false;
        return org[len] == '\0' || org[len] == ' ' || org[len] == '\t' || org[len] == ',' ||
               org[len] == '.' || org[len] == '-';
}

static int append_contact(const struct contact *c, void *userdata)
{
        struct list_ctx *ctx = userdata;
        json_t *o;
        int r;

        if (ctx->op && ctx->op->org && !org_matches(c->org, ctx->op->org))
                return 0;
        if (ctx->op && ctx->op->scope != SCOPE_UNSET && c->scope != ctx->op->scope)
                return 0;
        o = reply_contact(ctx->t, c);
        if (!o || json_array_append_new(ctx->array, o) < 0)
                return -ENOMEM;
        if (ctx->op) {
                r = add_strength(ctx->t, c, ctx->op->now, o);
                if (r < 0)
                        return r;
                if (ctx->op->limit && json_array_size(ctx->array) >= ctx->op->limit)
                        return 1;
        }
        return 0;
}

static int list_fn(struct store_txn *t, void *userdata)
{
        struct read_op *op = userdata;
        struct list_ctx ctx = {.t = t, .array = json_array(), .op = op};
        int r;

        if (!ctx.array)
                return -ENOMEM;
        r = store_txn_contact_list(t, &op->filter, append_contact, &ctx);
        if (r < 0) {
                json_decref(ctx.array);
                return r;
        }
        op->result = json_pack("{s:o}", "contacts", ctx.array);
        return op->result ? 0 : -ENOMEM;
}

static int method_list(struct varlink_call *call, json_t *params, void *userdata)
{
        struct read_op op = {.params = params, .now = core_now(((struct rpc *)userdata)->core)};
        const char *tag = NULL, *text = NULL, *org = NULL, *scope = NULL;
        int r;

        if ((r = fields_networks(params, "network", &op.err, &op.filter.networks)) < 0 ||
            (r = fields_text(params, "tag", FIELD_TAG_MAX, 0, &op.err, &tag)) < 0 ||
            (r = fields_text(params, "text", FIELD_NAME_MAX, 0, &op.err, &text)) < 0 ||
            (r = fields_text(params, "org", FIELD_NAME_MAX, 0, &op.err, &org)) < 0 ||
            (r = fields_text(params, "scope", 16, 0, &op.err, &scope)) < 0 ||
            (r = fields_time(params, "due_before", &op.err, &op.filter.due_before)) < 0 ||
            (r = fields_limit(params, "limit", &op.err, &op.filter.limit)) < 0) {
                r = op_error_reply(&op.err, call, r);
                op_error_done(&op.err);
                return r;
        }
        op.filter.tag = tag && *tag ? tag : NULL;
        op.filter.text = text && *text ? text : NULL;
        op.org = org && *org ? org : NULL;
        if (scope && *scope && (op.scope = scope_from_string(scope)) < SCOPE_INTERNAL) {
                r = op_error_set(&op.err, "io.tend.Service.InvalidValue",
                                 json_pack("{s:s,s:s}", "parameter", "scope", "reason",
                                           "not internal or external"));
                r = op_error_reply(&op.err, call, r);
                op_error_done(&op.err);
                return r;
        }
        if (op.org || op.scope != SCOPE_UNSET) {
                op.limit = op.filter.limit; /* counted after the filters the index cannot do */
                op.filter.limit = 0;
        }
        return run_read(call, userdata, &op, list_fn);
}

/* Where a search matched: "notes", "interaction #17", "goal #3"; and the same as an object
 * carrying what a reader needs to say it ("in a coffee note, 3 weeks ago"). */
static int append_place(const struct store_text_match *m, void *userdata)
{
        static const char *const names[] = {
            [STORE_MATCH_NAME] = "name",
            [STORE_MATCH_ORG] = "org",
            [STORE_MATCH_TITLE] = "title",
            [STORE_MATCH_NOTES] = "notes",
            [STORE_MATCH_HOW_MET] = "how_met",
            [STORE_MATCH_BRINGS] = "brings",
            [STORE_MATCH_EMAIL] = "email",
            [STORE_MATCH_TAG] = "tag",
            [STORE_MATCH_INTERACTION] = "interaction",
            [STORE_MATCH_GOAL] = "goal",
            [STORE_MATCH_GOAL_WHY] = "goal_why",
        };
        json_t *contact = userdata, *matched = json_object_get(contact, "matched"),
               *matches = json_object_get(contact, "matches"), *o;
        const char *field = names[m->field];
        char label[64];

        if (m->field == STORE_MATCH_INTERACTION)
                snprintf(label, sizeof(label), "interaction #%" PRIu64, m->id);
        else if (m->field == STORE_MATCH_GOAL)
                snprintf(label, sizeof(label), "goal #%" PRIu64, m->id);
        else if (m->field == STORE_MATCH_GOAL_WHY)
                snprintf(label, sizeof(label), "goal #%" PRIu64 " why", m->id);
        else
                snprintf(label, sizeof(label), "%s", field);
        /* The fields of the record come once each (several emails, several tags). */
        for (size_t i = 0; i < json_array_size(matched); i++)
                if (strcmp(json_string_value(json_array_get(matched, i)), label) == 0)
                        return 0;
        o = json_pack("{s:s}", "field", field);
        if (!o)
                return -ENOMEM;
        if (m->field == STORE_MATCH_INTERACTION)
                json_object_set_new(o, "at", reply_time_or_null(m->at));
        if (m->field == STORE_MATCH_INTERACTION && m->kind)
                json_object_set_new(o, "kind", json_string(m->kind));
        if (m->id)
                json_object_set_new(o, "id", json_integer((json_int_t)m->id));
        if (m->title)
                json_object_set_new(o, "title", json_string(m->title));
        if (json_array_append_new(matched, json_string(label)) < 0 ||
            json_array_append_new(matches, o) < 0)
                return -ENOMEM;
        return 0;
}

struct find_ctx {
        struct store_txn *t;
        json_t *array;
        const char *text;
};

static int append_found(const struct contact *c, void *userdata)
{
        struct find_ctx *ctx = userdata;
        json_t *o = reply_contact(ctx->t, c);
        int r;

        if (!o || json_array_append_new(ctx->array, o) < 0)
                return -ENOMEM;
        if (json_object_set_new(o, "matched", json_array()) < 0 ||
            json_object_set_new(o, "matches", json_array()) < 0)
                return -ENOMEM;
        r = store_txn_contact_places(ctx->t, c, ctx->text, append_place, o);
        return r < 0 ? r : 0;
}

static int find_fn(struct store_txn *t, void *userdata)
{
        struct read_op *op = userdata;
        struct find_ctx ctx = {.t = t, .array = json_array(), .text = op->filter.text};
        int r;

        if (!ctx.array)
                return -ENOMEM;
        r = store_txn_contact_list(t, &op->filter, append_found, &ctx);
        if (r < 0) {
                json_decref(ctx.array);
                return r;
        }
        op->result = json_pack("{s:o}", "contacts", ctx.array);
        return op->result ? 0 : -ENOMEM;
}

static int method_find(struct varlink_call *call, json_t *params, void *userdata)
{
        struct read_op op = {.params = params};
        const char *text = NULL;
        int r;

        if ((r = fields_text(params, "text", FIELD_NAME_MAX, 0, &op.err, &text)) < 0 ||
            (r = fields_limit(params, "limit", &op.err, &op.filter.limit)) < 0) {
                r = op_error_reply(&op.err, call, r);
                op_error_done(&op.err);
                return r;
        }
        if (!*text) {
                r = op_error_set(&op.err, "io.tend.Service.InvalidValue",
                                 json_pack("{s:s,s:s}", "parameter", "text", "reason", "empty"));
                r = op_error_reply(&op.err, call, r);
                op_error_done(&op.err);
                return r;
        }
        op.filter.text = text;
        op.filter.everywhere = true;
        return run_read(call, userdata, &op, find_fn);
}

static int dupes_fn(struct store_txn *t, void *userdata)
{
        struct read_op *op = userdata;
        json_t *groups = NULL;
        int r = identity_duplicates(t, op->filter.limit, &groups);

        if (r < 0)
                return r;
        op->result = json_pack("{s:o}", "duplicates", groups);
        return op->result ? 0 : -ENOMEM;
}

static int method_duplicates(struct varlink_call *call, json_t *params, void *userdata)
{
        struct read_op op = {.params = params};
        int r = fields_limit(params, "limit", &op.err, &op.filter.limit);

        if (r < 0) {
                r = op_error_reply(&op.err, call, r);
                op_error_done(&op.err);
                return r;
        }
        return run_read(call, userdata, &op, dupes_fn);
}

#define CONTACT_PARAMS(prefix)                                                                     \
        {"name", VARLINK_STRING, false}, {"scope", VARLINK_STRING, false},                         \
            {"org", VARLINK_STRING, false}, {"title", VARLINK_STRING, false},                      \
            {"notes", VARLINK_STRING, false}, {"how_met", VARLINK_STRING, false},                  \
            {"met_via", VARLINK_STRING, false}, {"cadence_seconds", VARLINK_INT, false},           \
            {"brings", VARLINK_STRING, false}, {"next_due", VARLINK_STRING, false},                \
            {"birthday", VARLINK_STRING, false}, {prefix "networks", VARLINK_STRV, false},         \
            {prefix "emails", VARLINK_STRV, false}, {prefix "phones", VARLINK_STRV, false},        \
            {prefix "urls", VARLINK_STRV, false},                                                  \
        {                                                                                          \
                prefix "tags", VARLINK_STRV, false                                                 \
        }

static const struct varlink_param add_params[] = {
    CONTACT_PARAMS(""),
    {"allow_duplicate", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_param update_params[] = {
    {"who", VARLINK_STRING, true},
    CONTACT_PARAMS("add_"),
    {"clear_due", VARLINK_BOOL, false},
    {"remove_networks", VARLINK_STRV, false},
    {"remove_emails", VARLINK_STRV, false},
    {"remove_phones", VARLINK_STRV, false},
    {"remove_urls", VARLINK_STRV, false},
    {"remove_tags", VARLINK_STRV, false},
    {"allow_duplicate", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_param remove_params[] = {
    {"who", VARLINK_STRING, true},
    {"dry_run", VARLINK_BOOL, false},
    {0},
};

static const struct varlink_param merge_params[] = {
    {"keep", VARLINK_STRING, true},
    {"others", VARLINK_STRV, true},
    {0},
};

static const struct varlink_param limit_params[] = {
    {"limit", VARLINK_INT, false},
    {0},
};

static const struct varlink_param who_params[] = {
    {"who", VARLINK_STRING, true},
    {0},
};

static const struct varlink_param list_params[] = {
    {"network", VARLINK_STRING, false},    {"tag", VARLINK_STRING, false},
    {"due_before", VARLINK_STRING, false}, {"text", VARLINK_STRING, false},
    {"org", VARLINK_STRING, false},        {"scope", VARLINK_STRING, false},
    {"limit", VARLINK_INT, false},         {0},
};

static const struct varlink_param find_params[] = {
    {"text", VARLINK_STRING, true},
    {"limit", VARLINK_INT, false},
    {0},
};

static const struct varlink_method contacts_methods[] = {
    {"Add", method_add, add_params},
    {"Get", method_get, who_params},
    {"Update", method_update, update_params},
    {"Remove", method_remove, remove_params},
    {"Merge", method_merge, merge_params},
    {"Duplicates", method_duplicates, limit_params},
    {"List", method_list, list_params},
    {"Find", method_find, find_params},
    {0},
};

const struct varlink_interface methods_contacts_interface = {
    .name = "io.tend.Contacts",
    .idl = idl_io_tend_Contacts,
    .methods = contacts_methods,
};
