/*
 * io.c - the resident registry from a spreadsheet: the roster a community
 * office already keeps (CSV or XLSX, Chinese or English headers), imported
 * with a row-by-row error report; all or nothing unless ?skip_bad=1, and
 * ?dry_run=1 only checks. A row decodes exactly like a JSON body
 * (comm_person_decode), so the API and the spreadsheet accept and refuse
 * the same things; yes/no cells take 是/否, 1/0, true/false, Y/N, √; the
 * diseases cell takes codes or names ("高血压、糖尿病").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/jdec.h"
#include "../base/mem.h"
#include "../base/str.h"
#include "../http/http.h"
#include "api.h"

enum col_kind { C_TEXT, C_BOOL, C_NUM, C_LIST };

static const struct col {
    const char *field, *en, *zh;
    enum col_kind kind;
} cols[] = {
    {"id_number", "id_number", "身份证号", C_TEXT},
    {"name", "name", "姓名", C_TEXT},
    {"grid", "grid", "网格代码", C_TEXT},
    {"phone", "phone", "联系电话", C_TEXT},
    {"address", "address", "现住址", C_TEXT},
    {"household", "household", "户号", C_TEXT},
    {"living_alone", "living_alone", "独居", C_BOOL},
    {"pregnant", "pregnant", "孕产妇", C_BOOL},
    {"due_date", "due_date", "预产期", C_TEXT},
    {"haemodialysis", "haemodialysis", "血透", C_BOOL},
    {"disability", "disability", "残疾", C_BOOL},
    {"bedridden", "bedridden", "卧床", C_BOOL},
    {"chronic", "chronic", "慢性病", C_LIST},
    {"lat", "lat", "纬度", C_NUM},
    {"lon", "lon", "经度", C_NUM},
    {"birth_date", "birth_date", "出生日期", C_TEXT},
    {"sex", "sex", "性别", C_TEXT},
};
#define NCOLS (int)(sizeof cols / sizeof cols[0])
#define NREQUIRED 3 /* id_number, name, grid */
#define MAX_ROWS 50000

struct row {
    int line;
    bool decode_bad; /* the row itself is wrong (db_checks' verdicts are redone) */
    struct comm_person p;
    struct crest_error err;
};

struct import {
    int map[64];
    int nmap;
    bool header_done, too_many;
    struct row *rows;
    int n, cap;
    struct crest_error header_err;
    char today[11];
    bool skip_bad;
    int64_t created, bad;
};

static int take_header(struct import *im, int n, const char *const *cells)
{
    bool seen[NCOLS] = {false};
    im->nmap = n < 64 ? n : 64;
    for (int i = 0; i < im->nmap; i++) {
        im->map[i] = -1;
        for (int k = 0; k < NCOLS; k++)
            if (!strcmp(cells[i], cols[k].en) || !strcmp(cells[i], cols[k].zh)) {
                im->map[i] = k;
                seen[k] = true;
            }
        if (im->map[i] < 0 && cells[i][0])
            crest_error_field(&im->header_err, cells[i], "unknown", "import_unknown_column", NULL);
    }
    for (int k = 0; k < NREQUIRED; k++)
        if (!seen[k])
            crest_error_field(&im->header_err, cols[k].en, "required", "import_missing_column",
                              cols[k].zh);
    im->header_done = true;
    return 0;
}

/* 是/否 and friends; -1 when neither */
static int yes_no(const char *s)
{
    static const char *const yes[] = {"是", "1", "true", "TRUE", "Y", "y", "yes", "√", "有"};
    static const char *const no[] = {"否", "0", "false", "FALSE", "N", "n", "no", "×", "无"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!strcmp(s, yes[i]))
            return 1;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (!strcmp(s, no[i]))
            return 0;
    return -1;
}

/* "高血压、糖尿病" / "hypertension,diabetes" → ["hypertension", "diabetes"] */
static json_t *code_list(const char *s)
{
    json_t *a = json_array();
    char buf[512];
    str_copy(buf, sizeof buf, s);
    char *p = buf;
    while (*p) {
        /* separators: , ; space, and the full-width 、，； (3 bytes each) */
        size_t len = 0;
        while (p[len] && p[len] != ',' && p[len] != ';' && p[len] != ' ' &&
               strncmp(p + len, "、", 3) && strncmp(p + len, "，", 3) && strncmp(p + len, "；", 3))
            len++;
        if (len) {
            char one[128];
            str_copy(one, sizeof one < len + 1 ? sizeof one : len + 1, p);
            json_array_append_new(a, json_string(comm_code_of_label(one)));
        }
        p += len;
        if (*p)
            p += (unsigned char)*p >= 0x80 ? 3 : 1;
    }
    return a;
}

static int take_row(void *arg, int line, int n, const char *const *cells)
{
    struct import *im = arg;
    if (!im->header_done)
        return take_header(im, n, cells);
    if (im->n >= MAX_ROWS) {
        im->too_many = true;
        return 1;
    }
    if (im->n == im->cap) {
        im->cap = im->cap ? im->cap * 2 : 256;
        im->rows = xrealloc(im->rows, (size_t)im->cap * sizeof *im->rows);
    }
    struct row *row = &im->rows[im->n++];
    memset(row, 0, sizeof *row);
    row->line = line;
    crest_error_clear(&row->err);
    json_t *o = json_object();
    for (int i = 0; i < n && i < im->nmap; i++) {
        if (im->map[i] < 0 || !cells[i][0])
            continue;
        const struct col *c = &cols[im->map[i]];
        switch (c->kind) {
        case C_BOOL: {
            int v = yes_no(cells[i]);
            if (v < 0)
                crest_error_field(&row->err, c->field, "type", "field_not_boolean", NULL);
            else
                json_object_set_new(o, c->field, json_boolean(v));
            break;
        }
        case C_NUM: {
            char *end;
            double v = strtod(cells[i], &end);
            json_object_set_new(o, c->field, *end ? json_string(cells[i]) : json_real(v));
            break;
        }
        case C_LIST: json_object_set_new(o, c->field, code_list(cells[i])); break;
        case C_TEXT:
            if (c->field[0] == 's' && !strcmp(c->field, "sex"))
                json_object_set_new(o, c->field,
                                    json_string(!strcmp(cells[i], "男")   ? "M"
                                                : !strcmp(cells[i], "女") ? "F"
                                                                          : cells[i]));
            else
                json_object_set_new(o, c->field, json_string(cells[i]));
            break;
        }
    }
    struct jdec d;
    if (jdec_begin_json(&d, o, &row->err) == CREST_OK) {
        comm_person_decode(&d, &row->p, true, im->today, &row->err);
        jdec_end(&d);
    }
    jdec_free(&d);
    json_decref(o);
    row->decode_bad = row->err.nfields > 0;
    return 0;
}

/* Checks that need the database: the grid in scope, the ID number new to
 * the file and to the registry. */
static void db_checks(struct db_conn *c, struct http_req *r, struct import *im)
{
    for (int i = 0; i < im->n; i++) {
        struct row *row = &im->rows[i];
        if (row->err.nfields)
            continue;
        struct crest_error e;
        crest_error_clear(&e);
        if (comm_grid_in_scope(c, r, row->p.grid, &e) != CREST_OK) {
            row->err = e;
            continue;
        }
        for (int k = 0; k < i; k++)
            if (!strcmp(im->rows[k].p.id_number, row->p.id_number)) {
                char arg[24];
                snprintf(arg, sizeof arg, "%d", im->rows[k].line);
                crest_error_field(&row->err, "id_number", "duplicate", "import_duplicate_row", arg);
                break;
            }
        if (row->err.nfields)
            continue;
        struct db_stmt *st =
            db_query(c, &e, "SELECT id FROM persons WHERE id_number = ?", "s", row->p.id_number);
        if (st && db_step(st, &e) == 1) {
            char arg[24];
            snprintf(arg, sizeof arg, "%lld", (long long)db_col_int(st, 0));
            crest_error_field(&row->err, "id_number", "exists", "comm_person_exists", arg);
        }
        db_finalize(st);
    }
}

static const struct crest_error *row_err(void *arg, int i, int *line)
{
    struct import *im = arg;
    *line = im->rows[i].line;
    return &im->rows[i].err;
}

static json_t *report_json(struct http_req *r, struct import *im, bool dry_run)
{
    return http_import_report(r, im->n, im->bad, im->created, dry_run, row_err, im);
}

static void count_bad(struct import *im)
{
    im->bad = 0;
    for (int i = 0; i < im->n; i++)
        im->bad += im->rows[i].err.nfields > 0;
}

static int import_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct import *im = arg;
    im->created = 0;
    for (int i = 0; i < im->n; i++) /* re-runnable: drop what db_checks added last time */
        if (!im->rows[i].decode_bad)
            crest_error_clear(&im->rows[i].err);
    db_checks(c, r, im);
    count_bad(im);
    if (im->bad && !im->skip_bad) {
        r->error_replied = true;
        http_reply_json(r, 422, report_json(r, im, false));
        r->ctype = "application/problem+json; charset=utf-8";
        return crest_error_set(err, CREST_INVALID, "import_rejected", NULL);
    }
    for (int i = 0; i < im->n; i++) {
        struct row *row = &im->rows[i];
        if (row->err.nfields)
            continue;
        struct comm_person p = row->p;
        int rc = comm_person_insert(c, &p, err);
        if (rc)
            return rc;
        im->created++;
    }
    int rc = comm_audit(c, r, "import", "person", im->created, r->user.scope, err);
    if (rc)
        return rc;
    http_reply_json(r, 201, report_json(r, im, false));
    return CREST_OK;
}

void comm_api_person_import(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct import *im = xcalloc(1, sizeof *im);
    crest_error_clear(&im->header_err);
    {
        struct db_conn *c = db_acquire(http_db(r));
        comm_today(c, im->today);
        db_release(http_db(r), c);
    }
    const char *dry = http_query(r, "dry_run"), *skip = http_query(r, "skip_bad");
    im->skip_bad = skip && !strcmp(skip, "1");
    int rc = http_upload_rows(r, take_row, im, &err);
    if (rc == CREST_OK && im->too_many) {
        char arg[16];
        snprintf(arg, sizeof arg, "%d", MAX_ROWS);
        rc = crest_error_field(&err, "file", "too_big", "import_too_many_rows", arg);
    }
    if (rc == CREST_OK && im->header_err.nfields) {
        err = im->header_err;
        rc = err.code;
    }
    if (rc == CREST_OK && im->n == 0)
        rc = crest_error_field(&err, "file", "required", "import_empty", NULL);
    if (rc != CREST_OK) {
        http_reply_error(r, &err);
    } else if (dry && !strcmp(dry, "1")) {
        struct db_conn *c = db_acquire(http_db(r));
        db_checks(c, r, im);
        db_release(http_db(r), c);
        count_bad(im);
        http_reply_json(r, 200, report_json(r, im, true));
    } else {
        http_write(r, import_fn, im);
    }
    free(im->rows);
    free(im);
}
