"""IPv4Address, IPv6Address and address parsing: checked before any call reaches Winsock."""

from __future__ import annotations

import ipaddress
import random
import socket
import sys
from typing import Any

import pytest

from winsockx import (
    AF_INET,
    AF_INET6,
    SOCK_DGRAM,
    SOCK_STREAM,
    Address,
    AddressFamily,
    IPv4Address,
    IPv6Address,
    SocketOption,
)
from winsockx.address import (
    format_host,
    make_address,
    pack_sockaddr,
    parse_address,
    unpack_sockaddr,
)

from .conftest import Sockets


def test_ipv4_address_text_and_tuple() -> None:
    """An IPv4Address prints as host:port and is the stdlib's 2-tuple."""
    a = IPv4Address("127.0.0.1", 5150)
    assert str(a) == "127.0.0.1:5150"
    assert a == ("127.0.0.1", 5150)
    assert a[0] == "127.0.0.1"
    assert a[1] == 5150
    host, port = a
    assert (host, port) == ("127.0.0.1", 5150)
    assert a.family is AF_INET
    assert a.as_tuple() == ("127.0.0.1", 5150)
    assert type(a.as_tuple()) is tuple
    assert repr(a) == "IPv4Address(host='127.0.0.1', port=5150)"


def test_ipv6_address_text_and_tuple() -> None:
    """An IPv6Address prints in brackets (with %scope) and is the stdlib's 4-tuple."""
    a = IPv6Address("::1", 80)
    assert str(a) == "[::1]:80"
    assert a == ("::1", 80, 0, 0)
    assert a.family is AF_INET6
    assert a.as_tuple() == ("::1", 80, 0, 0)
    assert type(a.as_tuple()) is tuple
    b = IPv6Address("fe80::1", 443, 0, 3)
    assert str(b) == "[fe80::1%3]:443"
    assert b.as_tuple() == ("fe80::1", 443, 0, 3)
    host, port, flowinfo, scope_id = b
    assert (host, port, flowinfo, scope_id) == ("fe80::1", 443, 0, 3)


def test_address_is_immutable_and_hashable() -> None:
    """Addresses are immutable values: equal ones (and the equal plain tuple) hash alike."""
    a = IPv4Address("127.0.0.1", 1)
    with pytest.raises(AttributeError):
        a.port = 2  # type: ignore[misc]
    assert a == IPv4Address("127.0.0.1", 1)
    assert len({a, IPv4Address("127.0.0.1", 1), ("127.0.0.1", 1)}) == 1
    assert a != make_address("127.0.0.1", 1, AF_INET6)


@pytest.mark.parametrize(
    ("family", "flowinfo", "scope_id", "expected"),
    [
        (AF_INET, 0, 0, IPv4Address("127.0.0.1", 9)),
        (AF_INET6, 0, 0, IPv6Address("127.0.0.1", 9)),
        (AF_INET6, 5, 2, IPv6Address("127.0.0.1", 9, 5, 2)),
    ],
)
def test_make_address_chooses_the_class(
    family: AddressFamily, flowinfo: int, scope_id: int, expected: Address
) -> None:
    """make_address builds the class of *family*, checking nothing else (not even the host)."""
    made = make_address("127.0.0.1", 9, family, flowinfo, scope_id)
    assert made == expected
    assert type(made) is type(expected)


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (("127.0.0.1", 1, AF_INET, 0, 3), r"^address flowinfo and scope_id must be 0 for AF_INET$"),
        (("127.0.0.1", 1, AF_INET, 7), r"must be 0 for AF_INET"),
        (("127.0.0.1", 1, 1), r"^address family must be AF_INET or AF_INET6, got 1$"),
    ],
)
def test_make_address_refuses(args: tuple[Any, ...], pattern: str) -> None:
    """make_address refuses a family it has no class for, and IPv6 fields for IPv4."""
    with pytest.raises(ValueError, match=pattern):
        make_address(*args)


def test_address_still_callable_and_an_isinstance_target() -> None:
    """At run time Address(host, port, family, ...) builds the right class, as it used to."""
    legacy: Any = Address  # a type checker sees the union, which it cannot call
    a = legacy("127.0.0.1", 5150, AF_INET)
    assert type(a) is IPv4Address
    assert a == IPv4Address("127.0.0.1", 5150)
    b = legacy("fe80::1", 1, AF_INET6, 0, 3)
    assert type(b) is IPv6Address
    assert b == ("fe80::1", 1, 0, 3)
    assert isinstance(a, legacy)
    assert isinstance(b, legacy)
    assert not isinstance(("127.0.0.1", 5150), legacy)
    with pytest.raises(ValueError, match="must be 0 for AF_INET"):
        legacy("127.0.0.1", 1, AF_INET, 0, 3)


@pytest.mark.parametrize(
    ("host", "wildcard"), [("0.0.0.0", True), ("::", True), ("127.0.0.1", False), ("::1", False)]
)
def test_is_wildcard(host: str, wildcard: bool) -> None:
    """is_wildcard is True only for 0.0.0.0 and ::."""
    family = AF_INET6 if ":" in host else AF_INET
    assert make_address(host, 0, family).is_wildcard is wildcard


@pytest.mark.parametrize(
    ("family", "given", "canonical"),
    [
        (AF_INET, "127.0.0.1", "127.0.0.1"),
        (AF_INET, "", "0.0.0.0"),
        (AF_INET6, "", "::"),
        (AF_INET6, "0:0:0:0:0:0:0:1", "::1"),
        (AF_INET6, "FE80::A", "fe80::a"),
        (AF_INET6, "::ffff:127.0.0.1", "::ffff:127.0.0.1"),
        (AF_INET6, "::ffff:7f00:1", "::ffff:127.0.0.1"),
    ],
)
def test_parse_canonical_host(family: AddressFamily, given: str, canonical: str) -> None:
    """Hosts are stored in canonical text; the empty host means the wildcard."""
    parsed = parse_address(family, (given, 7))
    assert parsed.host == canonical
    assert parsed.port == 7
    assert parsed.family == family


def test_parse_four_tuple() -> None:
    """AF_INET6 takes (host, port, flowinfo, scope_id)."""
    parsed = parse_address(AF_INET6, ("::1", 1, 5, 2))
    assert isinstance(parsed, IPv6Address)
    assert (parsed.flowinfo, parsed.scope_id) == (5, 2)
    assert parsed == ("::1", 1, 5, 2)


@pytest.mark.parametrize(
    ("family", "address", "expected"),
    [
        (AF_INET, ("127.0.0.1", 1), IPv4Address("127.0.0.1", 1)),
        (AF_INET6, ("::1", 1), IPv6Address("::1", 1, 0, 0)),
        (AF_INET6, ("::1", 1, 5, 2), IPv6Address("::1", 1, 5, 2)),
        (AF_INET, ("127.0.0.1", True), None),
    ],
)
def test_parse_returns_the_family_class(
    family: AddressFamily, address: tuple[Any, ...], expected: Address | None
) -> None:
    """parse_address gives an IPv4Address for AF_INET and an IPv6Address for AF_INET6."""
    if expected is None:
        with pytest.raises(TypeError, match="port must be an int"):
            parse_address(family, address)
        return
    parsed = parse_address(family, address)
    assert type(parsed) is type(expected)
    assert parsed == expected


def test_four_tuple_refused_for_ipv4() -> None:
    """AF_INET takes only (host, port)."""
    with pytest.raises(TypeError, match=r"\(host, port\)"):
        parse_address(AF_INET, ("127.0.0.1", 1, 0, 0))


@pytest.mark.parametrize(("field", "value"), [(2, -1), (2, 2**32), (3, -1), (3, 2**32)])
def test_flowinfo_scope_range(field: int, value: int) -> None:
    """flowinfo and scope_id must fit 32 bits unsigned."""
    address = ["::1", 1, 0, 0]
    address[field] = value
    name = "flowinfo" if field == 2 else "scope_id"
    with pytest.raises(ValueError, match=name):
        parse_address(AF_INET6, tuple(address))


def test_argument_name_in_messages() -> None:
    """Messages name the argument they are about."""
    with pytest.raises(ValueError, match=r"^target port"):
        parse_address(AF_INET, ("127.0.0.1", 70000), name="target")
    with pytest.raises(TypeError, match=r"^target host"):
        parse_address(AF_INET, (b"127.0.0.1", 1), name="target")


@pytest.mark.parametrize("host", ["127.1", "1.2.3.4.5", "example.com", "[::1]", "::1/128", " ::1"])
def test_malformed_hosts(host: str) -> None:
    """Anything but an IP address literal is refused with ValueError."""
    family = AF_INET6 if ":" in host else AF_INET
    with pytest.raises(ValueError, match=r"\bhost\b"):
        parse_address(family, (host, 1))


@pytest.mark.parametrize("host", ["fe80::1%3", "::1%eth0"])
def test_scope_suffix_is_not_dropped(host: str) -> None:
    """A "%scope" suffix is either refused or kept as scope_id, never silently lost.

    Python's ipaddress accepts the suffix since 3.9; dropping it would connect a
    link-local address on scope 0, i.e. on no interface or the wrong one.
    """
    try:
        parsed = parse_address(AF_INET6, (host, 1))
    except ValueError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert repr(host) in message
        return
    scope = host.partition("%")[2]
    assert scope.isdigit(), f"{host!r} accepted as {parsed!r}: scope {scope!r} lost"
    assert isinstance(parsed, IPv6Address)
    assert parsed.scope_id == int(scope), f"{host!r} accepted as {parsed!r}: scope lost"


@pytest.mark.parametrize(
    ("family", "address"),
    [(AF_INET, IPv4Address("127.0.0.1", 9)), (AF_INET6, IPv6Address("::1", 9, 1, 2))],
)
def test_address_object_passes_through(family: AddressFamily, address: Address) -> None:
    """A typed address of the right family is returned as it is."""
    assert parse_address(family, address) is address


def test_address_object_host_made_canonical() -> None:
    """A typed address with non-canonical host text comes back with the canonical text."""
    parsed = parse_address(AF_INET6, IPv6Address("FE80:0::A", 9, 1, 2))
    assert parsed == IPv6Address("fe80::a", 9, 1, 2)
    assert type(parsed) is IPv6Address
    parsed = parse_address(AF_INET, IPv4Address("", 9))
    assert parsed == IPv4Address("0.0.0.0", 9)
    assert type(parsed) is IPv4Address


def test_ipv4_address_on_ipv6_is_a_plain_tuple() -> None:
    """AF_INET6 takes an IPv4Address as the (host, port) tuple it is."""
    parsed = parse_address(AF_INET6, IPv4Address("::1", 9))
    assert parsed == IPv6Address("::1", 9)
    assert type(parsed) is IPv6Address
    with pytest.raises(ValueError, match=r"'127\.0\.0\.1' is IPv4 but the socket is AF_INET6"):
        parse_address(AF_INET6, IPv4Address("127.0.0.1", 9))


@pytest.mark.parametrize(
    ("address", "error", "pattern"),
    [
        (IPv4Address("127.0.0.1", 70000), ValueError, r"port must be between 0 and 65535"),
        (IPv4Address("127.0.0.1", -1), ValueError, r"port must be between 0 and 65535"),
        (IPv6Address("::1", 70000), ValueError, r"port must be between 0 and 65535"),
        (IPv6Address("::1", 1, 2**32), ValueError, r"flowinfo must be between"),
        (IPv6Address("::1", 1, -1), ValueError, r"flowinfo must be between"),
        (IPv6Address("::1", 1, 0, 2**32), ValueError, r"scope_id must be between"),
        (IPv6Address("::1", 1, True), TypeError, r"flowinfo must be an int"),
        (IPv4Address("127.0.0.1", "80"), TypeError, r"port must be an int"),  # type: ignore[arg-type]
        (IPv4Address("127.0.0.1", True), TypeError, r"port must be an int"),
        (IPv4Address(b"127.0.0.1", 1), TypeError, r"host must be a str"),  # type: ignore[arg-type]
        (IPv4Address("example.com", 1), ValueError, r"not an IP address literal"),
        (IPv4Address("::1", 1), ValueError, r"'::1' is IPv6 but the socket is AF_INET"),
    ],
)
def test_address_object_checked_like_a_tuple(
    address: Address, error: type[Exception], pattern: str
) -> None:
    """parse_address checks every field of a typed address, as it does a tuple's."""
    with pytest.raises(error, match=pattern):
        parse_address(address.family, address, name="target")


def test_address_object_of_other_family() -> None:
    """An IPv6Address is refused by AF_INET, naming both families."""
    with pytest.raises(ValueError, match=r"^target is AF_INET6 but the socket is AF_INET$"):
        parse_address(AF_INET, IPv6Address("::1", 1), name="target")


@pytest.mark.parametrize(
    ("address", "error", "pattern"),
    [
        (IPv4Address("127.0.0.1", 70000), ValueError, r"port must be between 0 and 65535"),
        (IPv6Address("::1", 1, 2**32), ValueError, r"flowinfo must be between"),
        (IPv6Address("::1", 1, 0, -1), ValueError, r"scope_id must be between"),
        (IPv4Address("127.0.0.1", 1.5), TypeError, r"port must be an int"),  # type: ignore[arg-type]
        (IPv4Address(["127.0.0.1"], 1), TypeError, r"host must be a str"),  # type: ignore[arg-type]
        (("127.0.0.1", 1), TypeError, r"must be an IPv4Address or IPv6Address, not tuple"),
    ],
)
def test_pack_sockaddr_names_the_bad_field(
    address: Address, error: type[Exception], pattern: str
) -> None:
    """An address that skipped parse_address is refused by name, never an OverflowError."""
    with pytest.raises(error, match=pattern):
        pack_sockaddr(address, 2)


def test_bind_refuses_bad_address_object(sockets: Sockets) -> None:
    """Socket.bind given an IPv4Address with port 70000 raises ValueError before any call."""
    sock = sockets.new(AF_INET, SOCK_STREAM)
    with pytest.raises(ValueError, match=r"port must be between 0 and 65535, got 70000"):
        sock.bind(IPv4Address("127.0.0.1", 70000))
    sock.bind(IPv4Address("127.0.0.1", 0))  # still unbound, so this works
    assert sock.getsockname().host == "127.0.0.1"


@pytest.mark.parametrize(
    ("host", "pattern"),
    [
        ("127.0.0.1\0", r"contains a NUL character; pass the IP address text without it"),
        ("127.0.0.1\x00.evil", r"contains a NUL character"),
        ("\0", r"contains a NUL character"),
        (
            "\uff11\uff12\uff17.0.0.1",
            r"character '\uff11' \(U\+FF11\); write the IP address with ASCII",
        ),
        ("127.0.0.\u0661", r"non-ASCII character '\u0661' \(U\+0661\)"),
        ("fe80::\u00e9", r"non-ASCII character 'é' \(U\+00E9\)"),
        ("::1\udcff", r"non-ASCII character '\\udcff' \(U\+DCFF\)"),
    ],
)
def test_nul_and_non_ascii_hosts(host: str, pattern: str) -> None:
    """Hosts with NUL or non-ASCII characters are refused with a message saying which."""
    family = AF_INET6 if ":" in host else AF_INET
    with pytest.raises(ValueError, match=pattern):
        parse_address(family, (host, 1))
    with pytest.raises(ValueError, match=pattern):
        parse_address(family, make_address(host, 1, family))


@pytest.mark.parametrize(
    "address",
    [
        IPv4Address("127.0.0.1", 5150),
        IPv4Address("0.0.0.0", 0),
        IPv6Address("::1", 65535),
        IPv6Address("fe80::1", 1, 0x12345, 7),
        IPv6Address("::ffff:10.0.0.1", 80),
    ],
)
def test_sockaddr_round_trip(address: Address) -> None:
    """pack_sockaddr and unpack_sockaddr are inverse, with the port in network order."""
    native = 99  # the family number the stack uses; carried through untouched
    data = pack_sockaddr(address, native)
    assert len(data) == (16 if address.family == AF_INET else 28)
    assert int.from_bytes(data[2:4], "big") == address.port
    unpacked = unpack_sockaddr(data, address.family)
    assert unpacked == address
    assert type(unpacked) is type(address)


def test_format_host_mapped() -> None:
    """IPv4-mapped IPv6 addresses are written with a dotted quad, as inet_ntop does."""
    packed = b"\x00" * 10 + b"\xff\xff" + bytes([192, 0, 2, 1])
    assert format_host(AF_INET6, packed) == "::ffff:192.0.2.1"


# Text as glibc 2.36's inet_ntop writes it (measured on Debian 12).
GLIBC_TEXT = {
    "::1.2.3.4": "::1.2.3.4",
    "::0.1.0.0": "::0.1.0.0",
    "::255.255.255.255": "::255.255.255.255",
    "::0.0.1.2": "::102",
    "::0.0.0.1": "::1",
    "::": "::",
    "::1": "::1",
    "::2": "::2",
    "::ffff": "::ffff",
    "::ffff:1.2.3.4": "::ffff:1.2.3.4",
    "::ffff:1:2": "::ffff:0.1.0.2",
    "::ffff:0:0": "::ffff:0.0.0.0",
    "::ffff:0:1.2.3.4": "::ffff:0:102:304",
    "::1:ffff:1.2.3.4": "::1:ffff:102:304",
    "::1:0:0:0": "::1:0:0:0",
    "0:0:0:0:1::": "::1:0:0:0",
    "1::": "1::",
    "2001:db8::1": "2001:db8::1",
    "1:0:0:1:0:0:0:1": "1:0:0:1::1",
    "64:ff9b::1.2.3.4": "64:ff9b::102:304",
    "fe80::5efe:1.2.3.4": "fe80::5efe:102:304",
    "FE80::A": "fe80::a",
}

# Where Wine 8's inet_ntop (Winsock's) writes another text than glibc's.
WINSOCK_DIFFERS = {"::ffff:0:0", "::ffff:0:1.2.3.4", "fe80::5efe:1.2.3.4"}


@pytest.mark.parametrize("text", sorted(GLIBC_TEXT))
def test_format_host_as_glibc(text: str) -> None:
    """IPv6 text is glibc's, IPv4-compatible and IPv4-mapped forms included."""
    packed = ipaddress.IPv6Address(text).packed
    assert format_host(AF_INET6, packed) == GLIBC_TEXT[text]
    assert parse_address(AF_INET6, (text, 1)).host == GLIBC_TEXT[text]


@pytest.mark.parametrize("text", sorted(GLIBC_TEXT))
def test_format_host_matches_system_inet_ntop(text: str) -> None:
    """The system's own inet_ntop agrees (Winsock's too, where its text is the same)."""
    if sys.platform == "win32" and text in WINSOCK_DIFFERS:
        pytest.skip("Winsock writes its own text for this one (see format_host)")
    packed = socket.inet_pton(socket.AF_INET6, text)
    assert format_host(AF_INET6, packed) == socket.inet_ntop(socket.AF_INET6, packed)


@pytest.mark.skipif(sys.platform == "win32", reason="Winsock's inet_ntop differs in a few forms")
def test_format_host_matches_glibc_on_a_spread() -> None:
    """Thousands of addresses dense in zero groups, 0xffff and small values print as glibc does."""
    rng = random.Random(5150)
    choices = [0, 0, 0, 0, 1, 0xFFFF, 0x102, 0x5EFE]
    for _ in range(5000):
        words = [
            rng.choice(choices) if rng.random() < 0.8 else rng.randrange(0x10000) for _ in range(8)
        ]
        packed = b"".join(w.to_bytes(2, "big") for w in words)
        assert format_host(AF_INET6, packed) == socket.inet_ntop(socket.AF_INET6, packed), words
    for value in range(1 << 12):
        # Every address whose last word alone is set, and the same after ::ffff.
        for prefix in (bytes(14), bytes(10) + b"\xff\xff\0\0"):
            packed = prefix + value.to_bytes(2, "big")
            assert format_host(AF_INET6, packed) == socket.inet_ntop(socket.AF_INET6, packed)


@pytest.mark.parametrize("packed", [bytes(4), bytes([127, 0, 0, 1]), bytes([255] * 4)])
def test_format_host_ipv4(packed: bytes) -> None:
    """IPv4 text is the dotted quad the system writes."""
    assert format_host(AF_INET, packed) == socket.inet_ntop(socket.AF_INET, packed)


@pytest.mark.parametrize("kind", [SOCK_STREAM, SOCK_DGRAM])
def test_getsockname_is_an_address(sockets: Sockets, kind: int) -> None:
    """getsockname returns an IPv6Address that a second socket accepts as a target."""
    a = sockets.new(AF_INET6, kind)
    a.bind(("::1", 0))
    name = a.getsockname()
    assert type(name) is IPv6Address
    assert name.host == "::1"
    assert name.family == AF_INET6
    b = sockets.new(AF_INET6, kind)
    b.bind(IPv6Address("::1", 0))
    if kind == SOCK_DGRAM:
        b.connect(name)
        assert b.getpeername() == name


def test_ipv4_compatible_peer_name(sockets: Sockets) -> None:
    """The stack's own sockaddr for an IPv4-compatible peer reads as ``::a.b.c.d``.

    No interface has such an address to bind, so a UDP socket is connected to one
    (nothing is sent) and its peer name, as the stack reports it, is checked.
    """
    sock = sockets.new(AF_INET6, SOCK_DGRAM)
    try:
        sock.connect(("::127.0.0.1", 9))
    except OSError as exc:
        pytest.skip(f"the stack refuses an IPv4-compatible peer: {exc}")
    assert sock.getpeername().host == "::127.0.0.1"


def test_ipv4_mapped_bind_on_dual_stack(sockets: Sockets) -> None:
    """A dual-stack AF_INET6 socket binds ::ffff:127.0.0.1 and reports it in that form."""
    sock = sockets.new(AF_INET6, SOCK_STREAM)
    sock.set_option(SocketOption.IPV6_V6ONLY, False)
    sock.bind(("::ffff:127.0.0.1", 0))
    assert sock.getsockname().host == "::ffff:127.0.0.1"
