"""Rule evidence for relevance: cue hits, country roles and hard-negative patterns turned into a log-odds."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from monitor.classify.countries import US, demonym_code
from monitor.classify.lexicon import RECEPTION_PATTERN, TOPIC_PATTERN, Hit, scan
from monitor.classify.rules import OTHER_SENDERS, RECEIVING_ROLES, CountryAnalysis
from monitor.classify.text import Doc

# Log-odds contributions of each kind of evidence, summed from PRIOR. On its own the rule score is
# calibrated so that a third-country phrase with deportation words and a receiving country is clearly
# relevant, and ambiguous words alone ("deportation flight", a country name) are clearly not.
PRIOR = -3.0
W_THIRD_COUNTRY = 2.6
W_THIRD_COUNTRY_LEAD = 1.0
W_THIRD_COUNTRY_BODY = 1.6
W_THIRD_COUNTRY_WEAK = 0.9
W_SAFE_THIRD = 1.4
W_RECEPTION = 1.0
W_DEPORTATION = 1.2
W_NO_DEPORTATION = -3.0
W_US = 0.6
W_NO_US = -0.5
# A headline (or a one-line feed summary) has room for few cues, so missing cues say less there:
# the penalties for absent evidence are scaled by this factor below SHORT_TOKENS words.
SHORT_TOKENS = 30
SHORT_ABSENCE_FACTOR = 0.4
W_RECEIVING = 1.4
W_FOREIGN_DEPORTEES = 1.4
# Countries known to have received, agreed or been asked to receive U.S. deportees of other
# nationalities (timeline 2025-2026). Being one is weak evidence on top of a destination role; the
# big own-nationals destinations (Mexico, Guatemala, Honduras, El Salvador) are left out on purpose.
W_KNOWN_PARTNER = 0.8
KNOWN_PARTNERS = frozenset({
    "XK", "SZ", "SS", "RW", "UG", "GH", "PW", "GQ", "CM", "CR", "PA", "PY", "BZ", "EC", "DM", "AG", "KN",
    "GY", "LR", "LY", "DJ", "AO", "BJ", "MD", "SN", "GW", "MR", "GA", "NG",
})
# A country that is the subject of a short deportation headline ("Uganda: first U.S. deportees held in
# transit facility") counts as receiving, a little less than an explicit "to Uganda".
W_HEADLINE_SUBJECT = 1.0
# The countries whose own nationals fill most U.S. deportation flights: a report of one of them
# receiving deportees is an ordinary return unless something says the people are foreign.
W_MAJOR_ORIGIN = -2.0
MAJOR_ORIGINS = frozenset({"MX", "GT", "HN", "SV", "NI", "CO", "EC", "VE", "CU", "HT", "DO", "BR", "PE", "IN",
                           "CN", "UZ", "JM"})
W_OWN_NATIONALS = -3.5
# A long article whose headline and lead say nothing of removals to a third country (an ICE raid, a
# Canadian border crossing, a peace deal) is about something else, whatever its background paragraphs
# recap of the U.S. program.
LONG_TOKENS = 250
W_OFF_TOPIC_HEAD = -3.0
_HEAD_TOPIC = ("third_country", "safe_third", "third_country_weak", "reception")
W_NEGATIVE = -0.6
W_NEGATIVE_LEAD = -2.0
W_OTHER_SENDER = -2.0
NEGATIVE_CAP = -5.0
# A third-country phrase halves hard-negative penalties: positives often mention look-alikes as
# background (the UK-Rwanda plan, the Caribbean travel bans).
THIRD_COUNTRY_DAMPING = 0.5
# Negative types whose presence in the headline vetoes even when a third-country phrase is present:
# they are other states' schemes or U.S. policies that are not removals to a third country.
TITLE_VETO_TYPES = frozenset({"remain_in_mexico", "canada_stca", "eu_return_hubs", "refugee_admissions",
                              "other_sender", "explainer", "origin_refuses", "abrego_criminal_case"})

# A third-country phrase that itself says people are moved ("deportaciones a terceros paises").
_REMOVAL_VERB = re.compile(r"deport|remov|expul|expel|transfer|renvo|traslad|envi|sent|send|flown|relocat")
# Asylum seekers sent on under a cooperative agreement are not nationals going home.
_ASYLUM_TRANSFER = re.compile(r"asylum[- ]seekers?|solicitantes de asilo|demandeurs d'asile|requerentes de asilo|"
                              r"asylum cooperative|acuerdos? de cooperacion|pretermi\w*")
# "has not received any", "refuses to accept": a reception that did not happen.
_NEGATED = re.compile(r"\b(?:not|never|no|n't|nao|pas|refus\w*|reject\w*|declin\w*|rechaz\w*|nieg\w*)\b[\w ]*$")
# Patterns that also appear in the lead of genuine developments, so they never veto on their own.
_WEAK_LEAD_TYPES = frozenset({"interior_enforcement", "travel_ban", "own_nationals"})


@dataclass(frozen=True)
class Evidence:
    """The rule layer's verdict on relevance, with the reasons behind it."""

    logit: float
    hits: dict[str, list[Hit]]
    veto: str | None
    own_nationals: bool
    reasons: tuple[str, ...]
    doubts: tuple[str, ...] = ()
    """Look-alike signs short of a veto: a hard-negative pattern in the lead, or a receiving country that
    mostly takes back its own nationals with nothing saying these are foreign."""

    @property
    def third_country(self) -> bool:
        return bool(self.hits.get("third_country"))

    @property
    def topical(self) -> bool:
        """Any of the topic's vocabulary: deportation or reception words, a third- or safe-country phrase."""
        return any(self.hits.get(k) for k in ("deportation", "reception", "safe_third", "third_country",
                                               "third_country_weak"))


def gather(doc: Doc, countries: CountryAnalysis) -> Evidence:
    """Sum the rule evidence for one article."""
    hits: dict[str, list[Hit]] = defaultdict(list)
    for hit in scan(TOPIC_PATTERN, doc.folded):
        for category in (("us_actor", "deportation") if hit.category == "ice_flight" else (hit.category,)):
            hits[category].append(hit)
    for hit in scan(RECEPTION_PATTERN, doc.folded):
        if not _NEGATED.search(doc.folded, max(0, hit.start - 25), hit.start):
            hits[hit.category].append(hit)
    reasons: list[str] = []
    doubts: list[str] = []
    short = len(doc.words) < SHORT_TOKENS
    absence = SHORT_ABSENCE_FACTOR if short else 1.0
    receiving = countries.receiving
    foreign = countries.nationalities - {receiving.code if receiving else "", US}
    takes_in = receiving is not None and bool(receiving.roles & RECEIVING_ROLES)
    # Foreigners moved to a named country ("238 Venezuelans flown to El Salvador") is a removal even
    # without the word "deport".
    logit = PRIOR + _positive(doc, hits, reasons, absence, bool(foreign) and takes_in)
    tc = bool(hits.get("third_country"))
    tc_lead = any(doc.sentence_of(h.start) <= 1 for h in hits.get("third_country", []))
    us_named = bool(hits.get("us_actor")) or any(m.code == US for m in countries.mentions)
    logit += W_US if us_named else W_NO_US * absence
    if not us_named:
        reasons.append("no U.S. actor named")
    if receiving is not None and not takes_in and receiving.title_subject and _topic_in_title(doc, hits):
        takes_in = True
        logit += W_HEADLINE_SUBJECT - W_RECEIVING
        reasons.append(f"{receiving.name} is the subject of a deportation headline")
    if receiving is not None and takes_in:
        logit += W_RECEIVING
        if receiving.code in KNOWN_PARTNERS:
            logit += W_KNOWN_PARTNER
            reasons.append(f"{receiving.name} has received or been asked to receive third-country deportees")
    own = _own_nationals(countries, tc_lead, hits) or _own_in_title(doc, countries)
    if foreign and receiving is not None and not own:
        logit += W_FOREIGN_DEPORTEES
    if own:
        logit += W_OWN_NATIONALS
        reasons.append(f"own nationals returned: deportees are from {receiving.name if receiving else '?'}")
    elif receiving is not None and receiving.code in MAJOR_ORIGINS and not (
            foreign or tc or hits.get("safe_third") or "not_own" in receiving.roles
            or _ASYLUM_TRANSFER.search(doc.folded)):
        logit += W_MAJOR_ORIGIN
        doubts.append("major_origin")
        reasons.append(f"{receiving.name} mostly receives its own nationals, and nothing says these are foreign")
    if len(doc.words) >= LONG_TOKENS and not _topic_in_head(doc, hits, countries):
        logit += W_OFF_TOPIC_HEAD
        reasons.append("long article whose headline and lead are not about a removal to a third country")
    penalty, in_lead, in_title = _negatives(doc, hits, countries, us_named)
    logit += penalty * (THIRD_COUNTRY_DAMPING if tc else 1.0)
    if in_lead:
        doubts.append("hard_negative_pattern")
        reasons.append("hard-negative pattern: " + ", ".join(in_lead))
    us_in_lead = any(m.code == US and doc.sentence_of(m.start) <= 1 for m in countries.mentions)
    # An Abrego Garcia report whose headline names a country taking him is the single-person case, not
    # the criminal case.
    if receiving is not None and (receiving.title_destination or receiving.title_subject) and takes_in:
        in_lead = [k for k in in_lead if not k.startswith("abrego_criminal_case")]
    if receiving is not None and takes_in and _fresh_lead(doc):
        # "Rwanda's deal with the U.S.: what we know" whose lead tells what was announced this week is news.
        in_lead = [k for k in in_lead if not k.startswith("explainer")]
        in_title = [k for k in in_title if k != "explainer"]
    veto = _veto(tc, own, us_named, us_in_lead, in_lead, in_title)
    return Evidence(logit, dict(hits), veto, own, tuple(reasons), tuple(doubts))


_DAYS_EN = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_DAYS_ES = r"lunes|martes|miercoles|jueves|viernes|sabado|domingo"
_DAYS_FR = r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
_DAYS_PT = r"segunda|terca|quarta|quinta|sexta|sabado|domingo"
# What happened in the last days: "this week", "on Tuesday", "ayer", "cette semaine", "nesta quinta-feira".
_RECENT = re.compile(
    rf"\b(?:this week|yesterday|today|on (?:{_DAYS_EN})|esta semana|ayer|hoy|(?:el|este) (?:{_DAYS_ES})|"
    rf"cette semaine|hier|aujourd'hui|{_DAYS_FR}|nesta semana|ontem|hoje|(?:na|nesta|neste|no) (?:{_DAYS_PT}))\b")


def _fresh_lead(doc: Doc) -> bool:
    """The body's first sentence says something happened in the last days."""
    if len(doc.sentence_starts) < 2:
        return False
    start, end = doc.sentence_span(1)
    return bool(_RECENT.search(doc.folded, start, end))


def _topic_in_head(doc: Doc, hits: dict[str, list[Hit]], countries: CountryAnalysis) -> bool:
    """A third-country or reception cue in the headline or lead, or deportation words there beside the
    receiving country."""
    if any(doc.sentence_of(h.start) <= 1 for key in _HEAD_TOPIC for h in hits.get(key, [])):
        return True
    receiving = countries.receiving
    deportation_in_head = any(doc.sentence_of(h.start) <= 1 for h in hits.get("deportation", []))
    return deportation_in_head and receiving is not None and receiving.lead_mentions > 0


def _topic_in_title(doc: Doc, hits: dict[str, list[Hit]]) -> bool:
    return any(doc.in_title(h.start) for key in (*_HEAD_TOPIC, "deportation") for h in hits.get(key, []))


def _positive(doc: Doc, hits: dict[str, list[Hit]], reasons: list[str], absence: float,
              foreigners_moved: bool) -> float:
    total = 0.0
    tc = hits.get("third_country", [])
    if tc:
        # In the headline or lead the phrase is the news; further down it may be background.
        lead = doc.sentence_of(tc[0].start) <= 1
        total += W_THIRD_COUNTRY + W_THIRD_COUNTRY_LEAD if lead else W_THIRD_COUNTRY_BODY
        reasons.append("third-country phrase: " + _quote(tc))
    elif hits.get("safe_third"):
        total += W_SAFE_THIRD
        reasons.append("safe-third-country wording: " + _quote(hits["safe_third"]))
    elif hits.get("third_country_weak"):
        total += W_THIRD_COUNTRY_WEAK
        reasons.append("ambiguous third-country phrase: " + _quote(hits["third_country_weak"]))
    if hits.get("reception"):
        total += W_RECEPTION
        reasons.append("reception of deportees: " + _quote(hits["reception"]))
    moved = [h for h in tc if _REMOVAL_VERB.search(h.phrase)]
    if hits.get("deportation") or hits.get("reception") or hits.get("safe_third") or moved:
        total += W_DEPORTATION
        found = hits.get("deportation") or hits.get("reception") or hits.get("safe_third") or moved
        reasons.append("deportation words: " + _quote(found))
    elif foreigners_moved:
        total += W_DEPORTATION
        reasons.append("foreign nationals moved to the receiving country")
    elif not tc:
        total += W_NO_DEPORTATION * absence
        reasons.append("no deportation or migration words")
    return total


def _own_nationals(countries: CountryAnalysis, tc: bool, hits: dict[str, list[Hit]]) -> bool:
    """Deportees of the receiving country's own nationality, and no sign of anyone else."""
    if tc:
        return False
    receiving = countries.receiving
    if receiving is None:
        return bool(hits.get("neg_own_nationals"))
    others = countries.nationalities - {receiving.code, US}
    return receiving.code in countries.nationalities and not others


_NEXT_WORD = re.compile(r"\s*([\w-]+)")


def _other_nationality_follows(doc: Doc, hit: Hit, countries: CountryAnalysis) -> bool:
    """ "238 ciudadanos venezolanos" sent to El Salvador: citizens, but of another country."""
    nxt = _NEXT_WORD.match(doc.folded, hit.end)
    code = demonym_code(nxt.group(1)) if nxt else None
    receiving = countries.receiving.code if countries.receiving else None
    return code is not None and code not in (receiving, US)


_GROUP_LEFT = re.compile(r"\b(?:\d[\d,.]*|des|les|los|las|os|as|dozens of|hundreds of|cientos de|centaines d') $")


def _own_in_title(doc: Doc, countries: CountryAnalysis) -> bool:
    """ "Flight returns 17 Equatoguineans to Malabo": the headline names a group of the receiving country's
    own nationals and no other nationality."""
    receiving = countries.receiving
    if receiving is None:
        return False
    people = [m for m in countries.mentions if m.kind == "demonym" and doc.in_title(m.start)]
    own = [m for m in people if m.code == receiving.code
           and _GROUP_LEFT.search(doc.folded, max(0, m.start - 20), m.start)]
    return bool(own) and all(m.code == receiving.code for m in people)


def _negatives(doc: Doc, hits: dict[str, list[Hit]], countries: CountryAnalysis,
               us_named: bool) -> tuple[float, list[str], list[str]]:
    """Penalty for hard-negative patterns, the types seen in the lead and those seen in the headline."""
    total = 0.0
    in_lead: list[str] = []
    in_title: list[str] = []
    for key, found in hits.items():
        if key == "neg_own_nationals":
            found = [h for h in found if not _other_nationality_follows(doc, h, countries)]
        if not key.startswith("neg_") or not found:
            continue
        kind = key[4:]
        lead = any(doc.sentence_of(h.start) <= 1 for h in found)
        total += W_NEGATIVE + (W_NEGATIVE_LEAD if lead else 0.0)
        if lead:
            in_lead.append(f'{kind} ("{found[0].phrase}")')
        if any(doc.in_title(h.start) for h in found):
            in_title.append(kind)
    canada = [m for m in countries.mentions if m.code == "CA"]
    if hits.get("safe_third") and canada and "neg_canada_stca" not in hits:
        total += W_NEGATIVE + W_NEGATIVE_LEAD
        in_lead.append(f'canada_stca ("{canada[0].surface}")')
        if doc.in_title(canada[0].start):
            in_title.append("canada_stca")
    senders = [m for m in countries.mentions if m.code in OTHER_SENDERS]
    us_in_lead = any(m.code == US and doc.sentence_of(m.start) <= 1 for m in countries.mentions)
    sender_in_lead = [m for m in senders if doc.sentence_of(m.start) <= 1]
    if senders and (not us_named or (sender_in_lead and not us_in_lead)):
        total += W_OTHER_SENDER
        if sender_in_lead:
            in_lead.append(f'other_sender ("{sender_in_lead[0].surface}")')
        if any(doc.in_title(m.start) for m in senders) and not us_in_lead:
            in_title.append("other_sender")
    return max(total, NEGATIVE_CAP), in_lead, in_title


def _veto(tc: bool, own: bool, us_named: bool, us_in_lead: bool, in_lead: list[str],
          in_title: list[str]) -> str | None:
    """The hard-negative type that overrides the model, if the rules see one clearly."""
    if own:
        return "own_nationals"
    strong_title = [k for k in in_title if k in TITLE_VETO_TYPES and not (k == "other_sender" and us_in_lead)]
    if strong_title:
        return strong_title[0]
    strong_lead = [k.split(" ")[0] for k in in_lead if k.split(" ")[0] not in _WEAK_LEAD_TYPES]
    if strong_lead and (not tc or not us_named):
        return strong_lead[0]
    return None


def _quote(hits: list[Hit], limit: int = 3) -> str:
    phrases = list(dict.fromkeys(h.phrase for h in hits))[:limit]
    return ", ".join(f'"{p}"' for p in phrases)
