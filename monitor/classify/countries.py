"""Gazetteer: country names (en/es/fr/pt/de/it/sq), aliases, capitals and demonyms to ISO 3166-1 alpha-2."""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from monitor.classify.countries_data import (
    ALIASES,
    CITIES,
    DEMONYMS,
    NAME_OVERRIDES,
    PERSONS,
    REGIONS,
    SKIP_NAMES,
)
from monitor.classify.places_data import CAPITALS, DETENTION_SITES
from monitor.classify.text import Doc, fold

US = "US"
KINDS = ("country", "city", "demonym", "person")
_TRANSLATION_LANGS = ("es", "fr", "pt", "de", "it", "sq", "hr")
_MAX_NGRAM = 5
_WORD = re.compile(r"[a-z0-9]+")
# "US" and Croatian "SAD" name the United States only when written in capitals ("us", "sad" are words).
_UPPER_ONLY = frozenset({"us", "sad"})
# Country names that are also ordinary words, recognised only when capitalised ("Gana" is Ghana in
# Spanish and Portuguese, "gana" means "wins").
_CAPITALISED_ONLY = {"gana": "GH", "chine": "CN", "mali": "ML", "chad": "TD"}
# Country names that are also given names ("Chad Wolf"): not a country when a surname follows.
_GIVEN_NAMES = frozenset({"chad"})


@dataclass(frozen=True)
class Mention:
    """A place or nationality found in an article."""

    code: str
    kind: str  # one of KINDS
    surface: str
    start: int
    end: int


def _key(name: str) -> str:
    return " ".join(_WORD.findall(fold(name)))


def _official_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for c in pycountry.countries:
        name = NAME_OVERRIDES.get(c.alpha_2) or getattr(c, "common_name", None) or c.name
        names[c.alpha_2] = name
    names.update({k: v for k, v in NAME_OVERRIDES.items() if k not in names})
    return names


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, tuple[str, str]], dict[str, int]]:
    names = _official_names()
    entries: dict[str, tuple[str, str]] = {}

    def add(name: str, code: str, kind: str) -> None:
        key = _key(name)
        if key and key not in SKIP_NAMES and key not in entries:
            entries[key] = (code, kind)

    for region in REGIONS:
        add(region, "", "region")
    translations = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang],
                                        fallback=True) for lang in _TRANSLATION_LANGS]
    for code, aliases in ALIASES.items():
        for alias in aliases:
            add(alias, code, "country")
    for c in pycountry.countries:
        english = [names[c.alpha_2], c.name, getattr(c, "common_name", ""), getattr(c, "official_name", "")]
        for name in english:
            if name:
                add(name, c.alpha_2, "country")
                add(name.split(",")[0], c.alpha_2, "country")
        for tr in translations:
            for name in (c.name, getattr(c, "common_name", "")):
                local = tr.gettext(name) if name else ""
                if local and local != name:
                    add(local, c.alpha_2, "country")
                    add(local.split(",")[0], c.alpha_2, "country")
    for table in (CITIES, DETENTION_SITES, CAPITALS):
        for code, cities in table.items():
            for city in cities:
                add(city, code, "city")
    for code, persons in PERSONS.items():
        for person in persons:
            add(person, code, "person")
    for code, forms in DEMONYMS.items():
        for form in forms.split():
            add(form.replace("_", " "), code, "demonym")
    # For each first word of a name, how many words the longest name beginning with it has.
    first_tokens: dict[str, int] = {}
    for key in entries:
        words = key.split(" ")
        first_tokens[words[0]] = max(first_tokens.get(words[0], 0), len(words))
    return names, entries, first_tokens


@lru_cache(maxsize=1)
def _continuations() -> dict[str, frozenset[str]]:
    """For the first words of every name longer than them ("el", "south", "united states of"), the words
    that come next in some name."""
    follow: dict[str, set[str]] = {}
    for words in (key.split(" ") for key in _tables()[1]):
        for k in range(1, len(words)):
            follow.setdefault(" ".join(words[:k]), set()).add(words[k])
    return {head: frozenset(nexts) for head, nexts in follow.items()}


@lru_cache(maxsize=1)
def _starters() -> frozenset[str]:
    """Every word a mention can begin with: a name's first word, its plural (see find_mentions), or a
    word read only in capitals."""
    first_tokens = _tables()[2]
    plurals = {c for f in first_tokens for c in (f + "s", f + "es") if _singular(c) in first_tokens}
    return frozenset({*first_tokens, *plurals, *_UPPER_ONLY, *_CAPITALISED_ONLY})


def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code for a country name, alias, capital or demonym in any supported language."""
    _, entries, _ = _tables()
    key = _key(name)
    if len(key) == 2 and key.upper() in _tables()[0]:
        return key.upper()
    hit = entries.get(key) or entries.get(_singular(key))
    return hit[0] if hit else _CAPITALISED_ONLY.get(key)


def country_name(code: str) -> str:
    """English short name as used in the corpus ("Kosovo", "Eswatini", "South Sudan")."""
    names = _tables()[0]
    try:
        return names[code.upper()]
    except KeyError:
        raise KeyError(f"unknown country code {code!r}") from None


@lru_cache(maxsize=1 << 16)
def _singular(word: str) -> str:
    if word.endswith("es") and len(word) > 5:
        return word[:-2]
    if word.endswith("s") and len(word) > 4:
        return word[:-1]
    return word


def _plural_demonym(entries: dict[str, tuple[str, str]], words: list[str]) -> tuple[str, str] | None:
    """Demonyms are listed in the singular; a plural ("Mexicans", "mexicanos", "guineens") maps back."""
    head, last = words[:-1], words[-1]
    once = _singular(last)
    for cand in (once, _singular(once)):
        if cand != last:
            entry = entries.get(" ".join([*head, cand]))
            if entry is not None and entry[1] == "demonym":
                return entry
    return None


@lru_cache(maxsize=1 << 16)
def _plural_name(name: str) -> tuple[str, str] | None:
    """_plural_demonym for a name of space-separated folded words, remembered."""
    return _plural_demonym(_tables()[1], name.split(" "))


def find_mentions(doc: Doc) -> list[Mention]:
    """Every country, capital and nationality word in the article, longest match first."""
    _, entries, first_tokens = _tables()
    words, spans, raw = doc.words, doc.spans, doc.raw
    starters, continuations = _starters(), _continuations()
    found: list[Mention] = []
    n = len(words)
    free = 0  # the first word not inside a mention already found
    for i in [k for k, w in enumerate(words) if w in starters]:
        if i < free:
            continue
        tok = words[i]
        start, end = spans[i]
        if tok in _UPPER_ONLY and raw[start:end].isupper():
            found.append(Mention(US, "country", raw[start:end], start, end))
            continue
        if tok in _CAPITALISED_ONLY and raw[start].isupper() and not (
                tok in _GIVEN_NAMES and i + 1 < n and raw[spans[i + 1][0]].isupper()
                and raw[end:spans[i + 1][0]] == " "):
            found.append(Mention(_CAPITALISED_ONLY[tok], "country", raw[start:end], start, end))
            continue
        # Only the last word of a name is ever plural: a longer name must begin with the word itself.
        longest = first_tokens.get(tok) or (1 if _singular(tok) in first_tokens else 0)
        if not longest:
            continue
        hit = None
        name = tok
        for size in range(1, min(longest, _MAX_NGRAM, n - i) + 1):
            if size > 1:
                follow = continuations.get(name)
                nxt = words[i + size - 1]
                if follow is None or (nxt not in follow and _singular(nxt) not in follow
                                      and _singular(_singular(nxt)) not in follow):
                    break  # no name goes on like this (a plural only ends one): longer sizes cannot match either
                name = f"{name} {nxt}"
            entry = entries.get(name)
            if entry is None:
                entry = _plural_name(name)
            if entry is not None:
                hit = (size, entry)  # the longest match wins
        if hit is None:
            continue
        size, (code, kind) = hit
        end = spans[i + size - 1][1]
        found.append(Mention(code, kind, raw[start:end], start, end))
        free = i + size
    return found


@lru_cache(maxsize=1 << 16)
def demonym_code(word: str) -> str | None:
    """The country of a folded nationality word (singular or plural), e.g. "venezolanos" → "VE"."""
    _, entries, _ = _tables()
    entry = _plural_demonym(entries, [word]) or entries.get(word)
    return entry[0] if entry is not None and entry[1] == "demonym" else None


@lru_cache(maxsize=1 << 16)
def is_demonym(word: str) -> bool:
    """True when a folded word (singular or plural) is a nationality word, e.g. "venezuelans"."""
    return demonym_code(word) is not None
