/*
 * model.c - the capacity pillar's rules, pure: given a facility, its latest
 * report and the policy pack, which targets apply, which are met, and the gap.
 * Percentages become integer arithmetic in hundredths of a percent so the
 * boundary (exactly 4 %) is decided without floating-point doubt.
 */
#include <math.h>
#include <string.h>

#include "capacity.h"

static const char *const kind_names[CAP__KINDS] = {"hospital",
                                                   "fever_room_township",
                                                   "fever_room_community",
                                                   "vaccination_point",
                                                   "pharmacy",
                                                   "nursing_home",
                                                   "welfare_home",
                                                   "school",
                                                   "kindergarten",
                                                   "depot"};
static const char *const level_names[] = {"none", "primary", "secondary", "tertiary"};
static const char *const category_names[] = {"none", "general", "tcm", "specialty"};
static const char *const role_names[] = {"none", "sub_designated", "designated"};
static const char *const rule_names[CAP__RULES] = {
    "icu_beds", "icu_convertible", "fever_clinic_24h", "reporting", "designated_beds"};
static const char *const status_names[] = {"not_applicable", "met", "not_met", "unknown"};

static int parse(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (s && strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

const char *cap_kind_name(enum cap_kind k)
{
    return (unsigned)k < CAP__KINDS ? kind_names[k] : "?";
}
int cap_kind_parse(const char *s)
{
    return parse(kind_names, CAP__KINDS, s);
}
const char *cap_level_name(enum cap_level l)
{
    return (unsigned)l < 4 ? level_names[l] : "?";
}
int cap_level_parse(const char *s)
{
    return parse(level_names, 4, s);
}
const char *cap_category_name(enum cap_category c)
{
    return (unsigned)c < 4 ? category_names[c] : "?";
}
int cap_category_parse(const char *s)
{
    return parse(category_names, 4, s);
}
const char *cap_role_name(enum cap_role r)
{
    return (unsigned)r < 3 ? role_names[r] : "?";
}
int cap_role_parse(const char *s)
{
    return parse(role_names, 3, s);
}
const char *cap_rule_name(enum cap_rule r)
{
    return (unsigned)r < CAP__RULES ? rule_names[r] : "?";
}
const char *cap_status_name(enum cap_status s)
{
    return (unsigned)s < 4 ? status_names[s] : "?";
}

static bool has_field(const struct crest_error *err, const char *name)
{
    for (int i = 0; i < err->nfields; i++)
        if (!strcmp(err->fields[i].field, name))
            return true;
    return false;
}

void capacity_facility_check(const struct cap_facility_facts *f, struct crest_error *err)
{
    /* runs even when other fields failed, so a report lists every problem,
     * but never a second error on a field that already has one */
    if (has_field(err, "kind") || has_field(err, "level") || has_field(err, "category") ||
        has_field(err, "role"))
        return;
    if (f->kind != CAP_HOSPITAL) {
        if (f->level || f->category || f->role)
            crest_error_field(err,
                              f->level      ? "level"
                              : f->category ? "category"
                                            : "role",
                              "invalid", "cap_hospital_only", NULL);
        return;
    }
    if (f->level == CAP_LEVEL_NONE)
        crest_error_field(err, "level", "required", "field_required", NULL);
    if (f->level == CAP_TERTIARY && f->category == CAP_CAT_NONE)
        crest_error_field(err, "category", "required", "cap_tertiary_category", NULL);
}

int capacity_report_check(const struct cap_report *r, struct crest_error *err)
{
    struct {
        const char *name;
        int64_t v;
    } counts[] = {{"open_beds", r->open_beds},
                  {"occupied_beds", r->occupied_beds},
                  {"icu_beds", r->icu_beds},
                  {"icu_occupied", r->icu_occupied},
                  {"icu_convertible", r->icu_convertible},
                  {"fever_visits", r->fever_visits},
                  {"ventilators", r->ventilators}};
    bool neg = false;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        if (counts[i].v < 0) {
            crest_error_field(err, counts[i].name, "range", "field_negative", NULL);
            neg = true;
        }
    if (neg)
        return CREST_INVALID;
    if (r->occupied_beds > r->open_beds)
        crest_error_field(err, "occupied_beds", "range", "cap_occupied_gt_open", NULL);
    if (r->icu_beds > r->open_beds)
        crest_error_field(err, "icu_beds", "range", "cap_icu_gt_beds", NULL);
    if (r->icu_occupied > r->icu_beds)
        crest_error_field(err, "icu_occupied", "range", "cap_icu_occupied_gt_icu", NULL);
    if (r->icu_occupied > r->occupied_beds)
        crest_error_field(err, "icu_occupied", "range", "cap_icu_occupied_gt_occupied", NULL);
    if (r->icu_beds + r->icu_convertible > r->open_beds)
        crest_error_field(err, "icu_convertible", "range", "cap_convertible_gt_beds", NULL);
    if (r->fever_24h && !r->fever_clinic)
        crest_error_field(err, "fever_24h", "invalid", "cap_24h_without_clinic", NULL);
    if (!r->fever_clinic && r->fever_visits > 0)
        crest_error_field(err, "fever_visits", "invalid", "cap_visits_without_clinic", NULL);
    return err->nfields ? CREST_INVALID : CREST_OK;
}

/* Days since 0000-03-01 (proleptic Gregorian), Howard Hinnant's algorithm. */
static bool day_number(const char *s, int64_t *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int v[8], k = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return false;
        v[k++] = s[i] - '0';
    }
    int64_t y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    int m = v[4] * 10 + v[5], d = v[6] * 10 + v[7];
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap)
        return false;
    y -= m <= 2;
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    *out = era * 146097 + doe;
    return true;
}

bool capacity_days_between(const char *a, const char *b, int64_t *out)
{
    int64_t x, y;
    if (!day_number(a, &x) || !day_number(b, &y))
        return false;
    *out = y - x;
    return true;
}

int64_t capacity_pct_need(int64_t beds, double pct)
{
    if (beds <= 0 || pct <= 0)
        return 0;
    int64_t hundredths = llround(pct * 100.0); /* 4.0 % → 400 */
    return (beds * hundredths + 9999) / 10000;
}

static void rule(struct cap_rule_result *r, int64_t have, int64_t need)
{
    r->have = have;
    r->need = need;
    r->status = have >= need ? CAP_MET : CAP_NOT_MET;
    r->gap = have >= need ? 0 : need - have;
}

static bool icu_rule_applies(const struct cap_facility_facts *f, const struct policy *p)
{
    if (f->kind != CAP_HOSPITAL || f->level != CAP_TERTIARY)
        return false;
    const char *key = f->category == CAP_GENERAL     ? "tertiary_general"
                      : f->category == CAP_TCM       ? "tertiary_tcm"
                      : f->category == CAP_SPECIALTY ? "tertiary_specialty"
                                                     : NULL;
    return key && policy_list_has(&p->capacity.icu_rule_hospitals, key);
}

void capacity_eval_facility(const struct cap_facility_facts *f, const struct cap_report *latest,
                            const char *as_of, const struct policy *p,
                            struct cap_facility_eval *out)
{
    memset(out, 0, sizeof *out);
    out->days_since_report = -1;
    if (f->kind != CAP_HOSPITAL)
        return; /* only hospitals report capacity */
    int64_t days = -1;
    if (latest && capacity_days_between(latest->date, as_of, &days))
        out->days_since_report = days;
    out->stale = !latest || days < 0 || days > p->capacity.report_stale_days;
    struct cap_rule_result *rep = &out->rule[CAP_RULE_REPORTING];
    rep->status = out->stale ? CAP_NOT_MET : CAP_MET;
    rep->have = out->days_since_report;
    rep->need = p->capacity.report_stale_days;
    /* A stale report is neither counted as zero nor trusted forever: the
     * rules it would decide are "unknown" until the hospital reports again. */
    const struct cap_report *r = out->stale ? NULL : latest;
    int min_level = cap_level_parse(p->capacity.fever_clinic_24h_min_level);
    if (min_level < 0)
        min_level = CAP_SECONDARY;
    if (icu_rule_applies(f, p)) {
        if (r) {
            rule(&out->rule[CAP_RULE_ICU], r->icu_beds,
                 capacity_pct_need(r->open_beds, p->capacity.icu_beds_min_pct));
            rule(&out->rule[CAP_RULE_ICU_CONVERTIBLE], r->icu_convertible,
                 capacity_pct_need(r->open_beds, p->capacity.icu_convertible_min_pct));
        } else {
            out->rule[CAP_RULE_ICU].status = CAP_UNKNOWN;
            out->rule[CAP_RULE_ICU_CONVERTIBLE].status = CAP_UNKNOWN;
        }
    }
    if ((int)f->level >= min_level) {
        if (r)
            rule(&out->rule[CAP_RULE_FEVER_24H], r->fever_clinic && r->fever_24h ? 1 : 0, 1);
        else
            out->rule[CAP_RULE_FEVER_24H].status = CAP_UNKNOWN;
    }
    out->failing = out->stale;
    for (int i = 0; i < CAP__RULES; i++)
        if (out->rule[i].status == CAP_NOT_MET)
            out->failing = true;
}

void capacity_eval_designated(int64_t beds, bool province, const struct policy *p,
                              struct cap_rule_result *out)
{
    memset(out, 0, sizeof *out);
    if (!province) {
        /* no per-city shares in this pack: below the province the figure is
         * shown as a contribution, not judged */
        out->status = CAP_NA;
        out->have = beds;
        return;
    }
    rule(out, beds, p->capacity.designated_beds_min);
}
