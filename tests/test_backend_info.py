"""backend_info(): which implementation runs, detected independently here."""

from __future__ import annotations

import ctypes
import importlib.util
import sys

import pytest

import winsockx
from winsockx import BackendInfo, backend_info


def _wine_version_from_ntdll() -> str | None:
    """Wine's version from ntdll's wine_get_version export (absent on Windows and Linux)."""
    if sys.platform != "win32":
        return None
    ntdll = ctypes.WinDLL("ntdll")
    try:
        get_version = ntdll.wine_get_version
    except AttributeError:
        return None
    get_version.restype = ctypes.c_char_p
    version = get_version()
    return version.decode("ascii") if version is not None else None


def test_name_matches_platform() -> None:
    """ws2_32 on Windows (and Wine), posix everywhere else."""
    expected = "ws2_32" if sys.platform == "win32" else "posix"
    assert backend_info().name == expected
    assert winsockx.raw.backend.name == expected


def test_wine_version_matches_ntdll() -> None:
    """wine_version is Wine's version string under Wine and None on Windows and Linux."""
    expected = _wine_version_from_ntdll()
    info = backend_info()
    assert info.wine_version == expected
    if expected is not None:
        assert isinstance(info.wine_version, str)
        assert info.wine_version.strip()
    if sys.platform != "win32":
        assert info.wine_version is None


def test_under_wine_fixture_agrees(under_wine: bool, backend_name: str) -> None:
    """The conftest fixtures agree with the independent detection."""
    assert under_wine is (_wine_version_from_ntdll() is not None)
    assert backend_name == backend_info().name


def test_platform_text() -> None:
    """platform names the operating system the calls go to."""
    info = backend_info()
    if sys.platform == "win32":
        assert info.platform.startswith("Windows ")
    elif sys.platform.startswith("linux"):
        assert info.platform.startswith("Linux ")
    assert info.platform.strip() == info.platform
    assert len(info.platform.split()) >= 2


def test_python_text() -> None:
    """python names the implementation and its version."""
    version = "{}.{}.{}".format(*sys.version_info[:3])
    assert backend_info().python == f"{sys.implementation.name} {version}"


def test_label() -> None:
    """label says 'on Wine' under Wine and never otherwise."""
    info = backend_info()
    if info.wine_version is not None:
        assert info.label == f"ws2_32 on Wine {info.wine_version} (reports {info.platform})"
    else:
        assert info.label == f"{info.name} on {info.platform}"
        assert "Wine" not in info.label


def test_cached_and_frozen() -> None:
    """backend_info() returns one frozen BackendInfo per process."""
    info = backend_info()
    assert isinstance(info, BackendInfo)
    assert backend_info() is info
    try:
        info.name = "other"  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("BackendInfo is not frozen")
    assert info.name in ("ws2_32", "posix")


def test_report_header(pytestconfig: object) -> None:
    """The session header names the backend (see conftest.pytest_report_header)."""
    from . import conftest

    header = conftest.pytest_report_header(pytestconfig)  # type: ignore[arg-type]
    assert header == f"winsockx backend: {backend_info().label}"


def test_default_timeout_applied(request: pytest.FixtureRequest) -> None:
    """With pytest-timeout installed, every test without its own bound gets the default one."""
    from . import conftest

    marker = request.node.get_closest_marker("timeout")
    if importlib.util.find_spec("pytest_timeout") is None:
        assert marker is None
    else:
        assert marker is not None
        assert marker.args == (conftest.DEFAULT_TIMEOUT,)
