/*
 * fuzz_supply.c - libFuzzer target for the supply pillar's input rules:
 * dates as people type them (supply_date_add) and a receipt's batch/expiry
 * check (supply_receipt_check) on arbitrary text, and first-expiry-first-out
 * on arbitrary balances.
 *
 * Checks: an accepted date round-trips (+n then -n gives it back, and the
 * result is a well-formed YYYY-MM-DD); the receipt check names at most the
 * fields batch and expiry; FEFO takes exactly the quantity or nothing, never
 * more than a batch holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "supply/supply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4 || size > 256)
        return 0;
    int64_t n = (int64_t)(int16_t)(data[0] | data[1] << 8);
    data += 2;
    size -= 2;
    /* the rest: "batch\0expiry\0existing" */
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = '\0';
    const char *batch = in, *expiry = in + strlen(in);
    if ((size_t)(expiry - in) < size)
        expiry++;
    const char *existing = expiry + strlen(expiry);
    if ((size_t)(existing - in) < size)
        existing++;

    char d[11], back[11];
    if (supply_date_add(expiry, n, d)) {
        CHECK(strlen(d) == 10 && d[4] == '-' && d[7] == '-');
        if (supply_date_add(d, -n, back))
            CHECK(supply_date_add(expiry, 0, d) && strcmp(back, d) == 0);
    }
    struct crest_error e;
    crest_error_clear(&e);
    supply_receipt_check(data[0] & 1, n & 0x3ff, batch, expiry, existing, "2022-12-28", &e);
    for (int i = 0; i < e.nfields; i++)
        CHECK(!strcmp(e.fields[i].field, "batch") || !strcmp(e.fields[i].field, "expiry"));

    int64_t have[8], take[8], total = 0;
    int k = (int)(size < 16 ? size / 2 : 8);
    for (int i = 0; i < k; i++) {
        have[i] = data[i] % 50;
        total += have[i];
    }
    int64_t want = n < 0 ? -n % 400 : n % 400;
    bool ok = supply_fefo(have, k, want, take);
    int64_t got = 0;
    for (int i = 0; i < k; i++) {
        CHECK(take[i] >= 0 && take[i] <= have[i]);
        got += take[i];
    }
    CHECK(ok ? got == (want > 0 ? want : 0) : (got == 0 && want > total));
    free(in);
    return 0;
}
