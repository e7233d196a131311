/*
 * fuzz_cookie_lang.c - libFuzzer target for the two request headers crest
 * parses by hand: Cookie (http_cookie_find) and Accept-Language
 * (http_lang_pick). The input is the header value.
 *
 * Checks: a cookie value is a view inside the header, after the cookie's
 * name; the language is "zh" or "en", and "en" only when the header has an
 * "en" in it somewhere.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static bool has_en(const char *s)
{
    for (; s[0] && s[1]; s++)
        if ((s[0] | 32) == 'e' && (s[1] | 32) == 'n')
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *h = malloc(size + 1); /* exact size: ASan sees a read past the end */
    memcpy(h, data, size);
    h[size] = '\0';
    size_t hlen = strlen(h);

    static const char *const names[] = {"crest_session", "a", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct str v = {NULL, 0};
        if (http_cookie_find(h, names[i], &v)) {
            CHECK(v.p != NULL);
            CHECK(v.p >= h + strlen(names[i]) + 1); /* "name=" comes first */
            CHECK(v.p + v.n <= h + hlen);
        }
    }

    const char *lang = http_lang_pick(h);
    CHECK(strcmp(lang, "zh") == 0 || strcmp(lang, "en") == 0);
    if (strcmp(lang, "en") == 0)
        CHECK(has_en(h));
    free(h);
    return 0;
}
