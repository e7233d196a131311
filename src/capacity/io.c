/*
 * io.c - the facility registry in spreadsheets: bulk import from CSV or XLSX
 * with a row-by-row error report (all or nothing unless ?skip_bad=1;
 * ?dry_run=1 only checks), and export in the same columns so an exported
 * file can be edited and imported back. Also the gap list as XLSX.
 *
 * A row decodes exactly like a JSON body (capacity_facility_decode), so the
 * API and the spreadsheet accept and refuse the same things.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/csv.h"
#include "../base/jdec.h"
#include "../base/str.h"
#include "../base/util.h"
#include "../base/xlsx.h"
#include "../db/audit.h"
#include "../http/http.h"
#include "../region/region.h"
#include "capacity.h"

/* Columns: JSON field, English header, Chinese header. */
static const struct col {
    const char *field, *en, *zh;
    bool number;
} cols[] = {
    {"region", "region", "区划代码", false},
    {"kind", "kind", "类型", false},
    {"name", "name", "名称", false},
    {"level", "level", "等级", false},
    {"category", "category", "类别", false},
    {"role", "role", "定点类型", false},
    {"address", "address", "地址", false},
    {"phone", "phone", "电话", false},
    {"lat", "lat", "纬度", true},
    {"lon", "lon", "经度", true},
    {"opened", "opened", "开业日期", false},
};
#define NCOLS (int)(sizeof cols / sizeof cols[0])
#define MAX_IMPORT_ROWS 50000

struct import_row {
    int line;
    bool decode_bad; /* the row itself is wrong (the database checks are redone) */
    struct cap_facility f;
    /* the row's errors, NULL when it has none: a full struct crest_error is
     * ~4.8 KB, 240 MB at the row cap */
    struct crest_error_packed *err;
    int group; /* rows with the same region, kind and name share it */
};

struct import {
    int map[CSV_MAX_FIELDS]; /* file column → cols index, -1 = ignored */
    int nmap;
    bool header_done;
    struct import_row *rows;
    int n, cap;
    bool too_many;
    struct crest_error header_err;
    struct crest_error shown; /* row_err's answer */
    struct http_req *r;
};

static int take_header(struct import *im, int n, const char *const *cells)
{
    im->nmap = n;
    bool seen[NCOLS] = {false};
    for (int i = 0; i < n && i < CSV_MAX_FIELDS; i++) {
        im->map[i] = -1;
        for (int k = 0; k < NCOLS; k++)
            if (!strcmp(cells[i], cols[k].en) || !strcmp(cells[i], cols[k].zh)) {
                im->map[i] = k;
                seen[k] = true;
            }
        if (im->map[i] < 0 && cells[i][0])
            crest_error_field(&im->header_err, cells[i], "unknown", "import_unknown_column", NULL);
    }
    for (int k = 0; k < 3; k++) /* region, kind, name */
        if (!seen[k])
            crest_error_field(&im->header_err, cols[k].en, "required", "import_missing_column",
                              cols[k].zh);
    im->header_done = true;
    return 0;
}

static int take_row(void *arg, int line, int n, const char *const *cells)
{
    struct import *im = arg;
    if (!im->header_done)
        return take_header(im, n, cells);
    if (im->n >= MAX_IMPORT_ROWS) {
        im->too_many = true;
        return 1;
    }
    if (im->n == im->cap) {
        im->cap = im->cap ? im->cap * 2 : 256;
        im->rows = xrealloc(im->rows, (size_t)im->cap * sizeof *im->rows);
    }
    struct import_row *row = &im->rows[im->n++];
    memset(row, 0, sizeof *row);
    row->line = line;
    struct crest_error err;
    crest_error_clear(&err);
    /* the row as a JSON object, then the API's own decoder */
    json_t *o = json_object();
    for (int i = 0; i < n && i < im->nmap; i++) {
        if (im->map[i] < 0 || !cells[i][0])
            continue;
        const struct col *c = &cols[im->map[i]];
        char *end;
        double v = c->number ? strtod(cells[i], &end) : 0;
        if (c->number && *end == '\0')
            json_object_set_new(o, c->field, json_real(v));
        else
            json_object_set_new(o, c->field, json_string(cells[i]));
    }
    struct jdec d;
    if (jdec_begin_json(&d, o, &err) == CREST_OK) {
        capacity_facility_decode(&d, &row->f, true, &err);
        jdec_end(&d);
        capacity_facility_check(&row->f.facts, &err);
    }
    jdec_free(&d);
    json_decref(o);
    row->err = crest_error_pack(&err);
    row->decode_bad = row->err != NULL;
    return 0;
}

static int by_key(const struct import_row *x, const struct import_row *y)
{
    int c = strcmp(x->f.region, y->f.region);
    if (!c)
        c = (x->f.facts.kind > y->f.facts.kind) - (x->f.facts.kind < y->f.facts.kind);
    return c ? c : strcmp(x->f.name, y->f.name);
}

static int by_key_then_line(const void *a, const void *b)
{
    const struct import_row *x = *(const struct import_row *const *)a,
                            *y = *(const struct import_row *const *)b;
    int c = by_key(x, y);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Number the groups of rows that are the same facility (region, kind,
 * name): one sort, where comparing every pair of rows would be 1.25e9
 * comparisons at the row cap. Returns the number of groups. */
static int group_rows(struct import *im)
{
    struct import_row **v = xcalloc((size_t)im->n + 1, sizeof *v);
    for (int i = 0; i < im->n; i++)
        v[i] = &im->rows[i];
    qsort(v, (size_t)im->n, sizeof *v, by_key_then_line);
    int g = -1;
    for (int k = 0; k < im->n; k++) {
        if (k == 0 || by_key(v[k - 1], v[k]) != 0)
            g++;
        v[k]->group = g;
    }
    free(v);
    return g + 1;
}

/* Checks that need the database: region in scope, no duplicate in the file
 * or in the registry. Re-runnable: what the last run added is dropped first.
 * A row is a duplicate of the first earlier row of its group that passed
 * every check (clean[group], set as the rows are checked in order). A lookup
 * that fails (the database, not the row) fails the whole check: a row that
 * could not be checked is not valid. */
static int db_checks(struct db_conn *c, struct http_req *r, struct import *im,
                     struct crest_error *err)
{
    for (int i = 0; i < im->n; i++)
        if (!im->rows[i].decode_bad) {
            free(im->rows[i].err);
            im->rows[i].err = NULL;
        }
    int ngroups = group_rows(im);
    int *clean = xmalloc(((size_t)ngroups + 1) * sizeof *clean);
    for (int g = 0; g < ngroups; g++)
        clean[g] = -1;
    struct crest_error e; /* the lookups' own failures */
    crest_error_clear(&e);
    bool failed = false;
    for (int i = 0; i < im->n; i++) {
        struct import_row *row = &im->rows[i];
        if (row->err)
            continue;
        struct crest_error found;
        crest_error_clear(&e);
        crest_error_clear(&found);
        if (capacity_region_in_scope(c, r, row->f.region, "region", &e) != CREST_OK) {
            if (!e.nfields) { /* the lookup failed, not the row */
                failed = true;
                break;
            }
            row->err = crest_error_pack(&e);
            continue;
        }
        int k = clean[row->group];
        if (k >= 0) {
            char arg[24];
            snprintf(arg, sizeof arg, "%d", im->rows[k].line);
            crest_error_field(&found, "name", "duplicate", "import_duplicate_row", arg);
            row->err = crest_error_pack(&found);
            continue;
        }
        struct db_stmt *st =
            db_query(c, &e,
                     "SELECT id FROM facilities WHERE region = ? AND kind = ? AND "
                     "name = ? AND active = 1",
                     "sss", row->f.region, cap_kind_name(row->f.facts.kind), row->f.name);
        int step = st ? db_step(st, &e) : -1;
        if (step == 1) {
            char arg[24];
            snprintf(arg, sizeof arg, "%lld", (long long)db_col_int(st, 0));
            crest_error_field(&found, "name", "exists", "import_exists", arg);
        }
        db_finalize(st);
        if (step < 0) {
            failed = true;
            break;
        }
        row->err = crest_error_pack(&found);
        if (!row->err)
            clean[row->group] = i;
    }
    free(clean);
    if (failed) {
        *err = e;
        return e.code ? (int)e.code : crest_error_set(err, CREST_DB, "db_error", NULL);
    }
    return CREST_OK;
}

struct import_ctx {
    struct import *im;
    bool skip_bad;
    int64_t created, bad;
};

static const struct crest_error *row_err(void *arg, int i, int *line)
{
    struct import *im = arg;
    *line = im->rows[i].line;
    crest_error_unpack(im->rows[i].err, &im->shown);
    return &im->shown;
}

static json_t *report_json(struct http_req *r, struct import_ctx *x, bool dry_run)
{
    return http_import_report(r, x->im->n, x->bad, x->created, dry_run, row_err, x->im);
}

static int import_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct import_ctx *x = arg;
    x->created = 0;
    x->bad = 0;
    int checked = db_checks(c, r, x->im, err); /* re-runnable */
    if (checked != CREST_OK)
        return checked;
    for (int i = 0; i < x->im->n; i++)
        if (x->im->rows[i].err)
            x->bad++;
    if (x->bad && !x->skip_bad) {
        r->error_replied = true;
        http_reply_json(r, 422, report_json(r, x, false));
        r->ctype = "application/problem+json; charset=utf-8";
        return crest_error_set(err, CREST_INVALID, "import_rejected", NULL);
    }
    for (int i = 0; i < x->im->n; i++) {
        struct import_row *row = &x->im->rows[i];
        if (row->err)
            continue;
        int rc = capacity_facility_insert(c, &row->f, err);
        if (rc)
            return rc;
        x->created++;
    }
    char what[48];
    snprintf(what, sizeof what, "%lld rows", (long long)x->created);
    struct audit_entry e = {r->user.id,    r->user.username, role_name(r->user.role),
                            "import",      "facility",       what,
                            r->user.scope, r->addr};
    int rc = audit_append(c, &e, err);
    if (rc)
        return rc;
    http_reply_json(r, 201, report_json(r, x, false));
    return CREST_OK;
}

void capacity_api_facility_import(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct import im;
    memset(&im, 0, sizeof im);
    crest_error_clear(&im.header_err);
    im.r = r;
    const char *dry = http_query(r, "dry_run"), *skip = http_query(r, "skip_bad");
    struct import_ctx x = {&im, skip && !strcmp(skip, "1"), 0, 0};
    int rc = http_upload_rows(r, take_row, &im, &err);
    /* too many rows wins over rc: the XLSX reader hands back take_row's
     * stop code as its own (it is not an error code) */
    if (im.too_many) {
        char arg[16];
        snprintf(arg, sizeof arg, "%d", MAX_IMPORT_ROWS);
        crest_error_clear(&err);
        rc = crest_error_field(&err, "file", "too_big", "import_too_many_rows", arg);
    }
    if (rc == CREST_OK && im.header_err.nfields) {
        err = im.header_err;
        rc = err.code;
    }
    if (rc == CREST_OK && im.n == 0)
        rc = crest_error_field(&err, "file", "required", "import_empty", NULL);
    if (rc != CREST_OK) {
        http_reply_error(r, &err);
    } else if (dry && !strcmp(dry, "1")) {
        struct db_conn *c = db_acquire(http_db(r));
        rc = db_checks(c, r, &im, &err);
        db_release(http_db(r), c);
        for (int i = 0; i < im.n; i++)
            if (im.rows[i].err)
                x.bad++;
        if (rc != CREST_OK)
            http_reply_error(r, &err);
        else
            http_reply_json(r, 200, report_json(r, &x, true));
    } else {
        http_write(r, import_fn, &x);
    }
    for (int i = 0; i < im.n; i++)
        free(im.rows[i].err);
    free(im.rows);
}

/* ---- export ---- */

void capacity_api_facility_export(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char region[REGION_CODE_MAX], upper[20];
    const char *q = http_query(r, "region"), *kind = http_query(r, "kind");
    const char *format = http_query(r, "format");
    bool xlsx = format && !strcmp(format, "xlsx");
    if (format && !xlsx && strcmp(format, "csv") != 0)
        crest_error_field(&err, "format", "invalid", "field_range", "csv | xlsx");
    if (kind && cap_kind_parse(kind) < 0)
        crest_error_field(&err, "kind", "invalid", "cap_kind_invalid", NULL);
    if (q && q[0])
        region_code_normalize(q, region, "region", &err);
    else
        str_copy(region, sizeof region, r->user.scope);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    if (!auth_in_scope(&r->user, region)) {
        http_reply_problem(r, CREST_NOTFOUND, "region_not_found");
        return;
    }
    capacity_prefix_upper(region, upper);
    bool en = !strcmp(r->lang, "en");
    struct buf b;
    buf_init(&b, (size_t)64 << 20);
    struct xlsx_out *x = xlsx ? xlsx_out_new(en ? "facilities" : "机构") : NULL;
    if (xlsx && !x) {
        buf_cleanup(&b);
        http_reply_problem(r, CREST_IO, "internal");
        return;
    }
    if (!xlsx)
        buf_puts(&b, "\xEF\xBB\xBF");
    for (int k = 0; k < NCOLS; k++) {
        const char *h = en ? cols[k].en : cols[k].zh;
        if (x)
            xlsx_out_str(x, 0, k, h);
        else {
            buf_puts(&b, k ? "," : "");
            csv_write_field(&b, h);
        }
    }
    if (!x)
        buf_puts(&b, "\r\n");
    struct db_conn *c = db_acquire(http_db(r));
    struct db_stmt *st = db_query(
        c, &err,
        "SELECT region, kind, name, level, category, role, coalesce(address, ''), "
        "coalesce(phone, ''), lat, lon, coalesce(opened, '') FROM facilities WHERE region >= ? "
        "AND region < ? AND active = 1 AND (? = '' OR kind = ?) ORDER BY region, kind, id",
        "ssss", region, upper, kind ? kind : "", kind ? kind : "");
    int row = 1, rc = st ? 0 : -1;
    while (st && (rc = db_step(st, &err)) == 1) {
        bool hosp = !strcmp(db_col_text(st, 1), "hospital");
        for (int k = 0; k < NCOLS; k++) {
            char num[32] = "";
            const char *v = db_col_text(st, k);
            if (k >= 3 && k <= 5 && !hosp)
                v = ""; /* level/category/role are for hospitals */
            if (cols[k].number) {
                if (!db_col_null(st, k))
                    snprintf(num, sizeof num, "%.6f", db_col_double(st, k));
                v = num;
            }
            if (x) {
                if (cols[k].number && num[0])
                    xlsx_out_num(x, row, k, db_col_double(st, k));
                else
                    xlsx_out_str(x, row, k, v ? v : "");
            } else {
                buf_puts(&b, k ? "," : "");
                csv_write_field(&b, v ? v : "");
            }
        }
        if (!x)
            buf_puts(&b, "\r\n");
        row++;
    }
    db_finalize(st);
    db_release(http_db(r), c);
    if (x && xlsx_out_finish(x, &b) != CREST_OK)
        rc = -1;
    if (rc < 0) {
        buf_cleanup(&b);
        http_reply_problem(r, CREST_IO, "internal");
        return;
    }
    http_reply_text(r, 200,
                    xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                         : "text/csv; charset=utf-8",
                    b.p, b.n);
    http_add_header(r, "Content-Disposition",
                    arena_printf(&r->arena, "attachment; filename=\"facilities-%s.%s\"", region,
                                 xlsx ? "xlsx" : "csv"));
    buf_cleanup(&b);
}
