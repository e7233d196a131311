/* err.c - helpers for struct crest_error; see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "str.h"

void crest_error_clear(struct crest_error *e)
{
    e->code = CREST_OK;
    e->key = NULL;
    e->detail[0] = '\0';
    e->nfields = 0;
}

int crest_error_set(struct crest_error *e, enum crest_err code, const char *key, const char *fmt,
                    ...)
{
    e->code = code;
    e->key = key;
    e->detail[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->detail, sizeof e->detail, fmt, ap); /* truncation is fine for a detail */
        va_end(ap);
    }
    return code;
}

/* Cut on a UTF-8 character boundary: field names and args come from input
 * and end up in JSON, which must stay valid UTF-8. */
static void copy_trunc(char *dst, size_t cap, const char *src)
{
    str_copy(dst, cap, src);
}

int crest_error_field(struct crest_error *e, const char *field, const char *code, const char *key,
                      const char *arg)
{
    if (e->code == CREST_OK)
        e->code = CREST_INVALID;
    if (e->nfields < CREST_ERR_MAX_FIELDS) {
        struct crest_field_err *f = &e->fields[e->nfields++];
        copy_trunc(f->field, sizeof f->field, field);
        copy_trunc(f->code, sizeof f->code, code);
        f->key = key;
        copy_trunc(f->arg, sizeof f->arg, arg);
    }
    return CREST_INVALID;
}

const char *crest_err_name(enum crest_err code)
{
    switch (code) {
    case CREST_OK: return "ok";
    case CREST_NOMEM: return "nomem";
    case CREST_INVALID: return "invalid";
    case CREST_NOTFOUND: return "notfound";
    case CREST_CONFLICT: return "conflict";
    case CREST_PRECONDITION: return "precondition";
    case CREST_BUSY: return "busy";
    case CREST_TOOBIG: return "toobig";
    case CREST_AUTH: return "auth";
    case CREST_FORBIDDEN: return "forbidden";
    case CREST_IO: return "io";
    case CREST_DB: return "db";
    case CREST_INTERNAL: return "internal";
    case CREST_THROTTLED: return "throttled";
    case CREST_PRECOND_REQ: return "precondition_required";
    }
    return "unknown";
}
