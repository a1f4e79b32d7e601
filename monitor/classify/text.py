"""Text preparation shared by the classifier layers: folding, tokens, sentences and zones."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property

# Beyond this many characters of body text the rules stop reading: the news of an article is in its
# first paragraphs, and a fixed window keeps the cost of one classification bounded.
MAX_BODY_CHARS = 2000


def _build_fold_table() -> dict[int, str]:
    """One character in, one character out, so offsets in the folded text match the original."""
    table: dict[int, str] = {}
    for cp in range(0x00C0, 0x0250):
        ch = chr(cp)
        base = unicodedata.normalize("NFKD", ch)[:1].lower()
        if base.isascii() and base.isalpha():
            table[cp] = base
    for cp in range(0x0300, 0x0370):
        table[cp] = " "
    for src, dst in {
        "’": "'", "‘": "'", "`": "'", "´": "'", "“": '"', "”": '"', "«": '"', "»": '"',
        "–": "-", "—": "-", "‑": "-", "\u00a0": " ", "ß": "s", "æ": "a", "œ": "o", "ø": "o",
        "ë": "e", "ç": "c", "ł": "l", "đ": "d", "ı": "i",
    }.items():
        table[ord(src)] = dst
    return table


_FOLD = _build_fold_table()
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
# A sentence ends at . ! ? or a line break, but not after a one- or two-letter abbreviation
# such as "U.S." or "St." which would otherwise cut sentences in the middle.
# The pattern begins with one character class (the look-behinds follow it) so that the regex engine can
# skip straight to candidate characters instead of trying the look-behinds at every offset.
_SENTENCE_END = re.compile(
    r"[\n.!?](?:(?<=\n)\n*|(?<![A-Z].)(?<!\b[A-Za-z][a-z].)(?<!\b[A-Z]\.[A-Z].)[.!?]*[\"')\]]*\s+)")


def fold(text: str) -> str:
    """Lower-case and strip accents, keeping the length (and so every offset) unchanged."""
    folded = text.lower().translate(_FOLD)
    if len(folded) != len(text):  # a few characters change length when lower-cased (e.g. "İ")
        folded = "".join((c.lower()[:1] or c) for c in text).translate(_FOLD)
    return folded


@dataclass
class Doc:
    """An article prepared once for every layer: original and folded text, tokens and sentences."""

    raw: str
    title_end: int
    folded: str = field(init=False)

    def __post_init__(self) -> None:
        self.folded = fold(self.raw)

    @classmethod
    def from_article(cls, title: str, text: str, max_body: int = MAX_BODY_CHARS) -> Doc:
        title = " ".join(title.split())
        body = text.strip()
        if body.startswith(title) and title:
            body = body[len(title):].lstrip(" .:-\n")
        body = body[:max_body]
        raw = f"{title}\n{body}" if title and body else (title or body)
        return cls(raw=raw, title_end=len(title))

    @property
    def title(self) -> str:
        return self.folded[: self.title_end]

    @cached_property
    def words(self) -> list[str]:
        """The words (tokens) of the folded text."""
        return _TOKEN.findall(self.folded)

    @cached_property
    def spans(self) -> list[tuple[int, int]]:
        """Start and end offsets of each of the words."""
        return [m.span() for m in _TOKEN.finditer(self.folded)]

    @cached_property
    def sentence_starts(self) -> list[int]:
        """Offsets where sentences begin; the title (or, without one, the lead) is sentence 0."""
        starts = [0]
        body_start = self.title_end + 1 if self.title_end else 0
        if 0 < body_start < len(self.raw):
            starts.append(body_start)
        for m in _SENTENCE_END.finditer(self.raw, body_start):
            if m.end() < len(self.raw):
                starts.append(m.end())
        return sorted(set(starts))

    def sentence_of(self, offset: int) -> int:
        """Index of the sentence holding offset: 0 is the title, 1 the lead sentence."""
        return bisect_right(self.sentence_starts, offset) - 1

    def sentence_span(self, index: int) -> tuple[int, int]:
        starts = self.sentence_starts
        end = starts[index + 1] if index + 1 < len(starts) else len(self.raw)
        return starts[index], end

    def in_title(self, offset: int) -> bool:
        return offset < self.title_end

    def zone_weight(self, offset: int) -> float:
        """How much a cue counts by where it sits: headline and lead most, background least."""
        s = self.sentence_of(offset)
        if s == 0:
            return 3.0
        if s == 1:
            return 2.0
        if s <= 3:
            return 1.2
        return 0.8 if s <= 6 else 0.5
