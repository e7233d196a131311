/* jdec.c - field-by-field JSON request decoding; see jdec.h. */
#include "jdec.h"

#include "../base/str.h"
#include <stdio.h>
#include <string.h>

int jdec_begin(struct jdec *d, const char *body, size_t n, struct crest_error *err)
{
    json_error_t je;
    d->err = err;
    d->nknown = 0;
    d->root = NULL;
    if (n == 0)
        return crest_error_field(err, "body", "required", "body_required", NULL);
    d->root = json_loadb(body, n, JSON_REJECT_DUPLICATES, &je);
    if (!d->root) {
        char where[64];
        snprintf(where, sizeof where, "%d:%d", je.line, je.column);
        return crest_error_field(err, "body", "malformed", "body_malformed", where);
    }
    if (!json_is_object(d->root))
        return crest_error_field(err, "body", "type", "body_not_object", NULL);
    return CREST_OK;
}

int jdec_begin_json(struct jdec *d, json_t *obj, struct crest_error *err)
{
    d->err = err;
    d->nknown = 0;
    d->root = json_incref(obj);
    if (!json_is_object(obj))
        return crest_error_field(err, "body", "type", "body_not_object", NULL);
    return CREST_OK;
}

static json_t *field(struct jdec *d, const char *name, bool required)
{
    if (!d->root || !json_is_object(d->root))
        return NULL;
    if (d->nknown < JDEC_MAX_KNOWN)
        d->known[d->nknown++] = name;
    json_t *v = json_object_get(d->root, name);
    if ((!v || json_is_null(v)) && required)
        crest_error_field(d->err, name, "required", "field_required", NULL);
    return json_is_null(v) ? NULL : v;
}

size_t jdec_utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

const char *jdec_str(struct jdec *d, const char *name, bool required, size_t minlen, size_t maxlen)
{
    json_t *v = field(d, name, required);
    if (!v)
        return NULL;
    if (!json_is_string(v)) {
        crest_error_field(d->err, name, "type", "field_not_string", NULL);
        return NULL;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) { /* embedded NUL */
        crest_error_field(d->err, name, "invalid", "field_control_chars", NULL);
        return NULL;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* C0, DEL, and the C1 controls U+0080..U+009F (UTF-8 C2 80..C2 9F) */
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)) {
            crest_error_field(d->err, name, "invalid", "field_control_chars", NULL);
            return NULL;
        }
    }
    size_t len = jdec_utf8_len(s);
    char arg[24];
    if (len < minlen) {
        snprintf(arg, sizeof arg, "%zu", minlen);
        crest_error_field(d->err, name, len == 0 ? "required" : "too_short",
                          len == 0 ? "field_required" : "field_too_short", arg);
        return NULL;
    }
    if (len > maxlen) {
        snprintf(arg, sizeof arg, "%zu", maxlen);
        crest_error_field(d->err, name, "too_long", "field_too_long", arg);
        return NULL;
    }
    return s;
}

bool jdec_int(struct jdec *d, const char *name, bool required, int64_t min, int64_t max,
              int64_t *out)
{
    json_t *v = field(d, name, required);
    if (!v)
        return false;
    if (!json_is_integer(v)) {
        crest_error_field(d->err, name, "type", "field_not_integer", NULL);
        return false;
    }
    json_int_t x = json_integer_value(v);
    if (x < min || x > max) {
        char arg[64];
        snprintf(arg, sizeof arg, "%lld..%lld", (long long)min, (long long)max);
        crest_error_field(d->err, name, "range", "field_range", arg);
        return false;
    }
    *out = x;
    return true;
}

bool jdec_double(struct jdec *d, const char *name, bool required, double min, double max,
                 double *out)
{
    json_t *v = field(d, name, required);
    if (!v)
        return false;
    if (!json_is_number(v)) {
        crest_error_field(d->err, name, "type", "field_not_number", NULL);
        return false;
    }
    double x = json_number_value(v);
    if (!(x >= min && x <= max)) {
        char arg[64];
        snprintf(arg, sizeof arg, "%g..%g", min, max);
        crest_error_field(d->err, name, "range", "field_range", arg);
        return false;
    }
    *out = x;
    return true;
}

bool jdec_has(struct jdec *d, const char *name)
{
    return field(d, name, false) != NULL;
}

bool jdec_bool(struct jdec *d, const char *name, bool required, bool *out)
{
    json_t *v = field(d, name, required);
    if (!v)
        return false;
    if (!json_is_boolean(v)) {
        crest_error_field(d->err, name, "type", "field_not_boolean", NULL);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

int jdec_end(struct jdec *d)
{
    if (d->root && json_is_object(d->root)) {
        const char *k;
        json_t *v;
        json_object_foreach(d->root, k, v)
        {
            bool ok = false;
            for (int i = 0; i < d->nknown && !ok; i++)
                ok = strcmp(d->known[i], k) == 0;
            if (!ok) {
                char name[64];
                str_copy(name, sizeof name, k); /* truncated names are still useful */
                crest_error_field(d->err, name, "unknown", "field_unknown", NULL);
            }
        }
    }
    return d->err->code;
}

void jdec_free(struct jdec *d)
{
    json_decref(d->root);
    d->root = NULL;
}
