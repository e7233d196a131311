#!/usr/bin/env bash
# users.sh - the `crest user` commands (issue 2, item 5): add refuses a bad
# name, role, scope or short password with a message naming the field and
# writes nothing; list shows accounts; passwd changes the password and ends
# the account's sessions; disable stops sign-in and ends sessions; each
# change leaves an audit row. The CLI is another process than the server,
# whose session cache keeps a session for at most 5 s: the checks after
# passwd/disable allow for that.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$HERE/../lib.sh"

DB="$TEST_TMP/users.db"
"$CREST_BIN" demo --db "$DB" --scale 0.01 >/dev/null 2>&1
add() { printf '%s\n' "$5" | "$CREST_BIN" user add "$1" --role "$2" --scope "$3" --db "$4" 2>&1; }
count() { sqlite3 -batch "$DB" "SELECT count(*) FROM users"; }
audits() { sqlite3 -batch "$DB" "SELECT count(*) FROM audit WHERE entity = 'user' AND entity_id = 'ops-cmd' AND action = '$1'"; }
before=$(count)

rc=0; out=$(add 'Bad Name' commander 3301 "$DB" 'a-long-password-1') || rc=$?
eq "a bad username is refused" 1 "$rc"
has "... naming the field" "username" "$out"
rc=0; out=$(add okname wizard 3301 "$DB" 'a-long-password-1') || rc=$?
eq "an unknown role is refused" 1 "$rc"
has "... naming the field" "role" "$out"
rc=0; out=$(add okname commander 3399 "$DB" 'a-long-password-1') || rc=$?
eq "a scope that is no region is refused" 1 "$rc"
has "... naming the field" "scope" "$out"
rc=0; out=$(add okname commander 3301 "$DB" 'short') || rc=$?
eq "a short password is refused" 1 "$rc"
has "... naming the field" "password" "$out"
eq "nothing was written by the refusals" "$before" "$(count)"

rc=0; add ops-cmd commander 3301 "$DB" 'first-password-1' >/dev/null || rc=$?
eq "a good user is added" 0 "$rc"
eq "... with an audit row" 1 "$(audits create)"
rc=0; out=$(add ops-cmd commander 3301 "$DB" 'first-password-1') || rc=$?
eq "the same name twice is refused" 1 "$rc"
has "... as existing" "username" "$out"
out=$("$CREST_BIN" user list --db "$DB" 2>/dev/null)
has "list shows the new account with its role and scope" "ops-cmd *commander *3301 *active" "$out"

crest_start "$DB"
login() {
    curl -s -o /dev/null -w '%{http_code}' -XPOST "$CREST_URL/api/v1/session" \
        -d "{\"username\":\"ops-cmd\",\"password\":\"$1\"}"
}
token() {
    curl -s -XPOST "$CREST_URL/api/v1/session" -d "{\"username\":\"ops-cmd\",\"password\":\"$1\"}" |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
me() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "$CREST_URL/api/v1/me"; }

T1=$(token 'first-password-1')
eq "the new account signs in" 200 "$(me "$T1")"
printf 'second-password-2\n' | "$CREST_BIN" user passwd ops-cmd --db "$DB" 2>/dev/null
eq "after passwd the old password fails" 401 "$(login 'first-password-1')"
eq "... the change has an audit row" 1 "$(audits passwd)"
T2=$(token 'second-password-2')
eq "... and the new password works" 200 "$(me "$T2")"
sleep 6 # the server's session cache keeps a session for at most 5 s
eq "passwd ended the session opened before it" 401 "$(me "$T1")"

"$CREST_BIN" user disable ops-cmd --db "$DB" 2>/dev/null
eq "a disabled account cannot sign in" 401 "$(login 'second-password-2')"
eq "... the change has an audit row" 1 "$(audits disable)"
sleep 6
eq "disable ended the open session" 401 "$(me "$T2")"
out=$("$CREST_BIN" user list --db "$DB" 2>/dev/null)
has "list shows it disabled" "ops-cmd .*disabled" "$out"
rc=0; "$CREST_BIN" user disable no-such-user --db "$DB" >/dev/null 2>&1 || rc=$?
eq "disabling an unknown user fails" 1 "$rc"
crest_stop
rc=0; "$CREST_BIN" audit verify --db "$DB" >/dev/null || rc=$?
eq "the audit chain is intact" 0 "$rc"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
