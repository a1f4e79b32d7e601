"""The overview chart: one SVG row per receiving country, one mark per development coloured by its stage."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from html import escape

from monitor.dashboard.queries import CountryRow, DevRow

STAGE_LABELS = {
    "talks": "Talks",
    "agreement": "Agreement",
    "first_arrivals": "First arrivals",
    "further_arrivals": "Further arrivals",
    "court_ruling": "Court ruling",
    "paused_or_ended": "Paused or ended",
    "criticism": "Criticism or refusal",
}
# Sized so that the chart is drawn about 1:1 on a phone and text stays legible when it scales down.
WIDTH, LABEL_W, RIGHT_PAD, TOP, ROW_H = 420, 108, 12, 24, 20
MAX_LABEL = 17
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def stage_label(stage: str | None) -> str:
    return STAGE_LABELS.get(stage or "", (stage or "unknown").replace("_", " ").capitalize())


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def _ticks(start: date, end: date) -> list[tuple[date, str]]:
    """Month boundaries at a step that gives at most six labels."""
    months = _month_index(end) - _month_index(start) + 1
    step = next(s for s in (1, 2, 3, 6, 12, 24, 60) if months / s <= 6)
    first = _month_index(start)
    first += (-first) % step
    out = []
    for m in range(first, _month_index(end) + 1, step):
        d = date(m // 12, m % 12 + 1, 1)
        if d >= start:
            out.append((d, str(d.year) if step >= 12 else f"{MONTHS[d.month - 1]} {d.year % 100:02d}"))
    return out


def _short(name: str) -> str:
    return name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1].rstrip() + "…"


def timeline_svg(devs: Sequence[DevRow], countries: Sequence[CountryRow], today: date,
                 url: Callable[[str], str]) -> str:
    """The chart as an inline SVG string (all text escaped); empty when there is nothing to draw."""
    if not devs:
        return ""
    start = min(d.date for d in devs).replace(day=1)
    end = max(today, max(d.date for d in devs))
    span = max((end - start).days, 1)
    plot_w = WIDTH - LABEL_W - RIGHT_PAD
    height = TOP + ROW_H * len(countries) + 4

    def x(d: date) -> float:
        return round(LABEL_W + (d - start).days / span * plot_w, 1)

    by_country: dict[str, list[DevRow]] = defaultdict(list)
    for d in devs:
        by_country[d.key].append(d)
    out = [f'<svg class="timeline" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="tl-t" '
           f'xmlns="http://www.w3.org/2000/svg"><title id="tl-t">Developments by receiving country, '
           f'{start.isoformat()} to {end.isoformat()}</title>']
    for tick, label in _ticks(start, end):
        out.append(f'<line class="tick" x1="{x(tick)}" x2="{x(tick)}" y1="{TOP - 6}" y2="{height}"/>'
                   f'<text class="axis" x="{x(tick)}" y="{TOP - 10}">{label}</text>')
    for i, c in enumerate(countries):
        y = TOP + i * ROW_H
        mid = y + ROW_H / 2
        band = f'<rect class="band" x="0" y="{y}" width="{WIDTH}" height="{ROW_H}"/>' if i % 2 == 0 else ""
        out.append(f'<g class="row" data-country="{escape(c.key)}">{band}'
                   f'<a href="{escape(url("/countries/" + c.key))}"><text class="name" x="4" y="{mid + 4}">'
                   f'{escape(_short(c.name))}<title>{escape(c.name)}</title></text></a>')
        for d in by_country.get(c.key, ()):
            tip = f"{c.name} · {stage_label(d.stage)} · {d.date.isoformat()}"
            if d.count is not None:
                tip += f" · {'up to ' if d.count_kind == 'cap' else ''}{d.count} people"
            out.append(f'<a href="{escape(url(f"/developments/{d.id}"))}"><circle class="mark s-{escape(d.stage)}" '
                       f'data-stage="{escape(d.stage)}" cx="{x(d.date)}" cy="{mid}" r="5">'
                       f'<title>{escape(tip)}</title></circle></a>')
        out.append("</g>")
    tx = x(today)
    out.append(f'<line class="today" x1="{tx}" x2="{tx}" y1="{TOP - 4}" y2="{height}"/></svg>')
    return "".join(out)
