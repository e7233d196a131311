/*
 * db_internal.h - what db.c shares with the two backends. Not for other modules.
 */
#ifndef CREST_DB_INTERNAL_H
#define CREST_DB_INTERNAL_H

#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>

#include "db.h"

/* Prepared statements cached per connection: DB_STMT_WAYS slots from the
 * SQL's hash on, the least recently used of them replaced. Direct mapping
 * (one slot per hash) let two statements of one write job share a slot and
 * re-prepare each other on every job (the audit row and the queue's ledger
 * row did: two SQL parses per ticket in the single writer). */
#define DB_STMT_CACHE 256
#define DB_STMT_WAYS 8

struct db_stmt {
    struct db_conn *conn;
    char *sql; /* the SQL as given (cache key) */
    unsigned hash;
    bool busy;     /* handed out, not yet finalized */
    bool cached;   /* held in the connection's cache */
    uint64_t used; /* the connection's tick when last handed out (LRU) */
    /* SQLite */
    void *sq;     /* sqlite3_stmt * */
    int sq_state; /* 0 = not stepped, 1 = has row, 2 = done */
    /* PostgreSQL */
    char *pgsql; /* with $n placeholders */
    int nparams;
    char **params; /* text values, NULL = SQL NULL; owned */
    void *res;     /* PGresult * */
    int row, nrows;
};

struct db_conn {
    enum db_kind kind;
    struct db *db;
    void *h; /* sqlite3 * or PGconn * */
    struct db_stmt *cache[DB_STMT_CACHE];
    uint64_t tick;
    struct db_conn *next_free;
};

struct db_job {
    db_write_fn fn;
    void *arg;
    struct crest_error *err;
    int rc;
    sem_t done;             /* posted once the job's batch has committed */
    struct db_job *wake[2]; /* jobs of the same batch this one wakes in turn */
    struct db_job *next;
    int64_t queued_us;    /* util_mono_us() when queued */
    struct db_job *snext; /* committed, waiting for the WAL's fsync (syncer) */
};

struct db {
    enum db_kind kind;
    char *url; /* path (SQLite) or conninfo (PG) */
    char *describe;
    struct db_opts opts;

    pthread_mutex_t mu;
    pthread_cond_t cv_free;
    struct db_conn *free_readers;
    int nreaders;

    /* SQLite writer */
    struct db_conn *wconn;
    pthread_t writer;
    bool writer_running, stopping;
    pthread_cond_t cv_work;
    struct db_job *q_head, *q_tail;
    uint64_t wprepares; /* the writer thread's own count (stats.prepares) */

    /* SQLite syncer (pipelined group commit, docs/decisions.md §38): the
     * writer commits without an fsync (synchronous=NORMAL) and hands the
     * batch here; one fdatasync of the WAL then makes every batch committed
     * before it durable, and only then are its jobs woken. smu guards
     * s_head/s_tail/sync_stop. */
    bool pipelined; /* WAL mode: the syncer makes commits durable */
    pthread_t syncer;
    bool syncer_running, sync_stop;
    pthread_mutex_t smu;
    pthread_cond_t cv_sync;
    struct db_job *s_head, *s_tail;
    int wal_fd; /* the -wal file, opened by the syncer; -1 until then */
    /* SQLite checkpointer (db_sqlite.c): copies the WAL back into the
     * database beside the writer; cmu guards ckpt_want/ckpt_stop */
    pthread_t ckpt;
    bool ckpt_running, ckpt_want, ckpt_stop;
    pthread_mutex_t cmu;
    pthread_cond_t cv_ckpt;

    pthread_mutex_t stats_mu;
    struct db_stats stats;
};

/* backend: SQLite (db_sqlite.c) */
struct db_conn *sq_connect(struct db *db, bool writer, struct crest_error *err);
void sq_disconnect(struct db_conn *c);
int sq_prepare(struct db_stmt *st, struct crest_error *err);
int sq_bind(struct db_stmt *st, const char *types, va_list ap, struct crest_error *err);
int sq_step(struct db_stmt *st, struct crest_error *err);
void sq_reset(struct db_stmt *st);
void sq_free(struct db_stmt *st);
int64_t sq_col_int(struct db_stmt *st, int col);
double sq_col_double(struct db_stmt *st, int col);
const char *sq_col_text(struct db_stmt *st, int col);
bool sq_col_null(struct db_stmt *st, int col);
int sq_col_count(struct db_stmt *st);
int sq_exec_script(struct db_conn *c, const char *sql, struct crest_error *err);
bool sq_in_tx(struct db_conn *c);
bool sq_is_wal(struct db_conn *c); /* is the database in WAL mode? */
/* Start / stop the background checkpointer of a WAL database (the writer's
 * connection must be open). Start failing leaves the writer checkpointing
 * alone, as before. */
void sq_checkpointer_start(struct db *db);
void sq_checkpointer_stop(struct db *db);
int sq_backup(struct db_conn *c, const char *path, struct crest_error *err);
int64_t sq_changes(struct db_conn *c);
int sq_restore(const char *target, const char *backup, struct crest_error *err);

/* backend: PostgreSQL (db_pg.c) */
struct db_conn *pg_connect(struct db *db, struct crest_error *err);
void pg_disconnect(struct db_conn *c);
int pg_prepare(struct db_stmt *st, struct crest_error *err);
int pg_bind(struct db_stmt *st, const char *types, va_list ap, struct crest_error *err);
int pg_step(struct db_stmt *st, struct crest_error *err);
void pg_reset(struct db_stmt *st);
void pg_free(struct db_stmt *st);
int64_t pg_col_int(struct db_stmt *st, int col);
double pg_col_double(struct db_stmt *st, int col);
const char *pg_col_text(struct db_stmt *st, int col);
bool pg_col_null(struct db_stmt *st, int col);
int pg_col_count(struct db_stmt *st);
int pg_exec_script(struct db_conn *c, const char *sql, struct crest_error *err);
/* true when the last error on this connection may succeed if the transaction is retried */
bool pg_retryable(struct db_conn *c);
bool pg_conn_bad(struct db_conn *c);
int64_t pg_changes(struct db_stmt *st);

/* migrations (migrate.c) */
int db_migrate(struct db *db, struct crest_error *err);

#endif
