/* Follow-up operations shared by io.tend.FollowUps and the notification buttons; see
 * followups.h. */
#include "followups.h"

#include <errno.h>

#include "reply.h"
#include "touch.h"

int followups_txn_snooze(struct store_txn *t, struct contact *c, int64_t until, int64_t now,
                         json_t **ret_result)
{
        json_t *result;
        int r;

        c->next_due = until;
        c->updated = now;
        store_txn_set_event(t, "snoozed");
        store_txn_describe(t, "snooze %s", c->name);
        r = store_txn_contact_put(t, c);
        if (r < 0)
                return r;
        result = json_pack("{s:o,s:o}", "contact", reply_contact_ref(c->id, c->name), "next_due",
                           reply_time_or_null(c->next_due));
        if (!result)
                return -ENOMEM;
        *ret_result = result;
        return 0;
}

int followups_txn_done(struct store_txn *t, int64_t conf_every, struct contact *c, const char *note,
                       int64_t now, json_t **ret_result)
{
        struct interaction in = {
            .at = now,
            .kind = (char *)FOLLOWUP_KIND,
            .note = note && *note ? (char *)note : NULL,
        };
        json_t *result;
        int r;

        store_txn_set_event(t, "done");
        store_txn_describe(t, "done with %s", c->name);
        r = touch_record(t, conf_every, c, &in, now);
        if (r < 0)
                return r;
        result =
            json_pack("{s:o,s:o,s:o}", "contact", reply_contact_ref(c->id, c->name), "interaction",
                      reply_interaction(&in, c->name), "next_due", reply_time_or_null(c->next_due));
        if (!result)
                return -ENOMEM;
        *ret_result = result;
        return 0;
}
