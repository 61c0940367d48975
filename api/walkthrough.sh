#!/usr/bin/env bash
# Walks through the seed's curl examples against a throw-away sandnet-api:
# starts it on a temporary SQLite file, creates a user, runs each request and prints the
# answer. Usage: api/walkthrough.sh [path/to/sandnet-api]   (default: build/api/sandnet-api)
# Exits non-zero if any step answers differently from the contract.
set -euo pipefail
api_bin=${1:-build/api/sandnet-api}
work=$(mktemp -d /tmp/sandnet-walkthrough-XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

API_KEY=$("$api_bin" users create demo --db "$work/api.db")
coproc SERVER { exec "$api_bin" serve --listen 127.0.0.1:0 --db "$work/api.db" --log-level warn; }
server_pid=$SERVER_PID
read -r -t 20 line <&"${SERVER[0]}"
BASE=${line#listening on }
echo "# sandnet-api at $BASE, user 'demo'"

step() {  # step EXPECTED_HTTP_STATUS curl-args...
  local want=$1; shift
  echo "\$ curl $*"
  local out status
  out=$(curl -s -w '\n%{http_code}' "$@")
  status=${out##*$'\n'}
  echo "${out%$'\n'*}" | jq -c .
  if [ "$status" != "$want" ]; then echo "expected HTTP $want, got $status" >&2; exit 1; fi
}

H=(-H "X-Api-Key: $API_KEY")
J=(-H "Content-Type: application/json")
step 200 "$BASE/v1/networks" "${H[@]}"
step 200 -X POST "$BASE/v1/networks" "${H[@]}" "${J[@]}" -d '{"name": "backend"}'
step 200 -X POST "$BASE/v1/sandboxes" "${H[@]}" "${J[@]}" -d '{"name": "brave-otter", "networks": [{"id": "backend"}]}'
step 200 -X POST "$BASE/v1/sandboxes" "${H[@]}" "${J[@]}" -d '{"name": "clever-fox"}'
step 200 -X POST "$BASE/v1/sandboxes/clever-fox/networks" "${H[@]}" "${J[@]}" -d '{"id": "backend"}'
step 200 "$BASE/v1/networks/backend" "${H[@]}"
step 409 -X DELETE "$BASE/v1/networks/backend" "${H[@]}"
step 200 -X DELETE "$BASE/v1/sandboxes/clever-fox/networks/backend" "${H[@]}"
step 200 -X DELETE "$BASE/v1/sandboxes/brave-otter" "${H[@]}"
step 200 -X DELETE "$BASE/v1/networks/backend" "${H[@]}"
step 401 "$BASE/v1/networks"
echo "# walkthrough OK"
