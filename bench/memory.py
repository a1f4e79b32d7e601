"""Daemon memory: resident set size after 1, 10 and 100 scheduled crawls of the site.

One source on a short interval watches a small feed; a new article is published every few crawls so
that crawls fetch, extract, classify and store as well as revalidate.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from bench.daemon import DaemonProcess, write_daemon_config
from bench.site import StaticSite
from monitor.demo import local_mail_url
from monitor.loopback import SmtpSink, WebhookSink
from monitor.newssite import generate_articles

CHECKPOINTS = (1, 10, 100)


def _reached(daemon: DaemonProcess, crawls: int, stop: threading.Event | None = None) -> bool:
    return (stop is not None and stop.is_set()) or daemon.count("crawl done") >= crawls


def measure(crawls: int = 100, interval: str = "0.5s", publish_every: int = 3, timeout: float = 600) -> dict[str, Any]:
    articles = generate_articles(crawls // publish_every + 40, relevant_fraction=0.2, seed=21)
    first, later = articles[:20], articles[20:]
    rss: dict[int, float] = {}
    with (StaticSite([a for a in first if a.outlet == first[0].outlet], feed_size=20) as site,
          SmtpSink() as smtp, WebhookSink() as hook, tempfile.TemporaryDirectory(prefix="dw-bench-memory-") as tmp):
        config = write_daemon_config(Path(tmp) / "dw.yaml", site, local_mail_url(smtp.host, smtp.port),
                                     interval=interval)
        daemon = DaemonProcess(config, f"sqlite:///{tmp}/memory.db", hook.url)
        outlet = first[0].outlet
        stop = threading.Event()

        def publisher() -> None:
            done = 0
            for article in later:
                # One new article every `publish_every` crawls, on the watched outlet.
                daemon.wait_until(partial(_reached, daemon, done + publish_every, stop), timeout)
                if stop.is_set():
                    return
                done = daemon.count("crawl done")
                site.publish(replace(article, outlet=outlet))

        thread = threading.Thread(target=publisher, daemon=True)
        thread.start()
        try:
            for n in CHECKPOINTS:
                if n > crawls:
                    break
                if not daemon.wait_until(partial(_reached, daemon, n), timeout, poll=0.01):
                    raise RuntimeError(f"daemon did only {daemon.count('crawl done')} crawls: {daemon.tail()}")
                rss[n] = round(daemon.rss_mb(), 1)
        finally:
            stop.set()
            daemon.stop()
            thread.join(timeout=5)
    growth = (rss[100] - rss[10]) / rss[10] if 100 in rss and 10 in rss else None
    return {"rss_mb": [rss.get(n) for n in CHECKPOINTS], "rss_growth_10_to_100": round(growth, 4) if growth is not None
            else None, "rss_interval": interval, "rss_articles_published": len(later)}


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=1))
