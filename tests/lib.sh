# tests/lib.sh - shared shell helpers for the tests that need real servers.
# Source it; set CREST_BIN to the binary under test. Everything it starts is
# registered for cleanup on exit, so a failing test leaves nothing running.
#
#   free_port                 print a free TCP port on 127.0.0.1
#   pg_start                  start a throwaway PostgreSQL cluster; sets PG_URL
#   crest_start DB [ARGS…]    start `crest serve` on a free port; sets CREST_URL, CREST_PID
#   crest_stop                stop it (SIGTERM, then wait)
#   crest_user NAME ROLE SCOPE PASSWORD DB   add a user (cheap argon2 for tests)

set -u
CREST_BIN=${CREST_BIN:-build-check/crest}
CREST_SRC=${CREST_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
TEST_TMP=$(mktemp -d /tmp/crest-test.XXXXXX)
chmod 755 "$TEST_TMP"
# new password hashes in tests use 8 MiB instead of 64 MiB: same code path, faster suite
export CREST_ARGON2_MEMLIMIT_KB=${CREST_ARGON2_MEMLIMIT_KB:-8192}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
_cleanups=()

_run_cleanups() {
    local i
    for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do eval "${_cleanups[$i]}" || true; done
    rm -rf "$TEST_TMP"
}
trap _run_cleanups EXIT

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

pg_start() {
    local bindir dir port
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    dir="$TEST_TMP/pg"
    mkdir -p "$dir"
    chown postgres:postgres "$dir" 2>/dev/null || true
    port=$(free_port)
    # initdb and pg_ctl refuse to run as root
    local as=""
    [ "$(id -u)" -eq 0 ] && as="runuser -u postgres --"
    $as "$bindir/initdb" -D "$dir/data" -A trust -U crest >"$TEST_TMP/initdb.log" 2>&1 ||
        { cat "$TEST_TMP/initdb.log" >&2; return 1; }
    $as "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on" \
        start >/dev/null || { cat "$dir/log" >&2; return 1; }
    _cleanups+=("$as $bindir/pg_ctl -D $dir/data -m immediate stop >/dev/null 2>&1")
    "$bindir/psql" -h 127.0.0.1 -p "$port" -U crest -d postgres -qAt \
        -c "CREATE DATABASE crest_test" >/dev/null
    PG_URL="postgres://crest@127.0.0.1:$port/crest_test"
    PG_PORT=$port
    export PG_URL PG_PORT
}

# _kill_child PID PARENT: stop PID only if it is still PARENT's child. After
# crest_stop or a kill -9 the PID is free, and with pid_max 32768 another
# process (someone else's) may hold it by the time the cleanups run.
_kill_child() {
    [ "$(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ')" = "$2" ] || return 0
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

crest_start() {
    local db=$1
    shift
    local port
    port=$(free_port)
    CREST_LOG="$TEST_TMP/serve-$port.log"
    "$CREST_BIN" serve --db "$db" --listen "127.0.0.1:$port" --web "$CREST_SRC/web" "$@" \
        2>"$CREST_LOG" &
    CREST_PID=$!
    CREST_URL="http://127.0.0.1:$port"
    _cleanups+=("_kill_child $CREST_PID $BASHPID")
    local i
    for i in $(seq 1 200); do
        if curl -sf "$CREST_URL/healthz" >/dev/null 2>&1; then
            export CREST_URL CREST_PID CREST_LOG
            return 0
        fi
        if ! kill -0 "$CREST_PID" 2>/dev/null; then
            echo "crest serve exited at start:" >&2
            cat "$CREST_LOG" >&2
            return 1
        fi
        sleep 0.05
    done
    echo "crest serve did not answer /healthz" >&2
    cat "$CREST_LOG" >&2
    return 1
}

# Stop the server; fail if it did not exit cleanly (ASan reports leaks at exit).
crest_stop() {
    kill -TERM "$CREST_PID" 2>/dev/null || return 0
    local rc=0
    wait "$CREST_PID" || rc=$?
    if [ $rc -ne 0 ]; then
        echo "crest serve exited with $rc:" >&2
        tail -50 "$CREST_LOG" >&2
        return 1
    fi
}

crest_user() {
    printf '%s\n' "$4" | "$CREST_BIN" user add "$1" --role "$2" --scope "$3" --db "$5" 2>/dev/null
}

# ---- assertions for the shell tests (ops/): one line each, a summary at the end
PASS=0
FAIL=0
ok() {
    echo "ok - $1"
    PASS=$((PASS + 1))
}
bad() {
    echo "FAIL - $1"
    FAIL=$((FAIL + 1))
}
# check DESCRIPTION COMMAND…: passes when the command succeeds
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
# eq DESCRIPTION EXPECTED ACTUAL
eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else bad "$1 (expected '$2', got '$3')"; fi
}
# has DESCRIPTION PATTERN TEXT: the text matches the grep pattern
has() {
    if grep -q -- "$2" <<<"$3"; then ok "$1"; else bad "$1 (no '$2' in: $3)"; fi
}
