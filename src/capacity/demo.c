/*
 * demo.c - the capacity pillar's part of the demo province: facilities of
 * every kind and a year of daily hospital reports rising into the December
 * 2022 peak, calibrated on data/zj_city_health_estimates.csv (hospitals and
 * designated + sub-designated beds per city, ESTIMATES there) so that at
 * --scale 1 there are about 1,500 hospitals and the designated beds land near
 * the 101,082 reported on 24 Dec 2022. Names, sizes, coordinates and reports
 * are generated: illustrative, and labelled so by the UI.
 *
 * Some hospitals stay short of each target and a few stop reporting, so the
 * compliance views have something true to show.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/mem.h"
#include "../base/str.h"
#include "../base/util.h"
#include "../demo/demo.h"
#include "capacity.h"

#define SCENARIO_DATE "2022-12-28"
#define YEAR_START "2022-01-01"

struct city {
    const char *code;
    double lat, lon;     /* approximate city centre (public geography) */
    int hospitals;       /* hospitals_2022_EST */
    int designated_beds; /* designated_subdesignated_beds_dec2022_EST */
};

/* From data/zj_city_health_estimates.csv (ESTIMATE columns) and the cities'
 * public centre coordinates. */
static const struct city cities[] = {
    {"3301", 30.27, 120.16, 390, 18686}, {"3302", 29.87, 121.54, 198, 14723},
    {"3303", 28.00, 120.70, 202, 14987}, {"3304", 30.75, 120.76, 114, 8455},
    {"3305", 30.87, 120.09, 71, 5272},   {"3306", 30.00, 120.58, 111, 8252},
    {"3307", 29.08, 119.65, 149, 11038}, {"3308", 28.94, 118.87, 48, 3563},
    {"3309", 30.00, 122.21, 24, 1813},   {"3310", 28.66, 121.42, 140, 10368},
    {"3311", 28.45, 119.92, 53, 3925},
};

struct town {
    char code[16], name[128], county_name[128], kind[24];
    int64_t pop;
};

struct gen {
    struct db_conn *c;
    struct crest_error *err;
    struct demo_rng rng;
    double scale;
    struct town *towns;
    int ntowns;
    int64_t facilities, reports;
};

static double unif(struct gen *g)
{
    return demo_uniform(&g->rng);
}
static int pick(struct gen *g, int n)
{
    return (int)(unif(g) * n) % (n ? n : 1);
}

static int load_towns(struct gen *g, const char *city)
{
    char upper[20];
    capacity_prefix_upper(city, upper);
    struct db_stmt *st = db_query(
        g->c, g->err,
        "SELECT t.code, t.name, c.name, coalesce(t.kind, ''), coalesce(t.population, 0) FROM "
        "regions t JOIN regions c ON c.code = t.parent WHERE t.level = 'township' AND t.code >= ? "
        "AND t.code < ? ORDER BY t.code",
        "ss", city, upper);
    if (!st)
        return g->err->code;
    g->ntowns = 0;
    int rc;
    while ((rc = db_step(st, g->err)) == 1) {
        g->towns = xrealloc(g->towns, (size_t)(g->ntowns + 1) * sizeof *g->towns);
        struct town *t = &g->towns[g->ntowns++];
        str_copy(t->code, sizeof t->code, db_col_text(st, 0));
        str_copy(t->name, sizeof t->name, db_col_text(st, 1));
        str_copy(t->county_name, sizeof t->county_name, db_col_text(st, 2));
        str_copy(t->kind, sizeof t->kind, db_col_text(st, 3));
        t->pop = db_col_int(st, 4);
    }
    db_finalize(st);
    return rc < 0 ? g->err->code : CREST_OK;
}

/* A township chosen in proportion to its population: hospitals sit where
 * people live. */
static const struct town *town_by_pop(struct gen *g)
{
    int64_t total = 0;
    for (int i = 0; i < g->ntowns; i++)
        total += g->towns[i].pop + 1;
    int64_t x = (int64_t)(unif(g) * (double)total);
    for (int i = 0; i < g->ntowns; i++) {
        x -= g->towns[i].pop + 1;
        if (x < 0)
            return &g->towns[i];
    }
    return &g->towns[g->ntowns - 1];
}

static int insert(struct gen *g, struct cap_facility *f, const struct city *cy)
{
    f->has_geo = true;
    f->lat = cy->lat + (unif(g) - 0.5) * 0.5;
    f->lon = cy->lon + (unif(g) - 0.5) * 0.5;
    str_copy(f->opened, sizeof f->opened, "2005-01-01");
    g->facilities++;
    return capacity_facility_insert(g->c, f, g->err);
}

/* ---- hospitals ---- */

struct hosp {
    int64_t id;
    char region[16];
    enum cap_level level;
    enum cap_category cat;
    enum cap_role role;
    int64_t beds;
    double icu_start, icu_end, conv_end; /* ICU share before and after the push */
    bool short_icu, no_24h, stops;
    int stop_days;
};

static const char *const tert_names[] = {"第一人民医院", "第二人民医院", "中心医院",
                                         "人民医院",     "第三人民医院", "第四人民医院"};

static int gen_hospitals(struct gen *g, const struct city *cy, struct hosp **out, int *nout,
                         bool want_xihu)
{
    int n = (int)lround(cy->hospitals * g->scale);
    if (n < 3)
        n = 3;
    struct hosp *hs = xcalloc((size_t)n, sizeof *hs);
    char **names = xcalloc((size_t)n, sizeof *names);
    /* ~9 % tertiary, ~30 % secondary, the rest primary */
    int ntert = n * 9 / 100 > 1 ? n * 9 / 100 : 1, nsec = n * 30 / 100 > 1 ? n * 30 / 100 : 1;
    int64_t designated_target = (int64_t)lround(cy->designated_beds * g->scale), designated = 0;
    for (int i = 0; i < n; i++) {
        struct hosp *h = &hs[i];
        struct cap_facility f;
        memset(&f, 0, sizeof f);
        const struct town *t = town_by_pop(g);
        if (want_xihu && i == 0) {
            /* the demo hospital login's facility: a tertiary general hospital in Xihu */
            for (int k = 0; k < g->ntowns; k++)
                if (strncmp(g->towns[k].code, "330106", 6) == 0) {
                    t = &g->towns[k];
                    break;
                }
        }
        f.facts.kind = CAP_HOSPITAL;
        double u = unif(g);
        if (i < ntert) {
            h->level = CAP_TERTIARY;
            h->cat = u < 0.62 ? CAP_GENERAL : u < 0.82 ? CAP_TCM : CAP_SPECIALTY;
            if (i == 0)
                h->cat = CAP_GENERAL;
            h->beds = 700 + (int64_t)(unif(g) * 1800);
            const char *suffix = h->cat == CAP_TCM         ? "中医院"
                                 : h->cat == CAP_SPECIALTY ? (u < 0.9 ? "妇幼保健院" : "肿瘤医院")
                                                           : tert_names[i % 6];
            snprintf(f.name, sizeof f.name, "%s%s", t->county_name, suffix);
        } else if (i < ntert + nsec) {
            h->level = CAP_SECONDARY;
            h->cat = u < 0.6 ? CAP_GENERAL : u < 0.85 ? CAP_TCM : CAP_SPECIALTY;
            h->beds = 150 + (int64_t)(unif(g) * 500);
            snprintf(f.name, sizeof f.name, "%s%s", t->name,
                     h->cat == CAP_TCM         ? "中医院"
                     : h->cat == CAP_SPECIALTY ? "专科医院"
                                               : "医院");
        } else {
            h->level = CAP_PRIMARY;
            h->cat = u < 0.7 ? CAP_GENERAL : u < 0.9 ? CAP_TCM : CAP_SPECIALTY;
            h->beds = 20 + (int64_t)(unif(g) * 100);
            snprintf(f.name, sizeof f.name, "%s%s", t->name,
                     !strcmp(t->kind, "subdistrict") ? "社区卫生服务中心" : "卫生院");
        }
        /* designated first (tertiary general), then sub-designated (secondary
         * general), until the city's share of the 101,082 beds is reached */
        h->role = CAP_ROLE_NONE;
        int64_t peak_beds = h->beds * 108 / 100; /* beds grow 8 % in the December push */
        if (designated + peak_beds / 2 < designated_target && h->cat == CAP_GENERAL &&
            h->level >= CAP_SECONDARY) {
            h->role = h->level == CAP_TERTIARY ? CAP_DESIGNATED : CAP_SUB_DESIGNATED;
            designated += peak_beds;
        }
        f.facts.level = h->level;
        f.facts.category = h->cat;
        f.facts.role = h->role;
        /* a second hospital of the same name in a street is another campus */
        for (int k = 0; k < i; k++)
            if (!strcmp(names[k], f.name)) {
                char tmp[300];
                snprintf(tmp, sizeof tmp, "%.200s（第%d院区）", f.name, i);
                str_copy(f.name, sizeof f.name, tmp);
                break;
            }
        names[i] = xstrdup(f.name);
        str_copy(f.region, sizeof f.region, t->code);
        snprintf(f.address, sizeof f.address, "%s%s", t->county_name, t->name);
        snprintf(f.phone, sizeof f.phone, "0571-%08d", 80000000 + pick(g, 9999999));
        int rc = insert(g, &f, cy);
        if (rc) {
            for (int k = 0; k <= i; k++)
                free(names[k]);
            free(names);
            free(hs);
            return rc;
        }
        h->id = f.id;
        str_copy(h->region, sizeof h->region, f.region);
        h->icu_start = 0.015 + unif(g) * 0.02;
        h->short_icu = unif(g) < 0.15; /* some tertiary hospitals stay short */
        h->icu_end = h->short_icu ? 0.025 + unif(g) * 0.012 : 0.042 + unif(g) * 0.05;
        h->conv_end = unif(g) < 0.12 ? 0.02 + unif(g) * 0.015 : 0.041 + unif(g) * 0.03;
        h->no_24h = unif(g) < 0.08;
        h->stops = unif(g) < 0.03 && !(want_xihu && i == 0);
        h->stop_days = 3 + pick(g, 10);
    }
    for (int k = 0; k < n; k++)
        free(names[k]);
    free(names);
    *out = hs;
    *nout = n;
    return CREST_OK;
}

/* Epidemic curve: 1 in ordinary times, rising from early December to a peak
 * around New Year (FACTS.md: fever-clinic visits ≈ 14× normal at the peak). */
static double wave(int64_t day_of_year)
{
    double peak = 362, x = (double)day_of_year - peak;
    return 1.0 + 13.0 * exp(-(x * x) / (2 * 9.0 * 9.0)) * (day_of_year < 330 ? 0.2 : 1.0);
}

static int gen_reports(struct gen *g, struct hosp *hs, int n, int64_t days)
{
    for (int i = 0; i < n; i++) {
        struct hosp *h = &hs[i];
        /* weekly until October, daily from then on (daily reporting was
         * required through the autumn wave and the December peak) */
        for (int64_t d = 0; d <= days; d++) {
            if (h->stops && d > days - h->stop_days)
                break;
            if (d < 273 && d % 7 != 0)
                continue;
            int64_t y = d; /* 2022-01-01 + d */
            struct cap_report r;
            memset(&r, 0, sizeof r);
            int64_t yy = 2022, mm = 1, dd = 1 + y;
            static const int ml[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            while (mm <= 12 && dd > ml[mm - 1]) {
                dd -= ml[mm - 1];
                mm++;
            }
            snprintf(r.date, sizeof r.date, "%04d-%02d-%02d", (int)yy, (int)mm, (int)dd);
            double w = wave(y);
            /* the December push: beds and ICU grow from 1 Dec to 25 Dec */
            double push = y < 334 ? 0 : y > 358 ? 1 : (double)(y - 334) / 24.0;
            r.open_beds = h->beds + (int64_t)(h->beds * 0.08 * push);
            double occ = 0.72 + 0.05 * unif(g) + 0.2 * (w - 1) / 13.0;
            r.occupied_beds = (int64_t)(r.open_beds * (occ > 0.99 ? 0.99 : occ));
            if (h->level == CAP_TERTIARY) {
                double icu = h->icu_start + (h->icu_end - h->icu_start) * push;
                r.icu_beds = (int64_t)(r.open_beds * icu);
                r.icu_convertible = (int64_t)(r.open_beds * h->conv_end * push);
            } else if (h->level == CAP_SECONDARY) {
                r.icu_beds = (int64_t)(r.open_beds * 0.02);
            }
            double iocc = 0.6 + 0.35 * (w - 1) / 13.0;
            r.icu_occupied = (int64_t)(r.icu_beds * (iocc > 0.98 ? 0.98 : iocc));
            if (r.icu_occupied > r.occupied_beds)
                r.icu_occupied = r.occupied_beds;
            r.fever_clinic = h->level >= CAP_SECONDARY || (h->level == CAP_PRIMARY && y > 340);
            r.fever_24h = r.fever_clinic && h->level >= CAP_SECONDARY && !(h->no_24h && y > 300) &&
                          (y > 345 || unif(g) < 0.6);
            r.fever_visits =
                r.fever_clinic ? (int64_t)((h->beds / 12.0) * w * (0.8 + 0.4 * unif(g))) : 0;
            r.ventilators = h->level == CAP_TERTIARY ? r.icu_beds / 2 + (int64_t)(push * 10) : 0;
            int rc =
                db_exec(g->c, g->err, NULL,
                        "INSERT INTO capacity_reports (facility_id, region, date, open_beds, "
                        "occupied_beds, icu_beds, icu_occupied, icu_convertible, "
                        "fever_clinic, fever_24h, fever_visits, ventilators, version, "
                        "superseded, reported_by, reported_ms) VALUES (?, ?, ?, ?, ?, ?, ?, "
                        "?, ?, ?, ?, ?, 1, 0, 0, ?)",
                        "issiiiiiiiiii", h->id, h->region, r.date, r.open_beds, r.occupied_beds,
                        r.icu_beds, r.icu_occupied, r.icu_convertible, (int64_t)r.fever_clinic,
                        (int64_t)r.fever_24h, r.fever_visits, r.ventilators, util_now_ms());
            if (rc)
                return rc;
            g->reports++;
        }
    }
    return CREST_OK;
}

/* ---- other facilities ---- */

static int gen_others(struct gen *g, const struct city *cy)
{
    static const struct {
        enum cap_kind kind;
        double per_town; /* at scale 1 */
        const char *suffix;
    } kinds[] = {
        {CAP_FEVER_ROOM_TOWNSHIP, 1.0, "卫生院发热诊室"},
        {CAP_FEVER_ROOM_COMMUNITY, 3.0, "村(社区)发热诊室"},
        {CAP_VACCINATION_POINT, 1.2, "新冠疫苗接种点"},
        {CAP_PHARMACY, 4.0, "大药房"},
        {CAP_NURSING_HOME, 1.5, "养老院"},
        {CAP_WELFARE_HOME, 0.15, "社会福利院"},
        {CAP_SCHOOL, 3.0, "中心小学"},
        {CAP_KINDERGARTEN, 3.0, "幼儿园"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int n = (int)lround(kinds[k].per_town * g->ntowns * g->scale);
        if (n < 1)
            n = 1;
        int *count = xcalloc((size_t)g->ntowns, sizeof *count);
        for (int i = 0; i < n; i++) {
            const struct town *t = town_by_pop(g);
            struct cap_facility f;
            memset(&f, 0, sizeof f);
            f.facts.kind = kinds[k].kind;
            /* the second kindergarten of a street is 第2…, so names stay unique */
            int nth = ++count[t - g->towns];
            if (nth == 1)
                snprintf(f.name, sizeof f.name, "%s%s", t->name, kinds[k].suffix);
            else
                snprintf(f.name, sizeof f.name, "%s第%d%s", t->name, nth, kinds[k].suffix);
            str_copy(f.region, sizeof f.region, t->code);
            snprintf(f.address, sizeof f.address, "%s%s", t->county_name, t->name);
            int rc = insert(g, &f, cy);
            if (rc) {
                free(count);
                return rc;
            }
        }
        free(count);
    }
    return CREST_OK;
}

int capacity_demo(struct db_conn *c, double scale, uint64_t seed, int64_t *nfac, int64_t *nrep,
                  struct crest_error *err)
{
    struct gen g = {c, err, {seed ^ 0xcafe}, scale, NULL, 0, 0, 0};
    /* refresh: the demo's facilities and reports are rebuilt from the seed */
    int rc = db_exec(c, err, NULL, "UPDATE users SET facility_id = NULL", NULL);
    if (!rc)
        rc = db_exec(c, err, NULL, "DELETE FROM capacity_latest", NULL);
    if (!rc)
        rc = db_exec(c, err, NULL, "DELETE FROM capacity_reports", NULL);
    if (!rc)
        rc = db_exec(c, err, NULL, "DELETE FROM facilities", NULL);
    int64_t days = 0;
    capacity_days_between(YEAR_START, SCENARIO_DATE, &days);
    int64_t xihu_hospital = 0;
    for (size_t i = 0; i < sizeof cities / sizeof cities[0] && !rc; i++) {
        rc = load_towns(&g, cities[i].code);
        if (rc || g.ntowns == 0)
            continue;
        struct hosp *hs = NULL;
        int n = 0;
        bool hz = strcmp(cities[i].code, "3301") == 0;
        rc = gen_hospitals(&g, &cities[i], &hs, &n, hz);
        if (!rc && hz)
            xihu_hospital = hs[0].id;
        if (!rc)
            rc = gen_reports(&g, hs, n, days);
        if (!rc)
            rc = gen_others(&g, &cities[i]);
        free(hs);
    }
    free(g.towns);
    if (!rc) /* the reports went in directly: bring capacity_latest up to date once */
        rc = db_exec(c, err, NULL,
                     "INSERT INTO capacity_latest SELECT r.facility_id, r.id, r.date, r.open_beds, "
                     "r.occupied_beds, r.icu_beds, r.icu_occupied, r.icu_convertible, "
                     "r.fever_clinic, r.fever_24h, r.fever_visits, r.ventilators FROM "
                     "capacity_reports r WHERE r.superseded = 0 AND r.date = (SELECT max(x.date) "
                     "FROM capacity_reports x WHERE x.facility_id = r.facility_id AND "
                     "x.superseded = 0)",
                     NULL);
    if (!rc && xihu_hospital)
        rc = db_exec(c, err, NULL, "UPDATE users SET facility_id = ? WHERE username = 'hospital'",
                     "i", xihu_hospital);
    if (!rc)
        rc = db_exec(c, err, NULL,
                     "INSERT INTO settings (key, value) VALUES ('scenario_date', ?) ON CONFLICT "
                     "(key) DO UPDATE SET value = excluded.value",
                     "s", SCENARIO_DATE);
    *nfac = g.facilities;
    *nrep = g.reports;
    return rc;
}
