/*
 * sqlite_commits.c - the baseline for the durable-write benchmark: how many
 * fsync'd SQLite commits per second this disk takes when every write is its
 * own transaction, with crest's settings (WAL, synchronous=FULL). Group
 * commit exists because this number is far below the write goal.
 *
 * It is not part of crest and is never installed; bench/run.sh runs it.
 *
 *   sqlite_commits FILE [SECONDS] [ROWS_PER_COMMIT]
 *
 * FILE is created (and its -wal/-shm beside it); the caller removes them.
 * ROWS_PER_COMMIT (default 1) shows what batching alone buys.
 * Prints: "commits=N rows=N seconds=S commits_per_s=X rows_per_s=Y".
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long arg_long(const char *s, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    return v;
}

static int exec(sqlite3 *h, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "sqlite_commits: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(h));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fputs("usage: sqlite_commits FILE [SECONDS] [ROWS_PER_COMMIT]\n", stderr);
        return 2;
    }
    long secs = argc > 2 ? arg_long(argv[2], 1, 600) : 3;
    long per = argc > 3 ? arg_long(argv[3], 1, 100000) : 1;
    if (secs < 0 || per < 0) {
        fputs("sqlite_commits: SECONDS wants 1..600, ROWS_PER_COMMIT 1..100000\n", stderr);
        return 2;
    }
    sqlite3 *h = NULL;
    sqlite3_stmt *ins = NULL;
    int rc = 1;
    if (sqlite3_open(argv[1], &h) != SQLITE_OK) {
        fprintf(stderr, "sqlite_commits: cannot open %s\n", argv[1]);
        goto out;
    }
    if (exec(h, "PRAGMA journal_mode=WAL") || exec(h, "PRAGMA synchronous=FULL") ||
        exec(h, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, code TEXT NOT NULL, "
                "at_ms INTEGER NOT NULL)"))
        goto out;
    if (sqlite3_prepare_v2(h, "INSERT INTO t (code, at_ms) VALUES (?, ?)", -1, &ins, NULL) !=
        SQLITE_OK) {
        fprintf(stderr, "sqlite_commits: %s\n", sqlite3_errmsg(h));
        goto out;
    }
    long commits = 0, rows = 0;
    double t0 = now_s(), t = t0;
    while (t - t0 < (double)secs) {
        if (exec(h, "BEGIN IMMEDIATE"))
            goto out;
        for (long i = 0; i < per; i++) {
            char code[32];
            snprintf(code, sizeof code, "33%013ld", rows);
            sqlite3_bind_text(ins, 1, code, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins, 2, (sqlite3_int64)(t * 1000));
            if (sqlite3_step(ins) != SQLITE_DONE) {
                fprintf(stderr, "sqlite_commits: %s\n", sqlite3_errmsg(h));
                goto out;
            }
            sqlite3_reset(ins);
            rows++;
        }
        if (exec(h, "COMMIT")) /* with synchronous=FULL: fsync of the WAL */
            goto out;
        commits++;
        t = now_s();
    }
    double el = t - t0;
    printf("commits=%ld rows=%ld seconds=%.2f commits_per_s=%.0f rows_per_s=%.0f\n", commits, rows,
           el, (double)commits / el, (double)rows / el);
    rc = 0;
out:
    sqlite3_finalize(ins);
    sqlite3_close(h);
    return rc;
}
