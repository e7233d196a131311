/*
 * store.c - the community pillar's SQL: persons and isolation episodes. The
 * grade history keeps one row per change of grade; follow-ups, requests
 * and transfers are written by api.c with the statements next to their
 * rules.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../base/str.h"
#include "../base/util.h"
#include "../capacity/capacity.h"
#include "store.h"

static const char *txt(struct db_stmt *st, int col)
{
    const char *s = db_col_text(st, col);
    return s ? s : "";
}

void comm_person_fill(struct db_stmt *st, int col, struct comm_person *p)
{
    memset(p, 0, sizeof *p);
    p->id = db_col_int(st, col);
    str_copy(p->id_number, sizeof p->id_number, txt(st, col + 1));
    str_copy(p->name, sizeof p->name, txt(st, col + 2));
    p->sex = txt(st, col + 3)[0];
    str_copy(p->birth, sizeof p->birth, txt(st, col + 4));
    str_copy(p->phone, sizeof p->phone, txt(st, col + 5));
    str_copy(p->address, sizeof p->address, txt(st, col + 6));
    str_copy(p->grid, sizeof p->grid, txt(st, col + 7));
    str_copy(p->household, sizeof p->household, txt(st, col + 8));
    p->living_alone = db_col_int(st, col + 9) != 0;
    p->pregnant = db_col_int(st, col + 10) != 0;
    str_copy(p->due_date, sizeof p->due_date, txt(st, col + 11));
    p->haemodialysis = db_col_int(st, col + 12) != 0;
    p->disability = db_col_int(st, col + 13) != 0;
    p->bedridden = db_col_int(st, col + 14) != 0;
    str_copy(p->chronic, sizeof p->chronic, txt(st, col + 15));
    p->has_geo = !db_col_null(st, col + 16) && !db_col_null(st, col + 17);
    p->lat = db_col_double(st, col + 16);
    p->lon = db_col_double(st, col + 17);
    p->user_id = db_col_int(st, col + 18);
    p->version = db_col_int(st, col + 19);
}

void comm_person_needs(const struct comm_person *p, const char *today, struct comm_needs *n)
{
    memset(n, 0, sizeof *n);
    n->age = comm_age(p->birth, today);
    n->living_alone = p->living_alone;
    n->pregnant = p->pregnant;
    n->haemodialysis = p->haemodialysis;
    n->disability = p->disability;
    n->bedridden = p->bedridden;
    str_copy(n->due_date, sizeof n->due_date, p->due_date);
    const char *s = p->chronic;
    while (*s && n->nchronic < COMM_MAX_CHRONIC) {
        size_t len = strcspn(s, ",");
        if (len > 0 && len < POLICY_NAME) {
            memcpy(n->chronic[n->nchronic], s, len);
            n->chronic[n->nchronic++][len] = 0;
        }
        s += len;
        if (*s == ',')
            s++;
    }
}

void comm_episode_fill(struct db_stmt *st, int col, struct comm_episode *e)
{
    memset(e, 0, sizeof *e);
    e->id = db_col_int(st, col);
    e->person_id = db_col_int(st, col + 1);
    str_copy(e->grid, sizeof e->grid, txt(st, col + 2));
    int k = comm_kind_parse(txt(st, col + 3)), so = comm_source_parse(txt(st, col + 4));
    e->kind = k < 0 ? COMM_CONFIRMED : (enum comm_kind)k;
    e->source = so < 0 ? COMM_SRC_SELF : (enum comm_source)so;
    str_copy(e->start_date, sizeof e->start_date, txt(st, col + 5));
    str_copy(e->planned_end, sizeof e->planned_end, txt(st, col + 6));
    int s = comm_status_parse(txt(st, col + 7)), g = comm_grade_parse(txt(st, col + 8));
    e->status = s < 0 ? COMM_ENDED : (enum comm_status)s;
    e->grade = g < 0 ? COMM_GREEN : (enum comm_grade)g;
    str_copy(e->reasons, sizeof e->reasons, txt(st, col + 9));
    e->alert = db_col_int(st, col + 10) != 0;
    e->fever_since_ms = db_col_int(st, col + 11);
    e->last_followup_ms = db_col_int(st, col + 12);
    e->next_due_ms = db_col_int(st, col + 13);
    e->has_temp = !db_col_null(st, col + 14);
    e->last_temp = db_col_double(st, col + 14);
    e->has_spo2 = !db_col_null(st, col + 15);
    e->last_spo2 = db_col_int(st, col + 15);
    e->self_report_pending = db_col_int(st, col + 16) != 0;
    e->created_ms = db_col_int(st, col + 17);
    e->ended_ms = db_col_int(st, col + 18);
    str_copy(e->end_date, sizeof e->end_date, txt(st, col + 19));
    e->version = db_col_int(st, col + 20);
}

static int one_person(struct db_conn *c, const char *where, int64_t v, struct comm_person *out,
                      struct crest_error *err)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT " COMM_PERSON_COLS " FROM persons p WHERE %s = ?", where);
    struct db_stmt *st = db_query(c, err, sql, "i", v);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1)
        comm_person_fill(st, 0, out);
    db_finalize(st);
    if (rc < 0)
        return err->code;
    return rc == 1 ? CREST_OK : CREST_NOTFOUND;
}

int comm_person_get(struct db_conn *c, int64_t id, struct comm_person *out, struct crest_error *err)
{
    return one_person(c, "p.id", id, out, err);
}

int comm_person_of_user(struct db_conn *c, int64_t user_id, struct comm_person *out,
                        struct crest_error *err)
{
    return one_person(c, "p.user_id", user_id, out, err);
}

static const char *nz(const char *s)
{
    return s && s[0] ? s : NULL;
}

int comm_person_insert(struct db_conn *c, struct comm_person *p, struct crest_error *err)
{
    struct db_stmt *st =
        db_query(c, err, "SELECT id FROM persons WHERE id_number = ?", "s", p->id_number);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    int64_t existing = rc == 1 ? db_col_int(st, 0) : 0;
    db_finalize(st);
    if (rc < 0)
        return err->code;
    if (existing) {
        char arg[24];
        snprintf(arg, sizeof arg, "%lld", (long long)existing);
        crest_error_field(err, "id_number", "exists", "comm_person_exists", arg);
        err->code = CREST_CONFLICT;
        return CREST_CONFLICT;
    }
    int64_t now = util_now_ms();
    char sex[2] = {p->sex, 0};
    const char *sql =
        "INSERT INTO persons (id_number, name, sex, birth_date, phone, address, grid, household, "
        "living_alone, pregnant, due_date, haemodialysis, disability, bedridden, chronic, lat, "
        "lon, user_id, version, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id";
    char types[32];
    snprintf(types, sizeof types, "ssssssssiisiiis%s%sii", p->has_geo ? "dd" : "nn",
             p->user_id ? "i" : "n");
    if (p->has_geo && p->user_id)
        st = db_query(c, err, sql, types, p->id_number, p->name, sex, p->birth, nz(p->phone),
                      nz(p->address), p->grid, nz(p->household), (int64_t)p->living_alone,
                      (int64_t)p->pregnant, nz(p->due_date), (int64_t)p->haemodialysis,
                      (int64_t)p->disability, (int64_t)p->bedridden, p->chronic, p->lat, p->lon,
                      p->user_id, now, now);
    else if (p->has_geo)
        st = db_query(c, err, sql, types, p->id_number, p->name, sex, p->birth, nz(p->phone),
                      nz(p->address), p->grid, nz(p->household), (int64_t)p->living_alone,
                      (int64_t)p->pregnant, nz(p->due_date), (int64_t)p->haemodialysis,
                      (int64_t)p->disability, (int64_t)p->bedridden, p->chronic, p->lat, p->lon,
                      now, now);
    else if (p->user_id)
        st = db_query(c, err, sql, types, p->id_number, p->name, sex, p->birth, nz(p->phone),
                      nz(p->address), p->grid, nz(p->household), (int64_t)p->living_alone,
                      (int64_t)p->pregnant, nz(p->due_date), (int64_t)p->haemodialysis,
                      (int64_t)p->disability, (int64_t)p->bedridden, p->chronic, p->user_id, now,
                      now);
    else
        st = db_query(c, err, sql, types, p->id_number, p->name, sex, p->birth, nz(p->phone),
                      nz(p->address), p->grid, nz(p->household), (int64_t)p->living_alone,
                      (int64_t)p->pregnant, nz(p->due_date), (int64_t)p->haemodialysis,
                      (int64_t)p->disability, (int64_t)p->bedridden, p->chronic, now, now);
    if (!st)
        return err->code;
    rc = db_step(st, err);
    if (rc == 1)
        p->id = db_col_int(st, 0);
    db_finalize(st);
    p->version = 1;
    return rc == 1 ? CREST_OK : err->code;
}

int comm_person_update(struct db_conn *c, struct comm_person *p, struct crest_error *err)
{
    int64_t changed = 0;
    const char *sql = "UPDATE persons SET name = ?, phone = ?, address = ?, grid = ?, household = "
                      "?, living_alone = ?, pregnant = ?, due_date = ?, haemodialysis = ?, "
                      "disability = ?, bedridden = ?, chronic = ?, lat = ?, lon = ?, version = "
                      "version + 1, updated_ms = ? WHERE id = ? AND version = ?";
    int rc;
    if (p->has_geo)
        rc = db_exec(c, err, &changed, sql, "sssssiisiiisddiii", p->name, nz(p->phone),
                     nz(p->address), p->grid, nz(p->household), (int64_t)p->living_alone,
                     (int64_t)p->pregnant, nz(p->due_date), (int64_t)p->haemodialysis,
                     (int64_t)p->disability, (int64_t)p->bedridden, p->chronic, p->lat, p->lon,
                     util_now_ms(), p->id, p->version);
    else
        rc = db_exec(c, err, &changed, sql, "sssssiisiiisnniii", p->name, nz(p->phone),
                     nz(p->address), p->grid, nz(p->household), (int64_t)p->living_alone,
                     (int64_t)p->pregnant, nz(p->due_date), (int64_t)p->haemodialysis,
                     (int64_t)p->disability, (int64_t)p->bedridden, p->chronic, util_now_ms(),
                     p->id, p->version);
    if (rc)
        return rc;
    if (changed != 1)
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", NULL);
    p->version++;
    return CREST_OK;
}

int comm_episode_get(struct db_conn *c, int64_t id, struct comm_episode *out,
                     struct comm_person *person, struct crest_error *err)
{
    struct db_stmt *st = db_query(c, err,
                                  "SELECT " COMM_EPISODE_COLS ", " COMM_PERSON_COLS
                                  " FROM comm_episodes e JOIN persons p ON p.id = e.person_id "
                                  "WHERE e.id = ?",
                                  "i", id);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1) {
        comm_episode_fill(st, 0, out);
        if (person)
            comm_person_fill(st, COMM_EPISODE_NCOLS, person);
    }
    db_finalize(st);
    if (rc < 0)
        return err->code;
    return rc == 1 ? CREST_OK : CREST_NOTFOUND;
}

int comm_episode_open_of(struct db_conn *c, int64_t person_id, int64_t *id, struct crest_error *err)
{
    *id = 0;
    struct db_stmt *st = db_query(
        c, err, "SELECT id FROM comm_episodes WHERE person_id = ? AND status = 'isolating'", "i",
        person_id);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1)
        *id = db_col_int(st, 0);
    db_finalize(st);
    return rc < 0 ? err->code : CREST_OK;
}

int comm_episode_insert(struct db_conn *c, struct comm_episode *e, int64_t user_id,
                        struct crest_error *err)
{
    e->created_ms = util_now_ms();
    struct db_stmt *st = db_query(
        c, err,
        "INSERT INTO comm_episodes (person_id, grid, kind, source, start_date, planned_end, "
        "status, grade, reasons, alert, fever_since_ms, next_due_ms, self_report_pending, "
        "created_by, created_ms, version) VALUES (?, ?, ?, ?, ?, ?, 'isolating', ?, ?, ?, 0, ?, "
        "?, ?, ?, 1) RETURNING id",
        "isssssssiiiii", e->person_id, e->grid, comm_kind_name(e->kind),
        comm_source_name(e->source), e->start_date, e->planned_end, comm_grade_name(e->grade),
        e->reasons, (int64_t)e->alert, e->next_due_ms, (int64_t)e->self_report_pending, user_id,
        e->created_ms);
    if (!st)
        return err->code;
    int rc = db_step(st, err);
    if (rc == 1)
        e->id = db_col_int(st, 0);
    db_finalize(st);
    e->version = 1;
    e->status = COMM_ISOLATING;
    return rc == 1 ? CREST_OK : err->code;
}

int comm_episode_save(struct db_conn *c, struct comm_episode *e, struct crest_error *err)
{
    /* absent readings and times are bound as sentinels (-1, 0) that NULLIF
     * turns into NULL: one statement instead of one per combination; the
     * casts give PostgreSQL the parameter types */
    int64_t changed = 0;
    int rc = db_exec(
        c, err, &changed,
        "UPDATE comm_episodes SET status = ?, grade = ?, reasons = ?, planned_end = ?, alert = ?, "
        "last_temp = NULLIF(CAST(? AS DOUBLE PRECISION), -1), "
        "last_spo2 = NULLIF(CAST(? AS BIGINT), -1), "
        "last_followup_ms = NULLIF(CAST(? AS BIGINT), 0), fever_since_ms = ?, next_due_ms = ?, "
        "self_report_pending = ?, ended_ms = NULLIF(CAST(? AS BIGINT), 0), end_date = ?, "
        "version = version + 1 WHERE id = ? AND version = ?",
        "ssssidiiiiiisii", comm_status_name(e->status), comm_grade_name(e->grade), e->reasons,
        e->planned_end, (int64_t)e->alert, e->has_temp ? e->last_temp : -1.0,
        e->has_spo2 ? e->last_spo2 : (int64_t)-1, e->last_followup_ms, e->fever_since_ms,
        e->next_due_ms, (int64_t)e->self_report_pending, e->ended_ms, nz(e->end_date), e->id,
        e->version);
    if (rc)
        return rc;
    if (changed != 1)
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", "%lld",
                               (long long)e->version);
    e->version++;
    return CREST_OK;
}

int comm_episode_save_followup(struct db_conn *c, struct comm_episode *e, struct crest_error *err)
{
    int64_t changed = 0;
    int rc = db_exec(
        c, err, &changed,
        "UPDATE comm_episodes SET grade = ?, reasons = ?, alert = ?, "
        "last_temp = NULLIF(CAST(? AS DOUBLE PRECISION), -1), "
        "last_spo2 = NULLIF(CAST(? AS BIGINT), -1), "
        "last_followup_ms = NULLIF(CAST(? AS BIGINT), 0), fever_since_ms = ?, next_due_ms = ?, "
        "self_report_pending = ?, version = version + 1 WHERE id = ? AND version = ?",
        "ssidiiiiiii", comm_grade_name(e->grade), e->reasons, (int64_t)e->alert,
        e->has_temp ? e->last_temp : -1.0, e->has_spo2 ? e->last_spo2 : (int64_t)-1,
        e->last_followup_ms, e->fever_since_ms, e->next_due_ms, (int64_t)e->self_report_pending,
        e->id, e->version);
    if (rc)
        return rc;
    if (changed != 1)
        return crest_error_set(err, CREST_PRECONDITION, "precondition_failed", "%lld",
                               (long long)e->version);
    e->version++;
    return CREST_OK;
}

int comm_grade_history_add(struct db_conn *c, const struct comm_episode *e, int64_t followup_id,
                           int64_t at_ms, struct crest_error *err)
{
    return db_exec(c, err, NULL,
                   "INSERT INTO comm_grades (episode_id, grade, reasons, followup_id, at_ms) "
                   "VALUES (?, ?, ?, NULLIF(CAST(? AS BIGINT), 0), ?)",
                   "issii", e->id, comm_grade_name(e->grade), e->reasons, followup_id, at_ms);
}

bool comm_person_position(struct db_conn *c, const struct comm_person *p, double *lat, double *lon)
{
    if (p->has_geo) {
        *lat = p->lat;
        *lon = p->lon;
        return true;
    }
    static const int lens[] = {9, 6, 4};
    for (int i = 0; i < 3; i++) {
        if ((int)strlen(p->grid) < lens[i])
            continue;
        char lo[20], hi[20];
        snprintf(lo, sizeof lo, "%.*s", lens[i], p->grid);
        capacity_prefix_upper(lo, hi);
        struct crest_error err;
        struct db_stmt *st = db_query(c, &err,
                                      "SELECT avg(lat), avg(lon), count(lat) FROM facilities "
                                      "WHERE region >= ? AND region < ? AND lat IS NOT NULL",
                                      "ss", lo, hi);
        bool ok = st && db_step(st, &err) == 1 && db_col_int(st, 2) > 0;
        if (ok) {
            *lat = db_col_double(st, 0);
            *lon = db_col_double(st, 1);
        }
        db_finalize(st);
        if (ok)
            return true;
    }
    return false;
}

/* The shift onto the scenario date changes only when the date rolls over or
 * the demo is rebuilt: read from settings at most every 5 s (§16 of
 * docs/decisions.md), not in every follow-up's transaction. */
static pthread_mutex_t clock_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t clock_shift, clock_until_us;

int64_t comm_now_ms(struct db_conn *c)
{
    int64_t now = util_now_ms(), mono = util_mono_us();
    pthread_mutex_lock(&clock_mu);
    bool fresh = mono < clock_until_us;
    int64_t shift = clock_shift;
    pthread_mutex_unlock(&clock_mu);
    if (!fresh) {
        char scenario[11], today[11];
        shift = 0;
        if (capacity_today(c, scenario)) {
            comm_ms_date(now, today);
            /* keep the time of day, move the date: whole days between the two */
            shift = comm_date_ms(scenario) - comm_date_ms(today);
        }
        pthread_mutex_lock(&clock_mu);
        clock_shift = shift;
        clock_until_us = mono + 5 * 1000000;
        pthread_mutex_unlock(&clock_mu);
    }
    return now + shift;
}
