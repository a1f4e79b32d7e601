"""Every page, the CSV export and the JSON API show what the database holds, escaped, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select, update

from db.models import Alert, Article, Development, Label
from db.session import transaction
from tests.dashboard.conftest import Client
from tests.dashboard.seed import DEVELOPMENTS, SOURCES, TOKEN, Seeded

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def marks_per_country(page: str) -> dict[str, int]:
    rows = re.findall(r'<g class="row" data-country="([^"]+)">(.*?)</g>', page, flags=re.S)
    return {key: body.count('<circle class="mark') for key, body in rows}


def test_overview_draws_one_mark_per_development_in_one_row_per_country(seeded: Seeded, client: Client) -> None:
    reply = client.get("/")
    assert reply.status == 200 and reply.headers["content-encoding"] == "gzip"
    assert marks_per_country(reply.text) == seeded.marks
    assert "UZ" not in marks_per_country(reply.text)  # the false alarm is left out
    assert "Uzbekistan" not in reply.text


def test_overview_counts_people_per_country(client: Client) -> None:
    page = client.get("/").text
    rows = dict(re.findall(r'<tr data-country="(\w+)">(.*?)</tr>', page, flags=re.S))
    cells = {k: re.findall(r'<td class="n">([^<]*)</td>', v) for k, v in rows.items()}
    assert cells["SZ"] == ["3", "15", "—"]  # 5 + 10 moved over two flights
    assert cells["RW"] == ["2", "7", "250"]
    assert cells["NG"] == ["1", "—", "—"]


def test_overview_lists_latest_developments_newest_first(client: Client) -> None:
    page = client.get("/").text
    latest = page.split("Latest developments", 1)[1]
    dates = re.findall(r"(\d{4}-\d{2}-\d{2}) ·", latest)
    assert dates == sorted(dates, reverse=True) and dates[0] == "2026-01-14"


def test_country_page_lists_its_developments_in_order_with_sources(client: Client) -> None:
    page = client.get("/countries/sz").text
    assert "<h1>Eswatini</h1>" in page
    stages = re.findall(r'<li class="development" id="d\d+" data-stage="(\w+)">', page)
    assert stages == ["first_arrivals", "court_ruling", "further_arrivals"]
    assert "Eswatini first_arrivals report 0" in page and "(official)" in page
    assert client.get("/countries/none").status == 200
    assert client.get("/countries/QQ").status == 404
    assert client.get("/countries/%3Cscript%3E").status == 404


def test_development_page_shows_facts_articles_reasons_and_alerts(seeded: Seeded, client: Client) -> None:
    with transaction(seeded.rt.factory) as s:
        dev_id = s.scalar(select(Alert.development_id).where(Alert.id == seeded.dead_alert))
    page = client.get(f"/developments/{dev_id}").text
    assert "Kosovo" in page and "up to 50 (cap)" in page and "official source" in page
    assert "cue: &#39;third-country nationals&#39;" in page
    assert 'data-status="dead"' in page and "HTTP 500 from the webhook" in page
    assert client.get("/developments/999999").status == 404
    assert client.get("/developments/abc").status == 404
    assert client.get("/developments/99999999999999999999").status == 404


def test_marking_a_false_alarm_takes_it_off_the_timeline(seeded: Seeded, client: Client) -> None:
    page = client.get("/developments/2").text
    assert "Mark as false alarm" in page
    csrf = client.csrf("/developments/2")
    assert client.post_form("/developments/2/status", {"status": "false_alarm", "csrf": csrf}).status == 303
    assert marks_per_country(client.get("/").text).get("SS", 0) == seeded.marks["SS"] - 1 == 0
    assert "Restore" in client.get("/developments/2").text
    assert client.post_form("/developments/2/status", {"status": "bogus", "csrf": csrf}).status == 400


def test_articles_filters_and_labels(seeded: Seeded, client: Client) -> None:
    all_ids = re.findall(r'data-article="(\d+)"', client.get("/articles").text)
    relevant = re.findall(r'data-article="(\d+)"', client.get("/articles?filter=relevant").text)
    irrelevant = re.findall(r'data-article="(\d+)"', client.get("/articles?filter=irrelevant").text)
    assert len(irrelevant) == 6 and set(relevant) | set(irrelevant) == set(all_ids)
    assert "No articles here." in client.get("/articles?filter=labelled").text
    csrf = client.csrf("/articles")
    reply = client.post_form(f"/articles/{seeded.unlabelled_article}/label",
                             {"label": "relevant", "csrf": csrf, "next": "/articles?filter=labelled"})
    assert reply.status == 303 and reply.location == "/articles?filter=labelled"
    labelled = client.get("/articles?filter=labelled").text
    assert re.findall(r'data-article="(\d+)" data-label="(\w+)"', labelled) == [
        (str(seeded.unlabelled_article), "relevant")]
    with transaction(seeded.rt.factory) as s:
        url = s.scalar(select(Article.canonical_url).where(Article.id == seeded.unlabelled_article))
        assert s.scalar(select(Label.label).where(Label.canonical_url == url)) == "relevant"
    assert client.get("/articles?filter=bogus").status == 400


def test_crawled_text_is_escaped_and_only_http_links_are_made(seeded: Seeded, client: Client) -> None:
    with transaction(seeded.rt.factory) as s:
        a = s.get(Article, seeded.unlabelled_article)
        assert a is not None
        a.title = '<script>alert(1)</script> "quoted"'
        a.url = "javascript:alert(document.cookie)"
        a.reasons = ["<img src=x onerror=alert(1)>"]
    page = client.get("/articles").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page and "<img src=x" not in page


def test_sources_page_lists_failing_sources_first(client: Client) -> None:
    page = client.get("/sources").text
    order = re.findall(r'data-source="([^"]+)" data-failures="(\d+)"', page)
    assert [sid for sid, _ in order] == ["gov-b", "local-c", "search-d", "wire-a"]
    assert "HTTP 503 Service Unavailable" in page and "2 of 4 failing" in page


def test_alerts_page_filters_by_status_and_offers_retry_on_dead_and_failing(seeded: Seeded, client: Client) -> None:
    page = client.get("/alerts").text
    assert sorted(re.findall(r'data-status="(\w+)"', page)) == ["dead", "pending", "sent"]
    assert page.count("Retry now") == 2
    dead = client.get("/alerts?status=dead").text
    assert re.findall(r'data-alert="(\d+)"', dead) == [str(seeded.dead_alert)]
    assert client.post_form(f"/alerts/{seeded.dead_alert}/retry", {"csrf": client.csrf("/alerts")}).status == 303
    with transaction(seeded.rt.factory) as s:
        assert s.scalar(select(Alert.status).where(Alert.id == seeded.dead_alert)) == "pending"


def test_csv_export_has_every_development_and_defuses_formulas(seeded: Seeded, client: Client) -> None:
    with transaction(seeded.rt.factory) as s:
        s.execute(update(Development).where(Development.id == 1).values(title="=HYPERLINK(\"x\")"))
    reply = client.get("/developments.csv")
    assert reply.headers["content-type"].startswith("text/csv")
    assert "attachment" in reply.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert len(rows) == len(DEVELOPMENTS) + 1
    assert next(r for r in rows if r["id"] == "1")["title"] == "'=HYPERLINK(\"x\")"
    kosovo = [r for r in rows if r["country_code"] == "XK"]
    assert {r["stage"] for r in kosovo} == {"agreement", "first_arrivals"}
    assert all(r["sources"].startswith("https://") for r in kosovo)


def test_json_api_matches_the_pages(seeded: Seeded, anon: Client) -> None:
    devs = anon.get("/api/developments?limit=500", headers=BEARER).json()
    assert devs["total"] == len(DEVELOPMENTS) + 1 == len(devs["items"])
    xk = anon.get("/api/developments?country=xk", headers=BEARER).json()
    assert {d["stage"] for d in xk["items"]} == {"agreement", "first_arrivals"}
    countries = {c["key"]: c for c in anon.get("/api/countries", headers=BEARER).json()["items"]}
    assert {k: c["developments"] for k, c in countries.items()} == seeded.marks
    assert countries["SZ"]["people_moved"] == 15
    detail = anon.get("/api/developments/3", headers=BEARER).json()
    assert detail["articles"] and detail["alerts"][0]["status"] == "dead"
    sources = anon.get("/api/sources", headers=BEARER).json()["items"]
    assert [s["id"] for s in sources][:2] == ["gov-b", "local-c"] and len(sources) == len(SOURCES)
    assert anon.get("/api/developments?limit=0", headers=BEARER).status == 400
    assert anon.get("/api/developments?stage=nope", headers=BEARER).json()["error"].startswith("stage must be")
    retried = anon.request("POST", f"/api/alerts/{seeded.dead_alert}/retry", headers=BEARER).json()
    assert retried == {"retried": 1}
    assert anon.request("POST", "/api/alerts/999999/retry", headers=BEARER).status == 404
