/*
 * io.c - spreadsheets out of the supply pillar: the ledger (movements) of a
 * region, site or item, and a dispatch plan's lines, as CSV (UTF-8 with a
 * BOM, so Excel shows the Chinese names) or XLSX. Officials live in
 * spreadsheets (DESIGN.md §3); numbers stay numbers in XLSX, codes stay text.
 */
#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/csv.h"
#include "../base/str.h"
#include "../base/xlsx.h"
#include "../capacity/capacity.h"
#include "../http/http.h"
#include "../region/region.h"
#include "supply.h"

struct col {
    const char *zh, *en;
    bool number;
};

/* Write every row of st (ncols columns) under the headers; reply. */
static void export_rows(struct http_req *r, struct db_stmt *st, const struct col *cols, int ncols,
                        bool xlsx, const char *sheet, const char *filename)
{
    struct crest_error err;
    crest_error_clear(&err);
    bool en = !strcmp(r->lang, "en");
    struct buf b;
    buf_init(&b, (size_t)64 << 20);
    struct xlsx_out *x = xlsx ? xlsx_out_new(sheet) : NULL;
    if (xlsx && !x) {
        buf_cleanup(&b);
        http_reply_problem(r, CREST_IO, "internal");
        return;
    }
    if (!xlsx)
        buf_puts(&b, "\xEF\xBB\xBF");
    for (int k = 0; k < ncols; k++) {
        const char *h = en ? cols[k].en : cols[k].zh;
        if (x) {
            xlsx_out_str(x, 0, k, h);
        } else {
            buf_puts(&b, k ? "," : "");
            csv_write_field(&b, h);
        }
    }
    if (!x)
        buf_puts(&b, "\r\n");
    int row = 1, rc = st ? 0 : -1;
    while (st && (rc = db_step(st, &err)) == 1) {
        for (int k = 0; k < ncols; k++) {
            char num[48] = "";
            const char *v = db_col_text(st, k);
            if (cols[k].number && !db_col_null(st, k)) {
                snprintf(num, sizeof num, "%.10g", db_col_double(st, k));
                v = num;
            }
            if (x) {
                if (cols[k].number && num[0])
                    xlsx_out_num(x, row, k, db_col_double(st, k));
                else
                    xlsx_out_str(x, row, k, v ? v : "");
            } else {
                buf_puts(&b, k ? "," : "");
                if (num[0])
                    buf_puts(&b, num); /* a number, not text: no formula guard */
                else
                    csv_write_field(&b, v ? v : "");
            }
        }
        if (!x)
            buf_puts(&b, "\r\n");
        row++;
    }
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
    http_add_header(
        r, "Content-Disposition",
        arena_printf(&r->arena, "attachment; filename=\"%s.%s\"", filename, xlsx ? "xlsx" : "csv"));
    buf_cleanup(&b);
}

static bool format_of(struct http_req *r, bool *xlsx, struct crest_error *err)
{
    const char *format = http_query(r, "format");
    *xlsx = format && !strcmp(format, "xlsx");
    if (format && !*xlsx && strcmp(format, "csv") != 0)
        crest_error_field(err, "format", "invalid", "field_range", "csv | xlsx");
    return !err->code;
}

static const struct col move_cols[] = {
    {"流水号", "id", true},       {"日期", "date", false},       {"站点编号", "site_id", true},
    {"站点", "site", false},      {"区划代码", "region", false}, {"物资代码", "item_code", false},
    {"物资", "item", false},      {"批号", "batch", false},      {"有效期至", "expiry", false},
    {"类型", "kind", false},      {"数量", "qty", true},         {"原因", "reason", false},
    {"调拨单", "shipment", true},
};

void supply_api_movements_export(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char region[REGION_CODE_MAX], upper[20];
    if (!region_api_param(r, region))
        return;
    capacity_prefix_upper(region, upper);
    bool xlsx = false;
    int64_t site = 0, item = 0;
    format_of(r, &xlsx, &err);
    http_query_int(r, "site", 1, INT64_MAX, 0, &site, &err);
    http_query_int(r, "item", 1, INT64_MAX, 0, &item, &err);
    if (r->user.role != ROLE_ADMIN && r->user.role != ROLE_COMMANDER) {
        if (!r->user.facility_id || (site && site != r->user.facility_id)) {
            crest_error_field(&err, "site", "forbidden", "supply_site_forbidden", NULL);
            err.code = CREST_FORBIDDEN;
        }
        site = r->user.facility_id;
    }
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    struct db_conn *c = db_acquire(http_db(r));
    struct db_stmt *st = db_query(
        c, &err,
        "SELECT m.id, m.date, m.site_id, f.name, m.region, i.code, i.name, t.batch, t.expiry, "
        "m.kind, m.qty, m.reason, m.shipment_id FROM supply_movements m JOIN facilities f ON f.id "
        "= m.site_id JOIN supply_items i ON i.id = m.item_id LEFT JOIN supply_batches t ON t.id = "
        "m.batch_id WHERE m.region >= ? AND m.region < ? AND (? = 0 OR m.site_id = ?) AND (? = 0 "
        "OR m.item_id = ?) ORDER BY m.id LIMIT 500000",
        "ssiiii", region, upper, site, site, item, item);
    char name[64];
    snprintf(name, sizeof name, "supply-ledger-%s", region);
    export_rows(r, st, move_cols, (int)(sizeof move_cols / sizeof move_cols[0]), xlsx,
                strcmp(r->lang, "en") ? "台账" : "ledger", name);
    db_finalize(st);
    db_release(http_db(r), c);
}

static const struct col plan_cols[] = {
    {"行号", "line", true},
    {"物资代码", "item_code", false},
    {"物资", "item", false},
    {"单位", "unit", false},
    {"调出站点编号", "from_id", true},
    {"调出站点", "from", false},
    {"调出区划", "from_region", false},
    {"调入站点编号", "to_id", true},
    {"调入站点", "to", false},
    {"调入区划", "to_region", false},
    {"数量", "qty", true},
    {"计划数量", "qty_planned", true},
    {"距离(公里)", "km", true},
    {"调入方原库存", "to_stock", true},
    {"调入方日均用量", "to_daily_use", true},
};

void supply_api_plan_export(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    const char *ids = http_param(r, "id");
    int64_t id = 0;
    bool xlsx = false;
    format_of(r, &xlsx, &err);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    if (!ids || !str_to_i64(str_of(ids), &id) || id < 1) {
        http_reply_problem(r, CREST_NOTFOUND, "supply_plan_not_found");
        return;
    }
    struct db_conn *c = db_acquire(http_db(r));
    struct db_stmt *st = db_query(c, &err, "SELECT region FROM supply_plans WHERE id = ?", "i", id);
    bool ok = st && db_step(st, &err) == 1 && auth_in_scope(&r->user, db_col_text(st, 0));
    db_finalize(st);
    if (!ok) {
        db_release(http_db(r), c);
        http_reply_problem(r, CREST_NOTFOUND, "supply_plan_not_found");
        return;
    }
    st =
        db_query(c, &err,
                 "SELECT l.id, i.code, i.name, i.unit, l.from_site, ff.name, ff.region, l.to_site, "
                 "ft.name, ft.region, l.qty, l.qty_planned, l.km, l.to_stock, "
                 "l.to_use FROM supply_plan_lines l JOIN supply_items i ON i.id = "
                 "l.item_id JOIN facilities ff ON ff.id = l.from_site JOIN facilities ft ON ft.id "
                 "= l.to_site WHERE l.plan_id = ? ORDER BY l.item_id, l.to_site, l.id",
                 "i", id);
    char name[64];
    snprintf(name, sizeof name, "supply-plan-%lld", (long long)id);
    export_rows(r, st, plan_cols, (int)(sizeof plan_cols / sizeof plan_cols[0]), xlsx,
                strcmp(r->lang, "en") ? "调拨计划" : "plan", name);
    db_finalize(st);
    db_release(http_db(r), c);
}
