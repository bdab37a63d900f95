#include "reply.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vcard.h"

#include "model.h"
#include "timeutil.h"

int op_error_set(struct op_error *e, const char *name, json_t *params)
{
        json_decref(e->params);
        e->name = name;
        e->params = params ? params : json_object();
        return -ECANCELED;
}

void op_error_done(struct op_error *e)
{
        json_decref(e->params);
        e->params = NULL;
        e->name = NULL;
}

json_t *reply_contact_ref(uint64_t id, const char *name)
{
        return json_pack("{s:I,s:s}", "id", (json_int_t)id, "name", strempty(name));
}

json_t *reply_time_or_null(int64_t t)
{
        char buf[TIME_RFC3339_MAX];

        if (t == 0)
                return json_null();
        return json_string(time_format_rfc3339(t, buf));
}

#define CANDIDATES_MAX 20

int reply_resolve_who(struct store_txn *t, const char *who, struct op_error *err,
                      struct contact **ret)
{
        uint64_t ids[CANDIDATES_MAX];
        json_t *candidates;
        int n;

        n = store_txn_contact_resolve(t, who, ids, CANDIDATES_MAX);
        if (n < 0)
                return n;
        if (n == 0)
                return op_error_set(err, "io.tend.Contacts.NoSuchContact",
                                    json_pack("{s:s}", "who", who));
        if (n == 1)
                return store_txn_contact_get(t, ids[0], ret);

        candidates = json_array();
        for (int i = 0; i < n && i < CANDIDATES_MAX; i++) {
                struct contact *c = NULL;

                if (store_txn_contact_get(t, ids[i], &c) < 0)
                        continue;
                json_array_append_new(candidates, reply_contact_ref(c->id, c->name));
                contact_free(c);
        }
        return op_error_set(
            err, "io.tend.Contacts.AmbiguousContact",
            json_pack("{s:s,s:o,s:i}", "who", who, "candidates", candidates, "total", n));
}

static json_t *str_or_null(const char *s)
{
        return s && *s ? json_string(s) : json_null();
}

static json_t *strv_json(char *const *v)
{
        json_t *a = json_array();

        for (size_t i = 0; v && v[i]; i++)
                json_array_append_new(a, json_string(v[i]));
        return a;
}

/* The value of a REPLY field of the table (contact-fields.h), as the Contact object has it. */
static json_t *reply_field(const struct contact *c, const struct contact_field *f)
{
        switch (f->type) {
        case CF_STR:
        case CF_NOTE:
        case CF_KIND:
        case CF_BIRTHDAY:
                return str_or_null(*CONTACT_FIELD_PTR(c, f, char *));
        case CF_LIST:
        case CF_LINES:
                return strv_json(*CONTACT_FIELD_PTR(c, f, char **));
        case CF_TIME:
                return reply_time_or_null(*CONTACT_FIELD_PTR(c, f, int64_t));
        default:
                return NULL; /* the others are shaped by reply_contact itself (OWN) */
        }
}

/* One ADR line kept in vcard_extra ("ADR;TYPE=home:;;1 Main St;Springfield;;12345;USA") as
 * {type, lines}: the non-empty components, unescaped by the vCard reader's own splitter. */
static json_t *address_json(const char *line)
{
        const char *colon = NULL, *type = NULL;
        _cleanup_strv_ char **parts = NULL;
        json_t *lines = json_array(), *o;
        bool quoted = false;
        char tbuf[32] = "";

        for (const char *p = line; *p; p++) {
                if (*p == '"')
                        quoted = !quoted;
                else if (*p == ':' && !quoted) {
                        colon = p;
                        break;
                }
        }
        if (!lines || !colon || vcard_split(colon + 1, strlen(colon + 1), ';', &parts) < 0) {
                json_decref(lines);
                return NULL;
        }
        type = strcasestr(line, "TYPE=");
        if (type && type < colon) {
                size_t n = strcspn(type + 5, ";:,\"");

                if (type[5] == '"')
                        n = strcspn(type + 6, "\",;:"), type++;
                snprintf(tbuf, sizeof(tbuf), "%.*s", (int)(n < sizeof(tbuf) ? n : sizeof(tbuf) - 1),
                         type + 5);
                for (char *q = tbuf; *q; q++)
                        *q = (char)tolower((unsigned char)*q);
        }
        for (size_t i = 0; parts && parts[i]; i++)
                if (*parts[i])
                        json_array_append_new(lines, json_string(parts[i]));
        o = json_pack("{s:o,s:o}", "type", *tbuf ? json_string(tbuf) : json_null(), "lines", lines);
        return o;
}

json_t *reply_addresses(const struct contact *c)
{
        json_t *a = json_array();

        for (size_t i = 0; a && c->vcard_extra && c->vcard_extra[i]; i++) {
                const char *l = c->vcard_extra[i];
                json_t *o;

                /* A group prefix ("item1.ADR") is allowed. */
                if (strchr(l, '.') && strchr(l, '.') < l + strcspn(l, ";:"))
                        l = strchr(l, '.') + 1;
                if (strncasecmp(l, "ADR", 3) != 0 || (l[3] != ':' && l[3] != ';'))
                        continue;
                o = address_json(l);
                if (o && json_array_append_new(a, o) < 0) {
                        json_decref(a);
                        return NULL;
                }
        }
        return a;
}

json_t *reply_contact_brief(const struct contact *c)
{
        return json_pack("{s:I,s:s,s:o,s:o,s:o,s:o}", "id", (json_int_t)c->id, "name",
                         strempty(c->name), "next_due", reply_time_or_null(c->next_due),
                         "last_interaction", reply_time_or_null(c->last_interaction), "last_kind",
                         str_or_null(c->last_kind), "agenda", str_or_null(c->agenda));
}

json_t *reply_contact(struct store_txn *t, const struct contact *c)
{
        json_t *o, *networks = json_array(), *met_via = json_null();
        size_t n;
        const struct contact_field *f = contact_fields(&n);

        for (int k = 0; k < _NETWORK_MAX; k++)
                if (c->networks & (1u << k))
                        json_array_append_new(networks, json_string(network_to_string(k)));

        if (c->introduced_by) {
                struct contact *intro = NULL;

                if (store_txn_contact_get(t, c->introduced_by, &intro) >= 0) {
                        json_decref(met_via);
                        met_via = reply_contact_ref(intro->id, intro->name);
                        contact_free(intro);
                }
        }

        o = json_pack(
            "{s:I,s:s,s:o,s:o,s:o}", "id", (json_int_t)c->id, "uuid", c->uuid, "networks", networks,
            "scope", c->scope == SCOPE_UNSET ? json_null() : json_string(scope_to_string(c->scope)),
            "met_via", met_via);
        if (!o)
                return NULL;
        /* Every field the table marks REPLY, under its key. */
        for (size_t i = 0; i < n; i++)
                if (f[i].reply == CF_REPLY_REPLY &&
                    json_object_set_new(o, f[i].key, reply_field(c, &f[i])) < 0) {
                        json_decref(o);
                        return NULL;
                }
        if (!c->name)
                json_object_set_new(o, "name", json_string(""));
        if (c->cadence > 0) {
                /* Whole days stay integers in JSON; 45 s test cadences become fractions. */
                json_object_set_new(o, "cadence_days",
                                    c->cadence % 86400 == 0
                                        ? json_integer(c->cadence / 86400)
                                        : json_real((double)c->cadence / 86400.0));
                json_object_set_new(o, "cadence_seconds", json_integer(c->cadence));
        } else {
                json_object_set_new(o, "cadence_days", json_null());
                json_object_set_new(o, "cadence_seconds", json_null());
        }
        if (c->stage != STAGE_NONE) {
                json_t *via = json_null();

                if (c->prospect_via) {
                        struct contact *v = NULL;

                        if (store_txn_contact_get(t, c->prospect_via, &v) >= 0) {
                                json_decref(via);
                                via = reply_contact_ref(v->id, v->name);
                                contact_free(v);
                        }
                }
                json_object_set_new(o, "prospect",
                                    json_pack("{s:s,s:o,s:o,s:o,s:o}", "stage",
                                              prospect_stage_to_string(c->stage), "since",
                                              reply_time_or_null(c->stage_changed), "plan",
                                              str_or_null(c->prospect_plan), "via", via, "via_name",
                                              str_or_null(c->prospect_via_name)));
        } else {
                json_object_set_new(o, "prospect", json_null());
        }
        return o;
}

json_t *reply_interaction(const struct interaction *i, const char *contact_name)
{
        json_t *o = json_pack("{s:o,s:s,s:o,s:o,s:s,s:o,s:o,s:o,s:o}", "id",
                              i->id ? json_integer((json_int_t)i->id) : json_null(), "uuid",
                              i->uuid, "contact", reply_contact_ref(i->contact_id, contact_name),
                              "at", reply_time_or_null(i->at), "kind", strempty(i->kind), "note",
                              str_or_null(i->note), "gave", str_or_null(i->gave), "got",
                              str_or_null(i->got), "goal_id",
                              i->goal_id ? json_integer((json_int_t)i->goal_id) : json_null());

        if (o && i->agenda && json_object_set_new(o, "agenda", json_string(i->agenda)) < 0) {
                json_decref(o);
                return NULL;
        }
        /* Captured from mail or a calendar: where from, and whether it is a touch at all. */
        if (o && interaction_source_to_string(i->source) &&
            (json_object_set_new(o, "source",
                                 json_pack("{s:s,s:s?}", "type",
                                           interaction_source_to_string(i->source), "id",
                                           i->source_id)) < 0 ||
             json_object_set_new(o, "touch", json_boolean(!i->no_touch)) < 0)) {
                json_decref(o);
                return NULL;
        }
        return o;
}
