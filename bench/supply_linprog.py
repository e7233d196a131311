#!/usr/bin/python3
"""Solve crest's dispatch LPs again, independently, with scipy's HiGHS.

Reads the JSON that `crest supply plan --lp-json FILE` writes (per item: the
sites' stock and daily use, the candidate arcs with their km, the target and
the per-route limit, and crest's own answer), builds the same two-phase LP
from that description (model.c's header states it) and solves it with
scipy.optimize.linprog(method="highs"):

  phase 1: max L, 0 <= L <= target (and <= the cover of any site with a use
           that no arc touches), s.t. s_i + in_i - out_i >= L*u_i for every
           site with a use that an arc touches; out_j <= s_j for donors
           without a use and for sites with a use that both give and
           receive (no relaying); 0 <= x_a <= route_max (when > 0)
  phase 2: L >= L1*(1 - 1e-9), min sum km_a * x_a

Prints one line per item and a summary; exits 1 when any objective differs
from crest's by more than 1e-6 relative.
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csc_matrix

TOL = 1e-6


def rel(a, b):
    return abs(a - b) / max(1.0, abs(a), abs(b))


def solve(p):
    stock = np.asarray(p["stock"], dtype=float)
    use = np.asarray(p["use"], dtype=float)
    arcs = np.asarray(p["arcs"], dtype=float).reshape(-1, 3)
    nn, na = len(stock), len(arcs)
    target = p["target"]
    cover = np.where(use > 0, stock / np.where(use > 0, use, 1), np.inf)
    before = min(target, cover[use > 0].min()) if (use > 0).any() else target
    if na == 0:
        return before, 0.0
    frm = arcs[:, 0].astype(int)
    to = arcs[:, 1].astype(int)
    km = arcs[:, 2]
    touched = np.zeros(nn, bool)
    touched[frm] = True
    touched[to] = True
    lmax = target
    untouched = (~touched) & (use > 0)
    if untouched.any():
        lmax = min(lmax, cover[untouched].min())
    rows = -np.ones(nn, int)
    rows[touched] = np.arange(touched.sum())
    nr = int(touched.sum())
    # A_ub x <= b_ub. Site with use: -(in - out - u L) <= s  i.e. out - in + u L <= s
    # Donor without use: out <= s. Both have "out" with +1.
    ri = np.concatenate([rows[frm], rows[to], rows[np.flatnonzero(touched & (use > 0))]])
    ci = np.concatenate([np.arange(na), np.arange(na), np.full(int((touched & (use > 0)).sum()), na)])
    vi = np.concatenate([np.ones(na), np.where(use[to] > 0, -1.0, 0.0),
                         use[touched & (use > 0)]])
    # a site with a use that both gives and receives gives from what it has
    indeg = np.bincount(to, minlength=nn)
    outdeg = np.bincount(frm, minlength=nn)
    relay = (use > 0) & (indeg > 0) & (outdeg > 0)
    rr = -np.ones(nn, int)
    rr[relay] = nr + np.arange(int(relay.sum()))
    sel = relay[frm]
    A = csc_matrix((np.concatenate([vi, np.ones(int(sel.sum()))]),
                    (np.concatenate([ri, rr[frm[sel]]]), np.concatenate([ci, np.flatnonzero(sel)]))),
                   shape=(nr + int(relay.sum()), na + 1))
    b = np.concatenate([stock[touched], stock[relay]])
    cap = p["route_max"] if p["route_max"] > 0 else None
    bounds = [(0, cap)] * na + [(0, max(lmax, 0.0))]
    c1 = np.zeros(na + 1)
    c1[na] = -1
    r1 = linprog(c1, A_ub=A, b_ub=b, bounds=bounds, method="highs")
    if r1.status != 0:
        raise RuntimeError("phase 1: " + r1.message)
    level = r1.x[na]
    bounds[na] = (level * (1 - 1e-9), max(lmax, 0.0))
    c2 = np.concatenate([km, [0.0]])
    r2 = linprog(c2, A_ub=A, b_ub=b, bounds=bounds, method="highs")
    if r2.status != 0:
        raise RuntimeError("phase 2: " + r2.message)
    return level, r2.fun


def main():
    path = sys.argv[1]
    t0 = time.perf_counter()
    with open(path) as f:
        problems = json.load(f)
    t_read = time.perf_counter() - t0
    bad = 0
    t_all = time.perf_counter()
    crest_s = 0.0
    for p in problems:
        t = time.perf_counter()
        level, km = solve(p)
        dt = time.perf_counter() - t
        cl, ck = p["crest"]["level"], p["crest"]["item_km"]
        crest_s += p["crest"]["seconds"]
        ok = rel(level, cl) <= TOL and rel(km, ck) <= TOL
        bad += not ok
        print("%-18s L %9.4f vs %9.4f  item-km %14.2f vs %14.2f  rel %.1e  scipy %.3f s  crest %.3f s  %s"
              % (p["item"], level, cl, km, ck, max(rel(level, cl), rel(km, ck)), dt,
                 p["crest"]["seconds"], "ok" if ok else "DIFFERENT"))
    t_solve = time.perf_counter() - t_all
    print("scipy HiGHS: %d items, build + solve %.3f s (reading the JSON %.3f s); crest's solves "
          "in the same file %.3f s; %d objective(s) differ beyond %.0e relative"
          % (len(problems), t_solve, t_read, crest_s, bad, TOL))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
