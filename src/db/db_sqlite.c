/*
 * db_sqlite.c - the SQLite backend: connections with crest's pragmas (WAL,
 * synchronous, foreign keys, busy timeout), statements, errors, backup, and
 * the background checkpointer.
 * Transactions and group commit live in db.c; this file only talks to SQLite.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/log.h"
#include "../base/mem.h"
#include "db_internal.h"

static int map_err(sqlite3 *h, int rc, struct crest_error *err)
{
    int ext = sqlite3_extended_errcode(h);
    enum crest_err code = CREST_DB;
    const char *key = "db_error";
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
        code = CREST_BUSY;
        key = "busy";
    } else if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
        code = CREST_CONFLICT;
        key = "conflict_exists";
    } else if (ext == SQLITE_CONSTRAINT_FOREIGNKEY) {
        code = CREST_CONFLICT;
        key = "conflict_reference";
    } else if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        code = CREST_INVALID;
        key = "constraint";
    }
    if (err)
        crest_error_set(err, code, key, "sqlite: %s", sqlite3_errmsg(h));
    return code;
}

static int pragma(sqlite3 *h, const char *sql, struct crest_error *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        crest_error_set(err, CREST_DB, "db_error", "sqlite: %s: %s", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return CREST_DB;
    }
    return CREST_OK;
}

/* Before SQLite's first use: no memory statistics. They cost a global
 * mutex on every allocation SQLite makes (several per statement), in the
 * single writer's thread too, and crest never reads them. */
static pthread_once_t sq_once = PTHREAD_ONCE_INIT;
static void sq_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); /* SQLITE_MISUSE if already initialised: harmless */
}

struct db_conn *sq_connect(struct db *db, bool writer, struct crest_error *err)
{
    pthread_once(&sq_once, sq_configure);
    sqlite3 *h = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(db->url, &h, flags, NULL);
    if (rc != SQLITE_OK) {
        crest_error_set(err, CREST_IO, "db_open", "sqlite: cannot open %s: %s", db->url,
                        h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        sqlite3_close(h);
        return NULL;
    }
    sqlite3_extended_result_codes(h, 1);
    sqlite3_busy_timeout(h, 10000);
    /* WAL lets readers run beside the writer. The writer commits with
     * synchronous=NORMAL: its COMMIT writes the WAL without an fsync, and
     * db.c's syncer thread fdatasyncs the WAL before any caller hears that its write is done
     * (pipelined group commit, docs/decisions.md §38); the writer runs the next batch meanwhile. If
     * the database is not in WAL mode, db.c sets FULL again. */
    if (pragma(h, "PRAGMA journal_mode=WAL", err) ||
        pragma(h, writer ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL", err) ||
        pragma(h, "PRAGMA foreign_keys=ON", err) ||
        /* reads through a memory map and a larger page cache: a province-wide
         * roll-up touches tens of MB, and re-reading them through read(2) on
         * every request costs more than the query (the map is shared and
         * counted once however many connections use it) */
        pragma(h, "PRAGMA mmap_size=1073741824", err) ||
        pragma(h, "PRAGMA cache_size=-16384", err) ||
        (!writer && pragma(h, "PRAGMA query_only=ON", err)) ||
        /* the writer checkpoints every 64 MB of WAL, not every 4 MB: a
         * follow-up touches a few pages all over the ledger, and the
         * default checkpoint ran every few group commits, copying and
         * syncing the same hot pages each time (3x fewer writes/s;
         * docs/decisions.md §25) */
        (writer && pragma(h, "PRAGMA wal_autocheckpoint=16384", err))) {
        sqlite3_close(h);
        return NULL;
    }
    struct db_conn *c = xcalloc(1, sizeof *c);
    c->kind = DB_SQLITE;
    c->db = db;
    c->h = h;
    return c;
}

void sq_disconnect(struct db_conn *c)
{
    sqlite3_close_v2(c->h);
}

int sq_prepare(struct db_stmt *st, struct crest_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v3(st->conn->h, st->sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
    if (rc != SQLITE_OK)
        return map_err(st->conn->h, rc, err);
    st->sq = s;
    st->sq_state = 0;
    return CREST_OK;
}

int sq_bind(struct db_stmt *st, const char *types, va_list ap, struct crest_error *err)
{
    sqlite3_stmt *s = st->sq;
    int want = sqlite3_bind_parameter_count(s);
    int i = 0;
    for (const char *t = types ? types : ""; *t; t++) {
        int rc;
        i++;
        switch (*t) {
        case 'i': rc = sqlite3_bind_int64(s, i, va_arg(ap, int64_t)); break;
        case 'd': rc = sqlite3_bind_double(s, i, va_arg(ap, double)); break;
        case 's': {
            const char *v = va_arg(ap, const char *);
            rc = v ? sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, i);
            break;
        }
        case 'n': rc = sqlite3_bind_null(s, i); break;
        default: return crest_error_set(err, CREST_INTERNAL, "db_error", "bad bind type '%c'", *t);
        }
        if (rc != SQLITE_OK)
            return map_err(st->conn->h, rc, err);
    }
    if (i != want)
        return crest_error_set(err, CREST_INTERNAL, "db_error", "%d binds for %d placeholders: %s",
                               i, want, st->sql);
    return CREST_OK;
}

int sq_step(struct db_stmt *st, struct crest_error *err)
{
    if (st->sq_state == 2)
        return 0;
    int rc = sqlite3_step(st->sq);
    if (rc == SQLITE_ROW) {
        st->sq_state = 1;
        return 1;
    }
    st->sq_state = 2;
    if (rc == SQLITE_DONE)
        return 0;
    map_err(st->conn->h, rc, err);
    sqlite3_reset(st->sq); /* so the cached statement does not keep the error */
    return -1;
}

void sq_reset(struct db_stmt *st)
{
    sqlite3_reset(st->sq);
    sqlite3_clear_bindings(st->sq);
    st->sq_state = 0;
}

void sq_free(struct db_stmt *st)
{
    sqlite3_finalize(st->sq);
}

int64_t sq_col_int(struct db_stmt *st, int col)
{
    return sqlite3_column_int64(st->sq, col);
}
double sq_col_double(struct db_stmt *st, int col)
{
    return sqlite3_column_double(st->sq, col);
}
const char *sq_col_text(struct db_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st->sq, col);
}
bool sq_col_null(struct db_stmt *st, int col)
{
    return sqlite3_column_type(st->sq, col) == SQLITE_NULL;
}
int sq_col_count(struct db_stmt *st)
{
    return sqlite3_column_count(st->sq);
}

int sq_exec_script(struct db_conn *c, const char *sql, struct crest_error *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(c->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        map_err(c->h, rc, err);
        if (msg)
            snprintf(err->detail, sizeof err->detail, "sqlite: %s", msg);
        sqlite3_free(msg);
        return err->code;
    }
    return CREST_OK;
}

bool sq_is_wal(struct db_conn *c)
{
    sqlite3_stmt *s = NULL;
    bool wal = false;
    if (sqlite3_prepare_v2(c->h, "PRAGMA journal_mode", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(s, 0);
        wal = m && !strcmp(m, "wal");
    }
    sqlite3_finalize(s);
    return wal;
}

bool sq_in_tx(struct db_conn *c)
{
    return !sqlite3_get_autocommit(c->h);
}

int sq_backup(struct db_conn *c, const char *path, struct crest_error *err)
{
    sqlite3 *dst = NULL;
    int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        crest_error_set(err, CREST_IO, "backup_open", "cannot open %s: %s", path,
                        dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
        sqlite3_close(dst);
        return CREST_IO;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", c->h, "main");
    if (!b) {
        crest_error_set(err, CREST_IO, "backup_open", "backup: %s", sqlite3_errmsg(dst));
        sqlite3_close(dst);
        return CREST_IO;
    }
    /* One step (-1) copies one read snapshot: in WAL mode that never blocks
     * the writer, whereas copying in chunks restarts whenever the writer
     * commits between chunks and may never finish under a steady load. */
    do {
        rc = sqlite3_backup_step(b, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(20);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        crest_error_set(err, CREST_IO, "backup_failed", "backup: %s", sqlite3_errstr(rc));
        sqlite3_close(dst);
        return CREST_IO;
    }
    /* the copy is a WAL database like the source; make it self-contained */
    sqlite3_exec(dst, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_close(dst);
    return CREST_OK;
}

int64_t sq_changes(struct db_conn *c)
{
    return sqlite3_changes64(c->h);
}

int sq_restore(const char *target, const char *backup, struct crest_error *err)
{
    sqlite3 *src = NULL, *dst = NULL;
    int rc = sqlite3_open_v2(backup, &src, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        crest_error_set(err, CREST_IO, "backup_open", "cannot open %s: %s", backup,
                        src ? sqlite3_errmsg(src) : sqlite3_errstr(rc));
        goto out;
    }
    /* refuse a file that is not a crest database before touching the target */
    rc = sqlite3_exec(src, "SELECT 1 FROM schema_migrations LIMIT 1", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        crest_error_set(err, CREST_INVALID, "backup_open", "%s is not a crest database", backup);
        goto out;
    }
    rc = sqlite3_open_v2(target, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        crest_error_set(err, CREST_IO, "backup_open", "cannot open %s: %s", target,
                        dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
        goto out;
    }
    sqlite3_busy_timeout(dst, 2000);
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        crest_error_set(err, CREST_IO, "backup_open", "restore: %s", sqlite3_errmsg(dst));
        goto out;
    }
    rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        crest_error_set(err, rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? CREST_BUSY : CREST_IO,
                        "backup_failed", "restore into %s: %s%s", target, sqlite3_errstr(rc),
                        rc == SQLITE_BUSY ? " (is a server still running on it?)" : "");
        goto out;
    }
    sqlite3_exec(dst, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    rc = SQLITE_OK;
out:
    sqlite3_close(src);
    sqlite3_close(dst);
    return err->code;
}

/* ---- the background checkpointer ----
 * A checkpoint copies the WAL's pages back into the database file. Run by
 * the writer inside a COMMIT (SQLite's wal_autocheckpoint every 16,384
 * frames, decisions §25), it stalled every write for 300-400 ms each time
 * (measured on the 10-million-entry ledger): a call-next's p99 of 30-50 ms.
 * Now a thread with its own connection checkpoints (PASSIVE: it never
 * blocks the writer or a reader) from CKPT_SOFT frames on, and keeps going
 * until it is within CKPT_NEAR frames of the end. Only the writer can close
 * the gap, since new frames arrive while the thread copies; it does so at
 * CKPT_HARD frames, when little is left to copy (10-26 ms), and the next
 * transaction starts the WAL over. decisions §40. */
#define CKPT_SOFT 4096
#define CKPT_NEAR 64
#define CKPT_HARD 16384

static int wal_hook(void *arg, sqlite3 *h, const char *name, int frames)
{
    struct db *db = arg;
    if (frames >= CKPT_HARD) {
        sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    } else if (frames >= CKPT_SOFT) {
        pthread_mutex_lock(&db->cmu);
        if (!db->ckpt_want) {
            db->ckpt_want = true;
            pthread_cond_signal(&db->cv_ckpt);
        }
        pthread_mutex_unlock(&db->cmu);
    }
    return SQLITE_OK;
}

static void *ckpt_main(void *arg)
{
    struct db *db = arg;
    pthread_setname_np(pthread_self(), "crest-ckpt");
    sqlite3 *h = NULL;
    /* a connection only sees the WAL once it has read (journal_mode): until
     * then a checkpoint on it does nothing and says so with -1 frames. The
     * read may meet the migrations' transaction: wait for it (a PASSIVE
     * checkpoint never calls the busy handler). */
    if (sqlite3_open_v2(db->url, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_busy_timeout(h, 10000) != SQLITE_OK ||
        sqlite3_exec(h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK) {
        LOG_WARN("msg=\"no background checkpointer: the writer checkpoints alone\" "
                 "detail=\"%s\"",
                 h ? sqlite3_errmsg(h) : "open failed");
        sqlite3_close(h);
        h = NULL;
    }
    pthread_mutex_lock(&db->cmu);
    for (;;) {
        while (!db->ckpt_want && !db->ckpt_stop)
            pthread_cond_wait(&db->cv_ckpt, &db->cmu);
        if (db->ckpt_stop)
            break;
        pthread_mutex_unlock(&db->cmu);
        int log = 0, done = 0, rounds = 0;
        /* chase the writer until little is left, but not for ever */
        while (h &&
               sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) ==
                   SQLITE_OK &&
               log - done > CKPT_NEAR && ++rounds < 16)
            ;
        pthread_mutex_lock(&db->cmu);
        db->ckpt_want = false;
    }
    pthread_mutex_unlock(&db->cmu);
    sqlite3_close(h);
    return NULL;
}

void sq_checkpointer_start(struct db *db)
{
    pthread_mutex_init(&db->cmu, NULL);
    pthread_cond_init(&db->cv_ckpt, NULL);
    if (pthread_create(&db->ckpt, NULL, ckpt_main, db) != 0) {
        pthread_mutex_destroy(&db->cmu);
        pthread_cond_destroy(&db->cv_ckpt);
        return; /* the writer keeps checkpointing by itself */
    }
    db->ckpt_running = true;
    sqlite3_wal_hook(db->wconn->h, wal_hook, db);
}

void sq_checkpointer_stop(struct db *db)
{
    if (!db->ckpt_running)
        return;
    pthread_mutex_lock(&db->cmu);
    db->ckpt_stop = true;
    pthread_cond_signal(&db->cv_ckpt);
    pthread_mutex_unlock(&db->cmu);
    pthread_join(db->ckpt, NULL);
    db->ckpt_running = false;
    pthread_mutex_destroy(&db->cmu);
    pthread_cond_destroy(&db->cv_ckpt);
}
