"""Prometheus metrics: what this process crawled, stored and sent, and database totals (articles, outbox)."""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.outbox import DispatchResult
from db.models import Alert, Article, Development, Source
from db.session import transaction
from monitor.crawl import CrawlOutcome
from monitor.developments import IngestResult
from spiders.items import SourceFetch

log = logging.getLogger(__name__)
ALERT_STATUSES = ("pending", "sending", "sent", "dead", "folded")
CRAWL_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)


class Metrics:
    """One registry per daemon, so several daemons (tests) never collide on metric names."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.pages_fetched = Counter("deportwatch_pages_fetched", "Article pages fetched and handed to the pipeline",
                                     ["source"], registry=r)
        self.items_stored = Counter("deportwatch_items_stored", "New articles stored (duplicates excluded)",
                                    ["source"], registry=r)
        self.relevant = Counter("deportwatch_relevant_articles", "Stored articles judged relevant", ["source"],
                                registry=r)
        self.developments = Counter("deportwatch_developments", "Developments created or materially updated",
                                    ["kind"], registry=r)
        self.alerts = Counter("deportwatch_alerts_dispatched", "Alert deliveries by this process, by result",
                              ["result"], registry=r)
        self.source_failures = Counter("deportwatch_source_failures", "Failed crawls or index fetches", ["source"],
                                       registry=r)
        self.crawls = Counter("deportwatch_crawls", "Crawls finished, by source and result", ["source", "result"],
                              registry=r)
        self.crawl_seconds = Histogram("deportwatch_crawl_duration_seconds", "Duration of one crawl of a source",
                                       ["source"], buckets=CRAWL_BUCKETS, registry=r)
        self.outbox = Gauge("deportwatch_alerts", "Alert rows in the outbox, by status", ["status"], registry=r)
        self.failing = Gauge("deportwatch_source_consecutive_failures",
                             "Consecutive failed fetches of each source (from the database)", ["source"], registry=r)
        self.stored_articles = Gauge("deportwatch_stored_articles", "Articles in the database (every node's)",
                                     ["relevant"], registry=r)
        self.stored_developments = Gauge("deportwatch_stored_developments", "Developments in the database, by status",
                                         ["status"], registry=r)
        self.leader = Gauge("deportwatch_leader", "1 when this process is the elected scheduler", registry=r)
        self.loop_lag = Gauge("deportwatch_loop_lag_seconds", "How late the event loop last woke a timer", registry=r)
        self.database_up = Gauge("deportwatch_database_up", "1 when the last database query succeeded", registry=r)

    def on_page(self, source_id: str, result: IngestResult | None) -> None:
        """Pipeline callback, once per fetched article page."""
        self.pages_fetched.labels(source_id).inc()
        if result is None or result.duplicate:
            return
        self.items_stored.labels(source_id).inc()
        if result.development_id is not None:
            self.relevant.labels(source_id).inc()
        if result.new_development:
            self.developments.labels("new").inc()
        elif result.update:
            self.developments.labels("update").inc()

    def on_fetch(self, item: SourceFetch) -> None:
        """Pipeline callback, once per source index fetch (feed, sitemap, listing)."""
        if item.error:
            self.source_failures.labels(item.source_id).inc()

    def on_crawl(self, outcome: CrawlOutcome) -> None:
        self.crawl_seconds.labels(outcome.source_id).observe(outcome.seconds)
        self.crawls.labels(outcome.source_id, "error" if outcome.error else "ok").inc()
        if outcome.error:
            self.source_failures.labels(outcome.source_id).inc()

    def on_dispatch(self, result: DispatchResult) -> None:
        if result.sent:
            self.alerts.labels("sent").inc(result.sent)
        if result.failed:
            self.alerts.labels("failed").inc(result.failed)
        if result.dead:
            self.alerts.labels("dead").inc(result.dead)

    def refresh_from_database(self, factory: sessionmaker[Session]) -> None:
        """Outbox and source-health gauges; shared state, so every replica reports the same figures."""
        try:
            with transaction(factory) as s:
                by_status = dict(s.execute(select(Alert.status, func.count()).group_by(Alert.status)).tuples().all())
                failing = s.execute(select(Source.id, Source.consecutive_failures)).tuples().all()
                articles = s.execute(select(Article.relevant, func.count()).group_by(Article.relevant)).tuples().all()
                developments = s.execute(
                    select(Development.status, func.count()).group_by(Development.status)).tuples().all()
        except Exception as e:
            self.database_up.set(0)
            log.warning("metrics: database not reachable: %s", type(e).__name__)
            return
        self.database_up.set(1)
        for status in ALERT_STATUSES:
            self.outbox.labels(status).set(by_status.get(status, 0))
        self.failing.clear()
        for source_id, n in failing:
            self.failing.labels(source_id).set(n or 0)
        counts = dict(articles)
        for relevant in (True, False):
            self.stored_articles.labels(str(relevant).lower()).set(counts.get(relevant, 0))
        self.stored_developments.clear()
        for status, n in developments:
            self.stored_developments.labels(status).set(n)

    def render(self) -> bytes:
        return generate_latest(self.registry)
