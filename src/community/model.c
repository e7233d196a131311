/*
 * model.c - the community pillar's rules, pure: resident ID numbers (GB
 * 11643), masking, the red / yellow / green grade with its reasons, the
 * warning signs of the national home-treatment guidance, follow-up and
 * request deadlines. Every number comes from the policy pack
 * (community.grading, community.warning, community.requests).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/str.h"
#include "../base/validate.h"
#include "community.h"

/* ---- ID numbers ---- */

char comm_id_check_char(const char *first17)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (first17[i] - '0') * w[i];
    return "10X98765432"[sum % 11];
}

enum comm_id_problem comm_id_parse(const char *id, const char *today, struct comm_idnum *out)
{
    if (!id || strlen(id) != 18)
        return COMM_ID_FORMAT;
    for (int i = 0; i < 17; i++)
        if (id[i] < '0' || id[i] > '9')
            return COMM_ID_FORMAT;
    char last = id[17] == 'x' ? 'X' : id[17];
    if (!((last >= '0' && last <= '9') || last == 'X'))
        return COMM_ID_FORMAT;
    char birth[11];
    snprintf(birth, sizeof birth, "%.4s-%.2s-%.2s", id + 6, id + 10, id + 12);
    if (!validate_date(birth) || strcmp(birth, "1900-01-01") < 0 ||
        (today && strcmp(birth, today) > 0))
        return COMM_ID_DATE;
    if (comm_id_check_char(id) != last)
        return COMM_ID_CHECKSUM;
    if (out) {
        str_copy(out->birth, sizeof out->birth, birth);
        out->sex = ((id[16] - '0') % 2) ? 'M' : 'F';
        memcpy(out->area, id, 6);
        out->area[6] = 0;
    }
    return COMM_ID_OK;
}

void comm_id_mask(const char *id, char out[19])
{
    size_t n = id ? strlen(id) : 0;
    if (n != 18) {
        memset(out, '*', 14);
        snprintf(out + 14, 5, "%s", n >= 4 ? id + n - 4 : "****");
        return;
    }
    memcpy(out, id, 6);
    memset(out + 6, '*', 8);
    memcpy(out + 14, id + 14, 4);
    out[18] = 0;
}

void comm_phone_mask(const char *phone, char out[32])
{
    size_t n = phone ? strlen(phone) : 0;
    /* under 10 characters, the first three and last four would leave fewer
     * than three hidden (a 7-character input showed every digit) */
    if (n < 10) {
        snprintf(out, 32, "%s", n ? "****" : "");
        return;
    }
    /* keep the first three and last four, star the middle */
    snprintf(out, 32, "%.3s****%s", phone, phone + n - 4);
}

int comm_age(const char *birth, const char *today)
{
    if (!birth || !today || !validate_date(birth) || !validate_date(today))
        return -1;
    int by = 0, ty = 0;
    for (int i = 0; i < 4; i++) {
        by = by * 10 + (birth[i] - '0');
        ty = ty * 10 + (today[i] - '0');
    }
    int age = ty - by;
    if (strcmp(today + 5, birth + 5) < 0) /* MM-DD compares as text */
        age--;
    return age < 0 ? -1 : age;
}

/* ---- names ---- */

static const char *const symptom_names[COMM__SYMPTOMS] = {
    "fever",
    "cough",
    "sore_throat",
    "fatigue",
    "muscle_pain",
    "diarrhoea",
    "breathless",
    "disease_uncontrolled",
    "child_lethargic",
    "child_refuses_food",
    "pregnancy_warning",
};
static const char *const grade_names[] = {"green", "yellow", "red"};
static const char *const req_type_names[COMM__REQ_TYPES] = {"supplies", "livelihood", "health",
                                                            "temporary_help", "medicine"};
static const char *const req_status_names[COMM__REQ_STATUSES] = {"open", "assigned", "in_progress",
                                                                 "done", "cancelled"};
static const char *const kind_names[COMM__KINDS] = {"confirmed", "asymptomatic", "mild",
                                                    "close_contact"};
static const char *const source_names[COMM__SOURCES] = {"antigen", "pcr", "self_report"};
static const char *const status_names[COMM__STATUSES] = {"isolating", "recovered", "transferred",
                                                         "ended"};

static int parse_in(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

#define NAME_OF(tab, v, n) ((int)(v) >= 0 && (int)(v) < (n) ? (tab)[v] : "?")

const char *comm_symptom_name(enum comm_symptom s)
{
    return NAME_OF(symptom_names, s, COMM__SYMPTOMS);
}
int comm_symptom_parse(const char *s)
{
    return parse_in(symptom_names, COMM__SYMPTOMS, s);
}
bool comm_symptom_is_warning(enum comm_symptom s)
{
    return s >= COMM_SYM_BREATHLESS && s < COMM__SYMPTOMS;
}
const char *comm_grade_name(enum comm_grade g)
{
    return NAME_OF(grade_names, g, 3);
}
int comm_grade_parse(const char *s)
{
    return parse_in(grade_names, 3, s);
}
const char *comm_req_type_name(enum comm_req_type t)
{
    return NAME_OF(req_type_names, t, COMM__REQ_TYPES);
}
int comm_req_type_parse(const char *s)
{
    return parse_in(req_type_names, COMM__REQ_TYPES, s);
}
const char *comm_req_status_name(enum comm_req_status s)
{
    return NAME_OF(req_status_names, s, COMM__REQ_STATUSES);
}
int comm_req_status_parse(const char *s)
{
    return parse_in(req_status_names, COMM__REQ_STATUSES, s);
}
const char *comm_kind_name(enum comm_kind k)
{
    return NAME_OF(kind_names, k, COMM__KINDS);
}
int comm_kind_parse(const char *s)
{
    return parse_in(kind_names, COMM__KINDS, s);
}
const char *comm_source_name(enum comm_source s)
{
    return NAME_OF(source_names, s, COMM__SOURCES);
}
int comm_source_parse(const char *s)
{
    return parse_in(source_names, COMM__SOURCES, s);
}
const char *comm_status_name(enum comm_status s)
{
    return NAME_OF(status_names, s, COMM__STATUSES);
}
int comm_status_parse(const char *s)
{
    return parse_in(status_names, COMM__STATUSES, s);
}

bool comm_chronic_known(const struct policy *p, const char *code)
{
    return policy_list_has(&p->telecare.chronic_diseases, code);
}

/* ---- grading ---- */

static void add_reason(struct comm_grading *g, enum comm_rule rule, double value, double limit,
                       double limit2, const char *name)
{
    if (g->nreasons >= COMM_MAX_REASONS)
        return;
    struct comm_reason *r = &g->reason[g->nreasons++];
    r->rule = rule;
    r->value = value;
    r->limit = limit;
    r->limit2 = limit2;
    str_copy(r->name, sizeof r->name, name ? name : "");
}

static bool has_need(const struct comm_needs *n, const char *need)
{
    if (strcmp(need, "haemodialysis") == 0)
        return n->haemodialysis;
    if (strcmp(need, "bedridden") == 0)
        return n->bedridden;
    if (strcmp(need, "living_alone") == 0)
        return n->living_alone;
    if (strcmp(need, "pregnant") == 0)
        return n->pregnant;
    if (strcmp(need, "disability") == 0)
        return n->disability;
    if (strcmp(need, "chronic_disease") == 0)
        return n->nchronic > 0;
    return false;
}

/* Which warning symptoms count for this person: a child's signs only for a
 * child, a pregnant woman's only in pregnancy. */
static bool symptom_applies(enum comm_symptom s, const struct comm_needs *n, const struct policy *p)
{
    if (s == COMM_SYM_CHILD_LETHARGIC || s == COMM_SYM_CHILD_REFUSES_FOOD)
        return n->age >= 0 && n->age < 18;
    if (s == COMM_SYM_PREGNANCY_WARNING)
        return n->pregnant;
    (void)p;
    return true;
}

#define DAY_MS (24LL * 3600 * 1000)

void comm_grade_eval(const struct comm_needs *n, const struct comm_followup *f,
                     struct comm_fever *fever, const struct policy *p, struct comm_grading *out)
{
    memset(out, 0, sizeof *out);
    const __typeof__(p->community.grading) *gr = &p->community.grading;
    const __typeof__(p->community.warning) *wa = &p->community.warning;

    /* the fever run: "fever > 38.5 °C for more than 3 days despite medicine"
     * counts from the first follow-up of an unbroken run above the limit */
    if (f && f->has_temp) {
        if (f->temp > wa->fever_temp) {
            if (!fever->since_ms || f->at_ms < fever->since_ms)
                fever->since_ms = f->at_ms;
        } else {
            fever->since_ms = 0;
        }
    }

    /* red: warning signs first, then the red needs */
    struct comm_grading red, yellow;
    memset(&red, 0, sizeof red);
    memset(&yellow, 0, sizeof yellow);
    if (f && f->has_spo2 && f->spo2 <= wa->spo2_max) {
        add_reason(&red, COMM_R_SPO2, (double)f->spo2, (double)wa->spo2_max, 0, NULL);
        out->alert = true;
        out->icu = f->spo2 <= wa->icu_spo2_max;
    }
    if (f && f->has_temp && f->temp > wa->fever_temp && fever->since_ms && f->medicine) {
        int64_t days = (f->at_ms - fever->since_ms) / DAY_MS;
        if (days >= wa->fever_days) {
            add_reason(&red, COMM_R_FEVER_DAYS, (double)days, (double)wa->fever_days,
                       wa->fever_temp, NULL);
            out->alert = true;
        }
    }
    for (int s = COMM_SYM_BREATHLESS; f && s < COMM__SYMPTOMS; s++)
        if ((f->symptoms & (1u << s)) && symptom_applies((enum comm_symptom)s, n, p)) {
            add_reason(&red, COMM_R_SYMPTOM, 0, 0, 0, symptom_names[s]);
            out->alert = true;
        }
    for (int i = 0; i < gr->red_needs.n; i++)
        if (has_need(n, gr->red_needs.item[i]))
            add_reason(&red, COMM_R_NEED, 0, 0, 0, gr->red_needs.item[i]);
    if (n->age >= gr->red_age_with_chronic_min && n->nchronic > 0)
        add_reason(&red, COMM_R_AGE_CHRONIC, n->age, (double)gr->red_age_with_chronic_min, 0,
                   n->chronic[0]);

    /* yellow: age, needs, diseases, infants, a high temperature */
    if (n->age >= gr->yellow_age_min)
        add_reason(&yellow, COMM_R_AGE, n->age, (double)gr->yellow_age_min, 0, NULL);
    for (int i = 0; i < n->nchronic && policy_list_has(&gr->yellow_needs, "chronic_disease"); i++)
        add_reason(&yellow, COMM_R_CHRONIC, 0, 0, 0, n->chronic[i]);
    for (int i = 0; i < gr->yellow_needs.n; i++)
        if (strcmp(gr->yellow_needs.item[i], "chronic_disease") != 0 &&
            has_need(n, gr->yellow_needs.item[i]))
            add_reason(&yellow, COMM_R_NEED, 0, 0, 0, gr->yellow_needs.item[i]);
    if (n->age >= 0 && n->age <= gr->infant_max_age)
        add_reason(&yellow, COMM_R_INFANT, n->age, (double)gr->infant_max_age, 0, NULL);
    if (f && f->has_temp && f->temp >= gr->yellow_temp_min)
        add_reason(&yellow, COMM_R_TEMP, f->temp, gr->yellow_temp_min, 0, NULL);

    /* the grade's own reasons first, the lower grade's after (still shown:
     * a red patient's age matters to the doctor too) */
    const struct comm_grading *first = red.nreasons ? &red : &yellow;
    const struct comm_grading *second = red.nreasons ? &yellow : NULL;
    out->grade = red.nreasons ? COMM_RED : yellow.nreasons ? COMM_YELLOW : COMM_GREEN;
    for (int i = 0; i < first->nreasons; i++)
        out->reason[out->nreasons++] = first->reason[i];
    for (int i = 0; second && i < second->nreasons && out->nreasons < COMM_MAX_REASONS; i++)
        out->reason[out->nreasons++] = second->reason[i];
    if (out->grade == COMM_GREEN)
        add_reason(out, COMM_R_NONE, 0, 0, 0, NULL);
    out->propose_transfer = out->alert;
}

/* ---- reason text ---- */

struct label {
    const char *code, *zh, *en;
};
static const struct label labels[] = {
    {"haemodialysis", "血液透析", "haemodialysis"},
    {"bedridden", "长期卧床", "bedridden"},
    {"living_alone", "独居", "living alone"},
    {"pregnant", "孕产妇", "pregnant"},
    {"disability", "残疾", "disability"},
    {"chronic_disease", "慢性病", "chronic disease"},
    {"hypertension", "高血压", "hypertension"},
    {"diabetes", "糖尿病", "diabetes"},
    {"coronary_heart_disease", "冠心病", "coronary heart disease"},
    {"stroke_sequelae", "脑卒中后遗症", "stroke sequelae"},
    {"copd", "慢阻肺", "COPD"},
    {"asthma", "哮喘", "asthma"},
    {"chronic_heart_failure", "慢性心衰", "chronic heart failure"},
    {"chronic_kidney_disease", "慢性肾病", "chronic kidney disease"},
    {"chronic_hepatitis_b", "慢性乙肝", "chronic hepatitis B"},
    {"rheumatoid_arthritis", "类风湿关节炎", "rheumatoid arthritis"},
    {"parkinsons_disease", "帕金森病", "Parkinson's disease"},
    {"severe_mental_disorder", "严重精神障碍", "severe mental disorder"},
    {"breathless", "呼吸困难或气促", "breathlessness"},
    {"disease_uncontrolled", "基础疾病明显加重且不能控制", "underlying disease out of control"},
    {"child_lethargic", "儿童嗜睡", "child lethargic"},
    {"child_refuses_food", "儿童持续拒食", "child refusing food"},
    {"pregnancy_warning", "孕妇危险信号", "pregnancy warning signs"},
};

static const char *label(const char *code, bool zh)
{
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].code, code) == 0)
            return zh ? labels[i].zh : labels[i].en;
    return code;
}

const char *comm_code_of_label(const char *s)
{
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].zh, s) == 0 || strcmp(labels[i].en, s) == 0)
            return labels[i].code;
    return s;
}

void comm_reason_text(const struct comm_reason *r, const char *lang, char *out, size_t cap)
{
    bool zh = !lang || strcmp(lang, "en") != 0;
    switch (r->rule) {
    case COMM_R_SPO2:
        snprintf(out, cap, zh ? "血氧 %.0f%% ≤ %.0f%%" : "SpO₂ %.0f %% ≤ %.0f %%", r->value,
                 r->limit);
        return;
    case COMM_R_FEVER_DAYS:
        snprintf(out, cap,
                 zh ? "服药后发热 > %.1f℃ 已 %.0f 天 ≥ %.0f 天"
                    : "fever > %.1f °C for %.0f days ≥ %.0f despite medicine",
                 r->limit2, r->value, r->limit);
        return;
    case COMM_R_SYMPTOM:
    case COMM_R_NEED:
    case COMM_R_CHRONIC: snprintf(out, cap, "%s", label(r->name, zh)); return;
    case COMM_R_AGE_CHRONIC:
        snprintf(out, cap, zh ? "%.0f 岁 ≥ %.0f 岁且患%s" : "%.0f years ≥ %.0f with %s", r->value,
                 r->limit, label(r->name, zh));
        return;
    case COMM_R_AGE:
        snprintf(out, cap, zh ? "%.0f 岁 ≥ %.0f 岁" : "%.0f years ≥ %.0f", r->value, r->limit);
        return;
    case COMM_R_INFANT:
        snprintf(out, cap, zh ? "婴幼儿 %.0f 岁 ≤ %.0f 岁" : "infant, %.0f years ≤ %.0f", r->value,
                 r->limit);
        return;
    case COMM_R_TEMP:
        snprintf(out, cap, zh ? "体温 %.1f℃ ≥ %.1f℃" : "temperature %.1f °C ≥ %.1f °C", r->value,
                 r->limit);
        return;
    case COMM_R_NONE: snprintf(out, cap, "%s", zh ? "无高危因素" : "no risk factor"); return;
    }
    snprintf(out, cap, "?");
}

void comm_grading_text(const struct comm_grading *g, const char *lang, char *out, size_t cap)
{
    bool zh = !lang || strcmp(lang, "en") != 0;
    static const char *const zhg[] = {"绿", "黄", "红"};
    size_t n = (size_t)snprintf(out, cap, "%s: ", zh ? zhg[g->grade] : grade_names[g->grade]);
    for (int i = 0; i < g->nreasons && n < cap; i++) {
        char one[160];
        comm_reason_text(&g->reason[i], lang, one, sizeof one);
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? (zh ? "；" : "; ") : "", one);
    }
}

void comm_reasons_encode(const struct comm_grading *g, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    for (int i = 0; i < g->nreasons && n < cap; i++) {
        const struct comm_reason *r = &g->reason[i];
        n += (size_t)snprintf(out + n, cap - n, "%s%d|%g|%g|%g|%s", i ? ";" : "", (int)r->rule,
                              r->value, r->limit, r->limit2, r->name);
    }
}

/* The inverse, for stored reasons. Reject anything malformed rather than
 * show half a reason. */
bool comm_reasons_decode(const char *s, struct comm_grading *g)
{
    g->nreasons = 0;
    if (!s || !*s)
        return true;
    while (*s && g->nreasons < COMM_MAX_REASONS) {
        struct comm_reason *r = &g->reason[g->nreasons];
        memset(r, 0, sizeof *r);
        char *end;
        long rule = strtol(s, &end, 10);
        if (end == s || *end != '|' || rule < 0 || rule > COMM_R_NONE)
            return false;
        r->rule = (enum comm_rule)rule;
        double *v[3] = {&r->value, &r->limit, &r->limit2};
        s = end + 1;
        for (int k = 0; k < 3; k++) {
            *v[k] = strtod(s, &end);
            if (end == s || *end != '|' || !isfinite(*v[k]))
                return false;
            s = end + 1;
        }
        size_t len = strcspn(s, ";");
        if (len >= sizeof r->name)
            return false;
        memcpy(r->name, s, len);
        r->name[len] = 0;
        s += len;
        g->nreasons++;
        if (*s == ';')
            s++;
    }
    return *s == 0;
}

int64_t comm_followup_due(enum comm_grade g, int64_t last_ms, const struct policy *p)
{
    const __typeof__(p->community.grading) *gr = &p->community.grading;
    int64_t h = g == COMM_RED      ? gr->followup_hours_red
                : g == COMM_YELLOW ? gr->followup_hours_yellow
                                   : gr->followup_hours_green;
    return last_ms + h * 3600 * 1000;
}

/* ---- requests ---- */

bool comm_req_transition_ok(enum comm_req_status a, enum comm_req_status b)
{
    switch (a) {
    case COMM_REQ_OPEN:
        return b == COMM_REQ_ASSIGNED || b == COMM_REQ_IN_PROGRESS || b == COMM_REQ_DONE ||
               b == COMM_REQ_CANCELLED;
    case COMM_REQ_ASSIGNED:
        return b == COMM_REQ_ASSIGNED || b == COMM_REQ_IN_PROGRESS || b == COMM_REQ_DONE ||
               b == COMM_REQ_CANCELLED;
    case COMM_REQ_IN_PROGRESS:
        return b == COMM_REQ_DONE || b == COMM_REQ_CANCELLED || b == COMM_REQ_ASSIGNED;
    default: return false; /* done and cancelled are final */
    }
}

int64_t comm_req_deadline_hours(enum comm_req_type t, enum comm_grade g, const struct policy *p)
{
    const __typeof__(p->community.requests) *rq = &p->community.requests;
    int64_t h;
    switch (t) {
    case COMM_REQ_SUPPLIES: h = rq->hours_supplies; break;
    case COMM_REQ_LIVELIHOOD: h = rq->hours_livelihood; break;
    case COMM_REQ_HEALTH: h = rq->hours_health; break;
    case COMM_REQ_TEMP_HELP: h = rq->hours_temporary_help; break;
    case COMM_REQ_MEDICINE: h = rq->hours_medicine; break;
    default: h = rq->hours_livelihood; break;
    }
    int64_t cap = g == COMM_RED ? rq->max_hours_red : g == COMM_YELLOW ? rq->max_hours_yellow : h;
    return h < cap ? h : cap;
}

/* ---- transfers ---- */

bool comm_transfer_transition_ok(bool by_hospital, const char *a, const char *b)
{
    if (by_hospital)
        return (strcmp(a, "reserved") == 0 &&
                (strcmp(b, "accepted") == 0 || strcmp(b, "declined") == 0)) ||
               (strcmp(a, "accepted") == 0 && strcmp(b, "arrived") == 0);
    return (strcmp(a, "reserved") == 0 || strcmp(a, "accepted") == 0) &&
           strcmp(b, "cancelled") == 0;
}

/* ---- geography and dates ---- */

double comm_km(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = M_PI / 180.0;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    if (a > 1) /* rounding, near the antipodes: sqrt(1 - a) would be NaN */
        a = 1;
    return 6371.0 * 2 * atan2(sqrt(a), sqrt(1 - a));
}

#define CHINA_MS (8LL * 3600 * 1000)

/* days since 1970-01-01 of a civil date (Howard Hinnant's algorithm) */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t comm_date_ms(const char *date)
{
    if (!date || !validate_date(date))
        return -1;
    int64_t y = 0, m, d;
    for (int i = 0; i < 4; i++)
        y = y * 10 + (date[i] - '0');
    m = (date[5] - '0') * 10 + (date[6] - '0');
    d = (date[8] - '0') * 10 + (date[9] - '0');
    return days_from_civil(y, m, d) * DAY_MS - CHINA_MS;
}

void comm_ms_date(int64_t ms, char out[11])
{
    int64_t z = (ms + CHINA_MS) / DAY_MS;
    if ((ms + CHINA_MS) % DAY_MS < 0)
        z--;
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
    str_copy(out, 11, tmp);
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool comm_parse_time(const char *s, int64_t *ms)
{
    if (!s || strlen(s) < 16 || strlen(s) > 40)
        return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = 0;
    int hh, mm, ss = 0, frac = 0;
    if (!validate_date(date) || (s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2, &hh) ||
        s[13] != ':' || !digits(s + 14, 2, &mm) || hh > 23 || mm > 59)
        return false;
    const char *p = s + 16;
    if (*p == ':') {
        if (!digits(p + 1, 2, &ss) || ss > 59)
            return false;
        p += 3;
        if (*p == '.') {
            int n = 0;
            p++;
            while (*p >= '0' && *p <= '9' && n < 9) {
                if (n < 3)
                    frac = frac * 10 + (*p - '0');
                n++;
                p++;
            }
            if (n == 0)
                return false;
            for (int i = n; i < 3; i++)
                frac *= 10;
        }
    }
    /* comm_date_ms is midnight China time; a zone moves it */
    int64_t off_ms = 8LL * 3600 * 1000;
    if (*p == 'Z') {
        off_ms = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 14 || om > 59)
            return false;
        off_ms = (*p == '+' ? 1 : -1) * ((int64_t)oh * 3600 + om * 60) * 1000;
        p += 6;
    }
    if (*p)
        return false;
    int64_t day = comm_date_ms(date) + CHINA_MS; /* UTC midnight of the civil date */
    *ms = day + ((int64_t)hh * 3600 + mm * 60 + ss) * 1000 + frac - off_ms;
    return true;
}
