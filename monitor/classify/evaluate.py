"""Figures for a classifier on labelled rows: relevance precision/recall/F1 and field accuracies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from monitor.classify.classifier import Classifier
from monitor.classify.corpus import LabelRow
from monitor.types import Classification


@dataclass(frozen=True)
class Figures:
    """Relevance figures over all rows; country, stage and count accuracy over the positive rows.

    A positive the classifier misses counts as wrong for country, stage and count unless the label
    itself is empty for that field.
    """

    rows: int
    positives: int
    hard_negatives: int
    precision: float
    recall: float
    f1: float
    hard_negative_fp_rate: float
    country_accuracy: float
    stage_accuracy: float
    count_accuracy: float

    def as_dict(self) -> dict[str, float | int]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}

    def summary(self) -> str:
        return (f"{self.rows} rows ({self.positives} positive, {self.hard_negatives} hard negative): "
                f"P {self.precision:.3f} R {self.recall:.3f} F1 {self.f1:.3f}, "
                f"hard-negative FP rate {self.hard_negative_fp_rate:.3f}, country {self.country_accuracy:.3f}, "
                f"stage {self.stage_accuracy:.3f}, count {self.count_accuracy:.3f}")


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def evaluate(classifier: Classifier, rows: Iterable[LabelRow]) -> Figures:
    """Classify every row and compare with its labels."""
    return figures((row, classifier.classify(row.title, row.text, language=row.language)) for row in rows)


def figures(pairs: Iterable[tuple[LabelRow, Classification]]) -> Figures:
    """Figures for (labelled row, classification) pairs, e.g. pooled over cross-validation folds."""
    tp = fp = fn = hard = hard_fp = country = stage = count = positives = total = 0
    for row, result in pairs:
        total += 1
        if row.relevant:
            positives += 1
            tp += result.relevant
            fn += not result.relevant
            country += result.receiving_country == row.receiving_country
            stage += result.stage == row.stage
            count += result.deportee_count == row.deportee_count
        else:
            fp += result.relevant
            if row.hard_negative:
                hard += 1
                hard_fp += result.relevant
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Figures(total, positives, hard, precision, recall, f1, _ratio(hard_fp, hard),
                   _ratio(country, positives), _ratio(stage, positives), _ratio(count, positives))
