/*
 * metrics.c - Prometheus text exposition: requests by route and status class,
 * a latency histogram, errors, and the database's group-commit batch sizes.
 * Counters are process-wide atomics, so observing costs a few adds.
 */
#include <stdatomic.h>
#include <stdio.h>

#include "http.h"

#define MAX_ROUTES 256
#define NBUCKETS 12
static const double bucket_ms[NBUCKETS] = {0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000, 5000};

struct rstat {
    atomic_uint_fast64_t by_class[6]; /* 1xx..5xx, [0] unused */
    atomic_uint_fast64_t hist[NBUCKETS + 1];
    atomic_uint_fast64_t sum_us;
};
static struct rstat rstats[MAX_ROUTES + 1]; /* last slot: unrouted (static, 404, health) */

void metrics_observe(int route_idx, int status, int64_t dur_us)
{
    struct rstat *s = &rstats[route_idx >= 0 && route_idx < MAX_ROUTES ? route_idx : MAX_ROUTES];
    int cls = status / 100;
    if (cls < 1 || cls > 5)
        cls = 5;
    atomic_fetch_add(&s->by_class[cls], 1);
    double ms = (double)dur_us / 1000.0;
    int b = 0;
    while (b < NBUCKETS && ms > bucket_ms[b])
        b++;
    atomic_fetch_add(&s->hist[b], 1);
    atomic_fetch_add(&s->sum_us, (uint64_t)(dur_us > 0 ? dur_us : 0));
}

static void route_label(char *out, size_t cap, const struct http_route *routes, int nroutes, int i)
{
    if (i < nroutes)
        snprintf(out, cap, "method=\"%s\",route=\"%s\"", routes[i].method, routes[i].pattern);
    else
        snprintf(out, cap, "method=\"*\",route=\"other\"");
}

void metrics_render(struct buf *b, struct db *db, const struct http_route *routes, int nroutes)
{
    char lbl[300];
    buf_puts(b, "# HELP crest_http_requests_total HTTP requests by route and status class.\n"
                "# TYPE crest_http_requests_total counter\n");
    for (int i = 0; i <= MAX_ROUTES; i++) {
        if (i >= nroutes && i < MAX_ROUTES)
            continue;
        route_label(lbl, sizeof lbl, routes, nroutes, i);
        for (int c = 1; c <= 5; c++)
            buf_printf(b, "crest_http_requests_total{%s,code=\"%dxx\"} %llu\n", lbl, c,
                       (unsigned long long)atomic_load(&rstats[i].by_class[c]));
    }
    buf_puts(b, "# HELP crest_http_errors_total Responses with status 500 or above.\n"
                "# TYPE crest_http_errors_total counter\n");
    uint64_t errs = 0;
    for (int i = 0; i <= MAX_ROUTES; i++)
        errs += atomic_load(&rstats[i].by_class[5]);
    buf_printf(b, "crest_http_errors_total %llu\n", (unsigned long long)errs);
    buf_puts(b, "# HELP crest_http_request_duration_seconds Time from request line to response.\n"
                "# TYPE crest_http_request_duration_seconds histogram\n");
    for (int i = 0; i <= MAX_ROUTES; i++) {
        if (i >= nroutes && i < MAX_ROUTES)
            continue;
        route_label(lbl, sizeof lbl, routes, nroutes, i);
        uint64_t cum = 0;
        for (int k = 0; k < NBUCKETS; k++) {
            cum += atomic_load(&rstats[i].hist[k]);
            buf_printf(b, "crest_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n", lbl,
                       bucket_ms[k] / 1000.0, (unsigned long long)cum);
        }
        cum += atomic_load(&rstats[i].hist[NBUCKETS]);
        buf_printf(b, "crest_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n", lbl,
                   (unsigned long long)cum);
        buf_printf(b, "crest_http_request_duration_seconds_sum{%s} %.6f\n", lbl,
                   (double)atomic_load(&rstats[i].sum_us) / 1e6);
        buf_printf(b, "crest_http_request_duration_seconds_count{%s} %llu\n", lbl,
                   (unsigned long long)cum);
    }
    struct db_stats ds;
    db_stats_get(db, &ds);
    buf_puts(b, "# HELP crest_db_commits_total Write transactions committed.\n"
                "# TYPE crest_db_commits_total counter\n");
    buf_printf(b, "crest_db_commits_total %llu\n", (unsigned long long)ds.commits);
    buf_printf(b, "# TYPE crest_db_write_jobs_total counter\ncrest_db_write_jobs_total %llu\n",
               (unsigned long long)ds.jobs);
    buf_printf(b, "# TYPE crest_db_retries_total counter\ncrest_db_retries_total %llu\n",
               (unsigned long long)ds.retries);
    buf_printf(b,
               "# TYPE crest_db_commit_failures_total counter\n"
               "crest_db_commit_failures_total %llu\n",
               (unsigned long long)ds.failures);
    buf_printf(b,
               "# HELP crest_db_writer_seconds_total SQLite's writer: jobs waiting in its queue "
               "(summed over jobs), running (BEGIN and the jobs), committing (the WAL's "
               "write), and the syncer's fdatasyncs of the WAL.\n"
               "# TYPE crest_db_writer_seconds_total counter\n"
               "crest_db_writer_seconds_total{phase=\"queue\"} %.6f\n"
               "crest_db_writer_seconds_total{phase=\"run\"} %.6f\n"
               "crest_db_writer_seconds_total{phase=\"commit\"} %.6f\n"
               "crest_db_writer_seconds_total{phase=\"sync\"} %.6f\n",
               (double)ds.queue_us / 1e6, (double)ds.run_us / 1e6, (double)ds.commit_us / 1e6,
               (double)ds.sync_us / 1e6);
    buf_printf(b,
               "# HELP crest_db_syncs_total fdatasyncs of SQLite's WAL by the syncer (each "
               "makes every commit before it durable).\n# TYPE crest_db_syncs_total counter\n"
               "crest_db_syncs_total %llu\n",
               (unsigned long long)ds.syncs);
    buf_printf(b,
               "# HELP crest_db_writer_prepares_total Statements prepared on the write "
               "connection (statement cache misses).\n# TYPE crest_db_writer_prepares_total "
               "counter\ncrest_db_writer_prepares_total %llu\n",
               (unsigned long long)ds.prepares);
    buf_puts(b, "# HELP crest_db_commit_batch_size Write requests per group commit.\n"
                "# TYPE crest_db_commit_batch_size histogram\n");
    uint64_t cum = 0;
    for (int k = 0; k < DB_BATCH_BUCKETS; k++) {
        cum += ds.batch_hist[k];
        if (k < DB_BATCH_BUCKETS - 1)
            buf_printf(b, "crest_db_commit_batch_size_bucket{le=\"%d\"} %llu\n", 1 << k,
                       (unsigned long long)cum);
        else
            buf_printf(b, "crest_db_commit_batch_size_bucket{le=\"+Inf\"} %llu\n",
                       (unsigned long long)cum);
    }
    buf_printf(b, "crest_db_commit_batch_size_sum %llu\ncrest_db_commit_batch_size_count %llu\n",
               (unsigned long long)ds.jobs, (unsigned long long)ds.commits);
}
