"""The dashboard in headless Chromium on a phone-sized screen: timeline, labelling, retrying, screenshots."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from alerts.outbox import dispatch_due
from alerts.send import Channel
from db.models import Alert, Article, Label
from db.session import transaction, upgrade
from monitor.dashboard.server import background, build_app
from monitor.demo import SLACK_DEMO_URL
from monitor.loopback import WebhookSink, slack_endpoint
from tests.conftest import ROOT
from tests.dashboard.seed import PASSWORD, USER, Seeded, config, runtime, seed

pytestmark = pytest.mark.browser
SHOTS = ROOT / "test-output" / "screenshots"
PHONE = {"width": 390, "height": 844}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def chromium_or_skip() -> str:
    """The system Chromium, or skip (fail when DEPORTWATCH_REQUIRE_BROWSER=1) saying what is missing."""
    path = os.environ.get("DEPORTWATCH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "the Python package 'playwright' is not installed"
    if problem is None and not (path and Path(path).exists()):
        problem = "no Chromium found (apt-get install -y chromium, or set DEPORTWATCH_CHROMIUM)"
    if problem is not None:
        if os.environ.get("DEPORTWATCH_REQUIRE_BROWSER", "") not in ("", "0"):
            pytest.fail(f"browser tests required but {problem}")
        pytest.skip(f"browser tests need Chromium: {problem}")
    assert path is not None
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[tuple[Seeded, str]]:
    url = f"sqlite:///{tmp_path / 'dash.db'}"
    upgrade(url)
    rt = runtime(url, config())
    try:
        seeded = seed(rt)
        with background(build_app(rt)) as base:
            yield seeded, base
    finally:
        rt.close()


@pytest.fixture
def page(browser: Any, dashboard: tuple[Seeded, str]) -> Iterator[Any]:
    """A signed-in phone-sized page that records every URL it requests."""
    _, base = dashboard
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.requested = []
    pg.on("request", lambda r: pg.requested.append(r.url))
    pg.goto(base + "/")
    assert "/login" in pg.url
    shot(pg, "login")
    pg.fill("#user", USER)
    pg.fill("#password", PASSWORD)
    pg.click("button.primary")
    pg.wait_for_url(base + "/")
    yield pg
    assert all(u.startswith(base) or u.startswith("data:") for u in pg.requested), "a page loaded something external"
    context.close()


def shot(pg: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5000
    return path


def test_overview_timeline_has_the_right_marks_per_country(page: Any, dashboard: tuple[Seeded, str]) -> None:
    seeded, _ = dashboard
    rows = page.locator("svg.timeline g.row")
    assert rows.count() == len(seeded.marks)
    for key, n in seeded.marks.items():
        assert page.locator(f'svg.timeline g.row[data-country="{key}"] circle.mark').count() == n
    assert page.locator("svg.timeline circle.mark").count() == sum(seeded.marks.values())
    box = page.locator("svg.timeline").bounding_box()
    assert box["width"] <= PHONE["width"]  # no sideways scrolling on a phone
    shot(page, "overview")
    page.locator('svg.timeline g.row[data-country="SZ"] a').first.click()
    page.wait_for_url("**/countries/SZ")
    assert page.locator("li.development").count() == seeded.marks["SZ"]
    shot(page, "country")
    page.locator("li.development a").first.click()
    page.wait_for_url("**/developments/*")
    assert page.locator("dl.facts").count() == 1
    shot(page, "development")


def test_labelling_an_article_changes_its_state(page: Any, dashboard: tuple[Seeded, str]) -> None:
    seeded, base = dashboard
    page.goto(base + "/articles?filter=unlabelled")
    card = page.locator(f'li.article[data-article="{seeded.unlabelled_article}"]')
    assert card.locator(".state").inner_text() == "not labelled"
    shot(page, "articles")
    card.get_by_role("button", name="Not relevant").click()
    page.wait_for_load_state()
    assert page.locator(f'li.article[data-article="{seeded.unlabelled_article}"]').count() == 0
    page.goto(base + "/articles?filter=labelled")
    card = page.locator(f'li.article[data-article="{seeded.unlabelled_article}"]')
    assert card.locator(".state").inner_text() == "labelled irrelevant"
    assert card.get_by_role("button", name="Not relevant").is_disabled()
    with transaction(seeded.rt.factory) as s:
        url = s.scalar(select(Article.canonical_url).where(Article.id == seeded.unlabelled_article))
        assert s.scalar(select(Label.label).where(Label.canonical_url == url)) == "irrelevant"
    card.get_by_role("button", name="Relevant", exact=True).click()
    page.wait_for_load_state()
    assert page.locator(f'li.article[data-article="{seeded.unlabelled_article}"] .state').inner_text() \
        == "labelled relevant"
    shot(page, "articles-labelled")


def test_retrying_a_dead_alert_sends_it(page: Any, dashboard: tuple[Seeded, str]) -> None:
    seeded, base = dashboard
    page.goto(base + "/alerts?status=dead")
    item = page.locator(f'li.alert[data-alert="{seeded.dead_alert}"]')
    assert item.get_attribute("data-status") == "dead"
    shot(page, "alerts")
    item.get_by_role("button", name="Retry now").click()
    page.wait_for_load_state()
    page.goto(base + "/alerts")
    assert page.locator(f'li.alert[data-alert="{seeded.dead_alert}"]').get_attribute("data-status") == "pending"
    channels = {"slack": Channel("slack", SLACK_DEMO_URL, frozenset({"immediate"}))}
    with WebhookSink() as sink, slack_endpoint(sink.url):
        # Playwright's sync API owns this thread's event loop, so the dispatcher runs in its own thread.
        with ThreadPoolExecutor(1) as pool:
            result = pool.submit(asyncio.run, dispatch_due(seeded.rt.factory, channels,
                                                            seeded.rt.config.alerts)).result(timeout=30)
        posts = sink.wait_for(1)
    assert result.sent == 1 and "Kosovo" in posts[0].body.decode()
    page.reload()
    assert page.locator(f'li.alert[data-alert="{seeded.dead_alert}"]').get_attribute("data-status") == "sent"
    with transaction(seeded.rt.factory) as s:
        assert s.scalar(select(Alert.status).where(Alert.id == seeded.dead_alert)) == "sent"
    shot(page, "alerts-after-retry")


def test_sources_page_and_a_desktop_overview(page: Any, browser: Any, dashboard: tuple[Seeded, str]) -> None:
    _, base = dashboard
    page.goto(base + "/sources")
    ids = page.locator("li.source").evaluate_all("els => els.map(e => e.dataset.source)")
    assert ids[:2] == ["gov-b", "local-c"]
    shot(page, "sources")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + "/")
    shot(page, "overview-desktop")
