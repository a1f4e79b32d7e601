"""The OpenAPI 3.0 description of the dashboard's JSON API and CSV export."""

from __future__ import annotations

from typing import Any

from monitor.dashboard.queries import ALERT_STATUSES, ARTICLE_FILTERS, DEV_STATUSES, LABELS
from monitor.dashboard.timeline import STAGE_LABELS

MAX_ID = 2**31 - 1
STAGES = list(STAGE_LABELS)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _null(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "nullable": True, **extra}


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(props), "properties": props}


def _list_of(name: str, **extra: dict[str, Any]) -> dict[str, Any]:
    return _obj({**extra, "items": {"type": "array", "items": _ref(name)}})


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
_LIMIT = _query("limit", {"type": "integer", "minimum": 1, "maximum": 500}, "Page size.")
_OFFSET = _query("offset", {"type": "integer", "minimum": 0, "maximum": 1_000_000}, "Rows to skip.")
_DATETIME = {"type": "string", "format": "date-time"}
_DATE = {"type": "string", "format": "date"}

SCHEMAS: dict[str, Any] = {
    "Error": _obj({"error": {"type": "string"}}),
    "Development": _obj({
        "id": {"type": "integer"}, "receiving_country": _null("string"), "country_code": _null("string"),
        "stage": {"type": "string", "enum": STAGES}, "date": _DATE, "first_seen": _DATETIME, "last_seen": _DATETIME,
        "deportee_count": _null("integer"), "count_kind": _null("string", enum=["cap", "moved", None]),
        "official": {"type": "boolean"}, "status": {"type": "string", "enum": list(DEV_STATUSES)},
        "title": {"type": "string"}, "article_count": {"type": "integer"},
    }),
    "Article": _obj({
        "id": {"type": "integer"}, "url": {"type": "string"}, "canonical_url": {"type": "string"},
        "source_id": {"type": "string"}, "title": {"type": "string"}, "outlet": _null("string"),
        "language": _null("string"), "published_at": _null("string", format="date-time"),
        "fetched_at": _DATETIME, "official": {"type": "boolean"}, "relevant": {"type": "boolean"},
        "score": {"type": "number"}, "receiving_country": _null("string"), "stage": _null("string"),
        "deportee_count": _null("integer"), "count_kind": _null("string"),
        "reasons": {"type": "array", "items": {"type": "string"}},
        "label": _null("string", enum=[*LABELS, None]),
    }),
    "Alert": _obj({
        "id": {"type": "integer"}, "development_id": _null("integer"), "development_title": _null("string"),
        "channel": {"type": "string"}, "kind": {"type": "string"}, "status": {"type": "string"},
        "attempts": {"type": "integer"}, "last_error": _null("string"), "created_at": _DATETIME,
        "sent_at": _null("string", format="date-time"), "next_attempt_at": _DATETIME,
    }),
    "Country": _obj({
        "key": {"type": "string", "description": "ISO 3166 code, or 'none' for developments without one"},
        "name": {"type": "string"}, "developments": {"type": "integer"}, "first": _DATE, "last": _DATE,
        "latest_stage": {"type": "string"}, "people_moved": _null("integer"), "cap": _null("integer"),
        "official": {"type": "boolean"},
    }),
    "Source": _obj({
        "id": {"type": "string"}, "kind": {"type": "string"}, "url": {"type": "string"},
        "language": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}},
        "interval_s": {"type": "number"}, "official": {"type": "boolean"}, "enabled": {"type": "boolean"},
        "last_ok": _null("string", format="date-time"), "last_error": _null("string"),
        "last_error_at": _null("string", format="date-time"), "consecutive_failures": {"type": "integer"},
        "last_new_at": _null("string", format="date-time"), "fetched_total": {"type": "integer"},
        "new_total": {"type": "integer"},
    }),
}
SCHEMAS["DevelopmentDetail"] = {"allOf": [_ref("Development"), _obj({
    "summary": {"type": "string"}, "articles": {"type": "array", "items": _ref("Article")},
    "alerts": {"type": "array", "items": _ref("Alert")}})]}
SCHEMAS["DevelopmentList"] = _list_of("Development", total={"type": "integer"})
for _name in ("Article", "Alert", "Country", "Source"):
    SCHEMAS[f"{_name}List"] = _list_of(_name)


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _op(summary: str, ok: dict[str, Any], *, params: list[dict[str, Any]] | None = None,
        errors: tuple[int, ...] = (), body: dict[str, Any] | None = None) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": ok, "401": _json("Error", "No valid token or session.")}
    messages = {400: "The request is malformed.", 403: "Missing or wrong CSRF token (cookie sessions).",
                404: "No such item.", 413: "The body is too large."}
    for code in errors:
        responses[str(code)] = _json("Error", messages[code])
    op: dict[str, Any] = {"summary": summary, "parameters": params or [], "responses": responses}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def schema(root: str = "") -> dict[str, Any]:
    """The OpenAPI document; `root` is the path the dashboard is served under, if any."""
    paths = {
        "/api/developments": {"get": _op(
            "Developments, newest event first", _json("DevelopmentList", "A page of developments."),
            params=[_query("country", {"type": "string", "pattern": "^([A-Za-z]{2,3}|none)$"},
                           "ISO 3166 code of the receiving country, or 'none'."),
                    _query("stage", {"type": "string", "enum": STAGES}, "Only this stage."),
                    _query("status", {"type": "string", "enum": list(DEV_STATUSES)}, "Only this status."),
                    _LIMIT, _OFFSET], errors=(400,))},
        "/api/developments/{id}": {"get": _op(
            "One development with its articles and alerts", _json("DevelopmentDetail", "The development."),
            params=[_ID], errors=(404,))},
        "/api/countries": {"get": _op("Receiving countries with counts", _json("CountryList", "Every country."))},
        "/api/articles": {"get": _op(
            "Recent articles with classification and label", _json("ArticleList", "A page of articles."),
            params=[_query("filter", {"type": "string", "enum": list(ARTICLE_FILTERS)}, "Which articles."),
                    _LIMIT, _OFFSET], errors=(400,))},
        "/api/articles/{id}/label": {"post": _op(
            "Label an article for training", _json("Article", "The article with its new label."), params=[_ID],
            errors=(400, 403, 404, 413), body={"type": "object", "required": ["label"], "additionalProperties": False,
                                               "properties": {"label": {"type": "string", "enum": list(LABELS)}}})},
        "/api/sources": {"get": _op("Sources with their health, failing first", _json("SourceList", "Sources."))},
        "/api/alerts": {"get": _op(
            "The alert outbox, newest first", _json("AlertList", "Alerts."),
            params=[_query("status", {"type": "string", "enum": list(ALERT_STATUSES)}, "Only this status."),
                    _LIMIT], errors=(400,))},
        "/api/alerts/{id}/retry": {"post": _op(
            "Put a dead or failing alert back in the queue now",
            {"description": "How many alerts were queued again (0 when it was not dead or failing).",
             "content": {"application/json": {"schema": _obj({"retried": {"type": "integer"}})}}},
            params=[_ID], errors=(400, 403, 404, 413))},
        "/developments.csv": {"get": _op(
            "Every development as CSV", {"description": "CSV with a header row.",
                                         "content": {"text/csv": {"schema": {"type": "string"}}}})},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "deportwatch dashboard API", "version": "1",
                 "description": "U.S. third-country deportation developments, the articles reporting them, "
                                "sources and alerts. Authenticate with 'Authorization: Bearer <dashboard.token>'."},
        "servers": [{"url": root or "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
