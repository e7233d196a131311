#!/usr/bin/env bash
# bench/community.sh - the community pillar's benchmark (issue 5), in one run:
#   1. the demo province at --scale 1, then synthetic ledger rows added in
#      bulk until the ledger holds 10 million entries (2 million people
#      isolating across all grids, 8 million ended episodes), one grid with
#      exactly 500 people isolating;
#   2. the grid worker's list for that grid through HTTP (wrk, one
#      connection), side by side with the same query in the sqlite3 shell;
#      goal p50 <= 5 ms;
#   3. a peak day's follow-ups through HTTP: wrk -t2 -c64 POSTing follow-ups
#      (bench/followups.lua) on open entries, durable (synchronous=FULL,
#      group commit), audited; goal >= 5,000/s sustained. The rows written
#      are counted afterwards: every 201 must be in the database.
#
# Environment: BUILD_DIR (default build), DURATION seconds of the follow-up
# load (default 30) after WARMUP seconds of it not counted (default 15),
# LIST_DURATION (default 10), KEEP_DB=path to reuse a database built by an
# earlier run (it is built once, ~3 minutes).
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
DURATION=${DURATION:-30}
LIST_DURATION=${LIST_DURATION:-10}
WARMUP=${WARMUP:-15}
PY=/usr/bin/python3
GRID=330106004001002 # the bench grid: 500 people isolating
note() { echo "# community: $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

DB=${KEEP_DB:-$TEST_TMP/community.db}
if [ ! -s "$DB" ]; then
    note "demo province at --scale 1 (load $(load))"
    t0=$(date +%s)
    "$CREST_BIN" demo --db "$DB" --scale 1 >/dev/null 2>&1
    note "bulk ledger rows: 2,000,000 people isolating, 8,000,000 ended episodes"
    # the demo may already have people isolating in the bench grid: top up to 500
    HAVE=$(sqlite3 "$DB" "SELECT count(*) FROM comm_episodes WHERE status = 'isolating' AND grid = '$GRID'")
    IN_BENCH_GRID=$((500 - HAVE))
    # Synthetic rows, written straight into the tables the server reads: the
    # API would take hours to write 10 million entries, and what is measured
    # here is reading and writing beside them, not making them.
    sqlite3 "$DB" <<SQL
PRAGMA cache_size=-262144;
BEGIN;
CREATE TEMP TABLE g (i INTEGER PRIMARY KEY, code TEXT);
INSERT INTO g (code) SELECT code FROM regions WHERE level = 'grid' AND code <> '$GRID' ORDER BY code;
CREATE TEMP TABLE ng AS SELECT count(*) AS n FROM g;
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000000)
INSERT INTO persons (id_number, name, sex, birth_date, grid, chronic, version, created_ms, updated_ms)
SELECT printf('B%017d', x), 'bench ' || x, CASE x % 2 WHEN 0 THEN 'F' ELSE 'M' END,
       printf('%04d-%02d-%02d', 1930 + x % 90, 1 + x % 12, 1 + x % 28),
       CASE WHEN x <= $IN_BENCH_GRID THEN '$GRID' ELSE (SELECT code FROM g WHERE i = 1 + x % (SELECT n FROM ng)) END,
       '', 1, 0, 0
FROM n;
CREATE TEMP TABLE bp (id INTEGER PRIMARY KEY, grid TEXT);
INSERT INTO bp SELECT id, grid FROM persons WHERE id_number LIKE 'B%';
INSERT INTO comm_episodes (person_id, grid, kind, source, start_date, planned_end, status, grade,
  reasons, alert, fever_since_ms, next_due_ms, self_report_pending, created_by, created_ms, version)
SELECT id, grid, 'mild', 'antigen', '2022-12-25', '2023-01-01', 'isolating',
       CASE id % 10 WHEN 0 THEN 'red' WHEN 1 THEN 'yellow' WHEN 2 THEN 'yellow' ELSE 'green' END,
       '9|0|0|0|', 0, 0, 1672156800000 + (id * 7919) % 86400000, id % 7 = 0, 0, 0, 1
FROM bp;
WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < 7999999)
INSERT INTO comm_episodes (person_id, grid, kind, source, start_date, planned_end, status, grade,
  reasons, alert, fever_since_ms, next_due_ms, self_report_pending, created_by, created_ms,
  ended_ms, end_date, version)
SELECT bp.id, bp.grid, 'mild', 'antigen', '2022-12-0' || (1 + x % 9), '2022-12-1' || (x % 9),
       'recovered', 'green', '9|0|0|0|', 0, 0, 0, 0, 0, 0, 1670000000000,
       '2022-12-1' || (x % 9), 1
FROM n JOIN bp ON bp.id = (SELECT min(id) FROM bp) + x % 2000000;
COMMIT;
ANALYZE;
SQL
    note "built in $(($(date +%s) - t0)) s"
fi
EPISODES=$(sqlite3 "$DB" "SELECT count(*) FROM comm_episodes")
ISOLATING=$(sqlite3 "$DB" "SELECT count(*) FROM comm_episodes WHERE status = 'isolating'")
IN_GRID=$(sqlite3 "$DB" "SELECT count(*) FROM comm_episodes WHERE status = 'isolating' AND grid = '$GRID'")
SIZE=$(du -m "$DB" | cut -f1)
# a reused KEEP_DB keeps every earlier run's follow-ups and audit rows: the
# figures fall as it grows (3,374/s at 9.5 million follow-ups against
# 4,300-4,400/s freshly built), so say how much it holds
FOLLOWUPS=$(sqlite3 "$DB" "SELECT count(*) FROM comm_followups")
note "ledger: $EPISODES entries, $ISOLATING isolating, $IN_GRID in grid $GRID, $FOLLOWUPS follow-ups from earlier runs, database $SIZE MB"

# (a reused KEEP_DB has the user already)
crest_user bench-cmd commander 33 'bench-password-1' "$DB" 2>/dev/null || true
crest_start "$DB" --log-level warn
TOKEN=$(curl -sf -XPOST "$CREST_URL/api/v1/session" \
    -d '{"username":"bench-cmd","password":"bench-password-1"}' |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["token"])')
cat >"$TEST_TMP/auth.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA

# --- the grid worker's list ---
LIST_URL="$CREST_URL/api/v1/community/grids/$GRID/today"
N_ITEMS=$(curl -sf -H "Authorization: Bearer $TOKEN" "$LIST_URL" |
    $PY -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
note "list: $N_ITEMS items; wrk -t1 -c1 -d${LIST_DURATION}s (load $(load))"
wrk -t1 -c1 -d"${LIST_DURATION}s" --latency -s "$TEST_TMP/auth.lua" "$LIST_URL" \
    >"$TEST_TMP/list.wrk"
L_P50=$(awk '$1 == "50%" {print $2}' "$TEST_TMP/list.wrk")
L_P99=$(awk '$1 == "99%" {print $2}' "$TEST_TMP/list.wrk")
L_RPS=$(awk '/^Requests\/sec/ {print $2}' "$TEST_TMP/list.wrk")

# --- follow-ups ---
sqlite3 "$DB" "SELECT id FROM comm_episodes WHERE status = 'isolating' ORDER BY (id * 2654435761) % 1000003 LIMIT 100000" \
    >"$TEST_TMP/episodes.txt"
# Warm-up, not counted: this host's DAMON reclaim pages out file pages not
# touched for ~60 s, so a server started on a database that sat idle reads
# much of the ledger back from disk for its first seconds (measured: 4,264
# -> 5,753/s over four consecutive 10 s runs on one server). A server in its
# peak day is warm; "sustained" is measured after WARMUP seconds of the same
# load (0 to skip). The residency of the file before it is printed.
if [ "$WARMUP" -gt 0 ]; then
    note "page cache holds $(fincore -n -o RES "$DB" 2>/dev/null || echo '?') of the database; warm-up: wrk -t2 -c64 -d${WARMUP}s, not counted"
    CREST_TOKEN=$TOKEN CREST_EPISODES="$TEST_TMP/episodes.txt" CREST_THREADS=2 \
        wrk -t2 -c64 -d"${WARMUP}s" -s "$HERE/followups.lua" "$CREST_URL" >"$TEST_TMP/warm.wrk" 2>&1
    W_RPS=$(awk '/^Requests\/sec/ {print $2}' "$TEST_TMP/warm.wrk")
    note "warm-up: $W_RPS follow-ups/s"
fi
BEFORE=$(sqlite3 "$DB" "SELECT count(*) FROM comm_followups")
note "follow-ups: wrk -t2 -c64 -d${DURATION}s (load $(load))"
CREST_TOKEN=$TOKEN CREST_EPISODES="$TEST_TMP/episodes.txt" CREST_THREADS=2 \
    wrk -t2 -c64 -d"${DURATION}s" --latency -s "$HERE/followups.lua" "$CREST_URL" \
    >"$TEST_TMP/fu.wrk" 2>&1
sed 's/^/#   /' "$TEST_TMP/fu.wrk" >&2
F_RPS=$(awk '/^Requests\/sec/ {print $2}' "$TEST_TMP/fu.wrk")
F_P50=$(awk '$1 == "50%" {print $2}' "$TEST_TMP/fu.wrk")
F_P99=$(awk '$1 == "99%" {print $2}' "$TEST_TMP/fu.wrk")
F_N=$(awk '/requests in/ {print $1}' "$TEST_TMP/fu.wrk")
F_BAD=$(awk '/Non-2xx/ {print $NF}' "$TEST_TMP/fu.wrk")
crest_stop
AFTER=$(sqlite3 "$DB" "SELECT count(*) FROM comm_followups")

# --- the same list query in the sqlite3 shell, for scale ---
NOW_MS=$(($(date -u -d "2022-12-28 $(date -u +%T)" +%s) * 1000))
SQL="SELECT e.id, e.grade, e.reasons, e.next_due_ms, p.name, p.id_number, p.phone FROM comm_episodes e JOIN persons p ON p.id = e.person_id WHERE e.grid = '$GRID' AND e.status = 'isolating' ORDER BY CASE WHEN e.next_due_ms <= $NOW_MS THEN 0 ELSE 1 END, CASE e.grade WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 ELSE 2 END, e.self_report_pending DESC, e.next_due_ms, e.id;"
for _ in $(seq 200); do echo "$SQL"; done >"$TEST_TMP/runs.sql"
echo "$SQL" | sqlite3 "$DB" >/dev/null
t0=$(date +%s%N)
sqlite3 "$DB" <"$TEST_TMP/runs.sql" >/dev/null
SQL_MS=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.2f", (b - a) / 200 / 1e6}')

printf '%-58s %-28s %s\n' figure value goal
printf '%-58s %-28s %s\n' "ledger entries / isolating / in the bench grid" "$EPISODES / $ISOLATING / $IN_GRID" "10,000,000 / - / 500"
printf '%-58s %-28s %s\n' "grid list over HTTP: p50 / p99" "$L_P50 / $L_P99 ($L_RPS req/s)" "p50 <= 5 ms"
printf '%-58s %-28s %s\n' "same query in the sqlite3 shell (mean of 200)" "$SQL_MS ms" ""
[ "$WARMUP" -gt 0 ] && printf '%-58s %-28s %s\n' "  (warm-up before it, ${WARMUP} s, not counted: req/s)" "$W_RPS" ""
printf '%-58s %-28s %s\n' "follow-ups over HTTP, 64 connections, durable: req/s" "$F_RPS (p50 $F_P50, p99 $F_P99)" ">= 5,000/s"
printf '%-58s %-28s %s\n' "follow-ups sent / non-2xx / rows written" "$F_N / ${F_BAD:-0} / $((AFTER - BEFORE))" "rows >= sent - non-2xx"
# a refused follow-up or a lost row fails the benchmark: the rate counts only
# follow-ups that were written
if [ "${F_BAD:-0}" -gt 0 ] || [ $((AFTER - BEFORE)) -lt $((F_N - ${F_BAD:-0})) ]; then
    echo "community: FAILED: ${F_BAD:-0} non-2xx answers, $((AFTER - BEFORE)) rows for $F_N sent (CREST_SHOW_ERRORS=1 prints the first few)" >&2
    exit 1
fi
