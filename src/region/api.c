/*
 * api.c - /api/v1/regions handlers: decode → validate → store → encode.
 * A region outside the caller's scope answers exactly like a missing one.
 */
#include "../base/str.h"
#include <stdio.h>
#include <string.h>

#include "../base/jdec.h"
#include "../base/util.h"
#include "../db/audit.h"
#include "region.h"

static void audit_of(struct http_req *r, struct audit_entry *e, const char *action,
                     const char *code)
{
    *e = (struct audit_entry){r->user.id, r->user.username, role_name(r->user.role),
                              action,     "region",         code,
                              code,       r->addr};
}

/* The region a list or roll-up is about: ?region= (normalised, in scope) or
 * the caller's scope. False after replying with the error. */
bool region_api_param(struct http_req *r, char out[REGION_CODE_MAX])
{
    const char *q = http_query(r, "region");
    if (!q || !q[0]) {
        str_copy(out, REGION_CODE_MAX, r->user.scope);
        return true;
    }
    struct crest_error err;
    crest_error_clear(&err);
    if (region_code_normalize(q, out, "region", &err) != CREST_OK) {
        http_reply_error(r, &err);
        return false;
    }
    if (!auth_in_scope(&r->user, out)) {
        http_reply_problem(r, CREST_NOTFOUND, "region_not_found");
        return false;
    }
    return true;
}

void region_api_get(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char code[REGION_CODE_MAX];
    if (region_code_normalize(http_param(r, "code"), code, "code", &err) != CREST_OK) {
        http_reply_error(r, &err);
        return;
    }
    if (!auth_in_scope(&r->user, code)) {
        http_reply_problem(r, CREST_NOTFOUND, "region_not_found");
        return;
    }
    struct db_conn *c = db_acquire(http_db(r));
    struct region_row row;
    int rc = region_get(c, code, &row, &err);
    json_t *j = NULL;
    if (rc == CREST_OK) {
        j = region_to_json(&row);
        json_t *kids = json_array();
        struct db_stmt *st =
            db_query(c, &err,
                     "SELECT code, name, name_en, level, population, kind, "
                     "population_source FROM regions WHERE parent = ? ORDER BY code",
                     "s", code);
        int s = st ? 0 : -1;
        while (st && (s = db_step(st, &err)) == 1) {
            json_t *k = json_object();
            json_object_set_new(k, "code", json_string(db_col_text(st, 0)));
            json_object_set_new(k, "name", json_string(db_col_text(st, 1)));
            if (!db_col_null(st, 2))
                json_object_set_new(k, "name_en", json_string(db_col_text(st, 2)));
            json_object_set_new(k, "level", json_string(db_col_text(st, 3)));
            json_object_set_new(k, "population",
                                db_col_null(st, 4) ? json_null() : json_integer(db_col_int(st, 4)));
            if (!db_col_null(st, 5))
                json_object_set_new(k, "kind", json_string(db_col_text(st, 5)));
            if (!db_col_null(st, 6))
                json_object_set_new(k, "population_source", json_string(db_col_text(st, 6)));
            json_array_append_new(kids, k);
        }
        db_finalize(st);
        json_object_set_new(j, "children", kids);
        if (s < 0)
            rc = err.code;
    }
    db_release(http_db(r), c);
    if (rc == CREST_NOTFOUND) {
        json_decref(j);
        http_reply_problem(r, CREST_NOTFOUND, "region_not_found");
        return;
    }
    if (rc != CREST_OK) {
        json_decref(j);
        http_reply_error(r, &err);
        return;
    }
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)row.version));
    http_reply_json(r, 200, j);
}

static int create_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct region_row *in = arg;
    struct region_row parent;
    int rc = region_get(c, in->parent, &parent, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !auth_in_scope(&r->user, parent.code))) {
        crest_error_clear(err);
        return crest_error_field(err, "parent", "unknown", "region_parent_missing", NULL);
    }
    if (rc)
        return rc;
    if (!((in->level == REGION_COMMUNITY && parent.level == REGION_TOWNSHIP) ||
          (in->level == REGION_GRID && parent.level == REGION_COMMUNITY)))
        return crest_error_field(err, "level", "parent_level", "region_parent_level", NULL);
    rc = region_insert(c, in, err);
    if (rc == CREST_CONFLICT) {
        crest_error_clear(err);
        crest_error_field(err, "code", "exists", "region_exists", NULL);
        err->code = CREST_CONFLICT; /* 409, still naming the field */
        return CREST_CONFLICT;
    }
    if (rc)
        return rc;
    struct audit_entry e;
    audit_of(r, &e, "create", in->code);
    if ((rc = audit_append(c, &e, err)) != CREST_OK)
        return rc;
    http_add_header(r, "Location", arena_printf(&r->arena, "/api/v1/regions/%s", in->code));
    http_add_header(r, "ETag", "\"1\"");
    in->version = 1;
    http_reply_json(r, 201, region_to_json(in));
    return CREST_OK;
}

void region_api_create(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct jdec d;
    struct region_row in;
    memset(&in, 0, sizeof in);
    in.population = -1;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        const char *parent = jdec_str(&d, "parent", true, 1, 32);
        const char *code = jdec_str(&d, "code", true, 1, 32);
        const char *name = jdec_str(&d, "name", true, 1, 64);
        const char *name_en = jdec_str(&d, "name_en", false, 1, 120);
        const char *level = jdec_str(&d, "level", true, 1, 16);
        int64_t pop;
        if (jdec_int(&d, "population", false, 0, 100000000, &pop))
            in.population = pop;
        jdec_end(&d);
        if (parent)
            region_code_normalize(parent, in.parent, "parent", &err);
        if (code) {
            size_t pl = strlen(in.parent);
            if (!str_all_digits(str_of(code)) || strlen(code) != pl + 3 || !in.parent[0] ||
                strncmp(code, in.parent, pl) != 0)
                crest_error_field(&err, "code", "format", "region_code_child",
                                  in.parent[0] ? in.parent : "?");
            else
                str_copy(in.code, sizeof in.code, code);
        }
        if (level) {
            int l = region_level_parse(level);
            if (l != REGION_COMMUNITY && l != REGION_GRID)
                crest_error_field(&err, "level", "invalid", "region_level_invalid",
                                  "community | grid");
            else
                in.level = (enum region_level)l;
        }
        if (name)
            str_copy(in.name, sizeof in.name, name);
        if (name_en)
            str_copy(in.name_en, sizeof in.name_en, name_en);
        snprintf(in.population_source, sizeof in.population_source, "%s",
                 in.population >= 0 ? "reported" : "");
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, create_fn, &in);
}

struct update_arg {
    char code[REGION_CODE_MAX];
    int64_t if_match;
    const char *name, *name_en;
    int64_t population; /* -2 = not given */
};

static int update_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct update_arg *a = arg;
    struct region_row row;
    int rc = region_get(c, a->code, &row, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !auth_in_scope(&r->user, row.code))) {
        crest_error_clear(err);
        return crest_error_set(err, CREST_NOTFOUND, "region_not_found", NULL);
    }
    if (rc)
        return rc;
    if (row.level != REGION_COMMUNITY && row.level != REGION_GRID)
        return crest_error_set(err, CREST_FORBIDDEN, "region_readonly", NULL);
    if (row.version != a->if_match) {
        http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)row.version));
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", "%lld",
                               (long long)row.version);
    }
    if (a->name)
        str_copy(row.name, sizeof row.name, a->name);
    if (a->name_en)
        str_copy(row.name_en, sizeof row.name_en, a->name_en);
    if (a->population != -2) {
        row.population = a->population;
        snprintf(row.population_source, sizeof row.population_source, "reported");
    }
    int64_t changed = 0;
    /* the version check in WHERE makes a concurrent update on PostgreSQL lose
     * cleanly instead of overwriting */
    rc = db_exec(c, err, &changed,
                 "UPDATE regions SET name = ?, name_en = ?, population = ?, population_source = ?, "
                 "version = version + 1, updated_ms = ? WHERE code = ? AND version = ?",
                 "ssisisi", row.name, row.name_en[0] ? row.name_en : NULL, row.population,
                 row.population_source[0] ? row.population_source : NULL, util_now_ms(), row.code,
                 row.version);
    if (rc)
        return rc;
    if (changed != 1)
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", "%lld",
                               (long long)row.version + 1);
    row.version++;
    struct audit_entry e;
    audit_of(r, &e, "update", row.code);
    if ((rc = audit_append(c, &e, err)) != CREST_OK)
        return rc;
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)row.version));
    http_reply_json(r, 200, region_to_json(&row));
    return CREST_OK;
}

void region_api_update(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct update_arg a = {.population = -2};
    if (region_code_normalize(http_param(r, "code"), a.code, "code", &err) != CREST_OK) {
        http_reply_error(r, &err);
        return;
    }
    if (!http_require_if_match(r, &a.if_match))
        return;
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        a.name = jdec_str(&d, "name", false, 1, 64);
        a.name_en = jdec_str(&d, "name_en", false, 1, 120);
        int64_t pop;
        if (jdec_int(&d, "population", false, 0, 100000000, &pop))
            a.population = pop;
        jdec_end(&d);
    }
    if (!err.code)
        http_write(r, update_fn, &a);
    else
        http_reply_error(r, &err);
    jdec_free(&d);
}
