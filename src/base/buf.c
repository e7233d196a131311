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
    /* one pass into the free space when it fits (the common case: a long
     * list written piece by piece); a second one after growing otherwise */
    va_list ap;
    size_t avail = b->cap > b->n ? b->cap - b->n : 0;
    va_start(ap, fmt);
    int n = vsnprintf(avail ? b->p + b->n : NULL, avail, fmt, ap);
    va_end(ap);
    if (n < 0) {
        if (b->p)
            b->p[b->n] = '\0';
        return CREST_INTERNAL;
    }
    if ((size_t)n < avail && b->n + (size_t)n <= b->max) {
        b->n += (size_t)n;
        return CREST_OK;
    }
    if (b->p)
        b->p[b->n] = '\0'; /* undo the truncated attempt */
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

int buf_json_str(struct buf *b, const char *s)
{
    /* a quoted JSON string: escape quotes, backslashes and control
     * characters; UTF-8 passes through (the input is valid UTF-8) */
    static const char hex[] = "0123456789abcdef";
    if (!s)
        return buf_append(b, "null", 4);
    if (buf_append(b, "\"", 1) != CREST_OK)
        return CREST_TOOBIG;
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (buf_append(b, run, (size_t)(s - run)) != CREST_OK)
            return CREST_TOOBIG;
        char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t n = 2;
        if (c < 0x20) {
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        if (buf_append(b, esc, n) != CREST_OK)
            return CREST_TOOBIG;
        run = s + 1;
    }
    if (buf_append(b, run, (size_t)(s - run)) != CREST_OK)
        return CREST_TOOBIG;
    return buf_append(b, "\"", 1);
}
