"""Statistical relevance model: TF-IDF word and character n-grams into a logistic regression."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from monitor.classify.corpus import LabelRow
from monitor.classify.text import Doc, fold

# The model reads the headline and the first part of the body: that is where the news is, and a
# fixed window keeps prediction time flat for long pages.
MODEL_CHARS = 1000
FORMAT_VERSION = 1


def model_text(raw: str) -> str:
    return fold(raw[:MODEL_CHARS])


def row_text(row: LabelRow) -> str:
    return Doc.from_article(row.title, row.text).raw


def build_pipeline(c: float = 4.0, min_df: int = 2) -> Pipeline:
    features = FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True, max_features=40000)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=min_df, sublinear_tf=True,
                                  max_features=60000)),
    ])
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    return Pipeline([("features", features), ("clf", clf)])


def _char_wb_analyzer(vec: TfidfVectorizer) -> Callable[[str], list[str]] | None:
    """sklearn's char_wb n-grams for already folded text, built with list slicing (several times faster)."""
    if vec.analyzer != "char_wb" or vec.preprocessor is not None or vec.strip_accents is not None:
        return None
    low, high = vec.ngram_range

    def analyze(text: str) -> list[str]:
        grams: list[str] = []
        for word in text.lower().split():
            padded = f" {word} "
            size = len(padded)
            for n in range(low, high + 1):
                if size <= n:  # a short word is one n-gram, and no longer ones
                    grams.append(padded)
                    break
                grams += [padded[i:i + n] for i in range(size - n + 1)]
        return grams

    return analyze


class _FastScorer:
    """The fitted pipeline's arithmetic in plain Python.

    sklearn's per-call input validation costs several times the maths for one short document; this
    gives the same probability (sublinear TF x IDF, L2 norm per vectoriser, logistic regression).
    """

    def __init__(self, pipeline: Pipeline) -> None:
        clf: LogisticRegression = pipeline.named_steps["clf"]
        coef = clf.coef_[0]
        self.intercept = float(clf.intercept_[0])
        # Per term: (idf x coefficient, idf squared); a term seen tf times weighs (1 + log tf) x idf.
        self.parts: list[tuple[Callable[[str], list[str]], dict[str, tuple[float, float]]]] = []
        offset = 0
        for _, vec in pipeline.named_steps["features"].transformer_list:
            vocab: dict[str, int] = vec.vocabulary_
            idf = vec.idf_
            table = {term: (float(idf[j] * coef[offset + j]), float(idf[j] * idf[j])) for term, j in vocab.items()}
            self.parts.append((_char_wb_analyzer(vec) or vec.build_analyzer(), table))
            offset += len(vocab)

    def probability(self, text: str) -> float:
        z = self.intercept
        for analyze, table in self.parts:
            counts = Counter(analyze(text))
            dot = norm = 0.0
            for tf, entry in zip(counts.values(), map(table.get, counts), strict=True):
                if entry is None:
                    continue
                if tf == 1:
                    dot += entry[0]
                    norm += entry[1]
                else:
                    weight = 1.0 + math.log(tf)
                    dot += weight * entry[0]
                    norm += weight * weight * entry[1]
            if norm:
                z += dot / math.sqrt(norm)
        return 1.0 / (1.0 + math.exp(-z))


class RelevanceModel:
    """Probability that an article reports a third-country deportation development."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self._fast = _FastScorer(pipeline)

    @classmethod
    def train(cls, rows: Sequence[LabelRow], c: float = 4.0) -> RelevanceModel:
        texts = [model_text(row_text(r)) for r in rows]
        labels = [1 if r.relevant else 0 for r in rows]
        # Terms seen once are noise in a real corpus but all there is in a handful of analyst labels.
        pipeline = build_pipeline(c, min_df=2 if len(rows) >= 50 else 1)
        pipeline.fit(texts, labels)
        return cls(pipeline)

    def probability(self, raw: str) -> float:
        """raw is the article as prepared by Doc (headline, newline, body)."""
        return self._fast.probability(model_text(raw))

    def pipeline_probability(self, raw: str) -> float:
        """The same probability through sklearn itself (slower; for checks)."""
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
