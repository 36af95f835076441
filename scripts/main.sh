#!/usr/bin/env bash
# The main job on the embedded default (SQLite and files on disk under out/demo/):
# writes the blank forms, then `sus-intake demo` — a store with demo förbund,
# insatser and users, a generated batch uploaded and read — and serves the review
# interface on http://127.0.0.1:${PORT:-8000}/, printing the logins. Ctrl+C stops it;
# running it again reuses the same store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/sus-intake forms blank --out out/blank
exec .venv/bin/sus-intake demo --data-dir out/demo --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
