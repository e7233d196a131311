/*
 * netflow.h - the dispatch LP of one item as a network (LEMON), for C.
 *
 * The LP of model.c is a flow problem: a site j's stock leaves its "out"
 * node either along a candidate arc (cost km) or to its own "in" node (it
 * keeps it); a site i with a use needs at least L·u_i to arrive at its "in"
 * node. Flow conservation at "out" is out_j ≤ s_j (no relay), and at "in"
 * it is s_i + in_i − out_i ≥ L·u_i: the LP's rows exactly, so the optima
 * are the same (docs/decisions.md §41).
 *   phase 1: the largest feasible L is found by Newton's method on the
 *     minimum cut (each step a preflow max-flow, LEMON's Preflow): the cut
 *     at an infeasible L gives an affine bound a + b·L on what can arrive,
 *     and the next L is where it meets the need L·U (exact in finitely many
 *     steps, a handful in practice);
 *   phase 2: L held (less 1e-9 relative), min-cost flow by LEMON's
 *     NetworkSimplex.
 * Quantities are in micro-units (int64) and km in millimetres, so that the
 * network simplex runs on integers (LEMON's advice); the error is below
 * 1e-6 units per site and 1 mm per arc, far inside the 1e-6 relative
 * agreement the benchmark checks against scipy's LP.
 * Plain C types only: the implementation is C++ (netflow.cc).
 */
#ifndef CREST_SUPPLY_NETFLOW_H
#define CREST_SUPPLY_NETFLOW_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct supply_net {
    int nn, na;
    const double *stock, *use; /* per site: units, units a day (0: no use) */
    const bool *present;       /* per site: on some arc (others are left out) */
    const int *from, *to;      /* per arc */
    const double *km;          /* per arc */
    double lmax;               /* L's cap: the target, or an unreachable site's cover */
    double route_max;          /* > 0: units any one arc may carry */
};

struct supply_net_result {
    double level; /* L */
    double *flow; /* per arc, units (caller's array of na) */
    double item_km;
    int cuts; /* max-flow solves of phase 1 */
    double seconds_p1, seconds_p2;
};

/* 0 when solved; else -1 with a reason in why (out of memory, or the
 * network simplex finding no flow where phase 1 said there is one). */
int supply_net_solve(const struct supply_net *in, struct supply_net_result *out, char *why,
                     size_t whylen);

#ifdef __cplusplus
}
#endif

#endif
