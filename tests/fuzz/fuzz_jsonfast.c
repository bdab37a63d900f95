/* libFuzzer target: common/jsonfast.c against jansson. Whatever the fast path accepts, jansson
 * must accept too, with an equal value (so a declined input is the only way to differ). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "jsonfast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        json_t *fast = json_fast_loadb((const char *)data, size), *slow;
        json_error_t err;

        if (!fast)
                return 0;
        slow = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
        if (!slow || !json_equal(fast, slow))
                abort();
        json_decref(fast);
        json_decref(slow);
        return 0;
}
