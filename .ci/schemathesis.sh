#!/usr/bin/env bash
# Contract test: schemathesis with every check (enabled in
# .ci/schemathesis.toml, equivalent to `--checks all`), over the examples, coverage,
# fuzzing and stateful phases, against the built `cairn` binary on a fresh
# SQLite data dir with the demo data, once each as a learner, an issuer and
# an employer. Fails on any finding. Runnable locally:
#
#   .ci/schemathesis.sh                  # builds target/debug/cairn if needed
#   CAIRN_BIN=target/release/cairn .ci/schemathesis.sh
#   ST_MAX_EXAMPLES=5 ST_ROLES=learner .ci/schemathesis.sh   # a quicker look
#
# Reports (JUnit, NDJSON) land in $CAIRN_ST_REPORTS (default
# target/schemathesis-reports). Checks switched off for single operations
# are listed, each with its reason, in .ci/schemathesis.toml.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ST_VERSION="4.32.5"
# Hypothesis pinned too: an unpinned one changes under a fixed schemathesis
# and seed, and a run would no longer replay.
HYPOTHESIS_VERSION="6.170.17"
# Absolute: schemathesis runs from a scratch directory (below).
target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target"
target="$(cd "$target" && pwd)"
venv="${CAIRN_ST_VENV:-$target/schemathesis-venv}"
reports="${CAIRN_ST_REPORTS:-$target/schemathesis-reports}"
# 50 examples per operation: 120-195 s per role on a 2-core machine with one
# worker (below).
max_examples="${ST_MAX_EXAMPLES:-50}"
seed="${ST_SEED:-20261201}"
roles="${ST_ROLES:-learner issuer employer}"
password="cairn-demo-password"

if [ -z "${CAIRN_BIN:-}" ]; then
  cargo build -q -p cairn-api
  CAIRN_BIN="$target/debug/cairn"
fi

# A virtualenv of our own with the pinned version (reused when it matches).
if ! "$venv/bin/st" --version 2>/dev/null | grep -qF "$ST_VERSION" \
  || ! "$venv/bin/python" -c "import hypothesis, sys; sys.exit(hypothesis.__version__ != '$HYPOTHESIS_VERSION')" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check \
    "schemathesis==$ST_VERSION" "hypothesis==$HYPOTHESIS_VERSION"
fi

mkdir -p "$reports"
reports="$(cd "$reports" && pwd)"
config="$(pwd)/.ci/schemathesis.toml"
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

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

token() {
  curl -sf "$1/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"email\":\"$2\",\"password\":\"$password\"}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

status=0
for role in $roles; do
  case "$role" in
    learner) email="ada@learners.example" ;;
    issuer) email="issuer@northbrook-schools.example" ;;
    employer) email="recruiter@acme-analytics.example" ;;
    *) echo "unknown role $role" >&2; exit 2 ;;
  esac

  # A fresh service per role: one run's data cannot mask another's findings.
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  data="$work/$role"
  env -u CAIRN_DATABASE_URL CAIRN_LOG=warn "$CAIRN_BIN" serve --demo --bind "127.0.0.1:$port" --data-dir "$data" --workers 2 >"$work/$role.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -sf "$base/health" >/dev/null 2>&1 && break
    sleep 0.2
  done
  if ! curl -sf "$base/health" >/dev/null; then
    echo "FATAL: the service did not start" >&2
    cat "$work/$role.log" >&2
    exit 1
  fi
  bearer="$(token "$base" "$email")"
  # Pin `{org}` to a real organisation (the employer's own, else the demo
  # issuer's institution) so that operations under /v1/orgs/{org} reach
  # their logic instead of answering 404 to random ids.
  org_account="$email"
  [ "$role" = learner ] && org_account="issuer@northbrook-schools.example"
  CAIRN_ST_ORG="$(curl -sf "$base/v1/me" -H "Authorization: Bearer $(token "$base" "$org_account")" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["org"])')"
  export CAIRN_ST_ORG

  echo "== schemathesis as $role ($email), seed $seed, at most $max_examples examples per operation"
  started=$(date +%s)
  # Run from a scratch dir of its own: schemathesis keeps a `.schemathesis`
  # cache in the working directory, and a run must not replay another's.
  mkdir -p "$work/$role-st"
  # One worker: with two threads, hypothesis describing a strategy's lambda
  # calls ast.parse in both, and CPython 3.11 (this machine's) keeps the AST
  # builder's recursion depth per interpreter, not per thread, so a race
  # raised "SystemError: AST constructor recursion depth mismatch" as a
  # runtime error in stop 25's CI (cpython gh-106905). Not the service's.
  if ! (cd "$work/$role-st" && "$venv/bin/st" --no-color --config-file "$config" run "$base/openapi.json" \
      --phases examples,coverage,fuzzing,stateful \
      --max-examples "$max_examples" \
      --seed "$seed" \
      --workers 1 \
      --header "Authorization: Bearer $bearer" \
      --report junit,ndjson \
      --report-junit-path "$reports/$role.xml" \
      --report-ndjson-path "$reports/$role.ndjson"); then
    status=1
    echo "schemathesis found problems as $role (server log: below)" >&2
    tail -n 50 "$work/$role.log" >&2
  fi
  echo "== $role: $(( $(date +%s) - started )) s"
  stop_server
done
exit "$status"
