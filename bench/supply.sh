#!/usr/bin/env bash
# bench/supply.sh - the supply pillar's benchmark (issue 7): the whole
# province (every province, city and county depot plus every hospital of the
# demo at --scale 1 as sites; 30 items), the dispatch plan computed by
# `crest supply plan` in one run (both phases per item, solved as a network
# with LEMON; the same LPs with COIN-OR CLP beside it, `--solver clp`), then
# the same LPs - written by crest as JSON - built and solved again by
# scipy's linprog (HiGHS) in the same run (bench/supply_linprog.py). Checks that the
# objectives agree within 1e-6 relative (phase 1's level L and phase 2's
# item-km, per item) and prints the timings side by side, stage by stage.
# Goal: <= 1 s for the province's 30 items, and crest no slower than scipy.
#
# Environment: BUILD_DIR (default build); RUNS (default 3); SUPPLY_DB: a
# path for the demo database - reused when it exists, else built there and
# kept (the demo at --scale 1 takes ~25 s); without it a temporary one.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
CREST="$BUILD_DIR/crest"
PY=/usr/bin/python3 # Debian's, with scipy (the first python3 on PATH may not be)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

DB=${SUPPLY_DB:-$TMP/supply.db}
if [ -n "${SUPPLY_DB:-}" ] && [ -s "$DB" ]; then
    echo "# supply: reusing $DB" >&2
else
    echo "# supply: demo province at --scale 1 ($(cut -d' ' -f1-3 /proc/loadavg) load)" >&2
    rm -f "$DB" "$DB-wal" "$DB-shm"
    CI=1 "$CREST" demo --db "$DB" --scale 1 >/dev/null 2>"$TMP/demo.log"
    grep "supply:" "$TMP/demo.log" | tail -1 >&2
fi
SITES=$(sqlite3 "$DB" "SELECT count(*) FROM facilities WHERE kind IN ('depot', 'hospital')")

ms() { echo $(($(date +%s%N) / 1000000)); }
# a field of crest's "total:" line: the word after $1
field() { awk -v w="$1" '/^total:/ {for (i = 1; i < NF; i++) if ($i == w) print $(i + 1)}' "$2" | head -1; }
min() { awk -v a="$1" -v b="$2" 'BEGIN {print (b < a) ? b : a}'; }
# Each run: crest on 2 threads writing the LPs as JSON (the whole process is
# timed), crest on 1 thread without JSON, then scipy on the JSON. The best
# run of each figure is reported (the machine is shared: the minimum is the
# least disturbed measurement).
RUNS=${RUNS:-3}
best_proc=999999 best_scipy=999999 best_w2=999 best_w1=999 best_hs=999
best_load=999 best_routes=999 best_solve=999 best_json=999 best_cpu=999 best_clp=999 rc=0
for i in $(seq "$RUNS"); do
    t0=$(ms)
    "$CREST" supply plan --db "$DB" --depots-hospitals --threads 2 --lp-json "$TMP/lp.json" >"$TMP/crest.txt"
    t1=$(ms)
    "$CREST" supply plan --db "$DB" --depots-hospitals --threads 1 >"$TMP/crest1.txt"
    "$CREST" supply plan --db "$DB" --depots-hospitals --threads 2 --solver clp >"$TMP/clp.txt"
    t2=$(ms)
    "$PY" "$HERE/supply_linprog.py" "$TMP/lp.json" >"$TMP/scipy.txt" || rc=1
    t3=$(ms)
    w2=$(field took "$TMP/crest.txt")
    w1=$(field took "$TMP/crest1.txt")
    wc=$(field took "$TMP/clp.txt")
    # the two solvers' objectives: the same LP, so the same optimum
    paste <(awk 'NR > 1 && !/^total:/ {print $1, $5, $6}' "$TMP/crest.txt") \
        <(awk 'NR > 1 && !/^total:/ {print $1, $5, $6}' "$TMP/clp.txt") |
        awk '{ if ($1 != $4 || $2 != $5 || ($3 - $6) ^ 2 > (1e-6 * $6) ^ 2 + 1) bad++ }
             END { if (bad) { print "# network and CLP differ on " bad " item(s)"; exit 1 } }' >&2 || rc=1
    hs=$(awk '/^scipy HiGHS:/ {for (i = 1; i <= NF; i++) if ($i == "solve") print $(i + 1)}' "$TMP/scipy.txt")
    echo "# run $i ($(cut -d' ' -f1 /proc/loadavg) load): crest process $((t1 - t0)) ms (routes + solve $w2 s on 2 threads, $w1 s on 1; with CLP $wc s on 2), scipy build + solve $hs s" >&2
    best_proc=$(min "$best_proc" $((t1 - t0)))
    best_scipy=$(min "$best_scipy" $((t3 - t2)))
    best_w2=$(min "$best_w2" "$w2")
    best_w1=$(min "$best_w1" "$w1")
    best_clp=$(min "$best_clp" "$wc")
    best_hs=$(min "$best_hs" "$hs")
    best_load=$(min "$best_load" "$(field load "$TMP/crest1.txt")")
    best_routes=$(min "$best_routes" "$(field routes "$TMP/crest1.txt")")
    best_solve=$(min "$best_solve" "$(field phases\) "$TMP/crest1.txt")")
    best_json=$(min "$best_json" "$(field JSON "$TMP/crest.txt")")
    best_cpu=$(min "$best_cpu" "$(field CPU "$TMP/crest1.txt")")
done
tail -1 "$TMP/crest.txt"
tail -1 "$TMP/scipy.txt"
echo "supply: province plan, $SITES depot+hospital sites, 30 items, best of $RUNS runs ($(cut -d' ' -f1-3 /proc/loadavg) load)"
printf '  crest supply plan, whole process (read DB, routes, solve, write JSON) %5.3f s\n' \
    "$(awk -v a="$best_proc" 'BEGIN {print a / 1000}')"
printf '    of which routes + both phases, 30 items on 2 threads (wall)      %7.3f s\n' "$best_w2"
printf '  routes + both phases, 30 items on 1 thread (wall)                  %7.3f s\n' "$best_w1"
printf '    stages (1 thread): reading the ledger %.3f s wall; routes %.3f s CPU; solve %.3f s CPU\n' \
    "$best_load" "$best_routes" "$best_solve"
printf '    process CPU (1 thread, no JSON) %.3f s; writing the LP JSON (2-thread run) %.3f s\n' \
    "$best_cpu" "$best_json"
printf '  the same with COIN-OR CLP (--solver clp), 2 threads (wall)         %7.3f s\n' "$best_clp"
printf '  scipy linprog HiGHS, model building + solve, 30 items              %7.3f s\n' "$best_hs"
printf '  scipy process (reading the JSON, importing scipy, building, solving) %6.3f s\n' \
    "$(awk -v a="$best_scipy" 'BEGIN {print a / 1000}')"
grep -c " ok$" "$TMP/scipy.txt" | awk '{print "  items whose L and item-km agree within 1e-6 relative: " $1 " of 30"}'
exit $rc
