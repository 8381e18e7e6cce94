#!/usr/bin/env bash
# Load test of GET /v1/me/progress for a learner with 50 credentials against
# 100 pathways, on SQLite, with GET /health measured in the same run for
# comparison. Uses wrk (installed from Debian's packages when missing).
#
#   tests/load/progress.sh [seconds] [connections]
# Figures go in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
duration="${1:-10}"
connections="${2:-8}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release -p cairn-api -q
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
CAIRN_ADMIN_EMAIL=admin@load.example CAIRN_ADMIN_PASSWORD=load-admin-password CAIRN_LOG=warn \
  target/release/cairn serve --bind "127.0.0.1:$port" --data-dir "$work" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
token="$(python3 tests/load/seed_progress.py "http://127.0.0.1:$port")"
echo "== GET /health ($connections connections, ${duration}s)"
wrk -t2 -c"$connections" -d"${duration}s" "http://127.0.0.1:$port/health"
echo "== GET /v1/me/progress, 50 credentials x 100 pathways ($connections connections, ${duration}s)"
wrk -t2 -c"$connections" -d"${duration}s" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/me/progress"
