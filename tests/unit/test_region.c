/*
 * test_region.c - unit tests for src/region/model.c: region codes as people
 * type them (padded national forms) normalised to the canonical prefix form
 * that scopes and keys rely on; levels by length; the GB/T 2260 form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "region/region.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_code_normalize_accepts_canonical_and_padded_forms(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        /* canonical forms stay as they are */
        {"33", "33"},
        {"3301", "3301"},
        {"330106", "330106"},
        {"330106004", "330106004"},
        {"330106004001", "330106004001"},
        {"330106004001001", "330106004001001"},
        /* 6-digit GB/T 2260 padding */
        {"330000", "33"},
        {"330100", "3301"},
        {"331000", "3310"},
        {"330110", "330110"},
        /* 12-digit statistical codes pad every level to 12 digits */
        {"330106004000", "330106004"},
        {"330106000000", "330106"},
        {"330100000000", "3301"},
        {"330000000000", "33"},
        {"330106004010", "330106004010"},
        /* community and grid numbers are local: 000 there is not padding */
        {"330106004001000", "330106004001000"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct crest_error e;
        crest_error_clear(&e);
        char out[REGION_CODE_MAX];
        int rc = region_code_normalize(cases[i].in, out, "code", &e);
        if (rc != CREST_OK)
            fail_msg("%s: rejected (%s)", cases[i].in, e.nfields ? e.fields[0].code : "?");
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("%s: got %s, want %s", cases[i].in, out, cases[i].want);
        assert_int_equal(e.code, CREST_OK);
        assert_int_equal(e.nfields, 0);
    }
}

static void test_code_normalize_rejects_malformed_codes(void **state)
{
    (void)state;
    static const struct {
        const char *in, *code;
    } cases[] = {
        {NULL, "required"},
        {"", "required"},
        {"3", "format"},
        {"333", "format"},
        {"33010", "format"},
        {"3301060", "format"},
        {"33010600", "format"},
        {"3301060040", "format"},
        {"3301060040011", "format"},
        {"33010600400100", "format"},
        {"3301060040010011", "format"}, /* 16 digits: longer than any level */
        {"33010600400100100000", "format"},
        {"33a1", "format"},
        {"3301O6", "format"}, /* letter O */
        {" 33", "format"},
        {"33 ", "format"},
        {"-33", "format"},
        {"+33", "format"},
        {"33\n", "format"},
        {"\xef\xbc\x93\xef\xbc\x93", "format"}, /* full-width digits */
        {"00", "format"},
        {"0000", "format"},
        {"000000", "format"},
        {"001100", "format"},
        {"000000000000", "format"},
        /* the national levels never number a region 0: city 00, county 00, township 000 */
        {"3300", "format"},
        {"330006", "format"},
        {"330106000", "format"},
        {"330106000001", "format"},
        {"330106000001001", "format"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct crest_error e;
        crest_error_clear(&e);
        char out[REGION_CODE_MAX];
        memcpy(out, "untouched", 10);
        int rc = region_code_normalize(cases[i].in, out, "parent", &e);
        const char *in = cases[i].in ? cases[i].in : "(null)";
        if (rc != CREST_INVALID)
            fail_msg("%s: accepted as %s", in, out);
        assert_int_equal(e.code, CREST_INVALID);
        assert_int_equal(e.nfields, 1);
        assert_string_equal(e.fields[0].field, "parent");
        if (strcmp(e.fields[0].code, cases[i].code) != 0)
            fail_msg("%s: code %s, want %s", in, e.fields[0].code, cases[i].code);
        assert_non_null(e.fields[0].key);
        assert_string_equal(out, "untouched"); /* no partial output */
    }
}

static void test_code_normalize_is_idempotent(void **state)
{
    (void)state;
    static const char *const codes[] = {"330000",         "330100",       "330106",
                                        "330106004000",   "330106000000", "330106004001",
                                        "330106004001001"};
    for (size_t i = 0; i < N_ELEMS(codes); i++) {
        struct crest_error e;
        crest_error_clear(&e);
        char once[REGION_CODE_MAX], twice[REGION_CODE_MAX];
        assert_int_equal(region_code_normalize(codes[i], once, "code", &e), CREST_OK);
        assert_int_equal(region_code_normalize(once, twice, "code", &e), CREST_OK);
        assert_string_equal(once, twice);
    }
}

static void test_level_of_is_the_code_length(void **state)
{
    (void)state;
    static const struct {
        const char *code;
        int level;
    } cases[] = {
        {"33", REGION_PROVINCE},
        {"3301", REGION_CITY},
        {"330106", REGION_COUNTY},
        {"330106004", REGION_TOWNSHIP},
        {"330106004001", REGION_COMMUNITY},
        {"330106004001001", REGION_GRID},
        {"", -1},
        {"3", -1},
        {"333", -1},
        {"33010", -1},
        {"3301060040", -1},
        {"3301060040010011", -1},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++)
        if (region_level_of(cases[i].code) != cases[i].level)
            fail_msg("%s: level %d, want %d", cases[i].code, region_level_of(cases[i].code),
                     cases[i].level);
}

static void test_level_names_round_trip(void **state)
{
    (void)state;
    static const char *const names[REGION__LEVELS] = {"province", "city",      "county",
                                                      "township", "community", "grid"};
    for (int l = 0; l < REGION__LEVELS; l++) {
        assert_string_equal(region_level_name((enum region_level)l), names[l]);
        assert_int_equal(region_level_parse(names[l]), l);
    }
    assert_string_equal(region_level_name(REGION__LEVELS), "?");
    assert_int_equal(region_level_parse("prefecture"), -1);
    assert_int_equal(region_level_parse("City"), -1);
    assert_int_equal(region_level_parse(NULL), -1);
}

static void test_gb_code_pads_upper_levels_to_six_digits(void **state)
{
    (void)state;
    static const struct {
        const char *code, *want;
    } cases[] = {
        {"33", "330000"},
        {"3301", "330100"},
        {"330106", "330106"},
        {"330106004", "330106004"},
        {"330106004001", "330106004001"},
        {"330106004001001", "330106004001001"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char out[REGION_CODE_MAX];
        region_gb_code(cases[i].code, out);
        assert_string_equal(out, cases[i].want);
        /* and back: the GB form normalises to the canonical code */
        struct crest_error e;
        crest_error_clear(&e);
        char back[REGION_CODE_MAX];
        assert_int_equal(region_code_normalize(out, back, "code", &e), CREST_OK);
        assert_string_equal(back, cases[i].code);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_normalize_accepts_canonical_and_padded_forms),
        cmocka_unit_test(test_code_normalize_rejects_malformed_codes),
        cmocka_unit_test(test_code_normalize_is_idempotent),
        cmocka_unit_test(test_level_of_is_the_code_length),
        cmocka_unit_test(test_level_names_round_trip),
        cmocka_unit_test(test_gb_code_pads_upper_levels_to_six_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
