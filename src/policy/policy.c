/*
 * policy.c - loads and validates a policy pack into struct policy; see
 * policy.h. A small schema table per section drives the checks so each new
 * field is one line.
 */
#include "policy.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/str.h"

enum kind { K_INT, K_PCT, K_DATE, K_STR, K_LIST, K_BOOL, K_OBJ };

struct spec {
    const char *key;
    enum kind kind;
    size_t off; /* offset in struct policy */
    size_t cap; /* for strings */
    int64_t min, max;
    bool required;
};

#define OFF(f) offsetof(struct policy, f)
#define STRF(f) OFF(f), sizeof(((struct policy *)0)->f)

static const struct spec capacity_spec[] = {
    {"designated_beds_min", K_INT, OFF(capacity.designated_beds_min), 0, 0, 10000000, true},
    {"designated_beds_deadline", K_DATE, STRF(capacity.designated_beds_deadline), 0, 0, true},
    {"icu_rule_hospitals", K_LIST, OFF(capacity.icu_rule_hospitals), 0, 1, POLICY_MAX_LIST, true},
    {"icu_beds_min_pct", K_PCT, OFF(capacity.icu_beds_min_pct), 0, 0, 100, true},
    {"icu_convertible_min_pct", K_PCT, OFF(capacity.icu_convertible_min_pct), 0, 0, 100, true},
    {"icu_deadline", K_DATE, STRF(capacity.icu_deadline), 0, 0, true},
    {"fever_clinic_24h_min_level", K_STR, STRF(capacity.fever_clinic_24h_min_level), 0, 0, true},
    {"report_stale_days", K_INT, OFF(capacity.report_stale_days), 0, 1, 365, true},
    {NULL, 0, 0, 0, 0, 0, false},
};

static const struct spec screening_spec[] = {
    {"routine_test_groups", K_LIST, OFF(screening.routine_test_groups), 0, 0, POLICY_MAX_LIST,
     true},
    {"venue_negative_test_max_hours", K_INT, OFF(screening.nursing_home_test_max_hours), 0, 1,
     24 * 30, true}, /* an object {"nursing_home": H}; see section() */
    {"venues_checking_certificate", K_LIST, OFF(screening.venues_checking_certificate), 0, 0,
     POLICY_MAX_LIST, true},
    {NULL, 0, 0, 0, 0, 0, false},
};

static const struct spec vaccine_spec[] = {
    {"priority_min_age", K_INT, OFF(vaccine.priority_min_age), 0, 0, 120, true},
    {"second_booster_groups", K_LIST, OFF(vaccine.second_booster_groups), 0, 1, POLICY_MAX_LIST,
     true},
    {"second_booster_min_interval_days", K_INT, OFF(vaccine.second_booster_min_interval_days), 0, 1,
     3650, true},
    {NULL, 0, 0, 0, 0, 0, false},
};

static const struct spec supply_spec[] = {
    {"days_of_cover_target", K_INT, OFF(supply.days_of_cover_target), 0, 1, 3650, true},
    /* supply pillar: optional, 0 = default */
    {"consumption_window_days", K_INT, OFF(supply.consumption_window_days), 0, 0, 365, false},
    {"candidate_donors", K_INT, OFF(supply.candidate_donors), 0, 0, 200, false},
    {"route_max_units", K_INT, OFF(supply.route_max_units), 0, 0, 1000000000, false},
    {"expiry_warning_days", K_INT, OFF(supply.expiry_warning_days), 0, 0, 3650, false},
    {NULL, 0, 0, 0, 0, 0, false},
};

#define GR(f) OFF(community.grading.f)
static const struct spec community_grading_spec[] = {
    {"red_age_with_chronic_min", K_INT, GR(red_age_with_chronic_min), 0, 0, 150, true},
    {"red_needs", K_LIST, GR(red_needs), 0, 0, POLICY_MAX_LIST, true},
    {"yellow_age_min", K_INT, GR(yellow_age_min), 0, 0, 150, true},
    {"yellow_needs", K_LIST, GR(yellow_needs), 0, 0, POLICY_MAX_LIST, true},
    {"yellow_temp_min", K_PCT, GR(yellow_temp_min), 0, 35, 43, true},
    {"infant_max_age", K_INT, GR(infant_max_age), 0, 0, 18, true},
    {"followup_hours_red", K_INT, GR(followup_hours_red), 0, 1, 168, true},
    {"followup_hours_yellow", K_INT, GR(followup_hours_yellow), 0, 1, 168, true},
    {"followup_hours_green", K_INT, GR(followup_hours_green), 0, 1, 168, true},
    {NULL, 0, 0, 0, 0, 0, false},
};
#define WA(f) OFF(community.warning.f)
static const struct spec community_warning_spec[] = {
    {"spo2_max", K_INT, WA(spo2_max), 0, 50, 100, true},
    {"icu_spo2_max", K_INT, WA(icu_spo2_max), 0, 50, 100, true},
    {"fever_temp", K_PCT, WA(fever_temp), 0, 35, 43, true},
    {"fever_days", K_INT, WA(fever_days), 0, 1, 30, true},
    {NULL, 0, 0, 0, 0, 0, false},
};
#define RQ(f) OFF(community.requests.f)
static const struct spec community_requests_spec[] = {
    {"hours_supplies", K_INT, RQ(hours_supplies), 0, 1, 720, true},
    {"hours_livelihood", K_INT, RQ(hours_livelihood), 0, 1, 720, true},
    {"hours_health", K_INT, RQ(hours_health), 0, 1, 720, true},
    {"hours_temporary_help", K_INT, RQ(hours_temporary_help), 0, 1, 720, true},
    {"hours_medicine", K_INT, RQ(hours_medicine), 0, 1, 720, true},
    {"max_hours_red", K_INT, RQ(max_hours_red), 0, 1, 720, true},
    {"max_hours_yellow", K_INT, RQ(max_hours_yellow), 0, 1, 720, true},
    {NULL, 0, 0, 0, 0, 0, false},
};

/* K_OBJ fields: the nested object's path and its own spec table */
static const struct {
    const char *path;
    const struct spec *spec;
} nested[] = {
    {"community.grading", community_grading_spec},
    {"community.warning", community_warning_spec},
    {"community.requests", community_requests_spec},
};

static const struct spec community_spec[] = {
    {"elderly_min_age", K_INT, OFF(community.elderly_min_age), 0, 0, 120, true},
    {"special_needs", K_LIST, OFF(community.special_needs), 0, 0, POLICY_MAX_LIST, true},
    {"isolation_days", K_INT, OFF(community.isolation_days), 0, 1, 60, true},
    {"grading", K_OBJ, 0, 0, 0, 0, true},
    {"warning", K_OBJ, 0, 0, 0, 0, true},
    {"requests", K_OBJ, 0, 0, 0, 0, true},
    {NULL, 0, 0, 0, 0, 0, false},
};

static const struct spec telecare_spec[] = {
    {"chronic_diseases_illustrative", K_BOOL, OFF(telecare.chronic_diseases_illustrative), 0, 0, 0,
     false},
    {"chronic_diseases", K_LIST, OFF(telecare.chronic_diseases), 0, 0, POLICY_MAX_LIST, true},
    {"long_prescription_max_weeks", K_INT, OFF(telecare.long_prescription_max_weeks), 0, 1, 52,
     true},
    {NULL, 0, 0, 0, 0, 0, false},
};

/* queue pillar */
static const struct spec queue_spec[] = {
    {"max_calls", K_INT, OFF(queue.max_calls), 0, 1, 10, true},
    {"priority_lanes", K_LIST, OFF(queue.priority_lanes), 0, 0, POLICY_MAX_LIST, true},
    {"priority_share_pct", K_PCT, OFF(queue.priority_share_pct), 0, 0, 95, true},
    {"travel_speed_kmh", K_PCT, OFF(queue.travel_speed_kmh), 0, 1, 200, true},
    {"default_hours", K_STR, STRF(queue.default_hours), 0, 0, true},
    {"default_service_min", K_PCT, OFF(queue.default_service_min), 0, 1, 120, true},
    {"ewma_alpha", K_PCT, OFF(queue.ewma_alpha), 0, 0, 1, true},
    {"overload_wait_min", K_INT, OFF(queue.overload_wait_min), 0, 1, 1440, true},
    {NULL, 0, 0, 0, 0, 0, false},
};

static const struct {
    const char *name;
    const struct spec *spec;
} sections[] = {
    {"capacity", capacity_spec}, {"screening", screening_spec}, {"vaccine", vaccine_spec},
    {"supply", supply_spec},     {"community", community_spec}, {"telecare", telecare_spec},
    {"queue", queue_spec}, /* queue pillar */
};

static void ferr(struct crest_error *e, const char *sec, const char *key, const char *code,
                 const char *msgkey, const char *arg)
{
    char path[64];
    snprintf(path, sizeof path, "%s%s%s", sec ? sec : "", sec ? "." : "", key);
    crest_error_field(e, path, code, msgkey, arg);
}

static bool date_ok(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* A list item is a snake_case identifier: the code keys later pillars match on. */
static bool ident_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= POLICY_NAME)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

static void section(json_t *obj, const char *sec, const struct spec *spec, struct policy *p,
                    struct crest_error *e);

static void field(json_t *v, const char *sec, const struct spec *sp, struct policy *p,
                  struct crest_error *e)
{
    char *base = (char *)p + sp->off;
    char arg[64];
    snprintf(arg, sizeof arg, "%lld..%lld", (long long)sp->min, (long long)sp->max);
    switch (sp->kind) {
    case K_OBJ: {
        /* a nested object ("community.grading"): its own fields, same rules */
        char path[64];
        snprintf(path, sizeof path, "%s.%s", sec, sp->key);
        for (size_t i = 0; i < sizeof nested / sizeof nested[0]; i++)
            if (strcmp(nested[i].path, path) == 0)
                section(v, path, nested[i].spec, p, e);
        return;
    }
    case K_INT:
        if (!json_is_integer(v))
            return ferr(e, sec, sp->key, "type", "field_not_integer", NULL);
        if (json_integer_value(v) < sp->min || json_integer_value(v) > sp->max)
            return ferr(e, sec, sp->key, "range", "field_range", arg);
        *(int64_t *)(void *)base = json_integer_value(v);
        return;
    case K_PCT:
        if (!json_is_number(v))
            return ferr(e, sec, sp->key, "type", "field_not_number", NULL);
        if (json_number_value(v) < (double)sp->min || json_number_value(v) > (double)sp->max)
            return ferr(e, sec, sp->key, "range", "field_range", arg);
        *(double *)(void *)base = json_number_value(v);
        return;
    case K_BOOL:
        if (!json_is_boolean(v))
            return ferr(e, sec, sp->key, "type", "field_not_boolean", NULL);
        *(bool *)(void *)base = json_is_true(v);
        return;
    case K_DATE:
    case K_STR:
        if (!json_is_string(v))
            return ferr(e, sec, sp->key, "type", "field_not_string", NULL);
        if (sp->kind == K_DATE && !date_ok(json_string_value(v)))
            return ferr(e, sec, sp->key, "format", "field_date", NULL);
        if (strlen(json_string_value(v)) >= sp->cap)
            return ferr(e, sec, sp->key, "too_long", "field_too_long", NULL);
        str_copy(base, sp->cap, json_string_value(v));
        return;
    case K_LIST: {
        struct policy_list *l = (struct policy_list *)(void *)base;
        if (!json_is_array(v))
            return ferr(e, sec, sp->key, "type", "field_not_list", NULL);
        if ((int64_t)json_array_size(v) < sp->min || (int64_t)json_array_size(v) > sp->max)
            return ferr(e, sec, sp->key, "range", "field_range", arg);
        l->n = 0;
        size_t i;
        json_t *it;
        json_array_foreach(v, i, it)
        {
            if (!json_is_string(it) || !ident_ok(json_string_value(it))) {
                char k[48];
                snprintf(k, sizeof k, "%s[%zu]", sp->key, i);
                ferr(e, sec, k, "format", "field_identifier", NULL);
                continue;
            }
            if (policy_list_has(l, json_string_value(it))) {
                char k[48];
                snprintf(k, sizeof k, "%s[%zu]", sp->key, i);
                ferr(e, sec, k, "duplicate", "field_duplicate", NULL);
                continue;
            }
            str_copy(l->item[l->n++], POLICY_NAME, json_string_value(it));
        }
        return;
    }
    }
}

static void section(json_t *obj, const char *sec, const struct spec *spec, struct policy *p,
                    struct crest_error *e)
{
    if (!json_is_object(obj))
        return ferr(e, NULL, sec, "type", "field_not_object", NULL);
    for (const struct spec *sp = spec; sp->key; sp++) {
        json_t *v = json_object_get(obj, sp->key);
        if (!v) {
            if (sp->required)
                ferr(e, sec, sp->key, "required", "field_required", NULL);
            continue;
        }
        if (strcmp(sp->key, "venue_negative_test_max_hours") == 0) {
            /* per-venue limits: only nursing homes have one in this pack */
            json_t *nh = json_is_object(v) ? json_object_get(v, "nursing_home") : NULL;
            if (!nh || json_object_size(v) != 1) {
                ferr(e, sec, sp->key, "type", "field_not_object", NULL);
                continue;
            }
            v = nh;
        }
        field(v, sec, sp, p, e);
    }
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        bool known = false;
        for (const struct spec *sp = spec; sp->key && !known; sp++)
            known = strcmp(sp->key, k) == 0;
        if (!known)
            ferr(e, sec, k, "unknown", "field_unknown", NULL);
    }
}

int policy_parse(const char *json, size_t n, struct policy *p, struct crest_error *e)
{
    crest_error_clear(e);
    memset(p, 0, sizeof *p);
    json_error_t je;
    json_t *root = json_loadb(json, n, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char where[64];
        snprintf(where, sizeof where, "%d:%d", je.line, je.column);
        return crest_error_field(e, "body", "malformed", "body_malformed", where);
    }
    if (!json_is_object(root)) {
        json_decref(root);
        return crest_error_field(e, "body", "type", "body_not_object", NULL);
    }
    static const char *const meta[] = {"pack", "version", "title", "effective_from", "sources"};
    json_t *v;
    /* pack names are like zhejiang-2022-12: lower-case letters, digits, '-' */
    const char *pack = json_string_value(json_object_get(root, "pack"));
    bool pack_ok = pack && strlen(pack) > 0 && strlen(pack) < sizeof p->pack;
    for (const char *c = pack; pack_ok && *c; c++)
        pack_ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-';
    if (!pack_ok)
        ferr(e, NULL, "pack", "format", "field_identifier", NULL);
    else
        str_copy(p->pack, sizeof p->pack, pack);
    v = json_object_get(root, "version");
    if (!json_is_integer(v) || json_integer_value(v) < 1)
        ferr(e, NULL, "version", "type", "field_not_integer", NULL);
    else
        p->version = json_integer_value(v);
    v = json_object_get(root, "title");
    json_t *zh = json_object_get(v, "zh"), *en = json_object_get(v, "en");
    if (!json_is_object(v) || !json_is_string(zh) || !json_is_string(en) ||
        json_object_size(v) != 2)
        ferr(e, NULL, "title", "type", "field_title", NULL);
    else {
        str_copy(p->title_zh, sizeof p->title_zh, json_string_value(zh));
        str_copy(p->title_en, sizeof p->title_en, json_string_value(en));
    }
    v = json_object_get(root, "effective_from");
    if (!json_is_string(v) || !date_ok(json_string_value(v)))
        ferr(e, NULL, "effective_from", "format", "field_date", NULL);
    else
        str_copy(p->effective_from, sizeof p->effective_from, json_string_value(v));
    v = json_object_get(root, "sources");
    if (v && !json_is_array(v))
        ferr(e, NULL, "sources", "type", "field_not_list", NULL);
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        json_t *s = json_object_get(root, sections[i].name);
        if (!s)
            ferr(e, NULL, sections[i].name, "required", "field_required", NULL);
        else
            section(s, sections[i].name, sections[i].spec, p, e);
    }
    /* queue pillar: hours are "HH:MM-HH:MM" or "24h" (src/queue parses them) */
    const char *dh = p->queue.default_hours;
    if (dh[0] && strcmp(dh, "24h") != 0 &&
        !(strlen(dh) == 11 && dh[2] == ':' && dh[5] == '-' && dh[8] == ':' &&
          strspn(dh, "0123456789:-") == 11))
        ferr(e, "queue", "default_hours", "format", "field_hours", NULL);
    const char *k;
    json_object_foreach(root, k, v)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof meta / sizeof meta[0] && !known; i++)
            known = strcmp(meta[i], k) == 0;
        for (size_t i = 0; i < sizeof sections / sizeof sections[0] && !known; i++)
            known = strcmp(sections[i].name, k) == 0;
        if (!known)
            ferr(e, NULL, k, "unknown", "field_unknown", NULL);
    }
    json_decref(root);
    return e->code;
}

static struct policy *installed;
static char *installed_json;

void policy_install(struct policy *p, char *json)
{
    policy_uninstall();
    installed = p;
    installed_json = json;
}

void policy_uninstall(void)
{
    free(installed);
    free(installed_json);
    installed = NULL;
    installed_json = NULL;
}

const struct policy *policy_current(void)
{
    return installed;
}
const char *policy_current_json(void)
{
    return installed_json;
}

int policy_load(const char *path, struct policy *out, char **text, struct crest_error *err)
{
    crest_error_clear(err);
    FILE *f = fopen(path, "rb");
    if (!f)
        return crest_error_set(err, CREST_IO, "policy_open", "cannot open policy pack %s", path);
    struct buf b;
    buf_init(&b, 4 << 20);
    char chunk[16384];
    size_t got;
    int rc = CREST_OK;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, got) != CREST_OK) {
            rc = crest_error_set(err, CREST_TOOBIG, "policy_open", "policy pack %s over 4 MiB",
                                 path);
            break;
        }
    fclose(f);
    if (rc == CREST_OK)
        rc = policy_parse(b.p ? b.p : "", b.n, out, err);
    if (rc == CREST_OK && text)
        *text = buf_steal(&b, NULL);
    buf_cleanup(&b);
    return rc;
}

bool policy_list_has(const struct policy_list *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->item[i], name) == 0)
            return true;
    return false;
}
