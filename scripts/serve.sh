#!/usr/bin/env bash
# Installs nnplayground into .venv and serves it (http://127.0.0.1:8000 unless --host/--port
# or NNPG_HOST/NNPG_PORT say otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/nnplayground serve "$@"
