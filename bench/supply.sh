#!/usr/bin/env bash
# bench/supply.sh - the supply pillar's benchmark (issue 7): the whole
# province (every province, city and county depot plus every hospital of the
# demo at --scale 1 as sites; 30 items), the dispatch plan computed by
# `crest supply plan` in one run (CLP, both phases per item), then the same
# LPs - written by crest as JSON - built and solved again by scipy's
# linprog (HiGHS) in the same run (bench/supply_linprog.py). Checks that the
# objectives agree within 1e-6 relative (phase 1's level L and phase 2's
# item-km, per item) and prints the timings side by side.
# Goal: <= 1 s for the province's 30 items, and crest no slower than scipy.
#
# Environment: BUILD_DIR (default build).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
CREST="$BUILD_DIR/crest"
PY=/usr/bin/python3 # Debian's, with scipy (the first python3 on PATH may not be)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

DB="$TMP/supply.db"
echo "# supply: demo province at --scale 1 ($(cut -d' ' -f1-3 /proc/loadavg) load)" >&2
CI=1 "$CREST" demo --db "$DB" --scale 1 >/dev/null 2>"$TMP/demo.log"
grep "supply:" "$TMP/demo.log" | tail -1 >&2
SITES=$(sqlite3 "$DB" "SELECT count(*) FROM facilities WHERE kind IN ('depot', 'hospital')")

ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(ms)
"$CREST" supply plan --db "$DB" --depots-hospitals --lp-json "$TMP/lp.json" >"$TMP/crest.txt"
t1=$(ms)
"$PY" "$HERE/supply_linprog.py" "$TMP/lp.json" >"$TMP/scipy.txt"
rc=$?
t2=$(ms)
tail -1 "$TMP/crest.txt"
tail -1 "$TMP/scipy.txt"
SOLVE=$(awk '/^total:/ {for (i = 1; i <= NF; i++) if ($i == "phases)") print $(i + 1)}' "$TMP/crest.txt")
SCIPY=$(awk '/^scipy HiGHS:/ {for (i = 1; i <= NF; i++) if ($i == "solve") print $(i + 1)}' "$TMP/scipy.txt")
echo "supply: province plan, $SITES depot+hospital sites, 30 items"
printf '  crest supply plan (load + routes + CLP both phases, whole process)  %6.3f s\n' \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print (b - a) / 1000}')"
printf '  of which CLP, both phases, 30 items                                  %6.3f s\n' "$SOLVE"
printf '  scipy linprog HiGHS, build + solve, 30 items                          %6.3f s\n' "$SCIPY"
printf '  scipy process (incl. reading the JSON, importing scipy)               %6.3f s\n' \
    "$(awk -v a="$t1" -v b="$t2" 'BEGIN {print (b - a) / 1000}')"
grep -c " ok$" "$TMP/scipy.txt" | awk '{print "  items whose L and item-km agree within 1e-6: " $1 " of 30"}'
exit $rc
