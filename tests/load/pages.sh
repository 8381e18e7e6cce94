#!/usr/bin/env bash
# Load test of the web face's heaviest learner pages, the wallet (/wallet)
# and progress (/progress), for a learner with 50 credentials against 100
# pathways on SQLite (the seed of tests/load/progress.sh), with GET /v1/me
# (the reference: authenticated, trivial), GET /v1/me/wallet and
# GET /v1/me/progress (the same use cases as JSON) measured in the same run. The pages are opened with a
# session cookie from the real sign-in form. Uses wrk (installed from
# Debian's packages when missing); --latency prints p50/p99.
#
#   tests/load/pages.sh [seconds] [connections]
# Figures go in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
duration="${1:-10}"
connections="${2:-8}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release -p cairn-api -q
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
CAIRN_ADMIN_EMAIL=admin@load.example CAIRN_ADMIN_PASSWORD=load-admin-password CAIRN_LOG=warn \
  "${CARGO_TARGET_DIR:-target}/release/cairn" serve --bind "127.0.0.1:$port" --data-dir "$work" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
token="$(python3 tests/load/seed_progress.py "$base")"
# Sign in through the form: the sign-in page sets the signed-out CSRF cookie
# and carries the same token in its form.
jar="$work/cookies"
csrf="$(curl -fsS -c "$jar" "$base/sign-in" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p')"
curl -fsS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "next=/wallet" \
  --data-urlencode "email=l@load.example" --data-urlencode "password=load-password" "$base/sign-in"
session="$(awk '$6 == "cairn_session" { print $7 }' "$jar")"
[ -n "$session" ] || { echo "sign-in through the form failed" >&2; exit 1; }
cookie="Cookie: cairn_session=$session"
# One read of each settles the stored outcomes; the pages must answer 200.
curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$base/v1/me/progress"
for page in /wallet /progress; do
  curl -fsS -o /dev/null -H "$cookie" -H "Accept: text/html" "$base$page"
  echo "$page: $(curl -fsS -H "$cookie" -H "Accept: text/html" "$base$page" | wc -c) bytes"
done
run() {
  echo "== $1 ($connections connections, ${duration}s)"
  shift
  wrk -t2 -c"$connections" -d"${duration}s" --latency "$@"
}
run "GET /v1/me (reference)" -H "Authorization: Bearer $token" "$base/v1/me"
run "GET /v1/me/wallet" -H "Authorization: Bearer $token" "$base/v1/me/wallet"
run "GET /v1/me/progress" -H "Authorization: Bearer $token" "$base/v1/me/progress"
run "GET /wallet, 50 credentials" -H "$cookie" -H "Accept: text/html" "$base/wallet"
run "GET /progress, 50 credentials x 100 pathways" -H "$cookie" -H "Accept: text/html" "$base/progress"
