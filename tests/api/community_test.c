/*
 * community_test.c - the community pillar's HTTP API (issue 5) against a
 * live `crest serve`: the resident registry (GB 11643 ID numbers, cross-
 * checked birth date and sex, masking in lists, If-Match), the graded
 * home-isolation ledger (one open episode per person, grades with their
 * reasons, ending), follow-ups (range checks, warning signs, the fever run,
 * grade history, late entries, a resident's self-report), the grid worker's
 * day list, service requests (policy deadlines, status transitions, what a
 * resident may do), transfers (ranking, reservation, the green channel, the
 * hospital's answer, arrival) with the concurrent last-ICU-bed race, and the
 * statistics and the XLSX ledger of a grid made here.
 *
 * Every rejected request is followed by a read-back proving nothing was
 * written. No wall-clock time is asserted. Follow-ups carry explicit times
 * in the past of the scenario date, so grades do not depend on the clock.
 *
 * tests/api/run.sh prepares the database (the demo at --scale 0.01, scenario
 * date 2022-12-28; the api-ROLE users; api-hospital bound to the demo
 * `hospital` login's facility) and runs this after api_test and the other
 * suites against the same server, on SQLite and on PostgreSQL. Environment:
 *   CREST_URL      http://127.0.0.1:PORT of the server under test
 *   API_PASSWORD   the password of every api-* user
 * Output: one line per failing case, then "N passed, N failed". Exit status 1
 * when any case failed, 2 on bad usage.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

#define SCENARIO "2022-12-28"    /* the demo's business date */
#define GRID "330106004001001"   /* api-grid's scope and api-resident's grid */
#define COMMUNITY "330106004001" /* the grid's community */
#define TOWNSHIP "330106004"     /* where this suite's hospitals are */
/* where the transfer cases' residents live, and hospital H1 with them: far
 * enough from the demo's hospitals that H1 is always the nearest */
#define LAT0 30.05
#define LON0 119.85

/* ---- who is asking ---- */

static struct who admin = {.name = "api-admin"}, commander = {.name = "api-commander"},
                  gridw = {.name = "api-grid"}, resident = {.name = "api-resident"},
                  hospital = {.name = "api-hospital"};

static char password[256];

/* ---- small helpers ---- */

/* "\"N\"" for an If-Match, in one of 4 rotating buffers. */
static const char *V(int64_t v)
{
    static char bufs[4][32];
    static int k;
    char *b = bufs[k++ & 3];
    snprintf(b, sizeof bufs[0], "\"%lld\"", (long long)v);
    return b;
}

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

/* status, problem+json naming field (and, code non-NULL, with that code),
 * with a message. */
static bool exp_field(const struct resp *r, long status, const char *field, const char *code)
{
    if (!exp_problem(r, status, field, NULL))
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

static bool exp_invalid(const struct resp *r, const char *field, const char *code)
{
    return exp_field(r, 422, field, code);
}

/* The message of the error on field contains needle. */
static bool exp_field_says(const struct resp *r, const char *field, const char *needle)
{
    json_t *e = field_error(json_object_get(r->json, "errors"), field);
    const char *m = jstr(e, "message");
    if (m && strstr(m, needle))
        return true;
    fail("expected the error on '%s' to mention '%s': %s", field, needle, snip(r));
    return false;
}

static bool exp_etag(const struct resp *r, int64_t version)
{
    char want[32];
    snprintf(want, sizeof want, "\"%lld\"", (long long)version);
    char got[64] = "";
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

static bool exp_str(json_t *o, const char *key, const char *want, const char *what)
{
    const char *s = jstr(o, key);
    if (s && !strcmp(s, want))
        return true;
    fail("%s: expected %s = \"%s\", got %s", what, key, want, jshow(json_object_get(o, key)));
    return false;
}

static bool has_text(json_t *o, const char *key, const char *needle, const char *what)
{
    const char *s = jstr(o, key);
    if (s && strstr(s, needle))
        return true;
    fail("%s: expected %s to contain \"%s\", got %s", what, key, needle,
         jshow(json_object_get(o, key)));
    return false;
}

/* ---- times ---- */

static int64_t num(const char *s, int n)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* days since 1970-01-01 (Howard Hinnant's days_from_civil) */
static int64_t days_of(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* date + days, both YYYY-MM-DD (Howard Hinnant's civil_from_days) */
static void date_add(const char *date, int64_t days, char out[16])
{
    int64_t z = days_of(num(date, 4), num(date + 5, 2), num(date + 8, 2)) + days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(out, 16, "%04d-%02d-%02d", (int)(y % 10000), (int)(m % 100), (int)(d % 100));
}

/* The server's "YYYY-MM-DDTHH:MM:SS.mmmZ" in ms; -1 when malformed. */
static int64_t iso_ms(const char *s)
{
    if (!s || strlen(s) != 24 || s[10] != 'T' || s[23] != 'Z')
        return -1;
    int64_t y = num(s, 4), mo = num(s + 5, 2), d = num(s + 8, 2), h = num(s + 11, 2),
            mi = num(s + 14, 2), se = num(s + 17, 2), ms = num(s + 20, 3);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0 || ms < 0)
        return -1;
    return ((days_of(y, mo, d) * 24 + h) * 60 + mi) * 60000 + se * 1000 + ms;
}

/* ---- resident ID numbers (GB 11643-1999) ---- */

static char id_check(const char *first17)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (first17[i] - '0') * w[i];
    return "10X98765432"[sum % 11];
}

static int id_seq = 1;

/* A fresh valid ID number of someone born on birth (YYYYMMDD), registered
 * in 330106; the 17th digit gives the sex (odd: male). want_x: one whose
 * check character is X. The sequence digits come from a counter, so no
 * number repeats within a run. */
static void id_make(char out[24], const char *birth, bool male, bool want_x)
{
    for (int tries = 0; tries < 5000; tries++) {
        int n = id_seq++;
        int seq = (n * 2 + (male ? 1 : 0)) % 1000;
        char first[48];
        snprintf(first, sizeof first, "330106%.8s%03d", birth, seq);
        char c = id_check(first);
        if (want_x && c != 'X')
            continue;
        snprintf(out, 24, "%.17s%c", first, c);
        return;
    }
    snprintf(out, 24, "(no number)");
}

/* The number with its check character replaced by a wrong one. */
static void id_wrong_check(const char *id, char out[24])
{
    snprintf(out, 24, "%s", id);
    out[17] = out[17] == '0' ? '1' : '0';
    if (out[17] == id_check(out))
        out[17] = '2';
}

/* ---- persons ---- */

struct person {
    int64_t id;
    char idn[24];
};

/* Create a person as u in gridc, born on birth (YYYYMMDD); extra (consumed,
 * may be NULL) adds fields. Retried with another number in the rare case a
 * demo resident holds it. true on 201. */
static bool person_new(struct who *u, const char *gridc, const char *birth, bool male,
                       const char *phone, json_t *extra, struct person *out)
{
    memset(out, 0, sizeof *out);
    bool ok = false;
    for (int tries = 0; tries < 5 && !ok; tries++) {
        id_make(out->idn, birth, male, false);
        json_t *b = json_pack("{s:s, s:s, s:s}", "id_number", out->idn, "name", "社区测试居民",
                              "grid", gridc);
        if (phone)
            json_object_set_new(b, "phone", json_string(phone));
        if (extra)
            json_object_update(b, extra);
        struct resp r;
        callj(&r, u, "POST", "/api/v1/persons", b, NULL);
        if (r.status == 409 && has_field_error(&r, "id_number")) {
            resp_free(&r);
            continue;
        }
        if (exp_status(&r, 201))
            out->id = jint(r.json, "id");
        ok = out->id > 0;
        resp_free(&r);
        break;
    }
    json_decref(extra);
    if (!ok)
        fail("could not create a person born %s in %s", birth, gridc);
    return ok;
}

/* Persons u sees in region, by following `next`; -1 after a failure. */
static int64_t persons_in(struct who *u, const char *region)
{
    int64_t n = 0, after = 0;
    for (int page = 0; page < 1000; page++) {
        struct resp r;
        call(&r, u, "GET",
             P("/api/v1/persons?region=%s&limit=1000&after=%lld", region, (long long)after), NULL,
             NULL);
        if (!exp_status(&r, 200)) {
            resp_free(&r);
            return -1;
        }
        n += (int64_t)json_array_size(json_object_get(r.json, "items"));
        json_t *next = json_object_get(r.json, "next");
        bool more = json_is_integer(next);
        after = json_integer_value(next);
        resp_free(&r);
        if (!more)
            return n;
    }
    return -1;
}

/* GET a JSON resource as u; the body (owned by the caller) or NULL after a
 * failure. */
static json_t *get_json(struct who *u, const char *path)
{
    struct resp r;
    call(&r, u, "GET", path, NULL, NULL);
    json_t *j = NULL;
    if (exp_status(&r, 200))
        j = json_incref(r.json);
    resp_free(&r);
    return j;
}

static json_t *person_get(struct who *u, int64_t id)
{
    return get_json(u, P("/api/v1/persons/%lld", (long long)id));
}

/* ---- episodes and follow-ups ---- */

/* Open an episode as u; its id, or 0 after a failure. start NULL: today. */
static int64_t ep_new(struct who *u, int64_t pid, const char *start)
{
    json_t *b = json_pack("{s:I, s:s, s:s}", "person_id", (json_int_t)pid, "kind", "confirmed",
                          "source", "antigen");
    if (start)
        json_object_set_new(b, "start_date", json_string(start));
    struct resp r;
    callj(&r, u, "POST", "/api/v1/community/episodes", b, NULL);
    int64_t id = 0;
    if (exp_status(&r, 201))
        id = jint(r.json, "id");
    resp_free(&r);
    if (id <= 0)
        fail("could not open an episode for person %lld", (long long)pid);
    return id;
}

static json_t *ep_get(struct who *u, int64_t id)
{
    return get_json(u, P("/api/v1/community/episodes/%lld", (long long)id));
}

/* A follow-up body: at NULL (now), temp < 0 and spo2 < 0 absent, sym NULL
 * or one symptom. */
static json_t *fub(const char *at, double temp, int spo2, const char *sym, bool medicine)
{
    json_t *b = json_object();
    if (at)
        json_object_set_new(b, "at", json_string(at));
    if (temp >= 0)
        json_object_set_new(b, "temp", json_real(temp));
    if (spo2 >= 0)
        json_object_set_new(b, "spo2", json_integer(spo2));
    if (sym)
        json_object_set_new(b, "symptoms", json_pack("[s]", sym));
    if (medicine)
        json_object_set_new(b, "medicine", json_true());
    return b;
}

/* POST a follow-up that must be accepted; the reply (owned) or NULL. */
static json_t *fu_ok(struct who *u, int64_t ep, json_t *body)
{
    struct resp r;
    callj(&r, u, "POST", P("/api/v1/community/episodes/%lld/followups", (long long)ep), body, NULL);
    json_t *j = NULL;
    if (exp_status(&r, 201))
        j = json_incref(r.json);
    resp_free(&r);
    return j;
}

static int64_t fu_count(struct who *u, int64_t ep)
{
    json_t *j = get_json(u, P("/api/v1/community/episodes/%lld/followups", (long long)ep));
    int64_t n = j ? (int64_t)json_array_size(json_object_get(j, "items")) : -1;
    json_decref(j);
    return n;
}

/* The grade history's length of an episode; -1 after a failure. */
static int64_t hist_len(struct who *u, int64_t ep)
{
    json_t *j = ep_get(u, ep);
    int64_t n = j ? (int64_t)json_array_size(json_object_get(j, "grade_history")) : -1;
    json_decref(j);
    return n;
}

/* A follow-up reply's episode grade is want. */
static bool exp_grade(json_t *fu, const char *want, const char *what)
{
    json_t *e = json_object_get(fu, "episode");
    return exp_str(e, "grade", want, what);
}

/* ===================================================================== */

static struct person pA, pB;
static int64_t eA2, eB; /* pA's second (yellow) episode; pB's (red at the end) */
static int64_t pGreen;  /* a person without an episode: grade green for requests */
static char G2[32];     /* a grid made here by the commander, outside api-grid's scope */
static int64_t own_fid; /* api-hospital's facility */
static int64_t H1, H2;  /* designated with 3 ICU beds; not designated, no ICU */
static json_t *pol;     /* the policy's community section */

static void t_setup(void)
{
    struct resp r;
    begin("setup: policy, api-hospital's facility, a fresh grid under %s", COMMUNITY);
    json_t *p = get_json(&admin, "/api/v1/policy");
    pol = p ? json_incref(json_object_get(p, "community")) : NULL;
    json_decref(p);
    if (!json_is_object(pol))
        fail("no community section in the policy");
    call(&r, &hospital, "GET", "/api/v1/me", NULL, NULL);
    if (exp_status(&r, 200))
        own_fid = jint(r.json, "facility_id");
    resp_free(&r);
    if (own_fid <= 0)
        fail("api-hospital has no facility (run.sh binds it)");
    for (int k = 950; k < 1000 && !G2[0]; k++) {
        char code[32];
        snprintf(code, sizeof code, "%s%03d", COMMUNITY, k);
        callj(&r, &commander, "POST", "/api/v1/regions",
              json_pack("{s:s, s:s, s:s, s:s}", "parent", COMMUNITY, "code", code, "name",
                        "社区测试网格", "level", "grid"),
              NULL);
        if (r.status == 201)
            snprintf(G2, sizeof G2, "%s", code);
        else if (r.status != 409)
            exp_status(&r, 201);
        resp_free(&r);
    }
    if (!G2[0])
        fail("no free grid code under %s", COMMUNITY);
    end();
}

/* policy community.<section>.<key> */
static int64_t pol_int(const char *section, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(pol, section), key));
}

/* ---- persons ---- */

static void t_persons(void)
{
    struct resp r;
    int64_t before = persons_in(&gridw, GRID);

    begin("person create: a valid ID number, birth date and sex derived, full record back");
    id_make(pA.idn, "19500615", true, false);
    callj(&r, &gridw, "POST", "/api/v1/persons",
          json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s]}", "id_number", pA.idn, "name",
                    "王建华", "phone", "13812345678", "grid", GRID, "address", "文新街道测试路8号",
                    "birth_date", "1950-06-15", "sex", "M", "chronic", "hypertension"),
          NULL);
    if (exp_status(&r, 201)) {
        pA.id = jint(r.json, "id");
        exp_str(r.json, "id_number", pA.idn, "create");
        exp_str(r.json, "birth_date", "1950-06-15", "create");
        exp_str(r.json, "sex", "M", "create");
        exp_int(r.json, "age", 72, "create (on " SCENARIO ")");
        exp_str(r.json, "phone", "13812345678", "create");
        exp_int(r.json, "version", 1, "create");
        exp_etag(&r, 1);
        exp_header_has(&r, "Location", P("/api/v1/persons/%lld", (long long)pA.id));
    }
    resp_free(&r);
    end();

    begin("person create: an X check digit, sent in lower case, stored in upper case");
    {
        char idx[24], lower[24];
        id_make(idx, "19850303", false, true);
        snprintf(lower, sizeof lower, "%s", idx);
        lower[17] = 'x';
        callj(&r, &gridw, "POST", "/api/v1/persons",
              json_pack("{s:s, s:s, s:s}", "id_number", lower, "name", "李秀英", "grid", GRID),
              NULL);
        if (idx[17] != 'X')
            fail("test bug: %s has no X check digit", idx);
        else if (exp_status(&r, 201)) {
            exp_str(r.json, "id_number", idx, "X check digit");
            exp_str(r.json, "sex", "F", "X check digit");
            exp_str(r.json, "birth_date", "1985-03-03", "X check digit");
        }
        resp_free(&r);
    }
    end();

    begin("person create: a wrong check digit is 422 on id_number, nothing written");
    {
        char good[24], bad[24];
        id_make(good, "19900101", true, false);
        id_wrong_check(good, bad);
        callj(&r, &gridw, "POST", "/api/v1/persons",
              json_pack("{s:s, s:s, s:s}", "id_number", bad, "name", "错号", "grid", GRID), NULL);
        exp_invalid(&r, "id_number", "checksum");
        resp_free(&r);
        /* the X check digit of another number is wrong for this one too */
        char badx[24];
        snprintf(badx, sizeof badx, "%s", good);
        badx[17] = good[17] == 'X' ? '0' : 'X';
        callj(&r, &gridw, "POST", "/api/v1/persons",
              json_pack("{s:s, s:s, s:s}", "id_number", badx, "name", "错号", "grid", GRID), NULL);
        exp_invalid(&r, "id_number", "checksum");
        resp_free(&r);
        /* not 17 digits and a check character */
        callj(&r, &gridw, "POST", "/api/v1/persons",
              json_pack("{s:s, s:s, s:s}", "id_number", "33010619900101A01X", "name", "错号",
                        "grid", GRID),
              NULL);
        exp_invalid(&r, "id_number", "format");
        resp_free(&r);
    }
    end();

    begin("person create: an impossible birth date in the ID is 422 on id_number");
    {
        /* 1999-02-30, 2001-02-29, month 13, and a birth after the scenario date, each with a
         * correct check digit */
        static const char *const dates[] = {"19990230", "20010229", "19851301", "20230105"};
        for (int k = 0; k < 4; k++) {
            char first[48], idn[24];
            snprintf(first, sizeof first, "330106%s123", dates[k]);
            snprintf(idn, sizeof idn, "%.17s%c", first, id_check(first));
            callj(&r, &gridw, "POST", "/api/v1/persons",
                  json_pack("{s:s, s:s, s:s}", "id_number", idn, "name", "错日", "grid", GRID),
                  NULL);
            exp_invalid(&r, "id_number", "date");
            resp_free(&r);
        }
    }
    end();

    begin("person create: birth_date and sex contradicting the ID are 422 naming both");
    {
        char idn[24];
        id_make(idn, "19700707", true, false);
        callj(&r, &gridw, "POST", "/api/v1/persons",
              json_pack("{s:s, s:s, s:s, s:s, s:s}", "id_number", idn, "name", "矛盾", "grid", GRID,
                        "birth_date", "1970-07-08", "sex", "F"),
              NULL);
        if (exp_invalid(&r, "birth_date", "mismatch")) {
            exp_invalid(&r, "sex", "mismatch");
            exp_field_says(&r, "birth_date", "1970-07-07");
        }
        resp_free(&r);
        /* the same number with agreeing fields is fine: the refusal wrote nothing */
        callj(&r, &gridw, "POST", "/api/v1/persons",
              json_pack("{s:s, s:s, s:s, s:s, s:s}", "id_number", idn, "name", "矛盾", "grid", GRID,
                        "birth_date", "1970-07-07", "sex", "M"),
              NULL);
        exp_status(&r, 201);
        resp_free(&r);
    }
    end();

    begin("person create: a bad phone is 422 on phone");
    {
        static const char *const phones[] = {"12345", "1381234567", "23812345678", "phone"};
        for (int k = 0; k < 4; k++) {
            char idn[24];
            id_make(idn, "19750505", false, false);
            callj(&r, &gridw, "POST", "/api/v1/persons",
                  json_pack("{s:s, s:s, s:s, s:s}", "id_number", idn, "name", "坏电话", "grid",
                            GRID, "phone", phones[k]),
                  NULL);
            exp_invalid(&r, "phone", NULL);
            resp_free(&r);
        }
    }
    end();

    begin("person create: a duplicate ID number is 409 on id_number naming the person");
    callj(&r, &gridw, "POST", "/api/v1/persons",
          json_pack("{s:s, s:s, s:s}", "id_number", pA.idn, "name", "重复", "grid", GRID), NULL);
    if (exp_field(&r, 409, "id_number", NULL))
        exp_field_says(&r, "id_number", P("%lld", (long long)pA.id));
    resp_free(&r);
    end();

    begin("person create: a grid outside the grid worker's scope is refused on grid");
    {
        char idn[24];
        id_make(idn, "19800808", true, false);
        static const char *const grids[] = {G2, "330106004001002", "330203001001001"};
        for (int k = 0; k < 3; k++) {
            callj(&r, &gridw, "POST", "/api/v1/persons",
                  json_pack("{s:s, s:s, s:s}", "id_number", idn, "name", "越界", "grid", grids[k]),
                  NULL);
            if (r.status != 404)
                exp_invalid(&r, "grid", NULL);
            resp_free(&r);
        }
        /* not a grid: a community code */
        callj(&r, &gridw, "POST", "/api/v1/persons",
              json_pack("{s:s, s:s, s:s}", "id_number", idn, "name", "越界", "grid", COMMUNITY),
              NULL);
        exp_invalid(&r, "grid", NULL);
        resp_free(&r);
        if (persons_in(&commander, G2) != 0)
            fail("a refused create wrote a person in %s", G2);
    }
    end();

    begin("person create: the refused requests wrote nothing in %s", GRID);
    /* pA, the X person and the agreeing retry: three */
    int64_t after = persons_in(&gridw, GRID);
    if (before < 0 || after != before + 3)
        fail("expected %lld persons after, got %lld", (long long)before + 3, (long long)after);
    end();

    begin("person list: ID numbers and phones masked, no birth date");
    {
        int64_t cursor = 0;
        bool seen = false;
        for (int page = 0; page < 100; page++) {
            call(&r, &gridw, "GET",
                 P("/api/v1/persons?region=%s&limit=50&after=%lld", GRID, (long long)cursor), NULL,
                 NULL);
            if (!exp_status(&r, 200)) {
                resp_free(&r);
                break;
            }
            size_t i;
            json_t *it;
            json_array_foreach(json_object_get(r.json, "items"), i, it)
            {
                const char *idn = jstr(it, "id_number");
                if (!idn || strlen(idn) != 18 || strncmp(idn + 6, "********", 8) != 0)
                    fail("unmasked ID number in the list: %s", jshow(it));
                const char *ph = jstr(it, "phone");
                if (ph && (strlen(ph) != 11 || strncmp(ph + 3, "****", 4) != 0))
                    fail("unmasked phone in the list: %s", jshow(it));
                if (json_object_get(it, "birth_date"))
                    fail("birth date in the list: %s", jshow(it));
                if (jint(it, "id") == pA.id) {
                    seen = true;
                    char want[24];
                    snprintf(want, sizeof want, "330106********%s", pA.idn + 14);
                    exp_str(it, "id_number", want, "masked ID");
                    exp_str(it, "phone", "138****5678", "masked phone");
                }
            }
            json_t *next = json_object_get(r.json, "next");
            bool more = json_is_integer(next);
            cursor = json_integer_value(next);
            resp_free(&r);
            if (!more)
                break;
        }
        if (!seen)
            fail("person %lld not in the list of %s", (long long)pA.id, GRID);
    }
    end();

    begin("person list: the need filter and a bad one");
    call(&r, &gridw, "GET", P("/api/v1/persons?region=%s&need=chronic&limit=1000", GRID), NULL,
         NULL);
    if (exp_status(&r, 200)) {
        bool seen = false;
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(r.json, "items"), i, it)
        {
            seen = seen || jint(it, "id") == pA.id;
            if (json_array_size(json_object_get(json_object_get(it, "needs"), "chronic")) == 0)
                fail("need=chronic listed a person without one: %s", jshow(it));
        }
        if (!seen)
            fail("pA (hypertension) not in need=chronic");
    }
    resp_free(&r);
    call(&r, &gridw, "GET", P("/api/v1/persons?region=%s&need=rich", GRID), NULL, NULL);
    exp_invalid(&r, "need", NULL);
    resp_free(&r);
    end();

    begin("person detail: the full record (ID number, phone, birth date, address)");
    call(&r, &gridw, "GET", P("/api/v1/persons/%lld", (long long)pA.id), NULL, NULL);
    if (exp_status(&r, 200)) {
        exp_str(r.json, "id_number", pA.idn, "detail");
        exp_str(r.json, "phone", "13812345678", "detail");
        exp_str(r.json, "birth_date", "1950-06-15", "detail");
        has_text(r.json, "address", "测试路8号", "detail");
        if (!json_is_array(json_object_get(r.json, "episodes")))
            fail("no episodes list in the detail");
        exp_etag(&r, 1);
    }
    resp_free(&r);
    end();

    begin("person detail and edit: out of scope is 404 for the grid worker");
    {
        struct person q;
        if (person_new(&commander, G2, "19660606", true, NULL, NULL, &q)) {
            call(&r, &gridw, "GET", P("/api/v1/persons/%lld", (long long)q.id), NULL, NULL);
            exp_problem(&r, 404, NULL, NULL);
            resp_free(&r);
            callj(&r, &gridw, "PATCH", P("/api/v1/persons/%lld", (long long)q.id),
                  json_pack("{s:s}", "name", "改名"), V(1));
            exp_problem(&r, 404, NULL, NULL);
            resp_free(&r);
            json_t *j = person_get(&commander, q.id);
            if (j)
                exp_int(j, "version", 1, "untouched by the refused edit");
            json_decref(j);
        }
        call(&r, &gridw, "GET", "/api/v1/persons/999999999", NULL, NULL);
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
    }
    end();

    begin("person edit: If-Match required (428), stale (412), then 200 with the next version");
    callj(&r, &gridw, "PATCH", P("/api/v1/persons/%lld", (long long)pA.id),
          json_pack("{s:s}", "address", "文新街道新址1号"), NULL);
    exp_problem(&r, 428, NULL, NULL);
    resp_free(&r);
    callj(&r, &gridw, "PATCH", P("/api/v1/persons/%lld", (long long)pA.id),
          json_pack("{s:s}", "address", "文新街道新址1号"), V(7));
    if (exp_problem(&r, 412, NULL, NULL))
        exp_etag(&r, 1);
    resp_free(&r);
    {
        json_t *j = person_get(&gridw, pA.id);
        if (j) {
            exp_int(j, "version", 1, "after 428/412");
            has_text(j, "address", "测试路8号", "after 428/412");
        }
        json_decref(j);
    }
    /* birth date and sex come from the ID number: not editable */
    callj(&r, &gridw, "PATCH", P("/api/v1/persons/%lld", (long long)pA.id),
          json_pack("{s:s}", "birth_date", "1951-01-01"), V(1));
    exp_invalid(&r, "birth_date", NULL);
    resp_free(&r);
    callj(&r, &gridw, "PATCH", P("/api/v1/persons/%lld", (long long)pA.id),
          json_pack("{s:s}", "phone", "555"), V(1));
    exp_invalid(&r, "phone", NULL);
    resp_free(&r);
    callj(&r, &gridw, "PATCH", P("/api/v1/persons/%lld", (long long)pA.id),
          json_pack("{s:s, s:b}", "address", "文新街道新址1号", "living_alone", 1), V(1));
    if (exp_status(&r, 200)) {
        exp_int(r.json, "version", 2, "edit");
        exp_etag(&r, 2);
        exp_str(r.json, "address", "文新街道新址1号", "edit");
        exp_str(r.json, "birth_date", "1950-06-15", "edit");
    }
    resp_free(&r);
    {
        json_t *j = person_get(&gridw, pA.id);
        if (j && exp_int(j, "version", 2, "read back"))
            if (!json_is_true(json_object_get(json_object_get(j, "needs"), "living_alone")))
                fail("living_alone not saved: %s", jshow(j));
        json_decref(j);
    }
    /* back to not living alone: pA's grade reasons stay "72 years; hypertension" */
    callj(&r, &gridw, "PATCH", P("/api/v1/persons/%lld", (long long)pA.id),
          json_pack("{s:b}", "living_alone", 0), V(2));
    exp_status(&r, 200);
    resp_free(&r);
    end();
}

/* ---- episodes ---- */

static void t_episodes(void)
{
    struct resp r;
    int64_t eA1 = 0;

    begin("episode create: a 72-year-old with hypertension is yellow, with the reason");
    callj(&r, &gridw, "POST", "/api/v1/community/episodes",
          json_pack("{s:I, s:s, s:s, s:s}", "person_id", (json_int_t)pA.id, "kind", "mild",
                    "source", "antigen", "start_date", "2022-12-22"),
          NULL);
    if (exp_status(&r, 201)) {
        eA1 = jint(r.json, "id");
        exp_str(r.json, "status", "isolating", "new episode");
        exp_str(r.json, "grade", "yellow", "new episode");
        exp_str(r.json, "start_date", "2022-12-22", "new episode");
        /* the policy's isolation_days after the start */
        char want[16];
        date_add("2022-12-22", json_integer_value(json_object_get(pol, "isolation_days")), want);
        exp_str(r.json, "planned_end", want, "new episode");
        has_text(r.json, "grade_reason", "72", "reason");
        has_text(r.json, "grade_reason", "hypertension", "reason");
        has_text(r.json, "grade_reason", "yellow", "reason");
        json_t *rs = json_object_get(r.json, "reasons");
        if (json_array_size(rs) < 2)
            fail("expected two reasons (age, disease): %s", jshow(rs));
        exp_etag(&r, 1);
    }
    resp_free(&r);
    end();

    begin("episode create: the reason in Chinese by default");
    {
        struct resp z;
        http(&z, "GET", P("/api/v1/community/episodes/%lld", (long long)eA1), NULL,
             H(gridw.bearer, "Accept-Language: zh-CN"));
        if (exp_status(&z, 200)) {
            has_text(z.json, "grade_reason", "72 岁", "zh reason");
            has_text(z.json, "grade_reason", "高血压", "zh reason");
        }
        resp_free(&z);
    }
    end();

    begin("episode create: a second open episode is 409 on person_id naming the open one");
    callj(&r, &gridw, "POST", "/api/v1/community/episodes",
          json_pack("{s:I, s:s, s:s}", "person_id", (json_int_t)pA.id, "kind", "confirmed",
                    "source", "pcr"),
          NULL);
    if (exp_field(&r, 409, "person_id", NULL))
        exp_field_says(&r, "person_id", P("%lld", (long long)eA1));
    resp_free(&r);
    {
        json_t *j = person_get(&gridw, pA.id);
        if (j && json_array_size(json_object_get(j, "episodes")) != 1)
            fail("expected one episode of pA, got %s", jshow(json_object_get(j, "episodes")));
        json_decref(j);
    }
    end();

    begin("episode create: bad fields (kind, source, dates, unknown person) are 422");
    callj(&r, &gridw, "POST", "/api/v1/community/episodes",
          json_pack("{s:I, s:s, s:s}", "person_id", (json_int_t)999999999, "kind", "confirmed",
                    "source", "pcr"),
          NULL);
    exp_invalid(&r, "person_id", NULL);
    resp_free(&r);
    callj(&r, &gridw, "POST", "/api/v1/community/episodes",
          json_pack("{s:I, s:s, s:s, s:s}", "person_id", (json_int_t)pA.id, "kind", "flu", "source",
                    "rumour", "start_date", "2022-13-01"),
          NULL);
    if (exp_invalid(&r, "kind", NULL)) {
        exp_invalid(&r, "source", NULL);
        exp_invalid(&r, "start_date", NULL);
    }
    resp_free(&r);
    {
        struct person q;
        if (person_new(&gridw, GRID, "19910909", false, NULL, NULL, &q)) {
            callj(&r, &gridw, "POST", "/api/v1/community/episodes",
                  json_pack("{s:I, s:s, s:s, s:s}", "person_id", (json_int_t)q.id, "kind",
                            "confirmed", "source", "pcr", "start_date", "2023-01-05"),
                  NULL);
            exp_invalid(&r, "start_date", NULL);
            resp_free(&r);
            callj(&r, &gridw, "POST", "/api/v1/community/episodes",
                  json_pack("{s:I, s:s, s:s, s:s, s:s}", "person_id", (json_int_t)q.id, "kind",
                            "confirmed", "source", "pcr", "start_date", "2022-12-20", "planned_end",
                            "2022-12-19"),
                  NULL);
            exp_invalid(&r, "planned_end", NULL);
            resp_free(&r);
            json_t *j = person_get(&gridw, q.id);
            if (j && json_array_size(json_object_get(j, "episodes")) != 0)
                fail("a refused episode was written: %s", jshow(json_object_get(j, "episodes")));
            json_decref(j);
        }
        /* a person outside the grid worker's scope */
        struct person o;
        if (person_new(&commander, G2, "19610101", false, NULL, NULL, &o)) {
            callj(&r, &gridw, "POST", "/api/v1/community/episodes",
                  json_pack("{s:I, s:s, s:s}", "person_id", (json_int_t)o.id, "kind", "confirmed",
                            "source", "pcr"),
                  NULL);
            exp_invalid(&r, "person_id", NULL);
            resp_free(&r);
            json_t *j = person_get(&commander, o.id);
            if (j && json_array_size(json_object_get(j, "episodes")) != 0)
                fail("a refused episode was written: %s", jshow(json_object_get(j, "episodes")));
            json_decref(j);
        }
    }
    end();

    begin("episode end: If-Match required, then recovered with an end date");
    callj(&r, &gridw, "PATCH", P("/api/v1/community/episodes/%lld", (long long)eA1),
          json_pack("{s:s}", "status", "recovered"), NULL);
    exp_problem(&r, 428, NULL, NULL);
    resp_free(&r);
    callj(&r, &gridw, "PATCH", P("/api/v1/community/episodes/%lld", (long long)eA1),
          json_pack("{s:s}", "status", "recovered"), V(9));
    exp_problem(&r, 412, NULL, NULL);
    resp_free(&r);
    callj(&r, &gridw, "PATCH", P("/api/v1/community/episodes/%lld", (long long)eA1),
          json_pack("{s:s}", "status", "transferred"), V(1));
    exp_invalid(&r, "status", NULL); /* set by a transfer's arrival only */
    resp_free(&r);
    callj(&r, &gridw, "PATCH", P("/api/v1/community/episodes/%lld", (long long)eA1),
          json_pack("{s:s, s:s}", "status", "recovered", "end_date", "2022-12-21"), V(1));
    exp_invalid(&r, "end_date", NULL); /* before the start */
    resp_free(&r);
    {
        json_t *j = ep_get(&gridw, eA1);
        if (j) {
            exp_str(j, "status", "isolating", "after the refusals");
            exp_int(j, "version", 1, "after the refusals");
        }
        json_decref(j);
    }
    callj(&r, &gridw, "PATCH", P("/api/v1/community/episodes/%lld", (long long)eA1),
          json_pack("{s:s, s:s}", "status", "recovered", "end_date", "2022-12-25"), V(1));
    if (exp_status(&r, 200)) {
        exp_str(r.json, "status", "recovered", "end");
        exp_str(r.json, "end_date", "2022-12-25", "end");
        exp_etag(&r, 2);
    }
    resp_free(&r);
    callj(&r, &gridw, "PATCH", P("/api/v1/community/episodes/%lld", (long long)eA1),
          json_pack("{s:s}", "status", "ended"), V(2));
    exp_invalid(&r, "status", NULL); /* already closed */
    resp_free(&r);
    end();

    begin("follow-up after the episode ended is 422 on at, nothing written");
    {
        int64_t n0 = fu_count(&gridw, eA1);
        struct resp z;
        /* after the end date */
        callj(&z, &gridw, "POST", P("/api/v1/community/episodes/%lld/followups", (long long)eA1),
              fub("2022-12-26T10:00:00+08:00", 37.0, 98, NULL, false), NULL);
        exp_invalid(&z, "at", NULL);
        resp_free(&z);
        /* now */
        callj(&z, &gridw, "POST", P("/api/v1/community/episodes/%lld/followups", (long long)eA1),
              fub(NULL, 37.0, 98, NULL, false), NULL);
        exp_invalid(&z, "at", NULL);
        resp_free(&z);
        if (fu_count(&gridw, eA1) != n0)
            fail("a refused follow-up was written");
        /* on the end date it is a late entry: kept, no re-grade */
        json_t *j = fu_ok(&gridw, eA1, fub("2022-12-25T09:00:00+08:00", 36.8, 99, NULL, false));
        if (j && json_is_true(json_object_get(j, "regraded")))
            fail("a closed episode was re-graded: %s", jshow(j));
        json_decref(j);
    }
    end();

    begin("episode: a new one after the first ended, yellow again");
    eA2 = ep_new(&gridw, pA.id, NULL);
    {
        json_t *j = eA2 ? ep_get(&gridw, eA2) : NULL;
        if (j) {
            exp_str(j, "grade", "yellow", "second episode");
            exp_str(j, "start_date", SCENARIO, "second episode starts today");
        }
        json_decref(j);
    }
    end();

    begin("follow-up before the episode started is 422 on at, nothing written");
    if (person_new(&gridw, GRID, "19920501", true, "13900001111", NULL, &pB))
        eB = ep_new(&gridw, pB.id, "2022-12-20");
    if (eB) {
        struct resp z;
        callj(&z, &gridw, "POST", P("/api/v1/community/episodes/%lld/followups", (long long)eB),
              fub("2022-12-19T23:00:00+08:00", 37.0, 98, NULL, false), NULL);
        exp_invalid(&z, "at", NULL);
        resp_free(&z);
        /* in the future, and malformed */
        callj(&z, &gridw, "POST", P("/api/v1/community/episodes/%lld/followups", (long long)eB),
              fub("2023-01-02T10:00:00+08:00", 37.0, 98, NULL, false), NULL);
        exp_invalid(&z, "at", NULL);
        resp_free(&z);
        callj(&z, &gridw, "POST", P("/api/v1/community/episodes/%lld/followups", (long long)eB),
              fub("yesterday at noon", 37.0, 98, NULL, false), NULL);
        exp_invalid(&z, "at", NULL);
        resp_free(&z);
        if (fu_count(&gridw, eB) != 0)
            fail("a refused follow-up was written");
    }
    end();
}

/* ---- follow-ups ---- */

static void t_followups(void)
{
    struct resp r;

    begin(
        "follow-up: SpO2 outside 50..100 and temperature outside 34..43 are 422, nothing written");
    if (eB) {
        struct {
            double temp;
            int spo2;
            const char *field;
        } bad[] = {{-1, 49, "spo2"}, {-1, 101, "spo2"}, {33.9, -1, "temp"}, {43.1, -1, "temp"}};
        for (int k = 0; k < 4; k++) {
            callj(&r, &gridw, "POST", P("/api/v1/community/episodes/%lld/followups", (long long)eB),
                  fub("2022-12-21T08:00:00+08:00", bad[k].temp, bad[k].spo2, NULL, false), NULL);
            exp_invalid(&r, bad[k].field, NULL);
            resp_free(&r);
        }
        /* both at once: both named */
        callj(&r, &gridw, "POST", P("/api/v1/community/episodes/%lld/followups", (long long)eB),
              fub("2022-12-21T08:00:00+08:00", 44.0, 20, "sneezing", false), NULL);
        if (exp_invalid(&r, "spo2", NULL)) {
            exp_invalid(&r, "temp", NULL);
            exp_invalid(&r, "symptoms[0]", NULL);
        }
        resp_free(&r);
        /* nothing to record */
        callj(&r, &gridw, "POST", P("/api/v1/community/episodes/%lld/followups", (long long)eB),
              json_pack("{s:s}", "at", "2022-12-21T08:00:00+08:00"), NULL);
        exp_problem(&r, 422, NULL, NULL);
        resp_free(&r);
        if (fu_count(&gridw, eB) != 0)
            fail("a refused follow-up was written");
        json_t *j = ep_get(&gridw, eB);
        if (j) {
            exp_int(j, "version", 1, "episode untouched");
            exp_str(j, "grade", "green", "episode untouched");
        }
        json_decref(j);
    }
    end();

    begin("follow-up: boundaries 50, 100, 34, 43 are accepted");
    {
        struct person q;
        int64_t e = 0;
        if (person_new(&gridw, GRID, "19930303", true, NULL, NULL, &q))
            e = ep_new(&gridw, q.id, "2022-12-20");
        if (e) {
            json_decref(fu_ok(&gridw, e, fub("2022-12-21T08:00:00+08:00", 34.0, 100, NULL, false)));
            json_decref(fu_ok(&gridw, e, fub("2022-12-21T09:00:00+08:00", 43.0, 50, NULL, false)));
            if (fu_count(&gridw, e) != 2)
                fail("expected 2 follow-ups");
        }
    }
    end();

    begin("grade history: one row at the start; same grade and reasons add none");
    if (eB) {
        if (hist_len(&gridw, eB) != 1)
            fail("expected 1 history row at the start, got %lld", (long long)hist_len(&gridw, eB));
        json_t *j = fu_ok(&gridw, eB, fub("2022-12-21T09:00:00+08:00", 37.0, 98, NULL, false));
        if (j) {
            exp_grade(j, "green", "normal readings");
            if (!json_is_null(json_object_get(j, "transfer_proposed")))
                fail("a transfer proposed for normal readings: %s", jshow(j));
            if (!json_is_true(json_object_get(j, "regraded")))
                fail("not re-graded: %s", jshow(j));
        }
        json_decref(j);
        json_decref(fu_ok(&gridw, eB, fub("2022-12-21T21:00:00+08:00", 37.2, 97, NULL, false)));
        int64_t n = hist_len(&gridw, eB);
        if (n != 1)
            fail("expected 1 history row after two green follow-ups, got %lld", (long long)n);
    }
    end();

    begin("follow-up: SpO2 90 turns the entry red with an alert and proposes an ICU transfer");
    if (eB) {
        json_t *j = fu_ok(&gridw, eB, fub("2022-12-22T09:00:00+08:00", 37.8, 90, NULL, false));
        if (j) {
            json_t *e = json_object_get(j, "episode");
            exp_str(e, "grade", "red", "SpO2 90");
            has_text(e, "grade_reason", "SpO₂ 90", "SpO2 90");
            if (!json_is_true(json_object_get(e, "alert")))
                fail("no alert: %s", jshow(e));
            exp_int(e, "last_spo2", 90, "SpO2 90");
            json_t *tp = json_object_get(j, "transfer_proposed");
            if (!json_is_object(tp)) {
                fail("no transfer proposed: %s", jshow(j));
            } else {
                exp_str(tp, "bed", "icu", "SpO2 90 ≤ icu_spo2_max");
                json_t *opts = json_object_get(tp, "options");
                if (!json_is_array(opts) || json_array_size(opts) == 0)
                    fail("no transfer options: %s", jshow(tp));
                size_t i;
                json_t *o;
                double last = -1;
                json_array_foreach(opts, i, o)
                {
                    if (jint(o, "free") <= 0 || jint(o, "hospital_id") <= 0)
                        fail("option without a free bed: %s", jshow(o));
                    double km = json_number_value(json_object_get(o, "distance_km"));
                    if (km < last)
                        fail("options not by distance: %s", jshow(opts));
                    last = km;
                }
            }
        }
        json_decref(j);
        if (hist_len(&gridw, eB) != 2)
            fail("expected 2 history rows after turning red, got %lld",
                 (long long)hist_len(&gridw, eB));
    }
    end();

    begin("grade history: red again with the same reading adds no row; a late entry no re-grade");
    if (eB) {
        json_t *j = fu_ok(&gridw, eB, fub("2022-12-22T13:00:00+08:00", 37.8, 90, NULL, false));
        if (j)
            exp_grade(j, "red", "SpO2 90 again");
        json_decref(j);
        if (hist_len(&gridw, eB) != 2)
            fail("expected 2 history rows, got %lld", (long long)hist_len(&gridw, eB));
        /* older than the latest: kept, but the grade stays */
        j = fu_ok(&gridw, eB, fub("2022-12-21T15:00:00+08:00", 36.9, 99, NULL, false));
        if (j) {
            exp_grade(j, "red", "late entry");
            if (json_is_true(json_object_get(j, "regraded")))
                fail("a late entry re-graded: %s", jshow(j));
        }
        json_decref(j);
        if (hist_len(&gridw, eB) != 2)
            fail("a late entry added history");
        /* a red reading of another value: the grade does not change */
        j = fu_ok(&gridw, eB, fub(NULL, 37.5, 92, NULL, false));
        if (j) {
            exp_grade(j, "red", "SpO2 92 now");
            json_t *e = json_object_get(j, "episode");
            if (json_is_true(json_object_get(e, "overdue")))
                fail("just followed up, yet overdue: %s", jshow(e));
        }
        json_decref(j);
        int64_t n = hist_len(&gridw, eB);
        if (n != 2)
            fail("red → red added a history row (%lld rows)", (long long)n);
        json_t *ep = ep_get(&gridw, eB);
        if (ep) {
            json_t *h = json_object_get(ep, "grade_history");
            if (json_array_size(h) == 2) {
                exp_str(json_array_get(h, 0), "grade", "green", "history[0]");
                exp_str(json_array_get(h, 1), "grade", "red", "history[1]");
            }
            if (json_array_size(json_object_get(ep, "followups")) != 6)
                fail("expected 6 follow-ups in the detail, got %s",
                     jshow(json_object_get(ep, "followups")));
        }
        json_decref(ep);
    }
    end();

    begin("follow-up: fever > 38.5 with medicine for 4 days turns red; without medicine not");
    {
        struct person q1, q2;
        int64_t e1 = 0, e2 = 0;
        if (person_new(&gridw, GRID, "19880808", false, NULL, NULL, &q1))
            e1 = ep_new(&gridw, q1.id, "2022-12-20");
        if (person_new(&gridw, GRID, "19880809", false, NULL, NULL, &q2))
            e2 = ep_new(&gridw, q2.id, "2022-12-20");
        static const char *const at[] = {"2022-12-20T20:00:00+08:00", "2022-12-22T20:00:00+08:00",
                                         "2022-12-24T20:00:00+08:00"};
        static const double temp[] = {39.0, 39.2, 39.1};
        for (int k = 0; k < 3 && e1 && e2; k++) {
            json_t *j = fu_ok(&gridw, e1, fub(at[k], temp[k], 97, "fever", true));
            if (j) {
                json_t *e = json_object_get(j, "episode");
                if (k < 2) {
                    exp_str(e, "grade", "yellow", P("with medicine, day %d", k * 2));
                    if (json_is_true(json_object_get(e, "alert")))
                        fail("alert before 3 days: %s", jshow(e));
                } else {
                    exp_str(e, "grade", "red", "with medicine, 4 days");
                    has_text(e, "grade_reason", "fever", "4 days");
                    has_text(e, "grade_reason", "4 days", "4 days");
                    if (!json_is_true(json_object_get(e, "alert")))
                        fail("no alert after 4 days: %s", jshow(e));
                    if (!json_is_object(json_object_get(j, "transfer_proposed")))
                        fail("no transfer proposed: %s", jshow(j));
                    else
                        exp_str(json_object_get(j, "transfer_proposed"), "bed", "general", "fever");
                }
            }
            json_decref(j);
            j = fu_ok(&gridw, e2, fub(at[k], temp[k], 97, "fever", false));
            if (j) {
                exp_grade(j, "yellow", P("no medicine, step %d", k));
                if (!json_is_null(json_object_get(j, "transfer_proposed")))
                    fail("a transfer proposed without the warning sign: %s", jshow(j));
            }
            json_decref(j);
        }
        /* the run breaks on a normal temperature */
        if (e1) {
            json_t *j = fu_ok(&gridw, e1, fub("2022-12-25T08:00:00+08:00", 37.0, 97, NULL, false));
            if (j)
                exp_grade(j, "green", "fever over");
            json_decref(j);
            j = fu_ok(&gridw, e1, fub("2022-12-25T20:00:00+08:00", 39.0, 97, "fever", true));
            if (j)
                exp_grade(j, "yellow", "a new fever run");
            json_decref(j);
        }
    }
    end();

    begin("follow-up: each warning symptom turns the entry red with an alert");
    {
        struct person ad, ch, pg;
        int64_t eAd = 0, eCh = 0, ePg = 0;
        if (person_new(&gridw, GRID, "19800101", true, NULL, NULL, &ad))
            eAd = ep_new(&gridw, ad.id, "2022-12-20");
        if (person_new(&gridw, GRID, "20120701", true, NULL, NULL, &ch))
            eCh = ep_new(&gridw, ch.id, "2022-12-20");
        if (person_new(&gridw, GRID, "19950505", false, NULL,
                       json_pack("{s:b, s:s}", "pregnant", 1, "due_date", "2023-03-01"), &pg))
            ePg = ep_new(&gridw, pg.id, "2022-12-20");
        struct {
            int64_t *ep;
            const char *sym, *base;
            bool red;
        } cases[] = {
            {&eAd, "breathless", "green", true},
            {&eAd, "disease_uncontrolled", "green", true},
            {&eAd, "child_lethargic", "green", false},   /* an adult: not a child's sign */
            {&eAd, "pregnancy_warning", "green", false}, /* a man */
            {&eAd, "cough", "green", false},             /* not a warning sign */
            {&eCh, "child_lethargic", "green", true},
            {&eCh, "child_refuses_food", "green", true},
            {&ePg, "pregnancy_warning", "yellow", true},
            {&ePg, "breathless", "yellow", true},
        };
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            int64_t e = *cases[k].ep;
            if (!e)
                continue;
            char at[40], at2[40];
            snprintf(at, sizeof at, "2022-12-21T%02d:00:00+08:00", (int)(2 * k));
            snprintf(at2, sizeof at2, "2022-12-21T%02d:30:00+08:00", (int)(2 * k));
            json_t *j = fu_ok(&gridw, e, fub(at, 37.0, 97, cases[k].sym, false));
            if (j) {
                json_t *ep = json_object_get(j, "episode");
                const char *want = cases[k].red ? "red" : cases[k].base;
                exp_str(ep, "grade", want, cases[k].sym);
                if (json_is_true(json_object_get(ep, "alert")) != cases[k].red)
                    fail("%s: alert %s", cases[k].sym, jshow(json_object_get(ep, "alert")));
                if (json_is_object(json_object_get(j, "transfer_proposed")) != cases[k].red)
                    fail("%s: transfer_proposed %s", cases[k].sym,
                         jshow(json_object_get(j, "transfer_proposed")));
                if (cases[k].red) {
                    json_t *r0 = json_array_get(json_object_get(ep, "reasons"), 0);
                    exp_str(r0, "rule", "symptom", cases[k].sym);
                }
            }
            json_decref(j);
            /* back to the base grade with normal readings */
            j = fu_ok(&gridw, e, fub(at2, 36.8, 98, NULL, false));
            if (j)
                exp_grade(j, cases[k].base, P("after %s", cases[k].sym));
            json_decref(j);
        }
        /* an unknown symptom: 422 naming it */
        if (eAd) {
            int64_t n0 = fu_count(&gridw, eAd);
            callj(&r, &gridw, "POST",
                  P("/api/v1/community/episodes/%lld/followups", (long long)eAd),
                  json_pack("{s:s, s:[s,s]}", "at", "2022-12-22T10:00:00+08:00", "symptoms",
                            "cough", "hiccups"),
                  NULL);
            exp_invalid(&r, "symptoms[1]", NULL);
            resp_free(&r);
            if (fu_count(&gridw, eAd) != n0)
                fail("a refused follow-up was written");
        }
    }
    end();

    /* a phone on a weak network sends the same follow-up again: the answer
     * is built inside the write only when a key must record it */
    begin("follow-up retried with the same Idempotency-Key: the same answer, one row");
    struct person pi;
    int64_t ei = 0;
    if (person_new(&gridw, GRID, "19700315", true, NULL, NULL, &pi))
        ei = ep_new(&gridw, pi.id, "2022-12-20");
    if (ei) {
        int64_t n0 = fu_count(&gridw, ei);
        const char *path = P("/api/v1/community/episodes/%lld/followups", (long long)ei);
        const char *body = "{\"at\":\"2022-12-22T11:00:00+08:00\",\"temp\":37.1,\"spo2\":96}";
        struct resp r1, r2;
        http(&r1, "POST", path, body,
             H(gridw.bearer, "Accept-Language: en", "Content-Type: application/json",
               "Idempotency-Key: fu-weak-network-1"));
        http(&r2, "POST", path, body,
             H(gridw.bearer, "Accept-Language: en", "Content-Type: application/json",
               "Idempotency-Key: fu-weak-network-1"));
        char v[128] = "", loc1[128] = "", loc2[128] = "";
        if (exp_status(&r1, 201) && exp_status(&r2, 201)) {
            if (jint(r1.json, "id") <= 0 || jint(r1.json, "id") != jint(r2.json, "id"))
                fail("ids differ: %s vs %s", jshow(r1.json), jshow(r2.json));
            if (!json_equal(r1.json, r2.json))
                fail("the replay's body differs: %s vs %s", jshow(r1.json), jshow(r2.json));
            if (!json_is_array(json_object_get(json_object_get(r1.json, "episode"), "reasons")))
                fail("no reasons in the answer's episode: %s", jshow(r1.json));
            if (!header(&r2, "Idempotent-Replayed", v, sizeof v) || strcmp(v, "true") != 0)
                fail("expected Idempotent-Replayed: true, got '%s'", v);
            if (!header(&r1, "Location", loc1, sizeof loc1) ||
                !header(&r2, "Location", loc2, sizeof loc2) || strcmp(loc1, loc2) != 0)
                fail("Location '%s' then '%s'", loc1, loc2);
        }
        resp_free(&r1);
        resp_free(&r2);
        if (fu_count(&gridw, ei) != n0 + 1)
            fail("expected one more follow-up, got %lld more",
                 (long long)(fu_count(&gridw, ei) - n0));
        /* with a warning sign: the replay still lists hospitals to go to */
        const char *red = "{\"at\":\"2022-12-22T12:00:00+08:00\",\"spo2\":90}";
        for (int k = 0; k < 2; k++) {
            http(&r1, "POST", path, red,
                 H(gridw.bearer, "Accept-Language: en", "Content-Type: application/json",
                   "Idempotency-Key: fu-weak-network-2"));
            if (exp_status(&r1, 201)) {
                json_t *o =
                    json_object_get(json_object_get(r1.json, "transfer_proposed"), "options");
                if (!json_is_array(o) || json_array_size(o) == 0)
                    fail("%s: no hospitals in the proposal: %s", k ? "replay" : "first",
                         jshow(r1.json));
            }
            resp_free(&r1);
        }
        if (fu_count(&gridw, ei) != n0 + 2)
            fail("the replayed alert wrote a second follow-up");
    }
    end();
}

/* ---- a resident's own pages ---- */

static int64_t res_person, res_ep;

static void t_resident(void)
{
    struct resp r;

    begin("resident: registering without an ID number is 422 on id_number, nothing written");
    callj(&r, &resident, "POST", "/api/v1/community/me/episodes",
          json_pack("{s:s, s:s}", "kind", "mild", "source", "self_report"), NULL);
    exp_invalid(&r, "id_number", NULL);
    resp_free(&r);
    {
        char bad[24], good[24];
        id_make(good, "19900315", false, false);
        id_wrong_check(good, bad);
        callj(&r, &resident, "POST", "/api/v1/community/me/episodes",
              json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "mild", "source", "self_report",
                        "id_number", bad, "name", "居民自报", "phone", "13700001234"),
              NULL);
        exp_invalid(&r, "id_number", "checksum");
        resp_free(&r);
    }
    call(&r, &resident, "GET", "/api/v1/community/me", NULL, NULL);
    if (exp_status(&r, 200)) {
        if (!json_is_null(json_object_get(r.json, "person")))
            fail("a refused registration linked a person: %s", snip(&r));
    }
    resp_free(&r);
    end();

    begin("resident: registers home isolation with their own details");
    {
        char idn[24];
        id_make(idn, "19900315", false, false);
        callj(&r, &resident, "POST", "/api/v1/community/me/episodes",
              json_pack("{s:s, s:s, s:s, s:s, s:s}", "kind", "mild", "source", "self_report",
                        "id_number", idn, "name", "居民自报", "phone", "13700001234"),
              NULL);
        if (exp_status(&r, 201)) {
            res_ep = jint(r.json, "id");
            res_person = jint(r.json, "person_id");
            exp_str(r.json, "grid", GRID, "in the login's grid");
            exp_str(r.json, "grade", "green", "a 32-year-old");
            if (!json_is_true(json_object_get(r.json, "self_report_pending")))
                fail("a self-registration is not flagged for the worker: %s", snip(&r));
        }
        resp_free(&r);
        call(&r, &resident, "GET", "/api/v1/community/me", NULL, NULL);
        if (exp_status(&r, 200)) {
            json_t *p = json_object_get(r.json, "person");
            exp_str(p, "id_number", idn, "me");
            exp_str(p, "phone", "13700001234", "me");
            exp_int(json_object_get(r.json, "episode"), "id", res_ep, "me");
        }
        resp_free(&r);
    }
    end();

    begin("resident: a second registration is 409 on person_id");
    callj(&r, &resident, "POST", "/api/v1/community/me/episodes",
          json_pack("{s:s, s:s}", "kind", "mild", "source", "self_report"), NULL);
    if (exp_field(&r, 409, "person_id", NULL))
        exp_field_says(&r, "person_id", P("%lld", (long long)res_ep));
    resp_free(&r);
    end();

    begin("resident: self-report on their own episode");
    if (res_ep) {
        json_t *j = fu_ok(&resident, res_ep, fub(NULL, 38.6, 96, "cough", false));
        if (j) {
            if (!json_is_true(json_object_get(j, "self_report")))
                fail("not marked a self-report: %s", jshow(j));
            json_t *e = json_object_get(j, "episode");
            exp_str(e, "grade", "yellow", "38.6 °C");
            if (!json_is_true(json_object_get(e, "self_report_pending")))
                fail("not pending for the worker: %s", jshow(e));
        }
        json_decref(j);
        json_t *l =
            get_json(&gridw, P("/api/v1/community/episodes/%lld/followups", (long long)res_ep));
        json_t *f0 = l ? json_array_get(json_object_get(l, "items"), 0) : NULL;
        if (!f0 || !json_is_true(json_object_get(f0, "self_report")))
            fail("the worker does not see the self-report: %s", jshow(l));
        json_decref(l);
        json_t *e = ep_get(&resident, res_ep);
        if (e)
            exp_str(e, "grade", "yellow", "resident reads their own episode");
        json_decref(e);
    }
    end();

    begin("resident: someone else's episode is 404 (read, follow-ups, self-report)");
    if (eB) {
        int64_t n0 = fu_count(&gridw, eB);
        call(&r, &resident, "GET", P("/api/v1/community/episodes/%lld", (long long)eB), NULL, NULL);
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
        call(&r, &resident, "GET", P("/api/v1/community/episodes/%lld/followups", (long long)eB),
             NULL, NULL);
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
        callj(&r, &resident, "POST", P("/api/v1/community/episodes/%lld/followups", (long long)eB),
              fub(NULL, 36.5, 99, NULL, false), NULL);
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
        if (fu_count(&gridw, eB) != n0)
            fail("the resident's refused self-report was written on someone else's episode");
    }
    end();
}

/* ---- the grid worker's day ---- */

static int grade_rank(const char *g)
{
    return g && !strcmp(g, "red") ? 0 : g && !strcmp(g, "yellow") ? 1 : 2;
}

static void t_today(void)
{
    struct resp r;
    begin("day list: overdue first, then red, yellow, green; counts agree");
    call(&r, &gridw, "GET", "/api/v1/community/grids/" GRID "/today", NULL, NULL);
    if (exp_status(&r, 200)) {
        json_t *items = json_object_get(r.json, "items");
        size_t i;
        json_t *it;
        int last = -1;
        int64_t red = 0, yellow = 0, green = 0, overdue = 0, self = 0;
        int posB = -1, posRes = -1, posA2 = -1;
        bool mixed = false;
        json_array_foreach(items, i, it)
        {
            bool od = json_is_true(json_object_get(it, "overdue"));
            const char *g = jstr(it, "grade");
            int rank = (od ? 0 : 3) + grade_rank(g);
            if (rank < last)
                fail("item %zu (%s, overdue %d) after rank %d", i, g, od, last);
            last = rank;
            const char *status = jstr(it, "status");
            if (!status || strcmp(status, "isolating") != 0)
                fail("a closed episode in the day list: %s", jshow(it));
            red += g && !strcmp(g, "red");
            yellow += g && !strcmp(g, "yellow");
            green += g && !strcmp(g, "green");
            overdue += od;
            self += json_is_true(json_object_get(it, "self_report_pending"));
            mixed = mixed || (!od && i > 0);
            int64_t id = jint(it, "id");
            if (id == eB)
                posB = (int)i;
            if (id == res_ep)
                posRes = (int)i;
            if (id == eA2)
                posA2 = (int)i;
            const char *idn = jstr(json_object_get(it, "person"), "id_number");
            if (!idn || strlen(idn) != 18 || strncmp(idn + 6, "********", 8) != 0)
                fail("unmasked ID number in the day list: %s", jshow(it));
        }
        exp_int(r.json, "isolating", (int64_t)json_array_size(items), "day list");
        exp_int(r.json, "red", red, "day list");
        exp_int(r.json, "yellow", yellow, "day list");
        exp_int(r.json, "green", green, "day list");
        exp_int(r.json, "overdue", overdue, "day list");
        exp_int(r.json, "self_reports", self, "day list");
        /* eB was just followed up and is red, not overdue; eA2 was opened today and is due at
         * once (overdue); the resident's self-report is pending */
        if (posB < 0 || posA2 < 0 || posRes < 0)
            fail("this suite's entries missing from the day list (%d, %d, %d)", posB, posA2,
                 posRes);
        else {
            json_t *b = json_array_get(items, (size_t)posB);
            if (json_is_true(json_object_get(b, "overdue")) || strcmp(jstr(b, "grade"), "red"))
                fail("eB: expected red and not overdue: %s", jshow(b));
            if (!json_is_true(json_object_get(json_array_get(items, (size_t)posA2), "overdue")))
                fail("a new entry is not due at once");
            if (posB < posA2)
                fail("an entry not overdue (red) before an overdue one (yellow)");
            if (!json_is_true(
                    json_object_get(json_array_get(items, (size_t)posRes), "self_report_pending")))
                fail("the resident's self-report is not flagged");
        }
        if (!mixed)
            fail("the list has no entry that is not overdue: the order is not exercised");
    }
    resp_free(&r);
    end();

    begin("day list: a grid outside the worker's scope is 404");
    call(&r, &gridw, "GET", P("/api/v1/community/grids/%s/today", G2), NULL, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    call(&r, &gridw, "GET", "/api/v1/community/grids/330106004001002/today", NULL, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    call(&r, &gridw, "GET", "/api/v1/community/grids/" COMMUNITY "/today", NULL, NULL);
    exp_problem(&r, 404, NULL, NULL); /* not a grid */
    resp_free(&r);
    /* the commander sees any grid in 330106 */
    call(&r, &commander, "GET", P("/api/v1/community/grids/%s/today", G2), NULL, NULL);
    exp_status(&r, 200);
    resp_free(&r);
    end();
}

/* ---- service requests ---- */

/* POST a request as u (person 0: a resident's own); the reply (owned) or NULL. */
static json_t *req_new(struct who *u, int64_t person, const char *type, const char *detail)
{
    json_t *b = json_pack("{s:s, s:s}", "type", type, "detail", detail);
    if (person)
        json_object_set_new(b, "person_id", json_integer(person));
    struct resp r;
    callj(&r, u, "POST", "/api/v1/community/requests", b, NULL);
    json_t *j = NULL;
    if (exp_status(&r, 201))
        j = json_incref(r.json);
    resp_free(&r);
    return j;
}

/* Requests u sees with query q (e.g. "status=active"); -1 after a failure. */
static int64_t req_count(struct who *u, const char *q)
{
    json_t *j = get_json(u, P("/api/v1/community/requests?limit=1000&%s", q));
    int64_t n = j ? (int64_t)json_array_size(json_object_get(j, "items")) : -1;
    json_decref(j);
    return n;
}

static void t_requests(void)
{
    struct resp r;
    {
        struct person g;
        if (person_new(&gridw, GRID, "19970707", true, NULL, NULL, &g))
            pGreen = g.id;
    }

    begin("request: due = the type's policy hours, capped by the person's grade");
    {
        struct {
            int64_t person;
            const char *type, *grade;
            int64_t hours;
        } cases[] = {
            {pB.id, "supplies", "red", 0},          {pA.id, "supplies", "yellow", 0},
            {pGreen, "supplies", "green", 0},       {pA.id, "livelihood", "yellow", 0},
            {pA.id, "health", "yellow", 0},         {pGreen, "medicine", "green", 0},
            {pGreen, "temporary_help", "green", 0}, {pGreen, "livelihood", "green", 0},
        };
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            int64_t h = pol_int("requests", P("hours_%s", cases[k].type));
            int64_t cap = !strcmp(cases[k].grade, "red") ? pol_int("requests", "max_hours_red")
                          : !strcmp(cases[k].grade, "yellow")
                              ? pol_int("requests", "max_hours_yellow")
                              : h;
            cases[k].hours = h < cap ? h : cap;
            if (h <= 0 || cap <= 0) {
                fail("no policy hours for %s", cases[k].type);
                continue;
            }
            json_t *j = req_new(&gridw, cases[k].person, cases[k].type, "送米面油和蔬菜");
            if (!j)
                continue;
            exp_str(j, "grade", cases[k].grade, cases[k].type);
            exp_str(j, "status", "open", cases[k].type);
            int64_t due = iso_ms(jstr(j, "due")), created = iso_ms(jstr(j, "created"));
            if (due < 0 || created < 0 || due - created != cases[k].hours * 3600000)
                fail("%s for a %s person: due − created = %lld ms, want %lld h", cases[k].type,
                     cases[k].grade, (long long)(due - created), (long long)cases[k].hours);
            if (json_is_true(json_object_get(j, "overdue")))
                fail("a new request is overdue: %s", jshow(j));
            json_decref(j);
        }
    }
    end();

    begin("request: bad fields are 422 naming them, nothing written");
    {
        int64_t n0 = req_count(&gridw, "region=" GRID);
        callj(&r, &gridw, "POST", "/api/v1/community/requests",
              json_pack("{s:I, s:s}", "person_id", (json_int_t)pA.id, "type", "pizza"), NULL);
        if (exp_invalid(&r, "type", NULL))
            exp_invalid(&r, "detail", NULL);
        resp_free(&r);
        callj(&r, &gridw, "POST", "/api/v1/community/requests",
              json_pack("{s:s, s:s}", "type", "supplies", "detail", "x"), NULL);
        exp_invalid(&r, "person_id", NULL);
        resp_free(&r);
        callj(&r, &gridw, "POST", "/api/v1/community/requests",
              json_pack("{s:I, s:s, s:s}", "person_id", (json_int_t)999999999, "type", "supplies",
                        "detail", "x"),
              NULL);
        exp_invalid(&r, "person_id", NULL);
        resp_free(&r);
        if (req_count(&gridw, "region=" GRID) != n0)
            fail("a refused request was written");
    }
    end();

    begin("request: open → assigned needs assigned_to; done needs a note; done is final");
    {
        json_t *j = req_new(&gridw, pB.id, "medicine", "布洛芬两盒");
        int64_t id = j ? jint(j, "id") : 0;
        json_decref(j);
        if (id) {
            const char *path = P("/api/v1/community/requests/%lld", (long long)id);
            char pth[128];
            snprintf(pth, sizeof pth, "%s", path);
            callj(&r, &gridw, "PATCH", pth, json_pack("{s:s}", "status", "assigned"), NULL);
            exp_problem(&r, 428, NULL, NULL);
            resp_free(&r);
            callj(&r, &gridw, "PATCH", pth, json_pack("{s:s}", "status", "assigned"), V(1));
            exp_invalid(&r, "assigned_to", NULL);
            resp_free(&r);
            callj(&r, &gridw, "PATCH", pth, json_pack("{s:s}", "status", "teleported"), V(1));
            exp_invalid(&r, "status", NULL);
            resp_free(&r);
            callj(&r, &gridw, "PATCH", pth,
                  json_pack("{s:s, s:s}", "status", "assigned", "assigned_to", "志愿者小张"), V(5));
            exp_problem(&r, 412, NULL, NULL);
            resp_free(&r);
            json_t *g = get_json(&gridw, pth);
            if (g) {
                exp_str(g, "status", "open", "after the refusals");
                exp_int(g, "version", 1, "after the refusals");
                if (json_array_size(json_object_get(g, "events")) != 1)
                    fail("refusals added events: %s", jshow(json_object_get(g, "events")));
            }
            json_decref(g);
            callj(&r, &gridw, "PATCH", pth,
                  json_pack("{s:s, s:s}", "status", "assigned", "assigned_to", "志愿者小张"), V(1));
            if (exp_status(&r, 200)) {
                exp_str(r.json, "status", "assigned", "assigned");
                exp_str(r.json, "assigned_to", "志愿者小张", "assigned");
                exp_etag(&r, 2);
            }
            resp_free(&r);
            callj(&r, &gridw, "PATCH", pth, json_pack("{s:s}", "status", "done"), V(2));
            exp_invalid(&r, "note", NULL);
            resp_free(&r);
            callj(&r, &gridw, "PATCH", pth, json_pack("{s:s, s:s}", "status", "done", "note", ""),
                  V(2));
            exp_invalid(&r, "note", NULL);
            resp_free(&r);
            callj(&r, &gridw, "PATCH", pth,
                  json_pack("{s:s, s:s}", "status", "done", "note", "已送达，放门口"), V(2));
            if (exp_status(&r, 200)) {
                exp_str(r.json, "status", "done", "done");
                if (json_is_null(json_object_get(r.json, "closed")))
                    fail("done without a closing time: %s", snip(&r));
            }
            resp_free(&r);
            static const char *const after[] = {"in_progress", "cancelled", "assigned", "done"};
            for (int k = 0; k < 4; k++) {
                callj(&r, &gridw, "PATCH", pth,
                      json_pack("{s:s, s:s, s:s}", "status", after[k], "note", "再来",
                                "assigned_to", "某人"),
                      V(3));
                exp_invalid(&r, "status", NULL);
                resp_free(&r);
            }
            g = get_json(&gridw, pth);
            if (g) {
                exp_str(g, "status", "done", "final");
                exp_int(g, "version", 3, "final");
                json_t *ev = json_object_get(g, "events");
                if (json_array_size(ev) != 3)
                    fail("expected 3 events (open, assigned, done): %s", jshow(ev));
                else {
                    exp_str(json_array_get(ev, 2), "status", "done", "events[2]");
                    exp_str(json_array_get(ev, 2), "note", "已送达，放门口", "events[2]");
                }
            }
            json_decref(g);
        }
    }
    end();

    begin("request: a resident asks for help for themself and may only cancel");
    if (res_person) {
        json_t *j = req_new(&resident, 0, "supplies", "家里没菜了");
        int64_t id = j ? jint(j, "id") : 0;
        if (j) {
            exp_int(j, "person_id", res_person, "own request");
            /* their episode is yellow after the 38.6 °C self-report */
            int64_t due = iso_ms(jstr(j, "due")), created = iso_ms(jstr(j, "created"));
            int64_t h = pol_int("requests", "hours_supplies"),
                    cap = pol_int("requests", "max_hours_yellow");
            if (due - created != (h < cap ? h : cap) * 3600000)
                fail("resident's request due after %lld ms", (long long)(due - created));
        }
        json_decref(j);
        if (id) {
            char pth[128];
            snprintf(pth, sizeof pth, "/api/v1/community/requests/%lld", (long long)id);
            static const char *const nope[] = {"done", "assigned", "in_progress"};
            for (int k = 0; k < 3; k++) {
                callj(&r, &resident, "PATCH", pth,
                      json_pack("{s:s, s:s, s:s}", "status", nope[k], "note", "自己搞定",
                                "assigned_to", "我"),
                      V(1));
                exp_invalid(&r, "status", NULL);
                resp_free(&r);
            }
            json_t *g = get_json(&resident, pth);
            if (g) {
                exp_str(g, "status", "open", "after the refusals");
                exp_int(g, "version", 1, "after the refusals");
            }
            json_decref(g);
            callj(&r, &resident, "PATCH", pth, json_pack("{s:s}", "status", "cancelled"), V(1));
            if (exp_status(&r, 200))
                exp_str(r.json, "status", "cancelled", "resident cancels");
            resp_free(&r);
        }
        /* someone else's request: 404 */
        json_t *other = req_new(&gridw, pGreen, "health", "咨询用药");
        int64_t oid = other ? jint(other, "id") : 0;
        json_decref(other);
        if (oid) {
            call(&r, &resident, "GET", P("/api/v1/community/requests/%lld", (long long)oid), NULL,
                 NULL);
            exp_problem(&r, 404, NULL, NULL);
            resp_free(&r);
            callj(&r, &resident, "PATCH", P("/api/v1/community/requests/%lld", (long long)oid),
                  json_pack("{s:s}", "status", "cancelled"), V(1));
            exp_problem(&r, 404, NULL, NULL);
            resp_free(&r);
            json_t *g = get_json(&gridw, P("/api/v1/community/requests/%lld", (long long)oid));
            if (g)
                exp_str(g, "status", "open", "someone else's, untouched");
            json_decref(g);
        }
        /* the resident's list holds only their own */
        json_t *l = get_json(&resident, "/api/v1/community/requests?limit=1000");
        size_t i;
        json_t *it;
        if (l && json_array_size(json_object_get(l, "items")) == 0)
            fail("the resident's own request is not listed");
        json_array_foreach(json_object_get(l, "items"), i, it)
        {
            if (jint(it, "person_id") != res_person)
                fail("the resident sees someone else's request: %s", jshow(it));
        }
        json_decref(l);
        /* and the reply on the resident's page */
        call(&r, &resident, "GET", "/api/v1/community/me", NULL, NULL);
        if (exp_status(&r, 200) && json_array_size(json_object_get(r.json, "requests")) == 0)
            fail("no requests on the resident's page: %s", snip(&r));
        resp_free(&r);
    }
    end();

    begin("request lists: overdue=1 holds exactly the active requests past due");
    {
        json_t *all = get_json(&commander, "/api/v1/community/requests?region=330106&status="
                                           "active&limit=1000");
        json_t *od = get_json(&commander, "/api/v1/community/requests?region=330106&overdue="
                                          "1&limit=1000");
        if (all && od) {
            int64_t want = 0;
            size_t i;
            json_t *it;
            json_array_foreach(json_object_get(all, "items"), i, it)
            {
                const char *s = jstr(it, "status");
                if (!s || !strcmp(s, "done") || !strcmp(s, "cancelled"))
                    fail("status=active listed %s", jshow(it));
                want += json_is_true(json_object_get(it, "overdue"));
            }
            json_array_foreach(json_object_get(od, "items"), i, it)
            {
                if (!json_is_true(json_object_get(it, "overdue")))
                    fail("overdue=1 listed one not overdue: %s", jshow(it));
            }
            if ((int64_t)json_array_size(json_object_get(od, "items")) != want)
                fail("overdue=1 lists %zu, the active list has %lld overdue",
                     json_array_size(json_object_get(od, "items")), (long long)want);
            if (want == 0)
                fail("no overdue request in 330106 (the demo makes some): filter not exercised");
        }
        json_decref(all);
        json_decref(od);
        json_t *day = get_json(&gridw, "/api/v1/community/grids/" GRID "/today");
        int64_t n = req_count(&gridw, "region=" GRID "&overdue=1");
        if (day)
            exp_int(day, "overdue_requests", n, "day list vs overdue=1");
        json_decref(day);
        call(&r, &gridw, "GET", "/api/v1/community/requests?status=finished", NULL, NULL);
        exp_invalid(&r, "status", NULL);
        resp_free(&r);
        call(&r, &gridw, "GET", P("/api/v1/community/requests?region=%s", G2), NULL, NULL);
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
    }
    end();
}

/* ---- transfers ---- */

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    mbuf_add(ud, p, sz * n);
    return sz * n;
}

/* POST bodies[0..n-1] to path at once, each on its own connection, all sent
 * before any answer is awaited (curl multi). out[i]: status and JSON body. */
static void post_parallel(int n, struct resp *out, const char *path, const char *const *bodies,
                          const char *const *hdrs)
{
    enum { MAXN = 8 };
    CURL *h[MAXN] = {NULL};
    CURLcode rc[MAXN];
    if (n > MAXN)
        n = MAXN;
    struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
    for (int i = 0; hdrs && hdrs[i]; i++)
        hl = curl_slist_append(hl, hdrs[i]);
    char url[1024];
    snprintf(url, sizeof url, "%s%s", base_url, path);
    CURLM *m = curl_multi_init();
    for (int i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        rc[i] = CURLE_FAILED_INIT;
        h[i] = curl_easy_init();
        if (!m || !h[i])
            continue;
        curl_easy_setopt(h[i], CURLOPT_URL, url);
        curl_easy_setopt(h[i], CURLOPT_POSTFIELDS, bodies[i]);
        curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(h[i], CURLOPT_WRITEDATA, &out[i].body);
        curl_easy_setopt(h[i], CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(h[i], CURLOPT_TIMEOUT, 60L);
        curl_easy_setopt(h[i], CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h[i], CURLOPT_FRESH_CONNECT, 1L);
        curl_multi_add_handle(m, h[i]);
    }
    int running = m ? 1 : 0;
    while (running) {
        if (curl_multi_perform(m, &running) != CURLM_OK)
            break;
        if (running)
            curl_multi_poll(m, NULL, 0, 1000, NULL);
    }
    CURLMsg *msg;
    int left;
    while (m && (msg = curl_multi_info_read(m, &left)))
        for (int i = 0; i < n; i++)
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == h[i])
                rc[i] = msg->data.result;
    for (int i = 0; i < n; i++) {
        out[i].status = -1;
        if (h[i] && rc[i] == CURLE_OK) {
            curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &out[i].status);
            if (out[i].body.n)
                out[i].json = json_loadb(out[i].body.p, out[i].body.n, 0, NULL);
        }
        if (h[i]) {
            if (m)
                curl_multi_remove_handle(m, h[i]);
            curl_easy_cleanup(h[i]);
        }
    }
    if (m)
        curl_multi_cleanup(m);
    curl_slist_free_all(hl);
}

/* A hospital here: its id, or 0. */
static int64_t hosp_new(const char *name, const char *role, double lat, double lon)
{
    struct resp r;
    callj(&r, &commander, "POST", "/api/v1/facilities",
          json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f, s:f}", "region", TOWNSHIP, "kind",
                    "hospital", "name", name, "level", "secondary", "role", role, "opened",
                    "2010-01-01", "lat", lat, "lon", lon),
          NULL);
    int64_t id = 0;
    if (exp_status(&r, 201))
        id = jint(r.json, "id");
    resp_free(&r);
    return id;
}

/* The scenario day's report of a hospital, replacing one already there. */
static bool report_set(int64_t fid, int64_t open, int64_t occupied, int64_t icu,
                       int64_t icu_occupied)
{
    struct resp r;
    json_t *b = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:b, s:I, s:I}", "date", SCENARIO,
                          "open_beds", (json_int_t)open, "occupied_beds", (json_int_t)occupied,
                          "icu_beds", (json_int_t)icu, "icu_occupied", (json_int_t)icu_occupied,
                          "icu_convertible", (json_int_t)0, "fever_clinic", 0, "fever_24h", 0,
                          "fever_visits", (json_int_t)0, "ventilators", (json_int_t)0);
    char *s = json_dumps(b, JSON_COMPACT);
    call(&r, &commander, "POST", P("/api/v1/facilities/%lld/reports", (long long)fid), s, NULL);
    if (r.status == 409) { /* there is one: correct it */
        char etag[64] = "";
        header(&r, "ETag", etag, sizeof etag);
        resp_free(&r);
        call(&r, &commander, "POST", P("/api/v1/facilities/%lld/reports", (long long)fid), s, etag);
    }
    free(s);
    json_decref(b);
    bool ok = r.status == 200 || r.status == 201;
    if (!ok)
        fail("report for facility %lld: %ld %s", (long long)fid, r.status, snip(&r));
    resp_free(&r);
    return ok;
}

/* The transfer options u gets for ep (query: "bed=icu&green=1" …); owned or NULL. */
static json_t *options(struct who *u, int64_t ep, const char *query)
{
    json_t *j =
        get_json(u, P("/api/v1/community/episodes/%lld/transfer-options?%s", (long long)ep, query));
    json_t *items = j ? json_incref(json_object_get(j, "items")) : NULL;
    json_decref(j);
    return items;
}

/* Free beds at hospital fid among options (0 when absent: only hospitals
 * with a free bed are listed). */
static int64_t free_at(json_t *opts, int64_t fid)
{
    size_t i;
    json_t *o;
    json_array_foreach(opts, i, o)
    {
        if (jint(o, "hospital_id") == fid)
            return jint(o, "free");
    }
    return 0;
}

/* POST a transfer; r keeps the response. */
static void tr_post(struct resp *r, struct who *u, int64_t ep, int64_t hosp, const char *bed,
                    bool green)
{
    callj(r, u, "POST", "/api/v1/community/transfers",
          json_pack("{s:I, s:I, s:s, s:b, s:s}", "episode_id", (json_int_t)ep, "hospital_id",
                    (json_int_t)hosp, "bed", bed, "green", green, "reason", "社区测试转运"),
          NULL);
}

static int64_t tr_new(struct who *u, int64_t ep, int64_t hosp, const char *bed, bool green)
{
    struct resp r;
    tr_post(&r, u, ep, hosp, bed, green);
    int64_t id = 0;
    if (exp_status(&r, 201))
        id = jint(r.json, "id");
    resp_free(&r);
    return id;
}

/* Transfers of an episode in its detail. */
static int64_t tr_of(int64_t ep)
{
    json_t *j = ep_get(&commander, ep);
    int64_t n = j ? (int64_t)json_array_size(json_object_get(j, "transfers")) : -1;
    json_decref(j);
    return n;
}

static json_t *tr_patch(struct who *u, int64_t id, json_t *body, long want)
{
    struct resp r;
    callj(&r, u, "PATCH", P("/api/v1/community/transfers/%lld", (long long)id), body, NULL);
    json_t *j = NULL;
    if (exp_status(&r, want))
        j = json_incref(r.json);
    resp_free(&r);
    return j;
}

/* A resident near (lat, lon) with an open episode, red when haemo. */
static int64_t near_ep(double lat, double lon, bool haemo)
{
    struct person q;
    json_t *x = json_pack("{s:f, s:f}", "lat", lat, "lon", lon);
    if (haemo)
        json_object_set_new(x, "haemodialysis", json_true());
    if (!person_new(&gridw, GRID, "19780412", true, NULL, x, &q))
        return 0;
    return ep_new(&gridw, q.id, NULL);
}

static void t_transfers(void)
{
    struct resp r;
    int64_t e[8] = {0}, red = 0;
    const int ne = 8; /* two fill H1's first ICU beds, the rest race for the last one */

    begin("transfer setup: hospitals H1 (designated, 3 ICU beds) and H2 (not designated)");
    H1 = hosp_new("社区测试定点医院", "designated", LAT0, LON0);
    H2 = hosp_new("社区测试普通医院", "none", LAT0 + 0.01, LON0);
    if (H1)
        report_set(H1, 10, 0, 3, 0); /* free: 3 ICU, 7 general */
    if (H2)
        report_set(H2, 6, 1, 0, 0); /* free: 5 general, no ICU */
    for (int k = 0; k < ne; k++)
        e[k] = near_ep(LAT0, LON0, false);
    red = near_ep(LAT0, LON0, true);
    end();
    if (!H1 || !H2 || !e[ne - 1] || !red)
        return;

    begin("transfer options: designated hospitals with a free bed, nearest first");
    {
        json_t *o = options(&gridw, e[0], "bed=general");
        if (o) {
            size_t i;
            json_t *it;
            double last = -1;
            json_array_foreach(o, i, it)
            {
                double km = json_number_value(json_object_get(it, "distance_km"));
                if (km < last)
                    fail("not sorted by distance: %s", jshow(o));
                last = km;
                if (jint(it, "free") <= 0)
                    fail("an option without a free bed: %s", jshow(it));
                if (!strcmp(jstr(it, "role") ? jstr(it, "role") : "none", "none"))
                    fail("a non-designated hospital in an ordinary transfer: %s", jshow(it));
                if (!jstr(it, "reason"))
                    fail("an option without its reason: %s", jshow(it));
            }
            json_t *first = json_array_get(o, 0);
            exp_int(first, "hospital_id", H1, "nearest");
            exp_int(first, "free", 7, "H1 general");
            if (json_number_value(json_object_get(first, "distance_km")) != 0.0)
                fail("H1 is where the resident lives: %s", jshow(first));
            if (free_at(o, H2))
                fail("H2 (not designated) offered for an ordinary transfer");
        }
        json_decref(o);
        o = options(&gridw, e[0], "bed=general&green=1");
        if (o) {
            exp_int(json_array_get(o, 0), "hospital_id", H1, "green, nearest");
            exp_int(json_array_get(o, 1), "hospital_id", H2, "green, second");
            exp_str(json_array_get(o, 1), "role", "none", "green, second");
            if (free_at(o, H2) != 5)
                fail("H2: expected 5 free general beds: %s", jshow(o));
        }
        json_decref(o);
        o = options(&gridw, e[0], "bed=icu");
        if (o) {
            exp_int(json_array_get(o, 0), "hospital_id", H1, "icu, nearest");
            exp_int(json_array_get(o, 0), "free", 3, "H1 ICU");
            if (free_at(o, H2))
                fail("H2 has no ICU bed");
        }
        json_decref(o);
        call(&r, &gridw, "GET",
             P("/api/v1/community/episodes/%lld/transfer-options?bed=ward", (long long)e[0]), NULL,
             NULL);
        exp_invalid(&r, "bed", NULL);
        resp_free(&r);
    }
    end();

    begin("transfer: refused requests (not designated, green without red, unknown hospital, bad "
          "bed) write nothing");
    tr_post(&r, &gridw, e[0], H2, "general", false);
    exp_invalid(&r, "hospital_id", "not_designated");
    resp_free(&r);
    tr_post(&r, &gridw, e[0], H2, "general", true);
    exp_invalid(&r, "green", NULL);
    resp_free(&r);
    tr_post(&r, &gridw, e[0], 999999999, "general", false);
    exp_invalid(&r, "hospital_id", NULL);
    resp_free(&r);
    tr_post(&r, &gridw, e[0], H1, "ward", false);
    exp_invalid(&r, "bed", NULL);
    resp_free(&r);
    tr_post(&r, &gridw, red, H2, "icu", true); /* H2 has no ICU */
    exp_field(&r, 409, "hospital_id", NULL);
    resp_free(&r);
    if (tr_of(e[0]) != 0 || tr_of(red) != 0)
        fail("a refused transfer was written");
    {
        json_t *o = options(&gridw, e[0], "bed=general&green=1");
        if (o && free_at(o, H2) != 5)
            fail("H2's free beds changed: %s", jshow(o));
        json_decref(o);
    }
    end();

    begin("transfer: green channel for a red entry to a non-designated hospital, one at a time");
    {
        int64_t t = tr_new(&gridw, red, H2, "general", true);
        if (t) {
            json_t *o = options(&gridw, red, "bed=general&green=1");
            if (o && free_at(o, H2) != 4)
                fail("H2: expected 4 free beds after the reservation: %s", jshow(o));
            json_decref(o);
            tr_post(&r, &gridw, red, H1, "general", false);
            if (exp_field(&r, 409, "episode_id", NULL))
                exp_field_says(&r, "episode_id", P("%lld", (long long)t));
            resp_free(&r);
            json_t *j = tr_patch(&gridw, t, json_pack("{s:s}", "status", "accepted"), 422);
            json_decref(j);
            j = tr_patch(&gridw, t, json_pack("{s:s}", "status", "cancelled"), 200);
            if (j)
                exp_str(j, "status", "cancelled", "cancel");
            json_decref(j);
            j = tr_patch(&gridw, t, json_pack("{s:s}", "status", "cancelled"), 422);
            json_decref(j);
            o = options(&gridw, red, "bed=general&green=1");
            if (o && free_at(o, H2) != 5)
                fail("H2: the cancelled reservation still holds a bed: %s", jshow(o));
            json_decref(o);
        }
    }
    end();

    begin("last ICU bed: two reservations at once, exactly one wins (5 rounds)");
    {
        /* two of H1's three ICU beds */
        if (!tr_new(&gridw, e[0], H1, "icu", false) || !tr_new(&gridw, e[1], H1, "icu", false))
            fail("could not reserve the first two ICU beds");
        json_t *o = options(&gridw, e[0], "bed=icu");
        if (o && free_at(o, H1) != 1)
            fail("H1: expected 1 free ICU bed: %s", jshow(o));
        json_decref(o);
        int64_t a = e[2], next = 3;
        for (int round = 0; next < ne; round++) {
            int64_t b = e[next++];
            char *bodies[2];
            int64_t eps[2] = {a, b};
            for (int i = 0; i < 2; i++) {
                json_t *bj = json_pack("{s:I, s:I, s:s}", "episode_id", (json_int_t)eps[i],
                                       "hospital_id", (json_int_t)H1, "bed", "icu");
                bodies[i] = json_dumps(bj, JSON_COMPACT);
                json_decref(bj);
            }
            struct resp rs[2];
            post_parallel(2, rs, "/api/v1/community/transfers", (const char *const *)bodies,
                          H(gridw.bearer, "Content-Type: application/json", "Accept-Language: en"));
            int won = 0, full = 0;
            int64_t winner_tr = 0, loser_ep = 0;
            for (int i = 0; i < 2; i++) {
                if (rs[i].status == 201) {
                    won++;
                    winner_tr = jint(rs[i].json, "id");
                } else if (rs[i].status == 409 && has_field_error(&rs[i], "hospital_id")) {
                    full++;
                    loser_ep = eps[i];
                } else {
                    fail("round %d, request %d: expected 201 or 409 on hospital_id, got %ld: %s",
                         round, i, rs[i].status, snip(&rs[i]));
                }
                resp_free(&rs[i]);
                free(bodies[i]);
            }
            if (won != 1 || full != 1) {
                fail("round %d: %d won and %d found no bed", round, won, full);
                break;
            }
            /* the free count is now 0: H1 is not offered, and one more is refused */
            o = options(&gridw, loser_ep, "bed=icu");
            if (o && free_at(o, H1) != 0)
                fail("round %d: H1 still offers %lld ICU beds", round, (long long)free_at(o, H1));
            json_decref(o);
            tr_post(&r, &gridw, loser_ep, H1, "icu", false);
            exp_field(&r, 409, "hospital_id", NULL);
            resp_free(&r);
            if (tr_of(loser_ep) != 0)
                fail("round %d: the loser has a transfer", round);
            /* general beds are another count */
            o = options(&gridw, loser_ep, "bed=general");
            if (o && free_at(o, H1) != 7)
                fail("round %d: H1's general beds moved: %s", round, jshow(o));
            json_decref(o);
            /* cancel the winner: the bed is free again for the next round */
            json_t *j = tr_patch(&gridw, winner_tr, json_pack("{s:s}", "status", "cancelled"), 200);
            json_decref(j);
            o = options(&gridw, loser_ep, "bed=icu");
            if (o && free_at(o, H1) != 1)
                fail("round %d: after a cancellation H1 should have 1 ICU bed: %s", round,
                     jshow(o));
            json_decref(o);
            a = loser_ep;
        }
        json_t *l = get_json(&commander, P("/api/v1/community/transfers?region=%s&status=reserved"
                                           "&limit=1000",
                                           GRID));
        int64_t held = 0;
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(l, "items"), i, it)
        {
            held += jint(it, "hospital_id") == H1 && !strcmp(jstr(it, "bed"), "icu");
        }
        json_decref(l);
        if (held != 2)
            fail("expected 2 ICU reservations held at H1, got %lld", (long long)held);
    }
    end();
}

/* The hospital's side, at api-hospital's own facility. */
static void t_hospital(void)
{
    struct resp r;
    begin("hospital setup: api-hospital's facility has 20 free general beds");
    double lat = LAT0 - 0.2, lon = LON0;
    json_t *f = get_json(&commander, P("/api/v1/facilities/%lld", (long long)own_fid));
    bool geo = f && json_is_number(json_object_get(f, "lat"));
    if (geo) {
        lat = json_number_value(json_object_get(f, "lat"));
        lon = json_number_value(json_object_get(f, "lon"));
    }
    json_decref(f);
    bool ok = report_set(own_fid, 40, 20, 5, 5); /* 20 free general, no free ICU */
    int64_t e1 = near_ep(lat, lon, true), e2 = near_ep(lat, lon, true),
            e3 = near_ep(lat, lon, false);
    end();
    if (!ok || !e1 || !e2 || !e3)
        return;

    /* where the resident lives, the hospital is the nearest: its free count is visible */
    int64_t base = -1;
    if (geo) {
        begin("hospital: its free general beds as the report says");
        json_t *o = options(&gridw, e1, "bed=general&green=1");
        base = o ? free_at(o, own_fid) : -1;
        exp_int(json_array_get(o, 0), "hospital_id", own_fid, "nearest");
        exp_int(json_array_get(o, 0), "free", 20, "40 open − 20 occupied, ICU full");
        json_decref(o);
        end();
    }

    begin("hospital: accepts, then arrival closes the episode as transferred");
    int64_t t1 = tr_new(&gridw, e1, own_fid, "general", true);
    int64_t tH1 = 0;
    {
        /* a transfer to another hospital is not this hospital's */
        json_t *l = get_json(&commander, P("/api/v1/community/transfers?region=%s&status=reserved"
                                           "&limit=1",
                                           GRID));
        json_t *it = l ? json_array_get(json_object_get(l, "items"), 0) : NULL;
        if (it && jint(it, "hospital_id") != own_fid)
            tH1 = jint(it, "id");
        json_decref(l);
    }
    if (t1) {
        if (geo) {
            json_t *o = options(&gridw, e2, "bed=general&green=1");
            if (o && free_at(o, own_fid) != base - 1)
                fail("reserved: expected %lld free, got %lld", (long long)base - 1,
                     (long long)free_at(o, own_fid));
            json_decref(o);
        }
        json_t *l = get_json(&hospital, "/api/v1/community/transfers?limit=1000");
        size_t i;
        json_t *it;
        bool seen = false;
        json_array_foreach(json_object_get(l, "items"), i, it)
        {
            if (jint(it, "hospital_id") != own_fid)
                fail("the hospital sees a transfer to another hospital: %s", jshow(it));
            seen = seen || jint(it, "id") == t1;
        }
        if (!seen)
            fail("the hospital does not see the transfer to it");
        json_decref(l);
        if (tH1) {
            json_t *j = tr_patch(&hospital, tH1, json_pack("{s:s}", "status", "accepted"), 404);
            json_decref(j);
        }
        json_t *j = tr_patch(&hospital, t1, json_pack("{s:s}", "status", "arrived"), 422);
        json_decref(j); /* not accepted yet */
        j = tr_patch(&hospital, t1, json_pack("{s:s}", "status", "cancelled"), 422);
        json_decref(j); /* the sender cancels, not the hospital */
        callj(&r, &hospital, "PATCH", P("/api/v1/community/transfers/%lld", (long long)t1),
              json_pack("{s:s}", "status", "accepted"), V(9));
        exp_problem(&r, 412, NULL, NULL);
        resp_free(&r);
        callj(&r, &hospital, "PATCH", P("/api/v1/community/transfers/%lld", (long long)t1),
              json_pack("{s:s}", "status", "accepted"), V(1));
        if (exp_status(&r, 200))
            exp_str(r.json, "status", "accepted", "accepted");
        resp_free(&r);
        j = tr_patch(&hospital, t1, json_pack("{s:s}", "status", "arrived"), 200);
        if (j)
            exp_str(j, "status", "arrived", "arrived");
        json_decref(j);
        json_t *ep = ep_get(&gridw, e1);
        if (ep) {
            exp_str(ep, "status", "transferred", "after arrival");
            exp_str(ep, "end_date", SCENARIO, "after arrival");
        }
        json_decref(ep);
        /* the bed is now occupied, no longer reserved: the count stays one down */
        if (geo) {
            json_t *o = options(&gridw, e2, "bed=general&green=1");
            if (o && free_at(o, own_fid) != base - 1)
                fail("after arrival: expected %lld free (occupied), got %lld", (long long)base - 1,
                     (long long)free_at(o, own_fid));
            json_decref(o);
        }
        /* nothing is recorded on the closed episode any more */
        int64_t n0 = fu_count(&gridw, e1);
        callj(&r, &gridw, "POST", P("/api/v1/community/episodes/%lld/followups", (long long)e1),
              fub(NULL, 37.0, 97, NULL, false), NULL);
        exp_invalid(&r, "at", NULL);
        resp_free(&r);
        if (fu_count(&gridw, e1) != n0)
            fail("a follow-up was written after the transfer");
        tr_post(&r, &gridw, e1, own_fid, "general", true);
        exp_invalid(&r, "episode_id", NULL);
        resp_free(&r);
        j = tr_patch(&hospital, t1, json_pack("{s:s}", "status", "accepted"), 422);
        json_decref(j);
    }
    end();

    begin("hospital: declining needs a note; a declined bed is free again");
    int64_t t2 = tr_new(&gridw, e2, own_fid, "general", true);
    if (t2) {
        json_t *j = tr_patch(&hospital, t2, json_pack("{s:s}", "status", "declined"), 422);
        json_decref(j);
        callj(&r, &hospital, "PATCH", P("/api/v1/community/transfers/%lld", (long long)t2),
              json_pack("{s:s}", "status", "declined"), NULL);
        exp_invalid(&r, "note", NULL);
        resp_free(&r);
        json_t *l = get_json(&hospital, "/api/v1/community/transfers?status=reserved&limit=1000");
        size_t i;
        json_t *it;
        bool held = false;
        json_array_foreach(json_object_get(l, "items"), i, it)
        {
            held = held || jint(it, "id") == t2;
        }
        if (!held)
            fail("a refused decline changed the transfer");
        json_decref(l);
        j = tr_patch(&hospital, t2,
                     json_pack("{s:s, s:s}", "status", "declined", "note", "呼吸科已满"), 200);
        if (j) {
            exp_str(j, "status", "declined", "declined");
            exp_str(j, "note", "呼吸科已满", "declined");
        }
        json_decref(j);
        json_t *ep = ep_get(&gridw, e2);
        if (ep)
            exp_str(ep, "status", "isolating", "a declined transfer keeps the entry open");
        json_decref(ep);
        if (geo) {
            json_t *o = options(&gridw, e3, "bed=general&green=1");
            if (o && free_at(o, own_fid) != base - 1)
                fail("after decline: expected %lld free, got %lld", (long long)base - 1,
                     (long long)free_at(o, own_fid));
            json_decref(o);
        }
        /* after a decline, another transfer may be asked for */
        int64_t t3 = tr_new(&gridw, e2, own_fid, "general", true);
        if (t3) {
            j = tr_patch(&gridw, t3, json_pack("{s:s}", "status", "cancelled"), 200);
            json_decref(j);
        }
    }
    end();
}

/* ---- statistics and the ledger export ---- */

static void t_stats(void)
{
    struct resp r;
    begin("stats: a grid made here, figures known exactly");
    struct person s[4];
    int64_t ep[4] = {0};
    bool ok = person_new(&commander, G2, "19820202", true, NULL,
                         json_pack("{s:b}", "haemodialysis", 1), &s[0]) &&
              person_new(&commander, G2, "19520202", false, NULL, NULL, &s[1]) &&
              person_new(&commander, G2, "19920202", true, NULL, NULL, &s[2]) &&
              person_new(&commander, G2, "19940202", false, NULL, NULL, &s[3]);
    for (int k = 0; ok && k < 4; k++)
        ok = (ep[k] = ep_new(&commander, s[k].id, NULL)) != 0;
    if (ok) {
        callj(&r, &commander, "PATCH", P("/api/v1/community/episodes/%lld", (long long)ep[3]),
              json_pack("{s:s}", "status", "ended"), V(1));
        ok = exp_status(&r, 200);
        resp_free(&r);
    }
    int64_t q[4] = {0};
    if (ok) {
        static const char *const types[] = {"supplies", "supplies", "health", "medicine"};
        static const int who_[] = {0, 1, 2, 2};
        for (int k = 0; k < 4; k++) {
            json_t *j = req_new(&commander, s[who_[k]].id, types[k], "统计测试");
            q[k] = j ? jint(j, "id") : 0;
            json_decref(j);
        }
        if (q[3]) {
            callj(&r, &commander, "PATCH", P("/api/v1/community/requests/%lld", (long long)q[3]),
                  json_pack("{s:s, s:s}", "status", "done", "note", "已送药"), V(1));
            exp_status(&r, 200);
            resp_free(&r);
        }
        if (H1)
            tr_new(&commander, ep[0], H1, "general", false);
    }
    if (ok) {
        json_t *st = get_json(&commander, P("/api/v1/community/stats?region=%s", G2));
        if (st) {
            json_t *iso = json_object_get(st, "isolating");
            exp_int(iso, "total", 3, "isolating");
            exp_int(iso, "red", 1, "isolating");
            exp_int(iso, "yellow", 1, "isolating");
            exp_int(iso, "green", 1, "isolating");
            exp_int(st, "overdue_followups", 3, "new entries are due at once");
            json_t *rq = json_object_get(st, "requests");
            exp_int(rq, "open", 3, "requests");
            exp_int(json_object_get(rq, "open_by_type"), "supplies", 2, "requests");
            exp_int(json_object_get(rq, "open_by_type"), "health", 1, "requests");
            exp_int(json_object_get(rq, "open_by_type"), "medicine", 0, "requests");
            if (H1)
                exp_int(json_object_get(st, "transfers"), "reserved", 1, "transfers");
            json_t *daily = json_object_get(st, "daily");
            json_t *last = json_array_get(daily, json_array_size(daily) - 1);
            exp_str(last, "date", SCENARIO, "daily");
            exp_int(last, "new", 4, "daily");
            exp_int(last, "ended", 1, "daily");
            if (json_array_size(daily) != 14)
                fail("expected 14 days, got %zu", json_array_size(daily));
            /* the same figures from the lists */
            json_t *el = get_json(&commander, P("/api/v1/community/episodes?region=%s&status="
                                                "isolating&limit=1000",
                                                G2));
            int64_t g[3] = {0, 0, 0}, od = 0;
            size_t i;
            json_t *it;
            json_array_foreach(json_object_get(el, "items"), i, it)
            {
                g[grade_rank(jstr(it, "grade"))]++;
                od += json_is_true(json_object_get(it, "overdue"));
            }
            exp_int(iso, "total", (int64_t)json_array_size(json_object_get(el, "items")),
                    "stats vs episode list");
            exp_int(iso, "red", g[0], "stats vs episode list");
            exp_int(iso, "yellow", g[1], "stats vs episode list");
            exp_int(iso, "green", g[2], "stats vs episode list");
            exp_int(st, "overdue_followups", od, "stats vs episode list");
            json_decref(el);
            exp_int(rq, "open", req_count(&commander, P("region=%s&status=active", G2)),
                    "stats vs request list");
            exp_int(rq, "overdue", req_count(&commander, P("region=%s&overdue=1", G2)),
                    "stats vs request list");
            json_t *tl = get_json(&commander,
                                  P("/api/v1/community/transfers?region=%s&status=reserved", G2));
            exp_int(json_object_get(st, "transfers"), "reserved",
                    (int64_t)json_array_size(json_object_get(tl, "items")),
                    "stats vs transfer list");
            json_decref(tl);
            json_t *day = get_json(&commander, P("/api/v1/community/grids/%s/today", G2));
            if (day) {
                exp_int(day, "isolating", 3, "day list of the grid");
                exp_int(day, "open_requests", 3, "day list of the grid");
            }
            json_decref(day);
        }
        json_decref(st);
    }
    end();

    begin("stats: the grid worker's grid agrees with its lists");
    {
        json_t *st = get_json(&gridw, "/api/v1/community/stats?region=" GRID);
        json_t *day = get_json(&gridw, "/api/v1/community/grids/" GRID "/today");
        if (st && day) {
            json_t *iso = json_object_get(st, "isolating");
            exp_int(iso, "total", jint(day, "isolating"), "stats vs day list");
            exp_int(iso, "red", jint(day, "red"), "stats vs day list");
            exp_int(iso, "yellow", jint(day, "yellow"), "stats vs day list");
            exp_int(iso, "green", jint(day, "green"), "stats vs day list");
            exp_int(st, "alerts", jint(day, "alerts"), "stats vs day list");
            exp_int(json_object_get(st, "requests"), "open", jint(day, "open_requests"),
                    "stats vs day list");
            int64_t n = 0, after = 0;
            for (int page = 0; page < 100; page++) {
                json_t *l = get_json(&gridw, P("/api/v1/community/episodes?region=%s&status="
                                               "isolating&limit=7&after=%lld",
                                               GRID, (long long)after));
                if (!l)
                    break;
                n += (int64_t)json_array_size(json_object_get(l, "items"));
                json_t *next = json_object_get(l, "next");
                bool more = json_is_integer(next);
                after = json_integer_value(next);
                json_decref(l);
                if (!more)
                    break;
            }
            exp_int(iso, "total", n, "stats vs the episode list, paged");
        }
        json_decref(st);
        json_decref(day);
        call(&r, &gridw, "GET", P("/api/v1/community/stats?region=%s", G2), NULL, NULL);
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
        call(&r, &gridw, "GET", "/api/v1/community/stats?days=0", NULL, NULL);
        exp_invalid(&r, "days", NULL);
        resp_free(&r);
    }
    end();

    begin("ledger.xlsx: a zip with the spreadsheet content type, audited export");
    call(&r, &commander, "GET", P("/api/v1/community/ledger.xlsx?region=%s", G2), NULL, NULL);
    if (exp_status(&r, 200)) {
        exp_header_has(&r, "Content-Type", "spreadsheetml.sheet");
        exp_header_has(&r, "Content-Disposition", "attachment");
        if (r.body.n < 4 || memcmp(r.body.p, "PK\x03\x04", 4) != 0)
            fail("not a zip: %s", snip(&r));
        bool sheet = false;
        for (size_t i = 0; i + 24 <= r.body.n && !sheet; i++)
            sheet = memcmp(r.body.p + i, "xl/worksheets/sheet1.xml", 24) == 0;
        if (!sheet)
            fail("no xl/worksheets/sheet1.xml in the zip");
    }
    resp_free(&r);
    call(&r, &gridw, "GET", "/api/v1/community/ledger.xlsx?status=all", NULL, NULL);
    if (exp_status(&r, 200) && (r.body.n < 2 || memcmp(r.body.p, "PK", 2) != 0))
        fail("not a zip: %s", snip(&r));
    resp_free(&r);
    call(&r, &gridw, "GET", "/api/v1/community/ledger.xlsx?status=sleeping", NULL, NULL);
    exp_invalid(&r, "status", NULL);
    resp_free(&r);
    call(&r, &gridw, "GET", P("/api/v1/community/ledger.xlsx?region=%s", G2), NULL, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    end();
}

/* ---- scope: a grid worker outside their grid ---- */

static void t_scope(void)
{
    struct resp r;
    begin("scope: an entry in another grid is 404 to the grid worker, nothing written");
    struct person o;
    int64_t eo = 0;
    if (person_new(&commander, G2, "19710303", true, NULL, NULL, &o))
        eo = ep_new(&commander, o.id, "2022-12-24");
    if (eo) {
        const char *ep = P("/api/v1/community/episodes/%lld", (long long)eo);
        char path[128];
        snprintf(path, sizeof path, "%s", ep);
        call(&r, &gridw, "GET", path, NULL, NULL);
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
        callj(&r, &gridw, "PATCH", path, json_pack("{s:s}", "status", "ended"), V(1));
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
        callj(&r, &gridw, "POST", P("%s/followups", path),
              fub("2022-12-25T09:00:00+08:00", 36.8, 98, NULL, false), NULL);
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
        call(&r, &gridw, "GET", P("%s/followups", path), NULL, NULL);
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
        call(&r, &gridw, "GET", P("%s/transfer-options", path), NULL, NULL);
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
        if (H1) {
            tr_post(&r, &gridw, eo, H1, "general", false);
            exp_invalid(&r, "episode_id", NULL);
            resp_free(&r);
        }
        int64_t nq = req_count(&commander, P("region=%s", G2));
        callj(&r, &gridw, "POST", "/api/v1/community/requests",
              json_pack("{s:I, s:s, s:s}", "person_id", (json_int_t)o.id, "type", "supplies",
                        "detail", "越界"),
              NULL);
        exp_invalid(&r, "person_id", NULL);
        resp_free(&r);
        json_t *j = ep_get(&commander, eo);
        if (j) {
            exp_int(j, "version", 1, "untouched");
            exp_str(j, "status", "isolating", "untouched");
            if (json_array_size(json_object_get(j, "followups")) != 0 ||
                json_array_size(json_object_get(j, "transfers")) != 0)
                fail("a refused write reached the entry: %s", jshow(j));
        }
        json_decref(j);
        if (nq < 0 || req_count(&commander, P("region=%s", G2)) != nq)
            fail("a refused request was written in %s", G2);
    }
    /* G2's request and transfer (from the stats case) */
    json_t *l = get_json(&commander, P("/api/v1/community/requests?region=%s&status=open", G2));
    int64_t q = l ? jint(json_array_get(json_object_get(l, "items"), 0), "id") : 0;
    json_decref(l);
    if (q) {
        call(&r, &gridw, "GET", P("/api/v1/community/requests/%lld", (long long)q), NULL, NULL);
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
        callj(&r, &gridw, "PATCH", P("/api/v1/community/requests/%lld", (long long)q),
              json_pack("{s:s}", "status", "cancelled"), V(1));
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
        json_t *g = get_json(&commander, P("/api/v1/community/requests/%lld", (long long)q));
        if (g)
            exp_str(g, "status", "open", "untouched");
        json_decref(g);
    }
    l = get_json(&commander, P("/api/v1/community/transfers?region=%s&status=reserved", G2));
    int64_t t = l ? jint(json_array_get(json_object_get(l, "items"), 0), "id") : 0;
    json_decref(l);
    if (t) {
        json_t *j = tr_patch(&gridw, t, json_pack("{s:s}", "status", "cancelled"), 404);
        json_decref(j);
        l = get_json(&commander, P("/api/v1/community/transfers?region=%s&status=reserved", G2));
        if (l && json_array_size(json_object_get(l, "items")) != 1)
            fail("a refused cancel changed the transfer: %s", jshow(l));
        json_decref(l);
    }
    end();

    begin("scope: moving a resident to another grid takes the open entry along");
    struct person m;
    int64_t em = 0;
    if (person_new(&gridw, GRID, "19860606", false, NULL, NULL, &m))
        em = ep_new(&gridw, m.id, NULL);
    if (em) {
        /* the grid worker cannot move them out of their own scope */
        callj(&r, &gridw, "PATCH", P("/api/v1/persons/%lld", (long long)m.id),
              json_pack("{s:s}", "grid", G2), V(1));
        exp_invalid(&r, "grid", NULL);
        resp_free(&r);
        json_t *j = person_get(&gridw, m.id);
        if (j) {
            exp_str(j, "grid", GRID, "not moved");
            exp_int(j, "version", 1, "not moved");
        }
        json_decref(j);
        /* the commander can */
        callj(&r, &commander, "PATCH", P("/api/v1/persons/%lld", (long long)m.id),
              json_pack("{s:s}", "grid", G2), V(1));
        if (exp_status(&r, 200))
            exp_str(r.json, "grid", G2, "moved");
        resp_free(&r);
        j = ep_get(&commander, em);
        if (j)
            exp_str(j, "grid", G2, "the open entry follows");
        json_decref(j);
        call(&r, &gridw, "GET", P("/api/v1/community/episodes/%lld", (long long)em), NULL, NULL);
        exp_problem(&r, 404, NULL, NULL);
        resp_free(&r);
        json_t *day = get_json(&gridw, "/api/v1/community/grids/" GRID "/today");
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(day, "items"), i, it)
        {
            if (jint(it, "id") == em)
                fail("the moved entry is still in the old grid's day list");
        }
        json_decref(day);
    }
    end();
}

/* ===================================================================== */

/* ---- the roster import ---- */

static void upload(struct resp *r, struct who *u, const char *path, const char *data,
                   const char *ctype)
{
    char ct[160];
    snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
    http_full(r, "POST", path, data, strlen(data), 0, H(u->bearer, "Accept-Language: en", ct));
}

/* The row entry of an import report for file line `row`, or NULL. */
static json_t *import_row(json_t *report, int row)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(report, "errors"), i, e)
    {
        if (json_integer_value(json_object_get(e, "row")) == row)
            return e;
    }
    return NULL;
}

static bool row_has(json_t *row, const char *field)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(row, "errors"), i, e)
    {
        const char *f = jstr(e, "field");
        if (f && !strcmp(f, field))
            return true;
    }
    return false;
}

static void t_import(void)
{
    struct resp r;
    char a[24], b[24], bad[24], csv[2048];
    id_make(a, "19420101", true, false);
    id_make(b, "19900505", false, false);
    id_make(bad, "19800808", true, false);
    bad[17] = bad[17] == '0' ? '1' : '0'; /* a wrong check digit */
    snprintf(csv, sizeof csv,
             "身份证号,姓名,网格代码,联系电话,独居,慢性病,性别\r\n"
             "%s,赵大爷,%s,13800001111,是,高血压、糖尿病,男\r\n"
             "%s,钱女士,%s,13800002222,否,,女\r\n"
             "%s,孙某,%s,1380000,maybe,flu,男\r\n"
             "%s,重复,%s,,,,\r\n",
             a, GRID, b, GRID, bad, GRID, a, GRID);
    int64_t before = persons_in(&gridw, GRID);

    begin("import: a bad row rejects the whole file, row by row, nothing written");
    upload(&r, &gridw, "/api/v1/persons/import", csv, "text/csv");
    if (exp_status(&r, 422)) {
        exp_int(r.json, "rows", 4, "report");
        exp_int(r.json, "invalid", 2, "report");
        exp_int(r.json, "created", 0, "report");
        json_t *r4 = import_row(r.json, 4), *r5 = import_row(r.json, 5);
        if (!r4 || !row_has(r4, "id_number") || !row_has(r4, "phone") ||
            !row_has(r4, "living_alone") || !row_has(r4, "chronic[0]"))
            fail("line 4 should name id_number, phone, living_alone, chronic[0]: %s", snip(&r));
        if (!r5 || !row_has(r5, "id_number"))
            fail("line 5 (a duplicate of line 2) should name id_number: %s", snip(&r));
    }
    resp_free(&r);
    if (persons_in(&gridw, GRID) != before)
        fail("persons were written by a rejected import");
    end();

    begin("import: dry_run reports without writing");
    upload(&r, &gridw, "/api/v1/persons/import?dry_run=1", csv, "text/csv");
    if (exp_status(&r, 200)) {
        exp_int(r.json, "invalid", 2, "dry run");
        if (!json_is_true(json_object_get(r.json, "dry_run")))
            fail("dry_run not true");
    }
    resp_free(&r);
    if (persons_in(&gridw, GRID) != before)
        fail("a dry run wrote persons");
    end();

    begin("import: skip_bad imports the good rows, names and diseases decoded");
    upload(&r, &gridw, "/api/v1/persons/import?skip_bad=1", csv, "text/csv");
    if (exp_status(&r, 201))
        exp_int(r.json, "created", 2, "skip_bad");
    resp_free(&r);
    if (persons_in(&gridw, GRID) != before + 2)
        fail("expected 2 more persons in %s", GRID);
    end();

    begin("import: a CSV not in UTF-8 (GBK from Excel) → 422 on file");
    upload(&r, &gridw, "/api/v1/persons/import", "\xc9\xed\xb7\xdd\xd6\xa4\xba\xc5,name,grid\r\n",
           "text/csv");
    exp_problem(&r, 422, "file", NULL);
    resp_free(&r);
    end();

    begin("import: a required column missing → 422 naming it");
    upload(&r, &gridw, "/api/v1/persons/import", "id_number,name\r\n1,2\r\n", "text/csv");
    exp_problem(&r, 422, "grid", NULL);
    resp_free(&r);
    end();

    begin("import: a grid outside the grid worker's scope is a row error");
    {
        char c[24], one[512];
        id_make(c, "19700101", true, false);
        snprintf(one, sizeof one, "id_number,name,grid\r\n%s,周某,%s\r\n", c, G2);
        upload(&r, &gridw, "/api/v1/persons/import", one, "text/csv");
        if (exp_status(&r, 422)) {
            json_t *r2 = import_row(r.json, 2);
            if (!r2 || !row_has(r2, "grid"))
                fail("row 2 should name grid: %s", snip(&r));
        }
        resp_free(&r);
    }
    end();
}

int main(int argc, char **argv)
{
    (void)argv;
    const char *url = getenv("CREST_URL"), *pw = getenv("API_PASSWORD");
    if (argc > 1 || !url || !pw || !client_init(url)) {
        fputs("usage: CREST_URL=http://127.0.0.1:PORT API_PASSWORD=… community_test\n"
              "(see tests/api/run.sh)\n",
              stderr);
        return 2;
    }
    snprintf(password, sizeof password, "%s", pw);
    bool in = sign_in(&admin, password);
    in = sign_in(&commander, password) && in;
    in = sign_in(&gridw, password) && in;
    in = sign_in(&resident, password) && in;
    in = sign_in(&hospital, password) && in;
    if (in) {
        t_setup();
        if (G2[0] && pol) {
            t_persons();
            t_episodes();
            t_followups();
            t_resident();
            t_today();
            t_requests();
            t_transfers();
            t_hospital();
            t_stats();
            t_scope();
            t_import();
        }
    } else {
        printf("FAIL setup: the api-* users must sign in\n");
        n_fail++;
    }
    json_decref(pol);
    client_cleanup();
    printf("%d passed, %d failed\n", n_pass, n_fail);
    fflush(stdout);
    return n_fail ? 1 : 0;
}
