"""CSV export of every development with its sources, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from starlette.responses import Response

from db.models import utcnow
from db.session import transaction
from monitor.dashboard import queries, render
from monitor.dashboard.guard import Call, Dashboard

COLUMNS = ("id", "receiving_country", "country_code", "stage", "date", "deportee_count", "count_kind", "official",
           "status", "first_seen", "last_seen", "article_count", "title", "sources")
# A cell starting with one of these is a formula to a spreadsheet; crawled titles must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    text = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def developments_csv(rows: Sequence[tuple[queries.DevRow, Sequence[str]]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for d, urls in rows:
        sources = " ".join(u for u in urls if render.http_url(u))
        writer.writerow([cell(v) for v in (d.id, d.country, d.code, d.stage, d.date, d.count, d.count_kind,
                                           str(d.official).lower(), d.status, d.first_seen, d.last_seen,
                                           d.article_count, d.title, sources)])
    return out.getvalue()


def export_developments(d: Dashboard, call: Call) -> Response:
    with transaction(d.rt.factory) as s:
        devs, _ = queries.developments(s, limit=1_000_000)
        urls = queries.source_urls(s, [dev.id for dev in devs])
    body = developments_csv([(dev, urls.get(dev.id, [])) for dev in devs])
    name = f"deportwatch-developments-{utcnow().date().isoformat()}.csv"
    return render.finish(call.request, body.encode("utf-8"), "text/csv; charset=utf-8",
                         headers={"Content-Disposition": f'attachment; filename="{name}"'})
