"""A large alternation of cue fragments compiled as a prefix tree, with the plain alternation's meaning.

Python's regex engine tries the alternatives of ``a|b|c`` one after another at every position. With a
thousand cue fragments that is a thousand attempts at every word of an article. Here the fragments are
first rewritten into alternatives that begin with plain text (``(?:deport|remov)\\w* x`` becomes
``deport\\w* x`` and ``remov\\w* x``), and alternatives sharing a beginning are nested under it
(``de(?:port\\w* x|tain\\w*)``), so at each word the engine follows one path of the tree.

The rewrite keeps which alternative matches where: alternatives that can both match at one position
keep their order, and only alternatives whose plain beginnings differ (which can never both match at
one position) are regrouped. Named groups would defeat the engine's quick rejection of an alternative by
its first character, so a match's category is told afterwards (``CuePattern``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

_QUANTIFIERS = "?*+{"
_SPECIAL = set("\\()[]{}?*+|.^$")
# A fragment is rewritten into at most this many alternatives; beyond it, it is kept whole.
_MAX_EXPANSION = 64


@dataclass(frozen=True)
class _Alt:
    prefix: str  # plain text every match of this alternative begins with ("" when none)
    rest: str  # the regex after the prefix


def _structure(source: str) -> Iterator[tuple[int, str, int]]:
    """Each character of a regex outside escapes and character classes, with the group depth it sits at
    (a closing parenthesis at the depth it returns to)."""
    depth, i, in_class = 0, 0, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if source[i + 1:i + 2] == "]":
                i += 1
        else:
            depth -= ch == ")"
            yield i, ch, depth
            depth += ch == "("
        i += 1


def _closing(source: str, start: int) -> int:
    """Index of the parenthesis closing the group opened at source[start]; -1 when unbalanced."""
    return next((start + i for i, ch, depth in _structure(source[start:]) if ch == ")" and depth == 0), -1)


def _top_split(source: str) -> list[str]:
    """The top-level alternatives of a regex (split at ``|`` outside groups and classes)."""
    cuts = [i for i, ch, depth in _structure(source) if ch == "|" and depth == 0]
    return [source[a + 1:b] for a, b in zip([-1, *cuts], [*cuts, len(source)], strict=True)]


def _expand(fragment: str) -> list[str]:
    """Equivalent alternatives, in order, with a leading group or character class distributed."""
    if fragment.startswith("(?:"):
        end = _closing(fragment, 0)
        if end > 0:
            body, after = fragment[3:end], fragment[end + 1:]
            if after[:1] == "?" and after[1:2] not in ("?", "+"):  # optional group, tried first
                tail = after[1:]
                return [*(alt + tail for alt in _top_split(body)), tail]
            if after[:1] not in tuple(_QUANTIFIERS):
                return [alt + after for alt in _top_split(body)]
    if fragment.startswith("[") and not fragment.startswith("[^"):
        end = fragment.find("]", 1)
        letters = fragment[1:end] if end > 0 else ""
        if letters and all(c.isalnum() or c in " '" for c in letters) \
                and fragment[end + 1:end + 2] not in tuple(_QUANTIFIERS):
            return [c + fragment[end + 1:] for c in letters]
    return [fragment]


def _plain_prefix(fragment: str) -> tuple[str, str]:
    """Split a fragment into its plain leading text and the regex after it."""
    i = 0
    while i < len(fragment) and fragment[i] not in _SPECIAL:
        i += 1
    if i < len(fragment) and fragment[i] in _QUANTIFIERS and i > 0:
        i -= 1  # the last plain character is repeated or optional: it belongs to the rest
    return fragment[:i], fragment[i:]


def _flatten(fragment: str) -> list[str]:
    parts = _top_split(fragment)
    if len(parts) > 1:
        return [alt for part in parts for alt in _flatten(part)]
    expanded = _expand(fragment)
    if expanded == [fragment]:
        return [fragment]
    return [alt for part in expanded for alt in _flatten(part)]


# A look-behind for plain text, e.g. ``(?<!los )``.
_PLAIN_LOOKBEHIND = re.compile(r"\(\?<[!=][^\\()\[\]{}?*+|.^$]+\)")


def _leading_lookbehinds(fragment: str) -> tuple[list[str], str]:
    """The plain-text look-behinds a fragment (without top-level alternatives) begins with, and the rest."""
    behind: list[str] = []
    if len(_top_split(fragment)) == 1:
        while found := _PLAIN_LOOKBEHIND.match(fragment):
            behind.append(found.group())
            fragment = fragment[found.end():]
    return behind, fragment


def _after_prefix(behind: list[str], prefix: str, rest: str) -> _Alt:
    """Look-behinds moved after the plain prefix, so the alternative begins with plain text.

    ``(?<!los )otros`` matches where ``otros(?<!los otros)`` does; the second form lets the engine
    reject the alternative by its first character.
    """
    if not prefix:
        return _Alt("", "".join(behind) + rest)
    return _Alt(prefix, "".join(f"{lb[:-1]}{prefix})" for lb in behind) + rest)


def _alternatives(fragment: str, max_expansion: int = _MAX_EXPANSION) -> list[_Alt]:
    behind, body = _leading_lookbehinds(fragment)
    parts = _flatten(body)
    if len(parts) > max_expansion:
        return [_Alt(*_plain_prefix(fragment))]
    return [_after_prefix(behind, *_plain_prefix(part)) for part in parts]


def _next_chars(rest: str) -> frozenset[str] | None:
    """The characters a match of rest can begin with; None when any (or an empty match) is possible."""
    while rest.startswith(("(?=", "(?!", "(?<=", "(?<!")):  # lookarounds consume nothing
        end = _closing(rest, 0)
        if end < 0:
            return None
        rest = rest[end + 1:]
    chars: set[str] = set()
    for part in _flatten(rest):
        prefix, after = _plain_prefix(part)
        if prefix:
            chars.add(prefix[0])
        elif after.startswith("\\d"):
            chars.update("0123456789")
        elif after.startswith("\\n"):
            chars.add("\n")
        else:
            return None
    return frozenset(chars)


def _leaf(alt: _Alt, depth: int) -> str:
    return f"{re.escape(alt.prefix[depth:])}(?:{alt.rest})" if alt.rest else re.escape(alt.prefix[depth:])


def _common_prefix(words: Iterable[str]) -> str:
    words = list(words)
    first, last = min(words), max(words)
    i = 0
    while i < len(first) and first[i] == last[i]:
        i += 1
    return first[:i]


def _tree(alts: Sequence[_Alt], depth: int) -> str:
    """Alternation of alts (all sharing prefix[:depth]), nested by their next plain character.

    An alternative whose plain prefix ends here may match where the nested ones do, so it keeps its
    place among those it can meet: the ones before it that begin with a character it can begin with are
    emitted first, then it, then the ones after. The others cannot match where it does, whatever order.
    """
    out: list[str] = []
    pending: dict[str, list[_Alt]] = {}

    def flush(chars: frozenset[str] | None = None) -> None:
        for key in [k for k in pending if chars is None or k in chars]:
            group = pending.pop(key)
            if len(group) == 1:
                out.append(_leaf(group[0], depth))
                continue
            shared = _common_prefix(a.prefix for a in group)
            inner = _tree(group, len(shared))
            out.append(f"{re.escape(shared[depth:])}(?:{inner})")

    for alt in alts:
        if len(alt.prefix) == depth:
            flush(_next_chars(alt.rest))
            out.append(_leaf(alt, depth))
        else:
            pending.setdefault(alt.prefix[depth], []).append(alt)
    flush()
    return "|".join(out)


def compile_alternation(fragments: Sequence[str], max_expansion: int = _MAX_EXPANSION) -> str:
    """Regex source matching what ``|``-joining the fragments (in order) would match, at the same places.

    A fragment is rewritten into at most max_expansion alternatives; beyond that it is kept whole.
    """
    return _tree([alt for f in fragments for alt in _alternatives(f, max_expansion)], 0)


@dataclass(frozen=True)
class CuePattern:
    """Cue fragments by category: one pattern finds every cue, then the category is told by re-matching.

    Category patterns are tried in order at the start of a match; the first that matches there is the
    category whose fragment the single pattern matched (all of a category's fragments come before the
    next category's in the single pattern).
    """

    any: re.Pattern[str]
    # Each category's pattern, and the characters a match of it can begin with (None: any).
    categories: tuple[tuple[str, re.Pattern[str], frozenset[str] | None], ...]

    def category_at(self, text: str, start: int, end: int) -> str:
        first = text[start:start + 1]
        for name, pattern, chars in self.categories:
            if (chars is None or first in chars) and pattern.match(text, start, end):
                return name
        raise AssertionError(f"no category matches at {start}: {text[start:start + 40]!r}")


def compile_cues(groups: Mapping[str, Sequence[str]], before: str = "", after: str = "") -> CuePattern:
    """Compile categories of fragments; before/after wrap every fragment (e.g. word-boundary checks)."""
    def build(tree: str) -> re.Pattern[str]:
        return re.compile(f"{before}(?:{tree}){after}")

    every = [f for fragments in groups.values() for f in fragments]
    trees = {name: compile_alternation(fragments) for name, fragments in groups.items()}
    return CuePattern(build(compile_alternation(every)),
                      tuple((name, build(tree), _next_chars(tree)) for name, tree in trees.items()))
