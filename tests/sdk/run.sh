#!/usr/bin/env bash
# Generates the Python client from openapi/openapi.json with openapi-python-client and
# runs smoke.py and lists.py with it against a real gateway and mock-upstream on
# loopback, then openai_compat.py (the official openai package), anthropic_compat.py
# (the official anthropic package), anthropic_chat_compat.py (openai against an
# anthropic-type provider) and responses_compat.py (the Responses API and thinking
# across protocols)
# against the same two servers.
# Usage: tests/sdk/run.sh [PYTHON]   (PYTHON defaults to .venv/bin/python)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
python="${1:-$root/.venv/bin/python}"
cd "$root"
source tests/servers.sh
start_servers

"$(dirname "$python")/openapi-python-client" generate --path openapi/openapi.json \
  --meta none --output-path "$work/gateway_client" >/dev/null 2>&1
PYTHONPATH="$work" "$python" tests/sdk/smoke.py
# Every list endpoint with null fields, checked against the client's declared types.
PYTHONPATH="$work" "$python" tests/sdk/lists.py

# The official openai package, through the gateway and directly to the mock.
gateway_token="$("$python" tests/sdk/setup_gateway.py)"
GATEWAY_TOKEN="$gateway_token" "$python" tests/sdk/openai_compat.py
# The official anthropic package (and openai) across the protocol translations.
GATEWAY_TOKEN="$gateway_token" "$python" tests/sdk/anthropic_compat.py
GATEWAY_TOKEN="$gateway_token" "$python" tests/sdk/anthropic_chat_compat.py
# The Responses API on chat-only and Anthropic providers, thinking across protocols.
GATEWAY_TOKEN="$gateway_token" "$python" tests/sdk/responses_compat.py
