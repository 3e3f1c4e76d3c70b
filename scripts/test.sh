#!/usr/bin/env bash
# Installs everything the tests need (test extras, Debian's chromium if missing), then runs
# the linters, the type checker and the whole test suite, browser tests and the full strategy
# matrices (--full-matrix) included.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest --full-matrix "$@"
