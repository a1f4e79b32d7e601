"""Statistical relevance model: TF-IDF word and character n-grams into a logistic regression."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from monitor.classify.corpus import LabelRow
from monitor.classify.text import Doc, fold

# The model reads the headline and the first part of the body: that is where the news is, and a
# fixed window keeps prediction time flat for long pages.
MODEL_CHARS = 1500
FORMAT_VERSION = 1


def model_text(raw: str) -> str:
    return fold(raw[:MODEL_CHARS])


def row_text(row: LabelRow) -> str:
    return Doc.from_article(row.title, row.text).raw


def build_pipeline(c: float = 4.0) -> Pipeline:
    features = FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=40000)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True,
                                  max_features=60000)),
    ])
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    return Pipeline([("features", features), ("clf", clf)])


class RelevanceModel:
    """Probability that an article reports a third-country deportation development."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    @classmethod
    def train(cls, rows: Sequence[LabelRow], c: float = 4.0) -> RelevanceModel:
        texts = [model_text(row_text(r)) for r in rows]
        labels = [1 if r.relevant else 0 for r in rows]
        pipeline = build_pipeline(c)
        pipeline.fit(texts, labels)
        return cls(pipeline)

    def probability(self, raw: str) -> float:
        """raw is the article as prepared by Doc (headline, newline, body)."""
        return float(self.pipeline.predict_proba([model_text(raw)])[0][1])

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"version": FORMAT_VERSION, "pipeline": self.pipeline}, path)

    @classmethod
    def load(cls, path: Path) -> RelevanceModel:
        data = joblib.load(path)
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path}: not a relevance model of format {FORMAT_VERSION}")
        return cls(data["pipeline"])
