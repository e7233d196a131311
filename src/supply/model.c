/*
 * model.c - the supply pillar's rules, pure: no SQL, no HTTP, no files
 * (supply_plan_write_json writes to a FILE the caller opened). The ledger's
 * rules (kinds and signs, batch checks on receipt, first-expiry-first-out),
 * days of cover, the candidate routes and the two-phase dispatch LP.
 *
 * The LP, per item (sites i, candidate arcs a = j→i with distance km_a,
 * stock s_i, daily use u_i, target T days):
 *   phase 1: maximise L, 0 ≤ L ≤ T, subject to
 *     s_i + in_i − out_i ≥ L·u_i   for every site with a use (u_i > 0)
 *     out_j ≤ s_j                  for every donor without a use
 *     0 ≤ x_a ≤ route_max          (when the policy sets one)
 *   phase 2: the same rows with L ≥ L*·(1 − 1e-9), minimise Σ km_a·x_a,
 *     warm-started from phase 1's basis (same model, new bounds/objective).
 *     out_i ≤ s_i                  for a site with a use that both gives and
 *                                  receives: no site relays stock (a transfer
 *                                  leaves from stock on hand, not from what is
 *                                  still on its way)
 * A site with a use and no candidate arc cannot be lifted: its cover caps L
 * (as an upper bound on L rather than a row).
 * By default the LP is solved as a network (netflow.h: LEMON's max-flow
 * for L, its network simplex for the km; docs/decisions.md §41). With CLP
 * (--solver clp, and the tests' cross-check), CLP is given the arcs from sites above the level
 * sought to sites below it first; the other arcs are priced in (loaded when their reduced cost is
 * negative, then the LP re-solved from its basis) until none is: the answer
 * is the optimum of the LP with every arc (docs/decisions.md §37).
 */
#include <coin/Clp_C_Interface.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/mem.h"
#include "../base/str.h"
#include "../base/util.h"
#include "clp.h"
#include "netflow.h"
#include "supply.h"

/* CLP takes anything at or beyond 1e30 as infinite */
#define INF 1e30

static const char *const kind_names[SUP__KINDS] = {
    "receipt", "issue", "transfer_out", "transfer_in", "adjustment", "expiry",
};

const char *supply_kind_name(enum supply_kind k)
{
    return (unsigned)k < SUP__KINDS ? kind_names[k] : "?";
}

int supply_kind_parse(const char *s)
{
    for (int i = 0; s && i < SUP__KINDS; i++)
        if (!strcmp(s, kind_names[i]))
            return i;
    return -1;
}

int supply_kind_sign(enum supply_kind k)
{
    switch (k) {
    case SUP_RECEIPT:
    case SUP_TRANSFER_IN: return 1;
    case SUP_ISSUE:
    case SUP_TRANSFER_OUT:
    case SUP_EXPIRY: return -1;
    default: return 0;
    }
}

static const char *const categories[SUPPLY_CATEGORIES] = {
    "antiviral",  "antipyretic",         "tcm",      "symptomatic", "antigen_test", "mask",
    "ventilator", "oxygen_concentrator", "oximeter", "other",
};

int supply_category_parse(const char *s)
{
    for (int i = 0; s && i < SUPPLY_CATEGORIES; i++)
        if (!strcmp(s, categories[i]))
            return i;
    return -1;
}

const char *supply_category_name(int c)
{
    return c >= 0 && c < SUPPLY_CATEGORIES ? categories[c] : "other";
}

/* ---- dates ---- */

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    /* Howard Hinnant's algorithm: days since 1970-01-01 */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool parse_date(const char *s, int64_t *days)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int64_t v[3] = {0, 0, 0};
    const int at[3] = {0, 5, 8}, len[3] = {4, 2, 2};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < len[k]; i++) {
            char ch = s[at[k] + i];
            if (ch < '0' || ch > '9')
                return false;
            v[k] = v[k] * 10 + (ch - '0');
        }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31)
        return false;
    *days = days_from_civil(v[0], v[1], v[2]);
    return true;
}

bool supply_date_add(const char *date, int64_t n, char out[11])
{
    int64_t z;
    if (!parse_date(date, &z))
        return false;
    z += n + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    if (y < 0 || y > 9999)
        return false;
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
    str_copy(out, 11, tmp);
    return true;
}

/* ---- ledger rules ---- */

void supply_receipt_check(bool batched, int64_t min_shelf_days, const char *batch,
                          const char *expiry, const char *existing_expiry, const char *today,
                          struct crest_error *err)
{
    bool has_batch = batch && batch[0], has_expiry = expiry && expiry[0];
    if (!batched) {
        if (has_batch)
            crest_error_field(err, "batch", "not_batched", "supply_not_batched", NULL);
        if (has_expiry)
            crest_error_field(err, "expiry", "not_batched", "supply_not_batched", NULL);
        return;
    }
    if (!has_batch) {
        crest_error_field(err, "batch", "required", "field_required", NULL);
        return;
    }
    bool is_new = !existing_expiry || !existing_expiry[0];
    if (is_new && !has_expiry) {
        /* a receipt into a batch nobody has recorded: a typo, or a lot that
         * needs its expiry stated once */
        crest_error_field(err, "batch", "unknown", "supply_batch_unknown", batch);
        return;
    }
    if (!has_expiry)
        return;
    int64_t e, t;
    if (!parse_date(expiry, &e)) {
        crest_error_field(err, "expiry", "format", "field_date", NULL);
        return;
    }
    if (!is_new) {
        if (strcmp(expiry, existing_expiry) != 0)
            crest_error_field(err, "expiry", "mismatch", "supply_expiry_mismatch", existing_expiry);
        return;
    }
    if (parse_date(today, &t) && e < t + (min_shelf_days > 0 ? min_shelf_days : 0)) {
        char lim[11] = "";
        supply_date_add(today, min_shelf_days > 0 ? min_shelf_days : 0, lim);
        crest_error_field(err, "expiry", "range",
                          min_shelf_days > 0 ? "supply_expiry_shelf" : "supply_expiry_past", lim);
    }
}

bool supply_fefo(const int64_t *have, int n, int64_t qty, int64_t *take)
{
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        take[i] = 0;
        total += have[i] > 0 ? have[i] : 0;
    }
    if (qty <= 0 || total < qty)
        return qty <= 0;
    for (int i = 0; i < n && qty > 0; i++) {
        int64_t t = have[i] < qty ? have[i] : qty;
        if (t <= 0)
            continue;
        take[i] = t;
        qty -= t;
    }
    return true;
}

double supply_days_of_cover(double stock, double daily_use)
{
    if (!(daily_use > 0))
        return -1;
    return stock / daily_use;
}

/* ---- routes ---- */

double supply_km(double lat1, double lon1, double lat2, double lon2)
{
    const double r = 6371.0088, k = M_PI / 180;
    double dlat = (lat2 - lat1) * k, dlon = (lon2 - lon1) * k;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * k) * cos(lat2 * k) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * r * asin(sqrt(a < 1 ? a : 1));
}

static double cover_of(const struct supply_node *x)
{
    return x->use > 0 ? x->stock / x->use : INFINITY;
}

struct arcs {
    struct supply_arc *a;
    int n, cap;
};

static void arc_add(struct arcs *v, const struct supply_node *n, int from, int to)
{
    for (int i = v->n - 1; i >= 0 && v->a[i].to == to; i--)
        if (v->a[i].from == from)
            return; /* already a candidate through the other rule */
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 1024;
        v->a = xrealloc(v->a, (size_t)v->cap * sizeof *v->a);
    }
    v->a[v->n++] =
        (struct supply_arc){from, to, supply_km(n[from].lat, n[from].lon, n[to].lat, n[to].lon)};
}

int supply_routes(const struct supply_node *n, int nn, double target_days, int k,
                  struct supply_arc **out)
{
    struct arcs v = {NULL, 0, 0};
    double low = INFINITY;
    for (int i = 0; i < nn; i++)
        if (n[i].use > 0 && cover_of(&n[i]) < low)
            low = cover_of(&n[i]);
    /* donors: anything with stock that a recipient could be lifted to */
    int *donor = xcalloc((size_t)nn + 1, sizeof *donor), nd = 0;
    int *depot = xcalloc((size_t)nn + 1, sizeof *depot), ndep = 0;
    for (int i = 0; i < nn; i++) {
        if (n[i].stock > 0 && cover_of(&n[i]) > low)
            donor[nd++] = i;
        if (n[i].depot && n[i].stock > 0)
            depot[ndep++] = i;
    }
    if (k < 0)
        k = 0;
    int *best = xcalloc((size_t)k + 1, sizeof *best);
    double *bd = xcalloc((size_t)k + 1, sizeof *bd);
    for (int i = 0; i < nn; i++) {
        if (!(n[i].use > 0) || cover_of(&n[i]) >= target_days)
            continue;
        /* the hierarchy: the depots whose region contains this site */
        for (int d = 0; d < ndep; d++) {
            const struct supply_node *p = &n[depot[d]];
            if (depot[d] != i && !strncmp(p->region, n[i].region, (size_t)p->depot))
                arc_add(&v, n, depot[d], i);
        }
        /* the k nearest donors, ranked on a flat projection (cheap; the
         * arc's km is the great-circle distance) */
        int nb = 0;
        double cl = cos(n[i].lat * M_PI / 180);
        for (int d = 0; d < nd; d++) {
            int j = donor[d];
            if (j == i)
                continue;
            double dy = n[j].lat - n[i].lat, dx = (n[j].lon - n[i].lon) * cl;
            double dist = dx * dx + dy * dy;
            if (nb == k && (k == 0 || dist >= bd[nb - 1]))
                continue;
            int p = nb < k ? nb++ : nb - 1;
            while (p > 0 && bd[p - 1] > dist) {
                bd[p] = bd[p - 1];
                best[p] = best[p - 1];
                p--;
            }
            bd[p] = dist;
            best[p] = j;
        }
        for (int b = 0; b < nb; b++)
            arc_add(&v, n, best[b], i);
    }
    free(best);
    free(bd);
    free(donor);
    free(depot);
    *out = v.a;
    return v.n;
}

/* ---- the LP ---- */

void supply_plan_free(struct supply_plan_result *r)
{
    free(r->flow);
    free(r->qty);
    r->flow = NULL;
    r->qty = NULL;
}

struct rctx {
    const double *flow;
    const int64_t *qty;
};

static int by_roundup(const void *a, const void *b, void *arg)
{
    const struct rctx *c = arg;
    int x = *(const int *)a, y = *(const int *)b;
    double ux = (double)c->qty[x] - c->flow[x], uy = (double)c->qty[y] - c->flow[y];
    return ux > uy ? -1 : ux < uy ? 1 : x - y;
}

/* Whole units: round each flow to the nearest unit, then, where a donor
 * would give more than it has, take back the units rounded up the most. */
static void round_flows(const struct supply_node *n, int nn, const struct supply_arc *a, int na,
                        const double *flow, int64_t *qty)
{
    /* arcs grouped by donor (counting sort) */
    int *first = xcalloc((size_t)nn + 2, sizeof *first),
        *by = xmalloc(((size_t)na + 1) * sizeof *by);
    for (int i = 0; i < na; i++)
        first[a[i].from + 1]++;
    for (int j = 0; j < nn; j++)
        first[j + 1] += first[j];
    int *fill = xmalloc(((size_t)nn + 1) * sizeof *fill);
    memcpy(fill, first, (size_t)nn * sizeof *fill);
    for (int i = 0; i < na; i++)
        by[fill[a[i].from]++] = i;
    for (int j = 0; j < nn; j++) {
        int64_t given = 0, have = (int64_t)floor(n[j].stock);
        for (int p = first[j]; p < first[j + 1]; p++) {
            int i = by[p];
            qty[i] = flow[i] > 0 ? (int64_t)floor(flow[i] + 0.5) : 0;
            given += qty[i];
        }
        if (given > have) {
            /* take back one unit from each of the arcs rounded up the most;
             * each arc was rounded up by at most 0.5, so once is enough */
            int m = first[j + 1] - first[j];
            int *ord = by + first[j];
            qsort_r(ord, (size_t)m, sizeof *ord, by_roundup, (void *)&(struct rctx){flow, qty});
            for (int p = 0; p < m && given > have; p++)
                if (qty[ord[p]] > 0) {
                    qty[ord[p]]--;
                    given--;
                }
        }
    }
    free(first);
    free(by);
    free(fill);
}

/* The LP in CLP: column 0 is L, the others are the candidate arcs loaded so
 * far (col_arc maps a column to its arc). Rows are those of the whole LP:
 * one per site that an arc touches, one per relay site. */
struct lp {
    const struct supply_node *n;
    const struct supply_arc *a;
    int na;
    const int *row, *relay;
    double route_max;
    Clp_Simplex *m;
    int *col_arc;
    bool *loaded;
    int ncols, iterations, rounds;
};

/* an arc's entries in its column: −1 in the row of a donor with a use (its
 * cover row), +1 in the row of a donor without (out ≤ s), +1 in the
 * recipient's row, +1 in the donor's relay row if it has one */
static int arc_entries(const struct lp *lp, int i, int *index, double *value)
{
    const struct supply_arc *a = &lp->a[i];
    int e = 0;
    index[e] = lp->row[a->from], value[e++] = lp->n[a->from].use > 0 ? -1.0 : 1.0;
    index[e] = lp->row[a->to], value[e++] = 1.0;
    if (lp->relay[a->from] >= 0)
        index[e] = lp->relay[a->from], value[e++] = 1.0;
    return e;
}

/* below this a reduced cost is negative (CLP's own dual tolerance) */
#define PRICE_TOL 1e-7

/* Pricing: with the duals y of the LP solved so far, the reduced cost of an
 * arc not yet loaded is c_a − Σ y_r·A_ra (c_a = km in phase 2, 0 in phase
 * 1). Loads every arc whose reduced cost is negative; returns how many. */
static int price_in(struct lp *lp, bool km)
{
    const double *y = Clp_dualRowSolution(lp->m);
    int cap = 0, k = 0, e = 0;
    int *start = NULL, *index = NULL;
    double *value = NULL, *lo = NULL, *up = NULL, *obj = NULL;
    for (int i = 0; i < lp->na; i++) {
        if (lp->loaded[i])
            continue;
        int ix[3];
        double v[3], c = km ? lp->a[i].km : 0, d = c;
        int ne = arc_entries(lp, i, ix, v);
        for (int q = 0; q < ne; q++)
            d -= v[q] * y[ix[q]];
        if (d >= -PRICE_TOL)
            continue;
        if (k == cap) {
            cap = cap ? cap * 2 : 256;
            start = xrealloc(start, ((size_t)cap + 1) * sizeof *start);
            index = xrealloc(index, (size_t)cap * 3 * sizeof *index);
            value = xrealloc(value, (size_t)cap * 3 * sizeof *value);
            lo = xrealloc(lo, (size_t)cap * sizeof *lo);
            up = xrealloc(up, (size_t)cap * sizeof *up);
            obj = xrealloc(obj, (size_t)cap * sizeof *obj);
        }
        start[k] = e;
        for (int q = 0; q < ne; q++)
            index[e] = ix[q], value[e++] = v[q];
        lo[k] = 0;
        up[k] = lp->route_max > 0 ? lp->route_max : INF;
        obj[k] = c;
        lp->col_arc[lp->ncols + k] = i;
        lp->loaded[i] = true;
        k++;
    }
    if (k) {
        start[k] = e;
        Clp_addColumns(lp->m, k, lo, up, obj, start, index, value);
        lp->ncols += k;
    }
    free(start);
    free(index);
    free(value);
    free(lo);
    free(up);
    free(obj);
    return k;
}

/* Solve, then load the arcs that price in and solve again (primal simplex
 * from the basis so far: new columns at zero keep it feasible), until none
 * does: then the solution is optimal for the LP with every arc. */
static int solve_priced(struct lp *lp, bool km, bool first)
{
    if (first)
        Clp_initialDualSolve(lp->m); /* presolve + dual simplex */
    else
        Clp_primal(lp->m, 0);
    lp->iterations += Clp_numberIterations(lp->m);
    while (Clp_status(lp->m) == 0 && price_in(lp, km) > 0) {
        lp->rounds++;
        Clp_primal(lp->m, 0);
        lp->iterations += Clp_numberIterations(lp->m);
    }
    return Clp_status(lp->m);
}

/* set the objective: km per arc (phase 2) or max L (phase 1) */
static void set_objective(struct lp *lp, bool km)
{
    double *o = Clp_objective(lp->m);
    o[0] = km ? 0 : -1.0; /* CLP minimises: max L = min −L */
    for (int c = 1; c < lp->ncols; c++)
        o[c] = km ? lp->a[lp->col_arc[c]].km : 0;
}

/* The LP as a network (netflow.h), solved by LEMON: the same optimum as
 * CLP's, an order of magnitude faster (docs/decisions.md §41). row[i] ≥ 0
 * marks the sites on some arc, as for CLP. */
static int net_solve(const struct supply_node *n, int nn, const struct supply_arc *a, int na,
                     const int *row, double lmax, double route_max, struct supply_plan_result *out,
                     struct crest_error *err)
{
    double *stock = xmalloc(((size_t)nn + 1) * sizeof *stock);
    double *use = xmalloc(((size_t)nn + 1) * sizeof *use);
    bool *present = xmalloc(((size_t)nn + 1) * sizeof *present);
    int *from = xmalloc(((size_t)na + 1) * sizeof *from),
        *to = xmalloc(((size_t)na + 1) * sizeof *to);
    double *km = xmalloc(((size_t)na + 1) * sizeof *km);
    for (int i = 0; i < nn; i++) {
        stock[i] = n[i].stock;
        use[i] = n[i].use > 0 ? n[i].use : 0;
        present[i] = row[i] >= 0;
    }
    for (int k = 0; k < na; k++) {
        from[k] = a[k].from;
        to[k] = a[k].to;
        km[k] = a[k].km;
    }
    struct supply_net in = {nn, na, stock, use, present, from, to, km, lmax, route_max};
    struct supply_net_result r = {.flow = out->flow};
    char why[160] = "";
    int rc = CREST_OK;
    if (supply_net_solve(&in, &r, why, sizeof why) != 0) {
        out->status = 1;
        rc = crest_error_set(err, CREST_INTERNAL, "supply_plan_failed", "%s", why);
    } else {
        out->level = r.level;
        out->item_km = r.item_km;
        out->seconds_p1 = r.seconds_p1;
        out->seconds_p2 = r.seconds_p2;
        out->iterations = r.cuts;
        out->cols = na;
        for (int k = 0; k < na; k++)
            if (!(out->flow[k] > 1e-9))
                out->flow[k] = 0;
        round_flows(n, nn, a, na, out->flow, out->qty);
    }
    free(stock);
    free(use);
    free(present);
    free(from);
    free(to);
    free(km);
    return rc;
}

static int plan_solve(const struct supply_node *n, int nn, const struct supply_arc *a, int na,
                      double target_days, double route_max, enum supply_solver solver,
                      struct supply_plan_result *out, struct crest_error *err)
{
    memset(out, 0, sizeof *out);
    bool all_arcs = solver == SUPPLY_CLP_ALL_ARCS;
    if (solver != SUPPLY_NETWORK && !supply_clp()) /* the library is missing: say so */
        return crest_error_set(err, CREST_INTERNAL, "internal", "COIN-OR CLP cannot be loaded");
    out->flow = xcalloc((size_t)na + 1, sizeof *out->flow);
    out->qty = xcalloc((size_t)na + 1, sizeof *out->qty);
    double lmax = target_days, before = target_days;
    int *row = xmalloc(((size_t)nn + 1) * sizeof *row);
    int *relay = xmalloc(((size_t)nn + 1) * sizeof *relay);
    int *deg = xcalloc((size_t)nn + 1, sizeof *deg),
        *indeg = xcalloc((size_t)nn + 1, sizeof *indeg);
    for (int i = 0; i < na; i++) {
        deg[a[i].from]++;
        deg[a[i].to]++;
        indeg[a[i].to]++;
    }
    int nrows = 0;
    for (int i = 0; i < nn; i++) {
        row[i] = -1;
        if (n[i].use > 0 && cover_of(&n[i]) < before)
            before = cover_of(&n[i]);
        if (deg[i])
            row[i] = nrows++;
        else if (n[i].use > 0 && cover_of(&n[i]) < lmax)
            lmax = cover_of(&n[i]); /* nobody can lift it: its cover caps L */
    }
    /* a site with a use that both gives and receives: what it gives must
     * come from what it has (out ≤ s), not from what is still on its way */
    for (int i = 0; i < nn; i++) {
        relay[i] = -1;
        if (n[i].use > 0 && indeg[i] && deg[i] > indeg[i])
            relay[i] = nrows++;
    }
    out->before = before;
    out->rows = nrows;
    out->cols = na + 1;
    if (na == 0) {
        /* nothing to move: the level is what the worst-off site has */
        out->level = before;
        free(row);
        free(relay);
        free(deg);
        free(indeg);
        return CREST_OK;
    }
    if (solver == SUPPLY_NETWORK) {
        int rc = net_solve(n, nn, a, na, row, lmax, route_max, out, err);
        free(row);
        free(relay);
        free(deg);
        free(indeg);
        return rc;
    }
    /* When the stock on the candidate routes could cover every site up to
     * L's cap, try that first: L fixed at the cap, minimising item-km. It is
     * feasible for most items (then one solve answers both phases). */
    double have = 0, need = 0;
    for (int i = 0; i < nn; i++)
        if (row[i] >= 0) {
            have += n[i].stock;
            need += n[i].use;
        }
    bool cap_first = lmax > 0 && have >= lmax * need;
    /* The arcs loaded at first (docs/decisions.md §37): from a site whose
     * cover is above the level sought to one below it, where the level
     * sought is L's cap, or Σ stock / Σ use when that is lower (no L above
     * it is feasible). The others (a site below the level passing on its
     * own stock while it is refilled, or a site above it receiving) are
     * loaded when their reduced cost says they improve the LP: the answer
     * is the LP with every arc, solved with fewer columns. */
    double level = cap_first ? lmax : (need > 0 && have / need < lmax ? have / need : lmax);
    struct lp lp = {n, a, na, row, relay, route_max, NULL, NULL, NULL, 0, 0, 0};
    lp.col_arc = xmalloc(((size_t)na + 1) * sizeof *lp.col_arc);
    lp.loaded = xcalloc((size_t)na + 1, sizeof *lp.loaded);
    int ncols = 1;
    lp.col_arc[0] = -1;
    for (int i = 0; i < na; i++)
        if (all_arcs || (cover_of(&n[a[i].from]) > level && cover_of(&n[a[i].to]) < level)) {
            lp.col_arc[ncols++] = i;
            lp.loaded[i] = true;
        }
    /* column-major: each arc has at most 3 entries, L one per site with a use */
    int *start = xmalloc(((size_t)ncols + 1) * sizeof *start);
    int *index = xmalloc(((size_t)3 * ncols + nn + 1) * sizeof *index);
    double *value = xmalloc(((size_t)3 * ncols + nn + 1) * sizeof *value);
    double *collb = xcalloc((size_t)ncols, sizeof *collb);
    double *colub = xmalloc((size_t)ncols * sizeof *colub);
    double *obj = xcalloc((size_t)ncols, sizeof *obj);
    double *rowlb = xmalloc(((size_t)nrows + 1) * sizeof *rowlb);
    double *rowub = xmalloc(((size_t)nrows + 1) * sizeof *rowub);
    int e = 0;
    start[0] = 0;
    for (int i = 0; i < nn; i++) {
        if (row[i] < 0)
            continue;
        if (n[i].use > 0) {
            index[e] = row[i];
            value[e++] = -n[i].use;
            rowlb[row[i]] = -n[i].stock;
            rowub[row[i]] = INF;
        } else {
            rowlb[row[i]] = -INF;
            rowub[row[i]] = n[i].stock;
        }
        if (relay[i] >= 0) {
            rowlb[relay[i]] = -INF;
            rowub[relay[i]] = n[i].stock;
        }
    }
    collb[0] = cap_first ? lmax : 0;
    colub[0] = lmax > 0 ? lmax : 0;
    obj[0] = cap_first ? 0 : -1.0;
    for (int c = 1; c < ncols; c++) {
        start[c] = e;
        e += arc_entries(&lp, lp.col_arc[c], index + e, value + e);
        colub[c] = route_max > 0 ? route_max : INF;
        obj[c] = cap_first ? a[lp.col_arc[c]].km : 0;
    }
    start[ncols] = e;
    lp.ncols = ncols;

    int rc = CREST_OK;
    lp.m = Clp_newModel();
    Clp_setLogLevel(lp.m, 0);
    Clp_loadProblem(lp.m, ncols, nrows, start, index, value, collb, colub, obj, rowlb, rowub);
    int64_t t0 = util_mono_us();
    bool done = false;
    if (cap_first) {
        if (solve_priced(&lp, true, true) == 0) {
            out->level = lmax;
            done = true; /* L at its cap, item-km minimal: both phases */
        } else {
            /* infeasible at the cap: phase 1 by primal simplex from this
             * basis (measured ~20 % faster than starting over) */
            Clp_columnLower(lp.m)[0] = 0;
            set_objective(&lp, false);
        }
    }
    if (!done) {
        out->status = solve_priced(&lp, false, !cap_first);
        out->seconds_p1 = (double)(util_mono_us() - t0) / 1e6;
        if (out->status != 0) {
            rc = crest_error_set(err, CREST_INTERNAL, "supply_plan_failed", "phase 1 status %d",
                                 out->status);
            goto done;
        }
        out->level = Clp_primalColumnSolution(lp.m)[0];
        /* phase 2: hold L (less 1e-9 relative, so that rounding in the
         * solver cannot make it infeasible), minimise item-km; the solution
         * so far stays feasible, so primal simplex starts from its basis */
        Clp_columnLower(lp.m)[0] = out->level * (1 - 1e-9);
        set_objective(&lp, true);
        t0 = util_mono_us();
        solve_priced(&lp, true, false);
        out->seconds_p2 = (double)(util_mono_us() - t0) / 1e6;
    } else {
        out->seconds_p1 = (double)(util_mono_us() - t0) / 1e6;
    }
    out->status = Clp_status(lp.m);
    out->iterations = lp.iterations;
    out->rounds = lp.rounds;
    out->cols = lp.ncols;
    if (out->status != 0) {
        rc = crest_error_set(err, CREST_INTERNAL, "supply_plan_failed", "phase 2 status %d",
                             out->status);
        goto done;
    }
    out->item_km = Clp_objectiveValue(lp.m);
    const double *x = Clp_primalColumnSolution(lp.m);
    for (int c = 1; c < lp.ncols; c++)
        out->flow[lp.col_arc[c]] = x[c] > 1e-9 ? x[c] : 0;
    round_flows(n, nn, a, na, out->flow, out->qty);
done:
    Clp_deleteModel(lp.m);
    free(lp.col_arc);
    free(lp.loaded);
    free(start);
    free(index);
    free(value);
    free(collb);
    free(colub);
    free(obj);
    free(rowlb);
    free(rowub);
    free(row);
    free(relay);
    free(deg);
    free(indeg);
    return rc;
}

int supply_plan_solve(const struct supply_node *n, int nn, const struct supply_arc *a, int na,
                      double target_days, double route_max, struct supply_plan_result *out,
                      struct crest_error *err)
{
    return plan_solve(n, nn, a, na, target_days, route_max, SUPPLY_NETWORK, out, err);
}

int supply_plan_solve_clp(const struct supply_node *n, int nn, const struct supply_arc *a, int na,
                          double target_days, double route_max, struct supply_plan_result *out,
                          struct crest_error *err)
{
    return plan_solve(n, nn, a, na, target_days, route_max, SUPPLY_CLP, out, err);
}

int supply_plan_solve_all_arcs(const struct supply_node *n, int nn, const struct supply_arc *a,
                               int na, double target_days, double route_max,
                               struct supply_plan_result *out, struct crest_error *err)
{
    return plan_solve(n, nn, a, na, target_days, route_max, SUPPLY_CLP_ALL_ARCS, out, err);
}

struct many {
    struct supply_job *jobs;
    int *order;
    int n, next;
    pthread_mutex_t mu;
};

static double thread_cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *many_worker(void *arg)
{
    struct many *m = arg;
    for (;;) {
        pthread_mutex_lock(&m->mu);
        int i = m->next < m->n ? m->order[m->next++] : -1;
        pthread_mutex_unlock(&m->mu);
        if (i < 0)
            return NULL;
        struct supply_job *j = &m->jobs[i];
        crest_error_clear(&j->err);
        double t0 = thread_cpu();
        j->na = supply_routes(j->n, j->nn, j->target, j->k, &j->arcs);
        double t1 = thread_cpu();
        j->rc = plan_solve(j->n, j->nn, j->arcs, j->na, j->target, j->route_max, j->solver, &j->res,
                           &j->err);
        j->seconds_routes = t1 - t0;
        j->seconds_solve = thread_cpu() - t1;
    }
}

/* an item short of stock overall needs both phases: several times the work
 * of one that is not, so those go first (the longest jobs first keep the
 * threads busy to the end) */
static bool job_short(const struct supply_job *j)
{
    double have = 0, need = 0;
    for (int i = 0; i < j->nn; i++) {
        have += j->n[i].stock;
        need += j->n[i].use;
    }
    return have < j->target * need;
}

void supply_plan_many(struct supply_job *jobs, int n, int threads)
{
    struct many m = {jobs, xmalloc(((size_t)n + 1) * sizeof(int)), n, 0, PTHREAD_MUTEX_INITIALIZER};
    int k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++)
            if (job_short(&jobs[i]) == (pass == 0))
                m.order[k++] = i;
    if (threads < 1)
        threads = 1;
    if (threads > 16)
        threads = 16;
    pthread_t th[16];
    int started = 0;
    for (int i = 1; i < threads && i < n; i++)
        if (pthread_create(&th[started], NULL, many_worker, &m) == 0)
            started++;
    many_worker(&m); /* this thread works too */
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(m.order);
}

void supply_job_free(struct supply_job *j)
{
    supply_plan_free(&j->res);
    free(j->arcs);
    j->arcs = NULL;
}

void supply_plan_write_json(FILE *f, const char *item, const struct supply_node *n, int nn,
                            const struct supply_arc *a, int na, double target_days,
                            double route_max, const struct supply_plan_result *res)
{
    fprintf(f, "{\"item\":\"%s\",\"target\":%.17g,\"route_max\":%.17g,\"stock\":[", item,
            target_days, route_max);
    for (int i = 0; i < nn; i++)
        fprintf(f, "%s%.17g", i ? "," : "", n[i].stock);
    fputs("],\"use\":[", f);
    for (int i = 0; i < nn; i++)
        fprintf(f, "%s%.17g", i ? "," : "", n[i].use);
    fputs("],\"arcs\":[", f);
    for (int i = 0; i < na; i++)
        fprintf(f, "%s[%d,%d,%.17g]", i ? "," : "", a[i].from, a[i].to, a[i].km);
    fprintf(f, "],\"crest\":{\"level\":%.17g,\"item_km\":%.17g,\"seconds\":%.6f}}", res->level,
            res->item_km, res->seconds_p1 + res->seconds_p2);
}
