/*
 * demo.h - the deterministic demo province generator (`crest demo`).
 * Each pillar adds one stage function to the table in demo.c; stages run in
 * order inside write transactions and share a seeded random generator, so the
 * same --seed and --scale give the same province.
 */
#ifndef CREST_DEMO_H
#define CREST_DEMO_H

#include <stdint.h>
#include <stdio.h>

#include "../db/db.h"

struct demo_opts {
    double scale; /* 1.0 = the whole province */
    uint64_t seed;
    const char *data_dir;
    FILE *logins; /* where to print the demo logins (stdout), NULL = don't */
};

/* Build or refresh the demo province. Progress goes to stderr: a line that
 * updates in place on a terminal, a line per stage otherwise. */
int demo_run(struct db *db, const struct demo_opts *o, struct crest_error *err);

/* A small deterministic generator (splitmix64) the stages share. */
struct demo_rng {
    uint64_t s;
};
uint64_t demo_rand(struct demo_rng *r);
double demo_uniform(struct demo_rng *r); /* [0,1) */

#endif
