#!/usr/bin/env bash
# backup.sh - backup and restore (issue 2, item 8).
# SQLite: `crest backup` while the server runs and takes writes gives a copy
# that opens, passes its integrity check and `crest audit verify`, holds every
# region written before the backup started and is a consistent snapshot (no
# grid without its audit row); `crest restore` of it into another database
# (new, and over an existing one) gives a database a server serves. backup
# never overwrites a file nor backs up a database that is not there; restore
# refuses a postgres:// database and backup refuses one, each pointing at the
# PostgreSQL tools. PostgreSQL (a throwaway cluster, the region tree copied
# in from the SQLite demo): the path in docs/operations.md (pg_dump -Fc of
# the running database → a new database → pg_restore) gives a database
# `crest audit verify` accepts and `crest serve` serves and writes to.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"

PY=/usr/bin/python3 # Debian's; the first python3 on PATH is another one
LOAD="$HERE/load.py"
PASSWORD='backup-test-password-1'

lines() { wc -l <"$1" | tr -d ' '; }
json_field() { "$PY" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))[sys.argv[2]]))' "$1" "$2"; }

OURS="level = 'grid' AND substr(code, 13) >= '900'"
# a grid without its audit row would mean the copy is not one snapshot
ORPHANS="SELECT count(*) FROM regions r WHERE r.$OURS AND NOT EXISTS (SELECT 1 FROM audit a
         WHERE a.entity = 'region' AND a.action = 'create' AND a.entity_id = r.code)"

# ---------------------------------------------------------------- SQLite
DB="$TEST_TMP/live.db"
BK="$TEST_TMP/backup.db"
OTHER="$TEST_TMP/other.db"
OUT="$TEST_TMP/sqlite"
mkdir -p "$OUT/before" "$OUT/during"
echo "# sqlite: demo province into $DB"
"$CREST_BIN" demo --db "$DB" >"$OUT/demo.log" 2>&1 || {
    cat "$OUT/demo.log" >&2
    exit 1
}
crest_user backupcmd commander 33 "$PASSWORD" "$DB"
sqlite3 -batch "$DB" "SELECT code FROM regions WHERE level = 'community' ORDER BY code LIMIT 1" \
    >"$OUT/before/communities"
sqlite3 -batch "$DB" "SELECT code FROM regions WHERE level = 'community' ORDER BY code LIMIT 300 OFFSET 1" \
    >"$OUT/during/communities"
crest_start "$DB" --threads 4
TOKEN=$("$PY" "$LOAD" login "$CREST_URL" backupcmd "$PASSWORD")

# 100 grids acknowledged before the backup starts
"$PY" "$LOAD" write "$CREST_URL" "$TOKEN" "$OUT/before/communities" "$OUT/before" --conns 4 >/dev/null
eq "sqlite: 100 grids written before the backup" 100 "$(lines "$OUT/before/acked")"

# then a write load that runs through the backup
"$PY" "$LOAD" write "$CREST_URL" "$TOKEN" "$OUT/during/communities" "$OUT/during" --conns 4 \
    --seconds 90 --stop-file "$OUT/stop" >"$OUT/during/load.log" 2>&1 &
LOAD_PID=$!
for _ in $(seq 1 300); do
    [ -s "$OUT/during/acked" ] && [ "$(lines "$OUT/during/acked")" -ge 50 ] && break
    sleep 0.1
done
acked_at_start=$(lines "$OUT/during/acked")
rc=0
"$CREST_BIN" backup "$BK" --db "$DB" >"$OUT/backup.log" 2>&1 || rc=$?
acked_at_end=$(lines "$OUT/during/acked")
sed 's/^/# /' "$OUT/backup.log"
eq "sqlite: crest backup while the server takes writes exits 0" 0 "$rc"
echo "# sqlite: $((acked_at_end - acked_at_start)) writes acknowledged while the backup ran"
# the server keeps acknowledging writes after the backup too
for _ in $(seq 1 100); do
    [ "$(lines "$OUT/during/acked")" -ge $((acked_at_end + 20)) ] && break
    sleep 0.1
done
check "sqlite: writes keep being acknowledged after the backup" \
    [ "$(lines "$OUT/during/acked")" -ge $((acked_at_end + 20)) ]
touch "$OUT/stop"
wait "$LOAD_PID" || true
sed 's/^/# /' "$OUT/during/load.log"
eq "sqlite: the load got only 201 answers through the backup" "{}" \
    "$(json_field "$OUT/during/summary.json" other_status)"
eq "sqlite: no load connection failed" 0 "$(json_field "$OUT/during/summary.json" conn_errors)"

check "sqlite: the backup file exists" [ -s "$BK" ]
check "sqlite: the backup needs no -wal file beside it" [ ! -s "$BK-wal" ]
eq "sqlite: the backup passes PRAGMA integrity_check" ok \
    "$(sqlite3 -batch "$BK" 'PRAGMA integrity_check' 2>&1)"
bk_sum=$(sha256sum <"$BK")
rc=0
vout=$("$CREST_BIN" audit verify --db "$BK" 2>&1) || rc=$?
echo "# $vout"
eq "sqlite: crest audit verify passes on the backup" 0 "$rc"
eq "sqlite: ... and leaves the backup file as it was" "$bk_sum" "$(sha256sum <"$BK")"
sqlite3 -batch "$BK" "SELECT code FROM regions WHERE $OURS ORDER BY code" >"$OUT/bk_codes"
eq "sqlite: the backup holds every grid written before it started" 0 \
    "$(comm -23 <(sort "$OUT/before/acked") "$OUT/bk_codes" | wc -l)"
cat "$OUT/before/sent" "$OUT/during/sent" | sort >"$OUT/all_sent"
eq "sqlite: the backup holds nothing that was never sent" 0 \
    "$(comm -13 "$OUT/all_sent" "$OUT/bk_codes" | wc -l)"
eq "sqlite: the backup is one snapshot (every grid has its audit row)" 0 \
    "$(sqlite3 -batch "$BK" "$ORPHANS")"
# everything acknowledged before the backup started is in; what came during may or may not be
echo "# sqlite: backup holds $(lines "$OUT/bk_codes") of our grids" \
    "($(lines "$OUT/before/acked") before, $acked_at_start..$acked_at_end during)"
eq "sqlite: the backup holds the $acked_at_start load writes acknowledged when it started" 0 \
    "$(comm -23 <(head -n "$acked_at_start" "$OUT/during/acked" | sort) "$OUT/bk_codes" | wc -l)"

# backup never overwrites
sum_before=$(sha256sum <"$BK")
rc=0
msg=$("$CREST_BIN" backup "$BK" --db "$DB" 2>&1) || rc=$?
echo "# $msg" | head -1
check "sqlite: crest backup onto an existing file fails" [ "$rc" -ne 0 ]
check "sqlite: ... and says the file exists" grep -q "exists" <<<"$msg"
eq "sqlite: ... and leaves the file untouched" "$sum_before" "$(sha256sum <"$BK")"
check "sqlite: the live server still answers after the backups" \
    curl -sf -o /dev/null "$CREST_URL/healthz"
check "sqlite: the live server stops cleanly" crest_stop

# restore into a new database and serve it
rc=0
"$CREST_BIN" restore "$BK" --db "$OTHER" >"$OUT/restore.log" 2>&1 || rc=$?
sed 's/^/# /' "$OUT/restore.log"
eq "sqlite: crest restore into a new database exits 0" 0 "$rc"
check "sqlite: restore leaves no temporary file" [ ! -e "$OTHER.restore-tmp" ]
crest_start "$OTHER"
TOKEN2=$("$PY" "$LOAD" login "$CREST_URL" backupcmd "$PASSWORD")
rc=0
gout=$("$PY" "$LOAD" get "$CREST_URL" "$TOKEN2" "$OUT/before/acked" 2>&1) || rc=$?
echo "# $gout"
eq "sqlite: a server on the restored database serves the grids written before the backup" 0 "$rc"
eq "sqlite: the restored database holds exactly the backup's grids" \
    "$(lines "$OUT/bk_codes")" "$(sqlite3 -batch "$OTHER" "SELECT count(*) FROM regions WHERE $OURS")"
# a write on the restored database, then restore over it: the write is gone
extra="$(head -1 "$OUT/before/communities")899"
eq "sqlite: the restored database takes a new write" 201 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN2" \
        -H 'Content-Type: application/json' \
        -d "{\"parent\":\"${extra:0:12}\",\"code\":\"$extra\",\"name\":\"after restore\",\"level\":\"grid\"}" \
        "$CREST_URL/api/v1/regions")"
check "sqlite: the server on the restored database stops cleanly" crest_stop
rc=0
"$CREST_BIN" restore "$BK" --db "$OTHER" >/dev/null 2>&1 || rc=$?
eq "sqlite: crest restore over an existing database exits 0" 0 "$rc"
eq "sqlite: ... and replaces it (the later write is gone)" 0 \
    "$(sqlite3 -batch "$OTHER" "SELECT count(*) FROM regions WHERE code = '$extra'")"
eq "sqlite: ... and keeps the backup's grids" "$(lines "$OUT/bk_codes")" \
    "$(sqlite3 -batch "$OTHER" "SELECT count(*) FROM regions WHERE $OURS")"
rc=0
"$CREST_BIN" audit verify --db "$OTHER" >/dev/null 2>&1 || rc=$?
eq "sqlite: crest audit verify passes on the restored database" 0 "$rc"

# a mistyped database path is an error, not an empty backup
rc=0
msg=$("$CREST_BIN" backup "$TEST_TMP/typo-backup.db" --db "$TEST_TMP/typo.db" 2>&1) || rc=$?
echo "# $msg" | head -1
check "backup of a database that does not exist fails" [ "$rc" -ne 0 ]
check "... and writes no backup file" [ ! -e "$TEST_TMP/typo-backup.db" ]
check "... and creates no database" [ ! -e "$TEST_TMP/typo.db" ]

# restore refuses PostgreSQL, clearly, touching nothing
rc=0
msg=$("$CREST_BIN" restore "$BK" --db "postgres://crest@127.0.0.1:1/none" 2>&1) || rc=$?
echo "# $msg" | head -1
check "restore onto a postgres:// database fails" [ "$rc" -ne 0 ]
check "... with a message that points to pg_restore" grep -q "pg_restore" <<<"$msg"
rc=0
msg=$("$CREST_BIN" restore "$TEST_TMP/no-such-backup.db" --db "$OTHER" 2>&1) || rc=$?
check "restore from a missing file fails" [ "$rc" -ne 0 ]
check "... and does not create the file" [ ! -e "$TEST_TMP/no-such-backup.db" ]

# ------------------------------------------------------------ PostgreSQL
pg_start
BINDIR=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PG_BASE="postgres://crest@127.0.0.1:$PG_PORT"
OUT="$TEST_TMP/pg"
mkdir -p "$OUT/before"
# the region tree above the grids, copied from the SQLite demo in one COPY
# (1 s; `crest demo` on PostgreSQL takes 15-30 s here)
echo "# pg: region tree copied from $DB into $PG_URL"
"$CREST_BIN" migrate --db "$PG_URL" >/dev/null 2>&1
# one line: \copy ends at the end of the line
COLS="code, parent, level, name, name_en, kind, population, population_source, version, created_ms, updated_ms"
sqlite3 -batch -csv "$DB" "SELECT $COLS FROM regions WHERE level <> 'grid'" |
    psql "$PG_URL" -q -v ON_ERROR_STOP=1 -c "\copy regions ($COLS) FROM STDIN WITH (FORMAT csv)"
crest_user backupcmd commander 33 "$PASSWORD" "$PG_URL"

rc=0
msg=$("$CREST_BIN" backup "$TEST_TMP/pg-backup.db" --db "$PG_URL" 2>&1) || rc=$?
echo "# $msg" | head -1
check "pg: crest backup of a postgres:// database fails" [ "$rc" -ne 0 ]
check "... with a message that points to pg_dump" grep -q "pg_dump" <<<"$msg"
check "... and writes no file" [ ! -e "$TEST_TMP/pg-backup.db" ]

psql "$PG_URL" -qAt -c "SELECT code FROM regions WHERE level = 'community' ORDER BY code LIMIT 1" \
    >"$OUT/before/communities"
crest_start "$PG_URL" --threads 4
TOKEN=$("$PY" "$LOAD" login "$CREST_URL" backupcmd "$PASSWORD")
"$PY" "$LOAD" write "$CREST_URL" "$TOKEN" "$OUT/before/communities" "$OUT/before" --conns 4 >/dev/null
eq "pg: 100 grids written before the dump" 100 "$(lines "$OUT/before/acked")"
# docs/operations.md: pg_dump -Fc, createdb, pg_restore (the server keeps running)
t0=$SECONDS
rc=0
"$BINDIR/pg_dump" -Fc -d "$PG_URL" -f "$OUT/crest.dump" 2>"$OUT/dump.log" || rc=$?
eq "pg: pg_dump -Fc of the running database exits 0" 0 "$rc"
check "pg: the live server stops cleanly" crest_stop
psql "$PG_BASE/postgres" -qAt -c "CREATE DATABASE crest_restored" >/dev/null
rc=0
"$BINDIR/pg_restore" -d "$PG_BASE/crest_restored" "$OUT/crest.dump" 2>"$OUT/restore.log" || rc=$?
head -5 "$OUT/restore.log" | sed 's/^/# /'
eq "pg: pg_restore into a new database exits 0" 0 "$rc"
echo "# pg: dump and restore took $((SECONDS - t0)) s"
rc=0
vout=$("$CREST_BIN" audit verify --db "$PG_BASE/crest_restored" 2>&1) || rc=$?
echo "# $vout"
eq "pg: crest audit verify passes on the restored database" 0 "$rc"
eq "pg: the restored database has every audit row" \
    "$(psql "$PG_URL" -qAt -c 'SELECT count(*) FROM audit')" \
    "$(psql "$PG_BASE/crest_restored" -qAt -c 'SELECT count(*) FROM audit')"
crest_start "$PG_BASE/crest_restored"
TOKEN2=$("$PY" "$LOAD" login "$CREST_URL" backupcmd "$PASSWORD")
rc=0
gout=$("$PY" "$LOAD" get "$CREST_URL" "$TOKEN2" "$OUT/before/acked" 2>&1) || rc=$?
echo "# $gout"
eq "pg: a server on the restored database serves the grids written before the dump" 0 "$rc"
extra="$(head -1 "$OUT/before/communities")899"
eq "pg: the restored database takes a new write" 201 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN2" \
        -H 'Content-Type: application/json' \
        -d "{\"parent\":\"${extra:0:12}\",\"code\":\"$extra\",\"name\":\"after restore\",\"level\":\"grid\"}" \
        "$CREST_URL/api/v1/regions")"
check "pg: the server on the restored database stops cleanly" crest_stop
# users.id comes from a sequence: pg_restore must have carried its position
check "pg: a new user can be added to the restored database" \
    crest_user second commander 33 "$PASSWORD" "$PG_BASE/crest_restored"
rc=0
"$CREST_BIN" audit verify --db "$PG_BASE/crest_restored" >/dev/null 2>&1 || rc=$?
eq "pg: crest audit verify still passes after a write on the restored database" 0 "$rc"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
