"""Stage detector: weighs stage cue words by where they sit and applies the labelling priorities."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from monitor.classify.evidence import LONG_TOKENS
from monitor.classify.lexicon import Hit, scan
from monitor.classify.stage_cues import STAGE_PATTERN
from monitor.classify.text import Doc
from monitor.types import Stage

_TIER_WEIGHT = {"s": 2.0, "w": 0.45}
_CATEGORY_STAGE = {
    "talks": Stage.TALKS,
    "agreement": Stage.AGREEMENT,
    "court": Stage.COURT_RULING,
    "paused": Stage.PAUSED_OR_ENDED,
    "criticism": Stage.CRITICISM,
}
# Ties go to the more specific (and rarer) stage.
_ARRIVALS = (Stage.FIRST_ARRIVALS, Stage.FURTHER_ARRIVALS)
_PRIORITY = (Stage.COURT_RULING, Stage.PAUSED_OR_ENDED, Stage.CRITICISM, Stage.FURTHER_ARRIVALS,
             Stage.FIRST_ARRIVALS, Stage.AGREEMENT, Stage.TALKS)
# Ordinal markers ("second group") are arrival evidence too; onward moves by the receiving state
# ("repatriated", "sent on to Togo") count only in the headline and lead, where they are the news.
FURTHER_AS_ARRIVAL = 0.8
FIRST_AS_ARRIVAL = 0.8
# Further arrivals need this much ordinal weight: one "second group" deep in a recap is not the news.
FURTHER_MIN = 0.5
ONWARD_AS_ARRIVAL = 0.6
# A headline states the news: when its own cues clearly favour one stage, that stage wins.
TITLE_MARGIN = 1.5
TITLE_MIN = 2.0
# Cues after "after", "despite", "tras"... describe what came before the news, not the news.
_EARLIER = (r"after|despite|following|since|amid|tras|despues de|pese a|a pesar de|apres|malgre|suite a|apos|apesar de|"
            r"em meio a")
_BACKDROP = re.compile(rf"\b(?:{_EARLIER}|as|while)(?: [\w'-]+){{0,3}} $")
BACKDROP_FACTOR = 0.3
# Of those, the ones that put an earlier event in a headline ("X after Y"); "as" and "while" join two
# things happening together ("... as the deal is signed").
_EARLIER_IN_TITLE = re.compile(rf"\b(?:{_EARLIER})(?: [\w'-]+){{0,3}} $")
# Below the lead, a flight that is expected or planned ("a second flight is expected on Friday") is the
# outlook, not the news: its arrival words do not count. (A headline about an expected arrival is news.)
_FUTURE = re.compile(r"\b(?:expected|expects?|will|planned|scheduled|se espera|espera\w*|previst\w*|"
                     r"programad\w*|proxim\w*|prevu\w*|attendu\w*|prochain\w*|devrait|deberia|devera)"
                     r"(?: [\w'-]+){0,2} $")
_ARRIVAL_FAMILY = frozenset({"arrival", "further", "first"})
# A long page (evidence.LONG_TOKENS words and more) whose headline or lead has stage cues: the rest counts this much.
LONG_BODY_FACTOR = 0.7
# In a headline, a denial, a suspension or a court act governs what follows it: "Benin denies agreeing
# to take deportees" is criticism, "Court halts removal" a court ruling, not an agreement or arrival.
# Court nouns alone ("shielded by US judges") do not govern; court verbs do.
_GOVERNING = frozenset({"criticism", "paused", "court"})
GOVERNED_FACTOR = 0.3
# A second stage this close to the first is a plausible reading of the same report.
ALTERNATIVE_SHARE = 0.7
_NEGATED = re.compile(r"\b(?:not|never|no|nao|pas|ni)\b[\w ]*$")
# "shielding them from being sent back", "feared being sent on": an onward move that has not happened.
_UNREALISED = re.compile(r"\b(?:from|feared?|fears|risk|could|may|might|would|will|avoid|face|facing) (?:be|being)? ?$|"
                         r"\b(?:before|until|pending|awaiting|ahead of|prior to|antes de que|avant d'etre|avant que|"
                         r"antes de serem)(?: [\w']+){0,2} $|\bto (?:be )?$|"
                         # "orders barring their return home": a move the courts have stopped
                         r"\b(?:barr\w*|block\w*|prevent\w*|against|halt\w*|stopp\w*)(?: (?:their|his|her|the|any))? $|"
                         # "would help them return home": assistance offered, not a move made
                         r"\bhelp(?:s|ed|ing)? (?:them |him |her )?$")


@dataclass(frozen=True)
class StageResult:
    """The detected stage, the score of every stage and the cues behind the winner."""

    stage: Stage | None
    scores: dict[Stage, float]
    cues: tuple[str, ...]

    @property
    def alternatives(self) -> tuple[Stage, ...]:
        """Other stages the text supports nearly as well as the chosen one (ALTERNATIVE_SHARE of its score)."""
        if self.stage is None:
            return ()
        best = self.scores.get(self.stage, 0.0)
        return tuple(st for st, v in sorted(self.scores.items(), key=lambda kv: -kv[1])
                     if st is not self.stage and v >= ALTERNATIVE_SHARE * best)

    @property
    def reason(self) -> str | None:
        if self.stage is None:
            return None
        return f"stage {self.stage.value}: " + ", ".join(f'"{c}"' for c in self.cues[:4])


def _split(category: str) -> tuple[str, float]:
    base, _, tier = category.partition("_")
    return base, _TIER_WEIGHT.get(tier, 1.0)


def _sentence_factor(doc: Doc, hit: Hit, focus: set[int], other: set[int]) -> float:
    """Cues in sentences about the receiving country count more than those about other countries."""
    s = doc.sentence_of(hit.start)
    if s in focus:
        return 1.4
    return 0.5 if s in other else 1.0


def detect_stage(doc: Doc, focus_sentences: set[int] | None = None,
                 other_sentences: set[int] | None = None) -> StageResult:
    """The stage the article reports, from its cue words (see stage_cues.STAGE_CUES)."""
    focus = focus_sentences or set()
    other = (other_sentences or set()) - focus
    hits = scan(STAGE_PATTERN, doc.folded)
    whole, cues = _weigh(doc, hits, focus, other, body_factor=_body_factor(doc, hits))
    # What a headline puts after "after", "despite"... came before its news: it does not decide the stage.
    title, _ = _weigh(doc, [h for h in hits if doc.in_title(h.start) and not _EARLIER_IN_TITLE.search(
        doc.folded, max(0, h.start - 40), h.start)], focus, other)
    scores = _stage_scores(whole)
    ranked = sorted(_stage_scores(title).items(), key=lambda kv: -kv[1])
    if ranked and ranked[0][1] >= TITLE_MIN and (len(ranked) == 1 or ranked[0][1] >= TITLE_MARGIN * ranked[1][1]):
        best = ranked[0][0]
    else:
        best = max(_PRIORITY, key=lambda st: (scores.get(st, 0.0), -_PRIORITY.index(st)))
    if best in _ARRIVALS and best not in scores:  # first or further is decided on the whole text
        best = next((st for st in _ARRIVALS if st in scores), best)
    if best in _ARRIVALS:
        # ...unless the headline itself says which flight it is ("First flight lands", "Second group").
        named = _title_ordinal([h for h in hits if doc.in_title(h.start)])
        if named is not None and named is not best:
            scores[named] = scores.pop(best, 0.0)
            best = named
    if scores.get(best, 0.0) <= 0:
        return StageResult(None, scores, ())
    return StageResult(best, scores, tuple(dict.fromkeys(_cues_for(best, cues))))


_FIRST_WORD = re.compile(r"(?:first|erste\w*|prim\w*|premi\w*|initial)\b")


def _title_ordinal(title_hits: list[Hit]) -> Stage | None:
    """First or further arrivals when the headline's ordinal markers name only one of them."""
    first = any(_split(h.category)[0] == "first" or (h.category == "arrival_s" and _FIRST_WORD.match(h.phrase))
                for h in title_hits)
    further = any(_split(h.category)[0] == "further" for h in title_hits)
    if first != further:
        return Stage.FIRST_ARRIVALS if first else Stage.FURTHER_ARRIVALS
    return None


def _body_factor(doc: Doc, hits: list[Hit]) -> float:
    """How much cues below the lead count: less in a long page whose headline and lead name a stage.

    Such pages recap the story so far (the deal, the court fight, the earlier flights) below the lead;
    piled up, those cues would outweigh the news the headline and lead report.
    """
    if len(doc.words) < LONG_TOKENS:
        return 1.0
    head = [h for h in hits if doc.sentence_of(h.start) <= 1 and _split(h.category)[0] != "origin"]
    return LONG_BODY_FACTOR if head else 1.0


def _backdrop(doc: Doc, hit: Hit) -> bool:
    return bool(_BACKDROP.search(doc.folded, max(0, hit.start - 40), hit.start))


def _weigh(doc: Doc, hits: list[Hit], focus: set[int], other: set[int],
           body_factor: float = 1.0) -> tuple[dict[str, float], dict[str, list[str]]]:
    weight: dict[str, float] = defaultdict(float)
    cues: dict[str, list[str]] = defaultdict(list)
    governor: str | None = None
    for hit in hits:
        base, tier = _split(hit.category)
        below_lead = doc.sentence_of(hit.start) > 1
        if base == "onward" and (below_lead or _NEGATED.search(
                doc.folded, max(0, hit.start - 25), hit.start) or _UNREALISED.search(
                doc.folded, max(0, hit.start - 25), hit.start)):
            continue
        w = tier * doc.zone_weight(hit.start) * _sentence_factor(doc, hit, focus, other)
        if below_lead:
            w *= body_factor
        if _backdrop(doc, hit):
            w *= BACKDROP_FACTOR
        elif base in _ARRIVAL_FAMILY and below_lead and _FUTURE.search(doc.folded, max(0, hit.start - 30), hit.start):
            continue
        elif doc.in_title(hit.start):
            if governor is not None and base != governor:
                w *= GOVERNED_FACTOR
            elif governor is None and base in _GOVERNING and tier >= (2.0 if base == "court" else 1.0):
                governor = base
        weight[base] += w
        if tier > 1 and base == "arrival" and _FIRST_WORD.match(hit.phrase):
            weight["arrival_first"] += w  # "first flight", "primer grupo": the first-arrivals wording
        cues[base].append(hit.phrase)
    return weight, cues


def _stage_scores(weight: dict[str, float]) -> dict[Stage, float]:
    scores = {stage: weight[cat] for cat, stage in _CATEGORY_STAGE.items() if weight.get(cat)}
    arrival = (weight.get("arrival", 0.0) + FURTHER_AS_ARRIVAL * weight.get("further", 0.0)
               + FIRST_AS_ARRIVAL * weight.get("first", 0.0)
               + ONWARD_AS_ARRIVAL * weight.get("onward", 0.0))
    if arrival > 0:
        first = weight.get("first", 0.0) + weight.get("arrival_first", 0.0)
        further = weight.get("further", 0.0) + weight.get("onward", 0.0)
        scores[Stage.FURTHER_ARRIVALS if further > max(first, FURTHER_MIN) else Stage.FIRST_ARRIVALS] = arrival
    return scores


def _cues_for(stage: Stage, cues: dict[str, list[str]]) -> list[str]:
    if stage is Stage.FIRST_ARRIVALS:
        return cues["first"] + cues["arrival"]
    if stage is Stage.FURTHER_ARRIVALS:
        return cues["further"] + cues["onward"] + cues["arrival"]
    cat = next(c for c, st in _CATEGORY_STAGE.items() if st is stage)
    return cues[cat]
