/*
 * demo.c - the demo province: real geography from data/ (11 cities, 90
 * counties, 1,387 township-level units with their codes and 2020 census
 * populations), generated communities and grids under them, and one login per
 * role. Later pillars append their stage to `stages`.
 *
 * Figures are labelled by where they come from: census2020 (official),
 * secondary / derived / estimated (as data/zj_population.csv marks them),
 * illustrative (generated here). The UI shows the label.
 */
#include "demo.h"

#include "../base/str.h"
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/csv.h"
#include "../base/log.h"
#include "../base/mem.h"
#include "../base/util.h"
#include "../capacity/capacity.h"
#include "../community/community.h"
#include "../db/audit.h"
#include "../http/user.h"
#include "../queue/queue.h" /* queue pillar */
#include "../region/region.h"
#include "../supply/supply.h" /* supply pillar */

uint64_t demo_rand(struct demo_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double demo_uniform(struct demo_rng *r)
{
    return (double)(demo_rand(r) >> 11) / 9007199254740992.0;
}

/* ---- progress ---- */

struct progress {
    bool tty;
    int64_t t0, stage_t0;
    const char *stage;
};

static void prog_stage(struct progress *p, const char *stage)
{
    if (p->tty && p->stage)
        fputc('\n', stderr);
    p->stage = stage;
    p->stage_t0 = util_mono_us();
    if (!p->tty)
        fprintf(stderr, "demo: %s…\n", stage);
}

static void prog_tick(struct progress *p, int64_t done, int64_t total)
{
    if (!p->tty || total <= 0)
        return;
    double el = (double)(util_mono_us() - p->stage_t0) / 1e6;
    double left = done > 0 ? el * (double)(total - done) / (double)done : 0;
    fprintf(stderr, "\r\033[Kdemo: %-28s %7lld/%-7lld %3d%%  %.1fs left", p->stage, (long long)done,
            (long long)total, (int)(100 * done / total), left);
}

static void prog_done(struct progress *p, const char *what)
{
    double el = (double)(util_mono_us() - p->stage_t0) / 1e6;
    if (p->tty)
        fprintf(stderr, "\r\033[Kdemo: %-28s done: %s (%.1fs)", p->stage, what, el);
    else
        fprintf(stderr, "demo: %s done: %s (%.1fs)\n", p->stage, what, el);
}

/* ---- files ---- */

static char *slurp(const char *dir, const char *name, size_t *n, struct crest_error *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        crest_error_set(err, CREST_IO, "demo_data", "cannot open %s (use --data DIR)", path);
        return NULL;
    }
    struct buf b;
    buf_init(&b, 64 << 20);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, got);
    fclose(f);
    return buf_steal(&b, n);
}

static char *field(struct csv *c, int i)
{
    static __thread char out[512];
    size_t n = i < c->nfields ? c->f[i].n : 0;
    if (n >= sizeof out)
        n = sizeof out - 1;
    memcpy(out, i < c->nfields ? c->f[i].p : "", n);
    out[n] = '\0';
    return out;
}

/* ---- stage: regions ---- */

struct township {
    char code[REGION_CODE_MAX];
    char county[REGION_CODE_MAX];
    char kind[24];
    double weight;
    int64_t pop;
};

struct geo {
    struct township *t;
    int nt;
    int64_t county_pop[100];
    char county_code[100][REGION_CODE_MAX];
    int ncounty;
};

struct stage_ctx {
    const struct demo_opts *o;
    const char *pop_csv;
    size_t pop_n;
    const char *town_csv;
    size_t town_n;
    struct geo geo;
    struct demo_rng rng;
    struct progress *prog;
    int64_t rows, rows2;
};

static int upsert_region(struct db_conn *c, const struct region_row *r, struct crest_error *err)
{
    int64_t now = util_now_ms();
    const char *sql =
        "INSERT INTO regions (code, parent, level, name, name_en, kind, population, "
        "population_source, version, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, "
        "?) ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, "
        "kind = excluded.kind, population = excluded.population, population_source = "
        "excluded.population_source, updated_ms = excluded.updated_ms";
    return db_exec(c, err, NULL, sql, "ssssssisii", r->code, r->parent[0] ? r->parent : NULL,
                   region_level_name(r->level), r->name, r->name_en[0] ? r->name_en : NULL,
                   r->kind[0] ? r->kind : NULL, r->population, r->population_source, now, now);
}

static const char *source_of(const char *status)
{
    if (strcmp(status, "official") == 0)
        return "census2020";
    return status; /* derived, secondary, estimated: shown as such */
}

static int stage_divisions(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct stage_ctx *s = arg;
    struct csv csv;
    csv_init(&csv, s->pop_csv, s->pop_n);
    int rc = CREST_OK, r;
    s->geo.ncounty = 0;
    s->rows = 0;
    csv_next(&csv); /* header */
    while ((r = csv_next(&csv)) == 1 && rc == CREST_OK) {
        struct region_row row;
        memset(&row, 0, sizeof row);
        if (region_code_normalize(field(&csv, 0), row.code, "code", err) != CREST_OK)
            return crest_error_set(err, CREST_INVALID, "demo_data", "zj_population.csv line %d",
                                   csv.line);
        if (csv.nfields > 3 && csv.f[3].n)
            region_code_normalize(field(&csv, 3), row.parent, "parent", err);
        row.level = (enum region_level)region_level_of(row.code);
        str_copy(row.name, sizeof row.name, field(&csv, 1));
        str_copy(row.name_en, sizeof row.name_en, field(&csv, 2));
        str_copy(row.kind, sizeof row.kind, field(&csv, 5));
        row.population = strtoll(field(&csv, 6), NULL, 10);
        str_copy(row.population_source, sizeof row.population_source, source_of(field(&csv, 7)));
        rc = upsert_region(c, &row, err);
        if (row.level == REGION_COUNTY && s->geo.ncounty < 100) {
            str_copy(s->geo.county_code[s->geo.ncounty], REGION_CODE_MAX, row.code);
            s->geo.county_pop[s->geo.ncounty++] = row.population;
        }
        s->rows++;
    }
    csv_cleanup(&csv);
    if (r < 0)
        return crest_error_set(err, CREST_INVALID, "demo_data", "zj_population.csv line %d",
                               csv.line);
    return rc;
}

static int64_t county_pop(struct stage_ctx *s, const char *county)
{
    for (int i = 0; i < s->geo.ncounty; i++)
        if (strcmp(s->geo.county_code[i], county) == 0)
            return s->geo.county_pop[i];
    return 0;
}

static int stage_townships(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct stage_ctx *s = arg;
    struct csv csv;
    csv_init(&csv, s->town_csv, s->town_n);
    struct demo_rng rng = {s->o->seed ^ 0x7477}; /* own stream: re-runnable */
    free(s->geo.t);
    s->geo.t = xcalloc(2000, sizeof *s->geo.t);
    s->geo.nt = 0;
    int r;
    csv_next(&csv);
    while ((r = csv_next(&csv)) == 1 && s->geo.nt < 2000) {
        struct township *t = &s->geo.t[s->geo.nt++];
        str_copy(t->code, sizeof t->code, field(&csv, 0));
        str_copy(t->county, sizeof t->county, field(&csv, 2));
        str_copy(t->kind, sizeof t->kind, field(&csv, 4));
        /* street offices are denser than towns, towns than rural townships */
        double base = !strcmp(t->kind, "subdistrict") ? 1.6
                      : !strcmp(t->kind, "town")      ? 1.0
                      : !strcmp(t->kind, "township")  ? 0.35
                                                      : 0.3;
        t->weight = base * (0.6 + 0.8 * demo_uniform(&rng));
    }
    if (r < 0) {
        csv_cleanup(&csv);
        return crest_error_set(err, CREST_INVALID, "demo_data", "zj_townships.csv line %d",
                               csv.line);
    }
    /* split each county's census population over its townships by weight */
    for (int i = 0; i < s->geo.nt; i++) {
        double wsum = 0;
        for (int j = 0; j < s->geo.nt; j++)
            if (!strcmp(s->geo.t[j].county, s->geo.t[i].county))
                wsum += s->geo.t[j].weight;
        s->geo.t[i].pop = (int64_t)llround((double)county_pop(s, s->geo.t[i].county) *
                                           s->geo.t[i].weight / (wsum > 0 ? wsum : 1));
    }
    /* second pass over the file for names */
    csv_cleanup(&csv);
    csv_init(&csv, s->town_csv, s->town_n);
    csv_next(&csv);
    int rc = CREST_OK;
    for (int i = 0; i < s->geo.nt && rc == CREST_OK && csv_next(&csv) == 1; i++) {
        struct region_row row;
        memset(&row, 0, sizeof row);
        str_copy(row.code, sizeof row.code, s->geo.t[i].code);
        str_copy(row.parent, sizeof row.parent, s->geo.t[i].county);
        row.level = REGION_TOWNSHIP;
        str_copy(row.name, sizeof row.name, field(&csv, 1));
        str_copy(row.kind, sizeof row.kind, s->geo.t[i].kind);
        row.population = s->geo.t[i].pop;
        snprintf(row.population_source, sizeof row.population_source, "illustrative");
        rc = upsert_region(c, &row, err);
        prog_tick(s->prog, i + 1, s->geo.nt);
    }
    csv_cleanup(&csv);
    s->rows = s->geo.nt;
    return rc;
}

/* Communities (about 3,500 residents each) and grids (one per 300–500
 * households at 2.6 people a household) under every township. */
static int stage_communities(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct stage_ctx *s = arg;
    struct demo_rng rng = {s->o->seed ^ 0xc0c0};
    int rc = CREST_OK;
    int64_t ncomm = 0, ngrid = 0;
    for (int i = 0; i < s->geo.nt && rc == CREST_OK; i++) {
        struct township *t = &s->geo.t[i];
        int nc = (int)(t->pop / 3500);
        if (nc < 1)
            nc = 1;
        if (nc > 999)
            nc = 999;
        int64_t left = t->pop;
        for (int k = 0; k < nc && rc == CREST_OK; k++) {
            struct region_row row;
            memset(&row, 0, sizeof row);
            char tmp[48];
            snprintf(tmp, sizeof tmp, "%.9s%03d", t->code, k + 1);
            str_copy(row.code, sizeof row.code, tmp);
            str_copy(row.parent, sizeof row.parent, t->code);
            row.level = REGION_COMMUNITY;
            bool urban = !strcmp(t->kind, "subdistrict");
            snprintf(row.name, sizeof row.name, "%s%d%s", urban ? "第" : "", k + 1,
                     urban ? "社区" : "村");
            snprintf(row.name_en, sizeof row.name_en, "%s %d", urban ? "Community" : "Village",
                     k + 1);
            str_copy(row.kind, sizeof row.kind, urban ? "community" : "village");
            int64_t pop = k == nc - 1 ? left : t->pop / nc;
            left -= pop;
            row.population = pop;
            snprintf(row.population_source, sizeof row.population_source, "illustrative");
            rc = upsert_region(c, &row, err);
            ncomm++;
            int64_t households = pop * 10 / 26;
            int per = 300 + (int)(demo_uniform(&rng) * 200);
            int ng = (int)((households + per - 1) / per);
            if (ng < 1)
                ng = 1;
            if (ng > 999)
                ng = 999;
            int64_t gleft = pop;
            for (int g = 0; g < ng && rc == CREST_OK; g++) {
                struct region_row gr;
                memset(&gr, 0, sizeof gr);
                snprintf(tmp, sizeof tmp, "%.12s%03d", row.code, g + 1);
                str_copy(gr.code, sizeof gr.code, tmp);
                str_copy(gr.parent, sizeof gr.parent, row.code);
                gr.level = REGION_GRID;
                snprintf(gr.name, sizeof gr.name, "第%d网格", g + 1);
                snprintf(gr.name_en, sizeof gr.name_en, "Grid %d", g + 1);
                gr.population = g == ng - 1 ? gleft : pop / ng;
                gleft -= gr.population;
                snprintf(gr.population_source, sizeof gr.population_source, "illustrative");
                rc = upsert_region(c, &gr, err);
                ngrid++;
            }
        }
        prog_tick(s->prog, i + 1, s->geo.nt);
    }
    s->rows = ncomm * 1000000 + ngrid;
    return rc;
}

/* ---- stage: users ---- */

struct demo_user {
    const char *name;
    enum role role;
    const char *scope;
    const char *what;
};

/* Scopes: a sensible place for each role (Hangzhou's Xihu district for the
 * local ones, the first grid of the first community of 西溪街道). */
static const struct demo_user demo_users[] = {
    {"admin", ROLE_ADMIN, "33", "platform operator, whole province"},
    {"commander", ROLE_COMMANDER, "33", "provincial command centre"},
    {"hz-commander", ROLE_COMMANDER, "3301", "Hangzhou city command centre"},
    {"xihu-commander", ROLE_COMMANDER, "330106", "Xihu district command centre"},
    {"hospital", ROLE_HOSPITAL, "330106", "hospital administrator, Xihu"},
    {"clinic", ROLE_CLINIC, "330106", "fever-clinic desk, Xihu"},
    {"grid", ROLE_GRID, "330106004001001", "grid worker, one grid in Xixi street"},
    {"pharmacy", ROLE_PHARMACY, "330106", "pharmacy, Xihu"},
    {"insurer", ROLE_INSURER, "3301", "medical-insurance office, Hangzhou"},
    {"venue", ROLE_VENUE, "330106004", "nursing-home gate, Xixi street"},
    {"vaccinator", ROLE_VACCINATOR, "330106004", "vaccination point, Xixi street"},
    {"resident", ROLE_RESIDENT, "330106004001001", "a resident of that grid"},
};
#define NUSERS (int)(sizeof demo_users / sizeof demo_users[0])

struct users_arg {
    char pw[NUSERS][24];
    char hash[NUSERS][128];
};

static int stage_users(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct users_arg *u = arg;
    for (int i = 0; i < NUSERS; i++) {
        /* a scope that the geography does not have falls back to its county */
        char scope[REGION_CODE_MAX];
        str_copy(scope, sizeof scope, demo_users[i].scope);
        struct region_row rr;
        while (strlen(scope) > 2 && region_get(c, scope, &rr, err) == CREST_NOTFOUND)
            scope[strlen(scope) > 6 ? strlen(scope) - 3 : strlen(scope) - 2] = '\0';
        crest_error_clear(err);
        int rc = user_upsert_tx(c, demo_users[i].name, demo_users[i].role, scope, u->hash[i], err);
        if (rc)
            return rc;
    }
    /* sign-ins with the old demo passwords end here */
    int rc =
        db_exec(c, err, NULL,
                "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username IN "
                "('admin','commander','hz-commander','xihu-commander','hospital','clinic',"
                "'grid','pharmacy','insurer','venue','vaccinator','resident'))",
                NULL);
    if (rc)
        return rc;
    struct audit_entry e = {0, "-", "system", "demo", "users", "", "33", "cli"};
    return audit_append(c, &e, err);
}

/* ---- driver ---- */

struct stage {
    const char *name;
    db_write_fn fn;
};

static int stage_capacity(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct stage_ctx *s = arg;
    return capacity_demo(c, s->o->scale, s->o->seed, &s->rows, &s->rows2, err);
}

static int stage_community_clear(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct stage_ctx *s = arg;
    s->rows = s->rows2 = 0;
    int rc = community_demo_clear(c, err);
    return rc ? rc : queue_demo_clear(c, err);
}

static int stage_community(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct stage_ctx *s = arg;
    return community_demo(c, s->o->scale, s->o->seed, &s->rows, &s->rows2, err);
}

/* queue pillar: clinics' hours and counters, a day of tickets */
static int stage_queue(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct stage_ctx *s = arg;
    return queue_demo(c, s->o->scale, s->o->seed, &s->rows, &s->rows2, err);
}

/* supply pillar: catalogue, depots, a fortnight of ledger history */
static int stage_supply(struct db_conn *c, void *arg, struct crest_error *err)
{
    struct stage_ctx *s = arg;
    return supply_demo(c, s->o->scale, s->o->seed, &s->rows, &s->rows2, err);
}

/* The geography, in order; the logins follow, then the pillars. */
static const struct stage stages[] = {
    {"regions: cities and counties", stage_divisions},
    {"regions: townships", stage_townships},
    {"regions: communities, grids", stage_communities},
};

/* Pillars append their stage here, in dependency order (after the logins,
 * so a pillar can bind a demo login to its facility). */
static const struct stage pillar_stages[] = {
    /* rows that refer to facilities go before capacity replaces them */
    {"pillars: clear the previous demo", stage_community_clear},
    {"capacity: facilities, a year of reports", stage_capacity},
    {"community: people, isolation ledger, requests", stage_community},
    {"queue: fever clinics' hours and counters, a day of tickets", stage_queue},
    {"supply: depots, catalogue, ledger", stage_supply}, /* supply pillar */
};

int demo_run(struct db *db, const struct demo_opts *o, struct crest_error *err)
{
    crest_error_clear(err);
    struct progress prog = {isatty(STDERR_FILENO) && !getenv("CI"), util_mono_us(), 0, NULL};
    struct stage_ctx s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.prog = &prog;
    s.rng.s = o->seed;
    char *pop = NULL, *town = NULL;
    int rc = CREST_IO;
    if (!(pop = slurp(o->data_dir, "zj_population.csv", &s.pop_n, err)) ||
        !(town = slurp(o->data_dir, "zj_townships.csv", &s.town_n, err)))
        goto out;
    s.pop_csv = pop;
    s.town_csv = town;
    for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
        prog_stage(&prog, stages[i].name);
        rc = db_write(db, stages[i].fn, &s, err);
        if (rc != CREST_OK)
            goto out;
        char what[64];
        if (stages[i].fn == stage_communities)
            snprintf(what, sizeof what, "%lld communities, %lld grids",
                     (long long)(s.rows / 1000000), (long long)(s.rows % 1000000));
        else
            snprintf(what, sizeof what, "%lld regions", (long long)s.rows);
        prog_done(&prog, what);
    }
    /* users last: their scopes refer to regions */
    prog_stage(&prog, "logins, one per role");
    struct users_arg *u = xcalloc(1, sizeof *u);
    for (int i = 0; i < NUSERS; i++) {
        util_token(u->pw[i], sizeof u->pw[i], 12);
        if (session_hash_password(u->pw[i], u->hash[i]) != 0) {
            free(u);
            rc = crest_error_set(err, CREST_NOMEM, "internal", "password hashing failed");
            goto out;
        }
        prog_tick(&prog, i + 1, NUSERS);
    }
    rc = db_write(db, stage_users, u, err);
    if (rc == CREST_OK) {
        char what[32];
        snprintf(what, sizeof what, "%d logins", NUSERS);
        prog_done(&prog, what);
    }
    for (size_t i = 0; rc == CREST_OK && i < sizeof pillar_stages / sizeof pillar_stages[0]; i++) {
        prog_stage(&prog, pillar_stages[i].name);
        rc = db_write(db, pillar_stages[i].fn, &s, err);
        if (rc == CREST_OK) {
            char what[96];
            snprintf(what, sizeof what, "%lld + %lld rows", (long long)s.rows, (long long)s.rows2);
            prog_done(&prog, what);
        }
    }
    if (rc == CREST_OK) {
        if (prog.tty)
            fputc('\n', stderr);
        if (o->logins) {
            fprintf(o->logins,
                    "\nDemo logins (shown once; run `crest demo` again for new ones):\n");
            fprintf(o->logins, "  %-16s %-11s %-16s %s\n", "username", "role", "scope", "password");
            for (int i = 0; i < NUSERS; i++)
                fprintf(o->logins, "  %-16s %-11s %-16s %s\n", demo_users[i].name,
                        role_name(demo_users[i].role), demo_users[i].scope, u->pw[i]);
            fflush(o->logins);
        }
    }
    sodium_memzero(u, sizeof *u); /* passwords: gone once printed */
    free(u);
out:
    free(pop);
    free(town);
    free(s.geo.t);
    return rc;
}
