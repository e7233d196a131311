/*
 * fuzz_json.c - libFuzzer target for JSON request decoding: jdec_begin(), a
 * handler's field decoders, jdec_end() on arbitrary bytes, then the problem
 * messages the server would build from the errors.
 *
 * Checks: a string handed to a handler respects its bounds (counted in
 * characters) and has no control characters; an integer is in range; the
 * error list is capped; every field name and message is valid UTF-8 that
 * jansson accepts into the problem+json reply.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/jdec.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static void check_text(const char *s, size_t minlen, size_t maxlen)
{
    size_t n = jdec_utf8_len(s);
    CHECK(n >= minlen && n <= maxlen);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        CHECK(*p >= 0x20 && *p != 0x7f);
}

/* The text must survive being put into the reply. */
static void check_json_text(const char *s)
{
    json_t *j = json_string(s);
    CHECK(j != NULL);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = malloc(size ? size : 1); /* exact size: ASan sees a read past the end */
    memcpy(body, data, size);
    struct crest_error e;
    crest_error_clear(&e);
    struct jdec d;
    jdec_begin(&d, body, size, &e);

    const char *name = jdec_str(&d, "name", true, 1, 8);
    if (name)
        check_text(name, 1, 8);
    const char *code = jdec_str(&d, "code", false, 0, 64);
    if (code)
        check_text(code, 0, 64);
    int64_t n = 0, big = 0;
    if (jdec_int(&d, "n", false, -5, 5, &n))
        CHECK(n >= -5 && n <= 5);
    jdec_int(&d, "big", false, INT64_MIN, INT64_MAX, &big);
    bool ok = false;
    jdec_bool(&d, "ok", false, &ok);
    int rc = jdec_end(&d);

    CHECK(rc == (int)e.code);
    CHECK((rc == CREST_OK) == (e.nfields == 0));
    CHECK(e.nfields >= 0 && e.nfields <= CREST_ERR_MAX_FIELDS);
    for (int i = 0; i < e.nfields; i++) {
        const struct crest_field_err *f = &e.fields[i];
        CHECK(strlen(f->field) < sizeof f->field && strlen(f->arg) < sizeof f->arg);
        CHECK(f->key != NULL);
        check_json_text(f->field);
        char text[48]; /* small on purpose: truncation must keep whole characters */
        msg_format(text, sizeof text, "zh", f->key, f->arg);
        check_json_text(text);
        msg_format(text, sizeof text, "en", f->key, f->arg);
        check_json_text(text);
    }
    jdec_free(&d);
    free(body);
    return 0;
}
