/*
 * demo.c - the community pillar's part of the demo province. Not 65 million
 * residents: the people the pillars touch. At --scale 1:
 *   - 40,000 people isolating at home on the scenario day (started within
 *     the last 7 days), each with 0-3 follow-ups and graded by the same
 *     rules as the API (model.c), so the ledger shows every grade and
 *     reason, overdue entries and alerts;
 *   - 30,000 earlier episodes that ended (recovered, ended, transferred);
 *   - 20,000 more people on the special-needs registers (elderly living
 *     alone, dialysis, bedridden, pregnant, disabled), with no episode;
 *   - service requests from about one in eight people isolating, some
 *     overdue; transfers for some red cases.
 * The demo grid 330106004001001 (the `grid` login's) gets 30 people
 * isolating, and the `resident` login a person of that grid with no open
 * episode (so the self-service pages can register one). Names, ID numbers
 * (valid check digits, generated), phones and readings are illustrative.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/mem.h"
#include "../base/str.h"
#include "../base/util.h"
#include "../demo/demo.h"
#include "store.h"

#define DAY_MS (24LL * 3600 * 1000)
#define HOUR_MS (3600LL * 1000)
#define DEMO_GRID "330106004001001"

struct cgen {
    struct db_conn *c;
    struct crest_error *err;
    struct demo_rng rng;
    const struct policy *pol;
    char (*grids)[16];
    int ngrids;
    int64_t now;
    char today[11];
    /* generated ID numbers, to keep them unique (open addressing) */
    uint64_t *ids;
    size_t idcap;
    int64_t persons, episodes, followups, requests, transfers;
    int64_t *hospitals;
    int nhosp;
    int64_t creator;
};

static double unif(struct cgen *g)
{
    return demo_uniform(&g->rng);
}
static int pick(struct cgen *g, int n)
{
    return n > 0 ? (int)(demo_rand(&g->rng) % (uint64_t)n) : 0;
}

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                       "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "郑",
                                       "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭",
                                       "曾", "沈", "叶", "蒋", "杜", "潘", "金", "钱", "汪", "俞"};
static const char *const given[] = {"伟",   "芳",   "娜",   "敏",   "静",   "丽",   "强",   "磊",
                                    "军",   "洋",   "勇",   "艳",   "杰",   "娟",   "涛",   "明",
                                    "超",   "秀英", "霞",   "平",   "刚",   "桂英", "建华", "国强",
                                    "文",   "华",   "红",   "志强", "建国", "晓燕", "佳怡", "子涵",
                                    "浩然", "欣怡", "宇轩", "雨桐", "梓萱"};

static bool id_seen(struct cgen *g, uint64_t key)
{
    size_t mask = g->idcap - 1, i = (size_t)(key * 0x9E3779B97F4A7C15ULL) & mask;
    while (g->ids[i]) {
        if (g->ids[i] == key)
            return true;
        i = (i + 1) & mask;
    }
    g->ids[i] = key;
    return false;
}

/* A person of a given age in a grid, with needs drawn to fit the age. */
static void gen_person(struct cgen *g, const char *grid, int age, struct comm_person *p)
{
    memset(p, 0, sizeof *p);
    str_copy(p->grid, sizeof p->grid, grid);
    bool male = unif(g) < 0.5;
    p->sex = male ? 'M' : 'F';
    char birth[11];
    for (;;) {
        /* a birthday age years before today, on a random day of that year */
        int64_t ms = comm_date_ms(g->today) - (int64_t)age * 365 * DAY_MS -
                     (int64_t)pick(g, 360) * DAY_MS - DAY_MS;
        comm_ms_date(ms, birth);
        int seq = pick(g, 500) * 2 + (male ? 1 : 0); /* 17th digit odd for men */
        char first17[18];
        snprintf(first17, sizeof first17, "%.6s%.4s%.2s%.2s%03d", grid, birth, birth + 5, birth + 8,
                 seq);
        uint64_t key = 0;
        for (int i = 0; i < 17; i++)
            key = key * 10 + (uint64_t)(first17[i] - '0');
        if (id_seen(g, key + 1))
            continue;
        snprintf(p->id_number, sizeof p->id_number, "%s%c", first17, comm_id_check_char(first17));
        break;
    }
    str_copy(p->birth, sizeof p->birth, birth);
    snprintf(p->name, sizeof p->name, "%s%s", surnames[pick(g, 40)],
             given[pick(g, (int)(sizeof given / sizeof given[0]))]);
    static const char *const pre[] = {"138", "139", "135", "136", "137", "150", "151", "152",
                                      "158", "159", "182", "187", "188", "199", "177", "157"};
    snprintf(p->phone, sizeof p->phone, "%s%08d", pre[pick(g, 16)], pick(g, 100000000));
    snprintf(p->address, sizeof p->address, "%d幢%d单元%d室（示例）", 1 + pick(g, 30),
             1 + pick(g, 4), 101 + pick(g, 18) * 100 + pick(g, 4));
    snprintf(p->household, sizeof p->household, "%s-%04d", grid + 9, pick(g, 2000));
    const struct policy_list *ch = &g->pol->telecare.chronic_diseases;
    double pc = age >= 80 ? 0.6 : age >= 60 ? 0.45 : age >= 40 ? 0.15 : 0.03;
    if (ch->n && unif(g) < pc) {
        int k = 1 + (unif(g) < 0.3);
        size_t n = 0;
        int first = pick(g, ch->n);
        for (int i = 0; i < k; i++)
            n += (size_t)snprintf(p->chronic + n, sizeof p->chronic - n, "%s%s", i ? "," : "",
                                  ch->item[(first + i * 3) % ch->n]);
    }
    p->living_alone = age >= 65 && unif(g) < 0.12;
    p->haemodialysis = age >= 40 && unif(g) < 0.004;
    p->bedridden = age >= 75 && unif(g) < 0.05;
    p->disability = unif(g) < 0.015;
    if (!male && age >= 20 && age <= 40 && unif(g) < 0.04) {
        p->pregnant = true;
        comm_ms_date(g->now + (int64_t)(7 + pick(g, 250)) * DAY_MS, p->due_date);
    }
}

static int age_draw(struct cgen *g)
{
    double u = unif(g);
    if (u < 0.06)
        return pick(g, 6);
    if (u < 0.70)
        return 6 + pick(g, 54);
    if (u < 0.92)
        return 60 + pick(g, 20);
    return 80 + pick(g, 18);
}

static int person_insert(struct cgen *g, struct comm_person *p)
{
    int rc = comm_person_insert(g->c, p, g->err);
    if (!rc)
        g->persons++;
    return rc;
}

/* A follow-up's readings: most people mild, a few with low SpO2, fever
 * runs, warning symptoms. */
static void gen_reading(struct cgen *g, const struct comm_needs *n, struct comm_followup *f)
{
    memset(f, 0, sizeof *f);
    f->has_temp = true;
    double u = unif(g);
    f->temp = u < 0.55 ? 36.3 + unif(g) * 1.0 : u < 0.9 ? 37.4 + unif(g) * 1.1 : 38.6 + unif(g);
    f->temp = (double)(int)(f->temp * 10 + 0.5) / 10;
    f->has_spo2 = unif(g) < 0.85;
    double risk = n->age >= 80 ? 0.12 : n->age >= 60 ? 0.06 : 0.015;
    f->spo2 = unif(g) < risk ? 86 + pick(g, 8) : 94 + pick(g, 6);
    if (f->temp >= 37.3)
        f->symptoms |= 1u << COMM_SYM_FEVER;
    if (unif(g) < 0.6)
        f->symptoms |= 1u << COMM_SYM_COUGH;
    if (unif(g) < 0.4)
        f->symptoms |= 1u << COMM_SYM_SORE_THROAT;
    if (unif(g) < 0.3)
        f->symptoms |= 1u << COMM_SYM_FATIGUE;
    if (unif(g) < 0.01)
        f->symptoms |= 1u << COMM_SYM_BREATHLESS;
    if (n->nchronic && unif(g) < 0.01)
        f->symptoms |= 1u << COMM_SYM_DISEASE_UNCONTROLLED;
    f->medicine = f->temp > 38.0 && unif(g) < 0.8;
}

static int gen_episode(struct cgen *g, const struct comm_person *p, bool open)
{
    struct comm_episode e;
    memset(&e, 0, sizeof e);
    e.person_id = p->id;
    str_copy(e.grid, sizeof e.grid, p->grid);
    double u = unif(g);
    e.kind = u < 0.55   ? COMM_MILD
             : u < 0.8  ? COMM_ASYMPTOMATIC
             : u < 0.92 ? COMM_CONFIRMED
                        : COMM_CONTACT;
    u = unif(g);
    e.source = u < 0.75 ? COMM_SRC_ANTIGEN : u < 0.9 ? COMM_SRC_PCR : COMM_SRC_SELF;
    int back = open ? pick(g, 7) : 8 + pick(g, 13);
    int64_t start_ms = g->now - (int64_t)back * DAY_MS - pick(g, 12) * HOUR_MS;
    comm_ms_date(start_ms, e.start_date);
    comm_ms_date(comm_date_ms(e.start_date) + g->pol->community.isolation_days * DAY_MS + HOUR_MS,
                 e.planned_end);
    struct comm_needs n;
    comm_person_needs(p, g->today, &n);
    struct comm_fever fever = {0};
    struct comm_grading gr;
    comm_grade_eval(&n, NULL, &fever, g->pol, &gr);
    e.grade = gr.grade;
    comm_reasons_encode(&gr, e.reasons, sizeof e.reasons);
    e.next_due_ms = start_ms;
    int rc = comm_episode_insert(g->c, &e, g->creator, g->err);
    if (rc)
        return rc;
    g->episodes++;
    if ((rc = comm_grade_history_add(g->c, &e, 0, start_ms, g->err)))
        return rc;
    /* follow-ups from the start, spaced as their grade asks, up to now
     * (open) or the end (closed); the last ones sometimes missed, so some
     * entries are overdue */
    int64_t until = open ? g->now : start_ms + (int64_t)(6 + pick(g, 4)) * DAY_MS;
    int64_t at = start_ms + (int64_t)(1 + pick(g, 6)) * HOUR_MS;
    int max = 2 + pick(g, 4);
    bool late = false;
    if (open) {
        /* only the last few calls of an open entry: the walk starts about
         * three intervals back; one in seven stops early and is overdue */
        int64_t recent = comm_followup_due(e.grade, g->now, g->pol) - g->now;
        if (at < g->now - 3 * recent)
            at = g->now - 3 * recent - pick(g, 6) * HOUR_MS;
        late = unif(g) < 0.15;
        max = late ? pick(g, 3) : 4;
    }
    for (int k = 0; k < max && at < until; k++) {
        struct comm_followup f;
        gen_reading(g, &n, &f);
        f.at_ms = at;
        comm_grade_eval(&n, &f, &fever, g->pol, &gr);
        bool self = unif(g) < 0.2;
        struct db_stmt *st = db_query(
            g->c, g->err,
            "INSERT INTO comm_followups (episode_id, at_ms, temp, spo2, symptoms, medicine, "
            "note, self_report, grade, by_user, created_ms) VALUES (?, ?, ?, NULLIF(CAST(? AS "
            "BIGINT), -1), ?, ?, NULL, ?, ?, ?, ?) RETURNING id",
            "iidiiiisii", e.id, at, f.temp, f.has_spo2 ? f.spo2 : (int64_t)-1, (int64_t)f.symptoms,
            (int64_t)f.medicine, (int64_t)self, comm_grade_name(gr.grade), g->creator, at);
        if (!st)
            return g->err->code;
        int64_t fid = db_step(st, g->err) == 1 ? db_col_int(st, 0) : 0;
        db_finalize(st);
        if (!fid)
            return g->err->code ? g->err->code : CREST_DB;
        g->followups++;
        char reasons[sizeof e.reasons];
        comm_reasons_encode(&gr, reasons, sizeof reasons);
        bool changed = gr.grade != e.grade || strcmp(reasons, e.reasons) != 0;
        e.grade = gr.grade;
        str_copy(e.reasons, sizeof e.reasons, reasons);
        e.alert = gr.alert;
        e.fever_since_ms = fever.since_ms;
        e.has_temp = true;
        e.last_temp = f.temp;
        e.has_spo2 = f.has_spo2;
        e.last_spo2 = f.spo2;
        e.last_followup_ms = at;
        e.next_due_ms = self ? e.next_due_ms : comm_followup_due(gr.grade, at, g->pol);
        e.self_report_pending = self;
        if (changed && (rc = comm_grade_history_add(g->c, &e, fid, at, g->err)))
            return rc;
        /* the next call: on time, or a little late now and then */
        at = comm_followup_due(gr.grade, at, g->pol) + (unif(g) < 0.3 ? pick(g, 8) * HOUR_MS : 0);
    }
    if (!open) {
        double v = unif(g);
        e.status = v < 0.85 ? COMM_RECOVERED : v < 0.97 ? COMM_ENDED : COMM_TRANSFERRED;
        e.ended_ms = until;
        comm_ms_date(until, e.end_date);
        e.alert = false;
    } else if (!late && (e.next_due_ms <= g->now || e.next_due_ms > g->now + 2 * DAY_MS)) {
        e.next_due_ms = g->now + (1 + pick(g, 12)) * HOUR_MS;
    }
    if ((rc = comm_episode_save(g->c, &e, g->err)))
        return rc;
    /* a request from about one in eight people isolating */
    if (open && unif(g) < 0.125) {
        enum comm_req_type t = (enum comm_req_type)pick(g, COMM__REQ_TYPES);
        static const char *const what[] = {"家中米面油快用完，需代购", "需要代缴水电费",
                                           "咨询退烧药怎么吃", "独居老人需要上门看看",
                                           "需要布洛芬和抗原试剂"};
        int64_t created = g->now - pick(g, 30) * HOUR_MS;
        int64_t due = created + comm_req_deadline_hours(t, e.grade, g->pol) * HOUR_MS;
        double v = unif(g);
        const char *status = v < 0.4   ? "open"
                             : v < 0.6 ? "assigned"
                             : v < 0.7 ? "in_progress"
                                       : "done";
        bool done = strcmp(status, "done") == 0;
        if ((rc = db_exec(g->c, g->err, NULL,
                          "INSERT INTO comm_requests (person_id, episode_id, grid, type, detail, "
                          "grade, status, due_ms, assigned_to, reply, created_by, created_ms, "
                          "closed_ms, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                          "NULLIF(CAST(? AS BIGINT), 0), 1)",
                          "iisssssissiii", p->id, e.id, e.grid, comm_req_type_name(t), what[t],
                          comm_grade_name(e.grade), status, due,
                          strcmp(status, "open") == 0 ? NULL : "grid",
                          done ? "已送达（示例）" : NULL, g->creator, created,
                          done ? created + 2 * HOUR_MS : (int64_t)0)))
            return rc;
        g->requests++;
    }
    /* a transfer for some red cases with an alert, and for the closed
     * transferred ones */
    bool transfer = (open && e.alert && unif(g) < 0.3) || e.status == COMM_TRANSFERRED;
    if (transfer && g->nhosp) {
        int64_t h = g->hospitals[pick(g, g->nhosp)];
        const char *st = e.status == COMM_TRANSFERRED ? "arrived"
                         : unif(g) < 0.5              ? "reserved"
                                                      : "accepted";
        char hregion[16] = "";
        struct db_stmt *q =
            db_query(g->c, g->err, "SELECT region FROM facilities WHERE id = ?", "i", h);
        if (q && db_step(q, g->err) == 1)
            str_copy(hregion, sizeof hregion, db_col_text(q, 0));
        db_finalize(q);
        if ((rc = db_exec(g->c, g->err, NULL,
                          "INSERT INTO comm_transfers (episode_id, person_id, grid, hospital_id, "
                          "hospital_region, bed, green, status, distance_km, reason, created_by, "
                          "created_ms, updated_ms, version) VALUES (?, ?, ?, ?, ?, ?, 1, ?, NULL, "
                          "NULL, ?, ?, ?, 1)",
                          "iisisssiii", e.id, p->id, e.grid, h, hregion,
                          e.last_spo2 && e.last_spo2 <= 90 ? "icu" : "general", st, g->creator,
                          g->now, g->now)))
            return rc;
        g->transfers++;
    }
    return CREST_OK;
}

static int clear(struct db_conn *c, struct crest_error *err)
{
    static const char *const tables[] = {"comm_transfers", "comm_request_events", "comm_requests",
                                         "comm_grades",    "comm_followups",      "comm_episodes",
                                         "persons"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "DELETE FROM %s", tables[i]);
        int rc = db_exec(c, err, NULL, sql, NULL);
        if (rc)
            return rc;
    }
    return CREST_OK;
}

int community_demo_clear(struct db_conn *c, struct crest_error *err)
{
    return clear(c, err);
}

static int load(struct cgen *g)
{
    struct db_stmt *st =
        db_query(g->c, g->err, "SELECT code FROM regions WHERE level = 'grid' ORDER BY code", NULL);
    int rc;
    int cap = 1024;
    g->grids = xmalloc((size_t)cap * sizeof *g->grids);
    while (st && (rc = db_step(st, g->err)) == 1) {
        if (g->ngrids == cap)
            g->grids = xrealloc(g->grids, (size_t)(cap *= 2) * sizeof *g->grids);
        str_copy(g->grids[g->ngrids++], 16, db_col_text(st, 0));
    }
    db_finalize(st);
    if (!st || rc < 0)
        return g->err->code;
    st = db_query(g->c, g->err,
                  "SELECT f.id FROM facilities f JOIN capacity_latest l ON l.facility_id = f.id "
                  "WHERE f.kind = 'hospital' AND f.role IN ('designated','sub_designated') ORDER "
                  "BY f.id",
                  NULL);
    cap = 256;
    g->hospitals = xmalloc((size_t)cap * sizeof *g->hospitals);
    while (st && (rc = db_step(st, g->err)) == 1) {
        if (g->nhosp == cap)
            g->hospitals = xrealloc(g->hospitals, (size_t)(cap *= 2) * sizeof *g->hospitals);
        g->hospitals[g->nhosp++] = db_col_int(st, 0);
    }
    db_finalize(st);
    if (!st || rc < 0)
        return g->err->code;
    st = db_query(g->c, g->err, "SELECT id FROM users WHERE username = 'grid'", NULL);
    if (st && db_step(st, g->err) == 1)
        g->creator = db_col_int(st, 0);
    db_finalize(st);
    return CREST_OK;
}

int community_demo(struct db_conn *c, double scale, uint64_t seed, int64_t *npersons,
                   int64_t *nepisodes, struct crest_error *err)
{
    struct cgen g;
    memset(&g, 0, sizeof g);
    g.c = c;
    g.err = err;
    g.rng.s = seed ^ 0xc0ffee;
    g.pol = policy_current();
    g.now = comm_now_ms(c);
    comm_ms_date(g.now, g.today);
    int64_t n_open = (int64_t)(40000 * scale), n_closed = (int64_t)(30000 * scale);
    int64_t n_reg = (int64_t)(20000 * scale);
    g.idcap = 1;
    while (g.idcap < (size_t)(n_open + n_closed + n_reg + 200) * 2)
        g.idcap <<= 1;
    g.ids = calloc(g.idcap, sizeof *g.ids);
    int rc = g.ids ? clear(c, err) : CREST_NOMEM;
    if (!rc)
        rc = load(&g);
    bool demo_grid = false;
    for (int i = 0; i < g.ngrids && !demo_grid; i++)
        demo_grid = strcmp(g.grids[i], DEMO_GRID) == 0;
    struct comm_person p;
    /* the grid worker's own grid: 30 people isolating, the oldest first so
     * every grade shows */
    for (int i = 0; !rc && demo_grid && i < 30; i++) {
        gen_person(&g, DEMO_GRID, i < 8 ? 70 + pick(&g, 20) : age_draw(&g), &p);
        if (!(rc = person_insert(&g, &p)))
            rc = gen_episode(&g, &p, true);
    }
    /* the resident login's person: registered, not isolating */
    if (!rc && demo_grid) {
        gen_person(&g, DEMO_GRID, 34, &p);
        struct db_stmt *st =
            db_query(c, err, "SELECT id FROM users WHERE username = 'resident'", NULL);
        if (st && db_step(st, err) == 1)
            p.user_id = db_col_int(st, 0);
        db_finalize(st);
        rc = person_insert(&g, &p);
    }
    for (int64_t i = 0; !rc && g.ngrids && i < n_open + n_closed; i++) {
        gen_person(&g, g.grids[pick(&g, g.ngrids)], age_draw(&g), &p);
        if (!(rc = person_insert(&g, &p)))
            rc = gen_episode(&g, &p, i < n_open);
    }
    /* the special-needs registers: the elderly living alone, dialysis,
     * bedridden, pregnant, disabled; no episode (yet) */
    for (int64_t i = 0; !rc && g.ngrids && i < n_reg; i++) {
        int age = unif(&g) < 0.8 ? 65 + pick(&g, 30) : 20 + pick(&g, 40);
        gen_person(&g, g.grids[pick(&g, g.ngrids)], age, &p);
        if (age >= 65)
            p.living_alone = p.living_alone || unif(&g) < 0.5;
        rc = person_insert(&g, &p);
    }
    free(g.ids);
    free(g.grids);
    free(g.hospitals);
    *npersons = g.persons;
    *nepisodes = g.episodes;
    return rc;
}
