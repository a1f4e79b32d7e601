"""Acceptance figures on the held-out side of the corpus (developments never seen in training).

These are the product's acceptance thresholds. The held-out rows are only ever measured here,
never used to tune rules or the model.
"""

from __future__ import annotations

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
