"""Classify articles: relevance to U.S. third-country deportations, receiving country, stage and count.

Layers, explainable first: ``lexicon`` (multilingual cue phrases and hard-negative patterns),
``countries`` (gazetteer) and ``roles``/``rules`` (which country receives, which are the deportees'
nationalities, background or other sending states), ``stage_cues``/``stage`` (stage detector),
``numbers`` (deportee counts, cap or moved), ``model`` (TF-IDF + logistic regression trained on the
corpus train split and analyst labels). ``evidence`` turns the rule findings into a log-odds;
``classifier`` combines it with the model (see ``Classifier``). Every decision carries its reasons.
"""

from __future__ import annotations

import threading

from monitor.classify.classifier import Classifier
from monitor.classify.corpus import CorpusError, LabelRow
from monitor.classify.countries import country_code, country_name
from monitor.types import Classification

__all__ = ["Classification", "Classifier", "CorpusError", "LabelRow", "classify", "country_code",
           "country_name", "default_classifier"]

_default: Classifier | None = None
_lock = threading.Lock()


def default_classifier() -> Classifier:
    """The module-wide classifier, built (and its model trained) on first use."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Classifier.load()
    return _default


def classify(title: str, text: str, *, language: str | None = None) -> Classification:
    """Classify one article with the module-wide classifier."""
    return default_classifier().classify(title, text, language=language)
