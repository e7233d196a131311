/*
 * migrations.c - crest's schema, one migration per step, never edited after
 * release. Macros: $PK auto primary key, $INT 64-bit integer, $REAL, $STRICT.
 * Times are UTC milliseconds; region codes in prefix form (src/region).
 */
#include <stddef.h>

#include "migrations.h"

static const char core_v1[] =
    "CREATE TABLE regions ("
    "  code TEXT PRIMARY KEY,"
    "  parent TEXT REFERENCES regions(code),"
    "  level TEXT NOT NULL CHECK (level IN ('province','city','county','township','community',"
    "'grid')),"
    "  name TEXT NOT NULL,"
    "  name_en TEXT,"
    "  kind TEXT,"
    "  population $INT,"
    "  population_source TEXT,"
    "  version $INT NOT NULL DEFAULT 1,"
    "  created_ms $INT NOT NULL,"
    "  updated_ms $INT NOT NULL"
    ")$STRICT;"
    "CREATE INDEX regions_parent ON regions(parent);"

    "CREATE TABLE users ("
    "  id $PK,"
    "  username TEXT NOT NULL UNIQUE,"
    "  pwhash TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  scope TEXT NOT NULL REFERENCES regions(code),"
    "  disabled $INT NOT NULL DEFAULT 0,"
    "  version $INT NOT NULL DEFAULT 1,"
    "  created_ms $INT NOT NULL,"
    "  updated_ms $INT NOT NULL"
    ")$STRICT;"

    "CREATE TABLE sessions ("
    "  token_hash TEXT PRIMARY KEY,"
    "  user_id $INT NOT NULL REFERENCES users(id),"
    "  created_ms $INT NOT NULL,"
    "  expires_ms $INT NOT NULL,"
    "  addr TEXT"
    ")$STRICT;"
    "CREATE INDEX sessions_user ON sessions(user_id);"

    "CREATE TABLE audit ("
    "  id $INT PRIMARY KEY,"
    "  at_ms $INT NOT NULL,"
    "  user_id $INT NOT NULL,"
    "  username TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  entity TEXT NOT NULL,"
    "  entity_id TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  addr TEXT NOT NULL,"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL"
    ")$STRICT;"
    "CREATE INDEX audit_region ON audit(region, id);"

    "CREATE TABLE idempotency ("
    "  user_id $INT NOT NULL,"
    "  idem_key TEXT NOT NULL,"
    "  method TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  req_hash TEXT NOT NULL,"
    "  status $INT NOT NULL,"
    "  content_type TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  created_ms $INT NOT NULL,"
    "  PRIMARY KEY (user_id, idem_key)"
    ")$STRICT;"
    "CREATE INDEX idempotency_created ON idempotency(created_ms);";

const struct db_migration db_migrations[] = {
    {1, "core: regions, users, sessions, audit, idempotency", core_v1},
    {0, NULL, NULL},
};
