/*
 * test_queue.c - unit tests for src/queue/model.c: every transition of the
 * ticket state machine (and every illegal one), no-show after max_calls,
 * re-queue; priority lanes that jump ahead but cannot starve the ordinary
 * lane; the closed-form "calls before" against stepping the pick rule; the
 * EWMA estimator and expected waits on hand-computed cases; opening hours;
 * the recommendation ranking; and the simulation's determinism.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "queue/queue.h"

#define T(from, ev) queue_transition(from, ev, calls, 3, &to, &c2)

static void test_happy_path(void **state)
{
    (void)state;
    enum queue_state to;
    int c2, calls = 0;
    assert_int_equal(T(QS_WAITING, QE_CALL), CREST_OK);
    assert_int_equal(to, QS_CALLED);
    assert_int_equal(c2, 1);
    calls = c2;
    assert_int_equal(T(QS_CALLED, QE_START), CREST_OK);
    assert_int_equal(to, QS_SERVING);
    assert_int_equal(T(QS_SERVING, QE_FINISH), CREST_OK);
    assert_int_equal(to, QS_DONE);
}

static void test_recall_until_max_then_no_show(void **state)
{
    (void)state;
    enum queue_state to;
    int c2, calls = 1;
    /* called once, absent: back to waiting with its place kept */
    assert_int_equal(T(QS_CALLED, QE_MISS), CREST_OK);
    assert_int_equal(to, QS_WAITING);
    assert_int_equal(c2, 1);
    /* recalls count up to max_calls = 3 */
    calls = 2;
    assert_int_equal(T(QS_CALLED, QE_CALL), CREST_OK);
    assert_int_equal(c2, 3);
    calls = 3;
    assert_int_equal(T(QS_CALLED, QE_CALL), CREST_CONFLICT); /* no fourth call */
    assert_int_equal(T(QS_CALLED, QE_MISS), CREST_OK);
    assert_int_equal(to, QS_NOSHOW);
    /* max_calls = 1: the first miss is a no-show */
    assert_int_equal(queue_transition(QS_CALLED, QE_MISS, 1, 1, &to, &c2), CREST_OK);
    assert_int_equal(to, QS_NOSHOW);
}

static void test_requeue_and_cancel(void **state)
{
    (void)state;
    enum queue_state to;
    int c2, calls = 3;
    assert_int_equal(T(QS_NOSHOW, QE_REQUEUE), CREST_OK);
    assert_int_equal(to, QS_WAITING);
    assert_int_equal(c2, 0); /* a fresh set of calls */
    calls = 0;
    assert_int_equal(T(QS_WAITING, QE_CANCEL), CREST_OK);
    assert_int_equal(to, QS_CANCELLED);
    calls = 1;
    assert_int_equal(T(QS_CALLED, QE_CANCEL), CREST_OK);
    assert_int_equal(to, QS_CANCELLED);
}

/* Every (state, event) pair: exactly these are legal. */
static void test_transition_table(void **state)
{
    (void)state;
    static const int legal[QS__COUNT][QE__COUNT] = {
        /*            call start finish miss cancel requeue */
        [QS_WAITING] = {1, 0, 0, 0, 1, 0}, [QS_CALLED] = {1, 1, 0, 1, 1, 0},
        [QS_SERVING] = {0, 0, 1, 0, 0, 0}, [QS_DONE] = {0, 0, 0, 0, 0, 0},
        [QS_NOSHOW] = {0, 0, 0, 0, 0, 1},  [QS_CANCELLED] = {0, 0, 0, 0, 0, 0},
    };
    for (int s = 0; s < QS__COUNT; s++)
        for (int e = 0; e < QE__COUNT; e++) {
            enum queue_state to;
            int c2;
            int rc = queue_transition((enum queue_state)s, (enum queue_event)e, 1, 3, &to, &c2);
            if (legal[s][e])
                assert_int_equal(rc, CREST_OK);
            else {
                assert_int_equal(rc, CREST_CONFLICT);
                assert_int_equal(to, s); /* unchanged */
            }
        }
    assert_true(queue_state_open(QS_WAITING) && queue_state_open(QS_CALLED) &&
                queue_state_open(QS_SERVING));
    assert_false(queue_state_open(QS_DONE) || queue_state_open(QS_NOSHOW) ||
                 queue_state_open(QS_CANCELLED));
    for (int s = 0; s < QS__COUNT; s++)
        assert_int_equal(queue_state_parse(queue_state_name((enum queue_state)s)), s);
    for (int e = 0; e < QE__COUNT; e++)
        assert_int_equal(queue_event_parse(queue_event_name((enum queue_event)e)), e);
    assert_int_equal(queue_state_parse("nope"), -1);
}

static void test_streak_from_share(void **state)
{
    (void)state;
    assert_int_equal(queue_max_streak(75), 3); /* 3 : 1 */
    assert_int_equal(queue_max_streak(50), 1); /* 1 : 1 */
    assert_int_equal(queue_max_streak(80), 4);
    assert_int_equal(queue_max_streak(10), 1); /* never below 1 */
    assert_int_equal(queue_max_streak(0), 0);  /* no priority */
}

/* 10 priority and 10 ordinary tickets waiting at share 75 %: the calls go
 * P P P O P P P O P P P O P O O …: priority first, but an ordinary ticket
 * every fourth call. */
static void test_priority_cannot_starve(void **state)
{
    (void)state;
    int pw = 10, ow = 10, streak = 0, m = queue_max_streak(75);
    char seq[21] = "";
    for (int i = 0; i < 20; i++) {
        bool p = queue_pick_priority(pw, ow, streak, m);
        seq[i] = p ? 'P' : 'O';
        if (p)
            pw--;
        else
            ow--;
        streak = queue_streak_after(p, streak);
    }
    assert_string_equal(seq, "PPPOPPPOPPPOPOOOOOOO");
    /* an endless stream of priority arrivals still lets ordinary through */
    int ord_called = 0;
    streak = 0;
    for (int i = 0; i < 400; i++) {
        bool p = queue_pick_priority(1000, 5, streak, m);
        ord_called += !p;
        streak = queue_streak_after(p, streak);
    }
    assert_int_equal(ord_called, 100);
    /* no ordinary waiting: priority needs no pause */
    assert_true(queue_pick_priority(3, 0, 99, m));
    assert_false(queue_pick_priority(0, 3, 0, m));
}

/* The closed form equals stepping the rule, for every small case. */
static void test_calls_before_matches_stepping(void **state)
{
    (void)state;
    for (int m = 1; m <= 4; m++)
        for (int streak = 0; streak <= m; streak++)
            for (int P = 0; P <= 9; P++)
                for (int O = 0; O <= 9; O++) {
                    /* each ticket of each lane: step until it is called */
                    for (int lane = 0; lane < 2; lane++) {
                        int n = lane ? P : O;
                        for (int k = 0; k < n; k++) {
                            int pw = P, ow = O, st = streak, calls = 0;
                            int left = k + 1; /* calls of our lane until ours */
                            for (;;) {
                                bool p = queue_pick_priority(pw, ow, st, m);
                                if (p)
                                    pw--;
                                else
                                    ow--;
                                st = queue_streak_after(p, st);
                                if (p == (lane == 1) && --left == 0)
                                    break;
                                calls++;
                            }
                            int64_t got = lane ? queue_calls_before(true, k, 0, P, O, streak, m)
                                               : queue_calls_before(false, 0, k, P, O, streak, m);
                            if (got != calls)
                                fail_msg("m=%d streak=%d P=%d O=%d lane=%d k=%d: %lld != %d", m,
                                         streak, P, O, lane, k, (long long)got, calls);
                        }
                    }
                }
}

static void test_ewma_hand_computed(void **state)
{
    (void)state;
    struct queue_ewma e = {0, 0};
    queue_ewma_add(&e, 300, 0.2); /* first sample taken as is */
    assert_float_equal(e.mean_s, 300, 1e-9);
    queue_ewma_add(&e, 600, 0.2); /* 0.2·600 + 0.8·300 = 360 */
    assert_float_equal(e.mean_s, 360, 1e-9);
    queue_ewma_add(&e, 160, 0.2); /* 0.2·160 + 0.8·360 = 320 */
    assert_float_equal(e.mean_s, 320, 1e-9);
    assert_int_equal(e.n, 3);
}

static void test_rate_and_expected_wait(void **state)
{
    (void)state;
    /* counters: 300 s, 600 s, closed, never measured (prior 400 s) */
    struct queue_ewma c[4] = {{300, 5}, {600, 2}, {100, 9}, {0, 0}};
    bool open[4] = {true, true, false, true};
    double rate = queue_rate(c, open, 4, 400);
    assert_float_equal(rate, 1.0 / 300 + 1.0 / 600 + 1.0 / 400, 1e-12);
    /* 3 counters, 1 idle: the first ticket goes at once, the second waits
     * one service interval 1/rate = 1/(0.0075) = 133.3 s */
    assert_float_equal(queue_expected_wait(0, 1, rate), 0, 1e-9);
    assert_float_equal(queue_expected_wait(1, 1, rate), 1 / rate, 1e-9);
    assert_float_equal(queue_expected_wait(10, 0, 0.01), 1100, 1e-9);
    bool none[4] = {false, false, false, false};
    assert_float_equal(queue_rate(c, none, 4, 400), 0, 0);
    assert_float_equal(queue_expected_wait(3, 0, 0), -1, 0);
    /* an online ticket's call: not before its holder arrives */
    assert_float_equal(queue_call_estimate(300, 1200), 1200, 0);  /* 5 min queue, 20 min away */
    assert_float_equal(queue_call_estimate(1800, 1200), 1800, 0); /* the queue is longer */
    assert_float_equal(queue_call_estimate(300, 0), 300, 0);      /* a desk ticket */
    assert_float_equal(queue_call_estimate(-1, 1200), -1, 0);     /* no counter open */
}

static void test_hours(void **state)
{
    (void)state;
    struct queue_hours h;
    assert_true(queue_hours_parse("08:00-22:00", &h));
    assert_false(h.h24);
    assert_true(queue_hours_open_at(&h, 8 * 60));
    assert_false(queue_hours_open_at(&h, 22 * 60));
    assert_false(queue_hours_open_at(&h, 7 * 60 + 59));
    char s[16];
    queue_hours_format(&h, s);
    assert_string_equal(s, "08:00-22:00");
    assert_true(queue_hours_parse("24h", &h) && h.h24);
    assert_true(queue_hours_parse("00:00-24:00", &h) && h.h24);
    assert_true(queue_hours_parse("20:00-02:00", &h)); /* past midnight */
    assert_true(queue_hours_open_at(&h, 60) && queue_hours_open_at(&h, 23 * 60));
    assert_false(queue_hours_open_at(&h, 12 * 60));
    assert_false(queue_hours_parse("8:00-22:00", &h));
    assert_false(queue_hours_parse("08:00-08:00", &h));
    assert_false(queue_hours_parse("25:00-26:00", &h));
    assert_false(queue_hours_parse("08:60-22:00", &h));
    /* next opening: 2022-12-28 23:30 local = 15:30Z; opens 08:00 local on
     * the 29th = 2022-12-29T00:00:00Z */
    queue_hours_parse("08:00-22:00", &h);
    int64_t t = 1672241400000; /* 2022-12-28T15:30:00Z */
    assert_true(queue_hours_next_open(&h, t, QUEUE_TZ_MIN) == 1672272000000);
    /* 06:00 local the same day (2022-12-27T22:00Z) opens at 08:00 local */
    int64_t t2 = 1672178400000;
    assert_true(queue_hours_next_open(&h, t2, QUEUE_TZ_MIN) == 1672185600000);
    /* open now: now */
    assert_true(queue_hours_next_open(&h, 1672196400000, QUEUE_TZ_MIN) == 1672196400000);
}

static void test_rank(void **state)
{
    (void)state;
    /* from (30.27, 120.15): A 1.1 km away with a 60 min wait, B 5.5 km away
     * with 5 min, C closed next door, D open but no counter */
    struct queue_candidate c[4] = {
        {.facility_id = 1, .lat = 30.28, .lon = 120.15, .open_now = true, .wait_s = 3600},
        {.facility_id = 2, .lat = 30.32, .lon = 120.15, .open_now = true, .wait_s = 300},
        {.facility_id = 3, .lat = 30.271, .lon = 120.15, .open_now = false, .wait_s = 0},
        {.facility_id = 4, .lat = 30.272, .lon = 120.15, .open_now = true, .wait_s = -1},
    };
    int usable = queue_rank(c, 4, 30.27, 120.15, 20, 1800);
    assert_int_equal(usable, 2);
    assert_int_equal(c[0].facility_id, 2); /* 16.7 min travel, the 5 min pass meanwhile */
    assert_float_equal(c[0].total_s, c[0].travel_s, 1e-9);
    assert_int_equal(c[1].facility_id, 1);
    assert_true(c[1].overloaded);
    assert_float_equal(c[1].total_s, 3600, 1e-6); /* travel is inside the wait */
    /* the unusable ones after, nearest first */
    assert_int_equal(c[2].facility_id, 3);
    assert_int_equal(c[3].facility_id, 4);
    assert_float_equal(queue_distance_km(30.27, 120.15, 30.28, 120.15), 1.112, 0.001);
}

static void test_simulation_deterministic(void **state)
{
    (void)state;
    struct queue_sim_opts o;
    queue_sim_defaults(&o, NULL);
    o.clinics = 12;
    o.patients = 5000;
    o.seed = 42;
    struct queue_sim_result a[2], b[2];
    struct crest_error err;
    crest_error_clear(&err);
    assert_int_equal(queue_simulate(&o, a, &err), CREST_OK);
    assert_int_equal(queue_simulate(&o, b, &err), CREST_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_int_equal(a[0].patients, 5000);
    assert_true(a[1].p90_wait_s <= a[0].p90_wait_s);
    o.clinics = 0;
    assert_int_equal(queue_simulate(&o, a, &err), CREST_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_happy_path),
        cmocka_unit_test(test_recall_until_max_then_no_show),
        cmocka_unit_test(test_requeue_and_cancel),
        cmocka_unit_test(test_transition_table),
        cmocka_unit_test(test_streak_from_share),
        cmocka_unit_test(test_priority_cannot_starve),
        cmocka_unit_test(test_calls_before_matches_stepping),
        cmocka_unit_test(test_ewma_hand_computed),
        cmocka_unit_test(test_rate_and_expected_wait),
        cmocka_unit_test(test_hours),
        cmocka_unit_test(test_rank),
        cmocka_unit_test(test_simulation_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
