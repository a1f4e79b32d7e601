"""URL guard middleware, offline: which requests it refuses, what it logs and counts; the settings."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from scrapy import Request
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from spiders import settings as project_settings
from spiders.feed import FeedSpider
from spiders.middleware import UrlGuardMiddleware, UrlRefused


def guard(allowed_hosts: list[str] | None = None, **spider_args: Any) -> UrlGuardMiddleware:
    crawler = get_crawler(FeedSpider, {"URL_GUARD_ALLOWED_HOSTS": allowed_hosts or []})
    crawler.spider = FeedSpider.from_crawler(crawler, source_id="src-1", url="https://feed.example/",
                                             **spider_args)
    return UrlGuardMiddleware.from_crawler(crawler)


def check(middleware: UrlGuardMiddleware, url: str) -> str | None:
    """None when the request may proceed, else the refusal reason."""
    request = Request(url)
    try:
        asyncio.run(middleware.process_request(request))
    except UrlRefused as e:
        assert e.url == request.url
        return e.reason
    return None


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://10.0.0.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://192.168.0.10:8080/admin", "private"),
        ("http://100.100.100.200/", "CGNAT"),
        ("http://localhost:9/", "loopback"),
        ("http://[::1]:9/", "loopback"),
        ("http://does-not-exist.invalid/", "unresolvable"),
        ("file:///etc/passwd", "scheme"),
        ("data:text/html,<p>x</p>", "scheme"),
    ],
)
def test_disallowed_requests_are_refused_logged_and_counted(
    url: str, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    middleware = guard()
    with caplog.at_level(logging.WARNING, logger="spiders.middleware"):
        reason = check(middleware, url)
    assert reason is not None and kind in reason
    stats = middleware.crawler.stats
    assert stats is not None and stats.get_value("deportwatch/url_guard/refused") == 1
    assert stats.get_value(f"deportwatch/url_guard/refused/{kind.lower()}") == 1
    [record] = caplog.records
    assert "src-1" in record.getMessage() and Request(url).url in record.getMessage()
    assert reason in record.getMessage()
    assert (getattr(record, "source_id", None), getattr(record, "url", None)) == ("src-1", Request(url).url)


def test_public_ip_literals_pass_without_a_lookup() -> None:
    assert check(guard(), "https://8.8.8.8/news") is None


def test_allow_private_lets_private_hosts_through_but_never_other_schemes() -> None:
    middleware = guard(allow_private="true")
    assert check(middleware, "http://10.0.0.1/") is None
    assert check(middleware, "http://localhost:9/") is None
    assert check(middleware, "file:///etc/passwd") is not None


def test_allowed_hosts_setting_matches_host_and_port_exactly() -> None:
    middleware = guard(allowed_hosts=["127.0.0.1:8080"])
    assert check(middleware, "http://127.0.0.1:8080/feed") is None
    assert check(middleware, "http://127.0.0.1:8081/feed") is not None
    assert check(middleware, "http://localhost:8080/feed") is not None


def test_settings_disable_listeners_and_caches_and_put_the_guard_before_robots_txt() -> None:
    settings = Settings()
    settings.setmodule(project_settings)
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("HTTPCACHE_ENABLED") is False
    assert settings.getbool("ROBOTSTXT_OBEY") is True
    assert settings["TWISTED_REACTOR"] == "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
    assert settings.getint("DOWNLOAD_MAXSIZE") == 5 * 1024 * 1024
    assert settings["USER_AGENT"].startswith("deportwatch/")
    order = {**settings.getdict("DOWNLOADER_MIDDLEWARES_BASE"), **settings.getdict("DOWNLOADER_MIDDLEWARES")}
    guard_priority = order["spiders.middleware.UrlGuardMiddleware"]
    assert guard_priority < order["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"]
    assert guard_priority < order["scrapy.downloadermiddlewares.redirect.RedirectMiddleware"]
