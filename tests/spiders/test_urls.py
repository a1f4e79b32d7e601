"""URL rules: canonical forms from a data table, and which hosts and URLs a crawl may fetch."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from spiders.urls import (
    address_block_reason,
    canonical_url,
    host_block_reason,
    is_public_host,
    url_allowed,
)

CASES = yaml.safe_load((Path(__file__).parent / "canonical_urls.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("url", "expected"), CASES, ids=[c[0] for c in CASES])
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize("expected", sorted({c[1] for c in CASES}))
def test_canonical_url_is_idempotent(expected: str) -> None:
    assert canonical_url(expected) == expected


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "CGNAT"),
        ("100.127.255.254", "CGNAT"),
        ("224.0.0.251", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("192.0.2.10", "address"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("2002:0a00:0001::1", "private"),
        ("::", "unspecified"),
    ],
)
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    reason = address_block_reason(address)
    assert reason is not None and kind in reason


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.215.14", "172.32.0.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert address_block_reason(address) is None
    assert is_public_host(address)


def test_loopback_names_and_unresolvable_names_are_not_public() -> None:
    assert not is_public_host("localhost")
    assert not is_public_host("[::1]")
    assert not is_public_host("does-not-exist.invalid")
    assert "unresolvable" in (host_block_reason("does-not-exist.invalid") or "")


def test_a_name_is_refused_when_any_of_its_addresses_is_private() -> None:
    def resolve(host: str) -> list[str]:
        return {"mixed.test": ["8.8.8.8", "10.1.2.3"], "public.test": ["8.8.8.8", "2606:4700::1"]}[host]

    assert host_block_reason("mixed.test", resolve) == "mixed.test resolves to private address 10.1.2.3"
    assert host_block_reason("public.test", resolve) is None


@pytest.mark.parametrize(
    ("url", "allow_private", "allowed", "reason_part"),
    [
        ("http://8.8.8.8/news", False, True, None),
        ("https://[2606:4700:4700::1111]/", False, True, None),
        ("http://10.0.0.1/admin", False, False, "private"),
        ("http://169.254.169.254/latest/meta-data/", False, False, "link-local"),
        ("http://localhost:8080/", False, False, "loopback"),
        ("http://127.0.0.1:8080/", True, True, None),
        ("http://10.0.0.1/", True, True, None),
        ("file:///etc/passwd", True, False, "scheme 'file'"),
        ("ftp://8.8.8.8/x", False, False, "scheme 'ftp'"),
        ("data:text/html,hi", True, False, "scheme 'data'"),
        ("javascript:alert(1)", True, False, "scheme"),
        ("http:///no-host", True, False, "no host"),
        ("http://[::1/broken", True, False, "malformed URL"),
        ("http://example.com:99999/", True, False, "malformed URL"),
    ],
)
def test_url_allowed(url: str, allow_private: bool, allowed: bool, reason_part: str | None) -> None:
    ok, reason = url_allowed(url, allow_private=allow_private)
    assert ok is allowed
    if reason_part is None:
        assert reason is None
    else:
        assert reason is not None and reason_part in reason


def test_a_malformed_link_costs_that_link_not_the_page() -> None:
    from scrapy.http import HtmlResponse

    from spiders.feed import declared_canonical
    from spiders.listing import parse_listing
    from spiders.sitemap import parse_sitemap
    from spiders.urls import join_url

    assert join_url("https://n.example/a/", "../b") == "https://n.example/b"
    assert join_url("https://n.example/", "http://[::1") is None
    sitemap = b"<urlset><url><loc>http://[::1</loc></url><url><loc>https://n.example/ok</loc></url></urlset>"
    assert [e.loc for e in parse_sitemap(sitemap, "https://n.example/s").entries] == ["https://n.example/ok"]
    assert [e.loc for e in parse_sitemap(b"http://[::1\nhttps://n.example/b\n", "https://n.example/s").entries] == [
        "https://n.example/b"]
    page = HtmlResponse(url="https://n.example/", encoding="utf-8", body=(
        b'<link rel="canonical" href="http://[::1"><ul><li><a href="http://[::1">x</a></li>'
        b'<li><a href="/ok">y</a></li></ul><a class="n" href="http://[::1/next">next</a>'))
    listed = parse_listing(page, {"links": "li a", "next": "a.n"})
    assert [e.link for e in listed.entries] == ["https://n.example/ok"] and listed.next_url is None
    assert declared_canonical(page) is None
