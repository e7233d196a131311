/*
 * region.h - the region tree: province → city → county → township/street →
 * community → grid, keyed by statistical division codes in their prefix form
 * (33, 3301, 330102, 330102001, 330102001001, then +3 digits per grid), so a
 * user's scope is a code prefix (DESIGN.md §2).
 *
 * model.c: pure code handling (parse, normalise, level). store.c: SQL.
 * api.c: the /api/v1/regions handlers.
 */
#ifndef CREST_REGION_H
#define CREST_REGION_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/err.h"
#include "../db/db.h"
#include "../http/http.h"

#define REGION_CODE_MAX 16 /* 15 digits + NUL */

enum region_level {
    REGION_PROVINCE = 0,
    REGION_CITY,
    REGION_COUNTY,
    REGION_TOWNSHIP,
    REGION_COMMUNITY,
    REGION_GRID,
    REGION__LEVELS
};

const char *region_level_name(enum region_level l);
int region_level_parse(const char *s); /* -1 when unknown */
/* Level implied by a canonical code's length; -1 when the length fits none. */
int region_level_of(const char *code);

/* Normalise a code as a person may type it into the canonical prefix form:
 * "330000" → "33", "330100" → "3301", "330102001000" → "330102001".
 * Returns CREST_OK, or CREST_INVALID with a field error on `field`. */
int region_code_normalize(const char *in, char out[REGION_CODE_MAX], const char *field,
                          struct crest_error *err);
/* The 6-digit GB/T 2260 form for province/city/county ("33" → "330000"),
 * or the canonical code for lower levels. */
void region_gb_code(const char *code, char out[REGION_CODE_MAX]);

struct region_row {
    char code[REGION_CODE_MAX];
    char parent[REGION_CODE_MAX];
    enum region_level level;
    char name[256];
    char name_en[128];
    char kind[32];
    int64_t population; /* -1 unknown */
    char population_source[32];
    int64_t version;
};

/* store.c */
int region_get(struct db_conn *c, const char *code, struct region_row *out,
               struct crest_error *err); /* CREST_NOTFOUND when absent */
int region_insert(struct db_conn *c, const struct region_row *r, struct crest_error *err);
json_t *region_to_json(const struct region_row *r);

/* api.c */
/* The region a list or roll-up is about: ?region= (normalised, in the
 * caller's scope) or the caller's scope. False after replying 422 (malformed)
 * or 404 (outside the scope, like a missing region). */
bool region_api_param(struct http_req *r, char out[REGION_CODE_MAX]);
void region_api_get(struct http_req *r);
void region_api_create(struct http_req *r);
void region_api_update(struct http_req *r);

#endif
