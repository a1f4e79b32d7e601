"""Pieces of the daemon configs that tests write: the demo news site's feeds and the loopback channels."""

from __future__ import annotations

from typing import Any, Protocol

from monitor.demo import SLACK_DEMO_URL, local_mail_url
from monitor.loopback import SmtpSink
from monitor.newssite import SiteArticle


class FeedSite(Protocol):
    """A served news site: its articles and one feed URL per outlet (NewsSite, or a site wrapping one)."""

    @property
    def articles(self) -> list[SiteArticle]: ...

    def feed_urls(self) -> dict[str, str]: ...


def feed_sources(site: FeedSite, interval: str) -> list[dict[str, Any]]:
    """One feed source per outlet of `site`, private addresses allowed, official outlets marked as such."""
    official = {a.outlet for a in site.articles if a.official}
    return [{"id": f"site-{o}", "kind": "feed", "url": u, "interval": interval, "allow_private": True,
             "official": o in official} for o, u in site.feed_urls().items()]


def demo_channels(smtp: SmtpSink) -> list[dict[str, str]]:
    """Mail to `smtp`, and Slack (which tests/e2e/cli_slack.py points at a webhook receiver)."""
    return [{"name": "email", "url": local_mail_url(smtp.host, smtp.port)},
            {"name": "slack", "url": SLACK_DEMO_URL}]
