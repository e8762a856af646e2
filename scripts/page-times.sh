#!/usr/bin/env bash
# Times what staff load on a `frontdesk-load gen-db` database: the median (and range) of 11
# calls of each page, in milliseconds, against a server already running at $URL.
# Usage: scripts/page-times.sh URL  (needs accounts desk1 / admin1 with password
# page-times-password-1: `frontdesk user create --role staff --username desk1 ...`).
set -euo pipefail
URL=${1:-http://127.0.0.1:3000}
PW=page-times-password-1
jar=$(mktemp)
trap 'rm -f "$jar" "$jar.a"' EXIT

token() {
  curl -s -X POST "$URL/api/auth/login" -H 'content-type: application/json' \
    -d "{\"userName\":\"$1\",\"password\":\"$PW\"}" | sed 's/.*"accessToken":"\([^"]*\)".*/\1/'
}
console_login() { # $1 user, $2 jar
  local csrf
  csrf=$(curl -s -c "$2" "$URL/console/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -b "$2" -c "$2" -o /dev/null -X POST "$URL/console/login" \
    --data-urlencode "user_name=$1" --data-urlencode "password=$PW" --data-urlencode "csrf=$csrf"
}
time_it() { # label, curl args...
  local label=$1; shift
  local times
  times=$(for _ in $(seq 11); do
    curl -s -o /dev/null -w '%{time_total}\n' "$@"
  done | sort -n)
  local min med max
  min=$(echo "$times" | head -1); med=$(echo "$times" | sed -n 6p); max=$(echo "$times" | tail -1)
  awk -v l="$label" -v a="$min" -v m="$med" -v b="$max" \
    'BEGIN { printf "%-40s median %7.1f ms  (%.1f to %.1f)\n", l, m*1000, a*1000, b*1000 }'
}

staff=$(token desk1)
admin=$(token admin1)
console_login desk1 "$jar"
console_login admin1 "$jar.a"
time_it "/console (staff desk)" -b "$jar" "$URL/console"
time_it "/console/admin (dashboard)" -b "$jar.a" "$URL/console/admin"
time_it "/api/chat/rooms/unassigned?limit=100" -H "authorization: Bearer $staff" \
  "$URL/api/chat/rooms/unassigned?limit=100"
time_it "/api/chat/rooms?limit=50 (admin)" -H "authorization: Bearer $admin" \
  "$URL/api/chat/rooms?limit=50"
time_it "/api/chat/rooms/1 (admin)" -H "authorization: Bearer $admin" "$URL/api/chat/rooms/1"
time_it "/api/chat/rooms/1/messages (latest page)" -H "authorization: Bearer $admin" \
  "$URL/api/chat/rooms/1/messages"
