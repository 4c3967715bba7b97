"""Check the built distributions: a pure-Python wheel that holds the whole package.

``python tools/check_wheel.py DIST_DIR`` (run by ``nox -s package``) looks at the one
wheel and the one sdist in DIST_DIR and exits 1 listing every problem found.
"""

from __future__ import annotations

import pathlib
import sys
import tarfile
import zipfile

# What an install needs: the generated cffi modules (ABI mode, loaded at run time),
# the PEP 561 marker, and the command's entry points.
WHEEL_MUST_HOLD = (
    "winsockx/__init__.py",
    "winsockx/__main__.py",
    "winsockx/cli/__init__.py",
    "winsockx/cli/sample.py",
    "winsockx/cli/serve.py",
    "winsockx/lab/__init__.py",
    "winsockx/lab/bindspec.py",
    "winsockx/lab/command.py",
    "winsockx/lab/compare.py",
    "winsockx/lab/measure.py",
    "winsockx/lab/render.py",
    "winsockx/_ws2_32_ffi.py",
    "winsockx/_libc_ffi.py",
    "winsockx/_iphlpapi_ffi.py",
    "winsockx/diag/__init__.py",
    "winsockx/py.typed",
)
# What a rebuild or a test run from the sdist needs.
SDIST_MUST_HOLD = (
    "pyproject.toml",
    "README.md",
    "noxfile.py",
    "tools/build_ffi.py",
    "stubs/winsockx/_ws2_32_ffi.pyi",
    "stubs/winsockx/_libc_ffi.pyi",
    "stubs/winsockx/_iphlpapi_ffi.pyi",
    "tests/conftest.py",
    "docs/conf.py",
)
ENTRY_POINT = "winsockx = winsockx.cli:main"


def check_wheel(path: pathlib.Path) -> list[str]:
    """Problems with the wheel at *path*."""
    problems = []
    if not path.name.endswith("-py3-none-any.whl"):
        problems.append(f"{path.name}: not a pure-Python wheel (want py3-none-any)")
    with zipfile.ZipFile(path) as whl:
        names = set(whl.namelist())
        problems += [f"wheel lacks {name}" for name in WHEEL_MUST_HOLD if name not in names]
        compiled = sorted(n for n in names if n.endswith((".so", ".pyd", ".dll", ".dylib")))
        problems += [f"wheel holds compiled code: {name}" for name in compiled]
        problems += [
            f"wheel holds {n}" for n in sorted(names) if n.startswith(("tests/", "stubs/"))
        ]
        dist_info = {n.split("/", 1)[0] for n in names if ".dist-info/" in n}
        for info in dist_info:
            ep_name = f"{info}/entry_points.txt"
            entry_points = whl.read(ep_name).decode() if ep_name in names else ""
            if ENTRY_POINT not in entry_points:
                problems.append(f"wheel lacks the console script `{ENTRY_POINT}`")
            metadata = whl.read(f"{info}/METADATA").decode()
            requires = [
                line.split(":", 1)[1].strip()
                for line in metadata.splitlines()
                if line.startswith("Requires-Dist:")
            ]
            runtime = [r for r in requires if "extra ==" not in r]
            if [r.split(">")[0].split("=")[0].strip() for r in runtime] != ["cffi"]:
                problems.append(f"runtime dependencies should be cffi alone, got {runtime}")
    return problems


def check_sdist(path: pathlib.Path) -> list[str]:
    """Problems with the sdist at *path*."""
    with tarfile.open(path) as sdist:
        # Members are "<name>-<version>/<path>".
        names = {m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name}
    return [f"sdist lacks {name}" for name in SDIST_MUST_HOLD if name not in names]


def main(argv: list[str]) -> int:
    """Check the wheel and sdist in ``argv[0]``; print the problems, return 1 if any."""
    if len(argv) != 1:
        print("usage: check_wheel.py DIST_DIR", file=sys.stderr)
        return 2
    dist = pathlib.Path(argv[0])
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        print(f"expected one wheel and one sdist in {dist}, found {wheels + sdists}")
        return 1
    problems = check_wheel(wheels[0]) + check_sdist(sdists[0])
    for problem in problems:
        print(f"package: {problem}")
    if not problems:
        print(f"package: {wheels[0].name} and {sdists[0].name} look right")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
