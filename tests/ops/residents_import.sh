#!/usr/bin/env bash
# residents_import.sh - `crest residents import FILE` (issue 5, item 1: bulk
# import with a row-by-row error report and no partial import unless
# --skip-bad), run as a community office would, on the real binary.
#
# On SQLite, with a roster of two good rows and one with a wrong check digit:
# without --skip-bad it exits 1, names "row 3: id_number" and writes nothing
# (no person, no audit row); --dry-run writes nothing, with or without
# --skip-bad; --skip-bad writes exactly the two good persons and one audit
# row naming the command line; running it again writes nothing (the IDs are
# registered). The same roster as XLSX. --scope leaves out a grid outside it
# (an error on "grid"); an unknown scope, a missing column, a file over the
# row cap (CSV and XLSX), a missing database, a bad option: each refused,
# nothing written. The audit chain verifies at the end. Then the same
# all-or-nothing / --skip-bad pair on a throwaway PostgreSQL.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"

PY=/usr/bin/python3 # Debian's; the first python3 on PATH is another one
GRID=330102001001001  # a grid of the demo's region tree (under 3301, Hangzhou)

# idn BODY17: BODY17 with its GB 11643 check digit
idn() {
    "$PY" -c '
import sys
b = sys.argv[1]
w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
print(b + "10X98765432"[sum(int(c) * x for c, x in zip(b, w)) % 11])' "$1"
}
# wrong_check ID: the same ID with another check digit
wrong_check() {
    local id=$1
    if [ "${id:17:1}" = 0 ]; then echo "${id:0:17}1"; else echo "${id:0:17}0"; fi
}

import() { "$CREST_BIN" residents import "$@"; }

# ---------------------------------------------------------------- SQLite
DB="$TEST_TMP/import.db"
"$CREST_BIN" demo --db "$DB" --scale 0.01 >/dev/null 2>"$TEST_TMP/demo.log" || {
    cat "$TEST_TMP/demo.log" >&2
    exit 1
}
persons() { sqlite3 -batch "$DB" "SELECT count(*) FROM persons"; }
has_id() { sqlite3 -batch "$DB" "SELECT count(*) FROM persons WHERE id_number = '$1'"; }
cli_audits() {
    sqlite3 -batch "$DB" "SELECT count(*) FROM audit WHERE action = 'import' AND entity = 'person'
        AND role = 'cli' AND addr = 'cli' AND user_id = 0"
}

A=$(idn 33010219420101001)
B=$(idn 33010219900505002)
BAD=$(wrong_check "$(idn 33010219800808003)")
CSV="$TEST_TMP/roster.csv"
# the office's own headers (Chinese), CRLF as Excel writes them; line 3 is bad
printf '身份证号,姓名,网格代码,联系电话,独居,慢性病\r\n%s,赵大爷,%s,13800001111,是,高血压\r\n%s,孙某,%s,,,\r\n%s,钱女士,%s,13800002222,否,\r\n' \
    "$A" "$GRID" "$BAD" "$GRID" "$B" "$GRID" >"$CSV"
before=$(persons)

rc=0; out=$(import "$CSV" --db "$DB" 2>&1) || rc=$?
echo "# $out"
eq "a bad row without --skip-bad: exit 1" 1 "$rc"
has "... the report names row 3 and id_number, with the API's message" \
    "^row 3: id_number: The ID number's check digit is wrong" "$out"
eq "... one line per bad field: the good rows are not named" 1 "$(grep -c '^row ' <<<"$out")"
has "... the summary says nothing was imported" \
    "^nothing imported: 1 bad row; fix them or use --skip-bad$" "$out"
eq "... no person written" "$before" "$(persons)"
eq "... no audit row written" 0 "$(cli_audits)"

rc=0; out=$(import "$CSV" --db "$DB" --dry-run 2>&1) || rc=$?
eq "--dry-run with a bad row: exit 1, as the real run would" 1 "$rc"
has "... the same row report" "^row 3: id_number: " "$out"
eq "... no person written" "$before" "$(persons)"
rc=0; out=$(import "$CSV" --db "$DB" --dry-run --skip-bad 2>&1) || rc=$?
eq "--dry-run --skip-bad: exit 0" 0 "$rc"
has "... says what would be imported" "^dry run: 3 rows, 1 bad, 2 would be imported; nothing written$" "$out"
eq "... no person written" "$before" "$(persons)"
eq "... no audit row written" 0 "$(cli_audits)"

rc=0; out=$(import "$CSV" --db "$DB" --skip-bad 2>&1) || rc=$?
echo "# $out"
eq "--skip-bad: exit 0" 0 "$rc"
has "... the bad row is still reported" "^row 3: id_number: " "$out"
has "... the summary line" "^3 rows, 1 bad, 2 imported$" "$out"
eq "... exactly two persons written" "$((before + 2))" "$(persons)"
eq "... the two good ones" "1 1 0" "$(has_id "$A") $(has_id "$B") $(has_id "$BAD")"
eq "... decoded as over HTTP (是 → living alone, 高血压 → hypertension)" "1|hypertension" \
    "$(sqlite3 -batch "$DB" "SELECT living_alone, chronic FROM persons WHERE id_number = '$A'")"
eq "... one audit row: the command line imported 2 persons in scope 33" "2|33" \
    "$(sqlite3 -batch "$DB" "SELECT entity_id, region FROM audit WHERE action = 'import'
        AND entity = 'person' AND role = 'cli' AND addr = 'cli' AND username = '-'")"

rc=0; out=$(import "$CSV" --db "$DB" 2>&1) || rc=$?
eq "the same file again: exit 1" 1 "$rc"
has "... row 2 is already registered" "^row 2: id_number: This ID number is already registered" "$out"
eq "... nothing written" "$((before + 2))" "$(persons)"

# a lookup that fails is the database's fault, not the row's: the row was
# not checked, so it is not reported as valid (a copy without the persons
# table makes the "already registered" lookup fail)
BROKEN="$TEST_TMP/broken.db"
sqlite3 -batch "$DB" ".backup '$BROKEN'"
sqlite3 -batch "$BROKEN" "DROP TABLE persons"
ONE="$TEST_TMP/one.csv"
printf 'id_number,name,grid\n%s,周某,%s\n' "$(idn 33010219700303004)" "$GRID" >"$ONE"
rc=0; out=$(import "$ONE" --db "$BROKEN" --dry-run 2>&1) || rc=$?
eq "a failing lookup in a dry run: exit 1" 1 "$rc"
has "... says the import failed and why" "^crest: import failed: .*persons" "$out"
has "... and that nothing was imported" "^nothing imported$" "$out"

# the same roster as an XLSX (new ID numbers): rows are the sheet's rows
C=$(idn 33010219550303004)
D=$(idn 33010220100606005)
BAD2=$(wrong_check "$(idn 33010219600909006)")
printf 'id_number,name,grid\n%s,Li,%s\n%s,Zhou,%s\n%s,Wu,%s\n' \
    "$C" "$GRID" "$BAD2" "$GRID" "$D" "$GRID" >"$TEST_TMP/x.csv"
XLSX="$TEST_TMP/roster.xlsx"
"$PY" "$HERE/roster_xlsx.py" "$TEST_TMP/x.csv" "$XLSX"
before=$(persons)
rc=0; out=$(import "$XLSX" --db "$DB" 2>&1) || rc=$?
eq "XLSX with a bad row: exit 1" 1 "$rc"
has "... names row 3 and id_number" "^row 3: id_number: " "$out"
eq "... nothing written" "$before" "$(persons)"
rc=0; out=$(import "$XLSX" --db "$DB" --skip-bad 2>&1) || rc=$?
eq "XLSX --skip-bad: exit 0" 0 "$rc"
has "... the summary line" "^3 rows, 1 bad, 2 imported$" "$out"
eq "... exactly two persons written" "$((before + 2))" "$(persons)"

# --scope: only grids under it; 3302 (Ningbo) does not hold a Hangzhou grid
E=$(idn 33010219700101007)
printf 'id_number,name,grid\n%s,Zheng,%s\n' "$E" "$GRID" >"$TEST_TMP/scope.csv"
before=$(persons)
rc=0; out=$(import "$TEST_TMP/scope.csv" --db "$DB" --scope 3302 2>&1) || rc=$?
eq "a grid outside --scope: exit 1" 1 "$rc"
has "... a row error naming grid" "^row 2: grid: " "$out"
eq "... nothing written" "$before" "$(persons)"
rc=0; out=$(import "$TEST_TMP/scope.csv" --db "$DB" --scope 3399 2>&1) || rc=$?
eq "a --scope that is no region: exit 1" 1 "$rc"
has "... naming --scope" "scope" "$out"
rc=0; import "$TEST_TMP/scope.csv" --db "$DB" --scope 3301 >/dev/null 2>&1 || rc=$?
eq "the same row within --scope 3301: exit 0" 0 "$rc"
eq "... written" 1 "$(has_id "$E")"

# the file's own faults: nothing is checked row by row, nothing written
before=$(persons)
printf 'id_number,name\n%s,Feng\n' "$(idn 33010219700101008)" >"$TEST_TMP/nogrid.csv"
rc=0; out=$(import "$TEST_TMP/nogrid.csv" --db "$DB" 2>&1) || rc=$?
eq "a missing grid column: exit 1" 1 "$rc"
has "... naming the column" "nogrid.csv: grid: A required column is missing" "$out"
"$PY" - "$TEST_TMP/big.csv" "$GRID" <<'EOF'
import sys
w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
def idn(b):
    return b + "10X98765432"[sum(int(c) * x for c, x in zip(b, w)) % 11]
with open(sys.argv[1], "w") as f:
    f.write("id_number,name,grid\n")
    for i in range(50001):
        f.write("%s,P%d,%s\n" % (idn("3301021%03d0101%03d" % (900 + i // 1000 % 100, i % 1000)), i, sys.argv[2]))
EOF
"$PY" "$HERE/roster_xlsx.py" "$TEST_TMP/big.csv" "$TEST_TMP/big.xlsx"
for f in big.csv big.xlsx; do
    rc=0; out=$(import "$TEST_TMP/$f" --db "$DB" --skip-bad 2>&1) || rc=$?
    eq "$f, 50,001 rows: exit 1 even with --skip-bad" 1 "$rc"
    has "... the row cap named" "$f: file: At most 50000 rows per import" "$out"
    has "... a progress line while reading" "^crest: 50000 rows read$" "$out"
done
eq "... nothing written by any of them" "$before" "$(persons)"
rc=0; import "$CSV" --db "$TEST_TMP/typo.db" >/dev/null 2>&1 || rc=$?
eq "a database that does not exist: exit 1" 1 "$rc"
if [ -e "$TEST_TMP/typo.db" ]; then bad "... and creates none"; else ok "... and creates none"; fi
rc=0; import "$CSV" --db "$DB" --skip-bda >/dev/null 2>&1 || rc=$?
eq "an unknown option: exit 2" 2 "$rc"
rc=0; import --db "$DB" >/dev/null 2>&1 || rc=$?
eq "no FILE: exit 2" 2 "$rc"
has "crest help lists the command" "residents import FILE" "$("$CREST_BIN" help)"

rc=0; "$CREST_BIN" audit verify --db "$DB" >/dev/null || rc=$?
eq "the audit chain is intact" 0 "$rc"

# ---------------------------------------------------------------- PostgreSQL
pg_start
"$CREST_BIN" demo --db "$PG_URL" --scale 0.01 >/dev/null 2>"$TEST_TMP/demo-pg.log" || {
    cat "$TEST_TMP/demo-pg.log" >&2
    exit 1
}
PSQL=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/psql
pg() { "$PSQL" -h 127.0.0.1 -p "$PG_PORT" -U crest -d crest_test -qAt -c "$1"; }
before=$(pg "SELECT count(*) FROM persons")
rc=0; out=$(import "$CSV" --db "$PG_URL" 2>&1) || rc=$?
eq "PostgreSQL, a bad row: exit 1" 1 "$rc"
has "... names row 3 and id_number" "^row 3: id_number: " "$out"
eq "... nothing written" "$before" "$(pg "SELECT count(*) FROM persons")"
rc=0; out=$(import "$CSV" --db "$PG_URL" --skip-bad 2>&1) || rc=$?
eq "PostgreSQL, --skip-bad: exit 0" 0 "$rc"
has "... the summary line" "^3 rows, 1 bad, 2 imported$" "$out"
eq "... exactly two persons written" "$((before + 2))" "$(pg "SELECT count(*) FROM persons")"
eq "... with one audit row naming the command line" "2|33" \
    "$(pg "SELECT entity_id, region FROM audit WHERE action = 'import' AND entity = 'person'
        AND role = 'cli' AND addr = 'cli'")"
rc=0; "$CREST_BIN" audit verify --db "$PG_URL" >/dev/null || rc=$?
eq "... the audit chain is intact" 0 "$rc"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
