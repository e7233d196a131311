/*
 * audit.h - the hash-chained audit log. Every write, and every read of a
 * person's record, appends a row in the same transaction as the change; each
 * row carries the hash of the row before it, so deleting or editing any row
 * breaks the chain at that point, and `crest audit verify` finds it.
 *
 * On SQLite appends are serialised by the single writer; on PostgreSQL by a
 * transaction-scoped advisory lock taken just before the insert (held only
 * until the commit, so it never blocks a request for long).
 */
#ifndef CREST_AUDIT_H
#define CREST_AUDIT_H

#include <stdint.h>

#include "db.h"

struct audit_entry {
    int64_t user_id;      /* 0 for the system / CLI */
    const char *username; /* "-" for none */
    const char *role;
    const char *action; /* "create", "update", "delete", "read", "login", … */
    const char *entity; /* "region", "user", "session", … */
    const char *entity_id;
    const char *region; /* region code the row belongs to, may be NULL */
    const char *addr;   /* client address, "cli" for the command line */
};

int audit_append(struct db_conn *c, const struct audit_entry *e, struct crest_error *err);

struct audit_report {
    int64_t rows;
    int64_t first_bad_id; /* 0 when the chain is intact */
    int64_t last_id;
    char last_hash[65];
    char reason[128];
};
/* Walk the chain from the start. CREST_OK with first_bad_id = 0 when intact. */
int audit_verify(struct db *db, struct audit_report *out, struct crest_error *err);

#endif
