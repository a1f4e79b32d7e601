"""The classifier: rules (lexicon, countries, stage, count) combined with the statistical model."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

from monitor.classify.corpus import LabelRow, load_corpus, split
from monitor.classify.countries import US
from monitor.classify.evidence import Evidence, gather
from monitor.classify.lang import guess_language
from monitor.classify.model import RelevanceModel
from monitor.classify.numbers import find_counts, pick_count
from monitor.classify.rules import CountryAnalysis, analyse_countries
from monitor.classify.stage import detect_stage
from monitor.classify.text import Doc
from monitor.types import Classification

# Over the labelled sets, look-alikes score below 0.25 (vetoed ones at VETO_CEILING) while follow-up
# reports of a development (a reaction, a detail about the people) often score 0.4 to 0.5.
THRESHOLD = 0.4
# How the final log-odds is made: W_RULES * rule log-odds + W_MODEL * model log-odds. The model
# learns wording from the corpus; the rules carry the linguistic patterns that hold beyond it.
W_RULES = 1.0
W_MODEL = 0.6
# An article below THRESHOLD that names a receiving country and shows no look-alike pattern may be another
# report of that country's news (a detail about the people, a reaction): it carries a `follow_up` reading,
# which counts only when the country has a development reported in the last days. It qualifies by scoring
# FOLLOW_UP_FLOOR or more, or, when the rules see little of their vocabulary, by a model probability of
# FOLLOW_UP_MODEL or more with no look-alike doubt (see Evidence.doubts) and words for people or for the topic
# in its headline and lead (not a report on the country's trade or politics). Over the labelled sets, negatives
# that name a receiving country score below 0.15 unless vetoed, and those with a model probability of 0.45
# or more take back their own nationals, carry a hard-negative pattern or are not about people.
FOLLOW_UP_FLOOR = 0.15
FOLLOW_UP_MODEL = 0.45
# When the rules see a clear hard-negative pattern (see evidence.gather), the score cannot exceed
# this, whatever the model says.
VETO_CEILING = 0.2
# A headline about removals to third countries in general: a country named only further down is an example.
_POLICY_WIDE = re.compile(r"\b(?:third|other) countries|terceros paises|pays tiers|paises terceiros|terceiros paises|"
                          r"drittstaaten|paesi terzi|third[- ]country (?:removal|deportation)s? polic")
# "135 deportados de terceros países": the people on one flight, not third countries in general.
_PEOPLE_FROM = re.compile(r"(?:deportad\w*|migrant\w*|ciudadanos|nacionales|personas|expulsad\w*|expulses|"
                          r"ressortissants|deportees|nationals|people|citizens|cidadaos|pessoas|persons|"
                          r"individuals|extranjeros|estrangeiros|etrangers) (?:de|from|of|des|da|do|d') $")


# Words for the people a follow-up is about, in the headline and lead.
_PEOPLE = re.compile(r"\b(?:men|women|group|families|detainees|inmates|prisoners|people|persons|hombres|mujeres|grupo|"
                     r"familias|presos|detenidos|personas|hommes|femmes|groupe|familles|detenus|personnes|homens|"
                     r"mulheres|detidos|pessoas)\b")


def _policy_wide(title: str) -> bool:
    return any(not _PEOPLE_FROM.search(title, max(0, m.start() - 30), m.start())
               for m in _POLICY_WIDE.finditer(title))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


class Classifier:
    """Decides relevance, receiving country, stage and count for one article at a time.

    Relevance score = sigmoid(W_RULES * rule log-odds + W_MODEL * logit(model probability)); without
    a model (no corpus) the rule log-odds alone. The rule log-odds sums weighted evidence (see
    evidence.py). When the rules see a clear hard-negative pattern (own nationals returned home, or
    another state's scheme in the headline, or a look-alike pattern in the lead with no third-country
    phrase) the score is capped at VETO_CEILING. An article is relevant at THRESHOLD and above;
    country, stage and count are filled only for relevant articles (and in the ``follow_up`` reading of
    an article below the threshold).

    Build it once (``Classifier.load()``) and reuse it: loading trains the model on the corpus train
    split plus analyst labels, which takes a few seconds.
    """

    def __init__(self, model: RelevanceModel | None = None) -> None:
        self.model = model

    @classmethod
    def load(cls, corpus_dir: Path | None = None, labels: Iterable[LabelRow] = (),
             model_path: Path | None = None) -> Classifier:
        """A classifier whose model is read from model_path if given, else trained on the corpus."""
        if model_path is not None and model_path.exists():
            return cls(RelevanceModel.load(model_path))
        train, _ = split(load_corpus(corpus_dir))
        rows = [*train, *labels]
        if not any(r.relevant for r in rows) or all(r.relevant for r in rows):
            return cls(None)
        return cls(RelevanceModel.train(rows))

    def save(self, path: Path) -> None:
        """Persist the trained model (joblib) so a later start can skip training."""
        if self.model is None:
            raise ValueError("this classifier has no trained model to save")
        self.model.save(path)

    def classify(self, title: str, text: str, *, language: str | None = None) -> Classification:
        """Classify one article; every decision carries short human-readable reasons."""
        doc = Doc.from_article(title, text)
        lang = language or guess_language(doc.raw)
        countries = analyse_countries(doc)
        evidence = gather(doc, countries)
        score, score_reason, model_p = self._score(doc, evidence)
        relevant = score >= THRESHOLD
        reasons = [score_reason, *evidence.reasons, *countries.reasons]
        mentioned = countries.mentioned_names
        if not relevant:
            follow_up = None
            # Just below the threshold, or little of the rules' vocabulary but worded like the corpus's news
            # and about people (a report on the group, not on the country's trade or politics).
            near = score >= FOLLOW_UP_FLOOR or (model_p >= FOLLOW_UP_MODEL and not evidence.doubts
                                                and (evidence.topical or bool(_PEOPLE.search(doc.folded, 0, 600))))
            if near and not evidence.veto and not evidence.own_nationals:
                reading = self._describe(doc, countries, score, list(reasons), mentioned, lang)
                follow_up = reading if reading.country_code is not None else None
            return Classification(relevant=False, score=score, reasons=tuple(reasons),
                                  countries_mentioned=mentioned, language=lang, follow_up=follow_up)
        return self._describe(doc, countries, score, reasons, mentioned, lang)

    def _score(self, doc: Doc, evidence: Evidence) -> tuple[float, str, float]:
        rule_p = _sigmoid(evidence.logit)
        model_p = 0.0
        if self.model is None:
            logit, how = evidence.logit, f"rules {rule_p:.2f}"
        else:
            model_p = self.model.probability(doc.raw, doc.folded)
            logit = W_RULES * evidence.logit + W_MODEL * _logit(model_p)
            how = f"rules {rule_p:.2f}, model {model_p:.2f}"
        score = _sigmoid(logit)
        if evidence.veto and score > VETO_CEILING:
            score = VETO_CEILING
            how += f", capped by {evidence.veto} pattern"
        return score, f"score {score:.2f} ({how})", model_p

    def _describe(self, doc: Doc, countries: CountryAnalysis, score: float, reasons: list[str],
                  mentioned: tuple[str, ...], lang: str) -> Classification:
        receiving = None if countries.ambiguous else countries.receiving
        if receiving is not None and receiving.lead_mentions == 0 and _policy_wide(doc.title):
            reasons.append(f"headline about third countries in general: {receiving.name} is named only as an example")
            receiving = None
        focus, other = _sentence_sets(doc, countries)
        stage = detect_stage(doc, focus, other)
        if stage.reason:
            reasons.append(stage.reason)
        count = pick_count(find_counts(doc, stage.stage, focus, other, lang), stage.stage)
        if count is not None:
            reasons.append(f'count {count.value} ({count.kind.value}): "{count.phrase}"')
        if countries.ambiguous and countries.receiving is not None:
            reasons.append("several receiving countries in the lead: none chosen")
        return Classification(
            relevant=True, score=score,
            receiving_country=receiving.name if receiving else None,
            country_code=receiving.code if receiving else None,
            stage=stage.stage,
            deportee_count=count.value if count else None,
            count_kind=count.kind if count else None,
            reasons=tuple(reasons), countries_mentioned=mentioned, language=lang,
            stage_alternatives=stage.alternatives,
        )


def _sentence_sets(doc: Doc, countries: CountryAnalysis) -> tuple[set[int], set[int]]:
    """Sentences about the receiving country, and sentences about other countries only."""
    receiving = countries.receiving.code if countries.receiving else None
    by_sentence: dict[int, set[str]] = {}
    for m in countries.mentions:
        if m.code not in (US, "") and m.code not in countries.nationalities:
            by_sentence.setdefault(doc.sentence_of(m.start), set()).add(m.code)
    focus = {s for s, codes in by_sentence.items() if receiving in codes}
    other = {s for s, codes in by_sentence.items() if receiving not in codes}
    return focus, other
