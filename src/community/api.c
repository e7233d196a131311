/*
 * api.c - the community pillar's handlers for persons, the isolation ledger,
 * follow-ups, the grid worker's day list and a resident's own pages.
 *
 * Scope: a person belongs to a grid (a 15-digit region code); outside the
 * caller's scope it is a 404. A resident sees only the person linked to
 * their login. Lists mask ID numbers and phones; the full record is shown
 * by the detail endpoints, and each such read is audited (it runs in a
 * write transaction for that reason).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/jdec.h"
#include "../base/str.h"
#include "../base/util.h"
#include "../base/validate.h"
#include "../capacity/capacity.h"
#include "../db/audit.h"
#include "../http/http.h"
#include "../region/region.h"
#include "api.h"

/* ---- shared helpers (api.h) ---- */

bool comm_parse_id(struct http_req *r, const char *name, int64_t *id)
{
    const char *s = http_param(r, name);
    return s && str_to_i64(str_of(s), id) && *id > 0;
}

int comm_audit(struct db_conn *c, struct http_req *r, const char *action, const char *entity,
               int64_t id, const char *region, struct crest_error *err)
{
    char sid[24];
    snprintf(sid, sizeof sid, "%lld", (long long)id);
    struct audit_entry e = {r->user.id, r->user.username, role_name(r->user.role),
                            action,     entity,           sid,
                            region,     r->addr};
    return audit_append(c, &e, err);
}

bool comm_may_see_person(const struct http_req *r, const struct comm_person *p)
{
    if (r->user.role == ROLE_RESIDENT)
        return p->user_id == r->user.id;
    return auth_in_scope(&r->user, p->grid);
}

int comm_not_found(struct crest_error *err, const char *key)
{
    crest_error_clear(err);
    return crest_error_set(err, CREST_NOTFOUND, key, NULL);
}

void comm_today(struct db_conn *c, char out[11])
{
    comm_ms_date(comm_now_ms(c), out);
}

json_t *comm_person_json(const struct comm_person *p, bool full, const char *today)
{
    json_t *j = json_object();
    char idm[19], phm[32];
    comm_id_mask(p->id_number, idm);
    comm_phone_mask(p->phone, phm);
    json_object_set_new(j, "id", json_integer(p->id));
    json_object_set_new(j, "id_number", json_string(full ? p->id_number : idm));
    json_object_set_new(j, "name", json_string(p->name));
    json_object_set_new(j, "sex", json_string(p->sex == 'M' ? "M" : "F"));
    json_object_set_new(j, "age", json_integer(comm_age(p->birth, today)));
    if (full)
        json_object_set_new(j, "birth_date", json_string(p->birth));
    json_object_set_new(j, "phone", p->phone[0] ? json_string(full ? p->phone : phm) : json_null());
    json_object_set_new(j, "grid", json_string(p->grid));
    if (full) {
        json_object_set_new(j, "address", p->address[0] ? json_string(p->address) : json_null());
        json_object_set_new(j, "household",
                            p->household[0] ? json_string(p->household) : json_null());
        json_object_set_new(j, "lat", p->has_geo ? json_real(p->lat) : json_null());
        json_object_set_new(j, "lon", p->has_geo ? json_real(p->lon) : json_null());
        json_object_set_new(j, "resident_login", json_boolean(p->user_id != 0));
    }
    json_t *needs = json_object();
    json_object_set_new(needs, "living_alone", json_boolean(p->living_alone));
    json_object_set_new(needs, "pregnant", json_boolean(p->pregnant));
    json_object_set_new(needs, "due_date", p->due_date[0] ? json_string(p->due_date) : json_null());
    json_object_set_new(needs, "haemodialysis", json_boolean(p->haemodialysis));
    json_object_set_new(needs, "disability", json_boolean(p->disability));
    json_object_set_new(needs, "bedridden", json_boolean(p->bedridden));
    json_t *ch = json_array();
    struct comm_needs n;
    comm_person_needs(p, today, &n);
    for (int i = 0; i < n.nchronic; i++)
        json_array_append_new(ch, json_string(n.chronic[i]));
    json_object_set_new(needs, "chronic", ch);
    json_object_set_new(j, "needs", needs);
    json_object_set_new(j, "version", json_integer(p->version));
    return j;
}

/* the JSON names of enum comm_rule, in its order */
static const char *const reason_rules[] = {"spo2",        "fever_days", "symptom", "need",
                                           "age_chronic", "age",        "chronic", "infant",
                                           "temperature", "none"};

static json_t *reasons_json(const char *stored, enum comm_grade grade, const char *lang,
                            json_t **text)
{
    struct comm_grading g;
    memset(&g, 0, sizeof g);
    g.grade = grade;
    json_t *a = json_array();
    if (!comm_reasons_decode(stored, &g))
        g.nreasons = 0;
    for (int i = 0; i < g.nreasons; i++) {
        char t[192];
        comm_reason_text(&g.reason[i], lang, t, sizeof t);
        json_t *o = json_object();
        json_object_set_new(o, "rule", json_string(reason_rules[g.reason[i].rule]));
        json_object_set_new(o, "text", json_string(t));
        json_array_append_new(a, o);
    }
    char all[1024];
    comm_grading_text(&g, lang, all, sizeof all);
    *text = json_string(all);
    return a;
}

static json_t *ms_json(int64_t ms)
{
    if (!ms)
        return json_null();
    char t[32];
    util_iso8601(t, ms);
    return json_string(t);
}

json_t *comm_episode_json(const struct comm_episode *e, const char *lang, int64_t now_ms)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(e->id));
    json_object_set_new(j, "person_id", json_integer(e->person_id));
    json_object_set_new(j, "grid", json_string(e->grid));
    json_object_set_new(j, "kind", json_string(comm_kind_name(e->kind)));
    json_object_set_new(j, "source", json_string(comm_source_name(e->source)));
    json_object_set_new(j, "start_date", json_string(e->start_date));
    json_object_set_new(j, "planned_end", json_string(e->planned_end));
    json_object_set_new(j, "status", json_string(comm_status_name(e->status)));
    json_object_set_new(j, "grade", json_string(comm_grade_name(e->grade)));
    json_t *text;
    json_object_set_new(j, "reasons", reasons_json(e->reasons, e->grade, lang, &text));
    json_object_set_new(j, "grade_reason", text);
    json_object_set_new(j, "alert", json_boolean(e->alert));
    json_object_set_new(j, "last_followup", ms_json(e->last_followup_ms));
    json_object_set_new(j, "next_due", ms_json(e->next_due_ms));
    json_object_set_new(j, "overdue",
                        json_boolean(e->status == COMM_ISOLATING && e->next_due_ms <= now_ms));
    json_object_set_new(j, "last_temp", e->has_temp ? json_real(e->last_temp) : json_null());
    json_object_set_new(j, "last_spo2", e->has_spo2 ? json_integer(e->last_spo2) : json_null());
    json_object_set_new(j, "self_report_pending", json_boolean(e->self_report_pending));
    json_object_set_new(j, "end_date", e->end_date[0] ? json_string(e->end_date) : json_null());
    json_object_set_new(j, "version", json_integer(e->version));
    return j;
}

/* ---- persons ---- */

/* Lists of codes in a JSON body: chronic diseases, symptoms. */
static bool code_list(struct jdec *d, const char *field, bool (*ok)(const char *, const void *),
                      const void *ctx, char *out, size_t cap, unsigned *bits,
                      int (*bit)(const char *))
{
    if (!jdec_has(d, field))
        return false;
    json_t *a = json_object_get(d->root, field);
    if (!json_is_array(a) || json_array_size(a) > 16) {
        crest_error_field(d->err, field, "type", "field_not_list", NULL);
        return false;
    }
    size_t i, n = 0;
    json_t *v;
    if (out)
        out[0] = 0;
    json_array_foreach(a, i, v)
    {
        const char *s = json_string_value(v);
        char path[64];
        snprintf(path, sizeof path, "%s[%zu]", field, i);
        if (!s || (ok && !ok(s, ctx)) || (bit && bit(s) < 0)) {
            crest_error_field(d->err, path, "invalid", "comm_code_unknown", s ? s : "");
            continue;
        }
        if (out && n + strlen(s) + 2 < cap)
            n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "," : "", s);
        if (bits)
            *bits |= 1u << bit(s);
    }
    return true;
}

static bool chronic_ok(const char *s, const void *ctx)
{
    return comm_chronic_known(ctx, s);
}

void comm_person_decode(struct jdec *d, struct comm_person *p, bool create, const char *today,
                        struct crest_error *err)
{
    const char *idn = create ? jdec_str(d, "id_number", true, 18, 18) : NULL;
    const char *name = jdec_str(d, "name", create, 1, 50);
    const char *phone = jdec_str(d, "phone", false, 0, 20);
    const char *address = jdec_str(d, "address", false, 0, 200);
    const char *grid = jdec_str(d, "grid", create, 1, 32);
    const char *household = jdec_str(d, "household", false, 0, 32);
    const char *birth = jdec_str(d, "birth_date", false, 10, 10);
    const char *sex = jdec_str(d, "sex", false, 1, 1);
    const char *due = jdec_str(d, "due_date", false, 0, 10);
    bool b;
    if (jdec_bool(d, "living_alone", false, &b))
        p->living_alone = b;
    if (jdec_bool(d, "pregnant", false, &b))
        p->pregnant = b;
    if (jdec_bool(d, "haemodialysis", false, &b))
        p->haemodialysis = b;
    if (jdec_bool(d, "disability", false, &b))
        p->disability = b;
    if (jdec_bool(d, "bedridden", false, &b))
        p->bedridden = b;
    code_list(d, "chronic", chronic_ok, policy_current(), p->chronic, sizeof p->chronic, NULL,
              NULL);
    double lat = 0, lon = 0;
    bool has_lat = jdec_double(d, "lat", false, 26.5, 31.5, &lat);
    bool has_lon = jdec_double(d, "lon", false, 117.5, 123.5, &lon);
    if (has_lat && has_lon) {
        p->lat = lat;
        p->lon = lon;
        p->has_geo = true;
    } else if (has_lat != has_lon) {
        crest_error_field(err, has_lat ? "lon" : "lat", "required", "cap_latlon_pair", NULL);
    }
    if (idn) {
        char up[19];
        str_copy(up, sizeof up, idn);
        if (up[17] == 'x')
            up[17] = 'X';
        struct comm_idnum id;
        switch (comm_id_parse(up, today, &id)) {
        case COMM_ID_OK:
            str_copy(p->id_number, sizeof p->id_number, up);
            str_copy(p->birth, sizeof p->birth, id.birth);
            p->sex = id.sex;
            if (birth && strcmp(birth, id.birth) != 0)
                crest_error_field(err, "birth_date", "mismatch", "comm_birth_mismatch", id.birth);
            if (sex && sex[0] != id.sex)
                crest_error_field(err, "sex", "mismatch", "comm_sex_mismatch",
                                  id.sex == 'M' ? "M" : "F");
            break;
        case COMM_ID_FORMAT:
            crest_error_field(err, "id_number", "format", "comm_id_format", NULL);
            break;
        case COMM_ID_DATE: crest_error_field(err, "id_number", "date", "comm_id_date", NULL); break;
        case COMM_ID_CHECKSUM:
            /* the expected check digit is not echoed: it would hide a typo
             * in another digit */
            crest_error_field(err, "id_number", "checksum", "comm_id_checksum", NULL);
            break;
        }
    } else if ((birth && strcmp(birth, p->birth) != 0) || (sex && sex[0] != p->sex)) {
        /* birth date and sex come from the ID number and cannot drift */
        crest_error_field(err, birth ? "birth_date" : "sex", "readonly", "comm_from_id", NULL);
    }
    if (sex && sex[0] != 'M' && sex[0] != 'F')
        crest_error_field(err, "sex", "invalid", "field_range", "M | F");
    if (name)
        str_copy(p->name, sizeof p->name, name);
    if (phone) {
        if (phone[0] && !validate_phone(phone))
            crest_error_field(err, "phone", "format", "phone_invalid", NULL);
        else
            str_copy(p->phone, sizeof p->phone, phone);
    }
    if (address)
        str_copy(p->address, sizeof p->address, address);
    if (household)
        str_copy(p->household, sizeof p->household, household);
    if (grid) {
        char code[REGION_CODE_MAX];
        if (region_code_normalize(grid, code, "grid", err) == CREST_OK) {
            if (strlen(code) != 15)
                crest_error_field(err, "grid", "level", "comm_grid_level", NULL);
            else
                str_copy(p->grid, sizeof p->grid, code);
        }
    }
    if (due) {
        if (due[0] && !validate_date(due))
            crest_error_field(err, "due_date", "format", "field_date", NULL);
        else
            str_copy(p->due_date, sizeof p->due_date, due);
    }
    if (p->due_date[0] && !p->pregnant)
        crest_error_field(err, "due_date", "invalid", "comm_due_not_pregnant", NULL);
    if (p->pregnant && p->sex == 'M')
        crest_error_field(err, "pregnant", "invalid", "comm_pregnant_male", NULL);
}

/* The grid must exist and be in the caller's scope. */
int comm_grid_in_scope(struct db_conn *c, struct http_req *r, const char *grid,
                       struct crest_error *err)
{
    return capacity_region_in_scope(c, r, grid, "grid", err);
}

struct person_arg {
    struct comm_person p;
    int64_t id, if_match;
    const char *body;
    size_t n;
};

static int person_create_fn(struct db_conn *c, struct http_req *r, void *arg,
                            struct crest_error *err)
{
    struct person_arg *a = arg;
    struct comm_person p = a->p; /* the fn may run twice: work on a copy */
    int rc = comm_grid_in_scope(c, r, p.grid, err);
    if (rc)
        return rc;
    if ((rc = comm_person_insert(c, &p, err)) != CREST_OK)
        return rc;
    if ((rc = comm_audit(c, r, "create", "person", p.id, p.grid, err)) != CREST_OK)
        return rc;
    char today[11];
    comm_today(c, today);
    http_add_header(r, "Location",
                    arena_printf(&r->arena, "/api/v1/persons/%lld", (long long)p.id));
    http_add_header(r, "ETag", "\"1\"");
    http_reply_json(r, 201, comm_person_json(&p, true, today));
    return CREST_OK;
}

void comm_api_person_create(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct person_arg a;
    memset(&a, 0, sizeof a);
    char today[11];
    {
        struct db_conn *c = db_acquire(http_db(r));
        comm_today(c, today);
        db_release(http_db(r), c);
    }
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        comm_person_decode(&d, &a.p, true, today, &err);
        jdec_end(&d);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, person_create_fn, &a);
}

static int person_get_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct person_arg *a = arg;
    struct comm_person p;
    int rc = comm_person_get(c, a->id, &p, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !comm_may_see_person(r, &p)))
        return comm_not_found(err, "comm_person_not_found");
    if (rc)
        return rc;
    if ((rc = comm_audit(c, r, "read", "person", p.id, p.grid, err)) != CREST_OK)
        return rc;
    char today[11];
    comm_today(c, today);
    json_t *j = comm_person_json(&p, true, today);
    /* the person's episodes, newest first */
    struct db_stmt *st = db_query(c, err,
                                  "SELECT " COMM_EPISODE_COLS " FROM comm_episodes e WHERE "
                                  "e.person_id = ? ORDER BY e.id DESC LIMIT 20",
                                  "i", p.id);
    json_t *eps = json_array();
    int64_t now = comm_now_ms(c);
    while (st && (rc = db_step(st, err)) == 1) {
        struct comm_episode e;
        comm_episode_fill(st, 0, &e);
        json_array_append_new(eps, comm_episode_json(&e, r->lang, now));
    }
    db_finalize(st);
    json_object_set_new(j, "episodes", eps);
    if (!st || rc < 0) {
        json_decref(j);
        return err->code;
    }
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)p.version));
    http_reply_json(r, 200, j);
    return CREST_OK;
}

void comm_api_person_get(struct http_req *r)
{
    struct person_arg a;
    memset(&a, 0, sizeof a);
    if (!comm_parse_id(r, "id", &a.id)) {
        http_reply_problem(r, CREST_NOTFOUND, "comm_person_not_found");
        return;
    }
    http_write(r, person_get_fn, &a);
}

static int person_update_fn(struct db_conn *c, struct http_req *r, void *arg,
                            struct crest_error *err)
{
    struct person_arg *a = arg;
    struct comm_person p;
    int rc = comm_person_get(c, a->id, &p, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !comm_may_see_person(r, &p)))
        return comm_not_found(err, "comm_person_not_found");
    if (rc)
        return rc;
    if (p.version != a->if_match) {
        http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)p.version));
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", "%lld",
                               (long long)p.version);
    }
    char today[11], old_grid[16];
    comm_today(c, today);
    str_copy(old_grid, sizeof old_grid, p.grid);
    struct jdec d;
    if (jdec_begin(&d, a->body, a->n, err) == CREST_OK) {
        comm_person_decode(&d, &p, false, today, err);
        jdec_end(&d);
    }
    jdec_free(&d);
    if (err->code)
        return err->code;
    if (strcmp(old_grid, p.grid) != 0 && (rc = comm_grid_in_scope(c, r, p.grid, err)))
        return rc;
    if ((rc = comm_person_update(c, &p, err)) != CREST_OK)
        return rc;
    if (strcmp(old_grid, p.grid) != 0 &&
        (rc = db_exec(c, err, NULL,
                      "UPDATE comm_episodes SET grid = ? WHERE person_id = ? AND status = "
                      "'isolating'",
                      "si", p.grid, p.id)) != CREST_OK)
        return rc;
    if ((rc = comm_audit(c, r, "update", "person", p.id, p.grid, err)) != CREST_OK)
        return rc;
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)p.version));
    http_reply_json(r, 200, comm_person_json(&p, true, today));
    return CREST_OK;
}

void comm_api_person_update(struct http_req *r)
{
    struct person_arg a;
    memset(&a, 0, sizeof a);
    a.body = r->body.p;
    a.n = r->body.n;
    if (!comm_parse_id(r, "id", &a.id)) {
        http_reply_problem(r, CREST_NOTFOUND, "comm_person_not_found");
        return;
    }
    if (!http_require_if_match(r, &a.if_match))
        return;
    http_write(r, person_update_fn, &a);
}

void comm_api_person_list(struct http_req *r)
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
    const char *need = http_query(r, "need");
    static const char *const needs[] = {"living_alone", "pregnant", "haemodialysis", "disability",
                                        "bedridden",    "chronic",  "elderly"};
    int need_i = -1;
    for (int i = 0; need && i < 7; i++)
        if (strcmp(need, needs[i]) == 0)
            need_i = i;
    if (need && need_i < 0)
        crest_error_field(&err, "need", "invalid", "field_range",
                          "living_alone | pregnant | haemodialysis | disability | bedridden | "
                          "chronic | elderly");
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    struct db_conn *c = db_acquire(http_db(r));
    char today[11], born_before[11];
    comm_today(c, today);
    /* elderly: born on or before today minus elderly_min_age years */
    snprintf(born_before, sizeof born_before, "%04d%s",
             (int)(strtol(today, NULL, 10) - policy_current()->community.elderly_min_age),
             today + 4);
    char sql[1024];
    static const char *const where[] = {
        "p.living_alone = 1", "p.pregnant = 1",  "p.haemodialysis = 1", "p.disability = 1",
        "p.bedridden = 1",    "p.chronic <> ''", "p.birth_date <= ?"};
    snprintf(sql, sizeof sql,
             "SELECT " COMM_PERSON_COLS " FROM persons p WHERE p.grid >= ? AND p.grid < ? AND "
             "p.id > ? AND %s %s ORDER BY p.id LIMIT ?",
             need_i >= 0 ? where[need_i] : "1 = 1", "AND (? = 0 OR p.user_id = ?)");
    struct db_stmt *st;
    int64_t uid = r->user.role == ROLE_RESIDENT ? r->user.id : 0;
    if (need_i == 6)
        st = db_query(c, &err, sql, "ssisiii", region, upper, after, born_before, uid, uid,
                      limit + 1);
    else
        st = db_query(c, &err, sql, "ssiiii", region, upper, after, uid, uid, limit + 1);
    json_t *items = json_array();
    int rc = st ? 0 : -1;
    int64_t n = 0, last = 0;
    bool more = false;
    while (st && (rc = db_step(st, &err)) == 1) {
        if (n == limit) {
            more = true;
            break;
        }
        struct comm_person p;
        comm_person_fill(st, 0, &p);
        json_array_append_new(items, comm_person_json(&p, false, today));
        last = p.id;
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

/* ---- the same JSON written straight into a buffer, for long lists ----
 * The grid worker's list of 500 entries built with jansson costs ~10 ms of
 * allocations; these write the same keys (comm_episode_json, without the
 * per-reason array, and the masked comm_person_json) without building a
 * tree. */

/* Pieces without printf: glibc copies a format's literal text a byte at a
 * time into a string, which was the biggest cost of a 500-entry list. */
static void put_int(struct buf *b, int64_t v)
{
    char t[24], *p = t + sizeof t;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    buf_append(b, p, (size_t)(t + sizeof t - p));
}

/* ,"key": then a value */
static void put_key(struct buf *b, const char *key)
{
    buf_puts(b, ",\"");
    buf_puts(b, key);
    buf_puts(b, "\":");
}

static void put_bool(struct buf *b, const char *key, bool v)
{
    put_key(b, key);
    buf_puts(b, v ? "true" : "false");
}

static void put_str(struct buf *b, const char *key, const char *v)
{
    put_key(b, key);
    buf_json_str(b, v);
}

static void put_time(struct buf *b, const char *key, int64_t ms)
{
    put_key(b, key);
    if (!ms) {
        buf_puts(b, "null");
        return;
    }
    char t[32];
    util_iso8601(t, ms);
    buf_json_str(b, t);
}

void comm_episode_write(struct buf *b, const struct comm_episode *e, const char *lang,
                        int64_t now_ms, bool reasons)
{
    buf_puts(b, "{\"id\":");
    put_int(b, e->id);
    put_key(b, "person_id");
    put_int(b, e->person_id);
    put_str(b, "grid", e->grid);
    put_str(b, "kind", comm_kind_name(e->kind));
    put_str(b, "source", comm_source_name(e->source));
    put_str(b, "start_date", e->start_date);
    put_str(b, "planned_end", e->planned_end);
    put_str(b, "status", comm_status_name(e->status));
    put_str(b, "grade", comm_grade_name(e->grade));
    struct comm_grading g;
    memset(&g, 0, sizeof g);
    g.grade = e->grade;
    if (!comm_reasons_decode(e->reasons, &g))
        g.nreasons = 0;
    /* a list carries the joined text only (what the pages show); the
     * reasons one by one are in the entry's own answer */
    if (reasons) {
        put_key(b, "reasons");
        buf_puts(b, "[");
        for (int i = 0; i < g.nreasons; i++) {
            char t[192];
            comm_reason_text(&g.reason[i], lang, t, sizeof t);
            buf_puts(b, i ? ",{\"rule\":" : "{\"rule\":");
            buf_json_str(b, reason_rules[g.reason[i].rule]);
            put_str(b, "text", t);
            buf_puts(b, "}");
        }
        buf_puts(b, "]");
    }
    char all[1024];
    comm_grading_text(&g, lang, all, sizeof all);
    put_str(b, "grade_reason", all);
    put_bool(b, "alert", e->alert);
    put_time(b, "last_followup", e->last_followup_ms);
    put_time(b, "next_due", e->next_due_ms);
    put_bool(b, "overdue", e->status == COMM_ISOLATING && e->next_due_ms <= now_ms);
    put_key(b, "last_temp");
    if (e->has_temp) {
        /* one decimal, as the reading was taken */
        int64_t t10 = (int64_t)(e->last_temp * 10 + (e->last_temp >= 0 ? 0.5 : -0.5));
        put_int(b, t10 / 10);
        char d[3] = {'.', (char)('0' + (t10 < 0 ? -t10 : t10) % 10), 0};
        buf_puts(b, d);
    } else {
        buf_puts(b, "null");
    }
    put_key(b, "last_spo2");
    if (e->has_spo2)
        put_int(b, e->last_spo2);
    else
        buf_puts(b, "null");
    put_bool(b, "self_report_pending", e->self_report_pending);
    put_str(b, "end_date", e->end_date[0] ? e->end_date : NULL);
    put_key(b, "version");
    put_int(b, e->version);
}

void comm_person_write_masked(struct buf *b, const struct comm_person *p, const char *today)
{
    char idm[19], phm[32];
    comm_id_mask(p->id_number, idm);
    comm_phone_mask(p->phone, phm);
    buf_puts(b, "{\"id\":");
    put_int(b, p->id);
    put_str(b, "id_number", idm);
    put_str(b, "name", p->name);
    put_str(b, "sex", p->sex == 'M' ? "M" : "F");
    put_key(b, "age");
    put_int(b, comm_age(p->birth, today));
    put_str(b, "phone", p->phone[0] ? phm : NULL);
    put_str(b, "grid", p->grid);
    buf_puts(b, ",\"needs\":{\"living_alone\":");
    buf_puts(b, p->living_alone ? "true" : "false");
    put_bool(b, "pregnant", p->pregnant);
    put_str(b, "due_date", p->due_date[0] ? p->due_date : NULL);
    put_bool(b, "haemodialysis", p->haemodialysis);
    put_bool(b, "disability", p->disability);
    put_bool(b, "bedridden", p->bedridden);
    buf_puts(b, ",\"chronic\":[");
    struct comm_needs n;
    comm_person_needs(p, today, &n);
    for (int i = 0; i < n.nchronic; i++) {
        if (i)
            buf_puts(b, ",");
        buf_json_str(b, n.chronic[i]);
    }
    buf_puts(b, "]}");
    put_key(b, "version");
    put_int(b, p->version);
    buf_puts(b, "}");
}
