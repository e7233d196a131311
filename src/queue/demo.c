/*
 * demo.c - the queue pillar's part of `crest demo`: every fever clinic of
 * the demo province gets its hours (hospitals 24 h, fever rooms 08:00-22:00)
 * and counters with a learnt service time, and a day of tickets issued over
 * the last hours (most seen, some called, the rest waiting), all
 * illustrative; the `clinic` login is bound to a fever clinic in its scope.
 * Deterministic for a seed, except that the tickets' times follow the
 * clock, so that "the last hour" is always now.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/util.h"
#include "queue.h"

struct rng {
    uint64_t s;
};
static uint64_t rnext(struct rng *g)
{
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double unif(struct rng *g)
{
    return (double)(rnext(g) >> 11) / 9007199254740992.0;
}

static const char *const lanes[] = {"age_80_plus", "pregnant", "infant"};

int queue_demo_clear(struct db_conn *c, struct crest_error *err)
{
    static const char *const wipe[] = {"DELETE FROM queue_events", "DELETE FROM queue_tickets",
                                       "DELETE FROM queue_days", "DELETE FROM queue_counters",
                                       "DELETE FROM queue_clinics"};
    for (size_t i = 0; i < sizeof wipe / sizeof wipe[0]; i++)
        if (db_exec(c, err, NULL, wipe[i], NULL))
            return err->code;
    return CREST_OK;
}

int queue_demo(struct db_conn *c, double scale, uint64_t seed, int64_t *nclinics, int64_t *ntickets,
               struct crest_error *err)
{
    struct rng g = {seed ^ 0x9a3e};
    *nclinics = *ntickets = 0;
    if (queue_demo_clear(c, err))
        return err->code;
    char day[11] = "2022-12-28";
    struct db_stmt *st =
        db_query(c, err, "SELECT value FROM settings WHERE key = 'scenario_date'", NULL);
    if (st && db_step(st, err) == 1 && db_col_text(st, 0))
        snprintf(day, sizeof day, "%.10s", db_col_text(st, 0));
    db_finalize(st);
    /* the clinics, in id order */
    st = db_query(c, err,
                  "SELECT id, region, kind, level FROM facilities WHERE active = 1 AND (kind IN "
                  "('fever_room_township','fever_room_community') OR (kind = 'hospital' AND "
                  "level IN ('secondary','tertiary'))) ORDER BY id",
                  NULL);
    if (!st)
        return err->code;
    struct clin {
        int64_t id;
        char region[16];
        int kind; /* 0 room, 1 secondary, 2 tertiary */
    } *cl = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(st, err)) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            struct clin *x = realloc(cl, (size_t)cap * sizeof *cl);
            if (!x)
                abort();
            cl = x;
        }
        cl[n].id = db_col_int(st, 0);
        snprintf(cl[n].region, sizeof cl[n].region, "%s", db_col_text(st, 1));
        const char *k = db_col_text(st, 2), *l = db_col_text(st, 3);
        cl[n].kind = strcmp(k, "hospital") ? 0 : (l && !strcmp(l, "tertiary") ? 2 : 1);
        n++;
    }
    db_finalize(st);
    if (rc < 0) {
        free(cl);
        return err->code;
    }
    int64_t now = util_now_ms();
    /* tickets over the last six hours; a quarter of the clinics (and the
     * first of each county at small scales) have had a day */
    double per_clinic = 40 * (scale < 0.1 ? 1 : scale);
    for (int i = 0; i < n && rc >= 0; i++) {
        const struct clin *k = &cl[i];
        if ((rc = db_exec(c, err, NULL,
                          "INSERT INTO queue_clinics (facility_id, hours, version, updated_ms) "
                          "VALUES (?, ?, 1, ?)",
                          "isi", k->id, k->kind ? "24h" : "08:00-22:00", now)))
            break;
        int counters = k->kind == 2   ? 4 + (int)(unif(&g) * 5)
                       : k->kind == 1 ? 2 + (int)(unif(&g) * 3)
                                      : 1 + (int)(unif(&g) * 2);
        double svc[16];
        for (int j = 1; j <= counters && rc == CREST_OK; j++) {
            svc[j] = 60 * (4.5 + 3.5 * unif(&g));
            rc = db_exec(c, err, NULL,
                         "INSERT INTO queue_counters (facility_id, counter_no, is_open, ewma_s, "
                         "samples, updated_ms) VALUES (?, ?, 1, ?, ?, ?)",
                         "iidii", k->id, (int64_t)j, svc[j], (int64_t)(10 + unif(&g) * 30), now);
        }
        if (rc)
            break;
        (*nclinics)++;
        if (!(i % 4 == 0 || scale < 0.1))
            continue;
        int nt = (int)(per_clinic * (k->kind ? 1.5 + k->kind : 0.6) * (0.5 + unif(&g)));
        int waiting_tail = 2 + (int)(unif(&g) * 8) * (k->kind + 1);
        if (waiting_tail > nt)
            waiting_tail = nt;
        int64_t wp = 0, wo = 0;
        bool held[16] = {false};
        for (int t = 1; t <= nt && rc == CREST_OK; t++) {
            bool prio = unif(&g) < 0.1;
            int64_t issued = now - (int64_t)((double)(nt - t + 1) / nt * 6 * 3600 * 1000);
            const char *state = "done";
            int64_t called = 0, started = 0, done = 0, counter = 1 + (int64_t)(unif(&g) * counters);
            int left = nt - t; /* tickets after this one */
            if (left < waiting_tail) {
                state = "waiting";
                counter = 0;
                if (prio)
                    wp++;
                else
                    wo++;
            } else {
                double w = (5 + unif(&g) * 40 * (k->kind + 1)) * 60000;
                called = issued + (int64_t)w;
                if (called > now - 60000)
                    called = now - 60000;
                started = called + 30000;
                done = started + (int64_t)(svc[counter] * 1000 * (0.5 + unif(&g)));
                int free_k = 0;
                for (int j = 1; j <= counters && !free_k; j++)
                    if (!held[j])
                        free_k = j;
                if (left < waiting_tail + counters && free_k) {
                    state = "serving"; /* the last ones called are with a doctor now */
                    counter = free_k;
                    held[free_k] = true;
                    done = 0;
                } else if (unif(&g) < 0.03) {
                    state = "no_show";
                    started = done = 0;
                } else if (done > now)
                    done = now - 1000;
            }
            char label[12];
            snprintf(label, sizeof label, "%c%03d", prio ? 'P' : 'A', t);
            st = db_query(c, err,
                          "INSERT INTO queue_tickets (facility_id, region, day, no, label, lane, "
                          "prio, seq, source, state, calls, counter_no, issued_ms, called_ms, "
                          "started_ms, done_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'desk', ?, ?, ?, "
                          "?, ?, ?, ?) RETURNING id",
                          "ississiisiiiiii", k->id, k->region, day, (int64_t)t, label,
                          prio ? lanes[rnext(&g) % 3] : "ordinary", (int64_t)prio, (int64_t)t,
                          state, (int64_t)(called ? 1 : 0), counter, issued, called, started, done);
            if (!st) {
                rc = err->code;
                break;
            }
            int s = db_step(st, err);
            int64_t tid = s == 1 ? db_col_int(st, 0) : 0;
            db_finalize(st);
            if (s != 1) {
                rc = s < 0 ? err->code : CREST_INTERNAL;
                break;
            }
            rc = db_exec(c, err, NULL,
                         "INSERT INTO queue_events (ticket_id, facility_id, at_ms, event, "
                         "to_state, counter_no, user_id) VALUES (?, ?, ?, 'demo', ?, ?, 0)",
                         "iiisi", tid, k->id, issued, state, counter);
            if (rc == CREST_OK && !strcmp(state, "serving"))
                rc = db_exec(c, err, NULL,
                             "UPDATE queue_counters SET ticket_id = ? WHERE facility_id = ? AND "
                             "counter_no = ?",
                             "iii", tid, k->id, counter);
            (*ntickets)++;
        }
        if (rc == CREST_OK)
            rc = db_exec(c, err, NULL,
                         "INSERT INTO queue_days (facility_id, day, next_no, streak, waiting_prio, "
                         "waiting_ord) VALUES (?, ?, ?, 0, ?, ?)",
                         "isiii", k->id, day, (int64_t)nt, wp, wo);
    }
    free(cl);
    if (rc)
        return rc;
    /* the clinic desk's login: a fever clinic in its scope, a fever room
     * if there is one (else a hospital's fever clinic) */
    return db_exec(
        c, err, NULL,
        "UPDATE users SET facility_id = (SELECT f.id FROM facilities f JOIN queue_clinics q ON "
        "q.facility_id = f.id WHERE substr(f.region, 1, length(users.scope)) = users.scope ORDER "
        "BY CASE WHEN f.kind = 'hospital' THEN 1 ELSE 0 END, f.id LIMIT 1) WHERE username = "
        "'clinic'",
        NULL);
}
