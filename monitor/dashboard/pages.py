"""The dashboard's HTML pages: overview, country, development, articles, sources, alerts."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from markupsafe import Markup
from starlette.responses import Response

from db.models import utcnow
from db.session import transaction
from monitor.dashboard import queries, render
from monitor.dashboard.guard import BadRequest, Call, Dashboard, choice_param, int_param, path_id
from monitor.dashboard.timeline import timeline_svg
from monitor.views import sources_view

ARTICLES_PER_PAGE = 40
LATEST = 12
FILTER_NAMES = {"all": "All", "relevant": "Relevant", "irrelevant": "Not relevant", "labelled": "Labelled",
                "unlabelled": "Not labelled"}
ALERT_TABS = ("all", "dead", "pending", "sending", "sent")
_COUNTRY_KEY = re.compile(r"^(?:[A-Za-z]{2,3}|none)$")


def _page(call: Call, template: str, title: str, **context: Any) -> Response:
    return render.html(call.request, template, title=title, user=call.identity.user, csrf=call.csrf, **context)


def back(call: Call) -> str:
    url = call.request.url
    return url.path + (f"?{url.query}" if url.query else "")


def overview(d: Dashboard, call: Call) -> Response:
    with transaction(d.rt.factory) as s:
        devs = queries.timeline(s)
    countries = queries.countries(devs)
    root = render.base_path(call.request)
    svg = Markup(timeline_svg(devs, countries, utcnow().date(), lambda p: root + p))  # every field escaped inside
    latest = sorted(devs, key=lambda x: (x.date, x.first_seen, x.id), reverse=True)[:LATEST]
    return _page(call, "overview.html", "Overview", svg=svg, countries=countries, latest=latest,
                 devs_total=len(devs), first=devs[0].date if devs else None)


def country(d: Dashboard, call: Call) -> Response:
    key = str(call.request.path_params.get("code", ""))
    if not _COUNTRY_KEY.match(key):
        raise BadRequest("No such country.", 404)
    key = key if key == queries.NO_COUNTRY else key.upper()
    with transaction(d.rt.factory) as s:
        items = queries.country_developments(s, key)
    if not items:
        raise BadRequest("No developments are recorded for this country.", 404)
    summary = next(iter(queries.countries(dev for dev, _ in items if dev.status != "false_alarm")), None)
    name = next((dev.country for dev, _ in reversed(items) if dev.country), None) or "No single country"
    return _page(call, "country.html", name, name=name, items=items, summary=summary)


def development(d: Dashboard, call: Call) -> Response:
    dev_id = path_id(call.request)
    with transaction(d.rt.factory) as s:
        detail = queries.development(s, dev_id)
    if detail is None:
        raise BadRequest("No such development.", 404)
    return _page(call, "development.html", detail.dev.title or "Development", d=detail.dev, summary=detail.summary,
                 articles=detail.articles, alerts=detail.alerts, back=back(call))


def articles(d: Dashboard, call: Call) -> Response:
    q = call.request.query_params
    which = choice_param(q.get("filter"), "filter", queries.ARTICLE_FILTERS, "all") or "all"
    page = int_param(q.get("page"), "page", 1, 1, 100_000)
    with transaction(d.rt.factory) as s:
        rows = queries.articles(s, which, limit=ARTICLES_PER_PAGE + 1, offset=(page - 1) * ARTICLES_PER_PAGE)
    return _page(call, "articles.html", "Articles", items=rows[:ARTICLES_PER_PAGE], more=len(rows) > ARTICLES_PER_PAGE,
                 which=which, page=page, filters=list(FILTER_NAMES.items()), back=back(call))


def _readable(value: str | None) -> str | None:
    return render.fmt_dt(datetime.fromisoformat(value)) if value else None


def source_rows(d: Dashboard) -> list[dict[str, Any]]:
    """Every configured source with its health, the failing ones first (most failures first)."""
    rows = sources_view(d.rt)
    rows.sort(key=lambda r: (-int(r["consecutive_failures"] or 0), r["last_ok"] or "", r["id"]))
    return rows


def sources(d: Dashboard, call: Call) -> Response:
    rows = source_rows(d)
    for r in rows:
        for key in ("last_ok", "last_new_at", "last_error_at"):
            r[key] = _readable(r[key])
    failing = sum(1 for r in rows if r["consecutive_failures"])
    return _page(call, "sources.html", "Sources", items=rows, failing=failing)


def alerts(d: Dashboard, call: Call) -> Response:
    which = choice_param(call.request.query_params.get("status"), "status", ALERT_TABS, "all") or "all"
    with transaction(d.rt.factory) as s:
        rows = queries.alerts(s, None if which == "all" else which)
        counts = queries.alert_counts(s)
    counts["all"] = sum(counts.values())
    return _page(call, "alerts.html", "Alerts", items=rows, counts=counts, which=which, tabs=ALERT_TABS,
                 back=back(call))
