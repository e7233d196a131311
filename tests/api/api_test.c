/*
 * api_test.c - the HTTP API suite: drives a live `crest serve` over HTTP (libcurl,
 * and raw sockets where curl is too well-behaved to send what an attacker
 * would) and checks every answer against what DESIGN.md §3 and issue 2 promise:
 * sessions, CSRF, role × endpoint × scope, validation, body limits,
 * Idempotency-Key, If-Match, languages, security headers, slow clients.
 *
 * It is not a load test and asserts no wall-clock time; the few socket reads
 * that wait carry a generous bound only so that a hung server fails the suite
 * instead of hanging it.
 *
 * tests/api/run.sh prepares the database (the demo region tree plus one
 * api-ROLE user per role, all with the same password) and starts the server.
 * Environment:
 *   CREST_URL          http://127.0.0.1:PORT of the server under test
 *   API_PASSWORD       the password of every api-* user
 *   API_CONN_TIMEOUT   seconds the server was started with --conn-timeout;
 *                      absent or 0 skips the "idle connection is closed" checks
 *   API_ROUTES         src/routes.c: every route in it is swept for its role
 *                      gate (401 without credentials, 403 for other roles)
 * Output: one line per failing case (what was expected, what came), then
 * "N passed, N failed". Exit status 1 when any case failed, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "client.h"

/* ---- users (created by run.sh) ---- */

struct user {
    const char *role;
    const char *scope;
    const char *deeper;   /* a region strictly inside the scope (or the scope) */
    const char *outside;  /* an existing region outside the scope */
    const char *ancestor; /* the scope's parent: outside too */
    bool writer;          /* may POST/PATCH regions */
    char name[32];
    char token[128], csrf[64];
    char bearer[200], cookie[200], csrfh[100];
};

#define U(r, s, d, o, a, w)                                                                        \
    {                                                                                              \
        .role = r, .scope = s, .deeper = d, .outside = o, .ancestor = a, .writer = w               \
    }
static struct user users[] = {
    U("admin", "33", "330106004001001", "11", NULL, true),
    U("commander", "330106", "330106004", "330105", "3301", true),
    U("hospital", "330106", "330106004001", "330105", "3301", false),
    U("clinic", "330106", "330106005", "330105001", "3301", false),
    U("grid", "330106004001001", "330106004001001", "330106004001002", "330106004001", false),
    U("pharmacy", "330106", "330106004", "3302", "3301", false),
    U("insurer", "3301", "330106", "3302", "33", false),
    U("venue", "330106004", "330106004001", "330106005", "330106", false),
    U("vaccinator", "330106004", "330106004001001", "330105001", "330106", false),
    U("resident", "330106004001001", "330106004001001", "330106004001002", "330106004001", false),
};
#undef U
#define NUSERS (int)(sizeof users / sizeof users[0])
#define ADMIN (&users[0])
#define COMMANDER (&users[1])
#define HOSPITAL (&users[2])

static char password[256];

static void user_headers(struct user *u)
{
    join(u->bearer, sizeof u->bearer, "Authorization: Bearer ", u->token);
    join(u->cookie, sizeof u->cookie, "Cookie: crest_session=", u->token);
    join(u->csrfh, sizeof u->csrfh, "X-CSRF-Token: ", u->csrf);
}

/* ---- region helpers (as admin, whose scope is the whole province) ---- */

static long region_status(const char *code)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/regions/%s", code);
    struct resp r;
    http(&r, "GET", path, NULL, H(ADMIN->bearer));
    long s = r.status;
    resp_free(&r);
    return s;
}

/* Nothing half-written: the region a rejected write named must not exist. */
static void exp_absent(const char *code)
{
    long s = region_status(code);
    if (s != 404)
        fail("region %s must not exist after a rejected write: GET gave %ld", code, s);
}

static int64_t region_version(const char *code)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/regions/%s", code);
    struct resp r;
    http(&r, "GET", path, NULL, H(ADMIN->bearer));
    int64_t v = r.status == 200 ? json_integer_value(json_object_get(r.json, "version")) : -1;
    resp_free(&r);
    return v;
}

static char *region_json(const char *parent, const char *code, const char *name, const char *level)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "parent", parent, "code", code, "name", name,
                          "level", level);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

/* POST a region as u (Bearer) and return the response in r. */
static void create_as(struct resp *r, const struct user *u, const char *parent, const char *code,
                      const char *name, const char *level)
{
    char *b = region_json(parent, code, name, level);
    http(r, "POST", "/api/v1/regions", b, H(u->bearer, "Content-Type: application/json"));
    free(b);
}

/* ---- raw sockets, for what curl will not send ---- */

static int raw_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void set_rcv_timeout(int fd, int seconds)
{
    struct timeval tv = {seconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/* Read until the peer closes, the buffer fills, or `seconds` pass without
 * data. *closed tells whether the peer closed (or reset) the connection. */
static size_t raw_read(int fd, char *out, size_t cap, int seconds, bool *closed)
{
    size_t got = 0;
    *closed = false;
    set_rcv_timeout(fd, seconds);
    while (got + 1 < cap) {
        ssize_t k = recv(fd, out + got, cap - 1 - got, 0);
        if (k > 0) {
            got += (size_t)k;
            continue;
        }
        if (k == 0 || errno == ECONNRESET)
            *closed = true;
        break;
    }
    out[got] = '\0';
    return got;
}

static long raw_status(const char *resp)
{
    if (strncmp(resp, "HTTP/1.", 7) != 0 || strlen(resp) < 12)
        return -1;
    return strtol(resp + 9, NULL, 10);
}

/* Send req; the answer (until close or a quiet `seconds`) into out. */
static long raw_exchange(const char *req, size_t n, char *out, size_t cap, int seconds,
                         bool *closed)
{
    int fd = raw_connect();
    if (fd < 0) {
        snprintf(out, cap, "connect failed: %s", strerror(errno));
        *closed = false;
        return -1;
    }
    size_t sent = 0;
    while (sent < n) {
        ssize_t k = send(fd, req + sent, n - sent, MSG_NOSIGNAL);
        if (k <= 0)
            break;
        sent += (size_t)k;
    }
    raw_read(fd, out, cap, seconds, closed);
    close(fd);
    return raw_status(out);
}

/* ===================================================================== */

static void t_health_metrics(void)
{
    struct resp r;
    begin("GET /healthz answers 200 {status: ok}");
    http(&r, "GET", "/healthz", NULL, NOH);
    if (exp_status(&r, 200))
        exp_jstr(&r, "status", "ok");
    resp_free(&r);
    end();

    begin("GET /metrics is Prometheus text with request, latency and commit-batch series");
    http(&r, "GET", "/metrics", NULL, NOH);
    if (exp_status(&r, 200)) {
        exp_header_has(&r, "Content-Type", "text/plain");
        const char *want[] = {"crest_http_requests_total",
                              "crest_http_request_duration_seconds_bucket",
                              "crest_db_commit_batch_size_bucket", "# TYPE"};
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
            if (!strstr(r.body.p, want[i]))
                fail("expected metric %s in /metrics", want[i]);
    }
    resp_free(&r);
    end();
}

/* ---- sign-in ---- */

static void t_login(void)
{
    struct resp r;
    /* every role signs in; the session is kept for the rest of the suite */
    for (int i = 0; i < NUSERS; i++) {
        struct user *u = &users[i];
        begin("POST /api/v1/session as %s: 201 with token, csrf, role, scope and a safe cookie",
              u->name);
        if (login(u->name, password, u->token, sizeof u->token, u->csrf, sizeof u->csrf, &r)) {
            user_headers(u);
            exp_jstr(&r, "role", u->role);
            exp_jstr(&r, "scope", u->scope);
            exp_jstr(&r, "username", u->name);
            if (strlen(u->csrf) != 32)
                fail("expected a 32-character csrf token, got '%s'", u->csrf);
            char want[200];
            snprintf(want, sizeof want, "crest_session=%s", u->token);
            exp_header_has(&r, "Set-Cookie", want);
            exp_header_has(&r, "Set-Cookie", "HttpOnly");
            exp_header_has(&r, "Set-Cookie", "SameSite=Strict");
            exp_header_has(&r, "Set-Cookie", "Path=/");
        }
        resp_free(&r);
        end();
    }

    char detail_wrong[512] = "", detail_unknown[512] = "";
    begin("login with a wrong password: 401 problem, login_failed");
    char *b = login_body(ADMIN->name, "not-the-password-at-all");
    http(&r, "POST", "/api/v1/session", b, NOH);
    free(b);
    if (exp_problem(&r, 401, NULL, "login_failed") && jstr(r.json, "detail"))
        snprintf(detail_wrong, sizeof detail_wrong, "%s", jstr(r.json, "detail"));
    if (strstr(r.head.p ? r.head.p : "", "crest_session="))
        fail("a failed login must not set a session cookie");
    resp_free(&r);
    end();

    begin("login as an unknown user: 401 with the same message as a wrong password");
    b = login_body("api-nobody", "whatever-password");
    http(&r, "POST", "/api/v1/session", b, NOH);
    free(b);
    if (exp_problem(&r, 401, NULL, "login_failed") && jstr(r.json, "detail")) {
        snprintf(detail_unknown, sizeof detail_unknown, "%s", jstr(r.json, "detail"));
        if (strcmp(detail_wrong, detail_unknown) != 0)
            fail("expected the same detail as for a wrong password ('%s'), got '%s'", detail_wrong,
                 detail_unknown);
    }
    resp_free(&r);
    end();

    /* the username is text too: metacharacters are just a name nobody has */
    static const char *const meta_names[] = {"' OR '1'='1' --", "api-admin'; DROP TABLE users; --",
                                             "api-admin\" OR \"\"=\"", "%s%n"};
    for (size_t i = 0; i < sizeof meta_names / sizeof meta_names[0]; i++) {
        begin("login as %s: 401 login_failed", meta_names[i]);
        b = login_body(meta_names[i], password);
        http(&r, "POST", "/api/v1/session", b, NOH);
        free(b);
        exp_problem(&r, 401, NULL, "login_failed");
        resp_free(&r);
        end();
    }

    static const struct {
        const char *what, *body;
        long status;
        const char *fields[3];
    } bad[] = {
        {"an empty object", "{}", 422, {"username", "password", NULL}},
        {"no password", "{\"username\":\"api-admin\"}", 422, {"password", NULL, NULL}},
        {"no username", "{\"password\":\"x1234567890\"}", 422, {"username", NULL, NULL}},
        {"wrong types", "{\"username\":1,\"password\":true}", 422, {"username", "password", NULL}},
        {"null fields",
         "{\"username\":null,\"password\":null}",
         422,
         {"username", "password", NULL}},
        {"an unknown field",
         "{\"username\":\"api-admin\",\"password\":\"x1234567890\",\"remember\":true}",
         422,
         {"remember", NULL, NULL}},
        {"an empty username",
         "{\"username\":\"\",\"password\":\"x1234567890\"}",
         422,
         {"username", NULL, NULL}},
        {"a 200-character password", NULL, 422, {"password", NULL, NULL}},
        {"malformed JSON", "{\"username\": \"api-admin\", ", 400, {"body", NULL, NULL}},
        {"an empty body", "", 400, {"body", NULL, NULL}},
        {"a JSON array", "[\"api-admin\", \"pw\"]", 400, {"body", NULL, NULL}},
        {"invalid UTF-8",
         "{\"username\":\"\xff\xfe\",\"password\":\"x1234567890\"}",
         400,
         {"body", NULL, NULL}},
        {"duplicate keys",
         "{\"username\":\"a\",\"username\":\"b\",\"password\":\"x1234567890\"}",
         400,
         {"body", NULL, NULL}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        begin("login with %s: %ld naming each bad field", bad[i].what, bad[i].status);
        char longpw[256];
        const char *body = bad[i].body;
        char *alloc = NULL;
        if (!body) {
            memset(longpw, 'p', 200);
            longpw[200] = '\0';
            body = alloc = login_body(ADMIN->name, longpw);
        }
        http(&r, "POST", "/api/v1/session", body, NOH);
        free(alloc);
        if (exp_problem(&r, bad[i].status, bad[i].fields[0], NULL))
            for (int k = 1; k < 3 && bad[i].fields[k]; k++)
                if (!has_field_error(&r, bad[i].fields[k]))
                    fail("expected a field error naming '%s', got %s", bad[i].fields[k], snip(&r));
        resp_free(&r);
        end();
    }

    /* throttling, on an account of its own so the others are not locked */
    begin("login throttling: five failures for one account, then 429 with Retry-After");
    b = login_body("api-throttle", "wrong-password-123");
    for (int i = 1; i <= 5; i++) {
        http(&r, "POST", "/api/v1/session", b, NOH);
        if (r.status != 401)
            fail("failure %d: expected 401, got %ld", i, r.status);
        resp_free(&r);
    }
    http(&r, "POST", "/api/v1/session", b, NOH);
    free(b);
    if (exp_problem(&r, 429, NULL, "login_throttled")) {
        char ra[32];
        if (!header(&r, "Retry-After", ra, sizeof ra))
            fail("expected a Retry-After header on 429");
        else if (strtol(ra, NULL, 10) <= 0)
            fail("expected Retry-After to be a positive number of seconds, got '%s'", ra);
    }
    resp_free(&r);
    end();

    begin("a throttled account stays locked even with the right password");
    b = login_body("api-throttle", password);
    http(&r, "POST", "/api/v1/session", b, NOH);
    free(b);
    exp_problem(&r, 429, NULL, "login_throttled");
    resp_free(&r);
    end();

    begin("throttling one account does not lock out another from the same address");
    char tok[128], csrf[64];
    if (login(HOSPITAL->name, password, tok, sizeof tok, csrf, sizeof csrf, NULL)) {
        char h[200];
        snprintf(h, sizeof h, "Authorization: Bearer %s", tok);
        http(&r, "DELETE", "/api/v1/session", NULL, H(h));
        exp_status(&r, 204);
        resp_free(&r);
    }
    end();
}

/* ---- who am I, and tokens that are not ---- */

static void t_me(void)
{
    struct resp r;
    begin("GET /api/v1/me with a Bearer token: the user's name, role, scope and region path");
    http(&r, "GET", "/api/v1/me", NULL, H(COMMANDER->bearer));
    if (exp_status(&r, 200)) {
        exp_jstr(&r, "username", COMMANDER->name);
        exp_jstr(&r, "role", "commander");
        exp_jstr(&r, "scope", "330106");
        json_t *path = json_object_get(r.json, "region_path");
        size_t n = json_array_size(path);
        const char *last = n ? jstr(json_array_get(path, n - 1), "code") : NULL;
        if (n != 3 || !last || strcmp(last, "330106") != 0)
            fail("expected region_path 33 → 3301 → 330106, got %s", snip(&r));
    }
    resp_free(&r);
    end();

    begin("GET /api/v1/me with the session cookie");
    http(&r, "GET", "/api/v1/me", NULL, H(COMMANDER->cookie));
    if (exp_status(&r, 200))
        exp_jstr(&r, "username", COMMANDER->name);
    resp_free(&r);
    end();

    char tampered[200], tampered_cookie[200], longtok[400];
    snprintf(tampered, sizeof tampered, "%s", COMMANDER->bearer);
    size_t tl = strlen(tampered);
    tampered[tl - 1] = tampered[tl - 1] == 'A' ? 'B' : 'A';
    snprintf(tampered_cookie, sizeof tampered_cookie, "%s", COMMANDER->cookie);
    tl = strlen(tampered_cookie);
    tampered_cookie[tl - 1] = tampered_cookie[tl - 1] == 'A' ? 'B' : 'A';
    memset(longtok, 'a', sizeof longtok);
    memcpy(longtok, "Authorization: Bearer ", 22);
    longtok[sizeof longtok - 1] = '\0';
    static const struct {
        const char *what;
        int which;
    } none[] = {
        {"no credentials", 0},         {"a tampered Bearer token", 1}, {"a tampered cookie", 2},
        {"a garbage Bearer token", 3}, {"an over-long token", 4},      {"an empty Bearer token", 5},
        {"a garbage cookie", 6},
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        begin("GET /api/v1/me with %s: 401 problem", none[i].what);
        const char *hs[] = {NULL,
                            tampered,
                            tampered_cookie,
                            "Authorization: Bearer '; DROP TABLE sessions; --",
                            longtok,
                            "Authorization: Bearer ",
                            "Cookie: crest_session=0123456789abcdef0123456789abcdef0123"};
        if (hs[none[i].which])
            http(&r, "GET", "/api/v1/me", NULL, H(hs[none[i].which]));
        else
            http(&r, "GET", "/api/v1/me", NULL, NOH);
        exp_problem(&r, 401, NULL, none[i].which ? "session_invalid" : "auth_required");
        if (r.body.p && strstr(r.body.p, COMMANDER->name))
            fail("a 401 must not reveal the user");
        resp_free(&r);
        end();
    }

    begin("sign-out with Bearer: 204, the token stops working at once (session cache cleared)");
    char tok[128], csrf[64], h[200];
    if (login(ADMIN->name, password, tok, sizeof tok, csrf, sizeof csrf, NULL)) {
        snprintf(h, sizeof h, "Authorization: Bearer %s", tok);
        http(&r, "GET", "/api/v1/me", NULL, H(h)); /* warms the in-process cache */
        exp_status(&r, 200);
        resp_free(&r);
        http(&r, "DELETE", "/api/v1/session", NULL, H(h));
        if (exp_status(&r, 204))
            exp_header_has(&r, "Set-Cookie", "Max-Age=0");
        resp_free(&r);
        http(&r, "GET", "/api/v1/me", NULL, H(h));
        exp_problem(&r, 401, NULL, "session_invalid");
        resp_free(&r);
        http(&r, "GET", "/api/v1/me", NULL, H(ADMIN->bearer));
        if (r.status != 200)
            fail("the user's other session must survive: got %ld", r.status);
        resp_free(&r);
    }
    end();

    begin("sign-out with the cookie needs the CSRF token; with it the cookie stops working");
    if (login(ADMIN->name, password, tok, sizeof tok, csrf, sizeof csrf, NULL)) {
        char ck[200], ch[100];
        snprintf(ck, sizeof ck, "Cookie: crest_session=%s", tok);
        snprintf(ch, sizeof ch, "X-CSRF-Token: %s", csrf);
        http(&r, "GET", "/api/v1/me", NULL, H(ck));
        exp_status(&r, 200);
        resp_free(&r);
        http(&r, "DELETE", "/api/v1/session", NULL, H(ck));
        exp_problem(&r, 403, NULL, "csrf_failed");
        resp_free(&r);
        http(&r, "GET", "/api/v1/me", NULL, H(ck));
        if (r.status != 200)
            fail("a refused sign-out must leave the session alone: got %ld", r.status);
        resp_free(&r);
        http(&r, "DELETE", "/api/v1/session", NULL, H(ck, ch));
        exp_status(&r, 204);
        resp_free(&r);
        http(&r, "GET", "/api/v1/me", NULL, H(ck));
        exp_problem(&r, 401, NULL, "session_invalid");
        resp_free(&r);
    }
    end();

    begin("a stale cookie does not stop signing in again");
    char *b = login_body(ADMIN->name, password);
    http(&r, "POST", "/api/v1/session", b, H(tampered_cookie));
    free(b);
    if (exp_status(&r, 201) && jstr(r.json, "token")) {
        snprintf(h, sizeof h, "Authorization: Bearer %s", jstr(r.json, "token"));
        resp_free(&r);
        http(&r, "DELETE", "/api/v1/session", NULL, H(h));
        exp_status(&r, 204);
    }
    resp_free(&r);
    end();
}

/* ---- CSRF ---- */

static void t_csrf(void)
{
    struct resp r;
    const struct user *a = ADMIN;
    const char *ct = "Content-Type: application/json";
    char *b = region_json("330106004", "330106004950", "CSRF 无令牌", "community");

    begin("cookie POST without X-CSRF-Token: 403 csrf_failed, nothing written");
    http(&r, "POST", "/api/v1/regions", b, H(a->cookie, ct));
    exp_problem(&r, 403, NULL, "csrf_failed");
    resp_free(&r);
    exp_absent("330106004950");
    end();

    begin("cookie POST with a wrong X-CSRF-Token: 403, nothing written");
    http(&r, "POST", "/api/v1/regions", b,
         H(a->cookie, ct, "X-CSRF-Token: 00000000000000000000000000000000"));
    exp_problem(&r, 403, NULL, "csrf_failed");
    resp_free(&r);
    exp_absent("330106004950");
    end();

    begin("cookie POST with another session's X-CSRF-Token: 403");
    http(&r, "POST", "/api/v1/regions", b, H(a->cookie, ct, COMMANDER->csrfh));
    exp_problem(&r, 403, NULL, "csrf_failed");
    resp_free(&r);
    exp_absent("330106004950");
    end();

    begin("cookie POST with the login's csrf value: 201");
    http(&r, "POST", "/api/v1/regions", b, H(a->cookie, ct, a->csrfh));
    exp_status(&r, 201);
    resp_free(&r);
    end();
    free(b);

    int64_t v = region_version("330106004950");
    char im[64];
    snprintf(im, sizeof im, "If-Match: \"%lld\"", (long long)v);
    const char *pb = "{\"name\":\"CSRF 改名\"}";
    begin("cookie PATCH without X-CSRF-Token: 403, version unchanged");
    http(&r, "PATCH", "/api/v1/regions/330106004950", pb, H(a->cookie, ct, im));
    exp_problem(&r, 403, NULL, "csrf_failed");
    resp_free(&r);
    if (region_version("330106004950") != v)
        fail("the version changed after a refused PATCH");
    end();

    begin("cookie PATCH with X-CSRF-Token: 200");
    http(&r, "PATCH", "/api/v1/regions/330106004950", pb, H(a->cookie, ct, im, a->csrfh));
    exp_status(&r, 200);
    resp_free(&r);
    end();

    begin("cookie GET needs no CSRF token");
    http(&r, "GET", "/api/v1/regions/330106004950", NULL, H(a->cookie));
    exp_status(&r, 200);
    resp_free(&r);
    end();

    b = region_json("330106004", "330106004952", "跨站", "community");
    static const char *const sites[] = {"Sec-Fetch-Site: cross-site", "Sec-Fetch-Site: same-site"};
    for (int i = 0; i < 2; i++) {
        begin("cookie POST with a valid CSRF token but %s: 403 cross_site", sites[i]);
        http(&r, "POST", "/api/v1/regions", b, H(a->cookie, ct, a->csrfh, sites[i]));
        exp_problem(&r, 403, NULL, "cross_site");
        resp_free(&r);
        exp_absent("330106004952");
        end();

        begin("Bearer POST with %s: 403 cross_site", sites[i]);
        http(&r, "POST", "/api/v1/regions", b, H(a->bearer, ct, sites[i]));
        exp_problem(&r, 403, NULL, "cross_site");
        resp_free(&r);
        exp_absent("330106004952");
        end();
    }

    begin("sign-in from a cross-site page: 403 (login CSRF)");
    char *lb = login_body(a->name, password);
    http(&r, "POST", "/api/v1/session", lb, H("Sec-Fetch-Site: cross-site"));
    free(lb);
    exp_problem(&r, 403, NULL, "cross_site");
    resp_free(&r);
    end();

    begin("Bearer POST needs no CSRF token (Sec-Fetch-Site: same-origin)");
    http(&r, "POST", "/api/v1/regions", b, H(a->bearer, ct, "Sec-Fetch-Site: same-origin"));
    exp_status(&r, 201);
    resp_free(&r);
    end();
    free(b);

    begin("a Bearer request ignores a cookie it also carries (no CSRF needed)");
    b = region_json("330106004", "330106004953", "同时带 cookie", "community");
    http(&r, "POST", "/api/v1/regions", b, H(a->bearer, a->cookie, ct));
    exp_status(&r, 201);
    resp_free(&r);
    free(b);
    end();
}

/* ---- reading regions ---- */

static void t_regions_get(void)
{
    struct resp r;
    static const struct {
        const char *in, *code, *level, *gb;
    } ok[] = {
        {"33", "33", "province", "330000"},
        {"330000", "33", "province", "330000"},
        {"3301", "3301", "city", "330100"},
        {"330100", "3301", "city", "330100"},
        {"330106", "330106", "county", "330106"},
        {"330106004", "330106004", "township", "330106004"},
        {"330106004000", "330106004", "township", "330106004"},
        {"330106004001", "330106004001", "community", "330106004001"},
        {"330106004001001", "330106004001001", "grid", "330106004001001"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        begin("GET /api/v1/regions/%s: 200, the region %s (%s) with an ETag", ok[i].in, ok[i].code,
              ok[i].level);
        char path[128];
        snprintf(path, sizeof path, "/api/v1/regions/%s", ok[i].in);
        http(&r, "GET", path, NULL, H(ADMIN->bearer));
        if (exp_status(&r, 200)) {
            exp_jstr(&r, "code", ok[i].code);
            exp_jstr(&r, "level", ok[i].level);
            exp_jstr(&r, "gb_code", ok[i].gb);
            if (!json_is_array(json_object_get(r.json, "children")))
                fail("expected a children array");
            char etag[64], want[64];
            snprintf(want, sizeof want, "\"%lld\"",
                     (long long)json_integer_value(json_object_get(r.json, "version")));
            if (!header(&r, "ETag", etag, sizeof etag) || strcmp(etag, want) != 0)
                fail("expected ETag %s (the version), got '%s'", want, etag);
        }
        resp_free(&r);
        end();
    }

    static const struct {
        const char *parent, *child;
    } kids[] = {
        {"33", "3301"},
        {"3301", "330106"},
        {"330106", "330106004"},
        {"330106004", "330106004001"},
        {"330106004001", "330106004001001"},
    };
    for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++) {
        begin("GET /api/v1/regions/%s lists its child %s, and only direct children", kids[i].parent,
              kids[i].child);
        char path[128];
        snprintf(path, sizeof path, "/api/v1/regions/%s", kids[i].parent);
        http(&r, "GET", path, NULL, H(ADMIN->bearer));
        if (exp_status(&r, 200)) {
            json_t *ch = json_object_get(r.json, "children");
            size_t k;
            json_t *c;
            bool found = false;
            size_t plen = strlen(kids[i].parent), clen = strlen(kids[i].child);
            json_array_foreach(ch, k, c)
            {
                const char *code = jstr(c, "code");
                if (!code || strncmp(code, kids[i].parent, plen) != 0 || strlen(code) != clen)
                    fail("child '%s' is not a direct child of %s", code ? code : "?",
                         kids[i].parent);
                found = found || (code && strcmp(code, kids[i].child) == 0);
            }
            if (!found)
                fail("child %s missing from %zu children", kids[i].child, json_array_size(ch));
        }
        resp_free(&r);
        end();
    }

    begin("a grid has no children");
    http(&r, "GET", "/api/v1/regions/330106004001001", NULL, H(ADMIN->bearer));
    if (exp_status(&r, 200) && json_array_size(json_object_get(r.json, "children")) != 0)
        fail("expected an empty children array");
    resp_free(&r);
    end();

    begin("HEAD /api/v1/regions/33: 200 without a body");
    http(&r, "HEAD", "/api/v1/regions/33", NULL, H(ADMIN->bearer));
    exp_status(&r, 200);
    if (r.body.n)
        fail("HEAD returned %zu body bytes", r.body.n);
    resp_free(&r);
    end();

    static const char *const bad[] = {
        "abc",
        "33a1",
        "3",
        "333",
        "33010",
        "1234567",
        "3301060",
        "3301060040",
        "3301060040010",
        "3301060040010011",
        "33010600400100100000000000000000000000000000000000000000000000000001",
        "%20",
        "%2033",
        "00",
        "0000",
        "000000",
        "-1",
        "3.3",
        "3301%2B1",
        "%E4%B8%AD%E6%96%87",
        "1e3",
        "+33",
        "33%0A",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        begin("GET /api/v1/regions/%s: 422 naming 'code'", bad[i]);
        char path[256];
        snprintf(path, sizeof path, "/api/v1/regions/%s", bad[i]);
        http(&r, "GET", path, NULL, H(ADMIN->bearer));
        exp_problem(&r, 422, "code", NULL);
        resp_free(&r);
        end();
    }

    static const char *const missing[] = {"3399",           "339900",       "330199",
                                          "330106999",      "330106004999", "330106004001999",
                                          "330106004999000"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        begin("GET /api/v1/regions/%s (well-formed, absent): 404 region_not_found", missing[i]);
        char path[128];
        snprintf(path, sizeof path, "/api/v1/regions/%s", missing[i]);
        http(&r, "GET", path, NULL, H(ADMIN->bearer));
        exp_problem(&r, 404, NULL, "region_not_found");
        resp_free(&r);
        end();
    }

    begin("GET a region without signing in: 401");
    http(&r, "GET", "/api/v1/regions/33", NULL, NOH);
    exp_problem(&r, 401, NULL, "auth_required");
    resp_free(&r);
    end();
}

/* ---- role × endpoint × scope ---- */

static void t_matrix(void)
{
    struct resp r;
    const char *ct = "Content-Type: application/json";

    /* what the out-of-scope cases would leak if they leaked: the regions exist */
    for (int i = 0; i < NUSERS; i++) {
        const struct user *u = &users[i];
        if (strcmp(u->outside, "11") == 0)
            continue;
        begin("fixture: %s's out-of-scope region %s exists", u->role, u->outside);
        if (region_status(u->outside) != 200)
            fail("region %s does not exist; the out-of-scope checks would prove nothing",
                 u->outside);
        end();
    }

    struct resp nf;
    http(&nf, "GET", "/api/v1/regions/330106004999", NULL, H(ADMIN->bearer));

    for (int i = 0; i < NUSERS; i++) {
        struct user *u = &users[i];
        char path[128];

        begin("[%s] GET /api/v1/me: 200 as %s in %s", u->role, u->role, u->scope);
        http(&r, "GET", "/api/v1/me", NULL, H(u->bearer));
        if (exp_status(&r, 200)) {
            exp_jstr(&r, "role", u->role);
            exp_jstr(&r, "scope", u->scope);
        }
        resp_free(&r);
        end();

        const char *inside[] = {u->scope, u->deeper};
        for (int k = 0; k < 2; k++) {
            begin("[%s] GET region %s (in scope %s): 200", u->role, inside[k], u->scope);
            snprintf(path, sizeof path, "/api/v1/regions/%s", inside[k]);
            http(&r, "GET", path, NULL, H(u->bearer));
            if (exp_status(&r, 200))
                exp_jstr(&r, "code", inside[k]);
            resp_free(&r);
            end();
        }

        const char *outside[] = {u->outside, u->ancestor};
        for (int k = 0; k < 2; k++) {
            if (!outside[k])
                continue;
            begin("[%s] GET region %s (outside scope %s): 404 like a missing one, no data", u->role,
                  outside[k], u->scope);
            snprintf(path, sizeof path, "/api/v1/regions/%s", outside[k]);
            http(&r, "GET", path, NULL, H(u->bearer));
            if (exp_problem(&r, 404, NULL, "region_not_found")) {
                if (json_object_get(r.json, "children") || json_object_get(r.json, "name"))
                    fail("a 404 carried region data: %s", snip(&r));
                const char *d1 = jstr(r.json, "detail"), *d2 = jstr(nf.json, "detail");
                if (!d1 || !d2 || strcmp(d1, d2) != 0)
                    fail("the answer differs from a missing region's ('%s' vs '%s')", d1 ? d1 : "",
                         d2 ? d2 : "");
            }
            resp_free(&r);
            end();
        }

        /* create: only admin and commander, only under a parent in scope */
        char code[32];
        snprintf(code, sizeof code, "3301060049%02d", 10 + i);
        begin("[%s] POST /api/v1/regions under 330106004: %s", u->role,
              u->writer ? "201" : "403 forbidden_role, nothing written");
        create_as(&r, u, "330106004", code, "矩阵社区", "community");
        if (u->writer) {
            if (exp_status(&r, 201)) {
                exp_jstr(&r, "code", code);
                char loc[128];
                snprintf(loc, sizeof loc, "/api/v1/regions/%s", code);
                exp_header_has(&r, "Location", loc);
                exp_header_has(&r, "ETag", "\"1\"");
            }
            resp_free(&r);
            if (region_status(code) != 200)
                fail("the created region %s cannot be read back", code);
        } else {
            exp_problem(&r, 403, NULL, "forbidden_role");
            resp_free(&r);
            exp_absent(code);
        }
        end();

        if (u->writer) {
            begin("[%s] POST /api/v1/regions under a parent outside scope: 422 naming 'parent'",
                  u->role);
            const char *op = i == 0 ? "110101001" : "330105001";
            char oc[32];
            snprintf(oc, sizeof oc, "%s9%02d", op, i);
            create_as(&r, u, op, oc, "越界社区", "community");
            exp_problem(&r, 422, "parent", NULL);
            resp_free(&r);
            exp_absent(oc);
            end();
        }

        /* update: only admin and commander, only inside the scope */
        int64_t v = region_version("330106004001");
        char im[64];
        snprintf(im, sizeof im, "If-Match: \"%lld\"", (long long)v);
        begin("[%s] PATCH /api/v1/regions/330106004001: %s", u->role,
              u->writer ? "200, version + 1" : "403 forbidden_role, unchanged");
        http(&r, "PATCH", "/api/v1/regions/330106004001", "{\"population\":3500}",
             H(u->bearer, ct, im));
        if (u->writer) {
            if (exp_status(&r, 200) &&
                json_integer_value(json_object_get(r.json, "version")) != v + 1)
                fail("expected version %lld, got %s", (long long)(v + 1), snip(&r));
        } else {
            exp_problem(&r, 403, NULL, "forbidden_role");
            if (region_version("330106004001") != v)
                fail("the version changed after a refused PATCH");
        }
        resp_free(&r);
        end();

        if (u->writer && i != 0) {
            int64_t ov = region_version("330105001001");
            begin("[%s] PATCH a community outside scope (330105001001): 404, unchanged", u->role);
            snprintf(im, sizeof im, "If-Match: \"%lld\"", (long long)ov);
            http(&r, "PATCH", "/api/v1/regions/330105001001", "{\"name\":\"越界\"}",
                 H(u->bearer, ct, im));
            exp_problem(&r, 404, NULL, "region_not_found");
            resp_free(&r);
            if (region_version("330105001001") != ov)
                fail("the out-of-scope region changed");
            end();
        }

        /* sign-out ends only that session */
        begin("[%s] DELETE /api/v1/session on a second session: 204, then 401; first session "
              "lives",
              u->role);
        char tok[128], csrf[64], h[200];
        if (login(u->name, password, tok, sizeof tok, csrf, sizeof csrf, NULL)) {
            snprintf(h, sizeof h, "Authorization: Bearer %s", tok);
            http(&r, "DELETE", "/api/v1/session", NULL, H(h));
            exp_status(&r, 204);
            resp_free(&r);
            http(&r, "GET", "/api/v1/me", NULL, H(h));
            exp_status(&r, 401);
            resp_free(&r);
            http(&r, "GET", "/api/v1/me", NULL, H(u->bearer));
            exp_status(&r, 200);
            resp_free(&r);
        }
        end();
    }
    resp_free(&nf);
}

/* ---- creating regions: validation ---- */

static void t_create_validation(void)
{
    struct resp r;
    const char *ct = "Content-Type: application/json";
    static const struct {
        const char *what, *body, *absent;
        long status;
        const char *fields[5];
    } bad[] = {
        {"an empty object", "{}", NULL, 422, {"parent", "code", "name", "level", NULL}},
        {"wrong types",
         "{\"parent\":330106004,\"code\":330106004960,\"name\":5,\"level\":true,\"population\":"
         "\"x\"}",
         NULL,
         422,
         {"parent", "code", "name", "level", "population"}},
        {"objects and arrays for strings",
         "{\"parent\":{},\"code\":[],\"name\":[\"a\"],\"level\":{\"a\":1}}",
         NULL,
         422,
         {"parent", "code", "name", "level", NULL}},
        {"an unknown field",
         "{\"parent\":\"330106004\",\"code\":\"330106004960\",\"name\":\"x\",\"level\":"
         "\"community\",\"colour\":\"red\"}",
         "330106004960",
         422,
         {"colour", NULL}},
        {"an empty name",
         "{\"parent\":\"330106004\",\"code\":\"330106004960\",\"name\":\"\",\"level\":"
         "\"community\"}",
         "330106004960",
         422,
         {"name", NULL}},
        {"a code that is not parent + 3 digits (sibling township)",
         "{\"parent\":\"330106004\",\"code\":\"330106005960\",\"name\":\"x\",\"level\":"
         "\"community\"}",
         "330106005960",
         422,
         {"code", NULL}},
        {"a code with 2 extra digits",
         "{\"parent\":\"330106004\",\"code\":\"33010600496\",\"name\":\"x\",\"level\":"
         "\"community\"}",
         NULL,
         422,
         {"code", NULL}},
        {"a code with 4 extra digits",
         "{\"parent\":\"330106004\",\"code\":\"3301060049601\",\"name\":\"x\",\"level\":"
         "\"community\"}",
         NULL,
         422,
         {"code", NULL}},
        {"a code with a letter",
         "{\"parent\":\"330106004\",\"code\":\"33010600496a\",\"name\":\"x\",\"level\":"
         "\"community\"}",
         NULL,
         422,
         {"code", NULL}},
        {"a level that is not community or grid",
         "{\"parent\":\"330106004\",\"code\":\"330106004960\",\"name\":\"x\",\"level\":"
         "\"township\"}",
         "330106004960",
         422,
         {"level", NULL}},
        {"an unknown level",
         "{\"parent\":\"330106004\",\"code\":\"330106004960\",\"name\":\"x\",\"level\":"
         "\"Community\"}",
         "330106004960",
         422,
         {"level", NULL}},
        {"a grid directly under a township",
         "{\"parent\":\"330106004\",\"code\":\"330106004960\",\"name\":\"x\",\"level\":\"grid\"}",
         "330106004960",
         422,
         {"level", NULL}},
        {"a community under a community",
         "{\"parent\":\"330106004001\",\"code\":\"330106004001960\",\"name\":\"x\",\"level\":"
         "\"community\"}",
         "330106004001960",
         422,
         {"level", NULL}},
        {"a community under a county",
         "{\"parent\":\"330106\",\"code\":\"330106960\",\"name\":\"x\",\"level\":\"community\"}",
         "330106960",
         422,
         {"level", NULL}},
        {"a parent that does not exist",
         "{\"parent\":\"330106999\",\"code\":\"330106999001\",\"name\":\"x\",\"level\":"
         "\"community\"}",
         "330106999001",
         422,
         {"parent", NULL}},
        {"a malformed parent",
         "{\"parent\":\"33-01\",\"code\":\"330106004960\",\"name\":\"x\",\"level\":\"community\"}",
         "330106004960",
         422,
         {"parent", NULL}},
        {"a negative population",
         "{\"parent\":\"330106004\",\"code\":\"330106004960\",\"name\":\"x\",\"level\":"
         "\"community\",\"population\":-1}",
         "330106004960",
         422,
         {"population", NULL}},
        {"a fractional population",
         "{\"parent\":\"330106004\",\"code\":\"330106004960\",\"name\":\"x\",\"level\":"
         "\"community\",\"population\":1.5}",
         "330106004960",
         422,
         {"population", NULL}},
        {"a huge population",
         "{\"parent\":\"330106004\",\"code\":\"330106004960\",\"name\":\"x\",\"level\":"
         "\"community\",\"population\":99999999999999999}",
         "330106004960",
         422,
         {"population", NULL}},
        {"malformed JSON", "{\"parent\":\"330106004\",", NULL, 400, {"body", NULL}},
        {"a trailing comma",
         "{\"parent\":\"330106004\",\"code\":\"330106004960\",\"name\":\"x\",\"level\":"
         "\"community\",}",
         "330106004960",
         400,
         {"body", NULL}},
        {"an empty body", "", NULL, 400, {"body", NULL}},
        {"a JSON string", "\"330106004960\"", NULL, 400, {"body", NULL}},
        {"invalid UTF-8",
         "{\"parent\":\"330106004\",\"code\":\"330106004960\",\"name\":\"\xc3\x28\",\"level\":"
         "\"community\"}",
         "330106004960",
         400,
         {"body", NULL}},
        {"duplicate keys",
         "{\"parent\":\"330106004\",\"code\":\"330106004960\",\"code\":\"330106004961\",\"name\":"
         "\"x\",\"level\":\"community\"}",
         "330106004960",
         400,
         {"body", NULL}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        begin("POST /api/v1/regions with %s: %ld naming each bad field, nothing written",
              bad[i].what, bad[i].status);
        http(&r, "POST", "/api/v1/regions", bad[i].body, H(ADMIN->bearer, ct));
        if (exp_problem(&r, bad[i].status, bad[i].fields[0], NULL))
            for (int k = 1; k < 5 && bad[i].fields[k]; k++)
                if (!has_field_error(&r, bad[i].fields[k]))
                    fail("expected a field error naming '%s', got %s", bad[i].fields[k], snip(&r));
        resp_free(&r);
        if (bad[i].absent)
            exp_absent(bad[i].absent);
        end();
    }

    /* names are counted in characters, not bytes: 64 汉字 is 192 bytes */
    char *n64 = repeat("汉", 64), *n65 = repeat("汉", 65), *a64 = repeat("a", 64),
         *a65 = repeat("a", 65);
    begin("a name of 65 Chinese characters: 422 naming 'name', nothing written");
    create_as(&r, ADMIN, "330106004", "330106004961", n65, "community");
    exp_problem(&r, 422, "name", NULL);
    resp_free(&r);
    exp_absent("330106004961");
    end();

    begin("a name of 65 ASCII characters: 422 naming 'name'");
    create_as(&r, ADMIN, "330106004", "330106004961", a65, "community");
    exp_problem(&r, 422, "name", NULL);
    resp_free(&r);
    exp_absent("330106004961");
    end();

    begin("a name of 64 Chinese characters: 201, stored whole");
    create_as(&r, ADMIN, "330106004", "330106004962", n64, "community");
    if (exp_status(&r, 201))
        exp_jstr(&r, "name", n64);
    resp_free(&r);
    http(&r, "GET", "/api/v1/regions/330106004962", NULL, H(ADMIN->bearer));
    if (exp_status(&r, 200))
        exp_jstr(&r, "name", n64);
    resp_free(&r);
    end();

    begin("a name of 64 ASCII characters: 201");
    create_as(&r, ADMIN, "330106004", "330106004963", a64, "community");
    exp_status(&r, 201);
    resp_free(&r);
    end();
    free(n64);
    free(n65);
    free(a64);
    free(a65);

    begin("a grid under a community: 201 with level grid and its parent");
    create_as(&r, ADMIN, "330106004001", "330106004001960", "新网格", "grid");
    if (exp_status(&r, 201)) {
        exp_jstr(&r, "level", "grid");
        exp_jstr(&r, "parent", "330106004001");
    }
    resp_free(&r);
    end();

    begin("the padded parent form 330106004000 is accepted");
    create_as(&r, ADMIN, "330106004000", "330106004964", "补零上级", "community");
    if (exp_status(&r, 201))
        exp_jstr(&r, "parent", "330106004");
    resp_free(&r);
    end();

    begin("population is stored and returned");
    {
        const char *b = "{\"parent\":\"330106004\",\"code\":\"330106004965\",\"name\":\"人口\","
                        "\"name_en\":\"Population\",\"level\":\"community\",\"population\":4321}";
        http(&r, "POST", "/api/v1/regions", b, H(ADMIN->bearer, ct));
        if (exp_status(&r, 201)) {
            if (json_integer_value(json_object_get(r.json, "population")) != 4321)
                fail("expected population 4321, got %s", snip(&r));
            exp_jstr(&r, "name_en", "Population");
        }
        resp_free(&r);
    }
    end();

    begin("a duplicate code: 409 naming 'code'");
    create_as(&r, ADMIN, "330106004", "330106004001", "重复", "community");
    exp_problem(&r, 409, "code", NULL);
    resp_free(&r);
    http(&r, "GET", "/api/v1/regions/330106004001", NULL, H(ADMIN->bearer));
    if (exp_status(&r, 200) && jstr(r.json, "name") && strcmp(jstr(r.json, "name"), "重复") == 0)
        fail("the duplicate overwrote the existing region");
    resp_free(&r);
    end();

    begin("a duplicate of a region created through the API: 409 naming 'code'");
    create_as(&r, ADMIN, "330106004", "330106004962", "again", "community");
    exp_problem(&r, 409, "code", NULL);
    resp_free(&r);
    end();

    /* SQL and format metacharacters are data: stored and returned verbatim */
    static const char *const meta[] = {
        "'; DROP TABLE regions; --",
        "\" OR 1=1 --",
        "' OR '1'='1",
        "back\\slash \\' \\\" \\\\ \\0 \\n",
        "Robert'); DELETE FROM users; --",
        "%s %n %x %d %%",
        "$1 ? :name @p",
        "西溪街道第一社区（北区）",
        "<script>alert(1)</script> & \"quoted\"",
        "emoji 😷 and \u200b zero-width",
    };
    for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++) {
        char code[32];
        snprintf(code, sizeof code, "3301060049%02zu", 70 + i);
        begin("text stored verbatim in name and name_en: %s", meta[i]);
        json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "parent", "330106004", "code", code,
                              "name", meta[i], "name_en", meta[i], "level", "community");
        char *b = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        http(&r, "POST", "/api/v1/regions", b, H(ADMIN->bearer, ct));
        free(b);
        if (exp_status(&r, 201)) {
            exp_jstr(&r, "name", meta[i]);
            exp_jstr(&r, "name_en", meta[i]);
        }
        resp_free(&r);
        char path[64];
        snprintf(path, sizeof path, "/api/v1/regions/%s", code);
        http(&r, "GET", path, NULL, H(ADMIN->bearer));
        if (exp_status(&r, 200)) {
            exp_jstr(&r, "name", meta[i]);
            exp_jstr(&r, "name_en", meta[i]);
        }
        resp_free(&r);
        /* and in the validated fields they are just invalid */
        static const char *const fields[] = {"parent", "code", "level"};
        for (int f = 0; f < 3; f++) {
            json_t *k = json_pack("{s:s, s:s, s:s, s:s}", "parent", "330106004", "code",
                                  "330106004969", "name", "x", "level", "community");
            json_object_set_new(k, fields[f], json_string(meta[i]));
            b = json_dumps(k, JSON_COMPACT);
            json_decref(k);
            http(&r, "POST", "/api/v1/regions", b, H(ADMIN->bearer, ct));
            free(b);
            exp_problem(&r, 422, fields[f], NULL);
            resp_free(&r);
        }
        end();
    }
    begin("after the metacharacters the tables are intact");
    http(&r, "GET", "/api/v1/regions/330106004", NULL, H(ADMIN->bearer));
    if (exp_status(&r, 200) && json_array_size(json_object_get(r.json, "children")) < 10)
        fail("330106004 lost its children");
    resp_free(&r);
    http(&r, "GET", "/api/v1/me", NULL, H(COMMANDER->bearer));
    exp_status(&r, 200);
    resp_free(&r);
    exp_absent("330106004969");
    end();

    /* control characters are refused, in every text field */
    static const struct {
        const char *what, *json_escape;
    } ctl[] = {
        {"U+0001", "\\u0001"},
        {"a newline", "\\n"},
        {"a tab", "\\t"},
        {"DEL", "\\u007f"},
        {"a carriage return", "\\r"},
        {"ESC", "\\u001b"},
        {"U+0085 (C1 NEL)", "\\u0085"},
        {"NUL", "\\u0000"}, /* refused by the JSON parser itself: 400 naming "body" */
    };
    static const char *const tfields[] = {"name", "name_en"};
    for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++)
        for (int f = 0; f < 2; f++) {
            bool nul = strcmp(ctl[i].what, "NUL") == 0;
            begin("%s in %s: %s, nothing written", ctl[i].what, tfields[f],
                  nul ? "400 naming body" : "422 naming it");
            char b[512];
            /* the control character in exactly one field */
            snprintf(b, sizeof b,
                     "{\"parent\":\"330106004\",\"code\":\"330106004969\",\"name\":\"%s%s%s\","
                     "\"name_en\":\"%s%s%s\",\"level\":\"community\"}",
                     "a", f == 0 ? ctl[i].json_escape : "", "b", "a",
                     f == 1 ? ctl[i].json_escape : "", "b");
            http(&r, "POST", "/api/v1/regions", b, H(ADMIN->bearer, ct));
            exp_problem(&r, nul ? 400 : 422, nul ? "body" : tfields[f], NULL);
            resp_free(&r);
            exp_absent("330106004969");
            end();
        }
}

/* ---- body limits ---- */

static void t_body_limits(void)
{
    struct resp r;
    const size_t max = (size_t)1 << 20;
    char out[8192];
    bool closed;

    begin("Content-Length over 1 MiB: 413 problem+json before any body byte is sent");
    {
        char req[1024];
        int n = snprintf(req, sizeof req,
                         "POST /api/v1/regions HTTP/1.1\r\nHost: %s\r\n%s\r\nContent-Type: "
                         "application/json\r\nContent-Length: %zu\r\n\r\n",
                         host, ADMIN->bearer, max + 1);
        /* the body never comes: a server that waits for it answers nothing */
        long st = raw_exchange(req, (size_t)n, out, sizeof out, 20, &closed);
        if (st != 413)
            fail("expected 413, got %ld: %.200s", st, out);
        else if (!strstr(out, "application/problem+json"))
            fail("expected a problem+json body: %.300s", out);
    }
    end();

    begin("Content-Length of 10 GB: 413 (no overflow, no allocation)");
    {
        char req[1024];
        int n = snprintf(req, sizeof req,
                         "POST /api/v1/regions HTTP/1.1\r\nHost: %s\r\n%s\r\nContent-Length: "
                         "10000000000\r\n\r\n",
                         host, ADMIN->bearer);
        long st = raw_exchange(req, (size_t)n, out, sizeof out, 20, &closed);
        if (st != 413)
            fail("expected 413, got %ld: %.200s", st, out);
    }
    end();

    begin("a body of 1 MiB + 1 byte with Expect: 100-continue: 413 problem+json, body never "
          "asked for");
    {
        char *big = malloc(max + 2);
        if (!big)
            exit(2);
        memset(big, ' ', max + 1);
        big[0] = '{';
        big[max] = '}';
        big[max + 1] = '\0';
        http_full(&r, "POST", "/api/v1/regions", big, max + 1, 0,
                  H(ADMIN->bearer, "Expect: 100-continue"));
        exp_problem(&r, 413, NULL, "too_big");
        if (r.interim)
            fail("the server said 100 Continue: it asked for a body it was going to refuse");
        resp_free(&r);
        end();

        begin("a body of exactly 1 MiB is read and judged on its content (422, not 413)");
        memset(big, ' ', max);
        memcpy(big, "{\"xx\":1", 7);
        big[max - 1] = '}';
        big[max] = '\0';
        http_full(&r, "POST", "/api/v1/regions", big, max, 0, H(ADMIN->bearer));
        exp_problem(&r, 422, "xx", NULL);
        resp_free(&r);
        free(big);
    }
    end();

    begin("a chunked body over 1 MiB: 413 problem+json, nothing written");
    http_full(&r, "POST", "/api/v1/regions", NULL, 0, max + 4096, H(ADMIN->bearer));
    exp_problem(&r, 413, NULL, "too_big");
    resp_free(&r);
    end();

    begin("a chunked body of 1.5 MiB on a PATCH: 413");
    {
        char im[] = "If-Match: \"1\"";
        http_full(&r, "PATCH", "/api/v1/regions/330106004962", NULL, 0, max + max / 2,
                  H(ADMIN->bearer, im));
        exp_problem(&r, 413, NULL, "too_big");
        resp_free(&r);
    }
    end();

    /* Both framings at once, or two lengths: a proxy that believes one and a
     * server that believes the other disagree on where the next request
     * starts. The server must refuse and close, so that what follows on the
     * connection is never read as a request of its own. */
    static const struct {
        const char *what, *framing, *body;
    } smuggle[] = {
        {"two conflicting Content-Length headers", "Content-Length: 2\r\nContent-Length: 40", "{}"},
        {"Content-Length with Transfer-Encoding: chunked",
         "Content-Length: 5\r\nTransfer-Encoding: chunked", "0\r\n\r\n"},
        {"Transfer-Encoding: chunked with Content-Length",
         "Transfer-Encoding: chunked\r\nContent-Length: 5", "0\r\n\r\n"},
    };
    for (size_t i = 0; i < sizeof smuggle / sizeof smuggle[0]; i++) {
        begin("%s: 400, one answer, connection closed", smuggle[i].what);
        char req[1024];
        int n = snprintf(req, sizeof req,
                         "POST /api/v1/regions HTTP/1.1\r\nHost: %s\r\n%s\r\n%s\r\n\r\n%sGET "
                         "/healthz HTTP/1.1\r\nHost: %s\r\n\r\n",
                         host, ADMIN->bearer, smuggle[i].framing, smuggle[i].body, host);
        int fd = raw_connect();
        if (fd < 0) {
            fail("connect: %s", strerror(errno));
            end();
            continue;
        }
        if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
            fail("send failed");
        /* the server closes (then the read ends at once) or, if it wrongly
         * keeps the connection, answers the second request too */
        raw_read(fd, out, sizeof out, 20, &closed);
        close(fd);
        if (raw_status(out) != 400)
            fail("expected 400, got %ld: %.200s", raw_status(out), out);
        else if (!strstr(out, "application/problem+json"))
            fail("expected a problem+json body: %.300s", out);
        if (strstr(out + 1, "HTTP/1.1 "))
            fail("the request after the body was answered as well: %.400s", out);
        if (!closed)
            fail("the connection stayed open");
        end();
    }

    begin("after the oversized requests the server still answers");
    http(&r, "GET", "/healthz", NULL, NOH);
    exp_status(&r, 200);
    resp_free(&r);
    end();
}

/* ---- Idempotency-Key ---- */

static int count_children(const char *parent, const char *code)
{
    char path[64];
    snprintf(path, sizeof path, "/api/v1/regions/%s", parent);
    struct resp r;
    http(&r, "GET", path, NULL, H(ADMIN->bearer));
    int n = 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r.json, "children"), i, c)
    {
        const char *k = jstr(c, "code");
        n += k && strcmp(k, code) == 0;
    }
    resp_free(&r);
    return n;
}

static void t_idempotency(void)
{
    struct resp r1, r2;
    const char *ct = "Content-Type: application/json";
    const char *key = "Idempotency-Key: 7d3c2f1a-weak-network-retry";
    char *b1 = region_json("330106004", "330106004940", "幂等社区", "community");
    char *b2 = region_json("330106004", "330106004941", "另一个", "community");

    begin("same Idempotency-Key and body twice: same status and body, replay marked, one row");
    http(&r1, "POST", "/api/v1/regions", b1, H(ADMIN->bearer, ct, key));
    http(&r2, "POST", "/api/v1/regions", b1, H(ADMIN->bearer, ct, key));
    exp_status(&r1, 201);
    char v[64];
    if (header(&r1, "Idempotent-Replayed", v, sizeof v))
        fail("the first answer must not be marked replayed");
    if (r2.status != r1.status)
        fail("replay status %ld, first %ld", r2.status, r1.status);
    if (r1.body.n != r2.body.n || (r1.body.n && memcmp(r1.body.p, r2.body.p, r1.body.n) != 0))
        fail("replay body differs: '%.100s' vs '%.100s'", r1.body.p ? r1.body.p : "",
             r2.body.p ? r2.body.p : "");
    if (!header(&r2, "Idempotent-Replayed", v, sizeof v) || strcmp(v, "true") != 0)
        fail("expected Idempotent-Replayed: true on the replay, got '%s'", v);
    char ct1[128], ct2[128];
    header(&r1, "Content-Type", ct1, sizeof ct1);
    header(&r2, "Content-Type", ct2, sizeof ct2);
    if (strcmp(ct1, ct2) != 0)
        fail("replay Content-Type '%s', first '%s'", ct2, ct1);
    /* what was made is found the same way from either answer */
    static const char *const same[] = {"Location", "ETag"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        char h1[256] = "", h2[256] = "";
        if (!header(&r1, same[i], h1, sizeof h1))
            fail("the first answer has no %s", same[i]);
        else if (!header(&r2, same[i], h2, sizeof h2) || strcmp(h1, h2) != 0)
            fail("replay %s '%s', first '%s'", same[i], h2, h1);
    }
    resp_free(&r1);
    resp_free(&r2);
    if (count_children("330106004", "330106004940") != 1)
        fail("expected exactly one row 330106004940");
    end();

    begin("a third retry is replayed too");
    http(&r1, "POST", "/api/v1/regions", b1, H(ADMIN->bearer, ct, key));
    if (exp_status(&r1, 201) &&
        (!header(&r1, "Idempotent-Replayed", v, sizeof v) || strcmp(v, "true") != 0))
        fail("expected Idempotent-Replayed: true");
    resp_free(&r1);
    end();

    begin("same Idempotency-Key with a different body: 409, nothing written");
    http(&r1, "POST", "/api/v1/regions", b2, H(ADMIN->bearer, ct, key));
    exp_problem(&r1, 409, NULL, "idem_mismatch");
    resp_free(&r1);
    exp_absent("330106004941");
    end();

    begin("the same key from another user is a different key: 201");
    {
        char *b3 = region_json("330106004", "330106004942", "另一用户", "community");
        http(&r1, "POST", "/api/v1/regions", b3, H(COMMANDER->bearer, ct, key));
        free(b3);
        if (exp_status(&r1, 201) && header(&r1, "Idempotent-Replayed", v, sizeof v))
            fail("another user's request was answered with a replay");
        exp_jstr(&r1, "code", "330106004942");
        resp_free(&r1);
    }
    end();

    begin("a rejected request is not remembered: the same key with a fixed body succeeds");
    {
        const char *k2 = "Idempotency-Key: fix-and-retry-1";
        char *bad = region_json("330106004", "330106004943", "x", "township");
        char *good = region_json("330106004", "330106004943", "改正后", "community");
        http(&r1, "POST", "/api/v1/regions", bad, H(ADMIN->bearer, ct, k2));
        exp_problem(&r1, 422, "level", NULL);
        resp_free(&r1);
        http(&r1, "POST", "/api/v1/regions", good, H(ADMIN->bearer, ct, k2));
        exp_status(&r1, 201);
        resp_free(&r1);
        free(bad);
        free(good);
    }
    end();

    char *k129 = repeat("k", 129);
    char kh[200];
    snprintf(kh, sizeof kh, "Idempotency-Key: %s", k129);
    free(k129);
    const char *badkeys[] = {kh, "Idempotency-Key: has space", "Idempotency-Key;",
                             "Idempotency-Key: tab\there", "Idempotency-Key: 中文"};
    const char *what[] = {"129 characters", "a space", "an empty value", "a tab",
                          "non-ASCII characters"};
    for (int i = 0; i < 5; i++) {
        begin("an Idempotency-Key with %s: 422 naming Idempotency-Key, nothing written", what[i]);
        http(&r1, "POST", "/api/v1/regions", b2, H(ADMIN->bearer, ct, badkeys[i]));
        exp_problem(&r1, 422, "Idempotency-Key", NULL);
        resp_free(&r1);
        exp_absent("330106004941");
        end();
    }

    begin("an Idempotency-Key of 128 characters is accepted");
    {
        char *k128 = repeat("K", 128);
        char h[200];
        snprintf(h, sizeof h, "Idempotency-Key: %s", k128);
        free(k128);
        char *b4 = region_json("330106004", "330106004944", "长键", "community");
        http(&r1, "POST", "/api/v1/regions", b4, H(ADMIN->bearer, ct, h));
        free(b4);
        exp_status(&r1, 201);
        resp_free(&r1);
    }
    end();
    free(b1);
    free(b2);
}

/* ---- If-Match ---- */

static void t_if_match(void)
{
    struct resp r;
    const char *ct = "Content-Type: application/json";
    const char *code = "330106004966", *path = "/api/v1/regions/330106004966";
    create_as(&r, ADMIN, "330106004", code, "版本测试", "community");
    resp_free(&r);

    begin("PATCH without If-Match: 428 problem, unchanged");
    http(&r, "PATCH", path, "{\"name\":\"无版本\"}", H(ADMIN->bearer, ct));
    exp_problem(&r, 428, NULL, "precondition_required");
    resp_free(&r);
    if (region_version(code) != 1)
        fail("version changed");
    end();

    static const char *const malformed[] = {"If-Match: abc",
                                            "If-Match: \"-1\"",
                                            "If-Match: \"\"",
                                            "If-Match: \"1",
                                            "If-Match: *",
                                            "If-Match: \"1x\"",
                                            "If-Match: 99999999999999999999999"};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        begin("PATCH with a malformed %s: 422 naming If-Match, unchanged", malformed[i]);
        http(&r, "PATCH", path, "{\"name\":\"坏版本\"}", H(ADMIN->bearer, ct, malformed[i]));
        exp_problem(&r, 422, "If-Match", NULL);
        resp_free(&r);
        if (region_version(code) != 1)
            fail("version changed");
        end();
    }

    begin("PATCH with the current version: 200, version 2, ETag \"2\", fields changed");
    http(&r, "PATCH", path, "{\"name\":\"改过一次\",\"name_en\":\"Changed\",\"population\":100}",
         H(ADMIN->bearer, ct, "If-Match: \"1\""));
    if (exp_status(&r, 200)) {
        if (json_integer_value(json_object_get(r.json, "version")) != 2)
            fail("expected version 2: %s", snip(&r));
        exp_jstr(&r, "name", "改过一次");
        exp_jstr(&r, "name_en", "Changed");
        if (json_integer_value(json_object_get(r.json, "population")) != 100)
            fail("expected population 100: %s", snip(&r));
        exp_header_has(&r, "ETag", "\"2\"");
    }
    resp_free(&r);
    end();

    begin("PATCH with a stale version: 412 with the current ETag, nothing lost");
    http(&r, "PATCH", path, "{\"name\":\"迟到的修改\"}", H(ADMIN->bearer, ct, "If-Match: \"1\""));
    if (exp_problem(&r, 412, NULL, "precondition_failed"))
        exp_header_has(&r, "ETag", "\"2\"");
    resp_free(&r);
    http(&r, "GET", path, NULL, H(ADMIN->bearer));
    if (exp_status(&r, 200)) {
        exp_jstr(&r, "name", "改过一次");
        if (json_integer_value(json_object_get(r.json, "version")) != 2)
            fail("expected version 2 after a 412");
    }
    resp_free(&r);
    end();

    begin("PATCH with a future version: 412");
    http(&r, "PATCH", path, "{\"name\":\"未来\"}", H(ADMIN->bearer, ct, "If-Match: \"7\""));
    exp_problem(&r, 412, NULL, "precondition_failed");
    resp_free(&r);
    end();

    begin("If-Match as W/\"2\" and as a bare 3 are accepted");
    http(&r, "PATCH", path, "{\"population\":200}", H(ADMIN->bearer, ct, "If-Match: W/\"2\""));
    if (exp_status(&r, 200) && json_integer_value(json_object_get(r.json, "version")) != 3)
        fail("expected version 3");
    resp_free(&r);
    http(&r, "PATCH", path, "{\"population\":300}", H(ADMIN->bearer, ct, "If-Match: 3"));
    if (exp_status(&r, 200) && json_integer_value(json_object_get(r.json, "version")) != 4)
        fail("expected version 4");
    resp_free(&r);
    end();

    begin("the ETag of a GET is what If-Match wants");
    {
        char etag[64], h[96];
        http(&r, "GET", path, NULL, H(ADMIN->bearer));
        header(&r, "ETag", etag, sizeof etag);
        resp_free(&r);
        snprintf(h, sizeof h, "If-Match: %s", etag);
        http(&r, "PATCH", path, "{\"name\":\"按 ETag 修改\"}", H(ADMIN->bearer, ct, h));
        exp_status(&r, 200);
        resp_free(&r);
    }
    end();

    static const struct {
        const char *what, *body, *field;
    } badp[] = {
        {"a 65-character name", NULL, "name"},
        {"an unknown field", "{\"code\":\"330106004967\"}", "code"},
        {"a control character", "{\"name\":\"a\\u0007b\"}", "name"},
        {"a wrong type", "{\"population\":\"many\"}", "population"},
        {"malformed JSON", "{\"name\":", "body"},
    };
    for (size_t i = 0; i < sizeof badp / sizeof badp[0]; i++) {
        begin("PATCH with %s: %d naming '%s', version unchanged", badp[i].what,
              strcmp(badp[i].field, "body") == 0 ? 400 : 422, badp[i].field);
        int64_t v = region_version(code);
        char im[64];
        snprintf(im, sizeof im, "If-Match: \"%lld\"", (long long)v);
        char *alloc = NULL;
        const char *b = badp[i].body;
        if (!b) {
            char *n65 = repeat("名", 65);
            json_t *j = json_pack("{s:s}", "name", n65);
            free(n65);
            b = alloc = json_dumps(j, JSON_COMPACT);
            json_decref(j);
        }
        http(&r, "PATCH", path, b, H(ADMIN->bearer, ct, im));
        free(alloc);
        exp_problem(&r, strcmp(badp[i].field, "body") == 0 ? 400 : 422, badp[i].field, NULL);
        resp_free(&r);
        if (region_version(code) != v)
            fail("version changed after a rejected PATCH");
        end();
    }

    static const char *const ro[] = {"33", "3301", "330106", "330106004", "330000"};
    for (size_t i = 0; i < sizeof ro / sizeof ro[0]; i++) {
        begin("PATCH %s (province..township): 403 region_readonly, unchanged", ro[i]);
        char p[64];
        snprintf(p, sizeof p, "/api/v1/regions/%s", ro[i]);
        http(&r, "PATCH", p, "{\"name\":\"改名\"}", H(ADMIN->bearer, ct, "If-Match: \"1\""));
        exp_problem(&r, 403, NULL, "region_readonly");
        resp_free(&r);
        http(&r, "GET", p, NULL, H(ADMIN->bearer));
        if (exp_status(&r, 200) && jstr(r.json, "name") &&
            strcmp(jstr(r.json, "name"), "改名") == 0)
            fail("a read-only region was renamed");
        resp_free(&r);
        end();
    }

    begin("PATCH a grid: 200");
    {
        int64_t v = region_version("330106004001002");
        char im[64];
        snprintf(im, sizeof im, "If-Match: \"%lld\"", (long long)v);
        http(&r, "PATCH", "/api/v1/regions/330106004001002", "{\"name\":\"第2网格（改）\"}",
             H(ADMIN->bearer, ct, im));
        exp_status(&r, 200);
        resp_free(&r);
    }
    end();

    begin("PATCH an absent region: 404");
    http(&r, "PATCH", "/api/v1/regions/330106004998", "{\"name\":\"无\"}",
         H(ADMIN->bearer, ct, "If-Match: \"1\""));
    exp_problem(&r, 404, NULL, "region_not_found");
    resp_free(&r);
    end();

    begin("PATCH a malformed code: 422 naming 'code'");
    http(&r, "PATCH", "/api/v1/regions/33x", "{\"name\":\"无\"}",
         H(ADMIN->bearer, ct, "If-Match: \"1\""));
    exp_problem(&r, 422, "code", NULL);
    resp_free(&r);
    end();
}

/* ---- languages ---- */

static void t_language(void)
{
    struct resp r;
    static const struct {
        const char *al; /* NULL: no header */
        bool en;
    } cases[] = {
        {NULL, false},    {"zh-CN", false},         {"zh-CN,zh;q=0.9,en;q=0.8", false},
        {"en", true},     {"en-US,en;q=0.9", true}, {"zh-CN;q=0.1, en;q=0.9", true},
        {"fr-FR", false}, {"en;q=0", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char h[128];
        snprintf(h, sizeof h, "Accept-Language: %s", cases[i].al ? cases[i].al : "");
        const char *const *hs = cases[i].al ? H(h, ADMIN->bearer) : H(ADMIN->bearer);
        begin("Accept-Language %s: %s titles and messages", cases[i].al ? cases[i].al : "absent",
              cases[i].en ? "English" : "Chinese");
        http(&r, "GET", "/api/v1/nothing-here", NULL, hs);
        if (exp_problem(&r, 404, NULL, "not_found"))
            exp_jstr(&r, "title", cases[i].en ? "Not found" : "未找到");
        resp_free(&r);
        http(&r, "POST", "/api/v1/regions", "{}", hs);
        if (exp_problem(&r, 422, "name", NULL)) {
            exp_jstr(&r, "title", cases[i].en ? "The request has invalid fields" : "请求内容有误");
            const char *m = jstr(json_array_get(json_object_get(r.json, "errors"), 0), "message");
            const char *want = cases[i].en ? "Required" : "必填";
            if (!m || strcmp(m, want) != 0)
                fail("expected field message '%s', got '%s'", want, m ? m : "");
        }
        resp_free(&r);
        http(&r, "GET", "/api/v1/regions/3302", NULL,
             cases[i].al ? H(h, COMMANDER->bearer) : H(COMMANDER->bearer));
        if (exp_problem(&r, 404, NULL, "region_not_found")) {
            const char *d = jstr(r.json, "detail");
            const char *want = cases[i].en ? "No such region, or it is outside your area"
                                           : "没有这个区划，或不在您的管辖范围内";
            if (!d || strcmp(d, want) != 0)
                fail("expected detail '%s', got '%s'", want, d ? d : "");
        }
        resp_free(&r);
        end();
    }
}

/* ---- headers, unknown paths, wrong methods ---- */

static void exp_security_headers(const struct resp *r)
{
    exp_header_has(r, "Content-Security-Policy", "frame-ancestors 'none'");
    exp_header_has(r, "Content-Security-Policy", "default-src 'self'");
    exp_header_has(r, "X-Content-Type-Options", "nosniff");
    exp_header_has(r, "Cache-Control", "no-store");
    exp_header_has(r, "X-Frame-Options", "DENY");
}

static void t_headers_and_routing(void)
{
    struct resp r;
    static const struct {
        const char *method, *path;
        bool auth;
        long status;
    } hc[] = {
        {"GET", "/api/v1/me", true, 200},           {"GET", "/api/v1/regions/33", true, 200},
        {"GET", "/api/v1/me", false, 401},          {"GET", "/api/v1/regions/abc", true, 422},
        {"GET", "/api/v1/regions/3399", true, 404}, {"GET", "/api/v1/nothing-here", true, 404},
        {"GET", "/no/such/page.html", false, 404},  {"PUT", "/api/v1/me", true, 405},
        {"POST", "/api/v1/regions", true, 422},     {"GET", "/healthz", false, 200},
    };
    for (size_t i = 0; i < sizeof hc / sizeof hc[0]; i++) {
        begin("security headers on %s %s (%ld)", hc[i].method, hc[i].path, hc[i].status);
        http(&r, hc[i].method, hc[i].path, strcmp(hc[i].method, "POST") == 0 ? "{}" : NULL,
             hc[i].auth ? H(ADMIN->bearer) : NOH);
        if (exp_status(&r, hc[i].status))
            exp_security_headers(&r);
        resp_free(&r);
        end();
    }

    /* the traversal attempts name files that exist beside the web root and
     * have a type the static server would send (CMakeLists.txt, package.json) */
    static const char *const unknown[] = {
        "/api/v1/nothing-here",   "/api/v2/regions/33",  "/api/v1/regions/33/children",
        "/api/v1/regions/",       "/api/v1/regions/33/", "/api/v1//regions/33",
        "/api/v1/REGIONS/33",     "/no/such/page.html",  "/../CMakeLists.txt",
        "/%2e%2e/CMakeLists.txt", "/..%2fpackage.json",  "/i18n/../../package.json",
        "/.git/config.txt",
    };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        begin("unknown path %s: 404 problem+json", unknown[i]);
        http(&r, "GET", unknown[i], NULL, H(ADMIN->bearer));
        exp_problem(&r, 404, NULL, NULL);
        if (r.body.p &&
            (strstr(r.body.p, "cmake_minimum_required") || strstr(r.body.p, "\"dependencies\"")))
            fail("a file outside the web root was served");
        resp_free(&r);
        end();
    }

    static const struct {
        const char *method, *path, *allow;
    } wrong[] = {
        {"PUT", "/api/v1/regions/33", "GET"}, {"DELETE", "/api/v1/regions/33", "PATCH"},
        {"GET", "/api/v1/regions", "POST"},   {"PATCH", "/api/v1/regions", "POST"},
        {"POST", "/api/v1/me", "GET"},        {"DELETE", "/api/v1/me", "GET"},
        {"GET", "/api/v1/session", "POST"},   {"PUT", "/api/v1/session", "DELETE"},
        {"PATCH", "/api/v1/session", "POST"},
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        begin("%s %s: 405 problem+json with Allow listing %s", wrong[i].method, wrong[i].path,
              wrong[i].allow);
        http(&r, wrong[i].method, wrong[i].path, NULL, H(ADMIN->bearer));
        if (exp_problem(&r, 405, NULL, "method_not_allowed")) {
            exp_header_has(&r, "Allow", wrong[i].allow);
            if (strcmp(jstr(r.json, "type"), "urn:crest:problem:method_not_allowed") != 0)
                fail("405 type '%s', want urn:crest:problem:method_not_allowed",
                     jstr(r.json, "type"));
        }
        resp_free(&r);
        end();
    }

    begin("a 405 does not run the handler: PUT on a region changes nothing");
    {
        int64_t v = region_version("330106004966");
        http(&r, "PUT", "/api/v1/regions/330106004966", "{\"name\":\"PUT\"}",
             H(ADMIN->bearer, "Content-Type: application/json", "If-Match: 1"));
        exp_status(&r, 405);
        resp_free(&r);
        if (region_version("330106004966") != v)
            fail("the region changed");
    }
    end();
}

/* ---- slow clients ---- */

static void t_slow_clients(int conn_timeout)
{
    struct resp r;
    enum { NSLOW = 6 };
    int fds[NSLOW];
    /* half a request line, headers without their end, a body that stops:
     * more slow connections than the server has threads */
    static const char *const partial[NSLOW] = {
        "GET /api/v1/me HT",
        "GET /api/v1/regions/33 HTTP/1.1\r\nHost: x\r\n",
        "POST /api/v1/regions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"par",
        "G",
        "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bear",
        "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{",
    };
    begin("%d slow clients hold connections open; others are still served", NSLOW);
    for (int i = 0; i < NSLOW; i++) {
        fds[i] = raw_connect();
        if (fds[i] < 0) {
            fail("connect failed: %s", strerror(errno));
            continue;
        }
        if (send(fds[i], partial[i], strlen(partial[i]), MSG_NOSIGNAL) < 0)
            fail("send failed: %s", strerror(errno));
    }
    for (int k = 0; k < 4; k++) {
        http(&r, "GET", "/api/v1/regions/3301", NULL, H(COMMANDER->bearer));
        if (r.status != 404)
            fail("request %d while slow clients wait: expected 404 (out of scope), got %ld", k,
                 r.status);
        resp_free(&r);
        http(&r, "GET", "/api/v1/me", NULL, H(ADMIN->bearer));
        if (r.status != 200)
            fail("request %d while slow clients wait: expected 200, got %ld", k, r.status);
        resp_free(&r);
    }
    end();

    if (conn_timeout > 0) {
        for (int i = 0; i < NSLOW; i++) {
            begin("a stalled connection (\"%.20s…\") is closed by the server's --conn-timeout %d",
                  partial[i], conn_timeout);
            if (fds[i] < 0) {
                fail("no connection");
                end();
                continue;
            }
            char out[4096];
            bool closed;
            /* generous: the bound only keeps a server that never closes from
             * hanging the suite */
            raw_read(fds[i], out, sizeof out, conn_timeout * 3 + 10, &closed);
            if (!closed)
                fail("the connection was still open after %d s", conn_timeout * 3 + 10);
            if (strstr(out, "HTTP/1.1 200"))
                fail("a partial request was answered 200: %.100s", out);
            end();
        }
    }
    for (int i = 0; i < NSLOW; i++)
        if (fds[i] >= 0)
            close(fds[i]);

    begin("after the slow clients the server still answers");
    http(&r, "GET", "/healthz", NULL, NOH);
    exp_status(&r, 200);
    resp_free(&r);
    end();
}

/* ---- every route of src/routes.c: the role gate ----
 *
 * The route table is read from src/routes.c itself (API_ROUTES), so a route
 * added there is swept here without anyone remembering to list it. Each
 * entry is {"METHOD", "/pattern/{param}", handler, ROLES, FLAGS}; ROLES is
 * built from ROLES_ALL, R(ROLE_X), '|', parentheses and #defines of the file. */

struct route {
    char method[8], pattern[128];
    unsigned roles;
    bool public_;
};

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct mbuf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        mbuf_add(&b, chunk, n);
    fclose(f);
    return b.p;
}

/* Blank out comments so that they cannot confuse the scanner. */
static void strip_comments(char *s)
{
    for (char *p = s; *p; p++) {
        if (p[0] == '"') { /* skip string literals */
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (!*p)
                return;
        } else if (p[0] == '/' && p[1] == '*') {
            char *e = strstr(p + 2, "*/");
            char *stop = e ? e + 2 : p + strlen(p);
            for (; p < stop; p++)
                if (*p != '\n')
                    *p = ' ';
            p--;
        } else if (p[0] == '/' && p[1] == '/') {
            for (; *p && *p != '\n'; p++)
                *p = ' ';
            if (!*p)
                return;
        }
    }
}

struct rparse {
    const char *p, *src; /* src: the whole file, for #define lookups */
    int depth;
    bool bad;
};

static void skip_ws(struct rparse *x)
{
    while (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r')
        x->p++;
}

static size_t ident(const char *p)
{
    size_t n = 0;
    while ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= 'a' && p[n] <= 'z') ||
           (p[n] >= '0' && p[n] <= '9') || p[n] == '_')
        n++;
    return n;
}

static unsigned role_expr(struct rparse *x);

static unsigned role_term(struct rparse *x)
{
    skip_ws(x);
    if (*x->p == '(') {
        x->p++;
        unsigned v = role_expr(x);
        skip_ws(x);
        if (*x->p == ')')
            x->p++;
        else
            x->bad = true;
        return v;
    }
    size_t n = ident(x->p);
    if (n == 0) {
        x->bad = true;
        return 0;
    }
    if (n == 9 && strncmp(x->p, "ROLES_ALL", 9) == 0) {
        x->p += n;
        return (1u << NUSERS) - 1;
    }
    if (n == 1 && x->p[0] == 'R') { /* R(ROLE_X) */
        x->p++;
        skip_ws(x);
        size_t m = x->p[0] == '(' ? ident(x->p + 1) : 0;
        if (m > 5 && strncmp(x->p + 1, "ROLE_", 5) == 0 && x->p[1 + m] == ')') {
            for (int i = 0; i < NUSERS; i++)
                if (strlen(users[i].role) == m - 5 &&
                    strncasecmp(x->p + 6, users[i].role, m - 5) == 0) {
                    x->p += m + 2;
                    return 1u << i;
                }
        }
        x->bad = true;
        return 0;
    }
    /* a #define of the file */
    char want[80];
    snprintf(want, sizeof want, "#define %.*s ", (int)n, x->p);
    const char *d = strstr(x->src, want);
    x->p += n;
    if (!d || ++x->depth > 8) {
        x->bad = true;
        return 0;
    }
    struct rparse sub = {d + strlen(want), x->src, x->depth, false};
    unsigned v = role_expr(&sub);
    x->bad = x->bad || sub.bad;
    x->depth--;
    return v;
}

static unsigned role_expr(struct rparse *x)
{
    unsigned v = role_term(x);
    for (;;) {
        skip_ws(x);
        if (*x->p != '|')
            return v;
        x->p++;
        v |= role_term(x);
    }
}

/* A string literal at *pp into out. */
static bool str_lit(const char **pp, char *out, size_t cap)
{
    const char *p = *pp;
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    if (*p != '"')
        return false;
    const char *e = strchr(p + 1, '"');
    if (!e || (size_t)(e - p - 1) >= cap)
        return false;
    memcpy(out, p + 1, (size_t)(e - p - 1));
    out[e - p - 1] = '\0';
    *pp = e + 1;
    return true;
}

static int load_routes(const char *file, struct route *rt, int max, char *why, size_t wcap)
{
    char *src = slurp(file);
    if (!src) {
        snprintf(why, wcap, "cannot read %s", file);
        return -1;
    }
    strip_comments(src);
    int n = 0;
    const char *p = strstr(src, "crest_routes[] = {");
    if (!p) {
        snprintf(why, wcap, "no crest_routes[] table in %s", file);
        free(src);
        return -1;
    }
    p += strlen("crest_routes[] = {");
    for (;;) {
        while (*p && *p != '{' && *p != '}')
            p++;
        if (*p != '{')
            break; /* end of the table */
        p++;
        if (n == max) {
            snprintf(why, wcap, "more than %d routes", max);
            n = -1;
            break;
        }
        struct route *r = &rt[n];
        memset(r, 0, sizeof *r);
        const char *q = p;
        bool ok = str_lit(&q, r->method, sizeof r->method);
        q = ok ? strchr(q, ',') : NULL; /* after the method */
        if (q) {
            q++;
            ok = str_lit(&q, r->pattern, sizeof r->pattern);
        }
        q = q && ok ? strchr(q, ',') : NULL; /* after the pattern */
        q = q ? strchr(q + 1, ',') : NULL;   /* after the handler */
        ok = ok && q;
        struct rparse x = {q ? q + 1 : "", src, 0, !q};
        r->roles = x.bad ? 0 : role_expr(&x);
        skip_ws(&x);
        const char *close = strchr(x.p, '}');
        if (!ok || x.bad || *x.p != ',' || !close) {
            snprintf(why, wcap, "cannot read route entry %d near \"%.60s\"", n + 1, p);
            n = -1;
            break;
        }
        char flags[128];
        snprintf(flags, sizeof flags, "%.*s", (int)(close - x.p), x.p);
        r->public_ = strstr(flags, "HTTP_PUBLIC") != NULL;
        n++;
        p = close + 1;
    }
    free(src);
    if (n == 0)
        snprintf(why, wcap, "no routes found in %s", file);
    return n;
}

static void fill_params(const char *pattern, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + 1 < cap;) {
        if (*p == '{') {
            const char *e = strchr(p, '}');
            if (!e)
                break;
            const char *v = strncmp(p, "{code}", 6) == 0 ? "330106004" : "1";
            for (; *v && o + 1 < cap; v++)
                out[o++] = *v;
            p = e + 1;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
}

static void t_route_table(const char *file)
{
    struct route rt[128];
    char why[256] = "";
    begin("the route table of %s can be read", file);
    int n = load_routes(file, rt, 128, why, sizeof why);
    if (n <= 0)
        fail("%s", why);
    end();
    struct resp r;
    for (int i = 0; i < n; i++) {
        /* sign-in and sign-out have cases of their own; a sweep would end the sessions */
        if (strcmp(rt[i].pattern, "/api/v1/session") == 0)
            continue;
        char path[256];
        fill_params(rt[i].pattern, path, sizeof path);
        bool write = strcmp(rt[i].method, "GET") != 0;
        const char *body = write ? "{}" : NULL;
        if (!rt[i].public_) {
            begin("%s %s without credentials: 401", rt[i].method, rt[i].pattern);
            http(&r, rt[i].method, path, body, H("Content-Type: application/json"));
            exp_problem(&r, 401, NULL, "auth_required");
            resp_free(&r);
            end();
        }
        for (int k = 0; k < NUSERS; k++) {
            bool allowed = rt[i].public_ || (rt[i].roles & (1u << k));
            begin("[%s] %s %s: %s", users[k].role, rt[i].method, rt[i].pattern,
                  allowed ? "passes the role gate, no 5xx" : "403 forbidden_role");
            http(&r, rt[i].method, path, body,
                 H(users[k].bearer, "Content-Type: application/json"));
            if (!allowed) {
                exp_problem(&r, 403, NULL, "forbidden_role");
            } else {
                const char *c = jstr(r.json, "code");
                if (r.status < 200 || r.status >= 500 || r.status == 401 || r.status == 405 ||
                    (r.status == 403 && c && strcmp(c, "forbidden_role") == 0))
                    fail("expected an answer from the handler, got %ld: %s", r.status, snip(&r));
            }
            resp_free(&r);
            end();
        }
    }
}

/* ===================================================================== */

int main(int argc, char **argv)
{
    (void)argv;
    const char *url = getenv("CREST_URL"), *pw = getenv("API_PASSWORD");
    const char *ct = getenv("API_CONN_TIMEOUT"), *routes = getenv("API_ROUTES");
    if (argc > 1 || !url || !pw || !client_init(url)) {
        fputs("usage: CREST_URL=http://127.0.0.1:PORT API_PASSWORD=… [API_CONN_TIMEOUT=S] "
              "[API_ROUTES=src/routes.c] "
              "api_test\n(see tests/api/run.sh)\n",
              stderr);
        return 2;
    }
    snprintf(password, sizeof password, "%s", pw);
    int conn_timeout = ct ? (int)strtol(ct, NULL, 10) : 0;
    for (int i = 0; i < NUSERS; i++)
        snprintf(users[i].name, sizeof users[i].name, "api-%s", users[i].role);

    t_health_metrics();
    t_login();
    bool all_in = true;
    for (int i = 0; i < NUSERS; i++)
        all_in = all_in && users[i].token[0];
    if (all_in) {
        t_me();
        t_csrf();
        t_regions_get();
        t_matrix();
        t_create_validation();
        t_body_limits();
        t_idempotency();
        t_if_match();
        t_language();
        t_headers_and_routing();
        if (routes)
            t_route_table(routes);
        t_slow_clients(conn_timeout);
        t_health_metrics(); /* the counters moved; the page still renders */
    } else {
        printf(
            "FAIL setup: not every api-* user could sign in; the rest of the suite needs them\n");
        n_fail++;
    }

    client_cleanup();
    printf("%d passed, %d failed\n", n_pass, n_fail);
    return n_fail ? 1 : 0;
}
