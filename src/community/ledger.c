/*
 * ledger.c - the home-isolation ledger 居家隔离人员工作台账: episodes, follow-ups
 * with re-grading on each one, the grid worker's day list, and a resident's
 * own pages (register home isolation, daily self-check).
 *
 * A follow-up re-grades the episode from the person's needs and the new
 * readings (model.c, policy community.grading / warning); a change of grade
 * adds a history row; a warning sign sets the alert and the reply proposes a
 * transfer with the nearest hospitals that have a free bed of that kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/jdec.h"
#include "../base/str.h"
#include "../base/util.h"
#include "../base/validate.h"
#include "../capacity/capacity.h"
#include "../http/http.h"
#include "../region/region.h"
#include "api.h"

#define DAY_MS (24LL * 3600 * 1000)

static void add_days(const char *date, int64_t days, char out[11])
{
    comm_ms_date(comm_date_ms(date) + days * DAY_MS + 3600 * 1000, out);
}

void comm_episode_in_decode(struct jdec *d, struct comm_episode_in *in, bool with_person,
                            struct crest_error *err)
{
    if (with_person)
        jdec_int(d, "person_id", true, 1, INT64_MAX, &in->person_id);
    const char *kind = jdec_str(d, "kind", true, 1, 32);
    const char *source = jdec_str(d, "source", true, 1, 32);
    const char *start = jdec_str(d, "start_date", false, 10, 10);
    const char *end = jdec_str(d, "planned_end", false, 10, 10);
    int v;
    if (kind) {
        if ((v = comm_kind_parse(kind)) < 0)
            crest_error_field(err, "kind", "invalid", "field_range",
                              "confirmed | asymptomatic | mild | close_contact");
        else
            in->kind = (enum comm_kind)v;
    }
    if (source) {
        if ((v = comm_source_parse(source)) < 0)
            crest_error_field(err, "source", "invalid", "field_range",
                              "antigen | pcr | self_report");
        else
            in->source = (enum comm_source)v;
    }
    if (start) {
        if (!validate_date(start))
            crest_error_field(err, "start_date", "format", "field_date", NULL);
        else
            str_copy(in->start_date, sizeof in->start_date, start);
    }
    if (end) {
        if (!validate_date(end))
            crest_error_field(err, "planned_end", "format", "field_date", NULL);
        else
            str_copy(in->planned_end, sizeof in->planned_end, end);
    }
}

int comm_episode_open(struct db_conn *c, struct http_req *r, const struct comm_person *p,
                      const struct comm_episode_in *in, struct comm_episode *e,
                      struct crest_error *err)
{
    const struct policy *pol = policy_current();
    char today[11];
    int64_t now = comm_now_ms(c);
    comm_ms_date(now, today);
    memset(e, 0, sizeof *e);
    e->person_id = p->id;
    str_copy(e->grid, sizeof e->grid, p->grid);
    e->kind = in->kind;
    e->source = in->source;
    str_copy(e->start_date, sizeof e->start_date, in->start_date[0] ? in->start_date : today);
    if (strcmp(e->start_date, today) > 0)
        return crest_error_field(err, "start_date", "range", "cap_date_future", today);
    if (in->planned_end[0])
        str_copy(e->planned_end, sizeof e->planned_end, in->planned_end);
    else
        add_days(e->start_date, pol->community.isolation_days, e->planned_end);
    if (strcmp(e->planned_end, e->start_date) < 0)
        return crest_error_field(err, "planned_end", "range", "comm_end_before_start",
                                 e->start_date);
    int64_t open_id = 0;
    int rc = comm_episode_open_of(c, p->id, &open_id, err);
    if (rc)
        return rc;
    if (open_id) {
        char arg[24];
        snprintf(arg, sizeof arg, "%lld", (long long)open_id);
        crest_error_field(err, "person_id", "open", "comm_episode_open", arg);
        err->code = CREST_CONFLICT;
        return CREST_CONFLICT;
    }
    /* graded from the needs alone until the first follow-up; due at once,
     * so a new entry is at the top of the grid worker's list */
    struct comm_needs n;
    comm_person_needs(p, today, &n);
    struct comm_grading g;
    struct comm_fever fever = {0};
    comm_grade_eval(&n, NULL, &fever, pol, &g);
    e->grade = g.grade;
    comm_reasons_encode(&g, e->reasons, sizeof e->reasons);
    e->next_due_ms = now;
    e->self_report_pending = r->user.role == ROLE_RESIDENT;
    if ((rc = comm_episode_insert(c, e, r->user.id, err)) != CREST_OK)
        return rc;
    if ((rc = comm_grade_history_add(c, e, 0, now, err)) != CREST_OK)
        return rc;
    return comm_audit(c, r, "create", "episode", e->id, e->grid, err);
}

struct ep_arg {
    struct comm_episode_in in;
    int64_t id, if_match;
    const char *body;
    size_t n;
};

static int episode_create_fn(struct db_conn *c, struct http_req *r, void *arg,
                             struct crest_error *err)
{
    struct ep_arg *a = arg;
    struct comm_person p;
    int rc = comm_person_get(c, a->in.person_id, &p, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !comm_may_see_person(r, &p))) {
        crest_error_clear(err);
        return crest_error_field(err, "person_id", "unknown", "comm_person_not_found", NULL);
    }
    if (rc)
        return rc;
    struct comm_episode e;
    if ((rc = comm_episode_open(c, r, &p, &a->in, &e, err)) != CREST_OK)
        return rc;
    http_add_header(r, "Location",
                    arena_printf(&r->arena, "/api/v1/community/episodes/%lld", (long long)e.id));
    http_add_header(r, "ETag", "\"1\"");
    http_reply_json(r, 201, comm_episode_json(&e, r->lang, comm_now_ms(c)));
    return CREST_OK;
}

void comm_api_episode_create(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct ep_arg a;
    memset(&a, 0, sizeof a);
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        comm_episode_in_decode(&d, &a.in, true, &err);
        jdec_end(&d);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, episode_create_fn, &a);
}

/* ---- detail (audited) ---- */

static json_t *followup_row_json(struct db_stmt *st)
{
    json_t *f = json_object();
    char t[32];
    json_object_set_new(f, "id", json_integer(db_col_int(st, 0)));
    util_iso8601(t, db_col_int(st, 1));
    json_object_set_new(f, "at", json_string(t));
    json_object_set_new(f, "temp",
                        db_col_null(st, 2) ? json_null() : json_real(db_col_double(st, 2)));
    json_object_set_new(f, "spo2",
                        db_col_null(st, 3) ? json_null() : json_integer(db_col_int(st, 3)));
    json_t *sym = json_array();
    unsigned bits = (unsigned)db_col_int(st, 4);
    for (int s = 0; s < COMM__SYMPTOMS; s++)
        if (bits & (1u << s))
            json_array_append_new(sym, json_string(comm_symptom_name((enum comm_symptom)s)));
    json_object_set_new(f, "symptoms", sym);
    json_object_set_new(f, "medicine", json_boolean(db_col_int(st, 5) != 0));
    const char *note = db_col_text(st, 6);
    json_object_set_new(f, "note", note ? json_string(note) : json_null());
    json_object_set_new(f, "self_report", json_boolean(db_col_int(st, 7) != 0));
    json_object_set_new(f, "grade", json_string(db_col_text(st, 8) ? db_col_text(st, 8) : ""));
    return f;
}

#define FOLLOWUP_COLS "id, at_ms, temp, spo2, symptoms, medicine, note, self_report, grade"

static int episode_get_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct ep_arg *a = arg;
    struct comm_episode e;
    struct comm_person p;
    int rc = comm_episode_get(c, a->id, &e, &p, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !comm_may_see_person(r, &p)))
        return comm_not_found(err, "comm_episode_not_found");
    if (rc)
        return rc;
    if ((rc = comm_audit(c, r, "read", "episode", e.id, e.grid, err)) != CREST_OK)
        return rc;
    char today[11];
    int64_t now = comm_now_ms(c);
    comm_ms_date(now, today);
    json_t *j = comm_episode_json(&e, r->lang, now);
    json_object_set_new(j, "person", comm_person_json(&p, true, today));
    json_t *fus = json_array(), *hist = json_array(), *trs = json_array();
    json_object_set_new(j, "followups", fus);
    json_object_set_new(j, "grade_history", hist);
    json_object_set_new(j, "transfers", trs);
    struct db_stmt *st = db_query(c, err,
                                  "SELECT " FOLLOWUP_COLS " FROM comm_followups WHERE "
                                  "episode_id = ? ORDER BY at_ms DESC, id DESC LIMIT 100",
                                  "i", e.id);
    while (st && (rc = db_step(st, err)) == 1)
        json_array_append_new(fus, followup_row_json(st));
    db_finalize(st);
    if (!st || rc < 0)
        goto fail;
    st = db_query(c, err,
                  "SELECT grade, reasons, at_ms FROM comm_grades WHERE episode_id = ? ORDER BY "
                  "id",
                  "i", e.id);
    while (st && (rc = db_step(st, err)) == 1) {
        json_t *h = json_object();
        int g = comm_grade_parse(db_col_text(st, 0));
        struct comm_episode tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.grade = g < 0 ? COMM_GREEN : (enum comm_grade)g;
        str_copy(tmp.reasons, sizeof tmp.reasons, db_col_text(st, 1));
        json_t *one = comm_episode_json(&tmp, r->lang, 0);
        json_object_set_new(h, "grade", json_string(comm_grade_name(tmp.grade)));
        json_object_set(h, "grade_reason", json_object_get(one, "grade_reason"));
        json_decref(one);
        char t[32];
        util_iso8601(t, db_col_int(st, 2));
        json_object_set_new(h, "at", json_string(t));
        json_array_append_new(hist, h);
    }
    db_finalize(st);
    if (!st || rc < 0)
        goto fail;
    st = db_query(c, err,
                  "SELECT t.id, t.status, t.bed, t.green, f.name, t.distance_km, t.version FROM "
                  "comm_transfers t JOIN facilities f ON f.id = t.hospital_id WHERE t.episode_id "
                  "= ? ORDER BY t.id DESC",
                  "i", e.id);
    while (st && (rc = db_step(st, err)) == 1) {
        json_t *t = json_object();
        json_object_set_new(t, "id", json_integer(db_col_int(st, 0)));
        json_object_set_new(t, "status", json_string(db_col_text(st, 1)));
        json_object_set_new(t, "bed", json_string(db_col_text(st, 2)));
        json_object_set_new(t, "green", json_boolean(db_col_int(st, 3) != 0));
        json_object_set_new(t, "hospital", json_string(db_col_text(st, 4)));
        json_object_set_new(t, "distance_km", json_real(db_col_double(st, 5)));
        json_object_set_new(t, "version", json_integer(db_col_int(st, 6)));
        json_array_append_new(trs, t);
    }
    db_finalize(st);
    if (!st || rc < 0)
        goto fail;
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)e.version));
    http_reply_json(r, 200, j);
    return CREST_OK;
fail:
    json_decref(j);
    return err->code ? err->code : CREST_DB;
}

void comm_api_episode_get(struct http_req *r)
{
    struct ep_arg a;
    memset(&a, 0, sizeof a);
    if (!comm_parse_id(r, "id", &a.id)) {
        http_reply_problem(r, CREST_NOTFOUND, "comm_episode_not_found");
        return;
    }
    http_write(r, episode_get_fn, &a);
}

/* ---- update: end or extend an episode ---- */

static int episode_update_fn(struct db_conn *c, struct http_req *r, void *arg,
                             struct crest_error *err)
{
    struct ep_arg *a = arg;
    struct comm_episode e;
    struct comm_person p;
    int rc = comm_episode_get(c, a->id, &e, &p, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !comm_may_see_person(r, &p)))
        return comm_not_found(err, "comm_episode_not_found");
    if (rc)
        return rc;
    if (e.version != a->if_match) {
        http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)e.version));
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", "%lld",
                               (long long)e.version);
    }
    struct jdec d;
    const char *status = NULL, *end = NULL, *planned = NULL;
    if (jdec_begin(&d, a->body, a->n, err) == CREST_OK) {
        status = jdec_str(&d, "status", false, 1, 16);
        end = jdec_str(&d, "end_date", false, 10, 10);
        planned = jdec_str(&d, "planned_end", false, 10, 10);
        jdec_end(&d);
    }
    char today[11];
    int64_t now = comm_now_ms(c);
    comm_ms_date(now, today);
    if (!err->code && status) {
        int s = comm_status_parse(status);
        /* transferred is set by a transfer's arrival, not by hand */
        if (s != COMM_RECOVERED && s != COMM_ENDED)
            crest_error_field(err, "status", "invalid", "field_range", "recovered | ended");
        else if (e.status != COMM_ISOLATING)
            crest_error_field(err, "status", "final", "comm_episode_closed",
                              comm_status_name(e.status));
        else {
            e.status = (enum comm_status)s;
            e.ended_ms = now;
            str_copy(e.end_date, sizeof e.end_date, today);
        }
    }
    if (!err->code && end) {
        if (!validate_date(end))
            crest_error_field(err, "end_date", "format", "field_date", NULL);
        else if (!status)
            crest_error_field(err, "end_date", "invalid", "comm_end_needs_status", NULL);
        else if (strcmp(end, e.start_date) < 0 || strcmp(end, today) > 0)
            crest_error_field(err, "end_date", "range", "comm_end_range", e.start_date);
        else {
            str_copy(e.end_date, sizeof e.end_date, end);
            /* ended at the end of that day, not now: a follow-up dated
             * after the stated end date is refused */
            int64_t end_ms = comm_date_ms(end) + DAY_MS - 1;
            if (end_ms < e.ended_ms)
                e.ended_ms = end_ms;
        }
    }
    if (!err->code && planned) {
        if (!validate_date(planned))
            crest_error_field(err, "planned_end", "format", "field_date", NULL);
        else if (strcmp(planned, e.start_date) < 0)
            crest_error_field(err, "planned_end", "range", "comm_end_before_start", e.start_date);
        else
            str_copy(e.planned_end, sizeof e.planned_end, planned);
    }
    /* the audit's action outlives the decoded body */
    char action[24];
    str_copy(action, sizeof action, status ? status : "update");
    jdec_free(&d);
    if (err->code)
        return err->code;
    if ((rc = comm_episode_save(c, &e, err)) != CREST_OK)
        return rc;
    if ((rc = comm_audit(c, r, action, "episode", e.id, e.grid, err)))
        return rc;
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)e.version));
    http_reply_json(r, 200, comm_episode_json(&e, r->lang, now));
    return CREST_OK;
}

void comm_api_episode_update(struct http_req *r)
{
    struct ep_arg a;
    memset(&a, 0, sizeof a);
    a.body = r->body.p;
    a.n = r->body.n;
    if (!comm_parse_id(r, "id", &a.id)) {
        http_reply_problem(r, CREST_NOTFOUND, "comm_episode_not_found");
        return;
    }
    if (!http_require_if_match(r, &a.if_match))
        return;
    http_write(r, episode_update_fn, &a);
}

/* ---- list (masked) ---- */

void comm_api_episode_list(struct http_req *r)
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
    const char *status = http_query(r, "status"), *grade = http_query(r, "grade");
    if (status && comm_status_parse(status) < 0)
        crest_error_field(&err, "status", "invalid", "field_range",
                          "isolating | recovered | transferred | ended");
    if (grade && comm_grade_parse(grade) < 0)
        crest_error_field(&err, "grade", "invalid", "field_range", "red | yellow | green");
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    struct db_conn *c = db_acquire(http_db(r));
    char today[11];
    int64_t now = comm_now_ms(c);
    comm_ms_date(now, today);
    int64_t uid = r->user.role == ROLE_RESIDENT ? r->user.id : 0;
    struct db_stmt *st = db_query(
        c, &err,
        "SELECT " COMM_EPISODE_COLS ", " COMM_PERSON_COLS " FROM comm_episodes e JOIN persons p "
        "ON p.id = e.person_id WHERE e.grid >= ? AND e.grid < ? AND e.id > ? AND (? = '' OR "
        "e.status = ?) AND (? = '' OR e.grade = ?) AND (? = 0 OR p.user_id = ?) ORDER BY e.id "
        "LIMIT ?",
        "ssissssiii", region, upper, after, status ? status : "", status ? status : "",
        grade ? grade : "", grade ? grade : "", uid, uid, limit + 1);
    json_t *items = json_array();
    int rc = st ? 0 : -1;
    int64_t n = 0, last = 0;
    bool more = false;
    while (st && (rc = db_step(st, &err)) == 1) {
        if (n == limit) {
            more = true;
            break;
        }
        struct comm_episode e;
        struct comm_person p;
        comm_episode_fill(st, 0, &e);
        comm_person_fill(st, COMM_EPISODE_NCOLS, &p);
        json_t *j = comm_episode_json(&e, r->lang, now);
        json_object_set_new(j, "person", comm_person_json(&p, false, today));
        json_array_append_new(items, j);
        last = e.id;
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

/* ---- follow-ups ---- */

/* A follow-up is read and decided (fu_load, fu_decide) and stored
 * (fu_store) in one write job; the answer is built after the commit, off
 * SQLite's single writer, unless an Idempotency-Key's record must hold it.
 * Reading the episode on a reader before the job instead was tried and cost
 * more in all (decisions §35): after every commit a reader starts with an
 * empty page cache, whereas the writer's is warm. */
struct fu_arg {
    int64_t episode_id;
    struct comm_followup in; /* as decoded: a job may run twice */
    bool has_at;
    char note[2001];
    /* the episode and person as read */
    struct comm_episode e0;
    struct comm_person p;
    int64_t now;
    /* decided by fu_decide from the above */
    struct comm_followup f;
    struct comm_episode e; /* the episode after the follow-up */
    struct comm_grading g;
    bool self, regrade, changed;
    /* set by the job */
    bool stored;
    int64_t fid;
    bool replied; /* fu_reply has answered (and set Location) */
    json_t *opts; /* a proposed transfer's hospitals, ranked in the job */
};

static int fu_load(struct db_conn *c, struct http_req *r, struct fu_arg *a, struct crest_error *err)
{
    int rc = comm_episode_get(c, a->episode_id, &a->e0, &a->p, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !comm_may_see_person(r, &a->p)))
        return comm_not_found(err, "comm_episode_not_found");
    if (rc)
        return rc;
    a->now = comm_now_ms(c);
    return CREST_OK;
}

/* Check the follow-up against the episode and work out the new grade and
 * the episode's new state. Writes nothing. */
static int fu_decide(struct http_req *r, struct fu_arg *a, struct crest_error *err)
{
    const struct comm_episode *e0 = &a->e0;
    struct comm_followup f = a->in;
    int64_t now = a->now;
    if (!a->has_at)
        f.at_ms = now;
    char t[32];
    if (f.at_ms > now + 5 * 60 * 1000) {
        util_iso8601(t, now);
        return crest_error_field(err, "at", "range", "comm_at_future", t);
    }
    if (f.at_ms < comm_date_ms(e0->start_date))
        return crest_error_field(err, "at", "range", "comm_at_before_start", e0->start_date);
    if (e0->status != COMM_ISOLATING && (!e0->ended_ms || f.at_ms > e0->ended_ms)) {
        util_iso8601(t, e0->ended_ms);
        return crest_error_field(err, "at", "range", "comm_at_after_end", t);
    }
    const struct policy *pol = policy_current();
    char today[11];
    comm_ms_date(now, today);
    struct comm_needs n;
    comm_person_needs(&a->p, today, &n);
    struct comm_fever fever = {e0->fever_since_ms};
    comm_grade_eval(&n, &f, &fever, pol, &a->g);
    a->f = f;
    a->e = *e0;
    a->self = r->user.role == ROLE_RESIDENT;
    /* a late entry (older than the latest) is kept but does not re-grade
     * an open episode, and nothing re-grades a closed one */
    a->regrade = f.at_ms >= e0->last_followup_ms && e0->status == COMM_ISOLATING;
    a->changed = false;
    if (!a->regrade)
        return CREST_OK;
    struct comm_episode *e = &a->e;
    const struct comm_grading *g = &a->g;
    /* the history keeps one row per change of grade (store.c), not one per
     * new reading of the same grade */
    a->changed = g->grade != e->grade;
    e->grade = g->grade;
    comm_reasons_encode(g, e->reasons, sizeof e->reasons);
    e->alert = g->alert;
    e->fever_since_ms = fever.since_ms;
    if (f.has_temp) {
        e->has_temp = true;
        e->last_temp = f.temp;
    }
    if (f.has_spo2) {
        e->has_spo2 = true;
        e->last_spo2 = f.spo2;
    }
    e->last_followup_ms = f.at_ms;
    /* a self-report tells the worker something new; it does not replace
     * the worker's own call, so it keeps the due time */
    if (!a->self)
        e->next_due_ms = comm_followup_due(g->grade, f.at_ms, pol);
    else if (g->grade > COMM_GREEN && g->alert)
        e->next_due_ms = f.at_ms;
    e->self_report_pending = a->self;
    return CREST_OK;
}

static int fu_store(struct db_conn *c, struct http_req *r, struct fu_arg *a,
                    struct crest_error *err)
{
    struct comm_episode *e = &a->e;
    const struct comm_followup *f = &a->f;
    int rc;
    if (a->regrade && (rc = comm_episode_save_followup(c, e, err)) != CREST_OK)
        return rc;
    struct db_stmt *st = db_query(
        c, err,
        "INSERT INTO comm_followups (episode_id, at_ms, temp, spo2, symptoms, medicine, note, "
        "self_report, grade, by_user, created_ms) VALUES (?, ?, NULLIF(CAST(? AS DOUBLE "
        "PRECISION), -1), NULLIF(CAST(? AS BIGINT), -1), ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        "iidiiisisii", e->id, f->at_ms, f->has_temp ? f->temp : -1.0,
        f->has_spo2 ? f->spo2 : (int64_t)-1, (int64_t)f->symptoms, (int64_t)f->medicine,
        a->note[0] ? a->note : NULL, (int64_t)a->self, comm_grade_name(a->g.grade), r->user.id,
        util_now_ms());
    if (!st)
        return err->code;
    if ((rc = db_step(st, err)) == 1)
        a->fid = db_col_int(st, 0);
    db_finalize(st);
    if (rc != 1)
        return err->code;
    if (a->changed && (rc = comm_grade_history_add(c, e, a->fid, f->at_ms, err)) != CREST_OK)
        return rc;
    return comm_audit(c, r, "create", "followup", a->fid, e->grid, err);
}

/* The 201 answer, written straight into the response (a jansson tree cost
 * a tenth of the server's time at a peak day's rate); opts: the proposed
 * transfer's hospitals (NULL: none). */
static void fu_reply(struct http_req *r, struct fu_arg *a, json_t *opts)
{
    char t[32];
    struct buf *b = &r->resp;
    r->status = 201;
    r->ctype = "application/json; charset=utf-8";
    buf_reset(b);
    util_iso8601(t, a->f.at_ms);
    buf_printf(b, "{\"id\":%lld,\"at\":\"%s\",\"self_report\":%s,\"regraded\":%s,\"episode\":",
               (long long)a->fid, t, a->self ? "true" : "false", a->regrade ? "true" : "false");
    comm_episode_write(b, &a->e, r->lang, a->now, true);
    buf_puts(b, "},\"transfer_proposed\":");
    if (a->g.alert && a->regrade) {
        buf_printf(b, "{\"bed\":\"%s\",\"green\":true,\"options\":", a->g.icu ? "icu" : "general");
        char *o = opts ? json_dumps(opts, JSON_COMPACT) : NULL;
        buf_puts(b, o ? o : "[]");
        free(o);
        buf_puts(b, "}}");
    } else {
        buf_puts(b, "null}");
    }
    if (!a->replied) /* once: the job answers when an Idempotency-Key records it */
        http_add_header(
            r, "Location",
            arena_printf(&r->arena, "/api/v1/community/episodes/%lld", (long long)a->e.id));
    a->replied = true;
}

/* A replayed answer that proposed a transfer with no hospital (none had a
 * free bed then, or it was recorded before crest ranked them in the job):
 * rank them now, so a retry from a weak network still shows where to send
 * the patient. */
static void fu_replay_options(struct http_req *r, int64_t episode_id)
{
    json_t *j = json_loadb(r->resp.p, r->resp.n, 0, NULL);
    json_t *tp = json_object_get(j, "transfer_proposed");
    json_t *opts = json_object_get(tp, "options");
    if (!json_is_array(opts) || json_array_size(opts) > 0) {
        json_decref(j);
        return;
    }
    struct crest_error err;
    crest_error_clear(&err);
    struct comm_episode e;
    struct comm_person p;
    struct db_conn *c = db_acquire(http_db(r));
    json_t *o = NULL;
    if (comm_episode_get(c, episode_id, &e, &p, &err) == CREST_OK) {
        const char *bed = json_string_value(json_object_get(tp, "bed"));
        o = comm_transfer_options(c, &p, bed && strcmp(bed, "icu") == 0, true, 3, r->lang, &err);
    }
    db_release(http_db(r), c);
    if (o) {
        json_object_set_new(tp, "options", o);
        http_reply_json(r, 201, j);
    } else {
        json_decref(j);
    }
}

static int followup_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct fu_arg *a = arg;
    int rc;
    a->stored = false;
    if ((rc = fu_load(c, r, a, err)) != CREST_OK || (rc = fu_decide(r, a, err)) != CREST_OK ||
        (rc = fu_store(c, r, a, err)) != CREST_OK)
        return rc;
    a->stored = true;
    /* Rank the hospitals for a proposed transfer here, on the writer's
     * connection: its pages stay cached from one job to the next. A reader
     * after the commit found the database changed, as it always is at a peak,
     * so SQLite dropped its page cache and memory map (munmap, and a TLB
     * flush on every core) each time: ~0.5 ms of CPU per alert, and the
     * flush interrupted the writer (bench/RESULTS.md, decisions §43). */
    json_decref(a->opts); /* a job may run twice */
    a->opts = NULL;
    if (a->g.alert && a->regrade &&
        !(a->opts = comm_transfer_options(c, &a->p, a->g.icu, true, 3, r->lang, err)))
        return err->code;
    /* an Idempotency-Key's record holds the answer, so it is built here */
    if (r->idem_key)
        fu_reply(r, a, a->opts);
    return CREST_OK;
}

static int symptom_bit(const char *s)
{
    return comm_symptom_parse(s);
}

void comm_api_followup_create(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct fu_arg *a = arena_alloc(&r->arena, sizeof *a);
    memset(a, 0, sizeof *a);
    if (!comm_parse_id(r, "id", &a->episode_id)) {
        http_reply_problem(r, CREST_NOTFOUND, "comm_episode_not_found");
        return;
    }
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        const char *at = jdec_str(&d, "at", false, 16, 40);
        a->in.has_temp = jdec_double(&d, "temp", false, 34.0, 43.0, &a->in.temp);
        a->in.has_spo2 = jdec_int(&d, "spo2", false, 50, 100, &a->in.spo2);
        bool med = false;
        if (jdec_bool(&d, "medicine", false, &med))
            a->in.medicine = med;
        unsigned bits = 0;
        json_t *sym = json_object_get(d.root, "symptoms");
        if (jdec_has(&d, "symptoms")) {
            if (!json_is_array(sym) || json_array_size(sym) > COMM__SYMPTOMS) {
                crest_error_field(&err, "symptoms", "type", "field_not_list", NULL);
            } else {
                size_t i;
                json_t *v;
                json_array_foreach(sym, i, v)
                {
                    int b = symptom_bit(json_string_value(v));
                    char path[32];
                    snprintf(path, sizeof path, "symptoms[%zu]", i);
                    if (b < 0)
                        crest_error_field(&err, path, "invalid", "comm_code_unknown",
                                          json_string_value(v) ? json_string_value(v) : "");
                    else
                        bits |= 1u << b;
                }
            }
        }
        a->in.symptoms = bits;
        const char *note = jdec_str(&d, "note", false, 0, 500);
        if (note)
            str_copy(a->note, sizeof a->note, note);
        if (at) {
            if (!comm_parse_time(at, &a->in.at_ms))
                crest_error_field(&err, "at", "format", "comm_time_format", NULL);
            else
                a->has_at = true;
        }
        jdec_end(&d);
        if (!err.code && !a->in.has_temp && !a->in.has_spo2 && !bits && !note)
            crest_error_field(&err, "temp", "required", "comm_followup_empty", NULL);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, followup_fn, a);
    if (r->replayed && r->status == 201) {
        json_decref(a->opts); /* a first try that lost the key's race */
        fu_replay_options(r, a->episode_id);
        return;
    }
    if (a->stored && !r->replayed && !a->replied)
        fu_reply(r, a, a->opts);
    json_decref(a->opts);
}

void comm_api_followup_list(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    int64_t id;
    if (!comm_parse_id(r, "id", &id)) {
        http_reply_problem(r, CREST_NOTFOUND, "comm_episode_not_found");
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
    json_t *items = json_array();
    struct db_stmt *st = rc ? NULL
                            : db_query(c, &err,
                                       "SELECT " FOLLOWUP_COLS " FROM comm_followups WHERE "
                                       "episode_id = ? ORDER BY at_ms DESC, id DESC LIMIT 500",
                                       "i", id);
    while (st && (rc = db_step(st, &err)) == 1)
        json_array_append_new(items, followup_row_json(st));
    db_finalize(st);
    db_release(http_db(r), c);
    if (!st || rc < 0) {
        json_decref(items);
        http_reply_error(r, &err);
        return;
    }
    json_t *j = json_object();
    json_object_set_new(j, "items", items);
    http_reply_json(r, 200, j);
}

/* ---- the grid worker's day ---- */

void comm_api_grid_today(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    const char *code = http_param(r, "code");
    char grid[REGION_CODE_MAX];
    if (!code || region_code_normalize(code, grid, "code", &err) != CREST_OK ||
        strlen(grid) != 15 || !auth_in_scope(&r->user, grid)) {
        http_reply_problem(r, CREST_NOTFOUND, "region_not_found");
        return;
    }
    struct db_conn *c = db_acquire(http_db(r));
    char today[11];
    int64_t now = comm_now_ms(c);
    comm_ms_date(now, today);
    /* overdue first, then red, yellow, green; new self-reports before the
     * rest of their grade; then by due time. The partial index on open
     * episodes by grid makes this a read of the grid's rows only. */
    struct db_stmt *st = db_query(
        c, &err,
        "SELECT " COMM_EPISODE_COLS ", " COMM_PERSON_COLS " FROM comm_episodes e JOIN persons p "
        "ON p.id = e.person_id WHERE e.grid = ? AND e.status = 'isolating' ORDER BY CASE WHEN "
        "e.next_due_ms <= ? THEN 0 ELSE 1 END, CASE e.grade WHEN 'red' THEN 0 WHEN 'yellow' "
        "THEN 1 ELSE 2 END, e.self_report_pending DESC, e.next_due_ms, e.id",
        "si", grid, now);
    /* written straight into the response: see comm_episode_write */
    struct buf items;
    buf_init(&items, (size_t)64 << 20);
    buf_puts(&items, "[");
    int rc = st ? 0 : -1;
    int64_t counts[3] = {0, 0, 0}, overdue = 0, self = 0, alerts = 0, n = 0;
    while (st && (rc = db_step(st, &err)) == 1) {
        struct comm_episode e;
        struct comm_person p;
        comm_episode_fill(st, 0, &e);
        comm_person_fill(st, COMM_EPISODE_NCOLS, &p);
        if (n++)
            buf_puts(&items, ",");
        comm_episode_write(&items, &e, r->lang, now, false);
        buf_puts(&items, ",\"person\":");
        comm_person_write_masked(&items, &p, today);
        buf_puts(&items, "}");
        counts[e.grade]++;
        overdue += e.next_due_ms <= now;
        self += e.self_report_pending;
        alerts += e.alert;
    }
    db_finalize(st);
    buf_puts(&items, "]");
    int64_t open_requests = 0, overdue_requests = 0;
    if (rc >= 0) {
        st = db_query(c, &err,
                      "SELECT count(*), coalesce(sum(CASE WHEN due_ms <= ? THEN 1 ELSE 0 END), 0) "
                      "FROM comm_requests WHERE grid = ? AND status IN "
                      "('open','assigned','in_progress')",
                      "is", now, grid);
        if (st && db_step(st, &err) == 1) {
            open_requests = db_col_int(st, 0);
            overdue_requests = db_col_int(st, 1);
        } else {
            rc = -1;
        }
        db_finalize(st);
    }
    db_release(http_db(r), c);
    if (rc < 0) {
        buf_cleanup(&items);
        http_reply_error(r, &err);
        return;
    }
    char t[32];
    util_iso8601(t, now);
    r->status = 200;
    r->ctype = "application/json; charset=utf-8";
    buf_reset(&r->resp);
    buf_printf(&r->resp,
               "{\"grid\":\"%s\",\"now\":\"%s\",\"isolating\":%lld,\"overdue\":%lld,\"red\":%lld,"
               "\"yellow\":%lld,\"green\":%lld,\"alerts\":%lld,\"self_reports\":%lld,"
               "\"open_requests\":%lld,\"overdue_requests\":%lld,\"items\":",
               grid, t, (long long)n, (long long)overdue, (long long)counts[COMM_RED],
               (long long)counts[COMM_YELLOW], (long long)counts[COMM_GREEN], (long long)alerts,
               (long long)self, (long long)open_requests, (long long)overdue_requests);
    if (buf_append(&r->resp, items.p, items.n) != CREST_OK || buf_puts(&r->resp, "}") != CREST_OK)
        http_reply_problem(r, CREST_TOOBIG, "internal");
    buf_cleanup(&items);
}

/* ---- a resident's own pages ---- */

static int me_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    (void)arg;
    struct comm_person p;
    int rc = comm_person_of_user(c, r->user.id, &p, err);
    if (rc == CREST_NOTFOUND) {
        crest_error_clear(err);
        json_t *j = json_object();
        json_object_set_new(j, "person", json_null());
        json_object_set_new(j, "episode", json_null());
        json_object_set_new(j, "requests", json_array());
        http_reply_json(r, 200, j);
        return CREST_OK;
    }
    if (rc)
        return rc;
    if ((rc = comm_audit(c, r, "read", "person", p.id, p.grid, err)) != CREST_OK)
        return rc;
    char today[11];
    int64_t now = comm_now_ms(c);
    comm_ms_date(now, today);
    json_t *j = json_object();
    json_object_set_new(j, "person", comm_person_json(&p, true, today));
    int64_t open_id = 0;
    if ((rc = comm_episode_open_of(c, p.id, &open_id, err)) != CREST_OK) {
        json_decref(j);
        return rc;
    }
    struct comm_episode e;
    if (open_id && comm_episode_get(c, open_id, &e, NULL, err) == CREST_OK)
        json_object_set_new(j, "episode", comm_episode_json(&e, r->lang, now));
    else
        json_object_set_new(j, "episode", json_null());
    json_t *reqs = json_array();
    struct db_stmt *st =
        db_query(c, err,
                 "SELECT id, type, detail, status, reply, due_ms, created_ms FROM comm_requests "
                 "WHERE person_id = ? ORDER BY id DESC LIMIT 50",
                 "i", p.id);
    while (st && (rc = db_step(st, err)) == 1) {
        json_t *q = json_object();
        char t[32];
        json_object_set_new(q, "id", json_integer(db_col_int(st, 0)));
        json_object_set_new(q, "type", json_string(db_col_text(st, 1)));
        json_object_set_new(q, "detail", json_string(db_col_text(st, 2)));
        json_object_set_new(q, "status", json_string(db_col_text(st, 3)));
        json_object_set_new(q, "reply",
                            db_col_text(st, 4) ? json_string(db_col_text(st, 4)) : json_null());
        util_iso8601(t, db_col_int(st, 5));
        json_object_set_new(q, "due", json_string(t));
        util_iso8601(t, db_col_int(st, 6));
        json_object_set_new(q, "created", json_string(t));
        json_array_append_new(reqs, q);
    }
    db_finalize(st);
    json_object_set_new(j, "requests", reqs);
    if (!st || rc < 0) {
        json_decref(j);
        return err->code;
    }
    http_reply_json(r, 200, j);
    return CREST_OK;
}

void comm_api_me(struct http_req *r)
{
    http_write(r, me_fn, NULL);
}

struct me_ep_arg {
    struct comm_episode_in in;
    struct comm_person p; /* when the resident registers themself */
    bool with_person;
};

static int me_episode_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    const struct me_ep_arg *a = arg;
    struct comm_person p;
    int rc = comm_person_of_user(c, r->user.id, &p, err);
    if (rc == CREST_NOTFOUND) {
        crest_error_clear(err);
        if (!a->with_person)
            return crest_error_field(err, "id_number", "required", "comm_me_register", NULL);
        p = a->p;
        p.user_id = r->user.id;
        /* a resident lives in the grid their login is for */
        str_copy(p.grid, sizeof p.grid, r->user.scope);
        if (strlen(p.grid) != 15)
            return crest_error_set(err, CREST_FORBIDDEN, "comm_me_no_grid", NULL);
        if ((rc = comm_person_insert(c, &p, err)) != CREST_OK)
            return rc;
        if ((rc = comm_audit(c, r, "create", "person", p.id, p.grid, err)) != CREST_OK)
            return rc;
    } else if (rc) {
        return rc;
    }
    struct comm_episode e;
    if ((rc = comm_episode_open(c, r, &p, &a->in, &e, err)) != CREST_OK)
        return rc;
    http_add_header(r, "Location",
                    arena_printf(&r->arena, "/api/v1/community/episodes/%lld", (long long)e.id));
    http_reply_json(r, 201, comm_episode_json(&e, r->lang, comm_now_ms(c)));
    return CREST_OK;
}

void comm_api_me_episode(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct me_ep_arg *a = arena_alloc(&r->arena, sizeof *a);
    memset(a, 0, sizeof *a);
    char today[11];
    {
        struct db_conn *c = db_acquire(http_db(r));
        comm_today(c, today);
        db_release(http_db(r), c);
    }
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        comm_episode_in_decode(&d, &a->in, false, &err);
        /* first time: the resident's own details come with it */
        if (json_object_get(d.root, "id_number")) {
            a->with_person = true;
            str_copy(a->p.grid, sizeof a->p.grid, r->user.scope);
            json_t *g = json_string(r->user.scope);
            json_object_set_new(d.root, "grid", g);
            comm_person_decode(&d, &a->p, true, today, &err);
        }
        jdec_end(&d);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, me_episode_fn, a);
}
