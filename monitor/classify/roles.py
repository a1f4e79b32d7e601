"""The role of one country mention from the words around it: destination, nationality, actor, plain."""

from __future__ import annotations

import re

from monitor.classify.alternation import compile_alternation
from monitor.classify.countries import Mention
from monitor.classify.text import Doc


def _left(source: str) -> re.Pattern[str]:
    """A pattern searched in the words before a mention, compiled as a prefix tree (see alternation.py).

    Such a pattern ends at the mention but may begin anywhere in the window before it, so the engine
    tries it at every offset; as a tree it follows one branch per offset instead of every word listed.
    """
    pattern = re.compile(compile_alternation([source], max_expansion=1024))
    LEFT_SOURCES[pattern] = source
    return pattern


# Each tree-compiled pattern and the plain source it was compiled from (the tests compare the two).
LEFT_SOURCES: dict[re.Pattern[str], str] = {}


_ART = r"(?:the |el |la |los |las |le |les |l'|o |a |os |as |al |au |aux |du |des |do |da )?"
_GAP = r"(?: [\w'.-]+){0,4}?"
# Verbs of movement or deals before "to X" / "in X": strong signs that X receives people.
_DEST_STRONG_LEFT = _left(
    r"(?:(?:deport\w*|remov\w*|sent|send\w*|flown|flew|fly\w*|transfer\w*|relocat\w*|expel\w*|land\w*|arriv\w*|"
    r"touched down|bound|headed|diverted|returned|moved|taken|shipped|deals?|agreements?|pacts?|accords?|"
    r"mou|deportad\w*|enviad\w*|expulsad\w*|trasladad\w*|llegar\w*|llego|aterriz\w*|acuerdo|convenio|"
    r"expuls\w*|renvoy\w*|envoy\w*|arrive\w*|atterri\w*|accord|chegar\w*|chego\w*|pous\w*|enviad\w*|acordo|"
    r"transferid\w*|relocad\w*|deportuar\w*|deportirani\w*|memorand\w*|arrangements?|abgeschob\w*|"
    r"abschieb\w*|landet|gelandet|eingetroffen|angekommen|geschickt|deportiert|uberstellt|abkommen|"
    r"espuls\w*|deportat\w*|atterra\w*|arrivat\w*|inviat\w*|trasferit\w*|accordo)"
    + _GAP + r" (?:to|into|in|at|with|a|al|hacia|en|con|vers|au|aux|avec|para|ao|em|no|na|com|rumo a|ne|u|"
    r"nach|in den|in die|mit|verso|ad|nel|nella|con)"
    # "a flight bound for", "con destino a", "a destination du": where the flight was going.
    r"|(?:bound|headed|destined) for|(?:con|com) destino (?:a|al|ao)|a destination d(?:e|u|es))"
    r" " + _ART + r"$"
)
_DEST_WEAK_LEFT = re.compile(r"(?:^|\W)(?:to|into|a|hacia|vers|au|aux|para|ao|rumo a) " + _ART + r"$")
# Right after X: "X has agreed to receive", "X aceptará", "X deal", "X's government said it will accept".
_DEST_RIGHT = re.compile(
    r"^(?:'s?)?,? ?(?:[\w'-]+ ){0,4}?(?:has |have |had |will |would |is |was |could |says it will |"
    r"said it would |a |ha |va |vai |se |to |do te |ka )?(?:agree\w*|accept\w*|receiv\w*|takes?|taking|took|"
    r"host\w*|welcom\w*|sign\w*|acept\w*|recib\w*|acog\w*|accueill\w*|recev\w*|recoit|recu|aceit\w*|receb\w*|"
    r"acolh\w*|pranoj\w*|pranon\w*|pranoi\w*|prihvat\w*|primi\w*|deal|agreement|pact|accord|mou|"
    r"begins? accepting|started|nimmt|aufzunehmen|aufnehmen|akzeptiert|stimmt|erklart sich bereit|"
    r"accoglie\w*|accetta\w*|riceve\w*|ospit\w*)"
)
_HOLD_LEFT = _left(
    r"(?:held|detained|stuck|stranded|kept|bloqu\w*|retenid\w*|detenid\w*|retidos|detidos|base|camp|via|"
    r"stopover|layover|escala|through)" + _GAP + r" (?:at|in|en|a|au|no|na|em|de|do|in)\s" + _ART + r"$"
)
_PEOPLE_WORDS = (r"men|women|people|persons|individuals|migrants|deportees|detainees|prisoners|immigrants|"
                 r"deportados|migrantes|personas|hombres|expulses|personnes|pessoas|homens|asylum seekers|"
                 r"nationals|citizens")
_PEOPLE = r"(?:" + _PEOPLE_WORDS + r"|\d+)"
_ORIGIN_LEFT = _left(
    r"(?:(?:nationals?|citizens?|natives?|ressortissants?|originaires?|nacionales|ciudadanos|originarios|"
    r"procedentes|oriund\w+|nacionalidad|nacionais|cidadaos|naturais|shtetas\w*|nationality)"
    r"(?: \w+){0,2}? (?:of|from|de|du|des|da|do|d'|del|e|te|i)"
    r"|(?:originally|born|hailing|coming|come|came|fled|fleeing|who are|who were|viennent|vienen|vem)"
    r"(?: \w+)? (?:from|in|de|du|des|da|do)"
    r"|" + _PEOPLE + r"(?: \w+){0,3}? (?:from|de|desde|du|des|da|do|d'|venus d[eu]|vindos d[eoa]))"
    r" " + _ART + r"$|"
    r"(?:from|de|du|des|da|do|d') (?:countries|paises|pays)(?! (?:tiers|terceros|terceiros)\b)(?: \w+){0,3} $"
)
# Right after a country: it is the one sending people away ("Germany deports", "Pakistan expels").
SENDS_RIGHT = re.compile(
    r"(?:'s? [\w -]{0,25})? ?(?:deports?|deported|expels?|expelled|removes|sends|deporta|deportou|expulsa|"
    r"expulse|expulsou|renvoie|abschieb\w*|schiebt)\b"
)
LIST_JOIN = re.compile(r"^ ?(?:,|;|/|and|or|y|e|et|ou|o|dhe|i|und|ni) ?(?:and |or |y |e |et |ou |o |dhe |"
    r"ni )?$")
# "Palau National Congress", "the Ghana National Police": an institution, not people of that nationality.
_NATIONALS_RIGHT = re.compile(r"^(?:-born| nationals?(?! (?:congress|assembly|parliament|council|police|guard|army|"
                              r"security|government|election|bank|airport|museum|park|team|university|day)\b)|"
                              r" citizens?| natives?| passport)")
_ACTOR_RIGHT = re.compile(
    r"^(?:'s)? ?(?:government|authorities|officials?|president|prime minister|foreign|minist\w*|embassy|"
    r"parliament|lawmakers|court|cabinet|spokes\w*|gobierno|gouvernement|governo|autoridades|autorites|"
    r"qeveri\w*|lawyers?|attorneys?|activists?|judges?|mps|legislators?|opposition|police|journalists?|"
    r"rights|civil society|ngos?|media|press|army|military|soldiers|troops|abogad\w*|avocats?|advogad\w*|"
    r"juristes?|deputes|diputad\w*|deputad\w*|activistas?|militants?|ong|ongs|oposicion|opposition|"
    r"parlement|parlamento|senat\w*|congress\w*)\b"
)
_ACTOR_LEFT = _left(
    r"(?:government|gobierno|gouvernement|governo|autoridades|autorites|ministere|ministerio|canciller\w*|"
    r"presiden\w*|embajada|ambassade|embaixada|state|estado|etat|territorio|territoire|pays|pais)\s+$"
)
# A demonym counts as the deportees' nationality when it names people: plural ("Mexicans",
# "venezolanos") or next to a word for people ("Mexican man", "ressortissants ghanéens").
_PEOPLE_RIGHT = re.compile(
    r"^[\s-]*(?:[\w-]+ )?(?:" + _PEOPLE_WORDS + r"|man|woman|national|citizen|deportee|migrant|detainee|"
    r"prisoner|hombre|mujer|ciudadano|nacional|migrante|deportado|homme|ressortissant|cidadao|homem)\b|"
    r"^,? (?:among|entre|parmi)\b"  # "A Cuban among the five deported": one of the group
)
_PEOPLE_WORD_LEFT = _left(r"(?:" + _PEOPLE_WORDS + r"|ressortissants|ciudadanos|cidadaos)(?: \w+)? $")
_NEGATED_LEFT = re.compile(
    # "non-nationals to Equatorial Guinea": foreigners sent there, not a negated country.
    r"(?:\bnon(?![- ](?:nationals?|citizens?|residents?) (?:to|into|in|a|en|vers|para|em|au|aux)\b)|"
    r"\bnot|\bno|\bni|\bpas|\bsans|\bsin|\bsem|\bwithout|\bnao|\bnuk|\bnisu|\bnije|\bnicht|"
    r"\bnone of them|\bnor|\bnone|"
    r"\bninguno|\bninguna|\bnenhum|\bnenhuma|\baucun|\baucune)[- ](?:[\w'-]+ "
    r"){0,3}?(?:from )?$|"
    r"(?:only one|un seul|une seule|solo uno|solo una|apenas um|apenas uma|one of them|one of the \w+)"
    r"(?: [\w'-]+){0,4} $"
)
_NOT_OWN_LEFT = re.compile(
    r"(?:\bnot|\bnon|\bnao|\bpas|\bno)(?:[- ][\w'-]+){0,2} (?:nationals?|citizens?|natives?|from|ressortissants?|"
    r"originaires?|nacionales|ciudadanos|cidadaos|nacionais|originarios)(?: of| de| du| des| da| do| del| d')? "
    + _ART + r"$"
)
_NEGATION = re.compile(r"\b(?:not|never|no|nao|pas|n't|won't|refuses?|rejects?|declined|denies|niega|"
    r"rechaza)\b")
_PLURAL_LEFT = re.compile(r"(?:\b(?:des|les|los|las|os|as|ces|plusieurs|of|de|dozens of|\d+)) $")
_DEPORTEES = re.compile(r"deport|expel|expuls|migra|remov|returne|retorna|repatri|rapatri|flight|vuelo|vol "
    r"|voo|"
                        r"deten|detain|prison|asylum|asilo|asile|refugi|arriv|llega|cheg|landed|aterri|"
                        r"sent|envi")
# "sent on to Togo", "flown home to Mexico": where the receiving state moves people afterwards.
_ONWARD_LEFT = re.compile(r"\b(?:on|onward|onwards|back|home|de volta|de retour|de regreso)(?: to| a| para|"
    r" vers| au)"
                          r" " + _ART + r"$")
# "to the African kingdom of Eswatini", "a la nación centroamericana de Belice", "au royaume d'": the name's
# apposition; the words before it tell the role.
_APPOSITION_NOUNS = (r"(?:kingdom|nation|country|republic|island|islands|archipelago|reino|pais|nacion|republica|"
                     r"isla|islas|archipielago|royaume|pays|republique|ile|iles|archipel|nacao|ilha|ilhas)")
_APPOSITION_ARTICLE = r"\b(?:the|el|la|le|l'|o|a|al|au|do|da|del|du|ao|na|no|en) "
_APPOSITION_LEFT = re.compile(
    _APPOSITION_ARTICLE + r"((?:[\w-]+ ){0,2}?" + _APPOSITION_NOUNS
    + r"(?: [\w-]+){0,2}? (?:of |de |d'|du |da |do |del ))$")
# When the name itself begins with the noun ("kingdom of Eswatini"), only its adjectives stand between.
_APPOSITION_NAME = re.compile(_APPOSITION_NOUNS + r"\b")
_ADJECTIVES_LEFT = re.compile(
    _APPOSITION_ARTICLE + r"((?:(?!(?:to|into|a|al|au|aux|de|of|in|en|vers|para|ao|em|the|el|la|le|and|y|et|e)\b)"
    r"[\w-]+ ){1,2})$")
_ROLE_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("nationality", _ORIGIN_LEFT, "left"),
    ("onward", _ONWARD_LEFT, "left"),
    ("nationality", _NATIONALS_RIGHT, "right"),
    ("plain", _HOLD_LEFT, "left"),
    ("destination", _DEST_STRONG_LEFT, "left"),
    ("destination", _DEST_RIGHT, "right"),
    ("weak_destination", _DEST_WEAK_LEFT, "left"),
    ("actor", _ACTOR_RIGHT, "right"),
)


def mention_role(doc: Doc, m: Mention, prev: tuple[Mention, str] | None) -> tuple[str, str]:
    """The role of one mention and the words that show it.

    Roles: destination, weak_destination, refusing, not_own, nationality, actor, negated, plain; prev is the previous
    mention and its role, so that lists ("nationals of Vietnam, Jamaica and Laos") share a role.
    """
    folded = doc.folded
    s_start, s_end = doc.sentence_span(doc.sentence_of(m.start))
    lo, hi = max(s_start, m.start - 60), min(s_end, m.end + 70)
    left, right = folded[lo:m.start], folded[m.end:hi]
    apposition = (_ADJECTIVES_LEFT if _APPOSITION_NAME.match(folded, m.start) else _APPOSITION_LEFT).search(left)
    if apposition:
        left = left[:apposition.start(1)]
    if _NEGATED_LEFT.search(left):
        # "none of them Ghanaian", "who are not nationals of Kosovo": the people moved are not from
        # there, which is what makes the named country the one receiving them.
        if (m.kind == "demonym" or _NOT_OWN_LEFT.search(left)) and _DEPORTEES.search(folded, s_start, s_end):
            return "not_own", doc.raw[lo:m.end].strip()[-60:]
        return "negated", m.surface
    if m.kind == "demonym":
        role = _demonym_role(m, left, right)
        if role == "nationality" and not _DEPORTEES.search(folded, s_start, s_end):
            role = "plain"  # "Ugandans heard...": the public, not the people moved
        return role, m.surface
    if (prev is not None and prev[1] == "nationality" and prev[0].code != "US"
            and LIST_JOIN.match(folded[prev[0].end:m.start])):
        return "nationality", m.surface
    for role, pattern, side in _ROLE_PATTERNS:
        found = pattern.search(left) if side == "left" else pattern.match(right)
        if found:
            if side == "left":
                return role, doc.raw[lo + found.start():m.end].strip()
            if role == "destination" and _NEGATION.search(found.group()):
                return "refusing", doc.raw[m.start:m.end + found.end()].strip()
            return role, doc.raw[m.start:m.end + found.end()].strip()
    return "plain", m.surface


def _demonym_role(m: Mention, left: str, right: str) -> str:
    if _ACTOR_RIGHT.match(right) or _ACTOR_LEFT.search(left):
        return "actor"
    surface = m.surface.lower()
    plural = surface.endswith("s") and not surface.endswith(("ese", "ss"))
    if (plural and not surface.endswith(("ais", "ois"))) or _PLURAL_LEFT.search(left):
        return "nationality"
    if _PEOPLE_WORD_LEFT.search(left) or _PEOPLE_RIGHT.match(right):
        return "nationality"
    return "plain"
