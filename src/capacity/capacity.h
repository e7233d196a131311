/*
 * capacity.h - the capacity pillar (DESIGN.md §1): the facility registry every
 * pillar shares, daily bed/ICU/fever-clinic reports per hospital, and the
 * seed's targets (policy section `capacity`) evaluated per facility and
 * rolled up per region.
 *
 * model.c  pure rule evaluation: no I/O, no SQL, no allocation.
 * store.c  facilities, reports, compliance queries.
 * api.c    /api/v1/facilities, /api/v1/capacity/… handlers.
 */
#ifndef CREST_CAPACITY_H
#define CREST_CAPACITY_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/err.h"
#include "../policy/policy.h"

enum cap_kind {
    CAP_HOSPITAL = 0,
    CAP_FEVER_ROOM_TOWNSHIP,  /* 乡镇(街道)发热诊室 */
    CAP_FEVER_ROOM_COMMUNITY, /* 村(社区)发热诊室 */
    CAP_VACCINATION_POINT,
    CAP_PHARMACY,
    CAP_NURSING_HOME,
    CAP_WELFARE_HOME,
    CAP_SCHOOL,
    CAP_KINDERGARTEN,
    CAP_DEPOT, /* reserve depot (supply pillar) */
    CAP__KINDS
};

enum cap_level { CAP_LEVEL_NONE = 0, CAP_PRIMARY, CAP_SECONDARY, CAP_TERTIARY };
enum cap_category { CAP_CAT_NONE = 0, CAP_GENERAL, CAP_TCM, CAP_SPECIALTY };
enum cap_role { CAP_ROLE_NONE = 0, CAP_SUB_DESIGNATED, CAP_DESIGNATED };

const char *cap_kind_name(enum cap_kind k);
int cap_kind_parse(const char *s);
const char *cap_level_name(enum cap_level l);
int cap_level_parse(const char *s);
const char *cap_category_name(enum cap_category c);
int cap_category_parse(const char *s);
const char *cap_role_name(enum cap_role r);
int cap_role_parse(const char *s);

/* One day's report of a hospital. Counts are >= 0. */
struct cap_report {
    char date[11];
    int64_t open_beds, occupied_beds;
    int64_t icu_beds, icu_occupied, icu_convertible;
    bool fever_clinic, fever_24h;
    int64_t fever_visits, ventilators;
};

/* Field-by-field consistency of a report (occupied ≤ open, ICU ≤ beds, …).
 * Adds a field error per problem; returns CREST_OK or CREST_INVALID. */
int capacity_report_check(const struct cap_report *r, struct crest_error *err);

enum cap_rule {
    CAP_RULE_ICU = 0,         /* ICU beds ≥ p % of beds (tertiary general/TCM) */
    CAP_RULE_ICU_CONVERTIBLE, /* convertible ICU beds ≥ another p % */
    CAP_RULE_FEVER_24H,       /* secondary and above: fever clinic open 24 h */
    CAP_RULE_REPORTING,       /* reported within report_stale_days */
    CAP_RULE_DESIGNATED_BEDS, /* region: designated + sub-designated beds ≥ target */
    CAP__RULES
};
const char *cap_rule_name(enum cap_rule r);

enum cap_status { CAP_NA = 0, CAP_MET, CAP_NOT_MET, CAP_UNKNOWN /* no current report */ };
const char *cap_status_name(enum cap_status s);

struct cap_rule_result {
    enum cap_status status;
    int64_t have, need, gap; /* gap = need - have when not met, else 0 */
};

struct cap_facility_eval {
    bool stale;                /* no report within report_stale_days of as_of */
    int64_t days_since_report; /* -1 = never reported */
    struct cap_rule_result rule[CAP__RULES];
    bool failing; /* any applicable rule not met, or stale */
};

struct cap_facility_facts {
    enum cap_kind kind;
    enum cap_level level;
    enum cap_category category;
    enum cap_role role;
};

/* What a facility's kind requires of the rest: only hospitals have a level,
 * category and role; a hospital needs a level, a tertiary one a category.
 * Adds field errors, skipping fields that already have one (so a row report
 * lists each problem once). */
void capacity_facility_check(const struct cap_facility_facts *f, struct crest_error *err);

/* Days between two YYYY-MM-DD dates (b - a); false when either is malformed. */
bool capacity_days_between(const char *a, const char *b, int64_t *out);

/* Beds needed for pct % of beds, rounded up, computed in integers so that
 * exactly 4 % is met and 3.99 % is not. pct is the policy value (e.g. 4.0). */
int64_t capacity_pct_need(int64_t beds, double pct);

/* Evaluate one facility as of `as_of` with its latest report (NULL when it
 * never reported). Pure; fills out. */
void capacity_eval_facility(const struct cap_facility_facts *f, const struct cap_report *latest,
                            const char *as_of, const struct policy *p,
                            struct cap_facility_eval *out);

/* Region roll-up: the designated-beds rule for `beds` counted from current
 * reports; target applies to the province (2-digit region) unless the pack
 * sets per-city shares (not in the 2022-12 pack). */
void capacity_eval_designated(int64_t beds, bool province, const struct policy *p,
                              struct cap_rule_result *out);

/* ---- store.c ---- */
#include "../db/db.h"

struct cap_facility {
    int64_t id;
    char region[16];
    struct cap_facility_facts facts;
    char name[401];    /* up to 100 characters (api.c), 4 bytes each in UTF-8 */
    char address[801]; /* up to 200 characters */
    char phone[32];
    double lat, lon;
    bool has_geo;
    char opened[11]; /* "" when unknown */
    bool active;
    int64_t version;
};

/* Column lists and their row decoders, so every query reading facilities
 * or reports decodes them one way. capacity_report_fill reads CAP_REP_COLS
 * starting at column col. */
#define CAP_FAC_COLS                                                                               \
    "id, region, kind, level, category, role, name, address, phone, lat, lon, opened, active, "    \
    "version"
#define CAP_REP_COLS                                                                               \
    "date, open_beds, occupied_beds, icu_beds, icu_occupied, icu_convertible, fever_clinic, "      \
    "fever_24h, fever_visits, ventilators"
void capacity_facility_fill(struct db_stmt *st, struct cap_facility *f);
void capacity_report_fill(struct db_stmt *st, int col, struct cap_report *rep);

/* CREST_NOTFOUND when absent (the caller decides scope). */
int capacity_facility_get(struct db_conn *c, int64_t id, struct cap_facility *out,
                          struct crest_error *err);
int capacity_facility_insert(struct db_conn *c, struct cap_facility *f, struct crest_error *err);
/* Update all fields where version = f->version; CREST_PRECONDITION when stale. */
int capacity_facility_update(struct db_conn *c, struct cap_facility *f, struct crest_error *err);

/* Store a report for (facility, date). When one exists, if_match must be its
 * version (else CREST_CONFLICT when if_match < 0, CREST_PRECONDITION when
 * stale); the old row is kept, marked superseded. *version_out = the new
 * report's version. */
int capacity_report_put(struct db_conn *c, const struct cap_facility *f, const struct cap_report *r,
                        int64_t if_match, int64_t user_id, int64_t *version_out,
                        int64_t *current_version, struct crest_error *err);

/* Keep capacity_latest in step with a new current report (no-op when the
 * facility already has a later one). */
int capacity_latest_put(struct db_conn *c, int64_t facility_id, int64_t report_id,
                        const struct cap_report *r, struct crest_error *err);

/* The business date: the demo's scenario date when the database has one
 * (settings.scenario_date), else today (UTC). out needs 11 bytes. True when
 * it is the scenario date: the figures are the demo's, illustrative. */
bool capacity_today(struct db_conn *c, char out[11]);

/* Upper bound of a code prefix for index range scans: codes under P are
 * P <= code < upper(P). Codes are digits, so bump the last one ('9' → ':'). */
void capacity_prefix_upper(const char *prefix, char out[20]);

/* ---- demo.c ---- */
/* Facilities and a year of reports for the demo province (refreshes: the
 * previous demo facilities and reports are replaced). Runs inside the demo's
 * write transaction, after the regions and users exist. */
int capacity_demo(struct db_conn *c, double scale, uint64_t seed, int64_t *nfac, int64_t *nrep,
                  struct crest_error *err);

/* ---- api.c ---- */
struct http_req;
struct auth_user;
struct jdec;
#include <jansson.h>
/* Shared by api.c and io.c (JSON bodies and spreadsheet rows decode alike):
 * decode a facility's fields into f (create: the required ones must be
 * there), then the checks that need the whole facility. */
void capacity_facility_decode(struct jdec *d, struct cap_facility *f, bool create,
                              struct crest_error *err);

json_t *capacity_facility_json(const struct cap_facility *f);
/* CREST_OK when code exists and is in the caller's scope; else a field error. */
int capacity_region_in_scope(struct db_conn *c, struct http_req *r, const char *code,
                             const char *field, struct crest_error *err);
/* The same for a scope that is not a request's (the command line's --scope). */
int capacity_region_in_user_scope(struct db_conn *c, const struct auth_user *u, const char *code,
                                  const char *field, struct crest_error *err);
void capacity_api_facility_import(struct http_req *r);
void capacity_api_facility_export(struct http_req *r);
void capacity_api_gaps_xlsx(struct http_req *r);
void capacity_api_facility_list(struct http_req *r);
void capacity_api_facility_get(struct http_req *r);
void capacity_api_facility_create(struct http_req *r);
void capacity_api_facility_update(struct http_req *r);
void capacity_api_report_put(struct http_req *r);
void capacity_api_report_list(struct http_req *r);
void capacity_api_compliance(struct http_req *r);
void capacity_api_timeseries(struct http_req *r);
void capacity_api_measure_report(struct http_req *r);
void capacity_api_gaps_csv(struct http_req *r);

#endif
