/*
 * cli.c - `crest queue simulate`: the discrete-event simulation of a city's
 * peak day (model.c) from the command line, with the policy pack's queue
 * parameters, printing both routings side by side (or as JSON for
 * bench/queue.sh). Deterministic for a seed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/mem.h"
#include "../base/str.h"
#include "../base/util.h"
#include "queue.h"

static int bad(const char *what, const char *v)
{
    fprintf(stderr, "crest: queue simulate: %s, got '%s'\n(see `crest help`)\n", what, v ? v : "");
    return 2;
}

int queue_cli_simulate(int argc, char **argv, const char *default_policy)
{
    const char *policy_path = default_policy;
    int64_t clinics = 60, patients = 100000, seed = 1;
    double load = -1, mismatch = -1;
    bool json = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json")) {
            json = true;
            continue;
        }
        if (!v)
            return bad("an option needs a value", a);
        i++;
        if (!strcmp(a, "--clinics")) {
            if (!str_to_i64(str_of(v), &clinics) || clinics < 1 || clinics > 10000)
                return bad("--clinics wants 1..10000", v);
        } else if (!strcmp(a, "--patients")) {
            if (!str_to_i64(str_of(v), &patients) || patients < 1 || patients > 10000000)
                return bad("--patients wants 1..10000000", v);
        } else if (!strcmp(a, "--seed")) {
            if (!str_to_i64(str_of(v), &seed) || seed < 0)
                return bad("--seed wants a whole number", v);
        } else if (!strcmp(a, "--load")) {
            char *end;
            errno = 0;
            load = strtod(v, &end);
            if (errno || *end || !(load > 0.05 && load <= 3))
                return bad("--load wants a number in (0.05, 3]", v);
        } else if (!strcmp(a, "--mismatch")) {
            char *end;
            errno = 0;
            mismatch = strtod(v, &end);
            if (errno || *end || !(mismatch >= 0 && mismatch <= 2))
                return bad("--mismatch wants a number in [0, 2]", v);
        } else if (!strcmp(a, "--policy")) {
            policy_path = v;
        } else {
            return bad("unknown option", a);
        }
    }
    struct crest_error err;
    struct policy *p = xcalloc(1, sizeof *p);
    if (policy_load(policy_path, p, NULL, &err) != CREST_OK) {
        fprintf(stderr, "crest: policy pack %s is not valid (%s)\n", policy_path,
                err.nfields ? err.fields[0].field : err.detail);
        free(p);
        return 1;
    }
    struct queue_sim_opts o;
    queue_sim_defaults(&o, p);
    free(p);
    o.clinics = (int)clinics;
    o.patients = patients;
    o.seed = (uint64_t)seed;
    if (load > 0)
        o.load = load;
    if (mismatch >= 0)
        o.mismatch = mismatch;
    struct queue_sim_result r[2];
    crest_error_clear(&err);
    int64_t t0 = util_mono_us();
    if (queue_simulate(&o, r, &err) != CREST_OK) {
        fprintf(stderr, "crest: queue simulate: %s\n",
                err.nfields ? err.fields[0].field : err.detail);
        return 1;
    }
    double secs = (double)(util_mono_us() - t0) / 1e6;
    double cut = r[0].p90_wait_s > 0 ? 1 - r[1].p90_wait_s / r[0].p90_wait_s : 0;
    if (json) {
        printf("{\"clinics\":%d,\"patients\":%lld,\"counters\":%lld,\"seed\":%lld,\"load\":%.3f,"
               "\"mismatch\":%.2f,\"seconds\":%.3f,\"p90_cut\":%.4f",
               o.clinics, (long long)o.patients, (long long)r[0].counters, (long long)seed, o.load,
               o.mismatch, secs, cut);
        static const char *const names[2] = {"nearest", "crest"};
        for (int k = 0; k < 2; k++)
            printf(",\"%s\":{\"mean_wait_min\":%.2f,\"p50_wait_min\":%.2f,\"p90_wait_min\":%.2f,"
                   "\"max_wait_min\":%.2f,\"mean_travel_min\":%.2f,\"p90_total_min\":%.2f,"
                   "\"estimate_mdape\":%.4f,\"estimate_median_abs_min\":%.2f}",
                   names[k], r[k].mean_wait_s / 60, r[k].p50_wait_s / 60, r[k].p90_wait_s / 60,
                   r[k].max_wait_s / 60, r[k].mean_travel_s / 60, r[k].p90_total_s / 60,
                   r[k].est_mdape, r[k].est_median_abs_s / 60);
        printf("}\n");
        return 0;
    }
    printf("peak day: %d clinics, %lld counters, %lld patients, load %.2f, seed %lld "
           "(illustrative city)\n",
           o.clinics, (long long)r[0].counters, (long long)o.patients, o.load, (long long)seed);
    printf("%-34s %12s %12s\n", "", "nearest", "crest");
    printf("%-34s %12.1f %12.1f\n", "mean wait at the clinic, min", r[0].mean_wait_s / 60,
           r[1].mean_wait_s / 60);
    printf("%-34s %12.1f %12.1f\n", "median wait, min", r[0].p50_wait_s / 60, r[1].p50_wait_s / 60);
    printf("%-34s %12.1f %12.1f\n", "p90 wait, min", r[0].p90_wait_s / 60, r[1].p90_wait_s / 60);
    printf("%-34s %12.1f %12.1f\n", "max wait, min", r[0].max_wait_s / 60, r[1].max_wait_s / 60);
    printf("%-34s %12.1f %12.1f\n", "mean travel, min", r[0].mean_travel_s / 60,
           r[1].mean_travel_s / 60);
    printf("%-34s %12.1f %12.1f\n", "p90 travel + wait, min", r[0].p90_total_s / 60,
           r[1].p90_total_s / 60);
    printf("%-34s %11.1f%% %11.1f%%\n", "estimate: median relative error", 100 * r[0].est_mdape,
           100 * r[1].est_mdape);
    printf("%-34s %12.1f %12.1f\n", "estimate: median abs error, min", r[0].est_median_abs_s / 60,
           r[1].est_median_abs_s / 60);
    printf("p90 wait cut by crest's routing: %.1f %%; simulated in %.2f s\n", 100 * cut, secs);
    return 0;
}
