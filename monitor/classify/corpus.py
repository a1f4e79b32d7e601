"""The labelled corpus: load and validate JSONL rows, and split them into train and held-out sides."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from monitor.types import Stage

CORPUS_FILES = ("positives.jsonl", "negatives.jsonl")
HELD_OUT_PERCENT = 25
_REQUIRED = ("id", "title", "text", "label")
_LABELS = ("positive", "negative")


class CorpusError(ValueError):
    """A corpus or label file that cannot be used, with the file and line at fault."""


@dataclass(frozen=True)
class LabelRow:
    """One labelled article: a corpus row or an analyst's label."""

    id: str
    title: str
    text: str
    label: str
    language: str | None = None
    receiving_country: str | None = None
    stage: Stage | None = None
    deportee_count: int | None = None
    development: str | None = None
    hard_negative: bool = False
    negative_type: str | None = None
    published: date | None = None
    outlet: str | None = None

    @property
    def relevant(self) -> bool:
        return self.label == "positive"

    @property
    def split_key(self) -> str:
        """Positives split by development so one event never sits on both sides; negatives by id."""
        return self.development if self.relevant and self.development else self.id


def default_corpus_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "corpus"


def is_held_out(row: LabelRow, percent: int = HELD_OUT_PERCENT) -> bool:
    digest = hashlib.sha256(row.split_key.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def split(rows: Iterable[LabelRow]) -> tuple[list[LabelRow], list[LabelRow]]:
    """(train, held_out), deterministic: the same rows always land on the same side."""
    train: list[LabelRow] = []
    held: list[LabelRow] = []
    for row in rows:
        (held if is_held_out(row) else train).append(row)
    return train, held


def load_corpus(corpus_dir: Path | None = None) -> list[LabelRow]:
    """Every row of the corpus files found in corpus_dir (missing files are skipped)."""
    base = corpus_dir or default_corpus_dir()
    rows: list[LabelRow] = []
    seen: dict[str, str] = {}
    for name in CORPUS_FILES:
        path = base / name
        if not path.exists():
            continue
        for lineno, row in read_rows(path):
            where = f"{path}:{lineno}"
            if row.id in seen:
                raise CorpusError(f"{where}: duplicate id {row.id!r} (first at {seen[row.id]})")
            seen[row.id] = where
            rows.append(row)
    return rows


def read_rows(path: Path, prepare: Callable[[int, Any], Any] | None = None) -> Iterator[tuple[int, LabelRow]]:
    """(line number, row) for each non-blank line of a JSONL file; CorpusError names the bad line.

    `prepare(line number, decoded object)` may fill in defaults before the row is validated.
    """
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as e:
                raise CorpusError(f"{path}:{lineno}: invalid JSON: {e.msg}") from e
            try:
                yield lineno, parse_row(prepare(lineno, data) if prepare else data)
            except (ValueError, TypeError) as e:
                raise CorpusError(f"{path}:{lineno}: {e}") from e


def parse_row(data: Any) -> LabelRow:
    """A validated LabelRow from one decoded JSON object."""
    if not isinstance(data, dict):
        raise ValueError("a row must be a JSON object")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ValueError(f"missing keys: {', '.join(missing)}")
    for key in ("id", "title", "text", "label"):
        if not isinstance(data[key], str):
            raise ValueError(f"{key} must be a string")
    if data["label"] not in _LABELS:
        raise ValueError(f"label must be one of {', '.join(_LABELS)}, not {data['label']!r}")
    stage = data.get("stage")
    if stage is not None:
        try:
            stage = Stage(stage)
        except ValueError:
            raise ValueError(f"unknown stage {stage!r}") from None
    if data["label"] == "negative" and stage is not None:
        raise ValueError("a negative row cannot have a stage")
    count = data.get("deportee_count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
        raise ValueError(f"deportee_count must be a non-negative integer or null, not {count!r}")
    published = data.get("published")
    return LabelRow(
        id=data["id"], title=data["title"], text=data["text"], label=data["label"],
        language=_opt_str(data, "language"), receiving_country=_opt_str(data, "receiving_country"),
        stage=stage, deportee_count=count, development=_opt_str(data, "development"),
        hard_negative=bool(data.get("hard_negative", False)), negative_type=_opt_str(data, "negative_type"),
        published=date.fromisoformat(published) if published else None, outlet=_opt_str(data, "outlet"),
    )


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} must be a string or null")
    return value or None
