/*
 * model.c - region codes, pure: no I/O. The level of a code is its length;
 * people type the padded national forms, so those are normalised here.
 */
#include <stdio.h>
#include <string.h>

#include "../base/str.h"
#include "region.h"

static const char *const level_names[REGION__LEVELS] = {"province", "city",      "county",
                                                        "township", "community", "grid"};
static const size_t level_len[REGION__LEVELS] = {2, 4, 6, 9, 12, 15};

const char *region_level_name(enum region_level l)
{
    return (unsigned)l < REGION__LEVELS ? level_names[l] : "?";
}

int region_level_parse(const char *s)
{
    for (int i = 0; i < REGION__LEVELS; i++)
        if (s && strcmp(s, level_names[i]) == 0)
            return i;
    return -1;
}

int region_level_of(const char *code)
{
    size_t n = strlen(code);
    for (int i = 0; i < REGION__LEVELS; i++)
        if (n == level_len[i])
            return i;
    return -1;
}

int region_code_normalize(const char *in, char out[REGION_CODE_MAX], const char *field,
                          struct crest_error *err)
{
    size_t n = in ? strlen(in) : 0;
    if (n == 0)
        return crest_error_field(err, field, "required", "field_required", NULL);
    if (n >= REGION_CODE_MAX || !str_all_digits((struct str){in, n}))
        return crest_error_field(err, field, "format", "region_code_invalid", "2/4/6/9/12/15");
    char c[REGION_CODE_MAX];
    memcpy(c, in, n + 1);
    /* padded national forms: 12-digit statistical codes (330106000000) and
     * 6-digit GB/T 2260 codes (330100) pad the upper levels with zeros */
    if (n == 12 && strcmp(c + 6, "000000") == 0)
        c[n = 6] = '\0';
    else if (n == 12 && strcmp(c + 9, "000") == 0)
        c[n = 9] = '\0';
    if (n == 6 && strcmp(c + 2, "0000") == 0)
        c[n = 2] = '\0';
    else if (n == 6 && strcmp(c + 4, "00") == 0)
        c[n = 4] = '\0';
    int level = region_level_of(c);
    if (level < 0)
        return crest_error_field(err, field, "format", "region_code_invalid", "2/4/6/9/12/15");
    /* the national levels never number a region 0 ("00", "000"): such a
     * segment is padding in the wrong place ("3300" would be a second code
     * for 33). Community and grid numbers are local, so not checked. */
    for (int l = 0; l <= level && l <= REGION_TOWNSHIP; l++) {
        size_t from = l ? level_len[l - 1] : 0, k = from;
        while (k < level_len[l] && c[k] == '0')
            k++;
        if (k == level_len[l])
            return crest_error_field(err, field, "format", "region_code_invalid", "2/4/6/9/12/15");
    }
    memcpy(out, c, n + 1);
    return CREST_OK;
}

void region_gb_code(const char *code, char out[REGION_CODE_MAX])
{
    size_t n = strlen(code);
    if (n < 6)
        snprintf(out, REGION_CODE_MAX, "%s%s", code, n == 2 ? "0000" : "00");
    else
        str_copy(out, REGION_CODE_MAX, code);
}
