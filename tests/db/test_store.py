"""Storage and development tracking, run on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db import store
from db.models import Alert, Development, Source
from db.models import Article as ArticleRow
from db.session import transaction
from monitor.developments import ChannelRoute, ingest
from monitor.extract import content_hash
from monitor.types import Article, Classification, CountKind, Stage

CHANNELS = (ChannelRoute("email", frozenset({"immediate", "digest"})), ChannelRoute("slack", frozenset({"immediate"})),
            ChannelRoute("ops", frozenset({"ops"})))


def art(url: str, text: str, *, official: bool = False, title: str = "t") -> Article:
    return Article(url=url, canonical_url=url, source_id="src", title=title, text=text,
                   published_at=datetime(2025, 6, 11, tzinfo=UTC), official=official,
                   content_hash=content_hash(title, text))


def kosovo(count: int | None = 50, stage: Stage = Stage.AGREEMENT) -> Classification:
    return Classification(relevant=True, score=0.97, receiving_country="Kosovo", country_code="XK", stage=stage,
                          deportee_count=count, count_kind=CountKind.CAP, reasons=("test",))


def alerts(s: Session) -> list[Alert]:
    return list(s.scalars(select(Alert).order_by(Alert.id)).all())


def test_same_url_or_same_text_is_stored_once(factory: sessionmaker[Session]) -> None:
    irrelevant = Classification(relevant=False, score=0.1)
    with transaction(factory) as s:
        first = ingest(s, art("https://a.example/1", "Body one"), irrelevant, CHANNELS)
        same_url = ingest(s, art("https://a.example/1", "Body changed"), irrelevant, CHANNELS)
        same_text = ingest(s, art("https://b.example/copy", "  BODY   one! "), irrelevant, CHANNELS)
    assert first.article_id is not None
    assert same_url.duplicate and same_text.duplicate
    with transaction(factory) as s:
        assert store.count_rows(s, ArticleRow) == 1


def test_new_development_writes_alerts_in_same_transaction(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        r = ingest(s, art("https://a.example/kosovo", "Kosovo agrees to take 50"), kosovo(), CHANNELS)
    assert r.new_development and r.development_id
    with transaction(factory) as s:
        rows = alerts(s)
        assert sorted(a.channel for a in rows) == ["email", "slack"]  # ops does not carry immediate alerts
        assert all(a.development_id == r.development_id and a.status == "pending" for a in rows)


def test_rolled_back_development_leaves_no_alert(factory: sessionmaker[Session]) -> None:
    try:
        with transaction(factory) as s:
            ingest(s, art("https://a.example/kosovo", "Kosovo agrees"), kosovo(), CHANNELS)
            raise RuntimeError("crash after writing")
    except RuntimeError:
        pass
    with transaction(factory) as s:
        assert store.count_rows(s, Development) == 0
        assert store.count_rows(s, Alert) == 0
        assert store.count_rows(s, ArticleRow) == 0


def test_second_outlet_attaches_without_new_alert(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        a = ingest(s, art("https://a.example/1", "Kosovo will take fifty"), kosovo(), CHANNELS)
        b = ingest(s, art("https://b.example/2", "Pristina agreed to receive 50", official=True), kosovo(), CHANNELS)
    assert b.development_id == a.development_id and not b.new_development and not b.update
    with transaction(factory) as s:
        dev = s.get(Development, a.development_id)
        assert dev is not None and dev.article_count == 2 and dev.official
        assert len(alerts(s)) == 2
        assert len(store.development_articles(s, dev.id)) == 2


def test_count_change_is_an_update_alert(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        a = ingest(s, art("https://a.example/1", "first"), kosovo(None), CHANNELS)
        b = ingest(s, art("https://b.example/2", "second"), kosovo(50), CHANNELS)
    assert b.update and b.development_id == a.development_id
    with transaction(factory) as s:
        kinds = sorted((x.kind, x.channel) for x in alerts(s))
    assert kinds == [("new", "email"), ("new", "slack"), ("update", "email"), ("update", "slack")]


def test_other_stage_is_another_development(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        a = ingest(s, art("https://a.example/1", "agreement"), kosovo(), CHANNELS)
        b = ingest(s, art("https://a.example/2", "first flight"), kosovo(2, Stage.FIRST_ARRIVALS), CHANNELS)
    assert a.development_id != b.development_id and b.new_development


def test_old_development_does_not_absorb_new_reports(factory: sessionmaker[Session]) -> None:
    later = datetime.now(UTC) + timedelta(days=90)
    with transaction(factory) as s:
        a = ingest(s, art("https://a.example/1", "agreement"), kosovo(), CHANNELS)
        b = ingest(s, art("https://a.example/2", "agreement renewed"), kosovo(), CHANNELS, now=later)
    assert b.new_development and b.development_id != a.development_id


def test_concurrent_reports_open_one_development(factory: sessionmaker[Session]) -> None:
    results: list[int | None] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(i: int) -> None:
        try:
            barrier.wait()
            with transaction(factory) as s:
                r = ingest(s, art(f"https://x{i}.example/k", f"text {i}"), kosovo(), CHANNELS)
                results.append(r.development_id)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1
    with transaction(factory) as s:
        assert store.count_rows(s, Development) == 1
        assert len(alerts(s)) == 2


def test_outbox_rows_are_unique(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        assert store.enqueue(s, dedup_key="k1", channel="email", kind="digest") is not None
        assert store.enqueue(s, dedup_key="k1", channel="email", kind="digest") is None


def test_source_health_is_recorded(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        store.sync_sources(s, [("src", "feed", "https://a.example/feed")])
        store.record_fetch(s, "src", ok=False, error="timeout")
        store.record_fetch(s, "src", ok=False, error="HTTP 500")
    with transaction(factory) as s:
        row = s.get(Source, "src")
        assert row is not None and row.consecutive_failures == 2 and row.last_error == "HTTP 500"
        store.record_fetch(s, "src", ok=True, etag='"abc"', last_modified="Wed, 11 Jun 2025 10:00:00 GMT")
    with transaction(factory) as s:
        state = store.source_state(s, "src")
        row = s.get(Source, "src")
        assert row is not None and row.consecutive_failures == 0
        assert state.etag == '"abc"' and (state.last_modified or "").startswith("Wed")


def test_truncated_index_pages_are_counted_in_the_health_row(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        store.sync_sources(s, [("src", "listing", "https://a.example/news")])
        store.record_fetch(s, "src", ok=True, truncated=True)
        store.record_fetch(s, "src", ok=True)
        store.record_fetch(s, "src", ok=True, truncated=True)
    with transaction(factory) as s:
        row = s.get(Source, "src")
        assert row is not None and row.truncated_total == 2 and row.consecutive_failures == 0


def test_same_count_other_wording_is_the_same_development(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        a = ingest(s, art("https://a.example/1", "agreement"), kosovo(50), CHANNELS)
        b = ingest(s, art("https://b.example/2", "talks about 50"), kosovo(50, Stage.TALKS), CHANNELS)
        c = ingest(s, art("https://c.example/3", "criticism, no number"), kosovo(None, Stage.CRITICISM), CHANNELS)
    assert b.development_id == a.development_id and not b.new_development
    assert c.new_development


def test_seeded_history_absorbs_recaps_without_alerting(factory: sessionmaker[Session]) -> None:
    from monitor.ledger import load_ledger, seed_ledger

    entries = load_ledger()
    with transaction(factory) as s:
        assert seed_ledger(s, entries) == len(entries) > 50
    with transaction(factory) as s:
        assert seed_ledger(s, entries) == 0  # idempotent
        recap = ingest(s, art("https://a.example/recap", "Kosovo agreed last year to take up to 50"), kosovo(50),
                       CHANNELS)
        repeat = ingest(s, art("https://b.example/recap", "The 50-person Kosovo deal"), kosovo(50), CHANNELS)
        fresh = ingest(s, art("https://a.example/new", "Kosovo raises its cap to 80"), kosovo(80), CHANNELS)
    assert not recap.new_development and recap.development_id is not None
    assert repeat.development_id == recap.development_id and not repeat.update
    assert fresh.update and fresh.development_id == recap.development_id
    with transaction(factory) as s:
        dev = s.get(Development, recap.development_id)
        assert dev is not None and dev.status == "active" and dev.ledger_key == "kosovo-agreement-2025-06-11"
        assert {(a.development_id, a.kind) for a in alerts(s)} == {(fresh.development_id, "update")}


WIRE = ("Kosovo has agreed to receive up to fifty people deported from the United States who are not Kosovo "
        "citizens, the government said on Wednesday after a cabinet session in Pristina. The deportees will stay "
        "for up to a year while officials arrange their return to their home countries, and Kosovo will choose "
        "them from a pool proposed by Washington using rule-of-law and public-order criteria.")


def test_near_duplicate_copy_joins_the_story_despite_other_facts(factory: sessionmaker[Session]) -> None:
    copy = "By Aggregator staff. " + WIRE.replace("Wednesday", "Wednesday evening") + " Read more news on our site."
    unrelated = ("Kosovo's parliament failed again to elect a speaker on Thursday, prolonging a months-long "
                 "deadlock after the February election, with opposition parties boycotting the vote in Pristina.")
    with transaction(factory) as s:
        a = ingest(s, art("https://wire.example/k", WIRE), kosovo(50), CHANNELS)
        # The copy is classified differently (say, as criticism with no number), but it is the same text.
        b = ingest(s, art("https://agg.example/k", copy), kosovo(None, Stage.CRITICISM), CHANNELS)
        c = ingest(s, art("https://other.example/k", unrelated), kosovo(None, Stage.CRITICISM), CHANNELS)
    assert b.development_id == a.development_id and not b.new_development
    assert c.new_development


def _cls(stage: Stage | None, count: int | None = None, *, code: str | None = "SS",
         alternatives: tuple[Stage, ...] = ()) -> Classification:
    return Classification(relevant=True, score=0.95, receiving_country="South Sudan" if code else None,
                          country_code=code, stage=stage, deportee_count=count, reasons=("test",),
                          stage_alternatives=alternatives)


def test_rulings_of_two_courts_the_same_day_are_two_developments(factory: sessionmaker[Session]) -> None:
    ruling = Stage.COURT_RULING
    with transaction(factory) as s:
        judge = ingest(s, art("https://a.example/1", "x", title="Judge blocks removals to South Sudan"),
                       _cls(ruling), CHANNELS)
        same = ingest(s, art("https://b.example/2", "y", title="Un juez bloquea las deportaciones a Sudán del Sur"),
                      _cls(ruling), CHANNELS)
        supreme = ingest(s, art("https://c.example/3", "z", title="Supreme Court lets removals to South Sudan go on"),
                         _cls(ruling), CHANNELS)
        unnamed = ingest(s, art("https://d.example/4", "w", title="Ruling on South Sudan removals"),
                         _cls(ruling), CHANNELS)
    assert same.development_id == judge.development_id and not same.new_development
    assert supreme.new_development and supreme.development_id != judge.development_id
    assert not unnamed.new_development  # names no court: joins the latest ruling


def test_courts_named_in_reports_of_a_flight_do_not_split_it(factory: sessionmaker[Session]) -> None:
    arrivals = Stage.FIRST_ARRIVALS
    with transaction(factory) as s:
        flight = ingest(s, art("https://a.example/1", "x", title="U.S. deports eight men to South Sudan after "
                               "Supreme Court clears the way"), _cls(arrivals, 8), CHANNELS)
        report = ingest(s, art("https://b.example/2", "y", title="Eight men land in Juba months after a judge "
                               "halted their removal"), _cls(arrivals, 8), CHANNELS)
    assert report.development_id == flight.development_id and not report.new_development


def test_the_same_number_on_the_same_days_is_one_event_whatever_the_stage(factory: sessionmaker[Session]) -> None:
    day = datetime(2025, 9, 10, 12, tzinfo=UTC)
    with transaction(factory) as s:
        landed = ingest(s, art("https://a.example/1", "x"), _cls(Stage.FIRST_ARRIVALS, 14, code="GH"), CHANNELS,
                        now=day)
        defended = ingest(s, art("https://b.example/2", "y"), _cls(Stage.AGREEMENT, 14, code="GH"), CHANNELS,
                          now=day + timedelta(days=1))
        ruling = ingest(s, art("https://c.example/3", "z"), _cls(Stage.COURT_RULING, 14, code="GH"), CHANNELS,
                        now=day + timedelta(days=1))
        later = ingest(s, art("https://d.example/4", "w"), _cls(Stage.AGREEMENT, 14, code="GH"), CHANNELS,
                       now=day + timedelta(days=9))
        halted = ingest(s, art("https://f.example/6", "u"), _cls(Stage.COURT_RULING, 20, code="ZM"), CHANNELS,
                        now=day + timedelta(days=20, hours=1))
        no_deal = ingest(s, art("https://g.example/7", "t"), _cls(Stage.TALKS, 20, code="ZM"), CHANNELS,
                         now=day + timedelta(days=20, hours=2))
        flown = ingest(s, art("https://h.example/8", "s"), _cls(Stage.FIRST_ARRIVALS, 20, code="ZM"), CHANNELS,
                       now=day + timedelta(days=20, hours=3))
    assert defended.development_id == landed.development_id and not defended.new_development
    assert ruling.new_development  # a ruling is its own event, even about the same people
    # A report of another stage with the ruling's number on the same days is the ruling's story; a flight is not.
    assert halted.new_development
    assert no_deal.development_id == halted.development_id and not no_deal.new_development
    assert flown.new_development
    assert later.new_development and later.development_id != landed.development_id


def test_a_numbered_flight_weeks_later_is_not_the_last_arrivals_story(factory: sessionmaker[Session]) -> None:
    further = Stage.FURTHER_ARRIVALS
    day = datetime(2025, 10, 8, 12, tzinfo=UTC)
    with transaction(factory) as s:
        onward = ingest(s, art("https://a.example/1", "x", title="Ghana sends U.S. deportees on to Togo"),
                        _cls(further, 11, code="GH"), CHANNELS, now=day)
        second = ingest(s, art("https://b.example/2", "y", title="Ghana receives second U.S. deportation group"),
                        _cls(further, None, code="GH"), CHANNELS, now=day + timedelta(days=29))
        late = ingest(s, art("https://c.example/3", "z", title="Deportees moved to Togo, lawyer says"),
                      _cls(further, None, code="GH"), CHANNELS, now=day + timedelta(days=8))
    assert second.new_development and second.development_id != onward.development_id
    assert late.development_id == onward.development_id  # no number, no ordinal: a late report of the same


def test_a_differently_numbered_flight_is_a_new_development_the_same_day(factory: sessionmaker[Session]) -> None:
    further = Stage.FURTHER_ARRIVALS
    with transaction(factory) as s:
        second = ingest(s, art("https://a.example/1", "x", title="Second group of deportees lands in Juba"),
                        _cls(further, 8), CHANNELS)
        third = ingest(s, art("https://b.example/2", "y", title="Un troisième groupe d'expulsés arrive à Juba"),
                       _cls(further, None), CHANNELS)
        again = ingest(s, art("https://c.example/3", "z", title="Segundo grupo de deportados llega a Yuba"),
                       _cls(further, 8), CHANNELS)
    assert third.new_development and third.development_id != second.development_id
    assert again.development_id == second.development_id


def test_arrivals_of_the_same_number_are_one_flight_however_worded(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        first = ingest(s, art("https://a.example/1", "x"), _cls(Stage.FIRST_ARRIVALS, 9), CHANNELS)
        other = ingest(s, art("https://b.example/2", "y"), _cls(Stage.FURTHER_ARRIVALS, 6), CHANNELS)
        more = ingest(s, art("https://c.example/3", "z"), _cls(Stage.FURTHER_ARRIVALS, 9), CHANNELS)
    assert other.new_development
    # "Further" wording, the first flight's number: the same flight, not the newer "further" development.
    assert more.development_id == first.development_id and not more.new_development


def test_an_uncertain_stage_joins_a_development_of_its_runner_up(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        paused = ingest(s, art("https://a.example/1", "x"), _cls(Stage.PAUSED_OR_ENDED, 50), CHANNELS)
        unsure = ingest(s, art("https://b.example/2", "y"),
                        _cls(Stage.CRITICISM, None, alternatives=(Stage.PAUSED_OR_ENDED,)), CHANNELS)
        sure = ingest(s, art("https://c.example/3", "z"), _cls(Stage.AGREEMENT, None), CHANNELS)
        other_number = ingest(s, art("https://d.example/4", "w"),
                              _cls(Stage.FIRST_ARRIVALS, 7, alternatives=(Stage.PAUSED_OR_ENDED,)), CHANNELS)
    assert unsure.development_id == paused.development_id and not unsure.new_development
    assert sure.new_development
    assert other_number.new_development


def test_a_flight_s_number_reported_later_joins_its_first_report(factory: sessionmaker[Session]) -> None:
    day = datetime(2025, 6, 11, tzinfo=UTC)
    with transaction(factory) as s:
        first = ingest(s, art("https://a.example/1", "x"), _cls(Stage.FIRST_ARRIVALS, None), CHANNELS, now=day)
        # Worded as a further flight, but on the same day, bringing the count the first report lacked.
        counted = ingest(s, art("https://b.example/2", "y"), _cls(Stage.FURTHER_ARRIVALS, 135), CHANNELS,
                         now=day + timedelta(hours=5))
        # Days on, the same stage still joins; an unnumbered further flight a week after that is another one.
        later = ingest(s, art("https://c.example/3", "z"), _cls(Stage.FIRST_ARRIVALS, None), CHANNELS,
                       now=day + timedelta(days=3))
        unnumbered = ingest(s, art("https://d.example/4", "w"), _cls(Stage.FURTHER_ARRIVALS, None), CHANNELS,
                            now=day + timedelta(days=10))
    assert counted.development_id == first.development_id and counted.update
    assert later.development_id == first.development_id
    assert unnumbered.new_development


def test_an_arrivals_report_without_a_number_joins_the_flight_of_the_same_days(
        factory: sessionmaker[Session]) -> None:
    day = datetime(2025, 11, 7, 12, tzinfo=UTC)
    with transaction(factory) as s:
        counted = ingest(s, art("https://a.example/1", "x", title="Second group of 19 deportees arrives in Ghana"),
                         _cls(Stage.FURTHER_ARRIVALS, 19, code="GH"), CHANNELS, now=day)
        ingest(s, art("https://d.example/4", "w", title="Gana recebe mais 19 migrantes expulsos dos EUA"),
               _cls(Stage.FURTHER_ARRIVALS, 19, code="GH"), CHANNELS, now=day + timedelta(hours=3))
        # Worded like a first flight and without the number, a day later: the same flight.
        unnumbered = ingest(s, art("https://b.example/2", "y", title="Lawyer loses track of deportees flown to Accra"),
                            _cls(Stage.FIRST_ARRIVALS, None, code="GH"), CHANNELS, now=day + timedelta(days=1))
        weeks_on = ingest(s, art("https://c.example/3", "z", title="Deportees flown to Accra"),
                          _cls(Stage.FIRST_ARRIVALS, None, code="GH"), CHANNELS, now=day + timedelta(days=20))
    assert unnumbered.development_id == counted.development_id and not unnumbered.new_development
    assert weeks_on.new_development


def test_a_report_naming_no_single_country_joins_the_development_with_its_number(
        factory: sessionmaker[Session]) -> None:
    day = datetime(2026, 4, 8, 12, tzinfo=UTC)
    further = Stage.FURTHER_ARRIVALS
    with transaction(factory) as s:
        flight = ingest(s, art("https://a.example/1", "x", title="Costa Rica takes in second flight of 48 deportees"),
                        _cls(further, 48, code="CR"), CHANNELS, now=day)
        ministry = ingest(s, art("https://b.example/2", "y", title="Migración confirma segundo grupo de 48 deportados"),
                          _cls(further, 48, code=None), CHANNELS, now=day + timedelta(days=1))
        other_number = ingest(s, art("https://c.example/3", "z", title="Third flight brings 30 deportees"),
                              _cls(further, 30, code=None), CHANNELS, now=day + timedelta(days=1))
        weeks_on = ingest(s, art("https://d.example/4", "w", title="48 deportees, a month on"),
                          _cls(further, 48, code=None), CHANNELS, now=day + timedelta(days=30))
    assert ministry.development_id == flight.development_id and not ministry.new_development
    assert other_number.new_development
    assert weeks_on.development_id != flight.development_id


def test_a_relevant_report_with_no_stage_is_still_news(factory: sessionmaker[Session]) -> None:
    day = datetime(2025, 6, 11, tzinfo=UTC)
    with transaction(factory) as s:
        lone = ingest(s, art("https://a.example/1", "x"), _cls(None), CHANNELS, now=day)
        flight = ingest(s, art("https://b.example/2", "y"), _cls(Stage.FIRST_ARRIVALS, 8), CHANNELS,
                        now=day + timedelta(days=5))
        same_days = ingest(s, art("https://c.example/3", "z"), _cls(None), CHANNELS,
                           now=day + timedelta(days=6))
    assert lone.new_development and lone.development_id is not None
    with transaction(factory) as s:
        dev = s.get(Development, lone.development_id)
        assert dev is not None and dev.stage == "talks"
        assert {a.development_id for a in alerts(s)} >= {lone.development_id}
    # Without a stage of its own, a report joins its country's development of the same days, not an older one.
    assert flight.new_development
    assert same_days.development_id == flight.development_id and not same_days.new_development


def test_criticism_of_a_flight_is_a_development_of_its_own(factory: sessionmaker[Session]) -> None:
    # The labelling convention: an outcry is news of its own (its own alert), even the day after the flight.
    day = datetime(2025, 7, 16, 12, tzinfo=UTC)
    with transaction(factory) as s:
        landed = ingest(s, art("https://a.example/1", "x", title="Five U.S. deportees held in Matsapha"),
                        _cls(Stage.FIRST_ARRIVALS, 5, code="SZ"), CHANNELS, now=day)
        outcry = ingest(s, art("https://b.example/2", "y", title="Activists alarmed by secrecy over deportees"),
                        _cls(Stage.CRITICISM, None, code="SZ"), CHANNELS, now=day + timedelta(days=1))
        again = ingest(s, art("https://c.example/3", "z", title="Rights groups condemn Matsapha detentions"),
                       _cls(Stage.CRITICISM, None, code="SZ"), CHANNELS, now=day + timedelta(days=2))
    assert outcry.new_development and outcry.development_id != landed.development_id
    assert again.development_id == outcry.development_id and not again.new_development


def _below(reading: Classification) -> Classification:
    """An article just below the relevance threshold, with its follow-up reading."""
    return Classification(relevant=False, score=0.25, reasons=("score 0.25",), follow_up=reading)


def test_a_report_below_the_threshold_joins_its_country_s_development_of_the_same_days(
        factory: sessionmaker[Session]) -> None:
    day = datetime(2025, 7, 16, 12, tzinfo=UTC)
    with transaction(factory) as s:
        landed = ingest(s, art("https://a.example/1", "x", title="Five U.S. deportees land in Eswatini"),
                        _cls(Stage.FIRST_ARRIVALS, 5, code="SZ"), CHANNELS, now=day)
        written = len(alerts(s))
        detail = ingest(s, art("https://b.example/2", "y", title="Five men held in isolation at Matsapha"),
                        _below(_cls(Stage.FIRST_ARRIVALS, 5, code="SZ")), CHANNELS, now=day + timedelta(days=1))
        other = ingest(s, art("https://c.example/3", "z", title="Accra port strike ends"),
                       _below(_cls(Stage.TALKS, None, code="GH")), CHANNELS, now=day + timedelta(days=1))
        late = ingest(s, art("https://d.example/4", "w", title="Matsapha inmates' families wait for news"),
                      _below(_cls(Stage.FIRST_ARRIVALS, None, code="SZ")), CHANNELS, now=day + timedelta(days=5))
        assert len(alerts(s)) == written  # another report is no news
        stored = {a.url: a for a in s.scalars(select(ArticleRow)).all()}
    assert detail.follow_up and detail.development_id == landed.development_id and not detail.new_development
    assert stored["https://b.example/2"].relevant
    assert any("another report of development" in r for r in stored["https://b.example/2"].reasons)
    # No development of that country on those days, or only an older one: the article stays irrelevant.
    assert other.development_id is None and not other.follow_up and not stored["https://c.example/3"].relevant
    assert late.development_id is None and not stored["https://d.example/4"].relevant


def test_a_follow_up_joins_the_development_whose_reports_share_its_names(factory: sessionmaker[Session]) -> None:
    day = datetime(2025, 2, 19, 12, tzinfo=UTC)
    with transaction(factory) as s:
        camp = ingest(s, art("https://a.example/1", "Deportees who refuse repatriation are taken to San Vicente.",
                             title="Panama moves 97 deportees to Darién camp"),
                      _cls(Stage.FURTHER_ARRIVALS, 97, code="PA"), CHANNELS, now=day)
        hotel = ingest(s, art("https://b.example/2", "The deportees remain under guard in Panama City.",
                              title="Deportees held at Decápolis hotel"),
                       _cls(Stage.FIRST_ARRIVALS, 299, code="PA"), CHANNELS, now=day + timedelta(hours=12))
        follow = ingest(s, art("https://c.example/3", "Families at San Vicente say they were told nothing.",
                               title="Uncertainty at Darién camp"),
                        _below(_cls(Stage.CRITICISM, None, code="PA")), CHANNELS, now=day + timedelta(days=1))
    assert hotel.development_id != camp.development_id
    assert follow.follow_up and follow.development_id == camp.development_id


def test_known_history_is_not_followed(factory: sessionmaker[Session]) -> None:
    from monitor.ledger import load_ledger, seed_ledger

    with transaction(factory) as s:
        seed_ledger(s, load_ledger())
        kosovo_dev = s.scalars(select(Development).where(Development.country_code == "XK")).first()
        assert kosovo_dev is not None
        recap = ingest(s, art("https://a.example/1", "x", title="Kosovo ministers meet"),
                       _below(kosovo(None)), CHANNELS, now=kosovo_dev.last_seen)
    assert recap.development_id is None and not recap.follow_up


def test_a_deal_first_reported_just_after_a_flight_is_the_flight_s_story(factory: sessionmaker[Session]) -> None:
    day = datetime(2025, 9, 5, 12, tzinfo=UTC)
    with transaction(factory) as s:
        flight = ingest(s, art("https://a.example/1", "x", title="Fourteen West Africans flown to Accra"),
                        _cls(Stage.FIRST_ARRIVALS, 14, code="GH"), CHANNELS, now=day)
        defended = ingest(s, art("https://b.example/2", "y", title="Mahama: we accepted them as ECOWAS citizens"),
                          _cls(Stage.AGREEMENT, None, code="GH"), CHANNELS, now=day + timedelta(days=1))
        capped = ingest(s, art("https://c.example/3", "z", title="Ghana deal caps transfers at 160"),
                        _cls(Stage.AGREEMENT, 160, code="GH"), CHANNELS, now=day + timedelta(days=1))
    assert defended.development_id == flight.development_id and not defended.new_development
    # A cap that is not the flight's number is a deal of its own.
    assert capped.new_development


def test_a_deal_reported_before_the_flight_keeps_its_later_reports(factory: sessionmaker[Session]) -> None:
    day = datetime(2025, 2, 17, 12, tzinfo=UTC)
    with transaction(factory) as s:
        deal = ingest(s, art("https://a.example/1", "x", title="Costa Rica agrees to take 200"),
                      _cls(Stage.AGREEMENT, 200, code="CR"), CHANNELS, now=day)
        flight = ingest(s, art("https://b.example/2", "y", title="First flight lands in Costa Rica"),
                        _cls(Stage.FIRST_ARRIVALS, 135, code="CR"), CHANNELS, now=day + timedelta(days=3))
        late = ingest(s, art("https://c.example/3", "z", title="Costa Rica will be a bridge for deportees"),
                      _cls(Stage.AGREEMENT, None, code="CR"), CHANNELS, now=day + timedelta(days=3, hours=2))
    assert flight.new_development and late.development_id == deal.development_id


def test_an_onward_move_joins_the_named_country_s_development_of_its_number(factory: sessionmaker[Session]) -> None:
    day = datetime(2025, 10, 6, 12, tzinfo=UTC)

    def togo(count: int, mentioned: tuple[str, ...]) -> Classification:
        return Classification(relevant=True, score=0.9, receiving_country="Togo", country_code="TG",
                              stage=Stage.FURTHER_ARRIVALS, deportee_count=count, reasons=("test",),
                              countries_mentioned=("Togo", *mentioned))

    with transaction(factory) as s:
        moved = ingest(s, art("https://a.example/1", "x", title="Eleven deportees sent on from Ghana"),
                       _cls(Stage.FURTHER_ARRIVALS, 11, code="GH"), CHANNELS, now=day)
        lome = ingest(s, art("https://b.example/2", "y", title="Eleven expelled from Ghana reach Lomé"),
                      togo(11, ("Ghana", "United States")), CHANNELS, now=day + timedelta(days=1))
        other = ingest(s, art("https://c.example/3", "z", title="Togo receives six"),
                       togo(6, ("Ghana",)), CHANNELS, now=day + timedelta(days=1))
        unnamed = ingest(s, art("https://d.example/4", "w", title="Eleven reach Lomé"),
                         togo(11, ()), CHANNELS, now=day + timedelta(days=1, hours=1))
    assert lome.development_id == moved.development_id and not lome.new_development
    # Another number, or no word of Ghana: Togo's own news.
    assert other.new_development and unnamed.development_id != moved.development_id


def test_a_follow_up_read_as_another_kind_of_event_does_not_join(factory: sessionmaker[Session]) -> None:
    day = datetime(2025, 9, 10, 12, tzinfo=UTC)
    with transaction(factory) as s:
        flight = ingest(s, art("https://a.example/1", "x", title="Ghana receives 14 West Africans"),
                        _cls(Stage.FIRST_ARRIVALS, 14, code="GH"), CHANNELS, now=day)
        lawsuit = ingest(s, art("https://b.example/2", "y", title="Five sue over transfer to Ghana"),
                         _below(_cls(Stage.COURT_RULING, 5, code="GH")), CHANNELS, now=day + timedelta(days=1))
        detail = ingest(s, art("https://c.example/3", "z", title="The 14 held at a camp, ministry says"),
                        _below(_cls(Stage.COURT_RULING, 14, code="GH")), CHANNELS, now=day + timedelta(days=1))
    # A ruling about other people is another event; a report giving the flight's number is the flight's.
    assert lawsuit.development_id is None and not lawsuit.follow_up
    assert detail.follow_up and detail.development_id == flight.development_id


def test_a_running_total_on_the_days_of_a_first_flight_is_the_same_wave(factory: sessionmaker[Session]) -> None:
    day = datetime(2025, 2, 13, 12, tzinfo=UTC)
    with transaction(factory) as s:
        first = ingest(s, art("https://a.example/1", "x", title="Panama receives 119 deportees on a first flight"),
                       _cls(Stage.FIRST_ARRIVALS, 119, code="PA"), CHANNELS, now=day)
        total = ingest(s, art("https://b.example/2", "y", title="Third flight brings the total to 299"),
                       _cls(Stage.FURTHER_ARRIVALS, 299, code="PA"), CHANNELS, now=day + timedelta(days=2))
        later = ingest(s, art("https://c.example/3", "z", title="Second flight lands with 40 more"),
                       _cls(Stage.FURTHER_ARRIVALS, 40, code="PA"), CHANNELS, now=day + timedelta(days=2, hours=1))
    assert total.development_id == first.development_id and total.update
    # Without a running total, another number of people is another flight.
    assert later.new_development
