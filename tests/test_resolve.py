"""winsockx.resolve.getaddrinfo against the real resolver, loopback names only.

The machines that run the suite have no DNS: queries use ``localhost``, address
literals and a name under ``.invalid`` (RFC 6761: never resolves). Results are
compared with the stdlib's :func:`socket.getaddrinfo` for the same query on the same
platform. A failed lookup is WSAHOST_NOT_FOUND (11001) on Linux (EAI_NONAME) and on
Wine 8; WSANO_DATA (11004) is accepted too, which a resolver may answer instead.
"""

from __future__ import annotations

import socket

import pytest

from tests.fake_backend import FaultyBackend, failure
from winsockx import raw, resolve
from winsockx.address import IPv4Address, IPv6Address
from winsockx.constants import AddressFamily, SocketType
from winsockx.errors import WinsockError, WSAError
from winsockx.resolve import AI_CANONNAME, AI_NUMERICHOST, AI_PASSIVE, AddrInfo, getaddrinfo

AF_INET, AF_INET6 = 2, 23
SOCK_STREAM, SOCK_DGRAM = 1, 2
NOT_FOUND = {WSAError.WSAHOST_NOT_FOUND, WSAError.WSANO_DATA}
BOGUS = "no-such-host.invalid"

_STD_FAMILY = {AF_INET: socket.AF_INET, AF_INET6: socket.AF_INET6, 0: socket.AF_UNSPEC}
_STD_TYPE = {SOCK_STREAM: socket.SOCK_STREAM, SOCK_DGRAM: socket.SOCK_DGRAM, 0: 0}


def _ours(infos: list[AddrInfo]) -> set[tuple[int, int, int, tuple[object, ...]]]:
    """(family, type, proto, sockaddr) of each entry, families and types in Winsock numbers."""
    return {(int(i.family), int(i.type), i.proto, tuple(i.sockaddr)) for i in infos}


def _stdlib(
    host: str | None, port: int | str | None, family: int = 0, type: int = 0, flags: int = 0
) -> set[tuple[int, int, int, tuple[object, ...]]]:
    """The stdlib's answer to the same query, in Winsock numbers."""
    back_family = {socket.AF_INET: AF_INET, socket.AF_INET6: AF_INET6}
    back_type = {socket.SOCK_STREAM: SOCK_STREAM, socket.SOCK_DGRAM: SOCK_DGRAM}
    out = set()
    for fam, kind, proto, _, sockaddr in socket.getaddrinfo(
        host, port, _STD_FAMILY[family], _STD_TYPE[type], 0, flags
    ):
        if fam not in back_family:
            continue
        out.add((back_family[fam], back_type.get(kind, int(kind)), proto, tuple(sockaddr)))
    return out


def test_localhost_gives_loopback_entries() -> None:
    """``localhost`` resolves to 127.0.0.1 and/or ::1, as the stdlib says on this platform."""
    infos = getaddrinfo("localhost", 80)
    assert infos
    assert {i.sockaddr[0] for i in infos} <= {"127.0.0.1", "::1"}
    for info in infos:
        assert isinstance(info.sockaddr, (IPv4Address, IPv6Address))
        assert info.sockaddr.family is info.family
        assert info.sockaddr[1] == 80
    assert _ours(infos) == _stdlib("localhost", 80)


def test_ipv4_literal_stream_gives_exactly_one_entry() -> None:
    """An IPv4 literal with AF_INET and SOCK_STREAM is one entry, the stdlib's entry."""
    infos = getaddrinfo("127.0.0.1", "80", AF_INET, SOCK_STREAM)
    assert len(infos) == 1
    info = infos[0]
    assert info.family is AddressFamily.AF_INET
    assert info.type is SocketType.SOCK_STREAM
    assert info.sockaddr == ("127.0.0.1", 80)
    assert info.canonname == ""
    assert _ours(infos) == _stdlib("127.0.0.1", "80", AF_INET, SOCK_STREAM)


def test_ipv6_literal_gives_the_4_tuple() -> None:
    """``::1`` gives IPv6 entries whose sockaddr is the stdlib's 4-tuple."""
    infos = getaddrinfo("::1", 443, AF_INET6, SOCK_DGRAM)
    assert infos
    assert all(i.sockaddr == ("::1", 443, 0, 0) for i in infos)
    assert all(i.family is AddressFamily.AF_INET6 for i in infos)
    assert _ours(infos) == _stdlib("::1", 443, AF_INET6, SOCK_DGRAM)


def test_unspecified_type_matches_the_stdlib() -> None:
    """With no type hint the entries are the stdlib's (Linux: one per socket type;
    Windows: one entry of type 0)."""
    infos = getaddrinfo("127.0.0.1", 7)
    assert _ours(infos) == _stdlib("127.0.0.1", 7)


def test_passive_without_host_is_the_wildcard() -> None:
    """AI_PASSIVE and no host: the wildcard address to bind to."""
    infos = getaddrinfo(None, 5150, AF_INET6, SOCK_STREAM, flags=AI_PASSIVE)
    assert [i.sockaddr for i in infos] == [("::", 5150, 0, 0)]
    assert _ours(infos) == _stdlib(None, 5150, AF_INET6, SOCK_STREAM, socket.AI_PASSIVE)


def test_canonname_is_reported_on_request() -> None:
    """AI_CANONNAME fills in the first entry's canonical name (the literal itself here)."""
    infos = getaddrinfo("127.0.0.1", 80, AF_INET, SOCK_STREAM, flags=AI_CANONNAME)
    std = socket.getaddrinfo(
        "127.0.0.1", 80, socket.AF_INET, socket.SOCK_STREAM, 0, socket.AI_CANONNAME
    )
    assert infos[0].canonname == std[0][3]


def test_unknown_name_fails_typed() -> None:
    """A name that cannot exist: WSAHOST_NOT_FOUND (or WSANO_DATA), naming the query;
    the stdlib fails for it too."""
    with pytest.raises(WinsockError) as info:
        getaddrinfo(BOGUS, 80)
    err = info.value
    assert err.code in NOT_FOUND
    assert err.function == "getaddrinfo"
    assert err.argument == f"{BOGUS!r}, 80"
    assert isinstance(err, OSError)
    if raw.backend.name == "posix":
        # The EAI result is kept in the hint: what the WSA code alone does not say.
        assert err.hint is not None
        assert err.hint.startswith("getaddrinfo: EAI_")
        assert err.hint in str(err)
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo(BOGUS, 80)


def test_numerichost_refuses_a_name() -> None:
    """AI_NUMERICHOST with a name fails instead of looking it up, as in the stdlib."""
    with pytest.raises(WinsockError) as info:
        getaddrinfo("localhost", 80, flags=AI_NUMERICHOST)
    assert info.value.code in NOT_FOUND
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("localhost", 80, flags=socket.AI_NUMERICHOST)
    assert getaddrinfo("127.0.0.1", 80, AF_INET, SOCK_STREAM, flags=AI_NUMERICHOST)


def test_unknown_service_is_wsatype_not_found() -> None:
    """A service name the services database lacks: WSATYPE_NOT_FOUND (EAI_SERVICE)."""
    with pytest.raises(WinsockError) as info:
        getaddrinfo("127.0.0.1", "no-such-service", AF_INET, SOCK_STREAM)
    assert info.value.code is WSAError.WSATYPE_NOT_FOUND


def test_unsupported_family_is_wsaeafnosupport() -> None:
    """A family hint Winsock does not know: WSAEAFNOSUPPORT."""
    with pytest.raises(WinsockError) as info:
        getaddrinfo("127.0.0.1", 80, 99)
    assert info.value.code is WSAError.WSAEAFNOSUPPORT


def test_non_ascii_host_goes_as_idna() -> None:
    """A non-ASCII name is sent IDNA-encoded, as by the stdlib: it fails as a name
    (not with UnicodeError); one IDNA cannot encode is a ValueError."""
    with pytest.raises(WinsockError) as info:
        getaddrinfo("bücher.invalid", 80)
    assert info.value.code in NOT_FOUND
    with pytest.raises(ValueError, match="IDNA"):
        getaddrinfo("ü" * 70 + ".invalid", 80)


@pytest.mark.parametrize(
    ("host", "port", "kwargs", "error", "match"),
    [
        ("localhost", 65536, {}, ValueError, "port must be between 0 and 65535"),
        ("localhost", -1, {}, ValueError, "port must be between 0 and 65535"),
        ("localhost", True, {}, TypeError, "port must be"),
        ("localhost", 1.5, {}, TypeError, "port must be"),
        ("localhost", "8\x000", {}, ValueError, "NUL"),
        ("local\x00host", 80, {}, ValueError, "NUL"),
        (b"localhost", 80, {}, TypeError, "host must be a str"),
        ("localhost", 80, {"family": 2**40}, ValueError, "family"),
        ("localhost", 80, {"flags": "x"}, TypeError, "flags"),
    ],
)
def test_arguments_are_checked(
    host: object, port: object, kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    """Bad arguments are refused before the resolver is asked, with a clear message."""
    with pytest.raises(error, match=match):
        getaddrinfo(host, port, **kwargs)  # type: ignore[arg-type]


def test_injected_failure_keeps_its_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure the resolver cannot be made to give on demand (WSATRY_AGAIN) reaches
    the caller with its exact code; the query reached the backend as strings."""
    fake = FaultyBackend(raw.backend)
    monkeypatch.setattr(raw, "backend", fake)
    fake.script("getaddrinfo", failure(WSAError.WSATRY_AGAIN))
    with pytest.raises(WinsockError) as info:
        resolve.getaddrinfo("localhost", 80)
    assert info.value.code is WSAError.WSATRY_AGAIN
    assert [c.detail for c in fake.calls_of("getaddrinfo")] == [("localhost", "80")]
    assert resolve.getaddrinfo("127.0.0.1", 80, AF_INET, SOCK_STREAM)[0].sockaddr == (
        "127.0.0.1",
        80,
    )
