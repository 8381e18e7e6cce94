#!/usr/bin/env bash
# The independent Standard Webhooks verifier for the webhook tests: the
# `standardwebhooks` package from PyPI in a venv under the target dir.
# Prints the venv's python; .ci/run exports it as CAIRN_TEST_PYTHON, and
# tests/e2e/webhooks.rs runs tests/webhooks/verify.py with it (under
# CI=true a missing verifier fails the test).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target"
target="$(cd "$target" && pwd)"
venv="${CAIRN_WEBHOOKS_VENV:-$target/webhooks-venv}"
if ! "$venv/bin/python" -c 'import standardwebhooks' >/dev/null 2>&1; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "standardwebhooks==1.1.0" >&2
fi
echo "$venv/bin/python"
