/*
 * client.c - the shared half of the HTTP API test programs: cases and their
 * counters, the libcurl client, assertions, sign-in (see client.h).
 */
#include "client.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- cases: a named group of checks, counted once ---- */

int n_pass, n_fail;
static char case_name[160];
static char case_msg[1024];
static int case_nfail;

void begin(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(case_name, sizeof case_name, fmt, ap);
    va_end(ap);
    case_msg[0] = '\0';
    case_nfail = 0;
}

void fail(const char *fmt, ...)
{
    size_t n = strlen(case_msg);
    if (case_nfail++ && n + 3 < sizeof case_msg) {
        memcpy(case_msg + n, " | ", 4);
        n += 3;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(case_msg + n, sizeof case_msg - n, fmt, ap);
    va_end(ap);
}

bool case_end(void)
{
    if (case_nfail) {
        n_fail++;
        printf("FAIL %s: %s\n", case_name, case_msg);
        fflush(stdout);
        return false;
    }
    n_pass++;
    return true;
}

/* ---- HTTP client ---- */

char base_url[256];
char host[64];
int port;
CURL *curl;

void mbuf_add(struct mbuf *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            fputs("api test client: out of memory\n", stderr);
            exit(2);
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void mbuf_free(struct mbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void resp_free(struct resp *r)
{
    mbuf_free(&r->body);
    mbuf_free(&r->head);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

static size_t on_body(char *p, size_t sz, size_t n, void *arg)
{
    mbuf_add(arg, p, sz * n);
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *arg)
{
    struct resp *r = arg;
    if (sz * n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        if (r->head.n)
            r->interim++;
        r->head.n = 0; /* a new response (after 100 Continue): keep only the last */
    }
    mbuf_add(&r->head, p, sz * n);
    return sz * n;
}

/* The value of response header `name` (first occurrence) into out; false when absent. */
bool header(const struct resp *r, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = r->head.p;
    out[0] = '\0';
    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t vl = len - (size_t)(v - p);
            if (vl >= cap)
                vl = cap - 1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return true;
        }
        p = eol ? eol + 2 : p + len;
    }
    return false;
}

/* A request body fed by a read callback (for chunked uploads). */
struct feed {
    size_t left;
};

static size_t on_read(char *p, size_t sz, size_t n, void *arg)
{
    struct feed *f = arg;
    size_t k = sz * n < f->left ? sz * n : f->left;
    memset(p, ' ', k);
    f->left -= k;
    return k;
}

/* Configure h for one request into out; returns the header list, which the
 * caller frees after the transfer. f feeds a chunked body. */
static struct curl_slist *prepare(CURL *h, struct resp *out, const char *method, const char *path,
                                  const char *body, size_t body_n, struct feed *f,
                                  const char *const *hdrs)
{
    memset(out, 0, sizeof *out);
    char url[2048];
    snprintf(url, sizeof url, "%s%s", base_url, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out->body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L); /* send "/../" as written */
    struct curl_slist *hl = NULL;
    bool expect = false;
    for (int i = 0; hdrs && hdrs[i]; i++) {
        hl = curl_slist_append(hl, hdrs[i]);
        expect = expect || strncasecmp(hdrs[i], "Expect:", 7) == 0;
    }
    if (!expect)
        hl = curl_slist_append(hl, "Expect:"); /* no 100-continue dance unless a test asks */
    else /* wait for the server's verdict, however slow a sanitizer build is */
        curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 60000L);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (f && f->left) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, f);
        hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    } else if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(body_n ? body_n : strlen(body)));
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    return hl;
}

/* After the transfer: status, or -1 and curl's reason; the JSON body. */
static void finish(CURL *h, CURLcode rc, struct resp *out)
{
    if (rc != CURLE_OK) {
        out->status = -1;
        mbuf_add(&out->body, curl_easy_strerror(rc), strlen(curl_easy_strerror(rc)));
        return;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    if (out->body.n)
        out->json = json_loadb(out->body.p, out->body.n, 0, NULL);
}

void http_full(struct resp *out, const char *method, const char *path, const char *body,
               size_t body_n, size_t chunked, const char *const *hdrs)
{
    curl_easy_reset(curl);
    struct feed f = {chunked};
    struct curl_slist *hl = prepare(curl, out, method, path, body, body_n, &f, hdrs);
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(hl);
    finish(curl, rc, out);
}

void http(struct resp *out, const char *method, const char *path, const char *body,
          const char *const *hdrs)
{
    http_full(out, method, path, body, 0, 0, hdrs);
}

void http_parallel(int n, struct resp *out, const char *method, const char *path, const char *body,
                   const char *const *hdrs)
{
    enum { MAXN = 16 };
    CURL *h[MAXN] = {NULL};
    struct curl_slist *hl[MAXN] = {NULL};
    CURLcode rc[MAXN];
    if (n > MAXN)
        n = MAXN;
    CURLM *m = curl_multi_init();
    for (int i = 0; i < n; i++) {
        h[i] = curl_easy_init();
        rc[i] = CURLE_FAILED_INIT;
        if (!m || !h[i]) {
            memset(&out[i], 0, sizeof out[i]);
            continue;
        }
        hl[i] = prepare(h[i], &out[i], method, path, body, 0, NULL, hdrs);
        curl_easy_setopt(h[i], CURLOPT_FRESH_CONNECT, 1L); /* one connection each */
        curl_easy_setopt(h[i], CURLOPT_PRIVATE, (char *)&rc[i]);
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
    while (m && (msg = curl_multi_info_read(m, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        if (priv)
            *(CURLcode *)(void *)priv = msg->data.result;
    }
    for (int i = 0; i < n; i++) {
        if (h[i]) {
            finish(h[i], rc[i], &out[i]);
            if (m)
                curl_multi_remove_handle(m, h[i]);
            curl_easy_cleanup(h[i]);
        } else {
            out[i].status = -1;
        }
        curl_slist_free_all(hl[i]);
    }
    if (m)
        curl_multi_cleanup(m);
}

/* ---- assertions on a response (each adds to the current case) ---- */

const char *snip(const struct resp *r)
{
    static char s[240];
    snprintf(s, sizeof s, "%.200s", r->body.p ? r->body.p : "");
    return s;
}

bool exp_status(const struct resp *r, long want)
{
    if (r->status == want)
        return true;
    fail("expected status %ld, got %ld: %s", want, r->status, snip(r));
    return false;
}

const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

bool has_field_error(const struct resp *r, const char *field)
{
    json_t *errs = json_object_get(r->json, "errors");
    size_t i;
    json_t *e;
    json_array_foreach(errs, i, e)
    {
        const char *f = jstr(e, "field");
        if (f && strcmp(f, field) == 0)
            return true;
    }
    return false;
}

/* status, problem+json shape, and (when given) a field error naming `field`
 * and the problem's message `code`. */
bool exp_problem(const struct resp *r, long status, const char *field, const char *code)
{
    if (!exp_status(r, status))
        return false;
    char ct[128];
    bool ok = true;
    if (!header(r, "Content-Type", ct, sizeof ct) ||
        strncmp(ct, "application/problem+json", 24) != 0) {
        fail("expected Content-Type application/problem+json, got '%s'", ct);
        ok = false;
    }
    if (!json_is_object(r->json) ||
        json_integer_value(json_object_get(r->json, "status")) != status ||
        !jstr(r->json, "title") || !jstr(r->json, "type")) {
        fail("expected a problem body with type, title and status %ld, got %s", status, snip(r));
        return false;
    }
    if (field && !has_field_error(r, field)) {
        fail("expected a field error naming '%s', got %s", field, snip(r));
        ok = false;
    }
    if (code && (!jstr(r->json, "code") || strcmp(jstr(r->json, "code"), code) != 0)) {
        fail("expected problem code '%s', got %s", code, snip(r));
        ok = false;
    }
    return ok;
}

bool exp_header_has(const struct resp *r, const char *name, const char *needle)
{
    char v[1024];
    if (!header(r, name, v, sizeof v)) {
        fail("expected header %s, absent", name);
        return false;
    }
    if (needle && !strstr(v, needle)) {
        fail("expected header %s to contain \"%s\", got \"%s\"", name, needle, v);
        return false;
    }
    return true;
}

bool exp_jstr(const struct resp *r, const char *key, const char *want)
{
    const char *got = jstr(r->json, key);
    if (got && strcmp(got, want) == 0)
        return true;
    fail("expected \"%s\": \"%s\", got \"%s\"", key, want, got ? got : "(absent)");
    return false;
}

char *login_body(const char *name, const char *pw)
{
    json_t *j = json_pack("{s:s, s:s}", "username", name, "password", pw);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

/* Sign in; fills token and csrf. */
bool login(const char *name, const char *pw, char *token, size_t tcap, char *csrf, size_t ccap,
           struct resp *keep)
{
    char *b = login_body(name, pw);
    struct resp r;
    http(&r, "POST", "/api/v1/session", b, H("Content-Type: application/json"));
    free(b);
    bool ok = r.status == 201 && jstr(r.json, "token") && jstr(r.json, "csrf");
    if (ok) {
        snprintf(token, tcap, "%s", jstr(r.json, "token"));
        snprintf(csrf, ccap, "%s", jstr(r.json, "csrf"));
    } else {
        fail("login %s: expected 201 with token and csrf, got %ld: %s", name, r.status, snip(&r));
    }
    if (keep)
        *keep = r;
    else
        resp_free(&r);
    return ok;
}

/* out = a + b, cut to cap (the parts live in the same struct as out, which
 * snprintf's restrict contract does not allow) */
void join(char *out, size_t cap, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na >= cap)
        na = cap - 1;
    if (nb >= cap - na)
        nb = cap - na - 1;
    memcpy(out, a, na);
    memcpy(out + na, b, nb);
    out[na + nb] = '\0';
}

static bool parse_base(const char *url)
{
    if (strncmp(url, "http://", 7) != 0)
        return false;
    const char *h = url + 7, *colon = strrchr(h, ':');
    if (!colon || (size_t)(colon - h) >= sizeof host)
        return false;
    memcpy(host, h, (size_t)(colon - h));
    host[colon - h] = '\0';
    char *e;
    long p = strtol(colon + 1, &e, 10);
    if (p <= 0 || p > 65535 || (*e && *e != '/'))
        return false;
    port = (int)p;
    snprintf(base_url, sizeof base_url, "http://%s:%d", host, port);
    return true;
}

char *repeat(const char *unit, int n)
{
    size_t ul = strlen(unit);
    char *s = malloc(ul * (size_t)n + 1);
    if (!s)
        exit(2);
    for (int i = 0; i < n; i++)
        memcpy(s + ul * (size_t)i, unit, ul);
    s[ul * (size_t)n] = '\0';
    return s;
}

bool client_init(const char *url)
{
    if (!parse_base(url))
        return false;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    curl = curl_easy_init();
    return curl != NULL;
}

void client_cleanup(void)
{
    curl_easy_cleanup(curl);
    curl = NULL;
    curl_global_cleanup();
}

/* ---- the pillar suites' helpers ---- */

bool sign_in(struct who *u, const char *password)
{
    begin("sign in as %s", u->name);
    bool ok = login(u->name, password, u->token, sizeof u->token, u->csrf, sizeof u->csrf, NULL);
    join(u->bearer, sizeof u->bearer, "Authorization: Bearer ", u->token);
    end();
    return ok;
}

const char *P(const char *fmt, ...)
{
    static char bufs[8][1024];
    static int k;
    char *b = bufs[k++ & 7];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof bufs[0], fmt, ap);
    va_end(ap);
    return b;
}

int64_t jint(json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

const char *jshow(json_t *j)
{
    static char bufs[4][320];
    static int k;
    char *b = bufs[k++ & 3];
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    snprintf(b, sizeof bufs[0], "%.300s", s ? s : "(absent)");
    free(s);
    return b;
}

void call(struct resp *r, const struct who *u, const char *method, const char *path,
          const char *body, const char *if_match)
{
    const char *h[6];
    char im[80];
    int n = 0;
    if (u)
        h[n++] = u->bearer;
    h[n++] = "Accept-Language: en";
    if (body)
        h[n++] = "Content-Type: application/json";
    if (if_match) {
        snprintf(im, sizeof im, "If-Match: %s", if_match);
        h[n++] = im;
    }
    h[n] = NULL;
    http(r, method, path, body, h);
}

void callj(struct resp *r, const struct who *u, const char *method, const char *path, json_t *body,
           const char *if_match)
{
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    call(r, u, method, path, s, if_match);
    free(s);
}
