/*
 * stats.c - the community pillar's figures for commanders: people isolating
 * by region and grade (per 10,000 residents where the census figure is
 * known), new and ended per day, overdue follow-ups, open requests by type,
 * transfers by status; and the ledger as the XLSX a township office reports
 * upward (ID numbers and phones masked: the sheet leaves the system).
 */
#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/str.h"
#include "../base/util.h"
#include "../base/xlsx.h"
#include "../capacity/capacity.h"
#include "../http/http.h"
#include "../region/region.h"
#include "api.h"

#define DAY_MS (24LL * 3600 * 1000)

static int child_len(size_t n)
{
    return n == 2 ? 4 : n == 4 ? 6 : n == 6 ? 9 : n == 9 ? 12 : 15;
}

static json_t *per_10k(int64_t n, int64_t pop)
{
    return pop > 0 ? json_real((double)n * 10000.0 / (double)pop) : json_null();
}

void comm_api_stats(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char region[REGION_CODE_MAX], upper[20];
    if (!region_api_param(r, region))
        return;
    int64_t days = 14;
    if (!http_query_int(r, "days", 1, 120, 14, &days, &err) && err.code) {
        http_reply_error(r, &err);
        return;
    }
    capacity_prefix_upper(region, upper);
    int clen = child_len(strlen(region));
    struct db_conn *c = db_acquire(http_db(r));
    int64_t now = comm_now_ms(c);
    char today[11];
    bool scenario = capacity_today(c, today);
    comm_ms_date(now, today);
    json_t *j = json_object();
    json_object_set_new(j, "region", json_string(region));
    json_object_set_new(j, "as_of", json_string(today));
    json_object_set_new(j, "illustrative", json_boolean(scenario));
    int rc = 0;

    /* by child region and grade, in one pass over the open episodes */
    json_t *children = json_array();
    json_object_set_new(j, "children", children);
    int64_t tot[3] = {0, 0, 0}, alerts = 0, overdue = 0;
    struct db_stmt *st = db_query(
        c, &err,
        "SELECT substr(e.grid, 1, ?) AS child, coalesce(rg.name, ''), rg.population, "
        "sum(CASE WHEN e.grade = 'red' THEN 1 ELSE 0 END), sum(CASE WHEN e.grade = 'yellow' "
        "THEN 1 ELSE 0 END), sum(CASE WHEN e.grade = 'green' THEN 1 ELSE 0 END), sum(e.alert), "
        "sum(CASE WHEN e.next_due_ms <= ? THEN 1 ELSE 0 END) FROM comm_episodes e LEFT JOIN "
        "regions rg ON rg.code = substr(e.grid, 1, ?) WHERE e.status = 'isolating' AND e.grid "
        ">= ? AND e.grid < ? GROUP BY 1, rg.name, rg.population ORDER BY 1",
        "iiiss", (int64_t)clen, now, (int64_t)clen, region, upper);
    while (st && (rc = db_step(st, &err)) == 1) {
        json_t *o = json_object();
        int64_t red = db_col_int(st, 3), yellow = db_col_int(st, 4), green = db_col_int(st, 5);
        int64_t pop = db_col_null(st, 2) ? 0 : db_col_int(st, 2);
        json_object_set_new(o, "code", json_string(db_col_text(st, 0)));
        json_object_set_new(o, "name", json_string(db_col_text(st, 1)));
        json_object_set_new(o, "isolating", json_integer(red + yellow + green));
        json_object_set_new(o, "red", json_integer(red));
        json_object_set_new(o, "yellow", json_integer(yellow));
        json_object_set_new(o, "green", json_integer(green));
        json_object_set_new(o, "alerts", json_integer(db_col_int(st, 6)));
        json_object_set_new(o, "overdue_followups", json_integer(db_col_int(st, 7)));
        json_object_set_new(o, "population", pop ? json_integer(pop) : json_null());
        json_object_set_new(o, "per_10k", per_10k(red + yellow + green, pop));
        json_array_append_new(children, o);
        tot[COMM_RED] += red;
        tot[COMM_YELLOW] += yellow;
        tot[COMM_GREEN] += green;
        alerts += db_col_int(st, 6);
        overdue += db_col_int(st, 7);
    }
    db_finalize(st);
    if (!st || rc < 0)
        goto fail;
    int64_t pop = 0;
    st = db_query(c, &err, "SELECT population FROM regions WHERE code = ?", "s", region);
    if (st && db_step(st, &err) == 1 && !db_col_null(st, 0))
        pop = db_col_int(st, 0);
    db_finalize(st);
    json_t *iso = json_object();
    int64_t all = tot[0] + tot[1] + tot[2];
    json_object_set_new(iso, "total", json_integer(all));
    json_object_set_new(iso, "red", json_integer(tot[COMM_RED]));
    json_object_set_new(iso, "yellow", json_integer(tot[COMM_YELLOW]));
    json_object_set_new(iso, "green", json_integer(tot[COMM_GREEN]));
    json_object_set_new(iso, "per_10k", per_10k(all, pop));
    json_object_set_new(j, "isolating", iso);
    json_object_set_new(j, "alerts", json_integer(alerts));
    json_object_set_new(j, "overdue_followups", json_integer(overdue));

    /* new and ended per day */
    char from[11];
    comm_ms_date(now - (days - 1) * DAY_MS, from);
    json_t *daily = json_array();
    json_object_set_new(j, "daily", daily);
    st = db_query(c, &err,
                  "SELECT d, sum(n), sum(x) FROM (SELECT start_date AS d, 1 AS n, 0 AS x FROM "
                  "comm_episodes WHERE start_date >= ? AND start_date <= ? AND grid >= ? AND grid "
                  "< ? UNION ALL SELECT end_date, 0, 1 FROM comm_episodes WHERE end_date >= ? "
                  "AND end_date <= ? AND grid >= ? AND grid < ?) u GROUP BY d ORDER BY d",
                  "ssssssss", from, today, region, upper, from, today, region, upper);
    char next_day[11];
    str_copy(next_day, sizeof next_day, from);
    while (st && (rc = db_step(st, &err)) == 1) {
        const char *d = db_col_text(st, 0);
        /* fill the days with nothing, so the series has one point a day */
        while (strcmp(next_day, d) < 0) {
            json_t *o = json_object();
            json_object_set_new(o, "date", json_string(next_day));
            json_object_set_new(o, "new", json_integer(0));
            json_object_set_new(o, "ended", json_integer(0));
            json_array_append_new(daily, o);
            comm_ms_date(comm_date_ms(next_day) + DAY_MS + 3600000, next_day);
        }
        json_t *o = json_object();
        json_object_set_new(o, "date", json_string(d));
        json_object_set_new(o, "new", json_integer(db_col_int(st, 1)));
        json_object_set_new(o, "ended", json_integer(db_col_int(st, 2)));
        json_array_append_new(daily, o);
        comm_ms_date(comm_date_ms(d) + DAY_MS + 3600000, next_day);
    }
    db_finalize(st);
    if (!st || rc < 0)
        goto fail;
    while (strcmp(next_day, today) <= 0) {
        json_t *o = json_object();
        json_object_set_new(o, "date", json_string(next_day));
        json_object_set_new(o, "new", json_integer(0));
        json_object_set_new(o, "ended", json_integer(0));
        json_array_append_new(daily, o);
        comm_ms_date(comm_date_ms(next_day) + DAY_MS + 3600000, next_day);
    }

    /* open requests by type, and how many are past their deadline */
    json_t *req = json_object(), *by_type = json_object();
    for (int t = 0; t < COMM__REQ_TYPES; t++)
        json_object_set_new(by_type, comm_req_type_name((enum comm_req_type)t), json_integer(0));
    int64_t req_over = 0, req_open = 0;
    st = db_query(c, &err,
                  "SELECT type, count(*), sum(CASE WHEN due_ms <= ? THEN 1 ELSE 0 END) FROM "
                  "comm_requests WHERE grid >= ? AND grid < ? AND status IN "
                  "('open','assigned','in_progress') GROUP BY type",
                  "iss", now, region, upper);
    while (st && (rc = db_step(st, &err)) == 1) {
        json_object_set_new(by_type, db_col_text(st, 0), json_integer(db_col_int(st, 1)));
        req_open += db_col_int(st, 1);
        req_over += db_col_int(st, 2);
    }
    db_finalize(st);
    json_object_set_new(req, "open", json_integer(req_open));
    json_object_set_new(req, "overdue", json_integer(req_over));
    json_object_set_new(req, "open_by_type", by_type);
    json_object_set_new(j, "requests", req);
    if (!st || rc < 0)
        goto fail;

    json_t *tr = json_object();
    static const char *const tst[] = {"reserved", "accepted", "declined", "arrived", "cancelled"};
    for (int i = 0; i < 5; i++)
        json_object_set_new(tr, tst[i], json_integer(0));
    st = db_query(c, &err,
                  "SELECT status, count(*) FROM comm_transfers WHERE grid >= ? AND grid < ? "
                  "GROUP BY status",
                  "ss", region, upper);
    while (st && (rc = db_step(st, &err)) == 1)
        json_object_set_new(tr, db_col_text(st, 0), json_integer(db_col_int(st, 1)));
    db_finalize(st);
    json_object_set_new(j, "transfers", tr);
    if (!st || rc < 0)
        goto fail;
    db_release(http_db(r), c);
    http_reply_json(r, 200, j);
    return;
fail:
    db_release(http_db(r), c);
    json_decref(j);
    http_reply_error(r, &err);
}

/* ---- the ledger as XLSX ---- */

static const char *const head_zh[] = {"序号",     "姓名",     "性别",     "年龄",     "身份证号",
                                      "联系电话", "所属网格", "现住址",   "人员类别", "发现方式",
                                      "隔离开始", "计划解除", "健康分级", "分级原因", "最近随访",
                                      "体温",     "血氧",     "状态",     "特殊人群"};
static const char *const head_en[] = {
    "No.",         "Name",        "Sex",     "Age",          "ID number",
    "Phone",       "Grid",        "Address", "Kind",         "Source",
    "Start",       "Planned end", "Grade",   "Grade reason", "Last follow-up",
    "Temperature", "SpO2",        "Status",  "Special needs"};
#define NCOLS ((int)(sizeof head_zh / sizeof head_zh[0]))

struct ledger {
    const char *region, *upper, *status;
    struct buf b;
    char today[11];
};

/* Built on a read connection: a big sheet must not hold the writer. */
static int ledger_build(struct db_conn *c, struct http_req *r, struct ledger *q,
                        struct crest_error *err)
{
    int rc = 0;
    bool en = strcmp(r->lang, "en") == 0;
    int64_t now = comm_now_ms(c);
    char today[11];
    comm_ms_date(now, today);
    struct xlsx_out *x = xlsx_out_new(en ? "isolation ledger" : "居家隔离人员工作台账");
    for (int k = 0; k < NCOLS; k++)
        xlsx_out_str(x, 0, k, en ? head_en[k] : head_zh[k]);
    struct db_stmt *st = db_query(
        c, err,
        "SELECT " COMM_EPISODE_COLS ", " COMM_PERSON_COLS " FROM comm_episodes e JOIN persons p "
        "ON p.id = e.person_id WHERE e.grid >= ? AND e.grid < ? AND (? = '' OR e.status = ?) "
        "ORDER BY e.grid, CASE e.grade WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 ELSE 2 END, e.id "
        "LIMIT 200000",
        "ssss", q->region, q->upper, q->status, q->status);
    int row = 1;
    static const char *const kind_zh[] = {"确诊", "无症状感染者", "轻症", "密切接触者"};
    static const char *const src_zh[] = {"抗原", "核酸", "自报"};
    static const char *const grade_zh[] = {"绿", "黄", "红"};
    static const char *const status_zh[] = {"居家隔离中", "已康复", "已转运", "已解除"};
    while (st && (rc = db_step(st, err)) == 1) {
        struct comm_episode e;
        struct comm_person p;
        comm_episode_fill(st, 0, &e);
        comm_person_fill(st, COMM_EPISODE_NCOLS, &p);
        char idm[19], phm[32], t[32], reason[1024], needs[1024];
        comm_id_mask(p.id_number, idm);
        comm_phone_mask(p.phone, phm);
        struct comm_grading g;
        memset(&g, 0, sizeof g);
        g.grade = e.grade;
        if (!comm_reasons_decode(e.reasons, &g))
            g.nreasons = 0;
        comm_grading_text(&g, r->lang, reason, sizeof reason);
        size_t nn = 0;
        needs[0] = 0;
        static const char *const nz[] = {"独居", "孕产妇", "血透", "残疾", "卧床"};
        static const char *const ne[] = {"living alone", "pregnant", "haemodialysis", "disability",
                                         "bedridden"};
        bool fl[] = {p.living_alone, p.pregnant, p.haemodialysis, p.disability, p.bedridden};
        for (int k = 0; k < 5; k++)
            if (fl[k] && nn < sizeof needs)
                nn += (size_t)snprintf(needs + nn, sizeof needs - nn, "%s%s", nn ? "、" : "",
                                       en ? ne[k] : nz[k]);
        if (p.chronic[0] && nn < sizeof needs)
            snprintf(needs + nn, sizeof needs - nn, "%s%s", nn ? "、" : "", p.chronic);
        xlsx_out_num(x, row, 0, row);
        xlsx_out_str(x, row, 1, p.name);
        xlsx_out_str(x, row, 2, p.sex == 'M' ? (en ? "M" : "男") : (en ? "F" : "女"));
        xlsx_out_num(x, row, 3, comm_age(p.birth, today));
        xlsx_out_str(x, row, 4, idm);
        xlsx_out_str(x, row, 5, phm);
        xlsx_out_str(x, row, 6, p.grid);
        xlsx_out_str(x, row, 7, p.address);
        xlsx_out_str(x, row, 8, en ? comm_kind_name(e.kind) : kind_zh[e.kind]);
        xlsx_out_str(x, row, 9, en ? comm_source_name(e.source) : src_zh[e.source]);
        xlsx_out_str(x, row, 10, e.start_date);
        xlsx_out_str(x, row, 11, e.planned_end);
        xlsx_out_str(x, row, 12, en ? comm_grade_name(e.grade) : grade_zh[e.grade]);
        xlsx_out_str(x, row, 13, reason);
        if (e.last_followup_ms) {
            util_iso8601(t, e.last_followup_ms);
            xlsx_out_str(x, row, 14, t);
        }
        if (e.has_temp)
            xlsx_out_num(x, row, 15, e.last_temp);
        if (e.has_spo2)
            xlsx_out_num(x, row, 16, (double)e.last_spo2);
        xlsx_out_str(x, row, 17, en ? comm_status_name(e.status) : status_zh[e.status]);
        xlsx_out_str(x, row, 18, needs);
        row++;
    }
    db_finalize(st);
    str_copy(q->today, sizeof q->today, today);
    int wrc = xlsx_out_finish(x, &q->b);
    if (!st || rc < 0)
        return err->code ? err->code : CREST_DB;
    if (wrc != CREST_OK)
        return crest_error_set(err, CREST_IO, "internal", "xlsx");
    return CREST_OK;
}

/* The export is audited (it holds personal data), then sent. */
static int ledger_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct ledger *q = arg;
    int rc = comm_audit(c, r, "export", "ledger", 0, q->region, err);
    if (rc)
        return rc;
    http_reply_text(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    q->b.p, q->b.n);
    http_add_header(r, "Content-Disposition",
                    arena_printf(&r->arena, "attachment; filename=\"isolation-ledger-%s-%s.xlsx\"",
                                 q->region, q->today));
    return CREST_OK;
}

void comm_api_ledger_xlsx(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char *region = arena_alloc(&r->arena, REGION_CODE_MAX), *upper = arena_alloc(&r->arena, 20);
    if (!region_api_param(r, region))
        return;
    capacity_prefix_upper(region, upper);
    const char *status = http_query(r, "status");
    if (!status)
        status = "isolating";
    else if (strcmp(status, "all") == 0)
        status = "";
    else if (comm_status_parse(status) < 0) {
        crest_error_field(&err, "status", "invalid", "field_range",
                          "isolating | recovered | transferred | ended | all");
        http_reply_error(r, &err);
        return;
    }
    struct ledger q = {region, upper, status, {0}, ""};
    buf_init(&q.b, (size_t)256 << 20);
    struct db_conn *c = db_acquire(http_db(r));
    int rc = ledger_build(c, r, &q, &err);
    db_release(http_db(r), c);
    if (rc)
        http_reply_error(r, &err);
    else
        http_write(r, ledger_fn, &q);
    buf_cleanup(&q.b);
}
