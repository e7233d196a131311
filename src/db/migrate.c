/*
 * migrate.c - versioned schema migrations, applied in order at start and by
 * `crest migrate`. Each migration runs in its own write transaction together
 * with its row in schema_migrations, so a crash leaves it applied or not.
 * Versions never change once released: add a new one instead of editing.
 * DDL uses the macros of db_ddl_translate() so one text serves both engines.
 */
#include <stdlib.h>

#include "../base/log.h"
#include "../base/util.h"
#include "db_internal.h"
#include "migrations.h"

struct mig_arg {
    const struct db_migration *m;
    bool applied;
};

static int apply_one(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct mig_arg *a = arg;
    a->applied = false;
    if (c->kind == DB_PG) {
        /* two servers starting at once must not both apply a migration */
        int rc = db_exec(c, err, NULL, "SELECT pg_advisory_xact_lock(7300331)", NULL);
        if (rc)
            return rc;
    }
    struct db_stmt *st = db_query(c, err, "SELECT 1 FROM schema_migrations WHERE version = ?", "i",
                                  (int64_t)a->m->version);
    if (!st)
        return err->code;
    int r = db_step(st, err);
    db_finalize(st);
    if (r < 0)
        return err->code;
    if (r == 1)
        return CREST_OK; /* someone else applied it */
    char *ddl = db_ddl_translate(a->m->ddl, c->kind);
    int rc = db_exec_script(c, err, ddl);
    free(ddl);
    if (rc != CREST_OK)
        return rc;
    rc = db_exec(c, err, NULL,
                 "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)",
                 "isi", (int64_t)a->m->version, a->m->name, util_now_ms());
    if (rc == CREST_OK)
        a->applied = true;
    return rc;
}

static int create_table(struct db_conn *c, void *arg, struct crest_error *err)
{
    (void)arg;
    char *ddl = db_ddl_translate("CREATE TABLE IF NOT EXISTS schema_migrations ("
                                 " version $INT PRIMARY KEY, name TEXT NOT NULL,"
                                 " applied_ms $INT NOT NULL)$STRICT",
                                 c->kind);
    int rc = db_exec_script(c, err, ddl);
    free(ddl);
    return rc;
}

int db_migrate(struct db *db, struct crest_error *err)
{
    int rc = db_write(db, create_table, NULL, err);
    if (rc != CREST_OK)
        return rc;
    for (const struct db_migration *m = db_migrations; m->version; m++) {
        struct mig_arg a = {m, false};
        rc = db_write(db, apply_one, &a, err);
        if (rc != CREST_OK) {
            LOG_ERROR("msg=\"migration failed\" version=%d name=%s detail=\"%s\"", m->version,
                      m->name, err->detail);
            return rc;
        }
        if (a.applied)
            LOG_INFO("msg=\"migration applied\" version=%d name=%s", m->version, m->name);
    }
    return CREST_OK;
}
