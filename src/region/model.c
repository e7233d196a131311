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
    if (n == 6 && strcmp(c + 2, "0000") == 0)
        c[2] = '\0';
    else if (n == 6 && strcmp(c + 4, "00") == 0)
        c[4] = '\0';
    else if (n == 12 && strcmp(c + 9, "000") == 0)
        c[9] = '\0';
    if (region_level_of(c) < 0)
        return crest_error_field(err, field, "format", "region_code_invalid", "2/4/6/9/12/15");
    if (c[0] == '0' && c[1] == '0')
        return crest_error_field(err, field, "format", "region_code_invalid", "2/4/6/9/12/15");
    memcpy(out, c, strlen(c) + 1);
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
