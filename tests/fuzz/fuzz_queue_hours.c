/*
 * fuzz_queue_hours.c - libFuzzer target for a fever clinic's opening hours
 * as a desk types them (queue pillar): queue_hours_parse() on arbitrary text.
 *
 * Checks: accepted hours format back to a string that parses to the same
 * hours (a round trip), minutes stay within the day, and the next opening
 * from any moment is never in the past and at most a day ahead.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 32)
        return 0;
    char *in = malloc(size + 1); /* exact size: ASan sees a read past the end */
    memcpy(in, data, size);
    in[size] = '\0';
    struct queue_hours h, h2;
    if (queue_hours_parse(in, &h)) {
        CHECK(h.h24 || (h.open_min >= 0 && h.open_min < 1440 && h.close_min >= 0 &&
                        h.close_min < 1440 && h.open_min != h.close_min));
        char s[16];
        queue_hours_format(&h, s);
        CHECK(queue_hours_parse(s, &h2));
        CHECK(h2.h24 == h.h24 &&
              (h.h24 || (h2.open_min == h.open_min && h2.close_min == h.close_min)));
        int64_t now = 1672241400000 + (int64_t)(size * 7919) * 60000;
        int64_t next = queue_hours_next_open(&h, now, QUEUE_TZ_MIN);
        CHECK(next >= now && next - now <= 86400000);
    }
    free(in);
    return 0;
}
