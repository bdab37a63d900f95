/* libFuzzer target: the vdir import path on arbitrary bytes, as tendd runs it on a file that
 * appeared in the vdir — the card read (sync-card.h), stamped against the last agreed version,
 * merged field by field with the store's version, applied to a real store, written back — and
 * the written card must read again. One store in a temporary directory serves every input. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "sync-card.h"

static struct store *store;
static char fuzz_dir[] = "/tmp/tend-fuzz-vdir-XXXXXX";

/* The store is the run's own: it goes when the run ends. */
static void remove_store(void)
{
        char path[sizeof(fuzz_dir) + 16];

        store_close(store);
        store = NULL;
        snprintf(path, sizeof(path), "%s/data.mdb", fuzz_dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/lock.mdb", fuzz_dir);
        unlink(path);
        rmdir(fuzz_dir);
}

static const char base_card[] =
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:11111111-2222-4333-8444-555555555555\r\n"
    "FN:Ada Lovelace\r\nEMAIL:ada@example.com\r\nTITLE:Countess\r\n"
    "X-TEND-INTERACTION:{\"at\":\"2025-01-01T10:00:00Z\"\\,\"kind\":\"coffee\"\\,\"rev\":5\\,"
    "\"uuid\":\"aaaaaaaa-2222-4333-8444-555555555555\"}\r\n"
    "X-TEND-REVS:{\"name\":[3]\\,\"title\":[4\\,2]}\r\nEND:VCARD\r\n";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        if (!mkdtemp(fuzz_dir) ||
            store_open(&(struct store_options){.dir = fuzz_dir, .initial_map_size = 1u << 20},
                       &store) < 0)
                abort();
        atexit(remove_store);
        return 0;
}

struct apply_ctx {
        json_t *card;
};

static int apply(struct store_txn *t, void *userdata)
{
        struct apply_ctx *x = userdata;
        char reason[256];
        int r =
            sync_card_apply(t, x->card, 0, 86400 * 30, 1700000000, reason, sizeof(reason), NULL);

        return r == -EINVAL || r == -EEXIST ? -ECANCELED : r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1), *out = NULL, reason[256];
        json_t *card = NULL, *base = NULL, *merged = NULL, *again = NULL;
        size_t len = 0;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;
        if (sync_card_read(text, size, &card, reason, sizeof(reason)) < 0)
                goto done;
        if (sync_card_read(base_card, sizeof(base_card) - 1, &base, reason, sizeof(reason)) < 0)
                abort();
        if (sync_card_stamp(card, base, 1700000000000000, NULL, NULL) < 0)
                goto done;
        if (sync_card_merge(base, card, &merged, NULL) < 0)
                goto done;
        sync_card_settle(merged);
        json_decref(sync_card_conflicts(merged));
        /* What the merge made must be a card tend can write and read back. */
        if (sync_card_write(merged, &out, &len) == 0 &&
            sync_card_read(out, len, &again, reason, sizeof(reason)) < 0) {
                fprintf(stderr, "written card does not read back: %s\n%s", reason, out);
                abort();
        }
        store_write(store, apply, &(struct apply_ctx){.card = merged});
done:
        json_decref(card);
        json_decref(base);
        json_decref(merged);
        json_decref(again);
        free(out);
        free(text);
        return 0;
}
