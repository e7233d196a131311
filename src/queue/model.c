/*
 * model.c - the queue pillar's logic, pure: the ticket state machine,
 * priority lanes without starvation, the EWMA service-time estimator and the
 * expected call time built on it, opening hours, the recommendation ranking,
 * and a discrete-event simulation of a city's peak day. No I/O, no SQL, no
 * HTTP; the simulation allocates its working arrays and frees them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/mem.h"
#include "queue.h"

/* ---- names ---- */

static const char *const state_names[QS__COUNT] = {"waiting", "called",  "serving",
                                                   "done",    "no_show", "cancelled"};
static const char *const event_names[QE__COUNT] = {"call", "start",  "finish",
                                                   "miss", "cancel", "requeue"};

const char *queue_state_name(enum queue_state s)
{
    return (unsigned)s < QS__COUNT ? state_names[s] : "?";
}
int queue_state_parse(const char *s)
{
    for (int i = 0; s && i < QS__COUNT; i++)
        if (strcmp(s, state_names[i]) == 0)
            return i;
    return -1;
}
const char *queue_event_name(enum queue_event e)
{
    return (unsigned)e < QE__COUNT ? event_names[e] : "?";
}
int queue_event_parse(const char *s)
{
    for (int i = 0; s && i < QE__COUNT; i++)
        if (strcmp(s, event_names[i]) == 0)
            return i;
    return -1;
}

bool queue_state_open(enum queue_state s)
{
    return s == QS_WAITING || s == QS_CALLED || s == QS_SERVING;
}

/* ---- state machine ---- */

int queue_transition(enum queue_state from, enum queue_event ev, int calls, int max_calls,
                     enum queue_state *to, int *calls_out)
{
    if (max_calls < 1)
        max_calls = 1;
    *to = from;
    *calls_out = calls;
    switch (ev) {
    case QE_CALL:
        /* a recall counts; past max_calls the desk must mark the miss */
        if (from == QS_WAITING || (from == QS_CALLED && calls < max_calls)) {
            *to = QS_CALLED;
            *calls_out = calls + 1;
            return CREST_OK;
        }
        break;
    case QE_START:
        if (from == QS_CALLED) {
            *to = QS_SERVING;
            return CREST_OK;
        }
        break;
    case QE_FINISH:
        if (from == QS_SERVING) {
            *to = QS_DONE;
            return CREST_OK;
        }
        break;
    case QE_MISS:
        if (from == QS_CALLED) {
            /* absent: keep the place and be called again, until max_calls */
            *to = calls >= max_calls ? QS_NOSHOW : QS_WAITING;
            return CREST_OK;
        }
        break;
    case QE_CANCEL:
        if (from == QS_WAITING || from == QS_CALLED) {
            *to = QS_CANCELLED;
            return CREST_OK;
        }
        break;
    case QE_REQUEUE:
        if (from == QS_NOSHOW) {
            *to = QS_WAITING;
            *calls_out = 0;
            return CREST_OK;
        }
        break;
    case QE__COUNT: break;
    }
    return CREST_CONFLICT;
}

/* ---- priority lanes ---- */

int queue_max_streak(double share_pct)
{
    if (!(share_pct > 0))
        return 0; /* no priority at all: priority tickets wait like the rest */
    if (share_pct >= 100)
        share_pct = 99;
    int m = (int)floor(share_pct / (100.0 - share_pct) + 1e-9);
    return m < 1 ? 1 : m;
}

bool queue_pick_priority(int prio_waiting, int ord_waiting, int streak, int max_streak)
{
    if (prio_waiting <= 0)
        return false;
    if (ord_waiting <= 0)
        return true;
    return streak < max_streak;
}

int queue_streak_after(bool called_priority, int streak)
{
    return called_priority ? streak + 1 : 0;
}

int64_t queue_calls_before(bool priority, int64_t prio_ahead, int64_t ord_ahead, int64_t prio_all,
                           int64_t ord_all, int streak, int max_streak)
{
    if (max_streak <= 0) /* no priority: one lane by ticket order */
        return prio_ahead + ord_ahead;
    int64_t r = max_streak - streak; /* priority calls before the next ordinary one */
    if (r < 0)
        r = 0;
    if (priority) {
        /* our call is priority call number prio_ahead + 1; an ordinary call
         * slips in after r, then after every max_streak */
        int64_t k = prio_ahead + 1, ord = 0;
        if (k > r)
            ord = (k - r + max_streak - 1) / max_streak;
        if (ord > ord_all)
            ord = ord_all;
        return prio_ahead + ord;
    }
    /* ours is ordinary call number ord_ahead + 1: before it come r priority
     * calls, then max_streak more before each further ordinary call */
    int64_t p = r + ord_ahead * (int64_t)max_streak;
    if (p > prio_all)
        p = prio_all;
    return ord_ahead + p;
}

/* ---- estimator ---- */

void queue_ewma_add(struct queue_ewma *e, double sample_s, double alpha)
{
    if (e->n == 0)
        e->mean_s = sample_s;
    else
        e->mean_s = alpha * sample_s + (1.0 - alpha) * e->mean_s;
    e->n++;
}

double queue_rate(const struct queue_ewma *counters, const bool *open, int n, double prior_s)
{
    double rate = 0;
    for (int i = 0; i < n; i++) {
        if (!open[i])
            continue;
        double s = counters[i].n > 0 && counters[i].mean_s > 0 ? counters[i].mean_s : prior_s;
        if (s > 0)
            rate += 1.0 / s;
    }
    return rate;
}

double queue_expected_wait(int64_t before, int idle, double rate)
{
    if (!(rate > 0))
        return -1;
    if (before < idle)
        return 0;
    return (double)(before - idle + 1) / rate;
}

double queue_call_estimate(double wait_s, double travel_s)
{
    if (wait_s < 0)
        return wait_s;
    return travel_s > wait_s ? travel_s : wait_s;
}

/* ---- opening hours ---- */

static int hhmm(const char *s)
{
    if (!(s[0] >= '0' && s[0] <= '2' && s[1] >= '0' && s[1] <= '9' && s[2] == ':' && s[3] >= '0' &&
          s[3] <= '5' && s[4] >= '0' && s[4] <= '9'))
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

bool queue_hours_parse(const char *s, struct queue_hours *out)
{
    memset(out, 0, sizeof *out);
    if (!s)
        return false;
    if (strcmp(s, "24h") == 0) {
        out->h24 = true;
        return true;
    }
    if (strlen(s) != 11 || s[5] != '-')
        return false;
    int a = hhmm(s), b = hhmm(s + 6);
    if (a < 0 || b < 0 || a == 1440 || a == b)
        return false;
    out->open_min = a;
    out->close_min = b == 1440 ? 0 : b;
    if (out->open_min == out->close_min) /* 00:00-24:00 */
        out->h24 = true;
    return true;
}

void queue_hours_format(const struct queue_hours *h, char out[16])
{
    if (h->h24) {
        snprintf(out, 16, "24h");
        return;
    }
    int c = h->close_min == 0 ? 1440 : h->close_min;
    snprintf(out, 16, "%02d:%02d-%02d:%02d", (h->open_min / 60) % 100, h->open_min % 60,
             (c / 60) % 100, c % 60);
}

bool queue_hours_open_at(const struct queue_hours *h, int m)
{
    if (h->h24)
        return true;
    if (h->open_min < h->close_min)
        return m >= h->open_min && m < h->close_min;
    return m >= h->open_min || m < h->close_min; /* past midnight */
}

int64_t queue_hours_next_open(const struct queue_hours *h, int64_t now_ms, int tz_min)
{
    const int64_t day = 86400000, minute = 60000;
    int64_t local = now_ms + (int64_t)tz_min * minute;
    int64_t mod = ((local % day) + day) % day;
    int m = (int)(mod / minute);
    if (queue_hours_open_at(h, m))
        return now_ms;
    int64_t midnight = now_ms - mod; /* local midnight, as UTC ms */
    int64_t at = midnight + (int64_t)h->open_min * minute;
    return at > now_ms ? at : at + day;
}

/* ---- recommendation ---- */

double queue_distance_km(double lat1, double lon1, double lat2, double lon2)
{
    const double R = 6371.0088, rad = M_PI / 180.0;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * R * asin(sqrt(a < 1 ? a : 1));
}

static int cand_cmp(const void *pa, const void *pb)
{
    const struct queue_candidate *a = pa, *b = pb;
    bool ua = a->open_now && a->wait_s >= 0, ub = b->open_now && b->wait_s >= 0;
    if (ua != ub)
        return ua ? -1 : 1;
    double x = ua ? a->total_s : a->distance_km, y = ua ? b->total_s : b->distance_km;
    if (x != y)
        return x < y ? -1 : 1;
    if (a->distance_km != b->distance_km)
        return a->distance_km < b->distance_km ? -1 : 1;
    return a->facility_id < b->facility_id ? -1 : a->facility_id > b->facility_id;
}

int queue_rank(struct queue_candidate *c, int n, double lat, double lon, double speed_kmh,
               double overload_wait_s)
{
    int usable = 0;
    for (int i = 0; i < n; i++) {
        c[i].distance_km = queue_distance_km(lat, lon, c[i].lat, c[i].lon);
        c[i].travel_s = speed_kmh > 0 ? c[i].distance_km / speed_kmh * 3600.0 : 0;
        /* the ticket is taken now: the queue moves while the patient travels,
         * so the wait at the clinic is what is left of it on arrival */
        double at_clinic = c[i].wait_s > c[i].travel_s ? c[i].wait_s - c[i].travel_s : 0;
        c[i].total_s = c[i].travel_s + at_clinic;
        c[i].overloaded = c[i].wait_s >= 0 && c[i].wait_s > overload_wait_s;
        if (c[i].open_now && c[i].wait_s >= 0)
            usable++;
    }
    qsort(c, (size_t)n, sizeof *c, cand_cmp);
    return usable;
}

/* ---- the simulation ---- */

void queue_sim_defaults(struct queue_sim_opts *o, const struct policy *p)
{
    memset(o, 0, sizeof *o);
    o->clinics = 60;
    o->patients = 100000;
    o->seed = 1;
    o->speed_kmh = p ? p->queue.travel_speed_kmh : 20;
    o->alpha = p ? p->queue.ewma_alpha : 0.2;
    o->prior_s = p ? p->queue.default_service_min * 60 : 360;
    o->prio_share = p ? p->queue.priority_share_pct : 75;
    o->prio_frac = 0.1;
    o->radius_km = 15;
    o->load = 0.9;
    o->mismatch = 0.35;
}

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
static double expo(struct rng *g, double mean)
{
    return -mean * log(1.0 - unif(g));
}
static double gauss(struct rng *g)
{
    double u = unif(g), v = unif(g);
    return sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
}

struct sclinic {
    double x, y;
    bool h24;
    int ncounters;
    double mean_s; /* true mean service time of this clinic's doctors */
    int first_counter;
    /* the queue: tickets in order, one FIFO per lane */
    int64_t *lane[2];
    int64_t head[2], tail[2], cap[2];
    int64_t waiting[2]; /* issued, not yet called */
    int streak, idle;
};

struct scounter {
    int clinic;
    struct queue_ewma est;
    double mean_s;
};

struct spatient {
    double x, y, t_decide;
    bool prio;
    int clinic;
    double t_ticket, t_arrive, t_call, est_s;
    bool present, called;
};

enum { EV_DECIDE = 0, EV_ARRIVE, EV_END };
struct sev {
    double t;
    int type;
    int64_t id;
};
struct heap {
    struct sev *a;
    int64_t n, cap;
};
static void hpush(struct heap *h, struct sev e)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 1024;
        h->a = xrealloc(h->a, (size_t)h->cap * sizeof *h->a);
    }
    int64_t i = h->n++;
    while (i > 0) {
        int64_t p = (i - 1) / 2;
        if (h->a[p].t <= e.t)
            break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i] = e;
}
static struct sev hpop(struct heap *h)
{
    struct sev top = h->a[0], last = h->a[--h->n];
    int64_t i = 0;
    for (;;) {
        int64_t l = 2 * i + 1, r = l + 1, m = i;
        double mt = last.t;
        if (l < h->n && h->a[l].t < mt) {
            m = l;
            mt = h->a[l].t;
        }
        if (r < h->n && h->a[r].t < mt)
            m = r;
        if (m == i)
            break;
        h->a[i] = h->a[m];
        i = m;
    }
    if (h->n)
        h->a[i] = last;
    return top;
}

static void lane_push(struct sclinic *c, int lane, int64_t pid)
{
    if (c->tail[lane] == c->cap[lane]) {
        c->cap[lane] = c->cap[lane] ? c->cap[lane] * 2 : 256;
        c->lane[lane] = xrealloc(c->lane[lane], (size_t)c->cap[lane] * sizeof(int64_t));
    }
    c->lane[lane][c->tail[lane]++] = pid;
}

/* The first ticket of a lane whose patient is here and not yet called; the
 * head skips past called ones. -1 when none. */
static int64_t lane_first_present(struct sclinic *c, int lane, struct spatient *pt)
{
    while (c->head[lane] < c->tail[lane] && pt[c->lane[lane][c->head[lane]]].called)
        c->head[lane]++;
    for (int64_t i = c->head[lane]; i < c->tail[lane]; i++) {
        struct spatient *p = &pt[c->lane[lane][i]];
        if (!p->called && p->present)
            return c->lane[lane][i];
    }
    return -1;
}

/* Hourly arrival weights of a peak day (fever clinics: a morning and an
 * evening peak, a trickle at night). */
static const double hour_w[24] = {1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.0, 2.5, 5.0, 7.0, 7.5, 6.5,
                                  5.0, 4.5, 5.0, 5.5, 5.5, 5.0, 5.5, 6.5, 6.5, 5.0, 3.0, 1.8};

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int64_t n, double q)
{
    if (n == 0)
        return 0;
    int64_t i = (int64_t)floor(q * (double)(n - 1) + 0.5);
    return v[i];
}

static bool sim_open(const struct sclinic *c, double t)
{
    if (c->h24)
        return true;
    double m = fmod(t, 86400.0) / 60.0;
    return m >= 8 * 60 && m < 22 * 60;
}

/* Start service at clinic ci while a counter is idle and a patient is here. */
static void dispatch(struct sclinic *cl, int ci, struct scounter *co, struct spatient *pt,
                     struct heap *h, double t, int max_streak, struct rng *g, int64_t *busy_by)
{
    struct sclinic *c = &cl[ci];
    while (c->idle > 0) {
        int64_t pp = lane_first_present(c, 1, pt), po = lane_first_present(c, 0, pt);
        if (pp < 0 && po < 0)
            return;
        bool prio = max_streak > 0 && queue_pick_priority(pp >= 0, po >= 0, c->streak, max_streak);
        int64_t pid = prio ? pp : (po >= 0 ? po : pp);
        prio = pid == pp;
        c->streak = max_streak > 0 ? queue_streak_after(prio && pt[pid].prio, c->streak) : 0;
        pt[pid].called = true;
        pt[pid].t_call = t;
        c->waiting[pt[pid].prio && max_streak > 0 ? 1 : 0]--;
        /* a free counter of this clinic */
        int k = -1;
        for (int j = c->first_counter; j < c->first_counter + c->ncounters; j++)
            if (busy_by[j] < 0) {
                k = j;
                break;
            }
        busy_by[k] = pid;
        c->idle--;
        /* service times: gamma(2), mean the counter's own */
        double s = expo(g, co[k].mean_s / 2) + expo(g, co[k].mean_s / 2);
        hpush(h, (struct sev){t + s, EV_END, k});
    }
}

static double clinic_estimate(const struct sclinic *c, const struct scounter *co, double prior_s,
                              bool prio, int max_streak)
{
    double rate = 0;
    for (int j = c->first_counter; j < c->first_counter + c->ncounters; j++)
        rate += 1.0 / (co[j].est.n ? co[j].est.mean_s : prior_s);
    bool lanes = max_streak > 0;
    int64_t pw = lanes ? c->waiting[1] : 0, ow = c->waiting[0] + (lanes ? 0 : c->waiting[1]);
    int64_t before = queue_calls_before(prio && lanes, pw, ow, pw, ow, c->streak, max_streak);
    return queue_expected_wait(before, c->idle, rate);
}

static int run_day(const struct queue_sim_opts *o, int routing, struct sclinic *cl, int nc,
                   struct scounter *co, int nco, struct spatient *pt, struct queue_sim_result *res)
{
    struct rng g = {o->seed * 7919 + 17};
    struct heap h = {NULL, 0, 0};
    int max_streak = queue_max_streak(o->prio_share);
    int64_t *busy_by = xmalloc((size_t)nco * sizeof *busy_by);
    for (int j = 0; j < nco; j++) {
        busy_by[j] = -1;
        co[j].est = (struct queue_ewma){0, 0};
    }
    for (int i = 0; i < nc; i++) {
        struct sclinic *c = &cl[i];
        c->head[0] = c->head[1] = c->tail[0] = c->tail[1] = 0;
        c->waiting[0] = c->waiting[1] = 0;
        c->streak = 0;
        c->idle = c->ncounters;
    }
    for (int64_t i = 0; i < o->patients; i++) {
        pt[i].present = pt[i].called = false;
        hpush(&h, (struct sev){pt[i].t_decide, EV_DECIDE, i});
    }
    double travel_v = o->speed_kmh / 3600.0; /* km per second */
    while (h.n) {
        struct sev e = hpop(&h);
        if (e.type == EV_DECIDE) {
            struct spatient *p = &pt[e.id];
            int best = -1;
            double best_v = 0;
            for (int i = 0; i < nc; i++) {
                if (!sim_open(&cl[i], e.t))
                    continue;
                double d = hypot(cl[i].x - p->x, cl[i].y - p->y), tr = d / travel_v, v;
                double est = 0;
                if (routing == 0)
                    v = d;
                else {
                    est = clinic_estimate(&cl[i], co, o->prior_s, p->prio, max_streak);
                    v = tr + (est > tr ? est - tr : 0);
                }
                if (best < 0 || v < best_v) {
                    best = i;
                    best_v = v;
                }
            }
            p->clinic = best;
            double tr = hypot(cl[best].x - p->x, cl[best].y - p->y) / travel_v;
            p->t_arrive = e.t + tr;
            if (routing == 1) { /* online ticket now */
                p->t_ticket = e.t;
                /* the call is expected when the patient is there at the
                 * earliest: best_v = max(travel, queue's wait) */
                p->est_s = queue_call_estimate(
                    clinic_estimate(&cl[best], co, o->prior_s, p->prio, max_streak), tr);
                lane_push(&cl[best], p->prio && max_streak > 0, e.id);
                cl[best].waiting[p->prio && max_streak > 0]++;
            }
            hpush(&h, (struct sev){p->t_arrive, EV_ARRIVE, e.id});
        } else if (e.type == EV_ARRIVE) {
            struct spatient *p = &pt[e.id];
            struct sclinic *c = &cl[p->clinic];
            if (routing == 0) { /* walk-in: the desk's ticket on arrival */
                p->t_ticket = e.t;
                p->est_s = clinic_estimate(c, co, o->prior_s, p->prio, max_streak);
                lane_push(c, p->prio && max_streak > 0, e.id);
                c->waiting[p->prio && max_streak > 0]++;
            }
            p->present = true;
            dispatch(cl, p->clinic, co, pt, &h, e.t, max_streak, &g, busy_by);
        } else {
            int k = (int)e.id;
            int64_t pid = busy_by[k];
            queue_ewma_add(&co[k].est, e.t - pt[pid].t_call, o->alpha);
            busy_by[k] = -1;
            cl[co[k].clinic].idle++;
            dispatch(cl, co[k].clinic, co, pt, &h, e.t, max_streak, &g, busy_by);
        }
    }
    free(h.a);
    free(busy_by);
    /* figures */
    int64_t n = o->patients;
    double *w = xmalloc((size_t)n * sizeof *w), *tot = xmalloc((size_t)n * sizeof *tot);
    double *er = xmalloc((size_t)n * sizeof *er), *ea = xmalloc((size_t)n * sizeof *ea);
    double sum = 0, sumtr = 0;
    for (int64_t i = 0; i < n; i++) {
        struct spatient *p = &pt[i];
        w[i] = p->t_call - p->t_arrive;
        if (w[i] < 0)
            w[i] = 0;
        double tr = p->t_arrive - p->t_decide;
        tot[i] = tr + w[i];
        sum += w[i];
        sumtr += tr;
        double actual = p->t_call - p->t_ticket; /* what the estimate predicted */
        ea[i] = fabs(p->est_s - actual);
        er[i] = ea[i] / (actual > 600 ? actual : 600);
    }
    qsort(w, (size_t)n, sizeof *w, dcmp);
    qsort(tot, (size_t)n, sizeof *tot, dcmp);
    qsort(er, (size_t)n, sizeof *er, dcmp);
    qsort(ea, (size_t)n, sizeof *ea, dcmp);
    res->patients = n;
    res->counters = nco;
    res->mean_wait_s = sum / (double)n;
    res->p50_wait_s = pct(w, n, 0.5);
    res->p90_wait_s = pct(w, n, 0.9);
    res->max_wait_s = w[n - 1];
    res->mean_travel_s = sumtr / (double)n;
    res->p90_total_s = pct(tot, n, 0.9);
    res->est_mdape = pct(er, n, 0.5);
    res->est_median_abs_s = pct(ea, n, 0.5);
    free(w);
    free(tot);
    free(er);
    free(ea);
    return CREST_OK;
}

int queue_simulate(const struct queue_sim_opts *o, struct queue_sim_result out[2],
                   struct crest_error *err)
{
    if (o->clinics < 1 || o->clinics > 100000)
        return crest_error_field(err, "clinics", "range", "field_range", "1..100000");
    if (o->patients < 1 || o->patients > 100000000)
        return crest_error_field(err, "patients", "range", "field_range", "1..100000000");
    if (!(o->speed_kmh > 0) || !(o->load > 0) || !(o->radius_km > 0) || !(o->prior_s > 0) ||
        !(o->alpha > 0 && o->alpha <= 1))
        return crest_error_field(err, "options", "range", "field_range", NULL);
    struct rng g = {o->seed};
    int nc = o->clinics;
    struct sclinic *cl = xcalloc((size_t)nc, sizeof *cl);
    struct spatient *pt = xcalloc((size_t)o->patients, sizeof *pt);
    /* the city: a fifth of the clinics are hospitals (24 h, many doctors,
     * mostly towards the centre), the rest fever rooms (08-22, one or two) */
    double wsum = 0, *wt = xmalloc((size_t)nc * sizeof *wt);
    for (int i = 0; i < nc; i++) {
        struct sclinic *c = &cl[i];
        bool hosp = i % 5 == 0;
        double r = o->radius_km * (hosp ? 0.6 * sqrt(unif(&g)) : sqrt(unif(&g)));
        double a = 2 * M_PI * unif(&g);
        c->x = r * cos(a);
        c->y = r * sin(a);
        c->h24 = hosp;
        c->mean_s = 60 * (4.5 + 3.0 * unif(&g)); /* 4.5-7.5 min a patient */
    }
    /* patients: where people live (a dense centre and a spread suburb) and
     * when they set out (the hourly curve) */
    double hsum = 0, cum[24];
    for (int i = 0; i < 24; i++)
        cum[i] = (hsum += hour_w[i]);
    int64_t nprio = 0;
    for (int64_t i = 0; i < o->patients; i++) {
        struct spatient *p = &pt[i];
        if (unif(&g) < 0.55) {
            p->x = gauss(&g) * o->radius_km * 0.25;
            p->y = gauss(&g) * o->radius_km * 0.25;
        } else {
            double r = o->radius_km * sqrt(unif(&g)), a = 2 * M_PI * unif(&g);
            p->x = r * cos(a);
            p->y = r * sin(a);
        }
        double u = unif(&g) * hsum;
        int hr = 0;
        while (hr < 23 && cum[hr] < u)
            hr++;
        p->t_decide = 3600.0 * (hr + unif(&g));
        p->prio = unif(&g) < o->prio_frac;
        nprio += p->prio;
    }
    /* counters so that the day's demand is `load` of the day's capacity,
     * shared out as a planner would: by each clinic's catchment (the
     * patients it is nearest to), but with the planner's error (lognormal,
     * sigma = mismatch): last month's counts, not this week's */
    for (int i = 0; i < nc; i++)
        wt[i] = 0;
    for (int64_t i = 0; i < o->patients; i++) {
        int best = 0;
        double bd = 1e300;
        for (int k = 0; k < nc; k++) {
            double d = hypot(cl[k].x - pt[i].x, cl[k].y - pt[i].y);
            if (d < bd) {
                bd = d;
                best = k;
            }
        }
        wt[best] += 1;
    }
    wsum = 0;
    for (int i = 0; i < nc; i++) {
        wt[i] = (wt[i] + 1) * exp(o->mismatch * gauss(&g));
        wsum += wt[i];
    }
    double mean_s = 0;
    for (int i = 0; i < nc; i++)
        mean_s += cl[i].mean_s * wt[i] / wsum;
    double need = (double)o->patients * mean_s / (86400.0 * 0.8 * o->load);
    int nco = 0;
    for (int i = 0; i < nc; i++) {
        cl[i].ncounters = (int)lround(need * wt[i] / wsum);
        if (cl[i].ncounters < 1)
            cl[i].ncounters = 1;
        cl[i].first_counter = nco;
        nco += cl[i].ncounters;
    }
    struct scounter *co = xcalloc((size_t)nco, sizeof *co);
    for (int i = 0; i < nc; i++)
        for (int j = 0; j < cl[i].ncounters; j++) {
            co[cl[i].first_counter + j].clinic = i;
            co[cl[i].first_counter + j].mean_s = cl[i].mean_s * (0.8 + 0.4 * unif(&g));
        }
    (void)nprio;
    int rc = CREST_OK;
    for (int routing = 0; routing < 2 && rc == CREST_OK; routing++)
        rc = run_day(o, routing, cl, nc, co, nco, pt, &out[routing]);
    for (int i = 0; i < nc; i++) {
        free(cl[i].lane[0]);
        free(cl[i].lane[1]);
    }
    free(cl);
    free(pt);
    free(co);
    free(wt);
    return rc;
}
