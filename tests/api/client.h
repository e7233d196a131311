/*
 * client.h - what the HTTP API test programs (api_test.c and the pillars'
 * *_test.c) share: named cases that count as one pass or fail, a libcurl client that
 * keeps each response's status, headers, body and parsed JSON, assertions
 * that add to the current case, and sign-in.
 *
 * Not thread-safe: one process, one thread, one shared easy handle (kept
 * alive between requests); http_parallel drives its own handles through curl
 * multi when a test needs requests in flight at the same time.
 */
#ifndef CREST_TEST_CLIENT_H
#define CREST_TEST_CLIENT_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- cases: a named group of checks, counted once ---- */

extern int n_pass, n_fail;

/* Start a case: its failures are collected until end(). */
void begin(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Record a failure of the current case (kept, joined by " | "). */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Close the case: prints "FAIL name: why" when anything failed; true when it passed. */
bool case_end(void);
/* (static inline: a global `end` would shadow the linker's symbol of that name) */
static inline bool end(void)
{
    return case_end();
}

/* ---- HTTP client ---- */

extern char base_url[256]; /* http://HOST:PORT, no trailing slash */
extern char host[64];
extern int port;
extern CURL *curl;

/* Parse CREST_URL into base_url/host/port and make the shared handle.
 * false on a malformed URL or when curl cannot start. */
bool client_init(const char *url);
void client_cleanup(void);

/* A growable buffer, always NUL-terminated; aborts the program on OOM. */
struct mbuf {
    char *p;
    size_t n, cap;
};
void mbuf_add(struct mbuf *b, const void *p, size_t n);
void mbuf_free(struct mbuf *b);

struct resp {
    long status;            /* -1: the transfer failed (body holds curl's reason) */
    struct mbuf body, head; /* head: the header lines of the final response */
    json_t *json;           /* the body when it parsed as JSON, owned */
    int interim;            /* 1xx responses before it (100 Continue) */
};
/* Free what a response holds; the struct may be reused after. */
void resp_free(struct resp *r);

/* The value of response header `name` (first occurrence) into out; false when absent. */
bool header(const struct resp *r, const char *name, char *out, size_t cap);

#define H(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NOH ((const char *const *)NULL)

/* body NULL: no body. body_n 0 with a body: strlen. chunked > 0: ignore body
 * and stream that many bytes with Transfer-Encoding: chunked. out is
 * overwritten (not freed first): resp_free it before reuse. */
void http_full(struct resp *out, const char *method, const char *path, const char *body,
               size_t body_n, size_t chunked, const char *const *hdrs);
void http(struct resp *out, const char *method, const char *path, const char *body,
          const char *const *hdrs);
/* The same request n times at once on n connections (curl multi): all are
 * sent before any answer is awaited. out[0..n-1] as for http(). n <= 16. */
void http_parallel(int n, struct resp *out, const char *method, const char *path, const char *body,
                   const char *const *hdrs);

/* ---- assertions on a response (each adds to the current case) ---- */

/* The first 200 bytes of the body, for messages (a static buffer). */
const char *snip(const struct resp *r);
bool exp_status(const struct resp *r, long want);
/* o[key] as a string, NULL when absent or not a string (borrowed). */
const char *jstr(json_t *o, const char *key);
bool has_field_error(const struct resp *r, const char *field);
/* status, problem+json shape, and (when given) a field error naming `field`
 * and the problem's message `code`. */
bool exp_problem(const struct resp *r, long status, const char *field, const char *code);
bool exp_header_has(const struct resp *r, const char *name, const char *needle);
bool exp_jstr(const struct resp *r, const char *key, const char *want);

/* ---- misc ---- */

/* {"username", "password"} as JSON; malloc'd, the caller frees. */
char *login_body(const char *name, const char *pw);
/* Sign in; fills token and csrf. keep: the response, else it is freed. */
bool login(const char *name, const char *pw, char *token, size_t tcap, char *csrf, size_t ccap,
           struct resp *keep);
/* out = a + b, cut to cap (the parts may live in the same struct as out) */
void join(char *out, size_t cap, const char *a, const char *b);
/* unit repeated n times; malloc'd, the caller frees. */
char *repeat(const char *unit, int n);

/* ---- the pillar suites' helpers (capacity_test.c, community_test.c, ...) ---- */

/* A login of the demo's api-ROLE users, signed in by sign_in. */
struct who {
    const char *name;
    char token[128], csrf[64], bearer[200];
};
/* Sign u in (a case of its own); fills token, csrf and the Bearer header. */
bool sign_in(struct who *u, const char *password);
/* A path built printf-style, in one of 8 rotating buffers. */
const char *P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The integer at key (0 when absent). */
int64_t jint(json_t *o, const char *key);
/* j as compact JSON, cut to 300 bytes, in one of 4 rotating buffers (for
 * failure messages: nothing to free). */
const char *jshow(json_t *j);
/* A request as u (Bearer; NULL: anonymous) in English; body is JSON or
 * NULL; if_match NULL sends no If-Match. */
void call(struct resp *r, const struct who *u, const char *method, const char *path,
          const char *body, const char *if_match);
/* call() with a JSON body, which it consumes. */
void callj(struct resp *r, const struct who *u, const char *method, const char *path, json_t *body,
           const char *if_match);

#endif
