#!/usr/bin/env bash
# Creates .venv and installs nnplayground into it (editable). Usage: scripts/setup.sh [EXTRAS]
# EXTRAS "test" also installs the test tools and, if missing, Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv 2>/dev/null || { rm -rf .venv; apt_install python3-venv; python3 -m venv .venv; }
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
if [ "${1:-}" = "test" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
  command -v chromium >/dev/null || apt_install chromium
else
  .venv/bin/python -m pip install -q --disable-pip-version-check -e .
fi
