/*
 * api.c - the capacity pillar's HTTP handlers: the facility registry,
 * daily reports, compliance with the seed's targets, occupancy time series,
 * the FHIR MeasureReport and the gap list as CSV.
 *
 * Scope: a facility belongs to a region; outside the caller's scope it is a
 * 404. A hospital administrator sees and reports for its own facility only
 * (users.facility_id), also a 404 for any other.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/jdec.h"
#include "../base/str.h"
#include "../base/util.h"
#include "../base/validate.h"
#include "../db/audit.h"
#include "../http/http.h"
#include "../region/region.h"
#include "capacity.h"

/* Zhejiang's bounding box with a margin: a coordinate outside is a typo. */
#define LAT_MIN 26.5
#define LAT_MAX 31.5
#define LON_MIN 117.5
#define LON_MAX 123.5

static bool may_see(struct http_req *r, const struct cap_facility *f)
{
    if (!auth_in_scope(&r->user, f->region))
        return false;
    if (r->user.role == ROLE_HOSPITAL)
        return r->user.facility_id == f->id;
    return true;
}

json_t *capacity_facility_json(const struct cap_facility *f)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(f->id));
    json_object_set_new(j, "region", json_string(f->region));
    json_object_set_new(j, "kind", json_string(cap_kind_name(f->facts.kind)));
    json_object_set_new(j, "name", json_string(f->name));
    if (f->facts.kind == CAP_HOSPITAL) {
        json_object_set_new(j, "level", json_string(cap_level_name(f->facts.level)));
        json_object_set_new(j, "category", json_string(cap_category_name(f->facts.category)));
        json_object_set_new(j, "role", json_string(cap_role_name(f->facts.role)));
    }
    json_object_set_new(j, "address", f->address[0] ? json_string(f->address) : json_null());
    json_object_set_new(j, "phone", f->phone[0] ? json_string(f->phone) : json_null());
    json_object_set_new(j, "lat", f->has_geo ? json_real(f->lat) : json_null());
    json_object_set_new(j, "lon", f->has_geo ? json_real(f->lon) : json_null());
    json_object_set_new(j, "opened", f->opened[0] ? json_string(f->opened) : json_null());
    json_object_set_new(j, "active", json_boolean(f->active));
    json_object_set_new(j, "version", json_integer(f->version));
    return j;
}

static bool parse_id(struct http_req *r, int64_t *id)
{
    const char *s = http_param(r, "id");
    return s && str_to_i64(str_of(s), id) && *id > 0;
}

/* Decode the editable fields of a facility into f (create: all required
 * ones; update: only what is present). */
void capacity_facility_decode(struct jdec *d, struct cap_facility *f, bool create,
                              struct crest_error *err)
{
    const char *region = jdec_str(d, "region", create, 1, 32);
    const char *kind = create ? jdec_str(d, "kind", true, 1, 32) : NULL;
    const char *name = jdec_str(d, "name", create, 1, 100);
    const char *level = jdec_str(d, "level", false, 1, 16);
    const char *category = jdec_str(d, "category", false, 1, 16);
    const char *role = jdec_str(d, "role", false, 1, 16);
    const char *address = jdec_str(d, "address", false, 0, 200);
    const char *phone = jdec_str(d, "phone", false, 0, 20);
    const char *opened = jdec_str(d, "opened", false, 10, 10);
    double lat = 0, lon = 0;
    bool has_lat = jdec_double(d, "lat", false, LAT_MIN, LAT_MAX, &lat);
    bool has_lon = jdec_double(d, "lon", false, LON_MIN, LON_MAX, &lon);
    bool active;
    if (!create && jdec_bool(d, "active", false, &active))
        f->active = active;
    if (region)
        region_code_normalize(region, f->region, "region", err);
    if (kind) {
        int k = cap_kind_parse(kind);
        if (k < 0)
            crest_error_field(err, "kind", "invalid", "cap_kind_invalid", NULL);
        else
            f->facts.kind = (enum cap_kind)k;
    }
    if (name)
        str_copy(f->name, sizeof f->name, name);
    if (level) {
        int v = cap_level_parse(level);
        if (v < 0)
            crest_error_field(err, "level", "invalid", "field_range",
                              "tertiary | secondary | primary | none");
        else
            f->facts.level = (enum cap_level)v;
    }
    if (category) {
        int v = cap_category_parse(category);
        if (v < 0)
            crest_error_field(err, "category", "invalid", "field_range",
                              "general | tcm | specialty | none");
        else
            f->facts.category = (enum cap_category)v;
    }
    if (role) {
        int v = cap_role_parse(role);
        if (v < 0)
            crest_error_field(err, "role", "invalid", "field_range",
                              "designated | sub_designated | none");
        else
            f->facts.role = (enum cap_role)v;
    }
    if (address)
        str_copy(f->address, sizeof f->address, address);
    if (phone) {
        if (phone[0] && !validate_phone(phone))
            crest_error_field(err, "phone", "format", "phone_invalid", NULL);
        else
            str_copy(f->phone, sizeof f->phone, phone);
    }
    if (opened) {
        if (!validate_date(opened))
            crest_error_field(err, "opened", "format", "field_date", NULL);
        else
            str_copy(f->opened, sizeof f->opened, opened);
    }
    if (has_lat != has_lon && !err->nfields)
        crest_error_field(err, has_lat ? "lon" : "lat", "required", "cap_latlon_pair", NULL);
    if (has_lat && has_lon) {
        f->lat = lat;
        f->lon = lon;
        f->has_geo = true;
    }
}

/* Rules that need the whole facility, after decoding. */
static void audit_of(struct http_req *r, struct audit_entry *e, const char *action,
                     const char *entity, const char *id, const char *region)
{
    *e = (struct audit_entry){
        r->user.id, r->user.username, role_name(r->user.role), action, entity, id, region, r->addr};
}

int capacity_region_in_scope(struct db_conn *c, struct http_req *r, const char *code,
                             const char *field, struct crest_error *err)
{
    return capacity_region_in_user_scope(c, &r->user, code, field, err);
}

int capacity_region_in_user_scope(struct db_conn *c, const struct auth_user *u, const char *code,
                                  const char *field, struct crest_error *err)
{
    struct region_row row;
    int rc = region_get(c, code, &row, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !auth_in_scope(u, code))) {
        crest_error_clear(err);
        return crest_error_field(err, field, "unknown", "region_not_found", NULL);
    }
    return rc;
}

/* ---- facilities ---- */

static int create_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct cap_facility *f = arg;
    int rc = capacity_region_in_scope(c, r, f->region, "region", err);
    if (rc)
        return rc;
    if ((rc = capacity_facility_insert(c, f, err)) != CREST_OK)
        return rc;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)f->id);
    struct audit_entry e;
    audit_of(r, &e, "create", "facility", id, f->region);
    if ((rc = audit_append(c, &e, err)) != CREST_OK)
        return rc;
    http_add_header(r, "Location", arena_printf(&r->arena, "/api/v1/facilities/%s", id));
    http_add_header(r, "ETag", "\"1\"");
    http_reply_json(r, 201, capacity_facility_json(f));
    return CREST_OK;
}

void capacity_api_facility_create(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct cap_facility f;
    memset(&f, 0, sizeof f);
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        capacity_facility_decode(&d, &f, true, &err);
        jdec_end(&d);
        capacity_facility_check(&f.facts, &err);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, create_fn, &f);
}

struct update_arg {
    int64_t id, if_match;
    char *body;
    size_t n;
};

static int update_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct update_arg *a = arg;
    struct cap_facility f;
    int rc = capacity_facility_get(c, a->id, &f, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !may_see(r, &f))) {
        crest_error_clear(err);
        return crest_error_set(err, CREST_NOTFOUND, "cap_facility_not_found", NULL);
    }
    if (rc)
        return rc;
    if (f.version != a->if_match) {
        http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)f.version));
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", "%lld",
                               (long long)f.version);
    }
    /* decode over the stored row: absent fields keep their values */
    struct jdec d;
    char old_region[16];
    str_copy(old_region, sizeof old_region, f.region);
    if (jdec_begin(&d, a->body, a->n, err) == CREST_OK) {
        capacity_facility_decode(&d, &f, false, err);
        jdec_end(&d);
        capacity_facility_check(&f.facts, err);
    }
    jdec_free(&d);
    if (err->code)
        return err->code;
    if (strcmp(old_region, f.region) != 0 &&
        (rc = capacity_region_in_scope(c, r, f.region, "region", err)))
        return rc;
    if ((rc = capacity_facility_update(c, &f, err)) != CREST_OK)
        return rc;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)f.id);
    struct audit_entry e;
    audit_of(r, &e, f.active ? "update" : "deactivate", "facility", id, f.region);
    if ((rc = audit_append(c, &e, err)) != CREST_OK)
        return rc;
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)f.version));
    http_reply_json(r, 200, capacity_facility_json(&f));
    return CREST_OK;
}

void capacity_api_facility_update(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct update_arg a = {0, 0, r->body.p, r->body.n};
    if (!parse_id(r, &a.id)) {
        http_reply_problem(r, CREST_NOTFOUND, "cap_facility_not_found");
        return;
    }
    if (!http_require_if_match(r, &a.if_match))
        return;
    http_write(r, update_fn, &a);
}

void capacity_api_facility_get(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    int64_t id;
    struct cap_facility f;
    int rc = CREST_NOTFOUND;
    if (parse_id(r, &id)) {
        struct db_conn *c = db_acquire(http_db(r));
        rc = capacity_facility_get(c, id, &f, &err);
        db_release(http_db(r), c);
    }
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !may_see(r, &f))) {
        http_reply_problem(r, CREST_NOTFOUND, "cap_facility_not_found");
        return;
    }
    if (rc) {
        http_reply_error(r, &err);
        return;
    }
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)f.version));
    http_reply_json(r, 200, capacity_facility_json(&f));
}

void capacity_api_facility_list(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char region[REGION_CODE_MAX], upper[20];
    if (!region_api_param(r, region))
        return;
    capacity_prefix_upper(region, upper);
    int64_t after = 0, limit = 100;
    http_query_int(r, "after", 0, INT64_MAX, 0, &after, &err);
    http_query_int(r, "limit", 1, 1000, 100, &limit, &err);
    const char *kind = http_query(r, "kind");
    if (kind && cap_kind_parse(kind) < 0)
        crest_error_field(&err, "kind", "invalid", "cap_kind_invalid", NULL);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    int64_t own = r->user.role == ROLE_HOSPITAL ? r->user.facility_id : 0;
    struct db_conn *c = db_acquire(http_db(r));
    struct db_stmt *st = db_query(
        c, &err,
        "SELECT " CAP_FAC_COLS " FROM facilities WHERE region >= ? AND region < ? AND id > ? AND "
        "(? = '' OR kind = ?) AND (? = 0 OR id = ?) ORDER BY id LIMIT ?",
        "ssissiii", region, upper, after, kind ? kind : "", kind ? kind : "", own, own, limit + 1);
    json_t *items = json_array();
    int rc = st ? 0 : -1;
    int64_t n = 0, last = 0;
    bool more = false;
    while (st && (rc = db_step(st, &err)) == 1) {
        if (n == limit) {
            more = true;
            break;
        }
        struct cap_facility f;
        capacity_facility_fill(st, &f);
        json_array_append_new(items, capacity_facility_json(&f));
        last = f.id;
        n++;
    }
    db_finalize(st);
    db_release(http_db(r), c);
    if (rc < 0) {
        json_decref(items);
        http_reply_error(r, &err);
        return;
    }
    json_t *j = json_object();
    json_object_set_new(j, "items", items);
    json_object_set_new(j, "next", more ? json_integer(last) : json_null());
    http_reply_json(r, 200, j);
}

/* ---- reports ---- */

static json_t *report_json(const struct cap_report *rep, int64_t version)
{
    json_t *j = json_object();
    json_object_set_new(j, "date", json_string(rep->date));
    json_object_set_new(j, "open_beds", json_integer(rep->open_beds));
    json_object_set_new(j, "occupied_beds", json_integer(rep->occupied_beds));
    json_object_set_new(j, "icu_beds", json_integer(rep->icu_beds));
    json_object_set_new(j, "icu_occupied", json_integer(rep->icu_occupied));
    json_object_set_new(j, "icu_convertible", json_integer(rep->icu_convertible));
    json_object_set_new(j, "fever_clinic", json_boolean(rep->fever_clinic));
    json_object_set_new(j, "fever_24h", json_boolean(rep->fever_24h));
    json_object_set_new(j, "fever_visits", json_integer(rep->fever_visits));
    json_object_set_new(j, "ventilators", json_integer(rep->ventilators));
    json_object_set_new(j, "version", json_integer(version));
    return j;
}

struct report_arg {
    int64_t id, if_match;
    struct cap_report rep;
};

static int report_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct report_arg *a = arg;
    struct cap_facility f;
    int rc = capacity_facility_get(c, a->id, &f, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !may_see(r, &f))) {
        crest_error_clear(err);
        return crest_error_set(err, CREST_NOTFOUND, "cap_facility_not_found", NULL);
    }
    if (rc)
        return rc;
    if (f.facts.kind != CAP_HOSPITAL) {
        crest_error_field(err, "facility", "kind", "cap_not_hospital", NULL);
        return err->code;
    }
    if (!f.active) /* a closed hospital's beds must not reappear in the totals */
        return crest_error_set(err, CREST_CONFLICT, "cap_facility_inactive", NULL);
    char today[11];
    capacity_today(c, today);
    int64_t ahead;
    if (capacity_days_between(today, a->rep.date, &ahead) && ahead > 0)
        return crest_error_field(err, "date", "range", "cap_date_future", today);
    if (f.opened[0] && capacity_days_between(f.opened, a->rep.date, &ahead) && ahead < 0)
        return crest_error_field(err, "date", "range", "cap_date_before_opened", f.opened);
    int64_t version = 0, current = 0;
    rc = capacity_report_put(c, &f, &a->rep, a->if_match, r->user.id, &version, &current, err);
    if (rc == CREST_PRECONDITION || rc == CREST_CONFLICT)
        http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)current));
    if (rc)
        return rc;
    char id[48];
    snprintf(id, sizeof id, "%lld/%s", (long long)f.id, a->rep.date);
    struct audit_entry e;
    audit_of(r, &e, version > 1 ? "correct" : "create", "capacity_report", id, f.region);
    if ((rc = audit_append(c, &e, err)) != CREST_OK)
        return rc;
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)version));
    json_t *j = report_json(&a->rep, version);
    json_object_set_new(j, "facility_id", json_integer(f.id));
    http_reply_json(r, version > 1 ? 200 : 201, j);
    return CREST_OK;
}

void capacity_api_report_put(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct report_arg a;
    memset(&a, 0, sizeof a);
    if (!parse_id(r, &a.id)) {
        http_reply_problem(r, CREST_NOTFOUND, "cap_facility_not_found");
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
        const int64_t M = 1000000;
        const char *date = jdec_str(&d, "date", true, 10, 10);
        jdec_int(&d, "open_beds", true, -M, M, &a.rep.open_beds);
        jdec_int(&d, "occupied_beds", true, -M, M, &a.rep.occupied_beds);
        jdec_int(&d, "icu_beds", true, -M, M, &a.rep.icu_beds);
        jdec_int(&d, "icu_occupied", true, -M, M, &a.rep.icu_occupied);
        jdec_int(&d, "icu_convertible", true, -M, M, &a.rep.icu_convertible);
        jdec_bool(&d, "fever_clinic", true, &a.rep.fever_clinic);
        jdec_bool(&d, "fever_24h", true, &a.rep.fever_24h);
        jdec_int(&d, "fever_visits", true, -M, M, &a.rep.fever_visits);
        jdec_int(&d, "ventilators", true, -M, M, &a.rep.ventilators);
        jdec_end(&d);
        if (date && !validate_date(date))
            crest_error_field(&err, "date", "format", "field_date", NULL);
        else if (date)
            str_copy(a.rep.date, sizeof a.rep.date, date);
        if (!err.nfields)
            capacity_report_check(&a.rep, &err);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, report_fn, &a);
}

void capacity_api_report_list(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    int64_t id;
    struct cap_facility f;
    int rc = CREST_NOTFOUND;
    struct db_conn *c = db_acquire(http_db(r));
    if (parse_id(r, &id))
        rc = capacity_facility_get(c, id, &f, &err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !may_see(r, &f))) {
        db_release(http_db(r), c);
        http_reply_problem(r, CREST_NOTFOUND, "cap_facility_not_found");
        return;
    }
    const char *from = http_query(r, "from"), *to = http_query(r, "to");
    if (from && !validate_date(from))
        crest_error_field(&err, "from", "format", "field_date", NULL);
    if (to && !validate_date(to))
        crest_error_field(&err, "to", "format", "field_date", NULL);
    const char *hist = http_query(r, "history");
    bool history = hist && strcmp(hist, "1") == 0;
    char today[11] = "";
    bool illustrative = rc == CREST_OK && capacity_today(c, today);
    if (rc != CREST_OK || err.code) {
        db_release(http_db(r), c);
        http_reply_error(r, &err);
        return;
    }
    struct db_stmt *st =
        db_query(c, &err,
                 "SELECT " CAP_REP_COLS ", version, superseded, reported_ms "
                 "FROM capacity_reports WHERE facility_id = ? AND date >= ? AND date <= ? AND "
                 "(? = 1 OR superseded = 0) ORDER BY date DESC, version DESC LIMIT 1000",
                 "issi", id, from ? from : "0000-00-00", to ? to : "9999-99-99", (int64_t)history);
    json_t *items = json_array();
    int s = st ? 0 : -1;
    while (st && (s = db_step(st, &err)) == 1) {
        struct cap_report rep;
        capacity_report_fill(st, 0, &rep);
        json_t *o = report_json(&rep, db_col_int(st, 10));
        json_object_set_new(o, "superseded", json_boolean(db_col_int(st, 11) != 0));
        char iso[32];
        util_iso8601(iso, db_col_int(st, 12));
        json_object_set_new(o, "reported_at", json_string(iso));
        json_array_append_new(items, o);
    }
    db_finalize(st);
    db_release(http_db(r), c);
    if (s < 0) {
        json_decref(items);
        http_reply_error(r, &err);
        return;
    }
    json_t *j = json_object();
    json_object_set_new(j, "facility", capacity_facility_json(&f));
    /* the business date, so a report form knows "today" and its upper bound */
    json_object_set_new(j, "today", json_string(today));
    json_object_set_new(j, "source", json_string(illustrative ? "illustrative" : "reported"));
    json_object_set_new(j, "items", items);
    http_reply_json(r, 200, j);
}
