#!/usr/bin/env bash
# Every test of winsockx on a Debian/Ubuntu machine, from scratch:
#   1. the suite on Linux (POSIX backend)          nox -s tests
#   2. the suite on Windows CPython under Wine     nox -s wine (installs Wine as root)
#   3. mypy --strict for win32 and for linux       nox -s typecheck
# then one summary line per platform. Fails if any part fails or if either platform
# ran no test (pytest's "no tests collected", exit 5, fails its part too).
# Run as root on a fresh machine: bash tools/test-all.sh
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
cd "$root" || exit 1

say() { printf '\n== test-all: %s\n' "$*"; }

# --- tools --------------------------------------------------------------------
# nox in a venv of its own: nothing installed by hand is relied on, and a system
# Python that refuses pip installs (PEP 668) is left alone.
tools="$root/.nox/_test-all-tools"
# shellcheck source=tools/venv.sh
source "$here/venv.sh"
if [ ! -x "$tools/bin/nox" ]; then
    say "installing nox into $tools"
    make_venv "$tools" || exit 1
    "$tools/bin/python" -m pip install --quiet --disable-pip-version-check "nox>=2024.4.15" ||
        exit 1
fi
# provision-wine.sh uses `python3 -m pip` to fetch Windows wheels: the venv's has pip.
export PATH="$tools/bin:$PATH"

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

# counts FILE: "passed failed skipped" from a pytest JUnit XML report (0 0 0 if absent).
counts() {
    python3 - "$1" <<'PY'
import sys
import xml.etree.ElementTree as ET

try:
    top = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("0 0 0")
    sys.exit()
suites = [top] if top.tag == "testsuite" else top.iter("testsuite")
total = failed = skipped = 0
for suite in suites:
    total += int(suite.get("tests", 0))
    failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped += int(suite.get("skipped", 0))
print(total - failed - skipped, failed, skipped)
PY
}

# --- 1. Linux -----------------------------------------------------------------
say "Linux suite (nox -s tests)"
nox -s tests -- --junitxml="$results/linux.xml"
linux_status=$?

# --- 2. Windows under Wine ----------------------------------------------------
say "Windows suite under Wine (nox -s wine)"
# The Windows interpreter writes the report itself, so it gets the Z: drive path.
nox -s wine -- --junitxml="Z:${results//\//\\}\\windows.xml"
wine_status=$?
wine_version="$(wine --version 2>/dev/null | sed -e 's/^wine-//' -e 's/ .*//')"
if [ -n "${CI:-}" ] && command -v wineserver >/dev/null; then
    # CI only: stop the server and Wine's services so nothing outlives the run.
    # (Elsewhere the server started with -p60 exits a minute after its last client.)
    # shellcheck source=tools/wine-env.sh
    (source "$here/wine-env.sh" && wineserver -k) >/dev/null 2>&1
fi

# --- 3. types -----------------------------------------------------------------
say "mypy --strict, win32 and linux (nox -s typecheck)"
nox -s typecheck
typecheck_status=$?

# --- summary ------------------------------------------------------------------
read -r linux_passed linux_failed linux_skipped < <(counts "$results/linux.xml")
read -r wine_passed wine_failed wine_skipped < <(counts "$results/windows.xml")
status=0
verdict() { # verdict NAME EXIT_STATUS PASSED
    if [ "$2" != 0 ]; then
        echo "test-all: $1 failed (exit status $2)" >&2
        status=1
    elif [ "$3" -eq 0 ]; then
        echo "test-all: $1 ran no test" >&2
        status=1
    fi
}
say "summary"
verdict "the Linux suite" "$linux_status" "$linux_passed"
verdict "the Windows suite under Wine" "$wine_status" "$wine_passed"
if [ "$typecheck_status" != 0 ]; then
    echo "test-all: mypy --strict failed (exit status $typecheck_status)" >&2
    status=1
    typecheck="failed"
else
    typecheck="clean"
fi
echo "Typecheck (mypy --strict, win32 + linux): $typecheck"
echo "Windows (Wine ${wine_version:-unknown}): $wine_passed passed, $wine_failed failed, $wine_skipped skipped"
echo "Linux: $linux_passed passed, $linux_failed failed, $linux_skipped skipped"
echo "Total: $((linux_passed + wine_passed)) passed, $((linux_failed + wine_failed)) failed, $((linux_skipped + wine_skipped)) skipped"
exit "$status"
