"""The statistical model: trains in seconds on the corpus, persists with joblib, and combines with rules."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from monitor.classify import Classifier, LabelRow
from monitor.classify.corpus import load_corpus, split
from monitor.classify.model import RelevanceModel


@pytest.fixture(scope="module")
def train_rows() -> list[LabelRow]:
    return split(load_corpus())[0]


def test_trains_quickly_and_round_trips(train_rows: list[LabelRow], tmp_path: Path) -> None:
    started = time.perf_counter()
    model = RelevanceModel.train(train_rows)
    elapsed = time.perf_counter() - started
    assert elapsed < 30, f"training took {elapsed:.1f}s"
    path = tmp_path / "models" / "relevance.joblib"
    model.save(path)
    loaded = RelevanceModel.load(path)
    text = "Eswatini receives a second group of third-country deportees\nTen men landed on Monday."
    assert loaded.probability(text) == pytest.approx(model.probability(text))
    assert model.probability(text) > model.probability("Heavy rain floods parts of Accra\nRoads closed.")


def test_classifier_loads_a_saved_model(train_rows: list[LabelRow], tmp_path: Path) -> None:
    path = tmp_path / "relevance.joblib"
    Classifier(RelevanceModel.train(train_rows)).save(path)
    classifier = Classifier.load(model_path=path)
    assert classifier.model is not None
    result = classifier.classify("Rwanda agrees to take up to 250 migrants deported from the US", "")
    assert result.relevant and "model" in result.reasons[0]


def test_wrong_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.joblib"
    import joblib

    joblib.dump({"version": 999}, path)
    with pytest.raises(ValueError, match="not a relevance model"):
        RelevanceModel.load(path)
    with pytest.raises(ValueError, match="no trained model"):
        Classifier(None).save(path)


def test_analyst_labels_join_the_training_data(tmp_path: Path) -> None:
    (tmp_path / "positives.jsonl").write_text("", encoding="utf-8")
    labels = [
        LabelRow(id="lab-1", title="Country X agrees to receive third-country deportees from US", text="",
                 label="positive"),
        LabelRow(id="lab-2", title="Local football club wins the cup", text="", label="negative"),
    ]
    assert Classifier.load(tmp_path).model is None
    assert Classifier.load(tmp_path, labels=labels).model is not None


def test_rules_veto_a_clear_hard_negative_whatever_the_model_says(train_rows: list[LabelRow]) -> None:
    classifier = Classifier(RelevanceModel.train(train_rows))
    result = classifier.classify(
        "Mexico receives 300 Mexicans deported from the United States",
        "The Mexican nationals were welcomed in Tijuana by the México te abraza programme.")
    assert not result.relevant
    assert any("own nationals" in r for r in result.reasons)
    assert result.score <= 0.2


def test_fast_scoring_matches_sklearn(train_rows: list[LabelRow]) -> None:
    model = RelevanceModel.train(train_rows)
    for row in train_rows[:60]:
        text = f"{row.title}\n{row.text}"
        assert model.probability(text) == pytest.approx(model.pipeline_probability(text), abs=1e-9)
