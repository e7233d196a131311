/*
 * transfer.c - the green channel: from a ledger entry, a transfer request
 * for a general or ICU bed. crest ranks the hospitals with a free bed of
 * that kind by distance: designated and sub-designated hospitals for an
 * ordinary transfer; any hospital for a green-channel one (a red-grade
 * case bypasses the ordinary queue and goes to the nearest capable
 * hospital). The chosen hospital's bed is reserved in the same transaction
 * that checks it is free, so two transfers can never take the last bed;
 * the hospital accepts or declines; arrival closes the episode as
 * transferred and counts the patient in the hospital's occupancy.
 *
 * Free beds come from each hospital's latest report (capacity_latest):
 * ICU beds are counted within open beds, so
 *   free ICU     = icu_beds - icu_occupied - ICU reservations
 *   free general = (open - occupied) - (icu_beds - icu_occupied) - general reservations
 * A reservation holds its bed until arrival, decline or cancellation.
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
#include "../http/http.h"
#include "../region/region.h"
#include "api.h"

#define ACTIVE "('reserved','accepted')"

struct cand {
    int64_t id;
    char name[401], region[16];
    const char *role;
    const char *level;
    double km;
    int64_t free;
};

/* One active hospital's free beds of a kind, net of the reservations on
 * it: "name, region, role, level, free, lat, lon". */
static const char FREE_ONE_SQL[] =
    "SELECT f.name, f.region, f.role, f.level, "
    "CASE WHEN ? = 1 THEN l.icu_beds - l.icu_occupied ELSE (l.open_beds - l.occupied_beds) - "
    "(l.icu_beds - l.icu_occupied) END - (SELECT count(*) FROM comm_transfers t WHERE "
    "t.hospital_id = f.id AND t.bed = ? AND t.status IN " ACTIVE "), f.lat, f.lon "
    "FROM facilities f JOIN capacity_latest l ON l.facility_id = f.id WHERE f.id = ? AND "
    "f.kind = 'hospital' AND f.active = 1";

struct geo {
    int64_t id;
    double km;
};

static int geo_cmp(const void *a, const void *b)
{
    const struct geo *x = a, *y = b;
    return x->km < y->km ? -1 : x->km > y->km ? 1 : (x->id > y->id) - (x->id < y->id);
}

static bool is_designated(const char *role)
{
    return role && (strcmp(role, "designated") == 0 || strcmp(role, "sub_designated") == 0);
}

/* The k nearest hospitals with a free bed under a region prefix. The
 * hospitals' positions come from an index (facilities_geo), sorted here by
 * distance; free beds are then read for the nearest ones only, until k have
 * one. Reading every hospital's beds and reservations cost ~1 ms of the
 * follow-up that proposed the transfer. */
static int nearest(struct db_conn *c, const char *prefix, bool icu, bool green, bool where,
                   double lat, double lon, struct cand *v, size_t *n, size_t k,
                   struct crest_error *err)
{
    char hi[20];
    capacity_prefix_upper(prefix, hi);
    *n = 0;
    struct db_stmt *st = db_query(c, err,
                                  "SELECT id, lat, lon, role FROM facilities WHERE kind = "
                                  "'hospital' AND region >= ? AND region < ? AND active = 1 AND "
                                  "lat IS NOT NULL AND lon IS NOT NULL",
                                  "ss", prefix, hi);
    if (!st)
        return err->code;
    size_t ng = 0, cap = 256;
    struct geo *g = xmalloc(cap * sizeof *g);
    int rc;
    while ((rc = db_step(st, err)) == 1) {
        if (!green && !is_designated(db_col_text(st, 3)))
            continue;
        if (ng == cap)
            g = xrealloc(g, (cap *= 2) * sizeof *g);
        g[ng].id = db_col_int(st, 0);
        g[ng].km = where ? comm_km(lat, lon, db_col_double(st, 1), db_col_double(st, 2)) : 0;
        ng++;
    }
    db_finalize(st);
    if (rc < 0) {
        free(g);
        return err->code;
    }
    qsort(g, ng, sizeof *g, geo_cmp);
    for (size_t i = 0; i < ng && *n < k && rc >= 0; i++) {
        st = db_query(c, err, FREE_ONE_SQL, "isi", (int64_t)icu, icu ? "icu" : "general", g[i].id);
        if (!st) {
            rc = -1;
            break;
        }
        if ((rc = db_step(st, err)) == 1 && db_col_int(st, 4) > 0) {
            struct cand *k1 = &v[(*n)++];
            const char *role = db_col_text(st, 2), *lv = db_col_text(st, 3);
            k1->id = g[i].id;
            k1->km = g[i].km;
            str_copy(k1->name, sizeof k1->name, db_col_text(st, 0));
            str_copy(k1->region, sizeof k1->region, db_col_text(st, 1));
            k1->role = !is_designated(role)              ? "none"
                       : strcmp(role, "designated") == 0 ? "designated"
                                                         : "sub_designated";
            k1->level = lv && strcmp(lv, "tertiary") == 0    ? "tertiary"
                        : lv && strcmp(lv, "secondary") == 0 ? "secondary"
                                                             : "primary";
            k1->free = db_col_int(st, 4);
        }
        db_finalize(st);
    }
    free(g);
    return rc < 0 ? err->code : CREST_OK;
}

json_t *comm_transfer_options(struct db_conn *c, const struct comm_person *p, bool icu, bool green,
                              int limit, const char *lang, struct crest_error *err)
{
    bool zh = !lang || strcmp(lang, "en") != 0;
    double lat = 0, lon = 0;
    bool where = comm_person_position(c, p, &lat, &lon);
    struct cand v[8];
    size_t n = 0, k = limit < 1 ? 1 : limit > 8 ? 8 : (size_t)limit;
    /* the person's city first (the nearest hospitals are nearly always
     * there); the whole province when the city has too few */
    char city[5];
    str_copy(city, sizeof city, p->grid);
    if (nearest(c, city, icu, green, where, lat, lon, v, &n, k, err) != CREST_OK)
        return NULL;
    if (n < k && nearest(c, "33", icu, green, where, lat, lon, v, &n, k, err) != CREST_OK)
        return NULL;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "hospital_id", json_integer(v[i].id));
        json_object_set_new(o, "name", json_string(v[i].name));
        json_object_set_new(o, "region", json_string(v[i].region));
        json_object_set_new(o, "role", json_string(v[i].role));
        json_object_set_new(o, "level", json_string(v[i].level));
        json_object_set_new(o, "distance_km", json_real(round(v[i].km * 10) / 10));
        json_object_set_new(o, "free", json_integer(v[i].free));
        char why[160];
        static const char *const zrole[] = {"定点医院", "亚定点医院", "非定点医院（绿色通道）"};
        int ri = strcmp(v[i].role, "designated") == 0       ? 0
                 : strcmp(v[i].role, "sub_designated") == 0 ? 1
                                                            : 2;
        if (zh)
            snprintf(why, sizeof why, "%.1f 公里，空余%s床位 %lld 张，%s", v[i].km,
                     icu ? " ICU " : "普通", (long long)v[i].free, zrole[ri]);
        else
            snprintf(why, sizeof why, "%.1f km, %lld free %s beds, %s", v[i].km,
                     (long long)v[i].free, icu ? "ICU" : "general",
                     ri == 2 ? "not designated (green channel)" : v[i].role);
        json_object_set_new(o, "reason", json_string(why));
        json_array_append_new(a, o);
    }
    return a;
}

static bool parse_bed(const char *s, bool *icu)
{
    if (s && strcmp(s, "icu") == 0)
        *icu = true;
    else if (s && strcmp(s, "general") == 0)
        *icu = false;
    else
        return false;
    return true;
}

void comm_api_transfer_options(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    int64_t id, green = 0;
    if (!comm_parse_id(r, "id", &id)) {
        http_reply_problem(r, CREST_NOTFOUND, "comm_episode_not_found");
        return;
    }
    bool icu = false;
    const char *bed = http_query(r, "bed");
    if (bed && !parse_bed(bed, &icu))
        crest_error_field(&err, "bed", "invalid", "field_range", "general | icu");
    http_query_int(r, "green", 0, 1, 0, &green, &err);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    struct db_conn *c = db_acquire(http_db(r));
    struct comm_episode e;
    struct comm_person p;
    int rc = comm_episode_get(c, id, &e, &p, &err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !comm_may_see_person(r, &p))) {
        db_release(http_db(r), c);
        http_reply_problem(r, CREST_NOTFOUND, "comm_episode_not_found");
        return;
    }
    json_t *opts = rc ? NULL : comm_transfer_options(c, &p, icu, green != 0, 5, r->lang, &err);
    db_release(http_db(r), c);
    if (!opts) {
        http_reply_error(r, &err);
        return;
    }
    json_t *j = json_object();
    json_object_set_new(j, "episode_id", json_integer(id));
    json_object_set_new(j, "bed", json_string(icu ? "icu" : "general"));
    json_object_set_new(j, "green", json_boolean(green != 0));
    json_object_set_new(j, "items", opts);
    http_reply_json(r, 200, j);
}

struct tr_arg {
    int64_t id, episode_id, hospital_id, if_match;
    bool icu, green;
    char reason[801];
    const char *body;
    size_t n;
};

#define TR_COLS                                                                                    \
    "t.id, t.episode_id, t.person_id, t.grid, t.hospital_id, t.hospital_region, t.bed, t.green, "  \
    "t.status, t.distance_km, t.reason, t.note, t.created_ms, t.updated_ms, t.version, f.name, "   \
    "p.name, p.phone, p.sex, p.birth_date"

static json_t *tr_json(struct db_stmt *st, const char *today)
{
    json_t *j = json_object();
    char t[32], phm[32];
    json_object_set_new(j, "id", json_integer(db_col_int(st, 0)));
    json_object_set_new(j, "episode_id", json_integer(db_col_int(st, 1)));
    json_object_set_new(j, "person_id", json_integer(db_col_int(st, 2)));
    json_object_set_new(j, "grid", json_string(db_col_text(st, 3)));
    json_object_set_new(j, "hospital_id", json_integer(db_col_int(st, 4)));
    json_object_set_new(j, "hospital_region", json_string(db_col_text(st, 5)));
    json_object_set_new(j, "bed", json_string(db_col_text(st, 6)));
    json_object_set_new(j, "green", json_boolean(db_col_int(st, 7) != 0));
    json_object_set_new(j, "status", json_string(db_col_text(st, 8)));
    json_object_set_new(j, "distance_km",
                        db_col_null(st, 9) ? json_null() : json_real(db_col_double(st, 9)));
    json_object_set_new(j, "reason",
                        db_col_text(st, 10) ? json_string(db_col_text(st, 10)) : json_null());
    json_object_set_new(j, "note",
                        db_col_text(st, 11) ? json_string(db_col_text(st, 11)) : json_null());
    util_iso8601(t, db_col_int(st, 12));
    json_object_set_new(j, "created", json_string(t));
    util_iso8601(t, db_col_int(st, 13));
    json_object_set_new(j, "updated", json_string(t));
    json_object_set_new(j, "version", json_integer(db_col_int(st, 14)));
    json_object_set_new(j, "hospital", json_string(db_col_text(st, 15)));
    json_object_set_new(j, "person_name", json_string(db_col_text(st, 16)));
    comm_phone_mask(db_col_text(st, 17) ? db_col_text(st, 17) : "", phm);
    json_object_set_new(j, "person_phone", json_string(phm));
    json_object_set_new(j, "person_sex", json_string(db_col_text(st, 18)));
    json_object_set_new(j, "person_age", json_integer(comm_age(db_col_text(st, 19), today)));
    return j;
}

static int tr_reply(struct db_conn *c, struct http_req *r, int64_t id, int status,
                    struct crest_error *err)
{
    struct db_stmt *st = db_query(c, err,
                                  "SELECT " TR_COLS " FROM comm_transfers t JOIN facilities f ON "
                                  "f.id = t.hospital_id JOIN persons p ON p.id = t.person_id "
                                  "WHERE t.id = ?",
                                  "i", id);
    if (!st || db_step(st, err) != 1) {
        db_finalize(st);
        return err->code ? err->code : CREST_DB;
    }
    char today[11];
    comm_today(c, today);
    json_t *j = tr_json(st, today);
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)db_col_int(st, 14)));
    db_finalize(st);
    if (status == 201)
        http_add_header(r, "Location",
                        arena_printf(&r->arena, "/api/v1/community/transfers/%lld", (long long)id));
    http_reply_json(r, status, j);
    return CREST_OK;
}

static int tr_create_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    const struct tr_arg *a = arg;
    struct comm_episode e;
    struct comm_person p;
    int rc = comm_episode_get(c, a->episode_id, &e, &p, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !comm_may_see_person(r, &p))) {
        crest_error_clear(err);
        return crest_error_field(err, "episode_id", "unknown", "comm_episode_not_found", NULL);
    }
    if (rc)
        return rc;
    if (e.status != COMM_ISOLATING)
        return crest_error_field(err, "episode_id", "closed", "comm_episode_closed",
                                 comm_status_name(e.status));
    if (a->green && e.grade != COMM_RED)
        return crest_error_field(err, "green", "invalid", "comm_green_needs_red",
                                 comm_grade_name(e.grade));
    /* PostgreSQL runs writers side by side: lock the hospital so that two
     * transfers for its last bed queue here and the second one counts the
     * first one's reservation. SQLite has one writer anyway. */
    if (db_conn_kind(c) == DB_PG &&
        db_exec(c, err, NULL, "SELECT id FROM facilities WHERE id = ? FOR UPDATE", "i",
                a->hospital_id) != CREST_OK)
        return err->code;
    struct db_stmt *st = db_query(c, err, FREE_ONE_SQL, "isi", (int64_t)a->icu,
                                  a->icu ? "icu" : "general", a->hospital_id);
    if (!st)
        return err->code;
    rc = db_step(st, err);
    if (rc < 0) {
        db_finalize(st);
        return err->code;
    }
    if (rc == 0) {
        db_finalize(st);
        return crest_error_field(err, "hospital_id", "unknown", "comm_hospital_unknown", NULL);
    }
    bool designated = is_designated(db_col_text(st, 2));
    int64_t free_beds = db_col_int(st, 4);
    bool has_geo = !db_col_null(st, 5) && !db_col_null(st, 6);
    double hlat = db_col_double(st, 5), hlon = db_col_double(st, 6);
    char hregion[16];
    str_copy(hregion, sizeof hregion, db_col_text(st, 1));
    db_finalize(st);
    if (!designated && !a->green)
        return crest_error_field(err, "hospital_id", "not_designated", "comm_not_designated", NULL);
    if (free_beds <= 0) {
        crest_error_field(err, "hospital_id", "full", "comm_no_free_bed",
                          a->icu ? "ICU" : "general");
        err->code = CREST_CONFLICT;
        return CREST_CONFLICT;
    }
    int64_t open = 0;
    st =
        db_query(c, err, "SELECT id FROM comm_transfers WHERE episode_id = ? AND status IN " ACTIVE,
                 "i", e.id);
    if (!st)
        return err->code;
    if ((rc = db_step(st, err)) == 1)
        open = db_col_int(st, 0);
    db_finalize(st);
    if (rc < 0)
        return err->code;
    if (open) {
        char arg2[24];
        snprintf(arg2, sizeof arg2, "%lld", (long long)open);
        crest_error_field(err, "episode_id", "open", "comm_transfer_open", arg2);
        err->code = CREST_CONFLICT;
        return CREST_CONFLICT;
    }
    double plat, plon, km = -1;
    if (has_geo && comm_person_position(c, &p, &plat, &plon))
        km = round(comm_km(plat, plon, hlat, hlon) * 10) / 10;
    int64_t now = util_now_ms();
    st = db_query(c, err,
                  "INSERT INTO comm_transfers (episode_id, person_id, grid, hospital_id, "
                  "hospital_region, bed, green, status, distance_km, reason, created_by, "
                  "created_ms, updated_ms, version) VALUES (?, ?, ?, ?, ?, ?, ?, 'reserved', "
                  "NULLIF(CAST(? AS DOUBLE PRECISION), -1), ?, ?, ?, ?, 1) RETURNING id",
                  "iisissidsiii", e.id, p.id, e.grid, a->hospital_id, hregion,
                  a->icu ? "icu" : "general", (int64_t)a->green, km,
                  a->reason[0] ? a->reason : NULL, r->user.id, now, now);
    if (!st)
        return err->code;
    int64_t id = 0;
    if ((rc = db_step(st, err)) == 1)
        id = db_col_int(st, 0);
    db_finalize(st);
    if (rc != 1)
        return err->code;
    if ((rc = comm_audit(c, r, "reserve", "transfer", id, e.grid, err)) != CREST_OK)
        return rc;
    return tr_reply(c, r, id, 201, err);
}

void comm_api_transfer_create(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct tr_arg *a = arena_alloc(&r->arena, sizeof *a);
    memset(a, 0, sizeof *a);
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        jdec_int(&d, "episode_id", true, 1, INT64_MAX, &a->episode_id);
        jdec_int(&d, "hospital_id", true, 1, INT64_MAX, &a->hospital_id);
        const char *bed = jdec_str(&d, "bed", true, 1, 16);
        bool g = false;
        if (jdec_bool(&d, "green", false, &g))
            a->green = g;
        const char *why = jdec_str(&d, "reason", false, 0, 200);
        if (why)
            str_copy(a->reason, sizeof a->reason, why);
        if (bed && !parse_bed(bed, &a->icu))
            crest_error_field(&err, "bed", "invalid", "field_range", "general | icu");
        jdec_end(&d);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, tr_create_fn, a);
}

void comm_api_transfer_list(struct http_req *r)
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
    const char *status = http_query(r, "status");
    static const char *const sts[] = {"reserved", "accepted",  "declined",
                                      "arrived",  "cancelled", "active"};
    bool ok = !status;
    for (int i = 0; status && i < 6; i++)
        ok = ok || strcmp(status, sts[i]) == 0;
    if (!ok)
        crest_error_field(&err, "status", "invalid", "field_range",
                          "active | reserved | accepted | declined | arrived | cancelled");
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    /* a hospital sees the transfers coming to it, wherever the patient
     * lives; everyone else the transfers of the grids in their scope */
    bool hosp = r->user.role == ROLE_HOSPITAL;
    int64_t own = hosp ? r->user.facility_id : 0;
    bool active = status && strcmp(status, "active") == 0;
    struct db_conn *c = db_acquire(http_db(r));
    char today[11];
    comm_today(c, today);
    struct db_stmt *st = db_query(
        c, &err,
        "SELECT " TR_COLS " FROM comm_transfers t JOIN facilities f ON f.id = t.hospital_id JOIN "
        "persons p ON p.id = t.person_id WHERE ((? = 1 AND t.hospital_id = ?) OR (? = 0 AND "
        "t.grid >= ? AND t.grid < ?)) AND t.id > ? AND (? = '' OR (? = 1 AND t.status IN " ACTIVE
        ") OR t.status = ?) ORDER BY t.id LIMIT ?",
        "iiissisisi", (int64_t)hosp, own, (int64_t)hosp, region, upper, after, status ? status : "",
        (int64_t)active, status ? status : "", limit + 1);
    json_t *items = json_array();
    int rc = st ? 0 : -1;
    int64_t n = 0, last = 0;
    bool more = false;
    while (st && (rc = db_step(st, &err)) == 1) {
        if (n == limit) {
            more = true;
            break;
        }
        json_array_append_new(items, tr_json(st, today));
        last = db_col_int(st, 0);
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

static int tr_update_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    const struct tr_arg *a = arg;
    struct db_stmt *st =
        db_query(c, err,
                 "SELECT t.status, t.grid, t.hospital_id, t.bed, t.episode_id, t.version FROM "
                 "comm_transfers t WHERE t.id = ?",
                 "i", a->id);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    char cur[16] = "", grid[16] = "", bed[16] = "";
    int64_t hospital = 0, episode = 0, version = 0;
    if (rc == 1) {
        str_copy(cur, sizeof cur, db_col_text(st, 0));
        str_copy(grid, sizeof grid, db_col_text(st, 1));
        hospital = db_col_int(st, 2);
        str_copy(bed, sizeof bed, db_col_text(st, 3));
        episode = db_col_int(st, 4);
        version = db_col_int(st, 5);
    }
    db_finalize(st);
    if (rc < 0)
        return err->code;
    bool hosp = r->user.role == ROLE_HOSPITAL;
    if (rc == 0 || (hosp && hospital != r->user.facility_id) ||
        (!hosp && !auth_in_scope(&r->user, grid)))
        return comm_not_found(err, "comm_transfer_not_found");
    if (a->if_match >= 0 && a->if_match != version) {
        http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)version));
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", "%lld",
                               (long long)version);
    }
    struct jdec d;
    const char *status = NULL, *note = NULL;
    if (jdec_begin(&d, a->body, a->n, err) == CREST_OK) {
        status = jdec_str(&d, "status", true, 1, 16);
        note = jdec_str(&d, "note", false, 0, 200);
        jdec_end(&d);
    }
    char next[16] = "", note_copy[801] = "";
    str_copy(next, sizeof next, status ? status : "");
    str_copy(note_copy, sizeof note_copy, note ? note : "");
    jdec_free(&d);
    if (err->code)
        return err->code;
    /* who may do what: the hospital accepts, declines, records arrival;
     * the sender (grid, command) cancels while the bed is held */
    bool ok = comm_transfer_transition_ok(hosp, cur, next);
    if (!ok)
        return crest_error_field(err, "status", "transition", "comm_transfer_transition", cur);
    if (strcmp(next, "declined") == 0 && !note_copy[0])
        return crest_error_field(err, "note", "required", "comm_transfer_decline_note", NULL);
    int64_t now = util_now_ms(), changed = 0;
    rc = db_exec(c, err, &changed,
                 "UPDATE comm_transfers SET status = ?, note = coalesce(?, note), updated_ms = ?, "
                 "version = version + 1 WHERE id = ? AND version = ?",
                 "ssiii", next, note_copy[0] ? note_copy : NULL, now, a->id, version);
    if (rc)
        return rc;
    if (changed != 1)
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", NULL);
    if (strcmp(next, "arrived") == 0) {
        /* the episode ends as transferred; the patient now occupies a bed
         * (the hospital's next report counts them itself) */
        struct comm_episode e;
        if ((rc = comm_episode_get(c, episode, &e, NULL, err)) != CREST_OK)
            return rc;
        if (e.status == COMM_ISOLATING) {
            int64_t bnow = comm_now_ms(c);
            e.status = COMM_TRANSFERRED;
            e.ended_ms = bnow;
            comm_ms_date(bnow, e.end_date);
            e.alert = false;
            if ((rc = comm_episode_save(c, &e, err)) != CREST_OK)
                return rc;
        }
        bool icu = strcmp(bed, "icu") == 0;
        if ((rc = db_exec(c, err, NULL,
                          "UPDATE capacity_latest SET occupied_beds = occupied_beds + 1, "
                          "icu_occupied = icu_occupied + ? WHERE facility_id = ?",
                          "ii", (int64_t)icu, hospital)) != CREST_OK)
            return rc;
    }
    if ((rc = comm_audit(c, r, next, "transfer", a->id, grid, err)) != CREST_OK)
        return rc;
    return tr_reply(c, r, a->id, 200, err);
}

void comm_api_transfer_update(struct http_req *r)
{
    struct tr_arg *a = arena_alloc(&r->arena, sizeof *a);
    memset(a, 0, sizeof *a);
    a->body = r->body.p;
    a->n = r->body.n;
    if (!comm_parse_id(r, "id", &a->id)) {
        http_reply_problem(r, CREST_NOTFOUND, "comm_transfer_not_found");
        return;
    }
    a->if_match = http_if_match(r);
    if (a->if_match == -2) {
        struct crest_error err;
        crest_error_clear(&err);
        crest_error_field(&err, "If-Match", "format", "if_match_invalid", NULL);
        http_reply_error(r, &err);
        return;
    }
    http_write(r, tr_update_fn, a);
}
