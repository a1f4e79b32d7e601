"""Analyst labels feed the retrained model, which the runtime then loads."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from db import store
from db.session import transaction
from monitor.classify import Classifier
from monitor.developments import ingest
from monitor.extract import content_hash
from monitor.training import analyst_labels, train_model
from monitor.types import Article, Classification


def test_labels_are_used_and_the_model_is_saved(sqlite_factory: sessionmaker[Session], tmp_path: Path) -> None:
    text = "Palau's president said the island will host up to 75 people removed from the United States."
    art = Article(url="https://a.example/palau", canonical_url="https://a.example/palau", source_id="s",
                  title="Palau to host 75", text=text, content_hash=content_hash("Palau to host 75", text))
    with transaction(sqlite_factory) as s:
        ingest(s, art, Classification(relevant=False, score=0.2), ())
        store.save_label(s, "https://a.example/palau", "relevant", "missed by the model")
        store.save_label(s, "https://never.crawled/x", "irrelevant")
    labels = analyst_labels(sqlite_factory)
    assert [(r.label, r.title) for r in labels] == [("positive", "Palau to host 75")]
    report = train_model(sqlite_factory, tmp_path)
    assert report.labels == 1 and Path(report.saved_to).exists()
    assert set(report.before) == set(report.after) and report.after["f1"] > 0.8
    loaded = Classifier.load(model_path=Path(report.saved_to))
    assert loaded.classify("Palau to host 75", text).score > 0
