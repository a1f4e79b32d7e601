"""Acceptance figures on the held-out side of the corpus (developments never seen in training).

These are the product's acceptance thresholds. The held-out rows are only ever measured here,
never used to tune rules or the model.
"""

from __future__ import annotations

import pytest

from monitor.classify import Classifier
from monitor.classify.corpus import load_corpus, split
from monitor.classify.evaluate import evaluate
from monitor.classify.model import RelevanceModel

MIN_F1 = 0.95
MAX_HARD_NEGATIVE_FP_RATE = 0.05
MIN_COUNTRY_ACCURACY = 0.92
MIN_STAGE_ACCURACY = 0.80


def test_held_out_figures() -> None:
    train, held_out = split(load_corpus())
    assert held_out and any(r.relevant for r in held_out) and any(r.hard_negative for r in held_out)
    train_devs = {r.development for r in train if r.relevant}
    assert not train_devs & {r.development for r in held_out if r.relevant}
    classifier = Classifier(RelevanceModel.train(train))
    figures = evaluate(classifier, held_out)
    print(f"\nheld-out: {figures.summary()}")
    assert figures.f1 >= MIN_F1, figures.summary()
    assert figures.hard_negative_fp_rate <= MAX_HARD_NEGATIVE_FP_RATE, figures.summary()
    assert figures.country_accuracy >= MIN_COUNTRY_ACCURACY, figures.summary()
    assert figures.stage_accuracy >= MIN_STAGE_ACCURACY, figures.summary()


# The validation set: differently written articles the rules and grouping are tuned against. Its figures
# guard that tuning (a change that helps one case and breaks others shows here), on the same path as
# `deportwatch eval`, grouping included.
MIN_VALIDATION_STAGE_ACCURACY = 0.85
MIN_VALIDATION_GROUPING_F1 = 0.85


@pytest.mark.parametrize("name", ["validation.jsonl", "validation-2.jsonl", "validation-3.jsonl", "validation-5.jsonl",
                                  "validation-7.jsonl", "validation-8.jsonl", "validation-10.jsonl",
                                  "validation-11.jsonl", "validation-12.jsonl", "validation-13.jsonl"])
def test_validation_figures(name: str) -> None:
    from pathlib import Path

    from monitor.classify import default_classifier
    from monitor.evaluate import predict, read_eval_rows, score

    rows = read_eval_rows(Path(__file__).resolve().parents[2] / "data" / "corpus" / name)
    assert len(rows) >= 150 and sum(r.relevant for r in rows) >= 100
    figures = score(rows, predict(rows, default_classifier()))
    print(f"\nvalidation: {figures}")
    assert figures["f1"] >= MIN_F1, figures
    assert figures["hard_negative_fp_rate"] <= MAX_HARD_NEGATIVE_FP_RATE, figures
    assert figures["country_accuracy"] >= MIN_COUNTRY_ACCURACY, figures
    assert figures["stage_accuracy"] >= MIN_VALIDATION_STAGE_ACCURACY, figures
    assert figures["grouping_f1"] >= MIN_VALIDATION_GROUPING_F1, figures
