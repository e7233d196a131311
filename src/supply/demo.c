/*
 * demo.c - the supply pillar's part of the demo province: a catalogue of 30
 * items named in data/FACTS.md §6 (the drugs, antigen kits, masks and devices
 * of the December 2022 peak), reserve depots for the province, every city and
 * every county, and a fortnight of ledger history for depots, hospitals and
 * some pharmacies: an opening receipt, then a week's issues twice. Stock
 * levels and daily use are generated (illustrative): most sites sit between
 * one and five months of cover, some well below the 90-day target, a few
 * batches close to expiry, so shortage, expiry and dispatch views have
 * something true to show.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/mem.h"
#include "../base/str.h"
#include "../base/util.h"
#include "../capacity/capacity.h"
#include "../demo/demo.h"
#include "supply.h"

#define SCENARIO_DATE "2022-12-28"

struct demo_item {
    const char *code, *name, *name_en, *unit, *category;
    int batched, min_shelf;
    double use; /* units a day at a secondary hospital during the peak */
    int where;  /* 1 hospitals only, 2 hospitals and pharmacies */
};

/* Names from FACTS.md §6; units and uses are illustrative. */
static const struct demo_item items[] = {
    {"paracetamol_tab", "对乙酰氨基酚片", "Paracetamol tablets", "片", "antipyretic", 1, 180, 900,
     2},
    {"ibuprofen_tab", "布洛芬片", "Ibuprofen tablets", "片", "antipyretic", 1, 180, 700, 2},
    {"ibuprofen_sr", "布洛芬缓释胶囊", "Ibuprofen SR capsules", "粒", "antipyretic", 1, 180, 400,
     2},
    {"ibuprofen_susp", "布洛芬混悬液（儿童）", "Ibuprofen suspension (children)", "瓶",
     "antipyretic", 1, 180, 40, 2},
    {"diclofenac", "双氯芬酸钠片", "Diclofenac tablets", "片", "antipyretic", 1, 180, 150, 2},
    {"loxoprofen", "洛索洛芬钠片", "Loxoprofen tablets", "片", "antipyretic", 1, 180, 150, 2},
    {"ambroxol", "氨溴索片", "Ambroxol tablets", "片", "symptomatic", 1, 180, 300, 2},
    {"acetylcysteine", "乙酰半胱氨酸颗粒", "Acetylcysteine granules", "袋", "symptomatic", 1, 180,
     200, 2},
    {"dextromethorphan", "右美沙芬片", "Dextromethorphan tablets", "片", "symptomatic", 1, 180, 200,
     2},
    {"loratadine", "氯雷他定片", "Loratadine tablets", "片", "symptomatic", 1, 180, 100, 2},
    {"lianhua_caps", "连花清瘟胶囊", "Lianhua Qingwen capsules", "粒", "tcm", 1, 180, 600, 2},
    {"lianhua_gran", "连花清瘟颗粒", "Lianhua Qingwen granules", "袋", "tcm", 1, 180, 200, 2},
    {"shufeng_jiedu", "疏风解毒胶囊", "Shufeng Jiedu capsules", "粒", "tcm", 1, 180, 300, 2},
    {"jinhua_qinggan", "金花清感颗粒", "Jinhua Qinggan granules", "袋", "tcm", 1, 180, 150, 2},
    {"qingfei_paidu", "清肺排毒颗粒", "Qingfei Paidu granules", "袋", "tcm", 1, 180, 120, 1},
    {"xuanfei_baidu", "宣肺败毒颗粒", "Xuanfei Baidu granules", "袋", "tcm", 1, 180, 100, 1},
    {"ganmao_qingre", "感冒清热颗粒", "Ganmao Qingre granules", "袋", "tcm", 1, 180, 150, 2},
    {"shuanghuanglian", "双黄连口服液", "Shuanghuanglian oral liquid", "支", "tcm", 1, 180, 150, 2},
    {"xiaochaihu", "小柴胡颗粒", "Xiaochaihu granules", "袋", "tcm", 1, 180, 150, 2},
    {"huoxiang", "藿香正气口服液", "Huoxiang Zhengqi oral liquid", "支", "tcm", 1, 180, 100, 2},
    {"jizhi_syrup", "急支糖浆", "Jizhi syrup", "瓶", "tcm", 1, 180, 50, 2},
    {"paxlovid", "奈玛特韦片/利托那韦片", "Nirmatrelvir/ritonavir (Paxlovid)", "盒", "antiviral", 1,
     90, 4, 1},
    {"azvudine", "阿兹夫定片", "Azvudine tablets", "瓶", "antiviral", 1, 90, 6, 1},
    {"antigen_orient", "新冠抗原检测试剂（东方生物）", "Antigen test kit (Orient Gene)", "人份",
     "antigen_test", 1, 90, 500, 2},
    {"antigen_acon", "新冠抗原检测试剂（艾康生物）", "Antigen test kit (ACON)", "人份",
     "antigen_test", 1, 90, 400, 2},
    {"n95", "N95 口罩", "N95 masks", "只", "mask", 1, 0, 800, 2},
    {"surgical_mask", "医用外科口罩", "Surgical masks", "只", "mask", 1, 0, 1500, 2},
    {"oximeter", "指夹式脉搏血氧仪", "Pulse oximeters", "台", "oximeter", 0, 0, 3, 2},
    {"oxygen_conc", "制氧机", "Oxygen concentrators", "台", "oxygen_concentrator", 0, 0, 1, 1},
    {"ventilator", "呼吸机", "Ventilators", "台", "ventilator", 0, 0, 0.2, 1},
};
#define NITEMS (int)(sizeof items / sizeof items[0])

struct dsite {
    int64_t id;
    char region[16];
    int depot;     /* 2/4/6 */
    double weight; /* demand weight; 0 for a depot */
    bool pharmacy;
};

struct gen {
    struct db_conn *c;
    struct crest_error *err;
    struct demo_rng rng;
    int64_t moves;
};

static double unif(struct gen *g)
{
    return demo_uniform(&g->rng);
}

static int post(struct gen *g, const struct dsite *s, int64_t item, int64_t batch,
                enum supply_kind k, int64_t qty, const char *date)
{
    if (qty == 0)
        return CREST_OK;
    g->moves++;
    /* straight into the ledger; the balances are summed from it once at the
     * end (supply_post would upsert a balance per row: twice the work) */
    return db_exec(g->c, g->err, NULL,
                   "INSERT INTO supply_movements (site_id, region, item_id, batch_id, kind, qty, "
                   "date, at_ms, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
                   "isiisisi", s->id, s->region, item, batch, supply_kind_name(k), qty, date,
                   util_now_ms());
}

/* A depot where the facility registry has none: placed at the mean position
 * of the facilities of its region. */
static int add_depot(struct gen *g, const char *code, const char *name, struct dsite *out)
{
    char upper[20];
    capacity_prefix_upper(code, upper);
    double lat = 29.2, lon = 120.2;
    struct db_stmt *st =
        db_query(g->c, g->err,
                 "SELECT avg(lat), avg(lon), count(*) FROM facilities WHERE region >= ? AND "
                 "region < ? AND lat IS NOT NULL",
                 "ss", code, upper);
    if (!st)
        return g->err->code;
    if (db_step(st, g->err) == 1 && db_col_int(st, 2) > 0) {
        lat = db_col_double(st, 0);
        lon = db_col_double(st, 1);
    }
    db_finalize(st);
    struct cap_facility f;
    memset(&f, 0, sizeof f);
    f.facts.kind = CAP_DEPOT;
    str_copy(f.region, sizeof f.region, code);
    snprintf(f.name, sizeof f.name, "%s医药物资储备库", name);
    f.has_geo = true;
    f.lat = lat + (unif(g) - 0.5) * 0.04;
    f.lon = lon + (unif(g) - 0.5) * 0.04;
    int rc = capacity_facility_insert(g->c, &f, g->err);
    out->id = f.id;
    str_copy(out->region, sizeof out->region, code);
    out->depot = (int)strlen(code);
    out->weight = 0;
    out->pharmacy = false;
    return rc;
}

int supply_demo(struct db_conn *c, double scale, uint64_t seed, int64_t *nsites, int64_t *nmoves,
                struct crest_error *err)
{
    struct gen g = {c, err, {seed ^ 0x5499ull}, 0};
    (void)scale; /* the site count follows the registry, which follows scale */
    int rc = CREST_OK;
    const char *wipe[] = {"DELETE FROM supply_shipment_batches", "DELETE FROM supply_shipments",
                          "DELETE FROM supply_plan_lines",       "DELETE FROM supply_plans",
                          "DELETE FROM supply_movements",        "DELETE FROM supply_balances",
                          "DELETE FROM supply_batches",          "DELETE FROM supply_items"};
    for (size_t i = 0; i < sizeof wipe / sizeof wipe[0] && !rc; i++)
        rc = db_exec(c, err, NULL, wipe[i], NULL);
    if (rc)
        return rc;
    /* the catalogue and three lots per batched item: one short-dated */
    int64_t item_id[NITEMS], lot[NITEMS][3];
    char d_short[11], d_mid[11], d_long[11], opened[11], week[11];
    supply_date_add(SCENARIO_DATE, 35, d_short);
    supply_date_add(SCENARIO_DATE, 400, d_mid);
    supply_date_add(SCENARIO_DATE, 700, d_long);
    supply_date_add(SCENARIO_DATE, -20, opened);
    supply_date_add(SCENARIO_DATE, -7, week);
    for (int i = 0; i < NITEMS && !rc; i++) {
        const struct demo_item *it = &items[i];
        struct db_stmt *st =
            db_query(c, err,
                     "INSERT INTO supply_items (code, name, name_en, unit, category, batched, "
                     "min_shelf_days, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                     "sssssiii", it->code, it->name, it->name_en, it->unit, it->category,
                     (int64_t)it->batched, (int64_t)it->min_shelf, util_now_ms());
        if (!st)
            return err->code;
        rc = db_step(st, err) == 1 ? CREST_OK : err->code;
        item_id[i] = db_col_int(st, 0);
        db_finalize(st);
        const char *exp[3] = {d_short, d_mid, d_long};
        for (int k = 0; k < 3 && !rc; k++) {
            lot[i][k] = 0;
            if (!it->batched)
                continue;
            char name[32];
            snprintf(name, sizeof name, "L22%02d%04d", 10 + k, (int)(demo_rand(&g.rng) % 10000));
            st = db_query(c, err,
                          "INSERT INTO supply_batches (item_id, batch, expiry, created_ms) VALUES "
                          "(?, ?, ?, ?) RETURNING id",
                          "issi", item_id[i], name, exp[k], util_now_ms());
            if (!st)
                return err->code;
            rc = db_step(st, err) == 1 ? CREST_OK : err->code;
            lot[i][k] = db_col_int(st, 0);
            db_finalize(st);
        }
    }
    if (rc)
        return rc;
    /* sites: depots (province, cities, counties) and the registry's hospitals
     * and one pharmacy in twelve (always the first in Xihu, for the demo's
     * pharmacy login) */
    struct dsite *s = NULL;
    int ns = 0, cap = 0;
    struct db_stmt *st = db_query(
        c, err,
        "SELECT code, name, level FROM regions WHERE level IN ('province', 'city', 'county') "
        "ORDER BY code",
        NULL);
    if (!st)
        return err->code;
    struct {
        char code[16], name[128];
    } *regs = NULL;
    int nr = 0;
    while ((rc = db_step(st, err)) == 1) {
        regs = xrealloc(regs, (size_t)(nr + 1) * sizeof *regs);
        str_copy(regs[nr].code, sizeof regs[nr].code, db_col_text(st, 0));
        str_copy(regs[nr].name, sizeof regs[nr].name, db_col_text(st, 1));
        nr++;
    }
    db_finalize(st);
    rc = rc < 0 ? err->code : CREST_OK;
    for (int i = 0; i < nr && !rc; i++) {
        if (ns == cap) {
            cap = cap ? cap * 2 : 256;
            s = xrealloc(s, (size_t)cap * sizeof *s);
        }
        rc = add_depot(&g, regs[i].code, regs[i].name, &s[ns]);
        ns++;
    }
    free(regs);
    int64_t xihu_pharmacy = 0;
    if (!rc) {
        st = db_query(c, err,
                      "SELECT id, region, kind, level FROM facilities WHERE kind IN ('hospital', "
                      "'pharmacy') AND active = 1 ORDER BY id",
                      NULL);
        if (!st) {
            free(s);
            return err->code;
        }
        while ((rc = db_step(st, err)) == 1) {
            const char *kind = db_col_text(st, 2), *level = db_col_text(st, 3);
            const char *region = db_col_text(st, 1);
            bool pharmacy = !strcmp(kind, "pharmacy");
            bool first_xihu = pharmacy && !xihu_pharmacy && !strncmp(region, "330106", 6);
            double u = unif(&g);
            if (pharmacy && !first_xihu && u > 1.0 / 12)
                continue;
            if (ns == cap) {
                cap = cap ? cap * 2 : 256;
                s = xrealloc(s, (size_t)cap * sizeof *s);
            }
            struct dsite *x = &s[ns++];
            x->id = db_col_int(st, 0);
            str_copy(x->region, sizeof x->region, region);
            x->depot = 0;
            x->weight = pharmacy                      ? 0.3
                        : !strcmp(level, "tertiary")  ? 3.0
                        : !strcmp(level, "secondary") ? 1.0
                                                      : 0.25;
            x->pharmacy = pharmacy;
            if (first_xihu)
                xihu_pharmacy = x->id;
        }
        db_finalize(st);
        rc = rc < 0 ? err->code : CREST_OK;
    }
    /* stock and history, item by item: first the sites that use it, then
     * each depot with some days of the use of the region it serves. A few
     * items are scarce (their depots hold a fifth as much), so the plan
     * cannot lift everyone to the target for them. */
    double *region_use = xcalloc((size_t)ns + 1, sizeof *region_use);
    for (int i = 0; i < NITEMS && !rc; i++) {
        const struct demo_item *it = &items[i];
        bool scarce = i % 6 == 3;
        memset(region_use, 0, (size_t)ns * sizeof *region_use);
        for (int k = 0; k < ns && !rc; k++) {
            struct dsite *x = &s[k];
            double w = x->weight;
            if (x->depot || w == 0 || (it->where == 1 && x->pharmacy))
                continue;
            int64_t batch = it->batched ? lot[i][unif(&g) < 0.12 ? 0 : unif(&g) < 0.5 ? 1 : 2] : 0;
            double use = it->use * w * (0.6 + 0.8 * unif(&g));
            int64_t wk = (int64_t)llround(use * 7);
            if (wk < 1)
                wk = unif(&g) < use * 7 ? 1 : 0;
            for (int d = 0; d < ns; d++) /* the depots serving it (they come first) */
                if (s[d].depot && !strncmp(s[d].region, x->region, (size_t)s[d].depot))
                    region_use[d] += (double)wk / 7;
            /* days of cover: mostly 20..150, one site in six short (3..20) */
            double r = unif(&g);
            double cover = r < 0.17 ? 3 + 17 * unif(&g) : 20 + 130 * unif(&g);
            int64_t end = (int64_t)llround(use * cover);
            rc = post(&g, x, item_id[i], batch, SUP_RECEIPT, end + 2 * wk, opened);
            if (!rc)
                rc = post(&g, x, item_id[i], batch, SUP_ISSUE, -wk, week);
            if (!rc)
                rc = post(&g, x, item_id[i], batch, SUP_ISSUE, -wk, SCENARIO_DATE);
        }
        for (int k = 0; k < ns && !rc; k++) {
            struct dsite *x = &s[k];
            if (!x->depot)
                continue;
            /* the province's depot holds ~30 days of the province's use, a
             * city's ~15 of its city's, a county's ~6 (one in seven nearly
             * empty) */
            double days = x->depot == 2 ? 30 : x->depot == 4 ? 15 : 6;
            double r = unif(&g);
            double stock = region_use[k] * days * (r < 0.15 ? 0.15 : 0.5 + r) * (scarce ? 0.2 : 1);
            int64_t batch = it->batched ? lot[i][unif(&g) < 0.12 ? 0 : unif(&g) < 0.5 ? 1 : 2] : 0;
            rc = post(&g, x, item_id[i], batch, SUP_RECEIPT, (int64_t)llround(stock), opened);
        }
    }
    free(region_use);
    if (!rc)
        rc = db_exec(c, err, NULL,
                     "INSERT INTO supply_balances (site_id, item_id, batch_id, region, qty) "
                     "SELECT site_id, item_id, batch_id, min(region), sum(qty) FROM "
                     "supply_movements GROUP BY site_id, item_id, batch_id",
                     NULL);
    if (!rc && xihu_pharmacy)
        rc = db_exec(c, err, NULL, "UPDATE users SET facility_id = ? WHERE username = 'pharmacy'",
                     "i", xihu_pharmacy);
    *nsites = ns;
    *nmoves = g.moves;
    free(s);
    return rc;
}
