#!/usr/bin/env bash
# The test command: installs what is needed, then runs ruff and the test suite.
# Extra arguments go to pytest (e.g. scripts/test.sh -m slow).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
