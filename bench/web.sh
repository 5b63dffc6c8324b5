#!/usr/bin/env bash
# The web server under load from a second process (wrk) on loopback, 64 connections:
#   - a signed-in customer's home page,
#   - POST /api/v1/contacts (one contact per request),
#   - POST /api/v1/contacts/batch (1,000 contacts per request),
#   - the plain limit of the same server: a static file.
# Usage: bench/web.sh DATABASE_URL [SECONDS]
# The database must hold the demo (canali demo --no-serve, or canali simulate); the script adds
# a benchmark customer login and an API token, starts `canali serve`, measures, stops it
# and prints one markdown table with the server's peak memory.
set -euo pipefail
DB="$1"
SECS="${2:-20}"
CANALI="${CANALI:-target/release/canali}"
PORT="${PORT:-18080}"
BASE="http://127.0.0.1:$PORT"
WORK="$(mktemp -d)"
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

export CANALI_USER_PASSWORD="bench-password-2011"

CANALI_WEB__LIMITS__LOGIN_PER_MINUTE=100000 CANALI_WEB__LIMITS__LOGIN_PER_ACCOUNT_PER_MINUTE=100000 \
CANALI_WEB__OUTBOX="$WORK/outbox" \
    "$CANALI" --quiet --db "$DB" serve --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "$BASE/static/canali.css" >/dev/null && break; sleep 0.2; done

# Sign the customer in, as a browser would.
jar="$WORK/cookies"
csrf() { curl -s -c "$jar" -b "$jar" "$BASE$1" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1; }
# A customer with bills and no online-branch login yet, registered here on their behalf.
PICK="SELECT code FROM customers c WHERE NOT EXISTS (SELECT 1 FROM portal_logins l WHERE l.customer_id = c.id)
      AND EXISTS (SELECT 1 FROM bills b WHERE b.customer_id = c.id) ORDER BY id LIMIT 1"
case "$DB" in
    sqlite://*) CUSTOMER_CODE=$(sqlite3 "${DB#sqlite://}" "$PICK") ;;
    *) CUSTOMER_CODE=$(psql -qtA "$DB" -c "$PICK") ;;
esac
CUSTOMER_EMAIL="bench-$$@bench.canali"
CUSTOMER_PASSWORD="bench-password-2011"
"$CANALI" --quiet --db "$DB" portal register --code "$CUSTOMER_CODE" --email "$CUSTOMER_EMAIL" >/dev/null
t=$(csrf /login)
curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$t" --data-urlencode "email=$CUSTOMER_EMAIL" \
    --data-urlencode "password=$CUSTOMER_PASSWORD" --data-urlencode "next=/home" "$BASE/login"
SESSION=$(awk '$6=="canali_session"{print $7}' "$jar")
[ -n "$SESSION" ] || { echo "the customer could not sign in" >&2; exit 1; }
curl -sf -o /dev/null -b "canali_session=$SESSION" "$BASE/home"

TOKEN=$("$CANALI" --quiet --db "$DB" token create --name "bench $$" | tail -n1)

cat >"$WORK/home.lua" <<LUA
wrk.headers["Cookie"] = "canali_session=$SESSION"
LUA
cat >"$WORK/contact.lua" <<LUA
local n = 0
local id = tostring(os.time()) .. tostring(math.random(1, 1000000))
request = function()
  n = n + 1
  local body = '{"source":"bench","external_id":"' .. id .. '-' .. n .. '","channel":"web","started_at":"2011-06-01T10:00:00+02:00","reason":"information","outcome":"resolved"}'
  return wrk.format("POST", "/api/v1/contacts", {["Authorization"]="Bearer $TOKEN", ["Content-Type"]="application/json"}, body)
end
LUA
cat >"$WORK/batch.lua" <<LUA
local n = 0
local id = tostring(os.time()) .. tostring(math.random(1, 1000000))
request = function()
  n = n + 1
  local items = {}
  for i = 1, 1000 do
    items[i] = '{"source":"bench-batch","external_id":"' .. id .. '-' .. n .. '-' .. i .. '","channel":"web","started_at":"2011-06-01T10:00:00+02:00","reason":"information","outcome":"resolved"}'
  end
  return wrk.format("POST", "/api/v1/contacts/batch", {["Authorization"]="Bearer $TOKEN", ["Content-Type"]="application/json"}, "[" .. table.concat(items, ",") .. "]")
end
LUA

run() { # name, script, path, connections
    local out
    out=$(wrk -t2 -c"$4" -d"${SECS}s" --latency ${2:+-s "$2"} "$BASE$3")
    local rps p99 non2xx
    rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
    p99=$(awk '$1=="99%"{print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/{print $5}' <<<"$out")
    printf '| %s | %s | %s | %s |\n' "$1" "$rps" "$p99" "${non2xx:-0}"
}
echo "| load (64 connections, ${SECS} s) | requests/s | p99 | non-2xx |"
echo "|---|---:|---:|---:|"
run "static file (the plain limit)" "" /static/canali.css 64
run "customer home page" "$WORK/home.lua" /home 64
run "POST /api/v1/contacts" "$WORK/contact.lua" /api/v1/contacts 64
run "POST /api/v1/contacts/batch (1,000 each)" "$WORK/batch.lua" /api/v1/contacts/batch 16
echo
echo "Server peak memory: $(awk '/VmHWM/{printf "%.0f MiB", $2/1024}' /proc/$SERVER/status)"
