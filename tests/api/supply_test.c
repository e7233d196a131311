/*
 * supply_test.c - the supply pillar's HTTP API (issue 7, docs/api.md
 * "Supply") against a live `crest serve`: the catalogue, the ledger (receipt,
 * issue, transfer as two legs, stock count as an adjustment, balances never
 * negative, also under concurrent issues of the last units), every bad input
 * of the issue as a 4xx naming the field with a read-back proving nothing was
 * written, days of cover and shortages on figures made here, expiring
 * batches, a dispatch plan solved by hand (compute → edit → a stale approval
 * refused with what changed → recompute → approve → partial and full
 * receipt), exports, and who may move what.
 *
 * tests/api/run.sh prepares the database (demo at --scale 0.01, scenario date
 * 2022-12-28; api-ROLE users, api-hospital and api-pharmacy bound to the demo
 * logins' facilities) and runs this after api_test. Environment: CREST_URL,
 * API_PASSWORD. Output: failing cases, then "N passed, N failed".
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static struct who commander = {.name = "api-commander"}, pharmacy = {.name = "api-pharmacy"},
                  hospital = {.name = "api-hospital"};
static char password[256];

/* ---- the fixtures: sites and items ---- */

static int64_t depot, own_pharmacy, own_hospital, item_a, item_b;

/* Balance of (site, item) through the API, summed over batches; -1 on error. */
static int64_t balance(int64_t site, int64_t item)
{
    struct resp r;
    call(&r, &commander, "GET",
         P("/api/v1/supply/stock?site=%lld&item=%lld", (long long)site, (long long)item), NULL,
         NULL);
    int64_t sum = -1;
    if (r.status == 200) {
        sum = 0;
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(r.json, "items"), i, it) sum += jint(it, "qty");
    }
    resp_free(&r);
    return sum;
}

/* Number of movements of (site, item). */
static int64_t moves(int64_t site, int64_t item)
{
    struct resp r;
    call(&r, &commander, "GET",
         P("/api/v1/supply/movements?site=%lld&item=%lld&limit=1000", (long long)site,
           (long long)item),
         NULL, NULL);
    int64_t n = r.status == 200 ? (int64_t)json_array_size(json_object_get(r.json, "items")) : -1;
    resp_free(&r);
    return n;
}

static void exp_balance(int64_t site, int64_t item, int64_t want, const char *what)
{
    int64_t have = balance(site, item);
    if (have != want)
        fail("%s: balance of site %lld item %lld is %lld, expected %lld", what, (long long)site,
             (long long)item, (long long)have, (long long)want);
}

/* Copy a body template, {S} → the depot's id, {I} → item A's id. */
static void subst(char *out, size_t cap, const char *t)
{
    size_t o = 0;
    for (const char *p = t; *p && o + 24 < cap; p++) {
        if (!strncmp(p, "{S}", 3) || !strncmp(p, "{I}", 3)) {
            o += (size_t)snprintf(out + o, cap - o, "%lld",
                                  (long long)(p[1] == 'S' ? depot : item_a));
            p += 2;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

static int64_t me_facility(struct who *u)
{
    struct resp r;
    call(&r, u, "GET", "/api/v1/me", NULL, NULL);
    int64_t id = r.status == 200 ? jint(r.json, "facility_id") : 0;
    resp_free(&r);
    return id;
}

static bool t_setup(void)
{
    struct resp r;
    begin("setup: the Xihu county depot, api-pharmacy's and api-hospital's facilities");
    call(&r, &commander, "GET", "/api/v1/facilities?region=330106&kind=depot", NULL, NULL);
    if (exp_status(&r, 200)) {
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(r.json, "items"), i,
                           f) if (!strcmp(jstr(f, "region"), "330106")) depot = jint(f, "id");
    }
    resp_free(&r);
    own_pharmacy = me_facility(&pharmacy);
    own_hospital = me_facility(&hospital);
    if (!depot || !own_pharmacy || !own_hospital)
        fail("depot %lld, pharmacy %lld, hospital %lld: all needed", (long long)depot,
             (long long)own_pharmacy, (long long)own_hospital);
    bool ok = end();

    begin("catalogue: a commander adds a batched item and one without batches (201)");
    call(&r, &commander, "POST", "/api/v1/supply/items",
         "{\"code\":\"api_antipyretic\",\"name\":\"测试退热药\",\"unit\":\"片\",\"category\":"
         "\"antipyretic\",\"batched\":true,\"min_shelf_days\":10}",
         NULL);
    if (exp_status(&r, 201))
        item_a = jint(r.json, "id");
    resp_free(&r);
    call(&r, &commander, "POST", "/api/v1/supply/items",
         "{\"code\":\"api_oximeter\",\"name\":\"测试血氧仪\",\"unit\":\"台\",\"category\":"
         "\"oximeter\",\"batched\":false}",
         NULL);
    if (exp_status(&r, 201))
        item_b = jint(r.json, "id");
    resp_free(&r);
    call(&r, &commander, "POST", "/api/v1/supply/items",
         "{\"code\":\"api_oximeter\",\"name\":\"x\",\"unit\":\"台\",\"category\":\"oximeter\"}",
         NULL);
    exp_problem(&r, 409, "code", NULL);
    resp_free(&r);
    call(&r, &commander, "POST", "/api/v1/supply/items",
         "{\"code\":\"Bad Code\",\"name\":\"x\",\"unit\":\"台\",\"category\":\"spaceship\"}", NULL);
    if (exp_problem(&r, 422, "code", NULL) && !has_field_error(&r, "category"))
        fail("the bad category is named too: %s", snip(&r));
    resp_free(&r);
    call(&r, &pharmacy, "POST", "/api/v1/supply/items",
         "{\"code\":\"api_x\",\"name\":\"x\",\"unit\":\"台\",\"category\":\"oximeter\"}", NULL);
    exp_problem(&r, 403, NULL, NULL);
    resp_free(&r);
    return end() && ok && item_a && item_b;
}

/* ---- the ledger ---- */

static void t_ledger(void)
{
    struct resp r;
    begin("receipt of a new batch with its expiry: 201, balance 100");
    call(&r, &commander, "POST", "/api/v1/supply/movements",
         P("{\"kind\":\"receipt\",\"site\":%lld,\"item\":%lld,\"qty\":100,\"batch\":\"B1\","
           "\"expiry\":\"2023-01-20\"}",
           (long long)depot, (long long)item_a),
         NULL);
    if (exp_status(&r, 201) && jint(r.json, "balance") != 100)
        fail("balance %lld", (long long)jint(r.json, "balance"));
    resp_free(&r);
    exp_balance(depot, item_a, 100, "after the receipt");
    end();

    int64_t nm = moves(depot, item_a);
    static const struct {
        const char *what, *body, *field;
        long status;
        struct who *u;
    } bad[] = {
        {"issuing more than the balance: 409 naming qty",
         "{\"kind\":\"issue\",\"site\":{S},\"item\":{I},\"qty\":101}", "qty", 409, NULL},
        {"a negative quantity: 422 naming qty",
         "{\"kind\":\"receipt\",\"site\":{S},\"item\":{I},\"qty\":-5,\"batch\":\"B1\"}", "qty", 422,
         NULL},
        {"a receipt into an unknown batch: 422 naming batch",
         "{\"kind\":\"receipt\",\"site\":{S},\"item\":{I},\"qty\":5,\"batch\":\"NOPE\"}", "batch",
         422, NULL},
        {"a new batch whose expiry is in the past: 422 naming expiry",
         "{\"kind\":\"receipt\",\"site\":{S},\"item\":{I},\"qty\":5,\"batch\":\"B2\","
         "\"expiry\":\"2022-12-01\"}",
         "expiry", 422, NULL},
        {"a new batch inside the item's minimum shelf life (10 days): 422 naming expiry",
         "{\"kind\":\"receipt\",\"site\":{S},\"item\":{I},\"qty\":5,\"batch\":\"B3\","
         "\"expiry\":\"2023-01-02\"}",
         "expiry", 422, NULL},
        {"an existing batch with another expiry: 422 naming expiry",
         "{\"kind\":\"receipt\",\"site\":{S},\"item\":{I},\"qty\":5,\"batch\":\"B1\","
         "\"expiry\":\"2024-01-01\"}",
         "expiry", 422, NULL},
        {"a batched item without a batch: 422 naming batch",
         "{\"kind\":\"receipt\",\"site\":{S},\"item\":{I},\"qty\":5}", "batch", 422, NULL},
        {"a transfer kind posted as a movement: 422 naming kind",
         "{\"kind\":\"transfer_out\",\"site\":{S},\"item\":{I},\"qty\":5}", "kind", 422, NULL},
        {"a stock count without a reason: 422 naming reason",
         "{\"kind\":\"adjustment\",\"site\":{S},\"item\":{I},\"counted\":5,\"batch\":\"B1\"}",
         "reason", 422, NULL},
        {"an unknown item: 422 naming item",
         "{\"kind\":\"issue\",\"site\":{S},\"item\":999999,\"qty\":1}", "item", 422, NULL},
        {"an unknown site: 422 naming site",
         "{\"kind\":\"issue\",\"site\":999999,\"item\":{I},\"qty\":1}", "site", 422, NULL},
        {"an unknown field: 422 naming it",
         "{\"kind\":\"issue\",\"site\":{S},\"item\":{I},\"qty\":1,\"colour\":1}", "colour", 422,
         NULL},
        {"a pharmacy issuing a depot's stock: 403 naming site",
         "{\"kind\":\"issue\",\"site\":{S},\"item\":{I},\"qty\":1}", "site", 403, &pharmacy},
        {"a hospital issuing a depot's stock: 403 naming site",
         "{\"kind\":\"issue\",\"site\":{S},\"item\":{I},\"qty\":1}", "site", 403, &hospital},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        begin("ledger: %s; nothing written", bad[i].what);
        char body[400];
        subst(body, sizeof body, bad[i].body);
        call(&r, bad[i].u ? bad[i].u : &commander, "POST", "/api/v1/supply/movements", body, NULL);
        exp_problem(&r, bad[i].status, bad[i].field, NULL);
        resp_free(&r);
        exp_balance(depot, item_a, 100, "after the refusal");
        if (moves(depot, item_a) != nm)
            fail("a movement was written");
        end();
    }

    begin("transfer to the same site: 422 naming to; nothing written");
    call(&r, &commander, "POST", "/api/v1/supply/transfers",
         P("{\"from\":%lld,\"to\":%lld,\"item\":%lld,\"qty\":5}", (long long)depot,
           (long long)depot, (long long)item_a),
         NULL);
    exp_problem(&r, 422, "to", NULL);
    resp_free(&r);
    exp_balance(depot, item_a, 100, "after the refusal");
    if (moves(depot, item_a) != nm)
        fail("a movement was written");
    end();

    begin("transfer depot → pharmacy: 201, two legs in one transaction, balances 90 and 10");
    call(&r, &commander, "POST", "/api/v1/supply/transfers",
         P("{\"from\":%lld,\"to\":%lld,\"item\":%lld,\"qty\":10}", (long long)depot,
           (long long)own_pharmacy, (long long)item_a),
         NULL);
    if (exp_status(&r, 201)) {
        json_t *legs = json_object_get(r.json, "legs");
        if (json_array_size(legs) != 1 || jint(json_array_get(legs, 0), "qty") != 10)
            fail("legs: %s", snip(&r));
    }
    resp_free(&r);
    exp_balance(depot, item_a, 90, "depot");
    exp_balance(own_pharmacy, item_a, 10, "pharmacy");
    call(&r, &commander, "GET",
         P("/api/v1/supply/movements?site=%lld&item=%lld", (long long)own_pharmacy,
           (long long)item_a),
         NULL, NULL);
    if (exp_status(&r, 200)) {
        json_t *m = json_array_get(json_object_get(r.json, "items"), 0);
        if (!m || strcmp(jstr(m, "kind"), "transfer_in") || jint(m, "qty") != 10 ||
            !jint(m, "pair"))
            fail("the in-leg names its out-leg: %s", snip(&r));
    }
    resp_free(&r);
    end();

    begin("a transfer of more than the balance: 409; neither leg written");
    call(&r, &commander, "POST", "/api/v1/supply/transfers",
         P("{\"from\":%lld,\"to\":%lld,\"item\":%lld,\"qty\":91}", (long long)depot,
           (long long)own_pharmacy, (long long)item_a),
         NULL);
    exp_problem(&r, 409, "qty", NULL);
    resp_free(&r);
    exp_balance(depot, item_a, 90, "depot");
    exp_balance(own_pharmacy, item_a, 10, "pharmacy");
    end();

    begin("a stock count of 85 where the ledger says 90: an adjustment of -5 with its reason");
    call(&r, &commander, "POST", "/api/v1/supply/movements",
         P("{\"kind\":\"adjustment\",\"site\":%lld,\"item\":%lld,\"counted\":85,\"batch\":\"B1\","
           "\"reason\":\"盘点破损\"}",
           (long long)depot, (long long)item_a),
         NULL);
    if (exp_status(&r, 201)) {
        json_t *m = json_array_get(json_object_get(r.json, "movements"), 0);
        if (jint(m, "qty") != -5)
            fail("adjustment %s", snip(&r));
    }
    resp_free(&r);
    exp_balance(depot, item_a, 85, "after the count");
    call(&r, &commander, "POST", "/api/v1/supply/movements",
         P("{\"kind\":\"adjustment\",\"site\":%lld,\"item\":%lld,\"counted\":85,\"batch\":\"B1\","
           "\"reason\":\"复盘\"}",
           (long long)depot, (long long)item_a),
         NULL);
    if (exp_status(&r, 200) && json_array_size(json_object_get(r.json, "movements")) != 0)
        fail("a count equal to the balance writes no movement: %s", snip(&r));
    resp_free(&r);
    end();

    begin("issue 14 at the depot (today): 201, balance 71");
    call(&r, &commander, "POST", "/api/v1/supply/movements",
         P("{\"kind\":\"issue\",\"site\":%lld,\"item\":%lld,\"qty\":14}", (long long)depot,
           (long long)item_a),
         NULL);
    exp_status(&r, 201);
    resp_free(&r);
    exp_balance(depot, item_a, 71, "after the issue");
    end();

    begin("the pharmacy issues its own stock (201) and reads only its own site");
    call(&r, &pharmacy, "GET", "/api/v1/supply/stock", NULL, NULL);
    if (exp_status(&r, 200)) {
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(r.json, "items"), i,
                           it) if (jint(it, "site") != own_pharmacy)
            fail("row of another site: %s", snip(&r));
    }
    resp_free(&r);
    call(&r, &pharmacy, "GET", P("/api/v1/supply/stock?site=%lld", (long long)depot), NULL, NULL);
    exp_problem(&r, 403, "site", NULL);
    resp_free(&r);
    end();
}

/* Two (or four) requests at once for the last units: the balance never
 * goes below zero and exactly as many succeed as there were units. */
static void t_concurrent(void)
{
    for (int round = 0; round < 3; round++) {
        int n = round == 2 ? 4 : 2, units = round == 2 ? 2 : 1;
        begin("concurrent: %d issues of 1 for the last %d unit(s): %d × 201, %d × 409, balance 0",
              n, units, units, n - units);
        struct resp r;
        call(&r, &commander, "POST", "/api/v1/supply/movements",
             P("{\"kind\":\"receipt\",\"site\":%lld,\"item\":%lld,\"qty\":%d}",
               (long long)own_hospital, (long long)item_b, units),
             NULL);
        exp_status(&r, 201);
        resp_free(&r);
        struct resp rs[4];
        http_parallel(n, rs, "POST", "/api/v1/supply/movements",
                      P("{\"kind\":\"issue\",\"site\":%lld,\"item\":%lld,\"qty\":1}",
                        (long long)own_hospital, (long long)item_b),
                      H(commander.bearer, "Content-Type: application/json", "Accept-Language: en"));
        int ok = 0, conflict = 0;
        for (int i = 0; i < n; i++) {
            if (rs[i].status == 201)
                ok++;
            else if (rs[i].status == 409 && has_field_error(&rs[i], "qty"))
                conflict++;
            else
                fail("request %d: %ld %s", i, rs[i].status, snip(&rs[i]));
            resp_free(&rs[i]);
        }
        if (ok != units || conflict != n - units)
            fail("%d succeeded, %d got 409", ok, conflict);
        exp_balance(own_hospital, item_b, 0, "after the race");
        end();
    }
}

/* ---- days of cover, shortages, expiry ---- */

static json_t *find_site(json_t *arr, int64_t site)
{
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it) if (jint(it, "site") == site) return it;
    return NULL;
}

static void t_cover(void)
{
    struct resp r;
    begin("days of cover: the depot's 71 units at 14 issued in 14 days = 71.0 days");
    call(&r, &commander, "GET",
         P("/api/v1/supply/cover?region=330106&item=%lld", (long long)item_a), NULL, NULL);
    if (exp_status(&r, 200)) {
        json_t *s = find_site(json_object_get(r.json, "sites"), depot);
        if (!s || jint(s, "stock") != 71 ||
            fabs(json_number_value(json_object_get(s, "daily_use")) - 1.0) > 1e-9 ||
            fabs(json_number_value(json_object_get(s, "days_of_cover")) - 71.0) > 1e-9)
            fail("depot row: %s", snip(&r));
        json_t *ph = find_site(json_object_get(r.json, "sites"), own_pharmacy);
        if (!ph || !json_is_null(json_object_get(ph, "days_of_cover")))
            fail("a site without use has no days of cover (null): %s", snip(&r));
        if (jint(r.json, "target_days") != 90)
            fail("target from the policy");
    }
    resp_free(&r);
    end();

    begin("shortages: the depot (71 < 90 days) is listed for the item, the pharmacy is not");
    call(&r, &commander, "GET",
         P("/api/v1/supply/shortages?region=330106&item=%lld", (long long)item_a), NULL, NULL);
    if (exp_status(&r, 200)) {
        json_t *a = json_object_get(r.json, "items");
        if (!find_site(a, depot) || find_site(a, own_pharmacy))
            fail("%s", snip(&r));
    }
    resp_free(&r);
    end();

    begin("expiring: batch B1 (2023-01-20) at the depot within 60 days of 2022-12-28");
    call(&r, &commander, "GET", "/api/v1/supply/expiring?region=330106&days=60", NULL, NULL);
    bool seen = false;
    if (exp_status(&r, 200)) {
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(r.json, "items"), i, it) seen |=
            jint(it, "site") == depot && !strcmp(jstr(it, "batch"), "B1") && jint(it, "qty") == 71;
        if (!seen)
            fail("%s", snip(&r));
    }
    resp_free(&r);
    call(&r, &commander, "GET", "/api/v1/supply/expiring?days=-1", NULL, NULL);
    exp_problem(&r, 422, "days", NULL);
    resp_free(&r);
    end();
}

/* ---- plans ---- */

static int64_t compute(int64_t *line, json_t **plan)
{
    struct resp r;
    call(&r, &commander, "POST", "/api/v1/supply/plans",
         P("{\"region\":\"330106\",\"items\":[%lld]}", (long long)item_a), NULL);
    int64_t id = 0;
    if (exp_status(&r, 201)) {
        id = jint(r.json, "id");
        json_t *l = json_array_get(json_object_get(r.json, "lines"), 0);
        *line = l ? jint(l, "id") : 0;
        *plan = json_incref(r.json);
    }
    resp_free(&r);
    return id;
}

static void t_plan(void)
{
    struct resp r;
    /* by hand: the depot uses 1 a day and has 71; the pharmacy holds 10 and
     * uses none; nobody else holds the item. Max-min: move all 10 to the
     * depot, L = 81 days. */
    begin("plan: one deficit, one donor: 10 units pharmacy → depot, L 71 → 81 days");
    int64_t line = 0;
    json_t *plan = NULL;
    int64_t id = compute(&line, &plan);
    if (plan) {
        json_t *lines = json_object_get(plan, "lines"), *l = json_array_get(lines, 0);
        json_t *s = json_array_get(json_object_get(plan, "summary"), 0);
        if (json_array_size(lines) != 1 || jint(l, "qty") != 10 ||
            jint(json_object_get(l, "from"), "id") != own_pharmacy ||
            jint(json_object_get(l, "to"), "id") != depot)
            fail("lines: %.300s", jstr(l, "explain") ? jstr(l, "explain") : "(none)");
        if (fabs(json_number_value(json_object_get(s, "level_after")) - 81.0) > 1e-6 ||
            fabs(json_number_value(json_object_get(s, "level_before")) - 71.0) > 1e-6)
            fail("summary: level %g → %g", json_number_value(json_object_get(s, "level_before")),
                 json_number_value(json_object_get(s, "level_after")));
        const char *ex = jstr(l, "explain");
        if (!ex || !strstr(ex, "71 → 81 days"))
            fail("explanation '%s'", ex ? ex : "(none)");
        if (strcmp(jstr(plan, "status"), "proposed"))
            fail("status %s", jstr(plan, "status"));
    }
    json_decref(plan);
    end();

    begin("plan: editing a line above the donor's stock is 422 naming qty; 8 is accepted");
    call(&r, &commander, "PATCH",
         P("/api/v1/supply/plans/%lld/lines/%lld", (long long)id, (long long)line), "{\"qty\":11}",
         NULL);
    exp_problem(&r, 422, "qty", NULL);
    resp_free(&r);
    call(&r, &commander, "PATCH",
         P("/api/v1/supply/plans/%lld/lines/%lld", (long long)id, (long long)line), "{\"qty\":8}",
         NULL);
    if (exp_status(&r, 200) &&
        jint(json_array_get(json_object_get(r.json, "lines"), 0), "qty") != 8)
        fail("%s", snip(&r));
    resp_free(&r);
    end();

    begin("plan: a pharmacy cannot compute or approve (403)");
    call(&r, &pharmacy, "POST", P("/api/v1/supply/plans/%lld/approve", (long long)id), NULL, NULL);
    exp_problem(&r, 403, NULL, NULL);
    resp_free(&r);
    end();

    begin("plan: stock moved since the compute: approve is 409 with what changed and how to "
          "recompute; nothing dispatched");
    /* a count (not an issue: the daily use stays 1) */
    call(&r, &commander, "POST", "/api/v1/supply/movements",
         P("{\"kind\":\"adjustment\",\"site\":%lld,\"item\":%lld,\"counted\":70,"
           "\"batch\":\"B1\",\"reason\":\"breakage\"}",
           (long long)depot, (long long)item_a),
         NULL);
    exp_status(&r, 201);
    resp_free(&r);
    call(&r, &commander, "POST", P("/api/v1/supply/plans/%lld/approve", (long long)id), NULL, NULL);
    if (exp_problem(&r, 409, "plan", "supply_plan_stale")) {
        json_t *ch = json_array_get(json_object_get(r.json, "changed"), 0);
        if (!ch || jint(ch, "site") != depot || jint(ch, "was") != 71 || jint(ch, "now") != 70)
            fail("changed: %s", snip(&r));
        if (!json_object_get(r.json, "recompute"))
            fail("no recompute offer");
    }
    resp_free(&r);
    exp_balance(own_pharmacy, item_a, 10, "pharmacy");
    call(&r, &commander, "GET", P("/api/v1/supply/plans/%lld", (long long)id), NULL, NULL);
    if (exp_status(&r, 200) && strcmp(jstr(r.json, "status"), "proposed"))
        fail("still proposed: %s", snip(&r));
    resp_free(&r);
    call(&r, &commander, "GET", P("/api/v1/supply/shipments?plan=%lld", (long long)id), NULL, NULL);
    if (exp_status(&r, 200) && json_array_size(json_object_get(r.json, "items")))
        fail("shipments were created: %s", snip(&r));
    resp_free(&r);
    end();

    begin("plan: recompute (L 70 → 80), approve: a shipment dispatched, the donor's stock left");
    plan = NULL;
    id = compute(&line, &plan);
    if (plan) {
        json_t *s = json_array_get(json_object_get(plan, "summary"), 0);
        if (fabs(json_number_value(json_object_get(s, "level_after")) - 80.0) > 1e-6)
            fail("summary: level after %g", json_number_value(json_object_get(s, "level_after")));
    }
    json_decref(plan);
    call(&r, &commander, "POST", P("/api/v1/supply/plans/%lld/approve", (long long)id), NULL, NULL);
    if (exp_status(&r, 200) && strcmp(jstr(r.json, "status"), "approved"))
        fail("%s", snip(&r));
    resp_free(&r);
    exp_balance(own_pharmacy, item_a, 0, "donor after dispatch");
    exp_balance(depot, item_a, 70, "recipient before receipt");
    int64_t ship = 0;
    call(&r, &commander, "GET", P("/api/v1/supply/shipments?plan=%lld", (long long)id), NULL, NULL);
    if (exp_status(&r, 200)) {
        json_t *s = json_array_get(json_object_get(r.json, "items"), 0);
        ship = s ? jint(s, "id") : 0;
        if (!s || jint(s, "qty") != 10 || strcmp(jstr(s, "status"), "dispatched"))
            fail("%s", snip(&r));
    }
    resp_free(&r);
    call(&r, &commander, "POST", P("/api/v1/supply/plans/%lld/approve", (long long)id), NULL, NULL);
    exp_problem(&r, 409, "status", NULL);
    resp_free(&r);
    end();

    begin("shipment: receive 4 (partial), 7 is more than in transit (422, nothing written), 6 "
          "(received)");
    call(&r, &commander, "POST", P("/api/v1/supply/shipments/%lld/receive", (long long)ship),
         "{\"qty\":4}", NULL);
    if (exp_status(&r, 200) && strcmp(jstr(r.json, "status"), "partial"))
        fail("%s", snip(&r));
    resp_free(&r);
    exp_balance(depot, item_a, 74, "after a partial receipt");
    call(&r, &commander, "POST", P("/api/v1/supply/shipments/%lld/receive", (long long)ship),
         "{\"qty\":7}", NULL);
    exp_problem(&r, 422, "qty", NULL);
    resp_free(&r);
    exp_balance(depot, item_a, 74, "after the refusal");
    call(&r, &pharmacy, "POST", P("/api/v1/supply/shipments/%lld/receive", (long long)ship),
         "{\"qty\":6}", NULL);
    exp_problem(&r, 403, "site", NULL);
    resp_free(&r);
    call(&r, &commander, "POST", P("/api/v1/supply/shipments/%lld/receive", (long long)ship),
         "{\"qty\":6}", NULL);
    if (exp_status(&r, 200) &&
        (strcmp(jstr(r.json, "status"), "received") || jint(r.json, "received") != 10))
        fail("%s", snip(&r));
    resp_free(&r);
    exp_balance(depot, item_a, 80, "after the full receipt");
    end();

    begin("exports: the depot's ledger as CSV, the plan as XLSX");
    call(&r, &commander, "GET",
         P("/api/v1/supply/movements/export?format=csv&site=%lld&item=%lld", (long long)depot,
           (long long)item_a),
         NULL, NULL);
    if (exp_status(&r, 200) && (!strstr(r.body.p, "transfer_in") ||
                                !strstr(r.body.p, "adjustment") || !strstr(r.body.p, ",-5,")))
        fail("%s", snip(&r));
    resp_free(&r);
    call(&r, &commander, "GET", P("/api/v1/supply/plans/%lld/export?format=xlsx", (long long)id),
         NULL, NULL);
    if (exp_status(&r, 200) && (r.body.n < 4 || memcmp(r.body.p, "PK", 2) != 0))
        fail("not an XLSX (zip) file");
    resp_free(&r);
    call(&r, &commander, "GET", "/api/v1/supply/movements/export?format=pdf", NULL, NULL);
    exp_problem(&r, 422, "format", NULL);
    resp_free(&r);
    end();
}

int main(int argc, char **argv)
{
    (void)argv;
    const char *url = getenv("CREST_URL"), *pw = getenv("API_PASSWORD");
    if (argc > 1 || !url || !pw || !client_init(url)) {
        fputs("usage: CREST_URL=http://127.0.0.1:PORT API_PASSWORD=… supply_test\n", stderr);
        return 2;
    }
    snprintf(password, sizeof password, "%s", pw);
    bool in = sign_in(&commander, password);
    in = sign_in(&pharmacy, password) && in;
    in = sign_in(&hospital, password) && in;
    if (in && t_setup()) {
        t_ledger();
        t_concurrent();
        t_cover();
        t_plan();
    } else {
        printf("FAIL setup: the supply fixtures are missing\n");
        n_fail++;
    }
    client_cleanup();
    printf("%d passed, %d failed\n", n_pass, n_fail);
    fflush(stdout);
    return n_fail ? 1 : 0;
}
