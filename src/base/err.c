/* err.c - helpers for struct crest_error; see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mem.h"
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

struct crest_error_packed {
    enum crest_err code;
    int nfields;
    const char *key;
    /* nfields message keys, then for each field error its field, code and
     * arg as NUL-terminated strings, one after the other */
    const char *fkeys[];
};

static char *put(char *s, const char *v)
{
    size_t n = strlen(v) + 1;
    memcpy(s, v, n);
    return s + n;
}

struct crest_error_packed *crest_error_pack(const struct crest_error *e)
{
    if (e->nfields <= 0)
        return NULL;
    int n = e->nfields < CREST_ERR_MAX_FIELDS ? e->nfields : CREST_ERR_MAX_FIELDS;
    size_t text = 0;
    for (int i = 0; i < n; i++)
        text +=
            strlen(e->fields[i].field) + strlen(e->fields[i].code) + strlen(e->fields[i].arg) + 3;
    struct crest_error_packed *p = xmalloc(sizeof *p + (size_t)n * sizeof p->fkeys[0] + text);
    p->code = e->code;
    p->nfields = n;
    p->key = e->key;
    char *s = (char *)&p->fkeys[n];
    for (int i = 0; i < n; i++) {
        p->fkeys[i] = e->fields[i].key;
        s = put(s, e->fields[i].field);
        s = put(s, e->fields[i].code);
        s = put(s, e->fields[i].arg);
    }
    return p;
}

/* The strings were cut to their slots when the error was made: they fit. */
static const char *get(char *dst, size_t cap, const char *s)
{
    str_copy(dst, cap, s);
    return s + strlen(s) + 1;
}

void crest_error_unpack(const struct crest_error_packed *p, struct crest_error *e)
{
    crest_error_clear(e);
    if (!p)
        return;
    e->code = p->code;
    e->key = p->key;
    e->nfields = p->nfields;
    const char *s = (const char *)&p->fkeys[p->nfields];
    for (int i = 0; i < p->nfields; i++) {
        struct crest_field_err *f = &e->fields[i];
        f->key = p->fkeys[i];
        s = get(f->field, sizeof f->field, s);
        s = get(f->code, sizeof f->code, s);
        s = get(f->arg, sizeof f->arg, s);
    }
}
