"""Fixtures for classifier tests: the case table and a classifier trained on the corpus train split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.classify import Classifier

HERE = Path(__file__).resolve().parent
CASES_FILE = HERE / "cases.yaml"
SEED_FILE = HERE / "seed-article.txt"


def load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    for case in cases:
        if case.pop("seed_file", False):
            case["text"] = SEED_FILE.read_text(encoding="utf-8")
        case.setdefault("text", "")
    return cases


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier.load()
