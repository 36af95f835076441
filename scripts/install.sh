#!/usr/bin/env bash
# Installs what SUS intake needs, idempotently: the Debian packages (Tesseract with
# Swedish, the fonts the forms and samples use) when run as root — or says exactly
# what to run when not — and the project with its test extras into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-swe
  libtesseract-dev libleptonica-dev pkg-config g++
  fonts-dejavu-core fonts-liberation
  fonts-comic-neue fonts-dancingscript fonts-kristi fonts-klee fonts-breip
  fonts-dkg-handwriting fonts-sjfonts fonts-sil-andika
  chromium
)
PYTHON=${PYTHON:-python3}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "install.sh: installing ${missing[*]}"
    # shellcheck source=scripts/apt.sh
    . scripts/apt.sh
    apt_waiting update -qq
    DEBIAN_FRONTEND=noninteractive apt_waiting install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "install.sh: missing system packages. Run as root, then run this script again:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "install.sh: Python >= 3.11 is needed; $PYTHON is $("$PYTHON" -V)" >&2; exit 1; }

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  PIP_NO_BINARY=tesserocr .venv/bin/python -m pip install -q -e ".[test,fast]"
  rm -f .venv/.installed-* && touch "$stamp"
fi
tesseract --list-langs 2>/dev/null | grep -qx swe || {
  echo "install.sh: tesseract has no Swedish language data (tesseract-ocr-swe)" >&2; exit 1; }
.venv/bin/python -c 'import tesserocr' || {
  echo "install.sh: tesserocr did not build against the system Tesseract" >&2; exit 1; }
echo "install.sh: ready (.venv/bin/sus-intake)"
