/* Recording what the capture readers found; see capture.h. */
#include "capture.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "store-goals.h"
#include "store-transfer.h"
#include "touch.h"
#include "util.h"

#define IGNORE_MAX          4096 /* entries in the ignore list */
#define PARTICIPANTS_MAX    64   /* tracked people one interaction is recorded with */
#define IDS_PER_ADDRESS_MAX 4    /* an address belongs to one contact (EmailInUse) */

static enum interaction_source source_of(enum capture_source s)
{
        return s == CAPTURE_CALENDAR ? SOURCE_CALENDAR : SOURCE_MAIL;
}

/* ---- state ---- */

void capture_state_done(struct capture_state *s)
{
        free(s->error);
        *s = (struct capture_state){0};
}

static uint64_t get_u64(json_t *o, const char *key)
{
        json_t *v = json_object_get(o, key);

        return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v)
                                                               : 0;
}

int capture_state_get(struct store_txn *t, enum capture_source src, struct capture_state *ret)
{
        _cleanup_free_ char *text = NULL;
        json_t *o, *e;
        int r;

        *ret = (struct capture_state){0};
        r = store_txn_capture_state_get(t, source_of(src), &text);
        if (r < 0 || !text)
                return r;
        o = json_loads(text, 0, NULL);
        if (!json_is_object(o)) {
                json_decref(o);
                return -EBADMSG;
        }
        ret->checkpoint = get_u64(o, "checkpoint");
        ret->resume_at = (int64_t)get_u64(o, "resume_at");
        ret->progress_done = get_u64(o, "progress_done");
        ret->progress_total = get_u64(o, "progress_total");
        ret->last_scan = (int64_t)get_u64(o, "last_scan");
        ret->counts.captured = get_u64(o, "captured");
        ret->counts.received = get_u64(o, "received");
        ret->counts.bulk = get_u64(o, "bulk");
        ret->counts.seen = get_u64(o, "seen");
        ret->counts.unmatched = get_u64(o, "unmatched");
        ret->counts.ignored = get_u64(o, "ignored");
        ret->error_at = (int64_t)get_u64(o, "error_at");
        e = json_object_get(o, "error");
        if (json_is_string(e) && !(ret->error = strdup(json_string_value(e))))
                r = -ENOMEM;
        json_decref(o);
        return r;
}

int capture_state_put(struct store_txn *t, enum capture_source src, const struct capture_state *s)
{
        _cleanup_free_ char *text = NULL;
        json_t *o;

        o = json_pack(
            "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "checkpoint",
            (json_int_t)s->checkpoint, "resume_at", (json_int_t)s->resume_at, "progress_done",
            (json_int_t)s->progress_done, "progress_total", (json_int_t)s->progress_total,
            "last_scan", (json_int_t)s->last_scan, "captured", (json_int_t)s->counts.captured,
            "received", (json_int_t)s->counts.received, "bulk", (json_int_t)s->counts.bulk, "seen",
            (json_int_t)s->counts.seen, "unmatched", (json_int_t)s->counts.unmatched, "ignored",
            (json_int_t)s->counts.ignored, "error_at", (json_int_t)s->error_at);
        if (!o)
                return -ENOMEM;
        if (s->error && json_object_set_new(o, "error", json_string(s->error)) < 0) {
                json_decref(o);
                return -ENOMEM;
        }
        text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        if (!text)
                return -ENOMEM;
        return store_txn_capture_state_put(t, source_of(src), text);
}

int capture_rescan(struct store_txn *t, enum capture_source src)
{
        struct capture_state s;
        int r = capture_state_get(t, src, &s);

        if (r < 0)
                return r;
        s.checkpoint = 0;
        s.resume_at = 0;
        s.progress_done = s.progress_total = 0;
        r = capture_state_put(t, src, &s);
        capture_state_done(&s);
        return r;
}

/* ---- the ignore list ---- */

int capture_ignore_list(struct store_txn *t, char ***ret)
{
        _cleanup_free_ char *value = NULL;
        _cleanup_strv_ char **list = NULL;
        char *save = NULL;
        int r;

        *ret = NULL;
        r = store_txn_setting_get(t, CAPTURE_IGNORE_SETTING, &value);
        if (r < 0 || !value)
                return r;
        for (char *w = strtok_r(value, "\n", &save); w; w = strtok_r(NULL, "\n", &save))
                if (*w && strv_push(&list, w) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(list);
        return 0;
}

static int ignore_store(struct store_txn *t, char **list)
{
        _cleanup_free_ char *value = NULL;
        size_t size = 0;
        FILE *m = open_memstream(&value, &size);

        if (!m)
                return -ENOMEM;
        for (char **e = list; e && *e; e++)
                fprintf(m, "%s%s", e == list ? "" : "\n", *e);
        if (fclose(m) != 0)
                return -ENOMEM;
        return store_txn_setting_put(t, CAPTURE_IGNORE_SETTING, value);
}

int capture_ignore_add(struct store_txn *t, const char *entry)
{
        _cleanup_strv_ char **list = NULL;
        int r = capture_ignore_list(t, &list);

        if (r < 0)
                return r;
        if (strv_contains(list, entry, false))
                return 0;
        if (strv_length(list) >= IGNORE_MAX)
                return -E2BIG;
        if (strv_push(&list, entry) < 0)
                return -ENOMEM;
        r = ignore_store(t, list);
        return r < 0 ? r : 1;
}

int capture_ignore_remove(struct store_txn *t, const char *entry)
{
        _cleanup_strv_ char **list = NULL;
        size_t n = 0;
        bool found = false;
        int r = capture_ignore_list(t, &list);

        if (r < 0)
                return r;
        for (size_t i = 0; list && list[i]; i++) {
                if (streq(list[i], entry)) {
                        free(list[i]);
                        found = true;
                        continue;
                }
                list[n++] = list[i];
        }
        if (!found)
                return 0;
        if (list)
                list[n] = NULL;
        r = ignore_store(t, list);
        return r < 0 ? r : 1;
}

static void lower(char *s)
{
        for (; *s; s++)
                *s = (char)tolower((unsigned char)*s);
}

static bool domain_valid(const char *d)
{
        if (!*d || *d == '.' || strlen(d) > FIELD_EMAIL_MAX || !strchr(d, '.'))
                return false;
        for (; *d; d++)
                if (!(isalnum((unsigned char)*d) || *d == '.' || *d == '-' ||
                      (unsigned char)*d >= 0x80))
                        return false;
        return true;
}

int capture_ignore_entry(struct store_txn *t, const char *what, char **ret)
{
        _cleanup_free_ char *s = NULL;
        const char *at;
        uint64_t ids[2];
        int n;

        *ret = NULL;
        s = strdup(what);
        if (!s)
                return -ENOMEM;
        at = strchr(s, '@');
        if (at) {
                if (strchr(at + 1, '@') || !domain_valid(at + 1) || strlen(s) > FIELD_EMAIL_MAX ||
                    strpbrk(s, " \t\n<>,;"))
                        return -EINVAL;
                lower(s);
                *ret = TAKE_PTR(s);
                return 0;
        }
        n = store_txn_contact_resolve(t, what, ids, ARRAY_SIZE(ids));
        if (n < 0 && n != -EINVAL)
                return n;
        if (n == 1) {
                _cleanup_(contact_freep) struct contact *c = NULL;
                int r = store_txn_contact_get(t, ids[0], &c);

                if (r < 0)
                        return r;
                return asprintf(ret, "contact:%s", c->uuid) < 0 ? -ENOMEM : 0;
        }
        if (n > 1)
                return -ENOTUNIQ;
        if (domain_valid(s)) {
                lower(s);
                return asprintf(ret, "@%s", s) < 0 ? -ENOMEM : 0;
        }
        return -ENOENT;
}

/* ---- recording ---- */

struct recorder {
        struct core *core;
        struct store_txn *t;
        const struct capture_batch *b;
        char **ignore;
        int64_t now;
};

static bool is_me(const struct recorder *rc, const char *addr)
{
        for (char **m = rc->core->config->capture_me; m && *m; m++)
                if (strcasecmp(*m, addr) == 0)
                        return true;
        for (size_t i = 0; i < rc->b->n_me; i++)
                if (rc->b->me[i] && strcasecmp(rc->b->me[i], addr) == 0)
                        return true;
        return false;
}

static bool address_ignored(char **ignore, const char *addr)
{
        const char *domain = strrchr(addr, '@');

        for (char **e = ignore; e && *e; e++) {
                if ((*e)[0] == '@' && domain) {
                        const char *d = *e + 1;
                        size_t dl = strlen(d), al = strlen(domain + 1);

                        /* the domain and its subdomains */
                        if (strcasecmp(domain + 1, d) == 0 ||
                            (al > dl && domain[al - dl] == '.' &&
                             strcasecmp(domain + 1 + al - dl, d) == 0))
                                return true;
                } else if (strcasecmp(*e, addr) == 0)
                        return true;
        }
        return false;
}

static bool contact_ignored(char **ignore, const struct contact *c)
{
        for (char **e = ignore; e && *e; e++)
                if (strncmp(*e, "contact:", 8) == 0 && strcasecmp(*e + 8, c->uuid) == 0)
                        return true;
        return false;
}

static void contacts_free(struct contact **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                contact_free(v[i]);
}

/* The tracked people among the item's participants, each once, in the order first named. */
static int match(struct recorder *rc, const struct capture_item *it, struct contact **people,
                 size_t *ret_n, bool *ret_any_ignored)
{
        size_t n = 0;
        int r = 0;

        *ret_any_ignored = false;
        for (size_t i = 0; i < it->n_emails && n < PARTICIPANTS_MAX; i++) {
                _cleanup_free_ char *addr = NULL;
                uint64_t ids[IDS_PER_ADDRESS_MAX];
                int k;

                if (!it->emails[i] || !*it->emails[i] || strlen(it->emails[i]) > FIELD_EMAIL_MAX)
                        continue;
                addr = strdup(it->emails[i]);
                if (!addr) {
                        r = -ENOMEM;
                        goto fail;
                }
                lower(addr);
                if (is_me(rc, addr))
                        continue;
                k = store_txn_ids_by_email(rc->t, addr, ids, ARRAY_SIZE(ids));
                if (k < 0) {
                        r = k;
                        goto fail;
                }
                if (k > 0 && address_ignored(rc->ignore, addr)) {
                        *ret_any_ignored = true;
                        continue;
                }
                for (int j = 0; j < k && j < (int)ARRAY_SIZE(ids) && n < PARTICIPANTS_MAX; j++) {
                        struct contact *c = NULL;
                        bool dup = false;

                        for (size_t m = 0; m < n; m++)
                                dup = dup || people[m]->id == ids[j];
                        if (dup)
                                continue;
                        r = store_txn_contact_get(rc->t, ids[j], &c);
                        if (r == -ENOENT)
                                continue;
                        if (r < 0)
                                goto fail;
                        if (contact_ignored(rc->ignore, c)) {
                                *ret_any_ignored = true;
                                contact_free(c);
                                continue;
                        }
                        people[n++] = c;
                }
        }
        *ret_n = n;
        return 0;
fail:
        contacts_free(people, n);
        return r;
}

static const char *kind_of(const struct capture_item *it)
{
        if (it->source == CAPTURE_CALENDAR)
                return "meeting";
        return it->direction == CAPTURE_SENT ? "email" : "received";
}

static int record_item(struct recorder *rc, const struct capture_item *it,
                       struct capture_counts *cnt)
{
        struct contact *people[PARTICIPANTS_MAX];
        struct interaction in = {0};
        enum interaction_source src = source_of(it->source);
        size_t n = 0;
        bool any_ignored;
        int r;

        if (!it->key || !*it->key || strlen(it->key) > FIELD_SOURCE_ID_MAX)
                return -EINVAL;
        r = store_txn_captured_get(rc->t, src, it->key, NULL);
        if (r >= 0) {
                cnt->seen++;
                return 0;
        }
        if (r != -ENOENT)
                return r;
        if (it->bulk) {
                cnt->bulk++;
                return 0;
        }
        r = match(rc, it, people, &n, &any_ignored);
        if (r < 0)
                return r;
        if (n == 0) {
                if (any_ignored)
                        cnt->ignored++;
                else
                        cnt->unmatched++;
                return 0;
        }
        in.at = it->at;
        in.kind = (char *)kind_of(it); /* borrowed: never freed here */
        in.source = src;
        in.source_id = (char *)it->key;
        /* The same message or meeting captured on two machines is one interaction to sync. */
        uuid_from_name(it->source == CAPTURE_MAIL ? "tend capture mail" : "tend capture calendar",
                       it->key, in.uuid);
        in.no_touch = it->source == CAPTURE_MAIL && it->direction == CAPTURE_RECEIVED &&
                      !rc->core->config->capture_received_touch;
        r = touch_record_group(rc->t, core_goal_conf_every(rc->core), people[0], people + 1, n - 1,
                               &in, rc->now);
        free(in.with);
        free(in.agenda);
        if (r >= 0)
                r = store_txn_captured_put(rc->t, src, it->key, in.id);
        contacts_free(people, n);
        if (r < 0)
                return r;
        cnt->captured++;
        if (it->source == CAPTURE_MAIL && it->direction == CAPTURE_RECEIVED)
                cnt->received++;
        return 0;
}

int capture_record(struct core *core, struct store_txn *t, const struct capture_batch *b,
                   struct capture_counts *ret)
{
        struct recorder rc = {.core = core, .t = t, .b = b, .now = core_now(core)};
        struct capture_counts cnt = {0};
        struct capture_state st;
        int r;

        r = capture_ignore_list(t, &rc.ignore);
        if (r < 0)
                return r;
        r = capture_state_get(t, b->source, &st);
        if (r < 0)
                goto out;
        /* The first call wins: one journal entry names the whole batch. */
        store_txn_describe(t, "capture from %s",
                           b->source == CAPTURE_CALENDAR ? "calendar" : "mail");
        for (size_t i = 0; i < b->n; i++) {
                r = record_item(&rc, &b->items[i], &cnt);
                if (r == -EINVAL) {
                        cnt.unmatched++; /* a reader's malformed item is no reason to stop */
                        continue;
                }
                if (r < 0)
                        goto out;
        }
        if (b->n > 0 || !b->error) {
                /* An error alone leaves the reader's position as it was. */
                st.checkpoint = b->checkpoint ? b->checkpoint : st.checkpoint;
                st.resume_at = b->resume_at;
                st.progress_done = b->progress_done;
                st.progress_total = b->progress_total;
        }
        st.last_scan = rc.now;
        st.counts.captured += cnt.captured;
        st.counts.received += cnt.received;
        st.counts.bulk += cnt.bulk;
        st.counts.seen += cnt.seen;
        st.counts.unmatched += cnt.unmatched;
        st.counts.ignored += cnt.ignored;
        free(st.error);
        st.error = NULL;
        if (b->error) {
                st.error = strdup(b->error);
                if (!st.error) {
                        r = -ENOMEM;
                        goto out;
                }
                st.error_at = rc.now;
        }
        r = capture_state_put(t, b->source, &st);
        if (r >= 0 && ret)
                *ret = cnt;
out:
        capture_state_done(&st);
        strv_free(rc.ignore);
        return r;
}

struct sink_ctx {
        struct core *core;
        const struct capture_batch *batch;
};

static int sink_txn(struct store_txn *t, void *userdata)
{
        struct sink_ctx *x = userdata;

        return capture_record(x->core, t, x->batch, NULL);
}

int capture_sink(void *core, const struct capture_batch *batch)
{
        struct sink_ctx x = {.core = core, .batch = batch};

        return store_write(((struct core *)core)->store, sink_txn, &x);
}
