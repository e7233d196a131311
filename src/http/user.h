/*
 * user.h - the users table: accounts, argon2id password hashes, role, scope.
 * Used by the CLI (`crest user …`), the demo generator and session.c.
 */
#ifndef CREST_USER_H
#define CREST_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "../db/db.h"
#include "http.h"

/* SQL fragment: true when region column `col` lies in scope `?`. Bind the
 * scope once. Same test as auth_in_scope(). */
#define AUTH_SCOPE_SQL(col) "substr(" col ", 1, length(?)) = ?"

struct user_row {
    int64_t id;
    char username[64];
    enum role role;
    char scope[32];
    bool disabled;
    int64_t version;
    char pwhash[128];
};

/* Validate a username: 3..32 of [a-z0-9._-], starting with a letter or digit. */
bool user_name_valid(const char *name);
/* Add a user; the password is hashed here. CREST_CONFLICT if the name exists,
 * CREST_INVALID (field set) for a bad name/role/scope/password. */
int user_add(struct db *db, const char *name, const char *role, const char *scope,
             const char *password, int64_t *id_out, struct crest_error *err);
/* Same inside a write transaction (for the demo generator). pwhash precomputed. */
int user_upsert_tx(struct db_conn *c, const char *name, enum role role, const char *scope,
                   const char *pwhash, struct crest_error *err);
int user_passwd(struct db *db, const char *name, const char *password, struct crest_error *err);
/* Disable an account and end its sessions. */
int user_disable(struct db *db, const char *name, struct crest_error *err);
/* NULL-terminated walk: calls fn for each user ordered by name. */
int user_list(struct db *db, void (*fn)(const struct user_row *, void *), void *arg,
              struct crest_error *err);
/* CREST_NOTFOUND when absent. */
int user_get_by_name(struct db_conn *c, const char *name, struct user_row *out,
                     struct crest_error *err);
/* Password policy: 10..128 bytes. */
bool user_password_ok(const char *pw);

#endif
