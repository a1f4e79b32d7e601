"""Find the receiving country and tell it apart from deportees' nationalities, background and senders."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.classify.countries import US, Mention, country_name, find_mentions
from monitor.classify.lexicon import BACKGROUND_PATTERN
from monitor.classify.roles import LIST_JOIN, SENDS_RIGHT, mention_role
from monitor.classify.text import Doc

# States that run their own removal schemes; in this product they are senders, never receivers.
OTHER_SENDERS = frozenset({"GB", "IT", "DK", "AU", "NL", "DE", "CA", "FR", "BE", "AT", "SE", "GR", "ES",
                           "IE"})
_ROLE_WEIGHT = {"not_own": 2.5, "destination": 3.0, "weak_destination": 1.8, "refusing": 2.0, "actor": 1.3,
                "plain": 1.0, "nationality": 0.0, "negated": 0.0, "background": 0.3, "onward": 0.5}
# Roles that say the country takes people in (or refuses to).
RECEIVING_ROLES = frozenset({"destination", "weak_destination", "refusing", "not_own"})
# The first place named in a headline is usually its grammatical subject, the country the news is about.
TITLE_SUBJECT_BONUS = 1.5
# The deportees' own country counts for this much when another country is in the frame: it is then an
# onward return home after third-country reception, not the receiving country.
OWN_COUNTRY_FACTOR = 0.3


@dataclass
class CountryEvidence:
    """What the text says about one country."""

    code: str
    score: float = 0.0
    first: int = 1 << 30
    roles: set[str] = field(default_factory=set)
    cues: list[str] = field(default_factory=list)
    listed_in_lead: bool = False
    title_subject: bool = False
    title_destination: bool = False
    """Named in the headline as where people are sent ("deportation flight to South Sudan")."""
    lead_mentions: int = 0
    unlisted: int = 0

    @property
    def name(self) -> str:
        return country_name(self.code)


@dataclass(frozen=True)
class CountryAnalysis:
    """The receiving country (if one stands out) and the roles of every country mentioned."""

    receiving: CountryEvidence | None
    candidates: tuple[CountryEvidence, ...]
    nationalities: frozenset[str]
    mentions: tuple[Mention, ...]
    reasons: tuple[str, ...]
    ambiguous: bool = False

    @property
    def mentioned_names(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for m in self.mentions:
            if m.code not in (US, "") and m.kind != "person":
                seen.setdefault(country_name(m.code), None)
        return tuple(seen)


def _background_after(doc: Doc) -> tuple[set[int], list[int]]:
    """Sentences (after the lead) that are background, and cue offsets that make what follows background."""
    sentences: set[int] = set()
    offsets: list[int] = []
    for m in BACKGROUND_PATTERN.any.finditer(doc.folded):
        s = doc.sentence_of(m.start())
        if s > 1:
            sentences.add(s)
        offsets.append(m.start())
    return sentences, offsets


def _roles(doc: Doc, mentions: list[Mention]) -> list[tuple[str, str]]:
    """Each mention's role and cue; a coordinated list shares the role of its member with a verb
    ("Uganda, Eswatini and Ghana have refused", "sent to Eswatini, Ghana and Rwanda")."""
    roles: list[tuple[str, str]] = []
    prev: tuple[Mention, str] | None = None
    for i, m in enumerate(mentions):
        if m.kind == "person":
            role = ("actor", m.surface)
        elif m.code == US and not _in_list(doc, mentions, i):
            # The United States' own role is never scored; it matters only when passed along a list.
            role = ("plain", m.surface)
        else:
            role = mention_role(doc, m, prev)
        roles.append(role)
        prev = (m, role[0])
    shared = ("destination", "weak_destination", "refusing")
    for order in (range(len(mentions) - 2, -1, -1), range(1, len(mentions))):
        for i in order:
            j = i + 1 if order.step < 0 else i - 1
            if roles[i][0] == "plain" and roles[j][0] in shared and mentions[j].kind == "country" and \
                    _joined(doc, mentions[min(i, j)], mentions[max(i, j)]):
                roles[i] = (roles[j][0], roles[i][1])
    return roles


def _joined(doc: Doc, first: Mention, second: Mention) -> bool:
    return bool(LIST_JOIN.match(doc.folded[first.end:second.start]))


def _in_list(doc: Doc, mentions: list[Mention], i: int) -> bool:
    """True when mention i is joined to the one before or after it ("the U.S. and Mexico")."""
    return (i > 0 and _joined(doc, mentions[i - 1], mentions[i])) or (
        i + 1 < len(mentions) and _joined(doc, mentions[i], mentions[i + 1]))


def analyse_countries(doc: Doc) -> CountryAnalysis:
    """Score each country mentioned by position and role and pick the receiving one."""
    mentions = find_mentions(doc)
    evidence: dict[str, CountryEvidence] = {}
    nationalities: set[str] = set()
    bg_sentences, bg_offsets = _background_after(doc)
    subject_seen = False
    for idx, (m, (role, cue)) in enumerate(zip(mentions, _roles(doc, mentions), strict=True)):
        if m.code in (US, ""):
            continue
        listed = _listed(doc, mentions, idx)
        ev = evidence.setdefault(m.code, CountryEvidence(m.code))
        ev.first = min(ev.first, m.start)
        sentence = doc.sentence_of(m.start)
        if role == "nationality":
            nationalities.add(m.code)
        elif sentence in bg_sentences or _after_cue(doc, m, bg_offsets):
            role = "background"
        weight = doc.zone_weight(m.start) * _ROLE_WEIGHT[role]
        if not subject_seen and doc.in_title(m.start) and role not in ("nationality", "negated"):
            weight *= TITLE_SUBJECT_BONUS
            subject_seen = True
            # "Pakistan deports Afghans": a subject that sends people away is not receiving them.
            ev.title_subject = not SENDS_RIGHT.match(doc.folded, m.end, m.end + 40)
        ev.roles.add(role)
        ev.title_destination |= role == "destination" and doc.in_title(m.start)
        ev.score += weight
        if sentence <= 1 and role not in ("nationality", "negated", "background"):
            ev.lead_mentions += 1
            ev.listed_in_lead |= listed
        ev.unlisted += 0 if listed else 1
        if role in RECEIVING_ROLES and len(ev.cues) < 2:
            ev.cues.append(" ".join(cue.split()[-8:]))
    return _decide(evidence, nationalities, mentions)


def _listed(doc: Doc, mentions: list[Mention], idx: int) -> bool:
    """True when the mention is coordinated with another country ("Panama and Costa Rica")."""
    m = mentions[idx]
    for j in (idx - 1, idx + 1):
        if 0 <= j < len(mentions):
            other = mentions[j]
            if other.code in (m.code, US, "") or other.kind in ("demonym", "person"):
                continue
            lo, hi = (other.end, m.start) if j < idx else (m.end, other.start)
            if LIST_JOIN.match(doc.folded[lo:hi]):
                return True
    return False


def _after_cue(doc: Doc, m: Mention, offsets: list[int]) -> bool:
    s_start, _ = doc.sentence_span(doc.sentence_of(m.start))
    return any(s_start <= o < m.start and m.start - o < 60 for o in offsets)


def _decide(evidence: dict[str, CountryEvidence], nationalities: set[str],
            mentions: list[Mention]) -> CountryAnalysis:
    candidates = [ev for ev in evidence.values() if ev.code not in OTHER_SENDERS and ev.score > 0]
    foreign = [ev for ev in candidates if ev.code not in nationalities]
    for ev in candidates:
        # One of a mixed group may be a national of the country the headline says they were sent to.
        mixed = ev.title_destination and bool(nationalities - {ev.code, US})
        if ev.code in nationalities and foreign and not mixed:
            ev.score *= OWN_COUNTRY_FACTOR
    candidates.sort(key=lambda ev: (-ev.score, ev.first))
    top = candidates[0] if candidates else None
    receiving = top if top is not None and _strong_enough(top, len(candidates)) else None
    ambiguous = receiving is not None and _ambiguous(
        receiving, [c for c in candidates[1:] if c.code not in nationalities])
    reasons: list[str] = []
    if receiving is not None:
        role = "destination" if "destination" in receiving.roles else sorted(receiving.roles)[0]
        cue = f' ("{receiving.cues[0]}")' if receiving.cues else ""
        reasons.append(f"receiving country: {receiving.name} as {role}{cue}, score {receiving.score:.1f}")
    if nationalities:
        names = ", ".join(sorted(country_name(c) for c in nationalities))
        reasons.append(f"deportee nationalities: {names}")
    for ev in [c for c in candidates if c is not receiving][:2]:
        reasons.append(f"also mentioned: {ev.name} ({'/'.join(sorted(ev.roles))}, {ev.score:.1f})")
    return CountryAnalysis(receiving, tuple(candidates), frozenset(nationalities), tuple(mentions),
                           tuple(reasons), ambiguous)


def _strong_enough(ev: CountryEvidence, n_candidates: int) -> bool:
    if ev.roles & RECEIVING_ROLES or n_candidates == 1:
        return ev.score >= 1.0
    return ev.score >= 2.5


def _ambiguous(receiving: CountryEvidence, others: list[CountryEvidence]) -> bool:
    """Several countries reported together ("Panama and Costa Rica", a list of destinations)."""
    if receiving.listed_in_lead:
        return any(o.listed_in_lead and o.score >= 0.4 * receiving.score for o in others)
    if receiving.lead_mentions == 0 and receiving.unlisted == 0:
        return True
    close = [o for o in others if "destination" in o.roles and o.score >= 0.8 * receiving.score]
    return bool(close) and receiving.lead_mentions == 0
