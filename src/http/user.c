/* user.c - user accounts in the database; see user.h. */
#include "user.h"

#include "../base/str.h"
#include <stdio.h>
#include <string.h>

#include "../base/util.h"
#include "../db/audit.h"

bool user_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  (i > 0 && (c == '.' || c == '_' || c == '-'));
        if (!ok)
            return false;
    }
    return true;
}

bool user_password_ok(const char *pw)
{
    return strlen(pw) >= 10 && strlen(pw) <= 128;
}

static int region_exists(struct db_conn *c, const char *code, struct crest_error *err)
{
    struct db_stmt *st = db_query(c, err, "SELECT 1 FROM regions WHERE code = ?", "s", code);
    if (!st)
        return -1;
    int r = db_step(st, err);
    db_finalize(st);
    return r;
}

/* Accounts are managed from the command line: the audit row names the
 * account and says it came from there. */
static int audit_cli(struct db_conn *c, const char *action, const char *name, const char *region,
                     struct crest_error *err)
{
    struct audit_entry e = {0, "-", "cli", action, "user", name, region, "cli"};
    return audit_append(c, &e, err);
}

struct add_arg {
    const char *name, *scope, *pwhash;
    enum role role;
    int64_t id;
};

static int add_fn(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct add_arg *a = arg;
    int r = region_exists(c, a->scope, err);
    if (r < 0)
        return err->code;
    if (r == 0)
        return crest_error_field(err, "scope", "unknown", "region_not_found", NULL);
    int64_t now = util_now_ms();
    struct db_stmt *st =
        db_query(c, err,
                 "INSERT INTO users (username, pwhash, role, scope, disabled, version, created_ms, "
                 "updated_ms) VALUES (?, ?, ?, ?, 0, 1, ?, ?) RETURNING id",
                 "ssssii", a->name, a->pwhash, role_name(a->role), a->scope, now, now);
    if (!st)
        return err->code;
    r = db_step(st, err);
    if (r == 1)
        a->id = db_col_int(st, 0);
    db_finalize(st);
    if (r < 0 && err->code == CREST_CONFLICT)
        return crest_error_field(err, "username", "exists", "conflict_exists", NULL);
    if (r != 1)
        return err->code;
    return audit_cli(c, "create", a->name, a->scope, err);
}

int user_add(struct db *db, const char *name, const char *role, const char *scope,
             const char *password, int64_t *id_out, struct crest_error *err)
{
    crest_error_clear(err);
    int rl = role_parse(role);
    if (!user_name_valid(name))
        crest_error_field(err, "username", "invalid", "field_range", "3-32 a-z 0-9 . _ -");
    if (rl < 0)
        crest_error_field(err, "role", "invalid", "field_range",
                          "admin commander hospital clinic grid pharmacy insurer venue "
                          "vaccinator resident");
    if (!scope || !str_all_digits(str_of(scope)))
        crest_error_field(err, "scope", "invalid", "region_code_invalid", scope);
    if (!user_password_ok(password))
        crest_error_field(err, "password", "invalid", "field_too_short", "10");
    if (err->code)
        return err->code;
    char hash[128];
    if (session_hash_password(password, hash) != 0)
        return crest_error_set(err, CREST_NOMEM, "internal", "password hashing failed");
    struct add_arg a = {name, scope, hash, (enum role)rl, 0};
    int rc = db_write(db, add_fn, &a, err);
    if (rc == CREST_OK && id_out)
        *id_out = a.id;
    return rc;
}

int user_upsert_tx(struct db_conn *c, const char *name, enum role role, const char *scope,
                   const char *pwhash, struct crest_error *err)
{
    int64_t now = util_now_ms();
    return db_exec(c, err, NULL,
                   "INSERT INTO users (username, pwhash, role, scope, disabled, version, "
                   "created_ms, updated_ms) VALUES (?, ?, ?, ?, 0, 1, ?, ?) "
                   "ON CONFLICT (username) DO UPDATE SET pwhash = excluded.pwhash, role = "
                   "excluded.role, scope = excluded.scope, disabled = 0, version = "
                   "users.version + 1, updated_ms = excluded.updated_ms",
                   "ssssii", name, pwhash, role_name(role), scope, now, now);
}

struct pw_arg {
    const char *name, *pwhash;
    bool disable;
};

static int pw_fn(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct pw_arg *a = arg;
    int64_t n = 0;
    int rc;
    if (a->disable)
        rc = db_exec(c, err, &n,
                     "UPDATE users SET disabled = 1, version = version + 1, updated_ms = ? "
                     "WHERE username = ?",
                     "is", util_now_ms(), a->name);
    else
        rc = db_exec(c, err, &n,
                     "UPDATE users SET pwhash = ?, version = version + 1, updated_ms = ? "
                     "WHERE username = ?",
                     "sis", a->pwhash, util_now_ms(), a->name);
    if (rc)
        return rc;
    if (n == 0)
        return crest_error_field(err, "username", "unknown", "not_found", NULL);
    /* a new password or a disabled account ends every open session */
    rc = db_exec(c, err, NULL,
                 "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = ?)",
                 "s", a->name);
    if (rc)
        return rc;
    return audit_cli(c, a->disable ? "disable" : "passwd", a->name, "", err);
}

int user_passwd(struct db *db, const char *name, const char *password, struct crest_error *err)
{
    crest_error_clear(err);
    if (!user_password_ok(password))
        return crest_error_field(err, "password", "invalid", "field_too_short", "10");
    char hash[128];
    if (session_hash_password(password, hash) != 0)
        return crest_error_set(err, CREST_NOMEM, "internal", "password hashing failed");
    struct pw_arg a = {name, hash, false};
    return db_write(db, pw_fn, &a, err);
}

int user_disable(struct db *db, const char *name, struct crest_error *err)
{
    struct pw_arg a = {name, NULL, true};
    return db_write(db, pw_fn, &a, err);
}

static void fill(struct db_stmt *st, struct user_row *u)
{
    u->id = db_col_int(st, 0);
    str_copy(u->username, sizeof u->username, db_col_text(st, 1));
    int rl = role_parse(db_col_text(st, 2));
    u->role = rl < 0 ? ROLE_RESIDENT : (enum role)rl;
    str_copy(u->scope, sizeof u->scope, db_col_text(st, 3));
    u->disabled = db_col_int(st, 4) != 0;
    u->version = db_col_int(st, 5);
    str_copy(u->pwhash, sizeof u->pwhash, db_col_text(st, 6));
}

#define USER_COLS "id, username, role, scope, disabled, version, pwhash"

int user_list(struct db *db, void (*fn)(const struct user_row *, void *), void *arg,
              struct crest_error *err)
{
    crest_error_clear(err);
    struct db_conn *c = db_acquire(db);
    struct db_stmt *st =
        db_query(c, err, "SELECT " USER_COLS " FROM users ORDER BY username", NULL);
    int r = -1;
    if (st) {
        struct user_row u;
        while ((r = db_step(st, err)) == 1) {
            fill(st, &u);
            fn(&u, arg);
        }
        db_finalize(st);
    }
    db_release(db, c);
    return r == 0 ? CREST_OK : err->code;
}

int user_get_by_name(struct db_conn *c, const char *name, struct user_row *out,
                     struct crest_error *err)
{
    struct db_stmt *st =
        db_query(c, err, "SELECT " USER_COLS " FROM users WHERE username = ?", "s", name);
    if (!st)
        return err->code;
    int r = db_step(st, err);
    if (r == 1)
        fill(st, out);
    db_finalize(st);
    if (r < 0)
        return err->code;
    return r == 1 ? CREST_OK : CREST_NOTFOUND;
}
