"""Deportee counts: numbers of people (digits or words, en/es/fr/pt), told apart as caps or people moved."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from monitor.classify.countries import is_demonym
from monitor.classify.text import Doc
from monitor.types import CountKind, Stage

_UNITS = {
    # en
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12,
    # es
    "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
    "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15, "dieciseis": 16, "diecisiete": 17,
    "dieciocho": 18, "diecinueve": 19, "veinte": 20, "veintiuno": 21, "veintidos": 22, "veintitres": 23,
    "veinticuatro": 24, "veinticinco": 25, "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60,
    "setenta": 70, "ochenta": 80, "noventa": 90, "docena": 12, "doscientos": 200, "doscientas": 200,
    "trescientos": 300, "trescientas": 300,
    # fr
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11,
    "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20,
    "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "douzaine": 12, "dizaine": 10,
    "vingtaine": 20, "trentaine": 30, "cinquantaine": 50, "centaine": 100, "huitaine": 8, "quinzaine": 15,
    "quarantaine": 40, "soixantaine": 60,
    # pt
    "dois": 2, "duas": 2, "quatro": 4, "sete": 7, "oito": 8, "nove": 9, "dez": 10, "doze": 12, "treze": 13,
    "catorze": 14, "dezesseis": 16, "dezasseis": 16, "dezessete": 17, "dezoito": 18, "dezenove": 19,
    "dezanove": 19, "vinte": 20, "trinta": 30, "quarenta": 40, "cinquenta": 50, "sessenta": 60,
    "oitenta": 80, "duzentos": 200, "duzentas": 200, "trezentos": 300, "trezentas": 300,
    "dezena": 10, "duzia": 12,
    # de
    "zwei": 2, "drei": 3, "vier": 4, "funf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10,
    "elf": 11, "zwolf": 12, "zwanzig": 20, "funfzig": 50,
    # it
    "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7, "otto": 8, "dieci": 10, "undici": 11,
    "dodici": 12, "quattordici": 14, "venti": 20, "cinquanta": 50,
}
# Number words that are also ordinary words elsewhere ("once", "sept"), by the language they count in.
_ONLY_IN = {"once": "es", "sept": "fr", "dix": "fr", "cent": "fr", "dos": "es", "elf": "de", "due": "it",
            "sei": "it", "tre": "it", "otto": "it", "vier": "de", "acht": "de"}
_CONTINUATION = frozenset({"one", "uno", "un", "une", "um", "uma"})
_DOZEN = frozenset({"dozen", "docena", "douzaine", "duzia"})
_HUNDRED = frozenset({"hundred", "cien", "ciento", "cent", "cents", "cem", "cento", "centenar", "centena"})
_JOIN = frozenset({"and", "y", "e", "et"})
_PEOPLE_TEXT = (
    "menschen personen manner abgeschobene migranti persone uomini cittadini espulsi deportati "
    "deportees deportee migrants migrant people persons person individuals individual men man women "
    "woman children nationals national immigrants detainees asylum seekers prisoners inmates "
    "foreigners third-country tcns venezuelans africans asians deportados deportadas migrantes "
    "africanos africanas africains africaines asiaticos asiatiques "
    "personas hombres mujeres ninos nacionales ciudadanos extranjeros inmigrantes solicitantes reos "
    "presos expulsados expulses expulsees personnes hommes femmes enfants ressortissants etrangers "
    "demandeurs detenus pessoas homens mulheres criancas cidadaos estrangeiros imigrantes migrante "
    "persona te deportuar migranata osoba migranten menschen personen"
)
_PEOPLE = frozenset(_PEOPLE_TEXT.split())
_CAP_LEFT = re.compile(
    r"(?:up to|as many as|a maximum of|maximum of|max(?:imum)? of|cap of|no more than|limit of|at most|"
    r"hasta|un maximo de|maximo de|jusqu'a|au maximum|au plus|ate|no maximo|deri ne)\s*$"
)
_CAP_RIGHT = re.compile(r"^(?:\s\w+){0,4}?\s(?:per|a|each|every|al|por|par) (?:year|annum|ano|an|annee)")
_ARRIVED = re.compile(
    r"arriv\w*|land\w*|flown|flew|were (?:deported|sent)|received|took in|transferred|moved|repatriated|"
    r"aboard|carrying|on board|"
    r"llegaron|llego|aterriz\w*|recibio|enviad\w*|trasladad\w*|arrive\w*|atterri\w*|chegaram|chegou|recebeu"
)
_MONEY_LEFT = re.compile(r"(?:[$€£¥]|\bus\$|\b(?:usd|eur|r|gbp|ksh|cfa))\s*$")
_NOT_PEOPLE_RIGHT = re.compile(
    r"^[\s-]*(?:million|billion|millones|millions|milliards?|milhoes|milhao|mil\b|thousand|%|percent|"
    r"por ciento|pour cent|por cento|dollars?|dolares|euros?|years?|ans|anos|days?|dias|jours|months?|meses|"
    r"mois|hours?|horas|heures|km|kilomet\w*|miles|flights?|vuelos|vols|voos|countries|paises|pays|cases|"
    r"casos|motions|-year|year-old)"
)
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
           r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|enero|febrero|marzo|abril|mayo|junio|julio|agosto|"
           r"septiembre|octubre|noviembre|diciembre|janvier|fevrier|mars|avril|mai|juin|juillet|aout|"
           r"septembre|octobre|novembre|decembre|janeiro|fevereiro|marco|maio|junho|julho|setembro|outubro|"
           r"novembro|dezembro)")
_MONTH_LEFT = re.compile(_MONTHS + r"\.? $")
_MONTH_RIGHT = re.compile(r"^(?: de)? " + _MONTHS + r"\b")
_PLANNED = re.compile(r"\b(?:would|will|expected|due to|set to|to be|could|plans?|announced that|"
                      r"se espera|llegaran|doivent|devem|vao)\b")
_EARLIER = re.compile(r"\b(?:last year|earlier this year|previously|el ano pasado|l'an dernier|l'annee derniere|"
                      r"no ano passado|(?:in|en|em) " + _MONTHS + r"(?: de)? (?:19|20)\d\d)\b")
# Next to a count in a report of a further flight: the number belongs to an earlier one ("weeks after a
# first group of nine", "adding to nine flown in last month").
_PREVIOUS_LEFT = re.compile(
    r"\b(?:first (?:group|batch|flight|plane|contingent)|adding to|in addition to|on top of|joining|joins?|after|"
    r"rejoign\w*|juntando-se a|juntam-se a|se unen a|tras|"
    r"despues de|apres|depois de|"
    r"primer (?:grupo|vuelo|contingente)|se suman a|premier (?:groupe|vol|contingent)|s'ajoutent aux?|"
    r"primeiro (?:grupo|voo|contingente)|somam-se a)\b[^.;]{0,20}$")
_PREVIOUS_RIGHT = re.compile(
    r"^[^.;]{0,30}\b(?:last month|the month before|earlier this month|el mes pasado|le mois dernier|"
    r"no mes passado|(?:in|en|em|since|depuis|desde) " + _MONTHS + r")\b")
_SINGLE_CASE = re.compile(r"\babrego garcia\b")
_PERSON_NOUNS = frozenset((
    "man", "woman", "national", "citizen", "deportee", "migrant", "detainee", "hombre", "mujer",
    "ciudadano", "nacional", "migrante", "deportado", "homme", "ressortissant", "citoyen", "cidadao",
    "homem"
))
_SINGULAR_ARTICLES = frozenset(["a", "an", "the", "one", "al", "el", "un", "una", "le", "o", "um", "uma"])
_AFTER_PERSON = frozenset((
    "and", "who", "was", "is", "had", "deported", "y", "que", "fue", "deportado", "et", "qui", "a",
    "expulse", "e", "foi"
))
_AGE_LEFT = re.compile(r"(?:aged|age|ages|edad de|age de|idade de)\s*$")
_TOTAL = re.compile(r"\b(?:total|in all|so far|overall|en total|au total|ao todo|hasta ahora|ya son|since|depuis|"
                    r"desde|to date|more than|plus de|mas de|mais de)\b")


@dataclass(frozen=True)
class Count:
    """A number of people found in the text."""

    value: int
    kind: CountKind
    phrase: str
    start: int
    sentence: int
    score: float


def _word_value(words: list[str], i: int, language: str | None) -> tuple[int, int] | None:
    """Parse a run of number words starting at i; returns (value, words consumed)."""
    current, j = 0, i
    while j < len(words):
        w = words[j]
        lang = _ONLY_IN.get(w)
        if lang and language and lang != language:
            break
        if w in _CONTINUATION and j > i and current >= 20:
            current += 1
        elif w in _DOZEN and current:
            current *= 12
        elif w in _UNITS and not (w in _DOZEN and j == i):
            current = 80 if w.startswith("vingt") and current == 4 else current + _UNITS[w]
        elif w in _HUNDRED and not (j == i and w == "hundred"):
            current = max(current, 1) * 100
        elif not (w in _JOIN and j > i and j + 1 < len(words) and words[j + 1] in _UNITS):
            break
        j += 1
    return (current, j - i) if j > i and current > 0 else None


# Nouns that make the number count something other than the people moved ("five African presidents").
_OTHER_NOUNS_TEXT = (
    "presidents leaders countries nations ministers officials governments judges lawyers states flights "
    "presidentes lideres paises naciones ministros funcionarios gobiernos jueces abogados estados vuelos "
    "dirigeants pays ministres responsables gouvernements juges avocats etats vols lideres governos voos"
)
_OTHER_NOUNS = frozenset(_OTHER_NOUNS_TEXT.split())


def _people_after(words: list[str], k: int) -> bool:
    for w in words[k:k + 4]:
        if w in _OTHER_NOUNS:
            return False
        if w in _PEOPLE or is_demonym(w):
            return True
        if w in ("more", "mas", "plus", "mais", "other", "otros", "autres", "outros", "of", "de", "des", "d"):
            continue
    return False


def find_counts(doc: Doc, stage: Stage | None, focus: set[int], other: set[int],
                language: str | None = None) -> list[Count]:
    """Numbers of people in the article, scored by how likely each is the development's count."""
    folded = doc.folded
    words, spans = doc.words, doc.spans
    counts: list[Count] = []
    # Only a digit, a number word or a nationality word can begin a count.
    starts = [k for k, w in enumerate(words) if _may_begin_count(w)]
    i = 0  # the first word not yet read as part of a number
    for k in starts:
        if k < i:
            continue
        i = k
        value, size = _number_at(words, i, language)
        single = value is None and _single_person(words, i)
        value = 1 if single else value
        if value is None:
            i += 1
            continue
        start, end = spans[i][0], spans[i + size - 1][1]
        i += size
        left, right = folded[max(0, start - 25):start], folded[end:end + 30]
        if _excluded(left, right):
            continue
        cap = bool(_CAP_LEFT.search(left) or _CAP_RIGHT.match(right))
        people = single or _people_after(words, i) or _group_left(left) or cap
        if not people or (_year_like(doc.raw[start:end], value) and not cap):
            continue
        count = _scored(doc, value, start, end, cap, stage, focus, other)
        counts.append(replace(count, kind=CountKind.MOVED, phrase=f"one {count.phrase}") if single else count)
    counts = [c for c in counts if not c.phrase.startswith("one ") or not _crowded(doc, c, counts)]
    if not counts and _SINGLE_CASE.search(folded):
        m = _SINGLE_CASE.search(folded)
        assert m is not None
        counts.append(Count(1, CountKind.MOVED, doc.raw[m.start():m.end()], m.start(),
                            doc.sentence_of(m.start()), 0.0))
    return counts


def _crowded(doc: Doc, single: Count, counts: list[Count]) -> bool:
    """A single person named next to a group ("Nigerians and a Gambian") is not the count."""
    if any(c.sentence == single.sentence and c is not single for c in counts):
        return True
    s_start, s_end = doc.sentence_span(single.sentence)
    return any(is_demonym(w) and w.endswith("s") and is_demonym(w[:-1])
               for w in doc.folded[s_start:s_end].split())


def _year_like(raw: str, value: int) -> bool:
    """ "a 1798 wartime law", "en 2025": four bare digits in a year's range ("2,000 people" is not one)."""
    return raw.isdigit() and len(raw) == 4 and 1500 <= value <= 2100


_FEW = r"(?:\d+|one|uno|una|un|une|um|uma|" + "|".join(w for w, v in _UNITS.items() if v <= 10) + ")"
# "one or two", "dos o tres": a guess, not a count.
_EITHER_LEFT = re.compile(r"\b" + _FEW + r" (?:or|ou|o) $")
_EITHER_RIGHT = re.compile(r"^ (?:or|ou|o) " + _FEW + r"\b")


# "an island of fewer than 20,000 people", "un pays de 1,2 million d'habitants": a population.
_POPULATION_LEFT = re.compile(
    r"\b(?:population|island|nation|country|city|town|kingdom|poblacion|isla|nacion|ciudad|pais|reino|pays|ile|"
    r"ville|royaume|populacao|ilha|cidade) (?:of|de|d') (?:(?:fewer|less|more) than |about |some |around |nearly |"
    r"over |under |just |unos |unas |mas de |menos de |environ |moins de |plus de |cerca de |mais de )?$")
_POPULATION_RIGHT = re.compile(r"^ (?:inhabitants|residents|habitantes|habitants|moradores|residentes)\b")
# "135 migrants, 65 of them children", "dont 65 enfants", "including 40 women": part of the group.
_SUBSET_LEFT = re.compile(r"\b(?:dont|including|among them|of whom|incluidos|incluyendo|entre ellos|incluindo|"
                          r"entre eles|dos quais|de los cuales|parmi eux|y|e|et|and)\s*$")
_PART_OF_GROUP = r"(?:children|minors|women|ninos|menores|mujeres|enfants|mineurs|femmes|criancas|mulheres)"
_SUBSET_RIGHT = re.compile(r"^,? (?:of them|de ellos|d'entre eux|deles|(?:son|sont|sao|are|were) "
                           + _PART_OF_GROUP + r")\b")
_SUBSET_NOUN = re.compile(r"^ " + _PART_OF_GROUP + r"\b")


def _excluded(left: str, right: str) -> bool:
    """Money, percentages, durations, ages, dates, populations and guesses ("one or two") are not people."""
    return bool(_MONEY_LEFT.search(left) or _NOT_PEOPLE_RIGHT.match(right) or _AGE_LEFT.search(left)
                or _MONTH_LEFT.search(left) or _MONTH_RIGHT.match(right) or _EITHER_LEFT.search(left)
                or _EITHER_RIGHT.match(right) or _POPULATION_LEFT.search(left) or _POPULATION_RIGHT.match(right)
                or _SUBSET_RIGHT.match(right) or (_SUBSET_LEFT.search(left) is not None and _SUBSET_NOUN.match(right)))


def _scored(doc: Doc, value: int, start: int, end: int, cap: bool, stage: Stage | None,
            focus: set[int], other: set[int]) -> Count:
    folded = doc.folded
    s = doc.sentence_of(start)
    s_start, s_end = doc.sentence_span(s)
    lo, hi = max(s_start, start - 30), min(s_end, end + 30)
    arrived = bool(_ARRIVED.search(folded, lo, hi))
    deal_stage = stage in (Stage.AGREEMENT, Stage.TALKS)
    kind = CountKind.CAP if cap or (deal_stage and not arrived) else CountKind.MOVED
    score = doc.zone_weight(start) + (0.5 if s in focus else 0.0) - (2.0 if s in other else 0.0)
    if (kind is CountKind.CAP) == deal_stage:
        score += 1.0
    if arrived and not deal_stage:
        score += 0.8
    if _PLANNED.search(folded, lo, hi) and not deal_stage:
        score -= 1.0
    if _TOTAL.search(folded, lo, hi):
        score -= 0.7
    if _EARLIER.search(folded, s_start, s_end):
        score -= 1.5
    if stage is Stage.FURTHER_ARRIVALS and (_PREVIOUS_LEFT.search(folded[max(s_start, start - 40):start])
                                            or _PREVIOUS_RIGHT.match(folded[end:s_end])):
        score -= 5.0  # below MIN_SCORE wherever it sits: the earlier flight's number is never this one's
    return Count(value, kind, doc.raw[start:end], start, s, score)


def _single_person(words: list[str], i: int) -> bool:
    """One person named by nationality: "the Mexican man", "al mexicano", "a Gambian"."""
    w = words[i]
    if not is_demonym(w) or (w.endswith("s") and is_demonym(w[:-1])):
        return False
    prev = words[i - 1] if i else ""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if nxt in _PERSON_NOUNS or prev in ("al", "del"):
        return True
    return (prev in _SINGULAR_ARTICLES or i == 0) and nxt in _AFTER_PERSON


def _number_at(words: list[str], i: int, language: str | None) -> tuple[int | None, int]:
    w = words[i]
    if w[0].isdigit():
        digits = w.replace(",", "")
        if "." in digits:  # "1.200" is Spanish/French thousands; "5.1" is a decimal
            head, _, tail = digits.partition(".")
            digits = head + tail if len(tail) == 3 and "." not in tail else ""
        if not (digits.isdigit() and len(digits) <= 6):
            return None, 1
        if words[i + 1:i + 2] == ["mil"] and i + 2 < len(words) and words[i + 2].isdigit() and len(words[i + 2]) <= 3:
            return int(digits) * 1000 + int(words[i + 2]), 3  # "5 mil 728": Mexican and Spanish press style
        return int(digits), 1
    if w in ("a", "about", "une", "una", "uma", "some", "around", "nearly") and i + 1 < len(words) and \
            words[i + 1] in ("dozen", "douzaine", "docena", "duzia", "dizaine", "dezena", "vingtaine",
                             "cinquantaine", "centaine", "centenar", "centena", "huitaine", "quinzaine",
                             "trentaine", "quarantaine", "soixantaine"):
        return _UNITS.get(words[i + 1], 100), 2
    if w in ("one", "uno") and i + 1 < len(words) and words[i + 1] in ("man", "person", "deportee", "migrant",
                                                                       "hombre", "persona", "woman"):
        return 1, 1
    if w in ("medio", "meia") and i + 1 < len(words) and words[i + 1] in ("centenar", "centena"):
        return 50, 2
    parsed = _word_value(words, i, language)
    return parsed if parsed is not None else (None, 1)


# Words a number can begin with besides digits (see _number_at and _word_value).
_NUMBER_STARTS = frozenset({"a", "about", "une", "una", "uma", "some", "around", "nearly", "one", "uno", "medio",
                            "meia", *_UNITS, *(_HUNDRED - {"hundred"})})


@lru_cache(maxsize=1 << 16)
def _may_begin_count(word: str) -> bool:
    return word[0].isdigit() or word in _NUMBER_STARTS or is_demonym(word)


def _group_left(left: str) -> bool:
    return bool(re.search(r"(?:group|batch|flight carrying|carrying|total of|grupo|groupe|contingente|lote|"
                          r"accept|receive|take|took|recibir|aceptar|accueillir|receber|aceitar)\w* (?:of |"
                          r"de )?$",
                          left))


# Below this a number sits in sentences about other countries or earlier events: no count is better.
MIN_SCORE = 0.0


def pick_count(counts: list[Count], stage: Stage | None) -> Count | None:
    """The count that belongs to the development: best score, then earliest.

    Arrivals report people moved, never the cap of the deal behind them.
    """
    if stage in (Stage.FIRST_ARRIVALS, Stage.FURTHER_ARRIVALS):
        counts = [c for c in counts if c.kind is CountKind.MOVED]
    counts = [c for c in counts if c.score >= MIN_SCORE]
    if not counts:
        return None
    return max(counts, key=lambda c: (c.score, -c.start))
