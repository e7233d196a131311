/*
 * fuzz_query.c - libFuzzer target for the query-string parser:
 * http_query_find() and http_pct_decode() on arbitrary bytes.
 *
 * Input: "NAME\nQUERY" asks for NAME in QUERY; without a newline the first
 * byte picks a name from a fixed list. Besides "no crash, no leak, no UB",
 * it checks the contracts: a decoded value is NUL-terminated inside cap, has
 * no NUL byte inside, and is never longer than what it was decoded from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static void decode(const char *p, size_t n, size_t cap)
{
    char *out = malloc(cap ? cap : 1); /* exact size: ASan sees a write past cap */
    size_t len = SIZE_MAX;
    if (http_pct_decode((struct str){p, n}, out, cap, &len)) {
        CHECK(len < cap && len <= n);
        CHECK(out[len] == '\0');
        CHECK(memchr(out, '\0', len) == NULL);
    }
    free(out);
}

static void find(const char *query, const char *name)
{
    size_t qlen = strlen(query);
    const size_t caps[] = {1, 4, qlen + 1};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        char *out = malloc(caps[i]);
        int rc = http_query_find(query, name, out, caps[i]);
        CHECK(rc >= -1 && rc <= 1);
        if (rc == 1) {
            size_t n = strlen(out);
            CHECK(n < caps[i] && n <= qlen);
        }
        free(out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the view is exactly the input: any read past it is an ASan report */
    decode((const char *)data, size, 0);
    decode((const char *)data, size, 3);
    decode((const char *)data, size, size + 1);
    if (size == 0)
        return 0;

    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    char *nl = memchr(s, '\n', size);
    if (nl) {
        *nl = '\0';
        find(nl + 1, s);
    } else {
        static const char *const names[] = {"a", "limit", "after", "", "q r", "%", "a+b"};
        find(s + 1, names[data[0] % (sizeof names / sizeof names[0])]);
    }
    free(s);
    return 0;
}
