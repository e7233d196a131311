/*
 * test_capacity.c - unit tests for src/capacity/model.c: the seed's targets
 * evaluated per hospital. The boundary cases matter most: exactly 4 % is met,
 * a hair under is not; zero beds; a missing category; a stale report decides
 * nothing (rules "unknown", never counted as zero); report consistency checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/str.h"
#include "capacity/capacity.h"
#include "policy/policy.h"

static struct policy pol;

static int setup(void **state)
{
    (void)state;
    memset(&pol, 0, sizeof pol);
    pol.capacity.designated_beds_min = 100000;
    pol.capacity.icu_beds_min_pct = 4.0;
    pol.capacity.icu_convertible_min_pct = 4.0;
    pol.capacity.report_stale_days = 2;
    str_copy(pol.capacity.fever_clinic_24h_min_level,
             sizeof pol.capacity.fever_clinic_24h_min_level, "secondary");
    pol.capacity.icu_rule_hospitals.n = 2;
    str_copy(pol.capacity.icu_rule_hospitals.item[0], POLICY_NAME, "tertiary_general");
    str_copy(pol.capacity.icu_rule_hospitals.item[1], POLICY_NAME, "tertiary_tcm");
    return 0;
}

static struct cap_report report(const char *date, int64_t beds, int64_t icu, int64_t conv,
                                bool fever, bool h24)
{
    struct cap_report r;
    memset(&r, 0, sizeof r);
    str_copy(r.date, sizeof r.date, date);
    r.open_beds = beds;
    r.occupied_beds = beds / 2;
    r.icu_beds = icu;
    r.icu_convertible = conv;
    r.fever_clinic = fever;
    r.fever_24h = h24;
    return r;
}

static const struct cap_facility_facts tert_general = {CAP_HOSPITAL, CAP_TERTIARY, CAP_GENERAL,
                                                       CAP_DESIGNATED};

static void test_pct_need_rounds_up_in_integers(void **state)
{
    (void)state;
    assert_int_equal(capacity_pct_need(1000, 4.0), 40); /* exactly 4 % */
    assert_int_equal(capacity_pct_need(1001, 4.0), 41); /* 40.04 → 41 */
    assert_int_equal(capacity_pct_need(25, 4.0), 1);    /* exactly 1 */
    assert_int_equal(capacity_pct_need(26, 4.0), 2);    /* 1.04 → 2 */
    assert_int_equal(capacity_pct_need(0, 4.0), 0);     /* no beds, nothing needed */
    assert_int_equal(capacity_pct_need(1000, 0.0), 0);
    assert_int_equal(capacity_pct_need(3333, 4.5), 150); /* 149.985 → 150 */
}

static void test_icu_exactly_four_percent_is_met(void **state)
{
    (void)state;
    struct cap_report r = report("2022-12-28", 1000, 40, 40, true, true);
    struct cap_facility_eval ev;
    capacity_eval_facility(&tert_general, &r, "2022-12-28", &pol, &ev);
    assert_int_equal(ev.rule[CAP_RULE_ICU].status, CAP_MET);
    assert_int_equal(ev.rule[CAP_RULE_ICU_CONVERTIBLE].status, CAP_MET);
    assert_false(ev.failing);
    /* one bed short of each */
    r.icu_beds = 39;
    r.icu_convertible = 38;
    capacity_eval_facility(&tert_general, &r, "2022-12-28", &pol, &ev);
    assert_int_equal(ev.rule[CAP_RULE_ICU].status, CAP_NOT_MET);
    assert_int_equal(ev.rule[CAP_RULE_ICU].gap, 1);
    assert_int_equal(ev.rule[CAP_RULE_ICU].need, 40);
    assert_int_equal(ev.rule[CAP_RULE_ICU_CONVERTIBLE].gap, 2);
    assert_true(ev.failing);
}

static void test_icu_rule_only_for_tertiary_general_and_tcm(void **state)
{
    (void)state;
    struct cap_report r = report("2022-12-28", 1000, 0, 0, true, true);
    struct cap_facility_eval ev;
    struct cap_facility_facts f = tert_general;
    f.category = CAP_TCM;
    capacity_eval_facility(&f, &r, "2022-12-28", &pol, &ev);
    assert_int_equal(ev.rule[CAP_RULE_ICU].status, CAP_NOT_MET);
    f.category = CAP_SPECIALTY; /* not in the pack's list */
    capacity_eval_facility(&f, &r, "2022-12-28", &pol, &ev);
    assert_int_equal(ev.rule[CAP_RULE_ICU].status, CAP_NA);
    f.category = CAP_CAT_NONE; /* a missing category never satisfies the rule's scope */
    capacity_eval_facility(&f, &r, "2022-12-28", &pol, &ev);
    assert_int_equal(ev.rule[CAP_RULE_ICU].status, CAP_NA);
    f = tert_general;
    f.level = CAP_SECONDARY;
    capacity_eval_facility(&f, &r, "2022-12-28", &pol, &ev);
    assert_int_equal(ev.rule[CAP_RULE_ICU].status, CAP_NA);
    assert_false(ev.failing);
}

static void test_zero_beds_need_zero_icu(void **state)
{
    (void)state;
    struct cap_report r = report("2022-12-28", 0, 0, 0, true, true);
    struct cap_facility_eval ev;
    capacity_eval_facility(&tert_general, &r, "2022-12-28", &pol, &ev);
    assert_int_equal(ev.rule[CAP_RULE_ICU].status, CAP_MET);
    assert_int_equal(ev.rule[CAP_RULE_ICU].need, 0);
}

static void test_fever_clinic_24h_from_secondary_up(void **state)
{
    (void)state;
    struct cap_facility_facts f = {CAP_HOSPITAL, CAP_SECONDARY, CAP_GENERAL, CAP_ROLE_NONE};
    struct cap_report r = report("2022-12-28", 300, 6, 0, true, false);
    struct cap_facility_eval ev;
    capacity_eval_facility(&f, &r, "2022-12-28", &pol, &ev);
    assert_int_equal(ev.rule[CAP_RULE_FEVER_24H].status, CAP_NOT_MET);
    assert_int_equal(ev.rule[CAP_RULE_FEVER_24H].gap, 1);
    r.fever_24h = true;
    capacity_eval_facility(&f, &r, "2022-12-28", &pol, &ev);
    assert_int_equal(ev.rule[CAP_RULE_FEVER_24H].status, CAP_MET);
    f.level = CAP_PRIMARY;
    r.fever_clinic = r.fever_24h = false;
    capacity_eval_facility(&f, &r, "2022-12-28", &pol, &ev);
    assert_int_equal(ev.rule[CAP_RULE_FEVER_24H].status, CAP_NA);
}

static void test_stale_report_decides_nothing(void **state)
{
    (void)state;
    struct cap_report r = report("2022-12-25", 1000, 0, 0, false, false);
    struct cap_facility_eval ev;
    /* 2 days old: still current (report_stale_days = 2) */
    capacity_eval_facility(&tert_general, &r, "2022-12-27", &pol, &ev);
    assert_false(ev.stale);
    assert_int_equal(ev.rule[CAP_RULE_ICU].status, CAP_NOT_MET);
    /* 3 days old: stale; the old zeros are not held against it, nor trusted */
    capacity_eval_facility(&tert_general, &r, "2022-12-28", &pol, &ev);
    assert_true(ev.stale);
    assert_int_equal(ev.days_since_report, 3);
    assert_int_equal(ev.rule[CAP_RULE_REPORTING].status, CAP_NOT_MET);
    assert_int_equal(ev.rule[CAP_RULE_ICU].status, CAP_UNKNOWN);
    assert_int_equal(ev.rule[CAP_RULE_FEVER_24H].status, CAP_UNKNOWN);
    assert_true(ev.failing);
    /* never reported */
    capacity_eval_facility(&tert_general, NULL, "2022-12-28", &pol, &ev);
    assert_true(ev.stale);
    assert_int_equal(ev.days_since_report, -1);
    /* a report dated after as_of is not "fresh" */
    capacity_eval_facility(&tert_general, &r, "2022-12-20", &pol, &ev);
    assert_true(ev.stale);
}

static void test_non_hospitals_have_no_capacity_rules(void **state)
{
    (void)state;
    struct cap_facility_facts f = {CAP_PHARMACY, CAP_LEVEL_NONE, CAP_CAT_NONE, CAP_ROLE_NONE};
    struct cap_facility_eval ev;
    capacity_eval_facility(&f, NULL, "2022-12-28", &pol, &ev);
    assert_false(ev.failing);
    for (int k = 0; k < CAP__RULES; k++)
        assert_int_equal(ev.rule[k].status, CAP_NA);
}

static void test_designated_beds_judged_for_the_province_only(void **state)
{
    (void)state;
    struct cap_rule_result r;
    capacity_eval_designated(100000, true, &pol, &r);
    assert_int_equal(r.status, CAP_MET);
    capacity_eval_designated(99999, true, &pol, &r);
    assert_int_equal(r.status, CAP_NOT_MET);
    assert_int_equal(r.gap, 1);
    capacity_eval_designated(5000, false, &pol, &r);
    assert_int_equal(r.status, CAP_NA);
    assert_int_equal(r.have, 5000);
}

static void test_report_consistency(void **state)
{
    (void)state;
    static const struct {
        int64_t open, occ, icu, icu_occ, conv;
        bool fever, h24;
        int64_t visits;
        const char *field; /* NULL = valid */
    } cases[] = {
        {100, 90, 4, 2, 4, true, true, 10, NULL},
        {100, 101, 4, 2, 4, true, true, 10, "occupied_beds"},
        {100, 90, 101, 2, 0, true, true, 10, "icu_beds"},
        {100, 90, 4, 5, 4, true, true, 10, "icu_occupied"},
        {100, 90, 60, 2, 41, true, true, 10, "icu_convertible"},
        {100, 90, 4, 2, 4, false, true, 0, "fever_24h"},
        {100, 90, 4, 2, 4, false, false, 3, "fever_visits"},
        {-1, 0, 0, 0, 0, false, false, 0, "open_beds"},
        {0, 0, 0, 0, 0, false, false, 0, NULL}, /* a hospital with no open beds */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cap_report r;
        memset(&r, 0, sizeof r);
        r.open_beds = cases[i].open;
        r.occupied_beds = cases[i].occ;
        r.icu_beds = cases[i].icu;
        r.icu_occupied = cases[i].icu_occ;
        r.icu_convertible = cases[i].conv;
        r.fever_clinic = cases[i].fever;
        r.fever_24h = cases[i].h24;
        r.fever_visits = cases[i].visits;
        struct crest_error e;
        crest_error_clear(&e);
        int rc = capacity_report_check(&r, &e);
        if (!cases[i].field) {
            if (rc != CREST_OK)
                fail_msg("case %zu: rejected on %s", i, e.fields[0].field);
        } else {
            assert_int_equal(rc, CREST_INVALID);
            if (strcmp(e.fields[0].field, cases[i].field) != 0)
                fail_msg("case %zu: field %s, want %s", i, e.fields[0].field, cases[i].field);
        }
    }
}

static void test_facility_kind_rules(void **state)
{
    (void)state;
    static const struct {
        struct cap_facility_facts f;
        const char *field; /* NULL = valid */
    } cases[] = {
        {{CAP_HOSPITAL, CAP_TERTIARY, CAP_GENERAL, CAP_DESIGNATED}, NULL},
        {{CAP_HOSPITAL, CAP_TERTIARY, CAP_CAT_NONE, CAP_DESIGNATED}, "category"},
        {{CAP_HOSPITAL, CAP_SECONDARY, CAP_CAT_NONE, CAP_ROLE_NONE}, NULL},
        {{CAP_HOSPITAL, CAP_LEVEL_NONE, CAP_GENERAL, CAP_ROLE_NONE}, "level"},
        {{CAP_PHARMACY, CAP_LEVEL_NONE, CAP_CAT_NONE, CAP_ROLE_NONE}, NULL},
        {{CAP_PHARMACY, CAP_PRIMARY, CAP_CAT_NONE, CAP_ROLE_NONE}, "level"},
        {{CAP_NURSING_HOME, CAP_LEVEL_NONE, CAP_CAT_NONE, CAP_DESIGNATED}, "role"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct crest_error e;
        crest_error_clear(&e);
        capacity_facility_check(&cases[i].f, &e);
        if (!cases[i].field) {
            if (e.nfields)
                fail_msg("case %zu: refused on %s", i, e.fields[0].field);
        } else if (!e.nfields || strcmp(e.fields[0].field, cases[i].field) != 0) {
            fail_msg("case %zu: want an error on %s", i, cases[i].field);
        }
    }
    /* a field that already failed to decode gets no second error */
    struct crest_error e;
    crest_error_clear(&e);
    crest_error_field(&e, "category", "invalid", "field_range", NULL);
    struct cap_facility_facts tert = {CAP_HOSPITAL, CAP_TERTIARY, CAP_CAT_NONE, CAP_ROLE_NONE};
    capacity_facility_check(&tert, &e);
    assert_int_equal(e.nfields, 1);
}

static void test_days_between(void **state)
{
    (void)state;
    int64_t d;
    assert_true(capacity_days_between("2022-12-31", "2023-01-01", &d));
    assert_int_equal(d, 1);
    assert_true(capacity_days_between("2024-02-28", "2024-03-01", &d));
    assert_int_equal(d, 2); /* leap year */
    assert_true(capacity_days_between("2022-01-01", "2022-12-28", &d));
    assert_int_equal(d, 361);
    assert_false(capacity_days_between("2022-02-29", "2022-03-01", &d));
    assert_false(capacity_days_between("2022-13-01", "2022-03-01", &d));
    assert_false(capacity_days_between("2022-1-01", "2022-03-01", &d));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pct_need_rounds_up_in_integers),
        cmocka_unit_test(test_icu_exactly_four_percent_is_met),
        cmocka_unit_test(test_icu_rule_only_for_tertiary_general_and_tcm),
        cmocka_unit_test(test_zero_beds_need_zero_icu),
        cmocka_unit_test(test_fever_clinic_24h_from_secondary_up),
        cmocka_unit_test(test_stale_report_decides_nothing),
        cmocka_unit_test(test_non_hospitals_have_no_capacity_rules),
        cmocka_unit_test(test_designated_beds_judged_for_the_province_only),
        cmocka_unit_test(test_report_consistency),
        cmocka_unit_test(test_facility_kind_rules),
        cmocka_unit_test(test_days_between),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
