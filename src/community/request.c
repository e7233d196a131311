/*
 * request.c - service requests: living supplies 生活物资, livelihood needs
 * 民生需求, health consultation 健康咨询, temporary help 临时帮扶, medicine.
 * From a resident or a grid worker; due within the policy's deadline for
 * the type, capped by the person's current grade (community.requests); every
 * change of status is an event row, and closing needs a note.
 */
#include <stdio.h>
#include <string.h>

#include "../base/jdec.h"
#include "../base/str.h"
#include "../base/util.h"
#include "../capacity/capacity.h"
#include "../http/http.h"
#include "../region/region.h"
#include "api.h"

struct req_arg {
    int64_t id, person_id, if_match;
    enum comm_req_type type;
    char detail[2001];
    const char *body;
    size_t n;
};

static int event_add(struct db_conn *c, struct http_req *r, int64_t id, const char *status,
                     const char *note, int64_t at, struct crest_error *err)
{
    return db_exec(c, err, NULL,
                   "INSERT INTO comm_request_events (request_id, status, note, by_user, by_name, "
                   "at_ms) VALUES (?, ?, ?, ?, ?, ?)",
                   "issisi", id, status, note && note[0] ? note : NULL, r->user.id,
                   r->user.username, at);
}

#define REQ_COLS                                                                                   \
    "q.id, q.person_id, q.episode_id, q.grid, q.type, q.detail, q.grade, q.status, q.due_ms, "     \
    "q.assigned_to, q.reply, q.created_ms, q.closed_ms, q.version"

static json_t *req_json(struct db_stmt *st, int64_t now)
{
    json_t *j = json_object();
    char t[32];
    json_object_set_new(j, "id", json_integer(db_col_int(st, 0)));
    json_object_set_new(j, "person_id", json_integer(db_col_int(st, 1)));
    json_object_set_new(j, "episode_id",
                        db_col_null(st, 2) ? json_null() : json_integer(db_col_int(st, 2)));
    json_object_set_new(j, "grid", json_string(db_col_text(st, 3)));
    json_object_set_new(j, "type", json_string(db_col_text(st, 4)));
    json_object_set_new(j, "detail", json_string(db_col_text(st, 5)));
    json_object_set_new(j, "grade", json_string(db_col_text(st, 6)));
    const char *status = db_col_text(st, 7);
    json_object_set_new(j, "status", json_string(status));
    int64_t due = db_col_int(st, 8);
    util_iso8601(t, due);
    json_object_set_new(j, "due", json_string(t));
    bool open = strcmp(status, "done") != 0 && strcmp(status, "cancelled") != 0;
    json_object_set_new(j, "overdue", json_boolean(open && due <= now));
    const char *as = db_col_text(st, 9), *reply = db_col_text(st, 10);
    json_object_set_new(j, "assigned_to", as ? json_string(as) : json_null());
    json_object_set_new(j, "reply", reply ? json_string(reply) : json_null());
    util_iso8601(t, db_col_int(st, 11));
    json_object_set_new(j, "created", json_string(t));
    if (!db_col_null(st, 12)) {
        util_iso8601(t, db_col_int(st, 12));
        json_object_set_new(j, "closed", json_string(t));
    } else {
        json_object_set_new(j, "closed", json_null());
    }
    json_object_set_new(j, "version", json_integer(db_col_int(st, 13)));
    return j;
}

static int req_create_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    const struct req_arg *a = arg;
    struct comm_person p;
    int rc = r->user.role == ROLE_RESIDENT ? comm_person_of_user(c, r->user.id, &p, err)
                                           : comm_person_get(c, a->person_id, &p, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !comm_may_see_person(r, &p))) {
        crest_error_clear(err);
        return crest_error_field(
            err, "person_id", "unknown",
            r->user.role == ROLE_RESIDENT ? "comm_me_register" : "comm_person_not_found", NULL);
    }
    if (rc)
        return rc;
    int64_t open_id = 0;
    if ((rc = comm_episode_open_of(c, p.id, &open_id, err)) != CREST_OK)
        return rc;
    enum comm_grade grade = COMM_GREEN;
    if (open_id) {
        struct comm_episode e;
        if ((rc = comm_episode_get(c, open_id, &e, NULL, err)) != CREST_OK)
            return rc;
        grade = e.grade;
    }
    int64_t now = comm_now_ms(c);
    int64_t due = now + comm_req_deadline_hours(a->type, grade, policy_current()) * 3600 * 1000;
    struct db_stmt *st = db_query(
        c, err,
        "INSERT INTO comm_requests (person_id, episode_id, grid, type, detail, grade, status, "
        "due_ms, created_by, created_ms, version) VALUES (?, NULLIF(CAST(? AS BIGINT), 0), ?, ?, "
        "?, ?, 'open', ?, ?, ?, 1) RETURNING id",
        "iissssiii", p.id, open_id, p.grid, comm_req_type_name(a->type), a->detail,
        comm_grade_name(grade), due, r->user.id, now);
    if (!st)
        return err->code;
    int64_t id = 0;
    if ((rc = db_step(st, err)) == 1)
        id = db_col_int(st, 0);
    db_finalize(st);
    if (rc != 1)
        return err->code;
    if ((rc = event_add(c, r, id, "open", NULL, now, err)) != CREST_OK)
        return rc;
    if ((rc = comm_audit(c, r, "create", "request", id, p.grid, err)) != CREST_OK)
        return rc;
    st = db_query(c, err, "SELECT " REQ_COLS " FROM comm_requests q WHERE q.id = ?", "i", id);
    if (!st || db_step(st, err) != 1) {
        db_finalize(st);
        return err->code ? err->code : CREST_DB;
    }
    json_t *j = req_json(st, now);
    db_finalize(st);
    http_add_header(r, "Location",
                    arena_printf(&r->arena, "/api/v1/community/requests/%lld", (long long)id));
    http_add_header(r, "ETag", "\"1\"");
    http_reply_json(r, 201, j);
    return CREST_OK;
}

void comm_api_request_create(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct req_arg *a = arena_alloc(&r->arena, sizeof *a);
    memset(a, 0, sizeof *a);
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        if (r->user.role != ROLE_RESIDENT)
            jdec_int(&d, "person_id", true, 1, INT64_MAX, &a->person_id);
        const char *type = jdec_str(&d, "type", true, 1, 32);
        const char *detail = jdec_str(&d, "detail", true, 1, 500);
        if (type) {
            int t = comm_req_type_parse(type);
            if (t < 0)
                crest_error_field(&err, "type", "invalid", "field_range",
                                  "supplies | livelihood | health | temporary_help | medicine");
            else
                a->type = (enum comm_req_type)t;
        }
        if (detail)
            str_copy(a->detail, sizeof a->detail, detail);
        jdec_end(&d);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, req_create_fn, a);
}

void comm_api_request_list(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char region[REGION_CODE_MAX], upper[20];
    if (!region_api_param(r, region))
        return;
    capacity_prefix_upper(region, upper);
    int64_t after = 0, limit = 100, overdue = 0;
    http_query_int(r, "after", 0, INT64_MAX, 0, &after, &err);
    http_query_int(r, "limit", 1, 1000, 100, &limit, &err);
    http_query_int(r, "overdue", 0, 1, 0, &overdue, &err);
    const char *status = http_query(r, "status"), *type = http_query(r, "type");
    if (status && strcmp(status, "active") != 0 && comm_req_status_parse(status) < 0)
        crest_error_field(&err, "status", "invalid", "field_range",
                          "active | open | assigned | in_progress | done | cancelled");
    if (type && comm_req_type_parse(type) < 0)
        crest_error_field(&err, "type", "invalid", "field_range",
                          "supplies | livelihood | health | temporary_help | medicine");
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    /* "active" and overdue lists: the requests still to be done */
    bool active = (status && strcmp(status, "active") == 0) || overdue;
    struct db_conn *c = db_acquire(http_db(r));
    int64_t now = comm_now_ms(c);
    int64_t uid = r->user.role == ROLE_RESIDENT ? r->user.id : 0;
    struct db_stmt *st = db_query(
        c, &err,
        "SELECT " REQ_COLS ", p.name, p.phone FROM comm_requests q JOIN persons p ON p.id = "
        "q.person_id WHERE q.grid >= ? AND q.grid < ? AND q.id > ? AND (? = 0 OR q.status IN "
        "('open','assigned','in_progress')) AND (? = '' OR ? = 'active' OR q.status = ?) AND (? "
        "= '' OR q.type = ?) AND (? = 0 OR q.due_ms <= ?) AND (? = 0 OR p.user_id = ?) ORDER BY "
        "q.id LIMIT ?",
        "ssiisssssiiiii", region, upper, after, (int64_t)active, status ? status : "",
        status ? status : "", status ? status : "", type ? type : "", type ? type : "", overdue,
        now, uid, uid, limit + 1);
    json_t *items = json_array();
    int rc = st ? 0 : -1;
    int64_t n = 0, last = 0;
    bool more = false;
    while (st && (rc = db_step(st, &err)) == 1) {
        if (n == limit) {
            more = true;
            break;
        }
        json_t *j = req_json(st, now);
        char phm[32];
        comm_phone_mask(db_col_text(st, 15) ? db_col_text(st, 15) : "", phm);
        json_object_set_new(j, "person_name", json_string(db_col_text(st, 14)));
        json_object_set_new(j, "person_phone", json_string(phm));
        json_array_append_new(items, j);
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

/* Load a request with its person for a scope check; CREST_NOTFOUND when
 * absent or out of scope. st is left open on the row. */
static int req_load(struct db_conn *c, struct http_req *r, int64_t id, struct db_stmt **out,
                    struct comm_person *p, struct crest_error *err)
{
    struct db_stmt *st =
        db_query(c, err,
                 "SELECT " REQ_COLS ", " COMM_PERSON_COLS " FROM comm_requests q JOIN persons p "
                 "ON p.id = q.person_id WHERE q.id = ?",
                 "i", id);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1)
        comm_person_fill(st, 14, p);
    if (rc != 1 || !comm_may_see_person(r, p)) {
        db_finalize(st);
        if (rc < 0)
            return err->code;
        return comm_not_found(err, "comm_request_not_found");
    }
    *out = st;
    return CREST_OK;
}

static int req_get_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    const struct req_arg *a = arg;
    struct db_stmt *st;
    struct comm_person p;
    int rc = req_load(c, r, a->id, &st, &p, err);
    if (rc)
        return rc;
    int64_t now = comm_now_ms(c);
    char today[11];
    comm_ms_date(now, today);
    json_t *j = req_json(st, now);
    int64_t version = db_col_int(st, 13);
    db_finalize(st);
    json_object_set_new(j, "person", comm_person_json(&p, true, today));
    if ((rc = comm_audit(c, r, "read", "request", a->id, p.grid, err)) != CREST_OK) {
        json_decref(j);
        return rc;
    }
    json_t *ev = json_array();
    json_object_set_new(j, "events", ev);
    st = db_query(c, err,
                  "SELECT status, note, by_name, at_ms FROM comm_request_events WHERE request_id "
                  "= ? ORDER BY id",
                  "i", a->id);
    while (st && (rc = db_step(st, err)) == 1) {
        json_t *e = json_object();
        char t[32];
        json_object_set_new(e, "status", json_string(db_col_text(st, 0)));
        json_object_set_new(e, "note",
                            db_col_text(st, 1) ? json_string(db_col_text(st, 1)) : json_null());
        json_object_set_new(e, "by", json_string(db_col_text(st, 2)));
        util_iso8601(t, db_col_int(st, 3));
        json_object_set_new(e, "at", json_string(t));
        json_array_append_new(ev, e);
    }
    db_finalize(st);
    if (!st || rc < 0) {
        json_decref(j);
        return err->code;
    }
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)version));
    http_reply_json(r, 200, j);
    return CREST_OK;
}

void comm_api_request_get(struct http_req *r)
{
    struct req_arg a;
    memset(&a, 0, sizeof a);
    if (!comm_parse_id(r, "id", &a.id)) {
        http_reply_problem(r, CREST_NOTFOUND, "comm_request_not_found");
        return;
    }
    http_write(r, req_get_fn, &a);
}

static int req_update_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    const struct req_arg *a = arg;
    struct db_stmt *st;
    struct comm_person p;
    int rc = req_load(c, r, a->id, &st, &p, err);
    if (rc)
        return rc;
    int64_t version = db_col_int(st, 13);
    int cur = comm_req_status_parse(db_col_text(st, 7));
    char assigned[65];
    str_copy(assigned, sizeof assigned, db_col_text(st, 9) ? db_col_text(st, 9) : "");
    db_finalize(st);
    if (version != a->if_match) {
        http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)version));
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", "%lld",
                               (long long)version);
    }
    struct jdec d;
    const char *status = NULL, *to = NULL, *note = NULL, *reply = NULL;
    if (jdec_begin(&d, a->body, a->n, err) == CREST_OK) {
        status = jdec_str(&d, "status", true, 1, 16);
        to = jdec_str(&d, "assigned_to", false, 1, 64);
        note = jdec_str(&d, "note", false, 0, 500);
        reply = jdec_str(&d, "reply", false, 0, 500);
        jdec_end(&d);
    }
    int next = status ? comm_req_status_parse(status) : -1;
    if (!err->code) {
        if (next < 0)
            crest_error_field(err, "status", "invalid", "field_range",
                              "assigned | in_progress | done | cancelled");
        else if (r->user.role == ROLE_RESIDENT && next != COMM_REQ_CANCELLED)
            crest_error_field(err, "status", "forbidden", "comm_req_resident_cancel", NULL);
        else if (cur < 0 ||
                 !comm_req_transition_ok((enum comm_req_status)cur, (enum comm_req_status)next))
            crest_error_field(err, "status", "transition", "comm_req_transition",
                              comm_req_status_name((enum comm_req_status)(cur < 0 ? 0 : cur)));
        else if (next == COMM_REQ_ASSIGNED && !to)
            crest_error_field(err, "assigned_to", "required", "field_required", NULL);
        else if (next == COMM_REQ_DONE && (!note || !note[0]) && (!reply || !reply[0]))
            crest_error_field(err, "note", "required", "comm_req_close_note", NULL);
    }
    int64_t now = comm_now_ms(c);
    char status_copy[16], to_copy[65], reply_copy[2001], note_copy[2001];
    str_copy(status_copy, sizeof status_copy, status ? status : "");
    str_copy(to_copy, sizeof to_copy, to ? to : assigned);
    str_copy(reply_copy, sizeof reply_copy, reply ? reply : "");
    str_copy(note_copy, sizeof note_copy, note ? note : "");
    jdec_free(&d);
    if (err->code)
        return err->code;
    bool final = next == COMM_REQ_DONE || next == COMM_REQ_CANCELLED;
    int64_t changed = 0;
    rc = db_exec(c, err, &changed,
                 "UPDATE comm_requests SET status = ?, assigned_to = ?, reply = coalesce(?, "
                 "reply), closed_ms = NULLIF(CAST(? AS BIGINT), 0), version = version + 1 WHERE "
                 "id = ? AND version = ?",
                 "sssiii", status_copy, to_copy[0] ? to_copy : NULL,
                 reply_copy[0] ? reply_copy : NULL, final ? now : (int64_t)0, a->id, version);
    if (rc)
        return rc;
    if (changed != 1)
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", NULL);
    const char *ev_note = note_copy[0] ? note_copy : reply_copy;
    if ((rc = event_add(c, r, a->id, status_copy, ev_note, now, err)) != CREST_OK)
        return rc;
    if ((rc = comm_audit(c, r, status_copy, "request", a->id, p.grid, err)) != CREST_OK)
        return rc;
    st = db_query(c, err, "SELECT " REQ_COLS " FROM comm_requests q WHERE q.id = ?", "i", a->id);
    if (!st || db_step(st, err) != 1) {
        db_finalize(st);
        return err->code ? err->code : CREST_DB;
    }
    json_t *j = req_json(st, now);
    db_finalize(st);
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)version + 1));
    http_reply_json(r, 200, j);
    return CREST_OK;
}

void comm_api_request_update(struct http_req *r)
{
    struct req_arg *a = arena_alloc(&r->arena, sizeof *a);
    memset(a, 0, sizeof *a);
    a->body = r->body.p;
    a->n = r->body.n;
    if (!comm_parse_id(r, "id", &a->id)) {
        http_reply_problem(r, CREST_NOTFOUND, "comm_request_not_found");
        return;
    }
    if (!http_require_if_match(r, &a->if_match))
        return;
    http_write(r, req_update_fn, a);
}
