#!/usr/bin/env bash
# The test command: installs what is needed, then ruff, mypy, the import contracts
# (import-linter: layers import downward only) and the test suite.
# A developer's run leaves out the tests marked slow (the rest of generator-heavy
# matrices, ~3 minutes in all on 2 cores); CI (CI=true) runs every test. Extra
# arguments go to pytest: scripts/test.sh -m slow runs only the slow ones.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/lint-imports
tiers=()
if [ "${CI:-}" != "true" ] && [[ " $* " != *" -m "* ]]; then
  tiers=(-m "not slow")
fi
.venv/bin/python -m pytest "${tiers[@]}" "$@"
