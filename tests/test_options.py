"""Every SocketOption on every backend, and the value kinds set_option accepts."""

from __future__ import annotations

import typing

import pytest

import winsockx.sockets as sockets_module
from winsockx import AF_INET, AF_INET6, SOCK_DGRAM, SOCK_STREAM, OptionKind, Socket, SocketOption

from .conftest import Sockets

# Options the stack answers but does not let you set.
READ_ONLY = {SocketOption.TYPE, SocketOption.ACCEPTCONN, SocketOption.ERROR}
# A value to set and what reading it back must give (buffer sizes: the stack may
# round or double them, so only "at least what was asked" is checked).
SETTINGS: dict[SocketOption, object] = {
    SocketOption.EXCLUSIVEADDRUSE: True,
    SocketOption.REUSEADDR: True,
    SocketOption.IPV6_V6ONLY: False,
    SocketOption.KEEPALIVE: True,
    SocketOption.BROADCAST: True,
    SocketOption.LINGER: (1, 5),
    SocketOption.OOBINLINE: True,
    SocketOption.SNDBUF: 65536,
    SocketOption.RCVBUF: 65536,
    SocketOption.TCP_NODELAY: True,
}
PYTHON_TYPE = {OptionKind.BOOL: bool, OptionKind.INT: int, OptionKind.LINGER: tuple}


def _socket_for(sockets: Sockets, option: SocketOption) -> Socket:
    if option is SocketOption.IPV6_V6ONLY:
        return sockets.new(AF_INET6, SOCK_STREAM)
    if option is SocketOption.BROADCAST:
        return sockets.new(AF_INET, SOCK_DGRAM)
    return sockets.new(AF_INET, SOCK_STREAM)


def test_every_option_is_covered_here() -> None:
    """A new SocketOption member fails here until it is read-only or has a setting."""
    assert set(SocketOption) == READ_ONLY | set(SETTINGS)


@pytest.mark.parametrize("option", list(SocketOption), ids=lambda o: o.c_name)
def test_every_option_reads_with_its_kind(sockets: Sockets, option: SocketOption) -> None:
    """get_option answers every member, on every backend, with the kind's Python type."""
    value = _socket_for(sockets, option).get_option(option)
    assert type(value) is PYTHON_TYPE[option.kind]


@pytest.mark.parametrize("option", list(SETTINGS), ids=lambda o: o.c_name)
def test_every_settable_option_round_trips(sockets: Sockets, option: SocketOption) -> None:
    """set_option then get_option gives the value back (sizes: at least as large)."""
    sock = _socket_for(sockets, option)
    wanted = SETTINGS[option]
    sock.set_option(option, wanted)  # type: ignore[call-overload]
    got = sock.get_option(option)
    if option.kind is OptionKind.INT:
        assert isinstance(got, int)
        assert isinstance(wanted, int)
        assert got >= wanted
    else:
        assert got == wanted


def test_typed_overloads_match_the_option_table() -> None:
    """The option lists behind get_option's overloads agree with SocketOption.kind."""
    flags = set(typing.get_args(sockets_module._BoolOption))
    sizes = set(typing.get_args(sockets_module._IntOption))
    assert flags == {o for o in SocketOption if o.kind is OptionKind.BOOL}
    assert sizes == {o for o in SocketOption if o.kind is OptionKind.INT}


@pytest.mark.parametrize(
    ("option", "value"),
    [
        (SocketOption.SNDBUF, True),
        (SocketOption.RCVBUF, 1.5),
        (SocketOption.KEEPALIVE, 2),
        (SocketOption.KEEPALIVE, "yes"),
        (SocketOption.LINGER, True),
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
