/* store.c - region rows in the database; see region.h. */
#include "../base/str.h"
#include <stdio.h>
#include <string.h>

#include "../base/util.h"
#include "region.h"

#define REGION_COLS                                                                                \
    "code, parent, level, name, name_en, kind, population, population_source, version"

static void fill(struct db_stmt *st, struct region_row *r)
{
    memset(r, 0, sizeof *r);
    str_copy(r->code, sizeof r->code, db_col_text(st, 0));
    const char *p = db_col_text(st, 1);
    str_copy(r->parent, sizeof r->parent, p ? p : "");
    int l = region_level_parse(db_col_text(st, 2));
    r->level = l < 0 ? REGION_GRID : (enum region_level)l;
    str_copy(r->name, sizeof r->name, db_col_text(st, 3));
    const char *en = db_col_text(st, 4), *k = db_col_text(st, 5), *src = db_col_text(st, 7);
    str_copy(r->name_en, sizeof r->name_en, en ? en : "");
    str_copy(r->kind, sizeof r->kind, k ? k : "");
    r->population = db_col_null(st, 6) ? -1 : db_col_int(st, 6);
    str_copy(r->population_source, sizeof r->population_source, src ? src : "");
    r->version = db_col_int(st, 8);
}

int region_get(struct db_conn *c, const char *code, struct region_row *out, struct crest_error *err)
{
    struct db_stmt *st =
        db_query(c, err, "SELECT " REGION_COLS " FROM regions WHERE code = ?", "s", code);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1)
        fill(st, out);
    db_finalize(st);
    if (rc < 0)
        return err->code;
    return rc == 1 ? CREST_OK : CREST_NOTFOUND;
}

int region_insert(struct db_conn *c, const struct region_row *r, struct crest_error *err)
{
    int64_t now = util_now_ms();
    const char *sql = "INSERT INTO regions (" REGION_COLS ", created_ms, updated_ms) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)";
    const char *parent = r->parent[0] ? r->parent : NULL;
    const char *en = r->name_en[0] ? r->name_en : NULL;
    const char *kind = r->kind[0] ? r->kind : NULL;
    const char *src = r->population_source[0] ? r->population_source : NULL;
    const char *lvl = region_level_name(r->level);
    if (r->population >= 0)
        return db_exec(c, err, NULL, sql, "ssssssisii", r->code, parent, lvl, r->name, en, kind,
                       r->population, src, now, now);
    return db_exec(c, err, NULL, sql, "ssssssnsii", r->code, parent, lvl, r->name, en, kind, src,
                   now, now);
}

json_t *region_to_json(const struct region_row *r)
{
    char gb[REGION_CODE_MAX];
    region_gb_code(r->code, gb);
    json_t *j = json_object();
    json_object_set_new(j, "code", json_string(r->code));
    json_object_set_new(j, "gb_code", json_string(gb));
    json_object_set_new(j, "name", json_string(r->name));
    if (r->name_en[0])
        json_object_set_new(j, "name_en", json_string(r->name_en));
    json_object_set_new(j, "level", json_string(region_level_name(r->level)));
    json_object_set_new(j, "parent", r->parent[0] ? json_string(r->parent) : json_null());
    if (r->kind[0])
        json_object_set_new(j, "kind", json_string(r->kind));
    json_object_set_new(j, "population",
                        r->population >= 0 ? json_integer(r->population) : json_null());
    if (r->population_source[0])
        json_object_set_new(j, "population_source", json_string(r->population_source));
    json_object_set_new(j, "version", json_integer(r->version));
    return j;
}
