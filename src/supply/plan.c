/*
 * plan.c - dispatch plans and shipments over HTTP: compute (the LP of
 * model.c on the ledger's stock and use, read outside the write
 * transaction), review and edit a line, approve (stock unchanged since the
 * compute, else 409 naming what moved and how to recompute; then each line
 * leaves its donor as a shipment in the same transaction), and receive a
 * shipment in one or several parts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/jdec.h"
#include "../base/mem.h"
#include "../base/str.h"
#include "../base/util.h"
#include "../capacity/capacity.h"
#include "../db/audit.h"
#include "../http/http.h"
#include "../region/region.h"
#include "supply.h"

static bool is_command(const struct http_req *r)
{
    return r->user.role == ROLE_ADMIN || r->user.role == ROLE_COMMANDER;
}

static int audit(struct db_conn *c, struct http_req *r, const char *action, const char *entity,
                 int64_t id, const char *region, struct crest_error *err)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    struct audit_entry e = {r->user.id, r->user.username, role_name(r->user.role),
                            action,     entity,           ids,
                            region,     r->addr};
    return audit_append(c, &e, err);
}

static bool parse_id(struct http_req *r, const char *name, int64_t *id)
{
    const char *s = http_param(r, name);
    return s && str_to_i64(str_of(s), id) && *id > 0;
}

/* most lines in a plan's JSON (the export has every line) */
#define PLAN_LINES_MAX 2000

/* ---- compute ---- */

struct line {
    int64_t item, from, to, qty;
    double km, from_use, to_use;
    int64_t from_stock, to_stock;
};

struct compute {
    char region[REGION_CODE_MAX];
    char today[11];
    int64_t target;
    struct line *lines;
    int nlines;
    json_t *summary;
    int64_t plan_id;
};

static int compute_lp(struct db_conn *c, struct compute *x, const int64_t *items, int nitems,
                      struct crest_error *err)
{
    const struct policy *p = policy_current();
    double target = (double)x->target;
    double route_max = p ? (double)p->supply.route_max_units : 0;
    int k = p && p->supply.candidate_donors > 0 ? (int)p->supply.candidate_donors : 12;
    int64_t window =
        p && p->supply.consumption_window_days > 0 ? p->supply.consumption_window_days : 14;
    int cap = 0, rc = CREST_OK;
    /* read every item's problem on this connection, then solve them on two
     * threads (each item's solve is independent) */
    struct supply_node **nodes = xcalloc((size_t)nitems + 1, sizeof *nodes);
    struct supply_job *jobs = xcalloc((size_t)nitems + 1, sizeof *jobs);
    int *nn = xcalloc((size_t)nitems + 1, sizeof *nn);
    rc =
        supply_plan_load_many(c, items, nitems, x->region, x->today, window, false, nodes, nn, err);
    for (int i = 0; i < nitems && !rc; i++)
        jobs[i] = (struct supply_job){
            .n = nodes[i], .nn = nn[i], .target = target, .route_max = route_max, .k = k};
    free(nn);
    if (!rc)
        supply_plan_many(jobs, nitems, 2);
    for (int i = 0; i < nitems && !rc; i++) {
        struct supply_job *j = &jobs[i];
        if (j->rc) {
            *err = j->err;
            rc = j->rc;
            break;
        }
        const struct supply_node *n = j->n;
        const struct supply_arc *a = j->arcs;
        int moves = 0;
        for (int q = 0; q < j->na; q++) {
            if (j->res.qty[q] <= 0)
                continue;
            if (x->nlines == cap) {
                cap = cap ? cap * 2 : 256;
                x->lines = xrealloc(x->lines, (size_t)cap * sizeof *x->lines);
            }
            const struct supply_node *f = &n[a[q].from], *t = &n[a[q].to];
            x->lines[x->nlines++] =
                (struct line){items[i],         f->id,  t->id,  j->res.qty[q],
                              a[q].km,          f->use, t->use, (int64_t)f->stock,
                              (int64_t)t->stock};
            moves++;
        }
        json_t *o = json_object();
        json_object_set_new(o, "item", json_integer(items[i]));
        json_object_set_new(o, "sites", json_integer(j->nn));
        json_object_set_new(o, "routes", json_integer(j->na));
        json_object_set_new(o, "transfers", json_integer(moves));
        json_object_set_new(o, "level_before", json_real(round(j->res.before * 100) / 100));
        json_object_set_new(o, "level_after", json_real(round(j->res.level * 100) / 100));
        json_object_set_new(o, "item_km", json_real(round(j->res.item_km)));
        json_object_set_new(o, "seconds", json_real(round(j->seconds_solve * 1e4) / 1e4));
        json_array_append_new(x->summary, o);
    }
    for (int i = 0; i < nitems; i++) {
        supply_job_free(&jobs[i]);
        free(nodes[i]);
    }
    free(jobs);
    free(nodes);
    return rc;
}

/* The plan as JSON: lines with names, each with its explanation. */
static json_t *plan_json(struct db_conn *c, struct http_req *r, int64_t id, struct crest_error *err)
{
    struct db_stmt *st =
        db_query(c, err,
                 "SELECT id, region, status, target_days, as_of, summary, "
                 "computed_ms, approved_ms, version FROM supply_plans WHERE id = ?",
                 "i", id);
    if (!st)
        return NULL;
    if (db_step(st, err) != 1) {
        db_finalize(st);
        return NULL;
    }
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(db_col_int(st, 0)));
    json_object_set_new(j, "region", json_string(db_col_text(st, 1)));
    json_object_set_new(j, "status", json_string(db_col_text(st, 2)));
    json_object_set_new(j, "target_days", json_integer(db_col_int(st, 3)));
    json_object_set_new(j, "as_of", json_string(db_col_text(st, 4)));
    json_object_set_new(j, "summary", json_loads(db_col_text(st, 5), 0, NULL));
    char iso[32];
    util_iso8601(iso, db_col_int(st, 6));
    json_object_set_new(j, "computed_at", json_string(iso));
    if (!db_col_null(st, 7)) {
        util_iso8601(iso, db_col_int(st, 7));
        json_object_set_new(j, "approved_at", json_string(iso));
    }
    int64_t version = db_col_int(st, 8);
    json_object_set_new(j, "version", json_integer(version));
    db_finalize(st);
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)version));
    /* the lines, and per (item, site) what the plan moves in and out (window
     * sums: one pass, not a search per line), for the explanation "site:
     * before → after days". The answer carries the PLAN_LINES_MAX lines whose
     * recipients have the least cover; the export has them all. */
    int64_t total = 0;
    st = db_query(c, err, "SELECT count(*) FROM supply_plan_lines WHERE plan_id = ?", "i", id);
    if (st && db_step(st, err) == 1)
        total = db_col_int(st, 0);
    db_finalize(st);
    json_object_set_new(j, "lines_total", json_integer(total));
    st = db_query(
        c, err,
        "WITH w AS (SELECT l.*, sum(l.qty) OVER (PARTITION BY l.item_id, l.to_site) AS tin, "
        "sum(l.qty) OVER (PARTITION BY l.item_id, l.from_site) AS fout FROM supply_plan_lines l "
        "WHERE l.plan_id = ?) "
        "SELECT w.id, w.item_id, i.code, i.name, i.unit, w.from_site, ff.name, ff.region, "
        "w.to_site, ft.name, ft.region, w.qty, w.qty_planned, w.km, w.from_stock, w.to_stock, "
        "w.from_use, w.to_use, w.tin, w.fout FROM w JOIN supply_items i ON i.id = w.item_id JOIN "
        "facilities ff ON ff.id = w.from_site JOIN facilities ft ON ft.id = w.to_site ORDER BY "
        "CASE WHEN w.to_use > 0 THEN w.to_stock / w.to_use ELSE 1e18 END, w.id LIMIT ?",
        "ii", id, (int64_t)PLAN_LINES_MAX);
    json_t *lines = json_array();
    bool en = strcmp(r->lang, "en") == 0;
    int rc;
    while (st && (rc = db_step(st, err)) == 1) {
        json_t *o = json_object();
        int64_t qty = db_col_int(st, 11);
        double fs = (double)db_col_int(st, 14), ts = (double)db_col_int(st, 15);
        double fu = db_col_double(st, 16), tu = db_col_double(st, 17);
        double tin = db_col_double(st, 18), fout = db_col_double(st, 19);
        double tb = supply_days_of_cover(ts, tu), ta = supply_days_of_cover(ts + tin, tu);
        double fb = supply_days_of_cover(fs, fu), fa = supply_days_of_cover(fs - fout, fu);
        json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
        json_object_set_new(o, "item", json_integer(db_col_int(st, 1)));
        json_object_set_new(o, "item_code", json_string(db_col_text(st, 2)));
        json_object_set_new(o, "item_name", json_string(db_col_text(st, 3)));
        json_object_set_new(o, "unit", json_string(db_col_text(st, 4)));
        json_t *from = json_object(), *to = json_object();
        json_object_set_new(from, "id", json_integer(db_col_int(st, 5)));
        json_object_set_new(from, "name", json_string(db_col_text(st, 6)));
        json_object_set_new(from, "region", json_string(db_col_text(st, 7)));
        json_object_set_new(from, "stock", json_integer((int64_t)fs));
        json_object_set_new(from, "cover_before", fb < 0 ? json_null() : json_real(round(fb)));
        json_object_set_new(from, "cover_after", fa < 0 ? json_null() : json_real(round(fa)));
        json_object_set_new(to, "id", json_integer(db_col_int(st, 8)));
        json_object_set_new(to, "name", json_string(db_col_text(st, 9)));
        json_object_set_new(to, "region", json_string(db_col_text(st, 10)));
        json_object_set_new(to, "stock", json_integer((int64_t)ts));
        json_object_set_new(to, "cover_before", tb < 0 ? json_null() : json_real(round(tb)));
        json_object_set_new(to, "cover_after", ta < 0 ? json_null() : json_real(round(ta)));
        json_object_set_new(o, "from", from);
        json_object_set_new(o, "to", to);
        json_object_set_new(o, "qty", json_integer(qty));
        json_object_set_new(o, "qty_planned", json_integer(db_col_int(st, 12)));
        json_object_set_new(o, "km", json_real(round(db_col_double(st, 13) * 10) / 10));
        char text[1200];
        if (en)
            snprintf(text, sizeof text, "%s, %s: %.0f → %.0f days (%lld %s from %s)",
                     db_col_text(st, 9), db_col_text(st, 3), tb, ta, (long long)qty,
                     db_col_text(st, 4), db_col_text(st, 6));
        else
            snprintf(text, sizeof text, "%s·%s：%.0f → %.0f 天（由%s调入 %lld %s）",
                     db_col_text(st, 9), db_col_text(st, 3), tb, ta, db_col_text(st, 6),
                     (long long)qty, db_col_text(st, 4));
        json_object_set_new(o, "explain", json_string(text));
        json_array_append_new(lines, o);
    }
    db_finalize(st);
    json_object_set_new(j, "lines", lines);
    return j;
}

static int compute_store_fn(struct db_conn *c, struct http_req *r, void *arg,
                            struct crest_error *err)
{
    struct compute *x = arg;
    char *summary = json_dumps(x->summary, JSON_COMPACT);
    struct db_stmt *st =
        db_query(c, err,
                 "INSERT INTO supply_plans (region, status, target_days, as_of, summary, "
                 "computed_ms, computed_by, version) VALUES (?, 'proposed', ?, ?, ?, ?, ?, 1) "
                 "RETURNING id",
                 "sissii", x->region, x->target, x->today, summary, util_now_ms(), r->user.id);
    free(summary);
    if (!st)
        return err->code;
    int s = db_step(st, err);
    if (s == 1)
        x->plan_id = db_col_int(st, 0);
    db_finalize(st);
    if (s != 1)
        return err->code;
    for (int i = 0; i < x->nlines; i++) {
        const struct line *l = &x->lines[i];
        int rc =
            db_exec(c, err, NULL,
                    "INSERT INTO supply_plan_lines (plan_id, item_id, from_site, to_site, qty, "
                    "qty_planned, km, from_stock, to_stock, from_use, to_use) VALUES (?, ?, ?, "
                    "?, ?, ?, ?, ?, ?, ?, ?)",
                    "iiiiiidiidd", x->plan_id, l->item, l->from, l->to, l->qty, l->qty, l->km,
                    l->from_stock, l->to_stock, l->from_use, l->to_use);
        if (rc)
            return rc;
    }
    int rc = audit(c, r, "compute", "supply_plan", x->plan_id, x->region, err);
    if (rc)
        return rc;
    json_t *j = plan_json(c, r, x->plan_id, err);
    if (!j)
        return err->code ? err->code : CREST_INTERNAL;
    http_add_header(r, "Location",
                    arena_printf(&r->arena, "/api/v1/supply/plans/%lld", (long long)x->plan_id));
    http_reply_json(r, 201, j);
    return CREST_OK;
}

void supply_api_plan_create(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct compute x;
    memset(&x, 0, sizeof x);
    int64_t items[256];
    int nitems = 0;
    str_copy(x.region, sizeof x.region, r->user.scope);
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        const char *region = jdec_str(&d, "region", false, 1, 32);
        json_t *arr = json_object_get(d.root, "items");
        if (jdec_has(&d, "items")) {
            if (!json_is_array(arr) || json_array_size(arr) > 256) {
                crest_error_field(&err, "items", "type", "field_not_list", NULL);
            } else {
                size_t i;
                json_t *v;
                json_array_foreach(arr, i, v)
                {
                    if (!json_is_integer(v) || json_integer_value(v) < 1) {
                        char f[32];
                        snprintf(f, sizeof f, "items[%zu]", i);
                        crest_error_field(&err, f, "type", "field_not_integer", NULL);
                    } else {
                        items[nitems++] = json_integer_value(v);
                    }
                }
            }
        }
        jdec_end(&d);
        if (region && region_code_normalize(region, x.region, "region", &err) == CREST_OK &&
            !auth_in_scope(&r->user, x.region))
            crest_error_field(&err, "region", "unknown", "region_not_found", NULL);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    const struct policy *p = policy_current();
    x.target = p && p->supply.days_of_cover_target > 0 ? p->supply.days_of_cover_target : 90;
    x.summary = json_array();
    struct db_conn *c = db_acquire(http_db(r));
    capacity_today(c, x.today);
    int rc = CREST_OK;
    if (nitems == 0) {
        struct db_stmt *st = db_query(c, &err, "SELECT id FROM supply_items ORDER BY id", NULL);
        while (st && nitems < 256 && db_step(st, &err) == 1)
            items[nitems++] = db_col_int(st, 0);
        db_finalize(st);
    } else {
        for (int i = 0; i < nitems && !rc; i++) {
            struct supply_item it;
            if (supply_item_get(c, items[i], &it, &err) != CREST_OK) {
                crest_error_clear(&err);
                char f[32];
                snprintf(f, sizeof f, "items[%d]", i);
                rc = crest_error_field(&err, f, "unknown", "supply_item_unknown", NULL);
            }
        }
    }
    if (!rc)
        rc = compute_lp(c, &x, items, nitems, &err);
    db_release(http_db(r), c);
    if (rc)
        http_reply_error(r, &err);
    else
        http_write(r, compute_store_fn, &x);
    json_decref(x.summary);
    free(x.lines);
}

/* ---- read, list, edit ---- */

static int plan_region(struct db_conn *c, struct http_req *r, int64_t id, char region[16],
                       char status[16], int64_t *version, struct crest_error *err)
{
    struct db_stmt *st =
        db_query(c, err, "SELECT region, status, version FROM supply_plans WHERE id = ?", "i", id);
    if (!st)
        return err->code;
    int s = db_step(st, err);
    if (s == 1) {
        str_copy(region, 16, db_col_text(st, 0));
        str_copy(status, 16, db_col_text(st, 1));
        *version = db_col_int(st, 2);
    }
    db_finalize(st);
    if (s < 0)
        return err->code;
    if (s == 0 || !auth_in_scope(&r->user, region))
        return crest_error_set(err, CREST_NOTFOUND, "supply_plan_not_found", NULL);
    return CREST_OK;
}

void supply_api_plan_get(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    int64_t id = 0, version = 0;
    char region[16], status[16];
    if (!parse_id(r, "id", &id)) {
        http_reply_problem(r, CREST_NOTFOUND, "supply_plan_not_found");
        return;
    }
    struct db_conn *c = db_acquire(http_db(r));
    int rc = plan_region(c, r, id, region, status, &version, &err);
    json_t *j = rc ? NULL : plan_json(c, r, id, &err);
    db_release(http_db(r), c);
    if (!j) {
        http_reply_error(r, &err);
        return;
    }
    http_reply_json(r, 200, j);
}

void supply_api_plan_list(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char region[REGION_CODE_MAX], upper[20];
    if (!region_api_param(r, region))
        return;
    capacity_prefix_upper(region, upper);
    struct db_conn *c = db_acquire(http_db(r));
    struct db_stmt *st = db_query(
        c, &err,
        "SELECT p.id, p.region, p.status, p.as_of, p.computed_ms, p.approved_ms, p.version, "
        "(SELECT count(*) FROM supply_plan_lines l WHERE l.plan_id = p.id AND l.qty > 0), "
        "(SELECT count(*) FROM supply_shipments s WHERE s.plan_id = p.id AND s.status <> "
        "'received') FROM supply_plans p WHERE p.region >= ? AND p.region < ? ORDER BY p.id DESC "
        "LIMIT 100",
        "ss", region, upper);
    json_t *rows = json_array();
    int rc = st ? 0 : -1;
    while (st && (rc = db_step(st, &err)) == 1) {
        json_t *o = json_object();
        char iso[32];
        json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
        json_object_set_new(o, "region", json_string(db_col_text(st, 1)));
        json_object_set_new(o, "status", json_string(db_col_text(st, 2)));
        json_object_set_new(o, "as_of", json_string(db_col_text(st, 3)));
        util_iso8601(iso, db_col_int(st, 4));
        json_object_set_new(o, "computed_at", json_string(iso));
        if (!db_col_null(st, 5)) {
            util_iso8601(iso, db_col_int(st, 5));
            json_object_set_new(o, "approved_at", json_string(iso));
        }
        json_object_set_new(o, "version", json_integer(db_col_int(st, 6)));
        json_object_set_new(o, "lines", json_integer(db_col_int(st, 7)));
        json_object_set_new(o, "open_shipments", json_integer(db_col_int(st, 8)));
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
    json_object_set_new(j, "items", rows);
    http_reply_json(r, 200, j);
}

struct edit_arg {
    int64_t id, line, qty, if_match;
};

static int edit_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct edit_arg *a = arg;
    char region[16], status[16];
    int64_t version = 0;
    int rc = plan_region(c, r, a->id, region, status, &version, err);
    if (rc)
        return rc;
    if (a->if_match >= 0 && a->if_match != version) {
        http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)version));
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", "%lld",
                               (long long)version);
    }
    if (strcmp(status, "proposed") != 0) {
        crest_error_field(err, "status", "not_proposed", "supply_plan_not_proposed", status);
        err->code = CREST_CONFLICT;
        return CREST_CONFLICT;
    }
    struct db_stmt *st =
        db_query(c, err, "SELECT from_stock FROM supply_plan_lines WHERE id = ? AND plan_id = ?",
                 "ii", a->line, a->id);
    if (!st)
        return err->code;
    int s = db_step(st, err);
    int64_t from_stock = s == 1 ? db_col_int(st, 0) : 0;
    db_finalize(st);
    if (s < 0)
        return err->code;
    if (s == 0)
        return crest_error_set(err, CREST_NOTFOUND, "supply_line_not_found", NULL);
    if (a->qty > from_stock) {
        char arg2[24];
        snprintf(arg2, sizeof arg2, "0..%lld", (long long)from_stock);
        return crest_error_field(err, "qty", "range", "field_range", arg2);
    }
    if ((rc = db_exec(c, err, NULL, "UPDATE supply_plan_lines SET qty = ? WHERE id = ?", "ii",
                      a->qty, a->line)) ||
        (rc = db_exec(c, err, NULL, "UPDATE supply_plans SET version = version + 1 WHERE id = ?",
                      "i", a->id)) ||
        (rc = audit(c, r, "edit", "supply_plan", a->id, region, err)))
        return rc;
    json_t *j = plan_json(c, r, a->id, err);
    if (!j)
        return err->code ? err->code : CREST_INTERNAL;
    http_reply_json(r, 200, j);
    return CREST_OK;
}

void supply_api_plan_line_edit(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct edit_arg a = {0, 0, 0, -1};
    if (!parse_id(r, "id", &a.id) || !parse_id(r, "line", &a.line)) {
        http_reply_problem(r, CREST_NOTFOUND, "supply_plan_not_found");
        return;
    }
    a.if_match = http_if_match(r);
    if (a.if_match == -2) {
        crest_error_field(&err, "If-Match", "format", "if_match_invalid", NULL);
        http_reply_error(r, &err);
        return;
    }
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        jdec_int(&d, "qty", true, 0, 1000000000LL, &a.qty);
        jdec_end(&d);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, edit_fn, &a);
}

/* ---- approve ---- */

struct ship_ctx {
    struct db_conn *c;
    int64_t shipment;
    struct crest_error *err;
};

static int ship_batch_cb(void *arg, int64_t batch_id, int64_t qty, int64_t move_id)
{
    struct ship_ctx *x = arg;
    (void)move_id;
    return db_exec(x->c, x->err, NULL,
                   "INSERT INTO supply_shipment_batches (shipment_id, batch_id, qty, received) "
                   "VALUES (?, ?, ?, 0)",
                   "iii", x->shipment, batch_id, qty);
}

/* The stock a plan was computed on, per (site, item), against now: a JSON
 * list of what changed (empty when nothing did). */
static json_t *stale_check(struct db_conn *c, int64_t plan, struct crest_error *err)
{
    json_t *changed = json_array();
    struct db_stmt *st = db_query(
        c, err,
        "WITH s AS (SELECT item_id, from_site AS site, max(from_stock) AS was FROM "
        "supply_plan_lines WHERE plan_id = ? GROUP BY item_id, from_site UNION SELECT item_id, "
        "to_site, max(to_stock) FROM supply_plan_lines WHERE plan_id = ? GROUP BY item_id, "
        "to_site) SELECT s.site, f.name, s.item_id, i.code, s.was, (SELECT coalesce(sum(b.qty), "
        "0) FROM supply_balances b WHERE b.site_id = s.site AND b.item_id = s.item_id) FROM s "
        "JOIN facilities f ON f.id = s.site JOIN supply_items i ON i.id = s.item_id",
        "ii", plan, plan);
    int rc = st ? 0 : -1;
    while (st && (rc = db_step(st, err)) == 1) {
        if (db_col_int(st, 4) == db_col_int(st, 5))
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "site", json_integer(db_col_int(st, 0)));
        json_object_set_new(o, "site_name", json_string(db_col_text(st, 1)));
        json_object_set_new(o, "item", json_integer(db_col_int(st, 2)));
        json_object_set_new(o, "item_code", json_string(db_col_text(st, 3)));
        json_object_set_new(o, "was", json_integer(db_col_int(st, 4)));
        json_object_set_new(o, "now", json_integer(db_col_int(st, 5)));
        json_array_append_new(changed, o);
    }
    db_finalize(st);
    if (rc < 0) {
        json_decref(changed);
        return NULL;
    }
    return changed;
}

static int approve_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    int64_t id = *(int64_t *)arg;
    char region[16], status[16];
    int64_t version = 0;
    int rc = plan_region(c, r, id, region, status, &version, err);
    if (rc)
        return rc;
    if (strcmp(status, "proposed") != 0) {
        crest_error_field(err, "status", "not_proposed", "supply_plan_not_proposed", status);
        err->code = CREST_CONFLICT;
        return CREST_CONFLICT;
    }
    /* PostgreSQL: two approvals of one plan at once; the second waits here
     * and then sees 'approved' */
    int64_t changed_rows = 0;
    if ((rc = db_exec(c, err, &changed_rows,
                      "UPDATE supply_plans SET status = 'approved', approved_ms = ?, approved_by "
                      "= ?, version = version + 1 WHERE id = ? AND status = 'proposed'",
                      "iii", util_now_ms(), r->user.id, id)))
        return rc;
    if (changed_rows != 1) {
        crest_error_field(err, "status", "not_proposed", "supply_plan_not_proposed", "approved");
        err->code = CREST_CONFLICT;
        return CREST_CONFLICT;
    }
    json_t *changed = stale_check(c, id, err);
    if (!changed)
        return err->code ? err->code : CREST_DB;
    if (json_array_size(changed)) {
        /* the stock moved since the compute: the plan's figures are stale */
        json_t *j = json_object();
        json_object_set_new(j, "type", json_string("urn:crest:problem:conflict"));
        json_object_set_new(j, "title", json_string(msg_text(r->lang, "title_conflict")));
        json_object_set_new(j, "status", json_integer(409));
        json_object_set_new(j, "code", json_string("supply_plan_stale"));
        json_object_set_new(j, "detail", json_string(msg_text(r->lang, "supply_plan_stale")));
        json_t *errs = json_array(), *e = json_object();
        json_object_set_new(e, "field", json_string("plan"));
        json_object_set_new(e, "code", json_string("stale"));
        json_object_set_new(e, "message", json_string(msg_text(r->lang, "supply_plan_stale")));
        json_array_append_new(errs, e);
        json_object_set_new(j, "errors", errs);
        json_object_set_new(j, "changed", changed);
        json_t *again = json_object(), *body = json_object();
        json_object_set_new(again, "method", json_string("POST"));
        json_object_set_new(again, "href", json_string("/api/v1/supply/plans"));
        json_object_set_new(body, "region", json_string(region));
        json_object_set_new(again, "body", body);
        json_object_set_new(j, "recompute", again);
        json_object_set_new(j, "instance", json_string(r->rid));
        r->error_replied = true;
        http_reply_json(r, 409, j);
        r->ctype = "application/problem+json; charset=utf-8";
        return crest_error_set(err, CREST_CONFLICT, "supply_plan_stale", NULL);
    }
    json_decref(changed);
    struct db_stmt *st = db_query(c, err,
                                  "SELECT l.id, l.item_id, l.from_site, ff.region, l.to_site, "
                                  "ft.region, l.qty FROM supply_plan_lines l JOIN facilities ff ON "
                                  "ff.id = l.from_site JOIN facilities ft ON ft.id = l.to_site "
                                  "WHERE l.plan_id = ? AND l.qty > 0 ORDER BY l.id",
                                  "i", id);
    struct ln {
        int64_t id, item, from, to, qty;
        char fr[16], tr[16];
    } *ls = NULL;
    int n = 0, s;
    while (st && (s = db_step(st, err)) == 1) {
        ls = xrealloc(ls, (size_t)(n + 1) * sizeof *ls);
        ls[n] = (struct ln){db_col_int(st, 0),
                            db_col_int(st, 1),
                            db_col_int(st, 2),
                            db_col_int(st, 4),
                            db_col_int(st, 6),
                            "",
                            ""};
        str_copy(ls[n].fr, 16, db_col_text(st, 3));
        str_copy(ls[n].tr, 16, db_col_text(st, 5));
        n++;
    }
    db_finalize(st);
    if (!st) {
        free(ls);
        return err->code;
    }
    char today[11];
    capacity_today(c, today);
    int64_t now = util_now_ms();
    for (int i = 0; i < n && !rc; i++) {
        st =
            db_query(c, err,
                     "INSERT INTO supply_shipments (plan_id, line_id, item_id, from_site, "
                     "to_site, from_region, to_region, qty, received, status, dispatched_ms, "
                     "version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 'dispatched', ?, 1) RETURNING id",
                     "iiiiissii", id, ls[i].id, ls[i].item, ls[i].from, ls[i].to, ls[i].fr,
                     ls[i].tr, ls[i].qty, now);
        if (!st) {
            rc = err->code;
            break;
        }
        struct ship_ctx x = {c, 0, err};
        if (db_step(st, err) == 1)
            x.shipment = db_col_int(st, 0);
        db_finalize(st);
        if (!x.shipment) {
            rc = err->code ? err->code : CREST_DB;
            break;
        }
        struct supply_move m = {ls[i].from,       ls[i].fr,   ls[i].item, 0,
                                SUP_TRANSFER_OUT, -ls[i].qty, NULL,       0,
                                x.shipment,       today,      r->user.id};
        rc = supply_draw(c, &m, ship_batch_cb, &x, err);
        if (rc && err->nfields) /* name the line whose donor is short (an edit raised it) */
            snprintf(err->fields[0].field, sizeof err->fields[0].field, "lines[%lld].qty",
                     (long long)ls[i].id);
    }
    free(ls);
    if (!rc)
        rc = audit(c, r, "approve", "supply_plan", id, region, err);
    if (rc)
        return rc;
    json_t *j = plan_json(c, r, id, err);
    if (!j)
        return err->code ? err->code : CREST_INTERNAL;
    http_reply_json(r, 200, j);
    return CREST_OK;
}

void supply_api_plan_approve(struct http_req *r)
{
    int64_t id = 0;
    if (!parse_id(r, "id", &id)) {
        http_reply_problem(r, CREST_NOTFOUND, "supply_plan_not_found");
        return;
    }
    int64_t *arg = arena_alloc(&r->arena, sizeof *arg);
    *arg = id;
    http_write(r, approve_fn, arg);
}

/* ---- shipments ---- */

static json_t *shipment_json(struct db_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
    json_object_set_new(o, "plan",
                        db_col_null(st, 1) ? json_null() : json_integer(db_col_int(st, 1)));
    json_object_set_new(o, "item", json_integer(db_col_int(st, 2)));
    json_object_set_new(o, "item_code", json_string(db_col_text(st, 3)));
    json_object_set_new(o, "item_name", json_string(db_col_text(st, 4)));
    json_object_set_new(o, "unit", json_string(db_col_text(st, 5)));
    json_t *from = json_object(), *to = json_object();
    json_object_set_new(from, "id", json_integer(db_col_int(st, 6)));
    json_object_set_new(from, "name", json_string(db_col_text(st, 7)));
    json_object_set_new(from, "region", json_string(db_col_text(st, 8)));
    json_object_set_new(to, "id", json_integer(db_col_int(st, 9)));
    json_object_set_new(to, "name", json_string(db_col_text(st, 10)));
    json_object_set_new(to, "region", json_string(db_col_text(st, 11)));
    json_object_set_new(o, "from", from);
    json_object_set_new(o, "to", to);
    json_object_set_new(o, "qty", json_integer(db_col_int(st, 12)));
    json_object_set_new(o, "received", json_integer(db_col_int(st, 13)));
    json_object_set_new(o, "status", json_string(db_col_text(st, 14)));
    char iso[32];
    util_iso8601(iso, db_col_int(st, 15));
    json_object_set_new(o, "dispatched_at", json_string(iso));
    if (!db_col_null(st, 16)) {
        util_iso8601(iso, db_col_int(st, 16));
        json_object_set_new(o, "received_at", json_string(iso));
    }
    json_object_set_new(o, "version", json_integer(db_col_int(st, 17)));
    return o;
}

#define SHIP_SELECT                                                                                \
    "SELECT s.id, s.plan_id, s.item_id, i.code, i.name, i.unit, s.from_site, ff.name, "            \
    "s.from_region, s.to_site, ft.name, s.to_region, s.qty, s.received, s.status, "                \
    "s.dispatched_ms, s.received_ms, s.version FROM supply_shipments s JOIN supply_items i ON "    \
    "i.id = s.item_id JOIN facilities ff ON ff.id = s.from_site JOIN facilities ft ON ft.id = "    \
    "s.to_site "

void supply_api_shipments(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    int64_t plan = 0, after = 0, limit = 200;
    http_query_int(r, "plan", 1, INT64_MAX, 0, &plan, &err);
    http_query_int(r, "after", 0, INT64_MAX, 0, &after, &err);
    http_query_int(r, "limit", 1, 1000, 200, &limit, &err);
    const char *status = http_query(r, "status");
    if (status && strcmp(status, "dispatched") && strcmp(status, "partial") &&
        strcmp(status, "received") && strcmp(status, "open"))
        crest_error_field(&err, "status", "invalid", "field_range",
                          "dispatched | partial | received | open");
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    int64_t own = is_command(r) ? 0 : (r->user.facility_id ? r->user.facility_id : -1);
    const char *sc = r->user.scope;
    struct db_conn *c = db_acquire(http_db(r));
    struct db_stmt *st = db_query(
        c, &err,
        SHIP_SELECT "WHERE (substr(s.from_region, 1, length(?)) = ? OR substr(s.to_region, 1, "
                    "length(?)) = ?) AND (? = 0 OR s.from_site = ? OR s.to_site = ?) AND (? = 0 OR "
                    "s.plan_id = ?) AND (? = '' OR s.status = ? OR (? = 'open' AND s.status <> "
                    "'received')) AND s.id > ? ORDER BY s.id LIMIT ?",
        "ssssiiiiisssii", sc, sc, sc, sc, own, own, own, plan, plan, status ? status : "",
        status ? status : "", status ? status : "", after, limit);
    json_t *rows = json_array();
    int rc = st ? 0 : -1;
    while (st && (rc = db_step(st, &err)) == 1)
        json_array_append_new(rows, shipment_json(st));
    db_finalize(st);
    db_release(http_db(r), c);
    if (rc < 0) {
        json_decref(rows);
        http_reply_error(r, &err);
        return;
    }
    json_t *j = json_object();
    json_object_set_new(j, "items", rows);
    http_reply_json(r, 200, j);
}

struct recv_arg {
    int64_t id, qty;
};

static int receive_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct recv_arg *a = arg;
    struct db_stmt *st = db_query(c, err,
                                  "SELECT s.to_site, s.to_region, s.from_region, s.item_id, s.qty, "
                                  "s.received FROM supply_shipments s WHERE s.id = ?",
                                  "i", a->id);
    if (!st)
        return err->code;
    int s = db_step(st, err);
    int64_t to = 0, item = 0, qty = 0, received = 0;
    char tr[16] = "", fr[16] = "";
    if (s == 1) {
        to = db_col_int(st, 0);
        str_copy(tr, sizeof tr, db_col_text(st, 1));
        str_copy(fr, sizeof fr, db_col_text(st, 2));
        item = db_col_int(st, 3);
        qty = db_col_int(st, 4);
        received = db_col_int(st, 5);
    }
    db_finalize(st);
    if (s < 0)
        return err->code;
    if (s == 0 || !auth_in_scope(&r->user, tr))
        return crest_error_set(err, CREST_NOTFOUND, "supply_shipment_not_found", NULL);
    if (!is_command(r) && r->user.facility_id != to) {
        crest_error_field(err, "site", "forbidden", "supply_site_forbidden", NULL);
        err->code = CREST_FORBIDDEN;
        return CREST_FORBIDDEN;
    }
    if (a->qty > qty - received) {
        char lim[32];
        snprintf(lim, sizeof lim, "1..%lld", (long long)(qty - received));
        return crest_error_field(err, "qty", "range", "supply_receive_range", lim);
    }
    /* the conditional update stops two concurrent receipts from together
     * exceeding what was sent */
    int64_t changed = 0;
    int rc = db_exec(c, err, &changed,
                     "UPDATE supply_shipments SET received = received + ?, status = CASE WHEN "
                     "received + ? = qty THEN 'received' ELSE 'partial' END, received_ms = ?, "
                     "version = version + 1 WHERE id = ? AND received + ? <= qty",
                     "iiiii", a->qty, a->qty, util_now_ms(), a->id, a->qty);
    if (rc)
        return rc;
    if (changed != 1) {
        crest_error_field(err, "qty", "range", "supply_receive_range", NULL);
        err->code = CREST_CONFLICT;
        return CREST_CONFLICT;
    }
    /* into the batches that left, first expiry first */
    st = db_query(c, err,
                  "SELECT sb.batch_id, sb.qty - sb.received FROM supply_shipment_batches sb LEFT "
                  "JOIN supply_batches t ON t.id = sb.batch_id WHERE sb.shipment_id = ? AND "
                  "sb.qty > sb.received ORDER BY coalesce(t.expiry, '9999-12-31'), sb.batch_id",
                  "i", a->id);
    int64_t bid[64], left[64];
    int n = 0;
    while (st && n < 64 && db_step(st, err) == 1) {
        bid[n] = db_col_int(st, 0);
        left[n++] = db_col_int(st, 1);
    }
    db_finalize(st);
    char today[11];
    capacity_today(c, today);
    int64_t want = a->qty;
    for (int i = 0; i < n && want > 0 && !rc; i++) {
        int64_t t = left[i] < want ? left[i] : want;
        struct supply_move m = {to,   tr, item,  bid[i], SUP_TRANSFER_IN, t,
                                NULL, 0,  a->id, today,  r->user.id};
        rc = supply_post(c, &m, NULL, err);
        if (!rc)
            rc = db_exec(c, err, NULL,
                         "UPDATE supply_shipment_batches SET received = received + ? WHERE "
                         "shipment_id = ? AND batch_id = ?",
                         "iii", t, a->id, bid[i]);
        want -= t;
    }
    if (!rc && want > 0)
        rc = crest_error_set(err, CREST_INTERNAL, "supply_plan_failed", "shipment %lld batches",
                             (long long)a->id);
    if (!rc)
        rc = audit(c, r, "receive", "supply_shipment", a->id, tr, err);
    if (rc)
        return rc;
    st = db_query(c, err, SHIP_SELECT "WHERE s.id = ?", "i", a->id);
    json_t *j = NULL;
    if (st && db_step(st, err) == 1)
        j = shipment_json(st);
    db_finalize(st);
    if (!j)
        return err->code ? err->code : CREST_DB;
    http_reply_json(r, 200, j);
    return CREST_OK;
}

void supply_api_shipment_receive(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct recv_arg a = {0, 0};
    if (!parse_id(r, "id", &a.id)) {
        http_reply_problem(r, CREST_NOTFOUND, "supply_shipment_not_found");
        return;
    }
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        jdec_int(&d, "qty", true, 1, 1000000000LL, &a.qty);
        jdec_end(&d);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    struct recv_arg *p = arena_alloc(&r->arena, sizeof *p);
    *p = a;
    http_write(r, receive_fn, p);
}
