/*
 * test_supply.c - unit tests for src/supply/model.c: the ledger's rules
 * (signs, a receipt's batch and expiry checks, first-expiry-first-out) and
 * the dispatch planner on small problems solved by hand: a single deficit,
 * donors at the target, not enough stock anywhere, a per-route limit, the
 * nearer donor preferred in phase 2, whole units that never overdraw a donor,
 * no relaying of stock still on its way, pricing arcs in (the same optimum
 * as loading every arc, including arcs from sites below the level), and the
 * candidate routes (hierarchy + k nearest).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/str.h"
#include "supply/supply.h"

#define EPS 1e-6

static void test_kinds(void **state)
{
    (void)state;
    for (int k = 0; k < SUP__KINDS; k++)
        assert_int_equal(supply_kind_parse(supply_kind_name((enum supply_kind)k)), k);
    assert_int_equal(supply_kind_parse("transfer"), -1);
    assert_int_equal(supply_kind_sign(SUP_RECEIPT), 1);
    assert_int_equal(supply_kind_sign(SUP_TRANSFER_IN), 1);
    assert_int_equal(supply_kind_sign(SUP_ISSUE), -1);
    assert_int_equal(supply_kind_sign(SUP_TRANSFER_OUT), -1);
    assert_int_equal(supply_kind_sign(SUP_EXPIRY), -1);
    assert_int_equal(supply_kind_sign(SUP_ADJUSTMENT), 0);
    assert_int_equal(supply_category_parse("antigen_test"), 4);
    assert_int_equal(supply_category_parse("spaceship"), -1);
}

static const char *check(bool batched, int64_t shelf, const char *batch, const char *expiry,
                         const char *existing)
{
    static struct crest_error e;
    crest_error_clear(&e);
    supply_receipt_check(batched, shelf, batch, expiry, existing, "2022-12-28", &e);
    if (!e.nfields)
        return "ok";
    static char out[96];
    snprintf(out, sizeof out, "%s:%s", e.fields[0].field, e.fields[0].code);
    return out;
}

static void test_receipt_rules(void **state)
{
    (void)state;
    assert_string_equal(check(true, 0, "B1", "2023-06-30", ""), "ok");
    assert_string_equal(check(true, 0, "B1", NULL, "2023-06-30"), "ok"); /* a known batch */
    assert_string_equal(check(true, 0, NULL, NULL, ""), "batch:required");
    assert_string_equal(check(true, 0, "NOPE", NULL, ""), "batch:unknown");
    assert_string_equal(check(true, 0, "B2", "2022-12-27", ""), "expiry:range"); /* past */
    assert_string_equal(check(true, 0, "B2", "2022-12-28", ""), "ok");           /* today */
    assert_string_equal(check(true, 10, "B2", "2023-01-06", ""), "expiry:range");
    assert_string_equal(check(true, 10, "B2", "2023-01-07", ""), "ok"); /* exactly 10 days */
    assert_string_equal(check(true, 0, "B1", "2024-01-01", "2023-06-30"), "expiry:mismatch");
    assert_string_equal(check(true, 0, "B2", "2023-02-30x", ""), "expiry:format");
    assert_string_equal(check(false, 0, NULL, NULL, ""), "ok");
    assert_string_equal(check(false, 0, "B1", NULL, ""), "batch:not_batched");
}

static void test_fefo(void **state)
{
    (void)state;
    int64_t have[3] = {5, 0, 10}, take[3];
    assert_true(supply_fefo(have, 3, 7, take));
    assert_int_equal(take[0], 5);
    assert_int_equal(take[1], 0);
    assert_int_equal(take[2], 2);
    assert_true(supply_fefo(have, 3, 15, take));  /* all of it */
    assert_false(supply_fefo(have, 3, 16, take)); /* one more than there is */
    assert_int_equal(take[0] + take[1] + take[2], 0);
}

static void test_dates_and_cover(void **state)
{
    (void)state;
    char d[11];
    assert_true(supply_date_add("2022-12-28", 14, d));
    assert_string_equal(d, "2023-01-11");
    assert_true(supply_date_add("2022-12-28", -14, d));
    assert_string_equal(d, "2022-12-14");
    assert_true(supply_date_add("2024-02-28", 1, d));
    assert_string_equal(d, "2024-02-29");
    assert_false(supply_date_add("2022-13-01", 1, d));
    assert_true(supply_days_of_cover(90, 1) == 90);
    assert_true(supply_days_of_cover(5, 0) < 0); /* no use: no finite cover */
}

/* ---- the planner ---- */

static struct supply_node node(int64_t id, double stock, double use, double lat, double lon,
                               int depot, const char *region)
{
    struct supply_node n;
    memset(&n, 0, sizeof n);
    n.id = id;
    n.stock = stock;
    n.use = use;
    n.lat = lat;
    n.lon = lon;
    n.depot = depot;
    str_copy(n.region, sizeof n.region, region);
    return n;
}

static struct supply_arc arc(const struct supply_node *n, int from, int to)
{
    return (struct supply_arc){from, to, supply_km(n[from].lat, n[from].lon, n[to].lat, n[to].lon)};
}

static void solve(const struct supply_node *n, int nn, const struct supply_arc *a, int na,
                  double target, double route_max, struct supply_plan_result *res)
{
    struct crest_error e;
    crest_error_clear(&e);
    assert_int_equal(supply_plan_solve(n, nn, a, na, target, route_max, res, &e), CREST_OK);
    assert_int_equal(res->status, 0);
    /* the network and the simplex solve the same LP: the same optimum */
    struct supply_plan_result clp;
    assert_int_equal(supply_plan_solve_clp(n, nn, a, na, target, route_max, &clp, &e), CREST_OK);
    assert_true(fabs(res->level - clp.level) <= 1e-6 * fmax(1, clp.level));
    assert_true(fabs(res->item_km - clp.item_km) <= 1e-6 * fmax(1, clp.item_km));
    supply_plan_free(&clp);
}

/* One hospital at 10 days (use 1/day, stock 10), a depot with 100: lifted to
 * the 90-day target with 80 units; L is capped at the target. */
static void test_single_deficit(void **state)
{
    (void)state;
    struct supply_node n[2] = {node(1, 10, 1, 30.0, 120.0, 0, "330106001"),
                               node(2, 100, 0, 30.1, 120.0, 6, "330106")};
    struct supply_arc a[1] = {arc(n, 1, 0)};
    struct supply_plan_result res;
    solve(n, 2, a, 1, 90, 0, &res);
    assert_true(fabs(res.level - 90) < EPS);
    assert_true(fabs(res.before - 10) < EPS);
    assert_true(fabs(res.flow[0] - 80) < EPS);
    assert_int_equal(res.qty[0], 80);
    assert_true(fabs(res.item_km - 80 * a[0].km) < 1e-6 * res.item_km);
    supply_plan_free(&res);
}

/* Donors at the target give nothing when there is enough elsewhere: A at
 * 30 days, B exactly at 90, C at 150 (use 1 each): C gives 60, B none. */
static void test_donor_at_target_keeps_its_stock(void **state)
{
    (void)state;
    struct supply_node n[3] = {node(1, 30, 1, 30.0, 120.0, 0, "330106001"),
                               node(2, 90, 1, 30.0, 120.01, 0, "330106002"),
                               node(3, 150, 1, 30.0, 120.5, 0, "330106003")};
    struct supply_arc a[2] = {arc(n, 1, 0), arc(n, 2, 0)};
    struct supply_plan_result res;
    solve(n, 3, a, 2, 90, 0, &res);
    assert_true(fabs(res.level - 90) < EPS);
    assert_int_equal(res.qty[0], 0);  /* B, though nearer */
    assert_int_equal(res.qty[1], 60); /* C */
    supply_plan_free(&res);
}

/* Max-min lowers a donor at the target to lift the worst-off: A at 30, B at
 * 90, nothing else: both end at 60 days (B gives 30). */
static void test_max_min_shares_down(void **state)
{
    (void)state;
    struct supply_node n[2] = {node(1, 30, 1, 30.0, 120.0, 0, "330106001"),
                               node(2, 90, 1, 30.0, 120.01, 0, "330106002")};
    struct supply_arc a[1] = {arc(n, 1, 0)};
    struct supply_plan_result res;
    solve(n, 2, a, 1, 90, 0, &res);
    assert_true(fabs(res.level - 60) < EPS);
    assert_int_equal(res.qty[0], 30);
    supply_plan_free(&res);
}

/* Not enough anywhere: A uses 2/day with nothing, B uses 1 and has 10, the
 * depot 20. 30 units over 3 a day: L = 10 < target; A gets the depot's 20. */
static void test_not_enough_stock(void **state)
{
    (void)state;
    struct supply_node n[3] = {node(1, 0, 2, 30.0, 120.0, 0, "330106001"),
                               node(2, 10, 1, 30.0, 120.1, 0, "330106002"),
                               node(3, 20, 0, 30.05, 120.05, 6, "330106")};
    struct supply_arc a[3] = {arc(n, 2, 0), arc(n, 2, 1), arc(n, 1, 0)};
    struct supply_plan_result res;
    solve(n, 3, a, 3, 90, 0, &res);
    assert_true(fabs(res.level - 10) < EPS);
    assert_true(res.before < EPS);
    assert_int_equal(res.qty[0], 20); /* depot → A */
    assert_int_equal(res.qty[1], 0);  /* B already has its 10 days */
    assert_int_equal(res.qty[2], 0);
    supply_plan_free(&res);
}

/* A per-route limit of 30 units: A (use 1, nothing) can get 30 from each of
 * two depots: L = 60, both routes full. */
static void test_route_limit(void **state)
{
    (void)state;
    struct supply_node n[3] = {node(1, 0, 1, 30.0, 120.0, 0, "330106001"),
                               node(2, 100, 0, 30.01, 120.0, 6, "330106"),
                               node(3, 100, 0, 30.5, 120.0, 4, "3301")};
    struct supply_arc a[2] = {arc(n, 1, 0), arc(n, 2, 0)};
    struct supply_plan_result res;
    solve(n, 3, a, 2, 90, 30, &res);
    assert_true(fabs(res.level - 60) < EPS);
    assert_int_equal(res.qty[0], 30);
    assert_int_equal(res.qty[1], 30);
    supply_plan_free(&res);
    /* without the limit the nearer depot gives all 90 */
    solve(n, 3, a, 2, 90, 0, &res);
    assert_true(fabs(res.level - 90) < EPS);
    assert_int_equal(res.qty[0], 90);
    assert_int_equal(res.qty[1], 0);
    supply_plan_free(&res);
}

/* Rounding never makes a donor give more than it has: three recipients
 * sharing 10 units split 3.33 each. */
static void test_whole_units_never_overdraw(void **state)
{
    (void)state;
    struct supply_node n[4] = {
        node(1, 0, 1, 30.0, 120.0, 0, "330106001"), node(2, 0, 1, 30.0, 120.1, 0, "330106002"),
        node(3, 0, 1, 30.0, 120.2, 0, "330106003"), node(4, 10, 0, 30.0, 120.1, 6, "330106")};
    struct supply_arc a[3] = {arc(n, 3, 0), arc(n, 3, 1), arc(n, 3, 2)};
    struct supply_plan_result res;
    solve(n, 4, a, 3, 90, 0, &res);
    assert_true(fabs(res.level - 10.0 / 3) < EPS);
    assert_true(res.qty[0] + res.qty[1] + res.qty[2] <= 10);
    assert_true(res.qty[0] + res.qty[1] + res.qty[2] >= 9);
    supply_plan_free(&res);
}

/* A site with a use that no route reaches caps L at its own cover. */
static void test_unreachable_site_caps_level(void **state)
{
    (void)state;
    struct supply_node n[3] = {node(1, 0, 1, 30.0, 120.0, 0, "330106001"),
                               node(2, 100, 0, 30.0, 120.1, 6, "330106"),
                               node(3, 20, 1, 28.0, 119.0, 0, "331102001")};
    struct supply_arc a[1] = {arc(n, 1, 0)};
    struct supply_plan_result res;
    solve(n, 3, a, 1, 90, 0, &res);
    assert_true(fabs(res.level - 20) < EPS);
    /* phase 2 moves only what L needs: 20 units */
    assert_int_equal(res.qty[0], 20);
    supply_plan_free(&res);
}

/* No relaying: B (50 days) may pass on only what it has, not what the depot
 * sends it. Routes depot → B → A only: L = 50 (A gets B's 50, B the depot's
 * 50), not the 90 a relay would give. (A plan's shipments leave at once;
 * stock still on its way cannot be sent on.) */
static void test_no_relay(void **state)
{
    (void)state;
    struct supply_node n[3] = {node(1, 0, 1, 30.0, 120.0, 0, "330106001"),
                               node(2, 50, 1, 30.0, 120.1, 0, "330106002"),
                               node(3, 200, 0, 30.0, 120.2, 6, "330106")};
    struct supply_arc a[2] = {arc(n, 2, 1), arc(n, 1, 0)};
    struct supply_plan_result res;
    solve(n, 3, a, 2, 90, 0, &res);
    assert_true(fabs(res.level - 50) < EPS);
    assert_int_equal(res.qty[0], 50); /* depot → B */
    assert_int_equal(res.qty[1], 50); /* B → A: all B had */
    supply_plan_free(&res);
}

/* The LP starts with the arcs from sites above the level sought to sites
 * below it and prices the others in (decisions §37). Dropping the others
 * for good would be wrong: here B (85 days) is below the 90-day cap, yet
 * its arc to A, which no depot reaches, is what lifts A. Priced in: L = 85
 * (B gives its 85 to A, the depot refills B); without it A stays at 0. */
static void test_pricing_keeps_arcs_from_below_the_level(void **state)
{
    (void)state;
    struct supply_node n[3] = {node(1, 0, 1, 30.0, 120.0, 0, "330106001"),
                               node(2, 85, 1, 30.0, 120.1, 0, "330106002"),
                               node(3, 1000, 0, 30.0, 120.2, 6, "330106")};
    struct supply_arc a[2] = {arc(n, 2, 1), arc(n, 1, 0)};
    struct supply_plan_result res;
    solve(n, 3, a, 2, 90, 0, &res);
    assert_true(fabs(res.level - 85) < EPS);
    assert_int_equal(res.qty[0], 85); /* depot → B */
    assert_int_equal(res.qty[1], 85); /* B → A */
    supply_plan_free(&res);
}

/* The same in phase 2: A (nothing) and B (80 days) are both below the cap;
 * a depot D1 next to B, a far depot D2 that reaches A. Cheapest: B gives
 * its 80 to A (5 km), D1 refills B with 90 (1 km), D2 sends A only the
 * last 10 (146 km), not 90. */
static void test_pricing_finds_cheaper_relay(void **state)
{
    (void)state;
    struct supply_node n[4] = {
        node(1, 0, 1, 30.0, 120.0, 0, "330106001"), node(2, 80, 1, 30.0, 120.05, 0, "330106002"),
        node(3, 1000, 0, 30.0, 120.06, 6, "330106"), node(4, 1000, 0, 31.0, 121.0, 4, "3301")};
    struct supply_arc a[3] = {arc(n, 2, 1), arc(n, 1, 0), arc(n, 3, 0)};
    struct supply_plan_result res;
    solve(n, 4, a, 3, 90, 0, &res);
    assert_true(fabs(res.level - 90) < EPS);
    assert_int_equal(res.qty[0], 90);
    assert_int_equal(res.qty[1], 80);
    assert_int_equal(res.qty[2], 10);
    double km = 90 * a[0].km + 80 * a[1].km + 10 * a[2].km;
    assert_true(fabs(res.item_km - km) < 1e-9 * km);
    supply_plan_free(&res);
}

static double rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return (double)(*x % 1000000) / 1e6;
}

/* Three ways to the same optimum on random provinces (some items short,
 * some with a route limit): CLP with every arc, CLP pricing the arcs in,
 * and the network (Newton's cuts, then the network simplex). */
static void test_pricing_equals_all_arcs(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ULL;
#define RND() rnd(&x)
    int priced = 0, short_items = 0, newton = 0;
    for (int round = 0; round < 12; round++) {
        int nn = 80;
        struct supply_node n[80];
        for (int i = 0; i < nn; i++) {
            bool depot = i < 6;
            double use = depot ? 0 : 0.5 + 20 * RND();
            double days = round % 3 == 0 ? 110 * RND() : 200 * RND();
            n[i] = node(i + 1, depot ? 3000 * RND() : floor(use * days), use, 29 + 2 * RND(),
                        119 + 2 * RND(), depot ? (i == 0 ? 2 : 6) : 0,
                        depot ? (i == 0 ? "33" : "330106") : "330106001");
        }
        struct supply_arc *a = NULL;
        int na = supply_routes(n, nn, 90, 4, &a);
        double route_max = round % 4 == 1 ? 150 : 0;
        struct supply_plan_result r1, r2, r3;
        struct crest_error e;
        crest_error_clear(&e);
        assert_int_equal(supply_plan_solve_clp(n, nn, a, na, 90, route_max, &r1, &e), CREST_OK);
        assert_int_equal(supply_plan_solve_all_arcs(n, nn, a, na, 90, route_max, &r2, &e),
                         CREST_OK);
        assert_int_equal(supply_plan_solve(n, nn, a, na, 90, route_max, &r3, &e), CREST_OK);
        assert_true(fabs(r1.level - r2.level) <= 1e-6 * fmax(1, r2.level));
        assert_true(fabs(r1.item_km - r2.item_km) <= 1e-6 * fmax(1, r2.item_km));
        assert_true(fabs(r3.level - r2.level) <= 1e-6 * fmax(1, r2.level));
        assert_true(fabs(r3.item_km - r2.item_km) <= 1e-6 * fmax(1, r2.item_km));
        assert_true(r1.cols <= r2.cols);
        priced += r1.rounds > 0;
        short_items += r2.level < 90 - EPS;
        newton += r3.iterations > 1; /* L found by more than one cut */
        /* whole units: no donor gives more than it has */
        for (int i = 0; i < nn; i++) {
            double out = 0;
            for (int k = 0; k < na; k++)
                out += a[k].from == i ? (double)r3.qty[k] : 0;
            assert_true(out <= n[i].stock + 1e-9);
        }
        supply_plan_free(&r1);
        supply_plan_free(&r2);
        supply_plan_free(&r3);
        free(a);
    }
    /* the cases exercise what they are meant to */
    assert_true(priced >= 3);
    assert_true(short_items >= 3);
    assert_true(newton >= 3);
#undef RND
}

static void test_routes(void **state)
{
    (void)state;
    /* a recipient in Xihu; its county depot (far away, still a candidate by
     * the hierarchy), another county's depot, and near hospitals with surplus */
    struct supply_node n[6] = {node(1, 0, 1, 30.0, 120.0, 0, "330106001"),
                               node(2, 500, 0, 31.0, 121.0, 6, "330106"),
                               node(3, 500, 0, 28.0, 119.0, 6, "331102"),
                               node(4, 200, 1, 30.0, 120.01, 0, "330106002"),
                               node(5, 200, 1, 30.0, 120.02, 0, "330106003"),
                               node(6, 0, 1, 30.0, 120.001, 0, "330106004")};
    struct supply_arc *a = NULL;
    int na = supply_routes(n, 6, 90, 2, &a);
    bool county = false, other = false, near4 = false, near5 = false;
    for (int i = 0; i < na; i++) {
        assert_true(a[i].from != a[i].to);
        if (a[i].to == 0) {
            county |= a[i].from == 1;
            other |= a[i].from == 2;
            near4 |= a[i].from == 3;
            near5 |= a[i].from == 4;
        }
        /* site 6 (nothing, use 1) is a recipient, never a donor */
    }
    assert_true(county);
    assert_true(near4 && near5); /* k = 2 nearest donors */
    assert_false(other);         /* not its hierarchy, not among the 2 nearest */
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_receipt_rules),
        cmocka_unit_test(test_fefo),
        cmocka_unit_test(test_dates_and_cover),
        cmocka_unit_test(test_single_deficit),
        cmocka_unit_test(test_donor_at_target_keeps_its_stock),
        cmocka_unit_test(test_max_min_shares_down),
        cmocka_unit_test(test_not_enough_stock),
        cmocka_unit_test(test_route_limit),
        cmocka_unit_test(test_whole_units_never_overdraw),
        cmocka_unit_test(test_unreachable_site_caps_level),
        cmocka_unit_test(test_no_relay),
        cmocka_unit_test(test_pricing_keeps_arcs_from_below_the_level),
        cmocka_unit_test(test_pricing_finds_cheaper_relay),
        cmocka_unit_test(test_pricing_equals_all_arcs),
        cmocka_unit_test(test_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
