#!/usr/bin/env bash
# Log and usage query benchmark: seeds a million request log rows (and their hourly
# rollup) into a fresh SQLite database (30 days, 4 models, 3 providers, 20 users, 40
# tokens, 5% errors), starts the release
# gateway on it and prints how long each query of GET /logs and GET /usage takes
# (median of 5 runs, measured by curl over loopback).
# Usage: bash bench/logs.sh [ROWS]   (default 1000000)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rows="${1:-1000000}"
work="$(mktemp -d)"
cleanup() {
  [ -n "${gateway_pid:-}" ] && kill "$gateway_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
cd "$root"
cargo build --release --quiet --bin gateway

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$work/config.toml" <<TOML
[server]
listen = "127.0.0.1:$port"
[database]
url = "sqlite://$work/gateway.db"
[admin]
password = "bench-admin-password"
TOML
start_gateway() {
  RUST_LOG=warn target/release/gateway --config "$work/config.toml" &
  gateway_pid=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/openapi.json" && return 0
    sleep 0.1
  done
  echo "gateway did not start"; exit 1
}
# First start creates the schema; stop, seed, start again.
start_gateway
kill "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true; gateway_pid=""

now_ms=$(( $(date +%s) * 1000 ))
span_ms=$(( 30 * 24 * 3600 * 1000 ))
seed_started=$(date +%s.%N)
sqlite3 "$work/gateway.db" <<SQL
PRAGMA journal_mode = WAL;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
INSERT INTO request_logs (ts, time, request_id, request_type, method, path, requested_model,
  upstream_model, provider, provider_key, user_name, token_name, status, prompt_tokens,
  completion_tokens, total_tokens, cached_tokens, reasoning_tokens, cost, latency_ms, ttfb_ms,
  error, user_id, token_id, usage_estimated, cache_creation_tokens, reserved)
SELECT ts, strftime('%Y-%m-%d %H:%M:%S', ts / 1000 + 8 * 3600, 'unixepoch'),
  printf('req%010d', i), CASE i % 3 WHEN 0 THEN 'chat_stream' ELSE 'chat' END, 'POST',
  '/v1/chat/completions', 'm' || (i % 4), 'm' || (i % 4), 'p' || (i % 3), 'sk-a...zzzz',
  'user' || (i % 20), 'token' || (i % 40), CASE WHEN i % 20 = 0 THEN 500 ELSE 200 END,
  100 + i % 900, 10 + i % 300, 110 + i % 900 + i % 300, i % 50, 0, i % 1000, 20 + i % 3000,
  5 + i % 100, CASE WHEN i % 20 = 0 THEN 'upstream 500' END, 2 + i % 20, 1 + i % 40, 0, 0, 0
FROM (SELECT i, $now_ms - $span_ms + i * ($span_ms / $rows) AS ts FROM n);
SQL
# The hourly rollup the log writer keeps, built the way migration 0006 builds it.
sed -n '/^INSERT INTO usage_hourly/,$p' migrations/sqlite/0006_usage_hourly.sql | sqlite3 "$work/gateway.db"
seed_secs=$(python3 -c "import time; print(round(time.time() - $seed_started, 1))")
start_gateway
token=$(curl -s -X POST "http://127.0.0.1:$port/auth/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"bench-admin-password"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["token"])')

day_ago=$(python3 -c "import datetime as d; print((d.datetime.utcnow() + d.timedelta(hours=8) - d.timedelta(days=1)).strftime('%Y-%m-%d%%20%H:%M:%S'))")
median() {
  local path="$1" times=()
  for _ in 1 2 3 4 5; do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "authorization: Bearer $token" "http://127.0.0.1:$port$path")")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}
echo
echo "seeded $rows rows in ${seed_secs}s; SQLite file $(du -h "$work/gateway.db" | cut -f1)"
echo
echo "| query | median seconds (5 runs) |"
echo "| --- | --- |"
for path in \
  "/logs?limit=50" \
  "/logs?limit=50&user_id=7" \
  "/logs?limit=50&model=m2&errors_only=true" \
  "/logs?limit=50&from=$day_ago" \
  "/logs?limit=50&request_type=chat_stream&provider=p1&status=5xx" \
  "/logs/req0000500000" \
  "/usage?period=all&group_by=model&from=2000-01-01%2000:00:00" \
  "/usage?period=day&group_by=model&from=2000-01-01%2000:00:00" \
  "/usage?period=day&group_by=user&from=2000-01-01%2000:00:00" \
  "/usage?period=hour&group_by=provider&from=$day_ago" \
  "/usage?period=day&group_by=token&user_id=7&from=2000-01-01%2000:00:00"; do
  printf '| `GET %s` | %s |\n' "$(echo "$path" | sed 's/%20/ /g')" "$(median "$path")"
done
