#!/usr/bin/env bash
# The test command: the whole suite on the embedded default (SQLite, conversation state in SQLite),
# then again on the production path (PostgreSQL and Redis on 127.0.0.1, real connections), then the
# conversation tests once more on PostgreSQL with the conversation state in PostgreSQL (no Redis); first,
# the wheel is built and installed outside the tree (scripts/check_wheel.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"

echo "== the layers' import contract (.importlinter)"
"$(dirname "$PY")/lint-imports" --no-cache

echo "== the wheel installs and migrates outside the source tree"
PYTHON="$PY" bash scripts/check_wheel.sh

echo "== tests on SQLite (embedded default, no Redis)"
"$PY" -m pytest "$@"

echo "== tests on PostgreSQL + Redis (production path)"
TEST_DATABASE=postgres \
TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}" \
TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}" \
  "$PY" -m pytest "$@"

echo "== conversation tests on PostgreSQL without Redis (state in PostgreSQL, through asyncpg directly)"
TEST_DATABASE=postgres \
TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}" \
TEST_REDIS_URL="" \
  "$PY" -m pytest "$@" tests/test_registration.py tests/test_requests_flow.py tests/test_reliability.py tests/test_bad_input.py
