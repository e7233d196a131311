/*
 * cli.c - `crest supply verify` (every balance against its movements) and
 * `crest supply plan` (the dispatch LP for every item of a region, printed,
 * optionally written as JSON for an independent solver: bench/supply.sh).
 * The plan command computes only; it stores nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "../base/mem.h"
#include "../base/str.h"
#include "../base/util.h"
#include "../capacity/capacity.h"
#include "supply.h"

static int verify(struct db *db)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct supply_verify_report rep;
    struct db_conn *c = db_acquire(db);
    int rc = supply_verify(c, &rep, &err);
    db_release(db, c);
    if (rc) {
        fprintf(stderr, "crest: supply verify: %s\n", err.detail);
        return 1;
    }
    bool ok = !rep.bad_balances && !rep.negative_runs && !rep.unpaired && !rep.bad_shipments;
    printf("supply ledger %s: %lld movements, %lld balances; %lld balances differ from their "
           "movements, %lld running balances below zero, %lld unpaired transfers or orphan "
           "movements, %lld shipments out of step\n",
           ok ? "consistent" : "BROKEN", (long long)rep.movements, (long long)rep.balances,
           (long long)rep.bad_balances, (long long)rep.negative_runs, (long long)rep.unpaired,
           (long long)rep.bad_shipments);
    if (!ok)
        printf("first problem: %s\n", rep.first_problem);
    return ok ? 0 : 3;
}

struct plan_opts {
    const char *region, *item, *lp_json;
    bool depots_hospitals;
    enum supply_solver solver;
    int threads;
};

static int plan(struct db *db, const struct policy *p, const struct plan_opts *o)
{
    struct crest_error err;
    crest_error_clear(&err);
    struct db_conn *c = db_acquire(db);
    char today[11];
    capacity_today(c, today);
    struct db_stmt *st = db_query(c, &err,
                                  "SELECT id, code FROM supply_items WHERE (? = '' OR code = ?) "
                                  "ORDER BY id",
                                  "ss", o->item ? o->item : "", o->item ? o->item : "");
    int64_t ids[256];
    char codes[256][33];
    int ni = 0;
    while (st && ni < 256 && db_step(st, &err) == 1) {
        ids[ni] = db_col_int(st, 0);
        str_copy(codes[ni++], 33, db_col_text(st, 1));
    }
    db_finalize(st);
    if (ni == 0) {
        db_release(db, c);
        fprintf(stderr, "crest: supply plan: no such item\n");
        return 1;
    }
    FILE *f = NULL;
    if (o->lp_json && !(f = fopen(o->lp_json, "w"))) {
        db_release(db, c);
        fprintf(stderr, "crest: cannot write %s\n", o->lp_json);
        return 1;
    }
    if (f)
        fputs("[", f);
    double target = (double)p->supply.days_of_cover_target;
    double route_max = (double)p->supply.route_max_units;
    int k = p->supply.candidate_donors > 0 ? (int)p->supply.candidate_donors : 12;
    double t_load = 0, t_routes = 0, t_solve = 0, km = 0;
    int64_t sites = 0, arcs = 0, moves = 0;
    int rc = 0;
    /* read every item's problem (the database, one connection), then solve
     * them side by side */
    struct supply_node **nodes = xcalloc((size_t)ni, sizeof *nodes);
    struct supply_job *jobs = xcalloc((size_t)ni, sizeof *jobs);
    int64_t t0 = util_mono_us();
    int *nn = xcalloc((size_t)ni + 1, sizeof *nn);
    if (supply_plan_load_many(c, ids, ni, o->region, today, p->supply.consumption_window_days,
                              o->depots_hospitals, nodes, nn, &err) != CREST_OK) {
        fprintf(stderr, "crest: supply plan: %s\n", err.detail);
        rc = 1;
    }
    for (int i = 0; i < ni && !rc; i++) {
        jobs[i] = (struct supply_job){.n = nodes[i],
                                      .nn = nn[i],
                                      .target = target,
                                      .route_max = route_max,
                                      .k = k,
                                      .solver = o->solver};
    }
    free(nn);
    int64_t t1 = util_mono_us();
    t_load = (double)(t1 - t0) / 1e6;
    if (!rc)
        supply_plan_many(jobs, ni, o->threads);
    double wall = (double)(util_mono_us() - t1) / 1e6;
    printf("%-18s %6s %7s %9s %9s %12s %8s\n", "item", "sites", "arcs", "L before", "L after",
           "item-km", "seconds");
    double t_write = 0;
    for (int i = 0; i < ni && !rc; i++) {
        struct supply_job *j = &jobs[i];
        t_routes += j->seconds_routes;
        t_solve += j->seconds_solve;
        sites += j->nn;
        arcs += j->na;
        km += j->res.item_km;
        for (int x = 0; x < j->na; x++)
            moves += j->res.qty[x] > 0;
        if (j->rc != CREST_OK) {
            fprintf(stderr, "crest: supply plan %s: %s\n", codes[i], j->err.detail);
            rc = 1;
        } else {
            printf("%-18s %6d %7d %9.2f %9.2f %12.0f %8.3f ", codes[i], j->nn, j->na, j->res.before,
                   j->res.level, j->res.item_km, j->seconds_solve);
            if (o->solver == SUPPLY_NETWORK)
                printf("(%.3f + %.3f, %d max-flow cuts)\n", j->res.seconds_p1, j->res.seconds_p2,
                       j->res.iterations);
            else
                printf("(%.3f + %.3f, %d iterations, %d columns, %d pricing rounds)\n",
                       j->res.seconds_p1, j->res.seconds_p2, j->res.iterations, j->res.cols,
                       j->res.rounds);
        }
        if (f) {
            int64_t w0 = util_mono_us();
            if (i)
                fputs(",\n", f);
            supply_plan_write_json(f, codes[i], j->n, j->nn, j->arcs, j->na, target, route_max,
                                   &j->res);
            t_write += (double)(util_mono_us() - w0) / 1e6;
        }
    }
    for (int i = 0; i < ni; i++) {
        supply_job_free(&jobs[i]);
        free(nodes[i]);
    }
    free(jobs);
    free(nodes);
    if (f) {
        fputs("]\n", f);
        fclose(f);
    }
    db_release(db, c);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    /* the stages: load (wall), routes and solve (CPU seconds of the items,
     * summed over the threads), routes + solve (wall), the bench's JSON */
    printf("total: %d items, %lld site-items, %lld candidate arcs, %lld transfers, %.0f item-km; "
           "load %.3f s, routes %.3f s, solve (both phases) %.3f s; routes + solve on %d "
           "thread(s) took %.3f s; writing the LP JSON %.3f s; process CPU %.3f s\n",
           ni, (long long)sites, (long long)arcs, (long long)moves, km, t_load, t_routes, t_solve,
           o->threads, wall, t_write, cpu);
    return rc;
}

int supply_cli(int argc, char **argv, const char *dburl, const char *policy_path)
{
    const char *sub = argc > 0 ? argv[0] : "";
    struct plan_opts o = {"33", NULL, NULL, false, SUPPLY_NETWORK, 2};
    char db_url[1024];
    str_copy(db_url, sizeof db_url, dburl);
    char pol[512];
    str_copy(pol, sizeof pol, policy_path);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--depots-hospitals")) {
            o.depots_hospitals = true;
            continue;
        }
        if (!strcmp(a, "--all-arcs")) {
            o.solver = SUPPLY_CLP_ALL_ARCS;
            continue;
        }
        if (!v) {
            fprintf(stderr, "crest: supply: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--db"))
            str_copy(db_url, sizeof db_url, v);
        else if (!strcmp(a, "--policy"))
            str_copy(pol, sizeof pol, v);
        else if (!strcmp(a, "--region"))
            o.region = v;
        else if (!strcmp(a, "--item"))
            o.item = v;
        else if (!strcmp(a, "--lp-json"))
            o.lp_json = v;
        else if (!strcmp(a, "--solver") && !strcmp(v, "network"))
            o.solver = SUPPLY_NETWORK;
        else if (!strcmp(a, "--solver") && !strcmp(v, "clp"))
            o.solver = o.solver == SUPPLY_CLP_ALL_ARCS ? o.solver : SUPPLY_CLP;
        else if (!strcmp(a, "--threads")) {
            int64_t t = 0;
            if (!str_to_i64(str_of(v), &t) || t < 1 || t > 16) {
                fprintf(stderr, "crest: supply: --threads wants 1..16\n");
                return 2;
            }
            o.threads = (int)t;
        } else {
            fprintf(stderr, "crest: supply: unknown option %s\n", a);
            return 2;
        }
    }
    if (strcmp(sub, "verify") != 0 && strcmp(sub, "plan") != 0) {
        fputs("usage: crest supply verify [--db DB]\n"
              "       crest supply plan [--db DB] [--region CODE] [--item CODE]\n"
              "                         [--depots-hospitals] [--lp-json FILE] [--policy FILE]\n"
              "                         [--threads N]   items solved side by side (default 2)\n"
              "                         [--solver network|clp]   LEMON's network simplex\n"
              "                                         (default) or COIN-OR CLP: the same LP\n"
              "                         [--all-arcs]    CLP with every arc loaded from the start\n"
              "                                         (same plan, slower; for comparison)\n",
              stderr);
        return 2;
    }
    struct crest_error err;
    crest_error_clear(&err);
    struct db_opts dopt = {.readers = 2, .no_migrate = true};
    struct db *db = db_open(db_url, &dopt, &err);
    if (!db) {
        fprintf(stderr, "crest: cannot open database %s: %s\n", db_url, err.detail);
        return 1;
    }
    int rc;
    if (!strcmp(sub, "verify")) {
        rc = verify(db);
    } else {
        struct policy *p = xcalloc(1, sizeof *p);
        if (policy_load(pol, p, NULL, &err) != CREST_OK) {
            fprintf(stderr, "crest: policy pack %s is not valid\n", pol);
            rc = 1;
        } else {
            rc = plan(db, p, &o);
        }
        free(p);
    }
    db_close(db);
    return rc;
}
