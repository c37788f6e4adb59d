#!/usr/bin/env bash
# Generates the Python client from openapi/openapi.json with openapi-python-client and
# runs smoke.py with it against a real gateway and mock-upstream on loopback, then
# openai_compat.py (the official openai package), anthropic_compat.py (the official
# anthropic package) and anthropic_chat_compat.py (openai against an anthropic-type
# provider) against the same two servers.
# Usage: tests/sdk/run.sh [PYTHON]   (PYTHON defaults to .venv/bin/python)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
python="${1:-$root/.venv/bin/python}"
work="$(mktemp -d)"
cleanup() {
  [ -n "${gateway_pid:-}" ] && kill "$gateway_pid" 2>/dev/null || true
  [ -n "${mock_pid:-}" ] && kill "$mock_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cd "$root"
cargo build --quiet --bin gateway --bin mock-upstream
"$(dirname "$python")/openapi-python-client" generate --path openapi/openapi.json \
  --meta none --output-path "$work/gateway_client" >/dev/null 2>&1

mock_key="sk-sdk-smoke-0123456789"
./target/debug/mock-upstream --port 0 --key "$mock_key" >"$work/mock.out" &
mock_pid=$!
for _ in $(seq 50); do grep -q listening "$work/mock.out" && break; sleep 0.1; done
mock_addr="$(sed -n 's/^listening on //p' "$work/mock.out")"

port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$work/config.toml" <<TOML
[server]
listen = "127.0.0.1:$port"
[database]
url = "sqlite://$work/gateway.db"
[admin]
password = "sdk-admin-password"
TOML
RUST_LOG=warn ./target/debug/gateway --config "$work/config.toml" &
gateway_pid=$!
for _ in $(seq 100); do
  "$python" -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
  sleep 0.1
done

export GATEWAY_URL="http://127.0.0.1:$port" MOCK_URL="http://$mock_addr" \
  ADMIN_PASSWORD="sdk-admin-password" MOCK_KEY="$mock_key"
PYTHONPATH="$work" "$python" tests/sdk/smoke.py

# The official openai package, through the gateway and directly to the mock.
gateway_token="$("$python" tests/sdk/setup_gateway.py)"
GATEWAY_TOKEN="$gateway_token" "$python" tests/sdk/openai_compat.py
# The official anthropic package (and openai) across the protocol translations.
GATEWAY_TOKEN="$gateway_token" "$python" tests/sdk/anthropic_compat.py
GATEWAY_TOKEN="$gateway_token" "$python" tests/sdk/anthropic_chat_compat.py
