"""Alert latency: a new article appears on a feed; time from the daemon fetching it to the mail and the webhook post.

The daemon runs as `deportwatch run` in a subprocess against the nginx site, a loopback SMTP server
and a loopback webhook (Apprise's real Slack plugin); the fetch time is nginx's log timestamp.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.daemon import DaemonProcess, write_daemon_config
from bench.site import StaticSite
from monitor.demo import local_mail_url
from monitor.loopback import SmtpSink, WebhookSink
from monitor.newssite import SiteArticle, generate_articles
from monitor.newssite.synthetic import CONTEXT

# Countries with no development in the seeded 2025-2026 history: each trial is a new development.
TRIAL_COUNTRIES = (("Mongolia", 40), ("Fiji", 12), ("Botswana", 25))


def trial_article(country: str, count: int, outlet: str) -> SiteArticle:
    """A new agreement, published now: the kind of report that must alert at once."""
    now = datetime.now(UTC).replace(microsecond=0)
    lead = (f"{country} has agreed to receive up to {count} third-country nationals removed from the United "
            "States, officials said on Tuesday.")
    return SiteArticle(slug=f"{country.lower()}-agrees-to-accept-deportees-{int(now.timestamp())}", outlet=outlet,
                       title=f"{country} agrees to accept up to {count} deportees from the United States",
                       paragraphs=(lead, *CONTEXT), published=now)


def _arrival(wait: Any, n: int, box: dict[str, float], key: str, timeout: float) -> None:
    try:
        wait(n, timeout=timeout)
        box[key] = time.time()
    except TimeoutError:
        pass


def _fetched_at(site: StaticSite, path: str, since: int) -> float | None:
    hits = [h.at for h in site.hits(since) if h.path == path and h.status == 200]
    return min(hits) if hits else None


def measure(interval: str = "2s", dispatch_interval: str = "1s", timeout: float = 60) -> dict[str, Any]:
    """Median seconds from fetch to mail and to webhook post over three new developments."""
    background = generate_articles(30, relevant_fraction=0.0, seed=11)
    trials: list[dict[str, float]] = []
    with (StaticSite(background, feed_size=20) as site, SmtpSink() as smtp, WebhookSink() as hook,
          tempfile.TemporaryDirectory(prefix="dw-bench-latency-") as tmp):
        config = write_daemon_config(Path(tmp) / "dw.yaml", site, local_mail_url(smtp.host, smtp.port),
                                     interval=interval, dispatch_interval=dispatch_interval)
        daemon = DaemonProcess(config, f"sqlite:///{tmp}/latency.db", hook.url)
        try:
            # Past the first crawl of every feed: from here on only new entries are fetched.
            sources = len(site.outlets())
            if not daemon.wait_until(lambda: daemon.count("crawl done") >= 2 * sources, timeout):
                raise RuntimeError("daemon did not crawl: " + daemon.tail())
            for i, (country, count) in enumerate(TRIAL_COUNTRIES):
                article = trial_article(country, count, background[i].outlet)
                mails, posts = len(smtp.messages), len(hook.posts)
                mark = site.log_offset()
                box: dict[str, float] = {}
                waiters = [threading.Thread(target=_arrival, args=(smtp.wait_for, mails + 1, box, "mail", timeout)),
                           threading.Thread(target=_arrival, args=(hook.wait_for, posts + 1, box, "hook", timeout))]
                for w in waiters:
                    w.start()
                box["published"] = time.time()
                site.publish(article)
                for w in waiters:
                    w.join()
                fetched = _fetched_at(site, article.path, mark)
                if fetched is None or "mail" not in box or "hook" not in box:
                    log = daemon.dump(Path(tempfile.gettempdir()) / "dw-bench-latency-daemon.log")
                    raise RuntimeError(f"trial {i}: no alert within {timeout}s: {box}; daemon log in {log}")
                trials.append({"publish_to_fetch_s": round(fetched - box["published"], 3),
                               "fetch_to_mail_s": round(box["mail"] - fetched, 3),
                               "fetch_to_webhook_s": round(box["hook"] - fetched, 3)})
        finally:
            daemon.stop()
    mail = statistics.median(t["fetch_to_mail_s"] for t in trials)
    webhook = statistics.median(t["fetch_to_webhook_s"] for t in trials)
    return {"alert_latency_s": round(max(mail, webhook), 3), "alert_latency_mail_s": round(mail, 3),
            "alert_latency_webhook_s": round(webhook, 3), "alert_dispatch_interval": dispatch_interval,
            "alert_trials": trials}


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=1))
