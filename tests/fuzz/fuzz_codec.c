/* libFuzzer target: the record codec (daemon/store/codec.c). Decoding arbitrary bytes never
 * crashes; whatever decodes re-encodes, and that encoding decodes to a record that encodes to
 * the very same bytes (encode ∘ decode is a fixed point: no field is lost, changed or invented
 * on the way through). Every record type is tried on every input; the type byte selects. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "store-goals.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One record type: its decoder, encoder and destructor behind void pointers. */
#define CODEC_ROUND_TRIP(type, decode, encode, destroy)                                            \
        static void round_trip_##type(const uint8_t *data, size_t size)                            \
        {                                                                                          \
                struct type *a = NULL, *b = NULL;                                                  \
                uint8_t *one = NULL, *two = NULL;                                                  \
                size_t one_len, two_len;                                                           \
                                                                                                   \
                if (decode(data, size, &a) < 0)                                                    \
                        return;                                                                    \
                if (encode(a, &one, &one_len) < 0)                                                 \
                        abort();                                                                   \
                if (decode(one, one_len, &b) < 0)                                                  \
                        abort();                                                                   \
                if (encode(b, &two, &two_len) < 0)                                                 \
                        abort();                                                                   \
                if (one_len != two_len || memcmp(one, two, one_len) != 0)                          \
                        abort();                                                                   \
                free(one);                                                                         \
                free(two);                                                                         \
                destroy(a);                                                                        \
                destroy(b);                                                                        \
        }

CODEC_ROUND_TRIP(contact, codec_contact_decode, codec_contact_encode, contact_free)
CODEC_ROUND_TRIP(interaction, codec_interaction_decode, codec_interaction_encode, interaction_free)
CODEC_ROUND_TRIP(goal, codec_goal_decode, codec_goal_encode, goal_free)
CODEC_ROUND_TRIP(goal_link, codec_goal_link_decode, codec_goal_link_encode, goal_link_free)
CODEC_ROUND_TRIP(intro, codec_intro_decode, codec_intro_encode, intro_free)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        round_trip_contact(data, size);
        round_trip_interaction(data, size);
        round_trip_goal(data, size);
        round_trip_goal_link(data, size);
        round_trip_intro(data, size);
        return 0;
}
