"""Facts that tell two events of one country and stage apart: which court ruled, which flight landed.

Reports of one event agree on these even when they are worded differently or written in another
language; reports of two events (a district judge's order and the Supreme Court's stay of it, the
second and the third flight to one country) disagree. Read from the headline first, then the lead.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from monitor.extract import normalise_text

# Court levels, in the languages the classifier reads (text is accent-folded and lower-cased first).
_COURTS: tuple[tuple[str, str], ...] = (
    ("supreme", r"supreme court|corte suprema|tribunal supremo|el supremo|cour supreme|suprema corte|"
                r"supremo tribunal|oberste[sn]? gericht\w*|justices"),
    ("appeals", r"appeals? court|courts? of appeals?|circuit|corte de apelaciones|tribunal de apelaciones|"
                r"cour d appel|tribunal de (?:recurso|apelacao)|corte de apelacao|berufungsgericht"),
    ("high", r"high court|tribunal superior|haute cour|constitutional court|corte constitucional|"
             r"cour constitutionnelle|sala constitucional|sala iv|sala cuarta|top court|highest court"),
    ("trial", r"judge|district court|federal court|juez|jueza|juge|juiz|juiza|magistrate|richter\w*|"
              r"tribunal federal|tribunal de distrito"),
)
_COURT = re.compile("|".join(f"(?P<{name}>\\b(?:{pattern})\\b)" for name, pattern in _COURTS))

_ORDINALS = {
    "second": 2, "2nd": 2, "segundo": 2, "segunda": 2, "deuxieme": 2, "seconde": 2, "zweite": 2,
    "third": 3, "3rd": 3, "tercer": 3, "tercero": 3, "tercera": 3, "troisieme": 3, "terceiro": 3, "terceira": 3,
    "dritte": 3,
    "fourth": 4, "4th": 4, "cuarto": 4, "cuarta": 4, "quatrieme": 4, "quarto": 4, "quarta": 4, "vierte": 4,
    "fifth": 5, "5th": 5, "quinto": 5, "quinta": 5, "cinquieme": 5, "funfte": 5,
}
_GROUPS = (r"group|batch|flight|plane ?load|planeload|contingent|grupo|vuelo|lote|groupe|vol|voo|leva|"
           r"gruppe|flug")
# "third country flight" names the kind of removal, not the third flight.
_NOT_ORDINAL = r"(?! (?:countr\w*|pais\w*|pays|party|parties|nationals?)\b)"
_BATCH = re.compile(rf"\b({'|'.join(_ORDINALS)})\b{_NOT_ORDINAL} (?:\w+ ){{0,3}}?(?:{_GROUPS})s?\b|"
                    rf"\b(?:{_GROUPS})s? (?:\w+ ){{0,1}}({'|'.join(_ORDINALS)})\b{_NOT_ORDINAL}")
# A running total over several flights ("brings the total to 299", "ya son 299", "in three flights").
_NUMBER = r"(?:\d[\d,.]*|two|three|four|dos|tres|cuatro|deux|trois|quatre|dois|quatro)"
_TOTAL = re.compile(r"\b(?:(?:total|tally|count) (?:\w+ ){0,5}?to|in all|altogether|(?:ya|ja) son|ya suman|suman|"
                    r"en total|au total|no total|ao todo|(?:over|across|in|en|em|sur) " + _NUMBER +
                    r" (?:flights|vuelos|voos|vols))\b")
_LEAD = 400
# Outlets call a country's top court its Supreme, High or Constitutional Court (Costa Rica's Sala IV is the
# constitutional chamber of its Supreme Court): one level.
_TOP = {"high": "supreme"}


@dataclass(frozen=True)
class EventMarks:
    court: str | None = None
    """"supreme", "appeals", "high" (a national high or constitutional court) or "trial"."""
    batch: int | None = None
    """The ordinal of the group or flight ("third batch" → 3)."""
    total: bool = False
    """The number given is a running total over several flights."""

    def conflicts(self, other: EventMarks) -> bool:
        """True when both name a court or a flight number and they differ: two events, not one."""
        return bool(
            (self.court and other.court and _TOP.get(self.court, self.court) != _TOP.get(other.court, other.court))
            or (self.batch and other.batch and self.batch != other.batch)
        )



def _first(pattern: re.Pattern[str], parts: tuple[str, ...]) -> re.Match[str] | None:
    for part in parts:
        match = pattern.search(part)
        if match:
            return match
    return None


def event_marks(title: str, text: str) -> EventMarks:
    """The court and the flight ordinal an article names first, headline before lead."""
    parts = (normalise_text(title), normalise_text(text[:_LEAD]))
    court = _first(_COURT, parts)
    batch = _first(_BATCH, parts)
    return EventMarks(
        court=court.lastgroup if court else None,
        batch=_ORDINALS[batch.group(1) or batch.group(2)] if batch else None,
        total=_first(_TOTAL, parts) is not None,
    )


def agreed_marks(marks: Iterable[EventMarks]) -> EventMarks:
    """What most of one development's reports say (each fact voted on separately; ties keep the first)."""
    courts: Counter[str] = Counter()
    batches: Counter[int] = Counter()
    for m in marks:
        if m.court:
            courts[m.court] += 1
        if m.batch:
            batches[m.batch] += 1
    return EventMarks(
        court=courts.most_common(1)[0][0] if courts else None,
        batch=batches.most_common(1)[0][0] if batches else None,
    )
