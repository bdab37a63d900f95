/* Who knows whom; see ties.h. */
#include "ties.h"

#include <errno.h>
#include <stdlib.h>

#include "util.h"

int ties_record_strength(const struct intro *i)
{
        if (i->tie >= 1 && i->tie <= _TIE_LEVEL_MAX)
                return strength_of_level((enum tie_level)(i->tie - 1));
        return strength_of_level(TIE_MEDIUM);
}

struct between {
        uint64_t a, b;
        uint64_t *ids;
        size_t n, cap;
};

static int collect(const struct intro *i, void *userdata)
{
        struct between *m = userdata;

        if (i->kind != INTRO_KNOWS ||
            !((i->a == m->a && i->b == m->b) || (i->a == m->b && i->b == m->a)))
                return 0;
        if (m->n == m->cap) {
                size_t cap = m->cap ? m->cap * 2 : 4;
                uint64_t *v = reallocarray(m->ids, cap, sizeof(uint64_t));

                if (!v)
                        return -ENOMEM;
                m->ids = v;
                m->cap = cap;
        }
        m->ids[m->n++] = i->id;
        return 0;
}

int ties_remove(struct store_txn *t, uint64_t a, uint64_t b, int64_t now)
{
        struct between m = {.a = a, .b = b};
        int r = store_txn_contact_intros(t, a, collect, &m);

        for (size_t k = 0; r >= 0 && k < m.n; k++)
                r = store_txn_intro_delete(t, m.ids[k], now);
        free(m.ids);
        return r < 0 ? r : (int)m.n;
}

int ties_add(struct store_txn *t, uint64_t a, uint64_t b, int tie, const char *note, int64_t now,
             struct intro *ret, bool *ret_replaced)
{
        int r;

        if (a == b)
                return -EINVAL;
        r = ties_remove(t, a, b, now);
        if (r < 0)
                return r;
        *ret_replaced = r > 0;
        *ret = (struct intro){
            .a = a,
            .b = b,
            .kind = INTRO_KNOWS,
            .tie = tie >= 0 ? (uint32_t)tie + 1 : 0,
            .note = (char *)note,
            .at = now,
            .created = now,
        };
        return store_txn_intro_add(t, ret);
}
