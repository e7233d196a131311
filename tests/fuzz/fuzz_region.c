/*
 * fuzz_region.c - libFuzzer target for region codes as people type them:
 * region_code_normalize() on arbitrary text.
 *
 * Checks: an accepted code is canonical (digits, a level's length, a prefix
 * of what was typed), normalising it again changes nothing, and its GB/T 2260
 * form normalises back to it; a rejected one names the field, once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "region/region.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64)
        return 0;
    char *in = malloc(size + 1); /* exact size: ASan sees a read past the end */
    memcpy(in, data, size);
    in[size] = '\0';

    struct crest_error e;
    crest_error_clear(&e);
    char out[REGION_CODE_MAX];
    int rc = region_code_normalize(in, out, "code", &e);
    if (rc == CREST_OK) {
        CHECK(e.code == CREST_OK && e.nfields == 0);
        size_t n = strlen(out);
        CHECK(n > 0 && n < REGION_CODE_MAX);
        CHECK(str_all_digits((struct str){out, n}));
        CHECK(region_level_of(out) >= 0);
        CHECK(strncmp(in, out, n) == 0); /* only padding is ever removed */

        char again[REGION_CODE_MAX];
        CHECK(region_code_normalize(out, again, "code", &e) == CREST_OK);
        CHECK(strcmp(again, out) == 0);

        char gb[REGION_CODE_MAX], back[REGION_CODE_MAX];
        region_gb_code(out, gb);
        CHECK(region_code_normalize(gb, back, "code", &e) == CREST_OK);
        CHECK(strcmp(back, out) == 0);
    } else {
        CHECK(rc == CREST_INVALID && e.code == CREST_INVALID && e.nfields == 1);
        CHECK(strcmp(e.fields[0].field, "code") == 0);
    }
    free(in);
    return 0;
}
