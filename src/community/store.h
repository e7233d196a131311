/*
 * store.h - the community pillar's rows and SQL (store.c), shared by api.c,
 * stats.c, io.c and demo.c.
 */
#ifndef CREST_COMMUNITY_STORE_H
#define CREST_COMMUNITY_STORE_H

#include "../db/db.h"
#include "community.h"

struct comm_person {
    int64_t id;
    char id_number[19];
    char name[201]; /* up to 50 characters */
    char sex;       /* 'M' / 'F' */
    char birth[11];
    char phone[32];
    char address[801]; /* up to 200 characters */
    char grid[16];
    char household[129];
    bool living_alone, pregnant, haemodialysis, disability, bedridden;
    char due_date[11];
    char chronic[512]; /* comma-separated policy codes */
    bool has_geo;
    double lat, lon;
    int64_t user_id; /* a resident's own login, 0 = none */
    int64_t version;
};

#define COMM_PERSON_COLS                                                                           \
    "p.id, p.id_number, p.name, p.sex, p.birth_date, p.phone, p.address, p.grid, p.household, "    \
    "p.living_alone, p.pregnant, p.due_date, p.haemodialysis, p.disability, p.bedridden, "         \
    "p.chronic, p.lat, p.lon, p.user_id, p.version"
#define COMM_PERSON_NCOLS 20
void comm_person_fill(struct db_stmt *st, int col, struct comm_person *p);
/* The needs the grading reads, with the age as of today. */
void comm_person_needs(const struct comm_person *p, const char *today, struct comm_needs *n);

struct comm_episode {
    int64_t id, person_id;
    char grid[16];
    enum comm_kind kind;
    enum comm_source source;
    char start_date[11], planned_end[11];
    enum comm_status status;
    enum comm_grade grade;
    char reasons[1024];
    bool alert;
    int64_t fever_since_ms, last_followup_ms, next_due_ms;
    bool has_temp, has_spo2;
    double last_temp;
    int64_t last_spo2;
    bool self_report_pending;
    int64_t created_ms, ended_ms;
    char end_date[11];
    int64_t version;
};

#define COMM_EPISODE_COLS                                                                          \
    "e.id, e.person_id, e.grid, e.kind, e.source, e.start_date, e.planned_end, e.status, "         \
    "e.grade, e.reasons, e.alert, e.fever_since_ms, e.last_followup_ms, e.next_due_ms, "           \
    "e.last_temp, e.last_spo2, e.self_report_pending, e.created_ms, e.ended_ms, e.end_date, "      \
    "e.version"
#define COMM_EPISODE_NCOLS 21
void comm_episode_fill(struct db_stmt *st, int col, struct comm_episode *e);

int comm_person_get(struct db_conn *c, int64_t id, struct comm_person *out,
                    struct crest_error *err);
/* The person linked to a resident's login; CREST_NOTFOUND when none. */
int comm_person_of_user(struct db_conn *c, int64_t user_id, struct comm_person *out,
                        struct crest_error *err);
/* CREST_CONFLICT (field id_number, arg = the existing person's id) when the
 * ID number is already registered. */
int comm_person_insert(struct db_conn *c, struct comm_person *p, struct crest_error *err);
int comm_person_update(struct db_conn *c, struct comm_person *p, struct crest_error *err);

int comm_episode_get(struct db_conn *c, int64_t id, struct comm_episode *out,
                     struct comm_person *person, struct crest_error *err);
/* The person's open episode id, 0 when none. */
int comm_episode_open_of(struct db_conn *c, int64_t person_id, int64_t *id,
                         struct crest_error *err);
int comm_episode_insert(struct db_conn *c, struct comm_episode *e, int64_t user_id,
                        struct crest_error *err);
/* Store the grade, fever run, last readings, due time, status; version must
 * match (CREST_PRECONDITION otherwise). */
int comm_episode_save(struct db_conn *c, struct comm_episode *e, struct crest_error *err);
/* After a follow-up: only the columns a follow-up changes, so the indexes
 * on status, end date and grid are not rewritten (SQLite rewrites every
 * index that mentions a column in the SET list). */
int comm_episode_save_followup(struct db_conn *c, struct comm_episode *e, struct crest_error *err);
int comm_grade_history_add(struct db_conn *c, const struct comm_episode *e, int64_t followup_id,
                           int64_t at_ms, struct crest_error *err);

/* The grid of a person's area where the person has no coordinates: the mean
 * position of the facilities in their township, county or city, whichever
 * is the first to have any. false when none is known. */
bool comm_person_position(struct db_conn *c, const struct comm_person *p, double *lat, double *lon);

#endif
