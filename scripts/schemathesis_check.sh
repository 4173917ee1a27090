#!/usr/bin/env bash
# Fuzzes Hearth's own OpenAPI document with schemathesis (PyPI) and fails on any 5xx.
#
# Usage: scripts/schemathesis_check.sh HEARTH_BINARY SCHEMATHESIS_BINARY [EXAMPLES] [POSTGRES_URL]
# Starts `hearth serve` with a fresh data directory on a free loopback port (on
# SQLite, or, given POSTGRES_URL of a server it may create databases on, on a fresh
# PostgreSQL database dropped afterwards), raises
# the per-credential rate limit so the fuzzer is not throttled, and runs every
# documented operation except the endless /stream with EXAMPLES cases each
# (default 15) and a fixed seed, so a failure can be replayed.
set -euo pipefail
hearth=$1
st=$2
examples=${3:-15}
pg=${4:-}
data=$(mktemp -d)
out=$(mktemp)
db_args=()
dropdb=true
if [ -n "$pg" ]; then
  name="hearth_fuzz_$$"
  psql -q "$pg" -c "CREATE DATABASE $name" >/dev/null
  db_args=(--database-url "${pg%/*}/$name")
  dropdb="psql -q $pg -c 'DROP DATABASE IF EXISTS $name WITH (FORCE)' >/dev/null"
fi
"$hearth" serve --data-dir "$data" "${db_args[@]}" --listen 127.0.0.1:0 --smtp-listen 127.0.0.1:0 >"$out" 2>"$data/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; eval "$dropdb" || true; rm -rf "$data" "$out"' EXIT
for _ in $(seq 1 100); do grep -q '^API token for ' "$out" && break; sleep 0.1; done
base=$(head -n 1 "$out" | sed 's/.*running at //; s:/$::')/api/v1
token=$(grep '^API token for ' "$out" | awk '{print $NF}')
auth="admin@example.com:$token"
curl -sf -u "$auth" -X PATCH "$base/admin/settings" -H 'content-type: application/json' \
  -d '{"rateLimitPerSecond": 100000}' >/dev/null
SCHEMATHESIS_HOOKS="$(dirname "$0")/schemathesis_hooks.py" "$st" run "$base/openapi.json" --url "$base" --auth "$auth" \
  --checks not_a_server_error --max-examples "$examples" --seed 20261125 \
  --exclude-path /stream --workers 1 --no-color --warnings off \
  --request-timeout 10 --suppress-health-check all
status=$?
if grep -q 'panicked' "$data/server.log"; then
  echo "hearth panicked during the run:" >&2
  grep -A3 panicked "$data/server.log" >&2
  exit 1
fi
exit $status
