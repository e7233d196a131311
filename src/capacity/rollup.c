/*
 * rollup.c - the capacity pillar's region views: compliance with the seed's
 * targets (summary, children for drill-down and the map, the failing list
 * with gaps), occupancy time series, the FHIR R4 MeasureReport (SANER bed
 * measure) and the gap list as CSV. Reads only; rules come from model.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/csv.h"
#include "../base/str.h"
#include "../base/validate.h"
#include "../base/xlsx.h"
#include "../http/http.h"
#include "../region/region.h"
#include "capacity.h"

struct fac_row {
    int64_t id;
    char region[16];
    char name[401]; /* a whole facility name (100 characters) */
    struct cap_facility_facts facts;
    bool has_report;
    struct cap_report rep;
    struct cap_facility_eval ev;
};

struct rollup {
    char region[REGION_CODE_MAX];
    char as_of[11];
    bool illustrative; /* the demo's generated reports (a scenario date is set) */
    struct fac_row *rows;
    int n, cap;
};

static void rollup_free(struct rollup *u)
{
    free(u->rows);
}

/* The latest current report of one facility on or before as_of, for the
 * facilities whose latest report overall is later (a look into the past). */
static int report_as_of(struct db_conn *c, struct fac_row *f, const char *as_of,
                        struct crest_error *err)
{
    struct db_stmt *st =
        db_query(c, err,
                 "SELECT " CAP_REP_COLS " FROM capacity_reports WHERE facility_id = ? "
                 "AND superseded = 0 AND date <= ? ORDER BY date DESC LIMIT 1",
                 "is", f->id, as_of);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    f->has_report = rc == 1;
    if (rc == 1)
        capacity_report_fill(st, 0, &f->rep);
    db_finalize(st);
    return rc < 0 ? err->code : CREST_OK;
}

/* Every active hospital under the region with its latest current report on
 * or before as_of, evaluated against the policy. capacity_latest answers for
 * the present in one pass; a facility whose latest report is after as_of is
 * looked up on its own. */
static int rollup_load(struct db_conn *c, struct rollup *u, const struct policy *p,
                       struct crest_error *err)
{
    char upper[20];
    capacity_prefix_upper(u->region, upper);
    struct db_stmt *st = db_query(
        c, err,
        "SELECT f.id, f.region, f.name, f.level, f.category, f.role, l.date, l.open_beds, "
        "l.occupied_beds, l.icu_beds, l.icu_occupied, l.icu_convertible, l.fever_clinic, "
        "l.fever_24h, l.fever_visits, l.ventilators FROM facilities f LEFT JOIN capacity_latest l "
        "ON l.facility_id = f.id WHERE f.kind = 'hospital' AND f.region >= ? AND f.region < ? AND "
        "f.active = 1 ORDER BY f.region, f.id",
        "ss", u->region, upper);
    if (!st)
        return err->code;
    int rc;
    while ((rc = db_step(st, err)) == 1) {
        if (u->n == u->cap) {
            u->cap = u->cap ? u->cap * 2 : 256;
            u->rows = xrealloc(u->rows, (size_t)u->cap * sizeof *u->rows);
        }
        struct fac_row *f = &u->rows[u->n++];
        memset(f, 0, sizeof *f);
        f->id = db_col_int(st, 0);
        str_copy(f->region, sizeof f->region, db_col_text(st, 1));
        str_copy(f->name, sizeof f->name, db_col_text(st, 2));
        int l = cap_level_parse(db_col_text(st, 3)), ca = cap_category_parse(db_col_text(st, 4));
        int ro = cap_role_parse(db_col_text(st, 5));
        f->facts.kind = CAP_HOSPITAL;
        f->facts.level = l < 0 ? CAP_LEVEL_NONE : (enum cap_level)l;
        f->facts.category = ca < 0 ? CAP_CAT_NONE : (enum cap_category)ca;
        f->facts.role = ro < 0 ? CAP_ROLE_NONE : (enum cap_role)ro;
        f->has_report = !db_col_null(st, 6);
        if (f->has_report)
            capacity_report_fill(st, 6, &f->rep);
    }
    db_finalize(st);
    if (rc < 0)
        return err->code;
    for (int i = 0; i < u->n; i++) {
        struct fac_row *f = &u->rows[i];
        if (f->has_report && strcmp(f->rep.date, u->as_of) > 0 &&
            (rc = report_as_of(c, f, u->as_of, err)) != CREST_OK)
            return rc;
        capacity_eval_facility(&f->facts, f->has_report ? &f->rep : NULL, u->as_of, p, &f->ev);
    }
    return CREST_OK;
}

struct totals {
    int64_t hospitals, reporting, stale, failing;
    int64_t designated_beds, designated_stale_beds;
    int64_t open_beds, occupied_beds, icu_beds, icu_occupied, fever_visits, ventilators;
    int64_t applicable[CAP__RULES], met[CAP__RULES], not_met[CAP__RULES], unknown[CAP__RULES],
        gap[CAP__RULES];
};

static void add(struct totals *t, const struct fac_row *f)
{
    t->hospitals++;
    if (f->ev.failing)
        t->failing++;
    if (f->ev.stale) {
        t->stale++;
        if (f->facts.role != CAP_ROLE_NONE && f->has_report)
            t->designated_stale_beds += f->rep.open_beds;
    } else {
        t->reporting++;
        t->open_beds += f->rep.open_beds;
        t->occupied_beds += f->rep.occupied_beds;
        t->icu_beds += f->rep.icu_beds;
        t->icu_occupied += f->rep.icu_occupied;
        t->fever_visits += f->rep.fever_visits;
        t->ventilators += f->rep.ventilators;
        if (f->facts.role != CAP_ROLE_NONE)
            t->designated_beds += f->rep.open_beds;
    }
    for (int k = 0; k < CAP__RULES; k++) {
        const struct cap_rule_result *x = &f->ev.rule[k];
        if (x->status == CAP_NA)
            continue;
        t->applicable[k]++;
        if (x->status == CAP_MET)
            t->met[k]++;
        else if (x->status == CAP_NOT_MET) {
            t->not_met[k]++;
            t->gap[k] += x->gap;
        } else
            t->unknown[k]++;
    }
}

static json_t *rate(int64_t num, int64_t den)
{
    return den > 0 ? json_real((double)num / (double)den) : json_null();
}

static const char *deadline_of(enum cap_rule k, const struct policy *p)
{
    if (k == CAP_RULE_DESIGNATED_BEDS)
        return p->capacity.designated_beds_deadline;
    if (k == CAP_RULE_ICU || k == CAP_RULE_ICU_CONVERTIBLE)
        return p->capacity.icu_deadline;
    return NULL;
}

static json_t *totals_json(const struct totals *t, bool province, const struct policy *p)
{
    json_t *j = json_object();
    json_object_set_new(j, "hospitals", json_integer(t->hospitals));
    json_object_set_new(j, "reporting", json_integer(t->reporting));
    json_object_set_new(j, "stale", json_integer(t->stale));
    json_object_set_new(j, "failing", json_integer(t->failing));
    json_t *rules = json_object();
    struct cap_rule_result d;
    capacity_eval_designated(t->designated_beds, province, p, &d);
    json_t *dj = json_object();
    json_object_set_new(dj, "status", json_string(cap_status_name(d.status)));
    json_object_set_new(dj, "have", json_integer(t->designated_beds));
    json_object_set_new(dj, "need", province ? json_integer(d.need) : json_null());
    json_object_set_new(dj, "gap", json_integer(d.gap));
    json_object_set_new(dj, "not_reporting_last_known", json_integer(t->designated_stale_beds));
    json_object_set_new(dj, "deadline", json_string(p->capacity.designated_beds_deadline));
    json_object_set_new(rules, cap_rule_name(CAP_RULE_DESIGNATED_BEDS), dj);
    for (int k = 0; k < CAP__RULES; k++) {
        if (k == CAP_RULE_DESIGNATED_BEDS)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "applicable", json_integer(t->applicable[k]));
        json_object_set_new(o, "met", json_integer(t->met[k]));
        json_object_set_new(o, "not_met", json_integer(t->not_met[k]));
        json_object_set_new(o, "unknown", json_integer(t->unknown[k]));
        json_object_set_new(o, "gap", json_integer(t->gap[k]));
        const char *dl = deadline_of((enum cap_rule)k, p);
        json_object_set_new(o, "deadline", dl ? json_string(dl) : json_null());
        json_object_set_new(rules, cap_rule_name((enum cap_rule)k), o);
    }
    json_object_set_new(j, "rules", rules);
    json_t *occ = json_object();
    json_object_set_new(occ, "open_beds", json_integer(t->open_beds));
    json_object_set_new(occ, "occupied_beds", json_integer(t->occupied_beds));
    json_object_set_new(occ, "rate", rate(t->occupied_beds, t->open_beds));
    json_object_set_new(occ, "icu_beds", json_integer(t->icu_beds));
    json_object_set_new(occ, "icu_occupied", json_integer(t->icu_occupied));
    json_object_set_new(occ, "icu_rate", rate(t->icu_occupied, t->icu_beds));
    json_object_set_new(occ, "fever_visits", json_integer(t->fever_visits));
    json_object_set_new(occ, "ventilators", json_integer(t->ventilators));
    json_object_set_new(j, "occupancy", occ);
    return j;
}

static const char *gap_key(enum cap_rule k)
{
    switch (k) {
    case CAP_RULE_ICU: return "cap_gap_icu";
    case CAP_RULE_ICU_CONVERTIBLE: return "cap_gap_convertible";
    case CAP_RULE_FEVER_24H: return "cap_gap_fever_24h";
    case CAP_RULE_REPORTING: return "cap_gap_stale";
    default: return "cap_gap_beds";
    }
}

static json_t *failing_json(struct http_req *r, const struct fac_row *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(f->id));
    json_object_set_new(o, "name", json_string(f->name));
    json_object_set_new(o, "region", json_string(f->region));
    json_object_set_new(o, "level", json_string(cap_level_name(f->facts.level)));
    json_object_set_new(o, "category", json_string(cap_category_name(f->facts.category)));
    json_object_set_new(o, "role", json_string(cap_role_name(f->facts.role)));
    json_object_set_new(o, "last_report", f->has_report ? json_string(f->rep.date) : json_null());
    json_object_set_new(o, "stale", json_boolean(f->ev.stale));
    json_t *gaps = json_array();
    for (int k = 0; k < CAP__RULES; k++) {
        const struct cap_rule_result *x = &f->ev.rule[k];
        if (x->status != CAP_NOT_MET)
            continue;
        json_t *g = json_object();
        char arg[32], text[256];
        if (k == CAP_RULE_REPORTING)
            snprintf(arg, sizeof arg, "%lld", (long long)f->ev.days_since_report);
        else
            snprintf(arg, sizeof arg, "%lld", (long long)x->gap);
        const char *key = gap_key((enum cap_rule)k);
        if (k == CAP_RULE_REPORTING && f->ev.days_since_report < 0)
            key = "cap_gap_never";
        msg_format(text, sizeof text, r->lang, key, arg);
        json_object_set_new(g, "rule", json_string(cap_rule_name((enum cap_rule)k)));
        json_object_set_new(g, "have", json_integer(x->have));
        json_object_set_new(g, "need", json_integer(x->need));
        json_object_set_new(g, "gap", json_integer(x->gap));
        json_object_set_new(g, "message", json_string(text));
        json_array_append_new(gaps, g);
    }
    json_object_set_new(o, "gaps", gaps);
    return o;
}

/* Common prologue of the region views: region (in scope), date, the rows. */
static bool load_for(struct http_req *r, struct rollup *u)
{
    memset(u, 0, sizeof *u);
    struct crest_error err;
    crest_error_clear(&err);
    if (!region_api_param(r, u->region))
        return false;
    const char *date = http_query(r, "date");
    if (date && !validate_date(date)) {
        crest_error_field(&err, "date", "format", "field_date", NULL);
        http_reply_error(r, &err);
        return false;
    }
    struct db_conn *c = db_acquire(http_db(r));
    char today[11];
    u->illustrative = capacity_today(c, today);
    str_copy(u->as_of, sizeof u->as_of, date ? date : today);
    struct region_row rr;
    int rc = region_get(c, u->region, &rr, &err);
    if (rc == CREST_OK)
        rc = rollup_load(c, u, policy_current(), &err);
    db_release(http_db(r), c);
    if (rc == CREST_NOTFOUND) {
        http_reply_problem(r, CREST_NOTFOUND, "region_not_found");
        return false;
    }
    if (rc) {
        http_reply_error(r, &err);
        return false;
    }
    return true;
}

void capacity_api_compliance(struct http_req *r)
{
    struct rollup u;
    if (!load_for(r, &u)) {
        rollup_free(&u);
        return;
    }
    const struct policy *p = policy_current();
    bool province = strlen(u.region) == 2;
    struct totals all;
    memset(&all, 0, sizeof all);
    for (int i = 0; i < u.n; i++)
        add(&all, &u.rows[i]);
    json_t *j = totals_json(&all, province, p);
    json_object_set_new(j, "region", json_string(u.region));
    json_object_set_new(j, "as_of", json_string(u.as_of));
    json_object_set_new(j, "policy", json_string(p->pack));
    json_object_set_new(j, "source", json_string(u.illustrative ? "illustrative" : "reported"));
    /* children: one entry per child region, for drill-down and the map */
    struct crest_error err;
    crest_error_clear(&err);
    json_t *kids = json_array();
    struct db_conn *c = db_acquire(http_db(r));
    struct db_stmt *st =
        db_query(c, &err, "SELECT code, name, name_en FROM regions WHERE parent = ? ORDER BY code",
                 "s", u.region);
    while (st && db_step(st, &err) == 1) {
        const char *code = db_col_text(st, 0);
        size_t cl = strlen(code);
        struct totals t;
        memset(&t, 0, sizeof t);
        for (int i = 0; i < u.n; i++)
            if (strncmp(u.rows[i].region, code, cl) == 0)
                add(&t, &u.rows[i]);
        if (t.hospitals == 0)
            continue;
        json_t *k = json_object();
        json_object_set_new(k, "code", json_string(code));
        json_object_set_new(k, "name", json_string(db_col_text(st, 1)));
        if (!db_col_null(st, 2))
            json_object_set_new(k, "name_en", json_string(db_col_text(st, 2)));
        json_object_set_new(k, "hospitals", json_integer(t.hospitals));
        json_object_set_new(k, "failing", json_integer(t.failing));
        json_object_set_new(k, "stale", json_integer(t.stale));
        json_object_set_new(k, "designated_beds", json_integer(t.designated_beds));
        json_object_set_new(k, "occupancy_rate", rate(t.occupied_beds, t.open_beds));
        json_object_set_new(k, "icu_rate", rate(t.icu_occupied, t.icu_beds));
        json_object_set_new(k, "compliance_rate", rate(t.hospitals - t.failing, t.hospitals));
        json_array_append_new(kids, k);
    }
    db_finalize(st);
    db_release(http_db(r), c);
    json_object_set_new(j, "children", kids);
    json_t *failing = json_array();
    int listed = 0;
    for (int i = 0; i < u.n && listed < 500; i++)
        if (u.rows[i].ev.failing) {
            json_array_append_new(failing, failing_json(r, &u.rows[i]));
            listed++;
        }
    json_object_set_new(j, "failing_list", failing);
    json_object_set_new(j, "failing_list_truncated", json_boolean(listed < all.failing));
    rollup_free(&u);
    http_reply_json(r, 200, j);
}

void capacity_api_gaps_csv(struct http_req *r)
{
    struct rollup u;
    if (!load_for(r, &u)) {
        rollup_free(&u);
        return;
    }
    struct buf b;
    buf_init(&b, (size_t)32 << 20);
    buf_puts(&b, "\xEF\xBB\xBF"); /* BOM: Excel opens UTF-8 Chinese text correctly */
    bool en = strcmp(r->lang, "en") == 0;
    buf_puts(&b, en ? "region,facility_id,facility,level,category,role,rule,have,need,gap,"
                      "last_report,as_of\r\n"
                    : "区划代码,机构编号,机构名称,等级,类别,定点类型,规则,现有,要求,缺口,最近上报,"
                      "统计日期\r\n");
    for (int i = 0; i < u.n; i++) {
        const struct fac_row *f = &u.rows[i];
        if (!f->ev.failing)
            continue;
        for (int k = 0; k < CAP__RULES; k++) {
            const struct cap_rule_result *x = &f->ev.rule[k];
            if (x->status != CAP_NOT_MET)
                continue;
            char num[96];
            csv_write_field(&b, f->region);
            buf_printf(&b, ",%lld,", (long long)f->id);
            csv_write_field(&b, f->name);
            buf_printf(&b, ",%s,%s,%s,%s,", cap_level_name(f->facts.level),
                       cap_category_name(f->facts.category), cap_role_name(f->facts.role),
                       cap_rule_name((enum cap_rule)k));
            snprintf(num, sizeof num, "%lld,%lld,%lld,", (long long)x->have, (long long)x->need,
                     (long long)x->gap);
            buf_puts(&b, num);
            buf_printf(&b, "%s,%s\r\n", f->has_report ? f->rep.date : "", u.as_of);
        }
    }
    http_reply_text(r, 200, "text/csv; charset=utf-8", b.p, b.n);
    http_add_header(r, "Content-Disposition",
                    arena_printf(&r->arena, "attachment; filename=\"capacity-gaps-%s-%s.csv\"",
                                 u.region, u.as_of));
    buf_cleanup(&b);
    rollup_free(&u);
}

void capacity_api_timeseries(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char region[REGION_CODE_MAX], upper[20];
    if (!region_api_param(r, region))
        return;
    const char *from = http_query(r, "from"), *to = http_query(r, "to");
    if (from && !validate_date(from))
        crest_error_field(&err, "from", "format", "field_date", NULL);
    if (to && !validate_date(to))
        crest_error_field(&err, "to", "format", "field_date", NULL);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    capacity_prefix_upper(region, upper);
    struct db_conn *c = db_acquire(http_db(r));
    char today[11];
    bool illustrative = capacity_today(c, today);
    struct db_stmt *st = db_query(
        c, &err,
        "SELECT date, sum(open_beds), sum(occupied_beds), sum(icu_beds), sum(icu_occupied), "
        "sum(fever_visits), count(*) FROM capacity_reports WHERE superseded = 0 AND region >= ? "
        "AND region < ? AND date >= ? AND date <= ? GROUP BY date ORDER BY date",
        "ssss", region, upper, from ? from : "0000-00-00", to ? to : "9999-99-99");
    json_t *items = json_array();
    int rc = st ? 0 : -1;
    while (st && (rc = db_step(st, &err)) == 1) {
        json_t *o = json_object();
        json_object_set_new(o, "date", json_string(db_col_text(st, 0)));
        json_object_set_new(o, "open_beds", json_integer(db_col_int(st, 1)));
        json_object_set_new(o, "occupied_beds", json_integer(db_col_int(st, 2)));
        json_object_set_new(o, "icu_beds", json_integer(db_col_int(st, 3)));
        json_object_set_new(o, "icu_occupied", json_integer(db_col_int(st, 4)));
        json_object_set_new(o, "fever_visits", json_integer(db_col_int(st, 5)));
        json_object_set_new(o, "reports", json_integer(db_col_int(st, 6)));
        json_array_append_new(items, o);
    }
    db_finalize(st);
    db_release(http_db(r), c);
    if (rc < 0) {
        json_decref(items);
        http_reply_error(r, &err);
        return;
    }
    json_t *j = json_object();
    json_object_set_new(j, "region", json_string(region));
    json_object_set_new(j, "source", json_string(illustrative ? "illustrative" : "reported"));
    json_object_set_new(j, "items", items);
    http_reply_json(r, 200, j);
}

static json_t *population(const char *code, const char *display, const char *type, int64_t count)
{
    json_t *p = json_object();
    json_t *cc = json_pack(
        "{s:[{s:s,s:s,s:s},{s:s,s:s}]}", "coding", "system",
        "http://hl7.org/fhir/uv/saner/CodeSystem/MeasuredValues", "code", code, "display", display,
        "system", "http://terminology.hl7.org/CodeSystem/measure-population", "code", type);
    json_object_set_new(p, "code", cc);
    json_object_set_new(p, "count", json_integer(count));
    return p;
}

void capacity_api_measure_report(struct http_req *r)
{
    struct rollup u;
    if (!load_for(r, &u)) {
        rollup_free(&u);
        return;
    }
    struct totals t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < u.n; i++)
        add(&t, &u.rows[i]);
    /* SANER's CDC "Patient Impact and Hospital Capacity" measure, group
     * "Beds"; see docs/api.md for the mapping of crest's fields. */
    json_t *pops = json_array();
    json_array_append_new(
        pops, population("numTotBeds", "All hospital beds", "initial-population", t.open_beds));
    json_array_append_new(
        pops, population("numbeds", "Hospital inpatient beds", "measure-population", t.open_beds));
    json_array_append_new(pops, population("numBedsOcc", "Hospital inpatient bed occupancy",
                                           "measure-observation", t.occupied_beds));
    json_array_append_new(
        pops, population("numICUBeds", "ICU bed availability", "measure-population", t.icu_beds));
    json_array_append_new(pops, population("numICUBedsOcc", "ICU bed occupancy",
                                           "measure-observation", t.icu_occupied));
    json_array_append_new(
        pops, population("numVent", "Mechanical ventilators", "measure-population", t.ventilators));
    json_t *group = json_object();
    json_object_set_new(group, "code",
                        json_pack("{s:[{s:s,s:s}]}", "coding", "system",
                                  "http://hl7.org/fhir/uv/saner/CodeSystem/MeasureGroupSystem",
                                  "code", "Beds"));
    json_object_set_new(group, "population", pops);
    json_t *j = json_object();
    json_object_set_new(j, "resourceType", json_string("MeasureReport"));
    json_object_set_new(
        j, "id", json_string(arena_printf(&r->arena, "crest-capacity-%s-%s", u.region, u.as_of)));
    json_object_set_new(j, "meta",
                        json_pack("{s:[s]}", "profile",
                                  "http://hl7.org/fhir/uv/saner/StructureDefinition/"
                                  "PublicHealthMeasureReport"));
    json_object_set_new(j, "status", json_string("complete"));
    json_object_set_new(j, "type", json_string("summary"));
    json_object_set_new(
        j, "measure",
        json_string("http://hl7.org/fhir/uv/saner/Measure/CDCPatientImpactAndHospitalCapacity"));
    json_object_set_new(j, "subject",
                        json_pack("{s:{s:s,s:s},s:s}", "identifier", "system",
                                  "urn:crest:region" /* statistical division code, prefix form */,
                                  "value", u.region, "display", u.region));
    json_object_set_new(j, "date", json_string(u.as_of));
    json_object_set_new(j, "period", json_pack("{s:s,s:s}", "start", u.as_of, "end", u.as_of));
    json_object_set_new(j, "group", json_pack("[o]", group));
    rollup_free(&u);
    http_reply_json(r, 200, j);
    r->ctype = "application/fhir+json; charset=utf-8";
}

void capacity_api_gaps_xlsx(struct http_req *r)
{
    struct rollup u;
    if (!load_for(r, &u)) {
        rollup_free(&u);
        return;
    }
    bool en = strcmp(r->lang, "en") == 0;
    static const char *const head_en[] = {"region",   "facility_id", "facility",    "level",
                                          "category", "role",        "rule",        "have",
                                          "need",     "gap",         "last_report", "as_of"};
    static const char *const head_zh[] = {"区划代码", "机构编号", "机构名称", "等级",
                                          "类别",     "定点类型", "规则",     "现有",
                                          "要求",     "缺口",     "最近上报", "统计日期"};
    struct xlsx_out *x = xlsx_out_new(en ? "gaps" : "缺口清单");
    if (!x) {
        rollup_free(&u);
        http_reply_problem(r, CREST_IO, "internal");
        return;
    }
    for (int k = 0; k < 12; k++)
        xlsx_out_str(x, 0, k, en ? head_en[k] : head_zh[k]);
    int row = 1;
    for (int i = 0; i < u.n; i++) {
        const struct fac_row *f = &u.rows[i];
        for (int k = 0; k < CAP__RULES && f->ev.failing; k++) {
            const struct cap_rule_result *g = &f->ev.rule[k];
            if (g->status != CAP_NOT_MET)
                continue;
            xlsx_out_str(x, row, 0, f->region);
            xlsx_out_num(x, row, 1, (double)f->id);
            xlsx_out_str(x, row, 2, f->name);
            xlsx_out_str(x, row, 3, cap_level_name(f->facts.level));
            xlsx_out_str(x, row, 4, cap_category_name(f->facts.category));
            xlsx_out_str(x, row, 5, cap_role_name(f->facts.role));
            xlsx_out_str(x, row, 6, cap_rule_name((enum cap_rule)k));
            xlsx_out_num(x, row, 7, (double)g->have);
            xlsx_out_num(x, row, 8, (double)g->need);
            xlsx_out_num(x, row, 9, (double)g->gap);
            xlsx_out_str(x, row, 10, f->has_report ? f->rep.date : "");
            xlsx_out_str(x, row, 11, u.as_of);
            row++;
        }
    }
    struct buf b;
    buf_init(&b, (size_t)64 << 20);
    int rc = xlsx_out_finish(x, &b);
    if (rc == CREST_OK) {
        http_reply_text(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        b.p, b.n);
        http_add_header(r, "Content-Disposition",
                        arena_printf(&r->arena, "attachment; filename=\"capacity-gaps-%s-%s.xlsx\"",
                                     u.region, u.as_of));
    } else {
        http_reply_problem(r, CREST_IO, "internal");
    }
    buf_cleanup(&b);
    rollup_free(&u);
}
