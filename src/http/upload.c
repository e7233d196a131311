/*
 * upload.c - a spreadsheet upload's rows, whatever the file: XLSX (by its
 * Content-Type or its zip signature) or CSV in UTF-8. Each row, the header
 * first, goes to a callback; the importers (facilities, persons) decode
 * rows their own way. Shared so that every import refuses the same files
 * with the same messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/csv.h"
#include "../base/err.h"
#include "../base/mem.h"
#include "../base/xlsx.h"
#include "http.h"

static int csv_rows(xlsx_row_fn fn, void *arg, const char *p, size_t n, struct crest_error *err)
{
    struct csv c;
    csv_init(&c, p, n);
    int r;
    const char *cells[CSV_MAX_FIELDS];
    char *owned[CSV_MAX_FIELDS];
    while ((r = csv_next(&c)) == 1) {
        for (int i = 0; i < c.nfields; i++) {
            owned[i] = xstrndup(c.f[i].p, c.f[i].n);
            cells[i] = owned[i];
        }
        int nf = c.nfields;
        /* a blank line (a trailing newline in Excel's CSV) is not a row */
        bool blank = true;
        for (int i = 0; i < nf && blank; i++)
            blank = cells[i][0] == '\0';
        int stop = blank ? 0 : fn(arg, c.line, nf, cells);
        for (int i = 0; i < nf; i++)
            free(owned[i]);
        if (stop)
            break;
    }
    int line = c.line;
    csv_cleanup(&c);
    if (r < 0) {
        char where[24];
        snprintf(where, sizeof where, "%d", line);
        return crest_error_field(err, "file", "format", "import_csv_malformed", where);
    }
    return CREST_OK;
}

/* Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
 * A CSV saved by Excel in China is often GBK: its Chinese cells would
 * otherwise vanish (JSON strings are UTF-8) and every row read "required". */
static bool utf8_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len = c < 0x80             ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
        if (!len || i + len > n)
            return false;
        uint32_t cp = len == 1 ? c : c & (0x7Fu >> len);
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3Fu);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

static bool is_xlsx(struct http_req *r)
{
    const char *ct = http_header(r, "Content-Type");
    if (ct && strstr(ct, "spreadsheetml"))
        return true;
    return r->body.n >= 4 && memcmp(r->body.p, "PK\x03\x04", 4) == 0;
}

int http_upload_rows(struct http_req *r, xlsx_row_fn fn, void *arg, struct crest_error *err)
{
    return http_sheet_rows(r->body.p, r->body.n, is_xlsx(r), fn, arg, err);
}

int http_sheet_rows(const char *p, size_t n, bool xlsx, xlsx_row_fn fn, void *arg,
                    struct crest_error *err)
{
    if (n == 0)
        return crest_error_field(err, "file", "required", "import_empty", NULL);
    if (xlsx || (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0))
        return xlsx_read(p, n, fn, arg, err);
    if (!utf8_valid((const unsigned char *)p, n))
        return crest_error_field(err, "file", "format", "import_not_utf8", NULL);
    return csv_rows(fn, arg, p, n, err);
}

json_t *http_import_report(struct http_req *r, int nrows, int64_t invalid, int64_t created,
                           bool dry_run,
                           const struct crest_error *(*row)(void *arg, int i, int *line), void *arg)
{
    json_t *errs = json_array();
    int64_t listed = 0;
    for (int i = 0; i < nrows && listed < HTTP_IMPORT_MAX_REPORTED; i++) {
        int line = 0;
        const struct crest_error *e = row(arg, i, &line);
        if (!e->nfields)
            continue;
        json_t *fe = json_array();
        for (int k = 0; k < e->nfields; k++) {
            char text[256];
            msg_format(text, sizeof text, r->lang, e->fields[k].key, e->fields[k].arg);
            json_array_append_new(fe, json_pack("{s:s,s:s,s:s}", "field", e->fields[k].field,
                                                "code", e->fields[k].code, "message", text));
        }
        json_array_append_new(errs, json_pack("{s:i,s:o}", "row", line, "errors", fe));
        listed++;
    }
    json_t *j = json_object();
    json_object_set_new(j, "rows", json_integer(nrows));
    json_object_set_new(j, "valid", json_integer(nrows - invalid));
    json_object_set_new(j, "invalid", json_integer(invalid));
    json_object_set_new(j, "created", json_integer(created));
    json_object_set_new(j, "dry_run", json_boolean(dry_run));
    json_object_set_new(j, "errors", errs);
    json_object_set_new(j, "errors_truncated", json_boolean(listed < invalid));
    return j;
}
