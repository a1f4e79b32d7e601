"""Statistical relevance model: TF-IDF word and character n-grams into a logistic regression."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from monitor.classify.corpus import LabelRow
from monitor.classify.text import Doc, fold

# The model reads the headline and the first part of the body: that is where the news is, and a
# fixed window keeps prediction time flat for long pages.
MODEL_CHARS = 1000
FORMAT_VERSION = 1
# Distinct words whose n-gram columns are remembered per vectoriser (a few tens of MB at most).
WORD_CACHE = 1 << 16


def model_text(raw: str, folded: str | None = None) -> str:
    """The text the model reads; folded is fold(raw) when the caller has it already (see Doc)."""
    return (fold(raw) if folded is None else folded)[:MODEL_CHARS]


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


class _Part:
    """One fitted vectoriser's share of the score: its columns' idf x coefficient and idf squared."""

    def __init__(self, vec: TfidfVectorizer, coef: np.ndarray) -> None:
        self.index: dict[str, int] = vec.vocabulary_
        idf = np.asarray(vec.idf_, dtype=np.float64)
        self.weight = idf * coef
        self.square = idf * idf
        self.analyze = vec.build_analyzer()
        self.char_range: tuple[int, int] | None = None
        if vec.analyzer == "char_wb" and vec.preprocessor is None and vec.strip_accents is None:
            self.char_range = vec.ngram_range
        self.word_columns = lru_cache(maxsize=WORD_CACHE)(self._word_columns)

    def _word_columns(self, word: str) -> np.ndarray:
        """The columns of one word's char_wb n-grams (as sklearn pads and cuts them), in-vocabulary only."""
        assert self.char_range is not None
        low, high = self.char_range
        padded = f" {word} "
        size = len(padded)
        grams: list[str] = []
        for n in range(low, high + 1):
            if size <= n:  # a short word is one n-gram, and no longer ones
                grams.append(padded)
                break
            grams += [padded[i:i + n] for i in range(size - n + 1)]
        get = self.index.get
        columns = np.array([j for j in map(get, grams) if j is not None], dtype=np.intp)
        columns.flags.writeable = False  # shared by every later text with this word
        return columns

    def columns(self, text: str) -> np.ndarray:
        if self.char_range is not None:
            words = text.lower().split()
            return np.concatenate(list(map(self.word_columns, words))) if words else np.empty(0, dtype=np.intp)
        return np.array([j for j in map(self.index.get, self.analyze(text)) if j is not None], dtype=np.intp)

    def score(self, text: str) -> float:
        """Sublinear TF x IDF, L2-normalised, dotted with the coefficients."""
        cols = self.columns(text)
        if not cols.size:
            return 0.0
        cols, tf = np.unique(cols, return_counts=True)
        weight = 1.0 + np.log(tf)
        norm = float((weight * weight) @ self.square[cols])
        return float(weight @ self.weight[cols]) / math.sqrt(norm) if norm else 0.0


class _FastScorer:
    """The fitted pipeline's arithmetic without sklearn's per-call input checks.

    Those checks cost several times the maths for one document; this gives the same probability
    (sublinear TF x IDF, L2 norm per vectoriser, logistic regression). A word's character n-grams are
    looked up once and remembered, since news text repeats its words.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        clf: LogisticRegression = pipeline.named_steps["clf"]
        coef = np.asarray(clf.coef_[0], dtype=np.float64)
        self.intercept = float(clf.intercept_[0])
        self.parts: list[_Part] = []
        offset = 0
        for _, vec in pipeline.named_steps["features"].transformer_list:
            width = len(vec.vocabulary_)
            self.parts.append(_Part(vec, coef[offset:offset + width]))
            offset += width

    def probability(self, text: str) -> float:
        z = self.intercept + sum(part.score(text) for part in self.parts)
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

    def probability(self, raw: str, folded: str | None = None) -> float:
        """raw is the article as prepared by Doc (headline, newline, body); folded its Doc.folded, if at hand."""
        return self._fast.probability(model_text(raw, folded))

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
