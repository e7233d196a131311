/*
 * queue_test.c - the queue pillar's HTTP API (issue 6, docs/api.md "Queue")
 * against a live `crest serve`: clinics' hours and counters, tickets online
 * and at the desk, one open ticket per person, priority lanes that cannot
 * starve the ordinary lane, call-next, no-show and re-queue, a closed
 * clinic's 409 with its next opening and alternatives, a desk acting on
 * another clinic (404), locations outside the province (422 naming the
 * field), the recommendation, statistics rolled up per region, the public
 * display and its live stream (Server-Sent Events).
 *
 * Every rejected request is followed by a read-back proving nothing was
 * written. The clinics are made here (api-admin creates three fever rooms
 * and sets their hours relative to the clock, so "open now" and "closed
 * now" hold whenever the suite runs); api-clinic is the desk of the demo's
 * `clinic` facility (bound by tests/api/run.sh). No wall-clock time is
 * asserted.
 *
 *   CREST_URL      http://127.0.0.1:PORT of the server under test
 *   API_PASSWORD   the password of every api-* user
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

static struct who admin = {.name = "api-admin"}, commander = {.name = "api-commander"},
                  desk = {.name = "api-clinic"}, resident = {.name = "api-resident"};
static char password[256];

static int64_t A, B, C; /* open, open, closed-now fever rooms made here */
static int64_t own;     /* api-clinic's own clinic (the demo's) */

/* Hours "HH:MM-HH:MM" (local, UTC+8) that start `from_h` hours from now and
 * last one hour; the expected next opening as ISO 8601 UTC into iso. */
static void hours_from_now(int from_h, char *hours, size_t cap, char iso[32])
{
    time_t now = time(NULL);
    time_t local = now + 8 * 3600;
    struct tm tm;
    gmtime_r(&local, &tm);
    int h = (tm.tm_hour + from_h) % 24;
    snprintf(hours, cap, "%02d:00-%02d:00", h, (h + 1) % 24 == 0 ? 24 : (h + 1) % 24);
    /* local midnight today, then h:00 local; if past, tomorrow */
    time_t midnight = local - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec);
    time_t open_local = midnight + h * 3600;
    if (open_local <= local)
        open_local += 86400;
    time_t open_utc = open_local - 8 * 3600;
    struct tm u;
    gmtime_r(&open_utc, &u);
    strftime(iso, 32, "%Y-%m-%dT%H:%M:%S.000Z", &u);
}

static int64_t make_clinic(const char *name, double lat, double lon)
{
    struct resp r;
    char body[256];
    snprintf(body, sizeof body,
             "{\"region\":\"330106\",\"kind\":\"fever_room_township\",\"name\":\"%s\",\"lat\":%.4f,"
             "\"lon\":%.4f}",
             name, lat, lon);
    call(&r, &admin, "POST", "/api/v1/facilities", body, NULL);
    int64_t id = exp_status(&r, 201) ? jint(r.json, "id") : 0;
    resp_free(&r);
    return id;
}

static json_t *get_json(struct who *u, const char *path)
{
    struct resp r;
    call(&r, u, "GET", path, NULL, NULL);
    json_t *j = r.status == 200 ? json_incref(r.json) : NULL;
    resp_free(&r);
    return j;
}

static int64_t waiting_of(int64_t clinic)
{
    json_t *j = get_json(&admin, P("/api/v1/queue/clinics/%lld", (long long)clinic));
    int64_t w = j ? jint(j, "waiting") : -1;
    json_decref(j);
    return w;
}

static void t_setup(void)
{
    struct resp r;
    begin("setup: three fever rooms, hours, counters (admin acting as their desk)");
    A = make_clinic("测试发热诊室A", 30.2500, 120.1000);
    B = make_clinic("测试发热诊室B", 30.2600, 120.1200);
    C = make_clinic("测试发热诊室C", 30.2550, 120.1100);
    if (!A || !B || !C)
        fail("could not create the clinics");
    for (int i = 0; i < 2; i++) {
        int64_t id = i ? B : A;
        call(&r, &admin, "PUT", P("/api/v1/queue/clinics/%lld/hours", (long long)id),
             "{\"hours\":\"24h\"}", NULL);
        if (exp_status(&r, 200) && !json_is_true(json_object_get(r.json, "open_now")))
            fail("24h clinic not open now: %s", snip(&r));
        resp_free(&r);
        call(&r, &admin, "PUT", P("/api/v1/queue/clinics/%lld/counters/1", (long long)id),
             "{\"open\":true}", NULL);
        exp_status(&r, 200);
        resp_free(&r);
    }
    char hours[16], iso[32];
    hours_from_now(2, hours, sizeof hours, iso);
    call(&r, &admin, "PUT", P("/api/v1/queue/clinics/%lld/hours", (long long)C),
         P("{\"hours\":\"%s\"}", hours), NULL);
    if (exp_status(&r, 200) && json_is_true(json_object_get(r.json, "open_now")))
        fail("clinic C should be closed now: %s", snip(&r));
    resp_free(&r);
    call(&r, &admin, "PUT", P("/api/v1/queue/clinics/%lld/counters/1", (long long)C),
         "{\"open\":true}", NULL);
    exp_status(&r, 200);
    resp_free(&r);
    json_t *me = get_json(&desk, "/api/v1/me");
    own = me ? jint(me, "facility_id") : 0;
    json_decref(me);
    end();
    begin("a facility that is not a fever clinic has no queue (404)");
    call(&r, &admin, "GET", "/api/v1/queue/clinics/999999", NULL, NULL);
    exp_problem(&r, 404, NULL, "queue_clinic_not_found");
    resp_free(&r);
    end();
}

static void t_validation(void)
{
    struct resp r;
    int64_t before = waiting_of(A);
    begin("ticket: a location outside the province is 422 naming lat, nothing written");
    call(&r, &resident, "POST", P("/api/v1/queue/clinics/%lld/tickets", (long long)A),
         "{\"lat\":39.9,\"lon\":116.4}", NULL);
    exp_problem(&r, 422, "lat", NULL);
    if (!has_field_error(&r, "lon"))
        fail("lon (116.4) is outside too: %s", snip(&r));
    resp_free(&r);
    call(&r, &resident, "GET", "/api/v1/queue/tickets/mine", NULL, NULL);
    exp_problem(&r, 404, NULL, "queue_ticket_not_found");
    resp_free(&r);
    if (waiting_of(A) != before)
        fail("A's queue changed");
    end();
    begin("ticket: a resident must say where they are (422 naming lat and lon)");
    call(&r, &resident, "POST", P("/api/v1/queue/clinics/%lld/tickets", (long long)A), "{}", NULL);
    exp_problem(&r, 422, "lat", NULL);
    if (!has_field_error(&r, "lon"))
        fail("lon not named: %s", snip(&r));
    resp_free(&r);
    end();
    begin("ticket: an unknown lane is 422 naming lane; an unknown field too");
    call(&r, &resident, "POST", P("/api/v1/queue/clinics/%lld/tickets", (long long)A),
         "{\"lat\":30.25,\"lon\":120.1,\"lane\":\"vip\",\"colour\":1}", NULL);
    exp_problem(&r, 422, "lane", NULL);
    if (!has_field_error(&r, "colour"))
        fail("unknown field not named: %s", snip(&r));
    resp_free(&r);
    if (waiting_of(A) != before)
        fail("A's queue changed");
    end();
    begin("hours: a malformed schedule is 422 naming hours, the old one stays");
    call(&r, &admin, "PUT", P("/api/v1/queue/clinics/%lld/hours", (long long)A),
         "{\"hours\":\"25:00-26:00\"}", NULL);
    exp_problem(&r, 422, "hours", NULL);
    resp_free(&r);
    json_t *j = get_json(&admin, P("/api/v1/queue/clinics/%lld", (long long)A));
    if (!j || !jstr(j, "hours") || strcmp(jstr(j, "hours"), "24h"))
        fail("A's hours changed: %s", j ? jstr(j, "hours") : "(none)");
    json_decref(j);
    end();
    begin("recommend: a location outside the province is 422 naming lat");
    call(&r, &resident, "GET", "/api/v1/queue/recommend?lat=10&lon=120.1", NULL, NULL);
    exp_problem(&r, 422, "lat", NULL);
    resp_free(&r);
    end();
}

static void t_other_desk(void)
{
    struct resp r;
    begin("a desk calling another clinic's queue is 404, nothing written");
    json_t *d0 = get_json(&admin, P("/api/v1/queue/clinics/%lld/display", (long long)A));
    call(&r, &desk, "POST", P("/api/v1/queue/clinics/%lld/call-next", (long long)A),
         "{\"counter\":1}", NULL);
    exp_problem(&r, 404, NULL, "queue_clinic_not_found");
    resp_free(&r);
    call(&r, &desk, "PUT", P("/api/v1/queue/clinics/%lld/counters/1", (long long)A),
         "{\"open\":false}", NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    call(&r, &desk, "PUT", P("/api/v1/queue/clinics/%lld/hours", (long long)A),
         "{\"hours\":\"09:00-10:00\"}", NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    call(&r, &desk, "GET", P("/api/v1/queue/clinics/%lld/queue", (long long)A), NULL, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    call(&r, &desk, "GET", P("/api/v1/queue/clinics/%lld", (long long)A), NULL, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    json_t *d1 = get_json(&admin, P("/api/v1/queue/clinics/%lld", (long long)A));
    if (!d1 || strcmp(jstr(d1, "hours") ? jstr(d1, "hours") : "", "24h") ||
        jint(d1, "counters_open") != 1)
        fail("A changed: %s", d1 ? jstr(d1, "hours") : "(none)");
    json_t *c0 = json_object_get(d0, "called"), *c1 = json_object_get(d1, "called");
    if (json_array_size(c0) != json_array_size(c1))
        fail("A's called list changed");
    json_decref(d0);
    json_decref(d1);
    end();
}

static int64_t tid_mine;

static void t_closed_and_one_open(void)
{
    struct resp r;
    char hours[16], iso[32];
    hours_from_now(2, hours, sizeof hours, iso);
    begin("a ticket at a closed clinic: 409 with its next opening and alternatives");
    call(&r, &resident, "POST", P("/api/v1/queue/clinics/%lld/tickets", (long long)C),
         "{\"lat\":30.255,\"lon\":120.11}", NULL);
    if (exp_problem(&r, 409, NULL, "queue_clinic_closed")) {
        const char *no = jstr(r.json, "next_open");
        if (!no || strcmp(no, iso))
            fail("next_open %s, expected %s", no ? no : "(none)", iso);
        json_t *alt = json_object_get(r.json, "alternatives");
        if (!json_is_array(alt) || json_array_size(alt) < 1 || json_array_size(alt) > 3)
            fail("expected 1-3 alternatives: %s", snip(&r));
        size_t i;
        json_t *a;
        bool has_ab = false;
        json_array_foreach(alt, i, a)
        {
            if (jint(a, "clinic_id") == C)
                fail("the closed clinic is its own alternative");
            has_ab = has_ab || jint(a, "clinic_id") == A || jint(a, "clinic_id") == B;
            if (!jstr(a, "reason_text"))
                fail("alternative without a reason");
        }
        if (!has_ab)
            fail("A or B (next door, open) not among the alternatives: %s", snip(&r));
    }
    resp_free(&r);
    call(&r, &resident, "GET", "/api/v1/queue/tickets/mine", NULL, NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    if (waiting_of(C) != 0)
        fail("C's queue changed");
    end();
    begin("a closed clinic's status says when it opens and where else to go");
    call(&r, &resident, "GET", P("/api/v1/queue/clinics/%lld", (long long)C), NULL, NULL);
    if (exp_status(&r, 200)) {
        const char *no = jstr(r.json, "next_open");
        if (!no || strcmp(no, iso))
            fail("next_open %s, expected %s", no ? no : "(none)", iso);
        json_t *alt = json_object_get(r.json, "alternatives");
        if (!json_is_array(alt) || json_array_size(alt) < 1 || json_array_size(alt) > 3)
            fail("expected 1-3 alternatives: %s", snip(&r));
    }
    resp_free(&r);
    call(&r, &resident, "GET", P("/api/v1/queue/clinics/%lld", (long long)A), NULL, NULL);
    if (exp_status(&r, 200) && json_object_get(r.json, "alternatives"))
        fail("an open clinic that is not overloaded lists alternatives: %s", snip(&r));
    resp_free(&r);
    end();

    begin("a resident takes a ticket online: 201, a number, a place and an expected wait");
    call(&r, &resident, "POST", P("/api/v1/queue/clinics/%lld/tickets", (long long)A),
         "{\"lat\":30.251,\"lon\":120.101}", NULL);
    if (exp_status(&r, 201)) {
        tid_mine = jint(r.json, "id");
        const char *num = jstr(r.json, "number");
        if (!num || strcmp(num, "A001"))
            fail("first ordinary ticket of the day should be A001: %s", snip(&r));
        if (strcmp(jstr(r.json, "state") ? jstr(r.json, "state") : "", "waiting") ||
            jint(r.json, "ahead") != 0 ||
            !json_is_number(json_object_get(r.json, "expected_wait_min")))
            fail("state/ahead/expected wait: %s", snip(&r));
        exp_header_has(&r, "Location", P("/api/v1/queue/tickets/%lld", (long long)tid_mine));
    }
    resp_free(&r);
    end();

    begin("a second open ticket for the same person: 409 naming the first, nothing written");
    call(&r, &resident, "POST", P("/api/v1/queue/clinics/%lld/tickets", (long long)B),
         "{\"lat\":30.251,\"lon\":120.101}", NULL);
    if (exp_problem(&r, 409, NULL, "queue_ticket_open")) {
        json_t *t = json_object_get(r.json, "ticket");
        if (jint(t, "id") != tid_mine || strcmp(jstr(t, "number") ? jstr(t, "number") : "", "A001"))
            fail("the problem does not name ticket %lld: %s", (long long)tid_mine, snip(&r));
    }
    resp_free(&r);
    if (waiting_of(B) != 0)
        fail("B's queue changed");
    end();

    begin("who may read a ticket: its resident and its clinic's overseers, not another desk");
    call(&r, &resident, "GET", "/api/v1/queue/tickets/mine", NULL, NULL);
    if (exp_status(&r, 200) && jint(r.json, "id") != tid_mine)
        fail("mine is not %lld: %s", (long long)tid_mine, snip(&r));
    resp_free(&r);
    call(&r, &desk, "GET", P("/api/v1/queue/tickets/%lld", (long long)tid_mine), NULL, NULL);
    exp_problem(&r, 404, NULL, "queue_ticket_not_found");
    resp_free(&r);
    call(&r, &commander, "GET", P("/api/v1/queue/tickets/%lld", (long long)tid_mine), NULL, NULL);
    exp_status(&r, 200);
    resp_free(&r);
    end();
}

/* Desk (admin) tickets at A; returns the id. */
static int64_t desk_ticket(int64_t clinic, const char *lane, const char *want_number)
{
    struct resp r;
    call(&r, &admin, "POST", P("/api/v1/queue/clinics/%lld/tickets", (long long)clinic),
         lane ? P("{\"lane\":\"%s\"}", lane) : "{}", NULL);
    int64_t id = exp_status(&r, 201) ? jint(r.json, "id") : 0;
    if (want_number && (!jstr(r.json, "number") || strcmp(jstr(r.json, "number"), want_number)))
        fail("expected number %s: %s", want_number, snip(&r));
    resp_free(&r);
    return id;
}

/* call-next at A counter 1; the called ticket's id (0 on error) and its
 * number into num. */
static int64_t next_at(int64_t clinic, char *num, size_t cap)
{
    struct resp r;
    call(&r, &admin, "POST", P("/api/v1/queue/clinics/%lld/call-next", (long long)clinic),
         "{\"counter\":1}", NULL);
    int64_t id = 0;
    if (exp_status(&r, 200)) {
        json_t *t = json_object_get(r.json, "ticket");
        id = jint(t, "id");
        snprintf(num, cap, "%s", jstr(t, "number") ? jstr(t, "number") : "?");
    }
    resp_free(&r);
    return id;
}

static void event(int64_t ticket, const char *ev, long want)
{
    struct resp r;
    call(&r, &admin, "POST", P("/api/v1/queue/tickets/%lld/events", (long long)ticket),
         P("{\"event\":\"%s\"}", ev), NULL);
    exp_status(&r, want);
    resp_free(&r);
}

static void t_lanes_and_calls(void)
{
    struct resp r;
    begin("a priority ticket jumps ahead of the ordinary one");
    int64_t p1 = desk_ticket(A, "age_80_plus", "P002");
    call(&r, &resident, "GET", "/api/v1/queue/tickets/mine", NULL, NULL);
    if (exp_status(&r, 200) && jint(r.json, "ahead") != 1)
        fail("the resident's ticket should have 1 ahead now: %s", snip(&r));
    resp_free(&r);
    end();

    begin("call-next calls by the lane rule; start and finish teach the counter's estimate");
    char num[16];
    int64_t got = next_at(A, num, sizeof num);
    if (got != p1)
        fail("expected the priority ticket P002 first, got %s", num);
    event(got, "start", 200);
    json_t *d = get_json(&admin, P("/api/v1/queue/clinics/%lld/display", (long long)A));
    json_t *c0 = json_array_get(json_object_get(d, "called"), 0);
    if (!c0 || strcmp(jstr(c0, "label") ? jstr(c0, "label") : "", "P002") ||
        jint(c0, "counter") != 1)
        fail("display does not show P002 at counter 1");
    json_decref(d);
    end();

    begin("priority cannot starve the ordinary lane: 3 priority calls in a row at most");
    /* streak is 1 (P002); four more priority tickets: P P then the ordinary A001 */
    int64_t px[4];
    for (int i = 0; i < 4; i++)
        px[i] = desk_ticket(A, "pregnant", NULL);
    char seq[64] = "";
    for (int i = 0; i < 5; i++) {
        got = next_at(A, num, sizeof num);
        if (!got)
            break;
        event(got, "start", 200);
        size_t n = strlen(seq);
        snprintf(seq + n, sizeof seq - n, "%s%s", n ? "," : "", got == tid_mine ? "A" : "P");
    }
    if (strcmp(seq, "P,P,A,P,P"))
        fail("calling order %s, expected P,P,A,P,P", seq);
    (void)px;
    /* the counter learnt from the finished services */
    json_t *cl = get_json(&admin, P("/api/v1/queue/clinics/%lld", (long long)A));
    json_t *k = json_array_get(json_object_get(cl, "counters"), 0);
    if (!k || jint(k, "samples") < 5)
        fail("counter 1 should have at least 5 samples");
    json_decref(cl);
    end();

    begin("an illegal event is 409 and changes nothing");
    int64_t t2 = desk_ticket(A, NULL, NULL);
    event(t2, "finish", 409);
    call(&r, &admin, "GET", P("/api/v1/queue/tickets/%lld", (long long)t2), NULL, NULL);
    if (exp_status(&r, 200) && strcmp(jstr(r.json, "state"), "waiting"))
        fail("state changed: %s", snip(&r));
    resp_free(&r);
    call(&r, &admin, "POST", P("/api/v1/queue/tickets/%lld/events", (long long)t2),
         "{\"event\":\"teleport\"}", NULL);
    exp_problem(&r, 422, "event", NULL);
    resp_free(&r);
    end();

    begin("the resident may cancel their own ticket, and nothing else");
    call(&r, &resident, "POST", P("/api/v1/queue/tickets/%lld/events", (long long)tid_mine),
         "{\"event\":\"start\"}", NULL);
    exp_problem(&r, 422, "event", NULL);
    resp_free(&r);
    call(&r, &resident, "POST", P("/api/v1/queue/tickets/%lld/events", (long long)t2),
         "{\"event\":\"cancel\"}", NULL);
    exp_problem(&r, 404, NULL, NULL);
    resp_free(&r);
    end();

    begin("no-show after max_calls calls; re-queue puts it at the end");
    /* the previous (started) ticket is finished, t2 is called; absent */
    got = next_at(A, num, sizeof num);
    if (got != t2)
        fail("expected t2, got %s", num);
    int64_t t3 = desk_ticket(A, NULL, NULL);
    int calls = 1;
    while (calls < 3 && next_at(A, num, sizeof num) == t2)
        calls++;
    if (calls != 3)
        fail("t2 should be called 3 times, was %d", calls);
    got = next_at(A, num, sizeof num); /* the fourth: t2 is a no-show, t3 is called */
    if (got != t3)
        fail("after 3 calls t3 should be next, got %s", num);
    call(&r, &admin, "GET", P("/api/v1/queue/tickets/%lld", (long long)t2), NULL, NULL);
    if (exp_status(&r, 200) && strcmp(jstr(r.json, "state"), "no_show"))
        fail("t2 should be no_show: %s", snip(&r));
    resp_free(&r);
    int64_t t4 = desk_ticket(A, NULL, NULL);
    call(&r, &admin, "POST", P("/api/v1/queue/tickets/%lld/events", (long long)t2),
         "{\"event\":\"requeue\"}", NULL);
    if (exp_status(&r, 200) && (strcmp(jstr(r.json, "state"), "waiting") ||
                                jint(r.json, "calls") != 0 || jint(r.json, "ahead") != 1))
        fail("requeued t2 should wait behind t4 with 0 calls: %s", snip(&r));
    resp_free(&r);
    (void)t4;
    end();

    begin("counters: closed is 409 for call-next, unknown is 422 naming counter");
    call(&r, &admin, "PUT", P("/api/v1/queue/clinics/%lld/counters/1", (long long)A),
         "{\"open\":false}", NULL);
    exp_status(&r, 200);
    resp_free(&r);
    call(&r, &admin, "POST", P("/api/v1/queue/clinics/%lld/call-next", (long long)A),
         "{\"counter\":1}", NULL);
    exp_problem(&r, 409, NULL, "queue_counter_closed");
    resp_free(&r);
    call(&r, &admin, "POST", P("/api/v1/queue/clinics/%lld/call-next", (long long)A),
         "{\"counter\":7}", NULL);
    exp_problem(&r, 422, "counter", NULL);
    resp_free(&r);
    if (waiting_of(A) != 2)
        fail("A should still have t4 and t2 waiting");
    call(&r, &admin, "PUT", P("/api/v1/queue/clinics/%lld/counters/1", (long long)A),
         "{\"open\":true}", NULL);
    exp_status(&r, 200);
    resp_free(&r);
    end();

    begin("call-next on an empty queue is 409 queue_empty and changes nothing");
    for (int i = 0; i < 20; i++) {
        call(&r, &admin, "POST", P("/api/v1/queue/clinics/%lld/call-next", (long long)A),
             "{\"counter\":1}", NULL);
        long st = r.status;
        int64_t id = jint(json_object_get(r.json, "ticket"), "id");
        resp_free(&r);
        if (st != 200)
            break;
        event(id, "start", 200);
    }
    json_t *before = get_json(&admin, P("/api/v1/queue/clinics/%lld/display", (long long)A));
    call(&r, &admin, "POST", P("/api/v1/queue/clinics/%lld/call-next", (long long)A),
         "{\"counter\":1}", NULL);
    /* the last started ticket is finished by this call, then nobody waits:
     * the whole call is refused, so it stays in service */
    exp_problem(&r, 409, NULL, "queue_empty");
    resp_free(&r);
    json_t *after = get_json(&admin, P("/api/v1/queue/clinics/%lld/display", (long long)A));
    json_t *b0 = json_array_get(json_object_get(before, "called"), 0),
           *a0 = json_array_get(json_object_get(after, "called"), 0);
    if (!b0 || !a0 || jint(b0, "ticket") != jint(a0, "ticket") ||
        strcmp(jstr(a0, "state"), "serving"))
        fail("the display changed after a refused call-next");
    json_decref(before);
    json_decref(after);
    end();
}

static void t_own_desk(void)
{
    struct resp r;
    begin("the desk runs its own clinic: hours, counter, a ticket by phone, one per person");
    if (!own)
        fail("api-clinic has no facility (run.sh binds it)");
    call(&r, &desk, "PUT", P("/api/v1/queue/clinics/%lld/hours", (long long)own),
         "{\"hours\":\"24h\"}", NULL);
    exp_status(&r, 200);
    resp_free(&r);
    call(&r, &desk, "PUT", P("/api/v1/queue/clinics/%lld/counters/2", (long long)own),
         "{\"open\":true}", NULL);
    exp_status(&r, 200);
    resp_free(&r);
    call(&r, &desk, "POST", P("/api/v1/queue/clinics/%lld/tickets", (long long)own),
         "{\"phone\":\"13800138000\"}", NULL);
    int64_t id = exp_status(&r, 201) ? jint(r.json, "id") : 0;
    resp_free(&r);
    int64_t w = waiting_of(own);
    call(&r, &desk, "POST", P("/api/v1/queue/clinics/%lld/tickets", (long long)own),
         "{\"phone\":\"13800138000\"}", NULL);
    if (exp_problem(&r, 409, NULL, "queue_ticket_open") &&
        jint(json_object_get(r.json, "ticket"), "id") != id)
        fail("409 does not name ticket %lld", (long long)id);
    resp_free(&r);
    if (waiting_of(own) != w)
        fail("the queue changed after a refused ticket");
    call(&r, &desk, "POST", P("/api/v1/queue/clinics/%lld/tickets", (long long)own),
         "{\"phone\":\"12345\"}", NULL);
    exp_problem(&r, 422, "phone", NULL);
    resp_free(&r);
    call(&r, &desk, "GET", P("/api/v1/queue/clinics/%lld/queue", (long long)own), NULL, NULL);
    if (exp_status(&r, 200)) {
        json_t *wl = json_object_get(r.json, "waiting");
        if ((int64_t)json_array_size(wl) != w)
            fail("queue lists %zu waiting, clinic says %lld", json_array_size(wl), (long long)w);
        for (size_t i = 0; i < json_array_size(wl); i++)
            if (jint(json_array_get(wl, i), "ahead") != (int64_t)i)
                fail("waiting[%zu].ahead != %zu", i, i);
    }
    resp_free(&r);
    call(&r, &desk, "POST", P("/api/v1/queue/clinics/%lld/call-next", (long long)own),
         "{\"counter\":2}", NULL);
    exp_status(&r, 200);
    resp_free(&r);
    end();
}

static void t_recommend_and_stats(void)
{
    struct resp r;
    begin("recommend: top 3 open clinics by travel + wait, each with a reason");
    call(&r, &resident, "GET", "/api/v1/queue/recommend?lat=30.252&lon=120.102", NULL, NULL);
    if (exp_status(&r, 200)) {
        json_t *items = json_object_get(r.json, "items");
        if (json_array_size(items) < 1 || json_array_size(items) > 3)
            fail("expected 1-3 items: %s", snip(&r));
        double last = -1;
        for (size_t i = 0; i < json_array_size(items); i++) {
            json_t *it = json_array_get(items, i);
            double t = json_number_value(json_object_get(it, "total_min"));
            if (t + 1e-9 < last)
                fail("not ranked by total time: %s", snip(&r));
            last = t;
            if (jint(it, "clinic_id") == C)
                fail("the closed clinic C is recommended");
            if (!jstr(it, "reason_text") || !jstr(it, "reason"))
                fail("item without a reason");
        }
    }
    resp_free(&r);
    end();

    begin("stats: per clinic and rolled up per region, the parts add up");
    call(&r, &commander, "GET", "/api/v1/queue/stats?region=330106", NULL, NULL);
    if (exp_status(&r, 200)) {
        json_t *total = json_object_get(r.json, "total");
        json_t *clinics = json_object_get(r.json, "clinics"),
               *regions = json_object_get(r.json, "regions");
        int64_t sw = 0, ss = 0, rw = 0, rs = 0;
        bool seen_a = false;
        for (size_t i = 0; i < json_array_size(clinics); i++) {
            json_t *c = json_array_get(clinics, i);
            sw += jint(c, "waiting");
            ss += jint(c, "served_today");
            if (jint(c, "clinic_id") == A) {
                seen_a = true;
                /* A: P002, P, P, A001, P, P, t3 done; t2 no-show; t4/t2 done */
                if (jint(c, "waiting") != 0 || jint(c, "served_today") < 7 ||
                    !json_is_number(json_object_get(c, "p90_wait_min")))
                    fail("A's figures: waiting %lld served %lld", (long long)jint(c, "waiting"),
                         (long long)jint(c, "served_today"));
            }
        }
        for (size_t i = 0; i < json_array_size(regions); i++) {
            rw += jint(json_array_get(regions, i), "waiting");
            rs += jint(json_array_get(regions, i), "served_today");
        }
        if (!seen_a)
            fail("clinic A missing");
        if (sw != jint(total, "waiting") || rw != sw || ss != jint(total, "served_today") ||
            rs != ss)
            fail("parts do not add up: clinics %lld/%lld regions %lld/%lld total %lld/%lld",
                 (long long)sw, (long long)ss, (long long)rw, (long long)rs,
                 (long long)jint(total, "waiting"), (long long)jint(total, "served_today"));
    }
    resp_free(&r);
    /* a region without clinics (a grid): zeros, not an error */
    call(&r, &commander, "GET", "/api/v1/queue/stats?region=330106004001001", NULL, NULL);
    if (exp_status(&r, 200) && (json_array_size(json_object_get(r.json, "clinics")) != 0 ||
                                jint(json_object_get(r.json, "total"), "waiting") != 0))
        fail("a grid has no clinics: %s", snip(&r));
    resp_free(&r);
    call(&r, &desk, "GET", "/api/v1/queue/stats?region=330106", NULL, NULL);
    if (exp_status(&r, 200)) {
        json_t *clinics = json_object_get(r.json, "clinics");
        for (size_t i = 0; i < json_array_size(clinics); i++)
            if (jint(json_array_get(clinics, i), "clinic_id") != own)
                fail("a desk sees another clinic's figures");
    }
    resp_free(&r);
    end();
}

/* ---- the live stream, read from a raw socket ---- */

static int sse_open(int64_t clinic)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char req[256];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/queue/clinics/%lld/events HTTP/1.1\r\nHost: x\r\nAccept: "
                     "text/event-stream\r\n\r\n",
                     (long long)clinic);
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Read until `needle` appears (or 10 s pass: a guard, not a measurement). */
static bool sse_wait(int fd, const char *needle, struct mbuf *acc)
{
    for (int i = 0; i < 100; i++) {
        if (acc->p && strstr(acc->p, needle))
            return true;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) > 0) {
            char buf[4096];
            ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0)
                return false;
            mbuf_add(acc, buf, (size_t)n);
        }
    }
    return acc->p && strstr(acc->p, needle);
}

static void t_live(void)
{
    struct resp r;
    begin("live: the display's stream gets an event when a number is called");
    int fd = sse_open(B);
    struct mbuf acc = {0};
    if (fd < 0 || !sse_wait(fd, "event: queue", &acc))
        fail("no first event");
    else if (!strstr(acc.p, "text/event-stream"))
        fail("not an event stream: %.200s", acc.p);
    int64_t t = desk_ticket(B, NULL, NULL);
    char num[16] = "";
    call(&r, &admin, "POST", P("/api/v1/queue/clinics/%lld/call-next", (long long)B),
         "{\"counter\":1}", NULL);
    if (exp_status(&r, 200))
        snprintf(num, sizeof num, "%s", jstr(json_object_get(r.json, "ticket"), "number"));
    resp_free(&r);
    char needle[64];
    snprintf(needle, sizeof needle, "\"label\":\"%s\",\"counter\":1", num);
    if (fd >= 0 && !sse_wait(fd, needle, &acc))
        fail("the call of %s did not reach the stream: %.300s", num, acc.p ? acc.p : "");
    if (fd >= 0)
        close(fd);
    mbuf_free(&acc);
    (void)t;
    end();
    begin("live: without Accept: text/event-stream the events route answers one snapshot");
    call(&r, NULL, "GET", P("/api/v1/queue/clinics/%lld/events", (long long)B), NULL, NULL);
    if (exp_status(&r, 200) && jint(r.json, "id") != B)
        fail("snapshot of the wrong clinic: %s", snip(&r));
    resp_free(&r);
    end();
}

int main(int argc, char **argv)
{
    (void)argv;
    const char *url = getenv("CREST_URL"), *pw = getenv("API_PASSWORD");
    if (argc > 1 || !url || !pw || !client_init(url)) {
        fputs("usage: CREST_URL=http://127.0.0.1:PORT API_PASSWORD=… queue_test\n", stderr);
        return 2;
    }
    snprintf(password, sizeof password, "%s", pw);
    bool in = sign_in(&admin, password);
    in = sign_in(&commander, password) && in;
    in = sign_in(&desk, password) && in;
    in = sign_in(&resident, password) && in;
    if (in) {
        t_setup();
        if (A && B && C) {
            t_validation();
            t_other_desk();
            t_closed_and_one_open();
            t_lanes_and_calls();
            t_own_desk();
            t_recommend_and_stats();
            t_live();
        }
    } else {
        printf("FAIL setup: the api-* users must sign in\n");
        n_fail++;
    }
    client_cleanup();
    printf("%d passed, %d failed\n", n_pass, n_fail);
    fflush(stdout);
    return n_fail ? 1 : 0;
}
