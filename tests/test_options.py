"""Every SocketOption on every backend, and the value kinds set_option accepts."""

from __future__ import annotations

import typing

import pytest

import winsockx.sockets as sockets_module
from winsockx import (
    AF_INET,
    AF_INET6,
    SOCK_DGRAM,
    SOCK_STREAM,
    OptionKind,
    OptionOrderError,
    OptionRule,
    Socket,
    SocketOption,
    WSAError,
)
from winsockx.constants import EMULATED, WINDOWS_ONLY
from winsockx.errors import WinsockError

from .conftest import BACKEND, Sockets

# Options the stack answers but does not let you set.
READ_ONLY = {SocketOption.TYPE, SocketOption.ACCEPTCONN, SocketOption.ERROR}
# A value to set and what reading it back must give (buffer sizes: the stack may
# round or double them, so only "at least what was asked" is checked).
SETTINGS: dict[SocketOption, object] = {
    SocketOption.EXCLUSIVEADDRUSE: True,
    SocketOption.REUSEADDR: True,
    SocketOption.REUSE_UNICASTPORT: True,
    SocketOption.IPV6_V6ONLY: False,
    SocketOption.CONDITIONAL_ACCEPT: True,
    SocketOption.KEEPALIVE: True,
    SocketOption.BROADCAST: True,
    SocketOption.LINGER: (1, 5),
    SocketOption.DONTLINGER: True,
    SocketOption.OOBINLINE: True,
    SocketOption.SNDBUF: 65536,
    SocketOption.RCVBUF: 65536,
    # Multiples of 4 ms: Linux keeps these in jiffies (HZ 250 gives 4 ms steps).
    SocketOption.SNDTIMEO: 2.5,
    SocketOption.RCVTIMEO: 1.5,
    SocketOption.TCP_NODELAY: True,
    SocketOption.TCP_KEEPIDLE: 30,
    SocketOption.TCP_KEEPCNT: 5,
    SocketOption.TCP_KEEPINTVL: 7,
}
PYTHON_TYPE = {
    OptionKind.BOOL: bool,
    OptionKind.INT: int,
    OptionKind.LINGER: tuple,
    OptionKind.TIMEOUT: float,
}
# Options real Windows has and Wine 8 does not (measured: WSAENOPROTOOPT, 10042).
_KEEP_GAP = "Wine 8 has no TCP_KEEPIDLE/TCP_KEEPCNT/TCP_KEEPINTVL (Windows 10 1709+ has them)"
WINE_GAPS = {
    SocketOption.TCP_KEEPIDLE: _KEEP_GAP,
    SocketOption.TCP_KEEPCNT: _KEEP_GAP,
    SocketOption.TCP_KEEPINTVL: _KEEP_GAP,
    SocketOption.CONDITIONAL_ACCEPT: "Wine 8 has no SO_CONDITIONAL_ACCEPT",
    SocketOption.REUSE_UNICASTPORT: "Wine 8 takes SO_REUSE_UNICASTPORT but cannot read it back",
}


def _params(options: typing.Iterable[SocketOption]) -> list[typing.Any]:
    """The options as test parameters, the Wine gaps marked."""
    return [
        pytest.param(o, id=o.c_name, marks=[pytest.mark.wine_gap(WINE_GAPS[o])])
        if o in WINE_GAPS
        else pytest.param(o, id=o.c_name)
        for o in options
    ]


def _refused_here(option: SocketOption) -> bool:
    """Whether this backend refuses *option*: Windows only, on the POSIX backend."""
    return BACKEND.name == "posix" and option.windows_only


def _socket_for(sockets: Sockets, option: SocketOption) -> Socket:
    if option is SocketOption.IPV6_V6ONLY:
        return sockets.new(AF_INET6, SOCK_STREAM)
    if option is SocketOption.BROADCAST:
        return sockets.new(AF_INET, SOCK_DGRAM)
    return sockets.new(AF_INET, SOCK_STREAM)


def test_every_option_is_covered_here() -> None:
    """A new SocketOption member fails here until it is read-only or has a setting."""
    assert set(SocketOption) == READ_ONLY | set(SETTINGS)


def _assert_refused_as_windows_only(info: pytest.ExceptionInfo[WinsockError]) -> None:
    assert info.value.code is WSAError.WSAENOPROTOOPT
    assert "exists only on Windows" in str(info.value)


@pytest.mark.parametrize("option", _params(SocketOption))
def test_every_option_reads_with_its_kind(sockets: Sockets, option: SocketOption) -> None:
    """get_option answers every member with the kind's Python type; on the POSIX
    backend a Windows-only option is refused with WSAENOPROTOOPT, saying why."""
    sock = _socket_for(sockets, option)
    if _refused_here(option):
        with pytest.raises(WinsockError) as info:
            sock.get_option(option)
        _assert_refused_as_windows_only(info)
        return
    value = sock.get_option(option)
    assert type(value) is PYTHON_TYPE[option.kind]


@pytest.mark.parametrize("option", _params(SETTINGS))
def test_every_settable_option_round_trips(sockets: Sockets, option: SocketOption) -> None:
    """set_option then get_option gives the value back (sizes: at least as large);
    on the POSIX backend a Windows-only option is refused, saying why."""
    sock = _socket_for(sockets, option)
    wanted = SETTINGS[option]
    if _refused_here(option):
        with pytest.raises(WinsockError) as info:
            sock.set_option(option, wanted)  # type: ignore[call-overload]
        _assert_refused_as_windows_only(info)
        return
    sock.set_option(option, wanted)  # type: ignore[call-overload]
    got = sock.get_option(option)
    if option.kind is OptionKind.INT and option.level == 0xFFFF:
        assert isinstance(got, int)
        assert isinstance(wanted, int)
        assert got >= wanted
    else:
        assert got == wanted


def test_the_table_says_how_each_option_maps_to_posix() -> None:
    """Each member names its stdlib counterpart, is emulated, or is Windows only; the
    mapped names exist in this host's socket module, or (on Windows) are ignored."""
    import socket

    for option in SocketOption:
        posix = option.posix
        assert posix in (EMULATED, WINDOWS_ONLY) or isinstance(posix, tuple), option
        if isinstance(posix, tuple) and BACKEND.name == "posix":
            assert isinstance(getattr(socket, posix[0]), int), posix
            assert isinstance(getattr(socket, posix[1]), int), posix
    assert SocketOption.CONDITIONAL_ACCEPT.rule is OptionRule.BEFORE_LISTEN
    assert {o for o in SocketOption if o.before_bind} == {
        SocketOption.EXCLUSIVEADDRUSE,
        SocketOption.REUSEADDR,
        SocketOption.REUSE_UNICASTPORT,
        SocketOption.IPV6_V6ONLY,
    }


@pytest.mark.wine_gap(_KEEP_GAP)
def test_options_of_the_table_reach_the_host_numbers(sockets: Sockets) -> None:
    """The POSIX mapping is the host's: TCP_KEEPIDLE set through winsockx reads back
    through the stdlib socket module's own number (6/4 on Linux, 6/3 on Windows)."""
    import socket

    sock = sockets.new()
    sock.set_option(SocketOption.TCP_KEEPIDLE, 45)
    if BACKEND.name == "posix":
        view = socket.socket(fileno=sock.fileno())
        try:
            assert view.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 45
        finally:
            view.detach()
    assert sock.get_option(SocketOption.TCP_KEEPIDLE) == 45


def test_before_listen_option_refused_once_listening(sockets: Sockets) -> None:
    """SO_CONDITIONAL_ACCEPT is read when listen() starts: after it, every backend
    refuses the call before it reaches the system."""
    sock = sockets.listener()
    with pytest.raises(OptionOrderError, match="before listen"):
        sock.set_option(SocketOption.CONDITIONAL_ACCEPT, True)


@pytest.mark.wine_gap("Wine 8 has no SO_CONDITIONAL_ACCEPT")
def test_before_listen_option_allowed_between_bind_and_listen(sockets: Sockets) -> None:
    """SO_CONDITIONAL_ACCEPT may be set once bound, before listen (Windows); the
    POSIX backend refuses it as Windows only."""
    sock = sockets.new()
    sock.bind(("127.0.0.1", 0))
    if BACKEND.name == "posix":
        with pytest.raises(WinsockError) as info:
            sock.set_option(SocketOption.CONDITIONAL_ACCEPT, True)
        _assert_refused_as_windows_only(info)
        return
    sock.set_option(SocketOption.CONDITIONAL_ACCEPT, True)
    sock.listen()
    assert sock.get_option(SocketOption.CONDITIONAL_ACCEPT) is True


def test_typed_overloads_match_the_option_table() -> None:
    """The option lists behind get_option's overloads agree with SocketOption.kind."""
    flags = set(typing.get_args(sockets_module._BoolOption))
    sizes = set(typing.get_args(sockets_module._IntOption))
    times = set(typing.get_args(sockets_module._TimeoutOption))
    assert flags == {o for o in SocketOption if o.kind is OptionKind.BOOL}
    assert sizes == {o for o in SocketOption if o.kind is OptionKind.INT}
    assert times == {o for o in SocketOption if o.kind is OptionKind.TIMEOUT}


@pytest.mark.parametrize(
    ("option", "value"),
    [
        (SocketOption.SNDBUF, True),
        (SocketOption.RCVBUF, 1.5),
        (SocketOption.KEEPALIVE, 2),
        (SocketOption.KEEPALIVE, "yes"),
        (SocketOption.LINGER, True),
        (SocketOption.RCVTIMEO, True),
        (SocketOption.SNDTIMEO, "1"),
        (SocketOption.TCP_KEEPCNT, 2.5),
    ],
)
def test_a_value_of_the_wrong_kind_is_a_type_error(
    sockets: Sockets, option: SocketOption, value: object
) -> None:
    """set_option(SNDBUF, True) and friends are mistakes, refused before any OS call."""
    with pytest.raises(TypeError, match=option.c_name):
        sockets.new().set_option(option, value)  # type: ignore[call-overload]


def test_exclusive_must_be_a_bool() -> None:
    """Socket(exclusive="no") is a TypeError, not a truthy string taken for yes."""
    with pytest.raises(TypeError, match="exclusive"):
        Socket(exclusive="no")  # type: ignore[arg-type]
