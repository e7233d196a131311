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
# Beside each wrk run the server's own figures (bench/RESULTS.md reads them):
# its CPU time per request (utime + stime from /proc/PID/stat over the
# run), write jobs per group commit, and per job the time waiting for the
# writer, inside the writer's transaction and in its COMMIT (fsync), and
# statements prepared (crest_db_writer_* in /metrics).
#
# Environment: BUILD_DIR (default build), DURATION seconds per wrk run
# (default 10), CONNS (default 64), SCALE of the demo (default 0.1),
# WATCHERS (default 1000), PARTS (default "simulate tickets next
# watchers"; "tickets1" adds desk tickets on one connection, one at a time).
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
PARTS=${PARTS:-simulate tickets next watchers}
part() { [[ " $PARTS " == *" $1 "* ]]; }
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

if part simulate; then
    echo "## queue: simulation ($(load))"
    for seed in 1 2 3; do
        "$CREST_BIN" queue simulate --seed "$seed" --policy "$ROOT/policy/zhejiang-2022-12.json"
        echo
    done
    "$CREST_BIN" queue simulate --seed 1 --json --policy "$ROOT/policy/zhejiang-2022-12.json" \
        >"$TEST_TMP/sim.json"
    echo "json: $(cat "$TEST_TMP/sim.json")"
fi

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

# the server's figures: CPU ticks (utime + stime) and the writer's metrics
snap() { # NAME
    {
        awk '{print "cpu_ticks", $14 + $15}' "/proc/$CREST_PID/stat"
        curl -sf "$CREST_URL/metrics" | awk '
            /^crest_db_commits_total / {print "commits", $2}
            /^crest_db_write_jobs_total / {print "jobs", $2}
            /^crest_db_writer_prepares_total / {print "prepares", $2}
            /^crest_db_writer_seconds_total\{phase="queue"\}/ {print "queue_s", $2}
            /^crest_db_writer_seconds_total\{phase="run"\}/ {print "run_s", $2}
            /^crest_db_writer_seconds_total\{phase="commit"\}/ {print "commit_s", $2}
            /^crest_db_writer_seconds_total\{phase="sync"\}/ {print "sync_s", $2}
            /^crest_db_syncs_total / {print "syncs", $2}
            /^crest_http_request_duration_seconds_bucket\{method="POST",route="\/api\/v1\/queue\/clinics\/\{id\}\/(tickets|call-next)"/ {
                r = $0; sub(/.*route="/, "", r); sub(/".*/, "", r); sub(/.*\//, "", r)
                le = $0; sub(/.*le="/, "", le); sub(/".*/, "", le)
                print "hist_" r "_" le, $2
            }'
    } >"$TEST_TMP/$1.snap"
}
# server figures between two snaps, per request (wrk's count of requests)
server() { # BEFORE AFTER WRKNAME ROUTE(tickets|call-next)
    local n
    n=$(awk '/requests in/ {print $1}' "$TEST_TMP/$3.wrk")
    awk -v n="$n" -v hz="$(getconf CLK_TCK)" '
        FNR == NR {a[$1] = $2; next} {d[$1] = $2 - a[$1]}
        END {
            j = d["jobs"] ? d["jobs"] : 1; c = d["commits"] ? d["commits"] : 1
            s = d["syncs"] ? d["syncs"] : 1
            printf "server: CPU %.3f ms/request over %d requests; %d commits, %.1f jobs/commit, " \
                "%d fsyncs, %.1f jobs/fsync\n", 1000 * d["cpu_ticks"] / hz / (n ? n : 1), n, \
                d["commits"], d["jobs"] / c, d["syncs"], d["jobs"] / s
            printf "server: per job: waiting for the writer %.3f ms, in the writer %.3f ms, " \
                "COMMIT %.3f ms; per commit %.3f ms, per fsync %.3f ms; writer busy %.0f %%, " \
                "syncer busy %.0f %% of %.1f s; prepares/job %.2f\n", \
                1000 * d["queue_s"] / j, 1000 * d["run_s"] / j, 1000 * d["commit_s"] / j, \
                1000 * d["commit_s"] / c, 1000 * d["sync_s"] / s, \
                100 * (d["run_s"] + d["commit_s"]) / dur, 100 * d["sync_s"] / dur, dur, \
                d["prepares"] / j
            # latency inside the server (from the request line to the reply sent;
            # crest_http_request_duration_seconds): the bucket holding p50 and p99
            split("0.00025 0.0005 0.001 0.0025 0.005 0.01 0.025 0.05 0.1 0.25 1 5 +Inf", le, " ")
            tot = d["hist_" route "_+Inf"]
            if (tot > 0) {
                p50 = p99 = ""
                for (k = 1; k <= 13; k++) {
                    c = d["hist_" route "_" le[k]]
                    if (p50 == "" && c >= 0.5 * tot) p50 = le[k]
                    if (p99 == "" && c >= 0.99 * tot) p99 = le[k]
                }
                printf "server: its own latency: p50 <= %s ms, p99 <= %s ms; %.2f %% within 10 ms " \
                    "(crest_http_request_duration_seconds, %d requests)\n", \
                    p50 == "+Inf" ? p50 : 1000 * p50, p99 == "+Inf" ? p99 : 1000 * p99, \
                    100 * d["hist_" route "_0.01"] / tot, tot
            }
        }' dur="$DURATION" route="$4" "$TEST_TMP/$1.snap" "$TEST_TMP/$2.snap"
}
wrk_once() { # NAME MODE CONNS [THREADS]
    local t=${4:-2}
    snap "$1.before"
    CREST_THREADS=$t CREST_MODE=$2 wrk -t"$t" -c"$3" -d"${DURATION}s" --latency -s "$HERE/queue.lua" \
        "$CREST_URL" >"$TEST_TMP/$1.wrk" 2>&1
    snap "$1.after"
    sed 's/^/#   /' "$TEST_TMP/$1.wrk"
    server "$1.before" "$1.after" "$1" "$([ "$2" = next ] && echo call-next || echo tickets)"
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
if part tickets1; then
    echo "## queue: tickets, wrk -t1 -c1 -d${DURATION}s, one at a time ($(load))"
    wrk_once tickets1 tickets 1 1
    echo "tickets (c1): $(get tickets1 rps) req/s, $(get tickets1 statuses);" \
        "p50 $(get tickets1 p50), p99 $(get tickets1 p99)"
fi
if part tickets; then
    echo "## queue: tickets, wrk -t2 -c$CONNS -d${DURATION}s over $NCLIN clinics ($(load))"
    before=$(sqlite3 "$DB" "SELECT count(*) FROM queue_tickets")
    wrk_once tickets tickets "$CONNS"
    after=$(sqlite3 "$DB" "SELECT count(*) FROM queue_tickets")
    created=$((after - before))
    echo "tickets: $(get tickets rps) req/s, $(get tickets statuses); rows added $created" \
        "= $(awk -v n="$created" -v d="$DURATION" 'BEGIN {printf "%.0f", n / d}')/s;" \
        "p50 $(get tickets p50), p99 $(get tickets p99)"
fi

if part next; then
    echo "## queue: call-next, wrk -t2 -c16 -d${DURATION}s ($(load))"
    wrk_once next next 16
    echo "call-next (c16): $(get next rps) req/s, $(get next statuses); p50 $(get next p50), p99 $(get next p99)"
    echo "## queue: call-next, wrk -t1 -c1 -d${DURATION}s ($(load))"
    wrk_once next1 next 1 1
    echo "call-next (c1): $(get next1 rps) req/s, $(get next1 statuses); p50 $(get next1 p50), p99 $(get next1 p99)"
    # the same desk with another client: wrk reports a tail of 10-30 ms at
    # p99 for these POSTs that the server's own latency does not show and
    # that a plain sequential keep-alive client does not see (RESULTS.md)
    echo "## queue: call-next, one desk, python http.client, ${DURATION}s ($(load))"
    $PY - "${CREST_URL##*:}" "$TOKEN" "$TEST_TMP/clinics.txt" "$DURATION" <<'PYEOF'
import http.client, sys, time
port, tok, clinics, dur = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
ids = [l.strip() for l in open(clinics) if l.strip()]
c = http.client.HTTPConnection("127.0.0.1", port)
h = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
lat, st, k, end = [], {}, 0, time.time() + dur
while time.time() < end:
    t = time.perf_counter()
    c.request("POST", "/api/v1/queue/clinics/%s/call-next" % ids[k % len(ids)], '{"counter":1}', h)
    r = c.getresponse()
    r.read()
    lat.append((time.perf_counter() - t) * 1000)
    st[r.status] = st.get(r.status, 0) + 1
    k += 1
lat.sort()
n = len(lat)
print("call-next (c1, python): %d requests, statuses %s; p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.1f ms"
      % (n, st, lat[n // 2], lat[int(n * 0.9)], lat[int(n * 0.99)], lat[-1]))
PYEOF
fi
part watchers || { crest_stop; exit 0; }

# the watchers' clinic: the first one, with tickets of its own to call
CL=$(head -1 "$TEST_TMP/clinics.txt")
for _ in $(seq 10); do
    curl -sf -o /dev/null -XPOST -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' -d '{}' "$CREST_URL/api/v1/queue/clinics/$CL/tickets"
done
echo "## queue: $WATCHERS watchers of clinic $CL ($(load))"
"$BUILD_DIR/bench/sse_watch" 127.0.0.1 "${CREST_URL##*:}" "$CL" "$TOKEN" "$WATCHERS" 5
crest_stop
