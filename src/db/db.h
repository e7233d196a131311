/*
 * db.h - one database API over SQLite (default) and PostgreSQL (libpq).
 *
 * SQL is written once with `?` placeholders (rewritten to $n for libpq) in the
 * dialect subset both engines share (RETURNING, ON CONFLICT, CTEs, window
 * functions). DDL is written once with a few macros (see db_ddl_translate).
 *
 * Reads: db_acquire() a pooled connection, query, db_release() it.
 * Writes: db_write(fn). On SQLite one writer thread owns the only write
 * connection and runs the fns of concurrent callers inside one transaction,
 * each in its own savepoint (group commit: one fsync for many requests; one
 * failing fn rolls back only its own savepoint). On PostgreSQL fn runs in its
 * own transaction on a pooled connection, retried on serialization failure or
 * deadlock. Either way db_write returns only once the writes are durable.
 *
 * Thread-safety: struct db is shared by all threads; a struct db_conn and its
 * statements belong to one thread at a time.
 */
#ifndef CREST_DB_H
#define CREST_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

enum db_kind { DB_SQLITE = 1, DB_PG = 2 };

struct db;
struct db_conn;
struct db_stmt;

struct db_opts {
    int readers;     /* pooled read connections (default 4) */
    int batch_max;   /* SQLite: most write jobs per group commit (default 256) */
    bool no_migrate; /* open without applying migrations */
};

/* url: a file path, "sqlite:PATH" or "postgres://…"/"postgresql://…".
 * Applies pending migrations unless opts->no_migrate. NULL on failure (err set).
 * Free with db_close(). */
struct db *db_open(const char *url, const struct db_opts *opts, struct crest_error *err);
void db_close(struct db *db);
enum db_kind db_kind(const struct db *db);
/* A command that reads an existing database (audit verify, backup, an
 * import) must not create an empty one at a mistyped path and then report
 * success on it: true, with "crest: no database at PATH" on stderr, when url
 * names an SQLite file that does not exist. */
bool db_sqlite_missing(const char *url);
/* The url without a password, for logs. */
const char *db_describe(const struct db *db);

/* Blocks until a read connection is free. Must be released by the same thread. */
struct db_conn *db_acquire(struct db *db);
void db_release(struct db *db, struct db_conn *c);

/* A write job. It may run more than once (after a retry), so it must not keep
 * state outside the database except by overwriting what it writes to arg.
 * Return CREST_OK to keep its writes; any other code undoes them. */
typedef int (*db_write_fn)(struct db_conn *c, void *arg, struct crest_error *err);

/* Run fn in a write transaction and wait until it is durable. Returns fn's
 * code, or CREST_BUSY/CREST_DB when the transaction could not commit. */
int db_write(struct db *db, db_write_fn fn, void *arg, struct crest_error *err);

/* Prepared statements. A statement is cached per connection by its SQL text;
 * db_finalize() returns it to the cache. `types` names the binds in order:
 *   'i' int64_t, 's' const char * (NULL binds NULL), 'd' double, 'n' NULL.
 * db_query prepares and binds; then db_step() until it returns 0. */
struct db_stmt *db_query(struct db_conn *c, struct crest_error *err, const char *sql,
                         const char *types, ...);
/* 1 = a row is ready, 0 = done, -1 = error (err set). */
int db_step(struct db_stmt *st, struct crest_error *err);
int64_t db_col_int(struct db_stmt *st, int col);
double db_col_double(struct db_stmt *st, int col);
/* NULL for SQL NULL; valid until the next db_step/db_finalize. */
const char *db_col_text(struct db_stmt *st, int col);
bool db_col_null(struct db_stmt *st, int col);
int db_col_count(struct db_stmt *st);
void db_finalize(struct db_stmt *st);

/* Run a statement that returns no rows (or ignore them). Returns a crest_err;
 * *changes (may be NULL) gets the number of rows changed. */
int db_exec(struct db_conn *c, struct crest_error *err, int64_t *changes, const char *sql,
            const char *types, ...);
/* Run a script of several statements with no binds (DDL). */
int db_exec_script(struct db_conn *c, struct crest_error *err, const char *sql);

enum db_kind db_conn_kind(const struct db_conn *c);

/* Metrics: number of group commits and jobs committed so far, and a histogram
 * of batch sizes (buckets 1,2,4,…,256,+Inf). Cumulative; thread-safe reads. */
#define DB_BATCH_BUCKETS 10
struct db_stats {
    uint64_t commits, jobs, retries, failures;
    uint64_t batch_hist[DB_BATCH_BUCKETS];
    /* SQLite's writer, in microseconds: jobs waiting in the queue (summed
     * over jobs), the batches' BEGIN + jobs (their savepoints included), the
     * COMMITs (the WAL write; with its fsync when not pipelined); the
     * syncer's fdatasyncs of the WAL and how many; and statements prepared
     * (a statement cache miss) on the write connection */
    uint64_t queue_us, run_us, commit_us, sync_us, syncs, prepares;
};
void db_stats_get(struct db *db, struct db_stats *out);

/* Online backup of an SQLite database into a new file (CREST_INVALID on
 * PostgreSQL: use pg_dump, see docs/operations.md). */
int db_backup(struct db *db, const char *path, struct crest_error *err);
/* Replace the SQLite database at target with the backup's contents, through
 * SQLite's backup API into the target: one write transaction on the target,
 * so a crash midway leaves the old database whole (its WAL included). The
 * server must be stopped. */
int db_restore(const char *target, const char *backup, struct crest_error *err);

/* --- helpers shared by the backends (db_util.c), exposed for tests --- */

/* Rewrite `?` placeholders to $1..$n outside quotes/comments. Caller frees. */
char *db_sql_to_pg(const char *sql, int *nparams);
/* Expand DDL macros: $PK (auto primary key), $INT (64-bit integer),
 * $REAL, $STRICT (table option). Caller frees. */
char *db_ddl_translate(const char *ddl, enum db_kind kind);

#endif
