"""Misbehaving sources (hang, drip, reset, DNS failure, redirect loop, huge bodies, 50,000 links) beside good ones."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor.loopback import SmtpSink, WebhookSink
from tests.faults.conftest import Reference
from tests.faults.harness import Daemon, delivered, own_tracebacks, site_config, snapshot
from tests.faults.probe import LoopProbe, gaps, health_rows
from tests.faults.servers import Drip, FaultServer, Hang, Redirect, Reset, Static, Stream, wait_until
from tests.faults.site import FaultySite, many_links_page, rss

pytestmark = pytest.mark.faults
Figure = Callable[[str, Any], None]
INTERVAL_S = 2.0
DOWNLOAD_TIMEOUT_S = 3.0
# A healthy source may wait for its own crawl, its interval and jitter, never for another source's timeouts.
MAX_GAP_S = INTERVAL_S + DOWNLOAD_TIMEOUT_S + 2.0
WATCH_S = 18.0
# Two busy cores answer /livez late now and then; a parse or extraction on the loop shows as many seconds.
MAX_STALL_S = 2.5
TWENTY_MB = 20 * 1024 * 1024


@pytest.fixture
def bad() -> Iterator[FaultServer]:
    with FaultServer() as server:
        server.set_fault("/hang.rss", Hang())
        server.set_fault("/drip.rss", Drip(rss([("Slow", server.url("/slow.html"))]), every=0.5))
        server.set_fault("/reset.rss", Reset())
        server.set_fault("/loop-a", Redirect(server.url("/loop-b")))
        server.set_fault("/loop-b", Redirect(server.url("/loop-a")))
        server.set_fault("/huge.rss", Stream(TWENTY_MB, "application/rss+xml", declare_length=False))
        server.set_fault("/huge-declared.rss", Stream(TWENTY_MB, "application/rss+xml", declare_length=True))
        yield server


def faulty_sources(bad: FaultServer) -> dict[str, tuple[str, str]]:
    """Source id → (URL, a fragment of the error its health row must record)."""
    return {
        "bad-hang": (bad.url("/hang.rss"), "took longer than 3.0 seconds"),
        "bad-drip": (bad.url("/drip.rss"), "took longer than 3.0 seconds"),
        "bad-reset": (bad.url("/reset.rss"), "ConnectionLost"),
        "bad-dns": ("http://feeds.deportwatch-test.invalid/rss", "DNS lookup failed"),
        "bad-redirect-loop": (bad.url("/loop-a"), "max redirections reached"),
        "bad-huge": (bad.url("/huge.rss"), "DownloadCancelledError"),
        "bad-huge-declared": (bad.url("/huge-declared.rss"), "larger than download max size"),
    }


def watch(cfg: Path, db: str, site: FaultySite, webhook: WebhookSink, work: Path, reference: Reference,
          figure: Figure, *, within: float = 60.0, watch_s: float = WATCH_S) -> tuple[LoopProbe, str]:
    """Run the daemon for `watch_s`; fail if the healthy articles are not all stored `within` seconds."""
    with Daemon(cfg, db, webhook.url, work) as daemon:
        with LoopProbe(daemon.web_port()) as probe:
            started = time.monotonic()
            try:
                wait_until(lambda: len(snapshot(db).articles) >= len(reference.snapshot.articles), within,
                           every=0.2, what="every healthy article stored")
            finally:
                figure("healthy articles all stored after (s)", round(time.monotonic() - started, 1))
            time.sleep(max(0.0, watch_s - (time.monotonic() - started)))
        code = daemon.stop()
    assert code == 0, daemon.output[-3000:]
    figure("worst event-loop stall seen through /livez (s)", round(probe.worst_s, 2))
    return probe, daemon.output


def assert_on_schedule(site: FaultySite, figure: Figure, watch_s: float = WATCH_S) -> None:
    for outlet, url in site.feed_urls().items():
        path = url.removeprefix(site.base_url)
        starts = [h.started for h in site.requests_to(path)]
        worst = max(gaps(starts), default=0.0)
        figure(f"{outlet}: feed requests, worst gap (s)", (len(starts), round(worst, 1)))
        assert len(starts) >= watch_s / (INTERVAL_S + 2.0) - 1, (outlet, len(starts))
        assert worst <= MAX_GAP_S, (outlet, worst)


def test_misbehaving_sources_fail_alone_and_healthy_ones_keep_their_schedule(
    tmp_path: Path, site: FaultySite, bad: FaultServer, smtp: SmtpSink, webhook: WebhookSink,
    reference: Reference, figure: Figure,
) -> None:
    faulty = faulty_sources(bad)
    extra = tuple({"id": sid, "kind": "feed", "url": url, "interval": f"{INTERVAL_S:g}s", "allow_private": True}
                  for sid, (url, _) in faulty.items())
    cfg = site_config(tmp_path / "dw.yaml", site, smtp, interval=f"{INTERVAL_S:g}s", extra_sources=extra,
                      crawl={"download_timeout_s": DOWNLOAD_TIMEOUT_S})
    db = f"sqlite:///{tmp_path / 'dw.db'}"
    probe, log = watch(cfg, db, site, webhook, tmp_path, reference, figure)

    assert snapshot(db, site.base_url).missing_from(reference.snapshot) == {}
    assert reference.delivered - delivered(smtp, webhook) == type(reference.delivered)()
    assert_on_schedule(site, figure)
    assert probe.worst_s < MAX_STALL_S
    health = health_rows(db)
    for sid in faulty:
        figure(f"{sid}: failures, last error", (health[sid]["consecutive_failures"], health[sid]["last_error"]))
    for sid, (_, fragment) in faulty.items():
        row = health[sid]
        assert row["consecutive_failures"] >= 1 and row["last_ok_at"] is None, (sid, row)
        assert fragment.lower() in (row["last_error"] or "").lower(), (sid, row)
    for outlet in site.feed_urls():
        assert health[f"site-{outlet}"]["consecutive_failures"] == 0
    # The huge bodies were cut off at DOWNLOAD_MAXSIZE (5 MB), not read to the end.
    for path in ("/huge.rss", "/huge-declared.rss"):
        assert all(not h.outcome.startswith(f"streamed {TWENTY_MB}") for h in bad.requests_to(path)), path
    figure("faulty sources", len(faulty))
    # Scrapy logs each failed robots.txt download (here: the DNS failure) with a traceback of its own.
    figure("tracebacks in the log (ours)", (log.count("Traceback (most recent"), len(own_tracebacks(log))))
    assert own_tracebacks(log) == []


def test_a_page_of_50000_links_does_not_stall_the_daemon(
    tmp_path: Path, site: FaultySite, bad: FaultServer, smtp: SmtpSink, webhook: WebhookSink,
    reference: Reference, figure: Figure,
) -> None:
    bad.set_fault("/all-links.html", Static(many_links_page(50_000)))
    entries = [(f"Entry {i}", f"/a/{i}.html") for i in range(50_000)]
    bad.set_fault("/all-entries.rss", Static(rss(entries), "application/rss+xml"))
    extra = (
        {"id": "listing-50k", "kind": "listing", "url": bad.url("/all-links.html"), "interval": "1h",
         "allow_private": True, "selectors": {"links": "li a"}},
        {"id": "feed-50k", "kind": "feed", "url": bad.url("/all-entries.rss"), "interval": "1h",
         "allow_private": True},
    )
    cfg = site_config(tmp_path / "dw.yaml", site, smtp, interval=f"{INTERVAL_S:g}s", extra_sources=extra,
                      crawl={"download_timeout_s": DOWNLOAD_TIMEOUT_S})
    db = f"sqlite:///{tmp_path / 'dw.db'}"
    # Alone, the healthy sources are all stored within ~5 s of the start.
    probe, _ = watch(cfg, db, site, webhook, tmp_path, reference, figure, within=10.0, watch_s=10.0)
    for path in ("/all-links.html", "/all-entries.rss"):
        outcomes = [h.outcome for h in bad.requests_to(path)]
        # Sent whole while the daemon was watched: it had the 50,000 entries to parse (each takes it seconds).
        assert outcomes and all(o == "sent 200" for o in outcomes), (path, outcomes)
    assert probe.worst_s < MAX_STALL_S, f"the event loop stalled for {probe.worst_s:.1f}s"
    assert_on_schedule(site, figure, watch_s=10.0)
    health = health_rows(db)
    for sid in ("listing-50k", "feed-50k"):
        row = health[sid]
        # Read in part (at most DEPORTWATCH_INDEX_MAX_ENTRIES), or still being read at the stop: never a failure.
        figure(f"{sid}: truncated pages, failures", (row["truncated_total"], row["consecutive_failures"]))
        assert row["consecutive_failures"] == 0, (sid, row)
        assert row["truncated_total"] == (1 if row["last_ok_at"] else 0), (sid, row)
