# shellcheck shell=bash
# Sourced by tools/*.sh: make_venv DIR creates a virtual environment at DIR with the
# machine's python3, installing Debian's python3-venv first when it is missing (a
# fresh Debian/Ubuntu has python3 without venv or pip, and its system Python refuses
# pip installs under PEP 668, so everything goes into a venv).
make_venv() {
    local dir="$1"
    if [ -x "$dir/bin/python" ]; then
        return 0
    fi
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "installing python3-venv" >&2
            DEBIAN_FRONTEND=noninteractive apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null
        else
            echo "python3 cannot create virtual environments (install python3-venv)" >&2
            return 1
        fi
    fi
    python3 -m venv "$dir"
}
