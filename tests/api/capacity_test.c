/*
 * capacity_test.c - the capacity pillar's HTTP API (issue 4, docs/api.md
 * "Capacity") against a live `crest serve`: the facility registry (CRUD,
 * scope, paging, validation), daily reports (validation, corrections with
 * If-Match, concurrent corrections), compliance with the seed's targets
 * (exact figures for hospitals made here, and a brute-force recomputation
 * from the reports read back through the API), the time series, the FHIR
 * MeasureReport, the gap list as CSV/XLSX, and bulk import/export.
 *
 * Every rejected request is followed by a check that nothing was written.
 * No wall-clock time is asserted.
 *
 * tests/api/run.sh prepares the database (the demo at --scale 0.01, whose
 * scenario date is 2022-12-28; the api-ROLE users; api-hospital bound to the
 * demo `hospital` login's facility) and runs this after api_test against the
 * same server. Environment:
 *   CREST_URL      http://127.0.0.1:PORT of the server under test
 *   API_PASSWORD   the password of every api-* user
 * Output: one line per failing case, then "N passed, N failed". Exit status 1
 * when any case failed, 2 on bad usage.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>
#include <xlsxwriter.h>

#include "client.h"

#define SCENARIO "2022-12-28" /* the demo's business date (settings.scenario_date) */

/* ---- who is asking ---- */

static struct who admin = {.name = "api-admin"}, commander = {.name = "api-commander"},
                  hospital = {.name = "api-hospital"};

static char password[256];

/* ---- small helpers ---- */

/* Upload a file body (import) as u. ctype NULL: none. */
static void upload(struct resp *r, struct who *u, const char *path, const char *data, size_t n,
                   const char *ctype)
{
    char ct[160];
    snprintf(ct, sizeof ct, "Content-Type: %s", ctype ? ctype : "text/csv");
    if (n == 0) /* http_full treats 0 as strlen: an empty body is "" */
        data = "";
    http_full(r, "POST", path, data, n, 0, H(u->bearer, "Accept-Language: en", ct));
}

/* The error entry for `field` in a problem (or an import row's errors). */
static json_t *field_error(json_t *errs, const char *field)
{
    size_t i;
    json_t *e;
    json_array_foreach(errs, i, e)
    {
        const char *f = jstr(e, "field");
        if (f && !strcmp(f, field))
            return e;
    }
    return NULL;
}

/* 422 naming field, and (code non-NULL) with that error code. */
static bool exp_invalid(const struct resp *r, const char *field, const char *code)
{
    if (!exp_problem(r, 422, field, NULL))
        return false;
    json_t *e = field_error(json_object_get(r->json, "errors"), field);
    if (code && (!jstr(e, "code") || strcmp(jstr(e, "code"), code) != 0)) {
        fail("expected error code '%s' on '%s', got %s", code, field, snip(r));
        return false;
    }
    if (!jstr(e, "message") || !jstr(e, "message")[0]) {
        fail("expected a message on '%s', got %s", field, snip(r));
        return false;
    }
    return true;
}

static bool exp_etag(const struct resp *r, int64_t version)
{
    char want[32];
    snprintf(want, sizeof want, "\"%lld\"", (long long)version);
    char got[64];
    if (header(r, "ETag", got, sizeof got) && !strcmp(got, want))
        return true;
    fail("expected ETag %s, got '%s'", want, got);
    return false;
}

static bool exp_int(json_t *o, const char *key, int64_t want, const char *what)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v) && json_integer_value(v) == want)
        return true;
    fail("%s: expected %s = %lld, got %s", what, key, (long long)want, jshow(v));
    return false;
}

/* ---- dates (proleptic Gregorian day numbers, Howard Hinnant's algorithms) ---- */

static int64_t day_of(const char *s)
{
    char *e;
    long y = strtol(s, &e, 10), m = strtol(s + 5, &e, 10), d = strtol(s + 8, &e, 10);
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)era * 146097 + doe;
}

static void date_of(int64_t z, char out[24])
{
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(out, 24, "%04d-%02d-%02d", (int)(y % 10000), (int)(m % 100), (int)(d % 100));
}

/* ---- facilities ---- */

/* A facility body: a pharmacy unless kind says otherwise; hospitals get a
 * level (and a category when tertiary). Extra fields via json_object_set. */
static json_t *fac_body(const char *region, const char *kind, const char *name)
{
    return json_pack("{s:s, s:s, s:s}", "region", region, "kind", kind, "name", name);
}

static json_t *hosp_body(const char *region, const char *name, const char *level,
                         const char *category, const char *role, const char *opened)
{
    json_t *b = fac_body(region, "hospital", name);
    json_object_set_new(b, "level", json_string(level));
    if (category)
        json_object_set_new(b, "category", json_string(category));
    json_object_set_new(b, "role", json_string(role));
    if (opened)
        json_object_set_new(b, "opened", json_string(opened));
    return b;
}

/* POST a facility; its id, or 0 after recording a failure. */
static int64_t fac_create(struct who *u, json_t *body)
{
    struct resp r;
    callj(&r, u, "POST", "/api/v1/facilities", body, NULL);
    int64_t id = 0;
    if (exp_status(&r, 201))
        id = jint(r.json, "id");
    if (r.status == 201 && id <= 0)
        fail("create: no id in %s", snip(&r));
    resp_free(&r);
    return id;
}

/* Every facility u sees under region (all kinds), by following `next`;
 * -1 after recording a failure. ids (optional) gets them, in order. */
static int64_t fac_count(struct who *u, const char *region, const char *kind, int64_t *ids, int max)
{
    int64_t n = 0, after = 0;
    for (int page = 0; page < 1000; page++) {
        struct resp r;
        call(&r, u, "GET",
             P("/api/v1/facilities?region=%s&limit=1000&after=%lld%s%s", region, (long long)after,
               kind ? "&kind=" : "", kind ? kind : ""),
             NULL, NULL);
        if (!exp_status(&r, 200)) {
            resp_free(&r);
            return -1;
        }
        json_t *items = json_object_get(r.json, "items");
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            if (ids && n < max)
                ids[n] = jint(it, "id");
            n++;
        }
        json_t *next = json_object_get(r.json, "next");
        bool more = json_is_integer(next);
        after = json_integer_value(next);
        resp_free(&r);
        if (!more)
            return n;
    }
    fail("paging did not end");
    return -1;
}

/* ---- reports ---- */

struct rep {
    const char *date;
    int64_t open, occupied, icu, icu_occupied, convertible;
    bool clinic, h24;
    int64_t visits, vents;
};

static json_t *rep_body(const struct rep *x)
{
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:b, s:I, s:I}", "date", x->date,
                     "open_beds", (json_int_t)x->open, "occupied_beds", (json_int_t)x->occupied,
                     "icu_beds", (json_int_t)x->icu, "icu_occupied", (json_int_t)x->icu_occupied,
                     "icu_convertible", (json_int_t)x->convertible, "fever_clinic", x->clinic,
                     "fever_24h", x->h24, "fever_visits", (json_int_t)x->visits, "ventilators",
                     (json_int_t)x->vents);
}

static void rep_post(struct resp *r, struct who *u, int64_t fid, const struct rep *x,
                     const char *if_match)
{
    callj(r, u, "POST", P("/api/v1/facilities/%lld/reports", (long long)fid), rep_body(x),
          if_match);
}

/* POST a first report; true when it was 201 with version 1. */
static bool rep_new(struct who *u, int64_t fid, const struct rep *x)
{
    struct resp r;
    rep_post(&r, u, fid, x, NULL);
    bool ok = exp_status(&r, 201) && exp_int(r.json, "version", 1, "new report");
    resp_free(&r);
    return ok;
}

/* Report rows of a facility (history=1: superseded ones too); -1 on failure. */
static int rep_count(struct who *u, int64_t fid)
{
    struct resp r;
    call(&r, u, "GET", P("/api/v1/facilities/%lld/reports?history=1", (long long)fid), NULL, NULL);
    int n = exp_status(&r, 200) ? (int)json_array_size(json_object_get(r.json, "items")) : -1;
    resp_free(&r);
    return n;
}

/* ===================================================================== */

/* The region every hospital and facility of this suite lives in: a new
 * community, so nothing else (the demo, api_test) is in it. */
static char C[32];
static const char *TOWNSHIP = "330106110"; /* 双浦镇, in the commander's scope */

static void t_setup_region(void)
{
    begin("setup: a fresh community under %s for this suite", TOWNSHIP);
    for (int k = 950; k < 1000 && !C[0]; k++) {
        char code[32];
        snprintf(code, sizeof code, "%s%03d", TOWNSHIP, k);
        struct resp r;
        callj(&r, &commander, "POST", "/api/v1/regions",
              json_pack("{s:s, s:s, s:s, s:s}", "parent", TOWNSHIP, "code", code, "name",
                        "容量测试社区", "level", "community"),
              NULL);
        if (r.status == 201)
            snprintf(C, sizeof C, "%s", code);
        else if (r.status != 409)
            exp_status(&r, 201);
        resp_free(&r);
    }
    if (!C[0])
        fail("no free community code under %s", TOWNSHIP);
    end();
}

/* ---- facilities: CRUD, paging, scope ---- */

static int64_t fac_main;   /* a secondary hospital in C, edited and then deactivated */
static int64_t fac_ningbo; /* a pharmacy in 330203 (Ningbo), outside the commander's scope */
static int64_t own_fid;    /* api-hospital's facility */

static void t_facility_crud(void)
{
    struct resp r;

    begin("facility create: 201 with Location, ETag \"1\" and the fields echoed");
    json_t *b =
        hosp_body(C, "容量测试二级医院", "secondary", "general", "sub_designated", "2010-06-01");
    json_object_set_new(b, "address", json_string("双浦镇测试路1号"));
    json_object_set_new(b, "phone", json_string("0571-87654321"));
    json_object_set_new(b, "lat", json_real(30.15));
    json_object_set_new(b, "lon", json_real(120.05));
    callj(&r, &commander, "POST", "/api/v1/facilities", b, NULL);
    if (exp_status(&r, 201)) {
        fac_main = jint(r.json, "id");
        exp_header_has(&r, "Location", P("/api/v1/facilities/%lld", (long long)fac_main));
        exp_etag(&r, 1);
        exp_jstr(&r, "region", C);
        exp_jstr(&r, "kind", "hospital");
        exp_jstr(&r, "level", "secondary");
        exp_jstr(&r, "category", "general");
        exp_jstr(&r, "role", "sub_designated");
        exp_jstr(&r, "phone", "0571-87654321");
        exp_jstr(&r, "opened", "2010-06-01");
        exp_int(r.json, "version", 1, "created");
        if (json_object_get(r.json, "active") != json_true())
            fail("a new facility is active: %s", snip(&r));
        if (fabs(json_number_value(json_object_get(r.json, "lat")) - 30.15) > 1e-9)
            fail("lat not kept: %s", snip(&r));
    }
    resp_free(&r);
    end();
    if (!fac_main)
        return;

    begin("facility get: 200 with ETag = version, the stored fields");
    call(&r, &commander, "GET", P("/api/v1/facilities/%lld", (long long)fac_main), NULL, NULL);
    if (exp_status(&r, 200)) {
        exp_etag(&r, 1);
        exp_jstr(&r, "name", "容量测试二级医院");
        exp_jstr(&r, "address", "双浦镇测试路1号");
        exp_int(r.json, "id", fac_main, "get");
    }
    resp_free(&r);
    call(&r, &commander, "GET", "/api/v1/facilities/999999999", NULL, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    end();

    begin("facility list: region and kind filters, cursor paging with next");
    int64_t ph[3] = {0};
    for (int i = 0; i < 3; i++)
        ph[i] = fac_create(&commander, fac_body(C, "pharmacy", P("容量测试药房%d", i + 1)));
    /* two per page: ph[0], ph[1], next = ph[1]; then ph[2], next null */
    call(&r, &commander, "GET", P("/api/v1/facilities?region=%s&kind=pharmacy&limit=2", C), NULL,
         NULL);
    if (exp_status(&r, 200)) {
        json_t *items = json_object_get(r.json, "items");
        if (json_array_size(items) != 2 || jint(json_array_get(items, 0), "id") != ph[0] ||
            jint(json_array_get(items, 1), "id") != ph[1])
            fail("page 1: expected pharmacies %lld, %lld, got %s", (long long)ph[0],
                 (long long)ph[1], snip(&r));
        exp_int(r.json, "next", ph[1], "page 1");
    }
    resp_free(&r);
    call(&r, &commander, "GET",
         P("/api/v1/facilities?region=%s&kind=pharmacy&limit=2&after=%lld", C, (long long)ph[1]),
         NULL, NULL);
    if (exp_status(&r, 200)) {
        json_t *items = json_object_get(r.json, "items");
        if (json_array_size(items) != 1 || jint(json_array_get(items, 0), "id") != ph[2])
            fail("page 2: expected pharmacy %lld only, got %s", (long long)ph[2], snip(&r));
        if (!json_is_null(json_object_get(r.json, "next")))
            fail("page 2 is the last: next must be null, got %s", snip(&r));
    }
    resp_free(&r);
    /* kind=hospital in C: the hospital only, no pharmacy */
    int64_t ids[16];
    int64_t n = fac_count(&commander, C, "hospital", ids, 16);
    if (n != 1 || ids[0] != fac_main)
        fail("kind=hospital in %s: expected [%lld], got %lld items", C, (long long)fac_main,
             (long long)n);
    n = fac_count(&commander, C, NULL, ids, 16);
    if (n != 4)
        fail("all kinds in %s: expected 4, got %lld", C, (long long)n);
    /* region filter: a sibling township has none of them, the county has them all */
    static int64_t sib[4096];
    int64_t ns = fac_count(&commander, "330106109", NULL, sib, 4096);
    bool in_county[4] = {false};
    for (int64_t i = 0; i < ns && i < 4096; i++)
        if (sib[i] == fac_main || sib[i] == ph[0] || sib[i] == ph[1] || sib[i] == ph[2])
            fail("region filter: facility %lld of %s listed under 330106109", (long long)sib[i], C);
    ns = fac_count(&commander, "330106", NULL, sib, 4096);
    for (int64_t i = 0; i < ns && i < 4096; i++)
        for (int k = 0; k < 4; k++)
            in_county[k] = in_county[k] || sib[i] == (k ? ph[k - 1] : fac_main);
    if (!in_county[0] || !in_county[1] || !in_county[2] || !in_county[3])
        fail("region filter: the county 330106 must list all of %s's facilities", C);
    call(&r, &commander, "GET", "/api/v1/facilities?kind=spaceport", NULL, NULL);
    exp_invalid(&r, "kind", NULL);
    resp_free(&r);
    end();

    begin("facility PATCH: 428 without If-Match, 412 stale (with ETag), 200 and version + 1");
    const char *path = P("/api/v1/facilities/%lld", (long long)fac_main);
    char pathc[128];
    snprintf(pathc, sizeof pathc, "%s", path);
    callj(&r, &commander, "PATCH", pathc, json_pack("{s:s}", "name", "改名一"), NULL);
    exp_problem(&r, 428, NULL, NULL);
    resp_free(&r);
    callj(&r, &commander, "PATCH", pathc, json_pack("{s:s}", "name", "改名一"), "\"7\"");
    if (exp_problem(&r, 412, NULL, NULL))
        exp_etag(&r, 1);
    resp_free(&r);
    callj(&r, &commander, "PATCH", pathc, json_pack("{s:s}", "phone", "12"), "\"1\"");
    exp_invalid(&r, "phone", NULL);
    resp_free(&r);
    call(&r, &commander, "GET", pathc, NULL, NULL);
    if (exp_status(&r, 200)) { /* the refused ones changed nothing */
        exp_etag(&r, 1);
        exp_jstr(&r, "name", "容量测试二级医院");
        exp_jstr(&r, "phone", "0571-87654321");
    }
    resp_free(&r);
    callj(&r, &commander, "PATCH", pathc,
          json_pack("{s:s, s:s}", "name", "容量测试二级医院（改）", "phone", "13912345678"),
          "\"1\"");
    if (exp_status(&r, 200)) {
        exp_etag(&r, 2);
        exp_int(r.json, "version", 2, "patched");
        exp_jstr(&r, "name", "容量测试二级医院（改）");
        exp_jstr(&r, "phone", "13912345678");
        exp_jstr(&r, "address", "双浦镇测试路1号"); /* absent fields keep their values */
        exp_jstr(&r, "level", "secondary");
    }
    resp_free(&r);
    callj(&r, &commander, "PATCH", pathc, json_pack("{s:s}", "name", "again"), "\"1\"");
    if (exp_problem(&r, 412, NULL, NULL)) /* the old version is stale now */
        exp_etag(&r, 2);
    resp_free(&r);
    end();

    begin("facility PATCH bad input: region out of scope, kind, tertiary without category -> 422, "
          "unchanged");
    callj(&r, &commander, "PATCH", pathc, json_pack("{s:s}", "region", "330203"), "\"2\"");
    exp_invalid(&r, "region", NULL);
    resp_free(&r);
    callj(&r, &commander, "PATCH", pathc, json_pack("{s:s}", "kind", "pharmacy"), "\"2\"");
    exp_invalid(&r, "kind", "unknown"); /* the kind is fixed at creation */
    resp_free(&r);
    callj(&r, &commander, "PATCH", pathc,
          json_pack("{s:s, s:s}", "level", "tertiary", "category", "none"), "\"2\"");
    exp_invalid(&r, "category", NULL); /* checked on the whole record, as on create */
    resp_free(&r);
    call(&r, &commander, "GET", pathc, NULL, NULL);
    if (exp_status(&r, 200)) {
        exp_etag(&r, 2);
        exp_jstr(&r, "region", C);
        exp_jstr(&r, "level", "secondary");
        exp_jstr(&r, "category", "general");
    }
    resp_free(&r);
    end();

    begin("scope: a commander of 330106 neither sees nor creates facilities in 3302");
    fac_ningbo = fac_create(&admin, fac_body("330203", "pharmacy", "容量测试宁波药房"));
    if (fac_ningbo) {
        call(&r, &commander, "GET", P("/api/v1/facilities/%lld", (long long)fac_ningbo), NULL,
             NULL);
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
        callj(&r, &commander, "PATCH", P("/api/v1/facilities/%lld", (long long)fac_ningbo),
              json_pack("{s:s}", "name", "x"), "\"1\"");
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
        call(&r, &admin, "GET", P("/api/v1/facilities/%lld", (long long)fac_ningbo), NULL, NULL);
        if (exp_status(&r, 200)) /* the 404 above was scope, not a missing row */
            exp_jstr(&r, "name", "容量测试宁波药房");
        resp_free(&r);
    }
    call(&r, &commander, "GET", "/api/v1/facilities?region=3302", NULL, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    int64_t before = fac_count(&admin, "330203", NULL, NULL, 0);
    callj(&r, &commander, "POST", "/api/v1/facilities", fac_body("330203", "pharmacy", "越权药房"),
          NULL);
    exp_invalid(&r, "region", NULL);
    resp_free(&r);
    if (fac_count(&admin, "330203", NULL, NULL, 0) != before)
        fail("a refused create wrote a facility in 330203");
    /* the commander's own list never shows it */
    int64_t all[4096];
    int64_t na = fac_count(&commander, "330106", NULL, all, 4096);
    for (int64_t i = 0; i < na && i < 4096; i++)
        if (all[i] == fac_ningbo)
            fail("the Ningbo pharmacy is in the commander's list");
    end();

    begin("scope: a hospital login sees only its own facility");
    call(&r, &hospital, "GET", "/api/v1/me", NULL, NULL);
    if (exp_status(&r, 200))
        own_fid = jint(r.json, "facility_id");
    resp_free(&r);
    if (own_fid <= 0) {
        fail("api-hospital has no facility_id (run.sh binds it)");
    } else {
        call(&r, &hospital, "GET", P("/api/v1/facilities/%lld", (long long)own_fid), NULL, NULL);
        if (exp_status(&r, 200))
            exp_jstr(&r, "kind", "hospital");
        resp_free(&r);
        call(&r, &hospital, "GET", P("/api/v1/facilities/%lld", (long long)fac_main), NULL, NULL);
        exp_problem(&r, 404, NULL, NULL); /* in its scope (330106), not its own */
        resp_free(&r);
        int64_t mine[4];
        int64_t k = fac_count(&hospital, "330106", NULL, mine, 4);
        if (k != 1 || mine[0] != own_fid)
            fail("hospital list: expected exactly [%lld], got %lld items", (long long)own_fid,
                 (long long)k);
        call(&r, &hospital, "GET", "/api/v1/facilities", NULL, NULL);
        if (exp_status(&r, 200) && json_array_size(json_object_get(r.json, "items")) != 1)
            fail("hospital list without region: expected one item, got %s", snip(&r));
        resp_free(&r);
        callj(&r, &hospital, "POST", "/api/v1/facilities", fac_body(C, "pharmacy", "医院建的"),
              NULL);
        exp_problem(&r, 403, NULL, NULL);
        resp_free(&r);
        callj(&r, &hospital, "PATCH", P("/api/v1/facilities/%lld", (long long)own_fid),
              json_pack("{s:s}", "name", "x"), "\"1\"");
        exp_problem(&r, 403, NULL, NULL);
        resp_free(&r);
    }
    end();
}

/* ---- facilities: bad input ---- */

static void t_facility_validation(void)
{
    struct resp r;
    char *longname = repeat("长", 101), *maxname = repeat("长", 100);
    struct {
        const char *what, *field;
        json_t *body;
    } cases[] = {
        {"unknown kind", "kind", fac_body(C, "spaceport", "坏类型")},
        {"tertiary hospital without category", "category",
         hosp_body(C, "无类别三级医院", "tertiary", NULL, "designated", NULL)},
        {"level on a pharmacy", "level",
         json_pack("{s:s,s:s,s:s,s:s}", "region", C, "kind", "pharmacy", "name", "有等级的药房",
                   "level", "tertiary")},
        {"category on a school", "category",
         json_pack("{s:s,s:s,s:s,s:s}", "region", C, "kind", "school", "name", "有类别的学校",
                   "category", "general")},
        {"hospital without level", "level",
         json_pack("{s:s,s:s,s:s}", "region", C, "kind", "hospital", "name", "无等级医院")},
        {"unknown level", "level", hosp_body(C, "坏等级", "quaternary", "general", "none", NULL)},
        {"unknown role", "role", hosp_body(C, "坏定点", "secondary", "general", "chief", NULL)},
        {"phone malformed", "phone",
         json_pack("{s:s,s:s,s:s,s:s}", "region", C, "kind", "pharmacy", "name", "坏电话", "phone",
                   "0571-8765")},
        {"phone with letters", "phone",
         json_pack("{s:s,s:s,s:s,s:s}", "region", C, "kind", "pharmacy", "name", "坏电话2", "phone",
                   "1391234567x")},
        {"lat without lon", "lon",
         json_pack("{s:s,s:s,s:s,s:f}", "region", C, "kind", "pharmacy", "name", "只有纬度", "lat",
                   30.2)},
        {"lon without lat", "lat",
         json_pack("{s:s,s:s,s:s,s:f}", "region", C, "kind", "pharmacy", "name", "只有经度", "lon",
                   120.2)},
        {"coordinates in Beijing", "lat",
         json_pack("{s:s,s:s,s:s,s:f,s:f}", "region", C, "kind", "pharmacy", "name", "北京", "lat",
                   39.9, "lon", 116.4)},
        {"longitude east of Zhejiang", "lon",
         json_pack("{s:s,s:s,s:s,s:f,s:f}", "region", C, "kind", "pharmacy", "name", "海上", "lat",
                   30.0, "lon", 124.0)},
        {"opened not a date", "opened",
         json_pack("{s:s,s:s,s:s,s:s}", "region", C, "kind", "pharmacy", "name", "坏日期", "opened",
                   "2005-13-01")},
        {"opened in words", "opened",
         json_pack("{s:s,s:s,s:s,s:s}", "region", C, "kind", "pharmacy", "name", "坏日期2",
                   "opened", "yesterday")},
        {"name too long (101 characters)", "name", fac_body(C, "pharmacy", longname)},
        {"empty name", "name", fac_body(C, "pharmacy", "")},
        {"unknown field", "colour",
         json_pack("{s:s,s:s,s:s,s:s}", "region", C, "kind", "pharmacy", "name", "多字段", "colour",
                   "red")},
        {"missing name", "name", json_pack("{s:s,s:s}", "region", C, "kind", "pharmacy")},
        {"missing region", "region", json_pack("{s:s,s:s}", "kind", "pharmacy", "name", "无区划")},
        {"region that does not exist", "region", fac_body("330106110998", "pharmacy", "无此区划")},
        {"region malformed", "region", fac_body("33x1", "pharmacy", "坏区划")},
        {"lat a string", "lat",
         json_pack("{s:s,s:s,s:s,s:s,s:f}", "region", C, "kind", "pharmacy", "name", "字符串纬度",
                   "lat", "30.2", "lon", 120.2)},
    };
    int64_t before = fac_count(&admin, "33", NULL, NULL, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        begin("facility bad input: %s -> 422 naming %s, nothing written", cases[i].what,
              cases[i].field);
        callj(&r, &commander, "POST", "/api/v1/facilities", cases[i].body, NULL);
        exp_invalid(&r, cases[i].field, NULL);
        resp_free(&r);
        int64_t now = fac_count(&admin, "33", NULL, NULL, 0);
        if (now != before)
            fail("facility count went from %lld to %lld", (long long)before, (long long)now);
        end();
    }
    begin("facility bad input: every bad field is named at once");
    json_t *b = json_pack("{s:s,s:s,s:s,s:s,s:s}", "region", C, "kind", "pharmacy", "name",
                          longname, "phone", "12", "opened", "2022-02-30");
    callj(&r, &commander, "POST", "/api/v1/facilities", b, NULL);
    if (exp_invalid(&r, "name", "too_long")) {
        exp_invalid(&r, "phone", NULL);
        exp_invalid(&r, "opened", NULL);
    }
    resp_free(&r);
    end();
    begin("facility: a name of 100 and an address of 200 characters are kept whole");
    /* a hospital in the township (not in C): it never reports, so the
     * compliance checks below also see its name in a failing list */
    char *maxaddr = repeat("址", 200);
    json_t *hb = hosp_body(TOWNSHIP, maxname, "secondary", "general", "none", NULL);
    json_object_set_new(hb, "address", json_string(maxaddr));
    int64_t id = fac_create(&commander, hb);
    if (id) {
        call(&r, &commander, "GET", P("/api/v1/facilities/%lld", (long long)id), NULL, NULL);
        if (exp_status(&r, 200)) {
            exp_jstr(&r, "name", maxname);
            exp_jstr(&r, "address", maxaddr);
        }
        resp_free(&r);
    }
    free(maxaddr);
    end();
    free(longname);
    free(maxname);
}

/* ---- reports ---- */

/* The compliance trio in C (tertiary general, opened 2010): A exactly at
 * 4 % ICU, B at 3.9 %, C stale (3 days before the scenario date). */
static int64_t hA, hB, hC;
static int64_t hSpec, hTcm; /* tertiary specialty and TCM hospitals in the township, no ICU */

static void t_reports(void)
{
    struct resp r;
    char today[11] = "";

    begin("reports: the business date is the demo's scenario date");
    call(&r, &commander, "GET", P("/api/v1/facilities/%lld/reports", (long long)fac_main), NULL,
         NULL);
    if (exp_status(&r, 200)) {
        exp_jstr(&r, "today", SCENARIO); /* the date checks below depend on it */
        exp_jstr(&r, "source", "illustrative");
        if (json_array_size(json_object_get(r.json, "items")) != 0)
            fail("a new hospital has no reports yet: %s", snip(&r));
    }
    snprintf(today, sizeof today, "%s", SCENARIO);
    resp_free(&r);
    end();

    /* the hospital's own facility, two dates on or before today without a
     * report: d1: the hospital's report and its corrections; d0: a date that stays
     * free, for the refused reports (so a check that went would write) */
    char d1[24] = "", d0[24] = "";
    begin("reports: api-hospital files a report for its own hospital (201, version 1)");
    if (own_fid <= 0) {
        fail("no facility for api-hospital");
    } else {
        call(&r, &hospital, "GET",
             P("/api/v1/facilities/%lld/reports?history=1", (long long)own_fid), NULL, NULL);
        json_t *items = r.status == 200 ? json_object_get(r.json, "items") : NULL;
        exp_status(&r, 200);
        const char *opened = jstr(json_object_get(r.json, "facility"), "opened");
        int64_t lo = opened ? day_of(opened) : day_of("2000-01-01");
        for (int64_t z = day_of(today); z >= lo && !d0[0]; z--) {
            char d[24];
            date_of(z, d);
            bool taken = false;
            size_t i;
            json_t *it;
            json_array_foreach(items, i, it) taken = taken || !strcmp(jstr(it, "date"), d);
            if (!taken)
                snprintf(d1[0] ? d0 : d1, sizeof d1, "%s", d);
        }
        resp_free(&r);
        if (!d0[0]) {
            fail("no two free dates for the hospital's reports");
        } else {
            struct rep x = {d1, 800, 700, 40, 30, 40, true, true, 300, 20};
            rep_post(&r, &hospital, own_fid, &x, NULL);
            if (exp_status(&r, 201)) {
                exp_int(r.json, "version", 1, "first report");
                exp_int(r.json, "facility_id", own_fid, "first report");
                exp_int(r.json, "occupied_beds", 700, "first report");
                exp_jstr(&r, "date", d1);
                exp_etag(&r, 1);
            }
            resp_free(&r);
        }
    }
    end();

    /* facilities for the rest: three tertiary general hospitals in C */
    begin("reports: setup - three tertiary general hospitals in %s", C);
    hA = fac_create(&commander, hosp_body(C, "容量测试甲医院", "tertiary", "general", "designated",
                                          "2010-06-01"));
    hB = fac_create(&commander, hosp_body(C, "容量测试乙医院", "tertiary", "general",
                                          "sub_designated", "2010-06-01"));
    hC = fac_create(&commander, hosp_body(C, "容量测试丙医院", "tertiary", "general", "designated",
                                          "2010-06-01"));
    end();
    if (!hA || !hB || !hC || !d0[0])
        return;

    /* bad input, as the hospital on its own facility (and the boundaries as
     * the commander on A) */
    struct {
        const char *what, *field;
        struct rep x;
    } bad[] = {
        {"occupied > open", "occupied_beds", {d0, 100, 101, 4, 0, 4, true, true, 0, 0}},
        {"ICU > open beds", "icu_beds", {d0, 100, 50, 101, 0, 0, true, true, 0, 0}},
        {"ICU occupied > ICU", "icu_occupied", {d0, 100, 50, 4, 5, 4, true, true, 0, 0}},
        {"ICU occupied > occupied", "icu_occupied", {d0, 100, 3, 10, 4, 4, true, true, 0, 0}},
        {"ICU + convertible > open", "icu_convertible", {d0, 100, 50, 60, 0, 41, true, true, 0, 0}},
        {"negative open beds", "open_beds", {d0, -1, 0, 0, 0, 0, true, true, 0, 0}},
        {"negative occupied", "occupied_beds", {d0, 100, -5, 0, 0, 0, true, true, 0, 0}},
        {"negative ICU", "icu_beds", {d0, 100, 5, -1, 0, 0, true, true, 0, 0}},
        {"negative ICU occupied", "icu_occupied", {d0, 100, 5, 4, -1, 0, true, true, 0, 0}},
        {"negative convertible", "icu_convertible", {d0, 100, 5, 4, 0, -4, true, true, 0, 0}},
        {"negative visits", "fever_visits", {d0, 100, 5, 4, 0, 4, true, true, -1, 0}},
        {"negative ventilators", "ventilators", {d0, 100, 5, 4, 0, 4, true, true, 0, -2}},
        {"24 h without a clinic", "fever_24h", {d0, 100, 5, 4, 0, 4, false, true, 0, 0}},
        {"visits without a clinic", "fever_visits", {d0, 100, 5, 4, 0, 4, false, false, 12, 0}},
        {"the day after the scenario date",
         "date",
         {"2022-12-29", 100, 5, 4, 0, 4, true, true, 0, 0}},
        {"a date next year", "date", {"2023-06-01", 100, 5, 4, 0, 4, true, true, 0, 0}},
        {"malformed date", "date", {"2022-12-32", 100, 5, 4, 0, 4, true, true, 0, 0}},
        {"date in another format", "date", {"28/12/2022", 100, 5, 4, 0, 4, true, true, 0, 0}},
    };
    int n0 = rep_count(&hospital, own_fid);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        begin("report bad input: %s -> 422 naming %s, nothing written", bad[i].what, bad[i].field);
        rep_post(&r, &hospital, own_fid, &bad[i].x, NULL);
        exp_invalid(&r, bad[i].field, NULL);
        resp_free(&r);
        int n = rep_count(&hospital, own_fid);
        if (n != n0)
            fail("report rows went from %d to %d", n0, n);
        end();
    }

    begin("report bad input: missing fields are each named, nothing written");
    callj(&r, &hospital, "POST", P("/api/v1/facilities/%lld/reports", (long long)own_fid),
          json_pack("{s:s, s:i}", "date", d0, "open_beds", 10), NULL);
    if (exp_invalid(&r, "occupied_beds", "required")) {
        const char *must[] = {"icu_beds",  "icu_occupied", "icu_convertible", "fever_clinic",
                              "fever_24h", "fever_visits", "ventilators"};
        for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
            exp_invalid(&r, must[i], "required");
    }
    resp_free(&r);
    callj(&r, &hospital, "POST", P("/api/v1/facilities/%lld/reports", (long long)own_fid),
          json_pack("{s:i}", "open_beds", 10), NULL);
    exp_invalid(&r, "date", "required");
    resp_free(&r);
    json_t *extra = rep_body(&(struct rep){d0, 10, 5, 1, 0, 1, true, true, 0, 0});
    json_object_set_new(extra, "mood", json_string("tired"));
    callj(&r, &hospital, "POST", P("/api/v1/facilities/%lld/reports", (long long)own_fid), extra,
          NULL);
    exp_invalid(&r, "mood", "unknown");
    resp_free(&r);
    json_t *str = rep_body(&(struct rep){d0, 10, 5, 1, 0, 1, true, true, 0, 0});
    json_object_set_new(str, "open_beds", json_string("10"));
    callj(&r, &hospital, "POST", P("/api/v1/facilities/%lld/reports", (long long)own_fid), str,
          NULL);
    exp_invalid(&r, "open_beds", NULL);
    resp_free(&r);
    if (rep_count(&hospital, own_fid) != n0)
        fail("a refused report was written");
    end();

    begin("report: If-Match on a date without a report -> 412, nothing written; bad from/to -> "
          "422");
    rep_post(&r, &hospital, own_fid, &(struct rep){d0, 10, 5, 1, 0, 1, true, true, 0, 0}, "\"1\"");
    exp_problem(&r, 412, NULL, NULL);
    resp_free(&r);
    if (rep_count(&hospital, own_fid) != n0)
        fail("a refused report was written");
    call(&r, &hospital, "GET",
         P("/api/v1/facilities/%lld/reports?from=2022-02-30", (long long)own_fid), NULL, NULL);
    exp_invalid(&r, "from", NULL);
    resp_free(&r);
    call(&r, &hospital, "GET", P("/api/v1/facilities/%lld/reports?to=soon", (long long)own_fid),
         NULL, NULL);
    exp_invalid(&r, "to", NULL);
    resp_free(&r);
    end();

    begin("report: a date before the facility opened -> 422 on date; the opening day is fine");
    struct rep early = {"2010-05-31", 100, 10, 4, 0, 4, true, true, 0, 0};
    rep_post(&r, &commander, hA, &early, NULL);
    exp_invalid(&r, "date", "range");
    resp_free(&r);
    if (rep_count(&commander, hA) != 0)
        fail("the refused early report was written");
    early.date = "2010-06-01";
    rep_new(&commander, hA, &early);
    end();

    begin("report: the scenario date itself is accepted (201)");
    struct rep a = {SCENARIO, 1000, 800, 40, 30, 40, true, true, 500, 30};
    rep_new(&commander, hA, &a); /* exactly 4 % ICU, exactly 4 % convertible */
    end();

    begin("report: for a facility that is not a hospital -> 422 naming facility");
    int64_t ph = fac_create(&commander, fac_body(C, "pharmacy", "容量测试报告药房"));
    if (ph) {
        struct rep x = {SCENARIO, 10, 1, 0, 0, 0, false, false, 0, 0};
        rep_post(&r, &commander, ph, &x, NULL);
        exp_invalid(&r, "facility", NULL);
        resp_free(&r);
    }
    end();

    begin("report: a hospital reporting for another hospital -> 404, nothing written");
    int before = rep_count(&commander, hB);
    struct rep x = {SCENARIO, 100, 10, 4, 0, 4, true, true, 0, 0};
    rep_post(&r, &hospital, hB, &x, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    call(&r, &hospital, "GET", P("/api/v1/facilities/%lld/reports", (long long)hB), NULL, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    if (rep_count(&commander, hB) != before)
        fail("the hospital's report for another hospital was written");
    rep_post(&r, &commander, fac_ningbo, &x, NULL); /* outside the commander's scope */
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    end();

    begin("report correction: 409 naming date (ETag) without If-Match, 412 stale, 200 version 2");
    struct rep v1 = {d1, 800, 700, 40, 30, 40, true, true, 300, 20};
    struct rep v2 = {d1, 800, 650, 40, 25, 40, true, true, 280, 20};
    rep_post(&r, &hospital, own_fid, &v2, NULL);
    if (exp_problem(&r, 409, "date", NULL)) {
        exp_etag(&r, 1);
        json_t *e = field_error(json_object_get(r.json, "errors"), "date");
        if (!jstr(e, "code") || strcmp(jstr(e, "code"), "exists") != 0)
            fail("409 on date: expected code exists, got %s", snip(&r));
    }
    resp_free(&r);
    rep_post(&r, &hospital, own_fid, &v2, "\"5\"");
    if (exp_problem(&r, 412, NULL, NULL))
        exp_etag(&r, 1);
    resp_free(&r);
    rep_post(&r, &hospital, own_fid, &v2, "\"x1\"");
    exp_invalid(&r, "If-Match", NULL);
    resp_free(&r);
    rep_post(&r, &hospital, own_fid, &v2, "\"1\"");
    if (exp_status(&r, 200)) {
        exp_int(r.json, "version", 2, "correction");
        exp_int(r.json, "occupied_beds", 650, "correction");
        exp_etag(&r, 2);
    }
    resp_free(&r);
    call(&r, &hospital, "GET",
         P("/api/v1/facilities/%lld/reports?history=1&from=%s&to=%s", (long long)own_fid, d1, d1),
         NULL, NULL);
    if (exp_status(&r, 200)) {
        json_t *items = json_object_get(r.json, "items");
        json_t *cur = json_array_get(items, 0), *old = json_array_get(items, 1);
        if (json_array_size(items) != 2)
            fail("history: expected 2 rows for %s, got %s", d1, snip(&r));
        else {
            exp_int(cur, "version", 2, "current");
            exp_int(cur, "occupied_beds", v2.occupied, "current");
            if (json_object_get(cur, "superseded") != json_false())
                fail("the correction is current: %s", snip(&r));
            exp_int(old, "version", 1, "superseded");
            exp_int(old, "occupied_beds", v1.occupied, "superseded");
            if (json_object_get(old, "superseded") != json_true())
                fail("the first report must be superseded: true: %s", snip(&r));
        }
    }
    resp_free(&r);
    call(&r, &hospital, "GET",
         P("/api/v1/facilities/%lld/reports?from=%s&to=%s", (long long)own_fid, d1, d1), NULL,
         NULL);
    if (exp_status(&r, 200)) {
        json_t *items = json_object_get(r.json, "items");
        if (json_array_size(items) != 1 || jint(json_array_get(items, 0), "version") != 2)
            fail("without history=1 only the current report: %s", snip(&r));
    }
    resp_free(&r);
    end();

    /* concurrent corrections: each round, n requests with the same If-Match */
    int64_t ver = 2;
    static const int rounds[] = {2, 2, 2, 4};
    for (size_t k = 0; k < sizeof rounds / sizeof rounds[0]; k++) {
        int n = rounds[k];
        begin("report: %d concurrent corrections with If-Match \"%lld\": exactly one wins (200), "
              "the others 412",
              n, (long long)ver);
        struct resp rs[4];
        struct rep c = {d1, 800, 600 + (int64_t)k, 40, 20, 40, true, true, 250, 20};
        json_t *bj = rep_body(&c);
        char *bs = json_dumps(bj, JSON_COMPACT);
        json_decref(bj);
        char im[64];
        snprintf(im, sizeof im, "If-Match: \"%lld\"", (long long)ver);
        http_parallel(n, rs, "POST", P("/api/v1/facilities/%lld/reports", (long long)own_fid), bs,
                      H(hospital.bearer, "Content-Type: application/json", im));
        free(bs);
        int won = 0, lost = 0;
        for (int i = 0; i < n; i++) {
            if (rs[i].status == 200) {
                won++;
                exp_int(rs[i].json, "version", ver + 1, "winner");
            } else if (rs[i].status == 412) {
                lost++;
                /* the loser learns the winner's version, to retry with */
                if (!exp_etag(&rs[i], ver + 1))
                    fail("request %d: a 412 carries the current version", i);
            } else {
                fail("request %d: expected 200 or 412, got %ld: %s", i, rs[i].status, snip(&rs[i]));
            }
            resp_free(&rs[i]);
        }
        if (won != 1 || lost != n - 1)
            fail("%d won and %d got 412", won, lost);
        ver++;
        end();
    }
    begin("report: after the races, one current report and every version kept once");
    call(&r, &hospital, "GET",
         P("/api/v1/facilities/%lld/reports?history=1&from=%s&to=%s", (long long)own_fid, d1, d1),
         NULL, NULL);
    if (exp_status(&r, 200)) {
        json_t *items = json_object_get(r.json, "items");
        size_t i;
        json_t *it;
        int current = 0;
        bool seen[16] = {false};
        json_array_foreach(items, i, it)
        {
            int64_t v = jint(it, "version");
            if (v < 1 || v >= 16 || seen[v])
                fail("version %lld missing or twice", (long long)v);
            else
                seen[v] = true;
            if (json_object_get(it, "superseded") == json_false()) {
                current++;
                if (v != ver)
                    fail("the current report is version %lld, expected %lld", (long long)v,
                         (long long)ver);
            }
        }
        if ((int64_t)json_array_size(items) != ver || current != 1)
            fail("expected %lld rows with one current, got %zu rows, %d current", (long long)ver,
                 json_array_size(items), current);
    }
    resp_free(&r);
    end();

    begin("report: two concurrent first reports for one date: one 201, the other 409 on date");
    {
        struct resp rs[2];
        json_t *bj = rep_body(&(struct rep){d0, 500, 400, 20, 10, 20, true, true, 90, 9});
        char *bs = json_dumps(bj, JSON_COMPACT);
        json_decref(bj);
        http_parallel(2, rs, "POST", P("/api/v1/facilities/%lld/reports", (long long)own_fid), bs,
                      H(hospital.bearer, "Content-Type: application/json"));
        free(bs);
        int created = 0, conflict = 0;
        for (int i = 0; i < 2; i++) {
            if (rs[i].status == 201)
                created++;
            else if (rs[i].status == 409 && has_field_error(&rs[i], "date"))
                conflict++;
            else
                fail("request %d: expected 201, or 409 naming date, got %ld: %s", i, rs[i].status,
                     snip(&rs[i]));
            resp_free(&rs[i]);
        }
        if (created != 1 || conflict != 1)
            fail("%d created and %d conflicts", created, conflict);
        call(&r, &hospital, "GET",
             P("/api/v1/facilities/%lld/reports?history=1&from=%s&to=%s", (long long)own_fid, d0,
               d0),
             NULL, NULL);
        if (exp_status(&r, 200) && json_array_size(json_object_get(r.json, "items")) != 1)
            fail("exactly one report for %s: %s", d0, snip(&r));
        resp_free(&r);
    }
    end();
}

/* ---- compliance, exact: the trio in C ---- */

static struct cap_policy {
    double icu_pct, conv_pct;
    int64_t stale_days, designated_min;
    char min_level[16];
    bool icu_general, icu_tcm, icu_specialty;
} pol = {4.0, 4.0, 2, 100000, "secondary", true, true, false};

static void t_policy(void)
{
    begin("policy: the capacity section is served");
    struct resp r;
    call(&r, &commander, "GET", "/api/v1/policy", NULL, NULL);
    json_t *c = json_object_get(r.json, "capacity");
    if (exp_status(&r, 200) && json_is_object(c)) {
        pol.icu_pct = json_number_value(json_object_get(c, "icu_beds_min_pct"));
        pol.conv_pct = json_number_value(json_object_get(c, "icu_convertible_min_pct"));
        pol.stale_days = jint(c, "report_stale_days");
        pol.designated_min = jint(c, "designated_beds_min");
        const char *ml = jstr(c, "fever_clinic_24h_min_level");
        snprintf(pol.min_level, sizeof pol.min_level, "%s", ml ? ml : "secondary");
        json_t *list = json_object_get(c, "icu_rule_hospitals");
        pol.icu_general = pol.icu_tcm = pol.icu_specialty = false;
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v)
        {
            const char *s = json_string_value(v);
            pol.icu_general = pol.icu_general || (s && !strcmp(s, "tertiary_general"));
            pol.icu_tcm = pol.icu_tcm || (s && !strcmp(s, "tertiary_tcm"));
            pol.icu_specialty = pol.icu_specialty || (s && !strcmp(s, "tertiary_specialty"));
        }
        /* the exact expectations below assume the 2022-12 pack */
        if (pol.icu_pct != 4.0 || pol.conv_pct != 4.0 || pol.stale_days != 2 || !pol.icu_general)
            fail("the pack's capacity section changed: %s", snip(&r));
    } else {
        fail("no capacity section: %s", snip(&r));
    }
    resp_free(&r);
    end();
}

static json_t *rule_of(json_t *comp, const char *rule)
{
    return json_object_get(json_object_get(comp, "rules"), rule);
}

static void exp_rule(json_t *comp, const char *rule, int64_t app, int64_t met, int64_t not_met,
                     int64_t unknown, int64_t gap)
{
    json_t *x = rule_of(comp, rule);
    if (!x) {
        fail("rule %s absent", rule);
        return;
    }
    exp_int(x, "applicable", app, rule);
    exp_int(x, "met", met, rule);
    exp_int(x, "not_met", not_met, rule);
    exp_int(x, "unknown", unknown, rule);
    exp_int(x, "gap", gap, rule);
}

static json_t *failing_entry(json_t *comp, int64_t id)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(comp, "failing_list"), i,
                       it) if (jint(it, "id") == id) return it;
    return NULL;
}

static json_t *gap_of(json_t *entry, const char *rule)
{
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(entry, "gaps"), i, g)
    {
        const char *ru = jstr(g, "rule");
        if (ru && !strcmp(ru, rule))
            return g;
    }
    return NULL;
}

/* occupancy of the last compliance read of C, for the MeasureReport */
static int64_t occ_open, occ_occupied, occ_icu, occ_icu_occupied, occ_vents;

static void t_compliance_exact(void)
{
    struct resp r;
    if (!hA || !hB || !hC || !fac_main)
        return;
    begin("compliance setup: reports for B (12-26 compliant, 12-28 corrected to 3.9 %%), C "
          "(12-25), and a deactivated failing hospital");
    struct rep b1 = {"2022-12-26", 2000, 1500, 80, 60, 80, true, true, 900, 50};
    struct rep b2 = {SCENARIO, 2000, 1600, 78, 70, 80, true, true, 950, 52};
    struct rep c1 = {"2022-12-25", 500, 450, 10, 8, 20, true, false, 100, 5};
    /* B's 12-28 report is a correction of a compliant first draft: the
     * roll-ups must use the correction and count the report once */
    struct rep draft = {SCENARIO, 2000, 1900, 100, 90, 100, true, true, 999, 60};
    rep_new(&commander, hB, &b1);
    rep_new(&commander, hB, &draft);
    rep_post(&r, &commander, hB, &b2, "\"1\"");
    if (exp_status(&r, 200))
        exp_int(r.json, "version", 2, "B's correction");
    resp_free(&r);
    rep_new(&commander, hC, &c1);
    /* in the township (outside C), for the recomputations: the ICU rule is for
     * tertiary general and TCM hospitals, not specialty ones */
    hSpec = fac_create(
        &commander, hosp_body(TOWNSHIP, "容量测试专科医院", "tertiary", "specialty", "none", NULL));
    hTcm = fac_create(&commander,
                      hosp_body(TOWNSHIP, "容量测试中医院", "tertiary", "tcm", "designated", NULL));
    struct rep no_icu = {SCENARIO, 300, 100, 0, 0, 0, true, true, 10, 1};
    rep_new(&commander, hSpec, &no_icu);
    rep_new(&commander, hTcm, &no_icu);
    /* fac_main (secondary, no 24 h fever clinic) would fail; deactivated, it is not counted */
    struct rep m = {SCENARIO, 300, 200, 0, 0, 0, true, false, 40, 2};
    rep_new(&commander, fac_main, &m);
    callj(&r, &commander, "PATCH", P("/api/v1/facilities/%lld", (long long)fac_main),
          json_pack("{s:b}", "active", 0), "\"2\"");
    if (exp_status(&r, 200)) {
        exp_etag(&r, 3);
        if (json_object_get(r.json, "active") != json_false())
            fail("deactivated facility still active: %s", snip(&r));
    }
    resp_free(&r);
    call(&r, &commander, "GET", P("/api/v1/facilities/%lld", (long long)fac_main), NULL, NULL);
    if (exp_status(&r, 200) && json_object_get(r.json, "active") != json_false())
        fail("GET after deactivation: active must be false: %s", snip(&r));
    resp_free(&r);
    /* a deactivated hospital takes no reports, or its beds would come back */
    int before = rep_count(&commander, fac_main);
    struct rep late = {"2022-12-27", 300, 200, 0, 0, 0, true, false, 40, 2};
    rep_post(&r, &commander, fac_main, &late, NULL);
    exp_problem(&r, 409, NULL, "cap_facility_inactive");
    resp_free(&r);
    if (rep_count(&commander, fac_main) != before)
        fail("a report for a deactivated hospital was written");
    end();

    begin("compliance %s on %s: met / not_met / unknown, gaps, stale flag, failing list", C,
          SCENARIO);
    call(&r, &commander, "GET", P("/api/v1/capacity/compliance?region=%s", C), NULL, NULL);
    if (exp_status(&r, 200)) {
        json_t *j = r.json;
        exp_jstr(&r, "as_of", SCENARIO);
        exp_jstr(&r, "region", C);
        exp_int(j, "hospitals", 3, "summary");
        exp_int(j, "reporting", 2, "summary");
        exp_int(j, "stale", 1, "summary");
        exp_int(j, "failing", 2, "summary");
        /* A: 40/1000 = 4 % met; B: 78 < 80 not met, gap 2; C: stale, unknown */
        exp_rule(j, "icu_beds", 3, 1, 1, 1, 2);
        exp_rule(j, "icu_convertible", 3, 2, 0, 1, 0);
        exp_rule(j, "fever_clinic_24h", 3, 2, 0, 1, 0);
        exp_rule(j, "reporting", 3, 2, 1, 0, 0);
        json_t *d = rule_of(j, "designated_beds");
        if (!d || strcmp(jstr(d, "status") ? jstr(d, "status") : "", "not_applicable") != 0)
            fail("designated_beds below the province is not_applicable: %s", snip(&r));
        exp_int(d, "have", 1000 + 2000, "designated_beds");
        exp_int(d, "not_reporting_last_known", 500, "designated_beds");
        if (!jstr(rule_of(j, "icu_beds"), "deadline"))
            fail("icu_beds has a deadline: %s", snip(&r));
        json_t *occ = json_object_get(j, "occupancy");
        exp_int(occ, "open_beds", 3000, "occupancy");
        exp_int(occ, "occupied_beds", 2400, "occupancy");
        exp_int(occ, "icu_beds", 118, "occupancy");
        exp_int(occ, "icu_occupied", 100, "occupancy");
        exp_int(occ, "ventilators", 82, "occupancy");
        exp_int(occ, "fever_visits", 1450, "occupancy");
        occ_open = jint(occ, "open_beds");
        occ_occupied = jint(occ, "occupied_beds");
        occ_icu = jint(occ, "icu_beds");
        occ_icu_occupied = jint(occ, "icu_occupied");
        occ_vents = jint(occ, "ventilators");
        json_t *fl = json_object_get(j, "failing_list");
        json_t *eb = failing_entry(j, hB), *ec = failing_entry(j, hC);
        if (json_array_size(fl) != 2 || !eb || !ec)
            fail("failing list: expected exactly B=%lld and C=%lld, got %s", (long long)hB,
                 (long long)hC, snip(&r));
        if (failing_entry(j, hA) || failing_entry(j, fac_main))
            fail("A (exactly 4 %%) or the deactivated hospital is in the failing list");
        json_t *g = gap_of(eb, "icu_beds");
        if (!g || jint(g, "gap") != 2 || jint(g, "need") != 80 || jint(g, "have") != 78 ||
            !jstr(g, "message") || strcmp(jstr(g, "message"), "short of 2 ICU beds") != 0)
            fail("B's gap: expected icu_beds 78/80 \"short of 2 ICU beds\", got %s", jshow(eb));
        if (eb && json_array_size(json_object_get(eb, "gaps")) != 1)
            fail("B fails the ICU rule only");
        if (eb && json_object_get(eb, "stale") != json_false())
            fail("B is not stale");
        if (ec) {
            if (json_object_get(ec, "stale") != json_true())
                fail("C is stale (3 days > 2)");
            if (strcmp(jstr(ec, "last_report") ? jstr(ec, "last_report") : "", "2022-12-25"))
                fail("C's last_report is 2022-12-25");
            json_t *gs = gap_of(ec, "reporting");
            if (!gs ||
                strcmp(jstr(gs, "message") ? jstr(gs, "message") : "", "no report for 3 days") != 0)
                fail("C's gap: expected reporting \"no report for 3 days\", got %s", jshow(ec));
            if (gap_of(ec, "icu_beds") || gap_of(ec, "fever_clinic_24h"))
                fail("a stale hospital's other rules are unknown, not failing");
        }
        json_t *kids = json_object_get(j, "children");
        if (json_array_size(kids) != 0)
            fail("a community has no child regions with hospitals: %s", snip(&r));
    }
    resp_free(&r);
    end();

    begin("compliance %s on 2022-12-26: each hospital's report valid then", C);
    call(&r, &commander, "GET", P("/api/v1/capacity/compliance?region=%s&date=2022-12-26", C), NULL,
         NULL);
    if (exp_status(&r, 200)) {
        json_t *j = r.json;
        exp_jstr(&r, "as_of", "2022-12-26");
        /* A: only the 2010 report -> stale; B: 12-26 report, all met; C: 12-25
         * report, 1 day old: ICU 10 < 20 (gap 10), convertible 20 met, no 24 h */
        exp_int(j, "hospitals", 3, "past");
        exp_int(j, "stale", 1, "past");
        exp_int(j, "failing", 2, "past");
        exp_rule(j, "icu_beds", 3, 1, 1, 1, 10);
        exp_rule(j, "icu_convertible", 3, 2, 0, 1, 0);
        exp_rule(j, "fever_clinic_24h", 3, 1, 1, 1, 1);
        exp_rule(j, "reporting", 3, 2, 1, 0, 0);
        json_t *occ = json_object_get(j, "occupancy");
        exp_int(occ, "open_beds", 2500, "past occupancy");
        exp_int(occ, "icu_beds", 90, "past occupancy");
        if (failing_entry(j, hB) || !failing_entry(j, hA) || !failing_entry(j, hC))
            fail("on 12-26 A (stale) and C fail, B does not: %s", snip(&r));
        json_t *ec = failing_entry(j, hC);
        json_t *g = gap_of(ec, "icu_beds");
        if (!g || strcmp(jstr(g, "message") ? jstr(g, "message") : "", "short of 10 ICU beds"))
            fail("C on 12-26: expected \"short of 10 ICU beds\"");
        json_t *ea = failing_entry(j, hA);
        if (ea && (json_object_get(ea, "stale") != json_true() ||
                   strcmp(jstr(ea, "last_report") ? jstr(ea, "last_report") : "", "2010-06-01")))
            fail("A on 12-26 is stale with its 2010 report: %s", jshow(ea));
    }
    resp_free(&r);
    end();

    begin("compliance %s on 2022-12-27: a report exactly report_stale_days old is current", C);
    call(&r, &commander, "GET", P("/api/v1/capacity/compliance?region=%s&date=2022-12-27", C), NULL,
         NULL);
    if (exp_status(&r, 200)) {
        json_t *ec = failing_entry(r.json, hC);
        exp_int(r.json, "stale", 1, "12-27"); /* A only */
        exp_rule(r.json, "reporting", 3, 2, 1, 0, 0);
        exp_rule(r.json, "icu_beds", 3, 1, 1, 1, 10);
        if (!ec || json_object_get(ec, "stale") != json_false())
            fail("C's 12-25 report is 2 days old on 12-27: failing on ICU, not stale: %s",
                 snip(&r));
    }
    resp_free(&r);
    end();

    begin("compliance: the township's children carry C's figures; no ICU rule for specialty");
    call(&r, &commander, "GET", P("/api/v1/capacity/compliance?region=%s", TOWNSHIP), NULL, NULL);
    if (exp_status(&r, 200)) {
        if (failing_entry(r.json, hSpec))
            fail("a tertiary specialty hospital without ICU beds is not failing: %s",
                 jshow(failing_entry(r.json, hSpec)));
        if (!gap_of(failing_entry(r.json, hTcm), "icu_beds"))
            fail("a tertiary TCM hospital without ICU beds fails the ICU rule");
        size_t i;
        json_t *k, *mine = NULL;
        json_array_foreach(json_object_get(r.json, "children"), i,
                           k) if (!strcmp(jstr(k, "code") ? jstr(k, "code") : "", C)) mine = k;
        if (!mine)
            fail("no child %s: %s", C, snip(&r));
        else {
            exp_int(mine, "hospitals", 3, "child");
            exp_int(mine, "failing", 2, "child");
            exp_int(mine, "stale", 1, "child");
            exp_int(mine, "designated_beds", 3000, "child");
        }
    }
    resp_free(&r);
    end();

    begin("compliance: out of scope 404, hospital 403, bad date or region 422");
    call(&r, &commander, "GET", "/api/v1/capacity/compliance?region=3302", NULL, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    call(&r, &commander, "GET", "/api/v1/capacity/compliance?region=33", NULL, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    call(&r, &hospital, "GET", "/api/v1/capacity/compliance", NULL, NULL);
    exp_problem(&r, 403, NULL, NULL);
    resp_free(&r);
    call(&r, &commander, "GET", P("/api/v1/capacity/compliance?region=%s&date=2022-02-30", C), NULL,
         NULL);
    exp_invalid(&r, "date", NULL);
    resp_free(&r);
    call(&r, &commander, "GET", P("/api/v1/capacity/compliance?region=%s&date=yesterday", C), NULL,
         NULL);
    exp_invalid(&r, "date", NULL);
    resp_free(&r);
    call(&r, &commander, "GET", "/api/v1/capacity/compliance?region=33x", NULL, NULL);
    exp_invalid(&r, "region", NULL);
    resp_free(&r);
    call(&r, NULL, "GET", "/api/v1/capacity/compliance", NULL, NULL);
    exp_problem(&r, 401, NULL, NULL);
    resp_free(&r);
    end();
}

/* ---- compliance, brute force: recompute a county from the API's own reports ---- */

struct bf {
    int64_t hospitals, reporting, stale, failing;
    int64_t app[4], met[4], not_met[4], unknown[4], gap[4];
    int64_t open, occupied, icu, icu_occupied, visits, vents, designated, designated_stale;
    int64_t below, below_failing; /* in a child region (not registered at the region itself) */
    int64_t failing_ids[512];
    char *failing_names[512]; /* as the facility reads, malloc'd */
    int nfailing;
};

static const char *const BF_RULES[4] = {"icu_beds", "icu_convertible", "fever_clinic_24h",
                                        "reporting"};

static int level_rank(const char *l)
{
    return !l                        ? 0
           : !strcmp(l, "tertiary")  ? 3
           : !strcmp(l, "secondary") ? 2
           : !strcmp(l, "primary")   ? 1
                                     : 0;
}

/* ceil(beds * pct / 100) without trusting the server's integer trick */
static int64_t pct_need(int64_t beds, double pct)
{
    if (beds <= 0)
        return 0;
    int64_t n = (int64_t)floor((double)beds * pct / 100.0);
    while ((double)n * 100.0 < (double)beds * pct - 1e-6)
        n++;
    return n;
}

static void bf_rule(struct bf *b, int k, int status /* 1 met, 2 not met, 3 unknown */, int64_t gap,
                    bool *failing)
{
    b->app[k]++;
    if (status == 1)
        b->met[k]++;
    else if (status == 2) {
        b->not_met[k]++;
        b->gap[k] += gap;
        *failing = true;
    } else
        b->unknown[k]++;
}

static bool brute_force(struct who *u, const char *region, const char *as_of, struct bf *b)
{
    memset(b, 0, sizeof *b);
    static int64_t ids[4096];
    int64_t n = fac_count(u, region, "hospital", ids, 4096);
    if (n < 0 || n > 4096)
        return false;
    for (int64_t i = 0; i < n; i++) {
        struct resp r;
        call(&r, u, "GET", P("/api/v1/facilities/%lld/reports?to=%s", (long long)ids[i], as_of),
             NULL, NULL);
        if (!exp_status(&r, 200)) {
            resp_free(&r);
            return false;
        }
        json_t *f = json_object_get(r.json, "facility");
        if (json_object_get(f, "active") != json_true()) {
            resp_free(&r);
            continue;
        }
        b->hospitals++;
        const char *level = jstr(f, "level"), *cat = jstr(f, "category"), *role = jstr(f, "role");
        json_t *items = json_object_get(r.json, "items"), *latest = NULL;
        size_t k;
        json_t *it;
        json_array_foreach(items, k, it) /* newest first, but do not rely on it */
            if (!latest || strcmp(jstr(it, "date"), jstr(latest, "date")) > 0) latest = it;
        int64_t age = latest ? day_of(as_of) - day_of(jstr(latest, "date")) : -1;
        bool stale = !latest || age > pol.stale_days;
        bool designated = role && strcmp(role, "none") != 0;
        bool failing = false;
        if (stale) {
            b->stale++;
            if (designated && latest)
                b->designated_stale += jint(latest, "open_beds");
        } else {
            b->reporting++;
            b->open += jint(latest, "open_beds");
            b->occupied += jint(latest, "occupied_beds");
            b->icu += jint(latest, "icu_beds");
            b->icu_occupied += jint(latest, "icu_occupied");
            b->visits += jint(latest, "fever_visits");
            b->vents += jint(latest, "ventilators");
            if (designated)
                b->designated += jint(latest, "open_beds");
        }
        bool tertiary = level && !strcmp(level, "tertiary");
        bool icu_rule =
            tertiary && cat &&
            ((pol.icu_general && !strcmp(cat, "general")) || (pol.icu_tcm && !strcmp(cat, "tcm")) ||
             (pol.icu_specialty && !strcmp(cat, "specialty")));
        if (icu_rule) {
            if (stale) {
                bf_rule(b, 0, 3, 0, &failing);
                bf_rule(b, 1, 3, 0, &failing);
            } else {
                int64_t open = jint(latest, "open_beds");
                int64_t need = pct_need(open, pol.icu_pct), have = jint(latest, "icu_beds");
                bf_rule(b, 0, have >= need ? 1 : 2, need - have, &failing);
                need = pct_need(open, pol.conv_pct);
                have = jint(latest, "icu_convertible");
                bf_rule(b, 1, have >= need ? 1 : 2, need - have, &failing);
            }
        }
        if (level_rank(level) >= level_rank(pol.min_level)) {
            if (stale)
                bf_rule(b, 2, 3, 0, &failing);
            else {
                bool ok = json_object_get(latest, "fever_clinic") == json_true() &&
                          json_object_get(latest, "fever_24h") == json_true();
                bf_rule(b, 2, ok ? 1 : 2, 1, &failing);
            }
        }
        bf_rule(b, 3, stale ? 2 : 1, 0, &failing);
        bool below = strlen(jstr(f, "region") ? jstr(f, "region") : "") > strlen(region);
        b->below += below;
        b->below_failing += below && failing;
        if (failing) {
            b->failing++;
            if (b->nfailing < 512) {
                b->failing_names[b->nfailing] = strdup(jstr(f, "name") ? jstr(f, "name") : "");
                b->failing_ids[b->nfailing++] = ids[i];
            }
        }
        resp_free(&r);
    }
    return true;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void t_compliance_brute(struct who *u, const char *region, const char *as_of)
{
    begin("compliance %s on %s agrees with a recomputation from the reports read back", region,
          as_of);
    struct bf b;
    if (!brute_force(u, region, as_of, &b)) {
        fail("could not read the hospitals and reports");
        end();
        return;
    }
    if (b.hospitals < 3)
        fail("expected the demo's and this suite's hospitals under %s, found %lld", region,
             (long long)b.hospitals);
    struct resp r;
    call(&r, u, "GET", P("/api/v1/capacity/compliance?region=%s&date=%s", region, as_of), NULL,
         NULL);
    if (exp_status(&r, 200)) {
        json_t *j = r.json;
        exp_int(j, "hospitals", b.hospitals, "summary");
        exp_int(j, "reporting", b.reporting, "summary");
        exp_int(j, "stale", b.stale, "summary");
        exp_int(j, "failing", b.failing, "summary");
        for (int k = 0; k < 4; k++)
            exp_rule(j, BF_RULES[k], b.app[k], b.met[k], b.not_met[k], b.unknown[k], b.gap[k]);
        json_t *occ = json_object_get(j, "occupancy");
        exp_int(occ, "open_beds", b.open, "occupancy");
        exp_int(occ, "occupied_beds", b.occupied, "occupancy");
        exp_int(occ, "icu_beds", b.icu, "occupancy");
        exp_int(occ, "icu_occupied", b.icu_occupied, "occupancy");
        exp_int(occ, "fever_visits", b.visits, "occupancy");
        exp_int(occ, "ventilators", b.vents, "occupancy");
        json_t *d = rule_of(j, "designated_beds");
        exp_int(d, "have", b.designated, "designated_beds");
        exp_int(d, "not_reporting_last_known", b.designated_stale, "designated_beds");
        /* the province is judged against the target; below it, a contribution */
        const char *st = jstr(d, "status") ? jstr(d, "status") : "";
        if (strlen(region) == 2) {
            int64_t target = pol.designated_min;
            exp_int(d, "need", target, "designated_beds");
            exp_int(d, "gap", b.designated >= target ? 0 : target - b.designated,
                    "designated_beds");
            if (strcmp(st, b.designated >= target ? "met" : "not_met") != 0)
                fail("designated_beds in the province: status %s for %lld beds", st,
                     (long long)b.designated);
            if (strcmp(jstr(d, "deadline") ? jstr(d, "deadline") : "", "2022-12-31") != 0)
                fail("designated_beds deadline: expected 2022-12-31, got %s", jshow(d));
        } else if (strcmp(st, "not_applicable") != 0) {
            fail("designated_beds below the province: not_applicable, got %s", st);
        }
        /* the failing list: the same hospitals, under their whole names */
        int64_t got[512], want[512];
        int ng = 0;
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(j, "failing_list"), i, it)
        {
            if (ng < 512)
                got[ng++] = jint(it, "id");
            for (int k = 0; k < b.nfailing; k++)
                if (b.failing_ids[k] == jint(it, "id") &&
                    strcmp(jstr(it, "name") ? jstr(it, "name") : "", b.failing_names[k]) != 0)
                    fail("failing list: hospital %lld named \"%s\", the registry says \"%s\"",
                         (long long)b.failing_ids[k], jstr(it, "name") ? jstr(it, "name") : "",
                         b.failing_names[k]);
        }
        memcpy(want, b.failing_ids, sizeof want[0] * (size_t)b.nfailing);
        qsort(got, (size_t)ng, sizeof got[0], cmp_i64);
        qsort(want, (size_t)b.nfailing, sizeof want[0], cmp_i64);
        if (ng != b.nfailing || memcmp(got, want, sizeof got[0] * (size_t)ng) != 0)
            fail("failing list: %d hospitals, recomputed %d (or different ids)", ng, b.nfailing);
        /* the children add up to the hospitals registered below the region */
        int64_t kh = 0, kf = 0;
        json_array_foreach(json_object_get(j, "children"), i, it)
        {
            kh += jint(it, "hospitals");
            kf += jint(it, "failing");
        }
        if (kh != b.below || kf != b.below_failing)
            fail("children sum to %lld hospitals / %lld failing, expected %lld / %lld",
                 (long long)kh, (long long)kf, (long long)b.below, (long long)b.below_failing);
    }
    resp_free(&r);
    for (int k = 0; k < b.nfailing; k++)
        free(b.failing_names[k]);
    end();
}

/* ---- time series, MeasureReport, gap lists ---- */

/* The MeasureReport of region (on date, NULL: today) against occ, the
 * occupancy object of compliance for the same region and date. */
static void exp_measure_report(const char *region, const char *date, json_t *occ)
{
    struct resp r;
    call(&r, &commander, "GET",
         P("/api/v1/capacity/measure-report?region=%s%s%s", region, date ? "&date=" : "",
           date ? date : ""),
         NULL, NULL);
    if (exp_status(&r, 200)) {
        exp_header_has(&r, "Content-Type", "application/fhir+json");
        exp_jstr(&r, "resourceType", "MeasureReport");
        exp_jstr(&r, "status", "complete");
        exp_jstr(&r, "type", "summary");
        if (date)
            exp_jstr(&r, "date", date);
        exp_jstr(&r, "measure",
                 "http://hl7.org/fhir/uv/saner/Measure/CDCPatientImpactAndHospitalCapacity");
        json_t *subj = json_object_get(json_object_get(r.json, "subject"), "identifier");
        if (strcmp(jstr(subj, "value") ? jstr(subj, "value") : "", region) ||
            strcmp(jstr(subj, "system") ? jstr(subj, "system") : "", "urn:crest:region"))
            fail("subject.identifier: expected urn:crest:region %s, got %s", region, snip(&r));
        json_t *g = json_array_get(json_object_get(r.json, "group"), 0);
        json_t *gc = json_array_get(json_object_get(json_object_get(g, "code"), "coding"), 0);
        if (strcmp(jstr(gc, "code") ? jstr(gc, "code") : "", "Beds") ||
            strcmp(jstr(gc, "system") ? jstr(gc, "system") : "",
                   "http://hl7.org/fhir/uv/saner/CodeSystem/MeasureGroupSystem"))
            fail("group code: expected Beds, got %s", snip(&r));
        struct {
            const char *code;
            int64_t want;
        } pops[] = {
            {"numTotBeds", jint(occ, "open_beds")},       {"numbeds", jint(occ, "open_beds")},
            {"numBedsOcc", jint(occ, "occupied_beds")},   {"numICUBeds", jint(occ, "icu_beds")},
            {"numICUBedsOcc", jint(occ, "icu_occupied")}, {"numVent", jint(occ, "ventilators")}};
        for (size_t k = 0; k < sizeof pops / sizeof pops[0]; k++) {
            json_t *found = NULL;
            size_t i;
            json_t *p;
            json_array_foreach(json_object_get(g, "population"), i, p)
            {
                json_t *c =
                    json_array_get(json_object_get(json_object_get(p, "code"), "coding"), 0);
                if (jstr(c, "code") && !strcmp(jstr(c, "code"), pops[k].code) &&
                    !strcmp(jstr(c, "system") ? jstr(c, "system") : "",
                            "http://hl7.org/fhir/uv/saner/CodeSystem/MeasuredValues"))
                    found = p;
            }
            if (!found)
                fail("population %s absent", pops[k].code);
            else
                exp_int(found, "count", pops[k].want, pops[k].code);
        }
    }
    resp_free(&r);
    resp_free(&r);
}

static void t_views(void)
{
    struct resp r;
    if (!hA)
        return;
    begin("timeseries %s 12-25..12-28: per date sums of the current reports", C);
    call(&r, &commander, "GET",
         P("/api/v1/capacity/timeseries?region=%s&from=2022-12-25&to=2022-12-28", C), NULL, NULL);
    if (exp_status(&r, 200)) {
        json_t *items = json_object_get(r.json, "items");
        /* 12-25 C (500); 12-26 B (2000); 12-28 A (1000) + B (2000) + the deactivated one (300) */
        struct {
            const char *date;
            int64_t open, occupied, icu, reports;
        } want[] = {{"2022-12-25", 500, 450, 10, 1},
                    {"2022-12-26", 2000, 1500, 80, 1},
                    {SCENARIO, 3300, 2600, 118, 3}};
        if (json_array_size(items) != 3)
            fail("expected 3 dates, got %s", snip(&r));
        for (size_t i = 0; i < 3 && i < json_array_size(items); i++) {
            json_t *it = json_array_get(items, i);
            if (strcmp(jstr(it, "date") ? jstr(it, "date") : "", want[i].date))
                fail("item %zu: expected date %s", i, want[i].date);
            exp_int(it, "open_beds", want[i].open, want[i].date);
            exp_int(it, "occupied_beds", want[i].occupied, want[i].date);
            exp_int(it, "icu_beds", want[i].icu, want[i].date);
            exp_int(it, "reports", want[i].reports, want[i].date);
        }
    }
    resp_free(&r);
    call(&r, &commander, "GET", P("/api/v1/capacity/timeseries?region=%s&from=2022-13-01", C), NULL,
         NULL);
    exp_invalid(&r, "from", NULL);
    resp_free(&r);
    call(&r, &commander, "GET", "/api/v1/capacity/timeseries?region=3302", NULL, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    call(&r, &hospital, "GET", "/api/v1/capacity/timeseries", NULL, NULL);
    exp_problem(&r, 403, NULL, NULL);
    resp_free(&r);
    end();

    begin("measure-report %s: a SANER MeasureReport whose counts are compliance's occupancy", C);
    json_t *occ =
        json_pack("{s:I, s:I, s:I, s:I, s:I}", "open_beds", (json_int_t)occ_open, "occupied_beds",
                  (json_int_t)occ_occupied, "icu_beds", (json_int_t)occ_icu, "icu_occupied",
                  (json_int_t)occ_icu_occupied, "ventilators", (json_int_t)occ_vents);
    exp_measure_report(C, NULL, occ);
    json_decref(occ);
    /* and a county on a past date, against compliance read now */
    call(&r, &commander, "GET", "/api/v1/capacity/compliance?region=330106&date=2022-12-20", NULL,
         NULL);
    if (exp_status(&r, 200))
        exp_measure_report("330106", "2022-12-20", json_object_get(r.json, "occupancy"));
    resp_free(&r);
    call(&r, &hospital, "GET", "/api/v1/capacity/measure-report", NULL, NULL);
    exp_problem(&r, 403, NULL, NULL);
    resp_free(&r);
    call(&r, &commander, "GET", "/api/v1/capacity/measure-report?region=3302", NULL, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    end();

    begin("gaps.csv %s: BOM, header, one row per failing rule", C);
    call(&r, &commander, "GET", P("/api/v1/capacity/gaps.csv?region=%s", C), NULL, NULL);
    if (exp_status(&r, 200)) {
        exp_header_has(&r, "Content-Type", "text/csv");
        exp_header_has(&r, "Content-Disposition", "attachment");
        const char *hdr = "region,facility_id,facility,level,category,role,rule,have,need,gap,"
                          "last_report,as_of\r\n";
        if (r.body.n < 3 || memcmp(r.body.p, "\xEF\xBB\xBF", 3) != 0)
            fail("no UTF-8 BOM");
        else if (strncmp(r.body.p + 3, hdr, strlen(hdr)) != 0)
            fail("header: got %.120s", r.body.p + 3);
        else {
            /* B icu_beds 78/80 gap 2; C reporting */
            const char *rows = r.body.p + 3 + strlen(hdr);
            int nrows = 0;
            for (const char *p = rows; (p = strstr(p, "\r\n")); p += 2)
                nrows++;
            if (nrows != 2)
                fail("expected 2 rows (B's ICU gap, C's reporting), got %d: %s", nrows, rows);
            char want_b[128], want_c[128];
            snprintf(want_b, sizeof want_b,
                     ",%lld,容量测试乙医院,tertiary,general,sub_designated,"
                     "icu_beds,78,80,2,2022-12-28,2022-12-28\r\n",
                     (long long)hB);
            snprintf(want_c, sizeof want_c,
                     ",%lld,容量测试丙医院,tertiary,general,designated,"
                     "reporting,",
                     (long long)hC);
            if (!strstr(rows, want_b))
                fail("no row for B's ICU gap: %s", rows);
            if (!strstr(rows, want_c))
                fail("no row for C's reporting: %s", rows);
        }
    }
    resp_free(&r);
    call(&r, &hospital, "GET", "/api/v1/capacity/gaps.csv", NULL, NULL);
    exp_problem(&r, 403, NULL, NULL);
    resp_free(&r);
    end();

    begin("gaps.xlsx %s: a zip (PK) with the spreadsheet content type", C);
    call(&r, &commander, "GET", P("/api/v1/capacity/gaps.xlsx?region=%s", C), NULL, NULL);
    if (exp_status(&r, 200)) {
        exp_header_has(&r, "Content-Type",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        if (r.body.n < 4 || memcmp(r.body.p, "PK\x03\x04", 4) != 0)
            fail("the body does not start with PK\\3\\4");
    }
    resp_free(&r);
    call(&r, &commander, "GET", P("/api/v1/capacity/gaps.xlsx?region=%s&date=2022-13-01", C), NULL,
         NULL);
    exp_invalid(&r, "date", NULL);
    resp_free(&r);
    end();
}

/* ---- import and export ---- */

static const char *IMPORT_HEAD =
    "region,kind,name,level,category,role,address,phone,lat,lon,opened";

static json_t *row_errors(json_t *report, int row)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(report, "errors"), i,
                       e) if (jint(e, "row") == row) return json_object_get(e, "errors");
    return NULL;
}

static void exp_row_error(json_t *report, int row, const char *field, const char *code)
{
    json_t *fe = field_error(row_errors(report, row), field);
    if (!fe) {
        fail("row %d: expected an error on '%s', got %s", row, field,
             jshow(json_object_get(report, "errors")));
        return;
    }
    if (code && strcmp(jstr(fe, "code") ? jstr(fe, "code") : "", code) != 0)
        fail("row %d '%s': expected code %s, got %s", row, field, code, jstr(fe, "code"));
    if (!jstr(fe, "message") || !jstr(fe, "message")[0])
        fail("row %d '%s': no message", row, field);
}

static void exp_report(json_t *j, int64_t rows, int64_t valid, int64_t invalid, int64_t created)
{
    exp_int(j, "rows", rows, "import report");
    exp_int(j, "valid", valid, "import report");
    exp_int(j, "invalid", invalid, "import report");
    exp_int(j, "created", created, "import report");
}

/* rows data rows under the import header's first three columns (region,
 * kind, name: the same pharmacy on every row) as an XLSX in memory, written
 * by libxlsxwriter through a temporary file. false when it cannot be made. */
static bool rows_xlsx(int rows, struct mbuf *out)
{
    char path[] = "/tmp/crest-cap-xlsx-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return false;
    close(fd);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, NULL) : NULL;
    bool ok = ws != NULL;
    const char *head[] = {"region", "kind", "name"}, *cells[] = {C, "pharmacy", "超限药房"};
    for (int c = 0; ok && c < 3; c++)
        ok = worksheet_write_string(ws, 0, (lxw_col_t)c, head[c], NULL) == LXW_NO_ERROR;
    for (int r = 1; ok && r <= rows; r++)
        for (int c = 0; ok && c < 3; c++)
            ok = worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, cells[c], NULL) ==
                 LXW_NO_ERROR;
    if (wb && workbook_close(wb) != LXW_NO_ERROR)
        ok = false;
    FILE *f = ok ? fopen(path, "rb") : NULL;
    if (f) {
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            mbuf_add(out, chunk, n);
        fclose(f);
    }
    unlink(path);
    return ok && f && out->n > 4;
}

static void t_import(void)
{
    struct resp r;
    char csv[2048];
    /* row numbers are the file's lines: the header is row 1 */
    snprintf(csv, sizeof csv,
             "%s\r\n"
             "%s,pharmacy,导入药房甲,,,,双浦镇导入路1号,0571-88880001,30.2,120.1,2015-03-01\r\n"
             "%s,pharmacy,导入药房乙,,,,,12345,,,\r\n"
             "330203,pharmacy,导入宁波药房,,,,,,,,\r\n"
             "%s,nursing_home,导入养老院,,,,,13812345678,,,\r\n"
             "%s,pharmacy,导入药房甲,,,,,,,,\r\n",
             IMPORT_HEAD, C, C, C, C);
    int64_t before = fac_count(&admin, "33", NULL, NULL, 0);

    begin("import CSV with bad rows: 422 row by row (phone, region, duplicate), nothing written");
    upload(&r, &commander, "/api/v1/facilities/import", csv, strlen(csv), "text/csv");
    if (exp_status(&r, 422)) {
        exp_header_has(&r, "Content-Type", "application/problem+json");
        exp_report(r.json, 5, 2, 3, 0);
        if (json_array_size(json_object_get(r.json, "errors")) != 3)
            fail("expected errors for rows 3, 4, 6 only: %s", snip(&r));
        exp_row_error(r.json, 3, "phone", NULL);
        exp_row_error(r.json, 4, "region", NULL);
        exp_row_error(r.json, 6, "name", NULL);
        if (row_errors(r.json, 2) || row_errors(r.json, 5))
            fail("rows 2 and 5 are good");
    }
    resp_free(&r);
    if (fac_count(&admin, "33", NULL, NULL, 0) != before)
        fail("a refused import wrote facilities");
    end();

    begin("import ?dry_run=1: 200 with the same report, nothing written");
    upload(&r, &commander, "/api/v1/facilities/import?dry_run=1", csv, strlen(csv), "text/csv");
    if (exp_status(&r, 200)) {
        exp_report(r.json, 5, 2, 3, 0);
        if (json_object_get(r.json, "dry_run") != json_true())
            fail("dry_run: true expected");
        exp_row_error(r.json, 3, "phone", NULL);
        exp_row_error(r.json, 4, "region", NULL);
        exp_row_error(r.json, 6, "name", NULL);
    }
    resp_free(&r);
    if (fac_count(&admin, "33", NULL, NULL, 0) != before)
        fail("a dry run wrote facilities");
    end();

    begin("import ?skip_bad=1: 201 creating only the good rows");
    int64_t inC = fac_count(&commander, C, NULL, NULL, 0);
    upload(&r, &commander, "/api/v1/facilities/import?skip_bad=1", csv, strlen(csv), "text/csv");
    if (exp_status(&r, 201)) {
        exp_report(r.json, 5, 2, 3, 2);
        exp_row_error(r.json, 3, "phone", NULL);
    }
    resp_free(&r);
    if (fac_count(&admin, "33", NULL, NULL, 0) != before + 2)
        fail("expected exactly 2 new facilities");
    if (fac_count(&commander, C, NULL, NULL, 0) != inC + 2)
        fail("the 2 new facilities are in %s", C);
    int64_t nh = fac_count(&commander, C, "nursing_home", NULL, 0);
    if (nh != 1)
        fail("the nursing home was imported once, found %lld", (long long)nh);
    end();

    begin("import ?dry_run=1: a duplicate names the first earlier row that passed its checks, "
          "however far back, and two interleaved keys do not mix");
    {
        /* 1,000 rows (lines 2-1001). Key A: row 2 has a bad phone, so it is
         * not the original; row 3 is, and rows 4 and 1000 repeat it. Key B:
         * row 5, repeated by rows 500 and 1001. Every other row is its own. */
        struct mbuf big = {0};
        mbuf_add(&big, IMPORT_HEAD, strlen(IMPORT_HEAD));
        mbuf_add(&big, "\r\n", 2);
        for (int line = 2; line <= 1001; line++) {
            bool a = line == 2 || line == 3 || line == 4 || line == 1000;
            bool b = line == 5 || line == 500 || line == 1001;
            char text[256];
            int n;
            if (a || b)
                n = snprintf(text, sizeof text, "%s,pharmacy,%s,,,,,%s,,,\r\n", C,
                             a ? "导入药房丙0" : "导入药房戊0", line == 2 ? "12345" : "");
            else
                n = snprintf(text, sizeof text, "%s,pharmacy,导入药房丁%d,,,,,,,,\r\n", C, line);
            mbuf_add(&big, text, (size_t)n);
        }
        upload(&r, &commander, "/api/v1/facilities/import?dry_run=1", big.p, big.n, "text/csv");
        mbuf_free(&big);
        if (exp_status(&r, 200)) {
            exp_report(r.json, 1000, 995, 5, 0);
            exp_row_error(r.json, 2, "phone", NULL);
            static const int dup[][2] = {{4, 3}, {500, 5}, {1000, 3}, {1001, 5}};
            for (size_t i = 0; i < sizeof dup / sizeof dup[0]; i++) {
                json_t *fe = field_error(row_errors(r.json, dup[i][0]), "name");
                const char *m = fe ? jstr(fe, "message") : NULL;
                char zh[64], en[64];
                snprintf(zh, sizeof zh, "与第 %d 行重复", dup[i][1]);
                snprintf(en, sizeof en, "Duplicates row %d", dup[i][1]);
                if (!m || (strcmp(m, zh) != 0 && strcmp(m, en) != 0))
                    fail("row %d: expected a duplicate of row %d, got %s", dup[i][0], dup[i][1],
                         jshow(json_object_get(r.json, "errors")));
            }
        }
        resp_free(&r);
    }
    end();

    begin("import again ?dry_run=1: the imported rows now exist in the registry");
    upload(&r, &commander, "/api/v1/facilities/import?dry_run=1", csv, strlen(csv), "text/csv");
    if (exp_status(&r, 200)) {
        exp_report(r.json, 5, 0, 5, 0);
        exp_row_error(r.json, 2, "name", "exists");
        exp_row_error(r.json, 5, "name", "exists");
    }
    resp_free(&r);
    end();

    begin("import with Chinese headers (as the export writes them), dry run");
    char zh[1024];
    snprintf(
        zh, sizeof zh,
        "区划代码,类型,名称,等级,类别,定点类型\r\n%s,hospital,中文表头医院,tertiary,tcm,none\r\n"
        "%s,hospital,中文表头坏医院,tertiary,,none\r\n",
        C, C);
    upload(&r, &commander, "/api/v1/facilities/import?dry_run=1", zh, strlen(zh), "text/csv");
    if (exp_status(&r, 200)) {
        exp_report(r.json, 2, 1, 1, 0);
        exp_row_error(r.json, 3, "category", NULL); /* tertiary without a category */
    }
    resp_free(&r);
    end();

    begin("import bad files: empty, not CSV or XLSX, not UTF-8, missing or unknown columns -> "
          "422");
    upload(&r, &commander, "/api/v1/facilities/import", "", 0, "text/csv");
    exp_invalid(&r, "file", NULL);
    resp_free(&r);
    upload(&r, &commander, "/api/v1/facilities/import", "PK\x03\x04not a zip at all", 21,
           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    exp_invalid(&r, "file", NULL);
    resp_free(&r);
    const char *quote = "region,kind,name\r\n330106110,\"pharmacy,x\r\n";
    upload(&r, &commander, "/api/v1/facilities/import", quote, strlen(quote), "text/csv");
    exp_invalid(&r, "file", NULL);
    resp_free(&r);
    const char *only_head = "region,kind,name\r\n";
    upload(&r, &commander, "/api/v1/facilities/import", only_head, strlen(only_head), "text/csv");
    exp_invalid(&r, "file", NULL);
    resp_free(&r);
    char miss[256];
    snprintf(miss, sizeof miss, "region,kind\r\n%s,pharmacy\r\n", C);
    upload(&r, &commander, "/api/v1/facilities/import", miss, strlen(miss), "text/csv");
    exp_invalid(&r, "name", "required");
    resp_free(&r);
    char unk[256];
    snprintf(unk, sizeof unk, "region,kind,name,colour\r\n%s,pharmacy,彩色药房,red\r\n", C);
    upload(&r, &commander, "/api/v1/facilities/import", unk, strlen(unk), "text/csv");
    exp_invalid(&r, "colour", "unknown");
    resp_free(&r);
    const char *json = "{\"region\": \"330106\", \"kind\": \"pharmacy\"}";
    upload(&r, &commander, "/api/v1/facilities/import", json, strlen(json), "application/json");
    exp_invalid(&r, "file", "format");
    resp_free(&r);
    /* not UTF-8: a GBK CSV (as Excel saves it in China), binary bytes, an overlong form */
    char gbk[256];
    snprintf(gbk, sizeof gbk, "region,kind,name\r\n%s,pharmacy,\xd2\xa9\xb7\xbf\r\n", C);
    const char *not_utf8[] = {gbk, "\x01\x02\x03garbage\xff\xfe\r\n",
                              "region,kind,name\r\n330106,pharmacy,\xc0\xaf\r\n"};
    for (size_t k = 0; k < sizeof not_utf8 / sizeof not_utf8[0]; k++) {
        upload(&r, &commander, "/api/v1/facilities/import?dry_run=1", not_utf8[k],
               strlen(not_utf8[k]), "text/csv");
        exp_invalid(&r, "file", "format");
        resp_free(&r);
    }
    /* four-byte UTF-8 is text like any other */
    char emoji[256];
    snprintf(emoji, sizeof emoji, "region,kind,name\r\n%s,pharmacy,笑脸药房\xf0\x9f\x98\x80\r\n",
             C);
    upload(&r, &commander, "/api/v1/facilities/import?dry_run=1", emoji, strlen(emoji), "text/csv");
    if (exp_status(&r, 200))
        exp_report(r.json, 1, 1, 0, 0);
    resp_free(&r);
    if (fac_count(&admin, "33", NULL, NULL, 0) != before + 2)
        fail("a refused file wrote facilities");
    end();

    begin("import: roles and scope - hospital 403, commander rows outside scope refused");
    upload(&r, &hospital, "/api/v1/facilities/import?dry_run=1", csv, strlen(csv), "text/csv");
    exp_problem(&r, 403, NULL, NULL);
    resp_free(&r);
    end();

    begin("import: a 2 MiB CSV is accepted, 32 MiB + 1 is not; other routes keep 1 MiB");
    struct mbuf big = {0};
    mbuf_add(&big, IMPORT_HEAD, strlen(IMPORT_HEAD));
    mbuf_add(&big, "\r\n", 2);
    char *addr = repeat("测", 190); /* 570 bytes, under the 200-character limit */
    int rows = 0;
    while (big.n < ((size_t)2 << 20) + 1024) {
        char line[1024];
        int n =
            snprintf(line, sizeof line, "%s,pharmacy,批量药房%05d,,,,%s,,,,\r\n", C, rows, addr);
        mbuf_add(&big, line, (size_t)n);
        rows++;
    }
    free(addr);
    upload(&r, &commander, "/api/v1/facilities/import?dry_run=1", big.p, big.n, "text/csv");
    if (exp_status(&r, 200))
        exp_report(r.json, rows, rows, 0, 0);
    resp_free(&r);
    /* other routes keep 1 MiB */
    /* (Expect: 100-continue: the server refuses before the body is sent,
     * instead of curl failing to send into a closed connection) */
    http_full(&r, "POST", "/api/v1/facilities", big.p, big.n, 0,
              H(commander.bearer, "Content-Type: application/json", "Expect: 100-continue"));
    exp_problem(&r, 413, NULL, NULL);
    resp_free(&r);
    mbuf_free(&big);
    /* and the import route's own limit: 32 MiB */
    size_t over = ((size_t)32 << 20) + 1;
    char *huge = malloc(over);
    if (!huge)
        exit(2);
    memset(huge, 'x', over);
    http_full(&r, "POST", "/api/v1/facilities/import?dry_run=1", huge, over, 0,
              H(commander.bearer, "Content-Type: text/csv", "Expect: 100-continue"));
    exp_problem(&r, 413, NULL, NULL);
    resp_free(&r);
    free(huge);
    if (fac_count(&admin, "33", NULL, NULL, 0) != before + 2)
        fail("the big dry run wrote facilities");
    end();

    begin("import over the 50,000-row cap, CSV and XLSX: 422 naming file (too_big), nothing "
          "written");
    {
        int64_t count0 = fac_count(&admin, "33", NULL, NULL, 0);
        struct mbuf over_csv = {0};
        mbuf_add(&over_csv, "region,kind,name\r\n", 18);
        char line[128];
        int n = snprintf(line, sizeof line, "%s,pharmacy,超限药房\r\n", C);
        for (int k = 0; k < 50001; k++)
            mbuf_add(&over_csv, line, (size_t)n);
        upload(&r, &commander, "/api/v1/facilities/import", over_csv.p, over_csv.n, "text/csv");
        exp_invalid(&r, "file", "too_big");
        resp_free(&r);
        mbuf_free(&over_csv);
        /* the XLSX reader hands the row callback's stop back as its own
         * return: that must still be the cap, not an empty 500 */
        struct mbuf over_xlsx = {0};
        if (!rows_xlsx(50001, &over_xlsx)) {
            fail("cannot make the XLSX");
        } else {
            const char *xt = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            upload(&r, &commander, "/api/v1/facilities/import", over_xlsx.p, over_xlsx.n, xt);
            exp_invalid(&r, "file", "too_big");
            resp_free(&r);
            upload(&r, &commander, "/api/v1/facilities/import?dry_run=1", over_xlsx.p, over_xlsx.n,
                   xt);
            exp_invalid(&r, "file", "too_big");
            resp_free(&r);
        }
        mbuf_free(&over_xlsx);
        if (fac_count(&admin, "33", NULL, NULL, 0) != count0)
            fail("an import over the cap wrote facilities");
    }
    end();

    begin("export CSV %s: BOM, the import header, one row per active facility", C);
    int64_t active = 0;
    {
        struct resp l;
        call(&l, &commander, "GET", P("/api/v1/facilities?region=%s&limit=1000", C), NULL, NULL);
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(l.json, "items"), i, it) active +=
            json_object_get(it, "active") == json_true();
        resp_free(&l);
    }
    call(&r, &commander, "GET", P("/api/v1/facilities/export?region=%s&format=csv", C), NULL, NULL);
    struct mbuf exported = {0};
    if (exp_status(&r, 200)) {
        exp_header_has(&r, "Content-Type", "text/csv");
        if (r.body.n < 3 || memcmp(r.body.p, "\xEF\xBB\xBF", 3) != 0 ||
            strncmp(r.body.p + 3, IMPORT_HEAD, strlen(IMPORT_HEAD)) != 0)
            fail("expected BOM + \"%s\", got %.100s", IMPORT_HEAD, r.body.p);
        int lines = 0;
        for (const char *p = r.body.p; (p = strstr(p, "\r\n")); p += 2)
            lines++;
        if (lines != active + 1)
            fail("expected %lld rows + header, got %d lines", (long long)active, lines);
        mbuf_add(&exported, r.body.p, r.body.n);
    }
    resp_free(&r);
    end();

    begin("export CSV re-imported with dry_run: every row exists (the deactivated one is not "
          "exported)");
    if (exported.n) {
        upload(&r, &commander, "/api/v1/facilities/import?dry_run=1", exported.p, exported.n,
               "text/csv");
        if (exp_status(&r, 200)) {
            exp_report(r.json, active, 0, active, 0);
            for (int row = 2; row < 2 + active; row++)
                exp_row_error(r.json, row, "name", "exists");
        }
        resp_free(&r);
    }
    mbuf_free(&exported);
    end();

    begin("export XLSX %s re-imported with dry_run: the XLSX reader finds every row, all exist", C);
    call(&r, &commander, "GET", P("/api/v1/facilities/export?region=%s&format=xlsx", C), NULL,
         NULL);
    if (exp_status(&r, 200)) {
        exp_header_has(&r, "Content-Type", "spreadsheetml.sheet");
        if (r.body.n < 4 || memcmp(r.body.p, "PK\x03\x04", 4) != 0)
            fail("the export is not a zip");
        struct resp i;
        upload(&i, &commander, "/api/v1/facilities/import?dry_run=1", r.body.p, r.body.n,
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        if (exp_status(&i, 200)) {
            exp_report(i.json, active, 0, active, 0);
            for (int row = 2; row < 2 + active; row++)
                exp_row_error(i.json, row, "name", "exists");
        }
        resp_free(&i);
        /* the file type comes from the bytes too: no Content-Type needed */
        upload(&i, &commander, "/api/v1/facilities/import?dry_run=1", r.body.p, r.body.n,
               "application/octet-stream");
        if (exp_status(&i, 200))
            exp_int(i.json, "rows", active, "xlsx without its content type");
        resp_free(&i);
    }
    resp_free(&r);
    call(&r, &commander, "GET", "/api/v1/facilities/export?region=3302&format=xlsx", NULL, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    call(&r, &commander, "GET", P("/api/v1/facilities/export?region=%s&format=pdf", C), NULL, NULL);
    exp_invalid(&r, "format", NULL);
    resp_free(&r);
    end();
}

/* ===================================================================== */

int main(int argc, char **argv)
{
    (void)argv;
    const char *url = getenv("CREST_URL"), *pw = getenv("API_PASSWORD");
    if (argc > 1 || !url || !pw || !client_init(url)) {
        fputs("usage: CREST_URL=http://127.0.0.1:PORT API_PASSWORD=… capacity_test\n"
              "(see tests/api/run.sh)\n",
              stderr);
        return 2;
    }
    snprintf(password, sizeof password, "%s", pw);
    bool in = sign_in(&admin, password);
    in = sign_in(&commander, password) && in;
    in = sign_in(&hospital, password) && in;
    if (in) {
        t_setup_region();
        if (C[0]) {
            t_policy();
            t_facility_crud();
            t_facility_validation();
            t_reports();
            t_compliance_exact();
            t_compliance_brute(&commander, "330106", SCENARIO);
            t_compliance_brute(&commander, "330106", "2022-12-20");
            t_compliance_brute(&commander, TOWNSHIP, "2022-12-26");
            t_compliance_brute(&admin, "33", SCENARIO);
            t_views();
            t_import();
        }
    } else {
        printf("FAIL setup: api-admin, api-commander and api-hospital must sign in\n");
        n_fail++;
    }
    client_cleanup();
    printf("%d passed, %d failed\n", n_pass, n_fail);
    fflush(stdout); /* before a sanitizer's report at exit can end the process */
    return n_fail ? 1 : 0;
}
