#!/usr/bin/env bash
# Runs schemathesis (from PyPI) against the spec the server generates: generated requests for
# every operation must get no 5xx and no response that breaks the spec.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${FRONTDESK_BIN:-$PWD/target/debug/frontdesk}"
# The `st` entry point lands in Python's scripts folder, which may not be on PATH (or behind a
# pyenv shim that needs a rehash), so it is called by its full path.
st="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/st"
if [ ! -x "$st" ]; then
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi

work=$(mktemp -d)
out="$work/server.out"
"$bin" serve --addr 127.0.0.1:0 --db "$work/st.db" \
  --logins-per-minute 100000 --logins-per-address-per-minute 100000 >"$out" 2>"$work/server.err" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do
  base=$(sed -n 's/^Frontdesk listening on //p' "$out")
  [ -n "$base" ] && break
  sleep 0.05
done
[ -n "$base" ] || { echo "server did not start"; cat "$work/server.err"; exit 1; }

"$bin" user create --role admin --username st_admin --password 'st-admin-password' --db "$work/st.db" >/dev/null
token=$(python3 - "$base" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/api/auth/login", method="POST",
    data=json.dumps({"userName": "st_admin", "password": "st-admin-password"}).encode(),
    headers={"content-type": "application/json"})
print(json.load(urllib.request.urlopen(req))["accessToken"])
PY
)

"$st" run "$base/api/openapi.json" --url "$base/api" -H "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --max-examples 30 --seed 1 --no-color
