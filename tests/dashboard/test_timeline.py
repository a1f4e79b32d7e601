"""The SVG timeline: rows, marks, positions, axis and escaping."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from monitor.dashboard.queries import DevRow, countries
from monitor.dashboard.timeline import _ticks, timeline_svg


def dev(i: int, code: str | None, country: str | None, when: date, stage: str = "agreement") -> DevRow:
    seen = datetime.combine(when, datetime.min.time(), UTC)
    return DevRow(i, country, code, stage, when, seen, seen, None, None, False, "active", "t", 1)


def test_one_row_per_country_one_mark_per_development_placed_by_date() -> None:
    devs = [dev(1, "XK", "Kosovo", date(2025, 6, 11)), dev(2, "XK", "Kosovo", date(2025, 12, 11), "first_arrivals"),
            dev(3, "GH", "Ghana", date(2025, 9, 6), "further_arrivals"), dev(4, None, None, date(2025, 1, 20))]
    svg = timeline_svg(devs, countries(devs), date(2026, 2, 1), lambda p: "/root" + p)
    rows = re.findall(r'data-country="([^"]+)"', svg)
    assert rows == ["XK", "GH", "none"]  # most recently active first
    xs = {int(i): float(x) for i, x in re.findall(r'href="/root/developments/(\d+)"><circle[^>]* cx="([\d.]+)"', svg)}
    assert set(xs) == {1, 2, 3, 4}
    assert xs[4] < xs[1] < xs[3] < xs[2]
    assert 's-first_arrivals" data-stage="first_arrivals"' in svg
    today_x = float(re.search(r'class="today" x1="([\d.]+)"', svg).group(1))  # type: ignore[union-attr]
    assert today_x > xs[2]


def test_names_and_titles_are_escaped_and_long_names_shortened() -> None:
    devs = [dev(1, "AG", "Antigua and Barbuda <b>&", date(2026, 1, 5))]
    svg = timeline_svg(devs, countries(devs), date(2026, 2, 1), lambda p: p)
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert "Antigua and Barb…" in svg
    assert timeline_svg([], [], date(2026, 2, 1), lambda p: p) == ""


def test_axis_labels_fit_a_phone() -> None:
    assert [label for _, label in _ticks(date(2025, 1, 1), date(2025, 4, 30))] == ["Jan 25", "Feb 25", "Mar 25",
                                                                                    "Apr 25"]
    long = _ticks(date(2019, 1, 1), date(2026, 2, 1))
    assert len(long) <= 6 and all(label.isdigit() for _, label in long)
    assert all(d >= date(2025, 1, 20) for d, _ in _ticks(date(2025, 1, 20), date(2026, 2, 1)))
