/*
 * fuzz_xlsx.c - libFuzzer target for the XLSX reader: xlsx_read() on
 * arbitrary bytes (a zip of XML parts, as officials upload them).
 *
 * Checks: every row handed to the callback has 1..XLSX_MAX_COLS cells, each a
 * NUL-terminated string, rows come in increasing order; the reader returns
 * OK or an error naming the field "file".
 */
#include <stdint.h>
#include <string.h>

#include "base/xlsx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

struct seen {
    int last_row, rows;
};

static int on_row(void *arg, int row, int n, const char *const *cells)
{
    struct seen *s = arg;
    CHECK(n >= 1 && n <= XLSX_MAX_COLS);
    CHECK(row >= 1);
    for (int i = 0; i < n; i++)
        CHECK(cells[i] != NULL && strlen(cells[i]) < XLSX_MAX_PART);
    s->last_row = row;
    s->rows++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    struct seen s = {0, 0};
    struct crest_error e;
    crest_error_clear(&e);
    int rc = xlsx_read(data, size, on_row, &s, &e);
    if (rc != CREST_OK)
        CHECK(e.nfields > 0 && strcmp(e.fields[0].field, "file") == 0);
    return 0;
}
