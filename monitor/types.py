"""Frozen data handed between pipeline stages: extracted articles and their classification."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Stage(StrEnum):
    """Where a development stands; the values are the strings used in data files and output."""

    TALKS = "talks"
    AGREEMENT = "agreement"
    FIRST_ARRIVALS = "first_arrivals"
    FURTHER_ARRIVALS = "further_arrivals"
    COURT_RULING = "court_ruling"
    PAUSED_OR_ENDED = "paused_or_ended"
    CRITICISM = "criticism"


class CountKind(StrEnum):
    """What a number of people means: a cap in an agreement, or people actually moved."""

    CAP = "cap"
    MOVED = "moved"


@dataclass(frozen=True)
class Article:
    """An extracted article, ready to classify and store."""

    url: str
    canonical_url: str
    source_id: str
    title: str
    text: str
    language: str | None = None
    published_at: datetime | None = None
    outlet: str | None = None
    official: bool = False
    content_hash: str = ""


@dataclass(frozen=True)
class Classification:
    """The classifier's decision about one article, with the reasons behind it."""

    relevant: bool
    score: float
    receiving_country: str | None = None
    """English short name, e.g. "Kosovo", "Eswatini"; None for policy- or court-wide items."""
    country_code: str | None = None
    """ISO 3166-1 alpha-2 code of the receiving country ("XK" for Kosovo)."""
    stage: Stage | None = None
    deportee_count: int | None = None
    count_kind: CountKind | None = None
    reasons: tuple[str, ...] = field(default_factory=tuple)
    countries_mentioned: tuple[str, ...] = field(default_factory=tuple)
    language: str | None = None
    stage_alternatives: tuple[Stage, ...] = field(default_factory=tuple)
    """Other stages the text supports nearly as well as ``stage`` (used to group uncertain reports)."""
    follow_up: Classification | None = None
    """For an article below the relevance threshold that names a receiving country and shows no
    look-alike pattern: how it reads as a report of that country's news. It counts as relevant only as
    another report of a development of that country reported in the last days (see developments.ingest)."""

    def as_dict(self) -> dict[str, object]:
        return {
            "relevant": self.relevant,
            "receiving_country": self.receiving_country,
            "stage": self.stage.value if self.stage else None,
            "deportee_count": self.deportee_count,
            "count_kind": self.count_kind.value if self.count_kind else None,
            "score": round(self.score, 4),
            "reasons": list(self.reasons),
            "country_code": self.country_code,
            "countries_mentioned": list(self.countries_mentioned),
            "stage_alternatives": [st.value for st in self.stage_alternatives],
            "language": self.language,
            "follow_up_country": self.follow_up.receiving_country if self.follow_up else None,
        }
