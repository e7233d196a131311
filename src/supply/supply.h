/*
 * supply.h - the supply pillar (DESIGN.md §1, 物资储备·统一调度): an item
 * catalogue, a double-entry stock ledger per site (depots, hospitals,
 * pharmacies: facilities of the capacity registry), days of cover against the
 * policy's target, and an optimal province-wide transfer plan (an LP solved
 * with COIN-OR CLP) that a commander reviews, edits, approves and tracks as
 * shipments.
 *
 * model.c  pure: ledger rules, days of cover, candidate routes, the planner.
 * store.c  SQL: items, batches, movements and the balances derived from them.
 * api.c    /api/v1/supply/… handlers.
 * io.c     CSV/XLSX exports of ledgers and plans.
 * demo.c   the demo's catalogue, sites and a fortnight of movements.
 * cli.c    `crest supply verify` and `crest supply plan`.
 *
 * The ledger: every change of stock is a movement row (signed quantity);
 * supply_balances holds, per site, item and batch, the sum of its movements,
 * updated in the same transaction by a conditional UPDATE that refuses to go
 * below zero (CHECK qty >= 0 as a second line). `crest supply verify`
 * recomputes every balance from the movements.
 */
#ifndef CREST_SUPPLY_H
#define CREST_SUPPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/err.h"
#include "../policy/policy.h"

/* ---- model.c: ledger rules ---- */

enum supply_kind {
    SUP_RECEIPT = 0,  /* + from outside the system (a purchase, a donation) */
    SUP_ISSUE,        /* - consumed / dispensed: what days of cover divides by */
    SUP_TRANSFER_OUT, /* - leaves a site towards another (paired with an in) */
    SUP_TRANSFER_IN,  /* + arrives from another site */
    SUP_ADJUSTMENT,   /* ± a stock count that differs, with a reason */
    SUP_EXPIRY,       /* - expired batch written off */
    SUP__KINDS
};
const char *supply_kind_name(enum supply_kind k);
int supply_kind_parse(const char *s);
/* The sign a kind's quantity carries: +1, -1, or 0 for adjustments (either). */
int supply_kind_sign(enum supply_kind k);

/* Categories of the catalogue (issue 7). */
int supply_category_parse(const char *s);
const char *supply_category_name(int c);
#define SUPPLY_CATEGORIES 10

/* A receipt's batch rules: a batched item needs a batch; a new batch needs
 * an expiry not before today + the item's minimum shelf life; a receipt
 * naming an existing batch must not contradict its expiry. Adds field errors
 * (batch, expiry); pure. existing_expiry: "" when the batch is new. */
void supply_receipt_check(bool batched, int64_t min_shelf_days, const char *batch,
                          const char *expiry, const char *existing_expiry, const char *today,
                          struct crest_error *err);

/* Draw qty from batches first-expiry-first-out. have[i] are the balances in
 * expiry order; take[i] is filled. False (take untouched beyond zeros) when
 * the sum of have is below qty. */
bool supply_fefo(const int64_t *have, int n, int64_t qty, int64_t *take);

/* Days of cover: stock / daily use; -1 when there is no use (infinite). */
double supply_days_of_cover(double stock, double daily_use);

/* Add n days to a YYYY-MM-DD date (n may be negative). False when malformed. */
bool supply_date_add(const char *date, int64_t n, char out[11]);

/* ---- model.c: the planner ---- */

/* One site of one item's plan. depot: the length of the region code the
 * depot serves (2 province, 4 city, 6 county), 0 for a site that is not a
 * depot. region: the site's own region code. */
struct supply_node {
    int64_t id;
    double stock, use; /* units, units a day */
    double lat, lon;
    int depot;
    char region[16];
};

struct supply_arc {
    int from, to;
    double km;
};

/* Candidate routes: for every site below target with a use, its county,
 * city and province depots (the hierarchy) and the k nearest sites that have
 * stock above the lowest cover (any kind), without duplicates. Caller frees
 * *arcs. Returns the number of arcs. */
int supply_routes(const struct supply_node *n, int nn, double target_days, int k,
                  struct supply_arc **arcs);

/* Great-circle distance in km. */
double supply_km(double lat1, double lon1, double lat2, double lon2);

struct supply_plan_result {
    int status;    /* 0 optimal; else the solver's status (1 infeasible, …) */
    double level;  /* phase 1: L, the cover (days) every site with use reaches */
    double before; /* the lowest cover before the plan */
    double item_km;
    double *flow; /* per arc (phase 2), malloc'd; supply_plan_free */
    int64_t *qty; /* per arc, rounded to whole units without overdrawing a donor */
    double seconds_p1, seconds_p2;
    int rows, cols, iterations; /* cols: the columns loaded in the end (L + arcs) */
    int rounds;                 /* times arcs were priced in and the LP re-solved */
    /* the network solver: iterations counts phase 1's max-flow cuts, cols
     * the arcs, rows and rounds are 0 */
};
void supply_plan_free(struct supply_plan_result *r);

/* Solve one item: phase 1 maximises L ≤ target so that every site with use
 * ends with at least L days of cover (donors never below zero, or below L
 * when they have a use themselves); phase 2 fixes L (less 1e-9 relative)
 * and minimises Σ km·flow. route_max (> 0) caps the units on any one arc.
 * CREST_OK with status 0, or CREST_INTERNAL when the solver fails.
 * supply_plan_solve solves the LP as a network (LEMON: netflow.h);
 * supply_plan_solve_clp solves the same LP with COIN-OR CLP, pricing the
 * arcs in (docs/decisions.md §37), and supply_plan_solve_all_arcs with CLP
 * and every arc loaded: three ways to the same optimum, for the tests and
 * `crest supply plan --solver`. */
enum supply_solver { SUPPLY_NETWORK = 0, SUPPLY_CLP, SUPPLY_CLP_ALL_ARCS };
int supply_plan_solve(const struct supply_node *n, int nn, const struct supply_arc *a, int na,
                      double target_days, double route_max, struct supply_plan_result *out,
                      struct crest_error *err);
int supply_plan_solve_clp(const struct supply_node *n, int nn, const struct supply_arc *a, int na,
                          double target_days, double route_max, struct supply_plan_result *out,
                          struct crest_error *err);
int supply_plan_solve_all_arcs(const struct supply_node *n, int nn, const struct supply_arc *a,
                               int na, double target_days, double route_max,
                               struct supply_plan_result *out, struct crest_error *err);

/* Many items at once: for each job, candidate routes then both phases, on
 * `threads` threads (each with its own solver). The jobs' nodes are the
 * caller's; arcs and res are filled (free with supply_job_free). */
struct supply_job {
    const struct supply_node *n;
    int nn;
    double target, route_max;
    int k;
    enum supply_solver solver; /* 0: the network (LEMON) */
    struct supply_arc *arcs;
    int na;
    struct supply_plan_result res;
    int rc;
    struct crest_error err;
    double seconds_routes, seconds_solve; /* CPU time of the thread that ran them */
};
void supply_plan_many(struct supply_job *jobs, int n, int threads);
void supply_job_free(struct supply_job *j);

/* Write the LP of one item (nodes, arcs, target, route_max) as JSON to f, so
 * another solver can rebuild and solve the same problem (bench/supply.sh). */
#include <stdio.h>
void supply_plan_write_json(FILE *f, const char *item, const struct supply_node *n, int nn,
                            const struct supply_arc *a, int na, double target_days,
                            double route_max, const struct supply_plan_result *res);

/* ---- store.c ---- */
#include "../db/db.h"

struct supply_item {
    int64_t id;
    char code[33], name[201], name_en[201], unit[41];
    int category;
    bool batched;
    int64_t min_shelf_days;
};

/* One movement to post. qty is signed (+ in, - out). */
struct supply_move {
    int64_t site_id;
    const char *region; /* the site's region */
    int64_t item_id, batch_id;
    enum supply_kind kind;
    int64_t qty;
    const char *reason; /* may be NULL */
    int64_t pair_id, shipment_id;
    const char *date;
    int64_t user_id;
};

int supply_item_get(struct db_conn *c, int64_t id, struct supply_item *out,
                    struct crest_error *err);
/* Post a movement and update the balance in the same transaction. An
 * outgoing movement that would take the balance below zero changes nothing
 * and returns CREST_CONFLICT (field "qty", with what is available). *id gets
 * the movement's id. */
int supply_post(struct db_conn *c, const struct supply_move *m, int64_t *id,
                struct crest_error *err);
/* Balance of (site, item, batch); 0 when none. */
int supply_balance(struct db_conn *c, int64_t site, int64_t item, int64_t batch, int64_t *out,
                   struct crest_error *err);
/* Take qty out of a site's stock of an item (batch_id > 0: that batch; 0
 * with a batched item: first expiry first out) as `kind` movements. On
 * success, for each batch drawn, cb(arg, batch_id, qty) (may be NULL). */
typedef int (*supply_draw_cb)(void *arg, int64_t batch_id, int64_t qty, int64_t move_id);
int supply_draw(struct db_conn *c, const struct supply_move *m, supply_draw_cb cb, void *arg,
                struct crest_error *err);

/* A site: an active facility of a kind that holds stock. */
struct supply_site {
    int64_t id;
    char region[16], name[401], kind[24];
    double lat, lon;
    bool has_geo;
};
int supply_site_get(struct db_conn *c, int64_t id, struct supply_site *out,
                    struct crest_error *err);
/* The depot level of a site (2/4/6 = the length of the region it serves), 0
 * when not a depot. A depot (facility kind depot) sits in the region it
 * serves: 33 the province's, 3301 Hangzhou's, 330106 Xihu's. */
int supply_site_depot_level(const struct supply_site *s);

/* verify: recompute every balance from the movements, check no running
 * balance ever went below zero, every transfer has both legs and every
 * shipment's receipts do not exceed what left. */
struct supply_verify_report {
    int64_t movements, balances, bad_balances, negative_runs, unpaired, bad_shipments;
    char first_problem[256];
};
int supply_verify(struct db_conn *c, struct supply_verify_report *out, struct crest_error *err);

/* Load one item's planning problem for sites under region that hold it or
 * use it: stock and daily use (the trailing mean of issues over window days
 * up to today). depots_hospitals: only depots and hospitals (the benchmark's
 * site set). Caller frees *nodes. */
int supply_plan_load(struct db_conn *c, int64_t item, const char *region, const char *today,
                     int64_t window, bool depots_hospitals, struct supply_node **nodes, int *nn,
                     struct crest_error *err);
/* The same for ni items at once (one pass over the ledger): nodes[i] and
 * nn[i] for items[i]. Caller frees each nodes[i]. */
int supply_plan_load_many(struct db_conn *c, const int64_t *items, int ni, const char *region,
                          const char *today, int64_t window, bool depots_hospitals,
                          struct supply_node **nodes, int *nn, struct crest_error *err);

/* ---- demo.c ---- */
int supply_demo(struct db_conn *c, double scale, uint64_t seed, int64_t *nsites, int64_t *nmoves,
                struct crest_error *err);

/* ---- cli.c ---- */
/* `crest supply verify|plan …`: argv after "supply"; db is the database URL. */
int supply_cli(int argc, char **argv, const char *db, const char *policy_path);

/* ---- api.c ---- */
struct http_req;
void supply_api_items(struct http_req *r);
void supply_api_item_create(struct http_req *r);
void supply_api_stock(struct http_req *r);
void supply_api_movements(struct http_req *r);
void supply_api_movement_post(struct http_req *r);
void supply_api_transfer(struct http_req *r);
void supply_api_cover(struct http_req *r);
void supply_api_shortages(struct http_req *r);
void supply_api_expiring(struct http_req *r);
void supply_api_plan_create(struct http_req *r);
void supply_api_plan_list(struct http_req *r);
void supply_api_plan_get(struct http_req *r);
void supply_api_plan_line_edit(struct http_req *r);
void supply_api_plan_approve(struct http_req *r);
void supply_api_shipments(struct http_req *r);
void supply_api_shipment_receive(struct http_req *r);
/* io.c */
void supply_api_movements_export(struct http_req *r);
void supply_api_plan_export(struct http_req *r);

#endif
