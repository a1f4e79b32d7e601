"""The JSON API: the dashboard's data for scripts, described by the OpenAPI schema in openapi.py."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from alerts.outbox import retry
from db.models import Alert
from db.session import transaction
from monitor.dashboard import queries, render
from monitor.dashboard.guard import BadRequest, Call, Dashboard, choice_param, int_param, path_id
from monitor.dashboard.openapi import schema
from monitor.dashboard.pages import source_rows
from monitor.dashboard.timeline import STAGE_LABELS

MAX_LIMIT = 500
DEVELOPMENT_PARAMS = ("country", "stage", "status", "limit", "offset")


def development_json(d: queries.DevRow) -> dict[str, Any]:
    return {
        "id": d.id, "receiving_country": d.country, "country_code": d.code, "stage": d.stage,
        "date": d.date, "first_seen": d.first_seen, "last_seen": d.last_seen, "deportee_count": d.count,
        "count_kind": d.count_kind, "official": d.official, "status": d.status, "title": d.title,
        "article_count": d.article_count,
    }


def article_json(a: queries.ArticleRow) -> dict[str, Any]:
    return {
        "id": a.id, "url": a.url, "canonical_url": a.canonical_url, "source_id": a.source_id, "title": a.title,
        "outlet": a.outlet, "language": a.language, "published_at": a.published_at, "fetched_at": a.fetched_at,
        "official": a.official, "relevant": a.relevant, "score": render.clean_float(a.score),
        "receiving_country": a.country, "stage": a.stage, "deportee_count": a.count, "count_kind": a.count_kind,
        "reasons": list(a.reasons), "label": a.label,
    }


def alert_json(a: queries.AlertRow) -> dict[str, Any]:
    return {
        "id": a.id, "development_id": a.development_id, "development_title": a.development_title,
        "channel": a.channel, "kind": a.kind, "status": a.status, "attempts": a.attempts, "last_error": a.last_error,
        "created_at": a.created_at, "sent_at": a.sent_at, "next_attempt_at": a.next_attempt_at,
    }


def country_json(c: queries.CountryRow) -> dict[str, Any]:
    return {"key": c.key, "name": c.name, "developments": c.developments, "first": c.first, "last": c.last,
            "latest_stage": c.latest_stage, "people_moved": c.moved, "cap": c.cap, "official": c.official}


def _paging(call: Call) -> tuple[int, int]:
    q = call.request.query_params
    return (int_param(q.get("limit"), "limit", 100, 1, MAX_LIMIT),
            int_param(q.get("offset"), "offset", 0, 0, 1_000_000))


def list_developments(d: Dashboard, call: Call) -> Response:
    q = call.request.query_params
    limit, offset = _paging(call)
    country = q.get("country")
    if country is not None and not (country == queries.NO_COUNTRY or (country.isascii() and country.isalpha()
                                                                       and 2 <= len(country) <= 3)):
        raise BadRequest("country must be an ISO 3166 code like 'XK', or 'none'")
    stage = choice_param(q.get("stage"), "stage", tuple(STAGE_LABELS), None)
    status = choice_param(q.get("status"), "status", queries.DEV_STATUSES, None)
    with transaction(d.rt.factory) as s:
        rows, total = queries.developments(s, country=country, stage=stage, status=status, limit=limit,
                                           offset=offset)
    return render.json_response(call.request, {"total": total, "items": [development_json(r) for r in rows]})


def get_development(d: Dashboard, call: Call) -> Response:
    dev_id = path_id(call.request)
    with transaction(d.rt.factory) as s:
        detail = queries.development(s, dev_id)
    if detail is None:
        raise BadRequest("no such development", 404)
    data = development_json(detail.dev)
    data.update(summary=detail.summary, articles=[article_json(a) for a in detail.articles],
                alerts=[alert_json(a) for a in detail.alerts])
    return render.json_response(call.request, data)


def list_countries(d: Dashboard, call: Call) -> Response:
    with transaction(d.rt.factory) as s:
        devs = queries.timeline(s)
    return render.json_response(call.request, {"items": [country_json(c) for c in queries.countries(devs)]})


def list_articles(d: Dashboard, call: Call) -> Response:
    which = choice_param(call.request.query_params.get("filter"), "filter", queries.ARTICLE_FILTERS, "all") or "all"
    limit, offset = _paging(call)
    with transaction(d.rt.factory) as s:
        rows = queries.articles(s, which, limit=limit, offset=offset)
    return render.json_response(call.request, {"items": [article_json(a) for a in rows]})


def label_article(d: Dashboard, call: Call) -> Response:
    article_id = path_id(call.request)
    body = call.body
    if not isinstance(body, dict) or set(body) != {"label"} or body["label"] not in queries.LABELS:
        raise BadRequest('the body must be {"label": "relevant"} or {"label": "irrelevant"}')
    with transaction(d.rt.factory) as s:
        row = queries.label_article(s, article_id, body["label"])
    if row is None:
        raise BadRequest("no such article", 404)
    return render.json_response(call.request, article_json(row))


def list_sources(d: Dashboard, call: Call) -> Response:
    return render.json_response(call.request, {"items": source_rows(d)})


def list_alerts(d: Dashboard, call: Call) -> Response:
    q = call.request.query_params
    status = choice_param(q.get("status"), "status", queries.ALERT_STATUSES, None)
    limit = int_param(q.get("limit"), "limit", 200, 1, MAX_LIMIT)
    with transaction(d.rt.factory) as s:
        rows = queries.alerts(s, status, limit=limit)
    return render.json_response(call.request, {"items": [alert_json(a) for a in rows]})


def retry_alert(d: Dashboard, call: Call) -> Response:
    alert_id = path_id(call.request)
    if call.body is not None:
        raise BadRequest("this request takes no body")
    with transaction(d.rt.factory) as s:
        if s.get(Alert, alert_id) is None:
            raise BadRequest("no such alert", 404)
        n = retry(s, [alert_id])
    return render.json_response(call.request, {"retried": n})


def openapi(d: Dashboard, call: Call) -> Response:
    return render.json_response(call.request, schema(render.base_path(call.request)))
