"""Corpus loading, validation with file and line, and the deterministic development-grouped split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.classify.corpus import CorpusError, LabelRow, is_held_out, load_corpus, split
from monitor.types import Stage


def _row(**over: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": "pos-0001", "title": "Kosovo agrees", "text": "", "language": "en", "label": "positive",
        "receiving_country": "Kosovo", "stage": "agreement", "deportee_count": 50,
        "development": "kosovo-agreement-2025-06", "hard_negative": False, "negative_type": None,
        "published": "2025-06-11", "outlet": "AP",
    }
    row.update(over)
    return row


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_loads_both_files(tmp_path: Path) -> None:
    _write(tmp_path / "positives.jsonl", [_row()])
    _write(tmp_path / "negatives.jsonl", [_row(id="neg-0001", label="negative", stage=None,
                                                receiving_country=None, development=None,
                                                hard_negative=True, negative_type="plain")])
    rows = load_corpus(tmp_path)
    assert [r.id for r in rows] == ["pos-0001", "neg-0001"]
    assert rows[0].stage is Stage.AGREEMENT and rows[0].deportee_count == 50 and rows[0].relevant
    assert rows[1].hard_negative and not rows[1].relevant


@pytest.mark.parametrize(("bad", "message"), [
    ({"label": "maybe"}, "label must be one of"),
    ({"stage": "landed"}, "unknown stage 'landed'"),
    ({"deportee_count": "fifty"}, "deportee_count must be"),
    ({"title": None}, "title must be a string"),
    ({"label": "negative"}, "a negative row cannot have a stage"),
    ({"published": "June 2025"}, "Invalid isoformat"),
])
def test_invalid_rows_name_file_and_line(tmp_path: Path, bad: dict[str, object], message: str) -> None:
    path = tmp_path / "positives.jsonl"
    _write(path, [_row(), _row(id="pos-0002", **bad)])
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path)
    assert f"{path}:2:" in str(err.value)
    assert message in str(err.value)


def test_bad_json_and_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "positives.jsonl"
    path.write_text(json.dumps(_row()) + "\n\n{not json\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"positives.jsonl:3: invalid JSON"):
        load_corpus(tmp_path)
    _write(path, [_row(), _row()])
    with pytest.raises(CorpusError, match=r"positives.jsonl:2: duplicate id 'pos-0001'"):
        load_corpus(tmp_path)


def _pos(i: int, development: str) -> LabelRow:
    return LabelRow(id=f"pos-{i:04d}", title="t", text="", label="positive", development=development)


def test_split_keeps_each_development_on_one_side() -> None:
    rows = [_pos(i, f"dev-{i % 40}") for i in range(400)]
    train, held = split(rows)
    train_devs = {r.development for r in train}
    held_devs = {r.development for r in held}
    assert not train_devs & held_devs
    assert 0.1 < len(held_devs) / 40 < 0.4


def test_split_is_deterministic_and_about_a_quarter_for_negatives() -> None:
    rows = [LabelRow(id=f"neg-{i:04d}", title="t", text="", label="negative") for i in range(2000)]
    first = [is_held_out(r) for r in rows]
    assert first == [is_held_out(r) for r in rows]
    assert 0.21 < sum(first) / len(first) < 0.29


def test_repository_corpus_is_valid() -> None:
    rows = load_corpus()
    assert rows, "the repository corpus is empty"
    assert all(r.development for r in rows if r.relevant)
    assert all(r.stage is None for r in rows if not r.relevant)
