"""Turns developments, digests and ops events into alert messages: subject, plain text, HTML, Slack mrkdwn."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from alerts.templates.blocks import (
    Block,
    Fields,
    Heading,
    Inline,
    Items,
    Link,
    Para,
    one_line,
    to_html,
    to_slack,
    to_text,
)
from monitor.types import CountKind, Stage

MAX_SOURCES = 5
MAX_EXCERPT = 400
MAX_SUBJECT = 200

STAGE_LABELS: dict[Stage, str] = {
    Stage.TALKS: "talks",
    Stage.AGREEMENT: "agreement signed",
    Stage.FIRST_ARRIVALS: "first arrivals",
    Stage.FURTHER_ARRIVALS: "further arrivals",
    Stage.COURT_RULING: "court ruling",
    Stage.PAUSED_OR_ENDED: "agreement paused or ended",
    Stage.CRITICISM: "criticism or refusal",
}

OPS_LABELS = {
    "source_failing": "source failing",
    "source_silent": "source silent",
    "dead_letter": "alert could not be delivered",
}


@dataclass(frozen=True)
class SourceRef:
    outlet: str | None
    title: str
    url: str
    language: str | None
    official: bool
    published_at: datetime | None


@dataclass(frozen=True)
class DevelopmentNotice:
    kind: str  # "new" | "update"
    development_id: int
    receiving_country: str | None
    stage: Stage
    deportee_count: int | None
    count_kind: CountKind | None
    event_date: date | None
    first_seen: datetime
    official: bool
    sources: tuple[SourceRef, ...]
    excerpt: str
    reasons: tuple[str, ...]
    score: float
    dashboard_url: str | None = None
    changes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rendered:
    title: str
    text: str
    html: str
    slack: str


@dataclass(frozen=True)
class OpsNotice:
    kind: str  # "source_failing" | "source_silent" | "dead_letter"
    source_id: str | None
    detail: str
    since: datetime | None = None
    counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DigestData:
    period_start: datetime
    period_end: datetime
    new: tuple[DevelopmentNotice, ...] = ()
    updates: tuple[DevelopmentNotice, ...] = ()
    articles_read: Mapping[str, int] = field(default_factory=dict)
    """Articles read in the period per source group, e.g. {"news": 120, "official": 8}."""
    source_problems: tuple[OpsNotice, ...] = ()
    dashboard_url: str | None = None


def _render(title: str, blocks: Sequence[Block]) -> Rendered:
    title = one_line(title)
    if len(title) > MAX_SUBJECT:
        title = title[: MAX_SUBJECT - 1].rstrip() + "…"
    parts = tuple(blocks)
    return Rendered(title, to_text(title, parts), to_html(title, parts), to_slack(title, parts))


def _n(count: int) -> str:
    return f"{count:,}"


def _headline(n: DevelopmentNotice) -> str:
    """What happened, e.g. "first flight of 5 third-country deportees arrived"."""
    count = n.deportee_count
    if n.stage is Stage.TALKS:
        return "talks on receiving third-country deportees"
    if n.stage is Stage.AGREEMENT:
        if count is None:
            return "agreement to receive third-country deportees"
        cap = "up to " if n.count_kind is not CountKind.MOVED else ""
        return f"agreement to receive {cap}{_n(count)} third-country deportees"
    if n.stage is Stage.FIRST_ARRIVALS:
        if count is None:
            return "first flight of third-country deportees arrived"
        return f"first flight of {_n(count)} third-country deportees arrived"
    if n.stage is Stage.FURTHER_ARRIVALS:
        if count is None:
            return "further third-country deportees arrived"
        return f"further {_n(count)} third-country deportees arrived"
    if n.stage is Stage.COURT_RULING:
        return "court ruling"
    if n.stage is Stage.PAUSED_OR_ENDED:
        return "third-country deportation deal paused or ended"
    return "criticism or refusal of third-country deportations"


def subject(n: DevelopmentNotice) -> str:
    """E.g. "Kosovo — agreement to receive up to 50 third-country deportees"; "UPDATE: " for updates."""
    where = one_line(n.receiving_country or "") or "U.S. third-country removals"
    prefix = "UPDATE: " if n.kind == "update" else ""
    return f"{prefix}{where} — {_headline(n)}"


def _number(n: DevelopmentNotice) -> str:
    if n.deportee_count is None:
        return "not reported"
    if n.count_kind is CountKind.CAP:
        return f"up to {_n(n.deportee_count)} (cap in the agreement)"
    if n.count_kind is CountKind.MOVED:
        return f"{_n(n.deportee_count)} people moved"
    return _n(n.deportee_count)


def _source_item(s: SourceRef) -> tuple[Inline, ...]:
    notes = [x for x in (s.language, "official" if s.official else None) if x]
    head: list[str | Link] = []
    if s.outlet:
        head.append(f"{s.outlet}:")
    head.append(Link(s.title or s.url, s.url))
    if notes:
        head.append(f"({', '.join(notes)})")
    return (tuple(head),)


def _top_sources(sources: tuple[SourceRef, ...]) -> Items:
    ranked = sorted(sources, key=lambda s: not s.official)
    items = tuple(_source_item(s) for s in ranked[:MAX_SOURCES])
    if len(ranked) > MAX_SOURCES:
        items += ((f"and {len(ranked) - MAX_SOURCES} more",),)
    return Items(f"Sources ({len(sources)})", items)


def _excerpt(text: str) -> str:
    text = one_line(text)
    return text if len(text) <= MAX_EXCERPT else text[: MAX_EXCERPT - 1].rsplit(" ", 1)[0] + "…"


def _facts(n: DevelopmentNotice) -> Fields:
    rows: list[tuple[str, Inline]] = [
        ("Receiving country", n.receiving_country or "not identified (U.S.-wide)"),
        ("Stage", STAGE_LABELS[n.stage]),
        ("Number", _number(n)),
        ("Date", n.event_date.isoformat() if n.event_date else "not reported"),
        ("Confirmation", "Confirmed by an official source" if n.official else "Media reports only"),
        ("First seen", n.first_seen.strftime("%Y-%m-%d %H:%M %Z").strip()),
    ]
    if n.dashboard_url:
        rows.append(("Dashboard", Link(n.dashboard_url, n.dashboard_url)))
    return Fields(tuple(rows))


def _update_banner(n: DevelopmentNotice) -> Para:
    return Para(f"UPDATE to a known development (#{n.development_id}, first seen {n.first_seen:%Y-%m-%d}): "
                "a material fact changed. This is not a new development.")


def render_development(n: DevelopmentNotice) -> Rendered:
    blocks: list[Block] = [_update_banner(n)] if n.kind == "update" else []
    if n.kind == "update":
        changes = n.changes or ("details changed (see the facts below)",)
        blocks.append(Items("What changed", tuple((c,) for c in changes)))
    blocks.append(_facts(n))
    if n.sources:
        blocks.append(_top_sources(n.sources))
    if n.excerpt.strip():
        blocks += [Heading("Excerpt"), Para(_excerpt(n.excerpt), quote=True)]
    why = tuple((r,) for r in n.reasons) or (("no reasons recorded",),)
    blocks.append(Items(f"Why flagged (score {n.score:.2f})", why))
    return _render(subject(n), blocks)


def _brief_item(n: DevelopmentNotice) -> tuple[Inline, ...]:
    """One development as a list entry: its subject, confirmation, first source and dashboard link."""
    confirmation = "official source" if n.official else "media reports only"
    lines: list[Inline] = [(subject(n), f"({confirmation})")]
    if n.kind == "update" and n.changes:
        lines.append("Changed: " + "; ".join(n.changes))
    if n.sources:
        first = sorted(n.sources, key=lambda s: not s.official)[0]
        lines.append(_source_item(first)[0])
    if n.dashboard_url:
        lines.append(Link("Dashboard", n.dashboard_url))
    return tuple(lines)


def render_summary(notices: Sequence[DevelopmentNotice]) -> Rendered:
    """Several developments folded into one message (sent when the hourly alert cap is reached)."""
    new = sum(1 for n in notices if n.kind != "update")
    updates = len(notices) - new
    counts = [f"{new} new development{'s' if new != 1 else ''}"] if new else []
    if updates:
        counts.append(f"{updates} update{'s' if updates != 1 else ''}")
    title = f"{' and '.join(counts) or 'No developments'} on U.S. third-country deportations"
    blocks: list[Block] = [
        Para("Alert limit for this hour reached; these developments are summarised in one message."),
    ]
    if notices:
        blocks.append(Items("Developments", tuple(_brief_item(n) for n in notices)))
    return _render(title, blocks)


def _period(start: datetime, end: datetime) -> str:
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} {end.strftime('%Z')}".strip()


def _ops_item(o: OpsNotice) -> tuple[Inline, ...]:
    where = o.source_id or "outbox"
    since = f" since {o.since:%Y-%m-%d %H:%M}" if o.since else ""
    return (f"{where}: {OPS_LABELS.get(o.kind, o.kind)}{since} — {o.detail}",)


def render_digest(d: DigestData) -> Rendered:
    title = (
        f"Daily digest {d.period_end:%Y-%m-%d}: {len(d.new)} new development{'s' if len(d.new) != 1 else ''}"
        f", {len(d.updates)} update{'s' if len(d.updates) != 1 else ''}"
    )
    blocks: list[Block] = [Fields((("Period", _period(d.period_start, d.period_end)),))]
    if d.new:
        blocks.append(Items("New developments", tuple(_brief_item(n) for n in d.new)))
    else:
        blocks.append(Para("No new developments in this period."))
    if d.updates:
        blocks.append(Items("Updates", tuple(_brief_item(n) for n in d.updates)))
    read = tuple((group, _n(count)) for group, count in sorted(d.articles_read.items()))
    total = sum(d.articles_read.values())
    read_items = tuple((f"{g}: {c}",) for g, c in read) or (("none",),)
    blocks.append(Items(f"Articles read ({_n(total)})", read_items))
    if d.source_problems:
        blocks.append(Items("Source health problems", tuple(_ops_item(o) for o in d.source_problems)))
    if d.dashboard_url:
        blocks.append(Para(Link("Open the dashboard", d.dashboard_url)))
    return _render(title, blocks)


def render_ops(o: OpsNotice) -> Rendered:
    label = OPS_LABELS.get(o.kind, one_line(o.kind))
    title = f"deportwatch ops: {label}" + (f" — {o.source_id}" if o.source_id else "")
    rows: list[tuple[str, Inline]] = []
    if o.source_id:
        rows.append(("Source", o.source_id))
    rows.append(("Problem", o.detail or label))
    if o.since:
        rows.append(("Since", o.since.strftime("%Y-%m-%d %H:%M %Z").strip()))
    rows += [(name.replace("_", " ").capitalize(), _n(value)) for name, value in sorted(o.counts.items())]
    return _render(title, [Fields(tuple(rows))])


def render_test() -> Rendered:
    return _render(
        "deportwatch test alert",
        [
            Para("This is a test message from deportwatch. If you can read it, the channel works."),
            Para("No development has been detected; no action is needed."),
        ],
    )
