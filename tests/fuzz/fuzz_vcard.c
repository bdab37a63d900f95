/* libFuzzer target: the vCard reader and mapper (common/vcard.c) on arbitrary bytes, then the
 * writer on every record it produced, and the reader again on what the writer wrote (which
 * must parse without errors into as many cards). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "vcard.h"

struct ctx {
        struct strbuf out;
        size_t cards;
        size_t errors;
};

static int on_card(const struct vcard *card, void *userdata)
{
        struct ctx *c = userdata;
        json_t *rec = NULL;
        const char *reason = NULL;

        if (vcard_to_record(card, &rec, &reason) == 0) {
                if (vcard_write_record(&c->out, rec) == 0)
                        c->cards++;
                json_decref(rec);
        }
        return 0;
}

static int on_error(size_t line, const char *reason, void *userdata)
{
        struct ctx *c = userdata;

        c->errors++;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const struct vcard_callbacks cb = {.card = on_card, .error = on_error};
        struct ctx first = {0}, second = {0};

        vcard_parse((const char *)data, size, &cb, &first);
        if (first.out.error == 0 && first.cards > 0) {
                vcard_parse(first.out.data, first.out.len, &cb, &second);
                if (second.errors != 0 || second.cards != first.cards)
                        abort(); /* what we write, we must read back */
        }
        strbuf_done(&first.out);
        strbuf_done(&second.out);
        return 0;
}
