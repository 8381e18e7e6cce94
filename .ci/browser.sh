#!/usr/bin/env bash
# The web face in a real browser: headless Chromium (Debian's package),
# driven by playwright-core, against `cairn serve --demo` on a loopback port
# with a fresh data directory (tests/browser/run.mjs: sign-in, wallet,
# progress bars and map, a share the employer opens, a revocation, the
# verifier on a tampered credential, talent search, the institution console:
# catalog form and badge image, CSV upload, revoking from the issued list;
# axe-core on each page, keyboard focus). Screenshots at desktop and phone width go to
# $BROWSER_SCREENSHOTS (default target/browser-screenshots).
#
# Runnable locally:
#   .ci/browser.sh                            # builds target/debug/cairn if missing
#   CAIRN_BIN=target/release/cairn .ci/browser.sh
#   CHROMIUM=/path/to/chromium .ci/browser.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$(date +%s)

target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target"
target="$(cd "$target" && pwd)"
if [ -z "${CAIRN_BIN:-}" ]; then
  CAIRN_BIN="$target/debug/cairn"
  [ -x "$CAIRN_BIN" ] || cargo build -q -p cairn-api
fi
shots="${BROWSER_SCREENSHOTS:-$target/browser-screenshots}"

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
# The emoji font draws the map's and legend's marks (⌛ for expired) in the screenshots.
packages=()
[ -x "$CHROMIUM" ] || packages+=(chromium)
dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || packages+=(fonts-noto-color-emoji)
if [ "${#packages[@]}" -gt 0 ]; then
  echo "== browser: installing ${packages[*]} (apt-get)"
  apt_get=(apt-get)
  [ "$(id -u)" -eq 0 ] || apt_get=(sudo apt-get)
  "${apt_get[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive timeout 600 "${apt_get[@]}" install -y -qq "${packages[@]}" >/dev/null
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "FATAL: node and npm are needed (Node.js 20: apt-get install nodejs npm)" >&2
  exit 1
fi
echo "== browser: npm ci (tests/browser, Node $(node --version), $("$CHROMIUM" --version 2>/dev/null | head -n 1))"
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

work="$(mktemp -d)"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
base="http://127.0.0.1:$port"
env -u CAIRN_DATABASE_URL -u CAIRN_PUBLIC_URL CAIRN_LOG=warn "$CAIRN_BIN" serve --demo --bind "127.0.0.1:$port" --data-dir "$work/data" --workers 2 \
  >"$work/cairn.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do
  curl -sf "$base/health" >/dev/null 2>&1 && break
  sleep 0.2
done
if ! curl -sf "$base/health" >/dev/null; then
  echo "FATAL: the service did not start" >&2
  cat "$work/cairn.log" >&2
  exit 1
fi

echo "== browser: tests/browser/run.mjs against $base (screenshots in $shots)"
rm -rf "$shots"
status=0
timeout 300 node tests/browser/run.mjs "$base" "$shots" || status=$?
if [ "$status" -ne 0 ]; then
  echo "-- server log tail" >&2
  tail -n 30 "$work/cairn.log" >&2
fi
stop_server
echo "== browser: $(( $(date +%s) - started )) s, $([ "$status" -eq 0 ] && echo PASS || echo FAIL)"
exit "$status"
