#!/usr/bin/env bash
# Installs winsockx from this checkout into .venv and runs the main job: the document's
# sample program, binding a port exclusively.
#   bash tools/main-job.sh                 # winsockx bind 2 1 6 5150
#   bash tools/main-job.sh 23 1 6 8080     # other FAMILY TYPE PROTOCOL PORT
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
# shellcheck source=tools/venv.sh
source "$here/venv.sh"
make_venv "$root/.venv"
"$root/.venv/bin/python" -m pip install --quiet --disable-pip-version-check "$root"
if [ "$#" -eq 0 ]; then
    set -- 2 1 6 5150
fi
exec "$root/.venv/bin/winsockx" bind "$@"
