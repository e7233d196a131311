/*
 * fuzz_community.c - libFuzzer target for the community pillar's parsers of
 * outside text (src/community/model.c): resident ID numbers comm_id_parse()
 * (and the masks shown in lists), ISO 8601 follow-up times comm_parse_time(),
 * and the stored grade reasons comm_reasons_decode(), all on the same
 * arbitrary input.
 *
 * Besides "no crash, no leak, no UB", it checks the contracts: an accepted ID
 * is 18 characters with the right check character, a real birth date no later
 * than today, a sex and a 6-digit area; masks are always 18 characters / fit
 * in 32 bytes; an accepted time lies within a day and the zones' reach of its
 * written date, and its China date is a real date; decoded reasons are
 * well-formed, encode and decode again to the same rules and names, and
 * render in both languages inside any buffer.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/validate.h"
#include "community/community.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define TODAY "2022-12-28"
#define HOUR_MS (3600LL * 1000)

static void id_number(const char *s)
{
    struct comm_idnum id;
    memset(&id, 0, sizeof id);
    enum comm_id_problem rc = comm_id_parse(s, TODAY, &id);
    CHECK(rc >= COMM_ID_OK && rc <= COMM_ID_CHECKSUM);
    if (rc == COMM_ID_OK) {
        CHECK(strlen(s) == 18);
        char last = s[17] == 'x' ? 'X' : s[17];
        CHECK(comm_id_check_char(s) == last);
        CHECK(validate_date(id.birth));
        CHECK(strcmp(id.birth, "1900-01-01") >= 0 && strcmp(id.birth, TODAY) <= 0);
        CHECK(id.sex == 'M' || id.sex == 'F');
        CHECK(strlen(id.area) == 6 && memcmp(id.area, s, 6) == 0);
        int age = comm_age(id.birth, TODAY);
        CHECK(age >= 0 && age <= 123);
    }
    char *mask = malloc(19); /* exact size: ASan sees a write past it */
    comm_id_mask(s, mask);
    CHECK(strlen(mask) == 18);
    free(mask);
    char *phone = malloc(32);
    comm_phone_mask(s, phone);
    CHECK(strlen(phone) < 32);
    free(phone);
}

static void time_of(const char *s)
{
    int64_t ms = INT64_MIN;
    if (!comm_parse_time(s, &ms)) {
        CHECK(ms == INT64_MIN); /* untouched */
        return;
    }
    size_t n = strlen(s);
    CHECK(n >= 16 && n <= 40);
    char date[11];
    memcpy(date, s, 10);
    date[10] = 0;
    int64_t day = comm_date_ms(date); /* 00:00 China time */
    CHECK(day != -1);
    /* local midnight is day + 8 h in UTC; the time of day adds under 24 h,
     * a zone moves it by at most 14 h either way */
    CHECK(ms >= day + 8 * HOUR_MS - 14 * HOUR_MS);
    CHECK(ms < day + 8 * HOUR_MS + 24 * HOUR_MS + 14 * HOUR_MS);
    char china[11];
    comm_ms_date(ms, china);
    CHECK(validate_date(china));
    /* the China date is the written one, give or take a day */
    int64_t cd = comm_date_ms(china);
    CHECK(cd >= day - 24 * HOUR_MS && cd <= day + 24 * HOUR_MS);
}

static void reasons(const char *s)
{
    struct comm_grading g;
    memset(&g, 0, sizeof g);
    if (!comm_reasons_decode(s, &g)) {
        CHECK(g.nreasons >= 0 && g.nreasons <= COMM_MAX_REASONS);
        return;
    }
    CHECK(g.nreasons >= 0 && g.nreasons <= COMM_MAX_REASONS);
    for (int i = 0; i < g.nreasons; i++) {
        const struct comm_reason *r = &g.reason[i];
        CHECK(r->rule >= COMM_R_SPO2 && r->rule <= COMM_R_NONE);
        CHECK(isfinite(r->value) && isfinite(r->limit) && isfinite(r->limit2));
        CHECK(strlen(r->name) < sizeof r->name);
        CHECK(strchr(r->name, ';') == NULL);
    }

    /* the stored form round-trips (figures to %g's precision) */
    char enc[1024];
    comm_reasons_encode(&g, enc, sizeof enc);
    struct comm_grading back;
    memset(&back, 0, sizeof back);
    CHECK(comm_reasons_decode(enc, &back));
    CHECK(back.nreasons == g.nreasons);
    for (int i = 0; i < g.nreasons; i++) {
        CHECK(back.reason[i].rule == g.reason[i].rule);
        CHECK(strcmp(back.reason[i].name, g.reason[i].name) == 0);
    }

    /* and renders, whatever the names and figures, in any buffer */
    static const size_t caps[] = {1, 7, 64, 2048};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        char *out = malloc(caps[c]);
        g.grade = (enum comm_grade)((size_t)g.nreasons % 3);
        comm_grading_text(&g, "en", out, caps[c]);
        CHECK(strlen(out) < caps[c]);
        comm_grading_text(&g, "zh", out, caps[c]);
        CHECK(strlen(out) < caps[c]);
        if (g.nreasons) {
            comm_reason_text(&g.reason[0], "en", out, caps[c]);
            CHECK(strlen(out) < caps[c]);
        }
        free(out);
    }
    /* a small encode buffer is never overrun */
    char *small = malloc(16);
    comm_reasons_encode(&g, small, 16);
    CHECK(strlen(small) < 16);
    free(small);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1); /* exact size: ASan sees a read past the end */
    memcpy(s, data, size);
    s[size] = '\0';
    id_number(s);
    time_of(s);
    reasons(s);
    free(s);
    return 0;
}
