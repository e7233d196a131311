/*
 * fuzz_policy.c - libFuzzer target for policy packs: policy_parse() on
 * arbitrary bytes.
 *
 * Checks: a pack is accepted only with no field errors, and then its values
 * are inside the ranges the loader promises (percentages 0..100, positive
 * day counts, list sizes within bounds, NUL-terminated strings); a rejected
 * one has at least one field error.
 */
#include <stdint.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static void check_list(const struct policy_list *l)
{
    CHECK(l->n >= 0 && l->n <= POLICY_MAX_LIST);
    for (int i = 0; i < l->n; i++)
        CHECK(memchr(l->item[i], '\0', POLICY_NAME) != NULL && l->item[i][0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    static struct policy p;
    struct crest_error e;
    int rc = policy_parse((const char *)data, size, &p, &e);
    if (rc != CREST_OK) {
        CHECK(e.code != CREST_OK && e.nfields > 0);
        return 0;
    }
    CHECK(e.nfields == 0);
    CHECK(memchr(p.pack, '\0', sizeof p.pack) && p.pack[0]);
    CHECK(p.version >= 1);
    CHECK(strlen(p.effective_from) == 10);
    CHECK(p.capacity.icu_beds_min_pct >= 0 && p.capacity.icu_beds_min_pct <= 100);
    CHECK(p.capacity.icu_convertible_min_pct >= 0 && p.capacity.icu_convertible_min_pct <= 100);
    CHECK(p.capacity.report_stale_days >= 1);
    CHECK(p.supply.days_of_cover_target >= 1);
    check_list(&p.capacity.icu_rule_hospitals);
    check_list(&p.screening.routine_test_groups);
    check_list(&p.vaccine.second_booster_groups);
    check_list(&p.community.special_needs);
    check_list(&p.telecare.chronic_diseases);
    return 0;
}
