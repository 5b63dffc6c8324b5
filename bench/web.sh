#!/usr/bin/env bash
# The web server under load from a second process (wrk) on loopback:
#   - the plain limit of the same server: a static file (64 connections),
#   - a signed-in customer's home page (64 connections),
#   - POST /api/v1/contacts, one contact per request (64 connections),
#   - POST /api/v1/contacts/batch, 1,000 contacts per request (16 connections).
# Usage: bench/web.sh DATABASE_URL [SECONDS]
#
# DATABASE_URL holds the utility to read (the full-size demo: `canali demo --no-serve`, or
# `canali simulate`). The script never writes there: it copies it into a scratch database of its
# own (SQLite: the online backup API into a scratch folder; PostgreSQL: `CREATE DATABASE ...
# TEMPLATE`, which needs nobody else connected to it), adds a customer login and an API token
# to the copy, serves the copy, measures, and drops the copy at the end.
#
# Every contact posted has an id no other thread or run uses (the run id, the wrk thread, a
# counter), under a source of the run's own, so that the contacts stored are read back from the
# database and counted, not inferred from the requests. The script prints one markdown section.
set -euo pipefail
DB="$1"
SECS="${2:-20}"
CANALI="${CANALI:-target/release/canali}"
PORT="${PORT:-18080}"
BASE="http://127.0.0.1:$PORT"
WORK="$(mktemp -d)"
RUN="$(date -u +%Y%m%d%H%M%S)-$$"
SCRATCH_PG=""
cleanup() {
    if [ -n "${SERVER:-}" ]; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
    if [ -n "$SCRATCH_PG" ]; then
        psql -qtA "$ADMIN" -c "DROP DATABASE IF EXISTS \"$SCRATCH_PG\"" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# The scratch copy, and a way to run one SQL statement on it.
case "$DB" in
    sqlite://*)
        SOURCE="${DB#sqlite://}"
        [ -f "$SOURCE" ] || { echo "no SQLite database at $SOURCE" >&2; exit 1; }
        echo "copying $SOURCE into a scratch database..." >&2
        sqlite3 "file:$SOURCE?mode=ro" ".backup '$WORK/scratch.db'"
        URL="sqlite://$WORK/scratch.db"
        sql() { sqlite3 "$WORK/scratch.db" "$1"; }
        ;;
    postgres://* | postgresql://*)
        # The same server, its maintenance database, and a scratch database named for the run.
        base="${DB%%\?*}"
        query=""
        [ "$base" != "$DB" ] && query="?${DB#*\?}"
        given="${base##*/}"
        server="${base%/*}"
        SCRATCH_PG="canali_web_bench_${RUN//-/_}"
        ADMIN="$server/postgres$query"
        URL="$server/$SCRATCH_PG$query"
        echo "copying database $given into $SCRATCH_PG..." >&2
        psql -qtA "$ADMIN" -v ON_ERROR_STOP=1 \
            -c "CREATE DATABASE \"$SCRATCH_PG\" TEMPLATE \"$given\" STRATEGY FILE_COPY" >/dev/null || {
            echo "could not copy $given (is anyone connected to it?): nothing was written there" >&2
            SCRATCH_PG=""
            exit 1
        }
        sql() { psql -qtA "$URL" -c "$1"; }
        ;;
    *)
        echo "DATABASE_URL must be sqlite://FILE or postgres://..." >&2
        exit 1
        ;;
esac

export CANALI_USER_PASSWORD="bench-password-2011"

CANALI_WEB__LIMITS__LOGIN_PER_MINUTE=100000 CANALI_WEB__LIMITS__LOGIN_PER_ACCOUNT_PER_MINUTE=100000 \
CANALI_WEB__OUTBOX="$WORK/outbox" \
    "$CANALI" --quiet --db "$URL" serve --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 300); do curl -sf "$BASE/static/canali.css" >/dev/null && break; sleep 0.2; done
curl -sf -o /dev/null "$BASE/static/canali.css" || { cat "$WORK/server.log" >&2; exit 1; }

# Sign the customer in, as a browser would.
jar="$WORK/cookies"
csrf() { curl -s -c "$jar" -b "$jar" "$BASE$1" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1; }
# A customer with bills and no online-branch login yet, registered here on their behalf.
CUSTOMER_CODE=$(sql "SELECT code FROM customers c WHERE NOT EXISTS (SELECT 1 FROM portal_logins l WHERE l.customer_id = c.id)
      AND EXISTS (SELECT 1 FROM bills b WHERE b.customer_id = c.id) ORDER BY id LIMIT 1")
CUSTOMER_EMAIL="bench-$$@bench.canali"
CUSTOMER_PASSWORD="bench-password-2011"
"$CANALI" --quiet --db "$URL" portal register --code "$CUSTOMER_CODE" --email "$CUSTOMER_EMAIL" >/dev/null
t=$(csrf /login)
curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf=$t" --data-urlencode "email=$CUSTOMER_EMAIL" \
    --data-urlencode "password=$CUSTOMER_PASSWORD" --data-urlencode "next=/home" "$BASE/login"
SESSION=$(awk '$6=="canali_session"{print $7}' "$jar")
[ -n "$SESSION" ] || { echo "the customer could not sign in" >&2; exit 1; }
curl -sf -o /dev/null -b "canali_session=$SESSION" "$BASE/home" || { echo "the home page failed:" >&2; tail -n5 "$WORK/server.log" >&2; exit 1; }

TOKEN=$("$CANALI" --quiet --db "$URL" token create --name "bench $RUN" | tail -n1)

# The cookies a browser sends after signing in: the session and the form token's.
CSRF_COOKIE=$(awk '$6=="canali_csrf"{print $7}' "$jar")
cat >"$WORK/home.lua" <<LUA
wrk.headers["Cookie"] = "canali_session=$SESSION; canali_csrf=$CSRF_COOKIE"
LUA
# Each wrk thread gets its number in setup(); a contact's id is the run, the thread and the
# thread's counter. response() counts the 201 Created answers (new contacts) per thread.
posting() { # source, contacts per request
    cat <<LUA
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
local function item(id)
  return '{"source":"$1","external_id":"' .. id .. '","channel":"web","started_at":"2011-06-01T10:00:00+02:00","reason":"information","outcome":"resolved"}'
end
function init(args)
  n = 0
  created = 0
  headers = {["Authorization"]="Bearer $TOKEN", ["Content-Type"]="application/json"}
  -- The body once, with # where each request writes its number (the client's own cost
  -- stays small: it shares the machine with the server).
  local items = {}
  for i = 1, $2 do items[i] = item("$RUN-" .. tid .. "-#-" .. i) end
  body = table.concat(items, ",")
  if $2 > 1 then body = "[" .. body .. "]" end
end
request = function()
  n = n + 1
  return wrk.format("POST", nil, headers, (string.gsub(body, "#", tostring(n))))
end
response = function(status, headers, body)
  if status == 201 then created = created + 1 end
  if $2 > 1 and status == 200 then
    created = created + tonumber(string.match(body, '"inserted":(%d+)') or 0)
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("created") end
  io.write(string.format("created-by-responses %d\n", total))
end
LUA
}
SINGLE="bench-$RUN"
BATCH="bench-batch-$RUN"
posting "$SINGLE" 1 >"$WORK/contact.lua"
posting "$BATCH" 1000 >"$WORK/batch.lua"

stored() { sql "SELECT COUNT(*) FROM contacts WHERE source = '$1'"; }
# A number rounded, with thousands separated: 12,345.
commas() {
    awk -v n="$1" 'BEGIN { s = sprintf("%.0f", n); r = ""
        while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
        print s r }'
}

run() { # name, script, path, connections, source (of the contacts posted, or empty)
    local out rps p99 non2xx before after answered new
    [ -n "$5" ] && before=$(stored "$5")
    out=$(wrk -t2 -c"$4" -d"${SECS}s" --latency ${2:+-s "$2"} "$BASE$3")
    rps=$(commas "$(awk '/Requests\/sec/{print $2}' <<<"$out")")
    p99=$(awk '$1=="99%"{print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/{print $5}' <<<"$out")
    new="" answered=""
    if [ -n "$5" ]; then
        # In-flight requests finish after wrk stops counting: wait for the server to settle.
        sleep 2
        after=$(stored "$5")
        new=$(commas "$(awk -v a="$after" -v b="$before" -v s="$SECS" 'BEGIN { print (a - b) / s }')")
        answered=$(awk '/created-by-responses/{print $2}' <<<"$out")
        answered="$(commas $((after - before))) stored, $(commas "$answered") answered as new"
    fi
    printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$rps" "${new:--}" "$p99" "${non2xx:-0}" "${answered:--}"
}

backend="SQLite"
[ -n "$SCRATCH_PG" ] && backend="PostgreSQL"
echo "### The web server under load, $backend, $(date -u '+%Y-%m-%d %H:%M') UTC"
echo
echo "Command: \`bench/web.sh ${DB%%\?*} $SECS\` ($(git rev-parse --short HEAD 2>/dev/null || echo 'no git'), \`$CANALI\`)," \
    "on a scratch copy of the database; machine: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)," \
    "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start. New contacts are counted" \
    "in the database (rows of the run's own source) after each load, over its ${SECS} s."
echo
echo "| load, ${SECS} s | requests/s | new contacts stored/s (read back) | p99 | non-2xx | contacts: in the database, answered as new |"
echo "|---|---:|---:|---:|---:|---|"
run "static file, 64 connections (the plain limit)" "" /static/canali.css 64 ""
run "customer home page, 64 connections" "$WORK/home.lua" /home 64 ""
run "POST /api/v1/contacts, 64 connections" "$WORK/contact.lua" /api/v1/contacts 64 "$SINGLE"
run "POST /api/v1/contacts/batch (1,000 each), 16 connections" "$WORK/batch.lua" /api/v1/contacts/batch 16 "$BATCH"
echo
echo "Server peak memory: $(awk '/VmHWM/{printf "%.0f MiB", $2/1024}' "/proc/$SERVER/status")."
