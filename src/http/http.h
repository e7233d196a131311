/*
 * http.h - crest's HTTP server on libmicrohttpd: requests, responses, the
 * router, problem+json errors, sessions and role/scope checks, metrics.
 *
 * A request (struct http_req) owns an arena freed when the response is sent;
 * handlers allocate from it freely. Handlers run on the libmicrohttpd worker
 * pool; they may block on the database (reads on pooled connections, writes
 * through db_write), never on another request.
 */
#ifndef CREST_HTTP_H
#define CREST_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../base/buf.h"
#include "../base/err.h"
#include "../base/mem.h"
#include "../base/str.h"
#include "../db/db.h"

/* ---- roles (DESIGN.md §2) ---- */
enum role {
    ROLE_ADMIN = 0,
    ROLE_COMMANDER,
    ROLE_HOSPITAL,
    ROLE_CLINIC,
    ROLE_GRID,
    ROLE_PHARMACY,
    ROLE_INSURER,
    ROLE_VENUE,
    ROLE_VACCINATOR,
    ROLE_RESIDENT,
    ROLE__COUNT
};
#define R(x) (1u << (x))
#define ROLES_ALL ((1u << ROLE__COUNT) - 1)

const char *role_name(enum role r);
/* -1 when unknown */
int role_parse(const char *s);

struct auth_user {
    int64_t id;
    char username[64];
    enum role role;
    char scope[32];      /* region code prefix; "" is never valid: admin gets "33"… */
    int64_t facility_id; /* hospital, clinic, pharmacy…: their own facility; 0 = none */
    bool via_cookie;
    char csrf[33];
};

/* May this user see a row of region `code`? A prefix test, the same as the
 * SQL `substr(region, 1, length(scope)) = scope`. The one place scope is decided. */
bool auth_in_scope(const struct auth_user *u, const char *code);

/* ---- server config ---- */
struct http_config {
    char listen_host[64];
    int port;
    int threads;        /* worker pool size */
    size_t body_max;    /* bytes; larger → 413 */
    int conn_timeout_s; /* idle connection timeout */
    int session_ttl_s;
    bool secure_cookie; /* add Secure to cookies (behind TLS) */
    char web_root[512]; /* static files; "" disables */
};

void http_config_defaults(struct http_config *c);

struct http_server;

/* ---- requests ---- */
#define HTTP_MAX_PARAMS 8
#define HTTP_MAX_HEADERS 8

struct http_req {
    struct http_server *srv;
    void *conn; /* struct MHD_Connection * */
    struct arena arena;
    const char *method;
    const char *path; /* decoded path, no query */
    char *query;      /* raw query string (after '?'), "" when none */
    struct buf body;
    bool body_too_big;
    const char *lang; /* "zh" or "en" */
    char rid[17];     /* request id */
    char addr[64];
    int64_t t0_us;
    int nparams;
    const char *pname[HTTP_MAX_PARAMS], *pval[HTTP_MAX_PARAMS];
    struct auth_user user;
    bool authed;
    const char *idem_key; /* Idempotency-Key, NULL when absent */
    /* response */
    int status;
    const char *ctype;
    struct buf resp;
    int nheaders;
    const char *hname[HTTP_MAX_HEADERS], *hval[HTTP_MAX_HEADERS];
    bool replayed;
    bool error_replied; /* a write fn built its own error reply (e.g. an import report) */
    int route_idx;
    /* a Server-Sent Events stream instead of a body (http_reply_sse) */
    bool sse;
    uint64_t sse_topic;
    const char *sse_event;
};

typedef void (*http_handler)(struct http_req *r);

/* Route flags */
#define HTTP_PUBLIC 1u  /* no session needed */
#define HTTP_NOCSRF 2u  /* a write that needs no CSRF token (login) */
#define HTTP_BIGBODY 4u /* a file upload: body limit HTTP_BIGBODY_MAX instead of body_max */
#define HTTP_BIGBODY_MAX ((size_t)32 << 20)

struct http_route {
    const char *method;
    const char *pattern; /* "/api/v1/regions/{code}" */
    http_handler fn;
    unsigned roles; /* bitmask of R(ROLE_x) allowed */
    unsigned flags;
};

/* A path parameter by name, or NULL. */
const char *http_param(struct http_req *r, const char *name);
/* A request header (case-insensitive), or NULL. */
const char *http_header(struct http_req *r, const char *name);
/* A query parameter, percent-decoded into the arena, or NULL when absent. */
const char *http_query(struct http_req *r, const char *name);
/* An integer query parameter in [min,max]; def when absent; on bad input adds
 * a field error to err and returns false. */
bool http_query_int(struct http_req *r, const char *name, int64_t min, int64_t max, int64_t def,
                    int64_t *out, struct crest_error *err);
void http_add_header(struct http_req *r, const char *name, const char *value);

/* Set the response to JSON (takes a reference: steals j). */
void http_reply_json(struct http_req *r, int status, json_t *j);
void http_reply_text(struct http_req *r, int status, const char *ctype, const char *body, size_t n);
/* RFC 9457 problem+json from an error, messages in the request's language. */
void http_reply_error(struct http_req *r, const struct crest_error *e);
/* Shorthand: a problem with one code and message key. */
void http_reply_problem(struct http_req *r, enum crest_err code, const char *key);
int http_status_of(enum crest_err code);

/* A write from a handler. fn runs inside the write transaction (possibly
 * more than once); it must set the response (http_reply_json) on success and
 * may call audit_append. Idempotency-Key replay and recording happen here,
 * in the same transaction. On failure the error is the reply. */
typedef int (*http_write_fn)(struct db_conn *c, struct http_req *r, void *arg,
                             struct crest_error *err);
void http_write(struct http_req *r, http_write_fn fn, void *arg);

/* Parse `If-Match: "N"` (or W/"N", or N); -1 when absent, -2 when malformed. */
int64_t http_if_match(struct http_req *r);
/* For an update: the If-Match version in *out, or false after replying 428
 * (absent) or 422 naming If-Match (malformed). */
bool http_require_if_match(struct http_req *r, int64_t *out);

struct db *http_db(struct http_req *r);
const struct http_config *http_cfg(struct http_req *r);

/* ---- server ---- */
/* routes must outlive the server (a static table, see src/routes.c). */
struct http_server *http_server_new(const struct http_config *cfg, struct db *db,
                                    const struct http_route *routes, int nroutes,
                                    struct crest_error *err);
int http_server_start(struct http_server *s, struct crest_error *err);
/* Bound port (useful with port 0). */
int http_server_port(struct http_server *s);
void http_server_stop(struct http_server *s);
void http_server_free(struct http_server *s);

/* ---- parsers (parse.c): pure, fuzzed ---- */
/* Find name in an application/x-www-form-urlencoded query; decoded value into
 * out (cap bytes). 1 found, 0 absent, -1 malformed (bad % escape, too long). */
int http_query_find(const char *query, const char *name, char *out, size_t cap);
/* Percent-decode (and '+' → ' '); false on a bad escape or a NUL byte. */
bool http_pct_decode(struct str in, char *out, size_t cap, size_t *outlen);
/* The value of cookie `name` in a Cookie header, as a view into it. */
bool http_cookie_find(const char *header, const char *name, struct str *out);
/* "zh" or "en" from an Accept-Language header (q-values honoured; default zh). */
const char *http_lang_pick(const char *accept_language);

/* ---- messages (msg.c) ---- */
/* The text of a message key in "zh" or "en", with %s replaced by arg. */
const char *msg_text(const char *lang, const char *key);
void msg_format(char *out, size_t cap, const char *lang, const char *key, const char *arg);

/* ---- metrics (metrics.c) ---- */
void metrics_observe(int route_idx, int status, int64_t dur_us);
void metrics_render(struct buf *b, struct db *db, const struct http_route *routes, int nroutes);

/* ---- sessions (session.c) ---- */
/* Fill r->user from the Bearer token or cookie. CREST_OK with r->authed true,
 * CREST_OK with r->authed false (no credentials), or CREST_AUTH (bad/expired). */
int session_authenticate(struct http_req *r, struct crest_error *err);
void session_csrf_of(const char *token, char out[33]);
void session_routes_login(struct http_req *r);
void session_routes_logout(struct http_req *r);
void session_routes_me(struct http_req *r);
/* Password hashing with bounded concurrency (argon2id at 64 MiB each). */
int session_hash_password(const char *pw, char out[128]);
bool session_verify_password(const char *hash, const char *pw);

/* ---- uploads (upload.c) ---- */
/* Feed an uploaded CSV (UTF-8) or XLSX body to fn row by row, the header
 * row first (fn returns non-zero to stop). Field "file" errors for an empty
 * body, a CSV not in UTF-8 or malformed. */
int http_upload_rows(struct http_req *r,
                     int (*fn)(void *arg, int row, int ncells, const char *const *cells), void *arg,
                     struct crest_error *err);
/* The same for a file already in memory (the command line's imports): XLSX
 * when xlsx is set or p starts with a zip signature, else CSV in UTF-8. */
int http_sheet_rows(const char *p, size_t n, bool xlsx,
                    int (*fn)(void *arg, int row, int ncells, const char *const *cells), void *arg,
                    struct crest_error *err);
/* An import's row-by-row report: {"rows", "valid", "invalid", "created",
 * "dry_run", "errors": [{"row", "errors": [{"field", "code", "message"}]}]
 * (at most HTTP_IMPORT_MAX_REPORTED rows), "errors_truncated"}. row(arg, i,
 * &line) gives the i-th row's errors and file line. */
#define HTTP_IMPORT_MAX_REPORTED 200
json_t *http_import_report(struct http_req *r, int nrows, int64_t invalid, int64_t created,
                           bool dry_run,
                           const struct crest_error *(*row)(void *arg, int i, int *line),
                           void *arg);

/* ---- Server-Sent Events (sse.c; added by the queue pillar) ---- */
/* Answer with an event stream of `topic`: first `first_json` as event
 * `event`, then every http_sse_publish of the topic (latest wins: each
 * message is a full snapshot). No thread per watcher: see sse.c. */
void http_reply_sse(struct http_req *r, uint64_t topic, const char *event, const char *first_json);
/* Send json as `event` to every watcher of topic (copies json). Thread-safe. */
void http_sse_publish(uint64_t topic, const char *event, const char *json);
int http_sse_watchers(uint64_t topic);
/* server.c's part: the MHD response for an SSE request; end all streams. */
void *http_sse_response(struct http_req *r);
void http_sse_shutdown(void);
void http_sse_free_all(void);

/* ---- static files (static.c) ---- */
/* Serve r->path from the web root; false when no such file. */
bool static_serve(struct http_req *r, const char *root);

#endif
