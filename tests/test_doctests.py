"""The ``>>>`` examples in winsockx's docstrings run and print what they show.

Collected per module, on whichever backend runs the suite (ws2_32 under Windows
or Wine, POSIX on Linux), so an example in the docs cannot drift from the code.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import sys

import pytest

# Modules that import only on the other platform, the generated ffi modules, and
# __main__ (importing it runs the command).
_SKIP = {"winsockx.__main__", "winsockx._ws2_32_ffi", "winsockx._libc_ffi"} | (
    {"winsockx._libc", "winsockx._posix_backend"}
    if sys.platform == "win32"
    else {"winsockx._ws2_32", "winsockx._ws2_32_backend", "winsockx.diag._windows_sockets"}
)


# Subpackages whose modules are collected too.
_PACKAGES = ("winsockx", "winsockx.cli", "winsockx.diag", "winsockx.lab")


def _modules_with_examples() -> list[str]:
    names = list(_PACKAGES)
    for package in _PACKAGES:
        path = importlib.import_module(package).__path__
        names += [info.name for info in pkgutil.iter_modules(path, f"{package}.")]
    finder = doctest.DocTestFinder()
    found = []
    for name in sorted(set(names) - _SKIP):
        module = importlib.import_module(name)
        if any(test.examples for test in finder.find(module)):
            found.append(name)
    return found


MODULES = _modules_with_examples()


def test_examples_were_found() -> None:
    """The public modules do carry examples (a broken finder would make this file vacuous)."""
    assert {"winsockx", "winsockx.sockets", "winsockx.raw", "winsockx.errors"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    """Every example in the module's docstrings gives the output shown."""
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
