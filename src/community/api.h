/*
 * api.h - helpers shared by the community pillar's handler files (api.c,
 * ledger.c, request.c, transfer.c, stats.c, io.c).
 */
#ifndef CREST_COMMUNITY_API_H
#define CREST_COMMUNITY_API_H

#include <jansson.h>

#include "../base/buf.h"
#include "../base/jdec.h"
#include "../http/http.h"
#include "store.h"

bool comm_parse_id(struct http_req *r, const char *name, int64_t *id);
int comm_audit(struct db_conn *c, struct http_req *r, const char *action, const char *entity,
               int64_t id, const char *region, struct crest_error *err);
/* Scope: a resident sees their own person only, others by grid prefix. */
bool comm_may_see_person(const struct http_req *r, const struct comm_person *p);
/* Clear err and set a 404 with key; returns CREST_NOTFOUND. */
int comm_not_found(struct crest_error *err, const char *key);
/* The business date (the scenario date in the demo). */
void comm_today(struct db_conn *c, char out[11]);
int comm_grid_in_scope(struct db_conn *c, struct http_req *r, const char *grid,
                       struct crest_error *err);

/* full: the whole record (detail views, audited); else masked (lists). */
json_t *comm_person_json(const struct comm_person *p, bool full, const char *today);
json_t *comm_episode_json(const struct comm_episode *e, const char *lang, int64_t now_ms);

/* The same as comm_episode_json written into a buffer, without its closing
 * brace so a caller can add keys; reasons: with the per-reason array
 * (lists leave it out: grade_reason has them joined). And the masked
 * comm_person_json. For long lists and busy answers. */
void comm_episode_write(struct buf *b, const struct comm_episode *e, const char *lang,
                        int64_t now_ms, bool reasons);
void comm_person_write_masked(struct buf *b, const struct comm_person *p, const char *today);

/* Decode a person's editable fields (create: the required ones). Shared by
 * the JSON API and the spreadsheet import, so both check alike. */
void comm_person_decode(struct jdec *d, struct comm_person *p, bool create, const char *today,
                        struct crest_error *err);

/* Open an episode for a person (used by the grid worker's and the
 * resident's routes): 409 naming the open one. */
struct comm_episode_in {
    int64_t person_id;
    enum comm_kind kind;
    enum comm_source source;
    char start_date[11], planned_end[11];
};
int comm_episode_open(struct db_conn *c, struct http_req *r, const struct comm_person *p,
                      const struct comm_episode_in *in, struct comm_episode *out,
                      struct crest_error *err);
/* Decode the body of a new episode; person_id only when with_person. */
void comm_episode_in_decode(struct jdec *d, struct comm_episode_in *in, bool with_person,
                            struct crest_error *err);

/* Transfer ranking (transfer.c), for a follow-up that proposes one. */
json_t *comm_transfer_options(struct db_conn *c, const struct comm_person *p, bool icu, bool green,
                              int limit, const char *lang, struct crest_error *err);

#endif
