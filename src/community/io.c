/*
 * io.c - POST /api/v1/persons/import: the resident roster from an uploaded
 * spreadsheet (CSV or XLSX), with a row-by-row report; all or nothing
 * unless ?skip_bad=1, and ?dry_run=1 only checks. The rows are decoded,
 * checked and written by the import core (import.c), which `crest residents
 * import` shares; this file is the HTTP side: the upload, the caller's scope
 * and the JSON report.
 */
#include <stdlib.h>
#include <string.h>

#include "../http/http.h"
#include "api.h"
#include "import.h"

static json_t *report_json(struct http_req *r, struct comm_import *im, bool dry_run)
{
    return http_import_report(r, comm_import_rows(im), comm_import_bad(im), comm_import_created(im),
                              dry_run, comm_import_row_err, im);
}

static int import_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct comm_import *im = arg;
    struct audit_entry who = {
        r->user.id, r->user.username, role_name(r->user.role), NULL, NULL, NULL, NULL, r->addr};
    int rc = comm_import_write(c, im, &r->user, &who, err);
    if (rc == CREST_INVALID && err->key && !strcmp(err->key, "import_rejected")) {
        r->error_replied = true;
        http_reply_json(r, 422, report_json(r, im, false));
        r->ctype = "application/problem+json; charset=utf-8";
        return rc;
    }
    if (rc)
        return rc;
    http_reply_json(r, 201, report_json(r, im, false));
    return CREST_OK;
}

void comm_api_person_import(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char today[11];
    {
        struct db_conn *c = db_acquire(http_db(r));
        comm_today(c, today);
        db_release(http_db(r), c);
    }
    const char *dry = http_query(r, "dry_run"), *skip = http_query(r, "skip_bad");
    struct comm_import *im = comm_import_new(today, skip && !strcmp(skip, "1"), NULL);
    int rc = http_upload_rows(r, comm_import_row, im, &err);
    rc = comm_import_finish(im, rc, &err);
    if (rc != CREST_OK) {
        http_reply_error(r, &err);
    } else if (dry && !strcmp(dry, "1")) {
        struct db_conn *c = db_acquire(http_db(r));
        rc = comm_import_check(c, im, &r->user, &err);
        db_release(http_db(r), c);
        if (rc != CREST_OK)
            http_reply_error(r, &err);
        else
            http_reply_json(r, 200, report_json(r, im, true));
    } else {
        http_write(r, import_fn, im);
    }
    comm_import_free(im);
}
