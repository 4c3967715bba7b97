#!/usr/bin/env bash
# Runs the Windows CPython under Wine with the project root on PYTHONPATH:
#   tools/run-wine.sh -m pytest tests
# Exit status is the interpreter's. Output goes through a pipe (see below).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
# shellcheck source=tools/wine-env.sh
source "$here/wine-env.sh"
[ -f "$WINSOCKX_WINE_PYTHON" ] || { echo "run-wine: no Windows CPython; run tools/provision-wine.sh" >&2; exit 1; }

# Start wineserver and Wine's services detached first: started from inside the pipeline
# below they would inherit the pipe and keep it open forever. -p60 (no space) lets the
# server exit a minute after the last client; "-p 60" would make it persist for ever.
wineserver -p60 </dev/null >/dev/null 2>&1
wine cmd /c exit </dev/null >/dev/null 2>&1

export PYTHONPATH="Z:${root//\//\\}"
export PYTHONUTF8=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Windows CPython aborts in init_sys_streams when stdout/stderr is a regular file,
# so its output always goes through a pipe.
# A hard bound on the whole run (per-test timeouts cannot catch a hang in Wine itself):
# TERM after WINSOCKX_WINE_TIMEOUT seconds, KILL 30 s later; timeout exits 124 then.
limit="${WINSOCKX_WINE_TIMEOUT:-1800}"
timeout --kill-after=30 "$limit" wine "$WINSOCKX_WINE_PYTHON" "$@" </dev/null 2>&1 | cat
status=${PIPESTATUS[0]}
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
    echo "run-wine: stopped after ${limit} s (WINSOCKX_WINE_TIMEOUT)" >&2
fi
exit "$status"
