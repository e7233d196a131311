/* csv.c - RFC 4180 reader; see csv.h. */
#include "csv.h"

#include <stdbool.h>
#include <string.h>

#include "err.h"

void csv_init(struct csv *c, const char *data, size_t n)
{
    c->p = data;
    c->end = data + n;
    if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        c->p += 3;
    c->line = 0;
    c->nfields = 0;
    buf_init(&c->scratch, 1 << 20);
}

void csv_cleanup(struct csv *c)
{
    buf_cleanup(&c->scratch);
}

int csv_next(struct csv *c)
{
    if (c->p >= c->end)
        return 0;
    c->line++;
    c->nfields = 0;
    buf_reset(&c->scratch);
    /* quoted fields are unescaped into scratch; remember offsets, fix up at the end
     * (scratch may move while it grows) */
    size_t off[CSV_MAX_FIELDS];
    int inscratch[CSV_MAX_FIELDS];
    for (;;) {
        if (c->nfields >= CSV_MAX_FIELDS)
            return -1;
        int i = c->nfields++;
        inscratch[i] = 0;
        if (c->p < c->end && *c->p == '"') {
            c->p++;
            off[i] = c->scratch.n;
            inscratch[i] = 1;
            for (;;) {
                if (c->p >= c->end)
                    return -1; /* unterminated quote */
                if (*c->p == '"') {
                    if (c->p + 1 < c->end && c->p[1] == '"') {
                        if (buf_append(&c->scratch, "\"", 1))
                            return -1;
                        c->p += 2;
                        continue;
                    }
                    c->p++;
                    break;
                }
                if (*c->p == '\n')
                    c->line++;
                if (buf_append(&c->scratch, c->p, 1))
                    return -1;
                c->p++;
            }
            c->f[i].n = c->scratch.n - off[i];
            if (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
                return -1; /* text after a closing quote */
        } else {
            const char *s = c->p;
            while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
                if (*c->p == '"')
                    return -1; /* bare quote inside an unquoted field */
                c->p++;
            }
            c->f[i].p = s;
            c->f[i].n = (size_t)(c->p - s);
        }
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == '\r')
            c->p++;
        if (c->p < c->end && *c->p == '\n')
            c->p++;
        break;
    }
    for (int i = 0; i < c->nfields; i++)
        if (inscratch[i])
            c->f[i].p = c->scratch.p ? c->scratch.p + off[i] : "";
    return 1;
}

void csv_write_field(struct buf *b, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
    if (quote || formula)
        buf_puts(b, "\"");
    if (formula)
        buf_puts(b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            buf_puts(b, "\"");
        buf_append(b, p, 1);
    }
    if (quote || formula)
        buf_puts(b, "\"");
}
