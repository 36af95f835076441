#!/usr/bin/env bash
# The main job on the embedded default: writes the blank forms and a sample corpus
# (every style, with truth files) under out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/sus-intake forms blank --out out/blank
.venv/bin/sus-intake samples make --out out/samples --count "${COUNT:-3}"
echo "Blank forms: out/blank/   Samples with truth: out/samples/"
