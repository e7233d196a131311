/*
 * store.c - the capacity pillar's SQL: facilities and their daily reports.
 * A correction never overwrites: the old report row stays, marked superseded,
 * and the new one carries version + 1 (a partial unique index keeps exactly
 * one current report per facility and date).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../base/str.h"
#include "../base/util.h"
#include "capacity.h"

void capacity_facility_fill(struct db_stmt *st, struct cap_facility *f)
{
    memset(f, 0, sizeof *f);
    f->id = db_col_int(st, 0);
    str_copy(f->region, sizeof f->region, db_col_text(st, 1));
    int k = cap_kind_parse(db_col_text(st, 2)), l = cap_level_parse(db_col_text(st, 3));
    int c = cap_category_parse(db_col_text(st, 4)), r = cap_role_parse(db_col_text(st, 5));
    f->facts.kind = k < 0 ? CAP_HOSPITAL : (enum cap_kind)k;
    f->facts.level = l < 0 ? CAP_LEVEL_NONE : (enum cap_level)l;
    f->facts.category = c < 0 ? CAP_CAT_NONE : (enum cap_category)c;
    f->facts.role = r < 0 ? CAP_ROLE_NONE : (enum cap_role)r;
    str_copy(f->name, sizeof f->name, db_col_text(st, 6));
    str_copy(f->address, sizeof f->address, db_col_text(st, 7));
    str_copy(f->phone, sizeof f->phone, db_col_text(st, 8));
    f->has_geo = !db_col_null(st, 9) && !db_col_null(st, 10);
    f->lat = db_col_double(st, 9);
    f->lon = db_col_double(st, 10);
    str_copy(f->opened, sizeof f->opened, db_col_text(st, 11));
    f->active = db_col_int(st, 12) != 0;
    f->version = db_col_int(st, 13);
}

void capacity_report_fill(struct db_stmt *st, int col, struct cap_report *rep)
{
    str_copy(rep->date, sizeof rep->date, db_col_text(st, col));
    rep->open_beds = db_col_int(st, col + 1);
    rep->occupied_beds = db_col_int(st, col + 2);
    rep->icu_beds = db_col_int(st, col + 3);
    rep->icu_occupied = db_col_int(st, col + 4);
    rep->icu_convertible = db_col_int(st, col + 5);
    rep->fever_clinic = db_col_int(st, col + 6) != 0;
    rep->fever_24h = db_col_int(st, col + 7) != 0;
    rep->fever_visits = db_col_int(st, col + 8);
    rep->ventilators = db_col_int(st, col + 9);
}

int capacity_facility_get(struct db_conn *c, int64_t id, struct cap_facility *out,
                          struct crest_error *err)
{
    struct db_stmt *st =
        db_query(c, err, "SELECT " CAP_FAC_COLS " FROM facilities WHERE id = ?", "i", id);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1)
        capacity_facility_fill(st, out);
    db_finalize(st);
    if (rc < 0)
        return err->code;
    return rc == 1 ? CREST_OK : CREST_NOTFOUND;
}

static const char *nz(const char *s)
{
    return s && s[0] ? s : NULL;
}

int capacity_facility_insert(struct db_conn *c, struct cap_facility *f, struct crest_error *err)
{
    int64_t now = util_now_ms();
    const char *sql = "INSERT INTO facilities (region, kind, level, category, role, name, address, "
                      "phone, lat, lon, opened, active, version, created_ms, updated_ms) VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?) RETURNING id";
    struct db_stmt *st;
    if (f->has_geo)
        st = db_query(c, err, sql, "ssssssssddsii", f->region, cap_kind_name(f->facts.kind),
                      cap_level_name(f->facts.level), cap_category_name(f->facts.category),
                      cap_role_name(f->facts.role), f->name, nz(f->address), nz(f->phone), f->lat,
                      f->lon, nz(f->opened), now, now);
    else
        st = db_query(c, err, sql, "ssssssssnnsii", f->region, cap_kind_name(f->facts.kind),
                      cap_level_name(f->facts.level), cap_category_name(f->facts.category),
                      cap_role_name(f->facts.role), f->name, nz(f->address), nz(f->phone),
                      nz(f->opened), now, now);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1)
        f->id = db_col_int(st, 0);
    db_finalize(st);
    f->version = 1;
    f->active = true;
    return rc == 1 ? CREST_OK : err->code;
}

int capacity_facility_update(struct db_conn *c, struct cap_facility *f, struct crest_error *err)
{
    int64_t changed = 0;
    const char *sql = "UPDATE facilities SET region = ?, level = ?, category = ?, role = ?, "
                      "name = ?, address = ?, phone = ?, lat = ?, lon = ?, opened = ?, active = ?, "
                      "version = version + 1, updated_ms = ? WHERE id = ? AND version = ?";
    int rc;
    if (f->has_geo)
        rc = db_exec(c, err, &changed, sql, "sssssssddsiiii", f->region,
                     cap_level_name(f->facts.level), cap_category_name(f->facts.category),
                     cap_role_name(f->facts.role), f->name, nz(f->address), nz(f->phone), f->lat,
                     f->lon, nz(f->opened), (int64_t)f->active, util_now_ms(), f->id, f->version);
    else
        rc = db_exec(c, err, &changed, sql, "sssssssnnsiiii", f->region,
                     cap_level_name(f->facts.level), cap_category_name(f->facts.category),
                     cap_role_name(f->facts.role), f->name, nz(f->address), nz(f->phone),
                     nz(f->opened), (int64_t)f->active, util_now_ms(), f->id, f->version);
    if (rc)
        return rc;
    if (changed != 1)
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", NULL);
    f->version++;
    return CREST_OK;
}

int capacity_report_put(struct db_conn *c, const struct cap_facility *f, const struct cap_report *r,
                        int64_t if_match, int64_t user_id, int64_t *version_out,
                        int64_t *current_version, struct crest_error *err)
{
    /* PostgreSQL runs writers side by side: lock the facility so that of two
     * concurrent reports for one date the second reads the first (this
     * statement waits, the next one sees the commit) and gets the 409 or 412
     * with the current version a later request would get, not a bare unique
     * violation or a stale ETag. SQLite has one writer at a time anyway. */
    if (db_conn_kind(c) == DB_PG &&
        db_exec(c, err, NULL, "SELECT id FROM facilities WHERE id = ? FOR UPDATE", "i", f->id) !=
            CREST_OK)
        return err->code;
    struct db_stmt *st = db_query(c, err,
                                  "SELECT id, version FROM capacity_reports WHERE facility_id = ? "
                                  "AND date = ? AND superseded = 0",
                                  "is", f->id, r->date);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    int64_t old_id = 0, old_version = 0;
    if (rc == 1) {
        old_id = db_col_int(st, 0);
        old_version = db_col_int(st, 1);
    }
    db_finalize(st);
    if (rc < 0)
        return err->code;
    *current_version = old_version;
    if (old_id) {
        if (if_match < 0) {
            crest_error_field(err, "date", "exists", "cap_report_exists", r->date);
            err->code = CREST_CONFLICT;
            return CREST_CONFLICT;
        }
        if (if_match != old_version)
            return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", "%lld",
                                   (long long)old_version);
        int64_t changed = 0;
        /* the version test in WHERE makes the loser of two concurrent
         * corrections on PostgreSQL see 0 rows instead of overwriting */
        if ((rc = db_exec(c, err, &changed,
                          "UPDATE capacity_reports SET superseded = 1 WHERE id = ? AND "
                          "superseded = 0 AND version = ?",
                          "ii", old_id, old_version)) != CREST_OK)
            return rc;
        if (changed != 1)
            return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", "%lld",
                                   (long long)old_version + 1);
    } else if (if_match >= 0) {
        return crest_error_set(err, CREST_PRECONDITION, "cap_report_missing", NULL);
    }
    *version_out = old_version + 1;
    int64_t rid = 0;
    struct db_stmt *ins = db_query(
        c, err,
        "INSERT INTO capacity_reports (facility_id, region, date, open_beds, "
        "occupied_beds, icu_beds, icu_occupied, icu_convertible, fever_clinic, "
        "fever_24h, fever_visits, ventilators, version, superseded, "
        "reported_by, reported_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, 0, ?, ?) RETURNING id",
        "issiiiiiiiiiiii", f->id, f->region, r->date, r->open_beds, r->occupied_beds, r->icu_beds,
        r->icu_occupied, r->icu_convertible, (int64_t)r->fever_clinic, (int64_t)r->fever_24h,
        r->fever_visits, r->ventilators, *version_out, user_id, util_now_ms());
    if (!ins)
        return err->code;
    rc = db_step(ins, err);
    if (rc == 1)
        rid = db_col_int(ins, 0);
    db_finalize(ins);
    if (rc != 1)
        return err->code;
    return capacity_latest_put(c, f->id, rid, r, err);
}

int capacity_latest_put(struct db_conn *c, int64_t facility_id, int64_t report_id,
                        const struct cap_report *r, struct crest_error *err)
{
    /* a report for an earlier date (a late or corrected one) does not
     * replace a later one; a correction of the same date does */
    return db_exec(c, err, NULL,
                   "INSERT INTO capacity_latest (facility_id, report_id, date, open_beds, "
                   "occupied_beds, icu_beds, icu_occupied, icu_convertible, fever_clinic, "
                   "fever_24h, fever_visits, ventilators) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   "?) ON CONFLICT (facility_id) DO UPDATE SET report_id = excluded.report_id, "
                   "date = excluded.date, open_beds = excluded.open_beds, occupied_beds = "
                   "excluded.occupied_beds, icu_beds = excluded.icu_beds, icu_occupied = "
                   "excluded.icu_occupied, icu_convertible = excluded.icu_convertible, "
                   "fever_clinic = excluded.fever_clinic, fever_24h = excluded.fever_24h, "
                   "fever_visits = excluded.fever_visits, ventilators = excluded.ventilators "
                   "WHERE excluded.date >= capacity_latest.date",
                   "iisiiiiiiiii", facility_id, report_id, r->date, r->open_beds, r->occupied_beds,
                   r->icu_beds, r->icu_occupied, r->icu_convertible, (int64_t)r->fever_clinic,
                   (int64_t)r->fever_24h, r->fever_visits, r->ventilators);
}

bool capacity_today(struct db_conn *c, char out[11])
{
    struct crest_error err;
    struct db_stmt *st =
        db_query(c, &err, "SELECT value FROM settings WHERE key = 'scenario_date'", NULL);
    if (st && db_step(st, &err) == 1 && db_col_text(st, 0) && strlen(db_col_text(st, 0)) == 10) {
        str_copy(out, 11, db_col_text(st, 0));
        db_finalize(st);
        return true;
    }
    db_finalize(st);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
    return false;
}

void capacity_prefix_upper(const char *prefix, char out[20])
{
    str_copy(out, 20, prefix);
    size_t n = strlen(out);
    if (n)
        out[n - 1] = (char)(out[n - 1] + 1);
}
