#!/usr/bin/env bash
# CI: the API keeps its contract (docs/api.md, "The contract"). On a small demo database, on
# SQLite and on PostgreSQL, the served OpenAPI document is validated as OpenAPI 3.1, schemathesis
# runs every check against it for a bounded time, and a client generated from it runs a short
# integration script (tests/api_client.py). Any 5xx or contract failure fails the step.
#
# Usage: .ci/api-contract.sh [SECONDS]   schemathesis's time per backend (default 60)
# CANALI_CONTRACT_SEED sets schemathesis's seed (default 2011).
# Needs python3 (with venv) and, for the PostgreSQL half, a server at $CANALI_CONTRACT_POSTGRES
# (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_BACKEND="${1:-60}"
PG="${CANALI_CONTRACT_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
WORK=target/api-contract
VENV="${CANALI_CONTRACT_VENV:-$WORK/venv}"
mkdir -p "$WORK"

# The tools, pinned: a new release changes what the checks find.
if [ ! -x "$VENV/bin/schemathesis" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        schemathesis==4.32.5 openapi-spec-validator==0.9.0 openapi-python-client==0.29.1
fi

VENV="$(cd "$VENV" && pwd)"

# CANALI_BIN: a canali binary built already (the build is skipped).
CANALI="${CANALI_BIN:-target/debug/canali}"
if [ -z "${CANALI_BIN:-}" ]; then
    cargo build --locked --quiet --bin canali
fi

server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap stop_server EXIT

# Serves DATABASE on a free port; sets BASE and TOKEN.
serve() {
    local db="$1" port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    TOKEN=$("$CANALI" --db "$db" --quiet token create --name "api contract" | tail -n1)
    "$CANALI" --db "$db" --quiet serve --bind "127.0.0.1:$port" >"$WORK/serve.log" 2>&1 &
    server_pid=$!
    BASE="http://127.0.0.1:$port"
    for _ in $(seq 1 60); do
        curl -fsS "$BASE/readyz" >/dev/null 2>&1 && return 0
        sleep 1
    done
    echo "the server did not start on $db:" >&2
    cat "$WORK/serve.log" >&2
    return 1
}

check_backend() {
    local name="$1" db="$2"
    # A quarter of the demo utility's history: a few thousand customers and their contacts.
    "$CANALI" --db "$db" --quiet simulate --scale 0.01 --from 2011-01-01 --to 2011-03-31 >/dev/null
    serve "$db"
    echo "== $name: the served OpenAPI document is valid OpenAPI 3.1"
    curl -fsS "$BASE/api/openapi.json" -o "$WORK/openapi.json"
    "$VENV/bin/openapi-spec-validator" "$WORK/openapi.json"

    echo "== $name: schemathesis, every check, ${SECONDS_PER_BACKEND}s"
    "$VENV/bin/schemathesis" --config-file .ci/schemathesis.toml run "$BASE/api/openapi.json" \
        --checks all \
        --header "Authorization: Bearer $TOKEN" \
        --max-examples 50 \
        --max-time "$SECONDS_PER_BACKEND" \
        --seed "${CANALI_CONTRACT_SEED:-2011}" \
        --generation-database none \
        --request-timeout 10 \
        --no-color

    echo "== $name: a client generated from the document runs the integration script"
    rm -rf "$WORK/client"
    # The generator formats its output with ruff, from the venv.
    (cd "$WORK" && PATH="$VENV/bin:$PATH" openapi-python-client generate \
        --path openapi.json --output-path client --overwrite >/dev/null)
    PYTHONPATH="$WORK/client" "$VENV/bin/python" .ci/api_client.py "$BASE" "$TOKEN"
    stop_server
}

rm -f "$WORK"/contract.db*
check_backend sqlite "sqlite://$WORK/contract.db"

scratch=canali_api_contract
psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $scratch" -c "CREATE DATABASE $scratch"
check_backend postgres "$PG/$scratch"
psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $scratch"
echo "api contract: both backends passed"
