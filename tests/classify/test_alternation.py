"""The cue prefix tree matches exactly what the plain alternation of its fragments matches."""

from __future__ import annotations

import random
import re

import pytest

from monitor.classify import lexicon, roles, stage_cues
from monitor.classify.alternation import _alternatives, compile_alternation
from monitor.classify.corpus import load_corpus
from monitor.classify.lexicon import compile_groups, scan
from monitor.classify.text import Doc

BOUNDS = (r"(?<![a-z0-9])", r"(?![a-z0-9])")


def plain(groups: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    """The reference: one named group per category, fragments longest first, tried in order."""
    parts = []
    for name, fragments in groups.items():
        body = "|".join(f"(?:{f})" for f in sorted(fragments, key=len, reverse=True))
        parts.append(f"(?P<{name}>{body})")
    return re.compile(BOUNDS[0] + "(?:" + "|".join(parts) + ")" + BOUNDS[1])


def same_hits(groups: dict[str, tuple[str, ...]], texts: list[str]) -> None:
    reference, tree = plain(groups), compile_groups(groups)
    for text in texts:
        expected = [(m.lastgroup, m.start(), m.end()) for m in reference.finditer(text)]
        found = [(h.category, h.start, h.end) for h in scan(tree, text)]
        assert found == expected, text


TRICKY = {
    # A fragment that is a plain prefix of another, in an earlier category: order decides.
    "short": ("third", "deport", "de"),
    "long": ("third countr(?:y|ies)", "deport\\w*", "deportees? from", "(?:the )?deportation"),
    # Leading groups, optional groups, classes, lookbehinds, digits and \w at the start.
    "mixed": ("(?:sen[dt]|remov)\\w* (?:\\w+ ){0,3}to", "[st]ent back", "(?<!not )accepted", "\\d+ more",
              "(?:\\d+|\\w+) others", "\\w+ nouveaux", "(?:^|\\n)(?:(?!said)[\\w'-]+ ){1,3}to take",
              "otr[oa]s? (?:\\d+|dos)", "inks?", "up to \\d+", "(?<!los )(?<!las )(?:otros|otras) dos",
              "(?<!protection )requests?", "(?<!be )\\w+ more"),
    "later": ("deported", "third", "to take", "sent"),
}

WORDS = ("third", "country", "countries", "deport", "deported", "deportees", "from", "the", "deportation",
         "sent", "send", "removed", "to", "a", "stent", "tent", "back", "not", "accepted", "12", "more",
         "others", "five", "nouveaux", "otros", "otra", "dos", "ink", "inks", "up", "said", "take", "de", "\n",
         "los", "las", "otras", "protection", "request", "requests", "be")


def test_tricky_fragments_match_like_the_plain_alternation() -> None:
    rng = random.Random(7)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 14))) for _ in range(3000)]
    texts += ["third countries", "deportees from the third", "sent back", "not accepted",
              "12 more", "five others", "said five to take", "ok to take", "inks", "up to 12"]
    same_hits(TRICKY, texts)


def test_leading_groups_are_distributed_into_plain_prefixes() -> None:
    alts = _alternatives("(?:deport|remov)\\w* to")
    assert [(a.prefix, a.rest) for a in alts] == [("deport", "\\w* to"), ("remov", "\\w* to")]
    optional = _alternatives("(?:the )?deportation")
    assert [(a.prefix, a.rest) for a in optional] == [("the deportation", ""), ("deportation", "")]
    # The last plain letter before a quantifier belongs to the rest.
    assert [(a.prefix, a.rest) for a in _alternatives("deportees?")] == [("deportee", "s?")]
    # A plain look-behind moves after the plain beginning, which then leads the alternative.
    behind = _alternatives("(?<!los )(?<!las )otros")
    assert [(a.prefix, a.rest) for a in behind] == [("otros", "(?<!los otros)(?<!las otros)")]
    # A shared beginning is written once.
    assert compile_alternation(["deport\\w*", "detain\\w*"]).startswith("de(?:")


@pytest.mark.parametrize("name", ["topic", "stage"])
def test_shipped_cue_tables_match_like_the_plain_alternation(name: str) -> None:
    groups = {
        "topic": {"third_country": lexicon.THIRD_COUNTRY, "safe_third": lexicon.SAFE_THIRD,
                  "third_country_weak": lexicon.THIRD_COUNTRY_WEAK, "ice_flight": lexicon.ICE_FLIGHT,
                  "us_actor": lexicon.US_ACTORS, **{f"neg_{k}": v for k, v in lexicon.NEGATIVE.items()},
                  "deportation": lexicon.DEPORTATION},
        "stage": stage_cues.STAGE_CUES,
    }[name]
    texts = [Doc.from_article(row.title, row.text).folded for row in load_corpus(None)]
    same_hits(dict(groups), texts)


def test_role_patterns_compiled_as_trees_find_the_same_spans() -> None:
    windows = []
    for row in load_corpus(None):
        folded = Doc.from_article(row.title, row.text).folded
        windows += [folded[max(0, m.start() - 60):m.start()] for m in re.finditer(r"\w+", folded)]
    assert len(windows) > 10000 and len(roles.LEFT_SOURCES) == 5
    for tree, source in roles.LEFT_SOURCES.items():
        plain_form = re.compile(source)
        assert tree.pattern != plain_form.pattern
        for window in windows:
            a, b = plain_form.search(window), tree.search(window)
            assert (a and a.span()) == (b and b.span()), (source[:40], window)
