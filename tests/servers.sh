# Sourced by tests/sdk/run.sh and tests/ts/run.sh (from the repository root): builds and
# starts mock-upstream and a gateway on loopback with a fresh SQLite database in a
# temporary folder, exports GATEWAY_URL, MOCK_URL, ADMIN_PASSWORD and MOCK_KEY, and stops
# both and removes the folder when the calling script exits.
# Usage: start_servers [EXTRA_TOML]   (e.g. $'[security]\nkey_strategy = "none"')

stop_servers() {
  [ -n "${gateway_pid:-}" ] && kill "$gateway_pid" 2>/dev/null || true
  [ -n "${mock_pid:-}" ] && kill "$mock_pid" 2>/dev/null || true
  [ -n "${work:-}" ] && rm -rf "$work"
}

start_servers() {
  work="$(mktemp -d)"
  trap stop_servers EXIT
  cargo build --quiet --bin gateway --bin mock-upstream
  export MOCK_KEY="sk-sdk-smoke-0123456789" ADMIN_PASSWORD="sdk-admin-password"
  ./target/debug/mock-upstream --port 0 --key "$MOCK_KEY" >"$work/mock.out" &
  mock_pid=$!
  for _ in $(seq 50); do grep -q listening "$work/mock.out" && break; sleep 0.1; done
  export MOCK_URL="http://$(sed -n 's/^listening on //p' "$work/mock.out")"

  cat >"$work/config.toml" <<TOML
[server]
listen = "127.0.0.1:0"
[database]
url = "sqlite://$work/gateway.db"
[admin]
password = "$ADMIN_PASSWORD"
[upstream]
# Mock scenarios ride in this header through translated requests.
forward_headers = ["x-mock"]
${1:-}
TOML
  NO_COLOR=1 RUST_LOG=info ./target/debug/gateway --config "$work/config.toml" >"$work/gateway.out" 2>&1 &
  gateway_pid=$!
  for _ in $(seq 100); do grep -q "gateway listening" "$work/gateway.out" && break; sleep 0.1; done
  export GATEWAY_URL="$(sed -n 's|.*gateway listening on \(http://[0-9.:]*\);.*|\1|p' "$work/gateway.out")"
  [ -n "$GATEWAY_URL" ] || { cat "$work/gateway.out"; return 1; }
}
