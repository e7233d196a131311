#!/bin/bash
# tests/e2e/run.sh - the web UI end to end, in Debian's headless Chromium
# driven by playwright-core (node --test runs tests/e2e/*.test.mjs).
#
# Builds a demo province in a temp SQLite file, keeps the logins `crest demo`
# prints once, serves it with the UI from web/, runs the tests, and stops the
# server (which must exit cleanly: ASan reports leaks at exit).
#
#   CREST_BIN=build-check/crest bash tests/e2e/run.sh                 # the tests
#   CREST_BIN=build/crest bash tests/e2e/run.sh --screenshots [DIR]  # docs/screenshots/
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib.sh"

mode=${1:-test}
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    echo "e2e: $CHROMIUM not found; scripts/install-deps installs Debian's chromium" >&2
    exit 1
fi
if [ ! -d "$CREST_SRC/node_modules/playwright-core" ] || [ ! -f "$CREST_SRC/node_modules/echarts/dist/echarts.min.js" ]; then
    echo "e2e: node_modules incomplete; run scripts/web-deps (make web)" >&2
    exit 1
fi

db="$TEST_TMP/demo.db"
# tests use the small default province; screenshots show the whole one, as
# `make run` does, so the figures in the README are the real demo's
scale=0.05
[ "$mode" = "--screenshots" ] && scale=1
if ! "$CREST_BIN" demo --db "$db" --scale "$scale" >"$TEST_TMP/logins.txt" 2>"$TEST_TMP/demo.log"; then
    echo "e2e: crest demo failed:" >&2
    cat "$TEST_TMP/demo.log" >&2
    exit 1
fi
# the table after the "username role scope password" header → JSON {name: password}
export E2E_LOGINS="$TEST_TMP/logins.json"
awk 'f && NF == 4 { printf "%s\"%s\":\"%s\"", n++ ? "," : "{", $1, $4 }
     $1 == "username" && $4 == "password" { f = 1 }
     END { print n ? "}" : "{}" }' "$TEST_TMP/logins.txt" >"$E2E_LOGINS"
if ! grep -q '"grid":' "$E2E_LOGINS"; then
    echo "e2e: could not read the demo logins from crest demo's output:" >&2
    cat "$TEST_TMP/logins.txt" >&2
    exit 1
fi

crest_start "$db" || exit 1
cd "$CREST_SRC" || exit 1
rc=0
if [ "$mode" = "--screenshots" ]; then
    SCREENSHOT_DIR=${2:-$CREST_SRC/docs/screenshots} node "$here/screenshots.mjs" || rc=$?
else
    node --test "$here"/*.test.mjs || rc=$?
fi
crest_stop || rc=1
exit $rc
