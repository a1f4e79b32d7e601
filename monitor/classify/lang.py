"""Cheap language guess from stopwords (en, es, fr, pt, de, it, sq, hr)."""

from __future__ import annotations

import re

_STOPWORD_TEXT: dict[str, str] = {
    "en": (
        "the of and to in is was that for on with as by it from at have has are were this said will which "
        "who been their its would"
    ),
    "es": (
        "el la los las de del que y en un una por con para es se su al lo como mas pero sus fue ha este "
        "esta segun dijo sobre tambien otras otros estados unidos gobierno acuerdo deportados "
        "nacionalidades recibira aceptara paises tercer terceros hasta"
    ),
    "fr": (
        "le la les de des du et en un une est que qui dans pour par sur au aux pas ce cette son ses ont "
        "selon il elle a ete sont nouveaux pays tiers expulses accueille etats gouvernement "
        "ressortissants vers avec"
    ),
    "pt": (
        "o a os as de do da dos das e em um uma que para com por no na nos nas ao foi sao segundo disse "
        "mais pelo pela seu sua tambem outras outros recebe paises governo acordo terceiros eua"
    ),
    "de": (
        "der die das und in den von zu mit sich des auf fur ist im dem nicht ein eine als auch es an "
        "werden aus er hat dass sie nach wird bei"
    ),
    "it": (
        "il lo la i gli le di del della che e un una per con non sono nel nella alla ha dei delle anche "
        "come piu ma questo"
    ),
    "sq": (
        "dhe te e ne per me nga se do u nje qe si jane eshte ka kete por edhe tij saj"
    ),
    "hr": (
        "i u je na da se za od su s iz ne koji koje kao ali sa po bi su te ih"
    ),
}
_STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(text.split()) for lang, text in _STOPWORD_TEXT.items()
}
_WORD = re.compile(r"[^\W\d_]+")
_ELISION = re.compile(r"\b(?:l|d|qu|j|n|s)['’][aeiouéèhâ]")
# Letters that only some of the languages use break ties cheaply.
_MARKS = {"ë": "sq", "ç": "", "ã": "pt", "õ": "pt", "ñ": "es", "è": "fr", "ê": "", "ü": "de", "ß": "de",
          "č": "hr", "ć": "hr", "š": "hr", "ž": "hr", "đ": "hr"}


def guess_language(text: str, default: str = "en") -> str:
    """The most likely ISO 639-1 code among the supported languages; `default` when nothing matches."""
    sample = text[:1500].lower()
    words = _WORD.findall(sample)
    scores = dict.fromkeys(_STOPWORDS, 0.0)
    for w in words:
        w = w.replace("é", "e").replace("á", "a").replace("ú", "u").replace("í", "i").replace("ó", "o")
        for lang, stop in _STOPWORDS.items():
            if w in stop:
                scores[lang] += 1.0
    scores["fr"] += 1.5 * len(_ELISION.findall(sample))
    for ch, lang in _MARKS.items():
        if lang and ch in sample:
            scores[lang] += 2.0 * min(sample.count(ch), 3)
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] > 0 else default
