# Shared shell helpers for the test, fuzz and bench scripts. Source it; do not run it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_URL="${OPENFUND_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"
# The suite talks to a local server and needs neither Kerberos nor TLS; libpq's use of
# them can crash a process that connects while it exits (see tests/api/helpers.rs).
export PGGSSENCMODE=disable PGSSLMODE=disable

log() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Fails (never skips) when PostgreSQL is not reachable: both backends are part of the suite.
require_postgres() {
  if ! psql "$PG_URL/postgres" -Atqc 'SELECT 1' >/dev/null 2>&1; then
    die "PostgreSQL is not reachable at $PG_URL (set OPENFUND_TEST_PG_URL). The suite runs on SQLite and PostgreSQL; start PostgreSQL and retry."
  fi
}

# Creates an empty PostgreSQL database and prints its URL.
create_pg_db() {
  local name="openfund_$1_$$_$RANDOM"
  psql "$PG_URL/postgres" -Atqc "CREATE DATABASE $name" >/dev/null || die "could not create database $name"
  printf '%s/%s\n' "$PG_URL" "$name"
}

drop_pg_db() {
  local name="${1##*/}"
  psql "$PG_URL/postgres" -Atqc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
}

# start_server BIN DATABASE_URL LOGFILE [extra env…]: starts `openfund serve` on a free
# port, waits until /readyz answers, and sets SERVER_PID and SERVER_URL.
start_server() {
  local bin="$1" db="$2" logfile="$3"; shift 3
  env OPENFUND_DATABASE_URL="$db" OPENFUND_BIND=127.0.0.1:0 OPENFUND_LOG="${OPENFUND_LOG:-warn}" "$@" \
    "$bin" serve >"$logfile" 2>&1 &
  SERVER_PID=$!
  SERVER_URL=""
  local i
  for i in $(seq 1 300); do
    SERVER_URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$logfile" | head -n 1 || true)
    if [ -n "$SERVER_URL" ] && curl -fsS "$SERVER_URL/readyz" >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$logfile" >&2; die "openfund serve exited early"; }
    sleep 0.1
  done
  cat "$logfile" >&2
  die "openfund serve did not become ready"
}

stop_server() {
  if [ -n "${SERVER_PID:-}" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

# access_token URL EMAIL PASSWORD: signs in and prints the session's access token.
access_token() {
  local url="$1" email="$2" password="$3"
  curl -fsS -X POST "$url/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' || die "sign-in as $email failed"
}

# api_token URL EMAIL PASSWORD [SCOPES]: signs in and prints a new personal API token
# with SCOPES (a JSON list; default ["read","write"]).
api_token() {
  local url="$1" email="$2" password="$3" scopes="${4:-[\"read\",\"write\"]}" access
  access=$(access_token "$url" "$email" "$password")
  curl -fsS -X POST "$url/api/v1/me/tokens" -H 'content-type: application/json' -H "authorization: Bearer $access" \
    -d "{\"name\":\"test suite\",\"scopes\":$scopes}" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])' || die "creating an API token failed"
}
