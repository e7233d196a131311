#!/usr/bin/env bash
# supply_verify.sh - `crest supply verify` finds a ledger out of step (issue
# 7): on the demo (--scale 0.01) the ledger is consistent (exit 0); then, each
# on its own copy of the SQLite file and with the sqlite3 CLI: a balance
# changed without a movement; a movement deleted; a movement's quantity
# changed so that the running balance went below zero at some point; a
# transfer's in-leg deleted (with its balance, so only the pairing breaks).
# Each time verify exits 3 and says what is wrong.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"

DB="$TEST_TMP/supply.db"
CI=1 "$CREST_BIN" demo --db "$DB" --scale 0.01 >/dev/null 2>&1

verify() { # DB → prints the report; the exit status in $rc
    rc=0
    out=$("$CREST_BIN" supply verify --db "$1" 2>&1) || rc=$?
}

tamper() { # NAME SQL…: a fresh copy with SQL applied; prints its path
    local copy="$TEST_TMP/$1.db"
    shift
    sqlite3 -batch "$DB" ".backup '$copy'"
    sqlite3 -batch -bail "$copy" "$@" >/dev/null
    echo "$copy"
}

verify "$DB"
eq "the demo's ledger: crest supply verify exits 0" 0 "$rc"
has "it says consistent" "consistent" "$out"

# a direct transfer (two legs) made by hand the way the API makes them, so
# there is one to break
S=$(sqlite3 "$DB" "SELECT site_id FROM supply_balances WHERE batch_id = 0 AND qty > 10 LIMIT 1")
I=$(sqlite3 "$DB" "SELECT item_id FROM supply_balances WHERE site_id = $S AND batch_id = 0 AND qty > 10 LIMIT 1")
T=$(sqlite3 "$DB" "SELECT id FROM facilities WHERE kind = 'hospital' AND id <> $S LIMIT 1")
sqlite3 -batch -bail "$DB" "
  INSERT INTO supply_movements (site_id, region, item_id, batch_id, kind, qty, date, at_ms, user_id)
    SELECT $S, region, $I, 0, 'transfer_out', -5, '2022-12-28', 0, 0 FROM facilities WHERE id = $S;
  UPDATE supply_balances SET qty = qty - 5 WHERE site_id = $S AND item_id = $I AND batch_id = 0;
  INSERT INTO supply_movements (site_id, region, item_id, batch_id, kind, qty, pair_id, date, at_ms, user_id)
    SELECT $T, region, $I, 0, 'transfer_in', 5, (SELECT max(id) FROM supply_movements), '2022-12-28', 0, 0
    FROM facilities WHERE id = $T;
  INSERT INTO supply_balances (site_id, item_id, batch_id, region, qty)
    SELECT $T, $I, 0, region, 5 FROM facilities WHERE id = $T
    ON CONFLICT (site_id, item_id, batch_id) DO UPDATE SET qty = supply_balances.qty + 5;"
verify "$DB"
eq "with a hand-made transfer: still consistent (exit 0)" 0 "$rc"

B=$(sqlite3 "$DB" "SELECT rowid FROM supply_balances WHERE qty > 0 LIMIT 1")
copy=$(tamper balance "UPDATE supply_balances SET qty = qty + 1 WHERE rowid = $B")
verify "$copy"
eq "a balance changed without a movement: exit 3" 3 "$rc"
has "... one balance differs from its movements" "1 balances differ" "$out"

M=$(sqlite3 "$DB" "SELECT min(id) FROM supply_movements WHERE kind = 'issue'")
copy=$(tamper deleted "DELETE FROM supply_movements WHERE id = $M")
verify "$copy"
eq "a movement deleted: exit 3" 3 "$rc"
has "... its balance no longer matches" "1 balances differ" "$out"

# the opening receipt of that site/item made smaller and the balance kept in
# step: the sums agree, but the issues ran the balance below zero
R=$(sqlite3 "$DB" "SELECT r.id FROM supply_movements r WHERE r.kind = 'receipt' AND EXISTS (SELECT 1
    FROM supply_movements i WHERE i.kind = 'issue' AND i.site_id = r.site_id AND i.item_id = r.item_id
    AND i.batch_id = r.batch_id AND i.qty < -1) LIMIT 1")
copy=$(tamper negative "
  UPDATE supply_balances SET qty = qty - (SELECT qty - 1 FROM supply_movements WHERE id = $R)
    WHERE (site_id, item_id, batch_id) = (SELECT site_id, item_id, batch_id FROM supply_movements WHERE id = $R)
    AND qty >= (SELECT qty - 1 FROM supply_movements WHERE id = $R);
  UPDATE supply_movements SET qty = 1 WHERE id = $R")
verify "$copy"
eq "a running balance that went below zero: exit 3" 3 "$rc"
has "... it is counted" "[1-9][0-9]* running balances below zero" "$out"

P=$(sqlite3 "$DB" "SELECT id FROM supply_movements WHERE kind = 'transfer_in' AND pair_id IS NOT NULL LIMIT 1")
copy=$(tamper unpaired "
  UPDATE supply_balances SET qty = qty - 5 WHERE site_id = $T AND item_id = $I AND batch_id = 0;
  DELETE FROM supply_movements WHERE id = $P")
verify "$copy"
eq "a transfer without its in-leg: exit 3" 3 "$rc"
has "... it is named as unpaired" "1 unpaired" "$out"

verify "$DB"
eq "the original still verifies" 0 "$rc"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
