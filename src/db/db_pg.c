/*
 * db_pg.c - the PostgreSQL backend over libpq: connections, statements with
 * `?` rewritten to $n and text-format parameters, SQLSTATE → crest_err.
 * Results are fetched whole (PQexecParams); big exports should page with
 * cursors (?after=) rather than ask for everything at once.
 */
#include "../base/str.h"
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/mem.h"
#include "db_internal.h"

/* The last SQLSTATE seen by this thread: a connection is used by one thread
 * at a time, and the retry decision follows the failing call directly. */
static __thread char last_state[6];

static int map_res(struct db_conn *c, PGresult *r, struct crest_error *err)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = PQerrorMessage(c->h);
    str_copy(last_state, sizeof last_state, state ? state : "");
    enum crest_err code = CREST_DB;
    const char *key = "db_error";
    if (state) {
        if (!strcmp(state, "23505")) {
            code = CREST_CONFLICT;
            key = "conflict_exists";
        } else if (!strcmp(state, "23503")) {
            code = CREST_CONFLICT;
            key = "conflict_reference";
        } else if (!strncmp(state, "23", 2)) {
            code = CREST_INVALID;
            key = "constraint";
        } else if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03")) {
            code = CREST_BUSY;
            key = "busy";
        }
    }
    if (err) {
        size_t l = strlen(msg);
        crest_error_set(err, code, key, "postgres: %.*s",
                        (int)(l && msg[l - 1] == '\n' ? l - 1 : l), msg);
    }
    return code;
}

bool pg_retryable(struct db_conn *c)
{
    (void)c;
    return !strcmp(last_state, "40001") || !strcmp(last_state, "40P01");
}

bool pg_conn_bad(struct db_conn *c)
{
    return PQstatus(c->h) != CONNECTION_OK;
}

static void notice_quiet(void *arg, const PGresult *r)
{
    (void)arg;
    (void)r; /* NOTICEs (e.g. "relation exists, skipping") are not errors */
}

struct db_conn *pg_connect(struct db *db, struct crest_error *err)
{
    PGconn *h = PQconnectdb(db->url);
    if (PQstatus(h) != CONNECTION_OK) {
        const char *m = PQerrorMessage(h);
        size_t l = strlen(m);
        crest_error_set(err, CREST_IO, "db_open", "postgres: cannot connect to %s: %.*s",
                        db->describe, (int)(l && m[l - 1] == '\n' ? l - 1 : l), m);
        PQfinish(h);
        return NULL;
    }
    PQsetNoticeReceiver(h, notice_quiet, NULL);
    PGresult *r = PQexec(h, "SET TIME ZONE 'UTC'");
    PQclear(r);
    struct db_conn *c = xcalloc(1, sizeof *c);
    c->kind = DB_PG;
    c->db = db;
    c->h = h;
    return c;
}

void pg_disconnect(struct db_conn *c)
{
    PQfinish(c->h);
}

int pg_prepare(struct db_stmt *st, struct crest_error *err)
{
    (void)err;
    st->pgsql = db_sql_to_pg(st->sql, &st->nparams);
    st->params = xcalloc((size_t)(st->nparams ? st->nparams : 1), sizeof(char *));
    st->res = NULL;
    st->row = -1;
    st->nrows = 0;
    return CREST_OK;
}

int pg_bind(struct db_stmt *st, const char *types, va_list ap, struct crest_error *err)
{
    int i = 0;
    char tmp[64];
    for (const char *t = types ? types : ""; *t; t++, i++) {
        if (i >= st->nparams)
            return crest_error_set(err, CREST_INTERNAL, "db_error",
                                   "too many binds for %d placeholders: %s", st->nparams, st->sql);
        free(st->params[i]);
        st->params[i] = NULL;
        switch (*t) {
        case 'i':
            snprintf(tmp, sizeof tmp, "%lld", (long long)va_arg(ap, int64_t));
            st->params[i] = xstrdup(tmp);
            break;
        case 'd':
            snprintf(tmp, sizeof tmp, "%.17g", va_arg(ap, double));
            st->params[i] = xstrdup(tmp);
            break;
        case 's': {
            const char *v = va_arg(ap, const char *);
            st->params[i] = v ? xstrdup(v) : NULL;
            break;
        }
        case 'n': break;
        default: return crest_error_set(err, CREST_INTERNAL, "db_error", "bad bind type '%c'", *t);
        }
    }
    if (i != st->nparams)
        return crest_error_set(err, CREST_INTERNAL, "db_error", "%d binds for %d placeholders: %s",
                               i, st->nparams, st->sql);
    return CREST_OK;
}

int pg_step(struct db_stmt *st, struct crest_error *err)
{
    if (!st->res) {
        PGresult *r = PQexecParams(st->conn->h, st->pgsql, st->nparams, NULL,
                                   (const char *const *)st->params, NULL, NULL, 0);
        ExecStatusType s = PQresultStatus(r);
        if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
            map_res(st->conn, r, err);
            PQclear(r);
            return -1;
        }
        last_state[0] = '\0';
        st->res = r;
        st->nrows = PQntuples(r);
        st->row = -1;
    }
    if (st->row + 1 < st->nrows) {
        st->row++;
        return 1;
    }
    st->row = st->nrows;
    return 0;
}

void pg_reset(struct db_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    for (int i = 0; i < st->nparams; i++) {
        free(st->params[i]);
        st->params[i] = NULL;
    }
    st->row = -1;
    st->nrows = 0;
}

void pg_free(struct db_stmt *st)
{
    pg_reset(st);
    free(st->params);
    free(st->pgsql);
}

static bool on_row(struct db_stmt *st)
{
    return st->res && st->row >= 0 && st->row < st->nrows;
}

const char *pg_col_text(struct db_stmt *st, int col)
{
    if (!on_row(st) || col >= PQnfields(st->res) || PQgetisnull(st->res, st->row, col))
        return NULL;
    return PQgetvalue(st->res, st->row, col);
}

int64_t pg_col_int(struct db_stmt *st, int col)
{
    const char *v = pg_col_text(st, col);
    if (!v)
        return 0;
    if (v[0] == 't' && v[1] == '\0') /* booleans from comparisons */
        return 1;
    if (v[0] == 'f' && v[1] == '\0')
        return 0;
    return strtoll(v, NULL, 10);
}

double pg_col_double(struct db_stmt *st, int col)
{
    const char *v = pg_col_text(st, col);
    return v ? strtod(v, NULL) : 0.0;
}

bool pg_col_null(struct db_stmt *st, int col)
{
    return !on_row(st) || PQgetisnull(st->res, st->row, col);
}

int pg_col_count(struct db_stmt *st)
{
    return st->res ? PQnfields(st->res) : 0;
}

int pg_exec_script(struct db_conn *c, const char *sql, struct crest_error *err)
{
    PGresult *r = PQexec(c->h, sql);
    ExecStatusType s = PQresultStatus(r);
    int rc = CREST_OK;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY)
        rc = map_res(c, r, err);
    else
        last_state[0] = '\0';
    PQclear(r);
    return rc;
}

int64_t pg_changes(struct db_stmt *st)
{
    const char *n = st->res ? PQcmdTuples(st->res) : "";
    return n[0] ? strtoll(n, NULL, 10) : 0;
}
