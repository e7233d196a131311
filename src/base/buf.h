/*
 * buf.h - a growable byte buffer with a hard maximum (as curl's dynbuf).
 *
 * Always NUL-terminated after any successful append. An append that would pass
 * the maximum fails with CREST_TOOBIG and leaves the buffer as it was, so a
 * response or a request body can never grow without bound.
 */
#ifndef CREST_BUF_H
#define CREST_BUF_H

#include <stddef.h>

struct buf {
    char *p;
    size_t n, cap, max;
};

void buf_init(struct buf *b, size_t max);
void buf_cleanup(struct buf *b);
void buf_reset(struct buf *b); /* n = 0, keeps memory */
int buf_append(struct buf *b, const void *data, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a quoted JSON string ("null" for NULL); s must be UTF-8. */
int buf_json_str(struct buf *b, const char *s);
/* Hand the bytes to the caller (who frees them); the buffer is emptied. */
char *buf_steal(struct buf *b, size_t *len);

#endif
