"""The address guard: rows F5-F9, F14 (TLS) and F15 of RELIABILITY.md, against a real
loopback server with the guard on and only that server's port allowed."""

from __future__ import annotations

import asyncio
import ipaddress
import shutil
import ssl
import subprocess
from collections.abc import Iterator

import pytest
from httpserver import LoopbackServer
from hypothesis import given
from hypothesis import strategies as st

from digest.errors import BlockedAddressError, ConfigError, FetchError
from digest.fetch.guard import AddressGuard, guarded_get, is_blocked, literal_ip, make_client
from digest.fetch.http import fetch_pages
from digest.types import Fetched, FetchSettings

FEED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>ok</title></channel></rss>"


def no_dns(host: str, port: int) -> list[str]:
    raise OSError(f"no DNS in tests ({host})")


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        srv.route("/feed.xml", body=FEED)
        yield srv


@pytest.fixture
def canary() -> Iterator[LoopbackServer]:
    """A second loopback port that must never be reached unless a test allows it."""
    with LoopbackServer() as srv:
        srv.route("/", body=b"canary")
        srv.route("/landing", body=FEED)
        yield srv


def settings_for(*servers: LoopbackServer, **kw: object) -> FetchSettings:
    base: dict[str, object] = {
        "allow_hosts": tuple(s.netloc for s in servers),
        "deadline_seconds": 1.0,
        "timeout_seconds": 1.0,
        "max_redirects": 5,
    }
    base.update(kw)
    return FetchSettings(**base)  # type: ignore[arg-type]


def pages(
    urls: list[str], settings: FetchSettings, resolver: object = no_dns
) -> list[Fetched | FetchError]:
    guard = AddressGuard.from_settings(settings, resolver)  # type: ignore[arg-type]
    return fetch_pages(urls, settings, guard=guard)


def codes(results: list[Fetched | FetchError]) -> list[str]:
    return [r.code if isinstance(r, FetchError) else "ok" for r in results]


# --- address classification --------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:8.8.8.8",
        "64:ff9b::a9fe:a9fe",
        "2002:7f00:1::",
    ],
)
def test_inside_addresses_are_blocked(address: str) -> None:
    assert is_blocked(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert not is_blocked(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("example.com", None),
        ("cafe", None),
    ],
)
def test_literal_ip_understands_odd_spellings(spelling: str, address: str | None) -> None:
    ip = literal_ip(spelling)
    assert (str(ip) if ip else None) == address


INSIDE_V4 = [
    ipaddress.ip_network(n)
    for n in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
              "169.254.0.0/16", "100.64.0.0/10", "0.0.0.0/8")
]  # fmt: skip


@given(st.sampled_from(INSIDE_V4), st.integers(min_value=0, max_value=2**24 - 1), st.data())
def test_every_spelling_of_an_inside_v4_address_is_blocked(
    net: ipaddress.IPv4Network, offset: int, data: st.DataObject
) -> None:
    ip = net[offset % net.num_addresses]
    n = int(ip)
    octets = [int(o) for o in str(ip).split(".")]
    spelling = data.draw(
        st.sampled_from(
            [
                str(ip),
                str(n),
                hex(n),
                ".".join(f"0{o:o}" for o in octets),
                f"{octets[0]}.{n & 0xFFFFFF}",
                f"[::ffff:{ip}]",
            ]
        )
    )
    found = literal_ip(spelling)
    assert found is not None and is_blocked(found)


# --- F7: odd spellings rejected before any connect ------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.1",
        "2130706433",
        "0x7f000001",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "100.64.0.1",
        "[64:ff9b::a9fe:a9fe]",
        "0.0.0.0",
        "localhost.",
        "localhost",
        "foo.localhost",
        "169.254.169.254",
        "10.0.0.1",
    ],
)
def test_f7_odd_ip_forms_are_rejected_before_connect(
    host: str, server: LoopbackServer, canary: LoopbackServer
) -> None:
    settings = settings_for(server)
    results = pages([f"http://{host}:{canary.port}/", server.url("/feed.xml")], settings)
    assert codes(results) == ["blocked_address", "ok"]
    assert canary.hits_total() == 0


def test_f7_allowlisted_spelling_reaches_the_allowed_port_only(server: LoopbackServer) -> None:
    """``127.1`` is 127.0.0.1: allowed on the allowed port, nowhere else."""
    settings = settings_for(server)
    ok, blocked = pages(
        [f"http://127.1:{server.port}/feed.xml", f"http://127.1:{server.port + 1}/"], settings
    )
    assert isinstance(ok, Fetched) and ok.body == FEED
    assert isinstance(blocked, FetchError) and blocked.code == "blocked_address"


def test_a_bare_host_entry_no_longer_opens_every_port(
    server: LoopbackServer, canary: LoopbackServer
) -> None:
    # issue #20: `127.0.0.1` once allowed every port; now it means ports 80 and 443 only
    settings = settings_for(allow_hosts=("127.0.0.1",))
    results = pages([server.url("/feed.xml"), canary.url("/")], settings)
    assert codes(results) == ["blocked_address", "blocked_address"]
    assert "fetch.allow_hosts" in (results[0].hint or "")  # type: ignore[union-attr]
    assert server.hits_total() == 0 and canary.hits_total() == 0
    guard = AddressGuard(["127.0.0.1"])
    assert guard.allowed("127.0.0.1", 80) and guard.allowed("127.0.0.1", 443)
    assert not guard.allowed("127.0.0.1", server.port)


# --- F6: redirect into the inside -----------------------------------------------


def test_f6_redirect_to_unallowed_loopback_port_is_blocked(
    server: LoopbackServer, canary: LoopbackServer
) -> None:
    server.redirect("/evil", canary.url("/"))
    server.redirect("/metadata", "http://169.254.169.254/latest/meta-data/")
    server.redirect("/lan", "http://192.168.0.1/")
    urls = [server.url(p) for p in ("/evil", "/metadata", "/lan", "/feed.xml")]
    results = pages(urls, settings_for(server))
    assert codes(results) == ["blocked_address"] * 3 + ["ok"]
    assert "not a public address" in results[0].message  # type: ignore[union-attr]
    assert canary.hits_total() == 0


def test_public_name_resolving_inside_is_blocked(server: LoopbackServer) -> None:
    resolver = {"intranet.example": ["93.184.216.34", "10.0.0.5"]}
    settings = settings_for(server)
    results = pages(["http://intranet.example/feed"], settings, lambda h, p: resolver[h])
    assert codes(results) == ["blocked_address"]


# --- F8: DNS rebinding ------------------------------------------------------------


def test_f8_dns_rebinding_cannot_switch_target(
    server: LoopbackServer, canary: LoopbackServer
) -> None:
    """First answer public, then loopback: the guard resolves once per connection and
    connects only to what it vetted, so the canary is never reached."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]] * 4)
    calls: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers) if host == "rebind.test" else no_dns(host, port)

    url = f"http://rebind.test:{canary.port}/"
    settings = settings_for(server, concurrency=1, per_host=1)
    results = pages([url, url, server.url("/feed.xml")], settings, rebinding)
    # the public answer is connected to (and refused by the test's no-internet
    # fixture); the loopback answer is blocked before any connect
    assert codes(results) == ["connection", "blocked_address", "ok"]
    assert canary.hits_total() == 0
    assert calls == ["rebind.test", "rebind.test"]


def test_resolver_failure_is_a_dns_error(server: LoopbackServer) -> None:
    results = pages(["http://no-such-host.test/", server.url("/feed.xml")], settings_for(server))
    assert codes(results) == ["dns", "ok"]


# --- F9: schemes and downgrade -------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/feed",
        "gopher://example.com/",
        "data:text/xml,<rss/>",
        "javascript:alert(1)",
        "/relative/only",
    ],
)
def test_f9_non_http_schemes_rejected(url: str, server: LoopbackServer) -> None:
    results = pages([url, server.url("/feed.xml")], settings_for(server))
    assert codes(results) == ["bad_scheme", "ok"]


@pytest.mark.parametrize("location", ["file:///etc/passwd", "gopher://x/", "data:,x"])
def test_f9_non_http_redirect_target_rejected(location: str, server: LoopbackServer) -> None:
    server.redirect("/bad", location)
    results = pages([server.url("/bad"), server.url("/feed.xml")], settings_for(server))
    assert codes(results) == ["bad_scheme", "ok"]


def test_check_url_raises_typed_errors() -> None:
    guard = AddressGuard()
    with pytest.raises(BlockedAddressError) as info:
        guard.check_url("file:///etc/passwd")
    assert info.value.code == "bad_scheme"
    assert guard.check_url("https://example.com/x").host == "example.com"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


def test_f9_https_to_http_downgrade_refused(certificate: tuple[str, str]) -> None:
    with LoopbackServer(tls=certificate) as tls, LoopbackServer() as plain:
        plain.route("/feed.xml", body=FEED)
        tls.route("/feed.xml", body=FEED)
        tls.redirect("/down", plain.url("/feed.xml"))
        settings = settings_for(tls, plain)
        guard = AddressGuard.from_settings(settings, no_dns)
        trusted = ssl.create_default_context(cafile=certificate[0])  # still verifying

        async def run() -> tuple[int, str]:
            async with make_client(settings, guard, ssl_context=trusted) as client:
                ok = await guarded_get(client, guard, tls.url("/feed.xml"), settings)
                with pytest.raises(FetchError) as info:
                    await guarded_get(client, guard, tls.url("/down"), settings)
                return ok.status, info.value.code

        assert asyncio.run(run()) == (200, "insecure_redirect")
        assert plain.hits_total() == 0


def test_tls_verification_cannot_be_disabled() -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with pytest.raises(ValueError, match="cannot be turned off"):
        make_client(FetchSettings(), AddressGuard(), ssl_context=context)


def test_f14_self_signed_tls_fails_without_fallback(
    certificate: tuple[str, str], server: LoopbackServer
) -> None:
    with LoopbackServer(tls=certificate) as tls:
        tls.route("/feed.xml", body=FEED)
        results = pages([tls.url("/feed.xml"), server.url("/feed.xml")], settings_for(tls, server))
        assert codes(results) == ["tls", "ok"]
        assert "CERTIFICATE_VERIFY_FAILED" in results[0].message  # type: ignore[union-attr]
        assert tls.hits_total() == 0  # no second, unverified attempt ever happens


# --- F5: loops and long chains -------------------------------------------------------


def test_f5_redirect_loop_and_long_chain(server: LoopbackServer) -> None:
    server.redirect("/a", "/b")
    server.redirect("/b", "/a")
    for i in range(30):
        server.redirect(f"/hop{i}", f"/hop{i + 1}")
    server.route("/hop30", body=FEED)
    urls = [server.url("/a"), server.url("/hop0"), server.url("/feed.xml")]
    results = pages(urls, settings_for(server))
    assert codes(results) == ["redirect_loop", "too_many_redirects", "ok"]
    assert server.hits["/hop6"] == 0  # stopped after 5 hops, not 30
    assert server.hits["/a"] == 1 and server.hits["/b"] == 1


def test_redirect_within_limit_is_followed(server: LoopbackServer) -> None:
    for i in range(5):
        server.redirect(f"/hop{i}", f"/hop{i + 1}" if i < 4 else "/feed.xml")
    (result,) = pages([server.url("/hop0")], settings_for(server))
    assert isinstance(result, Fetched) and result.final_url == server.url("/feed.xml")


# --- F15: credentials never cross hosts ---------------------------------------------


def test_f15_credentials_dropped_when_host_changes(
    server: LoopbackServer, canary: LoopbackServer
) -> None:
    server.redirect("/private", canary.url("/landing"))
    server.redirect("/same", "/feed.xml")
    settings = settings_for(server, canary)
    guard = AddressGuard.from_settings(settings, no_dns)
    secret = {"Authorization": "Bearer s3cret", "Cookie": "session=s3cret"}

    async def run() -> tuple[int, int]:
        async with make_client(settings, guard) as client:
            moved = await guarded_get(
                client, guard, server.url("/private"), settings, headers=secret
            )
            kept = await guarded_get(client, guard, server.url("/same"), settings, headers=secret)
            return moved.status, kept.status

    assert asyncio.run(run()) == (200, 200)
    (landing,) = canary.headers_for("/landing")
    assert "authorization" not in landing and "cookie" not in landing
    assert server.headers_for("/private")[0]["authorization"] == "Bearer s3cret"
    assert server.headers_for("/feed.xml")[0]["cookie"] == "session=s3cret"  # same origin


def test_f15_userinfo_credentials_not_forwarded(
    server: LoopbackServer, canary: LoopbackServer
) -> None:
    server.redirect("/private", canary.url("/landing"))
    url = f"http://user:pw@{server.netloc}/private"
    (result,) = pages([url], settings_for(server, canary))
    assert isinstance(result, Fetched)
    assert "authorization" in server.headers_for("/private")[0]
    assert "authorization" not in canary.headers_for("/landing")[0]


def test_cookies_set_by_a_server_are_never_sent_back(server: LoopbackServer) -> None:
    server.route("/setcookie", body=FEED, headers={"Set-Cookie": "track=1; Path=/"})
    settings = settings_for(server)
    guard = AddressGuard.from_settings(settings, no_dns)

    async def twice_on_one_client() -> None:
        async with make_client(settings, guard) as client:
            for _ in range(2):
                await guarded_get(client, guard, server.url("/setcookie"), settings)

    asyncio.run(twice_on_one_client())
    pages([server.url("/setcookie")], settings)
    assert len(server.headers_for("/setcookie")) == 3
    assert all("cookie" not in h for h in server.headers_for("/setcookie"))


def test_allow_entries_accept_hosts_ports_and_ipv6() -> None:
    guard = AddressGuard(["Feeds.Internal.", "127.0.0.1:8080", "[::1]:9000", "::1"])
    assert guard.allowed("feeds.internal", 443) and not guard.allowed("feeds.internal", 1)
    assert guard.allowed("127.0.0.1", 8080) and not guard.allowed("127.0.0.1", 8081)
    assert guard.allowed("::1", 9000) and guard.allowed("::1", 80)
    assert not guard.allowed("::1", 1)  # a bare address: its default ports only


def test_bad_allow_entry_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="allow_hosts"):
        AddressGuard(["127.0.0.1:http"])


def test_blocked_error_names_the_address() -> None:
    guard = AddressGuard(resolver=lambda h, p: ["10.9.8.7"])
    with pytest.raises(BlockedAddressError, match=r"10\.9\.8\.7"):
        asyncio.run(guard.resolve("wiki.corp", 80))
