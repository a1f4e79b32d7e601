"""Retraining the relevance model with analyst labels, reporting held-out figures before and after."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Article, Label
from db.session import transaction
from monitor.classify import Classifier, LabelRow
from monitor.classify.corpus import CORPUS_FILES, default_corpus_dir, load_corpus, split
from monitor.classify.evaluate import evaluate
from monitor.classify.model import FORMAT_VERSION, MODEL_CHARS
from monitor.classify.text import MAX_BODY_CHARS
from monitor.types import Stage

log = logging.getLogger(__name__)
MODEL_FILE = "model.joblib"


def model_path(data_dir: Path) -> Path:
    return data_dir / MODEL_FILE


def corpus_digest(corpus_dir: Path | None = None) -> str:
    digest = hashlib.sha256()
    # What the model reads is part of its version: a cache trained on other windows is not reused.
    digest.update(f"{FORMAT_VERSION}:{MODEL_CHARS}:{MAX_BODY_CHARS}".encode())
    base = corpus_dir or default_corpus_dir()
    for name in CORPUS_FILES:
        path = base / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def load_classifier(data_dir: Path) -> Classifier:
    """The classifier a process should use.

    A model retrained with analyst labels (`deportwatch model train`) wins. Otherwise the model
    trained on the shipped corpus, cached per corpus version so that every further process (a
    Scrapyd job, a restart) loads it in milliseconds instead of training again.
    """
    retrained = model_path(data_dir)
    if retrained.exists():
        return Classifier.load(model_path=retrained)
    cache = data_dir / f"model-corpus-{corpus_digest()}.joblib"
    if cache.exists():
        try:
            return Classifier.load(model_path=cache)
        except Exception:  # a cache from another library version: train again
            log.warning("ignoring unreadable model cache %s", cache)
    classifier = Classifier.load()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        classifier.save(tmp)
        tmp.replace(cache)
    except (OSError, ValueError) as e:
        log.info("model cache not written (%s); training again on next start", e)
    return classifier


def analyst_labels(factory: sessionmaker[Session]) -> list[LabelRow]:
    """Labels joined with the stored text of their articles (labels for uncrawled URLs are skipped)."""
    with transaction(factory) as s:
        rows = s.execute(select(Label, Article).join(Article, Article.canonical_url == Label.canonical_url)).all()
        out = []
        for label, article in rows:
            relevant = label.label == "relevant"
            out.append(LabelRow(
                id=f"label-{label.id}", title=article.title, text=article.text,
                label="positive" if relevant else "negative", language=article.language,
                receiving_country=article.receiving_country if relevant else None,
                stage=Stage(article.stage) if relevant and article.stage else None,
                deportee_count=article.deportee_count if relevant else None,
            ))
        return out


@dataclass(frozen=True)
class TrainReport:
    labels: int
    train_rows: int
    held_out_rows: int
    before: dict[str, Any]
    after: dict[str, Any]
    saved_to: str

    def as_dict(self) -> dict[str, Any]:
        return {"labels": self.labels, "train_rows": self.train_rows, "held_out_rows": self.held_out_rows,
                "before": self.before, "after": self.after, "saved_to": self.saved_to}


def train_model(factory: sessionmaker[Session], data_dir: Path, corpus_dir: Path | None = None) -> TrainReport:
    """Train on the corpus train split plus labels, save it, and score both models on the held-out split."""
    labels = analyst_labels(factory)
    train, held = split(load_corpus(corpus_dir))
    path = model_path(data_dir)
    before = Classifier.load(corpus_dir, model_path=path if path.exists() else None)
    after = Classifier.load(corpus_dir, labels)
    path.parent.mkdir(parents=True, exist_ok=True)
    after.save(path)
    return TrainReport(len(labels), len(train) + len(labels), len(held), evaluate(before, held).as_dict(),
                       evaluate(after, held).as_dict(), str(path))
