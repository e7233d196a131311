/*
 * store.c - the queue pillar's SQL: clinics' hours and counters, tickets and
 * their event ledger, each clinic's day (next number, priority streak, lane
 * counts). The decisions (is this event legal, which lane goes next, how
 * long is the wait) are model.c's; this file reads the facts for it and
 * writes the outcome, in the caller's write transaction.
 */
#include <stdio.h>
#include <string.h>

#include "../base/str.h"
#include "../base/util.h"
#include "queue.h"

bool queue_is_clinic_kind(const char *kind, const char *level)
{
    if (!kind)
        return false;
    if (!strcmp(kind, "fever_room_township") || !strcmp(kind, "fever_room_community"))
        return true;
    return !strcmp(kind, "hospital") && level &&
           (!strcmp(level, "secondary") || !strcmp(level, "tertiary"));
}

int queue_clinic_get(struct db_conn *c, int64_t facility_id, const struct policy *p,
                     struct queue_clinic *out, struct crest_error *err)
{
    struct db_stmt *st = db_query(
        c, err,
        "SELECT f.id, f.region, f.kind, f.level, f.name, f.lat, f.lon, f.active, q.hours, "
        "q.version FROM facilities f LEFT JOIN queue_clinics q ON q.facility_id = f.id WHERE "
        "f.id = ?",
        "i", facility_id);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1 && queue_is_clinic_kind(db_col_text(st, 2), db_col_text(st, 3))) {
        memset(out, 0, sizeof *out);
        out->facility_id = db_col_int(st, 0);
        str_copy(out->region, sizeof out->region, db_col_text(st, 1));
        str_copy(out->kind, sizeof out->kind, db_col_text(st, 2));
        str_copy(out->name, sizeof out->name, db_col_text(st, 4));
        out->has_geo = !db_col_null(st, 5) && !db_col_null(st, 6);
        out->lat = db_col_double(st, 5);
        out->lon = db_col_double(st, 6);
        out->active = db_col_int(st, 7) != 0;
        const char *hours = db_col_text(st, 8);
        bool hosp = !strcmp(out->kind, "hospital");
        if (!hours || !queue_hours_parse(hours, &out->hours))
            queue_hours_parse(hosp ? "24h" : p->queue.default_hours, &out->hours);
        out->version = db_col_null(st, 9) ? 0 : db_col_int(st, 9);
        rc = 2;
    }
    db_finalize(st);
    if (rc < 0)
        return err->code;
    return rc == 2 ? CREST_OK : CREST_NOTFOUND;
}

int queue_snapshot_get(struct db_conn *c, int64_t facility_id, const char *day,
                       const struct policy *p, struct queue_snapshot *out, struct crest_error *err)
{
    memset(out, 0, sizeof *out);
    out->max_streak = queue_max_streak(p->queue.priority_share_pct);
    struct db_stmt *st =
        db_query(c, err,
                 "SELECT streak, waiting_prio, waiting_ord FROM queue_days WHERE facility_id = ? "
                 "AND day = ?",
                 "is", facility_id, day);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1) {
        out->streak = (int)db_col_int(st, 0);
        out->prio_waiting = db_col_int(st, 1);
        out->ord_waiting = db_col_int(st, 2);
    }
    db_finalize(st);
    if (rc < 0)
        return err->code;
    if ((rc = queue_counters_get(c, facility_id, p, out, err)))
        return rc;
    out->wait_s = queue_snapshot_wait(out, queue_calls_before(false, 0, out->ord_waiting,
                                                              out->prio_waiting, out->ord_waiting,
                                                              out->streak, out->max_streak));
    return CREST_OK;
}

double queue_snapshot_wait(const struct queue_snapshot *s, int64_t before)
{
    return queue_expected_wait(before, s->idle_counters, s->rate);
}

/* ---- tickets ---- */

#define TICKET_COLS                                                                                \
    "id, facility_id, region, day, no, label, lane, prio, seq, person, user_id, source, lat, "     \
    "lon, state, calls, counter_no, issued_ms, called_ms, started_ms, done_ms, est_wait_s, "       \
    "version"

static void ticket_fill(struct db_stmt *st, struct queue_ticket *t)
{
    memset(t, 0, sizeof *t);
    t->id = db_col_int(st, 0);
    t->facility_id = db_col_int(st, 1);
    str_copy(t->region, sizeof t->region, db_col_text(st, 2));
    str_copy(t->day, sizeof t->day, db_col_text(st, 3));
    t->no = db_col_int(st, 4);
    str_copy(t->label, sizeof t->label, db_col_text(st, 5));
    str_copy(t->lane, sizeof t->lane, db_col_text(st, 6));
    t->prio = db_col_int(st, 7) != 0;
    t->seq = db_col_int(st, 8);
    str_copy(t->person, sizeof t->person, db_col_text(st, 9));
    t->user_id = db_col_int(st, 10);
    const char *src = db_col_text(st, 11);
    t->online = src && !strcmp(src, "online");
    t->has_geo = !db_col_null(st, 12) && !db_col_null(st, 13);
    t->lat = db_col_double(st, 12);
    t->lon = db_col_double(st, 13);
    int s = queue_state_parse(db_col_text(st, 14));
    t->state = s < 0 ? QS_CANCELLED : (enum queue_state)s;
    t->calls = (int)db_col_int(st, 15);
    t->counter_no = db_col_int(st, 16);
    t->issued_ms = db_col_int(st, 17);
    t->called_ms = db_col_int(st, 18);
    t->started_ms = db_col_int(st, 19);
    t->done_ms = db_col_int(st, 20);
    t->est_wait_s = db_col_null(st, 21) ? -1 : db_col_double(st, 21);
    t->version = db_col_int(st, 22);
}

static int ticket_one(struct db_conn *c, struct queue_ticket *t, struct crest_error *err,
                      struct db_stmt *st)
{
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1)
        ticket_fill(st, t);
    db_finalize(st);
    if (rc < 0)
        return err->code;
    (void)c;
    return rc == 1 ? CREST_OK : CREST_NOTFOUND;
}

int queue_ticket_get(struct db_conn *c, int64_t id, struct queue_ticket *t, struct crest_error *err)
{
    return ticket_one(
        c, t, err,
        db_query(c, err, "SELECT " TICKET_COLS " FROM queue_tickets WHERE id = ?", "i", id));
}

int queue_ticket_open_of(struct db_conn *c, const char *person, struct queue_ticket *t,
                         struct crest_error *err)
{
    return ticket_one(c, t, err,
                      db_query(c, err,
                               "SELECT " TICKET_COLS " FROM queue_tickets WHERE person = ? AND "
                               "person IS NOT NULL AND state IN ('waiting','called','serving')",
                               "s", person));
}

static int ledger(struct db_conn *c, const struct queue_ticket *t, const char *event,
                  const char *from, int64_t by_user, struct crest_error *err)
{
    return db_exec(c, err, NULL,
                   "INSERT INTO queue_events (ticket_id, facility_id, at_ms, event, from_state, "
                   "to_state, counter_no, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   "iiisssii", t->id, t->facility_id, util_now_ms(), event, from,
                   queue_state_name(t->state), t->counter_no, by_user);
}

/* Move the day's lane count of t by d (entering or leaving "waiting"). */
static int lane_count(struct db_conn *c, const struct queue_ticket *t, int d,
                      struct crest_error *err)
{
    return db_exec(c, err, NULL,
                   t->prio ? "UPDATE queue_days SET waiting_prio = waiting_prio + ? WHERE "
                             "facility_id = ? AND day = ?"
                           : "UPDATE queue_days SET waiting_ord = waiting_ord + ? WHERE "
                             "facility_id = ? AND day = ?",
                   "iis", (int64_t)d, t->facility_id, t->day);
}

/* The day's next number (also the queue order of a re-queued ticket). */
static int next_no(struct db_conn *c, int64_t facility_id, const char *day, int64_t *no,
                   struct crest_error *err)
{
    struct db_stmt *st = db_query(
        c, err,
        "INSERT INTO queue_days (facility_id, day, next_no) VALUES (?, ?, 1) ON CONFLICT "
        "(facility_id, day) DO UPDATE SET next_no = queue_days.next_no + 1 RETURNING next_no",
        "is", facility_id, day);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1)
        *no = db_col_int(st, 0);
    db_finalize(st);
    return rc == 1 ? CREST_OK : (rc < 0 ? err->code : CREST_INTERNAL);
}

int queue_ticket_issue(struct db_conn *c, struct queue_ticket *t, struct queue_snapshot *s,
                       int64_t *before, int64_t by_user, struct crest_error *err)
{
    /* the day's next number and the lane's count in one statement: the
     * counts before this ticket are what its place is computed from */
    int64_t dp = t->prio ? 1 : 0, dord = t->prio ? 0 : 1;
    struct db_stmt *st = db_query(
        c, err,
        "INSERT INTO queue_days (facility_id, day, next_no, waiting_prio, waiting_ord) VALUES (?, "
        "?, 1, ?, ?) ON CONFLICT (facility_id, day) DO UPDATE SET next_no = queue_days.next_no + "
        "1, waiting_prio = queue_days.waiting_prio + excluded.waiting_prio, waiting_ord = "
        "queue_days.waiting_ord + excluded.waiting_ord RETURNING next_no, streak, waiting_prio, "
        "waiting_ord",
        "isii", t->facility_id, t->day, dp, dord);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1) {
        t->no = db_col_int(st, 0);
        s->streak = (int)db_col_int(st, 1);
        s->prio_waiting = db_col_int(st, 2) - dp;
        s->ord_waiting = db_col_int(st, 3) - dord;
    }
    db_finalize(st);
    if (rc != 1)
        return rc < 0 ? err->code : CREST_INTERNAL;
    *before = s->max_streak > 0
                  ? queue_calls_before(t->prio, s->prio_waiting, s->ord_waiting, s->prio_waiting,
                                       s->ord_waiting, s->streak, s->max_streak)
                  : s->prio_waiting + s->ord_waiting;
    t->est_wait_s = queue_call_estimate(queue_snapshot_wait(s, *before), s->travel_s);
    t->seq = t->no;
    /* a readable number: A for the ordinary lane, P for priority */
    snprintf(t->label, sizeof t->label, "%c%03lld", t->prio ? 'P' : 'A',
             (long long)(t->no % 10000));
    t->state = QS_WAITING;
    t->calls = 0;
    t->counter_no = 0;
    t->issued_ms = util_now_ms();
    t->version = 1;
    const char *sql = "INSERT INTO queue_tickets (facility_id, region, day, no, label, lane, prio, "
                      "seq, person, user_id, source, lat, lon, state, issued_ms, est_wait_s) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?) "
                      "RETURNING id";
    const char *person = t->person[0] ? t->person : NULL;
    const char *src = t->online ? "online" : "desk";
    st = t->has_geo ? db_query(c, err, sql, "ississiisisddid", t->facility_id, t->region, t->day,
                               t->no, t->label, t->lane, (int64_t)t->prio, t->seq, person,
                               t->user_id, src, t->lat, t->lon, t->issued_ms, t->est_wait_s)
                    : db_query(c, err, sql, "ississiisisnnid", t->facility_id, t->region, t->day,
                               t->no, t->label, t->lane, (int64_t)t->prio, t->seq, person,
                               t->user_id, src, t->issued_ms, t->est_wait_s);
    if (!st)
        return err->code;
    rc = db_step(st, err);
    if (rc == 1)
        t->id = db_col_int(st, 0);
    db_finalize(st);
    if (rc != 1)
        return rc < 0 ? err->code : CREST_INTERNAL;
    return ledger(c, t, "issue", NULL, by_user, err);
}

int queue_counters_get(struct db_conn *c, int64_t facility_id, const struct policy *p,
                       struct queue_snapshot *out, struct crest_error *err)
{
    out->max_streak = queue_max_streak(p->queue.priority_share_pct);
    out->open_counters = out->idle_counters = 0;
    out->rate = 0;
    struct db_stmt *st =
        db_query(c, err,
                 "SELECT ewma_s, samples, ticket_id FROM queue_counters WHERE facility_id = ? AND "
                 "is_open = 1",
                 "i", facility_id);
    if (!st)
        return err->code;
    double prior = p->queue.default_service_min * 60;
    int rc;
    while ((rc = db_step(st, err)) == 1) {
        out->open_counters++;
        if (db_col_null(st, 2))
            out->idle_counters++;
        struct queue_ewma e = {db_col_double(st, 0), db_col_int(st, 1)};
        bool open = true;
        out->rate += queue_rate(&e, &open, 1, prior);
    }
    db_finalize(st);
    return rc < 0 ? err->code : CREST_OK;
}

/* What a call-next leaves to its end (queue_call_next): the day's lane
 * counts, and the counter's row (its ticket and service-time estimate),
 * each written once in one statement instead of once per ticket moved. */
struct deferred {
    int64_t dprio, dord; /* lane count changes */
    struct queue_ewma e; /* the counter's estimate, read before */
    bool ewma_changed;
};

static int apply_core(struct db_conn *c, struct queue_ticket *t, enum queue_event ev,
                      int64_t counter_no, int64_t by_user, const struct policy *p,
                      struct deferred *d, struct crest_error *err)
{
    enum queue_state to;
    int calls;
    if (queue_transition(t->state, ev, t->calls, (int)p->queue.max_calls, &to, &calls) != CREST_OK)
        return crest_error_set(err, CREST_CONFLICT, "queue_transition", "%s → %s",
                               queue_state_name(t->state), queue_event_name(ev));
    enum queue_state from = t->state;
    int64_t now = util_now_ms(), old_counter = t->counter_no;
    int rc;
    int dl = from == QS_WAITING && to != QS_WAITING   ? -1
             : from != QS_WAITING && to == QS_WAITING ? 1
                                                      : 0;
    if (dl && d)
        *(t->prio ? &d->dprio : &d->dord) += dl;
    else if (dl && (rc = lane_count(c, t, dl, err)))
        return rc;
    if (ev == QE_REQUEUE) { /* to the end of the queue */
        if ((rc = next_no(c, t->facility_id, t->day, &t->seq, err)))
            return rc;
    }
    if (ev == QE_CALL) {
        t->called_ms = now;
        if (counter_no > 0)
            t->counter_no = counter_no;
    }
    if (ev == QE_START)
        t->started_ms = now;
    if (ev == QE_FINISH)
        t->done_ms = now;
    /* a counter holds a ticket while it is called or served there (in a
     * call-next, the counter gets its next ticket at the end) */
    bool holds = to == QS_CALLED || to == QS_SERVING;
    if (!d && !holds && old_counter > 0 &&
        (rc = db_exec(c, err, NULL,
                      "UPDATE queue_counters SET ticket_id = NULL WHERE facility_id = ? AND "
                      "counter_no = ? AND ticket_id = ?",
                      "iii", t->facility_id, old_counter, t->id)))
        return rc;
    if (!d && holds && t->counter_no > 0 &&
        (rc = db_exec(c, err, NULL,
                      "UPDATE queue_counters SET ticket_id = ? WHERE facility_id = ? AND "
                      "counter_no = ?",
                      "iii", t->id, t->facility_id, t->counter_no)))
        return rc;
    if (ev == QE_FINISH && t->started_ms > 0 && t->counter_no > 0) {
        /* the day's actual service time teaches the counter's estimate */
        double sample = (double)(now - t->started_ms) / 1000.0;
        if (d) {
            queue_ewma_add(&d->e, sample, p->queue.ewma_alpha);
            d->ewma_changed = true;
        } else {
            struct db_stmt *st = db_query(c, err,
                                          "SELECT ewma_s, samples FROM queue_counters WHERE "
                                          "facility_id = ? AND counter_no = ?",
                                          "ii", t->facility_id, t->counter_no);
            if (!st)
                return err->code;
            struct queue_ewma e = {0, 0};
            int s = db_step(st, err);
            if (s == 1)
                e = (struct queue_ewma){db_col_double(st, 0), db_col_int(st, 1)};
            db_finalize(st);
            if (s < 0)
                return err->code;
            queue_ewma_add(&e, sample, p->queue.ewma_alpha);
            if ((rc = db_exec(c, err, NULL,
                              "UPDATE queue_counters SET ewma_s = ?, samples = ? WHERE "
                              "facility_id = ? AND counter_no = ?",
                              "diii", e.mean_s, e.n, t->facility_id, t->counter_no)))
                return rc;
        }
    }
    if (to == QS_WAITING) /* back in the queue: no counter until called again */
        t->counter_no = 0;
    t->state = to;
    t->calls = calls;
    int64_t changed = 0;
    rc = db_exec(c, err, &changed,
                 "UPDATE queue_tickets SET state = ?, calls = ?, counter_no = ?, seq = ?, "
                 "called_ms = ?, started_ms = ?, done_ms = ?, version = version + 1 WHERE id = ? "
                 "AND version = ?",
                 "siiiiiiii", queue_state_name(to), (int64_t)calls, t->counter_no, t->seq,
                 t->called_ms, t->started_ms, t->done_ms, t->id, t->version);
    if (rc)
        return rc;
    if (changed != 1)
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", NULL);
    t->version++;
    return ledger(c, t, queue_event_name(ev), queue_state_name(from), by_user, err);
}

int queue_ticket_apply(struct db_conn *c, struct queue_ticket *t, enum queue_event ev,
                       int64_t counter_no, int64_t by_user, const struct policy *p,
                       struct crest_error *err)
{
    return apply_core(c, t, ev, counter_no, by_user, p, NULL, err);
}

static int head_of(struct db_conn *c, int64_t facility_id, const char *day, int prio,
                   struct queue_ticket *t, bool *found, struct crest_error *err)
{
    int rc = ticket_one(c, t, err,
                        db_query(c, err,
                                 "SELECT " TICKET_COLS " FROM queue_tickets WHERE facility_id = ? "
                                 "AND day = ? AND state = 'waiting' AND prio = ? ORDER BY seq "
                                 "LIMIT 1",
                                 "isi", facility_id, day, (int64_t)prio));
    *found = rc == CREST_OK;
    return rc == CREST_NOTFOUND ? CREST_OK : rc;
}

int queue_call_next(struct db_conn *c, int64_t facility_id, const char *day, int64_t counter_no,
                    int64_t by_user, const struct policy *p, struct queue_ticket *called,
                    struct crest_error *err)
{
    /* the counter, its estimate and the day's streak in one read */
    struct db_stmt *st = db_query(c, err,
                                  "SELECT q.is_open, q.ticket_id, q.ewma_s, q.samples, d.streak "
                                  "FROM queue_counters q LEFT JOIN queue_days d ON d.facility_id "
                                  "= q.facility_id AND d.day = ? WHERE q.facility_id = ? AND "
                                  "q.counter_no = ?",
                                  "sii", day, facility_id, counter_no);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    bool open = rc == 1 && db_col_int(st, 0) != 0;
    int64_t current = rc == 1 && !db_col_null(st, 1) ? db_col_int(st, 1) : 0;
    struct deferred d = {0, 0, {0, 0}, false};
    if (rc == 1)
        d.e = (struct queue_ewma){db_col_double(st, 2), db_col_int(st, 3)};
    int streak = rc == 1 ? (int)db_col_int(st, 4) : 0;
    db_finalize(st);
    if (rc < 0)
        return err->code;
    if (rc == 0)
        return crest_error_field(err, "counter", "unknown", "queue_counter_unknown", NULL);
    if (!open)
        return crest_error_set(err, CREST_CONFLICT, "queue_counter_closed", "%lld",
                               (long long)counter_no);
    /* what the counter had: finished when being served, missed when absent
     * (a ticket of another day keeps its own day's counts: applied now) */
    if (current) {
        struct queue_ticket cur;
        if ((rc = queue_ticket_get(c, current, &cur, err)))
            return rc;
        struct deferred *dc = strcmp(cur.day, day) == 0 ? &d : NULL;
        if (cur.state == QS_SERVING &&
            (rc = apply_core(c, &cur, QE_FINISH, 0, by_user, p, dc, err)))
            return rc;
        if (cur.state == QS_CALLED && (rc = apply_core(c, &cur, QE_MISS, 0, by_user, p, dc, err)))
            return rc;
    }
    struct queue_ticket tp, to;
    bool hp = false, ho = false;
    if ((rc = head_of(c, facility_id, day, 1, &tp, &hp, err)) ||
        (rc = head_of(c, facility_id, day, 0, &to, &ho, err)))
        return rc;
    if (!hp && !ho) /* the job fails: the finish or miss above is undone too */
        return crest_error_set(err, CREST_CONFLICT, "queue_empty", NULL);
    int max_streak = queue_max_streak(p->queue.priority_share_pct);
    bool prio;
    if (max_streak <= 0) /* no lanes: ticket order */
        prio = hp && (!ho || tp.seq < to.seq);
    else
        prio = queue_pick_priority(hp, ho, streak, max_streak);
    *called = prio ? tp : to;
    if ((rc = apply_core(c, called, QE_CALL, counter_no, by_user, p, &d, err)))
        return rc;
    /* the counter's row and the day's row, once each */
    if (d.ewma_changed)
        rc = db_exec(c, err, NULL,
                     "UPDATE queue_counters SET ticket_id = ?, ewma_s = ?, samples = ? WHERE "
                     "facility_id = ? AND counter_no = ?",
                     "idiii", called->id, d.e.mean_s, d.e.n, facility_id, counter_no);
    else
        rc = db_exec(c, err, NULL,
                     "UPDATE queue_counters SET ticket_id = ? WHERE facility_id = ? AND "
                     "counter_no = ?",
                     "iii", called->id, facility_id, counter_no);
    if (rc)
        return rc;
    return db_exec(c, err, NULL,
                   "UPDATE queue_days SET streak = ?, waiting_prio = waiting_prio + ?, "
                   "waiting_ord = waiting_ord + ? WHERE facility_id = ? AND day = ?",
                   "iiiis", (int64_t)queue_streak_after(prio, streak), d.dprio, d.dord, facility_id,
                   day);
}

int queue_ticket_position(struct db_conn *c, const struct queue_ticket *t,
                          const struct queue_snapshot *s, const struct policy *p, int64_t *before,
                          struct crest_error *err)
{
    (void)p;
    int64_t ahead[2] = {0, 0};
    for (int lane = 0; lane < 2; lane++) {
        struct db_stmt *st =
            db_query(c, err,
                     "SELECT count(*) FROM queue_tickets WHERE facility_id = ? AND day = ? AND "
                     "state = 'waiting' AND prio = ? AND seq < ?",
                     "isii", t->facility_id, t->day, (int64_t)lane, t->seq);
        if (!st)
            return err->code;
        int rc = db_step(st, err);
        if (rc == 1)
            ahead[lane] = db_col_int(st, 0);
        db_finalize(st);
        if (rc < 0)
            return err->code;
    }
    if (s->max_streak <= 0)
        *before = ahead[0] + ahead[1];
    else
        *before = queue_calls_before(t->prio, ahead[1], ahead[0], s->prio_waiting, s->ord_waiting,
                                     s->streak, s->max_streak);
    return CREST_OK;
}

int queue_counter_set(struct db_conn *c, int64_t facility_id, int64_t counter_no, bool open,
                      struct crest_error *err)
{
    return db_exec(c, err, NULL,
                   "INSERT INTO queue_counters (facility_id, counter_no, is_open, updated_ms) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT (facility_id, counter_no) DO UPDATE SET "
                   "is_open = excluded.is_open, updated_ms = excluded.updated_ms",
                   "iiii", facility_id, counter_no, (int64_t)open, util_now_ms());
}

int queue_hours_set(struct db_conn *c, int64_t facility_id, const char *hours, int64_t *version,
                    struct crest_error *err)
{
    struct db_stmt *st = db_query(
        c, err,
        "INSERT INTO queue_clinics (facility_id, hours, version, updated_ms) VALUES (?, ?, 1, ?) "
        "ON CONFLICT (facility_id) DO UPDATE SET hours = excluded.hours, version = "
        "queue_clinics.version + 1, updated_ms = excluded.updated_ms RETURNING version",
        "isi", facility_id, hours, util_now_ms());
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1)
        *version = db_col_int(st, 0);
    db_finalize(st);
    return rc == 1 ? CREST_OK : (rc < 0 ? err->code : CREST_INTERNAL);
}
