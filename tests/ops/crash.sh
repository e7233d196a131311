#!/usr/bin/env bash
# crash.sh - `kill -9` of `crest serve` in the middle of a write load loses no
# acknowledged write, on SQLite and on PostgreSQL (issue 2, "Bad input and
# faults"). A client on 8 keep-alive connections POSTs new grids and records
# every code before it is sent and again once it was answered 201; the server
# is killed while the load runs and restarted on the same database. Then:
# every acknowledged code answers 200, the database holds nothing that was
# never sent, every grid has its audit row (same transaction), and
# `crest audit verify` passes. On PostgreSQL the cluster is also stopped in
# immediate mode (its own crash) before crest comes back.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"

PY=/usr/bin/python3 # Debian's; the first python3 on PATH is another one
LOAD="$HERE/load.py"
PASSWORD='crash-test-password-1'
CONNS=8


# sql STATEMENT: run against the current backend, print rows one per line
sql() {
    if [ "$BACKEND" = sqlite ]; then
        sqlite3 -batch -bail "$DB" "$1"
    else
        psql "$DB" -qAt -v ON_ERROR_STOP=1 -c "$1"
    fi
}

# our grids: suffixes 900..999, which the demo does not use
OURS="level = 'grid' AND substr(code, 13) >= '900'"

# seed_from_sqlite SQLITE_DB PG_URL: migrate, then copy the region tree above
# the grids (~19,000 rows) in one COPY: 1 s, where `crest demo` on
# PostgreSQL takes 15-30 s here
seed_from_sqlite() {
    "$CREST_BIN" migrate --db "$2" >/dev/null 2>&1
    # one line: \copy ends at the end of the line
    local cols="code, parent, level, name, name_en, kind, population, population_source, version, created_ms, updated_ms"
    sqlite3 -batch -csv "$1" "SELECT $cols FROM regions WHERE level <> 'grid'" |
        psql "$2" -q -v ON_ERROR_STOP=1 -c "\copy regions ($cols) FROM STDIN WITH (FORMAT csv)"
}

# run_case BACKEND DB [SQLITE_DB]: the demo province, or the tree copied from SQLITE_DB
run_case() {
    BACKEND=$1
    DB=$2
    local out="$TEST_TMP/$BACKEND"
    mkdir -p "$out"
    local t0=$SECONDS
    if [ $# -ge 3 ]; then
        echo "# $BACKEND: region tree copied from $3 into $DB"
        seed_from_sqlite "$3" "$DB"
    else
        echo "# $BACKEND: demo province into $DB"
        "$CREST_BIN" demo --db "$DB" >"$out/demo.log" 2>&1 || {
            cat "$out/demo.log" >&2
            bad "$BACKEND: crest demo"
            return
        }
    fi
    echo "# $BACKEND: set-up took $((SECONDS - t0)) s"
    crest_user crashcmd commander 33 "$PASSWORD" "$DB"
    sql "SELECT code FROM regions WHERE level = 'community' ORDER BY code LIMIT 200" \
        >"$out/communities"
    eq "$BACKEND: 200 communities to write under" 200 "$(wc -l <"$out/communities")"
    eq "$BACKEND: no grid in the 900..999 range before the load" 0 \
        "$(sql "SELECT count(*) FROM regions WHERE $OURS")"

    crest_start "$DB" --threads "$CONNS"
    local token
    token=$("$PY" "$LOAD" login "$CREST_URL" crashcmd "$PASSWORD")
    echo "# $BACKEND: load on $CONNS connections against $CREST_URL"
    "$PY" "$LOAD" write "$CREST_URL" "$token" "$out/communities" "$out" \
        --conns "$CONNS" --seconds 60 >"$out/load.log" 2>&1 &
    local load_pid=$!
    # let the load run: first some acknowledged writes, then ~2.5 s more
    for _ in $(seq 1 300); do
        [ -s "$out/acked" ] && [ "$(wc -l <"$out/acked")" -ge 50 ] && break
        kill -0 "$load_pid" 2>/dev/null || break
        sleep 0.1
    done
    sleep 2.5
    curl -s "$CREST_URL/metrics" | grep -E '^crest_db_commit_batch_size_(sum|count)' |
        sed "s/^/# $BACKEND: /" || true
    check "$BACKEND: load still running when the server is killed" kill -0 "$load_pid"
    local acked_before
    acked_before=$(wc -l <"$out/acked")
    kill -9 "$CREST_PID"
    wait "$CREST_PID" 2>/dev/null || true
    echo "# $BACKEND: kill -9 with about $acked_before writes acknowledged so far"
    wait "$load_pid" || true
    cat "$out/load.log"
    eq "$BACKEND: every load connection was cut off by the kill" "$CONNS" \
        "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["ended_by"]["conn_error"])' \
            "$out/summary.json")"
    eq "$BACKEND: no answer other than 201 before the kill" "{}" \
        "$("$PY" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["other_status"]))' \
            "$out/summary.json")"
    check "$BACKEND: at least 100 writes acknowledged before the kill" \
        [ "$(wc -l <"$out/acked")" -ge 100 ]

    if [ "$BACKEND" = pg ]; then
        # the database server crashes too: no shutdown checkpoint
        local bindir as=""
        bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
        [ "$(id -u)" -eq 0 ] && as="runuser -u postgres --"
        $as "$bindir/pg_ctl" -D "$TEST_TMP/pg/data" -m immediate stop >/dev/null
        $as "$bindir/pg_ctl" -D "$TEST_TMP/pg/data" -l "$TEST_TMP/pg/log" -w \
            -o "-p $PG_PORT -k $TEST_TMP/pg -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on" \
            start >/dev/null
        echo "# pg: cluster stopped in immediate mode and restarted (crash recovery)"
    fi

    local vout rc=0
    vout=$("$CREST_BIN" audit verify --db "$DB" 2>&1) || rc=$?
    echo "# $vout"
    eq "$BACKEND: crest audit verify passes after the crash" 0 "$rc"

    crest_start "$DB" --threads "$CONNS"
    token=$("$PY" "$LOAD" login "$CREST_URL" crashcmd "$PASSWORD")
    local gout
    rc=0
    gout=$("$PY" "$LOAD" get "$CREST_URL" "$token" "$out/acked" 2>&1) || rc=$?
    echo "# $gout"
    eq "$BACKEND: every acknowledged grid answers 200 after restart" 0 "$rc"
    sql "SELECT code FROM regions WHERE $OURS ORDER BY code" >"$out/found"
    rc=0
    gout=$("$PY" "$LOAD" compare "$out/acked" "$out/sent" "$out/found" 2>&1) || rc=$?
    echo "$gout" | sed 's/^/# /'
    eq "$BACKEND: database holds every acknowledged grid and none never sent" 0 "$rc"
    eq "$BACKEND: every grid written has its audit row" 0 \
        "$(sql "SELECT count(*) FROM regions r WHERE r.$OURS AND NOT EXISTS (SELECT 1 FROM audit a
                WHERE a.entity = 'region' AND a.action = 'create' AND a.entity_id = r.code)")"
    eq "$BACKEND: no audit row for a grid that is not there" 0 \
        "$(sql "SELECT count(*) FROM audit a WHERE a.entity = 'region' AND a.action = 'create'
                AND length(a.entity_id) = 15 AND substr(a.entity_id, 13) >= '900'
                AND NOT EXISTS (SELECT 1 FROM regions r WHERE r.code = a.entity_id)")"
    # the server keeps taking writes after the crash
    local code
    code="$(head -1 "$out/communities")999"
    if grep -qx "$code" "$out/found"; then code="$(sed -n 2p "$out/communities")999"; fi
    eq "$BACKEND: a new write after restart is accepted" 201 \
        "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
            -H 'Content-Type: application/json' \
            -d "{\"parent\":\"${code:0:12}\",\"code\":\"$code\",\"name\":\"after\",\"level\":\"grid\"}" \
            "$CREST_URL/api/v1/regions")"
    check "$BACKEND: restarted server stops cleanly" crest_stop
    rc=0
    "$CREST_BIN" audit verify --db "$DB" >/dev/null 2>&1 || rc=$?
    eq "$BACKEND: crest audit verify passes at the end" 0 "$rc"
}

run_case sqlite "$TEST_TMP/crash.db"
pg_start
run_case pg "$PG_URL" "$TEST_TMP/crash.db"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
