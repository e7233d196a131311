/*
 * err.h - crest's one error enum and the error struct fallible functions fill.
 *
 * The numbers of enum crest_err never change (they appear in logs and tests).
 * A validation failure names the field and a message key; src/http/msg.c turns
 * keys into zh-CN / English text and src/http/problem.c into RFC 9457 bodies.
 */
#ifndef CREST_ERR_H
#define CREST_ERR_H

enum crest_err {
    CREST_OK = 0,
    CREST_NOMEM = 1,
    CREST_INVALID = 2,      /* bad input: 400/422 */
    CREST_NOTFOUND = 3,     /* 404, also "outside your scope" */
    CREST_CONFLICT = 4,     /* 409 */
    CREST_PRECONDITION = 5, /* 412: If-Match / version mismatch */
    CREST_BUSY = 6,         /* 503, retry later */
    CREST_TOOBIG = 7,       /* 413 */
    CREST_AUTH = 8,         /* 401 */
    CREST_FORBIDDEN = 9,    /* 403 */
    CREST_IO = 10,
    CREST_DB = 11,
    CREST_INTERNAL = 12,
    CREST_THROTTLED = 13,   /* 429 */
    CREST_PRECOND_REQ = 14, /* 428: If-Match required */
};

#define CREST_ERR_MAX_FIELDS 16

/* One failed field: field is a JSON path ("parent", "items[3].qty"); code is a
 * short machine word ("required", "too_long", "checksum"); key selects the
 * human message; arg is an optional detail interpolated into it. */
struct crest_field_err {
    char field[64];
    char code[32];
    const char *key;
    char arg[64];
};

struct crest_error {
    enum crest_err code;
    const char *key;  /* message key for the whole problem, may be NULL */
    char detail[256]; /* free text for logs / problem detail, may be empty */
    int nfields;
    struct crest_field_err fields[CREST_ERR_MAX_FIELDS];
};

/* Reset to OK. */
void crest_error_clear(struct crest_error *e);

/* Set the overall code/key/detail (printf-style detail; may be NULL). Returns code. */
int crest_error_set(struct crest_error *e, enum crest_err code, const char *key, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

/* Add a field error; sets e->code to CREST_INVALID if it was OK. Extra fields
 * past CREST_ERR_MAX_FIELDS are dropped (the first ones are what matter).
 * Returns CREST_INVALID. */
int crest_error_field(struct crest_error *e, const char *field, const char *code, const char *key,
                      const char *arg);

/* Short stable name of a code, for logs ("invalid", "notfound", ...). */
const char *crest_err_name(enum crest_err code);

/* A crest_error kept compactly, for errors held a long time in numbers (an
 * import keeps one per bad row, up to 50,000 rows, until it reports them):
 * a struct crest_error is ~4.8 KB of slots, the packed form holds only its
 * code, key and the field errors in use (field, code, key, arg), in one
 * allocation of a few dozen bytes per field. The detail is not kept. */
struct crest_error_packed;

/* NULL when e has no field errors (nothing to keep); else free() it. */
struct crest_error_packed *crest_error_pack(const struct crest_error *e);

/* Back into a full struct, field errors in the same order with the same
 * text; p NULL: e is cleared. */
void crest_error_unpack(const struct crest_error_packed *p, struct crest_error *e);

#endif
