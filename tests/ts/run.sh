#!/usr/bin/env bash
# Generates a TypeScript client from openapi/openapi.json with @hey-api/openapi-ts (fetch
# client, zod schemas, every answer validated at run time), type-checks it with tsc and
# runs smoke.ts with node against a real gateway and mock-upstream on loopback.
# Packages come from package-lock.json (npm ci, only when node_modules is missing or
# older than the lock file). Usage: tests/ts/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
ts="$root/tests/ts"
if [ ! -f "$ts/node_modules/.package-lock.json" ] ||
  [ "$ts/package-lock.json" -nt "$ts/node_modules/.package-lock.json" ]; then
  npm ci --prefix "$ts" --no-audit --no-fund --loglevel=error
fi
cd "$ts"
rm -rf gen dist
./node_modules/.bin/openapi-ts >/dev/null
./node_modules/.bin/tsc -p .

cd "$root"
source tests/servers.sh
start_servers $'[security]\nkey_strategy = "none"'
node "$ts/dist/smoke.js"
