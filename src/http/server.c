/*
 * server.c - the libmicrohttpd glue: request lifecycle, body limits, routing,
 * auth and CSRF gate, replies, security headers, request log, idempotent
 * writes. Handlers see only struct http_req (http.h).
 *
 * libmicrohttpd has no idle timeout and no body limit by default: both are set
 * here (CONNECTION_TIMEOUT; a Content-Length over the limit gets 413 before the
 * body is read; a body that grows past it while streaming gets 413 too), and a
 * request with conflicting Content-Length headers is refused (smuggling).
 *
 * Writes do not run on libmicrohttpd's few workers: a write waits for its
 * group commit's fsync, and a worker blocked there serves nobody else, so no
 * more than `threads` writes could ever share a commit. A write's connection
 * is suspended and its request handed to a pool of WRITE_THREADS threads that
 * may block; the finished request is resumed and its answer sent by the
 * worker. Reads stay on the workers: they do not wait for the disk.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "../base/log.h"
#include "../base/util.h"
#include "http.h"

/* Up to this many writes wait for a commit at once (and so may share one):
 * one per connection of a busy front end. Idle threads cost a stack mapping. */
#define WRITE_THREADS 64

/* A request as the server allocates it: the handlers' part first, so that a
 * struct http_req * is also a struct req_box *. */
struct req_box {
    struct http_req r;
    struct req_box *next; /* in the write queue */
    bool dispatched;      /* answered by a write thread: send it on resume */
};

struct http_server {
    struct http_config cfg;
    struct db *db;
    const struct http_route *routes;
    int nroutes;
    struct MHD_Daemon *d;
    int port;
    /* the write pool; wmu guards the queue, winflight and wstop */
    pthread_mutex_t wmu;
    pthread_cond_t wcv;   /* work queued, or stopping */
    pthread_cond_t widle; /* winflight fell to 0 */
    struct req_box *whead, *wtail;
    int winflight; /* suspended, not yet resumed */
    bool wstop;
    pthread_t wth[WRITE_THREADS];
    int nwth;
};

static atomic_uint_fast64_t rid_counter;
static uint32_t rid_salt; /* per process, so ids from two runs do not collide in logs */

void http_config_defaults(struct http_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen_host, sizeof c->listen_host, "127.0.0.1");
    c->port = 8080;
    c->threads = 2;
    c->body_max = 1 << 20;
    c->conn_timeout_s = 30;
    c->session_ttl_s = 8 * 3600;
    snprintf(c->web_root, sizeof c->web_root, "web");
}

struct db *http_db(struct http_req *r)
{
    return r->srv->db;
}
const struct http_config *http_cfg(struct http_req *r)
{
    return &r->srv->cfg;
}

/* ---- request accessors ---- */

const char *http_param(struct http_req *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++)
        if (strcmp(r->pname[i], name) == 0)
            return r->pval[i];
    return NULL;
}

const char *http_header(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_query(struct http_req *r, const char *name)
{
    size_t cap = strlen(r->query) + 1;
    char *out = arena_alloc(&r->arena, cap);
    int rc = http_query_find(r->query, name, out, cap);
    return rc == 1 ? out : NULL;
}

bool http_query_int(struct http_req *r, const char *name, int64_t min, int64_t max, int64_t def,
                    int64_t *out, struct crest_error *err)
{
    size_t cap = strlen(r->query) + 1;
    char *v = arena_alloc(&r->arena, cap);
    int rc = http_query_find(r->query, name, v, cap);
    if (rc == 0) {
        *out = def;
        return true;
    }
    int64_t x;
    char arg[64];
    snprintf(arg, sizeof arg, "%lld..%lld", (long long)min, (long long)max);
    if (rc < 0 || !str_to_i64(str_of(v), &x)) {
        crest_error_field(err, name, "type", "field_not_integer", NULL);
        return false;
    }
    if (x < min || x > max) {
        crest_error_field(err, name, "range", "field_range", arg);
        return false;
    }
    *out = x;
    return true;
}

void http_add_header(struct http_req *r, const char *name, const char *value)
{
    if (r->nheaders < HTTP_MAX_HEADERS) {
        r->hname[r->nheaders] = name;
        r->hval[r->nheaders] = value;
        r->nheaders++;
    }
}

int64_t http_if_match(struct http_req *r)
{
    const char *h = http_header(r, "If-Match");
    if (!h)
        return -1;
    struct str s = str_of(h);
    if (s.n >= 2 && s.p[0] == 'W' && s.p[1] == '/') {
        s.p += 2;
        s.n -= 2;
    }
    if (s.n >= 2 && s.p[0] == '"' && s.p[s.n - 1] == '"') {
        s.p++;
        s.n -= 2;
    }
    int64_t v;
    if (!str_to_i64(s, &v) || v < 0)
        return -2;
    return v;
}

bool http_require_if_match(struct http_req *r, int64_t *out)
{
    *out = http_if_match(r);
    if (*out == -1) {
        http_reply_problem(r, CREST_PRECOND_REQ, "precondition_required");
        return false;
    }
    if (*out == -2) {
        struct crest_error err;
        crest_error_clear(&err);
        crest_error_field(&err, "If-Match", "format", "if_match_invalid", NULL);
        http_reply_error(r, &err);
        return false;
    }
    return true;
}

/* ---- replies ---- */

void http_reply_text(struct http_req *r, int status, const char *ctype, const char *body, size_t n)
{
    r->status = status;
    r->ctype = ctype;
    buf_reset(&r->resp);
    if (buf_append(&r->resp, body, n) != CREST_OK) {
        r->status = 500;
        r->ctype = "text/plain; charset=utf-8";
        buf_reset(&r->resp);
        buf_puts(&r->resp, "response too large\n");
    }
}

void http_reply_json(struct http_req *r, int status, json_t *j)
{
    r->status = status;
    r->ctype = "application/json; charset=utf-8";
    buf_reset(&r->resp);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s || buf_puts(&r->resp, s) != CREST_OK) {
        free(s);
        http_reply_problem(r, CREST_INTERNAL, "internal");
        return;
    }
    free(s);
}

int http_status_of(enum crest_err code)
{
    switch (code) {
    case CREST_OK: return 200;
    case CREST_INVALID: return 422;
    case CREST_NOTFOUND: return 404;
    case CREST_CONFLICT: return 409;
    case CREST_PRECONDITION: return 412;
    case CREST_BUSY: return 503;
    case CREST_TOOBIG: return 413;
    case CREST_AUTH: return 401;
    case CREST_FORBIDDEN: return 403;
    case CREST_THROTTLED: return 429;
    case CREST_PRECOND_REQ: return 428;
    case CREST_NOMEM:
    case CREST_IO:
    case CREST_DB:
    case CREST_INTERNAL: return 500;
    }
    return 500;
}

static void problem(struct http_req *r, const struct crest_error *e, int status_override)
{
    enum crest_err code = e->code == CREST_OK ? CREST_INTERNAL : e->code;
    int status = status_override ? status_override : http_status_of(code);
    /* a body that is not JSON at all is a syntax error (400); fields that are
     * wrong in a well-formed body are 422 */
    if (!status_override && code == CREST_INVALID && e->nfields > 0 &&
        strcmp(e->fields[0].field, "body") == 0)
        status = 400;
    char title_key[48], text[512];
    /* 405 has no crest_err of its own: name it, rather than "invalid fields" */
    const char *kind = status == 405 ? "method_not_allowed" : crest_err_name(code);
    snprintf(title_key, sizeof title_key, "title_%s", kind);
    json_t *j = json_object();
    char type[64];
    snprintf(type, sizeof type, "urn:crest:problem:%s", kind);
    json_object_set_new(j, "type", json_string(type));
    json_object_set_new(j, "title", json_string(msg_text(r->lang, title_key)));
    json_object_set_new(j, "status", json_integer(status));
    if (e->key) {
        /* for client errors the detail is the message's argument; server-side
         * details stay in the log */
        msg_format(text, sizeof text, r->lang, e->key, status < 500 ? e->detail : NULL);
        json_object_set_new(j, "detail", json_string(text));
        json_object_set_new(j, "code", json_string(e->key));
    }
    if (e->nfields) {
        json_t *arr = json_array();
        for (int i = 0; i < e->nfields; i++) {
            const struct crest_field_err *f = &e->fields[i];
            msg_format(text, sizeof text, r->lang, f->key, f->arg);
            json_t *o = json_object();
            json_object_set_new(o, "field", json_string(f->field));
            json_object_set_new(o, "code", json_string(f->code));
            json_object_set_new(o, "message", json_string(text));
            json_array_append_new(arr, o);
        }
        json_object_set_new(j, "errors", arr);
    }
    json_object_set_new(j, "instance", json_string(r->rid));
    if (status >= 500)
        LOG_ERROR("msg=\"request failed\" rid=%s code=%s detail=\"%s\"", r->rid,
                  crest_err_name(code), e->detail);
    http_reply_json(r, status, j);
    r->ctype = "application/problem+json; charset=utf-8";
}

void http_reply_error(struct http_req *r, const struct crest_error *e)
{
    problem(r, e, 0);
}

static void problem_status(struct http_req *r, int status, enum crest_err code, const char *key)
{
    struct crest_error e;
    crest_error_clear(&e);
    crest_error_set(&e, code, key, NULL);
    problem(r, &e, status);
}

void http_reply_problem(struct http_req *r, enum crest_err code, const char *key)
{
    struct crest_error e;
    crest_error_clear(&e);
    crest_error_set(&e, code, key, NULL);
    http_reply_error(r, &e);
}

/* ---- idempotent writes ---- */

struct write_ctx {
    struct http_req *r;
    http_write_fn fn;
    void *arg;
    char req_hash[65];
};

/* An idempotent replay answers exactly as the first time: status, type,
 * body, and the headers that point at what was made (Location, ETag), kept
 * as "Name\tvalue\n" lines. */
#define IDEM_TTL_MS ((int64_t)24 * 3600 * 1000)

static char *saved_headers(struct http_req *r)
{
    struct buf b;
    buf_init(&b, 8192);
    for (int i = 0; i < r->nheaders; i++)
        if (!strcasecmp(r->hname[i], "Location") || !strcasecmp(r->hname[i], "ETag"))
            buf_printf(&b, "%s\t%s\n", r->hname[i], r->hval[i]);
    size_t n;
    char *s = buf_steal(&b, &n);
    char *out = arena_strndup(&r->arena, s, n);
    free(s);
    return out;
}

static void replay_headers(struct http_req *r, const char *saved)
{
    struct str rest = str_of(saved), line;
    while (rest.p && rest.n) {
        rest = str_cut(rest, '\n', &line);
        struct str name;
        struct str val = str_cut(line, '\t', &name);
        if (name.n && val.p)
            http_add_header(r, arena_strndup(&r->arena, name.p, name.n),
                            arena_strndup(&r->arena, val.p, val.n));
    }
}

static int write_wrap(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct write_ctx *w = arg;
    struct http_req *r = w->r;
    r->replayed = false;
    if (r->idem_key) {
        struct db_stmt *st = db_query(
            c, err,
            "SELECT status, content_type, body, req_hash, headers FROM idempotency WHERE user_id = "
            "? AND idem_key = ? AND created_ms > ?",
            "isi", r->user.id, r->idem_key, util_now_ms() - IDEM_TTL_MS);
        if (!st)
            return err->code;
        int rc = db_step(st, err);
        if (rc == 1) {
            if (strcmp(db_col_text(st, 3), w->req_hash) != 0) {
                db_finalize(st);
                return crest_error_set(err, CREST_CONFLICT, "idem_mismatch", NULL);
            }
            const char *body = db_col_text(st, 2);
            r->status = (int)db_col_int(st, 0);
            r->ctype = arena_strdup(&r->arena, db_col_text(st, 1));
            buf_reset(&r->resp);
            buf_puts(&r->resp, body ? body : "");
            replay_headers(r, db_col_text(st, 4));
            r->replayed = true;
            db_finalize(st);
            return CREST_OK;
        }
        db_finalize(st);
        if (rc < 0)
            return err->code;
    }
    r->error_replied = false;
    int rc = w->fn(c, r, w->arg, err);
    if (rc != CREST_OK || !r->idem_key)
        return rc;
    /* A record past its 24 h is replaced. A fresh one means a concurrent
     * twin of this request committed first (PostgreSQL): nothing changes,
     * and the conflict rolls this attempt back so http_write replays the
     * twin's answer instead of creating a second row. */
    int64_t changed = 0;
    int rc2 = db_exec(c, err, &changed,
                      "INSERT INTO idempotency (user_id, idem_key, method, path, req_hash, "
                      "status, content_type, body, created_ms, headers) VALUES (?, ?, ?, ?, ?, ?, "
                      "?, ?, ?, ?) ON CONFLICT (user_id, idem_key) DO UPDATE SET method = "
                      "excluded.method, path = excluded.path, req_hash = excluded.req_hash, status "
                      "= excluded.status, content_type = excluded.content_type, body = "
                      "excluded.body, created_ms = excluded.created_ms, headers = "
                      "excluded.headers WHERE idempotency.created_ms <= ?",
                      "issssissisi", r->user.id, r->idem_key, r->method, r->path, w->req_hash,
                      (int64_t)r->status, r->ctype, r->resp.p ? r->resp.p : "", util_now_ms(),
                      saved_headers(r), util_now_ms() - IDEM_TTL_MS);
    if (rc2 == CREST_OK && changed == 0)
        return crest_error_set(err, CREST_CONFLICT, "conflict_exists", "idempotency key raced");
    return rc2;
}

void http_write(struct http_req *r, http_write_fn fn, void *arg)
{
    struct write_ctx w = {r, fn, arg, {0}};
    if (r->idem_key) {
        struct buf h;
        buf_init(&h, r->body.n + 4096);
        buf_printf(&h, "%s %s?%s\n", r->method, r->path, r->query);
        buf_append(&h, r->body.p ? r->body.p : "", r->body.n);
        util_sha256_hex(w.req_hash, h.p, h.n);
        buf_cleanup(&h);
    }
    struct crest_error err;
    int rc = db_write(r->srv->db, write_wrap, &w, &err);
    if (rc == CREST_CONFLICT && r->idem_key && err.key && strcmp(err.key, "idem_mismatch") != 0) {
        /* a concurrent duplicate won the race for the key: replay its answer */
        rc = db_write(r->srv->db, write_wrap, &w, &err);
    }
    if (rc != CREST_OK && !r->error_replied)
        http_reply_error(r, &err);
    else if (rc == CREST_OK && r->replayed)
        http_add_header(r, "Idempotent-Replayed", "true");
}

/* ---- routing ---- */

/* Match "/api/v1/regions/{code}" against a path; fills params. */
static bool route_match(struct http_req *r, const char *pattern, const char *path)
{
    int np = 0;
    const char *p = pattern, *u = path;
    while (*p && *u) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *ue = strchr(u, '/');
            if (!pe)
                return false;
            if (!ue)
                ue = u + strlen(u);
            if (ue == u || np >= HTTP_MAX_PARAMS)
                return false;
            r->pname[np] = arena_strndup(&r->arena, p + 1, (size_t)(pe - p - 1));
            r->pval[np] = arena_strndup(&r->arena, u, (size_t)(ue - u));
            np++;
            p = pe + 1;
            u = ue;
            continue;
        }
        if (*p != *u)
            return false;
        p++;
        u++;
    }
    if (*p || *u)
        return false;
    r->nparams = np;
    return true;
}

static bool is_write(const char *m)
{
    return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

static void dispatch(struct http_req *r)
{
    struct http_server *s = r->srv;
    if (strcmp(r->path, "/healthz") == 0) {
        struct db_conn *c = db_acquire(s->db);
        struct crest_error e;
        struct db_stmt *st = db_query(c, &e, "SELECT 1", NULL);
        int ok = st ? db_step(st, &e) : -1;
        db_finalize(st);
        db_release(s->db, c);
        if (ok == 1)
            http_reply_text(r, 200, "application/json", "{\"status\":\"ok\"}", 15);
        else
            http_reply_text(r, 503, "application/json", "{\"status\":\"db unavailable\"}", 27);
        return;
    }
    if (strcmp(r->path, "/metrics") == 0) {
        struct buf b;
        buf_init(&b, (size_t)1 << 22);
        metrics_render(&b, s->db, s->routes, s->nroutes);
        http_reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.p ? b.p : "", b.n);
        buf_cleanup(&b);
        return;
    }
    const struct http_route *rt = NULL;
    bool path_known = false;
    char allow[96] = "";
    for (int i = 0; i < s->nroutes; i++) {
        if (!route_match(r, s->routes[i].pattern, r->path))
            continue;
        path_known = true;
        if (strcmp(s->routes[i].method, r->method) == 0 ||
            (strcmp(r->method, "HEAD") == 0 && strcmp(s->routes[i].method, "GET") == 0)) {
            rt = &s->routes[i];
            r->route_idx = i;
            break;
        }
        /* a 405 must say what the path does allow (RFC 9110 §15.5.6) */
        size_t n = strlen(allow);
        snprintf(allow + n, sizeof allow - n, "%s%s%s", n ? ", " : "", s->routes[i].method,
                 strcmp(s->routes[i].method, "GET") == 0 ? ", HEAD" : "");
    }
    if (!rt) {
        if (path_known) {
            http_add_header(r, "Allow", arena_strdup(&r->arena, allow));
            problem_status(r, 405, CREST_INVALID, "method_not_allowed");
            return;
        }
        if (strncmp(r->path, "/api/", 5) != 0 && !is_write(r->method) && s->cfg.web_root[0] &&
            static_serve(r, s->cfg.web_root))
            return;
        http_reply_problem(r, CREST_NOTFOUND, "not_found");
        return;
    }
    if (r->body_too_big) {
        struct crest_error e;
        crest_error_clear(&e);
        crest_error_set(&e, CREST_TOOBIG, "too_big", "%zu", r->body.max);
        http_reply_error(r, &e);
        return;
    }
    struct crest_error e;
    crest_error_clear(&e);
    if (session_authenticate(r, &e) != CREST_OK) {
        /* a stale or forged cookie must not lock the browser out of signing in
         * again: public routes go on as anonymous */
        if (e.code != CREST_AUTH || !(rt->flags & HTTP_PUBLIC)) {
            http_reply_error(r, &e);
            return;
        }
        crest_error_clear(&e);
    }
    if (!(rt->flags & HTTP_PUBLIC)) {
        if (!r->authed) {
            http_reply_problem(r, CREST_AUTH, "auth_required");
            return;
        }
        if (!(rt->roles & R(r->user.role))) {
            http_reply_problem(r, CREST_FORBIDDEN, "forbidden_role");
            return;
        }
    }
    if (is_write(r->method)) {
        /* A cookie is sent by the browser on its own, so a write that rides on
         * one must prove it comes from our page: the CSRF token (which a
         * cross-site page cannot read) and, when the browser says, same-origin. */
        const char *site = http_header(r, "Sec-Fetch-Site");
        if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) {
            http_reply_problem(r, CREST_FORBIDDEN, "cross_site");
            return;
        }
        if (r->authed && r->user.via_cookie && !(rt->flags & HTTP_NOCSRF)) {
            const char *t = http_header(r, "X-CSRF-Token");
            if (!t || strlen(t) != 32 || !str_ct_equal(t, r->user.csrf, 32)) {
                http_reply_problem(r, CREST_FORBIDDEN, "csrf_failed");
                return;
            }
        }
        const char *k = http_header(r, "Idempotency-Key");
        if (k && strcmp(r->method, "POST") == 0 && r->authed) {
            size_t n = strlen(k);
            bool ok = n >= 1 && n <= 128;
            for (size_t i = 0; ok && i < n; i++)
                ok = k[i] > 0x20 && k[i] < 0x7f;
            if (!ok) {
                crest_error_field(&e, "Idempotency-Key", "invalid", "idem_invalid", NULL);
                http_reply_error(r, &e);
                return;
            }
            r->idem_key = k;
        }
    }
    rt->fn(r);
}

/* ---- libmicrohttpd callbacks ---- */

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http_server *s = cls;
    _Static_assert(offsetof(struct req_box, r) == 0, "free(r) frees the box");
    struct http_req *r = &((struct req_box *)xcalloc(1, sizeof(struct req_box)))->r;
    r->srv = s;
    r->conn = conn;
    arena_init(&r->arena);
    buf_init(&r->body, s->cfg.body_max);
    buf_init(&r->resp, (size_t)64 << 20);
    r->t0_us = util_mono_us();
    r->route_idx = -1;
    const char *q = strchr(uri, '?');
    r->query = arena_strdup(&r->arena, q ? q + 1 : "");
    snprintf(r->rid, sizeof r->rid, "%08x%08llx", rid_salt,
             (unsigned long long)(atomic_fetch_add(&rid_counter, 1) & 0xffffffffu));
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(r->addr, sizeof r->addr, "-");
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->addr,
                      sizeof r->addr);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->addr,
                      sizeof r->addr);
    }
    return r;
}

struct cl_count {
    int n;
    const char *first;
    bool differ;
};

static enum MHD_Result count_cl(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    struct cl_count *c = cls;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (c->n++ == 0)
            c->first = value;
        else if (strcmp(c->first, value) != 0)
            c->differ = true;
    }
    return MHD_YES;
}

static const char CSP[] = "default-src 'self'; script-src 'self'; style-src 'self' "
                          "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
                          "object-src 'none'; base-uri 'none'; form-action 'self'; "
                          "frame-ancestors 'none'";

static enum MHD_Result send_reply(struct http_req *r)
{
    if (!r->status)
        http_reply_problem(r, CREST_INTERNAL, "internal");
    bool head = strcmp(r->method, "HEAD") == 0;
    struct MHD_Response *resp;
    if (r->sse && r->status == 200 && !head) { /* queue pillar: a live stream */
        resp = http_sse_response(r);
        r->ctype = "text/event-stream; charset=utf-8";
        if (resp)
            MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    } else
        resp = MHD_create_response_from_buffer(
            head ? 0 : r->resp.n, r->resp.p ? r->resp.p : (char *)"", MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->ctype ? r->ctype : "text/plain; charset=utf-8");
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(resp, "X-Request-Id", r->rid);
    bool has_cache = false;
    for (int i = 0; i < r->nheaders; i++) {
        MHD_add_response_header(resp, r->hname[i], r->hval[i]);
        has_cache = has_cache || strcasecmp(r->hname[i], "Cache-Control") == 0;
    }
    if (!has_cache)
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* ---- the write pool ---- */

/* Suspend r's connection and queue r for a write thread; false when the pool
 * is stopping (the caller then answers r itself). Suspending comes first, so
 * that a write thread never resumes a connection that is not suspended yet. */
static bool pool_submit(struct http_server *s, struct req_box *b)
{
    pthread_mutex_lock(&s->wmu);
    bool ok = s->nwth > 0 && !s->wstop;
    if (ok)
        s->winflight++;
    pthread_mutex_unlock(&s->wmu);
    if (!ok)
        return false;
    MHD_suspend_connection(b->r.conn);
    pthread_mutex_lock(&s->wmu);
    b->next = NULL;
    if (s->wtail)
        s->wtail->next = b;
    else
        s->whead = b;
    s->wtail = b;
    pthread_cond_signal(&s->wcv);
    pthread_mutex_unlock(&s->wmu);
    return true;
}

static void *pool_main(void *arg)
{
    struct http_server *s = arg;
    pthread_setname_np(pthread_self(), "crest-write");
    pthread_mutex_lock(&s->wmu);
    for (;;) {
        while (!s->whead && !s->wstop)
            pthread_cond_wait(&s->wcv, &s->wmu);
        if (!s->whead)
            break;
        struct req_box *b = s->whead;
        s->whead = b->next;
        if (!s->whead)
            s->wtail = NULL;
        pthread_mutex_unlock(&s->wmu);
        dispatch(&b->r);
        struct MHD_Connection *conn = b->r.conn;
        b->dispatched = true;
        MHD_resume_connection(conn); /* b belongs to the worker from here on */
        pthread_mutex_lock(&s->wmu);
        if (--s->winflight == 0)
            pthread_cond_broadcast(&s->widle);
    }
    pthread_mutex_unlock(&s->wmu);
    return NULL;
}

/* Answer every queued write, then end the threads: MHD_stop_daemon() must not
 * find a suspended connection. Writes that arrive meanwhile run inline. */
static void pool_stop(struct http_server *s)
{
    pthread_mutex_lock(&s->wmu);
    int n = s->nwth;
    s->wstop = true;
    while (s->winflight > 0)
        pthread_cond_wait(&s->widle, &s->wmu);
    pthread_cond_broadcast(&s->wcv);
    s->nwth = 0;
    pthread_mutex_unlock(&s->wmu);
    for (int i = 0; i < n; i++)
        pthread_join(s->wth[i], NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct http_server *s = cls;
    struct http_req *r = *con_cls;
    if (!r) /* no URI log callback ran (should not happen): make one */
        *con_cls = r = uri_log(s, url, conn);
    if (!r->method) { /* first call: headers only */
        r->method = arena_strdup(&r->arena, method);
        r->path = arena_strdup(&r->arena, url);
        r->lang = http_lang_pick(http_header(r, "Accept-Language"));
        /* uploads (imports) may be larger than ordinary JSON bodies */
        for (int i = 0; i < s->nroutes; i++)
            if ((s->routes[i].flags & HTTP_BIGBODY) && !strcmp(s->routes[i].method, method) &&
                !strcmp(s->routes[i].pattern, url))
                r->body.max = HTTP_BIGBODY_MAX;
        struct cl_count cl = {0, NULL, false};
        MHD_get_connection_values(conn, MHD_HEADER_KIND, count_cl, &cl);
        /* both framings at once is how requests are smuggled past a proxy
         * (RFC 9112 §6.3): refuse, and the unread body closes the connection */
        if (cl.differ || (cl.first && http_header(r, "Transfer-Encoding"))) {
            problem_status(r, 400, CREST_INVALID, "content_length_conflict");
            return send_reply(r);
        }
        if (cl.first) {
            int64_t n;
            if (!str_to_i64(str_of(cl.first), &n) || n < 0) {
                problem_status(r, 400, CREST_INVALID, "content_length_conflict");
                return send_reply(r);
            }
            if ((uint64_t)n > r->body.max) { /* refuse before reading the body */
                struct crest_error e;
                crest_error_clear(&e);
                crest_error_set(&e, CREST_TOOBIG, "too_big", "%zu", r->body.max);
                http_reply_error(r, &e);
                return send_reply(r);
            }
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->body_too_big && buf_append(&r->body, upload_data, *upload_data_size) != CREST_OK)
            r->body_too_big = true; /* chunked body past the limit: answer 413 at the end */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (((struct req_box *)r)->dispatched) /* resumed: a write thread answered it */
        return send_reply(r);
    if (r->status) /* already answered (413 on the first call) */
        return MHD_YES;
    if (is_write(r->method) && pool_submit(s, (struct req_box *)r))
        return MHD_YES;
    dispatch(r);
    return send_reply(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    struct http_req *r = *con_cls;
    if (!r)
        return;
    int64_t dur = util_mono_us() - r->t0_us;
    if (r->method) {
        metrics_observe(r->route_idx, r->status, dur);
        LOG_INFO("msg=req rid=%s method=%s path=\"%.200s\" status=%d dur_us=%lld bytes=%zu "
                 "user=%s addr=%s%s",
                 r->rid, r->method, r->path, r->status, (long long)dur, r->resp.n,
                 r->authed ? r->user.username : "-", r->addr,
                 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=1");
    }
    buf_cleanup(&r->body);
    buf_cleanup(&r->resp);
    arena_free(&r->arena);
    free(r);
    *con_cls = NULL;
}

struct http_server *http_server_new(const struct http_config *cfg, struct db *db,
                                    const struct http_route *routes, int nroutes,
                                    struct crest_error *err)
{
    (void)err;
    struct http_server *s = xcalloc(1, sizeof *s);
    s->cfg = *cfg;
    s->db = db;
    s->routes = routes;
    s->nroutes = nroutes;
    pthread_mutex_init(&s->wmu, NULL);
    pthread_cond_init(&s->wcv, NULL);
    pthread_cond_init(&s->widle, NULL);
    return s;
}

int http_server_start(struct http_server *s, struct crest_error *err)
{
    util_random(&rid_salt, sizeof rid_salt);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)s->cfg.port);
    if (inet_pton(AF_INET, s->cfg.listen_host, &sa.sin_addr) != 1)
        return crest_error_set(err, CREST_INVALID, "listen", "cannot parse listen address %s",
                               s->cfg.listen_host);
    /* the write threads first: the first request may be a write */
    s->wstop = false;
    for (s->nwth = 0; s->nwth < WRITE_THREADS; s->nwth++)
        if (pthread_create(&s->wth[s->nwth], NULL, pool_main, s) != 0)
            break; /* fewer threads: writes still work, in smaller commits */
    if (!s->nwth)
        LOG_WARN("msg=\"no write threads: writes run on the workers\"");
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
    s->d = MHD_start_daemon(
        flags, (uint16_t)s->cfg.port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)s->cfg.conn_timeout_s, MHD_OPTION_CONNECTION_LIMIT, 4000u,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_URI_LOG_CALLBACK, uri_log, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (!s->d) {
        pool_stop(s);
        return crest_error_set(err, CREST_IO, "listen", "cannot listen on %s:%d (in use?)",
                               s->cfg.listen_host, s->cfg.port);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : s->cfg.port;
    return CREST_OK;
}

int http_server_port(struct http_server *s)
{
    return s->port;
}

void http_server_stop(struct http_server *s)
{
    pool_stop(s);
    if (s->d) {
        http_sse_shutdown(); /* no suspended stream may be left (queue pillar) */
        MHD_stop_daemon(s->d);
        http_sse_free_all();
    }
    s->d = NULL;
}

void http_reply_sse(struct http_req *r, uint64_t topic, const char *event, const char *first_json)
{
    http_reply_text(r, 200, "text/event-stream; charset=utf-8", first_json, strlen(first_json));
    r->sse = true;
    r->sse_topic = topic;
    r->sse_event = event;
}

void http_server_free(struct http_server *s)
{
    if (!s)
        return;
    http_server_stop(s);
    pthread_mutex_destroy(&s->wmu);
    pthread_cond_destroy(&s->wcv);
    pthread_cond_destroy(&s->widle);
    free(s);
}
