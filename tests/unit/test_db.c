/*
 * test_db.c - unit tests for src/db on a temporary SQLite file: the SQL
 * rewriting helpers, migrations, typed binds, the statement cache, the group
 * commit (savepoint isolation under concurrency, batching, a job that kills
 * the transaction), error mapping, online backup and the audit hash chain.
 * Each test gets a fresh database in its own temporary directory.
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/log.h"
#include "base/util.h"
#include "db/audit.h"
#include "db/db.h"
#include "db/migrations.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
    char dir[64];
    char path[128];
    struct db *db;
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static struct db *open_db(const char *path)
{
    struct crest_error e;
    struct db *db = db_open(path, NULL, &e);
    if (!db)
        fail_msg("db_open %s: %s", path, e.detail);
    return db;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/crest-test-db.XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof f->path, "%s/crest.db", f->dir);
    struct crest_error e;
    f->db = db_open(f->path, NULL, &e);
    if (!f->db) {
        fprintf(stderr, "db_open: %s\n", e.detail);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    db_close(f->db);
    DIR *d = opendir(f->dir);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char p[512];
            snprintf(p, sizeof p, "%s/%s", f->dir, de->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- small helpers that run SQL through the public API ---- */

static int script_job(struct db_conn *c, void *arg, struct crest_error *err)
{
    return db_exec_script(c, err, arg);
}

static void write_script(struct db *db, const char *sql)
{
    struct crest_error e;
    if (db_write(db, script_job, (void *)sql, &e) != CREST_OK)
        fail_msg("%s: %s", sql, e.detail);
}

/* The single integer a query returns (on a read connection). */
static int64_t query_int(struct db *db, const char *sql)
{
    struct crest_error e;
    crest_error_clear(&e);
    struct db_conn *c = db_acquire(db);
    struct db_stmt *st = db_query(c, &e, sql, NULL);
    int64_t v = -999;
    if (st && db_step(st, &e) == 1)
        v = db_col_int(st, 0);
    db_finalize(st);
    db_release(db, c);
    if (!st)
        fail_msg("%s: %s", sql, e.detail);
    return v;
}

/* ---- the WAL syncer (db.c): fdatasync interposed ----
 * The core library is linked statically, so this definition replaces
 * libc's (for SQLite's own syncs too). While `gate` is set, a sync of the
 * WAL waits until a write job has run during it (at most 2 s): with the
 * syncer, the writer runs the next batch meanwhile; if the writer itself
 * were waiting for the sync, no job could run and the wait times out. */
#include <stdatomic.h>
#include <sys/syscall.h>
static atomic_int syncs_done, wal_syncs, syncing;
static atomic_bool gate, ran_during_sync;

int fdatasync(int fd)
{
    char link[64], target[512];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    bool wal = n > 4 && memcmp(target + n - 4, "-wal", 4) == 0;
    if (wal) {
        atomic_fetch_add(&syncing, 1);
        for (int i = 0; i < 400 && atomic_load(&gate) && !atomic_load(&ran_during_sync); i++)
            sleep_ms(5);
    }
    int rc = (int)syscall(SYS_fdatasync, fd);
    if (wal) {
        atomic_fetch_sub(&syncing, 1);
        atomic_fetch_add(&wal_syncs, 1);
    }
    atomic_fetch_add(&syncs_done, 1);
    return rc;
}

/* ------------------------------------------------------ SQL rewriting */

static void test_sql_to_pg_numbers_placeholders_outside_quotes_and_comments(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
        int n;
    } cases[] = {
        {"", "", 0},
        {"SELECT 1", "SELECT 1", 0},
        {"SELECT ?, ?", "SELECT $1, $2", 2},
        {"a = ? AND b = '?'", "a = $1 AND b = '?'", 1},
        {"\"col?\" = ?", "\"col?\" = $1", 1},
        {"s = 'it''s ?' AND t = ?", "s = 'it''s ?' AND t = $1", 1},
        {"s = \"a\"\"?\" AND t = ?", "s = \"a\"\"?\" AND t = $1", 1},
        {"x = ? -- why? because\nAND y = ?", "x = $1 -- why? because\nAND y = $2", 2},
        {"x = ? -- trailing comment?", "x = $1 -- trailing comment?", 1},
        {"x = ? /* a ? here */ AND y = ?", "x = $1 /* a ? here */ AND y = $2", 2},
        {"x = ? /* multi\nline ? */", "x = $1 /* multi\nline ? */", 1},
        {"x = ? /* unterminated ?", "x = $1 /* unterminated ?", 1},
        {"x = 1 - ?", "x = 1 - $1", 1},
        {"x = 4/?", "x = 4/$1", 1},
        {"s = 'unterminated ?", "s = 'unterminated ?", 0},
        {"?,?,?,?,?,?,?,?,?,?,?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11", 11},
        {"'\xe8\xa5\xbf?' || ?", "'\xe8\xa5\xbf?' || $1", 1},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        int n = -1;
        char *out = db_sql_to_pg(cases[i].in, &n);
        if (strcmp(out, cases[i].out) != 0 || n != cases[i].n)
            fail_msg("case %zu \"%s\": got \"%s\" (%d), want \"%s\" (%d)", i, cases[i].in, out, n,
                     cases[i].out, cases[i].n);
        free(out);
    }
}

static void test_ddl_translate_expands_only_whole_macros(void **state)
{
    (void)state;
    static const struct {
        const char *in, *sqlite, *pg;
    } cases[] = {
        {"", "", ""},
        {"id $PK,", "id INTEGER PRIMARY KEY,",
         "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"},
        {"n $INT NOT NULL", "n INTEGER NOT NULL", "n BIGINT NOT NULL"},
        {"x $REAL)", "x REAL)", "x DOUBLE PRECISION)"},
        {"CREATE TABLE t (a $INT)$STRICT;", "CREATE TABLE t (a INTEGER) STRICT;",
         "CREATE TABLE t (a BIGINT);"},
        {"$INTEGER $INT_X $PKEY", "$INTEGER $INT_X $PKEY", "$INTEGER $INT_X $PKEY"},
        {"$int $ $$ $1", "$int $ $$ $1", "$int $ $$ $1"},
        {"$INT", "INTEGER", "BIGINT"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char *s = db_ddl_translate(cases[i].in, DB_SQLITE);
        char *p = db_ddl_translate(cases[i].in, DB_PG);
        if (strcmp(s, cases[i].sqlite) != 0)
            fail_msg("case %zu sqlite: got \"%s\"", i, s);
        if (strcmp(p, cases[i].pg) != 0)
            fail_msg("case %zu pg: got \"%s\"", i, p);
        free(s);
        free(p);
    }
}

/* ----------------------------------------------------------- open, migrate */

static void test_open_rejects_bad_paths(void **state)
{
    (void)state;
    struct crest_error e;
    assert_null(db_open("", NULL, &e));
    assert_int_equal(e.code, CREST_INVALID);
    assert_null(db_open("sqlite:", NULL, &e));
    assert_int_equal(e.code, CREST_INVALID);
    assert_null(db_open("/nonexistent-dir-for-crest-tests/x.db", NULL, &e));
    assert_int_equal(e.code, CREST_IO);
}

static void test_migrations_apply_once(void **state)
{
    struct fixture *f = *state;
    int64_t nmig = 0;
    for (const struct db_migration *m = db_migrations; m->version; m++)
        nmig++;
    assert_true(nmig >= 1);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM schema_migrations"), nmig);
    int64_t applied = query_int(f->db, "SELECT sum(applied_ms) FROM schema_migrations");
    /* the schema is there */
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM regions"), 0);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM audit"), 0);
    write_script(f->db, "INSERT INTO regions (code, level, name, created_ms, updated_ms) "
                        "VALUES ('33', 'province', 'Z', 1, 1)");

    /* reopening applies nothing again and keeps the data */
    db_close(f->db);
    sleep_ms(5); /* a re-applied migration would get a later applied_ms */
    f->db = open_db(f->path);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM schema_migrations"), nmig);
    assert_int_equal(query_int(f->db, "SELECT sum(applied_ms) FROM schema_migrations"), applied);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM regions"), 1);

    /* crest's pragmas are in force */
    assert_int_equal(query_int(f->db, "PRAGMA foreign_keys"), 1);
    /* FULL on the readers; the writer runs NORMAL and its syncer fsyncs the
     * WAL before a write is acknowledged (decision 38) */
    assert_int_equal(query_int(f->db, "PRAGMA synchronous"), 2); /* FULL */
}

static void test_open_without_migrations_creates_nothing(void **state)
{
    struct fixture *f = *state;
    char path[192];
    snprintf(path, sizeof path, "%s/bare.db", f->dir);
    struct db_opts o = {.no_migrate = true};
    struct crest_error e;
    struct db *db = db_open(path, &o, &e);
    assert_non_null(db);
    assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master"), 0);
    db_close(db);
}

/* ----------------------------------------------------------- binds, rows */

struct bind_arg {
    int64_t changes;
};

static int insert_typed(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct bind_arg *a = arg;
    int rc = db_exec(c, err, NULL, "INSERT INTO t (id, i, s, d, n) VALUES (?, ?, ?, ?, ?)", "iisdn",
                     (int64_t)1, INT64_MIN, "it's \"quoted\"; DROP TABLE t;--", 2.5);
    if (rc)
        return rc;
    rc = db_exec(c, err, NULL, "INSERT INTO t (id, i, s, d, n) VALUES (?, ?, ?, ?, ?)", "iisds",
                 (int64_t)2, INT64_MAX, "\xe8\xa5\xbf\xe6\xb9\x96", -0.125, (const char *)NULL);
    if (rc)
        return rc;
    rc = db_exec(c, err, NULL, "INSERT INTO t (id, i, s, d, n) VALUES (?, ?, ?, ?, ?)", "iisds",
                 (int64_t)3, (int64_t)0, "", 0.0, "present");
    if (rc)
        return rc;
    return db_exec(c, err, &a->changes, "UPDATE t SET i = i WHERE id >= ?", "i", (int64_t)2);
}

static void create_t(struct db *db)
{
    write_script(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, s TEXT, d REAL, n TEXT)");
}

static void test_binds_round_trip_every_type_and_null(void **state)
{
    struct fixture *f = *state;
    create_t(f->db);
    struct bind_arg a = {-1};
    struct crest_error e;
    assert_int_equal(db_write(f->db, insert_typed, &a, &e), CREST_OK);
    assert_int_equal(a.changes, 2);

    struct db_conn *c = db_acquire(f->db);
    struct db_stmt *st = db_query(c, &e, "SELECT i, s, d, n FROM t ORDER BY id", NULL);
    assert_non_null(st);
    assert_int_equal(db_col_count(st), 4);

    assert_int_equal(db_step(st, &e), 1);
    assert_true(db_col_int(st, 0) == INT64_MIN);
    assert_string_equal(db_col_text(st, 1), "it's \"quoted\"; DROP TABLE t;--");
    assert_float_equal(db_col_double(st, 2), 2.5, 0);
    assert_true(db_col_null(st, 3));
    assert_null(db_col_text(st, 3));
    assert_false(db_col_null(st, 0));

    assert_int_equal(db_step(st, &e), 1);
    assert_true(db_col_int(st, 0) == INT64_MAX);
    assert_string_equal(db_col_text(st, 1), "\xe8\xa5\xbf\xe6\xb9\x96");
    assert_float_equal(db_col_double(st, 2), -0.125, 0);
    assert_true(db_col_null(st, 3)); /* 's' with a NULL pointer binds NULL */

    assert_int_equal(db_step(st, &e), 1);
    assert_string_equal(db_col_text(st, 1), ""); /* empty text is not NULL */
    assert_false(db_col_null(st, 1));
    assert_string_equal(db_col_text(st, 3), "present");

    assert_int_equal(db_step(st, &e), 0);
    assert_int_equal(db_step(st, &e), 0); /* done stays done */
    db_finalize(st);
    db_release(f->db, c);
}

static void test_bind_mistakes_are_errors_not_crashes(void **state)
{
    struct fixture *f = *state;
    struct crest_error e;
    crest_error_clear(&e);
    struct db_conn *c = db_acquire(f->db);
    /* too few, too many, unknown type */
    assert_null(db_query(c, &e, "SELECT ? + ?", "i", (int64_t)1));
    assert_int_equal(e.code, CREST_INTERNAL);
    crest_error_clear(&e);
    assert_null(db_query(c, &e, "SELECT ? + ?", "iii", (int64_t)1, (int64_t)2, (int64_t)3));
    assert_int_not_equal(e.code, CREST_OK);
    crest_error_clear(&e);
    assert_null(db_query(c, &e, "SELECT ?", "x"));
    assert_int_equal(e.code, CREST_INTERNAL);
    /* a statement that failed to bind is reusable afterwards */
    struct db_stmt *st = db_query(c, &e, "SELECT ? + ?", "ii", (int64_t)40, (int64_t)2);
    assert_non_null(st);
    assert_int_equal(db_step(st, &e), 1);
    assert_int_equal(db_col_int(st, 0), 42);
    db_finalize(st);
    /* bad SQL */
    crest_error_clear(&e);
    assert_null(db_query(c, &e, "SELEC 1", NULL));
    assert_int_equal(e.code, CREST_DB);
    db_release(f->db, c);
}

static void test_read_connections_cannot_write(void **state)
{
    struct fixture *f = *state;
    create_t(f->db);
    struct crest_error e;
    crest_error_clear(&e);
    struct db_conn *c = db_acquire(f->db);
    int rc = db_exec(c, &e, NULL, "INSERT INTO t (id) VALUES (?)", "i", (int64_t)9);
    db_release(f->db, c);
    assert_int_not_equal(rc, CREST_OK);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM t"), 0);
}

/* ------------------------------------------------------- statement cache */

static void test_statement_cache_reuses_a_finished_statement(void **state)
{
    struct fixture *f = *state;
    struct crest_error e;
    struct db_conn *c = db_acquire(f->db);
    const char *sql = "SELECT ? * 2";
    struct db_stmt *a = db_query(c, &e, sql, "i", (int64_t)4);
    assert_non_null(a);
    assert_int_equal(db_step(a, &e), 1);
    assert_int_equal(db_col_int(a, 0), 8);
    db_finalize(a);
    struct db_stmt *b = db_query(c, &e, sql, "i", (int64_t)5);
    assert_ptr_equal(a, b); /* the prepared statement came back from the cache */
    assert_int_equal(db_step(b, &e), 1);
    assert_int_equal(db_col_int(b, 0), 10); /* with the new bind, not the old row */
    db_finalize(b);
    db_release(f->db, c);
}

static void test_statement_cache_nested_use_of_the_same_sql(void **state)
{
    struct fixture *f = *state;
    create_t(f->db);
    write_script(f->db, "INSERT INTO t (id) VALUES (1), (2), (3)");
    struct crest_error e;
    struct db_conn *c = db_acquire(f->db);
    const char *sql = "SELECT id FROM t WHERE id >= ? ORDER BY id";
    for (int round = 0; round < 3; round++) {
        struct db_stmt *outer = db_query(c, &e, sql, "i", (int64_t)1);
        assert_non_null(outer);
        assert_int_equal(db_step(outer, &e), 1);
        assert_int_equal(db_col_int(outer, 0), 1);
        /* the same SQL while the first is still open: a second statement */
        struct db_stmt *inner = db_query(c, &e, sql, "i", (int64_t)3);
        assert_non_null(inner);
        assert_ptr_not_equal(inner, outer);
        assert_int_equal(db_step(inner, &e), 1);
        assert_int_equal(db_col_int(inner, 0), 3);
        assert_int_equal(db_step(inner, &e), 0);
        /* the outer one carries on where it was */
        assert_int_equal(db_step(outer, &e), 1);
        assert_int_equal(db_col_int(outer, 0), 2);
        if (round % 2) { /* finalize in either order */
            db_finalize(outer);
            db_finalize(inner);
        } else {
            db_finalize(inner);
            db_finalize(outer);
        }
    }
    db_release(f->db, c);
}

static void test_statement_cache_survives_many_distinct_statements(void **state)
{
    struct fixture *f = *state;
    struct crest_error e;
    struct db_conn *c = db_acquire(f->db);
    struct db_stmt *held = db_query(c, &e, "SELECT 'held'", NULL);
    assert_non_null(held);
    for (int k = 0; k < 500; k++) { /* far more texts than cache slots */
        char sql[64];
        snprintf(sql, sizeof sql, "SELECT %d + ?", k % 150);
        struct db_stmt *st = db_query(c, &e, sql, "i", (int64_t)k);
        assert_non_null(st);
        assert_int_equal(db_step(st, &e), 1);
        assert_int_equal(db_col_int(st, 0), k % 150 + k);
        db_finalize(st);
    }
    assert_int_equal(db_step(held, &e), 1);
    assert_string_equal(db_col_text(held, 0), "held");
    db_finalize(held);
    db_release(f->db, c);
}

/* ------------------------------------------------------------ group commit */

enum gmode { G_OK = 0, G_FAIL = 1, G_CONFLICT = 2 };

struct gjob {
    struct db *db;
    int64_t id;
    enum gmode mode;
    int rc;
    struct crest_error err;
};

static int gjob_fn(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct gjob *j = arg;
    int rc = db_exec(c, err, NULL, "INSERT INTO g (id, who) VALUES (?, ?)", "ii", j->id,
                     (int64_t)j->mode);
    if (rc)
        return rc;
    if (j->mode == G_FAIL) /* a validation failure after a write */
        return crest_error_field(err, "who", "invalid", "field_range", NULL);
    if (j->mode == G_CONFLICT) /* a duplicate key after a write */
        return db_exec(c, err, NULL, "INSERT INTO g (id, who) VALUES (?, ?)", "ii", (int64_t)-1,
                       (int64_t)0);
    return CREST_OK;
}

#define G_THREADS 8
#define G_JOBS 40

struct gthread {
    struct db *db;
    int t;
    pthread_barrier_t *start;
    struct gjob jobs[G_JOBS];
};

static enum gmode gmode_of(int k)
{
    return k % 7 == 3 ? G_FAIL : k % 7 == 5 ? G_CONFLICT : G_OK;
}

static void *gthread_main(void *arg)
{
    struct gthread *g = arg;
    pthread_barrier_wait(g->start);
    for (int k = 0; k < G_JOBS; k++) {
        struct gjob *j = &g->jobs[k];
        j->id = (int64_t)g->t * 1000 + k;
        j->mode = gmode_of(k);
        j->rc = db_write(g->db, gjob_fn, j, &j->err);
    }
    return NULL;
}

static void test_group_commit_isolates_failing_jobs(void **state)
{
    struct fixture *f = *state;
    write_script(f->db, "CREATE TABLE g (id INTEGER PRIMARY KEY, who INTEGER NOT NULL);"
                        "INSERT INTO g (id, who) VALUES (-1, 0)");
    struct db_stats before, after;
    db_stats_get(f->db, &before);

    static struct gthread th[G_THREADS];
    pthread_t tid[G_THREADS];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, G_THREADS);
    for (int t = 0; t < G_THREADS; t++) {
        th[t].db = f->db;
        th[t].t = t;
        th[t].start = &start;
        assert_int_equal(pthread_create(&tid[t], NULL, gthread_main, &th[t]), 0);
    }
    for (int t = 0; t < G_THREADS; t++)
        pthread_join(tid[t], NULL);
    pthread_barrier_destroy(&start);

    /* each caller got its own job's answer */
    int64_t want_rows = 1;
    for (int t = 0; t < G_THREADS; t++) {
        for (int k = 0; k < G_JOBS; k++) {
            const struct gjob *j = &th[t].jobs[k];
            switch (j->mode) {
            case G_OK:
                if (j->rc != CREST_OK)
                    fail_msg("job %lld failed: %s", (long long)j->id, j->err.detail);
                want_rows++;
                break;
            case G_FAIL:
                assert_int_equal(j->rc, CREST_INVALID);
                assert_int_equal(j->err.nfields, 1);
                assert_string_equal(j->err.fields[0].field, "who");
                break;
            case G_CONFLICT:
                assert_int_equal(j->rc, CREST_CONFLICT);
                assert_string_equal(j->err.key, "conflict_exists");
                break;
            }
        }
    }

    /* a failed job's first insert is gone; every other job's row is there */
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM g"), want_rows);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM g WHERE who <> 0"), 0);
    struct crest_error e;
    struct db_conn *c = db_acquire(f->db);
    for (int t = 0; t < G_THREADS; t++) {
        for (int k = 0; k < G_JOBS; k++) {
            struct db_stmt *st =
                db_query(c, &e, "SELECT 1 FROM g WHERE id = ?", "i", (int64_t)t * 1000 + k);
            assert_non_null(st);
            int present = db_step(st, &e);
            db_finalize(st);
            if (present != (gmode_of(k) == G_OK))
                fail_msg("row %d: present=%d for mode %d", t * 1000 + k, present, gmode_of(k));
        }
    }
    db_release(f->db, c);

    /* statistics: every job ran in a committed batch, and concurrent
     * writers shared commits */
    db_stats_get(f->db, &after);
    uint64_t commits = after.commits - before.commits, jobs = after.jobs - before.jobs;
    assert_int_equal(jobs, G_THREADS * G_JOBS);
    assert_int_equal(after.failures, before.failures);
    assert_true(commits >= 1 && commits <= jobs);
    uint64_t hist = 0, multi = 0;
    for (int b = 0; b < DB_BATCH_BUCKETS; b++) {
        hist += after.batch_hist[b] - before.batch_hist[b];
        if (b > 0)
            multi += after.batch_hist[b] - before.batch_hist[b];
    }
    assert_int_equal(hist, commits);
    /* pipelined (decision 38): the syncer's fsyncs made them durable, one
     * fsync for one or more commits */
    uint64_t syncs = after.syncs - before.syncs;
    assert_true(syncs >= 1 && syncs <= commits);
    if (multi == 0 || commits >= jobs)
        fail_msg("no batch of more than one job: %llu commits for %llu jobs",
                 (unsigned long long)commits, (unsigned long long)jobs);
}

/* A job that ends the whole transaction (here by ROLLBACK; in life SQLite
 * does it on SQLITE_FULL or an I/O error) must fail alone: the others in its
 * batch are re-run and committed, and every caller gets an answer. */

struct ajob {
    struct db *db;
    int64_t id;
    int delay_ms; /* before submitting */
    int hold_ms;  /* inside the job */
    bool abort_tx;
    int rc;
    struct crest_error err;
};

static int ajob_fn(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct ajob *j = arg;
    int rc = db_exec(c, err, NULL, "INSERT INTO g (id, who) VALUES (?, 0)", "i", j->id);
    if (rc)
        return rc;
    if (j->hold_ms)
        sleep_ms(j->hold_ms); /* keeps the writer busy so that others queue up */
    if (j->abort_tx)
        db_exec_script(c, err, "ROLLBACK");
    return CREST_OK;
}

static void *ajob_main(void *arg)
{
    struct ajob *j = arg;
    sleep_ms(j->delay_ms);
    j->rc = db_write(j->db, ajob_fn, j, &j->err);
    return NULL;
}

static void test_group_commit_survives_a_job_that_ends_the_transaction(void **state)
{
    struct fixture *f = *state;
    write_script(f->db, "CREATE TABLE g (id INTEGER PRIMARY KEY, who INTEGER NOT NULL)");
    alarm(60); /* a caller left waiting forever fails the test instead of hanging it */
    enum { N = 8 };
    struct ajob jobs[N];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < N; i++) {
        jobs[i].db = f->db;
        jobs[i].id = i + 1;
    }
    jobs[0].hold_ms = 300;   /* runs alone while the rest queue behind it */
    jobs[1].delay_ms = 50;   /* queued first: the first job of the next batch */
    jobs[1].abort_tx = true; /* and it kills that batch's transaction */
    for (int i = 2; i < N; i++)
        jobs[i].delay_ms = 120;
    pthread_t tid[N];
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_create(&tid[i], NULL, ajob_main, &jobs[i]), 0);
    for (int i = 0; i < N; i++)
        pthread_join(tid[i], NULL);
    alarm(0);

    assert_int_not_equal(jobs[1].rc, CREST_OK);
    for (int i = 0; i < N; i++)
        if (i != 1 && jobs[i].rc != CREST_OK)
            fail_msg("job %d: rc %d %s", i, jobs[i].rc, jobs[i].err.detail);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM g"), N - 1);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM g WHERE id = 2"), 0);
}

/* ------------------------------------------------------- error mapping */

struct sql_arg {
    const char *sql;
};

static int exec_job(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct sql_arg *a = arg;
    return db_exec(c, err, NULL, a->sql, NULL);
}

/* A write is answered only after an fdatasync of the WAL that began after
 * the write ran; while the WAL is being synced, the next writes run. */
struct sjob {
    struct db *db;
    int64_t id;
    int seen_in_job; /* syncs_done when the job ran */
    bool during_sync;
    int rc;
};

static int sjob_fn(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct sjob *j = arg;
    j->seen_in_job = atomic_load(&syncs_done);
    j->during_sync = atomic_load(&syncing) > 0;
    int rc = db_exec(c, err, NULL, "INSERT INTO s (id) VALUES (?)", "i", j->id);
    if (j->during_sync)
        atomic_store(&ran_during_sync, true);
    return rc;
}

static void *sjob_main(void *arg)
{
    struct sjob *j = arg;
    struct crest_error e;
    j->rc = db_write(j->db, sjob_fn, j, &e);
    /* answered: a sync finished after the job ran */
    if (j->rc == CREST_OK && atomic_load(&syncs_done) <= j->seen_in_job)
        j->rc = -100;
    return NULL;
}

static void test_writes_are_answered_after_the_wal_is_synced(void **state)
{
    struct fixture *f = *state;
    write_script(f->db, "CREATE TABLE s (id INTEGER PRIMARY KEY)");
    atomic_store(&ran_during_sync, false);
    atomic_store(&gate, true);
    struct sjob j1 = {f->db, 1, 0, false, 0}, j2 = {f->db, 2, 0, false, 0};
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, sjob_main, &j1), 0);
    for (int i = 0; i < 400 && !atomic_load(&syncing); i++)
        sleep_ms(5); /* j1 committed, its sync is held */
    assert_true(atomic_load(&syncing) > 0);
    assert_int_equal(pthread_create(&t2, NULL, sjob_main, &j2), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    atomic_store(&gate, false);
    assert_int_equal(j1.rc, CREST_OK);
    assert_int_equal(j2.rc, CREST_OK);
    assert_false(j1.during_sync);
    assert_true(j2.during_sync); /* it ran while j1's commit was being synced */
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM s"), 2);
}

/* The background checkpointer (db_sqlite.c) copies the WAL into the
 * database file long before the writer's own checkpoint at 16,384 frames:
 * ~5,000 frames written, the file grows without another write. */
static int blob_job(struct db_conn *c, void *arg, struct crest_error *err)
{
    (void)arg;
    return db_exec_script(c, err,
                          "CREATE TABLE big (b BLOB);"
                          "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE "
                          "x < 5000) INSERT INTO big SELECT randomblob(3000) FROM n");
}

static void test_checkpointer_copies_the_wal_into_the_database(void **state)
{
    struct fixture *f = *state;
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    off_t before = st.st_size;
    struct crest_error e;
    assert_int_equal(db_write(f->db, blob_job, NULL, &e), CREST_OK);
    off_t after = before;
    for (int i = 0; i < 500 && after < before + 10000000; i++) {
        sleep_ms(10);
        if (stat(f->path, &st) == 0)
            after = st.st_size;
    }
    if (after < before + 10000000)
        fail_msg("database file %lld -> %lld bytes: the WAL was not checkpointed",
                 (long long)before, (long long)after);
}

static void test_constraint_violations_map_to_crest_errors(void **state)
{
    struct fixture *f = *state;
    write_script(f->db, "CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
                        " n INTEGER CHECK (n > 0), region TEXT REFERENCES regions(code));"
                        "INSERT INTO regions (code, level, name, created_ms, updated_ms)"
                        " VALUES ('33', 'province', 'Z', 1, 1);"
                        "INSERT INTO u (id, name, n, region) VALUES (1, 'a', 1, '33')");
    static const struct {
        const char *sql;
        int code;
        const char *key;
    } cases[] = {
        {"INSERT INTO u (id, name) VALUES (1, 'b')", CREST_CONFLICT, "conflict_exists"},
        {"INSERT INTO u (id, name) VALUES (2, 'a')", CREST_CONFLICT, "conflict_exists"},
        {"INSERT INTO u (id, name, region) VALUES (3, 'c', '99')", CREST_CONFLICT,
         "conflict_reference"},
        {"INSERT INTO u (id, name, n) VALUES (4, 'd', 0)", CREST_INVALID, "constraint"},
        {"INSERT INTO u (id, name) VALUES (5, NULL)", CREST_INVALID, "constraint"},
        {"INSERT INTO nosuchtable VALUES (1)", CREST_DB, "db_error"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct sql_arg a = {cases[i].sql};
        struct crest_error e;
        int rc = db_write(f->db, exec_job, &a, &e);
        if (rc != cases[i].code || (int)e.code != cases[i].code || !e.key ||
            strcmp(e.key, cases[i].key) != 0)
            fail_msg("%s: rc %d key %s (%s)", cases[i].sql, rc, e.key ? e.key : "-", e.detail);
    }
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM u"), 1);
}

/* ------------------------------------------------------------------ backup */

static void test_backup_is_a_complete_readable_copy(void **state)
{
    struct fixture *f = *state;
    create_t(f->db);
    write_script(f->db, "INSERT INTO t (id, s) VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    char copy[192];
    snprintf(copy, sizeof copy, "%s/backup.db", f->dir);
    struct crest_error e;
    assert_int_equal(db_backup(f->db, copy, &e), CREST_OK);
    write_script(f->db, "INSERT INTO t (id, s) VALUES (4, 'after')");

    /* the copy stands alone: no -wal file needed */
    char wal[224];
    snprintf(wal, sizeof wal, "%s-wal", copy);
    struct stat sb;
    assert_true(stat(wal, &sb) != 0 || sb.st_size == 0);

    struct db *b = open_db(copy);
    assert_int_equal(query_int(b, "SELECT count(*) FROM t"), 3);
    assert_int_equal(query_int(b, "SELECT count(*) FROM t WHERE s = 'c'"), 1);
    int64_t nmig = query_int(f->db, "SELECT count(*) FROM schema_migrations");
    assert_int_equal(query_int(b, "SELECT count(*) FROM schema_migrations"), nmig);
    db_close(b);

    assert_int_equal(db_backup(f->db, "/nonexistent-dir-for-crest-tests/b.db", &e), CREST_IO);
}

/* ------------------------------------------------------------------- audit */

struct audit_arg {
    int n;
    const char *entity_id;
    bool fail_after;
};

static int audit_job(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct audit_arg *a = arg;
    for (int i = 0; i < a->n; i++) {
        struct audit_entry e = {
            .user_id = 7,
            .username = "alice",
            .role = "admin",
            .action = "create",
            .entity = "region",
            .entity_id = a->entity_id,
            .region = "330106",
            .addr = "127.0.0.1",
        };
        int rc = audit_append(c, &e, err);
        if (rc)
            return rc;
    }
    return a->fail_after ? crest_error_set(err, CREST_CONFLICT, "conflict_exists", NULL) : CREST_OK;
}

static void append_audit(struct db *db, int n)
{
    struct audit_arg a = {n, "330106004001", false};
    struct crest_error e;
    if (db_write(db, audit_job, &a, &e) != CREST_OK)
        fail_msg("audit_append: %s", e.detail);
}

static void verify(struct db *db, struct audit_report *r)
{
    struct crest_error e;
    if (audit_verify(db, r, &e) != CREST_OK)
        fail_msg("audit_verify: %s", e.detail);
}

static void test_audit_chain_verifies_when_intact(void **state)
{
    struct fixture *f = *state;
    struct audit_report r;
    verify(f->db, &r);
    assert_int_equal(r.rows, 0);
    assert_int_equal(r.first_bad_id, 0);
    append_audit(f->db, 3);
    /* a job that appends and then fails leaves no row and no gap */
    struct audit_arg bad = {2, "x", true};
    struct crest_error e;
    assert_int_equal(db_write(f->db, audit_job, &bad, &e), CREST_CONFLICT);
    append_audit(f->db, 2);
    verify(f->db, &r);
    assert_int_equal(r.rows, 5);
    assert_int_equal(r.first_bad_id, 0);
    assert_int_equal(query_int(f->db, "SELECT max(id) FROM audit"), 5);
}

struct athread {
    struct db *db;
    int rc;
};

static void *audit_thread(void *arg)
{
    struct athread *t = arg;
    t->rc = CREST_OK;
    for (int i = 0; i < 25 && t->rc == CREST_OK; i++) {
        struct audit_arg a = {1, "c", false};
        struct crest_error e;
        t->rc = db_write(t->db, audit_job, &a, &e);
    }
    return NULL;
}

static void test_audit_chain_stays_intact_under_concurrent_appends(void **state)
{
    struct fixture *f = *state;
    enum { T = 4 };
    struct athread th[T];
    pthread_t tid[T];
    for (int i = 0; i < T; i++) {
        th[i].db = f->db;
        assert_int_equal(pthread_create(&tid[i], NULL, audit_thread, &th[i]), 0);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(tid[i], NULL);
        assert_int_equal(th[i].rc, CREST_OK);
    }
    struct audit_report r;
    verify(f->db, &r);
    assert_int_equal(r.rows, T * 25);
    assert_int_equal(r.first_bad_id, 0);
}

static void test_audit_verify_finds_the_tampered_row(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *tamper;
        int64_t first_bad;
        const char *reason; /* a word the reason must contain */
    } cases[] = {
        {"UPDATE audit SET entity_id = 'forged' WHERE id = 3", 3, "contents"},
        {"UPDATE audit SET at_ms = at_ms + 1 WHERE id = 2", 2, "contents"},
        {"UPDATE audit SET username = 'mallory' WHERE id = 4", 4, "contents"},
        {"UPDATE audit SET hash = '00' WHERE id = 2", 2, "contents"},
        {"UPDATE audit SET prev_hash = (SELECT hash FROM audit WHERE id = 1) WHERE id = 3", 3,
         "prev_hash"},
        {"DELETE FROM audit WHERE id = 3", 4, "missing"},
        {"DELETE FROM audit WHERE id = 1", 2, "missing"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        write_script(f->db, "DELETE FROM audit");
        append_audit(f->db, 5);
        struct audit_report r;
        verify(f->db, &r);
        assert_int_equal(r.first_bad_id, 0);
        write_script(f->db, cases[i].tamper);
        verify(f->db, &r);
        if (r.first_bad_id != cases[i].first_bad)
            fail_msg("%s: first bad row %lld, want %lld", cases[i].tamper,
                     (long long)r.first_bad_id, (long long)cases[i].first_bad);
        if (!strstr(r.reason, cases[i].reason))
            fail_msg("%s: reason \"%s\"", cases[i].tamper, r.reason);
        assert_true(r.rows >= 4);
    }
}

int main(void)
{
    util_init();
    log_min_level = LOG_WARN; /* no line per migration applied */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sql_to_pg_numbers_placeholders_outside_quotes_and_comments),
        cmocka_unit_test(test_ddl_translate_expands_only_whole_macros),
        cmocka_unit_test(test_open_rejects_bad_paths),
        cmocka_unit_test_setup_teardown(test_migrations_apply_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_without_migrations_creates_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_binds_round_trip_every_type_and_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bind_mistakes_are_errors_not_crashes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_connections_cannot_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statement_cache_reuses_a_finished_statement, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_statement_cache_nested_use_of_the_same_sql, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_statement_cache_survives_many_distinct_statements,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_isolates_failing_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_survives_a_job_that_ends_the_transaction,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_constraint_violations_map_to_crest_errors, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_backup_is_a_complete_readable_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writes_are_answered_after_the_wal_is_synced, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_checkpointer_copies_the_wal_into_the_database, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_audit_chain_verifies_when_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_chain_stays_intact_under_concurrent_appends,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_verify_finds_the_tampered_row, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
