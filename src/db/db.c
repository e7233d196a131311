/*
 * db.c - the portable part of the database API: opening, the reader pool,
 * the statement cache, and the write path (SQLite group commit on one writer
 * thread; PostgreSQL transactions with retry). See db.h for the contract.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/log.h"
#include "../base/mem.h"
#include "../base/util.h"
#include "db_internal.h"

/* ---- connections ---- */

static struct db_conn *connect_one(struct db *db, bool writer, struct crest_error *err)
{
    return db->kind == DB_SQLITE ? sq_connect(db, writer, err) : pg_connect(db, err);
}

static void conn_free(struct db_conn *c)
{
    if (!c)
        return;
    for (int i = 0; i < DB_STMT_CACHE; i++) {
        struct db_stmt *st = c->cache[i];
        if (!st)
            continue;
        if (c->kind == DB_SQLITE)
            sq_free(st);
        else
            pg_free(st);
        free(st->sql);
        free(st);
    }
    if (c->kind == DB_SQLITE)
        sq_disconnect(c);
    else
        pg_disconnect(c);
    free(c);
}

enum db_kind db_kind(const struct db *db)
{
    return db->kind;
}
enum db_kind db_conn_kind(const struct db_conn *c)
{
    return c->kind;
}
const char *db_describe(const struct db *db)
{
    return db->describe;
}

struct db_conn *db_acquire(struct db *db)
{
    pthread_mutex_lock(&db->mu);
    for (;;) {
        if (db->free_readers) {
            struct db_conn *c = db->free_readers;
            db->free_readers = c->next_free;
            pthread_mutex_unlock(&db->mu);
            if (c->kind == DB_PG && pg_conn_bad(c)) { /* server restarted: reconnect */
                struct crest_error e;
                struct db_conn *n = pg_connect(db, &e);
                if (n) {
                    conn_free(c);
                    c = n;
                }
            }
            return c;
        }
        if (db->nreaders < db->opts.readers) {
            db->nreaders++;
            pthread_mutex_unlock(&db->mu);
            struct crest_error e;
            crest_error_clear(&e);
            struct db_conn *c = connect_one(db, db->kind == DB_PG, &e);
            if (c)
                return c;
            LOG_ERROR("msg=\"db connect failed\" detail=\"%s\"", e.detail);
            pthread_mutex_lock(&db->mu);
            db->nreaders--;
            /* wait for a connection to come back or retry after a pause */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&db->cv_free, &db->mu, &ts);
            continue;
        }
        pthread_cond_wait(&db->cv_free, &db->mu);
    }
}

void db_release(struct db *db, struct db_conn *c)
{
    pthread_mutex_lock(&db->mu);
    c->next_free = db->free_readers;
    db->free_readers = c;
    pthread_cond_signal(&db->cv_free);
    pthread_mutex_unlock(&db->mu);
}

/* ---- statements ---- */

static unsigned fnv(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static struct db_stmt *stmt_get(struct db_conn *c, const char *sql, struct crest_error *err)
{
    unsigned h = fnv(sql);
    for (unsigned k = 0; k < DB_STMT_WAYS; k++) {
        struct db_stmt *st = c->cache[(h + k) % DB_STMT_CACHE];
        if (st && !st->busy && st->hash == h && strcmp(st->sql, sql) == 0) {
            st->busy = true;
            st->used = ++c->tick;
            return st;
        }
    }
    struct db_stmt *st = xcalloc(1, sizeof *st);
    st->conn = c;
    st->sql = xstrdup(sql);
    st->hash = h;
    st->busy = true;
    st->used = ++c->tick;
    int rc = c->kind == DB_SQLITE ? sq_prepare(st, err) : pg_prepare(st, err);
    if (rc != CREST_OK) {
        free(st->sql);
        free(st);
        return NULL;
    }
    if (c == c->db->wconn) /* only the writer thread prepares on it */
        c->db->wprepares++;
    return st;
}

static void stmt_dispose(struct db_stmt *st)
{
    if (st->conn->kind == DB_SQLITE)
        sq_free(st);
    else
        pg_free(st);
    free(st->sql);
    free(st);
}

void db_finalize(struct db_stmt *st)
{
    if (!st)
        return;
    struct db_conn *c = st->conn;
    if (c->kind == DB_SQLITE)
        sq_reset(st);
    else
        pg_reset(st);
    st->busy = false;
    if (st->cached)
        return;
    /* a free slot of its ways, else the least recently used idle one */
    struct db_stmt **victim = NULL;
    for (unsigned k = 0; k < DB_STMT_WAYS; k++) {
        struct db_stmt **slot = &c->cache[(st->hash + k) % DB_STMT_CACHE];
        if (!*slot) {
            victim = slot;
            break;
        }
        if (!(*slot)->busy && (!victim || (*slot)->used < (*victim)->used))
            victim = slot;
    }
    if (!victim) { /* every way holds a live statement */
        stmt_dispose(st);
        return;
    }
    if (*victim)
        stmt_dispose(*victim);
    st->cached = true;
    *victim = st;
}

static struct db_stmt *vquery(struct db_conn *c, struct crest_error *err, const char *sql,
                              const char *types, va_list ap)
{
    struct db_stmt *st = stmt_get(c, sql, err);
    if (!st)
        return NULL;
    int rc = c->kind == DB_SQLITE ? sq_bind(st, types, ap, err) : pg_bind(st, types, ap, err);
    if (rc != CREST_OK) {
        db_finalize(st);
        return NULL;
    }
    return st;
}

struct db_stmt *db_query(struct db_conn *c, struct crest_error *err, const char *sql,
                         const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    struct db_stmt *st = vquery(c, err, sql, types, ap);
    va_end(ap);
    return st;
}

int db_step(struct db_stmt *st, struct crest_error *err)
{
    return st->conn->kind == DB_SQLITE ? sq_step(st, err) : pg_step(st, err);
}

int64_t db_col_int(struct db_stmt *st, int col)
{
    return st->conn->kind == DB_SQLITE ? sq_col_int(st, col) : pg_col_int(st, col);
}
double db_col_double(struct db_stmt *st, int col)
{
    return st->conn->kind == DB_SQLITE ? sq_col_double(st, col) : pg_col_double(st, col);
}
const char *db_col_text(struct db_stmt *st, int col)
{
    return st->conn->kind == DB_SQLITE ? sq_col_text(st, col) : pg_col_text(st, col);
}
bool db_col_null(struct db_stmt *st, int col)
{
    return st->conn->kind == DB_SQLITE ? sq_col_null(st, col) : pg_col_null(st, col);
}
int db_col_count(struct db_stmt *st)
{
    return st->conn->kind == DB_SQLITE ? sq_col_count(st) : pg_col_count(st);
}

int db_exec(struct db_conn *c, struct crest_error *err, int64_t *changes, const char *sql,
            const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    struct db_stmt *st = vquery(c, err, sql, types, ap);
    va_end(ap);
    if (!st)
        return err->code;
    int r;
    while ((r = db_step(st, err)) == 1)
        ;
    if (changes && r == 0) {
        *changes = c->kind == DB_SQLITE ? sq_changes(c) : pg_changes(st);
    }
    db_finalize(st);
    return r < 0 ? err->code : CREST_OK;
}

int db_exec_script(struct db_conn *c, struct crest_error *err, const char *sql)
{
    return c->kind == DB_SQLITE ? sq_exec_script(c, sql, err) : pg_exec_script(c, sql, err);
}

/* ---- writes ---- */

static void stats_commit(struct db *db, int jobs, bool ok)
{
    pthread_mutex_lock(&db->stats_mu);
    db->stats.prepares = db->wprepares;
    if (ok) {
        db->stats.commits++;
        db->stats.jobs += (uint64_t)jobs;
        int b = 0;
        while (b < DB_BATCH_BUCKETS - 1 && jobs > (1 << b))
            b++;
        db->stats.batch_hist[b]++;
    } else {
        db->stats.failures++;
    }
    pthread_mutex_unlock(&db->stats_mu);
}

static void stats_retry(struct db *db)
{
    pthread_mutex_lock(&db->stats_mu);
    db->stats.retries++;
    pthread_mutex_unlock(&db->stats_mu);
}

void db_stats_get(struct db *db, struct db_stats *out)
{
    pthread_mutex_lock(&db->stats_mu);
    *out = db->stats;
    pthread_mutex_unlock(&db->stats_mu);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that
 * reads first fails with SQLITE_BUSY_SNAPSHOT in WAL mode, ignoring the busy
 * timeout. Another process (a CLI command) may hold the lock: retry. */
static int sq_begin(struct db *db, struct db_conn *c, struct crest_error *err)
{
    for (int attempt = 0;; attempt++) {
        crest_error_clear(err);
        int rc = sq_exec_script(c, "BEGIN IMMEDIATE", err);
        if (rc != CREST_BUSY || attempt >= 20)
            return rc;
        stats_retry(db);
        sleep_ms(10 + attempt * 10);
    }
}

/* Run one batch of jobs in one transaction. If a job's failure killed the
 * whole transaction (SQLite rolls back by itself on e.g. SQLITE_FULL), that
 * job fails and the batch restarts without it: jobs are re-runnable. */
static void sq_run_batch(struct db *db, struct db_job **jobs, int n)
{
    struct db_conn *c = db->wconn;
    struct crest_error e;
    int64_t t0 = util_mono_us(), queued = 0;
    for (int i = 0; i < n; i++)
        queued += t0 - jobs[i]->queued_us;
restart:
    if (n == 0)
        return;
    if (sq_begin(db, c, &e) != CREST_OK) {
        for (int i = 0; i < n; i++) {
            *jobs[i]->err = e;
            jobs[i]->rc = e.code;
        }
        stats_commit(db, n, false);
        return;
    }
    for (int i = 0; i < n; i++) {
        struct db_job *j = jobs[i];
        crest_error_clear(j->err);
        db_exec(c, &e, NULL, "SAVEPOINT job", NULL); /* prepared once, not parsed per job */
        j->rc = j->fn(c, j->arg, j->err);
        if (j->rc != CREST_OK && j->err->code == CREST_OK)
            j->err->code = (enum crest_err)j->rc;
        if (!sq_in_tx(c)) {
            LOG_WARN("msg=\"write job aborted the group transaction\" detail=\"%s\"",
                     j->err->detail);
            if (j->rc == CREST_OK) {
                j->rc = CREST_DB;
                crest_error_set(j->err, CREST_DB, "db_error", "transaction aborted");
            }
            /* move it past the end rather than drop it: the caller's array
             * is what writer_main walks to wake every job's thread */
            memmove(&jobs[i], &jobs[i + 1], (size_t)(n - i - 1) * sizeof *jobs);
            jobs[n - 1] = j;
            n--;
            stats_retry(db);
            goto restart;
        }
        if (j->rc != CREST_OK)
            db_exec(c, &e, NULL, "ROLLBACK TO job", NULL);
        db_exec(c, &e, NULL, "RELEASE job", NULL);
    }
    crest_error_clear(&e);
    int64_t t1 = util_mono_us();
    if (sq_exec_script(c, "COMMIT", &e) != CREST_OK) {
        sq_exec_script(c, "ROLLBACK", &e);
        for (int i = 0; i < n; i++) {
            if (jobs[i]->rc == CREST_OK) {
                jobs[i]->rc = CREST_DB;
                crest_error_set(jobs[i]->err, CREST_DB, "db_error", "commit failed");
            }
        }
        stats_commit(db, n, false);
        return;
    }
    int64_t t2 = util_mono_us();
    pthread_mutex_lock(&db->stats_mu);
    db->stats.queue_us += (uint64_t)queued;
    db->stats.run_us += (uint64_t)(t1 - t0);
    db->stats.commit_us += (uint64_t)(t2 - t1);
    pthread_mutex_unlock(&db->stats_mu);
    stats_commit(db, n, true);
}

/* Wake a batch's callers as a binary tree: job i wakes jobs 2i+1 and 2i+2
 * (db_write). One wake-up call here instead of n, while the woken threads
 * wake the rest. No job may be touched after this. */
static void wake_all(struct db_job **jobs, int n)
{
    for (int i = 0; i < n; i++) {
        jobs[i]->wake[0] = 2 * i + 1 < n ? jobs[2 * i + 1] : NULL;
        jobs[i]->wake[1] = 2 * i + 2 < n ? jobs[2 * i + 2] : NULL;
    }
    if (n > 0)
        sem_post(&jobs[0]->done);
}

static void *writer_main(void *arg)
{
    struct db *db = arg;
    pthread_setname_np(pthread_self(), "crest-writer");
    int max = db->opts.batch_max;
    struct db_job **batch = xcalloc((size_t)max, sizeof *batch);
    pthread_mutex_lock(&db->mu);
    for (;;) {
        while (!db->q_head && !db->stopping)
            pthread_cond_wait(&db->cv_work, &db->mu);
        if (!db->q_head && db->stopping)
            break;
        int n = 0;
        while (db->q_head && n < max) {
            batch[n++] = db->q_head;
            db->q_head = db->q_head->next;
        }
        if (!db->q_head)
            db->q_tail = NULL;
        pthread_mutex_unlock(&db->mu);
        sq_run_batch(db, batch, n);
        if (db->pipelined) {
            /* durable once the syncer's next fsync is done: hand it over
             * and run the next batch meanwhile */
            for (int i = 0; i < n; i++)
                batch[i]->snext = i + 1 < n ? batch[i + 1] : NULL;
            pthread_mutex_lock(&db->smu);
            if (db->s_tail)
                db->s_tail->snext = batch[0];
            else
                db->s_head = batch[0];
            db->s_tail = batch[n - 1];
            pthread_cond_signal(&db->cv_sync);
            pthread_mutex_unlock(&db->smu);
        } else
            wake_all(batch, n);
        pthread_mutex_lock(&db->mu);
    }
    pthread_mutex_unlock(&db->mu);
    free(batch);
    return NULL;
}

/* fdatasync the WAL: everything committed before the call is durable after
 * it (WAL frames are only ever appended or, after a checkpoint, rewritten
 * from the start with new salts; SQLite's recovery stops at the first frame
 * that does not check, so a later batch is never durable without an earlier
 * one). The file is opened on first use, and again if it was unlinked. */
static int wal_sync(struct db *db)
{
    struct stat st;
    if (db->wal_fd >= 0 && (fstat(db->wal_fd, &st) != 0 || st.st_nlink == 0)) {
        close(db->wal_fd);
        db->wal_fd = -1;
    }
    if (db->wal_fd < 0) {
        char path[4096];
        snprintf(path, sizeof path, "%s-wal", db->url);
        db->wal_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (db->wal_fd < 0) {
            LOG_ERROR("msg=\"cannot open the WAL to sync it\" path=\"%s\" errno=%d", path, errno);
            return -1;
        }
    }
    if (fdatasync(db->wal_fd) != 0) {
        LOG_ERROR("msg=\"fdatasync of the WAL failed\" errno=%d", errno);
        close(db->wal_fd);
        db->wal_fd = -1;
        return -1;
    }
    return 0;
}

static void *syncer_main(void *arg)
{
    struct db *db = arg;
    pthread_setname_np(pthread_self(), "crest-sync");
    int cap = 256;
    struct db_job **jobs = xcalloc((size_t)cap, sizeof *jobs);
    pthread_mutex_lock(&db->smu);
    for (;;) {
        while (!db->s_head && !db->sync_stop)
            pthread_cond_wait(&db->cv_sync, &db->smu);
        if (!db->s_head && db->sync_stop)
            break;
        struct db_job *head = db->s_head;
        db->s_head = db->s_tail = NULL;
        pthread_mutex_unlock(&db->smu);
        int64_t t0 = util_mono_us();
        int rc = wal_sync(db);
        int64_t t1 = util_mono_us();
        int n = 0;
        for (struct db_job *j = head; j; j = j->snext) {
            if (n == cap) {
                cap *= 2;
                jobs = xrealloc(jobs, (size_t)cap * sizeof *jobs);
            }
            jobs[n++] = j;
            /* committed but maybe not on disk: the caller hears of it (and an
             * Idempotency-Key makes its retry safe) */
            if (rc != 0 && j->rc == CREST_OK) {
                j->rc = CREST_DB;
                crest_error_set(j->err, CREST_DB, "db_error", "the WAL's fsync failed");
            }
        }
        pthread_mutex_lock(&db->stats_mu);
        db->stats.sync_us += (uint64_t)(t1 - t0);
        db->stats.syncs++;
        pthread_mutex_unlock(&db->stats_mu);
        wake_all(jobs, n);
        pthread_mutex_lock(&db->smu);
    }
    pthread_mutex_unlock(&db->smu);
    free(jobs);
    return NULL;
}

static int pg_write(struct db *db, db_write_fn fn, void *arg, struct crest_error *err)
{
    for (int attempt = 0;; attempt++) {
        struct db_conn *c = db_acquire(db);
        crest_error_clear(err);
        bool committing = false;
        int rc = pg_exec_script(c, "BEGIN", err);
        if (rc == CREST_OK) {
            rc = fn(c, arg, err);
            if (rc != CREST_OK && err->code == CREST_OK)
                err->code = (enum crest_err)rc;
            if (rc == CREST_OK) {
                committing = true;
                rc = pg_exec_script(c, "COMMIT", err);
            } else {
                struct crest_error e2;
                pg_exec_script(c, "ROLLBACK", &e2);
            }
        }
        bool retry = rc != CREST_OK && pg_retryable(c) && attempt < 8;
        /* A connection lost before COMMIT was sent leaves nothing behind: run
         * the job again on a fresh one. Lost *during* COMMIT, the commit may
         * or may not have happened; running it again could apply it twice, so
         * the caller gets an error and decides (Idempotency-Key makes a client
         * retry safe). */
        if (rc != CREST_OK && pg_conn_bad(c))
            retry = !committing && attempt < 3;
        db_release(db, c);
        if (!retry) {
            stats_commit(db, 1, rc == CREST_OK);
            return rc;
        }
        stats_retry(db);
        sleep_ms(1 + attempt * 3);
    }
}

int db_write(struct db *db, db_write_fn fn, void *arg, struct crest_error *err)
{
    crest_error_clear(err);
    if (db->kind == DB_PG)
        return pg_write(db, fn, arg, err);
    struct db_job j = {.fn = fn, .arg = arg, .err = err, .rc = CREST_OK};
    j.queued_us = util_mono_us();
    sem_init(&j.done, 0, 0);
    pthread_mutex_lock(&db->mu);
    if (db->stopping) {
        pthread_mutex_unlock(&db->mu);
        sem_destroy(&j.done);
        return crest_error_set(err, CREST_BUSY, "busy", "database is closing");
    }
    if (db->q_tail)
        db->q_tail->next = &j;
    else
        db->q_head = &j;
    db->q_tail = &j;
    pthread_cond_signal(&db->cv_work);
    pthread_mutex_unlock(&db->mu);
    while (sem_wait(&j.done) != 0) /* EINTR */
        ;
    /* pass the wake-up on (writer_main); those jobs may end at once, so they
     * are not touched after their post */
    for (int k = 0; k < 2; k++)
        if (j.wake[k])
            sem_post(&j.wake[k]->done);
    sem_destroy(&j.done);
    return j.rc;
}

/* ---- open / close ---- */

static char *pg_describe(const char *url)
{
    /* postgres://user:secret@host/db → postgres://user:***@host/db */
    const char *at = strchr(url, '@');
    const char *scheme = strstr(url, "://");
    if (!at || !scheme)
        return xstrdup(url);
    const char *colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
    if (!colon)
        return xstrdup(url);
    size_t head = (size_t)(colon - url) + 1;
    char *out = xmalloc(strlen(url) + 8);
    memcpy(out, url, head);
    strcpy(out + head, "***");  /* NOLINT: sized above */
    strcpy(out + head + 3, at); /* NOLINT: sized above */
    return out;
}

struct db *db_open(const char *url, const struct db_opts *opts, struct crest_error *err)
{
    crest_error_clear(err);
    struct db *db = xcalloc(1, sizeof *db);
    if (opts)
        db->opts = *opts;
    if (db->opts.readers <= 0)
        db->opts.readers = 4;
    if (db->opts.batch_max <= 0)
        db->opts.batch_max = 256;
    if (!strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13)) {
        db->kind = DB_PG;
        db->url = xstrdup(url);
        db->describe = pg_describe(url);
    } else {
        db->kind = DB_SQLITE;
        db->url = xstrdup(!strncmp(url, "sqlite:", 7) ? url + 7 : url);
        db->describe = xstrdup(db->url);
        if (!db->url[0]) {
            crest_error_set(err, CREST_INVALID, "db_open", "empty database path");
            goto fail;
        }
    }
    pthread_mutex_init(&db->mu, NULL);
    pthread_mutex_init(&db->stats_mu, NULL);
    pthread_cond_init(&db->cv_free, NULL);
    pthread_cond_init(&db->cv_work, NULL);

    if (db->kind == DB_SQLITE) {
        db->wal_fd = -1;
        pthread_mutex_init(&db->smu, NULL);
        pthread_cond_init(&db->cv_sync, NULL);
        db->wconn = sq_connect(db, true, err);
        if (!db->wconn)
            goto fail_sync;
        db->pipelined = sq_is_wal(db->wconn);
        if (db->pipelined) {
            if (pthread_create(&db->syncer, NULL, syncer_main, db) != 0) {
                crest_error_set(err, CREST_INTERNAL, "db_open", "cannot start syncer thread");
                goto fail_sync;
            }
            db->syncer_running = true;
            sq_checkpointer_start(db);
        } else if (sq_exec_script(db->wconn, "PRAGMA synchronous=FULL", err) != CREST_OK)
            goto fail_sync; /* not WAL (a file system without shared memory?): fsync in COMMIT */
        if (pthread_create(&db->writer, NULL, writer_main, db) != 0) {
            crest_error_set(err, CREST_INTERNAL, "db_open", "cannot start writer thread");
            goto fail_sync;
        }
        db->writer_running = true;
    } else {
        /* connect once now so a wrong URL fails at start, not at first request */
        struct db_conn *c = pg_connect(db, err);
        if (!c)
            goto fail_sync;
        db->nreaders = 1;
        db_release(db, c);
    }
    if (!db->opts.no_migrate && db_migrate(db, err) != CREST_OK) {
        db_close(db);
        return NULL;
    }
    return db;

fail_sync:
    db_close(db);
    return NULL;
fail:
    free(db->url);
    free(db->describe);
    free(db);
    return NULL;
}

bool db_sqlite_missing(const char *url)
{
    if (strncmp(url, "postgres", 8) == 0)
        return false;
    const char *p = strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
    if (access(p, F_OK) == 0)
        return false;
    fprintf(stderr, "crest: no database at %s\n", p);
    return true;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    if (db->writer_running) {
        pthread_mutex_lock(&db->mu);
        db->stopping = true;
        pthread_cond_signal(&db->cv_work);
        pthread_mutex_unlock(&db->mu);
        pthread_join(db->writer, NULL);
    }
    if (db->kind == DB_SQLITE)
        sq_checkpointer_stop(db); /* after the writer: its hook signals it */
    if (db->syncer_running) {     /* after the writer: it hands batches over */
        pthread_mutex_lock(&db->smu);
        db->sync_stop = true;
        pthread_cond_signal(&db->cv_sync);
        pthread_mutex_unlock(&db->smu);
        pthread_join(db->syncer, NULL);
    }
    if (db->kind == DB_SQLITE) {
        if (db->wal_fd >= 0)
            close(db->wal_fd);
        pthread_mutex_destroy(&db->smu);
        pthread_cond_destroy(&db->cv_sync);
    }
    conn_free(db->wconn);
    while (db->free_readers) {
        struct db_conn *c = db->free_readers;
        db->free_readers = c->next_free;
        conn_free(c);
    }
    pthread_mutex_destroy(&db->mu);
    pthread_mutex_destroy(&db->stats_mu);
    pthread_cond_destroy(&db->cv_free);
    pthread_cond_destroy(&db->cv_work);
    free(db->url);
    free(db->describe);
    free(db);
}

int db_restore(const char *target, const char *backup, struct crest_error *err)
{
    crest_error_clear(err);
    return sq_restore(target, backup, err);
}

int db_backup(struct db *db, const char *path, struct crest_error *err)
{
    crest_error_clear(err);
    if (db->kind != DB_SQLITE)
        return crest_error_set(err, CREST_INVALID, "backup_pg",
                               "online backup is for SQLite; use pg_dump for PostgreSQL");
    struct db_conn *c = db_acquire(db);
    int rc = sq_backup(c, path, err);
    db_release(db, c);
    return rc;
}
