"""Fixtures for alert tests: loopback SMTP and webhook sinks, Slack pointed at the sink, sample notices."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from urllib.parse import quote, quote_plus

import pytest
from sqlalchemy.orm import Session, sessionmaker

from alerts.redact import clear_redaction
from alerts.render import DevelopmentNotice, SourceRef
from db.session import transaction
from monitor.developments import ChannelRoute, IngestResult, ingest
from monitor.loopback import SmtpSink, WebhookSink, slack_endpoint
from monitor.types import Article, Classification, CountKind, Stage

EVIL_TITLE = (
    "Kosovo <script>alert(1)</script> <!channel> <!here> <@U123> <https://evil.example|click> & co"
)
EVIL_MARKERS = ("<script>", "<!channel>", "<!here>", "<@U123>", "<https://evil.example|click>")
SLACK_URL = "slack://T0AAAA1111/B0BBBB2222/cccccccccccccccccccc3333"
SLACK_SECRETS = ("T0AAAA1111", "B0BBBB2222", "cccccccccccccccccccc3333")
SMTP_USER, SMTP_PASSWORD = "alerts", "Pa55-w0rd%/secret"


def make_notice(**changes: object) -> DevelopmentNotice:
    base = DevelopmentNotice(
        kind="new",
        development_id=7,
        receiving_country="Kosovo",
        stage=Stage.AGREEMENT,
        deportee_count=50,
        count_kind=CountKind.CAP,
        event_date=date(2025, 6, 11),
        first_seen=datetime(2025, 6, 11, 14, 2, tzinfo=UTC),
        official=True,
        sources=(
            SourceRef("CBS News", "Kosovo agrees to accept deportees", "https://www.cbsnews.com/news/kosovo?a=1&b=2",
                      "en", False, None),
            SourceRef("U.S. Department of State", "Statement on Kosovo", "https://www.state.gov/kosovo",
                      "en", True, None),
        ),
        excerpt="Kosovo has agreed to receive dozens of U.S. deportees from third countries.",
        reasons=("stage cue: 'agreed to receive'", "receiving country: Kosovo", "count: up to 50"),
        score=0.934,
        dashboard_url="https://deportwatch.example.org/developments/7",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def evil_notice() -> DevelopmentNotice:
    return make_notice(
        receiving_country="Kosovo <!channel>",
        sources=(
            SourceRef("Evil <@U123> outlet", EVIL_TITLE, "https://news.example.org/a?x=1&y=<2>", "en", False,
                      None),
            SourceRef("Sneaky", "click me <!here>", "javascript:alert(document.cookie)", None, False, None),
        ),
        excerpt=f"Excerpt {EVIL_TITLE}",
        reasons=(f"matched {EVIL_TITLE}",),
    )


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink(credentials=(SMTP_USER, SMTP_PASSWORD)) as sink:
        yield sink


@pytest.fixture
def webhook_sink() -> Iterator[WebhookSink]:
    with WebhookSink() as sink, slack_endpoint(sink.url + "/services"):
        yield sink


def mail_url(sink: SmtpSink, password: str = SMTP_PASSWORD) -> str:
    from urllib.parse import quote

    return (f"mailto://{SMTP_USER}:{quote(password, safe='')}@127.0.0.1:{sink.port}"
            "?from=deportwatch@example.org&to=team@example.org&mode=insecure")


@pytest.fixture(autouse=True)
def _no_leftover_redaction() -> Iterator[None]:
    yield
    clear_redaction()


@contextmanager
def debug_logging(loggers: Iterable[str]) -> Iterator[io.StringIO]:
    """Everything logged through the root logger, with `loggers` at DEBUG, formatted like a real handler would."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    saved = {name: logging.getLogger(name).level for name in loggers}
    root = logging.getLogger()
    root.addHandler(handler)
    for name in saved:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def secret_forms() -> set[str]:
    """The configured test secrets as they could appear in output: plain, URL-encoded, and in SMTP AUTH."""
    plain = {SMTP_PASSWORD, *SLACK_SECRETS}
    forms = {f for s in plain for f in (s, quote(s, safe=""), quote_plus(s))}
    forms.add(base64.b64encode(f"\0{SMTP_USER}\0{SMTP_PASSWORD}".encode()).decode())
    forms.add(base64.b64encode(SMTP_PASSWORD.encode()).decode())
    return forms


@pytest.fixture(autouse=True)
def _no_secret_in_captured_logs(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test here: what pytest captured from the logs (all phases) holds no configured secret."""
    yield
    if "without_redaction" in request.node.name:
        return  # the control case, which shows that the scan catches a leak
    text = "\n".join(r.getMessage() + (r.exc_text or "")
                      for phase in ("setup", "call", "teardown") for r in caplog.get_records(phase))
    leaked = sorted(f for f in secret_forms() if f in text)
    assert leaked == [], f"secret in captured logs: {leaked}"


def report(
    factory: sessionmaker[Session],
    routes: Sequence[ChannelRoute],
    n: int,
    *,
    country: str | None = None,
    code: str | None = None,
    stage: Stage = Stage.AGREEMENT,
    count: int | None = 50,
    source_id: str = "src-news",
    title: str | None = None,
    official: bool = False,
    relevant: bool = True,
    now: datetime | None = None,
) -> IngestResult:
    """Store article `n` through the real development tracker (which queues its outbox rows)."""
    country = country or f"Country {n}"
    url = f"https://news.example.org/{source_id}/{n}"
    text = f"{country} agreed to receive up to {count} third-country deportees from the United States. ({n})"
    article = Article(url=url, canonical_url=url, source_id=source_id, title=title or f"{country} agrees ({n})",
                      text=text, language="en", outlet=f"Outlet {source_id}", official=official,
                      content_hash=hashlib.sha256(url.encode()).hexdigest())
    cls = Classification(relevant=relevant, score=0.9 if relevant else 0.1, receiving_country=country,
                         country_code=code or f"C{n}", stage=stage if relevant else None, deportee_count=count,
                         count_kind=CountKind.CAP if count is not None else None,
                         reasons=(f"stage cue: agreed (article {n})",), language="en")
    with transaction(factory) as s:
        return ingest(s, article, cls, routes, now=now)
