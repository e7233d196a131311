/*
 * api.c - the queue pillar's HTTP handlers: a clinic's status, hours and
 * counters; tickets (online by a resident with a location, or at the desk);
 * the desk's call-next and ticket events; the recommendation; statistics;
 * the public call display and its live stream (Server-Sent Events).
 *
 * Who may do what (the route table says which roles reach a handler; this
 * file says which rows): a clinic desk (role clinic, users.facility_id) acts
 * on its own clinic only, any other clinic is a 404; admin and commanders
 * act on clinics inside their scope; a resident takes, reads and cancels
 * their own ticket. A clinic's status (hours, waiting, expected wait) is
 * public information, as on the waiting room's screen.
 *
 * Every change runs in one write transaction with its ledger and audit rows;
 * the live views are told after the commit.
 */
#include <math.h>
#include <pthread.h>
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
#include "queue.h"

/* Zhejiang's bounding box with a margin (as capacity/api.c): outside it, a
 * location is a typo or not in the province. */
#define LAT_MIN 26.5
#define LAT_MAX 31.5
#define LON_MIN 117.5
#define LON_MAX 123.5

#define TOPIC(fid) ((uint64_t)(fid))
#define CANDIDATES 30

static const struct policy *pol(void)
{
    return policy_current();
}

/* The business day (capacity_today), kept 5 s like the server's other small
 * caches (decision 16): every queue request needs it, and the busiest ones
 * run in the single writer's transaction. */
static pthread_mutex_t day_mu = PTHREAD_MUTEX_INITIALIZER;
static char day_cached[11];
static bool day_illustrative;
static int64_t day_until_us;

static bool today(struct db_conn *c, char out[11])
{
    int64_t now = util_mono_us();
    pthread_mutex_lock(&day_mu);
    bool hit = now < day_until_us;
    if (hit) {
        memcpy(out, day_cached, 11);
        bool ill = day_illustrative;
        pthread_mutex_unlock(&day_mu);
        return ill;
    }
    pthread_mutex_unlock(&day_mu);
    bool ill = capacity_today(c, out);
    pthread_mutex_lock(&day_mu);
    memcpy(day_cached, out, 11);
    day_illustrative = ill;
    day_until_us = now + 5000000;
    pthread_mutex_unlock(&day_mu);
    return ill;
}

static bool parse_int_param(struct http_req *r, const char *name, int64_t *v)
{
    const char *s = http_param(r, name);
    return s && str_to_i64(str_of(s), v) && *v > 0;
}

static bool is_desk(const struct http_req *r)
{
    return r->user.role == ROLE_CLINIC || r->user.role == ROLE_ADMIN ||
           r->user.role == ROLE_COMMANDER;
}

/* May the caller act as this clinic's desk (or its overseer)? */
static bool desk_may(const struct http_req *r, const struct queue_clinic *cl)
{
    if (r->user.role == ROLE_CLINIC)
        return r->user.facility_id == cl->facility_id;
    if (r->user.role == ROLE_ADMIN || r->user.role == ROLE_COMMANDER)
        return auth_in_scope(&r->user, cl->region);
    return false;
}

static void audit_of(struct http_req *r, struct audit_entry *e, const char *action,
                     const char *entity, const char *id, const char *region)
{
    *e = (struct audit_entry){
        r->user.id, r->user.username, role_name(r->user.role), action, entity, id, region, r->addr};
}

static int audit_ticket(struct db_conn *c, struct http_req *r, const char *action,
                        const struct queue_ticket *t, struct crest_error *err)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)t->id);
    struct audit_entry e;
    audit_of(r, &e, action, "queue_ticket", id, t->region);
    return audit_append(c, &e, err);
}

static json_t *iso_or_null(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char iso[32];
    util_iso8601(iso, ms);
    return json_string(iso);
}

static json_t *minutes(double s)
{
    return s < 0 ? json_null() : json_real(round(s / 6.0) / 10.0);
}

static json_t *clinic_json(const struct queue_clinic *cl, const struct queue_snapshot *s,
                           int64_t now)
{
    json_t *j = json_object();
    char h[16];
    queue_hours_format(&cl->hours, h);
    bool open = cl->active && queue_hours_next_open(&cl->hours, now, QUEUE_TZ_MIN) == now;
    json_object_set_new(j, "id", json_integer(cl->facility_id));
    json_object_set_new(j, "name", json_string(cl->name));
    json_object_set_new(j, "region", json_string(cl->region));
    json_object_set_new(j, "kind", json_string(cl->kind));
    json_object_set_new(j, "lat", cl->has_geo ? json_real(cl->lat) : json_null());
    json_object_set_new(j, "lon", cl->has_geo ? json_real(cl->lon) : json_null());
    json_object_set_new(j, "hours", json_string(h));
    json_object_set_new(j, "open_now", json_boolean(open));
    json_object_set_new(j, "next_open",
                        open || !cl->active
                            ? json_null()
                            : iso_or_null(queue_hours_next_open(&cl->hours, now, QUEUE_TZ_MIN)));
    json_object_set_new(j, "counters_open", json_integer(s->open_counters));
    json_object_set_new(j, "waiting", json_integer(s->prio_waiting + s->ord_waiting));
    json_object_set_new(j, "waiting_priority", json_integer(s->prio_waiting));
    json_object_set_new(j, "expected_wait_min", minutes(s->wait_s));
    json_object_set_new(
        j, "overloaded",
        json_boolean(s->wait_s > (double)pol()->queue.overload_wait_min * 60 || s->wait_s < 0));
    return j;
}

/* The public display's content (also each live event): last numbers
 * called, who waits, the expected wait. Read in the caller's transaction. */
static json_t *display_json(struct db_conn *c, const struct queue_clinic *cl, const char *day,
                            struct crest_error *err)
{
    struct queue_snapshot s;
    if (queue_snapshot_get(c, cl->facility_id, day, pol(), &s, err))
        return NULL;
    int64_t now = util_now_ms();
    json_t *j = clinic_json(cl, &s, now);
    json_object_set_new(j, "day", json_string(day));
    json_t *called = json_array();
    struct db_stmt *st = db_query(c, err,
                                  "SELECT label, counter_no, called_ms, state, id FROM "
                                  "queue_tickets WHERE facility_id = ? AND day = ? AND called_ms "
                                  "IS NOT NULL ORDER BY called_ms DESC LIMIT 8",
                                  "is", cl->facility_id, day);
    int rc = st ? 0 : -1;
    while (st && (rc = db_step(st, err)) == 1) {
        json_t *o = json_object();
        json_object_set_new(o, "label", json_string(db_col_text(st, 0)));
        json_object_set_new(o, "counter", json_integer(db_col_int(st, 1)));
        json_object_set_new(o, "at", iso_or_null(db_col_int(st, 2)));
        json_object_set_new(o, "state", json_string(db_col_text(st, 3)));
        json_object_set_new(o, "ticket", json_integer(db_col_int(st, 4)));
        json_array_append_new(called, o);
    }
    db_finalize(st);
    if (rc < 0) {
        json_decref(called);
        json_decref(j);
        return NULL;
    }
    json_object_set_new(j, "called", called);
    json_object_set_new(j, "at", iso_or_null(now));
    return j;
}

/* Tell the live views; after the commit, never inside the transaction. */
static void publish(int64_t facility_id, json_t *display)
{
    if (!display)
        return;
    char *s = json_dumps(display, JSON_COMPACT);
    if (s)
        http_sse_publish(TOPIC(facility_id), "queue", s);
    free(s);
}

/* After a committed change: the live views' snapshot, read from a reader
 * connection outside the single writer, when someone watches. Read and
 * publish under the clinic's stripe lock: a snapshot read later is never
 * older, so the topic's last message is never an older state than one
 * published before it (two calls at once publish in their reads' order). */
#define PUBLISH_STRIPES 64
static pthread_mutex_t publish_mu[PUBLISH_STRIPES];
static pthread_once_t publish_once = PTHREAD_ONCE_INIT;
static void publish_init(void)
{
    for (int i = 0; i < PUBLISH_STRIPES; i++)
        pthread_mutex_init(&publish_mu[i], NULL);
}

static void publish_now(struct http_req *r, int64_t facility_id)
{
    if (http_sse_watchers(TOPIC(facility_id)) <= 0)
        return;
    struct crest_error err;
    crest_error_clear(&err);
    pthread_once(&publish_once, publish_init);
    pthread_mutex_t *mu = &publish_mu[(uint64_t)facility_id % PUBLISH_STRIPES];
    struct db_conn *c = db_acquire(http_db(r));
    pthread_mutex_lock(mu);
    char day[11];
    today(c, day);
    struct queue_clinic cl;
    json_t *j = NULL;
    if (queue_clinic_get(c, facility_id, pol(), &cl, &err) == CREST_OK)
        j = display_json(c, &cl, day, &err);
    publish(facility_id, j);
    pthread_mutex_unlock(mu);
    db_release(http_db(r), c);
    json_decref(j);
}

static json_t *ticket_json(const struct queue_ticket *t, const struct queue_clinic *cl,
                           int64_t before, double wait_s)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(t->id));
    json_object_set_new(j, "clinic_id", json_integer(t->facility_id));
    if (cl)
        json_object_set_new(j, "clinic_name", json_string(cl->name));
    json_object_set_new(j, "day", json_string(t->day));
    json_object_set_new(j, "number", json_string(t->label));
    json_object_set_new(j, "lane", json_string(t->lane));
    json_object_set_new(j, "priority", json_boolean(t->prio));
    json_object_set_new(j, "source", json_string(t->online ? "online" : "desk"));
    json_object_set_new(j, "state", json_string(queue_state_name(t->state)));
    json_object_set_new(j, "calls", json_integer(t->calls));
    json_object_set_new(j, "counter",
                        t->counter_no > 0 ? json_integer(t->counter_no) : json_null());
    json_object_set_new(j, "issued_at", iso_or_null(t->issued_ms));
    json_object_set_new(j, "called_at", iso_or_null(t->called_ms));
    json_object_set_new(j, "started_at", iso_or_null(t->started_ms));
    json_object_set_new(j, "done_at", iso_or_null(t->done_ms));
    bool waiting = t->state == QS_WAITING;
    json_object_set_new(j, "ahead", waiting && before >= 0 ? json_integer(before) : json_null());
    json_object_set_new(j, "expected_wait_min", waiting ? minutes(wait_s) : json_null());
    json_object_set_new(j, "expected_call_at",
                        waiting && wait_s >= 0
                            ? iso_or_null(util_now_ms() + (int64_t)(wait_s * 1000))
                            : json_null());
    json_object_set_new(j, "version", json_integer(t->version));
    return j;
}

/* A ticket with its place and expected call time now. */
static json_t *ticket_live_json(struct db_conn *c, const struct queue_ticket *t,
                                const struct queue_clinic *cl, struct crest_error *err)
{
    int64_t before = -1;
    double wait = -1;
    if (t->state == QS_WAITING) {
        struct queue_snapshot s;
        if (queue_snapshot_get(c, t->facility_id, t->day, pol(), &s, err) ||
            queue_ticket_position(c, t, &s, pol(), &before, err))
            return NULL;
        wait = queue_snapshot_wait(&s, before);
    }
    return ticket_json(t, cl, before, wait);
}

/* ---- recommendation ---- */

static void reason_text(struct http_req *r, const struct queue_candidate *k, int rank, bool nearest,
                        char *out, size_t cap)
{
    double tr = k->travel_s / 60, w = (k->total_s - k->travel_s) / 60;
    bool zh = strcmp(r->lang, "en") != 0;
    if (!k->open_now)
        snprintf(out, cap, zh ? "现在未开诊" : "Closed now");
    else if (k->wait_s < 0)
        snprintf(out, cap, zh ? "暂无开放的诊台" : "No counter open");
    else if (rank == 0 && nearest)
        snprintf(out, cap,
                 zh ? "最近且总用时最短：路程约 %.0f 分钟，到达后约等 %.0f 分钟"
                    : "Nearest and quickest: about %.0f min to get there, %.0f min wait on "
                      "arrival",
                 tr, w);
    else if (rank == 0)
        snprintf(out, cap,
                 zh ? "总用时最短：路程约 %.0f 分钟，到达后约等 %.0f 分钟（比最近的诊室快）"
                    : "Quickest in total: about %.0f min to get there, %.0f min wait on arrival "
                      "(faster than the nearest)",
                 tr, w);
    else
        snprintf(out, cap,
                 zh ? "路程约 %.0f 分钟，到达后约等 %.0f 分钟"
                    : "About %.0f min to get there, %.0f min wait on arrival",
                 tr, w);
}

/* Rank the clinics near (lat, lon) and put the top n (open, with a known
 * wait) into an array; the nearest closed/overloaded ones say when they
 * open. exclude: a facility left out (the closed clinic asked for). */
static json_t *recommend(struct db_conn *c, struct http_req *r, double lat, double lon,
                         const char *day, int64_t exclude, int n, struct crest_error *err)
{
    struct queue_candidate cand[CANDIDATES];
    struct queue_clinic cls[CANDIDATES];
    int nc = 0;
    for (double span = 0.15; span < 2 && nc < 3; span *= 4) {
        nc = 0;
        struct db_stmt *st = db_query(
            c, err,
            "SELECT id FROM facilities WHERE active = 1 AND lat BETWEEN ? AND ? AND lon BETWEEN ? "
            "AND ? AND id <> ? AND (kind IN ('fever_room_township','fever_room_community') OR "
            "(kind = 'hospital' AND level IN ('secondary','tertiary'))) ORDER BY (lat - ?) * (lat "
            "- ?) + (lon - ?) * (lon - ?), id LIMIT ?",
            "ddddiddddi", lat - span, lat + span, lon - span * 1.2, lon + span * 1.2, exclude, lat,
            lat, lon, lon, (int64_t)CANDIDATES);
        if (!st)
            return NULL;
        int64_t ids[CANDIDATES];
        int rc, m = 0;
        while ((rc = db_step(st, err)) == 1 && m < CANDIDATES)
            ids[m++] = db_col_int(st, 0);
        db_finalize(st);
        if (rc < 0)
            return NULL;
        int64_t now = util_now_ms();
        for (int i = 0; i < m; i++) {
            struct queue_snapshot s;
            if (queue_clinic_get(c, ids[i], pol(), &cls[nc], err) == CREST_NOTFOUND) {
                crest_error_clear(err);
                continue;
            }
            if (err->code || queue_snapshot_get(c, ids[i], day, pol(), &s, err))
                return NULL;
            int64_t next = queue_hours_next_open(&cls[nc].hours, now, QUEUE_TZ_MIN);
            cand[nc] = (struct queue_candidate){.facility_id = ids[i],
                                                .lat = cls[nc].lat,
                                                .lon = cls[nc].lon,
                                                .open_now = next == now,
                                                .next_open_ms = next,
                                                .wait_s = s.wait_s};
            nc++;
        }
        int usable = 0;
        for (int i = 0; i < nc; i++)
            usable += cand[i].open_now && cand[i].wait_s >= 0;
        if (usable >= 3)
            break;
        if (span * 4 >= 2)
            break;
    }
    /* the nearest open one, to say whether the best is also the nearest */
    int64_t nearest = 0;
    double nd = 1e300;
    for (int i = 0; i < nc; i++) {
        double d = queue_distance_km(lat, lon, cand[i].lat, cand[i].lon);
        if (cand[i].open_now && cand[i].wait_s >= 0 && d < nd) {
            nd = d;
            nearest = cand[i].facility_id;
        }
    }
    queue_rank(cand, nc, lat, lon, pol()->queue.travel_speed_kmh,
               (double)pol()->queue.overload_wait_min * 60);
    json_t *arr = json_array();
    for (int i = 0; i < nc && (int)json_array_size(arr) < n; i++) {
        const struct queue_candidate *k = &cand[i];
        if (!k->open_now || k->wait_s < 0)
            continue;
        const struct queue_clinic *cl = NULL;
        for (int x = 0; x < nc; x++)
            if (cls[x].facility_id == k->facility_id)
                cl = &cls[x];
        json_t *o = json_object();
        json_object_set_new(o, "clinic_id", json_integer(k->facility_id));
        json_object_set_new(o, "name", json_string(cl ? cl->name : ""));
        json_object_set_new(o, "region", json_string(cl ? cl->region : ""));
        json_object_set_new(o, "lat", json_real(k->lat));
        json_object_set_new(o, "lon", json_real(k->lon));
        json_object_set_new(o, "distance_km", json_real(round(k->distance_km * 10) / 10));
        json_object_set_new(o, "travel_min", minutes(k->travel_s));
        json_object_set_new(o, "expected_wait_min", minutes(k->wait_s));
        json_object_set_new(o, "total_min", minutes(k->total_s));
        json_object_set_new(o, "overloaded", json_boolean(k->overloaded));
        char text[256];
        int rank = (int)json_array_size(arr);
        reason_text(r, k, rank, k->facility_id == nearest, text, sizeof text);
        json_object_set_new(o, "reason",
                            json_string(rank == 0 ? (k->facility_id == nearest ? "nearest_quickest"
                                                                               : "quickest_total")
                                                  : "alternative"));
        json_object_set_new(o, "reason_text", json_string(text));
        json_array_append_new(arr, o);
    }
    return arr;
}

void queue_api_recommend(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    const char *slat = http_query(r, "lat"), *slon = http_query(r, "lon");
    double lat = 0, lon = 0;
    char *end;
    if (!slat)
        crest_error_field(&err, "lat", "required", "field_required", NULL);
    else if (lat = strtod(slat, &end), *end || !(lat >= LAT_MIN && lat <= LAT_MAX))
        crest_error_field(&err, "lat", "range", "queue_outside_province", NULL);
    if (!slon)
        crest_error_field(&err, "lon", "required", "field_required", NULL);
    else if (lon = strtod(slon, &end), *end || !(lon >= LON_MIN && lon <= LON_MAX))
        crest_error_field(&err, "lon", "range", "queue_outside_province", NULL);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    struct db_conn *c = db_acquire(http_db(r));
    char day[11];
    today(c, day);
    json_t *arr = recommend(c, r, lat, lon, day, 0, 3, &err);
    db_release(http_db(r), c);
    if (!arr) {
        http_reply_error(r, &err);
        return;
    }
    json_t *j = json_object();
    json_object_set_new(j, "lat", json_real(lat));
    json_object_set_new(j, "lon", json_real(lon));
    json_object_set_new(j, "travel_speed_kmh", json_real(pol()->queue.travel_speed_kmh));
    json_object_set_new(j, "items", arr);
    http_reply_json(r, 200, j);
}

/* ---- clinic status, hours, counters ---- */

/* Load the clinic of {id} for a reader: 404 when not a clinic, or a desk of
 * another clinic. */
static int clinic_for(struct db_conn *c, struct http_req *r, int64_t id, struct queue_clinic *cl,
                      bool desk_only, struct crest_error *err)
{
    int rc = queue_clinic_get(c, id, pol(), cl, err);
    if (rc == CREST_OK && ((desk_only || r->user.role == ROLE_CLINIC) && !desk_may(r, cl)))
        rc = CREST_NOTFOUND;
    if (rc == CREST_NOTFOUND) {
        crest_error_clear(err);
        return crest_error_set(err, CREST_NOTFOUND, "queue_clinic_not_found", NULL);
    }
    return rc;
}

void queue_api_clinic_get(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    int64_t id = 0;
    struct queue_clinic cl;
    json_t *j = NULL;
    struct db_conn *c = db_acquire(http_db(r));
    char day[11];
    today(c, day);
    int rc = parse_int_param(r, "id", &id)
                 ? clinic_for(c, r, id, &cl, false, &err)
                 : crest_error_set(&err, CREST_NOTFOUND, "queue_clinic_not_found", NULL);
    if (rc == CREST_OK)
        j = display_json(c, &cl, day, &err);
    /* closed or overloaded: where else to go from here (the issue's "says
     * when it opens and where else to go"; next_open is already there) */
    if (j && cl.has_geo && !(is_desk(r) && desk_may(r, &cl)) &&
        (!json_is_true(json_object_get(j, "open_now")) ||
         json_is_true(json_object_get(j, "overloaded")))) {
        json_t *alt = recommend(c, r, cl.lat, cl.lon, day, cl.facility_id, 3, &err);
        if (alt)
            json_object_set_new(j, "alternatives", alt);
        else {
            json_decref(j);
            j = NULL;
        }
    }
    if (j && is_desk(r) && desk_may(r, &cl)) {
        /* the desk also sees its counters */
        json_t *arr = json_array();
        struct db_stmt *st = db_query(c, &err,
                                      "SELECT counter_no, is_open, ewma_s, samples, ticket_id "
                                      "FROM queue_counters WHERE facility_id = ? ORDER BY "
                                      "counter_no",
                                      "i", id);
        int s = st ? 0 : -1;
        while (st && (s = db_step(st, &err)) == 1) {
            json_t *o = json_object();
            json_object_set_new(o, "counter", json_integer(db_col_int(st, 0)));
            json_object_set_new(o, "open", json_boolean(db_col_int(st, 1) != 0));
            json_object_set_new(o, "service_min",
                                db_col_null(st, 2) ? json_null() : minutes(db_col_double(st, 2)));
            json_object_set_new(o, "samples", json_integer(db_col_int(st, 3)));
            json_object_set_new(o, "ticket",
                                db_col_null(st, 4) ? json_null() : json_integer(db_col_int(st, 4)));
            json_array_append_new(arr, o);
        }
        db_finalize(st);
        json_object_set_new(j, "counters", arr);
        if (s < 0) {
            json_decref(j);
            j = NULL;
        }
    }
    db_release(http_db(r), c);
    if (!j) {
        http_reply_error(r, &err);
        return;
    }
    http_reply_json(r, 200, j);
}

struct hours_arg {
    int64_t id;
    char hours[16];
    json_t *display;
};

static int hours_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct hours_arg *a = arg;
    struct queue_clinic cl;
    int rc = clinic_for(c, r, a->id, &cl, true, err);
    if (rc)
        return rc;
    int64_t version = 0;
    if ((rc = queue_hours_set(c, a->id, a->hours, &version, err)))
        return rc;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)a->id);
    struct audit_entry e;
    audit_of(r, &e, "update", "queue_clinic_hours", id, cl.region);
    if ((rc = audit_append(c, &e, err)))
        return rc;
    queue_hours_parse(a->hours, &cl.hours);
    char day[11];
    today(c, day);
    json_decref(a->display);
    if (!(a->display = display_json(c, &cl, day, err)))
        return err->code;
    http_reply_json(r, 200, json_incref(a->display));
    return CREST_OK;
}

void queue_api_clinic_hours(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct hours_arg a = {0, "", NULL};
    if (!parse_int_param(r, "id", &a.id)) {
        http_reply_problem(r, CREST_NOTFOUND, "queue_clinic_not_found");
        return;
    }
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        const char *h = jdec_str(&d, "hours", true, 3, 11);
        jdec_end(&d);
        struct queue_hours qh;
        if (h && !queue_hours_parse(h, &qh))
            crest_error_field(&err, "hours", "format", "queue_hours_format", NULL);
        else if (h)
            queue_hours_format(&qh, a.hours);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, hours_fn, &a);
    if (r->status == 200 && !r->replayed)
        publish_now(r, a.id);
    json_decref(a.display);
}

struct counter_arg {
    int64_t id, no;
    bool open;
    json_t *display;
};

static int counter_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct counter_arg *a = arg;
    struct queue_clinic cl;
    int rc = clinic_for(c, r, a->id, &cl, true, err);
    if (rc)
        return rc;
    if ((rc = queue_counter_set(c, a->id, a->no, a->open, err)))
        return rc;
    char id[48];
    snprintf(id, sizeof id, "%lld/%lld", (long long)a->id, (long long)a->no);
    struct audit_entry e;
    audit_of(r, &e, a->open ? "open" : "close", "queue_counter", id, cl.region);
    if ((rc = audit_append(c, &e, err)))
        return rc;
    char day[11];
    today(c, day);
    json_decref(a->display);
    if (!(a->display = display_json(c, &cl, day, err)))
        return err->code;
    json_t *j = json_object();
    json_object_set_new(j, "clinic_id", json_integer(a->id));
    json_object_set_new(j, "counter", json_integer(a->no));
    json_object_set_new(j, "open", json_boolean(a->open));
    json_object_set_new(j, "clinic", json_incref(a->display));
    http_reply_json(r, 200, j);
    return CREST_OK;
}

void queue_api_counter_put(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct counter_arg a = {0, 0, false, NULL};
    if (!parse_int_param(r, "id", &a.id)) {
        http_reply_problem(r, CREST_NOTFOUND, "queue_clinic_not_found");
        return;
    }
    const char *no = http_param(r, "no");
    if (!no || !str_to_i64(str_of(no), &a.no) || a.no < 1 || a.no > 99)
        crest_error_field(&err, "counter", "range", "field_range", "1..99");
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        jdec_bool(&d, "open", true, &a.open);
        jdec_end(&d);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, counter_fn, &a);
    if (r->status == 200 && !r->replayed)
        publish_now(r, a.id);
    json_decref(a.display);
}

/* ---- tickets ---- */

struct issue_arg {
    int64_t clinic;
    struct queue_ticket t;
    struct queue_snapshot counters; /* read before the transaction: an estimate */
    struct queue_clinic cl;
    int64_t before;
    json_t *closed; /* set when the clinic is closed: next_open + alternatives */
    json_t *existing;
};

/* The 201: built inside the transaction only when an Idempotency-Key must
 * keep it, else after the commit, outside the single writer. */
static void issue_reply(struct http_req *r, struct issue_arg *a)
{
    http_add_header(r, "Location",
                    arena_printf(&r->arena, "/api/v1/queue/tickets/%lld", (long long)a->t.id));
    http_reply_json(r, 201, ticket_json(&a->t, &a->cl, a->before, a->t.est_wait_s));
}

static int issue_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct issue_arg *a = arg;
    json_decref(a->closed);
    json_decref(a->existing);
    a->closed = a->existing = NULL;
    struct queue_clinic cl;
    bool desk = r->user.role != ROLE_RESIDENT;
    int rc = clinic_for(c, r, a->clinic, &cl, desk, err);
    if (rc)
        return rc;
    if (!cl.active)
        return crest_error_set(err, CREST_CONFLICT, "queue_clinic_inactive", NULL);
    struct queue_ticket *t = &a->t;
    /* one open ticket per person */
    if (t->person[0]) {
        struct queue_ticket old;
        rc = queue_ticket_open_of(c, t->person, &old, err);
        if (rc == CREST_OK) {
            a->existing = json_object();
            json_object_set_new(a->existing, "id", json_integer(old.id));
            json_object_set_new(a->existing, "number", json_string(old.label));
            json_object_set_new(a->existing, "clinic_id", json_integer(old.facility_id));
            json_object_set_new(a->existing, "state", json_string(queue_state_name(old.state)));
            return crest_error_set(err, CREST_CONFLICT, "queue_ticket_open", "%s", old.label);
        }
        if (rc != CREST_NOTFOUND)
            return rc;
        crest_error_clear(err);
    }
    char day[11];
    today(c, day);
    int64_t now = util_now_ms();
    int64_t next = queue_hours_next_open(&cl.hours, now, QUEUE_TZ_MIN);
    if (next != now) {
        a->closed = json_object();
        json_object_set_new(a->closed, "next_open", iso_or_null(next));
        double lat = t->has_geo ? t->lat : cl.lat, lon = t->has_geo ? t->lon : cl.lon;
        json_t *alt = recommend(c, r, lat, lon, day, cl.facility_id, 3, err);
        if (!alt)
            return err->code;
        json_object_set_new(a->closed, "alternatives", alt);
        char iso[32];
        util_iso8601(iso, next);
        return crest_error_set(err, CREST_CONFLICT, "queue_clinic_closed", "%s", iso);
    }
    struct queue_snapshot s = a->counters;
    /* an online ticket from a location: not called before its holder is
     * there (queue_call_estimate) */
    s.travel_s = t->online && t->has_geo && cl.has_geo && pol()->queue.travel_speed_kmh > 0
                     ? queue_distance_km(t->lat, t->lon, cl.lat, cl.lon) /
                           pol()->queue.travel_speed_kmh * 3600
                     : 0;
    t->facility_id = cl.facility_id;
    str_copy(t->region, sizeof t->region, cl.region);
    str_copy(t->day, sizeof t->day, day);
    if ((rc = queue_ticket_issue(c, t, &s, &a->before, r->user.id, err)) ||
        (rc = audit_ticket(c, r, "create", t, err)))
        return rc;
    a->cl = cl;
    if (r->idem_key)
        issue_reply(r, a);
    return CREST_OK;
}

/* Add members to the problem body http_write left in r->resp. */
static void problem_extend(struct http_req *r, const char *key, json_t *v)
{
    json_t *j = json_loadb(r->resp.p ? r->resp.p : "", r->resp.n, 0, NULL);
    if (!j)
        return;
    int status = r->status;
    json_object_set(j, key, v);
    http_reply_json(r, status, j);
    r->ctype = "application/problem+json; charset=utf-8";
}

static bool lane_decode(const char *lane, struct queue_ticket *t, struct crest_error *err)
{
    if (!lane || !strcmp(lane, "ordinary")) {
        str_copy(t->lane, sizeof t->lane, "ordinary");
        return true;
    }
    if (!policy_list_has(&pol()->queue.priority_lanes, lane)) {
        crest_error_field(err, "lane", "invalid", "queue_lane_invalid", NULL);
        return false;
    }
    str_copy(t->lane, sizeof t->lane, lane);
    t->prio = true;
    return true;
}

void queue_api_ticket_create(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct issue_arg a;
    memset(&a, 0, sizeof a);
    if (!parse_int_param(r, "id", &a.clinic)) {
        http_reply_problem(r, CREST_NOTFOUND, "queue_clinic_not_found");
        return;
    }
    bool resident = r->user.role == ROLE_RESIDENT;
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        const char *lane = jdec_str(&d, "lane", false, 1, 47);
        const char *phone = resident ? NULL : jdec_str(&d, "phone", false, 0, 20);
        double lat = 0, lon = 0;
        bool hl = jdec_double(&d, "lat", resident, -90, 90, &lat);
        bool ho = jdec_double(&d, "lon", resident, -180, 180, &lon);
        jdec_end(&d);
        lane_decode(lane, &a.t, &err);
        if (hl && !(lat >= LAT_MIN && lat <= LAT_MAX))
            crest_error_field(&err, "lat", "range", "queue_outside_province", NULL);
        if (ho && !(lon >= LON_MIN && lon <= LON_MAX))
            crest_error_field(&err, "lon", "range", "queue_outside_province", NULL);
        if (hl != ho && !err.nfields)
            crest_error_field(&err, hl ? "lon" : "lat", "required", "cap_latlon_pair", NULL);
        a.t.has_geo = hl && ho;
        a.t.lat = lat;
        a.t.lon = lon;
        if (phone && phone[0] && !validate_phone(phone))
            crest_error_field(&err, "phone", "format", "phone_invalid", NULL);
        else if (phone && phone[0]) {
            /* a person at the desk is known by a hash of their phone: the
             * one-open-ticket rule without keeping the number */
            char h[65];
            util_sha256_hex(h, phone, strlen(phone));
            snprintf(a.t.person, sizeof a.t.person, "tel:%s", h);
        }
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    a.t.online = resident;
    a.t.user_id = r->user.id;
    if (resident)
        snprintf(a.t.person, sizeof a.t.person, "user:%lld", (long long)r->user.id);
    struct db_conn *c = db_acquire(http_db(r));
    int rc = queue_counters_get(c, a.clinic, pol(), &a.counters, &err);
    db_release(http_db(r), c);
    if (rc) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, issue_fn, &a);
    if (!r->status) /* committed, the reply left for now */
        issue_reply(r, &a);
    if (r->status == 201 && !r->replayed)
        publish_now(r, a.t.facility_id);
    else if (r->status == 409 && a.closed) {
        problem_extend(r, "next_open", json_object_get(a.closed, "next_open"));
        problem_extend(r, "alternatives", json_object_get(a.closed, "alternatives"));
    } else if (r->status == 409 && a.existing)
        problem_extend(r, "ticket", a.existing);
    json_decref(a.closed);
    json_decref(a.existing);
}

/* May the caller see/act on this ticket? (desk of its clinic, overseers in
 * scope, the resident who took it) */
static bool ticket_may(struct http_req *r, const struct queue_ticket *t)
{
    switch (r->user.role) {
    case ROLE_CLINIC: return r->user.facility_id == t->facility_id;
    case ROLE_ADMIN:
    case ROLE_COMMANDER: return auth_in_scope(&r->user, t->region);
    case ROLE_RESIDENT: return t->online && t->user_id == r->user.id;
    default: return false;
    }
}

static void ticket_reply(struct http_req *r, struct db_conn *c, int rc, struct queue_ticket *t,
                         struct crest_error *err)
{
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !ticket_may(r, t))) {
        http_reply_problem(r, CREST_NOTFOUND, "queue_ticket_not_found");
        return;
    }
    struct queue_clinic cl;
    json_t *j = NULL;
    if (rc == CREST_OK && queue_clinic_get(c, t->facility_id, pol(), &cl, err) == CREST_OK)
        j = ticket_live_json(c, t, &cl, err);
    if (!j) {
        http_reply_error(r, err);
        return;
    }
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)t->version));
    http_reply_json(r, 200, j);
}

void queue_api_ticket_get(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    int64_t id;
    struct queue_ticket t;
    struct db_conn *c = db_acquire(http_db(r));
    int rc = parse_int_param(r, "id", &id) ? queue_ticket_get(c, id, &t, &err) : CREST_NOTFOUND;
    ticket_reply(r, c, rc, &t, &err);
    db_release(http_db(r), c);
}

void queue_api_ticket_mine(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char person[80];
    snprintf(person, sizeof person, "user:%lld", (long long)r->user.id);
    struct queue_ticket t;
    struct db_conn *c = db_acquire(http_db(r));
    int rc = queue_ticket_open_of(c, person, &t, &err);
    ticket_reply(r, c, rc, &t, &err);
    db_release(http_db(r), c);
}

struct event_arg {
    int64_t id, counter;
    enum queue_event ev;
    struct queue_ticket t;
};

static int event_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct event_arg *a = arg;
    int rc = queue_ticket_get(c, a->id, &a->t, err);
    if (rc == CREST_NOTFOUND || (rc == CREST_OK && !ticket_may(r, &a->t))) {
        crest_error_clear(err);
        return crest_error_set(err, CREST_NOTFOUND, "queue_ticket_not_found", NULL);
    }
    if (rc)
        return rc;
    /* a resident may only withdraw */
    if (r->user.role == ROLE_RESIDENT && a->ev != QE_CANCEL)
        return crest_error_field(err, "event", "forbidden", "queue_resident_cancel_only", NULL);
    struct queue_clinic cl;
    if ((rc = queue_clinic_get(c, a->t.facility_id, pol(), &cl, err)))
        return rc;
    if ((rc = queue_ticket_apply(c, &a->t, a->ev, a->counter, r->user.id, pol(), err)) ||
        (rc = audit_ticket(c, r, queue_event_name(a->ev), &a->t, err)))
        return rc;
    json_t *j = ticket_live_json(c, &a->t, &cl, err);
    if (!j)
        return err->code;
    http_add_header(r, "ETag", arena_printf(&r->arena, "\"%lld\"", (long long)a->t.version));
    http_reply_json(r, 200, j);
    return CREST_OK;
}

void queue_api_ticket_event(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct event_arg a;
    memset(&a, 0, sizeof a);
    if (!parse_int_param(r, "id", &a.id)) {
        http_reply_problem(r, CREST_NOTFOUND, "queue_ticket_not_found");
        return;
    }
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        const char *ev = jdec_str(&d, "event", true, 1, 16);
        jdec_int(&d, "counter", false, 1, 99, &a.counter);
        jdec_end(&d);
        int e = ev ? queue_event_parse(ev) : -1;
        if (ev && e < 0)
            crest_error_field(&err, "event", "invalid", "field_range",
                              "call | start | finish | miss | cancel | requeue");
        a.ev = (enum queue_event)(e < 0 ? 0 : e);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, event_fn, &a);
    if (r->status == 200 && !r->replayed)
        publish_now(r, a.t.facility_id);
}

struct next_arg {
    int64_t id, counter;
    struct queue_ticket t;
    struct queue_clinic cl;
};

/* The 200: inside the transaction only for an Idempotency-Key (as
 * issue_reply). */
static void next_reply(struct http_req *r, struct next_arg *a)
{
    json_t *j = json_object();
    json_object_set_new(j, "ticket", ticket_json(&a->t, &a->cl, -1, -1));
    http_reply_json(r, 200, j);
}

static int next_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct next_arg *a = arg;
    struct queue_clinic cl;
    int rc = clinic_for(c, r, a->id, &cl, true, err);
    if (rc)
        return rc;
    char day[11];
    today(c, day);
    if ((rc = queue_call_next(c, a->id, day, a->counter, r->user.id, pol(), &a->t, err)) ||
        (rc = audit_ticket(c, r, "call", &a->t, err)))
        return rc;
    a->cl = cl;
    if (r->idem_key)
        next_reply(r, a);
    return CREST_OK;
}

void queue_api_call_next(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct next_arg a;
    memset(&a, 0, sizeof a);
    if (!parse_int_param(r, "id", &a.id)) {
        http_reply_problem(r, CREST_NOTFOUND, "queue_clinic_not_found");
        return;
    }
    struct jdec d;
    if (jdec_begin(&d, r->body.p, r->body.n, &err) == CREST_OK) {
        jdec_int(&d, "counter", true, 1, 99, &a.counter);
        jdec_end(&d);
    }
    jdec_free(&d);
    if (err.code) {
        http_reply_error(r, &err);
        return;
    }
    http_write(r, next_fn, &a);
    if (!r->status) /* committed, the reply left for now */
        next_reply(r, &a);
    /* the live views (the desk's own screen is one of them) */
    if (r->status == 200 && !r->replayed)
        publish_now(r, a.id);
}

/* The desk's list: open tickets in the order they will be called. */
void queue_api_queue_list(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    int64_t id = 0;
    struct queue_clinic cl;
    struct db_conn *c = db_acquire(http_db(r));
    char day[11];
    today(c, day);
    int rc = parse_int_param(r, "id", &id)
                 ? clinic_for(c, r, id, &cl, true, &err)
                 : crest_error_set(&err, CREST_NOTFOUND, "queue_clinic_not_found", NULL);
    struct queue_snapshot s;
    if (rc == CREST_OK)
        rc = queue_snapshot_get(c, id, day, pol(), &s, &err);
    json_t *active = json_array(), *lanes[2] = {json_array(), json_array()};
    struct db_stmt *st =
        rc ? NULL
           : db_query(c, &err,
                      "SELECT id FROM queue_tickets WHERE facility_id = ? AND day = ? AND state "
                      "IN ('waiting','called','serving') ORDER BY seq LIMIT 2000",
                      "is", id, day);
    int64_t ids[2000];
    int n = 0, s2 = st ? 0 : -1;
    while (st && (s2 = db_step(st, &err)) == 1)
        ids[n++] = db_col_int(st, 0);
    db_finalize(st);
    if (rc == CREST_OK && s2 < 0)
        rc = err.code;
    for (int i = 0; rc == CREST_OK && i < n; i++) {
        struct queue_ticket t;
        if ((rc = queue_ticket_get(c, ids[i], &t, &err)))
            break;
        json_t *o = ticket_json(&t, NULL, -1, -1);
        if (t.state == QS_WAITING)
            json_array_append_new(lanes[t.prio && s.max_streak > 0], o);
        else
            json_array_append_new(active, o);
    }
    db_release(http_db(r), c);
    if (rc) {
        json_decref(active);
        json_decref(lanes[0]);
        json_decref(lanes[1]);
        http_reply_error(r, &err);
        return;
    }
    /* merge the lanes in calling order, with each ticket's place and wait */
    json_t *waiting = json_array();
    size_t ip = 0, io = 0, np = json_array_size(lanes[1]), no = json_array_size(lanes[0]);
    int streak = s.streak;
    int64_t k = 0;
    while (ip < np || io < no) {
        bool p = s.max_streak > 0
                     ? queue_pick_priority((int)(np - ip), (int)(no - io), streak, s.max_streak)
                     : false;
        json_t *o = p ? json_array_get(lanes[1], ip++) : json_array_get(lanes[0], io++);
        streak = queue_streak_after(p, streak);
        json_object_set_new(o, "ahead", json_integer(k));
        json_object_set_new(o, "expected_wait_min", minutes(queue_snapshot_wait(&s, k)));
        json_array_append(waiting, o);
        k++;
    }
    json_decref(lanes[0]);
    json_decref(lanes[1]);
    json_t *j = json_object();
    json_object_set_new(j, "clinic_id", json_integer(id));
    json_object_set_new(j, "day", json_string(day));
    json_object_set_new(j, "active", active);
    json_object_set_new(j, "waiting", waiting);
    http_reply_json(r, 200, j);
}

/* ---- public display and live stream ---- */

static json_t *public_display(struct http_req *r, int64_t *id, struct crest_error *err)
{
    struct queue_clinic cl;
    json_t *j = NULL;
    struct db_conn *c = db_acquire(http_db(r));
    char day[11];
    today(c, day);
    int rc =
        parse_int_param(r, "id", id) ? queue_clinic_get(c, *id, pol(), &cl, err) : CREST_NOTFOUND;
    if (rc == CREST_NOTFOUND) {
        crest_error_clear(err);
        crest_error_set(err, CREST_NOTFOUND, "queue_clinic_not_found", NULL);
    } else if (rc == CREST_OK)
        j = display_json(c, &cl, day, err);
    db_release(http_db(r), c);
    return j;
}

void queue_api_display(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    int64_t id = 0;
    json_t *j = public_display(r, &id, &err);
    if (!j) {
        http_reply_error(r, &err);
        return;
    }
    http_reply_json(r, 200, j);
}

void queue_api_events(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    int64_t id = 0;
    json_t *j = public_display(r, &id, &err);
    if (!j) {
        http_reply_error(r, &err);
        return;
    }
    /* EventSource asks for text/event-stream; anything else gets the
     * snapshot once (a poller, or a sweep of every route) */
    const char *accept = http_header(r, "Accept");
    if (!accept || !strstr(accept, "text/event-stream")) {
        http_reply_json(r, 200, j);
        return;
    }
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    http_reply_sse(r, TOPIC(id), "queue", s ? s : "{}");
    free(s);
}

/* ---- statistics ---- */

struct agg {
    char code[16];
    char name[401];
    int64_t id;
    int64_t waiting, served, served_hour, called;
    double sum;
    double *w;
    int64_t nw, cap;
    double wait_s;
};

static void agg_add(struct agg *a, double w)
{
    if (a->nw == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 64;
        a->w = realloc(a->w, (size_t)a->cap * sizeof *a->w);
        if (!a->w)
            abort();
    }
    a->w[a->nw++] = w;
    a->sum += w;
}

static int dcmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static json_t *agg_json(struct agg *a, bool clinic)
{
    json_t *o = json_object();
    if (clinic) {
        json_object_set_new(o, "clinic_id", json_integer(a->id));
        json_object_set_new(o, "name", json_string(a->name));
    }
    json_object_set_new(o, "region", json_string(a->code));
    if (a->nw > 1)
        qsort(a->w, (size_t)a->nw, sizeof *a->w, dcmp);
    json_object_set_new(o, "waiting", json_integer(a->waiting));
    json_object_set_new(o, "called_today", json_integer(a->nw));
    json_object_set_new(o, "served_today", json_integer(a->served));
    json_object_set_new(o, "served_last_hour", json_integer(a->served_hour));
    json_object_set_new(o, "mean_wait_min", a->nw ? minutes(a->sum / (double)a->nw) : json_null());
    json_object_set_new(o, "p90_wait_min",
                        a->nw ? minutes(a->w[(int64_t)floor(0.9 * (double)(a->nw - 1) + 0.5)])
                              : json_null());
    if (clinic)
        json_object_set_new(o, "expected_wait_min", minutes(a->wait_s));
    return o;
}

void queue_api_stats(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    char region[REGION_CODE_MAX], upper[20];
    if (!region_api_param(r, region))
        return;
    capacity_prefix_upper(region, upper);
    int64_t own = r->user.role == ROLE_CLINIC ? r->user.facility_id : 0;
    if (r->user.role == ROLE_CLINIC && !own) {
        http_reply_problem(r, CREST_NOTFOUND, "queue_clinic_not_found");
        return;
    }
    size_t len = strlen(region);
    size_t child = len < 6 ? len + 2 : (len < 15 ? len + 3 : len);
    struct db_conn *c = db_acquire(http_db(r));
    char day[11];
    bool illustrative = today(c, day);
    int64_t now = util_now_ms();
    /* clinics with a day in the region */
    struct agg *cl = NULL;
    int ncl = 0, capcl = 0;
    struct db_stmt *st = db_query(
        c, &err,
        "SELECT f.id, f.region, f.name, d.waiting_prio + d.waiting_ord FROM queue_days d JOIN "
        "facilities f ON f.id = d.facility_id WHERE d.day = ? AND f.region >= ? AND f.region < ? "
        "AND (? = 0 OR f.id = ?) ORDER BY f.id",
        "sssii", day, region, upper, own, own);
    int rc = st ? 0 : -1;
    while (st && (rc = db_step(st, &err)) == 1) {
        if (ncl == capcl) {
            capcl = capcl ? capcl * 2 : 64;
            cl = realloc(cl, (size_t)capcl * sizeof *cl);
            if (!cl)
                abort();
        }
        struct agg *a = &cl[ncl++];
        memset(a, 0, sizeof *a);
        a->id = db_col_int(st, 0);
        str_copy(a->code, sizeof a->code, db_col_text(st, 1));
        str_copy(a->name, sizeof a->name, db_col_text(st, 2));
        a->waiting = db_col_int(st, 3);
    }
    db_finalize(st);
    /* the day's called tickets: waits; done ones: served */
    if (rc >= 0) {
        st = db_query(c, &err,
                      /* the day's clinics first, then their called tickets (CROSS JOIN
                       * keeps SQLite to that order: not a scan of every day) */
                      "SELECT t.facility_id, t.called_ms - t.issued_ms, t.state, t.done_ms FROM "
                      "queue_days d CROSS JOIN facilities f CROSS JOIN queue_tickets t WHERE "
                      "f.id = d.facility_id AND t.facility_id = d.facility_id AND t.day = d.day "
                      "AND d.day = ? AND f.region >= ? AND f.region < ? AND t.called_ms IS NOT "
                      "NULL AND (? = 0 OR f.id = ?) ORDER BY d.facility_id",
                      "sssii", day, region, upper, own, own);
        rc = st ? 0 : -1;
        int k = 0;
        while (st && (rc = db_step(st, &err)) == 1) {
            int64_t fid = db_col_int(st, 0);
            while (k < ncl && cl[k].id < fid)
                k++;
            if (k == ncl || cl[k].id != fid)
                continue;
            agg_add(&cl[k], (double)db_col_int(st, 1) / 1000.0);
            if (!strcmp(db_col_text(st, 2), "done")) {
                cl[k].served++;
                cl[k].served_hour += db_col_int(st, 3) > now - 3600000;
            }
        }
        db_finalize(st);
    }
    for (int i = 0; rc >= 0 && i < ncl; i++) {
        struct queue_snapshot s;
        if (queue_snapshot_get(c, cl[i].id, day, pol(), &s, &err))
            rc = -1;
        cl[i].wait_s = s.wait_s;
    }
    db_release(http_db(r), c);
    if (rc < 0) {
        for (int i = 0; i < ncl; i++)
            free(cl[i].w);
        free(cl);
        http_reply_error(r, &err);
        return;
    }
    /* roll up to the region's children and the region itself */
    struct agg *rg = NULL, total;
    memset(&total, 0, sizeof total);
    str_copy(total.code, sizeof total.code, region);
    int nrg = 0;
    json_t *clinics = json_array();
    for (int i = 0; i < ncl; i++) {
        char code[16];
        str_copy(code, sizeof code, cl[i].code);
        if (strlen(code) > child)
            code[child] = '\0';
        int k = 0;
        while (k < nrg && strcmp(rg[k].code, code))
            k++;
        if (k == nrg) {
            rg = realloc(rg, (size_t)(nrg + 1) * sizeof *rg);
            if (!rg)
                abort();
            memset(&rg[k], 0, sizeof rg[k]);
            str_copy(rg[k].code, sizeof rg[k].code, code);
            nrg++;
        }
        struct agg *to[2] = {&rg[k], &total};
        for (int x = 0; x < 2; x++) {
            to[x]->waiting += cl[i].waiting;
            to[x]->served += cl[i].served;
            to[x]->served_hour += cl[i].served_hour;
            for (int64_t w = 0; w < cl[i].nw; w++)
                agg_add(to[x], cl[i].w[w]);
        }
        json_array_append_new(clinics, agg_json(&cl[i], true));
        free(cl[i].w);
    }
    free(cl);
    json_t *regions = json_array();
    for (int i = 0; i < nrg; i++) {
        json_array_append_new(regions, agg_json(&rg[i], false));
        free(rg[i].w);
    }
    free(rg);
    json_t *j = json_object();
    json_object_set_new(j, "day", json_string(day));
    json_object_set_new(j, "source", json_string(illustrative ? "illustrative" : "reported"));
    json_object_set_new(j, "total", agg_json(&total, false));
    free(total.w);
    json_object_set_new(j, "regions", regions);
    json_object_set_new(j, "clinics", clinics);
    http_reply_json(r, 200, j);
}
