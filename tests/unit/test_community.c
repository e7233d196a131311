/*
 * test_community.c - unit tests for src/community/model.c, the community
 * pillar's pure rules: resident ID numbers (GB 11643-1999), masking, ages,
 * the red / yellow / green grade and the national home-treatment warning
 * signs (each rule, each boundary), reason texts and their stored form,
 * follow-up and request deadlines, request transitions, China-time dates,
 * ISO 8601 times and distances.
 *
 * The policy is built here with the numbers of policy/zhejiang-2022-12.json
 * (as test_capacity.c does); test_policy_pack_matches_these_numbers checks
 * that the pack still says so, so a changed pack fails here rather than
 * silently moving the boundaries under test.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/str.h"
#include "community/community.h"
#include "policy/policy.h"

static struct policy pol;

static void list_set(struct policy_list *l, const char *const *items, int n)
{
    l->n = n;
    for (int i = 0; i < n; i++)
        str_copy(l->item[i], POLICY_NAME, items[i]);
}

static void policy_defaults(struct policy *p)
{
    memset(p, 0, sizeof *p);
    static const char *const red_needs[] = {"haemodialysis", "bedridden"};
    static const char *const yellow_needs[] = {"chronic_disease", "pregnant", "living_alone",
                                               "disability"};
    static const char *const chronic[] = {"hypertension",
                                          "diabetes",
                                          "coronary_heart_disease",
                                          "stroke_sequelae",
                                          "copd",
                                          "asthma",
                                          "chronic_heart_failure",
                                          "chronic_kidney_disease",
                                          "chronic_hepatitis_b",
                                          "rheumatoid_arthritis",
                                          "parkinsons_disease",
                                          "severe_mental_disorder"};
    p->community.isolation_days = 7;
    p->community.grading.red_age_with_chronic_min = 80;
    list_set(&p->community.grading.red_needs, red_needs, 2);
    p->community.grading.yellow_age_min = 65;
    list_set(&p->community.grading.yellow_needs, yellow_needs, 4);
    p->community.grading.yellow_temp_min = 38.5;
    p->community.grading.infant_max_age = 3;
    p->community.grading.followup_hours_red = 4;
    p->community.grading.followup_hours_yellow = 12;
    p->community.grading.followup_hours_green = 24;
    p->community.warning.spo2_max = 93;
    p->community.warning.icu_spo2_max = 90;
    p->community.warning.fever_temp = 38.5;
    p->community.warning.fever_days = 3;
    p->community.requests.hours_supplies = 24;
    p->community.requests.hours_livelihood = 48;
    p->community.requests.hours_health = 4;
    p->community.requests.hours_temporary_help = 12;
    p->community.requests.hours_medicine = 12;
    p->community.requests.max_hours_red = 2;
    p->community.requests.max_hours_yellow = 12;
    list_set(&p->telecare.chronic_diseases, chronic, 12);
}

static int setup(void **state)
{
    (void)state;
    policy_defaults(&pol);
    return 0;
}

#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)
/* 2022-12-28 00:00 China time, the demo's scenario date */
#define T0 1672156800000LL

static struct comm_needs needs(int age)
{
    struct comm_needs n;
    memset(&n, 0, sizeof n);
    n.age = age;
    return n;
}

static void add_chronic(struct comm_needs *n, const char *code)
{
    str_copy(n->chronic[n->nchronic++], POLICY_NAME, code);
}

/* a follow-up with a temperature (0: none) and an SpO₂ (0: none) */
static struct comm_followup fu(int64_t at, double temp, int spo2, unsigned symptoms, bool medicine)
{
    struct comm_followup f;
    memset(&f, 0, sizeof f);
    f.at_ms = at;
    f.has_temp = temp > 0;
    f.temp = temp;
    f.has_spo2 = spo2 > 0;
    f.spo2 = spo2;
    f.symptoms = symptoms;
    f.medicine = medicine;
    return f;
}

#define SYM(s) (1u << (s))

static void grade(const struct comm_needs *n, const struct comm_followup *f, struct comm_grading *g)
{
    struct comm_fever fever = {0};
    comm_grade_eval(n, f, &fever, &pol, g);
}

static bool has_rule(const struct comm_grading *g, enum comm_rule rule, const char *name)
{
    for (int i = 0; i < g->nreasons; i++)
        if (g->reason[i].rule == rule && (!name || strcmp(g->reason[i].name, name) == 0))
            return true;
    return false;
}

/* ---- the policy pack ---- */

static void same_list(const struct policy_list *a, const struct policy_list *b)
{
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++)
        assert_string_equal(a->item[i], b->item[i]);
}

static void test_policy_pack_matches_these_numbers(void **state)
{
    (void)state;
    /* CREST_SRC is set by ctest; run by hand, the source tree is found from
     * this file's path */
    const char *src = getenv("CREST_SRC");
    char path[4096];
    if (src) {
        snprintf(path, sizeof path, "%s/policy/zhejiang-2022-12.json", src);
    } else {
        const char *me = __FILE__, *tail = strstr(me, "tests/unit/test_community.c");
        if (!tail)
            skip();
        snprintf(path, sizeof path, "%.*spolicy/zhejiang-2022-12.json", (int)(tail - me), me);
    }
    static struct policy file;
    struct crest_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(policy_load(path, &file, NULL, &err), CREST_OK);
#define SAME(f) assert_true(file.f == pol.f)
    SAME(community.grading.red_age_with_chronic_min);
    SAME(community.grading.yellow_age_min);
    SAME(community.grading.infant_max_age);
    SAME(community.grading.yellow_temp_min);
    SAME(community.grading.followup_hours_red);
    SAME(community.grading.followup_hours_yellow);
    SAME(community.grading.followup_hours_green);
    SAME(community.warning.spo2_max);
    SAME(community.warning.icu_spo2_max);
    SAME(community.warning.fever_days);
    SAME(community.warning.fever_temp);
    SAME(community.requests.hours_supplies);
    SAME(community.requests.hours_livelihood);
    SAME(community.requests.hours_health);
    SAME(community.requests.hours_temporary_help);
    SAME(community.requests.hours_medicine);
    SAME(community.requests.max_hours_red);
    SAME(community.requests.max_hours_yellow);
#undef SAME
    same_list(&file.community.grading.red_needs, &pol.community.grading.red_needs);
    same_list(&file.community.grading.yellow_needs, &pol.community.grading.yellow_needs);
    same_list(&file.telecare.chronic_diseases, &pol.telecare.chronic_diseases);
    assert_int_equal(file.community.isolation_days, pol.community.isolation_days);
    crest_error_clear(&err);
}

/* ---- ID numbers ---- */

/* Check digits worked by hand: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
 * sum mod 11 indexes "10X98765432".
 *   11010519491231002 (the standard's own example):
 *     7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167, 167 mod 11 = 2 → 'X'
 *   33010619900517123 (Hangzhou Xihu, 1990-05-17):
 *     21+27+0+5+0+24+2+9+54+0+0+45+10+35+8+8+6 = 254, mod 11 = 1 → '0'
 *   33010219851231004 (Hangzhou Shangcheng, 1985-12-31):
 *     21+27+0+5+0+8+2+9+48+15+7+18+30+5+0+0+8 = 203, mod 11 = 5 → '7'
 *   33010620000229456 (a leap day, 2000-02-29):
 *     21+27+0+5+0+24+4+0+0+0+0+18+20+45+32+20+12 = 228, mod 11 = 8 → '4'
 *   44052418800101001 (born 1880):
 *     28+36+0+25+16+16+2+8+48+0+0+9+0+5+0+0+2 = 195, mod 11 = 8 → '4' */
static void test_id_check_char(void **state)
{
    (void)state;
    assert_int_equal(comm_id_check_char("11010519491231002"), 'X');
    assert_int_equal(comm_id_check_char("33010619900517123"), '0');
    assert_int_equal(comm_id_check_char("33010219851231004"), '7');
    assert_int_equal(comm_id_check_char("33010620000229456"), '4');
    assert_int_equal(comm_id_check_char("44052418800101001"), '4');
    /* only the first 17 characters count */
    assert_int_equal(comm_id_check_char("330106199005171230"), '0');
}

static void test_id_parse_valid(void **state)
{
    (void)state;
    struct comm_idnum id;
    memset(&id, 0, sizeof id);
    assert_int_equal(comm_id_parse("330106199005171230", "2022-12-28", &id), COMM_ID_OK);
    assert_string_equal(id.birth, "1990-05-17");
    assert_string_equal(id.area, "330106");
    assert_int_equal(id.sex, 'M'); /* 17th digit 3: odd */

    assert_int_equal(comm_id_parse("330102198512310047", "2022-12-28", &id), COMM_ID_OK);
    assert_string_equal(id.birth, "1985-12-31");
    assert_string_equal(id.area, "330102");
    assert_int_equal(id.sex, 'F'); /* 17th digit 4: even */

    /* the X check digit, upper and lower case */
    assert_int_equal(comm_id_parse("11010519491231002X", "2022-12-28", &id), COMM_ID_OK);
    assert_string_equal(id.birth, "1949-12-31");
    assert_string_equal(id.area, "110105");
    assert_int_equal(id.sex, 'F'); /* 17th digit 2 */
    assert_int_equal(comm_id_parse("11010519491231002x", "2022-12-28", NULL), COMM_ID_OK);

    /* a leap day in a leap year */
    assert_int_equal(comm_id_parse("330106200002294564", "2022-12-28", &id), COMM_ID_OK);
    assert_string_equal(id.birth, "2000-02-29");
    assert_int_equal(id.sex, 'F'); /* 17th digit 6 */

    /* out may be NULL; today may be NULL (no upper bound) */
    assert_int_equal(comm_id_parse("330106199005171230", NULL, NULL), COMM_ID_OK);
}

static void test_id_parse_sex_from_17th_digit(void **state)
{
    (void)state;
    for (char d = '0'; d <= '9'; d++) {
        char id[19];
        snprintf(id, sizeof id, "3301061990051712%c", d);
        id[17] = comm_id_check_char(id);
        id[18] = 0;
        struct comm_idnum out;
        assert_int_equal(comm_id_parse(id, "2022-12-28", &out), COMM_ID_OK);
        assert_int_equal(out.sex, (d - '0') % 2 ? 'M' : 'F');
    }
}

static void test_id_parse_wrong_check_digit(void **state)
{
    (void)state;
    struct comm_idnum id;
    /* every check character but the right one is refused */
    const char *checks = "0123456789X";
    for (const char *c = checks; *c; c++) {
        char s[19];
        snprintf(s, sizeof s, "33010619900517123%c", *c);
        assert_int_equal(comm_id_parse(s, "2022-12-28", &id),
                         *c == '0' ? COMM_ID_OK : COMM_ID_CHECKSUM);
    }
    assert_int_equal(comm_id_parse("110105194912310021", "2022-12-28", &id), COMM_ID_CHECKSUM);
    /* one digit changed in the body */
    assert_int_equal(comm_id_parse("330106199005171240", "2022-12-28", &id), COMM_ID_CHECKSUM);
    /* two digits swapped (the weights catch transpositions) */
    assert_int_equal(comm_id_parse("330106199005172130", "2022-12-28", &id), COMM_ID_CHECKSUM);
}

static void test_id_parse_format(void **state)
{
    (void)state;
    struct comm_idnum id;
    assert_int_equal(comm_id_parse(NULL, "2022-12-28", &id), COMM_ID_FORMAT);
    assert_int_equal(comm_id_parse("", "2022-12-28", &id), COMM_ID_FORMAT);
    assert_int_equal(comm_id_parse("33010619900517123", "2022-12-28", &id), COMM_ID_FORMAT);
    assert_int_equal(comm_id_parse("3301061990051712300", "2022-12-28", &id), COMM_ID_FORMAT);
    assert_int_equal(comm_id_parse("33010619900517123A", "2022-12-28", &id), COMM_ID_FORMAT);
    assert_int_equal(comm_id_parse("3301061990051712X0", "2022-12-28", &id), COMM_ID_FORMAT);
    assert_int_equal(comm_id_parse("A30106199005171230", "2022-12-28", &id), COMM_ID_FORMAT);
    assert_int_equal(comm_id_parse("330106 99005171230", "2022-12-28", &id), COMM_ID_FORMAT);
    assert_int_equal(comm_id_parse("33010619900517123 ", "2022-12-28", &id), COMM_ID_FORMAT);
    /* the old 15-digit numbers are not accepted */
    assert_int_equal(comm_id_parse("330106900517123", "2022-12-28", &id), COMM_ID_FORMAT);
    /* 18 bytes of UTF-8 are not 18 digits: 6 characters × 3 bytes */
    assert_int_equal(comm_id_parse("浙江省杭州市", "2022-12-28", &id), COMM_ID_FORMAT);
}

/* An ID with a given area, birth date and sequence, with the right check
 * digit, so that only the date can be wrong. */
static void make_id(char out[19], const char *yyyymmdd)
{
    snprintf(out, 19, "330106%.8s123", yyyymmdd);
    out[17] = comm_id_check_char(out);
    out[18] = 0;
}

static void test_id_parse_impossible_dates(void **state)
{
    (void)state;
    char id[19];
    static const char *const bad[] = {
        "19900230",             /* 30 February */
        "19900229",             /* 29 February, not a leap year */
        "19000229",             /* 1900 is not a leap year either */
        "19901301",             /* month 13 */
        "19900001",             /* month 0 */
        "19900100",             /* day 0 */
        "19900132",             /* day 32 */
        "19900431",             /* 31 April */
        "18991231",             /* before 1900 */
        "00000000", "20221229", /* after today */
        "20230101",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        make_id(id, bad[i]);
        assert_int_equal(comm_id_parse(id, "2022-12-28", NULL), COMM_ID_DATE);
    }
    assert_int_equal(comm_id_parse("440524188001010014", "2022-12-28", NULL), COMM_ID_DATE);
    /* the boundaries that are fine: 1900-01-01, born today, a real leap day */
    static const char *const good[] = {"19000101", "20221228", "19960229", "19901231"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        make_id(id, good[i]);
        assert_int_equal(comm_id_parse(id, "2022-12-28", NULL), COMM_ID_OK);
    }
    /* the date is judged before the check digit */
    make_id(id, "19900230");
    id[17] = id[17] == '0' ? '1' : '0';
    assert_int_equal(comm_id_parse(id, "2022-12-28", NULL), COMM_ID_DATE);
}

static void test_id_mask(void **state)
{
    (void)state;
    char out[19];
    comm_id_mask("330106199005171230", out);
    assert_string_equal(out, "330106********1230");
    comm_id_mask("11010519491231002X", out);
    assert_string_equal(out, "110105********002X");
    /* anything not 18 characters: all stars but the last four */
    comm_id_mask("330106900517123", out);
    assert_string_equal(out, "**************7123");
    comm_id_mask("12345", out);
    assert_string_equal(out, "**************2345");
    comm_id_mask("123", out);
    assert_string_equal(out, "******************");
    comm_id_mask("", out);
    assert_string_equal(out, "******************");
    comm_id_mask(NULL, out);
    assert_string_equal(out, "******************");
    comm_id_mask("33010619900517123000000", out);
    assert_string_equal(out, "**************0000");
}

static void test_phone_mask(void **state)
{
    (void)state;
    char out[32];
    comm_phone_mask("13812345678", out);
    assert_string_equal(out, "138****5678");
    comm_phone_mask("0571-87654321", out); /* a landline */
    assert_string_equal(out, "057****4321");
    comm_phone_mask("0571876543", out); /* the shortest valid landline */
    assert_string_equal(out, "057****6543");
    comm_phone_mask("", out);
    assert_string_equal(out, "");
    comm_phone_mask(NULL, out);
    assert_string_equal(out, "");
    comm_phone_mask("123", out);
    assert_string_equal(out, "****");
    /* short odd inputs never show every digit: at least three are hidden */
    static const char *const shorts[] = {"1234567", "12345678", "123456789"};
    for (size_t i = 0; i < sizeof shorts / sizeof shorts[0]; i++) {
        comm_phone_mask(shorts[i], out);
        size_t shown = 0;
        for (const char *c = out; *c; c++)
            shown += *c >= '0' && *c <= '9';
        assert_true(shown + 3 <= strlen(shorts[i]));
    }
    comm_phone_mask("1234567", out);
    assert_string_equal(out, "****");
    /* a long input fits in 32 bytes */
    comm_phone_mask("0571-87654321-12345678901234567890", out);
    assert_string_equal(out, "057****7890");
}

static void test_age(void **state)
{
    (void)state;
    assert_int_equal(comm_age("1990-05-17", "2022-12-28"), 32);
    assert_int_equal(comm_age("1990-12-28", "2022-12-28"), 32); /* birthday today */
    assert_int_equal(comm_age("1990-12-29", "2022-12-28"), 31); /* birthday tomorrow */
    assert_int_equal(comm_age("1990-12-27", "2022-12-28"), 32);
    assert_int_equal(comm_age("2022-12-28", "2022-12-28"), 0); /* born today */
    assert_int_equal(comm_age("1957-12-28", "2022-12-28"), 65);
    assert_int_equal(comm_age("1957-12-29", "2022-12-28"), 64);
    /* a leap-day birthday: the year is complete on 1 March */
    assert_int_equal(comm_age("2000-02-29", "2001-02-28"), 0);
    assert_int_equal(comm_age("2000-02-29", "2001-03-01"), 1);
    assert_int_equal(comm_age("2000-02-29", "2004-02-28"), 3);
    assert_int_equal(comm_age("2000-02-29", "2004-02-29"), 4);
    /* malformed, or born after today */
    assert_int_equal(comm_age("2022-12-29", "2022-12-28"), -1);
    assert_int_equal(comm_age("1990-02-30", "2022-12-28"), -1);
    assert_int_equal(comm_age("1990-5-17", "2022-12-28"), -1);
    assert_int_equal(comm_age("", "2022-12-28"), -1);
    assert_int_equal(comm_age(NULL, "2022-12-28"), -1);
    assert_int_equal(comm_age("1990-05-17", NULL), -1);
    assert_int_equal(comm_age("1990-05-17", "today"), -1);
}

/* ---- names ---- */

static void test_names_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < COMM__SYMPTOMS; i++)
        assert_int_equal(comm_symptom_parse(comm_symptom_name((enum comm_symptom)i)), i);
    for (int i = 0; i < 3; i++)
        assert_int_equal(comm_grade_parse(comm_grade_name((enum comm_grade)i)), i);
    for (int i = 0; i < COMM__REQ_TYPES; i++)
        assert_int_equal(comm_req_type_parse(comm_req_type_name((enum comm_req_type)i)), i);
    for (int i = 0; i < COMM__REQ_STATUSES; i++)
        assert_int_equal(comm_req_status_parse(comm_req_status_name((enum comm_req_status)i)), i);
    for (int i = 0; i < COMM__KINDS; i++)
        assert_int_equal(comm_kind_parse(comm_kind_name((enum comm_kind)i)), i);
    for (int i = 0; i < COMM__SOURCES; i++)
        assert_int_equal(comm_source_parse(comm_source_name((enum comm_source)i)), i);
    for (int i = 0; i < COMM__STATUSES; i++)
        assert_int_equal(comm_status_parse(comm_status_name((enum comm_status)i)), i);
    assert_string_equal(comm_grade_name(COMM_RED), "red");
    assert_string_equal(comm_req_type_name(COMM_REQ_TEMP_HELP), "temporary_help");
    assert_string_equal(comm_kind_name(COMM_CONTACT), "close_contact");
    assert_string_equal(comm_grade_name((enum comm_grade)3), "?");
    assert_string_equal(comm_symptom_name(COMM__SYMPTOMS), "?");
    assert_int_equal(comm_grade_parse("Red"), -1);
    assert_int_equal(comm_grade_parse(""), -1);
    assert_int_equal(comm_grade_parse(NULL), -1);
    assert_int_equal(comm_symptom_parse("?"), -1);
    assert_int_equal(comm_req_status_parse("closed"), -1);

    /* the warning signs of the guidance, and only those */
    for (int i = 0; i < COMM__SYMPTOMS; i++)
        assert_int_equal(comm_symptom_is_warning((enum comm_symptom)i), i >= COMM_SYM_BREATHLESS);

    assert_true(comm_chronic_known(&pol, "hypertension"));
    assert_true(comm_chronic_known(&pol, "severe_mental_disorder"));
    assert_false(comm_chronic_known(&pol, "influenza"));
    assert_false(comm_chronic_known(&pol, ""));
}

/* ---- grading: red ---- */

static void test_spo2_boundary(void **state)
{
    (void)state;
    struct comm_needs n = needs(40);
    struct comm_grading g;

    struct comm_followup f = fu(T0, 36.8, 93, 0, false);
    grade(&n, &f, &g);
    assert_int_equal(g.grade, COMM_RED);
    assert_true(g.alert);
    assert_true(g.propose_transfer);
    assert_false(g.icu);
    assert_int_equal(g.reason[0].rule, COMM_R_SPO2);
    assert_true(g.reason[0].value == 93 && g.reason[0].limit == 93);

    f = fu(T0, 36.8, 94, 0, false);
    grade(&n, &f, &g);
    assert_int_equal(g.grade, COMM_GREEN);
    assert_false(g.alert);
    assert_false(g.propose_transfer);
    assert_false(has_rule(&g, COMM_R_SPO2, NULL));

    /* the ICU bed: SpO₂ ≤ 90 */
    f = fu(T0, 36.8, 91, 0, false);
    grade(&n, &f, &g);
    assert_int_equal(g.grade, COMM_RED);
    assert_false(g.icu);
    f = fu(T0, 36.8, 90, 0, false);
    grade(&n, &f, &g);
    assert_int_equal(g.grade, COMM_RED);
    assert_true(g.icu);
    f = fu(T0, 36.8, 50, 0, false);
    grade(&n, &f, &g);
    assert_true(g.icu);

    /* no SpO₂ measured: no SpO₂ rule, whatever the field says */
    f = fu(T0, 36.8, 0, 0, false);
    f.spo2 = 80;
    grade(&n, &f, &g);
    assert_int_equal(g.grade, COMM_GREEN);
    assert_false(g.icu);

    /* the limit is the policy's */
    pol.community.warning.spo2_max = 94;
    f = fu(T0, 36.8, 94, 0, false);
    grade(&n, &f, &g);
    assert_int_equal(g.grade, COMM_RED);
    policy_defaults(&pol);
}

static void test_fever_days_with_medicine(void **state)
{
    (void)state;
    struct comm_needs n = needs(40);
    struct comm_fever fever = {0};
    struct comm_grading g;

    /* day 0: fever starts (yellow for the temperature, not red) */
    struct comm_followup f = fu(T0, 39.0, 97, SYM(COMM_SYM_FEVER), true);
    comm_grade_eval(&n, &f, &fever, &pol, &g);
    assert_int_equal(fever.since_ms, T0);
    assert_int_equal(g.grade, COMM_YELLOW);
    assert_int_equal(g.reason[0].rule, COMM_R_TEMP);
    assert_false(g.alert);

    /* 2 days 23 hours: not yet */
    f = fu(T0 + 2 * DAY_MS + 23 * HOUR_MS, 39.0, 97, 0, true);
    comm_grade_eval(&n, &f, &fever, &pol, &g);
    assert_int_equal(fever.since_ms, T0);
    assert_int_equal(g.grade, COMM_YELLOW);
    assert_false(g.alert);

    /* 3 days, with medicine: red */
    f = fu(T0 + 3 * DAY_MS, 39.0, 97, 0, true);
    comm_grade_eval(&n, &f, &fever, &pol, &g);
    assert_int_equal(g.grade, COMM_RED);
    assert_true(g.alert);
    assert_true(g.propose_transfer);
    assert_false(g.icu);
    assert_int_equal(g.reason[0].rule, COMM_R_FEVER_DAYS);
    assert_true(g.reason[0].value == 3 && g.reason[0].limit == 3 && g.reason[0].limit2 == 38.5);
    /* the temperature's yellow reason follows the red one */
    assert_int_equal(g.nreasons, 2);
    assert_int_equal(g.reason[1].rule, COMM_R_TEMP);

    /* the same without medicine: not the warning sign */
    f = fu(T0 + 3 * DAY_MS, 39.0, 97, 0, false);
    comm_grade_eval(&n, &f, &fever, &pol, &g);
    assert_int_equal(g.grade, COMM_YELLOW);
    assert_false(g.alert);

    /* 5 days: value counts whole days */
    f = fu(T0 + 5 * DAY_MS + 6 * HOUR_MS, 38.6, 97, 0, true);
    comm_grade_eval(&n, &f, &fever, &pol, &g);
    assert_int_equal(g.grade, COMM_RED);
    assert_true(g.reason[0].value == 5);

    /* a follow-up without a temperature leaves the run alone */
    f = fu(T0 + 5 * DAY_MS + 12 * HOUR_MS, 0, 97, 0, true);
    comm_grade_eval(&n, &f, &fever, &pol, &g);
    assert_int_equal(fever.since_ms, T0);
    assert_int_equal(g.grade, COMM_GREEN);
}

static void test_fever_exactly_at_limit_is_not_fever(void **state)
{
    (void)state;
    struct comm_needs n = needs(40);
    struct comm_fever fever = {0};
    struct comm_grading g;
    for (int d = 0; d <= 5; d++) {
        struct comm_followup f = fu(T0 + d * DAY_MS, 38.5, 97, 0, true);
        comm_grade_eval(&n, &f, &fever, &pol, &g);
        assert_int_equal(fever.since_ms, 0);
        assert_int_equal(g.grade, COMM_YELLOW); /* ≥ 38.5: yellow */
        assert_false(has_rule(&g, COMM_R_FEVER_DAYS, NULL));
    }
}

static void test_fever_run_reset_by_normal_temperature(void **state)
{
    (void)state;
    struct comm_needs n = needs(40);
    struct comm_fever fever = {0};
    struct comm_grading g;
    struct comm_followup f = fu(T0, 39.2, 97, 0, true);
    comm_grade_eval(&n, &f, &fever, &pol, &g);
    f = fu(T0 + 1 * DAY_MS, 36.9, 97, 0, true); /* back to normal */
    comm_grade_eval(&n, &f, &fever, &pol, &g);
    assert_int_equal(fever.since_ms, 0);
    assert_int_equal(g.grade, COMM_GREEN);
    f = fu(T0 + 3 * DAY_MS, 39.2, 97, 0, true); /* a new run starts */
    comm_grade_eval(&n, &f, &fever, &pol, &g);
    assert_int_equal(fever.since_ms, T0 + 3 * DAY_MS);
    assert_int_equal(g.grade, COMM_YELLOW);
    f = fu(T0 + 5 * DAY_MS, 39.2, 97, 0, true);
    comm_grade_eval(&n, &f, &fever, &pol, &g);
    assert_int_equal(g.grade, COMM_YELLOW);
    f = fu(T0 + 6 * DAY_MS, 39.2, 97, 0, true);
    comm_grade_eval(&n, &f, &fever, &pol, &g);
    assert_int_equal(g.grade, COMM_RED);

    /* a run carried in (as the ledger stores it) counts from its start */
    struct comm_fever carried = {T0 - 3 * DAY_MS};
    f = fu(T0, 39.0, 97, 0, true);
    comm_grade_eval(&n, &f, &carried, &pol, &g);
    assert_int_equal(carried.since_ms, T0 - 3 * DAY_MS);
    assert_int_equal(g.grade, COMM_RED);
    /* a late follow-up from before the run moves its start back */
    struct comm_fever late = {T0};
    f = fu(T0 - 4 * DAY_MS, 39.0, 97, 0, true);
    comm_grade_eval(&n, &f, &late, &pol, &g);
    assert_int_equal(late.since_ms, T0 - 4 * DAY_MS);
    /* no follow-up at all leaves the run as it was */
    comm_grade_eval(&n, NULL, &late, &pol, &g);
    assert_int_equal(late.since_ms, T0 - 4 * DAY_MS);
}

static void test_each_warning_symptom_is_red(void **state)
{
    (void)state;
    struct comm_grading g;
    for (int s = 0; s < COMM__SYMPTOMS; s++) {
        /* a pregnant 16-year-old: every sign applies to her */
        struct comm_needs n = needs(16);
        n.pregnant = true;
        struct comm_followup f = fu(T0, 37.0, 97, SYM(s), false);
        grade(&n, &f, &g);
        if (comm_symptom_is_warning((enum comm_symptom)s)) {
            assert_int_equal(g.grade, COMM_RED);
            assert_true(g.alert);
            assert_true(g.propose_transfer);
            assert_int_equal(g.reason[0].rule, COMM_R_SYMPTOM);
            assert_string_equal(g.reason[0].name, comm_symptom_name((enum comm_symptom)s));
        } else {
            assert_int_equal(g.grade, COMM_YELLOW); /* pregnant */
            assert_false(g.alert);
            assert_false(has_rule(&g, COMM_R_SYMPTOM, NULL));
        }
    }
    /* the adult signs, for a plain adult */
    struct comm_needs adult = needs(40);
    struct comm_followup f = fu(T0, 37.0, 97, SYM(COMM_SYM_BREATHLESS), false);
    grade(&adult, &f, &g);
    assert_int_equal(g.grade, COMM_RED);
    f = fu(T0, 37.0, 97, SYM(COMM_SYM_DISEASE_UNCONTROLLED), false);
    grade(&adult, &f, &g);
    assert_int_equal(g.grade, COMM_RED);
    /* the ordinary symptoms all at once: still green */
    f = fu(T0, 37.0, 97,
           SYM(COMM_SYM_FEVER) | SYM(COMM_SYM_COUGH) | SYM(COMM_SYM_SORE_THROAT) |
               SYM(COMM_SYM_FATIGUE) | SYM(COMM_SYM_MUSCLE_PAIN) | SYM(COMM_SYM_DIARRHOEA),
           false);
    grade(&adult, &f, &g);
    assert_int_equal(g.grade, COMM_GREEN);
    assert_false(g.alert);
}

static void test_child_signs_only_for_children(void **state)
{
    (void)state;
    struct comm_grading g;
    static const enum comm_symptom child[] = {COMM_SYM_CHILD_LETHARGIC,
                                              COMM_SYM_CHILD_REFUSES_FOOD};
    for (size_t i = 0; i < 2; i++) {
        struct comm_followup f = fu(T0, 37.0, 97, SYM(child[i]), false);
        struct comm_needs n = needs(17);
        grade(&n, &f, &g);
        assert_int_equal(g.grade, COMM_RED);
        assert_true(g.alert);
        n = needs(0);
        grade(&n, &f, &g);
        assert_int_equal(g.grade, COMM_RED);
        n = needs(18);
        grade(&n, &f, &g);
        assert_int_equal(g.grade, COMM_GREEN);
        assert_false(g.alert);
        n = needs(-1); /* age unknown */
        grade(&n, &f, &g);
        assert_int_equal(g.grade, COMM_GREEN);
        assert_false(g.alert);
    }
}

static void test_pregnancy_signs_only_in_pregnancy(void **state)
{
    (void)state;
    struct comm_grading g;
    struct comm_followup f = fu(T0, 37.0, 97, SYM(COMM_SYM_PREGNANCY_WARNING), false);
    struct comm_needs n = needs(30);
    grade(&n, &f, &g);
    assert_int_equal(g.grade, COMM_GREEN);
    assert_false(g.alert);
    n.pregnant = true;
    grade(&n, &f, &g);
    assert_int_equal(g.grade, COMM_RED);
    assert_true(g.alert);
    assert_int_equal(g.reason[0].rule, COMM_R_SYMPTOM);
    assert_string_equal(g.reason[0].name, "pregnancy_warning");
    /* the yellow "pregnant" need follows */
    assert_int_equal(g.nreasons, 2);
    assert_int_equal(g.reason[1].rule, COMM_R_NEED);
    assert_string_equal(g.reason[1].name, "pregnant");
}

static void test_red_needs(void **state)
{
    (void)state;
    struct comm_grading g;
    struct comm_needs n = needs(50);
    n.haemodialysis = true;
    grade(&n, NULL, &g);
    assert_int_equal(g.grade, COMM_RED);
    assert_int_equal(g.nreasons, 1);
    assert_int_equal(g.reason[0].rule, COMM_R_NEED);
    assert_string_equal(g.reason[0].name, "haemodialysis");
    assert_false(g.alert); /* a need is not a warning sign */
    assert_false(g.propose_transfer);

    n = needs(50);
    n.bedridden = true;
    grade(&n, NULL, &g);
    assert_int_equal(g.grade, COMM_RED);
    assert_true(has_rule(&g, COMM_R_NEED, "bedridden"));
    assert_false(g.alert);

    /* both, in the policy's order */
    n.haemodialysis = true;
    grade(&n, NULL, &g);
    assert_int_equal(g.nreasons, 2);
    assert_string_equal(g.reason[0].name, "haemodialysis");
    assert_string_equal(g.reason[1].name, "bedridden");

    /* the list is the policy's: without bedridden in it, bedridden is green */
    pol.community.grading.red_needs.n = 1;
    n = needs(50);
    n.bedridden = true;
    grade(&n, NULL, &g);
    assert_int_equal(g.grade, COMM_GREEN);
    policy_defaults(&pol);
}

static void test_age_with_chronic_disease(void **state)
{
    (void)state;
    struct comm_grading g;
    struct comm_needs n = needs(80);
    add_chronic(&n, "hypertension");
    add_chronic(&n, "diabetes");
    grade(&n, NULL, &g);
    assert_int_equal(g.grade, COMM_RED);
    assert_false(g.alert);
    assert_int_equal(g.reason[0].rule, COMM_R_AGE_CHRONIC);
    assert_true(g.reason[0].value == 80 && g.reason[0].limit == 80);
    assert_string_equal(g.reason[0].name, "hypertension"); /* the first disease */
    /* then the yellow ones: the age, each disease */
    assert_int_equal(g.nreasons, 4);
    assert_int_equal(g.reason[1].rule, COMM_R_AGE);
    assert_int_equal(g.reason[2].rule, COMM_R_CHRONIC);
    assert_string_equal(g.reason[2].name, "hypertension");
    assert_int_equal(g.reason[3].rule, COMM_R_CHRONIC);
    assert_string_equal(g.reason[3].name, "diabetes");

    n.age = 79;
    grade(&n, NULL, &g);
    assert_int_equal(g.grade, COMM_YELLOW);
    assert_false(has_rule(&g, COMM_R_AGE_CHRONIC, NULL));
    assert_int_equal(g.reason[0].rule, COMM_R_AGE);
    assert_true(g.reason[0].value == 79 && g.reason[0].limit == 65);

    /* 80 without a chronic disease: yellow for the age alone */
    n = needs(80);
    grade(&n, NULL, &g);
    assert_int_equal(g.grade, COMM_YELLOW);
    assert_int_equal(g.nreasons, 1);
    assert_int_equal(g.reason[0].rule, COMM_R_AGE);
}

/* ---- grading: yellow and green ---- */

static void test_age_65(void **state)
{
    (void)state;
    struct comm_grading g;
    struct comm_needs n = needs(65);
    grade(&n, NULL, &g);
    assert_int_equal(g.grade, COMM_YELLOW);
    assert_int_equal(g.nreasons, 1);
    assert_int_equal(g.reason[0].rule, COMM_R_AGE);
    assert_true(g.reason[0].value == 65 && g.reason[0].limit == 65);
    n.age = 64;
    grade(&n, NULL, &g);
    assert_int_equal(g.grade, COMM_GREEN);
    assert_int_equal(g.nreasons, 1);
    assert_int_equal(g.reason[0].rule, COMM_R_NONE);
}

static void test_yellow_needs(void **state)
{
    (void)state;
    struct comm_grading g;
    struct comm_needs n = needs(40);
    add_chronic(&n, "copd");
    grade(&n, NULL, &g);
    assert_int_equal(g.grade, COMM_YELLOW);
    assert_int_equal(g.nreasons, 1);
    assert_int_equal(g.reason[0].rule, COMM_R_CHRONIC);
    assert_string_equal(g.reason[0].name, "copd");

    static const char *const needs_names[] = {"pregnant", "living_alone", "disability"};
    for (int i = 0; i < 3; i++) {
        n = needs(40);
        n.pregnant = i == 0;
        n.living_alone = i == 1;
        n.disability = i == 2;
        grade(&n, NULL, &g);
        assert_int_equal(g.grade, COMM_YELLOW);
        assert_int_equal(g.nreasons, 1);
        assert_int_equal(g.reason[0].rule, COMM_R_NEED);
        assert_string_equal(g.reason[0].name, needs_names[i]);
        assert_false(g.alert);
    }

    /* without chronic_disease among the policy's yellow needs, a disease
     * alone is green */
    static const char *const fewer[] = {"pregnant", "living_alone", "disability"};
    list_set(&pol.community.grading.yellow_needs, fewer, 3);
    n = needs(40);
    add_chronic(&n, "copd");
    grade(&n, NULL, &g);
    assert_int_equal(g.grade, COMM_GREEN);
    policy_defaults(&pol);
}

static void test_infants(void **state)
{
    (void)state;
    struct comm_grading g;
    for (int age = 0; age <= 4; age++) {
        struct comm_needs n = needs(age);
        grade(&n, NULL, &g);
        if (age <= 3) {
            assert_int_equal(g.grade, COMM_YELLOW);
            assert_int_equal(g.reason[0].rule, COMM_R_INFANT);
            assert_true(g.reason[0].value == age && g.reason[0].limit == 3);
        } else {
            assert_int_equal(g.grade, COMM_GREEN);
        }
    }
    /* an unknown age is not an infant */
    struct comm_needs n = needs(-1);
    grade(&n, NULL, &g);
    assert_int_equal(g.grade, COMM_GREEN);
}

static void test_temperature_yellow(void **state)
{
    (void)state;
    struct comm_grading g;
    struct comm_needs n = needs(40);
    struct comm_followup f = fu(T0, 38.5, 97, 0, false);
    grade(&n, &f, &g);
    assert_int_equal(g.grade, COMM_YELLOW);
    assert_int_equal(g.reason[0].rule, COMM_R_TEMP);
    assert_true(g.reason[0].value == 38.5 && g.reason[0].limit == 38.5);
    f = fu(T0, 38.4, 97, 0, false);
    grade(&n, &f, &g);
    assert_int_equal(g.grade, COMM_GREEN);
}

static void test_nothing_is_green(void **state)
{
    (void)state;
    struct comm_grading g;
    struct comm_needs n = needs(30);
    grade(&n, NULL, &g);
    assert_int_equal(g.grade, COMM_GREEN);
    assert_int_equal(g.nreasons, 1);
    assert_int_equal(g.reason[0].rule, COMM_R_NONE);
    assert_false(g.alert);
    assert_false(g.propose_transfer);
    assert_false(g.icu);
    struct comm_followup f = fu(T0, 36.6, 98, SYM(COMM_SYM_COUGH), true);
    grade(&n, &f, &g);
    assert_int_equal(g.grade, COMM_GREEN);
    assert_int_equal(g.nreasons, 1);
    assert_int_equal(g.reason[0].rule, COMM_R_NONE);
}

static void test_reasons_grade_first(void **state)
{
    (void)state;
    struct comm_grading g;
    /* a 70-year-old living alone with hypertension and SpO₂ 92 */
    struct comm_needs n = needs(70);
    n.living_alone = true;
    add_chronic(&n, "hypertension");
    struct comm_followup f = fu(T0, 38.7, 92, SYM(COMM_SYM_BREATHLESS), false);
    grade(&n, &f, &g);
    assert_int_equal(g.grade, COMM_RED);
    assert_int_equal(g.nreasons, 6);
    static const enum comm_rule want[] = {COMM_R_SPO2,    COMM_R_SYMPTOM, COMM_R_AGE,
                                          COMM_R_CHRONIC, COMM_R_NEED,    COMM_R_TEMP};
    for (int i = 0; i < 6; i++)
        assert_int_equal(g.reason[i].rule, want[i]);

    /* more reasons than fit: capped, red ones kept first, no overflow */
    n = needs(16);
    n.pregnant = n.haemodialysis = n.bedridden = n.living_alone = n.disability = true;
    add_chronic(&n, "asthma");
    unsigned all = 0;
    for (int s = 0; s < COMM__SYMPTOMS; s++)
        all |= SYM(s);
    f = fu(T0, 39.5, 85, all, true);
    struct comm_fever fever = {T0 - 4 * DAY_MS};
    comm_grade_eval(&n, &f, &fever, &pol, &g);
    assert_int_equal(g.grade, COMM_RED);
    assert_int_equal(g.nreasons, COMM_MAX_REASONS);
    assert_true(g.icu);
    assert_int_equal(g.reason[0].rule, COMM_R_SPO2);
    assert_int_equal(g.reason[1].rule, COMM_R_FEVER_DAYS);
    for (int i = 2; i < 7; i++)
        assert_int_equal(g.reason[i].rule, COMM_R_SYMPTOM);
    assert_int_equal(g.reason[7].rule, COMM_R_NEED);
    assert_string_equal(g.reason[7].name, "haemodialysis");
}

/* ---- texts ---- */

static void text_of(const struct comm_reason *r, const char *lang, char *out)
{
    comm_reason_text(r, lang, out, 256);
}

static void test_reason_text(void **state)
{
    (void)state;
    char out[256];
    struct comm_reason r;
    memset(&r, 0, sizeof r);

    r.rule = COMM_R_SPO2;
    r.value = 91;
    r.limit = 93;
    text_of(&r, "en", out);
    assert_string_equal(out, "SpO₂ 91 % ≤ 93 %");
    text_of(&r, "zh", out);
    assert_string_equal(out, "血氧 91% ≤ 93%");
    text_of(&r, NULL, out); /* no language: Chinese */
    assert_string_equal(out, "血氧 91% ≤ 93%");

    r.rule = COMM_R_FEVER_DAYS;
    r.value = 3;
    r.limit = 3;
    r.limit2 = 38.5;
    text_of(&r, "en", out);
    assert_non_null(strstr(out, "38.5 °C"));
    assert_non_null(strstr(out, "3 days"));
    assert_non_null(strstr(out, "medicine"));
    text_of(&r, "zh", out);
    assert_non_null(strstr(out, "38.5℃"));
    assert_non_null(strstr(out, "服药"));

    memset(&r, 0, sizeof r);
    r.rule = COMM_R_SYMPTOM;
    str_copy(r.name, sizeof r.name, "breathless");
    text_of(&r, "en", out);
    assert_string_equal(out, "breathlessness");
    text_of(&r, "zh", out);
    assert_string_equal(out, "呼吸困难或气促");

    r.rule = COMM_R_NEED;
    str_copy(r.name, sizeof r.name, "haemodialysis");
    text_of(&r, "en", out);
    assert_string_equal(out, "haemodialysis");
    text_of(&r, "zh", out);
    assert_string_equal(out, "血液透析");

    r.rule = COMM_R_CHRONIC;
    str_copy(r.name, sizeof r.name, "hypertension");
    text_of(&r, "zh", out);
    assert_string_equal(out, "高血压");
    str_copy(r.name, sizeof r.name, "an_unlisted_disease"); /* shown as its code */
    text_of(&r, "en", out);
    assert_string_equal(out, "an_unlisted_disease");

    r.rule = COMM_R_AGE_CHRONIC;
    r.value = 85;
    r.limit = 80;
    str_copy(r.name, sizeof r.name, "copd");
    text_of(&r, "en", out);
    assert_string_equal(out, "85 years ≥ 80 with COPD");
    text_of(&r, "zh", out);
    assert_string_equal(out, "85 岁 ≥ 80 岁且患慢阻肺");

    memset(&r, 0, sizeof r);
    r.rule = COMM_R_AGE;
    r.value = 72;
    r.limit = 65;
    text_of(&r, "en", out);
    assert_string_equal(out, "72 years ≥ 65");
    text_of(&r, "zh", out);
    assert_string_equal(out, "72 岁 ≥ 65 岁");

    r.rule = COMM_R_INFANT;
    r.value = 2;
    r.limit = 3;
    text_of(&r, "en", out);
    assert_non_null(strstr(out, "infant"));
    assert_non_null(strstr(out, "2 years ≤ 3"));
    text_of(&r, "zh", out);
    assert_non_null(strstr(out, "婴幼儿"));

    r.rule = COMM_R_TEMP;
    r.value = 38.6;
    r.limit = 38.5;
    text_of(&r, "en", out);
    assert_string_equal(out, "temperature 38.6 °C ≥ 38.5 °C");
    text_of(&r, "zh", out);
    assert_string_equal(out, "体温 38.6℃ ≥ 38.5℃");

    r.rule = COMM_R_NONE;
    text_of(&r, "en", out);
    assert_string_equal(out, "no risk factor");
    text_of(&r, "zh", out);
    assert_string_equal(out, "无高危因素");

    r.rule = (enum comm_rule)99;
    text_of(&r, "en", out);
    assert_string_equal(out, "?");

    /* a small buffer is never overrun */
    r.rule = COMM_R_AGE_CHRONIC;
    char *small = malloc(6);
    comm_reason_text(&r, "en", small, 6);
    assert_int_equal(strlen(small), 5);
    free(small);
}

static void test_code_of_label(void **state)
{
    (void)state;
    assert_string_equal(comm_code_of_label("高血压"), "hypertension");
    assert_string_equal(comm_code_of_label("hypertension"), "hypertension");
    assert_string_equal(comm_code_of_label("COPD"), "copd");
    assert_string_equal(comm_code_of_label("慢阻肺"), "copd");
    assert_string_equal(comm_code_of_label("独居"), "living_alone");
    assert_string_equal(comm_code_of_label("living alone"), "living_alone");
    assert_string_equal(comm_code_of_label("呼吸困难或气促"), "breathless");
    /* not a label: itself */
    const char *s = "influenza";
    assert_ptr_equal(comm_code_of_label(s), s);
    assert_string_equal(comm_code_of_label(""), "");
    /* every label of every disease in the policy maps back to its code */
    for (int i = 0; i < pol.telecare.chronic_diseases.n; i++) {
        const char *code = pol.telecare.chronic_diseases.item[i];
        struct comm_reason r;
        memset(&r, 0, sizeof r);
        r.rule = COMM_R_CHRONIC;
        str_copy(r.name, sizeof r.name, code);
        char zh[128], en[128];
        comm_reason_text(&r, "zh", zh, sizeof zh);
        comm_reason_text(&r, "en", en, sizeof en);
        assert_string_equal(comm_code_of_label(zh), code);
        assert_string_equal(comm_code_of_label(en), code);
        assert_string_not_equal(zh, code); /* each has a Chinese label */
    }
}

static void test_grading_text(void **state)
{
    (void)state;
    char out[512];
    struct comm_grading g;
    struct comm_needs n = needs(40);
    struct comm_followup f = fu(T0, 37.0, 91, 0, false);
    grade(&n, &f, &g);
    comm_grading_text(&g, "en", out, sizeof out);
    assert_string_equal(out, "red: SpO₂ 91 % ≤ 93 %");
    comm_grading_text(&g, "zh", out, sizeof out);
    assert_string_equal(out, "红: 血氧 91% ≤ 93%");

    /* the header's example */
    n = needs(72);
    add_chronic(&n, "hypertension");
    grade(&n, NULL, &g);
    comm_grading_text(&g, "en", out, sizeof out);
    assert_string_equal(out, "yellow: 72 years ≥ 65; hypertension");
    comm_grading_text(&g, "zh", out, sizeof out);
    assert_string_equal(out, "黄: 72 岁 ≥ 65 岁；高血压");

    n = needs(30);
    grade(&n, NULL, &g);
    comm_grading_text(&g, "en", out, sizeof out);
    assert_string_equal(out, "green: no risk factor");
    comm_grading_text(&g, "zh", out, sizeof out);
    assert_string_equal(out, "绿: 无高危因素");

    /* small buffers: truncated, terminated, never overrun */
    n = needs(85);
    n.living_alone = n.bedridden = true;
    add_chronic(&n, "chronic_heart_failure");
    add_chronic(&n, "chronic_kidney_disease");
    grade(&n, NULL, &g);
    for (size_t cap = 1; cap < 200; cap += 7) {
        char *b = malloc(cap);
        comm_grading_text(&g, "en", b, cap);
        assert_true(strlen(b) < cap);
        comm_grading_text(&g, "zh", b, cap);
        assert_true(strlen(b) < cap);
        free(b);
    }
}

static void test_reasons_encode_decode(void **state)
{
    (void)state;
    struct comm_grading g, back;
    struct comm_needs n = needs(82);
    n.living_alone = true;
    add_chronic(&n, "diabetes");
    struct comm_followup f = fu(T0, 38.7, 92, SYM(COMM_SYM_BREATHLESS), true);
    struct comm_fever fever = {T0 - 3 * DAY_MS};
    comm_grade_eval(&n, &f, &fever, &pol, &g);
    assert_true(g.nreasons >= 6);

    char buf[1024];
    comm_reasons_encode(&g, buf, sizeof buf);
    memset(&back, 0x55, sizeof back);
    assert_true(comm_reasons_decode(buf, &back));
    assert_int_equal(back.nreasons, g.nreasons);
    for (int i = 0; i < g.nreasons; i++) {
        assert_int_equal(back.reason[i].rule, g.reason[i].rule);
        assert_true(back.reason[i].value == g.reason[i].value);
        assert_true(back.reason[i].limit == g.reason[i].limit);
        assert_true(back.reason[i].limit2 == g.reason[i].limit2);
        assert_string_equal(back.reason[i].name, g.reason[i].name);
    }
    /* and the text from the stored form is the text from the original */
    char t1[512], t2[512];
    back.grade = g.grade;
    comm_grading_text(&g, "en", t1, sizeof t1);
    comm_grading_text(&back, "en", t2, sizeof t2);
    assert_string_equal(t1, t2);

    /* one known form */
    struct comm_grading one;
    memset(&one, 0, sizeof one);
    one.nreasons = 1;
    one.reason[0].rule = COMM_R_TEMP;
    one.reason[0].value = 38.6;
    one.reason[0].limit = 38.5;
    comm_reasons_encode(&one, buf, sizeof buf);
    assert_string_equal(buf, "8|38.6|38.5|0|");

    /* green's single reason, and none at all */
    n = needs(30);
    grade(&n, NULL, &g);
    comm_reasons_encode(&g, buf, sizeof buf);
    assert_true(comm_reasons_decode(buf, &back));
    assert_int_equal(back.nreasons, 1);
    assert_int_equal(back.reason[0].rule, COMM_R_NONE);
    g.nreasons = 0;
    comm_reasons_encode(&g, buf, sizeof buf);
    assert_string_equal(buf, "");
    assert_true(comm_reasons_decode("", &back));
    assert_int_equal(back.nreasons, 0);
    assert_true(comm_reasons_decode(NULL, &back));
    assert_int_equal(back.nreasons, 0);

    /* the most reasons there can be */
    memset(&g, 0, sizeof g);
    g.nreasons = COMM_MAX_REASONS;
    for (int i = 0; i < COMM_MAX_REASONS; i++) {
        g.reason[i].rule = COMM_R_SYMPTOM;
        memset(g.reason[i].name, 'a' + i, POLICY_NAME - 1);
    }
    comm_reasons_encode(&g, buf, sizeof buf);
    assert_true(comm_reasons_decode(buf, &back));
    assert_int_equal(back.nreasons, COMM_MAX_REASONS);
    assert_int_equal(strlen(back.reason[7].name), POLICY_NAME - 1);

    /* a small buffer is never overrun */
    char *small = malloc(10);
    comm_reasons_encode(&g, small, 10);
    assert_true(strlen(small) < 10);
    free(small);
}

static void test_reasons_decode_rejects(void **state)
{
    (void)state;
    struct comm_grading g;
    static const char *const bad[] = {
        "x|1|2|3|",                    /* rule not a number */
        "|1|2|3|",                     /* no rule */
        "1",                           /* nothing after the rule */
        "1|2|3|",                      /* a figure missing */
        "1|2|3|4",                     /* no name separator */
        "1|a|2|3|n",                   /* a figure not a number */
        "1|2||3|n",                    /* an empty figure */
        "10|0|0|0|",                   /* rule past the last */
        "-1|0|0|0|",                   /* negative rule */
        "99999999999999999999|0|0|0|", /* rule overflows */
        "1|nan|0|0|",                  /* not finite */
        "1|inf|0|0|",                  /* not finite */
        "1|1e999|0|0|",                /* overflows to infinity */
        "1|2|3|4|n;garbage",           /* a second reason malformed */
        "1|2|3|4|n;;",                 /* an empty reason */
        "1|2|3|4|n;1|2|3|4|n;1|2|3|4|n;1|2|3|4|n;1|2|3|4|n;1|2|3|4|n;1|2|3|4|n;1|2|3|4|n;1|2|3|4|n",
        /* a name longer than a name can be */
        "2|0|0|0|abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (comm_reasons_decode(bad[i], &g))
            fail_msg("accepted \"%s\"", bad[i]);
    }
    /* nine reasons fail, eight are fine */
    assert_true(comm_reasons_decode(
        "1|2|3|4|n;1|2|3|4|n;1|2|3|4|n;1|2|3|4|n;1|2|3|4|n;1|2|3|4|n;1|2|3|4|n;1|2|3|4|n", &g));
    assert_int_equal(g.nreasons, 8);
    /* a name with the longest length that fits */
    assert_true(comm_reasons_decode("2|0|0|0|abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstu", &g));
    assert_int_equal(strlen(g.reason[0].name), POLICY_NAME - 1);
}

/* ---- deadlines and transitions ---- */

static void test_followup_due(void **state)
{
    (void)state;
    assert_int_equal(comm_followup_due(COMM_RED, T0, &pol), T0 + 4 * HOUR_MS);
    assert_int_equal(comm_followup_due(COMM_YELLOW, T0, &pol), T0 + 12 * HOUR_MS);
    assert_int_equal(comm_followup_due(COMM_GREEN, T0, &pol), T0 + 24 * HOUR_MS);
    pol.community.grading.followup_hours_red = 2;
    assert_int_equal(comm_followup_due(COMM_RED, T0, &pol), T0 + 2 * HOUR_MS);
    policy_defaults(&pol);
}

static void test_request_deadlines(void **state)
{
    (void)state;
    /* green: the type's own deadline */
    assert_int_equal(comm_req_deadline_hours(COMM_REQ_SUPPLIES, COMM_GREEN, &pol), 24);
    assert_int_equal(comm_req_deadline_hours(COMM_REQ_LIVELIHOOD, COMM_GREEN, &pol), 48);
    assert_int_equal(comm_req_deadline_hours(COMM_REQ_HEALTH, COMM_GREEN, &pol), 4);
    assert_int_equal(comm_req_deadline_hours(COMM_REQ_TEMP_HELP, COMM_GREEN, &pol), 12);
    assert_int_equal(comm_req_deadline_hours(COMM_REQ_MEDICINE, COMM_GREEN, &pol), 12);
    /* yellow: capped at 12 h */
    assert_int_equal(comm_req_deadline_hours(COMM_REQ_SUPPLIES, COMM_YELLOW, &pol), 12);
    assert_int_equal(comm_req_deadline_hours(COMM_REQ_LIVELIHOOD, COMM_YELLOW, &pol), 12);
    assert_int_equal(comm_req_deadline_hours(COMM_REQ_HEALTH, COMM_YELLOW, &pol), 4);
    assert_int_equal(comm_req_deadline_hours(COMM_REQ_TEMP_HELP, COMM_YELLOW, &pol), 12);
    assert_int_equal(comm_req_deadline_hours(COMM_REQ_MEDICINE, COMM_YELLOW, &pol), 12);
    /* red: capped at 2 h */
    for (int t = 0; t < COMM__REQ_TYPES; t++)
        assert_int_equal(comm_req_deadline_hours((enum comm_req_type)t, COMM_RED, &pol), 2);
    /* the cap only shortens */
    pol.community.requests.max_hours_red = 100;
    assert_int_equal(comm_req_deadline_hours(COMM_REQ_HEALTH, COMM_RED, &pol), 4);
    policy_defaults(&pol);
}

static void test_request_transitions(void **state)
{
    (void)state;
    /* rows: from; columns: to (open, assigned, in_progress, done, cancelled) */
    static const bool ok[COMM__REQ_STATUSES][COMM__REQ_STATUSES] = {
        /* open */ {false, true, true, true, true},
        /* assigned (re-assignable) */ {false, true, true, true, true},
        /* in_progress (re-assignable) */ {false, true, false, true, true},
        /* done: final */ {false, false, false, false, false},
        /* cancelled: final */ {false, false, false, false, false},
    };
    for (int a = 0; a < COMM__REQ_STATUSES; a++)
        for (int b = 0; b < COMM__REQ_STATUSES; b++)
            if (comm_req_transition_ok((enum comm_req_status)a, (enum comm_req_status)b) !=
                ok[a][b])
                fail_msg("%s -> %s", comm_req_status_name((enum comm_req_status)a),
                         comm_req_status_name((enum comm_req_status)b));
}

/* ---- dates, times, distances ---- */

static void test_date_ms(void **state)
{
    (void)state;
    assert_int_equal(comm_date_ms("2022-12-28"), T0);
    assert_int_equal(comm_date_ms("1970-01-01"), -8 * HOUR_MS);
    assert_int_equal(comm_date_ms("1970-01-02"), 16 * HOUR_MS);
    assert_int_equal(comm_date_ms("2022-12-29") - comm_date_ms("2022-12-28"), DAY_MS);
    assert_int_equal(comm_date_ms("2023-01-01") - comm_date_ms("2022-12-31"), DAY_MS);
    assert_int_equal(comm_date_ms("2024-03-01") - comm_date_ms("2024-02-28"), 2 * DAY_MS);
    assert_int_equal(comm_date_ms("2022-02-30"), -1);
    assert_int_equal(comm_date_ms("2022-12-28T00:00"), -1);
    assert_int_equal(comm_date_ms(""), -1);
    assert_int_equal(comm_date_ms(NULL), -1);

    char d[11];
    /* around China midnight: 2022-12-27T16:00Z is 2022-12-28 00:00 */
    comm_ms_date(T0, d);
    assert_string_equal(d, "2022-12-28");
    comm_ms_date(T0 - 1, d);
    assert_string_equal(d, "2022-12-27");
    comm_ms_date(T0 + DAY_MS - 1, d);
    assert_string_equal(d, "2022-12-28");
    comm_ms_date(T0 + DAY_MS, d);
    assert_string_equal(d, "2022-12-29");
    /* before 1970 China midnight, and before the epoch */
    comm_ms_date(-8 * HOUR_MS, d);
    assert_string_equal(d, "1970-01-01");
    comm_ms_date(-8 * HOUR_MS - 1, d);
    assert_string_equal(d, "1969-12-31");
    comm_ms_date(0, d);
    assert_string_equal(d, "1970-01-01");

    /* every day from 1900 to 2100 round-trips, at midnight and just before
     * the next */
    int64_t start = comm_date_ms("1900-01-01"), end = comm_date_ms("2100-12-31");
    assert_true(start < end);
    int64_t days = 0;
    for (int64_t ms = start; ms <= end; ms += DAY_MS, days++) {
        comm_ms_date(ms, d);
        assert_int_equal(comm_date_ms(d), ms);
        comm_ms_date(ms + DAY_MS - 1, d);
        assert_int_equal(comm_date_ms(d), ms);
    }
    assert_int_equal(days, 73414); /* 201 years, 49 leap days (2000 is, 1900 and 2100 not) */
}

static void test_parse_time(void **state)
{
    (void)state;
    const int64_t at10z = 1672221600000LL; /* 2022-12-28T10:00:00Z */
    static const char *const same[] = {
        "2022-12-28T10:00:00Z",      "2022-12-28T10:00Z",         "2022-12-28T18:00:00+08:00",
        "2022-12-28T18:00+08:00",    "2022-12-28T18:00:00",       "2022-12-28T18:00",
        "2022-12-28 18:00",          "2022-12-28T05:00:00-05:00", "2022-12-28T15:30+05:30",
        "2022-12-29T00:00+14:00",    "2022-12-28T10:00:00.000Z",  "2022-12-28T10:00:00.000000000Z",
        "2022-12-28T10:00:00+00:00", "2022-12-28T10:00:00-00:00",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        int64_t ms = 0;
        if (!comm_parse_time(same[i], &ms) || ms != at10z)
            fail_msg("%s -> %lld", same[i], (long long)ms);
    }
    int64_t ms;
    assert_true(comm_parse_time("2022-12-28T10:00:07Z", &ms));
    assert_int_equal(ms, at10z + 7000);
    assert_true(comm_parse_time("2022-12-28T10:00:07.5Z", &ms));
    assert_int_equal(ms, at10z + 7500);
    assert_true(comm_parse_time("2022-12-28T10:00:07.25Z", &ms));
    assert_int_equal(ms, at10z + 7250);
    assert_true(comm_parse_time("2022-12-28T10:00:07.123456789Z", &ms));
    assert_int_equal(ms, at10z + 7123);
    assert_true(comm_parse_time("2022-12-28T23:59:59.999Z", &ms));
    assert_int_equal(ms, at10z + 14 * HOUR_MS - 1);
    /* no zone is China time: midnight there is 16:00 UTC the day before */
    assert_true(comm_parse_time("2022-12-28T00:00", &ms));
    assert_int_equal(ms, T0);
    assert_true(comm_parse_time("2022-12-27T23:59:59", &ms));
    assert_int_equal(ms, T0 - 1000);
    assert_true(comm_parse_time("1970-01-01T00:00Z", &ms));
    assert_int_equal(ms, 0);
    /* and the date it falls on in China */
    char d[11];
    assert_true(comm_parse_time("2022-12-27T16:00Z", &ms));
    comm_ms_date(ms, d);
    assert_string_equal(d, "2022-12-28");
    assert_true(comm_parse_time("2022-12-27T15:59:59.999Z", &ms));
    comm_ms_date(ms, d);
    assert_string_equal(d, "2022-12-27");

    static const char *const bad[] = {
        "",
        "2022-12-28",
        "2022-12-28T",
        "2022-12-28T10",
        "2022-12-28T10:0",
        "2022-12-28T1:00:00",
        "2022-12-28t10:00",
        "2022-12-28_10:00",
        "2022-12-28T10-00",
        "2022-12-28T24:00",
        "2022-12-28T23:60",
        "2022-12-28T10:00:60",
        "2022-12-28T10:00:6",
        "2022-12-28T10:00:",
        "2022-12-28T10:00:00.",
        "2022-12-28T10:00:00.Z",
        "2022-12-28T10:00:00.1234567890Z", /* more than nanoseconds */
        "2022-12-28T10:00.5",              /* a fraction needs seconds */
        "2022-13-01T10:00",
        "2022-02-30T10:00",
        "1899-12-31T10:00",
        "22-12-28T10:00:00",
        "2022/12/28T10:00",
        "2022-12-28T10:00z",
        "2022-12-28T10:00ZZ",
        "2022-12-28T10:00Z ",
        " 2022-12-28T10:00",
        "2022-12-28T10:00+08",
        "2022-12-28T10:00+0800",
        "2022-12-28T10:00+8:00",
        "2022-12-28T10:00+08:0",
        "2022-12-28T10:00+08:00:00",
        "2022-12-28T10:00+15:00",
        "2022-12-28T10:00+08:60",
        "2022-12-28T10:00 +08:00",
        "2022-12-28T10:00:00.000000000000000000000Z", /* over 40 characters */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ms = 12345;
        if (comm_parse_time(bad[i], &ms))
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(ms, 12345); /* untouched */
    }
    assert_false(comm_parse_time(NULL, &ms));
}

static void test_km(void **state)
{
    (void)state;
    /* Hangzhou (West Lake district centre) to Ningbo (city centre): about
     * 141 km as the crow flies (the road is ~150 km) */
    double km = comm_km(30.2741, 120.1551, 29.8683, 121.5440);
    assert_true(km > 136 && km < 146);
    /* symmetric, zero for one point */
    assert_true(fabs(comm_km(29.8683, 121.5440, 30.2741, 120.1551) - km) < 1e-9);
    assert_true(comm_km(30.2741, 120.1551, 30.2741, 120.1551) == 0);
    /* one degree of latitude is ~111.2 km anywhere */
    km = comm_km(30, 120, 31, 120);
    assert_true(fabs(km - 111.19) < 0.05);
    km = comm_km(-1, 0, 0, 0);
    assert_true(fabs(km - 111.19) < 0.05);
    /* half the globe */
    km = comm_km(0, 0, 0, 180);
    assert_true(fabs(km - 20015.1) < 0.5);
    /* antipodes where rounding puts the haversine a hair above 1: still a
     * distance, not NaN */
    km = comm_km(-85.75, 0, 85.75, -180);
    assert_true(fabs(km - 20015.1) < 0.5);
}

/* who may move a transfer where: the hospital accepts, declines, records
 * arrival; the sender cancels while the bed is held; nothing leaves the
 * final states */
static void test_transfer_transitions(void **state)
{
    (void)state;
    assert_true(comm_transfer_transition_ok(true, "reserved", "accepted"));
    assert_true(comm_transfer_transition_ok(true, "reserved", "declined"));
    assert_true(comm_transfer_transition_ok(true, "accepted", "arrived"));
    assert_false(comm_transfer_transition_ok(true, "reserved", "arrived"));
    assert_false(comm_transfer_transition_ok(true, "reserved", "cancelled"));
    assert_false(comm_transfer_transition_ok(true, "declined", "accepted"));
    assert_true(comm_transfer_transition_ok(false, "reserved", "cancelled"));
    assert_true(comm_transfer_transition_ok(false, "accepted", "cancelled"));
    assert_false(comm_transfer_transition_ok(false, "arrived", "cancelled"));
    assert_false(comm_transfer_transition_ok(false, "reserved", "accepted"));
    assert_false(comm_transfer_transition_ok(false, "declined", "cancelled"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_pack_matches_these_numbers),
        cmocka_unit_test(test_id_check_char),
        cmocka_unit_test(test_id_parse_valid),
        cmocka_unit_test(test_id_parse_sex_from_17th_digit),
        cmocka_unit_test(test_id_parse_wrong_check_digit),
        cmocka_unit_test(test_id_parse_format),
        cmocka_unit_test(test_id_parse_impossible_dates),
        cmocka_unit_test(test_id_mask),
        cmocka_unit_test(test_phone_mask),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_spo2_boundary),
        cmocka_unit_test(test_fever_days_with_medicine),
        cmocka_unit_test(test_fever_exactly_at_limit_is_not_fever),
        cmocka_unit_test(test_fever_run_reset_by_normal_temperature),
        cmocka_unit_test(test_each_warning_symptom_is_red),
        cmocka_unit_test(test_child_signs_only_for_children),
        cmocka_unit_test(test_pregnancy_signs_only_in_pregnancy),
        cmocka_unit_test(test_red_needs),
        cmocka_unit_test(test_age_with_chronic_disease),
        cmocka_unit_test(test_age_65),
        cmocka_unit_test(test_yellow_needs),
        cmocka_unit_test(test_infants),
        cmocka_unit_test(test_temperature_yellow),
        cmocka_unit_test(test_nothing_is_green),
        cmocka_unit_test(test_reasons_grade_first),
        cmocka_unit_test(test_reason_text),
        cmocka_unit_test(test_code_of_label),
        cmocka_unit_test(test_grading_text),
        cmocka_unit_test(test_reasons_encode_decode),
        cmocka_unit_test(test_reasons_decode_rejects),
        cmocka_unit_test(test_followup_due),
        cmocka_unit_test(test_request_deadlines),
        cmocka_unit_test(test_request_transitions),
        cmocka_unit_test(test_date_ms),
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_km),
        cmocka_unit_test(test_transfer_transitions),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
