#!/bin/bash
# tests/api/run.sh BACKEND API_TEST_BIN [PILLAR_TEST_BIN...] - the HTTP API
# suite against a live `crest serve`, on SQLite (a temp file) or PostgreSQL (a
# throwaway cluster made with initdb/pg_ctl on a free port, removed on exit).
#
# It builds the demo (region tree, facilities, a year of capacity reports,
# scenario date 2022-12-28), adds one api-ROLE user per role (scopes as the
# demo's logins, src/demo/demo.c) plus api-throttle for the throttling case,
# all with one random password, binds api-hospital to the demo `hospital`
# login's facility, starts the server with a short idle timeout, runs
# API_TEST_BIN (tests/api/api_test.c) and then each PILLAR_TEST_BIN
# (tests/api/<pillar>_test.c; default: every *_test beside API_TEST_BIN)
# against the same server, stops the server (which must exit 0: ASan checks
# for leaks at exit) and verifies the audit chain.
#
#   CREST_BIN=build-check/crest bash tests/api/run.sh sqlite build-check/tests/api_test
set -u
if [ $# -lt 2 ] || { [ "$1" != sqlite ] && [ "$1" != pg ]; }; then
    echo "usage: $0 sqlite|pg API_TEST_BIN [PILLAR_TEST_BIN...]" >&2
    exit 2
fi
backend=$1
api_test=$2
shift 2
pillars=("$@")
if [ ${#pillars[@]} -eq 0 ]; then
    for f in "$(dirname "$api_test")"/*_test; do
        [ "$f" != "$api_test" ] && [ -x "$f" ] && pillars+=("$f")
    done
fi
for f in "${pillars[@]}"; do
    if [ ! -x "$f" ]; then
        echo "$0: $f is not an executable (build its target)" >&2
        exit 2
    fi
done
# shellcheck source=tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

say() { echo "api[$backend]: $*" >&2; }

case $backend in
sqlite) DB="$TEST_TMP/api.db" ;;
pg)
    pg_start || { say "cannot start PostgreSQL"; exit 1; }
    DB=$PG_URL
    ;;
esac

say "demo region tree…"
# the demo prints its own users' random passwords: not wanted here
if ! "$CREST_BIN" demo --db "$DB" --scale 0.01 >/dev/null 2>"$TEST_TMP/demo.log"; then
    cat "$TEST_TMP/demo.log" >&2
    exit 1
fi

API_PASSWORD="api-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export API_PASSWORD
users=(
    "admin admin 33"
    "commander commander 330106"
    "hospital hospital 330106"
    "clinic clinic 330106"
    "grid grid 330106004001001"
    "pharmacy pharmacy 330106"
    "insurer insurer 3301"
    "venue venue 330106004"
    "vaccinator vaccinator 330106004"
    "resident resident 330106004001001"
    "throttle resident 330106004001001"
)
say "users…"
for u in "${users[@]}"; do
    read -r name role scope <<<"$u"
    crest_user "api-$name" "$role" "$scope" "$API_PASSWORD" "$DB" ||
        { say "cannot add user api-$name"; exit 1; }
done
# a hospital login needs its facility: the one the demo binds `hospital` to
# (queue pillar: and api-clinic the fever clinic the demo binds `clinic` to)
bind="UPDATE users SET facility_id = (SELECT facility_id FROM users WHERE username = 'hospital')
      WHERE username = 'api-hospital';
      UPDATE users SET facility_id = (SELECT facility_id FROM users WHERE username = 'clinic')
      WHERE username = 'api-clinic'"
case $backend in
sqlite) sqlite3 "$DB" "$bind" ;;
pg) psql "$PG_URL" -qAt -v ON_ERROR_STOP=1 -c "$bind" >/dev/null ;;
esac || { say "cannot bind api-hospital to a facility"; exit 1; }
# supply pillar: api-pharmacy holds the demo `pharmacy` login's pharmacy
bind="UPDATE users SET facility_id = (SELECT facility_id FROM users WHERE username = 'pharmacy')
      WHERE username = 'api-pharmacy'"
case $backend in
sqlite) sqlite3 "$DB" "$bind" ;;
pg) psql "$PG_URL" -qAt -v ON_ERROR_STOP=1 -c "$bind" >/dev/null ;;
esac || { say "cannot bind api-pharmacy to a facility"; exit 1; }

API_CONN_TIMEOUT=3
API_ROUTES="$CREST_SRC/src/routes.c"
export API_ROUTES
export API_CONN_TIMEOUT
crest_start "$DB" --conn-timeout "$API_CONN_TIMEOUT" || exit 1
say "server at $CREST_URL, running $api_test"

rc=0
"$api_test" || rc=1
for f in "${pillars[@]}"; do
    say "running $f"
    "$f" || rc=1
done

crest_stop || { say "crest serve did not exit cleanly"; rc=1; }
if ! "$CREST_BIN" audit verify --db "$DB" >"$TEST_TMP/audit.log" 2>&1; then
    say "audit chain broken:"
    cat "$TEST_TMP/audit.log" >&2
    rc=1
fi
# supply pillar: every stock balance still equals its movements
if ! "$CREST_BIN" supply verify --db "$DB" >"$TEST_TMP/supply.log" 2>&1; then
    say "supply ledger inconsistent:"
    cat "$TEST_TMP/supply.log" >&2
    rc=1
fi
if grep -qE "ERROR|runtime error|AddressSanitizer" "$CREST_LOG"; then
    say "the server logged errors:"
    grep -E "ERROR|runtime error|AddressSanitizer" "$CREST_LOG" | head -20 >&2
    rc=1
fi
if [ $rc -eq 0 ]; then say "ok"; else say "FAILED"; fi
exit $rc
