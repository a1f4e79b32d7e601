"""SSRF: links and redirects to loopback, private, link-local and non-http targets are refused before connecting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.faults.servers import FaultServer, Redirect, Static
from tests.faults.site import rss
from tests.spiders.runner import CrawlResult, run_spiders

pytestmark = pytest.mark.faults
Figure = Callable[[str, Any], None]


def targets(internal: FaultServer) -> list[str]:
    """Where a hostile page points: every spelling of this machine, the private networks, cloud metadata."""
    port = urlsplit(internal.base_url).port
    return [
        f"http://127.0.0.1:{port}/secret", f"http://localhost:{port}/secret", f"http://LOCALHOST.:{port}/secret",
        f"http://127.1:{port}/secret", f"http://2130706433:{port}/secret", f"http://0x7f000001:{port}/secret",
        f"http://0.0.0.0:{port}/secret", f"http://[::1]:{port}/secret", f"http://[::ffff:127.0.0.1]:{port}/secret",
        "http://10.0.0.1/internal", "http://10.255.255.254:8080/admin", "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/", "http://[fe80::1]/",
        "http://100.64.0.1/", "file:///etc/passwd", f"gopher://127.0.0.1:{port}/_GET%20/secret",
        "ftp://10.0.0.1/pub", "data:text/html,<p>x</p>", f"http://user:pw@127.0.0.1:{port}/secret",
    ]


def crawl(crawls: list[dict[str, Any]], allowed: list[str]) -> CrawlResult:
    return run_spiders(crawls, {"URL_GUARD_ALLOWED_HOSTS": allowed, "AUTOTHROTTLE_START_DELAY": 0.0,
                                "DOWNLOAD_TIMEOUT": 3})


def test_hostile_links_and_redirects_are_refused_before_any_connection(figure: Figure) -> None:
    with FaultServer() as internal, FaultServer() as site:
        internal.default = Static(b"<html><body><p>internal secret</p></body></html>")
        bad = targets(internal)
        redirects = []
        for i, url in enumerate(bad):
            site.set_fault(f"/r/{i}", Redirect(url))
            redirects.append(site.url(f"/r/{i}"))
        site.set_fault("/ok.html", Static(b"<html><body><article><p>A public page.</p></article></body></html>"))
        site.set_fault("/feed.rss", Static(rss([(f"link {i}", u) for i, u in enumerate([*bad, site.url("/ok.html")])]),
                                           "application/rss+xml"))
        site.set_fault("/redirects.rss", Static(rss([(f"redirect {i}", u) for i, u in enumerate(redirects)]),
                                                "application/rss+xml"))
        links = "".join(f'<li><a href="{u}">x</a></li>' for u in bad)
        site.set_fault("/list.html", Static(f"<html><body><ul>{links}</ul></body></html>".encode()))
        urls = "".join(f"<url><loc>{u.replace('&', '&amp;')}</loc><lastmod>2999-01-01</lastmod></url>" for u in bad)
        site.set_fault("/sitemap.xml", Static(f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}'
                                              "</urlset>".encode(), "application/xml"))
        crawls: list[dict[str, Any]] = [
            {"kind": "feed", "source_id": "links", "url": site.url("/feed.rss"), "max_entries": 100},
            {"kind": "feed", "source_id": "redirects", "url": site.url("/redirects.rss"), "max_entries": 100},
            {"kind": "listing", "source_id": "listing", "url": site.url("/list.html"), "selectors": {"links": "li a"}},
            {"kind": "sitemap", "source_id": "sitemap", "url": site.url("/sitemap.xml"), "max_age_days": 0},
        ]
        result = crawl(crawls, [urlsplit(site.base_url).netloc])
        internal_hits = len(internal.hits)
        redirects_followed = sum(len(site.requests_to(f"/r/{i}")) for i in range(len(bad)))
    refused = {sid: stats.get("deportwatch/url_guard/refused", 0) for sid, stats in result.stats.items()}
    figure("hostile targets per source", len(bad))
    figure("refused by the URL guard per source", refused)
    figure("connections to internal addresses (loopback server hits, non-loopback attempts)",
           (internal_hits, len(result.blocked)))
    # Never a connection: not to the loopback service, and not even an attempt beyond loopback.
    assert internal_hits == 0 and result.blocked == []
    assert [p["url"] for p in result.pages] == [site.url("/ok.html")]
    assert redirects_followed == len(bad)  # the hops to the site itself were fetched; where they led, never
    # Every http(s) spelling is refused by the guard (16; links drop two that canonicalise to another: the
    # userinfo and trailing-dot forms); file:, gopher:, ftp: and data: never even become requests.
    assert refused["redirects"] == 16
    assert refused["links"] == refused["listing"] == refused["sitemap"] == 14
    assert "internal secret" not in result.log
