#!/usr/bin/env bash
# audit.sh - `crest audit verify` finds tampering (issue 2, item 7).
# After writes through the API the chain is intact (exit 0). Then, each on its
# own copy of the SQLite file and with the sqlite3 CLI: a column of a middle
# row changed; a middle row deleted; a middle row changed *and* its own hash
# recomputed so only the next row's link breaks; a prev_hash rewritten; the
# last row changed; two rows changed. Each time verify exits 3 and names the
# first broken row.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"

PY=/usr/bin/python3 # Debian's; the first python3 on PATH is another one
LOAD="$HERE/load.py"
PASSWORD='audit-test-password-1'


# recompute_hash DB ID: print the hash crest would give row ID as it is now
# (same recipe as src/db/audit.c: the columns unit-separated, then sha256)
recompute_hash() {
    sqlite3 -batch -json "$1" "SELECT id, at_ms, user_id, username, role, action, entity,
        entity_id, region, addr, prev_hash FROM audit WHERE id = $2" |
        "$PY" -c '
import hashlib, json, sys
r = json.load(sys.stdin)[0]
cols = ["id", "at_ms", "user_id", "username", "role", "action", "entity", "entity_id",
        "region", "addr", "prev_hash"]
text = "\x1f".join("" if r[c] is None else str(r[c]) for c in cols)
print(hashlib.sha256(text.encode("utf-8")).hexdigest())'
}

# tamper NAME SQL…: a fresh copy of the database with SQL applied; prints its path
tamper() {
    local copy="$TEST_TMP/$1.db"
    shift
    sqlite3 -batch "$DB" ".backup '$copy'"
    sqlite3 -batch -bail "$copy" "$@" >/dev/null
    echo "$copy"
}

# expect_broken WHAT DB ID [REASON]: verify exits 3 and names row ID first
expect_broken() {
    local what=$1 db=$2 id=$3 reason=${4:-} out rc=0
    out=$("$CREST_BIN" audit verify --db "$db" 2>&1) || rc=$?
    echo "# $out"
    eq "$what: crest audit verify exits 3" 3 "$rc"
    if grep -q "BROKEN at row $id:" <<<"$out"; then
        ok "$what: it names row $id as the first broken one"
    else
        bad "$what: it names row $id as the first broken one"
    fi
    if [ -n "$reason" ]; then
        if grep -qF "$reason" <<<"$out"; then ok "$what: it says '$reason'"; else bad "$what: it says '$reason'"; fi
    fi
}

DB="$TEST_TMP/audit.db"
echo "# demo province into $DB"
"$CREST_BIN" demo --db "$DB" >"$TEST_TMP/demo.log" 2>&1 || {
    cat "$TEST_TMP/demo.log" >&2
    exit 1
}
crest_user auditcmd commander 33 "$PASSWORD" "$DB"
sqlite3 -batch "$DB" "SELECT code FROM regions WHERE level = 'community' ORDER BY code LIMIT 1" \
    >"$TEST_TMP/communities"
crest_start "$DB" --threads 4
TOKEN=$("$PY" "$LOAD" login "$CREST_URL" auditcmd "$PASSWORD")
mkdir -p "$TEST_TMP/load"
"$PY" "$LOAD" write "$CREST_URL" "$TOKEN" "$TEST_TMP/communities" "$TEST_TMP/load" --conns 4 >/dev/null
eq "100 grids written through the API" 100 "$(wc -l <"$TEST_TMP/load/acked" | tr -d ' ')"
crest_stop

ROWS=$(sqlite3 -batch "$DB" "SELECT count(*) FROM audit")
eq "every write left an audit row (demo + user add + login + 100 grids)" 103 "$ROWS"
rc=0
out=$("$CREST_BIN" audit verify --db "$DB" 2>&1) || rc=$?
echo "# $out"
eq "untouched database: crest audit verify exits 0" 0 "$rc"
LAST=$(sqlite3 -batch "$DB" "SELECT id || ' hash ' || hash FROM audit ORDER BY id DESC LIMIT 1")
eq "untouched database: it says the chain is intact, with the last row's hash to keep" \
    "audit chain intact: $ROWS rows, last row $LAST" "$out"

M=$((ROWS / 2))
NEXT=$((M + 1))
eq "this test's hash recipe matches crest's (row $M)" \
    "$(sqlite3 -batch "$DB" "SELECT hash FROM audit WHERE id = $M")" "$(recompute_hash "$DB" "$M")"

copy=$(tamper intact "UPDATE audit SET id = id WHERE 0")
rc=0
"$CREST_BIN" audit verify --db "$copy" >/dev/null 2>&1 || rc=$?
eq "a plain copy verifies (exit 0)" 0 "$rc"

# (a) one column of a middle row changed
copy=$(tamper changed "UPDATE audit SET entity_id = '330102001001999' WHERE id = $M")
expect_broken "(a) entity_id of row $M changed" "$copy" "$M" "do not match its hash"
copy=$(tamper changed-time "UPDATE audit SET at_ms = at_ms + 1 WHERE id = $M")
expect_broken "(a') at_ms of row $M moved by 1 ms" "$copy" "$M" "do not match its hash"

# (b) a middle row deleted: the chain breaks at the row after the gap
copy=$(tamper deleted "DELETE FROM audit WHERE id = $M")
expect_broken "(b) row $M deleted" "$copy" "$NEXT" "row $M missing"

# (c) a middle row changed and its own hash recomputed: row M is
# self-consistent, so only the next row's prev_hash link gives it away
copy=$(tamper rehashed "UPDATE audit SET action = 'read', username = 'nobody' WHERE id = $M")
sqlite3 -batch -bail "$copy" "UPDATE audit SET hash = '$(recompute_hash "$copy" "$M")' WHERE id = $M"
eq "(c) row $M's new hash is consistent with its new contents" \
    "$(sqlite3 -batch "$copy" "SELECT hash FROM audit WHERE id = $M")" "$(recompute_hash "$copy" "$M")"
expect_broken "(c) row $M changed and rehashed" "$copy" "$NEXT" "prev_hash does not match row $M"

# (d) only the prev_hash of a middle row rewritten: caught at that row
copy=$(tamper relinked "UPDATE audit SET prev_hash = '$(printf 'f%.0s' $(seq 64))' WHERE id = $M")
expect_broken "(d) prev_hash of row $M rewritten" "$copy" "$M" "prev_hash does not match row $((M - 1))"

# (e) the last row changed: no next row, its own hash gives it away
copy=$(tamper last "UPDATE audit SET region = '3302' WHERE id = $ROWS")
expect_broken "(e) last row ($ROWS) changed" "$copy" "$ROWS" "do not match its hash"

# (f) two rows changed: the first one is named
copy=$(tamper two "UPDATE audit SET addr = '10.0.0.1' WHERE id IN ($M, $((M + 10)))")
expect_broken "(f) rows $M and $((M + 10)) changed" "$copy" "$M"

# (g) the first row changed
copy=$(tamper first "UPDATE audit SET role = 'admin' WHERE id = 1")
expect_broken "(g) row 1 changed" "$copy" 1 "do not match its hash"

# a mistyped path is an error, not an empty chain that is "intact"
rc=0
"$CREST_BIN" audit verify --db "$TEST_TMP/typo.db" >/dev/null 2>&1 || rc=$?
eq "a database that does not exist: crest audit verify exits 1" 1 "$rc"
if [ -e "$TEST_TMP/typo.db" ]; then bad "... and creates no database"; else ok "... and creates no database"; fi

# the original is still intact after all this
rc=0
"$CREST_BIN" audit verify --db "$DB" >/dev/null 2>&1 || rc=$?
eq "the original database still verifies" 0 "$rc"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
