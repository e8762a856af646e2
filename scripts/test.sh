#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests, the Socket.IO end-to-end suite with the
# official socket.io-client, schemathesis against the generated OpenAPI spec, and the browser
# suite in headless Chromium. Installs what a fresh machine lacks (system packages with
# apt-get, npm packages with npm ci, schemathesis with pip).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v pkg-config >/dev/null || missing+=(pkg-config)
dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
# Let's Encrypt's test CA, which the HTTPS tests (tests/api/tls.rs) start and stop themselves.
command -v pebble >/dev/null || missing+=(pebble)
# PostgreSQL, which the migration tests (tests/api/migrate_postgres.rs) start and stop themselves.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
# Redis, which the cluster tests (tests/e2e/cluster.test.mjs) start and stop themselves.
command -v redis-server >/dev/null || missing+=(redis-server)
if [ -d tests/browser ]; then
  command -v chromium >/dev/null || missing+=(chromium)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --workspace: the load tool (tools/load) too, and its smoke test against the in-process server.
cargo build --locked --workspace
cargo test --locked --workspace
# The same integration suite again with PostgreSQL as the store (issue 16): a server started
# here under a temporary folder, stopped by its pid when the suite ends.
bash scripts/test-postgres.sh

export FRONTDESK_BIN="$PWD/target/debug/frontdesk"
bash scripts/schemathesis.sh
for suite in tests/e2e tests/browser; do
  if [ -f "$suite/package.json" ]; then
    (cd "$suite" && npm ci --no-audit --no-fund --loglevel=error && npm test)
  fi
done
