/*
 * jdec.h - decode a JSON request body field by field, collecting every
 * failure into a struct crest_error (so one reply names all bad fields).
 *
 * Usage: jdec_begin(); then jdec_str()/jdec_int()/… per known field; then
 * jdec_end(), which flags any field the handler did not ask for as unknown.
 * Strings returned point into the parsed document and live until jdec_free().
 * jansson rejects invalid UTF-8, duplicate keys and NUL bytes for us.
 */
#ifndef CREST_JDEC_H
#define CREST_JDEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define JDEC_MAX_KNOWN 48

struct jdec {
    json_t *root;
    struct crest_error *err;
    const char *known[JDEC_MAX_KNOWN];
    int nknown;
};

/* Parse body; it must be a JSON object. On failure fills err (field "body")
 * and returns CREST_INVALID; jdec_free() is still safe to call. */
int jdec_begin(struct jdec *d, const char *body, size_t n, struct crest_error *err);

/* Decode an already-parsed object (takes a reference to it). */
int jdec_begin_json(struct jdec *d, json_t *obj, struct crest_error *err);

/* A string of minlen..maxlen Unicode characters without control characters.
 * Returns NULL when absent (an error if required) or invalid. */
const char *jdec_str(struct jdec *d, const char *field, bool required, size_t minlen,
                     size_t maxlen);
/* An integer in [min, max]; false when absent or invalid. */
bool jdec_int(struct jdec *d, const char *field, bool required, int64_t min, int64_t max,
              int64_t *out);
/* A number (integer or real) in [min, max]; false when absent or invalid. */
bool jdec_double(struct jdec *d, const char *field, bool required, double min, double max,
                 double *out);
/* true/false; false when absent or invalid (check *present). */
bool jdec_bool(struct jdec *d, const char *field, bool required, bool *out);

/* Was the field present (and not null)? Marks it known. */
bool jdec_has(struct jdec *d, const char *field);

/* Flag unknown fields; returns the error code so far (CREST_OK if clean). */
int jdec_end(struct jdec *d);
void jdec_free(struct jdec *d);

/* Number of Unicode code points in a valid UTF-8 string. */
size_t jdec_utf8_len(const char *s);

#endif
