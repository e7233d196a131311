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

/* The facility registry (shared by all pillars) and the capacity pillar's
 * daily reports. One current report per facility and date (partial unique
 * index); corrections keep the old row, superseded = 1. */
static const char capacity_v2[] =
    "CREATE TABLE facilities ("
    "  id $PK,"
    "  region TEXT NOT NULL REFERENCES regions(code),"
    "  kind TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  level TEXT NOT NULL DEFAULT 'none',"
    "  category TEXT NOT NULL DEFAULT 'none',"
    "  role TEXT NOT NULL DEFAULT 'none',"
    "  address TEXT,"
    "  phone TEXT,"
    "  lat $REAL,"
    "  lon $REAL,"
    "  opened TEXT,"
    "  active $INT NOT NULL DEFAULT 1,"
    "  version $INT NOT NULL DEFAULT 1,"
    "  created_ms $INT NOT NULL,"
    "  updated_ms $INT NOT NULL"
    ")$STRICT;"
    "CREATE INDEX facilities_region ON facilities(region, kind);"
    "ALTER TABLE users ADD COLUMN facility_id $INT REFERENCES facilities(id);"

    "CREATE TABLE capacity_reports ("
    "  id $PK,"
    "  facility_id $INT NOT NULL REFERENCES facilities(id),"
    "  region TEXT NOT NULL,"
    "  date TEXT NOT NULL,"
    "  open_beds $INT NOT NULL CHECK (open_beds >= 0),"
    "  occupied_beds $INT NOT NULL CHECK (occupied_beds >= 0),"
    "  icu_beds $INT NOT NULL CHECK (icu_beds >= 0),"
    "  icu_occupied $INT NOT NULL CHECK (icu_occupied >= 0),"
    "  icu_convertible $INT NOT NULL CHECK (icu_convertible >= 0),"
    "  fever_clinic $INT NOT NULL,"
    "  fever_24h $INT NOT NULL,"
    "  fever_visits $INT NOT NULL CHECK (fever_visits >= 0),"
    "  ventilators $INT NOT NULL CHECK (ventilators >= 0),"
    "  version $INT NOT NULL,"
    "  superseded $INT NOT NULL DEFAULT 0,"
    "  reported_by $INT NOT NULL,"
    "  reported_ms $INT NOT NULL"
    ")$STRICT;"
    "CREATE UNIQUE INDEX capacity_reports_current ON capacity_reports(facility_id, date) "
    "  WHERE superseded = 0;"
    "CREATE INDEX capacity_reports_region ON capacity_reports(region, date) WHERE superseded = 0;"

    /* small key/value settings, e.g. the demo's scenario date */
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)$STRICT;";

/* Roll-ups read every hospital of a region with its latest report. An index
 * led by kind that also holds what a roll-up shows reads 1,500 entries
 * instead of every facility's row; capacity_latest keeps each facility's
 * latest current report (maintained with each report), so the province's
 * compliance is one pass instead of 1,500 searches of a year of reports. */
static const char capacity_v3[] =
    "CREATE INDEX facilities_kind ON facilities(kind, region, active, id, name, level, category,"
    " role);"
    "CREATE TABLE capacity_latest ("
    "  facility_id $INT PRIMARY KEY REFERENCES facilities(id),"
    "  report_id $INT NOT NULL,"
    "  date TEXT NOT NULL,"
    "  open_beds $INT NOT NULL,"
    "  occupied_beds $INT NOT NULL,"
    "  icu_beds $INT NOT NULL,"
    "  icu_occupied $INT NOT NULL,"
    "  icu_convertible $INT NOT NULL,"
    "  fever_clinic $INT NOT NULL,"
    "  fever_24h $INT NOT NULL,"
    "  fever_visits $INT NOT NULL,"
    "  ventilators $INT NOT NULL"
    ")$STRICT;"
    "INSERT INTO capacity_latest SELECT r.facility_id, r.id, r.date, r.open_beds, "
    "r.occupied_beds, r.icu_beds, r.icu_occupied, r.icu_convertible, r.fever_clinic, "
    "r.fever_24h, r.fever_visits, r.ventilators FROM capacity_reports r WHERE r.superseded = 0 "
    "AND r.date = (SELECT max(x.date) FROM capacity_reports x WHERE x.facility_id = "
    "r.facility_id AND x.superseded = 0);";

/* An idempotent replay also repeats Location and ETag. */
static const char core_v4[] = "ALTER TABLE idempotency ADD COLUMN headers TEXT;";

/* queue pillar: fever clinics' hours and counters, tickets and their event
 * ledger. A ticket changes only with a queue_events row; queue_days keeps
 * each clinic's day: the next number, the priority streak, and how many wait
 * in each lane (so a new ticket's place is known without counting). One open
 * ticket per person: a partial unique index. */
static const char queue_v6[] =
    "CREATE TABLE queue_clinics ("
    "  facility_id $INT PRIMARY KEY REFERENCES facilities(id),"
    "  hours TEXT NOT NULL,"
    "  version $INT NOT NULL DEFAULT 1,"
    "  updated_ms $INT NOT NULL"
    ")$STRICT;"
    "CREATE TABLE queue_counters ("
    "  facility_id $INT NOT NULL REFERENCES facilities(id),"
    "  counter_no $INT NOT NULL,"
    "  is_open $INT NOT NULL,"
    "  ewma_s $REAL,"
    "  samples $INT NOT NULL DEFAULT 0,"
    "  ticket_id $INT,"
    "  updated_ms $INT NOT NULL,"
    "  PRIMARY KEY (facility_id, counter_no)"
    ")$STRICT;"
    "CREATE TABLE queue_days ("
    "  facility_id $INT NOT NULL REFERENCES facilities(id),"
    "  day TEXT NOT NULL,"
    "  next_no $INT NOT NULL,"
    "  streak $INT NOT NULL DEFAULT 0,"
    "  waiting_prio $INT NOT NULL DEFAULT 0,"
    "  waiting_ord $INT NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (facility_id, day)"
    ")$STRICT;"
    "CREATE TABLE queue_tickets ("
    "  id $PK,"
    "  facility_id $INT NOT NULL REFERENCES facilities(id),"
    "  region TEXT NOT NULL,"
    "  day TEXT NOT NULL,"
    "  no $INT NOT NULL,"
    "  label TEXT NOT NULL,"
    "  lane TEXT NOT NULL,"
    "  prio $INT NOT NULL,"
    "  seq $INT NOT NULL,"
    "  person TEXT,"
    "  user_id $INT,"
    "  source TEXT NOT NULL CHECK (source IN ('online','desk')),"
    "  lat $REAL,"
    "  lon $REAL,"
    "  state TEXT NOT NULL,"
    "  calls $INT NOT NULL DEFAULT 0,"
    "  counter_no $INT,"
    "  issued_ms $INT NOT NULL,"
    "  called_ms $INT,"
    "  started_ms $INT,"
    "  done_ms $INT,"
    "  est_wait_s $REAL,"
    "  version $INT NOT NULL DEFAULT 1"
    ")$STRICT;"
    /* A new ticket touches as few index pages as possible (each is a random
     * page per clinic in the WAL): the queue's own index, which also serves
     * every (clinic, day) scan; the open-ticket rule only for tickets with a
     * person; called tickets only once called. Numbers are unique per clinic
     * and day by construction (queue_days.next_no). */
    "CREATE UNIQUE INDEX queue_tickets_open ON queue_tickets(person) "
    "  WHERE person IS NOT NULL AND state IN ('waiting','called','serving');"
    "CREATE INDEX queue_tickets_queue ON queue_tickets(facility_id, day, state, prio, seq);"
    "CREATE INDEX queue_tickets_called ON queue_tickets(facility_id, day, called_ms) "
    "  WHERE called_ms IS NOT NULL;"
    "CREATE TABLE queue_events ("
    "  id $PK,"
    "  ticket_id $INT NOT NULL REFERENCES queue_tickets(id),"
    "  facility_id $INT NOT NULL,"
    "  at_ms $INT NOT NULL,"
    "  event TEXT NOT NULL,"
    "  from_state TEXT,"
    "  to_state TEXT NOT NULL,"
    "  counter_no $INT,"
    "  user_id $INT NOT NULL"
    ")$STRICT;"
    "CREATE INDEX queue_events_ticket ON queue_events(ticket_id);";

const struct db_migration db_migrations[] = {
    {1, "core: regions, users, sessions, audit, idempotency", core_v1},
    {2, "capacity: facilities, capacity_reports, settings", capacity_v2},
    {3, "capacity: facilities by kind and region", capacity_v3},
    {4, "core: idempotency replays headers", core_v4},
    {6, "queue: clinics, counters, tickets, events", queue_v6}, /* queue pillar */
    {0, NULL, NULL},
};
