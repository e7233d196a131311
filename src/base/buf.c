/* buf.c - growable buffer with a hard maximum; see buf.h. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"

void buf_init(struct buf *b, size_t max)
{
    b->p = NULL;
    b->n = b->cap = 0;
    b->max = max;
}

void buf_cleanup(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

void buf_reset(struct buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
}

static int grow(struct buf *b, size_t extra)
{
    if (extra > b->max || b->n > b->max - extra)
        return CREST_TOOBIG;
    size_t need = b->n + extra + 1;
    if (need <= b->cap)
        return CREST_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
    return CREST_OK;
}

int buf_append(struct buf *b, const void *data, size_t n)
{
    if (grow(b, n) != CREST_OK)
        return CREST_TOOBIG;
    if (n)
        memcpy(b->p + b->n, data, n);
    b->n += n;
    b->p[b->n] = '\0';
    return CREST_OK;
}

int buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return CREST_INTERNAL;
    if (grow(b, (size_t)n) != CREST_OK)
        return CREST_TOOBIG;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
    return CREST_OK;
}

char *buf_steal(struct buf *b, size_t *len)
{
    if (!b->p) {
        grow(b, 0); /* cannot fail: 0 extra bytes on an empty buffer */
        b->p[0] = '\0';
    }
    char *p = b->p;
    if (len)
        *len = b->n;
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}
