/*
 * queue.h - the queue pillar (DESIGN.md §1, issue 6): fever-clinic tickets,
 * call-next, live wait estimates, routing a resident to the clinic with the
 * shortest travel + wait, the public call display, and a discrete-event
 * simulation of a city's peak day that measures what the routing buys.
 *
 * model.c  pure: the ticket state machine, priority lanes that cannot starve
 *          the ordinary lane, the per-counter EWMA service-time estimator,
 *          expected call times, opening hours, the recommendation ranking,
 *          and the simulation. No I/O, no SQL; the simulation allocates its
 *          own arrays and frees them before returning.
 * store.c  clinics, counters, tickets and their event ledger.
 * api.c    /api/v1/queue/… handlers, and the live views (Server-Sent Events).
 * demo.c   clinics' hours and counters and a day of tickets (illustrative).
 *
 * Fever clinics are facilities of the capacity registry (kinds
 * fever_room_township, fever_room_community, and hospitals). Every number
 * (calls before a no-show, the priority lanes and their share, the travel
 * speed, default hours) is policy (policy section `queue`).
 */
#ifndef CREST_QUEUE_H
#define CREST_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/err.h"
#include "../policy/policy.h"

/* ---- the ticket state machine ---- */

enum queue_state {
    QS_WAITING = 0,
    QS_CALLED,
    QS_SERVING,
    QS_DONE,
    QS_NOSHOW,
    QS_CANCELLED,
    QS__COUNT
};
enum queue_event {
    QE_CALL = 0, /* the desk calls the ticket (again, when already called) */
    QE_START,    /* the patient came to the counter */
    QE_FINISH,   /* seen by the doctor */
    QE_MISS,     /* called but absent: back to waiting, or no-show after max_calls */
    QE_CANCEL,   /* the patient (or desk) withdraws */
    QE_REQUEUE,  /* a no-show who turns up: back into the queue, at the end */
    QE__COUNT
};
const char *queue_state_name(enum queue_state s);
int queue_state_parse(const char *s); /* -1 when unknown */
const char *queue_event_name(enum queue_event e);
int queue_event_parse(const char *s);
/* Is the ticket still "open" (counts for one-open-ticket-per-person)? */
bool queue_state_open(enum queue_state s);

/* Apply ev to a ticket in state `from` that has been called `calls` times.
 * CREST_OK and *to, *calls_out on a legal transition; CREST_CONFLICT (key
 * "queue_transition") when ev is not allowed from `from`. max_calls is the
 * policy's calls before a no-show (≥ 1). Pure. */
int queue_transition(enum queue_state from, enum queue_event ev, int calls, int max_calls,
                     enum queue_state *to, int *calls_out);

/* ---- priority lanes ---- */

/* The most priority calls in a row while ordinary tickets wait, from the
 * priority share (percent of calls): 75 % → 3 in a row, then 1 ordinary.
 * At least 1, so the ordinary lane is never starved. */
int queue_max_streak(double share_pct);

/* Which lane is called next: true = priority. streak = priority calls in a
 * row so far (reset by an ordinary call). */
bool queue_pick_priority(int prio_waiting, int ord_waiting, int streak, int max_streak);
/* The streak after a call (priority or not). */
int queue_streak_after(bool called_priority, int streak);

/* How many calls come before a ticket: an ordinary ticket with ord_ahead
 * ordinary tickets before it (and prio_waiting priority ones, all of which
 * come first unless the streak rule interleaves), or a priority ticket with
 * prio_ahead priority tickets before it and ord_waiting ordinary ones. O(1);
 * equal to stepping queue_pick_priority call by call (the unit test checks). */
int64_t queue_calls_before(bool priority, int64_t prio_ahead, int64_t ord_ahead, int64_t prio_all,
                           int64_t ord_all, int streak, int max_streak);

/* ---- service-time estimator ---- */

/* One counter's exponentially weighted mean service time. n = samples seen;
 * the first sample is taken as is, later ones weighted alpha. */
struct queue_ewma {
    double mean_s;
    int64_t n;
};
void queue_ewma_add(struct queue_ewma *e, double sample_s, double alpha);

/* The clinic's service rate in patients per second from its open counters'
 * means (a counter with no sample yet uses prior_s). 0 when none is open. */
double queue_rate(const struct queue_ewma *counters, const bool *open, int n, double prior_s);

/* Expected seconds until a ticket with `before` calls ahead of it is called,
 * with `idle` open counters free now and the clinic's rate (per second).
 * Free counters take the first tickets at once; after that each call waits
 * on average 1/rate (exponential service: the next of c busy counters frees
 * in mean s/c). -1 when rate is 0 (no counter open). */
double queue_expected_wait(int64_t before, int idle, double rate);

/* Expected seconds until an online ticket is called, for a holder travel_s
 * away from the clinic: nobody is served before they arrive (an absent
 * patient who is called keeps their place, decision 28), so the call is
 * expected at the later of the queue's wait and the arrival. wait_s < 0
 * (no counter open) stays unknown; travel_s <= 0 (no location, a desk
 * ticket) leaves the queue's wait. decisions.md §39. */
double queue_call_estimate(double wait_s, double travel_s);

/* ---- opening hours (local time, minutes of the day) ---- */

struct queue_hours {
    bool h24;
    int open_min, close_min; /* [open, close); close <= open runs past midnight */
};
/* "08:00-22:00" or "24h"; false on anything else. */
bool queue_hours_parse(const char *s, struct queue_hours *out);
void queue_hours_format(const struct queue_hours *h, char out[16]);
bool queue_hours_open_at(const struct queue_hours *h, int minute_of_day);
/* The next opening at or after now (UTC ms), given the local offset from UTC
 * in minutes (China: +480). now itself when open now. */
int64_t queue_hours_next_open(const struct queue_hours *h, int64_t now_ms, int tz_min);
#define QUEUE_TZ_MIN 480 /* China Standard Time, UTC+8: hours are local */

/* ---- recommendation ---- */

/* Great-circle distance in km. */
double queue_distance_km(double lat1, double lon1, double lat2, double lon2);

struct queue_candidate {
    int64_t facility_id;
    double lat, lon;
    bool open_now;
    int64_t next_open_ms; /* when closed */
    double wait_s;        /* expected wait for a new ticket; < 0 unknown (no counter) */
    /* out */
    double distance_km, travel_s, total_s;
    bool overloaded; /* expected wait over the policy's overload threshold */
};

/* Rank candidates in place: open ones with a known wait first, by total =
 * travel (distance / speed) + wait, then the rest by distance. Fills the out
 * fields. Returns the number of open candidates with a known wait. Pure. */
int queue_rank(struct queue_candidate *c, int n, double lat, double lon, double speed_kmh,
               double overload_wait_s);

/* ---- discrete-event simulation (model.c) ---- */

struct queue_sim_opts {
    int clinics;       /* ≥ 1 */
    int64_t patients;  /* ≥ 1 */
    uint64_t seed;     /* deterministic for a seed */
    double speed_kmh;  /* travel speed (policy) */
    double alpha;      /* EWMA weight (policy) */
    double prior_s;    /* prior service time (policy) */
    double prio_share; /* percent (policy) */
    double prio_frac;  /* fraction of patients in a priority lane */
    double radius_km;  /* city radius */
    double load;       /* day's demand / day's capacity */
    double mismatch;   /* planner's error sizing counters to catchments (lognormal sigma) */
};
void queue_sim_defaults(struct queue_sim_opts *o, const struct policy *p);

struct queue_sim_result {
    int64_t patients, counters;
    double mean_wait_s, p50_wait_s, p90_wait_s, max_wait_s;
    double mean_travel_s, p90_total_s;
    double est_mdape; /* median |estimate - actual| / max(actual, 10 min) */
    double est_median_abs_s;
};
/* Run one peak day twice on the same city and patients: routing = 0 nearest
 * clinic, walk-in ticket on arrival; 1 crest: the open clinic with the least
 * travel + expected wait, online ticket at once. Returns CREST_OK or
 * CREST_INVALID on bad options. */
int queue_simulate(const struct queue_sim_opts *o, struct queue_sim_result out[2],
                   struct crest_error *err);

/* `crest queue simulate [--clinics N] [--patients N] [--seed N] [--load F]
 * [--policy FILE] [--json]` (cli.c): runs queue_simulate with the policy's
 * parameters and prints both routings' figures. Returns the exit status. */
int queue_cli_simulate(int argc, char **argv, const char *default_policy);

/* ---- store.c ---- */
#include "../db/db.h"

struct queue_clinic {
    int64_t facility_id;
    char region[16];
    char name[401];
    char kind[32];
    double lat, lon;
    bool has_geo, active;
    struct queue_hours hours;
    int64_t version;
};

/* The clinic of a facility, with defaults from policy when the desk never set
 * its hours (a hospital's fever clinic: 24 h; a fever room: default_hours).
 * CREST_NOTFOUND when the facility is not a fever clinic or does not exist. */
int queue_clinic_get(struct db_conn *c, int64_t facility_id, const struct policy *p,
                     struct queue_clinic *out, struct crest_error *err);

struct queue_snapshot;
/* Is a facility a fever clinic? Township/community fever rooms, and
 * hospitals of level secondary and above (the seed: every secondary-and-
 * above hospital has one). */
bool queue_is_clinic_kind(const char *kind, const char *level);

struct queue_ticket {
    int64_t id, facility_id;
    char region[16], day[11], label[12], lane[48];
    int64_t no, seq;
    bool prio, online, has_geo;
    char person[80]; /* "" for an anonymous desk ticket */
    int64_t user_id;
    double lat, lon;
    enum queue_state state;
    int calls;
    int64_t counter_no; /* 0 = none */
    int64_t issued_ms, called_ms, started_ms, done_ms;
    double est_wait_s;
    int64_t version;
};
int queue_ticket_get(struct db_conn *c, int64_t id, struct queue_ticket *t,
                     struct crest_error *err);
/* The person's open ticket; CREST_NOTFOUND when none. */
int queue_ticket_open_of(struct db_conn *c, const char *person, struct queue_ticket *t,
                         struct crest_error *err);
/* Issue a ticket: the day's next number and the lane's count (one
 * statement), the ticket, the ledger row. t carries facility, region, day,
 * lane, prio, person, user, source, geo; fills id, no, seq, label, state,
 * issued_ms, est_wait_s, version. s brings the counters' rate and idle count
 * and max_streak (queue_counters_get, which may be read before the
 * transaction: an estimate) and gets the day's counts before this ticket;
 * *before = the calls ahead of it. */
int queue_ticket_issue(struct db_conn *c, struct queue_ticket *t, struct queue_snapshot *s,
                       int64_t *before, int64_t by_user, struct crest_error *err);
/* The open counters' rate and idle count, and max_streak, into out. */
int queue_counters_get(struct db_conn *c, int64_t facility_id, const struct policy *p,
                       struct queue_snapshot *out, struct crest_error *err);
/* Apply an event (model.c decides if it is legal: CREST_CONFLICT if not),
 * keeping the day's lane counts, the counter's current ticket and its
 * service-time estimate (on finish) in step, with a ledger row. */
int queue_ticket_apply(struct db_conn *c, struct queue_ticket *t, enum queue_event ev,
                       int64_t counter_no, int64_t by_user, const struct policy *p,
                       struct crest_error *err);
/* The desk's "next": the counter's current ticket is finished (serving) or
 * missed (called), then the next waiting ticket by the lane rule is called
 * to it. CREST_NOTFOUND (no such counter), CREST_CONFLICT (counter closed,
 * key queue_counter_closed; queue empty, key queue_empty). */
int queue_call_next(struct db_conn *c, int64_t facility_id, const char *day, int64_t counter_no,
                    int64_t by_user, const struct policy *p, struct queue_ticket *called,
                    struct crest_error *err);
/* Calls before the ticket now (its place in the queue), from the counts of
 * waiting tickets ahead in each lane. */
int queue_ticket_position(struct db_conn *c, const struct queue_ticket *t,
                          const struct queue_snapshot *s, const struct policy *p, int64_t *before,
                          struct crest_error *err);
int queue_counter_set(struct db_conn *c, int64_t facility_id, int64_t counter_no, bool open,
                      struct crest_error *err);
int queue_hours_set(struct db_conn *c, int64_t facility_id, const char *hours, int64_t *version,
                    struct crest_error *err);

/* Per-clinic snapshot of the queue as the estimator sees it. */
struct queue_snapshot {
    int64_t prio_waiting, ord_waiting, called, serving;
    int streak;
    int open_counters, idle_counters;
    double rate;   /* per second */
    double wait_s; /* expected wait for a new ordinary ticket, -1 unknown */
    int max_streak;
    double travel_s; /* queue_ticket_issue: the holder's travel, 0 unknown */
};
/* Expected wait of a ticket with `before` calls ahead, from a snapshot. */
double queue_snapshot_wait(const struct queue_snapshot *s, int64_t before);
int queue_snapshot_get(struct db_conn *c, int64_t facility_id, const char *day,
                       const struct policy *p, struct queue_snapshot *out, struct crest_error *err);

/* ---- demo.c ---- */
/* Clinics' hours and counters, a day of tickets (illustrative), and the
 * `clinic` login bound to a fever clinic. Runs in the demo's write
 * transaction, after the capacity stage. */
/* The queue's demo rows go before capacity's facilities on a refresh. */
int queue_demo_clear(struct db_conn *c, struct crest_error *err);
int queue_demo(struct db_conn *c, double scale, uint64_t seed, int64_t *nclinics, int64_t *ntickets,
               struct crest_error *err);

/* ---- api.c ---- */
struct http_req;
void queue_api_clinic_get(struct http_req *r);
void queue_api_clinic_hours(struct http_req *r);
void queue_api_counter_put(struct http_req *r);
void queue_api_ticket_create(struct http_req *r);
void queue_api_ticket_get(struct http_req *r);
void queue_api_ticket_mine(struct http_req *r);
void queue_api_ticket_event(struct http_req *r);
void queue_api_call_next(struct http_req *r);
void queue_api_queue_list(struct http_req *r);
void queue_api_recommend(struct http_req *r);
void queue_api_stats(struct http_req *r);
void queue_api_display(struct http_req *r);
void queue_api_events(struct http_req *r);

#endif
