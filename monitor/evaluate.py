"""`deportwatch eval`: classify and group labelled rows as if crawled in order, and score the result."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

from sqlalchemy import select

from db.models import Article as ArticleRow
from db.models import DevelopmentArticle
from db.session import make_engine, make_sessionmaker, transaction, upgrade
from monitor.classify import country_code
from monitor.classify.corpus import LabelRow, read_rows
from monitor.developments import ingest
from monitor.extract import content_hash
from monitor.pipeline import ClassifierLike
from monitor.types import Article, Classification


@dataclass(frozen=True)
class Prediction:
    relevant: bool
    score: float
    receiving_country: str | None
    stage: str | None
    deportee_count: int | None
    development: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"relevant": self.relevant, "score": round(self.score, 4), "receiving_country": self.receiving_country,
                "stage": self.stage, "deportee_count": self.deportee_count, "development": self.development}


def read_eval_rows(path: Path) -> list[LabelRow]:
    """Rows of a JSONL file; `text` and `label` are required, everything else optional."""

    def defaults(lineno: int, data: Any) -> Any:
        if not isinstance(data, dict):
            return data  # parse_row names the problem
        data = {"id": f"row-{lineno}", "title": "", **data}
        data["text"] = data.get("text") or ""
        if data.get("label") == "negative":
            data["stage"] = None
        return data

    return [row for _, row in read_rows(path, defaults)]


def _same_country(predicted: str | None, expected: str | None) -> bool:
    if predicted is None or expected is None:
        return predicted is expected
    a, b = country_code(predicted), country_code(expected)
    return (a or predicted.casefold()) == (b or expected.casefold())


def pairwise_f1(truth: Sequence[str | None], predicted: Sequence[int | None]) -> float:
    """F1 over pairs of rows placed together: by the labels' development, and by the predicted one."""
    true_pairs = {(i, j) for i, j in combinations(range(len(truth)), 2) if truth[i] and truth[i] == truth[j]}
    pred_pairs = {
        (i, j) for i, j in combinations(range(len(predicted)), 2)
        if predicted[i] is not None and predicted[i] == predicted[j]
    }
    if not true_pairs and not pred_pairs:
        return 1.0
    hit = len(true_pairs & pred_pairs)
    precision = hit / len(pred_pairs) if pred_pairs else 0.0
    recall = hit / len(true_pairs) if true_pairs else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def publication_order(rows: Sequence[LabelRow]) -> list[int]:
    """Row indexes in the order the rows were published (stable); an undated row keeps the date of the row
    before it, as if crawled just after it."""
    dates: list[date] = []
    last = date.min
    for row in rows:
        last = row.published or last
        dates.append(last)
    return sorted(range(len(rows)), key=lambda i: dates[i])


def predict_by_date(rows: Sequence[LabelRow], classifier: ClassifierLike) -> list[Prediction]:
    """Like predict, but grouping in publication order, as a crawler following the news would meet the
    rows; the predictions come back in input order."""
    order = publication_order(rows)
    by_row = dict(zip(order, predict([rows[i] for i in order], classifier), strict=True))
    return [by_row[i] for i in range(len(rows))]


def predict(rows: Sequence[LabelRow], classifier: ClassifierLike) -> list[Prediction]:
    """Classify every row and group the relevant ones in a fresh temporary database, in file order."""
    with tempfile.TemporaryDirectory(prefix="deportwatch-eval-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'eval.db'}"
        upgrade(url)
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        clock = datetime(2025, 1, 1, tzinfo=UTC)
        out: list[Prediction] = []
        try:
            for i, row in enumerate(rows):
                cls = classifier.classify(row.title, row.text, language=row.language)
                # A dated row is taken as crawled when it was published (rows need not be sorted);
                # an undated one as crawled just after the row before it.
                when = datetime.combine(row.published, datetime.min.time(), UTC) if row.published else clock
                clock = max(clock, when) + timedelta(minutes=1)
                dev_id = None
                if cls.relevant or cls.follow_up is not None:
                    dev_id, followed = _group(factory, i, row, cls, when)
                    if followed and cls.follow_up is not None:
                        cls = cls.follow_up
                out.append(Prediction(cls.relevant, cls.score, cls.receiving_country,
                                      cls.stage.value if cls.stage else None, cls.deportee_count, dev_id))
        finally:
            engine.dispose()
    return out


def _group(factory: Any, i: int, row: LabelRow, cls: Classification, when: datetime) -> tuple[int | None, bool]:
    """The development the row went into, and whether it went in as a follow-up (below the threshold)."""
    digest = content_hash(row.title, row.text)
    article = Article(url=f"eval://row/{i}", canonical_url=f"eval://row/{i}", source_id="eval", title=row.title,
                      text=row.text, language=row.language, published_at=when, outlet=row.outlet,
                      content_hash=digest)
    with transaction(factory) as s:
        result = ingest(s, article, cls, (), now=when)
        if result.development_id is not None or result.article_id is not None:
            return result.development_id, result.follow_up
        if not cls.relevant:
            return None, False
        # The same text was already stored: it belongs where that copy went.
        return s.scalar(
            select(DevelopmentArticle.development_id)
            .join(ArticleRow, ArticleRow.id == DevelopmentArticle.article_id)
            .where(ArticleRow.content_hash == digest)
        ), False


def score(rows: Sequence[LabelRow], preds: Sequence[Prediction]) -> dict[str, Any]:
    tp = fp = fn = hard = hard_fp = country = stage = count = positives = 0
    for row, p in zip(rows, preds, strict=True):
        if row.relevant:
            positives += 1
            tp += p.relevant
            fn += not p.relevant
            country += _same_country(p.receiving_country if p.relevant else None, row.receiving_country) and (
                p.relevant or row.receiving_country is None)
            stage += p.relevant and p.stage == (row.stage.value if row.stage else None)
            count += p.relevant and p.deportee_count == row.deportee_count
        else:
            fp += p.relevant
            hard += row.hard_negative
            hard_fp += row.hard_negative and p.relevant
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0

    def ratio(a: int, b: int) -> float:
        return round(a / b, 4) if b else 0.0

    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "hard_negative_fp": hard_fp,
        "hard_negative_total": hard,
        "hard_negative_fp_rate": ratio(hard_fp, hard),
        "country_accuracy": ratio(country, positives),
        "stage_accuracy": ratio(stage, positives),
        "count_accuracy": ratio(count, positives),
        "grouping_f1": round(pairwise_f1([r.development if r.relevant else None for r in rows],
                                         [p.development for p in preds]), 4),
        "n": len(rows),
        "positives": positives,
    }


def write_predictions(path: Path, preds: Iterable[Prediction]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for p in preds:
            fh.write(json.dumps(p.as_dict(), ensure_ascii=False) + "\n")
