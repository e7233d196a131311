/*
 * api.c - the supply pillar's HTTP handlers: the catalogue, stock and the
 * ledger, days of cover, shortages and expiring batches, dispatch plans
 * (compute → review/edit → approve) and their shipments (dispatched →
 * received, partly or in full).
 *
 * Who may move what: a commander (or admin) any site in their scope; a
 * hospital or pharmacy login only its own facility (users.facility_id). A
 * site outside the caller's scope is unknown (422 naming the field, as for
 * a region); a site in scope that is not the caller's own is 403 naming the
 * field, so a pharmacy learns plainly that it cannot move a depot's stock.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/jdec.h"
#include "../base/mem.h"
#include "../base/str.h"
#include "../base/util.h"
#include "../base/validate.h"
#include "../capacity/capacity.h"
#include "../db/audit.h"
#include "../http/http.h"
#include "../region/region.h"
#include "supply.h"

#define QTY_MAX 1000000000LL

static const struct policy *pol(void)
{
    return policy_current();
}

static int64_t target_days(void)
{
    const struct policy *p = pol();
    return p && p->supply.days_of_cover_target > 0 ? p->supply.days_of_cover_target : 90;
}

static int64_t window_days(void)
{
    const struct policy *p = pol();
    return p && p->supply.consumption_window_days > 0 ? p->supply.consumption_window_days : 14;
}

static bool is_command(const struct http_req *r)
{
    return r->user.role == ROLE_ADMIN || r->user.role == ROLE_COMMANDER;
}

static void audit_of(struct http_req *r, struct audit_entry *e, const char *action,
                     const char *entity, const char *id, const char *region)
{
    *e = (struct audit_entry){
        r->user.id, r->user.username, role_name(r->user.role), action, entity, id, region, r->addr};
}

static int audit(struct db_conn *c, struct http_req *r, const char *action, const char *entity,
                 int64_t id, const char *region, struct crest_error *err)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    struct audit_entry e;
    audit_of(r, &e, action, entity, ids, region);
    return audit_append(c, &e, err);
}

/* The site named by a body field: it must exist and be in scope (else a
 * field error "unknown"); to move its stock (write) a hospital or pharmacy
 * must own it (else 403 naming the field). */
static int site_for(struct db_conn *c, struct http_req *r, int64_t id, const char *field,
                    bool write, struct supply_site *s, struct crest_error *err)
{
    int rc = supply_site_get(c, id, s, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !auth_in_scope(&r->user, s->region))) {
        crest_error_clear(err);
        return crest_error_field(err, field, "unknown", "supply_site_unknown", NULL);
    }
    if (rc)
        return rc;
    if (write && !is_command(r) && r->user.facility_id != s->id) {
        crest_error_field(err, field, "forbidden", "supply_site_forbidden", NULL);
        err->code = CREST_FORBIDDEN;
        return CREST_FORBIDDEN;
    }
    return CREST_OK;
}

static int item_for(struct db_conn *c, int64_t id, struct supply_item *it, struct crest_error *err)
{
    int rc = supply_item_get(c, id, it, err);
    if (rc == CREST_NOTFOUND) {
        crest_error_clear(err);
        return crest_error_field(err, "item", "unknown", "supply_item_unknown", NULL);
    }
    return rc;
}

static json_t *item_json(const struct supply_item *it)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(it->id));
    json_object_set_new(j, "code", json_string(it->code));
    json_object_set_new(j, "name", json_string(it->name));
    json_object_set_new(j, "name_en", it->name_en[0] ? json_string(it->name_en) : json_null());
    json_object_set_new(j, "unit", json_string(it->unit));
    json_object_set_new(j, "category", json_string(supply_category_name(it->category)));
    json_object_set_new(j, "batched", json_boolean(it->batched));
    json_object_set_new(j, "min_shelf_days", json_integer(it->min_shelf_days));
    return j;
}

static json_t *cover_json(double cover)
{
    return cover < 0 ? json_null() : json_real(round(cover * 10) / 10);
}

/* ---- catalogue ---- */

void supply_api_items(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct db_conn *c = db_acquire(http_db(r));
    struct db_stmt *st =
        db_query(c, &err, "SELECT id FROM supply_items ORDER BY category, id LIMIT 1000", NULL);
    json_t *items = json_array();
    int64_t ids[1000];
    int n = 0, rc = st ? 0 : -1;
    while (st && n < 1000 && (rc = db_step(st, &err)) == 1)
        ids[n++] = db_col_int(st, 0);
    db_finalize(st);
    for (int i = 0; i < n && rc >= 0; i++) {
        struct supply_item it;
        if (supply_item_get(c, ids[i], &it, &err) == CREST_OK)
            json_array_append_new(items, item_json(&it));
    }
    db_release(http_db(r), c);
    if (rc < 0) {
        json_decref(items);
        http_reply_error(r, &err);
        return;
    }
    json_t *j = json_object();
    json_object_set_new(j, "items", items);
    json_object_set_new(j, "target_days", json_integer(target_days()));
    http_reply_json(r, 200, j);
}

static int item_create_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct supply_item *it = arg;
    struct db_stmt *st =
        db_query(c, err, "SELECT id FROM supply_items WHERE code = ?", "s", it->code);
    if (!st)
        return err->code;
    int s = db_step(st, err);
    db_finalize(st);
    if (s < 0)
        return err->code;
    if (s == 1) {
        crest_error_field(err, "code", "exists", "field_duplicate", NULL);
        err->code = CREST_CONFLICT;
        return CREST_CONFLICT;
    }
    st = db_query(c, err,
                  "INSERT INTO supply_items (code, name, name_en, unit, category, batched, "
                  "min_shelf_days, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                  "sssssiii", it->code, it->name, it->name_en[0] ? it->name_en : NULL, it->unit,
                  supply_category_name(it->category), (int64_t)it->batched, it->min_shelf_days,
                  util_now_ms());
    if (!st)
        return err->code;
    s = db_step(st, err);
    if (s == 1)
        it->id = db_col_int(st, 0);
    db_finalize(st);
    if (s != 1)
        return err->code;
    int rc = audit(c, r, "create", "supply_item", it->id, "33", err);
    if (rc)
        return rc;
    http_add_header(r, "Location",
                    arena_printf(&r->arena, "/api/v1/supply/items/%lld", (long long)it->id));
    http_reply_json(r, 201, item_json(it));
    return CREST_OK;
}

void supply_api_item_create(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct supply_item it;
    memset(&it, 0, sizeof it);
    it.batched = true;
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        const char *code = jdec_str(&d, "code", true, 1, 32);
        const char *name = jdec_str(&d, "name", true, 1, 50);
        const char *name_en = jdec_str(&d, "name_en", false, 0, 50);
        const char *unit = jdec_str(&d, "unit", true, 1, 10);
        const char *cat = jdec_str(&d, "category", true, 1, 32);
        jdec_bool(&d, "batched", false, &it.batched);
        jdec_int(&d, "min_shelf_days", false, 0, 3650, &it.min_shelf_days);
        jdec_end(&d);
        if (code) {
            bool ok = true;
            for (const char *p = code; *p; p++)
                ok &= (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
            if (!ok)
                crest_error_field(&err, "code", "format", "field_identifier", NULL);
            str_copy(it.code, sizeof it.code, code);
        }
        if (name)
            str_copy(it.name, sizeof it.name, name);
        if (name_en)
            str_copy(it.name_en, sizeof it.name_en, name_en);
        if (unit)
            str_copy(it.unit, sizeof it.unit, unit);
        if (cat && (it.category = supply_category_parse(cat)) < 0)
            crest_error_field(&err, "category", "invalid", "field_range",
                              "antiviral | antipyretic | tcm | symptomatic | antigen_test | …");
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, item_create_fn, &it);
}

/* ---- stock and the ledger ---- */

/* ?site= for a list: a hospital or pharmacy sees only its own site. */
static bool list_site(struct http_req *r, int64_t *site, struct crest_error *err)
{
    http_query_int(r, "site", 1, INT64_MAX, 0, site, err);
    if (!is_command(r)) {
        if (!r->user.facility_id || (*site && *site != r->user.facility_id)) {
            crest_error_field(err, "site", "forbidden", "supply_site_forbidden", NULL);
            err->code = CREST_FORBIDDEN;
            return false;
        }
        *site = r->user.facility_id;
    }
    return !err->code;
}

void supply_api_stock(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char region[REGION_CODE_MAX], upper[20];
    if (!region_api_param(r, region))
        return;
    capacity_prefix_upper(region, upper);
    int64_t site = 0, item = 0, limit = 500, after_s = 0, after_i = 0, after_b = -1;
    list_site(r, &site, &err);
    http_query_int(r, "item", 1, INT64_MAX, 0, &item, &err);
    http_query_int(r, "limit", 1, 1000, 500, &limit, &err);
    const char *after = http_query(r, "after");
    if (after) {
        /* the cursor is "site.item.batch" of the last row */
        const char *p1 = strchr(after, '.'), *p2 = p1 ? strchr(p1 + 1, '.') : NULL;
        if (!p1 || !p2 || !str_to_i64((struct str){after, (size_t)(p1 - after)}, &after_s) ||
            !str_to_i64((struct str){p1 + 1, (size_t)(p2 - p1 - 1)}, &after_i) ||
            !str_to_i64(str_of(p2 + 1), &after_b))
            crest_error_field(&err, "after", "format", "query_invalid", NULL);
    }
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    struct db_conn *c = db_acquire(http_db(r));
    struct db_stmt *st = db_query(
        c, &err,
        "SELECT b.site_id, f.name, f.kind, b.region, b.item_id, i.code, i.name, i.unit, "
        "b.batch_id, t.batch, t.expiry, b.qty FROM supply_balances b JOIN facilities f ON f.id = "
        "b.site_id JOIN supply_items i ON i.id = b.item_id LEFT JOIN supply_batches t ON t.id = "
        "b.batch_id WHERE b.region >= ? AND b.region < ? AND (? = 0 OR b.site_id = ?) AND (? = 0 "
        "OR b.item_id = ?) AND (b.site_id > ? OR (b.site_id = ? AND (b.item_id > ? OR (b.item_id "
        "= ? AND b.batch_id > ?)))) ORDER BY b.site_id, b.item_id, b.batch_id LIMIT ?",
        "ssiiiiiiiiii", region, upper, site, site, item, item, after_s, after_s, after_i, after_i,
        after_b, limit + 1);
    json_t *rows = json_array();
    int rc = st ? 0 : -1, n = 0;
    char next[80] = "";
    while (st && (rc = db_step(st, &err)) == 1) {
        if (n == limit) {
            rc = 0;
            break;
        }
        json_t *o = json_object();
        json_object_set_new(o, "site", json_integer(db_col_int(st, 0)));
        json_object_set_new(o, "site_name", json_string(db_col_text(st, 1)));
        json_object_set_new(o, "site_kind", json_string(db_col_text(st, 2)));
        json_object_set_new(o, "region", json_string(db_col_text(st, 3)));
        json_object_set_new(o, "item", json_integer(db_col_int(st, 4)));
        json_object_set_new(o, "item_code", json_string(db_col_text(st, 5)));
        json_object_set_new(o, "item_name", json_string(db_col_text(st, 6)));
        json_object_set_new(o, "unit", json_string(db_col_text(st, 7)));
        json_object_set_new(o, "batch",
                            db_col_null(st, 9) ? json_null() : json_string(db_col_text(st, 9)));
        json_object_set_new(o, "expiry",
                            db_col_null(st, 10) ? json_null() : json_string(db_col_text(st, 10)));
        json_object_set_new(o, "qty", json_integer(db_col_int(st, 11)));
        json_array_append_new(rows, o);
        snprintf(next, sizeof next, "%lld.%lld.%lld", (long long)db_col_int(st, 0),
                 (long long)db_col_int(st, 4), (long long)db_col_int(st, 8));
        n++;
    }
    bool more = rc == 0 && n == limit && st;
    db_finalize(st);
    db_release(http_db(r), c);
    if (rc < 0) {
        json_decref(rows);
        http_reply_error(r, &err);
        return;
    }
    json_t *j = json_object();
    json_object_set_new(j, "items", rows);
    json_object_set_new(j, "next", more ? json_string(next) : json_null());
    http_reply_json(r, 200, j);
}

static json_t *movement_json(struct db_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
    json_object_set_new(o, "date", json_string(db_col_text(st, 1)));
    json_object_set_new(o, "site", json_integer(db_col_int(st, 2)));
    json_object_set_new(o, "site_name", json_string(db_col_text(st, 3)));
    json_object_set_new(o, "region", json_string(db_col_text(st, 4)));
    json_object_set_new(o, "item", json_integer(db_col_int(st, 5)));
    json_object_set_new(o, "item_code", json_string(db_col_text(st, 6)));
    json_object_set_new(o, "batch",
                        db_col_null(st, 7) ? json_null() : json_string(db_col_text(st, 7)));
    json_object_set_new(o, "kind", json_string(db_col_text(st, 8)));
    json_object_set_new(o, "qty", json_integer(db_col_int(st, 9)));
    json_object_set_new(o, "reason",
                        db_col_null(st, 10) ? json_null() : json_string(db_col_text(st, 10)));
    json_object_set_new(o, "pair",
                        db_col_null(st, 11) ? json_null() : json_integer(db_col_int(st, 11)));
    json_object_set_new(o, "shipment",
                        db_col_null(st, 12) ? json_null() : json_integer(db_col_int(st, 12)));
    return o;
}

void supply_api_movements(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char region[REGION_CODE_MAX], upper[20];
    if (!region_api_param(r, region))
        return;
    capacity_prefix_upper(region, upper);
    int64_t site = 0, item = 0, after = 0, limit = 100;
    list_site(r, &site, &err);
    http_query_int(r, "item", 1, INT64_MAX, 0, &item, &err);
    http_query_int(r, "after", 0, INT64_MAX, 0, &after, &err);
    http_query_int(r, "limit", 1, 1000, 100, &limit, &err);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    struct db_conn *c = db_acquire(http_db(r));
    struct db_stmt *st = db_query(
        c, &err,
        "SELECT m.id, m.date, m.site_id, f.name, m.region, m.item_id, i.code, t.batch, m.kind, "
        "m.qty, m.reason, m.pair_id, m.shipment_id FROM supply_movements m JOIN facilities f ON "
        "f.id = m.site_id JOIN supply_items i ON i.id = m.item_id LEFT JOIN supply_batches t ON "
        "t.id = m.batch_id WHERE m.region >= ? AND m.region < ? AND (? = 0 OR m.site_id = ?) AND "
        "(? = 0 OR m.item_id = ?) AND m.id > ? ORDER BY m.id LIMIT ?",
        "ssiiiiii", region, upper, site, site, item, item, after, limit + 1);
    json_t *rows = json_array();
    int rc = st ? 0 : -1, n = 0;
    int64_t last = 0;
    bool more = false;
    while (st && (rc = db_step(st, &err)) == 1) {
        if (n == limit) {
            more = true;
            break;
        }
        json_array_append_new(rows, movement_json(st));
        last = db_col_int(st, 0);
        n++;
    }
    db_finalize(st);
    db_release(http_db(r), c);
    if (rc < 0) {
        json_decref(rows);
        http_reply_error(r, &err);
        return;
    }
    json_t *j = json_object();
    json_object_set_new(j, "items", rows);
    json_object_set_new(j, "next", more ? json_integer(last) : json_null());
    http_reply_json(r, 200, j);
}

/* A movement request as decoded from the body. */
struct move_in {
    enum supply_kind kind;
    int64_t site, to, item, qty, counted;
    bool has_counted;
    char batch[65], expiry[11], reason[401];
};

struct posted {
    json_t *arr;
    const char *kind;
};

static int posted_cb(void *arg, int64_t batch_id, int64_t qty, int64_t move_id)
{
    struct posted *p = arg;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(move_id));
    json_object_set_new(o, "kind", json_string(p->kind));
    json_object_set_new(o, "batch_id", batch_id ? json_integer(batch_id) : json_null());
    json_object_set_new(o, "qty", json_integer(-qty));
    json_array_append_new(p->arr, o);
    return CREST_OK;
}

/* The batch named in a body, or 0: unknown to this item is a field error. */
static int batch_lookup(struct db_conn *c, int64_t item, const char *batch, int64_t *id,
                        char expiry[11], struct crest_error *err)
{
    *id = 0;
    if (expiry)
        expiry[0] = '\0';
    if (!batch[0])
        return CREST_OK;
    struct db_stmt *st =
        db_query(c, err, "SELECT id, expiry FROM supply_batches WHERE item_id = ? AND batch = ?",
                 "is", item, batch);
    if (!st)
        return err->code;
    int s = db_step(st, err);
    if (s == 1) {
        *id = db_col_int(st, 0);
        if (expiry)
            str_copy(expiry, 11, db_col_text(st, 1));
    }
    db_finalize(st);
    return s < 0 ? err->code : CREST_OK;
}

static int site_total(struct db_conn *c, int64_t site, int64_t item, int64_t *out,
                      struct crest_error *err)
{
    *out = 0;
    struct db_stmt *st = db_query(
        c, err,
        "SELECT coalesce(sum(qty), 0) FROM supply_balances WHERE site_id = ? AND item_id = ?", "ii",
        site, item);
    if (!st)
        return err->code;
    int s = db_step(st, err);
    if (s == 1)
        *out = db_col_int(st, 0);
    db_finalize(st);
    return s < 0 ? err->code : CREST_OK;
}

static int move_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct move_in *in = arg;
    struct supply_site s;
    struct supply_item it;
    int rc = site_for(c, r, in->site, "site", true, &s, err);
    if (!rc)
        rc = item_for(c, in->item, &it, err);
    if (rc)
        return rc;
    char today[11];
    capacity_today(c, today);
    int64_t batch_id = 0;
    char existing[11] = "";
    if ((rc = batch_lookup(c, it.id, in->batch, &batch_id, existing, err)))
        return rc;
    if (!it.batched && in->batch[0])
        return crest_error_field(err, "batch", "not_batched", "supply_not_batched", NULL);
    if (in->batch[0] && !batch_id && in->kind != SUP_RECEIPT)
        return crest_error_field(err, "batch", "unknown", "supply_batch_unknown", in->batch);
    struct supply_move m = {s.id, s.region, it.id, batch_id, in->kind,  0,
                            NULL, 0,        0,     today,    r->user.id};
    m.reason = in->reason[0] ? in->reason : NULL;
    json_t *arr = json_array();
    struct posted p = {arr, supply_kind_name(in->kind)};
    int64_t id = 0;
    switch (in->kind) {
    case SUP_RECEIPT:
        supply_receipt_check(it.batched, it.min_shelf_days, in->batch, in->expiry, existing, today,
                             err);
        if (err->code) {
            rc = err->code;
            break;
        }
        if (it.batched && !batch_id) {
            struct db_stmt *st =
                db_query(c, err,
                         "INSERT INTO supply_batches (item_id, batch, expiry, created_ms) VALUES "
                         "(?, ?, ?, ?) RETURNING id",
                         "issi", it.id, in->batch, in->expiry, util_now_ms());
            if (!st) {
                rc = err->code;
                break;
            }
            int s2 = db_step(st, err);
            if (s2 == 1)
                m.batch_id = db_col_int(st, 0);
            db_finalize(st);
            if (s2 != 1) {
                rc = err->code;
                break;
            }
        }
        m.qty = in->qty;
        if (!(rc = supply_post(c, &m, &id, err)))
            rc = posted_cb(&p, m.batch_id, -m.qty, id);
        break;
    case SUP_ISSUE:
    case SUP_EXPIRY:
        if (in->kind == SUP_EXPIRY && it.batched && !batch_id) {
            rc = crest_error_field(err, "batch", "required", "field_required", NULL);
            break;
        }
        m.qty = -in->qty;
        rc = supply_draw(c, &m, posted_cb, &p, err);
        break;
    case SUP_ADJUSTMENT: {
        if (it.batched && !batch_id) {
            rc = crest_error_field(err, "batch", "required", "field_required", NULL);
            break;
        }
        int64_t have = 0;
        if ((rc = supply_balance(c, s.id, it.id, batch_id, &have, err)))
            break;
        m.qty = in->counted - have;
        if (m.qty && !(rc = supply_post(c, &m, &id, err)))
            rc = posted_cb(&p, m.batch_id, -m.qty, id);
        break;
    }
    default: rc = crest_error_field(err, "kind", "invalid", "field_range", NULL);
    }
    if (!rc)
        rc = audit(c, r, supply_kind_name(in->kind), "supply_stock", s.id, s.region, err);
    int64_t total = 0;
    if (!rc)
        rc = site_total(c, s.id, it.id, &total, err);
    if (rc) {
        json_decref(arr);
        return rc;
    }
    json_t *j = json_object();
    json_object_set_new(j, "site", json_integer(s.id));
    json_object_set_new(j, "item", json_integer(it.id));
    json_object_set_new(j, "movements", arr);
    json_object_set_new(j, "balance", json_integer(total));
    http_reply_json(r, json_array_size(arr) ? 201 : 200, j);
    return CREST_OK;
}

static void decode_move(struct http_req *r, struct move_in *in, bool transfer,
                        struct crest_error *err)
{
    struct jdec d;
    memset(in, 0, sizeof *in);
    if (jdec_begin(&d, r->body.p, r->body.n, err) == CREST_OK) {
        const char *kind = transfer ? NULL : jdec_str(&d, "kind", true, 1, 16);
        jdec_int(&d, transfer ? "from" : "site", true, 1, INT64_MAX, &in->site);
        if (transfer)
            jdec_int(&d, "to", true, 1, INT64_MAX, &in->to);
        jdec_int(&d, "item", true, 1, INT64_MAX, &in->item);
        const char *batch = jdec_str(&d, "batch", false, 1, 64);
        const char *expiry = transfer ? NULL : jdec_str(&d, "expiry", false, 10, 10);
        const char *reason = jdec_str(&d, "reason", false, 1, 100);
        int k = transfer ? SUP_TRANSFER_OUT : kind ? supply_kind_parse(kind) : -1;
        if (kind && (k < 0 || k == SUP_TRANSFER_IN || k == SUP_TRANSFER_OUT))
            crest_error_field(err, "kind", "invalid", "field_range",
                              "receipt | issue | adjustment | expiry");
        in->kind = k < 0 ? SUP_RECEIPT : (enum supply_kind)k;
        if (k == SUP_ADJUSTMENT) {
            in->has_counted = jdec_int(&d, "counted", true, 0, QTY_MAX, &in->counted);
            if (!reason && !jdec_has(&d, "reason"))
                crest_error_field(err, "reason", "required", "supply_reason_required", NULL);
        } else {
            jdec_int(&d, "qty", true, 1, QTY_MAX, &in->qty);
        }
        jdec_end(&d);
        if (batch)
            str_copy(in->batch, sizeof in->batch, batch);
        if (expiry) {
            if (!validate_date(expiry))
                crest_error_field(err, "expiry", "format", "field_date", NULL);
            else
                str_copy(in->expiry, sizeof in->expiry, expiry);
        }
        if (reason)
            str_copy(in->reason, sizeof in->reason, reason);
        if (transfer && in->site && in->site == in->to)
            crest_error_field(err, "to", "same_site", "supply_same_site", NULL);
    }
    jdec_free(&d);
}

void supply_api_movement_post(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct move_in in;
    decode_move(r, &in, false, &err);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, move_fn, &in);
}

struct xfer_ctx {
    struct db_conn *c;
    struct supply_move in;
    json_t *arr;
    struct crest_error *err;
};

static int xfer_cb(void *arg, int64_t batch_id, int64_t qty, int64_t move_id)
{
    struct xfer_ctx *x = arg;
    struct supply_move m = x->in;
    m.batch_id = batch_id;
    m.qty = qty;
    m.pair_id = move_id;
    int64_t id = 0;
    int rc = supply_post(x->c, &m, &id, x->err);
    if (rc)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "out", json_integer(move_id));
    json_object_set_new(o, "in", json_integer(id));
    json_object_set_new(o, "batch_id", batch_id ? json_integer(batch_id) : json_null());
    json_object_set_new(o, "qty", json_integer(qty));
    json_array_append_new(x->arr, o);
    return CREST_OK;
}

static int transfer_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct move_in *in = arg;
    struct supply_site from, to;
    struct supply_item it;
    int rc = site_for(c, r, in->site, "from", true, &from, err);
    if (!rc)
        rc = site_for(c, r, in->to, "to", false, &to, err);
    if (!rc)
        rc = item_for(c, in->item, &it, err);
    if (rc)
        return rc;
    int64_t batch_id = 0;
    if ((rc = batch_lookup(c, it.id, in->batch, &batch_id, NULL, err)))
        return rc;
    if (in->batch[0] && !batch_id)
        return crest_error_field(err, "batch", "unknown", "supply_batch_unknown", in->batch);
    char today[11];
    capacity_today(c, today);
    const char *reason = in->reason[0] ? in->reason : NULL;
    struct supply_move out = {from.id, from.region, it.id, batch_id, SUP_TRANSFER_OUT, -in->qty,
                              reason,  0,           0,     today,    r->user.id};
    struct xfer_ctx x = {
        c,
        {to.id, to.region, it.id, 0, SUP_TRANSFER_IN, 0, reason, 0, 0, today, r->user.id},
        json_array(),
        err};
    /* both legs in this one transaction: out of `from` (FEFO or the batch),
     * into `to`, each in naming its out */
    rc = supply_draw(c, &out, xfer_cb, &x, err);
    if (!rc)
        rc = audit(c, r, "transfer", "supply_stock", from.id, from.region, err);
    if (!rc)
        rc = audit(c, r, "transfer_in", "supply_stock", to.id, to.region, err);
    if (rc) {
        json_decref(x.arr);
        return rc;
    }
    json_t *j = json_object();
    json_object_set_new(j, "from", json_integer(from.id));
    json_object_set_new(j, "to", json_integer(to.id));
    json_object_set_new(j, "item", json_integer(it.id));
    json_object_set_new(j, "qty", json_integer(in->qty));
    json_object_set_new(j, "legs", x.arr);
    http_reply_json(r, 201, j);
    return CREST_OK;
}

void supply_api_transfer(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct move_in in;
    decode_move(r, &in, true, &err);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, transfer_fn, &in);
}

/* ---- days of cover, shortages, expiry ---- */

/* Per site and item under region: stock, use over the window (a trailing
 * mean), joined with names. shortage: only those below the target. */
static struct db_stmt *cover_query(struct db_conn *c, const char *region, int64_t item,
                                   int64_t site, const char *today, bool shortage, int64_t limit,
                                   struct crest_error *err)
{
    char upper[20], from[11] = "";
    capacity_prefix_upper(region, upper);
    supply_date_add(today, -window_days(), from);
    return db_query(
        c, err,
        "WITH b AS (SELECT site_id, item_id, sum(qty) AS q FROM supply_balances WHERE region >= "
        "? AND region < ? AND (? = 0 OR item_id = ?) AND (? = 0 OR site_id = ?) GROUP BY "
        "site_id, item_id), u AS (SELECT site_id, item_id, -sum(qty) AS q FROM supply_movements "
        "WHERE kind = 'issue' AND date > ? AND date <= ? AND region >= ? AND region < ? AND (? = 0 "
        "OR item_id = ?) AND (? = 0 OR site_id = ?) GROUP BY site_id, item_id), k AS (SELECT "
        "site_id, item_id FROM b UNION SELECT site_id, item_id FROM u) "
        "SELECT k.site_id, f.name, f.kind, f.region, k.item_id, i.code, i.name, i.unit, "
        "coalesce(b.q, 0), coalesce(u.q, 0), f.lat, f.lon FROM k JOIN facilities f ON f.id = "
        "k.site_id JOIN supply_items i ON i.id = k.item_id LEFT JOIN b ON b.site_id = k.site_id "
        "AND b.item_id = k.item_id LEFT JOIN u ON u.site_id = k.site_id AND u.item_id = "
        "k.item_id WHERE (? = 0 OR (coalesce(u.q, 0) > 0 AND coalesce(b.q, 0) * ? < ? * u.q)) "
        "ORDER BY CASE WHEN coalesce(u.q, 0) > 0 THEN coalesce(b.q, 0) * 1.0 / u.q ELSE 1e18 END, "
        "k.site_id, k.item_id LIMIT ?",
        "ssiiiissssiiiiiiii", region, upper, item, item, site, site, from, today, region, upper,
        item, item, site, site, (int64_t)shortage, window_days(), target_days(), limit);
}

static json_t *cover_row_json(struct db_stmt *st)
{
    double stock = (double)db_col_int(st, 8), use = (double)db_col_int(st, 9) / window_days();
    json_t *o = json_object();
    json_object_set_new(o, "site", json_integer(db_col_int(st, 0)));
    json_object_set_new(o, "site_name", json_string(db_col_text(st, 1)));
    json_object_set_new(o, "site_kind", json_string(db_col_text(st, 2)));
    json_object_set_new(o, "region", json_string(db_col_text(st, 3)));
    json_object_set_new(o, "item", json_integer(db_col_int(st, 4)));
    json_object_set_new(o, "item_code", json_string(db_col_text(st, 5)));
    json_object_set_new(o, "item_name", json_string(db_col_text(st, 6)));
    json_object_set_new(o, "unit", json_string(db_col_text(st, 7)));
    json_object_set_new(o, "stock", json_integer((int64_t)stock));
    json_object_set_new(o, "daily_use", json_real(round(use * 100) / 100));
    json_object_set_new(o, "days_of_cover", cover_json(supply_days_of_cover(stock, use)));
    return o;
}

struct agg {
    char code[16];
    double stock, use;
    int64_t sites, below;
};

void supply_api_cover(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char region[REGION_CODE_MAX];
    if (!region_api_param(r, region))
        return;
    int64_t item = 0, site = 0;
    http_query_int(r, "item", 1, INT64_MAX, 0, &item, &err);
    if (!is_command(r) && !list_site(r, &site, &err)) {
        http_reply_error(r, &err);
        return;
    }
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    /* the level below region: county for a city, city for the province, … */
    size_t len = strlen(region), child = len < 4 ? 4 : len < 6 ? 6 : len < 9 ? 9 : len;
    struct db_conn *c = db_acquire(http_db(r));
    char today[11];
    bool illustrative = capacity_today(c, today);
    struct db_stmt *st = cover_query(c, region, item, site, today, false, 100000, &err);
    json_t *sites = json_array();
    struct agg *items = NULL, *regs = NULL;
    int nitems = 0, nregs = 0, rc = st ? 0 : -1;
    double target = (double)target_days();
    json_t *names = json_object();
    while (st && (rc = db_step(st, &err)) == 1) {
        double stock = (double)db_col_int(st, 8), use = (double)db_col_int(st, 9) / window_days();
        bool below = use > 0 && stock < target * use;
        char icode[16];
        snprintf(icode, sizeof icode, "%lld", (long long)db_col_int(st, 4));
        int k;
        for (k = 0; k < nitems && strcmp(items[k].code, icode); k++)
            ;
        if (k == nitems) {
            items = xrealloc(items, (size_t)(nitems + 1) * sizeof *items);
            memset(&items[nitems], 0, sizeof *items);
            str_copy(items[nitems++].code, 16, icode);
            json_t *nm = json_object();
            json_object_set_new(nm, "code", json_string(db_col_text(st, 5)));
            json_object_set_new(nm, "name", json_string(db_col_text(st, 6)));
            json_object_set_new(nm, "unit", json_string(db_col_text(st, 7)));
            json_object_set_new(names, icode, nm);
        }
        items[k].stock += stock;
        items[k].use += use;
        items[k].sites++;
        items[k].below += below;
        if (item) {
            char rc6[16] = "";
            const char *sr = db_col_text(st, 3);
            str_copy(rc6, sizeof rc6, sr);
            if (strlen(rc6) > child)
                rc6[child] = '\0';
            int q;
            for (q = 0; q < nregs && strcmp(regs[q].code, rc6); q++)
                ;
            if (q == nregs) {
                regs = xrealloc(regs, (size_t)(nregs + 1) * sizeof *regs);
                memset(&regs[nregs], 0, sizeof *regs);
                str_copy(regs[nregs++].code, 16, rc6);
            }
            regs[q].stock += stock;
            regs[q].use += use;
            regs[q].sites++;
            regs[q].below += below;
            if (json_array_size(sites) < 2000)
                json_array_append_new(sites, cover_row_json(st));
        }
    }
    db_finalize(st);
    db_release(http_db(r), c);
    if (rc < 0) {
        json_decref(sites);
        json_decref(names);
        free(items);
        free(regs);
        http_reply_error(r, &err);
        return;
    }
    json_t *ji = json_array(), *jr = json_array();
    for (int k = 0; k < nitems; k++) {
        json_t *o = json_object();
        json_t *nm = json_object_get(names, items[k].code);
        int64_t id = 0;
        str_to_i64(str_of(items[k].code), &id);
        json_object_set_new(o, "item", json_integer(id));
        json_object_set(o, "item_code", json_object_get(nm, "code"));
        json_object_set(o, "item_name", json_object_get(nm, "name"));
        json_object_set(o, "unit", json_object_get(nm, "unit"));
        json_object_set_new(o, "stock", json_integer((int64_t)items[k].stock));
        json_object_set_new(o, "daily_use", json_real(round(items[k].use * 100) / 100));
        json_object_set_new(o, "days_of_cover",
                            cover_json(supply_days_of_cover(items[k].stock, items[k].use)));
        json_object_set_new(o, "sites", json_integer(items[k].sites));
        json_object_set_new(o, "sites_below_target", json_integer(items[k].below));
        json_array_append_new(ji, o);
    }
    for (int q = 0; q < nregs; q++) {
        json_t *o = json_object();
        json_object_set_new(o, "region", json_string(regs[q].code));
        json_object_set_new(o, "stock", json_integer((int64_t)regs[q].stock));
        json_object_set_new(o, "daily_use", json_real(round(regs[q].use * 100) / 100));
        json_object_set_new(o, "days_of_cover",
                            cover_json(supply_days_of_cover(regs[q].stock, regs[q].use)));
        json_object_set_new(o, "sites", json_integer(regs[q].sites));
        json_object_set_new(o, "sites_below_target", json_integer(regs[q].below));
        json_array_append_new(jr, o);
    }
    json_decref(names);
    free(items);
    free(regs);
    json_t *j = json_object();
    json_object_set_new(j, "region", json_string(region));
    json_object_set_new(j, "as_of", json_string(today));
    json_object_set_new(j, "target_days", json_integer(target_days()));
    json_object_set_new(j, "window_days", json_integer(window_days()));
    json_object_set_new(j, "source", json_string(illustrative ? "illustrative" : "recorded"));
    json_object_set_new(j, "items", ji);
    if (item) {
        json_object_set_new(j, "regions", jr);
        json_object_set_new(j, "sites", sites);
    } else {
        json_decref(jr);
        json_decref(sites);
    }
    http_reply_json(r, 200, j);
}

void supply_api_shortages(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char region[REGION_CODE_MAX];
    if (!region_api_param(r, region))
        return;
    int64_t item = 0, site = 0, limit = 200;
    http_query_int(r, "item", 1, INT64_MAX, 0, &item, &err);
    http_query_int(r, "limit", 1, 1000, 200, &limit, &err);
    if (!is_command(r))
        list_site(r, &site, &err);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    struct db_conn *c = db_acquire(http_db(r));
    char today[11];
    bool illustrative = capacity_today(c, today);
    struct db_stmt *st = cover_query(c, region, item, site, today, true, limit, &err);
    json_t *rows = json_array();
    int rc = st ? 0 : -1;
    while (st && (rc = db_step(st, &err)) == 1)
        json_array_append_new(rows, cover_row_json(st));
    db_finalize(st);
    db_release(http_db(r), c);
    if (rc < 0) {
        json_decref(rows);
        http_reply_error(r, &err);
        return;
    }
    json_t *j = json_object();
    json_object_set_new(j, "as_of", json_string(today));
    json_object_set_new(j, "target_days", json_integer(target_days()));
    json_object_set_new(j, "source", json_string(illustrative ? "illustrative" : "recorded"));
    json_object_set_new(j, "items", rows);
    http_reply_json(r, 200, j);
}

void supply_api_expiring(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char region[REGION_CODE_MAX], upper[20];
    if (!region_api_param(r, region))
        return;
    capacity_prefix_upper(region, upper);
    const struct policy *p = pol();
    int64_t def = p && p->supply.expiry_warning_days > 0 ? p->supply.expiry_warning_days : 60;
    int64_t days = def, site = 0, limit = 500;
    http_query_int(r, "days", 0, 3650, def, &days, &err);
    http_query_int(r, "limit", 1, 1000, 500, &limit, &err);
    if (!is_command(r))
        list_site(r, &site, &err);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    struct db_conn *c = db_acquire(http_db(r));
    char today[11], until[11] = "";
    capacity_today(c, today);
    supply_date_add(today, days, until);
    struct db_stmt *st = db_query(
        c, &err,
        "SELECT b.site_id, f.name, b.region, i.id, i.code, i.name, t.batch, t.expiry, b.qty "
        "FROM supply_balances b JOIN supply_batches t ON t.id = b.batch_id JOIN facilities f ON "
        "f.id = b.site_id JOIN supply_items i ON i.id = b.item_id WHERE b.region >= ? AND "
        "b.region < ? AND b.qty > 0 AND t.expiry <= ? AND (? = 0 OR b.site_id = ?) ORDER BY "
        "t.expiry, b.site_id LIMIT ?",
        "sssiii", region, upper, until, site, site, limit);
    json_t *rows = json_array();
    int rc = st ? 0 : -1;
    while (st && (rc = db_step(st, &err)) == 1) {
        json_t *o = json_object();
        json_object_set_new(o, "site", json_integer(db_col_int(st, 0)));
        json_object_set_new(o, "site_name", json_string(db_col_text(st, 1)));
        json_object_set_new(o, "region", json_string(db_col_text(st, 2)));
        json_object_set_new(o, "item", json_integer(db_col_int(st, 3)));
        json_object_set_new(o, "item_code", json_string(db_col_text(st, 4)));
        json_object_set_new(o, "item_name", json_string(db_col_text(st, 5)));
        json_object_set_new(o, "batch", json_string(db_col_text(st, 6)));
        json_object_set_new(o, "expiry", json_string(db_col_text(st, 7)));
        json_object_set_new(o, "expired", json_boolean(strcmp(db_col_text(st, 7), today) < 0));
        json_object_set_new(o, "qty", json_integer(db_col_int(st, 8)));
        json_array_append_new(rows, o);
    }
    db_finalize(st);
    db_release(http_db(r), c);
    if (rc < 0) {
        json_decref(rows);
        http_reply_error(r, &err);
        return;
    }
    json_t *j = json_object();
    json_object_set_new(j, "as_of", json_string(today));
    json_object_set_new(j, "until", json_string(until));
    json_object_set_new(j, "items", rows);
    http_reply_json(r, 200, j);
}
