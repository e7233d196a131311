#!/usr/bin/env bash
# bench/queue.sh - the queue pillar's benchmark (issue 6), in one run:
#   simulate  `crest queue simulate` (a city's peak day, >= 50 clinics,
#             >= 100,000 patients): p90 wait cut of crest's routing against
#             the nearest clinic (goal >= 30 %), the wait estimate's median
#             relative error (goal <= 20 %), the run time (goal <= 2 s);
#             three seeds
#   tickets   wrk -c64 POSTing desk tickets round robin over every fever
#             clinic of the demo province: 201/s, durable (goal >= 5,000/s)
#   next      wrk POSTing call-next (counter 1) round robin over the clinics,
#             their queues filled by the tickets run: p99 (goal <= 10 ms)
#   watchers  bench/sse_watch: 1,000 watchers of one clinic's event stream,
#             five calls; the delay until every watcher has the event (goal
#             <= 1 s)
#
# Environment: BUILD_DIR (default build), DURATION seconds per wrk run
# (default 10), CONNS (default 64), SCALE of the demo (default 0.1),
# WATCHERS (default 1000).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
export CREST_BIN="$BUILD_DIR/crest"
export CREST_SRC="$ROOT"
# shellcheck source=../tests/lib.sh
source "$ROOT/tests/lib.sh"
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
SCALE=${SCALE:-0.1}
WATCHERS=${WATCHERS:-1000}
PY=/usr/bin/python3
command -v wrk >/dev/null || { echo "bench: wrk is missing (scripts/install-deps)" >&2; exit 1; }
# load: the load average and the share of the CPUs busy in the second
# before (anything else running on the machine skews the figures)
load() {
    local a b
    a=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat)
    echo "$a $b" | awk -v l="$(cut -d' ' -f1-3 /proc/loadavg)" \
        '{u = $3 - $1; i = $4 - $2; printf "load %s, CPU busy before %.0f %%", l, u + i ? 100 * u / (u + i) : 0}'
}

echo "## queue: simulation ($(load))"
for seed in 1 2 3; do
    "$CREST_BIN" queue simulate --seed "$seed" --policy "$ROOT/policy/zhejiang-2022-12.json"
    echo
done
"$CREST_BIN" queue simulate --seed 1 --json --policy "$ROOT/policy/zhejiang-2022-12.json" \
    >"$TEST_TMP/sim.json"
echo "json: $(cat "$TEST_TMP/sim.json")"

DB="$TEST_TMP/queue.db"
echo "## queue: demo province at --scale $SCALE ($(load))"
"$CREST_BIN" demo --db "$DB" --scale "$SCALE" >/dev/null 2>&1
# open around the clock, so that the run does not depend on the hour
sqlite3 "$DB" "UPDATE queue_clinics SET hours = '24h'; UPDATE queue_counters SET is_open = 1;"
sqlite3 "$DB" "SELECT facility_id FROM queue_clinics ORDER BY facility_id" >"$TEST_TMP/clinics.txt"
NCLIN=$(wc -l <"$TEST_TMP/clinics.txt")
crest_user bench-admin admin 33 'bench-password-1' "$DB"
crest_start "$DB" --log-level warn
TOKEN=$(curl -sf -XPOST "$CREST_URL/api/v1/session" \
    -d '{"username":"bench-admin","password":"bench-password-1"}' |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["token"])')
export CREST_TOKEN=$TOKEN CREST_CLINICS="$TEST_TMP/clinics.txt" CREST_THREADS=2

wrk_once() { # NAME MODE CONNS
    CREST_MODE=$2 wrk -t2 -c"$3" -d"${DURATION}s" --latency -s "$HERE/queue.lua" "$CREST_URL" \
        >"$TEST_TMP/$1.wrk" 2>&1
    sed 's/^/#   /' "$TEST_TMP/$1.wrk"
}
get() { # NAME rps|p50|p99|statuses
    case $2 in
    rps) awk '/^Requests\/sec/ {print $2}' "$TEST_TMP/$1.wrk" ;;
    p50) awk '$1 == "50%" {print $2}' "$TEST_TMP/$1.wrk" ;;
    p99) awk '$1 == "99%" {print $2}' "$TEST_TMP/$1.wrk" ;;
    statuses) grep '^statuses:' "$TEST_TMP/$1.wrk" ;;
    esac
}

# the disk's own pace, to read the write figures against: one fsync'd
# commit per row (the core benchmark's baseline, bench/RESULTS.md)
echo "## queue: disk baseline, sqlite_commits ($(load))"
"$BUILD_DIR/bench/sqlite_commits" "$TEST_TMP/commits.db" 3 1 | tail -1
echo "## queue: tickets, wrk -t2 -c$CONNS -d${DURATION}s over $NCLIN clinics ($(load))"
before=$(sqlite3 "$DB" "SELECT count(*) FROM queue_tickets")
wrk_once tickets tickets "$CONNS"
after=$(sqlite3 "$DB" "SELECT count(*) FROM queue_tickets")
created=$((after - before))
echo "tickets: $(get tickets rps) req/s, $(get tickets statuses); rows added $created" \
    "= $(awk -v n="$created" -v d="$DURATION" 'BEGIN {printf "%.0f", n / d}')/s;" \
    "p50 $(get tickets p50), p99 $(get tickets p99)"

echo "## queue: call-next, wrk -t2 -c16 -d${DURATION}s ($(load))"
wrk_once next next 16
echo "call-next (c16): $(get next rps) req/s, $(get next statuses); p50 $(get next p50), p99 $(get next p99)"
echo "## queue: call-next, wrk -t1 -c1 -d${DURATION}s ($(load))"
CREST_THREADS=1 CREST_MODE=next wrk -t1 -c1 -d"${DURATION}s" --latency -s "$HERE/queue.lua" \
    "$CREST_URL" >"$TEST_TMP/next1.wrk" 2>&1
echo "call-next (c1): $(get next1 rps) req/s, $(get next1 statuses); p50 $(get next1 p50), p99 $(get next1 p99)"

# the watchers' clinic: the first one, with tickets of its own to call
CL=$(head -1 "$TEST_TMP/clinics.txt")
for _ in $(seq 10); do
    curl -sf -o /dev/null -XPOST -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' -d '{}' "$CREST_URL/api/v1/queue/clinics/$CL/tickets"
done
echo "## queue: $WATCHERS watchers of clinic $CL ($(load))"
"$BUILD_DIR/bench/sse_watch" 127.0.0.1 "${CREST_URL##*:}" "$CL" "$TOKEN" "$WATCHERS" 5
crest_stop
