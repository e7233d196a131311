/*
 * netflow.cc - the dispatch LP of one item solved as a network with LEMON
 * (Debian's liblemon-dev, header-only here): netflow.h says how the LP maps
 * onto the network and why the optimum is the same.
 *
 * The only C++ in crest: LEMON is a template library. Nothing here throws
 * across the C boundary (allocation failures are caught and reported).
 */
#define LEMON_ONLY_TEMPLATES /* header-only: no liblemon.so (it pulls in GLPK) */
#include <lemon/network_simplex.h>
#include <lemon/preflow.h>
#include <lemon/smart_graph.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <new>
#include <vector>

#include "netflow.h"

using lemon::SmartDigraph;
typedef SmartDigraph::Node Node;
typedef SmartDigraph::Arc Arc;
typedef SmartDigraph::ArcMap<int64_t> Int64ArcMap;

/* micro-units: whole units in the ledger, fractional daily use; 1e-6 units
 * is far below anything a shipment can carry */
static const double UNIT = 1e6;
/* millimetres per km */
static const double MM = 1e6;

static double seconds_since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

static int64_t micro(double units)
{
    return units > 0 ? (int64_t)std::floor(units * UNIT) : 0;
}

namespace
{

struct net {
    SmartDigraph g;
    Node s, t;
    std::vector<Node> out, in;                /* per site (in: INVALID when it never receives) */
    std::vector<Arc> arc;                     /* per candidate arc */
    std::vector<Arc> give, keep, need, spare; /* per site: S→out, out→in, in→T, out→T */
};

} // namespace

static void build(const struct supply_net *p, net &w)
{
    w.g.reserveNode(2 * p->nn + 2);
    w.g.reserveArc(p->na + 3 * p->nn);
    w.s = w.g.addNode();
    w.t = w.g.addNode();
    w.out.assign(p->nn, lemon::INVALID);
    w.in.assign(p->nn, lemon::INVALID);
    w.give.assign(p->nn, lemon::INVALID);
    w.keep.assign(p->nn, lemon::INVALID);
    w.need.assign(p->nn, lemon::INVALID);
    w.spare.assign(p->nn, lemon::INVALID);
    std::vector<bool> receives(p->nn, false);
    for (int k = 0; k < p->na; k++)
        receives[p->to[k]] = true;
    for (int i = 0; i < p->nn; i++) {
        if (!p->present[i])
            continue;
        w.out[i] = w.g.addNode();
        w.give[i] = w.g.addArc(w.s, w.out[i]);
        if (p->use[i] > 0 || receives[i]) {
            w.in[i] = w.g.addNode();
            w.keep[i] = w.g.addArc(w.out[i], w.in[i]); /* it keeps its own stock */
            w.need[i] = w.g.addArc(w.in[i], w.t);
        } else {
            w.spare[i] = w.g.addArc(w.out[i], w.t); /* a donor's stock that stays */
        }
    }
    w.arc.resize(p->na);
    for (int k = 0; k < p->na; k++)
        w.arc[k] = w.g.addArc(w.out[p->from[k]], w.in[p->to[k]]);
}

/* Phase 1: the largest L ≤ lmax at which the need L·u_i of every site can
 * arrive. At an infeasible L the minimum cut X (source side) bounds what
 * can arrive by a + b·L, a = the stock of sites whose out node is outside
 * X plus the route caps leaving X, b = the use of sites whose in node is in
 * X; the need is L·U. The next L is a / (U − b): Newton's method on a
 * concave piecewise-linear function, exact after finitely many cuts. */
static double max_level(const struct supply_net *p, net &w, int *cuts, bool *shown)
{
    *shown = true;
    int64_t total = 0;
    double use = 0;
    for (int i = 0; i < p->nn; i++)
        if (p->present[i]) {
            total += micro(p->stock[i]);
            if (p->use[i] > 0)
                use += p->use[i];
        }
    if (!(p->lmax > 0) || !(use > 0))
        return p->lmax > 0 ? p->lmax : 0;
    const int64_t inf = total + 1; /* more than any cut: such an arc is never cut */
    const int64_t route = p->route_max > 0 ? micro(p->route_max) : inf;
    Int64ArcMap cap(w.g, 0);
    for (int i = 0; i < p->nn; i++)
        if (p->present[i]) {
            cap[w.give[i]] = micro(p->stock[i]);
            if (w.keep[i] != lemon::INVALID)
                cap[w.keep[i]] = inf;
        }
    for (int k = 0; k < p->na; k++)
        cap[w.arc[k]] = route;
    double level = p->lmax;
    for (*cuts = 0; *cuts < 100;) {
        int64_t want = 0;
        for (int i = 0; i < p->nn; i++)
            if (w.need[i] != lemon::INVALID) {
                cap[w.need[i]] = micro(level * p->use[i]);
                want += cap[w.need[i]];
            }
        lemon::Preflow<SmartDigraph, Int64ArcMap> pf(w.g, cap, w.s, w.t);
        pf.runMinCut();
        ++*cuts;
        if (pf.flowValue() >= want)
            return level;
        double a = 0, b = 0;
        for (int i = 0; i < p->nn; i++) {
            if (!p->present[i])
                continue;
            if (!pf.minCut(w.out[i]))
                a += p->stock[i];
            if (w.need[i] != lemon::INVALID && pf.minCut(w.in[i]) && p->use[i] > 0)
                b += p->use[i];
        }
        if (p->route_max > 0)
            for (int k = 0; k < p->na; k++)
                if (pf.minCut(w.out[p->from[k]]) && !pf.minCut(w.in[p->to[k]]))
                    a += p->route_max;
        double next = use > b ? a / (use - b) : 0;
        /* a cut that does not lower L any more: what is missing is the
         * rounding to micro-units, not stock */
        if (!(next < level * (1 - 1e-12))) {
            *shown = false;
            return level;
        }
        level = next > 0 ? next : 0;
    }
    *shown = false;
    return level;
}

/* Phase 2: L held, the least item-km, by the network simplex on integers. */
static int min_km(const struct supply_net *p, net &w, double level, double *flow, char *why,
                  size_t whylen)
{
    typedef lemon::NetworkSimplex<SmartDigraph, int64_t, int64_t> NS;
    NS ns(w.g);
    Int64ArcMap lower(w.g, 0), upper(w.g, ns.INF), cost(w.g, 0);
    SmartDigraph::NodeMap<int64_t> supply(w.g, 0);
    int64_t total = 0;
    for (int i = 0; i < p->nn; i++) {
        if (!p->present[i])
            continue;
        int64_t s = micro(p->stock[i]);
        total += s;
        upper[w.give[i]] = s;
        if (w.need[i] != lemon::INVALID)
            lower[w.need[i]] = micro(level * p->use[i]);
    }
    const int64_t route = p->route_max > 0 ? micro(p->route_max) : ns.INF;
    for (int k = 0; k < p->na; k++) {
        upper[w.arc[k]] = route;
        cost[w.arc[k]] = (int64_t)std::llround(p->km[k] * MM);
    }
    supply[w.s] = total;
    supply[w.t] = -total;
    ns.lowerMap(lower).upperMap(upper).costMap(cost).supplyMap(supply);
    NS::ProblemType r = ns.run();
    if (r != NS::OPTIMAL) {
        snprintf(why, whylen, "network simplex: %s at L = %.9g",
                 r == NS::INFEASIBLE ? "infeasible" : "unbounded", level);
        return -1;
    }
    for (int k = 0; k < p->na; k++)
        flow[k] = (double)ns.flow(w.arc[k]) / UNIT;
    return 0;
}

extern "C" int supply_net_solve(const struct supply_net *p, struct supply_net_result *out,
                                char *why, size_t whylen)
{
    try {
        net w;
        build(p, w);
        auto t0 = std::chrono::steady_clock::now();
        bool shown; /* a max-flow has shown that this level is feasible */
        out->level = max_level(p, w, &out->cuts, &shown);
        out->seconds_p1 = seconds_since(t0);
        t0 = std::chrono::steady_clock::now();
        /* a level below the cap is held less 1e-9 relative, as the LP does
         * (and as the simplex's own tolerances need); one a max-flow has
         * shown feasible (the cap, mostly) is held as it is */
        double hold = shown && out->level >= p->lmax ? out->level : out->level * (1 - 1e-9);
        int rc = min_km(p, w, hold, out->flow, why, whylen);
        out->seconds_p2 = seconds_since(t0);
        out->item_km = 0;
        for (int k = 0; k < p->na; k++)
            out->item_km += out->flow[k] * p->km[k];
        return rc;
    } catch (const std::bad_alloc &) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
}
