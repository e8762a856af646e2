#!/usr/bin/env bash
# Runs the Rust integration suite (tests/api) with PostgreSQL as the store: every server the
# tests start gets a database of its own on one PostgreSQL started here, as a plain process
# under a temporary folder (as the `postgres` user when run as root: initdb refuses root),
# and stopped by its pid when the suite ends. Tests about SQLite's own file say so and stop
# early (tests/api/helpers.rs `sqlite_only!`).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_postgres=()
if [ "$(id -u)" = 0 ]; then
  as_postgres=(runuser -u postgres --)
fi
dir=$(mktemp -d)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
pid=""
stop() {
  if [ -n "$pid" ]; then
    kill -INT "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -rf "$dir"
}
trap stop EXIT

"${as_postgres[@]}" "$bin/initdb" -D "$dir/pg" -A trust -U frontdesk -E UTF8 --no-sync >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/pg" -w -l "$dir/pg.log" \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
pid=$(head -n 1 "$dir/pg/postmaster.pid")

FRONTDESK_TEST_DATABASE_URL="postgres://frontdesk@127.0.0.1:$port" cargo test --locked --test api
