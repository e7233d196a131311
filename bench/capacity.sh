#!/usr/bin/env bash
# bench/capacity.sh - the capacity pillar's benchmark (issue 4): at --scale 1
# (all ~1,500 hospitals of the province, a year of reports), GET compliance for
# the province through HTTP, side by side with the bare SQL aggregate of the
# same figures run in the sqlite3 shell on the same file, in one run.
# Goals: HTTP p50 <= 5 ms, and within 2x of the bare SQL.
#
# Environment: BUILD_DIR (default build), DURATION seconds of wrk (default 10),
# SQL_RUNS iterations of the SQL in one shell (default 50).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
export CREST_BIN="$BUILD_DIR/crest"
export CREST_SRC="$ROOT"
# shellcheck source=../tests/lib.sh
source "$ROOT/tests/lib.sh"
export CREST_ARGON2_MEMLIMIT_KB=8192
DURATION=${DURATION:-10}
SQL_RUNS=${SQL_RUNS:-200}
PY=/usr/bin/python3

DB="$TEST_TMP/capacity.db"
echo "# capacity: demo province at --scale 1 ($(cut -d' ' -f1-3 /proc/loadavg) load)" >&2
"$CREST_BIN" demo --db "$DB" --scale 1 >/dev/null 2>&1
crest_user bench-cmd commander 33 'bench-password-1' "$DB"
crest_start "$DB" --log-level warn
TOKEN=$(curl -sf -XPOST "$CREST_URL/api/v1/session" \
    -d '{"username":"bench-cmd","password":"bench-password-1"}' |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["token"])')
HOSP=$(sqlite3 "$DB" "SELECT count(*) FROM facilities WHERE kind = 'hospital'")
REPS=$(sqlite3 "$DB" "SELECT count(*) FROM capacity_reports")
SIZE=$(du -m "$DB" | cut -f1)

# HTTP: one connection, so the latency is the server's, not a queue's
curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "$CREST_URL/api/v1/capacity/compliance"
cat >"$TEST_TMP/auth.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA
wrk -t1 -c1 -d"${DURATION}s" --latency -s "$TEST_TMP/auth.lua" \
    "$CREST_URL/api/v1/capacity/compliance" >"$TEST_TMP/wrk.txt"
P50=$(awk '$1 == "50%" {print $2}' "$TEST_TMP/wrk.txt")
P99=$(awk '$1 == "99%" {print $2}' "$TEST_TMP/wrk.txt")
RPS=$(awk '/^Requests\/sec/ {print $2}' "$TEST_TMP/wrk.txt")
crest_stop

# The bare SQL: the same per-rule counts, designated beds and occupancy for
# the province, in SQL, over the same tables the server reads, in one
# sqlite3 process, mean over SQL_RUNS runs.
SQL="WITH h AS (
  SELECT f.level, f.category, f.role, l.date, l.open_beds, l.occupied_beds, l.icu_beds,
         l.icu_occupied, l.icu_convertible, l.fever_clinic, l.fever_24h,
         (julianday('2022-12-28') - julianday(l.date)) AS age
  FROM facilities f LEFT JOIN capacity_latest l ON l.facility_id = f.id
  WHERE f.kind = 'hospital' AND f.region >= '33' AND f.region < '34' AND f.active = 1)
SELECT count(*),
  sum(age IS NOT NULL AND age <= 2),
  sum(CASE WHEN age <= 2 AND role != 'none' THEN open_beds ELSE 0 END),
  sum(CASE WHEN age <= 2 AND level = 'tertiary' AND category IN ('general','tcm')
           AND icu_beds * 10000 < open_beds * 400 THEN 1 ELSE 0 END),
  sum(CASE WHEN age <= 2 AND level = 'tertiary' AND category IN ('general','tcm')
           AND icu_convertible * 10000 < open_beds * 400 THEN 1 ELSE 0 END),
  sum(CASE WHEN age <= 2 AND level IN ('secondary','tertiary')
           AND NOT (fever_clinic AND fever_24h) THEN 1 ELSE 0 END),
  sum(CASE WHEN age <= 2 THEN occupied_beds ELSE 0 END),
  sum(CASE WHEN age <= 2 THEN open_beds ELSE 0 END)
FROM h;"
{
    echo "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-16384;"
    echo "$SQL" # warm the page cache, as the server's is warm
} | sqlite3 "$DB" >"$TEST_TMP/sql.txt" 2>&1
for _ in $(seq 1 "$SQL_RUNS"); do echo "$SQL"; done >"$TEST_TMP/runs.sql"
# the shell's .timer has 1 ms resolution: time the whole batch instead and
# divide (the shell's own start, a few ms, is spread over SQL_RUNS queries)
t0=$(date +%s%N)
{
    echo "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-16384;"
    cat "$TEST_TMP/runs.sql"
} | sqlite3 "$DB" >>"$TEST_TMP/sql.txt" 2>&1
t1=$(date +%s%N)
SQL_MS=$(awk -v a="$t0" -v b="$t1" -v n="$SQL_RUNS" 'BEGIN {printf "%.2f", (b - a) / n / 1e6}')
SQL_ROW=$(grep '|' "$TEST_TMP/sql.txt" | head -1)

to_ms() { # wrk's "1.23ms" / "456.00us" / "1.01s" → ms
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
        else { sub(/s$/, "", v); printf "%.2f", v * 1000 } }'
}
P50_MS=$(to_ms "$P50")
RATIO=$(awk -v a="$P50_MS" -v b="$SQL_MS" 'BEGIN {printf "%.2f", a / b}')
echo
echo "capacity: province compliance at --scale 1 ($HOSP hospitals, $REPS reports, ${SIZE} MB)"
printf '  %-44s %s\n' "HTTP GET /api/v1/capacity/compliance p50" "$P50_MS ms (goal <= 5 ms)"
printf '  %-44s %s\n' "HTTP p99, requests/s on one connection" "$(to_ms "$P99") ms, $RPS"
printf '  %-44s %s\n' "bare SQL aggregate, sqlite3 shell, mean" "$SQL_MS ms ($SQL_ROW)"
printf '  %-44s %s\n' "HTTP p50 / bare SQL" "${RATIO}x (goal <= 2x)"
