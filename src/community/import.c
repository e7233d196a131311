/*
 * import.c - the resident roster import's core (import.h): the roster a
 * community office already keeps (CSV or XLSX, Chinese or English headers),
 * decoded row by row, checked against the registry and written in one
 * transaction. A row decodes exactly like a JSON body (comm_person_decode),
 * so the API and the spreadsheet accept and refuse the same things; yes/no
 * cells take 是/否, 1/0, true/false, Y/N, √; the diseases cell takes codes
 * or names ("高血压、糖尿病").
 *
 * Not here: reading the file (http_upload_rows, http_sheet_rows), the JSON
 * report (io.c), the lines on stderr (cli.c).
 */
#include <stdlib.h>
#include <string.h>

#include "../base/jdec.h"
#include "../base/mem.h"
#include "../base/str.h"
#include "../capacity/capacity.h"
#include "api.h"
#include "import.h"

#define PROGRESS_EVERY 10000

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

struct row {
    int line;
    bool decode_bad; /* the row itself is wrong (the database checks are redone) */
    int first_of_id; /* index of the first row with the same ID number, -1 if none earlier */
    struct comm_person p;
    /* the row's errors, NULL when it has none: a full struct crest_error is
     * ~4.8 KB, 240 MB at the row cap (decisions.md §42) */
    struct crest_error_packed *err;
};

struct comm_import {
    int map[64];
    int nmap;
    bool header_done, too_many, dups_done;
    struct row *rows;
    int n, cap;
    struct crest_error header_err;
    struct crest_error shown; /* comm_import_row_err's answer */
    char today[11];
    bool skip_bad;
    FILE *progress;
    int64_t created, bad;
};

struct comm_import *comm_import_new(const char today[11], bool skip_bad, FILE *progress)
{
    struct comm_import *im = xcalloc(1, sizeof *im);
    crest_error_clear(&im->header_err);
    str_copy(im->today, sizeof im->today, today);
    im->skip_bad = skip_bad;
    im->progress = progress;
    return im;
}

void comm_import_free(struct comm_import *im)
{
    if (!im)
        return;
    for (int i = 0; i < im->n; i++)
        free(im->rows[i].err);
    free(im->rows);
    free(im);
}

int comm_import_rows(const struct comm_import *im)
{
    return im->n;
}

int64_t comm_import_bad(const struct comm_import *im)
{
    return im->bad;
}

int64_t comm_import_created(const struct comm_import *im)
{
    return im->created;
}

const struct crest_error *comm_import_row_err(void *arg, int i, int *line)
{
    struct comm_import *im = arg;
    *line = im->rows[i].line;
    crest_error_unpack(im->rows[i].err, &im->shown);
    return &im->shown;
}

static int take_header(struct comm_import *im, int n, const char *const *cells)
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

int comm_import_row(void *arg, int line, int n, const char *const *cells)
{
    struct comm_import *im = arg;
    if (!im->header_done)
        return take_header(im, n, cells);
    if (im->n >= COMM_IMPORT_MAX_ROWS) {
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
    struct crest_error err;
    crest_error_clear(&err);
    json_t *o = json_object();
    for (int i = 0; i < n && i < im->nmap; i++) {
        if (im->map[i] < 0 || !cells[i][0])
            continue;
        const struct col *c = &cols[im->map[i]];
        switch (c->kind) {
        case C_BOOL: {
            int v = yes_no(cells[i]);
            if (v < 0)
                crest_error_field(&err, c->field, "type", "field_not_boolean", NULL);
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
    if (jdec_begin_json(&d, o, &err) == CREST_OK) {
        comm_person_decode(&d, &row->p, true, im->today, &err);
        jdec_end(&d);
    }
    jdec_free(&d);
    json_decref(o);
    row->err = crest_error_pack(&err);
    row->decode_bad = row->err != NULL;
    if (im->progress && im->n % PROGRESS_EVERY == 0)
        fprintf(im->progress, "crest: %d rows read\n", im->n);
    return 0;
}

int comm_import_finish(struct comm_import *im, int read_rc, struct crest_error *err)
{
    if (im->too_many) {
        char arg[16];
        snprintf(arg, sizeof arg, "%d", COMM_IMPORT_MAX_ROWS);
        crest_error_clear(err);
        return crest_error_field(err, "file", "too_big", "import_too_many_rows", arg);
    }
    if (read_rc != CREST_OK)
        return read_rc;
    if (im->header_err.nfields) {
        *err = im->header_err;
        return err->code;
    }
    if (im->n == 0)
        return crest_error_field(err, "file", "required", "import_empty", NULL);
    return CREST_OK;
}

struct id_at {
    const char *id;
    int i;
};

static int by_id_then_row(const void *a, const void *b)
{
    const struct id_at *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* For each row, the first earlier row with the same ID number: one sort
 * instead of comparing every pair (50,000 rows would be 1.25e9 strcmp). */
static void find_duplicates(struct comm_import *im)
{
    if (im->dups_done)
        return;
    struct id_at *v = xcalloc((size_t)im->n + 1, sizeof *v);
    for (int i = 0; i < im->n; i++) {
        v[i].id = im->rows[i].p.id_number;
        v[i].i = i;
        im->rows[i].first_of_id = -1;
    }
    qsort(v, (size_t)im->n, sizeof *v, by_id_then_row);
    for (int k = 1; k < im->n; k++) {
        int first = v[k - 1].i;
        if (im->rows[first].first_of_id >= 0)
            first = im->rows[first].first_of_id;
        if (v[k].id[0] && !strcmp(v[k].id, v[k - 1].id))
            im->rows[v[k].i].first_of_id = first;
    }
    free(v);
    im->dups_done = true;
}

int comm_import_check(struct db_conn *c, struct comm_import *im, const struct auth_user *scope,
                      struct crest_error *err)
{
    struct crest_error e; /* the lookups' own failures */
    crest_error_clear(&e);
    bool failed = false;
    find_duplicates(im);
    for (int i = 0; i < im->n; i++) /* re-runnable: drop what the last check added */
        if (!im->rows[i].decode_bad) {
            free(im->rows[i].err);
            im->rows[i].err = NULL;
        }
    for (int i = 0; i < im->n; i++) {
        struct row *row = &im->rows[i];
        if (im->progress && i && i % PROGRESS_EVERY == 0)
            fprintf(im->progress, "crest: %d of %d rows checked\n", i, im->n);
        if (row->err)
            continue;
        struct crest_error found;
        crest_error_clear(&e);
        crest_error_clear(&found);
        if (capacity_region_in_user_scope(c, scope, row->p.grid, "grid", &e) != CREST_OK) {
            if (!e.nfields) { /* the lookup failed, not the row */
                failed = true;
                break;
            }
            row->err = crest_error_pack(&e);
            continue;
        }
        if (row->first_of_id >= 0) {
            char arg[24];
            snprintf(arg, sizeof arg, "%d", im->rows[row->first_of_id].line);
            crest_error_field(&found, "id_number", "duplicate", "import_duplicate_row", arg);
            row->err = crest_error_pack(&found);
            continue;
        }
        struct db_stmt *st =
            db_query(c, &e, "SELECT id FROM persons WHERE id_number = ?", "s", row->p.id_number);
        int step = st ? db_step(st, &e) : -1;
        if (step == 1) {
            char arg[24];
            snprintf(arg, sizeof arg, "%lld", (long long)db_col_int(st, 0));
            crest_error_field(&found, "id_number", "exists", "comm_person_exists", arg);
        }
        db_finalize(st);
        if (step < 0) {
            failed = true;
            break;
        }
        row->err = crest_error_pack(&found);
    }
    im->bad = 0;
    for (int i = 0; i < im->n; i++)
        im->bad += im->rows[i].err != NULL;
    if (failed) {
        *err = e;
        return e.code ? (int)e.code : crest_error_set(err, CREST_DB, "db_error", NULL);
    }
    return CREST_OK;
}

int comm_import_write(struct db_conn *c, struct comm_import *im, const struct auth_user *scope,
                      const struct audit_entry *actor, struct crest_error *err)
{
    im->created = 0;
    int checked = comm_import_check(c, im, scope, err);
    if (checked != CREST_OK)
        return checked;
    if (im->bad && !im->skip_bad)
        return crest_error_set(err, CREST_INVALID, "import_rejected", NULL);
    int64_t good = im->n - im->bad;
    for (int i = 0; i < im->n; i++) {
        struct row *row = &im->rows[i];
        if (row->err)
            continue;
        struct comm_person p = row->p; /* the transaction may run again: keep the row */
        int rc = comm_person_insert(c, &p, err);
        if (rc)
            return rc;
        im->created++;
        if (im->progress && im->created % PROGRESS_EVERY == 0)
            fprintf(im->progress, "crest: %lld of %lld rows written\n", (long long)im->created,
                    (long long)good);
    }
    char sid[24];
    snprintf(sid, sizeof sid, "%lld", (long long)im->created);
    struct audit_entry e = *actor;
    e.action = "import";
    e.entity = "person";
    e.entity_id = sid;
    e.region = scope->scope;
    return audit_append(c, &e, err);
}
