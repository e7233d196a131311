/* audit.c - hash-chained audit rows; see audit.h. */
#include "audit.h"

#include "../base/str.h"
#include <stdio.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/util.h"

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* The hashed text: every column in a fixed order, unit-separated, so no two
 * different rows can produce the same text. */
static void row_hash(char out[65], int64_t id, int64_t at, int64_t uid, const char *user,
                     const char *role, const char *action, const char *entity, const char *eid,
                     const char *region, const char *addr, const char *prev)
{
    struct buf b;
    /* no practical cap: a row that did not fit would hash as empty text and
     * could then be changed unnoticed */
    buf_init(&b, (size_t)1 << 30);
    buf_printf(&b, "%lld\x1f%lld\x1f%lld\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s",
               (long long)id, (long long)at, (long long)uid, user ? user : "", role ? role : "",
               action ? action : "", entity ? entity : "", eid ? eid : "", region ? region : "",
               addr ? addr : "", prev);
    util_sha256_hex(out, b.p, b.n);
    buf_cleanup(&b);
}

int audit_append(struct db_conn *c, const struct audit_entry *e, struct crest_error *err)
{
    if (db_conn_kind(c) == DB_PG &&
        db_exec(c, err, NULL, "SELECT pg_advisory_xact_lock(7300332)", NULL) != CREST_OK)
        return err->code;
    struct db_stmt *st =
        db_query(c, err, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", NULL);
    if (!st)
        return err->code;
    int r = db_step(st, err);
    char prev[65] = GENESIS;
    int64_t id = 1;
    if (r == 1) {
        id = db_col_int(st, 0) + 1;
        str_copy(prev, sizeof prev, db_col_text(st, 1));
    }
    db_finalize(st);
    if (r < 0)
        return err->code;
    int64_t at = util_now_ms();
    char h[65];
    const char *user = e->username ? e->username : "-";
    const char *role = e->role ? e->role : "-";
    row_hash(h, id, at, e->user_id, user, role, e->action, e->entity, e->entity_id, e->region,
             e->addr, prev);
    return db_exec(c, err, NULL,
                   "INSERT INTO audit (id, at_ms, user_id, username, role, action, entity, "
                   "entity_id, region, addr, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   "?, ?, ?)",
                   "iiisssssssss", id, at, e->user_id, user, role, e->action, e->entity,
                   e->entity_id ? e->entity_id : "", e->region ? e->region : "",
                   e->addr ? e->addr : "", prev, h);
}

int audit_verify(struct db *db, struct audit_report *out, struct crest_error *err)
{
    crest_error_clear(err);
    memset(out, 0, sizeof *out);
    struct db_conn *c = db_acquire(db);
    struct db_stmt *st = db_query(c, err,
                                  "SELECT id, at_ms, user_id, username, role, action, entity, "
                                  "entity_id, region, addr, prev_hash, hash FROM audit ORDER BY id",
                                  NULL);
    int r = -1;
    if (st) {
        char prev[65] = GENESIS, h[65];
        int64_t expect = 1;
        while ((r = db_step(st, err)) == 1) {
            int64_t id = db_col_int(st, 0);
            out->rows++;
            if (out->first_bad_id)
                continue;
            const char *ph = db_col_text(st, 10), *hh = db_col_text(st, 11);
            row_hash(h, id, db_col_int(st, 1), db_col_int(st, 2), db_col_text(st, 3),
                     db_col_text(st, 4), db_col_text(st, 5), db_col_text(st, 6), db_col_text(st, 7),
                     db_col_text(st, 8), db_col_text(st, 9), prev);
            if (id != expect) {
                out->first_bad_id = id;
                snprintf(out->reason, sizeof out->reason, "row %lld missing before row %lld",
                         (long long)expect, (long long)id);
            } else if (!ph || strcmp(ph, prev) != 0) {
                out->first_bad_id = id;
                snprintf(out->reason, sizeof out->reason, "prev_hash does not match row %lld",
                         (long long)(id - 1));
            } else if (!hh || strcmp(hh, h) != 0) {
                out->first_bad_id = id;
                snprintf(out->reason, sizeof out->reason, "row contents do not match its hash");
            }
            str_copy(prev, sizeof prev, hh ? hh : "");
            out->last_id = id;
            str_copy(out->last_hash, sizeof out->last_hash, hh ? hh : "");
            expect = id + 1;
        }
        db_finalize(st);
    }
    db_release(db, c);
    return r == 0 ? CREST_OK : err->code;
}
