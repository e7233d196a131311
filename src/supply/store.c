/*
 * store.c - the supply pillar's SQL: the catalogue, the ledger and the
 * balances derived from it, the planning inputs, and the ledger's check.
 *
 * The one rule that matters: a balance never goes below zero. An outgoing
 * movement is a conditional UPDATE (qty + delta >= 0) of the balance row in
 * the same transaction as the movement's INSERT. On SQLite the single writer
 * serialises it; on PostgreSQL (READ COMMITTED) the second of two concurrent
 * updates of one row waits for the first to commit, re-reads the row and
 * re-tests the condition, so of two requests for the last units exactly one
 * changes a row and the other sees 0 rows changed: a 409, nothing written.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/mem.h"
#include "../base/str.h"
#include "../base/util.h"
#include "../capacity/capacity.h"
#include "supply.h"

int supply_item_get(struct db_conn *c, int64_t id, struct supply_item *out, struct crest_error *err)
{
    struct db_stmt *st =
        db_query(c, err,
                 "SELECT id, code, name, coalesce(name_en, ''), unit, category, batched, "
                 "min_shelf_days FROM supply_items WHERE id = ?",
                 "i", id);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1) {
        memset(out, 0, sizeof *out);
        out->id = db_col_int(st, 0);
        str_copy(out->code, sizeof out->code, db_col_text(st, 1));
        str_copy(out->name, sizeof out->name, db_col_text(st, 2));
        str_copy(out->name_en, sizeof out->name_en, db_col_text(st, 3));
        str_copy(out->unit, sizeof out->unit, db_col_text(st, 4));
        out->category = supply_category_parse(db_col_text(st, 5));
        out->batched = db_col_int(st, 6) != 0;
        out->min_shelf_days = db_col_int(st, 7);
    }
    db_finalize(st);
    if (rc < 0)
        return err->code;
    return rc == 1 ? CREST_OK : CREST_NOTFOUND;
}

int supply_site_get(struct db_conn *c, int64_t id, struct supply_site *out, struct crest_error *err)
{
    struct db_stmt *st = db_query(
        c, err,
        "SELECT id, region, name, kind, lat, lon FROM facilities WHERE id = ? AND active = 1", "i",
        id);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1) {
        memset(out, 0, sizeof *out);
        out->id = db_col_int(st, 0);
        str_copy(out->region, sizeof out->region, db_col_text(st, 1));
        str_copy(out->name, sizeof out->name, db_col_text(st, 2));
        str_copy(out->kind, sizeof out->kind, db_col_text(st, 3));
        out->has_geo = !db_col_null(st, 4) && !db_col_null(st, 5);
        out->lat = db_col_double(st, 4);
        out->lon = db_col_double(st, 5);
    }
    db_finalize(st);
    if (rc < 0)
        return err->code;
    return rc == 1 ? CREST_OK : CREST_NOTFOUND;
}

int supply_site_depot_level(const struct supply_site *s)
{
    /* a depot's region is the region it serves: 33 (province), 3301 (city),
     * 330106 (county) */
    return strcmp(s->kind, "depot") == 0 ? (int)strlen(s->region) : 0;
}

int supply_balance(struct db_conn *c, int64_t site, int64_t item, int64_t batch, int64_t *out,
                   struct crest_error *err)
{
    *out = 0;
    struct db_stmt *st = db_query(
        c, err,
        "SELECT qty FROM supply_balances WHERE site_id = ? AND item_id = ? AND batch_id = ?", "iii",
        site, item, batch);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1)
        *out = db_col_int(st, 0);
    db_finalize(st);
    return rc < 0 ? err->code : CREST_OK;
}

static int insufficient(struct db_conn *c, const struct supply_move *m, struct crest_error *err)
{
    int64_t have = 0;
    struct crest_error e2;
    crest_error_clear(&e2);
    struct db_stmt *st = db_query(c, &e2,
                                  "SELECT coalesce(sum(qty), 0) FROM supply_balances WHERE "
                                  "site_id = ? AND item_id = ? AND (? = 0 OR batch_id = ?)",
                                  "iiii", m->site_id, m->item_id, m->batch_id, m->batch_id);
    if (st && db_step(st, &e2) == 1)
        have = db_col_int(st, 0);
    db_finalize(st);
    char arg[24];
    snprintf(arg, sizeof arg, "%lld", (long long)have);
    crest_error_field(err, "qty", "insufficient", "supply_insufficient", arg);
    err->code = CREST_CONFLICT;
    return CREST_CONFLICT;
}

int supply_post(struct db_conn *c, const struct supply_move *m, int64_t *id,
                struct crest_error *err)
{
    int rc;
    if (m->qty < 0) {
        int64_t changed = 0;
        rc = db_exec(c, err, &changed,
                     "UPDATE supply_balances SET qty = qty + ? WHERE site_id = ? AND item_id = ? "
                     "AND batch_id = ? AND qty + ? >= 0",
                     "iiiii", m->qty, m->site_id, m->item_id, m->batch_id, m->qty);
        if (rc)
            return rc;
        if (changed != 1)
            return insufficient(c, m, err);
    } else {
        rc = db_exec(c, err, NULL,
                     "INSERT INTO supply_balances (site_id, item_id, batch_id, region, qty) "
                     "VALUES (?, ?, ?, ?, ?) ON CONFLICT (site_id, item_id, batch_id) DO UPDATE "
                     "SET qty = supply_balances.qty + excluded.qty",
                     "iiisi", m->site_id, m->item_id, m->batch_id, m->region, m->qty);
        if (rc)
            return rc;
    }
    struct db_stmt *st = db_query(
        c, err,
        "INSERT INTO supply_movements (site_id, region, item_id, batch_id, kind, qty, reason, "
        "pair_id, shipment_id, date, at_ms, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), "
        "NULLIF(?, 0), ?, ?, ?) RETURNING id",
        "isiisisiisii", m->site_id, m->region, m->item_id, m->batch_id, supply_kind_name(m->kind),
        m->qty, m->reason, m->pair_id, m->shipment_id, m->date, util_now_ms(), m->user_id);
    if (!st)
        return err->code;
    rc = db_step(st, err);
    if (rc == 1 && id)
        *id = db_col_int(st, 0);
    db_finalize(st);
    return rc == 1 ? CREST_OK : err->code;
}

int supply_draw(struct db_conn *c, const struct supply_move *m, supply_draw_cb cb, void *arg,
                struct crest_error *err)
{
    int64_t want = m->qty < 0 ? -m->qty : m->qty;
    int64_t *bid = NULL, *have = NULL, *take = NULL;
    int n = 0, rc = CREST_OK;
    /* the batches on hand, first expiry first (no batch last) */
    struct db_stmt *st = db_query(c, err,
                                  "SELECT b.batch_id, b.qty FROM supply_balances b LEFT JOIN "
                                  "supply_batches t ON t.id = b.batch_id WHERE b.site_id = ? AND "
                                  "b.item_id = ? AND b.qty > 0 AND (? = 0 OR b.batch_id = ?) "
                                  "ORDER BY coalesce(t.expiry, '9999-12-31'), b.batch_id",
                                  "iiii", m->site_id, m->item_id, m->batch_id, m->batch_id);
    if (!st)
        return err->code;
    int s;
    while ((s = db_step(st, err)) == 1) {
        bid = xrealloc(bid, (size_t)(n + 1) * sizeof *bid);
        have = xrealloc(have, (size_t)(n + 1) * sizeof *have);
        bid[n] = db_col_int(st, 0);
        have[n++] = db_col_int(st, 1);
    }
    db_finalize(st);
    if (s < 0) {
        rc = err->code;
        goto out;
    }
    take = xcalloc((size_t)n + 1, sizeof *take);
    if (!supply_fefo(have, n, want, take)) {
        rc = insufficient(c, m, err);
        goto out;
    }
    for (int i = 0; i < n && rc == CREST_OK; i++) {
        if (!take[i])
            continue;
        struct supply_move x = *m;
        x.batch_id = bid[i];
        x.qty = -take[i];
        int64_t id = 0;
        /* a concurrent writer may have taken the batch since the SELECT:
         * supply_post's conditional UPDATE then refuses (409) */
        rc = supply_post(c, &x, &id, err);
        if (rc == CREST_OK && cb)
            rc = cb(arg, bid[i], take[i], id);
    }
out:
    free(bid);
    free(have);
    free(take);
    return rc;
}

/* ---- verify ---- */

static int count_of(struct db_conn *c, const char *sql, int64_t *out, char *first, size_t cap,
                    struct crest_error *err)
{
    struct db_stmt *st = db_query(c, err, sql, NULL);
    if (!st)
        return err->code;
    int rc;
    *out = 0;
    while ((rc = db_step(st, err)) == 1) {
        if (*out == 0 && first && !first[0]) {
            char tmp[256];
            snprintf(tmp, sizeof tmp, "site %lld item %lld batch %lld: %s %lld, %s %lld",
                     (long long)db_col_int(st, 0), (long long)db_col_int(st, 1),
                     (long long)db_col_int(st, 2), db_col_text(st, 3), (long long)db_col_int(st, 4),
                     db_col_text(st, 5), (long long)db_col_int(st, 6));
            str_copy(first, cap, tmp);
        }
        (*out)++;
    }
    db_finalize(st);
    return rc < 0 ? err->code : CREST_OK;
}

int supply_verify(struct db_conn *c, struct supply_verify_report *out, struct crest_error *err)
{
    memset(out, 0, sizeof *out);
    struct db_stmt *st =
        db_query(c, err,
                 "SELECT (SELECT count(*) FROM supply_movements), (SELECT count(*) FROM "
                 "supply_balances)",
                 NULL);
    if (!st)
        return err->code;
    if (db_step(st, err) == 1) {
        out->movements = db_col_int(st, 0);
        out->balances = db_col_int(st, 1);
    }
    db_finalize(st);
    /* every balance equals the sum of its movements (both directions: a
     * balance without movements, movements without a balance) */
    int rc = count_of(
        c,
        /* one grouping of both tables (a FULL OUTER JOIN of the two sums ran
         * as a nested loop on SQLite: minutes at the province's size) */
        "SELECT site_id, item_id, batch_id, 'balance', sum(b), 'movements', sum(m) FROM (SELECT "
        "site_id, item_id, batch_id, qty AS b, 0 AS m FROM supply_balances UNION ALL SELECT "
        "site_id, item_id, batch_id, 0, qty FROM supply_movements) x GROUP BY site_id, item_id, "
        "batch_id HAVING sum(b) <> sum(m)",
        &out->bad_balances, out->first_problem, sizeof out->first_problem, err);
    /* the running balance never went below zero, in the order of posting */
    if (!rc)
        rc = count_of(c,
                      "SELECT site_id, item_id, batch_id, 'movement', id, 'running', r FROM "
                      "(SELECT site_id, item_id, batch_id, id, sum(qty) OVER (PARTITION BY "
                      "site_id, item_id, batch_id ORDER BY id) AS r FROM supply_movements) x "
                      "WHERE r < 0",
                      &out->negative_runs, out->first_problem, sizeof out->first_problem, err);
    /* a direct transfer is two movements: each transfer_in names its
     * transfer_out (pair_id) with the opposite quantity; shipments' legs are
     * checked below */
    if (!rc)
        rc = count_of(
            c,
            "SELECT o.site_id, o.item_id, o.batch_id, 'transfer_out', o.id, 'qty', o.qty FROM "
            "supply_movements o WHERE o.kind = 'transfer_out' AND o.shipment_id IS NULL AND NOT "
            "EXISTS (SELECT 1 FROM supply_movements i WHERE i.pair_id = o.id AND i.kind = "
            "'transfer_in' AND i.qty = -o.qty AND i.item_id = o.item_id AND i.batch_id = "
            "o.batch_id)",
            &out->unpaired, out->first_problem, sizeof out->first_problem, err);
    /* a shipment: what left = its qty; what arrived = received ≤ qty */
    if (!rc)
        rc = count_of(
            c,
            "SELECT s.from_site, s.item_id, 0, 'shipment', s.id, 'received', s.received FROM "
            "supply_shipments s WHERE s.qty <> -(SELECT coalesce(sum(qty), 0) FROM "
            "supply_movements m WHERE m.shipment_id = s.id AND m.kind = 'transfer_out') OR "
            "s.received <> (SELECT coalesce(sum(qty), 0) FROM supply_movements m WHERE "
            "m.shipment_id = s.id AND m.kind = 'transfer_in') OR s.received > s.qty",
            &out->bad_shipments, out->first_problem, sizeof out->first_problem, err);
    /* movements at sites that no longer exist */
    int64_t orphans = 0;
    if (!rc)
        rc = count_of(c,
                      "SELECT m.site_id, m.item_id, m.batch_id, 'movement', m.id, 'site', 0 FROM "
                      "supply_movements m WHERE NOT EXISTS (SELECT 1 FROM facilities f WHERE "
                      "f.id = m.site_id)",
                      &orphans, out->first_problem, sizeof out->first_problem, err);
    out->unpaired += orphans;
    return rc;
}

/* ---- planning inputs ---- */

struct fac {
    int64_t id;
    char region[16];
    int depot;
    double lat, lon;
};

static int fac_find(const struct fac *f, int nf, int64_t id)
{
    int lo = 0, hi = nf - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (f[mid].id == id)
            return mid;
        if (f[mid].id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static int item_find(const int64_t *items, int ni, int64_t id)
{
    for (int i = 0; i < ni; i++)
        if (items[i] == id)
            return i;
    return -1;
}

/* One pass over the facilities, the balances and the window's issues for
 * all the items (three queries, not three per item: for the province's 30
 * items the per-item query scanned the balances 30 times, 0.9 s). */
int supply_plan_load_many(struct db_conn *c, const int64_t *items, int ni, const char *region,
                          const char *today, int64_t window, bool depots_hospitals,
                          struct supply_node **nodes, int *nn, struct crest_error *err)
{
    char from[11] = "", upper[20];
    if (window < 1)
        window = 14;
    supply_date_add(today, -window, from);
    capacity_prefix_upper(region, upper);
    for (int i = 0; i < ni; i++) {
        nodes[i] = NULL;
        nn[i] = 0;
    }
    struct fac *f = NULL;
    int nf = 0, cap = 0, rc = 0;
    struct db_stmt *st =
        db_query(c, err,
                 "SELECT id, region, kind, coalesce(lat, 0), coalesce(lon, 0) FROM facilities "
                 "WHERE region >= ? AND region < ? AND active = 1 AND (? = 0 OR kind IN "
                 "('depot', 'hospital')) ORDER BY id",
                 "ssi", region, upper, (int64_t)depots_hospitals);
    while (st && (rc = db_step(st, err)) == 1) {
        if (nf == cap) {
            cap = cap ? cap * 2 : 1024;
            f = xrealloc(f, (size_t)cap * sizeof *f);
        }
        struct fac *x = &f[nf++];
        x->id = db_col_int(st, 0);
        str_copy(x->region, sizeof x->region, db_col_text(st, 1));
        const char *kind = db_col_text(st, 2);
        x->depot = kind && !strcmp(kind, "depot") ? (int)strlen(x->region) : 0;
        x->lat = db_col_double(st, 3);
        x->lon = db_col_double(st, 4);
    }
    db_finalize(st);
    if (!st || rc < 0) {
        free(f);
        return err->code;
    }
    /* stock and the window's issues per (item, facility) */
    size_t cells = (size_t)ni * (size_t)nf + 1;
    int64_t *stock = xcalloc(cells, sizeof *stock), *issued = xcalloc(cells, sizeof *issued);
    static const char *const sql[2] = {
        "SELECT site_id, item_id, sum(qty) FROM supply_balances GROUP BY site_id, item_id",
        "SELECT site_id, item_id, -sum(qty) FROM supply_movements WHERE kind = 'issue' AND "
        "date > ? AND date <= ? GROUP BY site_id, item_id",
    };
    for (int q = 0; q < 2 && rc >= 0; q++) {
        st = q == 0 ? db_query(c, err, sql[0], "") : db_query(c, err, sql[1], "ss", from, today);
        if (!st) {
            rc = -1;
            break;
        }
        while ((rc = db_step(st, err)) == 1) {
            int fi = fac_find(f, nf, db_col_int(st, 0)),
                ii = item_find(items, ni, db_col_int(st, 1));
            if (fi >= 0 && ii >= 0)
                (q == 0 ? stock : issued)[(size_t)ii * (size_t)nf + (size_t)fi] = db_col_int(st, 2);
        }
        db_finalize(st);
    }
    if (rc < 0) {
        free(f);
        free(stock);
        free(issued);
        return err->code;
    }
    /* per item, in facility id order: the sites that hold it or use it */
    for (int i = 0; i < ni; i++) {
        const int64_t *s = stock + (size_t)i * (size_t)nf, *u = issued + (size_t)i * (size_t)nf;
        int k = 0;
        for (int j = 0; j < nf; j++)
            k += s[j] > 0 || u[j] > 0;
        struct supply_node *v = xcalloc((size_t)k + 1, sizeof *v);
        k = 0;
        for (int j = 0; j < nf; j++) {
            if (!(s[j] > 0 || u[j] > 0))
                continue;
            struct supply_node *x = &v[k++];
            x->id = f[j].id;
            memcpy(x->region, f[j].region, sizeof x->region);
            x->depot = f[j].depot;
            x->lat = f[j].lat;
            x->lon = f[j].lon;
            x->stock = (double)s[j];
            x->use = (double)u[j] / (double)window;
        }
        nodes[i] = v;
        nn[i] = k;
    }
    free(f);
    free(stock);
    free(issued);
    return CREST_OK;
}

int supply_plan_load(struct db_conn *c, int64_t item, const char *region, const char *today,
                     int64_t window, bool depots_hospitals, struct supply_node **nodes, int *nn,
                     struct crest_error *err)
{
    return supply_plan_load_many(c, &item, 1, region, today, window, depots_hospitals, nodes, nn,
                                 err);
}
