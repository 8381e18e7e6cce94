#!/usr/bin/env bash
# Load test of GET /v1/me/progress for a learner with 50 credentials against
# 100 pathways, on SQLite, with GET /health and GET /v1/me (authenticated,
# trivial: the reference of the target) measured in the same run. Progress
# is served from the stored outcomes; one read before the runs settles them
# (the first read of a learner evaluates everything once). Uses wrk
# (installed from Debian's packages when missing); --latency prints p50/p99.
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
curl -fsS -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/me/progress"
echo "== GET /health ($connections connections, ${duration}s)"
wrk -t2 -c"$connections" -d"${duration}s" --latency "http://127.0.0.1:$port/health"
echo "== GET /v1/me ($connections connections, ${duration}s)"
wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/me"
echo "== GET /v1/me/progress, 50 credentials x 100 pathways ($connections connections, ${duration}s)"
wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/me/progress"
echo "== GET /v1/me/progress?at=... (live evaluation, the reference before this change) ($connections connections, ${duration}s)"
wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/me/progress?at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
