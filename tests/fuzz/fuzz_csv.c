/*
 * fuzz_csv.c - libFuzzer target for the CSV reader (csv_next over a memory
 * buffer) on arbitrary bytes.
 *
 * Checks: every field is a view inside the input or the reader's scratch
 * buffer; an unquoted field holds no separator or quote; the reader always
 * makes progress; and the rows survive a round trip: written back out with
 * every field quoted, they read back identically.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static bool inside(struct str f, const char *p, size_t n)
{
    return p && f.p >= p && f.p + f.n <= p + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size ? size : 1); /* exact size: ASan sees a read past the end */
    memcpy(in, data, size);
    struct buf out;
    buf_init(&out, (size_t)1 << 24);

    struct csv c;
    csv_init(&c, in, size);
    int r, rows = 0;
    while ((r = csv_next(&c)) == 1) {
        rows++;
        CHECK((size_t)rows <= size); /* each row consumes at least one byte */
        CHECK(c.nfields >= 1 && c.nfields <= CSV_MAX_FIELDS);
        CHECK(c.line >= rows);
        for (int i = 0; i < c.nfields; i++) {
            struct str f = c.f[i];
            if (inside(f, in, size)) {
                for (size_t k = 0; k < f.n; k++)
                    CHECK(f.p[k] != ',' && f.p[k] != '\n' && f.p[k] != '\r' && f.p[k] != '"');
            } else {
                CHECK(f.n == 0 || inside(f, c.scratch.p, c.scratch.n));
            }
            buf_puts(&out, i ? ",\"" : "\"");
            for (size_t k = 0; k < f.n; k++)
                buf_append(&out, f.p[k] == '"' ? "\"\"" : &f.p[k], f.p[k] == '"' ? 2 : 1);
            buf_puts(&out, "\"");
        }
        buf_puts(&out, "\n");
    }
    CHECK(r == 0 || r == -1);
    csv_cleanup(&c);

    /* read the rewritten rows back: the same rows, the same fields */
    struct csv a, b;
    csv_init(&a, in, size);
    csv_init(&b, out.p ? out.p : "", out.n);
    for (int i = 0; i < rows; i++) {
        CHECK(csv_next(&a) == 1);
        CHECK(csv_next(&b) == 1);
        CHECK(a.nfields == b.nfields);
        for (int k = 0; k < a.nfields; k++)
            CHECK(str_eq(a.f[k], b.f[k]));
    }
    CHECK(csv_next(&b) == 0);
    csv_cleanup(&a);
    csv_cleanup(&b);
    buf_cleanup(&out);
    free(in);
    return 0;
}
