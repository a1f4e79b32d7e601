"""Alert rendering: subjects per stage, facts in the body, and escaping of crawled text for each target."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.render import (
    DigestData,
    OpsNotice,
    render_development,
    render_digest,
    render_ops,
    render_summary,
    render_test,
    subject,
)
from alerts.templates.blocks import one_line, safe_url, slack_escape
from monitor.types import CountKind, Stage
from tests.alerts.conftest import EVIL_MARKERS, evil_notice, make_notice

SUBJECTS = [
    # (changes, expected subject)
    ({}, "Kosovo — agreement to receive up to 50 third-country deportees"),
    ({"stage": Stage.TALKS, "deportee_count": None, "count_kind": None, "receiving_country": "Guyana"},
     "Guyana — talks on receiving third-country deportees"),
    ({"stage": Stage.FIRST_ARRIVALS, "deportee_count": 5, "count_kind": CountKind.MOVED,
      "receiving_country": "Eswatini"}, "Eswatini — first flight of 5 third-country deportees arrived"),
    ({"stage": Stage.FURTHER_ARRIVALS, "deportee_count": 10, "count_kind": CountKind.MOVED,
      "receiving_country": "Eswatini", "kind": "update"},
     "UPDATE: Eswatini — further 10 third-country deportees arrived"),
    ({"stage": Stage.COURT_RULING, "receiving_country": None, "deportee_count": None},
     "U.S. third-country removals — court ruling"),
    ({"stage": Stage.PAUSED_OR_ENDED, "receiving_country": "Rwanda"},
     "Rwanda — third-country deportation deal paused or ended"),
    ({"stage": Stage.CRITICISM, "receiving_country": "Nigeria", "deportee_count": None},
     "Nigeria — criticism or refusal of third-country deportations"),
    ({"stage": Stage.AGREEMENT, "deportee_count": None, "count_kind": None, "receiving_country": "Palau"},
     "Palau — agreement to receive third-country deportees"),
    ({"stage": Stage.AGREEMENT, "deportee_count": 1600, "count_kind": CountKind.CAP,
      "receiving_country": "Palau"},
     "Palau — agreement to receive up to 1,600 third-country deportees"),
]


@pytest.mark.parametrize(("changes", "expected"), SUBJECTS)
def test_subject_names_country_and_stage(changes: dict[str, object], expected: str) -> None:
    notice = make_notice(**changes)
    assert subject(notice) == expected
    assert render_development(notice).title == expected


def test_body_carries_the_facts_sources_and_reasons() -> None:
    r = render_development(make_notice())
    for part in (r.text, r.html, r.slack):
        for fact in ("Kosovo", "agreement signed", "up to 50 (cap in the agreement)", "2025-06-11",
                     "Confirmed by an official source", "CBS News", "U.S. Department of State",
                     "stage cue", "score 0.93", "deportwatch.example.org/developments/7"):
            assert fact in html.unescape(part), (fact, part)
    # The official source is listed first.
    assert r.text.index("Statement on Kosovo") < r.text.index("Kosovo agrees to accept deportees")
    assert '<a href="https://www.state.gov/kosovo">Statement on Kosovo</a>' in r.html
    assert "<https://www.state.gov/kosovo|Statement on Kosovo>" in r.slack


def test_media_only_and_moved_count_wording() -> None:
    r = render_development(make_notice(official=False, stage=Stage.FIRST_ARRIVALS, count_kind=CountKind.MOVED,
                                       deportee_count=7))
    assert "Media reports only" in r.text
    assert "7 people moved" in r.text


def test_update_lists_what_changed() -> None:
    r = render_development(make_notice(kind="update", changes=("count 5 → 15",)))
    assert r.title.startswith("UPDATE: ")
    assert "count 5 → 15" in r.text and "count 5 → 15" in r.slack and "count 5 → 15" in r.html


def test_an_update_is_marked_as_one_before_anything_else() -> None:
    r = render_development(make_notice(kind="update", changes=("number of people: 50 → 75",)))
    banner = "UPDATE to a known development (#7, first seen 2025-06-11): a material fact changed."
    assert r.text.startswith(banner)
    assert r.text.index("What changed:") < r.text.index("Receiving country:")
    assert banner in r.slack and banner in r.html
    new = render_development(make_notice())
    assert "UPDATE" not in new.text and "What changed" not in new.text


def test_digest_updates_say_what_changed() -> None:
    start, end = datetime(2025, 6, 10, 8, tzinfo=UTC), datetime(2025, 6, 11, 8, tzinfo=UTC)
    d = DigestData(start, end, updates=(make_notice(kind="update", changes=("number of people: 50 → 75",)),))
    assert "Changed: number of people: 50 → 75" in render_digest(d).text


def test_no_dashboard_link_when_not_configured() -> None:
    r = render_development(make_notice(dashboard_url=None))
    assert "Dashboard" not in r.text and "Dashboard" not in r.slack


def test_sources_are_capped_with_a_count_of_the_rest() -> None:
    src = make_notice().sources[0]
    r = render_development(make_notice(sources=(src,) * 9))
    assert "Sources (9)" in r.text
    assert "and 4 more" in r.text
    assert r.text.count("Kosovo agrees to accept deportees") == 5


def test_crawled_text_is_escaped_in_html() -> None:
    r = render_development(evil_notice())
    for marker in EVIL_MARKERS:
        assert marker not in r.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.html
    # The only tags in the document are the ones the layout writes.
    tags = set(re.findall(r"</?([a-zA-Z0-9!]+)", r.html))
    layout = {"!DOCTYPE", "html", "head", "meta", "title", "body", "h1", "h2", "h3", "p", "b", "br",
              "ul", "li", "a", "span", "blockquote"}
    assert tags <= layout


def test_crawled_text_cannot_form_slack_mentions_or_links() -> None:
    r = render_development(evil_notice())
    for marker in EVIL_MARKERS:
        assert marker not in r.slack
    assert "&lt;!channel&gt;" in r.slack and "&lt;@U123&gt;" in r.slack
    # Every "<" in the message opens one of our own http(s) links.
    opened = re.findall(r"<([^>]*)>", r.slack)
    assert opened, r.slack
    for inner in opened:
        assert re.match(r"https?://[^|<>\s]+\|", inner), inner
    assert "<https://news.example.org/a?x=1&amp;y=%3C2%3E|" in r.slack


def test_javascript_url_is_never_a_link() -> None:
    r = render_development(evil_notice())
    assert "javascript:" in r.text  # still shown, as text
    assert 'href="javascript' not in r.html.lower()
    assert "<javascript:" not in r.slack
    assert "click me &lt;!here&gt; (javascript:alert(document.cookie))" in r.slack


def test_plain_text_has_no_markup_added() -> None:
    r = render_development(make_notice())
    assert "<" not in r.text and "*" not in r.text and "&amp;" not in r.text
    # Crawled text reaches the plain part verbatim (it is not interpreted by anything).
    assert "<!channel>" in render_development(evil_notice()).text


def test_multiline_titles_are_flattened() -> None:
    r = render_development(make_notice(receiving_country="Kosovo\r\nBcc: x@example.org"))
    assert "\n" not in r.title and "\r" not in r.title


def test_summary_folds_several_developments() -> None:
    notices = [make_notice(), make_notice(kind="update", receiving_country="Rwanda", development_id=8),
               make_notice(receiving_country="Ghana", development_id=9)]
    r = render_summary(notices)
    assert r.title == "2 new developments and 1 update on U.S. third-country deportations"
    for country in ("Kosovo", "Rwanda", "Ghana"):
        assert f"{country} — agreement" in r.text
    assert "UPDATE: Rwanda" in r.text


def test_digest_sections() -> None:
    start, end = datetime(2025, 6, 10, 8, tzinfo=UTC), datetime(2025, 6, 11, 8, tzinfo=UTC)
    problem = OpsNotice("source_silent", "gov-ks", "no new items for 3 days", since=start)
    d = DigestData(start, end, new=(make_notice(),), updates=(make_notice(kind="update", changes=("x",)),),
                   articles_read={"news": 120, "official": 8}, source_problems=(problem,))
    r = render_digest(d)
    assert r.title == "Daily digest 2025-06-11: 1 new development, 1 update"
    for text in ("New developments", "Updates", "Articles read (128)", "news: 120", "official: 8",
                 "Source health problems", "gov-ks: source silent since 2025-06-10 08:00"):
        assert text in r.text, text
    empty = render_digest(DigestData(start, end))
    assert "No new developments in this period." in empty.text


def test_ops_notice() -> None:
    o = OpsNotice("source_failing", "reuters-world", "HTTP 503 <b>bad</b>",
                  since=datetime(2025, 6, 11, tzinfo=UTC), counts={"consecutive_failures": 12})
    r = render_ops(o)
    assert r.title == "deportwatch ops: source failing — reuters-world"
    assert "Consecutive failures: 12" in r.text
    assert "<b>bad</b>" not in r.html and "&lt;b&gt;bad&lt;/b&gt;" in r.html


def test_test_message() -> None:
    r = render_test()
    assert r.title == "deportwatch test alert"
    assert "test message" in r.text and "test message" in r.slack and "test message" in r.html


@pytest.mark.parametrize(("url", "ok"), [
    ("https://example.org/a?b=1", True), ("http://example.org", True), ("HTTPS://EXAMPLE.ORG/x", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), ("data:text/html,<b>", False),
    ("vbscript:x", False), ("//evil.example/x", False), ("https:///nohost", False),
    ("https://exa mple.org", False), ("https://example.org/\u202e", False), ("", False), (None, False),
])
def test_safe_url(url: str | None, ok: bool) -> None:
    assert (safe_url(url) is not None) is ok


@given(st.text())
def test_slack_escape_leaves_no_markup_and_round_trips(text: str) -> None:
    escaped = slack_escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert escaped.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == one_line(text)


@given(st.text(), st.text())
def test_any_source_title_stays_escaped(title: str, outlet: str) -> None:
    from alerts.render import SourceRef

    notice = make_notice(sources=(SourceRef(outlet, title, "https://example.org/a", None, False, None),))
    r = render_development(notice)
    # Slack: the only "<" are our link openers.
    for inner in re.findall(r"<([^>]*)>", r.slack):
        assert inner.startswith(("https://example.org/a|", "https://deportwatch.example.org/")), inner
    assert "<" not in r.slack.replace("<https://", "")
    # HTML: the title appears only entity-escaped.
    assert html.escape(one_line(title), quote=True) in r.html
