/*
 * community.h - the community pillar (DESIGN.md §1, issue 5): the resident
 * registry every later pillar shares, the graded home-isolation ledger
 * 居家隔离人员工作台账, follow-ups with the national home-treatment warning
 * signs, the grid worker's day list, service requests with deadlines, and the
 * transfer green channel that reserves a hospital bed.
 *
 * model.c  pure rules: ID numbers (GB 11643), masking, grading, warning
 *          signs, follow-up and request deadlines. No I/O, no SQL.
 * store.c  persons, episodes, follow-ups, requests, transfers (SQL).
 * api.c    /api/v1/community/… handlers.
 * stats.c  statistics, the ledger export.
 * import.c the roster import's core (CSV/XLSX rows → persons), shared by
 *          io.c (POST /api/v1/persons/import) and cli.c (`crest residents
 *          import`).
 * demo.c   the demo's people: everyone isolating, the special-needs
 *          registers and a sample, not 65 million rows.
 */
#ifndef CREST_COMMUNITY_H
#define CREST_COMMUNITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"
#include "../policy/policy.h"

/* ---- resident ID numbers (GB 11643-1999) ---- */

struct comm_idnum {
    char birth[11]; /* YYYY-MM-DD */
    char sex;       /* 'M' or 'F' (17th digit odd: male) */
    char area[7];   /* the 6-digit address code of first registration */
};

enum comm_id_problem {
    COMM_ID_OK = 0,
    COMM_ID_FORMAT,   /* not 17 digits + digit or X */
    COMM_ID_DATE,     /* birth date impossible, before 1900 or after today */
    COMM_ID_CHECKSUM, /* wrong check digit */
};

/* The check character ('0'..'9' or 'X') for the first 17 digits. */
char comm_id_check_char(const char *first17);
/* Validate an 18-character ID number as of `today` (YYYY-MM-DD); fills out
 * on COMM_ID_OK. A lower-case 'x' is accepted (and should be stored upper). */
enum comm_id_problem comm_id_parse(const char *id, const char *today, struct comm_idnum *out);
/* 330106********123X: the area code and the last four; out needs 19 bytes.
 * Anything not a well-formed ID becomes all stars but the last 4. */
void comm_id_mask(const char *id, char out[19]);
/* 138****5678; out needs 32 bytes. */
void comm_phone_mask(const char *phone, char out[32]);
/* Whole years between birth and today (both YYYY-MM-DD); -1 when malformed. */
int comm_age(const char *birth, const char *today);

/* ---- a person's needs (the seed's special groups) ---- */

#define COMM_MAX_CHRONIC 8
struct comm_needs {
    int age;
    bool living_alone, pregnant, haemodialysis, disability, bedridden;
    char due_date[11]; /* when pregnant, "" when unknown */
    int nchronic;
    char chronic[COMM_MAX_CHRONIC][POLICY_NAME];
};

/* ---- follow-ups and warning signs ---- */

/* The symptom checklist. The ones marked (warning) are warning signs of the
 * national home-treatment guidance (新冠病毒感染者居家治疗指南, 2022-12). */
enum comm_symptom {
    COMM_SYM_FEVER = 0,
    COMM_SYM_COUGH,
    COMM_SYM_SORE_THROAT,
    COMM_SYM_FATIGUE,
    COMM_SYM_MUSCLE_PAIN,
    COMM_SYM_DIARRHOEA,
    COMM_SYM_BREATHLESS,           /* (warning) 呼吸困难或气促 */
    COMM_SYM_DISEASE_UNCONTROLLED, /* (warning) 基础疾病明显加重且不能控制 */
    COMM_SYM_CHILD_LETHARGIC,      /* (warning) 儿童嗜睡、持续拒食… */
    COMM_SYM_CHILD_REFUSES_FOOD,   /* (warning) */
    COMM_SYM_PREGNANCY_WARNING, /* (warning) 孕妇头痛头晕、心慌憋气、腹痛、阴道出血… */
    COMM__SYMPTOMS
};
const char *comm_symptom_name(enum comm_symptom s);
int comm_symptom_parse(const char *s);
bool comm_symptom_is_warning(enum comm_symptom s);

struct comm_followup {
    int64_t at_ms;
    bool has_temp, has_spo2;
    double temp;       /* °C, 34..43 */
    int64_t spo2;      /* %, 50..100 */
    unsigned symptoms; /* bit per enum comm_symptom */
    bool medicine;     /* took antipyretics since the last follow-up */
};

enum comm_grade { COMM_GREEN = 0, COMM_YELLOW, COMM_RED };
const char *comm_grade_name(enum comm_grade g);
int comm_grade_parse(const char *s);

/* One reason for a grade or an alert: a rule and its figures. Rendered in a
 * language by comm_reason_text, so the ledger can show "red: SpO₂ 91 % ≤
 * 93 %" in zh or en from the same stored reason. */
enum comm_rule {
    COMM_R_SPO2 = 0,    /* value = SpO₂, limit = policy max */
    COMM_R_FEVER_DAYS,  /* value = days with fever > limit2 °C, limit = days */
    COMM_R_SYMPTOM,     /* name = the warning symptom */
    COMM_R_NEED,        /* name = haemodialysis, bedridden, … (red or yellow need) */
    COMM_R_AGE_CHRONIC, /* value = age, limit = age, name = first disease */
    COMM_R_AGE,         /* value = age, limit = age */
    COMM_R_CHRONIC,     /* name = disease */
    COMM_R_INFANT,      /* value = age, limit = max age */
    COMM_R_TEMP,        /* value = temperature, limit = °C */
    COMM_R_NONE,        /* green: no rule applies */
};
struct comm_reason {
    enum comm_rule rule;
    double value, limit, limit2;
    char name[POLICY_NAME];
};
#define COMM_MAX_REASONS 8
struct comm_grading {
    enum comm_grade grade;
    int nreasons;
    struct comm_reason reason[COMM_MAX_REASONS]; /* the grade's reasons first */
    bool alert;                                  /* a warning sign is present */
    bool propose_transfer;
    bool icu; /* the proposed bed: ICU when SpO₂ ≤ warning.icu_spo2_max */
};

/* State carried from one follow-up to the next: when the current fever run
 * began (0: no fever at the last follow-up). */
struct comm_fever {
    int64_t since_ms;
};

/* Grade a person from their needs and the latest follow-up (NULL: none yet)
 * under the policy. fever carries the fever run; it is updated from f.
 * Pure. */
void comm_grade_eval(const struct comm_needs *n, const struct comm_followup *f,
                     struct comm_fever *fever, const struct policy *p, struct comm_grading *out);

/* "red: SpO₂ 91 % ≤ 93 %" style text of one reason, in "zh" or "en". */
void comm_reason_text(const struct comm_reason *r, const char *lang, char *out, size_t cap);
/* The code of a need, disease or symptom given by its zh or en label
 * ("高血压" → "hypertension"); s itself when it is not a label. */
const char *comm_code_of_label(const char *s);
/* The grade's reasons joined, e.g. "yellow: 72 years ≥ 65; hypertension". */
void comm_grading_text(const struct comm_grading *g, const char *lang, char *out, size_t cap);
/* Reasons to/from a compact stored form ("rule|value|limit|limit2|name;…"). */
void comm_reasons_encode(const struct comm_grading *g, char *out, size_t cap);
bool comm_reasons_decode(const char *s, struct comm_grading *g);

/* When the next follow-up of a grade is due after `last_ms`. */
int64_t comm_followup_due(enum comm_grade g, int64_t last_ms, const struct policy *p);

/* ---- service requests ---- */
enum comm_req_type {
    COMM_REQ_SUPPLIES = 0, /* 生活物资 */
    COMM_REQ_LIVELIHOOD,   /* 民生需求 */
    COMM_REQ_HEALTH,       /* 健康咨询 */
    COMM_REQ_TEMP_HELP,    /* 临时帮扶 */
    COMM_REQ_MEDICINE,     /* 药品 */
    COMM__REQ_TYPES
};
const char *comm_req_type_name(enum comm_req_type t);
int comm_req_type_parse(const char *s);

enum comm_req_status {
    COMM_REQ_OPEN = 0,
    COMM_REQ_ASSIGNED,
    COMM_REQ_IN_PROGRESS,
    COMM_REQ_DONE,
    COMM_REQ_CANCELLED,
    COMM__REQ_STATUSES
};
const char *comm_req_status_name(enum comm_req_status s);
int comm_req_status_parse(const char *s);
/* May a request go from a to b? Any state not final (open, assigned,
 * in_progress) may go to done or cancelled; open and assigned to assigned
 * (re-assign) or in_progress; in_progress back to assigned (handed on).
 * done and cancelled are final. */
bool comm_req_transition_ok(enum comm_req_status a, enum comm_req_status b);

/* Hours a request of a type, from a person of a grade, may take: the type's
 * deadline, capped by the grade's. */
int64_t comm_req_deadline_hours(enum comm_req_type t, enum comm_grade g, const struct policy *p);

/* ---- transfers ---- */
/* May a transfer go from status a to b, by the receiving hospital
 * (reserved → accepted | declined, accepted → arrived) or by the sender
 * (reserved | accepted → cancelled)? */
bool comm_transfer_transition_ok(bool by_hospital, const char *a, const char *b);

/* ---- episodes ---- */
enum comm_kind { COMM_CONFIRMED = 0, COMM_ASYMPTOMATIC, COMM_MILD, COMM_CONTACT, COMM__KINDS };
const char *comm_kind_name(enum comm_kind k);
int comm_kind_parse(const char *s);
enum comm_source { COMM_SRC_ANTIGEN = 0, COMM_SRC_PCR, COMM_SRC_SELF, COMM__SOURCES };
const char *comm_source_name(enum comm_source s);
int comm_source_parse(const char *s);
enum comm_status {
    COMM_ISOLATING = 0,
    COMM_RECOVERED,
    COMM_TRANSFERRED,
    COMM_ENDED,
    COMM__STATUSES
};
const char *comm_status_name(enum comm_status s);
int comm_status_parse(const char *s);

/* Chronic disease codes are the policy's telecare.chronic_diseases list. */
bool comm_chronic_known(const struct policy *p, const char *code);

/* Great-circle distance in km. */
double comm_km(double lat1, double lon1, double lat2, double lon2);

/* Milliseconds of a YYYY-MM-DD date at 00:00 China time (UTC+8); -1 when
 * malformed. And the China-time date of a time. */
int64_t comm_date_ms(const char *date);
void comm_ms_date(int64_t ms, char out[11]);
/* An ISO 8601 time "YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]" (no zone: China
 * time) to UTC milliseconds; false when malformed. Fuzzed. */
bool comm_parse_time(const char *s, int64_t *ms);

/* ---- store.c / api.c / stats.c / demo.c ---- */
#include "../db/db.h"

/* The business clock: now, moved onto the demo's scenario date when the
 * database has one (settings.scenario_date), so the demo's ledger is
 * coherent with the capacity figures of that day. */
int64_t comm_now_ms(struct db_conn *c);

/* The community rows go first on a refresh: they refer to facilities. */
int community_demo_clear(struct db_conn *c, struct crest_error *err);
int community_demo(struct db_conn *c, double scale, uint64_t seed, int64_t *npersons,
                   int64_t *nepisodes, struct crest_error *err);

struct http_req;
void comm_api_person_create(struct http_req *r);
void comm_api_person_list(struct http_req *r);
void comm_api_person_get(struct http_req *r);
void comm_api_person_update(struct http_req *r);
void comm_api_person_import(struct http_req *r);
void comm_api_episode_create(struct http_req *r);
void comm_api_episode_list(struct http_req *r);
void comm_api_episode_get(struct http_req *r);
void comm_api_episode_update(struct http_req *r);
void comm_api_followup_create(struct http_req *r);
void comm_api_followup_list(struct http_req *r);
void comm_api_grid_today(struct http_req *r);
void comm_api_request_create(struct http_req *r);
void comm_api_request_list(struct http_req *r);
void comm_api_request_get(struct http_req *r);
void comm_api_request_update(struct http_req *r);
void comm_api_transfer_options(struct http_req *r);
void comm_api_transfer_create(struct http_req *r);
void comm_api_transfer_list(struct http_req *r);
void comm_api_transfer_update(struct http_req *r);
void comm_api_stats(struct http_req *r);
void comm_api_ledger_xlsx(struct http_req *r);
void comm_api_me(struct http_req *r);
void comm_api_me_episode(struct http_req *r);

/* `crest residents import FILE [--db DB] [--scope CODE] [--skip-bad]
 * [--dry-run] [--policy FILE]` (cli.c); argv[0] is "import". db and
 * policy_path are the defaults the flags override. Returns the exit status. */
int comm_cli(int argc, char **argv, const char *db, const char *policy_path);

#endif
