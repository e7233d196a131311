/*
 * policy.h - the policy pack: every number the seed sets (100,000 beds, 4 % +
 * 4 % ICU, 3 months of stock, 48 h tests, the booster groups and interval, …)
 * lives in a versioned JSON file (policy/zhejiang-2022-12.json), loaded and
 * validated once at start into these typed structs and immutable afterwards.
 * The next wave or another province is a new pack, not a new build.
 *
 * Validation is strict: unknown keys, wrong types and out-of-range values are
 * errors naming the JSON path ("capacity.icu_beds_min_pct"), so a typo in a
 * pack cannot silently fall back to a default. Pillars add their section's
 * fields here as they land.
 */
#ifndef CREST_POLICY_H
#define CREST_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

#define POLICY_MAX_LIST 16
#define POLICY_NAME 48

struct policy_list {
    int n;
    char item[POLICY_MAX_LIST][POLICY_NAME];
};

struct policy {
    char pack[64];
    int64_t version;
    char title_zh[128], title_en[128];
    char effective_from[11]; /* YYYY-MM-DD */
    struct {
        int64_t designated_beds_min;
        char designated_beds_deadline[11];
        struct policy_list icu_rule_hospitals;
        double icu_beds_min_pct, icu_convertible_min_pct;
        char icu_deadline[11];
        char fever_clinic_24h_min_level[16];
        int64_t report_stale_days;
    } capacity;
    struct {
        struct policy_list routine_test_groups;
        int64_t nursing_home_test_max_hours;
        struct policy_list venues_checking_certificate;
    } screening;
    struct {
        int64_t priority_min_age;
        struct policy_list second_booster_groups;
        int64_t second_booster_min_interval_days;
    } vaccine;
    struct {
        int64_t days_of_cover_target;
        /* supply pillar: 0 = the default (14 days, 12 donors, no limit, 60 days) */
        int64_t consumption_window_days; /* trailing mean of issues */
        int64_t candidate_donors;        /* k nearest donors per site in the plan */
        int64_t route_max_units;         /* most units on one route in one plan */
        int64_t expiry_warning_days;     /* batches expiring within this are listed */
    } supply;
    struct {
        int64_t elderly_min_age;
        struct policy_list special_needs;
        int64_t isolation_days; /* a new episode's planned end, unless given */
        /* community.grading: red / yellow / green, and how often each is
         * followed up (src/community/model.c) */
        struct {
            int64_t red_age_with_chronic_min;
            struct policy_list red_needs, yellow_needs;
            int64_t yellow_age_min, infant_max_age;
            double yellow_temp_min;
            int64_t followup_hours_red, followup_hours_yellow, followup_hours_green;
        } grading;
        /* community.warning: the home-treatment guidance's warning signs */
        struct {
            int64_t spo2_max, icu_spo2_max, fever_days;
            double fever_temp;
        } warning;
        /* community.requests: deadlines in hours per type, capped per grade */
        struct {
            int64_t hours_supplies, hours_livelihood, hours_health, hours_temporary_help,
                hours_medicine, max_hours_red, max_hours_yellow;
        } requests;
    } community;
    struct {
        bool chronic_diseases_illustrative;
        struct policy_list chronic_diseases;
        int64_t long_prescription_max_weeks;
    } telecare;
    /* queue pillar: fever-clinic tickets */
    struct {
        int64_t max_calls;                 /* calls before a no-show */
        struct policy_list priority_lanes; /* e.g. age_80_plus, pregnant, infant */
        double priority_share_pct;         /* most of the calls priority lanes may take */
        double travel_speed_kmh;           /* for travel time in the recommendation */
        char default_hours[16];            /* a fever room's hours unless its desk sets them */
        double default_service_min;        /* prior service time before any is measured */
        double ewma_alpha;                 /* weight of a new service time */
        int64_t overload_wait_min;         /* expected wait over this: "overloaded" */
    } queue;
};

/* Parse and validate a pack from memory. On failure returns CREST_INVALID
 * with one field error per problem (field = JSON path). */
int policy_parse(const char *json, size_t n, struct policy *out, struct crest_error *err);
/* Read a file and policy_parse it; CREST_IO when unreadable. When text is
 * not NULL it receives the file's contents (caller frees) on success. */
int policy_load(const char *path, struct policy *out, char **text, struct crest_error *err);

/* The pack in force: installed once at start (before any thread reads it),
 * immutable afterwards. NULL until installed. `json` is the pack's text,
 * served as is by GET /api/v1/policy. policy_install takes ownership of both. */
void policy_install(struct policy *p, char *json);
const struct policy *policy_current(void);
const char *policy_current_json(void);
void policy_uninstall(void);

/* GET /api/v1/policy (api.c) */
struct http_req;
void policy_api_get(struct http_req *r);

/* Is `name` in the list? */
bool policy_list_has(const struct policy_list *l, const char *name);

#endif
