/*
 * session.c - sign-in, sign-out, "who am I", and recognising the caller on
 * every request.
 *
 * Tokens are 256 random bits; only their SHA-256 is stored, so a copy of the
 * database does not let anyone sign in. The browser gets the token in an
 * HttpOnly SameSite=Strict cookie; machines send it as a Bearer token. The
 * CSRF token is derived from the session token (sha256("csrf:"+token)), so it
 * needs no storage and a cross-site page cannot compute it.
 *
 * Passwords: argon2id (libsodium). Each hash costs ~64 MiB and ~100 ms, so at
 * most HASH_SLOTS run at once; sign-in failures are throttled per account and
 * per address. A small cache keeps recently seen sessions for a few seconds so
 * that reads do not hit the database for every request; sign-out, password
 * changes and disabling clear it in this process (other processes see the
 * change within the cache's lifetime).
 */
#include "../base/str.h"
#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/jdec.h"
#include "../base/log.h"
#include "../base/util.h"
#include "../db/audit.h"
#include "user.h"

#define COOKIE "crest_session"
#define HASH_SLOTS 2
#define CACHE_SLOTS 1024
#define CACHE_MS 5000

/* ---- password hashing ---- */

static sem_t hash_sem;
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;
static void hash_init(void)
{
    sem_init(&hash_sem, 0, HASH_SLOTS);
}

static size_t memlimit(void)
{
    /* Tests may lower the cost of *new* hashes (CREST_ARGON2_MEMLIMIT_KB) to
     * keep the suite fast; verification always uses the parameters stored in
     * the hash itself. */
    const char *e = getenv("CREST_ARGON2_MEMLIMIT_KB");
    if (e) {
        long kb = strtol(e, NULL, 10);
        if (kb >= 8)
            return (size_t)kb * 1024;
    }
    return crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

int session_hash_password(const char *pw, char out[128])
{
    pthread_once(&hash_once, hash_init);
    sem_wait(&hash_sem);
    int rc = crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE, memlimit());
    sem_post(&hash_sem);
    return rc;
}

bool session_verify_password(const char *hash, const char *pw)
{
    pthread_once(&hash_once, hash_init);
    sem_wait(&hash_sem);
    bool ok = crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
    sem_post(&hash_sem);
    return ok;
}

/* A hash to verify against when the user does not exist, so that "no such
 * user" takes as long as "wrong password". */
static char dummy_hash[128];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void dummy_init(void)
{
    session_hash_password("not-a-real-password", dummy_hash);
}

/* ---- throttling ---- */

#define THR_SLOTS 4096
#define THR_WINDOW_MS (15 * 60 * 1000)
#define THR_MAX_USER 5
#define THR_MAX_ADDR 30

struct thr {
    uint64_t key;
    int64_t start;
    int fails;
};
static struct thr thr_tab[THR_SLOTS];
static pthread_mutex_t thr_mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t key_of(const char *kind, const char *v)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = kind; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    for (const char *p = v; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h | 1;
}

/* Seconds until `key` may try again, or 0. */
static int thr_wait(uint64_t key, int max, int64_t now)
{
    pthread_mutex_lock(&thr_mu);
    struct thr *t = &thr_tab[key % THR_SLOTS];
    int wait = 0;
    if (t->key == key && now - t->start < THR_WINDOW_MS && t->fails >= max)
        wait = (int)((THR_WINDOW_MS - (now - t->start)) / 1000) + 1;
    pthread_mutex_unlock(&thr_mu);
    return wait;
}

static void thr_fail(uint64_t key, int64_t now)
{
    pthread_mutex_lock(&thr_mu);
    struct thr *t = &thr_tab[key % THR_SLOTS];
    if (t->key != key || now - t->start >= THR_WINDOW_MS) {
        t->key = key;
        t->start = now;
        t->fails = 0;
    }
    t->fails++;
    pthread_mutex_unlock(&thr_mu);
}

static void thr_clear(uint64_t key)
{
    pthread_mutex_lock(&thr_mu);
    struct thr *t = &thr_tab[key % THR_SLOTS];
    if (t->key == key)
        memset(t, 0, sizeof *t);
    pthread_mutex_unlock(&thr_mu);
}

/* ---- session cache ---- */

struct cent {
    char th[65];
    struct auth_user u;
    int64_t until;
};
static struct cent cache[CACHE_SLOTS];
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;

static unsigned cslot(const char *th)
{
    unsigned v = 0;
    for (int i = 0; i < 8; i++) /* th is hex of a SHA-256: already uniform */
        v = v * 16 + (unsigned)(th[i] <= '9' ? th[i] - '0' : th[i] - 'a' + 10);
    return v % CACHE_SLOTS;
}

static bool cache_get(const char *th, struct auth_user *u, int64_t now)
{
    bool hit = false;
    pthread_mutex_lock(&cache_mu);
    struct cent *e = &cache[cslot(th)];
    if (e->until > now && strcmp(e->th, th) == 0) {
        *u = e->u;
        hit = true;
    }
    pthread_mutex_unlock(&cache_mu);
    return hit;
}

static void cache_put(const char *th, const struct auth_user *u, int64_t until)
{
    pthread_mutex_lock(&cache_mu);
    struct cent *e = &cache[cslot(th)];
    str_copy(e->th, sizeof e->th, th);
    e->u = *u;
    e->until = until;
    pthread_mutex_unlock(&cache_mu);
}

static void cache_clear_all(void)
{
    pthread_mutex_lock(&cache_mu);
    memset(cache, 0, sizeof cache);
    pthread_mutex_unlock(&cache_mu);
}

/* ---- recognising the caller ---- */

void session_csrf_of(const char *token, char out[33])
{
    char buf[160], h[65];
    snprintf(buf, sizeof buf, "csrf:%s", token);
    util_sha256_hex(h, buf, strlen(buf));
    memcpy(out, h, 32);
    out[32] = '\0';
}

static bool token_ok(struct str t)
{
    return t.n >= 32 && t.n <= 64;
}

int session_authenticate(struct http_req *r, struct crest_error *err)
{
    r->authed = false;
    struct str tok = {NULL, 0};
    bool via_cookie = false;
    const char *ah = http_header(r, "Authorization");
    if (ah && strncasecmp(ah, "Bearer ", 7) == 0) {
        tok = str_of(ah + 7);
    } else if (http_cookie_find(http_header(r, "Cookie"), COOKIE, &tok)) {
        via_cookie = true;
    } else {
        return CREST_OK;
    }
    if (!token_ok(tok))
        return crest_error_set(err, CREST_AUTH, "session_invalid", NULL);
    char token[72], th[65];
    memcpy(token, tok.p, tok.n);
    token[tok.n] = '\0';
    util_sha256_hex(th, token, tok.n);
    int64_t now = util_now_ms();
    struct auth_user u;
    if (!cache_get(th, &u, now)) {
        struct db_conn *c = db_acquire(http_db(r));
        struct db_stmt *st = db_query(
            c, err,
            "SELECT u.id, u.username, u.role, u.scope, s.expires_ms, u.facility_id FROM sessions s "
            "JOIN users u "
            "ON u.id = s.user_id WHERE s.token_hash = ? AND u.disabled = 0",
            "s", th);
        int rc = st ? db_step(st, err) : -1;
        int64_t expires = 0;
        if (rc == 1) {
            memset(&u, 0, sizeof u);
            u.id = db_col_int(st, 0);
            str_copy(u.username, sizeof u.username, db_col_text(st, 1));
            int rl = role_parse(db_col_text(st, 2));
            u.role = rl < 0 ? ROLE_RESIDENT : (enum role)rl;
            str_copy(u.scope, sizeof u.scope, db_col_text(st, 3));
            expires = db_col_int(st, 4);
            u.facility_id = db_col_null(st, 5) ? 0 : db_col_int(st, 5);
        }
        db_finalize(st);
        db_release(http_db(r), c);
        if (rc < 0)
            return err->code;
        if (rc == 0 || expires <= now)
            return crest_error_set(err, CREST_AUTH, "session_invalid", NULL);
        session_csrf_of(token, u.csrf);
        cache_put(th, &u, now + CACHE_MS < expires ? now + CACHE_MS : expires);
    }
    u.via_cookie = via_cookie;
    r->user = u;
    r->authed = true;
    return CREST_OK;
}

/* ---- handlers ---- */

static void set_cookie(struct http_req *r, const char *token, int max_age)
{
    const char *v =
        arena_printf(&r->arena, COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
                     token, max_age, http_cfg(r)->secure_cookie ? "; Secure" : "");
    http_add_header(r, "Set-Cookie", v);
}

struct login_arg {
    const struct user_row *u;
    const char *th;
    int64_t expires;
};

static int login_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    struct login_arg *a = arg;
    int64_t now = util_now_ms();
    int rc = db_exec(c, err, NULL,
                     "INSERT INTO sessions (token_hash, user_id, created_ms, expires_ms, addr) "
                     "VALUES (?, ?, ?, ?, ?)",
                     "siiis", a->th, a->u->id, now, a->expires, r->addr);
    if (rc)
        return rc;
    /* sign-in keeps the table small: drop this user's expired sessions */
    rc = db_exec(c, err, NULL, "DELETE FROM sessions WHERE user_id = ? AND expires_ms < ?", "ii",
                 a->u->id, now);
    if (rc)
        return rc;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)a->u->id);
    struct audit_entry e = {a->u->id,    a->u->username, role_name(a->u->role),
                            "login",     "session",      id,
                            a->u->scope, r->addr};
    return audit_append(c, &e, err);
}

void session_routes_login(struct http_req *r)
{
    pthread_once(&dummy_once, dummy_init);
    struct crest_error err;
    crest_error_clear(&err);
    struct jdec d;
    jdec_begin(&d, r->body.p, r->body.n, &err);
    const char *name = jdec_str(&d, "username", true, 1, 64);
    const char *pw = jdec_str(&d, "password", true, 1, 128);
    jdec_end(&d);
    if (err.code) {
        jdec_free(&d);
        http_reply_error(r, &err);
        return;
    }
    int64_t now = util_now_ms();
    uint64_t ku = key_of("u:", name), ka = key_of("a:", r->addr);
    int wait = thr_wait(ku, THR_MAX_USER, now);
    int wa = thr_wait(ka, THR_MAX_ADDR, now);
    if (wa > wait)
        wait = wa;
    if (wait) {
        jdec_free(&d);
        char *ra = arena_printf(&r->arena, "%d", wait);
        crest_error_set(&err, CREST_THROTTLED, "login_throttled", "%d", wait);
        http_add_header(r, "Retry-After", ra);
        http_reply_error(r, &err);
        LOG_WARN("msg=\"login throttled\" rid=%s addr=%s", r->rid, r->addr);
        return;
    }
    struct user_row u;
    struct db_conn *c = db_acquire(http_db(r));
    int rc = user_get_by_name(c, name, &u, &err);
    db_release(http_db(r), c);
    if (rc != CREST_OK && rc != CREST_NOTFOUND) {
        jdec_free(&d);
        http_reply_error(r, &err);
        return;
    }
    bool ok = session_verify_password(rc == CREST_OK ? u.pwhash : dummy_hash, pw);
    jdec_free(&d); /* name and pw live in the document: done with both */
    if (rc != CREST_OK || !ok || u.disabled) {
        thr_fail(ku, now);
        thr_fail(ka, now);
        LOG_INFO("msg=\"login failed\" rid=%s addr=%s", r->rid, r->addr);
        crest_error_clear(&err);
        crest_error_set(&err, CREST_AUTH, "login_failed", NULL);
        http_reply_error(r, &err);
        return;
    }
    thr_clear(ku);
    char token[64], th[65], csrf[33];
    util_token(token, sizeof token, 32);
    util_sha256_hex(th, token, strlen(token));
    session_csrf_of(token, csrf);
    int ttl = http_cfg(r)->session_ttl_s;
    struct login_arg a = {&u, th, now + (int64_t)ttl * 1000};
    /* the user is not signed in yet: audit identifies them from the row */
    r->user.id = u.id;
    http_write(r, login_fn, &a);
    if (r->status && r->status != 200 && r->status != 201)
        return;
    set_cookie(r, token, ttl);
    json_t *j = json_object();
    json_object_set_new(j, "token", json_string(token));
    json_object_set_new(j, "csrf", json_string(csrf));
    json_object_set_new(j, "expires_ms", json_integer(a.expires));
    json_object_set_new(j, "username", json_string(u.username));
    json_object_set_new(j, "role", json_string(role_name(u.role)));
    json_object_set_new(j, "scope", json_string(u.scope));
    http_reply_json(r, 201, j);
    sodium_memzero(token, sizeof token);
}

static int logout_fn(struct db_conn *c, struct http_req *r, void *arg, struct crest_error *err)
{
    const char *th = arg;
    int rc = db_exec(c, err, NULL, "DELETE FROM sessions WHERE token_hash = ?", "s", th);
    if (rc)
        return rc;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)r->user.id);
    struct audit_entry e = {r->user.id,    r->user.username, role_name(r->user.role),
                            "logout",      "session",        id,
                            r->user.scope, r->addr};
    rc = audit_append(c, &e, err);
    if (rc == CREST_OK)
        http_reply_text(r, 204, "text/plain", "", 0);
    return rc;
}

void session_routes_logout(struct http_req *r)
{
    struct str tok = {NULL, 0};
    const char *ah = http_header(r, "Authorization");
    if (ah && strncasecmp(ah, "Bearer ", 7) == 0)
        tok = str_of(ah + 7);
    else
        http_cookie_find(http_header(r, "Cookie"), COOKIE, &tok);
    char th[65];
    util_sha256_hex(th, tok.p ? tok.p : "", tok.n);
    r->idem_key = NULL; /* sign-out is naturally idempotent */
    http_write(r, logout_fn, th);
    cache_clear_all();
    set_cookie(r, "", 0);
}

/* ---- the scope's region path, for /me ---- */

/* Every page load asks /me, and reading the path (six indexed lookups in a
 * read transaction) costs more than the rest of the request. The path changes
 * only when a community or grid on it is renamed, so it is kept rendered, per
 * scope, for CACHE_MS: a rename shows in the breadcrumb within that time, as a
 * disabled account does in the session cache. */
#define PATH_SLOTS 64
#define PATH_JSON_MAX 2048

struct pent {
    char scope[32];
    char json[PATH_JSON_MAX];
    size_t n;
    int64_t until;
};
static struct pent paths[PATH_SLOTS];
static pthread_mutex_t paths_mu = PTHREAD_MUTEX_INITIALIZER;

static unsigned pslot(const char *scope)
{
    unsigned h = 2166136261u;
    for (const char *p = scope; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h % PATH_SLOTS;
}

/* The scope region and its ancestors as a JSON array, root first; the text
 * lives in r's arena. NULL on a database error (err filled). */
static const char *scope_path(struct http_req *r, size_t *len, struct crest_error *err)
{
    const char *sc = r->user.scope;
    int64_t now = util_now_ms();
    struct pent *e = &paths[pslot(sc)];
    char *out = arena_alloc(&r->arena, PATH_JSON_MAX);
    bool hit = false;
    pthread_mutex_lock(&paths_mu);
    if (e->until > now && strcmp(e->scope, sc) == 0) {
        memcpy(out, e->json, e->n);
        *len = e->n;
        hit = true;
    }
    pthread_mutex_unlock(&paths_mu);
    if (hit)
        return out;
    /* Codes have 2/4/6/9/12/15 digits, so the ancestors are the scope's
     * prefixes of those lengths: six primary-key lookups, not a scan of every
     * region (`code = substr(?, 1, length(code))` read all ~90,000 rows). A
     * prefix sorts before its extensions, so ORDER BY code is root first and
     * comes free with the index. */
    struct db_conn *c = db_acquire(http_db(r));
    struct db_stmt *st = db_query(
        c, err,
        "SELECT code, name, level, name_en FROM regions WHERE code IN (substr(?, 1, 2), "
        "substr(?, 1, 4), substr(?, 1, 6), substr(?, 1, 9), substr(?, 1, 12), substr(?, 1, 15)) "
        "ORDER BY code",
        "ssssss", sc, sc, sc, sc, sc, sc);
    json_t *path = json_array();
    int rc = st ? 0 : -1;
    while (st && (rc = db_step(st, err)) == 1) {
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(db_col_text(st, 0)));
        json_object_set_new(o, "name", json_string(db_col_text(st, 1)));
        json_object_set_new(o, "level", json_string(db_col_text(st, 2)));
        if (!db_col_null(st, 3))
            json_object_set_new(o, "name_en", json_string(db_col_text(st, 3)));
        json_array_append_new(path, o);
    }
    db_finalize(st);
    db_release(http_db(r), c);
    char *s = rc < 0 ? NULL : json_dumps(path, JSON_COMPACT);
    json_decref(path);
    if (!s) {
        if (rc >= 0)
            crest_error_set(err, CREST_NOMEM, "internal", "rendering the region path");
        return NULL;
    }
    size_t n = strlen(s);
    if (n < PATH_JSON_MAX) {
        memcpy(out, s, n);
        pthread_mutex_lock(&paths_mu);
        str_copy(e->scope, sizeof e->scope, sc);
        memcpy(e->json, s, n);
        e->n = n;
        e->until = now + CACHE_MS;
        pthread_mutex_unlock(&paths_mu);
    } else { /* too long to keep (never with real names): serve it uncached */
        out = arena_strndup(&r->arena, s, n);
    }
    free(s);
    *len = n;
    return out;
}

/* s as a JSON string into b: quote, backslash and control characters
 * escaped, other bytes as they are (our text is UTF-8, validated on input). */
static int put_json_str(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    int rc = buf_append(b, "\"", 1);
    for (const char *p = s; rc == CREST_OK && *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            rc = buf_append(b, e, 2);
        } else if (ch < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            rc = buf_append(b, e, 6);
        } else {
            size_t n = 1; /* the run of plain bytes from here, in one append */
            while (p[n] && (unsigned char)p[n] >= 0x20 && p[n] != '"' && p[n] != '\\')
                n++;
            rc = buf_append(b, p, n);
            p += n - 1;
        }
    }
    return rc == CREST_OK ? buf_append(b, "\"", 1) : rc;
}

void session_routes_me(struct http_req *r)
{
    struct crest_error err;
    crest_error_clear(&err);
    size_t pn = 0;
    const char *path = scope_path(r, &pn, &err);
    if (!path) {
        http_reply_error(r, &err);
        return;
    }
    /* Written out by hand, not with jansson: every page asks for it, and
     * building and dumping a json_t cost as much as the rest of the request.
     * The same members in the same order as json_dumps(…, JSON_COMPACT). */
    struct buf *b = &r->resp;
    const struct auth_user *u = &r->user;
    buf_reset(b);
    int rc = buf_printf(b, "{\"id\":%lld,\"username\":", (long long)u->id);
    if (rc == CREST_OK)
        rc = put_json_str(b, u->username);
    if (rc == CREST_OK)
        rc = buf_puts(b, ",\"role\":");
    if (rc == CREST_OK)
        rc = put_json_str(b, role_name(u->role));
    if (rc == CREST_OK)
        rc = buf_puts(b, ",\"scope\":");
    if (rc == CREST_OK)
        rc = put_json_str(b, u->scope);
    if (rc == CREST_OK)
        rc = buf_puts(b, ",\"csrf\":");
    if (rc == CREST_OK)
        rc = put_json_str(b, u->csrf);
    if (rc == CREST_OK)
        rc = u->facility_id ? buf_printf(b, ",\"facility_id\":%lld", (long long)u->facility_id)
                            : buf_puts(b, ",\"facility_id\":null");
    if (rc == CREST_OK)
        rc = buf_puts(b, ",\"region_path\":");
    if (rc == CREST_OK)
        rc = buf_append(b, path, pn);
    if (rc == CREST_OK)
        rc = buf_puts(b, "}");
    if (rc != CREST_OK) {
        http_reply_problem(r, CREST_INTERNAL, "internal");
        return;
    }
    r->status = 200;
    r->ctype = "application/json; charset=utf-8";
}
